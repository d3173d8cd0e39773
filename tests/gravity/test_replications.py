"""Replications of published gravity estimates on the real store, through the presets
(``/work/shared/data/PUBLISHED_RESULTS.md``). Tolerance: the published rounding (half a unit of
the last published digit).

The Yotov et al. presets count no fixed-effect level in the small-sample K (``fixef_k="none"``,
the convention of Stata ``ppml`` and of the R replication that printed these numbers); with
fixest's default (``"nested"``) their clustered SEs would be 1.5-2% larger. Every estimate, SE,
N and R2 is checked to the published rounding, the fixest example to its six published digits.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from labourlink.gravity.panel import build_panel
from labourlink.gravity.presets import run_preset

pytestmark = pytest.mark.slow   # real store: builds the Yotov and fixest panels (~30 s in all)


def half_unit(published: str) -> float:
    """Half a unit of the last digit of a published number ("-0.841" -> 0.0005)."""
    decimals = len(published.split(".")[1]) if "." in published else 0
    return 0.5 * 10 ** (-decimals) + 1e-12


def close(value: float, published: str) -> bool:
    return abs(value - float(published)) <= half_unit(published)


@pytest.fixture(scope="module")
def con(store_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return store_con


@pytest.fixture(scope="module")
def yotov(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return build_panel("yotov", con, lags=())


# B1 column (1), four-decimal values of the same source
B1_OLS = {"Intercept": ("-11.283", "0.296"), "log_dist": ("-1.0016", "0.027"),
          "cntg": ("0.5738", "0.185"), "lang": ("0.8015", "0.082"), "clny": ("0.7349", "0.144"),
          "log_y": ("1.1902", "0.009"), "log_e": ("0.9076", "0.010")}
# B1 column (3), four-decimal estimates of the same source
B1_OLS_FE = {"log_dist": ("-1.2156", "0.038"), "cntg": ("0.2232", "0.199"),
             "lang": ("0.6609", "0.081"), "clny": ("0.6705", "0.147")}
# B1 column (4)
B1_PPML = {"log_dist": ("-0.8409", "0.032"), "cntg": ("0.4374", "0.083"),
           "lang": ("0.2475", "0.077"), "clny": ("-0.2225", "0.116")}


def test_yotov_table1_ols(yotov: pd.DataFrame) -> None:
    res = run_preset("yotov-ch1-ols", data=yotov).models["(1) OLS"]
    assert res.nobs == 25_689
    b, se = res.coef(), res.se()
    for term, (pb, pse) in B1_OLS.items():
        assert close(b[term], pb), (term, b[term], pb)
        assert close(se[term], pse), (term, se[term], pse)
    assert close(res.r2, "0.759")


def test_yotov_table1_ols_fixed_effects(yotov: pd.DataFrame) -> None:
    res = run_preset("yotov-ch1-ols", data=yotov).models["(3) OLS + FE"]
    assert res.nobs == 25_689 and close(res.r2, "0.843")
    b, se = res.coef(), res.se()
    for term, (pb, pse) in B1_OLS_FE.items():
        assert close(b[term], pb), (term, b[term], pb)
        assert close(se[term], pse), (term, se[term], pse)


def test_yotov_table1_ppml(yotov: pd.DataFrame) -> None:
    run = run_preset("yotov-ch1-ppml", data=yotov)
    (res,) = run.models.values()
    assert res.converged and res.nobs == 28_152
    b, se = res.coef(), res.se()
    for term, (pb, pse) in B1_PPML.items():
        assert close(b[term], pb), (term, b[term], pb)
        assert close(se[term], pse), (term, se[term], pse)
    assert close(b["log_dist"], "-0.841")


def test_yotov_rta_pair_fe(yotov: pd.DataFrame) -> None:
    run = run_preset("yotov-rta-pairfe", data=yotov)
    (res,) = run.models.values()
    assert res.converged
    assert res.nobs == 28_482                   # 84 observations of all-zero pairs separated
    assert int(res.separated.sum()) == 84
    assert close(res.coef()["rta"], "0.5572") and close(res.coef()["rta"], "0.557")
    assert close(res.se()["rta"], "0.1022")


@pytest.fixture(scope="module")
def fixest_panel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return build_panel("fixest", con, lags=())


@pytest.mark.parametrize(("vcov", "se"), [("twoway", "0.130734"), ("cluster:product", "0.098294")])
def test_fixest_trade(fixest_panel: pd.DataFrame, vcov: str, se: str) -> None:
    run = run_preset("fixest-trade", data=fixest_panel, vcov=vcov)
    (res,) = run.models.values()
    assert res.nobs == 38_325
    assert close(res.coef()["log_dist_km"], "-1.52787")
    assert close(res.se()["log_dist_km"], se)


def test_fixest_trade_default_vcov_is_origin(con: duckdb.DuckDBPyConnection) -> None:
    (res,) = run_preset("fixest-trade", con).models.values()
    assert close(res.se()["log_dist_km"], "0.115678")
    assert close(res.pseudo_r2, "0.764")
