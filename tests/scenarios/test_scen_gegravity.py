"""Agreement with gegravity 0.3 (test-only reference implementation) on the same inputs.

gegravity's ``OneSectorGE`` solves the baseline and conditional multilateral resistances of the same
model, so those must agree to 1e-6 relative. Its "full GE" keeps the baseline output and expenditure
shares in the resistance equations (``_full_ge`` builds ``cost_exp_shr``/``cost_out_shr`` from baseline
shares), so its counterfactual resistances equal the conditional ones and its factory-gate prices are
``p_i = 1 / Pi_i(conditional)`` relative to the baseline: a first-order price response, not the
full-endowment equilibrium of the Advanced Guide. That identity is checked too, which pins down what
the two programs compute differently.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from labourlink.scenarios.ge import GEConfig, cost_term, solve

pytestmark = pytest.mark.reference

COEF = {"ln_DIST": -0.7912879096959267, "CNTG": 0.6736455712643092, "INTL_BRDR": -2.474450455844348}


def _gegravity(data: pd.DataFrame, shocked: pd.DataFrame, ge_max_iter: int = 1000):  # type: ignore[no-untyped-def]
    gg = pytest.importorskip("gegravity")
    d = data.copy()
    d["year"] = "2006"
    cols = ["exporter", "importer", "year", "trade_usd", "Y", "E", *COEF]
    bl = gg.BaselineData(d[cols].copy(), trade_var_name="trade_usd", expend_var_name="E",
                         output_var_name="Y")
    cc = gg.CostCoeffs(pd.DataFrame({"var": list(COEF), "coeff": list(COEF.values())}),
                       identifier_col="var", coeff_col="coeff")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rescale in (1, 10, 100, 1000, 10_000, 0.1, 0.01):
            model = gg.OneSectorGE(bl, year="2006", reference_importer="DEU", sigma=7,
                                   cost_variables=list(COEF), cost_coeff_values=cc, quiet=True)
            try:
                model.build_baseline(omr_rescale=rescale, mr_tolerance=1e-12)
            except ValueError:
                continue
            if model.solver_diagnostics["baseline_MRs"].success:
                break
        exp = model.baseline_data.copy()
        exp = exp.drop(columns=["INTL_BRDR"]).merge(
            shocked[["exporter", "importer", "INTL_BRDR"]], on=["exporter", "importer"])
        model.define_experiment(exp)
        model.simulate(ge_tolerance=1e-12, ge_max_iter=ge_max_iter)
    return model


@pytest.fixture(scope="module")
def subset(c2_data: pd.DataFrame) -> pd.DataFrame:
    keep = ["AUS", "CAN", "CHN", "DEU", "GBR", "IDN", "IND", "JPN", "KOR", "MEX", "PHL", "USA"]
    keep = [c for c in keep if c in set(c2_data["exporter"])]
    d = c2_data[c2_data["exporter"].isin(keep) & c2_data["importer"].isin(keep)].copy()
    # output and expenditure of the sub-world, as gegravity reads them from columns
    d["Y"] = d.groupby("exporter")["trade_usd"].transform("sum")
    d["E"] = d.groupby("importer")["trade_usd"].transform("sum")
    return d.reset_index(drop=True)


def _compare(data: pd.DataFrame, ge_max_iter: int = 1000) -> None:
    shocked = data.assign(INTL_BRDR=0.0)
    model = _gegravity(data, shocked, ge_max_iter)
    base = data.assign(ln_t=cost_term(data, COEF))
    shock = base.loc[base.exporter != base.importer, ["exporter", "importer"]].assign(
        delta_ln_t=-COEF["INTL_BRDR"])
    ours = solve(base, shock, GEConfig(reference="DEU")).to_frame()
    mr = model.country_mr_terms.loc[ours.index]
    lab = model.labels
    rtol = 1e-6
    # baseline inward resistances P_j (same normalisation: P_DEU = 1)
    np.testing.assert_allclose(ours["imr_baseline"], mr[lab.baseline_imr], rtol=rtol)
    # conditional changes of both resistances (levels of Pi differ by a world-output scale)
    np.testing.assert_allclose(ours["imr_conditional"] / ours["imr_baseline"],
                               mr[lab.conditional_imr] / mr[lab.baseline_imr], rtol=rtol)
    np.testing.assert_allclose(ours["omr_conditional"] / ours["omr_baseline"],
                               mr[lab.conditional_omr] / mr[lab.baseline_omr], rtol=rtol)
    # baseline modelled international exports (US$)
    cr = model.country_results.loc[ours.index]
    bil = model.bilateral_trade_results.reset_index()
    intl = bil[bil["exporter"] != bil["importer"]]
    gg_exports = intl.groupby("exporter")[lab.baseline_modeled_trade].sum().loc[ours.index]
    np.testing.assert_allclose(ours["exports_usd_baseline"], gg_exports, rtol=rtol)
    # gegravity's full-GE prices: the first-order response 1 / Pi_hat(conditional)
    assert model.solver_diagnostics["full_GE"].success, model.solver_diagnostics["full_GE"].message
    # (gegravity's price equation involves p^(1-sigma) = p^-6, so its solver may return the
    # negative root -p: with 69 countries it does so for 3 of them; compare magnitudes)
    np.testing.assert_allclose(
        np.abs(1 + cr[lab.factory_price_change] / 100),
        ours["omr_baseline"] / ours["omr_conditional"], rtol=rtol)


def test_agrees_with_gegravity_12_countries(subset: pd.DataFrame) -> None:
    _compare(subset)


@pytest.mark.slow
def test_agrees_with_gegravity_69_countries(c2_data: pd.DataFrame) -> None:
    # gegravity's hybr solver needs more than its default 1000 evaluations for 207 unknowns
    _compare(c2_data.reset_index(drop=True), ge_max_iter=50_000)
