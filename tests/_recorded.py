"""A fake HTTP session that serves recorded responses, so no test touches the network.

Install it with ``monkeypatch.setattr(afweging.data._cache, "_session", FakeSession(...))``.
Routes map a URL (without query string) to a response or to a function of the query
parameters; an unknown URL fails the test instead of going online.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DATA = Path(__file__).parent / "data"


@dataclass
class FakeResponse:
    status_code: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def iter_content(self, chunk_size: int = 1) -> Any:
        for i in range(0, len(self.content), chunk_size):
            yield self.content[i:i + chunk_size]


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> FakeResponse:
    """A response with a JSON body (dict/list), bytes or text."""
    if isinstance(body, bytes):
        content = body
    elif isinstance(body, str):
        content = body.encode("utf-8")
    else:
        content = json.dumps(body).encode("utf-8")
    return FakeResponse(status, content, dict(headers or {}))


def recorded(name: str, status: int = 200, headers: dict[str, str] | None = None) -> FakeResponse:
    """A recorded response body from tests/data, with the status and headers of the real answer."""
    return FakeResponse(status, (DATA / name).read_bytes(), dict(headers or {}))


#: A route: one response, a function of the query, an exception to raise, or a list of
#: them served in turn (the last one repeats) -- e.g. a 429 followed by the answer.
Route = FakeResponse | Callable[[dict[str, list[str]]], FakeResponse] | BaseException | list[Any]


@dataclass
class FakeSession:
    routes: dict[str, Route]
    calls: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    timeouts: list[Any] = field(default_factory=list)

    def request(self, method: str, url: str, *, params: Any = None, data: Any = None,
                headers: Any = None, timeout: Any = None, stream: bool = False) -> FakeResponse:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        query: dict[str, list[str]] = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True) + [(str(k), str(v)) for k, v in (params or [])]:
            query.setdefault(k, []).append(v)
        self.calls.append((method, base, query))
        self.timeouts.append(timeout)
        if base not in self.routes:
            raise AssertionError(f"test tried to fetch an unrecorded URL: {method} {url} {query}")
        route = self.routes[base]
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if isinstance(route, BaseException):
            raise route
        if isinstance(route, FakeResponse):
            return route
        return route(query)


# ------------------------------------------------------------------ other fakes


class InsufficientResponse(Exception):
    """Stands in for osmnx._errors.InsufficientResponseError."""


class ResponseStatusCode(Exception):
    """Stands in for osmnx._errors.ResponseStatusCodeError."""


def fake_osmnx(calls: list, *, graph: Any = None, features: Any = None) -> Any:
    """A stand-in ``osmnx`` module (install with monkeypatch.setitem(sys.modules, ...)).

    ``graph_from_polygon`` and ``features_from_polygon`` record their arguments (and
    the osmnx settings during the call) in ``calls`` and return ``graph``/``features``;
    a graph call's last item is its ``retain_all``.
    """
    import types

    ox: Any = types.ModuleType("osmnx")
    ox.settings = types.SimpleNamespace(
        cache_folder="./cache", use_cache=True, requests_timeout=180, log_console=False,
        useful_tags_way=["highway", "oneway", "name"], bidirectional_network_types=["walk"],
        requests_kwargs={}, overpass_rate_limit=True, overpass_url="https://overpass-api.de/api",
    )
    ox._errors = types.SimpleNamespace(InsufficientResponseError=InsufficientResponse,
                                       ResponseStatusCodeError=ResponseStatusCode)

    def graph_from_polygon(polygon, *, network_type, simplify, retain_all):
        calls.append(("graph", polygon.bounds, network_type, ox.settings.cache_folder,
                      list(ox.settings.useful_tags_way), ox.settings.overpass_url, retain_all))
        return graph

    def features_from_polygon(polygon, tags):
        calls.append(("features", polygon.bounds, tags, ox.settings.cache_folder, ox.settings.overpass_url))
        return features

    ox.graph_from_polygon = graph_from_polygon
    ox.features_from_polygon = features_from_polygon
    return ox


def geotiff_bytes(values: Any = None, *, west: float = 136000, north: float = 455020,
                  cell_m: float = 10, nodata: float = -9999.0) -> bytes:
    """A small single-band GeoTIFF in EPSG:28992, as a WCS would answer it."""
    import numpy as np
    from affine import Affine
    from rasterio.io import MemoryFile

    data = np.asarray(
        values if values is not None else [[50.0, 55.0, nodata], [60.0, 65.0, 70.0]], dtype="float32"
    )
    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                      dtype="float32", crs="EPSG:28992", nodata=nodata,
                      transform=Affine(cell_m, 0, west, 0, -cell_m, north)) as dst:
            dst.write(data, 1)
        return bytes(mem.read())


# ------------------------------------------------------- the recorded services

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"

#: Headers of a GoKoala items page asked in RD New (features.go: Content-Crs as a link).
PDOK_HEADERS = {"Content-Type": "application/geo+json", "Content-Crs": f"<{RD_URI}>"}

PDOK_BUURTEN = "https://api.pdok.nl/cbs/wijken-en-buurten-2023/ogc/v1/collections/buurten/items"
PDOK_BAG = "https://api.pdok.nl/kadaster/bag/ogc/v2/collections/verblijfsobject/items"
PDOK_BGT = "https://api.pdok.nl/lv/bgt/ogc/v1/collections/begroeidterreindeel/items"
CBS_API = "https://opendata.cbs.nl/ODataApi/odata/85618NED"
CBS_FEED = "https://opendata.cbs.nl/ODataFeed/odata/85618NED"
ALO_WCS = "https://data.rivm.nl/geo/alo/wcs"
ANK_WCS = "https://data.rivm.nl/geo/ank/wcs"


def paged(prefix: str, *, headers: dict[str, str] | None = PDOK_HEADERS) -> Callable[[dict[str, list[str]]], FakeResponse]:
    """A GoKoala collection of two recorded pages: the second when the query has a cursor."""

    def route(query: dict[str, list[str]]) -> FakeResponse:
        return recorded(f"{prefix}_page2.json" if "cursor" in query else f"{prefix}_page1.json", headers=headers)

    return route


def cbs_routes() -> dict[str, Route]:
    """CBS open data for table 85618NED: ODataApi (select) and ODataFeed (two pages)."""

    def feed(query: dict[str, list[str]]) -> FakeResponse:
        return recorded("cbs_85618NED_feed_typeddataset_page2.json" if "$skip" in query
                        else "cbs_85618NED_feed_typeddataset_page1.json")

    return {
        f"{CBS_API}/WijkenEnBuurten": recorded("cbs_85618NED_wijkenenbuurten.json"),
        f"{CBS_API}/DataProperties": recorded("cbs_85618NED_dataproperties.json"),
        f"{CBS_API}/TypedDataSet": recorded("cbs_85618NED_api_typeddataset_select.json"),
        f"{CBS_FEED}/TypedDataSet": feed,
        "https://opendata.cbs.nl/ODataFeed/OData/85618NED/TypedDataSet": feed,  # the nextLink's casing
    }


def noise_tiff() -> bytes:
    """Lden over the three recorded buurten (x 133900-134500, y 454900-455200; 10 m cells):
    50 dB west of x = 134100, 54 dB from there to 134200, 60 dB east of it."""
    import numpy as np

    values = np.full((30, 60), 50.0)
    values[:, 20:30] = 54.0
    values[:, 30:] = 60.0
    return geotiff_bytes(values, west=133900, north=455200, nodata=-9999.0)


def uhi_tiff() -> bytes:
    """Urban heat island (degC) over the same extent as RIVM's WCS answers it: nodata
    declared 0, empty cells filled with -3.4e38, and real zeros in the countryside."""
    import numpy as np

    values = np.full((30, 60), 1.2)
    values[:, 30:] = 0.0
    values[:5, :] = -3.4028234663852886e38
    return geotiff_bytes(values, west=133900, north=455200, nodata=0.0)


def recorded_services() -> dict[str, Route]:
    """Every recorded online source of the three Utrecht buurten, by URL."""
    return {
        PDOK_BUURTEN: paged("pdok_buurten_GM0344"),
        PDOK_BAG: paged("pdok_bag_verblijfsobject"),
        PDOK_BGT: paged("pdok_bgt_begroeidterreindeel"),
        **cbs_routes(),
        ALO_WCS: FakeResponse(200, noise_tiff(), {"Content-Type": "image/tiff"}),
        ANK_WCS: FakeResponse(200, uhi_tiff(), {"Content-Type": "image/tiff"}),
    }


class FakeAdapter:
    """Stands in for ``requests.adapters.HTTPAdapter.send`` (monkeypatch it in), so code that
    calls the ``requests`` module directly -- osmnx does -- gets recorded answers.

    ``routes`` maps "METHOD URL-without-query" to a list of (status, body, headers) served in
    turn (the last one repeats).
    """

    def __init__(self, routes: dict[str, list[tuple[int, bytes, dict[str, str]]]]) -> None:
        self.routes = routes
        self.calls: list[tuple[str, str]] = []

    def send(self, adapter: Any, request: Any, **kwargs: Any) -> Any:
        import requests
        from requests.structures import CaseInsensitiveDict

        parts = urlsplit(request.url)
        key = f"{request.method} {parts.scheme}://{parts.netloc}{parts.path}"
        self.calls.append((request.method, request.url))
        if key not in self.routes:
            raise AssertionError(f"test tried to fetch an unrecorded URL: {key}")
        answers = self.routes[key]
        status, body, headers = answers.pop(0) if len(answers) > 1 else answers[0]
        resp = requests.Response()
        resp.status_code = status
        resp._content = body
        resp.headers = CaseInsensitiveDict(headers)
        resp.url = request.url
        resp.request = request
        resp.reason = {200: "OK", 429: "Too Many Requests", 504: "Gateway Timeout"}.get(status, "")
        resp.encoding = "utf-8"
        return resp
