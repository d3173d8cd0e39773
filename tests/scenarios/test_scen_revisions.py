"""Scenario baselines on the real store: the 2024 revision and the 2021 remittance matrix by
default, the remittance per migrant over the same revision's stock, and the years joined."""

from __future__ import annotations

import duckdb
import pytest

from labourlink.errors import InvalidArgumentError
from labourlink.scenarios.cli import example_paths
from labourlink.scenarios.inputs import load_inputs
from labourlink.scenarios.mobility import _pairs
from labourlink.scenarios.spec import load_spec


@pytest.fixture(scope="module")
def con(store_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return store_con


@pytest.fixture(scope="module")
def gcc():
    (path,) = [p for p in example_paths() if p.name == "gcc_south_asia_bla.yaml"]
    spec = load_spec(path)
    # literature coefficients: these tests are about the data, not the estimate
    return spec.model_copy(update={"trade_cost": spec.trade_cost.model_copy(
        update={"basis": "literature"})})


def _stock(con, source: str, o: str, d: str, year: int) -> float:
    return float(con.execute("SELECT persons FROM migrant_stock WHERE source = ? AND sex = "
                             "'total' AND origin = ? AND destination = ? AND year = ?",
                             [source, o, d, year]).fetchone()[0])


def test_defaults_are_the_newest_data(con, gcc) -> None:
    data = load_inputs(con, gcc)
    assert (data.revision, data.stock_year) == ("2024", 2024)
    assert (data.remittance_matrix, data.remittance_year, data.remittance_stock_year) == (
        "2021", 2021, 2020)
    assert data.stock[("IND", "ARE")] == _stock(con, "undesa_ims2024", "IND", "ARE", 2024)
    assert data.remittance_stock[("IND", "ARE")] == _stock(con, "undesa_ims2024", "IND", "ARE",
                                                           2020)
    usd = con.execute("SELECT usd_million FROM remittance_bilateral WHERE source = "
                      "'knomad_remittance_matrix_2021' AND sending = 'ARE' AND receiving = "
                      "'IND'").fetchone()[0]
    assert data.remittances[("IND", "ARE")] == pytest.approx(usd * 1e6)
    notes = " | ".join(data.notes)
    assert "revision 2024" in notes and "matrix 2021" in notes and "stock 2020" in notes
    assert "employment (PWT persons engaged) joined with trade year" in notes
    # remittance per migrant: the 2021 matrix over the 2020 stock of the same revision
    pr = _pairs(gcc, data, [])
    k = pr.pairs.index(("IND", "ARE"))
    assert pr.rpm[k] == pytest.approx(usd * 1e6 / data.remittance_stock[("IND", "ARE")])


def test_revision_2020_and_the_2017_matrix_on_request(con, gcc) -> None:
    spec = gcc.model_copy(update={"remittance_matrix": "2017"})
    data = load_inputs(con, spec, revision="2020")
    assert (data.revision, data.stock_year) == ("2020", 2020)
    assert (data.remittance_matrix, data.remittance_year, data.remittance_stock_year) == (
        "2017", 2017, 2015)
    assert data.stock[("IND", "ARE")] == _stock(con, "undesa_ims2020", "IND", "ARE", 2020)
    with pytest.raises(InvalidArgumentError, match="revision"):
        load_inputs(con, gcc, revision="1999")
