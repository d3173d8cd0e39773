"""WTO HS_M_0010 bilateral imports loader and mirror-flow view."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rawcopy import copy_raw

from labourlink.errors import InvalidArgumentError, SourceError
from labourlink.sources import wto_imports
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def table(data_dir: Path) -> SourceTable:
    (st_,) = wto_imports.load(data_dir)
    return st_


@pytest.fixture(scope="module")
def trade(table: SourceTable) -> pd.DataFrame:
    return table.frame


def _value(f: pd.DataFrame, e: str, m: str, y: int) -> float:
    r = f[(f.exporter == e) & (f.importer == m) & (f.year == y)]
    assert len(r) == 1, (e, m, y)
    return float(r["value"].iloc[0])


def test_file_checksum_and_no_public_address(data_dir: Path) -> None:
    (rf,) = wto_imports.FILES
    assert rf.url is None and "aggregation" in rf.note
    assert sha256_file(data_dir / rf.path) == rf.sha256


def test_rows_dropped_and_counted(table: SourceTable, trade: pd.DataFrame) -> None:
    dropped = table.provenance.dropped
    assert dropped["partner_world_total (WLD, code 000)"] == 2_015
    assert dropped["partner_eu_aggregate (codes 899, 228)"] == 309
    assert len(trade) + sum(dropped.values()) == 279_732  # every input row accounted for
    assert table.provenance.rows == len(trade)


def test_schema_key_units(trade: pd.DataFrame) -> None:
    assert list(trade.columns) == TABLES["trade"].column_names
    assert not trade.duplicated(list(TABLES["trade"].key)).any()
    assert (trade["value"] >= 0).all()
    assert (trade["value"] == 0).sum() == 25
    assert set(trade["unit"]) == {"current US$"} and set(trade["product"]) == {"_T"}
    assert trade["year"].dtype.kind == "i"
    assert "WLD" not in set(trade["exporter"])
    assert "EUN" not in set(trade["exporter"])  # EU as partner dropped
    assert "EUN" in set(trade["importer"])  # EU as reporter kept as a special code


def test_years_and_reporters(trade: pd.DataFrame) -> None:
    years = set(trade["year"])
    assert 2009 not in years and min(years) == 1996 and max(years) == 2020
    assert trade.loc[trade.year == 2020, "importer"].nunique() == 9
    assert trade["importer"].nunique() == 137
    assert "VNM" not in set(trade["importer"]) and "VNM" in set(trade["exporter"])
    assert "SLB" not in set(trade["importer"]) and "SLB" in set(trade["exporter"])


def test_published_numbers(trade: pd.DataFrame, data_dir: Path) -> None:
    # MANIFEST section 9: USA imports from CHN 2019 446.6 bn; PHL total 2018 119.0 bn
    assert _value(trade, "CHN", "USA", 2019) / 1e9 == pytest.approx(446.6, abs=0.05)
    assert _value(trade, "CHN", "JPN", 2019) / 1e9 == pytest.approx(167.6, abs=0.05)
    totals = wto_imports.world_totals(data_dir).set_index(["importer", "year"])["value"]
    assert totals[("PHL", 2018)] / 1e9 == pytest.approx(119.0, abs=0.05)
    phl = trade[(trade.importer == "PHL") & (trade.year == 2018)]["value"].sum()
    assert phl / totals[("PHL", 2018)] == pytest.approx(1.0, abs=0.01)


def test_partner_sum_matches_world_row(trade: pd.DataFrame, data_dir: Path) -> None:
    totals = wto_imports.world_totals(data_dir).set_index(["importer", "year"])["value"]
    assert len(totals) == 2_015
    # the dropped EU-partner rows belong to the partner sum of the file's check
    sums = trade.groupby(["importer", "year"])["value"].sum()
    ratio = (sums / totals).dropna()
    assert len(ratio) == 2_015
    assert ratio.median() == pytest.approx(0.997, abs=0.002)


def test_mirror_flows_for_missing_reporters(trade: pd.DataFrame) -> None:
    both = wto_imports.with_mirror_flows(trade)
    assert len(both) == 2 * len(trade)
    assert list(both.columns) == ["iso3", "partner", "year", "flow", "value", "basis"]
    vnm = both[both.iso3 == "VNM"]
    assert set(vnm["flow"]) == {"export"} and set(vnm["basis"]) == {"mirror"}
    # CHN did not report in 2019: its exports there are mirror flows, its imports unknown
    chn19 = both[(both.iso3 == "CHN") & (both.year == 2019)]
    assert set(chn19["flow"]) == {"export"}
    usa = chn19[chn19.partner == "USA"]["value"].iloc[0]
    assert usa / 1e9 == pytest.approx(446.6, abs=0.05)
    ry = wto_imports.reporter_years(trade)
    assert not ((ry.iso3 == "CHN") & (ry.year == 2019)).any()
    assert ((ry.iso3 == "CHN") & (ry.year == 2018)).any()


def test_mirror_flows_rejects_other_frames() -> None:
    with pytest.raises(InvalidArgumentError):
        wto_imports.with_mirror_flows(pd.DataFrame({"a": [1]}))


codes = st.sampled_from(["AUS", "CHN", "FJI", "PHL", "VNM"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(codes, codes, st.integers(1996, 2020),
                          st.floats(0, 1e12, allow_nan=False)), min_size=0, max_size=30))
def test_mirror_view_preserves_totals(rows: list[tuple[str, str, int, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["exporter", "importer", "year", "value"])
    frame = frame.drop_duplicates(["exporter", "importer", "year"])
    out = wto_imports.with_mirror_flows(frame)
    imp = out[out.flow == "import"]
    exp = out[out.flow == "export"]
    assert len(imp) == len(exp) == len(frame)
    assert imp["value"].sum() == pytest.approx(frame["value"].sum())
    assert exp["value"].sum() == pytest.approx(frame["value"].sum())
    for iso in set(frame["importer"]):
        assert imp.loc[imp.iso3 == iso, "value"].sum() == pytest.approx(
            frame.loc[frame.importer == iso, "value"].sum())
    assert (out["basis"] == out["flow"].map({"import": "reported", "export": "mirror"})).all()


def test_text_in_value_names_row(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, wto_imports.FILE)
    with gzip.open(path, "rt") as fh:
        lines = fh.read().splitlines()[:50]
    assert lines[4].startswith("1996,032,ARG,Argentina,012,DZA")
    lines[4] = lines[4].replace(",25364535,", ",n/a 25m,")
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    with pytest.raises(SourceError) as exc:
        wto_imports.load(tmp_path)
    msg = str(exc.value)
    assert "wto_hs_m_0010" in msg and "row 5" in msg and "'imports_usd'" in msg


def test_truncated_gzip(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, wto_imports.FILE)
    path.write_bytes(path.read_bytes()[: 200_000])
    with pytest.raises(SourceError, match="wto_hs_m_0010"):
        wto_imports.load(tmp_path)


def test_duplicate_row_named(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, wto_imports.FILE)
    with gzip.open(path, "rt") as fh:
        lines = fh.read().splitlines()[:20]
    lines.append(lines[5])
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    with pytest.raises(SourceError, match=r"row 21.*duplicate|duplicate.*row 21"):
        wto_imports.load(tmp_path)
