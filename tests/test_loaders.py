"""Loaders: GraphML / OSM XML / PBF graphs, online OSM wrappers, CBS OData, PDOK, WCS.

No test touches the network: online loaders get recorded responses (tests/data,
tests/_recorded.py) or monkeypatched osmnx functions.
"""

from __future__ import annotations

import math
import sys
import warnings

import networkx as nx
import numpy as np
import pytest
from _recorded import (
    CBS_API,
    CBS_FEED,
    PDOK_BAG,
    PDOK_BGT,
    PDOK_BUURTEN,
    FakeSession,
    cbs_routes,
    fake_osmnx,
    geotiff_bytes,
    ok,
    paged,
    recorded,
    uhi_tiff,
)
from shapely.geometry import LineString, Point, Polygon, box

from afweging import settings
from afweging._errors import (
    DownloadError,
    HttpStatusError,
    NetworkError,
    NoMatchError,
    OptionalDependencyError,
    UnknownModeError,
)
from afweging.data import _cache, osm

# Domtoren, Utrecht: lon/lat and RD New (geo/crs.py doctest; rounded to 10 m)
DOM_LONLAT = (5.1214, 52.0907)
DOM_RD = (136780.0, 455860.0)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "use_cache", True)
    return tmp_path / "cache"


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance with the mean earth radius osmnx uses (6,371,009 m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_009 * math.asin(math.sqrt(a))


# ------------------------------------------------------------------------ GraphML

TINY_GRAPHML = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="geometry" attr.type="string" for="edge" id="d9" />
  <key attr.name="name" attr.type="string" for="edge" id="d8" />
  <key attr.name="length" attr.type="string" for="edge" id="d7" />
  <key attr.name="oneway" attr.type="string" for="edge" id="d6" />
  <key attr.name="highway" attr.type="string" for="edge" id="d5" />
  <key attr.name="osmid" attr.type="string" for="edge" id="d4" />
  <key attr.name="street_count" attr.type="string" for="node" id="d3" />
  <key attr.name="x" attr.type="string" for="node" id="d2" />
  <key attr.name="y" attr.type="string" for="node" id="d1" />
  <key attr.name="crs" attr.type="string" for="graph" id="d0" />
  <graph edgedefault="{directed}">
    <data key="d0">epsg:4326</data>
    <node id="1"><data key="d1">52.0907</data><data key="d2">5.1214</data><data key="d3">2</data></node>
    <node id="2"><data key="d1">52.0917</data><data key="d2">5.1214</data><data key="d3">2</data></node>
    <node id="3"><data key="d1">52.0917</data><data key="d2">5.1230</data><data key="d3">1</data></node>
    <edge id="0" source="1" target="2">
      <data key="d4">[10, 11]</data><data key="d5">['residential', 'footway']</data>
      <data key="d6">False</data><data key="d7">{length}</data><data key="d8">Domplein</data>
      <data key="d9">LINESTRING (5.1214 52.0907, 5.1215 52.0912, 5.1214 52.0917)</data>
    </edge>
    <edge id="0" source="2" target="1">
      <data key="d4">[10, 11]</data><data key="d5">['residential', 'footway']</data>
      <data key="d6">False</data><data key="d7">{length}</data>
      <data key="d9">LINESTRING (5.1214 52.0917, 5.1215 52.0912, 5.1214 52.0907)</data>
    </edge>
    <edge id="0" source="2" target="3">
      <data key="d4">12</data><data key="d5">residential</data><data key="d6">{oneway}</data><data key="d7">109.7</data>
    </edge>
  </graph>
</graphml>
"""


def _write_graphml(tmp_path, *, directed="directed", length="111.5", oneway="True", name="tiny.graphml"):
    text = TINY_GRAPHML.replace("{directed}", directed).replace("{length}", length).replace("{oneway}", oneway)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_graphml_types_and_projection(tmp_path):
    g = osm.read_graph(_write_graphml(tmp_path))
    assert isinstance(g, nx.MultiDiGraph)
    assert (g.number_of_nodes(), g.number_of_edges()) == (3, 3)
    from pyproj import CRS

    assert CRS.from_user_input(g.graph["crs"]) == CRS.from_user_input("EPSG:28992")
    x, y = g.nodes[1]["x"], g.nodes[1]["y"]
    assert abs(x - DOM_RD[0]) < 10 and abs(y - DOM_RD[1]) < 10
    # node 2 is 0.001 degree north: about 111 m north in RD
    assert abs(g.nodes[2]["y"] - y - 111.2) < 1.0
    assert g.nodes[1]["street_count"] == 2 and isinstance(g.nodes[1]["street_count"], int)
    d = g.edges[1, 2, 0]
    assert d["osmid"] == [10, 11] and d["highway"] == ["residential", "footway"]
    assert d["oneway"] is False and d["length"] == 111.5 and d["name"] == "Domplein"
    assert isinstance(d["geometry"], LineString)
    gx, gy = d["geometry"].coords[0]
    assert (gx, gy) == pytest.approx((x, y), abs=1e-6)  # geometry projected like the nodes
    assert g.edges[2, 3, 0]["oneway"] is True and g.edges[2, 3, 0]["osmid"] == 12
    assert "geometry" not in g.edges[2, 3, 0]


@pytest.mark.utrecht
@pytest.mark.parametrize(
    ("name", "nodes", "edges", "km"),
    [("kanaleneiland_walk", 2833, 7550, 263.0), ("kanaleneiland_bike", 536, 1223, 71.6)],
)
def test_graphml_equals_osmnx_on_utrecht(utrecht_dir, name, nodes, edges, km):
    """The fast reader gives exactly what ox.load_graphml + ox.project_graph give."""
    ox = pytest.importorskip("osmnx")
    path = utrecht_dir / "network" / f"{name}.graphml"
    ours = osm.read_graph(path)
    ref = ox.project_graph(ox.load_graphml(path), to_crs="EPSG:28992")
    # counts and total length as documented in SOURCES.md
    assert (ours.number_of_nodes(), ours.number_of_edges()) == (nodes, edges)
    total_km = sum(d["length"] for *_, d in ours.edges(data=True)) / 1000
    assert round(total_km, 1) == km
    # same nodes, edges and order as osmnx
    assert list(ours.nodes) == list(ref.nodes)
    assert list(ours.edges(keys=True)) == list(ref.edges(keys=True))
    for n in list(ref.nodes)[:: max(1, nodes // 50)]:
        assert ours.nodes[n] == ref.nodes[n]
    for u, v, k, d in ours.edges(keys=True, data=True):
        r = ref.edges[u, v, k]
        assert set(d) == set(r)
        for a, val in d.items():
            if a == "geometry":
                assert val.equals_exact(r[a], 0.0)
            else:
                assert val == r[a] and type(val) is type(r[a])
    # the RD coordinates are in Kanaleneiland (RD x 133-137 km, y 452-456 km)
    xs = np.array([d["x"] for _, d in ours.nodes(data=True)])
    ys = np.array([d["y"] for _, d in ours.nodes(data=True)])
    assert xs.min() > 132_000 and xs.max() < 138_000 and ys.min() > 451_000 and ys.max() < 457_000


def test_graphml_bad_files(tmp_path):
    text = tmp_path / "notes.graphml"
    text.write_text("these are not the streets you are looking for\n")
    with pytest.raises(NetworkError, match=r"notes\.graphml is geen GraphML-graaf.*save_graphml"):
        osm.read_graph(text, what="[networks.walk] in area.toml")
    xml = tmp_path / "other.graphml"
    xml.write_text("<?xml version='1.0'?><kml><Document/></kml>")
    with pytest.raises(NetworkError, match=r"is XML maar geen GraphML \(het hoofdelement is <kml>\)"):
        osm.read_graph(xml)
    binary = tmp_path / "streets.graphml"
    binary.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 4)
    with pytest.raises(NetworkError, match=r"streets\.graphml is geen GraphML-graaf"):
        osm.read_graph(binary)
    with pytest.raises(NetworkError, match=r"ongerichte graaf.*gerichte multigraaf"):
        osm.read_graph(_write_graphml(tmp_path, directed="undirected", name="u.graphml"))
    with pytest.raises(NetworkError, match=r"edge \(2, 3\): attribuut 'oneway' heeft de waarde 'sometimes'.*True/False"):
        osm.read_graph(_write_graphml(tmp_path, oneway="sometimes", name="o.graphml"))
    with pytest.raises(NetworkError, match=r"attribuut 'length' heeft de waarde 'long'"):
        osm.read_graph(_write_graphml(tmp_path, length="long", name="l.graphml"))
    with pytest.raises(NetworkError, match="onbekend netwerkformaat 'shp'"):
        osm.read_graph(_write_graphml(tmp_path, name="x.graphml"), format="shp")


def test_project_graph_refuses_unusable_graphs():
    g = nx.MultiDiGraph()
    g.add_edge(1, 2, length=10.0)
    with pytest.raises(NetworkError, match=r"geen attribuut 'crs'.*G.graph\['crs'\] = 'EPSG:28992'"):
        osm.project_graph(g, what="hand-made")
    g.graph["crs"] = "EPSG:28992"
    nx.set_node_attributes(g, {1: 0.0, 2: 10.0}, "x")
    nx.set_node_attributes(g, {1: 0.0, 2: 0.0}, "y")
    g.add_edge(2, 1)
    with pytest.raises(NetworkError, match=r"1 lijn\(en\) hebben geen 'length'.*add_edge_lengths"):
        osm.project_graph(g, what="hand-made")
    with pytest.raises(NetworkError, match=r"is een Graph, geen gerichte multigraaf.*nx\.MultiDiGraph\(G\)"):
        osm.project_graph(nx.Graph(g), what="hand-made")
    empty = nx.MultiDiGraph(crs="EPSG:28992")
    with pytest.raises(NetworkError, match="geen knopen of geen lijnen"):
        osm.project_graph(empty, what="hand-made")


# ------------------------------------------------------------------------ OSM XML

# A (5.0000, 52.000) - B (5.0000, 52.001) - C (5.0000, 52.002): residential, two-way
# B - D (5.0016, 52.001): residential, oneway=yes, oneway:bicycle=no
# C - D: cycleway (bike only)
# A - H (4.9984, 52.000): footway (walk only)
# E-F-G-E: a building (in neither graph)
OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="52.000" lon="5.0000"/>
  <node id="2" lat="52.001" lon="5.0000"/>
  <node id="3" lat="52.002" lon="5.0000"/>
  <node id="4" lat="52.001" lon="5.0016"/>
  <node id="8" lat="52.000" lon="4.9984"/>
  <node id="5" lat="52.0015" lon="5.0005"/>
  <node id="6" lat="52.0015" lon="5.0010"/>
  <node id="7" lat="52.0018" lon="5.0008"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="Laan"/></way>
  <way id="101"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/><tag k="oneway:bicycle" v="no"/></way>
  <way id="102"><nd ref="3"/><nd ref="4"/><tag k="highway" v="cycleway"/></way>
  <way id="103"><nd ref="1"/><nd ref="8"/><tag k="highway" v="footway"/></way>
  <way id="104"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="5"/><tag k="building" v="yes"/></way>
  <relation id="9"><member type="way" ref="104" role="outer"/><tag k="type" v="multipolygon"/></relation>
</osm>
"""

NODES = {1: (5.0, 52.0), 2: (5.0, 52.001), 3: (5.0, 52.002), 4: (5.0016, 52.001), 8: (4.9984, 52.0)}


def _len(a: int, b: int) -> float:
    return haversine_m(*NODES[a], *NODES[b])


@pytest.fixture(scope="module")
def osm_xml(tmp_path_factory):
    path = tmp_path_factory.mktemp("osm") / "tiny.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


def test_osm_xml_walk_graph(osm_xml):
    pytest.importorskip("osmnx")
    g = osm.read_graph(osm_xml, mode="walk")
    highways = {h for *_, d in g.edges(data=True) for h in np.atleast_1d(d["highway"])}
    assert highways == {"residential", "footway"}  # no cycleway, no building
    # A lies between H and B and is simplified away: nodes H, B, C, D
    assert sorted(g.nodes) == [2, 3, 4, 8]
    assert g.number_of_edges() == 6
    # walking: every street in both directions, also the one-way street
    assert all(g.has_edge(v, u) for u, v in g.edges())
    # 0.001 degree of latitude is 111.195 m; 0.0016 degree of longitude at 52 N is 109.53 m
    assert _len(1, 2) == pytest.approx(111.195, abs=0.001)
    assert _len(2, 4) == pytest.approx(109.53, abs=0.01)
    expected = 2 * (_len(8, 1) + _len(1, 2) + _len(2, 3) + _len(2, 4))
    assert sum(d["length"] for *_, d in g.edges(data=True)) == pytest.approx(expected, abs=0.01)


def test_osm_xml_bike_graph(osm_xml):
    pytest.importorskip("osmnx")
    g = osm.read_graph(osm_xml, format="osm", mode="bike")
    highways = {h for *_, d in g.edges(data=True) for h in np.atleast_1d(d["highway"])}
    assert highways == {"residential", "cycleway"}  # no footway
    # C lies between B and D (street B-C, cycleway C-D) and is simplified away
    assert sorted(g.nodes) == [1, 2, 4]
    assert g.number_of_edges() == 5  # A<->B, B<->D via C, and B->D
    # the one-way street B->D (way 101) has no reverse edge for bikes, but keeps
    # oneway:bicycle=no so that the engine can add it
    way101 = [(u, v, d) for u, v, d in g.edges(data=True) if d["osmid"] == 101]
    assert [(u, v) for u, v, _ in way101] == [(2, 4)]
    d = way101[0][2]
    assert d["oneway"] is True and d["oneway:bicycle"] == "no"
    expected = 2 * (_len(1, 2) + _len(2, 3) + _len(3, 4)) + _len(2, 4)
    assert sum(d["length"] for *_, d in g.edges(data=True)) == pytest.approx(expected, abs=0.01)
    # projected to RD, lengths in metres agree with the RD straight-line distance (< 0.1 %)
    rd = math.dist((g.nodes[1]["x"], g.nodes[1]["y"]), (g.nodes[2]["x"], g.nodes[2]["y"]))
    assert rd == pytest.approx(_len(1, 2), rel=1e-3)


def test_osm_xml_needs_mode_and_usable_ways(osm_xml, tmp_path):
    with pytest.raises(UnknownModeError, match=r"vervoerswijze nodig.*\['walk', 'bike'\]"):
        osm.read_graph(osm_xml)
    only_building = tmp_path / "building.osm"
    only_building.write_text(
        '<osm version="0.6"><node id="1" lat="52" lon="5"/><node id="2" lat="52.001" lon="5"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>'
    )
    with pytest.raises(NetworkError, match=r"bevat geen wegen voor 'walk'.*stratenuitsnede"):
        osm.read_graph(only_building, mode="walk")
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'")
    with pytest.raises(NetworkError, match=r"broken\.osm is geen OSM XML.*als \.osm \(XML\)"):
        osm.read_graph(broken, mode="walk")


def test_way_filter_follows_overpass_semantics():
    walk, bike = osm.way_filter("walk"), osm.way_filter("bike")
    assert walk({"highway": "footway"}) and not bike({"highway": "footway"})
    assert bike({"highway": "cycleway"}) and not walk({"highway": "cycleway"})
    assert not walk({"highway": "residential", "access": "private"})
    assert not walk({"highway": "service", "service": "private"})
    assert not walk({"highway": "motorway"})  # "motor" matches anywhere in the value
    assert not walk({"highway": "pedestrian", "area": "yes"})
    assert walk({"highway": "pedestrian", "area": "no"})
    assert not bike({"highway": "residential", "bicycle": "no"})
    assert not walk({"building": "yes"})


def test_pbf_needs_pyosmium(tmp_path, monkeypatch):
    pbf = tmp_path / "utrecht.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0d")
    monkeypatch.setitem(sys.modules, "osmium", None)  # import osmium -> ImportError
    with pytest.raises(OptionalDependencyError, match=r"pip install 'afweging\[pbf\]'.*osmium cat utrecht\.osm\.pbf"):
        osm.read_graph(pbf, mode="walk")


def test_pbf_with_pyosmium(osm_xml, tmp_path):
    osmium = pytest.importorskip("osmium")
    pytest.importorskip("osmnx")
    pbf = tmp_path / "tiny.osm.pbf"
    # convert the tiny XML extract to PBF with pyosmium itself
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for obj in osmium.FileProcessor(str(osm_xml)):
            writer.add(obj)
    finally:
        writer.close()
    from_pbf = osm.read_graph(pbf, mode="bike")
    from_xml = osm.read_graph(osm_xml, mode="bike")
    assert sorted(from_pbf.nodes) == sorted(from_xml.nodes)
    assert sorted(from_pbf.edges(keys=True)) == sorted(from_xml.edges(keys=True))
    assert sum(d["length"] for *_, d in from_pbf.edges(data=True)) == pytest.approx(
        sum(d["length"] for *_, d in from_xml.edges(data=True))
    )


# ----------------------------------------------------------------- online osmnx


def test_graph_from_polygon_wrapper(cache_dir, monkeypatch):
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=DOM_LONLAT[0], y=DOM_LONLAT[1])
    g.add_node(2, x=DOM_LONLAT[0], y=DOM_LONLAT[1] + 0.001)
    g.add_edge(1, 2, length=111.2, oneway=False, highway="residential")
    g.add_edge(2, 1, length=111.2, oneway=False, highway="residential")
    calls: list = []
    fake = fake_osmnx(calls, graph=g)
    monkeypatch.setitem(sys.modules, "osmnx", fake)
    area = box(DOM_RD[0] - 500, DOM_RD[1] - 500, DOM_RD[0] + 500, DOM_RD[1] + 500)  # RD
    out = osm.graph_from_polygon(area, mode="bike")
    _, bounds, network_type, folder, tags, overpass, retain_all = calls[0]
    assert network_type == "bike" and retain_all is False  # osmnx's default: the largest piece
    osm.graph_from_polygon(area, mode="bike", retain_all=True)
    assert calls[1][-1] is True
    # the polygon reached osmnx in longitude/latitude around the Domtoren
    assert bounds[0] == pytest.approx(DOM_LONLAT[0] - 0.0073, abs=0.001)
    assert bounds[1] == pytest.approx(DOM_LONLAT[1] - 0.0045, abs=0.001)
    assert folder == str(cache_dir / "osmnx") and overpass == osm.OVERPASS_URL
    assert "oneway:bicycle" in tags
    # osmnx's settings are restored after the call
    assert fake.settings.cache_folder == "./cache" and "oneway:bicycle" not in fake.settings.useful_tags_way
    assert out.nodes[1]["x"] == pytest.approx(DOM_RD[0], abs=10)
    assert g.nodes[1]["x"] == DOM_LONLAT[0] and g.graph["crs"] == "epsg:4326"  # input untouched
    assert out.nodes[2]["y"] - out.nodes[1]["y"] == pytest.approx(111.2, abs=1)
    with pytest.raises(UnknownModeError, match="'car'"):
        osm.graph_from_polygon(area, mode="car")


def test_points_from_polygon_wrapper(cache_dir, monkeypatch):
    import geopandas as gpd
    import pandas as pd

    from afweging.data import tags as tagtable

    lon, lat = DOM_LONLAT
    square = Polygon([(lon, lat), (lon + 0.001, lat), (lon + 0.001, lat + 0.001), (lon, lat + 0.001)])
    idx = pd.MultiIndex.from_tuples(
        [("node", 1), ("way", 2), ("way", 3), ("relation", 4), ("node", 5)], names=["element", "id"]
    )
    feats = gpd.GeoDataFrame(
        {
            "amenity": ["pharmacy", None, "doctors", "school", "bench"],
            "leisure": [None, "playground", None, None, None],
            "building": [None, None, "yes", None, None],
            "name": ["Apotheek Dom", None, "Huisarts", "Basisschool", None],
        },
        geometry=[Point(lon, lat), square, square, square, Point(lon, lat)],
        index=idx,
        crs="EPSG:4326",
    )
    calls: list = []
    monkeypatch.setitem(sys.modules, "osmnx", fake_osmnx(calls, features=feats))
    area = box(DOM_RD[0] - 500, DOM_RD[1] - 500, DOM_RD[0] + 500, DOM_RD[1] + 500)
    pts = osm.points_from_polygon(area)
    asked = calls[0][2]
    assert "pharmacy" in asked["amenity"] and "playground" in asked["leisure"]
    assert "house" not in asked.get("building", [])  # only the facility table's tags by default
    got = sorted(zip(pts["osm_type"], pts["osm_id_num"], pts["osm_key"], pts["osm_value"], strict=True))
    assert got == [
        ("node", 1, "amenity", "pharmacy"),
        ("relation", 4, "amenity", "school"),
        ("way", 2, "leisure", "playground"),
        ("way", 3, "amenity", "doctors"),
    ]
    assert pts.crs.to_epsg() == 28992 and (pts.geom_type == "Point").all()
    node = pts[pts["osm_id_num"] == 1].geometry.iloc[0]
    assert (node.x, node.y) == pytest.approx(DOM_RD, abs=10)
    rd_square = gpd.GeoSeries([square], crs="EPSG:4326").to_crs(28992).iloc[0]
    assert rd_square.contains(pts[pts["osm_id_num"] == 2].geometry.iloc[0])
    cats = tagtable.categorise(pts)
    assert {"apotheek", "huisarts", "speelplek", "basisschool"} <= set(cats["category"])


# ----------------------------------------------------------------------- CBS OData


def test_kwb_from_cbs_selects_columns_from_odataapi(cache_dir, monkeypatch):
    from afweging.data.cbs import KWB_USED, ODATA_API_MAX_CELLS, kwb_from_cbs

    session = FakeSession(cbs_routes())
    monkeypatch.setattr(_cache, "_session", session)
    df = kwb_from_cbs("GM0344", year=2023)
    assert df.index.name == "gwb_code_10"
    assert df.index.tolist() == ["GM0344", "WK034401", "BU03440111", "BU03440112"]  # padded keys stripped
    assert df.loc["GM0344", "a_inw"] == 367_947
    assert df.loc["BU03440111", "a_inw"] == 1810 and df.loc["BU03440112", "a_inw"] == 4200
    assert df.loc["BU03440111", "regio"] == "Welgelegen, Den Hommel"
    assert df.loc["BU03440111", "recs"] == "Buurt" and df.loc["BU03440111", "gm_naam"] == "Utrecht"
    assert df.loc["GM0344", "ind_wbi"] == "1"  # IndelingswijzigingGemeenteWijkBuurt_4
    assert df.loc["WK034401", "gwb_code_8"] == "034401"
    assert all(df[c].dtype == "float64" for c in KWB_USED)
    # one query of the ODataApi, with only the columns we use: under 10,000 cells
    typed = [c for c in session.calls if c[1].endswith("TypedDataSet")]
    assert len(typed) == 1 and typed[0][1] == f"{CBS_API}/TypedDataSet"
    select = typed[0][2]["$select"][0].split(",")
    assert select[0] == "WijkenEnBuurten" and "AantalInwoners_5" in select and "OppervlakteLand_113" in select
    assert "MeestVoorkomendePostcode_115" not in select  # not used by the toolkit
    assert 4 * len(select) <= ODATA_API_MAX_CELLS
    flt = typed[0][2]["$filter"][0]
    assert "startswith(WijkenEnBuurten,'BU0344')" in flt and "startswith(WijkenEnBuurten,'WK0344')" in flt
    # a second call is served from the cache
    n = len(session.calls)
    kwb_from_cbs("GM0344", table="85618NED")
    assert len(session.calls) == n


def test_kwb_from_cbs_falls_back_to_odatafeed_when_refused(cache_dir, monkeypatch):
    """The ODataApi refuses more than 10,000 cells; the ODataFeed pages by odata.nextLink."""
    from afweging.data.cbs import kwb_from_cbs

    routes = cbs_routes()
    routes[f"{CBS_API}/TypedDataSet"] = recorded("cbs_odataapi_refusal_10000.json", status=400)
    session = FakeSession(routes)
    monkeypatch.setattr(_cache, "_session", session)
    df = kwb_from_cbs("GM0344")
    typed = [c for c in session.calls if c[1].lower().endswith("typeddataset")]
    assert [c[1] for c in typed] == [
        f"{CBS_API}/TypedDataSet", f"{CBS_FEED}/TypedDataSet",
        "https://opendata.cbs.nl/ODataFeed/OData/85618NED/TypedDataSet",  # the nextLink, followed
    ]
    assert "$select" not in typed[1][2] and typed[2][2]["$skip"] == ["2"]
    assert df.loc["BU03440112", "a_inw"] == 4200 and df.loc["GM0344", "a_woning"] == 165_400
    assert not any("TypedDataSet" in p.read_text("utf-8", "replace") and "odata.error" in p.read_text("utf-8", "replace")
                   for p in cache_dir.rglob("*.bin"))  # the refusal was not cached


def test_kwb_from_cbs_goes_to_the_feed_when_over_10000_cells(cache_dir, monkeypatch):
    from afweging.data import cbs

    monkeypatch.setattr(cbs, "ODATA_API_MAX_CELLS", 100)  # 4 regions x 32 columns = 128 cells
    session = FakeSession(cbs_routes())
    monkeypatch.setattr(_cache, "_session", session)
    df = cbs.kwb_from_cbs("GM0344")
    typed = [c[1] for c in session.calls if c[1].lower().endswith("typeddataset")]
    assert typed[0] == f"{CBS_FEED}/TypedDataSet" and f"{CBS_API}/TypedDataSet" not in typed
    assert df.loc["BU03440111", "a_inw"] == 1810


@pytest.mark.utrecht
def test_kwb_from_cbs_matches_kwb_file(cache_dir, monkeypatch, utrecht_dir):
    from afweging.data.cbs import KWB_USED, kwb_from_cbs, read_kwb

    for routes in (cbs_routes(), {**cbs_routes(), f"{CBS_API}/TypedDataSet": ok({"odata.error": {}}, 400)}):
        monkeypatch.setattr(_cache, "_session", FakeSession(routes))
        online = kwb_from_cbs("GM0344")
        local = read_kwb(utrecht_dir / "cbs_kwb2023_utrecht.csv").loc[online.index]
        for col in [*KWB_USED, "regio", "recs", "gm_naam", "gwb_code_8"]:
            assert online[col].tolist() == local[col].tolist(), col
        _cache.clear()


def test_odata_columns_match_on_base_names():
    """Suffixes change between revisions of one table: OppervlakteLand_113 vs _121."""
    from afweging.data.cbs import _odata_to_kwb

    rows = [{"ID": 0, "WijkenEnBuurten": "BU03440111", "OppervlakteLand_121": 39, "AantalInwoners_5": 1810,
             "IndelingswijzigingGemeenteWijkBuurt_4": "1         "}]
    with pytest.warns(UserWarning, match="mist kolommen"):
        df = _odata_to_kwb(rows, {}, what="CBS test", gemeente="GM0344")
    assert df.loc["BU03440111", "a_lan_ha"] == 39 and df.loc["BU03440111", "ind_wbi"] == "1"


def test_odata_nulls_are_nan_and_missing_columns_warn():
    from afweging.data.cbs import _odata_to_kwb

    rows = [
        {"ID": 0, "WijkenEnBuurten": "BU03440111", "AantalInwoners_5": None, "Woningvoorraad_34": 900,
         "SoortRegio_2": "Buurt     "},
        {"ID": 1, "WijkenEnBuurten": "BU99990101", "AantalInwoners_5": 5, "Woningvoorraad_34": 1},
    ]
    with pytest.warns(UserWarning, match=r"mist kolommen.*a_00_14"):
        df = _odata_to_kwb(rows, {}, what="CBS test", gemeente="GM0344")
    assert df.index.tolist() == ["BU03440111"]  # the other gemeente's row is dropped
    assert math.isnan(df.loc["BU03440111", "a_inw"])  # secret -> NaN, never 0
    assert df.loc["BU03440111", "a_woning"] == 900
    assert math.isnan(df.loc["BU03440111", "p_wcorpw"])


def test_kwb_from_cbs_errors(cache_dir, monkeypatch):
    from afweging._errors import ManifestError
    from afweging.data.cbs import kwb_from_cbs

    with pytest.raises(ManifestError, match="is geen CBS-gemeentecode; schrijf die als 'GM0344'"):
        kwb_from_cbs("Utrecht")
    with pytest.raises(ManifestError, match=r"Geen CBS-tabel kerncijfers wijken en buurten bekend voor jaar 1999.*table = \"85618NED\""):
        kwb_from_cbs("GM0344", year=1999)
    routes = cbs_routes()
    empty = ok({"odata.metadata": "x", "value": []})
    routes.update({f"{CBS_API}/TypedDataSet": empty, f"{CBS_FEED}/TypedDataSet": empty})
    monkeypatch.setattr(_cache, "_session", FakeSession(routes))
    with pytest.raises(NoMatchError, match="geen regels voor gemeente GM0344"):
        kwb_from_cbs("GM0344")
    # both endpoints refuse: the feed's answer is reported
    routes.update({f"{CBS_API}/TypedDataSet": ok({"odata.error": {}}, 400),
                   f"{CBS_FEED}/TypedDataSet": ok({"odata.error": {"message": {"value": "Tabel niet gevonden"}}}, 404)})
    monkeypatch.setattr(_cache, "_session", FakeSession(routes))
    with pytest.raises(DownloadError, match=r"HTTP 404: 'Tabel niet gevonden'.*Niet gevonden: controleer `url`"):
        kwb_from_cbs("GM0363")


# --------------------------------------------------------------------------- PDOK


def test_buurten_from_pdok_recorded(cache_dir, monkeypatch):
    from afweging.data.pdok import PAGE_LIMIT, RD_CRS_URI, wijken_buurten_from_pdok

    session = FakeSession({PDOK_BUURTEN: paged("pdok_buurten_GM0344")})
    monkeypatch.setattr(_cache, "_session", session)
    gdf = wijken_buurten_from_pdok("GM0344", year=2023)
    assert gdf.crs.to_epsg() == 28992
    assert list(gdf.columns[:3]) == ["buurtcode", "buurtnaam", "wijkcode"]
    # the water part of BU03440112 and the Nieuwegein buurt are dropped
    assert gdf["buurtcode"].tolist() == ["BU03440111", "BU03440112", "BU03440113"]
    assert gdf.area.tolist() == [20_000.0, 10_000.0, 30_000.0]  # 200x100, 100x100, 300x100 m
    assert gdf["wijkcode"].unique().tolist() == ["WK034401"]
    assert gdf["aantal_inwoners"].iloc[0] == 1810 and math.isnan(gdf["aantal_inwoners"].iloc[2])
    assert len(session.calls) == 2
    first, second = session.calls[0][2], session.calls[1][2]
    assert first["crs"] == [RD_CRS_URI] and first["gemeentecode"] == ["GM0344"]
    assert first["limit"] == [str(PAGE_LIMIT)] and first["f"] == ["json"]
    assert second["cursor"] == ["Bw|AAAAAAAAAAI"]  # the rel=next link, followed as given
    # with water: BU03440112 is one row, land and water united (100x100 + 50x100 m)
    with_water = wijken_buurten_from_pdok("GM0344", include_water=True)
    assert with_water.set_index("buurtcode").area["BU03440112"] == 15_000.0
    assert len(session.calls) == 2  # both pages came from the cache


def test_pdok_unknown_parameter_falls_back_to_bbox(cache_dir, monkeypatch, slept):
    """GoKoala refuses a property that is not a configured filter with a 400 problem JSON."""
    from afweging.data.pdok import NL_BBOX_RD, RD_CRS_URI, wijken_buurten_from_pdok

    def items(query):  # (the recorded pages' next links still carry gemeentecode; only page 1 is refused)
        if "gemeentecode" in query and "cursor" not in query:
            return recorded("pdok_problem_unknown_query_parameter.json", status=400,
                            headers={"Content-Type": "application/problem+json"})
        return paged("pdok_buurten_GM0344")(query)

    session = FakeSession({PDOK_BUURTEN: items})
    monkeypatch.setattr(_cache, "_session", session)
    gdf = wijken_buurten_from_pdok("GM0344")
    assert gdf["buurtcode"].tolist() == ["BU03440111", "BU03440112", "BU03440113"]  # filtered here
    assert slept == []  # a 400 is an answer, not a hiccup: no retries
    bbox_query = session.calls[1][2]
    assert bbox_query["bbox"] == [",".join(f"{v:.3f}" for v in NL_BBOX_RD)]
    assert bbox_query["bbox-crs"] == [RD_CRS_URI] and "gemeentecode" not in bbox_query
    assert not [p for p in cache_dir.rglob("*.bin") if b"unknown query parameter" in p.read_bytes()]


def test_pdok_refuses_lonlat_and_empty(cache_dir, monkeypatch):
    from afweging.data.pdok import wijken_buurten_from_pdok

    page = {
        "type": "FeatureCollection", "links": [],
        "features": [{"type": "Feature", "properties": {"buurtcode": "BU03440111", "gemeentecode": "GM0344"},
                      "geometry": {"type": "Point", "coordinates": [5.12, 52.09]}}],
    }
    monkeypatch.setattr(_cache, "_session", FakeSession({PDOK_BUURTEN: ok(page)}))
    with pytest.raises(DownloadError, match=r"coördinaten als \(5.12, 52.09\) zijn geen RD New \(EPSG:28992\)"):
        wijken_buurten_from_pdok("GM0344")
    # the Content-Crs header says CRS84 (the server ignored crs): refused before the coordinates
    crs84 = {"Content-Crs": "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"}
    monkeypatch.setattr(_cache, "_session", FakeSession({PDOK_BUURTEN: recorded("pdok_buurten_GM0344_page1.json",
                                                                                 headers=crs84)}))
    with pytest.raises(DownloadError, match=r"antwoordde in <http://www.opengis.net/def/crs/OGC/1.3/CRS84> "
                                            r"\(Content-Crs\), niet in RD New"):
        wijken_buurten_from_pdok("GM0344")
    assert not list(cache_dir.rglob("*.bin"))  # refused answers are not cached
    monkeypatch.setattr(_cache, "_session", FakeSession({PDOK_BUURTEN: ok({"type": "FeatureCollection", "features": []})}))
    with pytest.raises(NoMatchError, match="geen buurten met gemeentecode GM0344"):
        wijken_buurten_from_pdok("GM0344", year=2023)
    monkeypatch.setattr(_cache, "_session", FakeSession({PDOK_BUURTEN: ok({"title": "Not Found"})}))
    with pytest.raises(DownloadError, match="gaf geen GeoJSON FeatureCollection"):
        wijken_buurten_from_pdok("GM0363")


def test_dwellings_from_bag(cache_dir, monkeypatch):
    from afweging.data.pdok import RD_CRS_URI, dwellings_from_bag

    session = FakeSession({PDOK_BAG: paged("pdok_bag_verblijfsobject")})
    monkeypatch.setattr(_cache, "_session", session)
    bbox = (133900, 454900, 134500, 455200)
    gdf = dwellings_from_bag(bbox)
    # 8 verblijfsobjecten: an office, a withdrawn and a just-formed one are no dwelling in use
    assert gdf["identificatie"].tolist() == [
        "0344010000000001", "0344010000000002", "0344010000000003", "0344010000000007", "0344010000000008",
    ]
    assert gdf.loc[2, "gebruiksdoel"] == "woonfunctie,winkelfunctie"  # mixed use is a dwelling too
    assert gdf.loc[3, "status"] == "Verblijfsobject in gebruik (niet ingemeten)"
    assert gdf.crs.to_epsg() == 28992 and (gdf.geom_type == "Point").all()
    assert (gdf.geometry.x[0], gdf.geometry.y[0]) == (134050.0, 455050.0)
    q = session.calls[0][2]
    assert q["bbox"] == ["133900.000,454900.000,134500.000,455200.000"] and q["bbox-crs"] == [RD_CRS_URI]
    assert q["crs"] == [RD_CRS_URI] and q["limit"] == ["1000"]
    assert session.calls[1][2]["cursor"] == ["Eg|AAAAAAAAAAQ"]


def test_green_from_bgt_and_the_green_table(cache_dir, monkeypatch):
    from afweging.data.pdok import (
        bgt_green_collections,
        classify_bgt_green,
        green_from_bgt,
        load_bgt_green_table,
    )

    assert bgt_green_collections() == ["begroeidterreindeel"]
    table = load_bgt_green_table()
    assert table["ondersteunendwegdeel", "groenvoorziening"].green is False  # verges: decided, not counted
    session = FakeSession({PDOK_BGT: paged("pdok_bgt_begroeidterreindeel")})
    monkeypatch.setattr(_cache, "_session", session)
    gdf = green_from_bgt((133900, 454900, 134500, 455200))
    # 7 objects: the old version (eind_registratie set) and the planned one are not the BGT of today
    assert gdf["fysiek_voorkomen"].tolist() == [
        "groenvoorziening", "grasland overig", "grasland agrarisch", "loofbos", "nieuwe klasse",
    ]
    assert (gdf["bgt_collection"] == "begroeidterreindeel").all() and gdf.crs.to_epsg() == 28992
    with pytest.warns(UserWarning, match=r"1 BGT-klasse\(n\) staan niet in de groentabel.*nieuwe klasse"):
        green = classify_bgt_green(gdf)
    assert green.tolist() == [True, True, False, True, False]
    assert gdf.area[green].sum() == 8_000 + 2_000 + 400


# ---------------------------------------------------------------------------- WCS


def test_raster_from_wcs_recorded(cache_dir, monkeypatch):
    from afweging.data.rasters import ALO_WCS, raster_from_wcs

    session = FakeSession({ALO_WCS: ok(geotiff_bytes())})
    monkeypatch.setattr(_cache, "_session", session)
    r = raster_from_wcs(ALO_WCS, "alo__geluid_lden", (136000, 455000, 136030, 455020), unit="dB",
                        resolution_m=10)
    assert r.unit == "dB" and r.data.shape == (2, 3)
    assert r.data[0, :2].tolist() == [50.0, 55.0] and math.isnan(r.data[0, 2])  # nodata -> NaN
    assert r.bounds == (136000.0, 455000.0, 136030.0, 455020.0)
    assert r.sample(np.array([136015.0]), np.array([455005.0])).tolist() == [65.0]
    q = session.calls[0][2]
    assert q["coverageId"] == ["alo__geluid_lden"] and q["format"] == ["image/tiff"]
    assert q["subset"] == ["X(136000.000,136030.000)", "Y(455000.000,455020.000)"]
    # scalesize names the grid axes i/j, as GeoServer requires (not X/Y)
    assert q["scalesize"] == ["http://www.opengis.net/def/axis/OGC/1/i(3),http://www.opengis.net/def/axis/OGC/1/j(2)"]
    raster_from_wcs(ALO_WCS, "alo__geluid_lden", (136000, 455000, 136030, 455020), unit="dB", resolution_m=10)
    assert len(session.calls) == 1  # cached


def test_wcs_fill_value_is_masked_and_declared_zero_kept(cache_dir, monkeypatch):
    from afweging.data.rasters import ANK_WCS, RIVM_UHI_COVERAGE, raster_from_wcs

    monkeypatch.setattr(_cache, "_session", FakeSession({ANK_WCS: ok(uhi_tiff())}))
    r = raster_from_wcs(ANK_WCS, RIVM_UHI_COVERAGE, (133900, 454900, 134500, 455200), unit="degC")
    assert np.isnan(r.data[:5]).all()  # -3.4e38 fill
    assert r.data[10, 40] == 0.0  # declared nodata 0, but a real zero: the fill is -3.4e38
    assert r.data[10, 0] == pytest.approx(1.2)
    assert np.nanmin(r.data) == 0.0 and np.nanmax(r.data) == pytest.approx(1.2)


def test_raster_from_wcs_exception_report_not_cached(cache_dir, monkeypatch, slept):
    from afweging._errors import ManifestError
    from afweging.data.rasters import ALO_WCS, ANK_WCS, raster_from_wcs

    # GeoServer: HTTP 404 with an OWS 2.0 ExceptionReport; not retried, its text shown
    session = FakeSession({ALO_WCS: recorded("wcs_exception_nosuchcoverage.xml", status=404,
                                             headers={"Content-Type": "application/xml"})})
    monkeypatch.setattr(_cache, "_session", session)
    with pytest.raises(HttpStatusError, match=r"HTTP 404: 'Could not find the requested coverage\(s\): "
                                              r"alo__rivm_20220601_Geluid_lden_allebronnen_2019'.*Niet gevonden"):
        raster_from_wcs(ALO_WCS, "alo__rivm_20220601_Geluid_lden_allebronnen_2019", (0, 300000, 10, 300010), unit="dB")
    assert len(session.calls) == 1 and slept == []
    # some servers answer the report with HTTP 200: refused by the TIFF check
    session.routes[ALO_WCS] = recorded("wcs_exception_nosuchcoverage.xml")
    with pytest.raises(DownloadError, match=r"gaf geen GeoTIFF maar 'Could not find the requested coverage"):
        raster_from_wcs(ALO_WCS, "alo__x", (0, 300000, 10, 300010), unit="dB")
    assert not list(cache_dir.rglob("*.bin"))
    with pytest.raises(ManifestError, match=r"WCS 1\.0\.0 heeft `resolution_m` nodig"):
        raster_from_wcs(ANK_WCS, "ank:hitte", (0, 300000, 10, 300010), unit="degC", version="1.0.0")
    session.routes[ANK_WCS] = ok(geotiff_bytes())
    raster_from_wcs(ANK_WCS, "ank:hitte", (136000, 455000, 136030, 455020), unit="degC",
                    version="1.0.0", resolution_m=10)
    q = session.calls[-1][2]
    assert q["bbox"] == ["136000.000,455000.000,136030.000,455020.000"] and q["resx"] == ["10"]
    assert q["coverage"] == ["ank:hitte"] and q["crs"] == ["EPSG:28992"]


def test_no_warnings_leak_from_osmnx_settings(monkeypatch, cache_dir):
    """_osmnx_settings silences osmnx's own UserWarnings only inside the call."""
    fake = fake_osmnx([])
    with osm._osmnx_settings(fake, "walk"):
        warnings.warn("osmnx internal", UserWarning, stacklevel=1)
    with pytest.warns(UserWarning, match="outside"):
        warnings.warn("outside", UserWarning, stacklevel=1)


# ------------------------------------------------------------------ Overpass (osmnx)

OVERPASS = "https://overpass-api.de/api"


@pytest.fixture
def overpass(monkeypatch, cache_dir):
    """Real osmnx, its HTTP calls served by recorded Overpass answers (no network, no DNS)."""
    import socket

    import osmnx as ox
    import requests
    from _recorded import DATA, FakeAdapter

    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)  # osmnx replaces it; restored after
    monkeypatch.setattr(socket, "gethostbyname", lambda host: "192.0.2.1")
    monkeypatch.setattr(ox._overpass.time, "sleep", lambda s: None)  # osmnx's own slot pause
    html = (DATA / "overpass_429_rate_limited.html").read_bytes()
    answer = (DATA / "overpass_features_GM0344.json").read_bytes()
    status = (DATA / "overpass_status_slot.txt").read_bytes()
    fake = FakeAdapter({
        f"GET {OVERPASS}/status": [(200, status, {"Content-Type": "text/plain; charset=utf-8"})],
        f"POST {OVERPASS}/interpreter": [
            (429, html, {"Content-Type": "text/html; charset=utf-8"}),  # as overpass-api.de answers it
            (200, answer, {"Content-Type": "application/json"}),
        ],
    })
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", lambda adapter, request, **kw: fake.send(adapter, request, **kw))
    return fake


def _gemeente_box():
    return box(133900, 454900, 134500, 455200)  # RD, around the recorded buurten


def test_overpass_429_waits_for_the_announced_slot_and_is_not_cached(overpass, slept, cache_dir):
    from afweging.data import tags as tagtable

    pts = osm.points_from_polygon(_gemeente_box())
    posts = [u for m, u in overpass.calls if m == "POST"]
    assert len(posts) == 2  # the 429, then the answer
    # no Retry-After on overpass-api.de's 429: the wait comes from /status ("Slot available
    # after: 2024-05-01T10:00:12Z" -- in the past by now, so osmnx's minimum of 1 s)
    assert slept == [1.0]
    assert [u for m, u in overpass.calls if m == "GET"] == [f"{OVERPASS}/status"] * 2
    cached = list((cache_dir / "osmnx").glob("*.json"))
    assert len(cached) == 1 and b"rate_limited" not in cached[0].read_bytes()  # only the answer
    doctors = pts[pts["osm_value"] == "doctors"].sort_values("osm_id_num")
    assert doctors["osm_id_num"].tolist() == [101, 102, 103]
    assert doctors["healthcare:speciality"].tolist()[:2] == ["general", "dermatology"]
    cats = tagtable.categorise(pts)
    gp = cats[cats["category"] == "huisarts"]
    # the dermatologist is no GP; 101 counts once although it matches amenity=doctors and healthcare=doctor
    assert sorted(gp["osm_id_num"].tolist()) == [101, 103]
    assert cats[cats["category"] == "speelplek"]["osm_id_num"].tolist() == [201]
    osm.points_from_polygon(_gemeente_box())
    assert len([u for m, u in overpass.calls if m == "POST"]) == 2  # from osmnx's cache


def test_overpass_retry_after_and_lasting_refusal(overpass, slept, cache_dir, monkeypatch):
    html = overpass.routes[f"POST {OVERPASS}/interpreter"][0][1]
    overpass.routes[f"POST {OVERPASS}/interpreter"] = [
        (429, html, {"Retry-After": "30"}), (200, overpass.routes[f"POST {OVERPASS}/interpreter"][1][1], {}),
    ]
    osm.points_from_polygon(_gemeente_box())
    assert slept == [30.0]
    slept.clear()
    _cache_files = list((cache_dir / "osmnx").glob("*.json"))
    for f in _cache_files:
        f.unlink()
    overpass.routes[f"POST {OVERPASS}/interpreter"] = [(504, html.replace(b"rate_limited", b"timeout"), {})]
    with pytest.raises(HttpStatusError, match=r"OpenStreetMap \(Overpass\): .*antwoordde HTTP 504.*timeout.*"
                                              r"ook na 4 nieuwe pogingen.*andere Overpass-server met `url`"):
        osm.points_from_polygon(_gemeente_box())
    assert slept == [2.0, 4.0, 8.0, 16.0] and not list((cache_dir / "osmnx").glob("*.json"))
