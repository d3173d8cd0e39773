"""Benchmark of the PPML-HDFE engine against R fixest and pyfixest (``make bench``, ``make bench-peers``).

Model ``trade ~ lmig + rta | et + it + pair`` (exporter-year, importer-year and pair fixed effects,
integer columns) with standard errors clustered by pair, on synthetic gravity panels
(150 countries x 20 years = 447k rows, 250 x 25 = 1.56M, 500 x 40 = 9.98M) and on the WTO
1996-2020 bilateral imports panel of the store when it exists.

How it measures: for each panel, every repetition runs each engine once, in its own fresh
process, in an order that rotates from one repetition to the next (noise from other work on the
machine hits all engines alike). A process loads the panel (R: ``data.table::fread`` of a CSV;
Python: ``.npy`` files of the same columns), resets its peak-memory counter (``/proc/self/clear_refs``,
so that the transient memory of reading a file is not counted), fits once (warm-up: numba caches,
R's lazy loading), then times ``--fits`` fits (clustered standard errors included). It reports
those times and its peak resident memory during the fits (``VmHWM``: interpreter, data and fits).
The table gives, per engine and panel, the median and range over repetitions (each repetition
contributes its fastest timed fit), the ratio ``fixest nthreads=2 median / engine median`` and
the median peak RSS. The load average (``/proc/loadavg``) is read before every run and printed.

Engines: ``labourlink`` (its defaults: tol 1e-8, all separation checks, all cores); ``fixest``
(fixest's default thread count) and ``fixest-nt2`` (``nthreads = 2``), both ``fepois`` with
``fixef.rm = "both"`` (so that it drops the same singleton rows as labourlink) and its default
tolerances; ``pyfixest`` (``fepois``, defaults).

Agreement: coefficients of every engine against labourlink (relative difference; the check is
1e-8) and the number of observations.

Usage::

    python benchmarks/gravity_bench.py                 # labourlink and pyfixest, all panels
    python benchmarks/gravity_bench.py --peers         # + R fixest (installs it when missing)
    python benchmarks/gravity_bench.py --peers --engines labourlink fixest-nt2 --sizes 440k
    python benchmarks/gravity_bench.py --first-fit     # first fit in a fresh process (440k)
    python benchmarks/gravity_bench.py --peers --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FML = "trade ~ lmig + rta | et + it + pair"
VCOV = {"CRV1": "pair"}
SIZES = {"440k": (150, 20), "1.53M": (250, 25), "10M": (500, 40)}
PYFIXEST_SKIP = {"10M"}  # pyfixest needs well over 3 GB there; run with --all-pyfixest
ENGINES = ("labourlink", "fixest", "fixest-nt2", "pyfixest")
REFERENCE = "fixest-nt2"
PEERS_DIR = ROOT.parent / "shared" / "peers"
R_PACKAGES = ("stringmagic_1.2.0", "dreamerr_1.5.0", "fixest_0.12.2")  # dependency order
R_DEBIAN = ("r-base-core", "r-base-dev", "r-cran-rcpp", "r-cran-data.table", "r-cran-sandwich",
            "r-cran-numderiv", "r-cran-formula", "r-cran-nlme", "r-cran-matrix")
COEF_RTOL = 1e-8


# --- data ---------------------------------------------------------------------------------------

def synthetic_panel(n_countries: int, n_years: int, seed: int = 0) -> pd.DataFrame:
    """Gravity panel exporter x importer x year (no domestic flows), about 45-50% zeros.

    Columns: exp, imp, year, pair, et (exporter-year), it (importer-year) (int32); lmig, rta,
    trade (float64).
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
    et = (exp * n_years + (yr - 2000)).astype(np.int32)
    it = (imp * n_years + (yr - 2000)).astype(np.int32)
    return pd.DataFrame({"exp": exp, "imp": imp, "year": yr, "pair": pr, "et": et, "it": it,
                         "lmig": lmig, "rta": rta, "trade": trade})


def wto_panel() -> pd.DataFrame | None:
    """WTO 1996-2020 bilateral imports (all products) from the store, or None if absent.

    The store has no migration or RTA column for this panel, so ``lmig`` and ``rta`` are
    seeded random regressors: the timing is driven by the fixed-effect structure. ``et``,
    ``it`` and ``pair`` are integer codes of exporter-year, importer-year and pair.
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
    df["pair"] = pd.factorize(pd.MultiIndex.from_frame(df[["exp", "imp"]]))[0].astype(np.int32)
    df["et"] = pd.factorize(pd.MultiIndex.from_frame(df[["exp", "year"]]))[0].astype(np.int32)
    df["it"] = pd.factorize(pd.MultiIndex.from_frame(df[["imp", "year"]]))[0].astype(np.int32)
    rng = np.random.default_rng(0)
    df["lmig"] = rng.normal(0, 1, len(df))
    df["rta"] = (rng.uniform(size=len(df)) < 0.3).astype(float)
    return df


COLUMNS = ["trade", "lmig", "rta", "et", "it", "pair"]


def prepare(case: str, data_dir: Path) -> tuple[Path, Path, int] | None:
    """Write the panel ``case`` once as CSV (for R) and as one ``.npy`` file per column (for
    Python: read without a parser's buffers); returns (csv, npy folder, rows).

    None when the WTO panel is asked for and the store has none.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    csv, npy = data_dir / f"{case}.csv", data_dir / f"{case}.npy"
    meta = data_dir / f"{case}.json"
    if not (csv.is_file() and npy.is_dir() and meta.is_file()):
        df = synthetic_panel(*SIZES[case]) if case in SIZES else wto_panel()
        if df is None:
            return None
        df = df[COLUMNS]
        tmp_npy, tmp_csv = npy.with_name(npy.name + ".tmp"), csv.with_name(csv.name + ".tmp")
        shutil.rmtree(tmp_npy, ignore_errors=True)
        tmp_npy.mkdir()
        for col in COLUMNS:
            np.save(tmp_npy / f"{col}.npy", df[col].to_numpy())
        import pyarrow as pa
        import pyarrow.csv as pacsv

        pacsv.write_csv(pa.Table.from_pandas(df, preserve_index=False), tmp_csv)
        shutil.rmtree(npy, ignore_errors=True)
        tmp_npy.replace(npy)
        tmp_csv.replace(csv)
        meta.write_text(json.dumps({"rows": len(df)}))
    return csv, npy, int(json.loads(meta.read_text())["rows"])


def load_npy(folder: Path) -> pd.DataFrame:
    """The panel written by :func:`prepare` (no copy of the columns)."""
    return pd.DataFrame({c: np.load(folder / f"{c}.npy") for c in COLUMNS}, copy=False)


# --- workers (each in its own process) ----------------------------------------------------------

def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM <- VmRSS (Linux)
    except OSError:
        pass


def py_worker(engine: str, folder: Path, fits: int) -> dict:
    """Load the panel, reset the peak counter, warm up, time ``fits`` fits (labourlink/pyfixest)."""
    import gc

    if engine == "labourlink":
        from labourlink.gravity import ppml

        def fit() -> tuple[dict, dict, int]:
            r = ppml(df, FML, vcov=VCOV)
            return r.coef().to_dict(), r.se().to_dict(), r.nobs
    else:
        import pyfixest as pf

        def fit() -> tuple[dict, dict, int]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = pf.fepois(FML, df, vcov=VCOV)
            return m.coef().to_dict(), m.se().to_dict(), int(m._N)
    df = load_npy(folder)
    gc.collect()
    rss_data = _status_mb("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    fit()
    first = time.perf_counter() - t0
    times, cpu = [], []
    for _ in range(fits):
        t0, c0 = time.perf_counter(), time.process_time()
        coef, se, nobs = fit()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"engine": engine, "times_s": times, "cpu_s": cpu, "warmup_s": first, "coef": coef,
            "se": se, "nobs": nobs, "peak_rss_mb": _status_mb("VmHWM"),
            "rss_after_data_mb": rss_data}


def r_worker(engine: str, csv: Path, fits: int) -> dict:
    """Run ``gravity_fixest.R`` (fixest) and parse its result line."""
    nt = "2" if engine == "fixest-nt2" else "default"
    out = subprocess.run(["Rscript", str(HERE / "gravity_fixest.R"), str(csv), nt, str(fits)],
                         capture_output=True, text=True)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        raise RuntimeError((out.stderr or out.stdout).strip().splitlines()[-3:])
    r = json.loads(lines[-1][len("RESULT "):])
    r["engine"] = engine
    return r


def run_one(engine: str, case: str, files: tuple[Path, Path, int], fits: int) -> dict:
    """One measured process; returns its result (or ``error``) with the load average before it."""
    load = os.getloadavg()
    csv, npy, rows = files
    try:
        if engine.startswith("fixest"):
            r = r_worker(engine, csv, fits)
        else:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, str(npy),
                   "--fits", str(fits)]
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                [str(ROOT / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
            out = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if out.returncode != 0:
                raise RuntimeError(out.stderr.strip().splitlines()[-3:])
            r = json.loads(out.stdout.strip().splitlines()[-1])
    except (RuntimeError, json.JSONDecodeError, OSError) as exc:
        r = {"engine": engine, "error": str(exc)}
    r.update(case=case, rows=rows, load_before=[round(x, 2) for x in load])
    return r


def first_fit(repeats: int = 3) -> dict:
    """First fit in a fresh process (440k panel): import time, first and second fit.

    No warm-up: measures what a new user pays after ``make install`` (numba kernels come from
    the cache that the install step filled; nothing should be compiled here).
    """
    code = (
        "import time, sys, json\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "from gravity_bench import synthetic_panel, FML, VCOV\n"
        "df = synthetic_panel(150, 20)\n"
        "t0 = time.perf_counter()\n"
        "from labourlink.gravity import ppml\n"
        "import labourlink.gravity.model\n"
        "t1 = time.perf_counter()\n"
        "ppml(df, FML, vcov=VCOV).se()\n"
        "t2 = time.perf_counter()\n"
        "ppml(df, FML, vcov=VCOV).se()\n"
        "t3 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'first_fit_s': t2 - t1, 'second_fit_s': t3 - t2}))\n"
    )
    runs = []
    for _ in range(repeats):
        load = os.getloadavg()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if out.returncode != 0:
            return {"error": out.stderr.strip().splitlines()[-3:]}
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["load_before"] = [round(x, 2) for x in load]
        runs.append(r)
    return {"runs": runs,
            "first_fit_median_s": statistics.median(r["first_fit_s"] for r in runs),
            "import_median_s": statistics.median(r["import_s"] for r in runs)}


# --- R and fixest ---------------------------------------------------------------------------------

def ensure_fixest(install: bool = True) -> str | None:
    """None when ``Rscript`` and fixest are usable; otherwise why not (after trying to install).

    Installs R's Debian packages with apt when ``Rscript`` is missing and this runs as root, then
    stringmagic, dreamerr and fixest from ``../shared/peers`` with ``R CMD INSTALL``.
    """
    def fixest_ok() -> bool:
        if shutil.which("Rscript") is None:
            return False
        out = subprocess.run(["Rscript", "-e", "library(fixest); library(data.table)"],
                             capture_output=True, text=True)
        return out.returncode == 0

    if fixest_ok():
        return None
    if not install:
        return "R or fixest missing (run with --peers to install)"
    if shutil.which("Rscript") is None:
        if os.geteuid() != 0:
            return ("Rscript not found and not root: install R as in ../shared/peers/README.md "
                    "(apt-get install " + " ".join(R_DEBIAN) + ")")
        print("installing R (Debian packages) ...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *R_DEBIAN]):
            if subprocess.run(cmd, env=env).returncode != 0:
                return f"apt failed: {' '.join(cmd)}"
    if not PEERS_DIR.is_dir():
        return f"{PEERS_DIR} not found (fixest source packages)"
    env = dict(os.environ)
    if os.geteuid() != 0:  # a user library
        lib = Path(os.environ.get("R_LIBS_USER") or Path.home() / "R" / "library")
        lib.mkdir(parents=True, exist_ok=True)
        env["R_LIBS_USER"] = str(lib)
        os.environ["R_LIBS_USER"] = str(lib)
    for pkg in R_PACKAGES:
        name = pkg.split("_")[0]
        have = subprocess.run(["Rscript", "-e", f"library({name})"], capture_output=True, env=env)
        if have.returncode == 0:
            continue
        print(f"installing {pkg} from {PEERS_DIR} ...", flush=True)
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["tar", "xzf", str(PEERS_DIR / f"{pkg}.tar.gz"), "-C", d], check=True)
            (src,) = [p for p in Path(d).iterdir() if p.is_dir()]
            if subprocess.run(["R", "CMD", "INSTALL", str(src)], env=env).returncode != 0:
                return f"R CMD INSTALL {pkg} failed"
    return None if fixest_ok() else "fixest still does not load after installing"


# --- report ---------------------------------------------------------------------------------------

def summarise(results: list[dict], engines: list[str], cases: list[str]) -> list[dict]:
    """One row per (panel, engine): median and range of the per-process best fit, RSS, ratio."""
    rows = []
    for case in cases:
        per = {}
        for eng in engines:
            rs = [r for r in results if r["case"] == case and r["engine"] == eng
                  and "error" not in r]
            if not rs:
                continue
            best = [min(r["times_s"]) for r in rs]
            per[eng] = {
                "case": case, "engine": eng, "rows": rs[0]["rows"], "runs": len(rs),
                "median_s": statistics.median(best), "min_s": min(best), "max_s": max(best),
                "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs),
                "rss_after_data_mb": statistics.median(r["rss_after_data_mb"] for r in rs),
                "nobs": rs[-1]["nobs"], "coef": rs[-1]["coef"],
                "load_min": min(r["load_before"][0] for r in rs),
                "load_max": max(r["load_before"][0] for r in rs),
            }
        ref = per.get(REFERENCE)
        base = per.get("labourlink")
        for eng, row in per.items():
            row["ratio_vs_fixest_nt2"] = (ref["median_s"] / row["median_s"]) if ref else None
            row["rss_vs_fixest_nt2"] = (row["peak_rss_mb"] / ref["peak_rss_mb"]) if ref else None
            if base and eng != "labourlink":
                diffs = [abs(row["coef"][k] - base["coef"][k])
                         / max(abs(row["coef"][k]), abs(base["coef"][k]), 1e-300)
                         for k in base["coef"] if k in row["coef"]]
                row["coef_rel_diff_vs_labourlink"] = max(diffs) if diffs else None
                row["nobs_equal_labourlink"] = row["nobs"] == base["nobs"]
            rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    """The summary table (one line per panel and engine)."""
    head = (f"{'panel':>6} {'rows':>10} {'engine':<11} {'median s':>9} {'range s':>15} "
            f"{'x fixest-nt2':>12} {'peak RSS MiB':>12} {'RSS/fixest-nt2':>14} {'nobs':>10} "
            f"{'coef vs ours':>12} {'load':>9}")
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = f"{r['ratio_vs_fixest_nt2']:.2f}x" if r["ratio_vs_fixest_nt2"] else "-"
        mem = f"{r['rss_vs_fixest_nt2']:.2f}" if r["rss_vs_fixest_nt2"] else "-"
        diff = r.get("coef_rel_diff_vs_labourlink")
        diff_s = "-" if diff is None else f"{diff:.1e}" + ("" if diff <= COEF_RTOL else "!")
        nobs = f"{r['nobs']:,}" + ("" if r.get("nobs_equal_labourlink", True) else "!")
        print(f"{r['case']:>6} {r['rows']:>10,} {r['engine']:<11} {r['median_s']:>9.3f} "
              f"{r['min_s']:>7.3f}-{r['max_s']:<7.3f} {ratio:>12} {r['peak_rss_mb']:>12.0f} "
              f"{mem:>14} {nobs:>10} {diff_s:>12} {r['load_min']:>4.1f}-{r['load_max']:<4.1f}")
    print(f"median/range over processes (each: its fastest timed fit); 'x fixest-nt2' = fixest "
          f"nthreads=2 median / this median; coef vs ours: largest relative difference of the "
          f"coefficients ('!' above {COEF_RTOL:g}); nobs '!' differs from labourlink; load: "
          f"1-min load average before the runs.")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--peers", action="store_true",
                    help="add R fixest (default threads and nthreads=2); installs R (apt, as root) "
                         "and fixest from ../shared/peers when missing")
    ap.add_argument("--engines", nargs="+", choices=ENGINES,
                    help="engines to run (default: labourlink pyfixest; with --peers: labourlink "
                         "fixest fixest-nt2)")
    ap.add_argument("--sizes", nargs="+", choices=[*SIZES, "wto"],
                    help="panels (default: 440k 1.53M 10M and wto when the store has it)")
    ap.add_argument("--quick", action="store_true", help="440k panel only, 3 repetitions")
    ap.add_argument("--repeats", type=int, default=5,
                    help="processes per engine and panel (default 5; 3 on the 10M panel)")
    ap.add_argument("--fits", type=int, default=1,
                    help="timed fits per process after the warm-up fit (default 1)")
    ap.add_argument("--all-pyfixest", action="store_true", help="also run pyfixest on 10M rows")
    ap.add_argument("--first-fit", action="store_true",
                    help="only measure the first fit in fresh processes (440k panel)")
    ap.add_argument("--data-dir", type=Path,
                    default=Path(tempfile.gettempdir()) / "labourlink-bench-data",
                    help="where the panels are written once as CSV and .npy columns "
                         "(default: $TMPDIR/labourlink-bench-data)")
    ap.add_argument("--json", type=Path, help="write the runs and the table to this JSON file")
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "NPY_FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(py_worker(args.worker[0], Path(args.worker[1]), args.fits)))
        return 0
    print(f"PPML-HDFE benchmark: {FML}, vcov={VCOV}; {os.cpu_count()} cores; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    if args.first_fit:
        r = first_fit()
        if "error" in r:
            print("first fit FAILED:", r["error"])
            return 1
        for run in r["runs"]:
            print(f"  first fit {run['first_fit_s']:.2f} s (import {run['import_s']:.2f} s, "
                  f"second fit {run['second_fit_s']:.2f} s; load {run['load_before'][0]:.2f})")
        print(f"first fit on the 440k panel in a fresh process: median "
              f"{r['first_fit_median_s']:.2f} s (target < 3 s)")
        if args.json:
            args.json.write_text(json.dumps({"first_fit": r}, indent=2))
        return 0
    engines = list(args.engines or (["labourlink", "fixest", "fixest-nt2"] if args.peers
                                    else ["labourlink", "pyfixest"]))
    if any(e.startswith("fixest") for e in engines):
        why = ensure_fixest(install=args.peers)
        if why:
            print(f"fixest: skipped ({why})")
            engines = [e for e in engines if not e.startswith("fixest")]
    cases = ["440k"] if args.quick else list(args.sizes or [*SIZES, "wto"])
    repeats = 3 if args.quick else args.repeats
    results: list[dict] = []
    for case in cases:
        files = prepare(case, args.data_dir)
        if files is None:
            print(f"{case}: skipped (no store at labourlink.config.store_path() or no rows with "
                  "source='wto_hs_m_0010'; run `labourlink data build`)")
            continue
        todo = [e for e in engines if not (e == "pyfixest" and case in PYFIXEST_SKIP
                                           and not args.all_pyfixest)]
        n_rep = min(repeats, 3) if case == "10M" and args.repeats == 5 else repeats
        print(f"{case}: {files[2]:,} rows, {n_rep} repetitions of {', '.join(todo)}", flush=True)
        for rep in range(n_rep):
            order = todo[rep % len(todo):] + todo[:rep % len(todo)]  # rotate the order
            for eng in order:
                r = run_one(eng, case, files, args.fits)
                results.append(r)
                if "error" in r:
                    print(f"  {eng:<11} FAILED: {r['error']}", flush=True)
                else:
                    print(f"  {eng:<11} {min(r['times_s']):7.3f} s  peak RSS "
                          f"{r['peak_rss_mb']:6.0f} MiB  load {r['load_before'][0]:.2f}",
                          flush=True)
    rows = summarise(results, engines, cases)
    print()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "table": rows}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
