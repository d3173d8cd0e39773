"""fixest `trade` (EU15 by product, Eurostat) loader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadr
import pytest

from labourlink.errors import SourceError
from labourlink.sources import fixest_trade
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import TABLES

EU15 = {"AUT", "BEL", "DEU", "DNK", "ESP", "FIN", "FRA", "GBR", "GRC", "IRL", "ITA", "LUX", "NLD",
        "PRT", "SWE"}


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> list[SourceTable]:
    return fixest_trade.load(data_dir)


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> pd.DataFrame:
    return pyreadr.read_r(str(data_dir / fixest_trade.FILE))["trade"]


def test_file_checksum(data_dir: Path) -> None:
    (rf,) = fixest_trade.FILES
    assert sha256_file(data_dir / rf.path) == rf.sha256 and rf.path.endswith(".RData")


def test_trade_rows_and_key(tables: list[SourceTable]) -> None:
    f = tables[0].frame
    assert list(f.columns) == TABLES["trade"].column_names
    assert len(f) == 38_325 == tables[0].provenance.rows
    assert not f.duplicated(list(TABLES["trade"].key)).any()
    assert (f["value"] > 0).all()  # zero flows are absent in this dataset
    assert set(f.exporter) == set(f.importer) == EU15
    assert set(f["product"]) == {str(i) for i in range(1, 21)}
    assert set(f.year) == set(range(2007, 2017))
    assert set(f["unit"]) == {"EUR"}


def test_first_rows_as_published(tables: list[SourceTable]) -> None:
    # PUBLISHED_RESULTS A: LU<-BE p1 2007 2,966,697; BE<-LU p1 6,755,030; LU<-BE p2 57,078,782
    f = tables[0].frame
    head = f.iloc[:3][["exporter", "importer", "product", "year", "value"]].values.tolist()
    assert head == [["BEL", "LUX", "1", 2007, 2966697.0], ["LUX", "BEL", "1", 2007, 6755030.0],
                    ["BEL", "LUX", "2", 2007, 57078782.0]]


def test_distance_once_per_pair_year(tables: list[SourceTable], raw: pd.DataFrame) -> None:
    cov = tables[1].frame
    assert list(cov.columns) == TABLES["trade_covariate"].column_names
    assert len(cov) == 15 * 14 * 10
    assert set(cov["name"]) == {"dist_km"}
    assert not cov.duplicated(list(TABLES["trade_covariate"].key)).any()
    d = cov.set_index(["exporter", "importer", "year"])["value"]
    assert d[("BEL", "LUX", 2007)] == pytest.approx(139.5719, abs=1e-4)
    # the long table restores the published column exactly when joined back by pair-year
    t = tables[0].frame
    joined = t.merge(cov, on=["exporter", "importer", "year"], suffixes=("", "_d"))
    assert len(joined) == len(t)
    assert joined["value_d"].to_numpy() == pytest.approx(raw["dist_km"].to_numpy())


def _write(df: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / fixest_trade.FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    df = df.copy()
    for c in ("Destination", "Origin"):
        df[c] = df[c].astype(str)
    pyreadr.write_rdata(str(target), df, df_name="trade")


def test_text_in_euros(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:60].copy()
    sub["Euros"] = sub["Euros"].astype(object)
    sub.iloc[2, sub.columns.get_loc("Euros")] = "57 million"
    _write(sub, tmp_path)
    with pytest.raises(SourceError) as exc:
        fixest_trade.load(tmp_path)
    msg = str(exc.value)
    assert "trade.RData" in msg and "row 3" in msg and "'Euros'" in msg


def test_distance_varying_by_product_is_an_error(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:60].copy()
    sub.iloc[2, sub.columns.get_loc("dist_km")] = 500.0
    _write(sub, tmp_path)
    with pytest.raises(SourceError, match="dist_km differs"):
        fixest_trade.load(tmp_path)


def test_unknown_iso2_listed(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:60].copy()
    sub["Origin"] = sub["Origin"].astype(str)
    sub.iloc[0, sub.columns.get_loc("Origin")] = "XQ"  # not an ISO2 code
    _write(sub, tmp_path)
    with pytest.raises(SourceError, match="'XQ'"):
        fixest_trade.load(tmp_path)
