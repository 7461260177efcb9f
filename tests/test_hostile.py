"""Hostile names in the data never run as script in an HTML output and never become a
formula in a CSV.

The demo area gets buurt, wijk, area and facility names that are script injections
(``</script><img src=x onerror=...>``, ``"><svg onload=...>``, ...); a plan and its file
carry such names too. Every HTML output (``kaart.html``, ``barcode.html``,
``rapport.html``, ``plan_check.html``, ``barcode_<jaar>.html``, the locations' map and
report) is then opened in real headless Chromium (Selenium + chromedriver, networking
off): every tooltip and popup is opened, and a sentinel global that each payload would
set stays unset, no alert fires and no JavaScript error occurs. The raw payloads may not
occur in any HTML file at all. Every CSV cell starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is neutralised (:mod:`afweging._csv`).
"""

from __future__ import annotations

import csv
import io
import json
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from _chromium import selenium_chrome

from afweging._csv import FORMULA_START, csv_bytes, safe_cell, spreadsheet_safe

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "examples" / "plan_demostad.geojson"

#: Each payload sets ``window.afwXss`` (or raises an alert) when it runs as HTML/script.
PAYLOADS = (
    "</script><img src=x onerror=window.afwXss=1>",
    '"><svg onload=window.afwXss=2>',
    "'><img src=x onerror=window.afwXss=3>",
    '=HYPERLINK("http://x.invalid","klik")<script>window.afwXss=4</script>',
    "+1<iframe srcdoc='<script>parent.afwXss=5</script>'>",
    "@SUM(A1)<img src=x onerror=alert(6)>",
    "-1\t<b onmouseover=window.afwXss=7>",
    "Wijk $x^$ \\frac{1 <img src=x onerror=window.afwXss=8>",  # mathtext in the PNG maps
)

#: Raw pieces that may not appear anywhere in an HTML output.
RAW = ("<img src=x", "<svg onload", "<script>window.afwXss", "<iframe srcdoc", "<b onmouseover")


# ============================================================================ the CSV function
@pytest.mark.parametrize(
    ("value", "expect"),
    [("=1+1", "'=1+1"), ("+31 30 123", "'+31 30 123"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("Oog in Al", "Oog in Al"), ("a=b", "a=b"), ("", ""),
     (-3, -3), (1.5, 1.5), (None, None)],
)
def test_safe_cell(value, expect) -> None:
    assert safe_cell(value) == expect


def test_csv_neutralises_text_cells_and_headers_but_not_numbers() -> None:
    frame = pd.DataFrame({"naam": ["=cmd|' /C calc'!A0", "Zuilen"], "getal": [-1.5, 2.0],
                          "aantal": pd.array([-3, None], dtype="Int64"), "=kop": ["x", "@y"]})
    text = csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [["naam", "getal", "aantal", "'=kop"],
                    ["'=cmd|' /C calc'!A0", "-1,5", "-3", "x"],
                    ["Zuilen", "2,0", "", "'@y"]]
    assert spreadsheet_safe(frame)["getal"].tolist() == [-1.5, 2.0]  # numbers stay numbers
    assert frame["naam"].iloc[0].startswith("=")  # the caller's frame is not changed


def _formula_cells(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    assert not text.startswith("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row
            if cell.startswith(FORMULA_START)]


# ============================================================================ hostile outputs
def _hostile_area(demo):
    area = demo.copy()
    area.name = PAYLOADS[0] + " gemeente"
    b = area.buurten.copy()
    b["buurtnaam"] = [f"{PAYLOADS[i % len(PAYLOADS)]} {i}" for i in range(len(b))]
    area.buurten = b
    w = area.wijken.copy()
    w["wijknaam"] = [f"{PAYLOADS[(i + 1) % len(PAYLOADS)]} w{i}" for i in range(len(w))]
    area.wijken = w
    f = area.facilities.copy()
    keep = f["name"] == "Speelplek Molenwiek"  # the demo scenario closes it by name
    f["name"] = [n if k else PAYLOADS[i % len(PAYLOADS)] for i, (n, k) in enumerate(zip(f["name"], keep, strict=True))]
    area.facilities = f
    return area


@pytest.fixture(scope="module")
def hostile(demo, tmp_path_factory) -> dict[str, Path]:
    """Every command's outputs on the demo area with hostile names: {command: out folder}."""
    import afweging
    from afweging.analyses.locations.command import locations_command_main
    from afweging.analyses.plan.command import plan_command_main
    from afweging.scenarios import scenario
    from afweging.scenarios.demo import demo_scenario

    root = tmp_path_factory.mktemp("vijandig")
    area = _hostile_area(demo)
    doc = json.loads(PLAN.read_text(encoding="utf-8"))
    for i, feat in enumerate(doc["features"]):
        feat["properties"]["naam"] = PAYLOADS[(i + 1) % len(PAYLOADS)]
    plan = root / "<img src=x onerror=window.afwXss=9>.geojson"
    plan.write_text(json.dumps(doc), encoding="utf-8")
    outs = {k: root / k for k in ("run", "plan", "locaties", "scenario")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        afweging.run(area, outs["run"])
        plan_command_main([plan, PLAN], area, outs["plan"])
        locations_command_main("speelplek", 3, area, outs["locaties"])
        sc = demo_scenario(area)
        sc.name = PAYLOADS[1] + " 2040"
        scenario(area, sc).write(outs["scenario"])
    return outs


def _html_files(hostile: dict[str, Path]) -> list[Path]:
    return sorted(p for out in hostile.values() for p in out.glob("*.html"))


def test_every_html_output_is_there(hostile) -> None:
    names = {f"{p.parent.name}/{p.name}" for p in _html_files(hostile)}
    assert {"run/kaart.html", "run/barcode.html", "run/rapport.html", "plan/plan_check.html",
            "locaties/kaart.html", "locaties/rapport.html", "scenario/barcode_2040.html",
            "scenario/rapport.html"} <= names


def test_no_raw_payload_in_any_html_output(hostile) -> None:
    for path in _html_files(hostile):
        text = path.read_text(encoding="utf-8")
        found = [raw for raw in RAW if raw in text]
        assert found == [], f"{path.parent.name}/{path.name}: {found}"
        # the names are there, escaped (or as JSON strings)
        assert "afwXss" in text, path


def test_no_formula_in_any_csv_output(hostile) -> None:
    files = sorted(p for out in hostile.values() for p in out.glob("*.csv"))
    assert {p.name for p in files} >= {"prioriteiten.csv", "locaties.csv", "prioriteiten_2040.csv"}
    for path in files:
        assert _formula_cells(path) == [], path
    text = (hostile["run"] / "prioriteiten.csv").read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK(" in text and "'@SUM(A1)" in text


# ============================================================================ in the browser
webdriver = pytest.importorskip("selenium.webdriver")


@pytest.fixture(scope="module")
def browser():
    with selenium_chrome(ignore_prompts=True) as driver:
        yield driver


#: Adds every layer to the map, then shows the content of every tooltip and popup as
#: Leaflet does (``innerHTML`` of a node in the page) and really opens the first
#: ``OPEN_MAX`` of them (without panning). Returns how many it showed and opened.
#: ``alert`` is recorded instead of shown.
OPEN_MAX = 150
_OPEN_ALL = """
var openMax = arguments[0];
window.afwAlerts = [];
window.alert = function (m) { window.afwAlerts.push(String(m)); };
var shown = 0, opened = 0;
var box = document.createElement('div');
document.body.appendChild(box);
function show(content, layer) {
  if (typeof content === 'function') { content = content(layer); }
  if (typeof content === 'string') { var d = document.createElement('div'); d.innerHTML = content; box.appendChild(d); shown++; }
  else if (content && content.nodeType) { box.appendChild(content.cloneNode(true)); shown++; }
}
if (window.L) {
  var maps = [], layers = [];
  var scopes = [window];
  if (window.studio) { scopes.push(window.studio); }
  scopes.forEach(function (scope) {
    for (var k in scope) {
      try {
        var v = scope[k];
        if (v instanceof L.Map) { if (maps.indexOf(v) < 0) { maps.push(v); } }
        else if (v instanceof L.Layer) { layers.push(v); }
      } catch (e) {}
    }
  });
  maps.forEach(function (map) {
    layers.forEach(function (l) { try { if (!map.hasLayer(l)) { map.addLayer(l); } } catch (e) {} });
    map.eachLayer(function (l) {
      var t = l.getTooltip && l.getTooltip(), p = l.getPopup && l.getPopup();
      if (t) { show(t._content, l); }
      if (p) { show(p._content, l); }
      if ((t || p) && opened < openMax) {
        try {
          var at = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
          if (t) { l.openTooltip(at); l.closeTooltip(); }
          if (p) { p.options.autoPan = false; l.openPopup(at); l.closePopup(); }
          opened++;
        } catch (e) {}
      }
    });
  });
}
document.querySelectorAll('details').forEach(function (d) { d.open = true; });
return [shown, opened];
"""


def _errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "net::ERR_NAME_NOT_RESOLVED" not in e["message"]
            and "x.invalid" not in e["message"]]


def test_no_payload_runs_in_the_browser(hostile, browser) -> None:
    opened = {}
    for path in _html_files(hostile):
        browser.get(path.as_uri())
        assert _errors(browser) == [], path  # while loading
        n, _ = browser.execute_script(_OPEN_ALL, OPEN_MAX)
        time.sleep(0.5)  # failed image loads report (and would run onerror) asynchronously
        opened[f"{path.parent.name}/{path.name}"] = n
        state = browser.execute_script("return [window.afwXss || null, window.afwAlerts || []];")
        assert state == [None, []], f"{path.parent.name}/{path.name}: {state}"
        assert browser.find_elements("css selector", "img[src='x'], svg[onload], iframe[srcdoc]") == [], path
        assert _errors(browser) == [], (path, _errors(browser))
    # the maps really had tooltips and popups to open (buurten, wijken, facilities, sites)
    assert opened["run/kaart.html"] > 2 * 30 and opened["locaties/kaart.html"] > 3, opened


def test_no_payload_runs_in_the_studio(demo, browser) -> None:
    """The studio on the area with hostile names: buurt tooltips and popups, the area's
    name; every text is set as text (textContent), nothing runs."""
    pytest.importorskip("fastapi")
    from _studio import live_server, prepared_studio
    from selenium.webdriver.support.ui import WebDriverWait

    studio = prepared_studio(_hostile_area(demo))
    try:
        with live_server(studio) as url:
            browser.get(url + "/")
            WebDriverWait(browser, 120).until(
                lambda d: d.find_element("tag name", "body").get_attribute("data-klaar") == "1")
            shown, opened = browser.execute_script(_OPEN_ALL, OPEN_MAX)
            time.sleep(0.5)
            state = browser.execute_script("return [window.afwXss || null, window.afwAlerts || []];")
            page = browser.page_source
            errors = _errors(browser)
    finally:
        studio.close()
    assert shown >= len(demo.buurten) and opened > 0
    assert state == [None, []]
    assert browser.find_elements("css selector", "img[src='x'], svg[onload], iframe[srcdoc]") == []
    assert "afwXss" in page  # the names are on the page, as text
    assert errors == [], errors



def test_no_payload_runs_in_the_batch_report(browser, tmp_path) -> None:
    """batch.html with hostile gemeente names, sources, reasons and caveats."""
    from afweging.batch.report import batch_html
    from afweging.batch.task import DONE, FAILED

    statuses = {
        "GM0001": {"status": DONE, "gemeentenaam": PAYLOADS[0], "source": PAYLOADS[1],
                   "caveats": list(PAYLOADS[2:5]), "timings_s": {PAYLOADS[5]: 1.0}},
        "GM0002": {"status": FAILED, "gemeentenaam": PAYLOADS[6], "reason": PAYLOADS[0]},
    }
    page = batch_html(name=PAYLOADS[3], order=["GM0001", "GM0002"], statuses=statuses, skipped=[],
                      ranking_text=PAYLOADS[4], buffer_text=PAYLOADS[5],
                      totals={"klaar": 1, "overgeslagen": 0, "fout": 1, "buurten": 2, "woningen": 3,
                              "seconds": 4.0}, synthetic=True)
    assert [raw for raw in RAW if raw in page] == []
    path = tmp_path / "batch.html"
    path.write_text(page, encoding="utf-8")
    browser.get(path.as_uri())
    browser.execute_script(_OPEN_ALL, OPEN_MAX)
    time.sleep(0.5)
    assert browser.execute_script("return [window.afwXss || null, window.afwAlerts || []];") == [None, []]
    assert "afwXss" in browser.find_element("tag name", "body").text  # shown as text
    assert _errors(browser) == []
