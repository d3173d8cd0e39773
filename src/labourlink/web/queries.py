"""Read-only queries behind the JSON API (validated inputs in, plain JSON-able dicts out).

Every function takes a DuckDB cursor on the store and a :class:`StoreIndex` (the codes and years
the store holds, read once when the app starts) and raises
:class:`labourlink.errors.InvalidArgumentError` / :class:`UnknownCountryError` for inputs outside
them; the app turns those into 4xx responses with the one error shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from labourlink.errors import InvalidArgumentError, UnknownCountryError
from labourlink.store.revisions import (
    DEFAULT_REMITTANCE_MATRIX,
    DEFAULT_REVISION,
    REMITTANCE_MATRICES,
    REVISIONS,
    normalise_revision,
    revision_label,
    stock_source,
)
from labourlink.web.readmodel import ReadModel

REM_SOURCE = "wdi_remittances"
REM_RECEIVED = "BX.TRF.PWKR.CD.DT"
REM_PAID = "BM.TRF.PWKR.CD.DT"
REM_PCT_GDP = "BX.TRF.PWKR.DT.GD.ZS"
POP_CODE = "SP.POP.TOTL"

#: Map layers of ``/api/map``: id -> (label, unit).
MAP_LAYERS: dict[str, tuple[str, str]] = {
    "immigrants": ("International migrants living in the country (UN DESA)", "persons"),
    "emigrants": ("Emigrants born in the country, living abroad (UN DESA)", "persons"),
    "remittances_pct_gdp": ("Personal remittances received (WDI)", "% of GDP"),
}


def _num(v: Any) -> float | None:
    """A JSON-safe float (None for missing / NaN / inf)."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-safe dicts (NaN -> None, numpy scalars -> Python)."""
    out: list[dict[str, Any]] = []
    cols = list(df.columns)
    for row in df.itertuples(index=False, name=None):
        rec: dict[str, Any] = {}
        for c, v in zip(cols, row, strict=True):
            if isinstance(v, str) or v is None:
                rec[c] = v
            elif hasattr(v, "isoformat"):
                rec[c] = None if pd.isna(v) else v.isoformat()
            elif isinstance(v, bool):
                rec[c] = v
            elif isinstance(v, int | float) or hasattr(v, "dtype"):
                if isinstance(v, int) or (hasattr(v, "dtype") and v.dtype.kind in "iu"):
                    rec[c] = int(v)
                elif hasattr(v, "dtype") and v.dtype.kind == "b":
                    rec[c] = bool(v)
                else:
                    rec[c] = _num(v)
            else:
                rec[c] = None if pd.isna(v) else str(v)
        out.append(rec)
    return out


@dataclass(frozen=True)
class StoreIndex:
    """What the store holds: country codes and names, groups, years per series (read once).

    ``stock_years_by_revision`` has the years of every UN DESA revision of
    :data:`labourlink.store.revisions.REVISIONS` that the store holds; ``default_revision`` is
    :data:`~labourlink.store.revisions.DEFAULT_REVISION` (2024) when the store holds it, else the
    newest revision it holds (the answers always say which revision they use).
    """

    countries: dict[str, str]
    subregions: dict[str, str | None]
    groups: dict[str, list[str]]
    stock_years_by_revision: dict[str, list[int]]
    default_revision: str
    remittance_years: list[int]
    remittance_matrix_source: str
    remittance_matrix_years: list[int]
    sources: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stock_years(self) -> list[int]:
        """Years of the default revision."""
        return self.stock_years_by_revision.get(self.default_revision, [])

    def provenance(self, sources: Sequence[str]) -> list[dict[str, Any]]:
        """Source, edition and publisher of the given source ids (from the store's provenance)."""
        by = {s["source"]: s for s in self.sources}
        return [{"source": s, "edition": by.get(s, {}).get("edition"),
                 "publisher": by.get(s, {}).get("publisher")} for s in sources]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, revision: str | None = None) -> StoreIndex:
        """Read the index from a store connection.

        ``revision``: the default revision asked for (``labourlink serve --revision``); it must
        be in the store. ``None``: 2024, or the newest revision the store holds.
        """
        rows = con.execute(
            "SELECT iso3, name, escap_subregion FROM country ORDER BY iso3").fetchall()
        groups: dict[str, list[str]] = {}
        for g, i in con.execute(
                "SELECT group_code, iso3 FROM country_group ORDER BY group_code, iso3").fetchall():
            groups.setdefault(g, []).append(i)

        def years(sql: str, params: Sequence[Any]) -> list[int]:
            return [int(r[0]) for r in con.execute(sql, list(params)).fetchall()]

        by_rev: dict[str, list[int]] = {}
        for rev, src in REVISIONS.items():
            ys = years("SELECT DISTINCT year FROM migrant_stock WHERE source = ? ORDER BY 1", [src])
            if ys:
                by_rev[rev] = ys
        if revision is not None:
            default = normalise_revision(revision)
            if default not in by_rev:
                raise InvalidArgumentError("revision", revision, sorted(by_rev) or "a revision in "
                                           "the store (it has none; run `labourlink data build`)")
        elif DEFAULT_REVISION in by_rev or not by_rev:
            default = DEFAULT_REVISION
        else:
            default = max(by_rev)
        mat_years: list[int] = []
        mat_source = REMITTANCE_MATRICES[DEFAULT_REMITTANCE_MATRIX]
        for src in REMITTANCE_MATRICES.values():  # newest edition the store holds
            mat_years = years("SELECT DISTINCT year FROM remittance_bilateral WHERE source = ? "
                              "ORDER BY 1", [src])
            if mat_years:
                mat_source = src
                break
        prov = con.execute(
            "SELECT source, any_value(edition), any_value(publisher), count(*) FROM provenance "
            "GROUP BY source ORDER BY source").fetchall()
        return cls(
            countries={r[0]: r[1] for r in rows},
            subregions={r[0]: r[2] for r in rows},
            groups=groups,
            stock_years_by_revision=by_rev,
            default_revision=default,
            remittance_years=years("SELECT DISTINCT year FROM indicator WHERE source = ? AND "
                                   "code = ? ORDER BY 1", [REM_SOURCE, REM_RECEIVED]),
            remittance_matrix_source=mat_source,
            remittance_matrix_years=mat_years,
            sources=[{"source": s, "edition": e, "publisher": p, "files": int(n)}
                     for s, e, p, n in prov],
        )

    # ---- validation -------------------------------------------------------------------------
    def iso3(self, value: str, name: str = "iso3") -> str:
        """Validate an ISO3 code against the store's ``country`` table (case-insensitive)."""
        code = value.strip().upper()
        if code not in self.countries:
            close = sorted(c for c in self.countries if c[:2] == code[:2])[:8]
            raise UnknownCountryError(value, close, context=f"{name}: not in the store's country "
                                      "table; GET /api/meta lists the codes")
        return code

    def revision(self, value: str | None) -> str:
        """Validate a revision (``"2024"``, ``"2020"``; None: the default) against the store."""
        if value is None:
            return self.default_revision
        rev = normalise_revision(value)
        if rev not in self.stock_years_by_revision:
            raise InvalidArgumentError("revision", value, sorted(self.stock_years_by_revision)
                                       or "a revision in the store (run `labourlink data build`)")
        return rev

    def stock_year(self, year: int | None, name: str = "year", revision: str | None = None) -> int:
        """Validate a migrant-stock year of ``revision`` (default: its latest year)."""
        rev = self.revision(revision)
        ys = self.stock_years_by_revision.get(rev, [])
        if not ys:
            raise InvalidArgumentError(name, year, "a year of the migrant_stock table, which is "
                                       "empty (run `labourlink data build`)")
        if year is None:
            return ys[-1]
        if year not in ys:
            raise InvalidArgumentError(name, year, ys)
        return year

    def group(self, value: str) -> str:
        """Validate a group code of ``country_group``."""
        code = value.strip().upper()
        if code not in self.groups:
            raise InvalidArgumentError("group", value, sorted(self.groups) or "(no groups stored)")
        return code


def revision_info(idx: StoreIndex, rev: str) -> dict[str, Any]:
    """``{"revision", "revision_label", "stock_source"}`` for answers that carry stock numbers."""
    return {"revision": rev, "revision_label": revision_label(rev),
            "stock_source": stock_source(rev)}


def meta(idx: StoreIndex, rev: str) -> dict[str, Any]:
    """Countries, groups, years (of revision ``rev``) and sources held by the store."""
    return {
        **revision_info(idx, rev),
        "default_revision": idx.default_revision,
        "revisions": {r: {"stock_source": stock_source(r), "label": revision_label(r),
                          "years": ys} for r, ys in idx.stock_years_by_revision.items()},
        "countries": [{"iso3": k, "name": v, "subregion": idx.subregions.get(k)}
                      for k, v in idx.countries.items()],
        "groups": {g: len(m) for g, m in idx.groups.items()},
        "group_members": idx.groups,
        "stock_years": idx.stock_years_by_revision.get(rev, []),
        "remittance_years": idx.remittance_years,
        "remittance_matrix": idx.remittance_matrix_source,
        "remittance_matrix_years": idx.remittance_matrix_years,
        "map_layers": {k: {"label": v[0], "unit": v[1]} for k, v in MAP_LAYERS.items()},
        "sources": idx.sources,
    }


def provenance_of(con: duckdb.DuckDBPyConnection, sources: Sequence[str]) -> list[dict[str, Any]]:
    """Source, edition and publisher of the given source ids (one row each, as stored)."""
    if not sources:
        return []
    rows = con.execute(
        "SELECT source, any_value(edition), any_value(publisher) FROM provenance "
        "WHERE list_contains(?, source) GROUP BY source ORDER BY source", [list(sources)]
    ).fetchall()
    found = {r[0]: {"source": r[0], "edition": r[1], "publisher": r[2]} for r in rows}
    return [found.get(s, {"source": s, "edition": None, "publisher": None}) for s in sources]


@dataclass(frozen=True)
class MapData:
    """Every map layer for every year, read once per store snapshot (a few queries).

    ``stocks[(rev, layer)][year]`` ISO3 -> persons (immigrants by destination, emigrants by
    origin, countries of the ``country`` table only); ``remittances[year]`` ISO3 -> % of GDP;
    ``points`` ISO3 -> capital (preferred) or centroid coordinates.
    """

    stocks: dict[tuple[str, str], dict[int, dict[str, float | None]]]
    remittances: dict[int, dict[str, float | None]]
    points: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, idx: StoreIndex) -> MapData:
        """Read the layers of every revision the store holds."""
        stocks: dict[tuple[str, str], dict[int, dict[str, float | None]]] = {}
        for rev in idx.stock_years_by_revision:
            for layer, col in (("immigrants", "destination"), ("emigrants", "origin")):
                by_year: dict[int, dict[str, float | None]] = {}
                for iso, year, v in con.execute(
                        f"SELECT {col}, year, SUM(persons) FROM migrant_stock WHERE source = ? "
                        f"AND sex = 'total' AND {col} IN (SELECT iso3 FROM country) "
                        "GROUP BY 1, 2", [stock_source(rev)]).fetchall():
                    by_year.setdefault(int(year), {})[iso] = _num(v)
                stocks[(rev, layer)] = by_year
        rem: dict[int, dict[str, float | None]] = {}
        for iso, year, v in con.execute(
                "SELECT iso3, year, value FROM indicator WHERE source = ? AND code = ? "
                "AND value IS NOT NULL AND iso3 IN (SELECT iso3 FROM country)",
                [REM_SOURCE, REM_PCT_GDP]).fetchall():
            rem.setdefault(int(year), {})[iso] = _num(v)
        points: dict[str, dict[str, Any]] = {}
        for iso, lat, lon, kind, src in con.execute(
                "SELECT iso3, lat, lon, kind, source FROM country_point ORDER BY "
                "CASE kind WHEN 'capital' THEN 0 ELSE 1 END").fetchall():
            points.setdefault(iso, {"lat": _num(lat), "lon": _num(lon), "kind": kind,
                                    "source": src})
        return cls(stocks, rem, points)


def map_layer(data: MapData, idx: StoreIndex, layer: str, year: int | None,
              rev: str) -> dict[str, Any]:
    """Values by ISO3 for one map layer and year, plus points for every country with a value.

    The stock layers read UN DESA revision ``rev``; the answer carries ``revision``.
    """
    if layer not in MAP_LAYERS:
        raise InvalidArgumentError("layer", layer, list(MAP_LAYERS))
    label, unit = MAP_LAYERS[layer]
    extra: dict[str, Any] = {}
    if layer in ("immigrants", "emigrants"):
        yr = idx.stock_year(year, revision=rev)
        values = data.stocks.get((rev, layer), {}).get(yr, {})
        sources = [stock_source(rev)]
        years = idx.stock_years_by_revision[rev]
        label = label.replace("(UN DESA)", f"(UN DESA IMS {rev})")
        extra = revision_info(idx, rev)
    else:
        years = sorted(data.remittances)
        if not years:
            raise InvalidArgumentError("layer", layer, "a layer with data (the store has no "
                                       f"{REM_PCT_GDP} values)")
        yr = years[-1] if year is None else year
        if yr not in years:
            raise InvalidArgumentError("year", year, years)
        values = data.remittances[yr]
        sources = [REM_SOURCE]
    return {**extra, "layer": layer, "label": label, "unit": unit, "year": yr, "years": years,
            "values": values, "points": data.points, "provenance": idx.provenance(sources)}


def country(model: ReadModel, idx: StoreIndex, iso3: str, year: int | None,
            rev: str) -> dict[str, Any]:
    """Country profile: stocks in and out, top partners, remittances and population.

    ``remittance_series`` starts at the first year with a remittance value (received, paid or %
    of GDP) and runs to the last year of the series (years without any value are left out).
    """
    code = idx.iso3(iso3)
    yr = idx.stock_year(year, revision=rev)
    series = model.country_series(code)
    this = next((r for r in series if r["year"] == yr), {})
    immigrants = this.get("immigrants_persons")

    def top(side: str) -> list[dict[str, Any]]:
        return [{"iso3": p, "name": idx.countries.get(p, p), "persons": v}
                for p, v in model.top_partners(code, yr, side)]

    rem = model.remittance_series(code)
    population = next((r["population_persons"] for r in rem if r["year"] == yr), None)
    keys = ("received_usd", "paid_usd", "received_pct_gdp")
    first = next((k for k, r in enumerate(rem) if any(r[c] is not None for c in keys)), len(rem))
    rem_shown = [r for r in rem[first:] if any(
        r[c] is not None for c in (*keys, "population_persons"))]
    return {
        **revision_info(idx, rev),
        "iso3": code, "name": idx.countries[code], "subregion": idx.subregions.get(code),
        "year": yr, "years": idx.stock_years_by_revision[rev],
        "immigrants_persons": immigrants, "emigrants_persons": this.get("emigrants_persons"),
        "female_immigrants_persons": this.get("female_immigrants_persons"),
        "population_persons": population,
        "immigrant_share_pct": (100.0 * immigrants / population
                                if immigrants is not None and population else None),
        "top_origins": top("in"),
        "top_destinations": top("out"),
        "stock_series": [{k: v for k, v in r.items() if k != "female_immigrants_persons"}
                         for r in series],
        "remittance_series": rem_shown,
        "remittance_first_year": rem_shown[0]["year"] if rem_shown else None,
        "provenance": idx.provenance([model.source, REM_SOURCE, "datahub_wdi"]),
    }


def corridor(model: ReadModel, idx: StoreIndex, origin: str, destination: str,
             rev: str) -> dict[str, Any]:
    """A corridor origin -> destination: stock time series both ways and remittances."""
    o = idx.iso3(origin, "origin")
    d = idx.iso3(destination, "destination")
    if o == d:
        raise InvalidArgumentError("destination", destination, "a country other than the origin")
    return {
        **revision_info(idx, rev),
        "origin": o, "origin_name": idx.countries[o],
        "destination": d, "destination_name": idx.countries[d],
        "stock_series": model.corridor_series(o, d),
        "flows": model.corridor_flows(o, d),
        "flow_methods": list(model.flows.methods),
        "flow_note": ("Persons moving from the origin to the destination in each period, "
                      "estimated from successive stock tables of the same revision "
                      "(labourlink flows; methods as in Abel and Cohen 2019: stock differencing, "
                      "migration rates, demographic accounting); 2020-2024 covers four years. "
                      "The spread between methods is part of the finding."),
        "remittances_usd_million": model.corridor_remittances(o, d),
        "remittance_matrix": model.remittance_source,
        "remittance_note": (f"World Bank/KNOMAD bilateral remittance estimate "
                            f"({model.remittance_source}), sent from the destination (host) to "
                            "the origin, US$ million"),
        "provenance": idx.provenance([model.source, model.remittance_source]),
    }


@dataclass(frozen=True)
class GovernanceTables:
    """The governance tables the dashboard lists, read once per store snapshot.

    ``labour_agreements`` (Chilton & Woda) ordered by year (unknown last) and id;
    ``trade_agreements`` with labour provisions ordered by entry into force and id;
    ``rta_members`` agreement id -> ISO3 members; ``most`` the 20 countries with most labour
    agreements.
    """

    labour_agreements: list[dict[str, Any]]
    trade_agreements: list[dict[str, Any]]
    rta_members: dict[str, set[str]]
    most: list[dict[str, Any]]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> GovernanceTables:
        """Read the tables from a store connection."""
        bla = con.execute(
            "SELECT agreement_id, party_a, party_b, year, signed, title, source FROM "
            "labour_agreement ORDER BY year NULLS LAST, agreement_id").df()
        counts = con.execute(
            "SELECT iso3, count(*) AS agreements FROM (SELECT party_a AS iso3 FROM "
            "labour_agreement UNION ALL SELECT party_b FROM labour_agreement) GROUP BY iso3 "
            "ORDER BY agreements DESC, iso3 LIMIT 20").df()
        rta = con.execute(
            "SELECT a.agreement_id, a.name, a.type, a.status, a.in_force, a.labour_provisions, "
            "a.source FROM trade_agreement a WHERE a.labour_provisions "
            "ORDER BY a.in_force NULLS LAST, a.agreement_id").df()
        members: dict[str, set[str]] = {}
        for aid, iso in con.execute(
                "SELECT agreement_id, iso3 FROM trade_agreement_member").fetchall():
            members.setdefault(aid, set()).add(iso)
        return cls(records(bla), records(rta), members, records(counts))


#: Most rows of each list in a governance answer.
GOVERNANCE_ROWS = 500


def governance(tables: GovernanceTables, idx: StoreIndex, iso3: str | None) -> dict[str, Any]:
    """Bilateral labour agreements (Chilton & Woda) and trade agreements with labour provisions.

    With ``iso3``, the agreements that country is party to. Lists stop at
    :data:`GOVERNANCE_ROWS` rows; ``labour_agreements_total`` counts them all.
    """
    code = None if iso3 is None else idx.iso3(iso3)
    bla = [a for a in tables.labour_agreements
           if code is None or code in (a["party_a"], a["party_b"])]
    rta = [a for a in tables.trade_agreements
           if code is None or code in tables.rta_members.get(a["agreement_id"], ())]
    srcs = sorted({a["source"] for a in bla} | {a["source"] for a in rta})
    return {"iso3": code, "labour_agreements": bla[:GOVERNANCE_ROWS],
            "labour_agreements_total": len(bla),
            "most_agreements": tables.most,
            "trade_agreements_with_labour_provisions": rta[:GOVERNANCE_ROWS],
            "provenance": idx.provenance(srcs)}


def top_corridors(con: duckdb.DuckDBPyConnection, idx: StoreIndex, rev: str,
                  year: int) -> list[dict[str, Any]]:
    """The 100 largest corridors between countries of revision ``rev`` in ``year`` (persons)."""
    df = con.execute(
        "SELECT m.origin, m.destination, m.persons FROM migrant_stock m WHERE m.source = ? "
        "AND m.year = ? AND m.sex = 'total' AND m.origin IN (SELECT iso3 FROM country) "
        "AND m.destination IN (SELECT iso3 FROM country) "
        "ORDER BY m.persons DESC, m.origin, m.destination LIMIT 100",
        [stock_source(rev), year]).df()
    return records(df)
