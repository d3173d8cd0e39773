"""Data every task of a run needs, shipped to the workers once.

:class:`TaskData` holds named DataFrames and one picklable ``extra`` object (settings, small
arrays). A run ships it one of two ways (:attr:`RunnerOptions.ship
<labourlink.cluster.runner.RunnerOptions>`):

``"parquet"`` (default)
    :func:`write_task_data` writes each frame to a Parquet file and ``extra`` to a pickle file in
    a content-addressed folder ``<runs dir>/data/<token>/`` (reused when it exists); a task carries
    a :class:`DataRef` (the folder and the files' SHA-256) and each worker process reads the files
    once (:func:`load_task_data`, cached per process by token) and checks their checksums. The
    folder must be readable by the workers (always true on one machine; on a cluster put
    ``LABOURLINK_RUNS_DIR`` on a shared file system).
``"scatter"``
    the client sends the object to every worker once (``Client.scatter(..., broadcast=True)``);
    no shared file system needed.

Either way a task's message carries only its key and a reference to the data.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from labourlink.errors import ClusterError

__all__ = ["DataRef", "TaskData", "load_task_data", "write_task_data"]

CACHE_SIZE = 2
"""Task data sets kept in memory per worker process (least recently used dropped)."""


@dataclass(frozen=True)
class TaskData:
    """What the tasks of a run share: ``frames`` (name -> DataFrame) and ``extra`` (any picklable
    object). A task function receives it as its first argument."""

    frames: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    extra: Any = None

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the content: frame names, columns, dtypes and values, and ``extra``."""
        h = hashlib.sha256()
        for name in sorted(self.frames):
            df = self.frames[name]
            h.update(f"frame {name} {len(df)} {list(map(str, df.columns))} "
                     f"{list(map(str, df.dtypes))}\n".encode())
            if len(df):
                h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        h.update(pickle.dumps(self.extra, protocol=5))
        return h.hexdigest()


@dataclass(frozen=True)
class DataRef:
    """Where a run's :class:`TaskData` was written: ``directory`` with ``files`` as
    ``(kind, name, sha256)``, kind ``frame`` (``name.parquet``) or ``extra`` (``extra.pkl``)."""

    token: str
    directory: str
    files: tuple[tuple[str, str, str], ...]

    def paths(self) -> list[Path]:
        """The files of the data set."""
        return [Path(self.directory) / _file_name(kind, name) for kind, name, _ in self.files]


def _file_name(kind: str, name: str) -> str:
    return f"{name}.parquet" if kind == "frame" else "extra.pkl"


def _atomic_write(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_task_data(data: TaskData, directory: Path) -> DataRef:
    """Write ``data`` under ``directory/<token>/`` (Parquet per frame, pickle for ``extra``).

    The folder is named by the content's fingerprint; when it already holds a complete copy
    (its ``manifest.json``), nothing is written.
    """
    token = data.fingerprint()[:24]
    folder = Path(directory) / token
    manifest = folder / "manifest.json"
    if manifest.is_file():
        try:
            files = tuple(tuple(f) for f in json.loads(manifest.read_text())["files"])
            ref = DataRef(token, str(folder.resolve()), files)  # type: ignore[arg-type]
            if all(p.is_file() for p in ref.paths()):
                return ref
        except (OSError, ValueError, KeyError, TypeError):
            pass  # rewrite below
    folder.mkdir(parents=True, exist_ok=True)
    out: list[tuple[str, str, str]] = []
    for name in sorted(data.frames):
        if not name.isidentifier():
            raise ClusterError(f"task data frame name {name!r} must be an identifier (it names "
                               "a file)")
        buf = io.BytesIO()
        data.frames[name].to_parquet(buf, index=False)
        payload = buf.getvalue()
        _atomic_write(folder / _file_name("frame", name), payload)
        out.append(("frame", name, hashlib.sha256(payload).hexdigest()))
    try:
        payload = pickle.dumps(data.extra, protocol=5)
    except Exception as exc:
        raise ClusterError(f"task data `extra` cannot be pickled ({type(exc).__name__}: {exc}); "
                           "pass plain data (numbers, arrays, dataclasses, pydantic models)") from exc
    _atomic_write(folder / "extra.pkl", payload)
    out.append(("extra", "extra", hashlib.sha256(payload).hexdigest()))
    _atomic_write(manifest, json.dumps({"token": token, "files": out}).encode())
    return DataRef(token, str(folder.resolve()), tuple(out))


_CACHE: OrderedDict[str, TaskData] = OrderedDict()
_LOCK = threading.Lock()


def where() -> str:
    """This worker's address, or ``"this process"`` outside a Dask worker."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "this process"


def load_task_data(ref: DataRef, worker: str | None = None) -> TaskData:
    """The :class:`TaskData` of ``ref``, read once per process and kept (by token).

    ``worker`` names this process in error messages (default: the Dask worker's address).

    Raises
    ------
    ClusterError
        A file is missing or unreadable here, or its checksum differs from the one written
        (the message names the worker, the file and the fix).
    """
    with _LOCK:
        hit = _CACHE.get(ref.token)
        if hit is not None:
            _CACHE.move_to_end(ref.token)
            return hit
        frames: dict[str, pd.DataFrame] = {}
        extra: Any = None
        worker = worker or where()
        for (kind, name, sha), path in zip(ref.files, ref.paths(), strict=True):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise ClusterError(
                    f"worker {worker} cannot read the run data file {path} ({exc.strerror or exc}"
                    "). The workers read the data from LABOURLINK_RUNS_DIR (default out/runs "
                    "under the client's working directory): put it on a file system every worker "
                    "mounts at the same path, or ship the data with RunnerOptions(ship='scatter') "
                    "/ LABOURLINK_SHIP=scatter") from None
            got = hashlib.sha256(raw).hexdigest()
            if got != sha:
                raise ClusterError(
                    f"worker {worker}: run data file {path} has SHA-256 {got[:12]}..., expected "
                    f"{sha[:12]}... (changed or truncated since it was written); delete the "
                    f"folder {ref.directory} and rerun")
            if kind == "frame":
                frames[name] = pd.read_parquet(io.BytesIO(raw))
            else:
                extra = pickle.loads(raw)
        data = TaskData(frames, extra)
        _CACHE[ref.token] = data
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return data
