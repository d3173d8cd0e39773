"""Numerical kernels of the flow estimators: arrays in, arrays out, no store, no pandas.

Conventions (every function): a *stock table* ``s`` is a square ``(k, k)`` array of persons whose
row ``i`` is the place of birth and column ``j`` the place of residence; the diagonal holds the
native-born (people living in their country of birth). Codes that are a birthplace but never a
residence (UN DESA's "Other" origin ``XXX``) are ordinary rows whose column is all zero.
``births`` and ``deaths`` are ``(k,)`` vectors of persons over the period, by place of residence.
A *flow matrix* ``f`` is ``(k, k)``, row = origin, column = destination, persons who changed their
country of residence over the period; its diagonal is zero.

Stock differencing reads the origin as the place of birth; demographic accounting and the rates
method read it as the country of residence at the start of the period (a person born in India who
moves from the United Arab Emirates to Saudi Arabia is an ARE -> SAU flow).

The methods follow the papers, not any implementation:

* stock differencing: Beine, Bertoli and Fernandez-Huertas Moraga (2016), as used in Abel and
  Cohen (2019), negatives dropped (``drop``) or read as return moves (``reverse``);
* migration rates: Dennett (2016): a global total distributed in proportion to the bilateral
  foreign-born stocks at the start of the period;
* demographic accounting: Abel (2013), Abel and Sander (2014), Abel (2018): per place of birth, a
  table of place of residence at the start by place of residence at the end whose margins are the
  two stock tables net of deaths (start) and births (end), filled under the stayer assumption
  (quasi-independence: as many people as possible stay, the rest move in proportion to the
  margins, the minimum migration that reconciles the two tables);
* pseudo-Bayes: Azose and Raftery (2019): the stayer-assumption table shrunk towards the
  independence table (no stayer assumption) with the risk-minimising constant of Bishop,
  Fienberg and Holland (1975, ch. 12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from labourlink.errors import EstimationError

Negatives = Literal["drop", "reverse"]

#: Relative tolerance of the iterative proportional fitting of the closed-system margins.
IPF_TOL = 1e-10
IPF_MAXIT = 10_000
#: A closed system whose IPF ends further than this (relative to the largest place-of-birth
#: total, and at least one person) from its margins is rejected.
RECONCILE_TOL = 1e-8
#: Residual movers below this (persons) in a place-of-birth table are rounding: no flow.
MIN_MOVERS = 1e-9


def _check_square(name: str, a: np.ndarray) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise EstimationError(f"{name} must be a square (birthplace x residence) array; got shape "
                              f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise EstimationError(f"{name} holds missing or infinite values; fill them (0 for no "
                              "migrants) before estimating")
    if (arr < 0).any():
        i, j = np.argwhere(arr < 0)[0]
        raise EstimationError(f"{name}[{i}, {j}] = {arr[i, j]!r} is negative; stocks are persons "
                              "and cannot be negative")
    return arr


def _check_vector(name: str, v: np.ndarray, k: int) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    if arr.shape != (k,):
        raise EstimationError(f"{name} must have one value per area ({k}); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise EstimationError(f"{name} must be finite and non-negative (persons); got "
                              f"{arr[~np.isfinite(arr) | (arr < 0)][:3]!r}")
    return arr


def _pair(s0: np.ndarray, s1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = _check_square("stock_start", s0)
    b = _check_square("stock_end", s1)
    if a.shape != b.shape:
        raise EstimationError(f"stock tables differ in shape: start {a.shape}, end {b.shape}")
    return a, b


# ---------------------------------------------------------------------------------------------
# Stock differencing and rates
# ---------------------------------------------------------------------------------------------
def stock_difference(s0: np.ndarray, s1: np.ndarray, negatives: Negatives = "drop") -> np.ndarray:
    """Flows from the change in each bilateral stock (origin = place of birth), persons.

    Parameters
    ----------
    s0, s1
        Stock tables at the start and end of the period (persons; the diagonal is ignored).
    negatives
        ``"drop"``: a fall in a stock is no flow (``sd_drop_neg``); ``"reverse"``: a fall of
        ``x`` in the stock of people born in ``i`` living in ``j`` is a flow of ``x`` from ``j``
        back to ``i`` (``sd_rev_neg``).

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` flows, origin x destination, zero diagonal.
    """
    a, b = _pair(s0, s1)
    diff = b - a
    np.fill_diagonal(diff, 0.0)
    out = np.maximum(diff, 0.0)
    if negatives == "reverse":
        out = out + np.maximum(-diff, 0.0).T
    elif negatives != "drop":
        raise EstimationError(f"negatives={negatives!r}; expected 'drop' or 'reverse'")
    return out


def rate_flows(s0: np.ndarray, total: float) -> np.ndarray:
    """Dennett (2016) migration rates: ``total`` moves shared out like the foreign-born stocks.

    Parameters
    ----------
    s0
        Stock table at the start of the period (persons; the diagonal is ignored).
    total
        Global number of moves over the period (persons).

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` flows, origin (place of birth) x destination, summing to ``total``.
    """
    a = _check_square("stock_start", s0)
    if not np.isfinite(total) or total < 0:
        raise EstimationError(f"global total {total!r} must be a finite number of persons >= 0")
    off = a.copy()
    np.fill_diagonal(off, 0.0)
    s = off.sum()
    if s <= 0:
        raise EstimationError("the start stock table has no foreign-born persons: migration rates "
                              "are undefined")
    return off * (total / s)


# ---------------------------------------------------------------------------------------------
# Demographic accounting
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Accounts:
    """Stock tables net of deaths (``start``) and births (``end``), ready for flow fitting.

    ``start[i, j]``: people born in ``i`` living in ``j`` at the start who survive the period;
    ``end[i, k]``: people born in ``i`` living in ``k`` at the end who were alive at the start.
    Closed accounts have equal row sums (place-of-birth totals); open ones need not.
    ``notes`` records every adjustment made (persons), for the results' diagnostics.
    """

    start: np.ndarray
    end: np.ndarray
    closed: bool
    notes: dict[str, float] = field(default_factory=dict)


def deaths_by_birthplace(s0: np.ndarray, deaths: np.ndarray) -> np.ndarray:
    """Split each country's deaths over places of birth in proportion to its start stocks.

    Every group living in a country (its native-born and each foreign-born group) is given the
    same death rate over the period: ``deaths[j] * s0[i, j] / s0[:, j].sum()`` persons.
    A country with deaths but no population at the start raises :class:`EstimationError`.
    """
    pop = s0.sum(axis=0)
    bad = (pop <= 0) & (deaths > 0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise EstimationError(f"area {j} has {deaths[j]:,.0f} deaths but no population at the "
                              "start of the period: check the stock table and the demographic data")
    rate = np.divide(deaths, pop, out=np.zeros_like(deaths), where=pop > 0)
    return s0 * rate[None, :]


def ipf_margins(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                tol: float = IPF_TOL, maxit: int = IPF_MAXIT) -> tuple[np.ndarray, int, float]:
    """Fit ``seed`` to row and column totals by proportional scaling (the IPF solution).

    The fitted table is ``a[i] * seed[i, j] * b[j]`` with its margins equal to ``rows`` and
    ``cols``: the unique table of that form, the one iterative proportional fitting converges
    to. A few IPF sweeps are followed by Newton steps on ``log a`` and ``log b`` (the IPF
    solution in a handful of steps where plain IPF needs thousands on these diagonal-heavy
    tables); if Newton does not settle, IPF continues from where it stopped. Cells that are zero
    in ``seed`` stay zero.

    Returns the fitted array, the iterations used (IPF sweeps + Newton steps) and the largest
    remaining absolute difference of a row total (persons; column totals are exact).
    """
    x = seed.copy()
    scale = max(1.0, float(np.abs(rows).max(initial=0.0)))
    target = tol * scale
    used = 0

    def sweep(x: np.ndarray) -> float:
        rs = x.sum(axis=1)
        x *= np.divide(rows, rs, out=np.zeros_like(rows), where=rs > 0)[:, None]
        cs = x.sum(axis=0)
        x *= np.divide(cols, cs, out=np.zeros_like(cols), where=cs > 0)[None, :]
        return float(np.abs(x.sum(axis=1) - rows).max(initial=0.0))

    resid = np.inf
    for _ in range(5):
        used += 1
        resid = sweep(x)
    if resid > target:
        x, steps, resid = _newton_scaling(x, rows, cols, target)
        used += steps
    checkpoint = np.inf
    for it in range(1, maxit + 1):
        if resid <= target:
            break
        used += 1
        resid = sweep(x)
        if it % 200 == 0:  # stalled: the margins cannot be met on the seed's non-zero cells
            if resid > 0.98 * checkpoint:
                break
            checkpoint = resid
    return x, used, resid


def _newton_scaling(x: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                    target: float, maxit: int = 30) -> tuple[np.ndarray, int, float]:
    """Newton's method for the scaling factors of :func:`ipf_margins` (log parametrisation).

    Unknowns ``u`` (rows) and ``v`` (columns) with ``x * exp(u_i + v_j)``; residuals are the
    margin differences; the Jacobian is ``[[diag(row sums), X], [X', diag(col sums)]]``,
    singular along ``(1, -1)`` (solved in the least-squares sense). Steps are halved until the
    largest margin difference falls. Returns the best table found, the steps and its row
    residual after an exact column scaling.
    """
    ri = np.flatnonzero((rows > 0) & (x.sum(axis=1) > 0))
    ci = np.flatnonzero((cols > 0) & (x.sum(axis=0) > 0))
    if ri.size == 0 or ci.size == 0:
        return x, 0, float(np.abs(x.sum(axis=1) - rows).max(initial=0.0))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _newton_loop(x, rows, cols, ri, ci, target, maxit)


def _newton_loop(x: np.ndarray, rows: np.ndarray, cols: np.ndarray, ri: np.ndarray,
                 ci: np.ndarray, target: float, maxit: int) -> tuple[np.ndarray, int, float]:
    """The iterations of :func:`_newton_scaling` (overflowing trial steps are rejected)."""
    base = x[np.ix_(ri, ci)]
    r, c = rows[ri], cols[ci]
    u = np.zeros(ri.size)
    v = np.zeros(ci.size)

    def fitted(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return base * np.exp(u)[:, None] * np.exp(v)[None, :]

    def err(m: np.ndarray) -> tuple[np.ndarray, float]:
        f = np.concatenate([m.sum(axis=1) - r, m.sum(axis=0) - c])
        return f, float(np.abs(f).max(initial=0.0))

    m = fitted(u, v)
    f, worst = err(m)
    steps = 0
    while steps < maxit and worst > target:
        steps += 1
        # Schur complement on the columns: (Dc - X' Dr^-1 X) dv = -fc + X' Dr^-1 fr, whose null
        # vector is all ones (fixed by dv[-1] = 0); then du = Dr^-1 (-fr - X dv)
        rs = m.sum(axis=1)
        inv = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs > 0)
        fr, fc = f[:ri.size], f[ri.size:]
        schur = np.diag(m.sum(axis=0)) - (m.T * inv[None, :]) @ m
        rhs = -fc + m.T @ (inv * fr)
        dv = np.zeros(ci.size)
        try:
            dv[:-1] = np.linalg.solve(schur[:-1, :-1], rhs[:-1])
        except np.linalg.LinAlgError:
            break
        du = inv * (-fr - m @ dv)
        step = 1.0
        improved = False
        for _ in range(20):
            m_new = fitted(u + step * du, v + step * dv)
            f_new, worst_new = err(m_new)
            if np.isfinite(worst_new) and worst_new < worst:
                improved = True
                break
            step /= 2.0
        if not improved:
            break
        u, v, m, f, worst = u + step * du, v + step * dv, m_new, f_new, worst_new
    out = np.zeros_like(x)
    out[np.ix_(ri, ci)] = m
    cs = out.sum(axis=0)
    out *= np.divide(cols, cs, out=np.zeros_like(cols), where=cs > 0)[None, :]
    return out, steps, float(np.abs(out.sum(axis=1) - rows).max(initial=0.0))


def demographic_accounts(s0: np.ndarray, s1: np.ndarray, births: np.ndarray,
                         deaths: np.ndarray, *, closed: bool,
                         labels: Sequence[str] | None = None) -> Accounts:
    """Net the stock tables of deaths and births; for a closed system, reconcile them.

    1. Deaths in each country are split over places of birth in proportion to the start stocks
       (:func:`deaths_by_birthplace`) and taken from the start table.
    2. Births in each country are native-born: they are taken from the end table's diagonal. A
       country with more births than native-born at the end (inconsistent inputs) has every
       group living there reduced in proportion instead, so that its total is still net of its
       births; the excess is recorded in ``notes['births_over_native']``.
    0. Closed system only, before 1: the world gap ``end total - (start total + births -
       deaths)`` (recorded as ``notes['global_gap']``, persons) is split in half: the start table
       is scaled up and the end table down by it (or the reverse), so that the world account
       closes.
    3. Closed system only (Abel and Sander 2014): each place of birth is
       given the mean of its start and end totals and both tables are fitted to those row totals
       by IPF while every country's column total (its population net of deaths at the start, net
       of births at the end) is kept. Each country's net migration is then exactly
       ``(end population - births) - (start population - deaths)``.

    ``labels`` name the rows in error messages. Where the margins cannot be met on the cells a
    stock table fills (the IPF stalls more than :data:`RECONCILE_TOL` of the largest
    place-of-birth total, or one person, away from them; e.g. Curacao in the 2020 revision's
    1990 and 1995 tables has no foreign-born, so its native-born cannot fall), the empty cells of
    the countries where the unreconciled places of birth live are opened with one person each
    and the fit is repeated (``notes['cells_opened']``, ``notes['persons_in_opened_cells']``).
    If that fails too, :class:`EstimationError` is raised rather than returning flows that break
    the accounting identity.

    Open system (Abel 2013): no reconciliation; place-of-birth totals that differ between the two
    tables are moves from or to outside the system (:func:`open_flows`).
    """
    a, b = _pair(s0, s1)
    k = a.shape[0]
    bth = _check_vector("births", births, k)
    dth = _check_vector("deaths", deaths, k)
    notes: dict[str, float] = {}
    if closed:
        t0, t1 = a.sum(), b.sum()
        if t0 <= 0 or t1 <= 0:
            raise EstimationError("a stock table is empty: nothing to estimate")
        gap = t1 - (t0 + bth.sum() - dth.sum())
        notes["global_gap"] = float(gap)
        a = a * (1.0 + gap / (2.0 * t0))
        b = b * (1.0 - gap / (2.0 * t1))
    start = a - deaths_by_birthplace(a, dth)
    end = b.copy()
    diag = np.diag(end).copy()
    over = bth > diag
    notes["births_over_native"] = float((bth - diag)[over].sum())
    end[np.arange(k), np.arange(k)] = np.where(over, diag, diag - bth)
    if over.any():
        pop1 = b.sum(axis=0)
        if (bth[over] > pop1[over]).any():
            j = int(np.flatnonzero(over & (bth > pop1))[0])
            raise EstimationError(f"area {j} has {bth[j]:,.0f} births but only {pop1[j]:,.0f} "
                                  "residents at the end of the period: check the inputs")
        cols = np.flatnonzero(over)
        end[:, cols] *= ((pop1[cols] - bth[cols]) / pop1[cols])[None, :]
    if not closed:
        return Accounts(start, end, False, notes)
    r0, r1 = start.sum(axis=1), end.sum(axis=1)
    one_sided = ((r0 > 0) & (r1 <= 0)) | ((r1 > 0) & (r0 <= 0))
    rows = np.where(one_sided, 0.0, (r0 + r1) / 2.0)
    notes["birthplace_one_sided"] = float((r0[one_sided] + r1[one_sided]).sum())
    limit = max(1.0, RECONCILE_TOL * float(rows.max(initial=0.0)))
    fits = []
    seeded = placed = 0.0
    iterations = residual = 0.0
    for table in (start, end):
        fit, it, res = ipf_margins(table, rows, table.sum(axis=0))
        if res > limit:
            # The margins cannot be met on the table's non-empty cells (e.g. a country whose
            # only residents are its native-born, who must then be fewer): open the empty cells
            # of the countries where the unreconciled places of birth live, one person each,
            # and fit again. Recorded in the notes.
            bad = np.abs(fit.sum(axis=1) - rows) > limit
            cols = np.flatnonzero((table[bad] > 0).any(axis=0))
            extra = np.zeros_like(table)
            extra[:, cols] = (table[:, cols] == 0) & (rows[:, None] > 0)
            live = table.sum(axis=0) > 0
            extra[:, ~live] = 0.0
            fit, it2, res = ipf_margins(table + extra, rows, table.sum(axis=0))
            it += it2
            seeded += float(extra.sum())
            placed += float(fit[extra > 0].sum())
        iterations = max(iterations, float(it))
        residual = max(residual, res)
        if res > limit:
            i = int(np.argmax(np.abs(fit.sum(axis=1) - rows)))
            who = labels[i] if labels is not None else f"row {i}"
            raise EstimationError(
                f"closed system: the stock tables, births and deaths cannot be reconciled "
                f"(people born in {who}: {rows[i]:,.0f} expected, {fit[i].sum():,.0f} reachable). "
                "Use the open system (da_min_open) or check the inputs")
        fits.append(fit)
    notes["ipf_iterations"] = iterations
    notes["ipf_max_residual"] = residual
    notes["cells_opened"] = seeded
    notes["persons_in_opened_cells"] = placed
    return Accounts(fits[0], fits[1], True, notes)


def _stayer_parts(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """Stayers (``min`` of start and end, per birthplace and country) and the residual margins."""
    stay = np.minimum(start, end)
    rr = start - stay
    cc = end - stay
    nr = rr.sum(axis=1)
    return stay, rr, cc, nr


def stayer_flows(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Minimum-migration flows under the stayer assumption, summed over places of birth.

    For each place of birth the people who stay are ``min(start, end)`` in each country; the
    remaining people leaving a country (``start - stayers``) move to the countries that gain
    (``end - stayers``) in proportion to those gains: the quasi-independence fit with a unit
    seed, which IPF reaches in one step because no country both loses and gains.

    Returns the ``(k, k)`` origin (residence at start) x destination flow matrix, zero diagonal.
    """
    _, rr, cc, nr = _stayer_parts(start, end)
    w = np.divide(1.0, nr, out=np.zeros_like(nr), where=nr > MIN_MOVERS)
    f = (rr * w[:, None]).T @ cc
    np.fill_diagonal(f, 0.0)
    return f


def independence_flows(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Flows under independence (no stayer assumption), summed over places of birth.

    For each place of birth the table is ``start[j] * end[k] / total``: where a person lives at
    the end does not depend on where they lived at the start. Diagonal (stayers) removed.
    """
    n = start.sum(axis=1)
    w = np.divide(1.0, n, out=np.zeros_like(n), where=n > 0)
    f = (start * w[:, None]).T @ end
    np.fill_diagonal(f, 0.0)
    return f


def pseudo_bayes_weights(start: np.ndarray, end: np.ndarray, scale: float) -> np.ndarray:
    """Weight of the independence table in the pseudo-Bayes estimate, one per place of birth.

    Bishop, Fienberg and Holland (1975, sec. 12.2): shrinking cell proportions ``p`` (here the
    stayer-assumption table of a place of birth divided by its total ``N``) towards prior
    proportions ``lambda`` (the independence table over ``N``) with weight ``K / (n + K)``,
    ``K = (1 - sum p^2) / sum (p - lambda)^2``, minimises the expected squared error for a
    multinomial sample of size ``n``. Stock tables are not samples: ``n = N / scale`` treats
    ``scale`` persons as one observation (see :data:`labourlink.flows.spec.PB_SCALE`).
    """
    if not np.isfinite(scale) or scale <= 0:
        raise EstimationError(f"pseudo-Bayes scale {scale!r} must be a positive number of persons")
    stay, rr, cc, nr = _stayer_parts(start, end)
    n = start.sum(axis=1)
    safe_n = np.where(n > 0, n, 1.0)
    safe_nr = np.where(nr > MIN_MOVERS, nr, 1.0)
    # sums over the cells of each birthplace's table, without forming the (k, k, k) array:
    # Q = stayers on the diagonal + outer(rr, cc) / nr off it (rr and cc never share a country),
    # I = outer(start, end) / n.
    q2 = (stay ** 2).sum(axis=1) + (rr ** 2).sum(axis=1) * (cc ** 2).sum(axis=1) / safe_nr ** 2
    i2 = (start ** 2).sum(axis=1) * (end ** 2).sum(axis=1) / safe_n ** 2
    qi = ((stay * start * end).sum(axis=1) / safe_n
          + (rr * start).sum(axis=1) * (cc * end).sum(axis=1) / (safe_nr * safe_n))
    num = n ** 2 - q2
    den = q2 - 2.0 * qi + i2
    ok = (n > 0) & (den > 1e-12 * np.maximum(n, 1.0) ** 2) & (num > 0)
    kconst = np.divide(num, den, out=np.zeros_like(num), where=ok)
    neff = n / scale
    return np.divide(kconst, neff + kconst, out=np.zeros_like(kconst), where=ok)


def pseudo_bayes_flows(start: np.ndarray, end: np.ndarray, scale: float) -> tuple[np.ndarray,
                                                                                  np.ndarray]:
    """Pseudo-Bayes flows (Azose and Raftery 2019) and the weights used, per place of birth.

    For each place of birth ``(1 - w) * stayer table + w * independence table`` with ``w`` from
    :func:`pseudo_bayes_weights`; both tables have the same margins, so the estimate keeps them
    (and with them every country's accounting identity). Diagonal (stayers) removed.
    """
    w = pseudo_bayes_weights(start, end, scale)
    _, rr, cc, nr = _stayer_parts(start, end)
    n = start.sum(axis=1)
    a = np.divide(1.0 - w, nr, out=np.zeros_like(nr), where=nr > MIN_MOVERS)
    b = np.divide(w, n, out=np.zeros_like(n), where=n > 0)
    f = (rr * a[:, None]).T @ cc + (start * b[:, None]).T @ end
    np.fill_diagonal(f, 0.0)
    return f, w


@dataclass(frozen=True, slots=True)
class OpenFlows:
    """Flows of the open system: between countries, plus moves from and to outside it (persons).

    ``from_outside[k]``: people who arrive in ``k`` from outside the system; ``to_outside[j]``:
    people who leave ``j`` for outside it.
    """

    flows: np.ndarray
    from_outside: np.ndarray
    to_outside: np.ndarray


def open_flows(start: np.ndarray, end: np.ndarray) -> OpenFlows:
    """Minimum-migration flows of an open system (Abel 2013, sec. 2.2).

    For each place of birth whose surviving start total differs from its end total (net of
    births), the difference is a move from outside the system (end larger) or to outside it
    (start larger): an extra "outside" area holds it at the start or at the end, and the
    table is filled under the stayer assumption as in :func:`stayer_flows`.
    """
    k = start.shape[0]
    gap = end.sum(axis=1) - start.sum(axis=1)
    s = np.concatenate([start, np.maximum(gap, 0.0)[:, None]], axis=1)
    e = np.concatenate([end, np.maximum(-gap, 0.0)[:, None]], axis=1)
    full = stayer_flows(s, e)
    return OpenFlows(full[:k, :k].copy(), full[k, :k].copy(), full[:k, k].copy())
