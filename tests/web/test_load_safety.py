"""The dashboard under load and its safety, on the toy store (no timings: see benchmarks/).

What is checked: answers come from the read model and the response cache with the same bytes as
the FastAPI routes; the caches follow a rebuilt store file; long jobs are bounded (429 and 503
with Retry-After) and never hold up reads; security headers, 413 and the loopback default.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import duckdb
import ll_toy_store as toy
import pytest
from fastapi.testclient import TestClient

from labourlink.web.app import CSP, create_app, fast_read
from labourlink.web.jobs import Busy, JobRunner

SECURITY = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
            "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


# ------------------------------------------------------------------ safety
@pytest.mark.parametrize("path", ["/", "/designer", "/country", "/api/meta", "/static/common.js",
                                  "/api/country/QQQ", "/no/such/page", "/api/health",
                                  "/openapi.json"])
def test_security_headers_on_every_answer(client, path: str) -> None:
    r = client.get(path)
    for k, v in SECURITY.items():
        assert r.headers.get(k) == v, (path, k)
    # and on a cached answer too
    assert client.get(path).headers.get("x-content-type-options") == "nosniff"


def test_csp_allows_no_remote_origin() -> None:
    assert "http:" not in CSP and "https:" not in CSP and "*" not in CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'" and directives["frame-ancestors"] == "'none'"


def test_pages_have_no_inline_script_or_handler(client) -> None:
    from labourlink.web.app import PAGES

    for path in PAGES:
        html = client.get(path).text
        assert "<script>" not in html and " on" + "submit=" not in html
        assert "onclick=" not in html and "style=" not in html, path


def test_body_over_limit_is_413(client) -> None:
    big = b'{"spec": {"name": "' + b"x" * 70_000 + b'"}}'
    r = client.post("/api/designer/validate", content=big,
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413
    assert set(r.json()) == {"ok", "status", "error", "errors"}
    assert r.headers["x-content-type-options"] == "nosniff"

    def chunks():  # no Content-Length: counted while it is read
        for _ in range(10):
            yield b"x" * 10_000

    r = client.post("/api/designer/validate", content=chunks(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    # under the limit the request is read normally (and validated)
    r = client.post("/api/designer/validate", json={"spec": {"name": "x"}})
    assert r.status_code == 422


def test_bind_notice() -> None:
    from labourlink.web.cli import bind_notice, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    assert "this machine only" in bind_notice("127.0.0.1", 8000)
    warn = bind_notice("0.0.0.0", 8000)
    assert warn.startswith("WARNING") and "reachable from other machines" in warn


@pytest.mark.parametrize(("host", "warns"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_serve_says_where_it_binds(toy_store: Path, monkeypatch: pytest.MonkeyPatch, host: str,
                                   warns: bool) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from labourlink.cli import app

    seen: dict[str, object] = {}

    def fake_run(asgi, **kw):  # do not open a socket here
        seen.update(kw)
        asgi.state.runner.close()
        asgi.state.watcher.close()

    monkeypatch.setattr(uvicorn, "run", fake_run)
    res = CliRunner().invoke(app, ["serve", "--host", host, "--port", "8123", "--store",
                                   str(toy_store), "--revision", "2020"])
    assert res.exit_code == 0, res.output
    assert seen["host"] == host
    assert ("WARNING" in res.output) is warns
    assert "revision 2020 by default" in res.output


def test_serve_rejects_a_revision_the_store_lacks(tmp_path: Path) -> None:
    from labourlink.errors import InvalidArgumentError

    store = toy.build(tmp_path / "only2020.duckdb")
    with duckdb.connect(str(store)) as con:
        con.execute("DELETE FROM migrant_stock WHERE source = 'undesa_ims2024'")
    with pytest.raises(InvalidArgumentError, match="revision.*2020"):
        create_app(store, revision="2024")
    app = create_app(store)  # no revision asked: the newest the store holds, said in answers
    with TestClient(app) as c:
        body = c.get("/api/meta").json()
        assert body["revision"] == "2020" and body["default_revision"] == "2020"
    app.state.watcher.close()


# ------------------------------------------------------------------ read paths and caches
def test_fast_path_gives_the_route_bytes(toy_store: Path) -> None:
    slow_app = create_app(toy_store, fast_path=False)
    codes = [c[0] for c in toy.COUNTRIES]
    rnd = random.Random(3)
    urls = [f"/api/country/{c.lower() if k % 2 else c}" for k, c in enumerate(codes)]
    urls += [f"/api/country/{c}?year={y}&revision={r}" for c in codes
             for r, ys in (("2020", toy.STOCK_YEARS), ("2024", toy.STOCK_YEARS_2024)) for y in ys]
    urls += [f"/api/corridor?origin={o}&destination={d}" for o, d in
             (rnd.sample(codes, 2) for _ in range(30))]
    urls += [f"/api/corridor?origin={o}&destination={d}&revision=2020" for o, d in toy.STOCKS]
    urls = list(dict.fromkeys(urls))  # each once: a second request would be a cache hit
    with TestClient(slow_app) as slow:
        snap = slow_app.state.watcher.current()
        for url in urls:
            path, _, qs = url.partition("?")
            fast = fast_read(snap, path, qs.encode())
            r = slow.get(url)
            assert r.status_code == 200 and r.headers.get("x-cache") is None, url
            assert fast == r.content, url
    slow_app.state.watcher.close()


@pytest.mark.parametrize("url", ["/api/country/QQQ", "/api/country/PHL?year=1999",
                                 "/api/country/PHL?year=20x0", "/api/corridor?origin=PHL",
                                 "/api/corridor?origin=PHL&destination=PHL",
                                 "/api/corridor?origin=PHL&destination=JPN&revision=2019"])
def test_fast_path_leaves_errors_to_the_routes(client, url: str) -> None:
    snap = client.app.state.watcher.current()
    path, _, qs = url.partition("?")
    assert fast_read(snap, path, qs.encode()) is None
    r = client.get(url)
    assert r.status_code in (404, 422), r.text
    assert set(r.json()) == {"ok", "status", "error", "errors"}


def test_fast_path_leaves_repeated_parameters_to_the_routes(client) -> None:
    snap = client.app.state.watcher.current()
    assert fast_read(snap, "/api/country/PHL", b"year=2020&year=2015") is None
    assert client.get("/api/country/PHL?year=2020&year=2015").status_code == 200


def test_response_cache_hits_and_keys_on_the_full_query(client) -> None:
    url = "/api/corridors/top?n=3&revision=2020"
    first = client.get(url)
    again = client.get(url)
    assert again.headers.get("x-cache") == "hit" and again.content == first.content
    other = client.get("/api/corridors/top?n=3&revision=2024")
    assert other.headers.get("x-cache") != "hit" and other.json()["revision"] == "2024"
    assert client.get("/api/health").headers.get("x-cache") is None  # live, never cached


def test_rebuilt_store_is_picked_up(tmp_path: Path) -> None:
    store = toy.build(tmp_path / "store.duckdb")
    app = create_app(store, check_interval=0)
    with TestClient(app) as c:
        url = "/api/corridor?origin=PHL&destination=JPN&revision=2020"
        before = c.get(url).json()["stock_series"][-1]["migrants_persons"]
        assert c.get(url).headers.get("x-cache") == "hit"
        key0 = c.get("/api/health").json()["store_key"]
        # `labourlink data build` writes a new file and renames it over the old one
        new = toy.build(tmp_path / "next.duckdb")
        with duckdb.connect(str(new)) as con:
            con.execute("UPDATE migrant_stock SET persons = persons * 2 WHERE origin = 'PHL' "
                        "AND destination = 'JPN'")
            con.execute("INSERT INTO build_meta VALUES ('fingerprint', 'rebuilt')")
        time.sleep(0.01)  # a new mtime even on coarse file systems
        os.replace(new, store)
        after = c.get(url)
        assert after.headers.get("x-cache") != "hit"
        assert after.json()["stock_series"][-1]["migrants_persons"] == pytest.approx(2 * before)
        assert c.get("/api/health").json()["store_key"] != key0
    app.state.watcher.close()


# ------------------------------------------------------------------ long jobs
@pytest.mark.slow
def test_jobs_are_bounded_with_retry_after(toy_store: Path) -> None:
    import asyncio

    from labourlink.web.state import file_identity

    runner = JobRunner(workers=1, queue=1)
    ident = file_identity(toy_store)

    async def scenario() -> list[object]:
        kw = {"store": toy_store, "identity": ident, "snapshot_key": "k"}
        first = asyncio.ensure_future(runner.run("wait", {"seconds": 3.0}, **kw))
        second = asyncio.ensure_future(runner.run("wait", {"seconds": 0.1}, **kw))
        await asyncio.sleep(0.2)
        with pytest.raises(Busy) as exc:  # one running, one waiting: the third is refused
            await runner.run("wait", {"seconds": 0.2}, **kw)
        assert exc.value.retry_after >= 1
        # an identical job shares the running one instead of taking a place
        same = await asyncio.gather(runner.run("wait", {"seconds": 3.0}, **kw), first, second)
        return [exc.value, *same]

    try:
        out = asyncio.run(scenario())
    finally:
        runner.close()
    assert out[1] == out[2]  # the shared job's one result
    assert runner.rejected == 1 and runner.started == 2


@pytest.mark.slow
def test_busy_and_dead_worker_answer_429_and_503(toy_store: Path) -> None:
    import signal
    import threading

    app = create_app(toy_store, workers=1, queue=0)
    runner = app.state.runner
    with TestClient(app) as c:
        from labourlink.web.state import file_identity

        snap = app.state.watcher.current()
        results: dict[str, object] = {}

        def long_job() -> None:
            import asyncio

            try:
                results["out"] = asyncio.run(runner.run(
                    "wait", {"seconds": 20.0, "busy": True}, store=snap.path,
                    identity=file_identity(snap.path), snapshot_key=snap.key))
            except Exception as exc:  # noqa: BLE001 - recorded for the asserts
                results["exc"] = exc

        th = threading.Thread(target=long_job)
        th.start()
        deadline = time.monotonic() + 60
        while runner.pending == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # the worker is busy with a CPU-bound job: reads are answered meanwhile ...
        for code in ("PHL", "JPN", "IND", "AUS"):
            r = c.get(f"/api/country/{code}?revision=2020")
            assert r.status_code == 200
        assert runner.pending == 1 and th.is_alive()
        # ... and another long job is refused with 429 and Retry-After
        busy = c.post("/api/scenarios/mobility", json={"example": "kor_eps_quota", "draws": 0})
        assert busy.status_code == 429, busy.text
        assert int(busy.headers["retry-after"]) >= 1
        assert set(busy.json()) == {"ok", "status", "error", "errors"}
        # the worker dies (killed, out of memory): 503 with Retry-After, then a new worker
        pid = next(iter(runner._pool._processes))  # noqa: SLF001 - the test kills it on purpose
        os.kill(pid, signal.SIGKILL)
        th.join(timeout=60)
        assert "exc" in results and type(results["exc"]).__name__ == "Unavailable"
        again = c.post("/api/scenarios/mobility", json={"example": "kor_eps_quota", "draws": 0})
        if again.status_code == 503:
            assert int(again.headers["retry-after"]) >= 1
            again = c.post("/api/scenarios/mobility",
                           json={"example": "kor_eps_quota", "draws": 0})
        # a new worker ran it: the toy store lacks Korea's trade data, a clear 4xx
        assert again.status_code == 422, again.text
        assert "KOR" in again.text
    app.state.watcher.close()

