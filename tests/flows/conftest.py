"""Fixtures of the flow tests: the real store (read-only) and the folder of golden files."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "sources"))  # rawcopy


@pytest.fixture(scope="session")
def real(store: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the real store (built once per run by ``store``)."""
    con = duckdb.connect(str(store), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    """``tests/flows/golden``: migest outputs and the R script that made them."""
    return HERE / "golden"
