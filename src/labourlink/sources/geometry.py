"""Country shapes for maps: Natural Earth 1:50m (TopoJSON) and 1:110m (GeoJSON). Not a store table.

``natural_earth_50m_topojson/countries-50m.json``
    Natural Earth v5.1.2 admin-0 countries at 1:50m as quantized TopoJSON (``world-atlas`` layout,
    objects ``countries`` and ``land``; UN boundary view). 239 geometries, including every UN
    member and observer (Tuvalu, Nauru, Singapore, Bahrain, ...). Read with :func:`world_topojson`;
    decode to GeoJSON-like features with :func:`topojson_features` (pure Python).
``natural_earth/ne_110m_admin_0_countries.geojson``
    Natural Earth 1:110m (177 features). Many small states are absent (Singapore, Bahrain, Malta,
    Maldives, Tonga, Samoa, Kiribati, Tuvalu): see :func:`small_states_missing_from_110m`.

Both get an ``iso3`` property (the join key for labourlink data):

- the ISO code (``isoA3`` at 50m, ``ISO_A3`` at 110m) when the file has one;
- else the Natural Earth ``adm0A3``/``ADM0_A3`` code through :data:`ADM0_TO_ISO3` (France and
  Norway lack an ISO code in these files; ``SDS``->``SSD``, ``SAH``->``ESH``, ``KOS``->``XKX``,
  ...);
- else ``None``: features that are not countries in labourlink's table (Ashmore and Cartier Is.,
  Indian Ocean Ter., Siachen Glacier at 50m; N. Cyprus and Somaliland at 110m). They can be drawn
  but join to no data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

from labourlink.errors import InvalidArgumentError, SourceError
from labourlink.sources.base import RemoteFile, github_raw, require_file

TOPO_50M_FILE = "natural_earth_50m_topojson/countries-50m.json"
GEOJSON_110M_FILE = "natural_earth/ne_110m_admin_0_countries.geojson"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        TOPO_50M_FILE,
        github_raw("cublya/world-atlas", "9ef13db2ef3be0409a40c447fa92c2bdec1ec6aa",
                   "countries-50m.json"),
        "202c1dc6e51332703306da7b53cdaabacfe9969c5fa830ee9b1d0a90bfdd1e17",
        note="Natural Earth (public domain) v5.1.2, world-atlas layout (ISC build code)",
    ),
    RemoteFile(
        GEOJSON_110M_FILE,
        github_raw("Alenriquez96/visited-countries", "8a0c1d43431f3601d3e7054a8e5a26dbaefd1f17",
                   "data/ne_110m_admin_0_countries.geojson"),
        "ccd1d800b623b24c8ec9aab1f7278acb440c102b8bc499688f294dce31cff282",
        note="Natural Earth (public domain) 1:110m admin-0 countries",
    ),
)

#: Natural Earth ``adm0_a3`` codes -> ISO3, used only where the file gives no ISO code.
ADM0_TO_ISO3: dict[str, str] = {
    "FRA": "FRA",
    "NOR": "NOR",
    "SDS": "SSD",
    "SAH": "ESH",
    "KOS": "XKX",
    "PSX": "PSE",
    "ALD": "ALA",
}

Json = dict[str, Any]


def _read_json(path: Path) -> Json:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"cannot be parsed as JSON ({exc})",
                          fix="the file may be truncated or corrupt; download it again") from exc
    if not isinstance(data, dict):
        raise SourceError(path, f"expected a JSON object, found {type(data).__name__}")
    return data


def _iso3(iso_code: object, adm0: object) -> str | None:
    """ISO3 of a Natural Earth feature: its ISO code, else the adm0 fix, else None."""
    if isinstance(iso_code, str) and len(iso_code) == 3 and iso_code.isalpha():
        return iso_code.upper()
    if isinstance(adm0, str):
        return ADM0_TO_ISO3.get(adm0.upper())
    return None


def world_topojson(data_dir: Path) -> Json:
    """The Natural Earth 1:50m countries TopoJSON, each geometry with an ``iso3`` property.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    dict
        The TopoJSON ``Topology`` as parsed (quantized arcs, ``transform``; coordinates decode to
        WGS84 longitude/latitude in degrees), with ``properties["iso3"]`` added to every geometry
        of ``objects["countries"]`` (``None`` for the three non-country features).

    Raises
    ------
    SourceError
        If the file is missing, not JSON, or not a TopoJSON topology with a ``countries`` object.
    """
    path = require_file(Path(data_dir), TOPO_50M_FILE)
    topo = _read_json(path)
    if topo.get("type") != "Topology" or "arcs" not in topo:
        raise SourceError(path, f"not a TopoJSON Topology (type {topo.get('type')!r})",
                          field="type", fix="use countries-50m.json as published by world-atlas")
    countries = topo.get("objects", {}).get("countries")
    if not isinstance(countries, dict) or "geometries" not in countries:
        raise SourceError(path, "object 'countries' with 'geometries' not found; objects present: "
                          f"{list(topo.get('objects', {}))}", field="objects")
    seen: dict[str, int] = {}
    for n, geom in enumerate(countries["geometries"]):
        props = geom.setdefault("properties", {})
        iso = _iso3(props.get("isoA3"), props.get("adm0A3"))
        props["iso3"] = iso
        if iso is not None:
            if iso in seen:
                raise SourceError(path, f"two geometries for iso3 {iso!r} (#{seen[iso]} and #{n})",
                                  row=n, field="iso3")
            seen[iso] = n
    return topo


def _decode_arcs(topo: Json) -> list[list[list[float]]]:
    """Absolute lon/lat positions of every arc (delta-decoded and de-quantized if needed)."""
    transform = topo.get("transform")
    out: list[list[list[float]]] = []
    if transform:
        sx, sy = transform["scale"]
        tx, ty = transform["translate"]
        for arc in topo["arcs"]:
            xs = accumulate(p[0] for p in arc)
            ys = accumulate(p[1] for p in arc)
            out.append([[x * sx + tx, y * sy + ty] for x, y in zip(xs, ys, strict=True)])
    else:
        out = [[[float(p[0]), float(p[1])] for p in arc] for arc in topo["arcs"]]
    return out


def _line(indices: Iterable[int], arcs: Sequence[list[list[float]]]) -> list[list[float]]:
    """Stitch arcs (negative index ``~i`` = arc ``i`` reversed), dropping shared end points."""
    coords: list[list[float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        coords.extend(arc if not coords else arc[1:])
    return coords


def _point(p: Sequence[float], transform: Json | None) -> list[float]:
    if not transform:
        return [float(p[0]), float(p[1])]
    return [p[0] * transform["scale"][0] + transform["translate"][0],
            p[1] * transform["scale"][1] + transform["translate"][1]]


def _geometry(geom: Json, arcs: Sequence[list[list[float]]], transform: Json | None) -> Json | None:
    kind = geom.get("type")
    if kind is None:
        return None
    if kind == "Polygon":
        return {"type": kind, "coordinates": [_line(r, arcs) for r in geom["arcs"]]}
    if kind == "MultiPolygon":
        return {"type": kind,
                "coordinates": [[_line(r, arcs) for r in poly] for poly in geom["arcs"]]}
    if kind == "LineString":
        return {"type": kind, "coordinates": _line(geom["arcs"], arcs)}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [_line(a, arcs) for a in geom["arcs"]]}
    if kind == "Point":
        return {"type": kind, "coordinates": _point(geom["coordinates"], transform)}
    if kind == "MultiPoint":
        return {"type": kind, "coordinates": [_point(p, transform) for p in geom["coordinates"]]}
    raise InvalidArgumentError("geometry type", kind, ["Polygon", "MultiPolygon", "LineString",
                                                        "MultiLineString", "Point", "MultiPoint"])


def topojson_features(topo: Json, object_name: str = "countries") -> list[Json]:
    """Decode one TopoJSON object to GeoJSON-like features (pure Python).

    Parameters
    ----------
    topo : dict
        A TopoJSON ``Topology`` such as :func:`world_topojson` returns.
    object_name : str, default ``"countries"``
        The object in ``topo["objects"]`` to decode.

    Returns
    -------
    list[dict]
        ``{"type": "Feature", "id": ..., "properties": {...}, "geometry": {...}}`` per geometry,
        coordinates ``[longitude, latitude]`` in degrees; ``properties["iso3"]`` as set by
        :func:`world_topojson` (computed here if absent). Null geometries give ``geometry None``.

    Raises
    ------
    InvalidArgumentError
        If ``object_name`` is not an object of the topology.
    """
    objects = topo.get("objects", {})
    if object_name not in objects:
        raise InvalidArgumentError("object_name", object_name, sorted(objects))
    obj = objects[object_name]
    geoms = obj["geometries"] if obj.get("type") == "GeometryCollection" else [obj]
    arcs = _decode_arcs(topo)
    transform = topo.get("transform")
    features: list[Json] = []
    for g in geoms:
        props = dict(g.get("properties") or {})
        if "iso3" not in props and ("isoA3" in props or "adm0A3" in props):
            props["iso3"] = _iso3(props.get("isoA3"), props.get("adm0A3"))
        feature: Json = {"type": "Feature", "properties": props,
                         "geometry": _geometry(g, arcs, transform)}
        if "id" in g:
            feature["id"] = g["id"]
        features.append(feature)
    return features


def ne110_geojson(data_dir: Path) -> Json:
    """Natural Earth 1:110m countries GeoJSON, each feature with an ``iso3`` property.

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files.

    Returns
    -------
    dict
        The ``FeatureCollection`` as parsed (WGS84 degrees), with ``properties["iso3"]`` from
        ``ISO_A3``, else ``ADM0_A3`` through :data:`ADM0_TO_ISO3` (Norway, Kosovo), else ``None``
        (N. Cyprus, Somaliland).

    Raises
    ------
    SourceError
        If the file is missing, not JSON, not a FeatureCollection, or two features share an iso3.
    """
    path = require_file(Path(data_dir), GEOJSON_110M_FILE)
    data = _read_json(path)
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise SourceError(path, f"not a GeoJSON FeatureCollection (type {data.get('type')!r})",
                          field="type", fix="use the Natural Earth 110m GeoJSON as published")
    seen: dict[str, int] = {}
    for n, feature in enumerate(data["features"]):
        props = feature.setdefault("properties", {})
        iso = _iso3(props.get("ISO_A3"), props.get("ADM0_A3"))
        props["iso3"] = iso
        if iso is not None:
            if iso in seen:
                raise SourceError(path, f"two features for iso3 {iso!r} (#{seen[iso]} and #{n})",
                                  row=n, field="iso3")
            seen[iso] = n
    return data


def small_states_missing_from_110m(data_dir: Path, iso3s: Iterable[str]) -> list[str]:
    """The codes of ``iso3s`` that have no shape in the 1:110m layer (draw them as points).

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files.
    iso3s : Iterable[str]
        ISO3 codes to check (for instance the ESCAP members).

    Returns
    -------
    list[str]
        The missing codes, upper-cased, in input order, without repeats.
    """
    present = {f["properties"]["iso3"] for f in ne110_geojson(data_dir)["features"]}
    out: list[str] = []
    for code in iso3s:
        c = str(code).strip().upper()
        if c not in present and c not in out:
            out.append(c)
    return out
