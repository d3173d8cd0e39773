"""Everything a labour-mobility scenario reads from the store, in one place.

:func:`load_inputs` takes an open DuckDB connection to a store built with
:mod:`labourlink.store.schema` and returns :class:`ScenarioData`: the baseline trade matrix of the
GE world, bilateral migrant stocks, remittances, GDP, GDP per capita (PPP) and employment. Every
choice made (source, year, imputation) is written to ``ScenarioData.notes``.

Tables and codes used:

``trade``
    ``product = '_T'``, unit ``current US$`` or ``current US$ million``. Source and year: the
    spec's ``ge.trade_source`` / ``ge.year`` if given; otherwise, among well-covered years (at
    least 80 % of the source's largest number of importers) in which every party appears, the one
    recording the most sender-receiver flows (both directions), then the most recent, then the one
    with more exporters. Codes that are not countries (``EUN``, ``XXX``,
    ...) are dropped. When the source has no intra-national flows (exporter == importer), they are
    imputed as ``GDP - recorded exports`` (at least 10 % of GDP), GDP from ``NY.GDP.MKTP.CD``.
``migrant_stock``
    ``sex = 'total'``, one UN DESA revision (the spec's ``revision``, else the newest in the store,
    2024) at its latest year (2024): the baseline bilateral stocks and immigrant totals.
``remittance_bilateral``
    one matrix edition (the spec's ``remittance_matrix``, else the newest: the KNOMAD/World Bank
    2021 matrix); US$ million from the host (``sending``) to the origin (``receiving``). The
    default remittance per migrant divides it by the bilateral stock of the **same revision** in
    the matrix year or the nearest stock year before it (2020 for the 2021 matrix), not by the
    latest stock.
``indicator``
    ``NY.GDP.MKTP.CD`` (GDP, current US$), ``NY.GDP.PCAP.PP.KD`` (GDP per capita PPP, constant
    2017 international $; fallback PWT ``PWT.rgdpe / PWT.pop``), ``PWT.emp`` (persons engaged,
    million). For each country the latest year at or before the trade year is used (the
    nearest later year when there is none); the notes list the years joined.
trade-cost coefficients
    :func:`labourlink.scenarios.coefficients.store_estimate`: the migration-trade elasticity and
    RTA coefficient estimated by the linkages models on this store (cached per store
    fingerprint), unless the spec gives them or asks for the literature values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError, StoreError
from labourlink.scenarios.coefficients import StoreEstimate, needs_estimate, store_estimate
from labourlink.scenarios.spec import Scenario

__all__ = ["ScenarioData", "load_inputs"]

GDP_CODE = "NY.GDP.MKTP.CD"
GDP_PC_PPP_CODE = "NY.GDP.PCAP.PP.KD"
PWT_GDP, PWT_POP, PWT_EMP = "PWT.rgdpe", "PWT.pop", "PWT.emp"
DOMESTIC_FLOOR = 0.10
UNIT_FACTOR = {"current US$": 1.0, "current US$ million": 1e6, "current US$ thousand": 1e3}


@dataclass(frozen=True)
class ScenarioData:
    """Store inputs of a scenario (US$, persons; pairs keyed ``(origin, destination)``).

    ``trade[i, j]`` flows from ``countries[i]`` to ``countries[j]`` (US$, diagonal = intra-national
    sales). ``stock[(o, d)]`` migrants born in ``o`` living in ``d`` (``stock_year``);
    ``remittances[(o, d)]`` US$ per year sent from ``d`` to ``o`` (``remittance_year``) and
    ``remittance_stock[(o, d)]`` the same revision's stock it is divided by
    (``remittance_stock_year``); ``immigrants[d]`` total immigrant stock of ``d``; ``revision``
    the UN DESA revision of every stock, ``remittance_matrix`` the matrix edition.
    ``coefficients``: the linkages models' estimate of the trade-cost coefficients on this store
    (or why there is none); None when the spec did not need it.
    """

    countries: tuple[str, ...]
    trade: np.ndarray
    year: int
    trade_source: str
    gdp_usd: dict[str, float]
    gdp_pc_ppp: dict[str, float]
    employment: dict[str, float]
    stock: dict[tuple[str, str], float]
    remittances: dict[tuple[str, str], float]
    immigrants: dict[str, float]
    stock_year: int | None
    notes: tuple[str, ...] = field(default=())
    coefficients: StoreEstimate | None = None
    revision: str | None = None
    remittance_matrix: str | None = None
    remittance_year: int | None = None
    remittance_stock: dict[tuple[str, str], float] = field(default_factory=dict)
    remittance_stock_year: int | None = None


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _nearest(con: duckdb.DuckDBPyConnection, codes: list[str], year: int,
             countries: list[str]) -> pd.DataFrame:
    """Value of each (code, country) in the latest year at or before ``year``, else the nearest
    later year."""
    if not countries:
        return pd.DataFrame(columns=["code", "iso3", "year", "value"])
    con.register("_ll_countries", pd.DataFrame({"iso3": countries}))
    try:
        q = f"""
            SELECT code, iso3, year, value FROM (
              SELECT code, iso3, year, value,
                     row_number() OVER (PARTITION BY code, iso3
                                        ORDER BY (year > {int(year)}), abs(year - {int(year)}))
                       AS k
              FROM indicator
              WHERE code IN ({", ".join("?" for _ in codes)}) AND value IS NOT NULL
                AND iso3 IN (SELECT iso3 FROM _ll_countries))
            WHERE k = 1"""
        return con.execute(q, codes).df()
    finally:
        con.unregister("_ll_countries")


def _pick_trade(con: duckdb.DuckDBPyConnection, spec: Scenario) -> tuple[str, int, str]:
    parties = set(spec.senders) | set(spec.receivers)
    units = list(UNIT_FACTOR)
    ph = ", ".join("?" for _ in units)
    cover = con.execute(
        f"""SELECT source, year, unit, count(DISTINCT exporter) AS n_exp,
                   count(DISTINCT importer) AS n_imp,
                   list(DISTINCT exporter) AS ex, list(DISTINCT importer) AS im
            FROM trade WHERE product = '_T' AND unit IN ({ph})
            GROUP BY source, year, unit""", units).df()
    if cover.empty:
        raise StoreError("the store's trade table has no aggregate flows (product '_T') in "
                         f"{', '.join(units)}; build the store with `labourlink data build`")
    if spec.ge.trade_source is not None:
        cover = cover[cover["source"] == spec.ge.trade_source]
        if cover.empty:
            raise InvalidArgumentError("ge.trade_source", spec.ge.trade_source,
                                       sorted(set(con.execute("SELECT DISTINCT source FROM trade")
                                                  .df()["source"])))
    cover["has_all"] = [parties <= (set(e) | set(i)) for e, i in zip(cover["ex"], cover["im"],
                                                                      strict=True)]
    if spec.ge.year is not None:
        cover = cover[cover["year"] == spec.ge.year]
        if cover.empty:
            raise InvalidArgumentError("ge.year", spec.ge.year, "a year present in the trade table")
    # a usable year reports at least 80 % of the source's largest number of importers (the WTO
    # file's last year has 9 reporters only)
    full = cover["n_imp"] >= 0.8 * cover.groupby("source")["n_imp"].transform("max")
    ok = cover[cover["has_all"] & (full | (spec.ge.year is not None))]
    if ok.empty:
        raise InvalidArgumentError(
            "senders/receivers", sorted(parties),
            "countries that all appear in one well-covered year of one trade source; set "
            "ge.trade_source / ge.year or drop the missing party")
    # most sender-receiver flows recorded (both directions), then most recent, then most countries
    pairs = [(a, b) for a in spec.senders for b in spec.receivers]
    pairs += [(b, a) for a, b in pairs]
    con.register("_ll_pairs", pd.DataFrame(pairs, columns=["exporter", "importer"]))
    try:
        hits = con.execute(
            "SELECT t.source, t.year, count(*) AS n_pairs FROM trade t JOIN _ll_pairs p "
            "USING (exporter, importer) WHERE t.product = '_T' AND t.value > 0 "
            "GROUP BY t.source, t.year").df()
    finally:
        con.unregister("_ll_pairs")
    ok = ok.merge(hits, on=["source", "year"], how="left").fillna({"n_pairs": 0})
    best = ok.sort_values(["n_pairs", "year", "n_exp"], ascending=[False, False, False]).iloc[0]
    return str(best["source"]), int(best["year"]), str(best["unit"])


def load_inputs(con: duckdb.DuckDBPyConnection, spec: Scenario,
                revision: str | int | None = None) -> ScenarioData:
    """Read the inputs of ``spec`` from the store (see the module docstring for the rules).

    Parameters
    ----------
    con
        Open connection to a labourlink store (read-only is enough).
    spec
        The validated scenario.
    revision
        UN DESA revision of the stocks (``"2024"``, ``"2020"``); overrides the spec's
        ``revision``; default: the spec's, else the newest in the store.

    Returns
    -------
    ScenarioData
    """
    needed = {"trade", "migrant_stock", "remittance_bilateral", "indicator", "country"}
    missing = needed - _tables(con)
    if missing:
        raise StoreError(f"store lacks tables {sorted(missing)}; rebuild it with "
                         "`labourlink data build`")
    notes: list[str] = []
    source, year, unit = _pick_trade(con, spec)
    factor = UNIT_FACTOR[unit]
    flows = con.execute(
        "SELECT exporter, importer, sum(value) AS v FROM trade WHERE source = ? AND year = ? "
        "AND product = '_T' AND unit = ? GROUP BY exporter, importer", [source, year, unit]).df()
    known = set(con.execute("SELECT iso3 FROM country").df()["iso3"])
    dropped = sorted((set(flows["exporter"]) | set(flows["importer"])) - known)
    flows = flows[flows["exporter"].isin(known) & flows["importer"].isin(known)]
    if dropped:
        notes.append(f"trade codes that are not countries dropped: {', '.join(dropped)}")
    countries = sorted(set(flows["exporter"]) | set(flows["importer"]))
    gdp_tab = _nearest(con, [GDP_CODE], year, countries)
    gdp = dict(zip(gdp_tab["iso3"], gdp_tab["value"].astype(float), strict=True))
    has_domestic = bool((flows["exporter"] == flows["importer"]).any())
    if not has_domestic:
        no_gdp = sorted(set(countries) - set(gdp))
        parties = set(spec.senders) | set(spec.receivers)
        if parties & set(no_gdp):
            raise StoreError(f"no GDP ({GDP_CODE}) in the store for {sorted(parties & set(no_gdp))}"
                             ", needed to impute intra-national sales")
        if no_gdp:
            notes.append(f"{len(no_gdp)} trade countries without GDP dropped: {', '.join(no_gdp)}")
        countries = [c for c in countries if c in gdp]
    pos = {c: k for k, c in enumerate(countries)}
    flows = flows[flows["exporter"].isin(pos) & flows["importer"].isin(pos)]
    n = len(countries)
    x = np.zeros((n, n))
    x[flows["exporter"].map(pos).to_numpy(), flows["importer"].map(pos).to_numpy()] = (
        flows["v"].to_numpy(float) * factor)
    if not has_domestic:
        np.fill_diagonal(x, 0.0)
        exports = x.sum(axis=1)
        g = np.array([gdp[c] for c in countries])
        np.fill_diagonal(x, np.maximum(g - exports, DOMESTIC_FLOOR * g))
        notes.append(f"intra-national sales imputed as GDP - exports (at least "
                     f"{DOMESTIC_FLOOR:.0%} of GDP): source {source} has no domestic flows")
    notes.append(f"baseline trade: source {source}, year {year}, {n} countries, unit {unit}")
    # migrant stocks: one revision, its latest year
    from labourlink.store.revisions import (
        REMITTANCE_MATRICES,
        nearest_at_or_before,
        resolve_remittance_matrix,
        resolve_revision,
        stock_source,
    )

    rev = resolve_revision(con, revision if revision is not None else spec.revision)
    s_src = stock_source(rev)
    years_avail = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM migrant_stock WHERE source = ? AND sex = 'total' ORDER BY 1",
        [s_src]).fetchall()]
    stock: dict[tuple[str, str], float] = {}
    immigrants: dict[str, float] = {}
    stock_year: int | None = None
    if years_avail:
        stock_year = years_avail[-1]
        st = _stocks(con, s_src, stock_year)
        par = st[st["origin"].isin(spec.senders) & st["destination"].isin(spec.receivers)]
        stock = {(o, d): float(p) for o, d, p in par.itertuples(index=False)}
        tot = st[st["destination"].isin(spec.receivers)].groupby("destination")["persons"].sum()
        immigrants = {str(k): float(v) for k, v in tot.items()}
        notes.append(f"migrant stocks: UN DESA revision {rev} ({s_src}), {stock_year}")
    else:
        notes.append(f"migrant stocks: the store has no rows of revision {rev} ({s_src})")
    # remittances (US$ million -> US$), one matrix edition, per migrant of the same revision
    matrix = resolve_remittance_matrix(con, spec.remittance_matrix)
    m_src = REMITTANCE_MATRICES[matrix]
    rem = con.execute(
        "SELECT sending, receiving, usd_million, year FROM remittance_bilateral WHERE source = ? "
        "AND year = (SELECT max(year) FROM remittance_bilateral WHERE source = ?)",
        [m_src, m_src]).df()
    rem_year = int(rem["year"].iloc[0]) if len(rem) else None
    rem = rem[rem["sending"].isin(spec.receivers) & rem["receiving"].isin(spec.senders)]
    remittances = {(r, s): float(v) * 1e6
                   for s, r, v, _ in rem.itertuples(index=False)}
    rem_stock: dict[tuple[str, str], float] = {}
    rem_stock_year = (nearest_at_or_before(rem_year, years_avail)
                      if rem_year is not None else None)
    if rem_year is not None and rem_stock_year is None and years_avail:
        rem_stock_year = years_avail[0]  # no stock year before the matrix: the first one after
    if rem_stock_year is not None:
        st_r = _stocks(con, s_src, rem_stock_year)
        par_r = st_r[st_r["origin"].isin(spec.senders) & st_r["destination"].isin(spec.receivers)]
        rem_stock = {(o, d): float(p) for o, d, p in par_r.itertuples(index=False)}
    if rem_year is not None:
        notes.append(f"remittance per migrant: bilateral remittance matrix {matrix} ({m_src}, "
                     f"{rem_year}) / UN DESA revision {rev} stock {rem_stock_year}")
    # income per head and employment
    party_list = sorted(set(spec.senders) | set(spec.receivers))
    ind = _nearest(con, [GDP_PC_PPP_CODE, PWT_GDP, PWT_POP, PWT_EMP], year, party_list)
    val = {(c, i): float(v) for c, i, _, v in ind.itertuples(index=False)}
    gdp_pc: dict[str, float] = {}
    for c in party_list:
        if (GDP_PC_PPP_CODE, c) in val:
            gdp_pc[c] = val[(GDP_PC_PPP_CODE, c)]
        elif (PWT_GDP, c) in val and (PWT_POP, c) in val and val[(PWT_POP, c)] > 0:
            gdp_pc[c] = val[(PWT_GDP, c)] / val[(PWT_POP, c)]
            notes.append(f"GDP per capita PPP of {c} from PWT rgdpe/pop")
    employment = {c: val[(PWT_EMP, c)] * 1e6 for c in party_list if (PWT_EMP, c) in val}
    used = {i: int(y) for c, i, y, _ in ind.itertuples(index=False) if c == PWT_EMP}
    if used:
        notes.append(f"employment (PWT persons engaged) joined with trade year {year}: "
                     + ", ".join(f"{i} {y}" for i, y in sorted(used.items())))
    return ScenarioData(tuple(countries), x, year, source, gdp, gdp_pc, employment, stock,
                        remittances, immigrants, stock_year, tuple(notes),
                        store_estimate(con, rev) if needs_estimate(spec) else None,
                        rev, matrix, rem_year, rem_stock, rem_stock_year)


def _stocks(con: duckdb.DuckDBPyConnection, source: str, year: int) -> pd.DataFrame:
    """origin, destination, persons of one revision and year (sex total)."""
    return con.execute("SELECT origin, destination, persons FROM migrant_stock WHERE source = ? "
                       "AND year = ? AND sex = 'total'", [source, year]).df()
