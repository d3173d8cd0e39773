"""``labourlink brief``: the brief as HTML, PDF and CSV tables."""

from __future__ import annotations

from pathlib import Path

import typer


def brief(
    group: str = typer.Option("ESCAP", "--group", "-g",
                              help="Country group code of the region [default: ESCAP]."),
    year: int = typer.Option(2020, "--year", "-y",
                             help="Year of the cross-sectional tables [default: 2020]."),
    out: Path = typer.Option(Path("out"), "--out", "-o",
                             help="Output folder [default: out/]."),
    store: Path | None = typer.Option(None, "--store", envvar="LABOURLINK_STORE",
                                      help="DuckDB store [default: LABOURLINK_STORE or "
                                           "data/labourlink.duckdb]."),
    no_build: bool = typer.Option(False, "--no-build",
                                  help="Do not build/refresh the store first [default: build "
                                       "when the raw files changed]."),
    no_pdf: bool = typer.Option(False, "--no-pdf", help="Skip the PDF [default: write it]."),
    draws: int = typer.Option(20, "--draws", min=0, max=50,
                              help="Draws for the scenario's intervals [default: 20]."),
) -> None:
    """Write the brief: OUT/brief.html (self-contained), OUT/brief.pdf and OUT/tables/*.csv."""
    from rich.console import Console

    from labourlink.report.brief import build_brief

    res = build_brief(out, group=group, year=year, store=store, build=not no_build,
                      pdf=not no_pdf, draws=draws, console=Console(stderr=True))
    typer.echo(f"Brief written to {res.html.resolve()}")
    if res.pdf is not None:
        typer.echo(f"PDF ({res.pdf_engine}): {res.pdf.resolve()}")
    typer.echo(f"{len(res.tables)} tables (CSV) in {(out / 'tables').resolve()}")


def register(app: typer.Typer) -> None:
    """Add ``brief`` to the labourlink CLI."""
    app.command("brief")(brief)
