"""WTO Regional Trade Agreements Information System (RTA-IS), "All RTAs" export.

Reads ``wto_rta_database/AllRTAs.xlsx`` (sheet ``AllRTAs``, 655 agreements) as published; the
CSV copies beside it are conversions made here and are not read.

Store tables:

``trade_agreement``
    One row per agreement: ``agreement_id`` is the WTO ``RTA ID`` (as text); ``type``,
    ``coverage`` and ``status`` as published; ``signed`` the earlier of the goods and services
    signature dates; ``in_force`` the earlier of the goods and services entry-into-force dates
    (the agreement is in force from then), ``in_force_services`` the services date;
    ``inactive`` the ``Inactive Date``; ``labour_provisions`` null (RTA-IS does not code them:
    see :mod:`labourlink.sources.labpta`).
``trade_agreement_member``
    One row per (agreement, party). Parties are the union of ``Current signatories`` and
    ``Original signatories`` (WTO names separated by ``"; "``, mapped with
    ``labourlink.countries.resolver('wto')``). Blocs named as parties (for example "ASEAN Free
    Trade Area (AFTA)", "European Union") are expanded to their member states with
    :data:`BLOC_MEMBERS`. ``entry``/``exit``: the party's own dates in ``Specific Entry/Exit
    dates`` when listed (format ``Name(dd-Mon-yyyy - dd-Mon-yyyy)``, either side may be blank;
    ``01-Jan-9999`` means not yet in force and is stored as null); otherwise the agreement's
    entry into force, moved to the bloc accession date for a member that joined the bloc later,
    and the earlier of the agreement's ``Inactive Date`` and the member's exit from the bloc.
    A country listed only in ``Specific Entry/Exit dates`` (for example Libya in COMESA, the
    United Kingdom in the EU Treaty, Finland in EFTA) is a (former or later) party and is kept
    with those dates. A party whose exit precedes the agreement's entry into force (Bulgaria
    and Romania left CEFTA 2006 on joining the EU before it entered into force) gets a null
    ``entry``: the agreement was never in force for it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_unique,
    github_raw,
    read_excel_checked,
    require_file,
    resolve_column,
    sha256_file,
)
from labourlink.store.schema import TABLES

SOURCE = "wto_rta"
EDITION = "WTO RTA-IS All RTAs export (latest entry into force 2025-10-01)"
PUBLISHER = "World Trade Organization, Regional Trade Agreements Information System"
SHEET = "AllRTAs"
PATH = "wto_rta_database/AllRTAs.xlsx"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(PATH,
               github_raw("mindstxrm/Geopolitiko", "15b11c15ce9a18cc9e514a3053ae4b9d998ee635",
                          "AllRTAs.xlsx"),
               "44b0c29aa85658138c34f4ffe6678e6a65cfc538f204d371a6aed268fcf12b54"),
)

_EU_1958 = ("BEL", "DEU", "FRA", "ITA", "LUX", "NLD")
_EU_2004 = ("CYP", "CZE", "EST", "HUN", "LVA", "LTU", "MLT", "POL", "SVK", "SVN")

#: Bloc members as (iso3, joined the bloc, left the bloc); ``None`` = before any agreement in
#: the file / not left. Dates are the published accession dates (EU: europa.eu "EU countries";
#: ASEAN: asean.org member states; EAEU: eaeunion.org; GCC: gcc-sg.org); the United Kingdom's
#: exit from EU agreements is 31-Dec-2020, the date RTA-IS itself uses. EFTA, MERCOSUR, SACU
#: and CACM are their members at the time of the agreements in the file (former EFTA members,
#: suspended Venezuela and acceding Bolivia are not parties to those blocs' agreements).
BLOC_MEMBERS: dict[str, tuple[tuple[str, date | None, date | None], ...]] = {
    "European Union": (
        *((c, None, None) for c in _EU_1958),
        ("DNK", None, None), ("IRL", None, None), ("GBR", None, date(2020, 12, 31)),
        ("GRC", date(1981, 1, 1), None), ("ESP", date(1986, 1, 1), None),
        ("PRT", date(1986, 1, 1), None),
        ("AUT", date(1995, 1, 1), None), ("FIN", date(1995, 1, 1), None),
        ("SWE", date(1995, 1, 1), None),
        *((c, date(2004, 5, 1), None) for c in _EU_2004),
        ("BGR", date(2007, 1, 1), None), ("ROU", date(2007, 1, 1), None),
        ("HRV", date(2013, 7, 1), None),
    ),
    "ASEAN Free Trade Area (AFTA)": (
        ("BRN", None, None), ("IDN", None, None), ("MYS", None, None), ("PHL", None, None),
        ("SGP", None, None), ("THA", None, None), ("VNM", date(1995, 7, 28), None),
        ("LAO", date(1997, 7, 23), None), ("MMR", date(1997, 7, 23), None),
        ("KHM", date(1999, 4, 30), None),
    ),
    "European Free Trade Association (EFTA)": (
        ("ISL", None, None), ("LIE", None, None), ("NOR", None, None), ("CHE", None, None),
    ),
    "Eurasian Economic Union (EAEU)": (
        ("RUS", None, None), ("BLR", None, None), ("KAZ", None, None),
        ("ARM", date(2015, 1, 2), None), ("KGZ", date(2015, 8, 12), None),
    ),
    "Gulf Cooperation Council (GCC)": tuple(
        (c, None, None) for c in ("ARE", "BHR", "KWT", "OMN", "QAT", "SAU")),
    "Southern Common Market (MERCOSUR)": tuple(
        (c, None, None) for c in ("ARG", "BRA", "PRY", "URY")),
    "Southern African Customs Union (SACU)": tuple(
        (c, None, None) for c in ("BWA", "LSO", "NAM", "SWZ", "ZAF")),
    "Central American Common Market (CACM)": tuple(
        (c, None, None) for c in ("CRI", "GTM", "HND", "NIC", "SLV")),
}

NOT_YET_IN_FORCE = date(9999, 1, 1)
_DATE = r"\d{2}-[A-Z][a-z]{2}-\d{4}"
_SPEC_RE = re.compile(rf"^(?P<name>.+?)\((?P<entry>{_DATE})? ?- ?(?P<exit>{_DATE})?\)$")

_COLUMNS = ["RTA ID", "RTA Name", "Coverage", "Type", "Status", "Date of Signature (G)",
            "Date of Signature (S)", "Date of Entry into Force (G)", "Date of Entry into Force (S)",
            "Inactive Date", "Current signatories", "Original signatories",
            "Specific Entry/Exit dates"]


def _split(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [t.strip() for t in str(value).split(";") if t.strip()]


def _to_date(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _parse_specific(value: object, path: Path, row: int) -> dict[str, tuple[date | None, date | None]]:
    """``Name(dd-Mon-yyyy - dd-Mon-yyyy); ...`` -> {name: (entry, exit)}; 9999 kept as marker."""
    out: dict[str, tuple[date | None, date | None]] = {}
    for tok in _split(value):
        m = _SPEC_RE.match(tok)
        if m is None:
            raise SourceError(path, f"cannot parse entry/exit item {tok!r} (expected "
                              "'Name(dd-Mon-yyyy - dd-Mon-yyyy)')", sheet=SHEET, row=row,
                              field="Specific Entry/Exit dates",
                              fix="restore the file as published")
        dates = []
        for key in ("entry", "exit"):
            txt = m.group(key)
            dates.append(None if txt is None else pd.to_datetime(txt, format="%d-%b-%Y").date()
                         if not txt.endswith("9999") else NOT_YET_IN_FORCE)
        out[m.group("name").strip()] = (dates[0], dates[1])
    return out


def _earliest(*values: date | None) -> date | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def load(data_dir: Path) -> list[SourceTable]:
    """Trade agreements and their parties from the WTO RTA-IS export.

    Parameters
    ----------
    data_dir
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        ``trade_agreement`` (655 agreements) and ``trade_agreement_member`` (one row per
        agreement and ISO3 party, blocs expanded; dates as described in the module docstring).
    """
    from labourlink.countries import resolver

    path = require_file(data_dir, PATH)
    raw = read_excel_checked(path, SHEET)
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise SourceError(path, f"column(s) {missing} missing; columns present: {list(raw.columns)}",
                          sheet=SHEET, field=missing[0], fix="use the export as published")
    ids = pd.to_numeric(raw["RTA ID"], errors="coerce")
    bad = ids.isna() | (ids != ids.round())
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise SourceError(path, f"expected an integer RTA ID, found {raw['RTA ID'].iloc[pos]!r}",
                          sheet=SHEET, row=pos + 2, field="RTA ID")
    date_cols = ["Date of Signature (G)", "Date of Signature (S)", "Date of Entry into Force (G)",
                 "Date of Entry into Force (S)", "Inactive Date"]
    for col in date_cols:
        if not pd.api.types.is_datetime64_any_dtype(raw[col]):
            conv = pd.to_datetime(raw[col], errors="coerce", format="mixed")
            badd = conv.isna() & raw[col].notna()
            if badd.any():
                pos = int(badd.to_numpy().nonzero()[0][0])
                raise SourceError(path, f"expected a date, found {raw[col].iloc[pos]!r}",
                                  sheet=SHEET, row=pos + 2, field=col,
                                  fix="restore the file as published")
            raw[col] = conv

    agreements = pd.DataFrame({
        "agreement_id": ids.astype("int64").astype(str),
        "name": raw["RTA Name"].astype(str).str.strip(),
        "type": raw["Type"].where(raw["Type"].notna(), None),
        "coverage": raw["Coverage"].where(raw["Coverage"].notna(), None),
        "status": raw["Status"].where(raw["Status"].notna(), None),
        "signed": [_earliest(_to_date(a), _to_date(b)) for a, b in
                   zip(raw["Date of Signature (G)"], raw["Date of Signature (S)"], strict=False)],
        "in_force": [_earliest(_to_date(a), _to_date(b)) for a, b in
                     zip(raw["Date of Entry into Force (G)"], raw["Date of Entry into Force (S)"], strict=False)],
        "in_force_services": [_to_date(v) for v in raw["Date of Entry into Force (S)"]],
        "inactive": [_to_date(v) for v in raw["Inactive Date"]],
        "labour_provisions": pd.Series([None] * len(raw), dtype="object"),
        "source": SOURCE,
    })
    check_unique(agreements, ["agreement_id"], path, sheet=SHEET)

    # parties: names -> ISO3 (blocs expanded), one row per agreement and party
    names: set[str] = set()
    per_row: list[tuple[list[str], dict[str, tuple[date | None, date | None]]]] = []
    for pos in range(len(raw)):
        parties = list(dict.fromkeys(_split(raw["Current signatories"].iloc[pos])
                                     + _split(raw["Original signatories"].iloc[pos])))
        spec = _parse_specific(raw["Specific Entry/Exit dates"].iloc[pos], path, pos + 2)
        names.update(p for p in [*parties, *spec] if p not in BLOC_MEMBERS)
        per_row.append((parties, spec))
    name_list = sorted(names)
    iso_of = dict(zip(name_list, resolve_column(pd.Series(name_list, dtype="object"),
                                                resolver("wto"), path, "Current signatories",
                                                sheet=SHEET), strict=False))
    rows: list[dict[str, object]] = []
    duplicates = never = 0
    for pos, (parties, spec) in enumerate(per_row):
        a = agreements.iloc[pos]
        agr_entry, agr_exit = a["in_force"], a["inactive"]
        members: dict[str, tuple[date | None, date | None]] = {}
        for party in parties:
            if party in BLOC_MEMBERS:
                b_entry, b_exit = spec.get(party, (None, None))
                expanded = []
                for iso, joined, left in BLOC_MEMBERS[party]:
                    entry = b_entry or agr_entry
                    if entry is not None and entry != NOT_YET_IN_FORCE and joined is not None:
                        entry = max(entry, joined)
                    expanded.append((iso, (entry, _earliest(b_exit or agr_exit, left))))
            else:
                expanded = [(iso_of[party], (agr_entry, agr_exit))]
            for iso, dates in expanded:
                if iso in members:
                    duplicates += 1
                    continue
                members[iso] = dates
        for name, (s_entry, s_exit) in spec.items():
            if name in BLOC_MEMBERS:
                continue
            iso = iso_of[name]
            base_entry = members[iso][0] if iso in members else agr_entry
            members[iso] = (s_entry or base_entry, s_exit or agr_exit)
        for iso, (entry, exit_) in members.items():
            if (entry is not None and exit_ is not None and entry != NOT_YET_IN_FORCE
                    and exit_ < entry):
                never += 1  # left before the agreement entered into force for it
                entry = None
            rows.append({"agreement_id": a["agreement_id"], "iso3": iso,
                         "entry": None if entry == NOT_YET_IN_FORCE else entry,
                         "exit": None if exit_ == NOT_YET_IN_FORCE else exit_,
                         "source": SOURCE})
    members_df = pd.DataFrame(rows, columns=TABLES["trade_agreement_member"].column_names)
    check_unique(members_df, ["agreement_id", "iso3"], path, sheet=SHEET)

    sha = sha256_file(path)
    agreements = agreements[TABLES["trade_agreement"].column_names]
    return [
        SourceTable("trade_agreement", agreements,
                    Provenance(SOURCE, EDITION, PUBLISHER, PATH, sha, len(agreements), {})),
        SourceTable("trade_agreement_member", members_df,
                    Provenance(SOURCE, EDITION, PUBLISHER, PATH, sha, len(members_df),
                               {"party listed twice (directly and through a bloc)": duplicates}
                               if duplicates else {})),
    ]
