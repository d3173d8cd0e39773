"""``labourlink estimate``: run a named model preset or a formula on a panel from the store.

Examples::

    labourlink estimate --list
    labourlink estimate pair-fe                              # Parsons check on the WTO panel
    labourlink estimate yotov-ch1-ppml --format md
    labourlink estimate fixest-trade --vcov twoway --format json
    labourlink estimate --formula "trade ~ log_mig + rta | exp^year + imp^year + pair" --data wto

JSON output is a list with one object per model: ``model``, ``coef`` and ``se`` (objects keyed by
term), ``nobs``, ``n_separated``, ``converged``.
"""

from __future__ import annotations

import json
import warnings
from enum import StrEnum
from pathlib import Path

import typer

from labourlink.cluster.cli import runner_options, scheduler_option, workers_option
from labourlink.errors import InvalidArgumentError


class OutFormat(StrEnum):
    table = "table"
    md = "md"
    latex = "latex"
    html = "html"
    json = "json"


def _parse_years(text: str | None) -> list[int] | None:
    """``"2000-2020"`` or ``"2000,2005,2010"`` -> list of years."""
    if text is None or not text.strip():
        return None
    out: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                a, b = part.split("-", 1)
                out += list(range(int(a), int(b) + 1))
            else:
                out.append(int(part))
    except ValueError as exc:
        raise InvalidArgumentError("--years", text, "years like 2000-2020 or 2000,2005,2010") from exc
    return out


def estimate(
    preset: str | None = typer.Argument(None, help="Preset name (see --list)."),
    formula: str | None = typer.Option(None, "--formula", help="Estimate this formula instead "
                                          "of a preset, e.g. \"trade ~ log_mig + rta | exp^year + "
                                          "imp^year + pair\"."),
    data: str | None = typer.Option(None, "--data", help="Panel: wto, penppml, yotov, rose, "
                                       "fixest or migration (default: the preset's; wto with "
                                       "--formula)."),
    vcov: str | None = typer.Option(None, "--vcov", help="hetero, iid, cluster:COLUMN (e.g. "
                                       "cluster:pair) or twoway (exporter and importer). Default: "
                                       "the preset's; cluster:pair with --formula."),
    fmt: OutFormat = typer.Option(OutFormat.table, "--format", help="Output format (default: "
                                  "table)."),
    years: str | None = typer.Option(None, "--years", help="Years of the panel, e.g. "
                                        "2000-2020 or 2000,2010 (default: the preset's or the "
                                        "panel's)."),
    revision: str | None = typer.Option(None, "--revision", help="UN DESA migrant stock "
                                        "revision of the migrant networks: 2024 or 2020 "
                                        "(default: the newest in the store, 2024)."),
    list_: bool = typer.Option(False, "--list", help="List the presets and exit."),
    elasticities: bool = typer.Option(False, "--elasticities", help="Also print migration "
                                      "elasticities with 95% CIs and the literature comparison "
                                      "(table/md formats)."),
    store: Path | None = typer.Option(None, "--store", help="Store file (default: "
                                         "LABOURLINK_STORE or data/labourlink.duckdb)."),
    bootstrap: int = typer.Option(0, "--bootstrap", min=0, help="Cluster (pair) bootstrap with "
                                  "N replicates: bootstrap SEs and percentile intervals next to "
                                  "the analytic ones, share converged (199 or 999 are usual; "
                                  "default 0 = none). Replicates are kept under "
                                  "LABOURLINK_RUNS_DIR (default out/runs): rerun to resume."),
    seed: int = typer.Option(0, "--seed", min=0, help="Bootstrap seed S: replicate r always "
                             "uses the random stream (S, r) (default 0)."),
    workers: int | None = workers_option(),
    scheduler: str | None = scheduler_option(),
) -> None:
    """Estimate gravity models (PPML with high-dimensional fixed effects) on panels from the store."""
    from labourlink.gravity import presets as P

    if list_:
        if fmt == OutFormat.json:
            typer.echo(json.dumps([{"name": p.name, "data": p.data, "vcov": p.vcov,
                                    "description": p.description,
                                    "models": [m.formula for m in p.models]}
                                   for p in P.PRESET_SPECS.values()], indent=2))
            return
        w = max(len(n) for n in P.PRESET_SPECS)
        for p in P.PRESET_SPECS.values():
            typer.echo(f"{p.name:<{w}}  [{p.data}, {p.vcov}]  {p.description}")
        return
    if preset is None and formula is None:
        raise InvalidArgumentError("PRESET", None, "a preset name (labourlink estimate --list) "
                                   "or --formula")
    if preset is not None and formula is not None:
        raise InvalidArgumentError("--formula", formula, "either a PRESET or --formula, not both")
    if not bootstrap and (workers is not None or scheduler is not None):
        raise InvalidArgumentError("--workers/--scheduler", workers or scheduler,
                                   "--bootstrap N as well (they say where the replicates run)")
    options = runner_options(workers, scheduler) if bootstrap else None  # checked before fitting
    from rich.console import Console

    from labourlink.store import connect

    yrs = _parse_years(years)
    what = f"formula {formula!r}" if formula is not None else f"preset {preset!r}"
    con = connect(store)
    try:
        with warnings.catch_warnings(record=True) as caught, Console(stderr=True).status(
                f"estimating {what} (building the panel, then PPML-HDFE)..."):
            warnings.simplefilter("always")
            if formula is not None:
                dname = data or "wto"
                df = P.load_data(dname, con, yrs, revision)
                df.attrs["panel"] = dname
                run = P.run_formula(formula, df, con, vcov=vcov or "cluster:pair")
                specs: list[P.ModelSpec] = [P.ModelSpec(formula, formula, "ppml")]
                prefix = "formula"
            else:
                assert preset is not None
                p = P.get_preset(preset)
                dname = data or p.data
                df = P.load_data(dname, con, yrs or p.years, revision)
                df.attrs["panel"] = dname
                run = P.run_preset(preset, con, data=df, vcov=vcov)
                specs, prefix = list(p.models), preset
        for w_ in caught:
            typer.secho(f"warning: {w_.message}", err=True, fg=typer.colors.YELLOW)
    finally:
        con.close()
    boot = None
    if bootstrap:
        from labourlink.gravity.bootstrap import bootstrap_run

        boot = bootstrap_run(run, df, specs, bootstrap, seed, options, None, None, prefix)
    if fmt == OutFormat.json:
        recs = boot.to_json_records() if boot is not None else run.to_json_records()
        typer.echo(json.dumps(recs, indent=2))
        return
    from labourlink.report.tables import etable

    stocks = f"; migrant stocks: UN DESA revision {run.revision}" if run.revision else ""
    title = (f"{run.preset}: {P.PRESETS.get(run.preset, run.preset)} (data: {run.data}; "
             f"vcov: {run.vcov}{stocks})")
    typer.echo(etable(run.models, fmt.value, title=title))
    if boot is not None:
        typer.echo("")
        typer.echo(boot.summary())
    if elasticities or fmt in (OutFormat.table, OutFormat.md):
        el = P.elasticity_table(run)
        if len(el):
            typer.echo("")
            typer.echo("Migration-trade elasticities (95% CI" +
                       (", analytic):" if boot is not None else "):"))
            for _, r in el.iterrows():
                typer.echo(f"  {r['model']} / {r['effect']}: {r['elasticity']:.4f} "
                           f"[{r['conf_low']:.4f}, {r['conf_high']:.4f}]. {r['literature']}")


def register(app: typer.Typer) -> None:
    """Add the ``estimate`` command to the labourlink CLI."""
    app.command("estimate", help="Estimate gravity model presets or a formula (PPML-HDFE) on "
                "panels from the store; --list shows the presets.")(estimate)
