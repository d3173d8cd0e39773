"""The labour-mobility scenario file (YAML), validated with pydantic.

A scenario describes a co-operative agreement: labour-market access granted by receiving countries
in return for co-operation of sending countries on migration management (return and readmission,
enforcement against irregular migration). :func:`load_spec` reads and validates a file; every
error names the field, the bad value and the allowed values (:class:`InvalidArgumentError`).

Defaults that are not data are literature values, stated where they are defined:

* migration-trade elasticity 0.15: central value of the meta-analysis of Genc, Gheasi, Nijkamp &
  Poot (2012), "The impact of immigration on international trade: a meta-analysis" (in *Migration
  Impact Assessment*, Edward Elgar), which reports average elasticities of trade with respect to
  the immigrant stock of about 0.15 (imports 0.17, exports 0.13 across studies). The standard error
  0.05 used for Monte Carlo draws is **our assumption** spanning roughly the 0.05-0.25 range of
  study means; it is not a published standard error;
* RTA effect 0.557 (SE 0.102): Yotov et al. (2016), chapter 1, PPML with pair fixed effects
  (``PUBLISHED_RESULTS.md`` B3 and C1: .5571853, semirobust SE .055771 in the Stata log; the R
  replication with pair-clustered SE gives 0.5572 (0.1022), which we use);
* CES labour demand: elasticity between skill groups 2.0 (Katz & Murphy 1992 estimate about 1.4;
  Ottaviano & Peri 2012 use about 2) and between natives and migrants within a skill group 20
  (Ottaviano & Peri 2012, JEEA 10(1), preferred estimates about 20);
* capital share 0.33 for the short-run (capital fixed) case.

The trade-cost coefficients default to the **estimates of this project's linkages models** on
the store (``trade_cost.basis: estimated``; see :mod:`labourlink.scenarios.coefficients`, which
estimates them once per store and caches them). The literature values above are used only when
asked for (``trade_cost: literature`` or ``basis: literature``) or when the estimation fails, and
the output then says so. Values given in ``trade_cost`` always win.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from labourlink.errors import InvalidArgumentError

__all__ = [
    "INSTRUMENTS",
    "LITERATURE",
    "GESettings",
    "LabourMarket",
    "Scenario",
    "TradeCost",
    "SpecProblem",
    "load_spec",
    "parse_spec",
    "spec_problems",
    "spec_to_yaml",
    "template",
]

Instrument = Literal["bilateral_labour_agreement", "mou", "trade_agreement_mnp", "seasonal_scheme"]
INSTRUMENTS: tuple[str, ...] = ("bilateral_labour_agreement", "mou", "trade_agreement_mnp",
                                "seasonal_scheme")

LITERATURE_NOTE = ("trade-cost coefficients are literature values (migration-trade elasticity "
                   "0.15, SE 0.05 assumed: Genc et al. 2012 meta-analysis; RTA effect 0.557, SE "
                   "0.102: Yotov et al. 2016 pair-FE PPML), not estimates from this project's "
                   "linkages models")
LITERATURE: dict[str, float] = {"migration_elasticity": 0.15, "migration_elasticity_se": 0.05,
                                "rta_effect": 0.557, "rta_effect_se": 0.102}
"""Literature values of the trade-cost coefficients (sources in the module docstring)."""
TradeCostBasis = Literal["estimated", "literature"]
TRADE_COST_BASES: tuple[str, ...] = ("estimated", "literature")

Share = Annotated[float, Field(ge=0.0, le=1.0)]


def _iso3(value: str) -> str:
    from labourlink.countries import try_resolve

    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a country code")
    code = try_resolve(value.strip())
    if code is None:
        raise ValueError(f"unknown country {value!r}; use an ISO3 code such as 'NPL', 'KOR'")
    return code


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TradeCost(_Strict):
    """Trade-cost effect of the agreement (log points of ``t_ij^(1-sigma)``).

    Coefficients left out (None) come from ``basis``: ``estimated`` (default: the linkages
    models' estimates on the store, :mod:`labourlink.scenarios.coefficients`) or ``literature``
    (:data:`LITERATURE`). In YAML, ``trade_cost: literature`` is short for ``{basis: literature}``.
    """

    basis: TradeCostBasis = Field(default="estimated", description="where coefficients not given "
                                  "here come from: 'estimated' (linkages models on the store) or "
                                  "'literature' (Genc et al. 2012; Yotov et al. 2016)")
    migration_elasticity: float | None = Field(default=None, description="elasticity of bilateral "
                                               "trade to the bilateral migrant stock")
    migration_elasticity_se: float | None = Field(default=None, ge=0.0, description="its SE (draws)")
    rta_effect: float | None = Field(default=None, description="PPML RTA coefficient (log points)")
    rta_effect_se: float | None = Field(default=None, ge=0.0)
    rta_share: Share = Field(default=0.0, description="share of the RTA effect the agreement brings to each sender-receiver "
        "pair: 0 (default) when it creates no new trade agreement, 1 when it comes with a new "
        "RTA (e.g. an EPA with a movement-of-natural-persons chapter between parties without one)")
    source: str | None = Field(default=None, description="where coefficients given here come from "
                               "(free text, reported in the output)")


class LabourMarket(_Strict):
    """CES labour demand of the receiving country (two skill groups, natives and migrants)."""

    sigma_skill: float = Field(default=2.0, gt=0.0, description="between skill groups (Ottaviano-Peri 2012)")
    sigma_native_migrant: float = Field(default=20.0, gt=0.0, description="within a skill group (idem)")
    capital_adjusts: bool = Field(default=True, description="long run: capital adjusts (no aggregate wage "
                                  "effect); False: capital fixed")
    capital_share: Share = 0.33
    native_high_skill_share: Share = Field(default=0.35, description="share of high-skilled workers among native workers (assumption; set it "
        "per receiver)")
    migrant_share_of_employment: Share | None = Field(default=None, description="baseline migrant share of employment; default: immigrant stock / "
        "employment from the store")


class GESettings(_Strict):
    """General-equilibrium settings for the trade channel."""

    sigma: float = Field(default=7.0, gt=1.0, description="elasticity of substitution (book: 7)")
    year: int | None = Field(default=None, description="baseline trade year; default: latest year with "
                             "all parties present")
    trade_source: str | None = Field(default=None, description="store trade source; default: the one "
                                     "covering most countries in current US$")
    reference: str | None = Field(default=None, description="reference importer; default USA")
    region: list[Annotated[str, Field()]] | None = Field(default=None, description="countries of the 'region' aggregate; default: all parties")

    @field_validator("reference")
    @classmethod
    def _ref(cls, v: str | None) -> str | None:
        return None if v is None else _iso3(v)

    @field_validator("region")
    @classmethod
    def _region(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [_iso3(c) for c in v]


class Scenario(_Strict):
    """A labour-mobility agreement between sending and receiving countries.

    Units: workers per year (persons), remittances in current US$ per migrant per year, wage gap as
    the ratio of destination to origin earnings (GDP per capita, PPP), shares in [0, 1].
    """

    name: str = Field(min_length=1)
    description: str = ""
    senders: list[str] = Field(min_length=1)
    receivers: list[str] = Field(min_length=1)
    instrument: Instrument
    workers_per_year: float = Field(ge=0.0, description="additional workers admitted per year, "
                                    "all sender-receiver pairs together")
    years_in_force: int = Field(ge=1, le=50)
    skill_mix: Share = Field(default=0.2, description="share of high-skilled among the additional workers")
    return_rate: Share = Field(default=0.0, description="share of the additional stock returning each year")
    irregular_reduction: Share = Field(default=0.0, description="reduction of the irregular migrant stock "
                                       "from enforcement co-operation (share, reached at the end)")
    irregular_share: Share = Field(default=0.1, description="irregular migrants as a share of the "
                                   "bilateral migrant stock (assumption: no store data)")
    remittance_per_migrant_usd: float | None = Field(default=None, ge=0.0, description="default: bilateral remittances / bilateral migrant stock")
    wage_gap_ratio: float | None = Field(default=None, gt=0.0, description="destination / origin earnings; default: GDP per capita PPP "
        "ratio (WDI NY.GDP.PCAP.PP.KD, else PWT rgdpe/pop)")
    allocation: dict[str, float] | None = Field(default=None, description="shares of workers by pair 'SND-RCV'; default: proportional to the "
        "bilateral migrant stock")
    trade_cost: TradeCost = Field(default_factory=TradeCost)
    revision: Literal["2024", "2020"] | None = Field(
        default=None, description="UN DESA migrant stock revision of the baseline stocks; "
        "default: the newest in the store (2024)")
    remittance_matrix: Literal["2021", "2017"] | None = Field(
        default=None, description="bilateral remittance matrix behind the default remittance "
        "per migrant (divided by the same revision's stock at the matrix year or the nearest "
        "earlier stock year); default: the newest in the store (2021)")

    @field_validator("revision", "remittance_matrix", mode="before")
    @classmethod
    def _year_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("trade_cost", mode="before")
    @classmethod
    def _trade_cost_shorthand(cls, v: Any) -> Any:
        if isinstance(v, str):
            if v not in TRADE_COST_BASES:
                raise ValueError(f"trade_cost {v!r} is not one of {list(TRADE_COST_BASES)} "
                                 "(or give a mapping of coefficients)")
            return {"basis": v}
        return v
    labour_market: LabourMarket = Field(default_factory=LabourMarket)
    ge: GESettings = Field(default_factory=GESettings)

    @field_validator("senders", "receivers")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        out = [_iso3(c) for c in v]
        if len(set(out)) != len(out):
            raise ValueError(f"duplicated countries in {out}")
        return out

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        both = set(self.senders) & set(self.receivers)
        if both:
            raise ValueError(f"countries both sender and receiver: {sorted(both)}")
        if self.allocation is not None:
            pairs = {f"{s}-{r}" for s in self.senders for r in self.receivers}
            bad = sorted(set(self.allocation) - pairs)
            if bad:
                raise ValueError(f"allocation keys {bad} are not sender-receiver pairs; allowed: "
                                 f"{sorted(pairs)}")
            if any(v < 0 for v in self.allocation.values()) or sum(self.allocation.values()) <= 0:
                raise ValueError("allocation shares must be >= 0 and sum to a positive number")
        return self

    @property
    def rta_share(self) -> float:
        """Share of the RTA effect applied (see :class:`TradeCost`)."""
        return self.trade_cost.rta_share

    @property
    def is_zero(self) -> bool:
        """True when the scenario changes nothing (no workers, no irregular reduction, no RTA)."""
        return self.workers_per_year == 0 and self.irregular_reduction == 0 and self.rta_share == 0


def _format_error(exc: ValidationError, origin: str) -> InvalidArgumentError:
    return _format_one(exc.errors()[0], origin)


def _format_one(err: Any, origin: str) -> InvalidArgumentError:
    loc = ".".join(str(p) for p in err["loc"]) or "(file)"
    msg = err["msg"]
    if not err["loc"] and isinstance(err.get("input"), dict):
        # a check across fields (Scenario._check): name the field it is about and quote its value
        field, _ = _problem_field(err)
        if field:
            return InvalidArgumentError(f"{origin}: {field}", err["input"].get(field),
                                        msg.removeprefix("Value error, "))
    if err["type"] == "extra_forbidden":
        allowed = _allowed_fields(err["loc"])
        return InvalidArgumentError(f"{origin}: field {loc}", err.get("input"),
                                    f"no such field; allowed fields here: {allowed}")
    if err["type"] == "literal_error":
        allowed_lit = {"instrument": INSTRUMENTS, "trade_cost.basis": TRADE_COST_BASES}
        return InvalidArgumentError(f"{origin}: {loc}", err.get("input"),
                                    allowed_lit.get(loc, msg))
    if err["type"] == "missing":
        return InvalidArgumentError(f"{origin}: {loc}", None, "a value (this field is required; "
                                    "see `labourlink scenario new`)")
    return InvalidArgumentError(f"{origin}: {loc}", err.get("input"), msg)


def _allowed_fields(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        ann = model.model_fields.get(str(part))
        if ann is None or not (isinstance(ann.annotation, type)
                               and issubclass(ann.annotation, BaseModel)):
            break
        model = ann.annotation
    return ", ".join(model.model_fields)


def parse_spec(data: dict[str, Any], origin: str = "scenario") -> Scenario:
    """Validate a scenario given as a mapping (e.g. parsed YAML)."""
    if not isinstance(data, dict):
        raise InvalidArgumentError(origin, type(data).__name__, "a YAML mapping of scenario fields")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_error(exc, origin) from None


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """One problem of a scenario mapping (what :func:`spec_problems` returns).

    ``field`` is the dotted path of the field (``"senders"``, ``"trade_cost.rta_share"``; ``""``
    for the file as a whole), ``index`` the position in a list field when one item is wrong, and
    ``message`` the text ``labourlink scenario run`` prints for it (without ``Error: ``).
    """

    field: str
    index: int | None
    message: str


def _problem_field(err: Any) -> tuple[str, int | None]:
    parts = [p for p in err["loc"] if not isinstance(p, int)]
    ints = [p for p in err["loc"] if isinstance(p, int)]
    if parts:
        return ".".join(str(p) for p in parts), (ints[0] if ints else None)
    # model-level checks of Scenario._check: name the field the message is about
    msg = str(err.get("msg", ""))
    if "both sender and receiver" in msg:
        return "receivers", None
    if "allocation" in msg:
        return "allocation", None
    return "", None


def spec_problems(data: Any, origin: str = "scenario") -> list[SpecProblem]:
    """Every problem of ``data`` as a scenario file; an empty list when it is valid.

    The first problem's message is exactly the one :func:`parse_spec` raises (and
    ``labourlink scenario run FILE`` prints when ``origin`` is the file's name); the others are
    formatted the same way, so an interface can show each next to its field.
    """
    if not isinstance(data, dict):
        return [SpecProblem("", None, str(InvalidArgumentError(
            origin, type(data).__name__, "a YAML mapping of scenario fields")))]
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        return [SpecProblem(*_problem_field(e), str(_format_one(e, origin))) for e in exc.errors()]
    return []


class _SpecDumper(yaml.SafeDumper):
    """Safe YAML dumper writing multi-line strings (descriptions) as ``|`` blocks."""


def _str_block(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.rstrip("\n") or value.endswith("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(str, _str_block)


def spec_to_yaml(spec: Scenario, header: str = "") -> str:
    """The scenario as a YAML file that :func:`load_spec` reads back to an equal ``Scenario``.

    Every field is written out (defaults included), except optional fields left to their data
    default (``None``); ``header`` lines are written first as ``#`` comments.
    """
    data = spec.model_dump(mode="json", exclude_none=True)
    body = yaml.dump(data, Dumper=_SpecDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=100)
    lines = [f"# {ln}".rstrip() for ln in header.splitlines()]
    return "\n".join(lines) + ("\n" if lines else "") + body


def load_spec(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    p = Path(path)
    if not p.is_file():
        raise InvalidArgumentError("scenario file", str(p), "an existing YAML file "
                                   "(`labourlink scenario new > my.yaml` writes a template)")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidArgumentError("scenario file", str(p), f"valid YAML ({exc})") from None
    return parse_spec(data, origin=p.name)


def template() -> str:
    """A commented YAML template (what ``labourlink scenario new`` prints)."""
    return TEMPLATE


TEMPLATE = """\
# labourlink labour-mobility scenario (validated on `labourlink scenario run`).
# Countries: ISO3 codes. Shares are in [0, 1]. Money in current US$.
name: my-scenario
description: >
  One sentence saying what the agreement does.
senders: [NPL, BGD]              # countries of origin of the additional workers
receivers: [KOR]                 # countries granting labour-market access
# one of: bilateral_labour_agreement, mou, trade_agreement_mnp, seasonal_scheme
instrument: mou
workers_per_year: 10000          # additional workers admitted per year, all pairs together
years_in_force: 5                # effects are reported at the end of this period
skill_mix: 0.2                   # share of high-skilled among the additional workers
return_rate: 0.1                 # share of the additional stock returning home each year
irregular_reduction: 0.0         # fall in the irregular stock from enforcement co-operation
irregular_share: 0.1             # irregular migrants / bilateral stock (assumption; no data)
# remittance_per_migrant_usd: 3000   # default: bilateral remittances (matrix) / bilateral stock
# revision: "2024"                   # UN DESA stock revision; default: the newest in the store
# remittance_matrix: "2021"          # bilateral remittance matrix; default: the newest (2021)
# wage_gap_ratio: 4.0                # default: GDP per capita PPP ratio receiver / sender
# allocation: {NPL-KOR: 0.6, BGD-KOR: 0.4}   # default: proportional to bilateral stocks
trade_cost:                      # or `trade_cost: literature` for the literature values
  basis: estimated               # default: log_mig and rta estimated on the store (linkages
                                 # model `structural + mig`, cached); or: literature
  # migration_elasticity: 0.15   # given values win (literature: Genc et al. 2012 meta-analysis)
  # migration_elasticity_se: 0.05  # (literature: an assumption, range of study means)
  # rta_effect: 0.557            # (literature: Yotov et al. 2016, PPML with pair fixed effects)
  # rta_effect_se: 0.102
  rta_share: 0.0                 # 1 if the agreement also creates a new RTA between the parties
labour_market:
  sigma_skill: 2.0               # between skill groups (Ottaviano & Peri 2012)
  sigma_native_migrant: 20.0     # natives vs migrants within a skill group (idem)
  capital_adjusts: true
  native_high_skill_share: 0.35  # assumption; set it for the receiver
ge:
  sigma: 7.0                     # Yotov et al. (2016) chapter 2
  # year: 2019                   # default: latest year with all parties in the trade data
  # reference: USA
"""
