"""The small systems of the migest documentation, as (s0, s1, births, deaths) arrays.

Rows are places of birth, columns places of residence (persons). Typed from the worked examples
of Abel (2013), Abel and Sander (2014), Abel (2018) and Abel and Cohen (2019) as reproduced in the
migest documentation; ``golden/make_golden.R`` uses the same numbers.
"""

from __future__ import annotations

import numpy as np

Z4 = np.zeros(4)


def _m(v: list[float], by_row: bool = True) -> np.ndarray:
    a = np.array(v, dtype=float).reshape(4, 4)
    return a if by_row else a.T


SMALL: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {
    "abel2013": (_m([1000, 100, 10, 0, 55, 555, 50, 5, 80, 40, 800, 40, 20, 25, 20, 200]),
                 _m([950, 100, 60, 0, 80, 505, 75, 5, 90, 30, 800, 40, 40, 45, 0, 180]), Z4, Z4),
    "abel2018": (_m([100, 20, 10, 20, 10, 55, 40, 25, 10, 25, 140, 20, 0, 10, 65, 200]),
                 _m([70, 25, 10, 40, 30, 60, 55, 45, 10, 10, 140, 0, 10, 15, 50, 180]), Z4, Z4),
    "science2014": (_m([1000, 55, 80, 20, 100, 555, 40, 25, 10, 50, 800, 20, 0, 5, 40, 200], False),
                    _m([1060, 45, 70, 30, 60, 540, 75, 30, 10, 40, 770, 20, 10, 0, 70, 230], False),
                    np.array([80.0, 20, 60, 60]), np.array([70.0, 30, 50, 10])),
    "imr2018_births": (_m([100, 20, 10, 20, 10, 55, 40, 25, 10, 25, 140, 20, 0, 10, 65, 200], False),
                       _m([75, 20, 30, 30, 25, 45, 40, 30, 5, 30, 150, 20, 0, 15, 60, 230], False),
                       np.array([10.0, 50, 25, 60]), np.array([30.0, 10, 40, 10])),
    "scidata2019": (_m([100, 80, 30, 60, 10, 180, 10, 70, 10, 10, 140, 10, 0, 90, 40, 160], False),
                    _m([95, 75, 55, 35, 5, 225, 0, 25, 15, 5, 115, 25, 5, 55, 50, 215], False),
                    Z4, Z4),
    "diff_doc": (_m([100, 10, 10, 0, 20, 55, 25, 10, 10, 40, 140, 65, 20, 25, 20, 200]),
                 _m([75, 25, 5, 15, 20, 45, 30, 15, 30, 40, 150, 35, 10, 50, 5, 200]), Z4, Z4),
}
