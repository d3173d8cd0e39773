"""``labourlink data ...``: build, inspect, export the store and fetch the raw files."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from labourlink import config

data_app = typer.Typer(
    help=(
        "Raw official files and the DuckDB store.\n\n"
        "Typical use: `labourlink data build` (reads LABOURLINK_DATA_DIR, default ../shared/data/raw, "
        "writes LABOURLINK_STORE, default data/labourlink.duckdb), then `labourlink data status`."
    ),
    no_args_is_help=True,
)

DataDirOpt = typer.Option(None, "--data-dir", help="Raw files folder \\[default: LABOURLINK_DATA_DIR "
                          "or ../shared/data/raw]", file_okay=False)
StoreOpt = typer.Option(None, "--store", help="Store file \\[default: LABOURLINK_STORE or "
                        "data/labourlink.duckdb]", dir_okay=False)


@data_app.command("build")
def build_cmd(
    force: bool = typer.Option(False, "--force", help="Rebuild even if no input file changed."),
    data_dir: Path | None = DataDirOpt,
    store: Path | None = StoreOpt,
) -> None:
    """Build the store from the raw files, atomically (a failed build keeps the old store)."""
    from labourlink.store.build import build_store

    report = build_store(data_dir, store, force=force)
    typer.echo(report.summary())


@data_app.command("status")
def status_cmd(
    store: Path | None = StoreOpt,
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Print the provenance table: every source, edition, file, sha256, rows and build time."""
    from labourlink.store.db import connect, provenance_table
    from labourlink.store.schema import TABLES

    con = connect(store)
    try:
        prov = provenance_table(con)
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]
        meta = dict(con.execute("SELECT key, value FROM build_meta").fetchall())
    finally:
        con.close()
    path = store or config.store_path()
    if fmt == "json":
        prov = prov.assign(built_at=prov["built_at"].astype(str))
        typer.echo(json.dumps({"store": str(path), "tables": counts,
                               "build_seconds": float(meta.get("build_seconds", "nan")),
                               "provenance": prov.to_dict(orient="records")}, indent=2))
        return
    console = Console(width=160)
    t = Table(title=f"labourlink store {path}", show_lines=False)
    for col in ("source", "edition", "file", "sha256", "rows", "table", "dropped"):
        t.add_column(col, overflow="fold")
    for rec in prov.to_dict(orient="records"):
        t.add_row(str(rec["source"]), str(rec["edition"]), str(rec["file"]),
                  str(rec["sha256"] or "")[:12], f"{int(rec['rows']):,}", str(rec["target_table"]),
                  str(rec["dropped"] or ""))
    console.print(t)
    console.print("rows per table: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    console.print(f"built in {meta.get('build_seconds', '?')} s from {meta.get('data_dir', '?')}")


@data_app.command("export")
def export_cmd(
    out_dir: Path = typer.Argument(..., help="Folder to write one file per table into."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
    store: Path | None = StoreOpt,
) -> None:
    """Write every store table to OUT_DIR as Parquet (or CSV)."""
    from labourlink.store.db import connect, export_tables

    con = connect(store)
    try:
        files = export_tables(con, out_dir, fmt)  # type: ignore[arg-type]
    finally:
        con.close()
    typer.echo(f"wrote {len(files)} files to {out_dir}")


@data_app.command("fetch")
def fetch_cmd(
    data_dir: Path | None = DataDirOpt,
    mirror: str | None = typer.Option(None, "--mirror", help="Base URL of a copy of the data "
                                      "directory to download from instead of the publishers."),
) -> None:
    """Download missing raw files from the publishers' addresses (resumable, checksummed)."""
    from labourlink.sources.fetch import fetch

    target = data_dir or config.data_dir()
    results = fetch(target, mirror=mirror)
    by: dict[str, int] = {}
    for r in results:
        by[r.status] = by.get(r.status, 0) + 1
    typer.echo(f"{target}: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
    missing = [r.path for r in results if r.status == "no-address"]
    if missing:
        typer.echo("no public address for (obtain them from the project's data curator): "
                   + ", ".join(missing))


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group."""
    app.add_typer(data_app, name="data")
