"""Impact estimate: the in-force coefficient is recovered on a noiseless toy panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labourlink.errors import EstimationError
from labourlink.governance.impact import estimate_from_panel, impact_panel
from labourlink.governance.schema import Instrument

SRC = [{"title": "toy", "publisher": "tests", "address": "tests/governance"}]
COUNTRIES = ["PHL", "IDN", "NPL", "IND", "JPN", "KOR"]
YEARS = [2000, 2005, 2010, 2015, 2020]


def _rec(id: str, a: str, b: str, year: int) -> Instrument:
    return Instrument.model_validate({
        "id": id, "name": id, "level": "bilateral", "kind": "bilateral_labour_agreement",
        "legal_nature": "unknown", "parties": [a, b], "signed": str(year),
        "sources": SRC, "confidence": "high"})


RECORDS = [_rec("r1", "PHL", "JPN", 2008), _rec("r2", "IDN", "KOR", 2012),
           _rec("r3", "NPL", "KOR", 2001), _rec("r4", "IND", "JPN", 2017),
           _rec("r5", "PHL", "KOR", 1995)]


def _stocks(beta: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pairs = [(o, d) for o in COUNTRIES for d in COUNTRIES if o != d]
    base = pd.DataFrame(pairs, columns=["origin", "destination"]).merge(
        pd.DataFrame({"year": YEARS}), how="cross")
    panel = impact_panel(base.assign(persons=1.0), RECORDS)
    a = {p: rng.normal(8, 1) for p in pairs}
    oy = {(c, y): rng.normal(0, 0.3) for c in COUNTRIES for y in YEARS}
    dy = {(c, y): rng.normal(0, 0.3) for c in COUNTRIES for y in YEARS}
    mu = [np.exp(a[(o, d)] + oy[(o, y)] + dy[(d, y)] + beta * t)
          for o, d, y, t in zip(panel["origin"], panel["destination"], panel["year"],
                                panel["in_force"], strict=False)]
    return panel[["origin", "destination", "year"]].assign(persons=mu)


def test_panel_treatment_timing() -> None:
    p = impact_panel(_stocks(0.0), RECORDS).set_index(["origin", "destination", "year"])
    assert p.loc[("PHL", "JPN", 2005), "in_force"] == 0.0
    assert p.loc[("PHL", "JPN", 2010), "in_force"] == 1.0
    assert p.loc[("JPN", "PHL", 2010), "in_force"] == 1.0  # BLAs: both directions
    assert p.loc[("PHL", "KOR", 2000), "in_force"] == 1.0  # in force before the sample
    assert p.loc[("NPL", "IND", 2020), "in_force"] == 0.0


@pytest.mark.parametrize("beta", [0.0, 0.4, -0.25])
def test_recovers_coefficient(beta: float) -> None:
    panel = impact_panel(_stocks(beta), RECORDS)
    res = estimate_from_panel(panel)
    assert res.coef == pytest.approx(beta, abs=1e-5)
    # events: PHL-JPN, IDN-KOR, NPL-KOR, IND-JPN switch (both directions); PHL-KOR never does
    assert res.n_events == 8
    t = res.tidy().set_index(["term", "stat"])["value"]
    assert t[("in_force", "pct_effect")] == pytest.approx(100 * (np.exp(beta) - 1), abs=1e-3)
    assert "8 corridor(s)" in res.caveat and "not a causal effect" in res.caveat


def test_no_events_raises() -> None:
    panel = impact_panel(_stocks(0.3), [_rec("r5", "PHL", "KOR", 1995)])
    with pytest.raises(EstimationError, match="not identified"):
        estimate_from_panel(panel)


def test_missing_pair_years_are_zero() -> None:
    s = _stocks(0.0)
    s = s[~((s["origin"] == "NPL") & (s["destination"] == "JPN") & (s["year"] == 2010))]
    p = impact_panel(s, RECORDS).set_index(["origin", "destination", "year"])
    assert p.loc[("NPL", "JPN", 2010), "persons"] == 0.0
    assert len(p) == 30 * 5
