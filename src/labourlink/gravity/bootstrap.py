"""Cluster (pair) bootstrap of PPML-HDFE gravity models, run on the Dask runner.

``labourlink estimate PRESET --bootstrap N [--seed S] [--workers K | --scheduler ADDR]``.

The scheme
----------
Replicate ``r`` draws ``G`` clusters with replacement from the ``G`` clusters of the estimation
sample (the clusters of the analytic clustered vcov, by default the directed ``pair``), with the
random stream :func:`labourlink.cluster.replicate_rng` ``(S, r)``, and fits the same model on
the resampled data. Its numbers depend on ``(S, r)`` and the data only: not on the number of
workers, where the replicate ran or the order of completion (each replicate is fitted with one
numba thread, as the engine's parallel reductions would otherwise differ in the last bits
between thread counts).

How duplicated clusters are handled. A cluster drawn ``c`` times enters with frequency weight
``c`` on each of its rows (clusters not drawn get weight 0, which the engine drops). This is the
same estimate as physically stacking ``c`` copies of the cluster **as distinct clusters with their
own fixed-effect levels** (e.g. a pair drawn twice becomes two pairs, each with its own pair
fixed effect): the PPML first-order conditions are linear in the weights, and a copy's own
pair effect solves the same equation as the original's. Exporter-year and importer-year effects
are shared by the copies, as they would be in stacked data. ``tests/gravity/test_bootstrap.py``
checks the equivalence against stacked data with relabelled pairs.

How separated rows are handled. Each replicate is the full estimator applied to the resampled
data: its own singleton and separation checks (fe, simplex, ReLU) drop rows, as the analytic fit
does on the original data; the count is kept per replicate (``n_separated``). A term that is not
identified in a replicate (dropped as collinear, e.g. ``rta`` when no resampled pair has an
agreement) is NaN there and left out of that term's statistics (``n_boot`` says how many
replicates each term uses). A replicate that fails (the engine raises) or whose IRLS does not
converge is kept in the results file with ``converged = False`` and left out of every statistic;
:attr:`BootstrapResult.converged_share` reports the share that converged.

Outputs (:meth:`BootstrapResult.tidy`): the analytic ``estimate``, ``std_error``, ``conf_low``,
``conf_high`` (95 %, normal) beside ``std_error_boot`` (standard deviation of the replicate
estimates, ``ddof=1``), ``conf_low_boot`` / ``conf_high_boot`` (percentile interval at the same
level) and ``n_boot``. Coefficients are in log points, like the model's.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from labourlink.cluster import Runner, RunnerOptions, TaskData, replicate_rng, results_path
from labourlink.errors import ConvergenceWarning, EstimationError, InvalidArgumentError

__all__ = ["BootstrapResult", "PresetBootstrap", "bootstrap_formula", "bootstrap_ppml",
           "bootstrap_preset", "cluster_column", "fit_replicate", "replicate_weights"]

SCHEME = 1
"""Version of the resampling scheme (part of every run key: a new scheme never reuses results)."""
LEVEL = 0.95


# --- one replicate ---------------------------------------------------------------------------
def replicate_weights(codes: np.ndarray, n_clusters: int, seed: int, replicate: int
                      ) -> np.ndarray:
    """Frequency weight of every row in replicate ``replicate``: how many times its cluster was
    drawn among ``n_clusters`` draws with replacement (0: not drawn).

    Parameters
    ----------
    codes
        Cluster of each row, integers ``0 .. n_clusters - 1``.
    """
    draw = replicate_rng(seed, replicate).integers(0, n_clusters, size=n_clusters)
    counts = np.bincount(draw, minlength=n_clusters)
    return counts[codes].astype(np.float64)


def fit_replicate(frame: pd.DataFrame, formula: str, n_clusters: int, seed: int,
                  replicate: int) -> dict[str, Any]:
    """Fit ``formula`` on bootstrap replicate ``replicate`` of ``frame`` (column ``_cluster``:
    cluster codes). Returns ``converged``, ``coef`` (term -> log points; NaN if not identified),
    ``nobs``, ``n_separated``, ``clusters_drawn`` and ``error`` (None, or why it failed)."""
    import numba

    from labourlink.gravity import ppml

    w = replicate_weights(frame["_cluster"].to_numpy(), n_clusters, seed, replicate)
    drawn = int(np.unique(frame["_cluster"].to_numpy()[w > 0]).size)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = ppml(frame, formula, vcov="iid", weights=w)
    except (EstimationError, np.linalg.LinAlgError, FloatingPointError, ValueError) as exc:
        return {"converged": False, "coef": {}, "nobs": 0, "n_separated": 0,
                "clusters_drawn": drawn, "error": f"{type(exc).__name__}: {exc}"[:500]}
    finally:
        numba.set_num_threads(before)
    coef = {str(k): float(v) for k, v in res.coef().items()}
    return {"converged": bool(res.converged), "coef": coef, "nobs": int(res.nobs),
            "n_separated": int(np.asarray(res.separated).sum()), "clusters_drawn": drawn,
            "error": None}


@dataclass(frozen=True)
class _Config:
    formula: str
    seed: int
    n_clusters: int


def _replicate_task(data: TaskData, replicate: int) -> dict[str, Any]:
    """Runner task: replicate number -> :func:`fit_replicate` on the shipped panel."""
    cfg: _Config = data.extra
    return fit_replicate(data.frames["panel"], cfg.formula, cfg.n_clusters, cfg.seed, replicate)


def _needed_columns(df: pd.DataFrame, *texts: str | None) -> list[str]:
    words = set()
    for t in texts:
        if t:
            words |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", t))
    return [c for c in df.columns if str(c) in words]


def task_data(data: pd.DataFrame, formula: str, cluster: str, seed: int,
              sample: str | None = None) -> TaskData:
    """What the replicates need: the columns of ``formula`` (rows of ``sample``, a
    ``DataFrame.query`` string) with the cluster codes ``_cluster``, and the settings."""
    if cluster not in data.columns:
        raise InvalidArgumentError("cluster", cluster, f"a column of the data "
                                   f"({', '.join(map(str, data.columns))})")
    sub = data.query(sample) if sample else data
    cols = _needed_columns(sub, formula)
    frame = sub[cols].reset_index(drop=True)
    codes, uniques = pd.factorize(sub[cluster].reset_index(drop=True), sort=True)
    if (codes < 0).any():  # missing cluster: the analytic clustered fit drops these rows too
        keep = codes >= 0
        frame, codes = frame[keep].reset_index(drop=True), codes[keep]
    if len(uniques) < 2:
        raise EstimationError(f"the bootstrap needs at least 2 clusters of {cluster!r}; the "
                              f"sample has {len(uniques)}")
    frame["_cluster"] = codes.astype(np.int32)
    return TaskData({"panel": frame}, _Config(formula, int(seed), int(len(uniques))))


# --- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BootstrapResult:
    """A cluster bootstrap of one PPML model. ``tidy()`` is the one source of every number.

    ``point``: the analytic fit's tidy table (estimate, std_error, conf_low, conf_high by term);
    ``draws``: one row per replicate (replicate, converged, nobs, n_separated, clusters_drawn,
    error and one column per term, log points).
    """

    formula: str
    cluster: str
    n_clusters: int
    seed: int
    replicates: int
    point: pd.DataFrame
    vcov_label: str
    draws: pd.DataFrame
    level: float = LEVEL
    results_file: Path | None = None
    label: str = ""
    run_key: dict[str, Any] = field(default_factory=dict)
    """What the replicates depend on (names the results file)."""

    @property
    def n_converged(self) -> int:
        """Replicates that converged (used in the statistics)."""
        return int(self.draws["converged"].sum())

    @property
    def converged_share(self) -> float:
        """Share of replicates that converged (0..1)."""
        return self.n_converged / self.replicates if self.replicates else float("nan")

    def tidy(self) -> pd.DataFrame:
        """By term: estimate, std_error, conf_low, conf_high (analytic), std_error_boot,
        conf_low_boot, conf_high_boot (percentile, same level), n_boot."""
        ok = self.draws[self.draws["converged"]]
        a = round((1 - self.level) / 2, 11)  # 0.025, not 0.025000000000000022
        rows = []
        for term, p in self.point.iterrows():
            v = ok[term].to_numpy(dtype=float) if term in ok.columns else np.array([])
            v = v[np.isfinite(v)]
            se = float(np.std(v, ddof=1)) if v.size > 1 else float("nan")
            lo, hi = (np.percentile(v, [100 * a, 100 * (1 - a)]) if v.size
                      else (float("nan"), float("nan")))
            rows.append({"term": term, "estimate": float(p["estimate"]),
                         "std_error": float(p["std_error"]), "conf_low": float(p["conf_low"]),
                         "conf_high": float(p["conf_high"]), "std_error_boot": se,
                         "conf_low_boot": float(lo), "conf_high_boot": float(hi),
                         "n_boot": int(v.size)})
        return pd.DataFrame(rows).set_index("term")

    def to_frame(self) -> pd.DataFrame:
        """The replicates (copy of ``draws``)."""
        return self.draws.copy()

    def describe(self) -> str:
        """One line: scheme, replicates, converged share, seed."""
        return (f"cluster bootstrap: {self.n_clusters:,} clusters of {self.cluster!r} resampled "
                f"with replacement, {self.replicates} replicates (seed {self.seed}), "
                f"{self.n_converged} converged ({self.converged_share:.1%}); percentile "
                f"intervals at {self.level:.0%}")

    def summary(self) -> str:
        """Text table: analytic and bootstrap standard errors and intervals side by side."""
        t = self.tidy()
        pct = f"{self.level:.0%}"
        head = (f"{'term':<22}{'estimate':>11}{'SE ' + _short(self.vcov_label):>18}"
                f"{'SE bootstrap':>14}  {pct + ' CI (normal)':<24}{pct + ' CI (bootstrap)':<24}"
                f"{'n':>6}")
        lines = [f"{self.label or self.formula}: {self.describe()}", head]
        for term, r in t.iterrows():
            lines.append(f"{str(term):<22}{r.estimate:>11.5f}{r.std_error:>18.5f}"
                         f"{r.std_error_boot:>14.5f}  "
                         f"{f'[{r.conf_low:.5f}, {r.conf_high:.5f}]':<24}"
                         f"{f'[{r.conf_low_boot:.5f}, {r.conf_high_boot:.5f}]':<24}"
                         f"{int(r.n_boot):>6}")
        sep = self.draws.loc[self.draws["converged"], "n_separated"]
        if len(sep):
            lines.append(f"rows dropped as separated or singletons per replicate: median "
                         f"{int(np.median(sep)):,} (min {int(sep.min()):,}, max "
                         f"{int(sep.max()):,})")
        failed = self.draws[~self.draws["converged"]]
        if len(failed):
            why = failed["error"].fillna("IRLS did not converge").value_counts()
            lines.append("not converged: " + "; ".join(f"{n} x {w}" for w, n in why.items()))
        if self.results_file is not None:
            lines.append(f"replicates kept in {self.results_file} (the same command resumes "
                         "or extends the run)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_json_dict(self) -> dict[str, Any]:
        """The ``bootstrap`` object of ``labourlink estimate --format json``."""
        t = self.tidy()

        def col(name: str) -> dict[str, float | None]:
            return {str(k): (float(v) if np.isfinite(v) else None) for k, v in t[name].items()}

        return {"scheme": "cluster", "cluster": self.cluster, "n_clusters": self.n_clusters,
                "replicates": self.replicates, "seed": self.seed,
                "converged": self.n_converged, "converged_share": self.converged_share,
                "level": self.level, "se": col("std_error_boot"),
                "conf_low": col("conf_low_boot"), "conf_high": col("conf_high_boot"),
                "n_boot": {str(k): int(v) for k, v in t["n_boot"].items()},
                "results_file": str(self.results_file) if self.results_file else None}


def _short(label: str) -> str:
    return label if len(label) <= 16 else label[:15] + "."


def _draws_frame(values: dict[int, dict[str, Any]], terms: Sequence[str]) -> pd.DataFrame:
    rows = []
    for r in sorted(values):
        v = values[r]
        row: dict[str, Any] = {"replicate": r, "converged": bool(v["converged"]),
                               "nobs": int(v["nobs"]), "n_separated": int(v["n_separated"]),
                               "clusters_drawn": int(v["clusters_drawn"]), "error": v["error"]}
        coef = v["coef"]
        for t in terms:
            x = coef.get(t)
            row[t] = float("nan") if x is None else float(x)
        rows.append(row)
    return pd.DataFrame(rows, columns=["replicate", "converged", "nobs", "n_separated",
                                       "clusters_drawn", "error", *terms])


def run_key(data: TaskData, formula: str, cluster: str, seed: int,
            sample: str | None) -> dict[str, Any]:
    """Everything a replicate's numbers depend on (the replicate count is not: a longer run
    reuses the replicates of a shorter one)."""
    return {"kind": "ppml-cluster-bootstrap", "scheme": SCHEME, "formula": formula,
            "cluster": cluster, "sample": sample, "seed": int(seed),
            "data": data.fingerprint()[:32]}


def bootstrap_ppml(data: pd.DataFrame, formula: str, *, replicates: int, seed: int = 0,
                   cluster: str = "pair", sample: str | None = None, point: Any = None,
                   options: RunnerOptions | None = None, runner: Runner | None = None,
                   results_dir: Path | None = None, keep: bool = True, label: str = "",
                   level: float = LEVEL, vcov_label: str | None = None,
                   on_result: Callable[[Any, Any], None] | None = None) -> BootstrapResult:
    """Cluster bootstrap of a PPML model (see the module docstring for the scheme).

    Parameters
    ----------
    data
        The panel (one row per observation).
    formula
        The model, as for :func:`labourlink.gravity.ppml`.
    replicates
        Number of bootstrap replicates (e.g. 199 or 999).
    seed
        Seed ``S``: replicate ``r`` uses the random stream ``(S, r)``.
    cluster
        Column whose values are resampled (default ``pair``).
    sample
        Row restriction (``DataFrame.query`` string) applied before resampling.
    point
        The analytic fit (a :class:`PPMLResult`); default: fitted here with errors clustered by
        ``cluster``.
    options, runner
        Where the replicates run (default: in this process); pass ``runner`` to reuse one.
    results_dir
        Folder of the results file (default ``LABOURLINK_RUNS_DIR`` or ``out/runs``).
    keep
        Keep replicates in a results file (and resume from it). Default True.
    label
        Name of the run (progress bar, file name).
    level
        Level of the percentile intervals (default 0.95, as the analytic ``conf_low/high``).
    vcov_label
        Name of the analytic standard errors in the output (default ``cluster:<cluster>`` when
        ``point`` is fitted here, else ``analytic``).
    on_result
        Called with ``(replicate, value)`` as each new replicate finishes.

    Returns
    -------
    BootstrapResult
    """
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 2:
        raise InvalidArgumentError("--bootstrap", replicates, "an integer >= 2 (replicates; "
                                   "199 or 999 are usual)")
    if not 0 < level < 1:
        raise InvalidArgumentError("level", level, "a number between 0 and 1")
    td = task_data(data, formula, cluster, seed, sample)
    if point is None:
        from labourlink.gravity import ppml

        sub = data.query(sample).reset_index(drop=True) if sample else data
        point = ppml(sub, formula, vcov={"CRV1": cluster})
        vcov_label = vcov_label or f"cluster:{cluster}"
    key = run_key(td, formula, cluster, seed, sample)
    # the file is named by the run key only: every command bootstrapping the same model on the
    # same data with the same seed shares it (e.g. `estimate structural` and `scenario run`)
    path = results_path("ppml-bootstrap", key, results_dir) if keep else None
    own = runner is None
    rn = runner if runner is not None else Runner(options)
    try:
        values = rn.map(_replicate_task, range(replicates), data=td, results=path,
                        run_key=key if keep else None, label=f"bootstrap {label}".strip(),
                        on_result=on_result)
    finally:
        if own:
            rn.close()
    tidy = point.tidy()
    terms = [str(t) for t in tidy.index]
    cfg: _Config = td.extra
    return BootstrapResult(formula, cluster, cfg.n_clusters, int(seed), replicates,
                           tidy[["estimate", "std_error", "conf_low", "conf_high"]].copy(),
                           vcov_label or "analytic",
                           _draws_frame({int(k): v for k, v in values.items()}, terms), level,
                           path, label, key)


# --- presets -------------------------------------------------------------------------------------
def cluster_column(vcov: str, columns: Sequence[str]) -> str:
    """The column the bootstrap resamples for a ``--vcov`` choice: ``cluster:COL`` -> COL;
    otherwise ``pair`` (hetero, iid and twoway: the bootstrap resamples pairs)."""
    if vcov.startswith("cluster:") and "+" not in vcov:
        col = vcov[len("cluster:"):].strip()
        if col in columns:
            return col
    if "pair" in columns:
        return "pair"
    raise InvalidArgumentError("--vcov", vcov, "cluster:COLUMN naming the clusters the "
                               "bootstrap resamples (the data has no `pair` column)")


@dataclass(frozen=True)
class PresetBootstrap:
    """The analytic fits of a preset (``run``) and the bootstrap of each PPML model."""

    run: Any  # labourlink.gravity.presets.PresetRun
    models: dict[str, BootstrapResult] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """Long table: model, term and the columns of :meth:`BootstrapResult.tidy`."""
        from labourlink.gravity.presets import stack_tidy

        return stack_tidy(self.models)

    def to_frame(self) -> pd.DataFrame:
        """Same as :meth:`tidy`."""
        return self.tidy()

    def summary(self) -> str:
        """Every model's bootstrap table."""
        return "\n\n".join(b.summary() for b in self.models.values())

    def to_json_records(self) -> list[dict[str, Any]]:
        """``PresetRun.to_json_records()`` with a ``bootstrap`` object added to each model."""
        recs = self.run.to_json_records()
        for rec in recs:
            b = self.models.get(rec["model"])
            if b is not None:
                rec["bootstrap"] = b.to_json_dict()
        return recs


def bootstrap_run(run: Any, df: pd.DataFrame, specs: Sequence[Any], replicates: int, seed: int,
                  options: RunnerOptions | None, runner: Runner | None,
                  results_dir: Path | None, prefix: str) -> PresetBootstrap:
    """Bootstrap each PPML model ``specs`` of a fitted ``run`` (a
    :class:`labourlink.gravity.presets.PresetRun` estimated on ``df``); ``prefix``: the preset's
    name, or ``"formula"``."""
    cl = cluster_column(run.vcov, list(df.columns))
    own = runner is None
    rn = runner if runner is not None else Runner(options)
    out: dict[str, BootstrapResult] = {}
    try:
        for spec in specs:
            if spec.estimator != "ppml":
                raise InvalidArgumentError("--bootstrap", replicates,
                                           f"PPML models only; model {spec.label!r} of "
                                           f"{prefix!r} is {spec.estimator.upper()}")
            out[spec.label] = bootstrap_ppml(
                df, spec.formula, replicates=replicates, seed=seed, cluster=cl,
                sample=spec.sample or None, point=run.models[spec.label], runner=rn,
                results_dir=results_dir,
                label=spec.label if prefix == "formula" else f"{prefix}: {spec.label}",
                vcov_label=run.vcov)
    finally:
        if own:
            rn.close()
    return PresetBootstrap(run, out)


def bootstrap_preset(name: str, con: duckdb.DuckDBPyConnection | None = None, *,
                     replicates: int, seed: int = 0, data: str | pd.DataFrame | None = None,
                     vcov: str | None = None, years: Sequence[int] | None = None,
                     options: RunnerOptions | None = None, runner: Runner | None = None,
                     results_dir: Path | None = None,
                     revision: object = None) -> PresetBootstrap:
    """Estimate every model of a preset (:func:`labourlink.gravity.presets.run_preset`) and
    bootstrap each one (clusters: those of the preset's ``cluster:COL`` vcov, else ``pair``).
    ``revision``: UN DESA revision of the panel's migrant networks (default: the newest).

    Returns
    -------
    PresetBootstrap
    """
    from labourlink.gravity import presets as P

    p = P.get_preset(name)
    if isinstance(data, pd.DataFrame):
        df = data
    else:
        dname = data or p.data
        df = P.load_data(dname, con, years or p.years, revision)
        df.attrs["panel"] = dname
    run = P.run_preset(name, con, data=df, vcov=vcov)
    return bootstrap_run(run, df, p.models, replicates, seed, options, runner, results_dir,
                          name)


def bootstrap_formula(formula: str, data: str | pd.DataFrame = "wto",
                      con: duckdb.DuckDBPyConnection | None = None, *, replicates: int,
                      seed: int = 0, vcov: str = "cluster:pair",
                      years: Sequence[int] | None = None, options: RunnerOptions | None = None,
                      runner: Runner | None = None,
                      results_dir: Path | None = None,
                      revision: object = None) -> PresetBootstrap:
    """:func:`labourlink.gravity.presets.run_formula` and the bootstrap of that model."""
    from labourlink.gravity import presets as P

    if isinstance(data, pd.DataFrame):
        df = data
    else:
        df = P.load_data(data, con, years, revision)
        df.attrs["panel"] = data
    run = P.run_formula(formula, df, con, vcov=vcov)
    spec = P.ModelSpec(formula, formula, "ppml")
    return bootstrap_run(run, df, [spec], replicates, seed, options, runner, results_dir,
                          "formula")
