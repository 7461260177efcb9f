"""Snapping points to the nearest target point (KD-tree) or nearest point on a line.

Used by the reachability engine to attach homes and facilities to the nearest point of
a street (:class:`SegmentIndex`), and for the straight-line fallback (nearest facility
as the crow flies, :func:`nearest_distance_m`).
Everything is in EPSG:28992 metres.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from scipy.spatial import cKDTree

from afweging._errors import InvalidGeometryError


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


@dataclass(frozen=True)
class LineSnap:
    """Nearest point on a set of polylines, per query point.

    Attributes
    ----------
    line : ndarray of int64
        Position of the nearest polyline; ``-1`` where there is none.
    along_m : ndarray of float64
        Distance along that polyline (from its first vertex) to the nearest point.
    at_start, at_end : ndarray of bool
        The nearest point is the polyline's first / last vertex.
    distance_m : ndarray of float64
        Straight-line distance to it; ``inf`` where there is no polyline.
    within : ndarray of bool
        ``distance_m <= max_distance_m``.
    """

    line: np.ndarray
    along_m: np.ndarray
    at_start: np.ndarray
    at_end: np.ndarray
    distance_m: np.ndarray
    within: np.ndarray


class SegmentIndex:
    """Exact nearest-point queries on many polylines, vectorised, with little memory.

    The polylines are given as straight segments between vertices (``vertices[seg_a]`` to
    ``vertices[seg_b]``), in order along each polyline (``seg_line``). A KD-tree holds one
    sample point per piece of at most ``spacing_m`` of every segment. A query takes the
    ``k`` nearest samples, measures the exact distance to their segments, and accepts the
    best when no other piece can be as close: a piece whose sample lies at distance ``s``
    from the point is at least ``s - r`` away (``r``: half the longest piece). Points that
    this does not settle try four times as many samples (far from the network many pieces
    are almost equally far), and then every sample within ``best + r``.
    Ties go to the lowest segment position, so the answer does not depend on the tree.

    About 60 bytes per segment (a shapely STRtree over LineStrings needs about 330).
    """

    def __init__(
        self,
        vertices: np.ndarray,
        seg_a: np.ndarray,
        seg_b: np.ndarray,
        seg_line: np.ndarray,
        *,
        spacing_m: float = 50.0,
        k: int = 8,
    ) -> None:
        self.vertices = vertices
        self.seg_a = seg_a
        self.seg_b = seg_b
        self.seg_line = seg_line
        self.k = k
        a = vertices[seg_a]
        d = vertices[seg_b] - a
        self.seg_len = np.hypot(d[:, 0], d[:, 1])
        n_piece = np.maximum(1, np.ceil(self.seg_len / spacing_m)).astype(np.int64)
        self.sample_seg = np.repeat(np.arange(len(seg_a), dtype=np.int32), n_piece)
        first = np.cumsum(n_piece) - n_piece
        j = np.arange(len(self.sample_seg)) - np.repeat(first, n_piece)
        frac = (j + 0.5) / np.repeat(n_piece, n_piece)
        samples = a[self.sample_seg] + d[self.sample_seg] * frac[:, None]
        self.r_max = float((self.seg_len / n_piece).max() / 2.0) if len(n_piece) else 0.0
        self.tree = kdtree(samples)
        # distance along the polyline to the start of every segment
        cum = np.cumsum(self.seg_len)
        new_line = np.ones(len(seg_line), dtype=bool)
        new_line[1:] = seg_line[1:] != seg_line[:-1]
        line_start = np.flatnonzero(new_line)
        base = (cum - self.seg_len)[line_start]
        counts = np.diff(np.append(line_start, len(seg_line)))
        self.seg_offset = cum - self.seg_len - np.repeat(base, counts)
        self.seg_offset[new_line] = 0.0
        self.seg_first = new_line
        last = np.zeros(len(seg_line), dtype=bool)
        last[np.append(line_start[1:], len(seg_line)) - 1] = True
        self.seg_last = last

    def _exact(self, pts: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance and segment parameter t in [0, 1] of each point to its segment."""
        a = self.vertices[self.seg_a[seg]]
        d = self.vertices[self.seg_b[seg]] - a
        len2 = d[..., 0] ** 2 + d[..., 1] ** 2
        w = pts - a
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (w[..., 0] * d[..., 0] + w[..., 1] * d[..., 1]) / len2
        t = np.where(len2 > 0, np.clip(t, 0.0, 1.0), 0.0)
        q = a + d * t[..., None]
        return np.hypot(pts[..., 0] - q[..., 0], pts[..., 1] - q[..., 1]), t

    def nearest(self, points_xy: np.ndarray, *, max_distance_m: float = np.inf) -> LineSnap:
        """The nearest point on the polylines of every query point."""
        pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
        n = len(pts)
        if n >= _SORT_MIN_POINTS:
            # nearby queries walk the same tree nodes: about 3x faster than in random order
            cell = np.floor(pts / _SORT_CELL_M).astype(np.int64)
            order = np.lexsort((cell[:, 0], cell[:, 1]))
            seg_s, t_s, dist_s = self._nearest(pts[order])
            seg = np.empty(n, dtype=np.int64)
            t = np.empty(n)
            dist = np.empty(n)
            seg[order], t[order], dist[order] = seg_s, t_s, dist_s
        else:
            seg, t, dist = self._nearest(pts)
        found = seg >= 0
        if not found.any():
            no = np.zeros(n, dtype=bool)
            return LineSnap(np.full(n, -1, dtype=np.int64), np.zeros(n), no, no, dist, no)
        s = np.where(found, seg, 0)
        along = np.where(found, self.seg_offset[s] + t * self.seg_len[s], 0.0)
        at_start = found & self.seg_first[s] & (t == 0.0)
        at_end = found & self.seg_last[s] & (t == 1.0)
        line = np.where(found, self.seg_line[s], -1).astype(np.int64)
        return LineSnap(line, along, at_start, at_end, dist, found & (dist <= max_distance_m))

    def _nearest(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest segment, its parameter t and the distance of every point (-1/inf: none)."""
        n = len(pts)
        seg = np.full(n, -1, dtype=np.int64)
        t = np.zeros(n)
        dist = np.full(n, np.inf)
        pending = np.arange(n) if self.tree.n else np.empty(0, dtype=np.int64)
        k = self.k
        while len(pending):
            # the k nearest samples settle a point when no unseen piece can be as close
            # (strictly, so that ties go to the lowest segment whatever the tree's order)
            k = min(k, self.tree.n)
            p = pts[pending]
            dk, ik = self.tree.query(p, k=k, workers=_workers(len(p)))
            dk = np.asarray(dk).reshape(len(p), k)
            cand = self.sample_seg[np.asarray(ik).reshape(len(p), k)].astype(np.int64)
            d, tt = self._exact(p[:, None, :], cand)
            pick = _argmin_ties(d, cand)
            rows = np.arange(len(p))
            seg[pending], t[pending], dist[pending] = cand[rows, pick], tt[rows, pick], d[rows, pick]
            if k == self.tree.n:
                break
            pending = pending[dist[pending] >= dk[:, -1] - self.r_max]
            k *= 4
            if k > _MAX_K and len(pending):
                # the rest from every sample that can hold a piece as close
                balls = self.tree.query_ball_point(pts[pending], dist[pending] + self.r_max + 1e-9)
                sizes = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
                owner = np.repeat(np.arange(len(pending)), sizes)
                flat = np.fromiter(itertools.chain.from_iterable(balls), dtype=np.int64,
                                   count=int(sizes.sum()))
                cand2 = self.sample_seg[flat].astype(np.int64)
                d2, t2 = self._exact(pts[pending][owner], cand2)
                order = np.lexsort((cand2, d2, owner))
                first = np.ones(len(order), dtype=bool)
                first[1:] = owner[order][1:] != owner[order][:-1]
                best = order[first]
                seg[pending], t[pending], dist[pending] = cand2[best], t2[best], d2[best]
                break
        return seg, t, dist


#: Up to this many nearest samples are examined (8, then 32) before a ball query.
_MAX_K = 32


def _argmin_ties(d: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per row, the column of the smallest ``d``; among equal ``d`` the smallest ``key``."""
    big = np.where(d == d.min(axis=1, keepdims=True), key, np.iinfo(np.int64).max)
    return np.argmin(big, axis=1)
