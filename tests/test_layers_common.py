"""Helpers of the layers (weighting, land area, shares) and tiny-area builders used by the
other ``test_layers_*`` files (imported from here)."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import Point, box

from afweging._format import nl_area, nl_number
from afweging.geo.area import Area, Provenance
from afweging.geo.raster import Raster
from afweging.layers._common import resident_share_pct, safe_ratio, weighted_mean
from afweging.layers._context import LayerContext

RD = "EPSG:28992"


# ---------------------------------------------------------------------------- builders
def make_buurten(specs: dict[str, dict]) -> gpd.GeoDataFrame:
    """Buurten from ``{code: {"geometry": polygon, "wijkcode": ..., CBS columns...}}``."""
    rows = []
    for code, spec in specs.items():
        row = {"buurtcode": code, "buurtnaam": f"Buurt {code}", "wijkcode": "WK01"}
        row.update(spec)
        rows.append(row)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=RD).set_index("buurtcode")
    return gdf


def make_homes(rows: list[tuple[float, float, str, float]], *, origin: list[str] | None = None
               ) -> gpd.GeoDataFrame:
    """Homes from ``(x, y, buurtcode, residents)`` tuples."""
    gdf = gpd.GeoDataFrame(
        {"buurtcode": [r[2] for r in rows], "residents": [float(r[3]) for r in rows]},
        geometry=[Point(r[0], r[1]) for r in rows], crs=RD,
    )
    if origin is not None:
        gdf["origin"] = origin
    return gdf


def make_facilities(rows: list[tuple[float, float, str, str | None]]) -> gpd.GeoDataFrame:
    """Facilities from ``(x, y, category, buurtcode)`` tuples."""
    return gpd.GeoDataFrame(
        {"category": [r[2] for r in rows],
         "buurtcode": pd.Series([r[3] for r in rows], dtype=object),
         "name": [f"f{i}" for i in range(len(rows))]},
        geometry=[Point(r[0], r[1]) for r in rows], crs=RD,
    )


def make_raster(data: np.ndarray, *, x0: float, y_top: float, cell_m: float, unit: str) -> Raster:
    """A north-up raster in RD with the upper-left corner at (x0, y_top)."""
    return Raster(np.asarray(data, dtype=float), Affine(cell_m, 0, x0, 0, -cell_m, y_top), unit, "test")


def two_buurten(**cbs: list) -> gpd.GeoDataFrame:
    """Buurten A = [0,1000]x[0,1000] and B = [1000,2000]x[0,1000] with CBS columns."""
    specs: dict[str, dict] = {"A": {"geometry": box(0, 0, 1000, 1000)},
                              "B": {"geometry": box(1000, 0, 2000, 1000)}}
    for col, vals in cbs.items():
        specs["A"][col], specs["B"][col] = float(vals[0]), float(vals[1])
    return make_buurten(specs)


# ---------------------------------------------------------------------------- tests
def test_weighted_mean_leaves_out_unknown_values_and_their_weights():
    v = pd.Series([10.0, 40.0, np.nan, 5.0], index=list("abcd"))
    w = pd.Series([3.0, 1.0, 100.0, np.nan], index=list("abcd"))
    # (10*3 + 40*1) / 4 = 17.5; c (NaN value) and d (NaN weight) count nowhere
    assert weighted_mean(v, w) == pytest.approx(17.5)
    by = pd.Series(["x", "y", "x", "y"], index=list("abcd"))
    per = weighted_mean(v, w, by=by)
    assert per["x"] == pytest.approx(10.0)
    assert per["y"] == pytest.approx(40.0)
    frame = weighted_mean(pd.DataFrame({"p": v, "q": [1.0, 1.0, 1.0, 1.0]}, index=v.index), w)
    assert frame["q"] == pytest.approx(1.0)
    assert np.isnan(weighted_mean(pd.Series([np.nan], index=["a"]), pd.Series([1.0], index=["a"])))


def test_safe_ratio_gives_nan_not_inf_for_zero_denominator():
    r = safe_ratio(pd.Series([10.0, 10.0, 10.0]), pd.Series([2.0, 0.0, np.nan]))
    assert r.iloc[0] == 5.0
    assert np.isnan(r.iloc[1]) and np.isnan(r.iloc[2])


def test_resident_share_weights_by_residents_and_skips_unknown_flags():
    homes = pd.DataFrame({"buurtcode": ["A", "A", "A", "B"], "residents": [1.0, 3.0, 5.0, 2.0]})
    flag = np.array([1.0, 0.0, np.nan, 0.0])
    s = resident_share_pct(flag, homes, pd.Index(["A", "B", "C"]))
    assert s["A"] == pytest.approx(25.0)  # 1 of the 4 residents with a known flag
    assert s["B"] == 0.0
    assert np.isnan(s["C"])  # no homes


def test_land_area_uses_cbs_land_and_falls_back_to_geometry():
    b = two_buurten(a_lan_ha=[50, np.nan])
    area = Area("t", b)
    land, n_fallback = LayerContext(area).land
    assert land["A"] == 500_000.0  # 50 ha
    assert land["B"] == pytest.approx(1_000_000.0)  # polygon 1 km²
    assert n_fallback == 1


def test_coverage_gaps_need_the_same_source_for_homes_and_points():
    b = two_buurten(a_inw=[10, 20])
    homes = make_homes([(500, 500, "A", 10.0), (1500, 500, "B", 20.0)], origin=["bron", "rasterpunt"])
    prov = {"homes": Provenance("osm", path="/x/osm.gpkg"), "facilities": Provenance("osm", path="/x/osm.gpkg")}
    area = Area("t", b, homes=homes, provenance=prov)
    assert LayerContext(area).coverage_gaps("facilities").tolist() == ["B"]
    other = {"homes": Provenance("bag", path="/x/bag.gpkg"), "facilities": Provenance("osm", path="/x/osm.gpkg")}
    assert LayerContext(Area("t", b, homes=homes, provenance=other)).coverage_gaps("facilities").tolist() == []
    # a home without a buurt and stand-ins only: B stays a gap; a source home in B closes it
    homes = make_homes([(500, 500, "A", 10.0), (1500, 500, "B", 20.0), (900, 900, None, 5.0)],
                       origin=["bron", "rasterpunt", "bron"])
    assert LayerContext(Area("t", b, homes=homes, provenance=prov)).coverage_gaps("facilities").tolist() == ["B"]
    homes = make_homes([(500, 500, "A", 10.0), (1500, 500, "B", 20.0), (1600, 500, "B", 5.0)],
                       origin=["bron", "rasterpunt", "bron"])
    assert LayerContext(Area("t", b, homes=homes, provenance=prov)).coverage_gaps("facilities").tolist() == []


def test_nl_number_uses_dutch_separators():
    assert nl_number(1234567.891, 2) == "1.234.567,89"
    assert nl_number(float("nan")) == "onbekend"
    # no 'inf' or 'nan' in a planner's text, whatever kind of missing number comes in
    assert {nl_number(v) for v in (float("inf"), -math.inf, np.float32("nan"), pd.NA, None)} == {"onbekend"}
    assert nl_area(float("inf")) == "onbekend"  # was an OverflowError


def test_the_layer_context_computes_each_piece_once_and_layers_accept_it():
    from afweging.layers import compute_layers, housing_layer

    b = two_buurten(a_inw=[10, 20], a_lan_ha=[50, np.nan], p_wcorpw=[40, 20], p_huurw=[60, 30],
                    a_woning=[5, 10])
    homes = make_homes([(500, 500, "A", 10.0), (1500, 500, "B", 20.0)])
    ctx = LayerContext(Area("t", b, homes=homes))
    assert ctx.homes is ctx.homes and ctx.land is ctx.land and ctx.cbs("a_inw") is ctx.cbs("a_inw")
    assert ctx.cbs("no_such_column") is None
    pd.testing.assert_frame_equal(housing_layer(ctx).values, housing_layer(ctx.area).values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no rasters, no green: data caveats
        joined = compute_layers(ctx.area).values
    pd.testing.assert_frame_equal(joined[housing_layer(ctx).values.columns], housing_layer(ctx).values)
