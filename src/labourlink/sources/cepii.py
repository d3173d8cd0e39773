"""CEPII GeoDist (Mayer & Zignago 2011): dyadic distances and dummies, and capital cities.

Two files, two store tables:

``cepii_geodist/dist_cepii.csv`` -> ``pair_geo``
    224 x 224 = 50,176 country pairs: ``contig``, ``comlang_off``, ``comlang_ethno``, ``colony``,
    ``comcol``, ``curcol``, ``col45``, ``smctry`` (0/1) and the distances ``dist``, ``distcap``,
    ``distw``, ``distwces`` (km; stored as ``dist_km`` ...). The file is a CSV saved by a third
    party (no ``.dta`` of it is available in the snapshot), with a UTF-8 byte-order mark and ``.``
    for missing values (2,215 rows have ``distw``/``distwces`` missing: kept as nulls).

    **Publisher typo, repaired explicitly:** the row ``iso_o=ROU, iso_d=BOL`` has ``curcol = "ROU"``
    where a 0/1 dummy is expected. It is a known defect of this copy (the value is the origin code
    shifted into the field); we set that one cell to missing and count it in the provenance
    (``dropped["cells_set_missing: curcol 'ROU' typo (ROU-BOL)"] = 1``). Any *other* text in a
    numeric field raises :class:`~labourlink.errors.SourceError` naming the row and field.

    **Blank destination, repaired explicitly:** the row at line 49,384 has origin ``ZAF`` and an
    empty ``iso_d``; it is the ``ZAF -> KAZ`` row (the ZAF block lacks exactly KAZ and the four
    distances equal those of ``KAZ -> ZAF``). :func:`_repair_blank_destination` fills such a
    blank only when both checks hold, and counts it
    (``dropped["cells_repaired: blank iso_d ..."] = 1``).

    Codes are CEPII ISO3 with legacy codes (``ZAR``, ``YUG``, ``TMP``, ``PAL``, ``ANT``, and
    ``ROM`` in the country file): they are mapped with ``labourlink.countries.resolver('cepii')``.

``cepii_geodist/geo_cepii.xls`` (the official workbook) -> ``country_point`` (kind ``capital``)
    238 city rows for 225 countries; the row flagged ``cap == 1`` is kept (one per country; if a
    country had none, its ``maincity == 1`` row would be used, and the count of such fallbacks is
    recorded in the provenance). Latitude/longitude in decimal degrees (WGS84).
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
    read_csv_checked,
    read_excel_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.store.schema import TABLES

SOURCE = "cepii_geodist"
EDITION = "GeoDist (Mayer & Zignago 2011, CEPII WP 2011-25)"
PUBLISHER = "CEPII"

DIST_FILE = "cepii_geodist/dist_cepii.csv"
GEO_FILE = "cepii_geodist/geo_cepii.xls"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        DIST_FILE,
        github_raw("sadigulcelik/APAM_Migration", "27b0059692ce682b395cbf3a0c638fa31e7d98b5",
                   "dist_cepii.csv"),
        "d0d8cfff26199b55d31758eebbfe4264fff77e80bc1214cd828e7b46f76fd265",
        note="CEPII dist_cepii saved as CSV by a third party (official: cepii.fr, GeoDist)",
    ),
    RemoteFile(
        GEO_FILE,
        github_raw("powell001/gdp_trade", "076d7d647cd3b355be6d6e3731de3a0d5e5ecff1",
                   "data/geo_cepii.xls"),
        "47daca1d6fd51681c0eabe42faa10af72c0e0aa8db013421180191916139bd82",
        note="official CEPII geo_cepii.xls (byte copy)",
    ),
)

DUMMIES: tuple[str, ...] = ("contig", "comlang_off", "comlang_ethno", "colony", "comcol", "curcol",
                            "col45", "smctry")
DISTANCES: tuple[str, ...] = ("dist", "distcap", "distw", "distwces")

#: The one known malformed cell of this copy: (iso_o, iso_d, field, bad text).
KNOWN_TYPO: tuple[str, str, str, str] = ("ROU", "BOL", "curcol", "ROU")
_TYPO_REASON = "cells_set_missing: curcol 'ROU' typo (ROU-BOL)"
_BLANK_REASON = "cells_repaired: blank iso_d inferred from grid and symmetric row (ZAF-KAZ)"


def _resolver() -> Callable[[str], str | None]:
    """``labourlink.countries.resolver('cepii')`` (imported late: the countries data is large)."""
    from labourlink.countries import resolver

    return resolver("cepii")


def load_pair_geo(data_dir: Path) -> SourceTable:
    """Read ``dist_cepii.csv`` into the ``pair_geo`` table.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    SourceTable
        ``pair_geo`` rows: origin/destination ISO3, 0/1 dummies (nullable integers) and distances
        in km (floats; null where CEPII has ``.``).
    """
    path = require_file(data_dir, DIST_FILE)
    # codes as text; numbers parsed by pandas ('.' = missing). A column holding other text stays
    # text and to_numeric_checked then names the first bad row.
    raw = read_csv_checked(path, encoding="utf-8-sig", dtype={"iso_o": str, "iso_d": str},
                           keep_default_na=False, na_values=["."])
    expected = ["iso_o", "iso_d", *DUMMIES, *DISTANCES]
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        raise SourceError(path, f"columns missing: {missing}; columns present: {list(raw.columns)}",
                          fix="use dist_cepii as published by CEPII")
    raw = raw.reset_index(drop=True)

    o, d, fld, bad = KNOWN_TYPO
    text = raw[fld].astype(str).str.strip() if raw[fld].dtype == object else None
    typo = (raw["iso_o"] == o) & (raw["iso_d"] == d) & (text == bad if text is not None else False)
    n_typo = int(typo.sum())
    if n_typo:
        raw.loc[typo, fld] = np.nan

    n_blank = _repair_blank_destination(raw, path)

    out = pd.DataFrame({
        "iso_o": resolve_column(raw["iso_o"].str.strip(), _resolver(), path, "iso_o"),
        "iso_d": resolve_column(raw["iso_d"].str.strip(), _resolver(), path, "iso_d"),
    })
    for col in DUMMIES:
        vals = to_numeric_checked(raw, col, path, na_values=(".",))
        ok = vals.isna() | vals.isin([0.0, 1.0])
        if not ok.all():
            pos = int(np.flatnonzero(~ok.to_numpy())[0])
            raise SourceError(path, f"expected a 0/1 dummy, found {raw[col].iloc[pos]!r}",
                              row=pos + 2, field=col, fix="restore the file as published")
        out[col] = vals.astype("Int64")
    for col in DISTANCES:
        out[f"{col}_km"] = to_numeric_checked(raw, col, path, na_values=(".",))
        check_non_negative(out, f"{col}_km", path)
    if out["dist_km"].isna().any():
        pos = int(np.flatnonzero(out["dist_km"].isna().to_numpy())[0])
        raise SourceError(path, "missing distance where CEPII always has one", row=pos + 2,
                          field="dist")
    out["source"] = SOURCE
    out = out[TABLES["pair_geo"].column_names]
    check_unique(out, TABLES["pair_geo"].key, path)
    dropped = {_TYPO_REASON: n_typo} if n_typo else {}
    if n_blank:
        dropped[_BLANK_REASON] = n_blank
    prov = Provenance(SOURCE, EDITION, PUBLISHER, DIST_FILE, sha256_file(path), len(out), dropped)
    return SourceTable("pair_geo", out, prov)


def _repair_blank_destination(raw: pd.DataFrame, path: Path) -> int:
    """Fill a blank ``iso_d`` from the square grid, checked against the symmetric row.

    The file is a full 224 x 224 grid sorted by origin then destination. In this copy one row
    (line 49384, origin ``ZAF``) has an empty ``iso_d``: it sits between ``JPN`` and ``KEN``, the
    ``ZAF`` block lacks exactly ``KAZ``, and its four distances equal those of the row
    ``KAZ, ZAF``. A blank destination is filled only when all of that holds (exactly one code
    missing from the origin's block and identical distances in the mirror row); otherwise the
    blank is an error. Returns the number of cells filled (modifies ``raw`` in place).
    """
    blank = raw["iso_d"].str.strip() == ""
    if (raw["iso_o"].str.strip() == "").any():
        first = int(np.flatnonzero((raw["iso_o"].str.strip() == "").to_numpy())[0])
        raise SourceError(path, "empty origin code", row=first + 2, field="iso_o",
                          fix="restore the file as published")
    if not blank.any():
        return 0
    all_codes = set(raw.loc[~blank, "iso_d"].str.strip()) | set(raw["iso_o"].str.strip())
    for pos in (int(i) for i in np.flatnonzero(blank.to_numpy())):
        origin = raw["iso_o"].iloc[pos].strip()
        block = set(raw.loc[raw["iso_o"].str.strip() == origin, "iso_d"].str.strip()) - {""}
        candidates = sorted(all_codes - block)
        ok = len(candidates) == 1
        if ok:
            mirror = raw[(raw["iso_o"].str.strip() == candidates[0])
                         & (raw["iso_d"].str.strip() == origin)]
            ok = len(mirror) == 1 and all(
                str(mirror[c].iloc[0]).strip() == str(raw[c].iloc[pos]).strip()
                and pd.notna(raw[c].iloc[pos]) for c in DISTANCES)
        if not ok:
            raise SourceError(path, f"empty destination code for origin {origin!r} that cannot be "
                              f"inferred (candidates {candidates[:5]})", row=pos + 2,
                              field="iso_d", fix="restore the file as published")
        raw.loc[raw.index[pos], "iso_d"] = candidates[0]
    return int(blank.sum())


def load_capitals(data_dir: Path) -> SourceTable:
    """Read ``geo_cepii.xls`` into ``country_point`` rows of kind ``'capital'``.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files.

    Returns
    -------
    SourceTable
        One row per ISO3: the capital city (``cap == 1``), else the main city; latitude and
        longitude in decimal degrees.
    """
    path = require_file(data_dir, GEO_FILE)
    sheet = "geo_cepii"
    raw = read_excel_checked(path, sheet, dtype={"iso3": str})
    for col in ("iso3", "cap", "maincity", "lat", "lon"):
        if col not in raw.columns:
            raise SourceError(path, f"column {col!r} missing; columns present: {list(raw.columns)}",
                              sheet=sheet, field=col)
    raw = raw.reset_index(drop=True)
    cap = to_numeric_checked(raw, "cap", path, sheet=sheet, allow_na=False)
    main = to_numeric_checked(raw, "maincity", path, sheet=sheet, allow_na=False)
    lat = to_numeric_checked(raw, "lat", path, sheet=sheet, allow_na=False)
    lon = to_numeric_checked(raw, "lon", path, sheet=sheet, allow_na=False)
    _check_coordinates(lat, lon, path, sheet)
    iso = raw["iso3"].astype(str).str.strip()

    frame = pd.DataFrame({"code": iso, "cap": cap, "main": main, "lat": lat, "lon": lon})
    frame["rank"] = np.where(frame["cap"] == 1, 0, np.where(frame["main"] == 1, 1, 2))
    frame = frame[frame["rank"] < 2].sort_values(["code", "rank"], kind="stable")
    best = frame.drop_duplicates("code", keep="first")
    missing = sorted(set(iso) - set(best["code"]))
    if missing:
        raise SourceError(path, f"no capital (cap==1) or main city (maincity==1) row for {missing}",
                          sheet=sheet, field="cap")
    n_fallback = int((best["rank"] == 1).sum())
    out = pd.DataFrame({
        "iso3": resolve_column(best["code"], _resolver(), path, "iso3", sheet=sheet).to_numpy(),
        "lat": best["lat"].to_numpy(),
        "lon": best["lon"].to_numpy(),
        "kind": "capital",
        "source": SOURCE,
    })[TABLES["country_point"].column_names]
    check_unique(out, TABLES["country_point"].key, path, sheet=sheet)
    dropped = {"non_capital_city_rows": len(raw) - len(out)}
    if n_fallback:
        dropped["countries_using_main_city_for_capital"] = n_fallback
    prov = Provenance(SOURCE, EDITION, PUBLISHER, GEO_FILE, sha256_file(path), len(out), dropped)
    return SourceTable("country_point", out, prov)


def _check_coordinates(lat: pd.Series, lon: pd.Series, path: Path, sheet: str | None) -> None:
    """Raise if a latitude is outside [-90, 90] or a longitude outside [-180, 180]."""
    for s, name, lim in ((lat, "lat", 90.0), (lon, "lon", 180.0)):
        bad = s.abs() > lim
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise SourceError(path, f"{name} {s.iloc[pos]!r} outside [-{lim:g}, {lim:g}] degrees",
                              sheet=sheet, row=pos + 2, field=name)


def load(data_dir: Path) -> list[SourceTable]:
    """Load CEPII GeoDist: ``pair_geo`` (dist_cepii) and capital points (geo_cepii).

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        ``[pair_geo, country_point]``.
    """
    return [load_pair_geo(Path(data_dir)), load_capitals(Path(data_dir))]
