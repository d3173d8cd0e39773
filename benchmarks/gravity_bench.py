"""Benchmark of the PPML-HDFE engine against pyfixest ``fepois`` (run by ``make bench``).

Model: ``trade ~ lmig + rta | exp^year + imp^year + pair`` with pair-clustered SEs on
synthetic gravity panels (150 countries x 20 years ~ 447k rows; 200 x 40 ~ 1.6M; 500 x 40
~ 10M) and on the WTO bilateral imports panel from the store when it exists.

Each (engine, panel) runs in its own subprocess: build the panel, fit once on a small panel
(compilation / caches), then time 3 fits on the panel and report the median; the peak resident
memory of the subprocess (``resource.getrusage``) is reported next to the memory taken by the
data alone. Usage::

    python benchmarks/gravity_bench.py            # all sizes
    python benchmarks/gravity_bench.py --quick    # 447k rows only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

FML = "trade ~ lmig + rta | exp^year + imp^year + pair"
VCOV = {"CRV1": "pair"}
SIZES = {"447k": (150, 20), "1.6M": (200, 40), "10M": (500, 40)}
PYFIXEST_SKIP = {"10M"}  # pyfixest needs well over the 3 GB budget there; run with --all-pyfixest


def synthetic_panel(n_countries: int, n_years: int, seed: int = 0) -> pd.DataFrame:
    """Gravity panel exporter x importer x year (no domestic flows), about 40% zeros.

    Integer-coded columns: exp, imp, year, pair (int32); lmig, rta (float64); trade (float64).
    """
    rng = np.random.default_rng(seed)
    c = np.arange(n_countries, dtype=np.int32)
    e, i = np.meshgrid(c, c, indexing="ij")
    off = e != i
    e, i = e[off], i[off]
    n_pairs = e.size
    pair = np.arange(n_pairs, dtype=np.int32)
    years = np.arange(2000, 2000 + n_years, dtype=np.int32)
    exp = np.repeat(e, n_years)
    imp = np.repeat(i, n_years)
    pr = np.repeat(pair, n_years)
    yr = np.tile(years, n_pairs)
    size = rng.normal(0, 1.5, n_countries)
    trend_e = rng.normal(0.02, 0.02, n_countries)
    p_eff = rng.normal(0, 1, n_pairs)
    lmig = (0.5 * p_eff[pr] + rng.normal(0, 1, pr.size)).astype(np.float64)
    rta_start = rng.integers(2000, 2000 + 2 * n_years, n_pairs)
    rta = (yr >= rta_start[pr]).astype(np.float64)
    eta = (size[exp] + size[imp] + trend_e[exp] * (yr - 2000) + p_eff[pr] - 1.0
           + 0.3 * lmig + 0.4 * rta)
    trade = rng.poisson(np.exp(eta)).astype(np.float64)
    return pd.DataFrame({"exp": exp, "imp": imp, "year": yr, "pair": pr,
                         "lmig": lmig, "rta": rta, "trade": trade})


def wto_panel() -> pd.DataFrame | None:
    """WTO 1996-2020 bilateral imports (all products) from the store, or None if absent.

    The store has no migration or RTA column for this panel, so ``lmig`` and ``rta`` are
    seeded random regressors: the timing is driven by the fixed-effect structure.
    """
    from labourlink.config import store_path

    path = store_path()
    if not path.is_file():
        return None
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        df = con.execute(
            "SELECT exporter, importer, year, SUM(value) AS trade FROM trade "
            "WHERE source = 'wto_hs_m_0010' AND product = '_T' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).df()
        if df.empty:
            df = con.execute(
                "SELECT exporter, importer, year, SUM(value) AS trade FROM trade "
                "WHERE source = 'wto_hs_m_0010' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            ).df()
    finally:
        con.close()
    if df.empty:
        return None
    # ORDER BY above: the seeded regressors below are assigned by row position, so the row
    # order must not depend on DuckDB's parallel aggregation
    df = df.rename(columns={"exporter": "exp", "importer": "imp"})
    df["pair"] = pd.factorize(pd.MultiIndex.from_frame(df[["exp", "imp"]]))[0]
    rng = np.random.default_rng(0)
    df["lmig"] = rng.normal(0, 1, len(df))
    df["rta"] = (rng.uniform(size=len(df)) < 0.3).astype(float)
    return df


SEPARATION = {"full": ("fe", "simplex", "relu"), "fe": ("fe",)}


def _fit(engine: str, df: pd.DataFrame, separation: str = "full") -> tuple[float, int, bool]:
    if engine == "labourlink":
        from labourlink.gravity import ppml

        r = ppml(df, FML, vcov=VCOV, separation=SEPARATION[separation])
        return float(r.coef()["lmig"]), r.nobs, r.converged
    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.fepois(FML, df, vcov=VCOV)
    return float(m.coef()["lmig"]), int(m._N), True


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(engine: str, case: str, repeats: int, separation: str = "full") -> dict:
    """Run in a subprocess: warm up, time ``repeats`` fits, report median and peak RSS.

    ``case="warmup"`` only compiles: it fits a small panel and one above labourlink's parallel
    threshold (100k rows), so that the numba caches hold every kernel before the measured
    processes start (compiling takes several hundred MB, which would otherwise count in the
    peak memory of the first measured case).
    """
    _fit(engine, synthetic_panel(20, 3, seed=1), separation)  # compile / warm caches
    if case == "warmup":
        _fit(engine, synthetic_panel(60, 30, seed=1), separation)
        return {"engine": engine, "case": case, "peak_rss_mb": _rss_mb()}
    df = synthetic_panel(*SIZES[case]) if case in SIZES else wto_panel()
    assert df is not None
    rss_data = _rss_mb()
    times = []
    coef = nobs = conv = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        coef, nobs, conv = _fit(engine, df, separation)
        times.append(time.perf_counter() - t0)
    return {"engine": engine, "case": case, "separation": separation, "rows": len(df), "nobs": nobs, "coef_lmig": coef,
            "converged": conv, "times_s": times, "median_s": statistics.median(times),
            "peak_rss_mb": _rss_mb(), "rss_after_data_mb": rss_data}


def run_case(engine: str, case: str, repeats: int, separation: str = "full") -> dict:
    """Run :func:`worker` in a fresh Python process and parse its JSON line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, case,
           "--repeats", str(repeats), "--separation", separation]
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1] / "src"))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return {"engine": engine, "case": case, "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per (panel, engine) plus the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="447k-row panel only")
    ap.add_argument("--repeats", type=int, default=3, help="timed fits per case (default 3)")
    ap.add_argument("--all-pyfixest", action="store_true",
                    help="also run pyfixest on the 10M panel (needs >3 GB)")
    ap.add_argument("--separation", choices=sorted(SEPARATION), default="full",
                    help="labourlink separation checks: full (fe, simplex, relu; default) or fe "
                         "(like pyfixest)")
    ap.add_argument("--sizes", nargs="+", choices=list(SIZES), help="panels to run (default all)")
    ap.add_argument("--engines", nargs="+", choices=["labourlink", "pyfixest"],
                    default=["labourlink", "pyfixest"], help="engines to run (default both)")
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "CASE"), help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="write all results to this JSON file")
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.repeats, args.separation)))
        return 0
    cases = ["447k"] if args.quick else list(args.sizes or SIZES)
    if not args.quick and not args.sizes:
        if wto_panel() is None:
            print("WTO panel: skipped (no store at labourlink.config.store_path() or no rows "
                  "with source='wto_hs_m_0010'; run `labourlink data build`)")
        else:
            cases.append("wto")
    print(f"PPML-HDFE benchmark: {FML}, vcov={VCOV}, median of {args.repeats} warm runs; "
          f"labourlink separation={SEPARATION[args.separation]}; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    for engine in args.engines:  # fill the compilation caches outside the measured processes
        run_case(engine, "warmup", 1, args.separation)
    results = []
    for case in cases:
        row = {}
        for engine in args.engines:
            if engine == "pyfixest" and case in PYFIXEST_SKIP and not args.all_pyfixest:
                print(f"  {case:>5} pyfixest   skipped (use --all-pyfixest)")
                continue
            r = run_case(engine, case, args.repeats, args.separation)
            results.append(r)
            row[engine] = r
            if "error" in r:
                print(f"  {case:>5} {engine:<10} FAILED: {r['error']}")
                continue
            print(f"  {case:>5} {engine:<10} rows {r['rows']:>10,}  nobs {r['nobs']:>10,}  "
                  f"median {r['median_s']:7.2f} s  peak RSS {r['peak_rss_mb']:7.0f} MB "
                  f"(data alone {r['rss_after_data_mb']:.0f} MB)  lmig {r['coef_lmig']:.6f}")
        a, b = row.get("labourlink"), row.get("pyfixest")
        if a and b and "error" not in a and "error" not in b:
            print(f"  {case:>5} ratio      pyfixest/labourlink time {b['median_s'] / a['median_s']:.2f}x, "
                  f"labourlink/pyfixest peak memory {a['peak_rss_mb'] / b['peak_rss_mb']:.2f}, "
                  f"|coef diff| {abs(a['coef_lmig'] - b['coef_lmig']):.2e}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
