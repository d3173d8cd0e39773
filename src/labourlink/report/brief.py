"""The regional brief: ``labourlink brief`` writes ``brief.html``, ``brief.pdf`` and the CSVs.

Layout (``shared/design/publication.md``): page 1 carries the title, what the brief covers, an
edition line (data revisions, date, labourlink version) and 6-8 **key findings**, each a sentence
written by code from the store's numbers, with its year, pointing to the figure or table that
shows it. Then one section per part of the study, in the study's order:

1. trends in regional labour mobility (:mod:`labourlink.trends`);
2. trade-migration links (:func:`labourlink.gravity.presets.migration_trade_table`);
3. development impacts: remittances (:mod:`labourlink.trends`, KNOMAD inflows and the bilateral
   matrix);
4. governance coverage and gaps (:mod:`labourlink.governance.coverage`);
5. a co-operative agreement: each shipped scenario (:mod:`labourlink.scenarios`) as one chart of
   what each side gives and gets, a ledger of at most 10 rows and its assumptions in a box.

Each section has two or three generated sentences, one lead figure titled by its finding and at
most one table of at most 12 rows. Model notes, coefficient provenance and the list of full
tables go to the annexes (A methods, B sources with the store's provenance, C tables), the full
tables to ``tables/*.csv``. Every number is printed by :mod:`labourlink.report.numbers`.

A part the store cannot provide is said plainly in its section and its finding is left out;
nothing is ever filled in. Stocks come from one UN DESA revision (``revision``: the newest in the
store by default, 2024), and the headline year defaults to that revision's latest year.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
from rich.console import Console

from labourlink import __version__
from labourlink.errors import InvalidArgumentError, LabourlinkError
from labourlink.report import charts
from labourlink.report import numbers as nb
from labourlink.report.doc import (
    Box,
    Figure,
    Heading,
    Para,
    Section,
    Table,
    make_figure,
    render,
    write_csvs,
)
from labourlink.report.doc import write_pdf as write_pdf

T = TypeVar("T")
C = nb.Column

__all__ = ["BriefResult", "Finding", "build_brief", "write_pdf"]

#: Display names of the groupings the brief is usually run on.
REGION_NAMES = {"ESCAP": "Asia and the Pacific", "World": "the world"}
#: Remittance inflows used for country and group totals (as in ``trends.overview``).
REM_TOTALS = "knomad_2023"
KIND_LABELS = {
    "bilateral_labour_agreement": "Bilateral labour agreement",
    "mou": "Memorandum of understanding",
    "memorandum_of_cooperation": "Memorandum of co-operation",
    "declaration_or_consensus": "Declaration or consensus",
    "regional_consultative_process": "Regional consultative process",
    "mutual_recognition_arrangement": "Mutual recognition arrangement",
    "trade_agreement_mnp_chapter": "Trade agreement with a movement-of-persons chapter",
    "seasonal_or_temporary_scheme": "Seasonal or temporary scheme",
    "travel_card": "Business travel card",
    "free_movement_arrangement": "Free movement arrangement",
    "trade_agreement": "Trade agreement (no established movement-of-persons content)",
    "trade_agreement_mnp": "Trade agreement with a movement-of-persons chapter",
    "seasonal_scheme": "Seasonal worker scheme",
}


@dataclass(frozen=True)
class Finding:
    """A key finding: the sentence, the figure/table it points to and the numbers it prints
    (name -> printed text, as :mod:`labourlink.report.numbers` formats them)."""

    key: str
    text: str
    ref: str
    anchor: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BriefResult:
    """Where the brief was written and what it holds."""

    html: Path
    pdf: Path | None
    pdf_engine: str
    tables: list[Path]
    sections: list[Section]
    findings: list[Finding]
    group: str
    revision: str
    year: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def figures(self) -> list[Figure]:
        """Every figure, in order."""
        return [f for s in self.sections for f in s.figures]

    @property
    def all_tables(self) -> list[Table]:
        """Every printed table, in order."""
        return [t for s in self.sections for t in s.tables]


@dataclass
class _Ctx:
    con: duckdb.DuckDBPyConnection
    group: str
    members: list[str]
    revision: str
    source: str
    year: int
    years: list[int]
    draws: int
    svg: bool
    names: dict[str, str]
    findings: dict[str, Finding] = field(default_factory=dict)
    csv_only: list[Table] = field(default_factory=list)
    methods: list[tuple[str, list[str]]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "all countries" if self.group == "World" else f"{self.group} members"

    @property
    def into(self) -> str:
        return "in the world" if self.group == "World" else "into a member"

    @property
    def prev_year(self) -> int | None:
        before = [y for y in self.years if y < self.year]
        return before[-1] if before else None

    def name(self, iso3: str) -> str:
        return self.names.get(iso3, iso3)

    def use(self, *sources: str) -> None:
        for s in sources:
            if s not in self.sources:
                self.sources.append(s)

    def figure(self, number: str, title: str, subtitle: str, sources: list[str], fig: Any,
               note: str = "") -> Figure:
        self.use(*sources)
        return make_figure(number, title, subtitle, sources, fig, svg=self.svg, note=note)

    def finding(self, key: str, text: str, item: Figure | Table, **values: str) -> None:
        self.findings[key] = Finding(key, text, item.label, item.anchor, dict(values))


def _guard(sec: Section, ctx: _Ctx, what: str, fn: Callable[[], T],
           finding: str | None = None) -> T | None:
    """Run one part of a section; a part the store (or labourlink) cannot provide becomes a
    plain sentence in the section and its finding is left out."""
    try:
        return fn()
    except (ImportError, NotImplementedError) as exc:
        msg = f"{what}: this part of labourlink is not available ({exc})."
    except LabourlinkError as exc:
        msg = f"{what}: not available from this store ({exc})."
    except duckdb.Error as exc:
        msg = f"{what}: the store could not answer ({exc})."
    sec.missing.append(msg)
    if finding:
        ctx.left_out.append(finding)
    return None


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# ------------------------------------------------------------------------------ 1. trends
def _section_trends(ctx: _Ctx) -> Section:
    from labourlink import trends

    sec = Section("1", "Trends in regional labour mobility")
    rev_src = [ctx.source]

    def over_time() -> None:
        ov = trends.overview(ctx.members if ctx.group == "World" else ctx.group,
                             [y for y in ctx.years if y <= ctx.year], revision=ctx.revision,
                             con=ctx.con)
        ov = ov.assign(within_persons=ov["emigrants"] * ov["intraregional_share_of_emigrants"])
        first, last = ov.iloc[0], ov.iloc[-1]
        y0, y1 = int(first["year"]), int(last["year"])
        prev = ov[ov["year"] == ctx.prev_year].iloc[0] if ctx.prev_year in set(ov["year"]) else None
        h0, h1 = float(first["hosted"]), float(last["hosted"])
        rose = "rose" if h1 > h0 else "fell"
        world = ctx.group == "World"
        series = [
            charts.Line("Born in members, abroad", ov["year"], ov["emigrants"] / 1e6,
                        charts.PALETTE[1]),
            charts.Line("Living in members", ov["year"], ov["hosted"] / 1e6, charts.PALETTE[0]),
            charts.Line("Moved between members", ov["year"], ov["within_persons"] / 1e6,
                        charts.PALETTE[2], dashed=True),
        ]
        if world:
            series = [charts.Line("Migrants", ov["year"], ov["hosted"] / 1e6, charts.PALETTE[0]),
                      charts.Line("of whom with a known country of birth", ov["year"],
                                  ov["emigrants"] / 1e6, charts.PALETTE[1], dashed=True)]
        fig = ctx.figure(
            "1.1", f"Migrants living in {ctx.label} {rose} from {nb.persons_text(h0)} in {y0} to "
                   f"{nb.persons_text(h1)} in {y1}",
            f"Persons, millions, mid-year, {y0}–{y1}: "
            + ("all migrants and those with a known country of birth" if world else
               "migrants living in members, people born in members living abroad, and the "
               "migrants who moved between members"),
            rev_src, charts.lines(series, height_in=2.5),
            note="Migrants are people living outside their country of birth. "
                 f"{charts_subset_note(ctx)}")
        sec.items.append(fig)
        s_em, s_im = (float(last["intraregional_share_of_emigrants"]),
                      float(last["intraregional_share_of_immigrants"]))
        s_em0 = float(first["intraregional_share_of_emigrants"])
        emig = nb.persons_text(float(last["emigrants"]))
        since = (f", {nb.change_persons_text(h1 - float(prev['hosted']))} since {ctx.prev_year}"
                 if prev is not None else "")
        first_sentence = (f"In {y1}, {nb.persons_text(h1)} international migrants lived in "
                          f"{ctx.label}{since}, {'up' if h1 >= h0 else 'down'} from "
                          f"{nb.persons_text(h0)} in {y0}.")
        if world:
            second = f"{emig} of them have a known country of birth."
        else:
            second = (f"{emig} people born in members lived abroad; {nb.share_pct_text(s_em)} of "
                      f"them lived in another member ({nb.share_pct_text(s_em0)} in {y0}), and "
                      f"{nb.share_pct_text(s_im)} of the migrants living in members were born in "
                      "another member.")
        sec.items.append(Para(f"{first_sentence} {second}"))
        ctx.finding("hosted", f"Migrants living in {ctx.label}: {nb.persons_text(h1)} in {y1}, "
                              f"{'up' if h1 >= h0 else 'down'} from {nb.persons_text(h0)} in "
                              f"{y0}.", fig,
                    hosted=nb.persons_text(h1), hosted_first=nb.persons_text(h0))
        if not world:
            ctx.finding("emigrants", f"People born in {ctx.label} and living abroad: {emig} in "
                                     f"{y1}; {nb.share_pct_text(s_em)} of them live in another "
                                     "member.", fig, emigrants=emig,
                        share=nb.share_pct_text(s_em))
        cols = [C("year", "Year", "year"), C("hosted", "Migrants living in members", "persons"),
                C("emigrants", "People born in members living abroad", "persons"),
                C("within_persons", "Migrants born in another member", "persons"),
                C("intraregional_share_of_emigrants", "Share of emigrants living in members",
                  "share"),
                C("intraregional_share_of_immigrants", "Share of immigrants born in members",
                  "share"),
                C("revision", "UN DESA revision")]
        ctx.csv_only.append(Table("1.1", "Migrants over time (data of Figure 1.1)", "", cols[:1],
                                  ov.head(0), rev_src, "1_migrants_over_time", full=ov,
                                  csv_columns=cols))

    _guard(sec, ctx, "Migrants over time", over_time, "migrants hosted and emigrants")

    def corridors() -> None:
        prev = ctx.prev_year
        top = trends.top_corridors(50, ctx.year, ctx.members if ctx.group == "World" else
                                   ctx.group, "destination", start_year=prev,
                                   revision=ctx.revision, con=ctx.con)
        if top.empty:
            raise LabourlinkError(f"no corridor into {ctx.label} in {ctx.year}")
        top = top.assign(origin_name=top["origin"].map(ctx.name),
                         destination_name=top["destination"].map(ctx.name))
        cols = [C("origin_name", "From"), C("destination_name", "To"),
                C("persons", f"Migrants, {ctx.year}", "persons")]
        if prev is not None:
            cols += [C("change_persons", f"Change since {prev}", "persons", signed=True),
                     C("annual_growth_pct", "Growth a year", "pct", signed=True)]
        csv_cols = [C("rank", "Rank", "rank"), C("origin", "Origin ISO3"),
                    C("origin_name", "Origin"), C("destination", "Destination ISO3"),
                    C("destination_name", "Destination"), C("year", "Year", "year"),
                    C("persons", "Migrants", "persons"),
                    C("persons_start", "Migrants in the base year", "persons"),
                    C("change_persons", "Change", "persons"),
                    C("annual_growth_pct", "Annual growth", "pct"),
                    C("revision", "UN DESA revision")]
        if prev is not None:
            csv_cols.insert(6, C("start_year", "Base year", "year"))
        where = "in the world" if ctx.group == "World" else f"into {ctx.label}"
        t = Table("1.1", f"The ten largest corridors {where}, {ctx.year}",
                  "Migrants by country of birth and of residence; change in persons and annual "
                  "growth in % a year", cols, top.head(10), rev_src, "1_top_corridors",
                  full=top, csv_columns=csv_cols,
                  note="Corridors from UN DESA's 'other/unknown' origin are left out.")
        ctx.use(*rev_src)
        sec.items.append(t)
        r = top.iloc[0]
        change = (f", {nb.change_persons_text(float(r['change_persons']))} since {prev}"
                  if prev is not None else "")
        ctx.finding("top_corridor", f"The largest migration corridor {ctx.into} in "
                                    f"{ctx.year}: {r['origin_name']} to {r['destination_name']},"
                                    f" {nb.persons_text(float(r['persons']))} people{change}.",
                    t, persons=nb.persons_text(float(r["persons"])),
                    change=nb.change_persons_text(float(r["change_persons"]))
                    if prev is not None else "")

    _guard(sec, ctx, "Largest corridors", corridors, "largest corridor")
    _flows(sec, ctx)
    return sec


def charts_subset_note(ctx: _Ctx) -> str:
    """Which revision the series come from."""
    from labourlink.store.revisions import revision_label

    return f"All years from one revision ({revision_label(ctx.revision)})."


def _flows(sec: Section, ctx: _Ctx) -> None:
    """Migration flows estimated from stocks (:mod:`labourlink.flows`) beside the stocks: one
    sentence with the flows into, out of and between members in the period ending at the
    headline year, under the reference method and stock differencing; every method's totals
    go to ``tables/1_flows_by_method.csv``."""
    try:
        from labourlink import flows
        from labourlink.flows.spec import REFERENCE_METHOD
    except ImportError:
        ctx.methods.append(("Migration flows", [
            "Flows estimated from successive stock tables (labourlink.flows) are not part of "
            "this installation; the trends section shows stocks only."]))
        return

    def one() -> None:
        tot = flows.group_totals(ctx.members if ctx.group == "World" else ctx.group,
                                 revision=ctx.revision, con=ctx.con)
        ends = sorted(int(e) for e in tot["period_end"].unique() if int(e) <= ctx.year)
        if not ends:
            raise LabourlinkError(f"no flow period ending at or before {ctx.year}")
        p = tot[tot["period_end"] == ends[-1]]
        p0, p1 = int(p["period_start"].iloc[0]), ends[-1]

        def flow(side: str, method: str) -> float:
            row = p[(p["side"] == side) & (p["method"] == method)]
            return float(row["flow"].iloc[0]) if len(row) else float("nan")

        ref, sd = REFERENCE_METHOD, "sd_drop_neg"
        if ctx.group == "World":
            text = (f"Estimated from successive stock tables with births and deaths "
                    f"({ref}, Azose and Raftery), {nb.persons_text(flow('within', ref))} people "
                    f"moved between countries in {p0}–{p1}; stock differencing ({sd}), which "
                    f"sees only net growth, counts {nb.persons_text(flow('within', sd))}.")
        else:
            text = (f"Estimated from successive stock tables with births and deaths "
                    f"({ref}, Azose and Raftery), {nb.persons_text(flow('out_of', ref))} people "
                    f"moved out of members in {p0}–{p1}, "
                    f"{nb.persons_text(flow('into', ref))} into them and "
                    f"{nb.persons_text(flow('within', ref))} between members; stock "
                    f"differencing ({sd}), which sees only net growth, counts "
                    f"{nb.persons_text(flow('within', sd))} moves between members.")
        sec.items.append(Para(text))
        srcs = [ctx.source, "wpp2024", "labourlink_flows"]
        ctx.use(*srcs)
        cols = [C("side", "Side"), C("period_start", "Period start", "year"),
                C("period_end", "Period end", "year"), C("method", "Method"),
                C("revision", "UN DESA revision"), C("flow", "Flow", "persons"),
                C("flow_per_year", "Flow a year", "persons")]
        ctx.csv_only.append(Table("1.2", "Migration flows of the group by period and method",
                                  "", cols[:1], tot.head(0), srcs, "1_flows_by_method",
                                  full=tot, csv_columns=cols))
        ctx.methods.append(("Migration flows (Section 1)", [
            "Bilateral flows are estimated from successive stock tables of the same revision "
            "(labourlink.flows, six methods of Abel and Cohen 2019): stock differencing "
            "(sd_drop_neg, sd_rev_neg), migration rates (mig_rate) and demographic accounting "
            "with UN World Population Prospects 2024 births and deaths (da_min_open, "
            f"da_min_closed, da_pb_closed). The text quotes {ref} (Azose and Raftery 2019), "
            "which also counts return and onward moves, beside sd_drop_neg; the spread between "
            "methods is wide, and tables/1_flows_by_method.csv gives every method's totals "
            "into, out of and within the group for every period."]))

    _guard(sec, ctx, "Migration flows", one)


# ------------------------------------------------------------------------------ 2. links
def _section_links(ctx: _Ctx) -> Section:
    sec = Section("2", "Trade-migration links")

    def estimates() -> None:
        from labourlink.gravity.presets import pct_effect

        tab, (y0, y1), cached = trade_migration_estimates(ctx.con, ctx.revision)
        tab = tab.assign(
            pct_low=[pct_effect(v) for v in tab["conf_low"]],
            pct_high=[pct_effect(v) for v in tab["conf_high"]],
            ci=[f"{nb.coef(lo)} to {nb.coef(hi)}" for lo, hi in
                zip(tab["conf_low"], tab["conf_high"], strict=True)],
            row=[f"{s[0].upper()}{s[1:]}, {m}" for s, m in
                 zip(tab["sample"], tab["model"], strict=True)])
        w = tab[(tab["sample"] == "world") & (tab["model"] == "structural")].iloc[0]
        wp = tab[(tab["sample"] == "world") & (tab["model"] == "pair FE")].iloc[0]
        ep = tab[(tab["sample"] == "ESCAP pairs") & (tab["model"] == "structural")].iloc[0]

        def signif(r: pd.Series) -> bool:
            return bool(r["conf_low"] > 0 or r["conf_high"] < 0)

        colours = [charts.PALETTE[0] if m == "structural" else charts.PALETTE[1]
                   for m in tab["model"]]
        w_txt = nb.change_pct_text(float(w["pct_trade_10pct"]), 2)
        fig_title = (f"10% more migrants between two countries go with {w_txt} trade; with "
                     f"pair fixed effects the link is "
                     f"{'still there' if signif(wp) else 'no longer significant'}")
        fig = ctx.figure(
            "2.1", fig_title,
            f"Change in bilateral trade (%) for 10% more migrants in both directions, with 95% "
            f"confidence intervals; PPML gravity, WTO imports {y0}–{y1}",
            ["wto_hs_m_0010", ctx.source, "cepii_geodist", "wto_rta"],
            charts.dot_intervals(list(tab["row"]), list(tab["pct_trade_10pct"]),
                                 list(tab["pct_low"]), list(tab["pct_high"]), colours=colours,
                                 xlabel="Change in trade for 10% more migrants (%)",
                                 value_text=[nb.change_pct_text(v, 2)
                                             for v in tab["pct_trade_10pct"]],
                                 legend={"structural gravity": charts.PALETTE[0],
                                         "with pair fixed effects": charts.PALETTE[1]}),
            note="Structural: exporter-year and importer-year fixed effects; pair FE adds a "
                 "fixed effect for every pair of countries (Parsons 2012). Standard errors "
                 "clustered by pair.")
        sec.items.append(fig)
        cols = [C("row", "Sample and model"), C("elasticity", "Elasticity", "coef", 3),
                C("ci", "95% interval"),
                C("pct_trade_10pct", "Trade, +10% migrants", "pct", 2, signed=True),
                C("nobs", "Observations", "int")]
        csv_cols = [C("sample", "Sample"), C("model", "Model"),
                    C("elasticity", "Elasticity", "coef"), C("std_error", "Std. error", "coef"),
                    C("conf_low", "95% low", "coef"), C("conf_high", "95% high", "coef"),
                    C("pct_trade_10pct", "Trade change for 10% more migrants", "pct"),
                    C("pct_low", "low", "pct"), C("pct_high", "high", "pct"),
                    C("nobs", "Observations", "int"), C("literature", "Literature")]
        t = Table("2.1", "Migration-trade elasticities, all pairs and pairs of ESCAP members",
                  f"Elasticity of trade to log(1 + migrants), PPML, WTO imports {y0}–{y1}",
                  cols, tab, ["wto_hs_m_0010", ctx.source, "cepii_geodist", "wto_rta"],
                  "2_trade_migration_elasticities", csv_columns=csv_cols,
                  extra_source="labourlink estimates")
        ctx.use(*t.sources)
        sec.items.append(t)
        genc = "far below" if float(w["conf_high"]) < 0.15 else "in line with"
        sec.items.append(Para(
            f"Across all country pairs, 10% more migrants go with {w_txt} trade (95% interval "
            f"{nb.change_pct_text(float(w['pct_low']), 2)} to "
            f"{nb.change_pct_text(float(w['pct_high']), 2)}), {genc} the meta-analysis benchmark "
            "of about +1.5% (Genc et al. 2012). "
            f"Among pairs of ESCAP members the estimate is "
            f"{nb.change_pct_text(float(ep['pct_trade_10pct']), 2)} and "
            f"{'significant' if signif(ep) else 'not significant'}; once pair fixed effects "
            "absorb what does not change over time, the world estimate is "
            f"{nb.change_pct_text(float(wp['pct_trade_10pct']), 2)}"
            f" ({'significant' if signif(wp) else 'not significant'})."))
        ctx.finding("trade_link", f"10% more migrants between two countries go with {w_txt} "
                                  f"trade (world, structural gravity, {y0}–{y1}); the "
                                  f"meta-analysis benchmark is about +1.5%.",
                    fig, pct=w_txt)
        ctx.methods.append(("Trade-migration links (Section 2)", [
            f"PPML gravity on the WTO bilateral imports panel ({y0}–{y1}, "
            f"{int(w['nobs']):,} observations in the structural model) with migrant networks "
            f"log(1 + migrants in both directions) from the {ctx.revision} revision; "
            "structural models have exporter-year and importer-year fixed effects, pair-FE "
            "models add a fixed effect per pair; RTA and distance controls; standard errors "
            "clustered by pair (labourlink.gravity presets 'pair-fe' and 'escap').",
            "ESCAP pairs: the sum of log_mig and its interaction with a dummy for pairs of ESCAP "
            "members; other pairs: log_mig of the same model."
            + (" Estimates read from the cache of this store's content (same store fingerprint, "
               "revision and estimation code)." if cached else ""),
            "Literature: " + str(w["literature"])]))

    _guard(sec, ctx, "Migration-trade estimates", estimates, "trade-migration link")
    return sec


TRADE_CACHE_VERSION = 1


def _gravity_digest() -> str:
    """16 hex digits of SHA-256 over the gravity package's source: cached estimates are reused
    only by the same estimation code."""
    import hashlib

    import labourlink.gravity as g

    h = hashlib.sha256()
    for p in sorted(Path(g.__file__).resolve().parent.glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def trade_migration_estimates(con: duckdb.DuckDBPyConnection, revision: str
                              ) -> tuple[pd.DataFrame, tuple[int, int], bool]:
    """:func:`labourlink.gravity.presets.migration_trade_table` on the WTO panel of
    ``revision``, with the panel's first and last year; cached in
    ``user_cache_dir()/brief`` by store fingerprint, revision and a digest of the gravity code
    (an unknown fingerprint is never cached). Returns ``(table, (first, last), cached)``."""
    import json

    from labourlink.config import user_cache_dir
    from labourlink.gravity.panel import build_panel
    from labourlink.gravity.presets import migration_trade_table
    from labourlink.scenarios.coefficients import store_fingerprint

    fp = store_fingerprint(con)
    path = None
    if fp:
        safe = "".join(ch for ch in fp if ch.isalnum())[:64]
        path = (user_cache_dir() / "brief"
                / f"trade-migration-{safe}-rev{revision}-{_gravity_digest()}"
                  f"-v{TRADE_CACHE_VERSION}.json")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("fingerprint") == fp and raw.get("revision") == revision:
                return (pd.DataFrame(raw["table"]), (int(raw["years"][0]), int(raw["years"][1])),
                        True)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    panel = build_panel("wto", con, revision=revision)
    tab = migration_trade_table(con, panel=panel, revision=revision)
    years = (int(panel["year"].min()), int(panel["year"].max()))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")  # one per process: atomic replace
            tmp.write_text(json.dumps({"fingerprint": fp, "revision": revision,
                                       "years": list(years),
                                       "table": tab.to_dict(orient="records")},
                                      default=lambda o: o.item() if hasattr(o, "item") else str(o)),
                           encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # an unwritable cache only costs a re-estimate next time
    return tab, years, False


# ------------------------------------------------------------------------------ 3. remittances
def _section_remittances(ctx: _Ctx) -> Section:
    from labourlink import trends

    sec = Section("3", "Development impacts: remittances")
    grp: Any = ctx.members if ctx.group == "World" else ctx.group

    def totals() -> None:
        rem = trends.remittances(grp, by="group", source=REM_TOTALS, revision=ctx.revision,
                                 con=ctx.con)
        rem = rem[rem["countries"] > 0].dropna(subset=["received_usd"])
        ov = trends.overview(grp, [ctx.year], revision=ctx.revision, con=ctx.con).iloc[0]
        if nb.is_missing(ov["remittances_received_usd"]):
            raise LabourlinkError(f"no remittance inflows at or before {ctx.year}")
        ry = int(ov["remittances_year"])
        total = float(ov["remittances_received_usd"])
        rem = rem[rem["year"] <= ry]
        base_year = ry - 10 if (ry - 10) in set(rem["year"]) else int(rem["year"].min())
        base = float(rem.loc[rem["year"] == base_year, "received_usd"].iloc[0])
        pct_gdp = float(rem.loc[rem["year"] == ry, "received_pct_gdp"].iloc[0])
        n_c = int(rem.loc[rem["year"] == ry, "countries"].iloc[0])
        fig = ctx.figure(
            "3.1", f"Remittances received by {ctx.label} reached {nb.usd_text(total)} in {ry}",
            f"Personal remittances received, US$ billion (current), {int(rem['year'].min())}–{ry}, "
            f"sum over the members that report ({n_c} in {ry})",
            [REM_TOTALS],
            charts.lines([charts.Line("Received by members", rem["year"],
                                      rem["received_usd"] / 1e9, charts.PALETTE[2])],
                         height_in=2.3))
        sec.items.append(fig)
        growth = (total / base - 1) * 100 if base > 0 else float("nan")
        sec.items.append(Para(
            f"{ctx.label[0].upper()}{ctx.label[1:]} received {nb.usd_text(total)} in remittances "
            f"in {ry}, {nb.change_pct_text(growth)} since {base_year}; that was "
            f"{nb.pct_text(pct_gdp)} of their combined GDP."))
        ctx.finding("remittances", f"Remittances received by {ctx.label}: {nb.usd_text(total)} "
                                   f"in {ry}, {nb.change_pct_text(growth)} since {base_year}.",
                    fig, total=nb.usd_text(total))
        cols = [C("year", "Year", "year"), C("countries", "Members reporting", "int"),
                C("received_usd", "Received", "usd_million"), C("paid_usd", "Paid", "usd_million"),
                C("received_pct_gdp", "Received, share of GDP", "pct")]
        ctx.csv_only.append(Table("3.1", "Remittances over time", "", cols[:1], rem.head(0),
                                  [REM_TOTALS], "3_remittances_over_time", full=rem,
                                  csv_columns=cols))

    _guard(sec, ctx, "Remittance totals", totals, "remittances received")

    def dependence() -> None:
        dep = trends.remittance_dependence(len(ctx.members), None, grp, source=REM_TOTALS,
                                           con=ctx.con)
        if dep.empty:
            raise LabourlinkError("no remittance shares of GDP for the members")
        dep = dep.assign(name=dep["iso3"].map(ctx.name))
        yr = int(dep["year"].iloc[0])
        cols = [C("rank", "Rank", "rank"), C("name", "Member"),
                C("received_pct_gdp", f"Remittances, {yr}, share of GDP", "pct"),
                C("received_usd", f"Remittances, {yr}", "usd_million")]
        csv_cols = [C("rank", "Rank", "rank"), C("iso3", "ISO3"), C("name", "Member"),
                    C("year", "Year", "year"), C("received_pct_gdp", "Received share of GDP", "pct"),
                    C("received_usd", "Received", "usd_million")]
        t = Table("3.1", f"The ten members most dependent on remittances, {yr}",
                  "Personal remittances received, % of GDP and US$ million", cols, dep.head(10),
                  [REM_TOTALS, "datahub_wdi"], "3_remittance_dependence", full=dep,
                  csv_columns=csv_cols,
                  note="Share of GDP: KNOMAD inflows over World Bank GDP in current US$.")
        ctx.use(*t.sources)
        sec.items.append(t)
        a, b = dep.iloc[0], dep.iloc[1] if len(dep) > 1 else dep.iloc[0]
        sec.items.append(Para(
            f"Remittances weigh most in {a['name']} ({nb.pct_text(float(a['received_pct_gdp']))} "
            f"of GDP in {yr}) and {b['name']} ({nb.pct_text(float(b['received_pct_gdp']))})."))
        ctx.finding("dependence", f"Remittances were {nb.pct_text(float(a['received_pct_gdp']))}"
                                  f" of GDP in {a['name']} in {yr}, the highest share among "
                                  "members.", t, pct=nb.pct_text(float(a["received_pct_gdp"])))

    _guard(sec, ctx, "Remittance dependence", dependence, "remittance dependence")

    def corridors() -> None:
        from labourlink.store.revisions import REMITTANCE_MATRICES

        cor = trends.remittance_corridors(None, 200, grp, "receiving", con=ctx.con)
        if cor.empty:
            return
        src = REMITTANCE_MATRICES[str(cor["matrix"].iloc[0])]
        ctx.use(src)
        r = cor.iloc[0]
        yr = int(r["year"])
        sec.items.append(Para(
            f"In the bilateral remittance matrix for {yr}, the largest corridor {ctx.into} ran "
            f"from {ctx.name(r['sending'])} to {ctx.name(r['receiving'])} "
            f"({nb.usd_text(float(r['remittances_usd_million']) * 1e6)}); the matrix splits "
            "each country's receipts across corridors, while totals come from the inflows "
            "(Annex A)."))
        cor = cor.assign(remittances=cor["remittances_usd_million"] * 1e6)
        cols = [C("rank", "Rank", "rank"), C("sending", "Sending ISO3"),
                C("sending_name", "Sending"), C("receiving", "Receiving ISO3"),
                C("receiving_name", "Receiving"), C("year", "Year", "year"),
                C("remittances", "Remittances", "usd_million"), C("matrix", "Matrix edition")]
        ctx.csv_only.append(Table("3.2", "Largest remittance corridors", "", cols[:1],
                                  cor.head(0), [src], "3_remittance_corridors", full=cor,
                                  csv_columns=cols))

    _guard(sec, ctx, "Remittance corridors", corridors)
    ctx.methods.append(("Remittances (Section 3)", [
        "Country and group totals are KNOMAD/World Bank personal remittance inflows (June 2023), "
        "in current US$, for the latest year at or before the stock year (2022 for the 2024 "
        "stocks); shares of GDP divide them by World Bank GDP in current US$.",
        "The bilateral matrix splits each country's remittances across corridors from "
        "estimated stocks and incomes; KNOMAD revised many country totals after the matrix was "
        "made, so a country's sum over corridors can differ from its total. Totals come from "
        "the inflows, shares across corridors from the matrix."]))
    return sec


# ------------------------------------------------------------------------------ 4. governance
def _section_governance(ctx: _Ctx) -> Section:
    sec = Section("4", "Governance coverage and gaps")

    def coverage() -> None:
        from labourlink.governance.coverage import DEFAULT_KINDS, coverage, largest_uncovered
        from labourlink.governance.registry import load_registry

        registry = load_registry(ctx.con)
        res = coverage(ctx.con, registry, ctx.year, ctx.group, revision=ctx.revision)
        share = res.share_covered
        corr = res.corridors
        by_kind = res.by_kind[res.by_kind["share"] > 0].sort_values("share", ascending=False)
        labels = [KIND_LABELS.get(k, k.replace("_", " ").capitalize()) for k in by_kind["kind"]]
        counted = [k in DEFAULT_KINDS for k in by_kind["kind"]]
        bla_year = res.inputs_years.get("bilateral_labour_agreements")
        fig = ctx.figure(
            "4.1", f"{nb.share_pct_text(share)} of migrants in corridors to or from "
                   f"{ctx.label} are covered by at least one instrument in force ({res.year})",
            f"Share of the corridors' migrant stock (%) under at least one instrument of each "
            f"kind, {res.year}",
            [ctx.source, "chilton_woda_2022", "wto_rta", "labpta", "labourlink_registry"],
            charts.hbars(labels, [100 * v for v in by_kind["share"]],
                         colours=[charts.PALETTE[0] if c else charts.GREY for c in counted],
                         value_text=[nb.pct_text(100 * v) for v in by_kind["share"]],
                         xlabel="% of the migrant stock in the corridors"),
            note="Grey bars are not counted in the headline share (trade agreements without "
                 "established movement-of-persons content, business travel cards). "
                 + (f"Bilateral labour agreements are coded to {bla_year}." if bla_year else ""))
        sec.items.append(fig)
        unc = largest_uncovered(res, len(corr))
        unc = unc.assign(origin_name=unc["origin"].map(ctx.name),
                         destination_name=unc["destination"].map(ctx.name))
        cols = [C("origin_name", "From"), C("destination_name", "To"),
                C("persons", f"Migrants, {res.year}", "persons")]
        csv_cols = [C("origin", "Origin ISO3"), C("origin_name", "Origin"),
                    C("destination", "Destination ISO3"), C("destination_name", "Destination"),
                    C("persons", "Migrants", "persons")]
        t = Table("4.1", f"The ten largest corridors without an instrument in force, {res.year}",
                  f"Corridors to or from {ctx.label}, migrants by country of birth and "
                  "residence", cols, unc.head(10),
                  [ctx.source, "chilton_woda_2022", "labourlink_registry"],
                  "4_largest_uncovered", full=unc, csv_columns=csv_cols)
        ctx.use(*t.sources)
        sec.items.append(t)
        total = float(corr["persons"].sum())
        n_cov = int(corr["covered"].sum())
        bla = float(res.by_kind.set_index("kind")["share"].get("bilateral_labour_agreement",
                                                                np.nan))
        u = unc.iloc[0] if len(unc) else None
        sec.items.append(Para(
            f"{nb.share_pct_text(share)} of the {nb.persons_text(total)} migrants in the "
            f"{len(corr):,} corridors with an end in a member were covered by at least one "
            f"instrument in force in {res.year} ({n_cov:,} corridors); bilateral labour "
            f"agreements alone cover {nb.share_pct_text(bla)}. "
            + (f"The largest corridor without one ran from {u['origin_name']} to "
               f"{u['destination_name']} ({nb.persons_text(float(u['persons']))})." if u is not None
               else "")))
        ctx.finding("coverage", f"{nb.share_pct_text(share)} of migrants in corridors to or from "
                                f"{ctx.label} were covered by at least one labour-migration "
                                f"instrument in force in {res.year}.", fig,
                    share=nb.share_pct_text(share))
        kcols = [C("kind", "Kind"), C("share", "Share of the migrant stock", "share")]
        ctx.csv_only.append(Table("4.2", "Coverage by kind", "", kcols[:1], res.by_kind.head(0),
                                  [ctx.source], "4_coverage_by_kind", full=res.by_kind,
                                  csv_columns=kcols))
        joined = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in res.inputs_years.items())
        ctx.methods.append(("Governance coverage (Section 4)", [
            "A corridor (origin -> destination, its migrant stock in persons) is covered in a "
            "year when at least one instrument is in force in that year for it: among its "
            "parties, from senders to receivers, or for a grouping's current members. The "
            "headline share counts every kind except trade agreements whose movement-of-persons "
            "content is not established and business travel cards; global instruments cover no "
            "particular corridor.",
            f"Years joined: {joined}. Bilateral labour agreements have no end date in the data, "
            "so they count as in force from signature. Registry: curated records with their "
            "sources plus records derived from the store (labourlink.governance)."]))

    _guard(sec, ctx, "Governance coverage", coverage, "governance coverage")
    return sec


# ------------------------------------------------------------------------------ 5. agreement
def _section_agreement(ctx: _Ctx) -> Section:
    sec = Section("5", "A co-operative agreement")

    def scenarios() -> None:
        from labourlink.report.mobility import describe_examples, run_example

        examples = describe_examples()
        if not examples:
            raise LabourlinkError("no shipped scenario examples")
        sec.items.append(Para(
            f"{len(examples)} shipped scenarios of labour-mobility agreements trade labour-market "
            "access by receiving countries against co-operation on return and irregular "
            "migration by sending countries. Each chart shows what each party gives (vermilion) "
            "and gets (blue) at the end of the agreement; intervals are the 5th to 95th "
            f"percentiles over {ctx.draws} draws of the trade-cost coefficients."))
        best: tuple[float, Figure, str, str, str] | None = None
        for k, ex in enumerate(examples, start=1):
            def run(name: str = str(ex["example"])) -> Any:
                return run_example(ctx.con, name, draws=ctx.draws, revision=ctx.revision)

            res = _guard(sec, ctx, f"Scenario {ex['name']}", run)
            if res is None:
                continue
            out = _scenario_block(ctx, sec, k, ex, res)
            if best is None or out[0] > best[0]:
                best = out
        if best is not None:
            remit, fig, title, gdp_r, years = best
            ctx.finding("scenario", f"An agreement of {title} on {ctx.year} stocks: senders "
                                    f"would gain {nb.usd_text(remit)} a year in remittances "
                                    f"after {years} years; receivers' real GDP: {gdp_r}.", fig,
                        remittances=nb.usd_text(remit))

    _guard(sec, ctx, "Labour-mobility scenarios", scenarios, "agreement scenario")
    return sec


def _scenario_block(ctx: _Ctx, sec: Section, k: int, ex: dict[str, Any],
                    res: Any) -> tuple[float, Figure, str, str, str]:
    spec = res.spec
    f = res.to_frame()
    senders, receivers = list(spec.senders), list(spec.receivers)
    parties = [*receivers, *senders]
    sides = ["receiver"] * len(receivers) + ["sender"] * len(senders)
    sp = res.stock_path()
    last = sp[sp["year"] == sp["year"].max()]
    lab = res.labour.set_index("country") if len(res.labour) else pd.DataFrame()
    rem = [float(f.loc[c, "delta_remittances_usd"]) for c in parties]
    exp = [float(f.loc[c, "delta_exports_usd"]) for c in parties]
    has_iv = "delta_exports_usd_low" in f.columns
    exp_lo = [float(f.loc[c, "delta_exports_usd_low"]) for c in parties] if has_iv else None
    exp_hi = [float(f.loc[c, "delta_exports_usd_high"]) for c in parties] if has_iv else None
    div_r, unit_r = nb.money_scale(rem)
    div_e, unit_e = nb.money_scale([*exp, *(exp_lo or []), *(exp_hi or [])])
    rem_s = sum(float(f.loc[c, "delta_remittances_usd"]) for c in senders)
    gdp_r = float(np.mean([float(f.loc[c, "delta_real_gdp_pct"]) for c in receivers]))
    gdp_text = nb.change_pct_text(gdp_r, 2)
    kind = KIND_LABELS.get(str(spec.instrument), str(spec.instrument).replace("_", " "))
    who = (f"{_join([ctx.name(c) for c in receivers])} with "
           f"{_join([ctx.name(c) for c in senders])}")
    title = f"{who}: {kind[0].lower()}{kind[1:]}"
    panels = [
        (f"Remittances, {unit_r} a year", [v / div_r for v in rem], None, None,
         [nb.fixed(v / div_r, 1) for v in rem]),
        (f"Exports, {unit_e} a year",
         [v / div_e for v in exp], [v / div_e for v in exp_lo] if exp_lo else None,
         [v / div_e for v in exp_hi] if exp_hi else None,
         [nb.fixed(v / div_e, 1) for v in exp]),
    ]
    number = f"5.{k}"
    sec.items.append(Heading(f"{number} {title} (scenario {ex['name']})"))
    fig = ctx.figure(
        number, f"Senders receive {nb.usd_text(rem_s)} a year in remittances; receivers' real "
                f"GDP: {gdp_text}",
        f"What each party gives (vermilion) and gets (blue) after {spec.years_in_force} years: "
        f"remittances ({unit_r} a year) and exports ({unit_e} a year"
        + (", whiskers: 5th to 95th percentile)" if has_iv else ")"),
        [ctx.source, _matrix_source(res), res.spec.ge.trade_source or _trade_source(res),
         "pwt_10.01", "datahub_wdi"],
        charts.gives_gets([(ctx.name(c), s) for c, s in zip(parties, sides, strict=True)],
                          panels),
        note="Remittances do not depend on the trade-cost coefficients, so they have no "
             "interval.")
    desc = " ".join(str(ex["description"]).split())
    workers_end = float(last["regular_stock"].sum())
    sec.items.append(Para(
        f"{desc} After {spec.years_in_force} years, {nb.persons_text(workers_end)} additional "
        f"workers from {_join([ctx.name(c) for c in senders])} are employed in "
        f"{_join([ctx.name(c) for c in receivers])}; senders receive {nb.usd_text(rem_s)} a year "
        f"in remittances and the receivers' real GDP changes by {gdp_text} (trade channel)."))
    sec.items.append(fig)
    sum_s = last.groupby("sender")[["regular_stock", "irregular_change"]].sum()
    sum_r = last.groupby("receiver")[["regular_stock", "irregular_change"]].sum()
    wages = [float(lab.loc[r, "native_wage_low_pct"]) for r in receivers if r in lab.index]
    movers = float(sum(res.movers_income_ppp.get(s, 0.0) for s in senders))
    rows: list[tuple[str, str, str, str, str]] = [
        ("Receivers", "give", "Labour-market access: additional workers in stock",
         nb.persons(float(sum_r["regular_stock"].sum())), "persons"),
        ("Receivers", "give", "Remittances paid abroad by these workers",
         nb.usd_text(-sum(rem[: len(receivers)])), "US$ a year"),
        ("Receivers", "get", "Change in the irregular migrant stock",
         nb.change_persons_text(float(sum_r["irregular_change"].sum())), "persons"),
        ("Receivers", "get", "Exports (trade channel)",
         nb.change_usd_text(sum(exp[: len(receivers)])), "US$ a year"),
        ("Receivers", "get", "Native wages, low-skilled" + (" (range)" if len(wages) > 1 else ""),
         (" to ".join([nb.change_pct_text(min(wages), 2), nb.change_pct_text(max(wages), 2)])
          if len(wages) > 1 else nb.change_pct_text(wages[0], 2)) if wages else "no data", "%"),
        ("Senders", "give", "Fall in the irregular stock abroad (enforcement co-operation)",
         nb.persons(-float(sum_s["irregular_change"].sum())), "persons"),
        ("Senders", "get", "Workers placed abroad (stock at the end)",
         nb.persons(float(sum_s["regular_stock"].sum())), "persons"),
        ("Senders", "get", "Remittances received", nb.usd_text(rem_s), "US$ a year"),
        ("Senders", "get", "Income gains of the movers", nb.usd_text(movers, "PPP $"),
         "PPP $ a year"),
        ("Region", "gets", "Real GDP, GDP-weighted (trade channel)",
         nb.change_pct_text(float(res.region_real_gdp_pct), 2), "%"),
    ]
    ledger = pd.DataFrame(rows, columns=["side", "flow", "item", "value", "unit"])
    full = res.ledger()
    full = full.assign(name=full["country"].map(lambda c: "+".join(ctx.name(x)
                                                                   for x in str(c).split("+"))))
    cols = [C("side", "Side"), C("flow", "Gives or gets"), C("item", "Item"),
            C("value", "Value"), C("unit", "Unit")]
    csv_cols = [C("side", "Side"), C("country", "ISO3"), C("name", "Country"),
                C("flow", "Flow"), C("item", "Item"), C("value", "Value"), C("unit", "Unit")]
    t = Table(number, f"What each side gives and gets: {title}",
              f"Totals over the parties of each side after {spec.years_in_force} years; "
              "the unit of each row in the last column", cols, ledger,
              [ctx.source, _matrix_source(res)], f"5_ledger_{ex['example']}", full=full,
              csv_columns=csv_cols, extra_source="labourlink scenario model")
    ctx.use(*t.sources)
    sec.items.append(t)
    tc = res.trade_cost
    sec.items.append(Box(f"Assumptions of scenario {ex['name']}", [
        f"{spec.workers_per_year:,.0f} additional workers admitted a year for "
        f"{spec.years_in_force} years ({kind[0].lower()}{kind[1:]}), "
        f"{nb.share_pct_text(spec.skill_mix)} "
        "of them high-skilled.",
        f"{nb.share_pct_text(spec.return_rate)} of the additional workers return each year "
        "(co-operation on return).",
        f"Irregular migrants: {nb.share_pct_text(spec.irregular_share)} of each bilateral stock "
        f"(assumption), reduced by {nb.share_pct_text(spec.irregular_reduction)} through "
        "enforcement co-operation.",
        f"Trade costs: {nb.share_pct_text(spec.trade_cost.rta_share)} of an average trade "
        "agreement's effect; migration-trade elasticity "
        + (f"{nb.coef(tc.migration_elasticity, 4)} and RTA effect {nb.coef(tc.rta_effect, 3)} "
           f"({tc.basis})." if tc is not None else "as in the spec."),
        f"Remittances per migrant from the {res.remittance_matrix} bilateral matrix over the "
        f"{res.revision} revision's stock; general equilibrium with sigma = {spec.ge.sigma:g}.",
        f"Share of high-skilled workers among natives: "
        f"{nb.share_pct_text(spec.labour_market.native_high_skill_share)} (assumption).",
    ]))
    ctx.methods.append((f"Scenario {number}: {ex['name']}", list(res.notes)))
    return rem_s, fig, who, gdp_text, str(spec.years_in_force)


def _matrix_source(res: Any) -> str:
    from labourlink.store.revisions import REMITTANCE_MATRICES

    return REMITTANCE_MATRICES.get(str(res.remittance_matrix), "knomad_remittance_matrix_2021")


def _trade_source(res: Any) -> str:
    for n in res.notes:
        if n.startswith("baseline trade: source "):
            return n.split("source ", 1)[1].split(",")[0]
    return "wto_hs_m_0010"


# ------------------------------------------------------------------------------ annexes
def _annexes(ctx: _Ctx, sections: list[Section], prov: pd.DataFrame) -> list[Section]:
    from labourlink.store.revisions import revision_label

    a = Section("A", "Methods and notes", annex=True)
    a.items.append(Para(
        f"Every number in this brief is computed from the labourlink store. Migrant stocks "
        f"come from one revision, {revision_label(ctx.revision)}, for every year shown; "
        f"the headline year is {ctx.year}. Migrants are people living outside their country "
        "of birth (UN DESA, mid-year, both sexes). The intraregional shares: people born in a "
        "member who live in another member, over all people born in members living abroad "
        "(emigrants), or over all migrants living in members (immigrants, origin 'other/"
        "unknown' included)."))
    for heading, paras in ctx.methods:
        a.items.append(Heading(heading))
        for p in paras:
            a.items.append(Para(p))
    b = Section("B", "Sources", annex=True)
    b.items.append(Para("Each data edition used, as recorded in the store's provenance table "
                        "(publisher, edition, file and the first 16 hex digits of its SHA-256)."))
    for src in ctx.sources:
        rows = prov[prov["source"] == src]
        if src == "labourlink_flows":  # one row per method and revision: this revision's only
            rows = rows[rows["edition"].astype(str).str.contains(f"revision {ctx.revision}",
                                                                 regex=False)]
        if rows.empty:
            b.items.append(Para(f"{nb_cite(src)}: built by labourlink from the store, no raw "
                                "file of its own."))
            continue
        files = "; ".join(f"{Path(str(r.file)).name} (sha256 {str(r.sha256)[:16]}, "
                          f"{nb.integer(float(r.rows))} rows)"
                          for r in rows.drop_duplicates("file").itertuples())
        editions = "; ".join(dict.fromkeys(str(e) for e in rows["edition"]))
        b.items.append(Para(f"{nb_cite(src)} [{src}]: {rows['publisher'].iloc[0]}, "
                            f"{editions}. Files: {files}."))
    c = Section("C", "Tables", annex=True)
    c.items.append(Para("Every table of this brief, and the data of its figures, in full, as "
                        "CSV files beside it (folder tables/); column names end in their unit."))
    for t in [t for s in sections for t in s.tables] + ctx.csv_only:
        full = t.full if t.full is not None else t.frame
        c.items.append(Para(f"tables/{t.slug}.csv: {t.title} ({nb.integer(len(full))} rows)."))
    return [a, b, c]


def nb_cite(source: str) -> str:
    """The short citation of a source (see :func:`labourlink.report.doc.cite`)."""
    from labourlink.report.doc import cite

    return cite(source)


# ------------------------------------------------------------------------------ build
def _resolve(con: duckdb.DuckDBPyConnection, group: str, revision: object,
             year: int | None) -> tuple[str, str, list[int], int, list[str]]:
    from labourlink.store.revisions import resolve_revision, stock_source
    from labourlink.trends._common import check_stock_source, resolve_group

    rev = resolve_revision(con, revision)
    source = stock_source(rev)
    years = check_stock_source(con, source)
    if year is None:
        year = years[-1]
    if year not in years:
        raise InvalidArgumentError("--year", year, f"a year of the {rev} revision: "
                                   + ", ".join(str(y) for y in years))
    members = list(resolve_group(con, group).members)
    return rev, source, years, int(year), members


def build_brief(
    out_dir: str | Path = "out",
    *,
    group: str = "ESCAP",
    year: int | None = None,
    revision: str | int | None = None,
    store: str | Path | None = None,
    build: bool = True,
    pdf: bool = True,
    draws: int = 20,
    progress: bool = True,
    console: Console | None = None,
    svg: bool = True,
) -> BriefResult:
    """Write the brief: ``out_dir/brief.html``, ``out_dir/brief.pdf``, ``out_dir/tables/*.csv``.

    Parameters
    ----------
    out_dir
        Output folder (created).
    group
        ``country_group`` code of the region (default ``"ESCAP"``; ``"World"`` works).
    year
        Headline year, a stock year of the revision (default: the revision's latest, 2024).
    revision
        UN DESA International Migrant Stock revision, ``"2024"`` or ``"2020"`` (default: the
        newest in the store).
    store
        DuckDB store (default ``LABOURLINK_STORE``).
    build
        Build the store first when its inputs changed (a no-op when up to date).
    pdf
        Also write the PDF.
    draws
        Monte Carlo draws of each scenario's intervals (0..200).
    progress
        Print each step on stderr.
    svg
        Charts as inline SVG in the HTML (PNG in the PDF either way).
    """
    from labourlink import config
    from labourlink.store import build_store, connect, provenance_table

    if not (0 <= draws <= 200):
        raise InvalidArgumentError("--draws", draws, "an integer in 0..200")
    con_out = console or Console(stderr=True, quiet=not progress)
    out = Path(out_dir)
    steps = 9 if pdf else 8
    k = 0
    seconds: dict[str, float] = {}

    def step(msg: str) -> None:
        nonlocal k
        k += 1
        con_out.print(f"[bold cyan][{k}/{steps}][/] {msg}")

    target = Path(store) if store is not None else config.store_path()
    step("Store: building if needed" if build else "Store: using as is")
    if build:
        report = build_store(None, target, progress=progress)
        con_out.print(f"      {report.summary()}")
    con = connect(target, read_only=True)
    try:
        from labourlink.trends._common import country_names

        rev, source, years, yr, members = _resolve(con, group, revision, year)
        ctx = _Ctx(con, group, members, rev, source, yr, years, draws, svg, country_names(con))
        sections: list[Section] = []
        for label, fn in (("Trends in regional labour mobility", _section_trends),
                          ("Trade-migration links (gravity estimates)", _section_links),
                          ("Development impacts: remittances", _section_remittances),
                          ("Governance coverage and gaps", _section_governance),
                          ("A co-operative agreement (scenarios)", _section_agreement)):
            step(f"Section: {label}")
            t0 = time.perf_counter()
            sec = fn(ctx)
            seconds[label] = time.perf_counter() - t0
            sections.append(sec)
            for note in sec.missing:
                con_out.print(f"      [yellow]{note}[/]")
        prov = provenance_table(con.cursor())
    finally:
        con.close()
    step("Annexes: methods, sources, tables")
    annexes = _annexes(ctx, sections, prov)
    order = ["hosted", "emigrants", "top_corridor", "trade_link", "remittances", "dependence",
             "coverage", "scenario"]
    findings = [ctx.findings[key] for key in order if key in ctx.findings][:8]
    step("Writing tables (CSV) and HTML")
    out.mkdir(parents=True, exist_ok=True)
    all_tables = [t for s in sections for t in s.tables] + ctx.csv_only
    written = write_csvs(all_tables, out / "tables")
    context = _context(ctx, sections + annexes, findings)
    html_path = out / "brief.html"
    html_path.write_text(render("brief.html", raster=not svg, **context), encoding="utf-8")
    pdf_path: Path | None = None
    engine = "none"
    if pdf:
        step("Writing PDF")
        t0 = time.perf_counter()
        pdf_path = out / "brief.pdf"
        engine = write_pdf(render("brief.html", raster=True, **context), pdf_path)
        seconds["pdf"] = time.perf_counter() - t0
    return BriefResult(html_path, pdf_path, engine, written, sections + annexes, findings,
                       group, rev, yr, seconds)


def _context(ctx: _Ctx, sections: list[Section], findings: list[Finding]) -> dict[str, Any]:
    from labourlink.store.revisions import revision_label

    region = REGION_NAMES.get(ctx.group, ctx.label)
    title = f"Regional integration and labour mobility in {region}"
    n = len(ctx.members)
    covers = (f"{ctx.label[0].upper()}{ctx.label[1:]} ({n} economies), "
              f"{revision_label(ctx.revision)}, headline year {ctx.year}.")
    from labourlink.store.revisions import REMITTANCE_MATRICES

    headline = [ctx.source, REM_TOTALS, *REMITTANCE_MATRICES.values()]
    editions = [nb_cite(s) for s in headline if s in ctx.sources or s == ctx.source]
    others = [s for s in ctx.sources if s not in headline]
    now = datetime.now(UTC)
    edition = (f"Data editions: {'; '.join(editions)}"
               + (f"; and {len(others)} more, listed in Annex B" if others else "")
               + f". labourlink {__version__}, {now.day} {now:%B %Y}.")
    classes = []
    for i, s in enumerate(sections):
        first_annex = s.annex and (i == 0 or not sections[i - 1].annex)
        cls = ["annex"] if s.annex else []
        if i == 0 or first_annex:
            cls.append("new-page")
        classes.append(" ".join(cls))
    return {"title": title, "covers": covers, "edition": edition, "findings": findings,
            "sections": sections, "classes": classes, "missing_findings": ctx.left_out}
