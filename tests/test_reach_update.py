"""``homes_near`` (which homes a new or closed facility can affect, in
:func:`~afweging.analyses.reach.update.update_reachability`) against its definition:
every home measured against every facility."""

from __future__ import annotations

import numpy as np
import pytest

from afweging.analyses.reach import update
from afweging.analyses.reach.update import homes_near, mark_near


def every_pair(hx, hy, fxy, radii, *, inclusive):
    """The definition, as update_reachability computed it before: every home against
    every facility, for every radius."""
    out = np.zeros(len(hx), dtype=bool)
    for x, y in fxy:
        d = np.hypot(hx - x, hy - y)
        for radius in radii:
            out |= (d <= radius) if inclusive else (d < radius)
    return out


def test_homes_near_by_hand():
    # homes at x = 0, 10, 20 m; a facility at (13, 4): 13.6..., 5, 8.06... m away
    hxy = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    fxy = np.array([[13.0, 4.0]])
    r = np.array([20.0, 5.0, 8.0])  # the middle home exactly at its radius
    hx, hy = hxy[:, 0].copy(), hxy[:, 1].copy()
    assert homes_near(hx, hy, hxy, fxy, [r], inclusive=False).tolist() == [True, False, False]
    assert homes_near(hx, hy, hxy, fxy, [r], inclusive=True).tolist() == [True, True, False]
    # a second radius (another mode) adds the last home; -1 (no radius) never counts
    assert homes_near(hx, hy, hxy, fxy, [r, np.array([-1.0, -1.0, 9.0])], inclusive=False).tolist() == [
        True, False, True]
    assert not homes_near(hx, hy, hxy, fxy, [np.full(3, -1.0)], inclusive=True).any()
    assert not homes_near(hx, hy, hxy, np.empty((0, 2)), [r], inclusive=True).any()


@pytest.mark.parametrize("k", [250, 40])  # the KD-tree's path, and one pass per point
@pytest.mark.parametrize("inclusive", [False, True])
def test_homes_near_equals_every_pair_on_a_random_case(inclusive, k):
    assert (k >= update._KD_MIN_POINTS) == (k == 250)
    rng = np.random.default_rng(7)
    n = 5000
    hxy = rng.uniform(0, 5000, (n, 2)).round(1)
    fxy = rng.uniform(0, 5000, (k, 2)).round(1)
    fxy[:3] = hxy[:3]  # facilities on a home's spot (distance 0)
    hx, hy = hxy[:, 0].copy(), hxy[:, 1].copy()
    radii = []
    for _ in range(2):  # two modes
        r = rng.uniform(0, 6000 / np.sqrt(k), n)
        r[rng.random(n) < 0.1] = -1.0  # beyond the limit (closed facilities)
        r[:3] = 0.0
        # a fifth of the homes exactly at the np.hypot distance of a random facility, some
        # of them at their nearest one: the comparison at the boundary decides
        at = np.flatnonzero(rng.random(n) < 0.2)
        j = rng.integers(0, k, len(at))
        r[at] = np.hypot(hx[at] - fxy[j, 0], hy[at] - fxy[j, 1])
        near = at[::2]
        r[near] = np.hypot(hx[near, None] - fxy[:, 0], hy[near, None] - fxy[:, 1]).min(axis=1)
        radii.append(r)
    want = every_pair(hx, hy, fxy, radii, inclusive=inclusive)
    got = homes_near(hx, hy, hxy, fxy, radii, inclusive=inclusive)
    np.testing.assert_array_equal(got, want)
    assert 0.05 < want.mean() < 0.95  # not vacuous
    # the boundary matters: exactly at the radius counts only when inclusive
    other = every_pair(hx, hy, fxy, radii, inclusive=not inclusive)
    assert (other != want).sum() > 100


@pytest.mark.parametrize("inclusive", [False, True])
def test_mark_near_over_categories_equals_every_pair(inclusive):
    # three categories with their own radii (two modes), 1, 5 and 30 new points; some
    # homes affected beforehand (changed homes) stay so
    rng = np.random.default_rng(11)
    n = 4000
    hxy = rng.uniform(0, 4000, (n, 2))
    hx, hy = hxy[:, 0].copy(), hxy[:, 1].copy()
    cats = np.array(["a"] * 1 + ["b"] * 5 + ["c"] * 30, dtype=object)
    pts = rng.uniform(0, 4000, (len(cats), 2))
    radii = {c: [rng.uniform(0, 600, n), np.where(rng.random(n) < 0.5, rng.uniform(0, 300, n), -1.0)]
             for c in "abc"}
    start = rng.random(n) < 0.05
    want = start.copy()
    for c in "abc":
        want |= every_pair(hx, hy, pts[cats == c], radii[c], inclusive=inclusive)
    got = start.copy()
    mark_near(got, hx, hy, hxy, pts, cats, radii.__getitem__, inclusive=inclusive)
    np.testing.assert_array_equal(got, want)
    assert start.sum() < want.sum() < n
