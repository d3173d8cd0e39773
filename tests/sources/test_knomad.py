"""KNOMAD remittance inflows/outflows (June 2023)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import knomad as mod
from labourlink.sources import wdi_remittances
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def tables(data_dir: Path):
    return mod.load(data_dir)


def test_schema_and_provenance(tables, data_dir: Path) -> None:
    assert [set(t.frame["code"]) for t in tables] == [{"KNOMAD.REM.IN"}, {"KNOMAD.REM.OUT"}]
    for t, fl in zip(tables, mod.FLOWS, strict=True):
        f = t.frame
        assert t.table == "indicator" and list(f.columns) == TABLES["indicator"].column_names
        assert set(f["unit"]) == {"US$ million"} and set(f["source"]) == {"knomad_2023"}
        assert f["year"].dtype == np.int64 and f["year"].between(2000, 2022).all()
        assert f["value"].notna().all() and (f["value"] >= 0).all()
        assert not f.duplicated(list(TABLES["indicator"].key)).any()
        assert t.provenance.rows == len(f)
        assert t.provenance.sha256 == fl.file.sha256 == sha256_file(data_dir / fl.file.path)
        assert f["iso3"].nunique() <= 214


def test_aggregates_and_footnotes_dropped(tables) -> None:
    inflow, outflow = (t.provenance.dropped for t in tables)
    assert inflow["aggregate row (Low-and Middle-Income Countries, World)"] == 2
    assert inflow["blank or footnote row below the table"] == 10
    assert outflow["blank or footnote row below the table"] == 8
    # every country-year cell is either kept or counted as empty (214 countries x 23 years)
    for t, d in zip(tables, (inflow, outflow), strict=True):
        assert t.provenance.rows + d["empty cell"] == 214 * 23


def test_values_and_zeros_kept(tables, data_dir: Path) -> None:
    inflow = tables[0].frame.set_index(["iso3", "year"])["value"]
    outflow = tables[1].frame.set_index(["iso3", "year"])["value"]
    # KNOMAD inflows equal the WDI series in US$ million (PHL 2019: 3.5167e10 US$).
    assert inflow[("PHL", 2019)] == pytest.approx(35_167.47, abs=0.01)
    wdi = wdi_remittances.load_series(data_dir, wdi_remittances.SERIES[0]).frame
    wdi_phl = wdi.set_index(["iso3", "year"])["value"][("PHL", 2019)]
    assert inflow[("PHL", 2019)] * 1e6 == pytest.approx(wdi_phl, rel=1e-6)
    # A 0 is kept as published (Afghanistan 2000: 0, i.e. no data).
    assert inflow[("AFG", 2000)] == 0.0
    assert outflow[("ALB", 2003)] == pytest.approx(4.135728, abs=1e-6)


def test_text_in_cell_raises_naming_row_and_year(data_dir: Path, tmp_path: Path) -> None:
    fl = mod.FLOWS[1]
    target = copy_raw(data_dir, tmp_path, fl.file)
    book = openpyxl.load_workbook(target)
    book[fl.sheet]["C4"] = "12,3x"  # row 4 (Albania), column C = 2001
    book.save(target)
    with pytest.raises(SourceError, match=r"sheet 'Outward remittance flows', row 4, field "
                                          r"'2001'.*'12,3x'"):
        mod.load_flow(tmp_path, fl)


def test_unknown_country_name_is_listed(data_dir: Path, tmp_path: Path) -> None:
    fl = mod.FLOWS[0]
    target = copy_raw(data_dir, tmp_path, fl.file)
    book = openpyxl.load_workbook(target)
    book[fl.sheet]["A3"] = "Republic of Atlantis"
    book.save(target)
    with pytest.raises(SourceError, match=r"\['Republic of Atlantis'\]"):
        mod.load_flow(tmp_path, fl)


def test_truncated_workbook_raises(data_dir: Path, tmp_path: Path) -> None:
    fl = mod.FLOWS[0]
    target = copy_raw(data_dir, tmp_path, fl.file)
    target.write_bytes(target.read_bytes()[:20_000])
    with pytest.raises(SourceError, match=r"remittance-inflows\.xlsx.*cannot be opened"):
        mod.load_flow(tmp_path, fl)
