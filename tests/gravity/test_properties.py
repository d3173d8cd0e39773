"""Invariance properties (Hypothesis): row order, scale of y, relabelled fixed-effect codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from panels import gravity_panel

from labourlink.gravity import ppml

FML = "trade ~ lmig + rta | exp^year + imp^year + pair"
SETTINGS = settings(max_examples=8, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

_BASE = gravity_panel(8, 4, seed=11, zero_pairs=2, singletons=1)
_REF = ppml(_BASE, FML, vcov={"CRV1": "pair"}, tol=1e-10)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance(seed: int) -> None:
    perm = np.random.default_rng(seed).permutation(len(_BASE))
    shuffled = _BASE.iloc[perm].reset_index(drop=True)
    res = ppml(shuffled, FML, vcov={"CRV1": "pair"}, tol=1e-10)
    np.testing.assert_allclose(res.coef(), _REF.coef(), rtol=1e-7)
    np.testing.assert_allclose(res.se(), _REF.se(), rtol=1e-6)
    # the flags follow the rows
    assert res.separated.tolist() == _REF.separated[perm].tolist()
    assert res.singleton.tolist() == _REF.singleton[perm].tolist()


@SETTINGS
@given(scale=st.floats(1e-3, 1e4))
def test_rescaling_y_leaves_coefficients_unchanged(scale: float) -> None:
    res = ppml(_BASE.assign(trade=_BASE["trade"] * scale), FML, vcov={"CRV1": "pair"},
               tol=1e-10)
    np.testing.assert_allclose(res.coef(), _REF.coef(), rtol=1e-7)
    np.testing.assert_allclose(res.se(), _REF.se(), rtol=1e-6)
    assert res.nobs == _REF.nobs


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_relabelling_fixed_effect_codes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    countries = sorted(_BASE["exp"].unique())
    new = dict(zip(countries, rng.permutation([f"K{i}" for i in range(len(countries))]),
                   strict=True))
    years = {y: int(v) for y, v in zip(sorted(_BASE["year"].unique()),
                                        rng.permutation(range(50, 50 + _BASE["year"].nunique())),
                                        strict=True)}
    df = pd.DataFrame({
        "exp": _BASE["exp"].map(new), "imp": _BASE["imp"].map(new),
        "year": _BASE["year"].map(years), "trade": _BASE["trade"],
        "lmig": _BASE["lmig"], "rta": _BASE["rta"],
    })
    df["pair"] = df["exp"] + "|" + df["imp"]
    res = ppml(df, FML, vcov={"CRV1": "pair"}, tol=1e-10)
    np.testing.assert_allclose(res.coef(), _REF.coef(), rtol=1e-7)
    np.testing.assert_allclose(res.se(), _REF.se(), rtol=1e-6)
