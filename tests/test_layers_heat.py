"""Heat layer: PET raster statistics, cool places and the proxy, on tiny hand-built areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer
from shapely.geometry import box
from test_layers_common import make_buurten, make_homes, make_raster, two_buurten

from afweging._errors import ManifestError
from afweging.geo.area import Area
from afweging.geo.raster import Raster
from afweging.layers.heat import COLUMNS, RASTER_COLUMNS, heat_layer, heat_proxy_index

CELL = 10.0  # m; cell area 100 m²


def pet_grid() -> np.ndarray:
    """PET on [0,2000]x[0,1000] in 10 m cells (100 rows x 200 cols, row 0 at the top).

    A (x < 1000): x < 500 -> 30 degC (a 50 ha cool place), x >= 500 -> 37 degC.
    B (x >= 1000): 39 degC, except
      - one cool cell [1500,1510]x[500,510] (100 m² < 200 m²: no cool place),
      - two cool cells [1900,1920]x[900,910] (200 m²: a cool place),
      - two cool cells touching only at a corner, [1700,1710]x[100,110] and
        [1710,1720]x[110,120] (4-connectivity: two patches of 100 m², no cool place).
    """
    g = np.full((100, 200), 39.0)
    g[:, :50] = 30.0
    g[:, 50:100] = 37.0

    for x, y in ((1505, 505), (1905, 905), (1915, 905), (1705, 105), (1715, 115)):
        r, c = int((1000 - y) // CELL), int(x // CELL)
        g[r, c] = 30.0
    return g


# Homes (x, y, buurt, residents) and what they see:
#   A1 (250, 500) on 30 degC, inside the cool place                  -> cool
#   A2 (750, 500) on 37 degC; cell centre 755, nearest cool 495: 260 m -> hot, cool within 300
#   A3 (855, 500) on 37 degC; centre 855 -> 360 m                    -> hot, no cool
#   B1 (1505, 505) on the single cool cell (too small); nearest place 400 m away -> no cool
#   B2 (1805, 905) on 39 degC; 2-cell cool place centre 1905: 100 m  -> very hot, cool
#   B3 (1715, 115) on a corner-touching cool cell; no cool place within 300 m
HOMES = [(250, 500, "A", 1), (750, 500, "A", 3), (855, 500, "A", 1),
         (1505, 505, "B", 2), (1805, 905, "B", 2), (1715, 115, "B", 1)]


def heat_area(grid: np.ndarray | None = None, **kw) -> Area:
    b = two_buurten(ste_oad=[1000, 3000], a_wat_ha=[0, 10], a_opp_ha=[100, 100])
    r = make_raster(pet_grid() if grid is None else grid, x0=0, y_top=1000, cell_m=CELL, unit="degC")
    return Area("t", b, homes=make_homes(HOMES), rasters={"heat": r}, **kw)


def test_pet_mean_and_area_shares_per_buurt():
    v = heat_layer(heat_area()).values
    assert v.loc["A", "heat_pet_mean_degc"] == pytest.approx(33.5)  # half 30, half 37
    assert v.loc["A", "heat_pct_area_over_35degc"] == pytest.approx(50.0)
    assert v.loc["A", "heat_pct_area_over_38degc"] == 0.0
    # B: 10,000 cells, 5 at 30 degC, 9,995 at 39 degC
    assert v.loc["B", "heat_pet_mean_degc"] == pytest.approx((5 * 30 + 9995 * 39) / 10_000)
    assert v.loc["B", "heat_pct_area_over_35degc"] == pytest.approx(99.95)
    assert v.loc["B", "heat_pct_area_over_38degc"] == pytest.approx(99.95)


def test_homes_over_thresholds_are_resident_weighted():
    v = heat_layer(heat_area()).values
    assert v.loc["A", "heat_pct_homes_over_35degc"] == pytest.approx(80.0)  # A2 (3) + A3 (1) of 5
    assert v.loc["A", "heat_pct_homes_over_38degc"] == 0.0
    assert v.loc["B", "heat_pct_homes_over_35degc"] == pytest.approx(40.0)  # B2 (2) of 5; B1, B3 on cool cells
    assert v.loc["B", "heat_pct_homes_over_38degc"] == pytest.approx(40.0)


def test_cool_place_needs_200m2_of_4_connected_cells_within_300m():
    v = heat_layer(heat_area()).values
    assert v.loc["A", "heat_pct_homes_cool_place_within_300m"] == pytest.approx(80.0)  # A1 + A2
    assert v.loc["B", "heat_pct_homes_cool_place_within_300m"] == pytest.approx(40.0)  # B2 only


def test_raster_methods_measured_and_proxy_labelled():
    res = heat_layer(heat_area())
    assert list(res.values.columns) == list(COLUMNS)
    for col in RASTER_COLUMNS:
        assert res.methods.loc[col, "method"] == "measured"
    assert res.methods.loc["heat_proxy_index", "method"] == "proxy"


def test_nodata_cells_are_left_out_with_a_warning():
    g = pet_grid()
    g[:, :10] = np.nan  # A: x < 100 nodata -> 9,000 valid cells: 4,000 at 30, 5,000 at 37
    with pytest.warns(UserWarning, match="maar deels"):
        v = heat_layer(heat_area(g)).values
    assert v.loc["A", "heat_pet_mean_degc"] == pytest.approx((4000 * 30 + 5000 * 37) / 9000)
    assert v.loc["A", "heat_pct_area_over_35degc"] == pytest.approx(500 / 9)
    assert v.loc["B", "heat_pet_mean_degc"] == pytest.approx((5 * 30 + 9995 * 39) / 10_000)


def test_raster_covering_part_of_the_area_gives_shares_over_the_covered_part():
    # Raster only over x < 1500: B is half covered, all 39 degC there (the single cool cell
    # at x 1500 lies outside). All B homes (x >= 1505) are outside the raster. C is not covered.
    g = pet_grid()[:, :150]
    b = make_buurten({"A": {"geometry": box(0, 0, 1000, 1000)},
                      "B": {"geometry": box(1000, 0, 2000, 1000)},
                      "C": {"geometry": box(3000, 0, 4000, 1000)}})
    r = make_raster(g, x0=0, y_top=1000, cell_m=CELL, unit="degC")
    area = Area("t", b, homes=make_homes(HOMES), rasters={"heat": r})
    with pytest.warns(UserWarning) as record:
        v = heat_layer(area).values
    messages = " ".join(str(w.message) for w in record)
    assert "maar deels" in messages and "Buurt B (50 %)" in messages and "Buurt C (0 %)" in messages
    assert v.loc["B", "heat_pet_mean_degc"] == pytest.approx(39.0)
    assert v.loc["B", "heat_pct_area_over_35degc"] == pytest.approx(100.0)
    assert v.loc["A", "heat_pet_mean_degc"] == pytest.approx(33.5)
    # all B homes lie outside the raster -> no value, not 0
    assert np.isnan(v.loc["B", "heat_pct_homes_over_35degc"])
    assert np.isnan(v.loc["C", "heat_pet_mean_degc"])  # not covered at all


# rasterio's calculate_default_transform still uses `Affine * Affine` (third-party noise).
@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
def test_raster_in_another_crs_is_reprojected_by_raster_from_array():
    # Buurten in RD near Utrecht; the raster is made in UTM 31N (EPSG:32631), where x and
    # y are rotated by about 2 degrees against RD. Value 30 west of RD x0 + 550, 40 east.
    x0, y0 = 136_000.0, 455_000.0
    b = make_buurten({"A": {"geometry": box(x0, y0, x0 + 500, y0 + 500)},
                      "B": {"geometry": box(x0 + 600, y0, x0 + 1100, y0 + 500)}})
    to_utm = Transformer.from_crs("EPSG:28992", "EPSG:32631", always_xy=True)
    to_rd = Transformer.from_crs("EPSG:32631", "EPSG:28992", always_xy=True)
    ux, uy = to_utm.transform([x0 - 300, x0 + 1400, x0 - 300, x0 + 1400], [y0 - 300, y0 - 300, y0 + 800, y0 + 800])
    left, top = np.floor(min(ux)), np.ceil(max(uy))
    cols, rows = int((max(ux) - left) // 10) + 1, int((top - min(uy)) // 10) + 1
    t = Affine(10, 0, left, 0, -10, top)
    cc, rr = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    cx, cy = t @ (cc, rr)
    rx, _ = to_rd.transform(cx, cy)
    data = np.where(np.asarray(rx) < x0 + 550, 30.0, 40.0)
    raster = Raster.from_array(data, t, crs="EPSG:32631", unit="degC", source="utm")
    homes = make_homes([(x0 + 250, y0 + 250, "A", 1), (x0 + 850, y0 + 250, "B", 1)])
    v = heat_layer(Area("t", b, homes=homes, rasters={"heat": raster})).values
    assert v.loc["A", "heat_pet_mean_degc"] == pytest.approx(30.0, abs=1e-6)
    assert v.loc["B", "heat_pet_mean_degc"] == pytest.approx(40.0, abs=1e-6)
    assert v.loc["A", "heat_pct_homes_over_35degc"] == 0.0
    assert v.loc["B", "heat_pct_homes_over_38degc"] == 100.0


def test_buurt_smaller_than_a_cell_takes_the_value_at_its_point():
    b = make_buurten({"A": {"geometry": box(0, 0, 1000, 1000)},
                      "T": {"geometry": box(1002, 2, 1006, 6)}})  # 4 x 4 m, no cell centre inside
    g = np.full((100, 110), 37.0)
    r = make_raster(g, x0=0, y_top=1000, cell_m=CELL, unit="degC")
    v = heat_layer(Area("t", b, rasters={"heat": r})).values
    assert v.loc["T", "heat_pet_mean_degc"] == 37.0
    assert v.loc["T", "heat_pct_area_over_35degc"] == 100.0


def test_heat_raster_with_wrong_unit_is_refused():
    b = two_buurten()
    r = make_raster(np.full((10, 10), 60.0), x0=0, y_top=1000, cell_m=100, unit="dB")
    with pytest.raises(ManifestError, match=r"unit 'dB'.*degC"):
        heat_layer(Area("t", b, rasters={"heat": r}))


# ---------------------------------------------------------------------------- proxy
def proxy_buurten(**extra: list) -> gpd.GeoDataFrame:
    specs = {
        "A": {"geometry": box(0, 0, 1000, 1000), "ste_oad": 1000.0, "a_wat_ha": 0.0, "a_opp_ha": 100.0},
        "B": {"geometry": box(1000, 0, 2000, 1000), "ste_oad": 2000.0, "a_wat_ha": 0.0, "a_opp_ha": 100.0},
        "C": {"geometry": box(2000, 0, 3000, 1000), "ste_oad": 3000.0, "a_wat_ha": 20.0, "a_opp_ha": 100.0},
    }
    for col, vals in extra.items():
        for code, val in zip(specs, vals, strict=True):
            specs[code][col] = val
    return make_buurten(specs)


def test_proxy_without_raster_is_labelled_and_raster_columns_are_no_data():
    with pytest.warns(UserWarning, match="geen hittekaart"):
        res = heat_layer(Area("t", proxy_buurten()))
    v, m = res.values, res.methods
    # density scaled 0, .5, 1; water share 0, 0, .2 -> 1 - scaled = 1, 1, 0
    assert v["heat_proxy_index"].tolist() == pytest.approx([50.0, 75.0, 50.0])
    assert m.loc["heat_proxy_index", "method"] == "proxy"
    assert "ste_oad" in m.loc["heat_proxy_index", "description"]
    for col in RASTER_COLUMNS:
        assert v[col].isna().all()
        assert m.loc[col, "method"] == "no data"
    assert any("NIET gemeten" in c for c in res.caveats)


def test_proxy_uses_green_share_when_polygons_exist():
    # Green: 0 in A, 10 ha in B, 5 ha in C (of 100 ha land) -> g scaled 0, 1, .5
    green = gpd.GeoDataFrame({"kind": ["park", "park"]},
                             geometry=[box(1000, 0, 2000, 100), box(2000, 0, 2500, 100)], crs="EPSG:28992")
    b = proxy_buurten(a_lan_ha=[100.0, 100.0, 100.0])
    value, row, _ = heat_proxy_index(Area("t", b, green=green))
    # mean of (d, 1 - w, 1 - g): A (0, 1, 1), B (.5, 1, 0), C (1, 0, .5)
    assert value.tolist() == pytest.approx([200 / 3, 50.0, 50.0])
    assert "groen" in row["description"]
    # the green m² measured by the green layer can be passed in (compute_layers does)
    given = pd.Series([0.0, 100_000.0, 50_000.0], index=b.index)
    same, _, _ = heat_proxy_index(Area("t", b, green=green), green_m2=given)
    assert same.tolist() == pytest.approx(value.tolist())


def test_proxy_nan_where_cbs_has_no_value_and_bev_dich_as_fallback():
    b = proxy_buurten()
    b.loc["B", "ste_oad"] = np.nan
    value, _, _ = heat_proxy_index(Area("t", b))
    assert np.isnan(value["B"]) and not np.isnan(value["A"])
    b2 = proxy_buurten(bev_dich=[3000.0, 2000.0, 1000.0]).drop(columns="ste_oad")
    value2, row2, _ = heat_proxy_index(Area("t", b2))
    # density reversed: scaled 1, .5, 0; water 1, 1, 0 -> 100, 75, 0
    assert value2.tolist() == pytest.approx([100.0, 75.0, 0.0])
    assert "bev_dich" in row2["description"]


def test_home_deep_inside_a_large_cool_place_has_one():
    # All cells 30 degC: one cool place of 2 km², with no edge inside the raster; homes lie
    # 500 m from its nearest side, so only "on a cool cell = distance 0" can count them.
    g = np.full((100, 200), 30.0)
    area = Area("t", two_buurten(), homes=make_homes([(500, 500, "A", 1), (1500, 500, "B", 1)]),
                rasters={"heat": make_raster(g, x0=0, y_top=1000, cell_m=CELL, unit="degC")})
    v = heat_layer(area).values
    assert v["heat_pct_homes_cool_place_within_300m"].tolist() == [100.0, 100.0]
    assert v["heat_pct_homes_over_35degc"].tolist() == [0.0, 0.0]


def test_no_cool_place_anywhere_gives_zero_not_nan():
    g = np.full((100, 200), 36.0)
    g[50, 50] = 30.0  # a single cool cell of 100 m²: not a cool place
    area = Area("t", two_buurten(), homes=make_homes([(505, 495, "A", 1)]),
                rasters={"heat": make_raster(g, x0=0, y_top=1000, cell_m=CELL, unit="degC")})
    v = heat_layer(area).values
    assert v.loc["A", "heat_pct_homes_cool_place_within_300m"] == 0.0


def test_uhi_is_its_own_quantity_not_pet():
    """RIVM's heat island (air temperature difference) gets its own columns; it never feeds
    the PET columns or their norms."""
    g = np.full((100, 200), 1.0)  # A: 1.0 degC warmer than the countryside ...
    g[:, 50:100] = 2.0  # ... and 2.0 in its eastern half (mean 1.5)
    g[:, 100:] = 0.5  # B: 0.5 everywhere ...
    g[:10, 180:] = np.nan  # ... except 200 nodata cells [1800,2000]x[900,1000] (B2's home)
    b = two_buurten(ste_oad=[1000, 3000], a_wat_ha=[0, 10], a_opp_ha=[100, 100])
    uhi = make_raster(g, x0=0, y_top=1000, cell_m=CELL, unit="degC")
    area = Area("t", b, homes=make_homes(HOMES), rasters={"uhi": uhi})
    with pytest.warns(UserWarning, match=r"geen hittekaart \(PET\).*hitte-eiland-effect van RIVM"):
        res = heat_layer(area)
    v = res.values
    assert v[list(RASTER_COLUMNS)].isna().all().all()  # no PET, so no PET indicators
    assert v.loc["A", "heat_uhi_mean_degc"] == pytest.approx(1.5)
    assert v.loc["B", "heat_uhi_mean_degc"] == pytest.approx(0.5)  # nodata cells left out
    # at the homes, weighted by residents: A1 (1) on 1.0, A2 (3) and A3 (1) on 2.0 -> 9/5
    assert v.loc["A", "heat_uhi_homes_mean_degc"] == pytest.approx((1 * 1.0 + 3 * 2.0 + 1 * 2.0) / 5)
    assert v.loc["B", "heat_uhi_homes_mean_degc"] == pytest.approx(0.5)  # B2 on nodata: left out
    assert "geen gevoelstemperatuur (PET)" in res.methods.loc["heat_uhi_mean_degc", "description"]
    assert res.methods.loc["heat_uhi_mean_degc", "method"] == "measured"
    # with both rasters the PET columns come from the PET raster only
    both = heat_layer(Area("t", b, homes=make_homes(HOMES),
                           rasters={"heat": make_raster(pet_grid(), x0=0, y_top=1000, cell_m=CELL, unit="degC"),
                                    "uhi": uhi})).values
    assert both.loc["A", "heat_pet_mean_degc"] == pytest.approx(33.5)
    assert both.loc["A", "heat_uhi_mean_degc"] == pytest.approx(1.5)


def test_uhi_labels_say_it_is_not_pet():
    from afweging.maps._labels import describe

    for col in ("heat_uhi_mean_degc", "heat_uhi_homes_mean_degc"):
        info = describe(col)
        assert "geen PET" in info.label and info.unit == "°C"
    assert "PET" in describe("heat_pet_mean_degc").label and "RIVM" not in describe("heat_pet_mean_degc").label
