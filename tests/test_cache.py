"""The download cache (afweging/data/_cache.py): hit, miss, failures never cached, key."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests
from _recorded import FakeResponse, FakeSession, ok

from afweging import settings
from afweging._errors import DownloadError
from afweging.data import _cache

URL = "https://example.test/api/items"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "use_cache", True)
    return tmp_path / "cache"


def _install(monkeypatch, routes):
    session = FakeSession(routes)
    monkeypatch.setattr(_cache, "_session", session)
    return session


def test_miss_then_hit(cache_dir, monkeypatch):
    session = _install(monkeypatch, {URL: ok({"value": [1, 2]})})
    first = _cache.request(URL, params={"b": 2, "a": "x"})
    assert first == {"value": [1, 2]}
    assert len(session.calls) == 1
    files = list((cache_dir / "http").glob("*.bin"))
    assert len(files) == 1
    # same request, parameters in another order: served from the cache
    second = _cache.request(URL, params=[("a", "x"), ("b", "2")])
    assert second == first
    assert len(session.calls) == 1
    # different parameters: a miss
    _cache.request(URL, params={"a": "y", "b": 2})
    assert len(session.calls) == 2
    assert len(list((cache_dir / "http").glob("*.bin"))) == 2


def test_http_error_is_not_cached(cache_dir, monkeypatch):
    session = _install(monkeypatch, {URL: FakeResponse(503, b"Service Unavailable")})
    with pytest.raises(DownloadError, match=r"HTTP 503.*Nothing was cached"):
        _cache.request(URL, params={"a": 1}, what="CBS test")
    assert not (cache_dir / "http").exists() or not list((cache_dir / "http").iterdir())
    # the server recovers: the next call goes to the server again
    session.routes[URL] = ok({"value": []})
    assert _cache.request(URL, params={"a": 1}) == {"value": []}
    assert len(session.calls) == 2


def test_invalid_json_is_not_cached(cache_dir, monkeypatch):
    session = _install(monkeypatch, {URL: ok("<html>maintenance</html>")})
    with pytest.raises(DownloadError, match=r"did not return valid JSON.*maintenance"):
        _cache.request(URL)
    assert not list(cache_dir.rglob("*.bin"))
    # as bytes the same answer is acceptable
    assert _cache.request(URL, expect="bytes") == b"<html>maintenance</html>"
    assert len(session.calls) == 2


def test_timeout_and_connection_error(cache_dir, monkeypatch):
    _install(monkeypatch, {URL: requests.Timeout("slow")})
    with pytest.raises(DownloadError, match=r"did not answer within 60 s.*settings.requests_timeout_s"):
        _cache.request(URL)
    _install(monkeypatch, {URL: requests.ConnectionError("no route")})
    with pytest.raises(DownloadError, match=r"could not be reached .*ConnectionError"):
        _cache.request(URL)
    assert not list(cache_dir.rglob("*.bin"))


def test_validate_refuses_and_nothing_is_cached(cache_dir, monkeypatch):
    _install(monkeypatch, {URL: ok(b"<ExceptionReport/>")})

    def must_be_tiff(b: bytes) -> None:
        if not b.startswith(b"II*"):
            raise DownloadError("not a tiff")

    with pytest.raises(DownloadError, match="not a tiff"):
        _cache.request(URL, expect="bytes", validate=must_be_tiff)
    assert not list(cache_dir.rglob("*.bin"))


def test_corrupt_cache_entry_is_downloaded_again(cache_dir, monkeypatch):
    session = _install(monkeypatch, {URL: ok({"v": 1})})
    path = _cache.cache_path(_cache.cache_key("GET", URL))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"{truncated")
    assert _cache.request(URL) == {"v": 1}
    assert len(session.calls) == 1
    assert json.loads(path.read_bytes()) == {"v": 1}


def test_use_cache_false_bypasses(cache_dir, monkeypatch):
    monkeypatch.setattr(settings, "use_cache", False)
    session = _install(monkeypatch, {URL: ok({"v": 1})})
    _cache.request(URL)
    _cache.request(URL)
    assert len(session.calls) == 2
    assert not cache_dir.exists()


def test_cache_key_is_stable():
    # The key is sha256 of a canonical JSON document; it must not change between
    # processes or versions, or every user's cache would silently be invalidated.
    key = _cache.cache_key("get", URL, {"limit": 10, "f": "json"})
    doc = '{"body":null,"method":"GET","params":[["f","json"],["limit","10"]],"url":"https://example.test/api/items"}'
    assert key == hashlib.sha256(doc.encode()).hexdigest()
    assert key == "8465c1ce3660f30eef525ded770fa0a9319df692a593ee6891ad2ad9f35bfa34"
    # method, body and repeated parameters all count
    assert _cache.cache_key("POST", URL, {"limit": 10, "f": "json"}) != key
    assert _cache.cache_key("GET", URL, {"limit": 10, "f": "json"}, body=b"x") != key
    assert _cache.cache_key("GET", URL, [("s", "X(1,2)"), ("s", "Y(3,4)")]) == _cache.cache_key(
        "GET", URL, {"s": ["Y(3,4)", "X(1,2)"]}
    )
