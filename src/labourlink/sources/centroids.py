"""Country centroids for maps: 360info (largest polygon) plus mledoze points for territories.

``country_centroids/centroids-oflargestpoly.csv`` (360info, computed from geoBoundaries ADM0)
    The centroid of each country's **largest polygon**; this file (not ``centroids.csv``, which uses
    all polygons) is used because all-polygon centroids of states straddling the antimeridian are
    useless (Kiribati lon -57.9, Fiji 163.6). 218 rows: 199 ISO3 countries are kept; the 19 rows
    with **numeric pseudo-codes** ``111``-``129`` (disputed areas: Abyei, Aksai Chin, West Bank,
    Spratly Is., ...) are not countries and are dropped, counted in the provenance.

``country_centroids/mledoze_countries.csv`` (mledoze/countries ``dist/countries.csv``)
    A coarse representative ``latlng`` point ("lat,lng" text) for 250 countries and territories.
    Used **only for codes absent from the 360info file** (HKG, MAC, COK, NIU, TKL, PRI, GUM, ...);
    rows for codes already covered are dropped and counted. mledoze's user-assigned code ``UNK``
    for Kosovo is read as ``XKX`` (Kosovo is in the 360info file, so that row is never used).

Both go to ``country_point`` with ``kind = 'centroid'`` and ``source = 'centroids_360info'`` (one
source id for the layer); the two files have separate :class:`Provenance` records, so every point
can be traced to its file (the mledoze points are representative points, not computed centroids).
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
    check_unique,
    github_raw,
    read_csv_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.store.schema import TABLES

SOURCE = "centroids_360info"
LARGEST_FILE = "country_centroids/centroids-oflargestpoly.csv"
MLEDOZE_FILE = "country_centroids/mledoze_countries.csv"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        LARGEST_FILE,
        github_raw("360-info/country-centroids", "307c479b01f760cbd55763a09b25f8f50ea664d0",
                   "data/centroids-oflargestpoly.csv"),
        "57f417ae1b86469b29b93e66cea26e0be9c0531f1cda113826bb6b55c7eefe3f",
        note="CC BY 4.0: acknowledge 360info and geoBoundaries",
    ),
    RemoteFile(
        MLEDOZE_FILE,
        github_raw("mledoze/countries", "4734ecb71846266cfea57ad4d1602537ee60b609",
                   "dist/countries.csv"),
        "a88af407ec37fdc7fa7652c08785aefd96f26a944b6653b942410d70ba29db2f",
        note="ODbL 1.0 (share-alike for derived databases)",
    ),
)

#: mledoze codes that are not ISO 3166 alpha-3, read as the code labourlink uses.
MLEDOZE_CODE_FIXES: dict[str, str] = {"UNK": "XKX"}


def _resolver() -> Callable[[str], str | None]:
    """``labourlink.countries.resolver('iso3')``."""
    from labourlink.countries import resolver

    return resolver("iso3")


def _check_range(values: pd.Series, limit: float, path: Path, field: str) -> None:
    bad = values.abs() > limit
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(path, f"{values.iloc[pos]!r} outside [-{limit:g}, {limit:g}] degrees",
                          row=pos + 2, field=field)


def load_largest_polygon(data_dir: Path) -> SourceTable:
    """Centroids of each country's largest polygon (360info), decimal degrees.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files.

    Returns
    -------
    SourceTable
        ``country_point`` rows, kind ``'centroid'``; the 19 disputed-area rows with numeric
        pseudo-codes are dropped and counted.
    """
    path = require_file(data_dir, LARGEST_FILE)
    raw = read_csv_checked(path, dtype=str, keep_default_na=False).reset_index(drop=True)
    for col in ("iso3", "lat", "lon"):
        if col not in raw.columns:
            raise SourceError(path, f"column {col!r} missing; columns present: {list(raw.columns)}",
                              field=col)
    lat = to_numeric_checked(raw, "lat", path, allow_na=False)
    lon = to_numeric_checked(raw, "lon", path, allow_na=False)
    _check_range(lat, 90.0, path, "lat")
    _check_range(lon, 180.0, path, "lon")
    code = raw["iso3"].str.strip()
    disputed = code.str.fullmatch(r"\d+")
    keep = ~disputed
    out = pd.DataFrame({
        "iso3": resolve_column(code[keep], _resolver(), path, "iso3").to_numpy(),
        "lat": lat[keep].to_numpy(),
        "lon": lon[keep].to_numpy(),
        "kind": "centroid",
        "source": SOURCE,
    })[TABLES["country_point"].column_names]
    check_unique(out, TABLES["country_point"].key, path)
    prov = Provenance(SOURCE, "360info country centroids (largest polygon), geoBoundaries ADM0",
                      "360info", LARGEST_FILE, sha256_file(path), len(out),
                      {"disputed_area_numeric_pseudo_code": int(disputed.sum())})
    return SourceTable("country_point", out, prov)


def load_mledoze_supplement(data_dir: Path, covered: set[str]) -> SourceTable:
    """mledoze representative points for the codes not in ``covered`` (decimal degrees).

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files.
    covered : set[str]
        ISO3 codes that already have a 360info centroid; their mledoze rows are dropped.

    Returns
    -------
    SourceTable
        ``country_point`` rows (kind ``'centroid'``) for territories absent from 360info.
    """
    path = require_file(data_dir, MLEDOZE_FILE)
    raw = read_csv_checked(path, dtype=str, keep_default_na=False).reset_index(drop=True)
    for col in ("cca3", "latlng"):
        if col not in raw.columns:
            raise SourceError(path, f"column {col!r} missing", field=col)
    parts = raw["latlng"].str.split(",", expand=True)
    if parts.shape[1] != 2 or parts.isna().any().any():
        bad = raw["latlng"].str.count(",") != 1
        pos = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
        raise SourceError(path, f"expected 'lat,lng', found {raw['latlng'].iloc[pos]!r}",
                          row=pos + 2, field="latlng")
    coords = pd.DataFrame({"lat": parts[0], "lon": parts[1]})
    lat = to_numeric_checked(coords, "lat", path, allow_na=False)
    lon = to_numeric_checked(coords, "lon", path, allow_na=False)
    _check_range(lat, 90.0, path, "latlng")
    _check_range(lon, 180.0, path, "latlng")
    code = raw["cca3"].str.strip().replace(MLEDOZE_CODE_FIXES)
    iso = resolve_column(code, _resolver(), path, "cca3")
    new = ~iso.isin(covered)
    out = pd.DataFrame({
        "iso3": iso[new].to_numpy(),
        "lat": lat[new].to_numpy(),
        "lon": lon[new].to_numpy(),
        "kind": "centroid",
        "source": SOURCE,
    })[TABLES["country_point"].column_names]
    check_unique(out, TABLES["country_point"].key, path)
    prov = Provenance(SOURCE, "mledoze/countries 5.1.0 latlng (representative point)",
                      "mledoze/countries", MLEDOZE_FILE, sha256_file(path), len(out),
                      {"already_in_360info": int((~new).sum())})
    return SourceTable("country_point", out, prov)


def load(data_dir: Path) -> list[SourceTable]:
    """Load centroids: 360info largest-polygon centroids, then mledoze points for the rest.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        Two ``country_point`` tables (360info, mledoze supplement) with disjoint ISO3 codes.
    """
    first = load_largest_polygon(Path(data_dir))
    second = load_mledoze_supplement(Path(data_dir), set(first.frame["iso3"]))
    return [first, second]
