"""Reachability on tiny graphs whose answers can be checked by hand.

Speeds: walking 4.8 km/h = 80 m/min, cycling 15 km/h = 250 m/min (afweging.settings).
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from afweging import _names, settings
from afweging._errors import (
    MissingDataError,
    NetworkError,
    UnknownCategoryError,
    UnknownModeError,
)
from afweging.analyses.reach.graph import build_array_graph
from afweging.analyses.reach.reachability import (
    isochrone,
    reachability,
    travel_minutes,
    weighted_quantile_by_group,
)
from afweging.geo.area import Area

WALK = 80.0  # m/min
BIKE = 250.0  # m/min


def graph(nodes: dict, edges: list[tuple], *, both: bool = True) -> nx.MultiDiGraph:
    """MultiDiGraph in RD; ``edges`` as (u, v, length, attrs); ``both`` adds v->u too."""
    G = nx.MultiDiGraph(crs="EPSG:28992")
    for n, (x, y) in nodes.items():
        G.add_node(n, x=float(x), y=float(y))
    for u, v, length, *rest in edges:
        attrs = rest[0] if rest else {}
        G.add_edge(u, v, length=float(length), **attrs)
        if both:
            G.add_edge(v, u, length=float(length), **attrs)
    return G


def make_area(homes_xy, facilities, *, networks=None, residents=None, buurt_of=None, buurten=None):
    """Area with buurten B1 (x < 500), B2 (x >= 500) and an empty B3 far away."""
    if buurten is None:
        buurten = gpd.GeoDataFrame(
            {"buurtnaam": ["een", "twee", "drie"], "wijkcode": ["W1", "W1", "W1"]},
            geometry=[
                box(-5000, -5000, 500, 5000),
                box(500, -5000, 5000, 5000),
                box(9000, 9000, 9100, 9100),
            ],
            crs="EPSG:28992",
            index=pd.Index(["B1", "B2", "B3"], name="buurtcode"),
        )
    n = len(homes_xy)
    codes = buurt_of or ["B1" if x < 500 else "B2" for x, _ in homes_xy]
    homes = gpd.GeoDataFrame(
        {"buurtcode": codes, "residents": residents or [1.0] * n},
        geometry=[Point(x, y) for x, y in homes_xy],
        crs="EPSG:28992",
    )
    fac = gpd.GeoDataFrame(
        {"category": [c for c, _ in facilities], "buurtcode": ["B1"] * len(facilities)},
        geometry=[Point(*xy) for _, xy in facilities],
        crs="EPSG:28992",
    )
    return Area("test", buurten, homes=homes, facilities=fac, networks=networks or {})


def line_graph(n=4, step=100.0):
    nodes = {i: (step * i, 0.0) for i in range(n)}
    return graph(nodes, [(i, i + 1, step) for i in range(n - 1)])


# ------------------------------------------------------------------------ network rules


def test_line_with_snap_offsets_at_both_ends():
    # home 10 m off node 0, facility 20 m off node 3: 10 + 300 + 20 = 330 m
    area = make_area(
        [(0, 10)],
        [("speelplek", (300, -20))],
        networks={"walk": line_graph(), "bike": line_graph()},
    )
    r = reachability(area, categories=["speelplek"])
    h = r.homes.iloc[0]
    assert h["walk_method"] == "network"
    assert h["walk_snap_m"] == pytest.approx(10.0)
    assert h["walk_min_speelplek"] == pytest.approx(330 / WALK)
    assert h["bike_min_speelplek"] == pytest.approx(330 / BIKE)


def test_facility_exactly_on_node_and_home_on_node():
    area = make_area([(100, 0)], [("speelplek", (300, 0))], networks={"walk": line_graph()})
    r = reachability(area, modes="walk", categories="speelplek")
    assert r.homes["walk_min_speelplek"].iloc[0] == pytest.approx(200 / WALK)
    # a facility at the home's own node: zero minutes, not NaN and not missing
    area0 = make_area([(100, 0)], [("speelplek", (100, 0))], networks={"walk": line_graph()})
    assert (
        reachability(area0, modes="walk", categories="speelplek")
        .homes["walk_min_speelplek"]
        .iloc[0]
        == 0.0
    )


def test_diamond_100m_edges_takes_two_edges():
    #      T(100,100)
    #  L(0,50)    R(200,50)
    #      S(100,0)
    nodes = {"S": (100, 0), "L": (0, 50), "R": (200, 50), "T": (100, 100)}
    G = graph(nodes, [("S", "L", 100), ("S", "R", 100), ("L", "T", 100), ("R", "T", 100)])
    area = make_area([(100, 0)], [("supermarkt", (100, 100))], networks={"walk": G, "bike": G})
    r = reachability(area, categories=["supermarkt"])
    assert r.homes["walk_min_supermarkt"].iloc[0] == pytest.approx(200 / WALK)  # 2.5 min
    assert r.homes["bike_min_supermarkt"].iloc[0] == pytest.approx(200 / BIKE)  # 0.8 min
    # shorter parallel edge S->T of 150 m wins over the 200 m path
    G2 = G.copy()
    G2.add_edge("S", "T", length=150.0)
    G2.add_edge("T", "S", length=150.0)
    r2 = reachability(
        make_area([(100, 0)], [("supermarkt", (100, 100))], networks={"walk": G2}),
        modes="walk",
        categories="supermarkt",
    )
    assert r2.homes["walk_min_supermarkt"].iloc[0] == pytest.approx(150 / WALK)


def oneway_graph(contraflow: str | None):
    # A(0,0) -> B(100,0) one-way, 100 m; detour B -> C -> A two-way, 250 + 250 m
    attrs = {"oneway": True}
    if contraflow is not None:
        attrs["oneway:bicycle"] = contraflow
    c_y = math.sqrt(250**2 - 50**2)  # C is 250 m from A and from B
    G = graph({"A": (0, 0), "B": (100, 0), "C": (50, c_y)}, [("A", "B", 100, attrs)], both=False)
    for u, v in (("B", "C"), ("C", "B"), ("C", "A"), ("A", "C")):
        G.add_edge(u, v, length=250.0, oneway=False)
    return G


@pytest.mark.parametrize(
    ("contraflow", "b_to_a_m"),
    [(None, 500.0), ("yes", 500.0), ("no", 100.0)],
)
def test_oneway_for_bikes(contraflow, b_to_a_m):
    G = oneway_graph(contraflow)
    # home at B, facility at A: against the one-way street unless oneway:bicycle=no
    area = make_area([(100, 0)], [("huisarts", (0, 0))], networks={"walk": G, "bike": G})
    r = reachability(area, categories=["huisarts"])
    assert r.homes["bike_min_huisarts"].iloc[0] == pytest.approx(b_to_a_m / BIKE)
    assert r.homes["walk_min_huisarts"].iloc[0] == pytest.approx(
        100 / WALK
    )  # walking ignores one-way
    # home at A, facility at B: with the one-way direction, always 100 m
    area2 = make_area([(0, 0)], [("huisarts", (100, 0))], networks={"bike": G})
    assert reachability(area2, modes="bike", categories=["huisarts"]).homes[
        "bike_min_huisarts"
    ].iloc[0] == pytest.approx(100 / BIKE)


def test_oneway_string_values_and_lists():
    ag = build_array_graph(oneway_graph(None), "bike")
    assert ag.n_edges == 5  # A->B plus the four two-way edges
    G = oneway_graph(None)
    G.edges["A", "B", 0]["oneway"] = ["no", "yes"]  # merged ways: one-way if any part is
    assert build_array_graph(G, "bike").n_edges == 5
    G.edges["A", "B", 0]["oneway"] = "no"
    assert build_array_graph(G, "bike").n_edges == 6


# ------------------------------------------------------------------- edge snapping


def test_home_mid_edge_enters_at_both_ends():
    # home 20 m north of the middle of edge 1-2 (x 100..200); facility 10 m beside node 0:
    # 20 m to the street, 50 m to node 1, 100 m to node 0, 10 m to the facility = 180 m
    area = make_area([(150, 20)], [("speelplek", (-10, 0))], networks={"walk": line_graph()})
    r = reachability(area, modes="walk", categories="speelplek")
    assert r.homes["walk_snap_m"].iloc[0] == pytest.approx(20.0)
    assert r.homes["walk_min_speelplek"].iloc[0] == pytest.approx(180 / WALK)
    # a facility beyond node 3: leaves the street at the other end (20 + 150 + 5)
    area2 = make_area([(150, 20)], [("speelplek", (305, 0))], networks={"walk": line_graph()})
    r2 = reachability(area2, modes="walk", categories="speelplek")
    assert r2.homes["walk_min_speelplek"].iloc[0] == pytest.approx(175 / WALK)


def test_home_and_facility_on_the_same_edge_go_along_it():
    # both on edge 1-2, 60 m apart along it, 5 m off on either side: 5 + 60 + 5 = 70 m
    # (via node 1 it would be 5 + 20 + 80 + 5 = 110 m, via node 2 5 + 80 + 20 + 5 = 110 m)
    area = make_area([(120, 5)], [("speelplek", (180, -5))], networks={"walk": line_graph()})
    r = reachability(area, modes="walk", categories="speelplek")
    assert r.homes["walk_min_speelplek"].iloc[0] == pytest.approx(70 / WALK)


@pytest.mark.parametrize(
    ("fac_x", "bike_m", "walk_m"),
    [
        (80.0, 5 + 30 + 5, 40.0),  # ahead, with the one-way direction
        (20.0, 5 + 50 + 500 + 20 + 5, 40.0),  # behind: on to B, round via C, back from A
    ],
)
def test_one_way_edge_for_bikes(fac_x, bike_m, walk_m):
    # home 5 m beside the one-way street A->B (100 m) at x = 50, facility 5 m on the other side
    G = oneway_graph(None)
    area = make_area([(50, 5)], [("huisarts", (fac_x, -5))], networks={"walk": G, "bike": G})
    r = reachability(area, categories=["huisarts"])
    assert r.homes["bike_min_huisarts"].iloc[0] == pytest.approx(bike_m / BIKE)
    assert r.homes["walk_min_huisarts"].iloc[0] == pytest.approx(walk_m / WALK)


def test_home_beside_a_bridge_snaps_to_the_bridge_not_the_nearest_node():
    # bridge B1 (0,0) - B2 (0,200) over a canal; on the east bank a street N (60,100) -
    # M (60,0), and M - B1. The home at (15,100) is 45 m from node N but 15 m from the
    # bridge: 15 + 100 (to B2) + 10 = 125 m to a facility 10 m north of B2. (Snapping to the
    # nearest node would have gone N -> M -> B1 -> B2: 45 + 100 + 60 + 200 + 10 = 415 m.)
    nodes = {"B1": (0, 0), "B2": (0, 200), "N": (60, 100), "M": (60, 0)}
    G = graph(nodes, [("B1", "B2", 200), ("N", "M", 100), ("M", "B1", 60)])
    area = make_area([(15, 100)], [("supermarkt", (0, 210))], networks={"walk": G})
    r = reachability(area, modes="walk", categories="supermarkt")
    assert r.homes["walk_snap_m"].iloc[0] == pytest.approx(15.0)
    assert r.homes["walk_min_supermarkt"].iloc[0] == pytest.approx(125 / WALK)


def fragment_graph():
    """The issue's reproduction: two-way bike street A-B-C and a one-way spur D -> C of
    1,000 m, with D 60 m from A (and no way from A to D)."""
    nodes = {"A": (0, 0), "B": (450, 0), "C": (900, 0), "D": (0, 60)}
    G = graph(nodes, [("A", "B", 450), ("B", "C", 450)])
    G.add_edge("D", "C", length=1000.0, oneway=True)
    return G


def test_facility_on_a_fragment_is_routed_not_estimated():
    # facilities at D (cut off from A) and at C (900 m from A over A-B-C): the network
    # time to C, not 60 m × 1.52 to D as the crow flies (which A cannot reach)
    G = fragment_graph()
    area = make_area([(0, 0)], [("speelplek", (0, 60)), ("speelplek", (900, 0))],
                     networks={"bike": G})
    r = reachability(area, modes="bike", categories="speelplek")
    assert r.homes["bike_method"].iloc[0] == "network"
    assert r.homes["bike_min_speelplek"].iloc[0] == pytest.approx(900 / BIKE)
    assert r.homes["bike_n_no_route"].iloc[0] == 0
    # with only the facility at D there is no route at all: the straight-line estimate,
    # and it says so
    only_d = make_area([(0, 0)], [("speelplek", (0, 60))], networks={"bike": G})
    with pytest.warns(UserWarning, match="geen route naar een speelplek"):
        r2 = reachability(only_d, modes="bike", categories="speelplek")
    assert r2.homes["bike_min_speelplek"].iloc[0] == pytest.approx(60 * settings.detour_factor / BIKE)
    assert r2.homes["bike_n_no_route"].iloc[0] == 1
    assert r2.facility_report.loc[("bike", "speelplek"), "homes_no_route"] == 1
    assert r2.report.loc["bike", "homes_no_route"] == 1
    assert r2.buurten.loc["B1", _names.reach_no_route_share_col("bike")] == 100.0
    _, how = travel_minutes(build_array_graph(G, "bike"), np.array([[0.0, 0.0]]),
                            np.array([[0.0, 60.0]]), mode="bike")
    assert how[0] == "no_route"


def test_home_on_a_fragment_is_routed():
    # a home 15 m from D and 45 m from A lies beside the spur (nearest street point about
    # 1 m from D): it rides the spur to C, 1,000 m less the metre to its street point
    G = fragment_graph()
    area = make_area([(0, 45)], [("huisarts", (900, 0))], networks={"bike": G})
    r = reachability(area, modes="bike", categories="huisarts")
    spur = LineString([(0, 60), (900, 0)])
    along = spur.project(Point(0, 45))
    want = Point(0, 45).distance(spur) + (1 - along / spur.length) * 1000.0
    assert r.homes["bike_method"].iloc[0] == "network"
    assert r.homes["bike_min_huisarts"].iloc[0] == pytest.approx(want / BIKE)
    assert want == pytest.approx(14.97 + 998.9, abs=0.05)


def test_category_without_facilities_is_nan_with_warning():
    area = make_area([(0, 0)], [("speelplek", (300, 0))], networks={"walk": line_graph()})
    with pytest.warns(UserWarning, match="apotheek"):
        r = reachability(area, modes="walk", categories=["speelplek", "apotheek"])
    assert r.homes["walk_min_apotheek"].isna().all()
    assert r.buurten[_names.reach_share_col("walk", "apotheek", 10)].isna().all()
    assert r.methods.loc[_names.reach_stat_col("walk", "apotheek", "median"), "method"] == "no data"
    # it does not count for completeness: the speelplek alone makes the home "complete"
    assert r.buurten.loc["B1", _names.reach_complete_share_col("walk", 10)] == 100.0
    assert r.buurten.loc["B1", _names.reach_completeness_col("walk", 10)] == 1.0


def test_default_categories_cover_the_tag_table():
    area = make_area([(0, 0)], [("speelplek", (300, 0))], networks={"walk": line_graph()})
    with pytest.warns(UserWarning):
        r = reachability(area, modes="walk")
    from afweging.data.tags import load_tag_table

    assert set(load_tag_table()) <= set(r.categories)
    assert _names.reach_home_col("walk", "cultuur") in r.homes.columns


# ---------------------------------------------------------------------- fallback rules


def test_fallback_without_network_is_straight_line_times_factor():
    # 3-4-5 triangle: 500 m straight, × 1.3 = 650 m, at 80 m/min = 8.125 min
    area = make_area([(0, 0)], [("supermarkt", (300, 400)), ("supermarkt", (3000, 0))])
    with pytest.warns(UserWarning, match="Geen"):
        r = reachability(area, modes="walk", categories=["supermarkt"], detour_factor=1.3)
    assert r.homes["walk_method"].iloc[0] == "fallback"
    assert r.homes["walk_min_supermarkt"].iloc[0] == pytest.approx(8.125)
    assert np.isnan(r.homes["walk_snap_m"].iloc[0])
    assert r.methods.loc[_names.reach_share_col("walk", "supermarkt", 10), "method"] == "proxy"
    m, how = travel_minutes(
        None, np.array([[0.0, 0.0]]), np.array([[300.0, 400.0]]), mode="bike", detour_factor=1.3
    )
    assert m[0] == pytest.approx(650 / BIKE)
    assert how[0] == "fallback"


def test_home_beyond_max_snap_distance_is_reported_and_uses_fallback():
    G = line_graph()
    area = make_area([(0, 10), (0, 300)], [("speelplek", (300, 0))], networks={"walk": G})
    with pytest.warns(UserWarning, match="verder dan 250 m"):
        r = reachability(area, modes="walk", categories=["speelplek"], detour_factor=1.2)
    assert list(r.homes["walk_method"]) == ["network", "fallback"]
    assert r.homes["walk_snap_m"].iloc[1] == pytest.approx(300.0)
    straight = math.hypot(300, 300)
    assert r.homes["walk_min_speelplek"].iloc[1] == pytest.approx(straight * 1.2 / WALK)
    assert r.report.loc["walk", "homes_fallback"] == 1
    # with a larger snap distance the same home is routed: 300 m snap + 300 m network
    r2 = reachability(area, modes="walk", categories=["speelplek"], max_snap_distance_m=400)
    assert list(r2.homes["walk_method"]) == ["network", "network"]
    assert r2.homes["walk_min_speelplek"].iloc[1] == pytest.approx(600 / WALK)


def test_snap_cutoff_is_measured_to_the_street_not_the_node():
    # nodes every 200 m along y = 0. A home at (300, 240) is 240 m from edge 1-2 but
    # hypot(100, 240) = 260 m from its nearest nodes: on the network, 240 + 100 + 200 m to
    # a facility on node 3. A home at (300, 260) is 260 m from every street: fallback.
    G = line_graph(step=200.0)
    area = make_area([(300, 240), (300, 260)], [("speelplek", (600, 0))], networks={"walk": G})
    with pytest.warns(UserWarning, match="verder dan 250 m"):
        r = reachability(area, modes="walk", categories=["speelplek"])
    assert list(r.homes["walk_method"]) == ["network", "fallback"]
    assert r.homes["walk_snap_m"].tolist() == pytest.approx([240.0, 260.0])
    assert r.homes["walk_min_speelplek"].iloc[0] == pytest.approx(540 / WALK)


def test_network_home_takes_closer_facility_outside_the_network():
    # home at node 0. Facility A on node 3 (300 m by network). Facility B 260 m west of
    # node 0, beyond the 250 m snap distance: off the network, fallback 260 × 1.1 = 286 m.
    G = line_graph()
    area = make_area([(0, 0)], [("park", (300, 0)), ("park", (-260, 0))], networks={"walk": G})
    with pytest.warns(UserWarning, match="Bij 1 van 1 combinatie van") as rec:
        r = reachability(area, modes="walk", categories=["park"], detour_factor=1.1)
    assert len(rec) == 1  # the estimate is said, and nothing else
    from afweging._caveats import group_caveats

    assert [g.line for g in group_caveats(r.warnings)] == [
        "reistijden van woningen aan het netwerk naar een voorziening verder dan 250 m van een straat zijn "
        "hemelsbrede afstand × omrijfactor: lopen 1 combinatie van woning en categorie (1 woning); controleer "
        "de ligging van die voorzieningen of de dekking van het stratennetwerk (1 melding)"
    ]
    assert r.homes["walk_method"].iloc[0] == "network"
    assert r.homes["walk_min_park"].iloc[0] == pytest.approx(286 / WALK)
    assert r.homes["walk_n_facility_off_network"].iloc[0] == 1
    assert r.facility_report.loc[("walk", "park"), "off_network"] == 1
    assert r.facility_report.loc[("walk", "park"), "homes_off_network_closer"] == 1
    # with a detour factor of 1.2 (312 m) the network facility is closer again: no caveat
    r2 = reachability(area, modes="walk", categories=["park"], detour_factor=1.2)
    assert r2.homes["walk_min_park"].iloc[0] == pytest.approx(300 / WALK)
    assert r2.homes["walk_n_facility_off_network"].iloc[0] == 0
    assert r2.facility_report.loc[("walk", "park"), "homes_off_network_closer"] == 0
    assert r2.warnings == []


def test_off_network_caveat_when_no_facility_of_the_category_is_on_the_network():
    # the only park lies 260 m west of node 0, off the network: the straight-line
    # estimate is not "shorter than a route to a facility on the network" (there is none);
    # one facility in the category: singular
    area = make_area([(0, 0)], [("park", (-260, 0))], networks={"walk": line_graph()})
    with pytest.warns(UserWarning) as rec:
        r = reachability(area, modes="walk", categories=["park"], detour_factor=1.1)
    [msg] = [str(w.message) for w in rec]
    assert msg.startswith("Bij 1 van 1 combinatie van woning en categorie aan het loopnetwerk (1 woning) ")
    assert ("(een benadering), omdat er geen voorziening van die categorie aan het netwerk ligt. "
            "Per categorie") in msg
    assert "korter dan de route" not in msg
    assert "liggen: park / groen 1 woning, 1 van 1 voorziening. Controleer" in msg
    assert r.homes["walk_min_park"].iloc[0] == pytest.approx(286 / WALK)


def test_estimate_to_a_facility_off_the_network_is_said():
    # a street along y = 0 with nodes every 400 m (0 .. 1200). Supermarket and playground
    # on node 3 (1200, 0); a second supermarket at (0, -400) and a second playground at
    # (400, 300): 400 m and 300 m from the street, off the network. The GP (huisarts) is
    # on node 2 only. Times by hand (80 m/min, × 1.52):
    #   home A (0, 0):    supermarket min(1200, 400 × 1.52 = 608) = 608 m, estimate;
    #                     playground min(1200, 500 × 1.52 = 760) = 760 m, estimate;
    #   home B (400, 0):  supermarket min(800, 565.7 × 1.52 = 859.8) = 800 m, network;
    #                     playground min(800, 300 × 1.52 = 456) = 456 m, estimate;
    #   home C (1200, 0): everything on its node, 0 m (GP 400 m);
    #   home D (0, 600):  600 m from the street, fallback for every category.
    # So 3 of the 9 (home, category) pairs on the network take the estimate, at 2 homes.
    nodes = {i: (400.0 * i, 0.0) for i in range(4)}
    G = graph(nodes, [(i, i + 1, 400.0) for i in range(3)])
    facs = [("supermarkt", (1200, 0)), ("supermarkt", (0, -400)), ("speelplek", (1200, 0)),
            ("speelplek", (400, 300)), ("huisarts", (800, 0))]
    area = make_area([(0, 0), (400, 0), (1200, 0), (0, 600)], facs, networks={"walk": G})
    cats = ["supermarkt", "speelplek", "huisarts"]
    with pytest.warns(UserWarning) as rec:
        r = reachability(area, modes="walk", categories=cats, detour_factor=1.52)
    h = r.homes
    assert h["walk_method"].tolist() == ["network", "network", "network", "fallback"]
    np.testing.assert_allclose(h["walk_min_supermarkt"], np.array([608, 800, 0, 1000 * 1.52]) / WALK)
    np.testing.assert_allclose(h["walk_min_speelplek"], np.array([760, 456, 0, 760]) / WALK)
    np.testing.assert_allclose(h["walk_min_huisarts"], np.array([800, 400, 400, 1520]) / WALK)
    assert h["walk_n_facility_off_network"].tolist() == [2, 1, 0, 0]
    assert h["walk_n_no_route"].tolist() == [0, 0, 0, 0]
    assert r.report.loc["walk", "pairs_off_network_closer"] == 3
    assert r.report.loc["walk", "homes_off_network_closer"] == 2
    assert r.report.loc["walk", "pairs_network"] == 9
    # two caveats: home D beyond the snap distance, and the three pairs (the number of
    # pairs and homes, per category the homes and the facilities off the network, the fix)
    msgs = [str(w.message) for w in rec]
    assert msgs == r.warnings and len(msgs) == 2
    assert msgs[0].startswith("1 van 4 woningen (25 % van de inwoners) liggen verder dan 250 m")
    assert msgs[1] == (
        "Bij 3 van de 9 combinaties van woning en categorie aan het loopnetwerk (2 woningen) ligt de "
        "dichtstbijzijnde voorziening verder dan 250 m van een straat van het netwerk: voor die "
        "combinaties is de reistijd lopen hemelsbrede afstand × omrijfactor 1,52 (een benadering), "
        "korter dan de route naar een voorziening aan het netwerk. Per categorie het aantal woningen en "
        "hoeveel voorzieningen verder dan 250 m van een straat liggen: speelplek 2 woningen, 1 van 2 "
        "voorzieningen; supermarkt 1 woning, 1 van 2 voorzieningen. Controleer of die voorzieningen op "
        "de goede plek liggen, of gebruik een stratennetwerk dat het hele gebied met een rand eromheen "
        "dekt."
    )
    from afweging._caveats import group_caveats

    lines = [g.line for g in group_caveats(msgs)]
    assert len(lines) == 2
    assert lines[1] == (
        "reistijden van woningen aan het netwerk naar een voorziening verder dan 250 m van een straat "
        "zijn hemelsbrede afstand × omrijfactor: lopen 3 combinaties van woning en categorie "
        "(2 woningen); controleer de ligging van die voorzieningen of de dekking van het "
        "stratennetwerk (1 melding)"
    )
    # with a snap distance of 450 m both facilities are on the network and routed over it
    # (snap metres at both ends): nothing is estimated for A, B and C, and nothing is said
    with pytest.warns(UserWarning) as rec2:
        r2 = reachability(area, modes="walk", categories=cats, detour_factor=1.52, max_snap_distance_m=450)
    assert len(rec2) == 1 and "verder dan 450 m" in str(rec2[0].message)
    assert r2.homes["walk_n_facility_off_network"].tolist() == [0, 0, 0, 0]
    np.testing.assert_allclose(r2.homes["walk_min_supermarkt"].iloc[:3], np.array([400, 800, 0]) / WALK)
    np.testing.assert_allclose(r2.homes["walk_min_speelplek"].iloc[:3], np.array([700, 300, 0]) / WALK)


def test_times_beyond_max_minutes_are_inf():
    area = make_area([(0, 0)], [("speelplek", (300, 0))], networks={"walk": line_graph()})
    r = reachability(
        area, modes="walk", categories=["speelplek"], max_minutes=3.0
    )  # 300 m = 3.75 min
    assert r.homes["walk_min_speelplek"].iloc[0] == math.inf
    r = reachability(area, modes="walk", categories=["speelplek"], max_minutes=3.75)
    assert r.homes["walk_min_speelplek"].iloc[0] == pytest.approx(3.75)
    # the fallback respects the same limit
    fb = make_area([(0, 0)], [("speelplek", (3000, 0))])
    with pytest.warns(UserWarning):
        r = reachability(fb, modes="walk", categories=["speelplek"])
    assert r.homes["walk_min_speelplek"].iloc[0] == math.inf  # 3900 m = 48.75 min > 30


# ------------------------------------------------------------------------ aggregation


def test_buurt_aggregates_by_hand():
    # B1: homes at 100 m (2 residents), 500 m (1), 1000 m (1) from the facility at node 0
    # on a 1200 m line: walk times 1.25, 6.25, 12.5 min. B2: one home, 0 residents.
    G = line_graph(n=13, step=100.0)
    area = make_area(
        [(100, 0), (500, 0), (1000, 0), (1200, 0)],
        [("speelplek", (0, 0)), ("huisarts", (1200, 0))],
        networks={"walk": G},
        residents=[2.0, 1.0, 1.0, 0.0],
        buurt_of=["B1", "B1", "B1", "B2"],
    )
    r = reachability(area, modes="walk", categories=["speelplek", "huisarts"], minutes=10)
    b = r.buurten
    assert list(b.index) == ["B1", "B2", "B3"]
    assert b.loc["B1", _names.reach_share_col("walk", "speelplek", 5)] == pytest.approx(50.0)
    assert b.loc["B1", _names.reach_share_col("walk", "speelplek", 10)] == pytest.approx(75.0)
    assert b.loc["B1", _names.reach_share_col("walk", "speelplek", 15)] == pytest.approx(100.0)
    # weighted median: cumulative shares 0.5 (1.25 min), 0.75, 1.0 -> first reaching 0.5
    assert b.loc["B1", _names.reach_stat_col("walk", "speelplek", "median")] == pytest.approx(1.25)
    assert b.loc["B1", _names.reach_stat_col("walk", "speelplek", "p90")] == pytest.approx(12.5)
    # huisarts at 1200 m: 13.75, 8.75, 2.5 min -> within 10 min: homes 2 and 3
    assert b.loc["B1", _names.reach_share_col("walk", "huisarts", 10)] == pytest.approx(50.0)
    # completeness: home1 1 category, home2 2, home3 1 -> (2*1 + 2 + 1) / 4
    assert b.loc["B1", _names.reach_completeness_col("walk", 10)] == pytest.approx(5 / 4)
    assert b.loc["B1", _names.reach_complete_share_col("walk", 10)] == pytest.approx(25.0)
    assert b.loc["B1", _names.reach_fallback_share_col("walk")] == 0.0
    # B2 has a home but no residents, B3 no homes: NaN, not 0
    assert b.loc[["B2", "B3"]].isna().all().all()
    assert set(r.methods.index) == set(b.columns)


def test_weighted_quantile_matches_numpy_inverted_cdf():
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 5, 400)
    values = rng.exponential(5.0, 400)
    values[rng.random(400) < 0.1] = np.inf
    weights = rng.integers(0, 4, 400).astype(float)
    for q in (0.5, 0.9):
        got = weighted_quantile_by_group(codes, values, weights, q, 6)
        for g in range(5):
            m = codes == g
            want = np.quantile(values[m], q, weights=weights[m], method="inverted_cdf")
            assert got[g] == want
        assert np.isnan(got[5])


def _quantile_by_lexsort(codes, values, weights, q, n_groups):
    """weighted_quantile_by_group as it was written with np.lexsort (the reference)."""
    qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
    res = np.full((len(qs), n_groups), np.nan)
    ok = (codes >= 0) & ~np.isnan(values) & (weights > 0)
    c, v, w = codes[ok], values[ok], weights[ok]
    if len(c):
        order = np.lexsort((v, c))
        c, v, w = c[order], v[order], w[order]
        cw = np.cumsum(w)
        groups = np.arange(n_groups)
        starts, ends = np.searchsorted(c, groups, side="left"), np.searchsorted(c, groups, side="right")
        nonempty = ends > starts
        g, s, e = groups[nonempty], starts[nonempty], ends[nonempty]
        base = np.where(s > 0, cw[np.maximum(s - 1, 0)], 0.0)
        total = cw[e - 1] - base
        for k, qk in enumerate(qs):
            idx = np.clip(np.searchsorted(cw, base + qk * total - 1e-9 * total, side="left"), s, e - 1)
            res[k, g] = v[idx]
    return res


def test_weighted_quantile_sorts_exactly_as_lexsort():
    """The two stable sorts (value, then group) give the order of np.lexsort, ties by
    position: every answer equals the lexsort version's, also with many ties, -0.0, inf,
    NaN, rows without a group and zero weights, and with the value order passed in."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = int(rng.integers(1, 400))
        n_groups = int(rng.integers(1, 12))
        codes = rng.integers(-1, n_groups, n)
        values = np.round(rng.exponential(3.0, n), int(rng.integers(0, 3)))  # ties
        values[rng.random(n) < 0.05] = np.inf
        values[rng.random(n) < 0.05] = np.nan
        values[rng.random(n) < 0.05] = -0.0
        weights = rng.choice([0.0, 0.1, 0.7, 1.0, 2.5, 1e-3], n)
        q = (0.5, 0.9, rng.random())
        want = _quantile_by_lexsort(codes, values, weights, q, n_groups)
        got = weighted_quantile_by_group(codes, values, weights, q, n_groups)
        np.testing.assert_array_equal(got, want)
        order = np.argsort(values, kind="stable")
        np.testing.assert_array_equal(weighted_quantile_by_group(codes, values, weights, q, n_groups, order=order),
                                      want)


# -------------------------------------------------------------------------- isochrones


def test_isochrone_cuts_partial_edges():
    area = make_area(
        [(0, 0)], [("speelplek", (300, 0))], networks={"walk": line_graph(), "bike": line_graph()}
    )
    iso = isochrone(area, Point(100, 0), minutes=[1.5, 10], mode="walk", buffer_m=10)
    # 1.5 min walk = 120 m each way along the line from x=100: x in [-20 -> 0, 220]
    first = iso.iloc[0]
    assert first["network_m"] == pytest.approx(100 + 120)  # 100 m to node 0 (line end) + 120 m east
    assert first.geometry.contains(Point(215, 0))
    assert not first.geometry.contains(Point(235, 0))
    assert iso.iloc[1]["network_m"] == pytest.approx(300.0)  # the whole line
    assert iso.crs.to_epsg() == 28992
    # start 30 m off the network: the connector uses 30 m of the budget
    iso2 = isochrone(area, Point(100, 30), minutes=1.5, mode="walk", buffer_m=10)
    assert iso2.iloc[0]["network_m"] == pytest.approx(30 + 90 + 90)


def test_isochrone_respects_oneway_and_is_not_a_hull():
    G = oneway_graph(None)
    area = make_area([(0, 0)], [("speelplek", (0, 0))], networks={"bike": G})
    # from B, 0.5 min by bike = 125 m: cannot use the one-way street B->A, only B->C
    iso = isochrone(area, (100, 0), minutes=0.5, mode="bike", buffer_m=5)
    assert iso.iloc[0]["network_m"] == pytest.approx(125.0)
    assert not iso.iloc[0].geometry.contains(Point(50, 0))  # on A-B, against the one-way
    # an L-shaped route is buffered, not hulled: the inside corner stays outside
    nodes = {0: (0, 0), 1: (500, 0), 2: (500, 500)}
    L = graph(nodes, [(0, 1, 500), (1, 2, 500)])
    a2 = make_area([(0, 0)], [("speelplek", (0, 0))], networks={"walk": L})
    poly = isochrone(a2, (0, 0), minutes=20, mode="walk", buffer_m=20).iloc[0].geometry
    assert poly.contains(Point(500, 480)) and not poly.contains(Point(300, 200))
    assert poly.area == pytest.approx(
        LineString([(0, 0), (500, 0), (500, 500)]).buffer(20).area, rel=1e-3
    )


def test_isochrone_errors():
    area = make_area([(0, 0)], [("speelplek", (0, 0))], networks={"walk": line_graph()})
    with pytest.raises(MissingDataError, match="outside the network's extent"):
        isochrone(area, (0, 1000), minutes=5, mode="walk")
    with pytest.raises(MissingDataError, match="network:bike"):
        isochrone(area, (0, 0), minutes=5, mode="bike")
    with pytest.raises(UnknownModeError):
        isochrone(area, (0, 0), minutes=5, mode="car")


# ------------------------------------------------------------------------ bad input


def test_bad_input_errors():
    area = make_area([(0, 0)], [("speelplek", (0, 0))], networks={"walk": line_graph()})
    with pytest.raises(UnknownModeError, match="car"):
        reachability(area, modes=("walk", "car"))
    with pytest.raises(UnknownCategoryError, match="speeltuin"):
        reachability(area, categories=["speeltuin"])
    with pytest.raises(ValueError, match="max_minutes"):
        reachability(area, modes="walk", categories="speelplek", max_minutes=0)
    with pytest.raises(ValueError, match="detour_factor"):
        reachability(area, modes="walk", categories="speelplek", detour_factor=0.8)
    no_homes = Area("x", area.buurten, facilities=area.facilities)
    with pytest.raises(MissingDataError, match="homes"):
        reachability(no_homes)


def test_network_errors():
    G = line_graph()
    G.edges[0, 1, 0]["length"] = float("nan")
    with pytest.raises(NetworkError, match=r"Lijn \(0, 1\).*niet-negatieve \'length\'"):
        build_array_graph(G, "walk")
    G = line_graph()
    del G.edges[1, 2, 0]["length"]
    with pytest.raises(NetworkError, match=r"Lijn \(1, 2\) van .* heeft lengte None"):
        build_array_graph(G, "walk")
    G = line_graph()
    G.graph["crs"] = "EPSG:4326"
    with pytest.raises(NetworkError, match=r"staat in EPSG:4326, niet in EPSG:28992.*osmnx\.project_graph"):
        build_array_graph(G, "walk")
    G = line_graph()
    del G.nodes[2]["x"]
    with pytest.raises(NetworkError, match=r"Knoop 2 van .* geen numerieke 'x'/'y'"):
        build_array_graph(G, "walk")
    with pytest.raises(NetworkError, match="0 knopen en 0 lijnen"):
        build_array_graph(nx.MultiDiGraph(crs="EPSG:28992"), "walk")


def test_speed_settings_are_used(monkeypatch):
    area = make_area([(0, 0)], [("speelplek", (300, 0))], networks={"walk": line_graph()})
    monkeypatch.setattr(settings, "walk_speed_kmh", 6.0)  # 100 m/min
    r = reachability(area, modes="walk", categories="speelplek")
    assert r.homes["walk_min_speelplek"].iloc[0] == pytest.approx(3.0)
    assert r.report.loc["walk", "speed_kmh"] == 6.0


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="52.0700" lon="5.1000"/>
  <node id="2" lat="52.0700" lon="5.1015"/>
  <node id="3" lat="52.0710" lon="5.1015"/>
  <node id="4" lat="52.0710" lon="5.1000"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/>
    <tag k="oneway" v="yes"/><tag k="oneway:bicycle" v="{contraflow}"/></way>
  <way id="13"><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
</osm>
"""


@pytest.mark.parametrize("contraflow", ["no", "yes"])
def test_osm_xml_file_one_way_and_contraflow(tmp_path, contraflow):
    # a block 1-2-3-4 read from OSM XML by the data loader: 1->2 one-way, 3->4 one-way
    # (for bikes too unless oneway:bicycle=no)
    from afweging.data.osm import read_graph

    path = tmp_path / "blok.osm"
    path.write_text(OSM_XML.format(contraflow=contraflow), encoding="utf-8")
    G = read_graph(path, mode="bike")
    xy = {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}
    length = {frozenset((u, v)): d["length"] for u, v, d in G.edges(data=True)}
    side = {k: length[frozenset(k)] for k in ((1, 2), (2, 3), (3, 4), (4, 1))}
    # from node 4 to a facility at node 3: 3->4 is one-way
    area = make_area([xy[4]], [("supermarkt", xy[3])], networks={"bike": G, "walk": G})
    r = reachability(area, categories=["supermarkt"])
    want_m = side[(3, 4)] if contraflow == "no" else side[(4, 1)] + side[(1, 2)] + side[(2, 3)]
    assert r.homes["bike_min_supermarkt"].iloc[0] == pytest.approx(want_m / BIKE)
    assert r.homes["walk_min_supermarkt"].iloc[0] == pytest.approx(side[(3, 4)] / WALK)


def test_nearest_distance_many_points_match_brute_force():
    # > 5,000 query points take the spatially sorted path; the order of results must be
    # the input order and every distance the brute-force one
    from afweging.geo.snap import kdtree, nearest_distance_m

    rng = np.random.default_rng(9)
    targets = rng.uniform(0, 5000, (3000, 2))
    points = rng.uniform(-300, 5300, (8000, 2))
    got = nearest_distance_m(points, kdtree(targets))
    check = rng.choice(len(points), 300, replace=False)
    d = np.hypot(
        points[check, None, 0] - targets[None, :, 0], points[check, None, 1] - targets[None, :, 1]
    )
    np.testing.assert_allclose(got[check], d.min(axis=1))


def test_segment_index_matches_brute_force_shapely():
    # polylines of 1-4 pieces up to 400 m long (longer than the 50 m sample spacing), and
    # points near and far: the nearest line, its distance and the position along it
    import shapely

    from afweging.geo.snap import SegmentIndex

    rng = np.random.default_rng(12)
    n_lines = 300
    pieces = rng.integers(1, 5, n_lines)
    starts = rng.uniform(0, 3000, (n_lines, 2))
    lines, verts, seg_a, seg_b, seg_line = [], [], [], [], []
    for i in range(n_lines):
        steps = rng.uniform(-400, 400, (pieces[i], 2))
        coords = np.vstack([starts[i], starts[i] + np.cumsum(steps, axis=0)])
        base = len(verts)
        verts.extend(coords.tolist())
        seg_a += list(range(base, base + pieces[i]))
        seg_b += list(range(base + 1, base + pieces[i] + 1))
        seg_line += [i] * int(pieces[i])
        lines.append(LineString(coords))
    index = SegmentIndex(np.array(verts), np.array(seg_a), np.array(seg_b), np.array(seg_line))
    points = np.vstack([rng.uniform(-500, 3500, (1500, 2)), rng.uniform(-3000, 6000, (100, 2))])
    got = index.nearest(points, max_distance_m=60.0)
    geoms = np.array(lines, dtype=object)
    for k, p in enumerate(points):
        d = shapely.distance(geoms, Point(p))
        assert got.distance_m[k] == pytest.approx(d.min(), abs=1e-9)
        assert d[got.line[k]] == pytest.approx(d.min(), abs=1e-9)
        assert got.along_m[k] == pytest.approx(lines[got.line[k]].project(Point(p)), abs=1e-6)
    assert (got.within == (got.distance_m <= 60.0)).all() and got.within.any()
    # many points are queried in spatial order: the answers come back in the input order
    from afweging.geo import snap

    many = np.repeat(points, 4, axis=0)[rng.permutation(4 * len(points))]
    assert len(many) >= snap._SORT_MIN_POINTS
    big = index.nearest(many, max_distance_m=60.0)
    one = [index.nearest(p, max_distance_m=60.0) for p in many[:300]]
    for field in ("line", "along_m", "distance_m", "within"):
        np.testing.assert_array_equal(getattr(big, field)[:300], [getattr(o, field)[0] for o in one])
    lookup = {tuple(p): k for k, p in enumerate(points.tolist())}
    back = np.array([lookup[tuple(p)] for p in many.tolist()])
    np.testing.assert_array_equal(big.line, got.line[back])
    np.testing.assert_array_equal(big.distance_m, got.distance_m[back])


def test_reach_memo_gives_the_same_numbers_and_reuses_unchanged_categories(demo):
    """With a ReachMemo (kept snaps, searches, KD-trees, nearest distances) the result is
    exactly that of a plain run, also for an Area with other homes (some unknown to the
    memo) and one new facility; only the changed category is searched again."""
    import dataclasses

    from afweging.analyses.reach.reachability import ReachMemo
    from afweging.geo.snap import point_xy

    memo = ReachMemo(point_xy(demo.homes, what="homes"))
    first = reachability(demo, memo=memo)
    plain = reachability(demo)
    pd.testing.assert_frame_equal(first.homes, plain.homes)
    pd.testing.assert_frame_equal(first.buurten, plain.buurten)
    searches = {k for k in memo._store if k.startswith("search:")}
    assert searches  # the demo has networks

    homes = demo.homes.iloc[::3].copy()
    homes.loc[homes.index[0], "geometry"] = Point(homes.geometry.iloc[0].x + 37.5, homes.geometry.iloc[0].y)
    fac = demo.facilities
    row = fac[fac["category"] == "supermarkt"].iloc[[0]].copy()
    row["geometry"] = [Point(row.geometry.iloc[0].x + 300.0, row.geometry.iloc[0].y - 200.0)]
    row.index = ["nieuw"]
    changed = dataclasses.replace(demo, homes=homes, facilities=pd.concat([fac, row]))
    with_memo = reachability(changed, memo=memo)
    without = reachability(changed)
    pd.testing.assert_frame_equal(with_memo.homes, without.homes)
    pd.testing.assert_frame_equal(with_memo.buurten, without.buurten)
    new = {k for k in memo._store if k.startswith("search:")} - searches
    # one new search per mode with a network, for the supermarkets only
    assert len(new) == sum(demo.has(f"network:{m}") for m in ("walk", "bike"))

    # pickled with its area (as the studio's cache stores a baseline), the memo's pieces
    # are keyed by content: the unpickled area's new graph objects find them all
    import pickle

    area2, memo2 = pickle.loads(pickle.dumps((changed, memo)))
    assert area2.networks is not changed.networks
    keys = set(memo2._store)
    again = reachability(area2, memo=memo2)
    pd.testing.assert_frame_equal(again.homes, without.homes)
    pd.testing.assert_frame_equal(again.buurten, without.buurten)
    assert set(memo2._store) == keys  # nothing computed again

    # warmed, it keeps nothing new: another facility set is computed for its homes only
    memo2.warmed = True
    row2 = row.copy()
    row2["geometry"] = [Point(row.geometry.iloc[0].x - 250.0, row.geometry.iloc[0].y + 120.0)]
    other = dataclasses.replace(area2, facilities=pd.concat([area2.facilities.drop(index="nieuw"), row2]))
    got = reachability(other, memo=memo2)
    plain = reachability(other)
    pd.testing.assert_frame_equal(got.homes, plain.homes)
    pd.testing.assert_frame_equal(got.buurten, plain.buurten)
    assert set(memo2._store) == keys


def _count_searches(monkeypatch) -> tuple[list[int], list[int]]:
    """Record the number of source nodes of every network search and the size of every
    search matrix built (``SuperSourceSearch``) from now on."""
    from afweging.analyses.reach.graph import SuperSourceSearch

    sources: list[int] = []
    matrices: list[int] = []
    distances, init = SuperSourceSearch.distances, SuperSourceSearch.__init__

    def count_search(self, nodes, offsets_m, *, limit_m):
        sources.append(len(nodes))
        return distances(self, nodes, offsets_m, limit_m=limit_m)

    def count_matrix(self, m):
        matrices.append(m.shape[0])
        init(self, m)

    monkeypatch.setattr(SuperSourceSearch, "distances", count_search)
    monkeypatch.setattr(SuperSourceSearch, "__init__", count_matrix)
    return sources, matrices


def test_reach_memo_grown_facility_sets_give_the_plain_numbers(demo, monkeypatch):
    """A warmed memo computes a category whose facilities are those it kept plus a few
    new ones at the end (as a plan adds them) from the kept pieces and the new points
    alone (snaps, a search from the new points on the run's one shared search matrix,
    their KD-tree): the result equals a plain run exactly, also for a new facility far off
    the streets, for homes the memo has not seen, and with the new facility closer than
    any old one for some homes. A fall-back to a search of the whole set fails: every
    search starts from the street ends of one new facility only."""
    import dataclasses
    import sys

    from afweging.analyses.reach.reachability import ReachMemo
    from afweging.geo.snap import point_xy

    memo = ReachMemo(point_xy(demo.homes, what="homes"))
    reachability(demo, memo=memo)
    memo.warmed = True
    calls: list[bool] = []

    def spy(*args, **kwargs):
        out = grown(*args, **kwargs)
        calls.append(out is not None)
        return out

    engine = sys.modules["afweging.analyses.reach.reachability"]
    grown = engine._grown_category
    monkeypatch.setattr(engine, "_grown_category", spy)
    sources, matrices = _count_searches(monkeypatch)
    fac = demo.facilities
    x0, y0 = demo.homes.geometry.x.median(), demo.homes.geometry.y.median()
    minx = demo.buurten.total_bounds[0]
    new = gpd.GeoDataFrame(
        {"category": ["supermarkt", "supermarkt", "huisarts"], "name": ["a", "b", "c"]},
        geometry=[Point(x0 + 40.0, y0 - 30.0), Point(minx - 400.0, y0), Point(x0 - 120.0, y0 + 80.0)],
        index=["n1", "n2", "n3"], crs=fac.crs,
    )
    homes = demo.homes.iloc[::2].copy()
    homes.loc[homes.index[0], "geometry"] = Point(x0 + 35.0, y0 - 20.0)  # a home the memo has not seen
    changed = dataclasses.replace(demo, homes=homes, facilities=pd.concat([fac, new]))
    # n2 lies 400 m off the streets and is the nearest supermarket of some network homes
    with pytest.warns(UserWarning, match="verder dan 250 m van een straat van het netwerk"):
        got = reachability(changed, memo=memo)
    assert calls == [True] * 4  # two grown categories, two modes: all from the kept pieces
    # per mode one search matrix and two searches (supermarket n1, huisarts n3; n2 lies
    # off the streets), each from the one or two street ends of one new facility
    assert len(matrices) == 2
    assert len(sources) == 4 and all(1 <= s <= 2 for s in sources), sources
    with pytest.warns(UserWarning, match="verder dan 250 m van een straat van het netwerk"):
        plain = reachability(changed)
    pd.testing.assert_frame_equal(got.homes, plain.homes)
    pd.testing.assert_frame_equal(got.buurten, plain.buurten)
    pd.testing.assert_frame_equal(got.facility_report, plain.facility_report)
    assert got.warnings == plain.warnings
    # not vacuous: the new supermarket on the streets is the nearest for some homes, and
    # the one 400 m outside the area (off the streets) is closer for others
    before = reachability(dataclasses.replace(demo, homes=homes))
    assert (plain.homes["walk_min_supermarkt"] < before.homes["walk_min_supermarkt"]).any()
    assert plain.facility_report.loc[("walk", "supermarkt"), "homes_off_network_closer"] > 0


def test_reach_memo_grown_set_gives_a_home_its_first_route(monkeypatch):
    """On the fragment graph the home at A has no route to a facility at D (a one-way
    spur away from it). A warmed memo adds a speelplek at C: from the kept pieces and a
    search from C alone the home is routed (900 m over A-B-C), as in a plain run; a
    huisarts added next to D leaves it without a route (the straight line to D × the
    detour factor to the nearest of D and the new one), the kept "can reach" of D joined
    with that of the new point."""
    import sys

    from afweging.analyses.reach.reachability import ReachMemo

    G = fragment_graph()
    homes = [(0, 0), (450, 5)]
    base = [("speelplek", (0, 60)), ("huisarts", (0, 60))]
    before = make_area(homes, base, networks={"bike": G})
    memo = ReachMemo(np.array(homes, dtype=float))
    with pytest.warns(UserWarning, match="geen route"):
        r0 = reachability(before, modes="bike", categories=["speelplek", "huisarts"], memo=memo)
    assert r0.homes["bike_n_no_route"].tolist() == [2, 2]
    memo.warmed = True
    engine = sys.modules["afweging.analyses.reach.reachability"]
    grown, calls = engine._grown_category, []

    def spy(*args, **kwargs):
        out = grown(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(engine, "_grown_category", spy)
    sources, matrices = _count_searches(monkeypatch)
    after = make_area(homes, [*base, ("speelplek", (900, 0)), ("huisarts", (10, 70))], networks={"bike": G})
    with pytest.warns(UserWarning, match="geen route naar een huisarts"):
        got = reachability(after, modes="bike", categories=["speelplek", "huisarts"], memo=memo)
    assert calls == [True, True]
    assert len(matrices) == 1 and len(sources) == 2 and all(1 <= s <= 2 for s in sources), sources
    with pytest.warns(UserWarning, match="geen route naar een huisarts"):
        plain = reachability(after, modes="bike", categories=["speelplek", "huisarts"])
    pd.testing.assert_frame_equal(got.homes, plain.homes)
    pd.testing.assert_frame_equal(got.buurten, plain.buurten)
    pd.testing.assert_frame_equal(got.facility_report, plain.facility_report)
    h = plain.homes
    np.testing.assert_allclose(h["bike_min_speelplek"], [900 / BIKE, (5 + 450) / BIKE])
    np.testing.assert_allclose(h["bike_min_huisarts"], np.hypot([0, 440], [60, 65]) * settings.detour_factor / BIKE)
    assert h["bike_n_no_route"].tolist() == [1, 1]
    assert plain.facility_report.loc[("bike", "speelplek"), "homes_no_route"] == 0
    assert plain.facility_report.loc[("bike", "huisarts"), "homes_no_route"] == 2


def test_modes_share_the_straight_line_distances(demo, monkeypatch):
    """The straight line from a home to the nearest facility of a category is the same for
    every mode: without networks (every home on the fallback) a run with both modes
    measures each home once per category (counted), and gives the numbers of one run per
    mode and of a brute-force nearest distance × the detour factor."""
    import dataclasses
    import sys

    engine = sys.modules["afweging.analyses.reach.reachability"]
    area = dataclasses.replace(demo, networks={}, missing=dict(demo.missing))  # its own dict: not the fixture's
    queried: list[int] = []
    real = engine.nearest_distance_m

    def count(xy, tree):
        queried.append(len(xy))
        return real(xy, tree)

    monkeypatch.setattr(engine, "nearest_distance_m", count)
    with pytest.warns(UserWarning, match="Geen"):
        both = reachability(area)
    cats = [c for c in both.categories if (demo.facilities["category"] == c).any()]
    assert len(cats) == 13
    assert queried == [len(demo.homes)] * len(cats)  # not twice as many
    for mode in ("walk", "bike"):
        with pytest.warns(UserWarning, match="Geen"):
            one = reachability(area, modes=mode)
        cols = [c for c in one.homes.columns if c.startswith(f"{mode}_")]
        pd.testing.assert_frame_equal(both.homes[cols], one.homes[cols], check_exact=True)
    hxy = np.column_stack([demo.homes.geometry.x, demo.homes.geometry.y])
    sup = demo.facilities[demo.facilities["category"] == "supermarkt"]
    fxy = np.column_stack([sup.geometry.x, sup.geometry.y])
    near = np.hypot(hxy[:, 0, None] - fxy[:, 0], hxy[:, 1, None] - fxy[:, 1]).min(axis=1)
    np.testing.assert_allclose(both.homes["bike_min_supermarkt"], near * settings.detour_factor / BIKE, rtol=1e-12)
    np.testing.assert_allclose(both.homes["walk_min_supermarkt"], near * settings.detour_factor / WALK, rtol=1e-12)
