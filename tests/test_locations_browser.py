"""The location choice on kaart.html in headless Chromium (networking off): the chosen sites
are drawn where they are, numbered in the order of marginal gain, with their legend and
both layers (optimal, greedy) in the layer control, and no JavaScript error occurs.

Skipped cleanly where no Chromium binary is found (tests/_chromium.py)."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from _chromium import dom, render, require_chromium
from _maps_data import results
from pyproj import Transformer

from afweging.analyses.locations import choose_locations

pytestmark = pytest.mark.browser

_MARKER = re.compile(r'<div class="leaflet-marker-icon afw-site[^"]*"[^>]*?transform: translate3d\('
                     r'(-?\d+(?:\.\d+)?)px, (-?\d+(?:\.\d+)?)px, 0px\)[^>]*><span[^>]*>(\d+)</span></div>')


@pytest.fixture(scope="module")
def page(demo, tmp_path_factory):
    require_chromium()
    from afweging.maps import write_map

    r = results(demo, "demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        choice = choose_locations(demo, question="speelplek", n=4, layers=r.layers, reach=r.reach,
                                  priorities=r.priorities)
    out = tmp_path_factory.mktemp("locaties")
    path = write_map(demo, out / "kaart.html", layers=r.layers, reach=r.reach, priorities=r.priorities,
                     locations=choice, tiles=False, barcodes=False)
    return choice, Path(path), dom(path)


def test_chosen_sites_are_drawn_where_they_are(page) -> None:
    choice, _, html = page
    markers = _MARKER.findall(html)
    # the optimal layer is on at opening, the greedy one off: one marker per chosen site
    assert sorted(int(m[2]) for m in markers) == list(range(1, len(choice.sites) + 1))
    px = np.array([[float(m[0]), float(m[1])] for m in sorted(markers, key=lambda m: int(m[2]))])
    # Leaflet places a marker at its Web Mercator position times 256 * 2^zoom / (2 pi R):
    # the offsets between markers must be the sites' offsets at one whole zoom level
    to_merc = Transformer.from_crs("EPSG:28992", "EPSG:3857", always_xy=True)
    sites = choice.sites.sort_values("rank")
    mx, my = to_merc.transform(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    d_merc = np.column_stack([mx - mx[0], -(my - my[0])])
    d_px = px - px[0]
    far = int(np.argmax(np.hypot(*d_merc.T)))
    scale = np.hypot(*d_px[far]) / np.hypot(*d_merc[far])
    zoom = math.log2(scale * 2 * math.pi * 6378137.0 / 256)
    assert abs(zoom - round(zoom)) < 0.01
    exact = 256 * 2 ** round(zoom) / (2 * math.pi * 6378137.0)
    assert np.abs(d_px - exact * d_merc).max() <= 1.5  # whole pixels


def test_legend_and_layer_control(page) -> None:
    choice, _, html = page
    c = choice.comparison
    assert "Locatiekeuze speelplek: exact optimaal" in html  # the legend of the shown layer
    assert f"{len(choice.sites)} locaties" in html
    # both layers can be switched on in the layer control
    control = re.search(r'<div class="leaflet-control-layers[^"]*".*?</section></div>', html, re.S)
    assert control is not None
    assert "Locatiekeuze speelplek: optimaal" in control.group(0)
    assert "Locatiekeuze speelplek: gretig" in control.group(0)
    assert c["status"] == "optimaal"


def test_no_javascript_errors(page, tmp_path) -> None:
    _, path, _ = page
    result = render(path, tmp_path / "kaart.png", window_size=(1200, 800))
    assert result.errors == [], result.errors
