"""The registry's one schema (pydantic), validated whenever records are loaded.

A record (:class:`Instrument`) describes one migration-governance instrument: a bilateral labour
agreement, MoU, memorandum of cooperation, declaration, regional consultative process, mutual
recognition arrangement, trade-agreement chapter on movement of natural persons, temporary or
seasonal scheme, travel card, free-movement arrangement, or a trade agreement whose migration
content is not established (``kind="trade_agreement"``).

Vocabularies live here as ``Literal`` aliases (:data:`Level`, :data:`Kind`, ...) and
:data:`PROVISIONS` lists the provision flags. Dates are :class:`PartialDate` (a date plus its
precision: ``"day"``, ``"month"`` or ``"year"`` when only the year is known); in YAML they may be
written ``2007``, ``"2007-04"`` or ``"2007-01-13"``.

Party codes are ISO3 codes or grouping codes of :mod:`labourlink.countries` (``"ASEAN"``,
``"GCC"``, ``"APEC"``, ...). They are checked by :func:`labourlink.governance.registry.validate_records`
(which needs the country tables), not by the model itself, so the model stays importable and
testable on its own.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

Level = Literal["multilateral", "regional", "bilateral", "unilateral"]
Kind = Literal[
    "bilateral_labour_agreement",
    "mou",
    "memorandum_of_cooperation",
    "declaration_or_consensus",
    "regional_consultative_process",
    "mutual_recognition_arrangement",
    "trade_agreement_mnp_chapter",
    "seasonal_or_temporary_scheme",
    "travel_card",
    "free_movement_arrangement",
    "trade_agreement",
]
LegalNature = Literal["binding", "non_binding", "unknown"]
Precision = Literal["day", "month", "year"]
SkillLevel = Literal["low", "medium", "high", "all", "unspecified"]
Confidence = Literal["high", "medium", "low"]
CorridorScope = Literal["among_parties", "senders_to_receivers", "from_senders", "global"]
Origin = Literal["curated", "chilton_woda_2022", "wto_rta", "labpta"]

LEVELS: tuple[str, ...] = get_args(Level)
KINDS: tuple[str, ...] = get_args(Kind)
CORRIDOR_SCOPES: tuple[str, ...] = get_args(CorridorScope)

#: Provision flags (True present, False absent, None not known), with their meaning.
PROVISIONS: dict[str, str] = {
    "labour_market_access": "labour-market access for migrant workers, or a quota",
    "skills_recognition": "recognition of skills and qualifications",
    "recruitment_regulation": "regulation of recruitment and of recruitment fees",
    "worker_protection": "standard contract and worker protection (wages, conditions, rights)",
    "social_security_portability": "social security and its portability",
    "return_readmission": "return, reintegration and readmission",
    "irregular_migration_cooperation": "co-operation against irregular migration, smuggling "
                                       "and trafficking",
    "remittance_facilitation": "transfer of savings and remittances",
}

KIND_LABELS: dict[str, str] = {
    "bilateral_labour_agreement": "bilateral labour agreement",
    "mou": "memorandum of understanding",
    "memorandum_of_cooperation": "memorandum of cooperation",
    "declaration_or_consensus": "declaration or consensus",
    "regional_consultative_process": "regional consultative process",
    "mutual_recognition_arrangement": "mutual recognition arrangement",
    "trade_agreement_mnp_chapter": "trade-agreement chapter on movement of natural persons",
    "seasonal_or_temporary_scheme": "seasonal or temporary scheme",
    "travel_card": "travel card",
    "free_movement_arrangement": "free-movement arrangement",
    "trade_agreement": "trade agreement (movement-of-persons content not established)",
}

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ID_RE = r"^[a-z0-9][a-z0-9_.-]*$"


class PartialDate(BaseModel):
    """A date known to a precision: ``value`` is the first day of the known period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: date
    precision: Precision = "day"

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError(f"expected a date, got {data!r}")
        if isinstance(data, int):
            data = str(data)
        if isinstance(data, date):
            return {"value": data, "precision": "day"}
        if isinstance(data, str):
            m = _DATE_RE.match(data.strip())
            if m is None:
                raise ValueError(f"expected a date 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', got {data!r}")
            y, mo, d = m.groups()
            try:
                value = date(int(y), int(mo or 1), int(d or 1))
            except ValueError as exc:
                raise ValueError(f"invalid date {data!r}: {exc}") from exc
            return {"value": value, "precision": "day" if d else "month" if mo else "year"}
        return data

    @property
    def year(self) -> int:
        """Calendar year (integer)."""
        return self.value.year

    def __str__(self) -> str:
        v = self.value
        return {"day": v.isoformat(), "month": f"{v.year:04d}-{v.month:02d}",
                "year": f"{v.year:04d}"}[self.precision]

    def last_day(self) -> date:
        """Last day of the known period (for ordering checks with mixed precisions)."""
        v = self.value
        if self.precision == "year":
            return date(v.year, 12, 31)
        if self.precision == "month":
            nxt = date(v.year + (v.month == 12), v.month % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1)
        return v


class Source(BaseModel):
    """A citation: title, publisher, year of publication (integer) and address (URL or reference)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    year: int | None = None
    address: str = Field(min_length=1)


class Provisions(BaseModel):
    """Provision flags: True present, False absent, None not known (see :data:`PROVISIONS`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    labour_market_access: bool | None = None
    skills_recognition: bool | None = None
    recruitment_regulation: bool | None = None
    worker_protection: bool | None = None
    social_security_portability: bool | None = None
    return_readmission: bool | None = None
    irregular_migration_cooperation: bool | None = None
    remittance_facilitation: bool | None = None

    def present(self) -> list[str]:
        """Names of the provisions flagged present."""
        return [k for k in PROVISIONS if getattr(self, k) is True]


class Instrument(BaseModel):
    """One registry record.

    ``parties`` are ISO3 or grouping codes; ``senders``/``receivers`` the origin and destination
    roles where the instrument has them (each must be a party or a member of a party group).
    ``corridor_scope`` says which corridors (origin -> destination) the instrument governs:
    ``among_parties`` (every ordered pair of parties), ``senders_to_receivers``, ``from_senders``
    (from a sender to any destination: origin-country processes) or ``global`` (worldwide
    frameworks such as GATS Mode 4, left out of corridor coverage). ``party_since`` gives a
    later joining date for a party. ``uncertain`` maps a field name to why the value is uncertain.
    ``quota`` is a number of workers (per year unless ``quota_note`` says otherwise).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ID_RE)
    name: str = Field(min_length=1)
    level: Level
    kind: Kind
    legal_nature: LegalNature
    parties: list[str]
    senders: list[str] = Field(default_factory=list)
    receivers: list[str] = Field(default_factory=list)
    corridor_scope: CorridorScope | None = Field(default=None, validate_default=True)
    party_since: dict[str, PartialDate] = Field(default_factory=dict)
    signed: PartialDate | None = None
    in_force: PartialDate | None = None
    ended: PartialDate | None = None
    skill_levels: list[SkillLevel] = Field(default_factory=lambda: list[SkillLevel](
        ["unspecified"]))
    sectors: list[str] = Field(default_factory=list)
    provisions: Provisions = Field(default_factory=Provisions)
    quota: int | None = Field(default=None, ge=0)
    quota_note: str | None = None
    mnp_chapter: bool | None = None
    labour_provisions: bool | None = None
    related: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    confidence: Confidence
    uncertain: dict[str, str] = Field(default_factory=dict)
    notes: str | None = None
    origin: Origin = "curated"

    @field_validator("parties", "senders", "receivers")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        for code in v:
            if not isinstance(code, str) or not re.fullmatch(r"[A-Z][A-Z0-9-]{1,19}", code):
                raise ValueError(f"party code {code!r} is not an ISO3 or grouping code "
                                 "(upper case, e.g. 'PHL', 'ASEAN')")
        if len(set(v)) != len(v):
            raise ValueError(f"repeated party code in {v}")
        return v

    @field_validator("uncertain")
    @classmethod
    def _uncertain_fields(cls, v: dict[str, str]) -> dict[str, str]:
        allowed = set(cls.model_fields) | {f"provisions.{p}" for p in PROVISIONS}
        bad = sorted(set(v) - allowed)
        if bad:
            raise ValueError(f"'uncertain' names unknown field(s) {bad}")
        return v

    @field_validator("corridor_scope", mode="after")
    @classmethod
    def _scope(cls, v: str | None, info: ValidationInfo) -> str:
        senders = info.data.get("senders") or []
        receivers = info.data.get("receivers") or []
        parties = info.data.get("parties")
        scope = v or ("senders_to_receivers" if senders and receivers else "among_parties")
        if scope == "senders_to_receivers" and not (senders and receivers):
            raise ValueError("'senders_to_receivers' needs senders and receivers")
        if scope == "from_senders" and not senders:
            raise ValueError("'from_senders' needs senders")
        if scope != "global" and parties is not None and not parties:
            raise ValueError("parties is empty (only a 'global' instrument may list none)")
        return scope

    @field_validator("party_since", mode="after")
    @classmethod
    def _since(cls, v: dict[str, PartialDate], info: ValidationInfo) -> dict[str, PartialDate]:
        known = set(info.data.get("parties") or []) | set(info.data.get("senders") or []) \
            | set(info.data.get("receivers") or [])
        bad = sorted(set(v) - known)
        if any(len(k) != 3 for k in known):
            bad = []  # a grouping among the parties: checked against its members by the registry
        if bad:
            raise ValueError(f"names {bad}, which are not parties")
        return v

    @field_validator("in_force", "ended", mode="after")
    @classmethod
    def _ordered(cls, v: PartialDate | None, info: ValidationInfo) -> PartialDate | None:
        """Dates ordered: signed <= in_force <= ended (at the precision known)."""
        if v is None:
            return v
        earlier = ["signed"] if info.field_name == "in_force" else ["signed", "in_force"]
        for name in earlier:
            d = info.data.get(name)
            if d is not None and d.value > v.last_day():
                raise ValueError(f"{info.field_name} {v} is before {name} {d}")
        return v

    def active_in(self, year: int) -> bool:
        """Whether the instrument was in force (or, with no in-force date, signed) during ``year``.

        An instrument with neither date is not counted as active (its period is unknown).
        """
        start = self.in_force or self.signed
        if start is None or start.year > year:
            return False
        return not (self.ended is not None and self.ended.year < year)

    def label(self) -> str:
        """Readable kind label."""
        return KIND_LABELS[self.kind]
