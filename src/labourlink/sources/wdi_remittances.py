"""World Bank WDI personal remittances (bulk-download workbooks, last updated 2023-05-10).

Three ``API_..._DS2_en_excel_v2`` workbooks as published (``.xls``, read with xlrd), one indicator
each, into table ``indicator``:

- ``BX.TRF.PWKR.CD.DT`` personal remittances, received (current US$);
- ``BM.TRF.PWKR.CD.DT`` personal remittances, paid (current US$);
- ``BX.TRF.PWKR.DT.GD.ZS`` personal remittances, received (% of GDP).

Sheet ``Data`` (three title rows, header on the fourth: ``Country Name``, ``Country Code``,
``Indicator Name``, ``Indicator Code``, 1960 ... 2022) has 266 rows including the World Bank's
aggregates. An aggregate is a code whose ``Region`` is blank in sheet ``Metadata - Countries``
(48 codes such as ``WLD``, ``EAS``, ``AFE``); ``INX`` ("Not classified") is absent from the metadata
sheet and is dropped too. Both are counted in the provenance. Country codes are ISO3 (plus the
World Bank's ``XKX`` Kosovo and ``CHI`` Channel Islands, resolved through
:mod:`labourlink.countries`). Empty cells are dropped and counted.
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
from labourlink.sources.undesa_ims2020 import iso3_resolver

SOURCE = "wdi_remittances"
EDITION = "World Development Indicators, last updated 2023-05-10"
PUBLISHER = "World Bank"
TABLE = "indicator"
DATA_SHEET = "Data"
META_SHEET = "Metadata - Countries"
HEADER_ROW = 3  # 0-based: three title rows precede the header
_REPO = ("kietnguyen01/Remittance-Fees-Analysis", "0549ac4cc16aa92a718bc36ef5a5320148cd6da6")

#: Codes in the Data sheet that are not countries although the metadata sheet lacks them.
UNCLASSIFIED_CODES: frozenset[str] = frozenset({"INX"})


@dataclass(frozen=True, slots=True)
class Series:
    """One WDI series file: its code, readable unit, and whether values can be negative."""

    code: str
    unit: str
    file: RemoteFile
    non_negative: bool = True


def _remote(name: str, sha: str) -> RemoteFile:
    return RemoteFile(f"worldbank_wdi_remittances/{name}",
                      github_raw(*_REPO, f"data/remittance/{name}"), sha)


SERIES: tuple[Series, ...] = (
    Series("BX.TRF.PWKR.CD.DT", "current US$", _remote(
        "personal-remittances-received.xls",
        "58700f7aef08affc9e9d74311efdfeaa73c10902da43899e037f96634e9e6a25")),
    Series("BM.TRF.PWKR.CD.DT", "current US$", _remote(
        "personal-remittances-paid.xls",
        "e71a7b2bdfb85d9b47fde644437c6aedade49ab6954d1f4feb76ef67116f2fc6")),
    Series("BX.TRF.PWKR.DT.GD.ZS", "% of GDP", _remote(
        "remittances-received-percent-gdp.xls",
        "8245da2fd2d8ec83bf4fc3b3bc5627b056fd74fde4a17bf5c7c946545fb9f070")),
)
FILES: tuple[RemoteFile, ...] = tuple(s.file for s in SERIES)


def aggregate_codes(meta: pd.DataFrame) -> set[str]:
    """World Bank aggregate codes: rows of ``Metadata - Countries`` whose ``Region`` is blank."""
    region = meta["Region"].astype("string").str.strip()
    return set(meta.loc[region.isna() | (region == ""), "Country Code"].astype(str).str.strip())


def wide_years_to_long(wide: pd.DataFrame, id_col: str, year_cols: list[str]) -> pd.DataFrame:
    """Reshape one-row-per-country year columns to ``(id, year, value)`` rows, empty cells dropped.

    Parameters
    ----------
    wide
        ``id_col`` and numeric ``year_cols`` (labels are year strings such as ``'1990'``).
    id_col
        Country column.
    year_cols
        Year columns, in order.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``year`` (int), ``value`` (float) for every non-empty cell, row-major.
    """
    values = wide[year_cols].to_numpy(dtype=float)
    n, k = values.shape
    flat = values.reshape(-1)
    ok = ~np.isnan(flat)
    years = np.array([int(float(y)) for y in year_cols], dtype="int64")
    return pd.DataFrame({
        "id": np.repeat(wide[id_col].to_numpy(), k)[ok],
        "year": np.tile(years, n)[ok],
        "value": flat[ok],
    })


def load_series(data_dir: Path, series: Series) -> SourceTable:
    """Read one WDI workbook into an ``indicator`` table (see module docstring).

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.
    series
        One of :data:`SERIES`.

    Returns
    -------
    SourceTable
        Values in ``series.unit`` by ISO3 and year; errors name the Excel row and year column.
    """
    path = require_file(data_dir, series.file.path)
    data = read_excel_checked(path, DATA_SHEET, header=HEADER_ROW, keep_default_na=False,
                              na_values=[""])
    meta = read_excel_checked(path, META_SHEET)
    for col in ("Country Code", "Indicator Code"):
        if col not in data.columns:
            raise SourceError(path, f"column {col!r} missing; columns present: "
                              f"{list(data.columns)[:8]}", sheet=DATA_SHEET, field=col,
                              fix="use the workbook as published (header on row 4)")
    if not {"Country Code", "Region"} <= set(meta.columns):
        raise SourceError(path, "columns 'Country Code' and 'Region' expected",
                          sheet=META_SHEET, fix="use the workbook as published")
    codes_found = set(data["Indicator Code"].dropna().astype(str).str.strip())
    if codes_found != {series.code}:
        raise SourceError(path, f"expected indicator {series.code!r} only, found "
                          f"{sorted(codes_found)}", sheet=DATA_SHEET, field="Indicator Code")
    offset = HEADER_ROW + 2  # data row 0 is this Excel row
    year_cols = [c for c in data.columns if label_year(c) is not None]
    if not year_cols:
        raise SourceError(path, "no year columns found in the header", sheet=DATA_SHEET,
                          row=HEADER_ROW + 1)
    wide = pd.DataFrame({"code": data["Country Code"].astype("string").str.strip()})
    if wide["code"].isna().any():
        pos = int(np.flatnonzero(wide["code"].isna().to_numpy())[0])
        raise SourceError(path, "country code missing", sheet=DATA_SHEET, row=pos + offset,
                          field="Country Code")
    for c in year_cols:
        vals = to_numeric_checked(data, c, path, sheet=DATA_SHEET, row_offset=offset,
                                  non_negative=series.non_negative)
        wide[str(c)] = vals
    check_unique(wide, ["code"], path, sheet=DATA_SHEET, row_offset=offset)

    aggs = aggregate_codes(meta)
    is_agg = wide["code"].isin(aggs).to_numpy()
    not_classified = wide["code"].isin(UNCLASSIFIED_CODES).to_numpy()
    dropped = {
        f"aggregate (Region blank in '{META_SHEET}')": int(is_agg.sum()),
        "not classified (INX)": int(not_classified.sum()),
    }
    wide = wide[~(is_agg | not_classified)]
    long = wide_years_to_long(wide, "code", [str(c) for c in year_cols])
    dropped["empty cell"] = int(len(wide) * len(year_cols) - len(long))

    frame = indicator_frame(
        resolve_column(long["id"].astype(str), iso3_resolver(), path, "Country Code",
                       sheet=DATA_SHEET),
        long["year"], long["value"], code=series.code, unit=series.unit, source=SOURCE)
    check_unique(frame, ["code", "iso3", "year"], path, sheet=DATA_SHEET, row_offset=0)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, series.file.path, sha256_file(path), len(frame),
                      dropped)
    return SourceTable(TABLE, frame, prov)


def load(data_dir: Path) -> list[SourceTable]:
    """Load the three WDI remittance series (one ``indicator`` table per file).

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        ``indicator`` tables for the codes in :data:`SERIES`, source ``wdi_remittances``.
    """
    return [load_series(data_dir, s) for s in SERIES]
