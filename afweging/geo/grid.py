"""Regular grids of points inside polygons (candidate sites, sample points)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely


def grid_points(poly: Any, spacing_m: float, *, at_least_one: bool = True) -> np.ndarray:
    """Points of a regular grid inside a polygon, as an ``(n, 2)`` array.

    The grid starts half a spacing from the polygon's lower-left bounds, so a square of
    side ``k × spacing_m`` gets ``k × k`` points in the centres of its cells.

    Parameters
    ----------
    poly : shapely Polygon or MultiPolygon
        EPSG:28992 metres.
    spacing_m : float
        Distance between neighbouring points (m).
    at_least_one : bool
        A polygon too small or thin for any grid point gets its representative point
        (a point guaranteed to lie inside it).

    Examples
    --------
    >>> grid_points(shapely.box(0, 0, 20, 10), 10.0).tolist()
    [[5.0, 5.0], [15.0, 5.0]]
    >>> grid_points(shapely.box(0, 0, 4, 4), 10.0).tolist()
    [[2.0, 2.0]]
    """
    minx, miny, maxx, maxy = poly.bounds
    xs = np.arange(minx + spacing_m / 2.0, maxx, spacing_m)
    ys = np.arange(miny + spacing_m / 2.0, maxy, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside = shapely.contains(poly, pts) if len(pts) else np.zeros(0, dtype=bool)
    xy = np.column_stack([gx.ravel(), gy.ravel()])[inside]
    if len(xy) == 0 and at_least_one and not poly.is_empty:
        p = poly.representative_point()
        xy = np.array([[p.x, p.y]])
    return xy.reshape(-1, 2)
