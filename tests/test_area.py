"""The Area container: point-in-buurt assignment, explicit missing pieces, validation."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from afweging._errors import MissingDataError
from afweging.geo.area import Area, assign_buurt


def _buurten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"buurtnaam": ["A", "B"], "wijkcode": ["W1", "W1"], "a_inw": [10.0, 0.0]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        index=pd.Index(["BU1", "BU2"], name="buurtcode"),
        crs="EPSG:28992",
    )


def test_assign_buurt_by_hand() -> None:
    pts = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(10, 5), Point(15, 5), Point(50, 50)],
                           index=[7, 8, 9, 10], crs="EPSG:28992")
    codes = assign_buurt(pts, _buurten())
    # a point on the shared edge goes to the first buurt; outside every buurt: NaN
    assert codes.loc[[7, 8, 9]].tolist() == ["BU1", "BU1", "BU2"]
    assert pd.isna(codes.loc[10])


def test_missing_pieces_are_explicit() -> None:
    area = Area(name="T", buurten=_buurten())
    assert not area.has("homes") and not area.has("network:walk")
    assert area.missing["homes"] == "niet opgegeven"
    with pytest.raises(MissingDataError, match=r"needs homes \(woningen\).*niet opgegeven"):
        area.require("homes", for_what="reachability")


def test_area_refuses_frames_outside_rd() -> None:
    with pytest.raises(ValueError, match="EPSG:28992"):
        Area(name="T", buurten=_buurten().to_crs("EPSG:4326"))


def test_replace_does_not_write_into_the_other_areas_missing() -> None:
    import dataclasses

    homes = gpd.GeoDataFrame({"buurtcode": ["BU1"], "residents": [2.0]}, geometry=[Point(5, 5)], crs="EPSG:28992")
    full = Area(name="T", buurten=_buurten(), homes=homes)
    assert "homes" not in full.missing
    bare = dataclasses.replace(full, homes=None)
    assert bare.missing["homes"] == "niet opgegeven"
    assert "homes" not in full.missing and full.has("homes")
