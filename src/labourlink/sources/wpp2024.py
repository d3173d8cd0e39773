"""UN DESA World Population Prospects 2024: annual births, deaths, net migration, population.

Read from the R data package ``wpp2024`` 1.1-3 (``PPgp/wpp2024``), whose ``data-raw/*.txt`` files
are the Population Division's annual series as tab-separated text: ``country_code`` (M49),
``country``, then one column per calendar year, in thousands of persons. Estimates run 1950-2023
(``births.txt``, ``deaths.txt``, ``migration.txt`` (plus a column ``last.observed``),
``PopChange.txt``); the Medium-variant projection runs from 2024 (``*projMed.txt``), and
``popprojMed.txt`` holds the projected population at 31 December (2024 ... 2100).
``data/UNlocations.txt`` says which locations are countries or areas (``location_type`` 4) and
which are aggregates (World, regions, income groups).

The loader stores, for every location and year 1950-2024 (2024 from the Medium variant, marked
``variant = 'medium'``), births, deaths, net migration and population change, and rebuilds the
population at 31 December backwards from the published 31 December 2024 with ``PopChange``
(``pop(31 Dec y-1) = pop(31 Dec y) - change(y)``); population on 1 January is the previous
31 December and on 1 July the mean of the two year-ends (the package's convention). These rebuilt
populations equal the published 5-year age totals (``data/popAge5dt.rda``) at every 1 July
1950-2020 within 0.01 thousand (checked in the tests). The derived CSVs under ``derived/`` are not
read. Kosovo (M49 412, no ISO 3166 code) is stored as ``XKX``; the Holy See (336) has no rows in
WPP 2024. Aggregates keep ``iso3`` null and ``is_country`` false, for checks (countries sum to the
World).
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
    sha256_file,
    to_numeric_checked,
)
from labourlink.store.schema import TABLES

SOURCE = "wpp2024"
EDITION = "World Population Prospects 2024 (R package wpp2024 1.1-3)"
PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
TABLE = "wpp_component"
FIRST_YEAR = 1950
LAST_YEAR = 2024  # the first projected year: 31 December 2024 anchors the population series

_REPO = ("PPgp/wpp2024", "2da7768ae64fc74105d3f9e98f9a74d37b62f99a")
_DIR = "wpp2024_components"


def _rf(path: str, sha: str) -> RemoteFile:
    return RemoteFile(f"{_DIR}/{path}", github_raw(*_REPO, path), sha)


FILES: tuple[RemoteFile, ...] = (
    _rf("data-raw/births.txt", "da35ad49f417c9240ca7e6a63ca975943a1a00320863ce12e27bcb753844a883"),
    _rf("data-raw/birthsprojMed.txt",
        "bef9765361a3f4113e6cc2bf3bb7d81655ae75b71a93c0c69156e6dae87973d1"),
    _rf("data-raw/deaths.txt", "56ad8095796d702a314767a0d5bbb14d0f14fb4a41e17dfa10bb0a351153c58f"),
    _rf("data-raw/deathsprojMed.txt",
        "abbad6b5f8a8b3e0dccc80353f5eae72a26b737fa373ab0eb0c50230b8a9d999"),
    _rf("data-raw/migration.txt",
        "19d96c718b06b1d3b80797a229340f3891814eca1771ba74c7a9d5e08e6f4dd7"),
    _rf("data-raw/migrationprojMed.txt",
        "80b8fa46f976b3d62169d0ca4e9757a0136bfb2cb900f0259fccd57f01d13e74"),
    _rf("data-raw/PopChange.txt",
        "f3ddca84bf79b96e7cd81c7d03c5a35f2720ffc12d9b18edd8e87df9941e4a95"),
    _rf("data-raw/PopChangeprojMed.txt",
        "1503d34ca18b5854d163c53490f158db7e242365ce8655678b637f787fecd5c5"),
    _rf("data-raw/popprojMed.txt",
        "3d4e9a9fda6a39c12e67f6bb90e33c71c069c3c73758064c90a0950ca2a5d8f7"),
    _rf("data/UNlocations.txt", "9d8cc77383c4dbd368a4c2cbbeeeff9dfc7037ace7c8ecb709ff17a0786be6eb"),
)

#: component -> (estimates file, projection file), values in thousands of persons per year.
COMPONENTS: dict[str, tuple[str, str]] = {
    "births": ("data-raw/births.txt", "data-raw/birthsprojMed.txt"),
    "deaths": ("data-raw/deaths.txt", "data-raw/deathsprojMed.txt"),
    "net_migration": ("data-raw/migration.txt", "data-raw/migrationprojMed.txt"),
    "pop_change": ("data-raw/PopChange.txt", "data-raw/PopChangeprojMed.txt"),
}
POPULATION_FILE = "data-raw/popprojMed.txt"
LOCATIONS_FILE = "data/UNlocations.txt"
#: Non-year columns a published file may carry besides ``country_code`` and ``country``.
EXTRA_COLUMNS = frozenset({"last.observed"})
#: WPP locations whose M49 code is not an ISO 3166 numeric code, with the ISO3-like code used.
M49_EXTRA: dict[int, str] = {412: "XKX"}
#: ``births - deaths + net migration`` must equal ``pop_change`` within this (thousands): the
#: published series carry rounding and adjustment residuals of up to 4.9 thousand (Ukraine 1989,
#: 0.6 elsewhere); a larger gap means files from different releases or a corrupt file.
ACCOUNTING_TOL = 10.0


def _read_wide(data_dir: Path, rel: str, years: range) -> pd.DataFrame:
    """One published wide file -> long frame (m49, name, year, value) for ``years``."""
    path = require_file(data_dir, f"{_DIR}/{rel}")
    raw = read_csv_checked(path, sep="\t", dtype=str, keep_default_na=False)
    for col in ("country_code", "country"):
        if col not in raw.columns:
            raise SourceError(path, f"column {col!r} missing; columns present: "
                              f"{list(raw.columns)[:10]}", field=col,
                              fix="use the file as published in the wpp2024 R package")
    year_cols = {c: int(c) for c in raw.columns if c.strip().isdigit()}
    unknown = [c for c in raw.columns
               if c not in year_cols and c not in ("country_code", "country", *EXTRA_COLUMNS)]
    if unknown:
        raise SourceError(path, f"unexpected columns {unknown[:5]}", field=unknown[0],
                          fix="use the file as published in the wpp2024 R package")
    missing = [y for y in years if str(y) not in year_cols]
    if missing:
        raise SourceError(path, f"year columns {missing[:5]} missing (need {years.start}-"
                          f"{years.stop - 1})", field=str(missing[0]),
                          fix="use the file as published in the wpp2024 R package")
    m49 = to_numeric_checked(raw, "country_code", path, allow_na=False)
    frac = np.mod(m49.to_numpy(), 1) != 0
    if frac.any():
        pos = int(np.flatnonzero(frac)[0])
        raise SourceError(path, f"country_code {raw['country_code'].iloc[pos]!r} is not an "
                          "integer M49 code", row=pos + 2, field="country_code")
    raw = raw.assign(m49=m49.astype("int64"))
    check_unique(raw, ["m49"], path)
    parts = []
    for y in years:
        col = str(y)
        vals = to_numeric_checked(raw, col, path, allow_na=False)
        parts.append(pd.DataFrame({"m49": raw["m49"].to_numpy(), "name": raw["country"].to_numpy(),
                                   "year": y, "value": vals.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _locations(data_dir: Path) -> pd.DataFrame:
    """m49 -> location_type from ``UNlocations.txt`` (4 = country or area)."""
    path = require_file(data_dir, f"{_DIR}/{LOCATIONS_FILE}")
    raw = read_csv_checked(path, sep="\t", dtype=str, keep_default_na=False)
    for col in ("country_code", "location_type", "name"):
        if col not in raw.columns:
            raise SourceError(path, f"column {col!r} missing", field=col,
                              fix="use the file as published in the wpp2024 R package")
    m49 = to_numeric_checked(raw, "country_code", path, allow_na=False).astype("int64")
    ltype = to_numeric_checked(raw, "location_type", path, allow_na=False).astype("int64")
    out = pd.DataFrame({"m49": m49, "location_type": ltype})
    check_unique(out, ["m49"], path)
    return out


def _iso3(m49: int) -> str:
    from labourlink.countries import iso3_from_m49

    if m49 in M49_EXTRA:
        return M49_EXTRA[m49]
    return iso3_from_m49(m49)


def load(data_dir: Path) -> list[SourceTable]:
    """Load WPP 2024 annual components into table ``wpp_component`` (thousands of persons).

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        One table ``wpp_component``: one row per location (M49) and year 1950-2024, source
        ``wpp2024``. Errors name the file, the (1-based) line and the column.
    """
    est_years = range(FIRST_YEAR, LAST_YEAR)
    proj_years = range(LAST_YEAR, LAST_YEAR + 1)
    wide: dict[str, pd.DataFrame] = {}
    for comp, (est, proj) in COMPONENTS.items():
        both = pd.concat([_read_wide(data_dir, est, est_years),
                          _read_wide(data_dir, proj, proj_years)], ignore_index=True)
        wide[comp] = both
    names = wide["births"].drop_duplicates("m49").set_index("m49")["name"]
    pop_path = Path(data_dir) / _DIR / POPULATION_FILE
    pop = _read_wide(data_dir, POPULATION_FILE, proj_years).set_index("m49")["value"]

    codes = pd.Index(sorted(names.index))
    for comp, frame in wide.items():
        got = pd.Index(sorted(frame["m49"].unique()))
        if not got.equals(codes):
            diff = sorted(set(codes).symmetric_difference(got))
            raise SourceError(Path(data_dir) / _DIR / COMPONENTS[comp][0],
                              f"locations differ from births.txt: M49 {diff[:10]}",
                              fix="use the files of one wpp2024 release")
    if not pd.Index(sorted(pop.index)).equals(codes):
        diff = sorted(set(codes).symmetric_difference(pop.index))
        raise SourceError(pop_path, f"locations differ from births.txt: M49 {diff[:10]}",
                          fix="use the files of one wpp2024 release")

    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    mats = {comp: frame.pivot(index="m49", columns="year", values="value")
            .reindex(index=codes, columns=years).to_numpy()
            for comp, frame in wide.items()}
    resid = mats["births"] - mats["deaths"] + mats["net_migration"] - mats["pop_change"]
    worst = np.unravel_index(int(np.argmax(np.abs(resid))), resid.shape)
    if abs(resid[worst]) > ACCOUNTING_TOL:
        raise SourceError(Path(data_dir) / _DIR / COMPONENTS["pop_change"][0],
                          f"births - deaths + net migration differs from the population change by "
                          f"{resid[worst]:.3f} thousand for M49 {codes[worst[0]]} in "
                          f"{years[worst[1]]}", field=str(years[worst[1]]),
                          fix="the files are from different releases or corrupt; restore them")
    # population at 31 December, backwards from the published 31 December 2024
    dec31 = np.empty_like(mats["pop_change"])
    dec31[:, -1] = pop.reindex(codes).to_numpy()
    for t in range(len(years) - 1, 0, -1):
        dec31[:, t - 1] = dec31[:, t] - mats["pop_change"][:, t]
    jan1 = dec31 - mats["pop_change"]
    jul1 = (jan1 + dec31) / 2.0

    locs = _locations(data_dir).set_index("m49")["location_type"]
    loc_path = Path(data_dir) / _DIR / LOCATIONS_FILE
    absent = [int(c) for c in codes if c not in locs.index]
    if absent:
        raise SourceError(loc_path, f"M49 codes of the data files absent here: {absent[:10]}",
                          fix="use the files of one wpp2024 release")
    is_country = np.array([locs[c] == 4 for c in codes])
    iso3 = [(_iso3(int(c)) if ok else None) for c, ok in zip(codes, is_country, strict=True)]

    n, t = len(codes), len(years)
    frame = pd.DataFrame({
        "m49": np.repeat(codes.to_numpy(), t).astype("int64"),
        "iso3": np.repeat(np.array(iso3, dtype=object), t),
        "area_name": np.repeat(names.reindex(codes).to_numpy(), t),
        "is_country": np.repeat(is_country, t),
        "year": np.tile(years, n).astype("int64"),
        "variant": np.tile(np.where(years >= LAST_YEAR, "medium", "estimate"), n),
        "births_thousands": mats["births"].ravel(),
        "deaths_thousands": mats["deaths"].ravel(),
        "net_migration_thousands": mats["net_migration"].ravel(),
        "pop_change_thousands": mats["pop_change"].ravel(),
        "pop_jan1_thousands": jan1.ravel(),
        "pop_jul1_thousands": jul1.ravel(),
        "pop_dec31_thousands": dec31.ravel(),
        "source": SOURCE,
    })[TABLES[TABLE].column_names]
    if (frame["pop_jan1_thousands"] < 0).any():
        bad = frame.loc[frame["pop_jan1_thousands"] < 0].iloc[0]
        raise SourceError(pop_path, f"rebuilt population is negative for M49 {bad['m49']} in "
                          f"{bad['year']}", fix="the files are from different releases")
    # one provenance row per file read (every file feeds every row): the full table goes with
    # the first file, empty frames carry the provenance of the others
    tables = []
    for i, rf in enumerate(FILES):
        prov = Provenance(SOURCE, EDITION, PUBLISHER, rf.path,
                          sha256_file(Path(data_dir) / rf.path), len(frame), {})
        tables.append(SourceTable(TABLE, frame if i == 0 else frame.iloc[0:0], prov))
    return tables
