"""``labourlink serve``: the dashboard and JSON API on a local port (uvicorn)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import typer

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True when ``host`` only listens on this machine (127.0.0.0/8, ::1, localhost)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_notice(host: str, port: int) -> str:
    """What ``serve`` prints about where it listens (a warning unless loopback)."""
    if is_loopback(host):
        return f"labourlink dashboard on http://{host}:{port}/ (this machine only)"
    return (f"WARNING: labourlink dashboard bound to {host}:{port}, not 127.0.0.1: it is "
            "reachable from other machines on the network and has no authentication; use "
            "--host 127.0.0.1 to keep it on this machine")


def serve(
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Interface to bind \\[default: 127.0.0.1, this machine only]. "
                                  "Another address makes the dashboard reachable from the "
                                  "network (it says so when it starts)."),
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535,
                             help="TCP port (0 picks a free one) \\[default: 8000]."),
    store: Path | None = typer.Option(None, "--store", envvar="LABOURLINK_STORE",
                                      help="DuckDB store, opened read-only \\[default: "
                                           "LABOURLINK_STORE or data/labourlink.duckdb]."),
    revision: str | None = typer.Option(None, "--revision",
                                        help="UN DESA migrant stock revision shown by default: "
                                             "2024 or 2020 \\[default: 2024, or the newest the "
                                             "store holds]. Pages and API calls can ask for the "
                                             "other with ?revision=."),
    jobs: int = typer.Option(1, "--jobs", min=1, max=8,
                             help="Worker processes for long jobs (scenario runs, model "
                                  "estimates) \\[default: 1]; reads never wait for them."),
    queue: int = typer.Option(4, "--queue", min=0, max=100,
                              help="Long jobs allowed to wait for a worker; more get HTTP 429 "
                                   "with Retry-After \\[default: 4]."),
) -> None:
    """Serve the dashboard (overview map, corridors, country profiles, models, agreement designer,
    trade agreements, governance) and the JSON API (OpenAPI at /openapi.json) from the store,
    read-only. A rebuilt store (`labourlink data build`) is picked up without a restart."""
    import uvicorn

    from labourlink.web.app import create_app

    app = create_app(store, workers=jobs, queue=queue, revision=revision)
    idx = app.state.watcher.current().index
    notice = bind_notice(host, port)
    typer.echo(notice, err=not is_loopback(host))
    typer.echo(f"  migrant stocks: UN DESA revision {idx.default_revision} by default "
               f"(store holds {', '.join(sorted(idx.stock_years_by_revision)) or 'none'}); "
               f"OpenAPI: /openapi.json; Ctrl+C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the labourlink CLI."""
    app.command("serve")(serve)
