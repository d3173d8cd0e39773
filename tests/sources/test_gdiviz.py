"""gdiviz indicators (WDI 2024-03-28 download) and WPP 2022 working-age population."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labourlink.errors import SourceError
from labourlink.sources import gdiviz as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

# MANIFEST section 13: `income` (NY.GDP.PCAP.PP.KD) 2019, constant 2017 international $.
INCOME_2019 = {"USA": 62_471, "SGP": 98_455, "AUS": 49_421, "JPN": 41_654, "PHL": 8_732,
               "IND": 6_617, "NPL": 3_922, "TON": 6_344}


@pytest.fixture(scope="module")
def tables(data_dir: Path):
    return mod.load(data_dir)


def test_schema_and_provenance(tables, data_dir: Path) -> None:
    ind, wpp = tables
    for t, f_ in ((ind, mod.INDICATORS_FILE), (wpp, mod.WPP_FILE)):
        f = t.frame
        assert t.table == "indicator" and list(f.columns) == TABLES["indicator"].column_names
        assert set(f["source"]) == {"gdiviz_wdi_2024"}
        assert f["year"].dtype == np.int64 and f["value"].dtype == np.float64
        assert f["value"].notna().all()
        assert not f.duplicated(list(TABLES["indicator"].key)).any()
        assert t.provenance.rows == len(f)
        assert t.provenance.sha256 == f_.sha256 == sha256_file(data_dir / f_.path)
    assert {f.path for f in mod.FILES} == {
        "gdiviz_indicators/indicators.rda", "gdiviz_indicators/gdidata.rda",
        "gdiviz_indicators/wpp.rda"}


def test_codes_units_and_counts(tables) -> None:
    f = tables[0].frame
    assert len(f) + tables[0].provenance.dropped["former country (ANT Netherlands Antilles)"] \
        == 76_614  # MANIFEST rows
    assert tables[0].provenance.dropped["former country (ANT Netherlands Antilles)"] == 10
    units = f.drop_duplicates("code").set_index("code")["unit"].to_dict()
    assert units["NY.GDP.PCAP.PP.KD"] == "constant 2017 international $"
    assert units["SL.UEM.TOTL.ZS"] == "%" and units["SP.POP.TOTL"] == "persons"
    assert set(units) == {v.code for v in mod.VARIABLES.values()}
    counts = f.groupby("code")["iso3"].nunique()
    assert counts["NY.GDP.PCAP.PP.KD"] == 194 and counts["SP.POP.TOTL"] == 217  # MANIFEST
    assert counts["SL.UEM.TOTL.ZS"] == 187
    inc = f[f["code"] == "NY.GDP.PCAP.PP.KD"]["year"]
    assert (inc.min(), inc.max()) == (1990, 2022)
    signed = {v.code for v in mod.VARIABLES.values() if not v.non_negative}
    assert (f.loc[~f["code"].isin(signed), "value"] >= 0).all()
    assert (f.loc[f["code"] == "SM.POP.NETM", "value"] < 0).any()  # net emigration is negative


def test_income_2019_from_manifest(tables) -> None:
    f = tables[0].frame
    inc = f[f["code"] == "NY.GDP.PCAP.PP.KD"].set_index(["iso3", "year"])["value"]
    for iso3, value in INCOME_2019.items():
        assert inc[(iso3, 2019)] == pytest.approx(value, abs=0.5), iso3
    assert inc[("PHL", 2022)] == pytest.approx(8_582, abs=0.5)


def test_working_age_population(tables, data_dir: Path) -> None:
    wpp = tables[1].frame
    assert set(wpp["code"]) == {"WPP2022.POP.1564"} and set(wpp["unit"]) == {"persons"}
    assert sorted(wpp["year"].unique()) == [1950, 1960, 1970, 1980, 1990, 2000, 2010, 2020, 2021]
    assert wpp["iso3"].nunique() == 236
    assert (wpp["value"] > 0).all() and (wpp["value"] % 1 == 0).all()
    world_1564 = wpp.loc[wpp["year"] == 2021, "value"].sum()
    # MANIFEST: all ages, sex Total, 2021 = 7,908,704 thousand; ages 15-64 are about 65 % of it.
    raw = pyreadr.read_r(str(data_dir / mod.WPP_FILE.path))["wpp"]
    all_ages = mod.working_age_population(raw[raw["t"] == 2021], ages=(0, 99))
    # (the file's Total rows sum to 7,908,702.897 thousand; Male + Female to 7,908,705.09: the
    # MANIFEST figure is good to a couple of thousand persons)
    assert all_ages["persons"].sum() / 1000 == pytest.approx(7_908_704, abs=2)
    assert 0.6 < world_1564 / all_ages["persons"].sum() < 0.7


def _wpp_frame(ages: range, iso: str = "PHL") -> pd.DataFrame:
    rows = [(iso, 2020, sex, a, 1.5 + a / 1000) for sex in ("Total", "Male", "Female")
            for a in ages]
    df = pd.DataFrame(rows, columns=["iso", "t", "sex", "age", "v"])
    df["t"] = df["t"].astype("int32")
    df["age"] = df["age"].astype("int32")
    return df


def test_wpp_missing_age_raises(tmp_path: Path) -> None:
    target = tmp_path / mod.WPP_FILE.path
    target.parent.mkdir(parents=True)
    pyreadr.write_rdata(str(target), _wpp_frame(range(0, 40)), df_name="wpp")  # ages 0-39 only
    with pytest.raises(SourceError, match=r"PHL 2020: 25 of the 50 single ages 15-64"):
        mod.load_wpp(tmp_path)


def test_wpp_small_file_sums_total_only(tmp_path: Path) -> None:
    target = tmp_path / mod.WPP_FILE.path
    target.parent.mkdir(parents=True)
    df = _wpp_frame(range(0, 100))
    pyreadr.write_rdata(str(target), df, df_name="wpp")
    t = mod.load_wpp(tmp_path)
    expected = sum(1.5 + a / 1000 for a in range(15, 65)) * 1000
    assert t.frame["value"].tolist() == [round(expected)]
    assert t.provenance.dropped["row not used (sex Male/Female, or age outside 15-64)"] \
        == 300 - 50


def test_text_value_raises_naming_row(tmp_path: Path) -> None:
    target = tmp_path / mod.WPP_FILE.path
    target.parent.mkdir(parents=True)
    df = _wpp_frame(range(0, 100))
    df["v"] = df["v"].astype(str)
    df.loc[3, "v"] = "1,2x"
    pyreadr.write_rdata(str(target), df, df_name="wpp")
    with pytest.raises(SourceError, match=r"row 4, field 'v'.*'1,2x'"):
        mod.load_wpp(tmp_path)


def test_documentation_mismatch_raises(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / mod.GDIDATA_FILE.path
    target.parent.mkdir(parents=True)
    doc = pyreadr.read_r(str(data_dir / mod.GDIDATA_FILE.path))["gdidata"]
    doc.loc[doc["var"] == "income", "link"] = \
        "https://data.worldbank.org/indicator/NY.GDP.PCAP.CD"
    pyreadr.write_rdata(str(target), doc, df_name="gdidata")
    with pytest.raises(SourceError, match=r"'income' documented with link .*NY.GDP.PCAP.PP.KD"):
        mod.check_documentation(tmp_path)


def test_truncated_indicators_raise(data_dir: Path, tmp_path: Path) -> None:
    for f in (mod.INDICATORS_FILE, mod.GDIDATA_FILE):
        (tmp_path / f.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_dir / f.path, tmp_path / f.path)
    target = tmp_path / mod.INDICATORS_FILE.path
    target.write_bytes(target.read_bytes()[:100_000])
    with pytest.raises(SourceError, match=r"indicators\.rda.*cannot be read"):
        mod.load_indicators(tmp_path)


_wpp_rows = st.lists(
    st.tuples(st.sampled_from(["PHL", "JPN"]), st.sampled_from([2020, 2021]),
              st.sampled_from(["Total", "Male", "Female"]), st.integers(0, 99),
              st.floats(0, 1e5)),
    min_size=1, max_size=80, unique_by=lambda r: r[:4])


@settings(max_examples=30, deadline=None)
@given(_wpp_rows)
def test_working_age_population_sums_total_sex_ages_15_64(rows) -> None:
    df = pd.DataFrame(rows, columns=["iso", "t", "sex", "age", "v"])
    out = mod.working_age_population(df)
    sel = df[(df["sex"] == "Total") & df["age"].between(15, 64)]
    assert len(out) == len(sel.drop_duplicates(["iso", "t"]))
    np.testing.assert_allclose(out["persons"].sum(), (sel["v"] * 1000).sum(), atol=len(out))
    assert (out["persons"] >= 0).all()
    assert not out.duplicated(["iso", "year"]).any()
