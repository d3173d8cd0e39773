"""``labourlink estimate``: --list, presets and --formula in every format, the JSON shape, errors.

Toy store from :mod:`test_panel` (fast) and the real store (fixest example, small).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labourlink.cli import app
from labourlink.errors import InvalidArgumentError
from labourlink.gravity.presets import PRESETS

runner = CliRunner()
KEYS = {"model", "coef", "se", "nobs", "n_separated", "converged", "revision"}


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_panel import make_toy_store

    return make_toy_store(tmp_path_factory.mktemp("cli") / "toy.duckdb")


def test_list() -> None:
    r = runner.invoke(app, ["estimate", "--list"])
    assert r.exit_code == 0, r.output
    for name in PRESETS:
        assert name in r.output
    j = runner.invoke(app, ["estimate", "--list", "--format", "json"])
    names = [p["name"] for p in json.loads(j.output)]
    assert names == list(PRESETS)


def test_formula_json_on_toy_store(toy_store: Path) -> None:
    r = runner.invoke(app, ["estimate", "--formula", "trade ~ log_dist + log_mig", "--data", "wto",
                            "--years", "2001-2004", "--vcov", "hetero", "--format", "json",
                            "--store", str(toy_store)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert isinstance(out, list) and len(out) == 1 and set(out[0]) == KEYS
    assert out[0]["revision"] == "2020"  # the toy store holds the 2020 revision only
    assert set(out[0]["coef"]) == {"Intercept", "log_dist", "log_mig"}
    assert set(out[0]["se"]) == set(out[0]["coef"])
    assert isinstance(out[0]["nobs"], int) and out[0]["converged"] is True


@pytest.mark.parametrize("fmt", ["table", "md", "latex", "html"])
def test_formula_formats(toy_store: Path, fmt: str) -> None:
    r = runner.invoke(app, ["estimate", "--formula", "trade ~ log_dist + log_mig", "--years",
                            "2001-2004", "--vcov", "hetero", "--format", fmt, "--store",
                            str(toy_store)])
    assert r.exit_code == 0, r.output
    marker = {"table": "Observations", "md": "| log_mig |", "latex": r"\begin{tabular}",
              "html": '<table class="regression-table">'}[fmt]
    assert marker in r.output


def test_errors(toy_store: Path) -> None:
    r = runner.invoke(app, ["estimate", "no-such-preset", "--store", str(toy_store)])
    assert isinstance(r.exception, InvalidArgumentError) and "fixest-trade" in str(r.exception)
    r = runner.invoke(app, ["estimate", "--store", str(toy_store)])
    assert isinstance(r.exception, InvalidArgumentError)
    r = runner.invoke(app, ["estimate", "--formula", "trade ~ log_mig", "--vcov", "robust",
                            "--years", "2001-2004", "--store", str(toy_store)])
    assert isinstance(r.exception, InvalidArgumentError) and "twoway" in str(r.exception)
    r = runner.invoke(app, ["estimate", "fixest-trade", "--years", "20x0", "--store",
                            str(toy_store)])
    assert isinstance(r.exception, InvalidArgumentError)


@pytest.mark.slow
def test_preset_json_real_store(store: Path) -> None:
    r = runner.invoke(app, ["estimate", "fixest-trade", "--vcov", "twoway", "--format", "json",
                            "--store", str(store)])
    assert r.exit_code == 0, r.output
    (m,) = json.loads(r.stdout)
    assert set(m) == KEYS and m["model"] == "fixest trade"
    assert m["coef"]["log_dist_km"] == pytest.approx(-1.52787, abs=5e-6)
    assert m["se"]["log_dist_km"] == pytest.approx(0.130734, abs=5e-7)
    assert m["nobs"] == 38_325 and m["n_separated"] == 0 and m["converged"] is True


@pytest.mark.slow
def test_preset_table_real_store(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABOURLINK_STORE", str(store))       # default store from the environment
    r = runner.invoke(app, ["estimate", "yotov-rta-pairfe", "--format", "md"])
    assert r.exit_code == 0, r.output
    assert "| rta | 0.5572***" in r.output and "28,482" in r.output
