"""The CRS contract: everything inside the toolkit is in EPSG:28992 (RD New, metres)."""

from __future__ import annotations

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
            f"{what} has no coordinate reference system (CRS). Set it in the file "
            f"(e.g. `ogr2ogr -a_srs EPSG:28992 out.gpkg in.gpkg`) or in Python with "
            f"`gdf.set_crs('EPSG:28992')` if the coordinates are RD New metres, "
            f"or `set_crs('EPSG:4326')` if they are longitude/latitude."
        )
    target = CRS.from_user_input(settings.crs)
    if CRS.from_user_input(gdf.crs) == target:
        return gdf
    return gdf.to_crs(target)


def require_projected(crs: object, *, what: str) -> None:
    """Raise :class:`GeographicCrsError` unless ``crs`` is projected (metres)."""
    if crs is None:
        raise NoCrsError(f"{what} has no CRS; set it to EPSG:28992 (RD New).")
    c = CRS.from_user_input(crs)
    if not c.is_projected:
        raise GeographicCrsError(
            f"{what} is in a geographic CRS ({c.to_string()}); distances need a projected CRS. "
            f"Convert it first, e.g. `gdf.to_crs('EPSG:28992')`."
        )
