"""Reachability on the real Utrecht data (skipped when ../shared is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from afweging import _names, settings
from afweging.analyses.reach.reachability import isochrone, reachability
from afweging.data.tags import everyday_categories
from afweging.geo.snap import point_xy

pytestmark = pytest.mark.utrecht


@pytest.fixture(scope="module")
def result(utrecht_area):
    with pytest.warns(UserWarning) as rec:
        r = reachability(utrecht_area)
    return r, [str(w.message) for w in rec]


def test_covers_all_buurten_and_warns_about_missing_data(utrecht_area, result):
    r, msgs = result
    assert list(r.buurten.index) == list(utrecht_area.buurten.index)
    assert len(r.buurten) == 111
    assert len(r.homes) == len(utrecht_area.homes)
    assert any("apotheek" in m for m in msgs)
    assert any("loopnetwerk" in m and "hemelsbrede" in m for m in msgs)
    assert r.homes[_names.reach_home_col("walk", "apotheek")].isna().all()
    assert set(r.methods.index) == set(r.buurten.columns)


def test_network_where_the_kanaleneiland_graph_is_and_fallback_elsewhere(utrecht_area, result):
    r, _ = result
    rep = r.report
    for mode in ("walk", "bike"):
        assert rep.loc[mode, "homes_network"] > 500
        assert rep.loc[mode, "homes_fallback"] > 0.8 * len(r.homes)
        total = rep.loc[mode, ["homes_network", "homes_fallback"]].sum()
        assert total == len(r.homes)
    # network homes lie within the snap distance of the graph, fallback homes beyond it
    walk = r.homes
    net = walk["walk_method"] == "network"
    assert (walk.loc[net, "walk_snap_m"] <= settings.max_snap_distance_m).all()
    assert (walk.loc[~net, "walk_snap_m"] > settings.max_snap_distance_m).all()
    fb = r.buurten[_names.reach_fallback_share_col("walk")]
    # Transwijk-Zuid lies entirely inside the walk graph's hull (SOURCES.md); Overvecht
    # (wijk WK034403) lies kilometres away on the other side of the city
    transwijk = utrecht_area.buurten.index[utrecht_area.buurten["buurtnaam"] == "Transwijk-Zuid"]
    assert len(transwijk) == 1 and fb[transwijk[0]] < 5.0
    overvecht = utrecht_area.buurten.index[utrecht_area.buurten["wijkcode"] == "WK034403"]
    np.testing.assert_allclose(fb[overvecht].dropna(), 100.0)
    assert fb[overvecht].notna().sum() >= 5


def test_snap_cutoff_is_measured_to_the_nearest_street_not_node(utrecht_area, result):
    # independent distances: shapely to the street lines, a KD-tree to the nodes; the
    # issue counted 42 walk homes within 250 m of a street but farther from every node
    import shapely
    from scipy.spatial import cKDTree

    r, _ = result
    xy = point_xy(utrecht_area.homes, what="homes")
    net = utrecht_area.networks["walk"]
    to_node = cKDTree(net.xy).query(xy)[0]
    lines = net.lines()
    idx, dist = shapely.STRtree(lines).query_nearest(shapely.points(xy), return_distance=True)
    to_street = np.full(len(xy), np.inf)
    to_street[idx[0]] = dist
    cut = settings.max_snap_distance_m
    assert cut == 250.0
    between = (to_node > cut) & (to_street <= cut)
    assert between.sum() == 42
    method = r.homes["walk_method"].to_numpy()
    assert (method[between] == "network").all()
    np.testing.assert_allclose(r.homes["walk_snap_m"].to_numpy()[to_street <= cut], to_street[to_street <= cut],
                               atol=1e-6)
    assert (method[to_street > cut] != "network").all()


def test_no_time_is_shorter_than_the_straight_line(utrecht_area, result):
    # a route (edge lengths follow the street geometry) and the fallback (× factor >= 1)
    # can never beat the straight line to the nearest facility
    r, _ = result
    homes = point_xy(utrecht_area.homes, what="homes")
    fac = utrecht_area.facilities
    from scipy.spatial import cKDTree

    for cat in ("speelplek", "huisarts", "supermarkt"):
        f = point_xy(fac[fac["category"] == cat], what=cat)
        straight, _ = cKDTree(f).query(homes)
        for mode in ("walk", "bike"):
            m = r.homes[_names.reach_home_col(mode, cat)].to_numpy()
            ok = ~np.isnan(m)
            assert (m[ok] * settings.speed_m_per_min(mode) >= straight[ok] - 1e-6).all()
            fb = (r.homes[_names.reach_method_col(mode)] == "fallback").to_numpy() & np.isfinite(m)
            np.testing.assert_allclose(
                m[fb], straight[fb] * settings.detour_factor / settings.speed_m_per_min(mode)
            )


def test_estimates_to_facilities_off_the_network_are_counted_and_said(utrecht_area, result):
    # independently of the engine: a facility is off the network when shapely finds no
    # street line within 250 m of it; a network home takes the estimate to a category when
    # its time equals the straight line to the nearest such facility × 1.52 (within the
    # search limit), unless the network has no route from it to the category at all (that
    # pair's estimate, to the nearest facility on the network or off it, is said as "geen
    # route": 11 bike pairs at one home). The audit of issue 17 counted 19,716 walk and
    # 2,353 bike pairs.
    import shapely
    from scipy.spatial import cKDTree

    from afweging._format import nl_int
    from afweging.analyses.reach.graph import array_graph
    from afweging.analyses.reach.reachability import travel_minutes

    r, msgs = result
    xy = point_xy(utrecht_area.homes, what="homes")
    fac = utrecht_area.facilities
    cut, factor = settings.max_snap_distance_m, settings.detour_factor
    for mode, pairs, homes, n_net in (("walk", 19_716, 4_108, 4_818), ("bike", 2_353, 808, 1_226)):
        speed = settings.speed_m_per_min(mode)
        lines = utrecht_area.networks[mode].lines()
        on_net = (r.homes[_names.reach_method_col(mode)] == "network").to_numpy()
        assert on_net.sum() == n_net
        nr_rows = np.flatnonzero(r.homes[_names.reach_no_route_col(mode)].to_numpy() > 0)
        assert len(nr_rows) == {"walk": 0, "bike": 1}[mode]
        graph = array_graph(utrecht_area.networks[mode], mode)
        per_home = np.zeros(len(xy), dtype=np.int64)
        for cat in r.categories:
            f = point_xy(fac[fac["category"] == cat], what=cat)
            if not len(f):
                continue
            idx, dist = shapely.STRtree(lines).query_nearest(shapely.points(f), return_distance=True)
            to_street = np.full(len(f), np.inf)
            np.minimum.at(to_street, idx[0], dist)
            off = to_street > cut
            assert r.facility_report.loc[(mode, cat), "off_network"] == off.sum()
            if not off.any():
                continue
            est = cKDTree(f[off]).query(xy)[0] * factor
            m = r.homes[_names.reach_home_col(mode, cat)].to_numpy() * speed
            took = on_net & (est <= 30.0 * speed) & np.isclose(m, est, rtol=1e-9, atol=0.0)
            if len(nr_rows):
                how = travel_minutes(graph, xy[nr_rows], f, mode=mode)[1]
                took[nr_rows[how == "no_route"]] = False
            assert r.facility_report.loc[(mode, cat), "homes_off_network_closer"] == took.sum(), (mode, cat)
            per_home += took
        assert per_home.sum() == pairs
        assert (per_home > 0).sum() == homes
        np.testing.assert_array_equal(r.homes[_names.reach_off_network_col(mode)].to_numpy(), per_home)
        net_nl = {"walk": "loopnetwerk", "bike": "fietsnetwerk"}[mode]
        said = [m for m in msgs if m.startswith(f"Bij {nl_int(pairs)} van de {nl_int(n_net * 12)} combinaties "
                                                f"van woning en categorie aan het {net_nl} ({nl_int(homes)} woningen)")]
        assert len(said) == 1 and said[0] in r.warnings


def test_buurt_statistics_are_consistent(result):
    r, _ = result
    b = r.buurten
    for mode in ("walk", "bike"):
        for cat in ("speelplek", "supermarkt", "openbaar_vervoer"):
            s5, s10, s15 = (b[_names.reach_share_col(mode, cat, t)] for t in (5, 10, 15))
            ok = s5.notna()
            assert ((s5[ok] <= s10[ok]) & (s10[ok] <= s15[ok])).all()
            med = b[_names.reach_stat_col(mode, cat, "median")]
            p90 = b[_names.reach_stat_col(mode, cat, "p90")]
            assert (med[ok] <= p90[ok]).all()
        n_cats = len([c for c in everyday_categories() if c != "apotheek"])
        comp = b[_names.reach_completeness_col(mode, 10)].dropna()
        assert comp.between(0, n_cats + 1e-9).all() and comp.max() > n_cats - 1
        full = b[_names.reach_complete_share_col(mode, 10)].dropna()
        assert full.between(0, 100).all()
    # cycling reaches more within 10 minutes than walking
    w = b[_names.reach_completeness_col("walk", 10)]
    k = b[_names.reach_completeness_col("bike", 10)]
    assert (k.dropna() >= w.dropna() - 1e-9).all() and k.mean() > w.mean()


def test_isochrone_on_kanaleneiland(utrecht_area):
    # a point in Kanaleneiland-Zuid, by bike and on foot
    xs, ys = utrecht_area.networks["walk"].xy.T  # read from GraphML as arrays
    centre = (float(np.median(xs)), float(np.median(ys)))
    iso = isochrone(utrecht_area, centre, minutes=[5, 10], mode="walk")
    five, ten = iso.geometry
    assert ten.contains(five.buffer(-1))
    assert 0.2e6 < ten.area < 4.3e6  # less than the graph's hull (4.21 km²)
    # 10 minutes walking = 800 m: nothing reached lies farther than 800 m + buffer (straight line)
    from shapely.geometry import Point

    far = Point(centre).buffer(800 + settings.max_snap_distance_m + settings.isochrone_buffer_m)
    assert far.contains(ten)
