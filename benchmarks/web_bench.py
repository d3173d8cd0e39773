"""Load test of the dashboard's JSON API on loopback (``make bench``); starts and stops its server.

Starts ``labourlink serve`` on a free 127.0.0.1 port in a subprocess (store ``LABOURLINK_STORE``
when it exists, otherwise the toy store of ``tests/web/ll_toy_store.py``, said so in the output)
and runs two phases, each with ``--clients`` concurrent clients (default 50) for ``--duration``
seconds (default 10), all on this machine:

1. **reads**: every client loops over the read endpoints (corridor and country with random codes,
   years and revisions, map layers, meta, top corridors, governance, designer fields), without
   pause; requests/s, p50 and p95 latency (ms) and errors per endpoint (aim: p95 < 100 ms, 0
   errors).
2. **reads + long jobs**: the same, while ``--job-clients`` more clients (default 2) post
   agreement-designer runs with draws (a new seed each time, so nothing is cached) as fast as the
   server takes them; with the default 8 job clients and the server's 1 worker + 4 queue places,
   some are refused with 429 and retry after ``Retry-After``. Read latencies show whether long work blocks reads; the job clients count
   runs done and 429/503 answers (with ``Retry-After``; these are not errors).

Before phase 2 one design is run untimed, so the first-run estimation of the trade-cost
coefficients on a new store (about a minute, cached per store) is not in the measurement.
The load average (1 min) is printed before and after each phase: the machine is shared, and the
clients run on it too. The server is stopped at the end (terminate, then kill after 10 s); the
whole run is bounded (start-up 60 s, warm-up 300 s, two phases of ``--duration``).

Usage::

    python benchmarks/web_bench.py [--clients 50] [--duration 10] [--job-clients 8]
                                   [--store PATH] [--quick] [--reads-only]
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
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
READ_KINDS = ("corridor", "country", "map", "meta", "top", "governance", "designer")
#: Relative weight of each read endpoint in a client's loop (the user-facing hot paths first).
WEIGHTS = {"corridor": 4, "country": 4, "map": 1, "meta": 1, "top": 1, "governance": 1,
           "designer": 1}


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


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"server exited with code {proc.returncode}: {err[-2000:]}")
        try:
            r = httpx.get(f"{base}/api/health", timeout=1.0)
            # ready once the worker process has started too (its imports would load the CPU)
            if r.status_code == 200 and r.json()["jobs"]["ready"]:
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


class RawClient:
    """A minimal HTTP/1.1 keep-alive GET client on asyncio streams (one connection).

    The load generator runs on the same 2 cores as the server: httpx's async client spends about
    1-2 ms of CPU per request, which the measured latencies would then contain. This client only
    writes the request line and reads the status, headers and body (``Content-Length`` or
    chunked), so what is measured is mostly the server. ``--client httpx`` uses httpx instead.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._r: asyncio.StreamReader | None = None
        self._w: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self._w is None:
            self._r, self._w = await asyncio.open_connection(self.host, self.port)
        assert self._r is not None
        try:
            self._w.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
            head = await self._r.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            low = head.lower()
            k = low.find(b"\r\ncontent-length:")
            if k >= 0:
                end = low.index(b"\r\n", k + 2)
                await self._r.readexactly(int(low[k + 17:end]))
            elif b"transfer-encoding: chunked" in low:
                while True:
                    size = int((await self._r.readuntil(b"\r\n")).strip(), 16)
                    await self._r.readexactly(size + 2)
                    if size == 0:
                        break
            if b"\r\nconnection: close" in low:
                await self.close()
            return status
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.close()
            raise

    async def close(self) -> None:
        if self._w is not None:
            self._w.close()
            self._w = None


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read_url(kind: str, rnd: random.Random, meta: dict[str, Any]) -> str:
    codes = meta["codes"]
    rev = rnd.choice(meta["revisions"])
    years = meta["years"][rev]
    if kind == "corridor":
        o, d = rnd.sample(codes, 2)
        return f"/api/corridor?origin={o}&destination={d}&revision={rev}"
    if kind == "country":
        return f"/api/country/{rnd.choice(codes)}?year={rnd.choice(years)}&revision={rev}"
    if kind == "map":
        layer = rnd.choice(["immigrants", "emigrants"])
        return f"/api/map?layer={layer}&year={rnd.choice(years)}&revision={rev}"
    if kind == "meta":
        return f"/api/meta?revision={rev}"
    if kind == "top":
        return f"/api/corridors/top?n={rnd.randint(5, 30)}&revision={rev}"
    if kind == "governance":
        return f"/api/governance?iso3={rnd.choice(meta['escap'])}&revision={rev}"
    return "/api/designer"


async def _phase(base: str, meta: dict[str, Any], clients: int, duration: float,
                 job_clients: int, spec: dict[str, Any] | None, client: str) -> dict[str, Any]:
    lat: dict[str, list[float]] = {k: [] for k in READ_KINDS}
    errors: dict[str, int] = dict.fromkeys(READ_KINDS, 0)
    jobs = {"done": 0, "busy_429": 0, "unavailable_503": 0, "errors": 0, "seconds": []}
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients + job_clients + 2,
                          max_keepalive_connections=clients + job_clients + 2)
    plan = [k for k in READ_KINDS for _ in range(WEIGHTS[k])]
    reads_done: list[float] = []

    host, port = base.removeprefix("http://").split(":")

    async def reader(k: int, http: httpx.AsyncClient) -> None:
        rnd = random.Random(k)
        i = k
        raw = RawClient(host, int(port)) if client == "raw" else None
        while time.perf_counter() < deadline:
            kind = plan[i % len(plan)]
            i += 1
            url = _read_url(kind, rnd, meta)
            t0 = time.perf_counter()
            try:
                if raw is not None:
                    ok = await raw.get(url) == 200
                else:
                    ok = (await http.get(url)).status_code == 200
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
            lat[kind].append(time.perf_counter() - t0)
            if not ok:
                errors[kind] += 1
        reads_done.append(time.perf_counter())
        if raw is not None:
            await raw.close()

    async def runner(k: int, http: httpx.AsyncClient) -> None:
        seed = 1000 * (k + 1)
        while time.perf_counter() < deadline and spec is not None:
            seed += 1
            t0 = time.perf_counter()
            try:
                r = await http.post("/api/designer/run", json={"spec": spec, "draws": 20,
                                                               "seed": seed},
                                    timeout=max(deadline - time.perf_counter(), 1.0) + 60)
            except httpx.HTTPError:
                jobs["errors"] += 1
                continue
            if r.status_code == 200:
                jobs["done"] += 1
                jobs["seconds"].append(time.perf_counter() - t0)  # type: ignore[attr-defined]
            elif r.status_code in (429, 503):
                jobs["busy_429" if r.status_code == 429 else "unavailable_503"] += 1
                wait = float(r.headers.get("Retry-After", "1"))
                await asyncio.sleep(min(wait, max(deadline - time.perf_counter(), 0.0)))
            else:
                jobs["errors"] += 1

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as http:
        await asyncio.gather(*(reader(k, http) for k in range(clients)),
                             *(runner(k, http) for k in range(job_clients)))
    # requests/s over the reads' own time (job clients may finish a run after the deadline)
    return {"lat": lat, "errors": errors, "elapsed": max(reads_done) - t0, "jobs": jobs}


def _report(title: str, res: dict[str, Any], load: tuple[float, float]) -> None:
    elapsed = float(res["elapsed"])
    print(f"{title}  (load average 1 min: {load[0]:.2f} before, {load[1]:.2f} after; CPU "
          f"seconds used: server {res['cpu_server']:.1f}, clients {res['cpu_clients']:.1f}, "
          f"of {2 * res['wall']:.0f} on 2 cores)")
    print(f"  {'endpoint':<11}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    total = 0
    for kind in READ_KINDS:
        ms = np.asarray(res["lat"][kind]) * 1000.0
        total += ms.size
        if ms.size:
            print(f"  {kind:<11}{ms.size:9d}{ms.size / elapsed:9.1f}{np.percentile(ms, 50):9.1f}"
                  f"{np.percentile(ms, 95):9.1f}{res['errors'][kind]:8d}")
    allms = np.concatenate([np.asarray(v) for v in res["lat"].values()]) * 1000.0
    n_err = sum(res["errors"].values())
    print(f"  {'all reads':<11}{total:9d}{total / elapsed:9.1f}{np.percentile(allms, 50):9.1f}"
          f"{np.percentile(allms, 95):9.1f}{n_err:8d}   over {elapsed:.1f} s (aim: p95 < 100 "
          "ms, 0 errors)")
    jobs = res["jobs"]
    if jobs["done"] or jobs["busy_429"] or jobs["unavailable_503"] or jobs["errors"]:
        secs = jobs["seconds"]
        mean = f"{np.mean(secs):.1f} s each" if secs else "none finished"
        print(f"  long jobs (designer runs, 20 draws): {jobs['done']} done ({mean}), "
              f"{jobs['busy_429']} answered 429 and {jobs['unavailable_503']} 503 with "
              f"Retry-After, {jobs['errors']} errors")


def _measured(server_pid: int, phase: Any) -> dict[str, Any]:
    """Run a phase; add the CPU seconds the server and this process used during it."""
    s0, c0, w0 = _cpu_seconds(server_pid), sum(os.times()[:2]), time.perf_counter()
    res: dict[str, Any] = asyncio.run(phase)
    res["cpu_server"] = _cpu_seconds(server_pid) - s0
    res["cpu_clients"] = sum(os.times()[:2]) - c0
    res["wall"] = time.perf_counter() - w0
    return res


def main(argv: list[str] | None = None) -> None:
    """Run both phases and print requests/s, p50, p95 and errors per endpoint."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of load per phase")
    ap.add_argument("--job-clients", type=int, default=8,
                    help="clients posting designer runs in phase 2 (default 8: more than the "
                         "1 worker + 4 queue places, so some get 429)")
    ap.add_argument("--store", default=None)
    ap.add_argument("--quick", action="store_true", help="3 s per phase instead of --duration")
    ap.add_argument("--reads-only", action="store_true", help="skip the long-jobs phase")
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw",
                    help="load generator: raw asyncio HTTP/1.1 (default) or httpx.AsyncClient")
    args = ap.parse_args(argv)
    if args.quick:
        args.duration = 3.0
    print(f"web benchmark on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}; clients on this machine")
    with tempfile.TemporaryDirectory() as tmp:
        store, where = _store(args.store, Path(tmp))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _start(store, port)
        try:
            _wait_ready(base, proc)
            raw = httpx.get(f"{base}/api/meta", timeout=30).json()
            meta = {"codes": [c["iso3"] for c in raw["countries"]],
                    "revisions": sorted(raw["revisions"]),
                    "years": {r: v["years"] for r, v in raw["revisions"].items()},
                    "escap": raw["group_members"].get("ESCAP", [c["iso3"] for c in
                                                                raw["countries"]])}
            print(f"server: labourlink serve on {base} ({where}); revisions "
                  f"{', '.join(meta['revisions'])}; {args.clients} clients ({args.client}) for "
                  f"{args.duration:g} s per phase")
            load0 = os.getloadavg()[0]
            res = _measured(proc.pid, _phase(base, meta, args.clients, args.duration, 0, None,
                                             args.client))
            _report("phase 1: reads", res, (load0, os.getloadavg()[0]))
            if not args.reads_only:
                designer = httpx.get(f"{base}/api/designer", timeout=30).json()
                starts = {s["example"]: s["spec"] for s in designer["starting_points"]}
                spec = starts.get("kor_eps_quota") or next(iter(starts.values()))
                t0 = time.perf_counter()
                warm = httpx.post(f"{base}/api/designer/run", json={"spec": spec, "draws": 0},
                                  timeout=300)
                print(f"warm-up design run (untimed): HTTP {warm.status_code} in "
                      f"{time.perf_counter() - t0:.1f} s")
                load0 = os.getloadavg()[0]
                res = _measured(proc.pid, _phase(base, meta, args.clients, args.duration,
                                                 args.job_clients, spec, args.client))
                _report(f"phase 2: reads + {args.job_clients} clients posting designer runs",
                        res, (load0, os.getloadavg()[0]))
            health = httpx.get(f"{base}/api/health", timeout=10).json()
            c = health["cache"]
            print(f"server response cache: {c['entries']} entries, {c['bytes'] / 1e6:.1f} MB, "
                  f"{c['hits']} hits, {c['misses']} misses; jobs started {health['jobs']['started']}"
                  f", rejected {health['jobs']['rejected']}")
        finally:
            _stop(proc)
    print(f"server stopped (exit code {proc.returncode})")


if __name__ == "__main__":
    main()
