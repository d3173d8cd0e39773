"""Flow estimators on the full stock tables (~234 x 234, every period) against migest (R).

    python benchmarks/flows_bench.py                  # revision 2024, all 7 periods, with R
    python benchmarks/flows_bench.py --quick          # one period (2020-2024)
    python benchmarks/flows_bench.py --revision 2020 --no-r

Reads the store at ``LABOURLINK_STORE``. For each period and method it times labourlink's
estimator on the period's inputs (``estimate_period``: the demographic accounts, the IPF of the
closed-system margins and the flows) as the median of ``--repeat`` runs in this process, and
migest's function on the same matrices written to CSV (``flows_bench.R``, one R process, each
call timed once with ``proc.time``). Method pairs: ``sd_drop_neg`` ~ ``ffs_diff("zero")``,
``sd_rev_neg`` ~ ``ffs_diff("return")``, ``mig_rate`` ~ ``ffs_rates("dennett")`` with the same
world total, ``da_min_closed`` ~ ``ffs_demo``; migest has no open variant of the same
definition and no pseudo-Bayes function, so ``da_min_open`` is timed alone and ``da_pb_closed``
against ``ffs_demo`` (stayer assumption) + ``ffs_demo(stayer_assumption = FALSE)``, the two fits
it combines. Reading the inputs from the store (once per revision) is timed separately.
Totals are printed beside the timings: the two implementations must agree on them (both leave
the 'Other' origin out; migest's da_pb_closed column shows its da_min_closed total). migest
cannot take more births than native-born in a country (it fails where the native-born are 0), so
both sides get births capped at the end-of-period native-born (a few hundred persons in Bonaire,
Sint Eustatius and Saba).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
METHODS = ("sd_drop_neg", "sd_rev_neg", "mig_rate", "da_min_open", "da_min_closed",
           "da_pb_closed")


def _load(revision: str, quick: bool) -> tuple[list, float]:
    from labourlink.flows.inputs import load_inputs, periods
    from labourlink.store import connect

    con = connect()
    try:
        which = periods(con, revision)
        if quick:
            which = which[-1:]
        t0 = time.perf_counter()
        inputs = load_inputs(con, revision, which)
        elapsed = time.perf_counter() - t0
    finally:
        con.close()
    # migest cannot take more births than native-born in a country (its proportional fallback
    # fails where the native-born are 0: Bonaire, Sint Eustatius and Saba in several years);
    # both sides get births capped at the end-of-period native-born
    capped = [replace(i, births=np.minimum(i.births, np.diag(i.stock_end))) for i in inputs]
    return capped, elapsed


def _time_ours(inputs: list, repeat: int) -> tuple[dict, dict]:
    from labourlink.flows.estimate import estimate_period
    from labourlink.flows.spec import FlowParams

    params = FlowParams()
    times: dict[tuple[str, str], float] = {}
    totals: dict[tuple[str, str], float] = {}
    for inp in inputs:
        period = f"{inp.start}-{inp.end}"
        pb_total = estimate_period(inp, "da_pb_closed", params).total
        for method in METHODS:
            runs = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                est = estimate_period(inp, method, params, mig_rate_total=pb_total)
                runs.append(time.perf_counter() - t0)
            times[(period, method)] = statistics.median(runs)
            totals[(period, method)] = est.total
    return times, totals


def _time_migest(inputs: list, pb_totals: dict) -> tuple[dict, dict] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript not found: migest not timed (install R and migest, see "
              "../shared/peers/README.md)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        for inp in inputs:
            period = f"{inp.start}-{inp.end}"
            idx = pd.Index(inp.codes, name="birth")
            cols = pd.Index(inp.codes, name="residence")
            pd.DataFrame(inp.stock_start, index=idx, columns=cols).to_csv(
                Path(tmp) / f"{period}__stock_start.csv", float_format="%.17g")
            pd.DataFrame(inp.stock_end, index=idx, columns=cols).to_csv(
                Path(tmp) / f"{period}__stock_end.csv", float_format="%.17g")
            pd.DataFrame({"births": inp.births, "deaths": inp.deaths,
                          "M": pb_totals[(period, "da_pb_closed")]}, index=idx).to_csv(
                Path(tmp) / f"{period}__vital.csv", float_format="%.17g")
        proc = subprocess.run([rscript, str(HERE / "flows_bench.R"), tmp], capture_output=True,
                              text=True, check=False)
    if proc.returncode != 0:
        print(f"migest run failed:\n{proc.stderr[-2000:]}")
        return None
    times: dict[tuple[str, str], float] = {}
    totals: dict[tuple[str, str], float] = {}
    for line in proc.stdout.splitlines():
        period, method, sec, tot = line.split("\t")
        times[(period, method)] = float("nan") if sec == "NA" else float(sec)
        totals[(period, method)] = float("nan") if tot == "NA" else float(tot)
    for period in {p for p, _ in times}:
        times[(period, "da_pb_closed")] = (times[(period, "da_min_closed")]
                                           + times[(period, "independence")])
    if proc.stderr.strip():
        print("migest messages:\n" + "\n".join(sorted(set(proc.stderr.strip().splitlines()))))
    return times, totals


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one row per period and method, then the sums."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--revision", default="2024")
    ap.add_argument("--quick", action="store_true", help="only the last period")
    ap.add_argument("--no-r", action="store_true", help="do not time migest")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    load = os.getloadavg()
    print(f"flows benchmark: revision {args.revision}, {platform.machine()}, python "
          f"{platform.python_version()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    inputs, t_load = _load(args.revision, args.quick)
    k = len(inputs[0].codes)
    print(f"{len(inputs)} period(s), {k} x {k} tables (areas + 'XXX'); reading the inputs from "
          f"the store: {t_load:.2f} s")
    ours, our_tot = _time_ours(inputs, args.repeat)
    peer = None if args.no_r else _time_migest(inputs, our_tot)
    rows = []
    for (period, method), sec in ours.items():
        row = {"period": period, "method": method, "labourlink_s": sec,
               "labourlink_total": our_tot[(period, method)]}
        if peer is not None and (period, method) in peer[0]:
            row["migest_s"] = peer[0][(period, method)]
            row["ratio"] = row["migest_s"] / sec if sec > 0 else np.nan
            ref = "da_min_closed" if method == "da_pb_closed" else method
            row["migest_total"] = peer[1].get((period, ref), np.nan)
        rows.append(row)
    df = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.max_rows", 100,
                           "display.float_format", lambda v: f"{v:,.3f}"):
        print(df.to_string(index=False))
        summ = df.groupby("method", sort=False).sum(numeric_only=True, min_count=1)
        if "migest_s" in summ:
            summ["ratio"] = summ["migest_s"] / summ["labourlink_s"]
        print("\nall periods:")
        print(summ[[c for c in ("labourlink_s", "migest_s", "ratio") if c in summ]].to_string())
    if peer is not None:
        ind = {p: t for (p, m), t in peer[1].items() if m == "independence"}
        print("(migest_total of da_pb_closed is its da_min_closed total; the independence totals "
              f"are {', '.join(f'{p} {v / 1e6:,.1f} M' for p, v in sorted(ind.items()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
