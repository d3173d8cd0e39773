"""Fixtures for the report tests: the real store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_store(store: Path) -> Path:
    """The real store built by tests/conftest.py's ``store``."""
    return store
