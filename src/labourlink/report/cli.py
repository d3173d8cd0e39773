"""``labourlink brief``: the regional brief, one country's brief, or every member's brief."""

from __future__ import annotations

import os
from pathlib import Path

import typer


def brief(
    group: str = typer.Option("ESCAP", "--group", "-g",
                              help="Country group of the region: the brief's region, the members "
                                   "briefed with --all and the comparison group of --country "
                                   "\\[default: ESCAP]."),
    revision: str | None = typer.Option(None, "--revision", "-r",
                                        help="UN DESA International Migrant Stock revision: 2024 "
                                             "or 2020 \\[default: the newest in the store, 2024]."),
    year: int | None = typer.Option(None, "--year", "-y",
                                    help="Headline year, a stock year of the revision "
                                         "\\[default: the revision's latest, 2024 for 2024]."),
    out: Path = typer.Option(Path("out"), "--out", "-o",
                             help="Output folder \\[default: out/]."),
    country: str | None = typer.Option(None, "--country", "-c",
                                       help="Write the 2-4 page brief of one country (ISO3, e.g. "
                                            "PHL) instead of the regional brief: OUT/ISO3.html, "
                                            "OUT/ISO3.pdf, OUT/tables/ISO3_*.csv."),
    all_members: bool = typer.Option(False, "--all",
                                     help="Write the brief of every member of --group and "
                                          "OUT/index.html, in parallel."),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="With --all: worker processes \\[default: the "
                                            "machine's cores]."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="With --all: run the country briefs on a running "
                                              "Dask cluster, e.g. tcp://10.0.0.5:8786 (not with "
                                              "--workers)."),
    store: Path | None = typer.Option(None, "--store", envvar="LABOURLINK_STORE",
                                      help="DuckDB store \\[default: LABOURLINK_STORE or "
                                           "data/labourlink.duckdb]."),
    no_build: bool = typer.Option(False, "--no-build",
                                  help="Do not build/refresh the store first \\[default: build "
                                       "when the raw files changed]."),
    no_pdf: bool = typer.Option(False, "--no-pdf", help="Skip the PDF \\[default: write it]."),
    draws: int = typer.Option(20, "--draws", min=0, max=200,
                              help="Regional brief: Monte Carlo draws of each scenario's "
                                   "intervals \\[default: 20]."),
) -> None:
    """Write the brief as a publication: OUT/brief.html (self-contained), OUT/brief.pdf and
    OUT/tables/*.csv, on the 2024 revision by default.

    With --country ISO3, one country's brief; with --all, every member's brief plus an index.
    """
    from rich.console import Console

    from labourlink.errors import InvalidArgumentError

    console = Console(stderr=True)
    if country is not None and all_members:
        raise InvalidArgumentError("--country", country, "either --country ISO3 or --all, not both")
    if (workers is not None or scheduler is not None) and not all_members:
        raise InvalidArgumentError("--workers/--scheduler", workers or scheduler,
                                   "only with --all (the country briefs run in parallel)")
    if workers is not None and scheduler is not None:
        raise InvalidArgumentError("--workers", workers, "no --workers together with "
                                   "--scheduler (give one of them)")
    if country is not None:
        from labourlink.report.country import build_country

        r = build_country(country, out, group=group, revision=revision, year=year, store=store,
                          build=not no_build, pdf=not no_pdf, console=console)
        typer.echo(f"Country brief written to {r.html.resolve()}")
        if r.pdf is not None:
            typer.echo(f"PDF ({r.pages} pages): {r.pdf.resolve()}")
        for m in r.missing:
            typer.echo(f"missing: {m}")
        return
    if all_members:
        from labourlink.report.country import build_all

        res = build_all(out, group=group, revision=revision, year=year, store=store,
                        build=not no_build, pdf=not no_pdf,
                        workers=workers if scheduler is not None or workers is not None
                        else (os.cpu_count() or 1), scheduler=scheduler, console=console)
        gaps = sum(1 for c in res.countries if c.missing)
        typer.echo(f"{len(res.countries)} country briefs written to {out.resolve()} in "
                   f"{res.seconds:.1f} s ({res.runner}); {gaps} say that some data are missing")
        typer.echo(f"Index: {res.index.resolve()}")
        return
    from labourlink.report.brief import build_brief

    res_b = build_brief(out, group=group, year=year, revision=revision, store=store,
                        build=not no_build, pdf=not no_pdf, draws=draws, console=console)
    typer.echo(f"Brief written to {res_b.html.resolve()}")
    if res_b.pdf is not None:
        typer.echo(f"PDF ({res_b.pdf_engine}): {res_b.pdf.resolve()}")
    typer.echo(f"{len(res_b.tables)} tables (CSV) in {(out / 'tables').resolve()}")
    typer.echo(f"Revision {res_b.revision}, headline year {res_b.year}; "
               f"{len(res_b.findings)} key findings")


def register(app: typer.Typer) -> None:
    """Add ``brief`` to the labourlink CLI."""
    app.command("brief")(brief)
