"""A small toy store for the report and web tests, written to a DuckDB file.

Eight countries (ISO3): PHL, JPN, IND, AUS, USA, DEU, SGP, TON. SGP and TON are small states that
the 110m Natural Earth map lacks; they have capital points in ``country_point``.
Migrant stocks (UN DESA IMS 2020 source id, persons) for 2015 and 2020 with fixed, hand-checkable
values, and a 2024 revision (``undesa_ims2024``: 2015, 2020 restated, 2024); trade (source ``toy_trade``, 2018, with intra-national flows) drawn from a gravity model
with known coefficients; one trade agreement (JPN, SGP, AUS) in force since 2005 with labour
provisions; two bilateral labour agreements.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import numpy as np

from labourlink.store.schema import TABLES

COUNTRIES = [  # iso3, m49, iso2, name, subregion, lat, lon
    ("PHL", 608, "PH", "Philippines", "SEA", 14.6, 121.0),
    ("JPN", 392, "JP", "Japan", "ENEA", 35.7, 139.7),
    ("IND", 356, "IN", "India", "SSWA", 28.6, 77.2),
    ("AUS", 36, "AU", "Australia", "PACIFIC", -35.3, 149.1),
    ("USA", 840, "US", "United States", None, 38.9, -77.0),
    ("DEU", 276, "DE", "Germany", None, 52.5, 13.4),
    ("SGP", 702, "SG", "Singapore", "SEA", 1.3, 103.8),
    ("TON", 776, "TO", "Tonga", "PACIFIC", -21.1, -175.2),
]
ESCAP = ["PHL", "JPN", "IND", "AUS", "SGP", "TON"]

# (origin, destination): persons in 2015 and 2020 (total); female = 40 % of total.
STOCKS = {
    ("PHL", "JPN"): (200_000, 250_000), ("PHL", "USA"): (1_900_000, 2_000_000),
    ("PHL", "SGP"): (150_000, 180_000), ("IND", "USA"): (2_400_000, 2_700_000),
    ("IND", "SGP"): (120_000, 150_000), ("IND", "AUS"): (400_000, 580_000),
    ("TON", "AUS"): (10_000, 12_000), ("TON", "USA"): (25_000, 26_000),
    ("JPN", "USA"): (330_000, 340_000), ("DEU", "USA"): (1_000_000, 950_000),
    ("USA", "JPN"): (50_000, 55_000), ("AUS", "SGP"): (20_000, 22_000),
}
STOCK_YEARS = (2015, 2020)
# The 2024 revision (source undesa_ims2024) restates 2015 and 2020 and adds 2024: 2015 as in
# 2020's revision; 2020 lowered by 2 % for destinations outside ESCAP (USA, DEU), so the ESCAP
# totals the brief tests check are the same in both revisions; 2024 = 2020 (Rev.2020) + 5 %.
STOCK_YEARS_2024 = (2015, 2020, 2024)
STOCKS_2024 = {k: (v[0], v[1] if k[1] in ESCAP else round(v[1] * 0.98), round(v[1] * 1.05))
               for k, v in STOCKS.items()}
POP = {"PHL": 109e6, "JPN": 126e6, "IND": 1380e6, "AUS": 25.7e6, "USA": 331e6, "DEU": 83e6,
       "SGP": 5.7e6, "TON": 0.105e6}
REM_PCT_GDP_2020 = {"PHL": 9.6, "IND": 3.1, "TON": 37.7, "JPN": 0.1, "AUS": 0.1}
REM_RECEIVED_2020 = {"PHL": 34.9e9, "IND": 83.1e9, "TON": 0.19e9, "JPN": 2.6e9}
REM_BILATERAL_2017 = [("USA", "PHL", 11_000.0), ("USA", "IND", 11_700.0), ("AUS", "TON", 30.0),
                      ("SGP", "PHL", 600.0), ("JPN", "PHL", 700.0)]
TRUE_COEF = {"ln_dist": -0.9, "contig": 0.0, "intl_border": -2.0, "rta": 0.5}
TRADE_YEAR = 2018
RTA_MEMBERS = ("JPN", "SGP", "AUS")


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def rows() -> dict[str, list[tuple]]:
    """Rows of every toy table."""
    ll = {c[0]: (c[5], c[6]) for c in COUNTRIES}
    codes = [c[0] for c in COUNTRIES]
    stock = []
    for table, years, src in ((STOCKS, STOCK_YEARS, "undesa_ims2020"),
                              (STOCKS_2024, STOCK_YEARS_2024, "undesa_ims2024")):
        for (o, d), vals in table.items():
            for y, t in zip(years, vals, strict=True):
                f = 0.4 * t
                stock += [(o, d, y, "total", float(t), src), (o, d, y, "female", f, src),
                          (o, d, y, "male", t - f, src)]
    ind = [(i, y, "SP.POP.TOTL", v, "persons", "datahub_wdi") for i, v in POP.items()
           for y in STOCK_YEARS]
    ind += [(i, 2020, "BX.TRF.PWKR.DT.GD.ZS", v, "% of GDP", "wdi_remittances")
            for i, v in REM_PCT_GDP_2020.items()]
    ind += [(i, 2020, "BX.TRF.PWKR.CD.DT", v, "current US$", "wdi_remittances")
            for i, v in REM_RECEIVED_2020.items()]
    geo = []
    for o in codes:
        for d in codes:
            dist = 300.0 if o == d else _haversine(ll[o], ll[d])
            geo.append((o, d, 0, 0, 0, 0, 0, 0, 0, 0, dist, dist, dist, dist, "cepii_geodist"))
    rng = np.random.default_rng(7)
    size = {c: float(np.log(POP[c])) for c in codes}
    trade = []
    for o in codes:
        for d in codes:
            dist = 300.0 if o == d else _haversine(ll[o], ll[d])
            rta = int(o != d and o in RTA_MEMBERS and d in RTA_MEMBERS)
            eta = (size[o] + size[d] + TRUE_COEF["ln_dist"] * math.log(dist)
                   + TRUE_COEF["intl_border"] * (o != d) + TRUE_COEF["rta"] * rta)
            val = math.exp(eta) * float(np.exp(rng.normal(0, 0.1))) * 1e-6
            trade.append((o, d, TRADE_YEAR, "_T", val, "current US$", "toy_trade"))
    built = dt.datetime(2026, 1, 1)
    prov = [(s, e, p, f, "0" * 64, 1, None, t, built) for s, e, p, f, t in [
        ("undesa_ims2020", "IMS 2020", "UN DESA", "toy_ims.xlsx", "migrant_stock"),
        ("undesa_ims2024", "IMS 2024", "UN DESA", "toy_ims2024.rdata", "migrant_stock"),
        ("wdi_remittances", "WDI 2024", "World Bank", "toy_wdi.csv", "indicator"),
        ("datahub_wdi", "datahub core", "World Bank via datahub", "toy_pop.csv", "indicator"),
        ("wb_remittance_matrix_2017", "2017", "World Bank", "toy_rem.xlsx", "remittance_bilateral"),
        ("cepii_geodist", "GeoDist 2011", "CEPII", "toy_geo.csv", "pair_geo"),
        ("toy_trade", "toy", "tests", "toy_trade.csv", "trade"),
        ("wto_rta", "RTA-IS", "WTO", "toy_rta.csv", "trade_agreement"),
        ("chilton_woda_2022", "2022", "Chilton & Woda", "toy_bla.csv", "labour_agreement"),
    ]]
    return {
        "country": [(i, m, i2, n, n, n, i, s) for i, m, i2, n, s, _, _ in COUNTRIES],
        "country_group": ([("ESCAP", i, "ESCAP members", "toy") for i in ESCAP]
                          + [(s, i, s, "toy") for i, _, _, _, s, _, _ in COUNTRIES if s]),
        "migrant_stock": stock,
        "indicator": ind,
        "remittance_bilateral": [(s, r, 2017, v, "wb_remittance_matrix_2017")
                                 for s, r, v in REM_BILATERAL_2017],
        "pair_geo": geo,
        "country_point": [(i, la, lo, "capital", "cepii_geodist")
                          for i, _, _, _, _, la, lo in COUNTRIES],
        "trade": trade,
        "trade_agreement": [("t1", "Toy Pacific Partnership", "FTA", "goods", "In force",
                             dt.date(2004, 1, 1), dt.date(2005, 1, 1), None, None, True, "wto_rta")],
        "trade_agreement_member": [("t1", i, None, None, "wto_rta") for i in RTA_MEMBERS],
        "labour_agreement": [("cw-b1", "PHL", "JPN", 2006, None, "Economic partnership (nurses)",
                              "chilton_woda_2022"),
                             ("cw-b2", "TON", "AUS", 2012, None, "Seasonal worker programme",
                              "chilton_woda_2022")],
        "provenance": prov,
    }


def build(path: Path) -> Path:
    """Write the toy store to ``path`` (overwritten) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    try:
        for t in TABLES.values():
            con.execute(t.create_sql())
        for table, data in rows().items():
            ph = ", ".join(["?"] * len(TABLES[table].columns))
            con.executemany(f"INSERT INTO {table} VALUES ({ph})", data)
    finally:
        con.close()
    return path
