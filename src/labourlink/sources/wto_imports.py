"""WTO bilateral merchandise imports (``HS_M_0010``), HS 2-digit chapters summed, 1996-2020.

``wto_bilateral_imports_hs2/wto_hs_m_0010_bilateral_imports_totals.csv.gz`` is an **aggregation
made for this project** (see MANIFEST section 9): the WTO Timeseries API files
(``<reporter M49>-<year>.csv`` in ``rcyost/Trade-Dashboard``, about 2 GB, not copied) summed over
the 96 HS chapters by reporter x partner x year. It has no public address of its own (``url``
None in :data:`FILES`); the source files are listed with their git blob hashes in
``source_files.csv`` beside it. ISO3 codes were added at aggregation time from the M49 codes.

What goes to the store (table ``trade``, ``unit = 'current US$'``, ``product = '_T'``):

- **Direction.** The values are **importer-reported imports** (usually CIF): ``importer`` is the
  WTO *reporter*, ``exporter`` the *partner*.
- **Partner World** (``000``/``WLD``, one row per reporter-year: its total imports) is an aggregate:
  dropped and counted. The tests check that the partner rows sum to it (median ratio ~0.997).
- **European Union.** The EU reports as one unit (code ``918``, kept as the special code ``EUN``,
  1996-2019): a reporter ``EUN`` row is the EU's extra-EU imports from a partner. Member states
  appear as reporters only before accession. EU *partner* codes (``899`` "European Union (partner
  code)" and ``228`` "European Union, n.e.s.") are not countries and cannot be split: dropped and
  counted (they are small and rare; member states also appear one by one as partners).
- **Zeros** reported as 0 are kept (25 rows). Missing reporter-years have **no rows**, not zeros:
  2009 is absent for every reporter, 2020 has 9 reporters, and Viet Nam and Solomon Islands never
  report (they appear as partners). See :func:`with_mirror_flows` for what this means for a
  country's exports and imports.
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
    check_integer,
    read_csv_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
    trade_frame,
)

SOURCE = "wto_hs_m_0010"
FILE = "wto_bilateral_imports_hs2/wto_hs_m_0010_bilateral_imports_totals.csv.gz"
EDITION = ("WTO Timeseries HS_M_0010 (bilateral imports, HS 2-digit), files of rcyost/Trade-Dashboard "
           "@ ce06c51, summed over HS chapters")
PUBLISHER = "World Trade Organization (Integrated Database)"
UNIT = "current US$"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        FILE,
        None,
        "655f6bfc106bd7b3aeef8778d841ce54fedc51ede243d66c1785f684c0db1071",
        note=("aggregation made for labourlink: the WTO API files in rcyost/Trade-Dashboard @ "
              "ce06c5107109ba207fec3cf5e5abaf0c306a4b68, folder 00-data/wto/raw/hsm/ (listed in "
              "source_files.csv), summed over HS chapters by reporter x partner x year; "
              "see MANIFEST.md section 9"),
    ),
)

WORLD_PARTNER_CODE = "000"
EU_CODE = "EUN"
EU_REPORTER_CODE = "918"
EU_PARTNER_CODES: tuple[str, ...] = ("899", "228")
_COLUMNS = ("year", "reporter_code", "reporter_iso3", "partner_code", "partner_iso3",
            "imports_usd")


def _resolver() -> Callable[[str], str | None]:
    """ISO3 resolver that keeps ``EUN`` when it is a declared special code."""
    from labourlink.countries import SPECIAL_CODES, resolver

    iso3 = resolver("iso3")

    def resolve(code: str) -> str | None:
        if code == EU_CODE and EU_CODE in SPECIAL_CODES:
            return EU_CODE
        return iso3(code)

    return resolve


def load(data_dir: Path) -> list[SourceTable]:
    """Load importer-reported bilateral imports into ``trade`` (current US$, product ``'_T'``).

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        One ``trade`` table: ``exporter`` = partner, ``importer`` = reporter, ``value`` = imports
        in current US$ summed over HS chapters; World and EU-partner rows dropped and counted.
    """
    path = require_file(Path(data_dir), FILE)
    str_cols = {c: str for c in ("reporter_code", "reporter_iso3", "reporter_name", "partner_code",
                                 "partner_iso3", "partner_name")}
    raw = read_csv_checked(path, dtype=str_cols, keep_default_na=False).reset_index(drop=True)
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise SourceError(path, f"columns missing: {missing}; columns present: {list(raw.columns)}",
                          fix="rebuild the aggregation as described in MANIFEST.md section 9")
    year = to_numeric_checked(raw, "year", path, allow_na=False)
    check_integer(year, path, "year")
    value = to_numeric_checked(raw, "imports_usd", path, allow_na=False, non_negative=True)

    pcode = raw["partner_code"].str.strip()
    world = (pcode == WORLD_PARTNER_CODE).to_numpy()
    eu_partner = pcode.isin(EU_PARTNER_CODES).to_numpy()
    keep = ~(world | eu_partner)
    kept = raw.loc[keep]
    _check_code_consistency(kept, path)

    resolve = _resolver()
    out = trade_frame(
        resolve_column(kept["partner_iso3"].str.strip(), resolve, path, "partner_iso3"),
        resolve_column(kept["reporter_iso3"].str.strip(), resolve, path, "reporter_iso3"),
        year[keep], value[keep], unit=UNIT, source=SOURCE)
    dup = out.duplicated(["exporter", "importer", "year"], keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(keep)[np.flatnonzero(dup)[0]])
        raise SourceError(path, f"duplicate reporter-partner-year ({raw['reporter_iso3'].iloc[pos]}, "
                          f"{raw['partner_iso3'].iloc[pos]}, {raw['year'].iloc[pos]})",
                          row=pos + 2, field="reporter_iso3+partner_iso3+year",
                          fix="remove the repeated row")
    dropped = {
        "partner_world_total (WLD, code 000)": int(world.sum()),
        "partner_eu_aggregate (codes 899, 228)": int(eu_partner.sum()),
    }
    prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha256_file(path), len(out), dropped)
    return [SourceTable("trade", out, prov)]


def _check_code_consistency(frame: pd.DataFrame, path: Path) -> None:
    """Each numeric code must map to one ISO3 code (the aggregation's mapping is one-to-one)."""
    for side in ("reporter", "partner"):
        pairs = frame[[f"{side}_code", f"{side}_iso3"]].drop_duplicates()
        multi = pairs[pairs.duplicated(f"{side}_iso3", keep=False)]
        if not multi.empty:
            raise SourceError(
                path, f"one ISO3 code for several {side} codes: "
                f"{multi.sort_values(f'{side}_iso3').head(6).to_dict('records')}",
                field=f"{side}_iso3", fix="rebuild the aggregation as described in MANIFEST.md")


def world_totals(data_dir: Path) -> pd.DataFrame:
    """The reporters' own total imports (the partner ``WLD`` rows the loader drops), current US$.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files.

    Returns
    -------
    pandas.DataFrame
        Columns ``importer`` (ISO3 or ``EUN``), ``year`` (int), ``value`` (current US$).
    """
    path = require_file(Path(data_dir), FILE)
    raw = read_csv_checked(path, dtype={"partner_code": str, "reporter_iso3": str},
                           usecols=["year", "reporter_iso3", "partner_code", "imports_usd"],
                           keep_default_na=False)
    raw = raw.reset_index(drop=True)
    value = to_numeric_checked(raw, "imports_usd", path, allow_na=False)
    world = (raw["partner_code"] == WORLD_PARTNER_CODE).to_numpy()
    return pd.DataFrame({
        "importer": raw.loc[world, "reporter_iso3"].to_numpy(),
        "year": raw.loc[world, "year"].astype("int64").to_numpy(),
        "value": value[world].to_numpy(),
    })


def with_mirror_flows(frame: pd.DataFrame) -> pd.DataFrame:
    """Each country's imports *and* exports from importer-reported data, with their basis.

    This source holds only **importer-reported** imports. A flow from ``e`` to ``m`` in year ``t``
    is therefore known only if ``m`` reported that year; it is then both ``m``'s import
    (``basis = 'reported'``: ``m``'s own statistics) and ``e``'s export (``basis = 'mirror'``: the
    partner's report stands in for ``e``'s, which this source does not have). Consequences:

    - a country with **no report in a year** (Viet Nam and Solomon Islands always, every reporter
      in 2009, ...) still has its exports to the reporting countries (mirror rows), but **no import
      rows**: its imports are unknown, not zero. Mirror data cannot fill them, because nobody's
      exports are reported here;
    - a country's exports are known only towards the countries that reported that year, so
      export totals are lower bounds (see :func:`reporter_years` for who reported when).

    Nothing is invented: the function only restates each stored row from both countries' points
    of view. Values are as stored (current US$, CIF as reported by the importer; mirror exports
    are thus CIF-valued, typically a few percent above the FOB exports the exporter would report).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of the ``trade`` table from this source (columns ``exporter``, ``importer``,
        ``year``, ``value``; extra columns are ignored).

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``partner``, ``year`` (int), ``flow`` (``'import'``/``'export'``),
        ``value`` (current US$), ``basis`` (``'reported'`` for imports, ``'mirror'`` for
        exports), sorted by ``iso3``, ``year``, ``flow``, ``partner``. Twice as many rows as
        ``frame``.
    """
    need = ["exporter", "importer", "year", "value"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        from labourlink.errors import InvalidArgumentError

        raise InvalidArgumentError("frame", f"columns {list(frame.columns)}",
                                   f"a trade frame with columns {need}")
    imports = pd.DataFrame({
        "iso3": frame["importer"].to_numpy(), "partner": frame["exporter"].to_numpy(),
        "year": frame["year"].astype("int64").to_numpy(), "flow": "import",
        "value": frame["value"].astype(float).to_numpy(), "basis": "reported",
    })
    exports = pd.DataFrame({
        "iso3": frame["exporter"].to_numpy(), "partner": frame["importer"].to_numpy(),
        "year": frame["year"].astype("int64").to_numpy(), "flow": "export",
        "value": frame["value"].astype(float).to_numpy(), "basis": "mirror",
    })
    out = pd.concat([imports, exports], ignore_index=True)
    return out.sort_values(["iso3", "year", "flow", "partner"], kind="stable").reset_index(drop=True)


def reporter_years(frame: pd.DataFrame) -> pd.DataFrame:
    """The (importer, year) pairs that reported: where a country's imports are known.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of the ``trade`` table from this source.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3`` and ``year`` (int), one row per reporting country-year, sorted.
    """
    ry = frame[["importer", "year"]].drop_duplicates().rename(columns={"importer": "iso3"})
    ry["year"] = ry["year"].astype("int64")
    return ry.sort_values(["iso3", "year"]).reset_index(drop=True)
