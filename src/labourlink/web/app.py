"""The dashboard and JSON API (FastAPI).

``create_app(store)`` opens the store **read-only** once and answers every request on a cursor of
that connection. All errors, including request-validation errors and unknown routes, share one JSON
shape::

    {"ok": false, "status": 422, "error": "year=1999 is not allowed; expected 2015, 2020",
     "errors": [{"loc": ["query", "year"], "msg": "..."}]}

No request parameter is ever used as a file path: the only files served are the packaged static
assets (``labourlink/web/static``) and the world TopoJSON from :func:`labourlink.report.geo`.
Work per request is bounded (scenario draws <= ``MAX_DRAWS``, member lists <= ``MAX_MEMBERS``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from labourlink import __version__
from labourlink.errors import InvalidArgumentError, LabourlinkError, UnknownCountryError
from labourlink.report.mobility import MAX_MOBILITY_DRAWS
from labourlink.report.scenario import MAX_DRAWS, AgreementSpec, ScenarioUnavailable
from labourlink.web import queries
from labourlink.web.queries import StoreIndex

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
MAX_MEMBERS = 60

PAGES: dict[str, tuple[str, str]] = {  # path -> (template, title)
    "/": ("overview.html", "Overview map"),
    "/corridors": ("corridors.html", "Corridor explorer"),
    "/country": ("country.html", "Country profile"),
    "/models": ("models.html", "Model runner"),
    "/scenario": ("scenario.html", "Scenario builder"),
    "/governance": ("governance.html", "Governance explorer"),
}


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
    429: {"model": ErrorBody, "description": "Estimator busy: retry later"},
    422: {"model": ErrorBody, "description": "Invalid input"},
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


def _cursor(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the app's read-only store connection, closed after the request."""
    state = request.app.state
    with state.lock:
        cur = state.con.cursor()
    try:
        yield cur
    finally:
        cur.close()


Con = Annotated[duckdb.DuckDBPyConnection, Depends(_cursor)]


def _error(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    body = ErrorBody(status=status, error=message,
                     errors=[ErrorItem(**e) for e in (errors or [])])
    return JSONResponse(body.model_dump(), status_code=status)


class BusyError(LabourlinkError):
    """A bounded resource (the model estimator) is in use; the client should retry (HTTP 429)."""


def _status_for(exc: LabourlinkError) -> int:
    if isinstance(exc, BusyError):
        return 429
    if isinstance(exc, UnknownCountryError):
        return 404
    if isinstance(exc, ScenarioUnavailable):
        return 409
    if isinstance(exc, InvalidArgumentError):
        return 422
    return 400


def create_app(store: str | Path | None = None) -> FastAPI:
    """Build the FastAPI app on the store at ``store`` (default ``LABOURLINK_STORE``), read-only.

    Raises :class:`labourlink.errors.StoreError` when the store does not exist.
    """
    from labourlink.store import connect

    base = connect(store, read_only=True)
    # many small concurrent queries: one thread per query serves them better than DuckDB's
    # intra-query parallelism (measured: -30 % latency per request on 2 cores)
    base.execute("SET threads = 1")
    index = StoreIndex.read(base)
    app = FastAPI(title="labourlink", version=__version__,
                  description="Regional labour mobility, remittances, trade-migration links and "
                              "governance in Asia and the Pacific. Read-only; every error has the "
                              "shape of `ErrorBody`.",
                  responses=ERROR_RESPONSES, docs_url=None, redoc_url=None)
    app.state.index = index
    app.state.con = base
    app.state.lock = threading.Lock()
    coverage_cache: dict[tuple[int, str], dict[str, Any]] = {}
    model_cache: dict[tuple[str, int | None], dict[str, Any]] = {}
    model_lock = threading.Lock()  # one estimation at a time: work per request is bounded
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
        name = getattr(exc, "name", None)
        loc: list[str | int] = [name] if isinstance(name, str) else []
        return _error(_status_for(exc), str(exc), [{"loc": loc, "msg": str(exc)}])

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unexpected error")
        return _error(500, f"internal error: {type(exc).__name__}")

    # ---------------------------------------------------------------- pages
    def _page(path: str, template: str, title: str) -> None:
        def handler() -> HTMLResponse:
            html = env.get_template(template).render(
                title=title, pages=PAGES, current=path, version=__version__)
            return HTMLResponse(html)

        handler.__name__ = f"page_{template.split('.')[0]}"
        app.add_api_route(path, handler, methods=["GET"], response_class=HTMLResponse,
                          include_in_schema=False)

    for path, (template, title) in PAGES.items():
        _page(path, template, title)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/world.topojson", tags=["map"], summary="World map (TopoJSON, Natural Earth)")
    def world() -> Response:
        from labourlink.report.geo import world_topojson_bytes

        return Response(world_topojson_bytes(), media_type="application/json",
                        headers={"Cache-Control": "max-age=3600"})

    # ---------------------------------------------------------------- API
    @app.get("/api/health", tags=["meta"], summary="Liveness and store summary")
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "countries": len(index.countries),
                "stock_years": index.stock_years}

    @app.get("/api/meta", tags=["meta"], summary="Countries, groups, years and sources")
    def meta() -> dict[str, Any]:
        return {"ok": True, **queries.meta(index)}

    @app.get("/api/map", tags=["map"], summary="Values by ISO3 for a map layer and year")
    def map_values(
        con: Con,
        layer: Annotated[str, Query(description="immigrants | emigrants | remittances_pct_gdp",
                                    max_length=40)] = "immigrants",
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    ) -> dict[str, Any]:
        return {"ok": True, **queries.map_layer(con, index, layer, year)}

    @app.get("/api/country/{iso3}", tags=["countries"], summary="Country profile")
    def country(
        con: Con,
        iso3: Annotated[str, PathParam(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")],
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    ) -> dict[str, Any]:
        return {"ok": True, **queries.country(con, index, iso3, year)}

    @app.get("/api/corridor", tags=["corridors"], summary="Origin -> destination corridor")
    def corridor(
        con: Con,
        origin: Annotated[str, Query(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")],
        destination: Annotated[str, Query(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")],
    ) -> dict[str, Any]:
        return {"ok": True, **queries.corridor(con, index, origin, destination)}

    @app.get("/api/corridors/top", tags=["corridors"], summary="Largest corridors in a year")
    def top_corridors(
        con: Con,
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        n: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        yr = index.stock_year(year)
        df = con.execute(
            "SELECT m.origin, m.destination, m.persons FROM migrant_stock m WHERE m.source = ? "
            "AND m.year = ? AND m.sex = 'total' AND m.origin IN (SELECT iso3 FROM country) "
            "AND m.destination IN (SELECT iso3 FROM country) "
            "ORDER BY m.persons DESC, m.origin, m.destination LIMIT ?",
            [queries.STOCK_SOURCE, yr, n]).df()
        return {"ok": True, "year": yr, "corridors": queries.records(df),
                "provenance": queries.provenance_of(con, [queries.STOCK_SOURCE])}

    @app.get("/api/governance", tags=["governance"], summary="Labour and trade agreements")
    def governance(
        con: Con,
        iso3: Annotated[str | None, Query(min_length=3, max_length=3,
                                          pattern="^[A-Za-z]{3}$")] = None,
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        group: Annotated[str, Query(min_length=1, max_length=20,
                                    pattern="^[A-Za-z0-9_]+$")] = "ESCAP",
    ) -> dict[str, Any]:
        out = queries.governance(con, index, iso3)
        key = (index.stock_year(year), index.group(group))
        if key not in coverage_cache:  # the store is read-only: results never go stale
            coverage_cache[key] = _governance_coverage(con, index, key[0], key[1])
        out["coverage"] = coverage_cache[key]
        return {"ok": True, **out}

    @app.get("/api/models", tags=["models"], summary="Model presets")
    def models(con: Con) -> dict[str, Any]:
        from labourlink.report.models import list_presets

        return {"ok": True, "presets": list_presets(con)}

    @app.get("/api/models/{preset}", tags=["models"], summary="Estimate a model preset")
    def run_model(
        con: Con,
        preset: Annotated[str, PathParam(min_length=1, max_length=60,
                                         pattern="^[A-Za-z0-9_.-]+$")],
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    ) -> dict[str, Any]:
        from labourlink.report.models import run_preset

        key = (preset, year)
        if key not in model_cache:  # read-only store: an estimate never goes stale
            if not model_lock.acquire(blocking=False):
                raise BusyError("another model is being estimated; retry in a minute")
            try:
                model_cache[key] = run_preset(con, preset, year)
            finally:
                model_lock.release()
        return {"ok": True, **model_cache[key]}

    @app.post("/api/scenario", tags=["scenarios"], summary="Agreement scenario with intervals")
    def scenario(con: Con, body: ScenarioRequest) -> dict[str, Any]:
        from labourlink.report.scenario import run_agreement

        members = tuple(index.iso3(m, "members") for m in body.members)
        spec = AgreementSpec(members=members, year=body.year, draws=body.draws,
                             sigma=body.sigma, seed=body.seed)
        res = run_agreement(con, spec)
        return {"ok": True, "source": res.source, "year": res.year, "members": list(members),
                "draws": body.draws, "converged": res.converged, "summary": res.summary(),
                "estimates": queries.records(res.estimates),
                "results": queries.records(res.tidy()),
                "provenance": queries.provenance_of(con, [res.source, "cepii_geodist"])}

    @app.get("/api/scenarios/examples", tags=["scenarios"],
             summary="Shipped labour-mobility scenario examples")
    def mobility_examples() -> dict[str, Any]:
        from labourlink.report.mobility import describe_examples

        return {"ok": True, "examples": describe_examples()}

    @app.post("/api/scenarios/mobility", tags=["scenarios"],
              summary="Run a labour-mobility scenario example (with 90% intervals)")
    def mobility(con: Con, body: MobilityRequest) -> dict[str, Any]:
        from labourlink.report.mobility import run_example

        res = run_example(con, body.example, draws=body.draws,
                          workers_per_year=body.workers_per_year,
                          years_in_force=body.years_in_force, seed=body.seed)
        out = res.to_json_dict("parties")
        return {"ok": True, **out, "summary": res.summary(),
                "ledger": queries.records(res.ledger()),
                "provenance": index.provenance(["undesa_ims2020", "wb_remittance_matrix_2017",
                                                "wdi_remittances"])}

    return app


def _governance_coverage(con: duckdb.DuckDBPyConnection, idx: StoreIndex, year: int | None,
                         group: str) -> dict[str, Any]:
    """Corridor coverage from ``labourlink.governance`` (or a plain 'not available yet' note)."""
    try:
        from labourlink.governance.coverage import coverage, largest_uncovered
        from labourlink.governance.registry import load_registry
    except ImportError as exc:
        return {"available": False, "note": f"governance coverage: not available yet ({exc})"}
    yr = idx.stock_year(year)
    try:
        res = coverage(con, load_registry(con), yr, group)
    except NotImplementedError as exc:
        return {"available": False, "note": f"governance coverage: not available yet ({exc})"}
    return {"available": True, "year": yr, "group": group, "summary": res.summary(),
            "share_covered": queries._num(res.share_covered),
            "tidy": queries.records(res.tidy()),
            "largest_uncovered": queries.records(largest_uncovered(res, 15))}
