"""Cluster bootstrap of PPML models (labourlink.gravity.bootstrap) and ``estimate --bootstrap``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from panels import gravity_panel
from scipy import stats
from typer.testing import CliRunner

from labourlink.cli import app
from labourlink.cluster import RunnerOptions
from labourlink.gravity import ppml
from labourlink.gravity.bootstrap import (
    bootstrap_ppml,
    fit_replicate,
    replicate_weights,
    task_data,
)

QUIET = RunnerOptions(progress=False)


def sim_panel(n: int = 25, years: int = 3, seed: int = 0) -> pd.DataFrame:
    """Exporter x importer x year counts: exporter and importer effects (sd 0.3), a pair effect
    (sd 0.4) that makes errors correlated within pairs, a time-varying regressor ``x1`` with a
    pair component, an agreement dummy ``x2`` switching on in a random year, a pair-constant
    ``x3``. Sizes are homogeneous, so many clusters carry weight."""
    rng = np.random.default_rng(seed)
    c = np.array([f"C{i:02d}" for i in range(n)])
    a, b = rng.normal(0, 0.3, n), rng.normal(0, 0.3, n)
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    off = ii != jj
    ii, jj = ii[off], jj[off]
    p = ii.size
    u, z, d = rng.normal(0, 0.4, p), rng.normal(size=p), rng.uniform(-1, 1, p)
    start = rng.integers(0, 2 * years, p)
    t = np.tile(np.arange(years), p)

    def rep(v: np.ndarray) -> np.ndarray:
        return np.repeat(v, years)

    df = pd.DataFrame({"exp": rep(c[ii]), "imp": rep(c[jj]), "year": 2000 + t,
                       "x1": rng.normal(size=p * years) + 0.5 * rep(z),
                       "x2": (t >= rep(start)).astype(float), "x3": rep(d)})
    df["pair"] = df["exp"] + "_" + df["imp"]
    eta = 1.0 + rep(a[ii] + b[jj] + u) + 0.5 * df["x1"] + 0.3 * df["x2"] - 0.8 * df["x3"]
    df["y"] = rng.poisson(np.exp(eta)).astype(float)
    return df


@pytest.mark.parametrize("formula", ["trade ~ lmig + rta | exp^year + imp^year + pair",
                                     "trade ~ lmig + rta + ldist | exp^year + imp^year"])
def test_weights_equal_stacked_copies_as_distinct_pairs(formula: str) -> None:
    """A pair drawn c times = c stacked copies, each its own pair (own cluster, own pair FE)."""
    df = gravity_panel(15, 5, seed=2)
    td = task_data(df, formula, "pair", 7)
    frame, g = td.frames["panel"], td.extra.n_clusters
    for r in range(3):
        rep = fit_replicate(frame, formula, g, 7, r)
        w = replicate_weights(frame["_cluster"].to_numpy(), g, 7, r).astype(int)
        assert w.max() >= 2  # some pairs were drawn more than once
        copies = []
        for k in range(1, w.max() + 1):
            part = df[w >= k].copy()
            part["pair"] = part["pair"] + f"#copy{k}"
            copies.append(part)
        stacked = ppml(pd.concat(copies, ignore_index=True), formula, vcov="iid")
        assert rep["converged"] and stacked.converged
        for term, value in stacked.coef().items():
            assert rep["coef"][term] == pytest.approx(value, rel=1e-9, abs=1e-12)


def test_bootstrap_se_agrees_with_clustered_se() -> None:
    """Tolerance. With B replicates the bootstrap SE is a Monte Carlo estimate of the ideal
    (B = infinity) bootstrap SE with relative standard deviation sqrt((kappa - 1) / (4 B)),
    kappa the kurtosis of the replicate estimates (the delta method on the sample variance;
    1/sqrt(2B) for normal replicates): 3.5% for B = 400. The ideal pair-bootstrap SE and the
    clustered sandwich estimate the same sampling SD to first order; the sandwich carries
    fixest's small-sample factor c = G/(G-1) (n-1)/(n-K) which the bootstrap does not, so
    the expected ratio is 1/sqrt(c). We allow three Monte Carlo standard deviations
    (kappa estimated from the replicates) around it.

    The model has year fixed effects only (few, large groups) and G = 600 pairs: there the
    sandwich is accurate. With exporter-year and importer-year effects on a panel this small
    the analytic clustered SE is biased down (incidental parameters and cluster leverage;
    the bootstrap SE is then larger), so it is not the reference for this check."""
    df = sim_panel(25, 3, seed=0)
    formula = "y ~ x1 + x2 + x3 | year"
    point = ppml(df, formula, vcov={"CRV1": "pair"})
    b = bootstrap_ppml(df, formula, replicates=400, seed=1, point=point, keep=False,
                       options=QUIET)
    assert b.n_converged == 400
    g, n, k = df["pair"].nunique(), point.nobs, 3
    c = g / (g - 1) * (n - 1) / (n - k)
    t = b.tidy()
    for term in ("x1", "x2", "x3"):
        draws = b.draws[term].to_numpy()
        kappa = float(stats.kurtosis(draws, fisher=False))
        tol = 3 * np.sqrt((kappa - 1) / (4 * 400))
        ratio = t.loc[term, "std_error_boot"] / t.loc[term, "std_error"]
        assert abs(ratio * np.sqrt(c) - 1) <= tol, (term, ratio, tol)
        assert t.loc[term, "std_error_boot"] == pytest.approx(np.std(draws, ddof=1))
        lo, hi = np.percentile(draws, [2.5, 97.5])
        assert (t.loc[term, "conf_low_boot"], t.loc[term, "conf_high_boot"]) == (lo, hi)
        assert t.loc[term, "conf_low_boot"] < t.loc[term, "estimate"] < t.loc[term,
                                                                               "conf_high_boot"]


def test_term_not_identified_in_some_replicates() -> None:
    """``rta`` = 1 on one pair only: replicates that do not draw it cannot estimate it (NaN,
    left out of its statistics), the other terms use every replicate."""
    df = gravity_panel(10, 4, seed=4, zero_pairs=0, singletons=0)
    df["rta"] = (df["pair"] == "C01_C02").astype(float) * (df["year"] >= 2002)
    formula = "trade ~ lmig + rta + ldist | exp^year + imp^year"
    b = bootstrap_ppml(df, formula, replicates=12, seed=3, keep=False, options=QUIET)
    td = task_data(df, formula, "pair", 3)
    codes = td.frames["panel"]["_cluster"].to_numpy()
    mask = (df["pair"] == "C01_C02").to_numpy()  # the shipped frame keeps the row order
    drawn = [replicate_weights(codes, td.extra.n_clusters, 3, r)[mask].max() > 0
             for r in range(12)]
    assert 0 < sum(drawn) < 12
    t = b.tidy()
    assert t.loc["rta", "n_boot"] == sum(drawn)
    assert t.loc["lmig", "n_boot"] == 12 == b.n_converged
    assert b.draws["rta"].isna().to_numpy().tolist() == [not x for x in drawn]


def test_failed_replicates_are_counted_and_left_out() -> None:
    """Three clusters, one with all the positive flows: a replicate without it cannot be
    estimated (EstimationError), is kept as not converged and left out."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"pair": np.repeat(["a", "b", "c"], 20), "x": rng.normal(size=60)})
    df["y"] = np.where(df["pair"] == "a", rng.poisson(5, 60), 0).astype(float)
    b = bootstrap_ppml(df, "y ~ x", replicates=10, seed=0, keep=False, options=QUIET)
    bad = b.draws[~b.draws["converged"]]
    assert 0 < len(bad) < 10 and b.converged_share == pytest.approx(1 - len(bad) / 10)
    assert bad["error"].str.contains("EstimationError").all()
    assert b.tidy().loc["x", "n_boot"] == 10 - len(bad)
    assert "not converged" in b.summary()


def test_estimate_cli_bootstrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_panel import make_toy_store

    store = make_toy_store(tmp_path / "toy.duckdb")
    monkeypatch.setenv("LABOURLINK_RUNS_DIR", str(tmp_path / "runs"))
    runner = CliRunner()
    args = ["estimate", "--formula", "trade ~ log_dist + log_mig", "--data", "wto",
            "--store", str(store), "--bootstrap", "6", "--seed", "2", "--format", "json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)[0]
    boot = rec["bootstrap"]
    assert set(rec) >= {"model", "coef", "se", "nobs", "n_separated", "converged", "bootstrap"}
    assert boot["replicates"] == 6 and boot["seed"] == 2 and boot["cluster"] == "pair"
    assert set(boot["se"]) == set(rec["se"]) and boot["converged"] == 6
    assert Path(boot["results_file"]).is_file()
    # the same command again reads the replicates back: the same numbers
    again = json.loads(runner.invoke(app, args).stdout)[0]["bootstrap"]
    assert again == boot
    text = runner.invoke(app, args[:-2])
    assert text.exit_code == 0 and "SE bootstrap" in text.stdout and "95% CI (bootstrap)" in \
        text.stdout
    # the analytic table above it says which migrant-stock revision the panel used (the toy
    # store's newest is 2020)
    assert "migrant stocks: UN DESA revision 2020)" in text.stdout
    bad = runner.invoke(app, ["estimate", "--formula", "trade ~ log_dist", "--store", str(store),
                              "--workers", "2"])
    assert bad.exit_code != 0 and "--bootstrap N as well" in str(bad.exception)
