"""Facilities layer: counts, per 1,000 inhabitants, per km², missing categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_layers_common import make_facilities, make_homes, two_buurten

from afweging._errors import ConfigError
from afweging._names import facility_col
from afweging.data.tags import labels, load_tag_table
from afweging.geo.area import Area, Provenance
from afweging.layers.facilities import facilities_layer

# A: 2,000 inhabitants, 50 ha land; B: no inhabitants, land unknown (polygon: 1 km²)
# A: 3 playgrounds + 1 supermarket; B: 1 playground; one playground outside every buurt
FAC = [(100, 100, "speelplek", "A"), (200, 100, "speelplek", "A"), (300, 100, "speelplek", "A"),
       (400, 100, "supermarkt", "A"), (1500, 500, "speelplek", "B"), (5000, 5000, "speelplek", None)]


def fac_area(**kw) -> Area:
    b = two_buurten(a_inw=[2000, 0], a_lan_ha=[50, np.nan])
    return Area("t", b, facilities=make_facilities(FAC), **kw)


def test_counts_per_1000_and_per_km2_by_hand():
    with pytest.warns(UserWarning, match="Geen enkele voorziening"):
        res = facilities_layer(fac_area())
    v = res.values
    assert v.loc["A", "fac_speelplek_count"] == 3.0
    assert v.loc["B", "fac_speelplek_count"] == 1.0  # the point outside the buurten is not counted
    assert v.loc["A", "fac_speelplek_per_1000_inh"] == pytest.approx(1.5)  # 3 / 2,000 * 1,000
    assert np.isnan(v.loc["B", "fac_speelplek_per_1000_inh"])  # no inhabitants: NaN, not inf
    assert v.loc["A", "fac_speelplek_per_km2"] == pytest.approx(6.0)  # 3 / 0.5 km² (CBS land)
    assert v.loc["B", "fac_speelplek_per_km2"] == pytest.approx(1.0)  # 1 / 1 km² polygon
    assert v.loc["B", "fac_supermarkt_count"] == 0.0  # a real zero


def test_every_category_of_the_tag_table_has_three_columns():
    with pytest.warns(UserWarning):
        res = facilities_layer(fac_area())
    for cat in load_tag_table():
        for stat in ("count", "per_1000_inh", "per_km2"):
            assert facility_col(cat, stat) in res.values.columns
            assert facility_col(cat, stat) in res.methods.index


def test_categories_absent_from_the_whole_area_are_no_data_by_default():
    with pytest.warns(UserWarning, match="Huisarts"):
        res = facilities_layer(fac_area())
    v, m = res.values, res.methods
    assert v["fac_huisarts_count"].isna().all()
    assert m.loc["fac_huisarts_count", "method"] == "no data"
    assert m.loc["fac_speelplek_count", "method"] == "measured"
    # missing categories only among those with data (speelplek, supermarkt)
    assert v.loc["A", "fac_n_missing_categories"] == 0.0
    assert v.loc["A", "fac_missing_categories"] == ""
    assert v.loc["B", "fac_n_missing_categories"] == 1.0
    assert v.loc["B", "fac_missing_categories"] == labels()["supermarkt"]


def test_absent_categories_as_zero_when_asked():
    with pytest.warns(UserWarning, match="geteld als 0"):
        v = facilities_layer(fac_area(), absent_categories="zero").values
    n_cats = len(load_tag_table())
    assert v.loc["A", "fac_huisarts_count"] == 0.0
    assert v.loc["A", "fac_n_missing_categories"] == n_cats - 2
    assert labels()["huisarts"] in v.loc["A", "fac_missing_categories"]
    with pytest.raises(ConfigError, match="absent_categories"):
        facilities_layer(fac_area(), absent_categories="nul")  # type: ignore[arg-type]


def test_no_facilities_is_no_data():
    res = facilities_layer(Area("t", two_buurten(a_inw=[1, 1])))
    assert res.values.isna().all().all()
    assert set(res.methods["method"]) == {"no data"}


def test_buurt_outside_the_coverage_of_the_source_is_nan():
    # Homes and facilities from one file; B has inhabitants but no home point in it.
    b = two_buurten(a_inw=[2000, 500], a_lan_ha=[50, 100])
    homes = make_homes([(500, 500, "A", 2000)])
    prov = {"homes": Provenance("osm", path="/d/osm.gpkg"), "facilities": Provenance("osm", path="/d/osm.gpkg")}
    area = Area("t", b, homes=homes, facilities=make_facilities(FAC), provenance=prov)
    with pytest.warns(UserWarning) as rec:
        v = facilities_layer(area).values
    messages = [str(w.message) for w in rec]
    assert any("buiten de dekking" in m and "Buurt B" in m for m in messages)
    assert any("Geen enkele" in m for m in messages)
    assert v.loc["B"].drop("fac_missing_categories").isna().all()
    assert pd.isna(v.loc["B", "fac_missing_categories"])
    assert v.loc["A", "fac_speelplek_count"] == 3.0
    with pytest.warns(UserWarning, match="geteld als 0"):
        kept = facilities_layer(area, detect_coverage_gaps=False, absent_categories="zero").values
    assert not kept.loc["B"].isna().any()
