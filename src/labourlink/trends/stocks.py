"""Migrant stocks, corridors, intraregional shares, emigration rates and immigrant shares.

All numbers come from the store's ``migrant_stock`` table (UN DESA International Migrant Stock,
persons at mid-year), one revision at a time (``revision``: the newest in the store by default,
``"2024"``; or ``"2020"``, or the source id ``"undesa_ims2019"``; never mixed; see
:mod:`labourlink.store.revisions`), and population from the ``indicator`` table
(``SP.POP.TOTL``, source ``datahub_wdi``, persons).

Definitions
-----------
* *hosted* / immigrants of a group (``side="destination"``): migrants whose country of residence
  is a member, from any origin, including UN DESA's "other / unknown" origin ``XXX``.
* *emigrants* of a group (``side="origin"``): migrants born in a member, living in any country.
* A group's total is the sum over members that appear in the data; ``countries`` counts them.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError, UnknownCountryError
from labourlink.store.revisions import resolve_stock_source
from labourlink.trends._common import (
    OUTSIDE_ESCAP,
    POPULATION_CODE,
    POPULATION_SOURCE,
    REM_TOTALS_SOURCE,
    UNKNOWN_ORIGIN,
    Aggregation,
    By,
    CorridorSide,
    Group,
    GroupLike,
    Side,
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
    subregion_map,
    with_revision,
)

SEXES = ("total", "male", "female")


def _sexes_available(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT sex FROM migrant_stock WHERE source = ? ORDER BY 1", [source]
    ).fetchall()
    return [r[0] for r in rows]


def _check_sex(con: duckdb.DuckDBPyConnection, source: str, sexes: Iterable[str]) -> None:
    avail = _sexes_available(con, source)
    for s in sexes:
        if s not in SEXES:
            raise InvalidArgumentError("sex", s, SEXES)
        if s not in avail:
            raise InvalidArgumentError(
                "sex", s, f"{avail} (source {source!r} does not publish {s!r} stocks)"
            )


def _group_years(
    con: duckdb.DuckDBPyConnection,
    group: GroupLike | None,
    years: int | Iterable[int] | None,
    source: str,
) -> tuple[Group, list[int]]:
    """Check the stock ``source`` and ``years`` (integer years of the revision), then resolve
    ``group``; in that order, so the first bad argument is the one reported."""
    yrs = normalise_years(years, check_stock_source(con, source))
    return resolve_group(con, group), yrs


def _country_stocks(
    con: duckdb.DuckDBPyConnection,
    grp: Group,
    years: list[int],
    side: Side,
    sexes: list[str],
    source: str,
) -> pd.DataFrame:
    """Per member-country stocks: columns iso3, year, sex, persons."""
    col = "destination" if side == "destination" else "origin"
    df = con.execute(
        f"""
        SELECT {col} AS iso3, year, sex, SUM(persons) AS persons
        FROM migrant_stock
        WHERE source = ? AND list_contains(?, {col}) AND list_contains(?, year)
          AND list_contains(?, sex)
        GROUP BY 1, 2, 3
        """,
        [source, list(grp.members), years, sexes],
    ).df()
    df["year"] = df["year"].astype("int64")
    return df.sort_values(["year", "sex", "iso3"], kind="mergesort").reset_index(drop=True)


def migrant_stock(
    group: GroupLike | None = "ESCAP",
    years: int | Iterable[int] | None = None,
    side: Side = "destination",
    by: By = "subregion",
    *,
    sex: str = "total",
    revision: str | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """International migrant stock of a group, by subregion, country, sex or for the whole group.

    Parameters
    ----------
    group
        Group code of ``country_group`` (default ``"ESCAP"``), an ISO3 code or a list of ISO3 codes.
    years
        Integer year(s) of the UN DESA revision (1990, 1995, ..., 2020, 2024 for the 2024
        revision);
        ``None`` for all.
    side
        ``"destination"``: migrants living in the members (hosted, any origin incl. unknown);
        ``"origin"``: migrants born in the members (emigrants, living anywhere).
    by
        ``"subregion"`` (ESCAP subregion of the member; ``OUTSIDE_ESCAP`` otherwise),
        ``"country"``, ``"sex"`` (rows ``total``, ``male``, ``female``) or ``"group"``.
    sex
        ``"total"`` (default), ``"male"`` or ``"female"`` (ignored when ``by="sex"``).
    revision
        UN DESA revision: ``"2024"`` or ``"2020"`` (default: the newest in the store, 2024); a
        source id such as ``"undesa_ims2019"`` is accepted too. Never mixed.
    con
        DuckDB connection (default: the store).

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``side``, ``year`` and, by ``by``: ``subregion``/``iso3, name``/``sex``,
        then ``countries`` (members with data; not for ``by="country"``) and ``persons``
        (migrant stock, persons).
    """
    con = get_connection(con)
    source = resolve_stock_source(con, revision)
    check_option("side", side, Side)
    check_option("by", by, By)
    grp, yrs = _group_years(con, group, years, source)
    sexes = list(SEXES) if by == "sex" else [sex]
    if by == "sex":
        sexes = [s for s in SEXES if s in _sexes_available(con, source)]
        if sexes != list(SEXES):
            raise InvalidArgumentError(
                "by", by, f"subregion, country, group (source {source!r} has no stocks by sex)"
            )
    _check_sex(con, source, sexes)
    per = _country_stocks(con, grp, yrs, side, sexes, source)
    head = {"group": grp.code, "side": side}
    if by == "country":
        names = country_names(con)
        out = per.drop(columns="sex").assign(name=lambda d: d["iso3"].map(names))
        out = out[["year", "iso3", "name", "persons"]]
    else:
        if by == "subregion":
            sub = subregion_map(con)
            per["subregion"] = per["iso3"].map(sub).fillna(OUTSIDE_ESCAP)
            keys = ["year", "subregion"]
        elif by == "sex":
            keys = ["year", "sex"]
        else:
            keys = ["year"]
        out = (
            per.groupby(keys, sort=True)
            .agg(countries=("iso3", "nunique"), persons=("persons", "sum"))
            .reset_index()
        )
        if by == "sex":
            out["sex"] = pd.Categorical(out["sex"], categories=list(SEXES), ordered=True)
            out = out.sort_values(["year", "sex"]).reset_index(drop=True)
            out["sex"] = out["sex"].astype(str)
    for k, v in reversed(list(head.items())):
        out.insert(0, k, v)
    out["persons"] = out["persons"].astype("float64")
    return with_revision(out.reset_index(drop=True), source)


def intraregional_share(
    group: GroupLike | None = "ESCAP",
    year: int | None = None,
    *,
    revision: str | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Intraregional migration shares of a group, with both definitions, labelled.

    * ``emigrants_living_in_group``: migrants born in a member and living in a member, divided by
      all migrants born in a member (living anywhere).
    * ``immigrants_born_in_group``: the same within-group stock divided by all migrants living in
      a member (any origin, including UN DESA's unknown origin ``XXX``).

    Parameters
    ----------
    group
        Group code, ISO3 code or list of ISO3 codes (default ``"ESCAP"``).
    year
        Integer year of the revision (default: its latest, 2024 in the 2024 revision).
    revision
        UN DESA revision (``"2024"``, ``"2020"``; default: the newest in the store).
    con
        DuckDB connection (default: the store).

    Returns
    -------
    pandas.DataFrame
        Two rows; columns ``group``, ``year``, ``definition``, ``description``,
        ``within_group_persons`` (numerator, persons), ``total_persons`` (denominator, persons) and
        ``share`` (in [0, 1]; NaN when the denominator is 0).
    """
    con = get_connection(con)
    source = resolve_stock_source(con, revision)
    allowed = check_stock_source(con, source)
    (yr,) = normalise_years([allowed[-1] if year is None else year], allowed, name="year")
    grp = resolve_group(con, group)
    within, emig, immig = con.execute(
        """
        SELECT
          COALESCE(SUM(CASE WHEN list_contains($m, origin) AND list_contains($m, destination)
                            THEN persons END), 0),
          COALESCE(SUM(CASE WHEN list_contains($m, origin) THEN persons END), 0),
          COALESCE(SUM(CASE WHEN list_contains($m, destination) THEN persons END), 0)
        FROM migrant_stock
        WHERE source = $s AND year = $y AND sex = 'total'
          AND (list_contains($m, origin) OR list_contains($m, destination))
        """,
        {"m": list(grp.members), "s": source, "y": yr},
    ).fetchone()  # type: ignore[misc]
    rows = [
        ("emigrants_living_in_group",
         "share of the group's emigrants who live in the group", float(within), float(emig)),
        ("immigrants_born_in_group",
         "share of the group's immigrants who were born in the group", float(within), float(immig)),
    ]
    out = pd.DataFrame(
        rows, columns=["definition", "description", "within_group_persons", "total_persons"]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(
            out["total_persons"] > 0, out["within_group_persons"] / out["total_persons"], np.nan
        )
    out.insert(0, "year", yr)
    out.insert(0, "group", grp.code)
    return with_revision(out, source)


def top_corridors(
    n: int = 10,
    year: int | None = None,
    group: GroupLike | None = None,
    side: CorridorSide = "destination",
    *,
    start_year: int | None = 1990,
    revision: str | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """The largest origin -> destination migrant corridors in a year, with change since ``start_year``.

    Parameters
    ----------
    n
        Number of corridors (>= 1).
    year
        Integer year of the ranking (default: the revision's latest).
    group
        ``None`` for all corridors in the world, else a group code / ISO3 code / list of ISO3.
    side
        With a group: ``"destination"`` (corridors into members), ``"origin"`` (out of members),
        ``"either"`` (touching a member) or ``"within"`` (both ends members).
    start_year
        Base year of the change columns (must precede ``year``); ``None`` for no change columns
        (they are then NaN).
    revision
        UN DESA revision (``"2024"``, ``"2020"``; default: the newest in the store).
    con
        DuckDB connection (default: the store).

    Returns
    -------
    pandas.DataFrame
        Columns ``rank``, ``origin``, ``origin_name``, ``destination``, ``destination_name``,
        ``year``, ``persons`` (stock in ``year``), ``start_year``, ``persons_start`` (stock in
        ``start_year``; 0 if the corridor was not reported), ``change_persons`` (absolute change,
        persons) and ``annual_growth_pct`` (compound annual growth rate, percent per year; NaN
        when ``persons_start`` is 0). The unknown origin ``XXX`` is excluded. Ties are ordered by
        origin then destination code.
    """
    con = get_connection(con)
    source = resolve_stock_source(con, revision)
    check_count("n", n)
    check_option("side", side, CorridorSide)
    allowed = check_stock_source(con, source)
    (yr,) = normalise_years([allowed[-1] if year is None else year], allowed, name="year")
    if start_year is not None:
        earlier = [y for y in allowed if y < yr]
        (y0,) = normalise_years([start_year], earlier or ["(none before year)"], name="start_year")  # type: ignore[list-item]
    where = ["source = $s", "sex = 'total'", f"origin <> '{UNKNOWN_ORIGIN}'"]
    params: dict[str, object] = {"s": source}
    if group is not None:
        grp = resolve_group(con, group)
        params["m"] = list(grp.members)
        where.append(member_condition(side, "destination", "origin"))
    base = " AND ".join(where)
    params["y"] = yr
    params["n"] = n
    top = con.execute(
        f"""
        SELECT origin, destination, SUM(persons) AS persons
        FROM migrant_stock WHERE {base} AND year = $y
        GROUP BY 1, 2
        HAVING SUM(persons) > 0
        ORDER BY persons DESC, origin, destination
        LIMIT $n
        """,
        params,
    ).df()
    top["persons"] = top["persons"].astype("float64")
    if start_year is not None:
        start = con.execute(
            """
            SELECT origin, destination, SUM(persons) AS persons_start
            FROM migrant_stock
            WHERE source = $s AND sex = 'total' AND year = $y0
              AND list_contains($o, origin) AND list_contains($d, destination)
            GROUP BY 1, 2
            """,
            {"s": source, "y0": y0, "o": top["origin"].unique().tolist(),
             "d": top["destination"].unique().tolist()},
        ).df()
        top = top.merge(start, on=["origin", "destination"], how="left")
        top["persons_start"] = top["persons_start"].fillna(0.0).astype("float64")
        top["start_year"] = y0
        top["change_persons"] = top["persons"] - top["persons_start"]
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = (np.power(top["persons"] / top["persons_start"], 1.0 / (yr - y0)) - 1.0) * 100
        top["annual_growth_pct"] = np.where(top["persons_start"] > 0, growth, np.nan)
    else:
        top["start_year"] = pd.NA
        top["persons_start"] = np.nan
        top["change_persons"] = np.nan
        top["annual_growth_pct"] = np.nan
    add_names_and_rank(top, con, ("origin", "destination"), yr)
    cols = ["rank", "origin", "origin_name", "destination", "destination_name", "year", "persons",
            "start_year", "persons_start", "change_persons", "annual_growth_pct"]
    return with_revision(top[cols].reset_index(drop=True), source)


def _population(
    con: duckdb.DuckDBPyConnection, members: list[str], years: list[int], source: str
) -> pd.DataFrame:
    """iso3, year, population_persons (``SP.POP.TOTL``, persons) for ``members``."""
    pop = indicator_rows(con, source, [POPULATION_CODE], years, members, non_null=False)
    return pop[["iso3", "year", "value"]].rename(columns={"value": "population_persons"})


def _rate(
    side: Side,
    label: str,
    rate_col: str,
    group: GroupLike | None,
    years: int | Iterable[int] | None,
    by: str,
    revision: str | int | None,
    population_source: str,
    con: duckdb.DuckDBPyConnection | None,
) -> pd.DataFrame:
    con = get_connection(con)
    source = resolve_stock_source(con, revision)
    check_option("by", by, Aggregation)
    grp, yrs = _group_years(con, group, years, source)
    stocks = _country_stocks(con, grp, yrs, side, ["total"], source).drop(columns="sex")
    stocks = stocks.rename(columns={"persons": label})
    pop = _population(con, list(grp.members), yrs, population_source)
    # every member x year, so a member without migrants but with population shows 0 migrants
    frame = pop.merge(stocks, on=["iso3", "year"], how="outer")
    frame[label] = frame[label].fillna(0.0)
    if by == "country":
        names = country_names(con)
        frame["name"] = frame["iso3"].map(names)
        with np.errstate(divide="ignore", invalid="ignore"):
            frame[rate_col] = frame[label] / frame["population_persons"]
        out = frame[["year", "iso3", "name", label, "population_persons", rate_col]]
        out = out.sort_values(["year", "iso3"]).reset_index(drop=True)
    else:
        both = frame.dropna(subset=["population_persons"])
        out = (
            both.groupby("year", sort=True)
            .agg(countries=("iso3", "nunique"), **{label: (label, "sum")},
                 population_persons=("population_persons", "sum"))
            .reset_index()
        )
        out[rate_col] = out[label] / out["population_persons"]
    out.insert(0, "group", grp.code)
    out[label] = out[label].astype("float64")
    return with_revision(out, source)


def emigration_rate(
    group: GroupLike | None = "ESCAP",
    years: int | Iterable[int] | None = None,
    *,
    by: str = "country",
    revision: str | int | None = None,
    population_source: str = POPULATION_SOURCE,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Emigration rate: emigrants living abroad divided by the resident population of origin.

    Parameters
    ----------
    group
        Group code, ISO3 code or list of ISO3 codes (default ``"ESCAP"``).
    years
        Integer stock years (default all of the revision).
    by
        ``"country"`` (one row per member and year) or ``"group"`` (sums over members that have a
        population figure; ``countries`` counts them).
    revision, population_source
        UN DESA revision (default: the newest in the store) and ``indicator`` source of
        ``SP.POP.TOTL``.
    con
        DuckDB connection (default: the store).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``year``, (``iso3``, ``name`` | ``countries``), ``emigrants_persons``,
        ``population_persons`` (resident population, same year) and ``emigration_rate_share``
        (emigrants / population, a ratio; NaN where population is missing).
    """
    return _rate("origin", "emigrants_persons", "emigration_rate_share", group, years, by,
                 revision, population_source, con)


def immigrant_share(
    group: GroupLike | None = "ESCAP",
    years: int | Iterable[int] | None = None,
    *,
    by: str = "country",
    revision: str | int | None = None,
    population_source: str = POPULATION_SOURCE,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Immigrant share: migrants living in a country divided by its resident population.

    Same parameters as :func:`emigration_rate`. Columns ``group``, ``year``, (``iso3``, ``name`` |
    ``countries``), ``immigrants_persons``, ``population_persons`` and ``immigrant_share``
    (a ratio in [0, 1] when the sources agree).
    """
    return _rate("destination", "immigrants_persons", "immigrant_share", group, years, by,
                 revision, population_source, con)


def female_share(
    group: GroupLike | None = "ESCAP",
    years: int | Iterable[int] | None = None,
    side: Side = "destination",
    *,
    by: str = "group",
    revision: str | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Female share of migrants hosted by (``side="destination"``) or born in (``"origin"``) a group.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``side``, ``year``, (``iso3``, ``name`` when ``by="country"``),
        ``female_persons``, ``total_persons`` and ``female_share`` (in [0, 1]).
    """
    con = get_connection(con)
    source = resolve_stock_source(con, revision)
    check_option("side", side, Side)
    check_option("by", by, Aggregation)
    grp, yrs = _group_years(con, group, years, source)
    _check_sex(con, source, ["total", "female"])
    per = _country_stocks(con, grp, yrs, side, ["total", "female"], source)
    wide = per.pivot_table(index=["iso3", "year"], columns="sex", values="persons",
                           aggfunc="sum", fill_value=0.0).reset_index()
    for s in ("total", "female"):
        if s not in wide:
            wide[s] = 0.0
    wide = wide.rename(columns={"female": "female_persons", "total": "total_persons"})
    if by == "group":
        wide = wide.groupby("year", sort=True)[["female_persons", "total_persons"]].sum().reset_index()
        cols = ["year", "female_persons", "total_persons"]
    else:
        wide["name"] = wide["iso3"].map(country_names(con))
        cols = ["year", "iso3", "name", "female_persons", "total_persons"]
        wide = wide.sort_values(["year", "iso3"])
    out = wide[cols].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["female_share"] = np.where(out["total_persons"] > 0,
                                       out["female_persons"] / out["total_persons"], np.nan)
    out.insert(0, "side", side)
    out.insert(0, "group", grp.code)
    out.columns.name = None
    return with_revision(out.reset_index(drop=True), source)


OVERVIEW_COLUMNS = ["group", "year", "hosted", "emigrants", "intraregional_share_of_emigrants",
                    "intraregional_share_of_immigrants", "remittances_received_usd",
                    "remittances_year", "revision"]


def overview(
    group: GroupLike | None = "ESCAP",
    years: int | Iterable[int] | None = None,
    *,
    revision: str | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Headline numbers of a group per stock year.

    Returns
    -------
    pandas.DataFrame
        One row per year with ``group``, ``year``, ``hosted`` (migrants living in members,
        persons), ``emigrants`` (migrants born in members living anywhere, persons),
        ``intraregional_share_of_emigrants`` and ``intraregional_share_of_immigrants`` (shares in
        [0, 1], see :func:`intraregional_share`), ``remittances_received_usd`` (sum over members
        of KNOMAD's June-2023 remittance inflows, current US$, the source of country totals), in
        ``remittances_year``: the latest year at or before the stock year with inflows, at most
        4 years earlier (e.g. 2022 for the 2024 stocks; NaN/None when there is none), and
        ``revision`` (the UN DESA revision of the stocks, e.g. ``"2024"``).
    """
    from labourlink.store.revisions import nearest_at_or_before, revision_of
    from labourlink.trends.remittances import MAX_STOCK_LAG, remittance_years, remittances

    con = get_connection(con)
    source = resolve_stock_source(con, revision)
    grp, yrs = _group_years(con, group, years, source)
    rem_years = remittance_years(con, REM_TOTALS_SOURCE)
    rows = []
    for y in yrs:
        shares = intraregional_share(list(grp.members), y, revision=source, con=con)
        emig, immig = shares["total_persons"].tolist()
        ry = nearest_at_or_before(y, rem_years)
        rem_usd = float("nan")
        if ry is not None and y - ry <= MAX_STOCK_LAG:
            rem = remittances(list(grp.members), ry, by="group", source=REM_TOTALS_SOURCE,
                              strict_years=False, con=con)
            if len(rem) and rem["countries"].iloc[0] > 0:
                rem_usd = float(rem["received_usd"].iloc[0])
        rows.append((grp.code, y, immig, emig, float(shares["share"].iloc[0]),
                     float(shares["share"].iloc[1]), rem_usd,
                     ry if not np.isnan(rem_usd) else None, revision_of(source)))
    out = pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)
    out["remittances_year"] = out["remittances_year"].astype("Int64")
    return out


def country_profile(
    iso3: str,
    years: int | Iterable[int] | None = None,
    *,
    revision: str | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """One country's migration and remittance indicators per stock year.

    Returns
    -------
    pandas.DataFrame
        ``iso3``, ``name``, ``year``, ``immigrants_persons``, ``emigrants_persons``,
        ``population_persons``, ``immigrant_share``, ``emigration_rate_share``,
        ``female_share_of_immigrants``, ``female_share_of_emigrants`` (ratios; NaN where the
        revision has no stocks by sex), ``remittances_received_usd``, ``remittances_paid_usd``
        (current US$) and ``remittances_received_pct_gdp`` (percent of GDP), WDI.
    """
    from labourlink.trends.remittances import remittances

    con = get_connection(con)
    source = resolve_stock_source(con, revision)
    code0 = str(iso3).strip().upper()
    if not con.execute("SELECT 1 FROM country WHERE iso3 = ?", [code0]).fetchone():
        raise UnknownCountryError(str(iso3), context="not an ISO3 code of the store's country table")
    grp = resolve_group(con, code0)
    if len(grp.members) != 1:
        raise InvalidArgumentError("iso3", iso3, "one ISO3 code of the country table")
    code = grp.members[0]
    allowed = check_stock_source(con, source)
    yrs = normalise_years(years, allowed)
    imm = immigrant_share(code, yrs, revision=source, con=con)
    emi = emigration_rate(code, yrs, revision=source, con=con)
    out = pd.DataFrame({"year": yrs})
    out = out.merge(imm[["year", "immigrants_persons", "population_persons", "immigrant_share"]],
                    on="year", how="left")
    out = out.merge(emi[["year", "emigrants_persons", "emigration_rate_share"]], on="year", how="left")
    has_sex = "female" in _sexes_available(con, source)
    sides: tuple[tuple[Side, str], ...] = (("destination", "female_share_of_immigrants"),
                                           ("origin", "female_share_of_emigrants"))
    for side, col in sides:
        if has_sex:
            fs = female_share(code, yrs, side, revision=source, con=con)[["year", "female_share"]]
            out = out.merge(fs.rename(columns={"female_share": col}), on="year", how="left")
        else:
            out[col] = np.nan
    rem = remittances(code, [y for y in yrs], con=con, strict_years=False)
    rem = rem[["year", "received_usd", "paid_usd", "received_pct_gdp"]].rename(
        columns={"received_usd": "remittances_received_usd", "paid_usd": "remittances_paid_usd",
                 "received_pct_gdp": "remittances_received_pct_gdp"})
    out = out.merge(rem, on="year", how="left")
    for c in ("immigrants_persons", "emigrants_persons"):
        out[c] = out[c].fillna(0.0)
    out.insert(0, "name", country_names(con).get(code))
    out.insert(0, "iso3", code)
    cols = ["iso3", "name", "year", "immigrants_persons", "emigrants_persons", "population_persons",
            "immigrant_share", "emigration_rate_share", "female_share_of_immigrants",
            "female_share_of_emigrants", "remittances_received_usd", "remittances_paid_usd",
            "remittances_received_pct_gdp"]
    return with_revision(out[cols], source)
