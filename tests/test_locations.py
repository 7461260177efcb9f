"""Location choice: solver on hand-made instances, reduction, coverage, demand, outputs, CLI.

The solver is checked against instances whose optimum is known by hand (one where the
greedy choice is provably worse) and against brute force over every combination; the
reduction against the unreduced problem; coverage and demand against the reachability
engine and the priorities; the whole choice against the plan check (test_locations_plan.py).
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from click.testing import CliRunner

from afweging import settings
from afweging._errors import LocationError, NoCrsError
from afweging.analyses.locations import (
    Constraints,
    choose_locations,
    export_problem,
    locations_table,
    marginal_order,
    public_space_sites,
    read_candidate_sites,
    read_problem,
    reduce_problem,
    solve_exact,
    solve_greedy,
    write_locations,
)
from afweging.analyses.locations.coverage import Coverage, dominated_sites
from afweging.analyses.locations.solve import OPTIMAL, TIME_LIMIT, bound_keep, covered_weight
from afweging.analyses.reach.coverage import site_coverage


def _A(sets: list[list[int]], n_rows: int) -> sp.csr_matrix:
    """Rows x sites from the row set of every site."""
    a = np.zeros((n_rows, len(sets)), dtype=bool)
    for j, rows in enumerate(sets):
        a[rows, j] = True
    return sp.csr_matrix(a)


def _brute(A: sp.csr_matrix, w: np.ndarray, c: Constraints) -> float:
    """The optimum by trying every feasible set of at most n sites."""
    n_sites = A.shape[1]
    best = -1.0
    for k in range(0, c.n + 1):
        for combo in itertools.combinations(range(n_sites), k):
            if not set(c.fixed) <= set(combo):
                continue
            if c.max_per_buurt is not None and c.buurt is not None:
                _, counts = np.unique(c.buurt[list(combo)], return_counts=True)
                if len(counts) and counts.max() > c.max_per_buurt:
                    continue
            if c.min_per_wijk and c.wijk is not None:
                got = dict.fromkeys(np.unique(c.wijk), 0)
                for j in combo:
                    got[c.wijk[j]] += 1
                if min(got.values()) < c.min_per_wijk:
                    continue
            best = max(best, covered_weight(A, w, combo))
    return best


# ------------------------------------------------------------------------------ solver
def test_greedy_is_provably_worse_on_this_instance() -> None:
    # site 0 covers rows 0-3 (4), sites 1 and 2 cover 0,1,4 and 2,3,5 (3 each): greedy takes
    # site 0 first and then gains 1, total 5; sites 1 + 2 cover all 6 rows
    A = _A([[0, 1, 2, 3], [0, 1, 4], [2, 3, 5]], 6)
    w = np.ones(6)
    c = Constraints(n=2)
    greedy = solve_greedy(A, w, c)
    exact = solve_exact(A, w, c, time_limit_s=10)
    assert greedy.sites == (0, 1) and greedy.objective == 5.0
    assert exact.sites == (1, 2) and exact.objective == 6.0
    assert exact.status == OPTIMAL and exact.gap == 0.0
    assert marginal_order(A, w, exact.sites) == [(1, 3.0), (2, 3.0)]


def test_known_optima_with_constraints() -> None:
    A = _A([[0, 1, 2, 3], [0, 1, 4], [2, 3, 5]], 6)
    w = np.array([1.0, 1.0, 1.0, 1.0, 2.0, 2.0])
    # unconstrained: sites 1 + 2 cover everything (8); one site: any of them covers 4
    assert solve_exact(A, w, Constraints(n=2), time_limit_s=10).objective == 8.0
    assert solve_exact(A, w, Constraints(n=1), time_limit_s=10).objective == 4.0
    # fixed site 0 (rows 0-3, 4): the best second site adds row 4 or 5 (weight 2): 6
    fixed = solve_exact(A, w, Constraints(n=2, fixed=(0,)), time_limit_s=10)
    assert fixed.objective == 6.0 and 0 in fixed.sites
    # sites 1 and 2 in the same buurt, at most one per buurt: site 0 + one of them = 6
    buurt = np.array(["A", "B", "B"])
    capped = solve_exact(A, w, Constraints(n=2, buurt=buurt, max_per_buurt=1), time_limit_s=10)
    assert capped.objective == 6.0 and capped.sites in ((0, 1), (0, 2))
    # at least one site in wijk X, where only site 0 lies: 0 + one of 1/2 = 6
    wijk = np.array(["X", "Y", "Y"])
    minimum = solve_exact(A, w, Constraints(n=2, wijk=wijk, min_per_wijk=1), time_limit_s=10)
    assert minimum.objective == 6.0 and 0 in minimum.sites
    # three sites: everything, with or without the constraints
    assert solve_exact(A, w, Constraints(n=3, fixed=(0,)), time_limit_s=10).objective == 8.0


def test_exact_equals_brute_force_on_random_instances() -> None:
    rng = np.random.default_rng(7)
    for trial in range(25):
        n_rows, n_sites = int(rng.integers(5, 30)), int(rng.integers(3, 10))
        a = rng.random((n_rows, n_sites)) < rng.uniform(0.1, 0.5)
        A = sp.csr_matrix(a)
        w = rng.uniform(0.5, 3.0, n_rows)
        buurt = rng.choice(["A", "B", "C"], n_sites)
        wijk = np.where(np.isin(buurt, ["A", "B"]), "W1", "W2")
        kinds = [Constraints(n=int(rng.integers(1, 4))),
                 Constraints(n=3, buurt=buurt, max_per_buurt=1),
                 Constraints(n=3, fixed=(int(rng.integers(0, n_sites)),))]
        if len(set(wijk)) == 2:
            kinds.append(Constraints(n=3, wijk=wijk, min_per_wijk=1))
        for c in kinds:
            exact = solve_exact(A, w, c, time_limit_s=10)
            greedy = solve_greedy(A, w, c)
            assert exact.objective == pytest.approx(_brute(A, w, c), abs=1e-9), (trial, c)
            assert exact.objective >= greedy.objective - 1e-9
            assert covered_weight(A, w, exact.sites) == pytest.approx(exact.objective)


def test_bound_leaves_out_only_sites_no_optimum_uses() -> None:
    # by hand: site 0 covers rows 0-1 (4), site 1 row 2 (3), site 2 row 3 (1), site 3 rows
    # 0 and 2 (5). Greedy with N = 1 takes site 3 (5): site 0 (4), 1 (3) and 2 (1) cannot
    # beat it on their own. N = 2: greedy 3 + 0 = 7 (covers 0, 1, 2); site 2 with the best
    # other (5) reaches 6 < 7, out; site 1 with site 3: 3 + 5 = 8 >= 7, kept
    A = _A([[0, 1], [2], [3], [0, 2]], 4)
    w = np.array([2.0, 2.0, 3.0, 1.0])
    assert bound_keep(A, w, 1, 5.0).tolist() == [False, False, False, True]
    assert bound_keep(A, w, 2, 7.0).tolist() == [True, True, False, True]
    assert solve_exact(A, w, Constraints(n=2), time_limit_s=10).objective == 7.0
    # a fixed site is kept, even when the bound would leave it out
    fixed = solve_exact(A, w, Constraints(n=2, fixed=(2,)), time_limit_s=10)
    assert fixed.sites == (2, 3) and fixed.objective == 6.0
    # random instances with a few strong sites, where the bound does leave sites out: the
    # optimum is still the brute-force one
    rng = np.random.default_rng(5)
    left_out = 0
    for _ in range(10):
        n_rows, n_sites = int(rng.integers(15, 40)), int(rng.integers(6, 11))
        a = rng.random((n_rows, n_sites)) < rng.uniform(0.05, 0.6, n_sites)
        w = rng.uniform(0.5, 3.0, n_rows)
        A = sp.csr_matrix(a)
        for n in (1, 2, 3):
            c = Constraints(n=n)
            left_out += int((~bound_keep(A, w, n, solve_greedy(A, w, c).objective)).sum())
            assert solve_exact(A, w, c, time_limit_s=10).objective == pytest.approx(_brute(A, w, c), abs=1e-9)
    assert left_out > 50  # 108 of 264 site-instances with this seed


def test_time_limit_falls_back_and_reports_the_gap() -> None:
    rng = np.random.default_rng(3)
    A = sp.csr_matrix(rng.random((400, 120)) < 0.05)
    w = rng.uniform(1, 2, 400)
    c = Constraints(n=8)
    greedy = solve_greedy(A, w, c)
    sol = solve_exact(A, w, c, time_limit_s=1e-9, greedy=greedy)
    assert sol.status == TIME_LIMIT
    assert sol.objective >= greedy.objective
    assert sol.bound >= sol.objective or not np.isfinite(sol.bound)
    assert sol.gap >= 0.0 or np.isnan(sol.gap)


def test_infeasible_constraints_are_refused_in_dutch() -> None:
    A = _A([[0], [1], [2]], 3)
    w = np.ones(3)
    with pytest.raises(LocationError, match="vaste locaties maar --aantal is 1"):
        solve_exact(A, w, Constraints(n=1, fixed=(0, 1)), time_limit_s=5)
    with pytest.raises(LocationError, match="vraagt 2 locaties"):
        solve_exact(A, w, Constraints(n=1, wijk=np.array(["X", "Y", "Y"]), min_per_wijk=1), time_limit_s=5)
    with pytest.raises(LocationError, match="te weinig kandidaten"):
        solve_exact(A, w, Constraints(n=4, wijk=np.array(["X", "Y", "Y"]), min_per_wijk=2), time_limit_s=5)
    with pytest.raises(LocationError, match="max-per-buurt"):
        solve_exact(A, w, Constraints(n=2, buurt=np.array(["B", "B", "C"]), max_per_buurt=1, fixed=(0, 1)),
                    time_limit_s=5)


# ------------------------------------------------------------------------------ reduction
def test_dominated_sites() -> None:
    A = _A([[0, 1], [0, 1, 2], [2], [0, 1, 2], []], 3)
    # 0 inside 1; 3 equals 1 (later); 2 inside 1; 4 covers nothing
    assert dominated_sites(A).tolist() == [True, False, True, True, True]
    # per buurt: site 1 only dominates within its own buurt
    group = np.array(["A", "B", "A", "B", "A"])
    assert dominated_sites(A, group=group).tolist() == [False, False, False, True, True]
    assert dominated_sites(A, protected=np.array([1, 0, 0, 0, 0], bool)).tolist() == [False, False, True, True, True]
    # a minimum of 2 per wijk (one wijk): decided in the order 1, 3, 0, 2, 4; site 3 has one
    # kept dominator (1), too few; 0 and 2 have two (1 and 3); the empty site 4 is dominated
    # by every site decided before it
    assert dominated_sites(A, min_per_group=2).tolist() == [True, False, True, False, True]
    # a minimum of 3: only the empty site has three kept sites before it
    assert dominated_sites(A, min_per_group=3).tolist() == [False, False, False, False, True]
    # a minimum of 1 per group: 3 goes (1 in its group B); in A, 0 and 2 dominate nothing
    # of each other and the empty site 4 goes
    assert dominated_sites(A, group=group, min_per_group=1).tolist() == [False, False, False, True, True]
    # ... but an empty site alone in its group stays: the minimum may need it
    assert dominated_sites(A, group=np.array(["A", "A", "A", "A", "C"]), min_per_group=1).tolist()[4] is False


def test_reduction_keeps_the_optimum() -> None:
    rng = np.random.default_rng(11)
    checked = dropped = 0
    for _ in range(20):
        n_rows, n_sites = int(rng.integers(10, 40)), int(rng.integers(4, 10))
        a = rng.random((n_rows, n_sites)) < 0.3
        a[: n_rows // 3] = a[0]  # identical rows, merged
        a[:, rng.random(n_sites) < 0.15] = False  # sites that serve nobody
        w = rng.uniform(0.5, 2.0, n_rows)
        cov = Coverage(homes=np.arange(n_rows), serves=sp.csr_matrix(a), network=sp.csr_matrix(a.shape, dtype=bool))
        buurt = rng.choice(["A", "B", "C"], n_sites)
        wijk = np.where(buurt == "C", "W2", "W1")
        both = np.char.add(wijk, buurt)
        cases = [(Constraints(n=3), None, 0),
                 (Constraints(n=3, buurt=buurt, max_per_buurt=1), buurt, 0),
                 (Constraints(n=3, wijk=wijk, min_per_wijk=1), wijk, 1),
                 (Constraints(n=4, wijk=wijk, min_per_wijk=2), wijk, 2),
                 (Constraints(n=4, wijk=wijk, min_per_wijk=1, buurt=buurt, max_per_buurt=1), both, 1)]
        for c, group, m in cases:
            full = _brute(sp.csr_matrix(a), w, c)
            if full < 0:  # no choice meets the constraints
                continue
            red = reduce_problem(cov, w, drop_dominated=True, group=group, min_per_group=m)
            assert red.weight.sum() == pytest.approx(w[a.any(axis=1)].sum())
            assert len(set(map(tuple, red.A.toarray()))) == red.A.shape[0]  # no identical rows left
            reduced = solve_exact(red.A, red.weight, c.take(red.sites), time_limit_s=10)
            assert reduced.objective == pytest.approx(full, abs=1e-9), (c, m)
            checked += 1
            dropped += n_sites - len(red.sites)
    assert checked > 60 and dropped > 100


# ------------------------------------------------------------------------------ coverage
def test_site_coverage_fallback_rule_by_hand() -> None:
    homes = np.array([[0.0, 0.0], [130.0, 0.0], [140.0, 0.0], [0.0, 100.0]])
    method = np.array(["fallback"] * 4)
    # 200 m norm at 80 m/min = 2.5 min; detour 1.52: 131.6 m straight line is the limit
    cov = site_coverage(None, homes, method, np.array([[0.0, 0.0], [0.0, 220.0]]), mode="walk",
                        minutes=200 / 80, detour_factor=1.52)
    assert cov.serves.toarray().tolist() == [[True, True, False, True], [False, False, False, True]]
    assert cov.network.nnz == 0
    assert cov.site_method.tolist() == ["fallback", "fallback"]


def test_site_coverage_without_a_route() -> None:
    import networkx as nx

    from afweging.analyses.reach.graph import array_graph

    # two streets 60 m apart that do not meet: no route from one to the other
    G = nx.MultiDiGraph(crs=settings.crs)
    for node, (x, y) in {1: (0, 0), 2: (100, 0), 3: (0, 60), 4: (100, 60)}.items():
        G.add_node(node, x=float(x), y=float(y))
    for u, v in ((1, 2), (2, 1), (3, 4), (4, 3)):
        G.add_edge(u, v, length=100.0)
    graph = array_graph(G, "walk")
    homes = np.array([[50.0, 5.0], [20.0, 5.0]])
    sites = np.array([[50.0, 55.0], [30.0, 0.0]])
    method = np.array(["network", "network"])
    # site 0 lies across the gap: 50 m × 1.52 = 76 m in a straight line, but no route; it
    # counts only for a home without a route to any existing facility
    no = site_coverage(graph, homes, method, sites, mode="walk", minutes=2.5, detour_factor=1.52)
    assert no.serves.toarray().tolist() == [[False, False], [True, True]]
    ok = site_coverage(graph, homes, method, sites, mode="walk", minutes=2.5, detour_factor=1.52,
                       no_route_ok=np.array([True, False]))
    assert ok.serves.toarray().tolist() == [[True, False], [True, True]]
    # along the street: 5 + 20 + 0 m for home 0 to site 1 (network); 5 + 10 m for home 1
    assert ok.network.toarray().tolist() == [[False, False], [True, True]]
    assert ok.site_method.tolist() == ["network", "network"]


def test_site_coverage_on_the_network_matches_the_engine(demo) -> None:
    from afweging.analyses.reach.graph import array_graph
    from afweging.analyses.reach.reachability import travel_minutes

    graph = array_graph(demo.networks["walk"], "walk")
    rng = np.random.default_rng(5)
    homes = np.column_stack([demo.homes.geometry.x, demo.homes.geometry.y])[rng.choice(len(demo.homes), 300, replace=False)]
    sites = homes[:6] + 30.0
    method = travel_minutes(graph, homes, sites[:1], mode="walk")[1]
    cov = site_coverage(graph, homes, method, sites, mode="walk", minutes=5.0)
    for j in range(len(sites)):
        t, _ = travel_minutes(graph, homes, sites[j : j + 1], mode="walk")
        assert (cov.serves[j].toarray().ravel() == (t <= 5.0 * (1 + 1e-9))).all()


# ------------------------------------------------------------------------------ demo run
@pytest.fixture(scope="module")
def demo_inputs(demo):
    import afweging

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = afweging.compute_layers(demo)
        reach = afweging.reachability(demo)
        prios = afweging.prioritise(demo, layers, reach)
    return demo, layers, reach, prios


@pytest.fixture(scope="module")
def demo_choice(demo_inputs):
    area, layers, reach, prios = demo_inputs
    return choose_locations(area, question="speelplek", n=4, layers=layers, reach=reach, priorities=prios)


def test_demand_matches_the_priorities(demo_inputs) -> None:
    from afweging.analyses.locations import location_demand
    from afweging.analyses.priorities.inputs import PriorityInputs

    area, layers, reach, prios = demo_inputs
    inp = PriorityInputs(area, layers, reach)
    for q in ("speelplek", "ontmoetingsplek", "voorzieningen"):
        d = location_demand(inp, prios, q)
        h = d.homes
        frame = prios[q]
        per_buurt = (h["people"] * h["missing"]).groupby(h["buurtcode"]).sum()
        ok = frame["status"] == "ok"
        # the priorities' gap: people beyond the norm (x missing categories for voorzieningen)
        assert np.allclose(per_buurt.reindex(frame.index[ok]).fillna(0), frame.loc[ok, "gap"], atol=1e-6)
        nw = 1 + prios.config.ongelijk_investeren * frame["need_index"].fillna(0)
        assert np.allclose(h["need_weight"], nw.reindex(h["buurtcode"]).to_numpy())
        assert np.allclose(h["weight"], h["people"] * h["missing"] * h["need_weight"])
        assert (h.loc[h["covered"], "weight"] == 0).all()


def test_generated_candidates_on_the_demo(demo) -> None:
    sites = public_space_sites(demo, question="speelplek", spacing_m=50.0)
    assert set(sites["origin"]) == {"openbaar groen", "schoolplein", "raster"}
    assert sites["buurtcode"].notna().all() and sites.index.is_unique
    water = shapely.union_all(demo.meta["water"].geometry.to_numpy())
    assert not sites.geometry.within(water).any()
    grid = sites[sites["origin"] == "raster"]
    homes = demo.homes.geometry
    d = grid.geometry.apply(lambda p: homes.distance(p).min())
    assert (d >= settings.candidate_clearance_m).all()
    # buurten with public green get no grid; those without do
    green_buurten = set(sites.loc[sites["origin"] == "openbaar groen", "buurtcode"])
    assert not set(grid["buurtcode"]) & green_buurten
    assert set(grid["buurtcode"])
    # no school yards for a meeting place
    assert "schoolplein" not in set(public_space_sites(demo, question="ontmoetingsplek", spacing_m=200.0)["origin"])


def test_demo_choice(demo_choice) -> None:
    ch = demo_choice
    c = ch.comparison
    assert c["status"] == OPTIMAL
    assert c["objective"] >= c["objective_greedy"] - 1e-9
    assert ch.objective == pytest.approx(ch.exact.objective)
    assert len(ch.sites) == 4 and list(ch.sites["rank"]) == [1, 2, 3, 4]
    gains = ch.sites["weight_new"].to_numpy()
    assert gains[0] == gains.max()  # the first one adds the most
    assert ch.sites["weight_cumulative"].iloc[-1] == pytest.approx(ch.objective)
    assert (ch.candidates.loc[ch.sites["site_id"], "status"] == "gekozen").all()
    assert ch.sites["reason"].str.contains("kinderen binnen 200 m looproute").all()
    assert 0 < c["people_new"] <= ch.before["people"]


def test_generated_candidates_come_with_their_caveats(demo, demo_choice) -> None:
    from afweging.analyses.locations.candidates import generated_caveats

    cand = demo_choice.candidates
    n_grid = int((cand["origin"] == "raster").sum())
    assert 0 < n_grid < len(cand)
    grid = [c for c in demo_choice.caveats if "rasterpunten" in c]
    assert len(grid) == 1 and grid[0].startswith(f"{n_grid} van de {len(cand)} kandidaten")
    # the demo knows its water, so nothing is said about it; without water it is said
    assert not any("watervlakken" in c for c in demo_choice.caveats)
    dry = demo.copy()
    dry.meta = {k: v for k, v in dry.meta.items() if k != "water"}
    assert any("niet uitgesloten" in c for c in generated_caveats(dry, cand))
    # no grid points, nothing about them
    assert not any("rasterpunten" in c for c in generated_caveats(demo, cand[cand["origin"] != "raster"]))


def test_user_candidate_file(demo, demo_inputs, tmp_path: Path) -> None:
    area, layers, reach, prios = demo_inputs
    zonnehof = area.buurten.geometry.loc["BU99990201"].representative_point()
    pts = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "naam": ["Kavel <b>A</b>", "=1+1", "Veld"], "vast": ["nee", "ja", ""]},
        geometry=[zonnehof, shapely.Point(zonnehof.x + 150, zonnehof.y), shapely.box(150000, 450000, 150040, 450040)],
        crs=settings.crs,
    ).to_crs("EPSG:4326")
    path = tmp_path / "kavels.geojson"
    pts.to_file(path, driver="GeoJSON")
    sites = read_candidate_sites(path, area)
    assert list(sites.index) == ["a", "b", "c"] and sites["fixed"].tolist() == [False, True, False]
    assert (sites["origin"] == "bestand").all()
    assert sites.geometry.iloc[2].within(shapely.box(150000, 450000, 150040, 450040))
    ch = choose_locations(area, question="speelplek", n=2, candidates=path, layers=layers, reach=reach,
                          priorities=prios)
    assert "b" in set(ch.sites["site_id"])  # fixed
    write_locations(ch, tmp_path / "uit")
    text = (tmp_path / "uit" / "locaties.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and ";=1+1" not in text  # no formula for a spreadsheet to run


def _no_crs(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns that the file gets no CRS: the point
        gpd.GeoDataFrame(geometry=[shapely.Point(150000, 450000)]).to_file(path, driver="GPKG")


@pytest.mark.parametrize(("make", "match", "error"), [
    (lambda p: p.write_text('{"type": "FeatureCollection", "crs": null, "features": []}'),
     "geen punten of vlakken", LocationError),
    (_no_crs, "geen coördinatenstelsel", NoCrsError),
    (lambda p: gpd.GeoDataFrame(geometry=[shapely.LineString([(150000, 450000), (150100, 450000)])],
                                crs=settings.crs).to_file(p, driver="GPKG"), "geen punt of vlak", LocationError),
    (lambda p: gpd.GeoDataFrame({"id": ["x", "x"]}, geometry=[shapely.Point(150000, 450000)] * 2,
                                crs=settings.crs).to_file(p, driver="GPKG"), "meer dan eens", LocationError),
    (lambda p: gpd.GeoDataFrame({"vast": ["misschien"]}, geometry=[shapely.Point(150000, 450000)],
                                crs=settings.crs).to_file(p, driver="GPKG"), "gebruik ja of nee", LocationError),
    (lambda p: gpd.GeoDataFrame(geometry=[shapely.Point(10, 10)], crs=settings.crs).to_file(p, driver="GPKG"),
     "buiten de buurten", LocationError),
])
def test_bad_candidate_files(demo, tmp_path: Path, make, match, error) -> None:
    path = tmp_path / "kavels.gpkg"
    make(path)
    with pytest.raises(error, match=match):
        read_candidate_sites(path, demo)


def test_unknown_fixed_site_gets_a_suggestion(demo_inputs) -> None:
    area, layers, reach, prios = demo_inputs
    with pytest.raises(LocationError, match=r"'k0001' \(bedoelt u 'K0001'\?\)"):
        choose_locations(area, n=2, fixed=["k0001"], layers=layers, reach=reach, priorities=prios)


def test_outputs_and_problem_export(demo_choice, tmp_path: Path) -> None:
    ch = demo_choice
    files = write_locations(ch, tmp_path / "a")
    again = write_locations(ch, tmp_path / "b")
    for f, g in zip(files, again, strict=True):
        assert f.read_bytes() == g.read_bytes(), f.name  # byte-identical
    table = pd.read_csv(files[0], sep=";", decimal=",", encoding="utf-8-sig")
    assert list(table["locatie"]) == list(ch.sites["site_id"])
    assert table["kinderen nieuw binnen de norm"].sum() == pytest.approx(ch.sites["people_new"].round().sum())
    layers = gpd.list_layers(files[1])["name"].tolist()
    assert layers == ["locaties", "gretig", "kandidaten"]
    assert len(gpd.read_file(files[1], layer="kandidaten")) == len(ch.candidates)

    p1 = export_problem(ch, tmp_path / "probleem.npz")
    p2 = export_problem(ch, tmp_path / "probleem2.npz")
    assert p1.read_bytes() == p2.read_bytes()
    prob = read_problem(p1)
    A = prob["coverage"]
    assert A.shape == (len(ch.demand.homes), len(ch.candidates))
    # anyone can recompute the objective from the arrays
    hit = np.asarray(A[:, prob["chosen"]].sum(axis=1)).ravel() > 0
    assert float(prob["weight"][hit].sum()) == pytest.approx(ch.objective)
    assert not (A[prob["covered"]].sum() > 0)
    assert str(prob["format"]) == "afweging-locatieprobleem/1"


def test_table_has_report_groups(demo_inputs) -> None:
    area, layers, reach, prios = demo_inputs
    ch = choose_locations(area, question="ontmoetingsplek", n=2, layers=layers, reach=reach, priorities=prios)
    table = locations_table(ch)
    assert "65-plussers nieuw binnen de norm" in table.columns
    assert ch.sites["reason"].str.contains("65-plussers").any()


def test_map_and_report_show_the_choice(demo_inputs, demo_choice, tmp_path: Path) -> None:
    from afweging.maps import report_html, write_map

    area, layers, reach, prios = demo_inputs
    html = report_html(area, layers=layers, reach=reach, priorities=prios, locations=demo_choice)
    assert 'id="locatiekeuze"' in html and "Gretig tegenover optimaal" in html
    for sid in demo_choice.sites["site_id"]:
        assert sid in html
    path = write_map(area, tmp_path / "kaart.html", locations=demo_choice, tiles=False, barcodes=False)
    text = path.read_text(encoding="utf-8")
    assert "afw.sites(" in text and "Locatiekeuze speelplek: optimaal" in text


def test_cli_locaties(tmp_path: Path) -> None:
    from afweging.cli import main

    out = tmp_path / "uit"
    res = CliRunner().invoke(main, ["locaties", "--vraag", "speelplek", "--aantal", "3", "--out", str(out),
                                    "--export-problem", str(tmp_path / "p.npz")])
    assert res.exit_code == 0, res.output
    assert "Exact optimaal" in res.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "kaart.html", "locaties.csv", "locaties.gpkg", "rapport.html"]
    assert (tmp_path / "p.npz").exists()
    # the output writer's set: a user file in the folder is left alone by a second run
    (out / "notities.txt").write_text("van mij")
    again = CliRunner().invoke(main, ["locaties", "--aantal", "2", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert (out / "notities.txt").read_text() == "van mij"
    bad = CliRunner().invoke(main, ["locaties", "--aantal", "3", "--out", str(out), "--kandidaten",
                                    str(tmp_path / "bestaat-niet.gpkg")])
    assert bad.exit_code == 2 and "bestaat niet" in bad.output and "Traceback" not in bad.output
    bad = CliRunner().invoke(main, ["locaties", "--aantal", "1", "--min-per-wijk", "1", "--out", str(out)])
    assert bad.exit_code == 2 and "--min-per-wijk 1" in bad.output
    bad = CliRunner().invoke(main, ["locaties", "--aantal", "1", "--out", str(out), "--export-problem", str(tmp_path)])
    assert bad.exit_code == 2 and "dat is een map" in bad.output


def test_a_misspelt_candidate_property_is_named(demo, tmp_path: Path) -> None:
    path = tmp_path / "kavels.gpkg"
    gpd.GeoDataFrame({"vats": ["ja"], "eigenaar": ["gemeente"]}, geometry=[shapely.Point(150000, 450000)],
                     crs=settings.crs).to_file(path, driver="GPKG")
    with pytest.warns(UserWarning, match="'vats' wordt genegeerd; bedoelde u 'vast'"):
        sites = read_candidate_sites(path, demo)
    assert not sites["fixed"].any()
