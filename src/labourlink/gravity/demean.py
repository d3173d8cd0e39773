"""Weighted within-transformation for high-dimensional fixed effects (numba kernels).

The residual of a weighted regression on several sets of dummies is found by conjugate gradient
acceleration of symmetric alternating projections (symmetric Kaczmarz, as in reghdfe/ppmlhdfe):
one *sweep* subtracts weighted group means for fixed effects 1, 2, ..., Q, ..., 2, 1; the sweep
``T`` is self-adjoint in the weighted inner product, so CG solves ``(I - T) u = (I - T) x`` for the
fixed-effect part ``u`` of ``x``. Columns are processed together (one pass over the codes per
projection for all columns) and can be warm-started from any point of ``x + span(D)``.

Large problems (at least :data:`PARALLEL_MIN_CELLS` rows x columns, more than one fixed effect)
run the passes over the rows in parallel: one contiguous chunk of rows per numba thread, each with
its own group sums, reduced by a parallel loop over the groups; the result depends on the number of
chunks only through the order of floating-point sums. Smaller problems run the serial kernels.

All kernels are compiled with ``cache=True`` (the first call in a fresh environment compiles
them, 20-40 seconds for the parallel ones; later processes load them from the cache).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

# OpenMP threads that spin while waiting for a descheduled peer waste whole time slices on a
# shared machine (a 447k-row fit took 3.7 s with spinning threads and 1.4 s with passive waits
# while another process held one of two cores). Read by libgomp when numba first loads it;
# an explicit setting in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import get_num_threads, njit, prange  # noqa: E402


@dataclass(frozen=True, slots=True)
class FixedEffects:
    """Integer-coded fixed effects for the estimation sample.

    ``codes`` is (n_fe, n) int32 with codes ``0 .. n_groups[q]-1`` (every code used).
    """

    codes: np.ndarray
    n_groups: np.ndarray

    @property
    def n_fe(self) -> int:
        """Number of fixed-effect dimensions."""
        return int(self.codes.shape[0])

    @property
    def nobs(self) -> int:
        """Number of observations."""
        return int(self.codes.shape[1])

    @classmethod
    def from_codes(cls, codes: np.ndarray) -> FixedEffects:
        """Build from (n_fe, n) non-negative integer codes, compacting unused codes away."""
        codes = np.asarray(codes)
        out = np.empty(codes.shape, dtype=np.int32)
        ng = np.zeros(codes.shape[0], dtype=np.int64)
        for q in range(codes.shape[0]):
            c = codes[q]
            present = np.bincount(c) > 0
            remap = np.cumsum(present) - 1
            out[q] = remap[c]
            ng[q] = int(present.sum())
        return cls(np.ascontiguousarray(out), ng)

    def subset(self, keep: np.ndarray) -> FixedEffects:
        """Fixed effects of the rows where ``keep`` is True (codes compacted)."""
        return FixedEffects.from_codes(self.codes[:, keep])


@njit(cache=True)
def _group_inv_weights(codes: np.ndarray, n_groups: np.ndarray, w: np.ndarray) -> np.ndarray:
    q_n, n = codes.shape
    maxg = 0
    for q in range(q_n):
        if n_groups[q] > maxg:
            maxg = n_groups[q]
    inv = np.zeros((q_n, maxg))
    for q in range(q_n):
        for i in range(n):
            inv[q, codes[q, i]] += w[i]
        for g in range(n_groups[q]):
            if inv[q, g] > 0:
                inv[q, g] = 1.0 / inv[q, g]
    return inv


@njit(cache=True)
def _project_one(R: np.ndarray, codes0: np.ndarray, ng: int, w: np.ndarray, inv0: np.ndarray
                 ) -> None:
    """In place: R <- R minus its weighted group means (one fixed effect: exact in one pass)."""
    n, k = R.shape
    sums = np.zeros((ng, k))
    for i in range(n):
        g = codes0[i]
        wi = w[i]
        for j in range(k):
            sums[g, j] += wi * R[i, j]
    for g in range(ng):
        for j in range(k):
            sums[g, j] *= inv0[g]
    for i in range(n):
        g = codes0[i]
        for j in range(k):
            R[i, j] -= sums[g, j]


@njit(cache=True)
def _apply_A(u: np.ndarray, out: np.ndarray, r: np.ndarray, beta: np.ndarray, mode: int,
             codes: np.ndarray, n_groups: np.ndarray, w: np.ndarray, inv: np.ndarray,
             sums: np.ndarray, uv: np.ndarray, aa: np.ndarray, uu: np.ndarray) -> None:
    """out <- (I - T) u with T one symmetric sweep, in 2*n_fe fused passes.

    mode 1 first sets u <- r, mode 2 sets u <- r + beta*u (the CG direction update) in the
    same pass. Accumulates uv = <u, out>_w, aa = <out, out>_w and uu = <u, u>_w.
    """
    n, k = u.shape
    q_n = codes.shape[0]
    n_steps = 2 * q_n - 1
    half = sums.shape[0] // 2
    for j in range(k):
        uv[j] = 0.0
        aa[j] = 0.0
        uu[j] = 0.0
    for g in range(n_groups[0]):
        for j in range(k):
            sums[g, j] = 0.0
    c = codes[0]
    for i in range(n):
        g = c[i]
        wi = w[i]
        for j in range(k):
            if mode == 1:
                u[i, j] = r[i, j]
            elif mode == 2:
                u[i, j] = r[i, j] + beta[j] * u[i, j]
            x = u[i, j]
            sums[g, j] += wi * x
            uu[j] += wi * x * x
    for s in range(n_steps):
        q = s if s < q_n else 2 * q_n - 2 - s
        for g in range(n_groups[q]):
            iv = inv[q, g]
            for j in range(k):
                sums[g, j] *= iv
        c = codes[q]
        if s == n_steps - 1:
            for i in range(n):
                g = c[i]
                wi = w[i]
                for j in range(k):
                    src = u[i, j] if s == 0 else out[i, j]
                    a = u[i, j] - (src - sums[g, j])
                    out[i, j] = a
                    uv[j] += wi * a * u[i, j]
                    aa[j] += wi * a * a
        else:
            q2 = s + 1 if s + 1 < q_n else 2 * q_n - 3 - s
            c2 = codes[q2]
            for g in range(n_groups[q2]):
                for j in range(k):
                    sums[half + g, j] = 0.0
            for i in range(n):
                g = c[i]
                h = half + c2[i]
                wi = w[i]
                for j in range(k):
                    src = u[i, j] if s == 0 else out[i, j]
                    v = src - sums[g, j]
                    out[i, j] = v
                    sums[h, j] += wi * v
            for g in range(n_groups[q2]):
                for j in range(k):
                    sums[g, j] = sums[half + g, j]


# --- parallel kernels --------------------------------------------------------------------------
# Rows are split into one contiguous chunk per thread. Each chunk accumulates its weighted group
# sums into its own slice of ``loc`` (n_chunks, max_groups, k); a second parallel loop over groups
# reduces the slices and scales them by the inverse group weights. Dot products are accumulated
# per chunk and summed afterwards, so the result does not depend on the scheduling (only on the
# number of chunks, a fixed function of the thread count).
# The serial kernels stay: on one thread the chunked version of :func:`_apply_A` costs 5-35%
# more per application (447k x 3, 26-31 ms vs 19-28 ms, measured by hand), and fits below
# 100k rows run on one thread.


@njit(parallel=True, cache=True)
def _reduce_means(loc: np.ndarray, ng: int, inv_q: np.ndarray, sums: np.ndarray) -> None:
    """sums[g, :] <- inv_q[g] * sum over chunks of loc[t, g, :] for g < ng."""
    nt = loc.shape[0]
    k = loc.shape[2]
    for g in prange(ng):
        iv = inv_q[g]
        for j in range(k):
            s = 0.0
            for t in range(nt):
                s += loc[t, g, j]
            sums[g, j] = s * iv


@njit(parallel=True, cache=True)
def _apply_A_par(u: np.ndarray, out: np.ndarray, r: np.ndarray, beta: np.ndarray, mode: int,
                 codes: np.ndarray, n_groups: np.ndarray, w: np.ndarray, inv: np.ndarray,
                 sums: np.ndarray, loc: np.ndarray, bounds: np.ndarray, part: np.ndarray,
                 uv: np.ndarray, aa: np.ndarray, uu: np.ndarray) -> None:
    """Parallel version of :func:`_apply_A` (same arithmetic, chunked sums)."""
    n, k = u.shape
    q_n = codes.shape[0]
    n_steps = 2 * q_n - 1
    nt = bounds.shape[0] - 1
    # pass 0: (direction update and) accumulate sums of fixed effect 0, <u, u>_w
    for t in prange(nt):
        lt = loc[t]
        pt = part[t]
        for g in range(n_groups[0]):
            for j in range(k):
                lt[g, j] = 0.0
        for j in range(k):
            pt[0, j] = 0.0
        c = codes[0]
        for i in range(bounds[t], bounds[t + 1]):
            g = c[i]
            wi = w[i]
            for j in range(k):
                if mode == 1:
                    u[i, j] = r[i, j]
                elif mode == 2:
                    u[i, j] = r[i, j] + beta[j] * u[i, j]
                x = u[i, j]
                lt[g, j] += wi * x
                pt[0, j] += wi * x * x
    _reduce_means(loc, n_groups[0], inv[0], sums)
    for s in range(n_steps):
        q = s if s < q_n else 2 * q_n - 2 - s
        if s == n_steps - 1:
            for t in prange(nt):
                c = codes[q]
                pt = part[t]
                for j in range(k):
                    pt[1, j] = 0.0
                    pt[2, j] = 0.0
                for i in range(bounds[t], bounds[t + 1]):
                    g = c[i]
                    wi = w[i]
                    for j in range(k):
                        src = u[i, j] if s == 0 else out[i, j]
                        a = u[i, j] - (src - sums[g, j])
                        out[i, j] = a
                        pt[1, j] += wi * a * u[i, j]
                        pt[2, j] += wi * a * a
        else:
            q2 = s + 1 if s + 1 < q_n else 2 * q_n - 3 - s
            for t in prange(nt):
                c = codes[q]
                c2 = codes[q2]
                lt = loc[t]
                for g in range(n_groups[q2]):
                    for j in range(k):
                        lt[g, j] = 0.0
                for i in range(bounds[t], bounds[t + 1]):
                    g = c[i]
                    h = c2[i]
                    wi = w[i]
                    for j in range(k):
                        src = u[i, j] if s == 0 else out[i, j]
                        v = src - sums[g, j]
                        out[i, j] = v
                        lt[h, j] += wi * v
            _reduce_means(loc, n_groups[q2], inv[q2], sums)
    for j in range(k):
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        for t in range(nt):
            a0 += part[t, 0, j]
            a1 += part[t, 1, j]
            a2 += part[t, 2, j]
        uu[j] = a0
        uv[j] = a1
        aa[j] = a2


@njit(parallel=True, cache=True)
def _cg_step_par(Y: np.ndarray, r: np.ndarray, u: np.ndarray, v: np.ndarray,
                 alpha: np.ndarray, w: np.ndarray, bounds: np.ndarray, part: np.ndarray,
                 new_ssr: np.ndarray, yss: np.ndarray) -> None:
    """Y -= alpha u; r -= alpha v; new_ssr = <r, r>_w; yss = <Y, Y>_w (chunked, parallel)."""
    k = Y.shape[1]
    nt = bounds.shape[0] - 1
    for t in prange(nt):
        pt = part[t]
        for j in range(k):
            pt[0, j] = 0.0
            pt[1, j] = 0.0
        for i in range(bounds[t], bounds[t + 1]):
            wi = w[i]
            for j in range(k):
                a = alpha[j]
                y = Y[i, j] - a * u[i, j]
                Y[i, j] = y
                rr = r[i, j] - a * v[i, j]
                r[i, j] = rr
                pt[0, j] += wi * rr * rr
                pt[1, j] += wi * y * y
    for j in range(k):
        s0 = 0.0
        s1 = 0.0
        for t in range(nt):
            s0 += part[t, 0, j]
            s1 += part[t, 1, j]
        new_ssr[j] = s0
        yss[j] = s1


@njit(cache=True)
def _cg_demean(Y: np.ndarray, codes: np.ndarray, n_groups: np.ndarray, w: np.ndarray,
               tol: float, maxiter: int, n_chunks: int, work: np.ndarray) -> tuple[int, bool]:
    """CG-accelerated symmetric sweeps; Y (n, k) is overwritten with the residual.

    Solves (I - T) u = (I - T) Y for the fixed-effect part u of Y (T self-adjoint in the
    weighted inner product) and returns Y - u. One iteration costs 2*n_fe + 1 passes, split
    into ``n_chunks`` parallel row chunks when ``n_chunks > 1`` (serial kernels otherwise).
    ``work`` is a (3, n, k) scratch array for the CG vectors (reused across calls by IRLS so
    that large problems do not fault in fresh pages at every demeaning).
    """
    n, k = Y.shape
    inv = _group_inv_weights(codes, n_groups, w)
    maxg = inv.shape[1]
    if codes.shape[0] == 1:
        _project_one(Y, codes[0], n_groups[0], w, inv[0])
        return 1, True
    par = n_chunks > 1
    # serial: means of one fixed effect in sums[:maxg], the next accumulated in sums[maxg:]
    sums = np.zeros((maxg, k)) if par else np.zeros((2 * maxg, k))
    loc = np.zeros((n_chunks, maxg, k)) if par else np.zeros((1, 1, k))
    # per-chunk dot products; 8 rows of padding keep the chunks on separate cache lines (the
    # threads update them row by row: shared lines cost 2x)
    part = np.zeros((n_chunks, 3 + 8, k))
    bounds = np.empty(n_chunks + 1, dtype=np.int64)
    for t in range(n_chunks + 1):
        bounds[t] = (n * t) // n_chunks
    r = work[0]
    u = work[1]
    v = work[2]
    uv = np.zeros(k)
    ssr = np.zeros(k)
    yss = np.zeros(k)
    beta = np.zeros(k)
    if par:
        _apply_A_par(Y, r, r, beta, 0, codes, n_groups, w, inv, sums, loc, bounds, part, uv,
                     ssr, yss)
    else:
        _apply_A(Y, r, r, beta, 0, codes, n_groups, w, inv, sums, uv, ssr, yss)
    # floor of the scale: a column (almost) absorbed by the fixed effects converges relative to
    # 1e-4 of its starting sum of squares instead of chasing its vanishing norm
    floor = 1e-4 * yss
    tol2 = tol * tol
    done = np.zeros(k, dtype=np.bool_)
    alpha = np.zeros(k)
    vv = np.zeros(k)
    uu = np.zeros(k)
    new_ssr = np.zeros(k)
    it = 0
    mode = 1
    while True:
        alldone = True
        for j in range(k):
            if ssr[j] <= tol2 * max(yss[j], floor[j], 1e-300) or ssr[j] == 0.0:
                done[j] = True
            if not done[j]:
                alldone = False
        if alldone or it >= maxiter:
            return it, alldone
        # u <- r + beta u (fused), v <- (I - T) u
        if par:
            _apply_A_par(u, v, r, beta, mode, codes, n_groups, w, inv, sums, loc, bounds, part,
                         uv, vv, uu)
        else:
            _apply_A(u, v, r, beta, mode, codes, n_groups, w, inv, sums, uv, vv, uu)
        mode = 2
        for j in range(k):
            if done[j] or uv[j] <= 0.0:
                alpha[j] = 0.0
                done[j] = True
            else:
                alpha[j] = ssr[j] / uv[j]
        _cg_step_par(Y, r, u, v, alpha, w, bounds, part, new_ssr, yss)
        for j in range(k):
            beta[j] = new_ssr[j] / ssr[j] if (ssr[j] > 0 and not done[j]) else 0.0
            ssr[j] = new_ssr[j]
        it += 1


def demean(
    X: np.ndarray,
    fe: FixedEffects,
    weights: np.ndarray,
    *,
    tol: float = 1e-8,
    maxiter: int = 10_000,
    start: np.ndarray | None = None,
    work: np.ndarray | None = None,
) -> tuple[np.ndarray, bool, int]:
    """Residuals of the weighted regression of each column of ``X`` on the fixed effects.

    Parameters
    ----------
    X : ndarray, shape (n, k)
        Columns to demean (any units; the result has the same units).
    fe : FixedEffects
        Integer-coded fixed effects of the same n rows.
    weights : ndarray, shape (n,)
        Non-negative observation weights.
    tol : float
        Stop when ``||Y - T(Y)||_w <= tol * max(||Y||_w, 0.01 ||Y_start||_w)`` for every column
        (T: one symmetric sweep; the floor stops columns absorbed by the fixed effects).
    maxiter : int
        Maximum number of CG iterations (each costs one sweep).
    start : ndarray, shape (n, k), optional
        Warm start: any point of ``X + span(fixed effects)``, e.g. the previous residual.
        Overwritten (used as the output buffer).
    work : ndarray, shape (3, n, k), optional
        Scratch space for large problems, reused across calls (IRLS passes one); allocated
        when missing or of another shape.

    Returns
    -------
    (residuals, converged, iterations)
    """
    if fe.n_fe == 0:
        return np.array(X, dtype=np.float64, copy=True), True, 0
    if start is None:
        Y = np.array(X, dtype=np.float64, order="C", copy=True)
    else:
        Y = np.ascontiguousarray(start, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    n_chunks = _n_chunks(Y.shape[0] * Y.shape[1]) if fe.n_fe > 1 else 1
    if work is None or work.shape != (3, *Y.shape) or not work.flags.c_contiguous:
        work = np.empty((3, *Y.shape)) if fe.n_fe > 1 else np.empty((3, 0, Y.shape[1]))
    if n_chunks > 1:
        # one parallel demeaning at a time: concurrent callers (web server threads) queue here
        # instead of oversubscribing the cores
        with _PARALLEL_LOCK:
            it, ok = _cg_demean(Y, fe.codes, fe.n_groups, w, float(tol), int(maxiter),
                                n_chunks, work)
    else:
        it, ok = _cg_demean(Y, fe.codes, fe.n_groups, w, float(tol), int(maxiter), 1, work)
    return Y, bool(ok), int(it)


_PARALLEL_LOCK = threading.Lock()
PARALLEL_MIN_CELLS = 200_000
"""Smallest ``rows x columns`` demeaned in parallel (below it, thread start-up costs more)."""


def _n_chunks(cells: int) -> int:
    """Number of parallel row chunks: one per numba thread for large problems, else 1."""
    if cells < PARALLEL_MIN_CELLS:
        return 1
    return max(1, int(get_num_threads()))


@njit(cache=True)
def _fixef_gauss_seidel(d: np.ndarray, codes: np.ndarray, n_groups: np.ndarray,
                        tol: float, maxiter: int) -> tuple[np.ndarray, bool]:
    q_n, n = codes.shape
    maxg = 0
    for q in range(q_n):
        if n_groups[q] > maxg:
            maxg = n_groups[q]
    alpha = np.zeros((q_n, maxg))
    cnt = np.zeros((q_n, maxg))
    for q in range(q_n):
        for i in range(n):
            cnt[q, codes[q, i]] += 1.0
    resid = d.copy()  # d - sum_q alpha_q
    acc = np.zeros(maxg)
    scale = 0.0
    for i in range(n):
        scale = max(scale, abs(d[i]))
    scale = max(scale, 1.0)
    for _it in range(maxiter):
        maxdelta = 0.0
        for q in range(q_n):
            c = codes[q]
            for g in range(n_groups[q]):
                acc[g] = 0.0
            for i in range(n):
                acc[c[i]] += resid[i]
            for g in range(n_groups[q]):
                acc[g] /= cnt[q, g]
                alpha[q, g] += acc[g]
                if abs(acc[g]) > maxdelta:
                    maxdelta = abs(acc[g])
            for i in range(n):
                resid[i] -= acc[c[i]]
        if maxdelta <= tol * scale:
            return alpha, True
    return alpha, False


def recover_fixef(d: np.ndarray, fe: FixedEffects, *, tol: float = 1e-12,
                  maxiter: int = 100_000) -> tuple[list[np.ndarray], bool]:
    """Fixed-effect coefficients ``alpha_q`` with ``sum_q alpha_q[code_q] = d``.

    Normalisation (as fixest): the first level of every fixed effect after the first is 0.

    Parameters
    ----------
    d : ndarray, shape (n,)
        The fixed-effect part of the linear predictor (log scale).
    fe : FixedEffects

    Returns
    -------
    (list of arrays, one per fixed effect, converged)
    """
    alpha, ok = _fixef_gauss_seidel(np.ascontiguousarray(d, dtype=np.float64), fe.codes,
                                    fe.n_groups, tol, maxiter)
    out = [alpha[q, : fe.n_groups[q]].copy() for q in range(fe.n_fe)]
    for q in range(1, len(out)):
        c = out[q][0]
        out[q] -= c
        out[0] += c
    return out, bool(ok)
