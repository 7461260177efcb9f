"""``afweging fetch``: every online source once into plain files, then offline runs.

The services answer from recorded responses (tests/_recorded.py, tests/data) and a
stand-in osmnx; no test touches the network.
"""

from __future__ import annotations

import sys
import tomllib
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from _recorded import FakeSession, fake_osmnx, recorded_services
from click.testing import CliRunner
from pyproj import Transformer
from shapely.geometry import Point

from afweging import settings
from afweging._outputs import OutputError
from afweging.cli import main
from afweging.data import _cache
from afweging.data.fetch import fetch_area
from afweging.data.manifest import load_area

ONLINE = """name = "Utrecht (online)"
gemeentecode = "GM0344"

[buurten]
online = "pdok"
year = 2023

[statistics]
online = "cbs"
year = 2023

[facilities]
online = "osm"

[homes]
online = "bag"

[green]
online = "bgt"

[networks.walk]
online = "osm"

[rasters.noise]
online = "wcs"
url = "https://data.rivm.nl/geo/alo/wcs"
coverage = "alo__rivm_20220601_Geluid_lden_allebronnen_2020"
licence = "CC0 1.0"

[rasters.uhi]
online = "wcs"
url = "https://data.rivm.nl/geo/ank/wcs"
coverage = "ank__Stedelijk_hitte_eiland_effect_01062022_v2"
"""


@pytest.fixture
def services(tmp_path, monkeypatch):
    """Recorded PDOK/CBS/WCS answers and a stand-in osmnx; the HTTP cache off, so every
    download is a request the test can count."""
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "use_cache", False)
    session = FakeSession(recorded_services())
    monkeypatch.setattr(_cache, "_session", session)
    to_ll = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    pts = [Point(*to_ll.transform(x, y)) for x, y in [(134020, 455020), (134150, 455080), (134260, 455040)]]
    idx = pd.MultiIndex.from_tuples([("node", 4), ("node", 5), ("way", 6)], names=["element", "id"])
    feats = gpd.GeoDataFrame(
        {"leisure": ["playground", None, None], "amenity": [None, "doctors", None],
         "healthcare:speciality": [None, "general", None], "shop": [None, None, "supermarket"],
         "name": [None, "Huisartsen West", "Buurtsuper"]},
        geometry=pts, index=idx, crs="EPSG:4326",
    )
    g = nx.MultiDiGraph(crs="epsg:4326")
    nodes = {1: (133950, 455050), 2: (134150, 455050), 3: (134400, 455050), 4: (134150, 455150)}
    for n, (x, y) in nodes.items():
        lon, lat = to_ll.transform(x, y)
        g.add_node(n, x=lon, y=lat, street_count=2)
    for a, b in ((1, 2), (2, 3), (2, 4)):
        length = float(np.hypot(nodes[a][0] - nodes[b][0], nodes[a][1] - nodes[b][1]))
        for u, v in ((a, b), (b, a)):
            g.add_edge(u, v, osmid=100 + a * 10 + b, length=length, oneway=False, reversed=u != a,
                       highway="residential", name="Teststraat")
    calls: list = []
    monkeypatch.setitem(sys.modules, "osmnx", fake_osmnx(calls, graph=g, features=feats))
    path = tmp_path / "online.toml"
    path.write_text(ONLINE, encoding="utf-8")
    return path, session, calls


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _run(area, out: Path) -> dict[str, object]:
    """afweging run without the maps and report (tested elsewhere; slow): the per-buurt
    results, the priorities, the barcode and the per-home reachability."""
    from afweging.pipeline import run

    result = _quiet(run, area, out)
    frame = gpd.read_file(out / "buurten.gpkg")
    files = {p.name: p.read_bytes() for p in sorted(out.glob("*")) if p.suffix in (".csv", ".html", ".parquet")}
    return {"buurten": frame, "files": files, "summary": result.summary}


def test_fetch_then_run_equals_online_run(services, tmp_path, monkeypatch):
    import afweging.maps

    online, session, _calls = services
    monkeypatch.setattr(afweging.maps, "write_maps_and_report", lambda *a, **k: None)
    area_online = _quiet(load_area, online, cache=False)
    n_online = len(session.calls)
    data = tmp_path / "data"
    said: list[str] = []
    result = _quiet(fetch_area, online, data, say=said.append, progress=False)
    assert len(session.calls) == 2 * n_online  # every service asked once more, nothing else

    # plain files and a file-based manifest recording source, licence, URL and date
    names = sorted(p.name for p in data.iterdir() if not p.name.startswith("."))
    assert names == ["area.toml", "bag_woningen.gpkg", "bgt_groen.gpkg", "buurten.gpkg",
                     "cbs_kwb_2023_GM0344.csv", "noise.tif", "osm_voorzieningen.gpkg", "osm_walk.graphml", "uhi.tif"]
    doc = tomllib.loads((data / "area.toml").read_text("utf-8"))
    assert doc["homes"]["format"] == "points" and doc["homes"]["path"] == "bag_woningen.gpkg"
    assert doc["homes"]["downloaded_from"] == "https://api.pdok.nl/kadaster/bag/ogc/v2"
    assert doc["homes"]["licence"] == "CC0 1.0"
    assert doc["green"]["join_gap_m"] == 5.0 and doc["green"]["kind"] == "fysiek_voorkomen"
    assert doc["buurten"]["downloaded_from"] == "https://api.pdok.nl/cbs/wijken-en-buurten-2023/ogc/v1"
    assert doc["statistics"]["source"].startswith("CBS Kerncijfers wijken en buurten 2023") and \
        "85618NED" in doc["statistics"]["source"]
    assert doc["networks"]["walk"]["downloaded_from"] == "https://overpass-api.de/api"
    assert doc["rasters"]["noise"]["licence"] == "CC0 1.0" and "online" not in doc["rasters"]["noise"]
    dates = {sec["downloaded_on"] for sec in (doc["buurten"], doc["statistics"], doc["homes"], doc["green"])}
    assert len(dates) == 1 and len(dates.pop()) == 10
    assert all(s.status == "opgehaald" for s in result.sections)

    # the fetched area equals the online one, and so do the results of a run
    n_before = len(session.calls)
    area_files = _quiet(load_area, data / "area.toml", cache=False)
    assert len(session.calls) == n_before  # offline
    pd.testing.assert_frame_equal(area_files.buurten, area_online.buurten)
    pd.testing.assert_frame_equal(area_files.homes, area_online.homes)
    assert len(area_files.homes) == 4 and area_files.homes["residents"].sum() == pytest.approx(1810 + 4200)
    pd.testing.assert_frame_equal(area_files.green.reset_index(drop=True), area_online.green.reset_index(drop=True))
    pd.testing.assert_frame_equal(area_files.facilities, area_online.facilities)
    cats = area_files.facilities.groupby("category")["name"].first()
    assert sorted(cats.index) == ["dagelijkse_boodschappen", "huisarts", "speelplek", "supermarkt"]
    assert cats["huisarts"] == "Huisartsen West" and pd.isna(cats["speelplek"])  # no name: missing, not "None"
    a, b = area_files.networks["walk"], area_online.networks["walk"]
    assert np.array_equal(a.xy, b.xy) and np.array_equal(a.node_ids, b.node_ids)
    np.testing.assert_array_equal(area_files.rasters["noise"].data, area_online.rasters["noise"].data)
    uhi = area_files.rasters["uhi"].data  # RIVM's -3.4e38 fill masked, its real zeros kept, from the file too
    np.testing.assert_array_equal(uhi, area_online.rasters["uhi"].data)
    assert np.isnan(uhi[:5]).all() and np.nanmin(uhi) == 0.0
    first = _run(area_online, tmp_path / "uit_online")
    second = _run(area_files, tmp_path / "uit_bestanden")
    pd.testing.assert_frame_equal(second["buurten"], first["buurten"])
    assert "4 woningen als herkomstpunt (bron: BAG verblijfsobjecten met woonfunctie" in "\n".join(second["summary"])
    assert first["buurten"]["heat_uhi_mean_degc"].notna().all()
    assert first["buurten"]["heat_pet_mean_degc"].isna().all()  # the heat island is not PET
    assert sorted(first["files"]) == ["barcode.html", "prioriteiten.csv", "woningen_bereikbaarheid.parquet"]
    assert first["files"] == second["files"]  # byte-identical


def test_fetch_resumes_and_protects_user_files(services, tmp_path):
    online, session, calls = services
    data = tmp_path / "data"
    _quiet(fetch_area, online, data, progress=False)
    n = len(session.calls)
    n_osm = len(calls)
    text = (data / "area.toml").read_text("utf-8")

    again = _quiet(fetch_area, online, data, progress=False)  # nothing missing: nothing asked
    assert len(session.calls) == n and len(calls) == n_osm
    assert {s.status for s in again.sections} == {"al aanwezig"}
    assert (data / "area.toml").read_text("utf-8") == text

    (data / "noise.tif").unlink()  # one file gone: only that source again
    _quiet(fetch_area, online, data, progress=False)
    asked = {c[1] for c in session.calls[n:]}
    assert asked == {"https://data.rivm.nl/geo/alo/wcs"} and len(calls) == n_osm

    # a file of the user under a name fetch wants is never overwritten
    (data / "osm_walk.graphml").write_text("mijn eigen netwerk", encoding="utf-8")
    with pytest.raises(OutputError, match=r"osm_walk\.graphml bestaat al en is niet door `afweging fetch`"):
        _quiet(fetch_area, online, data, progress=False)
    assert (data / "osm_walk.graphml").read_text("utf-8") == "mijn eigen netwerk"


def test_fetch_keeps_file_sections_and_cli(services, tmp_path):
    online, _session, _calls = services
    (tmp_path / "fietspaden.gpkg").write_bytes(b"")  # a file section is referenced, not copied
    online.write_text(
        'name = "Utrecht"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n'
        '[lines.fietspaden]\npath = "fietspaden.gpkg"\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["fetch", "--area", str(online), "--out", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    assert "[buurten] opgehaald: buurten.gpkg" in res.output
    assert "afweging run --area" in res.output
    doc = tomllib.loads((tmp_path / "d" / "area.toml").read_text("utf-8"))
    assert doc["lines"]["fietspaden"]["path"] == "../fietspaden.gpkg"
    assert not (tmp_path / "d" / "fietspaden.gpkg").exists()
    # bad input: a Dutch message, no traceback
    res = CliRunner().invoke(main, ["fetch", "--area", str(tmp_path / "nee.toml"), "--out", str(tmp_path / "d")])
    assert res.exit_code == 2 and "Fout:" in res.output and "Traceback" not in res.output


def test_pet_is_never_a_wcs(tmp_path):
    from afweging._errors import ManifestError

    path = tmp_path / "a.toml"
    path.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n[rasters.heat]\n'
                    'online = "wcs"\nurl = "https://data.rivm.nl/geo/ank/wcs"\ncoverage = "c"\n', encoding="utf-8")
    with pytest.raises(ManifestError, match=r"PET\) van de Klimaateffectatlas is niet als WCS beschikbaar.*"
                                            r"\[rasters\.uhi\]"):
        load_area(path, cache=False)


def test_shipped_utrecht_online_example_uses_every_real_source():
    from afweging._schema import read_toml
    from afweging.data.manifest_schema import check_manifest

    path = Path(__file__).resolve().parents[1] / "examples" / "utrecht_online.toml"
    doc, _ = read_toml(path, error=AssertionError, what="voorbeeld", hint="")
    check_manifest(doc, file=str(path))
    assert doc["gemeentecode"] == "GM0344"
    kinds = {doc[s]["online"] for s in ("buurten", "wijken", "statistics", "facilities", "homes", "green")}
    assert kinds == {"pdok", "cbs", "osm", "bag", "bgt"}
    assert doc["rasters"]["noise"]["url"] == "https://data.rivm.nl/geo/alo/wcs"
    assert doc["rasters"]["uhi"]["url"] == "https://data.rivm.nl/geo/ank/wcs"
    assert "heat" not in doc["rasters"]  # PET has no WCS: a downloaded file, documented in the example
    assert not any("path" in sec for sec in doc.values() if isinstance(sec, dict))  # nothing local


def test_online_section_rules(tmp_path):
    from afweging._errors import ManifestError

    path = tmp_path / "area.toml"
    path.write_text('name = "x"\n[buurten]\npath = "b.gpkg"\nurl = "https://example.org"\n', encoding="utf-8")
    with pytest.raises(ManifestError, match=r"\[buurten\] url: hoort alleen bij online"):
        load_area(path, cache=False)
    path.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n', encoding="utf-8")
    with pytest.raises(ManifestError, match="zou door het opgehaalde manifest overschreven worden"):
        fetch_area(path, tmp_path, progress=False)
    assert not (tmp_path / ".afweging").exists()  # refused before anything was made


def test_bag_homes_take_no_osm_keys(services):
    from afweging._errors import ManifestError

    online, _session, _calls = services
    online.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n[statistics]\n'
                      'online = "cbs"\n[homes]\nonline = "bag"\ninclude = { building = ["house"] }\n',
                      encoding="utf-8")
    with pytest.raises(ManifestError, match=r'bij online = "bag" is elke BAG-woning één herkomstpunt; laat `include` weg'):
        _quiet(load_area, online, cache=False)


@pytest.mark.utrecht
def test_fetch_of_the_utrecht_file_manifest_downloads_nothing(utrecht_dir, utrecht_area, tmp_path, monkeypatch):
    """A manifest of files only: fetch writes an area.toml that points at the same files
    (relative), copies nothing, asks no service, and loads to the same Area."""
    monkeypatch.setattr(_cache, "_session", FakeSession({}))  # any request would fail the test
    result = _quiet(fetch_area, utrecht_dir / "area.toml", tmp_path / "u", progress=False)
    assert {s.status for s in result.sections} == {"bestand"}
    assert sorted(p.name for p in (tmp_path / "u").iterdir() if not p.name.startswith(".")) == ["area.toml"]
    doc = tomllib.loads((tmp_path / "u" / "area.toml").read_text("utf-8"))
    assert (tmp_path / "u" / doc["buurten"]["path"]).resolve() == (utrecht_dir / "utrecht_wijken_buurten.gpkg").resolve()
    assert doc["homes"]["include"]["building"][0] == "house" and doc["gemeentecode"] == "GM0344"
    again = _quiet(load_area, tmp_path / "u" / "area.toml", cache=False)
    pd.testing.assert_frame_equal(again.buurten, utrecht_area.buurten)
    pd.testing.assert_frame_equal(again.homes, utrecht_area.homes)
    assert set(again.networks) == {"walk", "bike"} and set(again.lines) == {"cycleways"}


def test_fetch_shows_a_progress_bar_per_source(services, tmp_path, capsys):
    online, _session, _calls = services
    online.write_text(ONLINE.split("[facilities]")[0] + ONLINE[ONLINE.index("[rasters.noise]"):], encoding="utf-8")
    _quiet(fetch_area, online, tmp_path / "d", say=print)
    err = capsys.readouterr().err
    assert "PDOK CBS wijken en buurten 2023 (buurten): " in err and "(buurten): 5 objecten" in err
    # (two pages with 5 features, one of another gemeente that the loader drops)
    assert "CBS Kerncijfers wijken en buurten (85618NED) TypedDataSet" in err and " rijen" in err
    assert "WCS alo__rivm_20220601_Geluid_lden_allebronnen_2020" in err and "B/s" in err  # bytes
    assert settings.progress is False  # switched on for the fetch only


@pytest.mark.utrecht
def test_graphml_written_by_fetch_reads_as_the_downloaded_graph(utrecht_dir, tmp_path):
    """fetch saves the osmnx graph (EPSG:4326) as GraphML the way osmnx does; reading that
    file gives the same arrays as projecting the graph in memory (the online path), on a
    real osmnx graph with geometries, lists and bools (Kanaleneiland walk network)."""
    import osmnx as ox

    from afweging.data.fetch import _write_graphml
    from afweging.data.osm import project_graph
    from afweging.data.streets import read_network
    from afweging.geo.network import from_networkx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = ox.load_graphml(utrecht_dir / "network" / "kanaleneiland_walk.graphml")
    if str(g.graph.get("crs", "")).lower() not in ("epsg:4326", "wgs84"):
        g = ox.project_graph(g, to_crs="EPSG:4326")  # as downloaded: lon/lat
    path = tmp_path / "osm_walk.graphml"
    _write_graphml(g, path)
    online = from_networkx(project_graph(g, what="online"), what="online")
    files = read_network(path, format="graphml", what="bestand")
    for name in ("node_ids", "u", "v", "length_m", "oneway", "contraflow"):
        np.testing.assert_array_equal(getattr(files, name), getattr(online, name), err_msg=name)
    np.testing.assert_allclose(files.xy, online.xy, rtol=0, atol=1e-6)
    assert online.geom_offsets is not None  # the edges carry their curved geometry ...
    np.testing.assert_array_equal(files.geom_offsets, online.geom_offsets)  # ... and keep it
    np.testing.assert_allclose(files.geom_xy, online.geom_xy, rtol=0, atol=1e-6)
    assert len(files.u) > 1000


def test_fetch_cleans_up_after_a_killed_fetch(services, tmp_path):
    online, _session, _calls = services
    online.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n', encoding="utf-8")
    data = tmp_path / "d"
    data.mkdir()
    # what a fetch killed while writing leaves behind, next to a file of the user
    (data / ".buurten.0a1b2c3d.tmp.gpkg").write_bytes(b"half")
    (data / ".area.toml.0a1b2c3d.tmp").write_bytes(b"half")
    (data / ".mijn.verborgen.tmp").write_text("van mij", encoding="utf-8")
    _quiet(fetch_area, online, data, progress=False)
    assert sorted(p.name for p in data.iterdir()) == [".afweging", ".mijn.verborgen.tmp", "area.toml", "buurten.gpkg"]


def test_kwb_csv_written_by_fetch_reads_back_equal(tmp_path):
    """The CBS table as fetch writes it (CSV, '.' for unknown) reads back as the same frame,
    unknown texts and numbers included (never 'nan' text, never 0)."""
    from afweging.data.cbs import _odata_to_kwb, read_kwb
    from afweging.data.fetch import _write_csv

    rows = [
        {"ID": 0, "WijkenEnBuurten": "GM0344    ", "Gemeentenaam_1": "Utrecht                                 ",
         "SoortRegio_2": "Gemeente  ", "IndelingswijzigingGemeenteWijkBuurt_4": None, "AantalInwoners_5": 367984,
         "GemiddeldeHuishoudensgrootte_33": 1.9, "Woningvoorraad_35": None},
        {"ID": 1, "WijkenEnBuurten": "BU03440111", "Gemeentenaam_1": "Utrecht                                 ",
         "SoortRegio_2": "Buurt     ", "IndelingswijzigingGemeenteWijkBuurt_4": "1", "AantalInwoners_5": 1810,
         "GemiddeldeHuishoudensgrootte_33": None, "Woningvoorraad_35": 910},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # columns the toolkit uses but this tiny table lacks
        online = _odata_to_kwb(rows, {"GM0344": "Utrecht", "BU03440111": "Welgelegen"}, what="t", gemeente="GM0344")
    _write_csv(online, tmp_path / "kwb.csv")
    back = read_kwb(tmp_path / "kwb.csv")
    pd.testing.assert_frame_equal(back, online)
    assert pd.isna(back.loc["GM0344", "ind_wbi"]) and back.loc["BU03440111", "ind_wbi"] == "1"
    assert np.isnan(back.loc["GM0344", "a_woning"]) and back.loc["BU03440111", "recs"] == "Buurt"


def test_fetch_wijken_and_a_second_network(services, tmp_path):
    from _recorded import PDOK_HEADERS, ok

    online, session, calls = services
    wijk = {"type": "Feature", "id": "w1",
            "properties": {"wijkcode": "WK034401", "wijknaam": "Wijk 01 West  ", "gemeentecode": "GM0344",
                           "gemeentenaam": "Utrecht", "water": "NEE", "aantal_inwoners": -99997},
            "geometry": {"type": "Polygon", "coordinates": [[[133900, 454900], [134500, 454900], [134500, 455200],
                                                             [133900, 455200], [133900, 454900]]]}}
    session.routes["https://api.pdok.nl/cbs/wijken-en-buurten-2023/ogc/v1/collections/wijken/items"] = ok(
        {"type": "FeatureCollection", "features": [wijk], "links": []}, headers=PDOK_HEADERS)
    online.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n[wijken]\nonline = "pdok"\n'
                      '[networks.walk]\nonline = "osm"\n[networks.bike]\nonline = "osm"\nbuffer_m = 1500\n',
                      encoding="utf-8")
    a = _quiet(load_area, online, cache=False)
    _quiet(fetch_area, online, tmp_path / "d", progress=False)
    b = _quiet(load_area, tmp_path / "d" / "area.toml", cache=False)
    pd.testing.assert_frame_equal(b.wijken, a.wijken)
    assert b.wijken.loc["WK034401", "wijknaam"] == "Wijk 01 West"  # PDOK's padding stripped
    assert np.isnan(b.wijken.loc["WK034401", "aantal_inwoners"])  # CBS's secret code, not a number
    assert sorted(b.networks) == ["bike", "walk"]
    graphs = [c for c in calls if c[0] == "graph"]
    assert [c[2] for c in graphs] == ["walk", "bike", "walk", "bike"]  # online load, then fetch
    assert graphs[1][1][0] < graphs[0][1][0]  # the bike network was asked with its wider buffer
    doc = tomllib.loads((tmp_path / "d" / "area.toml").read_text("utf-8"))
    assert doc["wijken"] == {**doc["wijken"], "path": "wijken.gpkg", "layer": "wijken", "name": "wijknaam"}
    assert doc["networks"]["bike"]["path"] == "osm_bike.graphml" and "buffer_m" not in doc["networks"]["bike"]


def test_fetch_passes_retain_all_and_writes_it(services, tmp_path):
    online, _session, calls = services
    online.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n'
                      '[networks.walk]\nonline = "osm"\nretain_all = true\n[networks.bike]\nonline = "osm"\n',
                      encoding="utf-8")
    _quiet(load_area, online, cache=False)
    _quiet(fetch_area, online, tmp_path / "d", progress=False)
    graphs = [c for c in calls if c[0] == "graph"]
    assert [(c[2], c[-1]) for c in graphs] == [("walk", True), ("bike", False)] * 2  # online load, then fetch
    doc = tomllib.loads((tmp_path / "d" / "area.toml").read_text("utf-8"))
    assert doc["networks"]["walk"]["retain_all"] is True and doc["networks"]["walk"]["format"] == "graphml"
    assert "retain_all" not in doc["networks"]["bike"]  # written only where it was set
    again = _quiet(load_area, tmp_path / "d" / "area.toml", cache=False)  # the written manifest is valid
    assert sorted(again.networks) == ["bike", "walk"]


def test_online_rasters_default_to_the_rivm_maps(services, tmp_path):
    """`online = "wcs"` alone asks RIVM's noise and heat-island coverages; the fetched
    manifest names them."""
    online, session, _calls = services
    online.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "pdok"\n'
                      '[rasters.noise]\nonline = "wcs"\n[rasters.uhi]\nonline = "wcs"\n', encoding="utf-8")
    a = _quiet(load_area, online, cache=False)
    asked = {c[1]: c[2]["coverageId"][0] for c in session.calls if c[1].endswith("/wcs")}
    assert asked == {"https://data.rivm.nl/geo/alo/wcs": "alo__rivm_20220601_Geluid_lden_allebronnen_2020",
                     "https://data.rivm.nl/geo/ank/wcs": "ank__Stedelijk_hitte_eiland_effect_01062022_v2"}
    assert a.rasters["noise"].unit == "dB" and a.rasters["uhi"].unit == "degC"
    _quiet(fetch_area, online, tmp_path / "d", progress=False)
    doc = tomllib.loads((tmp_path / "d" / "area.toml").read_text("utf-8"))
    assert doc["rasters"]["uhi"]["downloaded_from"] == "https://data.rivm.nl/geo/ank/wcs"
    assert doc["rasters"]["uhi"]["source"].startswith("ank__Stedelijk_hitte_eiland_effect_01062022_v2")
