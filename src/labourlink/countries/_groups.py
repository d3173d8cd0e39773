"""Country groupings (ESCAP and its subregions, ASEAN, SAARC, GCC, APEC, EU, OECD, World Bank
income groups, UN SDG regions, trade blocs), read from ``data/groups.csv``, plus ``World``: every
country and territory of the reference, so that any analysis that takes a group can run on all
corridors."""

from __future__ import annotations

from functools import cache
from typing import Final

import pandas as pd

from labourlink.countries._reference import DATA_DIR, country_table
from labourlink.errors import UnknownGroupError

GROUP_COLUMNS: Final = ["group_code", "iso3", "group_name", "source"]

WTO_BLOCS: Final[dict[str, str]] = {
    "ASEAN Free Trade Area (AFTA)": "ASEAN",
    "Central American Common Market (CACM)": "CACM",
    "Eurasian Economic Union (EAEU)": "EAEU",
    "European Free Trade Association (EFTA)": "EFTA",
    "European Union": "EU",
    "Gulf Cooperation Council (GCC)": "GCC",
    "Southern African Customs Union (SACU)": "SACU",
    "Southern Common Market (MERCOSUR)": "MERCOSUR",
}
"""Bloc parties in the WTO RTA database (``AllRTAs.csv`` signatories) -> group code.

The groups hold *current* membership: an agreement signed by "European Union" in 1973 covers the
members of that date, which the caller must handle (e.g. with accession dates).
"""


#: Code of the grouping of every country and territory in the reference.
WORLD: Final = "World"


@cache
def _read_groups() -> pd.DataFrame:
    listed = pd.read_csv(DATA_DIR / "groups.csv", dtype=str, keep_default_na=False)[GROUP_COLUMNS]
    everyone = sorted(country_table()["iso3"])
    world = pd.DataFrame({
        "group_code": WORLD, "iso3": everyone,
        "group_name": f"World: every country and territory of the reference ({len(everyone)})",
        "source": "labourlink country reference (labourlink/countries/data/countries.csv)",
    })
    return pd.concat([listed, world[GROUP_COLUMNS]], ignore_index=True)


@cache
def _members() -> dict[str, tuple[str, ...]]:
    g = _read_groups()
    return {str(code): tuple(sorted(sub["iso3"]))
            for code, sub in g.groupby("group_code", sort=True)}


def group_table() -> pd.DataFrame:
    """Membership of every grouping, one row per (group, country).

    Returns
    -------
    pandas.DataFrame
        Columns exactly ``group_code, iso3, group_name, source`` (the store table
        ``country_group``); ``source`` cites where the membership list comes from.
    """
    return _read_groups().copy()


def groups() -> list[str]:
    """Codes of all groupings, sorted (``'APEC'``, ``'ASEAN'``, ``'ENEA'``, ``'ESCAP'``, ...)."""
    return list(_members())


def _check(code: str) -> str:
    if code in _members():
        return code
    upper = {c.upper(): c for c in _members()}
    if str(code).upper() in upper:
        return upper[str(code).upper()]
    raise UnknownGroupError(str(code), groups())


def group_members(code: str) -> list[str]:
    """ISO3 codes of the members of a grouping, sorted.

    Parameters
    ----------
    code : str
        A group code from :func:`groups` (case-insensitive), e.g. ``'ESCAP'``, ``'SEA'``,
        ``'WB-FY2023-HIC'``, ``'SDG-CSA'``.

    Returns
    -------
    list[str]
        Sorted ISO3 codes.

    Raises
    ------
    UnknownGroupError
        If the code is unknown (the message lists the allowed codes).
    """
    return list(_members()[_check(code)])


def group_name(code: str) -> str:
    """Readable name of a grouping (e.g. ``'ESCAP subregion: South-East Asia'``).

    Raises
    ------
    UnknownGroupError
        If the code is unknown.
    """
    g = _read_groups()
    return str(g.loc[g["group_code"] == _check(code), "group_name"].iloc[0])
