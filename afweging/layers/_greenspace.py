"""Green polygons as green areas: the geometry shared by the green and heat layers.

Used once per run through :class:`afweging.layers._context.LayerContext` (and by the
plan check, which adds plan green to the area).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from afweging.geo.area import GREEN_GROUP_COLUMN, Area

_POLYGONAL = ("Polygon", "MultiPolygon")


def green_polygons(area: Area) -> gpd.GeoDataFrame | None:
    """The polygonal part of ``area.green`` (None when there is none)."""
    if area.green is None or len(area.green) == 0:
        return None
    green = area.green[area.green.geometry.notna() & ~area.green.geometry.is_empty]
    poly = green[green.geometry.geom_type.isin(_POLYGONAL)]
    if len(poly) == 0:
        return None
    if len(poly) < len(green):
        warnings.warn(
            f"groen: {len(green) - len(poly)} van {len(green)} groenobjecten zijn geen vlakken "
            f"en tellen niet mee (oppervlak groen vraagt vlakken).",
            stacklevel=3,
        )
    return poly


#: Column of ``area.green`` naming the green area of a polygon (:data:`GREEN_GROUP_COLUMN`).
GROUP_COLUMN = GREEN_GROUP_COLUMN


def green_parts(polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge green polygons (overlaps count once) into connected green areas with their m².

    Polygons that touch or overlap form one green area, so a park mapped as lawn plus
    trees counts as one park. Polygons that share a :data:`GROUP_COLUMN` id also form one
    green area (a park that the BGT cuts into pieces along its footpaths); its m² are those
    of its polygons, the paths are not counted as green.
    """
    geoms = shapely.make_valid(polygons.geometry.to_numpy())
    merged = shapely.union_all(geoms)
    parts = shapely.get_parts(merged)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]  # polygons only
    if GROUP_COLUMN in polygons.columns and polygons[GROUP_COLUMN].notna().any() and len(parts):
        parts = _join_groups(parts, geoms, polygons[GROUP_COLUMN].to_numpy())
    return gpd.GeoDataFrame(
        {"part_area_m2": shapely.area(parts)}, geometry=parts, crs=polygons.crs
    )


def _join_groups(parts: np.ndarray, geoms: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Connected parts whose polygons share a group id, combined into one (multi)polygon."""
    tree = shapely.STRtree(parts)
    keep = ~pd.isna(groups) & ~shapely.is_empty(geoms)
    i_poly, i_part = tree.query(shapely.point_on_surface(geoms[keep]), predicate="intersects")
    owner = pd.Series(groups[keep][i_poly], index=i_part)
    owner = owner[~owner.index.duplicated()]  # a part's polygons share one group (they touch)
    key = np.arange(len(parts)).astype(object)
    key[owner.index.to_numpy()] = ["g" + str(g) for g in owner.to_numpy()]
    frame = pd.DataFrame({"key": key, "i": np.arange(len(parts))})
    out = []
    for _, idx in frame.groupby("key", sort=False)["i"]:
        members = parts[idx.to_numpy()]
        out.append(members[0] if len(members) == 1 else shapely.multipolygons(
            [p for m in members for p in shapely.get_parts(m)]))
    return np.array(out, dtype=object)


def green_m2_per_buurt(area: Area, parts: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series]:
    """Green m² inside each buurt and the m² of the largest green area reaching into it.

    Returns
    -------
    (green_m2, largest_m2) : Series indexed by buurtcode
        0 where no green lies in the buurt (a real zero: the area has green polygons).
    """
    index = area.buurten.index
    idx_part, idx_buurt = area.buurten.sindex.query(parts.geometry, predicate="intersects")
    pieces = shapely.intersection(
        parts.geometry.to_numpy()[idx_part], area.buurten.geometry.to_numpy()[idx_buurt]
    )
    piece_m2 = shapely.area(pieces)
    codes = index.to_numpy()[idx_buurt]
    frame = pd.DataFrame(
        {"buurtcode": codes, "m2": piece_m2,
         "part_m2": parts["part_area_m2"].to_numpy()[idx_part]}
    )
    frame = frame[frame["m2"] > 0]
    green_m2 = frame.groupby("buurtcode")["m2"].sum().reindex(index, fill_value=0.0)
    largest = frame.groupby("buurtcode")["part_m2"].max().reindex(index, fill_value=0.0)
    return green_m2.astype(float), largest.astype(float)
