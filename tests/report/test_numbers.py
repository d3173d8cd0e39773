"""The one number-formatting module: text, table cells and CSV headers (no store needed)."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labourlink.report import numbers as nb

SCI = re.compile(r"\d[eE][+\-]?\d")
NEG_ZERO = re.compile(r"[-−+]0(?:[.,]0+)?(?![.,]?\d)")
MINUS = "\u2212"


def test_text_forms_from_the_house_style() -> None:
    assert nb.persons_text(66_984_019) == "67.0 million"
    assert nb.persons_text(50_744_558) == "50.7 million"
    assert nb.persons_text(1_200_000_000) == "1.2 billion"
    assert nb.persons_text(848_155.4) == "848,155"
    assert nb.persons_text(999_960) == "1.0 million"  # rounds up into millions, not "1,000.0 thousand"
    assert nb.usd_text(285.2e9) == "US$ 285.2 billion"
    assert nb.usd_text(512.34e6) == "US$ 512.3 million"
    assert nb.usd_text(12_345.4) == "US$ 12,345"
    assert nb.usd_text(-25.3e6) == f"{MINUS}US$ 25.3 million"
    assert nb.usd_text(5e7, "PPP $") == "PPP $ 50.0 million"
    assert nb.pct_text(43.57) == "43.6%"
    assert nb.pct_text(0.04) == "0.04%"
    assert nb.pct_text(0.00004) == "less than 0.01%"
    assert nb.pct_text(-0.00004) == f"between {MINUS}0.01% and 0%"
    assert nb.share_pct_text(0.43607) == "43.6%"


def test_changes_are_signed_with_a_true_minus_and_never_zero() -> None:
    assert nb.change_persons_text(1_300_000) == "+1.3 million"
    assert nb.change_persons_text(-2_100) == f"{MINUS}2,100"
    assert nb.change_persons_text(0.4) == "no change"
    assert nb.change_persons_text(-0.4) == "no change"
    assert nb.change_pct_text(-2.14) == f"{MINUS}2.1%"
    assert nb.change_pct_text(0.0) == "no change"
    assert nb.change_pct_text(2.7e-6) == "a rise of less than 0.01%"
    assert nb.change_pct_text(-1e-7) == "a fall of less than 0.01%"
    assert nb.change_usd_text(2.5e6) == "+US$ 2.5 million"
    assert nb.change_usd_text(-0.2) == "no change"


def test_table_cells() -> None:
    C = nb.Column
    assert nb.table_cell(C("p", "Migrants", "persons"), 66_984_019.0) == "66,984,019"
    assert nb.table_cell(C("p", "Migrants", "persons"), -0.3) == "0"
    assert nb.table_cell(C("c", "Change", "persons", signed=True), 1234.0) == "+1,234"
    assert nb.table_cell(C("c", "Change", "persons", signed=True), -5.0) == f"{MINUS}5"
    assert nb.table_cell(C("c", "Change", "persons", signed=True), 0.0) == "0"
    assert nb.table_cell(C("u", "Remittances", "usd_million"), 1_234_549_000.0) == "1,234.5"
    assert nb.table_cell(C("u", "Remittances", "usd_million"), 10_000.0) == "<0.1"
    assert nb.table_cell(C("u", "Remittances", "usd_million"), -10_000.0) == f">{MINUS}0.1"
    assert nb.table_cell(C("s", "Share", "share"), 0.43607) == "43.6"
    assert nb.table_cell(C("g", "Growth", "pct"), 0.00001) == "<0.01"
    assert nb.table_cell(C("g", "Growth", "pct"), -0.00001) == f">{MINUS}0.01"
    assert nb.table_cell(C("y", "Year", "year"), 2024.0) == "2024"
    assert nb.table_cell(C("y", "Year", "year"), float("nan")) == "–"
    assert nb.table_cell(C("e", "Elasticity", "coef", 3), -0.0356) == f"{MINUS}0.036"
    assert nb.table_cell(C("t", "Name"), "Tonga") == "Tonga"


def test_headers_name_their_unit_and_csv_headers_end_in_it() -> None:
    C = nb.Column
    assert nb.header(C("persons", "Migrants, 2024", "persons")) == "Migrants, 2024 (persons)"
    assert nb.header(C("x", "Remittances", "usd_million")) == "Remittances (US$ million)"
    assert nb.header(C("x", "Share of GDP", "pct")) == "Share of GDP (%)"
    assert nb.header(C("year", "Year", "year")) == "Year"
    cases = {("received_usd", "usd_million"): "received_usd_million",
             ("hosted", "persons"): "hosted_persons",
             ("received_pct_gdp", "pct"): "received_pct_gdp",
             ("share", "share"): "share_pct",
             ("persons_start", "persons"): "persons_start",
             ("change_persons", "persons"): "change_persons",
             ("remittances_year", "year"): "remittances_year",
             ("nobs", "int"): "nobs_count"}
    for (key, kind), want in cases.items():
        assert nb.csv_header(C(key, "x", kind)) == want  # type: ignore[arg-type]


def test_csv_columns_keep_full_precision_and_integer_years() -> None:
    col = nb.Column("received_usd", "Received", "usd_million")
    assert nb.csv_column(col, [1_234_567_891.0, None]) == [1234.567891, None]
    years = nb.csv_column(nb.Column("year", "Year", "year"), [2022.0, float("nan")])
    s = pd.Series(years)
    assert str(s.dtype) == "Int64" and s.iloc[0] == 2022 and s.isna().iloc[1]
    shares = nb.csv_column(nb.Column("s", "Share", "share"), [0.25])
    assert shares == [25.0]


def test_money_scale() -> None:
    assert nb.money_scale([3e9, 1.0]) == (1e9, "US$ billion")
    assert nb.money_scale([-2.5e7]) == (1e6, "US$ million")
    assert nb.money_scale([1239.0, float("nan")]) == (1e3, "US$ thousand")


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


@given(finite)
def test_no_scientific_notation_and_no_negative_zero_anywhere(v: float) -> None:
    outs = [nb.persons_text(v), nb.usd_text(v), nb.pct_text(v), nb.change_persons_text(v),
            nb.change_pct_text(v), nb.change_usd_text(v), nb.integer(v), nb.usd_million(v),
            nb.pct(v), nb.coef(v), nb.fixed(v, 1)]
    for text in outs:
        assert not SCI.search(text), (v, text)
        assert not NEG_ZERO.search(text), (v, text)
        assert "-" not in text, (v, text)  # negative numbers use the true minus sign


@given(st.floats(min_value=-1e-12, max_value=1e-12, allow_nan=False))
def test_tiny_values_are_said_plainly(v: float) -> None:
    text = nb.pct_text(v)
    assert text in ("0%", "less than 0.01%", f"between {MINUS}0.01% and 0%")
    assert nb.change_pct_text(v) in ("no change", "a rise of less than 0.01%",
                                     "a fall of less than 0.01%")


def test_missing_values() -> None:
    for f in (nb.persons_text, nb.usd_text, nb.pct_text, nb.change_pct_text):
        assert f(float("nan")) == "no data"
    assert nb.is_missing(None) and nb.is_missing(pd.NA) and nb.is_missing(math.inf)
    assert not nb.is_missing(0.0)


@pytest.mark.parametrize("years,want", [
    ([1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024],
     [1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024]),
    (list(range(2000, 2023)), [2000, 2005, 2010, 2015, 2022]),
])
def test_year_ticks_do_not_crowd(years: list[int], want: list[int]) -> None:
    from labourlink.report.charts import year_ticks

    assert year_ticks(years) == want
