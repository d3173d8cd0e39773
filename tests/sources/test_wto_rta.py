"""WTO RTA-IS loader, on the real export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import wto_rta
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

countries = pytest.importorskip("labourlink.countries")
if not hasattr(countries, "resolver"):
    pytest.skip("labourlink.countries.resolver not available yet", allow_module_level=True)


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    return {t.table: t.frame for t in wto_rta.load(data_dir)}


def test_checksum_matches_manifest(data_dir: Path) -> None:
    (f,) = wto_rta.FILES
    assert sha256_file(data_dir / f.path) == f.sha256


def test_agreements(tables: dict[str, pd.DataFrame]) -> None:
    a = tables["trade_agreement"]
    assert list(a.columns) == TABLES["trade_agreement"].column_names
    assert len(a) == 655 and a["agreement_id"].is_unique
    status = a["status"].value_counts()
    # MANIFEST.md: In Force 401, Inactive 213, Early announcement 36, at least one Party 5
    assert status["In Force"] == 401 and status["Inactive"] == 213
    assert status["In force for at least one Party"] == 5
    assert status[status.index.str.startswith("Early announcement")].sum() == 36
    jpepa = a.set_index("agreement_id").loc["622"]
    assert jpepa["name"] == "Japan - Philippines" and jpepa["in_force"] == date(2008, 12, 11)
    # MANIFEST: latest goods entry into force 2025-10-01; one services date is 2026-01-01
    assert max(d for d in a["in_force"] if d is not None) == date(2026, 1, 1)
    assert max(d for d in a["in_force_services"] if d is not None) == date(2026, 1, 1)
    assert a["labour_provisions"].isna().all()


def test_members_key_and_codes(tables: dict[str, pd.DataFrame]) -> None:
    m = tables["trade_agreement_member"]
    assert list(m.columns) == TABLES["trade_agreement_member"].column_names
    assert not m.duplicated(["agreement_id", "iso3"]).any()
    bad = m.loc[~m["iso3"].str.fullmatch(r"[A-Z]{3}"), "iso3"]
    assert bad.empty, set(bad)
    assert set(m["agreement_id"]) <= set(tables["trade_agreement"]["agreement_id"])
    for _, r in m.dropna(subset=["entry", "exit"]).iterrows():
        assert r["entry"] <= r["exit"], (r["agreement_id"], r["iso3"])


def test_bloc_expansion_and_specific_dates(tables: dict[str, pd.DataFrame]) -> None:
    m = tables["trade_agreement_member"].set_index(["agreement_id", "iso3"])
    aanzfta = m.loc["437"]
    asean = {"BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "VNM"}
    assert set(aanzfta.index) == asean | {"AUS", "NZL"}  # AFTA expanded to its 10 members
    assert aanzfta.loc["IDN", "entry"] == date(2012, 1, 10)  # from Specific Entry/Exit dates
    assert aanzfta.loc["AUS", "entry"] == date(2010, 1, 1)
    atisa = m.loc["1171"]  # Philippines(01-Jan-9999 - ): not yet in force
    assert pd.isna(atisa.loc["PHL", "entry"]) and atisa.loc["SGP", "entry"] == date(2021, 4, 1)
    assert pd.isna(m.loc[("4", "BGR"), "entry"])  # left CEFTA 2006 before it entered into force
    eu_treaty = m.loc["120"]
    assert eu_treaty.loc["GBR", "exit"] == date(2020, 12, 31)
    assert eu_treaty.loc["HRV", "entry"] == date(2013, 7, 1)


def _edit_cell(path: Path, column: str, row: int, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[wto_rta.SHEET]
    col = [c.value for c in ws[1]].index(column) + 1
    ws.cell(row=row, column=col, value=value)
    wb.save(path)


def test_text_in_date_column(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, wto_rta.PATH)
    _edit_cell(path, "Inactive Date", 7, "someday")
    with pytest.raises(SourceError) as exc:
        wto_rta.load(tmp_path)
    msg = str(exc.value)
    assert "AllRTAs.xlsx" in msg and "row 7" in msg and "Inactive Date" in msg and "someday" in msg


def test_malformed_entry_exit_item(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, wto_rta.PATH)
    _edit_cell(path, "Specific Entry/Exit dates", 10, "Japan(2008/12/11)")
    with pytest.raises(SourceError) as exc:
        wto_rta.load(tmp_path)
    assert "row 10" in str(exc.value) and "Specific Entry/Exit dates" in str(exc.value)


def test_truncated_workbook(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, wto_rta.PATH)
    path.write_bytes(path.read_bytes()[:20000])
    with pytest.raises(SourceError, match="AllRTAs.xlsx"):
        wto_rta.load(tmp_path)
