"""Country reference: ISO3/ISO2/M49 codes, UN DESA / World Bank / WTO / CEPII / COW names and
codes, aggregates, and groupings (ESCAP and its subregions, ASEAN, ...).

Everything is read from the CSV files in ``labourlink/countries/data`` (their sources are in
``data/README.md``). Typical use in a loader::

    from labourlink.countries import resolver, is_aggregate
    to_iso3 = resolver("undesa")
    codes = {name: to_iso3(name) for name in df["Dest"].unique()}

``resolve`` raises :class:`labourlink.errors.UnknownCountryError` (with the closest matches, or
saying the value is an aggregate); ``try_resolve`` and the ``resolver`` functions return ``None``.
"""

from __future__ import annotations

from labourlink.countries._groups import (
    WTO_BLOCS,
    group_members,
    group_name,
    group_table,
    groups,
)
from labourlink.countries._reference import (
    ESCAP_SUBREGIONS,
    SCHEMES,
    SPECIAL_CODES,
    country_table,
    is_aggregate,
    iso3_from_m49,
    m49_of,
    normalize_name,
    resolve,
    resolver,
    subregion_of,
    try_resolve,
    wb_aggregate_codes,
)


def __getattr__(name: str) -> frozenset[str]:
    # WB_AGGREGATE_CODES: World Bank aggregate codes (WDI ``Country Code`` values that are not
    # economies: WLD, EAS, AFE, ...). Built on first use so that importing the package is cheap.
    if name == "WB_AGGREGATE_CODES":
        return wb_aggregate_codes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ESCAP_SUBREGIONS",
    "SCHEMES",
    "SPECIAL_CODES",
    "WB_AGGREGATE_CODES",
    "WTO_BLOCS",
    "country_table",
    "group_members",
    "group_name",
    "group_table",
    "groups",
    "is_aggregate",
    "iso3_from_m49",
    "m49_of",
    "normalize_name",
    "resolve",
    "resolver",
    "subregion_of",
    "try_resolve",
]
