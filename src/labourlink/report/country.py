"""Country briefs: one 2-4 page profile per country, the same layout for every country.

``labourlink brief --country ISO3 --out DIR`` writes ``DIR/ISO3.html``, ``DIR/ISO3.pdf`` and
``DIR/tables/ISO3_*.csv``; ``labourlink brief --all --group ESCAP --out DIR`` writes one per
member and ``DIR/index.html`` (with ``DIR/index.csv``), in parallel.

How the work is split: :func:`collect` reads everything every brief needs from the store in a
few bulk queries (stocks by country and year, top origins and destinations, remittances,
instruments in force, corridors without one, ranks in the region) into named DataFrames;
:func:`country_brief_task` (module level, ``(data, iso3) -> dict``, the task shape of
:mod:`labourlink.cluster`) renders one brief from those frames alone, so tasks need no store
and run on any worker. :func:`run_country_tasks` is the one place that runs the tasks.

Layout (``shared/design/publication.md``): page 1 the country's name and region, four headline
tiles (immigrants, emigrants, remittances received, remittances as % of GDP, each with its
year), immigrants and emigrants over time, top 5 origins and destinations; page 2 remittances
over time (level and % of GDP), instruments in force with the country and its largest corridors
without one, and where it stands in the region. A block whose data are missing stays, with a
plain sentence saying what is missing and where it was looked for.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from rich.console import Console

from labourlink import __version__
from labourlink.errors import InvalidArgumentError, LabourlinkError
from labourlink.report import charts
from labourlink.report import numbers as nb
from labourlink.report.doc import Figure, Table, cite, make_figure, render, render_pdf, source_line

C = nb.Column
__all__ = ["AllResult", "CountryData", "CountryResult", "build_all", "build_country",
           "collect", "country_brief_task", "run_country_tasks"]

REM_PRIMARY = "knomad_2023"
REM_FALLBACK = "wdi_remittances"
TOP_N = 5
MAX_INSTRUMENTS = 10
MAX_UNCOVERED = 5
INDICATORS: tuple[tuple[str, str, nb.Kind], ...] = (
    ("immigrants_persons", "Immigrants", "persons"),
    ("emigrants_persons", "Emigrants", "persons"),
    ("immigrant_share_pct", "Immigrants, share of the population", "pct"),
    ("emigration_rate_pct", "Emigrants, share of the population at home", "pct"),
    ("remittances_usd", "Remittances received", "usd_million"),
    ("remittances_pct_gdp", "Remittances, share of GDP", "pct"),
)


@dataclass(frozen=True)
class CountryData:
    """What every country brief of a run needs: ``frames`` (name -> DataFrame) and ``extra``
    (settings); the same fields as :class:`labourlink.cluster.TaskData`."""

    frames: dict[str, pd.DataFrame]
    extra: dict[str, Any]


@dataclass(frozen=True)
class CountryResult:
    """One written country brief: paths, pages and what was missing."""

    iso3: str
    name: str
    html: Path
    pdf: Path | None
    pages: int | None
    tables: list[Path]
    missing: list[str]
    seconds: float


@dataclass(frozen=True)
class AllResult:
    """Every member's brief plus the index page."""

    group: str
    index: Path
    countries: list[CountryResult]
    seconds: float
    runner: str
    timings: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------ collect
def collect(con: duckdb.DuckDBPyConnection, group: str = "ESCAP", *,
            revision: str | int | None = None, year: int | None = None,
            countries: Sequence[str] | None = None) -> CountryData:
    """Read everything the briefs of ``countries`` (default: the members of ``group``) need.

    ``group`` is the region the countries are compared with (ranks, medians). ``year`` is the
    stock year (default: the revision's latest).
    """
    from labourlink import trends
    from labourlink.governance.coverage import DEFAULT_KINDS, coverage
    from labourlink.governance.registry import expand_party, load_registry
    from labourlink.store.revisions import resolve_revision, revision_label, stock_source
    from labourlink.trends._common import (
        check_stock_source,
        country_names,
        resolve_group,
        subregion_map,
    )
    from labourlink.trends.plots import SUBREGION_LABELS

    rev = resolve_revision(con, revision)
    source = stock_source(rev)
    years = check_stock_source(con, source)
    yr = years[-1] if year is None else int(year)
    if yr not in years:
        raise InvalidArgumentError("--year", yr, f"a year of the {rev} revision: "
                                   + ", ".join(str(y) for y in years))
    grp = resolve_group(con, group)
    members = list(grp.members)
    targets = [c.upper() for c in countries] if countries is not None else members
    known = set(country_names(con))
    bad = [c for c in targets if c not in known]
    if bad:
        raise InvalidArgumentError("--country", bad[0], "an ISO3 code of the store's country "
                                   "table (see `labourlink countries resolve NAME`)")
    everyone = sorted(set(members) | set(targets))
    names = country_names(con)
    sub = subregion_map(con)
    span = [y for y in years if y <= yr]

    # stocks and rates, per country and year
    imm = trends.immigrant_share(everyone, span, revision=rev, con=con)
    emi = trends.emigration_rate(everyone, span, revision=rev, con=con)
    stocks = imm[["iso3", "year", "immigrants_persons", "population_persons",
                  "immigrant_share"]].merge(
        emi[["iso3", "year", "emigrants_persons", "emigration_rate_share"]],
        on=["iso3", "year"], how="outer")
    stocks = stocks[stocks["iso3"].isin(everyone)].reset_index(drop=True)

    # top origins and destinations in the stock year ('other/unknown' left out)
    def tops(side: str) -> pd.DataFrame:
        me, other = ("destination", "origin") if side == "origins" else ("origin", "destination")
        return con.execute(
            f"""
            SELECT {me} AS iso3, {other} AS partner, persons, rank FROM (
              SELECT {me}, {other}, SUM(persons) AS persons,
                     row_number() OVER (PARTITION BY {me} ORDER BY SUM(persons) DESC, {other})
                       AS rank
              FROM migrant_stock
              WHERE source = ? AND year = ? AND sex = 'total' AND origin <> 'XXX'
                AND list_contains(?, {me}) AND persons > 0
              GROUP BY 1, 2)
            WHERE rank <= {TOP_N} ORDER BY iso3, rank""", [source, yr, everyone]).df()

    origins, destinations = tops("origins"), tops("destinations")

    # remittances: KNOMAD inflows (the totals of the regional brief), WDI where KNOMAD has none
    def rem_rows(source: str, codes: list[str]) -> pd.DataFrame:
        cols = ["iso3", "year", "received_usd", "received_pct_gdp", "source"]
        if not codes:
            return pd.DataFrame(columns=cols)
        try:
            r = trends.remittances(codes, by="country", source=source, revision=rev, con=con)
        except LabourlinkError:  # the store has no series from this source
            return pd.DataFrame(columns=cols)
        return r.dropna(subset=["received_usd"]).assign(source=source)[cols]

    rem_k = rem_rows(REM_PRIMARY, everyone)
    have = set(rem_k["iso3"])
    rem_w = rem_rows(REM_FALLBACK, [c for c in everyone if c not in have])
    rem = pd.concat([f for f in (rem_k, rem_w) if len(f)] or [rem_k], ignore_index=True)
    rem["year"] = rem["year"].astype("int64")

    # instruments in force with each country, and corridors without one
    target_set = set(everyone)
    gov_missing = ""
    rows = []
    inst_year = yr
    corr = pd.DataFrame(columns=["origin", "destination", "persons", "covered"])
    try:
        registry = load_registry(con)
        cov = coverage(con, registry, yr, group, revision=rev)
        inst_year = int(cov.inputs_years.get("bilateral_labour_agreements", yr))
        corr = cov.corridors
        records = registry.records
    except LabourlinkError as exc:
        gov_missing = f"Governance data not available from this store ({exc})."
        records = ()
    for rec in records:
        if not rec.active_in(yr) or rec.corridor_scope == "global":
            continue
        codes = set(rec.parties) | set(rec.senders) | set(rec.receivers)
        expanded: set[str] = set()
        for code in codes:
            expanded |= expand_party(code)
        for c in expanded & target_set:
            since = rec.party_since.get(c)
            if since is not None and since.year > yr:
                continue
            others = sorted(expanded - {c})
            bilateral = len(codes) == 2 and all(len(x) == 3 for x in codes)
            partner = names.get(others[0], others[0]) if bilateral and others else rec.name
            start = rec.in_force or rec.signed
            rows.append((c, rec.id, rec.kind, partner, int(start.year) if start else None,
                         rec.kind in DEFAULT_KINDS))
    instruments = pd.DataFrame(rows, columns=["iso3", "id", "kind", "partner", "year",
                                              "counted"])
    unc = corr[~corr["covered"].astype(bool)]
    parts = []
    for side in ("origin", "destination"):
        part = unc[unc[side].isin(target_set)][["origin", "destination", "persons"]]
        parts.append(part.assign(iso3=part[side]))
    uncovered = (pd.concat(parts, ignore_index=True)
                 .sort_values(["iso3", "persons"], ascending=[True, False])
                 .groupby("iso3").head(MAX_UNCOVERED).reset_index(drop=True))
    cov_share = []
    for c in everyone:
        mine = corr[(corr["origin"] == c) | (corr["destination"] == c)]
        tot = float(mine["persons"].sum())
        cov_share.append((c, float(mine.loc[mine["covered"].astype(bool), "persons"].sum()) / tot
                          if tot > 0 else np.nan))
    coverage_frame = pd.DataFrame(cov_share, columns=["iso3", "covered_share"])

    # where each country stands among the group's members
    last = stocks[stocks["year"] == yr].set_index("iso3")
    rem_last = rem.sort_values("year").groupby("iso3").tail(1).set_index("iso3")
    ind = pd.DataFrame({"iso3": everyone})
    ind["immigrants_persons"] = ind["iso3"].map(last["immigrants_persons"])
    ind["emigrants_persons"] = ind["iso3"].map(last["emigrants_persons"])
    ind["immigrant_share_pct"] = ind["iso3"].map(last["immigrant_share"]) * 100
    ind["emigration_rate_pct"] = ind["iso3"].map(last["emigration_rate_share"]) * 100
    ind["remittances_usd"] = ind["iso3"].map(rem_last["received_usd"])
    ind["remittances_pct_gdp"] = ind["iso3"].map(rem_last["received_pct_gdp"])
    ind["remittances_year"] = ind["iso3"].map(rem_last["year"])
    mem = ind[ind["iso3"].isin(members)]
    rank_rows = []
    for key, _label, _kind in INDICATORS:
        vals = mem.set_index("iso3")[key].dropna()
        ranks = vals.rank(ascending=False, method="min")
        median = float(vals.median()) if len(vals) else np.nan
        for c in everyone:
            v = ind.loc[ind["iso3"] == c, key].iloc[0]
            r = ranks.get(c, np.nan)
            rank_rows.append((c, key, float(v) if not nb.is_missing(v) else np.nan,
                              float(r) if not nb.is_missing(r) else np.nan, len(vals), median))
    ranks_frame = pd.DataFrame(rank_rows, columns=["iso3", "indicator", "value", "rank",
                                                   "n", "median"])
    info = pd.DataFrame({"iso3": everyone,
                         "name": [names.get(c, c) for c in everyone],
                         "subregion": [SUBREGION_LABELS.get(sub.get(c, ""), "") for c in everyone],
                         "member": [c in set(members) for c in everyone]})
    partner_codes = set(origins["partner"]) | set(destinations["partner"]) | set(
        uncovered["origin"]) | set(uncovered["destination"])
    name_frame = pd.DataFrame({"iso3": sorted(partner_codes | set(everyone))})
    name_frame["name"] = name_frame["iso3"].map(lambda c: names.get(c, c))
    prov = con.cursor().execute(
        "SELECT source, any_value(publisher) AS publisher, any_value(edition) AS edition "
        "FROM provenance GROUP BY source").df()
    frames = {"info": info, "stocks": stocks, "origins": origins, "destinations": destinations,
              "remittances": rem, "instruments": instruments, "uncovered": uncovered,
              "coverage": coverage_frame, "ranks": ranks_frame, "names": name_frame,
              "provenance": prov}
    extra = {"group": grp.code, "revision": rev, "source": source, "year": yr,
             "revision_label": revision_label(rev), "instruments_year": inst_year,
             "governance_missing": gov_missing,
             "version": __version__, "date": f"{datetime.now(UTC):%d %B %Y}",
             "countries": targets}
    return CountryData(frames, extra)


# ------------------------------------------------------------------------------ one brief
def _opts(data: Any) -> dict[str, Any]:
    extra = dict(data.extra)
    extra.setdefault("pdf", True)
    return extra


def country_brief_task(data: Any, key: str) -> dict[str, Any]:
    """Write the brief of country ``key`` (ISO3) from ``data`` (:class:`CountryData` or a
    :class:`labourlink.cluster.TaskData` with the same frames and ``extra``, which also holds
    ``out_dir`` and ``pdf``). Returns ``{"iso3", "name", "html", "pdf", "pages", "tables",
    "missing", "seconds"}`` (JSON-able)."""
    t0 = time.perf_counter()
    opts = _opts(data)
    out = Path(opts["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    page = _country_page(data.frames, opts, key)
    html = render("country.html", raster=True, **page)
    html_path = out / f"{key}.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path: Path | None = None
    pages = None
    if opts["pdf"]:
        pdf_path = out / f"{key}.pdf"
        pages = render_pdf(html, pdf_path)[1]
    written = []
    tables_dir = out / "tables"
    tables_dir.mkdir(exist_ok=True)
    for t in page["tables"]:
        p = tables_dir / f"{key}_{t.slug}.csv"
        t.csv_frame().to_csv(p, index=False)
        written.append(str(p))
    return {"iso3": key, "name": page["name"], "html": str(html_path),
            "pdf": str(pdf_path) if pdf_path else None, "pages": pages, "tables": written,
            "missing": page["missing"], "seconds": time.perf_counter() - t0,
            "immigrants": page["headline"]["immigrants"], "emigrants": page["headline"]["emigrants"],
            "remittances_usd": page["headline"]["remittances_usd"],
            "remittances_year": page["headline"]["remittances_year"],
            "subregion": page["subregion"]}


def _tile(value: str, label: str, year: str) -> dict[str, str]:
    return {"v": value, "k": label, "y": year}


def _country_page(frames: dict[str, pd.DataFrame], opts: dict[str, Any],
                  iso3: str) -> dict[str, Any]:
    info = frames["info"].set_index("iso3")
    if iso3 not in info.index:
        raise InvalidArgumentError("country", iso3, "a country collected for this run")
    names = dict(zip(frames["names"]["iso3"], frames["names"]["name"], strict=True))
    name = str(info.loc[iso3, "name"])
    subregion = str(info.loc[iso3, "subregion"] or "")
    group = str(opts["group"])
    yr = int(opts["year"])
    rev = str(opts["revision"])
    src = str(opts["source"])
    missing: list[str] = []
    figures: list[Figure] = []
    tables: list[Table] = []
    blocks: dict[str, Any] = {}
    used = [src]

    # -- page 1: headline tiles and stocks
    st = frames["stocks"][frames["stocks"]["iso3"] == iso3].sort_values("year")
    last = st[st["year"] == yr]
    imm = float(last["immigrants_persons"].iloc[0]) if len(last) else float("nan")
    emi = float(last["emigrants_persons"].iloc[0]) if len(last) else float("nan")
    rem = frames["remittances"][frames["remittances"]["iso3"] == iso3].sort_values("year")
    rem_src = str(rem["source"].iloc[0]) if len(rem) else REM_PRIMARY
    rem_last = rem.iloc[-1] if len(rem) else None
    pct_rows = rem.dropna(subset=["received_pct_gdp"])
    pct_last = pct_rows.iloc[-1] if len(pct_rows) else None
    tiles = [
        _tile(nb.persons_text(imm) if not nb.is_missing(imm) else "no data",
              "immigrants (born abroad, living here)", str(yr)),
        _tile(nb.persons_text(emi) if not nb.is_missing(emi) else "no data",
              "emigrants (born here, living abroad)", str(yr)),
        _tile(nb.usd_text(float(rem_last["received_usd"])) if rem_last is not None else "no data",
              "remittances received", str(int(rem_last["year"])) if rem_last is not None
              else "no series"),
        _tile(nb.pct_text(float(pct_last["received_pct_gdp"])) if pct_last is not None
              else "no data", "remittances, share of GDP",
              str(int(pct_last["year"])) if pct_last is not None else "no series"),
    ]
    series_ok = st[["immigrants_persons", "emigrants_persons"]].fillna(0).to_numpy().sum() > 0
    if len(st) and series_ok:
        e0, e1 = float(st["emigrants_persons"].iloc[0]), emi
        i0 = float(st["immigrants_persons"].iloc[0])
        y0 = int(st["year"].iloc[0])
        big = max(float(st["emigrants_persons"].max()), float(st["immigrants_persons"].max()))
        div, unit = (1e6, "millions") if big >= 1e6 else ((1e3, "thousands") if big >= 1e4
                                                           else (1.0, "persons"))
        digits = 1 if div > 1 else 0
        imm_clause = (f"; {nb.persons_text(imm)} migrants lived in {name}"
                      if not nb.is_missing(imm) else "")
        fig = make_figure(
            "1", f"{nb.persons_text(e1)} people born in {name} lived abroad in {yr} "
                 f"({'up' if e1 >= e0 else 'down'} from {nb.persons_text(e0)} in {y0})"
                 f"{imm_clause}",
            f"Persons{'' if unit == 'persons' else ', ' + unit}, mid-year, {y0}–{yr}; "
            f"{nb.persons_text(i0)} immigrants in {y0}",
            [src], charts.lines([
                charts.Line("Emigrants", st["year"], st["emigrants_persons"] / div,
                            charts.PALETTE[1]),
                charts.Line("Immigrants", st["year"], st["immigrants_persons"] / div,
                            charts.PALETTE[0])], height_in=2.1, value_digits=digits))
        figures.append(fig)
        blocks["stocks"] = fig
    else:
        missing.append(f"No migrant stocks for {name} in the {opts['revision_label']}.")
        blocks["stocks"] = f"No migrant stocks for {name} in the {opts['revision_label']}."
    og = frames["origins"][frames["origins"]["iso3"] == iso3].sort_values("rank")
    de = frames["destinations"][frames["destinations"]["iso3"] == iso3].sort_values("rank")
    if len(og) or len(de):
        left = ([names.get(c, c) for c in og["partner"]], list(og["persons"] / _div(og)),
                [nb.fixed(v / _div(og), 1 if _div(og) > 1 else 0) for v in og["persons"]])
        right = ([names.get(c, c) for c in de["partner"]], list(de["persons"] / _div(de)),
                 [nb.fixed(v / _div(de), 1 if _div(de) > 1 else 0) for v in de["persons"]])
        t_o = f"most migrants in {name} were born in {names.get(og['partner'].iloc[0])}" \
            if len(og) else f"no immigrants of known origin in {name}"
        t_d = f"most of its emigrants live in {names.get(de['partner'].iloc[0])}" \
            if len(de) else "no emigrants recorded"
        fig = make_figure(
            "2", f"In {yr}, {t_o}; {t_d}",
            f"Top {TOP_N} countries of birth of immigrants (left, {_unit(og)}) and of residence "
            f"of emigrants (right, {_unit(de)}), {yr}",
            [src], charts.paired_hbars(left, right, ("Immigrants: born in",
                                                     "Emigrants: living in")),
            note="UN DESA's 'other/unknown' origin is left out.")
        figures.append(fig)
        blocks["partners"] = fig
        tp = pd.concat([og.assign(side="immigrants by country of birth"),
                        de.assign(side="emigrants by country of residence")], ignore_index=True)
        tp["partner_name"] = tp["partner"].map(lambda c: names.get(c, c))
        tables.append(Table("A", "Top origins and destinations", "",
                            [C("side", "Side")], tp.head(0), [src], "partners", full=tp,
                            csv_columns=[C("side", "Side"), C("rank", "Rank", "rank"),
                                         C("partner", "Partner ISO3"),
                                         C("partner_name", "Partner"),
                                         C("persons", "Migrants", "persons")]))
    else:
        blocks["partners"] = (f"No bilateral migrant stocks with {name} in the "
                              f"{opts['revision_label']}.")
        missing.append(str(blocks["partners"]))

    # -- page 2: remittances
    if len(rem):
        used.append(rem_src)
        y_r0, y_r1 = int(rem["year"].iloc[0]), int(rem["year"].iloc[-1])
        div, unit = nb.money_scale(list(rem["received_usd"]))
        level = float(rem_last["received_usd"])  # type: ignore[index]
        title = (f"Remittances to {name}: {nb.usd_text(level)} in {y_r1}"
                 + (f", {nb.pct_text(float(pct_last['received_pct_gdp']))} of GDP in "
                    f"{int(pct_last['year'])}" if pct_last is not None else ""))
        fig = make_figure(
            "3", title,
            f"Personal remittances received: {unit} (current, left) and % of GDP (right), "
            + (f"{y_r0}–{y_r1}" if y_r1 > y_r0 else str(y_r1)),
            [rem_src, "datahub_wdi"] if rem_src == REM_PRIMARY else [rem_src],
            _remittance_chart(rem, div), extra_source="labourlink calculations",
            note=("KNOMAD's June 2023 inflows have no series for " + name
                  + "; the World Bank WDI series is shown.") if rem_src != REM_PRIMARY else "")
        figures.append(fig)
        blocks["remittances"] = fig
        tables.append(Table("B", "Remittances received", "", [C("year", "Year", "year")],
                            rem.head(0), [rem_src], "remittances", full=rem,
                            csv_columns=[C("year", "Year", "year"),
                                         C("received_usd", "Received", "usd_million"),
                                         C("received_pct_gdp", "Received, share of GDP", "pct"),
                                         C("source", "Source")]))
    else:
        blocks["remittances"] = (f"No remittance data for {name} in KNOMAD's June 2023 inflows "
                                 "or the World Bank WDI series.")
        missing.append(str(blocks["remittances"]))

    # instruments in force
    ins = frames["instruments"][frames["instruments"]["iso3"] == iso3].copy()
    kinds = {k: v for k, v in _kind_labels().items()}
    ins["kind_label"] = ins["kind"].map(lambda k: kinds.get(k, str(k).replace("_", " ")))
    ins = ins.sort_values(["counted", "year", "partner"], ascending=[False, False, True],
                          na_position="last").reset_index(drop=True)
    inst_year = int(opts["instruments_year"])
    gov_sources = [src, "chilton_woda_2022", "labourlink_registry"]
    counted = ins[ins["counted"].astype(bool)].reset_index(drop=True)
    others = len(ins) - len(counted)
    other_txt = (f"; {others} trade agreements without established movement-of-persons content "
                 "or business travel cards are not counted (all in the CSV)") if others else ""
    inst_cols = [C("id", "Registry id"), C("kind", "Kind"),
                 C("partner", "Partner or instrument"), C("year", "Year", "year"),
                 C("counted", "Counted in coverage")]
    if len(counted):
        shown = counted.head(MAX_INSTRUMENTS)
        more = (f"; the {MAX_INSTRUMENTS} most recent are listed"
                if len(counted) > MAX_INSTRUMENTS else "")
        t = Table("1", f"{len(counted)} labour-migration instruments in force with {name}, {yr}",
                  f"Kind, partner or instrument, year in force (or signed){more}{other_txt}",
                  [C("kind_label", "Kind"), C("partner", "Partner or instrument"),
                   C("year", "Year", "year")], shown, gov_sources, "instruments", full=ins,
                  csv_columns=inst_cols,
                  note=f"Bilateral labour agreements are coded up to {inst_year} and count as "
                       "in force from signature.")
        tables.append(t)
        blocks["instruments"] = t
    elif opts.get("governance_missing"):
        blocks["instruments"] = str(opts["governance_missing"])
        missing.append(str(blocks["instruments"]))
    else:
        blocks["instruments"] = (f"No labour-migration instrument in force with {name} in "
                                 f"{yr} in the labourlink registry (bilateral labour agreements "
                                 f"coded up to {inst_year}){other_txt}.")
        missing.append(str(blocks["instruments"]))
        if len(ins):
            tables.append(Table("C", "Instruments", "", [C("id", "Registry id")], ins.head(0),
                                gov_sources, "instruments", full=ins, csv_columns=inst_cols))
    un = frames["uncovered"][frames["uncovered"]["iso3"] == iso3].copy()
    cov = frames["coverage"].set_index("iso3")["covered_share"].get(iso3, np.nan)
    if len(un):
        un["from"] = un["origin"].map(lambda c: names.get(c, c))
        un["to"] = un["destination"].map(lambda c: names.get(c, c))
        cov_txt = (f"; {nb.share_pct_text(cov)} of the migrants in {name}'s corridors are covered"
                   if not nb.is_missing(cov) else "")
        t = Table("2", f"The largest corridors of {name} without an instrument in force, {yr}",
                  f"Migrants by country of birth and residence{cov_txt}",
                  [C("from", "From"), C("to", "To"), C("persons", f"Migrants, {yr}", "persons")],
                  un.reset_index(drop=True), gov_sources, "uncovered",
                  csv_columns=[C("origin", "Origin ISO3"), C("from", "Origin"),
                               C("destination", "Destination ISO3"), C("to", "Destination"),
                               C("persons", "Migrants", "persons")])
        tables.append(t)
        blocks["uncovered"] = t
    elif opts.get("governance_missing"):
        blocks["uncovered"] = str(opts["governance_missing"])
    else:
        blocks["uncovered"] = (f"Every corridor of {name} with a recorded migrant stock has an "
                               f"instrument in force in {yr}." if not nb.is_missing(cov) else
                               f"No corridor of {name} with a recorded migrant stock in {yr}.")
    used += ["chilton_woda_2022", "labourlink_registry"]

    # where the country stands
    rk = frames["ranks"][frames["ranks"]["iso3"] == iso3].set_index("indicator")
    rows = []
    for key, label, kind in INDICATORS:
        r = rk.loc[key]
        col = C("v", "", kind)
        value = nb.table_cell(col, r["value"]) if not nb.is_missing(r["value"]) else "no data"
        med = nb.table_cell(col, r["median"])
        unit = {"persons": "persons", "pct": "%", "usd_million": "US$ million"}[kind]
        rank = (f"{int(r['rank'])} of {int(r['n'])}" if not nb.is_missing(r["rank"]) else
                ("not a member" if not bool(info.loc[iso3, "member"]) else "no data"))
        rows.append((label, unit, value, rank, med))
    standing = pd.DataFrame(rows, columns=["indicator", "unit", "value", "rank", "median"])
    t = Table("3", f"Where {name} stands among {group} members",
              f"Stocks {yr}; remittances in the latest year with data; rank 1 = highest",
              [C("indicator", "Indicator"), C("unit", "Unit"), C("value", "Value"),
               C("rank", "Rank"), C("median", f"{group} median")], standing,
              [src, rem_src, "datahub_wdi"], "standing")
    tables.append(t)
    blocks["standing"] = t
    used.append("datahub_wdi")
    prov = frames["provenance"].set_index("source")
    editions = []
    for s in dict.fromkeys(used):
        c = cite(s)
        if s in prov.index and str(prov.loc[s, "edition"]) not in c:
            c = f"{c} ({prov.loc[s, 'edition']})"
        editions.append(c)
    headline = {"immigrants": None if nb.is_missing(imm) else imm,
                "emigrants": None if nb.is_missing(emi) else emi,
                "remittances_usd": float(rem_last["received_usd"]) if rem_last is not None
                else None,
                "remittances_year": int(rem_last["year"]) if rem_last is not None else None}
    return {"name": name, "iso3": iso3, "subregion": subregion, "group": group, "year": yr,
            "revision": rev, "revision_label": opts["revision_label"], "tiles": tiles,
            "blocks": blocks, "figures": figures, "tables": tables, "missing": missing,
            "editions": editions, "version": opts["version"], "date": opts["date"],
            "member": bool(info.loc[iso3, "member"]), "headline": headline,
            "stock_source_line": source_line([src], "")}


def _scale(df: pd.DataFrame) -> tuple[float, str]:
    """Divisor and unit of a chart of persons: millions, thousands or persons."""
    top = float(df["persons"].max()) if len(df) else 0.0
    if top >= 1e6:
        return 1e6, "millions of persons"
    if top >= 1e4:
        return 1e3, "thousands of persons"
    return 1.0, "persons"


def _div(df: pd.DataFrame) -> float:
    return _scale(df)[0]


def _unit(df: pd.DataFrame) -> str:
    return _scale(df)[1]


def _kind_labels() -> dict[str, str]:
    from labourlink.report.brief import KIND_LABELS

    return KIND_LABELS


def _remittance_chart(rem: pd.DataFrame, div: float) -> Any:
    fig, (a, b) = charts.new_figure(2.0, ncols=2, left_in=0.55, wspace_in=0.75, top_in=0.3)
    x = rem["year"].to_numpy(dtype=float)
    y = rem["received_usd"].to_numpy(dtype=float) / div
    a.bar(x, y, color=charts.PALETTE[2], width=0.75)
    a.set_ylim(bottom=0)
    charts._value_axis(a, "y")
    a.set_xticks(charts.year_ticks(x))
    p = rem.dropna(subset=["received_pct_gdp"])
    if len(p):
        b.plot(p["year"], p["received_pct_gdp"], color=charts.PALETTE[3], linewidth=1.8,
               marker="o", markersize=2.4)
        b.set_ylim(bottom=0)
        charts._value_axis(b, "y")
        b.set_xticks(charts.year_ticks(p["year"]))
    else:
        b.set_axis_off()
        b.text(0.5, 0.5, "no % of GDP series", ha="center", va="center", fontsize=charts.FONT,
               color=charts.GREY, transform=b.transAxes)
    a.set_title("Received", fontsize=charts.FONT + 0.5, loc="left")
    b.set_title("Received, % of GDP", fontsize=charts.FONT + 0.5, loc="left")
    return fig


# ------------------------------------------------------------------------------ running
def run_country_tasks(keys: Sequence[str], data: CountryData, *, workers: int | None = None,
                      scheduler: str | None = None, progress: bool = True,
                      console: Console | None = None,
                      on_result: Callable[[str, dict[str, Any]], None] | None = None
                      ) -> tuple[dict[str, dict[str, Any]], str]:
    """Run :func:`country_brief_task` for every key; returns ``({iso3: result}, runner)``.

    The one place that decides where the tasks run: :func:`labourlink.cluster.run_tasks`
    (``workers`` local worker processes, or a running Dask ``scheduler``; the data are sent to
    each worker once). Where :mod:`labourlink.cluster` cannot be imported, a local pool of
    ``workers`` processes with the same task shape and a progress bar (``scheduler`` then
    raises).
    """
    import importlib

    try:
        cluster: Any = importlib.import_module("labourlink.cluster")
    except ImportError:
        cluster = None
    if cluster is not None and hasattr(cluster, "run_tasks"):
        task_data = cluster.TaskData(dict(data.frames), dict(data.extra))
        # the frames are small (well under a megabyte): sent to every worker once, so no files
        # are left in a runs folder (LABOURLINK_SHIP=parquet still chooses files)
        ship = None if os.environ.get("LABOURLINK_SHIP") else "scatter"
        options = cluster.RunnerOptions(workers=workers if scheduler is None else None,
                                        scheduler=scheduler, progress=progress, ship=ship)
        out = cluster.run_tasks(country_brief_task, list(keys), data=task_data,
                                options=options, label="country briefs",
                                on_result=on_result)
        return {str(k): v for k, v in out.items()}, f"labourlink.cluster ({options.describe()})"
    if scheduler is not None:
        raise InvalidArgumentError("--scheduler", scheduler, "no --scheduler: labourlink.cluster "
                                   "(Dask) is not installed here; use --workers K")
    return _local_pool(keys, data, workers or 1, progress, console, on_result)


_WORKER_DATA: CountryData | None = None


def _init_worker(data: CountryData) -> None:
    global _WORKER_DATA
    os.environ.setdefault("MPLBACKEND", "Agg")
    _WORKER_DATA = data


def _pool_task(key: str) -> dict[str, Any]:
    assert _WORKER_DATA is not None
    return country_brief_task(_WORKER_DATA, key)


def _local_pool(keys: Sequence[str], data: CountryData, workers: int, progress: bool,
                console: Console | None,
                on_result: Callable[[str, dict[str, Any]], None] | None
                ) -> tuple[dict[str, dict[str, Any]], str]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    results: dict[str, dict[str, Any]] = {}
    bar = Progress(TextColumn("country briefs"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                   console=console or Console(stderr=True), disable=not progress)
    with bar:
        job = bar.add_task("briefs", total=len(keys))
        if workers <= 1 or len(keys) <= 1:
            for k in keys:
                results[k] = country_brief_task(data, k)
                if on_result is not None:
                    on_result(k, results[k])
                bar.advance(job)
            return results, "this process"
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(data,)) as pool:
            futures = {pool.submit(_pool_task, k): k for k in keys}
            for fut in as_completed(futures):
                k = futures[fut]
                try:
                    results[k] = fut.result()
                except Exception as exc:
                    for f in futures:
                        f.cancel()
                    raise LabourlinkError(f"country brief {k}: {type(exc).__name__}: {exc}") \
                        from exc
                if on_result is not None:
                    on_result(k, results[k])
                bar.advance(job)
    return results, f"local process pool of {workers} workers"


# ------------------------------------------------------------------------------ entry points
def _store_con(store: str | Path | None, build: bool, progress: bool,
               console: Console) -> duckdb.DuckDBPyConnection:
    from labourlink import config
    from labourlink.store import build_store, connect

    target = Path(store) if store is not None else config.store_path()
    if build:
        report = build_store(None, target, progress=progress)
        console.print(f"      {report.summary()}")
    return connect(target, read_only=True)


def _result(r: dict[str, Any]) -> CountryResult:
    return CountryResult(r["iso3"], r["name"], Path(r["html"]),
                         Path(r["pdf"]) if r.get("pdf") else None, r.get("pages"),
                         [Path(p) for p in r.get("tables", [])], list(r.get("missing", [])),
                         float(r.get("seconds", 0.0)))


def build_country(iso3: str, out_dir: str | Path = "out", *, group: str = "ESCAP",
                  revision: str | int | None = None, year: int | None = None,
                  store: str | Path | None = None, build: bool = True, pdf: bool = True,
                  progress: bool = True, console: Console | None = None) -> CountryResult:
    """Write the brief of one country: ``out_dir/ISO3.html``, ``ISO3.pdf``, ``tables/ISO3_*.csv``.

    ``group`` is the region the country is compared with (ranks and medians).
    """
    con_out = console or Console(stderr=True, quiet=not progress)
    code = str(iso3).strip().upper()
    con = _store_con(store, build, progress, con_out)
    try:
        data = collect(con, group, revision=revision, year=year, countries=[code])
    finally:
        con.close()
    data.extra.update(out_dir=str(Path(out_dir)), pdf=pdf)
    return _result(country_brief_task(data, code))


def build_all(out_dir: str | Path = "out", *, group: str = "ESCAP",
              revision: str | int | None = None, year: int | None = None,
              store: str | Path | None = None, build: bool = True, pdf: bool = True,
              workers: int | None = None, scheduler: str | None = None,
              progress: bool = True, console: Console | None = None) -> AllResult:
    """Write every member's brief and ``out_dir/index.html`` (+ ``index.csv``), in parallel.

    ``workers`` defaults to the machine's cores; ``scheduler`` runs the tasks on a running Dask
    cluster instead (needs :mod:`labourlink.cluster`).
    """
    t0 = time.perf_counter()
    con_out = console or Console(stderr=True, quiet=not progress)
    con = _store_con(store, build, progress, con_out)
    try:
        data = collect(con, group, revision=revision, year=year)
    finally:
        con.close()
    t_collect = time.perf_counter() - t0
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data.extra.update(out_dir=str(out.resolve()), pdf=pdf)
    keys = list(data.extra["countries"])
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    con_out.print(f"{len(keys)} country briefs of {data.extra['group']} "
                  f"(revision {data.extra['revision']}, {data.extra['year']}), "
                  f"data read in {t_collect:.1f} s")
    res, runner = run_country_tasks(keys, data, workers=n_workers if scheduler is None else None,
                                    scheduler=scheduler, progress=progress, console=con_out)
    results = [_result(res[k]) for k in keys]
    index = _write_index(out, data, [res[k] for k in keys])
    return AllResult(str(data.extra["group"]), index, results, time.perf_counter() - t0, runner,
                     {"collect": t_collect})


def _write_index(out: Path, data: CountryData, rows: list[dict[str, Any]]) -> Path:
    frame = pd.DataFrame([{
        "iso3": r["iso3"], "name": r["name"], "subregion": r["subregion"],
        "immigrants": r["immigrants"], "emigrants": r["emigrants"],
        "remittances": r["remittances_usd"], "remittances_year": r["remittances_year"],
        "pages": r["pages"], "missing": " ".join(r["missing"])} for r in rows])
    frame = frame.sort_values(["subregion", "name"]).reset_index(drop=True)
    cols = [C("iso3", "ISO3"), C("name", "Country"), C("subregion", "Subregion"),
            C("immigrants", "Immigrants", "persons"), C("emigrants", "Emigrants", "persons"),
            C("remittances", "Remittances received", "usd_million"),
            C("remittances_year", "Remittances year", "year"), C("pages", "Pages", "int"),
            C("missing", "Missing data")]
    csv = pd.DataFrame({nb.csv_header(c): nb.csv_column(c, frame[c.key]) for c in cols})
    csv.to_csv(out / "index.csv", index=False)
    html = render("index.html", rows=frame.to_dict("records"), cols=cols,
                  headers=[nb.header(c) for c in cols], fmt=nb.table_cell,
                  group=data.extra["group"], year=data.extra["year"],
                  revision_label=data.extra["revision_label"], version=data.extra["version"],
                  date=data.extra["date"], pdf=bool(data.extra.get("pdf", True)))
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
