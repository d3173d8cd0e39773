"""The in-memory read model gives the numbers of the SQL it replaced (toy store: every country
and corridor; real store: a sample), for both UN DESA revisions."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import duckdb
import ll_toy_store as toy
import pytest

from labourlink.store.revisions import REVISIONS
from labourlink.web import queries
from labourlink.web.readmodel import ReadModel


def _sql_country(con: duckdb.DuckDBPyConnection, source: str, code: str,
                 year: int) -> dict[str, Any]:
    """The SQL of the country endpoint before the read model (the oracle)."""
    series = con.execute(
        "SELECT year, "
        " SUM(persons) FILTER (WHERE destination=$c AND sex='total'), "
        " SUM(persons) FILTER (WHERE origin=$c AND sex='total'), "
        " SUM(persons) FILTER (WHERE destination=$c AND sex='female') "
        "FROM migrant_stock WHERE source=$s AND (destination=$c OR origin=$c) "
        "GROUP BY year ORDER BY year", {"s": source, "c": code}).fetchall()
    partners = con.execute(
        "SELECT CASE WHEN m.destination=$c THEN 'in' ELSE 'out' END, "
        " CASE WHEN m.destination=$c THEN m.origin ELSE m.destination END, m.persons "
        "FROM migrant_stock m WHERE m.source=$s AND m.year=$y AND m.sex='total' "
        " AND (m.destination=$c OR m.origin=$c) AND m.origin <> m.destination",
        {"s": source, "c": code, "y": year}).fetchall()

    def top(side: str) -> list[tuple[str, float]]:
        rows = sorted(((p, v) for s, p, v in partners if s == side),
                      key=lambda r: (-(r[1] or 0.0), r[0]))[:10]
        return [(p, float(v)) for p, v in rows]

    return {"series": [(int(y), a, b, c) for y, a, b, c in series],
            "in": top("in"), "out": top("out")}


def _sql_corridor(con: duckdb.DuckDBPyConnection, source: str, o: str,
                  d: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in con.execute(
        "SELECT year, "
        " SUM(CASE WHEN origin=$o AND destination=$d AND sex='total' THEN persons END), "
        " SUM(CASE WHEN origin=$o AND destination=$d AND sex='female' THEN persons END), "
        " SUM(CASE WHEN origin=$d AND destination=$o AND sex='total' THEN persons END) "
        "FROM migrant_stock WHERE source=$s AND ((origin=$o AND destination=$d) OR "
        " (origin=$d AND destination=$o)) GROUP BY year ORDER BY year",
        {"s": source, "o": o, "d": d}).fetchall()]


def _check(con: duckdb.DuckDBPyConnection, source: str, codes: list[str],
           pairs: list[tuple[str, str]]) -> int:
    model = ReadModel.build(con, source, "wb_remittance_matrix_2017")
    years = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM migrant_stock WHERE source = ? ORDER BY 1", [source]).fetchall()]
    checked = 0
    for code in codes:
        want = _sql_country(con, source, code, years[-1])
        got = model.country_series(code)
        assert [(r["year"], r["immigrants_persons"], r["emigrants_persons"],
                 r["female_immigrants_persons"]) for r in got] == [
            tuple(pytest.approx(x) if isinstance(x, float) else x for x in row)
            for row in want["series"]], code
        for side in ("in", "out"):
            mine = model.top_partners(code, years[-1], side)
            assert [p for p, _ in mine] == [p for p, _ in want[side]], (code, side)
            assert [v for _, v in mine] == pytest.approx([v for _, v in want[side]])
        checked += 1
    for o, d in pairs:
        want = _sql_corridor(con, source, o, d)
        got = [(r["year"], r["migrants_persons"], r["female_migrants_persons"],
                r["reverse_migrants_persons"]) for r in model.corridor_series(o, d)]
        assert got == [tuple(pytest.approx(x) if isinstance(x, float) else x for x in row)
                       for row in want], (o, d)
        checked += 1
    return checked


@pytest.mark.parametrize("source", ["undesa_ims2020", "undesa_ims2024"])
def test_read_model_equals_sql_on_toy_store(toy_store: Path, source: str) -> None:
    codes = [c[0] for c in toy.COUNTRIES]
    with duckdb.connect(str(toy_store), read_only=True) as con:
        n = _check(con, source, codes, [(o, d) for o in codes for d in codes if o != d])
    assert n == len(codes) + len(codes) * (len(codes) - 1)


@pytest.mark.slow
@pytest.mark.parametrize("source", list(REVISIONS.values()))
def test_read_model_equals_sql_on_real_store(real_store: Path, source: str) -> None:
    with duckdb.connect(str(real_store), read_only=True) as con:
        codes = [r[0] for r in con.execute("SELECT iso3 FROM country ORDER BY 1").fetchall()]
        if not con.execute("SELECT count(*) FROM migrant_stock WHERE source = ?",
                           [source]).fetchone()[0]:
            pytest.fail(f"the real store has no {source} rows")
        rnd = random.Random(11)
        sample = rnd.sample(codes, 25) + ["PHL", "IND", "NPL", "SAU", "AUS"]
        pairs = [tuple(rnd.sample(codes, 2)) for _ in range(60)] + [
            ("NPL", "QAT"), ("PHL", "SAU"), ("IND", "ARE"), ("MEX", "USA")]
        assert _check(con, source, sample, pairs) == len(sample) + len(pairs)


def test_map_data_equals_sql(toy_store: Path) -> None:
    with duckdb.connect(str(toy_store), read_only=True) as con:
        idx = queries.StoreIndex.read(con)
        data = queries.MapData.read(con, idx)
        for rev in ("2020", "2024"):
            for year in idx.stock_years_by_revision[rev]:
                want = dict(con.execute(
                    "SELECT destination, SUM(persons) FROM migrant_stock WHERE source = ? AND "
                    "year = ? AND sex = 'total' AND destination IN (SELECT iso3 FROM country) "
                    "GROUP BY 1", [f"undesa_ims{rev}", year]).fetchall())
                got = queries.map_layer(data, idx, "immigrants", year, rev)["values"]
                assert got == pytest.approx(want)
