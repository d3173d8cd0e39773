"""Acceptance checks of issue 2 on the store built from the real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from labourlink.countries import SPECIAL_CODES, group_members
from labourlink.sources.base import sha256_file
from labourlink.store import build_store, connect
from labourlink.store.build import _check_codes, _check_keys
from labourlink.store.schema import TABLES

WORLD = {1990: 152_986_157, 1995: 161_289_976, 2000: 173_230_585, 2005: 191_446_828,
         2010: 220_983_187, 2015: 247_958_644, 2020: 280_598_105}


@pytest.fixture(scope="module")
def con(store: Path):  # type: ignore[no-untyped-def]
    c = connect(store)
    yield c
    c.close()


def test_every_table_filled_and_keys_unique(con) -> None:  # type: ignore[no-untyped-def]
    for name in TABLES:
        n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        assert n > 0, f"table {name} is empty"
    _check_keys(con)


def test_every_code_is_a_country_or_documented_special(con) -> None:  # type: ignore[no-untyped-def]
    _check_codes(con)
    specials_used = {r[0] for r in con.execute(
        "SELECT DISTINCT origin FROM migrant_stock UNION SELECT DISTINCT destination FROM "
        "migrant_stock").fetchall()} - {r[0] for r in con.execute("SELECT iso3 FROM country").fetchall()}
    assert specials_used <= set(SPECIAL_CODES)
    assert "XXX" in specials_used  # other/unknown origin kept as such


def test_world_totals_2020_revision(con) -> None:  # type: ignore[no-untyped-def]
    rows = con.execute(
        "SELECT year, sex, sum(persons) FROM migrant_stock WHERE source='undesa_ims2020' "
        "GROUP BY year, sex").fetchall()
    got = {(y, s): v for y, s, v in rows}
    for year, total in WORLD.items():
        assert got[(year, "total")] == total
        assert got[(year, "male")] + got[(year, "female")] == total
    assert got[(2020, "male")] == 145_655_844 and got[(2020, "female")] == 134_942_261


@pytest.mark.parametrize("iso3", ["JPN", "IND", "PHL"])
@pytest.mark.parametrize("year", [1990, 2020])
def test_destination_totals_equal_official_workbook(con, iso3: str, year: int) -> None:  # type: ignore[no-untyped-def]
    bilateral = con.execute(
        "SELECT sum(persons) FROM migrant_stock WHERE source='undesa_ims2020' AND sex='total' "
        "AND destination=? AND year=?", [iso3, year]).fetchone()[0]
    official = con.execute(
        "SELECT persons FROM migrant_stock_total WHERE source='undesa_totals_2020' AND "
        "side='destination' AND sex='total' AND iso3=? AND year=?", [iso3, year]).fetchone()[0]
    assert bilateral == official


def test_escap_groups_in_store(con) -> None:  # type: ignore[no-untyped-def]
    members = {r[0] for r in con.execute(
        "SELECT iso3 FROM country_group WHERE group_code='ESCAP'").fetchall()}
    assert len(members) == 58 and members == set(group_members("ESCAP"))


def test_provenance_checksums_match_files(con, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    prov = con.execute("SELECT source, file, sha256, rows, target_table FROM provenance").fetchall()
    sources = {p[0] for p in prov}
    assert {"undesa_ims2024", "undesa_ims2020", "knomad_remittance_matrix_2021",
            "wb_remittance_matrix_2017", "cepii_geodist", "wto_hs_m_0010"} <= sources
    for source, file, sha, rows, _table in prov:
        if source.startswith("labourlink_"):
            continue
        if source == "undesa_ims2024":  # one checksum over the 235 per-destination workspaces
            from labourlink.sources import undesa_ims2024

            sums = [(Path(rf.path).name, sha256_file(data_dir / rf.path))
                    for rf in undesa_ims2024.FILES]
            assert sha == undesa_ims2024.combined_sha256(sums) and rows > 0
            continue
        first = file.split(";")[0].strip()
        assert sha256_file(data_dir / first) == sha.split(";")[0].strip(), (source, file)
        assert rows > 0


def test_rebuild_with_unchanged_inputs_is_noop(store: Path, data_dir: Path) -> None:
    before = sha256_file(store)
    report = build_store(data_dir, store, progress=False)
    assert not report.rebuilt
    assert sha256_file(store) == before
