"""Centroids loader (360info largest polygon + mledoze points for territories)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import centroids
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> list[SourceTable]:
    return centroids.load(data_dir)


@pytest.fixture(scope="module")
def points(tables: list[SourceTable]) -> pd.DataFrame:
    return pd.concat([t.frame for t in tables], ignore_index=True)


def test_files_checksums(data_dir: Path) -> None:
    for rf in centroids.FILES:
        assert sha256_file(data_dir / rf.path) == rf.sha256, rf.path


def test_rows_columns_and_unique_key(tables: list[SourceTable], points: pd.DataFrame) -> None:
    first, second = tables
    for st in tables:
        assert st.table == "country_point"
        assert list(st.frame.columns) == TABLES["country_point"].column_names
        assert st.provenance.rows == len(st.frame)
    assert len(first.frame) == 199  # 218 rows minus the 19 numeric pseudo-codes
    assert first.provenance.dropped == {"disputed_area_numeric_pseudo_code": 19}
    assert second.provenance.dropped["already_in_360info"] + len(second.frame) == 250
    assert not points.duplicated(list(TABLES["country_point"].key)).any()
    assert (points["kind"] == "centroid").all()
    assert points["lat"].between(-90, 90).all() and points["lon"].between(-180, 180).all()
    assert not points["iso3"].str.fullmatch(r"\d+").any()


def test_territories_come_from_mledoze(tables: list[SourceTable]) -> None:
    first, second = tables
    sup = set(second.frame["iso3"])
    assert {"HKG", "MAC", "COK", "NIU", "TKL"} <= sup
    assert not sup & set(first.frame["iso3"])
    hkg = second.frame.set_index("iso3").loc["HKG"]
    assert hkg["lat"] == pytest.approx(22.267, abs=0.1) and hkg["lon"] == pytest.approx(114.188, abs=0.1)


def test_pacific_states_use_largest_polygon(points: pd.DataFrame) -> None:
    p = points.set_index("iso3")
    # MANIFEST: KIR 1.85, -157.35 (Kiritimati); FJI -17.84, 177.97; TUV -7.47, 178.69
    assert p.loc["KIR", "lon"] == pytest.approx(-157.35, abs=0.01)
    assert p.loc["FJI", "lon"] == pytest.approx(177.97, abs=0.01)
    assert p.loc["TUV", "lat"] == pytest.approx(-7.47, abs=0.01)
    for code in ("NRU", "MHL", "FSM", "PLW", "TON", "WSM", "MDV", "SGP", "BHR"):
        assert code in p.index


def test_text_in_latitude(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *centroids.FILES)
    path = tmp_path / centroids.LARGEST_FILE
    lines = path.read_text().splitlines()
    assert lines[2].startswith("GBR,")
    lines[2] = "GBR,United Kingdom,north,-2.5"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError) as exc:
        centroids.load(tmp_path)
    msg = str(exc.value)
    assert "centroids-oflargestpoly.csv" in msg and "row 3" in msg and "'lat'" in msg


def test_latitude_out_of_range(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *centroids.FILES)
    path = tmp_path / centroids.LARGEST_FILE
    lines = path.read_text().splitlines()
    lines[4] = "DZA,Algeria,128.16,2.67"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError, match=r"row 5.*'lat'"):
        centroids.load(tmp_path)


def test_unknown_code_is_listed(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *centroids.FILES)
    path = tmp_path / centroids.LARGEST_FILE
    lines = path.read_text().splitlines()
    lines[1] = "QQQ,Nowhere,1.0,2.0"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError, match="QQQ"):
        centroids.load(tmp_path)


def test_truncated_mledoze(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *centroids.FILES)
    path = tmp_path / centroids.MLEDOZE_FILE
    path.write_bytes(path.read_bytes()[:300])  # header cut in the middle
    with pytest.raises(SourceError, match="mledoze_countries.csv"):
        centroids.load(tmp_path)
