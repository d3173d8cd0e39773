"""The dashboard and JSON API (FastAPI).

``create_app(store)`` opens the store **read-only** and answers every request on a snapshot of it
(:mod:`labourlink.web.state`; a rebuilt store file is picked up within ``check_interval`` seconds).
All errors, including request-validation errors and unknown routes, share one JSON shape::

    {"ok": false, "status": 422, "error": "year=1999 is not allowed; expected 2015, 2020",
     "errors": [{"loc": ["query", "year"], "msg": "..."}]}

**Under load.** Read endpoints never wait for long work: scenario runs and model estimates run in
a worker process (:mod:`labourlink.web.jobs`), bounded (429 or 503 with ``Retry-After`` when
busy). Country and corridor answers come from an in-memory read model built once per store
(:mod:`labourlink.web.readmodel`). Successful ``GET /api/...`` answers are kept as bytes in a
bounded LRU cache keyed on the store snapshot (build fingerprint and file identity) plus the full
path and query string, and answered by the outermost middleware without routing.

**Safety.** Every response carries a Content-Security-Policy that allows this origin only (no
remote origin, no inline script), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``
and ``Referrer-Policy: no-referrer``; request bodies over ``body_limit`` bytes get 413. No request
parameter is ever used as a file path: the only files served are the packaged static assets and
the world TopoJSON from :func:`labourlink.report.geo`.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

import duckdb
import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from labourlink import __version__
from labourlink.errors import InvalidArgumentError, LabourlinkError
from labourlink.report.mobility import MAX_MOBILITY_DRAWS
from labourlink.report.scenario import MAX_DRAWS
from labourlink.store.revisions import stock_source
from labourlink.web import designer, queries
from labourlink.web.jobs import Busy, JobFailed, JobRunner, Unavailable, status_of
from labourlink.web.state import Snapshot, StoreReloading, StoreWatcher

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
MAX_MEMBERS = 60
#: Largest request body accepted (bytes); larger ones get 413.
BODY_LIMIT = 64 * 1024
#: Total size of the response cache (bytes of JSON kept).
RESPONSE_CACHE_BYTES = 64 * 1024 * 1024

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)

PAGES: dict[str, tuple[str, str]] = {  # path -> (template, title)
    "/": ("overview.html", "Overview map"),
    "/corridors": ("corridors.html", "Corridor explorer"),
    "/country": ("country.html", "Country profile"),
    "/models": ("models.html", "Model runner"),
    "/designer": ("designer.html", "Agreement designer"),
    "/scenario": ("scenario.html", "Trade agreement"),
    "/governance": ("governance.html", "Governance explorer"),
}
#: GET paths under /api/ whose answers are not cached (live state).
UNCACHED = ("/api/health",)


class ErrorItem(BaseModel):
    """One problem with the request."""

    loc: list[str | int] = Field(default_factory=list)
    msg: str


class ErrorBody(BaseModel):
    """The one error shape of the API."""

    ok: bool = False
    status: int
    error: str
    errors: list[ErrorItem] = Field(default_factory=list)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad request"},
    404: {"model": ErrorBody, "description": "Unknown code or resource"},
    409: {"model": ErrorBody, "description": "The store lacks the data this needs"},
    413: {"model": ErrorBody, "description": f"Request body over {BODY_LIMIT} bytes"},
    422: {"model": ErrorBody, "description": "Invalid input"},
    429: {"model": ErrorBody, "description": "Busy with long jobs: retry after `Retry-After` s"},
    503: {"model": ErrorBody, "description": "Worker unavailable: retry after `Retry-After` s"},
}


class ScenarioRequest(BaseModel):
    """Body of ``POST /api/scenario``: an agreement among ``members``."""

    members: list[Annotated[str, Field(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")]] = \
        Field(min_length=2, max_length=MAX_MEMBERS, description="ISO3 codes of the parties")
    year: int | None = Field(default=None, ge=1900, le=2100,
                             description="Year of the trade cross-section (default: latest)")
    draws: int = Field(default=20, ge=0, le=MAX_DRAWS,
                       description=f"Draws of the RTA coefficient for intervals (0..{MAX_DRAWS})")
    sigma: float = Field(default=7.0, gt=1.0, le=50.0, description="Elasticity of substitution")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class MobilityRequest(BaseModel):
    """Body of ``POST /api/scenarios/mobility``: a shipped example, optionally adjusted."""

    example: str = Field(min_length=1, max_length=60, pattern="^[a-z0-9_]+$",
                         description="File stem of a shipped example (GET /api/scenarios/examples)")
    draws: int = Field(default=50, ge=0, le=MAX_MOBILITY_DRAWS,
                       description=f"Monte Carlo draws (0..{MAX_MOBILITY_DRAWS})")
    workers_per_year: float | None = Field(default=None, ge=0, le=10_000_000,
                                           description="Override: workers admitted per year")
    years_in_force: int | None = Field(default=None, ge=1, le=50,
                                       description="Override: years in force")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class DesignRequest(BaseModel):
    """Body of ``POST /api/designer/run``: a scenario file as JSON and the run options."""

    spec: dict[str, Any] = Field(description="The fields of a scenario YAML file (see "
                                 "`labourlink scenario new`), validated as "
                                 "`labourlink scenario run` does")
    draws: int = Field(default=designer.DEFAULT_DRAWS, ge=0, le=MAX_MOBILITY_DRAWS,
                       description=f"Monte Carlo draws (0..{MAX_MOBILITY_DRAWS})")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Seed of the draws")


class ValidateRequest(BaseModel):
    """Body of ``POST /api/designer/validate``."""

    spec: dict[str, Any]


class CompareRequest(BaseModel):
    """Body of ``POST /api/designer/compare``: two designs run with the same options."""

    a: dict[str, Any] = Field(description="Scenario A (fields of a scenario file)")
    b: dict[str, Any] = Field(description="Scenario B")
    draws: int = Field(default=0, ge=0, le=MAX_MOBILITY_DRAWS,
                       description="Draws for each scenario (default 0, as the CLI)")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


def _json_bytes(obj: Any) -> bytes:
    """Compact UTF-8 JSON (orjson: about 10x faster than json for the country answers)."""
    out: bytes = orjson.dumps(obj)
    return out


def ok(payload: dict[str, Any]) -> Response:
    """A 200 JSON answer ``{"ok": true, ...}`` (serialised once, without FastAPI's encoder)."""
    return Response(_json_bytes({"ok": True, **payload}), media_type="application/json")


def _error(status: int, message: str, errors: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(status=status, error=message,
                     errors=[ErrorItem(**e) for e in (errors or [])])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _status_for(exc: LabourlinkError) -> int:
    if isinstance(exc, Busy):
        return 429
    if isinstance(exc, Unavailable | StoreReloading):
        return 503
    if isinstance(exc, JobFailed):
        return exc.status
    return status_of(exc)


class ResponseCache:
    """Bounded LRU of successful GET answers (bytes), keyed on snapshot, path and query."""

    def __init__(self, max_bytes: int = RESPONSE_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[tuple[str, str, bytes], tuple[bytes, bytes]] = OrderedDict()

    def get(self, key: tuple[str, str, bytes]) -> tuple[bytes, bytes] | None:
        item = self._data.get(key)
        if item is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return item

    def put(self, key: tuple[str, str, bytes], content_type: bytes, body: bytes) -> None:
        if len(body) > self.max_bytes // 16:
            return
        old = self._data.pop(key, None)
        if old is not None:
            self.size -= len(old[1])
        self._data[key] = (content_type, body)
        self.size += len(body)
        while self.size > self.max_bytes and self._data:
            _, (_, b) = self._data.popitem(last=False)
            self.size -= len(b)

    def clear(self) -> None:
        self._data.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._data)


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guard:
    """Outermost ASGI middleware: security headers, body limit (413), snapshot, response cache."""

    def __init__(self, app: ASGIApp, watcher: StoreWatcher, cache: ResponseCache,
                 body_limit: int = BODY_LIMIT, fast_path: bool = True) -> None:
        self.app = app
        self.fast_path = fast_path
        self.watcher = watcher
        self.cache = cache
        self.body_limit = body_limit
        self._cache_key = ""

    async def _send_bytes(self, send: Send, status: int, content_type: bytes, body: bytes,
                          extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type),
                                (b"content-length", str(len(body)).encode()),
                                *SECURITY_HEADERS, *extra]})
        await send({"type": "http.response.body", "body": body})

    async def _too_large(self, send: Send) -> None:
        body = _json_bytes({"ok": False, "status": 413,
                            "error": f"request body over {self.body_limit} bytes; send less "
                                     "(a scenario file is a few kB)", "errors": []})
        await self._send_bytes(send, 413, b"application/json", body,
                               ((b"connection", b"close"),))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        snap = self.watcher.current()
        if snap.key != self._cache_key:  # the store was rebuilt: nothing cached is valid
            self.cache.clear()
            self._cache_key = snap.key
        scope.setdefault("state", {})["snapshot"] = snap
        method = scope["method"]
        path = scope["path"]
        if method in ("POST", "PUT", "PATCH"):
            length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
            if length is not None and length.isdigit() and int(length) > self.body_limit:
                await self._too_large(send)
                return
            # read the body here (bounded), also when it comes in chunks without a length
            parts: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # client went away
                parts.append(message.get("body", b""))
                size += len(parts[-1])
                if size > self.body_limit:
                    await self._too_large(send)
                    return
                more = bool(message.get("more_body", False))
            receive = _replay(b"".join(parts), receive)
        key = None
        if method == "GET" and path.startswith("/api/") and path not in UNCACHED:
            key = (snap.key, path, scope.get("query_string", b""))
            hit = self.cache.get(key)
            if hit is not None:
                await self._send_bytes(send, 200, hit[0], hit[1], ((b"x-cache", b"hit"),))
                return
            body = (fast_read(snap, path, scope.get("query_string", b"")) if self.fast_path
                    else None)
            if body is not None:
                self.cache.put(key, b"application/json", body)
                await self._send_bytes(send, 200, b"application/json", body,
                                       ((b"x-cache", b"miss"),))
                return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", [])
                           if h[0].lower() not in {k for k, _ in SECURITY_HEADERS}]
                message["headers"] = headers + list(SECURITY_HEADERS)
                start.update(status=message["status"], headers=headers)
            elif key is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and start.get("status") == 200:
                    ctype = next((v for k, v in start["headers"] if k.lower() == b"content-type"),
                                 b"application/json")
                    self.cache.put(key, ctype, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, wrapped)


_CODE = re.compile(r"[A-Za-z]{3}")
_YEAR = re.compile(r"[0-9]{4}")
_REV = re.compile(r"2020|2024")


def fast_read(snap: Snapshot, path: str, query: bytes) -> bytes | None:
    """The answer of ``GET /api/country/{iso3}`` or ``GET /api/corridor`` without FastAPI.

    These two endpoints take most of the traffic and are dictionary look-ups in the read model,
    so FastAPI's routing and parameter resolution (about 1 ms) would dominate them. This path
    answers only requests whose parameters all satisfy the routes' declared constraints and that
    succeed; anything else (missing or malformed parameters, unknown codes, years outside the
    revision) returns None and goes through the FastAPI route, which gives the documented
    answer and error shape. Tests check that both paths give the same bytes.
    """
    if path != "/api/corridor" and not path.startswith("/api/country/"):
        return None
    try:
        params = parse_qs(query.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return None
    if any(len(v) != 1 for v in params.values()):
        return None
    q = {k: v[0] for k, v in params.items()}
    rev_q = q.get("revision")
    if rev_q is not None and not _REV.fullmatch(rev_q):
        return None
    try:
        rev = snap.index.revision(rev_q)
        model = snap.read_model(stock_source(rev))
        if path == "/api/corridor":
            o, d = q.get("origin", ""), q.get("destination", "")
            if not (_CODE.fullmatch(o) and _CODE.fullmatch(d)):
                return None
            out = queries.corridor(model, snap.index, o, d, rev)
        else:
            code = path.removeprefix("/api/country/")
            year_q = q.get("year")
            if not _CODE.fullmatch(code) or (year_q is not None and not (
                    _YEAR.fullmatch(year_q) and 1900 <= int(year_q) <= 2100)):
                return None
            out = queries.country(model, snap.index, code, None if year_q is None
                                  else int(year_q), rev)
    except LabourlinkError:
        return None
    return _json_bytes({"ok": True, **out})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then waits on the client (disconnect)."""
    sent = False

    async def inner() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return inner


# dependencies are ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, which
# cost about 2 ms per dependency per request under load (measured with cProfile)
def _snap_of(request: Request) -> Snapshot:
    snap: Snapshot = request.scope["state"]["snapshot"]
    return snap


async def _snapshot(request: Request) -> Snapshot:
    return _snap_of(request)


async def _cursor(request: Request) -> Any:
    """A cursor on the request's store snapshot, closed after the request."""
    cur = _snap_of(request).cursor()
    try:
        yield cur
    finally:
        cur.close()


async def _revision(
    request: Request,
    revision: Annotated[str | None, Query(
        pattern="^(2020|2024)$",
        description="UN DESA International Migrant Stock revision: 2024 (default) or 2020")] = None,
) -> str:
    """The revision asked for (validated against the store), or the server's default."""
    return _snap_of(request).index.revision(revision)


Con = Annotated[duckdb.DuckDBPyConnection, Depends(_cursor)]
Snap = Annotated[Snapshot, Depends(_snapshot)]
Rev = Annotated[str, Depends(_revision)]


def create_app(store: str | Path | None = None, *, workers: int = 1, queue: int = 4,
               check_interval: float = 1.0, body_limit: int = BODY_LIMIT,
               revision: str | None = None, fast_path: bool = True) -> FastAPI:
    """Build the app on the store at ``store`` (default ``LABOURLINK_STORE``), read-only.

    Parameters
    ----------
    store
        Store file (it must exist).
    workers, queue
        Worker processes for long jobs and how many jobs may wait (see
        :class:`labourlink.web.jobs.JobRunner`).
    check_interval
        Seconds between checks of the store file for a rebuild.
    body_limit
        Largest request body in bytes (413 above).
    revision
        Default UN DESA migrant stock revision (``"2024"`` or ``"2020"``; it must be in the
        store). None: 2024, or the newest revision the store holds. Requests choose another with
        ``?revision=``; answers with stock numbers carry ``"revision"``.
    fast_path
        Answer country and corridor requests without FastAPI's routing (:func:`fast_read`);
        False only to compare both paths in tests.

    Raises :class:`labourlink.errors.StoreError` when the store does not exist.
    """
    from labourlink import config
    from labourlink.store import connect

    path = Path(store) if store is not None else config.store_path()
    connect(path, read_only=True).close()  # a clear StoreError when it is missing

    def warm(snap: Snapshot) -> None:
        # everything read-only that a request would otherwise compute first: the read models of
        # every revision, the governance registry and the default coverage (about 4 s in all)
        idx = snap.index
        for rev in idx.stock_years_by_revision:
            snap.read_model(stock_source(rev))
        snap.once("governance", lambda: _with_cursor(snap, queries.GovernanceTables.read))
        snap.once("map", lambda: _with_cursor(snap, lambda con: queries.MapData.read(con, idx)))
        if idx.stock_years and "ESCAP" in idx.groups:
            _with_cursor(snap, lambda con: _coverage(snap, con, idx.default_revision,
                                                     idx.stock_years[-1], "ESCAP"))

    watcher = StoreWatcher(path, check_interval=check_interval, on_open=warm, revision=revision)
    runner = JobRunner(workers=workers, queue=queue)
    cache = ResponseCache()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        runner.warm()
        try:
            yield
        finally:
            runner.close()

    app = FastAPI(title="labourlink", version=__version__,
                  description="Regional labour mobility, remittances, trade-migration links and "
                              "governance in Asia and the Pacific. Read-only; every error has the "
                              "shape of `ErrorBody`; long jobs answer 429/503 with `Retry-After` "
                              "when busy.",
                  responses=ERROR_RESPONSES, docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.watcher = watcher
    app.state.runner = runner
    app.state.cache = cache
    app.add_middleware(Guard, watcher=watcher, cache=cache, body_limit=body_limit,
                       fast_path=fast_path)
    env = Environment(loader=PackageLoader("labourlink.web", "templates"),
                      autoescape=select_autoescape(["html"]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        msg = exc.detail if isinstance(exc.detail, str) else "HTTP error"
        if exc.status_code == 404:
            msg = "not found: see /openapi.json for the API and / for the dashboard"
        return _error(exc.status_code, msg)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errs = [{"loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                 "msg": str(e.get("msg", ""))} for e in exc.errors()]
        first = errs[0] if errs else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return _error(422, f"invalid request: {where}: {first['msg']}", errs)

    @app.exception_handler(LabourlinkError)
    async def _domain(_: Request, exc: LabourlinkError) -> JSONResponse:
        if isinstance(exc, Busy | Unavailable | StoreReloading):
            return _error(_status_for(exc), str(exc), [],
                          headers={"Retry-After": str(exc.retry_after)})
        if isinstance(exc, SpecInvalid):
            return _error(422, exc.problems[0]["msg"], exc.problems)
        loc: list[str | int]
        if isinstance(exc, JobFailed):
            loc = list(exc.loc)
        else:
            name = getattr(exc, "name", None)
            loc = [name] if isinstance(name, str) else []
        return _error(_status_for(exc), str(exc), [{"loc": loc, "msg": str(exc)}])

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unexpected error")
        return _error(500, f"internal error: {type(exc).__name__}")

    # ---------------------------------------------------------------- pages
    def _page(path: str, template: str, title: str) -> None:
        def handler() -> HTMLResponse:
            extra: dict[str, Any] = {}
            if template == "designer.html":
                extra = {"groups": designer.grouped_fields(), "basis_labels": designer.BASIS_LABELS}
            html = env.get_template(template).render(
                title=title, pages=PAGES, current=path, version=__version__, **extra)
            return HTMLResponse(html)

        handler.__name__ = f"page_{template.split('.')[0]}"
        app.add_api_route(path, handler, methods=["GET"], response_class=HTMLResponse,
                          include_in_schema=False)

    for path_, (template, title) in PAGES.items():
        _page(path_, template, title)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/world.topojson", tags=["map"], summary="World map (TopoJSON, Natural Earth)")
    def world() -> Response:
        from labourlink.report.geo import world_topojson_bytes

        return Response(world_topojson_bytes(), media_type="application/json",
                        headers={"Cache-Control": "max-age=3600"})

    # ---------------------------------------------------------------- read API
    @app.get("/api/health", tags=["meta"], summary="Liveness, store and worker summary")
    async def health(snap: Snap) -> Response:
        return ok({"version": __version__, "countries": len(snap.index.countries),
                   "revision": snap.index.default_revision,
                   "revisions": sorted(snap.index.stock_years_by_revision),
                   "stock_years": snap.index.stock_years, "store_key": snap.key,
                   "jobs": {"workers": runner.workers, "queue": runner.queue,
                            "ready": runner.ready, "running_or_waiting": runner.pending,
                            "started": runner.started, "rejected": runner.rejected},
                   "cache": {"entries": len(cache), "bytes": cache.size, "hits": cache.hits,
                             "misses": cache.misses}})

    @app.get("/api/meta", tags=["meta"], summary="Countries, groups, years and sources")
    async def meta(snap: Snap, rev: Rev) -> Response:
        return ok(queries.meta(snap.index, rev))

    @app.get("/api/map", tags=["map"], summary="Values by ISO3 for a map layer and year")
    async def map_values(
        snap: Snap, rev: Rev,
        layer: Annotated[str, Query(description="immigrants | emigrants | remittances_pct_gdp",
                                    max_length=40)] = "immigrants",
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    ) -> Response:
        data = snap.once("map", lambda: _with_cursor(
            snap, lambda con: queries.MapData.read(con, snap.index)))
        return ok(queries.map_layer(data, snap.index, layer, year, rev))

    @app.get("/api/country/{iso3}", tags=["countries"], summary="Country profile")
    async def country(
        snap: Snap, rev: Rev,
        iso3: Annotated[str, PathParam(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")],
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    ) -> Response:
        return ok(queries.country(snap.read_model(stock_source(rev)), snap.index, iso3, year,
                                  rev))

    @app.get("/api/corridor", tags=["corridors"], summary="Origin -> destination corridor")
    async def corridor(
        snap: Snap, rev: Rev,
        origin: Annotated[str, Query(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")],
        destination: Annotated[str, Query(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")],
    ) -> Response:
        return ok(queries.corridor(snap.read_model(stock_source(rev)), snap.index, origin,
                                   destination, rev))

    @app.get("/api/corridors/top", tags=["corridors"], summary="Largest corridors in a year")
    async def top_corridors(
        snap: Snap, rev: Rev,
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        n: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> Response:
        yr = snap.index.stock_year(year, revision=rev)
        top = snap.once(("top", rev, yr), lambda: _with_cursor(
            snap, lambda con: queries.top_corridors(con, snap.index, rev, yr)))
        return ok({**queries.revision_info(snap.index, rev), "year": yr, "corridors": top[:n],
                   "provenance": snap.index.provenance([stock_source(rev)])})

    @app.get("/api/governance", tags=["governance"], summary="Labour and trade agreements")
    async def governance(
        snap: Snap, rev: Rev,
        iso3: Annotated[str | None, Query(min_length=3, max_length=3,
                                          pattern="^[A-Za-z]{3}$")] = None,
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        group: Annotated[str, Query(min_length=1, max_length=20,
                                    pattern="^[A-Za-z0-9_]+$")] = "ESCAP",
    ) -> Response:
        idx = snap.index
        tables = snap.once("governance", lambda: _with_cursor(snap, queries.GovernanceTables.read))
        out = queries.governance(tables, idx, iso3)
        yr = idx.stock_year(year, revision=rev)
        grp = idx.group(group)
        out["coverage"] = _with_cursor(snap, lambda con: _coverage(snap, con, rev, yr, grp))
        return ok({**queries.revision_info(idx, rev), **out})

    @app.get("/api/models", tags=["models"], summary="Model presets")
    def models(con: Con) -> Response:
        from labourlink.report.models import list_presets

        return ok({"presets": list_presets(con)})

    @app.get("/api/scenarios/examples", tags=["scenarios"],
             summary="Shipped labour-mobility scenario examples")
    async def mobility_examples() -> Response:
        from labourlink.report.mobility import describe_examples

        return ok({"examples": describe_examples()})

    @app.get("/api/designer", tags=["designer"],
             summary="Fields of the agreement designer and its starting points")
    async def designer_fields() -> Response:
        from labourlink.scenarios.spec import INSTRUMENTS

        return ok({"fields": [f.to_json() for f in designer.FIELDS],
                   "groups": [{"id": g, "title": t} for g, t in designer.GROUPS],
                   "basis_labels": designer.BASIS_LABELS,
                   "starting_points": designer.starting_points(),
                   "instruments": list(INSTRUMENTS), "max_draws": MAX_MOBILITY_DRAWS,
                   "default_draws": designer.DEFAULT_DRAWS})

    # ---------------------------------------------------------------- long work (jobs)
    async def job(snap: Snapshot, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await runner.run(kind, payload, store=snap.path, identity=snap.identity,
                                snapshot_key=snap.key)

    @app.get("/api/models/{preset}", tags=["models"], summary="Estimate a model preset")
    async def run_model(
        snap: Snap,
        preset: Annotated[str, PathParam(min_length=1, max_length=60,
                                         pattern="^[A-Za-z0-9_.-]+$")],
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    ) -> Response:
        return ok(await job(snap, "model", {"preset": preset, "year": year}))

    @app.post("/api/scenario", tags=["scenarios"], summary="Agreement scenario with intervals")
    async def scenario(snap: Snap, body: ScenarioRequest) -> Response:
        members = [snap.index.iso3(m, "members") for m in body.members]
        return ok(await job(snap, "agreement", {"members": members, "year": body.year,
                                                "draws": body.draws, "sigma": body.sigma,
                                                "seed": body.seed}))

    @app.post("/api/scenarios/mobility", tags=["scenarios"],
              summary="Run a labour-mobility scenario example (with 90% intervals)")
    async def mobility(snap: Snap, body: MobilityRequest) -> Response:
        from labourlink.report.mobility import examples

        if body.example not in examples():
            raise InvalidArgumentError("example", body.example, sorted(examples()))
        out = await job(snap, "mobility", body.model_dump())
        return ok({**out, "provenance": snap.index.provenance(
            [stock_source(out["revision"]), "wb_remittance_matrix_2017", "wdi_remittances"])})

    @app.post("/api/designer/validate", tags=["designer"],
              summary="Validate a design as `labourlink scenario run` does; its YAML file")
    async def designer_validate(body: ValidateRequest) -> Response:
        from labourlink.scenarios.spec import parse_spec, spec_to_yaml
        from labourlink.web.work import design_file_name

        name = design_file_name(str(body.spec.get("name", "")))
        _check_spec(body.spec, "spec")
        sc = parse_spec(body.spec, origin=name)
        return ok({"valid": True, "spec": sc.model_dump(mode="json"), "file_name": name,
                   "yaml": spec_to_yaml(sc)})

    @app.post("/api/designer/run", tags=["designer"],
              summary="Run a design (the same numbers as `labourlink scenario run`)")
    async def designer_run(snap: Snap, rev: Rev, body: DesignRequest) -> Response:
        _check_spec(body.spec, "spec")
        out = await job(snap, "design", {"spec": body.spec, "draws": body.draws,
                                         "seed": body.seed, "revision": rev})
        return ok({**out, "provenance": _design_provenance(snap, [out])})

    @app.post("/api/designer/compare", tags=["designer"],
              summary="Compare two designs (the same as `labourlink scenario compare`)")
    async def designer_compare(snap: Snap, rev: Rev, body: CompareRequest) -> Response:
        import asyncio

        import pandas as pd

        from labourlink.scenarios.design import compare_frame, compare_parties

        problems = _spec_problems(body.a, "a") + _spec_problems(body.b, "b")
        if problems:
            raise SpecInvalid(problems)
        ra, rb = await asyncio.gather(
            job(snap, "design", {"spec": body.a, "draws": body.draws, "seed": body.seed,
                                 "revision": rev}),
            job(snap, "design", {"spec": body.b, "draws": body.draws, "seed": body.seed,
                                 "revision": rev}))
        sa, sb = ra["spec"], rb["spec"]
        parties = compare_parties(sa["senders"], sa["receivers"], sb["senders"], sb["receivers"])
        fa = pd.DataFrame.from_dict(json.loads(ra["json"])["countries"], orient="index")
        fb = pd.DataFrame.from_dict(json.loads(rb["json"])["countries"], orient="index")
        table = compare_frame(fa, fb, parties)
        return ok({"revision": ra["revision"], "a": ra, "b": rb, "parties": parties, "table": queries.records(table),
                   "scenarios": [json.loads(ra["json"]), json.loads(rb["json"])],
                   "provenance": _design_provenance(snap, [ra, rb])})

    return app


class SpecInvalid(LabourlinkError):
    """A design has problems (422); ``problems`` are ``{"loc", "msg"}`` items, CLI messages."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems[0]["msg"])
        self.problems = problems


def _spec_problems(spec: dict[str, Any], where: str) -> list[dict[str, Any]]:
    from labourlink.scenarios.spec import spec_problems
    from labourlink.web.work import design_file_name

    name = design_file_name(str(spec.get("name", "")))
    out = []
    for p in spec_problems(spec, origin=name):
        loc: list[str | int] = [where, *([x for x in p.field.split(".") if x])]
        if p.index is not None:
            loc.append(p.index)
        out.append({"loc": loc, "msg": p.message})
    return out


def _check_spec(spec: dict[str, Any], where: str) -> None:
    problems = _spec_problems(spec, where)
    if problems:
        raise SpecInvalid(problems)


def _design_provenance(snap: Snapshot, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    srcs = [s for r in results for s in (stock_source(r["revision"]),
                                         r["baseline"]["trade_source"])]
    return snap.index.provenance(list(dict.fromkeys(
        [*srcs, "wb_remittance_matrix_2017", "datahub_wdi", "pwt_10.01"])))


def _with_cursor(snap: Snapshot, fn: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    """``fn(cursor)`` on a fresh cursor of the snapshot (closed afterwards)."""
    cur = snap.cursor()
    try:
        return fn(cur)
    finally:
        cur.close()


def _coverage(snap: Snapshot, con: duckdb.DuckDBPyConnection, rev: str, yr: int,
              group: str) -> dict[str, Any]:
    """Governance coverage, computed once per snapshot, revision, year and group."""
    out: dict[str, Any] = snap.once(("coverage", rev, yr, group),
                                    lambda: _governance_coverage(snap, con, yr, group, rev))
    return out


def _governance_coverage(snap: Snapshot, con: duckdb.DuckDBPyConnection, yr: int, group: str,
                         rev: str) -> dict[str, Any]:
    """Corridor coverage (``labourlink.governance``) on the stocks of revision ``rev``."""
    try:
        from labourlink.governance.coverage import (
            corridor_stocks,
            coverage_from,
            largest_uncovered,
        )
        from labourlink.governance.registry import load_registry
    except ImportError as exc:
        return {"available": False, "note": f"governance coverage: not available yet ({exc})"}
    try:
        registry = snap.once("registry", lambda: load_registry(con))
        stocks = corridor_stocks(con, yr, group, "either", revision=rev)
        res = coverage_from(registry.records, stocks, yr, group)
    except NotImplementedError as exc:
        return {"available": False, "note": f"governance coverage: not available yet ({exc})"}
    return {"available": True, "year": yr, "group": group, "revision": rev,
            "summary": res.summary(),
            "share_covered": queries._num(res.share_covered),
            "tidy": queries.records(res.tidy()),
            "largest_uncovered": queries.records(largest_uncovered(res, 15))}
