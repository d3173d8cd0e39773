"""Remittance indicators on the toy store."""

from __future__ import annotations

import math

import pytest

from labourlink.errors import InvalidArgumentError
from labourlink.trends import remittance_corridors, remittance_dependence, remittances
from labourlink.trends.remittances import stock_year_for


def test_stock_year_alignment():
    years = [1990, 1995, 2000, 2005, 2010, 2015, 2020]
    assert stock_year_for(2017, years) == 2015
    assert stock_year_for(2020, years) == 2020
    assert stock_year_for(2022, years) == 2020
    assert stock_year_for(2024, years) == 2020
    assert stock_year_for(2025, years) is None
    assert stock_year_for(1989, years) is None


def test_remittances_by_country(toy):
    out = remittances("DUO", [2017, 2020, 2022], con=toy)
    phl = out[out["iso3"] == "PHL"].set_index("year")
    assert phl.loc[2020, "received_usd"] == 36.0
    assert phl.loc[2020, "received_pct_gdp"] == 10.0
    # 2020 emigrants of PHL = 10 + 30 = 40 -> 0.9 US$ per emigrant
    assert phl.loc[2020, "emigrants_persons"] == 40.0
    assert phl.loc[2020, "received_per_emigrant_usd"] == pytest.approx(0.9)
    # 2022 uses the 2020 stock
    assert phl.loc[2022, "emigrants_stock_year"] == 2020
    assert phl.loc[2022, "received_per_emigrant_usd"] == pytest.approx(1.0)
    # 2017 has no toy 2015 stock year: the latest stock year <= 2017 within 4 years does not exist
    assert pd_isna(phl.loc[2017, "emigrants_stock_year"])
    assert math.isnan(phl.loc[2017, "received_per_emigrant_usd"])
    jpn = out[out["iso3"] == "JPN"].set_index("year")
    assert jpn.loc[2020, "paid_usd"] == 50.0


def pd_isna(x: object) -> bool:
    import pandas as pd

    return bool(pd.isna(x))


def test_remittances_by_group(toy):
    g = remittances("DUO", 2020, by="group", con=toy).iloc[0]
    assert g["received_usd"] == 40.0 and g["countries"] == 2
    assert g["received_pct_gdp"] == pytest.approx(100 * 40 / 5360)
    assert g["received_per_emigrant_usd"] == pytest.approx(40 / 60)


def test_remittances_unknown_year(toy):
    with pytest.raises(InvalidArgumentError, match=r"years=1999 .*2017, 2020, 2022"):
        remittances("DUO", 1999, con=toy)


def test_remittance_corridors(toy):
    out = remittance_corridors(2017, con=toy)
    assert list(zip(out["sending"], out["receiving"], strict=True)) == [
        ("USA", "IND"), ("USA", "PHL"), ("JPN", "PHL"), ("PHL", "JPN")]  # zero corridor dropped
    assert out["remittances_usd_million"].tolist() == [8.0, 5.0, 2.0, 0.5]
    into = remittance_corridors(2017, n=1, group="DUO", side="receiving", con=toy)
    assert into[["sending", "receiving"]].values.tolist() == [["USA", "PHL"]]
    within = remittance_corridors(2017, n=None, group="DUO", side="within", con=toy)
    assert len(within) == 2
    with pytest.raises(InvalidArgumentError, match="year=2020 .*2017"):
        remittance_corridors(2020, con=toy)


def test_remittance_dependence(toy):
    out = remittance_dependence(top=2, con=toy)
    # latest year 2022; WLD aggregate is not a country and is never ranked
    assert out["year"].unique().tolist() == [2022]
    assert out["iso3"].tolist() == ["PHL", "IND"]
    assert out["received_pct_gdp"].tolist() == [9.5, 3.3]
    assert out["received_usd"].tolist() == [40.0, 111.0]
    duo = remittance_dependence(top=5, year=2020, group="DUO", con=toy)
    assert duo["iso3"].tolist() == ["PHL", "JPN"]
    with pytest.raises(InvalidArgumentError, match="top=0"):
        remittance_dependence(top=0, con=toy)


def test_knomad_source_in_usd_and_pct_from_gdp(toy):
    out = remittances("DUO", None, source="knomad_2023", con=toy)
    d = {(r.iso3, r.year): r for r in out.itertuples()}
    assert d[("PHL", 2020)].received_usd == pytest.approx(36.0)  # 36e-6 US$ million
    assert d[("JPN", 2020)].paid_usd == pytest.approx(50.0)
    # no published % of GDP: 100 * received / GDP (datahub NY.GDP.MKTP.CD)
    assert d[("PHL", 2020)].received_pct_gdp == pytest.approx(100 * 36 / 360)
    assert math.isnan(d[("PHL", 2022)].received_pct_gdp)  # no 2022 GDP in the toy store
    dep = remittance_dependence(top=5, source="knomad_2023", con=toy)
    assert dep["year"].unique().tolist() == [2020]
    assert dep["iso3"].tolist() == ["PHL", "JPN"]
    with pytest.raises(InvalidArgumentError, match="knomad_2023"):
        remittances("DUO", None, source="imf", con=toy)
