"""Benchmark of the Dask runner (``labourlink.cluster``) on bootstrap replicates (``make bench``).

Measured in one run, on one replicate workload (the pair bootstrap of the ``structural + mig``
model on the WTO panel of the store, or with ``--quick`` / without a store a simulated panel):

1. the peer: a plain loop in this process calling the replicate function (no Dask, no results
   file) - the speed the runner must not lose;
2. the runner in this process, on a local cluster of 1 worker process and of 2 worker
   processes: start-up (cluster, shipping the data, version and data checks, up to the first
   result), steady throughput (replicates per second between the first and the last result) and
   the mean time of one replicate on a worker; ratios against the plain loop;
3. the scheduler's overhead per task: 400 tasks that do nothing, through ``distributed``
   directly (``Client.map`` + ``as_completed``) and through the runner (which adds the results
   file, fsync per result, JSON and progress), on 2 local workers;
4. peak memory (RSS) of a worker after its replicates.

Then it prints the model of the time for 999 WTO replicates on 8, 32 and 128 workers (see
``benchmarks/README.md``).

Usage::

    python benchmarks/cluster_bench.py [--replicates 6] [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labourlink.cluster import Runner, RunnerOptions, TaskData
from labourlink.gravity.bootstrap import _replicate_task, fit_replicate, task_data


def _noop(data: TaskData, key: int) -> int:
    return key


def _noop_plain(key: int) -> int:
    return key


def _sim_panel(n: int = 60, years: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c = np.array([f"C{i:03d}" for i in range(n)])
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    off = ii != jj
    ii, jj = ii[off], jj[off]
    p = ii.size
    t = np.tile(np.arange(years), p)
    df = pd.DataFrame({"exp": np.repeat(c[ii], years), "imp": np.repeat(c[jj], years),
                       "year": 2000 + t, "lmig": rng.normal(size=p * years),
                       "rta": (rng.uniform(size=p * years) < 0.3).astype(float),
                       "ldist": np.repeat(rng.uniform(6, 9, p), years)})
    df["pair"] = df["exp"] + "_" + df["imp"]
    eta = 8 + np.repeat(rng.normal(0, 1, n)[ii] + rng.normal(0, 1, n)[jj], years) \
        - 0.9 * df["ldist"] + 0.3 * df["lmig"] + 0.2 * df["rta"]
    df["trade"] = rng.poisson(np.exp(eta)).astype(float)
    return df


def _workload(quick: bool) -> tuple[pd.DataFrame, str, str]:
    if not quick:
        try:
            from labourlink import config
            from labourlink.gravity.presets import get_preset, load_data
            from labourlink.store import connect

            if config.store_path().is_file():
                p = get_preset("structural")
                spec = next(m for m in p.models if m.label == "structural + mig")
                con = connect()
                try:
                    df = load_data(p.data, con, p.years)
                finally:
                    con.close()
                return df, spec.formula, f"WTO panel of the store ({len(df):,} rows)"
        except Exception as exc:  # noqa: BLE001 - fall back to the simulated panel
            print(f"(no WTO panel: {type(exc).__name__}: {exc})")
    df = _sim_panel()
    return (df, "trade ~ lmig + rta + ldist | exp^year + imp^year",
            f"simulated panel ({len(df):,} rows)")


def _rss_mb() -> float:
    """Peak resident memory of this process (MB): ``VmHWM`` (``ru_maxrss`` would report the
    parent's peak in a process started by fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_mode(td: TaskData, n: int, options: RunnerOptions) -> dict[str, Any]:
    stamps: list[float] = []
    t0 = time.perf_counter()
    with Runner(options) as r:
        out = r.map(_replicate_task, range(n), data=td,
                    on_result=lambda k, v: stamps.append(time.perf_counter()))
        rss = r.client.run(_rss_mb)
    total = time.perf_counter() - t0
    first = stamps[0] - t0
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    return {"total": total, "first": first, "steady": steady, "out": out,
            "rss": max(rss.values())}


def _overhead(n: int = 400) -> tuple[float, float]:
    from distributed import as_completed

    with Runner(RunnerOptions(workers=2, progress=False)) as r:
        c = r.client
        c.gather(c.map(_noop_plain, range(20), pure=False))  # warm
        t0 = time.perf_counter()
        for _f in as_completed(c.map(_noop_plain, range(n), pure=False), loop=c.loop,
                              with_results=True):
            pass
        raw = (time.perf_counter() - t0) / n
        with tempfile.TemporaryDirectory() as tmp:
            r.map(_noop, range(20), data=TaskData())  # warm the checks
            t0 = time.perf_counter()
            r.map(_noop, range(n), data=TaskData(), results=Path(tmp) / "r.jsonl",
                  run_key={"bench": 1})
            ours = (time.perf_counter() - t0) / n
    return raw, ours


FS_BANDWIDTH = 1e9
"""Assumed read bandwidth of the shared file system the workers read the data from (bytes/s)."""


def model(t_rep: float, t_start: float, o_task: float, workers: int, data_bytes: int,
          n: int = 999) -> float:
    """Wall time (s) of ``n`` replicates on ``workers`` workers (one thread each).

    ``t_start`` (cluster start, checks, a worker's first-replicate warm-up) + every worker
    reading the data once from the shared file system (``W x size / FS_BANDWIDTH``) + the
    longer of ``ceil(n / W)`` waves of ``t_rep + o`` (workers busy) and ``n x o`` (the client
    handling one result at a time: the serial bound).
    """
    waves = math.ceil(n / workers) * (t_rep + o_task)
    return t_start + workers * data_bytes / FS_BANDWIDTH + max(waves, n * o_task)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the numbers and the model."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=6)
    ap.add_argument("--quick", action="store_true", help="simulated panel, even with a store")
    args = ap.parse_args(argv)
    n = args.replicates
    load = os.getloadavg()
    print(f"cluster benchmark on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}, load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    df, formula, where = _workload(args.quick)
    print(f"workload: pair bootstrap of `{formula}` on the {where}; {n} replicates per mode")
    td = task_data(df, formula, "pair", 0)
    cfg = td.extra
    frame = td.frames["panel"]
    fit_replicate(frame, formula, cfg.n_clusters, cfg.seed, n + 1)  # warm: numba, caches
    t0 = time.perf_counter()
    plain = {r: fit_replicate(frame, formula, cfg.n_clusters, cfg.seed, r) for r in range(n)}
    t_plain = (time.perf_counter() - t0) / n
    print(f"peer, plain loop in this process: {t_plain:.2f} s per replicate "
          f"({1 / t_plain:.3f} replicates/s)")
    runs_dir = Path(tempfile.mkdtemp(prefix="ll-bench-"))
    rows = []
    for label, opts in (("runner, in this process", RunnerOptions(progress=False,
                                                                    runs_dir=runs_dir)),
                        ("runner, 1 local worker", RunnerOptions(workers=1, progress=False,
                                                                   runs_dir=runs_dir)),
                        ("runner, 2 local workers", RunnerOptions(workers=2, progress=False,
                                                                    runs_dir=runs_dir))):
        res = _run_mode(td, n, opts)
        same = all(res["out"][r]["coef"] == plain[r]["coef"] for r in range(n))
        rows.append((label, res))
        print(f"{label}: total {res['total']:.1f} s, start-up to first result "
              f"{res['first']:.1f} s, steady {res['steady']:.3f} replicates/s "
              f"({res['steady'] * t_plain:.2f}x the plain loop), peak worker RSS "
              f"{res['rss']:.0f} MB, numbers identical to the plain loop: {same}")
    raw, ours = _overhead()
    print(f"overhead per task, 400 no-op tasks on 2 local workers: distributed "
          f"{raw * 1e3:.1f} ms, runner {ours * 1e3:.1f} ms (results file, fsync, JSON)")
    two = rows[2][1]
    t_rep = t_plain
    t_start = two["first"] - t_rep
    size = sum(f.stat().st_size for f in (runs_dir / "data").rglob("*") if f.is_file())
    print(f"model: T(W) = start-up + W x data / {FS_BANDWIDTH / 1e9:g} GB/s + max(ceil(999/W) "
          f"x (t_rep + o), 999 x o); t_rep {t_rep:.2f} s (one replicate, one thread), start-up "
          f"{t_start:.1f} s (2 local workers, minus one replicate), data {size / 1e6:.1f} MB, "
          f"o {ours * 1e3:.1f} ms")
    for w in (8, 32, 128):
        print(f"  999 replicates on {w:>3} workers: "
              f"{model(t_rep, t_start, ours, w, size) / 60:.1f} min (waves "
              f"{math.ceil(999 / w)}, efficiency {999 / (math.ceil(999 / w) * w):.0%})")
    print(f"  (this machine, 2 workers: {model(t_rep, t_start, ours, 2, size) / 60:.1f} min)")


if __name__ == "__main__":
    main()
