"""Records derived from the loaders / store: BLAs with mapped provisions, trade agreements."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from labourlink.governance.derive import bla_flags, bla_records, provision_map, trade_records
from labourlink.governance.registry import validate_records
from labourlink.governance.schema import PROVISIONS


def test_provision_map_is_documented() -> None:
    m = provision_map()
    assert set(m["flag"]) <= set(PROVISIONS)
    assert m["cw_variable"].is_unique
    from labourlink.sources.chilton_woda import PROVISION_COLUMNS

    assert set(m["cw_variable"]) <= set(PROVISION_COLUMNS)
    assert (m["cw_label"].str.len() > 0).all()


def test_bla_flags_rule() -> None:
    prov = pd.DataFrame({
        "agreement_id": ["1", "1", "1", "2", "2", "3"],
        "provision": ["quota", "perm_resid", "wage_prot", "quota", "wage_prot", "quota"],
        "value": [0.0, 1.0, 0.0, 0.0, float("nan"), float("nan")],
    })
    f = bla_flags(prov)
    assert f.loc["1", "labour_market_access"] is True or f.loc["1", "labour_market_access"] == True  # noqa: E712
    assert f.loc["1", "worker_protection"] == False  # noqa: E712 (all mapped variables 0)
    assert f.loc["2", "labour_market_access"] == False  # noqa: E712
    assert pd.isna(f.loc["2", "worker_protection"])  # not coded
    assert pd.isna(f.loc["3", "labour_market_access"])
    assert pd.isna(f.loc["1", "irregular_migration_cooperation"])  # no C&W variable maps to it


def test_trade_records_labpta_match() -> None:
    ta = pd.DataFrame([
        ("9", "Japan - Indonesia", "FTA", "Goods", "In Force", date(2007, 8, 20),
         date(2008, 7, 1), None, None, None, "wto_rta"),
        ("8", "Japan - Mexico", "FTA", "Goods", "In Force", date(2004, 9, 17),
         date(2005, 4, 1), None, None, None, "wto_rta"),
        ("JPN-IDN_2007", "Japan Indonesia", None, None, None, date(2007, 1, 1),
         date(2008, 1, 1), None, None, True, "labpta"),
        ("IND-NPL_2009", "India Nepal", None, None, None, date(2009, 1, 1),
         date(2009, 1, 1), None, None, True, "labpta"),
    ], columns=["agreement_id", "name", "type", "coverage", "status", "signed", "in_force",
                "in_force_services", "inactive", "labour_provisions", "source"])
    tm = pd.DataFrame([
        ("9", "JPN", date(2008, 7, 1), None, "wto_rta"), ("9", "IDN", date(2008, 7, 1), None,
                                                          "wto_rta"),
        ("8", "JPN", None, None, "wto_rta"), ("8", "MEX", None, None, "wto_rta"),
        ("JPN-IDN_2007", "JPN", None, None, "labpta"), ("JPN-IDN_2007", "IDN", None, None,
                                                        "labpta"),
        ("IND-NPL_2009", "IND", None, None, "labpta"), ("IND-NPL_2009", "NPL", None, None,
                                                        "labpta"),
    ], columns=["agreement_id", "iso3", "entry", "exit", "source"])
    recs = {r["id"]: r for r in trade_records(ta, tm, {"JPN", "IDN", "IND", "NPL"},
                                              ["rta-wto-9"])}
    assert set(recs) == {"rta-wto-9", "pta-labpta-ind-npl_2009"}  # JPN-MEX: one ESCAP party
    assert recs["rta-wto-9"]["labour_provisions"] is True  # same parties, within one year
    assert recs["rta-wto-9"]["mnp_chapter"] is True
    assert recs["pta-labpta-ind-npl_2009"]["labour_provisions"] is True
    valid, errors = validate_records(list(recs.values()))
    assert errors == [] and len(valid) == 2


def test_bla_records_from_real_loader(data_dir: Path) -> None:
    from labourlink.sources import chilton_woda

    t = chilton_woda.load(data_dir)[0]
    prov = chilton_woda.load_provisions(data_dir)
    raw = bla_records(t.frame, prov)
    valid, errors = validate_records(raw)
    assert errors == [], errors[:5]
    assert len(valid) == 1222
    coded = [r for r in valid if "provisions" not in r.uncertain]
    assert len(coded) == 570
    # counts of coded agreements with each flag (from the coding file through the mapping)
    n = {p: sum(getattr(r.provisions, p) is True for r in coded) for p in PROVISIONS}
    assert n["remittance_facilitation"] == 110  # C&W 'remittances' = 1 in 110 agreements
    assert n["return_readmission"] == 41       # 'reintegration'
    assert n["social_security_portability"] == 174
    assert n["irregular_migration_cooperation"] == 0
    unknown_year = [r for r in valid if r.signed is None]
    assert len(unknown_year) == 1 and set(unknown_year[0].parties) == {"NZL", "IRL"}


@pytest.mark.slow
def test_registry_on_real_store(real_store: Path) -> None:
    from labourlink.governance.coverage import coverage
    from labourlink.governance.registry import load_registry

    con = duckdb.connect(str(real_store), read_only=True)
    reg = load_registry(con)
    origins = {r.origin for r in reg}
    assert {"curated", "chilton_woda_2022", "wto_rta"} <= origins
    assert sum(r.origin == "chilton_woda_2022" for r in reg) == 1222
    assert reg.get("rta-wto-622").mnp_chapter is True  # JPEPA, named by the curated chapter
    res = coverage(con, reg, 2020)
    assert 0.0 < res.share_covered < 1.0
    c = res.to_frame().set_index(["origin", "destination"])
    assert c.loc[("PHL", "JPN"), "covered"]
    assert "jpepa-mnp" in c.loc[("PHL", "JPN"), "instruments"]
    con.close()
