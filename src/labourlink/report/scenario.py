"""A co-operative agreement scenario on the store's trade data (brief section 5, dashboard form).

The scenario asks: *what if a set of members removed the trade costs that an average regional
trade agreement removes among its parties?* It chains two parts of labourlink:

1. **Estimate** (``labourlink.gravity.ppml``): on one cross-section of the store's ``trade`` table
   (a source that publishes intra-national flows, exporter == importer), PPML with exporter and
   importer fixed effects of ``trade ~ ln_dist + contig + intl_border + rta``, heteroskedasticity-
   robust standard errors. ``ln_dist`` is the log of CEPII's simple distance (km; ``pair_geo``),
   ``rta`` is 1 when both countries are members of a trade agreement in force in the year
   (``trade_agreement`` / ``trade_agreement_member``).
2. **Simulate** (``labourlink.scenarios.ge.solve``): the structural-gravity general equilibrium with
   the fitted cost term as baseline and, for every member pair not yet in an agreement, the cost
   term raised by the RTA coefficient (``delta ln t = b_rta``).

Intervals: ``draws`` values of ``b_rta`` from its estimated sampling distribution (normal, mean
``b_rta``, standard deviation ``se(b_rta)``), each solved again; the 5th and 95th percentiles of the
welfare change are reported. Work is bounded by :data:`MAX_DRAWS` and :data:`MAX_COUNTRIES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError, LabourlinkError

#: Largest number of simulation draws per request (each draw is a full GE solve).
MAX_DRAWS: int = 50
#: Largest number of countries in the baseline (the GE arrays are countries x countries).
MAX_COUNTRIES: int = 200
COVARIATES: tuple[str, ...] = ("ln_dist", "contig", "intl_border", "rta")


class ScenarioUnavailable(LabourlinkError):
    """The store lacks the data a scenario needs (the message says what is missing)."""


@dataclass(frozen=True, slots=True)
class AgreementSpec:
    """Settings of an agreement scenario.

    Parameters
    ----------
    members
        ISO3 codes of the parties (at least 2, all in the baseline).
    year
        Integer year of the trade cross-section (default: latest year with intra-national flows).
    source
        ``trade`` source id (default: the first source with intra-national flows).
    draws
        Number of draws of the RTA coefficient for the intervals (0 = point estimate only;
        at most :data:`MAX_DRAWS`).
    sigma
        Elasticity of substitution (> 1; default 7 as in Yotov et al. 2016).
    seed
        Seed of the draws.
    """

    members: tuple[str, ...]
    year: int | None = None
    source: str | None = None
    draws: int = 0
    sigma: float = 7.0
    seed: int = 0

    def __post_init__(self) -> None:
        if len(set(self.members)) < 2:
            raise InvalidArgumentError("members", list(self.members), "at least 2 distinct ISO3 codes")
        if not (0 <= self.draws <= MAX_DRAWS):
            raise InvalidArgumentError("draws", self.draws, f"an integer in 0..{MAX_DRAWS}")
        if not (1.0 < self.sigma <= 50.0):
            raise InvalidArgumentError("sigma", self.sigma, "a number in (1, 50]")


@dataclass(frozen=True)
class AgreementResult:
    """Result of :func:`run_agreement`: ``tidy()`` holds every number (one row per country)."""

    spec: AgreementSpec
    source: str
    year: int
    estimates: pd.DataFrame  # term, estimate, std_error
    _table: pd.DataFrame = field(repr=False)
    converged: bool = True

    def tidy(self) -> pd.DataFrame:
        """Per country: iso3, member, welfare / real GDP / exports % changes, welfare interval."""
        return self._table.copy()

    def to_frame(self) -> pd.DataFrame:
        """Same as :meth:`tidy` (one row per country)."""
        return self.tidy()

    @cached_property
    def _summary(self) -> str:
        t = self._table
        mem = t[t["member"]]
        b = self.estimates.set_index("term")
        return (f"Agreement among {', '.join(self.spec.members)} ({self.source}, {self.year}): "
                f"b_rta = {b.loc['rta', 'estimate']:.3f} (s.e. {b.loc['rta', 'std_error']:.3f}); "
                f"mean member welfare change {mem['welfare_change_pct'].mean():+.3f} %, "
                f"non-members {t.loc[~t['member'], 'welfare_change_pct'].mean():+.3f} %")

    def summary(self) -> str:
        """One-paragraph summary."""
        return self._summary


def trade_sources_with_domestic(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[int]]]:
    """Trade sources (unit US$) that publish intra-national flows, with their years."""
    rows = con.execute(
        "SELECT source, list(DISTINCT year ORDER BY year) FROM trade WHERE exporter = importer "
        "AND product = '_T' AND value > 0 GROUP BY source ORDER BY source").fetchall()
    return [(r[0], [int(y) for y in r[1]]) for r in rows]


def _baseline(con: duckdb.DuckDBPyConnection, source: str, year: int) -> pd.DataFrame:
    df = con.execute(
        """
        WITH dom AS (SELECT exporter AS iso3 FROM trade WHERE source=$s AND year=$y
                     AND product='_T' AND exporter=importer AND value > 0),
        geo AS (SELECT iso_o, iso_d, dist_km, contig FROM pair_geo WHERE dist_km > 0),
        pairs AS (SELECT a.iso3 AS exporter, b.iso3 AS importer FROM dom a CROSS JOIN dom b),
        mem AS (SELECT m.agreement_id, m.iso3 FROM trade_agreement_member m
                JOIN trade_agreement a USING (agreement_id, source)
                WHERE (coalesce(m.entry, a.in_force) IS NULL
                       OR year(coalesce(m.entry, a.in_force)) <= $y)
                  AND (m.exit IS NULL OR year(m.exit) > $y)
                  AND (a.inactive IS NULL OR year(a.inactive) > $y)),
        rta AS (SELECT DISTINCT x.iso3 AS o, y.iso3 AS d FROM mem x JOIN mem y
                ON x.agreement_id = y.agreement_id AND x.iso3 <> y.iso3)
        SELECT p.exporter, p.importer, coalesce(t.value, 0) AS trade_usd,
               g.dist_km, coalesce(g.contig, 0) AS contig,
               CASE WHEN p.exporter = p.importer THEN 0 ELSE 1 END AS intl_border,
               CASE WHEN r.o IS NULL THEN 0 ELSE 1 END AS rta
        FROM pairs p
        LEFT JOIN trade t ON t.source=$s AND t.year=$y AND t.product='_T'
             AND t.exporter=p.exporter AND t.importer=p.importer
        LEFT JOIN geo g ON g.iso_o=p.exporter AND g.iso_d=p.importer
        LEFT JOIN rta r ON r.o=p.exporter AND r.d=p.importer
        ORDER BY p.exporter, p.importer
        """, {"s": source, "y": year}).df()
    return df


def fit_costs(
    con: duckdb.DuckDBPyConnection, source: str | None = None, year: int | None = None,
) -> tuple[str, int, pd.DataFrame, pd.DataFrame, pd.Series]:
    """Estimate ``trade ~ ln_dist + contig + intl_border + rta | exporter + importer`` by PPML.

    Parameters
    ----------
    source, year
        ``trade`` source with intra-national flows and integer year (defaults: the first such
        source, its latest year).

    Returns
    -------
    (source, year, baseline pairs, estimates, coefficients)
        ``estimates`` has ``term``, ``estimate`` (semi-elasticity; ``ln_dist`` an elasticity),
        ``std_error`` (heteroskedasticity-robust), ``nobs``.
    """
    try:
        from labourlink.gravity import ppml
    except (ImportError, AttributeError) as exc:  # pragma: no cover - depends on other parts
        raise ScenarioUnavailable(f"estimation code not importable yet: {exc}") from exc
    avail = trade_sources_with_domestic(con)
    if not avail:
        raise ScenarioUnavailable("the store's trade table has no source with intra-national "
                                  "flows (exporter == importer), which the model needs")
    by_src = dict(avail)
    source = source or avail[0][0]
    if source not in by_src:
        raise InvalidArgumentError("source", source, sorted(by_src))
    year = year if year is not None else by_src[source][-1]
    if year not in by_src[source]:
        raise InvalidArgumentError("year", year, by_src[source])
    base = _baseline(con, source, year)
    n = base["exporter"].nunique()
    if n > MAX_COUNTRIES:
        raise InvalidArgumentError("baseline", f"{n} countries", f"at most {MAX_COUNTRIES}")
    if base["dist_km"].isna().any():
        miss = base.loc[base["dist_km"].isna(), ["exporter", "importer"]].head(3).values.tolist()
        raise ScenarioUnavailable(f"pair_geo lacks distances for {int(base['dist_km'].isna().sum())}"
                                  f" pairs of the baseline (e.g. {miss})")
    base["ln_dist"] = np.log(base["dist_km"])
    fit = ppml(base, "trade_usd ~ ln_dist + contig + intl_border + rta | exporter + importer",
               vcov="hetero")
    coef = fit.coef()
    se = fit.se()
    if "rta" not in coef.index or not np.isfinite(coef["rta"]) or not np.isfinite(se["rta"]):
        raise ScenarioUnavailable("the gravity estimate has no coefficient for rta (no agreement "
                                  f"in force among the baseline countries in {year})")
    used = [c for c in COVARIATES if c in coef.index and np.isfinite(coef[c])]
    estimates = pd.DataFrame({"term": used,
                              "estimate": [float(coef[c]) for c in used],
                              "std_error": [float(se[c]) for c in used],
                              "nobs": int(fit.nobs)})
    return source, int(year), base, estimates, coef


def run_agreement(con: duckdb.DuckDBPyConnection, spec: AgreementSpec) -> AgreementResult:
    """Estimate the RTA effect and simulate an agreement among ``spec.members``.

    Returns
    -------
    AgreementResult
        ``tidy()``: ``iso3``, ``name``, ``member`` (bool), ``welfare_change_pct``,
        ``welfare_low_pct`` / ``welfare_high_pct`` (5th / 95th percentile over draws; equal to the
        point change when ``draws == 0``), ``real_gdp_change_pct`` and ``exports_change_pct``
        (full-endowment general equilibrium, percent change from the baseline).

    Raises
    ------
    ScenarioUnavailable
        When the store has no trade source with intra-national flows, or the estimation or
        simulation parts of labourlink are not importable yet.
    InvalidArgumentError
        For members outside the baseline, or a year/source the store does not hold.
    """
    try:
        from labourlink.scenarios.ge import GEConfig, solve
    except (ImportError, AttributeError) as exc:  # pragma: no cover - depends on other parts
        raise ScenarioUnavailable(f"simulation code not importable yet: {exc}") from exc
    source, year, base, estimates, coef = fit_costs(con, spec.source, spec.year)
    countries = sorted(set(base["exporter"]))
    members = tuple(m.strip().upper() for m in spec.members)
    outside = [m for m in members if m not in countries]
    if outside:
        raise InvalidArgumentError("members", outside, "countries of the baseline: "
                                   + ", ".join(countries))
    used = list(estimates["term"])
    se = estimates.set_index("term")["std_error"]
    ln_t = sum(float(coef[c]) * base[c].astype(float) for c in used)
    baseline = pd.DataFrame({"exporter": base["exporter"], "importer": base["importer"],
                             "trade_usd": base["trade_usd"].astype(float), "ln_t": ln_t})
    mset = set(members)
    shocked = base[base["exporter"].isin(mset) & base["importer"].isin(mset)
                   & (base["exporter"] != base["importer"]) & (base["rta"] == 0)]
    ref = "DEU" if "DEU" in countries else ("USA" if "USA" in countries else countries[0])
    cfg = GEConfig(sigma=spec.sigma, reference=ref, tol=1e-10, max_iter=20_000)

    def run(b_rta: float) -> tuple[pd.DataFrame, bool]:
        shock = pd.DataFrame({"exporter": shocked["exporter"], "importer": shocked["importer"],
                              "delta_ln_t": b_rta})
        res = solve(baseline, shock, cfg)
        return res.to_frame(), bool(res.converged)

    point, ok = run(float(coef["rta"]))
    welfare = point["change_welfare_full_pct"]
    low = high = welfare
    if spec.draws > 0:
        rng = np.random.default_rng(spec.seed)
        draws = rng.normal(float(coef["rta"]), float(se["rta"]), size=spec.draws)
        sims = []
        for b in draws:
            f, ok_k = run(float(b))
            ok = ok and ok_k
            sims.append(f["change_welfare_full_pct"].reindex(point.index).to_numpy())
        arr = np.vstack(sims)
        low = pd.Series(np.percentile(arr, 5, axis=0), index=point.index)
        high = pd.Series(np.percentile(arr, 95, axis=0), index=point.index)
    names = dict(con.execute("SELECT iso3, name FROM country").fetchall())
    table = pd.DataFrame({
        "iso3": point.index.astype(str),
        "name": [names.get(c, c) for c in point.index],
        "member": point.index.isin(list(mset)),
        "welfare_change_pct": welfare.to_numpy(),
        "welfare_low_pct": np.asarray(low, dtype=float),
        "welfare_high_pct": np.asarray(high, dtype=float),
        "real_gdp_change_pct": point["change_real_gdp_full_pct"].to_numpy(),
        "exports_change_pct": point["change_exports_usd_full_pct"].to_numpy(),
    }).sort_values(["member", "welfare_change_pct"], ascending=[False, False],
                   ignore_index=True)
    return AgreementResult(spec, source, int(year), estimates, table, ok)


def member_default(con: duckdb.DuckDBPyConnection, group: str,
                   candidates: Sequence[str]) -> list[str]:
    """Members of ``group`` (``country_group``) that are among ``candidates``."""
    rows = con.execute("SELECT iso3 FROM country_group WHERE group_code = ? ORDER BY iso3",
                       [group]).fetchall()
    cand = set(candidates)
    return [r[0] for r in rows if r[0] in cand]
