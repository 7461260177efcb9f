"""Snapping points to the nearest target point (KD-tree) or nearest point on a line.

Used by the reachability engine to attach homes and facilities to the nearest point of
a street (:class:`SegmentIndex`), and for the straight-line fallback (nearest facility
as the crow flies, :func:`nearest_distance_m`).
Everything is in EPSG:28992 metres.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
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
            f"{what}: verwacht punten; {int(bad.sum())} rij(en) zijn dat niet (index {first}, "
            f"soorten {sorted({str(t) for t in types[bad]})}). Neem een punt per object, bijv. "
            f"`gdf.geometry = gdf.representative_point()`."
        )
    xy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()]).astype(np.float64)
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        first = geom.index[np.flatnonzero(~finite)[:5]].tolist()
        raise InvalidGeometryError(
            f"{what}: {int((~finite).sum())} punt(en) hebben een coördinaat die geen eindig getal "
            f"is (NaN of oneindig; index {first}). Herstel of verwijder die punten."
        )
    return xy


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
    ``vertices[seg_b]``), in order along each polyline (``seg_line``).

    A uniform grid of square cells (``cell_m``; by default 1.5 times the side of the
    square that holds one segment on average over the bounding box) lists every segment
    in each cell it may pass through: a segment at most two cells wide or high in every
    cell of its bounding box, a longer diagonal one in those of its pieces of at most a
    cell (so a long road without interior vertices takes cells in proportion to its
    length, not to its bounding box's area). A query measures the exact distance to the
    segments of the point's own cell, then ring by ring to those of the cells around it
    that can hold a piece as close as the best so far, and stops as soon as no segment
    outside the searched block of cells can be as close (strictly, so that every segment
    tied with the best has been measured). Candidates are compared by their squared
    distance (the square root only for the winner); ties go to the lowest segment
    position, so the answer does not depend on the grid. Points that ``_MAX_RING`` rings do not settle
    (far from every segment) are answered by a KD-tree over sample points of the
    segments, built on first need: it holds one sample per piece of at most
    ``spacing_m`` of every segment; a query takes the ``k`` nearest samples, measures the
    exact distance to their segments, and accepts the best when no other piece can be as
    close (a piece whose sample lies at distance ``s`` from the point is at least
    ``s - r`` away, ``r``: half the longest piece); points this does not settle try four
    times as many samples, and then every sample within ``best + r``.

    About 59 bytes per segment (a shapely STRtree over LineStrings needs about 330): the
    vertices and end positions given are not kept, segment lengths are computed when
    asked, and the polyline numbers only when they are not 0, 1, 2 ... in order.
    """

    def __init__(
        self,
        vertices: np.ndarray,
        seg_a: np.ndarray,
        seg_b: np.ndarray,
        seg_line: np.ndarray,
        *,
        cell_m: float | None = None,
        spacing_m: float = 50.0,
        k: int = 8,
    ) -> None:
        self.spacing_m = spacing_m
        self.k = k
        self._kd: tuple[cKDTree, np.ndarray, float] | None = None
        # per segment its start and direction (the numbers every distance is measured with),
        # side by side: (ax, ay, dx, dy), a query gathers one row per candidate
        v = np.asarray(vertices, dtype=np.float64)
        m = len(seg_a)
        self._seg4 = np.empty((m, 4), dtype=np.float64)
        end = np.take(v, seg_b, axis=0)
        self._seg4[:, :2] = start = np.take(v, seg_a, axis=0)
        np.subtract(end, start, out=self._seg4[:, 2:])
        del v, end, start
        self.seg_ax, self.seg_ay, self.seg_dx, self.seg_dy = (self._seg4[:, i] for i in range(4))
        ax, ay, bx, by = (self._seg4[:, i].copy() for i in range(4))  # bx, by: dx, dy for now
        seg_len = self.segment_lengths()
        bx += ax  # the segments' ends as the distances see them (a + 1 d)
        by += ay
        self._zero_length = bool((seg_len == 0).any())
        # the polylines' first segments, and the length of all segments before each one
        # (the distance along its polyline to a segment's start: the difference of two);
        # 32-bit positions while they fit
        pos_t = np.int32 if m < 2**31 else np.int64
        new_line = np.ones(m, dtype=bool)
        new_line[1:] = seg_line[1:] != seg_line[:-1]
        self.line_start = np.append(np.flatnonzero(new_line), m).astype(pos_t)
        self.seg_run = np.cumsum(new_line, dtype=pos_t)  # 1 + the polyline's position in line_start
        del new_line
        # the polyline of a segment: kept only when it is not simply the run's position
        # (polylines numbered 0, 1, 2 ... in order, as ArrayGraph's streets are)
        runs = len(self.line_start) - 1
        plain = runs == 0 or (int(seg_line[0]) == 0 and int(seg_line[-1]) == runs - 1
                              and bool(np.array_equal(seg_line, self.seg_run - 1)))
        self.seg_line = None if plain else np.asarray(seg_line)
        self.seg_before = np.cumsum(seg_len)
        self.seg_before -= seg_len
        del seg_len
        self._grid(ax, ay, bx, by, cell_m)

    @property
    def n_segments(self) -> int:
        """Number of segments."""
        return len(self._seg4)

    def segment_lengths(self, seg: np.ndarray | None = None) -> np.ndarray:
        """Length of the segments ``seg`` (all when None), from their stored direction
        (computed when asked: not kept, the index stays smaller)."""
        g = self._seg4 if seg is None else np.take(self._seg4, seg, axis=0)
        out = g[:, 2] * g[:, 2]
        out += g[:, 3] * g[:, 3]
        return np.sqrt(out, out=out)

    def segment_line(self, seg: np.ndarray) -> np.ndarray:
        """The polyline (``seg_line`` as given) of the segments ``seg``."""
        if self.seg_line is None:
            return self.seg_run[seg].astype(np.int64) - 1
        return self.seg_line[seg].astype(np.int64)

    # ------------------------------------------------------------------ grid
    def _grid(self, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
              cell_m: float | None) -> None:
        m = len(ax)
        if m == 0:
            self.origin = np.zeros(2)
            self.cell_m, self._inv, self.nx, self.ny = 1.0, 1.0, 0, 0
            self.cell_ptr = np.zeros(1, dtype=np.int64)
            self.cell_seg = np.empty(0, dtype=np.int32)
            self._eps = 0.0
            return
        ox, oy = float(min(ax.min(), bx.min())), float(min(ay.min(), by.min()))
        sx = float(max(ax.max(), bx.max())) - ox
        sy = float(max(ay.max(), by.max())) - oy
        if cell_m is None:
            cell_m = 1.5 * np.sqrt(sx * sy / m) if sx > 0 and sy > 0 else 1.5 * max(sx, sy) / m
        cell = float(cell_m) if np.isfinite(cell_m) and cell_m > 0 else 1.0
        # at most about 4 cells per segment (a long thin bounding box)
        cell = max(cell, np.sqrt(sx * sy / (4.0 * m + 64.0)), max(sx, sy) / (4.0 * m + 64.0), 1e-6)
        inv = 1.0 / cell
        nx = int(sx * inv) + 1
        ny = int(sy * inv) + 1
        small = nx * ny < 2**31
        # a margin for the rounding of cell positions (under a millimetre)
        eps = 1e-9 * (max(abs(ox), abs(oy)) + sx + sy + cell) + 1e-9

        def column(v: np.ndarray, o: float, n: int = 0) -> np.ndarray:
            """Cell column/row of coordinates (truncation is floor where not negative),
            clipped to ``[0, n)`` when ``n``."""
            v -= o
            v *= inv
            c = v.astype(np.int32 if small else np.int64)
            return np.clip(c, 0, n - 1, out=c) if n else c

        # the bounding boxes' cells, one bound at a time (one temporary float array)
        c0x = column(np.minimum(ax, bx), ox)
        c1x = column(np.maximum(ax, bx), ox)
        c0y = column(np.minimum(ay, by), oy)
        c1y = column(np.maximum(ay, by), oy)
        nx, ny = int(c1x.max()) + 1, int(c1y.max()) + 1
        # every segment in each cell it may pass through, as (cell << 32) | segment: a
        # short segment (at most two cells wide and high) in every cell of its bounding
        # box, first its lower left one, then its other 1 or 3; a longer one one or two
        # cells across likewise; a diagonal one (three or more cells both ways) in every
        # cell of the bounding boxes of its pieces of at most a cell, so that it takes
        # about three cells per cell of its length, not its bounding box's square
        c1x -= c0x  # widths and heights less one
        c1y -= c0y
        two_x = c1x == 1
        two_y = c1y == 1
        long = (c1x > 1) | (c1y > 1)
        lng = np.flatnonzero(long)
        if len(lng):
            two_x &= ~long
            two_y &= ~long
            wide, high = c1x[lng].astype(np.int64), c1y[lng].astype(np.int64)
            diag = (wide > 1) & (high > 1)
            thin = ~diag
            # a thin one: every cell of its bounding box but the lower left one
            more = [_box_cells(lng[thin], c0x[lng[thin]], c0y[lng[thin]], wide[thin], high[thin], nx,
                               skip_first=True)]
            dg = lng[diag]
            if len(dg):
                more.append(self._pieces(dg, ax, ay, bx, by, (ox, oy), eps, inv, column, (nx, ny)))
            del wide, high, diag, thin
            more_cells = np.concatenate(more)
            del more
        both = two_x & two_y
        del long, c1x, c1y
        extra = [(two_x, 1), (two_y, nx), (both, nx + 1)]
        sizes = [int(mask.sum()) for mask, _ in extra]
        reg = np.empty(m + sum(sizes) + (len(more_cells) if len(lng) else 0), dtype=np.int64)
        key = reg[:m]  # every segment in its lower left cell, as (cell << 32) | segment
        key[:] = c0y
        key *= nx
        key += c0x
        key <<= 32
        key |= np.arange(m, dtype=np.int64)
        del c0x, c0y
        at = m
        for (mask, step), size in zip(extra, sizes, strict=True):  # a short segment's other cells
            np.add(key[mask], step << 32, out=reg[at:at + size])
            at += size
        del two_x, two_y, both, extra
        repeats = False
        if len(lng):
            reg[at:] = more_cells
            del more_cells
            if len(dg):  # a diagonal one's cells are those of its pieces (which may repeat)
                key[dg] = -1
                repeats = True
        del key
        reg.sort()
        if repeats:  # each (cell, segment) once
            first = np.ones(len(reg), dtype=bool)
            first[1:] = reg[1:] != reg[:-1]
            first &= reg >= 0
            reg = reg[first]
            del first
        self.cell_seg = (reg & 0xFFFFFFFF).astype(np.int32)
        reg >>= 32
        self.cell_ptr = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(reg, minlength=nx * ny), out=self.cell_ptr[1:])
        del reg
        self.origin, self.cell_m, self._inv, self.nx, self.ny = np.array([ox, oy]), cell, inv, nx, ny
        self._eps = eps

    @staticmethod
    def _pieces(seg: np.ndarray, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
                origin: tuple[float, float], eps: float, inv: float,
                column: Callable[..., np.ndarray], shape: tuple[int, int]) -> np.ndarray:
        """The (cell << 32) | segment entries of the segments ``seg``: each cut into pieces
        at most a cell wide and high, each piece in every cell of its bounding box (grown by
        ``eps`` for the rounding of the cut points); an entry may repeat."""
        (ox, oy), (nx, ny) = origin, shape
        sax, say = ax[seg], ay[seg]
        sdx, sdy = bx[seg] - sax, by[seg] - say
        n_p = np.maximum(np.ceil(np.maximum(np.abs(sdx), np.abs(sdy)) * inv), 1).astype(np.int64)
        which = np.repeat(np.arange(len(seg)), n_p)
        k = np.arange(len(which)) - np.repeat(np.cumsum(n_p) - n_p, n_p)
        whole = n_p[which].astype(np.float64)
        f0, f1 = k / whole, (k + 1) / whole
        del k, whole
        sax, say, sdx, sdy = sax[which], say[which], sdx[which], sdy[which]
        x0, x1 = sax + sdx * f0, sax + sdx * f1
        y0, y1 = say + sdy * f0, say + sdy * f1
        del f0, f1, sax, say, sdx, sdy
        c0x = column(np.minimum(x0, x1) - eps, ox, nx)
        c1x = column(np.maximum(x0, x1) + eps, ox, nx)
        c0y = column(np.minimum(y0, y1) - eps, oy, ny)
        c1y = column(np.maximum(y0, y1) + eps, oy, ny)
        del x0, x1, y0, y1
        c1x -= c0x
        c1y -= c0y
        return _box_cells(seg[which], c0x, c0y, c1x.astype(np.int64), c1y.astype(np.int64), nx, skip_first=False)

    @property
    def nbytes(self) -> int:
        """Memory held by the index (the KD-tree of the fallback included once built)."""
        arrays = [self._seg4, self.seg_before, self.line_start, self.seg_run, self.cell_seg, self.cell_ptr]
        if self.seg_line is not None:
            arrays.append(self.seg_line)
        total = sum(a.nbytes for a in arrays)
        if self._kd is not None:
            tree, sample_seg, _ = self._kd
            total += sample_seg.nbytes + tree.data.nbytes + tree.indices.nbytes
        return int(total)

    def _exact(self, px: np.ndarray, py: np.ndarray, seg: np.ndarray, *,
               squared: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Distance and segment parameter t in [0, 1] of each point (px, py) to its segment
        (broadcast against ``seg``): t = clip(w.d / |d|^2) (0 on a zero-length segment),
        distance |p - (a + t d)| (``squared``: its square, as compared in the search)."""
        shape = np.broadcast_shapes(np.shape(px), np.shape(py), np.shape(seg))
        if np.shape(seg) != shape:
            seg = np.broadcast_to(seg, shape)
        g = np.take(self._seg4, seg, axis=0)  # one row per candidate: ax, ay, dx, dy
        ax, ay, dx, dy = g[..., 0], g[..., 1], g[..., 2], g[..., 3]
        len2 = dx * dx
        len2 += dy * dy
        t = px - ax
        t *= dx
        wy = py - ay
        wy *= dy
        t += wy
        del wy
        with np.errstate(invalid="ignore", divide="ignore"):
            t /= len2
        np.clip(t, 0.0, 1.0, out=t)
        if self._zero_length:
            t[len2 == 0] = 0.0
        ex = dx * t
        ex += ax  # the nearest point a + t d
        ey = dy * t
        ey += ay
        np.subtract(px, ex, out=ex)
        np.subtract(py, ey, out=ey)
        if squared:
            ex *= ex
            ey *= ey
            ex += ey
            return ex, t
        return np.hypot(ex, ey, out=ex), t

    def nearest(self, points_xy: np.ndarray, *, max_distance_m: float = np.inf) -> LineSnap:
        """The nearest point on the polylines of every query point."""
        pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
        n = len(pts)
        seg, t, dist = self._nearest(pts)
        found = seg >= 0
        if not found.any():
            no = np.zeros(n, dtype=bool)
            return LineSnap(np.full(n, -1, dtype=np.int64), np.zeros(n), no, no, dist, no)
        every = bool(found.all())  # the usual case: no masking needed
        s = seg if every else np.where(found, seg, 0)
        run = self.seg_run[s].astype(np.intp)
        first = self.line_start[run - 1]  # the polyline's first segment
        along = self.seg_before[s] - self.seg_before[first]
        along += t * self.segment_lengths(s)
        at_start = (s == first) & (t == 0.0)
        at_end = (s == self.line_start[run] - 1) & (t == 1.0)
        line = self.segment_line(s)
        within = dist <= max_distance_m
        if not every:
            along[~found] = 0.0
            at_start &= found
            at_end &= found
            line[~found] = -1
            within &= found
        return LineSnap(line, along, at_start, at_end, dist, within)

    def _nearest(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest segment, its parameter t and the distance of every point (-1/inf: none)."""
        n = len(pts)
        seg = np.full(n, -1, dtype=np.int64)
        t = np.zeros(n)
        dist = np.full(n, np.inf)
        if n == 0 or self.n_segments == 0:
            return seg, t, dist
        cell = self.cell_m
        g = (pts - self.origin) * self._inv
        # points farther from the grid than _MAX_RING cells go to the KD-tree at once
        ok = np.isfinite(g).all(axis=1)
        ok &= (g[:, 0] > -_MAX_RING) & (g[:, 0] < self.nx + _MAX_RING)
        ok &= (g[:, 1] > -_MAX_RING) & (g[:, 1] < self.ny + _MAX_RING)
        todo = np.flatnonzero(ok)
        far = np.flatnonzero(~ok)
        c = np.floor(g[todo]).astype(np.int64)
        del g
        if len(todo) >= _SORT_MIN_POINTS:  # nearby queries read nearby memory
            order = np.argsort(c[:, 1] * (self.nx + 2 * _MAX_RING + 2) + c[:, 0])
            todo, c = todo[order], np.take(c, order, axis=0)
        cx, cy = c[:, 0].copy(), c[:, 1].copy()
        px, py = pts[todo, 0], pts[todo, 1]
        fx = px - (self.origin[0] + cx * cell)  # position within its cell
        fy = py - (self.origin[1] + cy * cell)
        m = len(todo)
        bs = np.full(m, -1, dtype=np.int64)
        bd = np.full(m, np.inf)  # the best squared distance so far
        left = []
        # in chunks of points, so that the temporaries stay in the processor's cache
        for lo in range(0, m, _CHUNK_POINTS):
            part = slice(lo, min(m, lo + _CHUNK_POINTS))
            rest = self._grid_rings(px[part], py[part], cx[part], cy[part], fx[part], fy[part],
                                    bs[part], bd[part], np.arange(part.stop - lo), range(_MAX_RING + 1))
            left.append(rest + lo)
        live = np.concatenate(left) if left else np.empty(0, dtype=np.int64)
        # the few points not settled yet (in a wide gap between streets): more rings, while
        # they are cheaper than a KD-tree over the whole network
        r = _MAX_RING + 1
        while len(live) and r <= max(self.nx, self.ny) and len(live) * 8 * r <= _RING_BUDGET:
            live = self._grid_rings(px, py, cx, cy, fx, fy, bs, bd, live, (r,))
            r += 1
        found = bs >= 0
        bt = np.zeros(m)
        if found.any():  # the winners measured again, for their parameter t
            f = np.flatnonzero(found)
            bd[f], bt[f] = self._exact(px[f], py[f], bs[f])
        seg[todo], t[todo], dist[todo] = bs, bt, bd
        rest = np.concatenate([far, todo[live]]) if len(live) else far
        if len(rest):
            seg[rest], t[rest], dist[rest] = self._kd_nearest(pts[rest])
        return seg, t, dist

    def _grid_rings(self, px: np.ndarray, py: np.ndarray, cx: np.ndarray, cy: np.ndarray,
                    fx: np.ndarray, fy: np.ndarray, bs: np.ndarray, bd: np.ndarray, live: np.ndarray,
                    rings: Iterable[int]) -> np.ndarray:
        """Search the rings of cells ``rings`` around the points ``live`` (in cells (cx, cy),
        at (fx, fy) within them; ascending positions), folding what they hold into the best
        segment and squared distance so far (``bs``, ``bd``, updated in place); returns the
        points that these rings did not settle."""
        cell, eps, nx, ny = self.cell_m, self._eps, self.nx, self.ny
        for r in rings:
            dx, dy, sx, sy, kx, ky = _RINGS[r] if r < len(_RINGS) else _ring(r)
            lcx, lcy, lfx, lfy = cx[live], cy[live], fx[live], fy[live]
            if r == 0:
                row = np.flatnonzero((lcx >= 0) & (lcx < nx) & (lcy >= 0) & (lcy < ny))
                key = lcy[row] * nx + lcx[row]
            else:
                lx = lcx[:, None] + dx
                ly = lcy[:, None] + dy
                valid = (lx >= 0) & (lx < nx) & (ly >= 0) & (ly < ny)
                # only cells that can hold a piece as close as the best so far
                gx = np.column_stack([lfx, np.zeros(len(live)), cell - lfx])[:, sx] + kx * cell
                gy = np.column_stack([lfy, np.zeros(len(live)), cell - lfy])[:, sy] + ky * cell
                gx *= gx
                gy *= gy
                gx += gy
                reach = np.sqrt(bd[live])
                reach += 2.0 * eps
                reach *= reach
                valid &= gx <= reach[:, None]
                row, col = np.nonzero(valid)
                key = ly[row, col] * nx + lx[row, col]
            start = self.cell_ptr[key]
            count = self.cell_ptr[key + 1] - start
            some = count > 0
            if some.any():
                owner, start, count = live[row[some]], start[some], count[some]
                cand = self.cell_seg[_ranges(start, count)]
                d2, _ = self._exact(np.repeat(px[owner], count), np.repeat(py[owner], count), cand,
                                    squared=True)
                _merge_best(bd, bs, owner, count, d2, cand)
            # settled: no segment outside the block of cells searched can be as close
            rc = r * cell
            border = np.minimum(
                np.minimum(np.where(lcx - r > 0, lfx + rc, np.inf),
                           np.where(lcx + r < nx - 1, (cell - lfx) + rc, np.inf)),
                np.minimum(np.where(lcy - r > 0, lfy + rc, np.inf),
                           np.where(lcy + r < ny - 1, (cell - lfy) + rc, np.inf)),
            )
            border -= eps
            live = live[~(np.sqrt(bd[live]) < border)]
            if len(live) == 0:
                break
        return live

    # ------------------------------------------------------------------ KD fallback
    def _kd_index(self) -> tuple[cKDTree, np.ndarray, float]:
        if self._kd is None:
            a = np.column_stack([self.seg_ax, self.seg_ay])
            d = np.column_stack([self.seg_dx, self.seg_dy])
            seg_len = self.segment_lengths()
            n_piece = np.maximum(1, np.ceil(seg_len / self.spacing_m)).astype(np.int64)
            sample_seg = np.repeat(np.arange(len(seg_len), dtype=np.int32), n_piece)
            first = np.cumsum(n_piece) - n_piece
            j = np.arange(len(sample_seg)) - np.repeat(first, n_piece)
            frac = (j + 0.5) / np.repeat(n_piece, n_piece)
            samples = a[sample_seg] + d[sample_seg] * frac[:, None]
            r_max = float((seg_len / n_piece).max() / 2.0) if len(n_piece) else 0.0
            self._kd = (kdtree(samples), sample_seg, r_max)
        return self._kd

    def _kd_nearest(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_nearest` through the KD-tree over segment samples."""
        n = len(pts)
        if n >= _SORT_MIN_POINTS:
            # nearby queries walk the same tree nodes: about 3x faster than in random order
            cell = np.floor(pts / _SORT_CELL_M).astype(np.int64)
            order = np.lexsort((cell[:, 0], cell[:, 1]))
            seg_s, t_s, dist_s = self._kd_nearest_sorted(pts[order])
            seg = np.empty(n, dtype=np.int64)
            t = np.empty(n)
            dist = np.empty(n)
            seg[order], t[order], dist[order] = seg_s, t_s, dist_s
            return seg, t, dist
        return self._kd_nearest_sorted(pts)

    def _kd_nearest_sorted(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tree, sample_seg, r_max = self._kd_index()
        n = len(pts)
        seg = np.full(n, -1, dtype=np.int64)
        t = np.zeros(n)
        dist = np.full(n, np.inf)
        pending = np.arange(n) if tree.n else np.empty(0, dtype=np.int64)
        k = self.k
        while len(pending):
            # the k nearest samples settle a point when no unseen piece can be as close
            # (strictly, so that ties go to the lowest segment whatever the tree's order)
            k = min(k, tree.n)
            p = pts[pending]
            dk, ik = tree.query(p, k=k, workers=_workers(len(p)))
            dk = np.asarray(dk).reshape(len(p), k)
            cand = sample_seg[np.asarray(ik).reshape(len(p), k)].astype(np.int64)
            d2, _ = self._exact(p[:, 0, None], p[:, 1, None], cand, squared=True)
            pick = _argmin_ties(d2, cand)  # by squared distance, as the grid search compares
            win = cand[np.arange(len(p)), pick]
            dw, tw = self._exact(p[:, 0], p[:, 1], win)
            seg[pending], t[pending], dist[pending] = win, tw, dw
            if k == tree.n:
                break
            pending = pending[dist[pending] >= dk[:, -1] - r_max]
            k *= 4
            if k > _MAX_K and len(pending):
                # the rest from every sample that can hold a piece as close
                balls = tree.query_ball_point(pts[pending], dist[pending] + r_max + 1e-9)
                sizes = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
                owner = np.repeat(np.arange(len(pending)), sizes)
                flat = np.fromiter(itertools.chain.from_iterable(balls), dtype=np.int64,
                                   count=int(sizes.sum()))
                cand2 = sample_seg[flat].astype(np.int64)
                q = pts[pending][owner]
                d2, _ = self._exact(q[:, 0], q[:, 1], cand2, squared=True)
                order = np.lexsort((cand2, d2, owner))
                first = np.ones(len(order), dtype=bool)
                first[1:] = owner[order][1:] != owner[order][:-1]
                best = order[first]
                dw, tw = self._exact(q[best, 0], q[best, 1], cand2[best])
                seg[pending], t[pending], dist[pending] = cand2[best], tw, dw
                break
        return seg, t, dist


#: Points per chunk of a grid query (its temporaries then fit in the processor's cache).
_CHUNK_POINTS = 4096

#: Rings of grid cells searched around every point's own cell (more only for the points
#: these do not settle, up to _RING_BUDGET cells per ring, then the KD-tree).
_MAX_RING = 3
_RING_BUDGET = 2_000_000


def _ring(r: int) -> tuple[np.ndarray, ...]:
    """The cells at Chebyshev distance ``r`` from a point's cell: their column and row
    offsets ``dx``, ``dy``; the side of the point's cell they lie towards (``sx``, ``sy``:
    0 lower, 1 same, 2 higher: which of the point's gaps to its cell's sides counts) and
    the number of whole cells between (``kx``, ``ky``). The gap from the point to such a
    cell along x is ``[fx, 0, cell - fx][sx] + kx * cell``."""
    if r == 0:
        dx = dy = np.zeros(1, dtype=np.int64)
    else:  # the rows below and above the point's, then the columns left and right between
        span = np.arange(-r, r + 1, dtype=np.int64)
        side = np.arange(-r + 1, r, dtype=np.int64)
        dx = np.concatenate([span, span, np.full(len(side), -r), np.full(len(side), r)])
        dy = np.concatenate([np.full(len(span), -r), np.full(len(span), r), side, side])
    return (dx, dy, np.sign(dx) + 1, np.sign(dy) + 1,
            np.maximum(np.abs(dx) - 1, 0).astype(np.float64), np.maximum(np.abs(dy) - 1, 0).astype(np.float64))


_RINGS = [_ring(r) for r in range(_MAX_RING + 1)]


def _box_cells(seg: np.ndarray, c0x: np.ndarray, c0y: np.ndarray, wide: np.ndarray, high: np.ndarray,
               nx: int, *, skip_first: bool) -> np.ndarray:
    """``(cell << 32) | seg`` of every cell of boxes from cell (c0x, c0y), ``wide`` + 1
    columns and ``high`` + 1 rows each (row by row; ``skip_first``: without the lower left
    cell), one box per segment of ``seg``."""
    w = wide + 1
    cnt = w * (high + 1) - int(skip_first)
    j = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt) + int(skip_first)
    wj = np.repeat(w, cnt)
    cell = np.repeat(c0y.astype(np.int64), cnt)
    cell += j // wj
    cell *= nx
    cell += np.repeat(c0x.astype(np.int64), cnt)
    cell += j % wj
    cell <<= 32
    cell |= np.repeat(np.asarray(seg, dtype=np.int64), cnt)
    return cell


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for every (s, c) with ``c > 0``."""
    keep = counts > 0
    starts, counts = starts[keep], counts[keep]
    step = np.ones(int(counts.sum()), dtype=np.int64)
    first = np.cumsum(counts) - counts
    step[0] = starts[0]
    step[first[1:]] = starts[1:] - (starts[:-1] + counts[:-1] - 1)
    return np.cumsum(step)


def _merge_best(bd: np.ndarray, bs: np.ndarray, owner: np.ndarray, count: np.ndarray, d: np.ndarray,
                cand: np.ndarray) -> None:
    """Fold candidates into the best so far (``bd``, ``bs``): the smallest distance, among
    equal ones the lowest segment. The candidates come in runs of ``count`` (> 0) for
    point ``owner`` (sorted; a point may own consecutive runs), at distance ``d`` from
    segment ``cand``."""
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    if not first.all():  # several runs of one point: one run per point
        at = np.flatnonzero(first)
        count = np.add.reduceat(count, at)
        owner = owner[at]
    starts = np.cumsum(count) - count
    dm = np.minimum.reduceat(d, starts)
    # among the candidates at their point's minimum the lowest segment
    sm = np.minimum.reduceat(np.where(d == np.repeat(dm, count), cand, _NO_SEGMENT), starts)
    old = bd[owner]
    better = dm < old
    better |= (dm == old) & (sm < bs[owner])
    upd = owner[better]
    bd[upd], bs[upd] = dm[better], sm[better]


#: Larger than every segment position (the tie-break's neutral value).
_NO_SEGMENT = np.iinfo(np.int32).max


#: Up to this many nearest samples are examined (8, then 32) before a ball query.
_MAX_K = 32


def _argmin_ties(d: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per row, the column of the smallest ``d``; among equal ``d`` the smallest ``key``."""
    big = np.where(d == d.min(axis=1, keepdims=True), key, np.iinfo(np.int64).max)
    return np.argmin(big, axis=1)
