"""UN DESA International Migrant Stock totals workbooks (official files, as published).

Three editions, each read from ``Table 1`` of the publisher's workbook, into table
``migrant_stock_total`` (persons, by sex):

- ``undesa_totals_2020``: *International Migrant Stock 2020: by destination*
  (POP/DB/MIG/Stock/Rev.2020), years 1990-2020, side ``destination``;
- ``undesa_totals_2019``: ``UN_MigrantStockTotal_2019.xlsx`` (POP/DB/MIG/Stock/Rev.2019),
  years 1990-2019, side ``destination``;
- ``undesa_totals_2024``: *International Migrant Stock 2024* by destination and by origin
  (POP/DB/MIG/Stock/Rev.2024), years 1990-2024, sides ``destination`` and ``origin``.

Every row with a location code is kept as published: countries and areas (rows with a "type of
data" entry and an M49 code below 900; ``is_country`` true, ``iso3`` from the UN M49 code) and
the publisher's world, regional, income and development-group rows (``is_country`` false,
``iso3`` null) so that analyses can check themselves against the official aggregates. Region 927
"Australia/New Zealand" of the 2024 workbooks carries a "type of data" entry but is a region.
In the 2020 and 2019 workbooks region 927 is listed twice (as SDG region and geographic region)
with the same numbers: the repeat is dropped and counted. The 2024 "by origin" workbook
also has an ``OTHER`` row (code 2003, origin unknown), kept as a non-country row. Names are
stored without the indentation and the trailing ``*`` (which flags a note). Section headings
without a location code (2019 workbook: "UN development groups", ...) are dropped and counted.
Cells shown as ``..`` are stored as null persons. Revisions change history (the 2024 revision's
2020 world figure is 275,284,032 against 280,598,105 in the 2020 revision): never mix sources
in one series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_unique,
    github_raw,
    read_excel_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.store.schema import TABLES

SOURCE = "undesa_totals"
PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
TABLE = "migrant_stock_total"
SHEET = "Table 1"
SEXES: tuple[str, ...] = ("total", "male", "female")  # the order of the three blocks of years
#: UN M49 codes from 900 up are world, regional and development-group codes, never countries.
REGION_CODE_MIN = 900

_STEPLADDER = "guyabel/stepladderChapter"
_MIT = ("MIT-Emerging-Talent/ET6-CDSP-group-12-repo", "5f5ef89ba64702f3bae7167d1c936cbb1598f92c")
_MIT_DIR = "1_datasets/raw_datasets_files"


@dataclass(frozen=True, slots=True)
class Workbook:
    """Layout of one totals workbook's ``Table 1`` (0-based row and column positions)."""

    source: str
    edition: str
    side: str
    file: RemoteFile
    header_row: int
    name_col: int
    code_col: int
    type_col: int
    first_year_col: int
    years: tuple[int, ...]


WORKBOOKS: tuple[Workbook, ...] = (
    Workbook(
        "undesa_totals_2020", "POP/DB/MIG/Stock/Rev.2020", "destination",
        RemoteFile(
            "undesa_ims_totals/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx",
            github_raw(_STEPLADDER, "be0164e34f8f71634249d204c12b81e198d897f1",
                       "data_raw/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"),
            "c2bae98812a1f68b1d7f57a8d3d11903b85522d664f319dfe87daa30f653fd5b",
        ),
        header_row=10, name_col=1, code_col=3, type_col=4, first_year_col=5,
        years=(1990, 1995, 2000, 2005, 2010, 2015, 2020),
    ),
    Workbook(
        "undesa_totals_2019", "POP/DB/MIG/Stock/Rev.2019", "destination",
        RemoteFile(
            "undesa_ims_totals/undesa_pd_2019_migrant_stock_total_dataset.xlsx",
            github_raw(_STEPLADDER, "b604de7aa72035d3e8c6d35fdbab81bc1503a364",
                       "data-raw/undesa_pd_2019_migrant_stock_total_dataset.xlsx"),
            "6e44a1f4c750248b7721a6f32afa75477c2c22420bed26053e1bfe58f4a63062",
            note="the publisher's UN_MigrantStockTotal_2019.xlsx, saved under another name",
        ),
        header_row=15, name_col=1, code_col=3, type_col=4, first_year_col=5,
        years=(1990, 1995, 2000, 2005, 2010, 2015, 2019),
    ),
    Workbook(
        "undesa_totals_2024", "POP/DB/MIG/Stock/Rev.2024", "destination",
        RemoteFile(
            "undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx",
            github_raw(*_MIT,
                       f"{_MIT_DIR}/undesa_pd_2024_ims_stock_by_sex_and_destination.raw.xlsx"),
            "894fe0637f649e9eb2555915e7f5d6e9818a913b7653c8d7b5e3803fc236ce82",
            note="published by the repository with a '.raw.xlsx' suffix",
        ),
        header_row=10, name_col=1, code_col=4, type_col=3, first_year_col=5,
        years=(1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024),
    ),
    Workbook(
        "undesa_totals_2024", "POP/DB/MIG/Stock/Rev.2024", "origin",
        RemoteFile(
            "undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_origin.xlsx",
            github_raw(*_MIT, f"{_MIT_DIR}/undesa_pd_2024_ims_stock_by_sex_and_origin.raw.xlsx"),
            "67a6683e3993805da8df1c014d24e5b824e657877559e4f674e14fc10362b94c",
            note="published by the repository with a '.raw.xlsx' suffix",
        ),
        header_row=10, name_col=1, code_col=4, type_col=3, first_year_col=5,
        years=(1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024),
    ),
)

#: Source ids of the tables this module returns (``source`` column values).
SOURCES: tuple[str, ...] = tuple(dict.fromkeys(w.source for w in WORKBOOKS))
FILES: tuple[RemoteFile, ...] = tuple(w.file for w in WORKBOOKS)


def m49_resolver() -> Callable[[str], str | None]:
    """UN M49 numeric code (``'4'`` or ``'004'``) -> ISO3; ``None`` if unknown."""
    from labourlink.countries import resolver

    base = resolver("m49")

    def resolve(code: str) -> str | None:
        code = code.strip()
        return base(code) or base(code.zfill(3))

    return resolve


def clean_name(name: object) -> str:
    """A publisher's area name without indentation and without the trailing note marker ``*``."""
    return str(name).strip().rstrip("*").strip()


def wide_to_long(block: pd.DataFrame, years: tuple[int, ...]) -> pd.DataFrame:
    """Reshape the three sex blocks of year columns to long rows.

    Parameters
    ----------
    block
        One row per area with an ``area_code`` column followed by ``3 * len(years)`` value
        columns (persons): both sexes, then males, then females, each for ``years``.
    years
        The year of each column within a block.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code``, ``sex`` (``total``/``male``/``female``), ``year`` (int) and
        ``persons``; ``len(block) * 3 * len(years)`` rows, in block order.
    """
    values = block.drop(columns="area_code").to_numpy(dtype=float)
    n, ny = len(block), len(years)
    if values.shape[1] != 3 * ny:
        raise ValueError(f"expected {3 * ny} value columns, got {values.shape[1]}")
    sex = np.repeat(np.array(SEXES, dtype=object), ny)
    yr = np.tile(np.asarray(years, dtype="int64"), 3)
    return pd.DataFrame({
        "area_code": np.repeat(block["area_code"].to_numpy(), 3 * ny),
        "sex": np.tile(sex, n),
        "year": np.tile(yr, n),
        "persons": values.reshape(-1),
    })


def _header_years(raw: pd.DataFrame, wb: Workbook, path: Path) -> None:
    """Check that the header row holds the expected year labels, three times (one per sex)."""
    ny = len(wb.years)
    cells = raw.iloc[wb.header_row, wb.first_year_col: wb.first_year_col + 3 * ny].tolist()
    expected = list(wb.years) * 3
    try:
        got = [int(float(c)) for c in cells]
    except (TypeError, ValueError):
        got = []
    if got != expected:
        raise SourceError(path, f"header row does not hold the years {list(wb.years)} three times "
                          f"(found {cells})", sheet=SHEET, row=wb.header_row + 1,
                          fix="use the workbook as published by UN DESA")


def load_workbook(data_dir: Path, wb: Workbook) -> SourceTable:
    """Read ``Table 1`` of one totals workbook into a ``migrant_stock_total`` table.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.
    wb
        The workbook's layout (one of :data:`WORKBOOKS`).

    Returns
    -------
    SourceTable
        Persons by area, year and sex; errors name the Excel row (1-based) and the field.
    """
    path = require_file(data_dir, wb.file.path)
    raw = read_excel_checked(path, SHEET, header=None, keep_default_na=False, na_values=[""])
    _header_years(raw, wb, path)
    ny = len(wb.years)
    data = raw.iloc[wb.header_row + 1:].reset_index(drop=True)
    offset = wb.header_row + 2  # positional row 0 of ``data`` is this Excel row

    names = data.iloc[:, wb.name_col]
    codes_raw = data.iloc[:, wb.code_col]
    no_code = codes_raw.isna() | (codes_raw.astype(str).str.strip() == "")
    blank = no_code & names.isna()
    heading = no_code & names.notna()
    dropped: dict[str, int] = {}
    if heading.any():
        dropped["section heading without location code"] = int(heading.sum())
    if blank.any():
        dropped["blank row"] = int(blank.sum())

    keep = ~no_code.to_numpy()
    rows = np.flatnonzero(keep)
    all_codes = to_numeric_checked(pd.DataFrame({"Location code": codes_raw.mask(no_code)}),
                                   "Location code", path, sheet=SHEET, row_offset=offset)
    bad = ((all_codes % 1) != 0) & all_codes.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(path, f"location code {codes_raw.iloc[pos]!r} is not a whole number",
                          sheet=SHEET, row=pos + offset, field="Location code")
    codes = all_codes[keep]

    value_cols = list(range(wb.first_year_col, wb.first_year_col + 3 * ny))
    block = pd.DataFrame({"area_code": codes.astype("int64").to_numpy()})
    for j, col in enumerate(value_cols):
        label = f"{SEXES[j // ny]} {wb.years[j % ny]}"
        cells = pd.DataFrame({label: data.iloc[:, col]})
        vals = to_numeric_checked(cells, label, path, sheet=SHEET, row_offset=offset,
                                  na_values=("..", "\u2026"), non_negative=True)
        block[label] = vals.to_numpy()[keep]

    # A region listed under two groupings (e.g. 927 "Australia and New Zealand" as SDG region and
    # as geographic region) repeats with identical numbers: keep the first, count the repeats.
    dup = block["area_code"].duplicated()
    if dup.any():
        same = block.duplicated(keep="first")
        differs = dup & ~same
        if differs.any():
            pos = int(rows[np.flatnonzero(differs.to_numpy())[0]])
            raise SourceError(path, f"location code {int(block['area_code'][differs].iloc[0])} "
                              "appears twice with different numbers", sheet=SHEET,
                              row=pos + offset, field="Location code")
        dropped["repeated area row (same code, same numbers)"] = int(dup.sum())
        first = ~dup.to_numpy()
        block = block[first].reset_index(drop=True)
        keep_idx = np.flatnonzero(keep)[first]
        keep = np.zeros_like(keep)
        keep[keep_idx] = True
        rows = keep_idx

    # Country rows carry a "type of data" entry. Region codes (M49 >= 900) are never countries,
    # even where the publisher filled the type column (2024: 927 "Australia/New Zealand").
    typed = data.iloc[:, wb.type_col].notna().to_numpy()[keep]
    info = pd.DataFrame({
        "area_code": block["area_code"],
        "area_name": [clean_name(n) for n in names.to_numpy()[keep]],
        "is_country": typed & (block["area_code"].to_numpy() < REGION_CODE_MIN),
        "iso3": pd.Series([None] * len(block), dtype="object"),
    })
    is_c = info["is_country"].to_numpy()
    if is_c.any():
        iso = resolve_column(info.loc[is_c, "area_code"].astype(str), m49_resolver(), path,
                             "Location code", sheet=SHEET)
        info.loc[is_c, "iso3"] = iso.to_numpy()

    long = wide_to_long(block, wb.years).merge(info, on="area_code", how="left", validate="m:1")
    long["side"] = wb.side
    long["source"] = wb.source
    out = long[TABLES[TABLE].column_names].reset_index(drop=True)
    check_unique(out, ["side", "area_code", "year", "sex"], path, sheet=SHEET, row_offset=0)
    prov = Provenance(wb.source, wb.edition, PUBLISHER, wb.file.path, sha256_file(path), len(out),
                      dropped)
    return SourceTable(TABLE, out, prov)


def load(data_dir: Path) -> list[SourceTable]:
    """Load the 2020, 2019 and 2024 totals workbooks (one table per workbook and side).

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        Four ``migrant_stock_total`` tables (persons), sources as in :data:`SOURCES`.
    """
    return [load_workbook(data_dir, wb) for wb in WORKBOOKS]
