"""The Dutch messages of the street-network checks (geo/network.py, data/osm.py, data/_graphml.py).

Each test builds the smallest input that triggers one check and matches the part of the
message that names the problem and the fix.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from afweging._errors import InputFileNotFoundError, InvalidGeometryError, NetworkError, NoCrsError
from afweging.data import osm
from afweging.geo.network import StreetNetwork, from_networkx


def _network(**change):
    """Two nodes 100 m apart, one two-way edge; ``change`` replaces arrays."""
    arrays = {
        "node_ids": np.array([1, 2]),
        "xy": np.array([[0.0, 0.0], [100.0, 0.0]]),
        "u": np.array([0]),
        "v": np.array([1]),
        "length_m": np.array([100.0]),
        "oneway": np.array([False]),
        "contraflow": np.array([False]),
        "description": "het wandelnetwerk",
    }
    arrays.update(change)
    return StreetNetwork(**arrays)


def test_street_network_validation_is_dutch():
    assert _network().n_edges == 1
    with pytest.raises(NetworkError, match=r"het wandelnetwerk heeft 2 knopen en 0 lijnen; een stratennetwerk heeft beide nodig"):
        _network(u=np.array([], dtype=int), v=np.array([], dtype=int), length_m=np.array([]),
                 oneway=np.array([], dtype=bool), contraflow=np.array([], dtype=bool))
    with pytest.raises(NetworkError, match=r"knoopnummers en de coördinaten zijn niet even lang"):
        _network(node_ids=np.array([1, 2, 3]))
    with pytest.raises(NetworkError, match=r"x/y-coördinaten die geen eindig getal zijn"):
        _network(xy=np.array([[0.0, 0.0], [np.nan, 0.0]]))
    with pytest.raises(NetworkError, match=r"de lijnenreeks 'length_m' heeft niet de lengte van het aantal lijnen"):
        _network(length_m=np.array([100.0, 5.0]))
    with pytest.raises(NetworkError, match=r"een lijn verwijst naar een knoop die niet bestaat"):
        _network(v=np.array([2]))
    with pytest.raises(NetworkError, match=r"Lijn \(1, 2\) van het wandelnetwerk heeft lengte -1\.0 \(1 lijn\(en\) in totaal\)"):
        _network(length_m=np.array([-1.0]))
    with pytest.raises(NetworkError, match=r"geom_offsets en geom_xy horen samen"):
        _network(geom_offsets=np.array([0, 0]))
    with pytest.raises(NetworkError, match=r"geom_offsets past niet bij de lijnen"):
        _network(geom_offsets=np.array([0, 1]), geom_xy=np.zeros((2, 2)))


def test_from_networkx_messages_are_dutch():
    g = nx.MultiDiGraph()
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=100.0, y=0.0)
    g.add_edge(1, 2, length=100.0)
    with pytest.raises(NetworkError, match=r"het stratennetwerk heeft geen graafattribuut 'crs'.*osmnx\.project_graph"):
        from_networkx(g)
    with pytest.raises(NetworkError, match=r"is een list, geen networkx-graaf"):
        from_networkx([(1, 2)])
    g.graph["crs"] = "EPSG:28992"
    assert from_networkx(g).n_edges == 1


def test_project_graph_node_without_xy_is_dutch():
    g = nx.MultiDiGraph(crs="EPSG:4326")
    g.add_node(1, x=5.0, y=52.0)
    g.add_node(2)
    g.add_edge(1, 2, length=10.0)
    with pytest.raises(NetworkError, match=r"hand: knopen \[2\] hebben geen 'x'/'y'-coördinaten.*lengte/breedte"):
        osm.project_graph(g, what="hand")
    rd = nx.MultiDiGraph(crs="EPSG:28992")
    rd.add_node(1, x=0.0, y=0.0)
    rd.add_node(2)
    rd.add_edge(1, 2, length=10.0)
    with pytest.raises(NetworkError, match=r"knopen \[2\] hebben geen 'x'/'y'-coördinaten \(RD-meters\)"):
        osm.project_graph(rd, what="hand")


def test_osm_xml_messages_are_dutch(tmp_path):
    empty = tmp_path / "leeg.osm"
    empty.write_text('<osm version="0.6"></osm>')
    with pytest.raises(NetworkError, match=r"leeg\.osm bevat geen OSM-knopen of -wegen"):
        osm.read_graph(empty, mode="walk")
    holes = tmp_path / "gaten.osm"
    holes.write_text(
        '<osm version="0.6"><node id="1" lat="52" lon="5"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>'
    )
    with pytest.raises(NetworkError, match=r"wegen verwijzen naar 1 knopen die niet in het bestand staan \(bijv\. \[2\]\).*--strategy complete_ways"):
        osm.read_graph(holes, mode="walk")
    with pytest.raises(InputFileNotFoundError, match=r"het netwerkbestand .*nergens\.osm bestaat niet"):
        osm.read_graph(tmp_path / "nergens.osm", mode="walk")


def test_download_polygon_checks_are_dutch():
    import geopandas as gpd

    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    with pytest.raises(NoCrsError, match=r"de polygoon heeft geen coördinatenstelsel; zet het \(bijv\. EPSG:28992\)"):
        osm.download_graph(gpd.GeoSeries([square]), mode="walk")
    with pytest.raises(InvalidGeometryError, match=r"verwacht een \(Multi\)Polygon.*gekregen Point"):
        osm.download_graph(Point(0, 0), mode="walk")


def _graphml(tmp_path, body: str):
    path = tmp_path / "net.graphml"
    path.write_text('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">' + body + "</graphml>")
    return path


def test_graphml_structure_messages_are_dutch(tmp_path):
    two = _graphml(tmp_path, '<graph edgedefault="directed"/><graph edgedefault="directed"/>')
    with pytest.raises(NetworkError, match=r"bevat 2 <graph>-elementen; verwacht wordt één stratennetwerk.*save_graphml"):
        osm.read_graph(two)
    no_id = _graphml(tmp_path, '<graph edgedefault="directed"><node/></graph>')
    with pytest.raises(NetworkError, match=r"heeft een <node> zonder id"):
        osm.read_graph(no_id)
    undeclared = _graphml(tmp_path, '<graph edgedefault="directed"><node id="1"><data key="d9">0</data></node></graph>')
    with pytest.raises(NetworkError, match=r"gebruikt datasleutel 'd9' die geen <key> declareert"):
        osm.read_graph(undeclared)


def test_crs_and_mode_messages_are_dutch():
    from afweging import settings
    from afweging._errors import GeographicCrsError, UnknownModeError
    from afweging.geo.crs import require_projected

    require_projected("EPSG:28992", what="de buurten")
    with pytest.raises(NoCrsError, match=r"de buurten heeft geen coördinatenstelsel; zet het op EPSG:28992"):
        require_projected(None, what="de buurten")
    with pytest.raises(GeographicCrsError, match=r"staat in lengte- en breedtegraden \(EPSG:4326\).*to_crs\('EPSG:28992'\)"):
        require_projected("EPSG:4326", what="de buurten")
    with pytest.raises(UnknownModeError, match=r"Onbekende vervoerswijze 'car': gebruik 'walk' of 'bike'"):
        settings.speed_m_per_min("car")


def test_from_networkx_reads_raw_osm_oneway_values_as_osmnx():
    """A graph a user built with raw OSM ``oneway`` strings (not osmnx's booleans): ``-1``
    and ``T`` allow travel only against the stored edge (the edge is turned around, its
    geometry read backwards), ``F``/``yes`` along it, ``Yes`` is not one-way (osmnx
    compares exactly), ``oneway:bicycle=no`` lets bikes ride against it. Matrix entries by
    hand."""
    from shapely.geometry import LineString

    from afweging.analyses.reach.graph import build_array_graph

    g = nx.MultiDiGraph(crs="EPSG:28992")
    pos = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (100.0, 100.0), 4: (0.0, 100.0), 5: (-100.0, 0.0)}
    for k, (x, y) in pos.items():
        g.add_node(k, x=x, y=y)
    # 1 -> 2 drawn along the edge with a bend at (50, -10): length 2 * hypot(50, 10)
    bend = 2 * np.hypot(50.0, 10.0)
    g.add_edge(1, 2, length=bend, oneway="-1", geometry=LineString([(0, 0), (50, -10), (100, 0)]))
    g.add_edge(2, 3, length=100.0, oneway="T")
    g.add_edge(3, 4, length=100.0, oneway="F")
    g.add_edge(4, 1, length=100.0, oneway="yes", **{"oneway:bicycle": "no"})
    g.add_edge(1, 5, length=100.0, oneway="Yes")
    net = from_networkx(g)
    at = {int(k): i for i, k in enumerate(net.node_ids)}
    e = int(np.flatnonzero(net.length_m == bend)[0])
    assert (int(net.u[e]), int(net.v[e])) == (at[2], at[1])  # turned around
    assert net.geom_xy[net.geom_offsets[e]:net.geom_offsets[e + 1]].tolist() == [[50.0, -10.0]]
    bike = build_array_graph(net, "bike").forward.toarray()
    walk = build_array_graph(net, "walk").forward.toarray()
    expected_bike = {(2, 1): bend, (3, 2): 100.0, (3, 4): 100.0, (4, 1): 100.0, (1, 4): 100.0,
                     (1, 5): 100.0, (5, 1): 100.0}
    assert _entries(net, bike) == expected_bike
    expected_walk = {**expected_bike, (1, 2): bend, (2, 3): 100.0, (4, 3): 100.0}
    assert _entries(net, walk) == expected_walk


def _entries(net: StreetNetwork, dense: np.ndarray) -> dict:
    """The matrix's non-zero entries by node id."""
    rows, cols = np.nonzero(dense)
    return {(int(net.node_ids[a]), int(net.node_ids[b])): float(dense[a, b])
            for a, b in zip(rows, cols, strict=True)}


def test_unique_sorted_equals_numpy_unique():
    """The sort-based unique (numpy 2.4's np.unique of integers is 20-50x slower) gives
    np.unique's answer: integers of every width, empty, one value, repeats, object strings."""
    from afweging.geo.network import unique_sorted

    rng = np.random.default_rng(3)
    cases = [np.array([], dtype=np.int64), np.array([7]), np.array([2, 2, 2]),
             np.array(["b", "a", "b", None][:3], dtype=object)]
    for dtype in (np.int8, np.int32, np.int64, np.uint16, np.float64):
        for n in (1, 2, 50, 5000):
            cases.append(rng.integers(-40 if dtype != np.uint16 else 0, 40, n).astype(dtype))
    for a in cases:
        got, ref = unique_sorted(a), np.unique(a)
        assert got.dtype == ref.dtype and got.tolist() == ref.tolist()
