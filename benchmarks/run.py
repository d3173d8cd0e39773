"""Run every ``benchmarks/*_bench.py`` module's ``main()`` (``make bench``).

Usage::

    python benchmarks/run.py                 # all benchmarks, full sizes
    python benchmarks/run.py --quick         # passes --quick to each main()
    python benchmarks/run.py gravity web     # only gravity_bench.py and web_bench.py

Each module is imported from this folder and its ``main(argv)`` is called with the flags it
knows (a flag is passed when it appears in the module's source); a benchmark that raises is reported and the others still run. Exit code 1 if any
failed.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(names: list[str] | None = None) -> list[Path]:
    """The ``*_bench.py`` files of this folder (optionally only ``<name>_bench.py``)."""
    files = sorted(HERE.glob("*_bench.py"))
    if names:
        files = [f for f in files if f.stem.removesuffix("_bench") in names]
    return files


def run_one(path: Path, argv: list[str]) -> bool:
    """Import ``path`` and call its ``main``; True on success."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    main = getattr(module, "main", None)
    if main is None:
        print(f"{path.name}: no main() - skipped")
        return True
    takes_args = len(inspect.signature(main).parameters) > 0
    source = path.read_text()
    own = [a for a in argv if a.split("=")[0] in source]  # pass only flags the module knows
    dropped = sorted(set(argv) - set(own))
    if dropped:
        print(f"{path.name}: does not take {' '.join(dropped)}; running without")
    rc = main(own) if takes_args else main()
    return rc in (None, 0)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks named in ``argv`` (all by default); flags go to every main()."""
    args = list(sys.argv[1:] if argv is None else argv)
    flags = [a for a in args if a.startswith("-")]
    names = [a for a in args if not a.startswith("-")]
    sys.path.insert(0, str(HERE))
    failed = []
    for path in discover(names or None):
        print(f"=== {path.name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            ok = run_one(path, flags)
        except SystemExit as exc:  # argparse inside a main()
            ok = exc.code in (None, 0)
        except Exception:  # noqa: BLE001 - report and continue with the next benchmark
            traceback.print_exc()
            ok = False
        print(f"=== {path.name}: {'ok' if ok else 'FAILED'} in {time.perf_counter() - t0:.1f} s ===\n",
              flush=True)
        if not ok:
            failed.append(path.name)
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
