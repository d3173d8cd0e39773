"""Trade-cost coefficients: estimated by the linkages models by default, cached per store
fingerprint, literature values on request or (said plainly) when the estimation fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from conftest import EPS_SPEC
from labourlink.errors import InvalidArgumentError
from labourlink.scenarios import coefficients as coef_mod
from labourlink.scenarios.coefficients import (
    CoefficientEstimate,
    cache_dir,
    resolve_trade_cost,
    store_fingerprint,
)
from labourlink.scenarios.inputs import load_inputs
from labourlink.scenarios.mobility import run_scenario
from labourlink.scenarios.spec import LITERATURE, parse_spec

FAKE = dict(migration_elasticity=0.08, migration_elasticity_se=0.02, rta_effect=0.31,
            rta_effect_se=0.07, preset="structural", model="structural + mig",
            migration_term="log_mig", rta_term="rta", nobs=1234, vcov="cluster:pair")


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private user cache folder (XDG_CACHE_HOME) for the test."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def _fingerprinted(toy_store: Path, dest: Path, fingerprint: str) -> Path:
    """A copy of the toy store with a ``build_meta`` fingerprint."""
    from labourlink.store.schema import TABLES

    shutil.copy(toy_store, dest)
    con = duckdb.connect(str(dest))
    con.execute(TABLES["build_meta"].create_sql())
    con.execute("INSERT INTO build_meta VALUES ('fingerprint', ?)", [fingerprint])
    con.close()
    return dest


@pytest.fixture()
def fake_estimator(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Replace the PPML estimation by a fixed estimate; returns the list of calls (fingerprints)."""
    calls: list[str | None] = []

    def fake(con: duckdb.DuckDBPyConnection, revision: str | None = None) -> CoefficientEstimate:
        fp = store_fingerprint(con)
        calls.append(fp)
        return CoefficientEstimate(**FAKE, fingerprint=fp, revision=revision or "")  # type: ignore[arg-type]

    monkeypatch.setattr(coef_mod, "estimate_coefficients", fake)
    return calls


def test_spec_basis_and_shorthand() -> None:
    assert parse_spec(EPS_SPEC).trade_cost.basis == "estimated"
    lit = parse_spec({**EPS_SPEC, "trade_cost": "literature"})
    assert lit.trade_cost.basis == "literature" and lit.trade_cost.migration_elasticity is None
    with pytest.raises(InvalidArgumentError, match="trade_cost.*estimated.*literature"):
        parse_spec({**EPS_SPEC, "trade_cost": "guess"})
    with pytest.raises(InvalidArgumentError,
                       match=r"trade_cost\.basis='guess'.*expected estimated, literature"):
        parse_spec({**EPS_SPEC, "trade_cost": {"basis": "guess"}})


def test_estimated_and_cached_by_fingerprint(toy_store: Path, tmp_path: Path, cache_home: Path,
                                             fake_estimator: list[str | None]) -> None:
    db = _fingerprinted(toy_store, tmp_path / "fp.duckdb", "abc123")
    spec = parse_spec(EPS_SPEC)
    con = duckdb.connect(str(db), read_only=True)
    try:
        first = load_inputs(con, spec)
        second = load_inputs(con, spec)
    finally:
        con.close()
    assert fake_estimator == ["abc123"]  # estimated once, then read from the cache
    assert first.coefficients is not None and not first.coefficients.cached
    assert second.coefficients is not None and second.coefficients.cached
    files = list(cache_dir().glob("abc123-*.json"))
    assert cache_dir().is_relative_to(cache_home) and len(files) == 1
    stored = json.loads(files[0].read_text())
    assert stored["fingerprint"] == "abc123" and stored["rta_effect"] == FAKE["rta_effect"]
    assert stored["preset"] == "structural" and stored["nobs"] == 1234
    res = run_scenario(spec, second, draws=0)
    assert res.trade_cost is not None and res.trade_cost.basis == "estimated"
    assert not res.trade_cost.fallback
    assert (res.trade_cost.migration_elasticity, res.trade_cost.rta_effect_se) == (0.08, 0.07)
    note = next(n for n in res.notes if n.startswith("trade-cost coefficients"))
    assert "'structural + mig'" in note and "log_mig 0.0800 (SE 0.0200)" in note
    assert "cached for this store fingerprint" in note
    # the estimated values drive the GE shock: same numbers as giving them in the file
    given = parse_spec({**EPS_SPEC, "trade_cost": {k: FAKE[k] for k in (
        "migration_elasticity", "migration_elasticity_se", "rta_effect", "rta_effect_se")}})
    res_given = run_scenario(given, second, draws=0)
    assert res_given.trade_cost is not None and res_given.trade_cost.basis == "spec"
    np.testing.assert_array_equal(res.to_frame().to_numpy(), res_given.to_frame().to_numpy())
    lit = run_scenario(parse_spec({**EPS_SPEC, "trade_cost": "literature"}), second, draws=0)
    assert not np.allclose(lit.to_frame()["delta_exports_usd"], res.to_frame()["delta_exports_usd"])
    # a store with other inputs (another fingerprint) is estimated again
    db2 = _fingerprinted(toy_store, tmp_path / "fp2.duckdb", "def456")
    con = duckdb.connect(str(db2), read_only=True)
    try:
        load_inputs(con, spec)
    finally:
        con.close()
    assert fake_estimator == ["abc123", "def456"]


def test_draws_use_estimated_standard_errors(toy_store: Path, tmp_path: Path, cache_home: Path,
                                             fake_estimator: list[str | None]) -> None:
    db = _fingerprinted(toy_store, tmp_path / "fp.duckdb", "se1")
    con = duckdb.connect(str(db), read_only=True)
    try:
        est = run_scenario(parse_spec(EPS_SPEC), load_inputs(con, parse_spec(EPS_SPEC)), draws=40)
        wide_spec = parse_spec({**EPS_SPEC, "trade_cost": {"migration_elasticity_se": 0.2}})
        wide = run_scenario(wide_spec, load_inputs(con, wide_spec), draws=40)
    finally:
        con.close()
    assert wide.trade_cost is not None and wide.trade_cost.migration_elasticity_se == 0.2
    assert wide.trade_cost.migration_elasticity == FAKE["migration_elasticity"]  # rest estimated
    assert "given in the scenario file: migration_elasticity_se" in wide.trade_cost.note

    def width(r):  # type: ignore[no-untyped-def]
        f = r.to_frame().loc["NPL"]
        return f["delta_exports_usd_high"] - f["delta_exports_usd_low"]

    assert width(wide) > 2 * width(est) > 0


def test_literature_on_request_does_not_estimate(toy_store: Path, tmp_path: Path,
                                                 cache_home: Path,
                                                 fake_estimator: list[str | None]) -> None:
    db = _fingerprinted(toy_store, tmp_path / "fp.duckdb", "lit")
    con = duckdb.connect(str(db), read_only=True)
    try:
        spec = parse_spec({**EPS_SPEC, "trade_cost": {"basis": "literature", "rta_share": 1.0}})
        data = load_inputs(con, spec)
    finally:
        con.close()
    assert fake_estimator == [] and data.coefficients is None
    res = run_scenario(spec, data, draws=0)
    tc = res.trade_cost
    assert tc is not None and tc.basis == "literature" and not tc.fallback
    assert (tc.migration_elasticity, tc.migration_elasticity_se, tc.rta_effect,
            tc.rta_effect_se) == tuple(LITERATURE[k] for k in (
                "migration_elasticity", "migration_elasticity_se", "rta_effect", "rta_effect_se"))
    assert any("asked for with trade_cost: literature" in n for n in res.notes)
    assert not any("ESTIMATION FAILED" in n for n in res.notes)


def test_fallback_when_estimation_fails_says_so(toy_store: Path, tmp_path: Path,
                                                cache_home: Path) -> None:
    # the toy store has no WTO panel: the real estimator fails, literature values are used
    con = duckdb.connect(str(toy_store), read_only=True)
    try:
        data = load_inputs(con, parse_spec(EPS_SPEC))
    finally:
        con.close()
    assert data.coefficients is not None and data.coefficients.estimate is None
    assert data.coefficients.problem is not None and "StoreError" in data.coefficients.problem
    res = run_scenario(parse_spec(EPS_SPEC), data, draws=0)
    assert res.trade_cost is not None and res.trade_cost.fallback
    assert res.trade_cost.rta_effect == LITERATURE["rta_effect"]
    assert any(n.startswith("ESTIMATION FAILED, literature values used instead") for n in res.notes)
    assert "ESTIMATION FAILED" in res.summary()
    assert not cache_dir().exists()  # nothing cached for a failure
    # without any store estimate (hand-made inputs) the fallback is stated too
    tc = resolve_trade_cost(parse_spec(EPS_SPEC), None)
    assert tc.fallback and "no store connection" in tc.note


def test_cli_json_shape_unchanged_and_warns_on_fallback(toy_store: Path, tmp_path: Path,
                                                        cache_home: Path) -> None:
    import typer

    from labourlink.scenarios import cli

    app = typer.Typer()
    cli.register(app)
    spec_file = tmp_path / "a.yaml"
    spec_file.write_text(yaml.safe_dump(EPS_SPEC))
    r = CliRunner().invoke(app, ["scenario", "run", str(spec_file), "--draws", "3", "--format",
                                 "json", "--store", str(toy_store)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) == {"scenario", "draws", "countries", "revision", "remittance_matrix"}
    assert (out["revision"], out["remittance_matrix"]) == ("2020", "2021")  # the toy store's
    assert set(out["countries"]["KOR"]) == {f"{m}{s}" for m in (
        "delta_exports_usd", "delta_imports_usd", "delta_real_gdp_pct", "delta_remittances_usd")
        for s in ("", "_low", "_high")}
    assert "ESTIMATION FAILED" in r.stderr and "ESTIMATION FAILED" not in r.stdout


@pytest.mark.slow
def test_real_store_estimates_are_used_and_cached(store: Path, cache_home: Path) -> None:
    from labourlink.gravity.presets import run_preset
    from labourlink.scenarios.cli import example_paths
    from labourlink.scenarios.spec import load_spec

    spec = load_spec(next(p for p in example_paths() if p.stem == "kor_eps_quota"))
    con = duckdb.connect(str(store), read_only=True)
    try:
        fp = store_fingerprint(con)
        assert fp is not None and len(fp) >= 32
        data = load_inputs(con, spec)
        again = load_inputs(con, spec)
        ref = run_preset("structural", con=con).models["structural + mig"]
    finally:
        con.close()
    assert data.coefficients is not None and again.coefficients is not None
    est = data.coefficients.estimate
    assert est is not None and not data.coefficients.cached and again.coefficients.cached
    assert again.coefficients.estimate == est and est.fingerprint == fp
    # the same numbers as the linkages preset run directly
    assert est.migration_elasticity == pytest.approx(float(ref.coef()["log_mig"]), rel=1e-9)
    assert est.rta_effect == pytest.approx(float(ref.coef()["rta"]), rel=1e-9)
    assert est.migration_elasticity_se == pytest.approx(float(ref.se()["log_mig"]), rel=1e-9)
    assert est.rta_effect_se == pytest.approx(float(ref.se()["rta"]), rel=1e-9)
    assert est.covariance == pytest.approx(float(ref.vcov.loc["log_mig", "rta"]), rel=1e-9)
    assert est.covariance != 0.0
    assert est.nobs == int(ref.nobs) > 100_000
    assert est.migration_elasticity_se > 0 and est.rta_effect_se > 0
    assert est.migration_elasticity != LITERATURE["migration_elasticity"]
    files = list(cache_dir().glob(f"{fp}-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["nobs"] == est.nobs
    res = run_scenario(spec, again, draws=0)
    assert res.trade_cost is not None and res.trade_cost.basis == "estimated"
    assert res.trade_cost.rta_effect == est.rta_effect
    assert res.trade_cost.covariance == est.covariance  # joint Monte Carlo draws
    assert any("preset 'structural', model 'structural + mig'" in n for n in res.notes)
    assert not any("ESTIMATION FAILED" in n for n in res.notes)


def test_draws_are_joint_normal_with_the_estimated_covariance() -> None:
    from labourlink.scenarios.coefficients import TradeCostCoefficients

    tc = TradeCostCoefficients(0.02, 0.01, 0.19, 0.06, basis="estimated", note="",
                               covariance=-0.7 * 0.01 * 0.06)
    eps, rta = tc.draw(200_000, np.random.default_rng(1))
    assert np.mean(eps) == pytest.approx(0.02, abs=1e-4)
    assert np.std(rta) == pytest.approx(0.06, rel=1e-2)
    assert np.corrcoef(eps, rta)[0, 1] == pytest.approx(-0.7, abs=5e-3)
    # zero covariance: the independent stream used before the covariance was stored
    ind = TradeCostCoefficients(0.02, 0.01, 0.19, 0.06, basis="spec", note="")
    e2, r2 = ind.draw(5, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(e2, rng.normal(0.02, 0.01, 5))
    np.testing.assert_array_equal(r2, rng.normal(0.19, 0.06, 5))


def test_overridden_values_drop_the_covariance(toy_store: Path, tmp_path: Path, cache_home: Path,
                                               fake_estimator: list[str | None]) -> None:
    from labourlink.scenarios.coefficients import StoreEstimate

    est = CoefficientEstimate(**FAKE, fingerprint="f", covariance=0.0005)  # type: ignore[arg-type]
    assert est.correlation == pytest.approx(0.0005 / (0.02 * 0.07))
    joint = resolve_trade_cost(parse_spec(EPS_SPEC), StoreEstimate(est))
    assert joint.covariance == 0.0005 and "correlation +0.357" in joint.note
    spec = parse_spec({**EPS_SPEC, "trade_cost": {"rta_effect": 0.5}})
    part = resolve_trade_cost(spec, StoreEstimate(est))
    assert part.covariance == 0.0 and "independent" in part.note
