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


def ok(body: Any, status: int = 200) -> FakeResponse:
    """A response with a JSON body (dict/list), bytes or text."""
    if isinstance(body, bytes):
        return FakeResponse(status, body)
    if isinstance(body, str):
        return FakeResponse(status, body.encode("utf-8"))
    return FakeResponse(status, json.dumps(body).encode("utf-8"))


def recorded(name: str) -> FakeResponse:
    """A recorded response from tests/data."""
    return FakeResponse(200, (DATA / name).read_bytes())


Route = FakeResponse | Callable[[dict[str, list[str]]], FakeResponse] | BaseException


@dataclass
class FakeSession:
    routes: dict[str, Route]
    calls: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)

    def request(self, method: str, url: str, *, params: Any = None, data: Any = None,
                headers: Any = None, timeout: float | None = None) -> FakeResponse:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        query: dict[str, list[str]] = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True) + [(str(k), str(v)) for k, v in (params or [])]:
            query.setdefault(k, []).append(v)
        self.calls.append((method, base, query))
        if base not in self.routes:
            raise AssertionError(f"test tried to fetch an unrecorded URL: {method} {url} {query}")
        route = self.routes[base]
        if isinstance(route, BaseException):
            raise route
        if isinstance(route, FakeResponse):
            return route
        return route(query)


# ------------------------------------------------------------------ other fakes


class InsufficientResponse(Exception):
    """Stands in for osmnx._errors.InsufficientResponseError."""


def fake_osmnx(calls: list, *, graph: Any = None, features: Any = None) -> Any:
    """A stand-in ``osmnx`` module (install with monkeypatch.setitem(sys.modules, ...)).

    ``graph_from_polygon`` and ``features_from_polygon`` record their arguments (and
    the osmnx settings during the call) in ``calls`` and return ``graph``/``features``.
    """
    import types

    ox: Any = types.ModuleType("osmnx")
    ox.settings = types.SimpleNamespace(
        cache_folder="./cache", use_cache=True, requests_timeout=180, log_console=False,
        useful_tags_way=["highway", "oneway", "name"], bidirectional_network_types=["walk"],
    )
    ox._errors = types.SimpleNamespace(InsufficientResponseError=InsufficientResponse)

    def graph_from_polygon(polygon, *, network_type, simplify, retain_all):
        calls.append(("graph", polygon.bounds, network_type, ox.settings.cache_folder,
                      list(ox.settings.useful_tags_way)))
        return graph

    def features_from_polygon(polygon, tags):
        calls.append(("features", polygon.bounds, tags, ox.settings.cache_folder))
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
