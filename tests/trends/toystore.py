"""A tiny hand-made store for the trends tests (numbers chosen so results can be checked by hand).

Group ``DUO`` = {PHL, JPN}; USA is outside; ``XXX`` is UN DESA's unknown origin.
2020 total stocks (persons), origin -> destination:
PHL->JPN 10, JPN->PHL 20, PHL->USA 30, USA->PHL 40, XXX->JPN 5, IND->USA 100, IND->JPN 6.
Hence for DUO in 2020: within 30, emigrants 60 (share 0.5), immigrants 81 (share 30/81).
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import duckdb
import pandas as pd

from labourlink.store.schema import TABLES

COUNTRIES = [
    # iso3, m49, iso2, name, escap_subregion
    ("PHL", 608, "PH", "Philippines", "SEA"),
    ("JPN", 392, "JP", "Japan", "ENEA"),
    ("IND", 356, "IN", "India", "SSWA"),
    ("AUS", 36, "AU", "Australia", "PACIFIC"),
    ("USA", 840, "US", "United States", None),
]

GROUPS = [
    ("ESCAP", "PHL"), ("ESCAP", "JPN"), ("ESCAP", "IND"), ("ESCAP", "AUS"),
    ("SEA", "PHL"), ("ENEA", "JPN"), ("SSWA", "IND"), ("PACIFIC", "AUS"),
    ("DUO", "PHL"), ("DUO", "JPN"),
]

# (origin, destination) -> {year: (male, female)}
STOCKS_2020_REV = {
    ("PHL", "JPN"): {1990: (1, 3), 2020: (4, 6)},
    ("JPN", "PHL"): {1990: (12, 8), 2020: (11, 9)},
    ("PHL", "USA"): {1990: (5, 5), 2020: (14, 16)},
    ("USA", "PHL"): {1990: (25, 15), 2020: (22, 18)},
    ("XXX", "JPN"): {1990: (3, 2), 2020: (2, 3)},
    ("IND", "USA"): {1990: (30, 20), 2020: (60, 40)},
    ("IND", "JPN"): {2020: (3, 3)},
    ("AUS", "USA"): {1990: (1, 1), 2020: (1, 1)},
}
# 2019 revision: totals only
STOCKS_2019_REV = {("PHL", "JPN"): {1990: 4, 2019: 9}, ("PHL", "USA"): {2019: 29}}

POP = {  # (iso3, year) -> persons
    ("PHL", 1990): 61_000, ("PHL", 2020): 110_000, ("JPN", 1990): 123_000, ("JPN", 2020): 126_000,
    ("IND", 2020): 1_380_000, ("USA", 2020): 330_000, ("AUS", 2020): 25_000,
}
GDP = {("PHL", 2017): 300.0, ("JPN", 2017): 5000.0, ("PHL", 2020): 360.0, ("JPN", 2020): 5000.0}
REM = [  # iso3, year, code, value
    ("PHL", 2017, "BX.TRF.PWKR.CD.DT", 30.0), ("PHL", 2017, "BX.TRF.PWKR.DT.GD.ZS", 10.0),
    ("PHL", 2017, "BM.TRF.PWKR.CD.DT", 1.0),
    ("PHL", 2020, "BX.TRF.PWKR.CD.DT", 36.0), ("PHL", 2020, "BX.TRF.PWKR.DT.GD.ZS", 10.0),
    ("PHL", 2022, "BX.TRF.PWKR.CD.DT", 40.0), ("PHL", 2022, "BX.TRF.PWKR.DT.GD.ZS", 9.5),
    ("JPN", 2017, "BX.TRF.PWKR.CD.DT", 5.0), ("JPN", 2017, "BX.TRF.PWKR.DT.GD.ZS", 0.1),
    ("JPN", 2020, "BX.TRF.PWKR.CD.DT", 4.0), ("JPN", 2020, "BX.TRF.PWKR.DT.GD.ZS", 0.08),
    ("JPN", 2020, "BM.TRF.PWKR.CD.DT", 50.0),
    ("IND", 2022, "BX.TRF.PWKR.CD.DT", 111.0), ("IND", 2022, "BX.TRF.PWKR.DT.GD.ZS", 3.3),
    ("WLD", 2022, "BX.TRF.PWKR.DT.GD.ZS", 99.0),  # an aggregate that must never be ranked
]
KNOMAD = [  # iso3, year, code, US$ million
    ("PHL", 2020, "KNOMAD.REM.IN", 36e-6), ("PHL", 2022, "KNOMAD.REM.IN", 42e-6),
    ("JPN", 2020, "KNOMAD.REM.IN", 4e-6), ("JPN", 2020, "KNOMAD.REM.OUT", 50e-6),
]
REM_BILATERAL = [("USA", "PHL", 5.0), ("JPN", "PHL", 2.0), ("USA", "IND", 8.0), ("PHL", "JPN", 0.5),
                 ("USA", "AUS", 0.0)]


def rows(groups: Iterable[tuple[str, str]] = GROUPS) -> dict[str, list[tuple]]:
    """Rows of every toy table."""
    stock = []
    for (o, d), by_year in STOCKS_2020_REV.items():
        for y, (m, f) in by_year.items():
            stock += [(o, d, y, "male", float(m), "undesa_ims2020"),
                      (o, d, y, "female", float(f), "undesa_ims2020"),
                      (o, d, y, "total", float(m + f), "undesa_ims2020")]
    for (o, d), by_year in STOCKS_2019_REV.items():
        for y, t in by_year.items():
            stock.append((o, d, y, "total", float(t), "undesa_ims2019"))
    ind = [(i, y, "SP.POP.TOTL", float(v), "persons", "datahub_wdi") for (i, y), v in POP.items()]
    ind += [(i, y, "NY.GDP.MKTP.CD", v, "current US$", "datahub_wdi") for (i, y), v in GDP.items()]
    ind += [(i, y, c, v, "current US$", "wdi_remittances") for i, y, c, v in REM]
    ind += [(i, y, c, v, "US$ million", "knomad_2023") for i, y, c, v in KNOMAD]
    return {
        "country": [(i, m, i2, n, None, None, None, s) for i, m, i2, n, s in COUNTRIES],
        "country_group": [(g, i, g.title(), "toy") for g, i in groups],
        "migrant_stock": stock,
        "indicator": ind,
        "remittance_bilateral": [(s, r, 2017, v, "wb_remittance_matrix_2017")
                                 for s, r, v in REM_BILATERAL],
    }


def build(con: duckdb.DuckDBPyConnection, *, seed: int | None = None,
          groups: Iterable[tuple[str, str]] = GROUPS) -> duckdb.DuckDBPyConnection:
    """Create every store table on ``con`` and insert the toy rows (shuffled when ``seed``)."""
    for t in TABLES.values():
        con.execute(t.create_sql())
    for table, data in rows(groups).items():
        data = list(data)
        if seed is not None:
            random.Random(seed).shuffle(data)
        frame = pd.DataFrame(data, columns=TABLES[table].column_names)  # noqa: F841 (used by SQL)
        con.execute(f"INSERT INTO {table} SELECT * FROM frame")
    return con


def connect(seed: int | None = None, groups: Iterable[tuple[str, str]] = GROUPS) -> duckdb.DuckDBPyConnection:
    """An in-memory toy store."""
    return build(duckdb.connect(config={"threads": 1}), seed=seed, groups=groups)
