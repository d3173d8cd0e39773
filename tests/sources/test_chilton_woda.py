"""Chilton & Woda (2022) bilateral labour agreements loader, on the real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import chilton_woda
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

countries = pytest.importorskip("labourlink.countries")
if not hasattr(countries, "resolver"):
    pytest.skip("labourlink.countries.resolver not available yet", allow_module_level=True)


@pytest.fixture(scope="module")
def table(data_dir: Path) -> pd.DataFrame:
    t = chilton_woda.load(data_dir)[0]
    assert t.table == "labour_agreement"
    return t.frame


@pytest.fixture(scope="module")
def provenance(data_dir: Path):
    return chilton_woda.load(data_dir)[0].provenance


def test_files_checksums_match_manifest(data_dir: Path) -> None:
    for f in chilton_woda.FILES:
        assert sha256_file(data_dir / f.path) == f.sha256, f.path
        assert f.url is not None and f.url.startswith("https://raw.githubusercontent.com/")


def test_shape_columns_and_key(table: pd.DataFrame) -> None:
    assert list(table.columns) == TABLES["labour_agreement"].column_names
    assert len(table) == 1222  # README: "1,222 agreements"
    assert table["agreement_id"].is_unique
    assert (table["source"] == chilton_woda.SOURCE).all()


def test_years_and_unknown_year(table: pd.DataFrame) -> None:
    years = table["year"].dropna().astype(int)
    assert years.min() == 1927 and years.max() == 2020
    unknown = table[table["year"].isna()]
    assert len(unknown) == 1  # the one '9999' row: New Zealand - Ireland
    assert set(unknown[["party_a", "party_b"]].iloc[0]) == {"NZL", "IRL"}


def test_parties_are_iso3_and_distinct(table: pd.DataFrame) -> None:
    for col in ("party_a", "party_b"):
        bad = table[col][~table[col].str.fullmatch(r"[A-Z]{3}")]
        assert bad.empty, f"non-ISO3 codes from labourlink.countries.resolver('cow'): {set(bad)}"
    assert (table["party_a"] != table["party_b"]).all()


def test_manifest_counts_by_country(table: pd.DataFrame) -> None:
    # MANIFEST.md section 11, "Checks made here" (agreements with the country as either party)
    # "Korea 77" there counts both Koreas: South Korea (COW 732) 76 + North Korea (731) 1.
    expected = {"PHL": 79, "KOR": 76, "PRK": 1, "JPN": 46, "QAT": 33, "VNM": 31, "TWN": 31, "IDN": 29,
                "THA": 22, "LKA": 21, "MYS": 20, "ARE": 20, "BGD": 20, "KHM": 15, "IND": 15,
                "NPL": 13, "KWT": 13, "SAU": 12, "PAK": 12}
    either = pd.concat([table["party_a"], table["party_b"]]).value_counts()
    got = {k: int(either.get(k, 0)) for k in expected}
    assert got == expected


def test_titles_and_dates(table: pd.DataFrame) -> None:
    assert table["title"].notna().sum() == 570  # agreements with coded text
    assert not table["title"].dropna().str.contains("Ã").any()  # mojibake repaired
    signed = table.dropna(subset=["signed"])
    assert 1000 < len(signed) < 1222
    # the signature date's year matches the signature year except a handful of source slips
    mismatch = (pd.to_datetime(signed["signed"]).dt.year != signed["year"].astype(float)).sum()
    assert mismatch == 6
    typo = table[table["agreement_id"] == "659"].iloc[0]  # '5/2/2997' in the source
    assert typo["signed"] is None or pd.isna(typo["signed"])
    assert typo["year"] == 2007


def test_provisions_long_form(data_dir: Path) -> None:
    prov = chilton_woda.load_provisions(data_dir)
    assert prov["agreement_id"].nunique() == 570
    assert set(prov["provision"]) == {*chilton_woda.PROVISION_COLUMNS, "quota_num"}
    flags = prov[prov["provision"] != "quota_num"]
    assert flags["value"].dropna().isin([0.0, 1.0]).all()
    # counts of agreements with the provision present, read from the coding file
    s = flags.groupby("provision")["value"].sum()
    assert s["quota"] == 136 and s["social_security"] == 174 and s["recruit_cost_mig"] == 90
    assert (prov[prov["provision"] == "quota_num"]["value"].dropna() > 0).all()
    assert prov.loc[prov["provision"] == "wage_prot", "label"].iloc[0] == "(12) Wage Protection"


def test_bad_date_names_file_row_field(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *chilton_woda.FILES)
    path = tmp_path / chilton_woda.FORMATION
    df = pd.read_stata(path)
    df.loc[4, "datesigned"] = "not a date"
    df.to_stata(path, write_index=False, version=118)
    with pytest.raises(SourceError) as exc:
        chilton_woda.load(tmp_path)
    msg = str(exc.value)
    assert "BLAs_Formation_Data.dta" in msg and "row 5" in msg and "datesigned" in msg


def test_truncated_file_raises(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *chilton_woda.FILES)
    path = tmp_path / chilton_woda.FORMATION
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(SourceError, match="BLAs_Formation_Data.dta"):
        chilton_woda.load(tmp_path)


def test_unknown_cow_code_is_listed(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *chilton_woda.FILES)
    path = tmp_path / chilton_woda.FORMATION
    df = pd.read_stata(path)
    df.loc[0, "codeA"] = 7777
    df.to_stata(path, write_index=False, version=118)
    with pytest.raises(SourceError) as exc:
        chilton_woda.load(tmp_path)
    assert "codeA" in str(exc.value) and "'7777'" in str(exc.value)
