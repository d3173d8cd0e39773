"""UN DESA International Migrant Stock 2019, bilateral (destination x origin), persons, both sexes.

Read from the "clean" wide extract of the publisher's ``UN_MigrantStockByOriginAndDestination_2019
.xlsx`` (Table 1) made by the IOM World Migration Report workflow (``guyabel/stepladderChapter``);
the publisher's bilateral 2019 workbook itself is not in the data folder. Columns: ``Year``,
``Dest`` (destination **name**), then one column per origin (232 UN country names); values are
persons, both sexes, so only ``sex == 'total'`` rows are stored in ``migrant_stock``.

Quirks handled here (see MANIFEST.md):

- countries are identified by UN DESA names only (resolved with ``resolver('undesa')``);
- ``..`` marks a missing value; four cells (Dest Montenegro x origin Albania, 1990-2005) hold
  ``-`` (no separate estimate before Montenegro's independence): both are treated as "not
  published" and the cells are dropped and counted;
- five regional subtotal rows remain in ``Dest`` (``Caribbean``, ``Melanesia``, ``Micronesia``,
  ``Polynesia``, ``South America``, each the sum of its member rows): they are dropped and counted
  (35 rows, 7 years x 5);
- the "Other North"/"Other South" origin columns and the totals were dropped by the extract's
  authors, so the country-to-country sum (2019: 260,283,744 persons) is below the official world
  total (271,642,105); with the five subtotal rows the file sums to 270,048,342 (as MANIFEST says);
- rows follow the UN sort order (nothing here depends on the order);
- zero cells are dropped and counted, so that, as in the 2020 table (``undesa_ims2020``), a pair
  absent from ``migrant_stock`` means zero persons.
"""

from __future__ import annotations

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
    read_csv_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.store.schema import TABLES

SOURCE = "undesa_ims2019"
EDITION = "POP/DB/MIG/Stock/Rev.2019"
PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
TABLE = "migrant_stock"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        "undesa_ims2019_bilateral/UN_MigrantStockByOriginAndDestination_2019_clean.csv",
        github_raw("guyabel/stepladderChapter", "dfa46c6512b0242bd3c82b822ed21a06eb2d7fcf",
                   "archive/UN_MigrantStockByOriginAndDestination_2019_clean.csv"),
        "5aa066f9666b2cabac0347fc2e2794ef99767fc36aa44cc12de82c32d40e4cda",
    ),
)

#: Regional subtotal rows left in the ``Dest`` column of the extract (dropped, counted).
REGION_ROWS: frozenset[str] = frozenset(
    {"Caribbean", "Melanesia", "Micronesia", "Polynesia", "South America"}
)
#: Cell markers meaning "no figure published".
MISSING_MARKERS: tuple[str, ...] = ("..", "-")


def wide_to_long(wide: pd.DataFrame, id_cols: tuple[str, str] = ("Year", "Dest")) -> pd.DataFrame:
    """Reshape a destination-by-origin wide frame to long rows, dropping empty cells.

    Parameters
    ----------
    wide
        ``id_cols`` then one numeric column per origin (persons; NaN = not published).
    id_cols
        The year and destination columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``dest``, ``origin``, ``persons`` for every non-empty cell, in row-major
        order (row by row of ``wide``).
    """
    year_col, dest_col = id_cols
    origins = [c for c in wide.columns if c not in id_cols]
    values = wide[origins].to_numpy(dtype=float)
    n, k = values.shape
    flat = values.reshape(-1)
    ok = ~np.isnan(flat)
    return pd.DataFrame({
        "year": np.repeat(wide[year_col].to_numpy(), k)[ok],
        "dest": np.repeat(wide[dest_col].to_numpy(), k)[ok],
        "origin": np.tile(np.asarray(origins, dtype=object), n)[ok],
        "persons": flat[ok],
    })


def load(data_dir: Path) -> list[SourceTable]:
    """Load the 2019 bilateral stocks (both sexes) into table ``migrant_stock``.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        One table ``migrant_stock`` (persons, ``sex == 'total'``), source ``undesa_ims2019``.
        Errors name the CSV line (header = line 1) and the origin column.
    """
    rel = FILES[0].path
    path = require_file(data_dir, rel)
    wide = read_csv_checked(path, dtype={"Dest": str}, keep_default_na=False,
                            na_values={"Dest": [""]})
    for col in ("Year", "Dest"):
        if col not in wide.columns:
            raise SourceError(path, f"column {col!r} missing; columns present: "
                              f"{list(wide.columns)[:10]}", field=col)
    origins = [c for c in wide.columns if c not in ("Year", "Dest")]
    if not origins:
        raise SourceError(path, "no origin columns after 'Year' and 'Dest'")

    years = to_numeric_checked(wide, "Year", path, allow_na=False)
    if ((years % 1) != 0).any():
        pos = int(np.flatnonzero(((years % 1) != 0).to_numpy())[0])
        raise SourceError(path, f"year {wide['Year'].iloc[pos]!r} is not a whole number",
                          row=pos + 2, field="Year")
    dest = wide["Dest"].astype("string").str.strip()
    if dest.isna().any():
        pos = int(np.flatnonzero(dest.isna().to_numpy())[0])
        raise SourceError(path, "destination name missing", row=pos + 2, field="Dest")

    numeric = pd.DataFrame({"Year": years.astype("int64"), "Dest": dest.astype(str)})
    cols = {}
    for col in origins:
        s = wide[col]
        if not pd.api.types.is_numeric_dtype(s):
            s = s.mask(s.astype("string").str.strip().isin(MISSING_MARKERS))
        vals = to_numeric_checked(pd.DataFrame({col: s}), col, path, non_negative=True)
        cols[col] = vals
    numeric = pd.concat([numeric, pd.DataFrame(cols)], axis=1)
    check_unique(numeric, ["Year", "Dest"], path)

    region = numeric["Dest"].isin(REGION_ROWS).to_numpy()
    dropped = {"regional subtotal row in Dest (5 regions x 7 years)": int(region.sum())}
    numeric = numeric[~region]
    long = wide_to_long(numeric)
    empty = len(numeric) * len(origins) - len(long)
    dropped["empty cell ('..' or '-': not published)"] = int(empty)
    zero = (long["persons"] == 0).to_numpy()
    dropped["zero cell (absent pair, as in the 2020 table)"] = int(zero.sum())
    long = long[~zero]

    from labourlink.countries import resolver

    undesa = resolver("undesa")
    frame = pd.DataFrame({
        "origin": resolve_column(long["origin"], undesa, path, "origin column"),
        "destination": resolve_column(long["dest"], undesa, path, "Dest"),
        "year": long["year"].astype("int64"),
        "sex": "total",
        "persons": long["persons"].astype(float),
        "source": SOURCE,
    })[TABLES[TABLE].column_names]
    check_unique(frame, ["origin", "destination", "year", "sex"], path, row_offset=0)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, rel, sha256_file(path), len(frame), dropped)
    return [SourceTable(TABLE, frame, prov)]
