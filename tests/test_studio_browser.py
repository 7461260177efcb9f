"""The studio in real headless Chromium (Selenium + chromedriver, Debian's packages), with
networking off: a polygon is drawn with the drawing tools, its programme filled in the
form, and the result panel shows the numbers :func:`check_plan` gives for the same plan.
No JavaScript error may occur.

Skipped cleanly where Selenium, Chromium or chromedriver is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _chromium import selenium_chrome
from _studio import live_server, prepared_studio

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plan_demostad.geojson"

pytestmark = pytest.mark.browser

webdriver = pytest.importorskip("selenium.webdriver")
pytest.importorskip("fastapi")

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def studio(demo):
    s = prepared_studio(demo)
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser():
    with selenium_chrome() as driver:
        yield driver


def _errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_draw_a_plan_and_see_its_check(studio, browser, demo, tmp_path):
    from afweging.analyses.plan import check_plan
    from afweging.studio.cache import load_baseline

    wait = WebDriverWait(browser, 120)
    with live_server(studio) as url:
        browser.get(url + "/")
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-klaar") == "1")
        assert browser.find_element(By.ID, "gebied").text == demo.name
        # the buurten are on the map, one SVG path each
        assert len(browser.find_elements(By.CSS_SELECTOR, "#kaart path.leaflet-interactive")) >= len(demo.buurten)

        # draw a polygon with Geoman's tool: four clicks, then the first vertex again
        browser.find_element(By.CSS_SELECTOR, ".leaflet-pm-icon-polygon").click()
        kaart = browser.find_element(By.ID, "kaart")
        w, h = kaart.size["width"], kaart.size["height"]
        corners = [(-40, -40), (40, -40), (40, 40), (-40, 40), (-40, -40)]
        for dx, dy in corners:  # offsets from the centre of the map
            ActionChains(browser).move_to_element_with_offset(kaart, dx, dy).click().perform()
        assert w > 200 and h > 200
        wait.until(ec.visibility_of_element_located((By.ID, "formulierblok")))

        # fill the programme
        for field, value in (("f-woningen", "300"), ("f-sociale_huur_pct", "40"), ("f-naam", "Blok Noord")):
            box = browser.find_element(By.ID, field)
            box.clear()
            box.send_keys(value)
        wait.until(lambda d: d.find_element(By.ID, "r-woningen").text == "300"
                   and d.find_element(By.ID, "uitkomst").is_displayed()
                   and not d.find_element(By.ID, "bezig").is_displayed())
        wait.until(lambda d: "Blok Noord" in d.execute_script(
            "return JSON.stringify(window.studio.resultPlan)"))
        shown = {k: browser.find_element(By.ID, k).text
                 for k in ("r-woningen", "r-bewoners", "r-binnen", "r-aantal-tekorten")}
        tekorten = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#r-tekorten li")]
        plan = json.loads(browser.execute_script("return JSON.stringify(window.studio.resultPlan)"))
        stripes = browser.execute_script(
            "return Array.from(document.querySelectorAll('#r-streepjes .eenheid')).map(function (u) {"
            "  return [u.getAttribute('data-code'), Array.from(u.querySelectorAll('.streeprij')).map(function (r) {"
            "    return Array.from(r.querySelectorAll('.streep')).map(function (s) {"
            "      return [s.getAttribute('data-norm'), s.getAttribute('data-status'),"
            "              s.classList.contains('veranderd')]; }); })]; });")
        browser.save_screenshot(str(tmp_path / "studio.png"))
        # the download is the file `afweging plan` writes, byte for byte (the live answer is compact)
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        browser.find_element(By.ID, "download-json").click()
        wait.until(lambda d: (downloads / "plan_check.json").exists()
                   and not list(downloads.glob("*.crdownload")))
        downloaded = (downloads / "plan_check.json").read_bytes()
        # delete the polygon: the plan is empty, the result panel goes
        browser.find_element(By.ID, "object-verwijderen").click()
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#objecten li").get_attribute("class") == "leeg"
                   and not d.find_element(By.ID, "uitkomst").is_displayed())
        assert browser.execute_script("return window.studio.plan.getLayers().length") == 0
        errors = _errors(browser)

    # the same plan checked directly
    assert [f["properties"]["naam"] for f in plan["features"]] == ["Blok Noord"]
    path = tmp_path / f"{plan['name']}.geojson"  # the studio names the plan file after the plan
    path.write_text(json.dumps(plan), encoding="utf-8")
    base = load_baseline(studio.baseline.pickle_path)  # the baseline the workers hold
    check = check_plan(base.area, path, baseline=base)
    from afweging.analyses.plan.report import checks_json

    assert downloaded == checks_json([check]).encode("utf-8")
    q = check.quantities
    assert q.dwellings_new == 300 and q.social_rent == pytest.approx(120)
    nb = check.new_residents
    assert shown["r-woningen"] == f"{q.dwellings_net:,.0f}".replace(",", ".")
    assert shown["r-bewoners"] == f"{nb['inwoners']:,.0f}".replace(",", ".")
    walk = nb["per_modus"]["walk"]["pct_alles_binnen"]
    assert shown["r-binnen"] == f"{walk:.1f} %".replace(".", ",")
    assert shown["r-aantal-tekorten"] == str(len(check.shortfalls))
    assert tekorten == (list(check.shortfalls) or ["Geen tekorten: het plan voldoet aan de normen."])
    # the barcode stripes: per unit a row before and after, one stripe per norm, with the
    # statuses of the direct check; a stripe whose status changes is marked
    expected = check.to_dict()["barcode"]
    assert [code for code, _ in stripes] == sorted(expected)
    for code, (before, after) in stripes:
        norms = expected[code]["normen"]
        assert [n for n, _, _ in before] == [n for n, _, _ in after] and set(norms) == {n for n, _, _ in after}
        assert {n: s for n, s, _ in before} == {n: r["status_voor"] for n, r in norms.items()}
        assert {n: s for n, s, _ in after} == {n: r["status_na"] for n, r in norms.items()}
        assert {n for n, _, marked in after if marked} == {
            n for n, r in norms.items() if r["status_na"] != r["status_voor"]}
    assert errors == [], errors


def test_upload_variants_and_names_shown_as_text(studio, browser, tmp_path):
    """A plan file loaded with the upload button: its points are drawn as dots (no image
    files), a name holding HTML is shown as text (no element made of it), two variants
    are compared side by side, and no JavaScript error or failed load occurs."""
    evil = '<img src=x id=boef onerror="document.title=\'geraakt\'">'
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["naam"] = evil
    plan = tmp_path / "met html.geojson"
    plan.write_text(json.dumps(doc), encoding="utf-8")
    wait = WebDriverWait(browser, 120)
    with live_server(studio) as url:
        browser.get(url + "/")
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-klaar") == "1")
        browser.find_element(By.ID, "upload").send_keys(str(plan))
        wait.until(lambda d: d.find_element(By.ID, "r-woningen").text == "800")
        assert len(browser.find_elements(By.CSS_SELECTOR, ".afw-punt")) == 2
        # the buurten the plan changes are outlined (stroke width 2.5)
        outlined = browser.execute_script(
            "var n = 0; window.studio.buurten.eachLayer(function (l) { if (l.options.weight === 2.5) { n++; } });"
            "return n;")
        changed = browser.execute_script("return JSON.parse(window.studio.resultText).varianten[0].buurten_veranderd.length")
        assert outlined == changed > 0
        items = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#objecten li")]
        assert any(evil in t for t in items)
        assert browser.find_elements(By.ID, "boef") == [] and browser.title != "geraakt"
        assert browser.find_element(By.ID, "plannaam").get_attribute("value") == "met html"
        # two variants: as loaded, and with fewer dwellings
        browser.find_element(By.ID, "variant-opslaan").click()
        browser.find_element(By.CSS_SELECTOR, "#objecten li").click()
        box = browser.find_element(By.ID, "f-woningen")
        box.clear()
        box.send_keys("400")
        wait.until(lambda d: d.find_element(By.ID, "r-woningen").text == "400")
        browser.find_element(By.ID, "plannaam").clear()
        browser.find_element(By.ID, "plannaam").send_keys("klein")
        browser.find_element(By.ID, "variant-opslaan").click()
        browser.find_element(By.ID, "vergelijk").click()
        wait.until(lambda d: d.find_element(By.ID, "vergelijking").is_displayed())
        head = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#vergelijking-tabel th")]
        first_row = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#vergelijking-tabel tbody tr:first-child td")]
        errors = _errors(browser)
    assert head == ["", "met html", "klein"]
    assert first_row == ["Nieuwe woningen", "800", "400"]
    assert errors == [], errors
