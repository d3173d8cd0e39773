"""Detection of separated observations and singletons for Poisson PML.

An observation is *separated* when its conditional mean can be pushed to zero without bound
(Santos Silva & Tenreyro 2010; Correia, Guimarães & Zylkin 2021, "Verifying the existence of
maximum likelihood estimates for generalized linear models"): there is a linear combination
``z = X g + D a`` of regressors and fixed effects with ``z_i = 0`` where ``y_i > 0`` and
``z_i >= 0`` where ``y_i = 0``; observations with ``z_i > 0`` are separated and are dropped
(the MLE of the others then exists and is unchanged).

Three methods, as in ppmlhdfe:

- ``"fe"``: fixed-effect groups whose dependent variable sums to zero (all of their rows).
- ``"simplex"``: a linear program over the regressors (with intercept, no fixed effects),
  solved by the HiGHS dual simplex of scipy.
- ``"relu"``: the iterative rectifier method: regress ``u`` (1 on zero rows at the start) on
  regressors and fixed effects, constraining the fit to 0 on positive rows, replace ``u`` by
  ``max(fit, 0)`` on zero rows, and stop when no fitted value on a zero row is negative; rows with
  a positive fit are separated. It covers regressors and fixed effects together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from labourlink.errors import InvalidArgumentError
from labourlink.gravity.demean import FixedEffects, demean

SEPARATION_METHODS = ("fe", "simplex", "relu")
_DENSE_LIMIT = 4_000_000  # cells of the dense [X, dummies] matrix for the exact ReLU projection


def fe_separation(y: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Rows in a fixed-effect group whose ``y`` sums to zero.

    Parameters
    ----------
    y : ndarray, shape (n,)
        Dependent variable (>= 0).
    codes : ndarray, shape (n_fe, n)
        Non-negative integer fixed-effect codes.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    sep = np.zeros(len(y), dtype=bool)
    pos = (y > 0).astype(np.float64)
    for q in range(codes.shape[0]):
        tot = np.bincount(codes[q], weights=pos)
        sep |= tot[codes[q]] == 0
    return sep


def singletons(codes: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """Rows that are alone in a fixed-effect group, found iteratively (as fixest/ppmlhdfe).

    Parameters
    ----------
    codes : ndarray, shape (n_fe, n)
    keep : ndarray of bool, optional
        Rows still in the sample (others are ignored).

    Returns
    -------
    ndarray of bool, shape (n,): True for rows dropped as singletons.
    """
    n = codes.shape[1]
    alive = np.ones(n, dtype=bool) if keep is None else keep.copy()
    single = np.zeros(n, dtype=bool)
    while True:
        changed = False
        for q in range(codes.shape[0]):
            cnt = np.bincount(codes[q], weights=alive.astype(np.float64))
            s = alive & (cnt[codes[q]] == 1)
            if s.any():
                single |= s
                alive &= ~s
                changed = True
        if not changed:
            return single


def simplex_separation(y: np.ndarray, X: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Separation by the regressors alone, found by linear programming (dual simplex).

    Solves ``max sum_{y=0} z_i`` s.t. ``z = X g``, ``z_i = 0`` for ``y_i > 0``,
    ``0 <= z_i <= 1`` for ``y_i = 0`` and repeats on the remaining rows until nothing is found.

    Parameters
    ----------
    y : ndarray, shape (n,)
    X : ndarray, shape (n, k)
        Regressors including the intercept column.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    from scipy.optimize import linprog

    n = len(y)
    sep = np.zeros(n, dtype=bool)
    if X.shape[1] == 0:
        return sep
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    Xs = X / scale
    while True:
        rows = ~sep
        zero = rows & (y == 0)
        pos = rows & (y > 0)
        if not zero.any():
            return sep
        X0, Xp = Xs[zero], Xs[pos]
        k = Xs.shape[1]
        res = linprog(
            c=-X0.sum(axis=0),
            A_ub=np.vstack([X0, -X0]),
            b_ub=np.concatenate([np.ones(len(X0)), np.zeros(len(X0))]),
            A_eq=Xp if len(Xp) else None,
            b_eq=np.zeros(len(Xp)) if len(Xp) else None,
            bounds=[(None, None)] * k,
            method="highs-ds",
        )
        if res.status != 0:
            return sep
        z = X0 @ res.x
        new = z > tol
        if not new.any():
            return sep
        idx = np.flatnonzero(zero)[new]
        sep[idx] = True


def _dense_design(X: np.ndarray, fe: FixedEffects) -> np.ndarray:
    cols = [X]
    for q in range(fe.n_fe):
        dq = np.zeros((fe.nobs, int(fe.n_groups[q])))
        dq[np.arange(fe.nobs), fe.codes[q]] = 1.0
        cols.append(dq)
    return np.hstack(cols)


def relu_separation(
    y: np.ndarray,
    X: np.ndarray,
    fe: FixedEffects | None,
    *,
    tol: float = 1e-5,
    maxiter: int = 500,
    method: str = "auto",
) -> tuple[np.ndarray, bool]:
    """Separated rows by the iterative ReLU method of Correia, Guimarães & Zylkin (2021).

    Parameters
    ----------
    y : ndarray, shape (n,)
        Dependent variable (>= 0).
    X : ndarray, shape (n, k)
        Regressors (include an intercept column when there are no fixed effects).
    fe : FixedEffects or None
    tol : float
        A zero row is separated when its final fit exceeds ``tol`` (the fits start from 1).
    maxiter : int
        Maximum number of ReLU iterations. When reached, ``converged`` is False and the rows
        with a fit above ``tol`` at that point are returned (candidates, not certified).
    method : {"auto", "exact", "weighted"}
        ``exact`` projects on the null space of the positive rows with a dense design
        (small problems), ``weighted`` runs weighted least squares with weight ``1e8`` on
        positive rows through the fixed-effect demeaning (any size); ``auto`` picks ``exact``
        when the dense design has at most 4 million cells and 1,500 columns.

    Returns
    -------
    (separated mask, converged)
    """
    if method not in ("auto", "exact", "weighted"):
        raise InvalidArgumentError("method", method, ("auto", "exact", "weighted"))
    n = len(y)
    zero = y == 0
    pos = ~zero
    if not zero.any():
        return np.zeros(n, dtype=bool), True
    Xs = np.asarray(X, dtype=np.float64)
    if Xs.shape[1]:
        sc = np.abs(Xs).max(axis=0)
        sc[sc == 0] = 1.0
        Xs = Xs / sc
    p = Xs.shape[1] + (int(fe.n_groups.sum()) if fe is not None else 0)
    if method == "auto":
        method = "exact" if (n * p <= _DENSE_LIMIT and p <= 1500) else "weighted"

    if method == "exact":
        Z = _dense_design(Xs, fe) if fe is not None else Xs
        if pos.any():
            # null space of the positive rows from the eigenvectors of Zp'Zp (p x p, cheap)
            Zp = Z[pos]
            ev, vec = np.linalg.eigh(Zp.T @ Zp)
            N = vec[:, ev <= 1e-9 * max(float(ev.max()), 1.0)]
        else:
            N = np.eye(Z.shape[1])
        A = Z[zero] @ N
        if A.shape[1] == 0:
            return np.zeros(n, dtype=bool), True
        # orthonormal basis of the column space of A; absolute cut-off because the columns of
        # Z are scaled to at most 1 in absolute value (a relative one would keep pure noise)
        U, s, _ = np.linalg.svd(A, full_matrices=False)
        Ur = U[:, s > 1e-9 * max(1.0, float(np.sqrt(Z.shape[1])))]

        def fit(u0: np.ndarray) -> np.ndarray:
            full = np.zeros(n)
            full[zero] = Ur @ (Ur.T @ u0)
            return full
    else:
        K = 1e8
        w = np.where(pos, K, 1.0)
        sw = np.sqrt(w)
        # the regressors and weights do not change across iterations: demean them once, then
        # demean only u, warm-started from the previous residual. The tolerance is tight
        # because the weighted norm is dominated by the positive rows (weight K).
        if fe is not None and Xs.shape[1]:
            Xd = demean(Xs, fe, w, tol=1e-9, maxiter=50_000)[0]
        else:
            Xd = Xs
        if Xd.shape[1]:
            # orthonormal basis of the weighted demeaned regressors from the k x k Gram matrix
            # (one n x k array; no SVD copies of the tall matrix)
            A = Xd * sw[:, None]
            del Xd
            ev, V = np.linalg.eigh(A.T @ A)
            keep_dir = ev > 1e-12 * max(float(ev.max()), 1e-300)
            Ua = A @ (V[:, keep_dir] / np.sqrt(ev[keep_dir]))
            del A
        else:
            Ua = np.zeros((n, 0))
        state: dict[str, np.ndarray] = {}

        def fit(u0: np.ndarray) -> np.ndarray:
            u = np.zeros(n)
            u[zero] = u0
            if fe is not None:
                if "ud" in state:
                    start = (state["ud"] + (u - state["u"]))[:, None]
                else:
                    start = u[:, None].copy()
                ud = demean(u[:, None], fe, w, tol=1e-9, maxiter=50_000, start=start)[0][:, 0]
                state["ud"], state["u"] = ud, u
            else:
                ud = u
            if Ua.shape[1]:
                uw = ud * sw
                resid = (uw - Ua @ (Ua.T @ uw)) / sw
            else:
                resid = ud
            return u - resid

    # Stop when no fitted value on a zero row is below -neg_tol, then call separated the rows
    # with a fit above tol. neg_tol is tight (false positives decay at the rate of the
    # negatives) but not below the approximation error of the fit, measured by the fits on the
    # positive rows (exactly 0 in theory; of order n/K with the weighted solver).
    u0 = np.ones(int(zero.sum()))
    converged = False
    f = u0
    for _ in range(maxiter):
        full = fit(u0)
        f = full[zero]
        err = float(np.abs(full[pos]).max()) if pos.any() else 0.0
        neg_tol = min(max(1e-10 if method == "exact" else 1e-8, 10.0 * err), 0.1 * tol)
        if (f >= -neg_tol).all():
            converged = True
            break
        u0 = np.maximum(f, 0.0)
    sep = np.zeros(n, dtype=bool)
    sep[np.flatnonzero(zero)[f > tol]] = True
    return sep, converged


def validate_methods(methods: Sequence[str]) -> tuple[str, ...]:
    """Check a list of separation methods against :data:`SEPARATION_METHODS`."""
    out = tuple(methods)
    for m in out:
        if m not in SEPARATION_METHODS:
            raise InvalidArgumentError("separation", m, SEPARATION_METHODS)
    return out
