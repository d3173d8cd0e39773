"""Timing of the publications (``make bench``): the regional brief and every ESCAP country brief.

Measures, on the store ``LABOURLINK_STORE`` (or ``--store``):

1. the regional brief (``labourlink brief``: HTML, PDF, CSVs; 20 scenario draws), cold (an empty
   estimate cache: the gravity models are estimated) and warm (the trade-migration estimates read
   from the cache of the same store);
2. the whole ESCAP set (``labourlink brief --all --group ESCAP``: 58 country briefs with PDF and
   the index) on ``--workers`` processes (default: the machine's cores). The aim is the set in
   under 3 minutes on 2 cores.

There is no peer program to compare with; the benchmark prints wall time, CPU time (this process
and its workers), the ratio to the 3-minute aim, and the load average before and after (the
machine is shared: read timings with the load). Outputs go to a temporary folder, removed after.

Usage::

    python benchmarks/brief_bench.py [--store PATH] [--workers K] [--quick] [--json FILE]

``--quick``: the warm regional brief without PDF, and the 7 ENEA members instead of ESCAP.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

AIM_SECONDS = 180.0


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _timed(label: str, fn: Any) -> tuple[Any, dict[str, Any]]:
    load0, cpu0, t0 = _load(), _cpu(), time.perf_counter()
    out = fn()
    rec = {"what": label, "seconds": time.perf_counter() - t0, "cpu_seconds": _cpu() - cpu0,
           "load_before": load0, "load_after": _load()}
    print(f"{label}: {rec['seconds']:.1f} s wall, {rec['cpu_seconds']:.1f} s CPU "
          f"(load average {load0} -> {rec['load_after']})", flush=True)
    return out, rec


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints a table of timings (and writes ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=None, help="store (default LABOURLINK_STORE)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="worker processes of the country briefs (default: cores)")
    ap.add_argument("--quick", action="store_true", help="warm brief without PDF, ENEA only")
    ap.add_argument("--json", type=Path, default=None, help="write the results as JSON")
    args = ap.parse_args(argv)

    from labourlink import config
    from labourlink.report.brief import build_brief
    from labourlink.report.country import build_all

    store = args.store or config.store_path()
    if not Path(store).is_file():
        print(f"no store at {store}: run `labourlink data build` (or pass --store); skipped")
        return 0
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; store {store}")
    results: list[dict[str, Any]] = []
    tmp = Path(tempfile.mkdtemp(prefix="ll-brief-bench-"))
    cache_env = os.environ.get("XDG_CACHE_HOME")
    try:
        if not args.quick:
            os.environ["XDG_CACHE_HOME"] = str(tmp / "cold-cache")   # nothing cached
            res, rec = _timed("regional brief, cold (estimates computed)", lambda: build_brief(
                tmp / "cold", store=store, build=False, pdf=True, draws=20, progress=False))
            rec["pdf_pages"] = _pages(res.pdf)
            results.append(rec)
            res, rec = _timed("regional brief, warm (estimates from the cache)", lambda: build_brief(
                tmp / "warm", store=store, build=False, pdf=True, draws=20, progress=False))
            rec["pdf_pages"] = _pages(res.pdf)
            rec["sections_seconds"] = {k: round(v, 2) for k, v in res.seconds.items()}
            results.append(rec)
        else:
            _res, rec = _timed("regional brief, no PDF (estimates cached if available)",
                               lambda: build_brief(tmp / "quick", store=store, build=False,
                                                   pdf=False, draws=20, progress=False))
            results.append(rec)
        group = "ENEA" if args.quick else "ESCAP"
        allres, rec = _timed(f"{group} country briefs with PDF and index, {args.workers} workers",
                             lambda: build_all(tmp / "countries", group=group, store=store,
                                               build=False, pdf=True, workers=args.workers,
                                               progress=False))
        per = sorted(c.seconds for c in allres.countries)
        pages = [c.pages for c in allres.countries if c.pages is not None]
        rec.update(countries=len(allres.countries), runner=allres.runner,
                   collect_seconds=round(allres.timings["collect"], 2),
                   per_country_median_seconds=round(per[len(per) // 2], 2),
                   per_country_max_seconds=round(per[-1], 2),
                   pages_min=min(pages) if pages else None, pages_max=max(pages) if pages else None,
                   ratio_to_aim=rec["seconds"] / AIM_SECONDS if group == "ESCAP" else None)
        results.append(rec)
        print(f"  {len(allres.countries)} briefs via {allres.runner}; data read in "
              f"{rec['collect_seconds']} s; per brief median {rec['per_country_median_seconds']} s, "
              f"max {rec['per_country_max_seconds']} s; pages {rec['pages_min']}-{rec['pages_max']}")
        if group == "ESCAP":
            print(f"  aim: the set in under {AIM_SECONDS:.0f} s on 2 cores -> "
                  f"{rec['seconds']:.1f} s = {rec['ratio_to_aim']:.2f} x the aim")
    finally:
        if cache_env is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = cache_env
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def _pages(pdf: Path | None) -> int | None:
    if pdf is None:
        return None
    import subprocess

    try:
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


if __name__ == "__main__":
    sys.exit(main())
