"""World Bank-KNOMAD annual remittances data, June 2023 release (official workbooks).

Two one-sheet workbooks, read as published, into table ``indicator`` (unit ``US$ million``,
nominal):

- ``remittance-inflows.xlsx`` -> code ``KNOMAD.REM.IN`` (header on row 1: a label cell, then the
  years 2000-2022);
- ``remittance-outflows.xlsx`` -> code ``KNOMAD.REM.OUT`` (row 1 blank, header on row 2; the last
  column ``% of GDP in 2022`` is not read).

Rows are countries by World Bank name (resolved with ``resolver('wb')``), then the aggregate rows
``Low-and Middle-Income Countries`` and ``World`` (inflows only), then a blank row and footnotes.
Aggregates, blank rows and footnotes are dropped and counted. Empty cells are dropped and counted.

**Zeros:** the publisher writes 0 in many cells where no data exist (e.g. Afghanistan 2000-2007,
Algeria's outflows). They are kept as published: a 0 here may mean "missing", so do not average or
log these series without deciding what a 0 means (the WDI series ``BX.TRF.PWKR.CD.DT`` in
``wdi_remittances`` leaves such cells empty instead). Venezuela is excluded from the publisher's
aggregates (footnote).
"""

from __future__ import annotations

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
    indicator_frame,
    label_year,
    read_excel_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.sources.wdi_remittances import wide_years_to_long

SOURCE = "knomad_2023"
EDITION = "KNOMAD remittances data, June 2023"
PUBLISHER = "World Bank / KNOMAD"
TABLE = "indicator"
UNIT = "US$ million"
_REPO = ("kietnguyen01/Remittance-Fees-Analysis", "0549ac4cc16aa92a718bc36ef5a5320148cd6da6")

#: Aggregate rows published under the country rows (dropped, counted).
AGGREGATE_ROWS: frozenset[str] = frozenset({"Low-and Middle-Income Countries", "World"})


@dataclass(frozen=True, slots=True)
class Flow:
    """One KNOMAD workbook: its series code, sheet, header label and file."""

    code: str
    sheet: str
    label: str  # text of the header's first cell, checked on load
    file: RemoteFile


def _remote(name: str, sha: str) -> RemoteFile:
    return RemoteFile(f"knomad_remittances_2023/{name}",
                      github_raw(*_REPO, f"data/remittance/{name}"), sha)


FLOWS: tuple[Flow, ...] = (
    Flow("KNOMAD.REM.IN", "Inward remittance flows", "Remittance inflows (US$ million)",
         _remote("remittance-inflows.xlsx",
                 "8da30162e0313927ebaccb86548439328405c2cbc511a5bfb69e9f353f6d4d7d")),
    Flow("KNOMAD.REM.OUT", "Outward remittance flows", "Remittance outflows (US$ million)",
         _remote("remittance-outflows.xlsx",
                 "b1a7e06a79bd8b66a1f8f1cb8842874669930e980e201ae60ff458f638479f1b")),
)
FILES: tuple[RemoteFile, ...] = tuple(f.file for f in FLOWS)


def load_flow(data_dir: Path, flow: Flow) -> SourceTable:
    """Read one KNOMAD workbook into an ``indicator`` table.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.
    flow
        One of :data:`FLOWS`.

    Returns
    -------
    SourceTable
        US$ million by ISO3 and year; errors name the Excel row and the year column.
    """
    path = require_file(data_dir, flow.file.path)
    raw = read_excel_checked(path, flow.sheet, header=None, keep_default_na=False,
                             na_values=[""])
    first = raw.iloc[:, 0].astype("string").str.strip()
    hits = np.flatnonzero((first == flow.label).fillna(False).to_numpy())
    if len(hits) == 0:
        raise SourceError(path, f"header cell {flow.label!r} not found in column A",
                          sheet=flow.sheet, fix="use the workbook as published")
    hdr = int(hits[0])
    year_pos = [(j, label_year(v)) for j, v in enumerate(raw.iloc[hdr]) if j > 0]
    year_pos = [(j, y) for j, y in year_pos if y is not None]
    if not year_pos:
        raise SourceError(path, "no year columns in the header row", sheet=flow.sheet,
                          row=hdr + 1)

    body = raw.iloc[hdr + 1:].reset_index(drop=True)
    offset = hdr + 2  # body row 0 is this Excel row
    label = body.iloc[:, 0].astype("string").str.strip()
    blank = label.isna() | (label == "")
    # The country block ends at the first blank row; what follows are footnotes.
    end = int(np.flatnonzero(blank.to_numpy())[0]) if blank.any() else len(body)
    block = body.iloc[:end]
    names = label.iloc[:end]
    agg = names.isin(AGGREGATE_ROWS).to_numpy()
    dropped = {
        "aggregate row (Low-and Middle-Income Countries, World)": int(agg.sum()),
        "blank or footnote row below the table": int(len(body) - end),
    }

    wide = pd.DataFrame({"name": names.astype(str)})
    for j, y in year_pos:
        col = str(y)
        vals = to_numeric_checked(pd.DataFrame({col: block.iloc[:, j]}), col, path,
                                  sheet=flow.sheet, row_offset=offset, non_negative=True)
        wide[col] = vals.to_numpy()
    check_unique(wide, ["name"], path, sheet=flow.sheet, row_offset=offset)
    wide = wide[~agg]
    years = [str(y) for _, y in year_pos]
    long = wide_years_to_long(wide, "name", years)
    dropped["empty cell"] = int(len(wide) * len(years) - len(long))

    from labourlink.countries import resolver

    frame = indicator_frame(
        resolve_column(long["id"], resolver("wb"), path, "A (country name)", sheet=flow.sheet),
        long["year"], long["value"], code=flow.code, unit=UNIT, source=SOURCE)
    check_unique(frame, ["code", "iso3", "year"], path, sheet=flow.sheet, row_offset=0)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, flow.file.path, sha256_file(path), len(frame),
                      dropped)
    return SourceTable(TABLE, frame, prov)


def load(data_dir: Path) -> list[SourceTable]:
    """Load KNOMAD remittance inflows and outflows (US$ million, 2000-2022).

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        Two ``indicator`` tables (``KNOMAD.REM.IN``, ``KNOMAD.REM.OUT``), source ``knomad_2023``.
    """
    return [load_flow(data_dir, f) for f in FLOWS]
