"""vcov parsing and the nesting rule of the small-sample correction."""

from __future__ import annotations

import numpy as np
import pytest

from labourlink.errors import InvalidArgumentError
from labourlink.gravity.covariance import VcovSpec, _fully_nested, parse_vcov


def test_parse_vcov() -> None:
    assert parse_vcov("iid") == VcovSpec("iid")
    assert parse_vcov("HC1") == VcovSpec("hetero")
    assert parse_vcov({"CRV1": "exp + imp"}) == VcovSpec("CRV1", ("exp", "imp"))
    assert parse_vcov({"CRV1": "pair"}).label == "CRV1 by pair"
    for bad in ("robust", {"CRV3": "pair"}, {"CRV1": "a+b+c"}, {"CRV1": ""}):
        with pytest.raises(InvalidArgumentError, match="vcov="):
            parse_vcov(bad)  # type: ignore[arg-type]


def test_fully_nested() -> None:
    pair = np.array([0, 0, 1, 1, 2, 2])
    exp = np.array([0, 0, 0, 0, 1, 1])
    year = np.array([0, 1, 0, 1, 0, 1])
    assert _fully_nested(pair, exp)  # every pair has one exporter
    assert not _fully_nested(exp, pair)
    assert not _fully_nested(year, exp)
