"""Checks on the real store (built from ../shared/data/raw): published UN DESA and World Bank
numbers, the UN DESA totals workbook's own regional rows, and share bounds.

Regional rows compared (UN DESA *International Migrant Stock 2020: by destination*, Table 1, both
sexes, male and female, 1990-2020): the eight SDG regions, location codes 947 Sub-Saharan
Africa, 1833 Northern Africa and Western Asia, 921 Central and Southern Asia, 1832 Eastern and
South-Eastern Asia, 1830 Latin America and the Caribbean, 1835 Oceania (excluding Australia and
New Zealand), 927 Australia and New Zealand, 1829 Europe and Northern America, against the sums
of the bilateral table over the store's ``SDG-*`` groups; the geographic subregions 906 Eastern
Asia and 920 South-Eastern Asia against the ESCAP subregions ENEA and SEA (same membership); and
900 WORLD. (ESCAP's PACIFIC, SSWA and NCA have no same-membership row in the workbook.)
"""

from __future__ import annotations

import pytest

from labourlink.trends import (
    intraregional_share,
    migrant_stock,
    overview,
    remittance_corridors,
    remittance_dependence,
    remittances,
    top_corridors,
)

SDG_ROWS = {"SDG-SSA": 947, "SDG-NAWA": 1833, "SDG-CSA": 921, "SDG-ESEA": 1832, "SDG-LAC": 1830,
            "SDG-OCE": 1835, "SDG-ANZ": 927, "SDG-ENA": 1829, "ENEA": 906, "SEA": 920}
# The 2024 workbooks number two SDG regions differently (1831 Central and Southern Asia, 1834
# Sub-Saharan Africa).
CODES_2024 = {"SDG-CSA": 1831, "SDG-SSA": 1834}
# The 2024 revision publishes Taiwan (66,378 immigrants in 1990) as a destination, inside UN
# "Eastern Asia" (906) but outside ESCAP's ENEA, so it is added to ENEA for that comparison.
M49_EXTRA: dict[tuple[str, str], list[str]] = {("ENEA", "2024"): ["TWN"]}


YEARS = {"2020": [1990, 1995, 2000, 2005, 2010, 2015, 2020],
         "2024": [1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024]}


def _totals_source(con, revision: str) -> str:
    rows = con.execute(
        "SELECT DISTINCT source FROM migrant_stock_total WHERE source LIKE ? "
        "AND source LIKE '%total%'", [f"%{revision}%"]).fetchall()
    assert len(rows) == 1, rows
    return rows[0][0]


def _workbook_row(con, code: int, sex: str, revision: str = "2020") -> dict[int, float]:
    rows = con.execute(
        "SELECT year, persons FROM migrant_stock_total WHERE source = ? AND side = 'destination' "
        "AND sex = ? AND area_code = ?", [_totals_source(con, revision), sex, code]).fetchall()
    return {int(y): float(p) for y, p in rows}


@pytest.mark.parametrize("revision", ["2020", "2024"])
@pytest.mark.parametrize("sex", ["total", "male", "female"])
@pytest.mark.parametrize("group", sorted(SDG_ROWS))
def test_region_totals_equal_workbook_rows(real, group, sex, revision):
    members = sorted(set(real.execute(
        "SELECT iso3 FROM country_group WHERE group_code = ?", [group]).df()["iso3"])
        | set(M49_EXTRA.get((group, revision), [])))
    ours = migrant_stock(members, None, side="destination", by="group", sex=sex,
                         revision=revision, con=real)
    assert set(ours["revision"]) == {revision}
    got = dict(zip(ours["year"], ours["persons"], strict=True))
    code = CODES_2024.get(group, SDG_ROWS[group]) if revision == "2024" else SDG_ROWS[group]
    expected = _workbook_row(real, code, sex, revision)
    assert sorted(got) == sorted(expected) == YEARS[revision]
    for y in expected:
        assert got[y] == pytest.approx(expected[y], abs=1.0), (group, y)


def test_world_2020(real):
    everyone = [r[0] for r in real.execute("SELECT iso3 FROM country").fetchall()]
    out = migrant_stock(everyone, 2020, side="destination", by="sex", revision="2020", con=real)
    d = dict(zip(out["sex"], out["persons"], strict=True))
    assert d == {"total": 280_598_105.0, "male": 145_655_844.0, "female": 134_942_261.0}
    assert _workbook_row(real, 900, "total")[2020] == 280_598_105.0


def test_world_2024_is_the_default(real):
    out = migrant_stock("World", [2020, 2024], side="destination", by="sex", con=real)
    assert set(out["revision"]) == {"2024"}
    d = {(r.year, r.sex): r.persons for r in out.itertuples()}
    assert d[(2024, "total")] == 304_021_813 and d[(2020, "total")] == 275_284_032
    assert (d[(2024, "male")], d[(2024, "female")]) == (158_009_795, 146_012_018)
    assert _workbook_row(real, 900, "total", "2024")[2024] == 304_021_813.0


def test_published_destination_totals(real):
    out = migrant_stock(["JPN", "IND", "PHL"], [1990, 2020], by="country", revision="2020",
                        con=real)
    d = {(r.iso3, r.year): r.persons for r in out.itertuples()}
    assert d[("JPN", 2020)] == 2_770_996
    assert d[("JPN", 1990)] == 1_075_317
    assert d[("IND", 1990)] == 7_594_801
    assert d[("IND", 2020)] == 4_878_704
    assert d[("PHL", 2020)] == 225_525
    assert d[("PHL", 1990)] == 154_071


def test_escap_subregions_add_up_to_escap(real):
    by_sub = migrant_stock("ESCAP", None, side="origin", by="subregion", con=real)
    total = migrant_stock("ESCAP", None, side="origin", by="group", con=real)
    assert set(by_sub["subregion"]) == {"ENEA", "SEA", "SSWA", "NCA", "PACIFIC"}
    summed = by_sub.groupby("year")["persons"].sum()
    assert summed.to_dict() == pytest.approx(total.set_index("year")["persons"].to_dict())


@pytest.mark.parametrize("group", ["ESCAP", "ENEA", "SEA", "SSWA", "NCA", "PACIFIC", "ASEAN"])
def test_shares_in_unit_interval(real, group):
    for year in (1990, 2005, 2020):
        s = intraregional_share(group, year, con=real)
        assert s["share"].between(0, 1).all(), s
        assert (s["within_group_persons"] <= s["total_persons"]).all()


def test_overview_consistent_with_parts(real):
    ov = overview("ESCAP", [1990, 2020, 2024], con=real).set_index("year")
    assert set(ov["revision"]) == {"2024"}
    hosted = migrant_stock("ESCAP", [1990, 2020, 2024], side="destination", by="group", con=real)
    assert ov["hosted"].to_dict() == hosted.set_index("year")["persons"].to_dict()
    # remittance totals: KNOMAD inflows of the latest year at or before the stock year
    assert ov["remittances_year"].tolist()[1:] == [2020, 2022] and ov["remittances_year"].isna()[1990]
    for year, rem_year in ((2020, 2020), (2024, 2022)):
        assert ov.loc[year, "remittances_received_usd"] == pytest.approx(
            remittances("ESCAP", rem_year, by="group", source="knomad_2023", con=real)
            ["received_usd"].iloc[0])


def test_corridors_real(real):
    world = top_corridors(1, 2020, con=real)
    assert (world["origin"].iloc[0], world["destination"].iloc[0]) == ("MEX", "USA")
    into = top_corridors(10, 2020, group="ESCAP", side="destination", con=real)
    members = set(real.execute("SELECT iso3 FROM country_group WHERE group_code='ESCAP'")
                  .df()["iso3"])
    assert into["destination"].isin(members).all() and into["persons"].is_monotonic_decreasing


def test_remittances_real(real):
    phl = remittances("PHL", 2019, con=real).iloc[0]
    assert phl["received_usd"] == pytest.approx(3.5167e10, rel=1e-4)
    assert phl["emigrants_stock_year"] == 2015
    us_mx = remittance_corridors(2017, n=None, group="MEX", side="receiving", matrix="2017",
                                 con=real)
    top = us_mx.iloc[0]
    assert (top["sending"], top["receiving"]) == ("USA", "MEX")
    assert top["remittances_usd_million"] == pytest.approx(30_019.19, abs=0.01)
    dep = remittance_dependence(top=10, con=real)
    assert len(dep) == 10 and dep["received_pct_gdp"].is_monotonic_decreasing
    assert not dep["iso3"].isin(["WLD", "LMY", "EAS"]).any()


@pytest.mark.slow
def test_choropleth_on_real_geometry(real, data_dir, tmp_path):
    from labourlink.sources import geometry
    from labourlink.trends import emigration_rate, plots

    rates = emigration_rate("ESCAP", 2020, con=real)
    feats = geometry.topojson_features(geometry.world_topojson(data_dir))
    fig = plots.emigration_choropleth(rates, feats)
    face = fig.axes[0].collections[0].get_facecolors()
    from matplotlib.colors import to_rgba

    coloured = sum(1 for f in face if tuple(f) != pytest.approx(to_rgba(plots.NO_DATA_COLOUR)))
    mapped = {f["properties"].get("iso3") for f in feats if f.get("geometry")}
    with_rate = set(rates.dropna(subset=["emigration_rate_share"])["iso3"])
    assert coloured == len(with_rate & mapped) > 40
    assert plots.save_figure(fig, tmp_path / "map.png").stat().st_size > 10_000


def test_remittance_sources_agree_where_complete(real):
    # KNOMAD June 2023 and the WDI 2024 vintage publish the same PHL 2022 inflow (US$);
    # the WDI May 2023 bulk file still had a partial 2022 value, which is why the source matters
    k = remittances("PHL", 2022, source="knomad_2023", con=real).iloc[0]
    g = remittances("PHL", 2022, source="gdiviz_wdi_2024", con=real).iloc[0]
    assert k["received_usd"] == pytest.approx(g["received_usd"], rel=1e-6)
    w = remittances("PHL", [2019, 2020, 2021], source="wdi_remittances", con=real)
    k3 = remittances("PHL", [2019, 2020, 2021], source="knomad_2023", con=real)
    assert w["received_usd"].tolist() == pytest.approx(k3["received_usd"].tolist(), rel=1e-6)
    dep = remittance_dependence(top=10, group="ESCAP", source="gdiviz_wdi_2024", con=real)
    assert dep["year"].unique().tolist() == [2022] and dep["received_pct_gdp"].between(0, 100).all()


def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from labourlink.cli import app

    res = CliRunner().invoke(app, ["trends", *args])
    assert res.exit_code == 0, (res.output, res.exception)
    return res.stdout


def test_overview_contract_for_2024(store):
    import json

    out = json.loads(_cli("overview", "--group", "ESCAP", "--year", "2024", "--format", "json",
                          "--store", str(store)))
    assert set(out) == {"group", "year", "hosted", "emigrants",
                        "intraregional_share_of_emigrants", "intraregional_share_of_immigrants",
                        "remittances_received_usd", "remittances_year", "revision"}
    assert (out["group"], out["year"], out["revision"], out["remittances_year"]) == (
        "ESCAP", 2024, "2024", 2022)
    # hosted in ESCAP members, 2024 revision, summed from the bilateral table
    assert out["hosted"] == 66_984_019
    again = json.loads(_cli("overview", "--group", "ESCAP", "--year", "2020", "--revision",
                            "2020", "--format", "json", "--store", str(store)))
    assert again["revision"] == "2020" and again["hosted"] == 66_607_565  # session-1 figure
    table = _cli("overview", "--group", "ESCAP", "--store", str(store))
    assert "Source: UN DESA International Migrant Stock 2024" in table and "2024" in table


def test_remittance_corridors_2021_matrix(store, real):
    import json

    rows = json.loads(_cli("remittance-corridors", "--group", "ESCAP", "-n", "3", "--format",
                           "json", "--store", str(store)))
    assert [r["matrix"] for r in rows] == ["2021"] * 3 and rows[0]["year"] == 2021
    assert (rows[0]["sending"], rows[0]["receiving"]) == ("ARE", "IND")
    top = real.execute("SELECT usd_million FROM remittance_bilateral WHERE source = "
                       "'knomad_remittance_matrix_2021' AND sending = 'ARE' AND receiving = "
                       "'IND'").fetchone()[0]
    assert rows[0]["remittances_usd_million"] == pytest.approx(top)
    table = _cli("remittance-corridors", "--world", "-n", "2", "--matrix", "2017", "--store",
                 str(store))
    assert "World Bank Bilateral Remittance Matrix 2017" in table and "2017" in table
