"""Separation: the 18 public ppmlhdfe test sets, each method on its own, singletons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labourlink.gravity import ppml
from labourlink.gravity.demean import FixedEffects
from labourlink.gravity.separation import (
    fe_separation,
    relu_separation,
    simplex_separation,
    singletons,
)

CASES = [f"{i:02d}" for i in range(1, 19)]


def _load(reference_dir: Path, case: str) -> tuple[pd.DataFrame, str]:
    df = pd.read_csv(reference_dir / "ppmlhdfe_separation" / f"{case}.csv")
    xs = [c for c in df.columns if c.startswith("x")]
    ids = [c for c in df.columns if c.startswith("id")]
    rhs = " + ".join(xs) if xs else "1"
    fml = f"y ~ {rhs}" + (f" | {' + '.join(ids)}" if ids else "")
    return df, fml


@pytest.mark.parametrize("case", CASES)
def test_ppmlhdfe_separation_sets(reference_dir: Path, case: str) -> None:
    df, fml = _load(reference_dir, case)
    res = ppml(df, fml, vcov="iid", drop_singletons=False)
    truth = df["separated"].to_numpy().astype(bool)
    assert res.separated.tolist() == truth.tolist()
    assert res.nobs == len(df) - truth.sum()
    assert not res.singleton.any()


@pytest.mark.parametrize("method", ["exact", "weighted"])
@pytest.mark.parametrize("case", CASES)
def test_relu_alone_after_fe_check(reference_dir: Path, case: str, method: str) -> None:
    """The ReLU method (both solvers) finds every separated row left after the FE check."""
    df, _ = _load(reference_dir, case)
    xs = [c for c in df.columns if c.startswith("x")]
    ids = [c for c in df.columns if c.startswith("id")]
    y = df["y"].to_numpy(float)
    X = df[xs].to_numpy(float) if xs else np.empty((len(df), 0))
    truth = df["separated"].to_numpy().astype(bool)
    keep = np.ones(len(df), dtype=bool)
    if ids:
        codes = np.vstack([pd.factorize(df[c])[0] for c in ids])
        keep &= ~fe_separation(y, codes)
        fe = FixedEffects.from_codes(codes[:, keep])
    else:
        X = np.column_stack([np.ones(len(df)), X])
        fe = None
    sep, ok = relu_separation(y[keep], X[keep], fe, method=method)
    assert ok
    found = ~keep
    found[np.flatnonzero(keep)[sep]] = True
    assert found.tolist() == truth.tolist()


@pytest.mark.parametrize("case", ["05", "06", "09", "10", "11", "14", "15", "16", "17", "18"])
def test_simplex_on_models_without_fixed_effects(reference_dir: Path, case: str) -> None:
    df, _ = _load(reference_dir, case)
    xs = [c for c in df.columns if c.startswith("x")]
    X = np.column_stack([np.ones(len(df)), df[xs].to_numpy(float)])
    sep = simplex_separation(df["y"].to_numpy(float), X)
    assert sep.tolist() == df["separated"].astype(bool).tolist()


def test_fe_separation_and_singletons() -> None:
    y = np.array([0, 0, 1, 2, 0, 3, 1.0])
    codes = np.array([[0, 0, 1, 1, 2, 2, 3], [0, 1, 0, 1, 0, 1, 1]])
    assert fe_separation(y, codes).tolist() == [True, True, False, False, False, False, False]
    # group 3 of the first FE holds one row -> singleton; nothing else becomes one
    assert singletons(codes).tolist() == [False] * 6 + [True]
    # chains: dropping a singleton can create another
    chain = np.array([[0, 0, 1, 2], [0, 1, 1, 2]])
    assert singletons(chain).tolist() == [True, True, True, True]


def test_singletons_reported_and_dropped(fixest_trade: pd.DataFrame) -> None:
    df = fixest_trade.copy()
    extra = df.iloc[[0]].assign(Origin="ZZ")  # an origin seen once
    df = pd.concat([df, extra], ignore_index=True)
    res = ppml(df, "Euros ~ log(dist_km) | Origin + Destination + Product + Year", vcov="iid")
    assert res.singleton.tolist() == [False] * len(fixest_trade) + [True]
    assert res.nobs == len(fixest_trade)
    res2 = ppml(df, "Euros ~ log(dist_km) | Origin + Destination + Product + Year",
                vcov="iid", drop_singletons=False)
    assert res2.nobs == len(df) and not res2.singleton.any()
