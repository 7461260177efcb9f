"""The engine agrees with networkx shortest paths to float tolerance, snap offsets included.

The reference here is built independently of the engine: brute-force nearest nodes,
networkx strongly connected components and networkx Dijkstra (forward from each home,
and multi-source on the reversed graph).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from afweging import settings
from afweging.analyses.reach.graph import array_graph, build_array_graph
from afweging.analyses.reach.reachability import reachability, travel_minutes

MAX_SNAP_M = settings.max_snap_distance_m


def perturbed_grid(n: int = 14, step: float = 90.0, *, seed: int = 3) -> nx.MultiDiGraph:
    """A perturbed street grid: some streets removed, some one-way, some with contraflow."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:28992")
    for i in range(n):
        for j in range(n):
            G.add_node(
                i * n + j,
                x=130000 + j * step + rng.normal(0, 12),
                y=450000 + i * step + rng.normal(0, 12),
            )
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                if i + di >= n or j + dj >= n or rng.random() < 0.12:
                    continue
                u, v = i * n + j, (i + di) * n + (j + dj)
                a, b = G.nodes[u], G.nodes[v]
                length = float(np.hypot(a["x"] - b["x"], a["y"] - b["y"])) * rng.uniform(1.0, 1.3)
                r = rng.random()
                if r < 0.15:  # one-way, stored in its allowed direction
                    G.add_edge(u, v, length=length, oneway=True)
                elif r < 0.22:  # one-way for cars, two-way for bikes
                    G.add_edge(u, v, length=length, oneway=True, **{"oneway:bicycle": "no"})
                else:
                    G.add_edge(u, v, length=length, oneway=False)
                    G.add_edge(v, u, length=length, oneway=False)
    return G


def reference_graph(G: nx.MultiDiGraph, mode: str) -> nx.DiGraph:
    """The usable directed graph by the documented rules, built directly in networkx."""
    R = nx.DiGraph()
    R.add_nodes_from(G.nodes)

    def add(u, v, length):
        if not R.has_edge(u, v) or R[u][v]["length"] > length:
            R.add_edge(u, v, length=length)

    for u, v, d in G.edges(data=True):
        add(u, v, d["length"])
        if mode == "walk" or not d.get("oneway") or d.get("oneway:bicycle") == "no":
            add(v, u, d["length"])
    return R


def reference_minutes(G, mode, homes_xy, fac_xy, *, max_snap_m=MAX_SNAP_M, per_home=False):
    """Minutes to the nearest facility (NaN: home not on the main component).

    Facilities on the main component count by network; the others (beyond the snap
    distance or on a fragment) by straight line × detour factor.
    """
    R = reference_graph(G, mode)
    main = max(nx.strongly_connected_components(R), key=len)
    nodes = list(G.nodes)
    xy = np.array([[G.nodes[n]["x"], G.nodes[n]["y"]] for n in nodes])

    def snap(p):
        d = np.hypot(xy[:, 0] - p[0], xy[:, 1] - p[1])
        k = int(np.argmin(d))
        return nodes[k], float(d[k])

    speed = settings.speed_m_per_min(mode)
    snapped = [snap(p) for p in fac_xy]
    on = np.array([d <= max_snap_m and n in main for n, d in snapped], dtype=bool)
    facs = [s for s, ok in zip(snapped, on, strict=True) if ok]
    off_xy = np.asarray(fac_xy)[~on]
    out = np.full(len(homes_xy), np.nan)

    def off_network_m(p):
        if len(off_xy) == 0:
            return np.inf
        return (
            float(np.min(np.hypot(off_xy[:, 0] - p[0], off_xy[:, 1] - p[1])))
            * settings.detour_factor
        )

    if per_home:  # forward search from every home
        for i, p in enumerate(homes_xy):
            n, d = snap(p)
            if d > max_snap_m or n not in main:
                continue
            dist = nx.single_source_dijkstra_path_length(R, n, weight="length")
            net = min((d + dist[fn] + fd for fn, fd in facs if fn in dist), default=np.inf)
            out[i] = min(net, off_network_m(p)) / speed
        return out
    # one multi-source search on the reversed graph from a super-source
    Rr = R.reverse(copy=True)
    for fn, fd in facs:
        if not Rr.has_edge("SRC", fn) or Rr["SRC"][fn]["length"] > fd:
            Rr.add_edge("SRC", fn, length=fd)
    dist = nx.single_source_dijkstra_path_length(Rr, "SRC", weight="length")
    for i, p in enumerate(homes_xy):
        n, d = snap(p)
        if d <= max_snap_m and n in main:
            out[i] = min(dist.get(n, np.inf) + d, off_network_m(p)) / speed
    return out


def random_points_near_nodes(G, k, rng, spread_m):
    xy = np.array([[d["x"], d["y"]] for _, d in G.nodes(data=True)])
    pick = xy[rng.integers(0, len(xy), k)]
    return pick + rng.uniform(-spread_m, spread_m, size=(k, 2))


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_agrees_with_networkx_on_a_perturbed_grid(mode):
    G = perturbed_grid()
    rng = np.random.default_rng(11)
    homes = random_points_near_nodes(G, 120, rng, 60.0)
    facs = random_points_near_nodes(G, 6, rng, 60.0)
    ag = build_array_graph(G, mode)
    got, how = travel_minutes(ag, homes, facs, mode=mode, max_minutes=1e6)
    want = reference_minutes(G, mode, homes, facs)
    on_main = ~np.isnan(want)
    assert (how[on_main] == "network").all() and (how[~on_main] == "unreachable").all()
    np.testing.assert_allclose(got[on_main], want[on_main], rtol=1e-12, atol=1e-9)
    # forward search from each home, independent of the reversal trick
    fwd = reference_minutes(G, mode, homes[:30], facs, per_home=True)
    np.testing.assert_allclose(got[:30], fwd, rtol=1e-12, atol=1e-9)
    if mode == "bike":  # the one-way streets matter: walking gives other numbers
        walk_equiv = (
            reference_minutes(G, "walk", homes, facs)
            * settings.speed_m_per_min("walk")
            / settings.speed_m_per_min("bike")
        )
        assert np.nanmax(np.abs(walk_equiv - want)) > 0.01


def test_multi_source_dijkstra_without_offsets():
    # facilities exactly on nodes: nx.multi_source_dijkstra_path_length is the reference
    G = perturbed_grid(seed=5)
    R = reference_graph(G, "bike")
    main = max(nx.strongly_connected_components(R), key=len)
    nodes = sorted(main)
    rng = np.random.default_rng(2)
    src = [nodes[i] for i in rng.choice(len(nodes), 5, replace=False)]
    facs = np.array([[G.nodes[n]["x"], G.nodes[n]["y"]] for n in src])
    homes = np.array([[G.nodes[n]["x"], G.nodes[n]["y"]] for n in nodes])
    got, _ = travel_minutes(build_array_graph(G, "bike"), homes, facs, mode="bike", max_minutes=1e6)
    dist = nx.multi_source_dijkstra_path_length(R.reverse(copy=True), set(src), weight="length")
    want = np.array([dist[n] for n in nodes]) / settings.speed_m_per_min("bike")
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


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


@pytest.fixture(scope="module")
def kanaleneiland(utrecht_area):
    """The real Kanaleneiland walk and bike graphs as the manifest reader loads them."""
    return {mode: utrecht_area.networks[mode] for mode in ("walk", "bike")}


@pytest.mark.utrecht
@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_agrees_with_networkx_on_kanaleneiland(kanaleneiland, mode):
    G = kanaleneiland[mode]
    rng = np.random.default_rng(20240 + len(mode))
    homes = random_points_near_nodes(G, 400, rng, 120.0)
    ag = array_graph(G, mode)
    for n_fac in (3, 25):  # a rare and a common category
        facs = random_points_near_nodes(G, n_fac, rng, 120.0)
        got, how = travel_minutes(ag, homes, facs, mode=mode, max_minutes=1e6)
        # the Utrecht graphs already hold every usable direction: G itself is the reference
        want = reference_minutes(G, mode, homes, facs)
        on_main = ~np.isnan(want)
        assert on_main.sum() > 300
        assert (how[on_main] == "network").all()
        np.testing.assert_allclose(got[on_main], want[on_main], rtol=1e-12, atol=1e-9)
        fwd = reference_minutes(G, mode, homes[:25], facs, per_home=True)
        np.testing.assert_allclose(got[:25], fwd, rtol=1e-12, atol=1e-9)


def test_agrees_with_networkx_on_the_demo(demo):
    import warnings

    assert demo.networks, "the demo area should have a street network"
    cats = demo.categories[:5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # data caveats are tested in test_reachability.py
        r = reachability(demo, modes=tuple(demo.networks), categories=cats, max_minutes=1e6)
    rng = np.random.default_rng(5)
    pick = np.sort(rng.choice(len(demo.homes), size=min(400, len(demo.homes)), replace=False))
    sub = r.homes.iloc[pick]
    homes = np.column_stack([sub.geometry.x, sub.geometry.y])
    for mode, G in demo.networks.items():
        net = (sub[f"{mode}_method"] == "network").to_numpy()
        assert net.mean() > 0.5
        for cat in cats:
            f = demo.facilities[demo.facilities["category"] == cat]
            facs = np.column_stack([f.geometry.x, f.geometry.y])
            want = reference_minutes(G, mode, homes, facs)
            got = sub[f"{mode}_min_{cat}"].to_numpy()
            np.testing.assert_array_equal(np.isnan(want), sub[f"{mode}_method"] != "network")
            np.testing.assert_allclose(got[net], want[net], rtol=1e-12, atol=1e-9)
