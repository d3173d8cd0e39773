"""Where a PPML-HDFE fit spends its time, and what each engine choice buys (issue 15).

    python benchmarks/gravity_profile.py [--sizes 440k 1.53M wto] [--repeats 3] [--json FILE]

For each panel of ``gravity_bench.py`` (the same files, model ``trade ~ lmig + rta | et + it +
pair`` clustered by pair), in one process per configuration:

* a profile of one warm fit, its time grouped by engine module (``cProfile``: the compiled
  kernels count towards the Python function of the module that calls them): set-up (formula,
  factorising, singletons), separation checks, demeaning, the rest of IRLS, the variance;
  with the IRLS iterations and the conjugate-gradient (demeaning) iterations of the fit;
* ablations: the fit with one choice switched back to what the engine did before (each where the
  engine still has the switch): demeaning not warm-started, the former IRLS start, the ReLU check
  run before the fit instead of the fit certificate, a tight demeaning tolerance from the first
  IRLS iteration. Reported as the median warm time and the ratio to the default.

The engine is whatever ``labourlink`` imports, so running this script with an older checkout's
environment gives the "before" column. Timings are noisy on a shared machine: the load average is
printed next to them. Not a unit test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gravity_bench import FML, VCOV, load_npy, prepare  # noqa: E402

GROUPS = {
    "demean.py": "demeaning",
    "separation.py": "separation checks",
    "covariance.py": "variance",
    "irls.py": "IRLS (weights, normal equations, deviance)",
    "formula.py": "set-up (formula, fixed-effect codes, singletons)",
    "model.py": "set-up (formula, fixed-effect codes, singletons)",
    "panel.py": "set-up (formula, fixed-effect codes, singletons)",
    "results.py": "results object",
}

ABLATIONS = {
    "default": "the engine as shipped",
    "no_warm_start": "each demeaning starts from zero (warm_start=False)",
    "former_start": "IRLS starts at mu = (y + mean y) / 2 (glm_start=False)",
    "relu_first": "ReLU separation check before the fit, no fit certificate",
    "tight_inner_tol": "demeaning at the final tolerance from the first IRLS iteration",
}


def _configure(ablation: str) -> bool:
    """Switch the engine to ``ablation``; False when this engine has no such switch."""
    import functools

    from labourlink.gravity import model

    if ablation == "default":
        return True
    if ablation == "relu_first":
        if not hasattr(model, "_FIRST_TRY_MAX_ITER"):
            return False
        model._FIRST_TRY_MAX_ITER = 0  # type: ignore[attr-defined]
        return True
    settings = getattr(model, "IRLSSettings", None)
    if settings is None:
        return False
    field = {"no_warm_start": ("warm_start", False), "former_start": ("glm_start", False),
             "tight_inner_tol": ("inner_tol_start", 1e-8)}[ablation]
    if field[0] not in getattr(settings, "__dataclass_fields__", {}):
        return False
    model.IRLSSettings = functools.partial(settings, **{field[0]: field[1]})  # type: ignore[misc]
    return True


def worker(folder: str, ablation: str, repeats: int, profile: bool) -> dict:
    """One process: load the panel, warm up, time ``repeats`` fits, optionally profile one."""
    if not _configure(ablation):
        return {"ablation": ablation, "available": False}
    from labourlink.gravity import ppml

    df = load_npy(Path(folder))
    r = ppml(df, FML, vcov=VCOV)
    r.se()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = ppml(df, FML, vcov=VCOV)
        r.se()
        times.append(time.perf_counter() - t0)
    out: dict = {"ablation": ablation, "available": True, "times_s": times,
                 "iterations": int(r.iterations),
                 "demean_iterations": int(getattr(r, "demean_iterations", -1)),
                 "coef": {k: float(v) for k, v in r.coef().items()}}
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        ppml(df, FML, vcov=VCOV).se()
        prof.disable()
        st = pstats.Stats(prof)
        groups: dict[str, float] = {}
        total = 0.0
        for (file, _line, _name), (_cc, _nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
            total += tt
            base = os.path.basename(file)
            key = GROUPS.get(base, "other (pandas, numpy, Python)") \
                if "labourlink" in file else "other (pandas, numpy, Python)"
            groups[key] = groups.get(key, 0.0) + tt
        out["profile_s"] = groups
        out["profile_total_s"] = total
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["440k", "1.53M", "wto"],
                    choices=["440k", "1.53M", "10M", "wto"])
    ap.add_argument("--repeats", type=int, default=3, help="timed warm fits per process")
    ap.add_argument("--ablations", nargs="+", default=list(ABLATIONS), choices=list(ABLATIONS))
    ap.add_argument("--data-dir", type=Path,
                    default=Path(os.environ.get("TMPDIR", "/tmp")) / "labourlink-bench-data")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        folder, ablation, repeats, profile = a.worker
        print("RESULT " + json.dumps(worker(folder, ablation, int(repeats), profile == "1")))
        return 0
    import labourlink

    print(f"PPML-HDFE profile: {FML}, vcov={VCOV}; labourlink {labourlink.__version__} from "
          f"{Path(labourlink.__file__).parent}; load average {os.getloadavg()[0]:.2f}", flush=True)
    report = []
    for case in a.sizes:
        files = prepare(case, a.data_dir)
        if files is None:
            print(f"{case}: no panel (build the store)")
            continue
        _csv, npy, rows = files
        print(f"\n{case}: {rows:,} rows", flush=True)
        base = None
        for abl in a.ablations:
            load = os.getloadavg()[0]
            proc = subprocess.run([sys.executable, __file__, "--worker", str(npy), abl,
                                   str(a.repeats), "1" if abl == "default" else "0"],
                                  capture_output=True, text=True)
            line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            if proc.returncode != 0 or not line:
                print(f"  {abl}: failed\n{proc.stderr[-2000:]}")
                continue
            res = json.loads(line[0][7:])
            res.update(case=case, rows=rows, load=load)
            report.append(res)
            if not res["available"]:
                print(f"  {abl:16s} (this engine has no such switch)")
                continue
            med = statistics.median(res["times_s"])
            if abl == "default":
                base = med
                print(f"  {abl:16s} {med:7.3f} s  IRLS {res['iterations']} iterations, "
                      f"{res['demean_iterations']} CG iterations  load {load:.2f}")
                tot = res["profile_total_s"]
                for g, t in sorted(res["profile_s"].items(), key=lambda kv: -kv[1]):
                    print(f"      {g:50s} {t:7.3f} s  {100 * t / tot:5.1f} %")
            else:
                ratio = f"{med / base:5.2f}x the default" if base else ""
                print(f"  {abl:16s} {med:7.3f} s  {ratio}  IRLS {res['iterations']}, "
                      f"CG {res['demean_iterations']}  load {load:.2f}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
