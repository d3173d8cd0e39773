"""Shared machinery for source loaders: provenance records, checked reading, validation.

Every loader module in :mod:`labourlink.sources` exposes ``load(data_dir) -> list[SourceTable]``.
A :class:`SourceTable` is a validated tidy frame destined for one store table, plus its
:class:`Provenance` (publisher, edition, file, sha256, rows, rows dropped and why).

Errors are :class:`labourlink.errors.SourceError` naming the file, sheet, row and field.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from labourlink.errors import SourceError


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a table's rows came from.

    ``source`` is a short stable id (``"undesa_ims2020_bilateral"``), ``edition`` the publisher's
    edition or revision (``"POP/DB/MIG/Stock/Rev.2020"``), ``file`` the path relative to the data
    directory, ``rows`` the number of rows kept, ``dropped`` a mapping reason -> rows dropped.
    """

    source: str
    edition: str
    publisher: str
    file: str
    sha256: str
    rows: int
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A raw file a loader reads: where it goes in the data directory and where it comes from.

    ``path`` is relative to the data directory (the layout of ``shared/data/raw``); ``url`` is the
    address it is published at (``None`` when the file is a derived copy with no public address:
    ``note`` then says how to obtain it); ``sha256`` is the checksum of the expected bytes.
    """

    path: str
    url: str | None
    sha256: str
    note: str = ""


def github_raw(repo: str, commit: str, path: str) -> str:
    """Address of ``path`` in public repository ``repo`` at ``commit`` (raw file download)."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclass(frozen=True, slots=True)
class SourceTable:
    """A validated tidy frame for store table ``table`` with its provenance."""

    table: str
    frame: pd.DataFrame
    provenance: Provenance


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def require_file(data_dir: Path, relpath: str) -> Path:
    """Path of ``relpath`` under ``data_dir``; a clear error if it is missing or empty."""
    path = Path(data_dir) / relpath
    if not path.is_file():
        raise SourceError(
            path,
            "file not found",
            fix=f"put the file under {data_dir} (set LABOURLINK_DATA_DIR) or run "
            "`labourlink data fetch`",
        )
    if path.stat().st_size == 0:
        raise SourceError(path, "file is empty", fix="download it again with `labourlink data fetch`")
    return path


def read_csv_checked(path: Path, **kwargs: object) -> pd.DataFrame:
    """``pandas.read_csv`` whose failures name the file (truncated, empty, malformed)."""
    try:
        df = pd.read_csv(path, **kwargs)  # type: ignore[call-overload]
    except pd.errors.EmptyDataError as exc:
        raise SourceError(path, "file has no data (empty or header only)",
                          fix="download it again with `labourlink data fetch`") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError, ValueError) as exc:
        raise SourceError(path, f"cannot be parsed as CSV ({exc})",
                          fix="the file may be truncated or corrupt; download it again") from exc
    if df.empty:
        raise SourceError(path, "file has a header but no data rows",
                          fix="download it again with `labourlink data fetch`")
    _check_last_line(path, df, kwargs)
    return df


def _check_last_line(path: Path, df: pd.DataFrame, kwargs: dict[str, object]) -> None:
    """A CSV cut off mid-row parses with missing fields; catch it by the last line's field count."""
    import csv
    import io

    sep = kwargs.get("sep", kwargs.get("delimiter", ","))
    if path.suffix.lower() != ".csv" or not isinstance(sep, str) or len(sep) != 1:
        return
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read().decode("utf-8", errors="replace")
    lines = [ln for ln in tail.splitlines() if ln.strip()]
    if not lines:
        return
    fields = next(csv.reader(io.StringIO(lines[-1]), delimiter=sep))
    usecols = kwargs.get("usecols")
    expected = df.shape[1] if usecols is None else None
    if expected is not None and len(fields) < expected:
        raise SourceError(path, f"the last line has {len(fields)} fields where the header has "
                          f"{expected}: the file looks truncated", row=len(df) + 1,
                          fix="download it again with `labourlink data fetch`")


def read_excel_checked(path: Path, sheet: str, **kwargs: object) -> pd.DataFrame:
    """``pandas.read_excel`` of one sheet; errors name the file and the sheet."""
    engine: Literal["xlrd", "openpyxl"] = "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
    try:
        book = pd.ExcelFile(path, engine=engine)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise SourceError(path, f"cannot be opened as an Excel workbook ({type(exc).__name__}: {exc})",
                          fix="the file may be truncated or corrupt; download it again") from exc
    except Exception as exc:  # xlrd raises its own XLRDError family
        raise SourceError(path, f"cannot be opened as an Excel workbook ({type(exc).__name__}: {exc})",
                          fix="the file may be truncated or corrupt; download it again") from exc
    if sheet not in book.sheet_names:
        raise SourceError(path, f"sheet {sheet!r} not found; sheets present: {book.sheet_names}",
                          sheet=sheet, fix="use the workbook as published by the source")
    try:
        return book.parse(sheet, **kwargs)  # type: ignore[call-overload,no-any-return]
    except Exception as exc:
        raise SourceError(path, f"cannot read sheet ({type(exc).__name__}: {exc})", sheet=sheet,
                          fix="the file may be truncated or corrupt; download it again") from exc


def read_rda_checked(path: Path, obj: str) -> pd.DataFrame:
    """One data frame ``obj`` from an R ``.rda`` file (pyreadr); errors name the file."""
    import pyreadr

    try:
        result = pyreadr.read_r(str(path))
    except Exception as exc:
        raise SourceError(path, f"cannot be read as an R data file ({type(exc).__name__}: {exc})",
                          fix="the file may be truncated or corrupt; download it again") from exc
    if obj not in result:
        raise SourceError(path, f"object {obj!r} not found; objects present: {list(result)}",
                          field=obj)
    return result[obj]


def to_numeric_checked(
    df: pd.DataFrame,
    column: str,
    path: Path,
    *,
    sheet: str | None = None,
    row_offset: int = 2,
    na_values: Iterable[str] = (),
    allow_na: bool = True,
    non_negative: bool = False,
) -> pd.Series:
    """Convert ``column`` to float; text that is not a number raises naming the row and field.

    ``row_offset`` converts the frame's positional index to the row number a user sees in the
    file (2 for a CSV with a header line: data row 0 is file line 2). With ``non_negative``
    (stocks, flows, persons) a negative value raises too, as in :func:`check_non_negative`.
    The values keep the unit of the column.
    """
    if column not in df.columns:
        raise SourceError(path, f"column {column!r} missing; columns present: {list(df.columns)[:20]}",
                          sheet=sheet, field=column)
    raw = df[column]
    if pd.api.types.is_numeric_dtype(raw):
        out = raw.astype(float)
    else:
        s = raw.astype("string").str.strip()
        na = set(na_values) | {""}
        s = s.mask(s.isin(na))
        s = s.str.replace(",", "", regex=False).str.replace("\u00a0", "", regex=False)
        out = pd.to_numeric(s, errors="coerce")
        bad = out.isna() & s.notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise SourceError(
                path,
                f"expected a number, found {str(raw.iloc[pos])!r}",
                sheet=sheet, row=pos + row_offset, field=column,
                fix="correct the cell or restore the file as published",
            )
        out = out.astype(float)
    if not allow_na and out.isna().any():
        pos = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise SourceError(path, "missing value where one is required", sheet=sheet,
                          row=pos + row_offset, field=column)
    if non_negative:
        check_non_negative(pd.DataFrame({column: out}), column, path, sheet=sheet,
                           row_offset=row_offset)
    return out


def check_unique(df: pd.DataFrame, keys: Sequence[str], path: Path, *, sheet: str | None = None,
                 row_offset: int = 2) -> None:
    """Raise if two rows share the same key; the message names the first duplicate row."""
    dup = df.duplicated(list(keys), keep="first")
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        key = {k: df[k].iloc[pos] for k in keys}
        raise SourceError(path, f"duplicate key {key}", sheet=sheet, row=pos + row_offset,
                          field="+".join(keys), fix="remove the repeated row")


def check_non_negative(df: pd.DataFrame, column: str, path: Path, *, sheet: str | None = None,
                       row_offset: int = 2) -> None:
    """Raise if ``column`` holds a negative value (stocks, flows and persons cannot be negative)."""
    neg = df[column] < 0
    if neg.any():
        pos = int(np.flatnonzero(neg.to_numpy())[0])
        raise SourceError(path, f"negative value {df[column].iloc[pos]!r}", sheet=sheet,
                          row=pos + row_offset, field=column)


def resolve_column(
    values: pd.Series,
    resolver: Callable[[str], str | None],
    path: Path,
    field_name: str,
    *,
    sheet: str | None = None,
) -> pd.Series:
    """Map names or codes in ``values`` to ISO3 with ``resolver`` (returns None if unknown).

    Every distinct value that does not resolve is listed in one error: nothing is dropped
    silently. Add an explicit mapping entry in :mod:`labourlink.countries` to fix it.
    """
    uniques = pd.unique(values.dropna())
    mapping: dict[object, str] = {}
    unknown: list[str] = []
    for v in uniques:
        iso = resolver(str(v))
        if iso is None:
            unknown.append(str(v))
        else:
            mapping[v] = iso
    if unknown:
        raise SourceError(
            path,
            f"{len(unknown)} country name(s) do not resolve: {sorted(unknown)[:30]}",
            sheet=sheet, field=field_name,
            fix="add the spelling to labourlink/countries/data/aliases.csv, or drop the row as an "
            "aggregate in the loader",
        )
    return values.map(mapping)


def check_columns(df: pd.DataFrame, need: Sequence[str], path: Path, *, fix: str) -> None:
    """Raise if a column in ``need`` is absent; the message lists the missing and present ones."""
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SourceError(path, f"columns missing: {missing}; present: {list(df.columns)}",
                          field=missing[0], fix=fix)


def check_integer(values: pd.Series, path: Path, field_name: str, *, row_offset: int = 2) -> None:
    """Raise if a parsed number in ``values`` (a year, a code) has a fractional part.

    ``row_offset`` converts the positional index to the row a user sees, as in
    :func:`to_numeric_checked` (1 for R data files, 2 for a CSV with a header line).
    """
    frac = np.mod(values.to_numpy(), 1) != 0
    if frac.any():
        pos = int(np.flatnonzero(frac)[0])
        raise SourceError(path, f"{field_name} {values.iloc[pos]!r} is not an integer",
                          row=pos + row_offset, field=field_name)


def trade_frame(
    exporter: object,
    importer: object,
    year: object,
    value: object,
    *,
    unit: str,
    source: str,
    product: object = "_T",
) -> pd.DataFrame:
    """Rows of the store table ``trade`` from aligned arrays, in the table's column order.

    Parameters
    ----------
    exporter, importer : array-like of str
        ISO3 (or store special) codes, one per row.
    year : array-like of int
        Calendar years (cast to int64).
    value : array-like of float
        Trade values in ``unit`` (e.g. ``'current US$'``, ``'EUR'``, ``'log real US$'``).
    unit : str
        The unit of ``value``, stored on every row.
    source : str
        Source id stored on every row.
    product : str or array-like of str, default ``'_T'``
        Product code (``'_T'`` = all products).

    Returns
    -------
    pandas.DataFrame
        Columns of ``TABLES['trade']``; the index is a fresh range index.
    """
    from labourlink.store.schema import TABLES

    return pd.DataFrame({
        "exporter": np.asarray(exporter),
        "importer": np.asarray(importer),
        "year": np.asarray(year).astype("int64"),
        "product": product if isinstance(product, str) else np.asarray(product),
        "value": np.asarray(value),
        "unit": unit,
        "source": source,
    })[TABLES["trade"].column_names]


def covariate_frame(keys: pd.DataFrame, columns: Mapping[str, object], source: str) -> pd.DataFrame:
    """Wide covariates to long ``trade_covariate`` rows, one block of rows per covariate.

    Parameters
    ----------
    keys : pandas.DataFrame
        Columns ``exporter``, ``importer``, ``year``: the pair-years the values belong to.
    columns : Mapping[str, array-like of float]
        Covariate name -> values aligned by position with ``keys`` (units as published: km,
        logs, 0/1 dummies, ids).
    source : str
        Source id stored on every row.

    Returns
    -------
    pandas.DataFrame
        Columns of ``TABLES['trade_covariate']``; ``len(keys) * len(columns)`` rows, covariates
        in the order of ``columns`` and pair-years in the order of ``keys`` within each.
    """
    from labourlink.store.schema import TABLES

    base = keys[["exporter", "importer", "year"]]
    parts = [base.assign(name=name, value=np.asarray(vals)) for name, vals in columns.items()]
    cov = pd.concat(parts, ignore_index=True)
    cov["source"] = source
    return cov[TABLES["trade_covariate"].column_names]


def indicator_frame(
    iso3: object,
    year: object,
    value: object,
    *,
    code: object,
    unit: object,
    source: str,
) -> pd.DataFrame:
    """Rows of the store table ``indicator`` from aligned arrays, in the table's column order.

    Parameters
    ----------
    iso3 : array-like of str
        ISO3 codes, one per row.
    year : array-like of int
        Calendar years (cast to int64).
    value : array-like of float
        Values in ``unit`` (cast to float).
    code : str or array-like of str
        Indicator code(s) (``'BX.TRF.PWKR.CD.DT'``, ``'KNOMAD.REM.IN'``, ...).
    unit : str or array-like of str
        Unit(s) of ``value`` (``'current US$'``, ``'US$ million'``, ``'persons'``, ...).
    source : str
        Source id stored on every row.

    Returns
    -------
    pandas.DataFrame
        Columns of ``TABLES['indicator']``; the index is a fresh range index.
    """
    from labourlink.store.schema import TABLES

    def _col(v: object) -> object:
        return v if isinstance(v, str) else np.asarray(v)

    return pd.DataFrame({
        "iso3": np.asarray(iso3),
        "year": np.asarray(year).astype("int64"),
        "code": _col(code),
        "value": np.asarray(value).astype(float),
        "unit": _col(unit),
        "source": source,
    })[TABLES["indicator"].column_names]


def label_year(label: object) -> int | None:
    """The calendar year a header cell names (``2019``, ``'2019'``, ``2019.0``, ``' 2019 '``).

    ``None`` when the label is not a whole number between 1900 and 2100 (a name, a code, a
    blank or ``NaN``).
    """
    try:
        y = float(str(label).strip())
    except ValueError:
        return None
    return int(y) if y.is_integer() and 1900 <= y <= 2100 else None
