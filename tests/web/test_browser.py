"""Dashboard pages in Debian's Chromium through Playwright (no browser download).

Every page loads without console errors or failed requests; a country and year picked in the
form show the numbers the API returns; a scenario run from the form shows results with intervals.
Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(toy_store: Path) -> Iterator[str]:
    """uvicorn serving the toy store on a free loopback port, in a thread."""
    import uvicorn

    from labourlink.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(toy_store), host="127.0.0.1", port=port,
                                           log_level="warning"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("uvicorn did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (`make system-deps`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(output_dir: Path) -> Path:
    d = output_dir / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


class _Page:
    """A page with console errors and failed requests recorded."""

    def __init__(self, browser, base: str) -> None:
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.ctx.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        # block anything that is not our server: the pages must not need it
        self.remote: list[str] = []

        def route(r):
            if r.request.url.startswith(base):
                r.continue_()
            else:
                self.remote.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def page(browser, live_server):
    p = _Page(browser, live_server)
    yield p
    p.close()


@pytest.mark.parametrize(("path", "ready"), [
    ("/", "#map svg path"),
    ("/corridors", "#series tbody tr"),
    ("/country", "#origins tbody tr, #destinations tbody tr"),
    ("/models", "#preset option"),
    ("/scenario", "#members"),
    ("/governance", "#bla tbody tr"),
])
def test_every_page_loads_without_console_errors(page, shots: Path, path: str, ready: str) -> None:
    page.page.goto(page.base + path)
    page.page.wait_for_selector(ready, timeout=30_000, state="attached")
    page.page.wait_for_load_state("networkidle")
    name = "overview" if path == "/" else path.strip("/")
    page.page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert page.errors == []
    assert page.remote == []
    assert page.page.locator("#error").is_hidden()


def test_overview_map_has_small_states_and_slider(page, shots: Path) -> None:
    page.page.goto(page.base + "/")
    page.page.wait_for_selector("#map svg path")
    assert page.page.locator("#map path").count() > 150  # 1:50m countries drawn from TopoJSON
    assert page.page.locator("#year-label").inner_text() == "2020"
    slider = page.page.locator("#year")
    slider.evaluate("(el) => { el.value = 0; el.dispatchEvent(new Event('change')); }")
    page.page.wait_for_function("document.getElementById('year-label').textContent === '2015'")
    page.page.wait_for_function(
        "document.getElementById('map-title').textContent.includes('2015')")
    page.page.select_option("#layer", "remittances_pct_gdp")
    page.page.wait_for_function(
        "document.getElementById('map-title').textContent.includes('% of GDP')")
    # Tonga (37.7 % of GDP) is too small at this scale: drawn as a circle at its capital
    page.page.wait_for_selector("#map circle[data-iso3='TON']")
    first = page.page.locator("#top tbody tr").first.inner_text()
    assert "TON" in first and "37.70" in first
    page.page.screenshot(path=str(shots / "overview_remittances.png"), full_page=True)
    assert page.errors == []


def test_pick_country_and_year_shows_api_numbers(page, live_server: str, shots: Path) -> None:
    import httpx

    api = httpx.get(f"{live_server}/api/country/IND", params={"year": 2015}).json()
    page.page.goto(page.base + "/country")
    page.page.wait_for_selector("#origins tbody tr, #destinations tbody tr")
    page.page.select_option("#country", "IND")
    page.page.select_option("#year", "2015")
    page.page.click("#go")
    page.page.wait_for_function(
        "document.getElementById('country-name').textContent.includes('India (IND), 2015')")
    shown = page.page.locator("#emigrants").inner_text()
    assert shown == f"{round(api['emigrants_persons']):,}"
    assert page.page.locator("#population").inner_text() == f"{round(api['population_persons']):,}"
    first = page.page.locator("#destinations tbody tr").first.inner_text()
    top = api["top_destinations"][0]
    assert top["name"] in first and f"{round(top['persons']):,}" in first
    page.page.screenshot(path=str(shots / "country_IND_2015.png"), full_page=True)
    assert page.errors == []


def test_scenario_form_shows_results(page, shots: Path) -> None:
    page.page.goto(page.base + "/scenario")
    page.page.wait_for_selector("#members")
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
    page.page.wait_for_selector("#members")
    page.page.fill("#members", "PHL")
    page.page.click("#run")
    page.page.wait_for_selector("#error:not([hidden])")
    assert "members" in page.page.locator("#error").inner_text()


def test_no_browser_download() -> None:
    # the tests drive Debian's Chromium; Playwright's own browser cache must not be needed
    assert shutil.which("chromium") is not None or Path(CHROMIUM).exists()
