"""Loading, validating and querying the registry of migration-governance instruments.

The registry is the curated records in ``governance/data/curated.yaml`` plus, when a store is
available, the records derived from the store tables by :mod:`labourlink.governance.derive`
(bilateral labour agreements of Chilton & Woda 2022; trade agreements among ESCAP economies from
the WTO RTA-IS and LABPTA). Every record is validated when loaded (:func:`validate_records`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from labourlink.errors import InvalidArgumentError, LabourlinkError
from labourlink.governance.schema import KINDS, PROVISIONS, Instrument

CURATED_FILE = "curated.yaml"


@dataclass(frozen=True, slots=True)
class RecordError:
    """One problem in one record: the record's id, the field (dotted path) and what is wrong."""

    record_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"record {self.record_id!r}, field '{self.field}': {self.message}"


class RegistryError(LabourlinkError):
    """Registry records failed validation; ``errors`` lists each (record, field, problem)."""

    def __init__(self, errors: Sequence[RecordError]) -> None:
        self.errors = list(errors)
        head = "; ".join(str(e) for e in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        super().__init__(f"{len(self.errors)} invalid registry record(s): {head}{more}. "
                         "Fix: correct the record (see `labourlink governance validate`)")


def data_path(name: str) -> Path:
    """Path of a file in ``labourlink/governance/data``."""
    return Path(str(resources.files("labourlink.governance") / "data" / name))


def read_curated(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Raw curated records (list of mappings) from the YAML file (default: the package's)."""
    p = Path(path) if path is not None else data_path(CURATED_FILE)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegistryError([RecordError("?", "?", f"{p} is not valid YAML: {exc}")]) from exc
    if not isinstance(raw, list):
        raise RegistryError([RecordError("?", "?", f"{p} must hold a YAML list of records")])
    return raw


_NOT_PARTIES = frozenset({"XXX", "XON", "XOS", "EUN", "BLX"})


@cache
def _iso3_codes() -> frozenset[str]:
    """ISO3 codes of labourlink.countries plus its historical states (DDR, CSK, SUN, YUG, ...)."""
    from labourlink.countries import SPECIAL_CODES, country_table

    return frozenset(country_table()["iso3"]) | (frozenset(SPECIAL_CODES) - _NOT_PARTIES)


@cache
def _group_codes() -> frozenset[str]:
    from labourlink.countries import groups

    return frozenset(groups())


def expand_party(code: str) -> frozenset[str]:
    """ISO3 codes a party code stands for (itself, or a grouping's current members)."""
    if code in _iso3_codes():
        return frozenset([code])
    from labourlink.countries import group_members

    return frozenset(group_members(code))


def _party_error(code: str) -> str | None:
    if code in _iso3_codes() or code in _group_codes():
        return None
    return (f"unknown party {code!r}: not an ISO3 code of labourlink.countries nor one of its "
            "groupings (e.g. ASEAN, GCC, APEC, PACIFIC, SAARC, ESCAP; list them with "
            "`labourlink countries groups`)")


def _check_parties(rec: Instrument) -> list[RecordError]:
    errs: list[RecordError] = []
    for fld in ("parties", "senders", "receivers"):
        for i, code in enumerate(getattr(rec, fld)):
            msg = _party_error(code)
            if msg:
                errs.append(RecordError(rec.id, f"{fld}[{i}]", msg))
    for code in rec.party_since:
        msg = _party_error(code)
        if msg:
            errs.append(RecordError(rec.id, f"party_since.{code}", msg))
    if errs or not rec.parties:
        return errs
    members = frozenset().union(*(expand_party(p) for p in rec.parties))
    for code in rec.party_since:
        if not expand_party(code) <= members:
            errs.append(RecordError(rec.id, f"party_since.{code}",
                                    f"{code!r} is not among the parties {rec.parties}"))
    for fld in ("senders", "receivers"):
        for i, code in enumerate(getattr(rec, fld)):
            if not expand_party(code) <= members:
                errs.append(RecordError(rec.id, f"{fld}[{i}]",
                                        f"{code!r} is not among the parties {rec.parties}"))
    return errs


def validate_records(raw: Iterable[dict[str, Any]], *, check_parties: bool = True
                     ) -> tuple[list[Instrument], list[RecordError]]:
    """Validate raw records against :class:`Instrument`; returns (valid records, errors).

    Errors name the record (its ``id``, or ``#n`` when it has none) and the field: unknown
    fields or provisions, bad or misordered dates, missing sources, unknown parties (ISO3
    codes and groupings of :mod:`labourlink.countries`), repeated ids.
    """
    out: list[Instrument] = []
    errors: list[RecordError] = []
    seen: set[str] = set()
    for n, item in enumerate(raw):
        rid = str(item.get("id") or f"#{n}") if isinstance(item, dict) else f"#{n}"
        if not isinstance(item, dict):
            errors.append(RecordError(rid, "", f"expected a mapping, got {type(item).__name__}"))
            continue
        try:
            rec = Instrument.model_validate(item)
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(x) for x in e["loc"]) or "(record)"
                msg = e["msg"]
                if e["type"] == "extra_forbidden":
                    msg = (f"unknown provision {loc.split('.', 1)[1]!r}; allowed: "
                           f"{', '.join(PROVISIONS)}" if loc.startswith("provisions.")
                           else f"unknown field {loc!r}")
                elif loc == "kind":
                    msg += f"; allowed: {', '.join(KINDS)}"
                errors.append(RecordError(rid, loc, msg))
            continue
        if rec.id in seen:
            errors.append(RecordError(rid, "id", "repeated id"))
            continue
        seen.add(rec.id)
        if check_parties:
            perrs = _check_parties(rec)
            if perrs:
                errors.extend(perrs)
                continue
        out.append(rec)
    return out, errors


class Registry:
    """A validated, read-only set of instruments."""

    def __init__(self, records: Iterable[Instrument]) -> None:
        self._records: tuple[Instrument, ...] = tuple(records)
        self._by_id = {r.id: r for r in self._records}
        if len(self._by_id) != len(self._records):
            raise RegistryError([RecordError("?", "id", "repeated ids in the registry")])

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._records)

    @property
    def records(self) -> tuple[Instrument, ...]:
        """All records, in load order."""
        return self._records

    def get(self, record_id: str) -> Instrument:
        """The record with this id (:class:`InvalidArgumentError` listing close ids if unknown)."""
        try:
            return self._by_id[record_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(record_id, list(self._by_id), n=5)
            raise InvalidArgumentError("id", record_id, close or "an id shown by "
                                       "`labourlink governance list`") from None

    def filter(self, *, kind: Sequence[str] | None = None, party: str | None = None,
               level: Sequence[str] | None = None) -> Registry:
        """Records of the given kinds/levels that include ``party`` (ISO3, directly or via a group)."""
        for k in kind or ():
            if k not in KINDS:
                raise InvalidArgumentError("kind", k, KINDS)
        recs = [r for r in self._records
                if (not kind or r.kind in kind) and (not level or r.level in level)]
        if party is not None:
            code = party.upper()
            if code not in _iso3_codes():
                raise InvalidArgumentError("party", party, "an ISO3 code, e.g. PHL")
            recs = [r for r in recs if any(code in expand_party(p) for p in r.parties)]
        return Registry(recs)

    def to_frame(self) -> pd.DataFrame:
        """One row per record: id, name, level, kind, legal_nature, parties, dates, flags."""
        rows = []
        for r in self._records:
            rows.append({
                "id": r.id, "name": r.name, "level": r.level, "kind": r.kind,
                "legal_nature": r.legal_nature, "parties": " ".join(r.parties),
                "signed": str(r.signed) if r.signed else None,
                "in_force": str(r.in_force) if r.in_force else None,
                "ended": str(r.ended) if r.ended else None,
                "provisions": " ".join(r.provisions.present()),
                "confidence": r.confidence, "origin": r.origin,
            })
        return pd.DataFrame(rows, columns=["id", "name", "level", "kind", "legal_nature",
                                           "parties", "signed", "in_force", "ended",
                                           "provisions", "confidence", "origin"])


def load_curated(path: str | Path | None = None) -> Registry:
    """The curated records, validated (:class:`RegistryError` if any record is invalid)."""
    recs, errors = validate_records(read_curated(path))
    if errors:
        raise RegistryError(errors)
    return Registry(recs)


def load_registry(con: Any | None = None, *, curated_path: str | Path | None = None) -> Registry:
    """Curated records plus, if ``con`` (a store connection) is given, the derived ones.

    Parameters
    ----------
    con
        DuckDB connection to the store (:func:`labourlink.store.connect`), or None for the
        curated records only.
    curated_path
        Alternative curated YAML file (tests).
    """
    recs = list(load_curated(curated_path).records)
    if con is not None:
        from labourlink.governance.derive import derived_records

        derived, errors = validate_records(derived_records(con))
        if errors:
            raise RegistryError(errors)
        recs.extend(derived)
    return Registry(recs)
