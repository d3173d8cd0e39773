"""Formula parsing and design building."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labourlink.errors import EstimationError
from labourlink.gravity.formula import build_design, parse_formula


def test_parse_full_formula() -> None:
    p = parse_formula("trade ~ log(mig) + rta + a:b | exp^year + imp^year + pair")
    assert p.depvar == "trade"
    assert [t.name for t in p.terms] == ["log(mig)", "rta", "a:b"]
    assert p.fixef == (("exp", "year"), ("imp", "year"), ("pair",))
    assert p.fixef_names == ("exp^year", "imp^year", "pair")
    assert p.intercept is False
    assert p.coef_names == ("log(mig)", "rta", "a:b")


def test_no_fixed_effects_has_intercept() -> None:
    p = parse_formula("y ~ x1 + x2")
    assert p.intercept
    assert p.coef_names == ("Intercept", "x1", "x2")
    assert parse_formula("y ~ x1 + 0").coef_names == ("x1",)


@pytest.mark.parametrize(
    ("formula", "fragment"),
    [
        ("y x1", "exactly one '~'"),
        ("y ~ x1 + exp(x2)", "'exp(x2)'"),
        ("y ~ x1 + | fe", "empty term"),
        ("y ~ x1 | fe1 | fe2", "at most one '|'"),
        ("y ~ x1 | a^", "'a^'"),
        ("log(y) ~ x1", "do not log it"),
        ("y ~ x1 + x1", "appears twice"),
        ("y ~ x1 |", "nothing after '|'"),
    ],
)
def test_formula_errors_name_the_problem(formula: str, fragment: str) -> None:
    with pytest.raises(EstimationError, match="expected|twice|empty|log it|nothing") as ei:
        parse_formula(formula)
    assert fragment in str(ei.value)


def test_build_design_log_missing_and_combined_fe() -> None:
    df = pd.DataFrame({
        "y": [1.0, 0.0, 2.0, 3.0, np.nan],
        "x": [1.0, 0.0, 2.0, 4.0, 1.0],  # log(0) -> row invalid
        "a": ["u", "u", "v", "v", "v"],
        "b": [1, 2, 1, 2, 1],
    })
    d = build_design(df, parse_formula("y ~ log(x) | a^b + a"))
    assert d.valid.tolist() == [True, False, True, True, False]
    np.testing.assert_allclose(d.X[[0, 2, 3], 0], np.log([1.0, 2.0, 4.0]))
    assert d.fe_codes.shape == (2, 5)
    assert list(d.fe_levels[0].labels()) == ["u^1", "u^2", "v^1", "v^2"]
    assert list(d.fe_levels[1].labels()) == ["u", "v"]
    assert d.fe_codes[0].tolist() == [0, 1, 2, 3, 2]


def test_build_design_errors() -> None:
    df = pd.DataFrame({"y": [1.0, 2.0], "x": ["a", "b"], "f": [1, 2]})
    with pytest.raises(EstimationError, match=r"'z' is not in the data.*available columns: y, x, f"):
        build_design(df, parse_formula("y ~ z | f"))
    with pytest.raises(EstimationError, match=r"regressor column 'x' has dtype object, expected numbers"):
        build_design(df, parse_formula("y ~ x | f"))
    with pytest.raises(EstimationError, match="negative values"):
        build_design(df.assign(y=[-1.0, 2.0]), parse_formula("y ~ f"))


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=200), st.sampled_from(["int32", "int64", "uint16"]))
def test_fast_factorize_equals_pandas(values: list[int], dtype: str) -> None:
    from labourlink.gravity.formula import factorize_sorted

    arr = np.array(values)
    if dtype == "uint16":
        arr = arr - arr.min()
    s = pd.Series(arr.astype(dtype))
    codes, uniques = factorize_sorted(s)
    ref_codes, ref_uniques = pd.factorize(s, sort=True)
    np.testing.assert_array_equal(codes, ref_codes)
    np.testing.assert_array_equal(np.asarray(uniques), np.asarray(ref_uniques))


def test_fast_factorize_falls_back_on_wide_ranges() -> None:
    from labourlink.gravity.formula import factorize_sorted

    s = pd.Series(np.array([10**12, 5, 10**12, -3], dtype=np.int64))
    codes, uniques = factorize_sorted(s)
    np.testing.assert_array_equal(codes, [2, 1, 2, 0])
    np.testing.assert_array_equal(np.asarray(uniques), [-3, 5, 10**12])
