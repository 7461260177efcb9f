"""rapport.html: one self-contained Dutch file with summary, barcodes, priorities, maps,
method and caveats; and write_maps_and_report, the maps step of `afweging run`."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from _chromium import external_references
from _maps_data import maps_run, results

from afweging._format import nl_int
from afweging.maps import report_html, write_maps_and_report, write_report


@pytest.fixture(scope="module")
def demo_results(demo):
    return results(demo, "demo")


@pytest.fixture(scope="module")
def demo_run(demo_results, tmp_path_factory) -> tuple[Path, list[Path], dict[str, float]]:
    return maps_run(demo_results, "demo", tmp_path_factory.mktemp("uitvoer"))


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.imgs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        d = dict(attrs)
        if "id" in d:
            self.ids.append(d["id"] or "")
        if tag == "img":
            self.imgs.append(d.get("src") or "")


def test_write_maps_and_report_writes_every_map_output(demo_run, demo_results):
    out, files, timings = demo_run
    names = [f.relative_to(out).as_posix() for f in files]
    assert names[:2] == ["kaart.html", "rapport.html"]
    assert "kaarten/balansscore.png" in names
    for q in demo_results.priorities.labels:
        assert f"kaarten/prioriteit_{q}.png" in names
    assert all(f.exists() and f.stat().st_size > 10_000 for f in files)
    assert set(timings) == {"static_maps", "interactive_map", "report"}
    kaart = (out / "kaart.html").read_text("utf-8")
    assert "barcode.html#" in kaart  # popups link to the barcode module's page
    assert "Isochronen" in kaart  # chosen automatically on the demo's networks


def test_report_is_self_contained_and_dutch(demo_run, demo_results):
    out, _, _ = demo_run
    html = (out / "rapport.html").read_text("utf-8")
    assert external_references(html) == []
    assert "<script" not in html.lower()
    p = _Parser()
    p.feed(html)
    assert {"samenvatting", "barcode", "prioriteiten", "kaarten", "methode", "bronnen"} <= set(p.ids)
    # embedded maps are real PNGs
    assert p.imgs and all(src.startswith("data:image/png;base64,") for src in p.imgs)
    png = base64.b64decode(p.imgs[0].split(",", 1)[1])
    assert png.startswith(b"\x89PNG")
    # Dutch text and numbers
    assert '<html lang="nl">' in html
    for text in ("Samenvatting", "De Utrechtse barcode", "Methode en kanttekeningen",
                 "inwoners (CBS", "Open de interactieve kaart", "Bereikbaarheid: dekking van het stratennetwerk"):
        assert text in html, text
    inw = demo_results.area.stat("a_inw").sum()
    assert f"{inw:,.0f}".replace(",", ".") in html
    assert 'href="kaart.html"' in html


def test_report_has_barcodes_priorities_and_methods(demo_run, demo_results):
    out, _, _ = demo_run
    html = (out / "rapport.html").read_text("utf-8")
    r = demo_results
    # the city barcode and one per wijk, from the barcode module's renderer
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="barcode"') == 1 + len(r.scores.wijk)
    # every flagged buurt with its reason
    import html as h

    for reason in r.priorities.flags["reason"]:
        assert h.escape(reason, quote=True) in html
    # method per indicator, with the Dutch method name, and every caveat
    assert "benadering (proxy)" in html or "gemeten" in html
    for caveat in r.layers.caveats + r.reach.warnings:
        assert h.escape(caveat, quote=True) in html
    for mode in r.reach.report.index:
        assert {"walk": "lopen", "bike": "fietsen"}[mode] in html
    # the demo's network homes never take the estimate to a facility off the network: 0 of
    # (network homes × categories with facilities) pairs, in the coverage table
    rep = r.reach.report
    assert "Combinaties geschat naar een voorziening buiten het netwerk" in html
    for mode in rep.index:
        assert rep.loc[mode, "pairs_off_network_closer"] == 0
        n_cats = sum(1 for c in r.reach.categories if r.reach.facility_report.loc[(mode, c), "facilities"])
        assert rep.loc[mode, "pairs_network"] == rep.loc[mode, "homes_network"] * n_cats
        assert f"<td>0 van {nl_int(rep.loc[mode, 'pairs_network'])} (0,0 %)</td>" in html


def test_off_network_pairs_cell_by_hand():
    from afweging.maps.report import _off_network_pairs

    assert _off_network_pairs(pd.Series({"pairs_off_network_closer": 3, "pairs_network": 9})) == "3 van 9 (33,3 %)"
    assert _off_network_pairs(pd.Series({"pairs_off_network_closer": 19_716, "pairs_network": 57_816})) == (
        "19.716 van 57.816 (34,1 %)")
    assert _off_network_pairs(pd.Series({"pairs_off_network_closer": 0, "pairs_network": 0})) == "–"
    assert _off_network_pairs(pd.Series({"homes": 5})) == "–"  # a report without the counts


def test_progress_is_reported_in_dutch(demo, tmp_path):
    steps: list[str] = []
    files = write_maps_and_report(demo, tmp_path, progress=steps.append, isochrones=None)
    assert [f.name for f in files] == ["kaart.html", "rapport.html"]  # no scores: no PNGs
    assert steps == ["Kaarten voor de nota tekenen (kaarten/*.png)",
                     "Interactieve kaart schrijven (kaart.html)", "Rapport schrijven (rapport.html)"]
    with pytest.raises(ValueError, match="isochrones"):
        write_maps_and_report(demo, tmp_path, isochrones="alle")


def test_report_without_results_says_so(demo):
    html = report_html(demo, map_href=None)
    assert "De barcode is niet berekend" in html
    assert "De prioriteiten zijn niet berekend" in html
    assert "De lagen zijn niet berekend" in html
    assert "Open de interactieve kaart" not in html
    assert "synthetische demogebied" in html


def test_report_numbers_are_dutch(demo_results, tmp_path):
    r = demo_results
    path = write_report(r.area, tmp_path / "rapport.html", scores=r.scores)
    html = path.read_text("utf-8")
    city = float(r.scores.stad.overall.iloc[0])
    assert f"{city:.2f}".replace(".", ",") in html
    assert not re.search(r">\d+\.\d{2}<", html)  # no English decimals in table cells


def test_report_names_themes_without_a_map(demo_results):
    import copy

    scores = copy.deepcopy(demo_results.scores)
    scores.buurt.themes["hitte"] = float("nan")
    html = report_html(demo_results.area, scores=scores)
    assert "Geen themakaart voor hitte: geen gegevens in dit gebied" in html
    assert "Geen themakaart" not in report_html(demo_results.area, scores=demo_results.scores)
