"""Trade-cost coefficients of the scenarios: estimated from the store, cached, or literature values.

The default trade-cost effect of a scenario (``trade_cost.basis: estimated``) uses the
migration-trade elasticity and the RTA coefficient estimated by this project's linkages models
(:mod:`labourlink.gravity.presets`) on the store:

* preset ``structural``, model ``structural + mig``: PPML of bilateral trade on log distance,
  contiguity, language, colony, ``rta`` and ``log_mig`` (log(1 + bilateral migrants, both
  directions)) with exporter-year and importer-year fixed effects, WTO panel, standard errors
  clustered by pair. Both coefficients come from this one model (log points of trade, the units of
  the GE trade-cost shock ``d ln t^(1-sigma)``).

The estimate is made once per store content and cached as a small JSON file in
``labourlink.config.user_cache_dir() / "scenario_coefficients"``, keyed by the store's input
fingerprint (``build_meta`` key ``fingerprint``) and by the preset and model, so it is reused by
every later run on the same store and recomputed when the store's inputs change. A store without a
fingerprint is estimated on every run (nothing is cached).

When the estimation fails (e.g. a store without the WTO panel), the literature values of
:mod:`labourlink.scenarios.spec` are used and :attr:`TradeCostCoefficients.note` says so plainly;
``trade_cost: literature`` in the scenario asks for them explicitly.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from labourlink.errors import LabourlinkError
from labourlink.scenarios.spec import LITERATURE, LITERATURE_NOTE, Scenario

__all__ = ["ESTIMATE_MODEL", "ESTIMATE_PRESET", "CoefficientEstimate", "StoreEstimate",
           "TradeCostCoefficients", "cache_dir", "estimate_coefficients", "estimated_coefficients",
           "needs_estimate", "resolve_trade_cost", "store_estimate", "store_fingerprint"]

ESTIMATE_PRESET = "structural"
ESTIMATE_MODEL = "structural + mig"
MIGRATION_TERM = "log_mig"
RTA_TERM = "rta"
CACHE_VERSION = 3  # 2: the covariance of the two coefficients; 3: the stock revision


@dataclass(frozen=True)
class CoefficientEstimate:
    """The two coefficients estimated by a linkages model, with where they come from.

    Coefficients in log points of trade; ``nobs`` observations of the estimation sample.
    """

    migration_elasticity: float
    migration_elasticity_se: float
    rta_effect: float
    rta_effect_se: float
    preset: str
    model: str
    migration_term: str
    rta_term: str
    nobs: int
    vcov: str
    fingerprint: str | None
    covariance: float = 0.0
    """Covariance of the two estimates (log points squared), from the same vcov as the SEs."""
    revision: str = ""
    """UN DESA revision of the migrant networks of the estimation panel."""

    def describe(self) -> str:
        """One line: preset, model, terms with coefficient (SE), nobs."""
        return (f"estimated by the linkages model preset {self.preset!r}, model {self.model!r} "
                f"(PPML, vcov {self.vcov}, N={self.nobs:,}): {self.migration_term} "
                f"{self.migration_elasticity:.4f} (SE {self.migration_elasticity_se:.4f}), "
                f"{self.rta_term} {self.rta_effect:.4f} (SE {self.rta_effect_se:.4f}), "
                f"correlation {self.correlation:+.3f}")

    @property
    def correlation(self) -> float:
        """Correlation of the two estimates (0 when a standard error is 0)."""
        d = self.migration_elasticity_se * self.rta_effect_se
        return float(self.covariance / d) if d > 0 else 0.0


@dataclass(frozen=True)
class TradeCostCoefficients:
    """The coefficients a scenario run uses, and a plain statement of their origin.

    ``basis`` is ``estimated`` (linkages model), ``literature`` (asked for, or fallback after a
    failed estimation: then ``fallback`` is True), or ``spec`` (all four values given in the
    scenario file). ``note`` is written to the scenario output.
    """

    migration_elasticity: float
    migration_elasticity_se: float
    rta_effect: float
    rta_effect_se: float
    basis: str
    note: str
    fallback: bool = False
    estimate: CoefficientEstimate | None = None
    covariance: float = 0.0
    """Covariance of the two coefficients used by the Monte Carlo (log points squared): the
    estimate's when all four values come from it, else 0 (independent draws)."""

    def draw(self, draws: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``draws`` joint normal draws of (migration elasticity, RTA effect).

        Independent normals when the covariance is 0 (the same stream as before it existed),
        else a bivariate normal with the estimated covariance matrix.
        """
        if self.covariance == 0.0:
            eps = rng.normal(self.migration_elasticity, self.migration_elasticity_se, draws)
            rta = rng.normal(self.rta_effect, self.rta_effect_se, draws)
            return eps, rta
        cov = np.array([[self.migration_elasticity_se**2, self.covariance],
                        [self.covariance, self.rta_effect_se**2]])
        z = rng.multivariate_normal([self.migration_elasticity, self.rta_effect], cov, draws,
                                    method="cholesky")
        return z[:, 0], z[:, 1]


def cache_dir() -> Path:
    """Folder of the cached estimates (``user_cache_dir()/scenario_coefficients``)."""
    from labourlink.config import user_cache_dir

    return user_cache_dir() / "scenario_coefficients"


def store_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The store's input fingerprint (``build_meta`` key ``fingerprint``), None when absent."""
    try:
        row = con.execute("SELECT value FROM build_meta WHERE key = 'fingerprint'").fetchone()
    except duckdb.Error:
        return None
    return None if row is None or not row[0] else str(row[0])


def _cache_file(fingerprint: str, revision: str) -> Path:
    safe = "".join(ch for ch in fingerprint if ch.isalnum())[:64] or "unknown"
    model = ESTIMATE_MODEL.replace(" ", "").replace("+", "_")
    return cache_dir() / f"{safe}-{ESTIMATE_PRESET}-{model}-rev{revision}-v{CACHE_VERSION}.json"


def estimate_coefficients(con: duckdb.DuckDBPyConnection,
                          revision: str | int | None = None) -> CoefficientEstimate:
    """Estimate the migration-trade elasticity and RTA coefficient on the store (no cache).

    Fits model :data:`ESTIMATE_MODEL` of preset :data:`ESTIMATE_PRESET` (a few seconds on the
    full WTO panel).

    Raises
    ------
    EstimationError
        When the model did not converge or lacks one of the two terms.
    """
    from labourlink.errors import EstimationError
    from labourlink.gravity.presets import fit_model, get_preset, load_data, vcov_argument
    from labourlink.store.revisions import resolve_revision

    rev = resolve_revision(con, revision)
    p = get_preset(ESTIMATE_PRESET)
    spec = next(m for m in p.models if m.label == ESTIMATE_MODEL)
    df = load_data(p.data, con, p.years, rev)
    res = fit_model(spec, df, vcov_argument(p.vcov, p.data), p.fixef_k)
    if not bool(res.converged):
        raise EstimationError(f"preset {ESTIMATE_PRESET!r} model {ESTIMATE_MODEL!r} did not "
                              "converge")
    b, se, V = res.coef(), res.se(), res.vcov
    for term in (MIGRATION_TERM, RTA_TERM):
        if term not in b.index:
            raise EstimationError(f"preset {ESTIMATE_PRESET!r} model {ESTIMATE_MODEL!r} has no "
                                  f"term {term!r} (terms: {list(b.index)})")
    return CoefficientEstimate(float(b[MIGRATION_TERM]), float(se[MIGRATION_TERM]),
                               float(b[RTA_TERM]), float(se[RTA_TERM]), ESTIMATE_PRESET,
                               ESTIMATE_MODEL, MIGRATION_TERM, RTA_TERM, int(res.nobs), p.vcov,
                               store_fingerprint(con),
                               float(V.loc[MIGRATION_TERM, RTA_TERM]), rev)


def _read_cache(path: Path, fingerprint: str, revision: str) -> CoefficientEstimate | None:
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if (raw.get("cache_version") != CACHE_VERSION or raw.get("fingerprint") != fingerprint
                or raw.get("revision") != revision):
            return None
        raw.pop("cache_version")
        return CoefficientEstimate(**raw)
    except (OSError, ValueError, TypeError):
        return None


def _write_cache(path: Path, est: CoefficientEstimate) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"cache_version": CACHE_VERSION, **asdict(est)}, fh, indent=2)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs a re-estimate next time


def estimated_coefficients(con: duckdb.DuckDBPyConnection, revision: str | int | None = None
                           ) -> tuple[CoefficientEstimate, bool]:
    """The store's estimate with the migrant networks of ``revision`` (default: the newest in
    the store), from the cache when the store fingerprint and the revision match.

    Returns
    -------
    (CoefficientEstimate, bool)
        The estimate and whether it was read from the cache.
    """
    from labourlink.store.revisions import resolve_revision

    rev = resolve_revision(con, revision)
    fp = store_fingerprint(con)
    if fp is not None:
        hit = _read_cache(_cache_file(fp, rev), fp, rev)
        if hit is not None:
            return hit, True
    est = estimate_coefficients(con, rev)
    if fp is not None:
        _write_cache(_cache_file(fp, rev), est)
    return est, False


@dataclass(frozen=True)
class StoreEstimate:
    """Outcome of estimating the coefficients on one store: the estimate, or why there is none."""

    estimate: CoefficientEstimate | None
    cached: bool = False
    problem: str | None = None


def needs_estimate(spec: Scenario) -> bool:
    """True when the scenario takes at least one coefficient from the store's estimate."""
    tc = spec.trade_cost
    given = (tc.migration_elasticity, tc.migration_elasticity_se, tc.rta_effect, tc.rta_effect_se)
    return tc.basis == "estimated" and any(v is None for v in given)


def store_estimate(con: duckdb.DuckDBPyConnection,
                   revision: str | int | None = None) -> StoreEstimate:
    """:func:`estimated_coefficients`, with a failure recorded instead of raised."""
    try:
        est, cached = estimated_coefficients(con, revision)
    except (LabourlinkError, duckdb.Error, KeyError, ValueError) as exc:
        return StoreEstimate(None, False, f"{type(exc).__name__}: {exc}")
    return StoreEstimate(est, cached)


def _literature(tc: Any, note: str, fallback: bool) -> TradeCostCoefficients:
    return TradeCostCoefficients(
        tc.migration_elasticity if tc.migration_elasticity is not None
        else LITERATURE["migration_elasticity"],
        tc.migration_elasticity_se if tc.migration_elasticity_se is not None
        else LITERATURE["migration_elasticity_se"],
        tc.rta_effect if tc.rta_effect is not None else LITERATURE["rta_effect"],
        tc.rta_effect_se if tc.rta_effect_se is not None else LITERATURE["rta_effect_se"],
        "literature", note, fallback)


def resolve_trade_cost(spec: Scenario, store: StoreEstimate | None) -> TradeCostCoefficients:
    """The trade-cost coefficients of a scenario run.

    Values given in the scenario's ``trade_cost`` always win. The others come from the store's
    linkages-model estimate (``basis: estimated``, the default; see :func:`store_estimate`) or
    from the literature (``basis: literature``, or when there is no estimate: the note then says
    so plainly and why).

    Parameters
    ----------
    spec
        The validated scenario.
    store
        The store's estimate (:func:`store_estimate`); None when none was made.

    Returns
    -------
    TradeCostCoefficients
    """
    tc = spec.trade_cost
    given = (tc.migration_elasticity, tc.migration_elasticity_se, tc.rta_effect, tc.rta_effect_se)
    own = f" ({tc.source})" if tc.source else ""
    full = [float(v) for v in given if v is not None]
    if len(full) == 4:
        return TradeCostCoefficients(full[0], full[1], full[2], full[3], basis="spec",
                                     note=f"trade-cost coefficients given in the scenario "
                                     f"file{own}: migration elasticity {full[0]:g} (SE "
                                     f"{full[1]:g}), RTA {full[2]:g} (SE {full[3]:g})")
    if tc.basis == "literature":
        return _literature(tc, LITERATURE_NOTE + " (asked for with trade_cost: literature)", False)
    est = store.estimate if store is not None else None
    if est is None:
        problem = (store.problem if store is not None and store.problem
                   else "no estimate was made for these inputs (no store connection)")
        short = problem if len(problem) <= 300 else problem[:297] + "..."
        return _literature(tc, "ESTIMATION FAILED, literature values used instead: the linkages "
                           f"model (preset {ESTIMATE_PRESET!r}, model {ESTIMATE_MODEL!r}) could "
                           f"not be estimated on this store ({short}); " + LITERATURE_NOTE, True)
    vals = (tc.migration_elasticity if tc.migration_elasticity is not None
            else est.migration_elasticity,
            tc.migration_elasticity_se if tc.migration_elasticity_se is not None
            else est.migration_elasticity_se,
            tc.rta_effect if tc.rta_effect is not None else est.rta_effect,
            tc.rta_effect_se if tc.rta_effect_se is not None else est.rta_effect_se)
    where = ("cached for this store fingerprint" if store is not None and store.cached
             else "estimated now" + ("" if est.fingerprint else
                                     "; store has no fingerprint, not cached"))
    override = [n for n, v in zip(("migration_elasticity", "migration_elasticity_se",
                                   "rta_effect", "rta_effect_se"), given, strict=True)
                if v is not None]
    extra = f"; given in the scenario file{own}: {', '.join(override)}" if override else ""
    # the joint distribution only holds for the estimated values themselves
    if override:
        extra += "; Monte Carlo draws are independent (the estimated covariance does not apply)"
    return TradeCostCoefficients(*vals, basis="estimated",
                                 note=f"trade-cost coefficients {est.describe()} [{where}]{extra}",
                                 estimate=est, covariance=0.0 if override else est.covariance)
