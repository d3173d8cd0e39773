"""Separation: the 18 public ppmlhdfe test sets, each method on its own, singletons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labourlink.gravity import ppml
from labourlink.gravity.demean import FixedEffects
from labourlink.gravity.separation import (
    _DUAL_ZTOL,
    _dual_check,
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


# -- fast ReLU paths (dual certificate, acceleration, rounds) -----------------------------------


def _gravity_panel(n_countries: int, n_years: int, seed: int, planted: float = 0.0
                   ) -> tuple[np.ndarray, np.ndarray, FixedEffects]:
    """Sparse exporter x importer x year panel (exp^year + imp^year + pair fixed effects),
    about 40% zeros, after the FE check and singletons (as ``ppml`` calls the ReLU check).

    ``planted`` > 0 adds a dummy regressor equal to 1 on that share of the zero rows: rows
    separated by the regressors together with the fixed effects, invisible to the FE check.
    """
    rng = np.random.default_rng(seed)
    c = np.arange(n_countries)
    e, i = np.meshgrid(c, c, indexing="ij")
    off = e != i
    e, i = e[off], i[off]
    n_pairs = e.size
    exp, imp = np.repeat(e, n_years), np.repeat(i, n_years)
    pair = np.repeat(np.arange(n_pairs), n_years)
    year = np.tile(np.arange(n_years), n_pairs)
    size = rng.normal(0, 1.5, n_countries)
    p_eff = rng.normal(0, 1, n_pairs)
    lmig = 0.5 * p_eff[pair] + rng.normal(0, 1, pair.size)
    rta = (year >= rng.integers(0, 2 * n_years, n_pairs)[pair]).astype(float)
    eta = size[exp] + size[imp] + p_eff[pair] - 1.0 + 0.3 * lmig + 0.4 * rta
    y = rng.poisson(np.exp(eta)).astype(float)
    cols = [lmig, rta]
    if planted:
        zero = np.flatnonzero(y == 0)
        d = np.zeros(len(y))
        d[rng.choice(zero, max(1, int(planted * zero.size)), replace=False)] = 1.0
        cols.append(d)
    X = np.column_stack(cols)
    codes = np.vstack([exp * n_years + year, imp * n_years + year, pair])
    keep = np.ones(len(y), dtype=bool)
    while True:
        idx = np.flatnonzero(keep)
        drop = singletons(codes[:, idx]) | fe_separation(y[idx], codes[:, idx])
        if not drop.any():
            break
        keep[idx[drop]] = False
    return y[keep], X[keep], FixedEffects.from_codes(codes[:, keep])


def test_relu_dual_certificate_without_separation() -> None:
    """No separation left after the FE check: one weighted regression proves it (Gordan)."""
    y, X, fe = _gravity_panel(40, 4, seed=0)
    info: dict = {}
    sep, ok = relu_separation(y, X, fe, method="weighted", info=info)
    assert ok and not sep.any()
    assert info["stop"] == "dual" and info["iterations"] == 1
    exact, ok_exact = relu_separation(y, X, fe, method="exact")
    assert ok_exact and not exact.any()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_relu_accelerated_matches_plain_on_sparse_panel(seed: int) -> None:
    """Planted separation on a sparse gravity panel: accelerated, plain and exact agree."""
    y, X, fe = _gravity_panel(30, 4, seed=seed, planted=0.03)
    info_acc: dict = {}
    info_plain: dict = {}
    acc, ok_acc = relu_separation(y, X, fe, method="weighted", info=info_acc)
    plain, ok_plain = relu_separation(y, X, fe, method="weighted", accelerate=False,
                                      info=info_plain)
    exact, ok_exact = relu_separation(y, X, fe, method="exact")
    assert ok_acc and ok_plain and ok_exact
    assert acc.any()
    assert acc.tolist() == plain.tolist() == exact.tolist()
    # every planted row is separated (z = the dummy)
    assert acc[X[:, 2] == 1].all()
    assert info_acc["iterations"] <= info_plain["iterations"]


def test_relu_accelerated_converges_much_faster_than_plain() -> None:
    """Seed 0: the accelerated iteration converges in a few fits, to the exact set; the plain
    one needs 20x more (121 fits: a few fits stay slightly negative for long; with the former
    N-space demeaning, whose stopping rule left errors of 1e-2 on the light rows, it had not
    converged after 500) and ends on the same set."""
    y, X, fe = _gravity_panel(30, 4, seed=0, planted=0.03)
    info: dict = {}
    acc, ok = relu_separation(y, X, fe, method="weighted", info=info)
    exact, ok_exact = relu_separation(y, X, fe, method="exact")
    assert ok and ok_exact and acc.tolist() == exact.tolist()
    assert info["iterations"] <= 10
    info_plain: dict = {}
    plain, ok_plain = relu_separation(y, X, fe, method="weighted", accelerate=False,
                                      info=info_plain)
    assert ok_plain and plain.tolist() == exact.tolist()
    assert info_plain["iterations"] >= 10 * info["iterations"]


def test_relu_guard_catches_false_negative_of_acceleration() -> None:
    """Constraining the rows whose fit stays negative can hide separated rows: a round
    that used acceleration and found nothing is run again without it."""
    X = np.array([[1, -1, -2], [1, -2, -1], [1, 2, -2], [1, 2, 2], [1, -2, -2], [1, 1, -2],
                  [1, 1, -2]], dtype=float)
    y = np.array([1.0, 0, 0, 0, 0, 0, 0])
    truth = simplex_separation(y, X)  # exact LP without fixed effects
    assert truth.tolist() == [False, True, False, True, False, False, False]
    unguarded, _ = relu_separation(y, X, None, method="weighted", _verify=False)
    assert not unguarded.any()  # acceleration alone misses both rows
    # the unaccelerated rerun is slow here (600 iterations): raise maxiter
    sep, ok = relu_separation(y, X, None, method="weighted", maxiter=2000)
    assert ok and sep.tolist() == truth.tolist()
    exact, ok_exact = relu_separation(y, X, None, method="exact")
    assert ok_exact and exact.tolist() == truth.tolist()


def test_relu_rounds_find_rows_a_single_run_stops_short_of() -> None:
    """After dropping the rows found, a new round finds separated rows whose fit was still
    slightly negative when a single ReLU run stopped (row 3 here, which the single run of
    the exact projection misses; the linear program confirms it)."""
    X = np.array([[1, 0, -2, -1], [-1, 0, 0, 2], [-1, 1, -1, 0], [-2, 0, -2, 0], [1, 1, 1, 0],
                  [2, 1, 1, 1], [-2, -2, -2, 1], [-1, -1, 1, -1], [2, 2, -1, -2],
                  [-2, 0, 0, -2]], dtype=float)
    X = np.column_stack([np.ones(len(X)), X])
    y = np.r_[np.ones(3), np.zeros(7)]
    truth = simplex_separation(y, X)
    assert truth.tolist() == [False] * 3 + [True] * 7
    sep, ok = relu_separation(y, X, None, method="weighted")
    assert ok and sep.tolist() == truth.tolist()


def test_dual_check_rejects_inexact_certificates() -> None:
    """A positive vector that is not orthogonal to [X, D] is no certificate."""
    y, X, fe = _gravity_panel(20, 3, seed=2)
    zero = y == 0
    Xs = X / np.abs(X).max(axis=0)
    low, viol = _dual_check(zero.astype(float), zero, Xs, fe)
    assert low == 1.0 and viol > _DUAL_ZTOL


def _fe_checks_reference(codes: np.ndarray, y: np.ndarray, sample: np.ndarray,
                         drop: bool, fe: bool) -> tuple[np.ndarray, np.ndarray]:
    from labourlink.gravity.separation import fe_separation, singletons

    sample = sample.copy()
    single = np.zeros(len(y), dtype=bool)
    sep = np.zeros(len(y), dtype=bool)
    while True:
        changed = False
        idx = np.flatnonzero(sample)
        if drop:
            s = singletons(codes[:, idx])
            if s.any():
                single[idx[s]] = True
                sample[idx[s]] = False
                changed = True
                idx = np.flatnonzero(sample)
        if fe:
            s = fe_separation(y[idx], codes[:, idx])
            if s.any():
                sep[idx[s]] = True
                sample[idx[s]] = False
                changed = True
        if not changed:
            return single, sep


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 80), st.booleans(), st.booleans())
def test_compiled_fe_checks_equal_the_reference_loop(seed: int, n: int, drop: bool, fe: bool) -> None:
    from labourlink.gravity.separation import fe_checks

    rng = np.random.default_rng(seed)
    codes = np.vstack([rng.integers(0, max(2, n // 3), n), rng.integers(0, max(2, n // 4), n)])
    y = np.where(rng.uniform(size=n) < 0.5, 0.0, rng.poisson(3, n).astype(float))
    sample = rng.uniform(size=n) < 0.9
    codes[:, ~sample] = -1  # rows outside the sample may hold missing codes
    single = np.zeros(n, dtype=bool)
    sep = np.zeros(n, dtype=bool)
    s2 = sample.copy()
    fe_checks(codes, y, s2, single, sep, drop_singletons=drop, fe=fe)
    ref_single, ref_sep = _fe_checks_reference(np.where(codes < 0, 0, codes), y, sample, drop, fe)
    np.testing.assert_array_equal(single, ref_single)
    np.testing.assert_array_equal(sep, ref_sep)
    np.testing.assert_array_equal(s2, sample & ~ref_single & ~ref_sep)
