"""Weighted within-transformation for high-dimensional fixed effects (numba kernels).

One fixed effect: one exact pass (subtract weighted group means). Two or more: the rows are sorted
by the fixed effect with the most groups (e.g. the pair), whose projection is exact block by
block, and conjugate gradients with a diagonal preconditioner solve for the coefficients of the
other fixed effects (the Schur complement of the largest one; :class:`SchurProjector`). An
iteration is one pass over the rows that reads the codes and the weights only; the iterate is a
vector of fixed-effect coefficients, which IRLS keeps as the warm start of its next iteration.
Columns are processed together.

Large problems (at least :data:`PARALLEL_MIN_CELLS` rows x columns) run the passes in parallel:
the blocks are split into one chunk of about equal rows per numba thread, each with its own group
sums, reduced by a parallel loop over the groups; the result depends on the number of chunks only
through the order of floating-point sums.

All kernels are compiled with ``cache=True``; ``make install`` compiles them once
(``python -m labourlink.gravity.warmup``), later processes load them from the cache.
"""

from __future__ import annotations

import contextlib
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
        return cls.compact(codes)[0]

    @classmethod
    def compact(cls, codes: np.ndarray,
                rows: np.ndarray | None = None) -> tuple[FixedEffects, list[np.ndarray]]:
        """:meth:`from_codes` of ``codes[:, rows]`` (all rows when None) and, per fixed effect,
        the input code of each compact code (``levels[q][g]``)."""
        codes = np.asarray(codes)
        n = codes.shape[1] if rows is None else rows.size
        out = np.empty((codes.shape[0], n), dtype=np.int32)
        ng = np.zeros(codes.shape[0], dtype=np.int64)
        levels = []
        for q in range(codes.shape[0]):
            c = codes[q] if rows is None else codes[q][rows]
            present = np.bincount(c) > 0
            remap = np.cumsum(present) - 1
            out[q] = remap[c]
            ng[q] = int(present.sum())
            levels.append(np.flatnonzero(present))
        return cls(out, ng), levels

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


# --- Schur complement on the largest fixed effect (two or more fixed effects) -------------------
# Rows are sorted by the fixed effect with the most groups ("blocks", e.g. the pair); within a block
# its projection is exact and cheap (the block is in cache). The coefficients ``a`` of the other
# fixed effects solve the normal equations of the block-demeaned problem,
#   S a = E'W M_F y,   S = E'W M_F E,
# (E: dummies of the other fixed effects, M_F: weighted within-block demeaning), by conjugate
# gradients with the diagonal of S as preconditioner. One product ``S p`` is one pass over the rows
# that reads the codes and the weights only: no n-length vector is read or written while iterating,
# and the iterate is a vector of fixed-effect coefficients (warm-started across IRLS iterations).
# The result is ``M_F (y - E a)``.


@njit(parallel=True, cache=True)
def _sc_weights(w: np.ndarray, bst: np.ndarray, chunks: np.ndarray, codes: np.ndarray,
                oth: np.ndarray, off: np.ndarray, inv_wb: np.ndarray, prec: np.ndarray,
                loc: np.ndarray) -> None:
    """inv_wb[b] = 1 / (block weight); prec[g] = 1 / S[g, g] (0 where S[g, g] = 0).

    ``S[g, g] = sum_i w_i (W_b - w_i) / W_b`` over the rows of group g (exact when no block holds
    two rows of the same group, a close preconditioner otherwise).
    """
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
                wb += w[i]
            iw = 1.0 / wb if wb > 0.0 else 0.0
            inv_wb[b] = iw
            for i in range(s, e):
                d = w[i] * ((wb - w[i]) * iw)
                for q in range(m):
                    lt[codes[oth[q], i] + off[q], 0] += d
    for g in prange(n_coef):
        v = 0.0
        for t in range(nch):
            v += loc[t, g, 0]
        prec[g] = 1.0 / v if v > 0.0 else 0.0


@njit(parallel=True, cache=True)
def _sc_resid(Y: np.ndarray, a: np.ndarray, w: np.ndarray, bst: np.ndarray, chunks: np.ndarray,
              inv_wb: np.ndarray, codes: np.ndarray, oth: np.ndarray, off: np.ndarray,
              loc: np.ndarray, part: np.ndarray, rho: np.ndarray, ss: np.ndarray) -> None:
    """rho = E'W M_F (Y - E a) (normal-equation residual); ss = ||M_F (Y - E a)||_w^2;
    ``part[:, 1, :]`` the chunks' sums of ``||Y - E a||_w^2`` (before the block means)."""
    k = Y.shape[1]
    nch = chunks.shape[0] - 1
    m = oth.shape[0]
    n_coef = a.shape[0]
    for t in prange(nch):
        lt = loc[t]
        for g in range(n_coef):
            for j in range(k):
                lt[g, j] = 0.0
        mb = np.zeros(k)
        acc = np.zeros(k)
        raw = np.zeros(k)
        for b in range(chunks[t], chunks[t + 1]):
            s = bst[b]
            e = bst[b + 1]
            for j in range(k):
                mb[j] = 0.0
            if m == 2:
                c0s = codes[oth[0]]
                c1s = codes[oth[1]]
                f0 = off[0]
                f1 = off[1]
                for i in range(s, e):
                    wi = w[i]
                    ra = a[c0s[i] + f0]
                    rb = a[c1s[i] + f1]
                    for j in range(k):
                        v = Y[i, j] - ra[j] - rb[j]
                        mb[j] += wi * v
                        raw[j] += wi * v * v
                iw = inv_wb[b]
                for j in range(k):
                    mb[j] *= iw
                for i in range(s, e):
                    wi = w[i]
                    c0 = c0s[i] + f0
                    c1 = c1s[i] + f1
                    for j in range(k):
                        v = Y[i, j] - mb[j] - a[c0, j] - a[c1, j]
                        acc[j] += wi * v * v
                        v *= wi
                        lt[c0, j] += v
                        lt[c1, j] += v
                continue
            for i in range(s, e):
                wi = w[i]
                for j in range(k):
                    v = Y[i, j]
                    for q in range(m):
                        v -= a[codes[oth[q], i] + off[q], j]
                    mb[j] += wi * v
                    raw[j] += wi * v * v
            iw = inv_wb[b]
            for j in range(k):
                mb[j] *= iw
            for i in range(s, e):
                wi = w[i]
                for j in range(k):
                    v = Y[i, j] - mb[j]
                    for q in range(m):
                        v -= a[codes[oth[q], i] + off[q], j]
                    acc[j] += wi * v * v
                    v *= wi
                    for q in range(m):
                        lt[codes[oth[q], i] + off[q], j] += v
        for j in range(k):
            part[t, 0, j] = acc[j]
            part[t, 1, j] = raw[j]
    for g in prange(n_coef):
        for j in range(k):
            v = 0.0
            for t in range(nch):
                v += loc[t, g, j]
            rho[g, j] = v
    for j in range(k):
        v = 0.0
        for t in range(nch):
            v += part[t, 0, j]
        ss[j] = v


@njit(cache=True)
def _mv_m2k3(p: np.ndarray, w: np.ndarray, bst: np.ndarray, b0: int, b1: int, inv_wb: np.ndarray,
             c0s: np.ndarray, c1s: np.ndarray, f0: int, f1: int, lt: np.ndarray) -> None:
    """Blocks b0..b1 of :func:`_sc_matvec`, two other fixed effects, three columns (unrolled)."""
    for b in range(b0, b1):
        s = bst[b]
        e = bst[b + 1]
        m0 = 0.0
        m1 = 0.0
        m2 = 0.0
        for i in range(s, e):
            wi = w[i]
            c0 = c0s[i] + f0
            c1 = c1s[i] + f1
            m0 += wi * (p[c0, 0] + p[c1, 0])
            m1 += wi * (p[c0, 1] + p[c1, 1])
            m2 += wi * (p[c0, 2] + p[c1, 2])
        iw = inv_wb[b]
        m0 *= iw
        m1 *= iw
        m2 *= iw
        for i in range(s, e):
            wi = w[i]
            c0 = c0s[i] + f0
            c1 = c1s[i] + f1
            v0 = wi * (p[c0, 0] + p[c1, 0] - m0)
            v1 = wi * (p[c0, 1] + p[c1, 1] - m1)
            v2 = wi * (p[c0, 2] + p[c1, 2] - m2)
            lt[c0, 0] += v0
            lt[c1, 0] += v0
            lt[c0, 1] += v1
            lt[c1, 1] += v1
            lt[c0, 2] += v2
            lt[c1, 2] += v2


@njit(cache=True)
def _mv_m2k2(p: np.ndarray, w: np.ndarray, bst: np.ndarray, b0: int, b1: int, inv_wb: np.ndarray,
             c0s: np.ndarray, c1s: np.ndarray, f0: int, f1: int, lt: np.ndarray) -> None:
    """Blocks b0..b1 of :func:`_sc_matvec`, two other fixed effects, two columns (unrolled)."""
    for b in range(b0, b1):
        s = bst[b]
        e = bst[b + 1]
        m0 = 0.0
        m1 = 0.0
        for i in range(s, e):
            wi = w[i]
            c0 = c0s[i] + f0
            c1 = c1s[i] + f1
            m0 += wi * (p[c0, 0] + p[c1, 0])
            m1 += wi * (p[c0, 1] + p[c1, 1])
        iw = inv_wb[b]
        m0 *= iw
        m1 *= iw
        for i in range(s, e):
            wi = w[i]
            c0 = c0s[i] + f0
            c1 = c1s[i] + f1
            v0 = wi * (p[c0, 0] + p[c1, 0] - m0)
            v1 = wi * (p[c0, 1] + p[c1, 1] - m1)
            lt[c0, 0] += v0
            lt[c1, 0] += v0
            lt[c0, 1] += v1
            lt[c1, 1] += v1


@njit(cache=True)
def _mv_m2k1(p: np.ndarray, w: np.ndarray, bst: np.ndarray, b0: int, b1: int, inv_wb: np.ndarray,
             c0s: np.ndarray, c1s: np.ndarray, f0: int, f1: int, lt: np.ndarray) -> None:
    """Blocks b0..b1 of :func:`_sc_matvec`, two other fixed effects, one column."""
    for b in range(b0, b1):
        s = bst[b]
        e = bst[b + 1]
        m0 = 0.0
        for i in range(s, e):
            m0 += w[i] * (p[c0s[i] + f0, 0] + p[c1s[i] + f1, 0])
        m0 *= inv_wb[b]
        for i in range(s, e):
            c0 = c0s[i] + f0
            c1 = c1s[i] + f1
            v0 = w[i] * (p[c0, 0] + p[c1, 0] - m0)
            lt[c0, 0] += v0
            lt[c1, 0] += v0


@njit(cache=True)
def _mv_gen(p: np.ndarray, w: np.ndarray, bst: np.ndarray, b0: int, b1: int, inv_wb: np.ndarray,
            codes: np.ndarray, oth: np.ndarray, off: np.ndarray, lt: np.ndarray) -> None:
    """Blocks b0..b1 of :func:`_sc_matvec`, any number of fixed effects and columns."""
    m = oth.shape[0]
    k = p.shape[1]
    mb = np.zeros(k)
    for b in range(b0, b1):
        s = bst[b]
        e = bst[b + 1]
        for j in range(k):
            mb[j] = 0.0
        for i in range(s, e):
            wi = w[i]
            for j in range(k):
                v = 0.0
                for q in range(m):
                    v += p[codes[oth[q], i] + off[q], j]
                mb[j] += wi * v
        iw = inv_wb[b]
        for j in range(k):
            mb[j] *= iw
        for i in range(s, e):
            wi = w[i]
            for j in range(k):
                v = -mb[j]
                for q in range(m):
                    v += p[codes[oth[q], i] + off[q], j]
                v *= wi
                for q in range(m):
                    lt[codes[oth[q], i] + off[q], j] += v


@njit(parallel=True, cache=True)
def _sc_matvec(p: np.ndarray, w: np.ndarray, bst: np.ndarray, chunks: np.ndarray,
               inv_wb: np.ndarray, codes: np.ndarray, oth: np.ndarray, off: np.ndarray,
               loc: np.ndarray, out: np.ndarray) -> None:
    """out = S p = E'W M_F E p (one pass over the rows; reads codes and weights only).

    Two other fixed effects (three in all, the usual gravity model) and up to three columns run
    unrolled kernels (30% faster than the general loop, measured by hand on the 1.53M panel).
    """
    nch = chunks.shape[0] - 1
    m = oth.shape[0]
    n_coef, k = p.shape
    for t in prange(nch):
        lt = loc[t]
        for g in range(n_coef):
            for j in range(k):
                lt[g, j] = 0.0
        b0 = chunks[t]
        b1 = chunks[t + 1]
        if m == 2 and k <= 3:
            c0s = codes[oth[0]]
            c1s = codes[oth[1]]
            if k == 3:
                _mv_m2k3(p, w, bst, b0, b1, inv_wb, c0s, c1s, off[0], off[1], lt)
            elif k == 2:
                _mv_m2k2(p, w, bst, b0, b1, inv_wb, c0s, c1s, off[0], off[1], lt)
            else:
                _mv_m2k1(p, w, bst, b0, b1, inv_wb, c0s, c1s, off[0], off[1], lt)
        else:
            _mv_gen(p, w, bst, b0, b1, inv_wb, codes, oth, off, lt)
    for g in prange(n_coef):
        for j in range(k):
            v = 0.0
            for t in range(nch):
                v += loc[t, g, j]
            out[g, j] = v


@njit(parallel=True, cache=True)
def _sc_finish(Y: np.ndarray, a: np.ndarray, w: np.ndarray, bst: np.ndarray, chunks: np.ndarray,
               inv_wb: np.ndarray, codes: np.ndarray, oth: np.ndarray, off: np.ndarray,
               out: np.ndarray) -> None:
    """out = M_F (Y - E a) (``out`` may be ``Y``)."""
    k = Y.shape[1]
    nch = chunks.shape[0] - 1
    m = oth.shape[0]
    for t in prange(nch):
        mb = np.zeros(k)
        for b in range(chunks[t], chunks[t + 1]):
            s = bst[b]
            e = bst[b + 1]
            for j in range(k):
                mb[j] = 0.0
            for i in range(s, e):
                wi = w[i]
                for j in range(k):
                    v = Y[i, j]
                    for q in range(m):
                        v -= a[codes[oth[q], i] + off[q], j]
                    out[i, j] = v
                    mb[j] += wi * v
            iw = inv_wb[b]
            for j in range(k):
                mb[j] *= iw
            for i in range(s, e):
                for j in range(k):
                    out[i, j] -= mb[j]


@njit(cache=True)
def _sc_pcg(Y: np.ndarray, a: np.ndarray, w: np.ndarray, bst: np.ndarray, chunks: np.ndarray,
            inv_wb: np.ndarray, prec: np.ndarray, codes: np.ndarray, oth: np.ndarray,
            off: np.ndarray, tol: np.ndarray, maxiter: int, loc: np.ndarray) -> tuple[int, bool]:
    """Preconditioned CG on ``S a = E'W M_F Y`` from the given ``a`` (updated in place).

    Column j stops when ``rho' P rho <= tol[j]^2 max(||r||_w^2, 1e-4 ||r_0||_w^2)``: ``rho`` is
    the normal-equation residual, ``P`` the diagonal preconditioner (so the left side is the
    squared change of one Jacobi step) and ``r = M_F (Y - E a)`` the current result (its norm
    tracked through ``||r||^2 = ||r_s||^2 - d'(rho_s + rho)``, ``d = a - a_s`` since the last
    start s); the floor stops columns that the fixed effects absorb (almost) entirely. The
    products ``S p`` are formed for the columns not yet converged only.

    The updated residual drifts from the true one once it has fallen by many orders (rounding):
    whenever it has fallen 1e4-fold (or a step breaks down) CG restarts from the true residual
    (one more pass). A column whose true residual did not halve since the previous restart has
    reached the accuracy that double precision allows: it stops, not converged (unless its norm is
    at the level of rounding: a column absorbed by the fixed effects), at the better of
    its current iterate and the one of the previous restart (a tighter tolerance would otherwise
    let the iterate wander off: 1e-14 on the WTO panel ended 1e-6 away from the solution).
    """
    n_coef, k = a.shape
    nch = chunks.shape[0] - 1
    part = np.zeros((nch, 8, k))
    rho = np.zeros((n_coef, k))
    ss0 = np.zeros(k)
    _sc_resid(Y, a, w, bst, chunks, inv_wb, codes, oth, off, loc, part, rho, ss0)
    floor = 1e-4 * ss0  # of the starting norm
    # ||Y - E a||^2 at the start: a result at 1e-10 of it (in norm) is at the level of rounding
    # (a column absorbed by the fixed effects), converged whatever the tolerance
    negligible = np.zeros(k)
    for j in range(k):
        raw = 0.0
        for t in range(nch):
            raw += part[t, 1, j]
        negligible[j] = 1e-20 * raw
    rho0 = rho.copy()
    a0 = a.copy()
    p = np.empty((n_coef, k))
    rz = np.zeros(k)
    for g in range(n_coef):
        for j in range(k):
            zz = prec[g] * rho[g, j]
            p[g, j] = zz
            rz[j] += zz * rho[g, j]
    rz_start = rz.copy()  # true value at the last (re)start
    done = np.zeros(k, dtype=np.bool_)
    stalled = np.zeros(k, dtype=np.bool_)
    restart = False
    act = np.empty(k, dtype=np.int64)
    it = 0
    while True:
        if restart:
            restart = False
            _sc_resid(Y, a, w, bst, chunks, inv_wb, codes, oth, off, loc, part, rho, ss0)
            for j in range(k):
                if done[j]:
                    continue
                rzt = 0.0
                for g in range(n_coef):
                    rzt += prec[g] * rho[g, j] * rho[g, j]
                if not rzt < 0.25 * rz_start[j]:
                    stalled[j] = ss0[j] > negligible[j]
                    done[j] = True
                    if rzt > rz_start[j]:  # worse than at the last start: go back there
                        for g in range(n_coef):
                            a[g, j] = a0[g, j]
                    continue
                for g in range(n_coef):
                    p[g, j] = prec[g] * rho[g, j]
                    rho0[g, j] = rho[g, j]
                    a0[g, j] = a[g, j]
                rz[j] = rzt
                rz_start[j] = rzt
        n_act = 0
        for j in range(k):
            if not done[j]:
                dr = 0.0
                for g in range(n_coef):
                    dr += (a[g, j] - a0[g, j]) * (rho0[g, j] + rho[g, j])
                rr = ss0[j] - dr
                if (rz[j] <= tol[j] * tol[j] * max(rr, floor[j]) or rz[j] <= 0.0
                        or ss0[j] <= negligible[j]):
                    done[j] = True
                else:
                    act[n_act] = j
                    n_act += 1
        if n_act == 0 or it >= maxiter:
            ok = n_act == 0
            for j in range(k):
                ok = ok and not stalled[j]
            return it, ok
        pc = np.empty((n_coef, n_act))
        for g in range(n_coef):
            for c in range(n_act):
                pc[g, c] = p[g, act[c]]
        sp = np.empty((n_coef, n_act))
        _sc_matvec(pc, w, bst, chunks, inv_wb, codes, oth, off, loc, sp)
        for c in range(n_act):
            j = act[c]
            psp = 0.0
            for g in range(n_coef):
                psp += pc[g, c] * sp[g, c]
            if not psp > 0.0:  # breakdown (rounding): start again from the true residual
                restart = True
                continue
            al = rz[j] / psp
            rzn = 0.0
            for g in range(n_coef):
                a[g, j] += al * pc[g, c]
                r = rho[g, j] - al * sp[g, c]
                rho[g, j] = r
                rzn += prec[g] * r * r
            beta = rzn / rz[j]
            for g in range(n_coef):
                p[g, j] = prec[g] * rho[g, j] + beta * p[g, j]
            rz[j] = rzn
            if rzn < 1e-8 * rz_start[j]:
                restart = True
        it += 1


@njit(cache=True)
def _block_starts(c: np.ndarray, n_blocks: int) -> tuple[np.ndarray, bool]:
    """Start of each block of the code column ``c`` and whether ``c`` is sorted."""
    n = c.shape[0]
    st = np.zeros(n_blocks + 1, dtype=np.int64)
    srt = True
    for i in range(n):
        st[c[i] + 1] += 1
        if i > 0 and c[i] < c[i - 1]:
            srt = False
    for g in range(n_blocks):
        st[g + 1] += st[g]
    return st, srt


@njit(cache=True)
def _counting_sort(c: np.ndarray, st: np.ndarray) -> np.ndarray:
    """Stable order of the rows by ``c`` (``st`` from :func:`_block_starts`)."""
    pos = st[:-1].copy()
    perm = np.empty(c.shape[0], dtype=np.int64)
    for i in range(c.shape[0]):
        g = c[i]
        perm[pos[g]] = i
        pos[g] += 1
    return perm


class SchurProjector:
    """Projection on the orthogonal complement of several fixed effects (weighted), by blocks.

    Built once per estimation sample: picks the fixed effect with the most groups, sorts the
    rows by it (``perm``; None when they already are) and splits the blocks into row-balanced
    chunks, one per numba thread. Arrays passed to :meth:`set_weights`, :meth:`solve` and
    :meth:`finish` are in the sorted order (:meth:`to_sorted`). ``n_coef`` is the number of
    coefficients iterated on (groups of the other fixed effects).
    """

    def __init__(self, fe: FixedEffects, n_chunks: int = 1) -> None:
        if fe.n_fe < 2:
            raise ValueError("SchurProjector needs at least two fixed effects")
        big = int(np.argmax(fe.n_groups))
        bst, srt = _block_starts(fe.codes[big], int(fe.n_groups[big]))
        self.perm: np.ndarray | None = None
        codes = fe.codes
        if not srt:
            self.perm = _counting_sort(fe.codes[big], bst)
            codes = np.ascontiguousarray(codes[:, self.perm])
        self.codes = codes
        self.bst = bst
        oth = [q for q in range(fe.n_fe) if q != big]
        self.oth = np.array(oth, dtype=np.int64)
        sizes = fe.n_groups[oth].astype(np.int64)
        self.off = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.n_coef = int(sizes.sum())
        n = fe.nobs
        nb = bst.shape[0] - 1
        nch = max(1, min(int(n_chunks), nb))
        # chunk boundaries at the block starts closest to equal row counts
        targets = (np.arange(nch + 1, dtype=np.int64) * n) // nch
        ch = np.searchsorted(bst, targets, side="left").astype(np.int64)
        ch[0], ch[-1] = 0, nb
        self.chunks = np.unique(ch)
        self.inv_wb = np.zeros(nb)
        self.prec = np.zeros(self.n_coef)
        self._loc: dict[int, np.ndarray] = {}
        self.w: np.ndarray | None = None

    @property
    def n_chunks(self) -> int:
        """Number of parallel row chunks."""
        return int(self.chunks.shape[0] - 1)

    def to_sorted(self, x: np.ndarray) -> np.ndarray:
        """``x`` (rows first) in the sorted row order (the array itself when already sorted)."""
        return x if self.perm is None else np.ascontiguousarray(x[self.perm])

    def from_sorted(self, x: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_sorted`."""
        if self.perm is None:
            return x
        out = np.empty_like(x)
        out[self.perm] = x
        return out

    def scratch(self, k: int) -> np.ndarray:
        """Per-chunk group sums (n_chunks, n_coef, k), kept for the next call."""
        if k not in self._loc:
            self._loc[k] = np.zeros((self.n_chunks, self.n_coef, k))
        return self._loc[k]

    def set_weights(self, w: np.ndarray) -> None:
        """Weights (sorted order) of the following solves."""
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        _sc_weights(self.w, self.bst, self.chunks, self.codes, self.oth, self.off, self.inv_wb,
                    self.prec, self.scratch(1))

    def weights_set(self, w: np.ndarray) -> None:
        """Take ``w`` as the weights when a fused kernel has filled ``inv_wb`` and ``prec``."""
        self.w = w

    def solve(self, Y: np.ndarray, a: np.ndarray, tol: float | np.ndarray,
              maxiter: int) -> tuple[int, bool]:
        """Fixed-effect coefficients ``a`` (n_coef, k) of ``Y`` (n, k), from the given ``a``.

        ``tol``: one tolerance, or one per column.
        """
        assert self.w is not None
        loc = self.scratch(Y.shape[1])
        tols = np.broadcast_to(np.asarray(tol, dtype=np.float64), (Y.shape[1],)).copy()
        it, ok = _sc_pcg(Y, a, self.w, self.bst, self.chunks, self.inv_wb, self.prec,
                         self.codes, self.oth, self.off, tols, int(maxiter), loc)
        return int(it), bool(ok)

    def finish(self, Y: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
        """out = M_F (Y - E a) (``out`` may be ``Y``)."""
        assert self.w is not None
        _sc_finish(Y, a, self.w, self.bst, self.chunks, self.inv_wb, self.codes, self.oth,
                   self.off, out)


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
        Stop when the change of one Jacobi step on the fixed-effect coefficients is at most
        ``tol * max(||Y||_w, 0.01 ||Y_start||_w)`` for every column (``Y``: current residual).
    maxiter : int
        Maximum number of conjugate-gradient iterations.
    start : ndarray, shape (n, k), optional
        Warm start: any point of ``X + span(fixed effects)``, e.g. the previous residual.
        Overwritten (used as the output buffer).
    work : ignored (kept for callers of the former N-space solver).

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
    if fe.n_fe == 1:
        inv = _group_inv_weights(fe.codes, fe.n_groups, w)
        _project_one(Y, fe.codes[0], int(fe.n_groups[0]), w, inv[0])
        return Y, True, 1
    n_chunks = _n_chunks(Y.shape[0] * Y.shape[1])
    proj = SchurProjector(fe, n_chunks)
    Ys = proj.to_sorted(Y)
    a = np.zeros((proj.n_coef, Ys.shape[1]))
    with _PARALLEL_LOCK if n_chunks > 1 else contextlib.nullcontext():
        proj.set_weights(proj.to_sorted(w))
        it, ok = proj.solve(Ys, a, tol, maxiter)
        proj.finish(Ys, a, Ys)
    if proj.perm is not None:
        Y[proj.perm] = Ys
    return Y, ok, it


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
