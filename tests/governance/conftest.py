"""Fixtures for the governance tests: a hand-made toy store and the real store (if buildable)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from labourlink.store.schema import TABLES

# (origin, destination, year, persons): hand-computed expectations in test_coverage.py
TOY_STOCKS = [
    ("PHL", "JPN", 2020, 100.0),
    ("IDN", "JPN", 2020, 50.0),
    ("NPL", "QAT", 2020, 200.0),
    ("IND", "SAU", 2020, 300.0),
    ("CHN", "USA", 2020, 400.0),
    ("XXX", "JPN", 2020, 999.0),   # unknown origin: left out
    ("USA", "MEX", 2020, 1000.0),  # neither side in ESCAP: left out
    ("PHL", "JPN", 2010, 80.0),
    ("CHN", "USA", 2010, 300.0),
]


@pytest.fixture()
def toy_store(tmp_path: Path) -> Path:
    """A store with every table and a few bilateral stocks (undesa_ims2020, sex total)."""
    path = tmp_path / "toy.duckdb"
    con = duckdb.connect(str(path))
    for t in TABLES.values():
        con.execute(t.create_sql())
    con.executemany("INSERT INTO migrant_stock VALUES (?, ?, ?, 'total', ?, 'undesa_ims2020')",
                    TOY_STOCKS)
    con.execute("INSERT INTO labour_agreement VALUES ('1', 'IND', 'SAU', 2014, DATE '2014-01-02',"
                " 'toy BLA', 'chilton_woda_2022')")
    con.execute("INSERT INTO trade_agreement VALUES ('9', 'Japan - Indonesia', 'FTA', 'Goods', "
                "'In Force', DATE '2007-08-20', DATE '2008-07-01', NULL, NULL, NULL, 'wto_rta')")
    con.executemany("INSERT INTO trade_agreement_member VALUES ('9', ?, DATE '2008-07-01', NULL, "
                    "'wto_rta')", [("JPN",), ("IDN",)])
    con.close()
    return path


@pytest.fixture(scope="session")
def real_store(store: Path) -> Path:
    """The real store (tests/conftest.py ``store``)."""
    return store
