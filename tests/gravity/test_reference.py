"""Agreement with pyfixest ``fepois`` and with the published fixest ``trade`` example."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from panels import gravity_panel

from labourlink.gravity import ppml

pytestmark = pytest.mark.reference

FML = "trade ~ lmig + rta | exp^year + imp^year + pair"
VCOVS = ["iid", "hetero", {"CRV1": "pair"}, {"CRV1": "exp+imp"}]


def _pyfixest(pf, fml: str, data: pd.DataFrame, vcov, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.fepois(fml, data, vcov=vcov, iwls_tol=1e-12, fixef_tol=1e-12, **kw)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("vcov", VCOVS, ids=["iid", "hetero", "crv1_pair", "crv1_exp_imp"])
def test_matches_pyfixest_on_gravity_panels(pf, seed: int, vcov) -> None:
    df = gravity_panel(12, 5, seed=seed, zero_pairs=3, singletons=2)
    assert (df["trade"] == 0).mean() > 0.02
    ours = ppml(df, FML, vcov=vcov)  # default tolerances
    ref = _pyfixest(pf, FML, df, vcov)
    assert ours.converged
    assert ours.nobs == ref._N
    np.testing.assert_allclose(ours.coef().to_numpy(), ref.coef().to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.se().to_numpy(), ref.se().to_numpy(), rtol=1e-4)
    assert ours.separated.sum() > 0 and ours.singleton.sum() > 0
    assert list(ours.coef().index) == ["lmig", "rta"]


def test_matches_pyfixest_without_fixed_effects_and_with_weights_offset(pf) -> None:
    df = gravity_panel(8, 3, seed=5, zero_pairs=0, singletons=0)
    df["w"] = np.random.default_rng(0).uniform(0.5, 2.0, len(df))
    df["off"] = np.random.default_rng(1).normal(0, 0.1, len(df))
    ours = ppml(df, "trade ~ lmig + rta + ldist", vcov="hetero")
    ref = _pyfixest(pf, "trade ~ lmig + rta + ldist", df, "hetero")
    np.testing.assert_allclose(ours.coef().to_numpy(), ref.coef().to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.se().to_numpy(), ref.se().to_numpy(), rtol=1e-4)
    assert ours.coef().index[0] == "Intercept"
    ours = ppml(df, "trade ~ lmig + rta | exp + imp", vcov={"CRV1": "pair"}, weights="w",
                offset="off")
    ref = _pyfixest(pf, "trade ~ lmig + rta | exp + imp", df, {"CRV1": "pair"}, weights="w",
                    offset="off")
    np.testing.assert_allclose(ours.coef().to_numpy(), ref.coef().to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.se().to_numpy(), ref.se().to_numpy(), rtol=1e-4)


@pytest.mark.parametrize(
    ("vcov", "se"),
    [({"CRV1": "Origin"}, 0.115678), ({"CRV1": "Origin+Destination"}, 0.130734),
     ({"CRV1": "Product"}, 0.098294)],
    ids=["origin", "two_way", "product"],
)
def test_fixest_trade_example(fixest_trade: pd.DataFrame, vcov, se: float) -> None:
    res = ppml(fixest_trade, "Euros ~ log(dist_km) | Origin + Destination + Product + Year",
               vcov=vcov)
    assert res.nobs == 38325
    assert round(float(res.coef()["log(dist_km)"]), 5) == -1.52787
    assert round(float(res.se()["log(dist_km)"]), 6) == se
