"""UN DESA International Migrant Stock 2020, bilateral (destination x origin x sex), persons.

The publisher's workbook ``undesa_pd_2020_ims_stock_by_sex_destination_and_origin.xlsx`` is read
here through its long conversion ``stocks.rda`` shipped by the R package ``gdiviz`` (IOM GMDAC),
the only public copy of the bilateral 2020 table in the data folder. The ``.rda`` is a byte copy of
the package file (``ksreyes/gdiviz`` at ``a3cbe1c``); the CSV beside it is a conversion made for
this project and is not read.

Layout of object ``stocks``: ``to`` (destination ISO3), ``from`` (origin ISO3), ``t`` (year, as a
string), ``sex`` (``Male``/``Female``), ``v`` (persons). There is no total row and pairs whose
value is 0 are absent. This loader stores, for every (origin, destination, year), the rows
``male``, ``female`` and ``total`` = male + female; a pair published for one sex only still gets a
total (equal to that sex). Origin ``XXX`` ("Other / unknown") and the Channel Islands ``CHI`` are
kept: both are documented special codes (:data:`labourlink.countries.SPECIAL_CODES`). Kosovo is
included in Serbia by the publisher.

Summing the total rows over all pairs reproduces the official world totals of the 2020 "by
destination" workbook exactly (2020: 280,598,105 persons).
"""

from __future__ import annotations

from collections.abc import Callable
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
    read_rda_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.store.schema import TABLES

SOURCE = "undesa_ims2020"
EDITION = "POP/DB/MIG/Stock/Rev.2020"
PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
TABLE = "migrant_stock"

_GDIVIZ = ("ksreyes/gdiviz", "a3cbe1c0293c5c385d94cfaf4ad85e91b1cc8013")
FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        "undesa_ims2020_bilateral/stocks.rda",
        github_raw(*_GDIVIZ, "data/stocks.rda"),
        "3b5619ee02a6dd6212dd8bc48af29a14a116a5025899d3657b8f854522429aef",
    ),
)

#: Publisher's sex labels -> store labels.
SEX_LABELS: dict[str, str] = {"Male": "male", "Female": "female"}
_REQUIRED = ("to", "from", "t", "sex", "v")


def iso3_resolver() -> Callable[[str], str | None]:
    """ISO3 codes -> ISO3, letting through the documented special codes (``XXX``, ``CHI``, ...).

    Returns a function mapping a code to itself (ISO3 or special code) or ``None`` if unknown.
    """
    from labourlink.countries import SPECIAL_CODES, resolver

    base = resolver("iso3")
    special = set(SPECIAL_CODES)

    def resolve(code: str) -> str | None:
        code = code.strip()
        return code if code in special else base(code)

    return resolve


def add_totals(by_sex: pd.DataFrame) -> pd.DataFrame:
    """Append ``sex == 'total'`` rows (male + female) to a frame of male/female rows.

    Parameters
    ----------
    by_sex
        Columns ``origin``, ``destination``, ``year``, ``sex`` (``'male'``/``'female'``) and
        ``persons`` (persons), at most one row per key.

    Returns
    -------
    pandas.DataFrame
        The input rows followed by one ``total`` row per (origin, destination, year), whose
        ``persons`` is the sum over the sexes present (a pair with one sex gets that value).
    """
    total = (
        by_sex.groupby(["origin", "destination", "year"], sort=False, as_index=False)["persons"]
        .sum()
        .assign(sex="total")
    )
    return pd.concat([by_sex, total[by_sex.columns]], ignore_index=True)


def _years(t: pd.Series, path: Path) -> pd.Series:
    """Year strings -> int64, converting each distinct value once; bad values name the row."""
    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    year_of: list[int] = []
    for u in uniques:
        try:
            y = float(str(u).strip())
        except ValueError:
            y = float("nan")
        if not (np.isfinite(y) and y.is_integer()):
            pos = int(np.flatnonzero(codes == len(year_of))[0])
            raise SourceError(path, f"expected a whole year, found {u!r}", row=pos + 1, field="t",
                              fix="restore the file as published")
        year_of.append(int(y))
    if (codes < 0).any():
        pos = int(np.flatnonzero(codes < 0)[0])
        raise SourceError(path, "missing year", row=pos + 1, field="t")
    return pd.Series(np.asarray(year_of, dtype="int64")[codes], index=t.index)


def load(data_dir: Path) -> list[SourceTable]:
    """Load the bilateral 2020 migrant stocks into table ``migrant_stock``.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        One table ``migrant_stock`` (persons; sex ``male``, ``female``, ``total``), source
        ``undesa_ims2020``. Error rows are reported as 1-based data rows of object ``stocks``.
    """
    rel = FILES[0].path
    path = require_file(data_dir, rel)
    raw = read_rda_checked(path, "stocks")
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise SourceError(path, f"columns {missing} missing; columns present: {list(raw.columns)}",
                          field=missing[0], fix="use the file as published by gdiviz")
    raw = raw.reset_index(drop=True)

    persons = to_numeric_checked(raw, "v", path, row_offset=1, allow_na=False)
    years = _years(raw["t"], path)
    sex_raw = raw["sex"].astype(str)
    sex = sex_raw.map(SEX_LABELS)
    if sex.isna().any():
        pos = int(np.flatnonzero(sex.isna().to_numpy())[0])
        raise SourceError(path, f"unexpected sex label {str(sex_raw.iloc[pos])!r}; allowed: "
                          f"{sorted(SEX_LABELS)}", row=pos + 1, field="sex")

    resolve = iso3_resolver()
    frame = pd.DataFrame({
        "origin": resolve_column(raw["from"].astype(str), resolve, path, "from"),
        "destination": resolve_column(raw["to"].astype(str), resolve, path, "to"),
        "year": years,
        "sex": sex.astype(str),
        "persons": persons,
    })
    check_unique(frame, ["origin", "destination", "year", "sex"], path, row_offset=1)
    check_non_negative(frame, "persons", path, row_offset=1)
    frame = add_totals(frame)
    frame["source"] = SOURCE
    frame = frame[TABLES[TABLE].column_names].reset_index(drop=True)

    prov = Provenance(SOURCE, EDITION, PUBLISHER, rel, sha256_file(path), len(frame), {})
    return [SourceTable(TABLE, frame, prov)]
