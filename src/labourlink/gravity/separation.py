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
  a positive fit are separated. It covers regressors and fixed effects together. On large
  problems (weighted least squares through the demeaning) it first looks for a dual certificate
  that nothing is separated (one regression; the usual outcome after the FE check), constrains
  to 0 the rows whose fit stays negative (acceleration) and works by rounds: separated rows are
  dropped and the check repeated on the others until a dual certificate, or an unaccelerated
  round, finds nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import get_num_threads, njit, prange

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


@njit(cache=True)
def _fe_checks_kernel(codes: np.ndarray, y: np.ndarray, sample: np.ndarray, single: np.ndarray,
                      separated: np.ndarray, do_single: bool, do_fe: bool) -> None:
    """Counts of rows and of positive rows per group, kept up to date as rows are dropped (one
    pass to count, then passes that drop rows and decrement their groups' counts)."""
    q_n, n = codes.shape
    maxg = 1
    for q in range(q_n):
        for i in range(n):
            if sample[i] and codes[q, i] + 1 > maxg:
                maxg = codes[q, i] + 1
    cnt = np.zeros((q_n, maxg), dtype=np.int64)
    pos = np.zeros((q_n, maxg), dtype=np.int64)
    for i in range(n):
        if sample[i]:
            for q in range(q_n):
                cnt[q, codes[q, i]] += 1
                if y[i] > 0:
                    pos[q, codes[q, i]] += 1
    while True:
        changed = False
        if do_single:
            # as singletons(): rows alone in a group of any fixed effect, to a fixed point (the
            # rows dropped do not depend on the order; counts are decremented as they go)
            while True:
                found = False
                for i in range(n):
                    if not sample[i]:
                        continue
                    alone = False
                    for q in range(q_n):
                        if cnt[q, codes[q, i]] == 1:
                            alone = True
                    if alone:
                        single[i] = True
                        sample[i] = False
                        found = True
                        for q in range(q_n):
                            cnt[q, codes[q, i]] -= 1
                            if y[i] > 0:
                                pos[q, codes[q, i]] -= 1
                if not found:
                    break
                changed = True
        if do_fe:
            # as fe_separation(): every fixed effect on the same sample; the rows dropped are
            # zeros, which leave the counts of positive rows as they are
            for i in range(n):
                if not sample[i]:
                    continue
                sep = False
                for q in range(q_n):
                    if pos[q, codes[q, i]] == 0:
                        sep = True
                if sep:
                    separated[i] = True
                    sample[i] = False
                    changed = True
                    for q in range(q_n):
                        cnt[q, codes[q, i]] -= 1
        if not changed:
            return


def fe_checks(codes: np.ndarray, y: np.ndarray, sample: np.ndarray, single: np.ndarray,
              separated: np.ndarray, *, drop_singletons: bool, fe: bool) -> None:
    """Singletons (:func:`singletons`) then fixed-effect separation (:func:`fe_separation`),
    repeated until neither finds a row: the same rows as alternating the two functions, in one
    compiled pass per fixed effect over all rows (no copies of the codes of the sample).

    Updates in place: ``sample`` (rows still in), ``single`` and ``separated`` (rows dropped).
    ``codes`` is (n_fe, n) with any value on rows outside ``sample``.
    """
    if codes.shape[0] == 0 or not (drop_singletons or fe):
        return
    _fe_checks_kernel(np.ascontiguousarray(codes), np.ascontiguousarray(y, dtype=np.float64),
                      sample, single, separated, drop_singletons, fe)


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
    accelerate: bool = True,
    info: dict | None = None,
    _verify: bool = True,
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
    accelerate : bool
        ``weighted`` only: constrain to 0 the zero rows whose fit was negative in two
        consecutive iterations (sound for the rows found; a round that finds nothing with
        constrained rows is run again without). False runs the plain iteration.
    info : dict, optional
        Filled with diagnostics: ``iterations`` (least-squares fits, all rounds), ``rounds``,
        ``stop`` (``"dual"``, ``"primal"`` or ``"maxiter"``) and, for ``weighted``,
        ``cg_iterations`` and ``demean_calls``.

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
        return _relu_weighted(y, Xs, fe, tol=tol, maxiter=maxiter, accelerate=accelerate,
                              verify=_verify, info=info)

    # Stop when no fitted value on a zero row is below -neg_tol, then call separated the rows
    # with a fit above tol. neg_tol is tight (false positives decay at the rate of the
    # negatives) but not below the approximation error of the fit (exactly 0 in theory).
    u0 = np.ones(int(zero.sum()))
    converged = False
    f = u0
    iters = 0
    for _ in range(maxiter):
        full = fit(u0)
        iters += 1
        f = full[zero]
        err = float(np.abs(full[pos]).max()) if pos.any() else 0.0
        neg_tol = min(max(1e-10, 10.0 * err), 0.1 * tol)
        if (f >= -neg_tol).all():
            converged = True
            break
        u0 = np.maximum(f, 0.0)
    sep = np.zeros(n, dtype=bool)
    sep[np.flatnonzero(zero)[f > tol]] = True
    if info is not None:
        info.update(method="exact", iterations=iters, rounds=1, stop="primal")
    return sep, converged


# -- weighted least squares through the fixed-effect demeaning (large problems) ---------------

_K = 1e8  # weight of the rows whose fit is constrained to 0 (positive rows, accelerated rows)
_K_SCREEN = 100.0  # weight of the positive rows in the dual screen (better conditioned)
_DUAL_MARGIN = 1e-2  # least value of the dual certificate on a zero row (the fits start at 1)
_DUAL_ZTOL = 1e-5  # largest |Z'm| accepted for a dual certificate m
_DEMEAN_TOL = 1e-9
_STRONG = 1e3  # with acceleration, separated rows need a fit this many times the fit errors


class _WeightedFit:
    """Weighted least-squares fits of ``u`` on the scaled regressors and the fixed effects.

    When the weights change, ``u`` and the regressors are demeaned together from a cold
    start; otherwise only ``u`` is, optionally warm-started from its previous residual (any
    point of ``x + span(D)`` is a valid start, whatever the weights).
    """

    def __init__(self, Xs: np.ndarray, fe: FixedEffects | None) -> None:
        self.Xs = Xs
        self.fe = fe
        self.w: np.ndarray | None = None
        self.sw: np.ndarray | None = None
        self.Xd: np.ndarray | None = None
        self.Ua = np.zeros((len(Xs), 0))
        self.ud: np.ndarray | None = None
        self.u: np.ndarray | None = None
        self.calls: list[tuple[str, int]] = []  # (column, CG iterations) of each demeaning
        self.tol = _DEMEAN_TOL

    def _set_weights(self, w: np.ndarray, warm: bool, demeaned: bool = False) -> None:
        if self.w is not None and np.array_equal(w, self.w):
            return
        self.w = w.copy()
        self.sw = sw = np.sqrt(w)
        if not self.Xs.shape[1]:
            return
        if self.fe is not None:
            if not demeaned:
                start = self.Xd if (warm and self.Xd is not None) else self.Xs.copy()
                self.Xd, _, it = demean(self.Xs, self.fe, w, tol=self.tol, maxiter=50_000,
                                        start=start)
                self.calls.append(("X", it))
            assert self.Xd is not None
            Xd = self.Xd
        else:
            Xd = self.Xs
        # orthonormal basis of the weighted demeaned regressors from the k x k Gram matrix
        self.Ua = np.zeros((0, 0))
        A = Xd * sw[:, None]
        ev, V = np.linalg.eigh(A.T @ A)
        keep_dir = ev > 1e-12 * max(float(ev.max()), 1e-300)
        self.Ua = A @ (V[:, keep_dir] / np.sqrt(ev[keep_dir]))
        del A

    def __call__(self, u: np.ndarray, w: np.ndarray,
                 warm: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(fit, residual) of the regression of ``u`` with weights ``w``.

        ``warm`` starts the demeaning from the previous residuals. With weights 1 and 1e8 the
        stopping rule of the demeaning (relative to a norm dominated by the heavy rows) leaves
        errors of up to 1e-2 on the light rows of a warm-started solution, enough to stall
        the ReLU iteration: the primal iterations start cold.
        """
        if (not warm and self.fe is not None and self.Xs.shape[1]
                and (self.w is None or not np.array_equal(w, self.w))):
            # new weights, cold start: demean u and the regressors together (one pass over
            # the codes for all columns, ~45% faster than two demeanings)
            U = np.column_stack([u, self.Xs])
            R, _, it = demean(U, self.fe, w, tol=self.tol, maxiter=50_000, start=U)
            self.calls.append(("uX", it))
            # views of R (no copies: the peak memory of the fit is here on large panels)
            self.ud, self.u, self.Xd = R[:, :1], u.copy(), R[:, 1:]
            del R, U
            self._set_weights(w, warm=True, demeaned=True)
            return self._finish(u, self.ud[:, 0], w)
        self._set_weights(w, warm)
        if self.fe is not None:
            if warm and self.ud is not None and self.u is not None:
                start = (self.ud[:, 0] + (u - self.u))[:, None]
            else:
                start = u[:, None].copy()
            self.ud, _, it = demean(u[:, None], self.fe, w, tol=self.tol, maxiter=50_000,
                                    start=start)
            self.calls.append(("u", it))
            self.u = u.copy()
            ud = self.ud[:, 0]
        else:
            ud = u
        return self._finish(u, ud, w)

    def _finish(self, u: np.ndarray, ud: np.ndarray, w: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        if self.Ua.shape[1]:
            assert self.sw is not None
            uw = ud * self.sw
            resid = (uw - self.Ua @ (self.Ua.T @ uw)) / self.sw
        else:
            resid = ud.copy()
        return u - resid, resid


def _dual_check(m: np.ndarray, zero: np.ndarray, Xs: np.ndarray,
                fe: FixedEffects | None) -> tuple[float, float]:
    """``(min of m on the zero rows, max |Z'm|)``: ``m`` proves that no row is separated
    (Gordan's alternative) when the first is at least ``_DUAL_MARGIN`` and the second at most
    ``_DUAL_ZTOL``.

    A vector ``m`` with ``Z'm = 0`` (``Z = [X, D]``) and ``m > 0`` on every zero row excludes
    separation: ``m'z = sum_{y=0} m_i z_i = 0`` for any certificate ``z >= 0`` of separation,
    so ``z = 0``. The weighted residual ``m = W r`` of a weighted regression of ``u`` on ``Z``
    qualifies (normal equations), whatever the weights; with ``u = 1`` on the zero rows and
    weight 1 there, ``m = 1 - fit`` on them: positive when every fit is below 1, which is the
    case without separation on gravity panels, in one regression (the primal test waits for
    the negative fits to vanish: tens of iterations). ``Z'm = 0`` only holds to the accuracy
    of the demeaning, so it is checked here: the group sums of ``m`` for every fixed effect
    must be below ``_DUAL_ZTOL`` and ``X'm`` (scaled columns) below ``10 * _DUAL_ZTOL``,
    three and two orders of magnitude below the margin ``_DUAL_MARGIN`` required of ``m`` on
    the zero rows (the fits start at 1): a certificate ``z = X g + D a`` of separation missed
    through that error would need ``10 |g|_1 + |a|_1 >= 1000 sum_i z_i``.
    """
    low = float(m[zero].min()) if zero.any() else np.inf
    # X'm sums over all rows (the columns of X are scaled to at most 1): 10 times more slack
    viol = 0.1 * float(np.abs(Xs.T @ m).max()) if Xs.shape[1] else 0.0
    if fe is not None:
        for q in range(fe.n_fe):
            viol = max(viol, float(np.abs(np.bincount(fe.codes[q], weights=m)).max()))
    return low, viol


FIT_RATIO = _DUAL_ZTOL / _DUAL_MARGIN
"""Largest ratio of the violation of ``Z'm = 0`` to the least value of ``m`` on a zero row
accepted by :func:`fit_certificate_values` (the ratio of the thresholds of :func:`_dual_check`)."""


def fit_certificate_values(y: np.ndarray, X: np.ndarray, fe: FixedEffects | None,
                           w: np.ndarray, resid: np.ndarray) -> tuple[float, float]:
    """``(low, viol)`` of the dual certificate given by the last weighted least squares of IRLS.

    IRLS regresses ``z`` on ``Z = [X, D]`` with weights ``w``; its weighted residual ``W r`` is
    orthogonal to ``Z`` (normal equations). On a zero row ``z = eta_old - 1`` and the fit is
    ``eta_new``, so ``m = -W r = w (1 + eta_new - eta_old)`` is positive unless the step lowered
    ``eta`` by 1 or more there, which is what separated rows do at every iteration (their mean
    goes to 0) and what converged fits without separation do not. ``m`` is then a dual
    certificate that no row is separated as in :func:`_dual_check` (Gordan's alternative),
    accepted when ``low > 0`` and ``viol <= FIT_RATIO * low`` (``low``: least value of ``m`` on a
    zero row; ``viol``: violation of ``Z'm = 0`` measured as there). ``m`` has the scale of the
    fitted means; only the ratio matters. When it fails nothing is concluded: the caller runs
    the ReLU check.

    Parameters
    ----------
    y : ndarray, shape (n,)
    X : ndarray, shape (n, k)
        Regressors of the fit (kept columns).
    fe : FixedEffects or None
    w, resid : ndarray, shape (n,)
        Weights and working residuals of the last weighted least squares of the fit.
    """
    fe_codes = fe.codes if fe is not None else np.zeros((0, len(y)), dtype=np.int32)
    n_groups = fe.n_groups if fe is not None else np.zeros(0, dtype=np.int64)
    X = np.asarray(X, dtype=np.float64)
    n_chunks = int(get_num_threads()) if len(y) >= 100_000 else 1
    low, viol = _fit_certificate_kernel(y, w, resid, X, fe_codes, n_groups, n_chunks)
    return float(low), float(viol)


@njit(parallel=True, cache=True)
def _fit_certificate_kernel(y: np.ndarray, w: np.ndarray, resid: np.ndarray, X: np.ndarray,
                            codes: np.ndarray, n_groups: np.ndarray,
                            n_chunks: int) -> tuple[float, float]:
    """:func:`_dual_check` of ``m = -w * resid`` with the columns of ``X`` scaled to at most 1
    in absolute value, in one pass (``(inf, 0)`` without zero rows, ``(-inf, inf)`` when ``m``
    is not finite)."""
    n, k = X.shape
    q_n = codes.shape[0]
    offs = np.zeros(q_n + 1, dtype=np.int64)
    for q in range(q_n):
        offs[q + 1] = offs[q] + n_groups[q]
    n_g = offs[q_n]
    gs = np.zeros((n_chunks, n_g))
    xm = np.zeros((n_chunks, k + 8))
    xmax = np.zeros((n_chunks, k + 8))
    lows = np.full(n_chunks, np.inf)
    bad = np.zeros(n_chunks, dtype=np.bool_)
    for t in prange(n_chunks):
        lo = np.inf
        for i in range((n * t) // n_chunks, (n * (t + 1)) // n_chunks):
            mi = -(w[i] * resid[i])
            if not np.isfinite(mi):
                bad[t] = True
            if y[i] == 0.0 and mi < lo:
                lo = mi
            for q in range(q_n):
                gs[t, offs[q] + codes[q, i]] += mi
            for j in range(k):
                xm[t, j] += X[i, j] * mi
                ax = abs(X[i, j])
                if ax > xmax[t, j]:
                    xmax[t, j] = ax
        lows[t] = lo
    low = np.inf
    for t in range(n_chunks):
        if bad[t]:
            return -np.inf, np.inf
        low = min(low, lows[t])
    if low == np.inf:  # no zero row
        return np.inf, 0.0
    viol = 0.0
    for j in range(k):
        sj = 0.0
        mx = 0.0
        for t in range(n_chunks):
            sj += xm[t, j]
            mx = max(mx, xmax[t, j])
        if mx == 0.0:
            mx = 1.0
        viol = max(viol, 0.1 * abs(sj) / mx)
    for g in range(n_g):
        v = 0.0
        for t in range(n_chunks):
            v += gs[t, g]
        viol = max(viol, abs(v))
    return low, viol


def _relu_round(
    y: np.ndarray, Xs: np.ndarray, fe: FixedEffects | None, *, tol: float, maxiter: int,
    accelerate: bool, calls: list[tuple[str, int]], warm: bool = False,
) -> tuple[str, np.ndarray, bool, int]:
    """One ReLU run on a fixed sample, from ``u = 1`` on the zero rows.

    Returns ``(stop, candidates, accelerated, iterations)``; ``stop`` is ``"dual"`` (a dual
    certificate proves that no row is separated), ``"primal"`` (no fit on a zero row is
    negative: the rows with a positive fit are separated, with that fit as certificate) or
    ``"maxiter"`` (candidates not certified). ``accelerated`` tells whether rows were
    constrained to a zero fit (then an empty result proves nothing).
    """
    n = len(y)
    zero = y == 0
    pos = ~zero
    izero = np.flatnonzero(zero)
    lsq = _WeightedFit(Xs, fe)
    u = zero.astype(np.float64)
    iters = 0
    try:
        if pos.any():
            w_s = np.where(pos, _K_SCREEN, 1.0)
            _, r = lsq(u, w_s)
            iters += 1
            low, viol = _dual_check(w_s * r, zero, Xs, fe)
            # a promising certificate not accurate enough: demean further (warm start)
            while low >= _DUAL_MARGIN and viol > _DUAL_ZTOL and lsq.tol > 1e-13:
                lsq.tol /= 100.0
                lsq.w = None  # demean the regressors again at the new tolerance
                _, r = lsq(u, w_s, warm=True)
                low, viol = _dual_check(w_s * r, zero, Xs, fe)
            if low >= _DUAL_MARGIN and viol <= _DUAL_ZTOL:
                return "dual", np.zeros(n, dtype=bool), False, iters
            lsq.tol = _DEMEAN_TOL
        w = np.where(pos, _K, 1.0)
        constrained = np.zeros(len(izero), dtype=bool)
        neg_prev = np.zeros(len(izero), dtype=bool)
        f = u[zero]
        while iters < maxiter:
            full, _ = lsq(u, w, warm=warm)
            iters += 1
            f = full[zero]
            # approximation error of the fit, from the fits constrained to 0 (exactly 0 in
            # theory, of order n/K with the weights)
            err = float(np.abs(full[pos]).max()) if pos.any() else 0.0
            if constrained.any():
                err = max(err, float(np.abs(f[constrained]).max()))
            neg_tol = min(max(1e-8, 10.0 * err), 0.1 * tol)
            neg = f < -neg_tol
            if not neg.any() and err <= tol:
                # the fit is in the span of [X, D] by construction (u minus a residual that
                # stays in u + span), 0 on the positive and constrained rows and >= 0 on the
                # others within tolerance: a certificate of separation for the rows above tol.
                # With constrained rows the fits can collapse within one iteration to the
                # level of the errors; a certificate must then stand well above them.
                cand = f > tol
                viol = max(err, float(-f.min()), 0.0)
                if not (constrained.any() and cand.any()
                        and float(f[cand].min()) < _STRONG * viol):
                    sep = np.zeros(n, dtype=bool)
                    sep[izero[cand]] = True
                    return "primal", sep, bool(constrained.any()), iters
            if accelerate:
                # constrain to 0 the zero rows whose fit stayed negative: a certificate of the
                # constrained problem is one of the original problem (no false positive); the
                # caller guards against false negatives
                new = neg & neg_prev & ~constrained
                if new.any():
                    constrained |= new
                    w = w.copy()
                    w[izero[new]] = _K
            neg_prev = neg
            u0 = np.maximum(f, 0.0)
            u0[constrained] = 0.0
            u = np.zeros(n)
            u[izero] = u0
        sep = np.zeros(n, dtype=bool)
        sep[izero[f > tol]] = True
        return "maxiter", sep, bool(constrained.any()), iters
    finally:
        calls.extend(lsq.calls)


def _relu_weighted(
    y: np.ndarray, Xs: np.ndarray, fe: FixedEffects | None, *, tol: float, maxiter: int,
    accelerate: bool, verify: bool, info: dict | None,
) -> tuple[np.ndarray, bool]:
    """ReLU with the weighted solver, by rounds on a shrinking sample.

    A round stops on a dual certificate (nothing left is separated: done) or on a primal one
    (the rows with a positive fit are separated). Separated rows are dropped and a new round
    runs on the others: their separated rows are exactly the remaining separated rows of the
    original problem (a certificate restricted to a subsample is one, and one of the subsample
    plus a large multiple of the certificate of the dropped rows is one of the whole sample).
    A round that used acceleration and found nothing proves nothing: it is run again without
    acceleration (``verify``; False only in tests, to show what the guard catches).
    """
    n = len(y)
    sep = np.zeros(n, dtype=bool)
    rows = np.arange(n)
    total_iters = rounds = 0
    plain = not accelerate
    stop = "primal"
    converged = True
    calls: list[tuple[str, int]] = []
    while True:
        yr = y[rows]
        if not (yr == 0).any():
            break
        fer = fe if (fe is None or rows.size == n) else fe.subset(rows)
        stop, cand, accelerated, it = _relu_round(
            yr, Xs[rows] if rows.size < n else Xs, fer, tol=tol,
            maxiter=max(maxiter - total_iters, 1), accelerate=not plain, calls=calls)
        rounds += 1
        total_iters += it
        if stop == "dual":
            break
        if stop == "maxiter":
            sep[rows[cand]] = True
            converged = False
            break
        if cand.any():
            sep[rows[cand]] = True
            rows = rows[~cand]
            continue
        if accelerated and verify:
            plain = True
            continue
        break
    if info is not None:
        info.update(method="weighted", iterations=total_iters, rounds=rounds, stop=stop,
                    cg_iterations=sum(c for _, c in calls), demean_calls=calls)
    return sep, converged


def validate_methods(methods: Sequence[str]) -> tuple[str, ...]:
    """Check a list of separation methods against :data:`SEPARATION_METHODS`."""
    out = tuple(methods)
    for m in out:
        if m not in SEPARATION_METHODS:
            raise InvalidArgumentError("separation", m, SEPARATION_METHODS)
    return out
