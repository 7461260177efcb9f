"""One HTTP helper for every online loader, with a download cache.

Every online loader (CBS OData, PDOK OGC API Features, WCS rasters) goes through
:func:`request`. A response is cached on disk under ``settings.cache_folder / "http"``,
keyed by the sha256 of the request (method, URL, sorted query parameters, body), the way
osmnx caches Overpass answers. A failed response -- an HTTP error status, a timeout or a
connection error, invalid JSON when JSON was expected, or bytes that the caller's
``validate`` refuses -- raises :class:`~afweging._errors.DownloadError` and is *never*
cached. ``settings.use_cache = False`` bypasses the cache for reading and writing.

The HTTP client is the module global ``_session`` (a :class:`requests.Session`, created
on first use). Tests replace it with an object that has the same ``request`` method and
serves recorded responses, so no test touches the network::

    monkeypatch.setattr(afweging.data._cache, "_session", FakeSession({...}))
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from afweging import settings
from afweging._errors import DownloadError

log = logging.getLogger(__name__)

#: Query parameters: a mapping, or a sequence of (name, value) pairs when a name repeats
#: (WCS 2.0 ``subset=X(...)&subset=Y(...)``).
Params = Mapping[str, Any] | Sequence[tuple[str, Any]]

#: User-Agent sent with every request (the version is added on first use).
USER_AGENT = "afweging (ruimtelijke afweging toolkit; python-requests)"


#: The HTTP client; ``None`` until first use. Replace it in tests (see module docstring):
#: any object with ``request(method, url, *, params, data, headers, timeout)`` returning
#: an object with ``status_code`` and ``content``.
_session: Any = None


def _get_session() -> Any:
    global _session
    if _session is None:
        import requests

        from afweging import __version__

        s = requests.Session()
        s.headers["User-Agent"] = USER_AGENT.replace("afweging", f"afweging/{__version__}", 1)
        _session = s
    return _session


def _param_pairs(params: Params | None) -> list[tuple[str, str]]:
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        if isinstance(value, list | tuple):
            pairs.extend((str(key), str(v)) for v in value)
        elif value is not None:
            pairs.append((str(key), str(value)))
    return pairs


def cache_key(
    method: str, url: str, params: Params | None = None, body: bytes | str | None = None
) -> str:
    """The sha256 hex digest that names a request in the cache.

    The key depends on the upper-cased method, the URL, the query parameters sorted by
    name and value (so their order does not matter) and the body.

    Examples
    --------
    >>> a = cache_key("get", "https://x.nl/a", {"b": 1, "a": "2"})
    >>> a == cache_key("GET", "https://x.nl/a", [("a", "2"), ("b", "1")])
    True
    >>> a == cache_key("GET", "https://x.nl/a", {"a": "3", "b": 1})
    False
    >>> len(a)
    64
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    doc = {
        "method": method.upper(),
        "url": url,
        "params": sorted(_param_pairs(params)),
        "body": hashlib.sha256(body).hexdigest() if body else None,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_path(key: str) -> Path:
    """File that holds the cached body of the request with this key."""
    return Path(settings.cache_folder) / "http" / f"{key}.bin"


def _describe(method: str, url: str, params: Params | None) -> str:
    pairs = _param_pairs(params)
    if not pairs:
        return f"{method.upper()} {url}"
    from urllib.parse import urlencode

    return f"{method.upper()} {url}?{urlencode(pairs)}"


def _decode(content: bytes, expect: str, *, what: str, where: str) -> Any:
    if expect == "json":
        try:
            return json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            head = content[:200].decode("utf-8", "replace")
            raise DownloadError(
                f"{what}: {where} did not return valid JSON ({exc}); the answer began with "
                f"{head!r}. Nothing was cached; try again later or check the URL."
            ) from exc
    if expect == "text":
        return content.decode("utf-8", "replace")
    return content


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def request(
    url: str,
    *,
    method: Literal["GET", "POST"] = "GET",
    params: Params | None = None,
    body: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    expect: Literal["json", "bytes", "text"] = "json",
    validate: Callable[[bytes], None] | None = None,
    check: Callable[[Any], None] | None = None,
    what: str = "download",
) -> Any:
    """Send one HTTP request through the cache and return the decoded answer.

    Parameters
    ----------
    url : str
        Full URL without the query string (pass the query as ``params``), or a complete
        URL such as an OData ``nextLink``.
    method : {"GET", "POST"}
    params : mapping or sequence of pairs, optional
        Query parameters; list values repeat the name.
    body : bytes or str, optional
        Request body (POST).
    headers : mapping, optional
        Extra headers (not part of the cache key).
    expect : {"json", "bytes", "text"}
        How to decode the answer; ``"json"`` refuses an answer that is not valid JSON.
    validate : callable, optional
        Called with the raw bytes before caching; it raises
        :class:`~afweging._errors.DownloadError` to refuse them (e.g. a WCS server that
        answers an XML exception with status 200). A refused answer is not cached.
    check : callable, optional
        Called with the decoded answer before caching (e.g. "is this a GeoJSON
        FeatureCollection in RD New?"); raising :class:`~afweging._errors.DownloadError`
        refuses it, and it is not cached. A cached answer that fails it is downloaded again.
    what : str
        What is being downloaded, for messages (e.g. ``"CBS 85618NED"``).

    Returns
    -------
    object
        The parsed JSON, the bytes or the text.

    Raises
    ------
    DownloadError
        On an HTTP error status, a timeout or connection error, invalid JSON, or an
        answer refused by ``validate`` or ``check``. Nothing is cached then.
    """
    method_u = method.upper()
    key = cache_key(method_u, url, params, body)
    path = cache_path(key)
    where = _describe(method_u, url, params)
    if settings.use_cache and path.exists():
        content = path.read_bytes()
        try:
            if validate is not None:
                validate(content)
            value = _decode(content, expect, what=what, where=where)
            if check is not None:
                check(value)
        except DownloadError:
            log.warning("Cached answer %s for %s is unusable; downloading again", path.name, where)
            path.unlink(missing_ok=True)
        else:
            log.debug("cache hit %s for %s", key[:12], where)
            return value

    import requests

    session = _get_session()
    log.info("Downloading %s", where)
    try:
        resp = session.request(
            method_u,
            url,
            params=_param_pairs(params) or None,
            data=body,
            headers=dict(headers) if headers else None,
            timeout=settings.requests_timeout_s,
        )
    except requests.Timeout as exc:
        raise DownloadError(
            f"{what}: {where} did not answer within {settings.requests_timeout_s:g} s. "
            f"Nothing was cached. Try again later or raise afweging.settings.requests_timeout_s."
        ) from exc
    except requests.RequestException as exc:
        raise DownloadError(
            f"{what}: {where} could not be reached ({type(exc).__name__}: {exc}). "
            f"Check the network connection; nothing was cached."
        ) from exc
    status = int(resp.status_code)
    content = bytes(resp.content)
    if not 200 <= status < 300:
        head = content[:300].decode("utf-8", "replace")
        raise DownloadError(
            f"{what}: {where} answered HTTP {status}: {head!r}. Nothing was cached; "
            f"check the parameters (table, year, gemeentecode) or try again later."
        )
    if validate is not None:
        validate(content)
    value = _decode(content, expect, what=what, where=where)
    if check is not None:
        check(value)
    if settings.use_cache:
        try:
            _write_atomic(path, content)
        except OSError as exc:  # a read-only cache folder must not break a download
            log.warning("Could not write the download cache %s: %s", path, exc)
    return value


def clear(pattern: str = "*.bin") -> int:
    """Delete cached downloads; returns how many files were removed."""
    folder = Path(settings.cache_folder) / "http"
    n = 0
    for p in folder.glob(pattern):
        p.unlink(missing_ok=True)
        n += 1
    return n
