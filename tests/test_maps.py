"""The interactive map (kaart.html) and the shared map machinery: classification, labels,
vendored assets, source lines. Browser rendering is in test_maps_browser.py."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _chromium import external_references
from _maps_data import results
from shapely.geometry import Point, box

from afweging._errors import MissingColumnError, UnknownCategoryError, UnknownModeError
from afweging.geo.area import Area, Provenance
from afweging.maps import _assets, explore, write_map
from afweging.maps._adapt import priority_flags, theme_scores
from afweging.maps._classify import ClassificationError, classify, decimals_for, score_bins
from afweging.maps._labels import describe
from afweging.maps._source import source_text
from afweging.maps.interactive import OfflineMap, default_isochrone_points, legend_html


# ----------------------------------------------------------------------------- fixtures
def _tiny_area(**kwargs) -> Area:
    """Three 500 m buurten side by side near Utrecht centre, in two wijken."""
    codes = ["BU01", "BU02", "BU03"]
    buurten = gpd.GeoDataFrame(
        {
            "buurtnaam": ["Noord", "Midden", "Zuid"],
            "wijkcode": ["WK1", "WK1", "WK2"],
            "a_inw": [1000.0, 2000.0, np.nan],
            "a_woning": [500.0, 900.0, np.nan],
            "a_00_14": [150.0, 300.0, np.nan],
            "a_65_oo": [100.0, 400.0, np.nan],
        },
        geometry=[box(136000 + 500 * i, 455000, 136500 + 500 * i, 455500) for i in range(3)],
        index=pd.Index(codes, name="buurtcode"),
        crs="EPSG:28992",
    )
    return Area("Proefstad", buurten, **kwargs)


@pytest.fixture(scope="module")
def demo_results(demo):
    return results(demo, "demo")


@pytest.fixture(scope="module")
def demo_map_html(demo_results, tmp_path_factory) -> str:
    r = demo_results
    path = tmp_path_factory.mktemp("kaart") / "kaart.html"
    write_map(r.area, path, layers=r.layers, reach=r.reach, scores=r.scores,
              priorities=r.priorities, barcode_href="barcode.html")
    return path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- assets
def test_vendored_leaflet_matches_its_checksums():
    for name, digest in _assets.VENDOR_SHA256.items():
        data = (Path(_assets.__file__).parent / "vendor" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
    assert "Leaflet 1.9.4" in _assets.leaflet_js()[:200]


def test_leaflet_css_has_its_images_inlined():
    css = _assets.leaflet_css()
    assert "url(images/" not in css
    assert css.count("data:image/png;base64,") == 2  # layers.png and layers-2x.png


def test_js_json_cannot_close_the_script_element():
    text = _assets.js_json({"naam": "</script><script>alert(1)</script>"})
    assert "</script>" not in text
    assert json.loads(text.replace("<\\/", "</"))["naam"].startswith("</script>")


# ----------------------------------------------------------------------------- classes
def test_classify_fisher_jenks_separates_obvious_groups():
    values = pd.Series([1.0, 1.2, 0.9, 10.0, 10.5, 30.0, np.nan])
    c = classify(values, k=3, decimals=1)
    assert c.index.tolist() == [0, 0, 0, 1, 1, 2, -1]
    assert c.labels == ["0,9 – 1,2", "1,2 – 10,5", "10,5 – 30,0"]
    assert c.nodata == 1
    assert c.legend_items()[-1] == ("#d9d9d9", "geen gegevens")
    assert len(set(c.colors)) == 3


def test_classify_few_distinct_values_gives_one_class_per_value():
    c = classify(pd.Series([0.0, 2.0, 2.0, 5.0]), k=5)
    assert c.labels == ["0", "2", "5"]
    assert c.index.tolist() == [0, 1, 1, 2]


def test_classify_fixed_bins_open_last_class_and_inf():
    c = classify(pd.Series([1.0, 3.0, 40.0, np.inf]), bins=[2.5, 5.0, 10.0])
    assert c.index.tolist() == [0, 1, 2, 3]
    assert c.labels[-2] == "meer dan 5,0"
    assert c.labels[-1] == "niet bereikbaar"


def test_classify_booleans_and_scores():
    c = classify(pd.Series([True, False, None], dtype="boolean"))
    assert c.labels == ["nee", "ja"] and c.index.tolist() == [1, 0, -1]
    bins, labels = score_bins()
    s = classify(pd.Series([0.1, 1.0, 0.85]), bins=bins, labels=labels)
    assert [s.labels[i] for i in s.index] == ["0 – 0,2", "1 (norm gehaald)", "0,8 – 1"]


def test_classify_refuses_bad_requests():
    with pytest.raises(ClassificationError, match="Unknown scheme"):
        classify(pd.Series([1.0, 2.0]), scheme="jenks")
    with pytest.raises(ClassificationError, match="increase strictly"):
        classify(pd.Series([1.0, 2.0]), bins=[5.0, 2.0])
    with pytest.raises(ClassificationError, match="labels for"):
        classify(pd.Series([1.0, 2.0]), bins=[1.0, 2.0], labels=["a"])


def test_decimals_follow_the_range():
    assert decimals_for(np.array([0.0, 400.0])) == 0
    assert decimals_for(np.array([10.0, 22.0])) == 1
    assert decimals_for(np.array([0.1, 0.6])) == 2


# ----------------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    ("column", "label", "unit"),
    [
        ("green_m2_per_dwelling", "Openbaar groen per woning", "m² per woning"),
        ("reach_bike_supermarkt_pct_within_10min", "Bewoners met supermarkt binnen 10 min fietsen",
         "% van de bewoners"),
        ("reach_walk_speelplek_median_min", "Mediane reistijd naar speelplek (lopen)", "min"),
        ("reach_walk_pct_all_categories_within_10min",
         "Bewoners met alle dagelijkse voorzieningen binnen 10 min lopen", "% van de bewoners"),
        ("fac_huisarts_per_1000_inh", "Huisarts per 1.000 inwoners", "per 1.000 inwoners"),
        ("walk_min_speelplek", "Minuten lopen naar speelplek", "min"),
    ],
)
def test_describe_gives_dutch_labels_and_units(column, label, unit):
    info = describe(column)
    assert (info.label, info.unit) == (label, unit)


def test_describe_takes_method_and_specific_unit_from_a_methods_table():
    methods = pd.DataFrame(
        {"layer": ["x", "x"], "unit": ["dB Lden", "%"], "method": ["proxy", "measured"],
         "source": ["s", "s"], "description": ["d", "d"]},
        index=pd.Index(["noise_lden_mean_at_homes_db", "my_new_pct"], name="indicator"),
    )
    info = describe("noise_lden_mean_at_homes_db", methods)
    assert info.method == "benadering (proxy)"
    assert describe("my_new_pct", methods).unit == "%"
    assert describe("my_new_pct", methods).method == "gemeten"


# ----------------------------------------------------------------------------- sources
def test_source_text_credits_osm_once_and_names_files():
    area = _tiny_area(provenance={
        "statistics": Provenance("CBS Kerncijfers wijken en buurten 2023"),
        "facilities": Provenance("OpenStreetMap (ODbL)"),
        "homes": Provenance("OpenStreetMap buildings (ODbL)"),
        "lines:cycleways": Provenance("fietspaden.gpkg"),
    })
    text = source_text(area)
    assert text == ("Bron: CBS Kerncijfers wijken en buurten 2023; fietspaden (fietspaden.gpkg); "
                    "© OpenStreetMap-bijdragers (ODbL). Bewerking: afweging.")
    assert source_text(area, ["statistics"]).count("OpenStreetMap") == 0


# ----------------------------------------------------------------------------- adapters
def test_priority_flags_from_a_plain_table_and_errors():
    table = pd.DataFrame({"question": ["speelplek", "speelplek"], "buurtcode": ["BU02", "BU01"],
                          "reason": ["veel kinderen ver weg", "weinig groen"]})
    flags = priority_flags(table)
    assert flags is not None
    assert flags.flags["rank"].tolist() == [1, 2]
    assert flags.questions == {"speelplek": "Speelplek"}
    assert priority_flags(None) is None
    with pytest.raises(TypeError, match="lack column"):
        priority_flags(pd.DataFrame({"question": ["x"]}))
    with pytest.raises(TypeError, match="PriorityResult"):
        priority_flags(object())
    with pytest.raises(TypeError, match="BarcodeScores"):
        theme_scores(object(), _tiny_area())


# ----------------------------------------------------------------------------- the map
def test_map_without_results_still_works_and_says_what_is_missing(tmp_path):
    area = _tiny_area()
    fmap = explore(area, tiles=False)
    assert isinstance(fmap, OfflineMap)
    html = write_map(area, tmp_path / "kaart.html", tiles=False).read_text(encoding="utf-8")
    assert "Geen themascores" in html
    assert "Geen lagen berekend" in html
    assert "Geen kleuring (alleen buurtgrenzen)" in html
    assert "tile.openstreetmap.org" not in html and "service.pdok.nl" not in html
    assert external_references(html) == []


def test_demo_map_is_self_contained(demo_map_html):
    html = demo_map_html
    assert external_references(html) == []
    # none of folium's CDN resources, and no jQuery-dependent code
    for cdn in ("cdn.jsdelivr.net", "code.jquery.com", "bootstrapcdn", "cdnjs.cloudflare.com"):
        assert cdn not in html
    assert not re.search(r"\$\(", html.split("var afw = (function")[1])
    assert html.startswith("<!DOCTYPE html>") and '<html lang="nl">' in html
    assert "Leaflet 1.9.4" in html


def test_demo_map_has_choropleths_legends_and_layers(demo_map_html, demo_results):
    html = demo_map_html
    # theme scores with the barcode labels, and the legend in Dutch with units
    for theme in demo_results.scores.norms.themes.values():
        if demo_results.scores.buurt.themes[theme.id].notna().any():
            assert f"Barcode: {theme.label}" in html
    assert "Barcode: balansscore" in html
    assert "1 (norm gehaald)" in html
    assert "Openbaar groen per woning (m² per woning)" in html
    assert "Methode: gemeten." in html
    assert "Bewoners met alle dagelijkse voorzieningen binnen 10 min lopen" in html
    # priorities with their reasons, facilities, homes, wijken, background tiles
    for label in demo_results.priorities.labels.values():
        assert f"Prioriteit: {label}" in html
    reason = demo_results.priorities.flags["reason"].iloc[0]
    assert json.dumps(reason, ensure_ascii=False)[1:40] in html
    assert "Voorzieningen: Speelplek" in html
    assert "Woningen: minuten lopen naar speelplek" in html
    assert "Wijkgrenzen" in html
    assert "Achtergrondkaart PDOK grijs (online)" in html
    assert "L.control.layers(" in html
    # popups carry the compact barcode and a link to the full barcode
    assert html.count("afw-minibarcode") == len(demo_results.area.buurten)
    assert "barcode.html#" in html


def test_demo_homes_are_dots_or_cells(demo_results, tmp_path):
    r = demo_results
    n = len(r.area.homes)
    assert n < 15_000
    dots = write_map(r.area, tmp_path / "a.html", reach=r.reach, tiles=False).read_text("utf-8")
    assert "afw.dots(" in dots and f"{n:,}".replace(",", ".") + " woningen" in dots
    cells = write_map(r.area, tmp_path / "b.html", reach=r.reach, tiles=False,
                      max_home_points=100, cell_m=200).read_text("utf-8")
    assert "afw.cells(" in cells and "cellen van 200 × 200 m" in cells
    assert len(cells) < len(dots)


def test_isochrones_from_points(demo_results, tmp_path):
    r = demo_results
    points = default_isochrone_points(r.area, priorities=r.priorities)
    assert {mode for _, _, mode in points} == {"walk", "bike"}
    top = r.priorities.flags.sort_values("rank")["buurtcode"].iloc[0]
    assert r.area.buurten.loc[top].geometry.contains(points[0][1])
    html = write_map(r.area, tmp_path / "k.html", isochrones=points[:1], isochrone_minutes=(5,),
                     tiles=False).read_text("utf-8")
    assert "Isochronen: bereikbaar over straten" in html
    assert "binnen 5 min" in html


def test_bad_map_requests_are_refused(demo_results):
    r = demo_results
    with pytest.raises(UnknownModeError, match="walk"):
        explore(r.area, mode="car")
    with pytest.raises(UnknownCategoryError, match="zwembad"):
        explore(r.area, reach=r.reach, category="zwembad")
    with pytest.raises(MissingColumnError, match="neither the layers"):
        explore(r.area, layers=r.layers, indicators=["green_m2_per_dwellings"])
    with pytest.raises(ValueError, match="cell_m"):
        explore(r.area, cell_m=0)
    bad = gpd.GeoDataFrame({"x": [1]}, geometry=[Point(0, 0).buffer(10)], crs="EPSG:28992")
    with pytest.raises(MissingColumnError, match="minutes"):
        explore(r.area, isochrones=bad)


def test_chosen_indicators_only(demo_results, tmp_path):
    r = demo_results
    html = write_map(r.area, tmp_path / "k.html", layers=r.layers, tiles=False,
                     indicators=["housing_corporation_pct"]).read_text("utf-8")
    assert "Wonen: Corporatiebezit" in html
    assert "Groen: Openbaar groen per woning" not in html


def test_legend_html_escapes_text():
    text = legend_html("<b>x</b>", [("#fff", "a < b")], meta=["c & d"])
    assert "<b>x</b>" not in text and "a &lt; b" in text and "c &amp; d" in text
