"""Regenerate the data files of :mod:`labourlink.countries` (maintainers only).

Run ``python -m labourlink.countries._generate [RAW_DIR]`` (default: :func:`labourlink.config.data_dir`).
It writes ``countries.csv``, ``cow.csv``, ``groups.csv`` and ``aggregates.csv`` in
``src/labourlink/countries/data/`` from:

- ``country_converter`` (coco) ``country_data.tsv``: ISO3, ISO2, ISO numeric, short names, EU/OECD/APEC
  membership, Gleditsch-Ward codes (the base of the COW table);
- the UN DESA workbooks (``undesa_ims2024_totals``, ``undesa_ims_totals``): the UN DESA name of
  every M49 code, and the region/group rows (aggregates);
- the WDI bulk download metadata sheet ``Metadata - Countries``
  (``worldbank_wdi_remittances/personal-remittances-received.xls``): World Bank names, aggregates and
  income groups;
- CEPII ``geo_cepii.csv``: CEPII codes;
- ``datahub_core/country-codes.csv``: UN M49 regions and sub-regions (SDG regions);
- the curated lists below (ESCAP, its subregions, ASEAN, SAARC, GCC), each with its source.

``aliases.csv`` is hand-curated and not touched by this script. The package itself never reads the
raw files: it only reads the generated CSVs (and coco's regexes as a last-resort name matcher).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data"

# ---------------------------------------------------------------------------------------------
# Curated lists (sources in the group_name/source columns of groups.csv and in data/README.md)
# ---------------------------------------------------------------------------------------------
ESCAP_SRC = ("UN ESCAP, 'Member States and Associate Members' (unescap.org/about/member-states) and "
             "ESCAP Statistical Yearbook / SDG Progress Report subregional groupings; curated")
ESCAP_SUBREGION_MEMBERS: dict[str, list[str]] = {
    "ENEA": ["CHN", "PRK", "HKG", "JPN", "MAC", "MNG", "KOR"],
    "SEA": ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "TLS", "VNM"],
    "SSWA": ["AFG", "BGD", "BTN", "IND", "IRN", "MDV", "NPL", "PAK", "LKA", "TUR"],
    "NCA": ["ARM", "AZE", "GEO", "KAZ", "KGZ", "RUS", "TJK", "TKM", "UZB"],
    "PACIFIC": ["ASM", "AUS", "COK", "FJI", "PYF", "GUM", "KIR", "MHL", "FSM", "NRU", "NCL", "NZL",
                "NIU", "MNP", "PLW", "PNG", "WSM", "SLB", "TON", "TUV", "VUT"],
}
ESCAP_SUBREGION_NAMES = {
    "ENEA": "East and North-East Asia",
    "SEA": "South-East Asia",
    "SSWA": "South and South-West Asia",
    "NCA": "North and Central Asia",
    "PACIFIC": "Pacific",
}
ESCAP_ASSOCIATES = ["ASM", "COK", "PYF", "GUM", "HKG", "MAC", "NCL", "NIU", "MNP"]
ESCAP_NONREGIONAL_MEMBERS = ["FRA", "NLD", "GBR", "USA"]

CURATED_GROUPS: dict[str, tuple[str, list[str], str]] = {
    "ASEAN": ("Association of Southeast Asian Nations (10 members; Timor-Leste, admitted on "
              "2025-10-26, not included)",
              ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"],
              "ASEAN Secretariat, member states (asean.org); curated"),
    "SAARC": ("South Asian Association for Regional Cooperation",
              ["AFG", "BGD", "BTN", "IND", "MDV", "NPL", "PAK", "LKA"],
              "SAARC Secretariat, member states (saarc-sec.org); curated"),
    "GCC": ("Gulf Cooperation Council",
            ["BHR", "KWT", "OMN", "QAT", "SAU", "ARE"],
            "GCC Secretariat General, member states (gcc-sg.org); curated"),
    "EFTA": ("European Free Trade Association",
             ["ISL", "LIE", "NOR", "CHE"], "EFTA, member states (efta.int); curated"),
    "EAEU": ("Eurasian Economic Union",
             ["ARM", "BLR", "KAZ", "KGZ", "RUS"], "EAEU, member states (eaeunion.org); curated"),
    "CACM": ("Central American Common Market",
             ["CRI", "SLV", "GTM", "HND", "NIC"], "SIECA, CACM member states; curated"),
    "SACU": ("Southern African Customs Union",
             ["BWA", "LSO", "NAM", "ZAF", "SWZ"], "SACU, member states (sacu.int); curated"),
    "MERCOSUR": ("Southern Common Market (founding States Parties; Venezuela suspended, Bolivia "
                 "acceding, not included)",
                 ["ARG", "BRA", "PRY", "URY"], "MERCOSUR, States Parties (mercosur.int); curated"),
}

# Correlates of War state codes that differ from the Gleditsch-Ward codes in coco, and COW (or
# COW-style) codes of entities absent from coco. iso3 values outside ISO are SPECIAL_CODES.
COW_OVERRIDES: list[tuple[int, str, str, str]] = [
    (255, "DEU", "Germany (Prussia); also West Germany in some files", "COW 255 = Germany"),
    (260, "DEU", "German Federal Republic (West Germany)", "successor: Germany"),
    (265, "DDR", "German Democratic Republic (East Germany)", "special code DDR (dissolved 1990)"),
    (315, "CSK", "Czechoslovakia", "special code CSK (dissolved 1993)"),
    (316, "CZE", "Czech Republic", "COW 316 (GW uses 315)"),
    (345, "SRB", "Yugoslavia / Serbia", "successor: Serbia"),
    (678, "YEM", "Yemen Arab Republic (North Yemen)", "successor: Yemen"),
    (679, "YEM", "Yemen", "COW 679"),
    (680, "YEM", "Yemen People's Republic (South Yemen)", "successor: Yemen"),
    (816, "VNM", "Vietnam (Democratic Republic of Vietnam)", "COW 816"),
    (817, "VNM", "Republic of Vietnam (South Vietnam)", "successor: Viet Nam"),
    (946, "KIR", "Kiribati", "COW 946 (GW uses 970)"),
    (947, "TUV", "Tuvalu", "COW 947 (GW uses 973)"),
    (955, "TON", "Tonga", "COW 955 (GW uses 972)"),
    (970, "NRU", "Nauru", "COW 970 (GW uses 971)"),
    (3, "MNP", "Northern Mariana Islands", "non-state code used by Chilton & Woda (2022)"),
    (709, "MAC", "Macao", "non-state code used by Chilton & Woda (2022)"),
    (711, "HKG", "Hong Kong", "non-state code used by Chilton & Woda (2022)"),
    (713, "TWN", "Taiwan", "COW 713"),
    (347, "XKX", "Kosovo", "COW 347"),
]

# GW codes in coco that must not be taken as COW codes (they mean something else in COW).
GW_NOT_COW = {260, 315, 340, 680, 970, 971, 972, 973}

# Non-ISO entities kept as rows of the country table (documented in data/README.md).
EXTRA_COUNTRIES = [
    # iso3, m49, iso2, name
    ("CHI", 830, None, "Channel Islands"),
]

SDG_REGIONS: dict[str, tuple[str, list[str]]] = {
    # code: (name, M49 sub-regions / intermediate regions it is made of)
    "SDG-SSA": ("Sub-Saharan Africa", ["Sub-Saharan Africa"]),
    "SDG-NAWA": ("Northern Africa and Western Asia", ["Northern Africa", "Western Asia"]),
    "SDG-CSA": ("Central and Southern Asia", ["Central Asia", "Southern Asia"]),
    "SDG-ESEA": ("Eastern and South-Eastern Asia", ["Eastern Asia", "South-eastern Asia"]),
    "SDG-LAC": ("Latin America and the Caribbean", ["Latin America and the Caribbean"]),
    "SDG-ANZ": ("Australia and New Zealand", ["Australia and New Zealand"]),
    "SDG-OCE": ("Oceania (excluding Australia and New Zealand)",
                ["Melanesia", "Micronesia", "Polynesia"]),
    "SDG-ENA": ("Europe and Northern America",
                ["Eastern Europe", "Northern Europe", "Southern Europe", "Western Europe",
                 "Northern America"]),
}

WB_INCOME = {"High income": "HIC", "Upper middle income": "UMC", "Lower middle income": "LMC",
             "Low income": "LIC"}
WB_EDITION = "FY2023"

# Generic aggregate labels seen in the sources (besides the UN DESA and WB aggregate rows).
EXTRA_AGGREGATES: list[tuple[str, str, str]] = [
    ("Other North", "residual", "World Bank bilateral migration matrix 2017"),
    ("Other South", "residual", "World Bank bilateral migration matrix 2017"),
    ("Low-and Middle-Income Countries", "income group", "World Bank-KNOMAD remittances 2023"),
    ("World", "world", "generic"),
    ("Total", "world", "generic"),
    ("OTHER", "residual", "UN DESA IMS 2020 by origin"),
    ("Other", "residual", "generic"),
    ("Unknown", "residual", "generic"),
    ("Other / unknown", "residual", "UN DESA IMS (origin XXX)"),
    ("Asia-Pacific", "region", "generic"),
    ("Asia and the Pacific", "region", "generic"),
    ("Euro area", "bloc", "generic"),
    ("European Union", "bloc", "WTO RTA database; WDI EUU"),
    ("EU", "bloc", "generic"),
    ("ESCAP", "region", "UN ESCAP"),
    ("ASEAN", "bloc", "generic"),
    ("SAARC", "bloc", "generic"),
    ("APEC", "bloc", "generic"),
    ("OECD", "bloc", "generic"),
    ("GCC", "bloc", "generic"),
    ("Gulf Cooperation Council", "bloc", "generic"),
    ("Sub-Saharan Africa", "region", "UN DESA SDG region"),
    ("East Asia & Pacific (IDA & IBRD countries)", "World Bank aggregate", "WDI data sheet"),
    ("Europe & Central Asia (IDA & IBRD countries)", "World Bank aggregate", "WDI data sheet"),
    ("Latin America & the Caribbean (IDA & IBRD countries)", "World Bank aggregate",
     "WDI data sheet"),
    ("Middle East & North Africa (IDA & IBRD countries)", "World Bank aggregate",
     "WDI data sheet"),
    ("Sub-Saharan Africa (IDA & IBRD countries)", "World Bank aggregate", "WDI data sheet"),
    ("Middle East, North Africa, Afghanistan & Pakistan", "World Bank aggregate",
     "WDI 2024 region (datahub core)"),
    ("Middle East, North Africa, Afghanistan & Pakistan (IDA & IBRD)", "World Bank aggregate",
     "WDI 2024 region (datahub core)"),
    ("Middle East, North Africa, Afghanistan & Pakistan (excluding high income)",
     "World Bank aggregate", "WDI 2024 region (datahub core)"),
]

WTO_BLOC_NAMES = {
    "ASEAN Free Trade Area (AFTA)": "ASEAN",
    "Central American Common Market (CACM)": "CACM",
    "Eurasian Economic Union (EAEU)": "EAEU",
    "European Free Trade Association (EFTA)": "EFTA",
    "European Union": "EU",
    "Gulf Cooperation Council (GCC)": "GCC",
    "Southern African Customs Union (SACU)": "SACU",
    "Southern Common Market (MERCOSUR)": "MERCOSUR",
}


def _clean_name(x: object) -> str:
    return " ".join(str(x).replace("\xa0", " ").split()).rstrip("*").strip()


def undesa_rows(raw: Path) -> pd.DataFrame:
    """(name, m49, file) rows of every UN DESA totals workbook's Table 1."""
    specs = [
        ("undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx", 10, 1, 4),
        ("undesa_ims2024_totals/undesa_pd_2024_ims_stock_by_sex_and_origin.xlsx", 10, 1, 4),
        ("undesa_ims_totals/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", 10, 1, 3),
        ("undesa_ims_totals/undesa_pd_2019_migrant_stock_total_dataset.xlsx", 15, 1, 3),
    ]
    out = []
    for rel, header, name_col, code_col in specs:
        df = pd.read_excel(raw / rel, sheet_name="Table 1", header=header)
        for name, code in zip(df.iloc[:, name_col], df.iloc[:, code_col], strict=True):
            if pd.isna(name):
                continue
            out.append((_clean_name(name), None if pd.isna(code) else int(code), rel))
    return pd.DataFrame(out, columns=["name", "m49", "file"])


def build(raw: Path, out: Path = DATA) -> None:
    """Write the generated CSVs to ``out`` from coco, the raw files in ``raw`` and curated lists.

    Parameters
    ----------
    raw : Path
        Folder with the raw files (layout of ``shared/data/raw``).
    out : Path
        Destination folder (default: the package's ``data`` folder).
    """
    import country_converter as coco

    cc = coco.CountryConverter().data.copy()
    cc["ISO2"] = cc["ISO2"].str.extract(r"\^?([A-Z]{2})", expand=False)
    base = pd.DataFrame({
        "iso3": cc["ISO3"], "m49": cc["UNcode"].astype("Int64"), "iso2": cc["ISO2"],
        "name": cc["name_short"],
    })
    # Taiwan: not in UN M49; UN DESA lists "China, Taiwan Province of China" under 158 (= ISO 3166
    # numeric). Kosovo: no M49 code (coco's 412 is a user-assigned placeholder): left empty.
    base.loc[base.iso3 == "TWN", "m49"] = 158
    extra = pd.DataFrame(EXTRA_COUNTRIES, columns=["iso3", "m49", "iso2", "name"])
    extra["m49"] = extra["m49"].astype("Int64")
    base = pd.concat([base, extra], ignore_index=True)

    # UN DESA names by M49 code: latest revision first.
    und = undesa_rows(raw)
    und_c = und[und.m49.notna() & (und.m49 < 900)]
    und_latest = und_c.drop_duplicates("m49", keep="first").set_index("m49")["name"]
    base["undesa_name"] = base["m49"].map(lambda m: und_latest.get(int(m)) if pd.notna(m) else None)

    # World Bank names by code (WDI metadata, 2023-05-10).
    meta = pd.read_excel(raw / "worldbank_wdi_remittances/personal-remittances-received.xls",
                         sheet_name="Metadata - Countries")
    wb_c = meta[meta.Region.notna()]
    wb_agg = meta[meta.Region.isna()]
    missing_wb = set(wb_c["Country Code"]) - set(base.iso3)
    if missing_wb:
        raise SystemExit(f"WB economies not in the country table: {sorted(missing_wb)}")
    base["wb_name"] = base["iso3"].map(wb_c.set_index("Country Code")["TableName"])

    # CEPII codes.
    geo = pd.read_csv(raw / "cepii_geodist/geo_cepii.csv", encoding="utf-8-sig",
                      keep_default_na=False)
    legacy = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "PAL": "PSE", "YUG": "SRB", "ANT": "CUW"}
    cep = {legacy.get(c, c): c for c in geo["iso3"].unique()}
    missing_cep = set(cep) - set(base.iso3)
    if missing_cep:
        raise SystemExit(f"CEPII codes not in the country table: {sorted(missing_cep)}")
    base["cepii_code"] = base["iso3"].map(cep)

    sub_of = {c: s for s, members in ESCAP_SUBREGION_MEMBERS.items() for c in members}
    base["escap_subregion"] = base["iso3"].map(sub_of)
    base = base.sort_values("iso3").reset_index(drop=True)
    assert base.iso3.is_unique and base.m49.dropna().is_unique and base.iso2.dropna().is_unique
    base.to_csv(out / "countries.csv", index=False)

    # COW codes: coco's Gleditsch-Ward codes where they agree with COW, plus overrides.
    cow = {}
    for iso3, gw, name in zip(cc.ISO3, cc.GWcode, cc.name_short, strict=True):
        if pd.notna(gw) and int(gw) not in GW_NOT_COW:
            cow[int(gw)] = (iso3, name, "coco GWcode (same code in COW)")
    for cow_code, iso3, name, note in COW_OVERRIDES:
        cow[cow_code] = (iso3, name, note)
    cow_df = pd.DataFrame([(k, *v) for k, v in sorted(cow.items())],
                          columns=["cow_code", "iso3", "cow_name", "note"])
    cow_df.to_csv(out / "cow.csv", index=False)

    # Groups.
    rows: list[tuple[str, str, str, str]] = []
    escap = sorted(sub_of)
    assert len(escap) == 58, len(escap)
    assert set(ESCAP_ASSOCIATES) <= set(escap)
    for c in escap:
        rows.append(("ESCAP", c, "ESCAP region: regional members and associate members (58)",
                     ESCAP_SRC))
    for c in sorted(set(escap) | set(ESCAP_NONREGIONAL_MEMBERS)):
        rows.append(("ESCAP-members", c,
                     "ESCAP members and associate members, incl. the 4 non-regional members (62)",
                     ESCAP_SRC))
    for code, members in ESCAP_SUBREGION_MEMBERS.items():
        for c in sorted(members):
            rows.append((code, c, f"ESCAP subregion: {ESCAP_SUBREGION_NAMES[code]}", ESCAP_SRC))
    for code, (name, members, src) in CURATED_GROUPS.items():
        for c in sorted(members):
            rows.append((code, c, name, src))
    coco_src = f"country_converter {coco.__version__} country_data.tsv"
    for code, col, name in [("EU", "EU", "European Union (27 member states, since 2020-02-01)"),
                            ("OECD", "OECD", "OECD members (38)"),
                            ("APEC", "APEC", "Asia-Pacific Economic Cooperation (21 economies)")]:
        for c in sorted(cc.loc[cc[col].notna(), "ISO3"]):
            rows.append((code, c, name, coco_src))
    wb_src = ("World Bank WDI 'Metadata - Countries' IncomeGroup, bulk download last updated "
              "2023-05-10 (FY2023 classification, released July 2022, GNI per capita 2021)")
    for label, short in WB_INCOME.items():
        for c in sorted(wb_c.loc[wb_c.IncomeGroup == label, "Country Code"]):
            rows.append((f"WB-{WB_EDITION}-{short}", c, f"World Bank {WB_EDITION}: {label}", wb_src))
    dh = pd.read_csv(raw / "datahub_core/country-codes.csv", keep_default_na=False)
    dh = dh[dh["ISO3166-1-Alpha-3"] != ""]
    sdg_src = "UN M49 regions via datahub core/country-codes (Sub-region / Intermediate Region Name)"
    for code, (name, parts) in SDG_REGIONS.items():
        sel = dh[dh["Sub-region Name"].isin(parts) | dh["Intermediate Region Name"].isin(parts)]
        for c in sorted(set(sel["ISO3166-1-Alpha-3"])):
            rows.append((code, c, f"UN SDG region: {name}", sdg_src))
    # The Channel Islands (M49 830, Northern Europe) have no ISO 3166 code, so datahub lacks them;
    # UN DESA reports them as a country, inside "Europe and Northern America".
    rows.append(("SDG-ENA", "CHI", "UN SDG region: Europe and Northern America",
                 "UN M49: Channel Islands (830) in Northern Europe (not in ISO 3166)"))
    groups = pd.DataFrame(rows, columns=["group_code", "iso3", "group_name", "source"])
    unknown = set(groups.iso3) - set(base.iso3)
    assert not unknown, unknown
    assert not groups.duplicated(["group_code", "iso3"]).any()
    groups.to_csv(out / "groups.csv", index=False)

    # Aggregates: UN DESA region rows, WB aggregates (names and codes), generic labels, WTO blocs.
    agg: list[tuple[str, str, int | None, str | None, str]] = []
    und_src = "UN DESA IMS totals workbooks 2019/2020/2024 (Table 1)"
    und_agg = und[und.m49.isna() | (und.m49 >= 900)].drop_duplicates(["name", "m49"])
    for name, m49 in sorted(zip(und_agg.name, und_agg.m49, strict=True), key=str):
        agg.append((name, "UN DESA region or group", None if pd.isna(m49) else int(m49), None,
                    und_src))
    wb_src = "WDI Metadata - Countries (Region blank), last updated 2023-05-10"
    for code, name in zip(wb_agg["Country Code"], wb_agg["TableName"], strict=True):
        agg.append((name, "World Bank aggregate", None, code, wb_src))
        agg.append((code, "World Bank aggregate code", None, code, wb_src))
    agg.append(("INX", "World Bank code: not classified", None, "INX", "WDI country codes"))
    for name, kind, src in EXTRA_AGGREGATES:
        agg.append((name, kind, None, None, src))
    for name, code in WTO_BLOC_NAMES.items():
        agg.append((name, f"WTO RTA bloc party (group {code})", None, None,
                    "WTO RTA database AllRTAs"))
    agg_df = pd.DataFrame(agg, columns=["name", "kind", "m49", "wb_code", "source"])
    agg_df["m49"] = agg_df["m49"].astype("Int64")
    agg_df = agg_df.drop_duplicates(["name", "m49"])
    clash = set(agg_df.name.str.casefold()) & (
        set(base.iso3.str.casefold()) | set(base.name.str.casefold())
        | set(base.undesa_name.dropna().str.casefold()) | set(base.wb_name.dropna().str.casefold()))
    assert not clash, clash
    agg_df.to_csv(out / "aggregates.csv", index=False)
    print(f"countries {len(base)}, cow {len(cow_df)}, groups {groups.group_code.nunique()} "
          f"({len(groups)} rows), aggregates {len(agg_df)}")


if __name__ == "__main__":
    from labourlink.config import data_dir

    build(Path(sys.argv[1]) if len(sys.argv) > 1 else data_dir())
