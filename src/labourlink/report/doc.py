"""The document model of the publications: numbered figures and tables with titles and source
lines, boxes, sections; citations from the store's provenance table; HTML and PDF rendering.

A :class:`Figure` or :class:`Table` always has a number ("Figure 1.1"), a title that states the
finding, a subtitle (what is shown and its unit) and a source line built from the ids of the
store sources it uses (:func:`cite`). Tables hold at most :data:`MAX_TABLE_ROWS` rows in the
document; their full version goes to a CSV whose headers name their unit
(:func:`labourlink.report.numbers.csv_header`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure as MplFigure

from labourlink.errors import InvalidArgumentError, LabourlinkError
from labourlink.report import charts
from labourlink.report import numbers as nb

#: Rows of a table printed in the document (longer tables live in the CSVs).
MAX_TABLE_ROWS = 12

#: Short citations of store sources (the annex gives publisher, edition, file and sha256).
CITATIONS: dict[str, str] = {
    "knomad_2023": "KNOMAD/World Bank, remittance inflows (June 2023)",
    "wdi_remittances": "World Bank, World Development Indicators remittance series (May 2023)",
    "gdiviz_wdi_2024": "World Bank, World Development Indicators (2024 vintage, via IOM gdiviz)",
    "datahub_wdi": "World Bank, World Development Indicators GDP and population (via datahub.io)",
    "wto_hs_m_0010": "WTO, bilateral imports (HS_M_0010)",
    "penppml_comtrade": "UN Comtrade bilateral trade (penppml data)",
    "cepii_geodist": "CEPII, GeoDist",
    "wto_rta": "WTO, Regional Trade Agreements database",
    "labpta": "Raess & Sari (2018), LABPTA",
    "chilton_woda_2022": "Chilton & Woda (2022), bilateral labour agreements",
    "pwt_10.01": "Penn World Table 10.01",
    "labourlink_registry": "labourlink registry of labour-migration instruments (curated)",
    "labourlink_groups": "labourlink country groupings",
    "wpp2024": "UN DESA, World Population Prospects 2024",
    "labourlink_flows": "labourlink migration flow estimates (labourlink.flows)",
}


def cite(source: str) -> str:
    """The short citation of a store source id (revisions and matrices by their labels)."""
    from labourlink.store.revisions import (
        LEGACY_SOURCES,
        REMITTANCE_MATRICES,
        REMITTANCE_MATRIX_LABELS,
        REVISIONS,
        revision_label,
    )

    if source in REVISIONS.values() or source in LEGACY_SOURCES:
        return revision_label(source)
    for key, src in REMITTANCE_MATRICES.items():
        if src == source:
            return REMITTANCE_MATRIX_LABELS[key]
    return CITATIONS.get(source, source)


def source_line(sources: Sequence[str], extra: str = "") -> str:
    """``Source: A; B; extra.`` (each source once, in order)."""
    seen: list[str] = []
    for s in sources:
        c = cite(s)
        if c not in seen:
            seen.append(c)
    if extra:
        seen.append(extra)
    return "Source: " + "; ".join(seen) + "."


@dataclass
class Figure:
    """A numbered figure: ``title`` states the finding, ``subtitle`` what is shown and its unit."""

    number: str
    title: str
    subtitle: str
    sources: list[str]
    png: bytes
    svg: str = ""
    note: str = ""
    extra_source: str = "labourlink calculations"
    anchor: str = ""

    @property
    def source(self) -> str:
        """The source line printed under the figure."""
        return source_line(self.sources, self.extra_source)

    @property
    def png_uri(self) -> str:
        """The PNG as a data URI (self-contained HTML and PDF)."""
        return charts.png_data_uri(self.png)

    @property
    def label(self) -> str:
        """``Figure 1.1``."""
        return f"Figure {self.number}"


def make_figure(number: str, title: str, subtitle: str, sources: list[str], fig: MplFigure, *,
                svg: bool = False, note: str = "", extra_source: str = "labourlink calculations"
                ) -> Figure:
    """A :class:`Figure` from a matplotlib figure (PNG always; inline SVG when ``svg``)."""
    return Figure(number, title, subtitle, list(sources), charts.to_png(fig),
                  charts.to_svg(fig) if svg else "", note, extra_source,
                  "fig-" + number.replace(".", "-"))


@dataclass
class Table:
    """A numbered table: ``columns`` describe ``frame`` (at most :data:`MAX_TABLE_ROWS` rows
    printed); ``full`` (default ``frame``) with ``csv_columns`` (default ``columns``) is written
    to ``tables/<slug>.csv``."""

    number: str
    title: str
    subtitle: str
    columns: list[nb.Column]
    frame: pd.DataFrame
    sources: list[str]
    slug: str
    note: str = ""
    full: pd.DataFrame | None = None
    csv_columns: list[nb.Column] | None = None
    extra_source: str = ""
    anchor: str = ""

    def __post_init__(self) -> None:
        if len(self.frame) > MAX_TABLE_ROWS:
            raise InvalidArgumentError("table rows", len(self.frame),
                                       f"at most {MAX_TABLE_ROWS} rows in the document (Table "
                                       f"{self.number}); put the rest in the CSV (full=)")
        missing = [c.key for c in self.columns if c.key not in self.frame.columns]
        if missing:
            raise InvalidArgumentError("table columns", missing, list(self.frame.columns))
        if not self.anchor:
            self.anchor = "tab-" + self.number.replace(".", "-")

    @property
    def label(self) -> str:
        """``Table 1.1``."""
        return f"Table {self.number}"

    @property
    def source(self) -> str:
        """The source line printed under the table."""
        return source_line(self.sources, self.extra_source)

    def headers(self) -> list[str]:
        """Printed headers (with units)."""
        return [nb.header(c) for c in self.columns]

    def rows(self) -> list[list[tuple[str, bool]]]:
        """Printed cells: (text, numeric) per column."""
        return [[(nb.table_cell(c, r[c.key]), c.numeric) for c in self.columns]
                for _, r in self.frame.iterrows()]

    def csv_frame(self) -> pd.DataFrame:
        """The CSV: every row of ``full``, headers with units, values at full precision."""
        full = self.full if self.full is not None else self.frame
        cols = self.csv_columns if self.csv_columns is not None else self.columns
        return pd.DataFrame({nb.csv_header(c): nb.csv_column(c, full[c.key]) for c in cols})


@dataclass
class Box:
    """A boxed list (assumptions of a scenario)."""

    title: str
    items: list[str]


@dataclass
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass
class Para:
    """A paragraph of generated text."""

    text: str


Item = Figure | Table | Box | Heading | Para


@dataclass
class Section:
    """A section: number, title, then items in order; ``missing`` says plainly what the store
    could not provide."""

    number: str
    title: str
    items: list[Item] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    annex: bool = False

    @property
    def figures(self) -> list[Figure]:
        """The figures, in order."""
        return [i for i in self.items if isinstance(i, Figure)]

    @property
    def tables(self) -> list[Table]:
        """The tables, in order."""
        return [i for i in self.items if isinstance(i, Table)]

    def kind(self, item: Item) -> str:
        """Template switch: ``figure``, ``table``, ``box``, ``heading`` or ``para``."""
        return type(item).__name__.lower()


# ------------------------------------------------------------------------------- rendering
def _env() -> Environment:
    env = Environment(loader=PackageLoader("labourlink.report", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["kind"] = lambda item: type(item).__name__.lower()
    return env


def render(template: str, **context: Any) -> str:
    """Render a template of ``labourlink/report/templates``."""
    return _env().get_template(template).render(**context)


_FONT_CONFIG: Any = None


def _font_config() -> Any:
    """One WeasyPrint font configuration per process (building it costs a second a document)."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def render_pdf(html: str, target: Path) -> tuple[str, int | None]:
    """Render ``html`` to ``target`` (PDF); returns the engine used and the number of pages
    (``None`` when the engine does not say).

    WeasyPrint when installed; otherwise headless Chromium (``/usr/bin/chromium``).
    Raises :class:`LabourlinkError` when neither is available.
    """
    try:
        import weasyprint
    except ImportError:
        weasyprint = None
    if weasyprint is not None:
        fc = _font_config()
        document = weasyprint.HTML(string=html).render(font_config=fc)
        document.write_pdf(str(target))
        return f"weasyprint {weasyprint.__version__}", len(document.pages)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise LabourlinkError("cannot write the PDF: install weasyprint (pip) or chromium (apt)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "brief.html"
        src.write_text(html, encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
                        f"--print-to-pdf={target}", src.as_uri()],
                       check=True, capture_output=True, timeout=120)
    return "chromium --print-to-pdf", None


def write_pdf(html: str, target: Path) -> str:
    """Render ``html`` to ``target`` (PDF); returns the engine used (see :func:`render_pdf`)."""
    return render_pdf(html, target)[0]


def write_csvs(tables: Sequence[Table], folder: Path, prefix: str = "") -> list[Path]:
    """Write each table's CSV to ``folder/<prefix><slug>.csv``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for t in tables:
        p = folder / f"{prefix}{t.slug}.csv"
        t.csv_frame().to_csv(p, index=False)
        out.append(p)
    return out
