"""Read-only results of a PPML fit; ``tidy()`` is the one table behind every number."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import pandas as pd

from labourlink.errors import EstimationError, InvalidArgumentError
from labourlink.gravity.demean import FixedEffects, recover_fixef
from labourlink.gravity.formula import FELevels, ParsedFormula, build_design

TIDY_COLUMNS = ("estimate", "std_error", "z_value", "p_value", "conf_low", "conf_high")


@dataclass(frozen=True, slots=True)
class FitRecord:
    """Everything a :class:`PPMLResult` is built from (arrays over the estimation sample
    unless stated). Internal: build results through :func:`labourlink.gravity.ppml`."""

    parsed: ParsedFormula
    coef_names: tuple[str, ...]
    beta: np.ndarray
    vcov: np.ndarray
    vcov_label: str
    df_k: int
    nobs_input: int
    sample: np.ndarray  # bool over input rows
    separated: np.ndarray  # bool over input rows
    singleton: np.ndarray  # bool over input rows
    collinear: tuple[str, ...]
    converged: bool
    iterations: int
    demean_iterations: int
    deviance: float
    weights: np.ndarray | None  # user weights of the estimation sample (None: unit)
    y: np.ndarray
    eta: np.ndarray  # log of the fitted mean
    offset: np.ndarray | None  # None: no offset
    X_kept: np.ndarray
    fe: FixedEffects | None
    fe_levels: tuple[tuple[FELevels, np.ndarray], ...]  # labels and level ids of ``fe`` codes
    offset_col: str | None


class PPMLResult:
    """Results of :func:`labourlink.gravity.ppml` (read-only).

    Coefficients are in log points (semi-elasticities; elasticities for logged regressors).
    ``separated`` and ``singleton`` are boolean arrays aligned with the input rows.
    """

    __slots__ = ("_r", "_tidy", "_summary", "_loglik")
    _r: FitRecord
    _tidy: pd.DataFrame
    _summary: str | None
    _loglik: tuple[float, float | None] | None

    def __init__(self, record: FitRecord, alpha: float = 0.05) -> None:
        object.__setattr__(self, "_r", record)
        se = np.sqrt(np.clip(np.diag(record.vcov), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = record.beta / se
        # two-sided normal p-values 2 * Phi(-|z|) = erfc(|z| / sqrt 2) (no scipy import: the
        # fit path stays free of scipy, ~0.4 s of import time)
        p = np.array([math.erfc(abs(float(v)) / math.sqrt(2.0)) for v in z], dtype=np.float64)
        q = NormalDist().inv_cdf(1 - alpha / 2)
        tidy = pd.DataFrame(
            {
                "estimate": record.beta,
                "std_error": se,
                "z_value": z,
                "p_value": p,
                "conf_low": record.beta - q * se,
                "conf_high": record.beta + q * se,
            },
            index=pd.Index(record.coef_names, name="term"),
        )
        object.__setattr__(self, "_tidy", tidy)
        object.__setattr__(self, "_summary", None)
        object.__setattr__(self, "_loglik", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PPMLResult is read-only")

    # --- the one table -------------------------------------------------------------------
    def tidy(self) -> pd.DataFrame:
        """Coefficient table (copy): estimate, std_error, z_value, p_value, conf_low/high (95%)."""
        return self._tidy.copy()

    def coef(self) -> pd.Series:
        """Coefficients by term (log points)."""
        return self.tidy()["estimate"]

    def se(self) -> pd.Series:
        """Standard errors by term."""
        return self.tidy()["std_error"]

    def tstat(self) -> pd.Series:
        """z statistics by term (Poisson: normal reference distribution, as fixest)."""
        return self.tidy()["z_value"]

    def pvalue(self) -> pd.Series:
        """Two-sided p-values by term."""
        return self.tidy()["p_value"]

    def confint(self) -> pd.DataFrame:
        """95% confidence intervals by term (columns ``conf_low``, ``conf_high``)."""
        return self.tidy()[["conf_low", "conf_high"]]

    def to_frame(self) -> pd.DataFrame:
        """The tidy table with the model description repeated on each row."""
        df = self.tidy().reset_index()
        df.insert(0, "formula", self._r.parsed.formula)
        df["vcov"] = self._r.vcov_label
        df["nobs"] = self.nobs
        return df

    @property
    def vcov(self) -> pd.DataFrame:
        """Variance-covariance matrix of the coefficients (DataFrame by term)."""
        names = list(self._r.coef_names)
        return pd.DataFrame(self._r.vcov.copy(), index=names, columns=names)

    # --- fit statistics ------------------------------------------------------------------
    @property
    def formula(self) -> str:
        """The formula as given."""
        return self._r.parsed.formula

    @property
    def nobs(self) -> int:
        """Observations used in the estimation."""
        return int(self._r.sample.sum())

    @property
    def nobs_input(self) -> int:
        """Rows of the input data."""
        return self._r.nobs_input

    @property
    def converged(self) -> bool:
        """True if IRLS (and every demeaning) reached its tolerance."""
        return self._r.converged

    @property
    def iterations(self) -> int:
        """IRLS iterations."""
        return self._r.iterations

    @property
    def demean_iterations(self) -> int:
        """Total CG iterations spent demeaning."""
        return self._r.demean_iterations

    @property
    def deviance(self) -> float:
        """Poisson deviance of the fitted model."""
        return self._r.deviance

    def _logliks(self) -> tuple[float, float | None]:
        """(log-likelihood, that of the constant-mean model or None with weights), computed on
        first use (one pass with ``lgamma`` per row: not worth it for fits that never ask)."""
        if self._loglik is None:
            from labourlink.gravity.irls import poisson_loglik

            r = self._r
            uw = r.weights if r.weights is not None else np.empty(0)
            ll, ll_null = poisson_loglik(r.y, r.eta, uw)
            object.__setattr__(self, "_loglik",
                               (float(ll), None if r.weights is not None else float(ll_null)))
        assert self._loglik is not None
        return self._loglik

    @property
    def loglik(self) -> float:
        """Poisson log-likelihood."""
        return self._logliks()[0]

    @property
    def pseudo_r2(self) -> float | None:
        """McFadden pseudo R2 against a constant-only model (None with weights)."""
        ll, ll_null = self._logliks()
        if ll_null is None:
            return None
        return float(1.0 - ll / ll_null)

    @property
    def separated(self) -> np.ndarray:
        """Rows dropped as separated (bool, aligned with the input rows)."""
        return self._r.separated.copy()

    @property
    def singleton(self) -> np.ndarray:
        """Rows dropped as singletons (bool, aligned with the input rows)."""
        return self._r.singleton.copy()

    @property
    def sample(self) -> np.ndarray:
        """Rows used in the estimation (bool, aligned with the input rows)."""
        return self._r.sample.copy()

    @property
    def collinear(self) -> list[str]:
        """Regressors dropped as collinear (with others or with the fixed effects)."""
        return list(self._r.collinear)

    # --- fixed effects and prediction ----------------------------------------------------
    def fixef(self) -> dict[str, pd.Series]:
        """Estimated fixed effects (log scale) by name, indexed by level.

        Normalisation as fixest: the first level of each fixed effect after the first is 0.
        """
        r = self._r
        if r.fe is None:
            return {}
        d = r.eta - (r.offset if r.offset is not None else 0.0) - (
            r.X_kept @ r.beta if r.beta.size else 0.0)
        alphas, ok = recover_fixef(d, r.fe)
        if not ok:
            raise EstimationError("fixed effects could not be recovered to 1e-12 (too many iterations)")
        names = r.parsed.fixef_names
        return {
            name: pd.Series(a, index=lev.labels(used), name=name)
            for name, a, (lev, used) in zip(names, alphas, r.fe_levels, strict=True)
        }

    def predict(self, newdata: pd.DataFrame | None = None,
                type: Literal["response", "link"] = "response") -> np.ndarray:
        """Predicted mean (``response``, units of y) or log-mean (``link``).

        Without ``newdata``: the fitted values aligned with the input rows (NaN for rows not
        used). With ``newdata``: NaN where a fixed-effect level was not estimated or a value is
        missing.
        """
        if type not in ("response", "link"):
            raise InvalidArgumentError("type", type, ("response", "link"))
        r = self._r
        if newdata is None:
            out = np.full(r.nobs_input, np.nan)
            out[r.sample] = r.eta
            return np.exp(out) if type == "response" else out
        parsed = r.parsed
        if r.offset_col is None and r.offset is not None and np.any(r.offset != 0):
            raise EstimationError(
                "the model was fitted with an offset array; predict(newdata) needs the offset "
                "as a column: refit with offset='column_name'"
            )
        tmp = newdata
        if parsed.depvar not in newdata.columns:
            tmp = newdata.assign(**{parsed.depvar: 0.0})
        design = build_design(tmp, parsed)
        X = design.X
        cols = [i for i, n in enumerate(self._full_names()) if n in r.coef_names]
        eta = X[:, cols] @ r.beta if r.beta.size else np.zeros(len(newdata))
        eta = np.where(np.isfinite(X[:, cols]).all(axis=1), eta, np.nan)
        if r.fe is not None:
            fx = self.fixef()
            for series, fe_cols in zip(fx.values(), parsed.fixef, strict=True):
                if len(fe_cols) == 1:
                    keys = newdata[fe_cols[0]]
                else:
                    keys = pd.Series(["^".join(map(str, t)) for t in
                                      zip(*(newdata[c] for c in fe_cols), strict=True)])
                idx = series.index.get_indexer(pd.Index(keys))
                vals = np.where(idx >= 0, series.to_numpy()[np.maximum(idx, 0)], np.nan)
                eta = eta + vals
        if r.offset_col is not None:
            eta = eta + newdata[r.offset_col].to_numpy(dtype=np.float64)
        return np.exp(eta) if type == "response" else eta

    def _full_names(self) -> tuple[str, ...]:
        return self._r.parsed.coef_names

    # --- display -------------------------------------------------------------------------
    def summary(self) -> str:
        """Printable summary (drives ``str()`` and the notebook display)."""
        r = self._r
        t = self._tidy
        lines = [
            "PPML (Poisson pseudo-maximum likelihood) with fixed effects",
            f"Formula:        {r.parsed.formula}",
            f"Fixed effects:  {', '.join(r.parsed.fixef_names) or 'none'}",
            f"Observations:   {self.nobs:,} (of {r.nobs_input:,}; separated "
            f"{int(r.separated.sum()):,}, singletons {int(r.singleton.sum()):,})",
            f"Vcov:           {r.vcov_label}",
            f"Converged:      {r.converged} ({r.iterations} IRLS iterations)",
            f"Deviance:       {r.deviance:.6g}   pseudo R2: "
            + (f"{self.pseudo_r2:.4f}" if self.pseudo_r2 is not None else "n/a"),
        ]
        if r.collinear:
            lines.append(f"Collinear (dropped): {', '.join(r.collinear)}")
        lines.append("")
        header = f"{'term':<24}{'estimate':>12}{'std.error':>12}{'z':>9}{'p':>9}{'[2.5%':>11}{'97.5%]':>11}"
        lines.append(header)
        lines.append("-" * len(header))
        for name, row in t.iterrows():
            lines.append(
                f"{str(name)[:24]:<24}{row.estimate:>12.6f}{row.std_error:>12.6f}"
                f"{row.z_value:>9.3f}{row.p_value:>9.4f}{row.conf_low:>11.5f}{row.conf_high:>11.5f}"
            )
        if not r.converged:
            lines.append("WARNING: the estimation did not converge; the numbers are not reliable")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"
