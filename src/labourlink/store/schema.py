"""The one definition of the store's tables (DuckDB).

Conventions: country codes are ISO3 (``VARCHAR``), years ``INTEGER``, units in column names.
``source`` columns hold the source id of :class:`labourlink.sources.base.Provenance`.
Special non-country codes allowed in data tables are listed in
:data:`labourlink.countries.SPECIAL_CODES` (e.g. ``XXX`` other/unknown origin).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Table:
    """A store table: ``columns`` are (name, DuckDB type, NOT NULL) triples; ``key`` its unique key."""

    name: str
    columns: tuple[tuple[str, str, bool], ...]
    key: tuple[str, ...]
    doc: str

    @property
    def column_names(self) -> list[str]:
        """Column names in schema order."""
        return [c[0] for c in self.columns]

    def create_sql(self) -> str:
        """``CREATE TABLE`` statement."""
        # Keys are checked after loading (labourlink.store.build): a DuckDB PRIMARY KEY index costs
        # ~40 s on the 4M-row covariate table, a GROUP BY check well under a second.
        cols = [f"{n} {t}{' NOT NULL' if nn else ''}" for n, t, nn in self.columns]
        return f"CREATE TABLE {self.name} ({', '.join(cols)})"


V, I, D, B, DT, TS, BI = (  # noqa: E741 (short type aliases keep the table list readable)
    "VARCHAR", "INTEGER", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "BIGINT")

_TABLES = [
    Table("country", (("iso3", V, True), ("m49", I, False), ("iso2", V, False), ("name", V, True),
                      ("undesa_name", V, False), ("wb_name", V, False), ("cepii_code", V, False),
                      ("escap_subregion", V, False)), ("iso3",),
          "Country reference from labourlink.countries (ISO3 key)."),
    Table("country_group", (("group_code", V, True), ("iso3", V, True), ("group_name", V, False),
                            ("source", V, False)), ("group_code", "iso3"),
          "Membership of groupings (ESCAP, subregions, ASEAN, ...), with the source of each."),
    Table("migrant_stock", (("origin", V, True), ("destination", V, True), ("year", I, True),
                            ("sex", V, True), ("persons", D, True), ("source", V, True)),
          ("source", "origin", "destination", "year", "sex"),
          "Bilateral migrant stocks, persons. sex in ('total','male','female'); where a source "
          "publishes by sex, total = male + female and all three rows are stored: never sum over "
          "sex. origin 'XXX' = other/unknown."),
    Table("migrant_stock_total", (("area_code", I, True), ("area_name", V, True), ("iso3", V, False),
                                  ("is_country", B, True), ("side", V, True), ("year", I, True),
                                  ("sex", V, True), ("persons", D, False), ("source", V, True)),
          ("source", "side", "area_code", "year", "sex"),
          "UN DESA totals workbooks as published (side 'destination' or 'origin'), persons, with "
          "the publisher's regional rows (is_country false, iso3 null) kept for checks."),
    Table("remittance_bilateral", (("sending", V, True), ("receiving", V, True), ("year", I, True),
                                   ("usd_million", D, True), ("source", V, True)),
          ("source", "sending", "receiving", "year"),
          "World Bank bilateral remittance estimates, US$ million, from the host (sending) country "
          "to the origin (receiving) country."),
    Table("migration_bilateral_wb", (("origin", V, True), ("destination", V, True), ("year", I, True),
                                     ("persons", D, True), ("source", V, True)),
          ("source", "origin", "destination", "year"),
          "World Bank bilateral migration matrix, persons."),
    Table("indicator", (("iso3", V, True), ("year", I, True), ("code", V, True), ("value", D, False),
                        ("unit", V, True), ("source", V, True)),
          ("source", "code", "iso3", "year"),
          "Country-year indicators (publisher's series code, readable unit)."),
    Table("pair_geo", (("iso_o", V, True), ("iso_d", V, True), ("contig", I, False),
                       ("comlang_off", I, False), ("comlang_ethno", I, False), ("colony", I, False),
                       ("comcol", I, False), ("curcol", I, False), ("col45", I, False),
                       ("smctry", I, False), ("dist_km", D, False), ("distcap_km", D, False),
                       ("distw_km", D, False), ("distwces_km", D, False), ("source", V, True)),
          ("iso_o", "iso_d"), "CEPII GeoDist dyadic variables; km and 0/1 dummies."),
    Table("country_point", (("iso3", V, True), ("lat", D, True), ("lon", D, True), ("kind", V, True),
                            ("source", V, True)), ("source", "iso3", "kind"),
          "Country points for maps (capital / main city / centroid of largest polygon)."),
    Table("trade", (("exporter", V, True), ("importer", V, True), ("year", I, True),
                    ("product", V, True), ("value", D, True), ("unit", V, True), ("source", V, True)),
          ("source", "exporter", "importer", "year", "product"),
          "Bilateral trade from exporter to importer; product '_T' = all products; unit e.g. "
          "'current US$', 'EUR', 'log real US$'."),
    Table("trade_covariate", (("exporter", V, True), ("importer", V, True), ("year", I, True),
                              ("name", V, True), ("value", D, False), ("source", V, True)),
          ("source", "exporter", "importer", "year", "name"),
          "Covariates shipped with a trade dataset (RTA lags, dummies, DTA provisions)."),
    Table("trade_agreement", (("agreement_id", V, True), ("name", V, True), ("type", V, False),
                              ("coverage", V, False), ("status", V, False), ("signed", DT, False),
                              ("in_force", DT, False), ("in_force_services", DT, False),
                              ("inactive", DT, False), ("labour_provisions", B, False),
                              ("source", V, True)), ("source", "agreement_id"),
          "Trade agreements (WTO RTA-IS, manytrade lists)."),
    Table("trade_agreement_member", (("agreement_id", V, True), ("iso3", V, True), ("entry", DT, False),
                                     ("exit", DT, False), ("source", V, True)),
          ("source", "agreement_id", "iso3"), "Parties to trade agreements with entry/exit dates."),
    Table("labour_agreement", (("agreement_id", V, True), ("party_a", V, True), ("party_b", V, True),
                               ("year", I, False), ("signed", DT, False), ("title", V, False),
                               ("source", V, True)), ("source", "agreement_id"),
          "Bilateral labour agreements (Chilton & Woda 2022); year null when unknown."),
    Table("labour_agreement_provision", (("agreement_id", V, True), ("provision", V, True),
                                         ("label", V, False), ("value", D, False),
                                         ("source", V, True)),
          ("source", "agreement_id", "provision"),
          "Coded provisions of bilateral labour agreements with text (Chilton & Woda 2022)."),
    Table("wpp_component", (("m49", I, True), ("iso3", V, False), ("area_name", V, True),
                            ("is_country", B, True), ("year", I, True), ("variant", V, True),
                            ("births_thousands", D, True), ("deaths_thousands", D, True),
                            ("net_migration_thousands", D, True), ("pop_change_thousands", D, True),
                            ("pop_jan1_thousands", D, True), ("pop_jul1_thousands", D, True),
                            ("pop_dec31_thousands", D, True), ("source", V, True)),
          ("source", "m49", "year"),
          "UN WPP 2024 annual components by calendar year, thousands of persons: births, deaths, "
          "net migration, population change, and population on 1 January, 1 July and 31 "
          "December (rebuilt from the published 31 Dec 2024). variant 'estimate' to 2023, "
          "'medium' for 2024. Aggregates have iso3 null and is_country false."),
    Table("migration_flow", (("origin", V, True), ("destination", V, True),
                             ("period_start", I, True), ("period_end", I, True), ("method", V, True),
                             ("revision", V, True), ("flow", D, True), ("source", V, True)),
          ("revision", "method", "period_start", "period_end", "origin", "destination"),
          "Derived: bilateral migration flows estimated from successive migrant stock tables "
          "(labourlink.flows), persons moving between the mid-year stock dates; zero flows are "
          "not stored; source 'labourlink_flows'. Inputs and parameters in flow_provenance."),
    Table("flow_provenance", (("revision", V, True), ("method", V, True), ("stock_source", V, True),
                              ("parameters", V, True), ("inputs", V, True), ("rows", BI, True),
                              ("status", V, True), ("labourlink_version", V, True),
                              ("built_at", TS, True)),
          ("revision", "method"),
          "Derived-table provenance of migration_flow: per revision and method, the stock source, "
          "the parameters (JSON), every input file with its sha256 (JSON) and the status ('ok', "
          "or why the estimate could not be made)."),
    Table("provenance", (("source", V, True), ("edition", V, True), ("publisher", V, True),
                         ("file", V, True), ("sha256", V, True), ("rows", BI, True),
                         ("dropped", V, False), ("target_table", V, True), ("built_at", TS, True)),
          (), "One row per source table loaded: where every number came from."),
    Table("build_meta", (("key", V, True), ("value", V, True)), ("key",),
          "Build metadata: input fingerprint (sha256 of every raw file read), versions, timings."),
]

TABLES: dict[str, Table] = {t.name: t for t in _TABLES}


def create_statements() -> list[str]:
    """``CREATE TABLE`` statements for every table."""
    return [t.create_sql() for t in _TABLES]

# Columns holding country codes: every value must be an ISO3 code in the `country` table or one of
# labourlink.countries.SPECIAL_CODES (checked after every build).
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "country_group": ("iso3",),
    "migrant_stock": ("origin", "destination"),
    "migrant_stock_total": ("iso3",),
    "wpp_component": ("iso3",),
    "migration_flow": ("origin", "destination"),
    "remittance_bilateral": ("sending", "receiving"),
    "migration_bilateral_wb": ("origin", "destination"),
    "indicator": ("iso3",),
    "pair_geo": ("iso_o", "iso_d"),
    "country_point": ("iso3",),
    "trade": ("exporter", "importer"),
    "trade_covariate": ("exporter", "importer"),
    "trade_agreement_member": ("iso3",),
    "labour_agreement": ("party_a", "party_b"),
}
