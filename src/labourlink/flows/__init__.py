"""Bilateral migration flows estimated from successive migrant stock tables.

UN DESA publishes stocks (people born in A living in B at a date); this package estimates how
many people moved from A to B between two stock dates, with the six methods compared by Abel and
Cohen (2019, 2022): stock differencing (``sd_drop_neg``, ``sd_rev_neg``), migration rates
(``mig_rate``) and demographic accounting with WPP 2024 births and deaths (``da_min_open``,
``da_min_closed``, ``da_pb_closed``). See :mod:`labourlink.flows.spec` for the methods and
settings, :mod:`labourlink.flows.inputs` for how the inputs are built (native-born, deaths by
place of birth, the four-year period 2020-24) and :mod:`labourlink.flows.kernels` for the
estimators.

>>> from labourlink import flows
>>> est = flows.estimate("da_pb_closed", revision="2024", period="2020-2024")  # doctest: +SKIP
>>> est.tidy()       # origin, destination, period_start, period_end, method, revision, flow
>>> flows.read_flows(revision="2024", method=None)   # every stored estimate, from the store
>>> flows.corridors("ESCAP", revision="2024").to_frame()  # largest flows, all methods side by side
"""

from __future__ import annotations

from labourlink.flows.corridors import CorridorsResult, corridors, group_totals
from labourlink.flows.estimate import estimate, estimate_period
from labourlink.flows.results import TIDY_COLUMNS, FlowEstimate, PeriodEstimate
from labourlink.flows.spec import METHODS, FlowParams, Method
from labourlink.flows.store import read_flows

__all__ = [
    "METHODS",
    "TIDY_COLUMNS",
    "CorridorsResult",
    "FlowEstimate",
    "FlowParams",
    "Method",
    "PeriodEstimate",
    "corridors",
    "estimate",
    "estimate_period",
    "group_totals",
    "read_flows",
]
