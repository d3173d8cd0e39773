"""``labourlink countries ...``: look up codes, names and groupings of the country reference."""

from __future__ import annotations

import typer

from labourlink.errors import InvalidArgumentError, LabourlinkError

countries_app = typer.Typer(
    help=(
        "Country reference: resolve names and codes to ISO3, list groupings and their members.\n\n"
        "Examples: `labourlink countries resolve 'Viet Nam' 'Korea, Rep.' 704`, "
        "`labourlink countries members SEA`, `labourlink countries groups`."
    ),
    no_args_is_help=True,
)


@countries_app.command("resolve")
def resolve_cmd(
    values: list[str] = typer.Argument(..., help="Names or codes (ISO3, ISO2, M49, ...)."),
    scheme: str = typer.Option(
        "any", "--scheme", "-s",
        help="Scheme of the values: any, iso3, iso2, m49, undesa, wb, wto, cepii, cow or name "
             "\\[default: any]."),
) -> None:
    """Print one line per value: the value, a tab, its ISO3 code (exit code 2 if any fails)."""
    from labourlink.countries import SCHEMES, resolve, resolver

    if scheme not in SCHEMES:
        raise InvalidArgumentError("--scheme", scheme, SCHEMES)
    failed: list[str] = []
    to_iso3 = resolver(scheme)
    for value in values:
        hit = to_iso3(value)
        if hit is not None:
            typer.echo(f"{value}\t{hit}")
            continue
        try:
            resolve(value)  # raises with the reason (aggregate, closest matches, ...)
        except LabourlinkError as exc:
            failed.append(str(exc))
        else:
            failed.append(f"{value!r} is not a {scheme!r} value (try --scheme any)")
    for msg in failed:
        typer.secho(f"Error: {msg}", err=True, fg=typer.colors.RED)
    if failed:
        raise typer.Exit(2)


@countries_app.command("groups")
def groups_cmd() -> None:
    """List every grouping: code, number of members and name (tab-separated)."""
    from labourlink.countries import group_members, group_name, groups

    for code in groups():
        typer.echo(f"{code}\t{len(group_members(code))}\t{group_name(code)}")


@countries_app.command("members")
def members_cmd(
    group: str = typer.Argument(..., help="Group code (see `labourlink countries groups`)."),
    names: bool = typer.Option(False, "--names", help="Also print country names \\[default: off]."),
) -> None:
    """List the ISO3 codes of a grouping's members, one per line."""
    from labourlink.countries import country_table, group_members

    members = group_members(group)
    label = country_table().set_index("iso3")["name"] if names else None
    for code in members:
        typer.echo(f"{code}\t{label[code]}" if label is not None else code)


def register(app: typer.Typer) -> None:
    """Add the ``countries`` command group to the labourlink CLI."""
    app.add_typer(countries_app, name="countries")
