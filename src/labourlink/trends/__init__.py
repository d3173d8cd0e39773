"""Regional labour mobility trends: migrant stocks, corridors, intraregional shares, rates and
remittances, read from the store (:mod:`labourlink.store`).

Every function takes a group (a ``country_group`` code such as ``"ESCAP"``, ``"ENEA"``, ``"SEA"``,
``"SSWA"``, ``"NCA"``, ``"PACIFIC"``, an ISO3 code or a list of ISO3 codes), integer years and an
optional DuckDB connection, and returns a tidy :class:`pandas.DataFrame` with units in its column
names (``persons``, ``usd``, ``share``, ``pct``). Plots live in :mod:`labourlink.trends.plots`.
"""

from __future__ import annotations

from labourlink.trends.remittances import (
    remittance_corridors,
    remittance_dependence,
    remittances,
)
from labourlink.trends.stocks import (
    country_profile,
    emigration_rate,
    female_share,
    immigrant_share,
    intraregional_share,
    migrant_stock,
    overview,
    top_corridors,
)

__all__ = [
    "country_profile",
    "emigration_rate",
    "female_share",
    "immigrant_share",
    "intraregional_share",
    "migrant_stock",
    "overview",
    "remittance_corridors",
    "remittance_dependence",
    "remittances",
    "top_corridors",
]
