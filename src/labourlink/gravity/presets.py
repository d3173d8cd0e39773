"""Named model presets: the trade-migration model suite, replications and migration gravity.

``labourlink estimate --list`` prints :data:`PRESETS`; ``run_preset(name)`` estimates every model
of a preset on its panel (:mod:`labourlink.gravity.panel`) and returns a :class:`PresetRun`.

Coefficients are in log points: for a logged regressor (``log_dist``, ``log_mig``: log(1 +
persons)) an elasticity, for a 0/1 dummy a semi-elasticity (``exp(b) - 1`` is the proportional
change). The migrant networks are named once in :mod:`labourlink.gravity.panel` (``mig_imp``:
born in the exporter, living in the importer; ``mig_exp``: born in the importer, living in the
exporter; ``mig``: both).

Replication presets use the book's names and terms so they can be checked against it:
``yotov-ch1-ols`` and ``yotov-ch1-ppml`` (Yotov et al. 2016, Table 1; terms ``log_dist``,
``cntg``, ``lang``, ``clny``), ``yotov-rta-pairfe`` (term ``rta``) and ``fixest-trade`` (term
``log_dist_km``). OLS is done here with ``numpy.linalg.lstsq`` (fixed effects absorbed by the
engine's demeaning) and fixest-style clustered standard errors (:func:`ols`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from labourlink.errors import EstimationError, InvalidArgumentError
from labourlink.gravity.covariance import FixefK
from labourlink.gravity.formula import build_design, parse_formula
from labourlink.gravity.panel import PANELS, build_panel, migration_panel

Estimator = Literal["ppml", "ols"]
VCOV_CHOICES = ("hetero", "iid", "cluster:<column>", "twoway")
DATA_CHOICES = (*PANELS, "migration")


# --- vcov vocabulary -------------------------------------------------------------------------------
def vcov_argument(spec: str, panel: str = "wto") -> str | dict[str, str]:
    """Translate the CLI vocabulary into the engine's ``vcov`` argument.

    ``hetero`` / ``iid`` as is; ``cluster:COL`` -> ``{"CRV1": "COL"}`` (``cluster:a+b`` two-way);
    ``twoway`` -> clustered by exporter and importer (origin and destination for migration).
    """
    if spec in ("hetero", "iid"):
        return spec
    if spec == "twoway":
        return {"CRV1": "orig+dest" if panel == "migration" else "exp+imp"}
    if spec.startswith("cluster:") and spec[len("cluster:"):].strip():
        return {"CRV1": spec[len("cluster:"):].strip()}
    raise InvalidArgumentError("vcov", spec, VCOV_CHOICES)


# --- OLS (replications of the book's OLS columns) -----------------------------------------------
class OLSResult:
    """Read-only OLS results with the same reading interface as :class:`PPMLResult`
    (``tidy()``, ``coef()``, ``se()``, ``nobs``, ``converged``, ``separated``)."""

    __slots__ = ("_tidy", "_formula", "_nobs", "_r2", "_vcov_label", "_sample", "_V")
    _tidy: pd.DataFrame
    _formula: str
    _nobs: int
    _r2: float
    _vcov_label: str
    _sample: np.ndarray
    _V: np.ndarray

    def __init__(self, formula: str, tidy: pd.DataFrame, nobs: int, r2: float, vcov_label: str,
                 sample: np.ndarray, V: np.ndarray) -> None:
        for k, v in (("_tidy", tidy), ("_formula", formula), ("_nobs", nobs), ("_r2", r2),
                     ("_vcov_label", vcov_label), ("_sample", sample), ("_V", V)):
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("OLSResult is read-only")

    def tidy(self) -> pd.DataFrame:
        """estimate, std_error, t_value (as z_value), p_value, conf_low, conf_high by term."""
        return self._tidy.copy()

    def coef(self) -> pd.Series:
        """Coefficients by term."""
        return self.tidy()["estimate"]

    def se(self) -> pd.Series:
        """Standard errors by term."""
        return self.tidy()["std_error"]

    @property
    def vcov(self) -> pd.DataFrame:
        """Coefficient covariance matrix."""
        names = list(self._tidy.index)
        return pd.DataFrame(self._V.copy(), index=names, columns=names)

    @property
    def formula(self) -> str:
        """The formula as given."""
        return self._formula

    @property
    def nobs(self) -> int:
        """Observations used."""
        return self._nobs

    @property
    def r2(self) -> float:
        """R-squared."""
        return self._r2

    @property
    def pseudo_r2(self) -> float | None:
        """None (OLS: see ``r2``)."""
        return None

    @property
    def vcov_label(self) -> str:
        """Description of the standard errors."""
        return self._vcov_label

    @property
    def converged(self) -> bool:
        """Always True (closed form)."""
        return True

    @property
    def separated(self) -> np.ndarray:
        """No separation in OLS (all False)."""
        return np.zeros(len(self._sample), dtype=bool)

    @property
    def sample(self) -> np.ndarray:
        """Rows used (bool, aligned with the input rows)."""
        return self._sample.copy()

    def summary(self) -> str:
        """Printable summary."""
        return (f"OLS: {self._formula}\nObservations: {self._nobs:,}   R2: {self._r2:.4f}   "
                f"vcov: {self._vcov_label}\n" + self._tidy.to_string())

    def __repr__(self) -> str:
        return self.summary()


def ols(data: pd.DataFrame, formula: str, vcov: str | dict[str, str] = "hetero", *,
        fixef_k: FixefK = "nested") -> OLSResult:
    """Ordinary least squares (``numpy.linalg.lstsq``), with fixed effects absorbed by the
    engine's demeaning (:func:`labourlink.gravity.demean.demean`) when the formula has ``|``.

    Parameters
    ----------
    data : DataFrame
    formula : str
        ``"log_trade ~ log_dist + cntg [| exp^year + imp^year]"`` (the PPML engine's grammar);
        the dependent variable is used as given (log it in the data for log-linear gravity).
    vcov : "hetero", "iid" or {"CRV1": "col"}
        HC1, classical, or one-way clustered with the fixest small-sample factor
        ``G/(G-1) * (n-1)/(n-K)``, K = regressors + fixed-effect levels not nested in the
        cluster (fixest's default ``fixef.K = "nested"``). R2 is that of the full model.
    fixef_k : {"nested", "none"}
        ``"none"`` counts no fixed-effect level in K (Stata / the R replication of Yotov et al.).

    Returns
    -------
    OLSResult
    """
    parsed = parse_formula(formula)
    if parsed.depvar not in data.columns:
        raise EstimationError(f"formula {formula!r}: dependent column {parsed.depvar!r} is not in "
                              f"the data; available: {', '.join(map(str, data.columns))}")
    y_all = pd.to_numeric(data[parsed.depvar], errors="coerce").to_numpy(dtype=np.float64)
    # the engine's design builder checks y >= 0 (Poisson); OLS takes any finite y
    design = build_design(data.assign(**{parsed.depvar: np.where(np.isfinite(y_all), 0.0, np.nan)}),
                          parsed)
    sample = design.valid.copy()
    cl = None
    label = "hetero (HC1)"
    if isinstance(vcov, dict):
        col = vcov.get("CRV1", "")
        if not col or "+" in col or col not in data.columns:
            raise InvalidArgumentError("vcov", vcov, "a single cluster column of the data")
        codes = pd.factorize(data[col])[0]
        sample &= codes >= 0
        cl = codes
        label = f"clustered ({col})"
    elif vcov not in ("hetero", "iid"):
        raise InvalidArgumentError("vcov", vcov, ("hetero", "iid", "{'CRV1': col}"))
    elif vcov == "iid":
        label = "iid"
    y = y_all[sample]
    X = design.X[sample]
    n, k = X.shape
    k_fe = 0
    y_raw = y
    if parsed.fixef:
        from labourlink.gravity.demean import FixedEffects, demean

        fe = FixedEffects.from_codes(design.fe_codes[:, sample])
        Yd, ok, _ = demean(np.column_stack([y, X]), fe, np.ones(n), tol=1e-10)
        if not ok:
            raise EstimationError(f"formula {formula!r}: demeaning did not converge")
        y, X = Yd[:, 0].copy(), np.ascontiguousarray(Yd[:, 1:])
        nested = [cl is not None and bool(
            (pd.DataFrame({"f": fe.codes[q], "c": cl[sample]}).groupby("f")["c"].nunique() == 1).all())
            for q in range(fe.n_fe)]
        k_fe = int(sum(int(g) for g, nest in zip(fe.n_groups, nested, strict=True) if not nest)
                   - max(sum(1 for nest in nested if not nest) - 1, 0))
        if fixef_k == "none":
            k_fe = 0
    if n <= k + k_fe:
        raise EstimationError(f"formula {formula!r}: {n} observations for {k + k_fe} coefficients")
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    XtX_inv = np.linalg.pinv(X.T @ X)
    if cl is not None:
        g = pd.factorize(cl[sample])[0]
        G = int(g.max()) + 1
        S = np.zeros((G, k))
        for j in range(k):
            S[:, j] = np.bincount(g, weights=X[:, j] * e, minlength=G)
        V = XtX_inv @ (S.T @ S) @ XtX_inv * (G / (G - 1)) * ((n - 1) / (n - k - k_fe))
    elif vcov == "hetero":
        V = XtX_inv @ ((X * (e**2)[:, None]).T @ X) @ XtX_inv * (n / (n - k - k_fe))
    else:
        V = XtX_inv * float(e @ e) / (n - k - k_fe)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    t = beta / se
    dof = (G - 1) if cl is not None else (n - k - k_fe)
    p = 2 * stats.t.sf(np.abs(t), dof)
    q = stats.t.ppf(0.975, dof)
    tidy = pd.DataFrame({"estimate": beta, "std_error": se, "z_value": t, "p_value": p,
                         "conf_low": beta - q * se, "conf_high": beta + q * se},
                        index=pd.Index(parsed.coef_names, name="term"))
    r2 = 1.0 - float(e @ e) / float(((y_raw - y_raw.mean()) ** 2).sum())
    return OLSResult(formula, tidy, int(n), r2, label, sample, V)


# --- presets -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model of a preset: a label, a formula, the estimator and a sample restriction
    (a ``DataFrame.query`` expression over the panel, e.g. ``"domestic == 0"``)."""

    label: str
    formula: str
    estimator: Estimator = "ppml"
    sample: str | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    """A named set of models estimated on one panel with one kind of standard errors."""

    name: str
    description: str
    data: str
    models: tuple[ModelSpec, ...]
    vcov: str = "cluster:pair"
    years: tuple[int, ...] | None = None
    reference: str = ""
    fixef_k: FixefK = "nested"

    def __post_init__(self) -> None:
        if self.data not in DATA_CHOICES:
            raise InvalidArgumentError("data", self.data, DATA_CHOICES)
        vcov_argument(self.vcov, self.data)


_GEO = "log_dist + cntg + lang + clny"
_STRUCT = "exp^year + imp^year"
_WTO_YEARS = tuple(y for y in range(2000, 2021) if y != 2009)

_LIST: tuple[Preset, ...] = (
    Preset("traditional", "Traditional gravity: log distance, geography, log GDPs, RTA, year FE; "
           "without and with the bilateral migrant network (log(1 + mig))", "wto",
           (ModelSpec("traditional", f"trade ~ {_GEO} + log_gdp_exp + log_gdp_imp + rta | year"),
            ModelSpec("traditional + mig",
                      f"trade ~ {_GEO} + log_gdp_exp + log_gdp_imp + rta + log_mig | year"))),
    Preset("structural", "Structural gravity: exporter-year and importer-year FE, geography, RTA "
           "and the bilateral migrant network", "wto",
           (ModelSpec("structural", f"trade ~ {_GEO} + rta | {_STRUCT}"),
            ModelSpec("structural + mig", f"trade ~ {_GEO} + rta + log_mig | {_STRUCT}"))),
    Preset("pair-fe", "Parsons (2012) check: does the migration effect survive pair fixed "
           "effects? Structural gravity without and with directed-pair FE", "wto",
           (ModelSpec("structural", f"trade ~ {_GEO} + rta + log_mig | {_STRUCT}"),
            ModelSpec("pair FE", f"trade ~ rta + log_mig | {_STRUCT} + pair"))),
    Preset("pair-fe-positive", "Parsons check on pairs with a positive migrant stock: log(mig) "
           "(zeros dropped) instead of log(1 + mig), without and with pair FE", "wto",
           (ModelSpec("structural", f"trade ~ {_GEO} + rta + log(mig) | {_STRUCT}"),
            ModelSpec("pair FE", f"trade ~ rta + log(mig) | {_STRUCT} + pair"))),
    Preset("migration-augmented", "Both network directions (importer-side mig_imp, exporter-side "
           "mig_exp), current and lagged 5 and 10 years, structural FE", "wto",
           (ModelSpec("both directions", f"trade ~ {_GEO} + rta + log_mig_imp + log_mig_exp | {_STRUCT}"),
            ModelSpec("lag 5", f"trade ~ {_GEO} + rta + log_mig_imp_lag5 + log_mig_exp_lag5 | {_STRUCT}"),
            ModelSpec("lag 10", f"trade ~ {_GEO} + rta + log_mig_imp_lag10 + log_mig_exp_lag10 | {_STRUCT}"),
            ModelSpec("both, pair FE", f"trade ~ rta + log_mig_imp + log_mig_exp | {_STRUCT} + pair"))),
    Preset("escap", "ESCAP-pair interactions: migration and RTA effects for pairs of ESCAP members "
           "(escap_pair = 1) against the world sample, without and with pair FE", "wto",
           (ModelSpec("structural", f"trade ~ {_GEO} + rta + rta:escap_pair + log_mig + "
                      f"log_mig:escap_pair | {_STRUCT}"),
            ModelSpec("pair FE", f"trade ~ rta + rta:escap_pair + log_mig + log_mig:escap_pair | "
                      f"{_STRUCT} + pair"))),
    Preset("rta", "RTA effects (WTO RTA-IS, goods agreements in force): structural gravity and "
           "with pair FE (endogeneity)", "wto",
           (ModelSpec("structural", f"trade ~ {_GEO} + rta | {_STRUCT}"),
            ModelSpec("pair FE", f"trade ~ rta | {_STRUCT} + pair"))),
    Preset("rta-mnp", "RTAs with a movement-of-natural-persons chapter (governance registry) "
           "against other RTAs, with the bilateral migrant network: structural and pair FE", "wto",
           (ModelSpec("structural", f"trade ~ {_GEO} + rta + rta_mnp + log_mig | {_STRUCT}"),
            ModelSpec("pair FE", f"trade ~ rta + rta_mnp + log_mig | {_STRUCT} + pair"))),
    Preset("migration-gravity", "Migration gravity: bilateral migrant stocks (persons) on distance, "
           "language, colony, income gap (log GDP pc PPP destination - origin), RTAs and bilateral "
           "labour agreements", "migration",
           (ModelSpec("income gap", f"stock ~ {_GEO} + income_gap + rta + bla | orig + dest + year"),
            ModelSpec("structural", f"stock ~ {_GEO} + rta + bla | orig^year + dest^year")),
           vcov="cluster:pair"),
    Preset("yotov-ch1-ols", "Yotov et al. (2016) Table 1 columns (1) and (3): OLS of log trade on "
           "log distance, contiguity, language, colony, and log output and log expenditure (1) or "
           "exporter-year and importer-year FE (3); 1986-2006 every 4 years, international "
           "positive flows; clustered by pair_id", "yotov",
           (ModelSpec("(1) OLS", "log_trade ~ log_dist + cntg + lang + clny + log_y + log_e",
                      "ols", "domestic == 0 and trade > 0"),
            ModelSpec("(3) OLS + FE", f"log_trade ~ {_GEO} | {_STRUCT}", "ols",
                      "domestic == 0 and trade > 0")),
           vcov="cluster:pair_id", fixef_k="none",
           reference="PUBLISHED_RESULTS.md B1 (1), (3): log_dist -1.002 (0.027), -1.216 (0.038)"),
    Preset("yotov-ch1-ppml", "Yotov et al. (2016) Table 1 column (4): PPML with exporter-year and "
           "importer-year FE, international flows; clustered by pair_id", "yotov",
           (ModelSpec("(4) PPML", f"trade ~ {_GEO} | {_STRUCT}", "ppml", "domestic == 0"),),
           vcov="cluster:pair_id", fixef_k="none",
           reference="PUBLISHED_RESULTS.md B1 (4): log_dist -0.841 (0.032)"),
    Preset("yotov-rta-pairfe", "Yotov et al. (2016) Ch. 1 Application 3, RTA with pair FE "
           "(endogeneity): PPML, exporter-year, importer-year and pair FE, intra-national flows "
           "included; clustered by pair_id", "yotov",
           (ModelSpec("pair FE", f"trade ~ rta | {_STRUCT} + pair_id"),),
           vcov="cluster:pair_id", fixef_k="none",
           reference="PUBLISHED_RESULTS.md B3: rta 0.5572 (0.1022), N 28,482"),
    Preset("fixest-trade", "fixest walkthrough: PPML of EU15 trade (EUR) on log distance with "
           "origin, destination, product and year FE; clustered by origin", "fixest",
           (ModelSpec("fixest trade", "trade ~ log_dist_km | exp + imp + product + year"),),
           vcov="cluster:exp", reference="PUBLISHED_RESULTS.md A1: -1.52787 (0.115678)"),
)

PRESET_SPECS: dict[str, Preset] = {p.name: p for p in _LIST}
PRESETS: dict[str, str] = {p.name: p.description for p in _LIST}
"""Preset name -> description (read by ``labourlink estimate --list`` and the dashboard)."""


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (raises :class:`InvalidArgumentError` listing the names)."""
    if name not in PRESET_SPECS:
        raise InvalidArgumentError("preset", name, tuple(PRESET_SPECS))
    return PRESET_SPECS[name]


# --- running -------------------------------------------------------------------------------------
Result = Any  # PPMLResult or OLSResult (duck-typed: tidy(), nobs, converged, separated)


def stack_tidy(models: Mapping[str, Any]) -> pd.DataFrame:
    """The ``tidy()`` tables of labelled results, one under another, with a ``model`` column
    first (empty frame when there are none)."""
    parts = []
    for label, res in models.items():
        t = res.tidy().reset_index()
        t.insert(0, "model", label)
        parts.append(t)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass(frozen=True)
class PresetRun:
    """The fitted models of one preset: ``models`` maps labels to results."""

    preset: str
    data: str
    vcov: str
    models: dict[str, Result]
    panel_attrs: dict[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """Long table of every model: model, term, estimate, std_error, ..., conf_high."""
        return stack_tidy(self.models)

    def to_frame(self) -> pd.DataFrame:
        """Same as :meth:`tidy` (one row per model and term)."""
        return self.tidy()

    def summary(self) -> str:
        """The models side by side (terminal regression table)."""
        from labourlink.report.tables import etable

        return etable(self.models, "table", title=f"{self.preset} (data: {self.data}; vcov: "
                      f"{self.vcov})")

    @property
    def revision(self) -> str | None:
        """UN DESA revision of the panel's migrant stocks (``"2024"``), if the panel has them."""
        mig = self.panel_attrs.get("migration")
        rev = mig.get("revision") if isinstance(mig, dict) else self.panel_attrs.get("revision")
        return None if rev is None else str(rev)

    def to_json_records(self) -> list[dict[str, Any]]:
        """One object per model: ``model``, ``coef``, ``se`` (by term), ``nobs``,
        ``n_separated``, ``converged`` and ``revision`` (of the migrant stocks; null when the
        panel has none)."""
        return [{**model_record(label, res), "revision": self.revision}
                for label, res in self.models.items()]


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def model_record(label: str, res: Result) -> dict[str, Any]:
    """The JSON object of one fitted model (see :meth:`PresetRun.to_json_records`)."""
    t = res.tidy()
    return {"model": label,
            "coef": {str(k): _num(v) for k, v in t["estimate"].items()},
            "se": {str(k): _num(v) for k, v in t["std_error"].items()},
            "nobs": int(res.nobs),
            "n_separated": int(np.asarray(res.separated).sum()),
            "converged": bool(res.converged)}


def load_data(data: str, con: duckdb.DuckDBPyConnection | None = None,
              years: Sequence[int] | None = None, revision: object = None) -> pd.DataFrame:
    """The panel called ``data`` (one of :data:`DATA_CHOICES`) from the store, with the migrant
    stocks of ``revision`` (default: the newest in the store)."""
    if data not in DATA_CHOICES:
        raise InvalidArgumentError("data", data, DATA_CHOICES)
    if data == "migration":
        return migration_panel(con, years=years, revision=revision)
    return build_panel(data, con, years=years, revision=revision)


def fit_model(spec: ModelSpec, df: pd.DataFrame, vcov: str | dict[str, str],
              fixef_k: FixefK = "nested") -> Result:
    """Fit one model spec on a panel (applying its sample restriction)."""
    sub = df.query(spec.sample).reset_index(drop=True) if spec.sample else df
    if spec.estimator == "ols":
        return ols(sub, spec.formula, vcov=vcov, fixef_k=fixef_k)
    from labourlink.gravity import ppml

    return ppml(sub, spec.formula, vcov=vcov, fixef_k=fixef_k)


def run_preset(name: str, con: duckdb.DuckDBPyConnection | None = None, *,
               data: str | pd.DataFrame | None = None, vcov: str | None = None,
               years: Sequence[int] | None = None, revision: object = None) -> PresetRun:
    """Estimate every model of a preset.

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS`.
    con : DuckDB connection, optional
        Store connection (default :func:`labourlink.store.connect`).
    data : str or DataFrame, optional
        Panel name to use instead of the preset's (the formulas' columns must exist there), or
        a ready panel.
    vcov : str, optional
        ``hetero``, ``iid``, ``cluster:COL`` or ``twoway`` (default: the preset's).
    years : sequence of int, optional
        Years of the panel (default: the preset's, else the panel's default).
    revision : {"2024", "2020"}, optional
        UN DESA revision of the migrant stocks (default: the newest in the store).

    Returns
    -------
    PresetRun
    """
    p = get_preset(name)
    if isinstance(data, pd.DataFrame):
        df, dname = data, str(data.attrs.get("panel", "custom"))
    else:
        dname = data or p.data
        df = load_data(dname, con, years or p.years, revision)
    v = vcov or p.vcov
    varg = vcov_argument(v, dname)
    models = {m.label: fit_model(m, df, varg, p.fixef_k) for m in p.models}
    return PresetRun(p.name, dname, v, models, dict(df.attrs))


def run_formula(formula: str, data: str | pd.DataFrame = "wto",
                con: duckdb.DuckDBPyConnection | None = None, *, vcov: str = "cluster:pair",
                years: Sequence[int] | None = None, estimator: Estimator = "ppml",
                revision: object = None) -> PresetRun:
    """Estimate one user formula on a panel (``labourlink estimate --formula``)."""
    if isinstance(data, pd.DataFrame):
        df, dname = data, str(data.attrs.get("panel", "custom"))
    else:
        dname = data
        df = load_data(dname, con, years, revision)
    spec = ModelSpec(formula, formula, estimator)
    res = fit_model(spec, df, vcov_argument(vcov, dname))
    return PresetRun("formula", dname, vcov, {formula: res}, dict(df.attrs))


# --- elasticities and the literature -------------------------------------------------------------
LITERATURE: dict[str, str] = {
    "genc2012": "Genc et al. (2012) meta-analysis: 10% more immigrants, about 1.5% more trade "
                "(elasticity about 0.15)",
    "head_ries1998": "Head and Ries (1998, Canada): 10% more immigrants, 1% more exports and 3% "
                     "more imports (elasticities about 0.1 and 0.3)",
}
GENC_ELASTICITY = 0.15
HEAD_RIES_EXPORTS = 0.10
HEAD_RIES_IMPORTS = 0.30


def linear_combination(res: Result, terms: Sequence[str], alpha: float = 0.05
                       ) -> tuple[float, float, float, float]:
    """Sum of coefficients ``terms`` with its standard error and (1-alpha) normal CI.

    Returns ``(estimate, std_error, conf_low, conf_high)``.
    """
    b = res.coef()
    missing = [t for t in terms if t not in b.index]
    if missing:
        raise InvalidArgumentError("terms", missing, list(b.index))
    V = res.vcov.loc[list(terms), list(terms)].to_numpy()
    est = float(b[list(terms)].sum())
    se = float(np.sqrt(max(V.sum(), 0.0)))
    q = float(stats.norm.ppf(1 - alpha / 2))
    return est, se, est - q * se, est + q * se


def pct_effect(elasticity: float, pct_more: float = 10.0) -> float:
    """Percent change in trade when migrants rise by ``pct_more`` percent (constant elasticity)."""
    return ((1 + pct_more / 100.0) ** elasticity - 1.0) * 100.0


def literature_line(elasticity: float, conf_low: float, conf_high: float,
                    what: str = "migrants") -> str:
    """One sentence comparing an estimated trade elasticity with Genc et al. (2012) and Head and
    Ries (1998)."""
    inside = conf_low <= GENC_ELASTICITY <= conf_high
    return (f"10% more {what}: {pct_effect(elasticity):+.2f}% trade (95% CI "
            f"{pct_effect(conf_low):+.2f}% to {pct_effect(conf_high):+.2f}%); Genc et al. (2012) "
            f"meta-analysis: about +1.5% (elasticity 0.15, {'inside' if inside else 'outside'} "
            f"the CI); Head and Ries (1998): +1% exports, +3% imports.")


def elasticity_table(run: PresetRun, terms: Mapping[str, Sequence[str]] | None = None
                     ) -> pd.DataFrame:
    """Migration-trade elasticities with 95% CIs for every model of a run.

    Parameters
    ----------
    run : PresetRun
    terms : mapping label -> terms summed, optional
        Default: every coefficient whose name starts with ``log_mig`` or ``log(mig`` on its own,
        and for models
        with an ESCAP interaction ``log_mig + log_mig:escap_pair`` as ``ESCAP pairs``.

    Returns
    -------
    DataFrame
        model, effect, elasticity, std_error, conf_low, conf_high, pct_trade_10pct (percent
        change in trade for 10% more migrants), nobs, literature.
    """
    rows = []
    for label, res in run.models.items():
        names = list(res.coef().index)
        combos: dict[str, Sequence[str]] = dict(terms) if terms is not None else {}
        if terms is None:
            for n in names:
                if n.startswith(("log_mig", "log(mig")) and ":" not in n:
                    combos[n] = (n,)
            for n in names:
                if n.startswith("log_mig") and n.endswith(":escap_pair"):
                    base = n.split(":")[0]
                    combos[f"{base} (ESCAP pairs)"] = (base, n)
        for eff, tt in combos.items():
            if not all(t in names for t in tt):
                continue
            est, se, lo, hi = linear_combination(res, tt)
            rows.append({"model": label, "effect": eff, "elasticity": est, "std_error": se,
                         "conf_low": lo, "conf_high": hi, "pct_trade_10pct": pct_effect(est),
                         "nobs": int(res.nobs), "literature": literature_line(est, lo, hi)})
    return pd.DataFrame(rows, columns=["model", "effect", "elasticity", "std_error", "conf_low",
                                       "conf_high", "pct_trade_10pct", "nobs", "literature"])


def migration_trade_table(con: duckdb.DuckDBPyConnection | None = None,
                          panel: pd.DataFrame | None = None,
                          revision: object = None) -> pd.DataFrame:
    """The study's headline: migration-trade elasticities (``log_mig`` = log(1 + migrants in
    both directions)) for the world sample and for ESCAP pairs, without and with pair FE (the
    Parsons check), on the WTO panel, with 95% CIs and the literature comparison.

    ``world``: preset ``pair-fe`` (no interaction). ``ESCAP pairs``: ``log_mig +
    log_mig:escap_pair`` and ``other pairs``: ``log_mig`` of preset ``escap`` (same sample and
    fixed effects, the migration and RTA effects differ for pairs of ESCAP members).

    Returns
    -------
    DataFrame
        One row per (sample, model): sample, model (``structural`` / ``pair FE``), elasticity,
        std_error, conf_low, conf_high, pct_trade_10pct, nobs, literature.
    """
    df = panel if panel is not None else build_panel("wto", con, revision=revision)
    rows = []
    specs = (("pair-fe", (("world", ("log_mig",)),)),
             ("escap", (("ESCAP pairs", ("log_mig", "log_mig:escap_pair")),
                        ("other pairs", ("log_mig",)))))
    for preset, samples in specs:
        run = run_preset(preset, con, data=df)
        for label, res in run.models.items():
            for sample, tt in samples:
                est, se, lo, hi = linear_combination(res, tt)
                rows.append({"sample": sample, "model": label, "elasticity": est,
                             "std_error": se, "conf_low": lo, "conf_high": hi,
                             "pct_trade_10pct": pct_effect(est), "nobs": int(res.nobs),
                             "literature": literature_line(est, lo, hi)})
    order = {"world": 0, "ESCAP pairs": 1, "other pairs": 2}
    out = pd.DataFrame(rows)
    out = out.sort_values(["sample", "model"], key=lambda s: s.map(order) if s.name == "sample"
                          else s.map({"structural": 0, "pair FE": 1})).reset_index(drop=True)
    return out


def with_vcov(p: Preset, vcov: str) -> Preset:
    """A copy of a preset with other standard errors."""
    return replace(p, vcov=vcov)
