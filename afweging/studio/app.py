"""The studio's HTTP server: a FastAPI app over a :class:`~afweging.studio.service.Studio`.

Routes (documented at ``/docs`` and ``/openapi.json``):

* ``GET /`` the page; ``GET /assets/{name}`` its scripts and styles, looked up by name in
  :data:`ASSETS` (no path from a request ever reaches the file system);
* ``GET /api/health`` 200 once the baseline is ready, 503 while it is prepared or when it
  failed (the Dutch reason in ``detail``);
* ``GET /api/area`` the buurten with their baseline scores (GeoJSON), with the area, the
  themes, the norms and the plan format as foreign members;
* ``POST /api/plan-check`` a plan (GeoJSON FeatureCollection in the plan format, any CRS
  declared as in a file) -> the ``plan_check.json`` of that plan (``?formaat=html``: the
  ``plan_check.html``; ``?kort=true``: the same JSON content without indentation, what
  the page asks for while a plan is drawn);
* ``POST /api/plan-check/varianten`` ``{"varianten": [{"naam": ..., "plan": {...}}]}`` ->
  one ``plan_check.json`` with the variants side by side;
* ``POST /api/planbestand?bestandsnaam=...`` a GeoJSON or GeoPackage file -> its features
  as GeoJSON in WGS84, for the page to edit.

Every request body is limited to :data:`MAX_BODY_BYTES` (413 beyond). Bad input gets 422
with the Dutch message ``afweging plan`` gives for the same file; any other failure 500
with a Dutch message (its traceback goes to a log file, never to the client). Requests
for another host than the one served are refused (a web page elsewhere cannot reach the
studio through DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from afweging.studio import worker
from afweging.studio.service import READY, Studio

log = logging.getLogger(__name__)

#: Largest request body (bytes). A plan of the most features the plan check takes
#: (``MAX_PLAN_FEATURES``) with simple polygons stays well below it.
MAX_BODY_BYTES: int = 25 * 1024 * 1024

#: Host names the studio answers to by default (plus the ``--host`` it binds to).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

#: Security headers of every answer: the page loads only its own scripts and styles.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


# ============================================================================ assets
def _studio_file(name: str) -> bytes:
    return resources.files("afweging.studio").joinpath("static", name).read_bytes()


def _vendor_file(*parts: str) -> bytes:
    return resources.files("afweging.studio").joinpath("vendor", *parts).read_bytes()


def _leaflet_js() -> bytes:
    from afweging.maps._assets import leaflet_js

    return leaflet_js().encode("utf-8")


def _leaflet_css() -> bytes:
    from afweging.maps._assets import leaflet_css

    return leaflet_css().encode("utf-8")


#: The page's files: name -> (how to read it, media type). Leaflet is the maps' vendored
#: copy (checked by sha256 there); Geoman is vendored here (``vendor/README.md``).
ASSETS: dict[str, tuple[Callable[[], bytes], str]] = {
    "leaflet.js": (_leaflet_js, "text/javascript; charset=utf-8"),
    "leaflet.css": (_leaflet_css, "text/css; charset=utf-8"),
    "geoman.js": (lambda: _vendor_file("geoman", "leaflet-geoman.min.js"), "text/javascript; charset=utf-8"),
    "geoman.css": (lambda: _vendor_file("geoman", "leaflet-geoman.css"), "text/css; charset=utf-8"),
    "studio.js": (lambda: _studio_file("studio.js"), "text/javascript; charset=utf-8"),
    "studio.css": (lambda: _studio_file("studio.css"), "text/css; charset=utf-8"),
}


@cache
def _asset(name: str) -> bytes:
    return ASSETS[name][0]()


#: The ``kort`` query parameter.
_KORT = ("true: dezelfde JSON-inhoud als plan_check.json, zonder inspringing (sneller en "
         "kleiner); false: byte voor byte plan_check.json")


# ============================================================================ helpers
class BodyTooLarge(Exception):
    """A request body over :data:`MAX_BODY_BYTES`."""


async def _body(request: Request) -> bytes:
    """The request body, refused (413) as soon as it passes :data:`MAX_BODY_BYTES`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _detail(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": message, **extra}, status_code=status)


def _outcome(out: worker.Outcome) -> Response:
    headers = {"X-Afweging-Rekentijd-Ms": f"{out.cpu_ms:.1f}",  # CPU time in the worker
               "X-Afweging-Wandtijd-Ms": f"{out.wall_ms:.1f}"}  # its wall time there
    if out.warnings:  # the plan's warnings (repaired polygons, ...), Dutch, one per line
        headers["X-Afweging-Meldingen"] = json.dumps(out.warnings, ensure_ascii=True)
    return Response(out.body, status_code=out.status, media_type=out.media_type, headers=headers)


# ============================================================================ the app
def create_app(studio: Studio, *, hosts: tuple[str, ...] = LOCAL_HOSTS, manage: bool = True) -> FastAPI:
    """The FastAPI app of ``studio``.

    Parameters
    ----------
    studio : Studio
    hosts : tuple of str
        Host names the server answers to (others get 400).
    manage : bool
        Prepare the studio (baseline, workers) in a thread when the app starts, and
        close it when the app stops. False when the caller prepares and closes it (the
        tests share one studio between several apps).
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not manage:
            yield
            return
        task = asyncio.create_task(asyncio.to_thread(studio.prepare))
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await task
            await asyncio.to_thread(studio.close)

    app = FastAPI(
        title="afweging studio",
        summary="Een plan tekenen en meteen de plantoets zien.",
        description=(
            "De API van `afweging studio`: de buurten met hun uitgangssituatie, en de "
            "plantoets van een plan (GeoJSON in het planformaat, docs/plan_format.md). "
            f"Verzoeken zijn hoogstens {MAX_BODY_BYTES // (1024 * 1024)} MiB groot (anders 413)."
        ),
        version=_version(),
        lifespan=lifespan,
    )
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        try:
            response: Response = await call_next(request)
        except BodyTooLarge:
            response = _too_large()
        except Exception as exc:  # never a traceback to the client
            response = _internal(exc)
        for k, v in _HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return _too_large()

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'query')}: {e.get('msg')}"
                    for e in exc.errors()]
        return _detail(422, "Ongeldig verzoek: " + "; ".join(problems)
                       + ". Zie /docs voor de parameters.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        text = {404: "Niet gevonden.", 405: "Deze methode kan hier niet."}.get(
            exc.status_code, str(exc.detail))
        return _detail(exc.status_code, text)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        return _internal(exc)

    # ------------------------------------------------------------------ page
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> Response:
        return Response(_asset_index(), media_type="text/html; charset=utf-8")

    @app.get("/assets/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in ASSETS:
            return _detail(404, "Niet gevonden.")
        return Response(_asset(name), media_type=ASSETS[name][1],
                        headers={"Cache-Control": "max-age=3600"})

    # ------------------------------------------------------------------ API
    @app.get("/api/health", summary="Is de studio klaar?",
             responses={503: {"description": "De uitgangssituatie wordt nog voorbereid, of dat is mislukt."}})
    async def health() -> Response:
        body = {"status": studio.status, "detail": studio.message, "gebied": studio.area_name,
                "wachtend": studio.pending}
        if studio.ready_seconds is not None:
            body["opstarttijd_s"] = round(studio.ready_seconds, 2)
        return JSONResponse(body, status_code=200 if studio.status == READY else 503)

    @app.get("/api/area", summary="De buurten met hun uitgangssituatie (GeoJSON, WGS84)")
    async def area() -> Response:
        if studio.baseline is None:
            return _not_ready(studio)
        page = studio.baseline.page
        doc = dict(page["area"])
        doc.update({k: v for k, v in page.items() if k != "area"})
        doc["planformaat"] = plan_format()
        return JSONResponse(doc, media_type="application/geo+json")

    @app.post(
        "/api/plan-check",
        summary="Plantoets van één plan",
        description=(
            "Body: een GeoJSON FeatureCollection in het planformaat (docs/plan_format.md), in "
            "elk coördinatenstelsel dat het bestand zelf aangeeft (zonder `crs`: WGS84). "
            "Antwoord: wat `plan_check.json` voor dit plan bevat (`formaat=html`: "
            "`plan_check.html`). Een ongeldig plan geeft 422 met de melding van `afweging plan`."
        ),
        responses={413: {"description": "Te groot"}, 422: {"description": "Ongeldig plan"},
                   503: {"description": "Nog niet klaar of te druk"}},
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/geo+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}}}}},
    )
    async def plan_check(
        request: Request,
        naam: str | None = Query(None, max_length=200, description="Naam van het plan (anders `name` uit de GeoJSON)"),
        formaat: str = Query("json", pattern="^(json|html)$", description="json of html"),
        herstel: bool = Query(False, description="Ongeldige vlakken herstellen (zoals --herstel)"),
        kort: bool = Query(False, description=_KORT),
    ) -> Response:
        body = await _body(request)
        return await _run(studio, worker.check, body, naam, herstel, _format(formaat, kort))

    @app.post(
        "/api/plan-check/varianten",
        summary="Plantoets van varianten naast elkaar",
        description=(
            'Body: `{"varianten": [{"naam": "A", "plan": {GeoJSON}}, ...]}`. Antwoord: één '
            "`plan_check.json` (of `plan_check.html`) met de varianten naast elkaar."
        ),
        responses={413: {"description": "Te groot"}, 422: {"description": "Ongeldige variant"}},
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"type": "object"}}}}},
    )
    async def plan_variants(
        request: Request,
        formaat: str = Query("json", pattern="^(json|html)$"),
        herstel: bool = Query(False),
        kort: bool = Query(False, description=_KORT),
    ) -> Response:
        body = await _body(request)
        return await _run(studio, worker.variants, body, herstel, _format(formaat, kort))

    @app.post(
        "/api/planbestand",
        summary="Een planbestand inlezen om te bewerken",
        description=(
            "Body: de bytes van een GeoJSON- of GeoPackage-bestand. Antwoord: de objecten als "
            "GeoJSON in WGS84 met hun eigenschappen zoals ze in het bestand staan (nog niet "
            "getoetst)."
        ),
        responses={413: {"description": "Te groot"}, 422: {"description": "Onleesbaar bestand"}},
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
    )
    async def plan_file(
        request: Request,
        bestandsnaam: str = Query(..., min_length=1, max_length=200, description="Naam van het bestand (.geojson, .json of .gpkg)"),
    ) -> Response:
        body = await _body(request)
        return await _run(studio, worker.plan_file, body, bestandsnaam)

    return app


def _format(formaat: str, kort: bool) -> str:
    """The worker's ``fmt``: compact JSON when asked (``kort``), else the file's bytes."""
    return worker.FORMAT_COMPACT if kort and formaat == "json" else formaat


async def _run(studio: Studio, fn: Callable[..., worker.Outcome], *args: Any) -> Response:
    if studio.status != READY:
        return _not_ready(studio)
    if studio.busy:
        return _detail(503, "De studio is druk: er wachten al veel toetsen. Probeer het zo opnieuw.")
    return _outcome(await studio.run(fn, *args))


def _not_ready(studio: Studio) -> Response:
    return _detail(503, studio.message, toestand=studio.status)


def _too_large() -> Response:
    return _detail(413, f"Het verzoek is groter dan {MAX_BODY_BYTES // (1024 * 1024)} MiB. "
                        "Voeg kavels samen tot bouwvelden of splits het plan in deelplannen.")


def _internal(exc: BaseException) -> Response:
    from afweging._failure import explain

    log.error("studio request failed: %s", exc)
    return _detail(500, explain(exc).message)


@cache
def plan_format() -> dict[str, Any]:
    """The plan format for the page's forms (``docs/plan_format.md``): functions, ways to
    place the homes, properties with their kind, where they apply, default and meaning, and
    the facility categories."""
    from afweging.analyses.plan.format import FUNCTIONS, PROPERTIES, SPREADS
    from afweging.data.tags import load_tag_table

    return {
        "functies": FUNCTIONS,
        "verdelingen": SPREADS,
        "eigenschappen": [{"naam": p.name, "soort": p.kind, "geldt_voor": list(p.applies),
                           "standaard": p.default, "standaard_tekst": p.default_nl,
                           "uitleg": p.description_nl} for p in PROPERTIES.values()],
        "categorieen": [{"id": c.id, "label": c.label} for c in load_tag_table().values()],
    }


@cache
def _asset_index() -> bytes:
    return _studio_file("index.html")


def _version() -> str:
    from afweging import __version__

    return __version__


@contextlib.contextmanager
def serve_in_thread(studio: Studio, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve a prepared ``studio`` with uvicorn in a thread of this process (for tests,
    scripts and notebooks); yields the base URL and stops the server afterwards (the
    studio itself stays open: close it yourself). ``port=0`` picks a free port."""
    import socket
    import threading
    import time

    import uvicorn

    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(studio, manage=False), host=host, port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="afweging-studio", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the studio server did not start on {host}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
