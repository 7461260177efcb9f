"""The engine agrees with an independent edge-snapped networkx computation, to float level.

The reference is built here in plain Python and networkx, without the engine's code:
each point snaps to the nearest street by brute force (shapely ``distance`` to every
street geometry, ``project`` for the position along it); every street that holds points
is split at them into a chain of *virtual nodes* (piece lengths in proportion to the
distance along the geometry), homes hang on their chain node by their snap distance and
facilities lead to one sink by theirs; then networkx Dijkstra (from the sink on the
reversed graph, and forward from single homes). Homes that no route leads from get the
straight-line estimate, as do homes beyond the snap distance; facilities beyond it count
by straight line for network homes.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from afweging import settings
from afweging.analyses.reach.graph import array_graph, build_array_graph
from afweging.analyses.reach.reachability import reachability, travel_minutes

MAX_SNAP_M = settings.max_snap_distance_m
DETOUR = settings.detour_factor


def _line(G, u, v, geom=None) -> LineString:
    a = (G.nodes[u]["x"], G.nodes[u]["y"])
    b = (G.nodes[v]["x"], G.nodes[v]["y"])
    if geom is None:
        return LineString([a, b])
    first = geom.coords[0]
    if np.hypot(first[0] - b[0], first[1] - b[1]) < np.hypot(first[0] - a[0], first[1] - a[1]):
        return LineString(list(geom.coords)[::-1])
    return geom


def perturbed_grid(n: int = 14, step: float = 90.0, *, seed: int = 3) -> nx.MultiDiGraph:
    """A perturbed street grid with bent streets, one-way and contraflow streets, parallel
    streets, a fragment cut off from the rest and a one-way spur."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:28992")
    for i in range(n):
        for j in range(n):
            G.add_node(
                i * n + j,
                x=130000 + j * step + rng.normal(0, 12),
                y=450000 + i * step + rng.normal(0, 12),
            )

    def add(u, v, r, *, bend_m=0.0):
        a, b = G.nodes[u], G.nodes[v]
        geom = None
        if bend_m:
            mx, my = (a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2
            dx, dy = b["x"] - a["x"], b["y"] - a["y"]
            norm = np.hypot(dx, dy)
            mid = (mx - dy / norm * bend_m, my + dx / norm * bend_m)
            geom = LineString([(a["x"], a["y"]), mid, (b["x"], b["y"])])
        base = geom.length if geom is not None else float(np.hypot(a["x"] - b["x"], a["y"] - b["y"]))
        length = base * rng.uniform(1.0, 1.2)
        extra = {"geometry": geom} if geom is not None else {}
        if r < 0.15:  # one-way, stored in its allowed direction
            G.add_edge(u, v, length=length, oneway=True, **extra)
        elif r < 0.22:  # one-way for cars, two-way for bikes
            G.add_edge(u, v, length=length, oneway=True, **{"oneway:bicycle": "no"}, **extra)
        else:
            G.add_edge(u, v, length=length, oneway=False, **extra)
            back = {"geometry": LineString(list(geom.coords)[::-1])} if geom is not None else {}
            G.add_edge(v, u, length=length, oneway=False, **back)

    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                if i + di >= n or j + dj >= n or rng.random() < 0.12:
                    continue
                bend = rng.uniform(-25, 25) if rng.random() < 0.3 else 0.0
                add(i * n + j, (i + di) * n + (j + dj), rng.random(), bend_m=bend)
    # parallel streets: a second, bent street between neighbours that are linked already
    linked = [(u, v) for u, v in G.edges() if u < v]
    for k in rng.choice(len(linked), 6, replace=False):
        u, v = linked[k]
        add(u, v, 0.5, bend_m=float(rng.choice([-30.0, 30.0])))
    # a fragment beside the grid: a small square nobody can drive into or out of
    x0, y0 = 130000 - 160.0, 450000 + 2 * step
    sq = {1000: (x0, y0), 1001: (x0 + 70, y0), 1002: (x0 + 70, y0 + 70), 1003: (x0, y0 + 70)}
    for node, (x, y) in sq.items():
        G.add_node(node, x=x, y=y)
    for u, v in ((1000, 1001), (1001, 1002), (1002, 1003), (1003, 1000)):
        add(u, v, 0.9)
    # a one-way spur: from the fragment into the grid only
    add(1001, 2 * n, 0.05)
    return G


def _oneway(d) -> bool:
    ow = d.get("oneway", False)
    return any(bool(x) for x in ow) if isinstance(ow, list) else bool(ow)


def reference_streets(G: nx.MultiDiGraph, mode: str) -> list[dict]:
    """Every street once, with its usable directions, by the documented rules."""
    streets: list[dict] = []
    index: dict[frozenset, list[int]] = {}
    for u, v, d in G.edges(data=True):
        two_way = mode == "walk" or not _oneway(d) or d.get("oneway:bicycle") == "no"
        geom = _line(G, u, v, d.get("geometry"))
        twin = None
        for s in index.get(frozenset((u, v)), []):
            st = streets[s]
            if abs(st["length"] - d["length"]) <= 1e-6 and len(st["geom"].coords) == len(geom.coords):
                twin = st
                break
        if twin is None:
            index.setdefault(frozenset((u, v)), []).append(len(streets))
            streets.append({"u": u, "v": v, "length": float(d["length"]), "geom": geom,
                            "fwd": True, "bwd": two_way})
        elif twin["u"] == u:
            twin["fwd"] = True
            twin["bwd"] |= two_way
        else:
            twin["bwd"] = True
            twin["fwd"] |= two_way
    return streets


def _snap(streets, p):
    pt = Point(p)
    dist = [s["geom"].distance(pt) for s in streets]
    k = int(np.argmin(dist))
    g = streets[k]["geom"]
    along = g.project(pt)
    frac = 0.0 if along == 0 or g.length == 0 else (1.0 if along == g.length else along / g.length)
    return k, frac, float(dist[k])


def reference_minutes(G, mode, homes_xy, fac_xy, *, per_home=False, limit_m=np.inf):
    """Minutes to the nearest facility, and whether no route existed (straight-line estimate)."""
    streets = reference_streets(G, mode)
    speed = settings.speed_m_per_min(mode)
    homes = [_snap(streets, p) for p in homes_xy]
    facs = [_snap(streets, p) for p in fac_xy]
    fac_xy = np.asarray(fac_xy)
    on = np.array([d <= MAX_SNAP_M for _, _, d in facs], dtype=bool)
    points: dict[int, set] = {}
    for k, f, _ in [*homes, *[facs[i] for i in np.flatnonzero(on)]]:
        points.setdefault(k, set()).add(f)

    def node_at(k, f):
        s = streets[k]
        return s["u"] if f == 0.0 else s["v"] if f == 1.0 else ("q", k, f)

    R = nx.DiGraph()

    def arc(a, b, w):
        if not R.has_edge(a, b) or R[a][b]["w"] > w:
            R.add_edge(a, b, w=w)

    for k, s in enumerate(streets):
        chain = [0.0, *sorted(points.get(k, set()) - {0.0, 1.0}), 1.0]
        for f0, f1 in itertools.pairwise(chain):
            a, b, w = node_at(k, f0), node_at(k, f1), (f1 - f0) * s["length"]
            if s["fwd"]:
                arc(a, b, w)
            if s["bwd"]:
                arc(b, a, w)
    for i, (k, f, d) in enumerate(homes):
        arc(("home", i), node_at(k, f), d)
    for j in np.flatnonzero(on):
        k, f, d = facs[j]
        arc(node_at(k, f), "SINK", d)

    def straight(p, pts):
        if len(pts) == 0:
            return np.inf
        return float(np.min(np.hypot(pts[:, 0] - p[0], pts[:, 1] - p[1]))) * DETOUR

    if per_home:
        net = [nx.single_source_dijkstra_path_length(R, ("home", i), weight="w").get("SINK", np.inf)
               if R.has_node("SINK") else np.inf for i in range(len(homes))]
    else:
        back = nx.single_source_dijkstra_path_length(R.reverse(copy=True), "SINK", weight="w") \
            if R.has_node("SINK") else {}
        net = [back.get(("home", i), np.inf) for i in range(len(homes))]
    out = np.empty(len(homes))
    no_route = np.zeros(len(homes), dtype=bool)
    for i, p in enumerate(homes_xy):
        if homes[i][2] > MAX_SNAP_M:
            out[i] = straight(p, fac_xy)
            continue
        t = net[i]
        if np.isinf(t) and on.any() and not nx.has_path(R, ("home", i), "SINK"):
            no_route[i] = True  # no route at all: the straight-line estimate
            t = straight(p, fac_xy)
        out[i] = min(t, straight(p, fac_xy[~on]))
    out[out > limit_m] = np.inf
    return out / speed, no_route


def random_points_near_nodes(G, k, rng, spread_m):
    xy = np.array([[d["x"], d["y"]] for _, d in G.nodes(data=True)])
    pick = xy[rng.integers(0, len(xy), k)]
    return pick + rng.uniform(-spread_m, spread_m, size=(k, 2))


def _check(got, how, want, no_route):
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    assert ((how == "no_route") == no_route).all()


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_agrees_with_networkx_on_a_perturbed_grid(mode):
    G = perturbed_grid()
    rng = np.random.default_rng(11)
    homes = np.concatenate([random_points_near_nodes(G, 160, rng, 60.0),
                            [[130000 - 700.0, 450000.0]]])  # beyond the snap distance
    facs = random_points_near_nodes(G, 6, rng, 60.0)
    ag = build_array_graph(G, mode)
    got, how = travel_minutes(ag, homes, facs, mode=mode, max_minutes=1e6)
    want, no_route = reference_minutes(G, mode, homes, facs)
    _check(got, how, want, no_route)
    assert how[-1] == "fallback" and (how[:-1] != "fallback").all()
    # forward search from each home, independent of the reversal trick
    fwd, _ = reference_minutes(G, mode, homes[:30], facs, per_home=True)
    np.testing.assert_allclose(got[:30], fwd, rtol=1e-12, atol=1e-9)
    if mode == "bike":  # the one-way streets matter: walking gives other numbers
        walk, _ = reference_minutes(G, "walk", homes, facs)
        walk_as_bike = walk * settings.speed_m_per_min("walk") / settings.speed_m_per_min("bike")
        assert np.nanmax(np.abs(walk_as_bike - want)) > 0.01


def test_homes_on_the_fragment_are_routed_and_no_route_is_named():
    G = perturbed_grid()
    ag = build_array_graph(G, "bike")
    x0, y0 = 130000 - 160.0, 450000 + 2 * 90.0
    # homes beside the fragment's square; a facility inside the grid (reachable via the
    # spur) and one facility on the fragment (no way in from the grid)
    homes = np.array([[x0 + 35, y0 - 10], [x0 - 12, y0 + 35], [130000.0, 450000.0]])
    grid_fac = np.array([[130000 + 5 * 90.0, 450000 + 5 * 90.0]])
    frag_fac = np.array([[x0 + 35, y0 + 80]])
    got, how = travel_minutes(ag, homes, {"grid": grid_fac, "frag": frag_fac}, mode="bike",
                              max_minutes=1e6)
    for name, fac in (("grid", grid_fac), ("frag", frag_fac)):
        want, no_route = reference_minutes(G, "bike", homes, fac)
        _check(got[name], how[name], want, no_route)
    assert list(how["grid"][:2]) == ["network", "network"]  # routed out over the spur
    assert how["frag"][2] == "no_route"  # the grid home cannot get in


def test_limit_gives_inf_exactly_beyond_max_minutes():
    G = perturbed_grid(seed=8)
    rng = np.random.default_rng(4)
    homes = random_points_near_nodes(G, 150, rng, 40.0)
    facs = random_points_near_nodes(G, 2, rng, 40.0)
    ag = build_array_graph(G, "walk")
    full, _ = travel_minutes(ag, homes, facs, mode="walk", max_minutes=1e6)
    cut, _ = travel_minutes(ag, homes, facs, mode="walk", max_minutes=8.0)
    assert (full > 8.0).any() and (full <= 8.0).any()
    np.testing.assert_array_equal(cut[full <= 8.0], full[full <= 8.0])
    assert np.isinf(cut[full > 8.0]).all()


def test_several_categories_in_one_call_equal_one_call_each():
    G = perturbed_grid(seed=5)
    rng = np.random.default_rng(2)
    homes = random_points_near_nodes(G, 200, rng, 50.0)
    facs = {c: random_points_near_nodes(G, k, rng, 50.0) for c, k in (("a", 1), ("b", 4), ("c", 9))}
    ag = build_array_graph(G, "bike")
    got, how = travel_minutes(ag, homes, facs, mode="bike", max_minutes=12.0)
    for c, xy in facs.items():
        one, how1 = travel_minutes(ag, homes, xy, mode="bike", max_minutes=12.0)
        np.testing.assert_array_equal(got[c], one)
        np.testing.assert_array_equal(how[c], how1)


def test_several_categories_snap_origins_and_facilities_once(monkeypatch):
    # 12 categories in one call: one snap of the origins and one of all facilities, not
    # one per category (the issue measured about 5x the cost for 12 calls)
    from afweging.analyses.reach.graph import ArrayGraph

    G = perturbed_grid(seed=5)
    rng = np.random.default_rng(3)
    homes = random_points_near_nodes(G, 120, rng, 50.0)
    facs = {f"c{i}": random_points_near_nodes(G, 1 + i % 4, rng, 50.0) for i in range(12)}
    ag = build_array_graph(G, "walk")
    sizes: list[int] = []
    snap = ArrayGraph.snap

    def counting(self, points_xy, **kw):
        sizes.append(len(points_xy))
        return snap(self, points_xy, **kw)

    monkeypatch.setattr(ArrayGraph, "snap", counting)
    travel_minutes(ag, homes, facs, mode="walk")
    assert sizes == [len(homes), sum(len(f) for f in facs.values())]


@pytest.fixture(scope="module")
def kanaleneiland(utrecht_dir):
    """The real Kanaleneiland graphs read into networkx (osmnx's GraphML reading)."""
    from afweging.data.osm import read_graph

    net = utrecht_dir / "network"
    return {m: read_graph(net / f"kanaleneiland_{m}.graphml", mode=m) for m in ("walk", "bike")}


@pytest.mark.utrecht
@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_agrees_with_networkx_on_kanaleneiland(kanaleneiland, utrecht_area, mode):
    G = kanaleneiland[mode]
    rng = np.random.default_rng(20240 + len(mode))
    homes = random_points_near_nodes(G, 400, rng, 120.0)
    from_nx = array_graph(G, mode)
    from_file = array_graph(utrecht_area.networks[mode], mode)  # read without networkx
    for n_fac in (3, 25):  # a rare and a common category
        facs = random_points_near_nodes(G, n_fac, rng, 120.0)
        want, no_route = reference_minutes(G, mode, homes, facs)
        assert np.isfinite(want).sum() > 300
        for ag in (from_nx, from_file):
            got, how = travel_minutes(ag, homes, facs, mode=mode, max_minutes=1e6)
            _check(got, how, want, no_route)
        fwd, _ = reference_minutes(G, mode, homes[:25], facs, per_home=True)
        got, _ = travel_minutes(from_nx, homes[:25], facs, mode=mode, max_minutes=1e6)
        np.testing.assert_allclose(got, fwd, rtol=1e-12, atol=1e-9)


def test_agrees_with_networkx_on_the_demo(demo):
    import warnings

    assert demo.networks, "the demo area should have a street network"
    cats = demo.categories[:5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # data caveats are tested in test_reachability.py
        r = reachability(demo, modes=tuple(demo.networks), categories=cats)
    rng = np.random.default_rng(5)
    pick = np.sort(rng.choice(len(demo.homes), size=min(300, len(demo.homes)), replace=False))
    sub = r.homes.iloc[pick]
    homes = np.column_stack([sub.geometry.x, sub.geometry.y])
    for mode, G in demo.networks.items():
        assert (sub[f"{mode}_method"] == "network").mean() > 0.5
        limit_m = settings.max_minutes * settings.speed_m_per_min(mode)
        for cat in cats:
            f = demo.facilities[demo.facilities["category"] == cat]
            facs = np.column_stack([f.geometry.x, f.geometry.y])
            want, _ = reference_minutes(G, mode, homes, facs, limit_m=limit_m)
            got = sub[f"{mode}_min_{cat}"].to_numpy()
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
