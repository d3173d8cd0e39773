"""Country names and codes as they appear in the real raw files (for the coverage tests).

Each reader returns ``(scheme, values)``: the resolver scheme the values belong to and the set of
distinct values (names stripped of spacing and footnote stars, codes as written).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd


def _clean(x: object) -> str:
    return " ".join(str(x).split()).rstrip("*").strip()


@cache
def undesa_table1(path: Path, header: int) -> pd.DataFrame:
    """Sheet ``Table 1`` of a UN DESA workbook (read once per test session; do not modify)."""
    return pd.read_excel(path, sheet_name="Table 1", header=header)


def _undesa_table1(rel: str, header: int, name_col: int) -> Callable[[Path], tuple[str, set]]:
    def read(raw: Path) -> tuple[str, set]:
        df = undesa_table1(raw / rel, header)
        return "undesa", {_clean(v) for v in df.iloc[:, name_col].dropna()}

    return read


def undesa_2019_bilateral(raw: Path) -> tuple[str, set]:
    path = raw / "undesa_ims2019_bilateral/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    df = pd.read_csv(path, na_values=[".."], low_memory=False)
    names = {_clean(c) for c in df.columns if c not in ("Year", "Dest")}
    names |= {_clean(v) for v in df["Dest"].dropna()}
    return "undesa", names


def undesa_2020_bilateral_codes(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "undesa_ims2020_bilateral/stocks.csv", usecols=["to", "from"])
    return "iso3", set(df["to"]) | set(df["from"])


def wb_bilateral_2017(raw: Path) -> tuple[str, set]:
    d = raw / "worldbank_bilateral_2017"
    a = pd.read_csv(d / "WB_Bilateral_Estimates_Migrant_Stocks_2017_long.csv")
    b = pd.read_csv(d / "WB_Bilateral_Remittance_Estimates_2017_long.csv")
    return "wb", set(a["origin"]) | set(a["destination"]) | set(b["sending"]) | set(b["receiving"])


def knomad_2023(raw: Path) -> tuple[str, set]:
    d = raw / "knomad_remittances_2023"
    names: set[str] = set()
    for file, header in (("remittance-inflows.xlsx", 0), ("remittance-outflows.xlsx", 1)):
        df = pd.read_excel(d / file, header=header)
        col = df.iloc[:, 0]
        # data rows end at the first blank cell; footnotes follow
        end = int(col.isna().to_numpy().argmax())
        names |= {_clean(v) for v in col.iloc[:end]}
    return "wb", names


def wdi_names(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "worldbank_wdi_remittances/wdi_remittances_long.csv",
                     usecols=["Country Name"])
    return "wb", set(df["Country Name"])


def wdi_codes(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "worldbank_wdi_remittances/wdi_remittances_long.csv",
                     usecols=["Country Code"])
    return "iso3", set(df["Country Code"])


def datahub_codes(raw: Path) -> tuple[str, set]:
    codes: set[str] = set()
    for f in ("gdp.csv", "population.csv"):
        codes |= set(pd.read_csv(raw / "datahub_core" / f, usecols=["Country Code"])["Country Code"])
    return "iso3", codes


def datahub_names(raw: Path) -> tuple[str, set]:
    names: set[str] = set()
    for f in ("gdp.csv", "population.csv"):
        names |= set(pd.read_csv(raw / "datahub_core" / f, usecols=["Country Name"])["Country Name"])
    return "wb", names


def wto_rta(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "wto_rta_database/AllRTAs.csv")
    names: set[str] = set()
    for col in ("Current signatories", "Original signatories"):
        for v in df[col].dropna():
            names |= {_clean(x) for x in str(v).split(";") if x.strip()}
    return "wto", names


def cepii_geo(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "cepii_geodist/geo_cepii.csv", encoding="utf-8-sig",
                     keep_default_na=False)
    return "cepii", set(df["iso3"])


def cepii_dist(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "cepii_geodist/dist_cepii.csv", encoding="utf-8-sig",
                     keep_default_na=False, usecols=["iso_o", "iso_d"])
    # one malformed row (documented in MANIFEST.md) has an empty code: not a country
    return "cepii", (set(df["iso_o"]) | set(df["iso_d"])) - {""}


def cepii_names(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "cepii_geodist/geo_cepii.csv", encoding="utf-8-sig",
                     keep_default_na=False)
    return "name", {_clean(v) for v in df["country"]}


def bla_cow(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "bilateral_labor_agreements_chilton_woda/BLAs_Formation_Data.csv")
    return "cow", {int(v) for v in pd.concat([df["codeA"], df["codeB"]]).dropna()}


def bla_names(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "bilateral_labor_agreements_chilton_woda/BLAs_Formation_Data.csv")
    return "name", {_clean(v) for v in pd.concat([df["countryA"], df["countryB"]]).dropna()}


def datahub_country_codes(raw: Path) -> tuple[str, set]:
    df = pd.read_csv(raw / "datahub_core/country-codes.csv", keep_default_na=False)
    return "iso3", {v for v in df["ISO3166-1-Alpha-3"] if v}


READERS: dict[str, Callable[[Path], tuple[str, set]]] = {
    "undesa2020_totals": _undesa_table1(
        "undesa_ims_totals/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", 10, 1),
    "undesa2019_totals": _undesa_table1(
        "undesa_ims_totals/undesa_pd_2019_migrant_stock_total_dataset.xlsx", 15, 1),
    "undesa2024_destination": _undesa_table1(
        "undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx", 10, 1),
    "undesa2024_origin": _undesa_table1(
        "undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_origin.xlsx", 10, 1),
    "undesa2019_bilateral": undesa_2019_bilateral,
    "undesa2020_bilateral_codes": undesa_2020_bilateral_codes,
    "wb_bilateral_2017": wb_bilateral_2017,
    "knomad_2023": knomad_2023,
    "wdi_names": wdi_names,
    "wdi_codes": wdi_codes,
    "datahub_codes": datahub_codes,
    "datahub_names": datahub_names,
    "datahub_country_codes": datahub_country_codes,
    "wto_rta": wto_rta,
    "cepii_geo": cepii_geo,
    "cepii_dist": cepii_dist,
    "cepii_names": cepii_names,
    "bla_cow": bla_cow,
    "bla_names": bla_names,
}
