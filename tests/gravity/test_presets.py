"""Model presets: names and terms, vcov vocabulary, OLS against pyfixest, runs on a synthetic
panel with a known migration elasticity, elasticities and the literature line."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from labourlink.errors import EstimationError, InvalidArgumentError
from labourlink.gravity.formula import parse_formula
from labourlink.gravity.presets import (
    PRESET_SPECS,
    PRESETS,
    Preset,
    elasticity_table,
    get_preset,
    linear_combination,
    literature_line,
    migration_trade_table,
    model_record,
    ols,
    pct_effect,
    run_formula,
    run_preset,
    vcov_argument,
)

SUITE = ("traditional", "structural", "pair-fe", "migration-augmented", "escap", "rta",
         "migration-gravity")
REPLICATIONS = {"yotov-ch1-ols": {"log_dist", "cntg", "lang", "clny"},
                "yotov-ch1-ppml": {"log_dist", "cntg", "lang", "clny"},
                "yotov-rta-pairfe": {"rta"}, "fixest-trade": {"log_dist_km"}}


def test_preset_names_and_terms() -> None:
    assert set(SUITE) | set(REPLICATIONS) <= set(PRESETS)
    assert all(isinstance(d, str) and d for d in PRESETS.values())
    for name, terms in REPLICATIONS.items():
        names = {t.name for m in get_preset(name).models for t in parse_formula(m.formula).terms}
        assert terms <= names, name
    for p in PRESET_SPECS.values():          # every formula parses
        for m in p.models:
            parse_formula(m.formula)


def test_parsons_and_direction_presets() -> None:
    fes = [parse_formula(m.formula).fixef for m in get_preset("pair-fe").models]
    assert ("pair",) not in fes[0] and ("pair",) in fes[1]
    terms = {t.name for m in get_preset("migration-augmented").models
             for t in parse_formula(m.formula).terms}
    assert {"log_mig_imp", "log_mig_exp", "log_mig_imp_lag5", "log_mig_exp_lag10"} <= terms
    esc = {t.name for m in get_preset("escap").models for t in parse_formula(m.formula).terms}
    assert "log_mig:escap_pair" in esc
    mg = {t.name for m in get_preset("migration-gravity").models for t in parse_formula(m.formula).terms}
    assert {"log_dist", "lang", "clny", "income_gap", "rta", "bla"} <= mg


def test_unknown_preset_lists_names() -> None:
    with pytest.raises(InvalidArgumentError, match="fixest-trade"):
        get_preset("no-such-preset")
    with pytest.raises(InvalidArgumentError):
        Preset("x", "x", "comtrade", ())


def test_vcov_vocabulary() -> None:
    assert vcov_argument("hetero") == "hetero"
    assert vcov_argument("cluster:pair") == {"CRV1": "pair"}
    assert vcov_argument("twoway") == {"CRV1": "exp+imp"}
    assert vcov_argument("twoway", "migration") == {"CRV1": "orig+dest"}
    for bad in ("cluster:", "robust", "two-way"):
        with pytest.raises(InvalidArgumentError, match="twoway"):
            vcov_argument(bad)


# --- OLS -----------------------------------------------------------------------------------------
def _ols_data(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.uniform(size=n),
                       "g": rng.integers(0, 25, n)})
    df["y"] = 1.0 - 2.0 * df["x1"] + 0.5 * df["x2"] + rng.normal(size=n) + 0.3 * df["g"] % 3
    return df


@pytest.mark.reference
@pytest.mark.parametrize("vcov", ["iid", "hetero", {"CRV1": "g"}])
def test_ols_matches_pyfixest(vcov: str | dict[str, str]) -> None:
    pf = pytest.importorskip("pyfixest")
    df = _ols_data()
    ours = ols(df, "y ~ x1 + x2", vcov=vcov)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ x1 + x2", data=df, vcov=vcov)
    np.testing.assert_allclose(ours.coef().to_numpy(), ref.coef().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.se().to_numpy(), ref.se().to_numpy(), rtol=1e-8)
    assert ours.nobs == 400 and ours.converged and not ours.separated.any()


@pytest.mark.reference
@pytest.mark.parametrize("vcov", ["iid", "hetero", {"CRV1": "g"}, {"CRV1": "h"}])
def test_ols_with_fixed_effects_matches_pyfixest(vcov: str | dict[str, str]) -> None:
    pf = pytest.importorskip("pyfixest")
    df = _ols_data(600)
    df["h"] = np.random.default_rng(5).integers(0, 8, len(df))
    df["y"] = df["y"] + 0.2 * df["h"]
    ours = ols(df, "y ~ x1 + x2 | g + h", vcov=vcov)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ x1 + x2 | g + h", data=df, vcov=vcov)
    np.testing.assert_allclose(ours.coef().to_numpy(), ref.coef().to_numpy(), rtol=1e-7)
    np.testing.assert_allclose(ours.se().to_numpy(), ref.se().to_numpy(), rtol=1e-6)
    assert ours.r2 == pytest.approx(float(ref._r2), rel=1e-7)


def test_ols_negative_y_and_errors() -> None:
    df = _ols_data()
    df["y"] = df["y"] - 100.0                    # log-linear models have negative y: allowed
    assert ols(df, "y ~ x1").coef()["x1"] == pytest.approx(-2.0, abs=0.2)
    with pytest.raises(EstimationError, match="not in the data"):
        ols(df, "z ~ x1")


# --- runs on a synthetic trade panel with a known elasticity ---------------------------------------
def synthetic_panel(n: int = 12, years: tuple[int, ...] = (2000, 2005, 2010), beta: float = 0.2,
                    seed: int = 3) -> pd.DataFrame:
    """Directed panel with the columns the presets use; trade = exp(... + beta * log_mig)."""
    rng = np.random.default_rng(seed)
    c = [f"C{i:02d}" for i in range(n)]
    rows = [(e, i, t) for e in c for i in c if e != i for t in years]
    df = pd.DataFrame(rows, columns=["exp", "imp", "year"])
    df["pair"] = df["exp"] + "_" + df["imp"]
    pe = dict(zip(df["pair"].unique(), rng.normal(0, 0.3, df["pair"].nunique()), strict=True))
    df["log_dist"] = np.log(rng.uniform(300, 9000, len(df)))
    df["log_dist"] = df.groupby("pair")["log_dist"].transform("first")
    for v in ("cntg", "lang", "clny"):
        df[v] = df.groupby("pair")["exp"].transform(lambda s: float(rng.uniform() < 0.2))
    df["rta"] = (rng.uniform(size=len(df)) < 0.3).astype(float)
    df["escap_pair"] = (df["exp"].str[-1].astype(int) % 2 == 0).astype(float) * \
                       (df["imp"].str[-1].astype(int) % 2 == 0)
    df["log_mig_imp"] = np.log1p(rng.lognormal(5, 2, len(df)))
    df["log_mig_exp"] = np.log1p(rng.lognormal(5, 2, len(df)))
    df["log_mig"] = np.log(np.expm1(df["log_mig_imp"]) + np.expm1(df["log_mig_exp"]) + 1)
    for lag in (5, 10):
        df[f"log_mig_imp_lag{lag}"] = df["log_mig_imp"] + rng.normal(0, 0.1, len(df))
        df[f"log_mig_exp_lag{lag}"] = df["log_mig_exp"] + rng.normal(0, 0.1, len(df))
    eta = 9 + df["pair"].map(pe) - 0.8 * df["log_dist"] + 0.3 * df["rta"] + beta * df["log_mig"]
    df["trade"] = rng.poisson(np.exp(eta)).astype(float)
    df.attrs["panel"] = "synthetic"
    return df


@pytest.fixture(scope="module")
def synth() -> pd.DataFrame:
    return synthetic_panel()


def test_run_preset_on_a_panel_recovers_the_elasticity(synth: pd.DataFrame) -> None:
    run = run_preset("pair-fe", data=synth, vcov="hetero")
    assert list(run.models) == ["structural", "pair FE"]
    assert run.data == "synthetic" and run.vcov == "hetero"
    for res in run.models.values():
        assert res.converged
        b, se = res.coef()["log_mig"], res.se()["log_mig"]
        assert abs(b - 0.2) < 4 * se + 0.02
    t = run.tidy()
    assert set(t["model"]) == {"structural", "pair FE"} and "log_mig" in set(t["term"])
    assert "pair FE" in run.summary() and run.to_frame().equals(t)
    recs = run.to_json_records()
    assert [set(r) for r in recs] == [{"model", "coef", "se", "nobs", "n_separated", "converged",
                                       "revision"}] * 2
    assert recs[0]["revision"] is None  # a synthetic panel carries no UN DESA stocks
    assert recs[1]["coef"]["log_mig"] == pytest.approx(run.models["pair FE"].coef()["log_mig"])


def test_elasticities_and_escap_combination(synth: pd.DataFrame) -> None:
    run = run_preset("escap", data=synth, vcov="hetero")
    el = elasticity_table(run)
    res = run.models["structural"]
    row = el[(el["model"] == "structural") & (el["effect"] == "log_mig (ESCAP pairs)")].iloc[0]
    b = res.coef()
    V = res.vcov
    want = b["log_mig"] + b["log_mig:escap_pair"]
    want_se = math.sqrt(V.loc["log_mig", "log_mig"] + V.loc["log_mig:escap_pair", "log_mig:escap_pair"]
                        + 2 * V.loc["log_mig", "log_mig:escap_pair"])
    assert row["elasticity"] == pytest.approx(want) and row["std_error"] == pytest.approx(want_se)
    assert row["conf_low"] == pytest.approx(want - 1.959964 * want_se, rel=1e-5)
    assert row["pct_trade_10pct"] == pytest.approx(pct_effect(want))
    tab = migration_trade_table(panel=synth)
    assert list(tab["sample"]) == ["world"] * 2 + ["ESCAP pairs"] * 2 + ["other pairs"] * 2
    assert list(tab["model"]) == ["structural", "pair FE"] * 3
    assert tab.loc[2, "elasticity"] == pytest.approx(want)
    assert tab.loc[4, "elasticity"] == pytest.approx(b["log_mig"])
    world = run_preset("pair-fe", data=synth, vcov="cluster:pair").models["pair FE"]
    assert tab.loc[1, "elasticity"] == pytest.approx(world.coef()["log_mig"])
    assert tab.loc[1, "std_error"] == pytest.approx(world.se()["log_mig"])
    with pytest.raises(InvalidArgumentError):
        linear_combination(res, ["log_mig", "nope"])


def test_literature_line() -> None:
    assert pct_effect(0.15) == pytest.approx((1.1 ** 0.15 - 1) * 100)
    assert pct_effect(0.0) == 0.0
    line = literature_line(0.15, 0.1, 0.2)
    assert "Genc et al. (2012)" in line and "Head and Ries (1998)" in line and "inside" in line
    assert "outside" in literature_line(0.02, 0.01, 0.03)


def test_run_formula_and_model_record(synth: pd.DataFrame) -> None:
    run = run_formula("trade ~ log_mig + rta | exp^year + imp^year + pair", synth, vcov="twoway")
    (res,) = run.models.values()
    rec = model_record("m", res)
    assert rec["nobs"] == res.nobs and rec["converged"] is True
    assert rec["n_separated"] == int(res.separated.sum())
    assert set(rec["coef"]) == set(rec["se"]) == {"log_mig", "rta"}
