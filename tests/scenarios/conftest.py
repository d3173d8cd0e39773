"""Fixtures for the scenarios tests: the book's chapter 2 data and small synthetic GE problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

C2_COVARIATES = ["ln_DIST", "CNTG", "INTL_BRDR"]


@pytest.fixture(scope="session")
def yotov_dir(data_dir: Path) -> Path:
    """``raw/yotov2016_advanced_guide``."""
    return data_dir / "yotov2016_advanced_guide"


@pytest.fixture(scope="session")
def c2_data(yotov_dir: Path) -> pd.DataFrame:
    """Chapter 2 application 1 (2006 cross-section, 69 countries), reference country back to DEU."""
    d = pd.read_csv(yotov_dir / "1_TradeWithoutBorder.csv",
                    usecols=["exporter", "importer", "year", "trade", "ln_DIST", "CNTG", "INTL_BRDR",
                             "Y", "E"])
    d = d.replace({"exporter": {"ZZZ": "DEU"}, "importer": {"ZZZ": "DEU"}})
    return d.rename(columns={"trade": "trade_usd"})


@pytest.fixture(scope="session")
def c2_published(yotov_dir: Path) -> pd.DataFrame:
    """The authors' ``1_TradeWithoutBorder_FULL.xls`` (percent changes), indexed by country."""
    return pd.read_excel(yotov_dir / "results" / "1_TradeWithoutBorder_FULL.xls").set_index("country")


def synthetic(n: int, seed: int, border: float = -1.5) -> pd.DataFrame:
    """A square structural-gravity data set with ``n`` countries ``C00..``; reference ``C00``."""
    rng = np.random.default_rng(seed)
    names = [f"C{k:02d}" for k in range(n)]
    size = rng.lognormal(0.0, 1.0, n)
    xy = rng.uniform(0, 10, (n, 2))
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)) + 0.5
    intl = 1.0 - np.eye(n)
    ln_t = -0.8 * np.log(dist) + border * intl
    trade = size[:, None] * size[None, :] * np.exp(ln_t) * rng.lognormal(0, 0.3, (n, n)) * 1e3
    ex = np.repeat(names, n)
    im = np.tile(names, n)
    return pd.DataFrame({"exporter": ex, "importer": im, "trade_usd": trade.ravel(),
                         "ln_t": ln_t.ravel(), "INTL_BRDR": intl.ravel(),
                         "ln_DIST": np.log(dist).ravel()})


@pytest.fixture(scope="session")
def make_synthetic() -> Callable[..., pd.DataFrame]:
    """Factory of synthetic problems: ``make_synthetic(n, seed)``."""
    return synthetic


# ------------------------------------------------------------------------------------------------
# toy store for the scenario chain (same schema as the real store)
# ------------------------------------------------------------------------------------------------

TOY_COUNTRIES = ["AUS", "BGD", "CHN", "JPN", "KOR", "NPL", "USA", "VNM"]
TOY_GDP_BN = {"AUS": 1400, "BGD": 350, "CHN": 14000, "JPN": 5000, "KOR": 1650, "NPL": 34,
              "USA": 21000, "VNM": 330}
TOY_GDP_PC_PPP = {"AUS": 50000, "BGD": 5000, "CHN": 16000, "JPN": 41000, "KOR": 43000,
                  "NPL": 3800, "USA": 62000, "VNM": 8000}
TOY_STOCK = {("NPL", "KOR"): 40_000.0, ("BGD", "KOR"): 15_000.0, ("VNM", "KOR"): 200_000.0,
             ("CHN", "KOR"): 800_000.0, ("NPL", "AUS"): 60_000.0}
TOY_REMIT_MUSD = {("KOR", "NPL"): 200.0, ("KOR", "BGD"): 60.0, ("KOR", "VNM"): 900.0}


def make_toy_store(path: Path, seed: int = 7) -> Path:
    """Write a small store with the real schema: 8 countries, trade 2018-2019 (no domestic flows)."""
    import duckdb

    from labourlink.store.schema import TABLES

    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(path))
    for name in ("country", "trade", "migrant_stock", "remittance_bilateral", "indicator"):
        con.execute(TABLES[name].create_sql())
    con.executemany("INSERT INTO country (iso3, name) VALUES (?, ?)",
                    [(c, c) for c in TOY_COUNTRIES])
    rows = []
    for year in (2018, 2019):
        for ex in TOY_COUNTRIES:
            for im in TOY_COUNTRIES:
                if ex == im:
                    continue
                v = TOY_GDP_BN[ex] * TOY_GDP_BN[im] * 1e9 / 60000 * rng.lognormal(0, 0.5)
                rows.append((ex, im, year, "_T", float(v), "current US$", "toy_trade"))
    rows.append(("EUN", "KOR", 2019, "_T", 1e9, "current US$", "toy_trade"))  # not a country
    con.executemany("INSERT INTO trade VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO migrant_stock VALUES (?, ?, ?, 'total', ?, 'undesa_ims2020')",
                    [(o, d, 2020, p) for (o, d), p in TOY_STOCK.items()])
    con.executemany("INSERT INTO remittance_bilateral VALUES (?, ?, 2021, ?, "
                    "'knomad_remittance_matrix_2021')",
                    [(s, r, v) for (s, r), v in TOY_REMIT_MUSD.items()])
    ind = [(c, 2019, "NY.GDP.MKTP.CD", v * 1e9, "current US$", "datahub_wdi")
           for c, v in TOY_GDP_BN.items()]
    ind += [(c, 2019, "NY.GDP.PCAP.PP.KD", v, "constant 2017 international $", "gdiviz_wdi_2024")
            for c, v in TOY_GDP_PC_PPP.items()]
    ind += [("KOR", 2019, "PWT.emp", 26.8, "million persons", "pwt_10.01")]
    con.executemany("INSERT INTO indicator VALUES (?, ?, ?, ?, ?, ?)", ind)
    con.close()
    return path


@pytest.fixture(scope="session")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the toy store (built once per session)."""
    return make_toy_store(tmp_path_factory.mktemp("scen") / "toy.duckdb")


EPS_SPEC = {
    "name": "toy-eps",
    "senders": ["NPL", "BGD", "VNM"],
    "receivers": ["KOR"],
    "instrument": "mou",
    "workers_per_year": 3000,
    "years_in_force": 5,
    "return_rate": 0.2,
    "irregular_reduction": 0.1,
}
