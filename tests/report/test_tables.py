"""Regression tables across models (etable-like): every number from tidy(), four renderings."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from labourlink.errors import InvalidArgumentError
from labourlink.report.tables import FORMATS, etable, regression_table


class FakeResult:
    """Minimal result: tidy(), nobs, formula, converged, separated, pseudo_r2, vcov_label."""

    def __init__(self, est: dict[str, tuple[float, float, float]], nobs: int, formula: str,
                 converged: bool = True, n_sep: int = 0, pseudo_r2: float | None = 0.5) -> None:
        self._t = pd.DataFrame({"estimate": [v[0] for v in est.values()],
                                "std_error": [v[1] for v in est.values()],
                                "p_value": [v[2] for v in est.values()]},
                               index=pd.Index(list(est), name="term"))
        self.nobs = nobs
        self.formula = formula
        self.converged = converged
        self.separated = np.array([True] * n_sep + [False] * 5)
        self.pseudo_r2 = pseudo_r2
        self.vcov_label = "CRV1 by pair"

    def tidy(self) -> pd.DataFrame:
        return self._t.copy()


@pytest.fixture()
def models() -> dict[str, Any]:
    return {
        "(a) structural": FakeResult({"log_dist": (-0.84091, 0.03213, 1e-9),
                                      "log_mig": (0.0331, 0.0190, 0.08)}, 28152,
                                     "trade ~ log_dist + log_mig | exp^year + imp^year"),
        "(b) pair FE": FakeResult({"log_mig": (-0.0421, 0.0174, 0.016), "rta_x": (0.2, 0.5, 0.7)},
                                  302776, "trade ~ log_mig + rta_x | exp^year + imp^year + pair",
                                  converged=False, n_sep=3, pseudo_r2=None),
    }


def test_numbers_come_from_tidy(models: dict[str, Any]) -> None:
    t = regression_table(models)
    assert t.terms == ("log_dist", "log_mig", "rta_x")
    assert t.coef.at["log_mig", "(b) pair FE"] == -0.0421
    assert np.isnan(t.coef.at["log_dist", "(b) pair FE"])       # term absent from model (b)
    fr = t.to_frame()
    assert fr.loc["log_dist", "(a) structural"] == "-0.8409***"
    assert fr.iloc[1]["(a) structural"] == "(0.0321)"
    assert fr.loc["log_mig", "(a) structural"] == "0.0331*"          # p = 0.08
    assert fr.loc["log_mig", "(b) pair FE"] == "-0.0421**"           # p = 0.016
    assert fr.loc["log_dist", "(b) pair FE"] == ""
    assert fr.loc["Observations", "(b) pair FE"] == "302,776"
    assert fr.loc["FE: pair", "(a) structural"] == "No" and fr.loc["FE: pair", "(b) pair FE"] == "Yes"
    assert fr.loc["Converged", "(b) pair FE"] == "NO" and fr.loc["Separated", "(b) pair FE"] == "3"
    assert fr.loc["S.E.", "(a) structural"] == "CRV1 by pair"


def test_renderings(models: dict[str, Any]) -> None:
    term = etable(models, "table", title="Parsons check")
    assert term.splitlines()[0] == "Parsons check" and "-0.8409***" in term
    lines = [ln for ln in term.splitlines() if ln.startswith("log_dist")]
    assert len(lines) == 1
    md = etable(models, "md")
    assert md.splitlines()[0] == "| | (a) structural | (b) pair FE |"
    assert md.splitlines()[1] == "|---|---:|---:|"
    assert "| log_mig | 0.0331* | -0.0421** |" in md
    tex = etable(models, "latex")
    assert r"\begin{tabular}{lcc}" in tex and r"log\_dist" in tex and r"rta\_x" in tex
    assert r"$^{***}$" in tex and r"exp\^{}year" in tex and tex.count(r"\midrule") == 2
    html = etable(models, "html", title="A <b> title")
    assert html.startswith('<table class="regression-table">') and "A &lt;b&gt; title" in html
    # header row, 2 rows per term, one per statistic, the notes row
    assert html.count("<tr") == 1 + 2 * 3 + len(regression_table(models).stats) + 1
    assert set(FORMATS) == {"table", "md", "latex", "html"}


def test_sequence_terms_digits_and_errors(models: dict[str, Any]) -> None:
    seq = list(models.values())
    t = regression_table(seq, digits=2, terms=["log_mig"])
    assert t.models == ("(1)", "(2)") and t.terms == ("log_mig",)
    assert t.to_frame().iloc[0].tolist() == ["0.03*", "-0.04**"]
    with pytest.raises(InvalidArgumentError, match="fmt"):
        etable(models, "docx")
    with pytest.raises(InvalidArgumentError, match="terms"):
        regression_table(models, terms=["nope"])
    with pytest.raises(InvalidArgumentError):
        regression_table({})


def test_with_engine_results() -> None:
    from labourlink.gravity import ppml

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=300), "g": rng.integers(0, 10, 300)})
    df["y"] = rng.poisson(np.exp(0.5 + 0.3 * df["x"]))
    r1 = ppml(df, "y ~ x")
    r2 = ppml(df, "y ~ x | g", vcov={"CRV1": "g"})
    md = etable({"no FE": r1, "FE": r2}, "md", digits=5)
    for res, col in ((r1, 1), (r2, 2)):
        row = next(ln for ln in md.splitlines() if ln.startswith("| x |"))
        cell = row.split("|")[col + 1].strip()
        assert float(re.sub(r"\*+$", "", cell)) == pytest.approx(res.coef()["x"], abs=5e-6)
    assert "| Observations | 300 | 300 |" in md and "| FE: g | No | Yes |" in md
    assert "CRV1" in md
