"""Rose (2004), "Do We Really Know That the WTO Increases Trade?", *AER* 94(1): the panel.

``rose2004_gatt_wto/ross2004.rda`` (object ``ross2004`` of the R package ``capybara``, byte copy
read with pyreadr): 234,597 pair-years, 1948-1999, 178 country codes (177 appear on each side).

Store tables:

``trade``
    ``value`` = ``ltrade``, ``unit = 'log real US$'``: Rose publishes **only the log** of real
    trade (the average of the two directions' flows, deflated by the US CPI), so the store keeps
    the log as published; there are no zero flows and values can be negative (logs of small
    flows). ``product = '_T'``. Rose's trade is **undirected** (average of bilateral flows); by
    convention ``exporter = ctry1`` and ``importer = ctry2`` (each pair appears once per year, in
    one orientation); do not read a direction into it.
``trade_covariate``
    Every row of: ``bothin``, ``onein``, ``gsp``, ``regional``, ``custrict``, ``comlang``,
    ``border``, ``comcol``, ``curcol``, ``colony``, ``comctry`` (0/1), ``landl``, ``island``
    (number of landlocked / island countries in the pair, 0-2), ``ldist`` (log distance),
    ``lrgdp``, ``lrgdppc`` (log product of real GDP / GDP per capita), ``lareap`` (log product of
    land areas), as published.

Codes are ISO3 (``resolver('iso3')``). ``YUG`` (Socialist Federal Republic of Yugoslavia,
1960-1990 here) is a former state: kept as ``YUG`` if that is one of
:data:`labourlink.countries.SPECIAL_CODES`, otherwise its 3,295 rows are dropped and counted
(it is not mapped to Serbia).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_columns,
    check_integer,
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

SOURCE = "rose2004"
FILE = "rose2004_gatt_wto/ross2004.rda"
EDITION = "Rose (2004, AER 94(1)) data, as packaged in capybara 2.0.0 (ross2004)"
PUBLISHER = "Andrew K. Rose (data packaged by pachadotdev/capybara)"
UNIT = "log real US$"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        FILE,
        github_raw("pachadotdev/capybara", "481b70abee03d3b4f6af3ec1719fb83c83c17f5b",
                   "data/ross2004.rda"),
        "96c45ccc722024d1f66b46c45857f3195b1d5099b12997856674dbd92ea1a703",
        note="Apache-2.0 package; the original data belong to A. K. Rose",
    ),
)

COVARIATES: tuple[str, ...] = ("bothin", "onein", "gsp", "ldist", "lrgdp", "lrgdppc", "regional",
                               "custrict", "comlang", "border", "landl", "island", "lareap",
                               "comcol", "curcol", "colony", "comctry")

#: Former states in the file: publisher code -> store code (kept only if a special code).
FORMER_STATES: dict[str, str] = {"YUG": "YUG"}


def _codes(values: pd.Series, path: Path, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Store codes (object array, None where dropped) and a boolean 'former state dropped' mask."""
    from labourlink.countries import SPECIAL_CODES, resolver

    s = values.astype(str).str.strip() if not isinstance(values.dtype, pd.CategoricalDtype) \
        else values.cat.rename_categories([str(c).strip() for c in values.cat.categories])
    former = s.isin(list(FORMER_STATES)).to_numpy()
    plain = s[~former]
    mapped = np.empty(len(s), dtype=object)
    mapped[~former] = resolve_column(plain.astype(object), resolver("iso3"), path, field).to_numpy()
    kept_former = {k: v for k, v in FORMER_STATES.items() if v in SPECIAL_CODES}
    if former.any():
        mapped[former] = s[former].astype(object).map(kept_former).to_numpy()
    drop = former & pd.isna(mapped)
    return mapped, drop


def load(data_dir: Path) -> list[SourceTable]:
    """Load Rose (2004) into ``trade`` (log real US$) and ``trade_covariate``.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        ``trade`` (``value`` = log real trade, undirected; exporter = ctry1, importer = ctry2 by
        convention) and ``trade_covariate`` (17 published covariates, logs and dummies).
    """
    path = require_file(Path(data_dir), FILE)
    raw = read_rda_checked(path, "ross2004").reset_index(drop=True)
    check_columns(raw, ["ctry1", "ctry2", "year", "ltrade", *COVARIATES], path,
                  fix="use ross2004.rda as published")
    year = to_numeric_checked(raw, "year", path, row_offset=1, allow_na=False)
    check_integer(year, path, "year", row_offset=1)
    value = to_numeric_checked(raw, "ltrade", path, row_offset=1, allow_na=False)
    c1, drop1 = _codes(raw["ctry1"], path, "ctry1")
    c2, drop2 = _codes(raw["ctry2"], path, "ctry2")
    keep = ~(drop1 | drop2)
    dropped = {"former_state_without_special_code (YUG)": int((~keep).sum())} if (~keep).any() \
        else {}

    trade = trade_frame(c1[keep], c2[keep], year[keep], value[keep], unit=UNIT, source=SOURCE)
    check_unique(trade, TABLES["trade"].key, path, row_offset=1)
    first = trade["exporter"] <= trade["importer"]
    pairs = pd.DataFrame({"a": trade["exporter"].where(first, trade["importer"]),
                          "b": trade["importer"].where(first, trade["exporter"]),
                          "year": trade["year"]})
    check_unique(pairs, ["a", "b", "year"], path, row_offset=1)  # undirected: one row per pair
    sha = sha256_file(path)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha, len(trade), dropped)

    cov = covariate_frame(trade, {
        c: to_numeric_checked(raw, c, path, row_offset=1, allow_na=False).to_numpy()[keep]
        for c in COVARIATES}, SOURCE)
    cov_prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha, len(cov), dropped)
    return [SourceTable("trade", trade, prov), SourceTable("trade_covariate", cov, cov_prov)]
