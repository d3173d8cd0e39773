"""Corrupt-input matrix on the real loaders: each corruption gives an error naming the file and the
row or field, and the existing store file is left byte-identical (checksum compared)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from labourlink.errors import LabourlinkError
from labourlink.sources import cepii, undesa_ims2024, wb_bilateral
from labourlink.sources.base import sha256_file
from labourlink.store import build_store

DIST = "cepii_geodist/dist_cepii.csv"
REMIT = "worldbank_bilateral_2017/WB_Bilateral_Remittance_Estimates_2017.xlsx"
REMIT21 = "knomad_bilateral_remittance_matrix_2021/bilateral_remittance_matrix_2021_0.xlsx"
STOCK24 = "undesa_ims2024_bilateral/rev2023/356_Rev2023.RData"
LOADERS = (cepii, wb_bilateral, undesa_ims2024)


@pytest.fixture(scope="module")
def mirror(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir of symlinks to the real files of the two loaders under test."""
    root = tmp_path_factory.mktemp("raw")
    for mod in LOADERS:
        for rf in mod.FILES:
            dst = root / rf.path
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not dst.exists():
                os.symlink(data_dir / rf.path, dst)
    return root


@pytest.fixture(scope="module")
def built(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("store") / "labourlink.duckdb"
    build_store(mirror, store, loaders=list(LOADERS), progress=False)
    return store


def _replace(mirror: Path, rel: str, edit: Callable[[Path], None]) -> Path:
    target = mirror / rel
    original = target.resolve()
    target.unlink()
    shutil.copyfile(original, target)
    edit(target)
    return original


def _csv_lines(edit: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        lines = p.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        p.write_text("".join(edit(lines)), encoding="utf-8")
    return go


def _text_in_numeric(lines: list[str]) -> list[str]:
    fields = lines[100].rstrip("\n").split(",")
    fields[10] = "12a4"  # the `dist` column
    lines[100] = ",".join(fields) + "\n"
    return lines


def _truncate_bytes(frac: float) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        data = p.read_bytes()
        p.write_bytes(data[: int(len(data) * frac)])
    return go


def _rename_sheet(p: Path) -> None:
    wb = openpyxl.load_workbook(p)
    wb[wb.sheetnames[0]].title = "Sheet1"
    wb.save(p)


def _text_in_matrix_cell(p: Path) -> None:
    wb = openpyxl.load_workbook(p)
    wb[wb.sheetnames[0]]["C4"] = "n/a?"  # Albania -> Albania
    wb.save(p)


def _unknown_country(p: Path) -> None:
    wb = openpyxl.load_workbook(p)
    ws = wb["Bilateral_Remittances_2017"]
    ws["A4"] = "Atlantis"
    wb.save(p)


def _truncate_csv_mid_line(p: Path) -> None:
    data = p.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // 2) + 20
    p.write_bytes(data[:cut])


CASES = [
    ("text-in-numeric", DIST, cepii, _csv_lines(_text_in_numeric), ["row 101", "'dist'", "12a4"]),
    ("duplicate-key", DIST, cepii, _csv_lines(lambda ls: ls[:-1] + [ls[-1].rstrip("\n") + "\n", ls[5]]), ["duplicate key"]),
    ("empty-file", DIST, cepii, lambda p: p.write_bytes(b""), ["empty"]),
    ("truncated-csv", DIST, cepii, _truncate_csv_mid_line, ["truncated"]),
    ("truncated-workbook", REMIT, wb_bilateral, _truncate_bytes(0.5), ["Excel workbook"]),
    ("missing-sheet", REMIT, wb_bilateral, _rename_sheet, ["sheet", "Bilateral_Remittances_2017"]),
    ("unknown-country", REMIT, wb_bilateral, _unknown_country, ["Atlantis"]),
    ("truncated-rdata-2024", STOCK24, undesa_ims2024, _truncate_bytes(0.5), ["R data file"]),
    ("text-in-matrix-cell-2021", REMIT21, wb_bilateral, _text_in_matrix_cell,
     ["row 4", "field 'C'", "n/a?"]),
    ("missing-sheet-2021", REMIT21, wb_bilateral, _rename_sheet, ["sheet", "FINAL BRM 2021"]),
]


@pytest.mark.parametrize("case, rel, loader, edit, expected", CASES, ids=[c[0] for c in CASES])
def test_corrupt_input_is_named_and_store_kept(
    mirror: Path, built: Path, case: str, rel: str, loader: object,
    edit: Callable[[Path], None], expected: list[str],
) -> None:
    before = sha256_file(built)
    original = _replace(mirror, rel, edit)
    try:
        with pytest.raises(LabourlinkError) as err:
            build_store(mirror, built, loaders=[loader], force=True, progress=False)  # type: ignore[list-item]
        msg = str(err.value)
        assert Path(rel).name in msg, msg
        for fragment in expected:
            assert fragment in msg, msg
        assert sha256_file(built) == before
        assert not [p for p in built.parent.iterdir() if ".tmp-" in p.name]
    finally:
        (mirror / rel).unlink()
        os.symlink(original, mirror / rel)
