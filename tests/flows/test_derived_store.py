"""The estimated flows are derived store tables, rebuilt when an input changes."""

from __future__ import annotations

import json
import types
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from rawcopy import copy_raw  # tests/sources/rawcopy.py (on sys.path via conftest)

from labourlink.flows import store as flow_store
from labourlink.sources import wpp2024
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    read_csv_checked,
    require_file,
    sha256_file,
)
from labourlink.store import build_store, connect
from labourlink.store.build import input_fingerprint

STOCKS = """origin,destination,year,persons
IND,ARE,2015,3184043
IND,ARE,2020,3471300
PAK,ARE,2015,1150000
PAK,ARE,2020,1200000
IND,PAK,2015,1600000
IND,PAK,2020,1500000
PAK,IND,2015,1100000
PAK,IND,2020,1000000
XXX,IND,2015,500000
XXX,IND,2020,480000
"""


def _stock_loader() -> types.ModuleType:
    """Stand-in for the 2020-revision loader: a three-country table under its source id."""
    mod = types.ModuleType("labourlink_test_toy_ims2020")

    def load(data_dir: Path) -> list[SourceTable]:
        path = require_file(data_dir, "toy/stocks.csv")
        df = read_csv_checked(path, dtype={"origin": str, "destination": str})
        frame = pd.DataFrame({"origin": df["origin"], "destination": df["destination"],
                              "year": df["year"].astype("int64"), "sex": "total",
                              "persons": df["persons"].astype(float),
                              "source": "undesa_ims2020"})
        prov = Provenance("undesa_ims2020", "toy", "tests", "toy/stocks.csv", sha256_file(path),
                          len(frame))
        return [SourceTable("migrant_stock", frame, prov)]

    mod.SOURCE = "undesa_ims2020"  # type: ignore[attr-defined]
    mod.FILES = (RemoteFile("toy/stocks.csv", None, ""),)  # type: ignore[attr-defined]
    mod.load = load  # type: ignore[attr-defined]
    return mod


@pytest.fixture()
def raw(data_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "raw"
    for rf in wpp2024.FILES:
        copy_raw(data_dir, out, rf)
    (out / "toy").mkdir()
    (out / "toy" / "stocks.csv").write_text(STOCKS)
    return out


def _flows(store: Path) -> pd.DataFrame:
    con = connect(store)
    try:
        return con.execute("SELECT * FROM migration_flow ORDER BY method, origin, "
                           "destination").df()
    finally:
        con.close()


def test_derived_version_enters_the_fingerprint(monkeypatch: pytest.MonkeyPatch,
                                                data_dir: Path) -> None:
    before, _ = input_fingerprint(data_dir, [])
    monkeypatch.setattr(flow_store, "VERSION", "flows-test")
    after, _ = input_fingerprint(data_dir, [])
    assert before != after


def test_flows_are_built_with_provenance_and_rebuilt_when_an_input_changes(
        raw: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    loaders = [_stock_loader(), wpp2024]
    rep = build_store(raw, store, loaders=loaders, progress=False)
    assert rep.rebuilt and rep.rows["migration_flow"] > 0
    first = _flows(store)
    assert set(first["method"]) == set(flow_store.METHODS)
    assert set(first["revision"]) == {"2020"} and set(first["period_start"]) == {2015}
    sd = first[(first["method"] == "sd_drop_neg")].set_index(["origin", "destination"])["flow"]
    assert sd[("IND", "ARE")] == 287_257 and sd[("PAK", "ARE")] == 50_000
    con = duckdb.connect(str(store), read_only=True)
    try:
        prov = con.execute("SELECT * FROM flow_provenance ORDER BY method").df()
        status = dict(zip(prov["method"], prov["status"], strict=True))
        generic = con.execute("SELECT * FROM provenance WHERE source = 'labourlink_flows'").df()
    finally:
        con.close()
    assert set(status.values()) == {"ok"}
    births = "wpp2024_components/data-raw/births.txt"
    inputs = json.loads(prov["inputs"].iloc[0])
    assert inputs[births] == sha256_file(raw / births)
    assert set(generic["target_table"]) == {"migration_flow", "flow_provenance"}
    assert not build_store(raw, store, loaders=loaders, progress=False).rebuilt

    # more births in India in 2017 (5 thousand, within the published residuals): the store is
    # rebuilt and the demographic-accounting flows change, stock differencing does not
    path = raw / births
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    row = df["country_code"] == "356"
    df.loc[row, "2017"] = str(float(df.loc[row, "2017"].item()) + 5.0)
    df.to_csv(path, sep="\t", index=False)
    rep2 = build_store(raw, store, loaders=loaders, progress=False)
    assert rep2.rebuilt
    second = _flows(store)
    key = ["method", "origin", "destination"]
    m = first.merge(second, on=key, suffixes=("_1", "_2"))
    changed = m[(m["flow_1"] - m["flow_2"]).abs() > 1e-6].groupby("method").size()
    assert "da_min_closed" in changed.index and "sd_drop_neg" not in changed.index
    con = duckdb.connect(str(store), read_only=True)
    try:
        inputs2 = json.loads(con.execute("SELECT inputs FROM flow_provenance LIMIT 1").fetchone()[0])
    finally:
        con.close()
    assert inputs2[births] == sha256_file(path) != inputs[births]
