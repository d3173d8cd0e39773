"""Plots build offline and export to PNG and SVG (toy store, synthetic geometry)."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from labourlink.errors import InvalidArgumentError
from labourlink.trends import (
    emigration_rate,
    migrant_stock,
    plots,
    remittance_corridors,
    remittance_dependence,
    remittances,
    top_corridors,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _square(x: float, y: float, size: float = 5.0) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


# tiny synthetic geometry: PHL a polygon, JPN a multipolygon, a feature without data, and an
# island ring west of the antimeridian (drawn shifted on a Pacific-centred map)
FEATURES = [
    {"iso3": "PHL", "geometry": {"type": "Polygon", "coordinates": [_square(120, 5)]}},
    {"properties": {"isoA3": "JPN"},
     "geometry": {"type": "MultiPolygon", "coordinates": [[_square(135, 33)], [_square(141, 40)]]}},
    {"properties": {"adm0A3": "USA"}, "geometry": {"type": "Polygon", "coordinates": [_square(-120, 30)]}},
    {"iso3": "WSM", "geometry": {"type": "Polygon", "coordinates": [_square(-172, -14, 1)]}},
    {"iso3": "AUS", "geometry": {"type": "Polygon", "coordinates": [_square(150, -30, 1)]}},
]


def _export_both(fig: Figure, tmp_path, name: str) -> str:
    png = plots.save_figure(fig, tmp_path / f"{name}.png")
    svg = plots.save_figure(fig, tmp_path / f"{name}.svg")
    assert png.read_bytes()[:8] == PNG_MAGIC
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    return text


def test_stacked_area(toy, tmp_path):
    df = migrant_stock("ESCAP", None, side="origin", by="subregion", con=toy)
    fig = plots.stocks_by_subregion_area(df)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "East and North-East Asia", "South-East Asia", "South and South-West Asia", "Pacific"]
    # top of the stack in 2020 = total emigrants (million persons)
    total_2020 = df[df["year"] == 2020]["persons"].sum() / 1e6
    top_edge = max(p.get_paths()[0].vertices[:, 1].max() for p in ax.collections)
    assert top_edge == pytest.approx(total_2020)
    assert ax.get_title() == "Emigrants from ESCAP, by subregion"
    assert ax.get_ylabel() == "migrant stock (million persons)"
    _export_both(fig, tmp_path, "area")


def test_corridor_sankey_migrants_and_remittances(toy, tmp_path):
    fig = plots.corridor_sankey(top_corridors(5, 2020, con=toy))
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"IND", "USA", "PHL"} <= texts
    _export_both(fig, tmp_path, "sankey")
    fig2 = plots.corridor_sankey(remittance_corridors(2017, con=toy), title="remit")
    assert fig2.axes[0].get_title() == "remit"
    with pytest.raises(InvalidArgumentError):
        plots.corridor_sankey(top_corridors(5, 2020, con=toy).iloc[0:0])


def test_remittances_pct_gdp_bars_and_lines(toy, tmp_path):
    bars = plots.remittances_pct_gdp(remittance_dependence(top=3, con=toy))
    widths = sorted(p.get_width() for p in bars.axes[0].patches)
    assert widths == [3.3, 9.5]
    _export_both(bars, tmp_path, "bars")
    lines = plots.remittances_pct_gdp(remittances("DUO", None, con=toy))
    assert len(lines.axes[0].get_lines()) == 2


def test_choropleth_with_synthetic_geometry(toy, tmp_path):
    rates = emigration_rate("ESCAP", 2020, con=toy)
    fig = plots.emigration_choropleth(rates, FEATURES)
    coll = fig.axes[0].collections[0]
    face = coll.get_facecolors()
    assert len(face) == 5
    # PHL has the highest rate among PHL/JPN -> top of the colormap; USA/WSM have no data (grey)
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba

    assert tuple(face[0]) == pytest.approx(colormaps["viridis"](1.0))
    assert tuple(face[2]) == pytest.approx(to_rgba(plots.NO_DATA_COLOUR))
    assert tuple(face[3]) == pytest.approx(to_rgba(plots.NO_DATA_COLOUR))
    # Samoa (west of -100) is drawn shifted by +360 degrees on the Pacific-centred map
    assert coll.get_paths()[3].vertices[:, 0].min() == pytest.approx(188.0)
    # the tiny AUS square has data, so it also gets a marker at its centre; WSM (no data) none
    markers = fig.axes[0].collections[1]
    assert markers.get_offsets().tolist() == [[150.5, -29.5]]
    _export_both(fig, tmp_path, "map")
    with pytest.raises(InvalidArgumentError, match="one year"):
        plots.emigration_choropleth(emigration_rate("ESCAP", None, con=toy), FEATURES)


def test_choropleth_ring_cut_at_antimeridian_is_joined(toy):
    ring = [[170, 60], [180, 60], [180, 65], [170, 65], [170, 60]]
    cut = [[-180, 60], [-175, 60], [-175, 65], [-180, 65], [-180, 60]]
    # one ring spanning both sides (as TopoJSON stitches Chukotka to Russia)
    joined = [[170, 60], [180, 60], [-175, 60], [-175, 65], [180, 65], [170, 65], [170, 60]]
    feats = [{"iso3": "JPN", "geometry": {"type": "MultiPolygon", "coordinates": [[ring], [cut]]}},
             {"iso3": "PHL", "geometry": {"type": "Polygon", "coordinates": [joined]}}]
    fig = plots.emigration_choropleth(emigration_rate("ESCAP", 2020, con=toy), feats)
    paths = fig.axes[0].collections[0].get_paths()
    assert paths[0].vertices[:, 0].max() == pytest.approx(185.0)
    assert paths[1].vertices[:, 0].min() == pytest.approx(170.0)
    assert paths[1].vertices[:, 0].max() == pytest.approx(185.0)


def test_save_figure_rejects_other_formats(toy, tmp_path):
    fig = plots.remittances_pct_gdp(remittance_dependence(top=3, con=toy))
    with pytest.raises(InvalidArgumentError, match=".png or .svg"):
        plots.save_figure(fig, tmp_path / "x.pdf")
