"""Bootstrap intervals of labour-mobility scenarios: re-estimate, re-solve, per replicate.

``labourlink scenario run SPEC --bootstrap N [--seed S] [--workers K | --scheduler ADDR]``.

The GEPPML bootstrap of Anderson, Larch and Yotov (2018): the Monte Carlo intervals of
:func:`labourlink.scenarios.run_scenario` draw the two trade-cost coefficients from a normal
distribution; the bootstrap instead carries the estimation uncertainty of the whole gravity
model. Replicate ``r``:

1. resamples the pairs of the WTO panel and re-estimates the linkages model that gives the
   scenario its coefficients (preset ``structural``, model ``structural + mig``: ``log_mig`` and
   ``rta``) with :func:`labourlink.gravity.bootstrap.bootstrap_ppml` (random stream ``(S, r)``;
   duplicated pairs, separation and failed fits are handled as documented there);
2. re-solves the scenario's general equilibrium with replicate ``r``'s coefficients
   (:func:`labourlink.scenarios.run_scenario` with the coefficients set, no Monte Carlo).

Coefficients given in the scenario file are held fixed (they win over estimates, as in a run
without bootstrap). Replicates whose fit did not converge, or lacks one of the two terms, are
left out; the output says how many were used.

The two stages run on the same runner and keep their replicates in two results files: the
first is shared with ``labourlink estimate structural --bootstrap N --seed S`` and with every
other scenario bootstrapped with the same seed on the same store (the expensive part is done
once), the second is this scenario's.

Output: the result of the ordinary run (point estimates and, with ``--draws``, the Monte Carlo
``*_low``/``*_high``, unchanged in meaning) plus, for every output field of every country,
``*_boot_low``/``*_boot_high``: the 5th and 95th percentiles over the replicates (a 90 %
interval, the level of the Monte Carlo one). Fields that do not depend on the coefficients
(remittances) have point intervals, as in the Monte Carlo.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labourlink.cluster import Runner, RunnerOptions, TaskData, results_path, run_digest
from labourlink.errors import InvalidArgumentError
from labourlink.gravity.bootstrap import BootstrapResult, bootstrap_ppml, cluster_column
from labourlink.scenarios.coefficients import (
    ESTIMATE_MODEL,
    ESTIMATE_PRESET,
    MIGRATION_TERM,
    RTA_TERM,
    CoefficientEstimate,
    needs_estimate,
)
from labourlink.scenarios.inputs import ScenarioData
from labourlink.scenarios.mobility import DEFAULT_DRAWS, MobilityResult, run_scenario
from labourlink.scenarios.spec import Scenario

__all__ = ["LEVEL", "ScenarioBootstrap", "bootstrap_scenario", "inputs_fingerprint",
           "with_coefficients"]

SCHEME = 1
LEVEL = 0.90
"""Level of the bootstrap intervals: 5th to 95th percentile, as the Monte Carlo intervals."""


def with_coefficients(spec: Scenario, migration_elasticity: float, rta_effect: float
                      ) -> Scenario:
    """``spec`` with its trade-cost coefficients set (standard errors 0: no draws); values
    given in the scenario file are kept."""
    tc = spec.trade_cost
    new = tc.model_copy(update={
        "migration_elasticity": (tc.migration_elasticity if tc.migration_elasticity is not None
                                 else float(migration_elasticity)),
        "migration_elasticity_se": 0.0,
        "rta_effect": tc.rta_effect if tc.rta_effect is not None else float(rta_effect),
        "rta_effect_se": 0.0,
        "source": "bootstrap replicate"})
    return spec.model_copy(update={"trade_cost": new})


def _norm(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return ("ndarray", str(v.dtype), v.shape, v.tobytes())
    if isinstance(v, dict):
        return ("dict", sorted((repr(k), _norm(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    return v


def inputs_fingerprint(data: ScenarioData) -> str:
    """SHA-256 (hex) of a scenario's store inputs (every field but the notes and the estimate)."""
    parts = [(f.name, _norm(getattr(data, f.name))) for f in dataclasses.fields(data)
             if f.name not in ("notes", "coefficients")]
    return hashlib.sha256(pickle.dumps(parts, protocol=5)).hexdigest()


@dataclass(frozen=True)
class _GEJob:
    spec: Scenario
    data: ScenarioData
    coefs: dict[int, tuple[float, float]]


def _ge_task(data: TaskData, replicate: int) -> dict[str, Any]:
    """Runner task: the scenario re-solved with replicate ``replicate``'s coefficients."""
    job: _GEJob = data.extra
    eps, rta = job.coefs[replicate]
    res = run_scenario(with_coefficients(job.spec, eps, rta), job.data, draws=0)
    f = res.to_frame()
    out: dict[str, Any] = {c: f[c].to_numpy(dtype=float).tolist() for c in f.columns}
    out["region_real_gdp_pct"] = float(res.region_real_gdp_pct)
    out["migration_elasticity"] = float(res.trade_cost.migration_elasticity) if res.trade_cost \
        else float(eps)
    out["rta_effect"] = float(res.trade_cost.rta_effect) if res.trade_cost else float(rta)
    return out


class _Point:
    """The store's estimate of the two coefficients, read like a fitted model (``tidy()``)."""

    def __init__(self, est: CoefficientEstimate) -> None:
        self._t = pd.DataFrame(
            {"estimate": [est.migration_elasticity, est.rta_effect],
             "std_error": [est.migration_elasticity_se, est.rta_effect_se]},
            index=pd.Index([est.migration_term, est.rta_term], name="term"))
        self._t["conf_low"] = self._t["estimate"] - 1.959963984540054 * self._t["std_error"]
        self._t["conf_high"] = self._t["estimate"] + 1.959963984540054 * self._t["std_error"]

    def tidy(self) -> pd.DataFrame:
        return self._t.copy()


@dataclass(frozen=True)
class ScenarioBootstrap:
    """A scenario run with bootstrap intervals. ``tidy()`` is the one source of every number.

    ``result``: the ordinary run (point, Monte Carlo); ``low``/``high``: bootstrap percentiles
    by output field (arrays over ``result.countries_``); ``coefficients``: the bootstrap of the
    gravity model; ``used``: replicates that entered the intervals.
    """

    result: MobilityResult
    replicates: int
    seed: int
    used: tuple[int, ...]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    region_low: float
    region_high: float
    coefficients: BootstrapResult
    coef_draws: pd.DataFrame
    level: float = LEVEL
    results_file: Path | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """The output fields with bootstrap intervals."""
        return tuple(self.low)

    def tidy(self) -> pd.DataFrame:
        """The run's long table (country, measure, stat, value) with the stats ``boot_low`` and
        ``boot_high`` added."""
        n = len(self.result.countries_)
        cs = np.array(self.result.countries_, dtype=object)
        parts = [self.result.tidy()]
        for stat, src in (("boot_low", self.low), ("boot_high", self.high)):
            for m, v in src.items():
                parts.append(pd.DataFrame({"country": cs, "measure": [m] * n, "stat": stat,
                                           "value": v}))
        return pd.concat(parts, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per country: the run's columns and ``<field>_boot_low/_boot_high``."""
        f = self.result.to_frame()
        for m in self.fields:
            f[f"{m}_boot_low"] = self.low[m]
            f[f"{m}_boot_high"] = self.high[m]
        return f

    def bootstrap_info(self) -> dict[str, Any]:
        """The ``bootstrap`` object of the JSON output."""
        ct = self.coefficients.tidy()
        names = {MIGRATION_TERM: "migration_elasticity", RTA_TERM: "rta_effect"}
        coef = {}
        for term, r in ct.iterrows():
            coef[names.get(str(term), str(term))] = {
                "term": str(term), "estimate": float(r["estimate"]),
                "std_error": float(r["std_error"]), "std_error_boot": _f(r["std_error_boot"]),
                "conf_low_boot": _f(r["conf_low_boot"]), "conf_high_boot": _f(r["conf_high_boot"]),
                "n_boot": int(r["n_boot"])}
        return {"scheme": "GEPPML pair bootstrap (Anderson, Larch and Yotov 2018)",
                "replicates": self.replicates, "seed": self.seed, "used": len(self.used),
                "converged_share": self.coefficients.converged_share, "level": self.level,
                "model": f"preset {ESTIMATE_PRESET!r}, model {ESTIMATE_MODEL!r}",
                "cluster": self.coefficients.cluster,
                "n_clusters": self.coefficients.n_clusters,
                "coefficients": coef,
                "region_real_gdp_pct": {"point": self.result.region_real_gdp_pct,
                                        "boot_low": self.region_low,
                                        "boot_high": self.region_high},
                "fields": "<field>_boot_low / <field>_boot_high: 5th / 95th percentile over "
                          "the replicates; <field>_low / <field>_high: Monte Carlo",
                "results_files": [str(p) for p in (self.coefficients.results_file,
                                                   self.results_file) if p is not None]}

    def to_json_dict(self, countries: str = "all") -> dict[str, Any]:
        """:meth:`MobilityResult.to_json_dict` with ``<field>_boot_low/_boot_high`` in every
        country and a ``bootstrap`` object."""
        out = self.result.to_json_dict(countries)
        pos = {c: k for k, c in enumerate(self.result.countries_)}
        for c, row in out["countries"].items():
            k = pos[c]
            for m in self.fields:
                row[f"{m}_boot_low"] = float(self.low[m][k])
                row[f"{m}_boot_high"] = float(self.high[m][k])
        out["bootstrap"] = self.bootstrap_info()
        return out

    def to_json(self, countries: str = "all") -> str:
        """JSON text of :meth:`to_json_dict`."""
        return json.dumps(self.to_json_dict(countries), indent=2)

    def summary(self) -> str:
        """The run's summary, then the parties' point, Monte Carlo and bootstrap intervals."""
        f = self.to_frame()
        spec = self.result.spec
        parties = [c for c in (*spec.senders, *spec.receivers) if c in f.index]
        info = self.bootstrap_info()
        lines = [self.result.summary(), "",
                 f"Bootstrap (GEPPML): {self.replicates} replicates of the pair bootstrap of "
                 f"{info['model']} (seed {self.seed}), {len(self.used)} used; "
                 f"{self.level:.0%} intervals"]
        for name, c in info["coefficients"].items():
            lines.append(f"  {name} ({c['term']}): {c['estimate']:.5f}, SE {c['std_error']:.5f} "
                         f"(clustered), {_fmt(c['std_error_boot'])} (bootstrap); 95% bootstrap "
                         f"interval [{_fmt(c['conf_low_boot'])}, {_fmt(c['conf_high_boot'])}]")
        mc = self.result.low is not None
        for m in self.fields:
            lines.append("")
            lines.append(f"{m}: point" + (", Monte Carlo [low, high]" if mc else "")
                         + ", bootstrap [boot_low, boot_high]")
            for c in parties:
                r = f.loc[c]
                mc_txt = f"  MC [{r[m + '_low']:,.4g}, {r[m + '_high']:,.4g}]" if mc else ""
                lines.append(f"  {c}  {r[m]:,.4g}{mc_txt}  boot [{r[m + '_boot_low']:,.4g}, "
                             f"{r[m + '_boot_high']:,.4g}]")
        lines.append("")
        lines.append(f"region real GDP (%): {self.result.region_real_gdp_pct:.4g}, bootstrap "
                     f"[{self.region_low:.4g}, {self.region_high:.4g}]")
        for p in info["results_files"]:
            lines.append(f"replicates kept in {p}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _f(x: Any) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.5f}"


def _check_bootstrappable(spec: Scenario, replicates: int) -> None:
    if not needs_estimate(spec):
        raise InvalidArgumentError(
            "--bootstrap", replicates,
            "a scenario whose trade-cost coefficients come from the store's estimate: this one "
            "takes them all from the scenario file or the literature (trade_cost), so there is "
            "nothing to re-estimate; use --draws for Monte Carlo intervals")


def bootstrap_scenario(spec: Scenario, data: ScenarioData, panel: pd.DataFrame, *,
                       replicates: int, seed: int = 0, draws: int = DEFAULT_DRAWS,
                       result: MobilityResult | None = None,
                       options: RunnerOptions | None = None, runner: Runner | None = None,
                       results_dir: Path | None = None,
                       on_result: Callable[[Any, Any], None] | None = None
                       ) -> ScenarioBootstrap:
    """Bootstrap intervals of a scenario (see the module docstring).

    Parameters
    ----------
    spec, data
        The scenario and its store inputs (:func:`labourlink.scenarios.load_inputs`); the
        inputs must carry the store's estimate of the coefficients.
    panel
        The gravity panel the coefficients are estimated on (the preset's, e.g.
        ``labourlink.gravity.presets.load_data("wto", con)``).
    replicates, seed
        Number of replicates and seed ``S`` (replicate ``r`` uses the stream ``(S, r)``; the
        Monte Carlo draws of the ordinary run use ``seed`` too).
    draws
        Monte Carlo draws of the ordinary run (0: none).
    result
        The ordinary run, if already made.
    options, runner, results_dir
        Where the replicates run and where their results files go.

    Returns
    -------
    ScenarioBootstrap
    """
    from labourlink.gravity.presets import get_preset

    _check_bootstrappable(spec, replicates)
    est = data.coefficients.estimate if data.coefficients is not None else None
    if est is None:
        why = data.coefficients.problem if data.coefficients is not None else "not estimated"
        raise InvalidArgumentError("--bootstrap", replicates,
                                   f"a store on which the linkages model can be estimated (it "
                                   f"failed: {why})")
    p = get_preset(ESTIMATE_PRESET)
    model = next(m for m in p.models if m.label == ESTIMATE_MODEL)
    cluster = cluster_column(p.vcov, list(panel.columns))
    res0 = result if result is not None else run_scenario(spec, data, draws=draws, seed=seed)
    own = runner is None
    rn = runner if runner is not None else Runner(options)
    try:
        coefs = bootstrap_ppml(panel, model.formula, replicates=replicates, seed=seed,
                               cluster=cluster, sample=model.sample or None, point=_Point(est),
                               runner=rn, results_dir=results_dir,
                               label=f"{ESTIMATE_PRESET}: {ESTIMATE_MODEL}", vcov_label=p.vcov)
        d = coefs.draws
        ok = d[d["converged"] & np.isfinite(d[MIGRATION_TERM]) & np.isfinite(d[RTA_TERM])]
        table = {int(r): (float(e), float(b)) for r, e, b in
                 zip(ok["replicate"], ok[MIGRATION_TERM], ok[RTA_TERM], strict=True)}
        if len(table) < 2:
            raise InvalidArgumentError("--bootstrap", replicates,
                                       f"more replicates: only {len(table)} of {replicates} "
                                       "re-estimations converged")
        stage1 = coefs.run_key
        key = {"kind": "scenario-ge-bootstrap", "scheme": SCHEME,
               "spec": spec.model_dump(mode="json"), "inputs": inputs_fingerprint(data)[:32],
               "coefficients": run_digest(stage1)[:32]}
        path = results_path(f"scenario-{spec.name}", key, results_dir)
        job = _GEJob(spec, dataclasses.replace(data, coefficients=None), table)
        got = rn.map(_ge_task, sorted(table), data=TaskData(extra=job), results=path,
                     run_key=key, label=f"GE {spec.name}", on_result=on_result)
        values: dict[int, Any] = {int(k): v for k, v in got.items()}
    finally:
        if own:
            rn.close()
    fields = [c for c in res0.to_frame().columns if not c.endswith(("_low", "_high"))]
    a = round(100 * (1 - LEVEL) / 2, 9)  # 5.0, not 4.999999999999999
    low, high = {}, {}
    for m in fields:
        stack = np.array([values[r][m] for r in sorted(values)], dtype=float)
        low[m] = np.percentile(stack, a, axis=0)
        high[m] = np.percentile(stack, 100 - a, axis=0)
    reg = np.array([values[r]["region_real_gdp_pct"] for r in sorted(values)], dtype=float)
    cd = pd.DataFrame([{"replicate": r, "migration_elasticity": values[r]["migration_elasticity"],
                        "rta_effect": values[r]["rta_effect"]} for r in sorted(values)])
    return ScenarioBootstrap(res0, replicates, int(seed), tuple(sorted(values)), low, high,
                             float(np.percentile(reg, a)), float(np.percentile(reg, 100 - a)),
                             coefs, cd, LEVEL, path)


def cli_run(spec_path: Path, draws: int, seed: int, store: Path | None, replicates: int,
            options: RunnerOptions, fmt: str, revision: str | None = None) -> str:
    """``labourlink scenario run SPEC --bootstrap N``: the ordinary run (with ``draws`` Monte
    Carlo draws), then the bootstrap on the runner; returns the text or JSON to print."""
    from rich.console import Console

    from labourlink.gravity.presets import get_preset, load_data
    from labourlink.scenarios.inputs import load_inputs
    from labourlink.scenarios.spec import load_spec
    from labourlink.store.db import connect

    spec = load_spec(spec_path)
    _check_bootstrappable(spec, replicates)
    p = get_preset(ESTIMATE_PRESET)
    status = Console(stderr=True).status(f"scenario {spec.name!r}: reading inputs and the "
                                         f"{p.data} panel from the store")
    with status:
        con = connect(store)
        try:
            data = load_inputs(con, spec, revision)
            panel = load_data(p.data, con, p.years, data.revision)
        finally:
            con.close()
        status.update(f"scenario {spec.name!r}: general equilibrium and {draws} Monte Carlo "
                      "draws")
        res0 = run_scenario(spec, data, draws=draws, seed=seed)
    out = bootstrap_scenario(spec, data, panel, replicates=replicates, seed=seed, draws=draws,
                             result=res0, options=options)
    return out.to_json() if fmt == "json" else out.summary()
