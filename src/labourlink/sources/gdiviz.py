"""Country-year indicators packaged by the IOM GMDAC R package ``gdiviz`` (WDI download 2024-03-28).

Files (byte copies of ``ksreyes/gdiviz`` at ``a3cbe1c``, read as published):

- ``indicators.rda`` (object ``indicators``: ``iso``, ``var``, ``t``, ``v``): mostly World Bank
  WDI series. Each ``var`` is mapped to the publisher's series code that ``gdidata.rda`` (the
  package's variable documentation, also read and checked here) links to; e.g. ``income`` ->
  ``NY.GDP.PCAP.PP.KD`` (GDP per capita, PPP, constant 2017 international $), ``unem`` ->
  ``SL.UEM.TOTL.ZS`` (%, ILO modelled estimate), ``pop`` -> ``SP.POP.TOTL``. Two variables are not
  WDI series: ``polstb`` is the Worldwide Governance Indicators estimate of political stability
  and absence of violence (WGI code ``PV.EST``, standard normal units) and ``grieve`` the Fragile
  States Index group grievance indicator (``FSI.C3``, 0-10; the Fund for Peace restricts
  commercial use). A ``var`` not in :data:`VARIABLES` fails the load.
- ``wpp.rda`` (object ``wpp``: ``iso``, ``t``, ``sex``, ``age`` 0-99, ``v`` in **thousands**): UN
  World Population Prospects 2022 estimates, 1950-2021. Only ``sex == 'Total'`` (the file also
  holds ``Male`` and ``Female``: summing all three would double count) and ages 15-64 are used:
  the working-age population, code ``WPP2022.POP.1564``, in persons (thousands x 1000, rounded to
  whole persons). Every country-year must have all 50 single ages 15-64, else the load fails.

Country codes are ISO3 (countries only); they are checked with ``resolver('iso3')``. The
indicators hold 10 rows for ``ANT`` (Netherlands Antilles, dissolved 2010; ``polstb`` 2004-2013),
which has no row in the country table: they are dropped and counted. ``wpp`` covers the years
1950, 1960, ..., 2020 and 2021 only. Values that
can be negative by definition (net migration, inflation, FDI, WGI) are not checked for sign; the
others are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_non_negative,
    check_unique,
    github_raw,
    indicator_frame,
    read_rda_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.sources.undesa_ims2020 import iso3_resolver

SOURCE = "gdiviz_wdi_2024"
EDITION = "gdiviz indicators (WDI download 2024-03-28)"
WPP_EDITION = "World Population Prospects 2022 (via gdiviz)"
PUBLISHER = "World Bank, ILO, UN DESA, IMF, Fund for Peace (packaged by IOM GMDAC gdiviz)"
WPP_PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
TABLE = "indicator"
WPP_CODE = "WPP2022.POP.1564"
WORKING_AGES = (15, 64)  # inclusive

_GDIVIZ = ("ksreyes/gdiviz", "a3cbe1c0293c5c385d94cfaf4ad85e91b1cc8013")


def _remote(name: str, sha: str) -> RemoteFile:
    return RemoteFile(f"gdiviz_indicators/{name}", github_raw(*_GDIVIZ, f"data/{name}"), sha)


INDICATORS_FILE = _remote("indicators.rda",
                          "ce1e6c6386a3bc8393dcec2f0f3e8fc72296528f52763755210bc6d6ebf53371")
GDIDATA_FILE = _remote("gdidata.rda",
                       "df1da9cda7e6d0f4017296bb31fd9b8745a1bbd9c93c8dfc9f7f33ea2b235818")
WPP_FILE = _remote("wpp.rda", "bff109fa434e8bf8aa43bae7bd5c3d523902335c3c0a246cd77ac7eedb7cf6d7")
FILES: tuple[RemoteFile, ...] = (INDICATORS_FILE, GDIDATA_FILE, WPP_FILE)


@dataclass(frozen=True, slots=True)
class Variable:
    """A gdiviz variable: the publisher's code, a readable unit, whether it is a WDI series."""

    code: str
    unit: str
    wdi: bool = True
    non_negative: bool = True


#: gdiviz ``var`` -> series. WDI codes are checked against the links in ``gdidata``.
VARIABLES: dict[str, Variable] = {
    "birth": Variable("SP.DYN.CBRT.IN", "births per 1,000 people"),
    "depend": Variable("SP.POP.DPND", "% of working-age population"),
    "fdiin": Variable("BX.KLT.DINV.CD.WD", "current US$", non_negative=False),
    "fdiout": Variable("BM.KLT.DINV.CD.WD", "current US$", non_negative=False),
    "grieve": Variable("FSI.C3", "index (0-10)", wdi=False),
    "income": Variable("NY.GDP.PCAP.PP.KD", "constant 2017 international $"),
    "inf": Variable("FP.CPI.TOTL.ZG", "%", non_negative=False),
    "nmig": Variable("SM.POP.NETM", "persons", non_negative=False),
    "polstb": Variable("PV.EST", "standard normal units", wdi=False, non_negative=False),
    "pop": Variable("SP.POP.TOTL", "persons"),
    "remin": Variable("BX.TRF.PWKR.CD.DT", "current US$"),
    "remout": Variable("BM.TRF.PWKR.CD.DT", "current US$"),
    "unem": Variable("SL.UEM.TOTL.ZS", "%"),
}

#: Codes of former countries that have no row in the country table (dropped, counted):
#: ``ANT`` has 10 rows (``polstb``, 2004-2013).
FORMER_COUNTRY_CODES: dict[str, str] = {"ANT": "Netherlands Antilles (dissolved 2010)"}

_LINK_CODE = re.compile(r"/indicator/([A-Za-z0-9._]+)")


def check_documentation(data_dir: Path) -> None:
    """Check that ``gdidata`` links each WDI variable to the code in :data:`VARIABLES`.

    Raises
    ------
    SourceError
        If a variable is undocumented or linked to another series (a different package file).
    """
    path = require_file(data_dir, GDIDATA_FILE.path)
    doc = read_rda_checked(path, "gdidata")
    doc = doc[doc["table"].astype(str) == "indicators"]
    links = dict(zip(doc["var"].astype(str), doc["link"].astype(str), strict=True))
    for var, spec in VARIABLES.items():
        if not spec.wdi:
            continue
        m = _LINK_CODE.search(links.get(var, ""))
        if m is None or m.group(1) != spec.code:
            raise SourceError(path, f"variable {var!r} documented with link "
                              f"{links.get(var)!r}, expected the WDI series {spec.code}",
                              field="link", fix="use gdidata.rda as published with gdiviz a3cbe1c")


def load_indicators(data_dir: Path) -> SourceTable:
    """Read ``indicators.rda`` into an ``indicator`` table (codes and units in :data:`VARIABLES`).

    Errors name the 1-based data row of object ``indicators`` and the field.
    """
    check_documentation(data_dir)
    path = require_file(data_dir, INDICATORS_FILE.path)
    raw = read_rda_checked(path, "indicators").reset_index(drop=True)
    for col in ("iso", "var", "t", "v"):
        if col not in raw.columns:
            raise SourceError(path, f"column {col!r} missing; columns present: "
                              f"{list(raw.columns)}", field=col)
    var = raw["var"].astype(str).str.strip()
    unknown = sorted(set(var) - set(VARIABLES))
    if unknown:
        raise SourceError(path, f"variables {unknown} have no mapping; known: {sorted(VARIABLES)}",
                          field="var", fix="add them to labourlink.sources.gdiviz.VARIABLES")
    value = to_numeric_checked(raw, "v", path, row_offset=1)
    year = to_numeric_checked(raw, "t", path, row_offset=1, allow_na=False)
    tidy = pd.DataFrame({"iso": raw["iso"].astype(str).str.strip(), "var": var,
                         "year": year.astype("int64"), "value": value})
    signed = {k for k, v in VARIABLES.items() if not v.non_negative}
    check_non_negative(tidy.assign(value=tidy["value"].where(~tidy["var"].isin(signed))),
                       "value", path, row_offset=1)
    empty = tidy["value"].isna().to_numpy()
    former = tidy["iso"].isin(FORMER_COUNTRY_CODES).to_numpy()
    dropped = {"empty value": int(empty.sum()),
               "former country (ANT Netherlands Antilles)": int((former & ~empty).sum())}
    tidy = tidy[~empty & ~former]
    frame = indicator_frame(
        resolve_column(tidy["iso"], iso3_resolver(), path, "iso"), tidy["year"], tidy["value"],
        code=tidy["var"].map({k: v.code for k, v in VARIABLES.items()}),
        unit=tidy["var"].map({k: v.unit for k, v in VARIABLES.items()}), source=SOURCE)
    check_unique(frame, ["code", "iso3", "year"], path, row_offset=0)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, INDICATORS_FILE.path, sha256_file(path),
                      len(frame), dropped)
    return SourceTable(TABLE, frame, prov)


def working_age_population(wpp: pd.DataFrame, ages: tuple[int, int] = WORKING_AGES) -> pd.DataFrame:
    """Population aged ``ages[0]``-``ages[1]`` (inclusive), both sexes, by country and year.

    Parameters
    ----------
    wpp
        Columns ``iso``, ``t`` (year), ``sex`` (``Total``/``Male``/``Female``), ``age`` (single
        years) and ``v`` (thousands of persons).
    ages
        First and last age included.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso``, ``year``, ``persons`` (persons, rounded to whole persons) and
        ``n_ages`` (number of single ages summed).
    """
    sel = wpp[(wpp["sex"] == "Total") & wpp["age"].between(ages[0], ages[1])]
    out = (sel.groupby(["iso", "t"], as_index=False, sort=True)
           .agg(thousands=("v", "sum"), n_ages=("age", "nunique")))
    out["persons"] = np.round(out["thousands"].to_numpy() * 1000.0)
    return out.rename(columns={"t": "year"})[["iso", "year", "persons", "n_ages"]]


def load_wpp(data_dir: Path) -> SourceTable:
    """Working-age population 15-64 (persons) from ``wpp.rda``, code ``WPP2022.POP.1564``."""
    path = require_file(data_dir, WPP_FILE.path)
    raw = read_rda_checked(path, "wpp").reset_index(drop=True)
    for col in ("iso", "t", "sex", "age", "v"):
        if col not in raw.columns:
            raise SourceError(path, f"column {col!r} missing; columns present: "
                              f"{list(raw.columns)}", field=col)
    v = to_numeric_checked(raw, "v", path, row_offset=1, allow_na=False)
    age = to_numeric_checked(raw, "age", path, row_offset=1, allow_na=False)
    t = to_numeric_checked(raw, "t", path, row_offset=1, allow_na=False)
    sexes = set(raw["sex"].astype(str).unique())
    if not sexes <= {"Total", "Male", "Female"} or "Total" not in sexes:
        raise SourceError(path, f"sex labels {sorted(sexes)}; expected Total, Male, Female",
                          field="sex")
    tidy = pd.DataFrame({"iso": raw["iso"].astype(str).str.strip(), "t": t.astype("int64"),
                         "sex": raw["sex"].astype(str), "age": age.astype("int64"), "v": v})
    check_non_negative(tidy, "v", path, row_offset=1)
    check_unique(tidy, ["iso", "t", "sex", "age"], path, row_offset=1)
    wap = working_age_population(tidy)
    n_ages = WORKING_AGES[1] - WORKING_AGES[0] + 1
    short = wap["n_ages"] != n_ages
    if short.any():
        r = wap[short].iloc[0]
        raise SourceError(path, f"{r['iso']} {int(r['year'])}: {int(r['n_ages'])} of the {n_ages} "
                          f"single ages {WORKING_AGES[0]}-{WORKING_AGES[1]} present (sex Total)",
                          field="age", fix="restore the file as published")
    not_used = int((tidy["sex"] != "Total").sum()
                   + ((tidy["sex"] == "Total") & ~tidy["age"].between(*WORKING_AGES)).sum())
    frame = indicator_frame(resolve_column(wap["iso"], iso3_resolver(), path, "iso"),
                            wap["year"], wap["persons"], code=WPP_CODE, unit="persons",
                            source=SOURCE)
    check_unique(frame, ["code", "iso3", "year"], path, row_offset=0)
    prov = Provenance(SOURCE, WPP_EDITION, WPP_PUBLISHER, WPP_FILE.path, sha256_file(path),
                      len(frame),
                      {"row not used (sex Male/Female, or age outside 15-64)": not_used})
    return SourceTable(TABLE, frame, prov)


def load(data_dir: Path) -> list[SourceTable]:
    """Load the gdiviz indicators and the WPP 2022 working-age population.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        Two ``indicator`` tables, source ``gdiviz_wdi_2024``: the indicators (units per
        :data:`VARIABLES`) and ``WPP2022.POP.1564`` (persons).
    """
    return [load_indicators(data_dir), load_wpp(data_dir)]
