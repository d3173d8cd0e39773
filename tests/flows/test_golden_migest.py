"""labourlink.flows against migest (R): golden files made by ``golden/make_golden.R``.

The default suite needs no R: the reference outputs are committed. Small systems are the worked
examples of the papers; the real subsets are closed systems cut from the store (``subsets.py``).
migest fits its closed-system margins by IPF to about 1e-3 persons on the small systems, so those
agree to 2e-3 persons, and the real subsets to a relative 1e-6 (stock differencing, rates) or
2e-5 (demographic accounting: migest's IPF stopping rule, a persons-level tolerance).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from subsets import SUBSETS, build_subset
from systems import SMALL

from labourlink.flows import kernels

VARIANTS = ("sd_zero", "sd_return", "rates", "demo_min", "demo_ind")


def _golden(golden_dir: Path, case: str, variant: str) -> pd.DataFrame:
    path = golden_dir / f"{case}__{variant}.csv"
    assert path.is_file(), f"golden file {path} missing: run golden/make_golden.R"
    return pd.read_csv(path, index_col=0)


def _ours(variant: str, s0: np.ndarray, s1: np.ndarray, b: np.ndarray, d: np.ndarray,
          m_total: float) -> np.ndarray:
    if variant == "sd_zero":
        return kernels.stock_difference(s0, s1, "drop")
    if variant == "sd_return":
        return kernels.stock_difference(s0, s1, "reverse")
    if variant == "rates":
        return kernels.rate_flows(s0, m_total)
    acc = kernels.demographic_accounts(s0, s1, b, d, closed=True)
    if variant == "demo_min":
        return kernels.stayer_flows(acc.start, acc.end)
    return kernels.independence_flows(acc.start, acc.end)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", sorted(SMALL))
def test_small_systems_match_migest(golden_dir: Path, case: str, variant: str) -> None:
    s0, s1, b, d = SMALL[case]
    ref = _golden(golden_dir, case, variant).to_numpy()
    m_total = float(np.abs(s1.sum(axis=0) - s0.sum(axis=0)).sum())
    ours = _ours(variant, s0, s1, b, d, m_total)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=2e-3)


def test_abel_2013_published_minimum_flows(golden_dir: Path) -> None:
    """Abel (2013), 4 regions, no births or deaths: the minimum flows total 150 persons."""
    s0, s1, b, d = SMALL["abel2013"]
    acc = kernels.demographic_accounts(s0, s1, b, d, closed=True)
    f = kernels.stayer_flows(acc.start, acc.end)
    expected = np.zeros((4, 4))
    for (i, j), v in {(0, 2): 50, (1, 0): 35, (1, 2): 25, (2, 0): 10, (2, 1): 10, (3, 0): 10,
                      (3, 1): 10}.items():
        expected[i, j] = v
    np.testing.assert_allclose(f, expected, atol=1e-9)
    assert f.sum() == pytest.approx(150.0)
    np.testing.assert_allclose(_golden(golden_dir, "abel2013", "demo_min").to_numpy(), expected,
                               atol=1e-6)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", sorted(SUBSETS))
def test_real_subsets_match_migest(real: duckdb.DuckDBPyConnection, golden_dir: Path, name: str,
                                   variant: str) -> None:
    sub = build_subset(real, name)
    ref = _golden(golden_dir, name, variant)
    assert list(ref.index) == list(sub.codes) and list(ref.columns) == list(sub.codes)
    ours = _ours(variant, sub.stock_start, sub.stock_end, sub.births, sub.deaths, 1e6)
    ref_arr = ref.to_numpy()
    assert ours.sum() > 0
    rtol = 2e-5 if variant.startswith("demo") else 1e-6
    np.testing.assert_allclose(ours, ref_arr, rtol=rtol, atol=1e-6 * ref_arr.max())
