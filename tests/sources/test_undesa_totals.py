"""UN DESA migrant stock totals workbooks (2020, 2019, 2024 by destination and by origin)."""

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
from undesa_published import D1, YEARS_2020

from labourlink.errors import SourceError
from labourlink.sources import undesa_totals as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

YEARS_2019 = [1990, 1995, 2000, 2005, 2010, 2015, 2019]
# PUBLISHED_RESULTS.md D1 (2020 workbook, WORLD; in undesa_published) and D2 (2019 workbook,
# WORLD).
D2_TOTAL = [153_011_473, 161_316_895, 173_588_441, 191_615_574, 220_781_909, 248_861_296,
            271_642_105]


@pytest.fixture(scope="module")
def tables(data_dir: Path):
    return mod.load(data_dir)


def _get(tables, source: str, side: str = "destination") -> pd.DataFrame:
    (t,) = [t for t in tables if t.provenance.source == source and t.frame["side"].iat[0] == side]
    return t.frame


def _world(frame: pd.DataFrame, sex: str, years: list[int]) -> list[int]:
    w = frame[(frame["area_code"] == 900) & (frame["sex"] == sex)].set_index("year")["persons"]
    return [int(w[y]) for y in years]


def test_tables_schema_provenance(tables, data_dir: Path) -> None:
    assert [t.provenance.source for t in tables] == [w.source for w in mod.WORKBOOKS]
    assert set(mod.SOURCES) == {"undesa_totals_2020", "undesa_totals_2019", "undesa_totals_2024"}
    assert all(s.startswith(mod.SOURCE) for s in mod.SOURCES)
    for t, wb in zip(tables, mod.WORKBOOKS, strict=True):
        f = t.frame
        assert t.table == "migrant_stock_total"
        assert list(f.columns) == TABLES["migrant_stock_total"].column_names
        assert f["year"].dtype == np.int64 and f["area_code"].dtype == np.int64
        assert f["is_country"].dtype == bool and f["persons"].dtype == np.float64
        assert set(f["sex"]) == {"total", "male", "female"} and set(f["side"]) == {wb.side}
        assert sorted(f["year"].unique()) == list(wb.years)
        assert not f.duplicated(list(TABLES["migrant_stock_total"].key)).any()
        assert (f["persons"].dropna() >= 0).all()
        assert t.provenance.rows == len(f)
        assert t.provenance.sha256 == wb.file.sha256 == sha256_file(data_dir / wb.file.path)
        assert len(f) == f["area_code"].nunique() * 3 * len(wb.years)


def test_world_2020_equals_d1(tables) -> None:
    f = _get(tables, "undesa_totals_2020")
    for sex, values in D1.items():
        assert _world(f, sex, YEARS_2020) == values


def test_world_2019_equals_d2(tables) -> None:
    f = _get(tables, "undesa_totals_2019")
    assert _world(f, "total", YEARS_2019) == D2_TOTAL
    assert _world(f, "male", [2019]) == [141_488_004]
    assert _world(f, "female", [2019]) == [130_154_101]


def test_2024_checks_from_manifest(tables) -> None:
    dest = _get(tables, "undesa_totals_2024", "destination")
    orig = _get(tables, "undesa_totals_2024", "origin")
    assert _world(dest, "total", [2020, 2024]) == [275_284_032, 304_021_813]
    assert _world(orig, "total", [2024]) == [304_021_813]

    def one(f: pd.DataFrame, iso3: str) -> int:
        r = f[(f["iso3"] == iso3) & (f["year"] == 2024) & (f["sex"] == "total")]["persons"]
        assert len(r) == 1
        return int(r.iat[0])

    assert one(orig, "IND") == 18_533_845
    assert one(orig, "PHL") == 6_988_383
    assert one(orig, "TUV") == 1_239
    assert one(dest, "ARE") == 8_157_000


def test_country_rows_and_regions(tables) -> None:
    n_countries = {"undesa_totals_2020": 232, "undesa_totals_2019": 232}
    for t in tables:
        f = t.frame
        assert f.loc[f["is_country"], "iso3"].notna().all()
        assert f.loc[~f["is_country"], "iso3"].isna().all()
        assert (f.loc[~f["is_country"], "area_code"].isin(range(900, 10_000))
                | (f.loc[~f["is_country"], "area_code"] < 900)).all()
        assert f.loc[f["is_country"], "area_code"].lt(900).all()
        per_code = f.drop_duplicates("area_code")
        assert per_code["iso3"].dropna().is_unique
        if t.provenance.source in n_countries:
            assert per_code["is_country"].sum() == n_countries[t.provenance.source]
        world = per_code[per_code["area_code"] == 900]
        assert not world["is_country"].iat[0] and world["iso3"].isna().iat[0]
    # 2024: the publisher filled "Data type" for region 927 Australia/New Zealand: still a region.
    d24 = _get(tables, "undesa_totals_2024").drop_duplicates("area_code").set_index("area_code")
    assert not d24.loc[927, "is_country"] and d24.loc[36, "iso3"] == "AUS"
    # The origin workbook's OTHER row (code 2003) is kept as a non-country row.
    o24 = _get(tables, "undesa_totals_2024", "origin").drop_duplicates("area_code")
    assert o24.set_index("area_code").loc[2003, "area_name"] == "OTHER"


def test_names_cleaned(tables) -> None:
    names = set(_get(tables, "undesa_totals_2020")["area_name"])
    assert {"China", "Mauritius", "WORLD"} <= names
    assert not any(n != n.strip() or n.endswith("*") for n in names)


def test_dropped_rows_counted(tables) -> None:
    p = {(t.provenance.source, t.frame["side"].iat[0]): t.provenance.dropped for t in tables}
    assert p[("undesa_totals_2019", "destination")]["section heading without location code"] == 4
    # 927 appears twice (SDG region and geographic region) with the same numbers in 2020 and 2019.
    assert p[("undesa_totals_2020", "destination")] == {
        "repeated area row (same code, same numbers)": 1}


@pytest.mark.slow
def test_text_in_number_cell_raises_naming_row_and_field(data_dir: Path, tmp_path: Path) -> None:
    wb = mod.WORKBOOKS[0]
    target = copy_raw(data_dir, tmp_path, wb.file)
    book = openpyxl.load_workbook(target)
    book["Table 1"]["G14"] = "n/a"  # Excel row 14 (third data row), column G = both sexes 1995
    book.save(target)
    with pytest.raises(SourceError, match=r"sheet 'Table 1', row 14, field 'total 1995'.*'n/a'"):
        mod.load_workbook(tmp_path, wb)


def test_truncated_workbook_raises_naming_file(data_dir: Path, tmp_path: Path) -> None:
    wb = mod.WORKBOOKS[2]
    target = copy_raw(data_dir, tmp_path, wb.file)
    target.write_bytes(target.read_bytes()[:50_000])
    with pytest.raises(SourceError, match=r"2024_ims_stock_by_sex_and_destination\.xlsx.*cannot "
                                          r"be opened as an Excel workbook"):
        mod.load_workbook(tmp_path, wb)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        mod.load(tmp_path)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.data())
def test_wide_to_long_preserves_totals(n_areas: int, n_years: int, data) -> None:
    values = data.draw(hnp.arrays(float, (n_areas, 3 * n_years),
                                  elements=st.floats(0, 1e9, allow_nan=False)))
    years = tuple(range(2000, 2000 + n_years))
    block = pd.DataFrame(values, columns=[f"c{j}" for j in range(3 * n_years)])
    block.insert(0, "area_code", np.arange(n_areas) + 1)
    long = mod.wide_to_long(block, years)
    assert len(long) == n_areas * 3 * n_years
    assert not long.duplicated(["area_code", "sex", "year"]).any()
    for k, sex in enumerate(mod.SEXES):
        part = long[long["sex"] == sex]
        np.testing.assert_allclose(part["persons"].sum(),
                                   values[:, k * n_years:(k + 1) * n_years].sum())
        # each (area, year) picks the cell of its own row and column
        piv = part.pivot(index="area_code", columns="year", values="persons").to_numpy()
        np.testing.assert_array_equal(piv, values[:, k * n_years:(k + 1) * n_years])


@pytest.mark.slow
def test_text_in_location_code_raises_naming_row(data_dir: Path, tmp_path: Path) -> None:
    wb = mod.WORKBOOKS[1]  # 2019: section headings without codes sit above the damaged row
    target = copy_raw(data_dir, tmp_path, wb.file)
    book = openpyxl.load_workbook(target)
    book["Table 1"]["D40"] = "9o0"
    book.save(target)
    with pytest.raises(SourceError, match=r"row 40, field 'Location code'.*'9o0'"):
        mod.load_workbook(tmp_path, wb)
