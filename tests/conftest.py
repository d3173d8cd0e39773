"""Shared fixtures: the real raw data folder and the real store, built once per test run."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = (ROOT / ".." / "shared" / "data" / "raw").resolve()
REFERENCE = (ROOT / ".." / "shared" / "data" / "reference").resolve()
OUTPUT = ROOT / "test-output"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of raw official files (``../shared/data/raw``)."""
    if not RAW.is_dir():
        pytest.fail(f"raw data folder {RAW} not found: the tests read the real files")
    return RAW


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/data/reference`` (ppmlhdfe separation test sets)."""
    return REFERENCE


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Folder for artefacts tests write for people to look at (screenshots, PDFs)."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def store(data_dir: Path) -> Path:
    """Path of the real store, built from the raw files once per run (shared by xdist workers).

    The build is a no-op when the inputs are unchanged, so workers simply wait on a file lock
    while the first one builds.
    """
    from labourlink.store import build_store

    target = OUTPUT / "store" / "labourlink.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            build_store(data_dir, target, progress=False)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


@pytest.fixture()
def store_env(store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point LABOURLINK_STORE at the real test store for code that uses the default."""
    monkeypatch.setenv("LABOURLINK_STORE", str(store))
    return store


os.environ.setdefault("MPLBACKEND", "Agg")
# caches written by code under test (e.g. estimated scenario coefficients) stay in test-output/
os.environ["XDG_CACHE_HOME"] = str(OUTPUT / "cache")


@pytest.fixture(scope="module")
def store_con(store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the real store, one per test module."""
    c = duckdb.connect(str(store), read_only=True)
    yield c
    c.close()
