"""Option vocabularies and settings of :mod:`labourlink.flows` (one home for each).

Methods are named exactly as in Abel and Cohen (2019, 2022):

============== ============================================================================
method         estimator
============== ============================================================================
sd_drop_neg    stock differencing, falls in a bilateral stock dropped
sd_rev_neg     stock differencing, falls read as return moves to the place of birth
mig_rate       migration rates (Dennett 2016): a global total shared like the start stocks
da_min_open    demographic accounting, minimum migration, open system (Abel 2013)
da_min_closed  demographic accounting, minimum migration, closed system (Abel & Sander 2014)
da_pb_closed   demographic accounting, pseudo-Bayes, closed system (Azose & Raftery 2019)
============== ============================================================================

Revisions are UN DESA International Migrant Stock revisions, never mixed: ``"2020"`` (stocks
1990-2020, periods 1990-95 ... 2015-20) and ``"2024"`` (stocks 1990-2020 and 2024, periods
1990-95 ... 2015-20 and the four-year period 2020-24), each with WPP 2024 components.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal, get_args

from labourlink.errors import InvalidArgumentError

Method = Literal["sd_drop_neg", "sd_rev_neg", "mig_rate", "da_min_open", "da_min_closed",
                 "da_pb_closed"]
METHODS: tuple[str, ...] = get_args(Method)
#: Methods whose flows satisfy every country's demographic accounting identity.
CLOSED_METHODS: tuple[str, ...] = ("da_min_closed", "da_pb_closed")
#: Methods whose origin is the country of residence at the start (the others: place of birth).
ACCOUNTING_METHODS: tuple[str, ...] = ("da_min_open", "da_min_closed", "da_pb_closed")
#: The method corridors are ranked by unless asked otherwise (best validated in Abel & Cohen 2019).
REFERENCE_METHOD = "da_pb_closed"

#: Code of UN DESA's "Other / unknown" place of birth: kept in the demographic accounts as a
#: place of birth (its people move between countries like everyone else), never an origin or
#: destination of an output flow.
OTHER_ORIGIN = "XXX"

#: Default persons per pseudo-observation of the pseudo-Bayes estimator (see FlowParams).
PB_SCALE = 100_000.0

def revisions() -> dict[str, str]:
    """Revision label -> ``migrant_stock`` source id (:data:`labourlink.store.revisions.REVISIONS`)."""
    from labourlink.store.revisions import REVISIONS

    return dict(REVISIONS)


def default_revision() -> str:
    """The default revision label (the newest, :data:`labourlink.store.revisions.DEFAULT_REVISION`)."""
    from labourlink.store.revisions import DEFAULT_REVISION

    return DEFAULT_REVISION


def check_revision(revision: str | int | None) -> str:
    """Normalise a revision (``2024``, ``"2024"``, ``"undesa_ims2024"``; ``None`` = default)."""
    from labourlink.store.revisions import normalise_revision

    return normalise_revision(revision)


def stock_source(revision: str | int | None) -> str:
    """``migrant_stock`` source id of a revision label."""
    return revisions()[check_revision(revision)]


def check_method(method: str) -> str:
    """Validate a method name (exactly as in :data:`METHODS`)."""
    if method not in METHODS:
        raise InvalidArgumentError("method", method, METHODS)
    return method


def parse_period(period: str | tuple[int, int]) -> tuple[int, int]:
    """``"2015-2020"``, ``"2015-20"`` or ``(2015, 2020)`` -> ``(2015, 2020)``."""
    if isinstance(period, tuple):
        start, end = period
    else:
        text = str(period).strip()
        parts = text.replace("\u2013", "-").split("-")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise InvalidArgumentError("period", period, "START-END, e.g. 2015-2020 or 2020-2024")
        start, end = int(parts[0]), int(parts[1])
        if end < 100:  # 2015-20
            end = (start // 100) * 100 + end
            if end <= start:
                end += 100
    if not (isinstance(start, int) and isinstance(end, int)) or end <= start:
        raise InvalidArgumentError("period", period, "START-END with END after START")
    return int(start), int(end)


@dataclass(frozen=True, slots=True)
class FlowParams:
    """Settings of the estimators (frozen; change with :func:`dataclasses.replace`).

    ``pb_scale``
        Persons per pseudo-observation in the pseudo-Bayes weight (``da_pb_closed``). The
        weight of the independence table for a place of birth with ``N`` people is
        ``K / (N / pb_scale + K)`` (Bishop, Fienberg and Holland 1975, ch. 12), with the
        risk-minimising ``K``. Counting every person as an observation (``pb_scale = 1``) gives
        weights below 1e-6 and flows equal to ``da_min_closed``; Azose and Raftery (2019) set
        the amount of smoothing by comparison with reported European flows (IMEM), which this
        project does not have. The default, 100,000, is an **assumption**: the round order of
        magnitude that puts world totals in the range those authors report (1.1-1.3% of world
        population per five years); it is recorded with every estimate.
    ``mig_rate_total``
        Global number of moves of a period shared out by ``mig_rate`` (persons). ``None`` (the
        default) uses the ``da_pb_closed`` world total of the same period and revision.
    """

    pb_scale: float = PB_SCALE
    mig_rate_total: float | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.pb_scale, int | float) and math.isfinite(self.pb_scale)
                and self.pb_scale > 0):
            raise InvalidArgumentError("pb_scale", self.pb_scale, "a positive number of persons")
        if self.mig_rate_total is not None and not (
                isinstance(self.mig_rate_total, int | float) and math.isfinite(self.mig_rate_total)
                and self.mig_rate_total >= 0):
            raise InvalidArgumentError("mig_rate_total", self.mig_rate_total,
                                       "None or a non-negative number of persons")

    def as_dict(self) -> dict[str, float | None]:
        """Plain dict (for JSON provenance)."""
        return asdict(self)

    def for_method(self, method: str) -> dict[str, float | None]:
        """The parameters that matter to ``method`` (recorded in provenance and outputs)."""
        if method == "da_pb_closed":
            return {"pb_scale": float(self.pb_scale)}
        if method == "mig_rate":
            return {"mig_rate_total": self.mig_rate_total, "pb_scale": float(self.pb_scale)}
        return {}
