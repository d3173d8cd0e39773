"""KNOMAD/World Bank Bilateral Remittance Matrix 2021 (December 2022), the publisher's workbook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import wb_bilateral as mod
from labourlink.sources.base import sha256_file

M = mod.REMITTANCES_2021


@pytest.fixture(scope="module")
def table(data_dir: Path):
    return mod._load_matrix(data_dir, M)


def _world_margins(path: Path) -> tuple[pd.Series, pd.Series]:
    """The workbook's own WORLD column (by sending country) and WORLD row (by receiving
    country), read independently of the loader."""
    raw = pd.read_excel(path, sheet_name=M.sheet, header=None)
    header = raw.iloc[1]
    world_col = int(np.flatnonzero(header.astype(str).str.strip() == "WORLD")[0])
    world_row = int(np.flatnonzero(raw.iloc[:, 0].astype(str).str.strip() == "WORLD")[0])
    body = raw.iloc[2:world_row]
    by_sender = pd.Series(pd.to_numeric(body.iloc[:, world_col]).to_numpy(),
                          index=body.iloc[:, 0].astype(str).str.strip())
    by_receiver = pd.Series(pd.to_numeric(raw.iloc[world_row, 1:world_col]).to_numpy(),
                            index=header.iloc[1:world_col].astype(str).str.strip())
    return by_sender, by_receiver


def test_schema_provenance_and_size(table, data_dir: Path) -> None:
    f = table.frame
    assert table.provenance.source == "knomad_remittance_matrix_2021"
    assert table.provenance.sha256 == M.file.sha256 == sha256_file(data_dir / M.file.path)
    assert set(f["year"]) == {2021}
    # 214 x 214 labels; rows/columns with no published cell (Kosovo and Saint-Martin as senders;
    # Venezuela, the GCC's UAE and Bahrain, ... as receivers) have no rows.
    assert f["sending"].nunique() == 212 and f["receiving"].nunique() == 175
    assert {"VEN", "ARE"}.isdisjoint(f["receiving"]) and "XKX" not in set(f["sending"])
    assert int((f["usd_million"] > 0).sum()) == 10_227  # MANIFEST: 10,227 non-zero cells
    assert f["usd_million"].sum() == pytest.approx(781_075.7, abs=0.05)  # MANIFEST grand total


def test_row_and_column_sums_equal_the_world_row_and_column(table, data_dir: Path) -> None:
    from labourlink.countries import resolver

    wb = resolver("wb")
    by_sender, by_receiver = _world_margins(data_dir / M.file.path)
    by_sender.index = [wb(n) for n in by_sender.index]
    by_receiver.index = [wb(n) for n in by_receiver.index]
    f = table.frame
    sent = f.groupby("sending")["usd_million"].sum().reindex(by_sender.index, fill_value=0.0)
    received = f.groupby("receiving")["usd_million"].sum().reindex(by_receiver.index,
                                                                   fill_value=0.0)
    np.testing.assert_allclose(sent.to_numpy(), by_sender.fillna(0).to_numpy(), atol=1e-9)
    np.testing.assert_allclose(received.to_numpy(), by_receiver.fillna(0).to_numpy(), atol=1e-9)


def test_receipts_equal_the_published_inflows_for_large_recipients(table) -> None:
    received = table.frame.groupby("receiving")["usd_million"].sum()
    # MANIFEST: equal to KNOMAD's June-2023 inflows for 2021 for these countries; Viet Nam differs.
    for iso3, usd in {"IND": 89_375.2, "PHL": 36_685.3, "CHN": 53_000.0, "PAK": 31_312.0,
                      "IDN": 9_402.4, "VNM": 18_060.0}.items():
        assert received[iso3] == pytest.approx(usd, abs=0.05), iso3


def test_text_in_a_matrix_cell_names_row_and_column(data_dir: Path, tmp_path: Path) -> None:
    target = copy_raw(data_dir, tmp_path, M.file)
    book = openpyxl.load_workbook(target)
    book[M.sheet]["C4"] = "n/a?"  # sending row 4 (Albania), receiving column C (Albania)
    book.save(target)
    with pytest.raises(SourceError, match=r"bilateral_remittance_matrix_2021_0\.xlsx.*row 4, "
                       r"field 'C'.*'n/a\?'"):
        mod._load_matrix(tmp_path, M)


def test_a_cell_that_breaks_the_world_total_is_named(data_dir: Path, tmp_path: Path) -> None:
    target = copy_raw(data_dir, tmp_path, M.file)
    book = openpyxl.load_workbook(target)
    book[M.sheet]["D4"] = 123.0  # Albania -> Algeria: the row no longer sums to its WORLD cell
    book.save(target)
    with pytest.raises(SourceError, match=r"row 4.*WORLD cell"):
        mod._load_matrix(tmp_path, M)


def test_missing_sheet_is_named(data_dir: Path, tmp_path: Path) -> None:
    target = copy_raw(data_dir, tmp_path, M.file)
    book = openpyxl.load_workbook(target)
    book[M.sheet].title = "Sheet1"
    book.save(target)
    with pytest.raises(SourceError, match=r"sheet 'FINAL BRM 2021 ' not found"):
        mod._load_matrix(tmp_path, M)
