"""Run a picklable function over keyed tasks on Dask distributed, with progress and resume.

One code path for three ways of running (:class:`RunnerOptions`):

* in this process (default): a ``LocalCluster`` of one worker thread inside this process;
* ``workers=K``: a ``LocalCluster`` of K worker processes on this machine, one task at a time
  each;
* ``scheduler="tcp://HOST:PORT"``: a running Dask cluster (``dask scheduler`` and
  ``dask worker tcp://HOST:PORT`` on any machines, or a deployment through dask-jobqueue,
  dask-kubernetes, ...).

In every case :meth:`Runner.map` ships the task data once (:mod:`labourlink.cluster.data`), checks
that every worker runs the same labourlink (version and a digest of its source) and can read the
data, submits one task per key (a task carries the key and a reference to the data), writes each
result to the results file as it arrives (:mod:`labourlink.cluster.results`), and shows a progress
bar. A rerun with the same results file computes only the keys missing from it. A worker lost
during the run costs only the tasks it was running (Dask reschedules them on the others). Ctrl-C
cancels the run and keeps what finished.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from rich.console import Console

import labourlink
from labourlink.cluster.data import DataRef, TaskData, load_task_data, where, write_task_data
from labourlink.cluster.progress import RunProgress
from labourlink.cluster.results import Key, ResultsFile, canonical_json, runs_dir
from labourlink.errors import ClusterError, InvalidArgumentError

__all__ = ["Runner", "RunnerOptions", "TaskFunction", "code_digest", "run_tasks"]

TaskFunction = Callable[[TaskData, Any], Any]
"""``fn(data, key) -> JSON-serializable value``; module-level (picklable by reference)."""

Ship = Literal["parquet", "scatter"]
_ADDRESS = re.compile(r"^(?:(tcp|tls|ucx|ws|wss|inproc)://)?(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d{1,5})$")
log = logging.getLogger(__name__)


def _default_ship() -> Ship:
    v = os.environ.get("LABOURLINK_SHIP", "parquet")
    if v not in ("parquet", "scatter"):
        raise InvalidArgumentError("LABOURLINK_SHIP", v, ("parquet", "scatter"))
    return v  # type: ignore[return-value]


def normalise_address(address: str) -> str:
    """``HOST:PORT`` -> ``tcp://HOST:PORT``; other protocols kept; anything else refused."""
    m = _ADDRESS.match(address.strip())
    if m is None:
        raise InvalidArgumentError("--scheduler", address,
                                   "a Dask scheduler address such as tcp://10.0.0.5:8786 or "
                                   "127.0.0.1:8786 (as printed by `dask scheduler`)")
    proto = m.group(1) or "tcp"
    return f"{proto}://{m.group(2)}:{m.group(3)}"


@dataclass(frozen=True, slots=True)
class RunnerOptions:
    """How and where tasks run.

    Parameters
    ----------
    workers
        Start a ``LocalCluster`` of this many worker processes (one thread each). None (default)
        with no ``scheduler``: run in this process.
    scheduler
        Address of a running Dask scheduler (``tcp://HOST:PORT``); excludes ``workers``.
    progress
        Show a progress bar on stderr.
    ship
        ``"parquet"`` (files under ``runs_dir`` that workers read) or ``"scatter"`` (sent once
        to every worker); default ``LABOURLINK_SHIP`` or ``"parquet"``.
    connect_timeout
        Seconds to wait for the scheduler (default 10).
    runs_dir
        Folder of the shipped data files (default :func:`labourlink.cluster.runs_dir`).
    worker_wait
        Seconds to wait for a first worker on an existing scheduler (default 60).
    """

    workers: int | None = None
    scheduler: str | None = None
    progress: bool = True
    ship: Ship | None = None
    connect_timeout: float = 10.0
    runs_dir: Path | None = None
    worker_wait: float = 60.0

    def __post_init__(self) -> None:
        if self.workers is not None and (isinstance(self.workers, bool)
                                         or not isinstance(self.workers, int)
                                         or self.workers < 1):
            raise InvalidArgumentError("--workers", self.workers, "an integer >= 1 (number of "
                                       "local worker processes)")
        if self.workers is not None and self.scheduler is not None:
            raise InvalidArgumentError("--workers", self.workers,
                                       "no --workers together with --scheduler (--workers starts "
                                       "a cluster on this machine, --scheduler uses a running "
                                       "one); give one of them")
        if self.scheduler is not None:
            object.__setattr__(self, "scheduler", normalise_address(self.scheduler))
        if self.ship is not None and self.ship not in ("parquet", "scatter"):
            raise InvalidArgumentError("ship", self.ship, ("parquet", "scatter"))
        if not self.connect_timeout > 0:
            raise InvalidArgumentError("connect_timeout", self.connect_timeout, "seconds > 0")

    @property
    def mode(self) -> str:
        """``in-process``, ``local`` or ``scheduler``."""
        if self.scheduler is not None:
            return "scheduler"
        return "local" if self.workers is not None else "in-process"

    def describe(self) -> str:
        """One line for messages: where the tasks run."""
        if self.scheduler is not None:
            return f"Dask scheduler {self.scheduler}"
        if self.workers is not None:
            return f"local cluster of {self.workers} worker process{'es' if self.workers > 1 else ''}"
        return "this process"


@functools.cache
def code_digest() -> str:
    """16 hex digits of SHA-256 over the labourlink package's ``.py`` files (paths and bytes):
    two installs with the same digest run the same code."""
    root = Path(labourlink.__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _identity() -> tuple[str, str]:
    return str(labourlink.__version__), code_digest()


def _version_problem(expected: tuple[str, str], worker: str | None = None) -> str | None:
    got = _identity()
    if got == expected:
        return None
    worker = worker or where()
    if got[0] != expected[0]:
        return (f"worker {worker} runs labourlink {got[0]}, the client {expected[0]}: install "
                f"labourlink {expected[0]} on every worker (the same environment as the client)")
    return (f"worker {worker} runs labourlink {got[0]} with other source code (digest {got[1]}, "
            f"client {expected[1]}): install the client's labourlink on every worker")


def _worker_check(ref: DataRef | None, expected: tuple[str, str],
                  dask_worker: Any = None) -> dict[str, str | None]:
    """Run on every worker before the tasks (``Client.run``, which passes ``dask_worker``):
    version, code digest, data readable."""
    addr = str(dask_worker.address) if dask_worker is not None else where()
    problem = _version_problem(expected, addr)
    data_problem = None
    if problem is None and ref is not None:
        try:
            load_task_data(ref, addr)
        except ClusterError as exc:
            data_problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - reported to the client with the worker address
            data_problem = f"worker {addr} cannot load the run data: {type(exc).__name__}: {exc}"
    return {"version": problem, "data": data_problem}


#: Runs told to stop (Ctrl-C) on this worker process: their tasks that start from now on
#: return at once without calling the task function (see :meth:`Runner._stop`).
_STOPPED_RUNS: set[str] = set()


def _execute(key: Any, *, fn: TaskFunction, ref: DataRef | TaskData,
             expected: tuple[str, str], run: str = "") -> dict[str, Any]:
    """The task run on a worker: check the code, get the data (cached), call ``fn``."""
    if run in _STOPPED_RUNS:
        return {"skipped": True}
    problem = _version_problem(expected)
    if problem is not None:
        raise ClusterError(problem)
    data = ref if isinstance(ref, TaskData) else load_task_data(ref)
    t0 = time.perf_counter()
    value = fn(data, key)
    return {"value": value, "seconds": time.perf_counter() - t0, "worker": where()}


def _stop_run(run: str) -> None:
    """``Client.run`` helper: tasks of ``run`` that start on this worker from now on skip."""
    _STOPPED_RUNS.add(run)


def _scheduler_states(keys: list[str], dask_scheduler: Any = None) -> dict[str, str]:
    """``Client.run_on_scheduler`` helper: the scheduler's state of each task key."""
    tasks = dask_scheduler.tasks
    return {k: (tasks[k].state if k in tasks else "forgotten") for k in keys}


class _TaskFailed(ClusterError):
    """A task raised: the message names it; :meth:`Runner._run` adds how many finished once
    the run has stopped."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "task"


class Runner:
    """A Dask client for one or more :meth:`map` calls (started on first use, closed on exit).

    Use as a context manager::

        with Runner(RunnerOptions(workers=2)) as runner:
            out = runner.map(fn, keys, data=TaskData(...), results=path, run_key={...})
    """

    def __init__(self, options: RunnerOptions | None = None, console: Console | None = None
                 ) -> None:
        self.options = options or RunnerOptions()
        self.console = console or Console(stderr=True)
        self._client: Any = None
        self._cluster: Any = None
        self._checked: set[tuple[str, str]] = set()

    # --- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Runner:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and any cluster this runner started."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        try:
            if client is not None:
                client.close(timeout=10)
        except Exception as exc:  # noqa: BLE001 - closing must not hide the run's outcome
            log.debug("closing the Dask client: %s", exc)
        try:
            if cluster is not None:
                cluster.close(timeout=10)
        except Exception as exc:  # noqa: BLE001
            log.debug("closing the local cluster: %s", exc)

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (started on first access)."""
        if self._client is None:
            self._start()
        return self._client

    def _start(self) -> None:
        from distributed import Client, LocalCluster

        o = self.options
        quiet = logging.CRITICAL
        if o.scheduler is not None:
            t0 = time.perf_counter()
            try:
                self._client = Client(o.scheduler, timeout=o.connect_timeout,
                                      set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {o.scheduler} (gave up after "
                    f"{time.perf_counter() - t0:.1f} s: {exc}). Check the address and that "
                    f"`dask scheduler` runs there and accepts connections from this machine; "
                    f"start workers with `dask worker {o.scheduler}`. Without --scheduler the "
                    "work runs on this machine (--workers K for K processes)") from None
            return
        if o.workers is not None:
            self._cluster = LocalCluster(
                n_workers=o.workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=quiet,
                preload=["labourlink.cluster._preload"],
                env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                     "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        else:
            self._cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                         dashboard_address=":0", silence_logs=quiet)
        self._client = Client(self._cluster, set_as_default=False)

    def _n_workers(self) -> int:
        try:
            return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        except TypeError:  # older distributed: no n_workers argument
            return len(self.client.scheduler_info().get("workers", {}))
        except Exception:  # noqa: BLE001 - only for the progress line
            return -1

    def _wait_for_workers(self) -> None:
        if self.options.mode != "scheduler":
            return
        try:
            self.client.wait_for_workers(1, timeout=self.options.worker_wait)
        except (TimeoutError, OSError):
            raise ClusterError(f"the Dask scheduler at {self.options.scheduler} has no workers "
                               f"(waited {self.options.worker_wait:g} s); start some with `dask "
                               f"worker {self.options.scheduler}`") from None

    def _ship(self, data: TaskData | DataRef) -> DataRef | Any:
        if isinstance(data, DataRef):  # already written where the workers read it
            return data
        ship = self.options.ship or _default_ship()
        if ship == "scatter":
            return self.client.scatter(data, broadcast=True, hash=False)
        folder = (self.options.runs_dir or runs_dir()) / "data"
        return write_task_data(data, folder)

    def _check_workers(self, ref: DataRef | None, expected: tuple[str, str]) -> None:
        report: dict[str, dict[str, str | None]] = self.client.run(_worker_check, ref, expected)
        versions = [v["version"] for v in report.values() if v["version"]]
        if versions:
            raise ClusterError(f"{len(versions)} of {len(report)} workers run another "
                               f"labourlink: " + "; ".join(sorted(str(v) for v in versions)))
        unreadable = [v["data"] for v in report.values() if v["data"]]
        if unreadable:
            raise ClusterError(f"{len(unreadable)} of {len(report)} workers cannot read the run "
                               f"data: " + " | ".join(sorted(str(v) for v in unreadable)))

    # --- the one entry point ----------------------------------------------------------------
    def map(self, fn: TaskFunction, keys: Iterable[Key], *,
            data: TaskData | DataRef | None = None,
            results: Path | None = None, run_key: Mapping[str, Any] | None = None,
            label: str = "tasks",
            on_result: Callable[[Key, Any], None] | None = None) -> dict[Key, Any]:
        """Run ``fn(data, key)`` for every key; return ``{key: value}`` in the order of ``keys``.

        Parameters
        ----------
        fn
            A module-level function ``fn(data: TaskData, key) -> value``; ``value`` must be
            JSON-serializable (numbers, strings, bools, None, lists, dicts; numpy scalars and
            arrays are converted). Values come back as decoded from JSON, whether computed now
            or read from the results file, so a resumed run returns the same objects.
        keys
            Task keys, ``int`` or ``str``, unique (e.g. replicate numbers, ISO3 codes).
        data
            What every task needs (:class:`TaskData`), shipped to the workers once; or a
            :class:`DataRef` to data already written where the workers read it
            (:func:`labourlink.cluster.data.write_task_data`).
        results
            Results file (JSON Lines). Keys already in it are not computed again; new results
            are appended as they arrive. None: nothing is kept.
        run_key
            Everything the results depend on (JSON-serializable); required with ``results``.
            A file written under another key is refused.
        label
            Name shown on the progress bar.
        on_result
            Called in this process as ``on_result(key, value)`` after each new result is saved.

        Returns
        -------
        dict
            key -> value, for every key.

        Raises
        ------
        ClusterError
            Unreachable scheduler, workers with another labourlink or unable to read the data,
            a task that raised (the message names its key and the error; finished tasks stay
            in the results file).
        KeyboardInterrupt
            After Ctrl-C: the pending tasks are cancelled and the finished ones kept.
        """
        keys = list(keys)
        for k in keys:
            if isinstance(k, bool) or not isinstance(k, (int, str)):
                raise InvalidArgumentError("keys", k, "int or str task keys")
        if len(set(keys)) != len(keys):
            dup = sorted({str(k) for k in keys if keys.count(k) > 1})[:5]
            raise InvalidArgumentError("keys", dup, "unique task keys")
        if results is not None and run_key is None:
            raise InvalidArgumentError("run_key", None, "a dict describing the run (needed with "
                                       "a results file)")
        data = data if data is not None else TaskData()
        store = ResultsFile(results, run_key or {}) if results is not None else None
        done: dict[Key, Any] = {}
        try:
            if store is not None:
                wanted = set(keys)
                done = {k: rec["value"] for k, rec in store.open().items() if k in wanted}
            todo = [k for k in keys if k not in done]
            if todo:
                self._run(fn, todo, data, store, label, on_result, done, len(keys))
        finally:
            if store is not None:
                store.close()
        return {k: done[k] for k in keys}

    def _run(self, fn: TaskFunction, todo: list[Key], data: TaskData | DataRef, store: ResultsFile | None,
             label: str, on_result: Callable[[Key, Any], None] | None, done: dict[Key, Any],
             total: int) -> None:
        from distributed import as_completed

        client = self.client
        self._wait_for_workers()
        expected = _identity()
        ref = self._ship(data)
        self._check_workers(ref if isinstance(ref, DataRef) else None, expected)
        prefix = f"{_slug(label)}-{uuid.uuid4().hex[:8]}"
        names = [f"{prefix}-{k}" for k in todo]
        futures = client.map(_execute, todo, key=names, pure=False, fn=fn, ref=ref,
                             expected=expected, run=prefix)
        by_name = dict(zip(names, todo, strict=True))
        pending = set(futures)
        n_done_before = len(done)
        with RunProgress(label, total, n_done_before, self.options.progress,
                         self.console) as bar:
            bar.info(f"{self._n_workers()} workers")
            batch: list[tuple[Any, Any]] = []
            try:
                ac = as_completed(futures, loop=client.loop, with_results=True,
                                  raise_errors=False)
                for batch in ac.batches():
                    while batch:
                        fut, out = batch[0]
                        key = by_name[fut.key]
                        self._take(fut, out, key, label, store, done)
                        batch.pop(0)
                        pending.discard(fut)
                        fut.release()
                        bar.advance()
                        if on_result is not None:
                            on_result(key, done[key])
                    bar.info(f"{self._n_workers()} workers")
            except BaseException as exc:
                self._stop(exc, pending, batch, by_name, label, store, done, total, prefix)
                if isinstance(exc, _TaskFailed):
                    kept = f" and are kept in {store.path}" if store is not None else ""
                    raise ClusterError(f"{exc}. {len(done)} of {total} tasks finished"
                                       f"{kept}") from exc.__cause__
                raise

    def _stop(self, exc: BaseException, pending: set[Any], batch: list[tuple[Any, Any]],
              by_name: dict[str, Key], label: str, store: ResultsFile | None,
              done: dict[Key, Any], total: int, run: str = "") -> None:
        """After Ctrl-C or a failed task: cancel what has not started, let the tasks running on
        the workers finish and keep their results (a second Ctrl-C stops at once), keep every
        result that finished but was not saved yet. After any other error: cancel everything.

        Without a race: after Ctrl-C the workers are told first that the run stops (a task of it
        that starts afterwards returns at once without computing), then the scheduler is asked
        which tasks it has handed to a worker or holds finished. Those are waited for and kept;
        the others had not reached a worker and are cancelled. So no replicate is computed and
        thrown away, and a resumed run computes each missing one exactly once. After a failed
        task the workers are not told to stop: every task handed out before it (the scheduler
        hands them out in key order) finishes and is kept."""
        client = self._client
        snapshot = [f for f in pending if by_name.get(f.key) not in done]
        interrupted = isinstance(exc, KeyboardInterrupt)
        if client is None or not (interrupted or isinstance(exc, _TaskFailed)):
            self._cancel(snapshot)
            return
        kept_before = len(done)
        try:
            for fut, out in batch:
                if by_name.get(fut.key) not in done and fut.status == "finished":
                    self._salvage(fut, out, by_name, label, store, done)
            running = self._started(run if interrupted else None, [f.key for f in snapshot])
            self._cancel([f for f in snapshot if f.key not in running and f.status != "finished"])
            waiting = [f for f in snapshot if f.key in running or f.status == "finished"]
            if waiting:
                n_run = sum(f.status != "finished" for f in waiting)
                if n_run and interrupted:
                    self.console.print(f"Ctrl-C: stopping; waiting for the {n_run} running "
                                       f"{label} to finish (Ctrl-C again to stop now)",
                                       soft_wrap=True, markup=False, highlight=False)
                for fut in waiting:
                    if by_name.get(fut.key) in done:
                        continue
                    try:
                        out = fut.result()
                    except Exception:  # noqa: BLE001 - a failed task is simply not kept
                        continue
                    self._salvage(fut, out, by_name, label, store, done)
        except KeyboardInterrupt:
            self.console.print("stopping now", markup=False, highlight=False)
        finally:
            self._cancel(snapshot)
        if not interrupted:
            return  # the error says how many finished (see _run)
        where_kept = f"; they are kept in {store.path}" if store is not None else ""
        self.console.print(f"interrupted: {len(done)} of {total} {label} finished"
                           f"{where_kept} ({len(done) - kept_before} saved while stopping). "
                           "Run the same command again to resume",
                           soft_wrap=True, markup=False, highlight=False)

    def _salvage(self, fut: Any, out: Any, by_name: dict[str, Key], label: str,
                 store: ResultsFile | None, done: dict[Key, Any]) -> None:
        if isinstance(out, dict) and out.get("skipped"):
            return  # started after the stop: nothing was computed
        try:
            self._take(fut, out, by_name[fut.key], label, store, done)
        except ClusterError:
            pass  # only intact results are kept

    def _cancel(self, futures: list[Any]) -> None:
        if futures and self._client is not None:
            try:
                self._client.cancel(futures)
            except Exception as err:  # noqa: BLE001 - already stopping
                log.debug("cancelling: %s", err)

    def _started(self, run: str | None, keys: list[str]) -> set[str]:
        """Stop ``run`` on the workers (unless None), then return the keys the scheduler has
        handed to a worker (``processing``) or holds finished (``memory``): every task that may
        have called the task function is among them."""
        try:
            if run is not None:
                self.client.run(_stop_run, run)
            states = self.client.run_on_scheduler(_scheduler_states, keys)
        except Exception as err:  # noqa: BLE001 - then nothing is waited for
            log.debug("stopping the run on the workers: %s", err)
            return set()
        return {k for k, st in states.items() if st in ("processing", "memory")}

    def _take(self, fut: Any, out: Any, key: Key, label: str, store: ResultsFile | None,
              done: dict[Key, Any]) -> None:
        """Check one finished future's outcome, save its value."""
        if fut.status == "error" or isinstance(out, BaseException):
            exc = out if isinstance(out, BaseException) else fut.exception()
            if isinstance(exc, ClusterError):
                raise ClusterError(str(exc)) from None
            raise _TaskFailed(f"{label}: task {key!r} failed on {self.options.describe()}: "
                              f"{type(exc).__name__}: {exc}") from exc
        if fut.status != "finished" or not isinstance(out, dict):
            raise ClusterError(f"{label}: task {key!r} was {fut.status} (the scheduler lost "
                               "it); run again to resume")
        try:
            text = canonical_json(out["value"])
        except (TypeError, ValueError) as exc:
            raise ClusterError(f"{label}: task {key!r} returned a value that is not "
                               f"JSON-serializable ({exc}); task functions must return numbers, "
                               "strings, lists and dicts") from None
        value = _loads(text)
        if store is not None:
            store.append({"key": key, "value": value, "seconds": round(float(out["seconds"]), 6),
                          "worker": out["worker"]})
        done[key] = value


def _loads(text: str) -> Any:
    return json.loads(text)


def run_tasks(fn: TaskFunction, keys: Iterable[Key], *, data: TaskData | DataRef | None = None,
              options: RunnerOptions | None = None, results: Path | None = None,
              run_key: Mapping[str, Any] | None = None, label: str = "tasks",
              on_result: Callable[[Key, Any], None] | None = None) -> dict[Key, Any]:
    """One-shot :meth:`Runner.map`: start the runner, run the tasks, close it.

    Example (one country brief per task)::

        from labourlink.cluster import RunnerOptions, TaskData, results_path, run_tasks

        def one_brief(data: TaskData, iso3: str) -> dict:     # module level: picklable
            ...                                               # read data.extra["store"], write
            return {"iso3": iso3, "html": str(path)}          # JSON-serializable

        key = {"command": "brief --all", "year": 2020, "store": fingerprint}
        out = run_tasks(one_brief, ["AFG", "ARM", ...], data=TaskData(extra={...}),
                        options=RunnerOptions(workers=2), run_key=key,
                        results=results_path("brief-all", key, out_dir), label="country briefs")
    """
    with Runner(options) as runner:
        return runner.map(fn, keys, data=data, results=results, run_key=run_key, label=label,
                          on_result=on_result)
