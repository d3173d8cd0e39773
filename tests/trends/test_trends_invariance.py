"""Properties: results do not depend on row order nor on the grouping's code (hypothesis)."""

from __future__ import annotations

import pandas as pd
import pytest
import toystore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labourlink.trends import (
    intraregional_share,
    migrant_stock,
    remittances,
    top_corridors,
)

_ref = toystore.connect()
REF = {
    "share": intraregional_share("DUO", 2020, con=_ref),
    "stock": migrant_stock("ESCAP", None, side="origin", by="subregion", con=_ref),
    "corr": top_corridors(5, 2020, group="ESCAP", side="either", con=_ref),
    "rem": remittances("DUO", None, con=_ref),
}
_ref.close()

SETTINGS = settings(max_examples=8, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_invariant_to_row_order(seed):
    con = toystore.connect(seed=seed)
    try:
        pd.testing.assert_frame_equal(intraregional_share("DUO", 2020, con=con), REF["share"])
        pd.testing.assert_frame_equal(
            migrant_stock("ESCAP", None, side="origin", by="subregion", con=con), REF["stock"])
        pd.testing.assert_frame_equal(
            top_corridors(5, 2020, group="ESCAP", side="either", con=con), REF["corr"])
        pd.testing.assert_frame_equal(remittances("DUO", None, con=con), REF["rem"])
    finally:
        con.close()


@SETTINGS
@given(code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789", min_size=2, max_size=12)
       .filter(lambda c: c not in {"ESCAP", "SEA", "ENEA", "SSWA", "PACIFIC", "NCA"}
               and c not in {"PHL", "JPN", "IND", "AUS", "USA"}))
def test_invariant_to_renaming_the_group(code):
    groups = [(code if g == "DUO" else g, i) for g, i in toystore.GROUPS]
    con = toystore.connect(groups=groups)
    try:
        for fn, args, ref in (
            (intraregional_share, (2020,), REF["share"]),
            (remittances, (None,), REF["rem"]),
        ):
            got = fn(code, *args, con=con)
            assert (got["group"] == code).all()
            pd.testing.assert_frame_equal(got.drop(columns="group"), ref.drop(columns="group"))
    finally:
        con.close()


@pytest.mark.parametrize("members", [["PHL", "JPN"], ["JPN", "PHL"], ["jpn", "phl", "PHL"]])
def test_list_group_equals_named_group(toy, members):
    named = intraregional_share("DUO", 2020, con=toy).drop(columns="group")
    listed = intraregional_share(members, 2020, con=toy).drop(columns="group")
    pd.testing.assert_frame_equal(named, listed)
