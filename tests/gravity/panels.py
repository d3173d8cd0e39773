"""Small synthetic gravity panels for the engine tests (importable helper, not a test module)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def gravity_panel(n_countries: int = 12, n_years: int = 5, seed: int = 0,
                  zero_pairs: int = 3, singletons: int = 2) -> pd.DataFrame:
    """Bilateral panel exporter x importer x year with zeros, all-zero pairs and singletons.

    Columns: exp, imp, year (int), pair, trade (>= 0, with zeros), lmig, rta (0/1), ldist.
    """
    rng = np.random.default_rng(seed)
    c = [f"C{i:02d}" for i in range(n_countries)]
    rows = [(e, i, t) for e in c for i in c if e != i for t in range(2000, 2000 + n_years)]
    df = pd.DataFrame(rows, columns=["exp", "imp", "year"])
    df["pair"] = df["exp"] + "_" + df["imp"]
    e_eff = dict(zip(c, rng.normal(0, 1, n_countries), strict=True))
    i_eff = dict(zip(c, rng.normal(0, 1, n_countries), strict=True))
    pairs = df["pair"].unique()
    p_eff = dict(zip(pairs, rng.normal(0, 0.5, len(pairs)), strict=True))
    df["ldist"] = np.log(rng.uniform(100, 10000, len(df)))
    df["lmig"] = rng.normal(0, 1, len(df)) + 0.3 * df["pair"].map(p_eff)
    df["rta"] = (rng.uniform(size=len(df)) < 0.3).astype(float)
    eta = (1.0 + df["exp"].map(e_eff) + df["imp"].map(i_eff) + df["pair"].map(p_eff)
           + 0.05 * (df["year"] - 2000) + 0.4 * df["lmig"] + 0.3 * df["rta"])
    df["trade"] = rng.poisson(np.exp(eta)).astype(float)
    # all-zero pairs (separated through the pair fixed effect)
    for p in rng.choice(pairs, zero_pairs, replace=False):
        df.loc[df["pair"] == p, "trade"] = 0.0
    # singletons: pairs observed once
    if singletons:
        drop_pairs = rng.choice(pairs, singletons, replace=False)
        m = df["pair"].isin(drop_pairs) & (df["year"] > 2000)
        df = df[~m].reset_index(drop=True)
    return df
