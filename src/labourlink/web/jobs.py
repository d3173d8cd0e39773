"""Long work of the dashboard (scenario runs with draws, model estimates) in a worker process.

Reads are answered by the server process; anything that can take seconds runs in a separate
process (``ProcessPoolExecutor`` with the ``spawn`` start method and ``workers`` processes,
default 1), so it never holds the server's interpreter lock or its DuckDB connection. Work is
bounded: at most ``workers + queue`` jobs are accepted at once; past that a request gets
:class:`Busy` (HTTP 429 with ``Retry-After`` estimated from the mean job time). A worker that died
(out of memory, killed) makes the pool unusable: the request gets :class:`Unavailable` (HTTP 503
with ``Retry-After``) and the pool is started again. Identical requests share one run, and results
are kept (bounded LRU) under the store snapshot's key, so a rebuilt store never serves an old
result.

Jobs are plain functions ``kind(con, **payload) -> dict`` in :data:`JOBS`; errors come back as
``{"error": {...}}`` (labourlink exceptions do not survive pickling with their fields).
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import duckdb

from labourlink.errors import LabourlinkError

#: Results kept per server (each a JSON-able dict of a few hundred kB at most).
RESULT_CACHE_ENTRIES = 64


class Busy(LabourlinkError):
    """Every worker slot and queue place is taken: retry after ``retry_after`` seconds (429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(LabourlinkError):
    """The worker process is not available (died, restarting): retry later (503)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JobFailed(LabourlinkError):
    """A job raised a labourlink error; ``status``, ``loc`` and the message come from the worker."""

    def __init__(self, message: str, status: int, loc: list[str | int], kind: str) -> None:
        super().__init__(message)
        self.status = status
        self.loc = loc
        self.kind = kind


# ------------------------------------------------------------------ worker side
_WORKER: dict[str, Any] = {}


def _worker_con(store: str, identity: tuple[int, ...]) -> duckdb.DuckDBPyConnection:
    """The worker's read-only connection, reopened when the store file changed."""
    from labourlink.store import connect

    if _WORKER.get("key") != (store, identity):
        old = _WORKER.get("con")
        if old is not None:
            old.close()
        _WORKER["con"] = connect(store, read_only=True)
        _WORKER["key"] = (store, identity)
    con: duckdb.DuckDBPyConnection = _WORKER["con"]
    return con


def status_of(exc: LabourlinkError) -> int:
    """HTTP status of a labourlink error raised by an analysis (404, 409, 422 or 400)."""
    from labourlink.errors import InvalidArgumentError, UnknownCountryError
    from labourlink.report.scenario import ScenarioUnavailable

    if isinstance(exc, UnknownCountryError):
        return 404
    if isinstance(exc, ScenarioUnavailable):
        return 409
    if isinstance(exc, InvalidArgumentError):
        return 422
    return 400


def run_job(kind: str, payload: dict[str, Any], store: str,
            identity: tuple[int, ...]) -> dict[str, Any]:
    """Entry point in the worker: run job ``kind`` on the store; errors as ``{"error": ...}``."""
    from labourlink.web import work

    try:
        con = _worker_con(store, identity)
        fn: Callable[..., dict[str, Any]] = getattr(work, f"job_{kind}")
        return {"result": fn(con.cursor(), **payload)}
    except LabourlinkError as exc:
        name = getattr(exc, "name", None)
        return {"error": {"status": status_of(exc), "message": str(exc),
                          "loc": [name] if isinstance(name, str) else [],
                          "kind": type(exc).__name__}}


def _warm() -> int:
    """Import the heavy modules in a fresh worker (so the first job does not pay for it)."""
    import labourlink.scenarios.mobility  # noqa: F401
    import labourlink.web.work  # noqa: F401

    return os.getpid()


# ------------------------------------------------------------------ server side
class JobRunner:
    """Bounded runner of long jobs in worker processes (see the module docstring).

    Parameters
    ----------
    workers
        Worker processes (jobs running at once). Default 1 (this is a 2-core laptop tool).
    queue
        Jobs allowed to wait for a worker; more get :class:`Busy`.
    """

    def __init__(self, workers: int = 1, queue: int = 4) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.queue = queue
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[tuple[Any, ...], Future[dict[str, Any]]] = {}
        self._results: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._mean_seconds = 5.0
        self._closed = False
        self._warming: list[Future[int]] = []
        self.started = 0
        self.rejected = 0

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def warm(self) -> None:
        """Start the worker processes now (in the background)."""
        with self._lock:
            if not self._closed:
                self._warming = [self._executor().submit(_warm) for _ in range(self.workers)]

    @property
    def ready(self) -> bool:
        """True once the worker processes have started and imported the scenario engine."""
        return all(f.done() for f in self._warming)

    @property
    def pending(self) -> int:
        """Jobs running or waiting now."""
        return len(self._pending)

    def retry_after(self) -> int:
        """Seconds a client should wait before retrying (mean job time x jobs ahead / workers)."""
        ahead = len(self._pending) + 1
        return max(1, math.ceil(self._mean_seconds * ahead / self.workers))

    def cached(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        """A kept result of an identical job, if any."""
        with self._lock:
            hit = self._results.get(key)
            if hit is not None:
                self._results.move_to_end(key)
            return hit

    def _submit(self, key: tuple[Any, ...], kind: str, payload: dict[str, Any], store: Path,
                identity: tuple[int, ...]) -> Future[dict[str, Any]]:
        with self._lock:
            if self._closed:
                raise Unavailable("the server is shutting down", 5)
            fut = self._pending.get(key)
            if fut is not None:
                return fut  # an identical job is running: share it
            if len(self._pending) >= self.workers + self.queue:
                self.rejected += 1
                raise Busy(f"the dashboard is busy with {len(self._pending)} long jobs "
                           f"(scenario runs, model estimates; at most {self.workers} at a time "
                           f"and {self.queue} waiting); retry in a moment", self.retry_after())
            try:
                fut = self._executor().submit(run_job, kind, payload, str(store), identity)
            except BrokenProcessPool:
                self._pool = None
                raise Unavailable("the worker process stopped; it is being restarted",
                                  5) from None
            self.started += 1
            self._pending[key] = fut
            t0 = time.monotonic()

            def done(f: Future[dict[str, Any]]) -> None:
                with self._lock:
                    self._pending.pop(key, None)
                    if not f.cancelled() and f.exception() is None:
                        self._mean_seconds = 0.7 * self._mean_seconds + 0.3 * (
                            time.monotonic() - t0)
                        out = f.result()
                        if "result" in out:
                            self._results[key] = out["result"]
                            self._results.move_to_end(key)
                            while len(self._results) > RESULT_CACHE_ENTRIES:
                                self._results.popitem(last=False)

            fut.add_done_callback(done)
            return fut

    async def run(self, kind: str, payload: dict[str, Any], *, store: Path,
                  identity: tuple[int, ...], snapshot_key: str) -> dict[str, Any]:
        """Run job ``kind`` (or reuse an identical one) without blocking the event loop.

        Raises :class:`Busy`, :class:`Unavailable` or :class:`JobFailed`.
        """
        key = (snapshot_key, kind, _freeze(payload))
        hit = self.cached(key)
        if hit is not None:
            return hit
        fut = self._submit(key, kind, payload, store, identity)
        try:
            out = await asyncio.wrap_future(fut)
        except BrokenProcessPool:
            with self._lock:
                self._pool = None
            raise Unavailable("the worker process stopped (out of memory?); it is being "
                              "restarted, retry", 5) from None
        if "error" in out:
            e = out["error"]
            raise JobFailed(e["message"], e["status"], e["loc"], e["kind"])
        result: dict[str, Any] = out["result"]
        return result

    def close(self) -> None:
        """Stop the worker processes (running jobs are cancelled)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            # a running scenario can take minutes (first run on a store estimates coefficients):
            # stop the workers rather than wait for them
            procs = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
            for proc in procs:
                proc.join(timeout=10)


def _freeze(v: Any) -> Any:
    """A hashable, order-independent form of a JSON-like payload."""
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, list | tuple):
        return tuple(_freeze(x) for x in v)
    return v
