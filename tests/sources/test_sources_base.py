"""Shared loader helpers of labourlink.sources.base (frame builders and checks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labourlink.errors import SourceError
from labourlink.sources.base import (
    check_columns,
    check_integer,
    covariate_frame,
    indicator_frame,
    label_year,
    to_numeric_checked,
    trade_frame,
)
from labourlink.store.schema import TABLES

PATH = Path("x.csv")


def test_to_numeric_checked_non_negative_parses_and_rejects_negatives() -> None:
    ok = to_numeric_checked(pd.DataFrame({"v": ["1", "..", "2,500"]}), "v", PATH,
                            na_values=[".."], non_negative=True)
    assert ok.tolist()[0] == 1.0 and np.isnan(ok.iloc[1]) and ok.iloc[2] == 2500.0
    with pytest.raises(SourceError, match=r"row 3, field 'v'.*negative value .*-4\.0"):
        to_numeric_checked(pd.DataFrame({"v": ["1", "-4"]}), "v", PATH, non_negative=True)
    assert to_numeric_checked(pd.DataFrame({"v": ["-4"]}), "v", PATH).tolist() == [-4.0]
    with pytest.raises(SourceError, match=r"row 2, field 'v'.*expected a number, found 'x'"):
        to_numeric_checked(pd.DataFrame({"v": ["x"]}), "v", PATH, non_negative=True)


def test_check_columns_names_missing_and_present() -> None:
    check_columns(pd.DataFrame({"a": [1], "b": [2]}), ["a", "b"], PATH, fix="f")
    with pytest.raises(SourceError, match=r"field 'c'.*columns missing: \['c'\]; present: "
                       r"\['a', 'b'\]"):
        check_columns(pd.DataFrame({"a": [1], "b": [2]}), ["a", "c"], PATH, fix="f")


def test_check_integer_names_first_fractional_row() -> None:
    check_integer(pd.Series([1990.0, 2020.0]), PATH, "year")
    with pytest.raises(SourceError, match=r"row 3, field 'year'.*year .*2000\.5.* is not an integer"):
        check_integer(pd.Series([1990.0, 2000.5, 2001.5]), PATH, "year", row_offset=2)


def test_trade_frame_columns_and_types() -> None:
    df = trade_frame(pd.Series(["JPN", "PHL"], index=[5, 9]), np.array(["USA", "JPN"]),
                     pd.Series([2000.0, 2001.0]), [1.5, 0.0], unit="current US$", source="s")
    assert list(df.columns) == TABLES["trade"].column_names
    assert df["year"].dtype == np.int64 and df["year"].tolist() == [2000, 2001]
    assert df["exporter"].tolist() == ["JPN", "PHL"]  # positional, not aligned on the index
    assert (df["product"] == "_T").all() and (df["unit"] == "current US$").all()
    per_product = trade_frame(["A"], ["B"], [2000], [1.0], unit="EUR", source="s", product=["7"])
    assert per_product["product"].tolist() == ["7"]


def test_covariate_frame_is_long_and_name_major() -> None:
    keys = pd.DataFrame({"exporter": ["A", "B"], "importer": ["B", "A"], "year": [2000, 2000]},
                        index=[3, 1])
    cov = covariate_frame(keys, {"dist": [10.0, 20.0], "rta": np.array([1.0, 0.0])}, "s")
    assert list(cov.columns) == TABLES["trade_covariate"].column_names
    assert cov["name"].tolist() == ["dist", "dist", "rta", "rta"]
    assert cov["value"].tolist() == [10.0, 20.0, 1.0, 0.0]
    assert cov["exporter"].tolist() == ["A", "B", "A", "B"]
    assert cov.index.tolist() == [0, 1, 2, 3] and (cov["source"] == "s").all()


def test_indicator_frame_scalar_and_per_row_codes() -> None:
    df = indicator_frame(pd.Series(["PHL", "IND"], index=[4, 2]), [2020, 2021], [1, 2],
                         code=pd.Series(["A", "B"]), unit="US$", source="s")
    assert list(df.columns) == TABLES["indicator"].column_names
    assert df["code"].tolist() == ["A", "B"] and df["value"].dtype == np.float64
    assert df["iso3"].tolist() == ["PHL", "IND"] and df.index.tolist() == [0, 1]


def test_label_year_accepts_whole_years_only() -> None:
    assert [label_year(v) for v in (2019, "2019", 2019.0, " 2019 ", "1900", "2100")] == \
        [2019, 2019, 2019, 2019, 1900, 2100]
    assert [label_year(v) for v in ("Country", 2019.5, float("nan"), None, 1899, 2101, "")] == \
        [None] * 7
