"""Helpers of the browser tests: a live uvicorn server in a thread, Debian's Chromium through
Playwright (no browser download), pages that record console errors and block remote requests,
and axe-core (bundled by axe-playwright-python, offline)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
#: axe-core impacts that fail a page
BLOCKING = ("serious", "critical")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(store: Path, **kw: Any) -> Iterator[str]:
    """uvicorn serving ``store`` on a free loopback port, in a thread."""
    import uvicorn

    from labourlink.web.app import create_app

    port = free_port()
    app = create_app(store, **kw)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    deadline = time.time() + 60
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("uvicorn did not start within 60 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        th.join(timeout=30)
        app.state.watcher.close()


@contextmanager
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (`make system-deps`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A page with console errors and failed requests recorded, remote requests blocked."""

    def __init__(self, browser: Any, base: str, accept_downloads: bool = False) -> None:
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900},
                                       accept_downloads=accept_downloads)
        self.page = self.ctx.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}")
                     if not r.url.startswith("blob:") else None)
        self.remote: list[str] = []

        def route(r: Any) -> None:
            if r.request.url.startswith(base):
                r.continue_()
            else:
                self.remote.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)

    def close(self) -> None:
        self.ctx.close()


def axe_blocking(page: Any) -> list[str]:
    """Serious and critical axe-core violations of the page (rule, impact, first targets)."""
    from axe_playwright_python.sync_playwright import Axe

    res = Axe().run(page)
    assert res.response["passes"], "axe-core did not run"
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
            for v in res.response["violations"] if v["impact"] in BLOCKING]


def tab_to(page: Any, selector: str, limit: int = 250) -> int:
    """Press Tab until the element matching ``selector`` has the focus; returns the presses."""
    target = page.locator(selector)
    for k in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return k
    raise AssertionError(f"{selector} not reached with {limit} Tab presses")
