"""Estimation panels built from the store: exporter x importer x year with trade, migrant
networks, geography, trade agreements, GDP and population.

Migrant networks: the two directions (defined here once)
--------------------------------------------------------
For a trade flow from exporter ``i`` to importer ``j`` in year ``t``:

``mig_imp`` (:data:`MIG_IMP`)
    people born in ``i`` (the exporter) living in ``j`` (the importer): the **importer-side**
    network (immigrants in the importing country from the exporting country), persons;
``mig_exp`` (:data:`MIG_EXP`)
    people born in ``j`` (the importer) living in ``i`` (the exporter): the **exporter-side**
    network (emigrants of the importing country living in the exporting country), persons;
``mig`` (:data:`MIG`)
    ``mig_imp + mig_exp``, the bilateral network in both directions, persons.

Each has a ``log_`` version, ``log(1 + persons)`` (:func:`log_network`): zero stocks are
frequent (UN DESA publishes no row for a zero pair) and map to 0 instead of being dropped. Lags
``log_mig_imp_lag{L}`` / ``log_mig_exp_lag{L}`` / ``log_mig_lag{L}`` are the same series evaluated
at ``year - L`` (L in years), read from the interpolated stock series, so they exist whenever
``year - L`` is inside the UN DESA years (not only when the panel has that year).

Interpolation: UN DESA publishes stocks every five years (1990, 1995, ..., 2015 and 2020 in the
2020 revision). For a trade year between two published years the stock is interpolated
**log-linearly** (geometric: ``s0 * (s1 / s0) ** w``, ``w = (t - t0) / (t1 - t0)``); when one of
the two published stocks is zero, linearly. Years outside the published range are **not**
extrapolated (NaN). A pair absent from the publisher's table, between countries the table covers,
has stock 0 (UN DESA drops zero pairs); a country the table does not cover (e.g. the EU as a
reporter) gets NaN. The output frame says so: ``df.attrs["migration"]`` describes the source and
the method, and the column ``mig_interpolated`` is True where the year is not a published year.
One revision is used per panel (``revision``: the newest in the store by default, 2024; or
``"2020"``); revisions are never mixed, and ``attrs["migration"]["revision"]`` says which.

Inputs that stop earlier than the panel's years (GDP and population, PPP income per head) are
joined at their last available year for later years (the nearest year at or before); the frame
says which years were joined in ``attrs["covariate_years"]`` (panel year -> year used, per series).

Panels (:data:`PANELS`)
-----------------------
``wto``      WTO bilateral imports (importer-reported, current US$), 1996-2020, 2009 missing;
             with UN DESA stocks; the study's main panel (default years 2000-2020).
``penppml``  penppml UN Comtrade exports (current US$), 1964-2016 every 4 years (with the DTA
             dummy ``dta_agreement``).
``yotov``    Yotov et al. (2016) 69-country manufacturing panel (current US$ million) with the
             book's covariates (``dist``, ``cntg``, ``lang``, ``clny``, ``rta`` and its lags/lead,
             ``pair_id``) and intra-national flows (``domestic``); default years 1986-2006 every 4.
``rose``     Rose (2004), 1948-1999 (undirected; ``trade`` = exp(``ltrade``), real US$).
``fixest``   fixest's EU15 trade by product, 2007-2016 (EUR), with ``product``.

Common columns: ``exp``, ``imp`` (ISO3), ``year`` (int), ``pair`` (directed ``EXP_IMP``),
``pair_sym`` (undirected, codes sorted), ``trade`` (level, unit in ``attrs["trade_unit"]``),
``log_trade`` (log of positive trade, NaN for zeros: for log-linear OLS only),
``domestic`` (exp == imp), geography ``dist_km``, ``log_dist``, ``cntg``, ``lang``, ``clny``
(the Yotov et al. names; CEPII GeoDist ``distw_km`` (``dist_km`` where missing), ``contig``,
``comlang_off``, ``colony`` except in ``yotov``/``rose``, which carry their own), ``rta`` (0/1:
a WTO-notified agreement covering goods in force, :func:`rta_intervals`; the book's ``rta`` in
``yotov``), ``rta_mnp`` (0/1: a trade agreement with a movement-of-natural-persons chapter in force,
from the governance registry, :func:`mnp_intervals`),
country-year ``gdp_exp``/``gdp_imp`` (current US$), ``pop_exp``/``pop_imp`` (persons),
``gdppc_exp``/``gdppc_imp`` (GDP per capita, PPP, constant 2017 int. $) with ``log_`` versions,
``escap_exp``, ``escap_imp``, ``escap_pair`` (0/1: both ESCAP members), and the migrant networks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import EstimationError, InvalidArgumentError, StoreError

# --- the two network directions: the one definition ------------------------------------------
MIG_IMP = "mig_imp"
"""Persons born in the exporter living in the importer (importer-side network)."""
MIG_EXP = "mig_exp"
"""Persons born in the importer living in the exporter (exporter-side network)."""
MIG = "mig"
"""Both directions: ``mig_imp + mig_exp`` (persons)."""
NETWORKS: dict[str, str] = {
    MIG_IMP: "persons born in the exporter living in the importer (importer-side network)",
    MIG_EXP: "persons born in the importer living in the exporter (exporter-side network)",
    MIG: "mig_imp + mig_exp: bilateral migrant network in both directions",
}
ESCAP_GROUP = "ESCAP"


def log_name(network: str) -> str:
    """Name of the log of a network column: ``mig_imp`` -> ``log_mig_imp``."""
    return f"log_{network}"


def lag_name(network: str, lag: int) -> str:
    """Name of a lagged log network: (``mig_imp``, 5) -> ``log_mig_imp_lag5``."""
    return f"log_{network}_lag{int(lag)}"


def log_network(persons: np.ndarray | pd.Series) -> np.ndarray:
    """``log(1 + persons)``: the log of a migrant stock with zeros kept (0 persons -> 0).

    Parameters
    ----------
    persons : array
        Migrant stock, persons (>= 0; NaN stays NaN).

    Returns
    -------
    ndarray
        Natural log of one plus the stock.
    """
    return np.log1p(np.asarray(persons, dtype=np.float64))


def network_frame(exp: Sequence[str] | np.ndarray, imp: Sequence[str] | np.ndarray,
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (origin, destination) keys of both networks for flows ``exp -> imp``.

    Returns ``(keys_imp, keys_exp)``: ``mig_imp`` reads the stock with origin = exporter and
    destination = importer; ``mig_exp`` the stock with origin = importer, destination = exporter.
    """
    e = np.asarray(exp, dtype=object)
    i = np.asarray(imp, dtype=object)
    return (pd.DataFrame({"origin": e, "destination": i}),
            pd.DataFrame({"origin": i, "destination": e}))


# --- interpolation -----------------------------------------------------------------------------
INTERPOLATION_NOTE = (
    "log-linear (geometric) interpolation between published years; linear where one published "
    "stock is zero; no extrapolation outside the published years (NaN); pairs absent from the "
    "table between covered countries = 0 persons")


def interpolate_stocks(stocks: pd.DataFrame, origin: Sequence[str] | np.ndarray,
                       destination: Sequence[str] | np.ndarray,
                       year: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bilateral migrant stocks at arbitrary years, interpolated log-linearly.

    Parameters
    ----------
    stocks : DataFrame
        Published stocks: ``origin``, ``destination`` (ISO3), ``year`` (int), ``persons``; one
        revision, one sex.
    origin, destination : array of str
        Country of birth and country of residence of each query.
    year : array of int
        Query years (e.g. trade years, or trade years minus a lag).

    Returns
    -------
    persons : ndarray of float
        Stock in persons (NaN outside the published years or for countries the table does not
        cover; 0 for a covered pair absent from the table).
    interpolated : ndarray of bool
        True where the year is not a published year (value interpolated).
    """
    o = np.asarray(origin, dtype=object)
    d = np.asarray(destination, dtype=object)
    t = np.asarray(year, dtype=np.int64)
    n = len(t)
    if not (len(o) == len(d) == n):
        raise EstimationError(f"origin ({len(o)}), destination ({len(d)}) and year ({n}) must "
                              "have the same length")
    out = np.full(n, np.nan)
    interp = np.zeros(n, dtype=bool)
    if stocks.empty or n == 0:
        return out, interp
    wide = stocks.pivot_table(index=["origin", "destination"], columns="year", values="persons",
                              aggfunc="sum").fillna(0.0)
    years = np.asarray(wide.columns, dtype=np.int64)
    W = np.vstack([wide.to_numpy(dtype=np.float64), np.zeros((1, len(years)))])
    q = pd.MultiIndex.from_arrays([o, d])
    row = wide.index.get_indexer(q)
    row = np.where(row < 0, W.shape[0] - 1, row)  # absent pair -> the zero row
    inside = (t >= years[0]) & (t <= years[-1])
    tt = np.clip(t, years[0], years[-1])
    i1 = np.searchsorted(years, tt, side="left")
    exact = years[i1] == tt
    i0 = np.where(exact, i1, i1 - 1)
    y0, y1 = years[i0], years[i1]
    s0, s1 = W[row, i0], W[row, i1]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(exact, 0.0, (tt - y0) / np.where(y1 > y0, y1 - y0, 1))
        geo = np.exp((1 - w) * np.log(np.where(s0 > 0, s0, 1.0))
                     + w * np.log(np.where(s1 > 0, s1, 1.0)))
    lin = (1 - w) * s0 + w * s1
    val = np.where(exact, s0, np.where((s0 > 0) & (s1 > 0), geo, lin))
    covered = (pd.Index(o).isin(stocks["origin"].unique())
               & pd.Index(d).isin(stocks["destination"].unique()))
    ok = inside & covered
    out[ok] = val[ok]
    interp[ok] = ~exact[ok]
    return out, interp


def read_stocks(con: duckdb.DuckDBPyConnection, revision: object = None,
                sex: str = "total") -> pd.DataFrame:
    """Published bilateral stocks of one revision and sex (``origin``, ``destination``, ``year``,
    ``persons``); the other/unknown origin ``XXX`` is left out. ``revision``: ``"2024"``,
    ``"2020"`` or a ``migrant_stock`` source id (default: the newest in the store);
    ``attrs["source"]`` is the source id read."""
    from labourlink.store.revisions import resolve_stock_source

    source = resolve_stock_source(con, revision)
    if sex not in ("total", "male", "female"):
        raise InvalidArgumentError("sex", sex, ("total", "male", "female"))
    df = con.execute(
        "SELECT origin, destination, year, persons FROM migrant_stock "
        "WHERE source = ? AND sex = ? AND origin <> 'XXX'", [source, sex]).df()
    if df.empty:
        raise StoreError(f"the store has no migrant stocks from source {source!r} (sex {sex!r}); "
                         "rebuild it with `labourlink data build`")
    df["year"] = df["year"].astype(np.int64)
    df.attrs["source"] = source
    return df


def add_migrant_networks(panel: pd.DataFrame, stocks: pd.DataFrame, *,
                         lags: Iterable[int] = (), source: str = "undesa_ims2020",
                         exp: str = "exp", imp: str = "imp", year: str = "year") -> pd.DataFrame:
    """Add both migrant networks (:data:`NETWORKS`), their logs and lags to a trade panel.

    Parameters
    ----------
    panel : DataFrame
        One row per flow with exporter, importer (ISO3) and year (int) columns.
    stocks : DataFrame
        Published stocks (see :func:`interpolate_stocks`), persons.
    lags : iterable of int
        Lags in years; adds ``log_mig_imp_lag{L}``, ``log_mig_exp_lag{L}``, ``log_mig_lag{L}``.
    source : str
        Stock source id, recorded in ``attrs["migration"]`` with its revision.

    Returns
    -------
    DataFrame
        A copy with ``mig_imp``, ``mig_exp``, ``mig`` (persons), their ``log_`` versions
        (log(1 + persons)), lags, and ``mig_interpolated``; ``attrs["migration"]`` documents it.
    """
    out = panel.copy()
    e = out[exp].to_numpy(dtype=object)
    i = out[imp].to_numpy(dtype=object)
    t = out[year].to_numpy(dtype=np.int64)
    k_imp, k_exp = network_frame(e, i)
    for lag in (0, *sorted({int(x) for x in lags})):
        if lag < 0:
            raise InvalidArgumentError("lags", lag, "non-negative integers (years)")
        v_imp, f_imp = interpolate_stocks(stocks, k_imp["origin"], k_imp["destination"], t - lag)
        v_exp, _ = interpolate_stocks(stocks, k_exp["origin"], k_exp["destination"], t - lag)
        if lag == 0:
            out[MIG_IMP] = v_imp
            out[MIG_EXP] = v_exp
            out[MIG] = v_imp + v_exp
            for c in (MIG_IMP, MIG_EXP, MIG):
                out[log_name(c)] = log_network(out[c])
            out["mig_interpolated"] = f_imp
        else:
            out[lag_name(MIG_IMP, lag)] = log_network(v_imp)
            out[lag_name(MIG_EXP, lag)] = log_network(v_exp)
            out[lag_name(MIG, lag)] = log_network(v_imp + v_exp)
    pub = sorted(int(y) for y in stocks["year"].unique())
    from labourlink.store.revisions import revision_of

    out.attrs["migration"] = {
        "source": source, "revision": revision_of(source), "published_years": pub, "method": INTERPOLATION_NOTE,
        "log": "log(1 + persons)", "lags": sorted({int(x) for x in lags}),
        "networks": dict(NETWORKS)}
    return out


# --- agreements ----------------------------------------------------------------------------------
def rta_intervals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Country pairs with a WTO-notified RTA covering goods, and the years it is in force.

    An agreement is in force for the pair in year ``t`` if both parties have entered it by ``t``
    (``entry`` year <= t) and neither has left (``exit`` year > t, or no exit). Agreements covering
    services only are left out (merchandise trade panels). Returns ``c1``, ``c2`` (both orders),
    ``start`` (first year in force), ``stop`` (first year no longer in force; 9999 if open).
    """
    return con.execute("""
        WITH m AS (
            SELECT m.agreement_id, m.iso3, year(m.entry) AS ey,
                   coalesce(year(m.exit), 9999) AS xy
            FROM trade_agreement_member m
            JOIN trade_agreement a ON a.agreement_id = m.agreement_id AND a.source = m.source
            WHERE m.source = 'wto_rta' AND m.entry IS NOT NULL
              AND a.coverage IN ('Goods', 'Goods & Services'))
        SELECT DISTINCT a.iso3 AS c1, b.iso3 AS c2, greatest(a.ey, b.ey) AS start,
               least(a.xy, b.xy) AS stop
        FROM m a JOIN m b ON a.agreement_id = b.agreement_id AND a.iso3 <> b.iso3
        WHERE greatest(a.ey, b.ey) < least(a.xy, b.xy)""").df()


def rta_in_force(intervals: pd.DataFrame, c1: Sequence[str] | np.ndarray,
                 c2: Sequence[str] | np.ndarray, year: Sequence[int] | np.ndarray) -> np.ndarray:
    """0/1: is any agreement of ``intervals`` (see :func:`rta_intervals`) in force for the pair
    in the year? Domestic pairs (c1 == c2) get 0."""
    q = pd.DataFrame({"c1": np.asarray(c1, dtype=object), "c2": np.asarray(c2, dtype=object),
                      "t": np.asarray(year, dtype=np.int64)})
    q["_row"] = np.arange(len(q))
    if intervals.empty or q.empty:
        return np.zeros(len(q), dtype=np.int8)
    m = q.merge(intervals, on=["c1", "c2"], how="inner")
    hit = m.loc[(m["start"] <= m["t"]) & (m["t"] < m["stop"]), "_row"].unique()
    out = np.zeros(len(q), dtype=np.int8)
    out[hit] = 1
    return out


def mnp_intervals() -> pd.DataFrame:
    """Country pairs covered by a trade-agreement chapter on the movement of natural persons
    (the governance registry's curated records with ``mnp_chapter`` true and an entry-into-force
    date; worldwide frameworks such as GATS Mode 4 have no parties and are left out).

    Parties that are groupings (``ASEAN``) are expanded to their members; ``party_since`` moves a
    party's start. Returns ``c1``, ``c2`` (both orders), ``start`` (first year in force) and
    ``stop`` (year ended, 9999 if open), like :func:`rta_intervals`.
    """
    from labourlink.governance.registry import expand_party, load_registry

    rows: list[tuple[str, str, int, int]] = []
    for rec in load_registry(None):
        if not rec.mnp_chapter or not rec.parties or rec.in_force is None:
            continue
        start = rec.in_force.value.year
        stop = rec.ended.value.year if rec.ended is not None else 9999
        since: dict[str, int] = {}
        for p in rec.parties:
            for c in expand_party(p):
                since[c] = start
        for p, d in rec.party_since.items():
            for c in expand_party(p):
                since[c] = max(start, d.value.year)
        for a in since:
            for b in since:
                if a != b:
                    rows.append((a, b, max(since[a], since[b]), stop))
    return pd.DataFrame(rows, columns=["c1", "c2", "start", "stop"])


def labour_agreement_signed(con: duckdb.DuckDBPyConnection, a: Sequence[str] | np.ndarray,
                            b: Sequence[str] | np.ndarray,
                            year: Sequence[int] | np.ndarray) -> np.ndarray:
    """0/1: has a bilateral labour agreement (Chilton & Woda 2022) between the two countries
    (either order) been signed by the year? Agreements with unknown year are ignored."""
    la = con.execute("SELECT party_a AS c1, party_b AS c2, min(year) AS y FROM labour_agreement "
                     "WHERE year IS NOT NULL GROUP BY 1, 2").df()
    both = pd.concat([la, la.rename(columns={"c1": "c2", "c2": "c1"})], ignore_index=True)
    first = both.groupby(["c1", "c2"], as_index=False)["y"].min()
    q = pd.DataFrame({"c1": np.asarray(a, dtype=object), "c2": np.asarray(b, dtype=object)})
    y = q.merge(first, on=["c1", "c2"], how="left")["y"].to_numpy(dtype=np.float64)
    return (np.nan_to_num(y, nan=np.inf) <= np.asarray(year, dtype=np.float64)).astype(np.int8)


# --- country-year and pair covariates --------------------------------------------------------------
_INDICATORS = (("gdp", "NY.GDP.MKTP.CD", "datahub_wdi"), ("pop", "SP.POP.TOTL", "datahub_wdi"),
               ("gdppc", "NY.GDP.PCAP.PP.KD", "gdiviz_wdi_2024"))


def _country_year(con: duckdb.DuckDBPyConnection,
                  years: Iterable[int] = ()) -> tuple[pd.DataFrame, dict[str, dict[int, int]]]:
    """Country-year covariates (columns ``iso3``, ``year`` and one per :data:`_INDICATORS`), with
    rows added for requested ``years`` after a series' last year, carrying that last year's
    values (the nearest year at or before); also the years so joined: series -> {year: used}."""
    parts = []
    joined: dict[str, dict[int, int]] = {}
    for name, code, src in _INDICATORS:
        d = con.execute("SELECT iso3, year, value FROM indicator WHERE code = ? AND source = ? "
                        "AND value IS NOT NULL", [code, src]).df().rename(columns={"value": name})
        d["year"] = d["year"].astype(np.int64)
        if len(d):
            last = int(d["year"].max())
            later = sorted({int(y) for y in years if int(y) > last})
            if later:
                base = d[d["year"] == last]
                d = pd.concat([d] + [base.assign(year=np.int64(y)) for y in later],
                              ignore_index=True)
                joined[name] = {y: last for y in later}
        parts.append(d.set_index(["iso3", "year"]))
    cy = pd.concat(parts, axis=1).reset_index()
    cy["year"] = cy["year"].astype(np.int64)
    return cy, joined


def _escap(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT iso3 FROM country_group WHERE group_code = ?", [ESCAP_GROUP]).fetchall()
    return {r[0] for r in rows}


def add_country_covariates(panel: pd.DataFrame, con: duckdb.DuckDBPyConnection, *,
                           exp: str = "exp", imp: str = "imp", year: str = "year",
                           suffixes: tuple[str, str] = ("exp", "imp")) -> pd.DataFrame:
    """Add GDP (current US$), population (persons), GDP per capita (PPP, constant 2017 int. $),
    their logs, and ESCAP membership for both sides (``gdp_exp``, ``log_gdp_exp``, ...,
    ``escap_exp``, ``escap_imp``, ``escap_pair``). A panel year after a series' last year gets
    that last year's value; ``attrs["covariate_years"]`` lists such joins (series -> {panel
    year: year used})."""
    cy, joined = _country_year(con, pd.unique(panel[year]))
    out = panel
    for col, suf in ((exp, suffixes[0]), (imp, suffixes[1])):
        ren = {c: f"{c}_{suf}" for c in ("gdp", "pop", "gdppc")}
        out = out.merge(cy.rename(columns={"iso3": col, "year": year, **ren}),
                        on=[col, year], how="left")
        for c in ren.values():
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"log_{c}"] = np.log(out[c].where(out[c] > 0))
    esc = _escap(con)
    out[f"escap_{suffixes[0]}"] = out[exp].isin(esc).astype(np.int8)
    out[f"escap_{suffixes[1]}"] = out[imp].isin(esc).astype(np.int8)
    out["escap_pair"] = (out[f"escap_{suffixes[0]}"] & out[f"escap_{suffixes[1]}"]).astype(np.int8)
    out.attrs["covariate_years"] = joined
    return out


def add_geography(panel: pd.DataFrame, con: duckdb.DuckDBPyConnection, *, exp: str = "exp",
                  imp: str = "imp") -> pd.DataFrame:
    """Add CEPII GeoDist pair variables: ``dist_km`` (population-weighted ``distw_km``, simple
    ``dist_km`` where it is missing), ``log_dist``, ``cntg`` (contiguity), ``lang`` (common
    official language), ``clny`` (ever in a colonial relationship), 0/1."""
    geo = con.execute(
        "SELECT iso_o, iso_d, coalesce(distw_km, dist_km) AS dist_km, contig AS cntg, "
        "comlang_off AS lang, colony AS clny FROM pair_geo").df()
    out = panel.merge(geo.rename(columns={"iso_o": exp, "iso_d": imp}), on=[exp, imp], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log_dist"] = np.log(out["dist_km"].where(out["dist_km"] > 0))
    return out


# --- panels ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PanelInfo:
    """Description of one estimation panel."""

    name: str
    trade_source: str
    description: str
    trade_unit: str
    default_years: tuple[int, ...] | None


PANELS: dict[str, PanelInfo] = {p.name: p for p in (
    PanelInfo("wto", "wto_hs_m_0010",
              "WTO bilateral imports (importer-reported), 1996-2020 (2009 missing), UN DESA 2020 "
              "stocks; default years 2000-2020", "current US$", tuple(range(2000, 2021))),
    PanelInfo("penppml", "penppml_comtrade",
              "penppml UN Comtrade exports, 1964-2016 every 4 years, DTA dummy", "current US$",
              None),
    PanelInfo("yotov", "yotov2016_agtpa",
              "Yotov et al. (2016) 69 countries, manufacturing incl. intra-national flows, "
              "1986-2006 every 4 years", "current US$ million", tuple(range(1986, 2007, 4))),
    PanelInfo("rose", "rose2004", "Rose (2004) GATT/WTO panel, 1948-1999 (undirected, real US$)",
              "real US$ (exp of Rose's log)", None),
    PanelInfo("fixest", "fixest_trade", "fixest EU15 trade by product, 2007-2016", "EUR", None),
)}


def _check_panel(name: str) -> PanelInfo:
    if name not in PANELS:
        raise InvalidArgumentError("data", name, tuple(PANELS))
    return PANELS[name]


def _trade(con: duckdb.DuckDBPyConnection, source: str, years: Sequence[int] | None,
           product: bool = False) -> pd.DataFrame:
    sql = (f"SELECT exporter AS exp, importer AS imp, year, {'product, ' if product else ''}"
           "value AS trade FROM trade WHERE source = ?")
    params: list[object] = [source]
    if not product:
        sql += " AND product = '_T'"
    if years is not None:
        sql += f" AND year IN ({', '.join(str(int(y)) for y in years)})"
    df = con.execute(sql, params).df()
    if df.empty:
        raise StoreError(f"the store has no trade rows from source {source!r}"
                         + (f" in years {list(years)}" if years is not None else "")
                         + "; rebuild it with `labourlink data build`")
    df["year"] = df["year"].astype(np.int64)
    return df


def _covariates(con: duckdb.DuckDBPyConnection, source: str, names: Sequence[str]) -> pd.DataFrame:
    sql = ("PIVOT (SELECT exporter AS exp, importer AS imp, year, name, value FROM trade_covariate "
           f"WHERE source = '{source}' AND name IN ({', '.join(repr(n) for n in names)})) "
           "ON name USING first(value)")
    df = con.sql(sql).df()
    df["year"] = df["year"].astype(np.int64)
    return df


def _fill_zeros(df: pd.DataFrame) -> pd.DataFrame:
    """Within each importer-year present, add a 0 row for every exporter seen that year."""
    parts = []
    for t, g in df.groupby("year", sort=True):
        imps = g["imp"].unique()
        exps = g["exp"].unique()
        grid = pd.MultiIndex.from_product([exps, imps], names=["exp", "imp"]).to_frame(index=False)
        grid = grid[grid["exp"] != grid["imp"]]
        grid["year"] = t
        parts.append(grid)
    full = pd.concat(parts, ignore_index=True)
    out = full.merge(df, on=["exp", "imp", "year"], how="left")
    out["trade"] = out["trade"].fillna(0.0)
    return out


def build_panel(name: str, con: duckdb.DuckDBPyConnection | None = None, *,
                years: Sequence[int] | None = None, revision: object = None,
                lags: Iterable[int] = (5, 10), fill_zeros: bool = True,
                countries_only: bool = True) -> pd.DataFrame:
    """Build an estimation panel from the store.

    Parameters
    ----------
    name : {"wto", "penppml", "yotov", "rose", "fixest"}
        Which trade data (see :data:`PANELS`).
    con : DuckDB connection, optional
        Store connection (default: :func:`labourlink.store.connect`).
    years : sequence of int, optional
        Years to keep (default: the panel's ``default_years``, else all).
    revision : {"2024", "2020"} or a ``migrant_stock`` source id, optional
        UN DESA revision of the migrant stocks (one revision per panel; default: the newest in
        the store).
    lags : iterable of int
        Lags of the log networks, in years.
    fill_zeros : bool
        ``wto`` only: within each reporting importer-year, exporters seen that year but not
        reported by that importer get trade 0 (the WTO files have no rows for zero flows).
    countries_only : bool
        Drop rows whose exporter or importer is not in the store's ``country`` table (e.g. the
        EU reporting as ``EUN``).

    Returns
    -------
    DataFrame
        See the module docstring for the columns; ``attrs`` holds ``panel``, ``trade_source``,
        ``trade_unit`` and ``migration`` (source, published years, interpolation method).
    """
    info = _check_panel(name)
    own = con is None
    if con is None:
        from labourlink.store import connect

        con = connect()
    try:
        yrs = list(years) if years is not None else (
            list(info.default_years) if info.default_years is not None else None)
        df = _trade(con, info.trade_source, yrs, product=(name == "fixest"))
        if name == "wto" and fill_zeros:
            df = _fill_zeros(df)
        if name == "rose":
            df["log_trade"] = df["trade"]
            df["trade"] = np.exp(df["trade"])
        if countries_only:
            iso = {r[0] for r in con.execute("SELECT iso3 FROM country").fetchall()}
            df = df[df["exp"].isin(iso) & df["imp"].isin(iso)].reset_index(drop=True)
        if name == "yotov":
            cov = _covariates(con, info.trade_source, (
                "dist", "cntg", "lang", "clny", "rta", "rta_lag3", "rta_lag4", "rta_lag6",
                "rta_lag8", "rta_lag9", "rta_lag12", "rta_lead4", "pair_id"))
            df = df.merge(cov, on=["exp", "imp", "year"], how="left")
            df = df.rename(columns={"dist": "dist_km"})
            df["log_dist"] = np.log(df["dist_km"].where(df["dist_km"] > 0))
            # output and expenditure (current US$ million), as in the book
            df["y_exp"] = df.groupby(["exp", "year"])["trade"].transform("sum")
            df["e_imp"] = df.groupby(["imp", "year"])["trade"].transform("sum")
            df["log_y"] = np.log(df["y_exp"].where(df["y_exp"] > 0))
            df["log_e"] = np.log(df["e_imp"].where(df["e_imp"] > 0))
        elif name == "rose":
            cov = _covariates(con, info.trade_source, (
                "ldist", "comlang", "border", "colony", "comcol", "curcol", "regional",
                "custrict", "bothin", "onein", "gsp", "landl", "island", "lareap", "lrgdp",
                "lrgdppc", "comctry"))
            df = df.merge(cov, on=["exp", "imp", "year"], how="left")
            df["log_dist"] = df["ldist"]
            df["dist_km"] = np.exp(df["ldist"])
            df["cntg"], df["lang"], df["clny"] = df["border"], df["comlang"], df["colony"]
        elif name == "fixest":
            cov = _covariates(con, info.trade_source, ("dist_km",))
            df = df.merge(cov, on=["exp", "imp", "year"], how="left")
            df["log_dist_km"] = np.log(df["dist_km"].where(df["dist_km"] > 0))
            df["log_dist"] = df["log_dist_km"]
        else:
            df = add_geography(df, con)
            if name == "penppml":
                cov = _covariates(con, info.trade_source, ("dta_agreement",))
                df = df.merge(cov, on=["exp", "imp", "year"], how="left")
        if name != "rose":
            with np.errstate(divide="ignore", invalid="ignore"):
                df["log_trade"] = np.log(df["trade"].where(df["trade"] > 0))
        df["domestic"] = (df["exp"] == df["imp"]).astype(np.int8)
        df["pair"] = df["exp"] + "_" + df["imp"]
        lo = np.where(df["exp"] <= df["imp"], df["exp"], df["imp"])
        hi = np.where(df["exp"] <= df["imp"], df["imp"], df["exp"])
        df["pair_sym"] = pd.Series(lo, index=df.index) + "_" + pd.Series(hi, index=df.index)
        if name != "yotov":
            iv = rta_intervals(con)
            df["rta"] = rta_in_force(iv, df["exp"], df["imp"], df["year"])
        df["rta_mnp"] = rta_in_force(mnp_intervals(), df["exp"], df["imp"], df["year"])
        df = add_country_covariates(df, con)
        cov_years = df.attrs.get("covariate_years", {})
        stocks = read_stocks(con, revision)
        df = add_migrant_networks(df, stocks, lags=lags, source=stocks.attrs["source"])
        mig_attrs = df.attrs["migration"]
        df = df.reset_index(drop=True)
        df.attrs = {"panel": name, "trade_source": info.trade_source,
                    "trade_unit": info.trade_unit, "description": info.description,
                    "years": sorted(int(y) for y in df["year"].unique()),
                    "zero_filled": bool(name == "wto" and fill_zeros),
                    "migration": mig_attrs, "covariate_years": cov_years}
        return df
    finally:
        if own:
            con.close()


def migration_panel(con: duckdb.DuckDBPyConnection | None = None, *,
                    years: Sequence[int] | None = None,
                    revision: object = None) -> pd.DataFrame:
    """Origin x destination x year panel of bilateral migrant stocks for migration gravity.

    Every ordered pair of distinct countries covered by the UN DESA table (both as origin and
    destination) in the published ``years`` (default: the revision's years from 2000, i.e.
    2000, 2005, ..., 2020, 2024 in the 2024 revision); ``stock`` in persons (0 where the table
    has no row). ``revision``: default the newest in the store. Covariates that stop earlier
    (income per head) are joined at their last year, listed in ``attrs["covariate_years"]``.
    Columns: ``orig``, ``dest``, ``year``, ``stock``, ``pair``, ``dist_km``, ``log_dist``,
    ``cntg``, ``lang``, ``clny``, ``rta`` (WTO RTA in force), ``bla`` (bilateral labour agreement
    signed by the year), ``log_gdppc_orig``/``log_gdppc_dest`` (PPP, constant 2017 int. $),
    ``income_gap`` (``log_gdppc_dest - log_gdppc_orig``), ``escap_pair``.
    """
    own = con is None
    if con is None:
        from labourlink.store import connect

        con = connect()
    try:
        st = read_stocks(con, revision)
        stock_source = str(st.attrs["source"])
        if years is None:
            years = sorted(int(y) for y in st["year"].unique() if int(y) >= 2000)
        bad = sorted(set(int(y) for y in years) - set(st["year"].unique()))
        if bad:
            raise InvalidArgumentError("years", bad, sorted(int(y) for y in st["year"].unique()))
        iso = {r[0] for r in con.execute("SELECT iso3 FROM country").fetchall()}
        cs = sorted((set(st["origin"]) & set(st["destination"])) & iso)
        grid = pd.MultiIndex.from_product([cs, cs, list(years)],
                                          names=["orig", "dest", "year"]).to_frame(index=False)
        grid = grid[grid["orig"] != grid["dest"]].reset_index(drop=True)
        grid["year"] = grid["year"].astype(np.int64)
        s = st.rename(columns={"origin": "orig", "destination": "dest", "persons": "stock"})
        df = grid.merge(s, on=["orig", "dest", "year"], how="left")
        df["stock"] = df["stock"].fillna(0.0)
        df["pair"] = df["orig"] + "_" + df["dest"]
        df = add_geography(df, con, exp="orig", imp="dest")
        df["rta"] = rta_in_force(rta_intervals(con), df["orig"], df["dest"], df["year"])
        df["bla"] = labour_agreement_signed(con, df["orig"], df["dest"], df["year"])
        df = add_country_covariates(df, con, exp="orig", imp="dest", suffixes=("orig", "dest"))
        cov_years = df.attrs.get("covariate_years", {})
        df["income_gap"] = df["log_gdppc_dest"] - df["log_gdppc_orig"]
        from labourlink.store.revisions import revision_of

        df.attrs = {"panel": "migration", "stock_source": stock_source,
                    "revision": revision_of(stock_source), "stock_unit": "persons",
                    "years": [int(y) for y in years], "covariate_years": cov_years}
        return df
    finally:
        if own:
            con.close()
