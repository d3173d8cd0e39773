"""Labour-mobility agreement scenarios: the chain from admitted workers to an access/co-operation ledger.

For each sender-receiver pair ``(s, r)`` and year ``t = 1..T`` (``years_in_force``):

1. **Migrant stock path.** Additional regular stock ``A_t = A_(t-1) (1 - return_rate) + w``, with
   ``w`` the pair's workers per year (``workers_per_year`` split by ``allocation``, default
   proportional to the bilateral stock ``M``). The irregular stock ``I = irregular_share x M``
   falls linearly to ``(1 - irregular_reduction) I`` by year ``T``. Net change ``D = A_T + dI_T``.
2. **Trade costs.** In both directions, ``d ln t^(1-sigma) = e ln(1 + D / M) + rta_share x b_RTA``
   with ``e`` the migration-trade elasticity and ``b_RTA`` the RTA coefficient (log points of the
   gravity cost term; ``M`` floored at 1 person).
3. **GE trade effects** (:func:`labourlink.scenarios.ge.solve`, exact full-endowment equilibrium,
   pair-calibrated baseline ``t_ij^(1-sigma) = X_ij`` so the baseline reproduces observed trade):
   exports, imports and real GDP of every country, third countries included.
4. **Remittances** to the sender: ``D x`` remittance per migrant (default: bilateral remittances /
   bilateral stock), a receipt for the sender and a payment for the receiver.
5. **Income gains of movers** (PPP $ per year): ``A_T x (gap - 1) x`` sender GDP per capita PPP,
   ``gap`` = receiver / sender GDP per capita PPP unless ``wage_gap_ratio`` is given (an upper
   bound of earnings gains; Clemens, Montenegro & Pritchett 2019 measure place premia this way).
6. **Real GDP / welfare** of senders, receivers, the region (GDP-weighted) and third countries from
   the GE trade channel.
7. **Receiving country's concerns**: change in the irregular stock, and native wages by skill group
   from a two-level CES labour demand (skills with elasticity ``sigma_skill``; natives and migrants
   within a skill with ``sigma_native_migrant``; capital adjusting, or fixed with Cobb-Douglas share
   ``capital_share``): ``dln w_N,k = dln MPL + (dln L - dln L_k)/sigma_skill + dln L_k /
   sigma_native_migrant``, ``dln L_k = dM_k / (N_k + M_k)`` (equal wages within a group), irregular
   migrants counted as low-skilled.
8. An **access versus co-operation ledger** of what each side gives and gets.

Uncertainty: Monte Carlo over the two trade-cost coefficients (joint normal draws with the
estimated covariance matrix of the linkages model when both come from it, independent normal
draws with their standard errors otherwise; default 500 draws), 90 % intervals from the 5th and
95th percentiles. The
coefficients default to the linkages models' estimates on the store (see
:mod:`labourlink.scenarios.coefficients`); the notes of the result state which were used.
Remittances and income gains do not depend on those coefficients, so their intervals are points.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError
from labourlink.scenarios.coefficients import TradeCostCoefficients, resolve_trade_cost
from labourlink.scenarios.ge import GEConfig, GEProblem, _solve_exact
from labourlink.scenarios.inputs import ScenarioData
from labourlink.scenarios.spec import Scenario

__all__ = ["DEFAULT_DRAWS", "MobilityResult", "run_scenario"]

DEFAULT_DRAWS = 500
OUTPUT_FIELDS = ("delta_exports_usd", "delta_imports_usd", "delta_real_gdp_pct",
                 "delta_remittances_usd")
REFERENCE_CANDIDATES = ("USA", "DEU", "JPN", "CHN")


@dataclass(frozen=True)
class _Pairs:
    senders: tuple[str, ...]
    receivers: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    workers: np.ndarray  # per pair per year
    stock0: np.ndarray  # bilateral stock M (persons)
    path_regular: np.ndarray  # (T, pairs) additional regular stock by year
    path_irregular: np.ndarray  # (T, pairs) change of irregular stock by year
    rpm: np.ndarray  # remittance per migrant, US$ per year
    gap: np.ndarray  # wage gap ratio


def _pairs(spec: Scenario, data: ScenarioData, notes: list[str]) -> _Pairs:
    pairs = tuple((s, r) for s in spec.senders for r in spec.receivers)
    m0 = np.array([data.stock.get(p, 0.0) for p in pairs])
    if spec.allocation is not None:
        a = np.array([spec.allocation.get(f"{s}-{r}", 0.0) for s, r in pairs])
    elif m0.sum() > 0:
        a = m0.copy()
    else:
        a = np.ones(len(pairs))
    a = a / a.sum()
    w = spec.workers_per_year * a
    t_years = spec.years_in_force
    reg = np.zeros((t_years, len(pairs)))
    acc = np.zeros(len(pairs))
    for t in range(t_years):
        acc = acc * (1.0 - spec.return_rate) + w
        reg[t] = acc
    irr0 = spec.irregular_share * m0
    steps = (np.arange(1, t_years + 1) / t_years)[:, None]
    irr = -spec.irregular_reduction * irr0[None, :] * steps
    rpm = np.full(len(pairs), np.nan)
    gap = np.ones(len(pairs))
    for k, (s, r) in enumerate(pairs):
        if spec.remittance_per_migrant_usd is not None:
            rpm[k] = spec.remittance_per_migrant_usd
        elif data.remittance_stock.get((s, r), 0.0) > 0 and (s, r) in data.remittances:
            # the matrix over the same revision's stock at (or just before) the matrix year
            rpm[k] = data.remittances[(s, r)] / data.remittance_stock[(s, r)]
    have = np.isfinite(rpm)
    if not have.all():
        if have.any():
            # stock-weighted mean over the scenario's pairs that have both numbers
            wts = np.where(have, m0, 0.0)
            fill = float(np.average(rpm[have], weights=wts[have])) if wts.sum() > 0 else float(
                rpm[have].mean())
            rpm[~have] = fill
            fills = [f"{s}-{r}" for (s, r), h in zip(pairs, have, strict=True) if not h]
            notes.append(f"remittance per migrant of {', '.join(fills)}: no bilateral data, "
                         f"mean of the other pairs used ({fill:,.0f} US$)")
        elif spec.workers_per_year > 0 or spec.irregular_reduction > 0:
            raise InvalidArgumentError(
                "remittance_per_migrant_usd", None,
                "a number (US$ per migrant per year): the store has no bilateral remittances "
                f"and stocks for any of the pairs {['-'.join(p) for p in pairs]}")
        else:
            rpm[:] = 0.0
    for k, (s, r) in enumerate(pairs):
        if spec.wage_gap_ratio is not None:
            gap[k] = spec.wage_gap_ratio
        elif s in data.gdp_pc_ppp and r in data.gdp_pc_ppp:
            gap[k] = data.gdp_pc_ppp[r] / data.gdp_pc_ppp[s]
        elif spec.workers_per_year > 0:
            raise InvalidArgumentError(
                "wage_gap_ratio", None,
                f"a positive ratio: the store has no GDP per capita PPP for {s} or {r}")
    return _Pairs(tuple(spec.senders), tuple(spec.receivers), pairs, w, m0, reg, irr, rpm, gap)


def _delta_ln_t(spec: Scenario, pr: _Pairs, pos: dict[str, int], n: int, elasticity: float,
                rta: float) -> np.ndarray:
    d = np.zeros((n, n))
    net = pr.path_regular[-1] + pr.path_irregular[-1]
    change = elasticity * np.log1p(net / np.maximum(pr.stock0, 1.0)) + spec.rta_share * rta
    for k, (s, r) in enumerate(pr.pairs):
        d[pos[s], pos[r]] = change[k]
        d[pos[r], pos[s]] = change[k]
    return d


@dataclass(frozen=True)
class _GEOut:
    exports: np.ndarray
    imports: np.ndarray
    real_gdp_pct: np.ndarray
    real_gdp_bln: np.ndarray
    real_gdp_full: np.ndarray


def _ge(prob: GEProblem, cfg: GEConfig, ref: int, base_mr: tuple[np.ndarray, np.ndarray],
        start: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[_GEOut, tuple[np.ndarray,
                                                                                np.ndarray]]:
    sol = _solve_exact(prob, cfg, ref, base_mr, start=start, conditional=False)
    pw = 1.0 / (1.0 - cfg.sigma)
    ex0 = sol.x_bln.sum(1) - np.diag(sol.x_bln)
    im0 = sol.x_bln.sum(0) - np.diag(sol.x_bln)
    ex1 = sol.x_full.sum(1) - np.diag(sol.x_full)
    im1 = sol.x_full.sum(0) - np.diag(sol.x_full)
    y0 = prob.trade.sum(1)
    rg0 = y0 / sol.imr_bln ** pw
    rg1 = sol.y_full / sol.imr_full ** pw
    return (_GEOut(ex1 - ex0, im1 - im0, (rg1 / rg0 - 1.0) * 100.0, rg0, rg1),
            (sol.imr_full, sol.price))


def _labour_market(spec: Scenario, data: ScenarioData, pr: _Pairs) -> pd.DataFrame:
    lm = spec.labour_market
    rows = []
    for r in pr.receivers:
        idx = [k for k, (_, rr) in enumerate(pr.pairs) if rr == r]
        reg = float(pr.path_regular[-1, idx].sum())
        irr = float(pr.path_irregular[-1, idx].sum())
        emp = data.employment.get(r)
        if emp is None or emp <= 0:
            rows.append({"country": r, "native_wage_high_pct": np.nan,
                         "native_wage_low_pct": np.nan, "note": "no employment (PWT.emp) in store"})
            continue
        if lm.migrant_share_of_employment is not None:
            m_share = lm.migrant_share_of_employment
        else:
            m_share = min(data.immigrants.get(r, 0.0) / emp, 0.9)
        h = lm.native_high_skill_share
        n_k = np.array([emp * (1 - m_share) * h, emp * (1 - m_share) * (1 - h)])
        m_k = np.array([emp * m_share * h, emp * m_share * (1 - h)])
        dm = np.array([spec.skill_mix * reg, (1 - spec.skill_mix) * reg + irr])
        dln_lk = dm / (n_k + m_k)
        s_k = (n_k + m_k) / (n_k + m_k).sum()
        dln_l = float((s_k * dln_lk).sum())
        dln_mpl = 0.0 if lm.capital_adjusts else -lm.capital_share * dln_l
        w = dln_mpl + (dln_l - dln_lk) / lm.sigma_skill + dln_lk / lm.sigma_native_migrant
        rows.append({"country": r, "native_wage_high_pct": float(np.expm1(w[0]) * 100),
                     "native_wage_low_pct": float(np.expm1(w[1]) * 100),
                     "note": f"employment {emp:,.0f}, migrant share {m_share:.3f}"})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class MobilityResult:
    """Result of :func:`run_scenario`. ``tidy()`` is the one source of every number.

    ``countries()`` gives the JSON-ready per-country outputs; ``ledger()`` the access versus
    co-operation ledger; ``stock_path()`` the migrant stock by pair and year. ``trade_cost``:
    the trade-cost coefficients used and their origin (also in ``notes``).
    """

    spec: Scenario
    draws: int
    countries_: tuple[str, ...]
    point: dict[str, np.ndarray]
    low: dict[str, np.ndarray] | None
    high: dict[str, np.ndarray] | None
    stock_path_: pd.DataFrame
    labour: pd.DataFrame
    movers_income_ppp: dict[str, float]
    region_real_gdp_pct: float
    region: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    trade_cost: TradeCostCoefficients | None = None
    revision: str | None = None
    remittance_matrix: str | None = None

    @cached_property
    def _tidy(self) -> pd.DataFrame:
        n = len(self.countries_)
        keys = [(stat, m) for stat, dct in (("point", self.point), ("low", self.low),
                                            ("high", self.high)) if dct is not None
                for m in OUTPUT_FIELDS]
        src = {"point": self.point, "low": self.low, "high": self.high}
        return pd.DataFrame({
            "country": np.tile(np.array(self.countries_, dtype=object), len(keys)),
            "measure": np.repeat([m for _, m in keys], n),
            "stat": np.repeat([s for s, _ in keys], n),
            "value": np.concatenate([src[s][m] for s, m in keys]),  # type: ignore[index]
        })

    def tidy(self) -> pd.DataFrame:
        """Long table: country, measure (the four output fields), stat (point/low/high), value."""
        return self._tidy.copy()

    def to_frame(self) -> pd.DataFrame:
        """One row per country: the output fields and, with draws, ``_low``/``_high``."""
        td = self._tidy
        n = len(self.countries_)
        stats = ["point", "low", "high"] if self.low is not None else ["point"]
        # tidy rows are ordered stat > measure > country (see _tidy)
        vals = td["value"].to_numpy().reshape(len(stats), len(OUTPUT_FIELDS), n)
        cols: dict[str, np.ndarray] = {}
        for k, m in enumerate(OUTPUT_FIELDS):
            cols[m] = vals[0, k]
            if len(stats) == 3:
                cols[f"{m}_low"] = vals[1, k]
                cols[f"{m}_high"] = vals[2, k]
        return pd.DataFrame(cols, index=pd.Index(self.countries_, name="country"))

    def to_json_dict(self, countries: str = "all") -> dict[str, Any]:
        """``{"scenario", "draws", "countries": {ISO3: {field: value, ...}}, "revision",
        "remittance_matrix"}`` (the CLI's JSON); ``revision`` is the UN DESA revision of the
        stocks, ``remittance_matrix`` the edition of the bilateral remittance matrix.

        ``countries="parties"`` keeps senders and receivers only; ``"all"`` every GE country.
        """
        f = self.to_frame()
        if countries == "parties":
            f = f.loc[[c for c in f.index if c in set(self.spec.senders) | set(self.spec.receivers)]]
        cdict = {c: {k: float(v) for k, v in row.items()} for c, row in f.iterrows()}
        return {"scenario": self.spec.name, "draws": int(self.draws), "countries": cdict,
                "revision": self.revision, "remittance_matrix": self.remittance_matrix}

    def to_json(self, countries: str = "all") -> str:
        """JSON text of :meth:`to_json_dict`."""
        return json.dumps(self.to_json_dict(countries), indent=2, sort_keys=False)

    def stock_path(self) -> pd.DataFrame:
        """Additional regular stock, irregular stock change and net change by pair and year (persons)."""
        return self.stock_path_.copy()

    def ledger(self) -> pd.DataFrame:
        """Access versus co-operation: side, country, gives/gets, item, value, unit."""
        f = self.to_frame()
        sp = self.stock_path_
        last = sp[sp["year"] == sp["year"].max()]
        rows: list[dict[str, Any]] = []
        for r in self.spec.receivers:
            sub = last[last["receiver"] == r]
            lab = self.labour.set_index("country").loc[r] if r in set(self.labour["country"]) else None
            rows += [
                {"side": "receiver", "country": r, "flow": "gives", "item": "labour-market access: "
                 "additional workers in stock at the end", "value": sub["regular_stock"].sum(),
                 "unit": "persons"},
                {"side": "receiver", "country": r, "flow": "gives", "item": "remittances paid "
                 "abroad by the additional migrants", "value": -f.loc[r, "delta_remittances_usd"],
                 "unit": "US$ per year"},
                {"side": "receiver", "country": r, "flow": "gets", "item": "change in the "
                 "irregular migrant stock", "value": sub["irregular_change"].sum(),
                 "unit": "persons"},
                {"side": "receiver", "country": r, "flow": "gets", "item": "real GDP (trade "
                 "channel)", "value": f.loc[r, "delta_real_gdp_pct"], "unit": "%"},
                {"side": "receiver", "country": r, "flow": "gets", "item": "exports",
                 "value": f.loc[r, "delta_exports_usd"], "unit": "US$"},
            ]
            if lab is not None:
                rows += [{"side": "receiver", "country": r, "flow": "gets",
                          "item": f"native wages, {k}-skilled", "value": lab[f"native_wage_{k}_pct"],
                          "unit": "%"} for k in ("high", "low")]
        for s in self.spec.senders:
            sub = last[last["sender"] == s]
            rows += [
                {"side": "sender", "country": s, "flow": "gives", "item": "co-operation on return: "
                 "annual return rate of the additional workers", "value": self.spec.return_rate,
                 "unit": "share per year"},
                {"side": "sender", "country": s, "flow": "gives", "item": "enforcement "
                 "co-operation: fall in the irregular stock abroad",
                 "value": -sub["irregular_change"].sum(), "unit": "persons"},
                {"side": "sender", "country": s, "flow": "gets", "item": "workers placed abroad "
                 "(stock at the end)", "value": sub["regular_stock"].sum(), "unit": "persons"},
                {"side": "sender", "country": s, "flow": "gets", "item": "remittances received",
                 "value": f.loc[s, "delta_remittances_usd"], "unit": "US$ per year"},
                {"side": "sender", "country": s, "flow": "gets", "item": "income gains of movers",
                 "value": self.movers_income_ppp.get(s, 0.0), "unit": "PPP $ per year"},
                {"side": "sender", "country": s, "flow": "gets", "item": "real GDP (trade channel)",
                 "value": f.loc[s, "delta_real_gdp_pct"], "unit": "%"},
                {"side": "sender", "country": s, "flow": "gets", "item": "exports",
                 "value": f.loc[s, "delta_exports_usd"], "unit": "US$"},
            ]
        rows.append({"side": "region", "country": "+".join(self.region), "flow": "gets",
                     "item": "real GDP (trade channel, GDP-weighted)",
                     "value": self.region_real_gdp_pct, "unit": "%"})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Text summary: the parties' outputs, the ledger and the notes on data and defaults."""
        f = self.to_frame()
        parties = [c for c in (*self.spec.senders, *self.spec.receivers)]
        lines = [f"Scenario {self.spec.name!r} ({self.spec.instrument}), {self.spec.years_in_force} "
                 f"years, {self.spec.workers_per_year:,.0f} workers/year; draws={self.draws}"]
        with pd.option_context("display.width", 160, "display.max_columns", 20,
                               "display.float_format", "{:,.4g}".format):
            lines.append(f.loc[parties].to_string())
            lines.append("")
            lines.append("Access versus co-operation ledger")
            lines.append(self.ledger().to_string(index=False))
        lines.append("")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def run_scenario(spec: Scenario, data: ScenarioData, draws: int = DEFAULT_DRAWS,
                 seed: int = 0) -> MobilityResult:
    """Run the scenario chain on store inputs, with ``draws`` Monte Carlo draws of the coefficients.

    Parameters
    ----------
    spec
        Validated scenario (:func:`labourlink.scenarios.spec.load_spec`).
    data
        Store inputs (:func:`labourlink.scenarios.inputs.load_inputs`).
    draws
        Number of Monte Carlo draws (0: point estimate only). Default 500.
    seed
        Seed of the random generator (results are reproducible).

    Returns
    -------
    MobilityResult
    """
    if draws < 0:
        raise InvalidArgumentError("draws", draws, "an integer >= 0")
    missing = sorted((set(spec.senders) | set(spec.receivers)) - set(data.countries))
    if missing:
        raise InvalidArgumentError("senders/receivers", missing,
                                   f"countries in the baseline trade data ({len(data.countries)})")
    countries = data.countries
    n = len(countries)
    pos = {c: k for k, c in enumerate(countries)}
    ref_code = spec.ge.reference or next((c for c in REFERENCE_CANDIDATES if c in pos), None)
    if ref_code is None:
        ref_code = countries[int(np.argmax(data.trade.sum(0)))]
    if ref_code not in pos:
        raise InvalidArgumentError("ge.reference", ref_code, "a country of the baseline trade data")
    ref = pos[ref_code]
    cfg = GEConfig(sigma=spec.ge.sigma, reference=ref_code, tol=1e-10)
    notes = list(data.notes)
    pr = _pairs(spec, data, notes)
    x = data.trade
    with np.errstate(divide="ignore"):
        ln_t = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf)
    y, e = x.sum(1), x.sum(0)
    # pair-calibrated baseline (t = X): the fit is exact with unit fixed effects, so the baseline
    # resistances are OMR_i = Y_i E_ref and IMR_j = E_j / E_ref (checked against the solver in tests)
    base_mr = (y * e[ref], e / e[ref])
    # pairs with no baseline trade stay at zero (no t to shift): drop them from the shock
    def problem(eps: float, rta: float) -> GEProblem:
        d = _delta_ln_t(spec, pr, pos, n, eps, rta)
        d[~np.isfinite(ln_t)] = 0.0
        return GEProblem(countries, x, ln_t, d)

    no_trade = [f"{s}->{r}" for s in spec.senders for r in spec.receivers
                if x[pos[s], pos[r]] <= 0] + [f"{r}->{s}" for s in spec.senders
                                              for r in spec.receivers if x[pos[r], pos[s]] <= 0]
    if no_trade:
        notes.append(f"no baseline trade recorded for {', '.join(no_trade)} in {data.trade_source} "
                     f"{data.year}: no trade-cost effect on these flows")
    tc = resolve_trade_cost(spec, data.coefficients)
    notes.append(tc.note)
    point_ge, warm = _ge(problem(tc.migration_elasticity, tc.rta_effect), cfg, ref, base_mr)
    remit = np.zeros(n)
    net_end = pr.path_regular[-1] + pr.path_irregular[-1]
    movers: dict[str, float] = {}
    for k, (s, r) in enumerate(pr.pairs):
        amount = net_end[k] * pr.rpm[k]
        remit[pos[s]] += amount
        remit[pos[r]] -= amount
        gdp_pc_s = data.gdp_pc_ppp.get(s, np.nan)
        movers[s] = movers.get(s, 0.0) + float(pr.path_regular[-1, k] * (pr.gap[k] - 1) * gdp_pc_s)
    point = {"delta_exports_usd": point_ge.exports, "delta_imports_usd": point_ge.imports,
             "delta_real_gdp_pct": point_ge.real_gdp_pct, "delta_remittances_usd": remit}
    region = tuple(spec.ge.region or (*spec.senders, *spec.receivers))
    ridx = [pos[c] for c in region if c in pos]
    region_pct = float((point_ge.real_gdp_full[ridx].sum() / point_ge.real_gdp_bln[ridx].sum() - 1)
                       * 100)
    low = high = None
    if draws > 0:
        rng = np.random.default_rng(seed)
        eps, rta = tc.draw(draws, rng)
        sims = {m: np.empty((draws, n)) for m in OUTPUT_FIELDS}
        for k in range(draws):
            g, _ = _ge(problem(float(eps[k]), float(rta[k])), cfg, ref, base_mr, warm)
            sims["delta_exports_usd"][k] = g.exports
            sims["delta_imports_usd"][k] = g.imports
            sims["delta_real_gdp_pct"][k] = g.real_gdp_pct
            sims["delta_remittances_usd"][k] = remit
        low = {m: np.percentile(v, 5, axis=0) for m, v in sims.items()}
        high = {m: np.percentile(v, 95, axis=0) for m, v in sims.items()}
    years = np.arange(1, spec.years_in_force + 1)
    sp = pd.DataFrame([
        {"sender": s, "receiver": r, "year": int(t), "workers_admitted": float(pr.workers[k]),
         "regular_stock": float(pr.path_regular[i, k]),
         "irregular_change": float(pr.path_irregular[i, k]),
         "net_change": float(pr.path_regular[i, k] + pr.path_irregular[i, k]),
         "baseline_stock": float(pr.stock0[k])}
        for k, (s, r) in enumerate(pr.pairs) for i, t in enumerate(years)])
    notes.append(f"GE: exact full-endowment equilibrium, sigma={spec.ge.sigma:g}, reference "
                 f"importer {ref_code}; effects at the end of year {spec.years_in_force}")
    notes.append("delta_remittances_usd: change in net remittance receipts (senders +, receivers -)")
    return MobilityResult(spec, draws, countries, point, low, high, sp,
                          _labour_market(spec, data, pr), movers, region_pct, region, tuple(notes),
                          tc, data.revision, data.remittance_matrix)
