"""Corridor coverage, gaps and timeline on a hand-computed toy store."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from labourlink.cli import app
from labourlink.errors import InvalidArgumentError
from labourlink.governance.coverage import (
    corridor_stocks,
    coverage,
    coverage_from,
    largest_uncovered,
    provision_gaps,
    timeline,
)
from labourlink.governance.registry import Registry, load_registry
from labourlink.governance.schema import Instrument

SRC = [{"title": "toy", "publisher": "tests", "address": "tests/governance"}]


def rec(id: str, kind: str, **kw) -> Instrument:
    base = {"id": id, "name": id, "level": "bilateral", "kind": kind,
            "legal_nature": "unknown", "sources": SRC, "confidence": "high"}
    return Instrument.model_validate(base | kw)


TOY = Registry([
    rec("a", "trade_agreement_mnp_chapter", parties=["PHL", "JPN"], senders=["PHL"],
        receivers=["JPN"], in_force="2008", provisions={"labour_market_access": True}),
    rec("b", "bilateral_labour_agreement", parties=["IND", "SAU"], signed="2014-01-02",
        provisions={"labour_market_access": True, "worker_protection": True,
                    "return_readmission": True}),
    rec("c", "regional_consultative_process", parties=["NPL"], senders=["NPL"],
        corridor_scope="from_senders", in_force="2003",
        provisions={"irregular_migration_cooperation": True}),
    rec("d", "trade_agreement", parties=["JPN", "IDN"], in_force="2008-07-01"),
    rec("e", "declaration_or_consensus", parties=["CHN", "USA"], in_force="2000",
        ended="2015"),
    rec("f", "seasonal_or_temporary_scheme", parties=["JPN", "IDN"], senders=["IDN"],
        receivers=["JPN"], in_force="2010", party_since={"IDN": "2021"}),
    rec("g", "trade_agreement_mnp_chapter", parties=[], corridor_scope="global", in_force="1995"),
])


@pytest.fixture()
def con(toy_store: Path):
    c = duckdb.connect(str(toy_store), read_only=True)
    yield c
    c.close()


def test_stocks_of_the_group(con) -> None:
    s = corridor_stocks(con, 2020, "ESCAP")
    assert len(s) == 5 and s["persons"].sum() == 1050.0  # XXX origin and USA->MEX left out
    both = corridor_stocks(con, 2020, "ESCAP", within="both")
    # QAT, SAU (not ESCAP members) and USA are outside: PHL->JPN and IDN->JPN remain
    assert both["persons"].sum() == 150.0
    with pytest.raises(InvalidArgumentError, match="2010, 2020"):
        corridor_stocks(con, 2005)


def test_coverage_hand_computed(con) -> None:
    res = coverage(con, TOY, 2020)
    # covered: PHL->JPN 100 (a), IND->SAU 300 (b); not NPL->QAT (c is an origin-only process,
    # counted only with origin_only=True), not IDN->JPN (only a trade agreement; the scheme f
    # admits IDN from 2021), not CHN->USA (e ended 2015)
    assert res.share_covered == pytest.approx(400 / 1050)
    c = res.to_frame().set_index(["origin", "destination"])
    assert c.loc[("PHL", "JPN"), "instruments"] == ["a"]
    assert not c.loc[("IDN", "JPN"), "covered"] and not c.loc[("CHN", "USA"), "covered"]
    assert not c.loc[("NPL", "QAT"), "covered"]
    by_kind = dict(zip(res.by_kind["kind"], res.by_kind["share"], strict=False))
    assert by_kind["trade_agreement_mnp_chapter"] == pytest.approx(100 / 1050)
    assert by_kind["bilateral_labour_agreement"] == pytest.approx(300 / 1050)
    assert by_kind["regional_consultative_process"] == 0.0
    assert by_kind["trade_agreement"] == pytest.approx(50 / 1050)
    assert by_kind["declaration_or_consensus"] == 0.0
    by_prov = dict(zip(res.by_provision["provision"], res.by_provision["share"], strict=False))
    assert by_prov["labour_market_access"] == pytest.approx(400 / 1050)
    assert by_prov["worker_protection"] == pytest.approx(300 / 1050)
    assert by_prov["irregular_migration_cooperation"] == 0.0
    assert by_prov["social_security_portability"] == 0.0
    t = res.tidy().set_index(["measure", "key"])["value"]
    assert t[("total_persons", "")] == 1050 and t[("covered_persons", "")] == 400
    assert t[("corridors_covered", "")] == 2


def test_coverage_with_origin_processes(con) -> None:
    res = coverage(con, TOY, 2020, origin_only=True)
    assert res.share_covered == pytest.approx(600 / 1050)  # + NPL->QAT 200 (c)
    by_kind = dict(zip(res.by_kind["kind"], res.by_kind["share"], strict=False))
    assert by_kind["regional_consultative_process"] == pytest.approx(200 / 1050)
    by_prov = dict(zip(res.by_provision["provision"], res.by_provision["share"], strict=False))
    assert by_prov["irregular_migration_cooperation"] == pytest.approx(200 / 1050)


def test_coverage_options(con) -> None:
    with_trade = coverage(con, TOY, 2020, kinds=[
        "trade_agreement", "trade_agreement_mnp_chapter", "bilateral_labour_agreement",
        "regional_consultative_process"], origin_only=True)
    assert with_trade.share_covered == pytest.approx(650 / 1050)
    assert coverage(con, TOY, 2020, within="both").share_covered == pytest.approx(100 / 150)
    assert coverage(con, TOY, 2010).share_covered == pytest.approx(1.0)  # 80 (a) + 300 (e)
    asean = coverage(con, TOY, 2020, group="ASEAN")
    assert asean.share_covered == pytest.approx(100 / 150)
    with pytest.raises(InvalidArgumentError, match="kind"):
        coverage(con, TOY, 2020, kinds=["treaty"])


def test_gaps_and_uncovered(con) -> None:
    res = coverage(con, TOY, 2020, origin_only=True)
    g = provision_gaps(res, TOY.records)
    got = {(r.gap, r.origin, r.destination) for r in g.itertuples()}
    assert got == {("access_without_protection", "PHL", "JPN"),
                   ("access_without_return_cooperation", "PHL", "JPN"),
                   ("cooperation_without_access", "NPL", "QAT")}
    unc = largest_uncovered(res, 5)
    assert list(zip(unc["origin"], unc["destination"], strict=False)) == [("CHN", "USA"), ("IDN", "JPN")]
    default = coverage(con, TOY, 2020)
    assert list(largest_uncovered(default, 1)["origin"]) == ["CHN"]
    assert "cooperation_without_access" not in set(provision_gaps(default, TOY.records)["gap"])


def test_timeline() -> None:
    t = timeline(TOY.records).set_index(["year", "kind"])
    assert t.loc[(2008, "trade_agreement"), "new"] == 1
    assert t.loc[(2014, "bilateral_labour_agreement"), "new"] == 1
    assert t["new"].sum() == 7
    assert t.loc[(2008, "trade_agreement_mnp_chapter"), "cumulative"] == 2  # g 1995, a 2008


def test_derived_records_from_toy_store(con) -> None:
    reg = load_registry(con)
    bla = reg.get("bla-cw-1")
    assert bla.parties == ["IND", "SAU"] and bla.signed.precision == "day"
    assert bla.origin == "chilton_woda_2022" and "provisions" in bla.uncertain
    rta = reg.get("rta-wto-9")
    assert rta.kind == "trade_agreement" and rta.labour_provisions is None
    assert rta.in_force.value.isoformat() == "2008-07-01"


def test_cli_coverage_json_matches_library(toy_store: Path, con) -> None:
    res = CliRunner().invoke(app, ["governance", "coverage", "--year", "2020", "--format", "json",
                                   "--store", str(toy_store), "--top", "0"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert {"year", "group", "share_covered", "corridors"} <= set(d)
    assert d["year"] == 2020 and d["group"] == "ESCAP"
    lib = coverage(con, load_registry(con), 2020)
    assert d["share_covered"] == pytest.approx(lib.share_covered)
    assert len(d["corridors"]) == 5
    assert {c["origin"] for c in d["corridors"]} == {"PHL", "IDN", "NPL", "IND", "CHN"}
    table = CliRunner().invoke(app, ["governance", "gaps", "--store", str(toy_store)])
    assert table.exit_code == 0, table.output
    assert "Largest corridors" in table.output


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.01, 1e6), order=st.permutations(range(5)))
def test_share_invariant_to_scale_and_order(scale: float, order: list[int]) -> None:
    stocks = pd.DataFrame({"origin": ["PHL", "IDN", "NPL", "IND", "CHN"],
                           "destination": ["JPN", "JPN", "QAT", "SAU", "USA"],
                           "persons": [100.0, 50.0, 200.0, 300.0, 400.0]})
    base = coverage_from(TOY.records, stocks, 2020).share_covered
    shuffled = stocks.iloc[list(order)].assign(persons=lambda d: d["persons"] * scale)
    res = coverage_from(TOY.records, shuffled, 2020)
    assert res.share_covered == pytest.approx(base)
    assert 0.0 <= res.share_covered <= 1.0
    assert res.by_kind["share"].le(1.0 + 1e-12).all()
