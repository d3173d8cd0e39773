"""The agreement designer: every field of a scenario file, with its meaning, unit and basis.

:data:`FIELDS` lists each field of :class:`labourlink.scenarios.spec.Scenario` (dotted paths for
the nested ``trade_cost``, ``labour_market`` and ``ge`` sections) plus the run options ``draws``
and ``seed``. ``basis`` says where the default comes from:

``data``
    computed from the store when left empty (e.g. remittances per migrant = bilateral remittances
    / bilateral stock);
``assumption``
    a value assumed for want of data (e.g. the irregular share of the stock);
``literature``
    a published estimate (e.g. elasticities of Ottaviano & Peri 2012, Yotov et al. 2016);
``choice``
    a lever of the agreement itself (who moves, how many, return co-operation).

A test checks that :data:`FIELDS` covers exactly the fields of the ``Scenario`` model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Basis = Literal["data", "assumption", "literature", "choice"]
Kind = Literal["text", "optional_text", "longtext", "codes", "optional_codes", "select", "int",
               "float", "share", "bool", "allocation", "optional_float", "optional_share",
               "optional_int", "optional_code", "optional_select"]

BASIS_LABELS: dict[str, str] = {
    "data": "default from the store's data",
    "assumption": "default is an assumption",
    "literature": "default from the literature",
    "choice": "a choice of the agreement",
}


@dataclass(frozen=True, slots=True)
class DesignField:
    """One field of the designer form."""

    path: str
    label: str
    meaning: str
    unit: str
    basis: Basis
    kind: Kind
    group: str
    default_note: str = ""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    options: tuple[str, ...] = ()

    @property
    def html_id(self) -> str:
        """Id of the form control (``f-`` + path with dots as dashes)."""
        return "f-" + self.path.replace(".", "-").replace("_", "-")

    def to_json(self) -> dict[str, Any]:
        """The field as a JSON-able dict (with ``id`` and ``basis_label``)."""
        out = asdict(self)
        out["options"] = list(self.options)
        out["id"] = self.html_id
        out["basis_label"] = BASIS_LABELS[self.basis]
        return out


GROUPS: tuple[tuple[str, str], ...] = (
    ("parties", "The parties"),
    ("access", "Access: what receiving countries open"),
    ("cooperation", "Co-operation: what sending countries do"),
    ("money", "Remittances and earnings"),
    ("trade", "Trade"),
    ("labour", "Labour market of the receiving countries"),
    ("ge", "General equilibrium"),
    ("run", "Run"),
)


def _fields() -> tuple[DesignField, ...]:
    from labourlink.report.mobility import MAX_MOBILITY_DRAWS
    from labourlink.scenarios.spec import INSTRUMENTS, TRADE_COST_BASES

    F = DesignField
    return (
        F("name", "Scenario name", "Name of the design; also the name of the downloaded file.",
          "text", "choice", "text", "parties"),
        F("description", "Description", "One or two sentences saying what the agreement does "
          "(reported with the results).", "text", "choice", "longtext", "parties"),
        F("senders", "Sending countries", "Countries of origin of the additional workers; they "
          "co-operate on return, readmission and irregular migration.", "ISO3 codes", "choice",
          "codes", "parties"),
        F("receivers", "Receiving countries", "Countries that open their labour market to the "
          "senders' workers.", "ISO3 codes", "choice", "codes", "parties"),
        F("instrument", "Instrument", "Legal form of the agreement (reported with the results; "
          "it does not change the numbers).", "category", "choice", "select", "parties",
          options=INSTRUMENTS),
        F("workers_per_year", "Workers per year", "Additional workers admitted each year, all "
          "sender-receiver pairs together.", "persons per year", "choice", "float", "access",
          minimum=0, step=100),
        F("allocation", "Allocation of the workers", "Share of the workers going to each "
          "sender-receiver pair (normalised to sum to 1).", "shares by pair", "data",
          "allocation", "access", "empty: proportional to the bilateral migrant stock "
          "(UN DESA, in the store)"),
        F("years_in_force", "Years in force", "Years the agreement runs; effects are reported at "
          "the end of the last year.", "years", "choice", "int", "access", minimum=1,
          maximum=50, step=1),
        F("skill_mix", "Skill mix", "Share of high-skilled workers among the additional workers.",
          "share (0-1)", "choice", "share", "access", minimum=0, maximum=1, step=0.05),
        F("return_rate", "Return rate", "Share of the additional workers abroad who return home "
          "each year (the senders' co-operation on return).", "share per year (0-1)", "choice",
          "share", "cooperation", minimum=0, maximum=1, step=0.05),
        F("irregular_share", "Irregular share", "Irregular migrants as a share of the bilateral "
          "migrant stock before the agreement.", "share (0-1)", "assumption", "share",
          "cooperation", "the store has no data on irregular migrants", minimum=0, maximum=1,
          step=0.01),
        F("irregular_reduction", "Irregular reduction", "Fall of the irregular stock reached by "
          "the end thanks to enforcement co-operation.", "share (0-1)", "choice", "share",
          "cooperation", minimum=0, maximum=1, step=0.05),
        F("remittance_per_migrant_usd", "Remittances per migrant", "Money each additional "
          "migrant sends home per year.", "US$ per migrant per year", "data", "optional_float",
          "money", "empty: bilateral remittances (World Bank matrix) / bilateral stock "
          "(UN DESA)", minimum=0, step=100),
        F("wage_gap_ratio", "Wage gap", "Earnings in the receiving country over earnings at "
          "home (movers' income gains).", "ratio", "data", "optional_float", "money",
          "empty: ratio of GDP per capita, PPP (WDI NY.GDP.PCAP.PP.KD, else Penn World Table)",
          minimum=0, step=0.1),
        F("trade_cost.rta_share", "Trade-agreement share", "Share of the effect of a regional "
          "trade agreement that the deal brings to each sender-receiver pair (1: it comes with "
          "a new trade agreement).", "share (0-1)", "choice", "share", "trade", minimum=0,
          maximum=1, step=0.1),
        F("trade_cost.basis", "Coefficients", "Where the trade-cost coefficients left empty "
          "come from: estimated on the store by the linkages model, or literature values.",
          "category", "data", "select", "trade", "estimated: PPML on the store's trade data "
          "(cached per store); literature: Genc et al. 2012, Yotov et al. 2016",
          options=TRADE_COST_BASES),
        F("trade_cost.migration_elasticity", "Migration-trade elasticity", "Elasticity of "
          "bilateral trade to the bilateral migrant stock.", "elasticity", "data",
          "optional_float", "trade", "empty: the coefficients' basis (estimated, or 0.15 from "
          "the literature)", step=0.01),
        F("trade_cost.migration_elasticity_se", "Its standard error", "Standard error of the "
          "elasticity, for the Monte Carlo draws.", "elasticity", "data", "optional_float",
          "trade", "empty: the coefficients' basis (estimated, or 0.05 assumed)", minimum=0,
          step=0.01),
        F("trade_cost.rta_effect", "Trade-agreement effect", "PPML coefficient of a regional "
          "trade agreement on trade.", "log points", "data", "optional_float", "trade",
          "empty: the coefficients' basis (estimated, or 0.557 from Yotov et al. 2016)",
          step=0.01),
        F("trade_cost.rta_effect_se", "Its standard error", "Standard error of the trade-"
          "agreement effect, for the draws.", "log points", "data", "optional_float", "trade",
          "empty: the coefficients' basis (estimated, or 0.102)", minimum=0, step=0.01),
        F("trade_cost.source", "Source of given coefficients", "Where coefficients typed here "
          "come from (free text, reported with the results).", "text", "choice",
          "optional_text", "trade", "empty: nothing reported"),
        F("labour_market.sigma_skill", "Substitution between skills", "Elasticity of "
          "substitution between high- and low-skilled workers.", "elasticity", "literature",
          "float", "labour", "2.0: Ottaviano & Peri 2012 (Katz & Murphy 1992 estimate 1.4)",
          minimum=0, step=0.1),
        F("labour_market.sigma_native_migrant", "Substitution natives-migrants", "Elasticity of "
          "substitution between natives and migrants of the same skill.", "elasticity",
          "literature", "float", "labour", "20: Ottaviano & Peri 2012", minimum=0, step=1),
        F("labour_market.capital_adjusts", "Capital adjusts", "Long run: capital adjusts to the "
          "larger workforce (no average wage effect); unticked: capital fixed (short run).",
          "yes/no", "assumption", "bool", "labour"),
        F("labour_market.capital_share", "Capital share", "Capital's share of income, used when "
          "capital is fixed.", "share (0-1)", "literature", "share", "labour",
          "0.33, the usual value", minimum=0, maximum=1, step=0.01),
        F("labour_market.native_high_skill_share", "Native high-skilled share", "Share of "
          "high-skilled workers among native workers of the receiving countries.",
          "share (0-1)", "assumption", "share", "labour", "0.35 unless the example sets it",
          minimum=0, maximum=1, step=0.01),
        F("labour_market.migrant_share_of_employment", "Migrant share of employment",
          "Migrants' share of employment before the agreement.", "share (0-1)", "data",
          "optional_share", "labour", "empty: immigrant stock (UN DESA) / persons engaged "
          "(Penn World Table)", minimum=0, maximum=1, step=0.01),
        F("revision", "Migrant stock revision", "UN DESA International Migrant Stock revision "
          "of the baseline stocks (and of the stocks behind remittances per migrant).",
          "revision", "data", "optional_select", "ge", "empty: the page's revision (the newest "
          "in the store, 2024, unless the page asks for another)", options=("2024", "2020")),
        F("remittance_matrix", "Remittance matrix", "Edition of the World Bank/KNOMAD bilateral "
          "remittance matrix behind the default remittances per migrant.", "edition", "data",
          "optional_select", "money", "empty: the newest in the store (2021)",
          options=("2021", "2017")),
        F("ge.sigma", "Trade elasticity (sigma)", "Elasticity of substitution between goods "
          "from different countries.", "elasticity (> 1)", "literature", "float", "ge",
          "7: Yotov et al. 2016, chapter 2", minimum=1.01, step=0.5),
        F("ge.year", "Baseline trade year", "Year of the trade data the equilibrium starts "
          "from.", "year", "data", "optional_int", "ge", "empty: latest well-covered year "
          "with every party in the trade data", minimum=1950, maximum=2100, step=1),
        F("ge.trade_source", "Trade source", "Store trade source of the baseline.",
          "source id", "data", "optional_text", "ge", "empty: the source covering most countries"),
        F("ge.reference", "Reference importer", "Country whose price index is the numeraire.",
          "ISO3 code", "data", "optional_code", "ge", "empty: USA (else DEU, JPN, CHN)"),
        F("ge.region", "Region", "Countries of the 'region' aggregate of the ledger.",
          "ISO3 codes", "choice", "optional_codes", "ge", "empty: all parties"),
        F("draws", "Draws", "Monte Carlo draws of the trade-cost coefficients for the 90% "
          "intervals (0: point estimate only).", f"draws (0-{MAX_MOBILITY_DRAWS})", "choice",
          "int", "run", "20 here; the command line's default is 500", minimum=0,
          maximum=MAX_MOBILITY_DRAWS, step=1),
        F("seed", "Seed", "Seed of the random draws (same seed, same numbers).", "integer",
          "choice", "int", "run", minimum=0, maximum=2**31 - 1, step=1),
    )


FIELDS: tuple[DesignField, ...] = _fields()
RUN_OPTIONS: tuple[str, ...] = ("draws", "seed")
DEFAULT_DRAWS = 20


def grouped_fields() -> list[tuple[str, str, list[DesignField]]]:
    """``(group id, title, fields)`` in form order."""
    return [(g, title, [f for f in FIELDS if f.group == g]) for g, title in GROUPS]


def scenario_paths() -> list[str]:
    """Dotted paths of every field of the ``Scenario`` model (nested sections expanded)."""
    from pydantic import BaseModel

    from labourlink.scenarios.spec import Scenario

    out: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            ann = info.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, f"{prefix}{name}.")
            else:
                out.append(prefix + name)

    walk(Scenario, "")
    return out


def template_spec() -> dict[str, Any]:
    """The scenario of ``labourlink scenario new`` (the template), validated, as JSON."""
    import yaml

    from labourlink.scenarios.spec import parse_spec, template

    return parse_spec(yaml.safe_load(template()), origin="template").model_dump(mode="json")


def starting_points() -> list[dict[str, Any]]:
    """The template and every shipped example, each with its full validated spec."""
    from labourlink.report.mobility import examples
    from labourlink.scenarios.spec import load_spec

    out = [{"example": "template", "title": "Blank template (labourlink scenario new)",
            "spec": template_spec()}]
    for stem, path in examples().items():
        spec = load_spec(path)
        out.append({"example": stem, "title": f"{spec.name}: {spec.description.strip()}",
                    "spec": spec.model_dump(mode="json")})
    return out
