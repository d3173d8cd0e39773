"""Store builds: atomic, provenance-tracked, no-op on unchanged inputs, failures keep the old store."""

from __future__ import annotations

import types
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from labourlink.errors import LabourlinkError, SourceError, StoreError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    read_csv_checked,
    require_file,
    sha256_file,
    to_numeric_checked,
)
from labourlink.store import build_store, connect, export_tables, provenance_table


def _toy_loader(name: str = "toy") -> types.ModuleType:
    """A loader module reading ``toy/stocks.csv`` (origin, destination, year, persons)."""
    mod = types.ModuleType(f"labourlink_test_{name}")

    def load(data_dir: Path) -> list[SourceTable]:
        path = require_file(data_dir, "toy/stocks.csv")
        df = read_csv_checked(path, dtype={"origin": str, "destination": str})
        persons = to_numeric_checked(df, "persons", path)
        frame = pd.DataFrame({"origin": df["origin"], "destination": df["destination"],
                              "year": df["year"].astype(int), "sex": "total",
                              "persons": persons, "source": name})
        prov = Provenance(name, "test edition", "tests", "toy/stocks.csv", sha256_file(path),
                          len(frame))
        return [SourceTable("migrant_stock", frame, prov)]

    mod.SOURCE = name  # type: ignore[attr-defined]
    mod.FILES = (RemoteFile("toy/stocks.csv", None, ""),)  # type: ignore[attr-defined]
    mod.load = load  # type: ignore[attr-defined]
    return mod


@pytest.fixture()
def toy_dir(tmp_path: Path) -> Path:
    d = tmp_path / "raw" / "toy"
    d.mkdir(parents=True)
    (d / "stocks.csv").write_text(
        "origin,destination,year,persons\nNPL,KOR,2020,100\nBGD,KOR,2020,50\nVNM,JPN,2020,400\n")
    return tmp_path / "raw"


def test_build_then_noop_then_force(toy_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    rep = build_store(toy_dir, store, loaders=[_toy_loader()], progress=False)
    assert rep.rebuilt and rep.rows["migrant_stock"] == 3
    digest = sha256_file(store)
    again = build_store(toy_dir, store, loaders=[_toy_loader()], progress=False)
    assert not again.rebuilt
    assert sha256_file(store) == digest
    forced = build_store(toy_dir, store, loaders=[_toy_loader()], force=True, progress=False)
    assert forced.rebuilt
    con = connect(store)
    try:
        prov = provenance_table(con)
        assert set(prov["source"]) >= {"toy", "labourlink_countries", "labourlink_groups"}
        toy = prov[prov["source"] == "toy"].iloc[0]
        assert toy["rows"] == 3 and toy["sha256"] == sha256_file(toy_dir / "toy" / "stocks.csv")
        total = con.execute("SELECT sum(persons) FROM migrant_stock").fetchone()[0]
        assert total == 550
        n_countries = con.execute("SELECT count(*) FROM country").fetchone()[0]
        assert n_countries > 200
    finally:
        con.close()


def test_changed_input_triggers_rebuild(toy_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    build_store(toy_dir, store, loaders=[_toy_loader()], progress=False)
    with open(toy_dir / "toy" / "stocks.csv", "a") as fh:
        fh.write("PHL,JPN,2020,7\n")
    rep = build_store(toy_dir, store, loaders=[_toy_loader()], progress=False)
    assert rep.rebuilt and rep.rows["migrant_stock"] == 4


@pytest.mark.parametrize(
    "content, expected",
    [
        ("origin,destination,year,persons\nNPL,KOR,2020,abc\n", "row 2, field 'persons'"),
        ("", "empty"),
        ("origin,destination,year,persons\n", "no data"),
        ("origin,destination,year,persons\nNPL,KOR,2020,1\nNPL,KOR,2020,2\n", "duplicate key"),
        ("origin,destination,year,persons\nNPL,QQQ,2020,1\n", "QQQ"),
    ],
    ids=["text-in-numeric", "empty-file", "header-only", "duplicate-key", "unknown-code"],
)
def test_failed_build_keeps_previous_store(toy_dir: Path, tmp_path: Path, content: str,
                                           expected: str) -> None:
    store = tmp_path / "s.duckdb"
    build_store(toy_dir, store, loaders=[_toy_loader()], progress=False)
    before = sha256_file(store)
    (toy_dir / "toy" / "stocks.csv").write_text(content)
    with pytest.raises(LabourlinkError) as err:
        build_store(toy_dir, store, loaders=[_toy_loader()], force=True, progress=False)
    assert expected in str(err.value)
    assert sha256_file(store) == before
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="toy/stocks.csv.*not found"):
        build_store(tmp_path, tmp_path / "s.duckdb", loaders=[_toy_loader()], progress=False)
    assert not (tmp_path / "s.duckdb").exists()


def test_wrong_columns_rejected(toy_dir: Path, tmp_path: Path) -> None:
    mod = _toy_loader()
    inner = mod.load

    def bad_load(data_dir: Path) -> list[SourceTable]:
        st = inner(data_dir)[0]
        return [SourceTable(st.table, st.frame.drop(columns="sex"), st.provenance)]

    mod.load = bad_load  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="expected"):
        build_store(toy_dir, tmp_path / "s.duckdb", loaders=[mod], progress=False)


def test_export_parquet_every_table(toy_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    build_store(toy_dir, store, loaders=[_toy_loader()], progress=False)
    con = connect(store)
    try:
        files = export_tables(con, tmp_path / "export", "parquet")
    finally:
        con.close()
    from labourlink.store.schema import TABLES

    assert sorted(f.stem for f in files) == sorted(TABLES)
    back = pd.read_parquet(tmp_path / "export" / "migrant_stock.parquet")
    assert len(back) == 3 and back["persons"].sum() == 550


def test_connect_missing_store_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="labourlink data build"):
        connect(tmp_path / "nope.duckdb")


def test_read_only_connection_cannot_write(toy_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    build_store(toy_dir, store, loaders=[_toy_loader()], progress=False)
    con = connect(store)
    try:
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM migrant_stock")
    finally:
        con.close()
