"""The studio's HTTP API (FastAPI's TestClient, in-process; the checks run in the studio's
worker processes): the answers equal what ``afweging plan`` computes for the same plan,
every bad plan gets the plan format's Dutch message with 422, large bodies 413, foreign
hosts 400, and no answer ever holds a traceback."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import socket
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from _studio import live_server, prepared_studio
from click.testing import CliRunner
from fastapi.testclient import TestClient

from afweging._errors import PlanError
from afweging.analyses.plan import check_plans, prepare_baseline, read_plan
from afweging.analyses.plan.report import checks_json
from afweging.studio import app as studio_app
from afweging.studio.app import create_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plan_demostad.geojson"
RD = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}


def _square(x: float, y: float, size: float = 200.0) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size],
                                                [x, y + size], [x, y]]]}


def _plan(*features: dict, name: str = "proef") -> dict:
    return {"type": "FeatureCollection", "name": name, "crs": RD, "features": list(features)}


def _feature(props: dict, geom: dict | None = None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geom or _square(150800, 449450)}


@pytest.fixture(scope="module")
def studio(demo):
    s = prepared_studio(demo)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(studio):
    with TestClient(create_app(studio, manage=False), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def baseline(demo):
    return prepare_baseline(demo)


# ============================================================================ state and area
def test_health_and_area(client, studio, demo):
    r = client.get("/api/health")
    assert r.status_code == 200 and r.json()["status"] == "klaar"
    r = client.get("/api/area")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(demo.buurten)
    codes = {f["properties"]["buurtcode"] for f in doc["features"]}
    assert codes == {str(c) for c in demo.buurten.index}
    # WGS84: the demo lies around Utrecht's RD coordinates, i.e. about 5.1 E, 52.0 N
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 4.0 < lon < 6.5 and 51.0 < lat < 53.0
    assert {p["naam"] for p in doc["planformaat"]["eigenschappen"]} >= {"woningen", "functie", "sociale_huur_pct"}


def test_area_scores_are_the_baseline_scores(client, baseline):
    doc = client.get("/api/area").json()
    overall = baseline.scores.buurt.overall
    for f in doc["features"]:
        want = overall.get(f["properties"]["buurtcode"])
        got = f["properties"]["balansscore"]
        if want is None or want != want:  # NaN: no score (incomplete data)
            assert got is None
        else:
            assert got == pytest.approx(float(want), abs=1e-3)


def test_not_ready_answers_503(demo):
    from afweging.studio.service import Studio

    s = Studio(demo, workers=1)  # never prepared
    with TestClient(create_app(s, manage=False), base_url="http://127.0.0.1") as c:
        r = c.get("/api/health")
        assert r.status_code == 503 and r.json()["status"] == "bezig"
        assert c.get("/api/area").status_code == 503
        r = c.post("/api/plan-check", content=EXAMPLE.read_bytes())
        assert r.status_code == 503 and "voorbereid" in r.json()["detail"]


# ============================================================================ the plan check
def test_plan_check_equals_the_command(client, demo, baseline):
    r = client.post("/api/plan-check", content=EXAMPLE.read_bytes(),
                    headers={"Content-Type": "application/geo+json"})
    assert r.status_code == 200, r.text
    want = checks_json(check_plans(demo, [EXAMPLE], baseline=baseline))
    assert r.text == want  # byte for byte what plan_check.json holds
    assert float(r.headers["x-afweging-rekentijd-ms"]) > 0  # the check's CPU time in the worker
    assert float(r.headers["x-afweging-wandtijd-ms"]) > 0  # and its wall time there


# plans that take every path of a check: several buurten, demolition, new facilities of
# categories the area has (a point, a park, play space), homes along the streets
PLANS = {
    "meerdere buurten": _plan(
        _feature({"naam": "wonen A", "woningen": 300, "woningen_sloop": 40, "sociale_huur_pct": 40,
                  "groen_m2": 2000, "speelruimte_m2": 500}, _square(149897, 450490, 120)),
        _feature({"naam": "wonen B", "woningen": 150, "middenhuur_pct": 30, "verdeling": "straten"},
                 _square(148763, 450430, 100)),
        _feature({"naam": "sloop C", "woningen": 0, "woningen_sloop": 25}, _square(150431, 449310, 80)),
        _feature({"naam": "supermarkt", "categorie": "supermarkt"},
                 {"type": "Point", "coordinates": [150521, 449400]}),
        _feature({"naam": "park", "functie": "groen"}, _square(148973, 450440, 90)),
        name="meerdere"),
    "alleen sloop": _plan(_feature({"naam": "sloop", "woningen": 0, "woningen_sloop": 25},
                                   _square(150431, 449310, 80)), name="sloop"),
    "punt en woningen": _plan(
        _feature({"naam": "blok", "woningen": 150, "middenhuur_pct": 30}, _square(148763, 450430, 100)),
        _feature({"naam": "huisarts", "categorie": "huisarts"}, {"type": "Point", "coordinates": [148813, 450480]}),
        name="punt"),
}


def test_several_plans_equal_the_command(client, demo, baseline, tmp_path):
    """Each plan, asked twice and in between the others (the workers keep nothing of a
    request but the baseline), gets byte for byte the command's plan_check.json, computed
    here without the workers' warm pieces (a plain baseline)."""
    files = {}
    for case, doc in PLANS.items():
        files[case] = tmp_path / f"{doc['name']}.geojson"
        files[case].write_text(json.dumps(doc), encoding="utf-8")
    with warnings.catch_warnings():  # demolition beyond the residents inside the polygon is noted
        warnings.simplefilter("ignore", UserWarning)
        want = {case: checks_json(check_plans(demo, [path], baseline=baseline)) for case, path in files.items()}
    got = {case: [] for case in PLANS}
    for _ in range(2):
        for case, doc in PLANS.items():
            r = client.post("/api/plan-check", json=doc)
            assert r.status_code == 200, r.text
            got[case].append(r.text)
    for case in PLANS:
        assert got[case] == [want[case], want[case]], case
    v = json.loads(want["meerdere buurten"])["varianten"][0]
    assert len(v["buurten_plan"]) == 3 and v["programma"]["woningen_sloop"] == 65
    assert {f["categorie"] for f in v["nieuwe_voorzieningen"]} >= {"supermarkt", "speelplek"}
    assert json.loads(want["alleen sloop"])["varianten"][0]["programma"]["woningen_nieuw"] == 0


def test_compact_answers_hold_the_content_of_the_file(client):
    """``kort=true`` (what the page asks while a plan is drawn): the same JSON content as
    the file (``json.loads`` equal), for one plan and for variants, without indentation;
    without it the answer stays byte for byte the file (the download)."""
    docs = {**PLANS, "voorbeeld": json.loads(EXAMPLE.read_text(encoding="utf-8"))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for case, doc in docs.items():
            full = client.post("/api/plan-check", json=doc)
            short = client.post("/api/plan-check", params={"kort": "true"}, json=doc)
            assert full.status_code == short.status_code == 200, case
            assert json.loads(short.text) == json.loads(full.text), case
            assert "\n" not in short.text and len(short.text) < 0.8 * len(full.text), case
            assert full.text.endswith("}\n") and full.text.startswith('{\n "afweging_versie"'), case
        body = {"varianten": [{"naam": "A", "plan": docs["voorbeeld"]},
                              {"naam": "B", "plan": PLANS["punt en woningen"]}]}
        full = client.post("/api/plan-check/varianten", json=body)
        short = client.post("/api/plan-check/varianten", params={"kort": "true"}, json=body)
    assert full.status_code == short.status_code == 200
    assert json.loads(short.text) == json.loads(full.text) and "\n" not in short.text
    assert list(json.loads(short.text)["vergelijking"]) == ["A", "B"]
    # html ignores kort
    r = client.post("/api/plan-check", params={"kort": "true", "formaat": "html"}, json=PLANS["alleen sloop"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")


def test_plan_check_in_lonlat_equals_rd(client, demo, baseline):
    """A plan sent in WGS84 (no crs member, as the page sends it) is read like a file."""
    import geopandas as gpd

    gdf = gpd.read_file(EXAMPLE).to_crs("EPSG:4326")
    doc = json.loads(gdf.to_json(drop_id=True))
    doc["name"] = "lonlat"
    r = client.post("/api/plan-check", json=doc)
    assert r.status_code == 200, r.text
    got = r.json()["varianten"][0]
    local = read_plan(EXAMPLE)
    assert got["naam"] == "lonlat"
    assert got["programma"]["woningen_nieuw"] == int(local.features["woningen"].sum()) == 800
    assert got["buurten_plan"] == ["BU99990503"]


def test_plan_check_html_escapes_the_plan_name(client):
    evil = '<script>alert("x")</script>'
    doc = _plan(_feature({"naam": evil, "functie": "wonen", "woningen": 50}))
    r = client.post("/api/plan-check", params={"formaat": "html", "naam": evil}, json=doc)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert evil not in r.text and "&lt;script&gt;" in r.text


def test_repair_flag_and_warnings(client):
    bowtie = {"type": "Polygon", "coordinates": [[[150800, 449450], [151000, 449650],
                                                  [151000, 449450], [150800, 449650], [150800, 449450]]]}
    doc = _plan(_feature({"naam": "strik", "woningen": 40}, bowtie))
    r = client.post("/api/plan-check", json=doc)
    assert r.status_code == 422 and "strik" in r.json()["detail"]
    r = client.post("/api/plan-check", params={"herstel": "true"}, json=doc)
    assert r.status_code == 200
    assert "strik" in json.loads(r.headers["x-afweging-meldingen"])[0]
    assert r.json()["varianten"][0]["hersteld"]


# every bad-input case of the plan format: the studio gives read_plan's own message
BAD = {
    "geen objecten": _plan(),
    "onbekende functie": _plan(_feature({"naam": "a", "functie": "kantoor"})),
    "negatieve woningen": _plan(_feature({"naam": "a", "woningen": -5})),
    "percentage boven 100": _plan(_feature({"naam": "a", "woningen": 10, "sociale_huur_pct": 120})),
    "percentages samen boven 100": _plan(_feature({"naam": "a", "woningen": 10, "sociale_huur_pct": 70,
                                                   "middenhuur_pct": 50})),
    "tekst als getal": _plan(_feature({"naam": "a", "woningen": "veel"})),
    "punt zonder categorie": _plan(_feature({"naam": "a", "woningen": 10}),
                                   _feature({"naam": "p"}, {"type": "Point", "coordinates": [150900, 449500]})),
    "onbekende categorie": _plan(_feature({"naam": "a", "woningen": 10}),
                                 _feature({"naam": "p", "categorie": "bioscoop"},
                                          {"type": "Point", "coordinates": [150900, 449500]})),
    "alleen punten": _plan(_feature({"naam": "p", "categorie": "huisarts"},
                                    {"type": "Point", "coordinates": [150900, 449500]})),
    "dubbele namen": _plan(_feature({"naam": "a", "woningen": 10}),
                           _feature({"naam": "a", "woningen": 10}, _square(151300, 449450))),
    "overlappende vlakken": _plan(_feature({"naam": "a", "woningen": 10}),
                                  _feature({"naam": "b", "woningen": 10}, _square(150900, 449500))),
    "lijn": _plan(_feature({"naam": "a"}, {"type": "LineString", "coordinates": [[150800, 449450], [151000, 449650]]})),
    "RD-meters zonder crs": {"type": "FeatureCollection", "name": "proef",
                             "features": [_feature({"naam": "a", "woningen": 10})]},
    "vlak zonder oppervlak": _plan(_feature({"naam": "a", "woningen": 10},
                                            {"type": "Polygon", "coordinates": [[[150800, 449450], [150900, 449450],
                                                                                 [150800, 449450]]]})),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_plans_get_the_plan_format_message(client, case, tmp_path):
    r = client.post("/api/plan-check", params={"naam": "proef"}, json=BAD[case])
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "Traceback" not in detail
    path = tmp_path / "proef.geojson"
    path.write_text(json.dumps(BAD[case]), encoding="utf-8")
    with pytest.raises(PlanError) as exc:
        read_plan(path)
    assert detail == str(exc.value).replace(str(path), "proef.geojson")


def test_a_plan_outside_the_area_is_refused_like_the_command(client, demo, baseline, tmp_path):
    doc = _plan(_feature({"naam": "ver weg", "woningen": 10}, _square(100000, 400000)))
    r = client.post("/api/plan-check", params={"naam": "proef"}, json=doc)
    assert r.status_code == 422
    path = tmp_path / "proef.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PlanError) as exc:
        check_plans(demo, [path], baseline=baseline)
    assert r.json()["detail"] == str(exc.value).replace(str(path), "proef.geojson")


@pytest.mark.parametrize(("body", "words"), [
    (b"dit is geen json", "geen geldige JSON"),
    (b'{"type": "Polygon", "coordinates": []}', "geen GeoJSON FeatureCollection"),
    (b"[1, 2]", "geen GeoJSON FeatureCollection"),
    (b'\xff\xfe{"type"', "geen UTF-8"),
])
def test_a_body_that_is_no_geojson(client, body, words):
    r = client.post("/api/plan-check", content=body)
    assert r.status_code == 422 and words in r.json()["detail"]


def test_bad_query_parameters_get_a_dutch_422(client):
    r = client.post("/api/plan-check", params={"formaat": "pdf"}, content=EXAMPLE.read_bytes())
    assert r.status_code == 422 and r.json()["detail"].startswith("Ongeldig verzoek: formaat")


# ============================================================================ variants
def test_variants_side_by_side(client, demo, baseline, tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    small = json.loads(json.dumps(doc))
    small["features"][0]["properties"]["woningen"] = 400
    r = client.post("/api/plan-check/varianten",
                    json={"varianten": [{"naam": "groot", "plan": doc}, {"naam": "klein", "plan": small}]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert [v["naam"] for v in out["varianten"]] == ["groot", "klein"]
    assert out["vergelijking"]["groot"]["woningen_nieuw"] == 800
    assert out["vergelijking"]["klein"]["woningen_nieuw"] == 400
    # the same as the command with the two files
    a, b = tmp_path / "groot.geojson", tmp_path / "klein.geojson"
    a.write_text(json.dumps(doc), encoding="utf-8")
    b.write_text(json.dumps(small), encoding="utf-8")
    assert r.text == checks_json(check_plans(demo, [a, b], baseline=baseline))


def test_variants_bad_input(client):
    r = client.post("/api/plan-check/varianten", json={"varianten": []})
    assert r.status_code == 422 and "niet-lege lijst" in r.json()["detail"]
    plan = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    many = {"varianten": [{"naam": str(i), "plan": plan} for i in range(9)]}
    r = client.post("/api/plan-check/varianten", json=many)
    assert r.status_code == 422 and "hoogstens 8" in r.json()["detail"]
    r = client.post("/api/plan-check/varianten",
                    json={"varianten": [{"naam": "goed", "plan": plan}, {"naam": "fout", "plan": BAD["negatieve woningen"]}]})
    assert r.status_code == 422 and "fout.geojson" in r.json()["detail"]


# ============================================================================ upload
def test_upload_a_geopackage_in_rd(client, tmp_path):
    import geopandas as gpd

    path = tmp_path / "mijn plan.gpkg"
    gpd.read_file(EXAMPLE).to_file(path, layer="plan")
    r = client.post("/api/planbestand", params={"bestandsnaam": path.name}, content=path.read_bytes())
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["name"] == "mijn plan" and len(doc["features"]) == 5
    first = doc["features"][0]
    assert first["properties"]["naam"] == "Vaartkwartier" and first["properties"]["woningen"] == 800
    lon, lat = first["geometry"]["coordinates"][0][0]
    assert 4.0 < lon < 6.5 and 51.0 < lat < 53.0


@pytest.mark.parametrize(("name", "body", "words"), [
    ("plan.shp", b"x", "GeoJSON (.geojson, .json) of GeoPackage"),
    ("kapot.gpkg", b"geen sqlite", "kapot.gpkg: is geen leesbaar GIS-bestand"),
    ("../../etc/passwd.geojson", b"{}", "etc_passwd.geojson"),
])
def test_upload_bad_files(client, name, body, words):
    r = client.post("/api/planbestand", params={"bestandsnaam": name}, content=body)
    assert r.status_code == 422 and words in r.json()["detail"]
    assert "/tmp" not in r.json()["detail"]  # never the server's temporary path


# ============================================================================ safety
def test_body_limit_413(client, monkeypatch):
    monkeypatch.setattr(studio_app, "MAX_BODY_BYTES", 1000)
    r = client.post("/api/plan-check", content=b" " * 2000)
    assert r.status_code == 413 and "groter dan" in r.json()["detail"]

    def chunks():  # no Content-Length: the limit holds while the body streams in
        for _ in range(5):
            yield b" " * 400

    r = client.post("/api/plan-check", content=chunks())
    assert r.status_code == 413


def test_only_own_assets_and_hosts(client):
    assert client.get("/assets/studio.js").status_code == 200
    for path in ("/assets/..%2F..%2Fcache.py", "/assets/app.py", "/assets/%2e%2e/app.py", "/../pyproject.toml"):
        r = client.get(path)
        assert r.status_code == 404, path
    r = client.get("/api/health", headers={"Host": "aanvaller.example"})
    assert r.status_code == 400
    page = client.get("/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert "http://" not in page.text and "https://" not in page.text


def test_no_traceback_on_an_internal_error(client, studio, monkeypatch):
    async def broken(*args):
        raise ValueError("kapot")

    monkeypatch.setattr(studio, "run", broken)
    r = client.post("/api/plan-check", content=EXAMPLE.read_bytes())
    assert r.status_code == 500
    assert "interne fout" in r.json()["detail"] and "Traceback" not in r.text


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/health", "/api/area", "/api/plan-check", "/api/plan-check/varianten",
            "/api/planbestand"} <= set(spec["paths"])


def test_vendored_geoman_is_as_published():
    """The sha256 sums in afweging/studio/vendor/README.md hold for the vendored files."""
    folder = ROOT / "afweging" / "studio" / "vendor"
    sums = [line.split() for line in (folder / "README.md").read_text(encoding="utf-8").splitlines()
            if len(line.split()) == 2 and len(line.split()[0]) == 64]
    assert len(sums) == 3
    for digest, name in sums:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


# ============================================================================ concurrency
def _http(url: str, body: bytes | None = None, timeout: float = 300) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_concurrent_clients_and_a_free_event_loop(studio):
    """8 clients at once against a real server: every answer is right, and /api/health
    answers quickly while the checks run (the event loop does not compute)."""
    body = EXAMPLE.read_bytes()
    with live_server(studio) as url:
        status, first = _http(f"{url}/api/plan-check", body)
        assert status == 200
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(_http, f"{url}/api/plan-check", body) for _ in range(8)]
            time.sleep(0.2)
            health = []
            while not all(f.done() for f in futures):
                t0 = time.perf_counter()
                _, text = _http(f"{url}/api/health", timeout=30)
                health.append((time.perf_counter() - t0, json.loads(text)["wachtend"]))
                time.sleep(0.1)
            answers = [f.result() for f in futures]
    assert all(a == (200, first) for a in answers)
    assert health and max(h[1] for h in health) >= 2  # checks did wait in the pool meanwhile
    assert max(h[0] for h in health) < 1.0, health  # generous for a shared machine


# ============================================================================ the command
def test_command_refuses_a_taken_port():
    from afweging.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(main, ["studio", "--port", str(port), "--no-browser"])
    assert result.exit_code == 2
    assert f"poort {port} op 127.0.0.1 is al in gebruik" in result.output
    assert "Traceback" not in result.output


def test_command_warns_for_another_host(monkeypatch):
    from afweging.cli import main
    from afweging.studio import command

    seen = {}

    def fake(area, **kw):
        seen.update(kw)

    monkeypatch.setattr(command, "studio_command_main", fake)
    result = CliRunner().invoke(main, ["studio", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 0 and "Let op: de studio luistert op 0.0.0.0" in result.output
    assert seen["host"] == "0.0.0.0" and seen["open_browser"] is False
    result = CliRunner().invoke(main, ["studio", "--no-browser"])
    assert "Let op" not in result.output and seen["host"] == "127.0.0.1"


def test_command_prints_the_url_and_opens_the_browser_unless_told_not_to(monkeypatch, demo):
    import uvicorn

    from afweging.studio import command

    opened: list[str] = []
    monkeypatch.setattr(command.webbrowser, "open", lambda url: opened.append(url) or True)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: None)  # serve nothing
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    said: list[str] = []
    command.studio_command_main(demo, port=port, say=said.append)
    deadline = time.monotonic() + 10
    while not opened and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened == [url]
    assert any(f"De studio draait op {url}" in line for line in said)
    command.studio_command_main(demo, port=port, open_browser=False, say=said.append)
    time.sleep(1.5)  # the browser would open after 1 s
    assert opened == [url]


# ============================================================================ Utrecht
@pytest.mark.utrecht
def test_utrecht_example_plan_through_the_studio(utrecht_area, tmp_path):
    """The studio on the real Utrecht data: the area has every buurt, and the example plan
    (1,200 dwellings in Kanaleneiland) gets byte for byte what the plan check computes
    with the baseline the workers hold."""
    from afweging.studio.cache import load_baseline

    plan = ROOT / "examples" / "plan_utrecht.geojson"
    s = prepared_studio(utrecht_area)
    try:
        with TestClient(create_app(s, manage=False), base_url="http://127.0.0.1") as c:
            area = c.get("/api/area").json()
            r = c.post("/api/plan-check", content=plan.read_bytes())
        base = load_baseline(s.baseline.pickle_path)
    finally:
        s.close()
    assert len(area["features"]) == len(utrecht_area.buurten)
    assert r.status_code == 200, r.text
    assert r.text == checks_json(check_plans(base.area, [plan], baseline=base))
    v = r.json()["varianten"][0]
    assert v["programma"]["woningen_nieuw"] == 1200 and v["buurten_plan"] == ["BU03440821"]


def test_a_dead_worker_is_replaced(studio, client):
    """A worker that dies (out of memory, killed) answers that request with 500 and the
    next request is served by a new pool."""
    import asyncio
    import os
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool):
        asyncio.run(studio.run(os._exit, 1))
    r = client.post("/api/plan-check", content=EXAMPLE.read_bytes())
    assert r.status_code == 200 and r.json()["varianten"][0]["programma"]["woningen_nieuw"] == 800
