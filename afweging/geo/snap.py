"""Snapping points to the nearest of a set of target points (KD-tree).

Used by the reachability engine to attach homes and facilities to street-network
nodes, and for the straight-line fallback (nearest facility as the crow flies).
Everything is in EPSG:28992 metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from scipy.spatial import cKDTree

from afweging._errors import InvalidGeometryError


@dataclass(frozen=True)
class SnapResult:
    """Nearest target per point.

    Attributes
    ----------
    index : ndarray of int64
        Position of the nearest target; ``-1`` where there is no target at all.
    distance_m : ndarray of float64
        Straight-line distance to that target in metres; ``inf`` where there is none.
    within : ndarray of bool
        ``distance_m <= max_distance_m``: the point counts as snapped.
    """

    index: np.ndarray
    distance_m: np.ndarray
    within: np.ndarray


def point_xy(points: gpd.GeoSeries | gpd.GeoDataFrame, *, what: str) -> np.ndarray:
    """Coordinates of point geometries as an ``(n, 2)`` float array.

    Parameters
    ----------
    points : GeoSeries or GeoDataFrame
        Point geometries (EPSG:28992).
    what : str
        Name used in the error message (e.g. ``"Area.homes"``).

    Raises
    ------
    InvalidGeometryError
        When a geometry is missing, empty or not a Point.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> point_xy(gpd.GeoSeries([Point(1, 2)]), what="x").tolist()
    [[1.0, 2.0]]
    """
    geom = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if len(geom) == 0:
        return np.empty((0, 2), dtype=np.float64)
    types = geom.geom_type.to_numpy()
    bad = (types != "Point") | geom.is_empty.to_numpy() | geom.isna().to_numpy()
    if bad.any():
        first = geom.index[np.flatnonzero(bad)[:5]].tolist()
        raise InvalidGeometryError(
            f"{what} must hold Point geometries; {int(bad.sum())} row(s) do not (index "
            f"{first}, types {sorted({str(t) for t in types[bad]})}). Use representative "
            f"points, e.g. `gdf.geometry = gdf.representative_point()`."
        )
    return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()]).astype(np.float64)


#: Below this many query points a KD-tree query runs in one thread (starting threads costs
#: more than it saves).
_PARALLEL_MIN_POINTS = 250_000


def _workers(n_points: int) -> int:
    return -1 if n_points >= _PARALLEL_MIN_POINTS else 1


#: Query points are sorted into cells of this size first when there are many: nearby
#: queries then walk the same tree nodes, which roughly halves the query time.
_SORT_CELL_M = 200.0
_SORT_MIN_POINTS = 5_000


def _query(tree: cKDTree, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest neighbour (distance, index) of each point, in the input order."""
    if len(pts) < _SORT_MIN_POINTS:
        d, i = tree.query(pts, k=1, workers=_workers(len(pts)))
        return np.asarray(d, dtype=np.float64), np.asarray(i, dtype=np.int64)
    cell = np.floor(pts / _SORT_CELL_M).astype(np.int64)
    order = np.lexsort((cell[:, 0], cell[:, 1]))
    d_sorted, i_sorted = tree.query(pts[order], k=1, workers=_workers(len(pts)))
    d = np.empty(len(pts), dtype=np.float64)
    i = np.empty(len(pts), dtype=np.int64)
    d[order] = d_sorted
    i[order] = i_sorted
    return d, i


def nearest_distance_m(points_xy: np.ndarray, tree: cKDTree) -> np.ndarray:
    """Straight-line distance (m) from every point to the nearest point of ``tree``."""
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 0:
        return np.empty(0, dtype=np.float64)
    return _query(tree, pts)[0]


def kdtree(xy: np.ndarray) -> cKDTree:
    """A KD-tree over ``(n, 2)`` coordinates (built without balancing, which is faster)."""
    return cKDTree(np.asarray(xy, dtype=np.float64), balanced_tree=False, compact_nodes=False)


def snap_points(
    points_xy: np.ndarray,
    targets: np.ndarray | cKDTree,
    *,
    max_distance_m: float = np.inf,
) -> SnapResult:
    """Nearest target of every point, with the straight-line distance.

    Parameters
    ----------
    points_xy : ndarray, shape (n, 2)
        Points in metres.
    targets : ndarray of shape (m, 2), or a cKDTree over them
        Candidate targets (e.g. network nodes, facilities).
    max_distance_m : float, optional
        Points farther than this from every target are flagged ``within=False``; their
        nearest target and distance are still returned, so callers can report them.

    Returns
    -------
    SnapResult

    Examples
    --------
    >>> r = snap_points(np.array([[0.0, 3.0], [50.0, 0.0]]),
    ...                 np.array([[0.0, 0.0], [10.0, 0.0]]), max_distance_m=25.0)
    >>> r.index.tolist(), r.distance_m.tolist(), r.within.tolist()
    ([0, 1], [3.0, 40.0], [True, False])
    """
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    tree = targets if isinstance(targets, cKDTree) else None
    if tree is None:
        t = np.asarray(targets, dtype=np.float64).reshape(-1, 2)
        if len(t) == 0 or len(pts) == 0:
            n = len(pts)
            return SnapResult(
                np.full(n, -1, dtype=np.int64), np.full(n, np.inf), np.zeros(n, dtype=bool)
            )
        tree = kdtree(t)
    if tree.n == 0 or len(pts) == 0:
        n = len(pts)
        return SnapResult(
            np.full(n, -1, dtype=np.int64), np.full(n, np.inf), np.zeros(n, dtype=bool)
        )
    dist, idx = _query(tree, pts)
    return SnapResult(idx, dist, dist <= max_distance_m)
