"""Bilateral labour agreements, Chilton & Woda (2022), as redistributed by Adhikari et al.

Reads the Stata files *as published* (``BLAs_Formation_Data.dta``: 1,222 agreements 1927-2020;
``BLAs_Coding_Data.dta``: 570 agreements with text, about 40 coded provisions). The CSV copies
beside them are conversions made here and are not read. ``countries_match.xlsx`` is not used: it
holds invalid ISO3 codes (MANIFEST.md section 11); the Correlates of War codes ``codeA``/``codeB``
are mapped with ``labourlink.countries.resolver('cow')`` instead.

Store table ``labour_agreement``: ``agreement_id`` is the dataset's ``treatyID`` (as text),
``party_a``/``party_b`` ISO3 of ``countryA``/``countryB`` (the dataset does not say which party
sends and which receives), ``year`` the signature year (the one ``9999`` = unknown, New
Zealand-Ireland, becomes null), ``signed`` the signature date when ``datesigned`` gives one (an
exchange of notes listing two dates gets the later, when the agreement was concluded; one
typo, treatyID 659 ``5/2/2997`` with ``year`` 2007, is stored as an unknown date, not guessed),
``title`` the ``agreement_title`` of the coding file (570 agreements; null otherwise).

:func:`load_provisions` returns the coded provisions in long form (``agreement_id``,
``provision``, ``label``, ``value``) for the governance registry; the store schema has no table
for them yet; once :data:`labourlink.store.schema.TABLES` defines ``labour_agreement_provision``
(``agreement_id``, ``provision``, ``label``, ``value``, ``source``; key ``source``,
``agreement_id``, ``provision``), :func:`load` also returns that table.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_unique,
    github_raw,
    require_file,
    resolve_column,
    sha256_file,
)
from labourlink.store.schema import TABLES

SOURCE = "chilton_woda_2022"
EDITION = "Chilton & Woda (2022) BLA dataset, via Adhikari et al. replication package (2024-12-05)"
PUBLISHER = "Chilton & Woda (Harvard Dataverse 'BLA'); redistributed by NarcisseChangom/BLAs-Migration-repo"

_REPO = "NarcisseChangom/BLAs-Migration-repo"
FORMATION = "bilateral_labor_agreements_chilton_woda/BLAs_Formation_Data.dta"
CODING = "bilateral_labor_agreements_chilton_woda/BLAs_Coding_Data.dta"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(FORMATION,
               github_raw(_REPO, "1a5cc0b291090d56cee86dacb7d81e7985071a18",
                          "DATA/BLAs_Formation_Data.dta"),
               "c4100752978e4ea627748f7421ec2e784170d8652d00c7615af9c2405e176da8"),
    RemoteFile(CODING,
               github_raw(_REPO, "322a14a48a0c0b2681594737a862aabc756d46e0",
                          "DATA/BLAs_Coding_Data.dta"),
               "d16cda70a9b8c716df742b4946fa0bd1ab20c2e6098fce7de775b206713d7d16"),
)

UNKNOWN_YEAR = 9999
"""Code the dataset uses for an unknown signature year (stored as null)."""
MIN_YEAR, MAX_YEAR = 1900, 2030
"""Plausible signature years; a ``datesigned`` outside them is a typo and stored as null."""

#: Coded provisions of the coding file (0/1): the variable names of ``BLAs_Coding_Data.dta``.
PROVISION_COLUMNS: tuple[str, ...] = (
    "quota", "intl_instr", "info_exch", "info_dissem", "govt_agencies", "joint_commit",
    "recruit_cost_mig", "recruit_auth", "labor_union_orig", "labor_union_dest", "labor_union_join",
    "emp_orgs", "ngos", "migrant_info", "prot_equal", "prot_women", "prot_women_det", "prot_other",
    "contract_req", "contract_standard", "contract_terms", "wage_prot", "housing_req",
    "housing_cond", "housing_monitor", "work_monitor", "passport", "social_security",
    "disputes_emp_mig", "mig_human_cap", "credentials", "remittances", "reintegration",
    "contract_renewal", "perm_resid", "autorenew", "past_bla_amend", "past_bla_replace",
)

PROVISION_TABLE = "labour_agreement_provision"
"""Store table for :func:`load_provisions` (emitted by :func:`load` once the schema defines it)."""

_DATE_RE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


def _read_dta(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """A Stata file and its variable labels; errors name the file."""
    try:
        with pd.io.stata.StataReader(path) as reader:
            df = reader.read(convert_categoricals=False)
            labels = reader.variable_labels()
    except Exception as exc:  # pandas raises ValueError/struct.error/EOFError on bad bytes
        raise SourceError(path, f"cannot be read as a Stata file ({type(exc).__name__}: {exc})",
                          fix="the file may be truncated or corrupt; download it again") from exc
    return df, labels


def _require_columns(df: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SourceError(path, f"column(s) {missing} missing; columns present: {list(df.columns)}",
                          field=missing[0], fix="use the file as published")


def _int_column(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """Integer codes; a missing or non-integer value raises naming the observation."""
    s = pd.to_numeric(df[column], errors="coerce")
    bad = s.isna() | (s != np.floor(s))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(path, f"expected an integer code, found {df[column].iloc[pos]!r}",
                          row=pos + 1, field=column,
                          fix="correct the value or restore the file as published")
    return s.astype("int64")


def _parse_signed(values: pd.Series, path: Path) -> pd.Series:
    """``m/d/yyyy`` text (blank = unknown; 'a, b' = exchange of notes -> the later date)."""
    out: list[pd.Timestamp | None] = []
    for pos, raw in enumerate(values.fillna("").astype(str)):
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not parts:
            out.append(None)
            continue
        dates = []
        for p in parts:
            if not _DATE_RE.match(p):
                raise SourceError(path, f"expected a date m/d/yyyy, found {raw!r}", row=pos + 1,
                                  field="datesigned", fix="restore the file as published")
            month, day, yr = (int(x) for x in p.split("/"))
            if not MIN_YEAR <= yr <= MAX_YEAR:
                continue  # typo in the source (treatyID 659: '5/2/2997'): date unknown
            try:
                dates.append(pd.Timestamp(year=yr, month=month, day=day))
            except ValueError as exc:
                raise SourceError(path, f"invalid date {raw!r} ({exc})", row=pos + 1,
                                  field="datesigned") from exc
        out.append(max(dates) if dates else None)
    return pd.Series(pd.to_datetime(pd.Series(out, dtype="object")), index=values.index)


def _repair_text(s: object) -> object:
    """Undo UTF-8 read as Latin-1 ('MÃ©xico' -> 'México') where that round-trips cleanly."""
    if not isinstance(s, str):
        return s
    t = s.strip().strip('"').strip()
    if "Ã" in t or "Â" in t:
        try:
            t = t.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return t or None


def load(data_dir: Path) -> list[SourceTable]:
    """Bilateral labour agreements (store table ``labour_agreement``).

    Parameters
    ----------
    data_dir
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        One table, ``labour_agreement``: 1,222 agreements, parties as ISO3, signature year
        (integer; null when unknown) and date.
    """
    from labourlink.countries import resolver

    fpath = require_file(data_dir, FORMATION)
    cpath = require_file(data_dir, CODING)
    form, _ = _read_dta(fpath)
    _require_columns(form, ["treatyID", "codeA", "codeB", "countryA", "countryB", "year",
                            "datesigned"], fpath)
    coding, _ = _read_dta(cpath)
    _require_columns(coding, ["treatyID", "agreement_title"], cpath)

    tid = _int_column(form, "treatyID", fpath)
    year = _int_column(form, "year", fpath)
    bad_year = (year != UNKNOWN_YEAR) & ((year < MIN_YEAR) | (year > MAX_YEAR))
    if bad_year.any():
        pos = int(np.flatnonzero(bad_year.to_numpy())[0])
        raise SourceError(fpath, f"signature year {int(year.iloc[pos])} outside "
                          f"{MIN_YEAR}-{MAX_YEAR} (and not the unknown code {UNKNOWN_YEAR})",
                          row=pos + 1, field="year")
    cow = resolver("cow")
    codes_a = _int_column(form, "codeA", fpath).astype(str)
    codes_b = _int_column(form, "codeB", fpath).astype(str)
    party_a = resolve_column(codes_a, cow, fpath, "codeA")
    party_b = resolve_column(codes_b, cow, fpath, "codeB")

    titles = coding.assign(treatyID=_int_column(coding, "treatyID", cpath)).set_index("treatyID")
    titles = titles["agreement_title"].map(_repair_text)

    out = pd.DataFrame({
        "agreement_id": tid.astype(str),
        "party_a": party_a.astype(str),
        "party_b": party_b.astype(str),
        "year": year.where(year != UNKNOWN_YEAR).astype("Int64"),
        "signed": _parse_signed(form["datesigned"], fpath).dt.date,
        "title": tid.map(titles).astype("object").where(lambda s: s.notna(), None),
        "source": SOURCE,
    })
    check_unique(out, ["agreement_id"], fpath, row_offset=1)
    unknown_ids = set(titles.index) - set(tid)
    if unknown_ids:
        raise SourceError(cpath, f"treatyID(s) {sorted(unknown_ids)[:10]} not in {FORMATION}",
                          field="treatyID", fix="use the two files of the same release")
    out = out[TABLES["labour_agreement"].column_names].reset_index(drop=True)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, FORMATION, sha256_file(fpath), len(out),
                      dropped={})
    tables = [SourceTable("labour_agreement", out, prov)]
    if PROVISION_TABLE in TABLES:  # proposed table (agreement_id, provision, label, value, source)
        p = load_provisions(data_dir).assign(source=SOURCE)
        p = p[TABLES[PROVISION_TABLE].column_names]
        tables.append(SourceTable(PROVISION_TABLE, p, Provenance(
            SOURCE, EDITION, PUBLISHER, CODING, sha256_file(cpath), len(p), dropped={})))
    return tables


def load_provisions(data_dir: Path) -> pd.DataFrame:
    """Coded provisions of the 570 agreements with text, long form.

    Parameters
    ----------
    data_dir
        Folder with the raw files.

    Returns
    -------
    pandas.DataFrame
        Columns ``agreement_id`` (str, the ``treatyID``), ``provision`` (variable name, see
        :data:`PROVISION_COLUMNS`, plus ``quota_num``), ``label`` (Stata variable label, e.g.
        "(12) Wage Protection"), ``value`` (float: 1.0 present, 0.0 absent, NaN not coded;
        for ``quota_num`` the quota size in workers where stated as a number).
    """
    cpath = require_file(data_dir, CODING)
    coding, labels = _read_dta(cpath)
    _require_columns(coding, ["treatyID", *PROVISION_COLUMNS, "quota_num"], cpath)
    tid = _int_column(coding, "treatyID", cpath).astype(str)
    frames = []
    for col in PROVISION_COLUMNS:
        v = pd.to_numeric(coding[col], errors="coerce")
        bad = v.notna() & ~v.isin([0, 1])
        text = coding[col].notna() & v.isna() & (coding[col].astype(str).str.strip() != "")
        if bad.any() or text.any():
            pos = int(np.flatnonzero((bad | text).to_numpy())[0])
            raise SourceError(cpath, f"expected 0 or 1, found {coding[col].iloc[pos]!r}",
                              row=pos + 1, field=col, fix="restore the file as published")
        frames.append(pd.DataFrame({"agreement_id": tid, "provision": col,
                                    "label": labels.get(col, col), "value": v.astype(float)}))
    qn = coding["quota_num"].astype(str).str.strip().str.replace(",", "", regex=False)
    qv = pd.to_numeric(qn.where(qn.str.fullmatch(r"\d+(\.\d+)?")), errors="coerce")
    frames.append(pd.DataFrame({"agreement_id": tid, "provision": "quota_num",
                                "label": labels.get("quota_num", "Quota size"),
                                "value": qv.astype(float)}))
    out = pd.concat(frames, ignore_index=True)
    check_unique(out, ["agreement_id", "provision"], cpath, row_offset=1)
    return out
