"""``labourlink countries ...`` through typer's CliRunner (the command group on a fresh app)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from labourlink.countries import group_members
from labourlink.countries.cli import register


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    register(app)
    return app


RUNNER = CliRunner()


def test_resolve_prints_iso3() -> None:
    res = RUNNER.invoke(_app(), ["countries", "resolve", "Viet Nam", "Korea, Rep.", "704"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["Viet Nam\tVNM", "Korea, Rep.\tKOR", "704\tVNM"]


def test_resolve_scheme_and_failures() -> None:
    res = RUNNER.invoke(_app(), ["countries", "resolve", "--scheme", "cow", "713", "2"])
    assert res.exit_code == 0 and res.stdout.splitlines() == ["713\tTWN", "2\tUSA"]
    res = RUNNER.invoke(_app(), ["countries", "resolve", "World", "Japan"])
    assert res.exit_code == 2
    assert "Japan\tJPN" in res.stdout and "aggregate" in res.output
    res = RUNNER.invoke(_app(), ["countries", "resolve", "--scheme", "iso2", "Japan"])
    assert res.exit_code == 2 and "not a 'iso2' value" in res.output


def test_groups_and_members() -> None:
    res = RUNNER.invoke(_app(), ["countries", "groups"])
    assert res.exit_code == 0
    rows = {line.split("\t")[0]: int(line.split("\t")[1]) for line in res.stdout.splitlines()}
    assert rows["ESCAP"] == 58 and rows["ESCAP-members"] == 62 and rows["SEA"] == 11
    res = RUNNER.invoke(_app(), ["countries", "members", "SEA"])
    assert res.exit_code == 0 and res.stdout.split() == group_members("SEA")
    res = RUNNER.invoke(_app(), ["countries", "members", "--names", "GCC"])
    assert "QAT\tQatar" in res.stdout.splitlines()
    res = RUNNER.invoke(_app(), ["countries", "members", "NOPE"])
    assert res.exit_code != 0 and "allowed groups" in str(res.exception)
