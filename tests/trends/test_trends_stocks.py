"""Migrant stocks, shares, corridors and rates on the hand-made toy store."""

from __future__ import annotations

import math

import pytest

from labourlink.errors import InvalidArgumentError, UnknownCountryError, UnknownGroupError
from labourlink.trends import (
    country_profile,
    emigration_rate,
    female_share,
    immigrant_share,
    intraregional_share,
    migrant_stock,
    overview,
    top_corridors,
)


def test_intraregional_share_hand_computed(toy):
    out = intraregional_share("DUO", 2020, con=toy)
    assert list(out["definition"]) == ["emigrants_living_in_group", "immigrants_born_in_group"]
    # within: PHL->JPN 10 + JPN->PHL 20
    assert out["within_group_persons"].tolist() == [30.0, 30.0]
    # emigrants of DUO: 10 + 20 + PHL->USA 30; immigrants: 10 + 20 + USA->PHL 40 + XXX 5 + IND 6
    assert out["total_persons"].tolist() == [60.0, 81.0]
    assert out["share"].iloc[0] == pytest.approx(0.5)
    assert out["share"].iloc[1] == pytest.approx(30 / 81)
    assert (out["group"] == "DUO").all() and (out["year"] == 2020).all()


def test_intraregional_share_1990_and_list_group(toy):
    out = intraregional_share(["JPN", "PHL"], 1990, con=toy)
    # within 4 + 20 = 24; emigrants 24 + 10 = 34; immigrants 24 + 40 + 5 = 69
    assert out["share"].tolist() == pytest.approx([24 / 34, 24 / 69])
    assert out["group"].iloc[0] == "JPN+PHL"


def test_migrant_stock_destination_by_country_and_group(toy):
    by_c = migrant_stock("DUO", 2020, side="destination", by="country", con=toy)
    assert dict(zip(by_c["iso3"], by_c["persons"], strict=True)) == {"JPN": 21.0, "PHL": 60.0}
    assert set(by_c["name"]) == {"Japan", "Philippines"}
    grp = migrant_stock("DUO", [2020], side="destination", by="group", con=toy)
    assert grp["persons"].tolist() == [81.0] and grp["countries"].tolist() == [2]


def test_migrant_stock_origin_by_subregion(toy):
    out = migrant_stock("ESCAP", [1990, 2020], side="origin", by="subregion", con=toy)
    got = {(r.year, r.subregion): r.persons for r in out.itertuples()}
    assert got == {
        (1990, "SEA"): 14.0, (1990, "ENEA"): 20.0, (1990, "SSWA"): 50.0, (1990, "PACIFIC"): 2.0,
        (2020, "SEA"): 40.0, (2020, "ENEA"): 20.0, (2020, "SSWA"): 106.0, (2020, "PACIFIC"): 2.0,
    }
    assert (out["side"] == "origin").all()


def test_migrant_stock_by_sex_sums(toy):
    out = migrant_stock("DUO", 2020, side="destination", by="sex", con=toy)
    d = dict(zip(out["sex"], out["persons"], strict=True))
    assert list(out["sex"]) == ["total", "male", "female"]
    assert d["total"] == d["male"] + d["female"] == 81.0
    assert d["male"] == 4 + 11 + 22 + 2 + 3


def test_outside_escap_subregion_label(toy):
    out = migrant_stock(["USA", "PHL"], 2020, side="destination", by="subregion", con=toy)
    assert set(out["subregion"]) == {"SEA", "OUTSIDE_ESCAP"}


def test_revisions_are_not_mixed(toy):
    out = migrant_stock("DUO", None, side="origin", by="group", revision="undesa_ims2019", con=toy)
    assert out["year"].tolist() == [1990, 2019]
    assert out["persons"].tolist() == [4.0, 38.0]
    with pytest.raises(InvalidArgumentError, match="1990, 2019"):
        migrant_stock("DUO", 2020, revision="undesa_ims2019", con=toy)
    with pytest.raises(InvalidArgumentError, match="no stocks by sex"):
        migrant_stock("DUO", 2019, by="sex", revision="undesa_ims2019", con=toy)


def test_unknown_group_year_and_options_name_allowed_values(toy):
    with pytest.raises(UnknownGroupError) as exc:
        migrant_stock("ASEAN9", 2020, con=toy)
    for code in ("DUO", "ENEA", "ESCAP", "PACIFIC", "SEA", "SSWA"):
        assert code in str(exc.value)
    with pytest.raises(InvalidArgumentError, match=r"years=2021 .*1990, 2020"):
        migrant_stock("ESCAP", 2021, con=toy)
    with pytest.raises(InvalidArgumentError, match="destination, origin"):
        migrant_stock("ESCAP", 2020, side="host", con=toy)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="subregion, country, sex, group"):
        migrant_stock("ESCAP", 2020, by="region", con=toy)  # type: ignore[arg-type]
    with pytest.raises(UnknownCountryError, match="ZZZ"):
        migrant_stock(["PHL", "ZZZ"], 2020, con=toy)
    with pytest.raises(InvalidArgumentError, match="year=1995"):
        intraregional_share("ESCAP", 1995, con=toy)
    with pytest.raises(InvalidArgumentError, match="undesa_ims2024"):  # not in the toy store
        migrant_stock("ESCAP", 2020, revision="2024", con=toy)
    with pytest.raises(InvalidArgumentError, match=r"revision='2018' .*2024, 2020"):
        migrant_stock("ESCAP", 2020, revision="2018", con=toy)


def test_single_iso3_is_a_group(toy):
    out = migrant_stock("phl", 2020, side="origin", by="group", con=toy)
    assert out["group"].tolist() == ["PHL"] and out["persons"].tolist() == [40.0]


def test_top_corridors_into_group_with_growth(toy):
    out = top_corridors(3, 2020, group="DUO", side="destination", start_year=1990, con=toy)
    assert list(zip(out["origin"], out["destination"], strict=True)) == [
        ("USA", "PHL"), ("JPN", "PHL"), ("PHL", "JPN")]
    assert out["rank"].tolist() == [1, 2, 3]
    assert out["persons"].tolist() == [40.0, 20.0, 10.0]
    assert out["persons_start"].tolist() == [40.0, 20.0, 4.0]
    assert out["change_persons"].tolist() == [0.0, 0.0, 6.0]
    assert out["annual_growth_pct"].iloc[2] == pytest.approx(((10 / 4) ** (1 / 30) - 1) * 100)
    assert out["destination_name"].iloc[0] == "Philippines"


def test_top_corridors_world_excludes_unknown_origin_and_handles_new_corridor(toy):
    out = top_corridors(20, 2020, con=toy)
    assert "XXX" not in set(out["origin"])
    assert out["persons"].is_monotonic_decreasing
    new = out[(out["origin"] == "IND") & (out["destination"] == "JPN")].iloc[0]
    assert new["persons_start"] == 0.0 and math.isnan(new["annual_growth_pct"])
    assert new["change_persons"] == 6.0
    out_o = top_corridors(2, 2020, group="DUO", side="origin", con=toy)
    assert out_o["origin"].isin(["PHL", "JPN"]).all()
    within = top_corridors(10, 2020, group="DUO", side="within", con=toy)
    assert set(within["origin"]) | set(within["destination"]) <= {"PHL", "JPN"}
    with pytest.raises(InvalidArgumentError, match="start_year"):
        top_corridors(3, 2020, start_year=2020, con=toy)
    with pytest.raises(InvalidArgumentError, match="n=0"):
        top_corridors(0, 2020, con=toy)


def test_emigration_rate_and_immigrant_share(toy):
    er = emigration_rate("DUO", 2020, con=toy)
    d = {r.iso3: r for r in er.itertuples()}
    assert d["PHL"].emigrants_persons == 40.0
    assert d["PHL"].emigration_rate_share == pytest.approx(40 / 110_000)
    assert d["JPN"].emigration_rate_share == pytest.approx(20 / 126_000)
    g = emigration_rate("DUO", 2020, by="group", con=toy)
    assert g["emigration_rate_share"].iloc[0] == pytest.approx(60 / 236_000)
    im = immigrant_share("DUO", 2020, con=toy)
    assert dict(zip(im["iso3"], im["immigrant_share"], strict=True)) == pytest.approx(
        {"JPN": 21 / 126_000, "PHL": 60 / 110_000})
    # AUS has no 1990 population: rate is NaN, not a number
    aus = emigration_rate("AUS", [1990, 2020], con=toy)
    assert aus.set_index("year")["emigration_rate_share"].isna().to_dict() == {1990: True,
                                                                              2020: False}


def test_female_share(toy):
    fs = female_share("DUO", 2020, "destination", con=toy)
    assert fs["female_persons"].iloc[0] == 6 + 9 + 18 + 3 + 3
    assert fs["female_share"].iloc[0] == pytest.approx(39 / 81)
    by_c = female_share("DUO", [1990, 2020], "origin", by="country", con=toy)
    assert by_c["female_share"].between(0, 1).all()


def test_overview_row(toy):
    ov = overview("DUO", 2020, con=toy)
    r = ov.iloc[0]
    assert (r["group"], r["year"], r["hosted"], r["emigrants"]) == ("DUO", 2020, 81.0, 60.0)
    assert r["intraregional_share_of_emigrants"] == pytest.approx(0.5)
    assert r["intraregional_share_of_immigrants"] == pytest.approx(30 / 81)
    assert r["remittances_received_usd"] == 40.0
    assert math.isnan(overview("DUO", 1990, con=toy)["remittances_received_usd"].iloc[0])


def test_country_profile(toy):
    p = country_profile("PHL", con=toy).set_index("year")
    assert p.loc[2020, "immigrants_persons"] == 60.0
    assert p.loc[2020, "emigrants_persons"] == 40.0
    assert p.loc[2020, "remittances_received_usd"] == 36.0
    assert math.isnan(p.loc[1990, "remittances_received_usd"])
    assert p.loc[2020, "female_share_of_emigrants"] == pytest.approx((6 + 16) / 40)


def test_toy_shares_within_unit_interval_for_every_group(toy):
    for g in ("ESCAP", "SEA", "ENEA", "SSWA", "PACIFIC", "DUO", ["USA"], ["USA", "IND"]):
        for y in (1990, 2020):
            s = intraregional_share(g, y, con=toy)["share"].dropna()
            assert ((s >= 0) & (s <= 1)).all()


def test_country_profile_unknown_code(toy):
    with pytest.raises(UnknownCountryError, match="XYZ"):
        country_profile("XYZ", con=toy)


def test_long_year_ranges_are_described_compactly():
    from labourlink.trends._common import describe_years, normalise_years, years_between

    assert describe_years(list(range(1970, 2023))) == "an integer year from 1970 to 2022"
    assert describe_years([1990, 2020]) == [1990, 2020]
    with pytest.raises(InvalidArgumentError, match="from 1970 to 2022"):
        normalise_years(1960, list(range(1970, 2023)))
    with pytest.raises(InvalidArgumentError, match="a range containing a year from 1970 to 2022"):
        years_between(list(range(1970, 2023)), 1950, 1960, "--from/--to")
    assert years_between([1990, 1995, 2000], 1991, None, "x") == [1995, 2000]
