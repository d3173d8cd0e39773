"""Fixtures for the web tests: a toy store file (always) and the real store (when it builds)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import ll_toy_store  # noqa: E402


@pytest.fixture(scope="session")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the toy store (see ``ll_toy_store.py``), built once per session."""
    return ll_toy_store.build(tmp_path_factory.mktemp("webtoy") / "toy.duckdb")


@pytest.fixture(scope="session")
def client(toy_store: Path) -> Iterator[object]:
    """FastAPI TestClient on the toy store."""
    from fastapi.testclient import TestClient

    from labourlink.web.app import create_app

    app = create_app(toy_store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.watcher.close()


@pytest.fixture(scope="session")
def real_store(store: Path) -> Path:
    """The real store built by tests/conftest.py's ``store``."""
    return store


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium (``ll_browser.chromium``), one per test module."""
    import ll_browser

    with ll_browser.chromium() as b:
        yield b
