"""The results file of a run: finished tasks, one JSON line each, so a rerun resumes.

Layout (JSON Lines)::

    {"labourlink_results": 1, "run_key": {...}, "labourlink": "0.1.0"}      <- header
    {"key": 17, "value": ..., "seconds": 4.81, "worker": "tcp://127.0.0.1:40113"}
    ...

Each line is written, flushed and fsynced as its task finishes; a line cut short by a crash is
dropped when the file is opened again. The file is locked (``fcntl``) while a run uses it, so two
runs cannot append to it at once. Values are what the task returned, as JSON (floats round-trip
exactly; NaN and infinities are written as ``NaN``/``Infinity``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from labourlink import __version__
from labourlink.errors import ClusterError

__all__ = ["Key", "ResultsFile", "canonical_json", "results_path", "run_digest", "runs_dir"]

Key = int | str
FORMAT = 1


def runs_dir() -> Path:
    """Folder of run data and results files: ``LABOURLINK_RUNS_DIR`` or ``out/runs`` (relative to
    the working directory)."""
    return Path(os.environ.get("LABOURLINK_RUNS_DIR") or "out/runs")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def canonical_json(value: Any, sort_keys: bool = False) -> str:
    """JSON text of ``value`` (numpy scalars and arrays become numbers and lists; dict order kept
    unless ``sort_keys``)."""
    return json.dumps(value, default=_json_default, allow_nan=True, sort_keys=sort_keys)


def run_digest(run_key: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a run key (its canonical JSON)."""
    return hashlib.sha256(canonical_json(dict(run_key), sort_keys=True).encode()).hexdigest()


def results_path(name: str, run_key: Mapping[str, Any], directory: Path | None = None) -> Path:
    """``<directory>/<name>-<12 hex digits of the run key>.jsonl`` (default :func:`runs_dir`):
    the same arguments give the same file, other arguments another one."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "run"
    return (directory or runs_dir()) / f"{slug}-{run_digest(run_key)[:12]}.jsonl"


class ResultsFile:
    """Append-only record of finished tasks of one run (see the module docstring).

    Parameters
    ----------
    path
        The file (created with its folder).
    run_key
        JSON-serializable description of everything the results depend on; a file written for
        another key is refused.
    """

    def __init__(self, path: Path, run_key: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.run_key = json.loads(canonical_json(dict(run_key)))
        self._fh: IO[str] | None = None

    def open(self) -> dict[Key, dict[str, Any]]:
        """Lock the file and return the finished records by key (empty for a new file).

        Raises
        ------
        ClusterError
            The file belongs to another run, is not a results file, or is locked by a run in
            progress.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise ClusterError(f"results file {self.path} is in use by another run (locked); "
                               "wait for it to finish or stop it") from None
        fh.seek(0)
        text = fh.read()
        done: dict[Key, dict[str, Any]] = {}
        if not text:
            fh.write(json.dumps({"labourlink_results": FORMAT, "run_key": self.run_key,
                                 "labourlink": __version__}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            self._fh = fh
            return done
        complete = text[: text.rfind("\n") + 1]
        lines = complete.splitlines()
        try:
            header = json.loads(lines[0]) if lines else None
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("labourlink_results") != FORMAT:
            fh.close()
            raise ClusterError(f"{self.path} is not a labourlink results file (first line: "
                               f"{text[:80]!r}); move it away or choose another file")
        if header.get("run_key") != self.run_key:
            theirs = header.get("run_key") or {}
            diff = sorted(k for k in set(theirs) | set(self.run_key)
                          if theirs.get(k) != self.run_key.get(k))
            fh.close()
            raise ClusterError(f"results file {self.path} holds another run (differs in "
                               f"{', '.join(diff)}); delete it or choose another file")
        for n, line in enumerate(lines[1:], start=2):
            try:
                rec = json.loads(line)
                done[rec["key"]] = rec
            except (ValueError, KeyError, TypeError):
                fh.close()
                raise ClusterError(f"{self.path} line {n} is not a results record ({line[:80]!r})"
                                   "; delete the file to start the run over") from None
        if len(complete) != len(text):  # a line cut short by a crash: drop it
            fh.truncate(len(complete.encode("utf-8")))
        fh.seek(0, os.SEEK_END)
        self._fh = fh
        return done

    def append(self, record: Mapping[str, Any]) -> None:
        """Write one finished task (``key``, ``value``, ...) durably."""
        if self._fh is None:
            raise ClusterError(f"results file {self.path} is not open")
        self._fh.write(canonical_json(dict(record)) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Unlock and close."""
        if self._fh is not None:
            try:
                fcntl.flock(self._fh, fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None
