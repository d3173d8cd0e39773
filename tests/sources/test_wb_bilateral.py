"""World Bank bilateral remittance and migration matrices 2017 (the 2021 KNOMAD matrix is tested
in test_knomad_matrix_2021.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rawcopy import copy_raw

from labourlink.countries import SPECIAL_CODES
from labourlink.errors import SourceError
from labourlink.sources import wb_bilateral as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def tables(data_dir: Path):
    rem, mig, rem21 = mod.load(data_dir)
    return rem, mig, rem21


def test_schema_and_provenance(tables, data_dir: Path) -> None:
    for t, m in zip(tables, mod.MATRICES, strict=True):
        assert t.table == m.table and t.provenance.source == m.source
        assert list(t.frame.columns) == TABLES[m.table].column_names
        assert set(t.frame["year"]) == {m.year} and t.frame["year"].dtype == np.int64
        assert not t.frame.duplicated(list(TABLES[m.table].key)).any()
        assert (t.frame[m.value_column] >= 0).all()
        assert t.provenance.rows == len(t.frame)
        assert t.provenance.sha256 == m.file.sha256 == sha256_file(data_dir / m.file.path)
        assert t.provenance.dropped["World total row"] == 1
        assert t.provenance.dropped["World total column"] == 1
    assert mod.SOURCES == ("wb_remittance_matrix_2017", "wb_migration_matrix_2017",
                           "knomad_remittance_matrix_2021")


def test_remittances(tables, data_dir: Path) -> None:
    rem = tables[0].frame
    assert len(rem) == 214 * 214 - 4
    assert rem["sending"].nunique() == 214 and rem["receiving"].nunique() == 214
    v = rem.set_index(["sending", "receiving"])["usd_million"]
    assert v[("USA", "MEX")] == pytest.approx(30_019.19, abs=0.005)  # MANIFEST
    assert ("IND", "PAK") not in v.index  # '-' in the workbook: no estimate
    assert tables[0].provenance.dropped["empty or '-' cell (no estimate published)"] == 4
    # Same cells as the long conversion made for this project (NaN = the four '-' cells).
    long = pd.read_csv(data_dir / "worldbank_bilateral_2017/WB_Bilateral_Remittance_Estimates_"
                       "2017_long.csv")
    assert long["remittances_usd_million"].isna().sum() == 4
    np.testing.assert_allclose(rem["usd_million"].sum(), long["remittances_usd_million"].sum(),
                               rtol=1e-12)


def test_migration(tables) -> None:
    mig = tables[1].frame
    v = mig.set_index(["origin", "destination"])["persons"]
    assert v[("MEX", "USA")] == 11_573_680  # MANIFEST
    # Other North/South kept as special codes: the table sums to the matrix total.
    assert {"XON", "XOS"} <= set(mig["origin"]) and {"XON", "XOS"} <= set(SPECIAL_CODES)
    assert mig["persons"].sum() == 266_143_792
    assert len(mig) == 216 * 216 - 2  # two empty cells
    countries = mig[~mig["origin"].isin(["XON", "XOS"]) & ~mig["destination"].isin(["XON", "XOS"])]
    assert countries["origin"].nunique() == 214
    residual = mig["persons"].sum() - countries["persons"].sum()
    assert residual == 13_508_132


@pytest.mark.slow
def test_text_in_cell_raises_naming_row_and_column(data_dir: Path, tmp_path: Path) -> None:
    m = mod.MIGRATION
    target = copy_raw(data_dir, tmp_path, m.file)
    book = openpyxl.load_workbook(target)
    book[m.sheet]["D5"] = "x12"  # origin row 5 (Algeria), destination column D (Algeria)
    book.save(target)
    with pytest.raises(SourceError, match=r"row 5, field 'D'.*'x12'"):
        mod._load_matrix(tmp_path, m)


def test_truncated_workbook_raises(data_dir: Path, tmp_path: Path) -> None:
    m = mod.REMITTANCES
    target = copy_raw(data_dir, tmp_path, m.file)
    target.write_bytes(target.read_bytes()[:100_000])
    with pytest.raises(SourceError, match=r"Remittance_Estimates_2017\.xlsx.*cannot be opened"):
        mod._load_matrix(tmp_path, m)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_matrix_to_long_preserves_totals(n: int, k: int, data) -> None:
    values = data.draw(hnp.arrays(float, (n, k),
                                  elements=st.one_of(st.just(np.nan), st.floats(0, 1e7))))
    rows, cols = [f"r{i}" for i in range(n)], [f"c{j}" for j in range(k)]
    long = mod.matrix_to_long(values, rows, cols)
    assert len(long) == int((~np.isnan(values)).sum())
    np.testing.assert_allclose(long["value"].sum(), np.nansum(values))
    assert not long.duplicated(["row", "col"]).any()
    for r in long.itertuples():
        assert values[rows.index(r.row), cols.index(r.col)] == r.value
