"""Remittances: inflows, outflows, % of GDP, per emigrant abroad, bilateral corridors, dependence.

Country-year series come from the store's ``indicator`` table, World Bank WDI (source
``wdi_remittances``): ``BX.TRF.PWKR.CD.DT`` personal remittances received and
``BM.TRF.PWKR.CD.DT`` paid (current US$), ``BX.TRF.PWKR.DT.GD.ZS`` received (% of GDP).
KNOMAD's June-2023 inflows (``knomad_2023``, US$ million) are the source of country totals in
headline numbers (:func:`labourlink.trends.overview`). Bilateral corridors come from
``remittance_bilateral``: the KNOMAD/World Bank Bilateral Remittance Matrix 2021 (December 2022;
the default) or the World Bank matrix 2017, US$ million. The matrix splits each country's
remittances across corridors with estimated stocks and incomes; KNOMAD revised many country totals
after it was made (June 2023), so for some countries the matrix's receipts and the inflows differ
(Viet Nam 2021: US$ 18,060 million in the matrix, 12,500 in the inflows; 102 of 186 countries
agree within 1%). Use the inflows for totals and the matrix for shares across corridors.

Year alignment of *received per emigrant abroad*: remittances received in year *t* divided by the
country's emigrant stock (UN DESA, persons born there living abroad) in the latest stock year
*s* <= *t* with *t - s* <= 4 (e.g. 2017 -> 2015, 2021 and 2022 -> 2020); the stock year used is
returned in ``emigrants_stock_year``. Years before the first stock year get NaN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError
from labourlink.store.revisions import resolve_stock_source
from labourlink.trends._common import (
    GDP_CODE,
    POPULATION_SOURCE,
    REM_PAID_CODE,
    REM_PCT_GDP_CODE,
    REM_RECEIVED_CODE,
    REM_SOURCE,
    Aggregation,
    GroupLike,
    RemittanceSide,
    add_names_and_rank,
    check_count,
    check_option,
    check_stock_source,
    country_names,
    get_connection,
    indicator_rows,
    member_condition,
    normalise_years,
    resolve_group,
    with_revision,
)

#: Longest gap (years) between a remittance year and the emigrant-stock year it is divided by.
MAX_STOCK_LAG = 4

REMITTANCE_COLUMNS = ["group", "iso3", "name", "year", "received_usd", "paid_usd",
                      "received_pct_gdp", "emigrants_persons", "emigrants_stock_year",
                      "received_per_emigrant_usd"]


@dataclass(frozen=True, slots=True)
class RemittanceSeries:
    """Where one source keeps remittance series in the ``indicator`` table.

    ``received``/``paid`` are series codes, ``usd_per_unit`` converts their unit to US$,
    ``pct_gdp`` the code of received as % of GDP (``None``: computed as
    100 * received / ``NY.GDP.MKTP.CD`` from ``datahub_wdi``, same year).
    """

    received: str
    paid: str
    pct_gdp: str | None
    usd_per_unit: float


#: Remittance series per ``indicator`` source id.
REMITTANCE_SERIES: dict[str, RemittanceSeries] = {
    REM_SOURCE: RemittanceSeries(REM_RECEIVED_CODE, REM_PAID_CODE, REM_PCT_GDP_CODE, 1.0),
    "gdiviz_wdi_2024": RemittanceSeries(REM_RECEIVED_CODE, REM_PAID_CODE, None, 1.0),
    "knomad_2023": RemittanceSeries("KNOMAD.REM.IN", "KNOMAD.REM.OUT", None, 1e6),
}


def _series(source: str) -> RemittanceSeries:
    if source not in REMITTANCE_SERIES:
        raise InvalidArgumentError("source", source, list(REMITTANCE_SERIES))
    return REMITTANCE_SERIES[source]


def remittance_years(con: duckdb.DuckDBPyConnection, source: str = REM_SOURCE) -> list[int]:
    """Years with remittance data from ``source`` in the store (ascending)."""
    spec = _series(source)
    codes = [c for c in (spec.received, spec.paid, spec.pct_gdp) if c]
    rows = con.execute(
        "SELECT DISTINCT year FROM indicator WHERE source = ? AND list_contains(?, code) "
        "AND value IS NOT NULL ORDER BY 1",
        [source, codes],
    ).fetchall()
    return [int(r[0]) for r in rows]


def _available_years(con: duckdb.DuckDBPyConnection, source: str) -> list[int]:
    """:func:`remittance_years`; an error naming ``source`` when the store has none."""
    available = remittance_years(con, source)
    if not available:
        raise InvalidArgumentError("source", source, "an indicator source with remittance series "
                                   "in the store (run `labourlink data build`)")
    return available


def _gdp(con: duckdb.DuckDBPyConnection, members: list[str] | None, years: list[int]) -> pd.DataFrame:
    """iso3, year, gdp_usd (``NY.GDP.MKTP.CD``, current US$) for ``members`` (None: all)."""
    gdp = indicator_rows(con, POPULATION_SOURCE, [GDP_CODE], years, members)
    return gdp[["iso3", "year", "value"]].rename(columns={"value": "gdp_usd"})


def _panel(con: duckdb.DuckDBPyConnection, source: str, members: list[str] | None,
           years: list[int]) -> pd.DataFrame:
    """iso3, year, received_usd, paid_usd, received_pct_gdp for ``members`` (None: all)."""
    spec = _series(source)
    codes = [c for c in (spec.received, spec.paid, spec.pct_gdp) if c]
    ind = indicator_rows(con, source, codes, years, members)
    wide = ind.pivot_table(index=["iso3", "year"], columns="code", values="value",
                           aggfunc="first").reset_index()
    wide.columns.name = None
    for code in codes:
        if code not in wide:
            wide[code] = np.nan
    if wide.empty:
        wide = pd.DataFrame(columns=["iso3", "year", *codes])
    out = pd.DataFrame({
        "iso3": wide["iso3"].astype(str),
        "year": wide["year"].astype("int64"),
        "received_usd": wide[spec.received].astype("float64") * spec.usd_per_unit,
        "paid_usd": wide[spec.paid].astype("float64") * spec.usd_per_unit,
    })
    if spec.pct_gdp is not None:
        out["received_pct_gdp"] = wide[spec.pct_gdp].astype("float64")
    else:
        gdp = _gdp(con, members, years)
        out = out.merge(gdp, on=["iso3", "year"], how="left")
        with np.errstate(divide="ignore", invalid="ignore"):
            out["received_pct_gdp"] = np.where(out["gdp_usd"] > 0,
                                               100.0 * out["received_usd"] / out["gdp_usd"], np.nan)
        out = out.drop(columns="gdp_usd")
    return out


def stock_year_for(year: int, stock_years: list[int]) -> int | None:
    """The emigrant-stock year used for remittance year ``year`` (see module docstring)."""
    earlier = [s for s in stock_years if s <= year and year - s <= MAX_STOCK_LAG]
    return max(earlier) if earlier else None


def remittances(
    group_or_iso3: GroupLike | None = "ESCAP",
    years: int | Iterable[int] | None = None,
    *,
    by: Aggregation = "country",
    revision: str | int | None = None,
    source: str = REM_SOURCE,
    strict_years: bool = True,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Remittance inflows, outflows, % of GDP and inflows per emigrant abroad.

    Parameters
    ----------
    group_or_iso3
        Group code, ISO3 code or list of ISO3 codes (default ``"ESCAP"``).
    years
        Integer years (default: every year with data). With ``strict_years`` an unavailable year
        raises :class:`InvalidArgumentError` listing the available range.
    by
        ``"country"`` (a row per member and year with any data) or ``"group"`` (sums).
    revision
        UN DESA revision of the emigrant stocks of the per-emigrant ratio (default: the newest
        in the store).
    source
        ``indicator`` source: ``"wdi_remittances"`` (default; WDI bulk files of May 2023, whose
        2022 values are incomplete for several countries, e.g. PHL), ``"gdiviz_wdi_2024"`` (WDI
        2024 vintage) or ``"knomad_2023"`` (US$ million, converted to US$). Without a published
        % of GDP series, ``received_pct_gdp`` = 100 * received / ``NY.GDP.MKTP.CD`` (datahub).
    strict_years
        ``False`` silently keeps only the requested years that have data (rows may be absent).
    con
        DuckDB connection (default: the store).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``iso3``, ``name`` (only ``by="country"``; for ``by="group"`` instead
        ``countries`` reporting receipts and ``countries_paid`` reporting payments: group sums
        cover only reporting members), ``year``, ``received_usd`` and ``paid_usd`` (current
        US$), ``received_pct_gdp`` (percent
        of GDP; for a group 100 * sum received / sum GDP ``NY.GDP.MKTP.CD`` over members reporting
        both), ``emigrants_persons`` (stock in ``emigrants_stock_year``), ``emigrants_stock_year``
        and ``received_per_emigrant_usd`` (US$ per emigrant abroad).
    """
    con = get_connection(con)
    check_option("by", by, Aggregation)
    grp = resolve_group(con, group_or_iso3)
    available = _available_years(con, source)
    if years is None:
        yrs = available
    elif strict_years:
        yrs = normalise_years(years, available)
    else:
        wanted = [years] if isinstance(years, int) else list(years)
        yrs = [int(y) for y in wanted if int(y) in available]
    members = list(grp.members)
    wide = _panel(con, source, members, yrs)

    # emigrant stock in the aligned stock year
    stock_source = resolve_stock_source(con, revision)
    stock_years = check_stock_source(con, stock_source)
    wide["emigrants_stock_year"] = [stock_year_for(int(y), stock_years) for y in wide["year"]]
    used = sorted({int(s) for s in wide["emigrants_stock_year"].dropna()})
    emig = con.execute(
        """
        SELECT origin AS iso3, year AS emigrants_stock_year, SUM(persons) AS emigrants_persons
        FROM migrant_stock WHERE source = ? AND sex = 'total' AND list_contains(?, origin)
          AND list_contains(?, year)
        GROUP BY 1, 2
        """,
        [stock_source, members, used],
    ).df()
    emig["emigrants_stock_year"] = emig["emigrants_stock_year"].astype("float64")
    wide["emigrants_stock_year"] = wide["emigrants_stock_year"].astype("float64")
    wide = wide.merge(emig, on=["iso3", "emigrants_stock_year"], how="left")
    has_stock = wide["emigrants_stock_year"].notna()
    wide.loc[has_stock, "emigrants_persons"] = wide.loc[has_stock, "emigrants_persons"].fillna(0.0)
    wide["emigrants_persons"] = wide["emigrants_persons"].astype("float64")
    wide["emigrants_stock_year"] = wide["emigrants_stock_year"].astype("Int64")

    if by == "country":
        with np.errstate(divide="ignore", invalid="ignore"):
            wide["received_per_emigrant_usd"] = np.where(
                wide["emigrants_persons"] > 0, wide["received_usd"] / wide["emigrants_persons"], np.nan)
        wide["name"] = wide["iso3"].map(country_names(con))
        wide.insert(0, "group", grp.code)
        return with_revision(
            wide[REMITTANCE_COLUMNS].sort_values(["year", "iso3"]).reset_index(drop=True),
            stock_source)

    wide = wide.merge(_gdp(con, members, yrs), on=["iso3", "year"], how="left")
    rows = []
    for y, d in wide.groupby("year", sort=True):
        rec = d.dropna(subset=["received_usd"])
        both = rec.dropna(subset=["gdp_usd"])
        per = rec.dropna(subset=["emigrants_persons"])
        per = per[per["emigrants_persons"] > 0]
        rows.append({
            "group": grp.code, "countries": int(rec["iso3"].nunique()), "year": int(y),  # type: ignore[arg-type]
            "received_usd": float(rec["received_usd"].sum()) if len(rec) else np.nan,
            "countries_paid": int(d.loc[d["paid_usd"].notna(), "iso3"].nunique()),
            "paid_usd": float(d["paid_usd"].sum()) if d["paid_usd"].notna().any() else np.nan,
            "received_pct_gdp": (100.0 * both["received_usd"].sum() / both["gdp_usd"].sum()
                                 if len(both) and both["gdp_usd"].sum() > 0 else np.nan),
            "emigrants_persons": float(per["emigrants_persons"].sum()) if len(per) else np.nan,
            "emigrants_stock_year": d["emigrants_stock_year"].dropna().max()
            if d["emigrants_stock_year"].notna().any() else pd.NA,
            "received_per_emigrant_usd": (per["received_usd"].sum() / per["emigrants_persons"].sum()
                                          if len(per) else np.nan),
        })
    cols = ["group", "countries", "year", "received_usd", "countries_paid", "paid_usd",
            "received_pct_gdp",
            "emigrants_persons", "emigrants_stock_year", "received_per_emigrant_usd"]
    out = pd.DataFrame(rows, columns=cols)
    out["emigrants_stock_year"] = out["emigrants_stock_year"].astype("Int64")
    return with_revision(out, stock_source)


def remittance_corridors(
    year: int | None = None,
    n: int | None = 10,
    group: GroupLike | None = None,
    side: RemittanceSide = "receiving",
    *,
    matrix: str | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Largest bilateral remittance corridors (host/sending -> origin/receiving country).

    The matrices estimate bilateral flows; country totals of receipts come from KNOMAD's June-2023
    inflows, which KNOMAD revised after making the 2021 matrix, so a country's sum over corridors
    can differ from its total (Viet Nam 2021: 18,060 in the matrix, 12,500 in the inflows).

    Parameters
    ----------
    year
        Integer year of the matrix (its only year: 2021 or 2017; default that year).
    n
        Number of corridors (``None``: all positive corridors).
    group
        ``None`` for the world, else a group code / ISO3 / list of ISO3.
    side
        With a group: ``"receiving"`` (into members), ``"sending"`` (out of members), ``"either"``
        or ``"within"``.
    matrix
        Edition of the bilateral remittance matrix: ``"2021"`` (KNOMAD/World Bank, December
        2022; the default when the store has it) or ``"2017"`` (World Bank, April 2018); the
        source ids ``"knomad_remittance_matrix_2021"``/``"wb_remittance_matrix_2017"`` work too.
    con
        DuckDB connection (default: the store).

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``sending``, ``sending_name``, ``receiving``, ``receiving_name``, ``year``,
        ``remittances_usd_million`` (US$ million, World Bank/KNOMAD estimate) and ``matrix``
        (the edition, e.g. ``"2021"``).
    """
    from labourlink.store.revisions import REMITTANCE_MATRICES, resolve_remittance_matrix

    con = get_connection(con)
    edition = resolve_remittance_matrix(con, matrix)
    source = REMITTANCE_MATRICES[edition]
    check_option("side", side, RemittanceSide)
    check_count("n", n, allow_none=True)
    allowed = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM remittance_bilateral WHERE source = ? ORDER BY 1", [source]
    ).fetchall()]
    if not allowed:
        raise InvalidArgumentError("matrix", matrix, f"an edition the store holds; {source!r} "
                                   "has no rows (run `labourlink data build`)")
    (yr,) = normalise_years([year if year is not None else allowed[-1]], allowed, name="year")
    where = "source = $s AND year = $y AND usd_million > 0"
    params: dict[str, object] = {"s": source, "y": yr}
    if group is not None:
        grp = resolve_group(con, group)
        params["m"] = list(grp.members)
        where += " AND " + member_condition(side, "receiving", "sending")
    limit = ""
    if n is not None:
        limit = "LIMIT $n"
        params["n"] = n
    df = con.execute(
        f"""
        SELECT sending, receiving, SUM(usd_million) AS remittances_usd_million
        FROM remittance_bilateral WHERE {where}
        GROUP BY 1, 2
        ORDER BY remittances_usd_million DESC, sending, receiving {limit}
        """,
        params,
    ).df()
    add_names_and_rank(df, con, ("sending", "receiving"), yr)
    df["remittances_usd_million"] = df["remittances_usd_million"].astype("float64")
    df["matrix"] = edition
    return df[["rank", "sending", "sending_name", "receiving", "receiving_name", "year",
               "remittances_usd_million", "matrix"]]


def remittance_dependence(
    top: int = 10,
    year: int | None = None,
    group: GroupLike | None = None,
    *,
    source: str = REM_SOURCE,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Countries most dependent on remittances: received as % of GDP, largest first.

    Parameters
    ----------
    top
        Number of countries (>= 1).
    year
        Integer year; ``None`` = the latest year with any % of GDP value (among the group's
        members when a group is given).
    group
        ``None`` (all countries of the ``country`` table) or a group code / ISO3 list.
    source
        ``indicator`` source (see :func:`remittances`; default ``"wdi_remittances"``, whose % of
        GDP series is published up to 2021).
    con
        DuckDB connection (default: the store).

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``iso3``, ``name``, ``year``, ``received_pct_gdp`` (percent of GDP) and
        ``received_usd`` (current US$). Only ISO3 codes of the ``country`` table are ranked
        (World Bank aggregates are excluded).
    """
    con = get_connection(con)
    check_count("top", top)
    countries = [r[0] for r in con.execute("SELECT iso3 FROM country").fetchall()]
    members = countries
    if group is not None:
        members = sorted(set(resolve_group(con, group).members) & set(countries))
    available = _available_years(con, source)
    panel = _panel(con, source, members, available).dropna(subset=["received_pct_gdp"])
    allowed = sorted(int(y) for y in panel["year"].unique())
    if not allowed:
        raise InvalidArgumentError("source", source, "a source with received % of GDP values "
                                   "for these countries")
    yr = allowed[-1] if year is None else normalise_years([year], allowed, name="year")[0]
    df = (panel[panel["year"] == yr]
          .sort_values(["received_pct_gdp", "iso3"], ascending=[False, True], kind="mergesort")
          .head(top).reset_index(drop=True))
    df["name"] = df["iso3"].map(country_names(con))
    df["year"] = yr
    df["rank"] = np.arange(1, len(df) + 1)
    for c in ("received_pct_gdp", "received_usd"):
        df[c] = df[c].astype("float64")
    return df[["rank", "iso3", "name", "year", "received_pct_gdp", "received_usd"]]
