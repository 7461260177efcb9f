"""The synthetic demo area Demostad: determinism, consistency, contrasts, gaps, barriers."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import LineString

from afweging import settings
from afweging.data import demo as demo_mod
from afweging.data.tags import load_tag_table
from afweging.geo.area import assign_buurt

RD = CRS.from_user_input("EPSG:28992")
OFFSET = np.array([demo_mod.ORIGIN_X_M, demo_mod.ORIGIN_Y_M])


def rd_point(x_local: float, y_local: float) -> np.ndarray:
    return np.array([x_local, y_local]) + OFFSET


def rd_line(fx, y0: float = -50.0, y1: float = 1850.0) -> LineString:
    ys = np.arange(y0, y1 + 1, 10.0)
    return LineString(np.column_stack([fx(ys), ys]) + OFFSET)


def nearest_node(g: nx.MultiDiGraph, xy: np.ndarray) -> int:
    nodes = list(g.nodes)
    coords = np.array([[g.nodes[n]["x"], g.nodes[n]["y"]] for n in nodes])
    return nodes[int(np.argmin(np.hypot(*(coords - xy).T)))]


def by_name(area, name: str) -> str:
    return area.buurten.index[area.buurten["buurtnaam"] == name][0]


# ----------------------------------------------------------------------------- basics
def test_identity_and_provenance(demo):
    assert demo.synthetic is True
    assert demo.name == "Demostad"
    assert demo.gemeentecode == "GM9999"
    assert demo.missing == {}
    for piece in ("buurten", "wijken", "statistics", "homes", "facilities", "green", "network:walk",
                  "network:bike", "raster:heat", "raster:noise", "lines:cycleways"):
        assert demo.has(piece) or piece == "statistics"
        assert demo.provenance[piece].source == "Synthetisch demogebied (afweging), geen echte gegevens"


def test_deterministic_and_seeded(demo):
    from afweging.data.demo._town import _build

    build = _build.__wrapped__  # bypass the cache
    a, b = demo, build(settings.seed)
    pd.testing.assert_frame_equal(a.buurten.drop(columns="geometry"), b.buurten.drop(columns="geometry"))
    assert a.buurten.geometry.geom_equals(b.buurten.geometry).all()
    pd.testing.assert_frame_equal(a.homes.drop(columns="geometry"), b.homes.drop(columns="geometry"))
    assert a.homes.geometry.geom_equals(b.homes.geometry).all()
    assert a.facilities.drop(columns="geometry").equals(b.facilities.drop(columns="geometry"))
    for mode in ("walk", "bike"):
        assert sorted(a.networks[mode].edges(keys=True)) == sorted(b.networks[mode].edges(keys=True))
    np.testing.assert_array_equal(a.rasters["heat"].data, b.rasters["heat"].data)
    other = build(settings.seed + 1)
    assert not np.array_equal(other.buurten["a_inw"].to_numpy(), a.buurten["a_inw"].to_numpy())


def test_demo_area_returns_an_independent_copy():
    from afweging.data.demo import demo_area

    first = demo_area()
    first.buurten.loc[first.buurten.index[0], "a_inw"] = -1.0
    first.networks["walk"].clear()
    second = demo_area()
    assert second.buurten["a_inw"].iloc[0] >= 0
    assert second.networks["walk"].number_of_nodes() > 0


def test_everything_in_rd(demo):
    for gdf in (demo.buurten, demo.wijken, demo.homes, demo.facilities, demo.green, *demo.lines.values()):
        assert CRS.from_user_input(gdf.crs) == RD
    for g in demo.networks.values():
        assert CRS.from_user_input(g.graph["crs"]) == RD
    minx, miny, maxx, maxy = demo.total_bounds
    assert 140_000 < minx < maxx < 160_000 and 440_000 < miny < maxy < 460_000


# ----------------------------------------------------------------------------- geography
def test_sizes_and_codes(demo):
    assert len(demo.wijken) >= 3 and len(demo.buurten) >= 12 and len(demo.homes) >= 3000
    assert demo.buurten.index.str.fullmatch(r"BU9999\d{4}").all()
    assert demo.wijken.index.str.fullmatch(r"WK9999\d{2}").all()
    assert set(demo.buurten["wijkcode"]) == set(demo.wijken.index)
    assert (demo.buurten.index.str[2:8] == demo.buurten["wijkcode"].str[2:]).all()


def test_buurten_tile_and_wijken_are_dissolved_buurten(demo):
    b = demo.buurten
    assert b.is_valid.all() and (b.geom_type == "Polygon").all()
    union = b.union_all()
    assert b.area.sum() == pytest.approx(union.area, rel=1e-9)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0  # one piece, no holes
    for code, wijk in demo.wijken.iterrows():
        members = b.geometry[b["wijkcode"] == code].union_all()
        assert wijk.geometry.symmetric_difference(members).area < 1e-6


# ----------------------------------------------------------------------------- statistics
def test_statistics_are_consistent(demo):
    b = demo.buurten
    residents = demo.homes.groupby("buurtcode")["residents"].sum().reindex(b.index, fill_value=0.0)
    np.testing.assert_allclose(residents, b["a_inw"], rtol=0, atol=1e-9)
    dwellings = demo.homes.groupby("buurtcode").size().reindex(b.index, fill_value=0)
    np.testing.assert_array_equal(dwellings, b["a_woning"])
    ages = b[["a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo"]].sum(axis=1)
    np.testing.assert_array_equal(ages, b["a_inw"])
    np.testing.assert_array_equal(b[["a_1p_hh", "a_hh_z_k", "a_hh_m_k"]].sum(axis=1), b["a_hh"])
    lived = b["a_woning"] > 0
    np.testing.assert_allclose((b["p_1gezw"] + b["p_mgezw"])[lived], 100.0)
    np.testing.assert_allclose((b["p_koopw"] + b["p_huurw"])[lived], 100.0)
    assert (b["p_wcorpw"][lived] <= b["p_huurw"][lived] + 1e-9).all()
    houses = (demo.homes["building"] == "house").groupby(demo.homes["buurtcode"]).sum()
    np.testing.assert_allclose(b.loc[lived, "p_1gezw"], 100.0 * houses[b.index[lived]] / dwellings[lived])
    np.testing.assert_allclose(b["a_opp_ha"], b.area / 1e4, rtol=1e-9)
    np.testing.assert_allclose(b["a_lan_ha"] + b["a_wat_ha"], b["a_opp_ha"])
    np.testing.assert_allclose(b["bev_dich"], b["a_inw"] / (b["a_lan_ha"] / 100.0))
    np.testing.assert_allclose(b.loc[lived, "g_hhgro"], (b["a_inw"] / b["a_hh"])[lived])
    for col in demo_mod.STAT_COLUMNS:
        assert b[col].dtype == np.float64
    assert b["a_wat_ha"].sum() > 1.0  # the canal and the pond


def test_wijk_statistics_aggregate_buurten(demo):
    b, w = demo.buurten, demo.wijken
    for col in ("a_inw", "a_00_14", "a_woning", "a_hh", "a_opp_ha"):
        np.testing.assert_allclose(w[col], b.groupby("wijkcode")[col].sum().reindex(w.index))
    # percentages weighted by dwellings: recomputed from the homes themselves
    homes = demo.homes.assign(wijk=demo.homes["buurtcode"].map(b["wijkcode"]))
    share_houses = 100.0 * (homes["building"] == "house").groupby(homes["wijk"]).mean()
    np.testing.assert_allclose(w["p_1gezw"], share_houses.reindex(w.index))
    corp = (b["p_wcorpw"].fillna(0) * b["a_woning"]).groupby(b["wijkcode"]).sum()
    np.testing.assert_allclose(w["p_wcorpw"], (corp / b.groupby("wijkcode")["a_woning"].sum()).reindex(w.index))
    np.testing.assert_allclose(w["bev_dich"], w["a_inw"] / (w["a_lan_ha"] / 100.0))


def test_aggregate_statistics_by_hand():
    b = pd.DataFrame(
        {"a_inw": [100.0, 300.0, 0.0], "a_woning": [50.0, 150.0, 0.0], "p_wcorpw": [20.0, 60.0, np.nan],
         "a_hh": [50.0, 150.0, 0.0], "a_lan_ha": [1.0, 3.0, 4.0]},
    )
    out = demo_mod.aggregate_statistics(b, pd.Series(["W1", "W1", "W2"]))
    assert out.loc["W1", "a_inw"] == 400.0
    assert out.loc["W1", "p_wcorpw"] == pytest.approx((20 * 50 + 60 * 150) / 200)  # 50.0
    assert out.loc["W1", "bev_dich"] == pytest.approx(400 / 0.04)
    assert np.isnan(out.loc["W2", "p_wcorpw"])  # no dwellings: no share, not 0
    assert np.isnan(out.loc["W2", "g_hhgro"])


def test_contrasts_a_planner_recognises(demo):
    b = demo.buurten.set_index("buurtnaam")
    children = b["a_00_14"] / b["a_inw"]
    flats, centre, villa, new = "Zonnehof", "Binnenstad", "Villapark Rozendaal", "De Weide"
    lived = b[b["a_inw"] > 0]
    assert b.loc[flats, "p_wcorpw"] == lived["p_wcorpw"].max() and b.loc[flats, "p_wcorpw"] > 60
    assert b.loc[flats, "p_mgezw"] > 90
    assert b.loc[flats, "g_wozbag"] == lived["g_wozbag"].min()
    assert children[centre] < 0.12 < children[flats]
    assert b.loc[centre, "a_1p_hh"] / b.loc[centre, "a_hh"] > 0.5
    assert b.loc[villa, "g_wozbag"] > 2 * b["g_wozbag"].median()
    assert b.loc[villa, "p_koopw"] > 85 and b.loc[villa, "bev_dich"] < 2000
    assert b.loc[new, "a_hh_m_k"] / b.loc[new, "a_hh"] > 0.5 and b.loc[new, "p_1gezw"] > 85
    assert b.loc[centre, "ste_oad"] > b.loc[villa, "ste_oad"]
    business = b.loc["Bedrijventerrein De Vaart"]
    assert business["a_inw"] == 0 and business["a_woning"] == 0
    assert np.isnan(business["p_wcorpw"]) and np.isnan(business["g_wozbag"])
    assert not (demo.homes["buurtcode"] == by_name(demo, "Bedrijventerrein De Vaart")).any()


# ----------------------------------------------------------------------------- homes
def test_homes_lie_along_streets_not_scattered(demo):
    walk = demo.networks["walk"]
    tree = shapely.STRtree([d["geometry"] for *_, d in walk.edges(data=True)])
    _, d = tree.query_nearest(demo.homes.geometry.to_numpy(), return_distance=True, all_matches=False)
    assert np.median(d) < 35  # a uniform scatter over the town would give ~50 m and more
    assert d.min() >= 5.9
    assert (assign_buurt(demo.homes, demo.buurten) == demo.homes["buurtcode"]).all()
    assert set(demo.homes["building"]) == {"house", "apartments"}
    assert (demo.homes["residents"] >= 1).all()


# ----------------------------------------------------------------------------- facilities
def test_every_category_present_and_the_tag_table_respected(demo):
    table = load_tag_table()
    f = demo.facilities
    assert set(table) == set(f["category"])
    assert f["buurtcode"].notna().all()
    for _, row in f.iterrows():
        assert (row["osm_key"], row["osm_value"]) in table[row["category"]].tags
    # a feature in two categories appears once per category
    pharmacy = f[f["osm_value"] == "pharmacy"]
    assert set(pharmacy["category"]) == {"apotheek", "zorg"}
    assert len(pharmacy) == 2 * pharmacy["feature_id"].nunique()
    supermarket = f[f["osm_value"] == "supermarket"]
    assert set(supermarket["category"]) == {"supermarkt", "dagelijkse_boodschappen"}
    assert not f.duplicated(["feature_id", "category"]).any()


def test_deliberate_gaps(demo):
    f = demo.facilities
    centre = by_name(demo, "Binnenstad")
    assert not ((f["buurtcode"] == centre) & (f["category"] == "speelplek")).any()
    play = f[f["category"] == "speelplek"]
    centroid = demo.buurten.geometry[centre].centroid
    assert play.distance(centroid).min() > 400  # no playground nearby either
    for flats in ("Zonnehof", "Canadaplein"):
        assert not ((f["buurtcode"] == by_name(demo, flats)) & (f["category"] == "ontmoetingsplek")).any()
    wijk = f["buurtcode"].map(demo.buurten["wijkcode"])
    assert not ((wijk == "WK999905") & (f["category"].isin(["huisarts", "apotheek"]))).any()
    assert ((wijk != "WK999905") & (f["category"] == "huisarts")).sum() >= 3


# ----------------------------------------------------------------------------- green
def test_green(demo):
    g = demo.green
    assert g.is_valid.all() and g.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert {"park", "plantsoen", "sportpark"} <= set(g["kind"])
    assert (g.area[g["kind"] == "park"] >= 10_000).any()
    assert g.area.min() < 1_000 and g.area.max() > 50_000  # varying sizes
    share = demo.buurten.geometry.apply(lambda p: g.intersection(p).area.sum() / p.area)
    assert share[by_name(demo, "Binnenstad")] < 0.01 and share.max() > 0.2
    assert g.union_all().intersection(demo.homes.union_all()).is_empty


# ----------------------------------------------------------------------------- networks
def test_graph_conventions(demo):
    for mode, g in demo.networks.items():
        assert isinstance(g, nx.MultiDiGraph)
        assert nx.is_strongly_connected(g), mode
        for _, d in g.nodes(data=True):
            assert isinstance(d["x"], float) and isinstance(d["y"], float)
        for u, v, d in g.edges(data=True):
            geom = d["geometry"]
            assert d["length"] == pytest.approx(geom.length, abs=1e-6)
            assert geom.coords[0] == pytest.approx((g.nodes[u]["x"], g.nodes[u]["y"]))
            assert geom.coords[-1] == pytest.approx((g.nodes[v]["x"], g.nodes[v]["y"]))
            assert isinstance(d["oneway"], bool) and d["highway"] and d["name"]
    walk, bike = demo.networks["walk"], demo.networks["bike"]
    assert all(walk.has_edge(v, u) for u, v in walk.edges())
    walk_hw = {d["highway"] for *_, d in walk.edges(data=True)}
    bike_hw = {d["highway"] for *_, d in bike.edges(data=True)}
    assert "cycleway" not in walk_hw and "footway" in walk_hw
    assert "footway" not in bike_hw and "cycleway" in bike_hw
    assert len(demo.lines["cycleways"]) >= 2 and demo.lines["cycleways"].geom_type.isin(
        ["LineString", "MultiLineString"]).all()


def test_bike_oneways(demo):
    bike = demo.networks["bike"]
    oneway = [(u, v, d) for u, v, d in bike.edges(data=True) if d["oneway"]]
    strict = [(u, v) for u, v, d in oneway if d.get("oneway:bicycle") != "no"]
    contraflow = [(u, v) for u, v, d in oneway if d.get("oneway:bicycle") == "no"]
    assert strict and contraflow
    assert not any(bike.has_edge(v, u) for u, v in strict + contraflow)
    walk = demo.networks["walk"]
    assert all(walk.has_edge(u, v) and walk.has_edge(v, u) for u, v in strict)


def crossing_names(g: nx.MultiDiGraph, barrier: LineString) -> set[str]:
    return {d["name"] for *_, d in g.edges(data=True) if d["geometry"].intersects(barrier)}


def test_canal_and_ring_road_are_barriers(demo):
    canal = rd_line(demo_mod.canal_x_m)
    ring = rd_line(demo_mod.ring_road_x_m)
    walk, bike = demo.networks["walk"], demo.networks["bike"]
    assert crossing_names(walk, canal) == {"Zuidsingel", "Vaartweg", "Noordsingel"}
    assert crossing_names(bike, canal) == {"Zuidsingel", "Vaartweg", "Noordsingel", "Fietsbrug De Vaart"}
    assert crossing_names(walk, ring) == {"Vaartweg", "Weideweg"}
    assert crossing_names(bike, ring) == {"Vaartweg", "Weideweg", "Fietstunnel Rondweg"}


def test_canal_forces_a_detour(demo):
    walk = demo.networks["walk"]
    y = 1650.0  # north of the last bridge (Noordsingel, y ~ 1220)
    cx = float(demo_mod.canal_x_m(y))
    west = nearest_node(walk, rd_point(cx - 30, y))
    east = nearest_node(walk, rd_point(cx + 30, y))
    pw = np.array([walk.nodes[west]["x"], walk.nodes[west]["y"]])
    pe = np.array([walk.nodes[east]["x"], walk.nodes[east]["y"]])
    straight = float(np.hypot(*(pw - pe)))
    network = nx.shortest_path_length(walk, west, east, weight="length")
    assert straight < 150
    # at least down to the bridge and back up: 2 x (1650 - 1220) m
    assert network > 2 * (y - 1230) and network > 5 * straight


# ----------------------------------------------------------------------------- rasters
def test_rasters_cover_the_town_with_plausible_values(demo):
    heat, noise = demo.rasters["heat"], demo.rasters["noise"]
    assert heat.unit == "degC" and noise.unit == "dB"
    minx, miny, maxx, maxy = demo.total_bounds
    for r in (heat, noise):
        bx0, by0, bx1, by1 = r.bounds
        assert bx0 <= minx and by0 <= miny and bx1 >= maxx and by1 >= maxy
        assert not np.isnan(r.data).any()
        assert r.cell_area_m2 == 625.0
    assert heat.data.min() >= 28 and heat.data.max() <= 47
    assert noise.data.min() >= 38 and noise.data.max() <= 78
    xs, ys = heat.cell_centres()
    xs, ys = xs.ravel(), ys.ravel()
    in_park = shapely.contains_xy(demo.green.geometry[demo.green["kind"] == "park"].union_all(), xs, ys)
    centre = shapely.contains_xy(demo.buurten.geometry[by_name(demo, "Binnenstad")], xs, ys)
    business = shapely.contains_xy(demo.buurten.geometry[by_name(demo, "Bedrijventerrein De Vaart")], xs, ys)
    pet = heat.data.ravel()
    assert (pet[in_park] <= 35).sum() >= 20
    assert pet[centre].mean() > pet[in_park].mean() + 5
    assert pet[business].mean() > 38 and pet[centre].mean() > 38
    # noise decays with distance from the ring road
    lden = noise.data.ravel()
    dist = shapely.distance(shapely.points(xs, ys), rd_line(demo_mod.ring_road_x_m))
    # the ring road alone gives 72 - 10 log10(25 / 10) - 0.006 * 25 = 67.9 dB at 25 m
    assert lden[dist < 25].min() > 67.8
    near, far = lden[(dist > 50) & (dist < 100)].mean(), lden[(dist > 400) & (dist < 500)].mean()
    assert near > far + 5
    at_homes = noise.sample(demo.homes.geometry.x.to_numpy(), demo.homes.geometry.y.to_numpy())
    assert 0.05 < (at_homes > 55).mean() < 0.6  # some homes above the EU threshold, not all


# ----------------------------------------------------------------------------- files
def test_kwb_table(demo):
    t = demo_mod.kwb_table(demo)
    assert t["gwb_code_10"].tolist()[:2] == ["GM9999", "WK999901"]
    assert len(t) == 1 + len(demo.wijken) + len(demo.buurten)
    gem = t.set_index("gwb_code_10").loc["GM9999"]
    assert gem["a_inw"] == demo.buurten["a_inw"].sum()
    assert gem["recs"] == "Gemeente"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The demo written once: into a folder with a foreign file and a stale demo file."""
    folder = tmp_path_factory.mktemp("demostad")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / demo_mod.DEMO_FILES["statistics"]).write_text("stale,not,kwb\n", encoding="utf-8")
    return folder, demo_mod.write_demo(folder)


def test_write_demo_files(written):
    folder, manifest = written
    assert manifest == folder / "area.toml"
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"  # other files left alone
    for rel in demo_mod.DEMO_FILES.values():
        assert (folder / rel).stat().st_size > 0
    head = (folder / demo_mod.DEMO_FILES["statistics"]).read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("gwb_code_10,gwb_code_8,regio,gm_naam,recs,gwb_code,ind_wbi,a_inw,")
    assert "Synthetisch demogebied" in manifest.read_text(encoding="utf-8")


def test_write_demo_round_trips_through_the_manifest(demo, written):
    from afweging.data.manifest import load_area

    loaded = load_area(written[1], cache=False)
    assert loaded.name == "Demostad" and loaded.gemeentecode == "GM9999"
    assert sorted(loaded.buurten.index) == sorted(demo.buurten.index)
    b = loaded.buurten.loc[demo.buurten.index]
    assert b.geometry.geom_equals_exact(demo.buurten.geometry, tolerance=1e-6).all()
    for col in demo_mod.STAT_COLUMNS:
        np.testing.assert_allclose(b[col], demo.buurten[col], equal_nan=True)
    assert sorted(loaded.wijken.index) == sorted(demo.wijken.index)
    assert loaded.wijken.loc[demo.wijken.index, "wijknaam"].tolist() == demo.wijken["wijknaam"].tolist()
    # homes: the same points; residents spread evenly per buurt, so only the sums match
    assert len(loaded.homes) == len(demo.homes)
    sums = loaded.homes.groupby("buurtcode")["residents"].sum().reindex(demo.buurten.index, fill_value=0)
    np.testing.assert_allclose(sums, demo.buurten["a_inw"], rtol=1e-9, atol=1e-9)
    assert loaded.homes["residents"].sum() == pytest.approx(demo.buurten["a_inw"].sum())
    pd.testing.assert_series_equal(
        loaded.facilities.groupby("category").size(), demo.facilities.groupby("category").size()
    )
    for mode in ("walk", "bike"):
        g0, g1 = demo.networks[mode], loaded.networks[mode]  # networkx / arrays read from GraphML
        assert g1.n_nodes == g0.number_of_nodes()
        assert sorted(zip(g1.node_ids[g1.u].tolist(), g1.node_ids[g1.v].tolist(), strict=True)) == sorted(g0.edges())
    assert loaded.networks["bike"].contraflow.sum() > 0
    for name in ("heat", "noise"):
        np.testing.assert_array_equal(loaded.rasters[name].data, demo.rasters[name].data)
        assert loaded.rasters[name].unit == demo.rasters[name].unit
        assert tuple(loaded.rasters[name].transform) == pytest.approx(tuple(demo.rasters[name].transform))
    assert sorted(loaded.green["kind"]) == sorted(demo.green["kind"])
    assert loaded.green.area.sum() == pytest.approx(demo.green.area.sum())
    assert set(loaded.lines) == {"cycleways", "main_roads"}
    assert all(p.source == demo_mod.SOURCE for k, p in loaded.provenance.items())
