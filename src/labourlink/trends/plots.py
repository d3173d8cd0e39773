"""Plots of the trends tables: matplotlib :class:`~matplotlib.figure.Figure` objects, offline.

Each function takes a frame returned by a :mod:`labourlink.trends` function and returns a Figure
built without pyplot (no global state, Agg canvas), which :func:`save_figure` writes to PNG or SVG.

* :func:`stocks_by_subregion_area`: stacked area of migrant stocks by subregion
  (from :func:`labourlink.trends.migrant_stock` with ``by="subregion"``).
* :func:`corridor_sankey`: two-column Sankey of origin -> destination corridors
  (from :func:`labourlink.trends.top_corridors` or :func:`labourlink.trends.remittance_corridors`).
* :func:`remittances_pct_gdp`: remittances received as % of GDP, bars (one year) or lines
  (from :func:`labourlink.trends.remittance_dependence` or :func:`labourlink.trends.remittances`).
* :func:`emigration_choropleth`: choropleth of the emigration rate on GeoJSON-like features
  carrying an ISO3 code (e.g. from ``labourlink.sources.geometry.topojson_features``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from labourlink.errors import InvalidArgumentError

SUBREGION_LABELS = {
    "ENEA": "East and North-East Asia",
    "SEA": "South-East Asia",
    "SSWA": "South and South-West Asia",
    "NCA": "North and Central Asia",
    "PACIFIC": "Pacific",
    "OUTSIDE_ESCAP": "Outside ESCAP",
}
SUBREGION_ORDER = ["ENEA", "SEA", "SSWA", "NCA", "PACIFIC", "OUTSIDE_ESCAP"]
NO_DATA_COLOUR = "#d9d9d9"
#: Rings lying entirely west of this longitude are drawn shifted by +360 degrees on Pacific-centred
#: maps (Pacific islands, Chukotka, Fiji and Kiribati stay whole).
PACIFIC_SHIFT_BELOW = -100.0


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _require(df: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InvalidArgumentError(what, f"frame without {missing}", f"a frame with columns {list(cols)}")


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix: ``.png`` or ``.svg``); returns the path."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InvalidArgumentError("path", str(path), "a file name ending in .png or .svg")
    fig.savefig(p, format=fmt, dpi=dpi)
    return p


def stocks_by_subregion_area(df: pd.DataFrame, title: str | None = None) -> Figure:
    """Stacked area of migrant stocks (millions of persons) by subregion over the years.

    Parameters
    ----------
    df
        Output of ``migrant_stock(..., by="subregion")`` (columns ``year``, ``subregion``,
        ``persons``; ``group`` and ``side`` used for the title).
    title
        Figure title (default from the group and side).
    """
    _require(df, ["year", "subregion", "persons"], "df")
    wide = df.pivot_table(index="year", columns="subregion", values="persons", aggfunc="sum",
                          fill_value=0.0).sort_index()
    order = [s for s in SUBREGION_ORDER if s in wide.columns] + sorted(
        c for c in wide.columns if c not in SUBREGION_ORDER)
    wide = wide[order]
    fig = _new_figure(8, 4.5)
    ax = fig.add_subplot()
    colours = colormaps["tab10"].colors  # type: ignore[attr-defined]
    ax.stackplot(wide.index.to_numpy(), (wide.to_numpy().T / 1e6),
                 labels=[SUBREGION_LABELS.get(str(c), str(c)) for c in order],
                 colors=[colours[i % len(colours)] for i in range(len(order))], alpha=0.9)
    ax.set_xlabel("year")
    ax.set_ylabel("migrant stock (million persons)")
    ax.set_xlim(wide.index.min(), wide.index.max())
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if title is None:
        group = df["group"].iloc[0] if "group" in df and len(df) else ""
        side = df["side"].iloc[0] if "side" in df and len(df) else "destination"
        what = "Migrants living in" if side == "destination" else "Emigrants from"
        title = f"{what} {group}, by subregion".strip()
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return fig


def _band(x0: float, x1: float, y0a: float, y0b: float, y1a: float, y1b: float) -> MplPath:
    """Closed band between two vertical segments with cubic Bezier edges."""
    xm = (x0 + x1) / 2
    verts = [(x0, y0a), (xm, y0a), (xm, y1a), (x1, y1a), (x1, y1b), (xm, y1b), (xm, y0b),
             (x0, y0b), (x0, y0a)]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
             MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    return MplPath(verts, codes)


def corridor_sankey(
    df: pd.DataFrame,
    source_col: str | None = None,
    target_col: str | None = None,
    value_col: str | None = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Two-column Sankey of corridors: origins (left) to destinations (right), band width = value.

    Parameters
    ----------
    df
        ``top_corridors`` output (``origin``, ``destination``, ``persons``) or
        ``remittance_corridors`` output (``sending``, ``receiving``, ``remittances_usd_million``);
        the columns are detected unless given.
    source_col, target_col, value_col
        Column names overriding the detection.
    title
        Figure title.
    labels
        Optional code -> label mapping for the node names (default: the codes).
    """
    if source_col is None:
        source_col = "origin" if "origin" in df else "sending"
    if target_col is None:
        target_col = "destination" if "destination" in df else "receiving"
    if value_col is None:
        value_col = "persons" if "persons" in df else "remittances_usd_million"
    _require(df, [source_col, target_col, value_col], "df")
    d = df[[source_col, target_col, value_col]].copy()
    d = d[d[value_col] > 0]
    if d.empty:
        raise InvalidArgumentError("df", "no positive corridor", "a frame with positive values")
    total = float(d[value_col].sum())
    gap = 0.02 * total
    left = d.groupby(source_col)[value_col].sum().sort_values(ascending=False)
    right = d.groupby(target_col)[value_col].sum().sort_values(ascending=False)

    def positions(s: pd.Series) -> dict[str, float]:
        pos, y = {}, 0.0
        for k, v in s.items():
            pos[str(k)] = y
            y += float(v) + gap
        return pos

    lpos, rpos = positions(left), positions(right)
    height = max(sum(left) + gap * (len(left) - 1), sum(right) + gap * (len(right) - 1))
    fig = _new_figure(8, max(4.0, 0.35 * max(len(left), len(right)) + 1.5))
    ax = fig.add_subplot()
    colours = colormaps["tab20"].colors  # type: ignore[attr-defined]
    colour = {k: colours[i % len(colours)] for i, k in enumerate(left.index.astype(str))}
    lcur, rcur = dict(lpos), dict(rpos)
    d = d.sort_values([source_col, value_col], ascending=[True, False], kind="mergesort")
    d["_r"] = d[target_col].map({k: i for i, k in enumerate(right.index)})
    for _, row in d.sort_values(["_r", value_col], ascending=[True, False]).iterrows():
        s, t, v = str(row[source_col]), str(row[target_col]), float(row[value_col])
        y0, y1 = lcur[s], rcur[t]
        ax.add_patch(PathPatch(_band(0.05, 0.95, height - y0, height - y0 - v,
                                     height - y1, height - y1 - v),
                               facecolor=colour[s], alpha=0.55, lw=0))
        lcur[s] += v
        rcur[t] += v
    lab = labels or {}
    for node, y in lpos.items():
        v = float(left[node])
        ax.add_patch(Rectangle((0.0, height - y - v), 0.05, v, color=colour[node]))
        ax.text(-0.01, height - y - v / 2, lab.get(node, node), ha="right", va="center", fontsize=8)
    for node, y in rpos.items():
        v = float(right[node])
        ax.add_patch(Rectangle((0.95, height - y - v), 0.05, v, color="#555555"))
        ax.text(1.01, height - y - v / 2, lab.get(node, node), ha="left", va="center", fontsize=8)
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-gap, height + gap)
    ax.axis("off")
    unit = "persons" if value_col == "persons" else value_col
    ax.set_title(title or f"Corridors ({unit}; total {total:,.0f})")
    return fig


def remittances_pct_gdp(df: pd.DataFrame, title: str | None = None,
                        labels: Mapping[str, str] | None = None) -> Figure:
    """Remittances received as % of GDP: horizontal bars for one year, lines for several.

    Parameters
    ----------
    df
        Frame with ``iso3``, ``year`` and ``received_pct_gdp`` (percent of GDP), e.g. from
        ``remittance_dependence`` or ``remittances``; ``name`` used for labels when present.
    title
        Figure title.
    labels
        Optional ISO3 -> label mapping (default ``name`` column, else ISO3).
    """
    _require(df, ["iso3", "year", "received_pct_gdp"], "df")
    d = df.dropna(subset=["received_pct_gdp"])
    if d.empty:
        raise InvalidArgumentError("df", "no received_pct_gdp values", "a frame with values")
    names = dict(labels or {})
    if "name" in d:
        for i, n in zip(d["iso3"], d["name"], strict=True):
            names.setdefault(i, n if isinstance(n, str) else i)
    years = sorted(d["year"].unique())
    if len(years) == 1:
        d = d.sort_values("received_pct_gdp")
        fig = _new_figure(7, max(3.0, 0.3 * len(d) + 1.2))
        ax = fig.add_subplot()
        ax.barh([names.get(i, i) for i in d["iso3"]], d["received_pct_gdp"], color="#2b8cbe")
        for yv, v in enumerate(d["received_pct_gdp"]):
            ax.text(v, yv, f" {v:.1f}", va="center", fontsize=8)
        ax.set_xlim(0, float(d["received_pct_gdp"].max()) * 1.12)
        ax.set_xlabel("personal remittances received (% of GDP)")
        ax.set_title(title or f"Remittances received, % of GDP, {int(years[0])}")
    else:
        fig = _new_figure(8, 4.5)
        ax = fig.add_subplot()
        for iso3, g in d.sort_values("year").groupby("iso3", sort=True):
            ax.plot(g["year"], g["received_pct_gdp"], marker=".", label=names.get(str(iso3), iso3))
        ax.set_xlabel("year")
        ax.set_ylabel("remittances received (% of GDP)")
        ax.legend(fontsize=7, frameon=False, ncol=2)
        ax.set_title(title or "Remittances received, % of GDP")
    ax.grid(axis="x" if len(years) == 1 else "y", alpha=0.3)
    return fig


def _feature_iso3(feature: Mapping[str, Any]) -> str | None:
    if feature.get("iso3"):
        return str(feature["iso3"])
    props = feature.get("properties") or {}
    for key in ("iso3", "ISO3", "isoA3", "ISO_A3", "adm0A3", "ADM0_A3"):
        v = props.get(key)
        if v and v != "-99":
            return str(v)
    return None


def _geometry_path(geom: Mapping[str, Any], pacific: bool = False) -> MplPath | None:
    kind = geom.get("type")
    coords = geom.get("coordinates") or []
    polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    verts: list[tuple[float, float]] = []
    codes: list[Any] = []
    for poly in polys:
        for ring in poly:
            ring = [(float(pt[0]), float(pt[1])) for pt in ring]
            if len(ring) < 3:
                continue
            if pacific:
                xs = [x for x, _ in ring]
                if max(xs) < PACIFIC_SHIFT_BELOW:
                    ring = [(x + 360.0, y) for x, y in ring]
                elif max(xs) - min(xs) > 180.0:  # a ring cut at the antimeridian (Russia, Fiji)
                    ring = [(x + 360.0 if x < 0 else x, y) for x, y in ring]
            verts += ring + [ring[0]]
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
    return MplPath(verts, codes) if verts else None


def emigration_choropleth(
    rates: pd.DataFrame,
    features: Sequence[Mapping[str, Any]] | None = None,
    value_col: str = "emigration_rate_share",
    title: str | None = None,
    extent: tuple[float, float, float, float] | None = (25.0, 240.0, -50.0, 80.0),
    cmap: str = "viridis",
    vmax_quantile: float = 0.95,
    small_area_deg2: float = 2.0,
) -> Figure:
    """Choropleth of the emigration rate (share of the origin's population living abroad).

    Parameters
    ----------
    rates
        ``emigration_rate(..., by="country")`` output for one year (``iso3`` and ``value_col``).
    features
        GeoJSON-like features (``geometry`` Polygon/MultiPolygon in lon/lat degrees, ISO3 in
        ``iso3`` or ``properties``). ``None`` loads
        ``labourlink.sources.geometry.topojson_features(world_topojson(data_dir()))``.
    value_col
        Column to map (default ``emigration_rate_share``, shown in percent).
    title
        Figure title.
    extent
        (lon_min, lon_max, lat_min, lat_max) in degrees; default Asia-Pacific; ``None`` = data.
        When ``lon_max > 180`` the map is Pacific-centred: rings lying west of -100 degrees are
        drawn shifted by +360 degrees.
    cmap
        Matplotlib colormap name.
    vmax_quantile
        Quantile of the mapped values at which the colour scale saturates (1.0 = the maximum).
    small_area_deg2
        Countries with data whose bounding box is smaller than this (square degrees: small island
        states) also get a circle marker at their centre, so they stay visible.
    """
    _require(rates, ["iso3", value_col], "rates")
    if "year" in rates and rates["year"].nunique() > 1:
        raise InvalidArgumentError("rates", f"years {sorted(rates['year'].unique())}", "one year")
    if features is None:
        from labourlink.config import data_dir
        from labourlink.sources import geometry  # type: ignore[attr-defined]

        features = geometry.topojson_features(geometry.world_topojson(data_dir()))
    values = {str(k): float(v) for k, v in zip(rates["iso3"], rates[value_col], strict=True)
              if pd.notna(v)}
    # colour scale up to the 95th percentile, so that a few small islands with very high rates do
    # not flatten everyone else (the colour bar then shows an arrow: "and above")
    vmax = float(np.quantile(list(values.values()), vmax_quantile)) if values else 1.0
    top_pct = vmax * 100 if vmax > 0 else 1.0
    norm = Normalize(vmin=0.0, vmax=top_pct, clip=True)
    colour_map = colormaps[cmap]
    fig = _new_figure(9, 6)
    ax = fig.add_subplot()
    patches, colours = [], []
    marks_x, marks_y, marks_c = [], [], []
    for feat in features:
        geom = feat.get("geometry")
        if not geom:
            continue
        path = _geometry_path(geom, pacific=extent is not None and extent[1] > 180)
        if path is None:
            continue
        iso3 = _feature_iso3(feat)
        patches.append(PathPatch(path))
        val = values.get(iso3) if iso3 else None
        colours.append(colour_map(norm(val * 100)) if val is not None else NO_DATA_COLOUR)
        verts = np.asarray(path.vertices, dtype=float)
        (x0, y0), (x1, y1) = verts.min(axis=0), verts.max(axis=0)
        if val is not None and (x1 - x0) * (y1 - y0) < small_area_deg2:
            marks_x.append((x0 + x1) / 2)
            marks_y.append((y0 + y1) / 2)
            marks_c.append(colour_map(norm(val * 100)))
    coll = PatchCollection(patches, facecolors=colours, edgecolors="white", linewidths=0.3,
                           match_original=False)
    ax.add_collection(coll)
    if marks_x:
        ax.scatter(marks_x, marks_y, s=18, c=marks_c, edgecolors="black", linewidths=0.4, zorder=3)
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    else:
        ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    from matplotlib.cm import ScalarMappable

    sm = ScalarMappable(norm=norm, cmap=colour_map)
    extend = "max" if values and max(values.values()) * 100 > top_pct else "neither"
    fig.colorbar(sm, ax=ax, shrink=0.6, extend=extend,
                 label="emigrants abroad (% of resident population)")
    year = f", {int(rates['year'].iloc[0])}" if "year" in rates and len(rates) else ""
    ax.set_title(title or f"Emigration rate{year} (grey: no data)")
    return fig
