"""Green layer on tiny hand-built areas (values worked out by hand in the comments)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box
from test_layers_common import RD, make_buurten, make_facilities, make_homes

from afweging import settings
from afweging.geo.area import Area, Provenance
from afweging.layers.green import COLUMNS, green_layer, point_allowance_m

# Four 1 km squares: A (0-1000, 0-1000), B east of it, C north of A, D north of B.
SPECS = {
    "A": {"geometry": box(0, 0, 1000, 1000), "a_woning": 250, "a_hh": 500, "a_lan_ha": 100, "a_inw": 4},
    "B": {"geometry": box(1000, 0, 2000, 1000), "a_woning": 200, "a_hh": 0, "a_lan_ha": np.nan, "a_inw": 3},
    "C": {"geometry": box(0, 1000, 1000, 2000), "a_woning": 0, "a_hh": 0, "a_lan_ha": 100, "a_inw": 0},
    "D": {"geometry": box(1000, 1000, 2000, 2000), "a_woning": 0, "a_hh": 0, "a_lan_ha": 100, "a_inw": 0},
}

# Green polygons:
#   park1 [0,100]x[0,100] and park1b [50,150]x[0,100] overlap -> one area [0,150]x[0,100] = 15,000 m² (A)
#   small [1000,1050]x[0,60] = 3,000 m² (B), below 0.5 ha
#   border [900,1100]x[500,600] = 20,000 m², half in A, half in B
#   big [1200,1400]x[1200,1400] = 40,000 m² (D)
GREEN = gpd.GeoDataFrame(
    {"kind": ["park", "grass", "grass", "park", "park"]},
    geometry=[box(0, 0, 100, 100), box(50, 0, 150, 100), box(1000, 0, 1050, 60),
              box(900, 500, 1100, 600), box(1200, 1200, 1400, 1400)],
    crs=RD,
)

# Homes: (x, y, buurt, residents)
#   h1 (440, 50) A: 290 m from the edge of the merged park1 -> near
#   h2 (460, 50) A: 310 m -> not near
#   h3 (50, 50)  A: inside park1 -> near (distance 0)
#   h4 (1030, 30) B: inside the small park (< 0.5 ha); 470 m from border park -> not near
#   h5 (1300, 1300) D: no residents
HOMES = [(440, 50, "A", 2), (460, 50, "A", 1), (50, 50, "A", 1), (1030, 30, "B", 3), (1300, 1300, "D", 0)]


def polygon_area() -> Area:
    return Area("t", make_buurten(SPECS), homes=make_homes(HOMES), green=GREEN,
                provenance={"green": Provenance("testgroen")})


def test_green_m2_counts_overlaps_once_and_splits_at_buurt_borders():
    v = green_layer(polygon_area()).values
    assert v.loc["A", "green_public_m2"] == pytest.approx(15_000 + 10_000)
    assert v.loc["B", "green_public_m2"] == pytest.approx(3_000 + 10_000)
    assert v.loc["C", "green_public_m2"] == 0.0  # real zero: the area has green polygons
    assert v.loc["D", "green_public_m2"] == pytest.approx(40_000)


def test_green_share_of_land_uses_cbs_land_or_the_polygon():
    v = green_layer(polygon_area()).values
    assert v.loc["A", "green_pct_land"] == pytest.approx(25_000 / 1_000_000 * 100)  # a_lan_ha 100
    assert v.loc["B", "green_pct_land"] == pytest.approx(1.3)  # no a_lan_ha: polygon 1 km²


def test_green_per_dwelling_and_household_nan_without_dwellings():
    v = green_layer(polygon_area()).values
    assert v.loc["A", "green_m2_per_dwelling"] == pytest.approx(100.0)  # 25,000 / 250
    assert v.loc["B", "green_m2_per_dwelling"] == pytest.approx(65.0)  # 13,000 / 200
    assert v.loc["A", "green_m2_per_household"] == pytest.approx(50.0)  # 25,000 / 500
    assert np.isnan(v.loc["B", "green_m2_per_household"])  # 0 households: NaN, not inf
    assert np.isnan(v.loc["C", "green_m2_per_dwelling"])
    assert not np.isinf(v[["green_m2_per_dwelling", "green_m2_per_household"]].to_numpy(float)).any()


def test_green_near_share_measures_to_the_edge_of_areas_of_half_a_hectare():
    v = green_layer(polygon_area()).values
    assert v.loc["A", "green_pct_homes_within_300m_of_05ha"] == pytest.approx(75.0)  # (2 + 1) / 4
    assert v.loc["B", "green_pct_homes_within_300m_of_05ha"] == 0.0  # small park does not count
    assert np.isnan(v.loc["C", "green_pct_homes_within_300m_of_05ha"])  # no homes
    assert np.isnan(v.loc["D", "green_pct_homes_within_300m_of_05ha"])  # homes without residents


def test_green_flags_75m2_and_versteend_with_kleene_logic():
    v = green_layer(polygon_area()).values
    below, verst = v["green_below_75m2_per_dwelling"], v["green_versteend"]
    assert str(below.dtype) == "boolean"
    assert not below["A"] and below["B"]
    assert pd.isna(below["C"]) and pd.isna(below["D"])  # no dwellings
    assert not verst["A"]  # 100 m² per dwelling and a 2 ha area reaching into A
    assert verst["B"]  # 65 m² per dwelling
    assert verst["C"]  # no green >= 1 ha decides it, whatever the dwellings
    assert pd.isna(verst["D"])  # 4 ha park but per-dwelling unknown


def test_green_methods_are_measured_with_polygons():
    res = green_layer(polygon_area())
    assert list(res.values.columns) == list(COLUMNS)
    assert set(res.methods["method"]) == {"measured"}
    assert res.methods.loc["green_public_m2", "source"] == "testgroen"


# ---------------------------------------------------------------------------- points
def point_area(*, origin: list[str] | None = None, same_source: bool = False) -> Area:
    specs = {k: SPECS[k] for k in ("A", "B")}
    # Park point at (500, 500). Allowance r = sqrt(5000 / pi) = 39.894 m, limit 339.894 m.
    fac = make_facilities([(500, 500, "park", "A"), (1500, 500, "speelplek", "B")])
    homes = make_homes([(500 + 339.0, 500, "A", 1), (500 + 341.0, 500, "A", 3), (1500, 500, "B", 3)],
                       origin=origin)
    prov = {"facilities": Provenance("osm", path="/x/osm.gpkg"),
            "homes": Provenance("osm", path="/x/osm.gpkg" if same_source else "/x/bag.gpkg")}
    return Area("t", make_buurten(specs), homes=homes, facilities=fac, provenance=prov)


def test_point_allowance_is_radius_of_half_a_hectare_circle():
    assert point_allowance_m() == pytest.approx(math.sqrt(5000 / math.pi))
    assert point_allowance_m() == pytest.approx(39.894, abs=1e-3)


def test_green_from_park_points_is_a_labelled_proxy_and_m2_is_no_data():
    with pytest.warns(UserWarning, match="proxy uit parkpunten"):
        res = green_layer(point_area())
    v, m = res.values, res.methods
    assert v.loc["A", "green_pct_homes_within_300m_of_05ha"] == pytest.approx(25.0)  # 339 m in, 341 m out
    assert v.loc["B", "green_pct_homes_within_300m_of_05ha"] == 0.0
    assert m.loc["green_pct_homes_within_300m_of_05ha", "method"] == "proxy"
    assert "39,9" in m.loc["green_pct_homes_within_300m_of_05ha", "description"]
    for col in ("green_public_m2", "green_pct_land", "green_m2_per_dwelling",
                "green_m2_per_household", "green_below_75m2_per_dwelling", "green_versteend"):
        assert v[col].isna().all(), col
        assert m.loc[col, "method"] == "no data"
    assert "proxy" in " ".join(res.caveats)


def test_green_points_in_area_green_are_used_before_park_facilities():
    area = point_area()
    area.green = gpd.GeoDataFrame({"kind": ["park"]}, geometry=[Point(1500, 500)], crs=RD)
    with pytest.warns(UserWarning, match="proxy"):
        v = green_layer(area).values
    assert v.loc["B", "green_pct_homes_within_300m_of_05ha"] == 100.0
    assert v.loc["A", "green_pct_homes_within_300m_of_05ha"] == 0.0


def test_green_proxy_is_nan_outside_the_coverage_of_the_point_source():
    # B has inhabitants but only stand-in homes; homes and parks come from one file.
    area = point_area(origin=["bron", "bron", "rasterpunt"], same_source=True)
    area.buurten["a_inw"] = [4.0, 3.0]
    with pytest.warns(UserWarning, match="proxy"):
        res = green_layer(area)
    assert res.values.loc["A", "green_pct_homes_within_300m_of_05ha"] == pytest.approx(25.0)
    assert np.isnan(res.values.loc["B", "green_pct_homes_within_300m_of_05ha"])
    assert "buiten de dekking" in res.methods.loc["green_pct_homes_within_300m_of_05ha", "description"]


def test_green_without_polygons_points_or_homes_is_no_data():
    area = Area("t", make_buurten({k: SPECS[k] for k in ("A", "B")}))
    res = green_layer(area)
    assert res.values.isna().all().all()
    assert set(res.methods["method"]) == {"no data"}


def test_green_polygons_mixed_with_points_ignores_points_with_warning():
    green = pd.concat([GREEN, gpd.GeoDataFrame({"kind": ["tree"]}, geometry=[Point(5, 5)], crs=RD)])
    area = Area("t", make_buurten(SPECS), green=green)
    with pytest.warns(UserWarning, match="geen vlakken"):
        v = green_layer(area).values
    assert v.loc["A", "green_public_m2"] == pytest.approx(25_000)


def test_green_threshold_follows_settings(monkeypatch):
    # With 0.3 ha as minimum, the small 0.3 ha park in B counts: h4 lies inside it.
    monkeypatch.setattr(settings, "green_min_area_m2", 3_000.0)
    v = green_layer(polygon_area()).values
    assert v.loc["B", "green_pct_homes_within_300m_of_05ha"] == 100.0


def test_stand_in_grid_homes_are_named_in_the_method():
    homes = make_homes(HOMES, origin=["bron", "bron", "bron", "rasterpunt", "bron"])
    area = Area("t", make_buurten(SPECS), homes=homes, green=GREEN)
    desc = green_layer(area).methods.loc["green_pct_homes_within_300m_of_05ha", "description"]
    assert "In 1 buurt(en) zonder woningen in de bron staan rasterpunten" in desc


def test_park_point_memo_gives_the_plain_answer():
    """_points_within remembers per home the first park point within reach; asked again
    with new homes (one on the spot of another) and other points after the shared ones it
    answers exactly as a fresh search."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    from afweging.layers import green

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 3000, size=(400, 2))
    homes = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs="EPSG:28992")
    parks = np.array([Point(x, y) for x, y in rng.uniform(0, 3000, size=(12, 2))], dtype=object)
    green._NEAR_MEMO.entry = None
    first = green._points_within(homes, parks, 300.0)
    assert first.tolist() == green._within(homes, parks, 300.0).tolist()
    assert 0 < first.sum() < len(homes)
    more = gpd.GeoDataFrame(geometry=[*homes.geometry, Point(1500, 1500), homes.geometry.iloc[5]],
                            crs="EPSG:28992")
    for extra in ([Point(1490, 1510)], [Point(10, 10), Point(2900, 2950)]):
        plus = np.array([*parks[:10], *extra], dtype=object)
        got = green._points_within(more, plus, 300.0)
        assert got.tolist() == green._within(more, plus, 300.0).tolist()
    assert green._NEAR_MEMO.entry is not None and len(green._NEAR_MEMO.entry[1]) == 12  # kept


def test_bgt_pieces_of_one_park_count_as_one_green_area():
    """The BGT cuts a park along its footpaths: two 3,000 m² lawns 3 m apart are one park
    of 0.6 ha when the loader grouped them (join_gap_m), two small ones when not. The
    path is not counted as green."""
    from shapely.geometry import box

    from afweging.data.manifest import green_groups
    from afweging.layers._greenspace import GROUP_COLUMN, green_parts

    lawns = gpd.GeoDataFrame({"kind": ["groenvoorziening"] * 3},
                             geometry=[box(0, 0, 60, 50), box(63, 0, 123, 50), box(300, 0, 310, 10)],
                             crs="EPSG:28992")
    assert sorted(green_parts(lawns)["part_area_m2"]) == [100.0, 3000.0, 3000.0]
    lawns[GROUP_COLUMN] = green_groups(lawns.geometry, 5.0)
    assert lawns[GROUP_COLUMN].tolist() == [0, 0, 1]  # 3 m apart: one park; 177 m away: another
    parts = green_parts(lawns)
    assert sorted(parts["part_area_m2"]) == [100.0, 6000.0]  # 2 x 3,000 m², not the 150 m² path
    big = parts.loc[parts["part_area_m2"].idxmax(), "geometry"]
    assert big.geom_type == "MultiPolygon" and big.distance(box(0, 0, 1, 1)) == 0.0
    assert green_groups(lawns.geometry, 2.0).tolist() == [0, 1, 2]  # a 2 m gap does not bridge 3 m
