"""JSON API on the toy store: numbers, validation, the one error shape, read-only store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import ll_toy_store as toy
import pytest

ERROR_KEYS = {"ok", "status", "error", "errors"}


def assert_error(resp, status: int, fragment: str = "") -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list)
    assert fragment in body["error"]
    return body


# revision -> (stocks, years) of the toy store; None is the server's default (2024)
REVS = {"2020": (toy.STOCKS, toy.STOCK_YEARS), "2024": (toy.STOCKS_2024, toy.STOCK_YEARS_2024),
        None: (toy.STOCKS_2024, toy.STOCK_YEARS_2024)}


def _q(rev: str | None) -> dict[str, str]:
    return {} if rev is None else {"revision": rev}


@pytest.mark.parametrize("rev", [None, "2020", "2024"])
def test_meta_lists_store_contents(client, rev: str | None) -> None:
    body = client.get("/api/meta", params=_q(rev)).json()
    assert body["ok"] is True
    assert [c["iso3"] for c in body["countries"]] == sorted(c[0] for c in toy.COUNTRIES)
    assert body["stock_years"] == list(REVS[rev][1])
    assert body["revision"] == (rev or "2024") and body["default_revision"] == "2024"
    assert body["stock_source"] == f"undesa_ims{rev or 2024}"
    assert set(body["revisions"]) == {"2020", "2024"}
    assert body["groups"]["ESCAP"] == len(toy.ESCAP)
    assert body["group_members"]["ESCAP"] == sorted(toy.ESCAP)
    assert {s["source"] for s in body["sources"]} >= {"undesa_ims2020", "wdi_remittances"}


@pytest.mark.parametrize("rev", [None, "2020", "2024"])
@pytest.mark.parametrize("year_idx", [0, 1])
def test_country_profile_numbers(client, year_idx: int, rev: str | None) -> None:
    stocks, years = REVS[rev]
    year = years[year_idx]
    body = client.get("/api/country/phl", params={"year": year, **_q(rev)}).json()
    assert body["iso3"] == "PHL" and body["year"] == year
    assert body["revision"] == (rev or "2024")
    emigrants = sum(v[year_idx] for (o, _), v in stocks.items() if o == "PHL")
    assert body["emigrants_persons"] == pytest.approx(emigrants)
    assert body["immigrants_persons"] is None  # nobody migrates to PHL in the toy data
    assert body["population_persons"] == pytest.approx(toy.POP["PHL"])
    tops = body["top_destinations"]
    assert tops[0]["iso3"] == "USA"
    assert tops[0]["persons"] == pytest.approx(stocks[("PHL", "USA")][year_idx])
    assert [t["persons"] for t in tops] == sorted((t["persons"] for t in tops), reverse=True)


def test_revisions_differ_and_unknown_revision(client) -> None:
    a = client.get("/api/country/USA", params={"year": 2020, "revision": "2020"}).json()
    b = client.get("/api/country/USA", params={"year": 2020, "revision": "2024"}).json()
    assert b["immigrants_persons"] < a["immigrants_persons"]  # Rev.2024 restates 2020 lower
    assert {p["source"] for p in b["provenance"]} >= {"undesa_ims2024"}
    assert_error(client.get("/api/country/USA", params={"revision": "2019"}), 422, "revision")
    # 2024 is a year of the 2024 revision only
    assert_error(client.get("/api/country/USA", params={"year": 2024, "revision": "2020"}), 422,
                 "2015, 2020")


def test_country_immigrant_share(client) -> None:
    body = client.get("/api/country/USA?year=2020&revision=2020").json()
    imm = sum(v[1] for (_, d), v in toy.STOCKS.items() if d == "USA")
    assert body["immigrants_persons"] == pytest.approx(imm)
    assert body["female_immigrants_persons"] == pytest.approx(0.4 * imm)
    assert body["immigrant_share_pct"] == pytest.approx(100 * imm / toy.POP["USA"])
    assert {p["source"] for p in body["provenance"]} >= {"undesa_ims2020"}


@pytest.mark.parametrize("rev", [None, "2020", "2024"])
def test_corridor_series_and_remittances(client, rev: str | None) -> None:
    stocks, years = REVS[rev]
    body = client.get("/api/corridor", params={"origin": "PHL", "destination": "JPN",
                                               **_q(rev)}).json()
    assert body["revision"] == (rev or "2024")
    series = {r["year"]: r for r in body["stock_series"]}
    assert sorted(series) == list(years)
    for k, y in enumerate(years):
        assert series[y]["migrants_persons"] == pytest.approx(stocks[("PHL", "JPN")][k])
        assert series[y]["female_migrants_persons"] == pytest.approx(
            0.4 * stocks[("PHL", "JPN")][k])
        assert series[y]["reverse_migrants_persons"] is None
    assert body["remittances_usd_million"] == [{"year": 2017, "usd_million": 700.0}]
    # the toy store has no derived flow table rows: the answer says so with empty lists
    assert body["flows"] == [] and body["flow_methods"] == []


def test_map_layers(client) -> None:
    body = client.get("/api/map", params={"layer": "emigrants", "year": 2015}).json()
    assert body["values"]["IND"] == pytest.approx(2_400_000 + 120_000 + 400_000)
    assert body["revision"] == "2024" and "IMS 2024" in body["label"]
    new = client.get("/api/map", params={"layer": "emigrants", "year": 2024}).json()
    assert new["values"]["IND"] == pytest.approx(sum(
        v[2] for (o, _), v in toy.STOCKS_2024.items() if o == "IND"))
    assert body["points"]["TON"]["kind"] == "capital"
    rem = client.get("/api/map", params={"layer": "remittances_pct_gdp"}).json()
    assert rem["year"] == 2020 and rem["values"] == pytest.approx(toy.REM_PCT_GDP_2020)
    assert rem["unit"] == "% of GDP"


def test_top_corridors_sorted(client) -> None:
    body = client.get("/api/corridors/top", params={"n": 3, "revision": "2020"}).json()
    assert body["revision"] == "2020"
    got = [(c["origin"], c["destination"], c["persons"]) for c in body["corridors"]]
    want = sorted(((o, d, v[1]) for (o, d), v in toy.STOCKS.items()), key=lambda t: -t[2])[:3]
    assert got == [(o, d, float(v)) for o, d, v in want]


def test_governance(client) -> None:
    body = client.get("/api/governance", params={"iso3": "AUS"}).json()
    assert [(a["party_a"], a["party_b"]) for a in body["labour_agreements"]] == [("TON", "AUS")]
    assert body["labour_agreements_total"] == 1
    assert [a["agreement_id"] for a in body["trade_agreements_with_labour_provisions"]] == ["t1"]
    ton = client.get("/api/governance", params={"iso3": "TON"}).json()
    assert ton["trade_agreements_with_labour_provisions"] == []
    assert "available" in body["coverage"]


@pytest.mark.parametrize(("url", "status", "fragment"), [
    ("/api/country/QQQ", 404, "QQQ"),
    ("/api/country/PHL?year=1999", 422, "2015, 2020, 2024"),
    ("/api/country/PH1", 422, "invalid request"),
    ("/api/country/PHL?year=abc", 422, "year"),
    ("/api/corridor?origin=PHL", 422, "destination"),
    ("/api/corridor?origin=PHL&destination=PHL", 422, "other than the origin"),
    ("/api/map?layer=gdp", 422, "immigrants"),
    ("/api/corridors/top?n=1000", 422, "n"),
    ("/api/models/nope", 422, "rta_cross_section"),
    ("/api/governance?group=NOPE", 422, "ESCAP"),
    ("/no/such/page", 404, "not found"),
    ("/static/../../etc/passwd", 404, ""),
])
def test_one_error_shape(client, url: str, status: int, fragment: str) -> None:
    assert_error(client.get(url), status, fragment)


def test_method_not_allowed_has_error_shape(client) -> None:
    assert_error(client.delete("/api/meta"), 405)


def test_scenario_bounds(client) -> None:
    body = assert_error(client.post("/api/scenario", json={"members": ["PHL"], "draws": 500}), 422)
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "members") in locs and ("body", "draws") in locs
    assert_error(client.post("/api/scenario", json={"members": ["PHL", "QQQ"]}), 404, "QQQ")
    assert_error(client.post("/api/scenario", json={"members": ["PHL", "JPN"], "year": 2000}),
                 422, "2018")
    assert_error(client.post("/api/scenario", content=b"not json",
                             headers={"content-type": "application/json"}), 422)


@pytest.mark.slow
def test_scenario_runs_with_intervals(client) -> None:
    resp = client.post("/api/scenario", json={"members": ["PHL", "JPN", "IND"], "draws": 4})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    est = {e["term"]: e for e in body["estimates"]}
    # the toy trade data are drawn with rta = 0.5, distance elasticity -0.9 (noise sd 0.1)
    assert est["rta"]["estimate"] == pytest.approx(toy.TRUE_COEF["rta"], abs=0.15)
    assert est["ln_dist"]["estimate"] == pytest.approx(toy.TRUE_COEF["ln_dist"], abs=0.15)
    rows = {r["iso3"]: r for r in body["results"]}
    assert set(rows) == {c[0] for c in toy.COUNTRIES}
    for iso in ("PHL", "JPN", "IND"):
        assert rows[iso]["member"] is True
        assert rows[iso]["welfare_change_pct"] > 0
        assert rows[iso]["welfare_low_pct"] <= rows[iso]["welfare_high_pct"]
    assert rows["DEU"]["member"] is False and rows["DEU"]["welfare_change_pct"] < 0


@pytest.mark.slow
def test_model_preset(client) -> None:
    presets = client.get("/api/models").json()["presets"]
    assert presets[0]["name"] == "rta_cross_section" and presets[0]["years"] == [toy.TRADE_YEAR]
    body = client.get("/api/models/rta_cross_section").json()
    est = {e["term"]: e["estimate"] for e in body["estimates"]}
    assert est["intl_border"] == pytest.approx(toy.TRUE_COEF["intl_border"], abs=0.3)
    assert body["countries"] == len(toy.COUNTRIES)


def test_pages_and_assets_are_local(client) -> None:
    from labourlink.web.app import PAGES

    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 200
        assert "http://" not in r.text and "https://" not in r.text  # no CDN, no remote font
    for asset in ("common.js", "worldmap.js", "style.css", "favicon.svg"):
        assert client.get(f"/static/{asset}").status_code == 200
    topo = client.get("/api/world.topojson").json()
    isos = {g["properties"]["iso3"] for g in topo["objects"]["countries"]["geometries"]}
    assert {"TUV", "SGP", "TON", "BHR"} <= isos


def test_openapi_documents_error_shape(client) -> None:
    spec = client.get("/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    assert "/api/country/{iso3}" in spec["paths"]
    assert "422" in spec["paths"]["/api/corridor"]["get"]["responses"]


def test_store_is_read_only(client) -> None:
    con = client.app.state.watcher.current().con
    with pytest.raises(duckdb.Error):
        con.execute("CREATE TABLE hack (x INTEGER)")


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    from labourlink.errors import StoreError
    from labourlink.web.app import create_app

    with pytest.raises(StoreError, match="labourlink data build"):
        create_app(tmp_path / "none.duckdb")


def test_serve_cli_registered() -> None:
    from typer.testing import CliRunner

    from labourlink.cli import app

    res = CliRunner().invoke(app, ["serve", "--help"])
    assert res.exit_code == 0
    assert "127.0.0.1" in res.output


def test_mobility_examples_and_bounds(client) -> None:
    from labourlink.scenarios.cli import example_paths

    body = client.get("/api/scenarios/examples").json()
    assert sorted(e["example"] for e in body["examples"]) == sorted(p.stem for p in example_paths())
    assert_error(client.post("/api/scenarios/mobility",
                             json={"example": "pacific_palm_rse", "draws": 10_000}), 422)
    assert_error(client.post("/api/scenarios/mobility", json={"example": "nope"}), 422,
                 "pacific_palm_rse")
    assert_error(client.post("/api/scenarios/mobility", json={"example": "../etc"}), 422)
    # the toy store's trade data lack the Pacific parties: a clear 4xx naming them
    assert_error(client.post("/api/scenarios/mobility",
                             json={"example": "pacific_palm_rse", "draws": 0}), 422, "FJI")


@pytest.mark.slow
def test_serve_command_binds_loopback_and_stops(toy_store: Path) -> None:
    import shutil
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from labourlink.cli import main; main()",
                             "serve", "--port", str(port), "--store", str(toy_store)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).json()
            except httpx.HTTPError:
                time.sleep(0.3)
        assert body is not None and body["ok"] is True and body["countries"] == len(toy.COUNTRIES)
        # default host is loopback only: the port is open on 127.0.0.1 and nowhere else
        # (checked with iproute2's `ss` where installed)
        if shutil.which("ss"):
            conns = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
            listening = [ln for ln in conns.splitlines() if f":{port} " in ln]
            assert listening and all("127.0.0.1" in ln for ln in listening), listening
    finally:
        proc.terminate()
        proc.wait(timeout=15)
