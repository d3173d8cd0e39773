"""Iteratively reweighted least squares for Poisson PML with absorbed fixed effects.

Pure numerical core: arrays in, arrays and a converged flag out. Each iteration regresses the
working variable ``z = eta - offset + y/mu - 1`` on the regressors with weights ``w * mu`` after
projecting the fixed effects out of both (:func:`labourlink.gravity.demean.demean`). Speed-ups:

- warm starts: the demeaned regressors and working variable of the previous iteration start the
  next demeaning (``z`` enters as ``z_prev_demeaned + (z - z_prev)``, a point of ``z + span(D)``);
- adaptive inner tolerance: the demeaning starts loose (``inner_tol_start``) and is tightened by
  10x whenever the IRLS criterion falls below 10x the inner tolerance, down to ``fixef_tol``;
  convergence is declared only at the final inner tolerance;
- all columns are demeaned in one pass over the fixed-effect codes.

The convergence criterion is the one of fixest/pyfixest:
``|dev - dev_old| / (0.1 + |dev_old|) < tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import get_num_threads, njit, prange

from labourlink.gravity.demean import PARALLEL_MIN_CELLS, FixedEffects, demean


@dataclass(frozen=True, slots=True)
class IRLSSettings:
    """Solver settings (frozen).

    tol : IRLS tolerance on the relative change of the deviance.
    max_iter : maximum number of IRLS iterations.
    fixef_tol : final tolerance of the demeaning (relative norm of one sweep's change).
    fixef_maxiter : maximum CG iterations per demeaning.
    inner_tol_start : initial demeaning tolerance (adaptive; >= fixef_tol).
    warm_start : start each demeaning from the previous one (False: from scratch; ablation).
    collin_tol : a regressor whose demeaned (weighted) sum of squares is below ``collin_tol``
        times its centred sum of squares, after partialling out the regressors before it, is
        dropped as collinear.
    """

    tol: float = 1e-8
    max_iter: int = 100
    fixef_tol: float = 1e-8
    fixef_maxiter: int = 10_000
    inner_tol_start: float = 1e-4
    collin_tol: float = 1e-9
    warm_start: bool = True

    def __post_init__(self) -> None:
        from labourlink.errors import InvalidArgumentError

        for name in ("tol", "fixef_tol", "inner_tol_start", "collin_tol"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0 < v < 1):
                raise InvalidArgumentError(name, v, "a number strictly between 0 and 1")
        for name in ("max_iter", "fixef_maxiter"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v > 0):
                raise InvalidArgumentError(name, v, "a positive integer")


@dataclass(frozen=True, slots=True)
class IRLSOutput:
    """Result of :func:`fit_ppml_irls` (arrays over the estimation sample).

    beta : (k_kept,) coefficients of the kept regressors.
    keep : (k,) bool, False for regressors dropped as collinear.
    eta : (n,) linear predictor (log of the mean, including offset).
    mu : (n,) fitted mean.
    Xd : (n, k_kept) demeaned regressors at the weights ``w`` of the last WLS step.
    w : (n,) weights of the last WLS step (user weights times mu of the previous iteration).
    resid : (n,) working residual of the last WLS step (``z_demeaned - Xd @ beta``).
    deviance : Poisson deviance at ``mu``.
    converged, iterations, demean_iterations (total CG iterations).
    """

    beta: np.ndarray
    keep: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    Xd: np.ndarray
    w: np.ndarray
    resid: np.ndarray
    deviance: float
    converged: bool
    iterations: int
    demean_iterations: int
    demean_converged: bool


def poisson_deviance(y: np.ndarray, mu: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Poisson deviance ``2 sum w (y log(y/mu) - (y - mu))`` (``0 log 0 = 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ylog = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
    d = ylog - (y - mu)
    if weights is not None:
        d = d * weights
    return float(2.0 * d.sum())


@njit(parallel=True, cache=True)
def _update(y: np.ndarray, eta: np.ndarray, uw: np.ndarray, off: np.ndarray,
            z: np.ndarray, w: np.ndarray, zshift: np.ndarray, z_prev: np.ndarray) -> None:
    """One fused pass: mu = exp(eta); z = eta - off + y/mu - 1; w = uw*mu; zshift += z - z_prev.

    ``uw`` and ``off`` may be empty (no weights: 1; no offset: 0). ``zshift`` may be a column
    view of the previous demeaned matrix: the shift is added to it in place.
    """
    has_w = uw.shape[0] > 0
    has_off = off.shape[0] > 0
    for i in prange(y.shape[0]):
        # exp underflows to 0 below eta ~ -745; keep mu positive so y/mu stays finite
        mu = max(np.exp(eta[i]), 1e-300)
        zi = eta[i] + y[i] / mu - 1.0
        if has_off:
            zi -= off[i]
        zshift[i] += zi - z_prev[i]
        z[i] = zi
        w[i] = uw[i] * mu if has_w else mu


@njit(parallel=True, cache=True)
def _deviance(y: np.ndarray, eta: np.ndarray, uw: np.ndarray, ylogy: float) -> float:
    """Poisson deviance from the linear predictor; ``ylogy = sum uw*y*log(y)`` (0 log 0 = 0).

    ``uw`` may be empty (unit weights).
    """
    s = 0.0
    if uw.shape[0] > 0:
        for i in prange(y.shape[0]):
            s += uw[i] * (np.exp(eta[i]) - y[i] * (eta[i] + 1.0))
    else:
        for i in prange(y.shape[0]):
            s += np.exp(eta[i]) - y[i] * (eta[i] + 1.0)
    return 2.0 * (ylogy + s)


@njit(parallel=True, cache=True)
def _wls_moments(ZXd: np.ndarray, w: np.ndarray, n_chunks: int) -> tuple[np.ndarray, np.ndarray]:
    """``X'WX`` and ``X'Wz`` from ``ZXd = [z, X]`` (demeaned), no n-sized temporaries.

    One scalar accumulator per entry and chunk (kept in a register; updating a shared array
    row by row was 10x slower).
    """
    n, k1 = ZXd.shape
    k = k1 - 1
    n_pairs = k * (k + 1) // 2 + k
    ia = np.empty(n_pairs, dtype=np.int64)
    ib = np.empty(n_pairs, dtype=np.int64)
    m = 0
    for a in range(k):
        for b in range(a, k):
            ia[m] = 1 + a
            ib[m] = 1 + b
            m += 1
        ia[m] = 1 + a
        ib[m] = 0
        m += 1
    part = np.zeros((n_chunks, n_pairs))
    for task in prange(n_chunks * n_pairs):
        t = task // n_pairs
        p = task % n_pairs
        ca = ia[p]
        cb = ib[p]
        s = 0.0
        for i in range((n * t) // n_chunks, (n * (t + 1)) // n_chunks):
            s += w[i] * ZXd[i, ca] * ZXd[i, cb]
        part[t, p] = s
    G = np.zeros((k, k))
    g = np.zeros(k)
    m = 0
    for a in range(k):
        for b in range(a, k):
            v = 0.0
            for t in range(n_chunks):
                v += part[t, m]
            G[a, b] = v
            G[b, a] = v
            m += 1
        v = 0.0
        for t in range(n_chunks):
            v += part[t, m]
        g[a] = v
        m += 1
    return G, g


@njit(parallel=True, cache=True)
def _residual_eta(ZXd: np.ndarray, beta: np.ndarray, z: np.ndarray, off: np.ndarray,
                  resid: np.ndarray, eta: np.ndarray) -> None:
    """resid = z_demeaned - X_demeaned beta; eta = z - resid (+ offset; ``off`` may be empty)."""
    n, k1 = ZXd.shape
    has_off = off.shape[0] > 0
    for i in prange(n):
        r = ZXd[i, 0]
        for a in range(k1 - 1):
            r -= ZXd[i, 1 + a] * beta[a]
        resid[i] = r
        e = z[i] - r
        if has_off:
            e += off[i]
        eta[i] = e


def find_collinear(Xd: np.ndarray, w: np.ndarray, X: np.ndarray, tol: float,
                   G: np.ndarray | None = None) -> np.ndarray:
    """Mask of columns to keep: sequential Gram-Schmidt on the weighted demeaned regressors.

    A column is dropped when its residual sum of squares (after the fixed effects and the
    kept columns before it) is below ``tol`` times its weighted centred sum of squares (its
    plain sum of squares for a constant column). ``G = Xd' W Xd`` when already computed.
    """
    k = Xd.shape[1]
    keep = np.zeros(k, dtype=bool)
    if k == 0:
        return keep
    if G is None:
        sw = np.sqrt(w)
        A = Xd * sw[:, None]
        G = A.T @ A
        del A, sw
    wsum = w.sum()
    Xm = (w @ X) / wsum
    ref = (w @ (X - Xm) ** 2)
    ref = np.where(ref > 0, ref, (w @ X**2))
    for j in range(k):
        idx = np.flatnonzero(keep)
        if idx.size:
            Gi = G[np.ix_(idx, idx)]
            g = G[idx, j]
            sol = np.linalg.solve(Gi, g)
            rss = G[j, j] - g @ sol
        else:
            rss = G[j, j]
        keep[j] = ref[j] > 0 and rss > tol * ref[j]
    return keep


def fit_ppml_irls(
    y: np.ndarray,
    X: np.ndarray,
    fe: FixedEffects | None,
    *,
    weights: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    settings: IRLSSettings = IRLSSettings(),
) -> IRLSOutput:
    """Fit a Poisson PML model with fixed effects by IRLS.

    Parameters
    ----------
    y : ndarray, shape (n,)
        Dependent variable (>= 0; separated observations already removed).
    X : ndarray, shape (n, k)
        Regressors (an intercept column when there are no fixed effects).
    fe : FixedEffects or None
        Integer-coded fixed effects of the n rows.
    weights : ndarray, shape (n,), optional
        Observation weights (>= 0).
    offset : ndarray, shape (n,), optional
        Offset on the log scale.
    settings : IRLSSettings

    Returns
    -------
    IRLSOutput
    """
    n, k = X.shape
    # no weights / no offset: empty arrays (the kernels read them as 1 and 0; saves 16 B a row)
    uw = np.empty(0) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    off = np.empty(0) if offset is None else np.ascontiguousarray(offset, dtype=np.float64)
    has_fe = fe is not None and fe.n_fe > 0
    target = settings.fixef_tol
    inner = max(settings.inner_tol_start, target) if has_fe else target

    ymean = float(np.average(y, weights=uw if weights is not None else None))
    eta = np.log((y + ymean) / 2.0)
    pos = y > 0
    ylog = y[pos] * np.log(y[pos])
    ylogy = float(np.sum(uw[pos] * ylog) if weights is not None else np.sum(ylog))
    del pos, ylog
    last = _deviance(y, eta, uw, ylogy)
    z = np.empty(n)
    w = np.empty(n)
    z_prev = np.zeros(n)
    keep = np.ones(k, dtype=bool)
    Xk = np.ascontiguousarray(X)
    ZXd: np.ndarray | None = None
    converged = False
    dm_iters = 0
    dm_ok = True
    it = 0
    beta = np.zeros(k)
    resid = np.zeros(0)
    Xd = Xk
    work: np.ndarray | None = None  # CG scratch reused across demeanings (large problems)
    n_chunks = max(1, int(get_num_threads())) if n >= 10_000 else 1
    deviance = last
    first = True
    for it in range(1, settings.max_iter + 1):
        warm = has_fe and not first and settings.warm_start
        # the shift z - z_prev goes straight into the previous demeaned z (warm start)
        _update(y, eta, uw, off, z, w, ZXd[:, 0] if (warm and ZXd is not None) else np.zeros(n),
                z_prev)
        if has_fe:
            assert fe is not None
            if not warm:
                start = np.empty((n, 1 + Xk.shape[1]))
                start[:, 0] = z
                start[:, 1:] = Xk
            else:
                assert ZXd is not None
                start = ZXd
            # the first pass sets the collinearity check: demean it to at least 1e-6
            tol_now = min(inner, 1e-6) if it == 1 else inner
            # CG scratch for multi-way fixed effects (one fixed effect is a single projection)
            if (fe.n_fe > 1 and (work is None or work.shape != (3, *start.shape))
                    and start.size >= PARALLEL_MIN_CELLS):
                work = np.empty((3, *start.shape))
            ZXd, ok, nit = demean(start, fe, w, tol=tol_now, maxiter=settings.fixef_maxiter,
                                  start=start, work=work)
            dm_iters += nit
            dm_ok = dm_ok and ok
            zd = ZXd[:, 0]
            Xd = ZXd[:, 1:]
        else:
            zd = z
            Xd = Xk
        z, z_prev = z_prev, z  # keep this z as z_prev; reuse the old buffer next time
        z_cur = z_prev
        first = False
        moments: tuple[np.ndarray, np.ndarray] | None = None
        if ZXd is not None and Xd.shape[1]:
            moments = _wls_moments(ZXd, w, n_chunks)
        if it == 1:
            keep = find_collinear(Xd, w, Xk, settings.collin_tol,
                                  G=moments[0] if moments is not None else None)
            if moments is not None:
                moments = (moments[0][np.ix_(keep, keep)], moments[1][keep])
            if not keep.all():
                Xk = np.ascontiguousarray(Xk[:, keep])
                if ZXd is not None:
                    ZXd = np.ascontiguousarray(ZXd[:, np.concatenate([[True], keep])])
                    zd = ZXd[:, 0]
                    Xd = ZXd[:, 1:]
                else:
                    Xd = Xk
        if ZXd is not None:
            # fused passes over [z, X] (no n x k temporaries): normal equations, then the
            # residual and the new linear predictor
            if Xd.shape[1]:
                assert moments is not None
                XtWX, XtWz = moments
                beta = np.linalg.solve(XtWX, XtWz)
            else:
                beta = np.zeros(0)
            if resid.shape[0] != n:
                resid = np.empty(n)
            eta_new = np.empty(n)
            _residual_eta(ZXd, beta, z_cur, off, resid, eta_new)
        else:
            if Xd.shape[1]:
                sw = np.sqrt(w)
                A = Xd * sw[:, None]
                XtWX = A.T @ A
                XtWz = A.T @ (zd * sw)
                beta = np.linalg.solve(XtWX, XtWz)
                resid = zd - Xd @ beta
            else:
                beta = np.zeros(0)
                resid = zd.copy()
            eta_new = z_cur - resid
            if offset is not None:
                eta_new += off
        dev = _deviance(y, eta_new, uw, ylogy)
        # step-halving if the deviance is not finite (overflow) or explodes
        halvings = 0
        while (not np.isfinite(dev) or dev > last * (1 + 1e-3) + 1e-12) and halvings < 20 and it > 1:
            eta_new = 0.5 * (eta_new + eta)
            dev = _deviance(y, eta_new, uw, ylogy)
            halvings += 1
        eta = eta_new
        crit = abs(dev - last) / (0.1 + abs(last))
        last = dev
        deviance = dev
        if crit < settings.tol and inner <= target:
            converged = True
            break
        if has_fe:
            while crit < 10 * inner and inner > target:
                inner = max(inner / 10.0, target)
    return IRLSOutput(
        beta=beta,
        keep=keep,
        eta=eta,
        mu=np.exp(eta),
        Xd=np.ascontiguousarray(Xd),
        w=w,
        resid=resid,
        deviance=deviance,
        converged=converged and dm_ok,
        iterations=it,
        demean_iterations=dm_iters,
        demean_converged=dm_ok,
    )
