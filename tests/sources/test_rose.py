"""Rose (2004) GATT/WTO panel loader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadr
import pytest

from labourlink.countries import SPECIAL_CODES
from labourlink.errors import SourceError
from labourlink.sources import rose
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> pd.DataFrame:
    return pyreadr.read_r(str(data_dir / rose.FILE))["ross2004"]


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> list[SourceTable]:
    return rose.load(data_dir)


def test_file_checksum(data_dir: Path) -> None:
    (rf,) = rose.FILES
    assert sha256_file(data_dir / rf.path) == rf.sha256


def test_rows_countries_and_former_states(tables: list[SourceTable]) -> None:
    trade = tables[0]
    f = trade.frame
    assert list(f.columns) == TABLES["trade"].column_names
    assert len(f) + sum(trade.provenance.dropped.values()) == 234_597
    codes = set(f.exporter) | set(f.importer)
    if "YUG" in SPECIAL_CODES:
        assert trade.provenance.dropped == {} and len(codes) == 178 and "YUG" in codes
    else:
        assert trade.provenance.dropped == {"former_state_without_special_code (YUG)": 3_295}
        assert len(codes) == 177
    assert "SRB" not in codes  # Yugoslavia 1960-1990 is not mapped to Serbia
    assert set(f.year) == set(range(1948, 2000))
    assert set(f["unit"]) == {"log real US$"}


def test_undirected_pairs_unique(tables: list[SourceTable]) -> None:
    f = tables[0].frame
    assert not f.duplicated(list(TABLES["trade"].key)).any()
    a = f[["exporter", "importer"]].min(axis=1)
    b = f[["exporter", "importer"]].max(axis=1)
    assert not pd.DataFrame({"a": a, "b": b, "y": f.year}).duplicated().any()


def test_values_are_the_published_logs(tables: list[SourceTable], raw: pd.DataFrame) -> None:
    f = tables[0].frame
    first = f.iloc[0]
    assert (first.exporter, first.importer, first.year) == ("USA", "GBR", 1948)
    assert first.value == pytest.approx(16.847788, abs=1e-6)
    assert (f["value"] < 0).any()  # logs of small flows: negatives are legitimate here
    kept = raw[(raw.ctry1 != "YUG") & (raw.ctry2 != "YUG")]
    if "YUG" not in SPECIAL_CODES:
        assert f["value"].sum() == pytest.approx(kept["ltrade"].sum())


def test_covariates_long_preserves_totals(tables: list[SourceTable], raw: pd.DataFrame) -> None:
    trade, cov = tables
    c = cov.frame
    assert list(c.columns) == TABLES["trade_covariate"].column_names
    assert len(c) == len(rose.COVARIATES) * len(trade.frame) == cov.provenance.rows
    src = raw if "YUG" in SPECIAL_CODES else raw[(raw.ctry1 != "YUG") & (raw.ctry2 != "YUG")]
    sums = c.groupby("name")["value"].sum()
    for name in rose.COVARIATES:
        assert sums[name] == pytest.approx(src[name].sum()), name
    gsp = c[(c.name == "bothin")].set_index(["exporter", "importer", "year"])["value"]
    assert gsp[("USA", "GBR", 1948)] == 1.0


def test_text_in_ltrade(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:150].copy()
    for col in ("ctry1", "ctry2", "pair"):
        sub[col] = sub[col].astype(str)
    sub["ltrade"] = sub["ltrade"].astype(object)
    sub.iloc[20, sub.columns.get_loc("ltrade")] = "log(12)"
    target = tmp_path / rose.FILE
    target.parent.mkdir(parents=True)
    pyreadr.write_rdata(str(target), sub, df_name="ross2004")
    with pytest.raises(SourceError) as exc:
        rose.load(tmp_path)
    msg = str(exc.value)
    assert "ross2004.rda" in msg and "row 21" in msg and "'ltrade'" in msg


def test_wrong_object_name(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:10].copy()
    for col in ("ctry1", "ctry2", "pair"):
        sub[col] = sub[col].astype(str)
    target = tmp_path / rose.FILE
    target.parent.mkdir(parents=True)
    pyreadr.write_rdata(str(target), sub, df_name="rose")
    with pytest.raises(SourceError, match="ross2004"):
        rose.load(tmp_path)
