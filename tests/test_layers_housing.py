"""Housing layer: CBS corporation/rented shares, gap to 35 %, dwelling-weighted aggregation."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box
from test_layers_common import make_buurten

from afweging.geo.area import Area
from afweging.layers.housing import COLUMNS, housing_by_wijk, housing_city, housing_layer


def housing_area() -> Area:
    specs = {
        # wijk W1: 100 dwellings at 20 %, 300 at 50 %, 1000 unknown (CBS suppressed)
        "A": {"geometry": box(0, 0, 10, 10), "wijkcode": "W1", "p_wcorpw": 20.0, "p_huurw": 40.0, "a_woning": 100.0},
        "B": {"geometry": box(10, 0, 20, 10), "wijkcode": "W1", "p_wcorpw": 50.0, "p_huurw": 80.0, "a_woning": 300.0},
        "C": {"geometry": box(20, 0, 30, 10), "wijkcode": "W1", "p_wcorpw": np.nan, "p_huurw": np.nan, "a_woning": 1000.0},
        # wijk W2: one buurt without dwellings
        "D": {"geometry": box(30, 0, 40, 10), "wijkcode": "W2", "p_wcorpw": np.nan, "p_huurw": np.nan, "a_woning": 0.0},
    }
    return Area("t", make_buurten(specs))


def test_housing_values_and_gap_to_35_pct():
    res = housing_layer(housing_area())
    v = res.values
    assert list(v.columns) == list(COLUMNS)
    assert v.loc["A", "housing_corporation_pct"] == 20.0
    assert v.loc["A", "housing_social_gap_pct_points"] == 15.0  # 35 - 20: short
    assert v.loc["B", "housing_social_gap_pct_points"] == -15.0  # 35 - 50: above target
    assert v.loc["B", "housing_rented_pct"] == 80.0
    assert np.isnan(v.loc["C", "housing_social_gap_pct_points"])  # NaN stays NaN
    assert v.loc["D", "housing_dwellings"] == 0.0
    m = res.methods
    assert m.loc["housing_corporation_pct", "method"] == "proxy"
    assert "niet" in m.loc["housing_corporation_pct", "description"]
    assert m.loc["housing_rented_pct", "method"] == "statistics"


def test_housing_by_wijk_is_dwelling_weighted_over_known_values():
    w = housing_by_wijk(housing_area())
    assert w.loc["W1", "housing_corporation_pct"] == pytest.approx((100 * 20 + 300 * 50) / 400)  # 42.5
    assert w.loc["W1", "housing_rented_pct"] == pytest.approx((100 * 40 + 300 * 80) / 400)  # 70
    assert w.loc["W1", "housing_social_gap_pct_points"] == pytest.approx(35 - 42.5)
    assert w.loc["W1", "housing_dwellings"] == 1400.0
    assert w.loc["W1", "housing_dwellings_with_value_pct"] == pytest.approx(400 / 1400 * 100)
    assert np.isnan(w.loc["W2", "housing_corporation_pct"])


def test_housing_city_summary():
    c = housing_city(housing_area())
    assert c["housing_corporation_pct"] == pytest.approx(42.5)
    assert c["housing_dwellings"] == 1400.0


def test_missing_cbs_column_warns_and_gives_nan():
    area = Area("t", make_buurten({"A": {"geometry": box(0, 0, 10, 10), "a_woning": 10.0}}))
    with pytest.warns(UserWarning, match="geen CBS-kolom") as rec:
        v = housing_layer(area).values
    assert sorted(str(w.message).split("'")[3] for w in rec) == ["p_huurw", "p_wcorpw"]
    assert np.isnan(v.loc["A", "housing_corporation_pct"])
    assert v.loc["A", "housing_dwellings"] == 10.0
