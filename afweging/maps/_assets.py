"""Vendored web assets (Leaflet) and helpers to inline them and images into HTML.

Nothing here reaches the network: every map and report ``afweging`` writes carries its
JavaScript, CSS and images inside the file (see ``vendor/README.md``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

#: Leaflet version of the vendored copy.
LEAFLET_VERSION = "1.9.4"

#: sha256 of the vendored files; checked before they are inlined.
VENDOR_SHA256: dict[str, str] = {
    "leaflet/leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    "leaflet/leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
    "leaflet/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
    "leaflet/layers-2x.png": "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
}


def _vendor_bytes(name: str) -> bytes:
    data = resources.files("afweging.maps").joinpath("vendor", *name.split("/")).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != VENDOR_SHA256[name]:
        raise RuntimeError(
            f"The vendored file afweging/maps/vendor/{name} has sha256 {digest}, expected "
            f"{VENDOR_SHA256[name]}. Reinstall afweging or restore the file from git."
        )
    return data


def data_uri(data: bytes, mime: str) -> str:
    """A ``data:`` URI for inlining an image or font into HTML or CSS.

    Examples
    --------
    >>> data_uri(b"<svg/>", "image/svg+xml")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """The Leaflet JavaScript, to be put inside a ``<script>`` element."""
    return _vendor_bytes("leaflet/leaflet.js").decode("utf-8")


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """The Leaflet CSS with its images inlined, to be put inside a ``<style>`` element.

    The layer-control icons become data URIs; the default-marker image path (only used by
    ``L.Icon.Default``, which afweging never draws) is removed so the page makes no
    request at all.
    """
    css = _vendor_bytes("leaflet/leaflet.css").decode("utf-8")
    for png in ("layers.png", "layers-2x.png"):
        uri = data_uri(_vendor_bytes(f"leaflet/{png}"), "image/png")
        css = css.replace(f"url(images/{png})", f"url({uri})")
    css = css.replace("url(images/marker-icon.png)", "none")
    return css


def js_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (no ``</script>`` break-out).

    Examples
    --------
    >>> js_json({"a": "</script>"})
    '{"a":"<\\\\/script>"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
