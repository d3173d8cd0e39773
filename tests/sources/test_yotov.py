"""Yotov et al. (2016) Advanced Guide RTA panel loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labourlink.errors import SourceError
from labourlink.sources import yotov
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> pd.DataFrame:
    return pyreadr.read_r(str(data_dir / yotov.FILE))["agtpa_applications"]


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> list[SourceTable]:
    return yotov.load(data_dir)


def test_file_checksum(data_dir: Path) -> None:
    (rf,) = yotov.FILES
    assert sha256_file(data_dir / rf.path) == rf.sha256


def test_trade_rows_countries_and_key(tables: list[SourceTable]) -> None:
    f = tables[0].frame
    assert list(f.columns) == TABLES["trade"].column_names
    assert len(f) == 99_981 == tables[0].provenance.rows
    assert tables[0].provenance.dropped == {}
    codes = set(f.exporter) | set(f.importer)
    assert len(codes) == 69 and "ROU" in codes and "ROM" not in codes
    assert not f.duplicated(list(TABLES["trade"].key)).any()
    assert (f["value"] >= 0).all()
    assert (f.exporter == f.importer).sum() == 1_449  # intra-national flows kept
    assert sorted(set(f.year)) == list(range(1986, 2007))
    assert set(f["unit"]) == {"current US$ million"}


def test_values_in_millions(tables: list[SourceTable]) -> None:
    f = tables[0].frame.set_index(["exporter", "importer", "year"])["value"]
    # JPN -> USA 2006: US imports of manufactures from Japan were about US$ 145 bn
    assert 120_000 < f[("JPN", "USA", 2006)] < 170_000
    assert f[("USA", "USA", 2006)] == pytest.approx(4.233436e6, rel=1e-6)


def test_covariates_complete_and_preserved(tables: list[SourceTable], raw: pd.DataFrame) -> None:
    trade, cov = tables
    f = cov.frame
    assert list(f.columns) == TABLES["trade_covariate"].column_names
    assert len(f) == 13 * 99_981 == cov.provenance.rows
    assert not f.duplicated(list(TABLES["trade_covariate"].key)).any()
    sums = f.groupby("name")["value"].sum()
    for c in yotov.COVARIATES:
        assert sums[c] == pytest.approx(raw[c].sum()), c  # totals preserved by wide->long
    dist = f[f.name == "dist"].set_index(["exporter", "importer", "year"])["value"]
    assert dist[("ARG", "AUS", 1986)] == pytest.approx(12044.574134)
    rta = f[f.name == "rta"].set_index(["exporter", "importer", "year"])["value"]
    assert rta[("USA", "MEX", 2006)] == 1.0 and rta[("USA", "MEX", 1986)] == 0.0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 99_980))
def test_any_row_round_trips(tables: list[SourceTable], raw: pd.DataFrame, i: int) -> None:
    t = tables[0].frame.iloc[i]
    assert t["value"] == raw["trade"].iloc[i]
    assert t["year"] == int(raw["year"].iloc[i])
    assert t["exporter"] == ("ROU" if raw["exporter"].iloc[i] == "ROM" else raw["exporter"].iloc[i])


def _write(df: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / yotov.FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    pyreadr.write_rdata(str(target), df, df_name="agtpa_applications")


def test_text_in_trade_names_row_and_field(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:100].copy()
    sub["trade"] = sub["trade"].astype(object)
    sub.iloc[6, sub.columns.get_loc("trade")] = "n.a."
    _write(sub, tmp_path)
    with pytest.raises(SourceError) as exc:
        yotov.load(tmp_path)
    msg = str(exc.value)
    assert "agtpa_applications.rda" in msg and "row 7" in msg and "'trade'" in msg


def test_negative_trade_rejected(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:100].copy()
    sub.iloc[11, sub.columns.get_loc("trade")] = -np.float64(5.0)
    _write(sub, tmp_path)
    with pytest.raises(SourceError, match=r"row 12.*negative"):
        yotov.load(tmp_path)


def test_truncated_file(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / yotov.FILE
    target.parent.mkdir(parents=True)
    target.write_bytes((data_dir / yotov.FILE).read_bytes()[:50_000])
    with pytest.raises(SourceError, match="agtpa_applications.rda"):
        yotov.load(tmp_path)
