"""UN DESA IMS 2020 bilateral loader, on the real stocks.rda."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rawcopy import copy_raw
from undesa_published import D1, YEARS_2020

from labourlink.countries import SPECIAL_CODES
from labourlink.errors import SourceError
from labourlink.sources import undesa_ims2020 as mod
from labourlink.sources import undesa_totals
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def table(data_dir: Path):
    (t,) = mod.load(data_dir)
    return t


@pytest.fixture(scope="module")
def frame(table) -> pd.DataFrame:
    return table.frame


def test_schema_and_provenance(table, frame: pd.DataFrame, data_dir: Path) -> None:
    assert table.table == "migrant_stock"
    assert list(frame.columns) == TABLES["migrant_stock"].column_names
    assert frame["year"].dtype == np.int64 and frame["persons"].dtype == np.float64
    assert set(frame["sex"]) == {"male", "female", "total"}
    assert set(frame["source"]) == {"undesa_ims2020"}
    p = table.provenance
    assert p.edition == "POP/DB/MIG/Stock/Rev.2020" and p.rows == len(frame)
    assert p.sha256 == mod.FILES[0].sha256 == sha256_file(data_dir / mod.FILES[0].path)
    assert p.dropped == {}


def test_row_counts(frame: pd.DataFrame) -> None:
    by_sex = frame[frame["sex"] != "total"]
    assert len(by_sex) == 150_570  # MANIFEST: rows of `stocks`
    n_pairs = len(by_sex.drop_duplicates(["origin", "destination", "year"]))
    assert (frame["sex"] == "total").sum() == n_pairs
    assert len(frame) == 150_570 + n_pairs
    assert frame["destination"].nunique() == 232 and frame["origin"].nunique() == 233
    assert sorted(frame["year"].unique()) == YEARS_2020


def test_keys_unique_and_non_negative(frame: pd.DataFrame) -> None:
    assert not frame.duplicated(list(TABLES["migrant_stock"].key)).any()
    assert (frame["persons"] >= 0).all() and frame["persons"].notna().all()


def test_special_codes_kept(frame: pd.DataFrame) -> None:
    assert "XXX" in set(frame["origin"]) and "XXX" in SPECIAL_CODES
    assert "XXX" not in set(frame["destination"])
    assert "CHI" in set(frame["destination"])  # Channel Islands, a country-table row


def test_world_totals_equal_published_d1(frame: pd.DataFrame) -> None:
    world = frame.groupby(["sex", "year"])["persons"].sum()
    for sex, values in D1.items():
        assert [int(world[(sex, y)]) for y in YEARS_2020] == values, sex


def test_total_is_male_plus_female(frame: pd.DataFrame) -> None:
    wide = frame.pivot_table(index=["origin", "destination", "year"], columns="sex",
                             values="persons", aggfunc="sum")
    np.testing.assert_array_equal(wide["total"].to_numpy(),
                                  wide[["male", "female"]].sum(axis=1, min_count=1).to_numpy())
    one_sex = wide[["male", "female"]].isna().any(axis=1)
    assert one_sex.sum() > 0  # pairs published for one sex only still get a total


def test_destination_totals_equal_official_workbook(frame: pd.DataFrame, data_dir: Path) -> None:
    official = undesa_totals.load_workbook(data_dir, undesa_totals.WORKBOOKS[0]).frame
    off = official[official["is_country"] & (official["sex"] == "total")]
    off = off.set_index(["iso3", "year"])["persons"]
    ours = frame[frame["sex"] == "total"].groupby(["destination", "year"])["persons"].sum()
    # The cases named in PUBLISHED_RESULTS D1 ...
    expected = {("JPN", 1990): 1_075_317, ("JPN", 2020): 2_770_996, ("IND", 1990): 7_594_801,
                ("IND", 2020): 4_878_704, ("PHL", 1990): 154_071, ("PHL", 2020): 225_525}
    for key, value in expected.items():
        assert ours[key] == value == off[key], key
    # ... and every destination and year of the workbook.
    # Destination-years shown as '..' in the workbook (SSD, MNE, CUW, SXM before independence or
    # separate estimates) are exactly the ones absent from the bilateral table.
    assert len(off) == 232 * 7
    published = off.dropna()
    assert len(published) == 232 * 7 - 15
    assert set(ours.index) == set(published.index)
    np.testing.assert_array_equal(ours[published.index].to_numpy(), published.to_numpy())


def test_truncated_file_raises_naming_file(data_dir: Path, tmp_path: Path) -> None:
    target = copy_raw(data_dir, tmp_path, mod.FILES[0])
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(SourceError, match=r"stocks\.rda.*cannot be read as an R data file"):
        mod.load(tmp_path)


def _write_stocks(tmp_path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as the ``stocks`` object of the loader's .rda file under ``tmp_path``."""
    target = tmp_path / mod.FILES[0].path
    target.parent.mkdir(parents=True)
    pyreadr.write_rdata(str(target), frame, df_name="stocks")


def test_text_in_value_raises_naming_row_and_field(tmp_path: Path) -> None:
    bad = pd.DataFrame({"to": ["JPN", "JPN", "JPN"], "from": ["PHL", "PHL", "IND"],
                        "t": ["2020", "2020", "2020"], "sex": ["Male", "Female", "Male"],
                        "v": ["10", "12", "n/a"]})
    _write_stocks(tmp_path, bad)
    with pytest.raises(SourceError, match=r"row 3, field 'v'.*'n/a'"):
        mod.load(tmp_path)


def test_unknown_sex_label_raises(tmp_path: Path) -> None:
    bad = pd.DataFrame({"to": ["JPN", "JPN"], "from": ["PHL", "PHL"], "t": ["2020", "2020"],
                        "sex": ["Male", "Both"], "v": [1.0, 2.0]})
    _write_stocks(tmp_path, bad)
    with pytest.raises(SourceError, match=r"row 2, field 'sex'.*'Both'"):
        mod.load(tmp_path)


def test_unknown_code_is_listed(tmp_path: Path) -> None:
    bad = pd.DataFrame({"to": ["JPN", "QQQ"], "from": ["PHL", "PHL"], "t": ["2020", "2020"],
                        "sex": ["Male", "Male"], "v": [1.0, 2.0]})
    _write_stocks(tmp_path, bad)
    with pytest.raises(SourceError, match=r"field 'to'.*\['QQQ'\]"):
        mod.load(tmp_path)


_pairs = st.lists(
    st.tuples(st.sampled_from(["PHL", "IND", "XXX"]), st.sampled_from(["JPN", "AUS"]),
              st.sampled_from([1990, 2020]), st.sampled_from(["male", "female"]),
              st.integers(0, 10**7)),
    min_size=1, max_size=40, unique_by=lambda r: r[:4])


@settings(max_examples=30, deadline=None)
@given(_pairs)
def test_add_totals_preserves_persons(rows) -> None:
    by_sex = pd.DataFrame(rows, columns=["origin", "destination", "year", "sex", "persons"])
    by_sex["persons"] = by_sex["persons"].astype(float)
    out = mod.add_totals(by_sex)
    total = out[out["sex"] == "total"]
    assert total["persons"].sum() == by_sex["persons"].sum()
    assert len(total) == len(by_sex.drop_duplicates(["origin", "destination", "year"]))
    assert not out.duplicated(["origin", "destination", "year", "sex"]).any()
    assert (out["persons"] >= 0).all()
