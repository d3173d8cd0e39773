"""Map geometry: Natural Earth 1:50m TopoJSON decoding and the 1:110m GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labourlink.errors import InvalidArgumentError, SourceError
from labourlink.sources import geometry
from labourlink.sources.base import sha256_file


@pytest.fixture(scope="module")
def topo(data_dir: Path) -> dict[str, Any]:
    return geometry.world_topojson(data_dir)


@pytest.fixture(scope="module")
def features(topo: dict[str, Any]) -> list[dict[str, Any]]:
    return geometry.topojson_features(topo)


@pytest.fixture(scope="module")
def ne110(data_dir: Path) -> dict[str, Any]:
    return geometry.ne110_geojson(data_dir)


def _rings(geom: dict[str, Any]) -> list[list[list[float]]]:
    if geom["type"] == "Polygon":
        return geom["coordinates"]
    return [r for poly in geom["coordinates"] for r in poly]


def test_files_checksums(data_dir: Path) -> None:
    for rf in geometry.FILES:
        assert sha256_file(data_dir / rf.path) == rf.sha256, rf.path


def test_239_geometries_with_iso3(features: list[dict[str, Any]]) -> None:
    assert len(features) == 239
    isos = [f["properties"]["iso3"] for f in features]
    named = [i for i in isos if i is not None]
    assert len(named) == len(set(named)) == 236
    no_iso = sorted(f["properties"]["name"] for f in features if f["properties"]["iso3"] is None)
    assert no_iso == ["Ashmore and Cartier Is.", "Indian Ocean Ter.", "Siachen Glacier"]
    assert {"FRA", "NOR", "SSD", "ESH", "TUV", "SGP", "BHR", "NRU", "MHL", "COK", "NIU"} <= set(named)
    assert not {"SDS", "SAH"} & set(named)


def test_iso3_codes_are_known_countries(features: list[dict[str, Any]]) -> None:
    from labourlink.countries import country_table

    known = set(country_table()["iso3"])
    named = {f["properties"]["iso3"] for f in features} - {None}
    assert named <= known, sorted(named - known)


def test_decoded_rings_closed_and_in_range(features: list[dict[str, Any]]) -> None:
    n_points = 0
    for f in features:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        for ring in _rings(f["geometry"]):
            assert len(ring) >= 4 and ring[0] == pytest.approx(ring[-1])
            n_points += len(ring)
            for lon, lat in ring:
                assert -180.0001 <= lon <= 180.0001 and -90.0001 <= lat <= 90.0001
    assert n_points > 50_000


def _bbox(f: dict[str, Any]) -> tuple[float, float, float, float]:
    pts = [p for r in _rings(f["geometry"]) for p in r]
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
            max(p[1] for p in pts))


def test_shapes_are_where_the_countries_are(features: list[dict[str, Any]]) -> None:
    by = {f["properties"]["iso3"]: f for f in features}
    lon0, lat0, lon1, lat1 = _bbox(by["SGP"])
    assert 103.5 < lon0 < lon1 < 104.2 and 1.1 < lat0 < lat1 < 1.5
    lon0, lat0, lon1, lat1 = _bbox(by["TUV"])
    assert 176 < lon0 and lon1 < 180 and -11 < lat0 < lat1 < -5
    lon0, lat0, lon1, lat1 = _bbox(by["NOR"])
    assert lon0 < 10.75 < lon1 and lat0 < 59.91 < lat1  # Oslo inside (with Svalbard, Jan Mayen)
    assert 57 < lat0 < 58.5 and lat1 > 79
    assert by["FRA"]["id"] == "250" and by["FRA"]["geometry"]["type"] == "MultiPolygon"


def test_land_object_and_unknown_object(topo: dict[str, Any]) -> None:
    land = geometry.topojson_features(topo, "land")
    assert len(land) == 1 and land[0]["geometry"]["type"] == "MultiPolygon"
    with pytest.raises(InvalidArgumentError, match="countries"):
        geometry.topojson_features(topo, "oceans")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(-500, 500), st.integers(-500, 500)), min_size=2,
                max_size=20),
       st.floats(0.001, 1.0), st.floats(-180, 0))
def test_quantized_arcs_decode_to_absolute_positions(
        deltas: list[tuple[int, int]], scale: float, shift: float) -> None:
    topo = {"type": "Topology", "transform": {"scale": [scale, scale], "translate": [shift, shift]},
            "arcs": [[list(d) for d in deltas]],
            "objects": {"x": {"type": "LineString", "arcs": [0]},
                        "y": {"type": "LineString", "arcs": [-1]}}}
    (fx,) = geometry.topojson_features(topo, "x")
    (fy,) = geometry.topojson_features(topo, "y")
    x = y = 0
    expected = []
    for dx, dy in deltas:
        x, y = x + dx, y + dy
        expected.append([x * scale + shift, y * scale + shift])
    flat = [v for p in expected for v in p]
    flat_rev = [v for p in expected[::-1] for v in p]
    assert [v for p in fx["geometry"]["coordinates"] for v in p] == pytest.approx(flat)
    assert [v for p in fy["geometry"]["coordinates"] for v in p] == pytest.approx(flat_rev)


def test_arcs_are_stitched_without_repeating_shared_points() -> None:
    topo = {"type": "Topology", "arcs": [[[0, 0], [1, 0], [1, 1]], [[1, 1], [0, 1], [0, 0]]],
            "objects": {"sq": {"type": "Polygon", "arcs": [[0, 1]], "properties": {"adm0A3": "NOR"}}}}
    (f,) = geometry.topojson_features(topo, "sq")
    assert f["geometry"]["coordinates"] == [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
    assert f["properties"]["iso3"] == "NOR"


def test_ne110(ne110: dict[str, Any]) -> None:
    feats = ne110["features"]
    assert len(feats) == 177
    isos = [f["properties"]["iso3"] for f in feats]
    assert "NOR" in isos and "XKX" in isos and "SSD" in isos and "ESH" in isos
    no_iso = sorted(f["properties"]["ADMIN"] for f in feats if f["properties"]["iso3"] is None)
    assert no_iso == ["Northern Cyprus", "Somaliland"]
    named = [i for i in isos if i is not None]
    assert len(named) == len(set(named))


def test_small_states_missing_from_110m(data_dir: Path, features: list[dict[str, Any]]) -> None:
    asked = ["TUV", "SGP", "BHR", "MLT", "MDV", "TON", "WSM", "KIR", "FJI", "VUT", "SLB", "sgp"]
    missing = geometry.small_states_missing_from_110m(data_dir, asked)
    assert missing == ["TUV", "SGP", "BHR", "MLT", "MDV", "TON", "WSM", "KIR"]
    in_50m = {f["properties"]["iso3"] for f in features}
    assert set(missing) <= in_50m  # the 50m layer has every one of them


def test_truncated_topojson(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / geometry.TOPO_50M_FILE
    target.parent.mkdir(parents=True)
    target.write_bytes((data_dir / geometry.TOPO_50M_FILE).read_bytes()[:10_000])
    with pytest.raises(SourceError, match="countries-50m.json.*JSON"):
        geometry.world_topojson(tmp_path)


def test_geojson_that_is_not_a_collection(tmp_path: Path) -> None:
    target = tmp_path / geometry.GEOJSON_110M_FILE
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"type": "Feature", "properties": {}}))
    with pytest.raises(SourceError, match="FeatureCollection"):
        geometry.ne110_geojson(tmp_path)
