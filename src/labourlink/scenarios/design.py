"""Tables of a labour-mobility scenario result for interfaces: ledger with intervals, comparison.

:func:`ledger_with_intervals` adds the 90 % interval of each item of
:meth:`~labourlink.scenarios.mobility.MobilityResult.ledger` that comes from a per-country output
(trade, real GDP, remittances), and says for every other item why it has none.
:func:`compare_frame` is the side-by-side table of ``labourlink scenario compare``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COMPARE_FIELDS", "LEDGER_OUTPUTS", "compare_frame", "compare_parties",
           "ledger_with_intervals"]

#: Ledger items that are a per-country output: item -> (output field of ``to_frame``, sign).
LEDGER_OUTPUTS: dict[str, tuple[str, float]] = {
    "remittances paid abroad by the additional migrants": ("delta_remittances_usd", -1.0),
    "remittances received": ("delta_remittances_usd", 1.0),
    "real GDP (trade channel)": ("delta_real_gdp_pct", 1.0),
    "exports": ("delta_exports_usd", 1.0),
}
#: Output fields compared by ``labourlink scenario compare``.
COMPARE_FIELDS: tuple[str, ...] = ("delta_exports_usd", "delta_real_gdp_pct",
                                   "delta_remittances_usd")


def ledger_with_intervals(res: Any) -> pd.DataFrame:
    """The access-versus-co-operation ledger with ``low``/``high`` (90 %) and ``interval``.

    Parameters
    ----------
    res
        A :class:`labourlink.scenarios.mobility.MobilityResult`.

    Returns
    -------
    DataFrame
        The columns of ``res.ledger()`` (side, country, flow, item, value, unit) plus ``low`` and
        ``high`` in the item's unit and ``interval``: ``"90% over draws"`` (trade and real GDP
        items of a run with draws), ``"none: no draws"`` (run without draws), ``"exact"`` (the
        item does not depend on the drawn coefficients: stocks, remittances, income, wages;
        ``low = high = value``) or ``"not computed"`` (the region's real GDP: the engine reports
        its point value only).
    """
    led = res.ledger()
    frame = res.to_frame()
    has_draws = res.low is not None
    lows: list[float] = []
    highs: list[float] = []
    kinds: list[str] = []
    for row in led.itertuples(index=False):
        out = LEDGER_OUTPUTS.get(str(row.item))
        value = float(row.value)
        if row.side == "region":
            lows.append(np.nan)
            highs.append(np.nan)
            kinds.append("not computed")
            continue
        if out is None or out[0] == "delta_remittances_usd":
            lows.append(value)
            highs.append(value)
            kinds.append("exact")
            continue
        col, sign = out
        point = sign * float(frame.loc[row.country, col])
        if not np.isclose(point, value, rtol=1e-12, atol=0.0, equal_nan=True):
            # never attach an interval to a number it was not computed for
            raise AssertionError(f"ledger item {row.item!r} of {row.country} ({value}) is not "
                                 f"{col} ({point})")
        if not has_draws:
            lows.append(np.nan)
            highs.append(np.nan)
            kinds.append("none: no draws")
            continue
        a = sign * float(frame.loc[row.country, f"{col}_low"])
        b = sign * float(frame.loc[row.country, f"{col}_high"])
        lows.append(min(a, b))
        highs.append(max(a, b))
        kinds.append("90% over draws")
    return led.assign(low=lows, high=highs, interval=kinds)


def compare_parties(senders_a: list[str], receivers_a: list[str], senders_b: list[str],
                    receivers_b: list[str]) -> list[str]:
    """Countries that are parties to either scenario, in the order ``scenario compare`` uses."""
    return list(dict.fromkeys([*senders_a, *receivers_a, *senders_b, *receivers_b]))


def compare_frame(frame_a: pd.DataFrame, frame_b: pd.DataFrame,
                  parties: list[str]) -> pd.DataFrame:
    """The table of ``labourlink scenario compare``: each party's outputs under A and under B.

    Parameters
    ----------
    frame_a, frame_b
        ``MobilityResult.to_frame()`` of the two scenarios (index: ISO3).
    parties
        Countries to show (:func:`compare_parties`).

    Returns
    -------
    DataFrame
        ``country`` and, for each of :data:`COMPARE_FIELDS`, ``"<field> [A]"`` and
        ``"<field> [B]"`` (NaN where a country is not in a scenario's GE world).
    """
    rows = []
    for c in parties:
        row: dict[str, object] = {"country": c}
        for col in COMPARE_FIELDS:
            row[f"{col} [A]"] = float(frame_a.loc[c, col]) if c in frame_a.index else float("nan")
            row[f"{col} [B]"] = float(frame_b.loc[c, col]) if c in frame_b.index else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
