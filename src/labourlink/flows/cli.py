"""``labourlink flows ...``: bilateral migration flows estimated from stock tables.

``estimate`` prints the rows ``origin, destination, period_start, period_end, method, revision,
flow`` (persons; ISO3; the "Other / unknown" origin ``XXX`` is left out). CSV, JSON (a list of
records) and Parquet give every row; the terminal table gives the world totals per period and the
largest flows (``--top``). ``corridors`` compares the methods on the largest flows into, out of
and within a group.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import typer

from labourlink.flows.spec import PB_SCALE, FlowParams

flows_app = typer.Typer(
    help=(
        "Bilateral migration flows estimated from successive UN DESA migrant stock tables and "
        "WPP 2024 births and deaths (run `labourlink data build` first).\n\n"
        "Methods (Abel & Cohen 2019): sd_drop_neg, sd_rev_neg (stock differencing), mig_rate "
        "(migration rates), da_min_open, da_min_closed (demographic accounting, minimum "
        "migration), da_pb_closed (pseudo-Bayes; the best validated). Flows are persons who "
        "changed country between two mid-year stock dates: five years, four for 2020-24."
    ),
    no_args_is_help=True,
)

Format = Literal["table", "csv", "json", "parquet"]
MethodName = Literal["sd_drop_neg", "sd_rev_neg", "mig_rate", "da_min_open", "da_min_closed",
                     "da_pb_closed"]

RevisionOpt = typer.Option(None, "--revision", "-r",
                           help="UN DESA revision: 2024 or 2020 (never mixed) \\[default: the "
                           "newest in the store].")
PeriodOpt = typer.Option(None, "--period", "-p",
                         help="One period, e.g. 2015-2020 or 2020-2024 \\[default: every period].")
FormatOpt = typer.Option("table", "--format", "-f",
                         help="table, csv, json or parquet \\[default: table].")
OutOpt = typer.Option(None, "--out", "-o", dir_okay=False,
                      help="Write to this file instead of stdout \\[default: stdout].")
StoreOpt = typer.Option(None, "--store", dir_okay=False,
                        help="Store file \\[default: LABOURLINK_STORE or data/labourlink.duckdb].")
PbScaleOpt = typer.Option(None, "--pb-scale", min=1e-9,
                          help="Persons per pseudo-observation of da_pb_closed (an assumption; "
                          "see the docs) \\[default: 100000]. Other values are computed on the "
                          "fly instead of read from the store.")


def _connect(store: Path | None) -> duckdb.DuckDBPyConnection:
    from labourlink.store import connect

    return connect(store)


def _params(pb_scale: float | None, mig_rate_total: float | None = None) -> FlowParams:
    return FlowParams(pb_scale=PB_SCALE if pb_scale is None else pb_scale,
                      mig_rate_total=mig_rate_total)


@flows_app.command("estimate")
def estimate_cmd(
    method: MethodName = typer.Option(..., "--method", "-m", help="Estimation method (see above)."),
    revision: str | None = RevisionOpt,
    period: str | None = PeriodOpt,
    fmt: Format = FormatOpt,
    out: Path | None = OutOpt,
    top: int = typer.Option(20, "--top", min=1, help="Rows of the terminal table: the largest "
                            "flows of each period \\[default: 20]. CSV/JSON/Parquet give all rows."),
    pb_scale: float | None = PbScaleOpt,
    mig_rate_total: float | None = typer.Option(
        None, "--mig-rate-total", min=0, help="World total of moves shared out by mig_rate, "
        "persons \\[default: the da_pb_closed total of each period]."),
    store: Path | None = StoreOpt,
) -> None:
    """Flows of one method: origin, destination, period_start, period_end, method, revision,
    flow (persons)."""
    from labourlink.flows.corridors import all_flows
    from labourlink.flows.spec import check_revision
    from labourlink.trends.cli import emit

    params = _params(pb_scale, mig_rate_total)
    with closing(_connect(store)) as con:
        rev = check_revision(revision)
        df = all_flows(rev, methods=[method], period=period, params=params, con=con)
    if fmt != "table":
        emit(df, fmt, out)
        return
    tot = (df.groupby(["period_start", "period_end"], as_index=False)["flow"].sum()
           .assign(method=method, revision=rev))
    tot["flow_per_year"] = tot["flow"] / (tot["period_end"] - tot["period_start"])
    emit(tot[["period_start", "period_end", "method", "revision", "flow", "flow_per_year"]],
         "table", out, title=f"World flows, {method}, revision {rev} (persons)")
    largest = (df.sort_values(["period_start", "flow"], ascending=[True, False])
               .groupby("period_start", sort=False).head(top))
    if out is None:
        emit(largest.reset_index(drop=True), "table", None,
             title=f"Largest {top} flows per period (all rows: --format csv|json|parquet)")


@flows_app.command("corridors")
def corridors_cmd(
    group: str = typer.Option("ESCAP", "--group", "-g",
                              help="Group code (ESCAP, ENEA, SEA, SSWA, NCA, PACIFIC, ASEAN, "
                              "...), one ISO3 code or comma-separated ISO3 codes "
                              "\\[default: ESCAP]."),
    revision: str | None = RevisionOpt,
    period: str | None = PeriodOpt,
    n: int = typer.Option(10, "--n", "-n", min=1,
                          help="Corridors per side and period \\[default: 10]."),
    rank_by: MethodName = typer.Option("da_pb_closed", "--rank-by",
                                       help="Method that ranks the corridors "
                                       "\\[default: da_pb_closed]."),
    methods: str | None = typer.Option(None, "--methods",
                                       help="Comma-separated methods to compare "
                                       "\\[default: all six]."),
    totals: bool = typer.Option(False, "--totals",
                                help="Give the group's total flows per side, period and method "
                                "instead of the corridors."),
    fmt: Format = FormatOpt,
    out: Path | None = OutOpt,
    pb_scale: float | None = PbScaleOpt,
    store: Path | None = StoreOpt,
) -> None:
    """Largest flows into, out of and within a group per period, under every method, with the
    spread between methods (min_flow, max_flow, max_over_min)."""
    from labourlink.flows.corridors import corridors
    from labourlink.trends.cli import _group_arg, emit

    ms = [m.strip() for m in methods.split(",") if m.strip()] if methods else None
    with closing(_connect(store)) as con:
        res = corridors(_group_arg(group), revision=revision, period=period, methods=ms, n=n,
                        rank_by=rank_by, params=_params(pb_scale), con=con)
    if totals:
        df = res.totals()
        if fmt == "table":
            wide = df.pivot_table(index=["side", "period_start", "period_end"], columns="method",
                                  values="flow", observed=True, sort=False).reset_index()
            wide.columns.name = None
            emit(wide, "table", out, title=f"Total flows, {res.group}, revision {res.revision} "
                 "(persons)")
            return
        emit(df, fmt, out)
        return
    wide = res.to_frame()
    if fmt != "table":
        emit(wide, fmt, out)
        return
    cols = ["side", "period_start", "period_end", "rank", "origin", "destination",
            *[m for m in (ms or list(dict.fromkeys(res.tidy()["method"])))],
            "max_over_min"]
    show = wide[[c for c in cols if c in wide.columns]]
    emit(pd.DataFrame(show), "table", out,
         title=f"Largest flows of {res.group}, revision {res.revision}, ranked by {res.rank_by} "
         "(persons; every method side by side)")


def register(app: typer.Typer) -> None:
    """Add the ``flows`` command group."""
    app.add_typer(flows_app, name="flows")
