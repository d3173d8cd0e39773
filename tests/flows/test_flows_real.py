"""Flow estimates on the real store (both revisions, WPP 2024)."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from labourlink import flows
from labourlink.errors import InvalidArgumentError
from labourlink.flows.corridors import CORRIDOR_COLUMNS
from labourlink.flows.inputs import load_inputs, periods

# Abel and Cohen (2022), country-to-country flows on the 2020 revision, 2015-20
ABEL_COHEN_2022_SD_DROP_NEG_2015 = 35.4e6


def _stock_diff(con: duckdb.DuckDBPyConnection, source: str, start: int, end: int) -> pd.DataFrame:
    return con.execute(
        """
        SELECT coalesce(a.origin, b.origin) AS origin,
               coalesce(a.destination, b.destination) AS destination,
               coalesce(b.persons, 0) - coalesce(a.persons, 0) AS diff
        FROM (SELECT * FROM migrant_stock WHERE source = ? AND sex = 'total' AND year = ?) a
        FULL JOIN (SELECT * FROM migrant_stock WHERE source = ? AND sex = 'total' AND year = ?) b
          ON a.origin = b.origin AND a.destination = b.destination
        """, [source, start, source, end]).df()


def test_periods_of_each_revision(real: duckdb.DuckDBPyConnection) -> None:
    five = [(y, y + 5) for y in range(1990, 2020, 5)]
    assert periods(real, "2020") == five
    assert periods(real, "2024") == [*five, (2020, 2024)]
    with pytest.raises(InvalidArgumentError, match="2020-2024"):
        periods(real, "2020", "2020-2024")  # the 2020 revision stops in 2020


def test_stock_differencing_reproduces_the_table_exactly(real: duckdb.DuckDBPyConnection) -> None:
    est = flows.estimate("sd_drop_neg", revision="2020", period="2015-2020", con=real).tidy()
    row = est[(est["origin"] == "IND") & (est["destination"] == "ARE")]
    assert row["flow"].tolist() == [3_471_300 - 3_184_043] == [287_257]
    diff = _stock_diff(real, "undesa_ims2020", 2015, 2020)
    diff = diff[(diff["origin"] != "XXX") & (diff["diff"] > 0)]
    merged = diff.merge(est, on=["origin", "destination"], how="outer")
    assert len(merged) == len(diff) == len(est)
    assert (merged["flow"] == merged["diff"]).all()  # exact, every pair
    assert est["flow"].sum() == pytest.approx(ABEL_COHEN_2022_SD_DROP_NEG_2015, rel=0.005)


def test_reversed_negatives_are_return_moves(real: duckdb.DuckDBPyConnection) -> None:
    est = flows.estimate("sd_rev_neg", revision="2024", period="2020-2024", con=real).tidy()
    diff = _stock_diff(real, "undesa_ims2024", 2020, 2024)
    diff = diff[diff["origin"] != "XXX"]
    pos = diff[diff["diff"] > 0].set_index(["origin", "destination"])["diff"]
    neg = diff[diff["diff"] < 0]
    back = pd.Series(-neg["diff"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [neg["destination"].to_numpy(), neg["origin"].to_numpy()],
        names=["origin", "destination"]))  # a fall of i-born in j: a move from j to i
    expected = pos.add(back, fill_value=0.0)
    got = est.set_index(["origin", "destination"])["flow"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_inputs_native_born_and_period_components(real: duckdb.DuckDBPyConnection,
                                                  data_dir) -> None:
    (inp,) = load_inputs(real, "2024", [(2020, 2024)])
    assert inp.years == 4 and inp.codes[-1] == "XXX"
    i = inp.codes.index("IND")
    wpp = real.execute("SELECT year, births_thousands, deaths_thousands, pop_jul1_thousands "
                       "FROM wpp_component WHERE iso3 = 'IND' ORDER BY year").df().set_index("year")
    # population at 1 July = native-born + foreign-born
    assert inp.stock_start[:, i].sum() == pytest.approx(wpp.loc[2020, "pop_jul1_thousands"] * 1e3)
    # births over mid-2020 to mid-2024: half of 2020 and 2024, all of 2021-2023
    b = (0.5 * wpp.loc[2020, "births_thousands"] + wpp.loc[2021:2023, "births_thousands"].sum()
         + 0.5 * wpp.loc[2024, "births_thousands"]) * 1e3
    assert inp.births[i] == pytest.approx(b)
    # the curator's period table (not read by labourlink) agrees for every country
    per = pd.read_csv(data_dir / "wpp2024_components/derived/wpp2024_periods5_1990_2024.csv")
    per = per[(per["period_start"] == 2020) & (per["location_type"] == 4)].set_index("iso3")
    for code in ("IND", "PHL", "USA", "ARE", "TUV"):
        j = inp.codes.index(code)
        assert inp.births[j] == pytest.approx(per.loc[code, "births"] * 1e3, abs=1.0)  # 3 dp
        assert inp.deaths[j] == pytest.approx(per.loc[code, "deaths"] * 1e3, abs=1.0)
    # Channel Islands = Guernsey + Jersey
    c = inp.codes.index("CHI")
    chi = real.execute("SELECT sum(pop_jul1_thousands) FROM wpp_component WHERE year = 2020 AND "
                       "iso3 IN ('GGY', 'JEY')").fetchone()[0]
    assert inp.stock_start[:, c].sum() == pytest.approx(chi * 1e3)


def test_kosovo_is_in_serbia_where_the_revision_says_so(real: duckdb.DuckDBPyConnection) -> None:
    (inp,) = load_inputs(real, "2020", [(2015, 2020)])
    assert "XKX" not in inp.codes
    s = inp.codes.index("SRB")
    pops = dict(real.execute("SELECT iso3, pop_jul1_thousands FROM wpp_component WHERE year = 2015 "
                             "AND iso3 IN ('SRB', 'XKX')").fetchall())
    assert inp.stock_start[:, s].sum() == pytest.approx((pops["SRB"] + pops["XKX"]) * 1e3)


@pytest.mark.parametrize("revision", ["2020", "2024"])
def test_closed_methods_meet_every_countrys_account(real: duckdb.DuckDBPyConnection,
                                                    revision: str) -> None:
    for method in ("da_min_closed", "da_pb_closed"):
        net = flows.estimate(method, revision=revision, con=real).net()
        assert (net["net_flow"] - net["net_account"]).abs().max() < 5.0, method
        assert net.groupby("period_start")["net_flow"].sum().abs().max() < 50.0


def test_stored_estimates_equal_fresh_ones(real: duckdb.DuckDBPyConnection) -> None:
    stored = flows.read_flows("2024", "da_pb_closed", "2020-2024", con=real)
    fresh = flows.estimate("da_pb_closed", revision="2024", period="2020-2024", con=real).tidy()
    assert list(stored.columns) == list(flows.TIDY_COLUMNS)
    m = stored.merge(fresh, on=list(flows.TIDY_COLUMNS[:-1]), how="outer")
    assert len(m) == len(stored) == len(fresh)
    np.testing.assert_allclose(m["flow_x"], m["flow_y"], rtol=1e-9)
    prov = real.execute("SELECT * FROM flow_provenance WHERE revision = '2024' AND "
                        "method = 'da_pb_closed'").df().iloc[0]
    assert prov["status"] == "ok" and prov["stock_source"] == "undesa_ims2024"
    assert json.loads(prov["parameters"]) == {"pb_scale": 100000.0}
    inputs = json.loads(prov["inputs"])
    assert "wpp2024_components/data-raw/births.txt" in inputs
    assert any(p.startswith("undesa_ims2024_bilateral/") for p in inputs)
    assert all(len(v) == 64 for v in inputs.values())


def test_totals_per_period_and_method(real: duckdb.DuckDBPyConnection) -> None:
    tot = {m: flows.estimate(m, revision="2024", con=real).totals().set_index("period_start")
           for m in flows.METHODS}
    for p in tot["sd_drop_neg"].index:
        assert tot["sd_drop_neg"].loc[p, "flow"] <= tot["sd_rev_neg"].loc[p, "flow"]
        assert tot["da_min_closed"].loc[p, "flow"] < tot["da_pb_closed"].loc[p, "flow"]
        # mig_rate shares out the da_pb_closed world total of the period
        assert tot["mig_rate"].loc[p, "flow"] == pytest.approx(tot["da_pb_closed"].loc[p, "flow"])
    assert tot["da_pb_closed"].loc[2020, "years"] == 4
    # per-year flows make the four-year period comparable
    assert tot["da_pb_closed"].loc[2020, "flow_per_year"] == pytest.approx(
        tot["da_pb_closed"].loc[2020, "flow"] / 4)


def test_other_origin_never_appears(real: duckdb.DuckDBPyConnection) -> None:
    n = real.execute("SELECT count(*) FROM migration_flow WHERE origin = 'XXX' OR "
                     "destination = 'XXX'").fetchone()[0]
    assert n == 0


def test_corridors_of_escap(real: duckdb.DuckDBPyConnection) -> None:
    res = flows.corridors("ESCAP", revision="2024", period="2020-2024", n=10, con=real)
    members = set(r[0] for r in real.execute(
        "SELECT iso3 FROM country_group WHERE group_code = 'ESCAP'").fetchall())
    t = res.tidy()
    assert list(t.columns) == list(CORRIDOR_COLUMNS)
    assert set(t["method"]) == set(flows.METHODS)
    into = t[t["side"] == "into"]
    assert (~into["origin"].isin(members)).all() and into["destination"].isin(members).all()
    out = t[t["side"] == "out_of"]
    assert out["origin"].isin(members).all() and (~out["destination"].isin(members)).all()
    within = t[t["side"] == "within"]
    assert within["origin"].isin(members).all() and within["destination"].isin(members).all()
    wide = res.to_frame()
    assert len(wide) == 30
    for side in ("into", "out_of", "within"):
        ranked = wide[wide["side"] == side].sort_values("rank")["da_pb_closed"].to_numpy()
        assert (np.diff(ranked) <= 0).all()  # ranked by the reference method
    # the group totals add up the tidy flows
    all_pb = flows.read_flows("2024", "da_pb_closed", "2020-2024", con=real)
    into_total = all_pb[~all_pb["origin"].isin(members) & all_pb["destination"].isin(members)]
    tot = res.totals()
    got = tot[(tot["side"] == "into") & (tot["method"] == "da_pb_closed")]["flow"].item()
    assert got == pytest.approx(into_total["flow"].sum())
    assert "largest flows into ESCAP" in res.summary()


def test_estimate_rejects_bad_arguments(real: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InvalidArgumentError, match="sd_drop_neg"):
        flows.estimate("sd_drop", con=real)
    with pytest.raises(InvalidArgumentError, match="revision"):
        flows.estimate("sd_drop_neg", revision="2019x", con=real)
    with pytest.raises(InvalidArgumentError, match="1990-1995"):
        flows.estimate("sd_drop_neg", revision="2024", period="2014-2019", con=real)
    with pytest.raises(InvalidArgumentError, match="START-END"):
        flows.estimate("sd_drop_neg", revision="2024", period="last five years", con=real)
    with pytest.raises(InvalidArgumentError, match="pb_scale"):
        flows.FlowParams(pb_scale=-1)
