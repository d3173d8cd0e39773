"""Shared plumbing for :mod:`labourlink.trends`: connections, groups, years, option vocabularies.

Every trends function takes an optional DuckDB connection (``con=None`` opens the store with
:func:`labourlink.store.connect`), a *group* (a ``group_code`` of the store's ``country_group``
table, e.g. ``"ESCAP"``, ``"ENEA"``, ``"SEA"``, ``"SSWA"``, ``"NCA"``, ``"PACIFIC"``, or a sequence
of ISO3 codes) and integer years. Unknown groups raise
:class:`~labourlink.errors.UnknownGroupError`, unknown years or options
:class:`~labourlink.errors.InvalidArgumentError`; both list the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError, UnknownCountryError, UnknownGroupError

# ---------------------------------------------------------------------------------------------
# Option vocabularies (one home for every Literal the trends functions accept)
# ---------------------------------------------------------------------------------------------
Side = Literal["destination", "origin"]
By = Literal["subregion", "country", "sex", "group"]
CorridorSide = Literal["destination", "origin", "either", "within"]
RemittanceSide = Literal["receiving", "sending", "either", "within"]
Aggregation = Literal["country", "group"]

GroupLike = str | Sequence[str]

DEFAULT_GROUP = "ESCAP"
#: ESCAP subregion group codes, in the order ESCAP publishes them.
ESCAP_SUBREGIONS: tuple[str, ...] = ("ENEA", "SEA", "SSWA", "NCA", "PACIFIC")
#: Label used for countries outside the five ESCAP subregions when ``by="subregion"``.
OUTSIDE_ESCAP = "OUTSIDE_ESCAP"
#: Origin code of UN DESA's "other / unknown" origin (never a corridor end).
UNKNOWN_ORIGIN = "XXX"

POPULATION_CODE = "SP.POP.TOTL"
POPULATION_SOURCE = "datahub_wdi"
GDP_CODE = "NY.GDP.MKTP.CD"
REM_RECEIVED_CODE = "BX.TRF.PWKR.CD.DT"
REM_PAID_CODE = "BM.TRF.PWKR.CD.DT"
REM_PCT_GDP_CODE = "BX.TRF.PWKR.DT.GD.ZS"
REM_SOURCE = "wdi_remittances"
#: Source of country totals of remittance receipts in headline numbers: KNOMAD's June-2023
#: inflows (complete for 2022, unlike the May-2023 WDI files).
REM_TOTALS_SOURCE = "knomad_2023"


def check_option(name: str, value: object, literal: object) -> None:
    """Raise :class:`InvalidArgumentError` unless ``value`` is one of the ``Literal``'s values."""
    allowed = get_args(literal)
    if value not in allowed:
        raise InvalidArgumentError(name, value, allowed)


def get_connection(con: duckdb.DuckDBPyConnection | None) -> duckdb.DuckDBPyConnection:
    """``con`` itself, or a read-only connection to the store (:func:`labourlink.store.connect`)."""
    if con is not None:
        return con
    from labourlink.store import connect  # imported lazily: the store package may be rebuilt

    return connect()


# ---------------------------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Group:
    """A resolved country grouping: a display ``code`` and its member ISO3 codes (sorted)."""

    code: str
    members: tuple[str, ...]

    def __contains__(self, iso3: object) -> bool:
        return iso3 in self.members


def group_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Group codes in the store's ``country_group`` table, sorted."""
    rows = con.execute("SELECT DISTINCT group_code FROM country_group ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def _custom_label(members: Sequence[str]) -> str:
    return "+".join(members) if len(members) <= 5 else f"CUSTOM[{len(members)}]"


def resolve_group(con: duckdb.DuckDBPyConnection, group: GroupLike | None) -> Group:
    """Resolve a group code, a single ISO3 code or a sequence of ISO3 codes to a :class:`Group`.

    Parameters
    ----------
    con
        Open store connection.
    group
        ``None`` (the default group ``"ESCAP"``), a ``group_code`` of ``country_group``, one ISO3
        code (a one-country group) or a sequence of ISO3 codes (label ``"A+B+C"`` for up to five
        members, else ``"CUSTOM[n]"``).

    Raises
    ------
    UnknownGroupError
        A string that is neither a group code nor an ISO3 code of the ``country`` table.
    UnknownCountryError
        A sequence containing a code absent from the ``country`` table.
    """
    if group is None:
        group = DEFAULT_GROUP
    if isinstance(group, str):
        rows = con.execute(
            "SELECT iso3 FROM country_group WHERE group_code = ? ORDER BY iso3", [group]
        ).fetchall()
        if rows:
            return Group(group, tuple(r[0] for r in rows))
        code = group.strip().upper()
        if con.execute("SELECT 1 FROM country WHERE iso3 = ?", [code]).fetchone():
            return Group(code, (code,))
        raise UnknownGroupError(group, group_codes(con) + ["<any ISO3 code>", "<list of ISO3>"])
    members = sorted({str(c).strip().upper() for c in group})
    if not members:
        raise InvalidArgumentError("group", list(group), "a group code or a non-empty list of ISO3 codes")
    known = {
        r[0]
        for r in con.execute(
            "SELECT iso3 FROM country WHERE list_contains(?, iso3)", [members]
        ).fetchall()
    }
    for code in members:
        if code not in known:
            raise UnknownCountryError(code, context="not in the store's country table")
    return Group(_custom_label(members), tuple(members))


def subregion_map(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """ISO3 -> ESCAP subregion code (``country_group`` membership of ENEA/SEA/SSWA/NCA/PACIFIC,
    falling back to ``country.escap_subregion``)."""
    out: dict[str, str] = {}
    for iso3, sub in con.execute(
        "SELECT iso3, escap_subregion FROM country WHERE escap_subregion IS NOT NULL"
    ).fetchall():
        out[iso3] = sub
    for iso3, code in con.execute(
        "SELECT iso3, group_code FROM country_group WHERE list_contains(?, group_code) "
        "ORDER BY group_code, iso3",
        [list(ESCAP_SUBREGIONS)],
    ).fetchall():
        out[iso3] = code
    return out


def country_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """ISO3 -> English short name from the ``country`` table."""
    return dict(con.execute("SELECT iso3, name FROM country").fetchall())


# ---------------------------------------------------------------------------------------------
# Years
# ---------------------------------------------------------------------------------------------
def stock_years(con: duckdb.DuckDBPyConnection, source: str) -> list[int]:
    """Years present in ``migrant_stock`` for ``source`` (ascending)."""
    rows = con.execute(
        "SELECT DISTINCT year FROM migrant_stock WHERE source = ? ORDER BY 1", [source]
    ).fetchall()
    return [int(r[0]) for r in rows]


def stock_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Sources present in ``migrant_stock``."""
    return [r[0] for r in con.execute("SELECT DISTINCT source FROM migrant_stock ORDER BY 1").fetchall()]


def check_stock_source(con: duckdb.DuckDBPyConnection, source: str) -> list[int]:
    """Validate a ``migrant_stock`` source id; return its years."""
    years = stock_years(con, source)
    if not years:
        allowed = stock_sources(con) or ["(migrant_stock is empty: run `labourlink data build`)"]
        raise InvalidArgumentError("source", source, allowed)
    return years


def describe_years(allowed: Sequence[object]) -> str | list[object]:
    """Allowed years for a message: ``"integer years 1970-2022"`` when consecutive, else a list."""
    ints = [a for a in allowed if isinstance(a, int)]
    if len(ints) == len(allowed) and len(ints) > 6 and ints == list(range(ints[0], ints[-1] + 1)):
        return f"an integer year from {ints[0]} to {ints[-1]}"
    return list(allowed)


def normalise_years(
    years: int | Iterable[int] | None, allowed: Sequence[int], name: str = "years"
) -> list[int]:
    """Validate integer years against ``allowed``; ``None`` means all allowed years."""
    if years is None:
        return list(allowed)
    seq = [years] if isinstance(years, int) else list(years)
    out: list[int] = []
    expected = describe_years(allowed)
    for y in seq:
        if isinstance(y, bool) or not isinstance(y, int):
            try:
                as_int = int(y)
            except (TypeError, ValueError):
                raise InvalidArgumentError(name, y, expected) from None
            if as_int != y:
                raise InvalidArgumentError(name, y, expected)
            y = as_int
        if y not in allowed:
            raise InvalidArgumentError(name, y, expected)
        if y not in out:
            out.append(int(y))
    if not out:
        raise InvalidArgumentError(name, seq, expected)
    return sorted(out)


def years_between(allowed: Sequence[int], start: int | None, end: int | None, name: str) -> list[int]:
    """The allowed years within ``[start, end]``; error listing the allowed years if none."""
    out = [y for y in allowed if (start is None or y >= start) and (end is None or y <= end)]
    if not out:
        d = describe_years(allowed)
        raise InvalidArgumentError(name, (start, end), "a range containing "
                                   + (d.replace("an integer year", "a year") if isinstance(d, str)
                                      else f"one of {d}"))
    return out


def with_revision(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """``df`` with a last column ``revision``: the UN DESA revision (``"2024"``) of ``source``,
    so that every stock-based output says which revision it used."""
    from labourlink.store.revisions import revision_of

    out = df.copy()
    out["revision"] = revision_of(source)
    return out


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty frame with the given columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


# ---------------------------------------------------------------------------------------------
# Small shared checks and query pieces
# ---------------------------------------------------------------------------------------------
def check_count(name: str, value: object, *, allow_none: bool = False) -> None:
    """Raise :class:`InvalidArgumentError` unless ``value`` is an integer >= 1 (or ``None``)."""
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(name, value,
                                   "an integer >= 1 or None" if allow_none else "an integer >= 1")


def member_condition(side: str, first: str, second: str) -> str:
    """SQL condition on the member list ``$m`` for a corridor ``side``.

    ``first`` and ``second`` are the two end columns, each also a side name (``"destination"``/
    ``"origin"``, ``"receiving"``/``"sending"``); ``"either"`` means one end is a member,
    ``"within"`` both ends.
    """
    return {
        first: f"list_contains($m, {first})",
        second: f"list_contains($m, {second})",
        "either": f"(list_contains($m, {first}) OR list_contains($m, {second}))",
        "within": f"(list_contains($m, {first}) AND list_contains($m, {second}))",
    }[side]


def add_names_and_rank(df: pd.DataFrame, con: duckdb.DuckDBPyConnection, ends: Sequence[str],
                       year: int) -> None:
    """Add ``<end>_name`` (country names) for each end column, ``year`` and ``rank`` (1..n)."""
    names = country_names(con)
    for end in ends:
        df[f"{end}_name"] = df[end].map(names)
    df["year"] = year
    df["rank"] = np.arange(1, len(df) + 1)


def indicator_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    codes: Sequence[str],
    years: Sequence[int],
    members: Sequence[str] | None = None,
    *,
    non_null: bool = True,
) -> pd.DataFrame:
    """Rows of the store's ``indicator`` table for ``source``, ``codes`` and ``years``.

    Parameters
    ----------
    con
        Open store connection.
    source, codes
        ``indicator`` source id and series codes (e.g. ``"datahub_wdi"``, ``["SP.POP.TOTL"]``).
    years
        Integer years.
    members
        ISO3 codes to keep (``None``: every country and aggregate in the source).
    non_null
        Leave out rows whose value is null (default).

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``year`` (int64), ``code`` and ``value`` (in each series' unit).
    """
    sql = ("SELECT iso3, year, code, value FROM indicator WHERE source = ? "
           "AND list_contains(?, code) AND list_contains(?, year)")
    params: list[object] = [source, list(codes), list(years)]
    if non_null:
        sql += " AND value IS NOT NULL"
    if members is not None:
        sql += " AND list_contains(?, iso3)"
        params.append(list(members))
    df = con.execute(sql, params).df()
    df["year"] = df["year"].astype("int64")
    return df
