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
