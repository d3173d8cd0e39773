"""The public entry point :func:`ppml`: checks inputs, drops what cannot be estimated, delegates.

Order of work: parse the formula and build arrays; drop rows with missing values (and zero
weights); then repeat until nothing changes: singletons (if ``drop_singletons``), fixed-effect
separation, simplex separation (regressors only, models without fixed effects) and ReLU
separation; then IRLS (:mod:`labourlink.gravity.irls`) and the vcov
(:mod:`labourlink.gravity.covariance`). Before the (costlier) ReLU check the model is fitted once:
when the last weighted least squares of that fit proves that no row is separated (a dual
certificate, :func:`labourlink.gravity.separation.fit_certificate_values`) the check is skipped
and the fit kept; otherwise the check runs and the fit is kept if it drops nothing.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from labourlink.errors import ConvergenceWarning, EstimationError, InvalidArgumentError
from labourlink.gravity.covariance import FixefK, compute_vcov, parse_vcov
from labourlink.gravity.demean import FixedEffects
from labourlink.gravity.formula import build_design, factorize_sorted, parse_formula
from labourlink.gravity.irls import IRLSOutput, IRLSSettings, fit_ppml_irls
from labourlink.gravity.results import FitRecord, PPMLResult
from labourlink.gravity.separation import (
    fe_checks,
    relu_separation,
    simplex_separation,
    validate_methods,
)

_FIRST_TRY_MAX_ITER = 30
"""IRLS iterations of the fit tried before the ReLU check (a sample with separated rows does
not converge: the check then runs and the model is fitted again on what it leaves); 0 runs the
ReLU check first, as before the fit certificate (ablation)."""


@dataclass(frozen=True, slots=True)
class _Sample:
    """Arrays of one estimation sample (``idx``: its rows in the arrays it was taken from)."""

    idx: np.ndarray
    y: np.ndarray
    X: np.ndarray
    fe: FixedEffects | None
    w: np.ndarray | None
    off: np.ndarray | None
    levels: tuple[np.ndarray, ...]  # per fixed effect: the level of each (compact) code

    @classmethod
    def of(cls, idx: np.ndarray, y: np.ndarray, X: np.ndarray, codes: np.ndarray,
           w: np.ndarray | None, off: np.ndarray | None,
           levels: tuple[np.ndarray, ...] | None = None) -> _Sample:
        """The rows ``idx`` of full-sample arrays (``codes`` (n_fe, n); no fixed effects: 0 rows;
        ``levels``: the level of each of those codes, when they are compact codes themselves)."""
        fe: FixedEffects | None = None
        lev: list[np.ndarray] = []
        if codes.shape[0]:
            fe, lev = FixedEffects.compact(codes, idx)
            if levels is not None:
                lev = [levels[q][g] for q, g in enumerate(lev)]
        return cls(idx, y[idx], np.ascontiguousarray(X[idx]), fe,
                   w[idx] if w is not None else None, off[idx] if off is not None else None,
                   tuple(lev))

    def subset(self, pos: np.ndarray) -> _Sample:
        """The rows ``pos`` of this sample (``idx`` of the result: ``pos``)."""
        return _Sample.of(pos, self.y, self.X,
                          self.fe.codes if self.fe is not None else np.zeros((0, self.y.size)),
                          self.w, self.off, self.levels)


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS/LAPACK on one thread (threadpoolctl, if installed).

    The engine's dense algebra is on small matrices or tall-thin products where threads do not
    help; on a loaded 2-core machine OpenBLAS threads spin and slow a 250x250 ``eigh`` 100-fold.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it BLAS keeps its default threads
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


PARALLEL_MIN_ROWS = 100_000
"""Smaller fits run the numba kernels on one thread (waking threads costs more than it saves)."""


@contextlib.contextmanager
def _numba_threads(n_rows: int) -> Iterator[None]:
    """All numba threads for large fits, one thread below :data:`PARALLEL_MIN_ROWS` rows.

    ``numba.set_num_threads`` is per calling thread, so concurrent fits do not interfere.
    The thread count of large fits follows numba (``NUMBA_NUM_THREADS``, default: all cores).
    """
    import numba

    layer: str
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet in this process
        layer = "unknown"
    # numba's "workqueue" fallback (no OpenMP/TBB runtime) aborts on concurrent launches from
    # two threads: serialise fits then (and until the layer is known)
    lock = _FIT_LOCK if layer not in ("omp", "tbb") else contextlib.nullcontext()
    with lock:
        before = numba.get_num_threads()
        if n_rows < PARALLEL_MIN_ROWS:
            numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(before)


_FIT_LOCK = threading.RLock()


def _simplex_checks(y: np.ndarray, X: np.ndarray, sample: np.ndarray, separated: np.ndarray,
                    methods: tuple[str, ...]) -> None:
    """Simplex separation (models without fixed effects) to a fixed point, in place."""
    while "simplex" in methods and X.shape[1]:
        idx = np.flatnonzero(sample)
        s = simplex_separation(y[idx], X[idx])
        if not s.any():
            return
        separated[idx[s]] = True
        sample[idx[s]] = False


def _column_or_array(data: pd.DataFrame, value: str | Sequence[float] | np.ndarray | None,
                     name: str) -> tuple[np.ndarray | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        if value not in data.columns:
            raise InvalidArgumentError(name, value, f"a column of the data ({', '.join(map(str, data.columns))}) or an array")
        s = data[value]
        if not pd.api.types.is_numeric_dtype(s.dtype):
            raise EstimationError(f"{name} column {value!r} has dtype {s.dtype}, expected numbers")
        return s.to_numpy(dtype=np.float64, na_value=np.nan), value
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (len(data),):
        raise EstimationError(f"{name} has shape {arr.shape}; expected ({len(data)},), one value per row")
    return arr, None


def ppml(
    data: pd.DataFrame,
    formula: str,
    vcov: str | dict[str, str] = "hetero",
    weights: str | Sequence[float] | np.ndarray | None = None,
    offset: str | Sequence[float] | np.ndarray | None = None,
    drop_singletons: bool = True,
    tol: float = 1e-8,
    max_iter: int = 100,
    *,
    separation: Sequence[str] = ("fe", "simplex", "relu"),
    fixef_tol: float = 1e-8,
    fixef_maxiter: int = 10_000,
    collin_tol: float = 1e-9,
    fixef_k: FixefK = "nested",
) -> PPMLResult:
    """Poisson pseudo-maximum likelihood with high-dimensional fixed effects.

    Parameters
    ----------
    data : DataFrame
        One row per observation (e.g. exporter, importer, year).
    formula : str
        ``"y ~ x1 + log(x2) | fe1 + a^b"`` (fixest syntax; see :mod:`labourlink.gravity.formula`).
        ``y`` is in levels (e.g. trade in US$, migrant stock in persons), never logged.
    vcov : {"hetero", "iid"} or {"CRV1": "col"} or {"CRV1": "col1+col2"}
        Coefficient covariance: heteroskedasticity-robust (HC1, default), classical, clustered
        one-way, or two-way (Cameron-Gelbach-Miller); small-sample corrections as fixest/pyfixest.
    weights : column name or array, optional
        Observation weights (>= 0; rows with weight 0 are dropped).
    offset : column name or array, optional
        Offset on the log scale (coefficient fixed at 1).
    drop_singletons : bool
        Drop observations alone in a fixed-effect group (reported in ``singleton``).
    tol : float
        IRLS tolerance on ``|dev - dev_old| / (0.1 + |dev_old|)``.
    max_iter : int
        Maximum IRLS iterations; when reached, ``converged`` is False and a
        :class:`~labourlink.errors.ConvergenceWarning` is issued.
    separation : sequence of {"fe", "simplex", "relu"}
        Separation checks to run (all by default).
    fixef_tol, fixef_maxiter : float, int
        Final tolerance and iteration cap of the fixed-effect demeaning.
    collin_tol : float
        Tolerance of the collinearity check (regressors dropped are listed in ``collinear``).
    fixef_k : {"nested", "none"}
        Fixed-effect levels counted in the small-sample correction (fixest ``ssc(fixef.K=)``):
        ``"nested"`` as fixest/pyfixest (default) or ``"none"`` as Stata ``ppml`` and the R
        replication of Yotov et al. (2016).

    Returns
    -------
    PPMLResult

    Raises
    ------
    EstimationError
        Bad formula or columns, negative ``y``, nothing left to estimate.
    InvalidArgumentError
        Unknown vcov or separation method, bad tolerances.
    """
    with _single_threaded_blas(), _numba_threads(len(data)):
        return _ppml(data, formula, vcov, weights, offset, drop_singletons, tol, max_iter,
                     separation, fixef_tol, fixef_maxiter, collin_tol, fixef_k)


def _ppml(
    data: pd.DataFrame,
    formula: str,
    vcov: str | dict[str, str],
    weights: str | Sequence[float] | np.ndarray | None,
    offset: str | Sequence[float] | np.ndarray | None,
    drop_singletons: bool,
    tol: float,
    max_iter: int,
    separation: Sequence[str],
    fixef_tol: float,
    fixef_maxiter: int,
    collin_tol: float,
    fixef_k: FixefK = "nested",
) -> PPMLResult:
    parsed = parse_formula(formula)
    spec = parse_vcov(vcov)
    methods = validate_methods(separation)
    settings = IRLSSettings(tol=tol, max_iter=max_iter, fixef_tol=fixef_tol,
                            fixef_maxiter=fixef_maxiter, collin_tol=collin_tol)
    design = build_design(data, parsed)
    n_in = len(design.y)
    valid = design.valid.copy()
    w_in, _ = _column_or_array(data, weights, "weights")
    off_in, off_col = _column_or_array(data, offset, "offset")
    if w_in is not None:
        if np.any(w_in[np.isfinite(w_in)] < 0):
            raise EstimationError("weights must be >= 0; found negative values")
        valid &= np.isfinite(w_in) & (w_in > 0)
    if off_in is not None:
        valid &= np.isfinite(off_in)
    cluster_raw: list[np.ndarray | None] = []
    fe_cols = {cols[0]: q for q, cols in enumerate(parsed.fixef) if len(cols) == 1}
    for col in spec.clusters:
        if col not in data.columns:
            raise InvalidArgumentError("vcov", vcov, f"cluster columns from the data ({', '.join(map(str, data.columns))})")
        if col in fe_cols:  # its codes will be the fixed effect's (rows without it are dropped)
            cluster_raw.append(None)
            continue
        codes = np.asarray(factorize_sorted(data[col])[0])
        valid &= codes >= 0
        cluster_raw.append(codes)

    y_all = design.y
    if not (y_all[valid] > 0).any():
        raise EstimationError(
            f"formula {formula!r}: the dependent variable is 0 on every row with complete data; "
            "PPML needs some positive values"
        )
    has_fe = design.fe_codes.shape[0] > 0
    separated = np.zeros(n_in, dtype=bool)
    single = np.zeros(n_in, dtype=bool)
    sample = valid.copy()
    # the cheap checks on all rows, then everything on the rows left (the candidates): the
    # full-sample arrays are released before any fit (the peak memory is reached in IRLS)
    if has_fe:
        # singletons and fixed-effect separation to a fixed point (compiled, in place)
        fe_checks(design.fe_codes, y_all, sample, single, separated,
                  drop_singletons=drop_singletons, fe="fe" in methods)
    else:
        _simplex_checks(y_all, design.X, sample, separated, methods)
    rows = np.flatnonzero(sample)
    cand = _Sample.of(rows, y_all, design.X, design.fe_codes, w_in, off_in)
    fe_labels = design.fe_levels
    cl_cand = [c[rows] if c is not None else None for c in cluster_raw]
    del design, y_all, w_in, off_in, cluster_raw, valid

    # on the candidates: ``cur`` the rows still in; ``c_single``/``c_sep`` the rows dropped
    cur = np.ones(rows.size, dtype=bool)
    c_single = np.zeros(rows.size, dtype=bool)
    c_sep = np.zeros(rows.size, dtype=bool)
    # A fit on the sample left by the cheap checks, reused when ReLU is skipped or finds nothing
    fitted: tuple[np.ndarray, _Sample, IRLSOutput] | None = None
    first_try = True
    for round_ in range(100):
        if round_ and cand.fe is not None:  # the ReLU check dropped rows: cheap checks again
            fe_checks(cand.fe.codes, cand.y, cur, c_single, c_sep,
                      drop_singletons=drop_singletons, fe="fe" in methods)
        elif round_:
            _simplex_checks(cand.y, cand.X, cur, c_sep, methods)
        if "relu" not in methods or not cur.any() or not (cand.y[cur] == 0).any():
            break
        pos = np.flatnonzero(cur)  # positions among the candidates
        smp = cand if pos.size == cur.size else cand.subset(pos)
        if first_try and _FIRST_TRY_MAX_ITER > 0 and (smp.y > 0).any():
            # A cheaper certificate first: fit, then test the dual certificate that the last
            # weighted least squares of IRLS provides (fit_certificate_values); when it holds no
            # row is separated and the ReLU check is skipped. On gravity panels after the
            # fixed-effect check this is the usual outcome.
            first_try = False
            cap = min(max_iter, _FIRST_TRY_MAX_ITER)
            out = fit_ppml_irls(smp.y, smp.X, smp.fe, weights=smp.w, offset=smp.off,
                                settings=replace(settings, max_iter=cap), certify=True)
            if out.converged or cap == max_iter:
                fitted = (pos, smp, out)
                if out.certified:
                    break
        s, ok = relu_separation(smp.y, smp.X, smp.fe)
        if not ok:
            # Unproven candidates are kept: dropping rows that are not shown to be separated
            # would change the estimate silently. If some are separated, IRLS will not
            # converge and the result says so (converged=False).
            warnings.warn(
                f"PPML {formula!r}: the ReLU separation check did not converge; its "
                f"{int(s.sum())} unproven candidate rows are kept. Check `converged`, or pass "
                "separation=('fe', 'simplex') to skip the ReLU check",
                ConvergenceWarning,
                stacklevel=3,
            )
            break
        if not s.any():
            break
        dropped = pos[s]
        c_sep[dropped] = True
        cur[dropped] = False
        fitted = None  # the sample changed: that fit is of no use any more

    single[rows[c_single]] = True
    separated[rows[c_sep]] = True
    sample[rows[~cur]] = False
    idx = np.flatnonzero(sample)
    if idx.size == 0:
        raise EstimationError(f"formula {formula!r}: no observation left after dropping missing "
                              "values, singletons and separated observations")
    if not (cand.y[cur] > 0).any():
        raise EstimationError(f"formula {formula!r}: the dependent variable is 0 on every row used")
    keep_pos = np.flatnonzero(cur)
    prior: IRLSOutput | None = None
    if fitted is not None and np.array_equal(fitted[0], keep_pos):
        _, smp, prior = fitted  # the sample did not change since that fit
    else:
        smp = cand if keep_pos.size == cur.size else cand.subset(keep_pos)
    y, X, fe, w_user, off_s = smp.y, smp.X, smp.fe, smp.w, smp.off
    # compact code g <-> g-th level present in the sample; labels are built in fixef()
    fe_levels = tuple(zip(fe_labels, smp.levels, strict=True)) if fe is not None else ()
    cl_codes: list[np.ndarray] = []
    for col, c in zip(spec.clusters, cl_cand, strict=True):
        if c is None:  # a cluster column that is a fixed effect: its compact codes
            assert fe is not None
            cl_codes.append(fe.codes[fe_cols[col]].astype(np.int64))
        else:
            cl_codes.append(np.asarray(factorize_sorted(pd.Series(c[keep_pos], copy=False))[0],
                                       dtype=np.int64))
    del cand, cl_cand, fitted, smp

    out = prior if prior is not None else fit_ppml_irls(y, X, fe, weights=w_user,
                                                         offset=off_s, settings=settings)
    del prior
    names = parsed.coef_names
    collinear = tuple(n for n, k in zip(names, out.keep, strict=True) if not k)
    coef_names = tuple(n for n, k in zip(names, out.keep, strict=True) if k)
    if not out.converged:
        if out.iterations < max_iter and not out.demean_converged:
            why = (f"the fixed-effect demeaning did not reach fixef_tol={fixef_tol} (IRLS "
                   f"stopped after {out.iterations} iterations at tol={tol}); the result has "
                   "converged=False. Loosen fixef_tol (1e-12 is about what double precision "
                   "allows on wide panels) or raise fixef_maxiter")
        else:
            why = (f"did not converge in {out.iterations} IRLS iterations (tol={tol}); the "
                   "result has converged=False. Raise max_iter or check the data")
        warnings.warn(f"PPML {formula!r}: {why}", ConvergenceWarning, stacklevel=2)
    V, df_k = compute_vcov(
        spec, Xd=out.Xd, w=out.w, resid=out.resid,
        fe_codes=fe.codes if fe is not None else np.empty((0, idx.size), dtype=np.int32),
        fe_names=parsed.fixef_names,
        n_groups=fe.n_groups if fe is not None else np.zeros(0, dtype=np.int64),
        cluster_codes=cl_codes, fixef_k=fixef_k,
    )
    record = FitRecord(
        parsed=parsed, coef_names=coef_names, beta=out.beta, vcov=V, vcov_label=spec.label,
        df_k=df_k, nobs_input=n_in, sample=sample, separated=separated, singleton=single,
        collinear=collinear, converged=out.converged, iterations=out.iterations,
        demean_iterations=out.demean_iterations, deviance=out.deviance, weights=w_user,
        y=y, eta=out.eta, offset=off_s,
        X_kept=X[:, out.keep], fe=fe, fe_levels=fe_levels, offset_col=off_col,
    )
    return PPMLResult(record)
