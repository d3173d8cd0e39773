"""The agreement designer's API on the real store: fields, validation with the CLI's messages,
runs and comparisons that give the numbers of ``labourlink scenario run`` / ``compare``."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from labourlink.web import designer

BASES = {"data", "assumption", "literature", "choice"}


def test_fields_cover_every_scenario_field() -> None:
    paths = [f.path for f in designer.FIELDS]
    assert len(paths) == len(set(paths))
    assert set(paths) == set(designer.scenario_paths()) | set(designer.RUN_OPTIONS)
    for f in designer.FIELDS:
        assert f.meaning.endswith(".") and f.unit and f.basis in BASES, f.path
        assert f.group in {g for g, _ in designer.GROUPS}
        if f.kind.startswith("optional") or f.basis == "data":
            assert f.default_note or f.kind == "select", f.path  # says where the default comes from


def test_starting_points_are_the_template_and_examples() -> None:
    from labourlink.scenarios.cli import example_paths
    from labourlink.scenarios.spec import parse_spec

    points = designer.starting_points()
    assert [p["example"] for p in points] == ["template"] + [p.stem for p in example_paths()]
    for p in points:
        assert parse_spec(p["spec"]).model_dump(mode="json") == p["spec"]


@pytest.fixture(scope="module")
def real(real_store: Path) -> Iterator[TestClient]:
    from labourlink.web.app import create_app

    app = create_app(real_store, workers=1, queue=4)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.watcher.close()


def _kor() -> dict[str, Any]:
    from labourlink.report.mobility import examples

    spec: dict[str, Any] = yaml.safe_load(examples()["kor_eps_quota"].read_text())
    return spec


def _cli(args: list[str]) -> Any:
    from labourlink.cli import app

    return CliRunner().invoke(app, args)


@pytest.mark.slow
@pytest.mark.parametrize(("change", "field"), [
    ({"senders": ["NPL", "XQZ"]}, "senders"),                 # unknown code
    ({"receivers": ["KOR", "NPL"]}, "receivers"),             # a sender that is also a receiver
    ({"skill_mix": 1.5}, "skill_mix"),                        # a share outside [0, 1]
    ({"trade_cost": {"rta_share": -0.2}}, "trade_cost.rta_share"),
    ({"labour_market": {"capital_share": 2}}, "labour_market.capital_share"),
    ({"workers_per_year": "many"}, "workers_per_year"),
])
def test_invalid_design_shows_the_cli_message_and_runs_nothing(
        real: TestClient, real_store: Path, tmp_path: Path, change: dict[str, Any],
        field: str) -> None:
    spec = {**_kor(), **change}
    started = real.get("/api/health").json()["jobs"]["started"]
    r = real.post("/api/designer/run", json={"spec": spec, "draws": 5})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["errors"][0]["loc"] == ["spec", *field.split(".")]
    # the same message as the command line, for the file the page would download
    path = tmp_path / "kor-eps-quota-plus-20pct.yaml"
    path.write_text(yaml.safe_dump(spec))
    res = _cli(["scenario", "run", str(path), "--draws", "0", "--store", str(real_store)])
    assert res.exit_code != 0
    assert body["error"] == str(res.exception)
    assert body["errors"][0]["msg"] == str(res.exception)
    assert real.get("/api/health").json()["jobs"]["started"] == started  # nothing was run
    v = real.post("/api/designer/validate", json={"spec": spec})
    assert v.status_code == 422 and v.json()["errors"] == body["errors"]


@pytest.mark.slow
def test_design_run_gives_the_cli_numbers(real: TestClient, real_store: Path,
                                          tmp_path: Path) -> None:
    spec = {**_kor(), "name": "npl-bgd-to-kor-designed", "senders": ["NPL", "BGD"],
            "workers_per_year": 4000, "return_rate": 0.15,
            "allocation": {"NPL-KOR": 0.7, "BGD-KOR": 0.3},
            "trade_cost": {"rta_share": 0.5}}
    r = real.post("/api/designer/run", json={"spec": spec, "draws": 8, "seed": 4})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["file_name"] == "npl-bgd-to-kor-designed.yaml"
    assert out["revision"] in ("2020", "2024")
    # the downloaded YAML runs unchanged with the CLI, to the same numbers
    path = tmp_path / out["file_name"]
    path.write_text(out["yaml"])
    res = _cli(["scenario", "run", str(path), "--draws", "8", "--seed", "4", "--format", "json",
                "--store", str(real_store)])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    assert json.loads(out["json"]) == cli
    # the CSV is the same table
    csv = pd.read_csv(io.StringIO(out["csv"]), index_col="country")
    for c in ("NPL", "BGD", "KOR"):
        assert csv.loc[c, "delta_exports_usd"] == pytest.approx(
            cli["countries"][c]["delta_exports_usd"], rel=1e-9)
    # parties, ledger with intervals, notes
    assert [p["iso3"] for p in out["parties"]] == ["NPL", "BGD", "KOR"]
    kinds = {row["interval"] for row in out["ledger"]}
    assert "90% over draws" in kinds and "exact" in kinds
    for row in out["ledger"]:
        if row["interval"] == "90% over draws":
            assert row["low"] <= row["value"] <= row["high"] or row["low"] <= row["high"]
        elif row["interval"] == "exact":
            assert row["low"] == row["value"] == row["high"]
    exports = {(r["country"], r["side"]): r for r in out["ledger"] if r["item"] == "exports"}
    kor = exports[("KOR", "receiver")]
    assert kor["value"] == pytest.approx(cli["countries"]["KOR"]["delta_exports_usd"])
    assert kor["low"] == pytest.approx(cli["countries"]["KOR"]["delta_exports_usd_low"])
    assert out["notes"] and any("trade-cost coefficients" in n for n in out["notes"])
    # a second identical run is the kept result (no new job)
    started = real.get("/api/health").json()["jobs"]["started"]
    assert real.post("/api/designer/run", json={"spec": spec, "draws": 8,
                                                "seed": 4}).json()["json"] == out["json"]
    assert real.get("/api/health").json()["jobs"]["started"] == started


@pytest.mark.slow
def test_compare_is_scenario_compare(real: TestClient, real_store: Path, tmp_path: Path) -> None:
    a = _kor()
    b = {**a, "name": "kor-eps-doubled", "workers_per_year": 5200}
    r = real.post("/api/designer/compare", json={"a": a, "b": b, "draws": 0})
    assert r.status_code == 200, r.text
    out = r.json()
    pa, pb = tmp_path / "a.yaml", tmp_path / "b.yaml"
    pa.write_text(out["a"]["yaml"])
    pb.write_text(out["b"]["yaml"])
    res = _cli(["scenario", "compare", str(pa), str(pb), "--format", "json", "--store",
                str(real_store)])
    assert res.exit_code == 0, res.output
    assert out["scenarios"] == json.loads(res.stdout)["scenarios"]
    assert [row["country"] for row in out["table"]] == ["NPL", "BGD", "VNM", "KOR"]
    kor = next(row for row in out["table"] if row["country"] == "KOR")
    # twice the workers: more paid abroad (not twice: the irregular stock falls by the same)
    assert kor["delta_remittances_usd [B]"] < kor["delta_remittances_usd [A]"] < 0
    # problems of either design are reported with their side
    bad = real.post("/api/designer/compare", json={"a": a, "b": {**b, "skill_mix": 2}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["b", "skill_mix"]
