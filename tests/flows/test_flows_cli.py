"""``labourlink flows estimate|corridors`` on the real store (CliRunner, no server)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from labourlink.cli import app

runner = CliRunner()
CONTRACT = ["origin", "destination", "period_start", "period_end", "method", "revision", "flow"]


def _run(store: Path, *args: str) -> str:
    res = runner.invoke(app, [*args, "--store", str(store)])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_estimate_csv_contract(store: Path) -> None:
    out = _run(store, "flows", "estimate", "--method", "sd_drop_neg", "--revision", "2020",
               "--period", "2015-2020", "--format", "csv")
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == CONTRACT
    row = df[(df["origin"] == "IND") & (df["destination"] == "ARE")]
    assert row["flow"].tolist() == [287257.0]
    assert set(df["method"]) == {"sd_drop_neg"} and set(df["revision"]) == {2020}
    assert set(df["period_start"]) == {2015} and set(df["period_end"]) == {2020}


def test_estimate_json_and_parquet(store: Path, tmp_path: Path) -> None:
    out = _run(store, "flows", "estimate", "-m", "da_pb_closed", "-p", "2020-24", "-f", "json")
    recs = json.loads(out)
    assert isinstance(recs, list) and list(recs[0]) == CONTRACT
    assert {r["revision"] for r in recs} == {"2024"}  # the default revision
    assert {(r["period_start"], r["period_end"]) for r in recs} == {(2020, 2024)}
    target = tmp_path / "f.parquet"
    _run(store, "flows", "estimate", "-m", "da_min_open", "-p", "2020-2024", "-f", "parquet",
         "-o", str(target))
    df = pd.read_parquet(target)
    assert list(df.columns) == CONTRACT and len(df) > 10_000


def test_estimate_table_and_custom_setting(store: Path) -> None:
    out = _run(store, "flows", "estimate", "-m", "da_pb_closed", "-p", "2015-2020", "--top", "3",
               "--pb-scale", "1")
    assert "World flows, da_pb_closed" in out and "Largest 3 flows" in out


def test_corridors_table_csv_and_totals(store: Path) -> None:
    out = _run(store, "flows", "corridors", "--group", "ESCAP", "-p", "2020-2024", "-n", "3")
    assert "Largest flows of ESCAP" in out and "max_over_min" in out
    csv = _run(store, "flows", "corridors", "-g", "SEA", "-p", "2020-2024", "-n", "2",
               "-f", "csv")
    df = pd.read_csv(io.StringIO(csv))
    assert len(df) == 6 and {"sd_drop_neg", "da_pb_closed", "max_over_min"} <= set(df.columns)
    tot = json.loads(_run(store, "flows", "corridors", "-g", "ESCAP", "--totals", "-f", "json"))
    assert {r["side"] for r in tot} == {"into", "out_of", "within"}
    assert len({(r["period_start"], r["method"]) for r in tot}) == 7 * 6


@pytest.mark.parametrize("args, needle", [
    (["flows", "estimate", "-m", "sd_dropneg"], "sd_drop_neg"),
    (["flows", "estimate", "-m", "sd_drop_neg", "-p", "2016-2020"], "period='2016-2020'"),
    (["flows", "estimate", "-m", "sd_drop_neg", "-r", "2019"], "revision"),
    (["flows", "corridors", "-g", "NOPE"], "unknown group 'NOPE'"),
])
def test_bad_options_say_what_is_allowed(store: Path, args: list[str], needle: str) -> None:
    res = runner.invoke(app, [*args, "--store", str(store)])
    assert res.exit_code != 0
    assert needle in (res.output + str(res.exception))
