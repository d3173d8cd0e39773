"""Fixtures for the gravity engine tests."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from labourlink.config import data_dir

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    d = data_dir()
    if not (d / "fixest_trade" / "trade.csv").is_file():
        pytest.fail(f"raw data not found under {d}; set LABOURLINK_DATA_DIR")
    return d


@pytest.fixture(scope="session")
def reference_dir(raw_dir: Path) -> Path:
    return raw_dir.parent / "reference"


@pytest.fixture(scope="session")
def fixest_trade(raw_dir: Path) -> pd.DataFrame:
    return pd.read_csv(raw_dir / "fixest_trade" / "trade.csv")


@pytest.fixture(scope="module")
def pf():
    """pyfixest, warmed up once per module (its first call compiles numba kernels)."""
    pyfixest = pytest.importorskip("pyfixest")
    from panels import gravity_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyfixest.fepois("trade ~ lmig | exp + imp", gravity_panel(5, 2), vcov="hetero")
    return pyfixest
