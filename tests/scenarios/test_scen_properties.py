"""Hypothesis properties: zero shock, country order, monotonicity in workers, conservation."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EPS_SPEC, synthetic
from labourlink.scenarios.ge import GEConfig, solve
from labourlink.scenarios.inputs import load_inputs
from labourlink.scenarios.mobility import run_scenario
from labourlink.scenarios.spec import parse_spec

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _shock(base: pd.DataFrame, seed: int, scale: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    intl = base[base.exporter != base.importer]
    pick = intl.sample(frac=0.3, random_state=seed)
    return pick[["exporter", "importer"]].assign(
        delta_ln_t=rng.normal(0.0, scale, len(pick)))


@SETTINGS
@given(n=st.integers(3, 12), seed=st.integers(0, 10_000),
       method=st.sampled_from(["exact", "geppml"]))
def test_zero_shock_is_baseline(n: int, seed: int, method: str) -> None:
    base = synthetic(n, seed)
    zero = base.loc[base.exporter != base.importer, ["exporter", "importer"]].assign(delta_ln_t=0.0)
    f = solve(base, zero, GEConfig(reference="C00", method=method)).to_frame()
    for m in ("exports_usd", "imports_usd", "omr", "imr", "factory_gate_price", "real_gdp"):
        assert np.array_equal(f[f"{m}_full"].to_numpy(), f[f"{m}_baseline"].to_numpy())
    # and a tiny shock gives a tiny change (the zero case is not a special solution)
    tiny = zero.assign(delta_ln_t=1e-9)
    g = solve(base, tiny, GEConfig(reference="C00")).to_frame()
    assert np.max(np.abs(g["change_real_gdp_full_pct"])) < 1e-5


@SETTINGS
@given(n=st.integers(3, 10), seed=st.integers(0, 10_000), scale=st.floats(0.05, 1.0))
def test_invariant_to_country_order_and_names(n: int, seed: int, scale: float) -> None:
    base = synthetic(n, seed)
    shock = _shock(base, seed, scale)
    ref = solve(base, shock, GEConfig(reference="C00")).to_frame()
    # rename so that the sorted order is reversed, and shuffle the rows
    rename = {f"C{k:02d}": f"Z{n - 1 - k:02d}" for k in range(n)}
    b2 = base.replace({"exporter": rename, "importer": rename}).sample(frac=1.0, random_state=seed)
    s2 = shock.replace({"exporter": rename, "importer": rename}).sample(frac=1.0, random_state=1)
    got = solve(b2, s2, GEConfig(reference=rename["C00"])).to_frame()
    got.index = got.index.map({v: k for k, v in rename.items()})
    got = got.loc[ref.index]
    cols = [c for c in ref.columns if c.endswith("_pct")]
    np.testing.assert_allclose(got[cols].to_numpy(), ref[cols].to_numpy(), rtol=1e-7, atol=1e-9)


@SETTINGS
@given(n=st.integers(3, 12), seed=st.integers(0, 10_000), scale=st.floats(0.05, 1.5),
       closure=st.sampled_from(["phi", "deficit"]))
def test_conservation(n: int, seed: int, scale: float, closure: str) -> None:
    base = synthetic(n, seed)
    shock = _shock(base, seed, scale)
    res = solve(base, shock, GEConfig(reference="C00", closure=closure))
    f = res.to_frame()
    b = res.bilateral()
    for stage in ("baseline", "conditional", "full"):
        # world exports = world imports; world output = world expenditure
        assert f[f"exports_usd_{stage}"].sum() == pytest.approx(f[f"imports_usd_{stage}"].sum(),
                                                                rel=1e-10)
        assert f[f"output_usd_{stage}"].sum() == pytest.approx(f[f"expenditure_usd_{stage}"].sum(),
                                                               rel=1e-10)
        # every country sells its output and buys its expenditure
        x = b.pivot(index="exporter", columns="importer", values=f"trade_{stage}_usd")
        np.testing.assert_allclose(x.sum(axis=1), f[f"output_usd_{stage}"], rtol=1e-8)
        np.testing.assert_allclose(x.sum(axis=0), f[f"expenditure_usd_{stage}"], rtol=1e-8)
    # the conditional stage keeps output and expenditure at the baseline
    np.testing.assert_array_equal(f["output_usd_conditional"], f["output_usd_baseline"])


@pytest.fixture(scope="module")
def toy_data(toy_store: Path):  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(toy_store), read_only=True)
    data = load_inputs(con, parse_spec(EPS_SPEC))
    con.close()
    return data


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w1=st.floats(0, 50_000), extra=st.floats(100, 50_000), ret=st.floats(0, 1))
def test_monotonic_in_workers(toy_data, w1: float, extra: float, ret: float) -> None:  # type: ignore[no-untyped-def]
    def run(w: float) -> pd.DataFrame:
        spec = parse_spec({**EPS_SPEC, "workers_per_year": w, "return_rate": ret})
        return run_scenario(spec, toy_data, draws=0).to_frame()

    a, b = run(w1), run(w1 + extra)
    parties = ["NPL", "BGD", "VNM", "KOR"]
    assert (b.loc[parties, "delta_exports_usd"] > a.loc[parties, "delta_exports_usd"]).all()
    assert (b.loc[parties, "delta_real_gdp_pct"] > a.loc[parties, "delta_real_gdp_pct"]).all()
    senders = ["NPL", "BGD", "VNM"]
    assert (b.loc[senders, "delta_remittances_usd"] > a.loc[senders, "delta_remittances_usd"]).all()
    # remittances received by senders are paid by the receiver: they sum to zero
    assert b["delta_remittances_usd"].sum() == pytest.approx(0.0, abs=1e-6 * b[
        "delta_remittances_usd"].abs().max() + 1e-9)
