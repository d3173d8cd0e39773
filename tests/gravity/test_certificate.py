"""The fit certificate that lets ppml skip the ReLU separation check, and the IRLS start."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_separation import _gravity_panel

from labourlink.gravity import model, ppml
from labourlink.gravity.irls import IRLSSettings, fit_ppml_irls
from labourlink.gravity.separation import FIT_RATIO, fit_certificate_values, relu_separation

FML = "y ~ lmig + rta | et + it + pair"


def _frame(y: np.ndarray, X: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame({"y": y, "lmig": X[:, 0], "rta": X[:, 1], "et": codes[0],
                       "it": codes[1], "pair": codes[2]})
    if X.shape[1] > 2:
        df["planted"] = X[:, 2]
    return df


@pytest.mark.parametrize("seed", [0, 4])
def test_certificate_skips_relu_and_changes_nothing(seed: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """No separation left after the FE check: the last IRLS step proves it and the ReLU check
    does not run; the estimate is the one of the ReLU-first order."""
    y, X, fe = _gravity_panel(40, 4, seed=seed)
    df = _frame(y, X, fe.codes)
    ref = ppml(df, FML, vcov={"CRV1": "pair"})
    out = fit_ppml_irls(y, X, fe, certify=True)
    low, viol = fit_certificate_values(y, X, fe, out.w, out.resid)
    assert out.certified and low > 0 and viol <= FIT_RATIO * low

    def no_relu(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the ReLU check ran")

    monkeypatch.setattr(model, "relu_separation", no_relu)
    res = ppml(df, FML, vcov={"CRV1": "pair"})
    monkeypatch.setattr(model, "relu_separation", relu_separation)
    monkeypatch.setattr(model, "_FIRST_TRY_MAX_ITER", 0)  # ReLU first, as before
    old = ppml(df, FML, vcov={"CRV1": "pair"})
    for r in (res, old):
        assert r.converged and r.nobs == ref.nobs
        np.testing.assert_allclose(r.coef(), ref.coef(), rtol=1e-9)
        np.testing.assert_allclose(r.se(), ref.se(), rtol=1e-7)
        assert r.separated.tolist() == ref.separated.tolist()


def test_certificate_fails_when_rows_are_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Planted separation (a regressor with the fixed effects): no certificate; the ReLU check
    runs, drops the rows and the model is fitted again on the others."""
    y, X, fe = _gravity_panel(30, 4, seed=1, planted=0.03)
    out = fit_ppml_irls(y, X, fe, certify=True)
    assert not out.certified
    df = _frame(y, X, fe.codes)
    fml = "y ~ lmig + rta + planted | et + it + pair"
    calls: list[int] = []
    real = model.relu_separation

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "relu_separation", spy)
    res = ppml(df, fml, vcov="hetero")
    assert calls and res.converged
    exact, ok = relu_separation(y, X, fe, method="exact")
    assert ok and exact.any()
    assert res.separated.tolist() == exact.tolist()
    assert res.separated[X[:, 2] == 1].all()


@pytest.mark.parametrize("glm_start", [True, False])
def test_starting_values_do_not_change_the_estimate(glm_start: bool) -> None:
    """mu = y + 0.1 (R's glm, the default) and mu = (y + mean y) / 2 (the former start)."""
    y, X, fe = _gravity_panel(30, 5, seed=3)
    ref = fit_ppml_irls(y, X, fe, settings=IRLSSettings(tol=1e-12, fixef_tol=1e-12))
    out = fit_ppml_irls(y, X, fe, settings=IRLSSettings(glm_start=glm_start))
    assert ref.converged and out.converged
    np.testing.assert_allclose(out.beta, ref.beta, rtol=1e-7)
