"""The brief: ``labourlink brief`` writes ``brief.html``, ``brief.pdf`` and every table as CSV.

Sections follow the study: (1) trends in regional labour mobility; (2) trade-migration links;
(3) development impacts, remittances first; (4) governance coverage and gaps; (5) a co-operative
agreement scenario. Each section calls the public API of the part that computes it and is guarded:
when that part is not importable yet (or raises ``NotImplementedError``) the section says so in
plain words; when the store lacks the data, it says what is missing. Nothing is ever filled in.

Every table and chart carries footnotes built from the store's ``provenance`` table (source id,
edition, publisher, file), every chart a caption. The HTML is self-contained (inline CSS, charts as
inline SVG, no remote resource); the PDF is rendered from the same HTML by WeasyPrint, or, when
WeasyPrint is not installed, by headless Chromium (``--print-to-pdf``).
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure
from rich.console import Console

from labourlink import __version__
from labourlink.errors import LabourlinkError

T = TypeVar("T")


@dataclass
class BriefTable:
    """A table of the brief, written to ``tables/<slug>.csv``."""

    slug: str
    title: str
    frame: pd.DataFrame
    sources: list[str]
    note: str = ""
    footnotes: list[int] = field(default_factory=list)
    rows: list[list[tuple[str, bool]]] = field(default_factory=list)


@dataclass
class BriefFigure:
    """A chart of the brief (inline SVG) with its caption."""

    caption: str
    svg: str
    sources: list[str]
    footnotes: list[int] = field(default_factory=list)
    png: str = ""


@dataclass
class Section:
    """One section: text, tables, figures and plain 'not available yet' notes."""

    number: int
    title: str
    intro: str = ""
    paragraphs: list[str] = field(default_factory=list)
    tables: list[BriefTable] = field(default_factory=list)
    figures: list[BriefFigure] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BriefResult:
    """Where the brief was written and how."""

    html: Path
    pdf: Path | None
    pdf_engine: str
    tables: list[Path]
    sections: list[Section]


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _figure(caption: str, fig: Figure, sources: list[str], raster: bool = False) -> BriefFigure:
    """A brief figure: inline SVG for the HTML (PNG when ``raster``) and PNG for the PDF."""
    png = _png_img(fig, caption)
    return BriefFigure(caption, png if raster else _svg(fig), sources, png=png)


def _png_img(fig: Figure, alt: str) -> str:
    """An ``<img>`` with the chart as a base64 PNG (for maps: thousands of polygons)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return f'<img src="{uri}" alt="{escape(alt)}" style="max-width:100%">'



class _Guard:
    """Runs one piece of a section; turns 'part missing' and 'data missing' into plain notes."""

    def __init__(self, section: Section) -> None:
        self.section = section

    def __call__(self, label: str, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except (ImportError, NotImplementedError) as exc:
            self.section.unavailable.append(f"{label}: not available yet ({exc}).")
        except LabourlinkError as exc:
            self.section.unavailable.append(f"{label}: not available from this store: {exc}")
        except duckdb.Error as exc:
            self.section.unavailable.append(f"{label}: the store could not answer: {exc}")
        return None


# ------------------------------------------------------------------------------ sections
def _section_trends(con: duckdb.DuckDBPyConnection, group: str, year: int) -> Section:
    s = Section(1, "Trends in regional labour mobility",
                intro=f"International migrant stocks of {group} members (UN DESA International "
                      "Migrant Stock 2020, persons at mid-year, both sexes).")
    g = _Guard(s)
    trends = g("Trend indicators (labourlink.trends)", lambda: __import__(
        "labourlink.trends", fromlist=["migrant_stock"]))
    if trends is None:
        return s
    plots = g("Trend charts (labourlink.trends.plots)", lambda: __import__(
        "labourlink.trends.plots", fromlist=["corridor_sankey"]))
    src = ["undesa_ims2020"]
    by_sub = g("Migrant stock by subregion", lambda: trends.migrant_stock(
        group, side="destination", by="subregion", con=con))
    if by_sub is not None:
        s.tables.append(BriefTable("1_migrant_stock_by_subregion",
                                   f"Migrants living in {group} members, by subregion (persons)",
                                   by_sub, src))
        if plots is not None:
            fig = g("Chart of stocks by subregion", lambda: plots.stocks_by_subregion_area(by_sub))
            if fig is not None:
                s.figures.append(_figure(
                    f"Figure 1.1. International migrants living in {group} members, by subregion "
                    "of residence, millions of persons.", fig, src))
    share = g("Intraregional share", lambda: trends.intraregional_share(group, year, con=con))
    if share is not None:
        s.tables.append(BriefTable("1_intraregional_share",
                                   f"Intraregional migration shares, {group}, {year}", share, src,
                                   note="Two definitions: share of emigrants living in the group; "
                                        "share of immigrants born in the group."))
    first = con.execute("SELECT min(year) FROM migrant_stock WHERE source = ? AND year <= ?",
                        [src[0], year]).fetchone()
    start = int(first[0]) if first and first[0] is not None and first[0] < year else None
    top = g("Top corridors", lambda: trends.top_corridors(10, year, group, start_year=start,
                                                          con=con))
    if top is not None:
        s.tables.append(BriefTable("1_top_corridors",
                                   f"Largest corridors into {group} members, {year} (persons)",
                                   top, src))
        if plots is not None and len(top):
            fig = g("Corridor Sankey", lambda: plots.corridor_sankey(top))
            if fig is not None:
                s.figures.append(_figure(
                    f"Figure 1.2. The ten largest migrant corridors into {group} members, {year}: "
                    "band width proportional to the migrant stock (persons).", fig, src))
    by_country = g("Emigrants by country", lambda: trends.migrant_stock(
        group, years=[year], side="origin", by="country", con=con))
    if by_country is not None and len(by_country):
        from labourlink.report.geo import choropleth, country_points

        def _map() -> Figure:
            vals = dict(zip(by_country["iso3"], by_country["persons"].astype(float), strict=True))
            fig, drawn = choropleth(vals, country_points(con),
                                    title=f"Emigrants born in {group} members, {year}",
                                    unit="persons (log scale)")
            s.paragraphs.append(
                "Countries too small for the 1:110m Natural Earth map are drawn as points at "
                "CEPII capital coordinates: " + (", ".join(drawn) if drawn else "none here") + ".")
            return fig

        fig = g("Map of emigrants", _map)
        if fig is not None:
            s.figures.append(_figure(
                f"Figure 1.3. Emigrants born in each {group} member and living abroad, {year} "
                "(persons, log colour scale). Shapes: Natural Earth 1:110m; points: CEPII capitals.",
                fig, src + ["cepii_geodist"], raster=True))
    return s


def _section_links(con: duckdb.DuckDBPyConnection) -> Section:
    s = Section(2, "Trade-migration links",
                intro="Gravity estimates by PPML with high-dimensional fixed effects "
                      "(labourlink.gravity).")
    g = _Guard(s)

    def presets() -> pd.DataFrame:
        from labourlink.gravity.presets import migration_trade_table

        return migration_trade_table(con=con)

    tab = g("Trade-migration estimates and comparison with the literature "
            "(labourlink.gravity.presets)", presets)
    if tab is not None:
        s.tables.append(BriefTable(
            "2_trade_migration_estimates",
            "Migration-trade elasticities (log(1 + migrants), both directions), world and ESCAP "
            "pairs, without and with pair fixed effects, with the literature", tab,
            ["wto_hs_m_0010", "undesa_ims2020", "cepii_geodist", "wto_rta"],
            note="PPML on the WTO bilateral imports panel (labourlink.gravity.panel 'wto'); "
                 "pct_trade_10pct: % change in trade for 10% more migrants; 95% CIs."))

    def rta() -> BriefTable:
        from labourlink.report.scenario import fit_costs

        source, yr, base, est, _ = fit_costs(con)
        return BriefTable("2_trade_cost_estimates",
                          f"Trade-cost gravity estimates ({source}, {yr}, "
                          f"{base['exporter'].nunique()} countries): PPML, exporter and importer "
                          "fixed effects, robust standard errors", est, [source, "cepii_geodist"],
                          note="ln_dist: elasticity of trade to distance; intl_border, contig, rta: "
                               "semi-elasticities. Used by the scenario in section 5.")

    t2 = g("Trade-cost estimates", rta)
    if t2 is not None:
        s.tables.append(t2)
    return s


def _section_remittances(con: duckdb.DuckDBPyConnection, group: str, year: int) -> Section:
    s = Section(3, "Development impacts: remittances",
                intro="Personal remittances (World Bank WDI, current US$ and % of GDP) and "
                      "bilateral remittance estimates (World Bank 2017 matrix, US$ million).")
    g = _Guard(s)
    trends = g("Remittance indicators (labourlink.trends)", lambda: __import__(
        "labourlink.trends", fromlist=["remittances"]))
    if trends is None:
        return s
    plots = g("Remittance charts", lambda: __import__("labourlink.trends.plots",
                                                      fromlist=["remittances_pct_gdp"]))
    grp = g("Remittances to the group", lambda: trends.remittances(group, by="group", con=con))
    if grp is not None:
        s.tables.append(BriefTable("3_remittances_group", f"Remittances of {group} members by year",
                                   grp, ["wdi_remittances", "datahub_wdi", "undesa_ims2020"]))
    dep = g("Remittance dependence", lambda: trends.remittance_dependence(10, None, group, con=con))
    if dep is not None:
        s.tables.append(BriefTable("3_remittance_dependence",
                                   f"{group} members most dependent on remittances "
                                   "(received, % of GDP)", dep, ["wdi_remittances"]))
        if plots is not None and len(dep):
            fig = g("Chart of remittance dependence", lambda: plots.remittances_pct_gdp(dep))
            if fig is not None:
                yr = int(dep["year"].iloc[0])
                s.figures.append(_figure(
                    f"Figure 3.1. Personal remittances received, % of GDP, {yr}: the ten most "
                    f"dependent {group} members.", fig, ["wdi_remittances"]))
    cor = g("Remittance corridors", lambda: trends.remittance_corridors(
        None, 10, group, con=con))
    if cor is not None and len(cor):
        from labourlink.store.revisions import REMITTANCE_MATRICES

        m_year, m_src = int(cor["year"].iloc[0]), REMITTANCE_MATRICES[str(cor["matrix"].iloc[0])]
        s.tables.append(BriefTable("3_remittance_corridors",
                                   f"Largest remittance corridors into {group} members, {m_year} "
                                   "(US$ million)", cor, [m_src]))
        if plots is not None:
            fig = g("Remittance corridor Sankey", lambda: plots.corridor_sankey(cor))
            if fig is not None:
                s.figures.append(_figure(
                    f"Figure 3.2. The ten largest remittance corridors into {group} members, "
                    f"{m_year}: band width proportional to US$ million sent.", fig, [m_src]))
    return s


def _section_governance(con: duckdb.DuckDBPyConnection, group: str, year: int) -> Section:
    s = Section(4, "Governance coverage and gaps",
                intro="Bilateral labour agreements (Chilton & Woda 2022) and trade agreements "
                      "with labour provisions, from the store.")
    g = _Guard(s)

    def coverage() -> None:
        from labourlink.governance.coverage import coverage, largest_uncovered, provision_gaps
        from labourlink.governance.registry import load_registry

        registry = load_registry(con)
        res = coverage(con, registry, year, group)
        s.paragraphs.append(res.summary().splitlines()[0])
        src = ["undesa_ims2020", "chilton_woda_2022"]
        s.tables.append(BriefTable("4_governance_coverage",
                                   f"Corridor coverage by governance instruments, {group}, {year}",
                                   res.tidy(), src,
                                   note="share_*: shares of the corridor migrant stock (persons) "
                                        "under at least one instrument in force; curated "
                                        "registry plus records derived from the store."))
        s.tables.append(BriefTable("4_largest_uncovered",
                                   f"Largest corridors without an instrument in force, {year} "
                                   "(persons)", largest_uncovered(res, 15), src))
        gaps = provision_gaps(res, registry.records)
        gaps = gaps.assign(instruments=gaps["instruments"].map(lambda v: ", ".join(v)))
        s.tables.append(BriefTable("4_provision_gaps",
                                   "Covered corridors with a provision gap", gaps, src))

    g("Governance coverage indicators (labourlink.governance)", coverage)

    def bla() -> BriefTable:
        df = con.execute(
            """
            WITH m AS (SELECT iso3 FROM country_group WHERE group_code = $g),
            parties AS (SELECT agreement_id, party_a AS iso3, party_b AS partner, source
                        FROM labour_agreement UNION ALL
                        SELECT agreement_id, party_b, party_a, source FROM labour_agreement)
            SELECT m.iso3, c.name,
                   count(p.agreement_id) AS labour_agreements,
                   count(p.agreement_id) FILTER (WHERE p.partner IN (SELECT iso3 FROM m))
                     AS with_group_members,
                   any_value(p.source) AS source
            FROM m LEFT JOIN parties p ON p.iso3 = m.iso3
            LEFT JOIN country c ON c.iso3 = m.iso3
            GROUP BY m.iso3, c.name ORDER BY labour_agreements DESC, m.iso3
            """, {"g": group}).df()
        if df.empty:
            raise LabourlinkError(f"group {group!r} has no members in country_group")
        srcs = sorted({x for x in df["source"].dropna()}) or []
        none = df.loc[df["labour_agreements"] == 0, "iso3"].tolist()
        s.paragraphs.append(
            f"{len(none)} of {len(df)} {group} members have no bilateral labour agreement in the "
            "store" + (f": {', '.join(none)}." if none else "."))
        return BriefTable("4_labour_agreements", f"Bilateral labour agreements of {group} members",
                          df.drop(columns=["source"]), srcs or ["chilton_woda_2022"])

    t = g("Bilateral labour agreements", bla)
    if t is not None:
        s.tables.append(t)
    return s


def _section_scenario(con: duckdb.DuckDBPyConnection, group: str, draws: int) -> Section:
    s = Section(5, "A co-operative agreement scenario",
                intro="Labour-mobility agreements (the shipped scenario examples: admitted "
                      "workers, remittances, trade through the migration-trade link, general "
                      "equilibrium), then a trade agreement among the "
                      f"{group} members in the trade data: PPML estimate of the average effect "
                      "of an agreement and structural-gravity general equilibrium "
                      "(labourlink.scenarios).")
    g = _Guard(s)

    def run() -> Any:
        from labourlink.report.scenario import (
            AgreementSpec,
            fit_costs,
            member_default,
            run_agreement,
        )

        _, _, base, _, _ = fit_costs(con)
        members = member_default(con, group, sorted(set(base["exporter"])))
        if len(members) < 2:
            raise LabourlinkError(f"fewer than 2 {group} members in the trade baseline")
        return run_agreement(con, AgreementSpec(members=tuple(members), draws=draws))

    def mobility() -> None:
        from labourlink.report.mobility import describe_examples, run_example

        for ex in describe_examples():
            def one(name: str = str(ex["example"])) -> Any:
                return run_example(con, name, draws=draws)

            res_m = g(f"Labour-mobility scenario {ex['name']}", one)
            if res_m is None:
                continue
            s.paragraphs.append(f"{ex['name']}: {ex['description']}")
            frame = res_m.to_frame()
            parties = [c for c in frame.index if c in set(ex["senders"]) | set(ex["receivers"])]
            tab = frame.loc[parties].reset_index().rename(columns={"index": "iso3"})
            s.tables.append(BriefTable(
                f"5_mobility_{ex['example']}",
                f"Labour-mobility scenario '{ex['name']}': changes for the parties (US$, %; "
                f"_low/_high: 5th/95th percentiles over {draws} draws)", tab,
                ["undesa_ims2020", "wb_remittance_matrix_2017", "wdi_remittances"],
                note=res_m.summary().replace("\n", " ")))
            ledger = g("Ledger", res_m.ledger)
            if ledger is not None:
                s.tables.append(BriefTable(f"5_ledger_{ex['example']}",
                                           f"Access versus co-operation ledger, '{ex['name']}'",
                                           ledger, ["undesa_ims2020"]))

    g("Labour-mobility scenarios (labourlink.scenarios)", mobility)
    res = g("Trade agreement scenario", run)
    if res is not None:
        s.paragraphs.append(res.summary() + ".")
        s.tables.append(BriefTable("5_agreement_scenario",
                                   "Full-endowment general-equilibrium changes (%), with 5th-95th "
                                   f"percentile welfare intervals over {draws} draws", res.tidy(),
                                   [res.source, "cepii_geodist"]))
    return s


# ------------------------------------------------------------------------------ rendering
def _fmt(col: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return str(int(v)) if col in ("year", "rank") or col.endswith("year") else f"{int(v):,}"
    if isinstance(v, float | np.floating):
        f = float(v)
        if col in ("year",) or col.endswith("_year"):
            return str(int(f))
        if "share" in col or "estimate" in col or "error" in col:
            return f"{f:.3f}"
        if "pct" in col:
            return f"{f:.2f}"
        return f"{f:,.0f}" if abs(f) >= 100 else f"{f:,.3g}"
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return str(v)


def _footnotes(sections: Sequence[Section], prov: pd.DataFrame) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for sec in sections:
        items: list[BriefTable | BriefFigure] = [*sec.tables, *sec.figures]
        for item in items:
            item.footnotes = []
            for src in item.sources:
                if src not in index:
                    rows = prov[prov["source"] == src]
                    if len(rows):
                        files = ", ".join(sorted({Path(f).name for f in rows["file"]}))
                        text = (f"{src}: {rows['publisher'].iloc[0]}, edition "
                                f"{rows['edition'].iloc[0]} (files: {files}).")
                    else:
                        text = f"{src}: no provenance record in this store."
                    notes.append({"n": len(notes) + 1, "text": text})
                    index[src] = len(notes)
                item.footnotes.append(index[src])
    return notes


def _render_html(sections: list[Section], notes: list[dict[str, Any]], group: str, year: int,
                 store_label: str, raster: bool = False) -> str:
    env = Environment(loader=PackageLoader("labourlink.report", "templates"),
                      autoescape=select_autoescape(["html"]))
    for sec in sections:
        for t in sec.tables:
            numeric = [pd.api.types.is_numeric_dtype(t.frame[c]) for c in t.frame.columns]
            t.rows = [[(_fmt(str(c), v), num) for c, v, num in
                       zip(t.frame.columns, row, numeric, strict=True)]
                      for row in t.frame.itertuples(index=False, name=None)]
    return env.get_template("brief.html").render(
        sections=sections, notes=notes, group=group, year=year, version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        store=store_label, raster=raster)


def write_pdf(html: str, target: Path) -> str:
    """Render ``html`` to ``target`` (PDF); returns the engine used.

    WeasyPrint when installed; otherwise headless Chromium (``/usr/bin/chromium``).
    Raises :class:`LabourlinkError` when neither is available.
    """
    try:
        import weasyprint
    except ImportError:
        weasyprint = None
    if weasyprint is not None:
        weasyprint.HTML(string=html).write_pdf(str(target))
        return f"weasyprint {weasyprint.__version__}"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise LabourlinkError("cannot write the PDF: install weasyprint (pip) or chromium (apt)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "brief.html"
        src.write_text(html, encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run",
                        f"--print-to-pdf={target}", src.as_uri()],
                       check=True, capture_output=True, timeout=120)
    return "chromium --print-to-pdf"


def build_brief(
    out_dir: str | Path = "out",
    *,
    group: str = "ESCAP",
    year: int = 2020,
    store: str | Path | None = None,
    build: bool = True,
    pdf: bool = True,
    draws: int = 20,
    progress: bool = True,
    console: Console | None = None,
) -> BriefResult:
    """Write the brief: ``out_dir/brief.html``, ``out_dir/brief.pdf``, ``out_dir/tables/*.csv``.

    Parameters
    ----------
    out_dir
        Output folder (created).
    group
        ``country_group`` code of the region (default ``"ESCAP"``).
    year
        Integer year of the cross-sectional tables (migrant stocks: a UN DESA year such as 2020).
    store
        DuckDB store (default ``LABOURLINK_STORE``).
    build
        Build the store first when its inputs changed (``labourlink.store.build_store``; a no-op
        when up to date).
    pdf
        Also write the PDF.
    draws
        Draws of the scenario's interval (0..50).
    progress
        Print each step.
    """
    from labourlink import config
    from labourlink.store import build_store, connect, provenance_table

    con_out = console or Console(stderr=True, quiet=not progress)
    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    steps = 8 if pdf else 7
    k = 0

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
        sections: list[Section] = []
        for label, fn in (
            ("Trends in regional labour mobility", lambda: _section_trends(con, group, year)),
            ("Trade-migration links", lambda: _section_links(con)),
            ("Development impacts: remittances", lambda: _section_remittances(con, group, year)),
            ("Governance coverage and gaps", lambda: _section_governance(con, group, year)),
            ("Co-operative agreement scenario", lambda: _section_scenario(con, group, draws)),
        ):
            step(f"Section: {label}")
            sec = fn()
            sections.append(sec)
            for note in sec.unavailable:
                con_out.print(f"      [yellow]{note}[/]")
        prov = provenance_table(con)
    finally:
        con.close()
    notes = _footnotes(sections, prov)
    step("Writing tables (CSV) and HTML")
    written = []
    for sec in sections:
        for t in sec.tables:
            p = out / "tables" / f"{t.slug}.csv"
            t.frame.to_csv(p, index=False)
            written.append(p)
    html = _render_html(sections, notes, group, year, str(target))
    html_path = out / "brief.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path: Path | None = None
    engine = "none"
    if pdf:
        step("Writing PDF")
        pdf_path = out / "brief.pdf"
        # the PDF gets the charts as PNG (WeasyPrint lays out large inline SVGs slowly)
        engine = write_pdf(_render_html(sections, notes, group, year, str(target), raster=True),
                           pdf_path)
    return BriefResult(html_path, pdf_path, engine, written, sections)
