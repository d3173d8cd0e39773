"""Structural-gravity general equilibrium (Yotov, Piermartini, Monteiro & Larch 2016, chapter 2).

One-sector Anderson-van Wincoop model with an endowment economy, solved as in the GEPPML approach of
Anderson, Larch & Yotov (2018, *The World Economy* 41(10)) and the Advanced Guide's chapter 2
do-files:

* bilateral trade ``X_ij = Y_i E_j t_ij / (OMR_i IMR_j)`` where ``t_ij`` is the trade-cost term
  ``t_ij^(1-sigma) = exp(sum_k b_k x_ij,k)``, ``OMR_i = Pi_i^(1-sigma)`` and ``IMR_j = P_j^(1-sigma)``
  are the outward and inward multilateral resistances, normalised so that the reference importer's
  ``IMR = 1`` (Germany, ``DEU``, in the book);
* **conditional** general equilibrium: output ``Y`` and expenditure ``E`` held at the baseline, new
  multilateral resistances;
* **full-endowment** general equilibrium: factory-gate prices ``p_i`` adjust, ``Y_i' = p_i' Y_i`` and
  ``E_j' = phi_j Y_j'`` with ``phi_j = E_j / Y_j`` fixed (trade imbalances held as a share of output).
  The price equation, from market clearing, is ``p_i'^sigma = OMR_i' / OMR_i``.

The PPML step of GEPPML with exporter and importer fixed effects and the trade costs as an offset has
the closed form of a biproportional fit (its first-order conditions set fitted row and column sums to
the observed ones), so it is computed here by a fixed-point iteration on the resistances rather than
by re-estimating a regression (exactly what the do-files' ``ppml ..., offset(ln_tij) noconst``
converges to).

Two methods:

``"exact"`` (default)
    Solves the full-endowment equilibrium to ``tol`` (largest change in log prices and log
    resistances between iterations).
``"geppml"``
    Replays the book's iterative GEPPML procedure (``TradeWithoutBorder.do``) step by step,
    including its stopping rule (standard deviation and maximum of the change in factory-gate price
    updates below ``geppml_tol``, 0.01 in the book). Use it to reproduce the published tables.
    In full double precision it matches them to ~7e-5 percentage points (relative 3e-6); the rest
    is how Stata stores the estimated fixed effects: the do-files multiply the ``byte`` dummies of
    ``tabulate, generate()`` by ``exp(_b[...])`` with ``replace``, which promotes them to ``float``
    (single precision) although ``set type double`` is in force (it governs new variables only).
    ``GEConfig(method="geppml", stata_storage=True)`` rounds those stored values to single
    precision as the do-file does and reproduces both chapter 2 tables (trade without borders and
    NAFTA) to ~1e-12 percentage points in prices and ~1e-7 in exports (printed: 6 decimals).

The two differ. The book's loop sets ``E = phi Y`` without rescaling, so world expenditure and
world output drift apart once prices move, and it stops at 0.01. On "trade without borders" the
exact equilibrium differs from the published table by up to 0.46 percentage points in factory-gate
prices, 0.83 in inward resistances, 0.60 in real GDP and 35 in exports (changes of 60-440 %);
running the book's loop to ``geppml_tol=1e-9`` moves it by up to 0.23, 0.11, 0.08 and 9.3.

The default trade elasticity ``sigma = 7`` is the value set in the book's do-files
(``scalar sigma = 7``; Yotov et al. 2016, chapter 2, p. 103, citing the literature range 5-10,
Head & Mayer 2014).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from labourlink.errors import ConvergenceWarning, InvalidArgumentError

__all__ = [
    "DEFAULT_SIGMA",
    "GEConfig",
    "GEProblem",
    "ScenarioResult",
    "build_problem",
    "cost_term",
    "solve",
]

#: Elasticity of substitution used in the Advanced Guide's chapter 2 do-files (``scalar sigma = 7``).
DEFAULT_SIGMA: float = 7.0

#: Sinkhorn sweeps tried before switching to Newton (see :func:`_solve_mr`).
SINKHORN_FIRST = 200
#: Memory of the Anderson acceleration of the full-endowment fixed point.
ANDERSON_M = 5

Method = Literal["exact", "geppml"]
METHODS: tuple[str, ...] = ("exact", "geppml")
Closure = Literal["phi", "deficit"]
CLOSURES: tuple[str, ...] = ("phi", "deficit")


@dataclass(frozen=True, slots=True)
class GEConfig:
    """Settings of a general-equilibrium solve.

    Parameters
    ----------
    sigma
        Elasticity of substitution between varieties (trade elasticity is ``1 - sigma``). Default 7,
        as in Yotov et al. (2016) chapter 2 do-files. Must exceed 1.
    reference
        ISO3 code of the reference importer whose inward multilateral resistance is normalised to 1
        (``DEU`` in the book).
    method
        ``"exact"`` (converged equilibrium) or ``"geppml"`` (the book's iterative procedure with its
        stopping rule); see the module docstring.
    tol
        Convergence tolerance of the exact solver: largest absolute change of log prices and log
        resistances between two iterations.
    max_iter
        Maximum number of iterations of each fixed-point loop.
    geppml_tol
        Stopping threshold of the book's procedure (standard deviation and maximum of the change in
        factory-gate price updates), 0.01 in ``TradeWithoutBorder.do``.
    closure
        How expenditure follows output in the exact full-endowment solve. ``"phi"`` (default, as the
        book): ``E_j' = phi_j Y_j'`` with ``phi_j = E_j / Y_j``, all rescaled by one world factor so
        that world expenditure equals world output (without it the book's ``E = phi Y`` violates
        adding-up once prices move and no exact equilibrium exists). ``"deficit"``: nominal trade
        deficits ``E_j - Y_j`` held fixed (Dekle, Eaton & Kortum 2007).
    stata_storage
        Only with ``method="geppml"``: emulate how the book's Stata do-files store the estimated
        fixed effects. ``replace EXPORTER_FE`i' = EXPORTER_FE`i' * exp(_b[EXPORTER_FE`i'])`` turns
        the ``byte`` dummies made by ``tabulate, generate()`` into ``float`` variables (single
        precision; ``set type double`` only governs *new* variables), so ``exp_pi``/``exp_chi``, the
        exponentiated exporter and importer fixed effects, and every resistance and price built from
        them carry a relative rounding error of up to 6e-8. With ``True`` these two vectors are
        rounded to IEEE single precision wherever the do-file stores them (baseline, conditional and
        each iteration of the loop); predicted trade (``predict ..., mu``) and all other variables
        stay double, as in the do-file. This reproduces the published chapter 2 tables to ~1e-12
        percentage points instead of ~7e-5. Default ``False`` (full double precision). A zero
        shock returns the unrounded baseline, as with every method.
    """

    sigma: float = DEFAULT_SIGMA
    reference: str = "DEU"
    method: Method = "exact"
    tol: float = 1e-12
    max_iter: int = 100_000
    geppml_tol: float = 0.01
    closure: Closure = "phi"
    stata_storage: bool = False

    def __post_init__(self) -> None:
        if self.closure not in CLOSURES:
            raise InvalidArgumentError("closure", self.closure, CLOSURES)
        if not np.isfinite(self.sigma) or self.sigma <= 1:
            raise InvalidArgumentError("sigma", self.sigma, "a finite number greater than 1 (book: 7)")
        if self.method not in METHODS:
            raise InvalidArgumentError("method", self.method, METHODS)
        if not (0 < self.tol < 1):
            raise InvalidArgumentError("tol", self.tol, "a number in (0, 1), e.g. 1e-12")
        if self.max_iter < 1:
            raise InvalidArgumentError("max_iter", self.max_iter, "a positive integer")
        if not (0 < self.geppml_tol < 1):
            raise InvalidArgumentError("geppml_tol", self.geppml_tol, "a number in (0, 1); book: 0.01")
        if not (isinstance(self.reference, str) and len(self.reference) == 3):
            raise InvalidArgumentError("reference", self.reference, "an ISO3 code such as 'DEU'")
        if not isinstance(self.stata_storage, bool):
            raise InvalidArgumentError("stata_storage", self.stata_storage, "True or False")
        if self.stata_storage and self.method != "geppml":
            raise InvalidArgumentError("stata_storage", self.stata_storage,
                                       "False unless method='geppml' (it emulates the book's do-file)")


@dataclass(frozen=True)
class GEProblem:
    """Square arrays of one GE problem, countries sorted by ISO3 (built by :func:`build_problem`).

    ``trade[i, j]`` is the flow from exporter ``i`` to importer ``j`` (US$, including intra-national
    flows on the diagonal); ``ln_t`` the baseline log trade-cost term ``ln t_ij^(1-sigma)``;
    ``delta_ln_t`` its counterfactual change.
    """

    countries: tuple[str, ...]
    trade: np.ndarray
    ln_t: np.ndarray
    delta_ln_t: np.ndarray


def cost_term(data: pd.DataFrame, coefficients: dict[str, float]) -> pd.Series:
    """Log trade-cost term ``ln t_ij^(1-sigma) = sum_k b_k x_ij,k`` from cost variables.

    Parameters
    ----------
    data
        Pair-level frame holding one column per name in ``coefficients``.
    coefficients
        Gravity coefficients (semi-elasticities; e.g. ``{"ln_DIST": -0.79, "INTL_BRDR": -2.47}``).

    Returns
    -------
    pandas.Series
        ``sum_k b_k x_k`` for each row (log points), named ``ln_t``.
    """
    missing = [k for k in coefficients if k not in data.columns]
    if missing:
        raise InvalidArgumentError("coefficients", missing, f"columns of the data: {list(data.columns)}")
    out = pd.Series(0.0, index=data.index, name="ln_t")
    for name, b in coefficients.items():
        out = out + float(b) * data[name].astype(float)
    return out.rename("ln_t")


def build_problem(
    baseline: pd.DataFrame,
    shock: pd.DataFrame | None = None,
    *,
    exporter: str = "exporter",
    importer: str = "importer",
    trade: str = "trade_usd",
    ln_t: str = "ln_t",
    delta: str = "delta_ln_t",
) -> GEProblem:
    """Validate tidy inputs and turn them into square arrays.

    Parameters
    ----------
    baseline
        One row per (exporter, importer) pair of a square country set, including intra-national
        pairs (exporter == importer): ``trade`` (US$, >= 0) and ``ln_t`` (log trade-cost term, see
        :func:`cost_term`).
    shock
        Optional rows (exporter, importer, ``delta``): change of the log trade-cost term, log points.
        Pairs not listed keep their cost. ``None`` means no change.

    Returns
    -------
    GEProblem
    """
    for col in (exporter, importer, trade, ln_t):
        if col not in baseline.columns:
            raise InvalidArgumentError("baseline column", col, f"columns present: {list(baseline.columns)}")
    countries = tuple(sorted(set(baseline[exporter]) | set(baseline[importer])))
    n = len(countries)
    if n < 2:
        raise InvalidArgumentError("baseline", f"{n} countries", "at least 2 countries")
    dup = baseline.duplicated([exporter, importer])
    if dup.any():
        row = baseline.loc[dup, [exporter, importer]].iloc[0].tolist()
        raise InvalidArgumentError("baseline pair", row, "each (exporter, importer) pair once")
    if len(baseline) != n * n:
        have = set(zip(baseline[exporter], baseline[importer], strict=True))
        miss = [(a, b) for a in countries for b in countries if (a, b) not in have][:5]
        raise InvalidArgumentError(
            "baseline", f"{len(baseline)} rows for {n} countries",
            f"all {n * n} pairs including exporter == importer; missing e.g. {miss}")
    pos = {c: k for k, c in enumerate(countries)}
    ii = baseline[exporter].map(pos).to_numpy()
    jj = baseline[importer].map(pos).to_numpy()
    x = np.zeros((n, n))
    lt = np.zeros((n, n))
    x[ii, jj] = baseline[trade].to_numpy(dtype=float)
    lt[ii, jj] = baseline[ln_t].to_numpy(dtype=float)
    if not np.all(np.isfinite(x)) or (x < 0).any():
        raise InvalidArgumentError(trade, "negative or missing values", "finite flows >= 0 (US$)")
    if np.isnan(lt).any() or (lt == np.inf).any():
        raise InvalidArgumentError(ln_t, "missing or +inf values",
                                   "finite log cost terms (or -inf for pairs that cannot trade)")
    if ((lt == -np.inf) & (x > 0)).any():
        raise InvalidArgumentError(ln_t, "-inf for a pair with positive trade",
                                   "-inf only where trade is 0")
    for k, c in enumerate(countries):
        if x[k].sum() <= 0 or x[:, k].sum() <= 0:
            raise InvalidArgumentError("baseline", f"{c} has zero output or expenditure",
                                       "every country with positive total sales and purchases")
    d = np.zeros((n, n))
    if shock is not None and len(shock):
        for col in (exporter, importer, delta):
            if col not in shock.columns:
                raise InvalidArgumentError("shock column", col, f"columns present: {list(shock.columns)}")
        unknown = sorted((set(shock[exporter]) | set(shock[importer])) - set(countries))
        if unknown:
            raise InvalidArgumentError("shock country", unknown, f"countries of the baseline ({n})")
        if shock.duplicated([exporter, importer]).any():
            raise InvalidArgumentError("shock", "duplicated pairs", "each pair once")
        vals = shock[delta].to_numpy(dtype=float)
        if not np.all(np.isfinite(vals)):
            raise InvalidArgumentError(delta, "missing or infinite values", "finite log changes")
        d[shock[exporter].map(pos).to_numpy(), shock[importer].map(pos).to_numpy()] = vals
    return GEProblem(countries, x, lt, d)


# --------------------------------------------------------------------------------------------
# numerical kernels (arrays in, arrays out)
# --------------------------------------------------------------------------------------------


def _solve_mr(
    t: np.ndarray, y: np.ndarray, e: np.ndarray, ref: int, tol: float, max_iter: int,
    imr0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Multilateral resistances ``OMR_i = sum_j t_ij E_j / IMR_j``, ``IMR_j = sum_i t_ij Y_i / OMR_i``.

    Normalisation ``IMR_ref = 1``. Up to ``SINKHORN_FIRST`` alternating (Sinkhorn) sweeps, which
    are cheap and enough for well-connected trade matrices; then Newton's method on the (convex)
    dual of the biproportional fit, with backtracking, for weakly connected ones (many zero flows);
    Sinkhorn again if Newton fails. Returns OMR, IMR, iterations and a convergence flag.
    """
    quick = _solve_mr_sinkhorn(t, y, e, ref, tol, min(max_iter, SINKHORN_FIRST), imr0)
    if quick[3]:
        return quick
    out = _solve_mr_newton(t, y, e, ref, tol, quick[1])
    if out is not None:
        return out[0], out[1], out[2] + quick[2], out[3]
    return _solve_mr_sinkhorn(t, y, e, ref, tol, max_iter, quick[1])


def _solve_mr_newton(
    t: np.ndarray, y: np.ndarray, e: np.ndarray, ref: int, tol: float,
    imr0: np.ndarray | None = None, max_newton: int = 100,
) -> tuple[np.ndarray, np.ndarray, int, bool] | None:
    """Newton on ``f(a, b) = sum_ij exp(a_i + b_j) t_ij - sum_i Y_i a_i - sum_j E_j b_j``, ``b_ref = 0``.

    ``exp(a_i) = Y_i E_ref / OMR_i`` and ``exp(b_j) = E_j / (IMR_j E_ref)``. Convergence: relative
    row- and column-sum residuals below ``max(tol, 1e-13)``. Returns None when the Hessian is
    singular (e.g. a disconnected trade graph) or Newton stalls.
    """
    n = y.shape[0]
    er = e[ref]
    keep = np.ones(n, dtype=bool)
    keep[ref] = False
    b = np.zeros(n) if imr0 is None else np.log(e / (imr0 * er))
    b[ref] = 0.0
    with np.errstate(divide="ignore"):
        a = np.log(y) - np.log(t @ np.exp(b))
    target = max(tol, 1e-13)

    def objective(a_: np.ndarray, b_: np.ndarray) -> float:
        return float(np.exp(a_) @ t @ np.exp(b_) - y @ a_ - e @ b_)

    f = objective(a, b)
    for it in range(1, max_newton + 1):
        x = np.exp(a)[:, None] * t * np.exp(b)[None, :]
        rs, cs = x.sum(axis=1), x.sum(axis=0)
        res = max(np.max(np.abs(rs / y - 1.0)), np.max(np.abs(cs / e - 1.0)))
        if res < target:
            omr = y * er / np.exp(a)
            imr = e / (np.exp(b) * er)
            return omr, imr, it, True
        g = np.concatenate([rs - y, (cs - e)[keep]])
        h = np.zeros((2 * n - 1, 2 * n - 1))
        h[:n, :n] = np.diag(rs)
        h[n:, n:] = np.diag(cs[keep])
        h[:n, n:] = x[:, keep]
        h[n:, :n] = x[:, keep].T
        try:
            step = -np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        da = step[:n]
        db = np.zeros(n)
        db[keep] = step[n:]
        lam = 1.0
        slope = float(g @ step)
        while lam > 1e-10:
            a_new, b_new = a + lam * da, b + lam * db
            f_new = objective(a_new, b_new)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * lam * slope + 1e-15 * abs(f):
                break
            lam *= 0.5
        else:
            return None
        a, b, f = a_new, b_new, f_new
    return None


def _solve_mr_sinkhorn(
    t: np.ndarray, y: np.ndarray, e: np.ndarray, ref: int, tol: float, max_iter: int,
    imr0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Alternating (Sinkhorn) iteration for :func:`_solve_mr`, Anderson-accelerated on log IMR
    (largest change in log IMR between sweeps < tol)."""
    tt = t.T.copy()

    def sweep(z: np.ndarray) -> np.ndarray:
        omr_ = t @ (e / np.exp(z))
        new = tt @ (y / omr_)
        return np.log(new / new[ref])

    z0 = np.zeros_like(e) if imr0 is None else np.log(imr0)
    z, it, ok = _anderson(sweep, z0, tol, max_iter, fixed=ref)
    imr = np.exp(z)
    return t @ (e / imr), imr, it, ok


def _anderson(
    fn: Callable[[np.ndarray], np.ndarray], z: np.ndarray, tol: float, max_iter: int,
    fixed: int | None = None, m: int = 5,
) -> tuple[np.ndarray, int, bool]:
    """Anderson-accelerated fixed point ``z = fn(z)`` (memory ``m``; stop when max |fn(z) - z| < tol).

    Falls back to the plain step when the extrapolated point is not finite. ``fixed`` is an index
    held at 0 (the normalisation).
    """
    hist_g: list[np.ndarray] = []
    hist_f: list[np.ndarray] = []
    for it in range(1, max_iter + 1):
        gz = fn(z)
        fz = gz - z
        if float(np.max(np.abs(fz))) < tol:
            return gz, it, True
        hist_g.append(gz)
        hist_f.append(fz)
        if len(hist_f) > m + 1:
            hist_g.pop(0)
            hist_f.pop(0)
        if len(hist_f) >= 2:
            df = np.diff(np.array(hist_f), axis=0).T
            dg = np.diff(np.array(hist_g), axis=0).T
            gamma, *_ = np.linalg.lstsq(df, fz, rcond=None)
            cand = gz - dg @ gamma
            z = cand if np.all(np.isfinite(cand)) else gz
        else:
            z = gz
        if fixed is not None:
            z[fixed] = 0.0
    return z, max_iter, False


def _biproportional(
    x: np.ndarray, t: np.ndarray, ref: int, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """PPML with exporter and importer fixed effects and offset ``ln t`` (closed form).

    Returns ``a`` (= exp of exporter FE) and ``b`` (= exp of importer FE, ``b_ref = 1``) with
    ``sum_j a_i b_j t_ij = sum_j x_ij`` and ``sum_i a_i b_j t_ij = sum_i x_ij``.
    """
    rows = x.sum(axis=1)
    cols = x.sum(axis=0)
    omr, imr, _, ok = _solve_mr(t, rows, cols, ref, tol, max_iter)
    er = cols[ref]
    a = rows * er / omr
    b = cols / (imr * er)
    return a, b, ok


def _offdiag_rowsum(m: np.ndarray) -> np.ndarray:
    return m.sum(axis=1) - np.diag(m)


def _offdiag_colsum(m: np.ndarray) -> np.ndarray:
    return m.sum(axis=0) - np.diag(m)


def _warn(what: str, iterations: int) -> None:
    import warnings

    warnings.warn(f"{what} did not converge in {iterations} iterations; raise GEConfig.max_iter "
                  "or loosen GEConfig.tol", ConvergenceWarning, stacklevel=3)


@dataclass(frozen=True)
class _Solution:
    omr_bln: np.ndarray
    imr_bln: np.ndarray
    omr_cdl: np.ndarray
    imr_cdl: np.ndarray
    omr_full: np.ndarray
    imr_full: np.ndarray
    price: np.ndarray  # factory-gate price change factor p'/p
    y_full: np.ndarray
    e_full: np.ndarray
    x_bln: np.ndarray
    x_cdl: np.ndarray
    x_full: np.ndarray
    iterations: int
    converged: bool


def _solve_exact(p: GEProblem, cfg: GEConfig, ref: int,
                 base_mr: tuple[np.ndarray, np.ndarray] | None = None,
                 start: tuple[np.ndarray, np.ndarray] | None = None,
                 conditional: bool = True) -> _Solution:
    """Exact solve. ``base_mr`` reuses baseline (OMR, IMR); ``start`` = (IMR, price) warm-starts the
    full-endowment loop; ``conditional=False`` skips the conditional stage (its fields then hold
    the baseline), for Monte Carlo loops that need the full equilibrium only."""
    x = p.trade
    y = x.sum(axis=1)
    e = x.sum(axis=0)
    t0 = np.exp(p.ln_t)
    if base_mr is None:
        omr0, imr0, _, ok0 = _solve_mr(t0, y, e, ref, cfg.tol, cfg.max_iter)
        if not ok0:
            _warn("baseline multilateral resistances", cfg.max_iter)
    else:
        omr0, imr0 = base_mr
        ok0 = True
    x_bln = (y / omr0)[:, None] * (e / imr0)[None, :] * t0
    if not np.any(p.delta_ln_t):
        # zero shock: the counterfactual equals the baseline by construction
        ones = np.ones_like(y)
        return _Solution(omr0, imr0, omr0, imr0, omr0, imr0, ones, y.copy(), e.copy(),
                         x_bln, x_bln.copy(), x_bln.copy(), 0, ok0)
    t1 = np.exp(p.ln_t + p.delta_ln_t)
    if conditional:
        omr_c, imr_c, _, ok_c = _solve_mr(t1, y, e, ref, cfg.tol, cfg.max_iter, imr0)
        if not ok_c:
            _warn("conditional multilateral resistances", cfg.max_iter)
        x_cdl = (y / omr_c)[:, None] * (e / imr_c)[None, :] * t1
    else:
        omr_c, imr_c, ok_c, x_cdl = omr0, imr0, True, x_bln
    # full endowment: joint fixed point in (IMR, p); p^sigma = OMR'/OMR0, Y' = pY, E' = pE
    inv_s = 1.0 / cfg.sigma
    if start is not None:
        imr, price = start[0].copy(), start[1].copy()
    elif conditional:
        imr = imr_c.copy()
        price = (omr_c / omr0) ** inv_s
    else:
        imr, price = imr0.copy(), np.ones_like(y)
    deficit = e - y

    def expenditure(pr: np.ndarray) -> np.ndarray:
        if cfg.closure == "deficit":
            return pr * y + deficit
        pe = pr * e  # E' = phi Y' = p E, rescaled so that world expenditure = world output
        return pe * (np.dot(pr, y) / pe.sum())

    tt = t1.T.copy()

    def sweep(z: np.ndarray) -> np.ndarray:
        # one Sinkhorn step on the resistances and one price update, in logs
        imr_, price_ = np.exp(z[:n_c]), np.exp(z[n_c:])
        y1_ = price_ * y
        e1_ = expenditure(price_)
        omr_ = t1 @ (e1_ / imr_)
        new_imr_ = tt @ (y1_ / omr_)
        new_imr_ = new_imr_ / new_imr_[ref]
        omr_ = t1 @ (e1_ / new_imr_)
        return np.concatenate([np.log(new_imr_), np.log((omr_ / omr0) ** inv_s)])

    # Anderson-accelerated fixed point on z = (log IMR, log p)
    n_c = y.shape[0]
    z, it, converged = _anderson(sweep, np.concatenate([np.log(imr), np.log(price)]), cfg.tol,
                                 cfg.max_iter, fixed=ref, m=ANDERSON_M)
    imr, price = np.exp(z[:n_c]), np.exp(z[n_c:])
    if not converged:
        _warn("full-endowment equilibrium", cfg.max_iter)
    y1 = price * y
    e1 = expenditure(price)
    if np.any(e1 <= 0):
        raise InvalidArgumentError("closure", cfg.closure,
                                   "'phi' (this shock makes a fixed deficit exceed expenditure)")
    omr = t1 @ (e1 / imr)
    x_full = (y1 / omr)[:, None] * (e1 / imr)[None, :] * t1
    return _Solution(omr0, imr0, omr_c, imr_c, omr, imr, price, y1, e1, x_bln, x_cdl, x_full,
                     it, converged and ok0 and ok_c)


def _stata_float(v: np.ndarray) -> np.ndarray:
    """Round to IEEE single precision and back, as Stata does when it stores a ``float`` variable."""
    return np.asarray(v, dtype=np.float64).astype(np.float32).astype(np.float64)


def _solve_geppml(p: GEProblem, cfg: GEConfig, ref: int) -> _Solution:
    """The book's iterative GEPPML procedure (TradeWithoutBorder.do, steps I-III), replayed.

    ``a`` is the do-file's ``exp_pi`` (exponentiated exporter fixed effects) and ``b`` its
    ``exp_chi`` (importer fixed effects, ``b_ref = 1``); ``xhat`` its ``tradehat`` (``predict, mu``).
    With ``cfg.stata_storage`` the stored ``exp_pi``/``exp_chi`` are rounded to single precision
    (see :class:`GEConfig`); the predictions ``xhat`` come from the unrounded coefficients, as
    Stata's ``predict`` uses ``e(b)`` in double.
    """
    store = _stata_float if cfg.stata_storage else (lambda v: v)
    sig = cfg.sigma
    pw = 1.0 / (1.0 - sig)
    tol, mi = min(cfg.tol, 1e-13), cfg.max_iter
    x = p.trade
    n = x.shape[0]
    y0 = x.sum(axis=1)
    e0 = x.sum(axis=0)
    er0 = e0[ref]
    t0 = np.exp(p.ln_t)
    t1 = np.exp(p.ln_t + p.delta_ln_t)
    ok = True
    # Step I: baseline
    a0, b0, k = _biproportional(x, t0, ref, tol, mi)
    ok &= k
    x_bln = a0[:, None] * b0[None, :] * t0
    a0, b0 = store(a0), store(b0)
    omr_bln = y0 * er0 / a0
    imr_bln = e0 / (b0 * er0)
    # Step III.a: conditional
    a1, b1, k = _biproportional(x, t1, ref, tol, mi)
    ok &= k
    x_cdl = a1[:, None] * b1[None, :] * t1
    a1, b1 = store(a1), store(b1)
    omr_cdl = y0 * er0 / a1
    imr_cdl = e0 / (b1 * er0)
    # Step III.b: full endowment
    phi = e0 / y0
    a = {0: a0, 1: a1}
    b = {0: b0, 1: b1}
    er = {0: er0, 1: er0}
    yy = {0: y0, 1: y0}
    ee = {0: e0, 1: e0}
    xhat = {1: x_cdl}
    cp = {0: np.zeros(n), 1: ((a1 / a0) / (er[1] / er[0])) ** pw}
    omr = {0: y0 * er0 / a0, 1: yy[1] * er[1] / a1}
    imr = {0: e0 / (b0 * er0), 1: ee[1] / (b1 * er[1])}
    c_omr = {1: np.ones(n)}
    c_imr = {1: np.ones(n)}
    s = 3
    sd_dif, max_dif = 1.0, 1.0
    iterations = 0
    while sd_dif > cfg.geppml_tol or max_dif > cfg.geppml_tol:
        s1, s2, s3 = s - 1, s - 2, s - 3
        tr = xhat[s2] * cp[s2][:, None] * cp[s2][None, :] / (c_omr[s2][:, None] * c_imr[s2][None, :])
        a_s, b_s, k = _biproportional(tr, t1, ref, tol, mi)
        ok &= k
        xhat[s1] = a_s[:, None] * b_s[None, :] * t1
        a_s, b_s = store(a_s), store(b_s)
        a[s1], b[s1] = a_s, b_s
        yy[s1] = xhat[s1].sum(axis=1)
        ee[s1] = phi * yy[s1]
        er[s1] = ee[s1][ref]
        cp[s1] = ((a_s / a[s2]) / (er[s1] / er[s2])) ** pw
        omr[s1] = yy[s1] * er[s1] / a_s
        c_omr[s1] = omr[s1] / omr[s2]
        imr[s1] = ee[s1] / (b_s * er[s1])
        c_imr[s1] = imr[s1] / imr[s2]
        dif = cp[s2] - cp[s3]
        # Stata's summarize runs over the n*n pair rows: each exporter's value appears n times
        rows = np.repeat(dif, n)
        sd_dif = float(np.std(rows, ddof=1))
        max_dif = abs(float(np.max(rows)))
        s += 1
        iterations += 1
        for old in (s3 - 1,):  # keep memory bounded: only s-3.. are needed
            for dct in (a, b, xhat, yy, ee, cp, omr, imr, c_omr, c_imr, er):
                if old in dct and old > 1:
                    del dct[old]
        if iterations >= mi:
            ok = False
            _warn("GEPPML iterative procedure", iterations)
            break
    big_s = s - 2
    price = ((a[big_s] / a0) / (er[big_s] / er0)) ** pw
    y_full = price * y0
    e_full = phi * y_full
    omr_full = y_full * er[big_s] / a[big_s]
    imr_full = ee[big_s] / (b[big_s] * er[big_s])
    x_full = (y_full / omr_full)[:, None] * (e_full / imr_full)[None, :] * t1
    return _Solution(omr_bln, imr_bln, omr_cdl, imr_cdl, omr_full, imr_full, price, y_full, e_full,
                     x_bln, x_cdl, x_full, iterations, ok)


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------

#: Country measures of :class:`ScenarioResult` (id -> (unit, definition)).
COUNTRY_MEASURES: dict[str, tuple[str, str]] = {
    "exports_usd": ("US$", "international exports (excluding intra-national sales)"),
    "imports_usd": ("US$", "international imports (excluding intra-national purchases)"),
    "output_usd": ("US$", "value of output Y_i (sum of sales including domestic)"),
    "expenditure_usd": ("US$", "value of expenditure E_j"),
    "omr": ("index", "outward multilateral resistance Pi_i = OMR_i^(1/(1-sigma))"),
    "imr": ("index", "inward multilateral resistance P_j = IMR_j^(1/(1-sigma)); reference = 1"),
    "factory_gate_price": ("index", "factory-gate price p_i (baseline = 1)"),
    "real_gdp": ("US$ at baseline prices", "real GDP Y_i / P_i"),
    "welfare": ("US$ at baseline prices", "real expenditure E_i / P_i (ACR 2012 welfare)"),
}
STAGES: tuple[str, ...] = ("baseline", "conditional", "full")


@dataclass(frozen=True)
class ScenarioResult:
    """Read-only result of :func:`solve`.

    ``tidy()`` is the one source of every number (long table); ``to_frame()`` pivots it to one row
    per country with percent changes as in the book's tables; ``bilateral()`` gives pair-level trade.
    """

    countries: tuple[str, ...]
    config: GEConfig
    iterations: int
    converged: bool
    _levels: dict[str, dict[str, np.ndarray]] = field(repr=False)
    _bilateral: dict[str, np.ndarray] = field(repr=False)

    @cached_property
    def _tidy(self) -> pd.DataFrame:
        n = len(self.countries)
        keys = [(st, m) for st in STAGES for m in COUNTRY_MEASURES]
        return pd.DataFrame({
            "country": np.tile(np.array(self.countries, dtype=object), len(keys)),
            "measure": np.repeat([m for _, m in keys], n),
            "stage": np.repeat([st for st, _ in keys], n),
            "value": np.concatenate([self._levels[st][m] for st, m in keys]),
            "unit": np.repeat([COUNTRY_MEASURES[m][0] for _, m in keys], n),
        })

    def tidy(self) -> pd.DataFrame:
        """Long table: country, measure, stage (baseline/conditional/full), value, unit."""
        return self._tidy.copy()

    def to_frame(self) -> pd.DataFrame:
        """One row per country (index ISO3): levels by stage and percent changes.

        Columns ``<measure>_<stage>`` hold levels; ``change_<measure>_<cdl|full>_pct`` percent changes
        from the baseline; ``delta_<measure>_full`` absolute changes for US$ measures.
        """
        td = self._tidy
        n, nm = len(self.countries), len(COUNTRY_MEASURES)
        # tidy rows are ordered stage > measure > country (see _tidy)
        vals = td["value"].to_numpy().reshape(len(STAGES), nm, n)
        cols: dict[str, np.ndarray] = {}
        for k, m in enumerate(COUNTRY_MEASURES):
            for si, st in enumerate(STAGES):
                cols[f"{m}_{st}"] = vals[si, k]
        for m in COUNTRY_MEASURES:
            base = cols[f"{m}_baseline"]
            cols[f"change_{m}_cdl_pct"] = (cols[f"{m}_conditional"] / base - 1.0) * 100.0
            cols[f"change_{m}_full_pct"] = (cols[f"{m}_full"] / base - 1.0) * 100.0
            if COUNTRY_MEASURES[m][0] == "US$":
                cols[f"delta_{m}_full"] = cols[f"{m}_full"] - base
        return pd.DataFrame(cols, index=pd.Index(self.countries, name="country"))

    def bilateral(self) -> pd.DataFrame:
        """Pair-level trade (US$) in the baseline, conditional and full scenarios, and % changes."""
        n = len(self.countries)
        ex = np.repeat(np.array(self.countries), n)
        im = np.tile(np.array(self.countries), n)
        out = pd.DataFrame({"exporter": ex, "importer": im})
        for st in STAGES:
            out[f"trade_{st}_usd"] = self._bilateral[st].ravel()
        out["change_trade_cdl_pct"] = (out["trade_conditional_usd"] / out["trade_baseline_usd"] - 1) * 100
        out["change_trade_full_pct"] = (out["trade_full_usd"] / out["trade_baseline_usd"] - 1) * 100
        return out

    def summary(self) -> str:
        """Short text summary: solver settings and the countries with the largest welfare changes."""
        f = self.to_frame()
        ch = f["change_welfare_full_pct"].sort_values()
        lines = [
            f"Structural gravity GE ({self.config.method}, sigma={self.config.sigma:g}, "
            f"reference importer {self.config.reference}); {len(self.countries)} countries; "
            f"{self.iterations} iterations; converged={self.converged}",
            "Full-endowment welfare change, %: largest "
            + ", ".join(f"{c} {v:+.3f}" for c, v in ch.iloc[::-1].head(5).items()),
            "                                  smallest "
            + ", ".join(f"{c} {v:+.3f}" for c, v in ch.head(5).items()),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def book_table(self) -> pd.DataFrame:
        """Columns of the Advanced Guide's ``*_FULL.xls`` tables (percent changes), by country."""
        f = self.to_frame()
        return pd.DataFrame({
            "change_Xi_CDL": f["change_exports_usd_cdl_pct"],
            "change_Xi_FULL": f["change_exports_usd_full_pct"],
            "change_price_FULL": f["change_factory_gate_price_full_pct"],
            "change_IMR_FULL": f["change_imr_full_pct"],
            "change_rGDP_FULL": f["change_real_gdp_full_pct"],
            "Y_BLN": f["output_usd_baseline"],
        })


def _result(p: GEProblem, cfg: GEConfig, sol: _Solution) -> ScenarioResult:
    pw = 1.0 / (1.0 - cfg.sigma)
    y0 = p.trade.sum(axis=1)
    e0 = p.trade.sum(axis=0)
    levels: dict[str, dict[str, np.ndarray]] = {}
    stage_data = {
        "baseline": (sol.x_bln, sol.omr_bln, sol.imr_bln, y0, e0, np.ones_like(y0)),
        "conditional": (sol.x_cdl, sol.omr_cdl, sol.imr_cdl, y0, e0, np.ones_like(y0)),
        "full": (sol.x_full, sol.omr_full, sol.imr_full, sol.y_full, sol.e_full, sol.price),
    }
    for st, (xm, omr, imr, yv, ev, pr) in stage_data.items():
        p_index = imr ** pw
        levels[st] = {
            "exports_usd": _offdiag_rowsum(xm),
            "imports_usd": _offdiag_colsum(xm),
            "output_usd": yv,
            "expenditure_usd": ev,
            "omr": omr ** pw,
            "imr": p_index,
            "factory_gate_price": pr,
            "real_gdp": yv / p_index,
            "welfare": ev / p_index,
        }
    bil = {"baseline": sol.x_bln, "conditional": sol.x_cdl, "full": sol.x_full}
    return ScenarioResult(p.countries, cfg, sol.iterations, sol.converged, levels, bil)


def solve(
    baseline: pd.DataFrame | GEProblem,
    shock: pd.DataFrame | None = None,
    config: GEConfig | None = None,
) -> ScenarioResult:
    """Solve a structural-gravity general-equilibrium counterfactual (pure function).

    Parameters
    ----------
    baseline
        Tidy pair frame with columns ``exporter``, ``importer`` (ISO3), ``trade_usd`` (US$; all
        pairs of a square country set, intra-national flows included) and ``ln_t`` (log trade-cost
        term ``sum_k b_k x_ij,k``, see :func:`cost_term`; ``-inf`` for a pair with zero trade that
        cannot trade), or a :class:`GEProblem`.
    shock
        Pairs whose trade-cost term changes: ``exporter``, ``importer``, ``delta_ln_t`` (change of
        ``ln t_ij^(1-sigma)``, log points; e.g. ``-b_border`` to remove a border). ``None`` or an
        empty frame is the zero shock, which returns the baseline exactly.
    config
        :class:`GEConfig` (sigma, reference importer, method, tolerances). Default ``GEConfig()``.

    Returns
    -------
    ScenarioResult
        Baseline, conditional and full-endowment exports, imports, output, expenditure,
        multilateral resistances, factory-gate prices, real GDP and welfare by country, and
        bilateral trade.
    """
    cfg = config if config is not None else GEConfig()
    prob = baseline if isinstance(baseline, GEProblem) else build_problem(baseline, shock)
    if isinstance(baseline, GEProblem) and shock is not None:
        raise InvalidArgumentError("shock", "a frame with a GEProblem",
                                   "shock=None (the GEProblem already holds delta_ln_t)")
    if cfg.reference not in prob.countries:
        raise InvalidArgumentError("reference", cfg.reference, _preview(prob.countries))
    ref = prob.countries.index(cfg.reference)
    if not np.any(prob.delta_ln_t):
        # zero shock: conditional and full equilibria are the baseline by construction
        sol = _solve_exact(prob, cfg, ref)
    elif cfg.method == "exact":
        sol = _solve_exact(prob, cfg, ref)
    else:
        sol = _solve_geppml(prob, cfg, ref)
    return _result(prob, cfg, sol)


def _preview(values: Sequence[str], k: int = 30) -> str:
    vals = list(values)
    more = f" ... ({len(vals)} in all)" if len(vals) > k else ""
    return "one of the baseline countries: " + ", ".join(vals[:k]) + more
