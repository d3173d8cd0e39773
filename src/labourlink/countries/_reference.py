"""The country table, the name/code indexes and the resolvers (implementation of the public API).

All data come from the CSV files in ``data/`` (see ``data/README.md``); they are read once and
cached. Name matching is case-, accent-, apostrophe- and whitespace-insensitive; a trailing ``*``
(UN DESA footnote marker) is ignored. For free-form names (schemes ``'name'`` and ``'any'``) the
regular expressions of ``country_converter`` are the last resort.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from labourlink.errors import InvalidArgumentError, LabourlinkError, UnknownCountryError

DATA_DIR: Final = Path(__file__).resolve().parent / "data"

Scheme = Literal["any", "iso3", "iso2", "m49", "undesa", "wb", "wto", "cepii", "cow", "name"]
SCHEMES: Final[tuple[str, ...]] = ("any", "iso3", "iso2", "m49", "undesa", "wb", "wto", "cepii",
                                   "cow", "name")
_NAME_SCHEMES: Final = ("undesa", "wb", "wto", "name")

COUNTRY_COLUMNS: Final = ["iso3", "m49", "iso2", "name", "undesa_name", "wb_name", "cepii_code",
                          "escap_subregion"]

ESCAP_SUBREGIONS: Final[dict[str, str]] = {
    "ENEA": "East and North-East Asia",
    "SEA": "South-East Asia",
    "SSWA": "South and South-West Asia",
    "NCA": "North and Central Asia",
    "PACIFIC": "Pacific",
}

SPECIAL_CODES: Final[dict[str, str]] = {
    "XXX": "Other / unknown origin (UN DESA 'Other' origin rows)",
    "XON": "Other North: residual high-income origins/destinations (World Bank bilateral "
           "migration and remittance matrices 2017); labourlink-assigned code",
    "XOS": "Other South: residual developing-country origins/destinations (World Bank bilateral "
           "matrices 2017); labourlink-assigned code",
    "EUN": "European Union as one WTO reporter/party (WTO code)",
    "BLX": "Belgium-Luxembourg economic union as one trade reporter (older trade data, penppml)",
    "DDR": "German Democratic Republic (East Germany, until 1990; COW 265)",
    "CSK": "Czechoslovakia (until 1992; COW 315)",
    "SUN": "Union of Soviet Socialist Republics (until 1991; ISO 3166-3)",
    "YUG": "Socialist Federal Republic of Yugoslavia (until 1992; trade data). In CEPII files YUG "
           "is Serbia and Montenegro and resolver('cepii') maps it to SRB",
    "YMD": "People's Democratic Republic of Yemen (South Yemen, until 1990; ISO 3166-3)",
    "ANT": "Netherlands Antilles (until 2010; trade data). resolver('cepii') maps CEPII's ANT to "
           "CUW",
}
"""Non-country codes allowed in data tables, with their meaning.

Channel Islands (``CHI``, UN M49 830), Kosovo (``XKX``, the code the World Bank and the EU use)
and Taiwan (``TWN``) are rows of :func:`country_table`, not special codes.
"""

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u2010": "-",
                         "\u2011": "-", "\u2013": "-", "\u2014": "-", "\xa0": " "})
_WS = re.compile(r"\s+")


def normalize_name(text: str) -> str:
    """Matching key of a name: case-folded, accents removed, quotes and spaces normalised.

    Parameters
    ----------
    text : str
        A country name as written in a source (e.g. ``"  Côte d’Ivoire*"``).

    Returns
    -------
    str
        The key (``"cote d'ivoire"``).
    """
    s = unicodedata.normalize("NFKD", str(text).translate(_QUOTES))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _WS.sub(" ", s).strip().rstrip("*").strip()
    return s.casefold()


@cache
def _read_countries() -> pd.DataFrame:
    df = pd.read_csv(DATA_DIR / "countries.csv", dtype=str, keep_default_na=False, na_values=[""])
    df["m49"] = pd.to_numeric(df["m49"]).astype("Int64")
    return df[COUNTRY_COLUMNS]


@cache
def _read_aliases() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "aliases.csv", dtype=str, keep_default_na=False,
                       comment="#")


@cache
def _read_aggregates() -> pd.DataFrame:
    df = pd.read_csv(DATA_DIR / "aggregates.csv", dtype=str, keep_default_na=False,
                     na_values=[""])
    df["m49"] = pd.to_numeric(df["m49"]).astype("Int64")
    return df


@cache
def _read_cow() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "cow.csv", dtype={"cow_code": int, "iso3": str},
                       keep_default_na=False)


def country_table() -> pd.DataFrame:
    """The country reference: one row per country or territory.

    Returns
    -------
    pandas.DataFrame
        Columns exactly ``iso3, m49, iso2, name, undesa_name, wb_name, cepii_code,
        escap_subregion`` (the store table ``country``). ``m49`` is the UN M49 numeric code
        (nullable ``Int64``; Taiwan carries ISO 3166 numeric 158, as in UN DESA files; Kosovo has
        none). Name columns hold the latest UN DESA (IMS 2024) and World Bank (WDI 2023) names.
        A fresh copy: changing it does not change the reference.
    """
    return _read_countries().copy()


@dataclass(frozen=True, slots=True)
class _Index:
    iso3: dict[str, str]
    iso2: dict[str, str]
    m49: dict[int, str]
    m49_of: dict[str, int]
    cepii: dict[str, str]
    cow: dict[int, str]
    names: dict[str, dict[str, str]]  # scheme -> key -> iso3 (scheme 'name' = every name)
    display: dict[str, str]  # key -> a display form of that name (for suggestions)
    aggregates: dict[str, str]  # key -> kind
    historical: dict[str, str]  # key -> special code (names of former states, never resolved)
    aggregate_m49: frozenset[int]
    wb_aggregate_codes: frozenset[str]


def _add(target: dict[str, str], name: str, iso3: str, where: str) -> None:
    key = normalize_name(name)
    if not key:
        return
    old = target.get(key)
    if old is not None and old != iso3:
        raise LabourlinkError(f"country data conflict: {name!r} -> {old} and {iso3} ({where})")
    target[key] = iso3


@cache
def _index() -> _Index:
    df = _read_countries()
    iso3 = {c: c for c in df["iso3"]}
    iso2 = {c: i for c, i in zip(df["iso2"], df["iso3"], strict=True) if isinstance(c, str)}
    m49 = {int(m): i for m, i in zip(df["m49"], df["iso3"], strict=True) if pd.notna(m)}
    m49_of = {i: m for m, i in m49.items()}
    cepii: dict[str, str] = {}
    for code, i in zip(df["cepii_code"], df["iso3"], strict=True):
        if isinstance(code, str):
            cepii[code] = i
    names: dict[str, dict[str, str]] = {s: {} for s in _NAME_SCHEMES}
    display: dict[str, str] = {}
    for col, scheme in (("name", "name"), ("undesa_name", "undesa"), ("wb_name", "wb")):
        for n, i in zip(df[col], df["iso3"], strict=True):
            if isinstance(n, str):
                _add(names[scheme], n, i, f"countries.csv {col}")
                _add(names["name"], n, i, f"countries.csv {col}")
                display.setdefault(normalize_name(n), n)
    historical: dict[str, str] = {}
    for alias, i, scheme in zip(_read_aliases()["alias"], _read_aliases()["iso3"],
                                _read_aliases()["scheme"], strict=True):
        if scheme == "historical":
            if i not in SPECIAL_CODES:
                raise LabourlinkError(f"aliases.csv: historical {alias!r} -> {i!r} not special")
            historical[normalize_name(alias)] = i
            continue
        if i not in iso3:
            raise LabourlinkError(f"aliases.csv: {alias!r} -> {i!r} is not in countries.csv")
        if scheme == "iso2":
            iso2[alias.strip().upper()] = i
        elif scheme == "cepii":
            cepii[alias.strip().upper()] = i
        elif scheme in names:
            _add(names[scheme], alias, i, f"aliases.csv scheme {scheme}")
            _add(names["name"], alias, i, "aliases.csv")
            display.setdefault(normalize_name(alias), alias)
        else:
            raise LabourlinkError(f"aliases.csv: unknown scheme {scheme!r} for {alias!r}")
    agg = _read_aggregates()
    aggregates = {normalize_name(n): k for n, k in zip(agg["name"], agg["kind"], strict=True)}
    clash = set(aggregates) & (set(names["name"]) | {c.casefold() for c in iso3})
    if clash:
        raise LabourlinkError(f"names both aggregates and countries: {sorted(clash)}")
    cow_df = _read_cow()
    cow = dict(zip(cow_df["cow_code"].astype(int), cow_df["iso3"], strict=True))
    return _Index(iso3=iso3, iso2=iso2, m49=m49, m49_of=m49_of, cepii=cepii, cow=cow,
                  names=names, display=display, aggregates=aggregates, historical=historical,
                  aggregate_m49=frozenset(int(m) for m in agg["m49"].dropna()),
                  wb_aggregate_codes=frozenset(agg["wb_code"].dropna()))


@cache
def _coco_regexes() -> tuple[tuple[re.Pattern[str], str], ...]:
    """country_converter's name regexes (its ``regex`` column), for countries in our table."""
    try:
        import country_converter as coco
    except ImportError:  # pragma: no cover - coco is a declared dependency
        return ()
    data = coco.CountryConverter().data
    known = set(_read_countries()["iso3"])
    return tuple((re.compile(rx, re.IGNORECASE), i)
                 for rx, i in zip(data["regex"], data["ISO3"], strict=True) if i in known)


# --- resolution ------------------------------------------------------------------------------

def _as_code(value: object) -> str:
    return str(value).strip().upper()


def _m49_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    s = str(value).strip()
    if s.isdigit():
        return int(s)
    return None


_REGEX_MAX_LEN: Final = 60  # longer strings are sentences (footnotes), never matched by regex


def _by_name(ix: _Index, value: object, scheme: str, use_regex: bool) -> str | None:
    key = normalize_name(str(value))
    if not key or key in ix.aggregates or key in ix.historical:
        return None
    hit = ix.names[scheme].get(key) or ix.names["name"].get(key)
    if hit is not None or not use_regex or len(key) > _REGEX_MAX_LEN:
        return hit
    found = {i for rx, i in _coco_regexes() if rx.search(key)}
    return found.pop() if len(found) == 1 else None


def _resolve_one(value: object, scheme: str) -> str | None:
    ix = _index()
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None  # missing (None, pd.NA, NaN incl. numpy floats)
    if scheme == "iso3":
        return ix.iso3.get(_as_code(value))
    if scheme == "iso2":
        return ix.iso2.get(_as_code(value))
    if scheme == "m49":
        m = _m49_int(value)
        return None if m is None else ix.m49.get(m)
    if scheme == "cepii":
        code = _as_code(value)
        return ix.cepii.get(code) or ix.iso3.get(code)
    if scheme == "cow":
        m = _m49_int(value)
        return None if m is None else ix.cow.get(m)
    if scheme in ("undesa", "wb", "wto"):
        return _by_name(ix, value, scheme, use_regex=False)
    if scheme == "name":
        return _by_name(ix, value, "name", use_regex=True)
    # 'any'
    m = _m49_int(value)
    if m is not None:
        return ix.m49.get(m)
    code = _as_code(value)
    if len(code) == 3 and code in ix.iso3:
        return ix.iso3[code]
    if len(code) == 2 and code in ix.iso2:
        return ix.iso2[code]
    if normalize_name(code) in ix.aggregates or code in SPECIAL_CODES:
        return None
    if len(code) == 3 and code in ix.cepii:
        return ix.cepii[code]
    return _by_name(ix, value, "name", use_regex=True)


def resolver(scheme: str) -> Callable[[object], str | None]:
    """A fast, cached function mapping one value of ``scheme`` to ISO3 (``None`` if it does not).

    Parameters
    ----------
    scheme : str
        One of ``'any'`` (ISO3, ISO2, M49 number, then any name), ``'iso3'``, ``'iso2'``,
        ``'m49'`` (int or digit string such as ``'004'``), ``'undesa'`` (UN DESA names),
        ``'wb'`` (World Bank names), ``'wto'`` (WTO RTA names), ``'cepii'`` (CEPII iso3 codes,
        legacy ``ROM/ZAR/YUG/TMP/PAL/ANT`` mapped to their successors), ``'cow'`` (Correlates of
        War numeric codes, int or str) and ``'name'`` (any name; country_converter's regexes as a
        last resort). Name schemes also accept every other known name (a superset of the scheme).

    Returns
    -------
    Callable[[object], str | None]
        ``f(value)``: the ISO3 code, or ``None`` for unknown values and for aggregates. The
        ``'cow'`` scheme may return a code from :data:`SPECIAL_CODES` (``DDR``, ``CSK``). Results
        are cached, so mapping ``series.unique()`` of a 100k-row column is cheap.

    Raises
    ------
    InvalidArgumentError
        If ``scheme`` is not one of the schemes above.
    """
    if scheme not in SCHEMES:
        raise InvalidArgumentError("scheme", scheme, SCHEMES)
    _index()  # build (and validate) once, outside the cached function

    @cache
    def _cached(value: object) -> str | None:
        return _resolve_one(value, scheme)

    def resolve_value(value: object) -> str | None:
        try:
            return _cached(value)
        except TypeError:  # unhashable
            return _resolve_one(value, scheme)

    resolve_value.__doc__ = f"Map one {scheme!r} value to ISO3, or None (unknown or aggregate)."
    return resolve_value


@cache
def _resolver(scheme: str) -> Callable[[object], str | None]:
    return resolver(scheme)


def is_aggregate(name: str | int) -> bool:
    """Whether ``name`` is a regional, income, residual or bloc aggregate rather than a country.

    Parameters
    ----------
    name : str or int
        A name as written in a source (``"WORLD"``, ``"Sub-Saharan Africa"``, ``"Other North"``,
        ``"Euro area"``, ``"European Union"``), a World Bank aggregate code (``"WLD"``, ``"EAS"``)
        or a UN M49 region code (900 and above, e.g. ``900`` World, ``1503`` High-income countries).

    Returns
    -------
    bool
        ``True`` for known aggregates, ``False`` otherwise (including countries and unknown names).
    """
    ix = _index()
    m = _m49_int(name)
    if m is not None:
        return m in ix.aggregate_m49
    return normalize_name(str(name)) in ix.aggregates


def _suggest(value: str) -> list[str]:
    ix = _index()
    key = normalize_name(value)
    pool = list(ix.display) + list(ix.aggregates)
    close = difflib.get_close_matches(key, pool, n=5, cutoff=0.6)
    out = []
    for k in close:
        if k in ix.aggregates:
            out.append(f"{k!r} (aggregate)")
        else:
            out.append(f"{ix.display[k]!r} ({ix.names['name'][k]})")
    code = _as_code(value)
    if len(code) in (2, 3) and not out:
        pool3 = list(ix.iso3)
        out = [f"{c!r}" for c in difflib.get_close_matches(code, pool3, n=5, cutoff=0.6)]
    return out


def try_resolve(name_or_code: str | int) -> str | None:
    """ISO3 code of a country name or code, or ``None`` (unknown, aggregate or special code).

    Parameters
    ----------
    name_or_code : str or int
        As for :func:`resolve`.

    Returns
    -------
    str or None
        The ISO3 code.
    """
    return _resolver("any")(name_or_code)


def resolve(name_or_code: str | int) -> str:
    """ISO3 code of a country given any of its codes or names.

    Parameters
    ----------
    name_or_code : str or int
        ISO3 (``"VNM"``), ISO2 (``"VN"``), UN M49 (``704`` or ``"704"``), a UN DESA, World Bank,
        WTO or CEPII name or code (``"Viet Nam"``, ``"Korea, Rep."``, ``"Chinese Taipei"``,
        ``"ROM"``) or a common spelling; case, accents and spacing do not matter.

    Returns
    -------
    str
        The ISO3 code (a row of :func:`country_table`).

    Raises
    ------
    UnknownCountryError
        If the value is unknown (the message lists the closest matches), an aggregate such as
        ``"World"`` or ``"Sub-Saharan Africa"`` (the message says so), or a special code.
    """
    hit = _resolver("any")(name_or_code)
    if hit is not None:
        return hit
    value = str(name_or_code)
    if is_aggregate(name_or_code):
        kind = _index().aggregates.get(normalize_name(value), "UN M49 region code")
        raise UnknownCountryError(value, context=f"an aggregate ({kind}), not a country: "
                                  "drop aggregate rows before resolving")
    special = _index().historical.get(normalize_name(value))
    if special is not None:
        raise UnknownCountryError(value, context=f"a former state, special code {special}: "
                                  f"{SPECIAL_CODES[special]}")
    if _as_code(value) in SPECIAL_CODES:
        raise UnknownCountryError(value, context="a special non-country code: "
                                  f"{SPECIAL_CODES[_as_code(value)]}")
    raise UnknownCountryError(value, _suggest(value))


def m49_of(iso3: str) -> int:
    """UN M49 numeric code of an ISO3 country code.

    Parameters
    ----------
    iso3 : str
        ISO3 code (case-insensitive).

    Returns
    -------
    int
        The M49 code (``"AFG"`` -> 4).

    Raises
    ------
    UnknownCountryError
        If the code is unknown or the country has no M49 code (Kosovo).
    """
    ix = _index()
    code = _as_code(iso3)
    if code not in ix.iso3:
        raise UnknownCountryError(str(iso3), _suggest(str(iso3)), context="not an ISO3 code")
    if code not in ix.m49_of:
        raise UnknownCountryError(str(iso3), context="has no UN M49 code")
    return ix.m49_of[code]


def iso3_from_m49(code: int | str) -> str:
    """ISO3 code of a UN M49 country code.

    Parameters
    ----------
    code : int or str
        The M49 code (``4`` or ``"004"``).

    Returns
    -------
    str
        The ISO3 code.

    Raises
    ------
    UnknownCountryError
        If the code is not the M49 code of a country (region codes such as 900 included).
    """
    hit = _resolver("m49")(code)
    if hit is None:
        ctx = "a UN M49 region code, not a country" if is_aggregate(code) else "unknown M49 code"
        raise UnknownCountryError(str(code), context=ctx)
    return hit


def subregion_of(iso3: str) -> str | None:
    """ESCAP subregion code (a key of :data:`ESCAP_SUBREGIONS`) of a country, or ``None``.

    Parameters
    ----------
    iso3 : str
        ISO3 code (case-insensitive).

    Returns
    -------
    str or None
        ``"ENEA"``, ``"SEA"``, ``"SSWA"``, ``"NCA"`` or ``"PACIFIC"``; ``None`` outside the ESCAP
        region (including France, the Netherlands, the UK and the USA, members from outside it).

    Raises
    ------
    UnknownCountryError
        If ``iso3`` is not an ISO3 code of the table.
    """
    code = _as_code(iso3)
    if code not in _index().iso3:
        raise UnknownCountryError(str(iso3), _suggest(str(iso3)), context="not an ISO3 code")
    return _subregions().get(code)


@cache
def _subregions() -> dict[str, str]:
    df = _read_countries()
    return {i: s for i, s in zip(df["iso3"], df["escap_subregion"], strict=True)
            if isinstance(s, str)}


def wb_aggregate_codes() -> frozenset[str]:
    """World Bank aggregate codes (``WLD``, ``EAS``, ``AFE``, ..., ``INX``)."""
    return _index().wb_aggregate_codes
