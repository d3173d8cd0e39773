"""Iteratively reweighted least squares for Poisson PML with absorbed fixed effects.

Pure numerical core: arrays in, arrays and a converged flag out. Each iteration regresses the
working variable ``z = eta - offset + y/mu - 1`` on the regressors with weights ``w * mu`` after
projecting the fixed effects out of both. Speed-ups:

- with two or more fixed effects the projection iterates on fixed-effect coefficients
  (:class:`labourlink.gravity.demean.SchurProjector`), which are the warm start of the next
  iteration: for ``z`` this starts from ``z_prev_demeaned + (z - z_prev)``, a point of
  ``z + span(D)``, for the regressors from their previous demeaned values;
- adaptive inner tolerance: the demeaning starts loose (``inner_tol_start``; the regressors at
  1e-6 in the first iteration, for the collinearity check) and then follows the progress of
  IRLS, ``0.01 * crit`` of the previous iteration, down to ``fixef_tol``; convergence is declared
  only at the final inner tolerance;
- starting values as R's ``glm`` (``mu = y + 0.1``);
- all columns are demeaned in one pass over the fixed-effect codes.

The convergence criterion is the one of fixest/pyfixest:
``|dev - dev_old| / (0.1 + |dev_old|) < tol``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import get_num_threads, njit, prange

from labourlink.gravity.demean import (
    PARALLEL_MIN_CELLS,
    FixedEffects,
    SchurProjector,
    demean,
)
from labourlink.gravity.separation import FIT_RATIO, fit_certificate_values


@dataclass(frozen=True, slots=True)
class IRLSSettings:
    """Solver settings (frozen).

    tol : IRLS tolerance on the relative change of the deviance.
    max_iter : maximum number of IRLS iterations.
    fixef_tol : final tolerance of the demeaning (relative norm of one sweep's change).
    fixef_maxiter : maximum CG iterations per demeaning.
    inner_tol_start : initial demeaning tolerance (adaptive; >= fixef_tol).
    warm_start : start each demeaning from the previous one (False: from scratch; ablation).
    glm_start : start from ``mu = y + 0.1`` as R's glm (False: ``mu = (y + mean(y)) / 2``, the
        former start; ablation).
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
    glm_start: bool = True

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
    eta : (n,) linear predictor (log of the mean, including offset); the fitted mean is
        ``exp(eta)``.
    Xd : (n, k_kept) demeaned regressors at the weights ``w`` of the last WLS step.
    w : (n,) weights of the last WLS step (user weights times mu of the previous iteration).
    resid : (n,) working residual of the last WLS step (``z_demeaned - Xd @ beta``).
    deviance : Poisson deviance at ``mu``.
    converged, iterations, demean_iterations (total CG iterations).
    certified : the last WLS step proves that no row is separated
        (:func:`labourlink.gravity.separation.fit_certificate`; only checked on request).
    """

    beta: np.ndarray
    keep: np.ndarray
    eta: np.ndarray
    Xd: np.ndarray
    w: np.ndarray
    resid: np.ndarray
    deviance: float
    converged: bool
    iterations: int
    demean_iterations: int
    demean_converged: bool
    certified: bool = False


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
            ZX: np.ndarray, w: np.ndarray) -> None:
    """One fused pass: mu = exp(eta); ZX[:, 0] = z = eta - off + y/mu - 1; w = uw*mu.

    ``uw`` and ``off`` may be empty (no weights: 1; no offset: 0).
    """
    has_w = uw.shape[0] > 0
    has_off = off.shape[0] > 0
    for i in prange(y.shape[0]):
        # exp underflows to 0 below eta ~ -745; keep mu positive so y/mu stays finite
        mu = max(np.exp(eta[i]), 1e-300)
        zi = eta[i] + y[i] / mu - 1.0
        if has_off:
            zi -= off[i]
        ZX[i, 0] = zi
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
def _update_blocks(y: np.ndarray, eta: np.ndarray, uw: np.ndarray, off: np.ndarray,
                   ZX: np.ndarray, w: np.ndarray, bst: np.ndarray, chunks: np.ndarray,
                   codes: np.ndarray, oth: np.ndarray, fe_off: np.ndarray, inv_wb: np.ndarray,
                   prec: np.ndarray, loc: np.ndarray) -> None:
    """:func:`_update` and the weights of a :class:`SchurProjector` in one pass over its blocks.

    Fills ``inv_wb`` and ``prec`` as :meth:`SchurProjector.set_weights` does (same arithmetic).
    """
    has_w = uw.shape[0] > 0
    has_off = off.shape[0] > 0
    nch = chunks.shape[0] - 1
    m = oth.shape[0]
    n_coef = prec.shape[0]
    for t in prange(nch):
        lt = loc[t]
        for g in range(n_coef):
            lt[g, 0] = 0.0
        for b in range(chunks[t], chunks[t + 1]):
            s = bst[b]
            e = bst[b + 1]
            wb = 0.0
            for i in range(s, e):
                mu = max(np.exp(eta[i]), 1e-300)
                zi = eta[i] + y[i] / mu - 1.0
                if has_off:
                    zi -= off[i]
                ZX[i, 0] = zi
                wi = uw[i] * mu if has_w else mu
                w[i] = wi
                wb += wi
            iw = 1.0 / wb if wb > 0.0 else 0.0
            inv_wb[b] = iw
            if m == 2:
                c0s = codes[oth[0]]
                c1s = codes[oth[1]]
                f0 = fe_off[0]
                f1 = fe_off[1]
                for i in range(s, e):
                    d = w[i] * ((wb - w[i]) * iw)
                    lt[c0s[i] + f0, 0] += d
                    lt[c1s[i] + f1, 0] += d
                continue
            for i in range(s, e):
                d = w[i] * ((wb - w[i]) * iw)
                for q in range(m):
                    lt[codes[oth[q], i] + fe_off[q], 0] += d
    for g in prange(n_coef):
        v = 0.0
        for t in range(nch):
            v += loc[t, g, 0]
        prec[g] = 1.0 / v if v > 0.0 else 0.0


@njit(parallel=True, cache=True)
def _finish_moments_m2k3(Y: np.ndarray, a: np.ndarray, w: np.ndarray, bst: np.ndarray,
                         chunks: np.ndarray, inv_wb: np.ndarray, c0s: np.ndarray,
                         c1s: np.ndarray, f0: int, f1: int, out: np.ndarray,
                         part: np.ndarray) -> None:
    """:func:`_finish_moments` for two other fixed effects and ``[z, x1, x2]`` (unrolled):
    ``part[t, :5]`` = chunk t's sums of w x1 x1, w x1 x2, w x1 z, w x2 x2, w x2 z."""
    nch = chunks.shape[0] - 1
    for t in prange(nch):
        s11 = 0.0
        s12 = 0.0
        s1z = 0.0
        s22 = 0.0
        s2z = 0.0
        for b in range(chunks[t], chunks[t + 1]):
            s = bst[b]
            e = bst[b + 1]
            m0 = 0.0
            m1 = 0.0
            m2 = 0.0
            for i in range(s, e):
                wi = w[i]
                g0 = c0s[i] + f0
                g1 = c1s[i] + f1
                v0 = Y[i, 0] - a[g0, 0] - a[g1, 0]
                v1 = Y[i, 1] - a[g0, 1] - a[g1, 1]
                v2 = Y[i, 2] - a[g0, 2] - a[g1, 2]
                out[i, 0] = v0
                out[i, 1] = v1
                out[i, 2] = v2
                m0 += wi * v0
                m1 += wi * v1
                m2 += wi * v2
            iw = inv_wb[b]
            m0 *= iw
            m1 *= iw
            m2 *= iw
            for i in range(s, e):
                wi = w[i]
                v0 = out[i, 0] - m0
                v1 = out[i, 1] - m1
                v2 = out[i, 2] - m2
                out[i, 0] = v0
                out[i, 1] = v1
                out[i, 2] = v2
                x1 = wi * v1
                x2 = wi * v2
                s11 += x1 * v1
                s12 += x1 * v2
                s1z += x1 * v0
                s22 += x2 * v2
                s2z += x2 * v0
        part[t, 0] = s11
        part[t, 1] = s12
        part[t, 2] = s1z
        part[t, 3] = s22
        part[t, 4] = s2z


@njit(parallel=True, cache=True)
def _finish_moments(Y: np.ndarray, a: np.ndarray, w: np.ndarray, bst: np.ndarray,
                    chunks: np.ndarray, inv_wb: np.ndarray, codes: np.ndarray, oth: np.ndarray,
                    fe_off: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``out = M_F (Y - E a)`` (:meth:`SchurProjector.finish`) and, in the same pass, ``X'WX``
    and ``X'Wz`` of ``out = [z, X]`` (as :func:`_wls_moments`)."""
    k1 = Y.shape[1]
    k = k1 - 1
    nch = chunks.shape[0] - 1
    m = oth.shape[0]
    n_pairs = k * (k + 1) // 2 + k
    part = np.zeros((nch, n_pairs + 8))  # padding: chunks on separate cache lines
    if m == 2 and k1 == 3:
        _finish_moments_m2k3(Y, a, w, bst, chunks, inv_wb, codes[oth[0]], codes[oth[1]],
                             fe_off[0], fe_off[1], out, part)
    for t in prange(nch if not (m == 2 and k1 == 3) else 0):
        mb = np.zeros(k1)
        acc = np.zeros(n_pairs)
        for b in range(chunks[t], chunks[t + 1]):
            s = bst[b]
            e = bst[b + 1]
            for j in range(k1):
                mb[j] = 0.0
            if m == 2:
                c0s = codes[oth[0]]
                c1s = codes[oth[1]]
                f0 = fe_off[0]
                f1 = fe_off[1]
                for i in range(s, e):
                    wi = w[i]
                    ra = a[c0s[i] + f0]
                    rb = a[c1s[i] + f1]
                    for j in range(k1):
                        v = Y[i, j] - ra[j] - rb[j]
                        out[i, j] = v
                        mb[j] += wi * v
            else:
                for i in range(s, e):
                    wi = w[i]
                    for j in range(k1):
                        v = Y[i, j]
                        for q in range(m):
                            v -= a[codes[oth[q], i] + fe_off[q], j]
                        out[i, j] = v
                        mb[j] += wi * v
            iw = inv_wb[b]
            for j in range(k1):
                mb[j] *= iw
            for i in range(s, e):
                wi = w[i]
                for j in range(k1):
                    out[i, j] -= mb[j]
                p = 0
                for c in range(k):
                    xa = wi * out[i, 1 + c]
                    for d in range(c, k):
                        acc[p] += xa * out[i, 1 + d]
                        p += 1
                    acc[p] += xa * out[i, 0]
                    p += 1
        for p in range(n_pairs):
            part[t, p] = acc[p]
    G = np.zeros((k, k))
    g = np.zeros(k)
    p = 0
    for c in range(k):
        for d in range(c, k):
            v = 0.0
            for t in range(nch):
                v += part[t, p]
            G[c, d] = v
            G[d, c] = v
            p += 1
        v = 0.0
        for t in range(nch):
            v += part[t, p]
        g[c] = v
        p += 1
    return G, g


@njit(parallel=True, cache=True)
def _residual_eta_dev(ZXd: np.ndarray, beta: np.ndarray, ZX: np.ndarray, off: np.ndarray,
                      resid: np.ndarray, eta: np.ndarray, y: np.ndarray, uw: np.ndarray,
                      ylogy: float) -> float:
    """resid = z_demeaned - X_demeaned beta; eta = z - resid (+ offset; ``off`` may be empty),
    and the deviance at the new ``eta`` (as :func:`_deviance`), in one pass; ``z = ZX[:, 0]``."""
    n, k1 = ZXd.shape
    has_off = off.shape[0] > 0
    has_w = uw.shape[0] > 0
    s = 0.0
    b0 = beta[0] if k1 > 1 else 0.0
    b1 = beta[1] if k1 > 2 else 0.0
    for i in prange(n):
        if k1 == 3:
            r = ZXd[i, 0] - ZXd[i, 1] * b0 - ZXd[i, 2] * b1
        else:
            r = ZXd[i, 0]
            for c in range(k1 - 1):
                r -= ZXd[i, 1 + c] * beta[c]
        resid[i] = r
        e = ZX[i, 0] - r
        if has_off:
            e += off[i]
        eta[i] = e
        d = np.exp(e) - y[i] * (e + 1.0)
        s += uw[i] * d if has_w else d
    return 2.0 * (ylogy + s)


@njit(parallel=True, cache=True)
def poisson_loglik(y: np.ndarray, eta: np.ndarray, uw: np.ndarray) -> tuple[float, float]:
    """Poisson log-likelihood at ``mu = exp(eta)`` and of the constant-mean model (the latter
    only without weights: NaN when ``uw`` is given); ``uw`` may be empty (unit weights)."""
    n = y.shape[0]
    has_w = uw.shape[0] > 0
    ll = 0.0
    lg = 0.0
    ys = 0.0
    ylog = 0.0
    for i in prange(n):
        g = math.lgamma(y[i] + 1.0)
        mu = np.exp(eta[i])
        li = -mu - g
        if y[i] > 0.0:
            li += y[i] * eta[i]
        ll += uw[i] * li if has_w else li
        lg += g
        ys += y[i]
    if has_w:
        return ll, np.nan
    m = ys / n
    ylog = ys * np.log(m) - n * m - lg
    return ll, ylog


def _refit_last_step(ZX: np.ndarray, coef: np.ndarray, ZXd: np.ndarray, proj: SchurProjector,
                     w: np.ndarray, off: np.ndarray, y: np.ndarray, uw: np.ndarray,
                     ylogy: float, resid: np.ndarray, eta: np.ndarray
                     ) -> tuple[np.ndarray, float]:
    """The weighted least squares of ``[z, X]`` given the fixed-effect coefficients ``coef``:
    ``ZXd``, ``resid`` and ``eta`` in place; returns the coefficients and the deviance."""
    XtWX, XtWz = _finish_moments(ZX, coef, w, proj.bst, proj.chunks, proj.inv_wb, proj.codes,
                                 proj.oth, proj.off, ZXd)
    beta = np.linalg.solve(XtWX, XtWz) if ZXd.shape[1] > 1 else np.zeros(0)
    dev = _residual_eta_dev(ZXd, beta, ZX, off, resid, eta, y, uw, ylogy)
    return beta, dev


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
    certify: bool = False,
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
    certify : bool
        Check whether the last WLS step proves that no row is separated (``certified``); when
        the proof falls short only through the accuracy of the demeaning, that step is solved
        again more accurately (a few more conjugate-gradient iterations).

    Returns
    -------
    IRLSOutput
    """
    n, k = X.shape
    proj: SchurProjector | None = None
    if fe is not None and fe.n_fe >= 2:
        n_chunks = max(1, int(get_num_threads())) if n * (k + 1) >= PARALLEL_MIN_CELLS else 1
        proj = SchurProjector(fe, n_chunks)
        if proj.perm is not None:  # work in the order of the blocks; outputs are put back
            y = proj.to_sorted(y)
            X = proj.to_sorted(X)
            weights = proj.to_sorted(weights) if weights is not None else None
            offset = proj.to_sorted(offset) if offset is not None else None
    out = _irls(y, X, fe, proj, weights, offset, settings, certify)
    if proj is None or proj.perm is None:
        return out
    back = proj.from_sorted
    return IRLSOutput(
        beta=out.beta, keep=out.keep, eta=back(out.eta), Xd=back(out.Xd),
        w=back(out.w), resid=back(out.resid), deviance=out.deviance, converged=out.converged,
        iterations=out.iterations, demean_iterations=out.demean_iterations,
        demean_converged=out.demean_converged, certified=out.certified,
    )


def _irls(y: np.ndarray, X: np.ndarray, fe: FixedEffects | None, proj: SchurProjector | None,
          weights: np.ndarray | None, offset: np.ndarray | None,
          settings: IRLSSettings, certify: bool) -> IRLSOutput:
    """The IRLS loop (rows in the order of ``proj`` when there is one)."""
    n, k = X.shape
    # no weights / no offset: empty arrays (the kernels read them as 1 and 0; saves 16 B a row)
    uw = np.empty(0) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    off = np.empty(0) if offset is None else np.ascontiguousarray(offset, dtype=np.float64)
    has_fe = fe is not None and fe.n_fe > 0
    target = settings.fixef_tol
    inner = max(settings.inner_tol_start, target) if has_fe else target

    # starting values as R's glm for the Poisson family (mu = y + 0.1): close to the solution on
    # the positive rows whatever the scale of y (6 instead of 8 IRLS iterations on the 447k-row
    # benchmark panel, 8 instead of 16 on the WTO panel)
    if settings.glm_start:
        eta = np.log(y + 0.1)
    else:
        eta = np.log((y + float(np.average(y, weights=weights))) / 2.0)
    pos = y > 0
    ylog = y[pos] * np.log(y[pos])
    ylogy = float(np.sum(uw[pos] * ylog) if weights is not None else np.sum(ylog))
    del pos, ylog
    last = _deviance(y, eta, uw, ylogy)
    # [z, X] (z rewritten at each iteration) and its demeaned version
    ZX = np.empty((n, 1 + k))
    ZX[:, 1:] = X
    ZXd = ZX if not has_fe else np.empty((n, 1 + k))
    w = np.empty(n)
    keep = np.ones(k, dtype=bool)
    # fixed-effect coefficients of [z, X] (the iterate of the solver, warm start of the next)
    coef = np.zeros((proj.n_coef, 1 + k)) if proj is not None else np.zeros((0, 1 + k))
    converged = False
    dm_iters = 0
    dm_ok = True
    it = 0
    beta = np.zeros(k)
    resid = np.empty(n)
    eta_new = np.empty(n)
    n_chunks = max(1, int(get_num_threads())) if n >= 10_000 else 1
    deviance = last
    for it in range(1, settings.max_iter + 1):
        if proj is not None:
            _update_blocks(y, eta, uw, off, ZX, w, proj.bst, proj.chunks, proj.codes, proj.oth,
                           proj.off, proj.inv_wb, proj.prec, proj.scratch(1))
            proj.weights_set(w)
        else:
            _update(y, eta, uw, off, ZX, w)
        moments: tuple[np.ndarray, np.ndarray] | None = None
        if proj is not None:
            # the first pass sets the collinearity check: demean the regressors to at least 1e-6
            tol_now: float | np.ndarray = inner
            if it == 1:
                tol_now = np.full(ZX.shape[1], min(inner, 1e-6))
                tol_now[0] = inner
            if not settings.warm_start:
                coef[:] = 0.0
            nit, ok = proj.solve(ZX, coef, tol_now, settings.fixef_maxiter)
            moments = _finish_moments(ZX, coef, w, proj.bst, proj.chunks, proj.inv_wb,
                                      proj.codes, proj.oth, proj.off, ZXd)
            dm_iters += nit
            dm_ok = dm_ok and ok
        elif has_fe:
            assert fe is not None
            ZXd[:] = ZX
            demean(ZXd, fe, w, start=ZXd)
            dm_iters += 1
        if moments is None and ZXd.shape[1] > 1:
            moments = _wls_moments(ZXd, w, n_chunks)
        if it == 1:
            keep = find_collinear(ZXd[:, 1:], w, X, settings.collin_tol,
                                  G=moments[0] if moments is not None else None)
            if moments is not None:
                moments = (moments[0][np.ix_(keep, keep)], moments[1][keep])
            if not keep.all():
                cols = np.concatenate([[True], keep])
                X = np.ascontiguousarray(X[:, keep])
                ZX = np.ascontiguousarray(ZX[:, cols])
                ZXd = ZX if not has_fe else np.ascontiguousarray(ZXd[:, cols])
                coef = np.ascontiguousarray(coef[:, cols])
        if ZXd.shape[1] > 1:
            assert moments is not None
            XtWX, XtWz = moments
            beta = np.linalg.solve(XtWX, XtWz)
        else:
            beta = np.zeros(0)
        # resid = z_demeaned - X_demeaned beta; eta = z - resid (+ offset); deviance
        dev = _residual_eta_dev(ZXd, beta, ZX, off, resid, eta_new, y, uw, ylogy)
        # step-halving if the deviance is not finite (overflow) or explodes
        halvings = 0
        while (not np.isfinite(dev) or dev > last * (1 + 1e-3) + 1e-12) and halvings < 20 and it > 1:
            eta_new = 0.5 * (eta_new + eta)
            dev = _deviance(y, eta_new, uw, ylogy)
            halvings += 1
        eta, eta_new = eta_new, eta
        crit = abs(dev - last) / (0.1 + abs(last))
        last = dev
        deviance = dev
        if crit < settings.tol and inner <= target:
            converged = True
            break
        if has_fe:
            # the next demeaning needs an accuracy in proportion to the progress of IRLS
            inner = min(inner, max(0.01 * crit, target))
    certified = False
    if certify:
        fe_s = fe
        if proj is not None and proj.perm is not None:
            assert fe is not None
            fe_s = FixedEffects(proj.codes, fe.n_groups)
        low, viol = fit_certificate_values(y, X, fe_s, w, resid)
        certified = bool(low > 0.0 and viol <= FIT_RATIO * low)
        tol_c = target
        # A converged fit whose proof falls short through the accuracy of the demeaning: solve
        # the last weighted least squares again, more accurately (each solve restarts from the
        # exact residual), while the violation keeps falling; 1e-13 is about the accuracy that
        # double precision allows on the WTO panel (fitted values spanning 10 orders).
        while (not certified and proj is not None and converged and low > 0.0
               and tol_c > 1e-13):
            # the violation falls about as the tolerance (roughly: at least 100-fold steps),
            # aim at half the threshold
            tol_c = max(min(tol_c / 100.0, tol_c * 0.5 * FIT_RATIO * low / viol), 1e-13)
            saved = coef.copy()
            nit, _ = proj.solve(ZX, coef, tol_c, settings.fixef_maxiter)
            dm_iters += nit
            beta_c, dev_c = _refit_last_step(ZX, coef, ZXd, proj, w, off, y, uw, ylogy, resid,
                                             eta)
            low_c, viol_c = fit_certificate_values(y, X, fe_s, w, resid)
            if not viol_c < viol:  # no longer improving: keep the previous solution
                coef[:] = saved
                _refit_last_step(ZX, coef, ZXd, proj, w, off, y, uw, ylogy, resid, eta)
                break
            beta, deviance, low, viol = beta_c, dev_c, low_c, viol_c
            certified = bool(low > 0.0 and viol <= FIT_RATIO * low)
    return IRLSOutput(
        beta=beta,
        keep=keep,
        eta=eta,
        Xd=np.ascontiguousarray(ZXd[:, 1:]),
        w=w,
        resid=resid,
        deviance=deviance,
        converged=converged and dm_ok,
        iterations=it,
        demean_iterations=dm_iters,
        demean_converged=dm_ok,
        certified=certified,
    )
