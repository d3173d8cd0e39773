"""Load test of the JSON API on loopback (``make bench``): bounded, starts and stops its own server.

Starts ``labourlink serve`` on a free 127.0.0.1 port in a subprocess (store ``LABOURLINK_STORE``
when it exists, otherwise the toy store of ``tests/web/ll_toy_store.py``, said so in the output),
then runs 50 concurrent clients for 10 s, each looping over the corridor
(``/api/corridor?origin=..&destination=..``) and country (``/api/country/{iso3}?year=..``)
endpoints with codes and years from ``/api/meta``. Prints requests/s, p50 and p95 latency (ms) and
errors (non-200 answers and transport failures; aim 0), then stops the server (terminate, then kill
after 10 s). The whole run is bounded by ``--duration`` + 60 s of start-up and shutdown.

Usage::

    python benchmarks/web_bench.py [--clients 50] [--duration 10] [--store PATH] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _store(arg: str | None, tmp: Path) -> tuple[Path, str]:
    from labourlink import config

    if arg:
        return Path(arg), f"store {arg}"
    real = config.store_path()
    if real.is_file():
        return real, f"store {real}"
    sys.path.insert(0, str(ROOT / "tests" / "web"))
    import ll_toy_store

    return ll_toy_store.build(tmp / "toy.duckdb"), "toy store (no store at LABOURLINK_STORE)"


def _start(store: Path, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", "from labourlink.cli import main; main()", "serve",
           "--host", "127.0.0.1", "--port", str(port), "--store", str(store)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"server exited with code {proc.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


async def _load(base: str, clients: int, duration: float) -> dict[str, object]:
    meta = httpx.get(f"{base}/api/meta", timeout=10).json()
    codes = [c["iso3"] for c in meta["countries"]]
    years = meta["stock_years"]
    lat: dict[str, list[float]] = {"corridor": [], "country": []}
    errors: dict[str, int] = {"corridor": 0, "country": 0}
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(k: int, http: httpx.AsyncClient) -> None:
        rnd = random.Random(k)
        i = 0
        while time.perf_counter() < deadline:
            kind = "corridor" if i % 2 == 0 else "country"
            i += 1
            if kind == "corridor":
                o, d = rnd.sample(codes, 2)
                url = f"/api/corridor?origin={o}&destination={d}"
            else:
                url = f"/api/country/{rnd.choice(codes)}?year={rnd.choice(years)}"
            t0 = time.perf_counter()
            try:
                r = await http.get(url)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            lat[kind].append(time.perf_counter() - t0)
            if not ok:
                errors[kind] += 1

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as http:
        await asyncio.gather(*(client(k, http) for k in range(clients)))
    elapsed = time.perf_counter() - t0
    return {"lat": lat, "errors": errors, "elapsed": elapsed}


def main(argv: list[str] | None = None) -> None:
    """Run the load test and print requests/s, p50, p95 and errors per endpoint."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    ap.add_argument("--store", default=None)
    ap.add_argument("--quick", action="store_true", help="3 s of load instead of --duration")
    args = ap.parse_args(argv)
    if args.quick:
        args.duration = 3.0
    print(f"web benchmark on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        store, where = _store(args.store, Path(tmp))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _start(store, port)
        try:
            _wait_ready(base, proc)
            print(f"server: labourlink serve on {base} ({where}); "
                  f"{args.clients} clients for {args.duration:g} s")
            res = asyncio.run(_load(base, args.clients, args.duration))
        finally:
            _stop(proc)
    lat = res["lat"]
    errors = res["errors"]
    elapsed = float(res["elapsed"])  # type: ignore[arg-type]
    total = 0
    for kind in ("corridor", "country"):
        ms = np.asarray(lat[kind]) * 1000.0  # type: ignore[index]
        total += ms.size
        if ms.size:
            print(f"  {kind:<9} {ms.size:6d} requests  {ms.size / elapsed:8.1f} req/s  "
                  f"p50 {np.percentile(ms, 50):7.1f} ms  p95 {np.percentile(ms, 95):7.1f} ms  "
                  f"errors {errors[kind]}")  # type: ignore[index]
    n_err = sum(errors.values())  # type: ignore[union-attr]
    print(f"  all       {total:6d} requests  {total / elapsed:8.1f} req/s over {elapsed:.1f} s; "
          f"errors {n_err} (aim 0)")
    print(f"server stopped (exit code {proc.returncode})")


if __name__ == "__main__":
    main()
