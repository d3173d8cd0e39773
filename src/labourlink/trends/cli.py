"""``labourlink trends ...``: overview, corridors, remittances and country profiles from the store.

Every command prints a table (default), CSV, JSON (a list of records whose keys are the
DataFrame's column names) or Parquet (``--out FILE``, or raw bytes on stdout). The one exception
is ``labourlink trends overview --year Y --format json``, which prints a single object
``{"group", "year", "hosted", "emigrants", "intraregional_share_of_emigrants",
"intraregional_share_of_immigrants", "remittances_received_usd", "remittances_year",
"revision"}`` (persons; shares in [0, 1]; US$).

Every stock-based output says which UN DESA revision it used: a ``revision`` column (so a field
in every JSON record) and, in tables, a source line under the table. ``--revision 2020|2024``
chooses it (default: the newest in the store, 2024).
"""

from __future__ import annotations

import io
import json
import math
import sys
from contextlib import closing
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import typer

trends_app = typer.Typer(
    help=(
        "Regional labour mobility trends read from the store (run `labourlink data build` first).\n\n"
        "Groups are country_group codes (ESCAP, ENEA, SEA, SSWA, NCA, PACIFIC, ASEAN, ...), one ISO3 "
        "code, or comma-separated ISO3 codes (PHL,IDN,VNM)."
    ),
    no_args_is_help=True,
)

Format = Literal["table", "csv", "json", "parquet"]

GroupOpt = typer.Option("ESCAP", "--group", "-g",
                        help="Group code, ISO3 code or comma-separated ISO3 codes \\[default: ESCAP].")
FromOpt = typer.Option(None, "--from", help="First year \\[default: first year with data, 1990 for "
                       "stocks].")
ToOpt = typer.Option(None, "--to", help="Last year \\[default: last year with data, 2024 for stocks of the 2024 revision].")
FormatOpt = typer.Option("table", "--format", "-f",
                         help="Output format: table, csv, json or parquet \\[default: table].")
OutOpt = typer.Option(None, "--out", "-o", dir_okay=False,
                      help="Write to this file instead of stdout \\[default: stdout].")
StoreOpt = typer.Option(None, "--store", dir_okay=False,
                        help="Store file \\[default: LABOURLINK_STORE or data/labourlink.duckdb].")
RevisionOpt = typer.Option(None, "--revision", "-r",
                           help="UN DESA International Migrant Stock revision: 2024 or 2020 "
                           "\\[default: the newest in the store, 2024]. One revision per output, "
                           "never mixed (the 2024 revision restates 1990-2020).")
SourceOpt = typer.Option(None, "--source", hidden=True,
                         help="Older spelling of --revision: a migrant_stock source id "
                         "(undesa_ims2024, undesa_ims2020, undesa_ims2019).")
CorridorsNOpt = typer.Option(10, "--n", "-n", min=1, help="Number of corridors \\[default: 10].")
CorridorsWorldOpt = typer.Option(False, "--world", help="Rank all corridors of the world "
                                 "(ignores --group and --side).")


def _group_arg(group: str) -> str | list[str]:
    parts = [p.strip() for p in group.split(",") if p.strip()]
    return parts if len(parts) > 1 else group.strip()


def _connect(store: Path | None) -> duckdb.DuckDBPyConnection:
    from labourlink.store import connect

    return connect(store)


def _fmt_cell(col: str, v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, float):
        if "share" in col:
            return f"{v:.4f}"
        if "pct" in col:
            return f"{v:.2f}"
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.2f}"
    if isinstance(v, int) and col != "year" and not col.endswith("_year"):
        return f"{v:,}"
    return str(v)


def _records(df: pd.DataFrame) -> list[dict[str, object]]:
    out: list[dict[str, object]] = json.loads(df.to_json(orient="records", double_precision=15))
    return out


def _revision_caption(df: pd.DataFrame) -> str:
    """The source line of a table: the revision of its stocks (``revision`` column) and the
    edition of its remittance matrix (``matrix`` column); empty when it has neither."""
    from labourlink.store.revisions import REMITTANCE_MATRIX_LABELS, revision_label

    if df.empty:
        return ""
    parts = []
    if "revision" in df.columns:
        parts += [revision_label(r) for r in pd.unique(df["revision"])]
    if "matrix" in df.columns:
        parts += [REMITTANCE_MATRIX_LABELS[str(m)] for m in pd.unique(df["matrix"])]
    return ("Source: " + "; ".join(parts)) if parts else ""


def _revision(revision: str | None, source: str | None) -> str | None:
    """``--revision`` or, when only the older ``--source`` is given, that source id."""
    return revision if revision is not None else source


def emit(df: pd.DataFrame, fmt: str, out: Path | None, title: str = "") -> None:
    """Write ``df`` in ``fmt`` to ``out`` (a file) or stdout; tables get a source line."""
    if fmt == "parquet":
        if out is not None:
            df.to_parquet(out, index=False)
        else:
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            sys.stdout.buffer.write(buf.getvalue())
            sys.stdout.buffer.flush()
        return
    if fmt == "csv":
        text = df.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(_records(df), ensure_ascii=False, indent=1) + "\n"
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title or None, caption=_revision_caption(df) or None,
                      caption_justify="left")
        for c in df.columns:
            numeric = pd.api.types.is_numeric_dtype(df[c])
            table.add_column(str(c), justify="right" if numeric else "left")
        cells = [[_fmt_cell(str(c), v) for c, v in zip(df.columns, row, strict=True)]
                 for row in df.itertuples(index=False)]
        for row_cells in cells:
            table.add_row(*row_cells)
        widths = [max([len(str(c))] + [len(r[i]) for r in cells]) for i, c in enumerate(df.columns)]
        width = max(80, sum(w + 3 for w in widths) + 1)
        if out is not None:
            with open(out, "w", encoding="utf-8") as fh:
                Console(file=fh, width=width).print(table)
        else:
            Console(width=width).print(table)
        return
    _write_text(text, out)


def _write_text(text: str, out: Path | None) -> None:
    """Write ``text`` to the file ``out`` (UTF-8) or, when ``out`` is ``None``, to stdout."""
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


def _stock_years(con: duckdb.DuckDBPyConnection, revision: str | None, start: int | None,
                 end: int | None) -> list[int]:
    from labourlink.store.revisions import resolve_stock_source
    from labourlink.trends._common import check_stock_source, years_between

    source = resolve_stock_source(con, revision)
    return years_between(check_stock_source(con, source), start, end, "--from/--to")


@trends_app.command("overview")
def overview_cmd(
    group: str = GroupOpt,
    start: int | None = FromOpt,
    end: int | None = ToOpt,
    year: int | None = typer.Option(None, "--year", "-y",
                                    help="One stock year (JSON output is then one object) "
                                    "\\[default: every year from --from to --to]."),
    fmt: Format = FormatOpt,
    out: Path | None = OutOpt,
    revision: str | None = RevisionOpt,
    source: str | None = SourceOpt,
    store: Path | None = StoreOpt,
) -> None:
    """Migrants hosted, emigrants, intraregional shares and remittances received, per year.

    Remittances are KNOMAD's inflows (June 2023) of the latest year at or before the stock year
    (remittances_year; 2022 for the 2024 stocks).
    """
    from labourlink.trends.stocks import overview

    rev = _revision(revision, source)
    with closing(_connect(store)) as con:
        years = [year] if year is not None else _stock_years(con, rev, start, end)
        df = overview(_group_arg(group), years, revision=rev, con=con)
    if year is not None and fmt == "json":
        _write_text(json.dumps(_records(df)[0], ensure_ascii=False, indent=1) + "\n", out)
        return
    emit(df, fmt, out, title=f"Migration overview: {group}")


@trends_app.command("corridors")
def corridors_cmd(
    group: str = GroupOpt,
    start: int | None = typer.Option(1990, "--from", help="Base year of the change columns "
                                     "\\[default: 1990]."),
    end: int | None = typer.Option(None, "--to", help="Year ranked \\[default: the revision's "
                                   "latest, 2024]."),
    side: Literal["destination", "origin", "either", "within"] = typer.Option(
        "destination", "--side", help="Corridors into the group (destination), out of it "
        "(origin), touching it (either) or inside it (within) \\[default: destination]."),
    n: int = CorridorsNOpt,
    world: bool = CorridorsWorldOpt,
    fmt: Format = FormatOpt,
    out: Path | None = OutOpt,
    revision: str | None = RevisionOpt,
    source: str | None = SourceOpt,
    store: Path | None = StoreOpt,
) -> None:
    """Largest origin -> destination migrant corridors, with absolute and annual growth."""
    from labourlink.trends.stocks import top_corridors

    rev = _revision(revision, source)
    with closing(_connect(store)) as con:
        if end is None:
            end = _stock_years(con, rev, None, None)[-1]
        df = top_corridors(n, end, None if world else _group_arg(group), side,
                           start_year=start, revision=rev, con=con)
    emit(df, fmt, out, title=f"Top {n} corridors {end}: {'world' if world else group} ({side})")


@trends_app.command("remittances")
def remittances_cmd(
    group: str = GroupOpt,
    start: int | None = FromOpt,
    end: int | None = ToOpt,
    by: Literal["country", "group"] = typer.Option(
        "country", "--by", help="One row per country and year, or group sums \\[default: country]."),
    top: int | None = typer.Option(None, "--top", min=1,
                                   help="Instead: the N most remittance-dependent members "
                                   "(received, % of GDP) in --to \\[default: latest year]."),
    world: bool = typer.Option(False, "--world", help="With --top: rank every country, not only "
                               "the group's members."),
    series: Literal["wdi_remittances", "gdiviz_wdi_2024", "knomad_2023"] = typer.Option(
        "wdi_remittances", "--series", help="Remittance source: wdi_remittances (WDI, May 2023), "
        "gdiviz_wdi_2024 (WDI 2024 vintage) or knomad_2023 \\[default: wdi_remittances]."),
    fmt: Format = FormatOpt,
    out: Path | None = OutOpt,
    revision: str | None = RevisionOpt,
    store: Path | None = StoreOpt,
) -> None:
    """Remittances received and paid (US$), % of GDP and US$ per emigrant abroad (WDI).

    Per emigrant: receipts divided by the emigrant stock of the chosen revision in the latest
    stock year at most 4 years earlier (emigrants_stock_year).
    """
    from labourlink.trends._common import years_between
    from labourlink.trends.remittances import remittance_dependence, remittance_years, remittances

    with closing(_connect(store)) as con:
        if top is not None:
            df = remittance_dependence(top, end, None if world else _group_arg(group),
                                       source=series, con=con)
        else:
            years = years_between(remittance_years(con, series), start, end, "--from/--to")
            df = remittances(_group_arg(group), years, by=by, source=series, revision=revision,
                             con=con)
    where = "world" if (top is not None and world) else group
    emit(df, fmt, out, title=f"Remittances: {where}")


@trends_app.command("remittance-corridors")
def remittance_corridors_cmd(
    group: str = GroupOpt,
    side: Literal["receiving", "sending", "either", "within"] = typer.Option(
        "receiving", "--side", help="Corridors paying into the group (receiving), paid out of it "
        "(sending), touching it (either) or inside it (within) \\[default: receiving]."),
    n: int = CorridorsNOpt,
    world: bool = CorridorsWorldOpt,
    matrix: str | None = typer.Option(None, "--matrix", help="Bilateral remittance matrix: 2021 "
                                      "(KNOMAD/World Bank, December 2022) or 2017 (World Bank, "
                                      "April 2018) \\[default: the newest in the store, 2021]."),
    fmt: Format = FormatOpt,
    out: Path | None = OutOpt,
    store: Path | None = StoreOpt,
) -> None:
    """Largest bilateral remittance corridors (sending host -> receiving origin), US$ million.

    The matrix splits remittances across corridors; country totals come from KNOMAD's inflows,
    revised after the matrix was made, so a country's corridors need not add up to its total.
    """
    from labourlink.trends.remittances import remittance_corridors

    with closing(_connect(store)) as con:
        df = remittance_corridors(None, n, None if world else _group_arg(group), side,
                                  matrix=matrix, con=con)
    where = "world" if world else group
    emit(df, fmt, out, title=f"Top {n} remittance corridors: {where} ({side})")


@trends_app.command("country")
def country_cmd(
    iso3: str = typer.Argument(..., help="ISO3 code of the country (e.g. PHL)."),
    start: int | None = FromOpt,
    end: int | None = ToOpt,
    fmt: Format = FormatOpt,
    out: Path | None = OutOpt,
    revision: str | None = RevisionOpt,
    source: str | None = SourceOpt,
    store: Path | None = StoreOpt,
) -> None:
    """A country's immigrants, emigrants, rates, female shares and remittances per stock year."""
    from labourlink.trends.stocks import country_profile

    rev = _revision(revision, source)
    with closing(_connect(store)) as con:
        df = country_profile(iso3, _stock_years(con, rev, start, end), revision=rev, con=con)
    emit(df, fmt, out, title=f"Country profile: {iso3.upper()}")


def register(app: typer.Typer) -> None:
    """Add the ``trends`` command group."""
    app.add_typer(trends_app, name="trends")
