"""compute_layers / summarise_layers on a tiny area, the demo and real Utrecht data.

The Utrecht and demo values are checked against independent computations (CBS wijk and
gemeente figures, the per-buurt OSM counts in SOURCES.md, brute-force distances).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from shapely import box, contains_xy, intersects_xy
from test_layers_common import make_facilities, make_homes, make_raster, two_buurten

from afweging.geo.area import Area
from afweging.layers import (
    compute_layers,
    energetic_mean_db,
    housing_by_wijk,
    housing_city,
    summarise_layers,
)
from afweging.layers.facilities import SUMMARY_COLUMNS
from afweging.layers.green import COLUMNS as GREEN
from afweging.layers.green import point_allowance_m
from afweging.layers.heat import COLUMNS as HEAT
from afweging.layers.housing import COLUMNS as HOUSING
from afweging.layers.noise import COLUMNS as NOISE

# The 11 buurten of Vleuten-De Meern (and Haarrijn) with CBS inhabitants but no home point
# in the OSM extract (SOURCES.md: the points fall in 104 buurten; the extract misses the west).
UTRECHT_GAPS = {"BU03441011", "BU03441012", "BU03441013", "BU03441014", "BU03441021",
                "BU03441022", "BU03441023", "BU03441024", "BU03441031", "BU03441032",
                "BU03441033"}


def expected_columns(categories) -> list[str]:
    fac = [f"fac_{c}_{s}" for c in categories for s in ("count", "per_1000_inh", "per_km2")]
    return [*GREEN, *HEAT, *NOISE, *HOUSING, *fac, *SUMMARY_COLUMNS]


# ---------------------------------------------------------------------------- tiny
def test_compute_layers_on_a_tiny_area_joins_all_five():
    b = two_buurten(a_inw=[4, 2], a_hh=[2, 1], a_woning=[2, 1], p_wcorpw=[10, 60], p_huurw=[20, 70],
                    ste_oad=[1000, 2000], a_wat_ha=[0, 0], a_opp_ha=[100, 100], a_lan_ha=[100, 100])
    green = gpd.GeoDataFrame({"kind": ["park"]}, geometry=[box(0, 0, 100, 100)],
                             crs="EPSG:28992")
    homes = make_homes([(50, 50, "A", 4), (1500, 500, "B", 2)])
    fac = make_facilities([(50, 50, c, "A") for c in ("speelplek", "park", "supermarkt")])
    rasters = {"heat": make_raster(np.full((10, 20), 36.0), x0=0, y_top=1000, cell_m=100, unit="degC"),
               "noise": make_raster(np.full((10, 20), 56.0), x0=0, y_top=1000, cell_m=100, unit="dB")}
    area = Area("t", b, homes=homes, green=green, facilities=fac, rasters=rasters)
    with pytest.warns(UserWarning, match="Geen enkele voorziening"):
        res = compute_layers(area)
    from afweging.data.tags import load_tag_table

    assert list(res.values.columns) == expected_columns(load_tag_table())
    assert list(res.methods.index) == list(res.values.columns)
    assert res.values.loc["A", "green_public_m2"] == pytest.approx(10_000)
    assert res.values.loc["B", "noise_pct_homes_over_55db"] == 100.0
    lines = summarise_layers(area, res)
    assert [ln.split(" ")[0].rstrip(":") for ln in lines] == ["Groen", "Hitte", "Geluid", "Sociale", "Voorzieningen"]
    # city: 10,000 m² green / 3 dwellings; housing (2*10 + 1*60) / 3 = 26.7 %
    assert "3.333 m² openbaar groen per woning" in lines[0]
    assert "26,7 %" in lines[3] and "tekort 8,3 procentpunt" in lines[3]
    assert "100 % van de inwoners woont op 53 dB of meer" in lines[2]
    assert "Hitte (gemeten" in lines[1]


# ---------------------------------------------------------------------------- Utrecht
@pytest.fixture(scope="module")
def utrecht_layers(utrecht_area):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = compute_layers(utrecht_area)
    return res, [str(w.message) for w in rec]


@pytest.mark.utrecht
def test_utrecht_every_column_for_all_111_buurten(utrecht_area, utrecht_layers):
    res, _ = utrecht_layers
    from afweging.data.tags import load_tag_table

    assert len(res.values) == 111
    assert res.values.index.equals(utrecht_area.buurten.index)
    assert list(res.values.columns) == expected_columns(load_tag_table())


@pytest.mark.utrecht
def test_utrecht_methods_say_proxy_for_heat_and_why_noise_is_missing(utrecht_layers):
    res, messages = utrecht_layers
    m = res.methods
    assert m.loc["heat_proxy_index", "method"] == "proxy"
    assert "PROXY" in m.loc["heat_proxy_index", "description"]
    assert res.values["heat_proxy_index"].notna().all()
    assert res.values["heat_proxy_index"].between(0, 100).all()
    for col in ("heat_pet_mean_degc", *NOISE, "green_public_m2", "green_versteend"):
        assert m.loc[col, "method"] == "no data"
        assert res.values[col].isna().all()
    assert "Geen geluidskaart" in m.loc["noise_pct_homes_over_53db", "description"]
    assert m.loc["green_pct_homes_within_300m_of_05ha", "method"] == "proxy"
    assert any("geen hittekaart" in s for s in messages)
    assert any("geen geluidskaart" in s for s in messages)


@pytest.mark.utrecht
def test_utrecht_nan_only_where_there_is_no_data(utrecht_area, utrecht_layers):
    v = utrecht_layers[0].values
    inw = utrecht_area.buurten["a_inw"]
    # near-green proxy: NaN for the buurten outside the OSM extract and without inhabitants
    expected = UTRECHT_GAPS | set(inw.index[inw == 0])
    assert set(v.index[v["green_pct_homes_within_300m_of_05ha"].isna()]) == expected
    # housing: NaN exactly where CBS has no p_wcorpw
    cbs_nan = set(utrecht_area.buurten.index[utrecht_area.buurten["p_wcorpw"].isna()])
    assert set(v.index[v["housing_corporation_pct"].isna()]) == cbs_nan
    assert v["housing_dwellings"].notna().all()
    # facilities: counts NaN only outside the extract; pharmacies absent from the extract
    assert set(v.index[v["fac_speelplek_count"].isna()]) == UTRECHT_GAPS
    assert v["fac_apotheek_count"].isna().all()
    assert set(v.index[v["fac_n_missing_categories"].isna()]) == UTRECHT_GAPS


@pytest.mark.utrecht
def test_utrecht_facility_counts_match_the_published_osm_counts(utrecht_dir, utrecht_layers):
    v = utrecht_layers[0].values
    counts = pd.read_csv(utrecht_dir / "utrecht_osm_facility_counts_per_buurt.csv").set_index("buurtcode")
    covered = v.index.difference(sorted(UTRECHT_GAPS))
    for ours, theirs in (("speelplek", "playground"), ("park", "park"), ("supermarkt", "supermarket"),
                         ("huisarts", "doctors"), ("basisschool", "school"), ("kinderopvang", "kindergarten")):
        pd.testing.assert_series_equal(v.loc[covered, f"fac_{ours}_count"],
                                       counts.loc[covered, theirs].astype(float), check_names=False)


@pytest.mark.utrecht
def test_utrecht_housing_aggregates_reproduce_cbs_wijk_and_city(utrecht_dir, utrecht_area, utrecht_layers):
    res = utrecht_layers[0]
    cbs = pd.read_csv(utrecht_dir / "cbs_kwb2023_utrecht.csv").set_index("gwb_code_10")
    wijk = housing_by_wijk(utrecht_area, res)
    # CBS rounds to whole percents; the dwelling-weighted buurt mean lands within 1 point
    diff = (wijk["housing_corporation_pct"] - cbs.loc[wijk.index, "p_wcorpw"]).abs()
    assert (diff <= 1.0).all(), diff
    city = housing_city(utrecht_area, res)
    assert city["housing_corporation_pct"] == pytest.approx(cbs.loc["GM0344", "p_wcorpw"], abs=0.5)
    assert city["housing_rented_pct"] == pytest.approx(cbs.loc["GM0344", "p_huurw"], abs=0.5)


@pytest.mark.utrecht
def test_utrecht_green_proxy_agrees_with_brute_force_distances(utrecht_area, utrecht_layers):
    v = utrecht_layers[0].values
    homes = utrecht_area.homes
    parks = utrecht_area.facilities[utrecht_area.facilities["category"] == "park"]
    tree = cKDTree(np.column_stack([parks.geometry.x, parks.geometry.y]))
    d, _ = tree.query(np.column_stack([homes.geometry.x, homes.geometry.y]))
    near = (d <= 300 + point_allowance_m()).astype(float)
    frame = pd.DataFrame({"b": homes["buurtcode"], "w": homes["residents"], "n": near})
    by = frame.assign(wn=frame["w"] * frame["n"]).groupby("b")[["wn", "w"]].sum()
    share = (100 * by["wn"] / by["w"].where(by["w"] > 0)).dropna()
    share = share.drop(index=[c for c in UTRECHT_GAPS if c in share.index])
    got = v.loc[share.index, "green_pct_homes_within_300m_of_05ha"]
    np.testing.assert_allclose(got.to_numpy(), share.to_numpy(), atol=1e-9)


@pytest.mark.utrecht
def test_utrecht_summary_lines(utrecht_area, utrecht_layers):
    lines = summarise_layers(utrecht_area, utrecht_layers[0])
    assert len(lines) == 5
    assert lines[1].startswith("Hitte: proxy-index")
    assert lines[2].startswith("Geluid: geen gegevens")
    assert "proxy" in lines[0] and "Apotheek" in lines[4]


# ---------------------------------------------------------------------------- demo
@pytest.fixture(scope="module")
def demo_layers(demo):
    return compute_layers(demo)  # the demo has every piece: no warning expected


def test_demo_measured_layers_have_values_for_every_inhabited_buurt(demo, demo_layers):
    v, m = demo_layers.values, demo_layers.methods
    assert len(v) == len(demo.buurten)
    for col in ("green_public_m2", "heat_pet_mean_degc", "noise_pct_homes_over_53db"):
        assert m.loc[col, "method"] == "measured"
    inhabited = demo.buurten.index[demo.buurten["a_inw"] > 0]
    for col in ("green_pct_homes_within_300m_of_05ha", "heat_pct_homes_over_35degc",
                "heat_pct_homes_cool_place_within_300m", "noise_lden_mean_at_homes_db"):
        assert v.loc[inhabited, col].notna().all(), col


def test_demo_pet_mean_matches_cell_centres_in_polygons(demo, demo_layers):
    # A cell belongs to the buurt that holds its centre. Centres exactly on a border are
    # assigned to one side by the rasteriser, so the value must equal the mean over the
    # cells strictly inside plus *some* subset of the (few) border cells.
    from itertools import combinations

    r = demo.rasters["heat"]
    xs, ys = r.cell_centres()
    valid = ~np.isnan(r.data)
    for code, geom in demo.buurten.geometry.items():
        strict = contains_xy(geom, xs, ys) & valid
        border = r.data[intersects_xy(geom, xs, ys) & valid & ~strict]
        assert len(border) <= 8
        got_mean = demo_layers.values.loc[code, "heat_pet_mean_degc"]
        got_hot = demo_layers.values.loc[code, "heat_pct_area_over_35degc"]
        candidates = [np.concatenate([r.data[strict], list(sub)])
                      for k in range(len(border) + 1) for sub in combinations(border, k)]
        assert any(c.mean() == pytest.approx(got_mean, abs=1e-9)
                   and 100 * (c > 35).mean() == pytest.approx(got_hot, abs=1e-9) for c in candidates), code


def test_demo_noise_mean_matches_energetic_mean_per_buurt(demo, demo_layers):
    homes = demo.homes
    lden = demo.rasters["noise"].sample(homes.geometry.x.to_numpy(), homes.geometry.y.to_numpy())
    for code, idx in homes.groupby("buurtcode").groups.items():
        pos = homes.index.get_indexer(idx)
        expected = energetic_mean_db(lden[pos], homes["residents"].to_numpy()[pos])
        got = demo_layers.values.loc[code, "noise_lden_mean_at_homes_db"]
        assert got == pytest.approx(expected, nan_ok=True)


def test_demo_green_m2_matches_overlay(demo, demo_layers):
    dissolved = gpd.GeoDataFrame(geometry=[demo.green.union_all()], crs=demo.green.crs)
    pieces = gpd.overlay(demo.buurten.reset_index()[["buurtcode", "geometry"]], dissolved, how="intersection")
    expected = pieces.assign(m2=pieces.area).groupby("buurtcode")["m2"].sum().reindex(demo.buurten.index, fill_value=0)
    np.testing.assert_allclose(demo_layers.values["green_public_m2"].to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_demo_cool_place_share_matches_kdtree_on_cool_cells(demo, demo_layers):
    from scipy import ndimage

    r = demo.rasters["heat"]
    mask = ~np.isnan(r.data) & (r.data <= 35)
    lab, _ = ndimage.label(mask)
    sizes = np.bincount(lab.ravel()) * r.cell_area_m2
    sizes[0] = 0
    cool = (sizes >= 200)[lab]
    xs, ys = r.cell_centres()
    tree = cKDTree(np.column_stack([xs[cool], ys[cool]]))
    homes = demo.homes
    # distance from the centre of the home's cell to the nearest cool cell centre
    col = np.floor((homes.geometry.x.to_numpy() - r.transform.c) / r.transform.a).astype(int)
    row = np.floor((homes.geometry.y.to_numpy() - r.transform.f) / r.transform.e).astype(int)
    d, _ = tree.query(np.column_stack([xs[row, col], ys[row, col]]))
    frame = pd.DataFrame({"b": homes["buurtcode"].to_numpy(), "w": homes["residents"].to_numpy(),
                          "n": (d <= 300).astype(float)})
    by = frame.assign(wn=frame["w"] * frame["n"]).groupby("b")[["wn", "w"]].sum()
    expected = (100 * by["wn"] / by["w"].where(by["w"] > 0)).dropna()
    got = demo_layers.values.loc[expected.index, "heat_pct_homes_cool_place_within_300m"]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), atol=1e-9)
