"""Maps: choropleths by ISO3 on Natural Earth 1:110m, small states as points at CEPII capitals.

Geometry comes from :mod:`labourlink.sources.geometry` (the raw Natural Earth files in
``LABOURLINK_DATA_DIR``; shapes are not a store table). Small states that the 110m layer lacks
(Singapore, Bahrain, Maldives, Tonga, Samoa, Kiribati, Tuvalu, ...) are drawn as circles at the
coordinates of the store's ``country_point`` table (CEPII capitals, ``kind = 'capital'``; other
point kinds as a fallback), so Pacific and Gulf corridors stay visible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from labourlink import config


@lru_cache(maxsize=4)
def _ne110(data_dir: str) -> dict[str, Any]:
    from labourlink.sources.geometry import ne110_geojson

    return ne110_geojson(Path(data_dir))


@lru_cache(maxsize=4)
def _topo_bytes(data_dir: str) -> bytes:
    from labourlink.sources.geometry import world_topojson

    return json.dumps(world_topojson(Path(data_dir)), separators=(",", ":")).encode()


def world_topojson_bytes(data_dir: Path | None = None) -> bytes:
    """The 1:50m world TopoJSON (with ``iso3`` properties) as compact JSON bytes (cached)."""
    return _topo_bytes(str(data_dir or config.data_dir()))


def country_points(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, float, str]]:
    """ISO3 -> (lat, lon, source) from ``country_point``, CEPII capitals preferred."""
    rows = con.execute(
        "SELECT iso3, lat, lon, source FROM country_point ORDER BY iso3, "
        "CASE WHEN kind = 'capital' THEN 0 ELSE 1 END, source").fetchall()
    out: dict[str, tuple[float, float, str]] = {}
    for iso, lat, lon, src in rows:
        out.setdefault(iso, (float(lat), float(lon), src))
    return out


def _rings(geom: Mapping[str, Any]) -> list[np.ndarray]:
    if geom is None:
        return []
    if geom["type"] == "Polygon":
        polys = [geom["coordinates"]]
    elif geom["type"] == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        return []
    return [np.asarray(p[0], dtype=float) for p in polys if p and len(p[0]) >= 3]


def choropleth(
    values: Mapping[str, float],
    points: Mapping[str, tuple[float, float, str]],
    *,
    title: str,
    unit: str,
    log_scale: bool = True,
    extent: tuple[float, float, float, float] | None = (25.0, 200.0, -50.0, 60.0),
    data_dir: Path | None = None,
) -> tuple[Figure, list[str]]:
    """Choropleth of ``values`` (ISO3 -> number in ``unit``) with small states as points.

    Parameters
    ----------
    values
        ISO3 -> value (countries absent or NaN are grey).
    points
        ISO3 -> (lat, lon, source) for countries without a 110m shape.
    title, unit
        Axis title and colour-bar label (the unit, e.g. ``"persons"``).
    log_scale
        Logarithmic colour scale (values <= 0 are drawn grey).
    extent
        (lon_min, lon_max, lat_min, lat_max) in degrees; the default frames Asia and the Pacific,
        with longitudes east of 180 wrapped (Tonga at -175 is drawn at 185). ``None``: the world.

    Returns
    -------
    (Figure, list[str])
        The figure and the ISO3 codes drawn as points.
    """
    gj = _ne110(str(data_dir or config.data_dir()))
    vals = {k: float(v) for k, v in values.items()
            if v is not None and np.isfinite(v) and (v > 0 or not log_scale)}
    vmin = min(vals.values()) if vals else 1.0
    vmax = max(vals.values()) if vals else 10.0
    norm: Normalize = (LogNorm(vmin=max(vmin, 1e-9), vmax=max(vmax, vmin * 10))
                       if log_scale else Normalize(vmin=vmin, vmax=vmax))
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    fig = Figure(figsize=(9, 5.2))
    ax = fig.add_subplot(111)
    shifts = [0.0, 360.0] if extent is not None and extent[1] > 180 else [0.0]
    patches, colours = [], []
    present: set[str] = set()
    for f in gj["features"]:
        iso = f["properties"].get("iso3")
        if iso:
            present.add(iso)
        col = cmap(norm(vals[iso])) if iso in vals else (0.86, 0.86, 0.86, 1.0)
        for ring in _rings(f["geometry"]):
            for s in shifts:
                r = ring.copy()
                r[:, 0] += s
                patches.append(Polygon(r, closed=True))
                colours.append(col)
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="white",
                                      linewidths=0.3))
    drawn: list[str] = []
    for iso, v in sorted(vals.items()):
        if iso in present or iso not in points:
            continue
        lat, lon, _ = points[iso]
        if extent is not None and extent[1] > 180 and lon < 0:
            lon += 360.0
        ax.scatter([lon], [lat], s=28, color=cmap(norm(v)), edgecolors="black", linewidths=0.6,
                   zorder=3)
        ax.annotate(iso, (lon, lat), xytext=(3, 3), textcoords="offset points", fontsize=6)
        drawn.append(iso)
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    else:
        ax.set_xlim(-180, 180)
        ax.set_ylim(-60, 85)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, shrink=0.7, label=unit)
    fig.tight_layout()
    return fig, drawn
