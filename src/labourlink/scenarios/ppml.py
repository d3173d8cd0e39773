"""The PPML step of GEPPML: gravity coefficients with exporter and importer fixed effects.

:func:`estimate_costs` fits ``trade_ij = exp(a_i + b_j + sum_k beta_k x_ij,k)`` by Poisson
pseudo-maximum likelihood on one cross-section, as the Advanced Guide's
``ppml trade EXPORTER_FE* IMPORTER_FE1-IMPORTER_FE$N_1 <x> , noconst`` (the reference importer's
fixed effect is dropped). It uses the project's PPML-HDFE engine ``labourlink.gravity.ppml`` when that
module is present (``labourlink.gravity.model``) and ``engine="auto"``; otherwise (or with ``engine="dense"``) a small dense-dummy
IRLS in numpy, adequate for cross-sections of up to a few hundred countries.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from labourlink.errors import EstimationError, InvalidArgumentError

__all__ = ["CostEstimates", "estimate_costs"]


@dataclass(frozen=True)
class CostEstimates:
    """Coefficients of the cost variables (semi-elasticities) and their IRLS diagnostics.

    ``coef`` maps variable -> estimate; ``iterations`` and ``converged`` describe the fit;
    ``engine`` names the estimator used.
    """

    coef: dict[str, float]
    iterations: int
    converged: bool
    engine: str

    def tidy(self) -> pd.DataFrame:
        """One row per cost variable: term, estimate."""
        return pd.DataFrame({"term": list(self.coef), "estimate": list(self.coef.values())})


def _dense_ppml(
    y: np.ndarray, x: np.ndarray, exp_idx: np.ndarray, imp_idx: np.ndarray, n_exp: int,
    n_imp: int, ref_imp: int, tol: float, max_iter: int,
) -> tuple[np.ndarray, int, bool]:
    """IRLS for Poisson with dense exporter/importer dummies (reference importer dropped)."""
    nobs = y.shape[0]
    keep_imp = [k for k in range(n_imp) if k != ref_imp]
    d_exp = np.zeros((nobs, n_exp))
    d_exp[np.arange(nobs), exp_idx] = 1.0
    d_imp = np.zeros((nobs, n_imp))
    d_imp[np.arange(nobs), imp_idx] = 1.0
    design = np.hstack([x, d_exp, d_imp[:, keep_imp]])
    mu = np.where(y > 0, y, y.mean()) * 0.5 + y.mean() * 0.5
    eta = np.log(mu)
    dev_old = np.inf
    for it in range(1, max_iter + 1):
        z = eta + (y - mu) / mu
        xw = design * mu[:, None]
        coef = np.linalg.solve(design.T @ xw, xw.T @ z)
        eta = design @ coef
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        dev = 2.0 * float(np.sum(term - (y - mu)))
        if abs(dev - dev_old) <= tol * max(abs(dev), 1.0):
            return coef[: x.shape[1]], it, True
        dev_old = dev
    return coef[: x.shape[1]], max_iter, False


def estimate_costs(
    data: pd.DataFrame,
    covariates: Sequence[str],
    *,
    trade: str = "trade_usd",
    exporter: str = "exporter",
    importer: str = "importer",
    reference: str = "DEU",
    engine: Literal["auto", "dense", "gravity"] = "auto",
    tol: float = 1e-14,
    max_iter: int = 100,
) -> CostEstimates:
    """Estimate gravity cost coefficients by PPML with exporter and importer fixed effects.

    Parameters
    ----------
    data
        One cross-section: exporter, importer (ISO3), ``trade`` (US$, >= 0) and the covariates.
    covariates
        Cost variables (e.g. ``["ln_DIST", "CNTG", "INTL_BRDR"]``).
    reference
        Importer whose fixed effect is omitted (the normalisation of the book; it does not change
        the cost coefficients).
    engine
        ``"auto"``: ``labourlink.gravity.ppml`` if installed, else dense IRLS; ``"dense"`` or
        ``"gravity"`` to force one.
    tol
        Relative change in deviance that stops the dense IRLS.

    Returns
    -------
    CostEstimates
    """
    if engine not in ("auto", "dense", "gravity"):
        raise InvalidArgumentError("engine", engine, ["auto", "dense", "gravity"])
    cols = [exporter, importer, trade, *covariates]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise InvalidArgumentError("data columns", missing, f"columns present: {list(data.columns)}")
    df = data[cols].dropna()
    if (df[trade] < 0).any():
        raise EstimationError(f"{trade} has negative values; PPML needs flows >= 0")
    use_gravity = engine == "gravity" or (
        engine == "auto" and importlib.util.find_spec("labourlink.gravity.model") is not None)
    if use_gravity:
        return _gravity_engine(df, covariates, trade, exporter, importer)
    exps = sorted(df[exporter].unique())
    imps = sorted(df[importer].unique())
    if reference not in imps:
        raise InvalidArgumentError("reference", reference, "an importer present in the data")
    ei = df[exporter].map({c: k for k, c in enumerate(exps)}).to_numpy()
    ij = df[importer].map({c: k for k, c in enumerate(imps)}).to_numpy()
    coef, it, ok = _dense_ppml(df[trade].to_numpy(float), df[list(covariates)].to_numpy(float), ei,
                               ij, len(exps), len(imps), imps.index(reference), tol, max_iter)
    return CostEstimates(dict(zip(covariates, map(float, coef), strict=True)), it, ok, "dense IRLS")


def _gravity_engine(df: pd.DataFrame, covariates: Sequence[str], trade: str, exporter: str,
                    importer: str) -> CostEstimates:
    from labourlink.gravity import ppml

    fml = f"{trade} ~ {' + '.join(covariates)} | {exporter} + {importer}"
    res = ppml(df, fml, tol=1e-12)
    coef = res.coef()
    return CostEstimates({c: float(coef[c]) for c in covariates}, int(getattr(res, "iterations", -1)),
                         bool(getattr(res, "converged", True)), "labourlink.gravity.ppml")
