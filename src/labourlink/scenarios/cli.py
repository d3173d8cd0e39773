"""``labourlink scenario new | run | compare | examples``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from labourlink.cluster.cli import runner_options, scheduler_option, workers_option
from labourlink.errors import InvalidArgumentError

FORMATS = ("table", "json")
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


def example_paths() -> list[Path]:
    """Shipped example scenario files (sorted)."""
    return sorted(EXAMPLES_DIR.glob("*.yaml"))


def _run(spec_path: Path, draws: int, seed: int, store: Path | None,  # type: ignore[no-untyped-def]
         revision: str | None = None):
    from rich.console import Console

    from labourlink.scenarios.inputs import load_inputs
    from labourlink.scenarios.mobility import run_scenario
    from labourlink.scenarios.spec import load_spec
    from labourlink.store.db import connect

    spec = load_spec(spec_path)
    status = Console(stderr=True).status(f"scenario {spec.name!r}: reading inputs from the store "
                                         "(first run on a store also estimates the coefficients)")
    with status:
        con = connect(store)
        try:
            data = load_inputs(con, spec, revision)
        finally:
            con.close()
        status.update(f"scenario {spec.name!r}: general equilibrium and {draws} Monte Carlo draws")
        res = run_scenario(spec, data, draws=draws, seed=seed)
    if res.trade_cost is not None and res.trade_cost.fallback:
        typer.echo(f"warning [{spec.name}]: {res.trade_cost.note}", err=True)
    return res


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` command group to the labourlink CLI."""
    sc = typer.Typer(name="scenario", no_args_is_help=True, help=(
        "Labour-mobility agreement scenarios: write a YAML spec (`scenario new`), run it through "
        "the general-equilibrium chain (`scenario run`), compare two (`scenario compare`)."))

    @sc.command("new")
    def new() -> None:
        """Print a commented scenario template (redirect it: `labourlink scenario new > my.yaml`)."""
        from labourlink.scenarios.spec import template

        typer.echo(template(), nl=False)

    @sc.command("examples")
    def examples() -> None:
        """Print the paths of the shipped example scenario files, one per line."""
        for p in example_paths():
            typer.echo(str(p))

    @sc.command("run")
    def run(
        spec: Path = typer.Argument(..., help="Scenario YAML file."),
        draws: int = typer.Option(500, "--draws", min=0,
                                  help="Monte Carlo draws of the coefficients (default 500; 0 = "
                                  "point estimate only)."),
        fmt: str = typer.Option("table", "--format", help="Output: table (default) or json."),
        seed: int = typer.Option(0, "--seed", help="Random seed of the draws (default 0)."),
        revision: str | None = typer.Option(None, "--revision", help="UN DESA migrant stock "
                                            "revision of the baseline: 2024 or 2020 (default: "
                                            "the spec's, else the newest in the store)."),
        store: Path | None = typer.Option(None, "--store", help="Store file (default: "
                                          "LABOURLINK_STORE or data/labourlink.duckdb)."),
        bootstrap: int = typer.Option(0, "--bootstrap", min=0, help="GEPPML bootstrap with N "
                                      "replicates: each re-estimates the trade-cost coefficients "
                                      "on resampled pairs and re-solves the equilibrium; adds "
                                      "<field>_boot_low/_boot_high (90%) beside the Monte Carlo "
                                      "<field>_low/_high (default 0 = none; seed: --seed). "
                                      "Replicates are kept under LABOURLINK_RUNS_DIR (default "
                                      "out/runs): rerun to resume."),
        workers: int | None = workers_option(),
        scheduler: str | None = scheduler_option(),
    ) -> None:
        """Run a scenario: per-country trade, real GDP and remittance effects, with 90% intervals."""
        if fmt not in FORMATS:
            raise InvalidArgumentError("--format", fmt, FORMATS)
        if bootstrap:
            from labourlink.scenarios.bootstrap import cli_run

            typer.echo(cli_run(spec, draws, seed, store, bootstrap,
                               runner_options(workers, scheduler), fmt, revision))
            return
        if workers is not None or scheduler is not None:
            raise InvalidArgumentError("--workers/--scheduler", workers or scheduler,
                                       "--bootstrap N as well (they say where the replicates run)")
        res = _run(spec, draws, seed, store, revision)
        typer.echo(res.to_json() if fmt == "json" else res.summary())

    @sc.command("compare")
    def compare(
        spec_a: Path = typer.Argument(..., help="First scenario YAML."),
        spec_b: Path = typer.Argument(..., help="Second scenario YAML."),
        draws: int = typer.Option(0, "--draws", min=0,
                                  help="Monte Carlo draws for each scenario (default 0)."),
        fmt: str = typer.Option("table", "--format", help="Output: table (default) or json."),
        seed: int = typer.Option(0, "--seed", help="Random seed of the draws (default 0)."),
        revision: str | None = typer.Option(None, "--revision", help="UN DESA migrant stock "
                                            "revision of both baselines: 2024 or 2020 "
                                            "(default: each spec's, else the newest)."),
        store: Path | None = typer.Option(None, "--store", help="Store file (default: "
                                          "LABOURLINK_STORE or data/labourlink.duckdb)."),
    ) -> None:
        """Compare two scenarios on the countries that are parties to either."""
        if fmt not in FORMATS:
            raise InvalidArgumentError("--format", fmt, FORMATS)
        ra = _run(spec_a, draws, seed, store, revision)
        rb = _run(spec_b, draws, seed, store, revision)
        if fmt == "json":
            typer.echo(json.dumps({"scenarios": [ra.to_json_dict(), rb.to_json_dict()]}, indent=2))
            return
        import pandas as pd

        from labourlink.scenarios.design import compare_frame, compare_parties

        parties = compare_parties(ra.spec.senders, ra.spec.receivers, rb.spec.senders,
                                  rb.spec.receivers)
        table = compare_frame(ra.to_frame(), rb.to_frame(), parties)
        with pd.option_context("display.width", 200, "display.max_columns", 20,
                               "display.float_format", "{:,.4g}".format):
            typer.echo(f"A = {ra.spec.name}   B = {rb.spec.name}")
            typer.echo(table.to_string(index=False))
            typer.echo("")
            typer.echo("Ledger A:\n" + ra.ledger().to_string(index=False))
            typer.echo("\nLedger B:\n" + rb.ledger().to_string(index=False))

    app.add_typer(sc, name="scenario")
