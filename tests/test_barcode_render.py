"""Barcode pictures: SVG structure, the self-contained barcode.html, a real browser, Utrecht."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from _chromium import dom, external_references, render
from test_barcode import tiny_area, tiny_layers

from afweging.barcode import picture, render_svg, score, write_barcode_html
from afweging.barcode.render import COLOURS

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def scores():
    return score(tiny_area(), tiny_layers())


def test_svg_has_one_stripe_per_norm_with_status_and_tooltip(scores):
    svg = render_svg(scores, "BU02")
    root = ET.fromstring(svg)  # well-formed XML
    stripes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "streep"]
    assert [g.get("data-norm") for g in stripes] == scores.norm_ids()
    by_norm = {g.get("data-norm"): g for g in stripes}
    green = by_norm["groen_m2_per_woning"]
    assert green.get("data-status") == "voldoet niet"
    assert green.find(f"{SVG}rect").get("fill") == COLOURS["voldoet niet"]
    tip = green.find(f"{SVG}title").text
    assert "Waarde: 30 m² per woning" in tip
    assert "Norm: ≥ 75 m² per woning (richtlijn" in tip
    assert "Bron: Richtlijn 75 m² openbaar groen per woning" in tip
    # no data: grey hatched; proxy: dashed outline
    heat = by_norm["hitte_koele_plek_300m"].find(f"{SVG}rect")
    assert heat.get("fill").startswith("url(#hatch_")
    housing = by_norm["wonen_sociale_huur_35"]
    assert housing.get("data-proxy") == "1"
    assert housing.find(f"{SVG}rect").get("stroke-dasharray") == "5 3"
    # Dutch labels and legend
    texts = [t.text for t in root.iter(f"{SVG}text") if t.text]
    assert "Openbaar groen per woning" in texts and "geen gegevens" in texts
    assert "Buurt Zuid " in texts


def test_svg_for_wijk_and_city_and_notebook_repr(scores):
    w = render_svg(scores, "WK01")
    assert "Wijk Centrum" in w and "Dekking: 100 %" in w
    c = picture(scores, "stad")
    assert "Gemeente Testdorp" in c._repr_html_()
    assert scores._repr_html_().count("<svg") == 1


def test_barcode_html_is_self_contained(scores, tmp_path: Path):
    path = write_barcode_html(scores, tmp_path / "barcode.html")
    text = path.read_text(encoding="utf-8")
    assert text.count("<svg") == 1 + 2 + 3  # city, two wijken, three buurten
    assert external_references(text) == []
    assert "<script" not in text
    for code in ("BU01", "BU02", "BU03", "WK01", "WK02", "GM9999"):
        assert f"id='{code}'" in text or code in text
    assert "Normen en bronnen" in text
    for n in scores.norms:
        assert n.source.document.split(",")[0][:40].replace("'", "&#x27;") in text


def test_barcode_html_with_sensitivity_section(scores, tmp_path: Path):
    from afweging.barcode import sensitivity

    result = sensitivity(scores, perturbation=0.0, draws=5, seed=3)
    text = write_barcode_html(scores, tmp_path / "b.html", sensitivity=result).read_text("utf-8")
    assert "Gevoeligheid van de rangorde" in text
    assert "0 van de 3 buurten zijn gevoelig" in text
    assert "<td>1</td><td><a href='#BU03'>Oost</a></td>" in text


def test_chromium_helper_reports_errors_and_external_loads(tmp_path: Path):
    page = tmp_path / "fout.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p>"
        "<img src='https://voorbeeld.invalid/plaatje.png'>"
        "<script>console.error('kapot'); bestaatNiet();</script></body></html>",
        encoding="utf-8",
    )
    assert external_references(page.read_text()) == ["https://voorbeeld.invalid/plaatje.png"]
    result = render(page, tmp_path / "fout.png", window_size=(400, 300))
    joined = " | ".join(result.errors)
    assert "console.error: kapot" in joined
    assert "bestaatNiet is not defined" in joined
    assert "resource failed: https://voorbeeld.invalid/plaatje.png" in joined
    assert (tmp_path / "fout.png").stat().st_size > 0
    assert not list(tmp_path.glob(".*chromium-probe*"))  # the probe copy is removed


def _has_colour(png: Path, hex_colour: str, tol: int = 12) -> bool:
    import matplotlib.image as mpimg

    img = (mpimg.imread(png)[:, :, :3] * 255).astype(int)
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(img - target).max(axis=2) <= tol).any())


@pytest.mark.browser
def test_barcode_html_opens_in_chromium(scores, tmp_path: Path):
    path = write_barcode_html(scores, tmp_path / "barcode.html")
    png = tmp_path / "barcode.png"
    result = render(path, png)
    assert result.errors == []
    # the city barcode is drawn: green (groen 0,85 is amber), amber and red stripes visible
    assert _has_colour(png, COLOURS["bijna"])
    assert _has_colour(png, COLOURS["voldoet niet"])
    html = dom(path)
    assert html.count('class="barcode"') == 6


# ----------------------------------------------------------------------------- Utrecht
@pytest.fixture(scope="module")
def utrecht_scores(utrecht_area):
    from afweging.analyses.reach.reachability import reachability
    from afweging.layers import compute_layers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # data caveats are tested by the layers/reach tests
        layers = compute_layers(utrecht_area)
        reach = reachability(utrecht_area)
    return score(utrecht_area, layers, reach)


@pytest.mark.utrecht
def test_utrecht_every_buurt_wijk_and_city_has_a_barcode(utrecht_scores, utrecht_area):
    s = utrecht_scores
    assert len(s.buurt) == 111 and len(s.wijk) == 10 and len(s.stad) == 1
    assert s.city_code == "GM0344"
    # every unit has a balance score (parts of the data are missing, never all of it)
    assert s.buurt.overall.notna().sum() >= 110
    assert s.wijk.overall.notna().all() and s.stad.overall.notna().all()
    assert not s.stad.complete.iloc[0]  # no heat/noise raster: incomplete, and says so
    assert s.stad.statuses.iloc[0]["hitte_koele_plek_300m"] == "geen gegevens"
    assert s.stad.statuses.iloc[0]["geluid_who_53db"] == "geen gegevens"
    # the proxies of the Utrecht data are marked
    assert s.methods.loc["wonen_sociale_huur_35", "method"] == "proxy"
    # every stripe's norm has a source
    for nid in s.norm_ids():
        src = s.norms[nid].source
        assert src.document and src.year and (src.page or src.url)
    # the wijk value is the dwelling-weighted mean of the buurt values, then scored
    members = s.buurt.parent[s.buurt.parent == "WK034406"].index
    v = s.buurt.values.loc[members, "wonen_sociale_huur_35"]
    w = utrecht_area.buurten.loc[members, "a_woning"].astype(float)
    ok = v.notna() & w.notna() & (w > 0)
    expected = float((v[ok] * w[ok]).sum() / w[ok].sum())
    assert s.wijk.values.loc["WK034406", "wonen_sociale_huur_35"] == pytest.approx(expected)
    assert s.wijk.scores.loc["WK034406", "wonen_sociale_huur_35"] == pytest.approx(
        min(expected / 35.0, 1.0)
    )


@pytest.mark.utrecht
@pytest.mark.browser
def test_utrecht_barcode_html_in_chromium(utrecht_scores, tmp_path: Path):
    path = write_barcode_html(utrecht_scores, tmp_path / "barcode.html")
    text = path.read_text(encoding="utf-8")
    assert text.count("<svg") == 1 + 10 + 111
    assert external_references(text) == []
    png = tmp_path / "barcode.png"
    result = render(path, png)
    assert result.errors == []
    assert _has_colour(png, COLOURS["voldoet"]) and _has_colour(png, COLOURS["voldoet niet"])
