"""Fixtures of the runner tests: a real Dask cluster (scheduler and two worker processes on
127.0.0.1), started as separate programs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "gravity"))

from cluster_helpers import LocalDask, start_dask  # noqa: E402


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDask]:
    """Scheduler and two workers, shared by a test module (tests must not kill its workers)."""
    cl = start_dask(2, tmp_path_factory.mktemp("dask"))
    yield cl
    cl.close()
