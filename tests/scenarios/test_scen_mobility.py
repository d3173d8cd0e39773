"""Labour-mobility chain on a toy store with the real schema; spec validation; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from conftest import EPS_SPEC, TOY_REMIT_MUSD, TOY_STOCK
from labourlink.errors import InvalidArgumentError, StoreError
from labourlink.scenarios.inputs import load_inputs
from labourlink.scenarios.mobility import run_scenario
from labourlink.scenarios.spec import Scenario, load_spec, parse_spec, template


@pytest.fixture(scope="module")
def con(toy_store: Path):  # type: ignore[no-untyped-def]
    c = duckdb.connect(str(toy_store), read_only=True)
    yield c
    c.close()


def _run(con, draws: int = 0, **changes):  # type: ignore[no-untyped-def]
    spec = parse_spec({**EPS_SPEC, **changes})
    return run_scenario(spec, load_inputs(con, spec), draws=draws)


def test_inputs_from_store(con) -> None:  # type: ignore[no-untyped-def]
    spec = parse_spec(EPS_SPEC)
    data = load_inputs(con, spec)
    assert data.year == 2019 and data.trade_source == "toy_trade"
    assert "EUN" not in data.countries and len(data.countries) == 8
    # domestic sales imputed from GDP: GDP - exports, at least 10 % of GDP
    k = data.countries.index("KOR")
    exports = data.trade[k].sum() - data.trade[k, k]
    assert data.trade[k, k] == pytest.approx(max(1650e9 - exports, 0.1 * 1650e9))
    assert data.stock[("NPL", "KOR")] == TOY_STOCK[("NPL", "KOR")]
    assert data.remittances[("NPL", "KOR")] == TOY_REMIT_MUSD[("KOR", "NPL")] * 1e6
    assert data.employment["KOR"] == pytest.approx(26.8e6)
    assert any("imputed" in n for n in data.notes)


def test_stock_path_and_remittances(con) -> None:  # type: ignore[no-untyped-def]
    res = _run(con)
    sp = res.stock_path()
    # allocation proportional to stocks: NPL 40k, BGD 15k, VNM 200k of 255k
    npl = sp[(sp.sender == "NPL")].sort_values("year")
    w = 3000 * 40_000 / 255_000
    expected = [w * sum(0.8 ** j for j in range(t)) for t in range(1, 6)]
    np.testing.assert_allclose(npl["regular_stock"], expected, rtol=1e-12)
    # irregular stock: 10 % share of 40k, cut by 10 % linearly over 5 years
    np.testing.assert_allclose(npl["irregular_change"], [-400 * t / 5 for t in range(1, 6)])
    f = res.to_frame()
    net = expected[-1] - 400
    rpm = 200e6 / 40_000
    assert f.loc["NPL", "delta_remittances_usd"] == pytest.approx(net * rpm)
    # what senders receive, the receiver pays
    assert f["delta_remittances_usd"].sum() == pytest.approx(0.0, abs=1e-3)
    # movers' income gains: stock x (gap - 1) x origin GDP per capita PPP
    assert res.movers_income_ppp["NPL"] == pytest.approx(expected[-1] * (43000 / 3800 - 1) * 3800)


def test_ge_effects_and_intervals(con) -> None:  # type: ignore[no-untyped-def]
    res = _run(con, draws=60)
    f = res.to_frame()
    for c in ("NPL", "BGD", "VNM", "KOR"):
        assert f.loc[c, "delta_exports_usd"] > 0
        assert f.loc[c, "delta_real_gdp_pct"] > 0
        for m in ("delta_exports_usd", "delta_real_gdp_pct"):
            assert f.loc[c, f"{m}_low"] <= f.loc[c, m] <= f.loc[c, f"{m}_high"]
            assert f.loc[c, f"{m}_low"] < f.loc[c, f"{m}_high"]
    # third countries are affected too (trade diversion)
    assert f.loc["AUS", "delta_exports_usd"] != 0
    # reproducible with the same seed
    again = _run(con, draws=60)
    assert again.to_frame().equals(f)


def test_json_shape(con) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(_run(con, draws=20).to_json())
    assert list(out) == ["scenario", "draws", "countries", "revision", "remittance_matrix"]
    assert out["scenario"] == "toy-eps" and out["draws"] == 20
    keys = {"delta_exports_usd", "delta_imports_usd", "delta_real_gdp_pct", "delta_remittances_usd"}
    full = keys | {f"{k}_{s}" for k in keys for s in ("low", "high")}
    assert set(out["countries"]) == {"AUS", "BGD", "CHN", "JPN", "KOR", "NPL", "USA", "VNM"}
    assert all(set(v) == full for v in out["countries"].values())
    point = json.loads(_run(con, draws=0).to_json())
    assert all(set(v) == keys for v in point["countries"].values())


def test_ledger(con) -> None:  # type: ignore[no-untyped-def]
    led = _run(con).ledger()
    assert set(led["side"]) == {"receiver", "sender", "region"}
    kor = led[led.country == "KOR"].set_index("item")
    assert kor.loc["change in the irregular migrant stock", "value"] == pytest.approx(
        -0.1 * 0.1 * 255_000)
    assert {"native wages, high-skilled", "native wages, low-skilled"} <= set(kor.index)
    # more low-skilled workers lower low-skilled native wages and raise high-skilled ones
    assert kor.loc["native wages, low-skilled", "value"] < 0 < kor.loc[
        "native wages, high-skilled", "value"]


def test_zero_scenario_is_exactly_baseline(con) -> None:  # type: ignore[no-untyped-def]
    f = _run(con, draws=10, workers_per_year=0, irregular_reduction=0).to_frame()
    assert (f.to_numpy() == 0).all()


def test_spec_errors_name_field_and_allowed_values(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="instrument.*bilateral_labour_agreement, mou"):
        parse_spec({**EPS_SPEC, "instrument": "treaty"})
    with pytest.raises(InvalidArgumentError, match="return_rate"):
        parse_spec({**EPS_SPEC, "return_rate": 1.5})
    with pytest.raises(InvalidArgumentError, match="workers_per_yer.*allowed fields"):
        parse_spec({**EPS_SPEC, "workers_per_yer": 10})
    with pytest.raises(InvalidArgumentError, match="senders"):
        parse_spec({**EPS_SPEC, "senders": ["Atlantis"]})
    with pytest.raises(InvalidArgumentError, match="years_in_force.*required"):
        parse_spec({k: v for k, v in EPS_SPEC.items() if k != "years_in_force"})
    with pytest.raises(InvalidArgumentError, match="trade_cost.rta_shar.*allowed fields"):
        parse_spec({**EPS_SPEC, "trade_cost": {"rta_shar": 1}})
    with pytest.raises(InvalidArgumentError, match="allocation"):
        parse_spec({**EPS_SPEC, "allocation": {"NPL-JPN": 1.0}})
    # names resolve to ISO3
    assert parse_spec({**EPS_SPEC, "senders": ["Nepal"]}).senders == ["NPL"]
    # the template is a valid spec
    p = tmp_path / "t.yaml"
    p.write_text(template())
    assert isinstance(load_spec(p), Scenario)


def test_missing_party_in_trade(con) -> None:  # type: ignore[no-untyped-def]
    spec = parse_spec({**EPS_SPEC, "senders": ["NPL", "FJI"]})
    with pytest.raises(InvalidArgumentError, match="FJI"):
        load_inputs(con, spec)


def test_store_without_tables(tmp_path: Path) -> None:
    c = duckdb.connect(str(tmp_path / "empty.duckdb"))
    with pytest.raises(StoreError, match="labourlink data build"):
        load_inputs(c, parse_spec(EPS_SPEC))
    c.close()


def test_cli(toy_store: Path, tmp_path: Path) -> None:
    import typer

    from labourlink.scenarios import cli

    app = typer.Typer()
    cli.register(app)
    runner = CliRunner()
    r = runner.invoke(app, ["scenario", "new"])
    assert r.exit_code == 0 and "workers_per_year" in r.stdout
    spec_file = tmp_path / "a.yaml"
    spec_file.write_text(yaml.safe_dump(EPS_SPEC))
    r = runner.invoke(app, ["scenario", "run", str(spec_file), "--draws", "5", "--format", "json",
                            "--store", str(toy_store)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["draws"] == 5 and "delta_remittances_usd_high" in out["countries"]["NPL"]
    r = runner.invoke(app, ["scenario", "run", str(spec_file), "--draws", "0",
                            "--store", str(toy_store)])
    assert r.exit_code == 0 and "ledger" in r.stdout
    spec_b = tmp_path / "b.yaml"
    spec_b.write_text(yaml.safe_dump({**EPS_SPEC, "name": "bigger", "workers_per_year": 6000}))
    r = runner.invoke(app, ["scenario", "compare", str(spec_file), str(spec_b), "--store",
                            str(toy_store)])
    assert r.exit_code == 0 and "bigger" in r.stdout
    r = runner.invoke(app, ["scenario", "run", str(spec_file), "--format", "xml", "--store",
                            str(toy_store)])
    assert isinstance(r.exception, InvalidArgumentError) and "table, json" in str(r.exception)
    r = runner.invoke(app, ["scenario", "examples"])
    paths = r.stdout.split()
    assert len(paths) == 4 and all(Path(p).is_file() for p in paths)


def test_shipped_examples_validate() -> None:
    from labourlink.scenarios.cli import example_paths

    specs = {p.stem: load_spec(p) for p in example_paths()}
    assert len(specs) == 4
    kinds = {s.instrument for s in specs.values()}
    assert {"mou", "seasonal_scheme", "trade_agreement_mnp", "bilateral_labour_agreement"} == kinds
    gcc = next(s for s in specs.values() if "SAU" in s.receivers)
    assert gcc.irregular_reduction > 0 and gcc.return_rate > 0


def test_pair_calibrated_baseline_resistances(con) -> None:  # type: ignore[no-untyped-def]
    from labourlink.scenarios.ge import _solve_mr

    data = load_inputs(con, parse_spec(EPS_SPEC))
    x = data.trade
    y, e = x.sum(1), x.sum(0)
    ref = data.countries.index("USA")
    omr, imr, _, ok = _solve_mr(x, y, e, ref, 1e-13, 100_000)
    assert ok
    np.testing.assert_allclose(omr, y * e[ref], rtol=1e-10)
    np.testing.assert_allclose(imr, e / e[ref], rtol=1e-10)
