"""WPP 2024 components loader, on the real wpp2024 package files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import wpp2024 as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

DERIVED = "wpp2024_components/derived/wpp2024_annual_components_1950_2024.csv.gz"


@pytest.fixture(scope="module")
def tables(data_dir: Path):
    return mod.load(data_dir)


@pytest.fixture(scope="module")
def frame(tables) -> pd.DataFrame:
    return tables[0].frame


def test_schema_and_one_provenance_row_per_file(tables, frame: pd.DataFrame,
                                                data_dir: Path) -> None:
    assert list(frame.columns) == TABLES["wpp_component"].column_names
    assert len(tables) == len(mod.FILES) == 10
    for st, rf in zip(tables, mod.FILES, strict=True):
        assert st.table == "wpp_component"
        assert st.provenance.file == rf.path
        assert st.provenance.sha256 == rf.sha256 == sha256_file(data_dir / rf.path)
        assert st.provenance.rows == len(frame)
    assert all(len(st.frame) == 0 for st in tables[1:])  # the rows go in once
    assert frame["year"].dtype == np.int64 and set(frame["source"]) == {"wpp2024"}


def test_rows_locations_years(frame: pd.DataFrame) -> None:
    # MANIFEST: 297 locations x 75 years (1950-2024)
    assert len(frame) == 22_275
    assert frame["m49"].nunique() == 297
    assert sorted(frame["year"].unique()) == list(range(1950, 2025))
    assert set(frame.loc[frame["year"] == 2024, "variant"]) == {"medium"}
    assert set(frame.loc[frame["year"] < 2024, "variant"]) == {"estimate"}
    countries = frame[frame["is_country"]]
    assert countries["m49"].nunique() == 236  # the Holy See has no rows
    assert countries["iso3"].notna().all() and frame.loc[~frame["is_country"], "iso3"].isna().all()
    assert set(countries.loc[countries["m49"] == 412, "iso3"]) == {"XKX"}
    assert not frame.duplicated(["m49", "year"]).any()


def test_published_checks_from_manifest(frame: pd.DataFrame) -> None:
    world = frame[frame["m49"] == 900].set_index("year")
    assert world.loc[2019, "births_thousands"] == pytest.approx(138_597, abs=1)
    assert world.loc[2019, "deaths_thousands"] == pytest.approx(58_355, abs=1)
    assert world.loc[2020, "pop_jul1_thousands"] == pytest.approx(7_887_001, abs=1)
    assert world.loc[2024, "pop_jul1_thousands"] == pytest.approx(8_161_973, abs=1)
    # countries sum to the World
    c = frame[frame["is_country"]].groupby("year")[["births_thousands",
                                                     "pop_jul1_thousands"]].sum()
    np.testing.assert_allclose(c["births_thousands"], world["births_thousands"], rtol=1e-6)
    np.testing.assert_allclose(c["pop_jul1_thousands"], world["pop_jul1_thousands"], rtol=1e-6)


def test_population_equals_published_age_totals(frame: pd.DataFrame, data_dir: Path) -> None:
    """Rebuilt 1 July populations equal the 5-year-age totals of popAge5dt (1950-2020)."""
    age = pyreadr.read_r(str(data_dir / "wpp2024_components/data/popAge5dt.rda"))["popAge5dt"]
    tot = age.groupby(["country_code", "year"])["pop"].sum().rename("age_total").reset_index()
    tot = tot.rename(columns={"country_code": "m49"})
    tot["m49"] = tot["m49"].astype("int64")
    tot["year"] = tot["year"].astype("int64")
    m = tot.merge(frame, on=["m49", "year"])
    assert len(m) >= 297 * 15 - 20
    assert (m["pop_jul1_thousands"] - m["age_total"]).abs().max() < 0.01


def test_components_equal_the_curators_derived_table(frame: pd.DataFrame,
                                                     data_dir: Path) -> None:
    """The MANIFEST's derived annual table (not read by the loader) agrees on every value."""
    d = pd.read_csv(data_dir / DERIVED)
    m = frame.merge(d, on=["m49", "year"])
    assert len(m) == len(frame) == len(d)
    for ours, theirs in [("births_thousands", "births"), ("deaths_thousands", "deaths"),
                         ("net_migration_thousands", "net_migration"),
                         ("pop_change_thousands", "pop_change"),
                         ("pop_jan1_thousands", "pop_jan1"), ("pop_jul1_thousands", "pop_jul1"),
                         ("pop_dec31_thousands", "pop_dec31")]:
        assert (m[ours] - m[theirs]).abs().max() < 1e-3, ours
    assert (m["iso3_x"].fillna("") == m["iso3_y"].fillna("")).all()


def test_population_accounting_of_a_country(frame: pd.DataFrame) -> None:
    ind = frame[frame["iso3"] == "IND"].set_index("year")
    # 31 Dec of one year is 1 Jan of the next; the change is births - deaths + net migration
    np.testing.assert_allclose(ind["pop_jan1_thousands"].iloc[1:].to_numpy(),
                               ind["pop_dec31_thousands"].iloc[:-1].to_numpy())
    change = ind["pop_dec31_thousands"] - ind["pop_jan1_thousands"]
    np.testing.assert_allclose(change, ind["pop_change_thousands"], atol=1e-6)
    resid = (ind["births_thousands"] - ind["deaths_thousands"] + ind["net_migration_thousands"]
             - ind["pop_change_thousands"])
    assert resid.abs().max() < 0.5


def test_missing_file_names_it(data_dir: Path, tmp_path: Path) -> None:
    for rf in mod.FILES[1:]:
        copy_raw(data_dir, tmp_path, rf)
    with pytest.raises(SourceError, match=r"births\.txt.*file not found"):
        mod.load(tmp_path)


def test_bad_value_names_file_row_and_field(data_dir: Path, tmp_path: Path) -> None:
    for rf in mod.FILES:
        copy_raw(data_dir, tmp_path, rf)
    path = tmp_path / mod.FILES[2].path  # deaths.txt
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[3].split("\t")
    header = lines[0].split("\t")
    col = header.index("2000")
    cells[col] = "12a.5"
    lines[3] = "\t".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        mod.load(tmp_path)
    msg = str(exc.value)
    assert "deaths.txt" in msg and "row 4" in msg and "field '2000'" in msg and "12a.5" in msg


def test_missing_year_column_is_reported(data_dir: Path, tmp_path: Path) -> None:
    for rf in mod.FILES:
        copy_raw(data_dir, tmp_path, rf)
    path = tmp_path / mod.FILES[0].path  # births.txt
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    df.drop(columns=["1995"]).to_csv(path, sep="\t", index=False)
    with pytest.raises(SourceError, match=r"births\.txt.*year columns \[1995\] missing"):
        mod.load(tmp_path)


def test_files_from_another_release_are_rejected(data_dir: Path, tmp_path: Path) -> None:
    """A PopChange that no longer matches births, deaths and migration is refused."""
    for rf in mod.FILES:
        copy_raw(data_dir, tmp_path, rf)
    path = tmp_path / "wpp2024_components/data-raw/PopChange.txt"
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    df.loc[df["country_code"] == "356", "2010"] = "99999"
    df.to_csv(path, sep="\t", index=False)
    with pytest.raises(SourceError, match=r"PopChange\.txt.*M49 356 in 2010"):
        mod.load(tmp_path)
