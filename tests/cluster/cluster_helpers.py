"""Task functions and a real Dask cluster for the runner tests (importable by the workers too:
the fixtures put this folder on the workers' PYTHONPATH)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labourlink.cluster import TaskData, replicate_rng

HERE = Path(__file__).resolve().parent


def count(counter_dir: str, key: Any) -> None:
    """Record one computation of ``key`` (one file per computation: no lost appends)."""
    d = Path(counter_dir)
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{key}-{os.getpid()}-{time.monotonic_ns()}").touch()


def computed(counter_dir: Path) -> list[str]:
    """Keys computed so far (one entry per computation)."""
    if not counter_dir.is_dir():
        return []
    return sorted(p.name.split("-")[0] for p in counter_dir.iterdir())


def draw_task(data: TaskData, key: int) -> dict[str, Any]:
    """A replicate that draws from its stream and uses the shipped frame; counted; optional
    sleep (``extra["sleep"]`` seconds)."""
    count(data.extra["counter"], key)
    time.sleep(float(data.extra.get("sleep", 0.0)))
    x = data.frames["x"]["v"].to_numpy()
    rng = replicate_rng(data.extra["seed"], key)
    sample = x[rng.integers(0, len(x), len(x))]
    return {"mean": float(sample.mean()), "first": float(sample[0])}


def counted_replicate(data: TaskData, key: int) -> dict[str, Any]:
    """A gravity bootstrap replicate (:func:`fit_replicate`), counted, optional sleep."""
    from labourlink.gravity.bootstrap import fit_replicate

    count(data.extra["counter"], key)
    time.sleep(float(data.extra.get("sleep", 0.0)))
    cfg = data.extra["cfg"]
    return fit_replicate(data.frames["panel"], cfg.formula, cfg.n_clusters, cfg.seed, key)


def failing_task(data: TaskData, key: int) -> int:
    """Raises on key 3."""
    if key == 3:
        raise ValueError("bad replicate 3")
    return key


def unserialisable_task(data: TaskData, key: int) -> Any:
    """Returns something JSON cannot hold."""
    return {"obj": object()}


def numbers_frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    """A small frame to ship."""
    return pd.DataFrame({"v": np.random.default_rng(seed).normal(size=n)})


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalDask:
    """A Dask scheduler and worker processes started as separate programs on 127.0.0.1."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kill_worker(self, i: int = 0) -> None:
        """SIGKILL worker ``i`` (no clean shutdown: as a crashed machine)."""
        self.workers[i].send_signal(signal.SIGKILL)
        self.workers[i].wait(10)

    def close(self) -> None:
        """Stop every process."""
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def start_dask(n_workers: int, tmp: Path, preload: list[Path | None] | None = None) -> LocalDask:
    """``dask scheduler`` on a free port of 127.0.0.1 and ``n_workers`` ``dask worker``
    processes (one thread, no nanny: a killed worker stays dead). ``preload[i]``: a preload
    script for worker i."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH",
                                                                                     "")]),
               NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    logs = tmp / "dask-logs"
    logs.mkdir(parents=True, exist_ok=True)
    sched = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--no-dashboard"], env=env,
        stdout=open(logs / "scheduler.log", "wb"), stderr=subprocess.STDOUT)
    cl = LocalDask(address, sched)
    try:
        for i in range(n_workers):
            cmd = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
                   "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}", "--local-directory",
                   str(tmp / f"w{i}")]
            if preload and preload[i] is not None:
                cmd += ["--preload", str(preload[i])]
            cl.workers.append(subprocess.Popen(cmd, env=env,
                                               stdout=open(logs / f"w{i}.log", "wb"),
                                               stderr=subprocess.STDOUT))
        from distributed import Client

        with Client(address, timeout=60) as c:
            c.wait_for_workers(n_workers, timeout=120)
    except BaseException:
        cl.close()
        raise
    return cl
