"""Variance-covariance matrices of PPML coefficients with fixest/pyfixest small-sample rules.

Bread ``(Xd' W Xd)^{-1}``; scores ``w * resid * Xd`` from the last IRLS step (as pyfixest).
Small-sample corrections (fixest defaults ``ssc(adj=TRUE, fixef.K="nested", cluster.adj=TRUE,
cluster.df="min")``, as implemented by pyfixest 0.60):

- ``df_k = k + sum(levels) - (n_fe - 1)``; with clustering, fixed effects nested in a cluster
  variable are not counted (each fully nested one counts 1);
- iid: ``(N-1)/(N-df_k)``; hetero: ``N/(N-df_k)``;
- CRV1: ``(N-1)/(N-df_k) * G/(G-1)`` with ``G`` the smallest number of clusters among the
  cluster variables (and their intersection for two-way clustering, Cameron-Gelbach-Miller:
  ``V = V_1 + V_2 - V_12``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numba import njit

from labourlink.errors import EstimationError

VcovKind = Literal["iid", "hetero", "CRV1"]
FixefK = Literal["nested", "none"]
VCOV_CHOICES = ('"iid"', '"hetero"', '{"CRV1": "col"}', '{"CRV1": "col1+col2"}')


@dataclass(frozen=True, slots=True)
class VcovSpec:
    """A parsed vcov request: kind and cluster column names (empty unless CRV1)."""

    kind: VcovKind
    clusters: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Human-readable label, e.g. ``CRV1 by exp+imp``."""
        return f"CRV1 by {'+'.join(self.clusters)}" if self.kind == "CRV1" else self.kind


def parse_vcov(vcov: str | dict[str, str]) -> VcovSpec:
    """Read ``"iid"``, ``"hetero"`` (alias ``"HC1"``), ``{"CRV1": "col"}`` or ``{"CRV1": "a+b"}``."""
    from labourlink.errors import InvalidArgumentError

    if isinstance(vcov, str):
        if vcov in ("iid", "hetero"):
            return VcovSpec(vcov)  # type: ignore[arg-type]
        if vcov == "HC1":
            return VcovSpec("hetero")
        raise InvalidArgumentError("vcov", vcov, VCOV_CHOICES)
    if isinstance(vcov, dict) and len(vcov) == 1:
        ((key, val),) = vcov.items()
        if key == "CRV1" and isinstance(val, str) and val.strip():
            cols = tuple(c.strip() for c in val.split("+"))
            if len(cols) > 2 or not all(cols):
                raise InvalidArgumentError("vcov", vcov, "one or two cluster columns, e.g. {'CRV1': 'exp+imp'}")
            return VcovSpec("CRV1", cols)
    raise InvalidArgumentError("vcov", vcov, VCOV_CHOICES)


def _fully_nested(fe_codes: np.ndarray, cl: np.ndarray) -> bool:
    """True if every level of ``fe_codes`` lies within one cluster of ``cl``."""
    if fe_codes.size == 0:
        return True
    return bool(_nested_kernel(np.ascontiguousarray(fe_codes), np.ascontiguousarray(cl),
                               int(fe_codes.max()) + 1))


@njit(cache=True)
def _nested_kernel(fe_codes: np.ndarray, cl: np.ndarray, n_levels: int) -> bool:
    """One pass that stops at the first level seen in two clusters (usually within a few rows)."""
    first = np.full(n_levels, -1, dtype=np.int64)
    for i in range(fe_codes.shape[0]):
        g = fe_codes[i]
        if first[g] < 0:
            first[g] = cl[i]
        elif first[g] != cl[i]:
            return False
    return True


def _meat(scores: np.ndarray, cl: np.ndarray) -> np.ndarray:
    G = int(cl.max()) + 1
    k = scores.shape[1]
    S = np.zeros((G, k))
    for j in range(k):
        S[:, j] = np.bincount(cl, weights=scores[:, j], minlength=G)
    return S.T @ S


def compute_vcov(
    spec: VcovSpec,
    *,
    Xd: np.ndarray,
    w: np.ndarray,
    resid: np.ndarray,
    fe_codes: np.ndarray,
    fe_names: tuple[str, ...],
    n_groups: np.ndarray,
    cluster_codes: list[np.ndarray],
    fixef_k: FixefK = "nested",
) -> tuple[np.ndarray, int]:
    """Variance matrix of the coefficients (log points squared) and the ``df_k`` used.

    Parameters
    ----------
    spec : VcovSpec
    Xd : ndarray, shape (n, k)
        Demeaned regressors of the last IRLS step.
    w : ndarray, shape (n,)
        Weights of the last IRLS step.
    resid : ndarray, shape (n,)
        Working residuals of the last IRLS step.
    fe_codes : ndarray, shape (n_fe, n)
        Fixed-effect codes of the estimation sample.
    fe_names : tuple of str
        Fixed-effect names as written in the formula (``a^b`` for combinations).
    n_groups : ndarray, shape (n_fe,)
        Levels of each fixed effect in the estimation sample.
    cluster_codes : list of ndarray
        Integer codes (0..G-1) of each cluster variable on the estimation sample.
    fixef_k : {"nested", "none"}
        Fixed-effect levels counted in the small-sample ``df_k`` (fixest ``ssc(fixef.K=)``):
        ``"nested"`` (default, fixest/pyfixest) counts those not nested in a cluster; ``"none"``
        counts none (``df_k`` = number of regressors), the convention of Stata ``ppml`` and of
        the R ``capybara`` replication of Yotov et al. (2016).
    """
    N, k = Xd.shape
    sw = np.sqrt(w)
    A = Xd * sw[:, None]
    try:
        bread = np.linalg.inv(A.T @ A)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(
            "the weighted cross-product of the demeaned regressors is singular; "
            "check for regressors collinear with the fixed effects"
        ) from exc
    del A, sw  # n x k: free before the scores are formed
    if fixef_k not in ("nested", "none"):
        from labourlink.errors import InvalidArgumentError

        raise InvalidArgumentError("fixef_k", fixef_k, ("nested", "none"))
    n_fe = len(fe_names) if fixef_k == "nested" else 0
    k_fe = int(n_groups.sum()) if n_fe else 0
    k_fe_adj = k_fe - (n_fe - 1) if n_fe > 1 else k_fe
    df_k = k + k_fe_adj
    if spec.kind == "iid":
        return bread * (N - 1) / (N - df_k), df_k
    scores = (w * resid)[:, None] * Xd
    if spec.kind == "hetero":
        return bread @ (scores.T @ scores) @ bread * N / (N - df_k), df_k

    # CRV1, one- or two-way
    if len(cluster_codes) == 2:
        inter = pd.factorize(
            pd.MultiIndex.from_arrays([cluster_codes[0], cluster_codes[1]])
        )[0].astype(np.int64)
        cls = [cluster_codes[0], cluster_codes[1], inter]
        signs = [1.0, 1.0, -1.0]
    else:
        cls = [cluster_codes[0]]
        signs = [1.0]
    G = min(int(c.max()) + 1 for c in cls)
    if G < 2:
        raise EstimationError(f"clustered vcov needs at least 2 clusters, found {G} in {spec.clusters}")
    if n_fe:
        nested = [
            (name in spec.clusters) or any(_fully_nested(fe_codes[q], c) for c in cls)
            for q, name in enumerate(fe_names)
        ]
        n_nested = sum(nested)
        if n_nested:
            df_k = k + k_fe_adj - int(n_groups[np.array(nested)].sum()) + n_nested
    adj = (N - 1) / (N - df_k) * G / (G - 1)
    V = np.zeros((k, k))
    for c, s in zip(cls, signs, strict=True):
        V += s * adj * (bread @ _meat(scores, c) @ bread)
    return V, df_k
