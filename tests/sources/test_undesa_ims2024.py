"""UN DESA International Migrant Stock 2024, bilateral, from the per-destination R workspaces."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyreadr
import pytest

from labourlink.errors import SourceError
from labourlink.sources import undesa_ims2024 as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

YEARS = [1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024]


@pytest.fixture(scope="module")
def table(data_dir: Path):
    (t,) = mod.load(data_dir)
    return t


@pytest.fixture(scope="module")
def frame(table) -> pd.DataFrame:
    return table.frame


def test_schema_and_provenance(table, data_dir: Path) -> None:
    f = table.frame
    assert table.table == "migrant_stock" and list(f.columns) == TABLES["migrant_stock"].column_names
    assert set(f["source"]) == {"undesa_ims2024"} and f["year"].dtype == np.int64
    assert sorted(f["year"].unique()) == YEARS
    assert set(f["sex"]) == {"total", "male", "female"}
    assert not f.duplicated(list(TABLES["migrant_stock"].key)).any()
    assert (f["persons"] > 0).all()  # zero cells dropped and counted
    p = table.provenance
    assert p.edition == "POP/DB/MIG/Stock/Rev.2024" and p.rows == len(f)
    assert len(mod.FILES) == 235
    sums = [(Path(rf.path).name, sha256_file(data_dir / rf.path)) for rf in mod.FILES]
    assert [s for _, s in sums] == [rf.sha256 for rf in mod.FILES]  # files as published
    assert p.sha256 == mod.combined_sha256(sums)
    assert p.dropped["zero cell (absent pair, as in the 2020 table)"] > 0
    assert f["destination"].nunique() == 233  # 652 and 663 are published empty


def test_world_totals_issue_12(frame: pd.DataFrame) -> None:
    world = frame.groupby(["year", "sex"])["persons"].sum()
    assert world[(2024, "total")] == 304_021_813
    assert world[(2024, "male")] == 158_009_795
    assert world[(2024, "female")] == 146_012_018
    assert world[(2020, "total")] == 275_284_032  # the 2024 revision restates 2020
    # MANIFEST: 1990 153,916,063; 2000 174,566,152; 2010 221,020,392
    assert [world[(y, "total")] for y in (1990, 2000, 2010)] == [153_916_063, 174_566_152,
                                                                 221_020_392]


def test_special_codes_and_quirks(frame: pd.DataFrame, table) -> None:
    v = frame.set_index(["origin", "destination", "year", "sex"])["persons"]
    assert "XXX" in set(frame["origin"]) and "CHI" in set(frame["destination"])
    # Hungary <- UAE 1990: no both-sexes row, male and female 0 -> 0 (absent like every zero)
    assert ("ARE", "HUN", 1990, "total") not in v.index
    assert ("ARE", "HUN", 1995, "total") in v.index
    assert table.provenance.dropped[
        "of which pair-years without a both-sexes figure (male + female = 0)"] == 1
    # "Other" rows tagged Rev2022 in 1990 are kept (Holy See 726; Bonaire etc. 12,930)
    assert v[("XXX", "VAT", 1990, "total")] == 726
    assert v[("XXX", "BES", 1990, "total")] == 12_930
    # MANIFEST single cells, checked against an independent public conversion
    assert v[("KEN", "BDI", 2024, "total")] == 1_377
    assert v[("COD", "BDI", 2024, "total")] == 224_091
    assert v[("SOM", "DJI", 2024, "total")] == 99_940


def test_total_is_male_plus_female(frame: pd.DataFrame) -> None:
    wide = frame.pivot_table(index=["origin", "destination", "year"], columns="sex",
                             values="persons", aggfunc="sum", fill_value=0.0)
    np.testing.assert_array_equal(wide["total"], wide["male"] + wide["female"])


def test_equals_the_long_conversion(frame: pd.DataFrame, data_dir: Path) -> None:
    """The CSV made for the data folder from the same files holds the same cells."""
    long = pd.read_csv(data_dir / "undesa_ims2024_bilateral/undesa_ims2024_bilateral_by_sex_long.csv.gz")
    assert len(long) == 74_300
    ours = frame.pivot_table(index=["destination", "origin", "year"], columns="sex",
                             values="persons", aggfunc="sum", fill_value=0.0)
    long["orig_iso3"] = long["orig_iso3"].fillna("XXX").where(long["orig_code"] != 2003, "XXX")
    theirs = long.set_index(["dest_iso3", "orig_iso3", "year"])[["both_sexes", "male", "female"]]
    theirs = theirs.fillna(0.0)
    theirs = theirs[(theirs != 0).any(axis=1)]
    theirs.index.names = ours.index.names
    joined = ours.join(theirs, how="outer", rsuffix="_csv").fillna(0.0)
    assert len(joined) == len(theirs) == len(ours)
    np.testing.assert_array_equal(joined["total"], joined["both_sexes"])
    np.testing.assert_array_equal(joined["male"], joined["male_csv"])
    np.testing.assert_array_equal(joined["female"], joined["female_csv"])


def test_every_destination_and_origin_total_equals_the_totals_workbooks(store: Path) -> None:
    """Summing the bilateral table over origins (destinations) reproduces every destination's
    (origin's) total in the 2024 totals workbooks, all eight years and three sexes, exactly."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        for side, other in (("destination", "origin"), ("origin", "destination")):
            gaps = con.execute(f"""
                WITH bil AS (SELECT {side} AS iso3, year, sex, SUM(persons) AS persons
                             FROM migrant_stock WHERE source = 'undesa_ims2024'
                             GROUP BY ALL),
                     tot AS (SELECT iso3, year, sex, persons FROM migrant_stock_total
                             WHERE source = 'undesa_totals_2024' AND side = '{side}'
                               AND is_country)
                SELECT t.iso3, t.year, t.sex, t.persons AS published,
                       COALESCE(b.persons, 0) AS bilateral
                FROM tot t LEFT JOIN bil b USING (iso3, year, sex)
                WHERE t.persons IS NOT NULL
            """).df()
            assert len(gaps) > 200 * 8 * 3, side
            bad = gaps[gaps["published"] != gaps["bilateral"]]
            assert bad.empty, (side, bad.head())
            # every bilateral country appears in the workbook (no orphan totals)
            orphans = con.execute(f"""
                SELECT DISTINCT {side} FROM migrant_stock WHERE source = 'undesa_ims2024'
                  AND {side} <> 'XXX' AND {side} NOT IN (
                  SELECT iso3 FROM migrant_stock_total WHERE source = 'undesa_totals_2024'
                  AND side = '{side}' AND iso3 IS NOT NULL)""").fetchall()
            assert orphans == [], (side, other, orphans)
    finally:
        con.close()


def _mirror(data_dir: Path, tmp_path: Path) -> Path:
    """A data folder with symlinks to the real workspaces (to replace one file by a damaged copy)."""
    for rf in mod.FILES:
        dst = tmp_path / rf.path
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.symlink_to(data_dir / rf.path)
    return tmp_path


def test_truncated_workspace_names_the_file(data_dir: Path, tmp_path: Path) -> None:
    root = _mirror(data_dir, tmp_path)
    target = root / mod.FOLDER / "356_Rev2023.RData"
    data = target.read_bytes()
    target.unlink()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match=r"356_Rev2023\.RData.*cannot be read as an R data file"):
        mod.load(root)


def test_wrong_destination_code_names_file_and_row(data_dir: Path, tmp_path: Path) -> None:
    root = _mirror(data_dir, tmp_path)
    target = root / mod.FOLDER / "608_Rev2023.RData"
    df = pyreadr.read_r(str(data_dir / mod.FOLDER / "608_Rev2023.RData"))["df"]
    df.iloc[0, df.columns.get_loc("LocID")] = 356.0
    target.unlink()
    pyreadr.write_rdata(str(target), df, df_name="df")
    with pytest.raises(SourceError, match=r"608_Rev2023\.RData, row 1, field 'LocID'.*356"):
        mod.load(root)


def test_missing_workspace_is_named(data_dir: Path, tmp_path: Path) -> None:
    root = _mirror(data_dir, tmp_path)
    (root / mod.FOLDER / "104_Rev2023.RData").unlink()
    with pytest.raises(SourceError, match=r"104_Rev2023\.RData.*file not found"):
        mod.load(root)


def test_both_sexes_disagreeing_with_the_sexes_is_named(data_dir: Path, tmp_path: Path) -> None:
    root = _mirror(data_dir, tmp_path)
    target = root / mod.FOLDER / "608_Rev2023.RData"
    df = pyreadr.read_r(str(data_dir / mod.FOLDER / "608_Rev2023.RData"))["df"]
    hit = df.index[(df["age"] == 0) & (df["agelength"] == 0) & (df["LocIDorg"] == 356)
                   & (df["sex"] == 0)][0]
    df.loc[hit, "value"] += 1000
    target.unlink()
    pyreadr.write_rdata(str(target), df, df_name="df")
    with pytest.raises(SourceError, match=r"608_Rev2023\.RData.*differs from male \+ female"):
        mod.load(root)
