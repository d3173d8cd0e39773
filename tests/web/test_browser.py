"""Dashboard pages in Debian's Chromium through Playwright (no browser download), toy store.

Every page loads without console errors or failed requests, needs nothing remote and passes
axe-core with no serious or critical violation; a country and year picked in the form show the
numbers the API returns; the country profile charts remittances from the first year with data;
a scenario run from the form shows results with intervals. Screenshots go to
``test-output/screenshots/``. The designer on the real store: ``test_designer_browser.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import ll_browser as lb
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = [
    ("/", "#map svg path"),
    ("/corridors", "#series tbody tr"),
    ("/country", "#origins tbody tr, #destinations tbody tr"),
    ("/models", "#preset option"),
    ("/designer", "body[data-ready='1']"),
    ("/scenario", "#member-names:not(:empty)"),
    ("/governance", "#bla tbody tr"),
]


@pytest.fixture(scope="module")
def live_server(toy_store: Path) -> Iterator[str]:
    with lb.live_server(toy_store) as base:
        yield base


@pytest.fixture(scope="module")
def shots(output_dir: Path) -> Path:
    d = output_dir / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture
def page(browser, live_server):
    p = lb.Page(browser, live_server)
    yield p
    p.close()


@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_every_page_loads_and_passes_axe(page, shots: Path, path: str, ready: str) -> None:
    page.page.goto(page.base + path)
    page.page.wait_for_selector(ready, timeout=60_000, state="attached")
    page.page.wait_for_load_state("networkidle")
    name = "overview" if path == "/" else path.strip("/")
    page.page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert page.errors == []
    assert page.remote == []
    assert page.page.locator("#error").is_hidden()
    assert lb.axe_blocking(page.page) == []


def test_skip_link_and_visible_focus(page) -> None:
    page.page.goto(page.base + "/country")
    page.page.wait_for_selector("#destinations tbody tr")
    page.page.keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.className") == "skip"
    page.page.keyboard.press("Enter")
    assert page.page.evaluate("document.activeElement.id") == "main"
    lb.tab_to(page.page, "#country")
    outline = page.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")


def test_overview_map_has_small_states_and_slider(page, shots: Path) -> None:
    page.page.goto(page.base + "/")
    page.page.wait_for_selector("#map svg path")
    assert page.page.locator("#map path").count() > 150  # 1:50m countries drawn from TopoJSON
    assert page.page.locator("#year-label").inner_text() == "2024"  # the 2024 revision
    slider = page.page.locator("#year")
    slider.evaluate("(el) => { el.value = 0; el.dispatchEvent(new Event('change')); }")
    expect(page.page.locator("#year-label")).to_have_text("2015")
    expect(page.page.locator("#map-title")).to_contain_text("2015")
    page.page.select_option("#layer", "remittances_pct_gdp")
    expect(page.page.locator("#map-title")).to_contain_text("% of GDP")
    # Tonga (37.7 % of GDP) is too small at this scale: drawn as a circle at its capital
    page.page.wait_for_selector("#map circle[data-iso3='TON']")
    first = page.page.locator("#top tbody tr").first.inner_text()
    assert "TON" in first and "37.70" in first
    page.page.screenshot(path=str(shots / "overview_remittances.png"), full_page=True)
    assert page.errors == []


def test_revision_selector_switches_the_numbers(page, live_server: str) -> None:
    import httpx

    api = httpx.get(f"{live_server}/api/country/PHL", params={"year": 2020,
                                                              "revision": "2020"}).json()
    page.page.goto(page.base + "/country?iso3=PHL&year=2020")
    page.page.wait_for_selector("#destinations tbody tr")
    page.page.select_option("#revision", "2020")
    page.page.wait_for_url("**revision=2020**")
    page.page.wait_for_selector("#destinations tbody tr")
    expect(page.page.locator("#emigrants")).to_have_text(f"{round(api['emigrants_persons']):,}")
    assert "undesa_ims2020" in page.page.locator("#provenance").inner_text()
    # links to other pages keep the revision
    assert "revision=2020" in page.page.locator("nav a[href^='/corridors']").get_attribute("href")


def test_pick_country_and_year_shows_api_numbers(page, live_server: str, shots: Path) -> None:
    import httpx

    api = httpx.get(f"{live_server}/api/country/IND", params={"year": 2015}).json()
    page.page.goto(page.base + "/country")
    page.page.wait_for_selector("#origins tbody tr, #destinations tbody tr")
    page.page.select_option("#country", "IND")
    page.page.select_option("#year", "2015")
    page.page.click("#go")
    expect(page.page.locator("#country-name")).to_contain_text("India (IND), 2015")
    shown = page.page.locator("#emigrants").inner_text()
    assert shown == f"{round(api['emigrants_persons']):,}"
    assert page.page.locator("#population").inner_text() == f"{round(api['population_persons']):,}"
    first = page.page.locator("#destinations tbody tr").first.inner_text()
    top = api["top_destinations"][0]
    assert top["name"] in first and f"{round(top['persons']):,}" in first
    page.page.screenshot(path=str(shots / "country_IND_2015.png"), full_page=True)
    assert page.errors == []


def test_country_remittances_chart_then_table_from_first_year(page, live_server: str) -> None:
    import httpx

    api = httpx.get(f"{live_server}/api/country/PHL").json()
    first = api["remittance_first_year"]
    assert first == 2020  # the toy store's remittances start in 2020 (population in 2015)
    page.page.goto(page.base + "/country?iso3=PHL")
    page.page.wait_for_selector("#rem-chart svg")
    rows = page.page.locator("#remittances tbody tr")
    assert rows.first.inner_text().startswith(str(first))
    assert f"from {first}" in page.page.locator("#rem-caption").inner_text()
    # the chart is above the table
    chart_y = page.page.locator("#rem-chart").bounding_box()["y"]
    table_y = page.page.locator("#remittances").bounding_box()["y"]
    assert chart_y < table_y


def test_scenario_form_shows_results(page, shots: Path) -> None:
    page.page.goto(page.base + "/scenario")
    page.page.wait_for_selector("#member-names:not(:empty)")
    page.page.fill("#members", "PHL, JPN, IND")
    page.page.fill("#draws", "3")
    page.page.click("#run")
    page.page.wait_for_selector("#results tbody tr", timeout=120_000)
    rows = page.page.locator("#results tbody tr")
    assert rows.count() == 8
    text = rows.first.inner_text()
    assert "yes" in text and "[" in text  # a member, with its interval
    assert "b_rta" in page.page.locator("#summary").inner_text()
    page.page.screenshot(path=str(shots / "scenario_result.png"), full_page=True)
    assert page.errors == []


def test_bad_input_shows_the_api_error(page) -> None:
    page.page.goto(page.base + "/scenario")
    page.page.wait_for_selector("#member-names:not(:empty)")
    page.page.fill("#members", "PHL")
    page.page.click("#run")
    page.page.wait_for_selector("#error:not([hidden])")
    assert "members" in page.page.locator("#error").inner_text()


def test_no_browser_download() -> None:
    # the tests drive Debian's Chromium; Playwright's own browser cache must not be needed
    assert shutil.which("chromium") is not None or Path(lb.CHROMIUM).exists()
