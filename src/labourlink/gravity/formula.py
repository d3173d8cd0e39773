"""Parse fixest-style formulas and build the numeric design for the PPML engine.

Grammar (a subset of fixest/pyfixest)::

    depvar ~ term + term + ... [| fe + fe + ...]

A *term* is a column name, ``log(col)`` (natural log), a product ``a:b`` of numeric terms, ``1``
(keep the intercept, the default without fixed effects) or ``0`` / ``-1`` (drop it). A *fixed
effect* is a column name or a combination ``a^b[^c]`` (one effect per distinct combination).
With fixed effects the model has no separate intercept (it is absorbed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labourlink.errors import EstimationError

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_LOG_RE = re.compile(rf"^log\(\s*({_NAME})\s*\)$")
_NAME_RE = re.compile(rf"^{_NAME}$")
_EXPECTED_TERM = "a column name, log(column), a product a:b, 1, 0 or -1"


@dataclass(frozen=True, slots=True)
class Term:
    """One right-hand-side regressor: ``name`` as printed, built from ``factors``.

    Each factor is ``(function, column)`` with function ``""`` (identity) or ``"log"``.
    """

    name: str
    factors: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Data columns the term reads."""
        return tuple(col for _, col in self.factors)


@dataclass(frozen=True, slots=True)
class ParsedFormula:
    """A parsed formula: dependent column, regressors, fixed effects and the intercept flag."""

    formula: str
    depvar: str
    terms: tuple[Term, ...]
    fixef: tuple[tuple[str, ...], ...]
    intercept: bool

    @property
    def fixef_names(self) -> tuple[str, ...]:
        """Fixed-effect names as written (``a^b`` for combined effects)."""
        return tuple("^".join(fe) for fe in self.fixef)

    @property
    def coef_names(self) -> tuple[str, ...]:
        """Names of the coefficients, intercept first when there is one."""
        names = tuple(t.name for t in self.terms)
        return (("Intercept",) + names) if self.intercept else names


def _parse_factor(text: str, term: str, formula: str) -> tuple[str, str]:
    text = text.strip()
    m = _LOG_RE.match(text)
    if m:
        return ("log", m.group(1))
    if _NAME_RE.match(text):
        return ("", text)
    raise EstimationError(
        f"formula {formula!r}: cannot read the term {term.strip()!r}; "
        f"expected {_EXPECTED_TERM}"
    )


def parse_formula(formula: str) -> ParsedFormula:
    """Parse ``"y ~ x1 + log(x2) | fe1 + a^b"``.

    Parameters
    ----------
    formula : str
        fixest-style formula; see the module docstring for the grammar.

    Returns
    -------
    ParsedFormula

    Raises
    ------
    EstimationError
        If the formula has no ``~``, an empty side, more than one ``|`` or a term that is not in
        the grammar (the message quotes the term and lists what is expected).
    """
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise EstimationError(
            f"formula {formula!r}: expected exactly one '~', e.g. 'trade ~ rta | exp^year + imp^year'"
        )
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not lhs:
        raise EstimationError(f"formula {formula!r}: the dependent variable (left of '~') is empty")
    if not _NAME_RE.match(lhs):
        raise EstimationError(
            f"formula {formula!r}: dependent variable {lhs!r} must be a column name "
            "(PPML models the level of y; do not log it)"
        )
    parts = rhs.split("|")
    if len(parts) > 2:
        raise EstimationError(
            f"formula {formula!r}: expected at most one '|' separating regressors from fixed "
            "effects, e.g. 'y ~ x | fe1 + fe2'"
        )
    reg_part = parts[0].strip()
    fe_part = parts[1].strip() if len(parts) == 2 else ""
    if len(parts) == 2 and not fe_part:
        raise EstimationError(
            f"formula {formula!r}: nothing after '|'; list fixed effects like 'fe1 + a^b' or drop '|'"
        )

    terms: list[Term] = []
    intercept = True
    seen: set[str] = set()
    if reg_part:
        for raw in reg_part.split("+"):
            txt = raw.strip()
            if not txt:
                raise EstimationError(
                    f"formula {formula!r}: empty term (two '+' in a row or a trailing '+')"
                )
            if txt == "1":
                intercept = True
                continue
            if txt in ("0", "-1"):
                intercept = False
                continue
            factors = tuple(_parse_factor(f, txt, formula) for f in txt.split(":"))
            name = ":".join(f"log({c})" if fn == "log" else c for fn, c in factors)
            if name in seen:
                raise EstimationError(f"formula {formula!r}: the term {name!r} appears twice")
            seen.add(name)
            terms.append(Term(name=name, factors=factors))

    fixef: list[tuple[str, ...]] = []
    if fe_part:
        for raw in fe_part.split("+"):
            txt = raw.strip()
            cols = tuple(c.strip() for c in txt.split("^"))
            if not txt or not all(_NAME_RE.match(c) for c in cols):
                raise EstimationError(
                    f"formula {formula!r}: cannot read the fixed effect {txt!r}; expected a "
                    "column name or a combination like 'exp^year'"
                )
            if cols in fixef:
                raise EstimationError(f"formula {formula!r}: fixed effect {txt!r} appears twice")
            fixef.append(cols)
        intercept = False
    if not terms and not fixef and not intercept:
        raise EstimationError(f"formula {formula!r}: the model has no regressor and no fixed effect")
    return ParsedFormula(formula, lhs, tuple(terms), tuple(fixef), intercept)


def _require(data: pd.DataFrame, col: str, formula: str, role: str) -> pd.Series:
    if col not in data.columns:
        close = [c for c in map(str, data.columns) if c.lower() == col.lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise EstimationError(
            f"formula {formula!r}: {role} column {col!r} is not in the data{hint}; "
            f"available columns: {', '.join(map(str, data.columns))}"
        )
    return data[col]


def _numeric(s: pd.Series, col: str, formula: str, role: str) -> np.ndarray:
    if s.dtype == bool:
        return s.to_numpy(dtype=np.float64)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise EstimationError(
            f"formula {formula!r}: {role} column {col!r} has dtype {s.dtype}, expected numbers; "
            "put a categorical variable among the fixed effects (after '|')"
        )
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True, slots=True)
class Design:
    """Numeric arrays for one model, rows aligned with the input data.

    ``y`` (n,), ``X`` (n, k) float64 (C order), ``fe_codes`` (n_fe, n) int32 with -1 for a
    missing level, ``fe_levels`` the labels of each code, ``valid`` rows without missing or
    non-finite values.
    """

    y: np.ndarray
    X: np.ndarray
    fe_codes: np.ndarray
    fe_levels: tuple[FELevels, ...]
    valid: np.ndarray


@dataclass(frozen=True, slots=True)
class FELevels:
    """Labels of one (possibly combined) fixed effect, built only when asked for.

    ``uniques[j]`` are the sorted distinct values of column j; ``combo`` (n_levels, n_cols)
    holds, for each level code, the code of each column (None for a single column).
    """

    name: str
    uniques: tuple[pd.Index, ...]
    combo: np.ndarray | None

    @property
    def n_levels(self) -> int:
        """Number of levels."""
        return len(self.uniques[0]) if self.combo is None else int(self.combo.shape[0])

    def labels(self, used: np.ndarray | None = None) -> pd.Index:
        """Labels of the level codes ``used`` (all levels if None); ``a^b`` strings if combined."""
        if self.combo is None:
            lab = self.uniques[0]
            return lab if used is None else lab[used]
        combo = self.combo if used is None else self.combo[used]
        parts = [self.uniques[j][combo[:, j]].astype(str) for j in range(combo.shape[1])]
        out = parts[0]
        for p in parts[1:]:
            out = out + "^" + p
        return pd.Index(out, name=self.name)


def factorize_sorted(s: pd.Series) -> tuple[np.ndarray, pd.Index | np.ndarray]:
    """``pd.factorize(s, sort=True)``; integer columns of a bounded range by one bincount-like
    pass instead of hashing (5x faster on millions of rows; same codes and levels)."""
    v = s.to_numpy()
    if v.dtype.kind in "iu" and v.size:
        lo, hi = int(v.min()), int(v.max())
        span = hi - lo + 1
        if span <= 4 * v.size + 1024:
            present = np.zeros(span, dtype=bool)
            shifted = v - lo if lo else v
            present[shifted] = True
            remap = np.cumsum(present, dtype=np.int64) - 1
            return remap[shifted], (np.flatnonzero(present) + lo).astype(v.dtype)
    return pd.factorize(s, sort=True)


def factorize_fe(data: pd.DataFrame, cols: tuple[str, ...], formula: str) -> tuple[np.ndarray, FELevels]:
    """Integer codes (``-1`` for missing, sorted by level) and labels of one fixed effect."""
    series = [_require(data, c, formula, "fixed-effect") for c in cols]
    name = "^".join(cols)
    if len(series) == 1:
        codes, uniques = factorize_sorted(series[0])
        return codes.astype(np.int64), FELevels(name, (pd.Index(uniques, name=name),), None)
    col_codes, col_uniques = [], []
    for s in series:
        c, u = factorize_sorted(s)
        col_codes.append(c.astype(np.int64))
        col_uniques.append(pd.Index(u))
    sizes = [max(len(u), 1) for u in col_uniques]
    if float(np.prod([float(x) for x in sizes])) < 2.0**62:
        key = np.zeros(len(data), dtype=np.int64)
        missing = np.zeros(len(data), dtype=bool)
        for c, size in zip(col_codes, sizes, strict=True):
            key = key * size + np.maximum(c, 0)
            missing |= c < 0
        key[missing] = -1
        codes, ukeys = factorize_sorted(pd.Series(key, copy=False))
        codes = np.where(missing, -1, codes).astype(np.int64)
        ukeys = np.asarray(ukeys)
        if missing.any():  # -1 sorts first; drop it from the levels
            keep_levels = ukeys >= 0
            remap = np.cumsum(keep_levels) - 1
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
            ukeys = ukeys[keep_levels]
        combo = np.empty((ukeys.size, len(cols)), dtype=np.int64)
        rest = ukeys.copy()
        for j in range(len(cols) - 1, -1, -1):
            combo[:, j] = rest % sizes[j]
            rest //= sizes[j]
    else:  # astronomically many combinations: let pandas hash the tuples
        mi = pd.MultiIndex.from_arrays(col_codes)
        codes, uniq = pd.factorize(mi, sort=True)
        combo = np.array([list(t) for t in uniq], dtype=np.int64)
        miss = np.any(np.vstack(col_codes) < 0, axis=0)
        codes = np.where(miss, -1, codes).astype(np.int64)
    return codes.astype(np.int64), FELevels(name, tuple(col_uniques), combo)


def build_design(data: pd.DataFrame, parsed: ParsedFormula) -> Design:
    """Evaluate a parsed formula on ``data``.

    Returns
    -------
    Design
        ``valid`` is False for rows with a missing/non-finite dependent variable, regressor
        (``log`` of a non-positive value counts as non-finite) or fixed effect.

    Raises
    ------
    EstimationError
        Unknown column, non-numeric regressor, or negative dependent variable.
    """
    f = parsed.formula
    if not isinstance(data, pd.DataFrame):
        raise EstimationError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    y = _numeric(_require(data, parsed.depvar, f, "dependent"), parsed.depvar, f, "dependent")
    n = len(y)
    cols: list[np.ndarray] = []
    if parsed.intercept:
        cols.append(np.ones(n))
    for term in parsed.terms:
        v = np.ones(n)
        for fn, col in term.factors:
            x = _numeric(_require(data, col, f, "regressor"), col, f, "regressor")
            if fn == "log":
                with np.errstate(divide="ignore", invalid="ignore"):
                    x = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
            v = v * x
        cols.append(v)
    X = np.ascontiguousarray(np.column_stack(cols)) if cols else np.empty((n, 0))
    codes_list: list[np.ndarray] = []
    levels: list[FELevels] = []
    for fe in parsed.fixef:
        c, lab = factorize_fe(data, fe, f)
        codes_list.append(c)
        levels.append(lab)
    code_type = np.int32 if all(lv.n_levels < 2**31 - 1 for lv in levels) else np.int64
    fe_codes = (np.vstack([c.astype(code_type) for c in codes_list]) if codes_list
                else np.empty((0, n), dtype=code_type))
    valid = np.isfinite(y) & np.isfinite(X).all(axis=1) & (fe_codes >= 0).all(axis=0)
    if np.any(y[valid] < 0):
        bad = int(np.flatnonzero(valid & (y < 0))[0])
        raise EstimationError(
            f"formula {f!r}: dependent variable {parsed.depvar!r} has negative values (first at "
            f"row {bad}: {y[bad]!r}); Poisson PML needs y >= 0"
        )
    return Design(y=y, X=X, fe_codes=fe_codes, fe_levels=tuple(levels), valid=valid)
