"""Corridor coverage, provision gaps and the timeline of instruments.

A corridor is an ordered pair origin -> destination with its bilateral migrant stock (persons,
store table ``migrant_stock``, ``sex='total'``, one UN DESA revision, origin ``XXX`` left out).
An instrument covers a corridor in year Y when it is active in Y
(:meth:`~labourlink.governance.schema.Instrument.active_in`: in force, or signed when no
in-force date is known, and not ended before Y; a party listed in ``party_since`` only from
that year) and the corridor is within its ``corridor_scope``:

* ``among_parties``: origin and destination both parties (groupings expanded to their members
  in :mod:`labourlink.countries`, i.e. *current* membership);
* ``senders_to_receivers``: origin a sender and destination a receiver;
* ``from_senders``: origin a sender, any destination (origin-country processes such as the
  Colombo Process); counted only with ``origin_only=True``, since the destination takes no
  part in them;
* ``global`` instruments (GATS Mode 4, the Global Compact) cover no particular corridor and are
  left out.

By default the headline share counts every kind except ``trade_agreement`` (trade agreements
whose movement-of-persons content is not established) and ``travel_card`` (business visits);
pass ``kinds`` to change it. The shares by kind cover every kind. The
corridors of a group are those with the origin *or* the destination in it (``within="either"``)
or both (``within="both"``). Caveats: bilateral labour agreements have no end date in the data,
so they count as in force from signature; grouping memberships are current ones.

Stocks come from one UN DESA revision (``revision``: the newest in the store by default, 2024).
The instrument data end earlier than the 2024 stocks (the bilateral labour agreements of Chilton
and Woda are coded to their last signature year): coverage in a later year counts the
instruments known in force by then, i.e. the agreements data at its last year, and every result
says which years were joined (``inputs_years``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from labourlink.errors import InvalidArgumentError, StoreError
from labourlink.governance.registry import Registry, expand_party
from labourlink.governance.schema import KINDS, PROVISIONS, Instrument

DEFAULT_KINDS: tuple[str, ...] = tuple(k for k in KINDS
                                       if k not in ("trade_agreement", "travel_card"))
"""Kinds counted by default: all but trade agreements whose movement-of-persons content is not
established and travel cards (short business visits, not residence or work)."""
def stock_years(con: Any, revision: object = None) -> tuple[str, list[int]]:
    """The ``migrant_stock`` source of ``revision`` (default: the newest in the store) and its
    years."""
    from labourlink.store.revisions import resolve_stock_source

    source = resolve_stock_source(con, revision)
    years = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM migrant_stock WHERE source = ? ORDER BY 1", [source]).fetchall()]
    if not years:
        raise InvalidArgumentError("revision", revision, f"a revision whose stocks are in the "
                                   f"store ({source!r} has none; run `labourlink data build`)")
    return source, years


def instrument_data_years(con: Any, year: int) -> dict[str, int]:
    """Years of each instrument input joined with stocks of ``year``: the latest year at or
    before ``year`` that the input covers (the Chilton-Woda agreements end at their last
    signature year)."""
    from labourlink.store.revisions import nearest_at_or_before

    out: dict[str, int] = {"migrant_stock": int(year)}
    rows = con.execute("SELECT DISTINCT year FROM labour_agreement WHERE year IS NOT NULL "
                       "ORDER BY 1").fetchall()
    bla = nearest_at_or_before(int(year), [int(r[0]) for r in rows])
    if bla is not None:
        out["bilateral_labour_agreements"] = bla
    return out


def corridor_stocks(con: Any, year: int | None = None, group: str = "ESCAP",
                    within: Literal["either", "both"] = "either",
                    revision: object = None) -> pd.DataFrame:
    """Bilateral migrant stocks (persons) of the group's corridors in ``year``.

    Parameters
    ----------
    con
        Store connection.
    year
        Integer year of the revision (1990, 1995, ..., 2020, 2024; default its latest).
    group
        Grouping code of :mod:`labourlink.countries` (default ``ESCAP``; ``World`` for every
        corridor).
    within
        ``"either"``: origin or destination in the group; ``"both"``: both in it.
    revision
        UN DESA revision (``"2024"``, ``"2020"``; default: the newest in the store). One
        revision only, never mixed.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``persons`` (float, persons); ``attrs`` holds ``year`` and
        ``revision``.
    """
    from labourlink.store.revisions import revision_of

    if within not in ("either", "both"):
        raise InvalidArgumentError("within", within, ["either", "both"])
    members = set(expand_party(group))
    source, years = stock_years(con, revision)
    yr = years[-1] if year is None else year
    if yr not in years:
        raise InvalidArgumentError("year", year, years)
    df = con.execute(
        "SELECT origin, destination, persons FROM migrant_stock WHERE sex = 'total' "
        "AND year = ? AND source = ? AND origin <> 'XXX' AND origin <> destination",
        [int(yr), source]).df()
    o_in, d_in = df["origin"].isin(members), df["destination"].isin(members)
    keep = (o_in | d_in) if within == "either" else (o_in & d_in)
    out = df[keep].reset_index(drop=True)
    out.attrs = {"year": int(yr), "revision": revision_of(source)}
    return out


def _party_set(rec: Instrument, codes: Sequence[str], year: int) -> set[str]:
    out: set[str] = set()
    for c in codes:
        out |= expand_party(c)
    for c, since in rec.party_since.items():
        if since.year > year:
            out -= expand_party(c)
    return out


def covered_pairs(records: Sequence[Instrument], corridors: pd.DataFrame, year: int,
                  origin_only: bool = False) -> pd.DataFrame:
    """Which active instruments cover which corridors (``from_senders`` ones if ``origin_only``).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``id``, ``kind`` (one row per corridor and instrument).
    """
    by_origin: dict[str, list[str]] = {}
    for o, d in zip(corridors["origin"], corridors["destination"], strict=False):
        by_origin.setdefault(o, []).append(d)
    rows: list[tuple[str, str, str, str]] = []
    for r in records:
        if r.corridor_scope == "global" or not r.active_in(year):
            continue
        if r.corridor_scope == "among_parties":
            s = d = _party_set(r, r.parties, year)
        elif r.corridor_scope == "senders_to_receivers":
            s, d = _party_set(r, r.senders, year), _party_set(r, r.receivers, year)
        elif origin_only:  # from_senders
            s, d = _party_set(r, r.senders, year), None
        else:
            continue
        for o in s & by_origin.keys():
            rows.extend((o, dest, r.id, r.kind) for dest in by_origin[o]
                        if d is None or dest in d)
    return pd.DataFrame(rows, columns=["origin", "destination", "id", "kind"])


@dataclass(frozen=True)
class CoverageResult:
    """Corridor coverage in one year (all shares are fractions of persons, 0-1)."""

    year: int
    group: str
    kinds: tuple[str, ...]
    corridors: pd.DataFrame
    by_kind: pd.DataFrame
    by_provision: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)
    revision: str = ""
    inputs_years: dict[str, int] = field(default_factory=dict)

    @property
    def share_covered(self) -> float:
        """Share of the group's corridor stock under at least one counted instrument."""
        t = self.tidy()
        return float(t.loc[t["measure"] == "share_covered", "value"].iloc[0])

    def tidy(self) -> pd.DataFrame:
        """The one long table of results: ``measure``, ``key``, ``value``."""
        c = self.corridors
        total = float(c["persons"].sum())
        covered = float(c.loc[c["covered"], "persons"].sum())
        rows = [("total_persons", "", total), ("covered_persons", "", covered),
                ("share_covered", "", covered / total if total else float("nan")),
                ("corridors", "", float(len(c))),
                ("corridors_covered", "", float(c["covered"].sum()))]
        rows += [("share_by_kind", k, v) for k, v in zip(self.by_kind["kind"],
                                                          self.by_kind["share"], strict=False)]
        rows += [("share_by_provision", k, v) for k, v in
                 zip(self.by_provision["provision"], self.by_provision["share"], strict=False)]
        return pd.DataFrame(rows, columns=["measure", "key", "value"])

    def to_frame(self) -> pd.DataFrame:
        """Corridors: origin, destination, persons, covered, instruments (ids), kinds."""
        return self.corridors.copy()

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        """JSON shape ``{"year", "group", "revision", "inputs_years", "share_covered",
        "corridors": [...]}`` (+ breakdowns)."""
        c = self.corridors.sort_values("persons", ascending=False)
        if top is not None:
            c = c.head(top)
        return {
            "year": self.year, "group": self.group, "revision": self.revision,
            "inputs_years": dict(self.inputs_years), "share_covered": self.share_covered,
            "kinds_counted": list(self.kinds),
            "by_kind": dict(zip(self.by_kind["kind"], self.by_kind["share"], strict=False)),
            "by_provision": dict(zip(self.by_provision["provision"], self.by_provision["share"], strict=False)),
            "corridors": [
                {"origin": r.origin, "destination": r.destination, "persons": float(r.persons),
                 "covered": bool(r.covered), "instruments": list(r.instruments),
                 "kinds": list(r.kinds)}
                for r in c.itertuples(index=False)],
        }

    def summary(self) -> str:
        """Readable summary."""
        lines = [f"Corridor coverage, {self.group}, {self.year}: "
                 f"{self.share_covered:.1%} of the migrant stock under at least one instrument "
                 f"in force ({int(self.corridors['covered'].sum())} of {len(self.corridors)} "
                 "corridors)."]
        if self.revision:
            from labourlink.store.revisions import revision_label

            joined = ", ".join(f"{k} {v}" for k, v in self.inputs_years.items())
            lines.append(f"  stocks: {revision_label(self.revision)}; years joined: {joined}")
        lines += [f"  {k:<34} {v:6.1%}" for k, v in zip(self.by_kind["kind"], self.by_kind["share"], strict=False)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def coverage_from(records: Sequence[Instrument], stocks: pd.DataFrame, year: int,
                  group: str = "ESCAP", kinds: Sequence[str] | None = None,
                  origin_only: bool = False) -> CoverageResult:
    """Coverage of the corridors in ``stocks`` (``origin``, ``destination``, ``persons``).

    Pure function (no store): the core of :func:`coverage`.
    """
    kinds_t = tuple(kinds) if kinds is not None else DEFAULT_KINDS
    for k in kinds_t:
        if k not in KINDS:
            raise InvalidArgumentError("kind", k, KINDS)
    stocks = stocks[["origin", "destination", "persons"]].reset_index(drop=True)
    cov = covered_pairs(records, stocks, year, origin_only)
    by_id = {r.id: r for r in records}
    persons = dict(zip(zip(stocks["origin"], stocks["destination"], strict=False), stocks["persons"], strict=False))
    total = float(stocks["persons"].sum())
    pair_ids: dict[tuple[str, str], set[str]] = {}
    for o, d, i in zip(cov["origin"], cov["destination"], cov["id"], strict=False):
        pair_ids.setdefault((o, d), set()).add(i)

    def share(pred: Any) -> float:
        if not total:
            return float("nan")
        return sum(persons[k] for k, ids in pair_ids.items()
                   if any(pred(by_id[i]) for i in ids)) / total

    counted = set(kinds_t)
    inst: list[list[str]] = []
    kinds_col: list[list[str]] = []
    for pair in zip(stocks["origin"], stocks["destination"], strict=True):
        ids = sorted(i for i in pair_ids.get(pair, set()) if by_id[i].kind in counted)
        inst.append(ids)
        kinds_col.append(sorted({by_id[i].kind for i in ids}))
    c = stocks.assign(covered=[bool(v) for v in inst], instruments=inst, kinds=kinds_col)
    by_kind = pd.DataFrame({"kind": list(KINDS),
                            "share": [share(lambda r, k=k: r.kind == k) for k in KINDS]})
    by_prov = pd.DataFrame({
        "provision": list(PROVISIONS),
        "share": [share(lambda r, p=p: r.kind in counted and getattr(r.provisions, p) is True)
                  for p in PROVISIONS]})
    c = c[["origin", "destination", "persons", "covered", "instruments", "kinds"]]
    return CoverageResult(int(year), group, kinds_t, c, by_kind, by_prov)


def coverage(con: Any, registry: Registry, year: int | None = None, group: str = "ESCAP",
             kinds: Sequence[str] | None = None,
             within: Literal["either", "both"] = "either",
             origin_only: bool = False, revision: object = None) -> CoverageResult:
    """Share of the group's corridor migrant stock under at least one instrument in force.

    Parameters
    ----------
    con
        Store connection (reads ``migrant_stock``).
    registry
        The registry (:func:`labourlink.governance.registry.load_registry`).
    year
        Integer year of the revision's stocks (1990, 1995, ..., 2020, 2024; default its latest).
    group
        Grouping code (default ``ESCAP``; ``World`` for every corridor).
    kinds
        Kinds counted in the headline share (default :data:`DEFAULT_KINDS`).
    within
        Corridors with origin or destination in the group (``either``) or both (``both``).
    origin_only
        Also count origin-country processes (``from_senders``) for every destination.
    revision
        UN DESA revision of the stocks (default: the newest in the store, 2024).
    """
    from dataclasses import replace

    if con is None:
        raise StoreError("coverage needs the store; build it with `labourlink data build`")
    stocks = corridor_stocks(con, year, group, within, revision)
    yr = int(stocks.attrs["year"])
    res = coverage_from(registry.records, stocks, yr, group, kinds, origin_only)
    return replace(res, revision=str(stocks.attrs["revision"]),
                   inputs_years=instrument_data_years(con, yr))


GAP_TYPES: dict[str, str] = {
    "access_without_protection": "labour-market access without worker protection",
    "access_without_return_cooperation": "labour-market access without co-operation on return, "
                                         "readmission or irregular migration",
    "cooperation_without_access": "co-operation on return or irregular migration without "
                                  "labour-market access",
}


def provision_gaps(result: CoverageResult, records: Sequence[Instrument]) -> pd.DataFrame:
    """Corridors whose instruments in force show a provision gap (study lens).

    Provisions are pooled over the counted instruments covering a corridor. Returns one row per
    corridor and gap: ``gap``, ``origin``, ``destination``, ``persons``, ``instruments``.
    """
    by_id = {r.id: r for r in records}
    rows = []
    for r in result.corridors[result.corridors["covered"]].itertuples(index=False):
        flags = {p: any(getattr(by_id[i].provisions, p) is True for i in r.instruments)
                 for p in PROVISIONS}
        access = flags["labour_market_access"]
        coop = flags["return_readmission"] or flags["irregular_migration_cooperation"]
        gaps = []
        if access and not flags["worker_protection"]:
            gaps.append("access_without_protection")
        if access and not coop:
            gaps.append("access_without_return_cooperation")
        if coop and not access:
            gaps.append("cooperation_without_access")
        for g in gaps:
            rows.append((g, r.origin, r.destination, float(r.persons), list(r.instruments)))
    out = pd.DataFrame(rows, columns=["gap", "origin", "destination", "persons", "instruments"])
    return out.sort_values(["gap", "persons"], ascending=[True, False]).reset_index(drop=True)


def largest_uncovered(result: CoverageResult, n: int = 20) -> pd.DataFrame:
    """The ``n`` largest corridors (persons) with no counted instrument in force."""
    c = result.corridors
    return (c.loc[~c["covered"], ["origin", "destination", "persons"]]
            .sort_values("persons", ascending=False).head(n).reset_index(drop=True))


def timeline(records: Sequence[Instrument]) -> pd.DataFrame:
    """Instruments by year of entry into force (or signature) and kind.

    Returns
    -------
    pandas.DataFrame
        ``year`` (int), ``kind``, ``new`` (instruments starting that year), ``cumulative``.
    """
    rows = []
    for r in records:
        start = r.in_force or r.signed
        if start is not None:
            rows.append((start.year, r.kind))
    df = pd.DataFrame(rows, columns=["year", "kind"])
    if df.empty:
        return pd.DataFrame(columns=["year", "kind", "new", "cumulative"])
    out = df.groupby(["year", "kind"]).size().rename("new").reset_index()
    out = out.sort_values(["kind", "year"])
    out["cumulative"] = out.groupby("kind")["new"].cumsum()
    return out.sort_values(["year", "kind"]).reset_index(drop=True)
