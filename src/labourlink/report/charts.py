"""Charts of the publications, in one house style (``shared/design/publication.md``).

Every function returns a matplotlib :class:`~matplotlib.figure.Figure` built without pyplot
(no global state), full text width (16 cm) and a height chosen for the data. Titles, subtitles
and source lines are *not* drawn inside the image: the document prints them as text above and
below (so they are searchable, the same in HTML and PDF). One colour-blind-safe palette
(Okabe-Ito), the same colour for the same subregion everywhere; lines and bars are labelled
directly, with a legend only where there is no room; light grid, no 3-D, no shadows. Tick
labels and direct labels are formatted by :mod:`labourlink.report.numbers` (true minus signs,
thousands separators, no scientific notation).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from labourlink.report import numbers as nb

matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the inline SVG

#: Okabe-Ito, the one palette of the publications.
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                            "#F0E442", "#000000")
#: The same colour for the same ESCAP subregion in every chart.
GIVES = "#D55E00"
GETS = "#0072B2"
GREY = "#8c8c8c"
INK = "#1b1b1b"
GRID = "#e3e3e3"
WIDTH_IN = 16 / 2.54
FONT = 8.0


#: Width of one character of the 8 pt tick labels, inches (DejaVu Sans, generous).
CHAR_IN = 0.062


def new_figure(height_in: float, ncols: int = 1, sharey: bool = False,
               width_ratios: Sequence[float] | None = None, *, left_in: float = 0.45,
               right_in: float = 0.15, bottom_in: float = 0.3, top_in: float = 0.1,
               wspace_in: float = 0.5) -> tuple[Figure, list[Axes]]:
    """A figure 16 cm wide and ``height_in`` inches high with ``ncols`` axes in one row.

    Margins are given in inches (no layout engine: it costs several text layouts per draw);
    ``left_in`` is room for the y tick labels, ``wspace_in`` the gap between panels (room for
    their tick labels when the y axis is not shared).
    """
    fig = Figure(figsize=(WIDTH_IN, height_in))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, sharey=sharey, squeeze=False,
                        width_ratios=list(width_ratios) if width_ratios else None)[0]
    w = WIDTH_IN - left_in - right_in
    panel = (w - wspace_in * (ncols - 1)) / ncols
    fig.subplots_adjust(left=left_in / WIDTH_IN, right=1 - right_in / WIDTH_IN,
                        bottom=bottom_in / height_in, top=1 - top_in / height_in,
                        wspace=wspace_in / max(panel, 0.1) if ncols > 1 else 0.2)
    for ax in axes:
        _style(ax)
    return fig, list(axes)


def label_room(labels: Sequence[str]) -> float:
    """Inches of room for the longest of ``labels`` as 8 pt tick labels."""
    return max((len(str(t)) for t in labels), default=0) * CHAR_IN + 0.12


def _style(ax: Axes, grid_axis: Literal["both", "x", "y"] = "y") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9a9a9a")
        ax.spines[side].set_linewidth(0.6)
    ax.tick_params(labelsize=FONT, colors=INK, length=2.5, width=0.5)
    ax.grid(axis=grid_axis, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _num_formatter(digits: int = 0) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: nb._fixed(float(v), digits))


def _digits_for(step: float) -> int:
    if step >= 1 or step == 0:
        return 0
    return min(3, int(np.ceil(-np.log10(step) - 1e-9)))


def _value_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels of the value axis with separators, a true minus and enough decimals."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(nbins=5))
    ticks = target.get_major_locator().tick_values(*(ax.get_ylim() if axis == "y"
                                                     else ax.get_xlim()))
    step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else 1.0
    target.set_major_formatter(_num_formatter(_digits_for(step)))


def to_png(fig: Figure, dpi: int = 144) -> bytes:
    """PNG bytes of ``fig`` (fast zlib level: the PDF and HTML embed them once)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 2})
    return buf.getvalue()


def to_svg(fig: Figure) -> str:
    """Inline SVG text of ``fig`` (the ``<svg>`` element only)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ------------------------------------------------------------------------------- line charts
@dataclass(frozen=True)
class Line:
    """One line: label, x (years), y (values in the chart's unit), colour, dashed or not."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    colour: str = PALETTE[0]
    dashed: bool = False


def lines(series: Sequence[Line], *, height_in: float = 2.6, ymin_zero: bool = True,
          value_digits: int = 1, label_values: bool = True,
          xticks: Sequence[int] | None = None) -> Figure:
    """Lines over years, labelled directly right of their last point (with its value).

    ``value_digits`` decimals of the end labels (values are in the chart's unit, e.g. millions).
    """
    fig = Figure(figsize=(WIDTH_IN, height_in))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    xs_all: list[float] = []
    ends: list[tuple[float, float, str, str]] = []
    for s in series:
        x = np.asarray(s.x, dtype=float)
        y = np.asarray(s.y, dtype=float)
        ok = np.isfinite(y)
        if not ok.any():
            continue
        ax.plot(x[ok], y[ok], color=s.colour, linewidth=1.8,
                linestyle=(0, (4, 2)) if s.dashed else "-", marker="o", markersize=2.6)
        xs_all += list(x[ok])
        last = int(np.flatnonzero(ok)[-1])
        text = s.label + (f": {nb._fixed(float(y[last]), value_digits)}" if label_values else "")
        ends.append((float(x[last]), float(y[last]), text, s.colour))
    if ymin_zero:
        ax.set_ylim(bottom=0)
    ax.set_ylim(top=ax.get_ylim()[1] * 1.04 if ax.get_ylim()[1] > 0 else None)
    if xs_all:
        lo, hi = min(xs_all), max(xs_all)
        ax.set_xlim(lo - 0.6, hi + 0.6)
        ticks = list(xticks) if xticks is not None else year_ticks(xs_all)
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
    _value_axis(ax, "y")
    longest = max((len(e[2]) for e in ends), default=0)
    # room on the right for the direct labels (about 0.065 inch per character at 8 pt)
    right = 1.0 - min(0.45, (longest * 0.066 + 0.15) / WIDTH_IN)
    fig.subplots_adjust(left=0.085, right=right, bottom=0.14, top=0.97)
    y0, y1 = ax.get_ylim()
    gap = (y1 - y0) * 0.085
    placed: list[float] = []
    for lx, ly, text, colour in sorted(ends, key=lambda e: e[1]):
        yy = ly
        for p in placed:
            if abs(yy - p) < gap:
                yy = p + gap
        placed.append(yy)
        ax.annotate(text, (lx, yy), xytext=(7, 0), textcoords="offset points", fontsize=FONT,
                    color=colour, va="center", ha="left", annotation_clip=False)
    return fig


def year_ticks(years: Sequence[float]) -> list[int]:
    """Year ticks that do not crowd: about eight evenly spaced years, always the last one,
    none closer than a third of a step to it."""
    ys = sorted({int(v) for v in years})
    if len(ys) <= 2:
        return ys
    step = max(1, int(np.ceil((ys[-1] - ys[0]) / 8)))
    for nice in (1, 2, 5, 10, 20):
        if nice >= step:
            step = nice
            break
    start = ys[0] + (-ys[0]) % step
    ticks = [y for y in range(start, ys[-1] + 1, step) if y >= ys[0]]
    ticks = [t for t in ticks if ys[-1] - t >= step * 0.6 or t == ys[-1]]
    if ticks[-1] != ys[-1]:
        ticks.append(ys[-1])
    if ys[0] not in ticks and ticks[0] - ys[0] >= step * 0.6:
        ticks.insert(0, ys[0])
    return ticks


# ------------------------------------------------------------------------------- bars
def hbars(labels: Sequence[str], values: Sequence[float], *, colours: Sequence[str] | None = None,
          value_text: Sequence[str] | None = None, height_in: float | None = None,
          xlabel: str = "") -> Figure:
    """Horizontal bars, largest at the top, each labelled with its value at its end."""
    n = len(labels)
    fig, (ax,) = new_figure(height_in or max(1.2, 0.26 * n + 0.5), left_in=label_room(labels),
                            bottom_in=0.45 if xlabel else 0.3)
    _bars_on(ax, labels, values, colours=colours, value_text=value_text)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=FONT, color=INK)
    return fig


def _bars_on(ax: Axes, labels: Sequence[str], values: Sequence[float], *,
             colours: Sequence[str] | None = None, value_text: Sequence[str] | None = None,
             errors: tuple[Sequence[float], Sequence[float]] | None = None) -> None:
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    n = len(labels)
    y = np.arange(n)[::-1]
    vals = np.asarray([0.0 if nb.is_missing(v) else float(v) for v in values])
    cols = list(colours) if colours is not None else [PALETTE[0]] * n
    ax.barh(y, vals, color=cols, height=0.62)
    if errors is not None:
        lo = np.asarray(errors[0], dtype=float)
        hi = np.asarray(errors[1], dtype=float)
        ok = np.isfinite(lo) & np.isfinite(hi) & (hi > lo)
        if ok.any():
            ax.errorbar(vals[ok], y[ok], xerr=[vals[ok] - lo[ok], hi[ok] - vals[ok]], fmt="none",
                        ecolor=INK, elinewidth=0.8, capsize=2)
    ax.set_yticks(y)
    ax.set_yticklabels(list(labels), fontsize=FONT)
    ax.tick_params(axis="y", length=0)
    span = max(float(np.max(np.abs(vals))) if n else 1.0, 1e-12)
    if errors is not None:
        ext = [abs(float(v)) for v in (*errors[0], *errors[1]) if not nb.is_missing(v)]
        span = max([span, *ext])
    lo_lim = min(0.0, float(vals.min()) if n else 0.0)
    hi_lim = max(0.0, float(vals.max()) if n else 0.0)
    if errors is not None:
        finite = [float(v) for v in (*errors[0], *errors[1]) if not nb.is_missing(v)]
        if finite:
            lo_lim, hi_lim = min(lo_lim, *finite), max(hi_lim, *finite)
    pad = span * 0.45
    ax.set_xlim(lo_lim - (pad if lo_lim < 0 else 0), hi_lim + (pad if hi_lim > 0 else pad * 0.1))
    if lo_lim < 0:
        ax.axvline(0, color="#9a9a9a", linewidth=0.6)
    _value_axis(ax, "x")
    if value_text is not None:
        ends = vals.copy()
        if errors is not None:  # labels beyond the whiskers
            lo_e = np.asarray(errors[0], dtype=float)
            hi_e = np.asarray(errors[1], dtype=float)
            ends = np.where(vals >= 0, np.fmax(vals, np.nan_to_num(hi_e, nan=-np.inf)),
                            np.fmin(vals, np.nan_to_num(lo_e, nan=np.inf)))
        for yi, v, e, t in zip(y, vals, ends, value_text, strict=True):
            ax.annotate(t, (e, yi), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                        ha="left" if v >= 0 else "right", va="center", fontsize=FONT - 0.5,
                        color=INK)


def paired_hbars(left: tuple[Sequence[str], Sequence[float], Sequence[str]],
                 right: tuple[Sequence[str], Sequence[float], Sequence[str]],
                 titles: tuple[str, str], colours: tuple[str, str] = (PALETTE[0], PALETTE[1]),
                 ) -> Figure:
    """Two bar panels side by side (e.g. top origins and top destinations); each panel is
    ``(labels, values, value_text)``, titled inside the figure by a short panel label."""
    n = max(len(left[0]), len(right[0]), 1)
    room_l, room_r = label_room(left[0]), label_room(right[0])
    fig, axes = new_figure(max(1.3, 0.26 * n + 0.6), ncols=2, left_in=room_l,
                           wspace_in=room_r + 0.25, top_in=0.3,
                           width_ratios=None)
    for ax, (labels, values, text), title, col in zip(axes, (left, right), titles, colours,
                                                      strict=True):
        if len(labels):
            _bars_on(ax, labels, values, colours=[col] * len(labels), value_text=text)
        else:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=FONT, color=GREY,
                    transform=ax.transAxes)
        ax.set_title(title, fontsize=FONT + 0.5, loc="left", color=INK)
    return fig


def dot_intervals(labels: Sequence[str], points: Sequence[float], lows: Sequence[float],
                  highs: Sequence[float], *, colours: Sequence[str], xlabel: str,
                  value_text: Sequence[str], legend: Mapping[str, str] | None = None) -> Figure:
    """Points with interval whiskers, one row each (largest row at the top), a zero line."""
    n = len(labels)
    fig, (ax,) = new_figure(max(1.4, 0.3 * n + 0.8), left_in=label_room(labels),
                            bottom_in=0.45, top_in=0.3 if legend else 0.1)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    y = np.arange(n)[::-1]
    for yi, p, lo, hi, c in zip(y, points, lows, highs, colours, strict=True):
        ax.plot([lo, hi], [yi, yi], color=c, linewidth=1.6)
        ax.plot([p], [yi], "o", color=c, markersize=4.5)
    ax.axvline(0, color="#7a7a7a", linewidth=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels(list(labels), fontsize=FONT)
    ax.tick_params(axis="y", length=0)
    lo_all = min([0.0, *[float(v) for v in lows]])
    hi_all = max([0.0, *[float(v) for v in highs]])
    span = hi_all - lo_all or 1.0
    ax.set_xlim(lo_all - span * 0.05, hi_all + span * 0.32)
    _value_axis(ax, "x")
    for yi, hi, t in zip(y, highs, value_text, strict=True):
        ax.annotate(t, (float(hi), yi), xytext=(5, 0), textcoords="offset points", va="center",
                    fontsize=FONT - 0.5, color=INK)
    ax.set_xlabel(xlabel, fontsize=FONT, color=INK)
    if legend:
        from matplotlib.lines import Line2D

        handles = [Line2D([0], [0], color=c, marker="o", linewidth=1.6, markersize=4)
                   for c in legend.values()]
        ax.legend(handles, list(legend), fontsize=FONT - 0.5, frameon=False, loc="lower left",
                  bbox_to_anchor=(0.0, 1.0), ncol=len(legend), borderaxespad=0.2)
    return fig


def gives_gets(rows: Sequence[tuple[str, str]], panels: Sequence[tuple[str, Sequence[float],
               Sequence[float] | None, Sequence[float] | None, Sequence[str]]]) -> Figure:
    """What each side gives and gets: one row per party (``(label, side)``, side ``receiver``
    or ``sender``), one panel per measure ``(title, values, lows, highs, value_text)``; bars
    coloured by sign (gets: blue, gives: vermilion), intervals as whiskers."""
    n = len(rows)
    labels = [f"{lab} ({side})" for lab, side in rows]
    fig, axes = new_figure(max(1.5, 0.27 * n + 0.75), ncols=len(panels), sharey=True,
                           left_in=label_room(labels), top_in=0.3, wspace_in=0.35)
    for k, (ax, (title, vals, lo, hi, text)) in enumerate(zip(axes, panels, strict=True)):
        cols = [GETS if (not nb.is_missing(v) and float(v) >= 0) else GIVES for v in vals]
        errs = (lo, hi) if lo is not None and hi is not None else None
        _bars_on(ax, labels if k == 0 else labels, vals, colours=cols, value_text=text,
                 errors=errs)
        ax.set_title(title, fontsize=FONT + 0.5, loc="left", color=INK)
        if k > 0:
            ax.tick_params(axis="y", labelleft=False)
    return fig
