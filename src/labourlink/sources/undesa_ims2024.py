"""UN DESA International Migrant Stock 2024, bilateral (destination x origin x sex), persons.

The publisher's workbook ``undesa_pd_2024_ims_stock_by_sex_destination_and_origin.xlsx`` is not
held in any public repository that could be copied into the data folder. The same table is read
here from the R workspaces saved by the UN DESA application "International Migrant Stocks at a
Glance" (K. Andreev et al., 2025; ``kirillfandreev/migrantstock``): one file
``rev2023/<M49>_Rev2023.RData`` per destination, the copy closest to the publisher (the long CSV
beside them is a conversion made for the data folder and is not read).

Layout of the one data frame in each file: ``yearref`` (mid-year, 1990.5 ... 2024.5), ``value``
(persons), ``LocID`` (destination M49, the file's code), ``sex`` (0 both sexes, 1 male,
2 female), ``LocIDorg`` (origin M49; 0 = total over origins), ``age``/``agelength`` (the
all-ages rows are ``age == 0 & agelength == 0``; the files also hold totals by age group),
``PopulationUniverse`` and ``source``.

What this loader keeps: all-ages rows of a named origin (``LocIDorg != 0``), years as integers
(1990, 1995, ..., 2020, **2024**), sexes ``total`` (the publisher's both-sexes figure),
``male`` and ``female``. Origin "Other" (M49 2003, no ISO3) is the special code ``XXX``; the
Channel Islands (830) are ``CHI``, as in the 2020 revision. Quirks handled:

- Hungary <- United Arab Emirates 1990 has no both-sexes row while male and female are 0: the
  total of a pair-year published by sex only is male + female (here 0);
- the publisher's both-sexes figure must equal male + female wherever all three exist (checked);
- zero cells are dropped and counted (as in the 2020 and 2019 tables): a pair absent from
  ``migrant_stock`` means zero persons;
- the files for Saint-Barthelemy (652) and Saint-Martin (663) are empty (233 destinations have
  data); two 1990 rows of origin "Other" carry the tag ``Rev2022`` and are kept (they sum to the
  official totals).

Summing over origins reproduces every destination's total in the 2024 "by destination" workbook
and summing over destinations every origin's total in the "by origin" workbook, exactly (world
2024: 304,021,813 persons). The 2024 revision restates history (world 2020: 275,284,032 here,
280,598,105 in the 2020 revision): rows keep ``source = 'undesa_ims2024'`` and are never mixed
with another revision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    github_raw,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.store.schema import TABLES

SOURCE = "undesa_ims2024"
EDITION = "POP/DB/MIG/Stock/Rev.2024"
PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
TABLE = "migrant_stock"
FOLDER = "undesa_ims2024_bilateral/rev2023"

_REPO = ("kirillfandreev/migrantstock", "6f8cd595edafc039db3f8fc3937796946f603741")
#: Origin code of the publisher's "Other" origin (no ISO3) and the store's special code for it.
OTHER_ORIGIN_M49 = 2003
OTHER_ORIGIN = "XXX"
SEX_LABELS: dict[int, str] = {0: "total", 1: "male", 2: "female"}
_REQUIRED = ("yearref", "value", "LocID", "sex", "LocIDorg", "age", "agelength")


@cache
def _checksums() -> tuple[tuple[str, str], ...]:
    """(file name, sha256) of every per-destination workspace, from the package's checksum list."""
    text = resources.files("labourlink.sources").joinpath(
        "data/undesa_ims2024_rev2023_sha256.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.splitlines()[1:] if line.strip()]
    return tuple((name, sha) for name, sha in rows)


FILES: tuple[RemoteFile, ...] = tuple(
    RemoteFile(f"{FOLDER}/{name}", github_raw(*_REPO, f"data/{name}"), sha)
    for name, sha in _checksums()
)


def m49_resolver() -> Callable[[str], str | None]:
    """UN M49 code -> ISO3, with origin "Other" (2003) -> ``XXX``; ``None`` if unknown."""
    from labourlink.countries import resolver

    base = resolver("m49")

    def resolve(code: str) -> str | None:
        code = code.strip()
        if code == str(OTHER_ORIGIN_M49):
            return OTHER_ORIGIN
        return base(code) or base(code.zfill(3))

    return resolve


def _m49_of(rel: str) -> int:
    return int(Path(rel).name.split("_", 1)[0])


def read_destination(path: Path, m49: int) -> pd.DataFrame:
    """The all-ages bilateral rows of one destination's workspace.

    Parameters
    ----------
    path
        ``<M49>_Rev2023.RData``.
    m49
        The destination's M49 code (from the file name); every row's ``LocID`` must equal it.

    Returns
    -------
    pandas.DataFrame
        Columns ``dest_m49``, ``orig_m49``, ``year`` (int), ``sex`` (``total``/``male``/
        ``female``), ``persons`` and ``row`` (1-based row of the file's data frame, for errors).
        Empty for the publisher's empty workspaces.
    """
    import pyreadr

    try:
        objects = pyreadr.read_r(str(path))
    except Exception as exc:
        raise SourceError(path, f"cannot be read as an R data file ({type(exc).__name__}: {exc})",
                          fix="the file may be truncated or corrupt; download it again with "
                          "`labourlink data fetch`") from exc
    if not objects:  # 652 and 663 are published empty
        return pd.DataFrame(columns=["dest_m49", "orig_m49", "year", "sex", "persons", "row"])
    if len(objects) != 1:
        raise SourceError(path, f"expected one data frame, found {list(objects)}",
                          fix="use the file as published")
    raw = next(iter(objects.values()))
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise SourceError(path, f"columns {missing} missing; columns present: {list(raw.columns)}",
                          field=missing[0], fix="use the file as published")
    raw = raw.reset_index(drop=True)
    num = {c: (raw[c].to_numpy(dtype="float64") if pd.api.types.is_numeric_dtype(raw[c])
               else to_numeric_checked(raw, c, path, row_offset=1).to_numpy())
           for c in _REQUIRED}
    for c in _REQUIRED:
        if c != "value" and np.isnan(num[c]).any():
            pos = int(np.flatnonzero(np.isnan(num[c]))[0])
            raise SourceError(path, "missing value where one is required", row=pos + 1, field=c,
                              fix="restore the file as published")
    keep = (num["age"] == 0) & (num["agelength"] == 0) & (num["LocIDorg"] != 0)
    rows = np.flatnonzero(keep)
    if (num["LocID"] != m49).any():
        pos = int(np.flatnonzero(num["LocID"] != m49)[0])
        raise SourceError(path, f"destination code {num['LocID'][pos]:g} in a file named for "
                          f"{m49}", row=pos + 1, field="LocID", fix="restore the file as published")
    sex_code = num["sex"][rows]
    bad_sex = ~np.isin(sex_code, list(SEX_LABELS))
    if bad_sex.any():
        pos = int(rows[np.flatnonzero(bad_sex)[0]])
        raise SourceError(path, f"unexpected sex code {sex_code[bad_sex][0]:g}; allowed: "
                          f"{sorted(SEX_LABELS)} (0 both sexes, 1 male, 2 female)", row=pos + 1,
                          field="sex")
    yearref = num["yearref"][rows]
    year = np.floor(yearref)
    bad_year = ~np.isfinite(yearref) | (yearref - year != 0.5)
    if bad_year.any():
        pos = int(rows[np.flatnonzero(bad_year)[0]])
        raise SourceError(path, f"expected a mid-year reference such as 2024.5, found "
                          f"{yearref[bad_year][0]!r}", row=pos + 1, field="yearref")
    persons = num["value"][rows]
    negative = persons < 0
    if negative.any():
        pos = int(rows[np.flatnonzero(negative)[0]])
        raise SourceError(path, f"negative number of persons {persons[negative][0]:g}", row=pos + 1,
                          field="value", fix="restore the file as published")
    return pd.DataFrame({
        "dest_m49": np.full(len(rows), m49, dtype="int64"),
        "orig_m49": num["LocIDorg"][rows].astype("int64"),
        "year": year.astype("int64"),
        "sex": np.array([SEX_LABELS[0], SEX_LABELS[1], SEX_LABELS[2]])[sex_code.astype("int64")],
        "persons": persons,
        "row": rows + 1,
        "file": str(path),
    })


def _reconcile_sexes(long: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One row per (pair, year, sex): fill a missing or blank both-sexes figure with male + female
    and check the publisher's both-sexes figure equals male + female elsewhere.

    Returns the frame (columns ``dest_m49, orig_m49, year, sex, persons``) and the number of
    totals filled from the sexes.
    """
    dup = long.duplicated(["dest_m49", "orig_m49", "year", "sex"], keep=False)
    if dup.any():
        first = long[dup].iloc[0]
        raise SourceError(first["file"], f"repeated row for origin {first['orig_m49']}, year "
                          f"{first['year']}, sex {first['sex']}", row=int(first["row"]),
                          fix="restore the file as published")
    wide = long.pivot(index=["dest_m49", "orig_m49", "year"], columns="sex", values="persons")
    for s in SEX_LABELS.values():
        if s not in wide.columns:
            wide[s] = np.nan
    by_sex = wide[["male", "female"]]
    both_known = by_sex.notna().all(axis=1)
    sum_sexes = by_sex.sum(axis=1, min_count=2)
    fill = wide["total"].isna() & both_known
    filled = int(fill.sum())
    wide.loc[fill, "total"] = sum_sexes[fill]
    check = wide["total"].notna() & both_known
    gap = (wide.loc[check, "total"] - sum_sexes[check]).abs()
    if (gap > 0.5).any():
        key = gap.idxmax()
        hit = long[(long["dest_m49"] == key[0]) & (long["orig_m49"] == key[1])
                   & (long["year"] == key[2])].iloc[0]
        raise SourceError(hit["file"], f"both-sexes figure {wide.loc[key, 'total']:,.0f} differs "
                          f"from male + female {sum_sexes[key]:,.0f} (origin {key[1]}, year "
                          f"{key[2]})", row=int(hit["row"]), field="value",
                          fix="restore the file as published")
    if wide["total"].isna().any():
        key = wide.index[wide["total"].isna().to_numpy()][0]
        hit = long[(long["dest_m49"] == key[0]) & (long["orig_m49"] == key[1])
                   & (long["year"] == key[2])].iloc[0]
        raise SourceError(hit["file"], f"no both-sexes figure and incomplete figures by sex "
                          f"(origin {key[1]}, year {key[2]})", row=int(hit["row"]), field="value",
                          fix="restore the file as published")
    out = wide[list(SEX_LABELS.values())].stack(future_stack=True).rename("persons").reset_index()
    return out.dropna(subset=["persons"]), filled


def combined_sha256(checksums: list[tuple[str, str]]) -> str:
    """One checksum for a multi-file source: sha256 of the sorted ``name  sha256`` lines."""
    blob = "".join(f"{sha}  {name}\n" for name, sha in sorted(checksums))
    return hashlib.sha256(blob.encode()).hexdigest()


def load(data_dir: Path) -> list[SourceTable]:
    """Load the bilateral 2024 migrant stocks into table ``migrant_stock``.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        One table ``migrant_stock`` (persons; sex ``total``, ``male``, ``female``), source
        ``undesa_ims2024``. Its provenance names the folder, the number of files and one sha256
        over the per-file checksums (:func:`combined_sha256`). Errors name the file and the
        1-based row of its data frame.
    """
    parts: list[pd.DataFrame] = []
    sums: list[tuple[str, str]] = []
    for rf in FILES:
        path = require_file(data_dir, rf.path)
        sums.append((Path(rf.path).name, sha256_file(path)))
        parts.append(read_destination(path, _m49_of(rf.path)))
    long = pd.concat([p for p in parts if len(p)], ignore_index=True)
    table, filled = _reconcile_sexes(long)
    zero = table["persons"] == 0
    dropped = {"zero cell (absent pair, as in the 2020 table)": int(zero.sum())}
    if filled:  # Hungary <- UAE 1990: total taken as male + female (0), then dropped as zero
        dropped["of which pair-years without a both-sexes figure (male + female = 0)"] = filled
    table = table[~zero].reset_index(drop=True)
    resolve = m49_resolver()
    folder = Path(data_dir) / FOLDER
    frame = pd.DataFrame({
        "origin": resolve_column(table["orig_m49"].astype(str), resolve, folder, "LocIDorg"),
        "destination": resolve_column(table["dest_m49"].astype(str), resolve, folder, "LocID"),
        "year": table["year"].astype("int64"),
        "sex": table["sex"].astype(str),
        "persons": table["persons"].astype("float64"),
    })
    frame["source"] = SOURCE
    frame = frame[TABLES[TABLE].column_names]
    prov = Provenance(SOURCE, EDITION, PUBLISHER, f"{FOLDER}/<M49>_Rev2023.RData ({len(FILES)} files)",
                      combined_sha256(sums), len(frame), dropped)
    return [SourceTable(TABLE, frame, prov)]
