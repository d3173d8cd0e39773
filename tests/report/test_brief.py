"""The brief on the toy store: HTML self-contained, footnotes, CSV tables, PDF pages not blank."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

import ll_toy_store as toy  # noqa: E402


@pytest.fixture(scope="module")
def brief(tmp_path_factory: pytest.TempPathFactory, output_dir: Path):
    """Build the brief once (toy store, PDF included); also copied to test-output/brief/."""
    from labourlink.report.brief import build_brief

    tmp = tmp_path_factory.mktemp("brief")
    store = toy.build(tmp / "toy.duckdb")
    res = build_brief(tmp / "out", group="ESCAP", year=2020, store=store, build=False,
                      pdf=True, draws=3, progress=False)
    keep = output_dir / "brief"
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(tmp / "out", keep)
    return res


@pytest.mark.slow
def test_html_is_self_contained(brief) -> None:
    html = brief.html.read_text(encoding="utf-8")
    # no remote resource of any kind: scripts, styles, fonts, images
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html
    assert "<script" not in html
    assert html.count("<svg") >= 3 and "data:image/png;base64," in html


@pytest.mark.slow
def test_sections_in_study_order_and_unavailable_said_plainly(brief) -> None:
    titles = [s.title for s in brief.sections]
    assert titles[0].startswith("Trends") and titles[1].startswith("Trade-migration")
    assert titles[2].startswith("Development impacts") and titles[3].startswith("Governance")
    assert titles[4].startswith("A co-operative agreement")
    html = brief.html.read_text(encoding="utf-8")
    for sec in brief.sections:
        for note in sec.unavailable:
            assert "not available" in note or "could not" in note
            assert note.split(":")[0] in html


@pytest.mark.slow
def test_every_table_has_csv_and_footnote(brief) -> None:
    html = brief.html.read_text(encoding="utf-8")
    tables = [t for s in brief.sections for t in s.tables]
    assert len(tables) >= 6
    assert sorted(p.name for p in brief.tables) == sorted(f"{t.slug}.csv" for t in tables)
    for t in tables:
        csv = pd.read_csv(brief.html.parent / "tables" / f"{t.slug}.csv")
        assert list(csv.columns) == [str(c) for c in t.frame.columns]
        assert len(csv) == len(t.frame)
        assert t.footnotes, t.slug
        assert f"tables/{t.slug}.csv" in html
    # footnotes come from the provenance table: edition and publisher of the UN DESA source
    assert "undesa_ims2020: UN DESA, edition IMS 2020" in html
    for sec in brief.sections:
        for f in sec.figures:
            assert f.caption.startswith("Figure") and f.caption in html and f.footnotes


@pytest.mark.slow
def test_numbers_match_the_store(brief) -> None:
    sub = pd.read_csv(brief.html.parent / "tables" / "1_migrant_stock_by_subregion.csv")
    total_2020 = sum(v[1] for (_, d), v in toy.STOCKS.items() if d in toy.ESCAP)
    assert sub.loc[sub["year"] == 2020, "persons"].sum() == pytest.approx(total_2020)
    top = pd.read_csv(brief.html.parent / "tables" / "1_top_corridors.csv")
    assert (top.iloc[0]["origin"], top.iloc[0]["destination"]) == ("IND", "AUS")
    dep = pd.read_csv(brief.html.parent / "tables" / "3_remittance_dependence.csv")
    assert dep.iloc[0]["iso3"] == "TON"
    assert dep.iloc[0]["received_pct_gdp"] == pytest.approx(toy.REM_PCT_GDP_2020["TON"])


@pytest.mark.slow
def test_small_states_are_points_on_the_map(brief) -> None:
    trends = brief.sections[0]
    note = " ".join(trends.paragraphs)
    assert "CEPII capital" in note and "TON" in note


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) missing")
def test_pdf_pages_are_not_blank(brief, tmp_path: Path) -> None:
    from PIL import Image

    assert brief.pdf is not None and brief.pdf.stat().st_size > 10_000
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(brief.pdf), str(tmp_path / "p")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 3
    for p in pages:
        im = Image.open(p).convert("L")
        hist = im.histogram()
        dark = sum(hist[:200]) / (im.width * im.height)
        assert dark > 0.005, f"{p.name} looks blank ({dark:.4f} of pixels not white)"


def test_brief_cli_prints_where_output_is(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from labourlink.cli import app

    store = toy.build(tmp_path / "toy.duckdb")
    out = tmp_path / "o"
    res = CliRunner().invoke(app, ["brief", "--store", str(store), "--no-build", "--no-pdf",
                                   "--draws", "0", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"Brief written to {(out / 'brief.html').resolve()}" in res.output
    assert (out / "brief.html").is_file() and any((out / "tables").glob("*.csv"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium missing")
def test_pdf_fallback_without_weasyprint(brief, tmp_path: Path, monkeypatch) -> None:
    from labourlink.report.brief import write_pdf

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if WeasyPrint were not installed
    target = tmp_path / "fallback.pdf"
    engine = write_pdf(brief.html.read_text(encoding="utf-8"), target)
    assert engine == "chromium --print-to-pdf"
    assert target.read_bytes()[:5] == b"%PDF-" and target.stat().st_size > 10_000
