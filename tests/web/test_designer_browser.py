"""The agreement designer in Chromium on the real store: a deal designed from scratch (by mouse
and by keyboard only), run, its YAML run by the CLI to the same numbers; invalid input next to
the field; two designs compared; a shared link restores the page; axe-core on the result.

The screenshot of the designer with a result is ``test-output/screenshots/designer_result.png``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import ll_browser as lb
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RUN_TIMEOUT = 300_000  # ms; the first run on a store estimates the coefficients (about a minute)


@pytest.fixture(scope="module")
def base(real_store: Path) -> Iterator[str]:
    with lb.live_server(real_store) as url:
        yield url


@pytest.fixture
def page(browser, base):
    p = lb.Page(browser, base, accept_downloads=True)
    yield p
    p.close()


def _open(page: lb.Page, query: str = "") -> None:
    page.page.goto(page.base + "/designer" + query)
    page.page.wait_for_selector("body[data-ready='1']", timeout=RUN_TIMEOUT, state="attached")


def _download(page: lb.Page, link: str, target: Path) -> Path:
    with page.page.expect_download() as info:
        page.page.click(link)
    info.value.save_as(str(target))
    return target


def test_trade_agreement_form_starts_from_asean(page, base: str) -> None:
    import httpx

    asean = httpx.get(f"{base}/api/meta").json()["group_members"]["ASEAN"]
    page.page.goto(base + "/scenario")
    page.page.wait_for_selector("#member-names:not(:empty)")
    assert page.page.locator("#group").input_value() == "ASEAN"
    assert page.page.locator("#members").input_value().split(",") == asean
    assert "Indonesia" in page.page.locator("#member-names").inner_text()


def test_design_from_scratch_run_download_and_cli(page, real_store: Path, tmp_path: Path,
                                                  output_dir: Path) -> None:
    from typer.testing import CliRunner

    from labourlink.cli import app

    _open(page)
    p = page.page
    p.select_option("#start", "template")
    p.click("#load-start")
    expect(p.locator("#f-name")).to_have_value("my-scenario")
    p.fill("#f-name", "phl-idn-nurses-to-jpn")
    p.fill("#f-description", "Japan admits nurses and care workers from the Philippines and "
                             "Indonesia; both co-operate on return.")
    p.fill("#f-senders", "PHL")
    p.select_option("#f-senders-group", "ASEAN")
    p.fill("#f-senders", "PHL,IDN")
    p.fill("#f-receivers", "JPN")
    expect(p.locator("#f-senders-names")).to_contain_text("Philippines")
    expect(p.locator("#f-receivers-names")).to_contain_text("Japan")
    p.select_option("#f-instrument", "bilateral_labour_agreement")
    for sel, val in [("#f-workers-per-year", "3000"), ("#f-years-in-force", "4"),
                     ("#f-skill-mix", "0.6"), ("#f-return-rate", "0.1"),
                     ("#f-irregular-share", "0.05"), ("#f-irregular-reduction", "0.2"),
                     ("#f-trade-cost-rta-share", "0.5"),
                     ("#f-labour-market-native-high-skill-share", "0.4"),
                     ("#f-draws", "6"), ("#f-seed", "2")]:
        p.fill(sel, val)
    p.check("#f-allocation")
    p.fill("#alloc-PHL-JPN", "0.6")
    p.fill("#alloc-IDN-JPN", "0.4")
    p.click("#run")
    p.wait_for_selector("#result:not([hidden])", timeout=RUN_TIMEOUT)
    expect(p.locator("#result-title")).to_have_text("Result: phl-idn-nurses-to-jpn")
    assert p.locator("#ledger-chart svg rect.bar").count() >= 15
    assert p.locator("#ledger-chart svg line.whisker").count() >= 3  # trade items, 90 % lines
    assert p.locator("#parties-table tbody tr").count() == 3
    assert p.locator("#notes li").count() >= 3
    assert lb.axe_blocking(p) == []
    shots = output_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(shots / "designer_result.png"), full_page=True)
    # downloads: the YAML runs unchanged with the CLI, to the numbers of the JSON download
    yml = _download(page, "#dl-yaml", tmp_path / "phl-idn-nurses-to-jpn.yaml")
    got = json.loads(_download(page, "#dl-json", tmp_path / "result.json").read_text())
    csv = _download(page, "#dl-csv", tmp_path / "result.csv").read_text()
    assert csv.startswith("country,delta_exports_usd,")
    res = CliRunner().invoke(app, ["scenario", "run", str(yml), "--draws", "6", "--seed", "2",
                                   "--format", "json", "--store", str(real_store)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == got
    assert got["countries"]["JPN"]["delta_remittances_usd"] < 0 < got["countries"]["PHL"][
        "delta_remittances_usd"]
    # the table shows the downloaded numbers
    jpn = p.locator("#parties-table tbody tr", has_text="JPN").inner_text()
    assert f"{round(got['countries']['JPN']['delta_exports_usd']):,}" in jpn
    assert page.errors == [] and page.remote == []


def test_keyboard_only_design_and_run(page) -> None:
    _open(page)
    p = page.page
    # pick a starting point and load it
    lb.tab_to(p, "#start")
    p.keyboard.press("End")  # the last example
    lb.tab_to(p, "#load-start")
    p.keyboard.press("Enter")
    expect(p.locator("#f-name")).not_to_have_value("")
    # change fields by typing only
    lb.tab_to(p, "#f-workers-per-year")
    p.keyboard.press("Control+A")
    p.keyboard.type("1234")
    lb.tab_to(p, "#f-years-in-force")
    p.keyboard.press("Control+A")
    p.keyboard.type("2")
    lb.tab_to(p, "#f-draws")
    p.keyboard.press("Control+A")
    p.keyboard.type("0")
    outline = p.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")  # focus is visible
    lb.tab_to(p, "#run")
    p.keyboard.press("Enter")
    p.wait_for_selector("#result:not([hidden])", timeout=RUN_TIMEOUT)
    # the focus moves to the result, so a keyboard user lands on it
    expect(p.locator("#result-title")).to_be_focused()
    assert "1,234 workers a year for 2 years" in p.locator("#res-summary").inner_text()
    lb.tab_to(p, "#dl-yaml")  # the downloads are reachable too
    assert page.errors == []


def test_invalid_input_next_to_the_field_and_nothing_run(page, base: str) -> None:
    import httpx

    _open(page)
    p = page.page
    started = httpx.get(f"{base}/api/health").json()["jobs"]["started"]
    p.fill("#f-senders", "NPL,XQZ")
    p.fill("#f-skill-mix", "1.5")
    p.fill("#f-receivers", "KOR,NPL")
    p.click("#run")
    expect(p.locator("#f-senders-err")).to_be_visible()
    assert "unknown country 'XQZ'" in p.locator("#f-senders-err").inner_text()
    assert p.locator("#f-senders-err").inner_text().startswith("kor-eps-quota-plus-20pct.yaml: ")
    expect(p.locator("#f-skill-mix-err")).to_contain_text("less than or equal to 1")
    assert p.locator("#f-skill-mix").get_attribute("aria-invalid") == "true"
    # with the fields right, the check across fields: a sender that is also a receiver
    p.fill("#f-senders", "NPL")
    p.fill("#f-skill-mix", "0.5")
    p.click("#run")
    expect(p.locator("#f-receivers-err")).to_contain_text("both sender and receiver")
    assert p.locator("#result").is_hidden()
    assert httpx.get(f"{base}/api/health").json()["jobs"]["started"] == started


def test_compare_two_designs_and_share_the_link(page, browser, base: str) -> None:
    _open(page, "?start=kor_eps_quota&draws=0")
    p = page.page
    p.click("#keep")
    expect(p.locator("#compare")).to_be_enabled()
    p.fill("#f-name", "kor-eps-doubled")
    p.fill("#f-workers-per-year", "5200")
    p.click("#compare")
    p.wait_for_selector("#comparison:not([hidden])", timeout=RUN_TIMEOUT)
    rows = p.locator("#compare-table tbody tr")
    assert rows.count() == 4
    assert p.locator("#ledger-a svg").count() == 1 and p.locator("#ledger-b svg").count() == 1
    expect(p.locator("#cmp-names")).to_contain_text("A = kor-eps-quota-plus-20pct")
    kor = p.locator("#compare-table tbody tr", has_text="KOR").inner_text()
    assert lb.axe_blocking(p) == []
    # the link restores both designs and the comparison
    link = p.locator("#share-link").input_value()
    assert "a.start=kor_eps_quota" in link and "workers_per_year=5200" in link and "cmp=1" in link
    other = lb.Page(browser, base)
    try:
        other.page.goto(link)
        other.page.wait_for_selector("#comparison:not([hidden])", timeout=RUN_TIMEOUT)
        assert other.page.locator("#f-workers-per-year").input_value() == "5200"
        assert other.page.locator("#f-name").input_value() == "kor-eps-doubled"
        assert other.page.locator("#compare-table tbody tr", has_text="KOR").inner_text() == kor
        assert other.errors == []
    finally:
        other.close()


def test_shared_link_restores_a_design_and_its_result(page, browser, base: str) -> None:
    _open(page, "?start=pacific_palm_rse&draws=0")
    p = page.page
    p.fill("#f-return-rate", "0.5")
    p.fill("#f-ge-sigma", "5")
    p.uncheck("#f-labour-market-capital-adjusts")
    p.click("#run")
    p.wait_for_selector("#result:not([hidden])", timeout=RUN_TIMEOUT)
    summary = p.locator("#parties-table").inner_text()
    link = p.locator("#share-link").input_value()
    other = lb.Page(browser, base)
    try:
        other.page.goto(link)
        other.page.wait_for_selector("#result:not([hidden])", timeout=RUN_TIMEOUT)
        q = other.page
        assert q.locator("#start").input_value() == "pacific_palm_rse"
        assert q.locator("#f-return-rate").input_value() == "0.5"
        assert q.locator("#f-ge-sigma").input_value() == "5"
        assert not q.locator("#f-labour-market-capital-adjusts").is_checked()
        assert q.locator("#parties-table").inner_text() == summary
    finally:
        other.close()
