"""The brief on a small toy store: what the store lacks is said plainly, findings without data
are left out, the command and its outputs (brief.html, CSVs) keep working."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

import ll_toy_store as toy  # noqa: E402

from labourlink.report import numbers as nb  # noqa: E402


@pytest.fixture(scope="module")
def toy_brief(tmp_path_factory: pytest.TempPathFactory):
    """The brief of the toy store (no PDF: the real-store tests render PDFs)."""
    from labourlink.report.brief import build_brief

    tmp = tmp_path_factory.mktemp("toybrief")
    store = toy.build(tmp / "toy.duckdb")
    return build_brief(tmp / "out", group="ESCAP", store=store, build=False, pdf=False, draws=0,
                       progress=False)


def test_revision_and_year_default_to_the_newest_in_the_store(toy_brief) -> None:
    # the toy store holds the 2020 revision (2015, 2020) and the 2024 one (2015, 2020, 2024)
    assert toy_brief.revision == "2024" and toy_brief.year == 2024
    over = pd.read_csv(toy_brief.html.parent / "tables" / "1_migrants_over_time.csv")
    assert set(over["revision"].astype(str)) == {"2024"}


def test_missing_parts_are_said_plainly_and_their_findings_left_out(toy_brief) -> None:
    body = [s for s in toy_brief.sections if not s.annex]
    assert [s.number for s in body] == ["1", "2", "3", "4", "5"]
    html = toy_brief.html.read_text(encoding="utf-8")
    links, remit = body[1], body[2]
    assert links.figures == [] and links.missing
    assert "not available from this store" in links.missing[0]
    assert any("knomad_2023" in m for m in remit.missing)
    for s in body:
        for m in s.missing:
            assert m.split(":")[0] in html
    keys = [f.key for f in toy_brief.findings]
    assert "trade_link" not in keys and "remittances" not in keys
    assert "hosted" in keys and "coverage" in keys
    assert "Left out for lack of data:" in html and "trade-migration link" in html


def test_numbers_match_the_toy_data(toy_brief) -> None:
    hosted = sum(v[2] for (_, d), v in toy.STOCKS_2024.items() if d in toy.ESCAP)
    first = sum(v[0] for (_, d), v in toy.STOCKS_2024.items() if d in toy.ESCAP)
    f = {x.key: x for x in toy_brief.findings}["hosted"]
    assert f.values["hosted"] == nb.persons_text(hosted)
    assert f.values["hosted_first"] == nb.persons_text(first)
    top = pd.read_csv(toy_brief.html.parent / "tables" / "1_top_corridors.csv")
    ind_aus = toy.STOCKS_2024[("IND", "AUS")]
    assert (top.iloc[0]["origin"], top.iloc[0]["destination"]) == ("IND", "AUS")
    assert top.iloc[0]["persons"] == ind_aus[2] and top.iloc[0]["start_year"] == 2020
    assert top.iloc[0]["change_persons"] == ind_aus[2] - ind_aus[1]
    over = pd.read_csv(toy_brief.html.parent / "tables" / "1_migrants_over_time.csv")
    assert list(over["year"]) == [2015, 2020, 2024] and over["hosted_persons"].iloc[-1] == hosted


def test_csvs_match_the_annex_and_carry_units(toy_brief) -> None:
    annex_c = next(s for s in toy_brief.sections if s.number == "C")
    text = " ".join(i.text for i in annex_c.items)
    for p in toy_brief.tables:
        assert p.is_file() and f"tables/{p.name}" in text
        cols = pd.read_csv(p, nrows=0).columns
        assert all(re.fullmatch(r"[a-z0-9_]+", c) for c in cols), list(cols)


def test_brief_cli_prints_where_output_is(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from labourlink.cli import app

    store = toy.build(tmp_path / "toy.duckdb")
    out = tmp_path / "o"
    res = CliRunner().invoke(app, ["brief", "--store", str(store), "--no-build", "--no-pdf",
                                   "--draws", "0", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"Brief written to {(out / 'brief.html').resolve()}" in res.output
    assert "Revision 2024, headline year 2024" in res.output
    res = CliRunner().invoke(app, ["brief", "--store", str(store), "--no-build", "--no-pdf",
                                   "--draws", "0", "--out", str(out), "--revision", "2020"])
    assert res.exit_code == 0, res.output
    assert "Revision 2020, headline year 2020" in res.output
    html = (out / "brief.html").read_text(encoding="utf-8")
    assert "International Migrant Stock 2020" in html and "Stock 2024" not in html
    assert (out / "brief.html").is_file() and any((out / "tables").glob("*.csv"))


def test_cli_refuses_contradictory_options(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from labourlink.cli import app
    from labourlink.errors import InvalidArgumentError

    for args in (["--country", "PHL", "--all"], ["--workers", "2"],
                 ["--all", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"]):
        res = CliRunner().invoke(app, ["brief", "--out", str(tmp_path), "--no-build", *args])
        assert isinstance(res.exception, InvalidArgumentError), (args, res.output)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium missing")
def test_pdf_fallback_without_weasyprint(toy_brief, tmp_path: Path, monkeypatch) -> None:
    from labourlink.report.brief import write_pdf

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if WeasyPrint were not installed
    target = tmp_path / "fallback.pdf"
    engine = write_pdf(toy_brief.html.read_text(encoding="utf-8"), target)
    assert engine == "chromium --print-to-pdf"
    assert target.read_bytes()[:5] == b"%PDF-" and target.stat().st_size > 10_000


def test_country_brief_on_the_toy_store(tmp_path: Path) -> None:
    from labourlink.errors import InvalidArgumentError
    from labourlink.report.country import build_country

    store = toy.build(tmp_path / "toy.duckdb")
    res = build_country("ton", tmp_path / "c", store=store, build=False, pdf=False,
                        progress=False)
    assert res.iso3 == "TON" and res.html.name == "TON.html" and res.pdf is None
    import html as h

    html = h.unescape(res.html.read_text(encoding="utf-8"))
    emigrants = sum(v[2] for (o, _), v in toy.STOCKS_2024.items() if o == "TON")
    assert nb.persons_text(emigrants) in html
    # the toy store has WDI remittances but no KNOMAD inflows: the WDI series is used and said
    assert "KNOMAD's June 2023 inflows have no series for Tonga" in html
    assert (tmp_path / "c" / "tables" / "TON_standing.csv").is_file()
    with pytest.raises(InvalidArgumentError, match="XYZ"):
        build_country("XYZ", tmp_path / "c", store=store, build=False, pdf=False,
                      progress=False)
