"""Impact estimate: bilateral migrant stocks on instrument-in-force (PPML, gravity engine).

Model (``labourlink.gravity.ppml``)::

    persons ~ in_force | pair + origin^year + destination^year,   vcov clustered by pair

``persons`` is the bilateral migrant stock (persons, UN DESA, ``sex='total'``, one revision);
``in_force`` is 1 when at least one instrument of the counted kinds covers the corridor in that
year (:mod:`labourlink.governance.coverage` rules). The pair fixed effects absorb everything
constant in a corridor, so the coefficient is identified only by corridors whose status
changes within the sample ("events"); ``exp(b) - 1`` is the proportional difference in stocks.

Caveats (also in :attr:`ImpactResult.caveat`): few events, stocks every five years,
instruments follow existing migration (reverse causality), bilateral labour agreements have no
end date in the data, and grouping memberships are current ones. Treat the estimate as
descriptive, not causal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from labourlink.errors import EstimationError, InvalidArgumentError
from labourlink.governance.coverage import DEFAULT_KINDS, covered_pairs, stock_years
from labourlink.governance.registry import Registry, expand_party
from labourlink.governance.schema import KINDS, Instrument

FORMULA = "persons ~ in_force | pair + origin^year + destination^year"


def impact_panel(stocks: pd.DataFrame, records: Sequence[Instrument],
                 kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Pair-year panel with the in-force dummy.

    Parameters
    ----------
    stocks
        ``origin``, ``destination``, ``year`` (int), ``persons`` (persons). Pair-years absent
        from the source (UN DESA drops zero stocks) are filled with 0 for every pair present
        in some year.
    records
        Registry records.
    kinds
        Kinds that count as an instrument (default: all but ``trade_agreement`` and
        ``travel_card``; origin-only processes never count).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``year``, ``persons``, ``in_force`` (0/1 float), ``pair``.
    """
    kinds_t = tuple(kinds) if kinds is not None else DEFAULT_KINDS
    for k in kinds_t:
        if k not in KINDS:
            raise InvalidArgumentError("kind", k, KINDS)
    recs = [r for r in records if r.kind in kinds_t]
    pairs = stocks[["origin", "destination"]].drop_duplicates()
    years = sorted(int(y) for y in stocks["year"].unique())
    grid = pairs.merge(pd.DataFrame({"year": years}), how="cross")
    df = grid.merge(stocks[["origin", "destination", "year", "persons"]],
                    on=["origin", "destination", "year"], how="left")
    df["persons"] = df["persons"].fillna(0.0)
    parts = []
    for y in years:
        cov = covered_pairs(recs, pairs, y)
        if not cov.empty:
            parts.append(cov[["origin", "destination"]].drop_duplicates().assign(year=y))
    treated = (pd.concat(parts, ignore_index=True).assign(in_force=1.0) if parts else
               pd.DataFrame(columns=["origin", "destination", "year", "in_force"]))
    df = df.merge(treated, on=["origin", "destination", "year"], how="left")
    df["in_force"] = df["in_force"].fillna(0.0).astype(float)
    df["year"] = df["year"].astype(int)
    df["pair"] = df["origin"] + "-" + df["destination"]
    return df


@dataclass(frozen=True)
class ImpactResult:
    """PPML estimate of the in-force coefficient, with the event count behind it."""

    fit: Any  # labourlink.gravity.PPMLResult
    panel_rows: int
    n_pairs: int
    n_events: int
    years: tuple[int, ...]
    kinds: tuple[str, ...]
    revision: str = ""

    @cached_property
    def _tidy(self) -> pd.DataFrame:
        t = self.fit.tidy().reset_index()
        t = t.rename(columns={t.columns[0]: "term"}) if "term" not in t.columns else t
        row = t[t["term"] == "in_force"]
        if row.empty:
            raise EstimationError("in_force was dropped from the model (no variation left after "
                                  "fixed effects): no corridor changes status in the sample")
        b = float(self.fit.coef()["in_force"])
        se = float(self.fit.se()["in_force"])
        rows = [("in_force", "coef", b), ("in_force", "se", se),
                ("in_force", "pct_effect", 100.0 * (math.exp(b) - 1.0)),
                ("sample", "nobs", float(self.fit.nobs)),
                ("sample", "pairs", float(self.n_pairs)),
                ("sample", "events", float(self.n_events)),
                ("sample", "separated", float(np.sum(self.fit.separated)))]
        return pd.DataFrame(rows, columns=["term", "stat", "value"])

    def tidy(self) -> pd.DataFrame:
        """The one table of numbers: ``term``, ``stat``, ``value`` (coef, se, % effect, counts)."""
        return self._tidy.copy()

    def to_frame(self) -> pd.DataFrame:
        """Same as :meth:`tidy`."""
        return self.tidy()

    def _get(self, term: str, stat: str) -> float:
        t = self._tidy
        return float(t.loc[(t["term"] == term) & (t["stat"] == stat), "value"].iloc[0])

    @property
    def coef(self) -> float:
        """Coefficient on in_force (log points)."""
        return self._get("in_force", "coef")

    @property
    def se(self) -> float:
        """Standard error clustered by pair."""
        return self._get("in_force", "se")

    @property
    def caveat(self) -> str:
        """The stated caveat on identification."""
        return (f"Identified only by the {self.n_events} corridor(s) whose instrument status "
                f"changes between {self.years[0]} and {self.years[-1]} (stocks every five "
                "years); instruments tend to follow existing migration (reverse causality); "
                "bilateral labour agreements have no end date in the data and grouping "
                "memberships are current ones. Descriptive association, not a causal effect.")

    def summary(self) -> str:
        """Readable summary."""
        stocks = f"stocks: UN DESA revision {self.revision}\n" if self.revision else ""
        return (f"PPML {FORMULA}, vcov clustered by pair\n{stocks}"
                f"in_force: {self.coef:.4f} (se {self.se:.4f}), "
                f"{self._get('in_force', 'pct_effect'):+.1f}% ; nobs {self.fit.nobs}, "
                f"pairs {self.n_pairs}, events {self.n_events}\nCaveat: {self.caveat}")

    def __str__(self) -> str:
        return self.summary()


def estimate_from_panel(panel: pd.DataFrame, kinds: Sequence[str] = DEFAULT_KINDS
                        ) -> ImpactResult:
    """Fit the PPML model on a panel from :func:`impact_panel`."""
    from labourlink.gravity import ppml

    switch = panel.groupby("pair")["in_force"].agg(lambda s: s.nunique() > 1)
    n_events = int(switch.sum())
    if n_events == 0:
        raise EstimationError("no corridor changes instrument status within the sample: the "
                              "in-force effect is not identified with pair fixed effects")
    fit = ppml(panel, FORMULA, vcov={"CRV1": "pair"})
    return ImpactResult(fit, len(panel), int(panel["pair"].nunique()), n_events,
                        tuple(sorted(int(y) for y in panel["year"].unique())), tuple(kinds),
                        str(panel.attrs.get("revision", "")))


def estimate_impact(con: Any, registry: Registry, group: str = "ESCAP",
                    kinds: Sequence[str] | None = None,
                    within: Literal["either", "both"] = "both",
                    revision: object = None) -> ImpactResult:
    """PPML of bilateral migrant stocks on instrument-in-force for the group's corridors.

    Parameters
    ----------
    con
        Store connection (reads ``migrant_stock``).
    registry
        The registry.
    group
        Grouping code (default ``ESCAP``).
    kinds
        Kinds that count (default :data:`~labourlink.governance.coverage.DEFAULT_KINDS`).
    within
        Corridors with both ends in the group (default) or either end.
    revision
        UN DESA revision of the stocks (one revision; default: the newest in the store, 2024,
        whose years are 1990, 1995, ..., 2020, 2024).
    """
    from labourlink.store.revisions import revision_of

    if within not in ("either", "both"):
        raise InvalidArgumentError("within", within, ["either", "both"])
    members = set(expand_party(group))
    source, _ = stock_years(con, revision)
    st = con.execute("SELECT origin, destination, year, persons FROM migrant_stock WHERE "
                     "sex = 'total' AND source = ? AND origin <> 'XXX' AND origin <> destination",
                     [source]).df()
    o_in, d_in = st["origin"].isin(members), st["destination"].isin(members)
    st = st[(o_in & d_in) if within == "both" else (o_in | d_in)]
    kinds_t = tuple(kinds) if kinds is not None else DEFAULT_KINDS
    panel = impact_panel(st, registry.records, kinds_t)
    panel.attrs["revision"] = revision_of(source)
    return estimate_from_panel(panel, kinds_t)
