"""Estimation panels: network directions, log-linear interpolation, lags, RTA in force, zeros.

A toy store (:func:`make_toy_store`) with hand-chosen numbers, plus checks on the real store.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labourlink.errors import InvalidArgumentError, StoreError
from labourlink.gravity.panel import (
    MIG,
    MIG_EXP,
    MIG_IMP,
    NETWORKS,
    add_migrant_networks,
    build_panel,
    interpolate_stocks,
    lag_name,
    log_name,
    migration_panel,
    mnp_intervals,
    rta_in_force,
)
from labourlink.store.schema import TABLES

# Toy world: AAA, BBB (ESCAP), CCC (not). UN DESA 2020-revision stocks (total), persons:
#   born AAA living BBB: 2000 -> 100, 2005 -> 400   (importer-side network of AAA -> BBB flows)
#   born BBB living AAA: 2000 -> 10,  2005 -> 10
#   born AAA living CCC: 2000 -> 0 (absent), 2005 -> 50 (linear interpolation from zero)
#   born CCC living AAA: 2000 -> 30, 2005 -> 0 (absent)
STOCKS = [("AAA", "BBB", 2000, 100.0), ("AAA", "BBB", 2005, 400.0),
          ("BBB", "AAA", 2000, 10.0), ("BBB", "AAA", 2005, 10.0),
          ("AAA", "CCC", 2005, 50.0), ("CCC", "AAA", 2000, 30.0),
          ("CCC", "BBB", 2000, 5.0), ("CCC", "BBB", 2005, 5.0)]
# WTO imports (importer-reported), current US$: (exporter, importer, year, value)
TRADE = [("AAA", "BBB", y, 100.0 + y - 2000) for y in (2001, 2002, 2003, 2004)] + \
        [("BBB", "AAA", y, 50.0) for y in (2001, 2002, 2003, 2004)] + \
        [("CCC", "AAA", y, 20.0) for y in (2001, 2002, 2003, 2004)] + \
        [("AAA", "CCC", 2002, 7.0), ("EUN", "AAA", 2002, 3.0)]


def make_toy_store(path: Path) -> Path:
    """Write the toy store described above to ``path`` and return it."""
    con = duckdb.connect(str(path))
    for t in TABLES.values():
        con.execute(t.create_sql())
    for iso, sub in (("AAA", "SEA"), ("BBB", "ENEA"), ("CCC", None)):
        con.execute("INSERT INTO country (iso3, name, escap_subregion) VALUES (?, ?, ?)",
                    [iso, f"Country {iso}", sub])
    for iso in ("AAA", "BBB"):
        con.execute("INSERT INTO country_group VALUES ('ESCAP', ?, 'ESCAP', 'toy')", [iso])
    for o, d, y, v in STOCKS:
        for sex, val in (("total", v), ("male", v / 2), ("female", v / 2)):
            con.execute("INSERT INTO migrant_stock VALUES (?, ?, ?, ?, ?, 'undesa_ims2020')",
                        [o, d, y, sex, val])
    # a 2019-revision row that must never be mixed in
    con.execute("INSERT INTO migrant_stock VALUES ('AAA', 'BBB', 2005, 'total', 9999, "
                "'undesa_ims2019')")
    for e, i, y, v in TRADE:
        con.execute("INSERT INTO trade VALUES (?, ?, ?, '_T', ?, 'current US$', 'wto_hs_m_0010')",
                    [e, i, y, v])
    geo = {("AAA", "BBB"): (1, 1, 0, 1000.0), ("AAA", "CCC"): (0, 0, 1, 5000.0),
           ("BBB", "CCC"): (0, 0, 0, 8000.0)}
    for (a, b), (contig, lang, col, dist) in geo.items():
        for o, d in ((a, b), (b, a)):
            con.execute("INSERT INTO pair_geo (iso_o, iso_d, contig, comlang_off, colony, dist_km, "
                        "distw_km, source) VALUES (?, ?, ?, ?, ?, ?, ?, 'cepii_geodist')",
                        [o, d, contig, lang, col, dist, dist * 1.1 if o != "CCC" else None])
    # RTA 1: goods, AAA-BBB in force 2002-06-01; RTA 2: services only, AAA-CCC (ignored);
    # RTA 3: goods, BBB-CCC with CCC leaving in 2003 (in force 2001, 2002 only)
    con.execute("INSERT INTO trade_agreement (agreement_id, name, coverage, in_force, source) VALUES "
                "('1', 'AB FTA', 'Goods & Services', '2002-06-01', 'wto_rta'), "
                "('2', 'AC EIA', 'Services', '2001-01-01', 'wto_rta'), "
                "('3', 'BC PSA', 'Goods', '2001-01-01', 'wto_rta')")
    con.execute("INSERT INTO trade_agreement_member VALUES "
                "('1', 'AAA', '2002-06-01', NULL, 'wto_rta'), ('1', 'BBB', '2002-06-01', NULL, 'wto_rta'), "
                "('2', 'AAA', '2001-01-01', NULL, 'wto_rta'), ('2', 'CCC', '2001-01-01', NULL, 'wto_rta'), "
                "('3', 'BBB', '2001-01-01', NULL, 'wto_rta'), ('3', 'CCC', '2001-01-01', '2003-03-01', 'wto_rta')")
    con.execute("INSERT INTO labour_agreement VALUES ('L1', 'BBB', 'AAA', 2003, NULL, 'toy BLA', 'toy')")
    for iso, gdp in (("AAA", 1e9), ("BBB", 4e9), ("CCC", 2e9)):
        for y in range(1998, 2008):
            con.execute("INSERT INTO indicator VALUES (?, ?, 'NY.GDP.MKTP.CD', ?, 'US$', 'datahub_wdi')",
                        [iso, y, gdp])
            con.execute("INSERT INTO indicator VALUES (?, ?, 'SP.POP.TOTL', ?, 'persons', 'datahub_wdi')",
                        [iso, y, 1e6])
            con.execute("INSERT INTO indicator VALUES (?, ?, 'NY.GDP.PCAP.PP.KD', ?, 'int$', "
                        "'gdiviz_wdi_2024')", [iso, y, gdp / 1e5])
    con.close()
    return path


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = make_toy_store(tmp_path_factory.mktemp("toy") / "toy.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def toy_panel(toy: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return build_panel("wto", toy, years=range(2001, 2005), lags=(2,))


def _row(df: pd.DataFrame, e: str, i: str, y: int) -> pd.Series:
    r = df[(df["exp"] == e) & (df["imp"] == i) & (df["year"] == y)]
    assert len(r) == 1, (e, i, y, len(r))
    return r.iloc[0]


# --- interpolation ----------------------------------------------------------------------------
STOCK_DF = pd.DataFrame(STOCKS, columns=["origin", "destination", "year", "persons"])


def test_interpolation_is_log_linear_between_published_years() -> None:
    v, flag = interpolate_stocks(STOCK_DF, ["AAA"] * 4, ["BBB"] * 4, [2000, 2001, 2003, 2005])
    # 100 * 4 ** (t/5): geometric path from 100 to 400
    np.testing.assert_allclose(v, [100.0, 100 * 4 ** 0.2, 100 * 4 ** 0.6, 400.0])
    assert flag.tolist() == [False, True, True, False]


def test_interpolation_linear_from_zero_absent_pair_zero_unknown_nan() -> None:
    v, _ = interpolate_stocks(
        STOCK_DF, ["AAA", "CCC", "BBB", "ZZZ", "AAA", "AAA"],
        ["CCC", "AAA", "CCC", "AAA", "BBB", "BBB"], [2002, 2002, 2003, 2003, 1999, 2006])
    assert v[0] == pytest.approx(50 * 2 / 5)        # 0 (absent) in 2000 -> 50 in 2005: linear
    assert v[1] == pytest.approx(30 * 3 / 5)        # 30 -> 0: linear
    assert v[2] == 0.0                              # both covered, never published: 0 persons
    assert math.isnan(v[3])                         # ZZZ not covered by the table
    assert math.isnan(v[4]) and math.isnan(v[5])    # no extrapolation outside 2000-2005


@settings(max_examples=60, deadline=None)
@given(s0=st.floats(1, 1e7), s1=st.floats(1, 1e7), t=st.integers(2000, 2005))
def test_interpolated_log_is_linear_in_time(s0: float, s1: float, t: int) -> None:
    df = pd.DataFrame({"origin": ["A", "A"], "destination": ["B", "B"], "year": [2000, 2005],
                       "persons": [s0, s1]})
    v, _ = interpolate_stocks(df, ["A"], ["B"], [t])
    w = (t - 2000) / 5
    assert math.log(v[0]) == pytest.approx((1 - w) * math.log(s0) + w * math.log(s1), rel=1e-9,
                                           abs=1e-9)
    assert min(s0, s1) * (1 - 1e-12) <= v[0] <= max(s0, s1) * (1 + 1e-12)


# --- networks -----------------------------------------------------------------------------------
def test_network_names_defined_once() -> None:
    assert (MIG_IMP, MIG_EXP, MIG) == ("mig_imp", "mig_exp", "mig")
    assert set(NETWORKS) == {MIG_IMP, MIG_EXP, MIG}
    assert log_name(MIG_IMP) == "log_mig_imp" and lag_name(MIG_EXP, 5) == "log_mig_exp_lag5"


def test_network_directions(toy_panel: pd.DataFrame) -> None:
    r = _row(toy_panel, "AAA", "BBB", 2003)          # flow AAA -> BBB
    assert r[MIG_IMP] == pytest.approx(100 * 4 ** 0.6)   # born AAA (exporter) living in BBB
    assert r[MIG_EXP] == pytest.approx(10.0)             # born BBB (importer) living in AAA
    assert r[MIG] == pytest.approx(r[MIG_IMP] + r[MIG_EXP])
    assert r["log_mig_imp"] == pytest.approx(math.log1p(r[MIG_IMP]))
    back = _row(toy_panel, "BBB", "AAA", 2003)       # the reverse flow swaps the networks
    assert back[MIG_IMP] == pytest.approx(10.0) and back[MIG_EXP] == pytest.approx(r[MIG_IMP])
    assert bool(r["mig_interpolated"])


def test_lags_read_the_interpolated_series(toy_panel: pd.DataFrame) -> None:
    r = _row(toy_panel, "AAA", "BBB", 2004)
    assert r["log_mig_imp_lag2"] == pytest.approx(math.log1p(100 * 4 ** 0.4))   # stock of 2002
    assert r["log_mig_exp_lag2"] == pytest.approx(math.log1p(10.0))
    r1 = _row(toy_panel, "AAA", "BBB", 2001)          # 2001 - 2 = 1999: before the table
    assert math.isnan(r1["log_mig_imp_lag2"])


def test_revisions_never_mixed(toy: duckdb.DuckDBPyConnection) -> None:
    p19 = build_panel("wto", toy, years=[2004], revision="undesa_ims2019", lags=())
    # the 2019 revision has only one published year (2005): 2004 is outside it -> NaN
    assert p19[MIG_IMP].isna().all()
    assert p19.attrs["migration"]["source"] == "undesa_ims2019"


def test_attrs_say_interpolated(toy_panel: pd.DataFrame) -> None:
    m = toy_panel.attrs["migration"]
    assert m["source"] == "undesa_ims2020" and m["published_years"] == [2000, 2005]
    assert "log-linear" in m["method"] and m["log"] == "log(1 + persons)" and m["lags"] == [2]
    assert toy_panel.attrs["panel"] == "wto" and toy_panel.attrs["trade_unit"] == "current US$"


# --- trade, zeros, geography, agreements, country-year ---------------------------------------------
def test_zero_fill_and_non_countries(toy_panel: pd.DataFrame) -> None:
    assert "EUN" not in set(toy_panel["exp"]) | set(toy_panel["imp"])   # not in `country`
    assert _row(toy_panel, "AAA", "CCC", 2002)["trade"] == 7.0
    # CCC reports only in 2002: it is an importer only then (BBB -> CCC filled with 0)
    assert sorted(toy_panel.loc[toy_panel["imp"] == "CCC", "year"]) == [2002, 2002]
    assert _row(toy_panel, "BBB", "CCC", 2002)["trade"] == 0.0
    assert (toy_panel["trade"] >= 0).all() and toy_panel["exp"].ne(toy_panel["imp"]).all()


def test_zero_fill_adds_zero_rows(toy: duckdb.DuckDBPyConnection) -> None:
    full = build_panel("wto", toy, years=[2002], lags=())
    raw = build_panel("wto", toy, years=[2002], lags=(), fill_zeros=False)
    assert len(full) > len(raw)
    assert full.attrs["zero_filled"] and not raw.attrs["zero_filled"]
    # exporters seen in 2002: AAA, BBB, CCC; importers: AAA, BBB, CCC -> 6 directed pairs
    assert len(full) == 6
    assert _row(full, "CCC", "BBB", 2002)["trade"] == 0.0


def test_geography_and_rta(toy_panel: pd.DataFrame) -> None:
    r = _row(toy_panel, "AAA", "BBB", 2001)
    assert r["dist_km"] == pytest.approx(1100.0)       # population-weighted distance first
    assert r["log_dist"] == pytest.approx(math.log(1100.0))
    assert (r["cntg"], r["lang"], r["clny"]) == (1, 1, 0)
    assert _row(toy_panel, "CCC", "AAA", 2002)["dist_km"] == pytest.approx(5000.0)  # distw missing
    assert r["rta"] == 0 and _row(toy_panel, "AAA", "BBB", 2002)["rta"] == 1
    assert _row(toy_panel, "CCC", "AAA", 2002)["rta"] == 0    # services-only agreement ignored


def test_rta_exit() -> None:
    iv = pd.DataFrame({"c1": ["B", "C"], "c2": ["C", "B"], "start": [2001, 2001],
                       "stop": [2003, 2003]})
    got = rta_in_force(iv, ["B", "B", "B", "C", "B"], ["C", "C", "C", "B", "B"],
                       [2000, 2002, 2003, 2002, 2002])
    assert got.tolist() == [0, 1, 0, 1, 0]


def test_mnp_intervals_from_governance_registry(toy_panel: pd.DataFrame) -> None:
    iv = mnp_intervals()
    jp = iv[(iv["c1"] == "JPN") & (iv["c2"] == "PHL")]
    assert jp["start"].tolist() == [2008] and jp["stop"].tolist() == [9999]   # JPEPA, 2008-12-11
    assert ((iv["c1"] == "PHL") & (iv["c2"] == "JPN")).any()
    assert not (iv["c1"] == iv["c2"]).any()
    assert toy_panel["rta_mnp"].eq(0).all()           # no toy country is in the registry


def test_country_year_and_escap(toy_panel: pd.DataFrame) -> None:
    r = _row(toy_panel, "AAA", "BBB", 2003)
    assert r["gdp_exp"] == 1e9 and r["gdp_imp"] == 4e9
    assert r["log_gdp_imp"] == pytest.approx(math.log(4e9))
    assert (r["escap_exp"], r["escap_imp"], r["escap_pair"]) == (1, 1, 1)
    assert _row(toy_panel, "CCC", "AAA", 2003)["escap_pair"] == 0
    assert r["pair"] == "AAA_BBB" and r["pair_sym"] == _row(toy_panel, "BBB", "AAA", 2003)["pair_sym"]


def test_migration_panel(toy: duckdb.DuckDBPyConnection) -> None:
    m = migration_panel(toy, years=(2000, 2005))
    assert len(m) == 3 * 2 * 2                     # ordered pairs of AAA, BBB, CCC x 2 years
    r = m[(m["orig"] == "AAA") & (m["dest"] == "BBB") & (m["year"] == 2005)].iloc[0]
    assert r["stock"] == 400.0 and r["rta"] == 1 and r["bla"] == 1     # BLA BBB-AAA signed 2003
    r0 = m[(m["orig"] == "AAA") & (m["dest"] == "BBB") & (m["year"] == 2000)].iloc[0]
    assert r0["rta"] == 0 and r0["bla"] == 0
    assert r["income_gap"] == pytest.approx(math.log(4e4) - math.log(1e4))
    z = m[(m["orig"] == "BBB") & (m["dest"] == "CCC") & (m["year"] == 2000)].iloc[0]
    assert z["stock"] == 0.0
    with pytest.raises(InvalidArgumentError, match="2003"):
        migration_panel(toy, years=(2003,))


def test_bad_arguments(toy: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InvalidArgumentError, match="wto"):
        build_panel("comtrade", toy)
    with pytest.raises(StoreError, match="undesa_ims2024"):  # not in the toy store
        build_panel("wto", toy, revision="2024")
    with pytest.raises(InvalidArgumentError, match="revision='1999'"):
        build_panel("wto", toy, revision="1999")
    with pytest.raises(StoreError, match="penppml_comtrade"):
        build_panel("penppml", toy)
    with pytest.raises(InvalidArgumentError):
        add_migrant_networks(pd.DataFrame({"exp": ["AAA"], "imp": ["BBB"], "year": [2001]}),
                             STOCK_DF, lags=(-1,))


# --- real store -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(store: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(store), read_only=True)
    yield con
    con.close()


@pytest.mark.slow
def test_real_wto_panel(real: duckdb.DuckDBPyConnection) -> None:
    p = build_panel("wto", real, years=[2008, 2009, 2010, 2012], lags=(5,))
    assert sorted(p["year"].unique()) == [2008, 2010, 2012]       # 2009 missing in the WTO data
    assert p.attrs["migration"]["revision"] == "2024"              # the newest revision
    # PHL -> USA: mig_imp = born in the Philippines living in the United States (UN DESA 2024)
    s = dict(real.execute("SELECT year, persons FROM migrant_stock WHERE source = 'undesa_ims2024' "
                          "AND sex = 'total' AND origin = 'PHL' AND destination = 'USA'").fetchall())
    r10 = _row(p, "PHL", "USA", 2010)
    assert r10[MIG_IMP] == pytest.approx(s[2010]) and not r10["mig_interpolated"]
    r12 = _row(p, "PHL", "USA", 2012)
    assert r12[MIG_IMP] == pytest.approx(s[2010] * (s[2015] / s[2010]) ** 0.4)
    assert r12["log_mig_imp_lag5"] == pytest.approx(math.log1p(s[2005] * (s[2010] / s[2005]) ** 0.4))
    back = _row(p, "USA", "PHL", 2010)
    assert back[MIG_EXP] == pytest.approx(s[2010])
    assert p["escap_pair"].between(0, 1).all() and p.loc[p["exp"] == "JPN", "escap_exp"].eq(1).all()
    assert p["rta"].isin([0, 1]).all() and p["rta"].mean() > 0.05
    assert _row(p, "JPN", "SGP", 2010)["rta"] == 1                 # Japan-Singapore EPA (2002)
    assert _row(p, "JPN", "PHL", 2010)["rta_mnp"] == 1             # JPEPA MNP chapter (2008)
    assert _row(p, "USA", "PHL", 2010)["rta_mnp"] == 0
    assert p["trade"].ge(0).all() and p["log_dist"].notna().mean() > 0.95


def test_real_panels_keep_revisions_apart(real: duckdb.DuckDBPyConnection) -> None:
    p20 = build_panel("wto", real, years=[2010], lags=(), revision="2020")
    p24 = build_panel("wto", real, years=[2010], lags=(), revision="2024")
    assert (p20.attrs["migration"]["revision"], p24.attrs["migration"]["revision"]) == ("2020",
                                                                                          "2024")
    a, b = _row(p20, "PHL", "USA", 2010), _row(p24, "PHL", "USA", 2010)
    assert a[MIG_IMP] != b[MIG_IMP]  # the 2024 revision restates 2010


def test_real_migration_panel_joins_earlier_covariates(real: duckdb.DuckDBPyConnection) -> None:
    m = migration_panel(real, years=(2020, 2024))
    assert m.attrs["revision"] == "2024" and m.attrs["years"] == [2020, 2024]
    # PPP income per head stops before 2024: its last year is joined, and the frame says so
    joined = m.attrs["covariate_years"]["gdppc"]
    assert set(joined) == {2024} and joined[2024] < 2024
    used = joined[2024]
    for side in ("orig", "dest"):
        col = f"gdppc_{side}"
        at24 = m[(m["year"] == 2024)].drop_duplicates(side).set_index(side)[col]
        last = dict(real.execute(
            "SELECT iso3, value FROM indicator WHERE code = 'NY.GDP.PCAP.PP.KD' AND "
            "source = 'gdiviz_wdi_2024' AND year = ?", [used]).fetchall())
        common = [c for c in at24.index if c in last]
        assert common and all(at24[c] == pytest.approx(last[c]) for c in common)


def test_real_yotov_panel(real: duckdb.DuckDBPyConnection) -> None:
    p = build_panel("yotov", real, lags=())
    assert sorted(p["year"].unique()) == [1986, 1990, 1994, 1998, 2002, 2006]
    assert len(p) == 69 * 69 * 6 and p["domestic"].sum() == 69 * 6
    assert p.loc[p["year"] == 1986, MIG_IMP].isna().all()          # before UN DESA 1990: no stock
    assert p.loc[p["year"] == 2006, MIG_IMP].notna().mean() > 0.9


@pytest.mark.slow
def test_real_penppml_and_rose_panels(real: duckdb.DuckDBPyConnection) -> None:
    pen = build_panel("penppml", real, years=[2004, 2008], lags=(4,))
    assert sorted(pen["year"].unique()) == [2004, 2008]
    assert pen["dta_agreement"].isin([0, 1]).all() and (pen["trade"] == 0).any()
    assert pen[MIG_IMP].notna().mean() > 0.8 and pen["log_mig_imp_lag4"].notna().mean() > 0.8
    assert pen.attrs["trade_unit"] == "current US$"
    rose = build_panel("rose", real, years=[1995, 1999], lags=())
    assert np.allclose(np.log(rose["trade"]), rose["log_trade"])         # Rose publishes logs
    assert rose["log_dist"].equals(rose["ldist"]) and rose[MIG].notna().mean() > 0.5
