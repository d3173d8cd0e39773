"""The results object and the API contract of ppml()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from panels import gravity_panel

from labourlink.errors import ConvergenceWarning, EstimationError, InvalidArgumentError
from labourlink.gravity import PPMLResult, ppml

FML = "trade ~ lmig + rta | exp^year + imp^year + pair"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return gravity_panel(10, 4, seed=7, zero_pairs=2, singletons=1)


@pytest.fixture(scope="module")
def res(data: pd.DataFrame) -> PPMLResult:
    return ppml(data, FML, vcov={"CRV1": "pair"}, tol=1e-10)


def test_every_number_comes_from_tidy(res: PPMLResult) -> None:
    t = res.tidy()
    assert list(t.columns) == ["estimate", "std_error", "z_value", "p_value", "conf_low", "conf_high"]
    pd.testing.assert_series_equal(res.coef(), t["estimate"])
    pd.testing.assert_series_equal(res.se(), t["std_error"])
    np.testing.assert_allclose(res.tstat(), t["estimate"] / t["std_error"])
    np.testing.assert_allclose(res.se() ** 2, np.diag(res.vcov))
    np.testing.assert_allclose(res.confint()["conf_high"] - res.coef(), 1.959964 * res.se(), rtol=1e-6)
    assert ((res.pvalue() >= 0) & (res.pvalue() <= 1)).all()
    assert res.to_frame()["term"].tolist() == ["lmig", "rta"]
    # the data-generating values (0.4, 0.3) lie within 4 standard errors
    assert (np.abs(res.coef() - np.array([0.4, 0.3])) < 4 * res.se()).all()


def test_read_only(res: PPMLResult) -> None:
    with pytest.raises(AttributeError):
        res.nobs = 3  # type: ignore[misc]
    t = res.tidy()
    t.loc["lmig", "estimate"] = 99.0
    assert res.coef()["lmig"] != 99.0
    sep = res.separated
    sep[:] = True
    assert not res.separated.all()


def test_summary_str_html(res: PPMLResult) -> None:
    s = res.summary()
    assert "lmig" in s and "CRV1 by pair" in s and f"{res.nobs:,}" in s
    assert str(res) == s
    assert res._repr_html_().startswith("<pre>") and "lmig" in res._repr_html_()


def test_flags_and_fit_statistics(res: PPMLResult, data: pd.DataFrame) -> None:
    assert res.separated.shape == (len(data),) and res.singleton.shape == (len(data),)
    assert res.nobs == len(data) - res.separated.sum() - res.singleton.sum()
    # the all-zero pairs (4 years each) are separated through the pair fixed effect
    zero_pairs = data.groupby("pair")["trade"].transform("sum") == 0
    assert (res.separated[zero_pairs.to_numpy()]).all()
    assert res.converged and res.iterations > 1
    assert res.deviance > 0 and 0 < res.pseudo_r2 < 1


def test_fixef_and_predict_reproduce_fitted_values(res: PPMLResult, data: pd.DataFrame) -> None:
    fx = res.fixef()
    assert set(fx) == {"exp^year", "imp^year", "pair"}
    assert fx["imp^year"].iloc[0] == 0.0 and fx["pair"].iloc[0] == 0.0
    fitted = res.predict()
    assert np.isnan(fitted[~res.sample]).all()
    used = data[res.sample]
    np.testing.assert_allclose(res.predict(used), fitted[res.sample], rtol=1e-8)
    np.testing.assert_allclose(res.predict(used, type="link"), np.log(fitted[res.sample]), rtol=1e-8)
    # first-order condition: residuals sum to zero within every pair
    resid = data.loc[res.sample, "trade"].to_numpy() - fitted[res.sample]
    by_pair = pd.Series(resid).groupby(used["pair"].to_numpy()).sum()
    assert np.abs(by_pair).max() < 1e-5 * data["trade"].max()
    # unseen fixed-effect level -> NaN
    new = used.iloc[:2].assign(pair="nowhere")
    assert np.isnan(res.predict(new)).all()


def test_non_convergence_is_flagged(data: pd.DataFrame) -> None:
    with pytest.warns(ConvergenceWarning, match="did not converge in 2 IRLS iterations"):
        r = ppml(data, FML, max_iter=2)
    assert r.converged is False
    assert "did not converge" in r.summary()


def test_demeaning_short_of_its_tolerance_is_flagged_as_such(data: pd.DataFrame) -> None:
    # one CG iteration per demeaning cannot reach 1e-13: IRLS stops, the result says why
    with pytest.warns(ConvergenceWarning, match=r"demeaning did not reach fixef_tol=1e-13.*"
                                                r"Loosen fixef_tol"):
        r = ppml(data, FML, fixef_tol=1e-13, fixef_maxiter=1)
    assert r.converged is False


def test_collinear_regressors_dropped_and_reported(data: pd.DataFrame) -> None:
    df = data.assign(lmig2=2 * data["lmig"], dist_pair=data.groupby("pair")["ldist"].transform("first"))
    r = ppml(df, "trade ~ lmig + lmig2 + dist_pair + rta | exp^year + imp^year + pair")
    assert r.collinear == ["lmig2", "dist_pair"]
    assert list(r.coef().index) == ["lmig", "rta"]
    base = ppml(data, FML)
    np.testing.assert_allclose(r.coef(), base.coef(), rtol=1e-6)


def test_model_without_fixed_effects(data: pd.DataFrame) -> None:
    r = ppml(data, "trade ~ lmig + rta")
    assert list(r.coef().index) == ["Intercept", "lmig", "rta"]
    assert r.fixef() == {}
    np.testing.assert_allclose(np.nansum(r.predict()), data["trade"].sum(), rtol=1e-6)


def test_argument_errors(data: pd.DataFrame) -> None:
    with pytest.raises(InvalidArgumentError, match=r"vcov='robust' is not allowed; expected"):
        ppml(data, FML, vcov="robust")
    with pytest.raises(InvalidArgumentError, match="cluster columns"):
        ppml(data, FML, vcov={"CRV1": "nope"})
    with pytest.raises(InvalidArgumentError, match="separation"):
        ppml(data, FML, separation=("fe", "magic"))
    with pytest.raises(EstimationError, match="'lmg' is not in the data"):
        ppml(data, "trade ~ lmg | exp")
    with pytest.raises(EstimationError, match="0 on every row"):
        ppml(data.assign(trade=0.0), "trade ~ lmig")


def test_fixef_k_none_drops_fixed_effects_from_small_sample_k() -> None:
    """``fixef_k="none"`` (Stata/capybara convention) rescales the clustered vcov by
    (N - k - K_fe) / (N - k) relative to fixest's ``"nested"`` and leaves estimates unchanged."""
    import numpy as np
    import pandas as pd

    from labourlink.gravity import ppml

    rng = np.random.default_rng(3)
    n_c, n_t = 12, 4
    rows = [(e, i, t) for e in range(n_c) for i in range(n_c) if e != i for t in range(n_t)]
    df = pd.DataFrame(rows, columns=["exp", "imp", "year"])
    df["x"] = rng.normal(size=len(df))
    df["pair"] = df["exp"] * 100 + df["imp"]
    df["y"] = rng.poisson(np.exp(1.0 + 0.3 * df["x"] + 0.1 * df["exp"] - 0.05 * df["imp"]))
    f = "y ~ x | exp^year + imp^year"
    nested = ppml(df, f, vcov={"CRV1": "pair"})
    none = ppml(df, f, vcov={"CRV1": "pair"}, fixef_k="none")
    assert none.coef()["x"] == nested.coef()["x"]
    n, k = nested.nobs, 1
    k_fe = 2 * n_c * n_t - 1  # exp^year and imp^year levels, minus one redundant
    ratio = (n - k - k_fe) / (n - k)
    assert none.se()["x"] ** 2 == pytest.approx(nested.se()["x"] ** 2 * ratio, rel=1e-10)
