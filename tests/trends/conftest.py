"""Fixtures for the trends tests: a toy store (always) and the real store (when built)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import toystore  # noqa: E402


@pytest.fixture(scope="session")
def toy() -> duckdb.DuckDBPyConnection:
    """In-memory toy store (see ``toystore.py``); tests only read it."""
    con = toystore.connect()
    yield con
    con.close()


@pytest.fixture(scope="session")
def real(store: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the real store built by the session fixture ``store``."""
    path = store
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()
