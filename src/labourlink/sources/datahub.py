"""World Bank WDI GDP and population, as packaged by datahub.io "core" datasets.

- ``gdp.csv`` (``datasets/gdp``): ``NY.GDP.MKTP.CD``, GDP in current US$, 1960-2023;
- ``population.csv`` (``datasets/population``): ``SP.POP.TOTL``, population, persons, 1960-2024.

These CSVs are the datahub packages' own files (byte copies), so they are read as published.
Columns ``Country Name``, ``Country Code``, ``Year``, ``Value``. Country codes are ISO3 plus the
World Bank's aggregate codes (``WLD``, ``EAS``, ``HIC``, ...): rows whose code is in
:data:`labourlink.countries.WB_AGGREGATE_CODES` are dropped and counted; every other code must
resolve with ``resolver('iso3')`` (or be a documented special code), else the load fails listing
the codes. Empty values are dropped and counted. GDP per capita can be computed as gdp /
population (WDI ``NY.GDP.PCAP.CD`` is not in the data folder).
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
    check_non_negative,
    check_unique,
    github_raw,
    indicator_frame,
    read_csv_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.sources.undesa_ims2020 import iso3_resolver

SOURCE = "datahub_wdi"
PUBLISHER = "World Bank (World Development Indicators), packaged by datahub.io"
TABLE = "indicator"


@dataclass(frozen=True, slots=True)
class Dataset:
    """One datahub CSV: WDI code, unit and file."""

    code: str
    unit: str
    edition: str
    file: RemoteFile


DATASETS: tuple[Dataset, ...] = (
    Dataset("NY.GDP.MKTP.CD", "current US$", "datahub core/gdp (WDI)", RemoteFile(
        "datahub_core/gdp.csv",
        github_raw("datasets/gdp", "1cdcd2eb2364edd9da24bcbe134c1a9e0fb4c693", "data/gdp.csv"),
        "f0a8408195646dbb1a9d7fc4424e2d302ee5380d0ec8834793f12ca25cbd7e2c")),
    Dataset("SP.POP.TOTL", "persons", "datahub core/population (WDI)", RemoteFile(
        "datahub_core/population.csv",
        github_raw("datasets/population", "425fc447a53a26c767a15a7de60c4cc2478a0595",
                   "data/population.csv"),
        "7d2dd6a17f5ed7916de1f89a9c116791e64d207f2e2f6ce47c57e1ab46f0088a")),
)
FILES: tuple[RemoteFile, ...] = tuple(d.file for d in DATASETS)
_COLUMNS = ("Country Name", "Country Code", "Year", "Value")


def load_dataset(data_dir: Path, ds: Dataset) -> SourceTable:
    """Read one datahub CSV into an ``indicator`` table.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.
    ds
        One of :data:`DATASETS`.

    Returns
    -------
    SourceTable
        Values in ``ds.unit`` by ISO3 and year; errors name the CSV line and field.
    """
    from labourlink.countries import WB_AGGREGATE_CODES

    path = require_file(data_dir, ds.file.path)
    raw = read_csv_checked(path, dtype={"Country Name": str, "Country Code": str},
                           keep_default_na=False, na_values=[""])
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise SourceError(path, f"columns {missing} missing; columns present: {list(raw.columns)}",
                          field=missing[0], fix="use the file as published by datahub")
    value = to_numeric_checked(raw, "Value", path)
    year = to_numeric_checked(raw, "Year", path, allow_na=False)
    if ((year % 1) != 0).any():
        pos = int(np.flatnonzero(((year % 1) != 0).to_numpy())[0])
        raise SourceError(path, f"year {raw['Year'].iloc[pos]!r} is not a whole number",
                          row=pos + 2, field="Year")
    code = raw["Country Code"].astype("string").str.strip()
    if code.isna().any():
        pos = int(np.flatnonzero(code.isna().to_numpy())[0])
        raise SourceError(path, "country code missing", row=pos + 2, field="Country Code")
    tidy = pd.DataFrame({"code": code.astype(str), "year": year.astype("int64"), "value": value})
    check_unique(tidy, ["code", "year"], path)
    check_non_negative(tidy, "value", path)

    agg = tidy["code"].isin(set(WB_AGGREGATE_CODES)).to_numpy()
    empty = tidy["value"].isna().to_numpy()
    dropped = {
        "World Bank aggregate code (WB_AGGREGATE_CODES)": int(agg.sum()),
        "empty value": int((empty & ~agg).sum()),
    }
    tidy = tidy[~agg & ~empty]
    frame = indicator_frame(resolve_column(tidy["code"], iso3_resolver(), path, "Country Code"),
                            tidy["year"], tidy["value"], code=ds.code, unit=ds.unit, source=SOURCE)
    check_unique(frame, ["code", "iso3", "year"], path, row_offset=0)
    prov = Provenance(SOURCE, ds.edition, PUBLISHER, ds.file.path, sha256_file(path), len(frame),
                      dropped)
    return SourceTable(TABLE, frame, prov)


def load(data_dir: Path) -> list[SourceTable]:
    """Load datahub GDP (current US$) and population (persons) as ``indicator`` tables.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        ``NY.GDP.MKTP.CD`` and ``SP.POP.TOTL``, source ``datahub_wdi``.
    """
    return [load_dataset(data_dir, d) for d in DATASETS]
