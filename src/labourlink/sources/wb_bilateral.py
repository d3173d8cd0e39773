"""World Bank / KNOMAD bilateral remittance and migration matrices (official workbooks).

Three sources, each a square matrix on one sheet of a workbook as published by the World Bank /
KNOMAD; the 2017 pair was copied by ``hbenveniste/mig-scenarios``, the 2021 matrix by
``raulincadet/Macro``:

- ``wb_remittance_matrix_2017``: *Bilateral Remittance Estimates for 2017 using Migrant Stocks,
  Host Country Incomes, and Origin Country Incomes (millions of US$)*, April 2018 version. Header
  ``receiving (across) / sending (down)``: a row is the sending (host) country, a column the
  receiving (origin) country. Values in US$ million -> table ``remittance_bilateral``.
- ``wb_migration_matrix_2017``: *Bilateral Estimates of Migrant Stocks in 2017*. Header
  ``destination (across) / origin (down)``. Values in persons -> table ``migration_bilateral_wb``.
- ``knomad_remittance_matrix_2021``: *KNOMAD/World Bank Bilateral Remittance Matrix 2021*,
  December 2022 version, sheet ``FINAL BRM 2021 `` (trailing space), 214 x 214, US$ million,
  sending country down, receiving country across -> table ``remittance_bilateral``, year 2021.
  Its row and column sums are checked against the ``WORLD`` column and row before those are
  dropped (a mismatch above US$ 0.001 million names the row or column). The publisher's notes:
  Venezuela is excluded; Lebanon-Israel and Armenia-Azerbaijan are set to 0.

Rows and columns are labelled with World Bank country names (resolved with ``resolver('wb')``).
The matrix's country totals are estimates of bilateral flows: KNOMAD's country totals (its June
2023 inflows, :mod:`labourlink.sources.knomad`) were revised after the matrix was made, so the
two differ for some countries (e.g. Viet Nam 2021: US$ 18,060 million received in the matrix,
12,500 in the June-2023 inflows); country totals come from the inflows, the matrix only splits
them by corridor. The ``WORLD``/``World`` total row and column and the notes rows under the matrix are dropped and
counted. The migration matrix also has ``Other North`` and ``Other South`` rows and columns
(residual origins/destinations that are not countries): they are **kept** under the documented
special codes ``XON`` and ``XOS`` (:data:`labourlink.countries.SPECIAL_CODES`), so the table sums
to 266,143,792 persons, the matrix total without the World row and column; exclude them (see
:data:`RESIDUAL_CODES`) for country-to-country work. Zero cells are kept (a published estimate
of zero); cells shown as ``-`` (no estimate; four pairs in the remittance matrix such as India ->
Pakistan) and empty cells (two in the migration matrix) are dropped and counted. The year is
2017. The sheets the repository author added (``remshare``, ``countries-comparison``) are not
read.
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
    read_excel_checked,
    require_file,
    resolve_column,
    sha256_file,
)
from labourlink.store.schema import TABLES

SOURCE = "wb_bilateral"
PUBLISHER = "World Bank / KNOMAD"
_REPO = ("hbenveniste/mig-scenarios", "a3610e86e8eee21a914dd9e70aaeb7cde94dedcb")
_REPO_2021 = ("raulincadet/Macro", "65b2aa9bf463f9797fdd6c228a9def86488b7968")
#: Largest gap (US$ million) allowed between a row/column sum and the matrix's WORLD figure.
WORLD_TOLERANCE = 1e-3

#: Row/column labels of the World totals (dropped, counted in provenance).
TOTAL_LABELS: frozenset[str] = frozenset({"world"})
#: Residual rows/columns of the migration matrix, kept under special codes.
RESIDUAL_CODES: dict[str, str] = {"Other North": "XON", "Other South": "XOS"}
#: Cell markers meaning "no estimate published" (four cells of the remittance matrix, e.g.
#: India -> Pakistan): dropped and counted like empty cells.
MISSING_MARKERS: frozenset[str] = frozenset({"-"})


@dataclass(frozen=True, slots=True)
class Matrix:
    """One bilateral matrix workbook: where it is, what its axes mean, where it goes."""

    source: str
    edition: str
    file: RemoteFile
    sheet: str
    corner: str  # the header's corner label, checked on load
    row_role: str  # store column the row label goes to
    col_role: str  # store column the column label goes to
    table: str
    value_column: str
    year: int
    check_world: bool = False  # row/column sums must equal the WORLD column/row


REMITTANCES = Matrix(
    "wb_remittance_matrix_2017", "Bilateral Remittance Matrix 2017 (April 2018 version)",
    RemoteFile(
        "worldbank_bilateral_2017/WB_Bilateral_Remittance_Estimates_2017.xlsx",
        github_raw(*_REPO, "data/rem_wb/WB_Bilateral_Remittance_Estimates_2017.xlsx"),
        "d995649722f9a3c4db0769c9026102f85f37df9e4d66cc04729f3317b4c07e9c",
        note="the World Bank's bilateralremittancematrix2017Apr2018.xlsx, renamed",
    ),
    "Bilateral_Remittances_2017", "receiving (across) / sending (down)",
    "sending", "receiving", "remittance_bilateral", "usd_million", 2017,
)
MIGRATION = Matrix(
    "wb_migration_matrix_2017", "Bilateral Migration Matrix 2017",
    RemoteFile(
        "worldbank_bilateral_2017/WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx",
        github_raw(*_REPO, "data/rem_wb/WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx"),
        "69aaf6ac711f7ba770cbd551b357daa8445b6b952bb9cb92e720a251ede4bb60",
    ),
    "Bilateral_Migration_2017", "destination (across) / origin (down)",
    "origin", "destination", "migration_bilateral_wb", "persons", 2017,
)
REMITTANCES_2021 = Matrix(
    "knomad_remittance_matrix_2021", "Bilateral Remittance Matrix 2021 (December 2022 version)",
    RemoteFile(
        "knomad_bilateral_remittance_matrix_2021/bilateral_remittance_matrix_2021_0.xlsx",
        github_raw(*_REPO_2021, "Remittance/bilateral_remittance_matrix_2021_0.xlsx"),
        "66ae02420627ce210d9e650c7a21d5ec7d9e77197be9f94d1fa27140402c268a",
        note="the publisher's file as downloaded from knomad.org",
    ),
    "FINAL BRM 2021 ",
    "remittance-receiving country (across) - remittance-sending country (down)",
    "sending", "receiving", "remittance_bilateral", "usd_million", 2021, check_world=True,
)
MATRICES: tuple[Matrix, ...] = (REMITTANCES, MIGRATION, REMITTANCES_2021)
SOURCES: tuple[str, ...] = tuple(m.source for m in MATRICES)
FILES: tuple[RemoteFile, ...] = tuple(m.file for m in MATRICES)


def _excel_col(j: int) -> str:
    """Excel column letters of 0-based column ``j``."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def matrix_to_long(values: np.ndarray, row_labels: list[str],
                   col_labels: list[str]) -> pd.DataFrame:
    """Reshape a matrix to long rows ``row``, ``col``, ``value`` (row-major, NaN cells dropped).

    Parameters
    ----------
    values
        ``len(row_labels) x len(col_labels)`` floats.
    row_labels, col_labels
        Labels of the rows and columns.

    Returns
    -------
    pandas.DataFrame
        One row per non-NaN cell.
    """
    n, k = values.shape
    flat = values.reshape(-1)
    ok = ~np.isnan(flat)
    return pd.DataFrame({
        "row": np.repeat(np.asarray(row_labels, dtype=object), k)[ok],
        "col": np.tile(np.asarray(col_labels, dtype=object), n)[ok],
        "value": flat[ok],
    })


@dataclass(frozen=True, slots=True)
class _Parsed:
    values: np.ndarray  # float matrix, countries and residuals, no totals
    rows: list[str]
    cols: list[str]
    dropped: dict[str, int]


def _parse(path: Path, m: Matrix) -> _Parsed:
    raw = read_excel_checked(path, m.sheet, header=None, keep_default_na=False,
                             na_values=[""])
    hdr = None
    for i in range(min(10, len(raw))):
        if " ".join(str(raw.iat[i, 0]).split()).lower() == m.corner:
            hdr = i
            break
    if hdr is None:
        raise SourceError(path, f"header cell {m.corner!r} not found in column A of the first 10 "
                          "rows", sheet=m.sheet, fix="use the workbook as published")
    col_labels = raw.iloc[hdr, 1:]
    col_ok = col_labels.notna().to_numpy()
    col_pos = np.flatnonzero(col_ok) + 1
    cols = [str(c).strip() for c in col_labels[col_ok]]

    # Data rows: from the header down to the World row; below it are blank and notes rows.
    labels = raw.iloc[hdr + 1:, 0]
    low = labels.astype(str).str.strip().str.lower()
    world = np.flatnonzero(low.isin(TOTAL_LABELS).to_numpy())
    if len(world) == 0:
        raise SourceError(path, "no 'World' total row under the matrix (file truncated?)",
                          sheet=m.sheet, fix="download the workbook again")
    end = hdr + 1 + int(world[0])
    body = raw.iloc[hdr + 1:end]
    if body.iloc[:, 0].isna().any():
        pos = int(np.flatnonzero(body.iloc[:, 0].isna().to_numpy())[0])
        raise SourceError(path, "row label missing inside the matrix", sheet=m.sheet,
                          row=hdr + 2 + pos, field="A")
    rows = [str(r).strip() for r in body.iloc[:, 0]]
    dropped = {"World total row": 1, "notes or blank row below the matrix": len(raw) - end - 1}

    total_cols = [j for j, c in enumerate(cols) if c.lower() in TOTAL_LABELS]
    if m.check_world:
        _check_world(path, m, raw, hdr, end, col_pos, cols, total_cols)
    dropped["World total column"] = len(total_cols)
    keep_cols = [j for j in range(len(cols)) if j not in total_cols]
    cells = body.iloc[:, col_pos[keep_cols]]
    cols = [cols[j] for j in keep_cols]

    cells = cells.mask(cells.map(lambda c: isinstance(c, str) and c.strip() in MISSING_MARKERS))
    num = cells.apply(pd.to_numeric, errors="coerce")
    bad = num.isna().to_numpy() & cells.notna().to_numpy()
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        raise SourceError(
            path, f"expected a number, found {cells.iat[i, j]!r} (row {rows[i]!r}, column "
            f"{cols[j]!r})", sheet=m.sheet, row=hdr + 2 + i,
            field=_excel_col(int(col_pos[keep_cols][j])),
            fix="correct the cell or restore the workbook as published")
    values = num.to_numpy(dtype=float)
    neg = values < 0
    if neg.any():
        i, j = (int(x[0]) for x in np.nonzero(neg))
        raise SourceError(path, f"negative value {values[i, j]!r}", sheet=m.sheet,
                          row=hdr + 2 + i, field=_excel_col(int(col_pos[keep_cols][j])))
    return _Parsed(values, rows, cols, dropped)


def _check_world(path: Path, m: Matrix, raw: pd.DataFrame, hdr: int, end: int,
                 col_pos: np.ndarray, cols: list[str], total_cols: list[int]) -> None:
    """Row sums equal the WORLD column and column sums the WORLD row (within WORLD_TOLERANCE)."""
    if len(total_cols) != 1:
        raise SourceError(path, "no single 'WORLD' total column right of the matrix",
                          sheet=m.sheet, fix="use the workbook as published")
    grid = raw.iloc[hdr + 1:end + 1, col_pos].apply(pd.to_numeric, errors="coerce")
    values = grid.to_numpy(dtype=float)  # rows: countries then WORLD; columns: countries + WORLD
    w = total_cols[0]
    body = np.delete(values[:-1], w, axis=1)
    row_gap = np.abs(np.nansum(body, axis=1) - np.nan_to_num(values[:-1, w]))
    col_gap = np.abs(np.nansum(body, axis=0) - np.nan_to_num(np.delete(values[-1], w)))
    if (row_gap > WORLD_TOLERANCE).any():
        i = int(np.argmax(row_gap))
        raise SourceError(path, f"the row sums to {np.nansum(body[i]):,.3f} but its WORLD cell "
                          f"reads {values[i, w]:,.3f}", sheet=m.sheet, row=hdr + 2 + i,
                          field=_excel_col(int(col_pos[w])),
                          fix="restore the workbook as published")
    if (col_gap > WORLD_TOLERANCE).any():
        j = int(np.argmax(col_gap))
        jj = j if j < w else j + 1
        raise SourceError(path, f"column {cols[jj]!r} sums to {np.nansum(body[:, j]):,.3f} but "
                          f"the WORLD row reads {values[-1, jj]:,.3f}", sheet=m.sheet,
                          row=end + 1, field=_excel_col(int(col_pos[jj])),
                          fix="restore the workbook as published")


def _load_matrix(data_dir: Path, m: Matrix) -> SourceTable:
    path = require_file(data_dir, m.file.path)
    p = _parse(path, m)
    long = matrix_to_long(p.values, p.rows, p.cols)
    dropped = dict(p.dropped)
    n_empty = p.values.size - len(long)
    if n_empty:
        dropped["empty or '-' cell (no estimate published)"] = int(n_empty)

    from labourlink.countries import SPECIAL_CODES, resolver

    by_name = resolver("wb")
    residual = {k: v for k, v in RESIDUAL_CODES.items() if v in SPECIAL_CODES}

    def wb(name: object) -> str | None:
        return residual.get(str(name).strip()) or by_name(name)

    frame = pd.DataFrame({
        m.row_role: resolve_column(long["row"], wb, path, "row label", sheet=m.sheet),
        m.col_role: resolve_column(long["col"], wb, path, "column label", sheet=m.sheet),
        "year": np.int64(m.year),
        m.value_column: long["value"].astype(float),
        "source": m.source,
    })
    frame = frame[TABLES[m.table].column_names].reset_index(drop=True)
    check_unique(frame, [m.row_role, m.col_role, "year"], path, sheet=m.sheet, row_offset=0)
    prov = Provenance(m.source, m.edition, PUBLISHER, m.file.path, sha256_file(path), len(frame),
                      dropped)
    return SourceTable(m.table, frame, prov)


def load(data_dir: Path) -> list[SourceTable]:
    """Load the three matrices.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        ``remittance_bilateral`` (US$ million, sending -> receiving) and
        ``migration_bilateral_wb`` (persons, origin -> destination), year 2017, and the 2021
        remittance matrix (``remittance_bilateral``, source ``knomad_remittance_matrix_2021``).
    """
    return [_load_matrix(data_dir, m) for m in MATRICES]
