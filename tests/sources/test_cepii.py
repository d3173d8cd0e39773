"""CEPII GeoDist loader on the real files (pair_geo and capital points)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import cepii
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> list[SourceTable]:
    return cepii.load(data_dir)


@pytest.fixture(scope="module")
def pairs(tables: list[SourceTable]) -> pd.DataFrame:
    return tables[0].frame


def test_files_checksums_match_manifest(data_dir: Path) -> None:
    for rf in cepii.FILES:
        assert sha256_file(data_dir / rf.path) == rf.sha256, rf.path
        assert rf.url is not None and rf.url.startswith("https://raw.githubusercontent.com/")


def test_pair_geo_shape_columns_and_key(tables: list[SourceTable], pairs: pd.DataFrame) -> None:
    st = tables[0]
    assert st.table == "pair_geo"
    assert list(pairs.columns) == TABLES["pair_geo"].column_names
    assert len(pairs) == 50_176 == 224 * 224
    assert not pairs.duplicated(["iso_o", "iso_d"]).any()
    assert pairs["iso_o"].nunique() == pairs["iso_d"].nunique() == 224
    assert (pairs["source"] == "cepii_geodist").all()
    assert st.provenance.rows == len(pairs)
    assert st.provenance.sha256 == cepii.FILES[0].sha256


def test_distances_non_negative_and_missing_as_in_file(pairs: pd.DataFrame) -> None:
    for col in ("dist_km", "distcap_km", "distw_km", "distwces_km"):
        assert (pairs[col].dropna() >= 0).all()
    assert pairs["dist_km"].notna().all()
    # MANIFEST: 2,215 rows have '.' in distw and distwces
    assert pairs["distw_km"].isna().sum() == 2_215
    assert pairs["distwces_km"].isna().sum() == 2_215


def test_dummies_are_zero_one(pairs: pd.DataFrame) -> None:
    for col in cepii.DUMMIES:
        assert set(pairs[col].dropna().unique()) <= {0, 1}, col


def test_known_defects_repaired_and_counted(tables: list[SourceTable], pairs: pd.DataFrame) -> None:
    dropped = tables[0].provenance.dropped
    assert dropped[cepii._TYPO_REASON] == 1
    assert dropped[cepii._BLANK_REASON] == 1
    row = pairs[(pairs.iso_o == "ROU") & (pairs.iso_d == "BOL")]
    assert len(row) == 1 and pd.isna(row["curcol"].iloc[0])
    assert pairs["curcol"].isna().sum() == 1
    zk = pairs[(pairs.iso_o == "ZAF") & (pairs.iso_d == "KAZ")]
    kz = pairs[(pairs.iso_o == "KAZ") & (pairs.iso_d == "ZAF")]
    assert len(zk) == 1 and zk["dist_km"].iloc[0] == pytest.approx(10441.83)
    assert zk["dist_km"].iloc[0] == kz["dist_km"].iloc[0]


def test_legacy_codes_resolved(pairs: pd.DataFrame) -> None:
    codes = set(pairs["iso_o"])
    assert {"ROU", "COD", "TLS", "PSE"} <= codes
    assert not {"ROM", "ZAR", "TMP", "PAL"} & codes
    # distance symmetric and a plausible known value: Manila-Tokyo about 3,000 km
    d = pairs.set_index(["iso_o", "iso_d"])["dist_km"]
    assert d[("PHL", "JPN")] == pytest.approx(d[("JPN", "PHL")])
    assert 2_500 < d[("PHL", "JPN")] < 3_500


def test_capitals(tables: list[SourceTable]) -> None:
    st = tables[1]
    f = st.frame
    assert st.table == "country_point"
    assert list(f.columns) == TABLES["country_point"].column_names
    assert len(f) == 225 and f["iso3"].is_unique
    assert (f["kind"] == "capital").all()
    assert st.provenance.dropped == {"non_capital_city_rows": 13}
    pts = f.set_index("iso3")
    # capitals, not main cities: Canberra, Washington, Ottawa; Romania (ROM in the file) resolved
    assert pts.loc["AUS", "lat"] == pytest.approx(-35.3)
    assert pts.loc["USA", "lon"] == pytest.approx(-77.0)
    assert pts.loc["CAN", "lat"] == pytest.approx(45.42)
    assert "ROU" in pts.index
    assert f["lat"].abs().max() <= 90 and f["lon"].abs().max() <= 180


def test_text_in_distance_names_row_and_field(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, *cepii.FILES)
    lines = path.read_bytes().split(b"\r\n")[:300]  # a short copy keeps the test fast
    assert lines[2].startswith(b"ABW,AFG,")
    lines[2] = lines[2].replace(b"13257.81,13257.81", b"13257.81,about 13k", 1)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(SourceError) as exc:
        cepii.load_pair_geo(tmp_path)
    msg = str(exc.value)
    assert "dist_cepii.csv" in msg and "row 3" in msg and "'distcap'" in msg and "about 13k" in msg


def test_other_text_in_dummy_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, *cepii.FILES)
    lines = path.read_bytes().split(b"\r\n")[:300]
    lines[3] = lines[3].replace(b",0,0,0,0,0,0,0,0,", b",0,0,0,0,0,XX,0,0,", 1)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(SourceError, match=r"row 4.*'curcol'.*XX"):
        cepii.load_pair_geo(tmp_path)


def test_truncated_workbook(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *cepii.FILES)
    geo = tmp_path / cepii.GEO_FILE
    geo.write_bytes(geo.read_bytes()[:5000])
    with pytest.raises(SourceError, match="geo_cepii.xls"):
        cepii.load_capitals(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        cepii.load(tmp_path)


def test_blank_destination_not_inferable_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    path = copy_raw(data_dir, tmp_path, *cepii.FILES)
    data = path.read_bytes()
    bad_row = b"ZAF,,0,0,0,0,0,0,0,0,10441.83,9549.565,9716.657,9676.251"
    assert data.count(bad_row) == 1
    # distances no longer equal those of KAZ->ZAF: the blank cannot be filled safely
    path.write_bytes(data.replace(bad_row, bad_row.replace(b"10441.83", b"10000.00")))
    with pytest.raises(SourceError, match=r"row 49384.*'iso_d'.*cannot be inferred|"
                                          r"row 49384.*'iso_d'"):
        cepii.load_pair_geo(tmp_path)
