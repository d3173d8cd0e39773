"""UN DESA IMS 2019 bilateral loader (the 'clean' wide CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import undesa_ims2019 as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def table(data_dir: Path):
    (t,) = mod.load(data_dir)
    return t


@pytest.fixture(scope="module")
def raw_rows(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / mod.FILES[0].path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_schema_provenance(table, data_dir: Path) -> None:
    f = table.frame
    assert table.table == "migrant_stock"
    assert list(f.columns) == TABLES["migrant_stock"].column_names
    assert f["year"].dtype == np.int64 and f["persons"].dtype == np.float64
    assert set(f["sex"]) == {"total"} and set(f["source"]) == {"undesa_ims2019"}
    assert sorted(f["year"].unique()) == [1990, 1995, 2000, 2005, 2010, 2015, 2019]
    assert table.provenance.rows == len(f) == 76_431
    assert table.provenance.sha256 == mod.FILES[0].sha256 == sha256_file(
        data_dir / mod.FILES[0].path)


def test_keys_unique_non_negative(table) -> None:
    f = table.frame
    assert not f.duplicated(list(TABLES["migrant_stock"].key)).any()
    assert (f["persons"] > 0).all()  # zero cells dropped, negatives impossible


def test_regions_dropped_and_counted(table, raw_rows) -> None:
    d = table.provenance.dropped
    assert d["regional subtotal row in Dest (5 regions x 7 years)"] == 35
    assert d["empty cell ('..' or '-': not published)"] == 345
    # every raw cell is accounted for: kept + zero + empty, over the 232 country rows
    n_origins = len(raw_rows[0]) - 2
    assert len(raw_rows) == 1_659 and n_origins == 232
    assert (table.provenance.rows + d["zero cell (absent pair, as in the 2020 table)"]
            + d["empty cell ('..' or '-': not published)"]) == (1_659 - 35) * n_origins
    f = table.frame
    # 237 Dest values minus the 5 regions; the Holy See's row is all zeros (no row kept).
    assert f["destination"].nunique() == 231 and "VAT" not in set(f["destination"])


def test_totals_reconcile_with_manifest(table, raw_rows) -> None:
    f = table.frame
    kept_2019 = f.loc[f["year"] == 2019, "persons"].sum()
    assert kept_2019 == 260_283_744
    region_2019 = sum(float(v) for r in raw_rows if r["Year"] == "2019"
                      and r["Dest"] in mod.REGION_ROWS
                      for k, v in r.items() if k not in ("Year", "Dest") and v not in ("..", "-"))
    # MANIFEST: the file sums to 270,048,342 in 2019 (with the regional subtotal rows).
    assert kept_2019 + region_2019 == 270_048_342


def test_cells_match_the_file(table, raw_rows) -> None:
    f = table.frame.set_index(["destination", "origin", "year"])["persons"]
    raw = {(r["Dest"], int(r["Year"])): r for r in raw_rows}
    assert f[("USA", "MEX", 2019)] == float(raw[("United States of America", 2019)]["Mexico"])
    assert f[("JPN", "PHL", 1990)] == float(raw[("Japan", 1990)]["Philippines"])
    assert f[("ARE", "IND", 2019)] == float(raw[("United Arab Emirates", 2019)]["India"])
    # Montenegro x Albania 1990-2005 is '-' in the file: not stored.
    assert raw[("Montenegro", 1990)]["Albania"] == "-"
    assert ("MNE", "ALB", 1990) not in f.index


def test_text_in_cell_raises_naming_line_and_column(data_dir: Path, tmp_path: Path) -> None:
    target = copy_raw(data_dir, tmp_path, mod.FILES[0])
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[5].split(",")  # line 6 of the file: 1990, Ethiopia (simple names, no quotes)
    assert cells[1] == "Ethiopia"
    cells[2] = "12o"  # origin Afghanistan
    lines[5] = ",".join(cells)
    target.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=r"row 6, field 'Afghanistan'.*'12o'"):
        mod.load(tmp_path)


def test_header_only_file_raises(data_dir: Path, tmp_path: Path) -> None:
    target = copy_raw(data_dir, tmp_path, mod.FILES[0])
    target.write_text(target.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"2019_clean\.csv.*no data rows"):
        mod.load(tmp_path)


def test_unknown_destination_is_listed(data_dir: Path, tmp_path: Path) -> None:
    target = copy_raw(data_dir, tmp_path, mod.FILES[0])
    text = target.read_text(encoding="utf-8").replace("\n1990,Ethiopia,", "\n1990,Atlantis,", 1)
    target.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=r"field 'Dest'.*\['Atlantis'\]"):
        mod.load(tmp_path)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_wide_to_long_preserves_totals(n_rows: int, n_cols: int, data) -> None:
    values = data.draw(hnp.arrays(float, (n_rows, n_cols),
                                  elements=st.one_of(st.just(np.nan), st.floats(0, 1e8))))
    wide = pd.DataFrame(values, columns=[f"o{j}" for j in range(n_cols)])
    wide.insert(0, "Dest", [f"d{i}" for i in range(n_rows)])
    wide.insert(0, "Year", 2019)
    long = mod.wide_to_long(wide)
    assert len(long) == int((~np.isnan(values)).sum())
    np.testing.assert_allclose(long["persons"].sum(), np.nansum(values))
    assert not long.duplicated(["year", "dest", "origin"]).any()
