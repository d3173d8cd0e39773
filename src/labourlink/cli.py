"""The one entry point: ``labourlink ...``.

Each domain contributes its commands through a ``cli`` module with ``register(app)``:
``store.cli`` (``data``), ``trends.cli`` (``trends``), ``flows.cli`` (``flows``), ``gravity.cli`` (``estimate``),
``scenarios.cli`` (``scenario``), ``governance.cli`` (``governance``), ``report.cli`` (``brief``)
and ``web.cli`` (``serve``). This module only assembles them and turns labourlink errors into
a one-line message and exit code 2.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import typer

from labourlink import __version__
from labourlink.errors import LabourlinkError

DOMAIN_CLIS = (
    "labourlink.countries.cli",
    "labourlink.store.cli",
    "labourlink.trends.cli",
    "labourlink.flows.cli",
    "labourlink.gravity.cli",
    "labourlink.scenarios.cli",
    "labourlink.governance.cli",
    "labourlink.report.cli",
    "labourlink.web.cli",
)

app = typer.Typer(
    name="labourlink",
    help=(
        "Regional integration, trade and labour mobility in Asia and the Pacific.\n\n"
        "Start with `labourlink data build` (reads the official files from LABOURLINK_DATA_DIR, "
        "default ../shared/data/raw, into the DuckDB store at LABOURLINK_STORE, default "
        "data/labourlink.duckdb), then `labourlink data status`, `labourlink trends overview` or "
        "`labourlink brief`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"labourlink {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """labourlink command line."""


def _register_domains() -> None:
    for name in DOMAIN_CLIS:
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).register(app)


_register_domains()


def main() -> None:
    """Console-script entry point: labourlink errors become one line on stderr and exit code 2."""
    try:
        app(standalone_mode=False)
    except LabourlinkError as exc:
        typer.secho(f"Error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.secho("Aborted.", err=True)
        sys.exit(1)
    except Exception as exc:  # click usage errors (typer may vendor its own click)
        if isinstance(exc, _click_exceptions()):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        raise


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """ClickException of click and, where typer ships its own copy, of typer's."""
    import click

    out: list[type[BaseException]] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException as TyperClickException
    except ImportError:
        pass
    else:
        out.append(TyperClickException)
    return tuple(out)
