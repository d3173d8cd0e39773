"""WDI personal remittances workbooks (.xls)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from labourlink.countries import WB_AGGREGATE_CODES
from labourlink.errors import SourceError
from labourlink.sources import wdi_remittances as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

LONG_CSV = "worldbank_wdi_remittances/wdi_remittances_long.csv"


@pytest.fixture(scope="module")
def tables(data_dir: Path):
    return mod.load(data_dir)


def test_schema_units_provenance(tables, data_dir: Path) -> None:
    assert [t.frame["code"].iat[0] for t in tables] == [s.code for s in mod.SERIES]
    units = {t.frame["code"].iat[0]: set(t.frame["unit"]) for t in tables}
    assert units == {"BX.TRF.PWKR.CD.DT": {"current US$"}, "BM.TRF.PWKR.CD.DT": {"current US$"},
                     "BX.TRF.PWKR.DT.GD.ZS": {"% of GDP"}}
    for t, s in zip(tables, mod.SERIES, strict=True):
        f = t.frame
        assert t.table == "indicator" and list(f.columns) == TABLES["indicator"].column_names
        assert f["year"].dtype == np.int64 and f["value"].dtype == np.float64
        assert f["value"].notna().all() and (f["value"] >= 0).all()
        assert not f.duplicated(list(TABLES["indicator"].key)).any()
        assert set(f["source"]) == {"wdi_remittances"} and t.provenance.rows == len(f)
        assert t.provenance.sha256 == s.file.sha256 == sha256_file(data_dir / s.file.path)
        assert f["year"].between(1970, 2022).all()


def test_aggregates_dropped_and_counted(tables) -> None:
    for t in tables:
        d = t.provenance.dropped
        assert d["aggregate (Region blank in 'Metadata - Countries')"] == 48
        assert d["not classified (INX)"] == 1
        assert not set(t.frame["iso3"]) & set(WB_AGGREGATE_CODES)
        assert {"WLD", "EAS", "AFE"}.isdisjoint(t.frame["iso3"])
        assert t.frame["iso3"].nunique() <= 266 - 49


def test_phl_2019(tables) -> None:
    rec = tables[0].frame.set_index(["iso3", "year"])["value"]
    assert rec[("PHL", 2019)] == pytest.approx(3.5167e10, rel=1e-4)  # MANIFEST


def test_rows_reconcile_with_long_conversion(tables, data_dir: Path) -> None:
    long = pd.read_csv(data_dir / LONG_CSV)
    assert len(long) == 27_086
    ours = pd.concat([t.frame for t in tables])
    dropped_agg = long[long["Country Code"].isin(set(WB_AGGREGATE_CODES) | {"INX"})]
    assert len(ours) == len(long) - len(dropped_agg)
    merged = ours.merge(long, left_on=["iso3", "year", "code"],
                        right_on=["Country Code", "year", "Indicator Code"], validate="1:1")
    assert len(merged) == len(ours)
    np.testing.assert_allclose(merged["value_x"], merged["value_y"], rtol=1e-12)


def test_truncated_xls_raises_naming_file(data_dir: Path, tmp_path: Path) -> None:
    s = mod.SERIES[0]
    (tmp_path / s.file.path).parent.mkdir(parents=True)
    target = Path(shutil.copy(data_dir / s.file.path, tmp_path / s.file.path))
    target.write_bytes(target.read_bytes()[:60_000])
    with pytest.raises(SourceError, match=r"personal-remittances-received\.xls.*cannot be opened"):
        mod.load_series(tmp_path, s)


def test_wrong_series_in_file_raises(data_dir: Path, tmp_path: Path) -> None:
    # The paid workbook in the place of the received one: the indicator code check catches it.
    rec, paid = mod.SERIES[0], mod.SERIES[1]
    (tmp_path / rec.file.path).parent.mkdir(parents=True)
    shutil.copy(data_dir / paid.file.path, tmp_path / rec.file.path)
    with pytest.raises(SourceError, match=r"expected indicator 'BX.TRF.PWKR.CD.DT' only"):
        mod.load_series(tmp_path, rec)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 6), st.data())
def test_wide_years_to_long_preserves_totals(n: int, k: int, data) -> None:
    values = data.draw(hnp.arrays(float, (n, k),
                                  elements=st.one_of(st.just(np.nan), st.floats(0, 1e12))))
    years = [str(2000 + j) for j in range(k)]
    wide = pd.DataFrame(values, columns=years)
    wide.insert(0, "code", [f"C{i}" for i in range(n)])
    long = mod.wide_years_to_long(wide, "code", years)
    assert len(long) == int((~np.isnan(values)).sum())
    np.testing.assert_allclose(long["value"].sum(), np.nansum(values))
    assert long["year"].dtype == np.int64
    assert not long.duplicated(["id", "year"]).any()
