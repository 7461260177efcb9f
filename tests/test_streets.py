"""Street networks read into arrays without networkx (afweging.data.streets).

The OSM builder is checked against osmnx itself: the tests generate small OSM extracts
(curved streets with interstitial vertices, every osmnx ``oneway`` value, roundabouts,
``oneway:bicycle``, repeated nodes, loops, a one-way loop, a detached piece, an isolated
ring, a parallel duplicate way, private and non-street ways) and compare with
``osmnx.graph_from_xml`` on the same ways. GraphML streaming and GeoPackage edges are
checked against the networkx reader on the demo and on Kanaleneiland.
"""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pytest

from afweging._errors import NetworkError
from afweging.analyses.reach.graph import build_array_graph
from afweging.data.osm import _write_osm_xml, read_graph
from afweging.data.streets import (
    _endpoints,
    network_from_gpkg,
    network_from_graphml,
    network_from_osm,
    read_network,
)
from afweging.geo.network import StreetNetwork, from_networkx

ONEWAY_VALUES = ["yes", "-1", "T", "F", "true", "1", "reverse", "Yes", "no", "B", None, None, None]
HIGHWAYS = ["residential", "residential", "tertiary", "footway", "cycleway", "service", "living_street", "path"]


def make_extract(seed: int, n: int = 9) -> tuple[dict, list]:
    """OSM nodes {id: (lon, lat, tags)} and ways [(id, refs, tags)] of a small town."""
    rng = np.random.default_rng(seed)
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []

    def node(lon: float, lat: float, tags: dict[str, str] | None = None) -> int:
        nid = 1001 + len(nodes)
        nodes[nid] = (float(lon), float(lat), tags or {})
        return nid

    def way(refs: list[int], tags: dict[str, str]) -> None:
        ways.append((len(ways) + 1, refs, tags))

    lon0, lat0, d = 5.10, 52.08, 0.0012
    grid = {(i, j): node(lon0 + i * d + rng.normal(0, 1e-5), lat0 + j * d * 0.62 + rng.normal(0, 1e-5))
            for i in range(n) for j in range(n)}
    for direction in (0, 1):
        for a in range(n):
            b = 0
            while b < n - 1:
                span = int(rng.integers(1, 4))
                refs: list[int] = []
                for k in range(b, min(b + span, n - 1)):
                    p, q = ((k, a), (k + 1, a)) if direction == 0 else ((a, k), (a, k + 1))
                    if not refs:
                        refs.append(grid[p])
                    (x0, y0, _), (x1, y1, _) = nodes[grid[p]], nodes[grid[q]]
                    for t in range(int(rng.integers(0, 4))):  # curved: interstitial vertices
                        f = (t + 1) / 5
                        refs.append(node(x0 + f * (x1 - x0) + rng.normal(0, 2e-5),
                                         y0 + f * (y1 - y0) + rng.normal(0, 2e-5)))
                    refs.append(grid[q])
                b += span
                if rng.random() < 0.08:
                    continue  # a missing street
                tags = {"highway": str(rng.choice(HIGHWAYS))}
                ow = ONEWAY_VALUES[int(rng.integers(len(ONEWAY_VALUES)))]
                if ow is not None:
                    tags["oneway"] = ow
                    if rng.random() < 0.4:
                        tags["oneway:bicycle"] = str(rng.choice(["no", "yes", "No"]))
                if rng.random() < 0.03:
                    tags["access"] = "private"
                if rng.random() < 0.04:
                    tags["junction"] = "roundabout"
                if rng.random() < 0.05:
                    refs = refs[:1] + refs  # a node repeated right after itself
                way(refs, tags)
    c = grid[n // 2, n // 2]  # a loop road hanging off a crossing
    x, y, _ = nodes[c]
    way([c, *(node(x + 4e-4 * np.cos(t), y + 3e-4 * np.sin(t) + 3e-4) for t in np.linspace(-1.2, 4.3, 6)), c],
        {"highway": "residential"})
    c = grid[1, 1]  # a one-way loop
    x, y, _ = nodes[c]
    way([c, *(node(x - 3e-4 * np.cos(t) - 3e-4, y + 2e-4 * np.sin(t)) for t in np.linspace(0.3, 5.9, 5)), c],
        {"highway": "residential", "oneway": "yes"})
    way([node(lon0 - 0.01 + k * 5e-4, lat0 - 0.01) for k in range(4)], {"highway": "residential"})  # detached
    ring = [node(lon0 - 0.02 + 4e-4 * np.cos(t), lat0 + 3e-4 * np.sin(t)) for t in np.linspace(0, 5, 6)]
    way([*ring, ring[0]], {"highway": "residential"})  # an isolated ring
    x, y, _ = nodes[grid[n - 1, 0]]
    way([grid[n - 1, 0], *(node(x + 3e-4 * (k + 1), y - 1e-4 * k) for k in range(3))],
        {"highway": "residential", "oneway": "-1"})  # a one-way dead end drawn outwards
    way([grid[2, 2], grid[3, 2]], {"highway": "service"})  # a second way over one block
    way([grid[0, 0], grid[0, 1]], {"building": "yes"})  # not a street
    node(lon0 + 1e-3, lat0 + 1e-3, {"amenity": "cafe"})  # a point of interest
    return nodes, ways


def edge_multiset(net: StreetNetwork) -> collections.Counter:
    """Every stored edge by node ids, with length, one-way, contraflow and interior vertices."""
    out: collections.Counter = collections.Counter()
    for i in range(net.n_edges):
        inner: tuple = ()
        if net.geom_offsets is not None:
            inner = tuple(map(tuple, net.geom_xy[net.geom_offsets[i]:net.geom_offsets[i + 1]].tolist()))
        out[(int(net.node_ids[net.u[i]]), int(net.node_ids[net.v[i]]), float(net.length_m[i]),
             bool(net.oneway[i]), bool(net.contraflow[i]), inner)] += 1
    return out


def assert_same_network(ours: StreetNetwork, ref: StreetNetwork) -> None:
    assert dict(zip(ours.node_ids.tolist(), map(tuple, ours.xy.tolist()), strict=True)) == dict(
        zip(ref.node_ids.tolist(), map(tuple, ref.xy.tolist()), strict=True))
    assert edge_multiset(ours) == edge_multiset(ref)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_osm_builder_equals_osmnx(tmp_path, seed, mode):
    nodes, ways = make_extract(seed)
    path = tmp_path / "town.osm"
    _write_osm_xml(nodes, ways, path)
    osmnx_net = from_networkx(read_graph(path, mode=mode))  # osmnx.graph_from_xml, projected
    ours = network_from_osm(path, mode=mode)
    assert_same_network(ours, osmnx_net)  # same nodes, coordinates, edges, lengths, one-way
    a, b = build_array_graph(ours, mode), build_array_graph(osmnx_net, mode)
    assert (a.n_nodes, a.n_edges, a.n_streets) == (b.n_nodes, b.n_edges, b.n_streets)


def test_osm_builder_equals_osmnx_from_pbf(tmp_path):
    nodes, ways = make_extract(5)
    xml, pbf = tmp_path / "town.osm", tmp_path / "town.osm.pbf"
    _write_osm_xml(nodes, ways, xml)
    _write_pbf(nodes, ways, pbf)
    for mode in ("walk", "bike"):
        ours = read_network(pbf, mode=mode)
        # PBF stores coordinates to 1e-7 degrees: compare with osmnx on the PBF's own values
        osmnx_net = from_networkx(read_graph(pbf, mode=mode))
        assert_same_network(ours, osmnx_net)
        assert ours.n_edges == network_from_osm(xml, mode=mode).n_edges


# ------------------------------------------------------- retain_all: every piece kept


def add_detached(nodes: dict, ways: list) -> dict[str, list[int]]:
    """Pieces not joined to the town of :func:`make_extract`, added in place: an island of
    two-way streets (2 x 3 crossings, a curved street, a path), a one-way ring without any
    endpoint, a single street segment and a way of one node. Returns their node ids."""
    def node(lon: float, lat: float) -> int:
        nid = 1001 + len(nodes)
        nodes[nid] = (float(lon), float(lat), {})
        return nid

    def way(refs: list[int], tags: dict[str, str]) -> None:
        ways.append((len(ways) + 1, refs, tags))

    lon0, lat0 = 5.13, 52.07
    g = {(i, j): node(lon0 + i * 8e-4, lat0 + j * 6e-4) for i in range(3) for j in range(2)}
    for j in range(2):
        bend = node(lon0 + 4e-4, lat0 + j * 6e-4 + 5e-5)
        way([g[0, j], bend, g[1, j], g[2, j]], {"highway": "residential"})
    for i in range(3):
        way([g[i, 0], g[i, 1]], {"highway": "path" if i == 1 else "residential"})
    ring = [node(lon0 + 4e-4 * np.cos(t), lat0 - 0.004 + 3e-4 * np.sin(t)) for t in np.linspace(0, 5, 5)]
    way([*ring, ring[0]], {"highway": "residential", "oneway": "yes"})
    segment = [node(lon0 + 0.003, lat0 - 0.003), node(lon0 + 0.0035, lat0 - 0.003)]
    way(segment, {"highway": "residential"})
    lone = node(lon0 + 0.004, lat0 - 0.004)
    way([lone], {"highway": "residential"})
    return {"island": [g[1, 0], g[1, 1]], "island_gone": [g[0, 0], g[2, 1]], "ring": ring,
            "segment": segment, "lone": [lone]}


def _osmnx_on_kept_ways(nodes: dict, ways: list, mode: str, path: Path, *, retain_all: bool) -> list[int]:
    """Node ids, in order, of ``osmnx.graph_from_xml`` itself on a file of the ways that
    pass the mode's filter and their nodes (in the extract's order)."""
    ox = pytest.importorskip("osmnx")
    from afweging.data.osm import way_filter

    ok = way_filter(mode)
    kept = [w for w in ways if ok(w[2])]
    used = {r for _, refs, _ in kept for r in refs}
    _write_osm_xml({n: v for n, v in nodes.items() if n in used}, kept, path)
    G = ox.graph_from_xml(path, bidirectional=mode == "walk", simplify=True, retain_all=retain_all)
    return list(G.nodes)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_retain_all_keeps_every_piece_as_osmnx(tmp_path, seed, mode):
    nodes, ways = make_extract(seed)
    pieces = add_detached(nodes, ways)
    path = tmp_path / "town.osm"
    _write_osm_xml(nodes, ways, path)
    default = network_from_osm(path, mode=mode)
    assert_same_network(default, from_networkx(read_graph(path, mode=mode)))
    ours = network_from_osm(path, mode=mode, retain_all=True)
    assert_same_network(ours, from_networkx(read_graph(path, mode=mode, retain_all=True)))
    # osmnx's own graph_from_xml on the kept ways: the same nodes in the same order
    for keep in (False, True):
        order = _osmnx_on_kept_ways(nodes, ways, mode, tmp_path / f"kept_{keep}.osm", retain_all=keep)
        assert order == (ours if keep else default).node_ids.tolist()
    got = set(ours.node_ids.tolist())
    # the island's two crossings (its corners are interstitial: 2 neighbours), the
    # segment's ends and the lone node stay; the ring without an endpoint goes
    kept = pieces["island"] + pieces["segment"] + pieces["lone"]
    assert set(kept) <= got and not set(kept) & set(default.node_ids.tolist())
    assert not (set(pieces["ring"]) | set(pieces["island_gone"])) & got
    assert got - set(default.node_ids.tolist()) >= set(kept)
    lone = int(np.flatnonzero(ours.node_ids == pieces["lone"][0])[0])
    assert lone not in ours.u and lone not in ours.v  # a way of one node: a node without edges
    # island: left loop, right loop, the path, each way round (walking: all two-way)
    island = set(pieces["island"])
    on_island = [i for i in range(ours.n_edges)
                 if {int(ours.node_ids[ours.u[i]]), int(ours.node_ids[ours.v[i]])} <= island]
    assert len(on_island) == 6
    a, b = build_array_graph(ours, mode), build_array_graph(default, mode)
    assert a.n_nodes == b.n_nodes + 3 + len(kept) - 1  # the town's own detached street (2 nodes) too


def _write_pbf(nodes: dict, ways: list, pbf: Path) -> None:
    osmium = pytest.importorskip("osmium")
    from osmium.osm import mutable

    writer = osmium.SimpleWriter(str(pbf))
    for nid, (lon, lat, tags) in nodes.items():
        writer.add_node(mutable.Node(id=nid, location=(lon, lat), tags=tags))
    for wid, refs, tags in ways:
        writer.add_way(mutable.Way(id=wid, nodes=refs, tags=tags))
    writer.close()


def test_retain_all_from_pbf_equals_osmnx(tmp_path):
    nodes, ways = make_extract(5)
    pieces = add_detached(nodes, ways)
    pbf = tmp_path / "town.osm.pbf"
    _write_pbf(nodes, ways, pbf)
    kept = set(pieces["island"] + pieces["segment"] + pieces["lone"])
    for mode in ("walk", "bike"):
        got = {}
        for keep in (False, True):
            got[keep] = read_network(pbf, mode=mode, retain_all=keep)
            assert_same_network(got[keep], from_networkx(read_graph(pbf, mode=mode, retain_all=keep)))
        added = set(got[True].node_ids.tolist()) - set(got[False].node_ids.tolist())
        assert kept <= added and not set(pieces["ring"]) & added


def test_retain_all_only_rings_is_refused(tmp_path):
    # a network of detached rings alone: osmnx drops every ring, nothing is left
    nodes: dict = {}
    ways: list = []
    pieces = add_detached(nodes, ways)
    ways[:] = [w for w in ways if w[1][0] in pieces["ring"]]
    path = tmp_path / "ring.osm"
    _write_osm_xml(nodes, ways, path)
    for keep in (False, True):
        with pytest.raises(NetworkError, match="geen samenhangend stratennetwerk"):
            network_from_osm(path, mode="bike", retain_all=keep)


# A mainland street M1-M2-M3 with a spur M2-M4 (4 nodes) and, 75 m north-east of M3's
# dead end across water, an island street I1-I2-I3 (3 nodes, one street I1 -> I3 once
# simplified). Home at I1, a supermarket at M1, a playground at I3.
_ISLAND = {1: (5.100, 52.080), 2: (5.102, 52.080), 3: (5.104, 52.080), 4: (5.102, 52.078),
           11: (5.1045, 52.0806), 12: (5.1055, 52.0812), 13: (5.1065, 52.0806)}
_ISLAND_WAYS = [(1, [1, 2, 3], {"highway": "residential"}), (2, [2, 4], {"highway": "residential"}),
                (3, [11, 12, 13], {"highway": "residential"})]


def _haversine_m(a: int, b: int) -> float:
    """Great-circle metres between two of the nodes above, as osmnx measures edges."""
    import math

    (lon1, lat1), (lon2, lat2) = _ISLAND[a], _ISLAND[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * math.asin(math.sqrt(h)) * 6_371_009


def test_home_on_an_island_with_and_without_retain_all(tmp_path):
    import math
    import warnings

    import geopandas as gpd
    import pandas as pd
    from pyproj import Transformer
    from shapely.geometry import Point, box

    from afweging import settings
    from afweging.analyses.reach.reachability import reachability
    from afweging.geo.area import Area

    path = tmp_path / "eiland.osm"
    _write_osm_xml({n: (x, y, {}) for n, (x, y) in _ISLAND.items()}, _ISLAND_WAYS, path)
    rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    xy = {n: rd.transform(x, y) for n, (x, y) in _ISLAND.items()}
    speed = settings.walk_speed_kmh * 1000 / 60  # m/min

    def run(retain_all: bool) -> pd.Series:
        net = network_from_osm(path, mode="walk", retain_all=retain_all)
        buurten = gpd.GeoDataFrame({"buurtnaam": ["eiland"], "wijkcode": ["W1"]},
                                   geometry=[box(0, 300000, 300000, 600000)], crs="EPSG:28992",
                                   index=pd.Index(["B1"], name="buurtcode"))
        homes = gpd.GeoDataFrame({"buurtcode": ["B1"], "residents": [1.0]}, geometry=[Point(xy[11])],
                                 crs="EPSG:28992")
        fac = gpd.GeoDataFrame({"category": ["supermarkt", "speelplek"], "buurtcode": ["B1", "B1"]},
                               geometry=[Point(xy[1]), Point(xy[13])], crs="EPSG:28992")
        area = Area("eiland", buurten, homes=homes, facilities=fac, networks={"walk": net})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return reachability(area, modes="walk", categories=["supermarkt", "speelplek"]).homes.iloc[0]

    def dist(a: int, b: int) -> float:
        return math.dist(xy[a], xy[b])

    # every piece kept: the home is on the island; the playground at the other end of
    # its street, the supermarket out of reach (straight line × detour factor, counted
    # as no route)
    h = run(True)
    assert h["walk_method"] == "network" and h["walk_snap_m"] == 0.0
    assert h["walk_min_speelplek"] == pytest.approx((_haversine_m(11, 12) + _haversine_m(12, 13)) / speed)
    assert h["walk_min_supermarkt"] == pytest.approx(dist(11, 1) * settings.detour_factor / speed)
    assert h["walk_n_no_route"] == 1
    # the default (largest piece only): the home and the playground are snapped across
    # the water to the dead end of the mainland street, M3
    h = run(False)
    assert h["walk_method"] == "network" and h["walk_snap_m"] == pytest.approx(dist(11, 3))
    assert h["walk_min_supermarkt"] == pytest.approx(
        (dist(11, 3) + _haversine_m(3, 2) + _haversine_m(2, 1)) / speed)
    assert h["walk_min_speelplek"] == pytest.approx((dist(11, 3) + dist(13, 3)) / speed)
    assert h["walk_n_no_route"] == 0


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_way_filters_are_osmnx_own(mode):
    # the builders filter ways with a copy of osmnx's built-in filters: a new osmnx with
    # other filters must be noticed (the builder tests compare with osmnx on that copy)
    pytest.importorskip("osmnx")
    from osmnx import _overpass

    from afweging.data.osm import NETWORK_TYPES, WAY_FILTERS

    assert WAY_FILTERS[mode] == _overpass._get_network_filter(NETWORK_TYPES[mode])


OSM_ONEWAY = """<?xml version='1.0' encoding='utf-8'?>
<osm version="0.6">
{nodes}
{ways}
</osm>
"""


@pytest.mark.parametrize(
    ("tags", "bike_dirs"),
    [
        ({"oneway": "yes"}, {(1, 2)}),
        ({"oneway": "true"}, {(1, 2)}),
        ({"oneway": "1"}, {(1, 2)}),
        ({"oneway": "F"}, {(1, 2)}),  # Geofabrik: in digitising direction
        ({"oneway": "-1"}, {(2, 1)}),
        ({"oneway": "reverse"}, {(2, 1)}),
        ({"oneway": "T"}, {(2, 1)}),  # Geofabrik: against digitising direction
        ({"oneway": "Yes"}, {(1, 2), (2, 1)}),  # osmnx compares exactly
        ({"oneway": "no"}, {(1, 2), (2, 1)}),
        ({"oneway": "B"}, {(1, 2), (2, 1)}),
        ({"junction": "roundabout"}, {(1, 2)}),
        ({"junction": "roundabout", "oneway": "no"}, {(1, 2)}),  # osmnx's rule 4
        ({"oneway": "yes", "oneway:bicycle": "no"}, {(1, 2), (2, 1)}),
        ({}, {(1, 2), (2, 1)}),
    ],
)
def test_oneway_values_as_osmnx(tmp_path, tags, bike_dirs):
    # a way 1 -> 2 (its direction under test), a two-way way 2 -> 3 -> 1 closing the
    # triangle, and a spur at every corner (so that no corner is simplified away)
    coords = {1: (5.100, 52.080), 2: (5.102, 52.080), 3: (5.101, 52.081), 4: (5.101, 52.082),
              5: (5.099, 52.079), 6: (5.103, 52.079)}
    nodes = "\n".join(f'<node id="{i}" lon="{x}" lat="{y}" version="1"/>' for i, (x, y) in coords.items())
    tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in {"highway": "residential", **tags}.items())
    ways = (f'<way id="1" version="1"><nd ref="1"/><nd ref="2"/>{tag_xml}</way>'
            '<way id="2" version="1"><nd ref="2"/><nd ref="3"/><nd ref="1"/>'
            '<tag k="highway" v="residential"/></way>'
            + "".join(f'<way id="{10 + a}" version="1"><nd ref="{a}"/><nd ref="{b}"/><tag k="highway" '
                      f'v="residential"/></way>' for a, b in ((3, 4), (1, 5), (2, 6))))
    path = tmp_path / "t.osm"
    path.write_text(OSM_ONEWAY.format(nodes=nodes, ways=ways), encoding="utf-8")
    for mode, want in (("bike", bike_dirs), ("walk", {(1, 2), (2, 1)})):
        net = network_from_osm(path, mode=mode)
        ag = build_array_graph(net, mode)
        coo = ag.forward.tocoo()
        ids = ag.node_ids
        got = {(int(ids[a]), int(ids[b])) for a, b in zip(coo.row, coo.col, strict=True)} & {(1, 2), (2, 1)}
        assert got == want, mode
        assert_same_network(net, from_networkx(read_graph(path, mode=mode)))


def test_osm_builder_errors(tmp_path):
    path = tmp_path / "bad.osm"
    path.write_text(OSM_ONEWAY.format(
        nodes='<node id="1" lon="5.1" lat="52.0" version="1"/>',
        ways='<way id="1" version="1"><nd ref="1"/><nd ref="9"/><tag k="highway" v="residential"/></way>'),
        encoding="utf-8")
    with pytest.raises(NetworkError, match="complete_ways"):
        network_from_osm(path, mode="walk")
    path.write_text(OSM_ONEWAY.format(
        nodes='<node id="1" lon="5.1" lat="52.0" version="1"/><node id="2" lon="5.2" lat="52.0" version="1"/>',
        ways='<way id="1" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'),
        encoding="utf-8")
    with pytest.raises(NetworkError, match="bevat geen wegen voor 'bike'"):
        network_from_osm(path, mode="bike")
    assert network_from_osm(path, mode="walk").n_edges == 2


# ------------------------------------------------------------------ GraphML


def _fields_equal(a: StreetNetwork, b: StreetNetwork) -> None:
    for f in ("node_ids", "xy", "u", "v", "length_m", "oneway", "contraflow", "geom_offsets", "geom_xy"):
        x, y = getattr(a, f), getattr(b, f)
        if x is None or y is None:
            assert x is None and y is None, f
        else:
            np.testing.assert_array_equal(x, y, err_msg=f)


def test_graphml_streaming_equals_networkx_reader_on_the_demo(tmp_path):
    from afweging.data.demo import write_demo

    write_demo(tmp_path / "demo")
    for mode in ("walk", "bike"):
        path = tmp_path / "demo" / "network" / f"demostad_{mode}.graphml"
        _fields_equal(network_from_graphml(path), from_networkx(read_graph(path)))


@pytest.mark.utrecht
@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_graphml_and_gpkg_equal_networkx_on_kanaleneiland(utrecht_dir, mode):
    # the GraphML is in EPSG:4326: projected in osmnx's node and edge order
    graphml = utrecht_dir / "network" / f"kanaleneiland_{mode}.graphml"
    ref = from_networkx(read_graph(graphml))
    _fields_equal(network_from_graphml(graphml), ref)
    gpkg = network_from_gpkg(utrecht_dir / "network" / f"kanaleneiland_{mode}.gpkg")
    assert_same_network(gpkg, ref)


def test_graphml_errors(tmp_path):
    path = tmp_path / "g.graphml"
    path.write_text("<osm/>", encoding="utf-8")
    with pytest.raises(NetworkError, match="geen GraphML"):
        network_from_graphml(path)
    path.write_text(
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d0" for="node" attr.name="x"/><key id="d1" for="node" attr.name="y"/>'
        '<key id="d2" for="edge" attr.name="length"/><key id="d3" for="graph" attr.name="crs"/>'
        '<graph edgedefault="directed"><data key="d3">EPSG:28992</data>'
        '<node id="1"><data key="d0">0</data><data key="d1">0</data></node>'
        '<node id="2"><data key="d0">100</data><data key="d1">0</data></node>'
        '<edge source="1" target="2"><data key="d2">-5</data></edge></graph></graphml>',
        encoding="utf-8")
    with pytest.raises(NetworkError, match="niet-negatieve 'length'"):
        network_from_graphml(path)
    path.write_text(path.read_text("utf-8").replace(">-5<", ">100<"), encoding="utf-8")
    net = network_from_graphml(path)
    assert net.node_ids.tolist() == [1, 2] and net.length_m.tolist() == [100.0]


# ---------------------------------------------------------------- GeoPackage


def test_gpkg_of_plain_street_lines_with_geofabrik_oneway(tmp_path):
    import geopandas as gpd
    from shapely.geometry import LineString

    # a square block; the south side is one-way against its drawing direction (T), the
    # east side one-way along it (F); the west side is drawn with a bend
    lines = gpd.GeoDataFrame(
        {"oneway": ["T", "F", "B", None]},
        geometry=[LineString([(100, 0), (0, 0)]), LineString([(100, 0), (100, 100)]),
                  LineString([(100, 100), (0, 100)]), LineString([(0, 100), (-20, 50), (0, 0)])],
        crs="EPSG:28992",
    )
    path = tmp_path / "streets.gpkg"
    lines.to_file(path, layer="straten")
    net = read_network(path)
    assert net.n_nodes == 4 and net.n_edges == 4
    np.testing.assert_allclose(net.length_m, [100, 100, 100, 2 * np.hypot(20, 50)])
    ag = build_array_graph(net, "bike")
    xy = {tuple(p): i for i, p in enumerate(ag.xy.tolist())}
    sw, se, ne = xy[(0.0, 0.0)], xy[(100.0, 0.0)], xy[(100.0, 100.0)]
    assert ag.forward[sw, se] == 100 and ag.forward[se, sw] == 0  # T: against the drawing
    assert ag.forward[se, ne] == 100 and ag.forward[ne, se] == 0  # F: along it
    assert net.geom_xy.tolist() == [[-20.0, 50.0]]
    with pytest.raises(NetworkError, match="geen laag 'edges'"):
        read_network(path, layer="edges")


# Whole ways drawn as lines (as Geofabrik's roads are): junctions inside a line.
_R = 50 * np.sqrt(2)  # the lollipop's diagonal sides
_WAYS = [
    ("A, T junction: B starts at its vertex (100,0)", None, [(0, 0), (100, 0), (200, 0)]),
    ("B, stem; X with C at (100,200)", None, [(100, 0), (100, 100), (100, 200), (100, 300)]),
    ("C, one-way against its drawing", "T", [(0, 200), (100, 200), (200, 200)]),
    ("D, bridge over C at (150,200), no vertex there", None, [(150, 120), (150, 160), (150, 160), (150, 280)]),
    ("E, ring from A's start; G starts at its vertex", None, [(0, 0), (0, -100), (-100, -100), (-100, 0), (0, 0)]),
    ("G, ends in a repeated vertex", None, [(-100, -100), (-200, -100), (-200, -100)]),
    ("F, lollipop: back through its own vertex (300,200)", None,
     [(200, 200), (300, 200), (350, 250), (300, 300), (300, 200)]),
]
# the edges by hand: (from, to, length), pieces in line order, one-way C turned around
_EDGES = [
    ((0, 0), (100, 0), 100.0), ((100, 0), (200, 0), 100.0),
    ((100, 0), (100, 200), 200.0), ((100, 200), (100, 300), 100.0),
    ((100, 200), (0, 200), 100.0), ((200, 200), (100, 200), 100.0),
    ((150, 120), (150, 280), 160.0),
    ((0, 0), (-100, -100), 200.0), ((-100, -100), (0, 0), 200.0),
    ((-100, -100), (-200, -100), 100.0),
    ((200, 200), (300, 200), 100.0), ((300, 200), (300, 200), 2 * _R + 100.0),
]
_C_PIECES = {((100, 200), (0, 200)), ((200, 200), (100, 200))}


def _write_ways(path, ways=_WAYS, **columns):
    import geopandas as gpd
    from shapely.geometry import LineString

    gpd.GeoDataFrame({"oneway": [w[1] for w in ways], **columns},
                     geometry=[LineString(w[2]) for w in ways], crs="EPSG:28992").to_file(path, layer="wegen")


def test_gpkg_plain_lines_are_noded_at_shared_vertices(tmp_path):
    path = tmp_path / "ways.gpkg"
    _write_ways(path)
    net = read_network(path)
    xy = [tuple(p) for p in net.xy.tolist()]
    got = [(xy[a], xy[b], w) for a, b, w in zip(net.u.tolist(), net.v.tolist(), net.length_m.tolist(), strict=True)]
    assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in _EDGES]
    np.testing.assert_allclose([w for *_, w in got], [w for *_, w in _EDGES], rtol=0, atol=1e-9)
    # nodes: the line ends and the three cut vertices (100,0), (100,200), (-100,-100) and
    # (300,200); not the bridge's crossing (150,200) nor the unshared (100,100), (150,160)
    assert sorted(xy) == sorted({p for e in _EDGES for p in e[:2]})
    assert len(xy) == 12 and (150, 200) not in xy and (100, 100) not in xy
    assert net.oneway.tolist() == [False] * 4 + [True, True] + [False] * 6
    # interior vertices kept on the pieces, in the direction of travel
    inner = [net.geom_xy[net.geom_offsets[i]:net.geom_offsets[i + 1]].tolist() for i in range(net.n_edges)]
    assert inner[2] == [[100, 100]] and inner[6] == [[150, 160], [150, 160]]
    assert inner[7] == [[0, -100]] and inner[8] == [[-100, 0]]
    assert inner[11] == [[350, 250], [300, 300]] and inner[0] == inner[4] == []


def test_gpkg_noded_lines_route_like_networkx(tmp_path):
    """Travel times across the junctions equal networkx's on the same graph drawn by hand."""
    path = tmp_path / "ways.gpkg"
    _write_ways(path)
    _assert_routes_like_networkx(read_network(path))


def _assert_routes_like_networkx(net: StreetNetwork) -> None:
    """Travel minutes on ``net`` (the network of ``_WAYS``) equal networkx's on ``_EDGES``."""
    import networkx as nx

    from afweging import settings
    from afweging.analyses.reach.reachability import travel_minutes

    for mode in ("walk", "bike"):
        H = nx.MultiDiGraph()
        for a, b, w in _EDGES:
            H.add_edge(a, b, length=w)
            if mode == "walk" or (a, b) not in _C_PIECES:  # C is one-way for bikes only
                H.add_edge(b, a, length=w)
        ag = build_array_graph(net, mode)
        # by hand: T at (100,0) then over the X 400 m; along A, round the ring and off its
        # vertex 500 m; from the lollipop's node along C (with its one-way) 300 m
        want = {((0, 0), (100, 300)): 400.0, ((200, 0), (-200, -100)): 500.0, ((300, 200), (0, 200)): 300.0,
                ((0, 200), (300, 200)): 300.0 if mode == "walk" else None,  # against C's one-way
                ((200, 0), (300, 200)): 500.0 if mode == "walk" else None,
                ((150, 120), (0, 0)): None}  # the bridge does not meet the streets it crosses
        for (o, d), metres in want.items():
            assert (nx.shortest_path_length(H, o, d, weight="length") if nx.has_path(H, o, d) else None) == metres
            m, how = travel_minutes(ag, np.array([o], dtype=float), np.array([d], dtype=float), mode=mode,
                                    max_minutes=1e6)
            if metres is None:
                assert str(how[0]) == "no_route", (mode, o, d)
            else:
                assert str(how[0]) == "network", (mode, o, d)
                assert m[0] == pytest.approx(metres / settings.speed_m_per_min(mode), abs=1e-9), (mode, o, d)


def test_gpkg_noding_shares_a_length_column_over_the_pieces(tmp_path):
    path = tmp_path / "ways.gpkg"
    ways = [("A", None, [(0, 0), (100, 0), (400, 0)]), ("B", None, [(100, 0), (100, 50)])]
    _write_ways(path, ways, length=[800.0, 70.0])
    net = read_network(path)
    # A's given 800 m over its pieces of 100 and 300 m of geometry
    assert net.length_m.tolist() == [200.0, 600.0, 70.0]


def test_gpkg_lines_without_shared_vertices_stay_as_drawn(tmp_path):
    """Lines that meet only at their ends (or not at all) are read as before: one edge each."""
    path = tmp_path / "ways.gpkg"
    ways = [("A", None, [(0, 0), (50, 10), (100, 0)]), ("B", None, [(100, 0), (100, 100)]),
            ("C, crosses A between vertices", None, [(50, -50), (50, 50)])]
    _write_ways(path, ways)
    net = read_network(path)
    assert net.n_edges == 3 and net.n_nodes == 5
    assert net.u.tolist() == [0, 1, 2] and net.v.tolist() == [1, 3, 4]


def _write_features(path, geoms, *, layer="wegen", **columns):
    """Features as given (LineStrings and MultiLineStrings side by side, not promoted to Multi)."""
    import geopandas as gpd

    gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:28992").to_file(path, layer=layer, promote_to_multi=False)


def _network_arrays(net: StreetNetwork) -> dict:
    return {name: getattr(net, name) for name in ("node_ids", "xy", "u", "v", "length_m", "oneway", "contraflow",
                                                  "geom_offsets", "geom_xy")}


def test_gpkg_multilinestrings_read_as_their_parts(tmp_path):
    """A MultiLineString is its parts as lines: the same network as the parts drawn apart."""
    import pyogrio
    from shapely.geometry import LineString, MultiLineString

    ways = {w[0][0]: w for w in _WAYS}
    # A (T junction at its vertex) and B (the stem, an X with C inside it) as one feature;
    # E (the ring) and G (off the ring's vertex) as another; the rest as LineStrings
    groups = [("A", "B"), ("C",), ("D",), ("E", "G"), ("F",)]
    geoms = [MultiLineString([ways[k][2] for k in g]) if len(g) > 1 else LineString(ways[g[0]][2]) for g in groups]
    _write_features(tmp_path / "multi.gpkg", geoms, oneway=[ways[g[0]][1] for g in groups])
    types = pyogrio.read_dataframe(tmp_path / "multi.gpkg").geometry.geom_type.tolist()
    assert types == ["MultiLineString", "LineString", "LineString", "MultiLineString", "LineString"]
    _write_ways(tmp_path / "lines.gpkg")
    multi = read_network(tmp_path / "multi.gpkg", layer="wegen")
    lines = read_network(tmp_path / "lines.gpkg")
    for name, want in _network_arrays(lines).items():
        np.testing.assert_array_equal(getattr(multi, name), want, err_msg=name)
    # and against the hand-drawn edges and networkx, not only against the other reading
    xy = [tuple(p) for p in multi.xy.tolist()]
    assert [(xy[a], xy[b]) for a, b in zip(multi.u.tolist(), multi.v.tolist(), strict=True)] == [e[:2] for e in _EDGES]
    np.testing.assert_allclose(multi.length_m, [e[2] for e in _EDGES], rtol=0, atol=1e-9)
    _assert_routes_like_networkx(multi)


def test_gpkg_multilinestring_shares_its_length_column_over_all_parts(tmp_path):
    from shapely.geometry import LineString, MultiLineString

    path = tmp_path / "ways.gpkg"
    # A: 1000 m given for 400 + 100 m of geometry in two parts; its first part is cut by B
    a = MultiLineString([[(0, 0), (100, 0), (400, 0)], [(400, 0), (400, 100)]])
    _write_features(path, [a, LineString([(100, 0), (100, 50)])], length=[1000.0, 70.0])
    net = read_network(path, layer="wegen")
    assert net.n_edges == 4 and net.n_nodes == 5
    assert net.length_m.tolist() == [200.0, 600.0, 200.0, 70.0]


def test_gpkg_length_of_a_feature_without_line_length_is_shared_equally(tmp_path):
    # a feature whose parts have no length of line (each part's points on one spot): its
    # `length` is shared equally over them, not given whole to each
    from shapely.geometry import LineString, MultiLineString

    path = tmp_path / "ways.gpkg"
    dots = MultiLineString([[(100, 0), (100, 0)], [(0, 0), (0, 0)]])
    _write_features(path, [LineString([(0, 0), (100, 0)]), dots], length=[100.0, 10.0])
    net = read_network(path, layer="wegen")
    loops = net.u == net.v
    assert sorted(net.length_m[loops].tolist()) == [5.0, 5.0]
    assert net.length_m[~loops].tolist() == [100.0]


def test_gpkg_oneway_multilinestring_holds_for_every_part(tmp_path):
    from shapely.geometry import LineString, MultiLineString

    path = tmp_path / "ways.gpkg"
    # T: every part one-way against its drawing; yes with oneway:bicycle=no: along it, bikes
    # both ways; a two-way LineString between them
    t = MultiLineString([[(0, 0), (100, 0)], [(100, 0), (200, 0)]])
    yes = MultiLineString([[(200, 0), (200, 100)], [(200, 100), (300, 100)]])
    _write_features(path, [t, LineString([(200, 0), (200, -50)]), yes],
                    oneway=["T", None, "yes"], **{"oneway:bicycle": [None, None, "no"]})
    net = read_network(path, layer="wegen")
    assert net.oneway.tolist() == [True, True, False, True, True]
    assert net.contraflow.tolist() == [False, False, False, True, True]
    xy = {tuple(p): i for i, p in enumerate(net.xy.tolist())}
    at = [xy[p] for p in [(0.0, 0.0), (100.0, 0.0), (200.0, 0.0), (200.0, 100.0), (300.0, 100.0)]]
    for mode in ("walk", "bike"):
        fw = build_array_graph(net, mode).forward
        for a, b in [(at[0], at[1]), (at[1], at[2])]:  # T: only from b to a (walking: both)
            assert fw[b, a] == 100 and fw[a, b] == (100 if mode == "walk" else 0)
        for a, b in [(at[2], at[3]), (at[3], at[4])]:  # yes, but not for bikes
            assert fw[a, b] == 100 and fw[b, a] == 100
    # the one-way parts run from their first node: T's parts turned around
    assert [(net.xy[a].tolist(), net.xy[b].tolist()) for a, b in zip(net.u[:2], net.v[:2], strict=True)] == [
        ([100, 0], [0, 0]), ([200, 0], [100, 0])]


def test_gpkg_mixed_lines_and_multilinestrings(tmp_path):
    """A layer of LineStrings and MultiLineStrings side by side (GeoPackage type 'Geometry')."""
    import pyogrio
    from shapely.geometry import LineString, MultiLineString

    lines = [[(0, 0), (100, 0), (200, 0)], [(100, 0), (100, 100)], [(100, 100), (0, 100)], [(200, 0), (200, 80)]]
    _write_features(tmp_path / "mixed.gpkg", [LineString(lines[0]), MultiLineString(lines[1:3]), LineString(lines[3])],
                    name=["a", "b+c", "d"])
    assert pyogrio.read_dataframe(tmp_path / "mixed.gpkg").geometry.geom_type.tolist() == [
        "LineString", "MultiLineString", "LineString"]
    _write_features(tmp_path / "lines.gpkg", [LineString(g) for g in lines], name=["a", "b", "c", "d"])
    mixed = read_network(tmp_path / "mixed.gpkg", layer="wegen")
    for name, want in _network_arrays(read_network(tmp_path / "lines.gpkg", layer="wegen")).items():
        np.testing.assert_array_equal(getattr(mixed, name), want, err_msg=name)
    # by hand: A cut at (100,0) by B's start
    assert mixed.length_m.tolist() == [100.0, 100.0, 100.0, 100.0, 80.0]
    assert mixed.xy.tolist() == [[0, 0], [100, 0], [100, 100], [200, 0], [0, 100], [200, 80]]  # ends: all u, then v
    # without `layer`: no layer of lines only, so the message names the layers and their types
    with pytest.raises(NetworkError, match=r"geen laag met alleen lijnen; de lagen zijn 'wegen' \(\w+\)\. .*"
                                           r"noem die dan met `layer = \"\.\.\.\"`"):
        read_network(tmp_path / "mixed.gpkg")


def test_gpkg_empty_lines_and_parts_are_refused_by_fid(tmp_path):
    import shapely
    from shapely.geometry import LineString

    path = tmp_path / "ways.gpkg"
    good = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 100)])]
    bad = [shapely.from_wkt("MULTILINESTRING ((0 100, 100 100), EMPTY)"), shapely.from_wkt("MULTILINESTRING EMPTY"), None]
    _write_features(path, good + bad)
    with pytest.raises(NetworkError, match=r"laag 'wegen' van .*ways\.gpkg heeft 3 lijnen zonder geometrie of met een "
                                           r"leeg deel \(fid 3, 4, 5\)\. Verwijder die objecten"):
        read_network(path, layer="wegen")


def test_gpkg_other_geometries_in_the_street_layer_are_refused_by_fid(tmp_path):
    from shapely.geometry import LineString, Point, Polygon

    path = tmp_path / "ways.gpkg"
    _write_features(path, [LineString([(0, 0), (100, 0)]), Point(5, 5), Polygon([(0, 0), (1, 0), (1, 1)])])
    with pytest.raises(NetworkError, match=r"laag 'wegen' van .*ways\.gpkg bevat geometrieën die geen lijnen zijn "
                                           r"\(Point, Polygon: fid 2, 3\).*kies met `layer`"):
        read_network(path, layer="wegen")


def test_gpkg_osmnx_edge_of_several_parts_is_refused_by_fid(tmp_path):
    """An edge with u/v is one line from u to v: a MultiLineString of two parts is ambiguous."""
    from shapely.geometry import LineString, MultiLineString

    path = tmp_path / "edges.gpkg"
    geoms = [LineString([(0, 0), (100, 0)]), MultiLineString([[(100, 0), (150, 0)], [(160, 0), (200, 0)]]),
             MultiLineString([[(200, 0), (200, 100)]])]
    _write_features(path, geoms, layer="edges", u=[1, 2, 3], v=[2, 3, 4], key=[0, 0, 0], length=[100.0, 100.0, 100.0])
    with pytest.raises(NetworkError) as err:
        read_network(path)
    msg = str(err.value)
    assert f"laag 'edges' van {path}" in msg and "1 rand(en) met `u`/`v`" in msg and "(fid 2)" in msg
    assert "Voeg de delen samen tot één LineString" in msg and "osmnx.save_graph_geopackage" in msg
    # a MultiLineString of one part (QGIS writes every line so in a Multi layer) is that line
    _write_features(path, [geoms[0], LineString([(100, 0), (200, 0)]), geoms[2]], layer="edges",
                    u=[1, 2, 3], v=[2, 3, 4], key=[0, 0, 0], length=[100.0, 100.0, 100.0])
    net = read_network(path)
    assert net.node_ids.tolist() == [1, 2, 3, 4] and net.u.tolist() == [0, 1, 2] and net.v.tolist() == [1, 2, 3]
    assert net.xy.tolist() == [[0, 0], [100, 0], [200, 0], [200, 100]] and net.length_m.tolist() == [100.0] * 3


def test_gpkg_utrecht_cycleways_read_as_their_exploded_lines(utrecht_dir, tmp_path):
    """Geofabrik's cycleways (3,350 MultiLineStrings, 3 of several parts) read without exploding first."""
    import geopandas as gpd

    path = utrecht_dir / "network" / "utrecht_osm_cycleways_geofabrik_20231220.gpkg"
    ways = gpd.read_file(path, layer="cycleways", engine="pyogrio")
    lines = ways.explode(index_parts=False).reset_index(drop=True)
    assert (ways.geom_type == "MultiLineString").all() and len(lines) == len(ways) + 3
    lines.to_file(tmp_path / "lines.gpkg", layer="cycleways")
    net = read_network(path)
    for name, want in _network_arrays(read_network(tmp_path / "lines.gpkg")).items():
        np.testing.assert_array_equal(getattr(net, name), want, err_msg=name)
    assert (net.n_nodes, net.n_edges) == (4469, 4558)


def test_gpkg_written_by_osmnx_equals_graphml(tmp_path):
    ox = pytest.importorskip("osmnx")
    from afweging.data.demo import write_demo

    write_demo(tmp_path / "demo")
    path = tmp_path / "demo" / "network" / "demostad_bike.graphml"
    G = read_graph(path)
    ox.save_graph_geopackage(G, tmp_path / "directed.gpkg", directed=True)
    assert_same_network(read_network(tmp_path / "directed.gpkg"), network_from_graphml(path))
    # saved undirected (osmnx's default): each street once, one-way ones in 'from'/'to'
    ox.save_graph_geopackage(G, tmp_path / "undirected.gpkg")
    one = read_network(tmp_path / "undirected.gpkg")
    assert one.n_edges < G.number_of_edges()
    for mode in ("walk", "bike"):
        assert forward_lengths(build_array_graph(one, mode)) == forward_lengths(build_array_graph(G, mode))


def forward_lengths(ag) -> dict:
    coo = ag.forward.tocoo()
    ids = ag.node_ids
    return {(ids[a], ids[b]): round(float(w), 9) for a, b, w in zip(coo.row, coo.col, coo.data, strict=True)}


def test_manifest_reads_a_gpkg_network(tmp_path):
    """A manifest with `format = "gpkg"` gives the same reachability as the GraphML."""
    import warnings

    from afweging.analyses.reach.reachability import reachability
    from afweging.data.demo import write_demo
    from afweging.data.manifest import load_area

    ox = pytest.importorskip("osmnx")
    manifest = write_demo(tmp_path / "demo")
    folder = Path(manifest).parent
    for mode in ("walk", "bike"):
        ox.save_graph_geopackage(read_graph(folder / "network" / f"demostad_{mode}.graphml"),
                                 folder / "network" / f"demostad_{mode}.gpkg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = load_area(manifest, cache=False)
        text = Path(manifest).read_text("utf-8").replace(".graphml", ".gpkg").replace('"graphml"', '"gpkg"')
        Path(manifest).write_text(text, encoding="utf-8")
        b = load_area(manifest, cache=False)
        ra = reachability(a, categories=["supermarkt", "huisarts"])
        rb = reachability(b, categories=["supermarkt", "huisarts"])
    assert isinstance(b.networks["walk"], StreetNetwork)
    cols = [c for c in ra.homes.columns if "_min_" in c]
    np.testing.assert_allclose(rb.homes[cols].to_numpy(float), ra.homes[cols].to_numpy(float), rtol=1e-12)


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_gpkg_of_the_generated_extract_equals_osmnx(tmp_path, mode):
    """The generated OSM extract built by osmnx, saved by osmnx as a GeoPackage (directed
    and, osmnx's default, undirected), read back without networkx: the same network."""
    ox = pytest.importorskip("osmnx")
    nodes, ways = make_extract(1)
    path = tmp_path / "town.osm"
    _write_osm_xml(nodes, ways, path)
    G = read_graph(path, mode=mode)  # osmnx.graph_from_xml, projected to EPSG:28992
    ref = from_networkx(G)
    ox.save_graph_geopackage(G, tmp_path / "directed.gpkg", directed=True)
    directed = read_network(tmp_path / "directed.gpkg")
    assert_same_network(directed, ref)
    assert_same_network(directed, network_from_osm(path, mode=mode))
    ox.save_graph_geopackage(G, tmp_path / "undirected.gpkg")
    undirected = read_network(tmp_path / "undirected.gpkg")
    assert undirected.n_edges < G.number_of_edges()
    want = forward_lengths(build_array_graph(G, mode))
    assert forward_lengths(build_array_graph(undirected, mode)) == want
    assert forward_lengths(build_array_graph(directed, mode)) == want


# ------------------------------------------------------------------ array graph


def _reference_array_graph(net: StreetNetwork, mode: str) -> tuple[dict, list]:
    """build_array_graph's rules in plain Python: streets grouped by (ends, interior
    vertices, lengths within 1e-6 m), each represented by its first stored edge in the
    order of (lo, hi, interior count, length, position); the CSR the shortest usable
    direction between two nodes."""
    inner = net.interior_counts().tolist()
    rows = sorted(range(net.n_edges), key=lambda i: (min(net.u[i], net.v[i]), max(net.u[i], net.v[i]),
                                                    inner[i], net.length_m[i], i))
    groups: list[list[int]] = []
    for i in rows:
        g = groups[-1] if groups else None
        j = g[-1] if g else None
        if (g is not None and j is not None
                and {int(net.u[i]), int(net.v[i])} == {int(net.u[j]), int(net.v[j])}
                and min(net.u[i], net.v[i]) == min(net.u[j], net.v[j]) and inner[i] == inner[j]
                and net.length_m[i] - net.length_m[j] <= 1e-6):
            g.append(i)
        else:
            groups.append([i])
    streets = []
    best: dict = {}
    for g in groups:
        r = g[0]
        a, b = int(net.u[r]), int(net.v[r])
        fwd = bwd = False
        for i in g:
            both = mode == "walk" or not net.oneway[i] or net.contraflow[i]
            same_way = int(net.u[i]) == a
            fwd |= both or same_way
            bwd |= both or (int(net.u[i]) == b)
        streets.append((a, b, float(net.length_m[r]), fwd, bwd))
        for x, y, ok in ((a, b, fwd), (b, a, bwd)):
            if ok:
                best[(x, y)] = min(best.get((x, y), np.inf), float(net.length_m[r]))
    return best, sorted(streets)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mode,oneway_share", [("walk", 0.4), ("bike", 0.4), ("bike", 0.0)])
def test_array_graph_equals_plain_python_rules(seed, mode, oneway_share):
    # a small multigraph full of what the fast paths must get right: streets stored in
    # both directions with equal or slightly different lengths, parallel streets (runs
    # of more than two stored edges between two nodes), loops, one-way and contraflow
    rng = np.random.default_rng(seed)
    n, m = 12, 90
    u = rng.integers(0, n, m).astype(np.int32)
    v = rng.integers(0, n, m).astype(np.int32)
    length = rng.choice([10.0, 10.0, 10.0 + 1e-9, 12.5, 30.0], m)
    twin = rng.random(m) < 0.5  # add the reverse of half of them
    u, v = np.concatenate([u, v[twin]]), np.concatenate([v, u[twin]])
    length = np.concatenate([length, length[twin] + rng.choice([0.0, 1e-9], int(twin.sum()))])
    k = len(u)
    net = StreetNetwork(node_ids=np.arange(n, dtype=np.int64) + 100, xy=rng.random((n, 2)) * 100, u=u, v=v,
                        length_m=length, oneway=rng.random(k) < oneway_share, contraflow=rng.random(k) < 0.2,
                        geom_offsets=None, geom_xy=None)
    ag = build_array_graph(net, mode)
    best, streets = _reference_array_graph(net, mode)
    coo = ag.forward.tocoo()
    assert {(int(a), int(b)): float(x) for a, b, x in zip(coo.row, coo.col, coo.data, strict=True)} == best
    assert ag.forward.has_canonical_format
    got = sorted(zip(ag.street_u.tolist(), ag.street_v.tolist(), ag.street_length_m.tolist(),
                     ag.street_forward.tolist(), ag.street_backward.tolist(), strict=True))
    assert got == streets
    assert (ag.backward != ag.forward.T).nnz == 0
    assert ag.backward.has_canonical_format
    # one matrix for both directions exactly when every street is usable both ways (then
    # it is symmetric: the line above compared it with its own transpose)
    two_way = all(f and b for *_, f, b in streets)
    assert (ag.backward is ag.forward) == two_way
    assert two_way == (mode == "walk" or oneway_share == 0.0)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_array_graph_same_for_any_chunk_of_new_streets(monkeypatch, chunk):
    # _new_streets compares the stored edges in chunks of _CHUNK_EDGES (2**20: one chunk in
    # every other test); with tiny chunks every chunk boundary falls inside runs of equal
    # (lo, hi) keys, twins within and beyond 1e-6 m and streets with interior vertices
    from afweging.analyses.reach import graph as graph_mod

    rng = np.random.default_rng(chunk)
    n, m = 9, 70
    u = rng.integers(0, n, m).astype(np.int32)
    v = rng.integers(0, n, m).astype(np.int32)
    length = rng.choice([10.0, 10.0 + 5e-7, 10.0 + 2e-6, 12.5, 0.0], m)
    twin = rng.random(m) < 0.5
    u, v = np.concatenate([u, v[twin]]), np.concatenate([v, u[twin]])
    length = np.concatenate([length, length[twin] + rng.choice([0.0, 1e-9, 1e-6, 3e-6], int(twin.sum()))])
    k = len(u)
    cnt = rng.choice([0, 0, 1, 2], k)
    offsets = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(cnt, out=offsets[1:])
    net = StreetNetwork(node_ids=np.arange(n, dtype=np.int64), xy=rng.random((n, 2)) * 100, u=u, v=v,
                        length_m=length, oneway=rng.random(k) < 0.4, contraflow=rng.random(k) < 0.2,
                        geom_offsets=offsets, geom_xy=rng.random((int(offsets[-1]), 2)) * 100)
    for mode in ("walk", "bike"):
        whole = build_array_graph(net, mode)
        monkeypatch.setattr(graph_mod, "_CHUNK_EDGES", chunk)
        parts = build_array_graph(net, mode)
        monkeypatch.undo()
        for name in ("street_u", "street_v", "street_length_m", "street_forward", "street_backward",
                     "geom_offsets", "geom_xy"):
            assert np.array_equal(getattr(parts, name), getattr(whole, name)), name
        for name in ("forward", "backward"):
            a, b = getattr(parts, name), getattr(whole, name)
            assert all(np.array_equal(x, y) for x, y in
                       ((a.data, b.data), (a.indices, b.indices), (a.indptr, b.indptr)))


def test_endpoints_degrees_counted_on_segments():
    """The endpoint flags and neighbours from the segments and their two-way mask equal
    those counted on the directed edges themselves (segments forward, two-way ones also
    backward), on random small graphs with loops and repeated segments."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(2, 25))
        s = int(rng.integers(1, 50))
        su = rng.integers(0, n, s).astype(np.int32)
        sv = rng.integers(0, n, s).astype(np.int32)
        two = rng.random(s) < rng.random()
        u = np.concatenate([su, sv[two]])
        v = np.concatenate([sv, su[two]])
        want = _endpoints(u, v, n)
        for mask in (two, True) if two.all() else (two,):
            got = _endpoints(u, v, n, nb_u=su, nb_v=sv, nb_two=mask)
            for a, b in zip(want, got, strict=True):
                assert np.array_equal(a, b)


def test_group_rows_equals_np_unique_by_first_appearance():
    from afweging.data.streets import _group_rows

    rng = np.random.default_rng(5)
    for n in (0, 1, 7, 2000):
        key = rng.integers(-3, 4, size=(n, 2)).astype(np.int64)  # many repeats, negatives
        first, inv = _group_rows(key)
        if n == 0:
            assert len(first) == len(inv) == 0
            continue
        # reference: np.unique, its groups renumbered in order of first appearance
        _, idx, uinv = np.unique(key, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(idx)
        rank = np.empty(len(idx), dtype=np.int64)
        rank[order] = np.arange(len(idx))
        assert first.tolist() == idx[order].tolist()
        assert inv.tolist() == rank[uinv.ravel()].tolist()
        # and by brute force
        seen: dict = {}
        assert inv.tolist() == [seen.setdefault(tuple(r), len(seen)) for r in key.tolist()]


def test_gpkg_one_way_ring_against_its_drawing_is_read_backwards(tmp_path):
    """A ring is a self-loop (u == v): only its one-way value tells which way it runs."""
    path = tmp_path / "ways.gpkg"
    ring = [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)]
    _write_ways(path, [("ring", "T", ring), ("same ring, F", "F", [(x + 500, y) for x, y in ring])])
    net = read_network(path)
    assert net.u.tolist() == net.v.tolist() and net.oneway.tolist() == [True, True]
    # travelled against the drawing: (0,0) -> (0,100) -> (100,100) -> (100,0) -> (0,0)
    assert net.geom_xy[:3].tolist() == [[0, 100], [100, 100], [100, 0]]
    assert net.geom_xy[3:].tolist() == [[600, 0], [600, 100], [500, 100]]


# ------------------------------------------------- review (2026-12-03): edge cases found


@pytest.mark.parametrize("retain_all", [False, True])
def test_ways_of_one_node_only_are_refused_in_dutch(tmp_path, retain_all):
    # every kept way is one node once osmnx drops a repeated node: no street segment at
    # all (was an internal ValueError from the largest-component step by default)
    nodes = {1: (5.0, 52.0, {}), 2: (5.001, 52.0, {})}
    ways = [(1, [1, 1], {"highway": "residential"}), (2, [2], {"highway": "residential"})]
    path = tmp_path / "one.osm"
    _write_osm_xml(nodes, ways, path)
    with pytest.raises(NetworkError, match="geen samenhangend stratennetwerk voor 'walk'"):
        network_from_osm(path, mode="walk", retain_all=retain_all)


def test_retain_all_rings_and_a_lone_node_are_refused_as_no_network(tmp_path):
    # the ring goes (no endpoint), the node of a one-node way stays: no street is left
    nodes = {1: (5.0, 52.0, {}), 2: (5.001, 52.0, {}), 3: (5.001, 52.001, {}), 9: (5.01, 52.0, {})}
    ways = [(1, [1, 2, 3, 1], {"highway": "residential", "oneway": "yes"}), (2, [9], {"highway": "residential"})]
    path = tmp_path / "ring.osm"
    _write_osm_xml(nodes, ways, path)
    with pytest.raises(NetworkError, match="geen samenhangend stratennetwerk voor 'bike'"):
        network_from_osm(path, mode="bike", retain_all=True)


def test_tied_largest_pieces_xml_keeps_osmnx_own_choice(tmp_path):
    # two equal streets: osmnx keeps the one met first in the file (13-14); the networkx
    # reader wrote the nodes in a set's order (1, 2 first) and kept the other
    ox = pytest.importorskip("osmnx")
    nodes = {13: (5.00, 52.0, {}), 14: (5.001, 52.0, {}), 1: (5.01, 52.0, {}), 2: (5.011, 52.0, {})}
    ways = [(1, [1, 2], {"highway": "residential"}), (2, [13, 14], {"highway": "residential"})]
    path = tmp_path / "tie.osm"
    _write_osm_xml(nodes, ways, path)
    assert list(ox.graph_from_xml(path, simplify=True, retain_all=False).nodes) == [13, 14]
    assert network_from_osm(path, mode="walk").node_ids.tolist() == [13, 14]
    assert sorted(from_networkx(read_graph(path, mode="walk")).node_ids.tolist()) == [13, 14]


def test_tied_largest_pieces_pbf_readers_agree(tmp_path):
    # the array decoder meets nodes in the ways' order (13 first); the pyosmium reader
    # must break the tie the same way
    nodes = {1: (5.01, 52.0, {}), 2: (5.011, 52.0, {}), 13: (5.00, 52.0, {}), 14: (5.001, 52.0, {})}
    ways = [(1, [13, 14], {"highway": "residential"}), (2, [1, 2], {"highway": "residential"})]
    pbf = tmp_path / "tie.osm.pbf"
    _write_pbf(nodes, ways, pbf)
    ours = read_network(pbf, mode="walk")
    assert_same_network(ours, from_networkx(read_graph(pbf, mode="walk")))
    assert ours.node_ids.tolist() == [13, 14]


@pytest.mark.parametrize("value", [float("nan"), -5.0, "100 m"])
def test_gpkg_bad_length_column_names_the_column_and_the_feature(tmp_path, value):
    from shapely.geometry import LineString, MultiLineString

    path = tmp_path / "ways.gpkg"
    geoms = [LineString([(0, 0), (100, 0)]), MultiLineString([[(100, 0), (150, 0)], [(150, 0), (200, 0)]])]
    _write_features(path, geoms, length=[100.0, value] if not isinstance(value, str) else ["100", value])
    with pytest.raises(NetworkError) as err:
        read_network(path, layer="wegen")
    msg = str(err.value)
    assert f"laag 'wegen' van {path}" in msg and "kolom `length`" in msg and "(fid 2)" in msg
    assert "verwijder de kolom `length`" in msg
