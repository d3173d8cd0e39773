"""Compile the engine's numba kernels into their on-disk cache (run by ``make install``).

The kernels are compiled with ``cache=True``: the first process that calls one compiles it
(seconds each, tens of seconds in all) and stores the machine code next to the sources; later
processes load it. ``python -m labourlink.gravity.warmup`` runs small fits that reach every kernel
with every argument type the engine passes (one, two, three and four fixed effects, sorted and
unsorted rows, one to four regressors, weights and offsets, separated rows found by the fit
certificate, by the ReLU check in both of its solvers and by the simplex, fixed-effect recovery
and prediction), so that a user's first fit only loads them. Run again after editing a kernel
(``make install`` does it when a file of this package changed); a warm cache makes it quick.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd


def _panel(n_countries: int, n_years: int, seed: int, zeros: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c = np.arange(n_countries)
    e, i = np.meshgrid(c, c, indexing="ij")
    off = e != i
    e, i = np.repeat(e[off], n_years), np.repeat(i[off], n_years)
    year = np.tile(np.arange(n_years), int(off.sum()))
    pair = e * n_countries + i
    x1 = rng.normal(size=e.size)
    x2 = (rng.uniform(size=e.size) < 0.4).astype(float)
    eta = 0.3 * x1 + 0.2 * x2 + rng.normal(0, 1, n_countries)[e] + rng.normal(0, 1, n_countries)[i]
    y = rng.poisson(np.exp(eta)).astype(float)
    y[rng.uniform(size=e.size) < zeros] = 0.0
    df = pd.DataFrame({"exp": e, "imp": i, "year": year, "pair": pair, "x1": x1, "x2": x2,
                       "x3": rng.normal(size=e.size), "x4": rng.normal(size=e.size), "y": y,
                       "w": rng.uniform(0.5, 2.0, e.size), "off": rng.normal(0, 0.1, e.size)})
    df["et"] = df["exp"] * n_years + df["year"]
    df["it"] = df["imp"] * n_years + df["year"]
    # separated rows: a pair whose flows are all zero but one regressor marks them
    sep = (df["pair"] == df["pair"].iloc[0]) & (df["year"] > 0)
    df.loc[sep, "y"] = 0.0
    df.loc[sep, "x4"] = 5.0
    return df


def warm_up(verbose: bool = True) -> float:
    """Run the fits that compile every kernel; returns the seconds taken."""
    from labourlink.gravity import ppml
    from labourlink.gravity.demean import FixedEffects, demean
    from labourlink.gravity.separation import relu_separation

    t0 = time.perf_counter()
    df = _panel(14, 4, seed=1)
    shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
    fits = [
        (df, "y ~ x1 + x2 | et + it + pair", {"vcov": {"CRV1": "pair"}}),
        (shuffled, "y ~ x1 + x2 + x3 + x4 | exp^year + imp^year + pair", {"vcov": "hetero"}),
        (df, "y ~ x1 | et + it + pair", {"vcov": "iid", "weights": "w", "offset": "off"}),
        (df, "y ~ x1 + x2 + x3 | exp + imp + year + pair", {"vcov": {"CRV1": "exp+imp"}}),
        (shuffled, "y ~ x1 + x2 | exp + imp", {"weights": "w"}),
        (df, "y ~ x1 + x2 | pair", {"offset": "off"}),
        (df, "y ~ x1 + x2 + x4", {"vcov": "hetero"}),
        (df, "y ~ x1 + x2 | et + it + pair", {"separation": ("fe", "simplex")}),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data, fml, kw in fits:
            r = ppml(data, fml, **kw)  # type: ignore[arg-type]
            r.tidy()
            if r._r.fe is not None:
                r.fixef()
                r.predict(data)
        # the ReLU check's weighted solver (large problems) and the demeaning on its own
        sub = df[df["y"] > -1]
        codes = np.vstack([sub["et"].to_numpy(), sub["it"].to_numpy(), sub["pair"].to_numpy()])
        fe = FixedEffects.from_codes(codes)
        X = sub[["x1", "x2", "x4"]].to_numpy()
        relu_separation(sub["y"].to_numpy(), X, fe, method="weighted")
        relu_separation(sub["y"].to_numpy(), np.column_stack([np.ones(len(sub)), X]), None,
                        method="weighted")
        demean(X, fe, np.ones(len(sub)))
    dt = time.perf_counter() - t0
    if verbose:
        print(f"labourlink.gravity: numba kernels ready in {dt:.1f} s")
    return dt


def main() -> int:
    """Entry point of ``python -m labourlink.gravity.warmup``."""
    warm_up()
    return 0


if __name__ == "__main__":
    sys.exit(main())
