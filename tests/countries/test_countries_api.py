"""The public API of labourlink.countries: tables, resolvers, aggregates, groupings."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labourlink.countries import (
    ESCAP_SUBREGIONS,
    SCHEMES,
    SPECIAL_CODES,
    WB_AGGREGATE_CODES,
    country_table,
    group_members,
    group_name,
    group_table,
    groups,
    is_aggregate,
    iso3_from_m49,
    m49_of,
    resolve,
    resolver,
    subregion_of,
    try_resolve,
)
from labourlink.errors import (
    InvalidArgumentError,
    LabourlinkError,
    UnknownCountryError,
    UnknownGroupError,
)
from labourlink.store.schema import TABLES

TABLE = country_table()
ISO3 = sorted(TABLE["iso3"])
WITH_M49 = sorted(TABLE.loc[TABLE["m49"].notna(), "iso3"])
NAMED = TABLE.dropna(subset=["undesa_name"])

ESCAP_UNDESA_NAMES = {
    "Afghanistan": "AFG", "American Samoa": "ASM", "Armenia": "ARM", "Australia": "AUS",
    "Azerbaijan": "AZE", "Bangladesh": "BGD", "Bhutan": "BTN", "Brunei Darussalam": "BRN",
    "Cambodia": "KHM", "China": "CHN", "China, Hong Kong SAR": "HKG", "China, Macao SAR": "MAC",
    "Cook Islands": "COK", "Dem. People's Republic of Korea": "PRK", "Fiji": "FJI",
    "French Polynesia": "PYF", "Georgia": "GEO", "Guam": "GUM", "India": "IND",
    "Indonesia": "IDN", "Iran (Islamic Republic of)": "IRN", "Japan": "JPN", "Kazakhstan": "KAZ",
    "Kiribati": "KIR", "Kyrgyzstan": "KGZ", "Lao People's Democratic Republic": "LAO",
    "Malaysia": "MYS", "Maldives": "MDV", "Marshall Islands": "MHL",
    "Micronesia (Fed. States of)": "FSM", "Mongolia": "MNG", "Myanmar": "MMR", "Nauru": "NRU",
    "Nepal": "NPL", "New Caledonia": "NCL", "New Zealand": "NZL", "Niue": "NIU",
    "Northern Mariana Islands": "MNP", "Pakistan": "PAK", "Palau": "PLW",
    "Papua New Guinea": "PNG", "Philippines": "PHL", "Republic of Korea": "KOR",
    "Russian Federation": "RUS", "Samoa": "WSM", "Singapore": "SGP", "Solomon Islands": "SLB",
    "Sri Lanka": "LKA", "Tajikistan": "TJK", "Thailand": "THA", "Timor-Leste": "TLS",
    "Tonga": "TON", "Türkiye": "TUR", "Turkmenistan": "TKM", "Tuvalu": "TUV",
    "Uzbekistan": "UZB", "Vanuatu": "VUT", "Viet Nam": "VNM",
}


# --- tables ----------------------------------------------------------------------------------

def test_country_table_matches_store_schema() -> None:
    assert list(TABLE.columns) == TABLES["country"].column_names
    assert TABLE["iso3"].is_unique and TABLE["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert TABLE["m49"].dropna().is_unique and TABLE["iso2"].dropna().is_unique
    assert TABLE["name"].notna().all()
    assert 240 <= len(TABLE) <= 260
    assert TABLE.loc[TABLE.iso3 == "NAM", "iso2"].item() == "NA"  # not read as missing
    assert set(TABLE["escap_subregion"].dropna()) == set(ESCAP_SUBREGIONS)
    assert not (set(TABLE["iso3"]) & set(SPECIAL_CODES))


def test_group_table_matches_store_schema() -> None:
    g = group_table()
    assert list(g.columns) == TABLES["country_group"].column_names
    assert not g.duplicated(["group_code", "iso3"]).any()
    assert set(g["iso3"]) <= set(ISO3)
    assert (g["source"].str.len() > 10).all() and (g["group_name"].str.len() > 1).all()


def test_tables_are_copies() -> None:
    t = country_table()
    t.loc[0, "iso3"] = "ZZZ"
    assert country_table().loc[0, "iso3"] != "ZZZ"


# --- ESCAP -----------------------------------------------------------------------------------

def test_escap_members_resolve_from_undesa_name_and_iso3() -> None:
    to_iso3 = resolver("undesa")
    assert {n: to_iso3(n) for n in ESCAP_UNDESA_NAMES} == ESCAP_UNDESA_NAMES
    assert {n: resolve(n) for n in ESCAP_UNDESA_NAMES} == ESCAP_UNDESA_NAMES
    assert all(resolve(c) == c for c in ESCAP_UNDESA_NAMES.values())
    assert sorted(ESCAP_UNDESA_NAMES.values()) == group_members("ESCAP")
    # the undesa_name column holds exactly these names for the ESCAP region
    col = TABLE.set_index("iso3")["undesa_name"]
    assert {col[c]: c for c in group_members("ESCAP")} == ESCAP_UNDESA_NAMES


def test_escap_counts_and_subregion_partition() -> None:
    escap = group_members("ESCAP")
    assert len(escap) == 58
    parts = [group_members(s) for s in ESCAP_SUBREGIONS]
    assert [len(p) for p in parts] == [7, 11, 10, 9, 21]
    flat = [c for p in parts for c in p]
    assert len(flat) == len(set(flat)) == 58 and sorted(flat) == escap
    members = group_members("ESCAP-members")
    assert len(members) == 62
    assert sorted(set(members) - set(escap)) == ["FRA", "GBR", "NLD", "USA"]
    for s in ESCAP_SUBREGIONS:
        assert all(subregion_of(c) == s for c in group_members(s))
    assert subregion_of("USA") is None and subregion_of("fra") is None
    assert subregion_of("tur") == "SSWA" and subregion_of("RUS") == "NCA"
    with pytest.raises(UnknownCountryError):
        subregion_of("XYZ")


def test_other_groups() -> None:
    sizes = {"ASEAN": 10, "SAARC": 8, "GCC": 6, "APEC": 21, "EU": 27, "OECD": 38}
    assert {g: len(group_members(g)) for g in sizes} == sizes
    assert {"TWN", "HKG"} <= set(group_members("APEC"))
    assert "GBR" not in group_members("EU")
    assert {"COL", "CRI", "KOR", "JPN"} <= set(group_members("OECD"))
    inc = [g for g in groups() if g.startswith("WB-FY2023-")]
    assert sorted(inc) == ["WB-FY2023-HIC", "WB-FY2023-LIC", "WB-FY2023-LMC", "WB-FY2023-UMC"]
    flat = [c for g in inc for c in group_members(g)]
    assert len(flat) == len(set(flat)) == 216  # 217 WDI economies; Venezuela unclassified
    assert "VEN" not in flat
    assert "IDN" in group_members("WB-FY2023-LMC")  # moved to UMC only in FY2024
    sdg = [g for g in groups() if g.startswith("SDG-")]
    assert len(sdg) == 8
    flat = [c for g in sdg for c in group_members(g)]
    assert len(flat) == len(set(flat)) and len(flat) > 240
    assert "IND" in group_members("SDG-CSA") and "AUS" in group_members("SDG-ANZ")
    assert group_members("sea") == group_members("SEA")
    assert group_name("SEA") == "ESCAP subregion: South-East Asia"


def test_unknown_group_lists_allowed() -> None:
    with pytest.raises(UnknownGroupError) as err:
        group_members("NOPE")
    assert err.value.allowed == groups()
    assert "ESCAP" in str(err.value) and "NOPE" in str(err.value)
    with pytest.raises(UnknownGroupError):
        group_name("NOPE")
    assert isinstance(err.value, LabourlinkError)


# --- resolve ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, iso3", [
    ("VNM", "VNM"), ("vn", "VNM"), (704, "VNM"), ("704", "VNM"), ("004", "AFG"), (4, "AFG"),
    ("Viet Nam", "VNM"), ("Vietnam", "VNM"), ("Korea, Rep.", "KOR"), ("South Korea", "KOR"),
    ("Republic of Korea", "KOR"), ("Korea, Dem. People's Rep.", "PRK"),
    ("China, Hong Kong SAR", "HKG"), ("Hong Kong SAR, China", "HKG"), ("Hong Kong, China", "HKG"),
    ("Chinese Taipei", "TWN"), ("China, Taiwan Province of China", "TWN"), ("Taiwan", "TWN"),
    ("Türkiye", "TUR"), ("Turkiye", "TUR"), ("Turkey", "TUR"), ("Côte d'Ivoire", "CIV"),
    ("Cote d’Ivoire", "CIV"), ("Curaçao", "CUW"), ("Curacao", "CUW"), ("Réunion", "REU"),
    ("Saint Barthélemy", "BLM"), ("Sint Maarten (Dutch part)", "SXM"),
    ("State of Palestine", "PSE"), ("West Bank and Gaza", "PSE"), ("Channel Islands", "CHI"),
    ("CHI", "CHI"), ("Kosovo", "XKX"), ("XK", "XKX"), ("Micronesia (Fed. States of)", "FSM"),
    ("Micronesia, Fed. Sts.", "FSM"), ("Iran (Islamic Republic of)", "IRN"),
    ("Bolivia (Plurinational State of)", "BOL"), ("China, Macao SAR", "MAC"),
    ("Yemen, Rep.", "YEM"), ("ROM", "ROU"), ("ZAR", "COD"), ("UK", "GBR"),
    ("United States of America", "USA"), ("Lao PDR", "LAO"), ("Kyrgyz Republic", "KGZ"),
    ("  Mauritius* ", "MUS"),
])
def test_resolve_examples(value: object, iso3: str) -> None:
    assert resolve(value) == iso3
    assert try_resolve(value) == iso3


@pytest.mark.parametrize("name", [
    "World", "WORLD", "Sub-Saharan Africa", "Eastern Asia", "Melanesia", "Micronesia",
    "Polynesia", "Caribbean", "South America", "Least developed countries",
    "High-income countries", "Other North", "Other South", "Low-and Middle-Income Countries",
    "Euro area", "European Union", "East Asia & Pacific", "WLD", "EAS", "AFE", "EUU",
    "Europe and Northern America", "ASEAN Free Trade Area (AFTA)", "Other",
])
def test_aggregates_are_never_countries(name: str) -> None:
    assert is_aggregate(name)
    assert try_resolve(name) is None
    for scheme in ("any", "name", "undesa", "wb", "wto"):
        assert resolver(scheme)(name) is None
    with pytest.raises(UnknownCountryError, match="aggregate"):
        resolve(name)


def test_aggregate_m49_codes() -> None:
    assert is_aggregate(900) and is_aggregate("1503") and not is_aggregate(4)
    assert not is_aggregate("Viet Nam") and not is_aggregate("Micronesia (Fed. States of)")
    with pytest.raises(UnknownCountryError, match="region"):
        iso3_from_m49(900)


def test_unknown_lists_closest_matches() -> None:
    with pytest.raises(UnknownCountryError) as err:
        resolve("Republic of Koreaa land")
    assert err.value.suggestions and any("KOR" in s for s in err.value.suggestions)
    assert "closest matches" in str(err.value)
    with pytest.raises(UnknownCountryError):
        resolve("Atlantis")
    with pytest.raises(UnknownCountryError):
        resolve("QQQ")
    assert try_resolve("Atlantis") is None and try_resolve("") is None
    assert try_resolve(None) is None  # type: ignore[arg-type]


def test_special_codes_are_not_countries() -> None:
    assert {"XXX", "EUN", "BLX"} <= set(SPECIAL_CODES)
    for code in SPECIAL_CODES:
        assert try_resolve(code) is None
        with pytest.raises(UnknownCountryError, match="special"):
            resolve(code)
    with pytest.raises(UnknownCountryError, match="CSK"):
        resolve("Czechoslovakia")
    assert resolver("name")("East Germany") is None


def test_schemes_are_strict_about_codes() -> None:
    assert resolver("iso3")("vnm") == "VNM" and resolver("iso3")("VN") is None
    assert resolver("iso2")("vn") == "VNM" and resolver("iso2")("VNM") is None
    assert resolver("m49")("004") == "AFG" and resolver("m49")(4) == "AFG"
    assert resolver("m49")("AFG") is None and resolver("m49")(900) is None
    assert resolver("cow")(2) == "USA" and resolver("cow")("2") == "USA"
    assert resolver("cepii")("ROM") == "ROU" and resolver("cepii")("ROU") == "ROU"
    assert resolver("undesa")("Viet Nam") == "VNM" and resolver("wb")("Vietnam") == "VNM"
    with pytest.raises(InvalidArgumentError, match="scheme"):
        resolver("fips")
    assert set(SCHEMES) == {"any", "iso3", "iso2", "m49", "undesa", "wb", "wto", "cepii", "cow",
                            "name"}


def test_wb_aggregate_codes_disjoint_from_countries() -> None:
    assert not (WB_AGGREGATE_CODES & set(ISO3))
    assert all(is_aggregate(c) for c in WB_AGGREGATE_CODES)


def test_resolver_on_large_column() -> None:
    # the documented pattern for 100k-row columns: resolve the unique values, then map
    names = pd.Series(list(NAMED["undesa_name"]) * 500)  # ~118k rows
    to_iso3 = resolver("undesa")
    uniq = names.unique()
    mapped = names.map(dict(zip(uniq, map(to_iso3, uniq), strict=True)))
    assert mapped.notna().all()
    assert (mapped == names.map(to_iso3)).all()
    assert mapped.nunique() == len(NAMED)


# --- properties ------------------------------------------------------------------------------

@given(st.sampled_from(WITH_M49))
def test_iso3_m49_round_trip(iso3: str) -> None:
    m = m49_of(iso3)
    assert isinstance(m, int) and 0 < m < 900
    assert iso3_from_m49(m) == iso3
    assert iso3_from_m49(f"{m:03d}") == iso3
    assert resolve(m) == iso3


def test_round_trip_every_country() -> None:
    assert [iso3_from_m49(m49_of(c)) for c in WITH_M49] == WITH_M49
    assert len(WITH_M49) == len(ISO3) - 1  # only Kosovo has no M49 code
    with pytest.raises(UnknownCountryError, match="M49"):
        m49_of("XKX")
    with pytest.raises(UnknownCountryError):
        m49_of("ZZZ")


@given(st.sampled_from(ISO3))
def test_resolve_iso3_is_identity(iso3: str) -> None:
    assert resolve(iso3) == iso3
    assert resolve(iso3.lower()) == iso3
    assert resolve(f"  {iso3} ") == iso3


_spaces = st.text(alphabet=" \t", max_size=3)


@settings(max_examples=150)
@given(st.sampled_from(list(zip(NAMED["undesa_name"], NAMED["iso3"], strict=True))),
       _spaces, _spaces, st.sampled_from([str.upper, str.lower, str.title, str.swapcase]))
def test_resolve_names_ignores_case_and_spacing(pair: tuple[str, str], left: str, right: str,
                                                case: object) -> None:
    name, iso3 = pair
    variant = left + case(name).replace(" ", "  ") + right  # type: ignore[operator]
    assert resolve(variant) == iso3
    assert resolver("undesa")(variant) == iso3


@given(st.sampled_from(list(TABLE.dropna(subset=["wb_name"])[["wb_name", "iso3"]]
                            .itertuples(index=False, name=None))))
def test_wb_names_resolve(pair: tuple[str, str]) -> None:
    assert resolver("wb")(pair[0]) == pair[1] == resolve(pair[0].upper())


def test_legacy_codes_depend_on_scheme() -> None:
    # CEPII's YUG (Serbia and Montenegro) and ANT are mapped to successors; elsewhere YUG and ANT
    # are the former states (special codes), never silently a current country
    assert resolver("cepii")("YUG") == "SRB" and resolver("cepii")("ANT") == "CUW"
    assert try_resolve("YUG") is None and try_resolve("ANT") is None
    assert resolver("iso3")("YUG") is None
    assert try_resolve("ROM") == "ROU"  # unambiguous legacy code


@pytest.mark.parametrize("text", [
    "Czechoslovakia", "East Germany", "Micronesia", "Belgium and Luxembourg",
    "Venezuela has been unclassified due to the unavailability of data, thus it is not included",
    "Date: June 2023", "Note: All numbers are in current (nominal) US $.",
])
def test_should_not_match(text: str) -> None:
    assert try_resolve(text) is None
    assert resolver("name")(text) is None


def test_missing_and_numpy_values() -> None:
    import numpy as np

    for missing in (None, float("nan"), np.nan, pd.NA, ""):
        assert try_resolve(missing) is None  # type: ignore[arg-type]
        assert resolver("wb")(missing) is None
    assert resolver("m49")(np.int64(4)) == "AFG" and resolver("cow")(np.float64(713.0)) == "TWN"
    assert try_resolve(np.str_("VNM")) == "VNM"  # type: ignore[arg-type]
