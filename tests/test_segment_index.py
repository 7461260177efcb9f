"""The grid segment index (afweging.geo.snap.SegmentIndex) against brute force.

Every answer (nearest segment, distance, position on it) must be exactly the one of
measuring every segment with the same formula and taking the smallest distance, the
lowest segment position among equal distances; the KD-tree path (used for points far
from the grid) must give the same numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from afweging.geo import snap
from afweging.geo.snap import SegmentIndex


def _brute(index: SegmentIndex, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest segment by measuring all of them (same formula: the smallest squared distance),
    ties to the lowest; its distance and parameter as the index reports them."""
    if len(pts) > 256:  # in parts, so that the (points x segments) arrays stay small
        parts = [_brute(index, pts[i:i + 256]) for i in range(0, len(pts), 256)]
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]
    m = index.n_segments
    d2, _ = index._exact(pts[:, 0, None], pts[:, 1, None], np.arange(m)[None, :], squared=True)
    d, t = index._exact(pts[:, 0, None], pts[:, 1, None], np.arange(m)[None, :])
    np.testing.assert_allclose(np.sqrt(d2), d, rtol=1e-12, atol=1e-9)
    dmin = d2.min(axis=1)
    seg = np.argmax(d2 == dmin[:, None], axis=1)  # first (lowest) segment at the minimum
    rows = np.arange(len(pts))
    return seg, t[rows, seg], d[rows, seg]


def _tie_network(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Polylines with awkward cases: a lattice (points equidistant from several segments),
    zero-length segments, the same segment twice, long segments over many cells, and
    random short pieces."""
    verts: list[list[float]] = []
    seg_a: list[int] = []
    seg_b: list[int] = []
    seg_line: list[int] = []

    def line(coords: list[tuple[float, float]]) -> None:
        base = len(verts)
        verts.extend([list(c) for c in coords])
        k = len(coords) - 1
        seg_a.extend(range(base, base + k))
        seg_b.extend(range(base + 1, base + k + 1))
        seg_line.extend([len(set(seg_line))] * k)

    # a 100 m lattice of two-piece streets: its centres are equally far from four sides
    for i in range(6):
        for j in range(5):
            line([(i * 100.0, j * 100.0), (i * 100.0, j * 100.0 + 50.0), (i * 100.0, (j + 1) * 100.0)])
            line([(j * 100.0, i * 100.0), (j * 100.0 + 50.0, i * 100.0), ((j + 1) * 100.0, i * 100.0)])
    line([(250.0, 250.0), (250.0, 250.0)])  # zero length, inside a block
    line([(720.0, 30.0), (720.0, 30.0), (760.0, 30.0)])  # zero-length first piece
    line([(120.0, 130.0), (160.0, 130.0)])
    line([(120.0, 130.0), (160.0, 130.0)])  # the same street again: always a tie
    line([(-400.0, -300.0), (900.0, 800.0)])  # long, over many cells
    for _ in range(150):
        start = rng.uniform(-200, 900, 2)
        steps = rng.uniform(-60, 60, (int(rng.integers(1, 4)), 2))
        coords = np.vstack([start, start + np.cumsum(steps, axis=0)])
        line([tuple(c) for c in coords])
    return (np.array(verts), np.array(seg_a, dtype=np.int32), np.array(seg_b, dtype=np.int32),
            np.array(seg_line, dtype=np.int32))


def _points(rng: np.random.Generator) -> np.ndarray:
    lattice = np.array([(x + 50.0, y + 50.0) for x in range(0, 500, 100) for y in range(0, 500, 100)])
    on = np.array([[0.0, 0.0], [100.0, 50.0], [250.0, 250.0], [140.0, 130.0], [140.0, 131.0],
                   [740.0, 30.0], [720.0, 30.0]])
    return np.vstack([
        lattice, on,
        rng.uniform(-300, 1000, (3000, 2)),        # in and around the grid
        rng.uniform(-3000, 4000, (300, 2)),        # some far outside (KD-tree path)
        np.round(rng.uniform(0, 500, (500, 2)) / 25.0) * 25.0,  # on a 25 m raster: many ties
    ])


@pytest.mark.parametrize(("cell_m", "ring_budget"), [
    (None, None), (7.0, None), (7.0, 0), (35.0, None), (100.0, None), (1000.0, None),
])
def test_grid_index_equals_brute_force_with_ties_and_zero_length(cell_m, ring_budget, monkeypatch):
    # 7 m cells: points in the lattice's blocks need many rings (budget 0: the KD-tree
    # answers every point the first rings do not settle)
    if ring_budget is not None:
        monkeypatch.setattr(snap, "_RING_BUDGET", ring_budget)
    rng = np.random.default_rng(17)
    verts, seg_a, seg_b, seg_line = _tie_network(rng)
    index = SegmentIndex(verts, seg_a, seg_b, seg_line, cell_m=cell_m)
    pts = _points(rng)
    seg, t, dist = index._nearest(pts)
    want_seg, want_t, want_d = _brute(index, pts)
    np.testing.assert_array_equal(seg, want_seg)
    np.testing.assert_array_equal(dist, want_d)
    np.testing.assert_array_equal(t, want_t)
    # ties really occur, and go to the lowest segment: the duplicated street is never chosen
    copies = np.flatnonzero((verts[seg_a] == [120.0, 130.0]).all(axis=1) & (verts[seg_b] == [160.0, 130.0]).all(axis=1))
    assert len(copies) == 2
    assert (seg == copies[0]).any() and not (seg == copies[1]).any()
    # the KD-tree path gives the same answers
    kd_seg, kd_t, kd_d = index._kd_nearest(pts)
    np.testing.assert_array_equal(kd_seg, seg)
    np.testing.assert_array_equal(kd_d, dist)
    np.testing.assert_array_equal(kd_t, t)


def test_grid_index_many_points_in_chunks_come_back_in_input_order():
    # more points than a chunk and than the sorting threshold, in random order
    rng = np.random.default_rng(5)
    verts, seg_a, seg_b, seg_line = _tie_network(rng)
    index = SegmentIndex(verts, seg_a, seg_b, seg_line)
    pts = rng.uniform(-100, 900, (max(snap._SORT_MIN_POINTS, 2 * snap._CHUNK_POINTS) + 123, 2))
    got = index.nearest(pts, max_distance_m=30.0)
    check = rng.choice(len(pts), 400, replace=False)
    seg, _, dist = _brute(index, pts[check])
    np.testing.assert_array_equal(got.distance_m[check], dist)
    np.testing.assert_array_equal(got.line[check], seg_line[seg])
    one = [index.nearest(p, max_distance_m=30.0) for p in pts[check[:50]]]
    for field in ("line", "along_m", "distance_m", "within", "at_start", "at_end"):
        np.testing.assert_array_equal(getattr(got, field)[check[:50]], [getattr(o, field)[0] for o in one])


def test_grid_index_degenerate_inputs():
    # no segments; a single point-like segment; all segments on one horizontal line
    empty = SegmentIndex(np.zeros((0, 2)), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32))
    got = empty.nearest(np.array([[1.0, 2.0]]))
    assert got.line.tolist() == [-1] and np.isinf(got.distance_m[0]) and not got.within[0]
    dot = SegmentIndex(np.array([[5.0, 5.0], [5.0, 5.0]]), np.array([0]), np.array([1]), np.array([0]))
    got = dot.nearest(np.array([[8.0, 9.0], [5.0, 5.0]]))
    assert got.line.tolist() == [0, 0] and got.distance_m.tolist() == [5.0, 0.0]
    flat_v = np.array([[0.0, 0.0], [100.0, 0.0], [300.0, 0.0]])
    flat = SegmentIndex(flat_v, np.array([0, 1]), np.array([1, 2]), np.array([0, 1]))
    pts = np.array([[50.0, 10.0], [100.0, 5.0], [250.0, -40.0], [1000.0, 0.0]])
    seg, _, dist = flat._nearest(pts)
    assert seg.tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(dist, [10.0, 5.0, 40.0, 700.0])


def test_points_with_nan_or_inf_coordinates_are_refused_in_dutch():
    """A home or facility without finite coordinates cannot be snapped: a Dutch message
    naming the rows, not a scipy ValueError from the KD-tree."""
    import geopandas as gpd
    from shapely.geometry import Point

    from afweging._errors import InvalidGeometryError
    from afweging.geo.snap import point_xy

    pts = gpd.GeoSeries([Point(1, 2), Point(float("nan"), float("nan")), Point(float("inf"), 1)],
                        index=["a", "b", "c"])
    with pytest.raises(InvalidGeometryError, match=r"woningen: 2 punt\(en\) .*geen eindig getal.*\['b', 'c'\]"):
        point_xy(pts, what="woningen")
    assert point_xy(pts.iloc[:1], what="woningen").tolist() == [[1.0, 2.0]]


def test_long_diagonal_segments_take_cells_in_proportion_to_their_length():
    # long roads without interior vertices (a rural road, a ferry line) among many short
    # streets (which make the cells small): listed in the cells along them, not in every
    # cell of their bounding box (which grows with the square of the length); answers
    # equal to brute force
    rng = np.random.default_rng(3)
    n_long, n_short = 40, 8_000
    a = rng.uniform(0, 10_000, (n_long, 2))
    b = a + rng.uniform(-5_000, 5_000, (n_long, 2))
    s0 = rng.uniform(0, 10_000, (n_short, 2))
    s1 = s0 + rng.uniform(-40, 40, (n_short, 2))
    verts = np.vstack([a, b, s0, s1])
    k = n_long + n_short
    seg_a = np.concatenate([np.arange(n_long), 2 * n_long + np.arange(n_short)]).astype(np.int32)
    seg_b = np.concatenate([n_long + np.arange(n_long), 2 * n_long + n_short + np.arange(n_short)]).astype(np.int32)
    index = SegmentIndex(verts, seg_a, seg_b, np.arange(k, dtype=np.int32), cell_m=120.0)
    cell = index.cell_m
    assert cell == 120.0
    owner = np.repeat(np.arange(len(index.cell_ptr) - 1), np.diff(index.cell_ptr))
    listed = np.bincount(index.cell_seg, minlength=k)[:n_long]
    # each piece (at most a cell wide and high) lies in at most 2 x 2 (3 x 3 at a rounding
    # margin) cells: at most 9 per cell of length
    along = np.ceil(np.abs(b - a).max(axis=1) / cell)
    assert (listed <= 9 * (along + 1)).all()
    box = (np.floor(np.abs(b - a) / cell) + 2).prod(axis=1)
    assert listed.sum() < 0.2 * box.sum()  # their bounding boxes hold over 5x more cells
    # each segment at most once per cell, and in every cell it passes through (sampled)
    assert len(np.unique(owner.astype(np.int64) * k + index.cell_seg)) == len(index.cell_seg)
    f = np.linspace(0.0, 1.0, 2001)
    on = (a[:, None, :] + (b - a)[:, None, :] * f[None, :, None]).reshape(-1, 2)
    cxy = np.floor((on - index.origin) / cell).astype(np.int64)
    want = np.unique(cxy[:, 1] * index.nx + cxy[:, 0] + (np.repeat(np.arange(n_long), len(f)) << 32))
    have = owner[index.cell_seg < n_long].astype(np.int64) + (index.cell_seg[index.cell_seg < n_long].astype(np.int64) << 32)
    assert np.isin(want, have).all()
    pts = np.vstack([rng.uniform(-1_000, 11_000, (500, 2)), a + 0.5 * (b - a)])
    seg, t, dist = index._nearest(pts)
    want_seg, want_t, want_d = _brute(index, pts)
    np.testing.assert_array_equal(seg, want_seg)
    np.testing.assert_array_equal(dist, want_d)
    np.testing.assert_array_equal(t, want_t)


def test_polylines_with_their_own_numbers():
    """Polylines numbered in any way (not 0, 1, 2 ... in order): the answer names them by
    their own number, the same point on the same segments as with plain numbering; plain
    numbering keeps no per-segment polyline array (the run's position is the number)."""
    rng = np.random.default_rng(11)
    verts, seg_a, seg_b, seg_line = _tie_network(rng)
    plain = SegmentIndex(verts, seg_a, seg_b, seg_line)
    assert plain.seg_line is None
    ids = rng.permutation(10 * (int(seg_line.max()) + 1))[: int(seg_line.max()) + 1] + 7
    own = SegmentIndex(verts, seg_a, seg_b, ids[seg_line].astype(np.int64))
    assert own.seg_line is not None
    pts = rng.uniform(-100, 900, (3000, 2))
    a, b = plain.nearest(pts), own.nearest(pts)
    np.testing.assert_array_equal(b.line, ids[a.line])
    for field in ("along_m", "distance_m", "at_start", "at_end"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    seg, _, dist = _brute(plain, pts[:300])
    np.testing.assert_array_equal(b.line[:300], ids[seg_line[seg]])
    np.testing.assert_array_equal(b.distance_m[:300], dist)


# (a, b) and (c, 0) are equally far from the origin by np.hypot (c = hypot(a, b)), but
# a*a + b*b > c*c in floating point: the grid compares squared distances, the KD-tree
# fallback np.hypot distances
A, B = 107.246, 190.588
C = float(np.hypot(A, B))


def _two_streets(cell_m: float | None) -> SegmentIndex:
    verts = np.array([[A, B], [A, B + 50.0], [C, 0.0], [C + 50.0, 0.0]])
    return SegmentIndex(verts, np.array([0, 2], np.int32), np.array([1, 3], np.int32),
                        np.array([0, 1], np.int32), cell_m=cell_m)


def test_kd_tie_case_is_what_it_claims():
    assert np.hypot(A, B) == np.hypot(C, 0.0)
    assert A * A + B * B > C * C


@pytest.mark.parametrize("cell_m", [None, 1.0, 5.0, 1000.0])
def test_nearest_street_does_not_depend_on_the_grid_or_the_kd_fallback(cell_m):
    # the answer must not depend on the grid: the point's own block answers with cells of
    # None / 1000 m, the KD-tree fallback with 1 m / 5 m cells (the point far outside the
    # grid); both compare squared distances (by np.hypot they would differ: street 0)
    idx = _two_streets(cell_m)
    p = np.array([[0.0, 0.0]])
    assert idx.nearest(p).line.tolist() == _two_streets(None).nearest(p).line.tolist()
    seg_grid = idx._nearest(p)[0]
    seg_kd = idx._kd_nearest(p)[0]
    assert seg_grid.tolist() == seg_kd.tolist()


def test_kd_fallback_agrees_with_grid_on_random_cases():
    # collinear overlapping, vertex-sharing, zero-length and long segments, whole-metre
    # coordinates (many equal distances), half of them at RD offsets: the grid and the
    # KD-tree fallback must pick the same segment for every point
    rng = np.random.default_rng(0)
    bad = 0
    for it in range(100):
        off = np.array([155000.0, 463000.0]) * (it % 2)
        segs: list[tuple[np.ndarray, np.ndarray]] = []
        for _ in range(int(rng.integers(2, 40))):
            r = rng.random()
            a = rng.uniform(0, 1000, 2)
            if r < 0.2:
                b = a + rng.uniform(-3000, 3000, 2)
            elif r < 0.3:
                b = a.copy()
            elif r < 0.5 and segs:
                pa, pb = segs[int(rng.integers(len(segs)))]
                f0, f1 = rng.uniform(-0.5, 1.5, 2)
                a, b = pa + (pb - pa) * f0, pa + (pb - pa) * f1
            elif r < 0.6 and segs:
                a = segs[int(rng.integers(len(segs)))][1].copy()
                b = a + rng.uniform(-50, 50, 2)
            else:
                b = a + rng.uniform(-60, 60, 2)
            if r >= 0.5 and rng.random() < 0.3:  # whole metres (equal distances)
                a, b = np.round(a), np.round(b)
            segs.append((a, b))
        verts = np.array([p for s in segs for p in s]) + off
        n = len(segs)
        sa = np.arange(0, 2 * n, 2, dtype=np.int32)
        idx = SegmentIndex(verts, sa, sa + 1, np.arange(n, dtype=np.int32))
        pts = np.vstack([rng.uniform(-1500, 2500, (200, 2)), np.round(rng.uniform(-100, 1100, (100, 2)) / 10) * 10]) + off
        bad += int((idx._nearest(pts)[0] != idx._kd_nearest(pts)[0]).sum())
    assert bad == 0
