"""``labourlink serve``: the dashboard and JSON API on a local port (uvicorn)."""

from __future__ import annotations

from pathlib import Path

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Interface to bind [default: 127.0.0.1, this machine only]."),
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535,
                             help="TCP port (0 picks a free one) [default: 8000]."),
    store: Path | None = typer.Option(None, "--store", envvar="LABOURLINK_STORE",
                                      help="DuckDB store, opened read-only [default: "
                                           "LABOURLINK_STORE or data/labourlink.duckdb]."),
) -> None:
    """Serve the dashboard (overview map, corridors, country profiles, models, scenarios,
    governance) and the JSON API (OpenAPI at /openapi.json) from the store, read-only."""
    import uvicorn

    from labourlink.web.app import create_app

    app = create_app(store)
    typer.echo(f"labourlink dashboard on http://{host}:{port}/  (OpenAPI: /openapi.json; Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the labourlink CLI."""
    app.command("serve")(serve)
