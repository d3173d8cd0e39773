"""LABPTA list of trade agreements with labour provisions (Raess & Sari 2018), via manytrade.

The R package **manytrade** 0.4.0 ships ``data/agreements.rda`` and ``data/memberships.rda`` as
*named lists of tibbles*; pyreadr cannot read lists of data frames (it reads only data frames),
so this loader reads the CSV conversions made beside them (one CSV per list element, values
unchanged; MANIFEST.md section 11). Those CSVs have no public address (``url=None``); the
``.rda`` files they come from are named in each file's ``note``.

LABPTA is a list only (no provision coding) and has no member table: parties come from the
DESTA and GPTAD membership tables, joined on ``treatyID`` (478 of the 483 rows) and, failing
that, on ``manyID``. Store tables:

``trade_agreement``
    ``agreement_id`` = the manytrade ``treatyID`` (unique; ``manyID`` is repeated once),
    ``name`` = ``Title``, ``signed``/``in_force`` from ``Signature``/``Force`` (ISO dates;
    "messydates" given as a year only are stored as 1 January of that year),
    ``labour_provisions`` = true (LABPTA lists only agreements with labour provisions).
``trade_agreement_member``
    One row per (agreement, ISO3 party); ``entry`` = the party's ``Force`` date in the
    membership table; ``exit`` null (not in the tables). Codes: ISO3 ``stateID`` through
    ``labourlink.countries.resolver('iso3')``; a missing ``stateID`` resolves from
    ``StateName``; ``CHN - TWN`` is Chinese Taipei (TWN); the blocs ``EC`` and ``EFTA`` are
    expanded with :data:`labourlink.sources.wto_rta.BLOC_MEMBERS` (members at the agreement's
    entry into force). Dropped and counted: rows with neither code nor name, the historical
    code ``FNJ`` (Funj Sultanate of Sennar, a coding error in the membership table: not a
    state in the 1990s), the merged code ``GIN - GNQ``, and repeated (agreement, party) rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_unique,
    read_csv_checked,
    require_file,
    resolve_column,
    sha256_file,
)
from labourlink.sources.wto_rta import BLOC_MEMBERS
from labourlink.store.schema import TABLES

SOURCE = "labpta"
EDITION = "manytrade 0.4.0 (agreements.rda 2024-01-12), LABPTA list"
PUBLISHER = "Raess & Sari (2018) LABPTA, via globalgov/manytrade"

_DIR = "manytrade_agreements"
AGREEMENTS = f"{_DIR}/agreements_LABPTA.csv"
DESTA_MEM = f"{_DIR}/memberships_DESTA_MEM.csv"
GPTAD_MEM = f"{_DIR}/memberships_GPTAD_MEM.csv"

_NOTE_A = ("CSV conversion (made for this project, values unchanged) of element 'LABPTA' of "
           "globalgov/manytrade data/agreements.rda @ f5eabf64514ac2870b1b75fa46b5fed6e77a8c0f")
_NOTE_M = ("CSV conversion (made for this project, values unchanged) of element '{}' of "
           "globalgov/manytrade data/memberships.rda @ 14cb844d5b3d11ffe083faa6b1ac698b9df971bd")

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(AGREEMENTS, None,
               "5add190dec41518a51cb76f90cbc4ded655e84c1cbc169152f43b2d2f10c7153", _NOTE_A),
    RemoteFile(DESTA_MEM, None,
               "213bbad16ea688a5b7571cd8ce32367bedcc0fc146dd72480cc4905a1bccb342",
               _NOTE_M.format("DESTA_MEM")),
    RemoteFile(GPTAD_MEM, None,
               "ebdd92c17d6220ff5e21aa9048be6fad02209a6d9013fd8a4a4dd9469005f7e7",
               _NOTE_M.format("GPTAD_MEM")),
)

_BLOCS = {"EC": "European Union", "EFTA": "European Free Trade Association (EFTA)"}
_MERGED = {"CHN - TWN": "TWN"}
_DROP_CODES = {"FNJ": "historical code FNJ (Funj Sultanate), not a state at the time",
               "GIN - GNQ": "merged code 'GIN - GNQ' (two states in one row)"}


def _messy_date(value: object, path: Path, row: int, field: str) -> date | None:
    """manytrade 'messydates': 'yyyy-mm-dd' or 'yyyy' (-> 1 January); blank -> None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    txt = str(value).strip()
    if not txt:
        return None
    try:
        if len(txt) == 4 and txt.isdigit():
            return date(int(txt), 1, 1)
        return date.fromisoformat(txt[:10])
    except ValueError as exc:
        raise SourceError(path, f"expected a date yyyy-mm-dd or a year, found {txt!r}", row=row,
                          field=field, fix="restore the file as published") from exc


def load(data_dir: Path) -> list[SourceTable]:
    """LABPTA agreements (labour provisions = true) and their parties.

    Parameters
    ----------
    data_dir
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        ``trade_agreement`` (483 agreements) and ``trade_agreement_member``.
    """
    from labourlink.countries import resolver

    apath = require_file(data_dir, AGREEMENTS)
    dpath = require_file(data_dir, DESTA_MEM)
    gpath = require_file(data_dir, GPTAD_MEM)
    agr = read_csv_checked(apath, dtype=str, keep_default_na=False, na_values=[""])
    for col in ("manyID", "treatyID", "Title", "Signature", "Force"):
        if col not in agr.columns:
            raise SourceError(apath, f"column {col!r} missing; columns present: {list(agr.columns)}",
                              field=col)
    agreements = pd.DataFrame({
        "agreement_id": agr["treatyID"].astype(str),
        "name": agr["Title"].astype(str).str.strip(),
        "type": None, "coverage": None, "status": None,
        "signed": [_messy_date(v, apath, i + 2, "Signature") for i, v in enumerate(agr["Signature"])],
        "in_force": [_messy_date(v, apath, i + 2, "Force") for i, v in enumerate(agr["Force"])],
        "in_force_services": None, "inactive": None,
        "labour_provisions": True,
        "source": SOURCE,
    })
    check_unique(agreements, ["agreement_id"], apath)

    mems = []
    for path in (dpath, gpath):
        m = read_csv_checked(path, dtype=str, keep_default_na=False, na_values=[""])
        for col in ("manyID", "treatyID", "stateID", "StateName", "Force"):
            if col not in m.columns:
                raise SourceError(path, f"column {col!r} missing; columns present: {list(m.columns)}",
                                  field=col)
        m = m.assign(_row=range(2, len(m) + 2), _file=str(path))
        mems.append(m)
    mem = pd.concat(mems, ignore_index=True)
    by_treaty = mem[mem["treatyID"].isin(set(agr["treatyID"]))]
    linked = by_treaty.rename(columns={"treatyID": "agreement_id"})
    no_treaty = agr[~agr["treatyID"].isin(set(by_treaty["treatyID"]))]
    by_many = mem[mem["manyID"].isin(set(no_treaty["manyID"]))].drop(columns="treatyID")
    by_many = by_many.merge(no_treaty[["manyID", "treatyID"]], on="manyID")
    linked = pd.concat([linked, by_many.rename(columns={"treatyID": "agreement_id"})],
                       ignore_index=True)

    dropped: dict[str, int] = {}
    code = linked["stateID"].astype("object")
    name = linked["StateName"].astype("object")
    empty = code.isna() & name.isna()
    if empty.any():
        dropped["membership row with neither stateID nor StateName"] = int(empty.sum())
    for c, reason in _DROP_CODES.items():
        n = int((code == c).sum())
        if n:
            dropped[reason] = n
    keep = ~empty & ~code.isin(list(_DROP_CODES))
    linked, code, name = linked[keep], code[keep], name[keep]

    in_force = dict(zip(agreements["agreement_id"], agreements["in_force"], strict=False))
    rows: list[dict[str, object]] = []
    bloc = code.isin(list(_BLOCS))
    for (_, r), c in zip(linked[bloc].iterrows(), code[bloc], strict=False):
        ref = in_force.get(r["agreement_id"])
        entry = _messy_date(r["Force"], Path(r["_file"]), r["_row"], "Force") or ref
        for iso, joined, left in BLOC_MEMBERS[_BLOCS[c]]:
            if ref is not None and ((joined is not None and joined > ref)
                                    or (left is not None and left < ref)):
                continue
            rows.append({"agreement_id": r["agreement_id"], "iso3": iso, "entry": entry,
                         "exit": None, "source": SOURCE})
    plain = linked[~bloc]
    pcode, pname = code[~bloc], name[~bloc]
    iso = pd.Series(index=plain.index, dtype="object")
    merged = pcode.isin(list(_MERGED))
    iso[merged] = pcode[merged].map(_MERGED)
    by_code = pcode.notna() & ~merged
    for path in (dpath, gpath):
        sel = by_code & (plain["_file"] == str(path))
        if sel.any():
            iso[sel] = resolve_column(pcode[sel], resolver("iso3"), path, "stateID")
        sel = pcode.isna() & (plain["_file"] == str(path))
        if sel.any():
            iso[sel] = resolve_column(pname[sel], resolver("name"), path, "StateName")
    for (_, r), i in zip(plain.iterrows(), iso, strict=False):
        rows.append({"agreement_id": r["agreement_id"], "iso3": i,
                     "entry": _messy_date(r["Force"], Path(r["_file"]), r["_row"], "Force"),
                     "exit": None, "source": SOURCE})
    members = pd.DataFrame(rows, columns=TABLES["trade_agreement_member"].column_names)
    # one row per (agreement, party): keep the earliest entry date
    members = members.sort_values(["agreement_id", "iso3", "entry"], na_position="last")
    dup = members.duplicated(["agreement_id", "iso3"])
    if dup.any():
        dropped["repeated (agreement, party) row"] = int(dup.sum())
    members = members[~dup].reset_index(drop=True)
    check_unique(members, ["agreement_id", "iso3"], dpath)

    agreements = agreements[TABLES["trade_agreement"].column_names]
    return [
        SourceTable("trade_agreement", agreements,
                    Provenance(SOURCE, EDITION, PUBLISHER, AGREEMENTS, sha256_file(apath),
                               len(agreements), {})),
        SourceTable("trade_agreement_member", members,
                    Provenance(SOURCE, EDITION, PUBLISHER, DESTA_MEM, sha256_file(dpath),
                               len(members), dropped)),
    ]
