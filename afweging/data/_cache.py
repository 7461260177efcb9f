"""One HTTP helper for every online loader, with a download cache.

Every online loader (CBS OData, PDOK OGC API Features, WCS rasters) goes through
:func:`request`. A response is cached on disk under ``settings.cache_folder / "http"``,
keyed by the sha256 of the request (method, URL, sorted query parameters, body), the way
osmnx caches Overpass answers. A failed response -- an HTTP error status, a timeout or a
connection error, invalid JSON when JSON was expected, or bytes that the caller's
``validate`` refuses -- raises :class:`~afweging._errors.DownloadError` and is *never*
cached. ``settings.use_cache = False`` bypasses the cache for reading and writing.

Every request has a connect and a read timeout (``settings.requests_connect_timeout_s``,
``settings.requests_timeout_s``). HTTP 429 and 5xx answers, timeouts and broken
connections are retried up to ``settings.requests_retries`` times, waiting as long as the
server's ``Retry-After`` header says, else 2, 4, 8 ... s (``requests_backoff_s``, capped at
``requests_max_wait_s``). A final failure raises :class:`~afweging._errors.HttpStatusError`
(an HTTP status) or :class:`~afweging._errors.DownloadError`, with a Dutch message that
names the service, the URL, the server's own explanation (problem JSON, OData error, OWS
ExceptionReport, Overpass error page) and what to do.

The HTTP client is the module global ``_session`` (a :class:`requests.Session`, created
on first use). Tests replace it with an object that has the same ``request`` method and
serves recorded responses, so no test touches the network::

    monkeypatch.setattr(afweging.data._cache, "_session", FakeSession({...}))
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from afweging import settings
from afweging._errors import DownloadError, HttpStatusError

log = logging.getLogger(__name__)

#: Query parameters: a mapping, or a sequence of (name, value) pairs when a name repeats
#: (WCS 2.0 ``subset=X(...)&subset=Y(...)``).
Params = Mapping[str, Any] | Sequence[tuple[str, Any]]

#: User-Agent sent with every request (the version is added on first use).
USER_AGENT = "afweging (ruimtelijke afweging toolkit; python-requests)"


#: The HTTP client; ``None`` until first use. Replace it in tests (see module docstring):
#: any object with ``request(method, url, *, params, data, headers, timeout, stream)``
#: returning an object with ``status_code``, ``headers`` and ``content`` (and optionally
#: ``iter_content(chunk_size)``).
_session: Any = None

#: Statuses that are retried: too many requests and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: ``time.sleep``, replaceable in tests.
_sleep: Callable[[float], None] = time.sleep


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
                f"{what}: {where} gaf geen geldige JSON ({exc}); het antwoord begon met "
                f"{head!r}. Dit antwoord is niet in de cache bewaard. Probeer het later opnieuw of "
                f"controleer `url` in de sectie."
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


def server_detail(content: bytes) -> str:
    """The server's own explanation in an error answer, as one line of text.

    Understands RFC 7807 problem JSON (PDOK GoKoala: ``title``, ``detail``), OData v3/v4
    errors (``odata.error`` / ``error`` with ``message``), OWS ExceptionReports
    (``ExceptionText``, WMS ``ServiceException``) and the Overpass error page
    (``<strong>Error</strong>: ...``); otherwise the text of the body without tags.

    Examples
    --------
    >>> server_detail(b'{"detail": "unknown query parameter(s) found: x", "status": 400, "title": "Bad Request"}')
    'Bad Request: unknown query parameter(s) found: x'
    >>> server_detail(b'<ows:ExceptionReport><ows:Exception><ows:ExceptionText>No coverage</ows:ExceptionText>'
    ...               b'</ows:Exception></ows:ExceptionReport>')
    'No coverage'
    """
    text = content[:20_000].decode("utf-8", "replace").strip()
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        if "detail" in doc:
            return ": ".join(str(doc[k]) for k in ("title", "detail") if doc.get(k))
        err = doc.get("odata.error") or doc.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
            if isinstance(msg, dict):
                msg = msg.get("value")
            return str(msg or err.get("code") or err)
    for pattern in (r"<(?:\w+:)?ExceptionText>(.*?)</", r"<(?:\w+:)?ServiceException[^>]*>(.*?)</",
                    r"Error</strong>:\s*(.*?)</p>"):
        m = re.search(pattern, text, re.S)
        if m:
            return re.sub(r"\s+", " ", m.group(1)).strip()
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return plain[:300]


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Examples
    --------
    >>> retry_after_s("30"), retry_after_s(None), retry_after_s("soon")
    (30.0, None, None)
    >>> retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT")  # in the past
    0.0
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff_s(attempt: int, retry_after: float | None = None) -> float:
    """Wait before retry number ``attempt`` (0-based): ``Retry-After`` if given, else
    ``requests_backoff_s * 2**attempt``; never more than ``requests_max_wait_s``.

    Examples
    --------
    >>> [backoff_s(i) for i in range(4)]
    [2.0, 4.0, 8.0, 16.0]
    >>> backoff_s(0, retry_after=30.0)
    30.0
    """
    wait = retry_after if retry_after is not None else settings.requests_backoff_s * 2.0**attempt
    return float(min(max(wait, 0.0), settings.requests_max_wait_s))


def _advice(status: int) -> str:
    """What to do after a final HTTP error (Dutch)."""
    if status == 429:
        return ("De dienst beperkt het aantal verzoeken: probeer het over enkele minuten opnieuw "
                "(wat al binnen was, komt dan uit de cache).")
    if status >= 500:
        return ("De dienst heeft een storing of is overbelast: probeer het later opnieuw (wat al "
                "binnen was, komt dan uit de cache).")
    if status == 404:
        return ("Niet gevonden: controleer `url` en de naam van de tabel, collectie of coverage in "
                "de sectie van het manifest.")
    return ("De dienst weigert het verzoek: controleer de sectie in het manifest (jaar, tabel, "
            "collectie, coverage, `url`).")


def _timeouts() -> tuple[float, float]:
    return (float(settings.requests_connect_timeout_s), float(settings.requests_timeout_s))


def _read_body(resp: Any, on_bytes: Callable[[int], None] | None) -> bytes:
    if on_bytes is not None and hasattr(resp, "iter_content"):
        buf = bytearray()
        for chunk in resp.iter_content(chunk_size=1 << 16):
            buf += chunk
            on_bytes(len(chunk))
        return bytes(buf)
    content = bytes(resp.content)
    if on_bytes is not None:
        on_bytes(len(content))
    return content


def _send(
    method: str, url: str, params: Params | None, body: bytes | str | None,
    headers: Mapping[str, str] | None, *, what: str, where: str,
    on_bytes: Callable[[int], None] | None,
) -> tuple[int, Any, bytes]:
    """One request with retries; returns (status, headers, body) of the last answer."""
    import requests

    session = _get_session()
    retries = max(int(settings.requests_retries), 0)
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            resp = session.request(
                method, url, params=_param_pairs(params) or None, data=body,
                headers=dict(headers) if headers else None, timeout=_timeouts(), stream=True,
            )
            status = int(resp.status_code)
            content = _read_body(resp, on_bytes if 200 <= status < 300 else None)
        except requests.Timeout as exc:
            if last:
                connect, read = _timeouts()
                raise DownloadError(
                    f"{what}: {where} gaf geen antwoord (verbinding binnen {connect:g} s, antwoord "
                    f"binnen {read:g} s), ook niet na {retries + 1} pogingen. Er is niets in de cache "
                    f"bewaard. Probeer het later opnieuw, of verhoog "
                    f"afweging.settings.requests_timeout_s."
                ) from exc
            problem = f"geen antwoord ({type(exc).__name__})"
        except requests.RequestException as exc:
            if last:
                raise DownloadError(
                    f"{what}: {where} is niet bereikbaar ({type(exc).__name__}: {exc}), ook niet na "
                    f"{retries + 1} pogingen. Dit antwoord is niet in de cache bewaard. Controleer de "
                    f"internetverbinding (en een eventuele proxy) en `url` in de sectie."
                ) from exc
            problem = f"niet bereikbaar ({type(exc).__name__})"
        else:
            resp_headers = getattr(resp, "headers", None) or {}
            if status not in RETRY_STATUSES or last:
                return status, resp_headers, content
            problem = f"HTTP {status}"
            wait = backoff_s(attempt, retry_after_s(resp_headers.get("Retry-After")))
            log.warning("%s: %s (%s); nieuwe poging over %.0f s (%d/%d)",
                        what, problem, where, wait, attempt + 1, retries)
            _sleep(wait)
            continue
        wait = backoff_s(attempt)
        log.warning("%s: %s (%s); nieuwe poging over %.0f s (%d/%d)",
                    what, problem, where, wait, attempt + 1, retries)
        _sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


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
    check_headers: Callable[[Mapping[str, str]], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
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
    check_headers : callable, optional
        Called with the response headers of a fresh answer before caching (e.g. PDOK's
        ``Content-Crs``); raising refuses the answer. Cached answers have no headers.
    on_bytes : callable, optional
        Called with the size of every chunk of a successful answer as it arrives (a
        progress bar in bytes).
    what : str
        The service and what is downloaded, for messages (e.g. ``"CBS 85618NED"``).

    Returns
    -------
    object
        The parsed JSON, the bytes or the text.

    Raises
    ------
    HttpStatusError
        The server answered an HTTP error status (after retries for 429 and 5xx).
    DownloadError
        A timeout or connection error (after retries), invalid JSON, or an answer
        refused by ``validate``, ``check`` or ``check_headers``. Nothing is cached then.
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
            if on_bytes is not None:
                on_bytes(len(content))
            return value

    log.info("Downloading %s", where)
    status, resp_headers, content = _send(
        method_u, url, params, body, headers, what=what, where=where, on_bytes=on_bytes,
    )
    if not 200 <= status < 300:
        detail = server_detail(content)
        raise HttpStatusError(
            f"{what}: {where} antwoordde HTTP {status}: {detail!r}. {_advice(status)} "
            f"Dit antwoord is niet in de cache bewaard.",
            status=status, detail=detail, url=where,
        )
    if check_headers is not None:
        check_headers(resp_headers)
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
