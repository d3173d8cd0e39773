"""Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to Trade Policy Analysis*.

``yotov2016_advanced_guide/agtpa_applications.rda`` (object ``agtpa_applications`` of the R
package ``tradepolicy``; the book's Chapter 1 Application 3 data, byte copy read with pyreadr):
99,981 rows, 69 countries, 1986-2006 (annual; the book's applications keep 1986, 1990, ..., 2006).

Store tables:

``trade``
    ``exporter``, ``importer``, ``year``, ``product = '_T'`` (aggregate manufacturing), ``value`` =
    ``trade``. **Intra-national flows (exporter == importer) are kept**: structural gravity needs
    them (1,449 rows). Unit ``'current US$ million'``: the package documents ``trade`` as "nominal
    trade flows in current US dollars", but the values are in **millions** (JPN -> USA 2006 is
    142,972, i.e. US$ 143 bn; USA domestic 2006 is 4.2 million, i.e. US$ 4.2 trillion of
    manufacturing), so the unit says so.
``trade_covariate``
    Every row of: ``dist`` (population-weighted distance, km), ``cntg``, ``lang``, ``clny``,
    ``rta``, ``rta_lag3``, ``rta_lag4``, ``rta_lag6``, ``rta_lag8``, ``rta_lag9``, ``rta_lag12``,
    ``rta_lead4`` (0/1) and ``pair_id`` (the package's symmetric pair identifier).

Romania is ``ROM`` in the file; codes are mapped with ``resolver('cepii')`` (``ROM`` -> ``ROU``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_columns,
    check_integer,
    check_non_negative,
    check_unique,
    covariate_frame,
    github_raw,
    read_rda_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
    trade_frame,
)
from labourlink.store.schema import TABLES

SOURCE = "yotov2016_agtpa"
FILE = "yotov2016_advanced_guide/agtpa_applications.rda"
EDITION = ("Yotov, Piermartini, Monteiro & Larch (2016), An Advanced Guide to Trade Policy "
           "Analysis, Ch. 1 Application 3 data (R package tradepolicy, agtpa_applications)")
PUBLISHER = "WTO / UNCTAD (data packaged by pachadotdev/tradepolicy)"
UNIT = "current US$ million"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        FILE,
        github_raw("pachadotdev/tradepolicy", "344cfb66dafd89504a346bbddbbe0218677c99d3",
                   "data/agtpa_applications.rda"),
        "b12e7e336d5d444aba1e38014a8776ccee58c9110d8dcf6d50fe0a4195375610",
        note="CC BY 4.0 (tradepolicy package, copyright The United Nations)",
    ),
)

COVARIATES: tuple[str, ...] = ("dist", "cntg", "lang", "clny", "rta", "rta_lag3", "rta_lag4",
                               "rta_lag6", "rta_lag8", "rta_lag9", "rta_lag12", "rta_lead4",
                               "pair_id")


def _resolver() -> Callable[[object], str | None]:
    """``labourlink.countries.resolver('cepii')`` (ISO3 plus CEPII legacy codes such as ROM)."""
    from labourlink.countries import resolver

    return resolver("cepii")


def load(data_dir: Path) -> list[SourceTable]:
    """Load the Advanced Guide RTA panel into ``trade`` and ``trade_covariate``.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        ``trade`` (current US$ million, aggregate manufacturing, intra-national flows kept) and
        ``trade_covariate`` (distance in km, 0/1 gravity and RTA dummies, ``pair_id``).
    """
    path = require_file(Path(data_dir), FILE)
    raw = read_rda_checked(path, "agtpa_applications").reset_index(drop=True)
    check_columns(raw, ["exporter", "importer", "year", "trade", *COVARIATES], path,
                  fix="use agtpa_applications.rda as published")
    year = to_numeric_checked(raw, "year", path, row_offset=1, allow_na=False)
    check_integer(year, path, "year", row_offset=1)
    value = to_numeric_checked(raw, "trade", path, row_offset=1, allow_na=False)
    resolve = _resolver()
    trade = trade_frame(
        resolve_column(raw["exporter"].astype(str).str.strip(), resolve, path, "exporter"),
        resolve_column(raw["importer"].astype(str).str.strip(), resolve, path, "importer"),
        year, value, unit=UNIT, source=SOURCE)
    check_non_negative(trade, "value", path, row_offset=1)
    check_unique(trade, TABLES["trade"].key, path, row_offset=1)
    sha = sha256_file(path)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha, len(trade), {})

    cov = covariate_frame(trade, {
        c: to_numeric_checked(raw, c, path, row_offset=1, allow_na=False,
                              non_negative=c == "dist").to_numpy()
        for c in COVARIATES}, SOURCE)
    cov_prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha, len(cov), {})
    return [SourceTable("trade", trade, prov), SourceTable("trade_covariate", cov, cov_prov)]
