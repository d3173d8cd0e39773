"""Brief sections on the real store: the map's small states, footnotes from provenance."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def con(real_store: Path):
    c = duckdb.connect(str(real_store), read_only=True)
    yield c
    c.close()


def test_trends_section_draws_pacific_small_states_as_points(con) -> None:
    from labourlink.report.brief import _section_trends

    sec = _section_trends(con, "ESCAP", 2020)
    assert sec.unavailable == []
    note = " ".join(sec.paragraphs)
    for iso in ("SGP", "MDV", "TON", "WSM", "KIR", "TUV"):
        assert iso in note, iso
    slugs = [t.slug for t in sec.tables]
    assert slugs == ["1_migrant_stock_by_subregion", "1_intraregional_share", "1_top_corridors"]
    top = sec.tables[2].frame
    assert len(top) == 10 and top["persons"].is_monotonic_decreasing


def test_remittance_section_and_footnotes(con) -> None:
    from labourlink.report.brief import _footnotes, _section_remittances
    from labourlink.store import provenance_table

    sec = _section_remittances(con, "ESCAP", 2020)
    assert sec.unavailable == []
    notes = _footnotes([sec], provenance_table(con))
    texts = " ".join(n["text"] for n in notes)
    assert "wdi_remittances" in texts and "no provenance record" not in texts
    assert all(t.footnotes for t in sec.tables)
