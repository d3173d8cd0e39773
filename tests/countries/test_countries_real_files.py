"""Every country name or code in the real raw files resolves, or is a known aggregate.

Besides coverage, the (name, code) pairs the publishers ship are used to check that names resolve
to the *right* country (UN DESA name vs M49 code, WDI name vs code, CEPII name vs code, COW name
vs code).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from countries_real_names import READERS, undesa_table1

from labourlink.countries import (
    SPECIAL_CODES,
    WB_AGGREGATE_CODES,
    country_table,
    is_aggregate,
    resolve,
    resolver,
    try_resolve,
)

# Values that are neither a country of the table nor an aggregate, with the reason.
NOT_COUNTRIES = {
    "Belgium and Luxembourg": "CEPII geo_cepii label of code BEL (BLX-like union); code BEL is used",
    "East Germany": "German Democratic Republic: special code DDR (COW 265), not a current country",
    "Czechoslovakia": "special code CSK (COW 315), not a current country",
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_value_in_real_file_resolves_or_is_aggregate(data_dir: Path, reader: str) -> None:
    scheme, values = READERS[reader](data_dir)
    assert len(values) > 100, f"{reader}: suspiciously few values read ({len(values)})"
    to_iso3 = resolver(scheme)
    codes = set(country_table()["iso3"]) | set(SPECIAL_CODES)
    # COW numbers are not M49 numbers: is_aggregate(900) (M49 World) says nothing about COW 900
    aggregate = (lambda v: False) if scheme == "cow" else is_aggregate
    unresolved = sorted(
        (v for v in values
         if to_iso3(v) is None and not aggregate(v) and v not in NOT_COUNTRIES
         and v not in SPECIAL_CODES), key=str)
    assert unresolved == [], f"{reader} ({scheme}): {unresolved}"
    assert {to_iso3(v) for v in values} - {None} <= codes
    # aggregates never resolve, in any scheme
    for v in values:
        if aggregate(v):
            assert to_iso3(v) is None, (reader, v)
            assert try_resolve(v) is None, (reader, v)


def _undesa_pairs(data_dir: Path) -> list[tuple[str, int]]:
    specs = [
        ("undesa_ims_totals/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", 10, 3),
        ("undesa_ims_totals/undesa_pd_2019_migrant_stock_total_dataset.xlsx", 15, 3),
        ("undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx", 10, 4),
        ("undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_origin.xlsx", 10, 4),
    ]
    pairs = []
    for rel, header, code_col in specs:
        df = undesa_table1(data_dir / rel, header)
        for name, code in zip(df.iloc[:, 1], df.iloc[:, code_col], strict=True):
            if pd.notna(name) and pd.notna(code):
                pairs.append((str(name), int(code)))
    return pairs


def test_undesa_names_match_their_m49_codes(data_dir: Path) -> None:
    by_name, by_code = resolver("undesa"), resolver("m49")
    pairs = _undesa_pairs(data_dir)
    countries = [(n, c) for n, c in pairs if c < 900]
    regions = [(n, c) for n, c in pairs if c >= 900]
    assert len(countries) > 900 and len(regions) > 150
    wrong = [(n, c, by_name(n), by_code(c)) for n, c in countries if by_name(n) != by_code(c)]
    assert wrong == []
    assert all(is_aggregate(n) and is_aggregate(c) for n, c in regions)
    assert all(by_code(c) is None for _, c in regions)


def test_wdi_names_match_their_codes(data_dir: Path) -> None:
    df = pd.read_csv(data_dir / "worldbank_wdi_remittances/wdi_remittances_long.csv",
                     usecols=["Country Name", "Country Code"]).drop_duplicates()
    by_name = resolver("wb")
    econ = df[~df["Country Code"].isin(WB_AGGREGATE_CODES)]
    agg = df[df["Country Code"].isin(WB_AGGREGATE_CODES)]
    assert len(econ) > 200 and len(agg) > 40
    wrong = [(n, c, by_name(n)) for n, c in zip(econ["Country Name"], econ["Country Code"],
                                                strict=True) if by_name(n) != c]
    assert wrong == []
    assert all(is_aggregate(n) for n in agg["Country Name"])


def test_wb_aggregate_codes_from_metadata_sheet(data_dir: Path) -> None:
    meta = pd.read_excel(data_dir / "worldbank_wdi_remittances/personal-remittances-received.xls",
                         sheet_name="Metadata - Countries")
    blank_region = set(meta.loc[meta["Region"].isna(), "Country Code"])
    assert blank_region <= WB_AGGREGATE_CODES
    assert not (WB_AGGREGATE_CODES & set(country_table()["iso3"]))
    assert {"WLD", "EAS", "AFE", "EMU", "EUU", "HIC", "LMY"} <= WB_AGGREGATE_CODES


def test_cepii_names_match_their_codes(data_dir: Path) -> None:
    geo = pd.read_csv(data_dir / "cepii_geodist/geo_cepii.csv", encoding="utf-8-sig",
                      keep_default_na=False)
    by_code, by_name = resolver("cepii"), resolver("name")
    pairs = set(zip(geo["iso3"], geo["country"], strict=True))
    wrong = [(c, n, by_code(c), by_name(n)) for c, n in pairs
             if n.strip() not in NOT_COUNTRIES and by_code(c) != by_name(n)]
    assert wrong == []
    assert by_code("ROM") == "ROU" and by_code("ZAR") == "COD" and by_code("YUG") == "SRB"
    assert by_code("TMP") == "TLS" and by_code("PAL") == "PSE" and by_code("ANT") == "CUW"


def test_cow_codes_match_their_names(data_dir: Path) -> None:
    df = pd.read_csv(data_dir / "bilateral_labor_agreements_chilton_woda/BLAs_Formation_Data.csv")
    pairs = pd.concat([
        df[["codeA", "countryA"]].set_axis(["code", "name"], axis=1),
        df[["codeB", "countryB"]].set_axis(["code", "name"], axis=1),
    ]).drop_duplicates()
    by_cow, by_name = resolver("cow"), resolver("name")
    wrong = [(c, n, by_cow(c), by_name(n)) for c, n in zip(pairs["code"], pairs["name"],
                                                           strict=True)
             if n not in NOT_COUNTRIES and by_cow(c) != by_name(n)]
    assert wrong == []
    expected = {255: "DEU", 260: "DEU", 265: "DDR", 345: "SRB", 315: "CSK", 713: "TWN",
                709: "MAC", 711: "HKG", 3: "MNP", 347: "XKX", 2: "USA", 732: "KOR",
                731: "PRK", 816: "VNM", 860: "TLS", 946: "KIR", 955: "TON"}
    assert {c: by_cow(c) for c in expected} == expected
    assert by_cow("713") == "TWN"
    assert {"DDR", "CSK"} <= set(SPECIAL_CODES)


def test_wto_names_and_blocs(data_dir: Path) -> None:
    from labourlink.countries import WTO_BLOCS, groups

    to_iso3 = resolver("wto")
    spot = {"Chinese Taipei": "TWN", "Hong Kong, China": "HKG", "Korea, Republic of": "KOR",
            "Türkiye": "TUR", "Viet Nam": "VNM", "Kyrgyz Republic": "KGZ",
            "Lao People's Democratic Republic": "LAO", "Macao, China": "MAC",
            "Saudi Arabia, Kingdom of": "SAU", "Iran": "IRN", "Palestine": "PSE"}
    assert {n: to_iso3(n) for n in spot} == spot
    _, names = READERS["wto_rta"](data_dir)
    blocs = {n for n in names if to_iso3(n) is None}
    assert blocs == set(WTO_BLOCS)
    assert set(WTO_BLOCS.values()) <= set(groups())
    with pytest.raises(Exception, match="aggregate"):
        resolve("European Union")
