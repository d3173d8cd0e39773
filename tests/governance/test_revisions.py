"""Coverage, gaps and impact on the real store: the 2024 revision by default, 2020 on request,
the years joined said in every output, and the World grouping."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from labourlink.cli import app
from labourlink.errors import InvalidArgumentError
from labourlink.governance.coverage import corridor_stocks, coverage
from labourlink.governance.registry import load_registry


@pytest.fixture(scope="module")
def con(store_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return store_con


@pytest.fixture(scope="module")
def registry(con):
    return load_registry(con)


def test_default_is_the_2024_revision_and_its_latest_year(con, registry) -> None:
    res = coverage(con, registry)
    assert (res.year, res.revision) == (2024, "2024")
    # the agreements data end before 2024: the year joined is said
    assert res.inputs_years["migrant_stock"] == 2024
    assert res.inputs_years["bilateral_labour_agreements"] < 2024
    stocks = corridor_stocks(con, 2024, "ESCAP")
    assert res.corridors["persons"].sum() == stocks["persons"].sum()
    assert 0 < res.share_covered < 1
    d = res.to_dict(top=3)
    assert d["revision"] == "2024" and d["inputs_years"] == res.inputs_years


def test_revisions_are_kept_apart(con, registry) -> None:
    r20 = coverage(con, registry, 2020, revision="2020")
    r24 = coverage(con, registry, 2020, revision="2024")
    assert (r20.revision, r24.revision) == ("2020", "2024")
    # the 2024 revision restates 2020: different stocks, so a different denominator
    assert r20.corridors["persons"].sum() != r24.corridors["persons"].sum()
    with pytest.raises(InvalidArgumentError, match="2024"):
        coverage(con, registry, 2024, revision="2020")  # 2024 is not a year of Rev.2020


def test_world_grouping_covers_every_corridor(con, registry) -> None:
    world = corridor_stocks(con, 2024, "World")
    every = con.execute("SELECT sum(persons) FROM migrant_stock WHERE source = 'undesa_ims2024' "
                        "AND year = 2024 AND sex = 'total' AND origin <> 'XXX' "
                        "AND origin <> destination").fetchone()[0]
    assert world["persons"].sum() == every
    res = coverage(con, registry, group="World")
    escap = coverage(con, registry, group="ESCAP")
    assert res.corridors["persons"].sum() > escap.corridors["persons"].sum()


def test_cli_json_carries_revision_and_years(real_store: Path) -> None:
    runner = CliRunner()
    for cmd in (["coverage", "--top", "2"], ["gaps", "--top", "2"]):
        res = runner.invoke(app, ["governance", *cmd, "--format", "json", "--store",
                                  str(real_store)])
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        assert out["revision"] == "2024" and out["year"] == 2024, cmd
        assert out["inputs_years"]["migrant_stock"] == 2024
    res = runner.invoke(app, ["governance", "coverage", "--revision", "2020", "--format", "json",
                              "--store", str(real_store), "--top", "1"])
    out = json.loads(res.stdout)
    assert (out["revision"], out["year"]) == ("2020", 2020)


def test_impact_uses_one_revision(con, registry) -> None:
    from labourlink.governance.impact import estimate_impact

    res = estimate_impact(con, registry)
    assert res.revision == "2024" and res.years[-1] == 2024 and 2020 in res.years
    assert "revision 2024" in res.summary()
