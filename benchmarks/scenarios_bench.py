"""Benchmark of the GE solver and the scenario Monte Carlo against gegravity 0.3 (``make bench``).

1. One full GE solve (exact full-endowment equilibrium, sigma = 7) on the largest trade panel of
   the store (``LABOURLINK_STORE``) when it exists, otherwise on a synthetic 200-country world.
   Aim: under 0.5 s for 200 countries.
2. A 1,000-draw Monte Carlo of a labour-mobility scenario (the shipped GCC example on the store, or
   a synthetic one) through :func:`labourlink.scenarios.mobility.run_scenario`. Aim: under 60 s.
3. gegravity on the same problem in the same run. gegravity's ``OneSectorGE`` builds its inputs
   with row-by-row pandas loops (minutes beyond ~50 countries), so it runs on the first
   ``--gg-countries`` countries (default 25) of the same world, and ours is timed on that subset
   too; the ratio printed is gegravity time / our time on identical inputs. Its ``MonteCarloGE``
   runs ``--gg-trials`` trials (default 3) and the per-draw ratio is printed.

Usage::

    python benchmarks/scenarios_bench.py [--gg-countries 25] [--gg-trials 3] [--draws 1000]
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from labourlink import config
from labourlink.scenarios.ge import GEConfig, GEProblem, solve
from labourlink.scenarios.inputs import ScenarioData
from labourlink.scenarios.mobility import run_scenario
from labourlink.scenarios.spec import Scenario, load_spec, parse_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "labourlink" / "scenarios" / "examples"


def synthetic_world(n: int, seed: int = 0) -> ScenarioData:
    """A synthetic ``n``-country world with real ISO3 codes (structural gravity flows, US$)."""
    from labourlink.countries import country_table

    codes = sorted(country_table()["iso3"].astype(str).unique())
    for must in ("USA", "KOR", "NPL", "BGD", "VNM"):
        if must in codes:
            codes.remove(must)
    codes = ["USA", "KOR", "NPL", "BGD", "VNM", *codes][:n]
    rng = np.random.default_rng(seed)
    size = rng.lognormal(24, 1.5, n)
    xy = rng.uniform(0, 10, (n, 2))
    dist = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + 0.5
    t = dist ** -0.8 * np.where(np.eye(n, dtype=bool), 1.0, np.exp(-2.5))
    x = size[:, None] * size[None, :] * t / size.sum() * rng.lognormal(0, 0.3, (n, n))
    gdp = dict(zip(codes, x.sum(1), strict=True))
    pc = dict(zip(codes, rng.uniform(2000, 60000, n), strict=True))
    stock = {(s, "KOR"): 50_000.0 for s in ("NPL", "BGD", "VNM")}
    rem = {(s, "KOR"): 2.0e8 for s in ("NPL", "BGD", "VNM")}
    return ScenarioData(tuple(codes), x, 2019, "synthetic", gdp, pc, {"KOR": 2.7e7}, stock, rem,
                        {"KOR": 1.7e6}, 2020, ("synthetic world",))


def _store_world() -> tuple[ScenarioData, Scenario] | None:
    path = config.store_path()
    if not path.is_file():
        return None
    from labourlink.scenarios.inputs import load_inputs
    from labourlink.store.db import connect

    spec = load_spec(EXAMPLES / "gcc_south_asia_bla.yaml")
    con = connect(path)
    try:
        return load_inputs(con, spec), spec
    finally:
        con.close()


def _problem(data: ScenarioData, spec: Scenario, keep: int | None = None) -> GEProblem:
    """The GE problem of the scenario's point estimate (pair-calibrated baseline)."""
    idx = np.arange(len(data.countries)) if keep is None else np.arange(keep)
    x = data.trade[np.ix_(idx, idx)]
    countries = tuple(data.countries[k] for k in idx)
    with np.errstate(divide="ignore"):
        ln_t = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf)
    d = np.zeros_like(x)
    pos = {c: k for k, c in enumerate(countries)}
    for s in spec.senders:
        for r in spec.receivers:
            if s in pos and r in pos:
                d[pos[s], pos[r]] = d[pos[r], pos[s]] = 0.05
    d[~np.isfinite(ln_t)] = 0.0
    return GEProblem(countries, x, ln_t, d)


def _time(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return float(best)


def _gegravity_inputs(prob: GEProblem) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(prob.countries)
    ex = np.repeat(np.array(prob.countries), n)
    im = np.tile(np.array(prob.countries), n)
    x = prob.trade
    lt = np.where(np.isfinite(prob.ln_t), prob.ln_t, -50.0)
    df = pd.DataFrame({"exporter": ex, "importer": im, "year": "2019", "trade": x.ravel(),
                       "ln_t": lt.ravel(), "shock": prob.delta_ln_t.ravel()})
    df["Y"] = df.groupby("exporter")["trade"].transform("sum")
    df["E"] = df.groupby("importer")["trade"].transform("sum")
    base = df.assign(shock=0.0)
    return base, df


def _run_gegravity(prob: GEProblem, ref: str) -> tuple[float, float]:
    import gegravity as gg

    base, exp = _gegravity_inputs(prob)
    t0 = time.perf_counter()
    bl = gg.BaselineData(base.copy(), trade_var_name="trade", expend_var_name="E",
                         output_var_name="Y")
    cc = gg.CostCoeffs(pd.DataFrame({"var": ["ln_t", "shock"], "coeff": [1.0, 1.0]}),
                       identifier_col="var", coeff_col="coeff")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rescale in (1, 10, 100, 1000, 0.1, 0.01, 1e4, 1e-3):
            m = gg.OneSectorGE(bl, year="2019", reference_importer=ref, sigma=7,
                               cost_variables=["ln_t", "shock"], cost_coeff_values=cc, quiet=True)
            try:
                m.build_baseline(omr_rescale=rescale)
                break
            except ValueError:
                continue
        m.define_experiment(exp.copy())
        m.simulate()
    return time.perf_counter() - t0, rescale


def _run_gegravity_mc(prob: GEProblem, ref: str, trials: int, rescale: float) -> float:
    import gegravity as gg

    base, exp = _gegravity_inputs(prob)
    t0 = time.perf_counter()
    bl = gg.BaselineData(base.copy(), trade_var_name="trade", expend_var_name="E",
                         output_var_name="Y")
    names = ["ln_t", "shock"]
    cov = pd.DataFrame(np.diag([1e-18, 0.09]), index=names, columns=names)
    cc = gg.CostCoeffs(pd.DataFrame({"var": names, "coeff": [1.0, 1.0], "ste": [1e-9, 0.3]}),
                       identifier_col="var", coeff_col="coeff", stderr_col="ste",
                       covar_matrix=cov)  # without it gegravity draws with an identity covariance
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mc = gg.MonteCarloGE(bl, year="2019", trials=trials, sigma=7, reference_importer=ref,
                             cost_variables=["ln_t", "shock"], cost_coeff_values=cc,
                             seed=0, allow_singular_covar=True)  # subset mc_variables: KeyError
        mc.run_trials(exp.copy(), omr_rescale=rescale, quiet=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print timings and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gg-countries", type=int, default=25)
    ap.add_argument("--gg-trials", type=int, default=3)
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args(argv)
    print(f"scenarios benchmark on {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}")
    found = _store_world()
    if found is None:
        data = synthetic_world(200)
        spec = parse_spec({"name": "bench", "senders": ["NPL", "BGD", "VNM"], "receivers": ["KOR"],
                           "instrument": "mou", "workers_per_year": 20_000,
                           "years_in_force": 5, "return_rate": 0.2,
                           "ge": {"reference": "USA"}})
        where = "synthetic world (no store at LABOURLINK_STORE)"
    else:
        data, spec = found
        where = f"store {config.store_path()} ({data.trade_source} {data.year})"
    n = len(data.countries)
    print(f"world: {n} countries, {where}")
    prob = _problem(data, spec)
    ref = "USA" if "USA" in prob.countries else prob.countries[0]
    cfg = GEConfig(reference=ref, tol=1e-10)
    t_full = _time(lambda: solve(prob, None, cfg))
    print(f"GE solve, {n} countries: {t_full:.3f} s (aim < 0.5 s for 200)")
    t0 = time.perf_counter()
    run_scenario(spec, data, draws=args.draws, seed=0)
    t_mc = time.perf_counter() - t0
    print(f"Monte Carlo, {args.draws} draws, {n} countries: {t_mc:.1f} s (aim < 60 s)")
    # gegravity on a subset of the same world
    m = min(args.gg_countries, n)
    sub = _problem(data, spec, keep=m)
    ref_sub = "USA" if "USA" in sub.countries else sub.countries[0]
    if not sub.delta_ln_t.any():
        sub.delta_ln_t[0, 1] = sub.delta_ln_t[1, 0] = 0.05
    ours = _time(lambda: solve(sub, None, GEConfig(reference=ref_sub, tol=1e-10)))
    try:
        theirs, rescale = _run_gegravity(sub, ref_sub)
        print(f"GE solve, {m} countries: labourlink {ours:.4f} s, gegravity {theirs:.2f} s, "
              f"ratio gegravity/labourlink {theirs / ours:,.0f}x")
        if args.gg_trials > 0:
            t_g = _run_gegravity_mc(sub, ref_sub, args.gg_trials, rescale) / args.gg_trials
            rng = np.random.default_rng(0)
            t0 = time.perf_counter()
            for _ in range(args.gg_trials):
                p2 = GEProblem(sub.countries, sub.trade, sub.ln_t,
                               sub.delta_ln_t * rng.normal(1.0, 0.3))
                solve(p2, None, GEConfig(reference=ref_sub, tol=1e-10))
            t_o = (time.perf_counter() - t0) / args.gg_trials
            print(f"Monte Carlo per draw, {m} countries: labourlink {t_o:.4f} s, gegravity "
                  f"{t_g:.2f} s, ratio {t_g / t_o:,.0f}x")
    except ImportError:
        print("gegravity not installed: no comparison (pip install gegravity==0.3)")


if __name__ == "__main__":
    main()
