"""The brief and the country briefs as publications, on the real store (issue 13, issue 12's
brief part).

Each PDF is built once per session (the regional brief with 3 scenario draws; the country briefs
of Niue, Tuvalu, India and the Philippines) and copied under test-output/ with PNG renders of
their first pages. Checks read the PDFs with poppler (``pdftotext``, ``pdftoppm``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from labourlink.report import numbers as nb

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                       reason="poppler-utils (pdftotext, pdftoppm) missing"),
]

SCI = re.compile(r"\b\d+(?:[.,]\d+)?[eE][+\-]?\d+\b")
NEG_ZERO = re.compile(r"[-−+]0(?:[.,]0+)?(?![.,]?\d)")
COUNTRIES = ("NIU", "TUV", "IND", "PHL")
#: Right margin of the pages (CSS @page, 17 mm), points.
RIGHT_MARGIN_PT = 17 / 25.4 * 72


def norm(text: str) -> str:
    """Whitespace collapsed (pdftotext breaks lines where the PDF does; a line that ends in a
    word's own hyphen, as in "movement-of-|persons", is joined without a space)."""
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w-)\n(?=\w)", "", text)).strip()


def pdf_pages(pdf: Path) -> list[str]:
    """Text of each page, in content order (``pdftotext -raw``)."""
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def html_text(path: Path) -> str:
    import html as h

    s = path.read_text(encoding="utf-8")
    s = re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", s, flags=re.S)
    return norm(h.unescape(re.sub(r"<[^>]+>", " ", s)))


def cli(*args: str) -> Any:
    from labourlink.cli import app

    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res


def render_first_page(pdf: Path, target: Path) -> Path:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(stem)], check=True, timeout=120)
    return stem.with_suffix(".png")


# ------------------------------------------------------------------------------ fixtures
def own_dir(output_dir: Path, name: str) -> Path:
    """``test-output/<name>``, one per xdist worker (``<name>-gw1``): session fixtures run once
    per worker, and two workers rewriting one folder would read each other's half-written PDFs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return output_dir / (f"{name}-{worker}" if worker and worker != "gw0" else name)


@pytest.fixture(scope="session")
def regional(real_store: Path, output_dir: Path) -> Any:
    """The default regional brief (ESCAP, newest revision) in test-output/brief/."""
    from labourlink.report.brief import build_brief

    out = own_dir(output_dir, "brief")
    shutil.rmtree(out, ignore_errors=True)
    res = build_brief(out, store=real_store, build=False, pdf=True, draws=3, progress=False)
    render_first_page(res.pdf, out / "page1.png")
    return res


@pytest.fixture(scope="session")
def regional_pages(regional: Any) -> list[str]:
    return pdf_pages(regional.pdf)


@pytest.fixture(scope="session")
def main_body(regional_pages: list[str]) -> list[str]:
    """Pages before the annexes."""
    first_annex = next(i for i, p in enumerate(regional_pages) if "Annex A. Methods" in norm(p))
    return regional_pages[:first_annex]


@pytest.fixture(scope="session")
def country_briefs(real_store: Path, output_dir: Path) -> dict[str, dict[str, Any]]:
    """Briefs of NIU, IND, PHL through the API (one collect) and TUV through the CLI."""
    from labourlink.report.country import collect, country_brief_task
    from labourlink.store import connect

    out = own_dir(output_dir, "country-briefs")
    shutil.rmtree(out, ignore_errors=True)
    con = connect(real_store, read_only=True)
    try:
        data = collect(con, "ESCAP", countries=["NIU", "IND", "PHL"])
    finally:
        con.close()
    data.extra.update(out_dir=str(out), pdf=True)
    res = {c: country_brief_task(data, c) for c in ("NIU", "IND", "PHL")}
    r = cli("brief", "--country", "tuv", "--out", str(out), "--store", str(real_store),
            "--no-build")
    assert f"Country brief written to {(out / 'TUV.html').resolve()}" in r.output
    res["TUV"] = {"iso3": "TUV", "html": str(out / "TUV.html"), "pdf": str(out / "TUV.pdf"),
                  "missing": [ln[len("missing: "):] for ln in r.output.splitlines()
                              if ln.startswith("missing: ")]}
    for c in ("PHL", "NIU"):
        render_first_page(Path(res[c]["pdf"]), out / f"{c}-page1.png")
    return res


def all_pdfs(regional: Any, country_briefs: dict[str, dict[str, Any]]) -> list[Path]:
    return [regional.pdf] + [Path(country_briefs[c]["pdf"]) for c in COUNTRIES]


# ------------------------------------------------------------------------------ regional brief
def test_page_one_has_title_edition_and_six_to_eight_findings(regional: Any,
                                                              regional_pages: list[str]) -> None:
    from labourlink import __version__
    from labourlink.store.revisions import revision_label

    p1 = norm(regional_pages[0])
    assert p1.startswith("Regional integration and labour mobility in Asia and the Pacific")
    assert "ESCAP members (58 economies)" in p1
    assert f"Data editions: {revision_label('2024')}" in p1 and f"labourlink {__version__}" in p1
    assert "headline year 2024" in p1 and regional.year == 2024 and regional.revision == "2024"
    assert 6 <= len(regional.findings) <= 8
    labels = {i.label for s in regional.sections for i in s.figures + s.tables}
    for f in regional.findings:
        assert f.ref in labels, f
        assert f"{norm(f.text)} ({f.ref})" in p1, f.text
        assert re.search(r"\b(19|20)\d\d\b", f.text), f.text            # its year
        assert re.search(r"\d", f.text.replace("2024", "")), f.text      # its number
        assert len(f.text.split()) <= 40, f.text
        assert f.values and all(v in f.text for v in f.values.values() if v), f


def test_key_findings_equal_what_the_api_and_cli_return(regional: Any, real_store: Path) -> None:
    from labourlink import trends
    from labourlink.gravity.presets import pct_effect
    from labourlink.store import connect

    found = {f.key: f for f in regional.findings}
    store = str(real_store)
    ov = json.loads(cli("trends", "overview", "--group", "ESCAP", "--year", "2024", "--format",
                        "json", "--store", store).output)
    assert ov["revision"] == "2024" and ov["remittances_year"] == 2022
    assert found["hosted"].values["hosted"] == nb.persons_text(ov["hosted"]) == "67.0 million"
    assert found["emigrants"].values["emigrants"] == nb.persons_text(ov["emigrants"])
    assert found["emigrants"].values["share"] == nb.share_pct_text(
        ov["intraregional_share_of_emigrants"])
    assert found["remittances"].values["total"] == nb.usd_text(ov["remittances_received_usd"])
    assert "in 2022" in found["remittances"].text
    con = connect(real_store, read_only=True)
    try:
        first = trends.overview("ESCAP", [1990], con=con).iloc[0]
        assert found["hosted"].values["hosted_first"] == nb.persons_text(first["hosted"])
        examples = _scenario_remittances(con)
    finally:
        con.close()
    top = json.loads(cli("trends", "corridors", "--group", "ESCAP", "--from", "2020", "--n", "1",
                         "--format", "json", "--store", store).output)[0]
    assert found["top_corridor"].values["persons"] == nb.persons_text(top["persons"])
    assert found["top_corridor"].values["change"] == nb.change_persons_text(top["change_persons"])
    assert "Afghanistan to Iran" in found["top_corridor"].text
    dep = json.loads(cli("trends", "remittances", "--group", "ESCAP", "--top", "1", "--series",
                         "knomad_2023", "--format", "json", "--store", store).output)[0]
    assert found["dependence"].values["pct"] == nb.pct_text(dep["received_pct_gdp"])
    assert dep["name"] in found["dependence"].text and str(dep["year"]) in found["dependence"].text
    cov = json.loads(cli("governance", "coverage", "--format", "json", "--top", "1", "--store",
                         store).output)
    assert cov["year"] == 2024 and cov["revision"] == "2024"
    assert found["coverage"].values["share"] == nb.share_pct_text(cov["share_covered"])
    est = json.loads(cli("estimate", "pair-fe", "--format", "json", "--store", store).output)
    structural = next(m for m in est if m["model"] == "structural")
    assert found["trade_link"].values["pct"] == nb.change_pct_text(
        pct_effect(structural["coef"]["log_mig"]), 2)
    assert found["scenario"].values["remittances"] == nb.usd_text(max(examples.values()))


def _scenario_remittances(con: Any) -> dict[str, float]:
    """Remittances received by the senders of each shipped scenario (they do not depend on
    the Monte Carlo draws)."""
    from labourlink.report.mobility import describe_examples, run_example

    out = {}
    for ex in describe_examples():
        res = run_example(con, str(ex["example"]), draws=0)
        f = res.to_frame()
        out[str(ex["example"])] = float(f.loc[list(ex["senders"]), "delta_remittances_usd"].sum())
    return out


def test_sections_in_the_study_order_each_with_one_lead_figure(regional: Any) -> None:
    body = [s for s in regional.sections if not s.annex]
    assert [s.title for s in body] == [
        "Trends in regional labour mobility", "Trade-migration links",
        "Development impacts: remittances", "Governance coverage and gaps",
        "A co-operative agreement"]
    for s in body[:4]:
        assert len(s.figures) == 1 and len(s.tables) <= 1, s.title
        assert s.missing == [], s.missing
        paras = [i for i in s.items if type(i).__name__ == "Para"]
        sentences = sum(len(re.split(r"(?<!al)\.\s+(?=[A-Z0-9])", p.text)) for p in paras)
        assert 2 <= sentences <= 3, (s.title, sentences, [p.text for p in paras])
    agreement = body[4]
    n = len(agreement.figures)
    assert n == 4 and len(agreement.tables) == n
    assert sum(type(i).__name__ == "Box" for i in agreement.items) == n
    for t in agreement.tables:
        assert len(t.frame) <= 10 and {"give", "get", "gets"} >= set(t.frame["flow"])
    assert [s.number for s in regional.sections if s.annex] == ["A", "B", "C"]


def test_every_figure_and_table_has_number_title_and_source(regional: Any,
                                                            regional_pages: list[str]) -> None:
    from labourlink.store.revisions import revision_label

    text = norm(" ".join(regional_pages))
    items = regional.figures + regional.all_tables
    assert len(regional.figures) >= 8 and len(regional.all_tables) >= 8
    for item in items:
        assert re.fullmatch(r"\d\.\d+", item.number), item.number
        assert item.title and item.source.startswith("Source: ")
        head = f"{item.label}. {norm(item.title)}"
        at = text.find(head)
        assert at >= 0, head
        nxt = min([text.find(f"{k} ", at + len(head)) for k in ("Figure", "Table")
                   if text.find(f"{k} ", at + len(head)) > 0] + [len(text)])
        assert norm(item.source) in text[at:nxt + 400], item.label
        if any(s.startswith("undesa_ims") for s in item.sources):
            assert revision_label("2024") in item.source, item.label
    for t in regional.all_tables:
        assert len(t.frame) <= 12 and all(nb.header(c) for c in t.columns)
        for c in t.columns:
            if c.kind not in ("text", "year", "rank"):
                assert nb.header(c).endswith(")"), nb.header(c)   # a unit in every header


def test_page_counts(regional: Any, regional_pages: list[str], main_body: list[str],
                     country_briefs: dict[str, dict[str, Any]]) -> None:
    assert 2 <= len(main_body) <= 16
    assert len(regional_pages) > len(main_body)            # the annexes follow
    assert "Annex B. Sources" in norm(" ".join(regional_pages[len(main_body):]))
    for c in COUNTRIES:
        n = len(pdf_pages(Path(country_briefs[c]["pdf"])))
        assert 2 <= n <= 4, (c, n)


def test_no_scientific_notation_or_negative_zero(regional: Any,
                                                 country_briefs: dict[str, dict[str, Any]]
                                                 ) -> None:
    for pdf in all_pdfs(regional, country_briefs):
        text = " ".join(pdf_pages(pdf))
        assert not SCI.search(text), (pdf.name, SCI.search(text))
        neg = NEG_ZERO.search(text)
        assert neg is None, (pdf.name, text[max(0, neg.start() - 60):neg.end() + 20])
        assert "nan" not in text.lower().split(), pdf.name
    html = html_text(regional.html)
    assert not SCI.search(html) and not NEG_ZERO.search(html)


def test_pages_are_not_blank_and_nothing_crosses_the_right_margin(
        regional: Any, country_briefs: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    from PIL import Image

    for pdf in all_pdfs(regional, country_briefs):
        stem = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(stem)], check=True,
                       timeout=120)
        for p in sorted(tmp_path.glob(f"{pdf.stem}-*.png")):
            im = Image.open(p).convert("L")
            dark = sum(im.histogram()[:200]) / (im.width * im.height)
            assert dark > 0.003, f"{pdf.name} {p.name} looks blank ({dark:.4f})"
        bbox = tmp_path / f"{pdf.stem}.bbox.html"
        subprocess.run(["pdftotext", "-bbox", str(pdf), str(bbox)], check=True, timeout=120)
        doc = bbox.read_text(encoding="utf-8")
        for page in re.finditer(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', doc,
                                re.S):
            limit = float(page.group(1)) - RIGHT_MARGIN_PT + 1.0
            for w in re.finditer(r'xMax="([\d.]+)"[^>]*>([^<]*)<', page.group(2)):
                assert float(w.group(1)) <= limit, (pdf.name, w.group(2), w.group(1), limit)


def test_table_cells_never_break_words(regional: Any, regional_pages: list[str],
                                       country_briefs: dict[str, dict[str, Any]]) -> None:
    text = norm(" ".join(regional_pages))
    for t in regional.all_tables:
        for h in t.headers():
            assert norm(h) in text, (t.label, h)
        for row in t.rows():
            for cell, _num in row:
                assert norm(cell) in text, (t.label, cell)


def test_html_is_self_contained_and_has_the_pdfs_content(regional: Any,
                                                         regional_pages: list[str]) -> None:
    raw = regional.html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", raw)
    assert "@import" not in raw and "url(http" not in raw and "<script" not in raw
    assert raw.count("<svg") >= len(regional.figures)           # charts inline
    html, pdf = html_text(regional.html), norm(" ".join(regional_pages))
    for f in regional.findings:
        assert norm(f.text) in html and norm(f.text) in pdf
    for item in regional.figures + regional.all_tables:
        head = f"{item.label}. {norm(item.title)}"
        assert head in html and head in pdf
        assert norm(item.source) in html


def test_annex_names_every_data_edition_and_csv(regional: Any, real_store: Path) -> None:
    from labourlink.store import connect, provenance_table

    annex = {s.number: " ".join(getattr(i, "text", "") for i in s.items)
             for s in regional.sections if s.annex}
    con = connect(real_store, read_only=True)
    try:
        prov = provenance_table(con)
    finally:
        con.close()
    used = {s for item in regional.figures + regional.all_tables for s in item.sources}
    assert {"undesa_ims2024", "knomad_2023", "wto_hs_m_0010", "chilton_woda_2022"} <= used
    csv_sources = {s for t in _csv_only(regional) for s in t}
    for src in (used | csv_sources) & set(prov["source"]):
        for edition in prov.loc[prov["source"] == src, "edition"].unique():
            if src == "labourlink_flows" and "revision 2024" not in edition:
                assert edition not in annex["B"], edition       # the other revision's flows
                continue
            assert edition in annex["B"], (src, edition)
    assert "undesa_ims2020" not in used | csv_sources                # one revision, never mixed
    for p in regional.tables:
        assert f"tables/{p.name}" in annex["C"]
        head = pd.read_csv(p, nrows=1)
        assert len(head.columns) and all(re.fullmatch(r"[a-z0-9_]+", c) for c in head.columns)
    top = pd.read_csv(regional.html.parent / "tables" / "1_top_corridors.csv")
    assert {"persons", "change_persons", "annual_growth_pct", "revision"} <= set(top.columns)
    assert top["revision"].astype(str).eq("2024").all() and len(top) == 50
    assert (top.iloc[0]["origin"], top.iloc[0]["destination"]) == ("AFG", "IRN")


def _csv_only(regional: Any) -> list[list[str]]:
    """Sources of the tables written only as CSV (the data of figures, flows by method)."""
    annex_c = next(s for s in regional.sections if s.number == "C")
    text = " ".join(getattr(i, "text", "") for i in annex_c.items)
    out = []
    if "1_flows_by_method.csv" in text:
        out.append(["undesa_ims2024", "wpp2024", "labourlink_flows"])
    return out


def test_flows_beside_stocks(regional: Any, real_store: Path) -> None:
    from labourlink import flows
    from labourlink.store import connect

    con = connect(real_store, read_only=True)
    try:
        tot = flows.group_totals("ESCAP", revision="2024", con=con)
    finally:
        con.close()
    p = tot[(tot["period_start"] == 2020) & (tot["period_end"] == 2024)].set_index(
        ["side", "method"])["flow"]
    trends = next(s for s in regional.sections if s.number == "1")
    text = " ".join(getattr(i, "text", "") for i in trends.items if type(i).__name__ == "Para")
    for side in ("out_of", "into", "within"):
        assert nb.persons_text(p[(side, "da_pb_closed")]) in text, side
    assert nb.persons_text(p[("within", "sd_drop_neg")]) in text and "2020–2024" in text
    csv = pd.read_csv(regional.html.parent / "tables" / "1_flows_by_method.csv")
    assert set(csv["method"]) == set(flows.METHODS) and set(csv["revision"].astype(str)) == {"2024"}
    assert {"flow_persons", "flow_per_year_persons"} <= set(csv.columns)


# ------------------------------------------------------------------------------ country briefs
def test_country_briefs_share_one_layout_and_say_what_is_missing(
        country_briefs: dict[str, dict[str, Any]], real_store: Path) -> None:
    from labourlink import trends
    from labourlink.store import connect

    headings = {}
    for c in COUNTRIES:
        raw = Path(country_briefs[c]["html"]).read_text(encoding="utf-8")
        headings[c] = [norm(re.sub(r"<[^>]+>", "", h))
                       for h in re.findall(r"<h2[^>]*>(.*?)</h2>", raw, re.S)]
    names = {"NIU": "Niue", "TUV": "Tuvalu", "IND": "India", "PHL": "Philippines"}
    shapes = {c: [h.replace(names[c], "X") for h in hs] for c, hs in headings.items()}
    assert len({tuple(v) for v in shapes.values()}) == 1, shapes
    assert shapes["IND"] == ["Immigrants and emigrants", "Remittances",
                             "Governance: instruments in force and gaps",
                             "Where X stands in the region"]
    niu = norm(" ".join(pdf_pages(Path(country_briefs["NIU"]["pdf"]))))
    assert ("No remittance data for Niue in KNOMAD's June 2023 inflows or the World Bank WDI "
            "series.") in niu
    assert any("Niue" in m and "remittance" in m for m in country_briefs["NIU"]["missing"])
    con = connect(real_store, read_only=True)
    try:
        for c in COUNTRIES:
            text = norm(" ".join(pdf_pages(Path(country_briefs[c]["pdf"]))))
            prof = trends.country_profile(c, [2024], con=con).iloc[0]
            assert nb.persons_text(prof["immigrants_persons"]) in text, c
            assert nb.persons_text(prof["emigrants_persons"]) in text, c
            for k in ("Figure 1.", "Figure 2.", "Table 3."):
                assert k in text, (c, k)
            if c in ("IND", "PHL", "TUV"):
                rem = trends.remittances(c, source="knomad_2023", con=con).dropna(
                    subset=["received_usd"]).iloc[-1]
                assert nb.usd_text(rem["received_usd"]) in text, c
                assert "Figure 3." in text
            for m in re.finditer(r"(Figure|Table) \d\. ", text):
                rest = text[m.end():]
                nxt = re.search(r"(Figure|Table) \d\. ", rest)
                assert "Source: " in rest[: nxt.start() if nxt else len(rest)], (c, m.group(0))
    finally:
        con.close()
    phl = norm(" ".join(pdf_pages(Path(country_briefs["PHL"]["pdf"]))))
    assert "labour-migration instruments in force with Philippines, 2024" in phl
    assert "largest corridors of Philippines without an instrument in force" in phl
    assert "Where Philippines stands among ESCAP members" in phl


def test_all_members_briefs_with_an_index_on_a_dask_cluster(real_store: Path,
                                                            tmp_path: Path) -> None:
    """``brief --all`` on a running Dask scheduler with two workers (127.0.0.1)."""
    pytest.importorskip("distributed")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cluster"))
    from cluster_helpers import start_dask

    cluster = start_dask(2, tmp_path / "dask")
    try:
        out = tmp_path / "enea"
        r = cli("brief", "--all", "--group", "ENEA", "--out", str(out), "--store",
                str(real_store), "--no-build", "--no-pdf", "--scheduler", cluster.address)
    finally:
        cluster.close()
    assert "7 country briefs written" in r.output and "Dask scheduler" in r.output
    members = ["CHN", "HKG", "JPN", "KOR", "MAC", "MNG", "PRK"]
    for c in members:
        assert (out / f"{c}.html").is_file() and (out / "tables" / f"{c}_standing.csv").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{c}.html"' in index for c in members)
    csv = pd.read_csv(out / "index.csv")
    assert sorted(csv["iso3"]) == members and "immigrants_persons" in csv.columns
    prk = csv.set_index("iso3").loc["PRK"]
    assert "No remittance data for North Korea" in str(prk["missing"])


def test_revision_option(real_store: Path, tmp_path: Path) -> None:
    from labourlink.cli import app

    res = CliRunner().invoke(app, ["brief", "--revision", "2020", "--year", "2024", "--store",
                                   str(real_store), "--no-build", "--out", str(tmp_path / "x")])
    assert res.exit_code != 0
    assert "2024" in str(res.exception) and "2020" in str(res.exception)
    r = cli("brief", "--country", "IND", "--revision", "2020", "--no-pdf", "--out",
            str(tmp_path / "ind"), "--store", str(real_store), "--no-build")
    assert "Country brief written" in r.output
    text = html_text(tmp_path / "ind" / "IND.html")
    assert "UN DESA International Migrant Stock 2020 (POP/DB/MIG/Stock/Rev.2020)" in text
    assert "headline year 2020" in text and "Stock 2024" not in text


def test_country_tasks_run_on_the_cluster_runner(real_store: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The briefs run through labourlink.cluster's run_tasks (issue 16), here in this process;
    nothing is left in a runs folder (the data are scattered to the workers)."""
    pytest.importorskip("distributed")
    from labourlink.report.country import collect, run_country_tasks
    from labourlink.store import connect

    con = connect(real_store, read_only=True)
    try:
        data = collect(con, "ESCAP", countries=["TUV", "WSM"])
    finally:
        con.close()
    data.extra.update(out_dir=str(tmp_path / "c"), pdf=False)
    monkeypatch.chdir(tmp_path)
    res, runner = run_country_tasks(["TUV", "WSM"], data, progress=False)
    assert runner == "labourlink.cluster (this process)" and set(res) == {"TUV", "WSM"}
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "c" / "WSM.html").is_file() and res["WSM"]["name"] == "Samoa"
