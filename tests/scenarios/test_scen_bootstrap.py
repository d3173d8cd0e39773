"""GEPPML bootstrap of labour-mobility scenarios (labourlink.scenarios.bootstrap) on the toy store
and a simulated gravity panel with the WTO panel's columns."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from conftest import EPS_SPEC
from labourlink.cli import app
from labourlink.cluster import RunnerOptions
from labourlink.errors import InvalidArgumentError
from labourlink.gravity import ppml
from labourlink.gravity.bootstrap import bootstrap_ppml
from labourlink.gravity.presets import get_preset
from labourlink.scenarios.bootstrap import bootstrap_scenario, with_coefficients
from labourlink.scenarios.coefficients import CoefficientEstimate, StoreEstimate
from labourlink.scenarios.inputs import load_inputs
from labourlink.scenarios.mobility import run_scenario
from labourlink.scenarios.spec import parse_spec

QUIET = RunnerOptions(progress=False)
FIELDS = ("delta_exports_usd", "delta_imports_usd", "delta_real_gdp_pct", "delta_remittances_usd")
MODEL = next(m for m in get_preset("structural").models if m.label == "structural + mig")


def wto_like_panel(n: int = 12, years: int = 4, seed: int = 0) -> pd.DataFrame:
    """Exporter x importer x year trade with the WTO panel's columns for the scenario model."""
    rng = np.random.default_rng(seed)
    c = np.array([f"Z{i:02d}" for i in range(n)])
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    off = ii != jj
    ii, jj = ii[off], jj[off]
    p = ii.size

    def rep(v: np.ndarray) -> np.ndarray:
        return np.repeat(v, years)

    t = np.tile(np.arange(years), p)
    df = pd.DataFrame({"exp": rep(c[ii]), "imp": rep(c[jj]), "year": 2000 + t,
                       "log_dist": rep(rng.uniform(6, 9, p)),
                       "cntg": rep((rng.uniform(size=p) < 0.1).astype(float)),
                       "lang": rep((rng.uniform(size=p) < 0.2).astype(float)),
                       "clny": rep((rng.uniform(size=p) < 0.05).astype(float)),
                       "rta": (t >= rep(rng.integers(0, 2 * years, p))).astype(float),
                       "log_mig": np.log1p(rng.poisson(rep(rng.lognormal(4, 2, p))))})
    df["pair"] = df["exp"] + "_" + df["imp"]
    eta = (12 + rep(rng.normal(0, 0.5, p)) - 0.9 * df["log_dist"] + 0.4 * df["cntg"]
           + 0.2 * df["lang"] + 0.1 * df["clny"] + 0.2 * df["rta"] + 0.05 * df["log_mig"])
    df["trade"] = rng.poisson(np.exp(eta)).astype(float)
    return df


@pytest.fixture(scope="module")
def case(toy_store: Path):  # type: ignore[no-untyped-def]
    spec = parse_spec(EPS_SPEC)
    panel = wto_like_panel()
    fit = ppml(panel, MODEL.formula, vcov={"CRV1": "pair"})
    b, se, v = fit.coef(), fit.se(), fit.vcov
    est = CoefficientEstimate(float(b["log_mig"]), float(se["log_mig"]), float(b["rta"]),
                              float(se["rta"]), "structural", "structural + mig", "log_mig",
                              "rta", int(fit.nobs), "cluster:pair", None,
                              float(v.loc["log_mig", "rta"]))
    con = duckdb.connect(str(toy_store), read_only=True)
    try:
        data = dataclasses.replace(load_inputs(con, spec), coefficients=StoreEstimate(est))
    finally:
        con.close()
    return spec, data, panel


def test_intervals_beside_monte_carlo(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, data, panel = case
    out = bootstrap_scenario(spec, data, panel, replicates=8, seed=3, draws=30,
                             options=QUIET, results_dir=tmp_path)
    assert len(out.used) == 8 and out.coefficients.n_converged == 8
    # the Monte Carlo columns keep their meaning: those of the run without bootstrap
    plain = run_scenario(spec, data, draws=30, seed=3).to_frame()
    f = out.to_frame()
    pd.testing.assert_frame_equal(f[plain.columns], plain)
    # each replicate is the scenario re-solved with that replicate's re-estimated coefficients
    sims = {m: [] for m in FIELDS}  # type: dict[str, list[np.ndarray]]
    d = out.coefficients.draws
    for _, row in d.iterrows():
        g = run_scenario(with_coefficients(spec, row["log_mig"], row["rta"]), data,
                         draws=0).to_frame()
        for m in FIELDS:
            sims[m].append(g[m].to_numpy())
    for m in FIELDS:
        np.testing.assert_array_equal(f[f"{m}_boot_low"], np.percentile(sims[m], 5, axis=0))
        np.testing.assert_array_equal(f[f"{m}_boot_high"], np.percentile(sims[m], 95, axis=0))
    for c in ("NPL", "BGD", "VNM", "KOR"):
        assert f.loc[c, "delta_exports_usd_boot_low"] < f.loc[c, "delta_exports_usd_boot_high"]
    # remittances do not depend on the coefficients: a point interval, as in the Monte Carlo
    np.testing.assert_array_equal(f["delta_remittances_usd_boot_low"],
                                  f["delta_remittances_usd"])
    # the coefficients are those of the gravity bootstrap of the model, replicate by replicate
    alone = bootstrap_ppml(panel, MODEL.formula, replicates=8, seed=3, keep=False, options=QUIET)
    np.testing.assert_array_equal(alone.draws["log_mig"], d["log_mig"])
    np.testing.assert_array_equal(alone.draws["rta"], d["rta"])


def test_json_shape(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, data, panel = case
    out = json.loads(bootstrap_scenario(spec, data, panel, replicates=5, seed=1, draws=10,
                                        options=QUIET, results_dir=tmp_path).to_json())
    assert list(out) == ["scenario", "draws", "countries", "revision", "remittance_matrix",
                         "bootstrap"]
    keys = set(FIELDS) | {f"{m}_{s}" for m in FIELDS for s in ("low", "high", "boot_low",
                                                               "boot_high")}
    assert all(set(v) == keys for v in out["countries"].values())
    b = out["bootstrap"]
    assert b["replicates"] == 5 and b["used"] == 5 and b["seed"] == 1 and b["level"] == 0.9
    assert set(b["coefficients"]) == {"migration_elasticity", "rta_effect"}
    assert b["coefficients"]["migration_elasticity"]["n_boot"] == 5
    assert all(Path(p).is_file() for p in b["results_files"])
    # without draws, only the bootstrap intervals
    none = bootstrap_scenario(spec, data, panel, replicates=5, seed=1, draws=0, options=QUIET,
                              results_dir=tmp_path).to_json_dict()
    assert all(set(v) == set(FIELDS) | {f"{m}_boot_{s}" for m in FIELDS for s in ("low", "high")}
               for v in none["countries"].values())


def test_re_estimation_is_shared_and_resumed(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, data, panel = case
    first = bootstrap_scenario(spec, data, panel, replicates=6, seed=4, draws=0, options=QUIET,
                               results_dir=tmp_path)
    calls: list[object] = []
    # the gravity bootstrap of the same model, data and seed finds every replicate done
    again = bootstrap_ppml(panel, MODEL.formula, replicates=6, seed=4, results_dir=tmp_path,
                           options=QUIET, on_result=lambda k, v: calls.append(k))
    assert calls == [] and again.results_file == first.coefficients.results_file
    # a longer run computes only the new replicates, in both stages
    longer = bootstrap_scenario(spec, data, panel, replicates=9, seed=4, draws=0,
                                options=QUIET, results_dir=tmp_path,
                                on_result=lambda k, v: calls.append(k))
    assert sorted(calls) == [6, 7, 8]  # GE solves of the new replicates only
    assert longer.used[:6] == first.used
    pd.testing.assert_frame_equal(longer.coefficients.draws.iloc[:6],
                                  first.coefficients.draws)


def test_nothing_to_re_estimate(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, data, panel = case
    fixed = parse_spec({**EPS_SPEC, "trade_cost": {"migration_elasticity": 0.1,
                                                   "migration_elasticity_se": 0.02,
                                                   "rta_effect": 0.3, "rta_effect_se": 0.1}})
    with pytest.raises(InvalidArgumentError, match="nothing to re-estimate"):
        bootstrap_scenario(fixed, data, panel, replicates=4, options=QUIET)
    path = tmp_path / "fixed.yaml"
    path.write_text(yaml.safe_dump({**EPS_SPEC, "trade_cost": "literature"}))
    r = CliRunner().invoke(app, ["scenario", "run", str(path), "--bootstrap", "4"])
    assert r.exit_code != 0 and "nothing to re-estimate" in str(r.exception)
    r = CliRunner().invoke(app, ["scenario", "run", str(path), "--workers", "2"])
    assert r.exit_code != 0 and "--bootstrap N as well" in str(r.exception)
