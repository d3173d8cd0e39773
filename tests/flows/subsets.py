"""Small closed systems cut from the real store, for the migest golden files.

A subset of countries plus one "rest of the world" area (``ROW``: every other country, and the
"Other / unknown" place of birth) is a closed system: every person of the full stock table is in
it. The rest-of-world births absorb the world account's gap (tens of thousands of persons out of
hundreds of millions of births) so that the account closes exactly and migest's integer
allocation of that gap plays no part in the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from labourlink.flows.inputs import load_inputs

#: name -> (revision, (start, end), countries)
SUBSETS: dict[str, tuple[str, tuple[int, int], tuple[str, ...]]] = {
    "south_asia_gulf_2020rev_2015_2020": ("2020", (2015, 2020),
                                          ("IND", "PAK", "BGD", "NPL", "ARE", "SAU", "USA",
                                           "GBR")),
    "east_asia_pacific_2024rev_2020_2024": ("2024", (2020, 2024),
                                            ("PHL", "IDN", "MYS", "SGP", "THA", "JPN", "KOR",
                                             "AUS")),
}
ROW = "ROW"


@dataclass(frozen=True)
class Subset:
    """Stock tables (rows = place of birth), births and deaths of a closed subset, persons."""

    codes: tuple[str, ...]
    stock_start: np.ndarray
    stock_end: np.ndarray
    births: np.ndarray
    deaths: np.ndarray

    def frames(self) -> dict[str, pd.DataFrame]:
        """CSV-ready frames: ``stock_start``, ``stock_end`` (birth x residence), ``vital``."""
        idx = pd.Index(self.codes, name="birth")
        cols = pd.Index(self.codes, name="residence")
        return {
            "stock_start": pd.DataFrame(self.stock_start, index=idx, columns=cols),
            "stock_end": pd.DataFrame(self.stock_end, index=idx, columns=cols),
            "vital": pd.DataFrame({"births": self.births, "deaths": self.deaths}, index=idx),
        }


def build_subset(con: duckdb.DuckDBPyConnection, name: str) -> Subset:
    """The subset ``name`` of :data:`SUBSETS` from a store."""
    revision, period, countries = SUBSETS[name]
    inp = load_inputs(con, revision, [period])[0]
    codes = (*countries, ROW)
    pos = {c: i for i, c in enumerate(codes)}
    agg = np.zeros((len(codes), len(inp.codes)))
    for j, c in enumerate(inp.codes):
        agg[pos.get(c, pos[ROW]), j] = 1.0
    s0 = agg @ inp.stock_start @ agg.T
    s1 = agg @ inp.stock_end @ agg.T
    b = agg @ inp.births
    d = agg @ inp.deaths
    gap = s1.sum() - (s0.sum() + b.sum() - d.sum())
    b[pos[ROW]] += gap
    return Subset(codes, s0, s1, b, d)
