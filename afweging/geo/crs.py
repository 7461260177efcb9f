"""The CRS contract: everything inside the toolkit is in EPSG:28992 (RD New, metres)."""

from __future__ import annotations

import math

import geopandas as gpd
from pyproj import CRS

from afweging import settings
from afweging._errors import GeographicCrsError, NoCrsError


def to_rd(gdf: gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in the toolkit CRS (EPSG:28992), refusing input without a CRS.

    Parameters
    ----------
    gdf : GeoDataFrame
        Input layer.
    what : str
        Name of the file or piece, used in the error message.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(5.1214, 52.0907)], crs="EPSG:4326")
    >>> p = to_rd(g, what="Domtoren").geometry.iloc[0]
    >>> round(p.x, -1), round(p.y, -1)
    (136780.0, 455860.0)
    """
    if gdf.crs is None:
        raise NoCrsError(
            f"{what} heeft geen coördinatenstelsel (CRS). Zet het in het bestand "
            f"(bijv. `ogr2ogr -a_srs EPSG:28992 uit.gpkg in.gpkg`) of in Python met "
            f"`gdf.set_crs('EPSG:28992')` als de coördinaten RD New-meters zijn, "
            f"of `set_crs('EPSG:4326')` als het lengte- en breedtegraden zijn."
        )
    problem = lonlat_problem(gdf, is_geojson=".geojson" in what.lower() or ".json" in what.lower())
    if problem:
        raise GeographicCrsError(f"{what}: {problem}")
    target = CRS.from_user_input(settings.crs)
    if CRS.from_user_input(gdf.crs) == target:
        return gdf
    return gdf.to_crs(target)


def lonlat_problem(gdf: gpd.GeoDataFrame, *, is_geojson: bool) -> str | None:
    """Dutch explanation when a layer declares longitude/latitude (a geographic CRS) but
    its coordinates cannot be degrees (typically RD New metres in a GeoJSON without a
    ``crs`` member, which RFC 7946 reads as WGS84); None when the coordinates fit.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> bad = gpd.GeoDataFrame(geometry=[Point(136780, 455860)], crs="EPSG:4326")
    >>> lonlat_problem(bad, is_geojson=True)[:60]
    'het bestand zegt lengte- en breedtegraden (EPSG:4326), maar '
    """
    crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    if crs is None or not crs.is_geographic or not len(gdf):
        return None
    minx, miny, maxx, maxy = gdf.total_bounds
    if not all(map(math.isfinite, (minx, miny, maxx, maxy))):
        return None
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return None
    rd = minx >= 0 and maxx <= 300_000 and miny >= 289_000 and maxy <= 630_000
    looks = "ze lijken op RD New-meters (EPSG:28992)" if rd else "het zijn geen graden"
    geojson = (" Een GeoJSON zonder \"crs\" wordt volgens de standaard (RFC 7946) gelezen als "
               "lengte- en breedtegraden (WGS84).") if is_geojson else ""
    return (
        f"het bestand zegt lengte- en breedtegraden ({crs.to_string()}), maar de coördinaten "
        f"(x {minx:.0f} tot {maxx:.0f}, y {miny:.0f} tot {maxy:.0f}) passen daar niet in: {looks}.{geojson} "
        f"Geef het juiste stelsel op: zet in de GeoJSON \"crs\": {{\"type\": \"name\", \"properties\": "
        f"{{\"name\": \"urn:ogc:def:crs:EPSG::28992\"}}}}, sla het bestand op als GeoPackage met EPSG:28992, "
        f"of zet het om: `ogr2ogr -a_srs EPSG:28992 goed.gpkg <bestand>`."
    )


def require_projected(crs: object, *, what: str) -> None:
    """Raise :class:`GeographicCrsError` unless ``crs`` is projected (metres)."""
    if crs is None:
        raise NoCrsError(f"{what} heeft geen coördinatenstelsel; zet het op EPSG:28992 (RD New).")
    c = CRS.from_user_input(crs)
    if not c.is_projected:
        raise GeographicCrsError(
            f"{what} staat in lengte- en breedtegraden ({c.to_string()}); afstanden hebben een "
            f"stelsel in meters nodig. Zet het eerst om, bijv. `gdf.to_crs('EPSG:28992')`."
        )
