"""Read-only results of the flow estimators; ``tidy()`` is the one table behind every number."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError
from labourlink.flows.spec import (
    ACCOUNTING_METHODS,
    CLOSED_METHODS,
    OTHER_ORIGIN,
    FlowParams,
    parse_period,
)

#: Columns of :meth:`FlowEstimate.tidy` (the contract of ``labourlink flows estimate``).
TIDY_COLUMNS = ("origin", "destination", "period_start", "period_end", "method", "revision", "flow")


@dataclass(frozen=True, slots=True)
class PeriodEstimate:
    """Flows of one period and what the estimator did (persons).

    ``flows[i, j]``: persons moving from area ``codes[i]`` to ``codes[j]``. ``net_account[j]``
    is the net migration the demographic accounts imply for ``codes[j]`` (end population net of
    births minus start population net of deaths, after the closed-system reconciliation) for
    the accounting methods, NaN otherwise. ``from_outside``/``to_outside`` are the open system's
    moves across its boundary (zeros for the other methods).
    """

    start: int
    end: int
    codes: tuple[str, ...]
    flows: np.ndarray
    net_account: np.ndarray
    from_outside: np.ndarray
    to_outside: np.ndarray
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """World total of the flows (persons)."""
        return float(self.flows.sum())


def _note_value(v: object) -> object:
    if isinstance(v, float | int | str) or v is None:
        return v
    return json.dumps(v, sort_keys=True, default=float)


class FlowEstimate:
    """Bilateral flows of one method and revision over one or more periods (read-only).

    Flows are persons moving between the mid-year stock dates of each period (five years; four
    for 2020-24). Build with :func:`labourlink.flows.estimate`.
    """

    __slots__ = ("_method", "_revision", "_source", "_params", "_periods", "_tidy")

    def __init__(self, method: str, revision: str, source: str, params: FlowParams,
                 periods: tuple[PeriodEstimate, ...]) -> None:
        self._method = method
        self._revision = revision
        self._source = source
        self._params = params
        self._periods = periods
        self._tidy: pd.DataFrame | None = None

    @property
    def method(self) -> str:
        """Method name (``sd_drop_neg`` ... ``da_pb_closed``)."""
        return self._method

    @property
    def revision(self) -> str:
        """UN DESA revision label (``"2020"``, ``"2024"``)."""
        return self._revision

    @property
    def source(self) -> str:
        """``migrant_stock`` source id of the revision."""
        return self._source

    @property
    def params(self) -> FlowParams:
        """Estimator settings used."""
        return self._params

    @property
    def periods(self) -> tuple[PeriodEstimate, ...]:
        """Per-period estimates (matrices and diagnostics)."""
        return self._periods

    def tidy(self) -> pd.DataFrame:
        """One row per origin, destination and period with a positive flow (persons).

        Columns ``origin, destination, period_start, period_end, method, revision, flow``,
        sorted by period, origin and destination.
        """
        if self._tidy is None:
            parts = []
            for p in self._periods:
                codes = np.asarray(p.codes, dtype=object)
                i, j = np.nonzero(p.flows > 0)
                parts.append(pd.DataFrame({
                    "origin": codes[i], "destination": codes[j],
                    "period_start": np.int64(p.start), "period_end": np.int64(p.end),
                    "method": self._method, "revision": self._revision,
                    "flow": p.flows[i, j],
                }))
            df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
                columns=list(TIDY_COLUMNS))
            df = df.sort_values(["period_start", "origin", "destination"], kind="stable")
            df = df.reset_index(drop=True)[list(TIDY_COLUMNS)]
            df["period_start"] = df["period_start"].astype("int64")
            df["period_end"] = df["period_end"].astype("int64")
            df["flow"] = df["flow"].astype(float)
            self._tidy = df
        return self._tidy.copy()

    def to_frame(self) -> pd.DataFrame:
        """:meth:`tidy` plus ``years`` (period length) and ``flow_per_year`` (persons a year)."""
        df = self.tidy()
        df["years"] = (df["period_end"] - df["period_start"]).astype("int64")
        df["flow_per_year"] = df["flow"] / df["years"]
        return df

    def totals(self) -> pd.DataFrame:
        """World total of the flows per period (persons and persons a year), from :meth:`tidy`."""
        df = self.tidy()
        g = df.groupby(["period_start", "period_end"], as_index=False)["flow"].sum()
        have = {(int(a), int(b)) for a, b in zip(g["period_start"], g["period_end"], strict=True)}
        missing = [(p.start, p.end) for p in self._periods if (p.start, p.end) not in have]
        if missing:
            g = pd.concat([g, pd.DataFrame({"period_start": [a for a, _ in missing],
                                            "period_end": [b for _, b in missing],
                                            "flow": 0.0})], ignore_index=True)
        g = g.sort_values("period_start").reset_index(drop=True)
        g.insert(2, "method", self._method)
        g.insert(3, "revision", self._revision)
        g["years"] = (g["period_end"] - g["period_start"]).astype("int64")
        g["flow_per_year"] = g["flow"] / g["years"]
        return g

    def matrix(self, period: str | tuple[int, int]) -> pd.DataFrame:
        """Origin x destination flows of one period (persons), ``XXX`` left out."""
        want = parse_period(period)
        for p in self._periods:
            if (p.start, p.end) == want:
                keep = [i for i, c in enumerate(p.codes) if c != OTHER_ORIGIN]
                codes = [p.codes[i] for i in keep]
                return pd.DataFrame(p.flows[np.ix_(keep, keep)], index=pd.Index(codes, name="origin"),
                                    columns=pd.Index(codes, name="destination"))
        raise InvalidArgumentError("period", period,
                                   [f"{p.start}-{p.end}" for p in self._periods])

    def net(self) -> pd.DataFrame:
        """Per area and period: inflow, outflow, net flow and, for the accounting methods, the
        net migration of the demographic accounts and the open system's boundary moves
        (persons). For ``da_min_closed`` and ``da_pb_closed`` ``net_flow`` equals
        ``net_account`` (the accounting identity)."""
        rows = []
        for p in self._periods:
            keep = [i for i, c in enumerate(p.codes) if c != OTHER_ORIGIN]
            inflow = p.flows.sum(axis=0)
            outflow = p.flows.sum(axis=1)
            for i in keep:
                rows.append((p.codes[i], p.start, p.end, float(inflow[i]), float(outflow[i]),
                             float(inflow[i] - outflow[i]), float(p.net_account[i]),
                             float(p.from_outside[i]), float(p.to_outside[i])))
        df = pd.DataFrame(rows, columns=["area", "period_start", "period_end", "inflow", "outflow",
                                         "net_flow", "net_account", "from_outside", "to_outside"])
        df.insert(3, "method", self._method)
        df.insert(4, "revision", self._revision)
        return df

    def diagnostics(self) -> pd.DataFrame:
        """What the estimator did in each period: adjustments and settings (one row a period).

        ``global_gap`` (persons the world account leaves unexplained, split between the two
        tables), ``births_over_native``, ``native_born_negative_<year>`` (areas whose WPP
        population is below their foreign-born stock), ``pb_weight_mean``, ``mig_rate_total``,
        ``from_outside``/``to_outside`` (open system), areas outside the system or without WPP
        data. Lists and mappings are JSON text.
        """
        rows = []
        for p in self._periods:
            rec: dict[str, object] = {"period_start": p.start, "period_end": p.end,
                                      "method": self._method, "revision": self._revision,
                                      "total": p.total}
            rec.update({k: _note_value(v) for k, v in p.notes.items()})
            rows.append(rec)
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Totals per period, the settings and the main adjustments, as text."""
        t = self.totals()
        lines = [f"Migration flows: {self._method}, UN DESA revision {self._revision} "
                 f"({self._source}) with WPP 2024",
                 "persons moving between mid-year stock dates (2020-24 is a four-year period)"]
        params = self._params.for_method(self._method)
        if params:
            lines.append("parameters: " + ", ".join(f"{k}={v}" for k, v in params.items()))
        lines.append(f"{'period':<11}{'flows':>16}{'per year':>14}")
        for r in t.itertuples(index=False):
            lines.append(f"{r.period_start}-{r.period_end:<6}{r.flow:>16,.0f}{r.flow_per_year:>14,.0f}")
        if self._method in CLOSED_METHODS:
            lines.append("closed system: every country's net flow equals its demographic "
                         "account (see .net())")
        elif self._method in ACCOUNTING_METHODS:
            lines.append("open system: moves across the system boundary are in .net() "
                         "(from_outside, to_outside)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        span = (f"{self._periods[0].start}-{self._periods[-1].end}" if self._periods else "none")
        return (f"FlowEstimate(method={self._method!r}, revision={self._revision!r}, "
                f"periods={len(self._periods)} [{span}])")
