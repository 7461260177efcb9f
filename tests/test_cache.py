"""The download cache (afweging/data/_cache.py): hit, miss, failures never cached, key."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests
from _recorded import FakeResponse, FakeSession, ok

from afweging import settings
from afweging._errors import DownloadError, HttpStatusError
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


def test_http_error_is_not_cached(cache_dir, monkeypatch, slept):
    session = _install(monkeypatch, {URL: FakeResponse(503, b"Service Unavailable")})
    with pytest.raises(HttpStatusError, match=r"CBS test: GET https://example.test/api/items\?a=1 antwoordde "
                                              r"HTTP 503: 'Service Unavailable'.*later opnieuw.*niet in de cache") as err:
        _cache.request(URL, params={"a": 1}, what="CBS test")
    assert err.value.status == 503 and err.value.detail == "Service Unavailable"
    # 503 is retried 4 times with a doubling backoff: 5 requests in all
    assert len(session.calls) == 5 and slept == [2.0, 4.0, 8.0, 16.0]
    assert not (cache_dir / "http").exists() or not list((cache_dir / "http").iterdir())
    # the server recovers: the next call goes to the server again
    session.routes[URL] = ok({"value": []})
    assert _cache.request(URL, params={"a": 1}) == {"value": []}
    assert len(session.calls) == 6


def test_429_waits_as_long_as_retry_after_says(cache_dir, monkeypatch, slept):
    session = _install(monkeypatch, {URL: [
        FakeResponse(429, b"Too Many Requests", {"Retry-After": "7"}),
        FakeResponse(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
        ok({"value": [1]}),
    ]})
    assert _cache.request(URL) == {"value": [1]}
    assert slept == [7.0, 4.0]  # Retry-After first, then the backoff of the second retry
    assert len(session.calls) == 3
    # a Retry-After longer than requests_max_wait_s is capped
    session.routes[URL + "/x"] = [FakeResponse(429, b"", {"Retry-After": "3600"}), ok({"v": 2})]
    assert _cache.request(URL + "/x") == {"v": 2}
    assert slept[-1] == settings.requests_max_wait_s


def test_client_errors_are_not_retried(cache_dir, monkeypatch, slept):
    problem = {"detail": "unknown query parameter(s) found: gebruiksdoel", "status": 400,
               "timeStamp": "2024-05-01T10:00:00Z", "title": "Bad Request"}
    session = _install(monkeypatch, {URL: ok(problem, 400, {"Content-Type": "application/problem+json"})})
    with pytest.raises(HttpStatusError, match=r"HTTP 400: 'Bad Request: unknown query parameter\(s\) found: "
                                              r"gebruiksdoel'.*weigert het verzoek") as err:
        _cache.request(URL, params={"gebruiksdoel": "woonfunctie"}, what="PDOK BAG")
    assert err.value.status == 400
    assert len(session.calls) == 1 and slept == []


def test_connect_and_read_timeouts_are_sent(cache_dir, monkeypatch):
    session = _install(monkeypatch, {URL: ok({"v": 1})})
    _cache.request(URL)
    assert session.timeouts == [(settings.requests_connect_timeout_s, settings.requests_timeout_s)]


def test_invalid_json_is_not_cached(cache_dir, monkeypatch):
    session = _install(monkeypatch, {URL: ok("<html>maintenance</html>")})
    with pytest.raises(DownloadError, match=r"gaf geen geldige JSON.*maintenance"):
        _cache.request(URL)
    assert not list(cache_dir.rglob("*.bin"))
    # as bytes the same answer is acceptable
    assert _cache.request(URL, expect="bytes") == b"<html>maintenance</html>"
    assert len(session.calls) == 2


def test_timeout_and_connection_error(cache_dir, monkeypatch, slept):
    session = _install(monkeypatch, {URL: requests.Timeout("slow")})
    with pytest.raises(DownloadError, match=r"gaf geen antwoord \(verbinding binnen 10 s, antwoord binnen "
                                            r"60 s\), ook niet na 5 pogingen.*requests_timeout_s"):
        _cache.request(URL)
    assert len(session.calls) == 5
    _install(monkeypatch, {URL: requests.ConnectionError("no route")})
    with pytest.raises(DownloadError, match=r"is niet bereikbaar \(ConnectionError: no route\).*internetverbinding"):
        _cache.request(URL)
    assert not list(cache_dir.rglob("*.bin"))
    # a broken connection that recovers on the second try
    session = _install(monkeypatch, {URL: [requests.ConnectionError("reset"), ok({"v": 1})]})
    assert _cache.request(URL) == {"v": 1} and len(session.calls) == 2


def test_check_headers_refuses_before_caching(cache_dir, monkeypatch):
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    _install(monkeypatch, {URL: ok({"type": "FeatureCollection"}, headers={"Content-Crs": crs84})})

    def rd_only(headers):
        if headers.get("Content-Crs") != "<http://www.opengis.net/def/crs/EPSG/0/28992>":
            raise DownloadError(f"Content-Crs is {headers.get('Content-Crs')}")

    with pytest.raises(DownloadError, match="CRS84"):
        _cache.request(URL, check_headers=rd_only)
    assert not list(cache_dir.rglob("*.bin"))


def test_bytes_progress(cache_dir, monkeypatch):
    _install(monkeypatch, {URL: ok(b"x" * 200_000)})
    seen: list[int] = []
    _cache.request(URL, expect="bytes", on_bytes=seen.append)
    assert sum(seen) == 200_000 and len(seen) == 4  # chunks of 64 KiB
    seen.clear()
    _cache.request(URL, expect="bytes", on_bytes=seen.append)  # from the cache: one step
    assert seen == [200_000]


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
