"""``labourlink governance ...``: the registry of migration-governance instruments.

Commands: ``list``, ``show``, ``coverage``, ``gaps``, ``timeline``, ``validate`` (and ``impact``).
Records derived from the store (bilateral labour agreements, trade agreements) are included
when the store exists (``LABOURLINK_STORE``); otherwise only the curated records are used and a
note says so on stderr.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from labourlink.errors import StoreError
from labourlink.governance.schema import KINDS

gov_app = typer.Typer(name="governance", no_args_is_help=True,
                      help="Registry of migration-governance instruments, corridor coverage and "
                           "gaps.")


class Fmt(StrEnum):
    table = "table"
    json = "json"


class Within(StrEnum):
    either = "either"
    both = "both"


def _store_con(store: Path | None, required: bool) -> Any:
    from labourlink.store import connect

    try:
        return connect(store, read_only=True)
    except StoreError:
        if required:
            raise
        typer.secho("note: no store found; showing curated records only (build the store with "
                    "`labourlink data build` to add bilateral labour agreements and trade "
                    "agreements)", err=True, fg=typer.colors.YELLOW)
        return None


def _registry(store: Path | None, curated_only: bool, required: bool = False) -> Any:
    from labourlink.governance.registry import load_registry

    con = None if curated_only else _store_con(store, required)
    try:
        return load_registry(con), con
    except Exception:
        if con is not None:
            con.close()
        raise


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str)


_STORE_OPT = typer.Option(None, "--store", help="Store file (default: LABOURLINK_STORE or "
                          "data/labourlink.duckdb).")
_CURATED_OPT = typer.Option(False, "--curated-only", help="Use the curated records only "
                            "(default: also records derived from the store).")
_FMT_OPT = typer.Option(Fmt.table, "--format", help="Output format (default: table).")
_GROUP_OPT = typer.Option("ESCAP", "--group", help="Grouping (default ESCAP; World for every "
                          "corridor).")
_REVISION_OPT = typer.Option(None, "--revision", help="UN DESA migrant stock revision: 2024 or "
                             "2020 (default: the newest in the store, 2024).")
_YEAR_OPT = typer.Option(None, "--year", help="Year of the migrant stocks (default: the "
                         "revision's latest, 2024).")


@gov_app.command("list")
def list_cmd(
    kind: list[str] | None = typer.Option(None, "--kind", help="Only these kinds (repeatable): "
                                             + ", ".join(KINDS) + ". Default: all."),
    party: str | None = typer.Option(None, "--party", help="Only instruments with this party "
                                        "(ISO3; groupings expanded). Default: all."),
    fmt: Fmt = _FMT_OPT,
    store: Path | None = _STORE_OPT,
    curated_only: bool = _CURATED_OPT,
) -> None:
    """List registry records (JSON: the records with the schema's field names)."""
    reg, con = _registry(store, curated_only)
    sel = reg.filter(kind=kind or None, party=party)
    if fmt == Fmt.json:
        typer.echo(_dump([r.model_dump(mode="json") for r in sel]))
    else:
        df = sel.to_frame()[["id", "kind", "parties", "signed", "in_force", "confidence"]]
        df["parties"] = df["parties"].str.slice(0, 40)
        typer.echo(df.to_string(index=False) if len(df) else "no records")
        typer.echo(f"{len(df)} record(s)")


@gov_app.command("show")
def show_cmd(
    record_id: str = typer.Argument(..., metavar="ID", help="Record id (see `list`)."),
    fmt: Fmt = typer.Option(Fmt.json, "--format", help="Output format (default: json)."),
    store: Path | None = _STORE_OPT,
    curated_only: bool = _CURATED_OPT,
) -> None:
    """Show one record in full."""
    reg, _ = _registry(store, curated_only or not record_id.startswith(("bla-", "rta-", "pta-")))
    rec = reg.get(record_id)
    data = rec.model_dump(mode="json")
    if fmt == Fmt.json:
        typer.echo(_dump(data))
        return
    for k, v in data.items():
        if v in (None, [], {}):
            continue
        typer.echo(f"{k:>18}: {v if not isinstance(v, (list, dict)) else json.dumps(v, default=str)}")


@gov_app.command("coverage")
def coverage_cmd(
    year: int | None = _YEAR_OPT,
    group: str = _GROUP_OPT,
    kind: list[str] | None = typer.Option(None, "--kind", help="Kinds counted in the headline "
                                             "share (repeatable). Default: all but "
                                             "trade_agreement and travel_card."),
    within: Within = typer.Option(Within.either, "--within", help="Corridors with origin or "
                                  "destination in the group (either, default) or both."),
    origin_only: bool = typer.Option(False, "--origin-processes", help="Also count "
                                     "origin-country processes (Colombo Process) for every "
                                     "destination (default: no)."),
    top: int = typer.Option(30, "--top", help="Corridors listed, largest first (default 30; 0 = "
                            "all)."),
    revision: str | None = _REVISION_OPT,
    fmt: Fmt = _FMT_OPT,
    store: Path | None = _STORE_OPT,
) -> None:
    """Share of the group's corridor migrant stock under at least one instrument in force.

    JSON: {"year", "group", "revision", "inputs_years", "share_covered", "kinds_counted",
    "by_kind", "by_provision", "corridors"}; inputs_years says which year of each input was
    joined (the agreements data end before the 2024 stocks).
    """
    from labourlink.governance.coverage import coverage

    reg, con = _registry(store, False, required=True)
    res = coverage(con, reg, year, group, kind or None, within.value, origin_only, revision)
    if fmt == Fmt.json:
        typer.echo(_dump(res.to_dict(top=top or None)))
        return
    typer.echo(res.summary())
    c = res.to_frame().sort_values("persons", ascending=False)
    if top:
        c = c.head(top)
    c = c.assign(instruments=c["instruments"].map(lambda v: ", ".join(v[:3])
                                                  + (" ..." if len(v) > 3 else "")))
    typer.echo(c[["origin", "destination", "persons", "covered", "instruments"]]
               .to_string(index=False))


@gov_app.command("gaps")
def gaps_cmd(
    year: int | None = _YEAR_OPT,
    group: str = _GROUP_OPT,
    top: int = typer.Option(15, "--top", help="Rows per list (default 15)."),
    revision: str | None = _REVISION_OPT,
    fmt: Fmt = _FMT_OPT,
    store: Path | None = _STORE_OPT,
) -> None:
    """Largest uncovered corridors and provision gaps."""
    from labourlink.governance.coverage import (
        GAP_TYPES,
        coverage,
        largest_uncovered,
        provision_gaps,
    )

    reg, con = _registry(store, False, required=True)
    res = coverage(con, reg, year, group, revision=revision)
    year = res.year
    unc = largest_uncovered(res, top)
    gaps = provision_gaps(res, reg.records)
    if fmt == Fmt.json:
        typer.echo(_dump({
            "year": year, "group": group, "revision": res.revision,
            "inputs_years": res.inputs_years, "largest_uncovered": unc.to_dict("records"),
            "provision_gaps": {g: {"persons": float(gaps.loc[gaps["gap"] == g, "persons"].sum()),
                                   "corridors": gaps[gaps["gap"] == g].head(top)
                                   .to_dict("records")} for g in GAP_TYPES},
        }))
        return
    typer.echo(f"Largest corridors of {group} with no instrument in force, {year} "
               f"(UN DESA revision {res.revision}):")
    typer.echo(unc.to_string(index=False))
    for g, label in GAP_TYPES.items():
        sub = gaps[gaps["gap"] == g]
        typer.echo(f"\n{label}: {len(sub)} corridors, {sub['persons'].sum():,.0f} persons")
        if len(sub):
            typer.echo(sub.head(top).drop(columns="gap").to_string(index=False))


@gov_app.command("timeline")
def timeline_cmd(
    fmt: Fmt = _FMT_OPT,
    store: Path | None = _STORE_OPT,
    curated_only: bool = _CURATED_OPT,
) -> None:
    """Instruments by year of entry into force (or signature) and kind."""
    from labourlink.governance.coverage import timeline

    reg, _ = _registry(store, curated_only)
    t = timeline(reg.records)
    if fmt == Fmt.json:
        typer.echo(_dump(t.to_dict("records")))
    else:
        typer.echo(t.to_string(index=False))


@gov_app.command("validate")
def validate_cmd(
    file: Path | None = typer.Option(None, "--file", help="Curated YAML file to check "
                                        "(default: the package's)."),
    store: Path | None = _STORE_OPT,
    curated_only: bool = _CURATED_OPT,
) -> None:
    """Validate every record; exit 0 only when all are valid (errors name record and field)."""
    from labourlink.governance.registry import read_curated, validate_records

    raw = read_curated(file)
    n = len(raw)
    _, errors = validate_records(raw)
    con = None if curated_only or file is not None else _store_con(store, False)
    if con is not None:
        from labourlink.governance.derive import derived_records

        derived = derived_records(con)
        n += len(derived)
        errors += validate_records(derived)[1]
    for e in errors:
        typer.secho(str(e), err=True, fg=typer.colors.RED)
    if errors:
        typer.echo(f"{len(errors)} error(s) in {n} record(s)")
        raise typer.Exit(1)
    typer.echo(f"{n} record(s) valid")


@gov_app.command("impact")
def impact_cmd(
    group: str = _GROUP_OPT,
    kind: list[str] | None = typer.Option(None, "--kind", help="Kinds that count as an "
                                             "instrument (repeatable). Default: all but "
                                             "trade_agreement and travel_card."),
    within: Within = typer.Option(Within.both, "--within", help="Corridors with both ends in "
                                  "the group (both, default) or either end."),
    revision: str | None = _REVISION_OPT,
    fmt: Fmt = _FMT_OPT,
    store: Path | None = _STORE_OPT,
) -> None:
    """PPML of bilateral migrant stocks on instrument-in-force (pair, origin-year, destination-year FE)."""
    from labourlink.governance.impact import estimate_impact

    reg, con = _registry(store, False, required=True)
    res = estimate_impact(con, reg, group, kind or None, within.value, revision)
    if fmt == Fmt.json:
        t = res.tidy()
        typer.echo(_dump({"formula": "persons ~ in_force | pair + origin^year + destination^year",
                          "group": group, "revision": res.revision, "years": list(res.years),
                          "kinds": list(res.kinds),
                          "estimates": t.to_dict("records"), "caveat": res.caveat}))
    else:
        typer.echo(res.summary())


def register(app: typer.Typer) -> None:
    """Add the ``governance`` command group to the main CLI."""
    app.add_typer(gov_app, name="governance")
