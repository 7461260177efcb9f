"""kaart.html and rapport.html in headless Chromium with networking off: the map container,
the buurten, the legend and the layer control render, and no JavaScript error occurs.

Skipped cleanly where no Chromium binary is found (tests/_chromium.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from _chromium import dom, render, require_chromium
from _maps_data import maps_run, results
from PIL import Image

from afweging.maps.interactive import TILES

pytestmark = pytest.mark.browser

#: Hosts of the optional background tiles: their failed loads are the offline case the
#: map handles (it switches the tiles off and says so); nothing else may fail.
_TILE_HOSTS = tuple(re.match(r"https://[^/]+", url).group(0) for url, _ in TILES.values())  # type: ignore[union-attr]


def _js_errors(errors: list[str]) -> list[str]:
    return [e for e in errors if not (e.startswith("resource failed: ") and
                                      e[len("resource failed: "):].startswith(_TILE_HOSTS))]


def _screenshot_stats(png: Path) -> tuple[float, int]:
    """(share of pixels that differ from the most common colour, number of colours)."""
    with Image.open(png) as im:
        px = np.asarray(im.convert("RGB")).astype(np.int32)
    packed = ((px[..., 0] << 16) | (px[..., 1] << 8) | px[..., 2]).ravel()
    codes, counts = np.unique(packed, return_counts=True)
    return 1.0 - counts.max() / packed.size, len(codes)


@pytest.fixture(scope="module")
def demo_out(demo, tmp_path_factory) -> Path:
    require_chromium()
    out, _, _ = maps_run(results(demo, "demo"), "demo", tmp_path_factory.mktemp("uitvoer"))
    return Path(out)


def test_kaart_renders_offline_without_js_errors(demo_out, tmp_path):
    result = render(demo_out / "kaart.html", tmp_path / "kaart.png", window_size=(1400, 900))
    assert _js_errors(result.errors) == [], result.errors
    changed, colours = _screenshot_stats(tmp_path / "kaart.png")
    assert changed > 0.3 and colours > 100


def test_kaart_dom_has_map_buurten_legend_and_controls(demo_out, demo):
    page = dom(demo_out / "kaart.html")
    assert 'class="folium-map leaflet-container' in page
    # one SVG path per buurt of the choropleth (plus wijk lines, outlines...)
    assert page.count('class="leaflet-interactive"') >= len(demo.buurten)
    legend = re.search(r'<div class="afw-box afw-legend[^"]*" id="afw-legend"[^>]*>(.*?)</div></div>', page, re.S)
    assert legend is not None
    assert "Balansscore, alle thema's (0–1)" in legend.group(1)
    assert "afw-sw" in legend.group(1)
    assert "leaflet-control-layers" in page and "Barcode: balansscore" in page
    assert 'id="afw-title"' in page
    # offline: the background tiles switched themselves off and the map says so
    assert 'id="afw-offline"' in page and "niet bereikbaar" in page


def test_rapport_renders_without_errors(demo_out, tmp_path):
    result = render(demo_out / "rapport.html", tmp_path / "rapport.png", window_size=(1200, 2400))
    assert result.errors == []
    changed, colours = _screenshot_stats(tmp_path / "rapport.png")
    assert changed > 0.05 and colours > 50
    page = dom(demo_out / "rapport.html")
    assert page.count("<svg") >= 2 and "Prioriteiten" in page


@pytest.mark.utrecht
def test_utrecht_kaart_in_the_browser(utrecht_area, tmp_path_factory, tmp_path):
    require_chromium()
    r = results(utrecht_area, "utrecht")
    t0 = time.perf_counter()
    out, files, _ = maps_run(r, "utrecht", tmp_path_factory.mktemp("utrecht"))
    elapsed = time.perf_counter() - t0
    kaart = Path(out) / "kaart.html"
    assert kaart.stat().st_size < 30e6
    names = {Path(f).name for f in files}
    assert {"kaart.html", "rapport.html", "balansscore.png", "prioriteit_speelplek.png"} <= names
    assert elapsed < 60
    result = render(kaart, tmp_path / "utrecht.png", window_size=(1400, 1000), timeout_s=180)
    assert _js_errors(result.errors) == [], result.errors
    page = dom(kaart, timeout_s=180)
    assert page.count('class="leaflet-interactive"') >= len(utrecht_area.buurten)
    # 600+ playgrounds are shown as cluster bubbles at city zoom
    assert len(re.findall(r'<div class="[^"]*\bafw-cluster\b[^"]*"', page)) >= 5
    assert 'id="afw-legend"' in page
