"""Registry records derived from the store (data flow: sources -> store -> registry).

Choice (documented in ``governance/data/README.md``): derived records are not written to files;
they are rebuilt from the store tables whenever the registry is loaded with a store connection,
so they always match the store's sources and nothing from ``shared/`` is copied into the package.

* Bilateral labour agreements: store table ``labour_agreement`` (source ``chilton_woda_2022``).
  Their provision flags come from the coded provisions (``chilton_woda.load_provisions``) mapped
  with ``data/bla_provision_map.csv`` (a flag is True if any mapped variable is 1, False if all
  are 0, None for agreements without coded text). The store has no provisions table yet; when a
  table ``labour_agreement_provision`` (``agreement_id``, ``provision``, ``value``, ``source``)
  exists it is used, otherwise the flags are None. :func:`bla_records` also accepts the
  provisions frame directly.
* Trade agreements with at least two ESCAP parties: ``trade_agreement`` /
  ``trade_agreement_member`` from ``wto_rta``; ``labour_provisions`` is True when LABPTA lists
  the same agreement (same set of parties, entry into force within one year), None otherwise
  (LABPTA lists only agreements with labour provisions, so absence is not evidence of none).
  LABPTA agreements among ESCAP economies that match no WTO record are added on their own.
  ``mnp_chapter`` is True for agreements a curated chapter record names in ``related``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

import pandas as pd

from labourlink.governance.schema import PROVISIONS

BLA_SOURCE = {
    "title": "Bilateral Labor Agreements dataset (Chilton & Woda 2022), BLAs_Formation_Data.dta "
             "and BLAs_Coding_Data.dta",
    "publisher": "Chilton & Woda (Harvard Dataverse 'BLA'), via the replication package of "
                 "Adhikari, Cha'ngom, Kaila & Shrestha (World Bank)",
    "year": 2022,
    "address": "https://github.com/NarcisseChangom/BLAs-Migration-repo/tree/"
               "bf23333924c0c96191b8843a1891129cc99123c4/DATA",
}
WTO_SOURCE = {
    "title": "Regional Trade Agreements Information System, All RTAs export",
    "publisher": "World Trade Organization",
    "year": 2025,
    "address": "http://rtais.wto.org (export AllRTAs.xlsx, via mindstxrm/Geopolitiko @ 15b11c1)",
}
LABPTA_SOURCE = {
    "title": "LABPTA: Labour Provisions in Preferential Trade Agreements (Raess & Sari 2018), "
             "list as distributed in manytrade 0.4.0",
    "publisher": "globalgov/manytrade",
    "year": 2018,
    "address": "https://github.com/globalgov/manytrade (data/agreements.rda, element LABPTA)",
}


@cache
def provision_map() -> pd.DataFrame:
    """The documented mapping of Chilton & Woda variables onto registry flags."""
    from labourlink.governance.registry import data_path

    m = pd.read_csv(data_path("bla_provision_map.csv"), dtype=str, keep_default_na=False)
    unknown = set(m["flag"]) - set(PROVISIONS)
    if unknown:
        raise ValueError(f"bla_provision_map.csv: unknown flags {sorted(unknown)}")
    return m


def bla_flags(provisions: pd.DataFrame) -> pd.DataFrame:
    """Registry provision flags per agreement from Chilton & Woda coded provisions.

    Parameters
    ----------
    provisions
        Long frame ``agreement_id``, ``provision``, ``value`` (1.0/0.0/NaN), as returned by
        :func:`labourlink.sources.chilton_woda.load_provisions`.

    Returns
    -------
    pandas.DataFrame
        Index ``agreement_id``; one nullable-boolean column per flag in :data:`PROVISIONS`
        (True: any mapped variable is 1; False: all mapped variables 0; <NA>: none coded).
    """
    m = provision_map()
    p = provisions.merge(m[["flag", "cw_variable"]], left_on="provision", right_on="cw_variable")
    g = p.groupby(["agreement_id", "flag"])["value"]
    flag = g.max().where(g.count() > 0)  # max over mapped variables; NaN when none coded
    wide = flag.unstack("flag")
    out = pd.DataFrame(index=pd.Index(sorted(provisions["agreement_id"].unique()),
                                      name="agreement_id"))
    for f in PROVISIONS:
        col = wide[f] if f in wide.columns else pd.Series(dtype=float)
        out[f] = col.reindex(out.index).map({1.0: True, 0.0: False}).astype("boolean")
    return out


def _pdate(d: Any, precision: str = "day") -> dict[str, Any] | None:
    if d is None or (not isinstance(d, date) and pd.isna(d)):
        return None
    return {"value": pd.Timestamp(d).date(), "precision": precision}


def bla_records(agreements: pd.DataFrame, provisions: pd.DataFrame | None = None,
                names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Raw registry records for bilateral labour agreements.

    Parameters
    ----------
    agreements
        Rows of store table ``labour_agreement`` (``agreement_id``, ``party_a``, ``party_b``,
        ``year``, ``signed``, ``title``, ``source``).
    provisions
        Coded provisions (long form) or None (flags unknown).
    names
        ISO3 -> country name, for readable record names.
    """
    flags = bla_flags(provisions) if provisions is not None else None
    names = names or {}
    out = []
    for r in agreements.itertuples(index=False):
        a, b = r.party_a, r.party_b
        year = None if pd.isna(r.year) else int(r.year)
        signed = _pdate(r.signed) if r.signed is not None and not pd.isna(r.signed) else (
            {"value": date(year, 1, 1), "precision": "year"} if year is not None else None)
        prov: dict[str, bool | None] = {}
        coded = flags is not None and r.agreement_id in flags.index
        if coded and flags is not None:
            row = flags.loc[r.agreement_id]
            prov = {f: (None if pd.isna(row[f]) else bool(row[f])) for f in PROVISIONS}
        uncertain = {"ended": "termination is not recorded in the dataset; the agreement is "
                              "treated as in force from signature"}
        if not coded:
            uncertain["provisions"] = "agreement text not coded in the dataset"
        if signed is None:
            uncertain["signed"] = "signature year unknown in the dataset (coded 9999)"
        title = r.title if isinstance(r.title, str) and r.title else None
        label = f"{names.get(a, a)}-{names.get(b, b)}"
        out.append({
            "id": f"bla-cw-{r.agreement_id}",
            "name": (f"{label}: {title}" if title else
                     f"{label} bilateral labour agreement ({year if year else 'year unknown'})"),
            "level": "bilateral", "kind": "bilateral_labour_agreement",
            "legal_nature": "unknown",
            "parties": [a, b] if a != b else [a],
            "signed": signed,
            "provisions": prov,
            "sources": [BLA_SOURCE],
            "confidence": "medium",
            "uncertain": uncertain,
            "notes": f"Chilton & Woda treatyID {r.agreement_id}; the dataset does not say which "
                     "party sends and which receives workers.",
            "origin": "chilton_woda_2022",
        })
    return out


def _member_sets(members: pd.DataFrame) -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in members.groupby("agreement_id")["iso3"]}


def trade_records(agreements: pd.DataFrame, members: pd.DataFrame, escap: Iterable[str],
                  mnp_related: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Raw registry records for trade agreements with at least two ESCAP parties.

    Parameters
    ----------
    agreements, members
        Rows of store tables ``trade_agreement`` and ``trade_agreement_member`` (any sources;
        ``wto_rta`` and ``labpta`` are used).
    escap
        ISO3 codes of the region (``group_members('ESCAP')``).
    mnp_related
        Record ids (``rta-wto-<id>``) that a curated movement-of-natural-persons chapter names.
    """
    region = frozenset(escap)
    related = set(mnp_related)
    wto_a = agreements[agreements["source"] == "wto_rta"]
    lab_a = agreements[agreements["source"] == "labpta"]
    wto_m = members[members["source"] == "wto_rta"]
    lab_m = members[members["source"] == "labpta"]
    wto_sets = _member_sets(wto_m)
    lab_sets = _member_sets(lab_m)
    lab_year = {r.agreement_id: (r.in_force.year if r.in_force is not None
                                 and not pd.isna(r.in_force) else None)
                for r in lab_a.itertuples(index=False)}
    lab_by_set: dict[frozenset[str], list[str]] = {}
    for k, s in lab_sets.items():
        lab_by_set.setdefault(s, []).append(k)
    matched_lab: set[str] = set()
    out: list[dict[str, Any]] = []
    for r in wto_a.itertuples(index=False):
        parties = wto_sets.get(r.agreement_id, frozenset())
        if len(parties & region) < 2:
            continue
        year = r.in_force.year if r.in_force is not None and not pd.isna(r.in_force) else None
        lab_hits = [k for k in lab_by_set.get(parties, [])
                    if year is not None and lab_year.get(k) is not None
                    and abs(lab_year[k] - year) <= 1]
        matched_lab.update(lab_hits)
        rid = f"rta-wto-{r.agreement_id}"
        since: dict[str, Any] = {}
        if r.in_force is not None and not pd.isna(r.in_force):
            mm = wto_m[wto_m["agreement_id"] == r.agreement_id]
            for m in mm.itertuples(index=False):
                if m.entry is not None and not pd.isna(m.entry) and m.entry > r.in_force:
                    since[m.iso3] = _pdate(m.entry)
        sources = [WTO_SOURCE] + ([LABPTA_SOURCE] if lab_hits else [])
        out.append({
            "id": rid, "name": r.name,
            "level": "bilateral" if len(parties) == 2 else "regional",
            "kind": "trade_agreement", "legal_nature": "binding",
            "parties": sorted(parties), "party_since": since,
            "signed": _pdate(r.signed),
            "in_force": _pdate(r.in_force),
            "ended": _pdate(r.inactive),
            "mnp_chapter": True if rid in related else None,
            "labour_provisions": True if lab_hits else None,
            "sources": sources, "confidence": "high",
            "notes": (f"WTO RTA ID {r.agreement_id}; type {r.type}, coverage {r.coverage}, "
                      f"status {r.status}."
                      + (f" Listed in LABPTA as {', '.join(lab_hits)}." if lab_hits else "")),
            "origin": "wto_rta",
        })
    for r in lab_a.itertuples(index=False):
        parties = lab_sets.get(r.agreement_id, frozenset())
        if r.agreement_id in matched_lab or len(parties & region) < 2:
            continue
        out.append({
            "id": "pta-labpta-" + "".join(c if c.isalnum() or c in "_.-" else "-"
                                          for c in r.agreement_id.lower()),
            "name": r.name, "level": "bilateral" if len(parties) == 2 else "regional",
            "kind": "trade_agreement", "legal_nature": "binding",
            "parties": sorted(parties),
            "signed": _pdate(r.signed, "year") if r.signed is not None else None,
            "in_force": _pdate(r.in_force, "year") if r.in_force is not None else None,
            "labour_provisions": True,
            "sources": [LABPTA_SOURCE], "confidence": "medium",
            "uncertain": {"in_force": "manytrade dates are often the year only"},
            "notes": f"manytrade treatyID {r.agreement_id}; no matching WTO RTA-IS record.",
            "origin": "labpta",
        })
    return out


def derived_records(con: Any) -> list[dict[str, Any]]:
    """All derived raw records from a store connection (see module docstring)."""
    from labourlink.countries import country_table, group_members
    from labourlink.governance.registry import read_curated

    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
              .fetchall()}
    names = dict(zip(country_table()["iso3"], country_table()["name"], strict=False))
    la = con.execute("SELECT * FROM labour_agreement").df()
    for col in ("signed",):
        la[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in la[col]]
    prov = None
    if "labour_agreement_provision" in tables:
        prov = con.execute("SELECT agreement_id, provision, value FROM "
                           "labour_agreement_provision").df()
    recs = bla_records(la, prov, names)
    ta = con.execute("SELECT * FROM trade_agreement").df()
    tm = con.execute("SELECT * FROM trade_agreement_member").df()
    for df, cols in ((ta, ("signed", "in_force", "in_force_services", "inactive")),
                     (tm, ("entry", "exit"))):
        for col in cols:
            df[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[col]]
    related = {x for r in read_curated() for x in (r.get("related") or [])}
    recs += trade_records(ta, tm, group_members("ESCAP"), related)
    return recs
