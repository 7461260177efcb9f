"""Open an HTML file in headless Chromium, offline: screenshot it, dump its DOM, and collect
JavaScript errors. Reusable by every test that checks an HTML output (barcode.html,
kaart.html, rapport.html).

* :func:`render` takes a PNG screenshot and returns the console messages and the errors
  (uncaught exceptions, ``console.error``, failed resource loads), found by injecting a
  small probe script into a temporary copy of the page next to the original.
* :func:`dom` returns the DOM after the page's scripts ran (``--dump-dom``).
* :func:`external_references` lists ``src``/``href`` of scripts, stylesheets, images and
  fonts that point off the machine (a self-contained page has none).
* :func:`selenium_chrome` starts headless Chromium under Selenium + chromedriver, for tests
  that click through a page (the studio, the hostile-payload pages).

Networking is off (every host resolves to nothing), so a page that needs the internet
shows it as failed loads. When no Chromium binary is found the calling test is skipped
with ``pytest.skip``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: Binaries tried in order; ``AFWEGING_CHROMIUM`` overrides.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Where chromedriver is looked for; ``AFWEGING_CHROMEDRIVER`` overrides.
DRIVERS = ("chromedriver", "chromium.chromedriver")

#: Prefix of console lines written by the injected probe.
PROBE = "__AFWEGING_ERROR__"

_PROBE_SCRIPT = (
    "<script>(function(){var P='" + PROBE + "';"
    "var ce=console.error;console.error=function(){try{console.log(P+' console.error: '+"
    "Array.prototype.map.call(arguments,String).join(' '));}catch(e){}"
    "return ce.apply(console,arguments);};"
    "window.addEventListener('error',function(e){var t=e.target;"
    "if(t&&t!==window&&(t.src||t.href)){console.log(P+' resource failed: '+(t.src||t.href));}"
    "else{console.log(P+' uncaught: '+(e.message||e));}},true);"
    "window.addEventListener('unhandledrejection',function(e){"
    "console.log(P+' unhandled rejection: '+(e.reason&&e.reason.message||e.reason));});"
    "})();</script>"
)

_CONSOLE_RE = re.compile(r':CONSOLE(?:\(\d+\)|:\d+)\]\s+"(?P<msg>.*)", source: (?P<src>.*)$')


@dataclass
class RenderResult:
    """What Chromium reported while rendering a page."""

    png_path: Path
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    returncode: int = 0
    stderr: str = ""


def _find(env_var: str, names: tuple[str, ...]) -> str | None:
    """The path in ``env_var`` when it exists, else the first of ``names`` on PATH, or None."""
    env = os.environ.get(env_var)
    if env and Path(env).exists():
        return env
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    return _find("AFWEGING_CHROMIUM", CANDIDATES)


def require_chromium() -> str:
    """Path of a Chromium binary; skips the calling test when there is none."""
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium / chromium-browser / google-chrome binary found")
    return binary


def _base_args(binary: str, user_data_dir: str) -> list[str]:
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={user_data_dir}",
    ]


def _inject_probe(text: str) -> str:
    """Insert the probe script as early as possible without changing the document mode."""
    for pattern in (r"<head[^>]*>", r"<html[^>]*>"):
        m = re.search(pattern, text, flags=re.IGNORECASE)
        if m:
            return text[: m.end()] + _PROBE_SCRIPT + text[m.end() :]
    m = re.search(r"<!doctype[^>]*>", text, flags=re.IGNORECASE)
    if m:
        return text[: m.end()] + _PROBE_SCRIPT + text[m.end() :]
    return _PROBE_SCRIPT + text


def render(
    html_path: str | Path,
    png_path: str | Path,
    *,
    window_size: tuple[int, int] = (1400, 1000),
    timeout_s: float = 120.0,
    virtual_time_budget_ms: int = 5000,
) -> RenderResult:
    """Screenshot ``html_path`` into ``png_path`` and collect console output and JS errors.

    The page is rendered from a temporary copy in the same folder (so relative links still
    work) with a probe script that reports ``console.error`` calls, uncaught exceptions,
    unhandled promise rejections and resources that failed to load.
    """
    binary = require_chromium()
    html_path = Path(html_path).resolve()
    png_path = Path(png_path).resolve()
    text = html_path.read_text(encoding="utf-8", errors="replace")
    probe = html_path.with_name(f".{html_path.stem}.chromium-probe{html_path.suffix}")
    probe.write_text(_inject_probe(text), encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory(prefix="afweging-chromium-") as udd:
            args = [
                *_base_args(binary, udd),
                "--enable-logging=stderr",
                "--v=0",
                "--hide-scrollbars",
                f"--virtual-time-budget={virtual_time_budget_ms}",
                f"--window-size={window_size[0]},{window_size[1]}",
                f"--screenshot={png_path}",
                probe.as_uri(),
            ]
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s)
    finally:
        probe.unlink(missing_ok=True)
    console, errors = [], []
    for line in proc.stderr.splitlines():
        m = _CONSOLE_RE.search(line)
        if not m:
            continue
        msg = m.group("msg")
        console.append(msg)
        if msg.startswith(PROBE):
            errors.append(msg[len(PROBE) :].strip())
        elif msg.startswith("Uncaught"):
            errors.append(msg)
    return RenderResult(
        png_path=png_path,
        console=console,
        errors=list(dict.fromkeys(errors)),
        returncode=proc.returncode,
        stderr=proc.stderr,
    )


def dom(
    html_path: str | Path,
    *,
    timeout_s: float = 120.0,
    virtual_time_budget_ms: int = 5000,
) -> str:
    """The serialized DOM of ``html_path`` after its scripts ran (``--dump-dom``)."""
    binary = require_chromium()
    html_path = Path(html_path).resolve()
    with tempfile.TemporaryDirectory(prefix="afweging-chromium-") as udd:
        args = [
            *_base_args(binary, udd),
            f"--virtual-time-budget={virtual_time_budget_ms}",
            "--dump-dom",
            html_path.as_uri(),
        ]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0 and not proc.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


_REF_RE = re.compile(
    r"<(?P<tag>script|img|link|iframe|source|video|audio|embed)\b[^>]*?\b(?P<attr>src|href)\s*=\s*"
    r"[\"'](?P<url>[^\"']+)[\"']",
    flags=re.IGNORECASE,
)
_CSS_URL_RE = re.compile(r"(?:@import\s+|url\()\s*[\"']?(?P<url>(?:https?:)?//[^\"')\s]+)", re.I)


def external_references(html: str) -> list[str]:
    """URLs of resources (scripts, styles, images, fonts, frames) loaded from off the machine.

    Plain hyperlinks (``<a href>``) are not resources and are not listed.
    """
    found = []
    for m in _REF_RE.finditer(html):
        url = m.group("url")
        if url.startswith(("http://", "https://", "//")):
            found.append(url)
    found += [m.group("url") for m in _CSS_URL_RE.finditer(html)]
    return found


def find_chromedriver() -> str | None:
    """Path of a chromedriver binary, or None."""
    return _find("AFWEGING_CHROMEDRIVER", DRIVERS)


@contextmanager
def selenium_chrome(*, ignore_prompts: bool = False) -> Iterator[object]:
    """A Selenium driver for headless Chromium with networking off except this machine (the
    page must need nothing else), browser console logging on and a throw-away profile.

    ``ignore_prompts`` leaves an ``alert`` open instead of failing the next command. Skips
    the calling test when Selenium, Chromium or chromedriver is missing."""
    webdriver = pytest.importorskip("selenium.webdriver")
    binary, driver_path = find_chromium(), find_chromedriver()
    if binary is None or driver_path is None:
        pytest.skip("no chromium and chromedriver found")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if ignore_prompts:
        options.set_capability("unhandledPromptBehavior", "ignore")
    with tempfile.TemporaryDirectory(prefix="afweging-selenium-") as udd:
        options.add_argument(f"--user-data-dir={udd}")
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()
