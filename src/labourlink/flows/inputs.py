"""Inputs of the flow estimators, read from the store: stock tables, populations, births, deaths.

For one revision and one period ``(start, end)`` between two stock years:

* **stock tables** (persons): ``migrant_stock`` rows of the revision's source, ``sex = 'total'``,
  place of birth x place of residence at mid-year. The areas are the revision's destinations;
  the "Other / unknown" origin ``XXX`` is an extra place of birth that is nobody's residence.
* **native-born** (the diagonal): the area's population at 1 July minus its foreign-born stock.
  Where WPP 2024 counts fewer people than the stock table has foreign-born (it happens where
  WPP 2024 revised a population down, e.g. the United Arab Emirates in 2015 under the 2020
  revision), the native-born are set to 0 and the area's population is its foreign-born stock;
  every such case is listed in :attr:`PeriodInputs.notes`.
* **population, births and deaths** (WPP 2024, ``wpp_component``), summed over the WPP areas that
  make up each stock area: the Channel Islands (``CHI``) are Guernsey + Jersey; a WPP area that is
  not a destination of the revision is added to the area that includes it (:data:`INCLUDED_IN`,
  e.g. Kosovo in Serbia in the 2020 revision). WPP areas the stock table does not cover
  (e.g. Taiwan Province of China, Saint Barthelemy, Saint Martin) are outside the system. A stock
  area without WPP data (the Holy See) has population = its foreign-born stock and no births or
  deaths.
* **period sums**: the stocks are at 1 July, WPP components by calendar year, so a period from
  mid-year ``t0`` to mid-year ``t1`` takes half of year ``t0``, the whole years in between and half
  of year ``t1`` (2024 from the Medium variant). The period 2020-24 is four years long: its flows
  are moves over four years (divide by ``period_end - period_start`` for an annual figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError, StoreError
from labourlink.flows.spec import OTHER_ORIGIN, check_revision, parse_period, stock_source

#: Stock-table areas made of several WPP areas.
COMPOSITES: dict[str, tuple[str, ...]] = {"CHI": ("GGY", "JEY")}
#: WPP areas that some revisions do not list separately -> the stock area that includes them
#: (applied only when the area itself is not a destination of the revision).
INCLUDED_IN: dict[str, str] = {"XKX": "SRB"}
#: Source id of the WPP components in ``wpp_component``.
WPP_SOURCE = "wpp2024"


@dataclass(frozen=True, slots=True)
class PeriodInputs:
    """Everything one period's estimate needs (persons; rows = place of birth).

    ``codes`` are the areas in matrix order: every destination of the revision (sorted), then
    the places of birth that are nobody's residence (``XXX``). ``stock_start``/``stock_end``
    hold the native-born on the diagonal; ``births``/``deaths`` are over the period, by area.
    """

    revision: str
    source: str
    start: int
    end: int
    codes: tuple[str, ...]
    stock_start: np.ndarray
    stock_end: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def years(self) -> int:
        """Length of the period in years (5, or 4 for 2020-24)."""
        return self.end - self.start

    @property
    def n_areas(self) -> int:
        """Number of areas that are someone's residence (the leading ``codes``)."""
        return sum(1 for c in self.codes if c != OTHER_ORIGIN)


def stock_years(con: duckdb.DuckDBPyConnection, source: str) -> list[int]:
    """Years of ``migrant_stock`` for ``source`` (ascending); error if there are none."""
    rows = con.execute("SELECT DISTINCT year FROM migrant_stock WHERE source = ? ORDER BY 1",
                       [source]).fetchall()
    years = [int(r[0]) for r in rows]
    if len(years) < 2:
        raise StoreError(f"migrant_stock has {len(years)} year(s) for source {source!r}: at least "
                         "two are needed to estimate flows. Run `labourlink data build`")
    return years


def periods(con: duckdb.DuckDBPyConnection, revision: str | int | None = None,
            period: str | tuple[int, int] | Sequence[str | tuple[int, int]] | None = None,
            ) -> list[tuple[int, int]]:
    """The periods (consecutive stock years) of a revision, optionally only those asked for."""
    rev = check_revision(revision)
    years = stock_years(con, stock_source(rev))
    allowed = list(zip(years[:-1], years[1:], strict=True))
    if period is None:
        return allowed
    asked = [period] if isinstance(period, str | tuple) else list(period)
    out = []
    for p in asked:
        pair = parse_period(p)
        if pair not in allowed:
            raise InvalidArgumentError("period", p, [f"{a}-{b}" for a, b in allowed]
                                       + [f"(revision {rev})"])
        if pair not in out:
            out.append(pair)
    return sorted(out)


def _stocks(con: duckdb.DuckDBPyConnection, source: str) -> pd.DataFrame:
    return con.execute(
        "SELECT origin, destination, year, persons FROM migrant_stock "
        "WHERE source = ? AND sex = 'total'", [source]).df()


def _wpp(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    df = con.execute(
        "SELECT iso3, year, births_thousands, deaths_thousands, pop_jul1_thousands "
        "FROM wpp_component WHERE source = ? AND is_country", [WPP_SOURCE]).df()
    if df.empty:
        raise StoreError("wpp_component has no WPP 2024 rows: the flow estimates need births, "
                         "deaths and population. Run `labourlink data build` (with "
                         "wpp2024_components in the data folder)")
    return df


def area_members(destinations: Sequence[str], wpp_areas: Sequence[str]) -> dict[str, list[str]]:
    """Stock area -> the WPP areas whose components it sums (see module docstring)."""
    dest = set(destinations)
    wpp = set(wpp_areas)
    members: dict[str, list[str]] = {d: ([d] if d in wpp else []) for d in destinations}
    for area, parts in COMPOSITES.items():
        if area in dest and area not in wpp:
            members[area] = [p for p in parts if p in wpp]
    for part, area in INCLUDED_IN.items():
        if part in wpp and part not in dest and area in dest:
            members[area].append(part)
    return members


def _period_sum(values: pd.Series, start: int, end: int) -> float:
    """Sum of a calendar-year series from 1 July ``start`` to 1 July ``end`` (half edge years)."""
    total = 0.5 * float(values.get(start, np.nan)) + 0.5 * float(values.get(end, np.nan))
    for y in range(start + 1, end):
        total += float(values.get(y, np.nan))
    return total


def load_inputs(con: duckdb.DuckDBPyConnection, revision: str | int | None,
                which: Sequence[tuple[int, int]]) -> list[PeriodInputs]:
    """Stock tables and demographic components of ``which`` periods of a revision (see module)."""
    rev = check_revision(revision)
    source = stock_source(rev)
    st = _stocks(con, source)
    wpp = _wpp(con)
    destinations = sorted(st["destination"].unique())
    extra = sorted(set(st["origin"].unique()) - set(destinations))
    unknown = [c for c in extra if c != OTHER_ORIGIN]
    if unknown:
        raise StoreError(f"migrant_stock ({source}) has origins that are never a destination: "
                         f"{unknown[:10]}; only {OTHER_ORIGIN!r} can be a birthplace-only code")
    codes = tuple(destinations + extra)
    idx = {c: i for i, c in enumerate(codes)}
    k = len(codes)
    members = area_members(destinations, sorted(wpp["iso3"].unique()))
    outside = sorted(set(wpp["iso3"]) - {m for ms in members.values() for m in ms})
    no_wpp = sorted(a for a, ms in members.items() if not ms)

    by = {iso: g.set_index("year") for iso, g in wpp.groupby("iso3")}

    def area_value(area: str, column: str, year: int) -> float:
        return float(sum(by[m][column].get(year, np.nan) for m in members[area])) * 1000.0

    def area_period(area: str, column: str, start: int, end: int) -> float:
        return float(sum(_period_sum(by[m][column], start, end) for m in members[area])) * 1000.0

    tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    out = []
    for start, end in which:
        mats = []
        notes: dict[str, object] = {"outside_system": outside, "no_wpp_data": no_wpp}
        for year in (start, end):
            if year not in tables:
                s = st[st["year"] == year]
                if s.empty:
                    raise StoreError(f"migrant_stock ({source}) has no rows for {year}")
                mat = np.zeros((k, k))
                mat[s["origin"].map(idx).to_numpy(), s["destination"].map(idx).to_numpy()] = (
                    s["persons"].to_numpy())
                np.fill_diagonal(mat, 0.0)  # a published stock is never native-born
                pop = np.array([area_value(c, "pop_jul1_thousands", year) if members.get(c)
                                else np.nan for c in codes])
                foreign = mat.sum(axis=0)
                native = np.where(np.isnan(pop), 0.0, pop - foreign)
                clipped = {codes[i]: float(-native[i]) for i in np.flatnonzero(native < 0)}
                native = np.maximum(native, 0.0)
                mat[np.arange(k), np.arange(k)] = native
                tables[year] = (mat, np.array([clipped.get(c, 0.0) for c in codes]))
            mat, clip = tables[year]
            mats.append(mat)
            clipped_here = {codes[i]: float(clip[i]) for i in np.flatnonzero(clip > 0)}
            if clipped_here:
                notes[f"native_born_negative_{year}"] = clipped_here
        births = np.array([area_period(c, "births_thousands", start, end) if members.get(c)
                           else 0.0 for c in codes])
        deaths = np.array([area_period(c, "deaths_thousands", start, end) if members.get(c)
                           else 0.0 for c in codes])
        for name, arr in (("births", births), ("deaths", deaths)):
            if not np.all(np.isfinite(arr)):
                bad = [codes[i] for i in np.flatnonzero(~np.isfinite(arr))]
                raise StoreError(f"WPP 2024 {name} missing for {bad[:5]} over {start}-{end}: "
                                 "rebuild the store with `labourlink data build --force`")
        out.append(PeriodInputs(rev, source, start, end, codes, mats[0], mats[1], births, deaths,
                                notes))
    return out
