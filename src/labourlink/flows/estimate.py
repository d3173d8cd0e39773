"""Estimate bilateral flows for one period (:func:`estimate_period`) or a revision (:func:`estimate`).

Flows are persons who moved between the two mid-year stock dates of a period (five years, four
for 2020-24). Outputs never contain the "Other / unknown" place of birth ``XXX`` as an origin or
destination: stock differencing and migration rates leave its rows out (they are not
country-to-country flows); demographic accounting keeps the people born in unknown places in the
accounts, and their moves between countries are counted between those countries.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np

from labourlink.errors import EstimationError
from labourlink.flows import kernels
from labourlink.flows.inputs import PeriodInputs, load_inputs, periods
from labourlink.flows.results import FlowEstimate, PeriodEstimate
from labourlink.flows.spec import (
    OTHER_ORIGIN,
    FlowParams,
    check_method,
    check_revision,
)


def _drop_other(flows: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    if OTHER_ORIGIN in codes:
        i = list(codes).index(OTHER_ORIGIN)
        flows[i, :] = 0.0
        flows[:, i] = 0.0
    return flows


def estimate_period(inp: PeriodInputs, method: str, params: FlowParams | None = None, *,
                    mig_rate_total: float | None = None) -> PeriodEstimate:
    """Flows of one period by one method (see :mod:`labourlink.flows.kernels`).

    Parameters
    ----------
    inp
        The period's stock tables and components (:func:`labourlink.flows.inputs.load_inputs`).
    method
        One of :data:`labourlink.flows.spec.METHODS`.
    params
        Estimator settings (default :class:`FlowParams`).
    mig_rate_total
        World total shared out by ``mig_rate`` when ``params.mig_rate_total`` is ``None``
        (persons); :func:`estimate` passes the ``da_pb_closed`` total of the period.
    """
    check_method(method)
    prm = params or FlowParams()
    k = len(inp.codes)
    nan = np.full(k, np.nan)
    zeros = np.zeros(k)
    notes: dict[str, object] = dict(inp.notes)
    if method in ("sd_drop_neg", "sd_rev_neg"):
        neg: kernels.Negatives = "drop" if method == "sd_drop_neg" else "reverse"
        f = _drop_other(kernels.stock_difference(inp.stock_start, inp.stock_end, neg), inp.codes)
        return PeriodEstimate(inp.start, inp.end, inp.codes, f, nan, zeros, zeros, notes)
    if method == "mig_rate":
        total = prm.mig_rate_total if prm.mig_rate_total is not None else mig_rate_total
        if total is None:
            pb = estimate_period(inp, "da_pb_closed", prm)
            total = pb.total
        s0 = _drop_other(inp.stock_start.copy(), inp.codes)
        notes["mig_rate_total"] = float(total)
        f = kernels.rate_flows(s0, float(total))
        return PeriodEstimate(inp.start, inp.end, inp.codes, f, nan, zeros, zeros, notes)
    closed = method != "da_min_open"
    try:
        acc = kernels.demographic_accounts(inp.stock_start, inp.stock_end, inp.births,
                                           inp.deaths, closed=closed, labels=inp.codes)
    except EstimationError as exc:
        raise EstimationError(f"{method}, revision {inp.revision}, {inp.start}-{inp.end}: "
                              f"{exc}") from exc
    notes.update(acc.notes)
    net = acc.end.sum(axis=0) - acc.start.sum(axis=0)
    if method == "da_min_open":
        res = kernels.open_flows(acc.start, acc.end)
        notes["from_outside"] = float(res.from_outside.sum())
        notes["to_outside"] = float(res.to_outside.sum())
        return PeriodEstimate(inp.start, inp.end, inp.codes, res.flows, net, res.from_outside,
                              res.to_outside, notes)
    if method == "da_min_closed":
        f = kernels.stayer_flows(acc.start, acc.end)
    else:
        f, w = kernels.pseudo_bayes_flows(acc.start, acc.end, prm.pb_scale)
        n = acc.start.sum(axis=1)
        notes["pb_weight_mean"] = float(np.average(w, weights=n)) if n.sum() > 0 else 0.0
        notes["pb_weight_max"] = float(w.max(initial=0.0))
    return PeriodEstimate(inp.start, inp.end, inp.codes, f, net, zeros, zeros, notes)


def estimate(method: str, *, revision: str | int | None = None,
             period: str | tuple[int, int] | Sequence[str | tuple[int, int]] | None = None,
             params: FlowParams | None = None,
             con: duckdb.DuckDBPyConnection | None = None) -> FlowEstimate:
    """Estimate bilateral migration flows from the store's stock tables.

    Parameters
    ----------
    method
        ``sd_drop_neg``, ``sd_rev_neg``, ``mig_rate``, ``da_min_open``, ``da_min_closed`` or
        ``da_pb_closed`` (:mod:`labourlink.flows.spec`).
    revision
        UN DESA revision label, ``"2024"`` or ``"2020"`` (default: the newest in the store).
    period
        ``"2015-2020"``, ``(2015, 2020)`` or a list of them (default: every period).
    params
        Estimator settings (:class:`labourlink.flows.spec.FlowParams`).
    con
        Store connection (default: a read-only connection to ``LABOURLINK_STORE``).

    Returns
    -------
    FlowEstimate
        ``.tidy()``: one row per origin, destination and period with ``flow`` in persons.
    """
    from labourlink.trends._common import get_connection

    check_method(method)
    rev = check_revision(revision)
    prm = params or FlowParams()
    own = con is None
    c = get_connection(con)
    try:
        which = periods(c, rev, period)
        inputs = load_inputs(c, rev, which)
    finally:
        if own:
            c.close()
    ests = tuple(estimate_period(inp, method, prm) for inp in inputs)
    return FlowEstimate(method, rev, inputs[0].source, prm, ests)
