"""``labourlink trends ...`` through typer's CliRunner on a toy store file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import toystore
from typer.testing import CliRunner

from labourlink.cli import app

runner = CliRunner()


@pytest.fixture
def toy_file(tmp_path: Path) -> Path:
    path = tmp_path / "toy.duckdb"
    con = duckdb.connect(str(path))
    toystore.build(con)
    con.close()
    return path


def run(*args: str) -> str:
    res = runner.invoke(app, ["trends", *args])
    assert res.exit_code == 0, (res.output, res.exception)
    return res.stdout


def test_overview_json_one_object(toy_file):
    out = json.loads(run("overview", "--group", "DUO", "--year", "2020", "--format", "json",
                         "--store", str(toy_file)))
    assert out == {
        "group": "DUO", "year": 2020, "hosted": 81.0, "emigrants": 60.0,
        "intraregional_share_of_emigrants": 0.5,
        "intraregional_share_of_immigrants": pytest.approx(30 / 81),
        "remittances_received_usd": 40.0, "remittances_year": 2020, "revision": "2020",
    }


def test_overview_json_records_over_years(toy_file):
    out = json.loads(run("overview", "--group", "PHL,JPN", "--from", "1990", "--to", "2020",
                         "--format", "json", "--store", str(toy_file)))
    assert [r["year"] for r in out] == [1990, 2020]
    assert out[0]["remittances_received_usd"] is None
    assert set(out[0]) == {"group", "year", "hosted", "emigrants",
                           "intraregional_share_of_emigrants",
                           "intraregional_share_of_immigrants", "remittances_received_usd",
                           "remittances_year", "revision"}
    assert out[0]["remittances_year"] is None and out[1]["remittances_year"] == 2020
    assert out[1]["group"] == "JPN+PHL"


def test_corridors_csv_and_json_have_dataframe_columns(toy_file):
    from labourlink.trends import top_corridors

    con = duckdb.connect(str(toy_file), read_only=True)
    expected = top_corridors(3, 2020, group="DUO", side="origin", start_year=1990, con=con)
    con.close()
    text = run("corridors", "--group", "DUO", "--side", "origin", "--n", "3", "--format", "csv",
               "--store", str(toy_file))
    got = pd.read_csv(io.StringIO(text))
    assert list(got.columns) == list(expected.columns)
    assert got["persons"].tolist() == expected["persons"].tolist()
    recs = json.loads(run("corridors", "--group", "DUO", "--side", "origin", "--n", "3",
                          "--format", "json", "--store", str(toy_file)))
    assert [r["origin"] + ">" + r["destination"] for r in recs] == [
        f"{o}>{d}" for o, d in zip(expected["origin"], expected["destination"], strict=True)]
    world = json.loads(run("corridors", "--world", "--n", "1", "--format", "json",
                           "--store", str(toy_file)))
    assert (world[0]["origin"], world[0]["destination"], world[0]["persons"]) == ("IND", "USA", 100.0)


def test_remittances_and_top(toy_file, tmp_path):
    recs = json.loads(run("remittances", "--group", "DUO", "--from", "2020", "--to", "2022",
                          "--format", "json", "--store", str(toy_file)))
    assert {(r["iso3"], r["year"]) for r in recs} == {("PHL", 2020), ("JPN", 2020), ("PHL", 2022)}
    top = json.loads(run("remittances", "--group", "ESCAP", "--top", "1", "--format", "json",
                         "--store", str(toy_file)))
    assert top == [{"rank": 1, "iso3": "PHL", "name": "Philippines", "year": 2022,
                    "received_pct_gdp": 9.5, "received_usd": 40.0}]
    target = tmp_path / "rem.parquet"
    run("remittances", "--group", "DUO", "--by", "group", "--format", "parquet", "--out",
        str(target), "--store", str(toy_file))
    back = pd.read_parquet(target)
    assert back.loc[back["year"] == 2020, "received_usd"].tolist() == [40.0]


def test_country_table_output(toy_file):
    text = run("country", "PHL", "--store", str(toy_file))
    assert "Philippines" in text and "2020" in text


def test_errors_name_allowed_values(toy_file):
    from labourlink.errors import InvalidArgumentError, UnknownGroupError

    res = runner.invoke(app, ["trends", "overview", "--group", "NOPE", "--store", str(toy_file)])
    assert isinstance(res.exception, UnknownGroupError)
    assert "ESCAP" in str(res.exception) and "DUO" in str(res.exception)
    res = runner.invoke(app, ["trends", "overview", "--year", "2005", "--store", str(toy_file)])
    assert isinstance(res.exception, InvalidArgumentError)
    assert "1990, 2020" in str(res.exception)
    res = runner.invoke(app, ["trends", "overview", "--format", "xml", "--store", str(toy_file)])
    assert res.exit_code == 2 and "table" in res.output
