"""Reachability of a changed Area, recomputing only the buurten whose homes can change.

A plan, a scenario or a new facility changes a few homes and facilities; the travel
times of every other home stay what they were. :func:`update_reachability` takes the
result for the Area *before* and the Area *after* and recomputes only the buurten whose
homes can change:

* buurten with new homes, or homes whose residents changed unevenly (demolition), given
  as ``changed_buurten`` / ``changed_homes``;
* buurten with a home that a **new** facility could bring closer: a home whose current
  time to the category is longer than the straight-line time to the new facility (every
  home within the search limit where its time is beyond the limit, or where the network
  had no route to some category: a new facility may give it its first route);
* buurten with a home that a **closed** facility could have served: a home whose current
  time to the category is at least the straight-line time to the closed facility.

A route is never shorter than the straight line (snapping, the fallback's and the
no-route estimate's detour factor only add to it), so no other home's time can change;
the tests check the result against a full recomputation. Every home gets the residents
of the Area after the change; the buurt figures of the buurten that are not recomputed
stay valid as long as the residents of their homes changed by one factor per buurt
(shares and quantiles weighted by residents do not change under a common factor), which
is how plans and population forecasts change them.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from afweging import _names, settings
from afweging.analyses.reach.reachability import ReachabilityResult, ReachMemo, reachability
from afweging.geo.area import Area
from afweging.geo.snap import kdtree, point_xy

_T = TypeVar("_T")


def _compute(key: str, make: Callable[[], _T]) -> _T:
    return make()


def closer_radius_m(reach: ReachabilityResult, mode: str, category: str) -> np.ndarray:
    """Per home: the straight-line distance within which a new facility of ``category``
    could shorten its time (its time times the speed; the search limit where the time is
    beyond the limit, or where the network had no route for some category: a new
    facility may give the home its first route)."""
    homes = reach.homes
    speed = settings.speed_m_per_min(mode)
    limit_m = reach.max_minutes * speed
    old = homes[_names.reach_home_col(mode, category)].to_numpy(dtype=float)
    radius = np.where(np.isfinite(old), old * speed, limit_m)
    radius[(homes[_names.reach_no_route_col(mode)] > 0).to_numpy()] = limit_m
    return radius


def served_radius_m(reach: ReachabilityResult, mode: str, category: str) -> np.ndarray:
    """Per home: the straight-line distance within which a facility of ``category`` may
    be the one its time leads to (its time times the speed; -1 where the time is beyond
    the limit: closing anything leaves it beyond)."""
    speed = settings.speed_m_per_min(mode)
    old = reach.homes[_names.reach_home_col(mode, category)].to_numpy(dtype=float)
    return np.where(np.isfinite(old), old * speed, -1.0)


#: From this many points on, :func:`homes_near` finds each home's nearest point with a
#: KD-tree; below, one pass over the homes per point is faster (the tree's query costs
#: about as much as ~200 such passes, ``benchmarks/bench_update_near.py``).
_KD_MIN_POINTS = 200

#: A home whose radius lies within this fraction of its nearest distance (KD-tree or
#: squared distances; plus as many metres) of that distance is compared with every point
#: by ``np.hypot``: far wider than the rounding of either distance, so :func:`homes_near`
#: gives exactly the result of comparing every home with every point.
_BAND = 1e-9


def homes_near(
    homes_x: np.ndarray,
    homes_y: np.ndarray,
    homes_xy: np.ndarray,
    points_xy: np.ndarray,
    radii: Iterable[np.ndarray],
    *,
    inclusive: bool,
) -> np.ndarray:
    """Per home: some point lies within one of its radii.

    The definition is ``np.hypot(homes_x - x, homes_y - y) < radius`` (``<=`` when
    ``inclusive``) for some point ``(x, y)`` of ``points_xy`` and some ``radius`` of
    ``radii``; it holds exactly when the nearest point does. Each home's nearest
    distance is found once for all radii (from :data:`_KD_MIN_POINTS` points on by a
    KD-tree query, below as the smallest squared distance, without ``np.hypot``'s
    cost); homes whose nearest distance lies within rounding of a radius
    (:data:`_BAND`) are decided by the definition itself.

    Parameters
    ----------
    homes_x, homes_y : ndarray of shape (n,)
        The homes' coordinates (contiguous columns of ``homes_xy``).
    homes_xy : ndarray of shape (n, 2)
    points_xy : ndarray of shape (k, 2)
    radii : iterable of ndarray of shape (n,)
        One radius per home (e.g. one array per travel mode); negative: none.
    inclusive : bool
        A point exactly at the radius counts.
    """
    out = np.zeros(len(homes_x), dtype=bool)
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    if not len(pts) or not len(out):
        return out
    if len(pts) >= _KD_MIN_POINTS:
        # the tree's own query, the homes in their given order (nearest_distance_m's sort
        # into cells pays off for large trees, not for these)
        d = kdtree(pts).query(homes_xy, k=1)[0]
    else:  # the smallest squared distance, one pass over the homes per point
        d2 = np.full(len(out), np.inf)
        dx, dy = np.empty(len(out)), np.empty(len(out))
        for x, y in pts:
            np.subtract(homes_x, x, out=dx)
            np.multiply(dx, dx, out=dx)
            np.subtract(homes_y, y, out=dy)
            np.multiply(dy, dy, out=dy)
            dx += dy
            np.minimum(d2, dx, out=d2)
        d = np.sqrt(d2, out=d2)
    # the true distance lies within (hi, lo) (rounding: a few units in the last place)
    lo = d * (1.0 + _BAND) + _BAND
    hi = d * (1.0 - _BAND) - _BAND
    for r in radii:
        sure = r > lo
        out |= sure
        unsure = np.flatnonzero((r > hi) & ~sure)
        if len(unsure):
            exact = np.hypot(homes_x[unsure, None] - pts[:, 0], homes_y[unsure, None] - pts[:, 1]).min(axis=1)
            out[unsure] |= (exact <= r[unsure]) if inclusive else (exact < r[unsure])
    return out


def mark_near(
    affected: np.ndarray,
    homes_x: np.ndarray,
    homes_y: np.ndarray,
    homes_xy: np.ndarray,
    points_xy: np.ndarray,
    categories: np.ndarray,
    radii: Callable[[str], list[np.ndarray]],
    *,
    inclusive: bool,
) -> None:
    """Set ``affected`` for every home near a point of its category (:func:`homes_near`
    with ``radii(category)``), category by category."""
    for cat in sorted(set(categories)):
        affected |= homes_near(homes_x, homes_y, homes_xy, points_xy[categories == cat], radii(cat),
                               inclusive=inclusive)


def _columns_of(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])


def update_reachability(
    before: ReachabilityResult,
    area: Area,
    *,
    changed_homes: Iterable[object] = (),
    changed_buurten: Iterable[str] = (),
    new_facilities: gpd.GeoDataFrame | None = None,
    closed_facilities: gpd.GeoDataFrame | None = None,
    derived: Callable[[str, Callable[[], Any]], Any] = _compute,
) -> tuple[ReachabilityResult, list[str]]:
    """The reachability of ``area``, from ``before`` (computed for an earlier state of it).

    Parameters
    ----------
    before : ReachabilityResult
        For the Area before the change; its modes, categories and limits are reused.
    area : Area
        The Area after the change: homes (those of ``before`` minus none, plus new homes
        that lie in ``changed_buurten``) and facilities.
    changed_homes : iterable
        Home ids whose residents changed other than by their buurt's common factor.
    changed_buurten : iterable of str
        Buurten to recompute in any case (new homes, demolition).
    new_facilities, closed_facilities : GeoDataFrame, optional
        Facility points (``category``) added and removed.
    derived : callable, optional
        ``derived(key, make)`` returns ``make()``, possibly kept from an earlier call with
        the same ``before`` (the plan check keeps the home coordinates and search radii
        with its baseline).

    Returns
    -------
    (ReachabilityResult, list of str)
        The result and the buurten that were recomputed (sorted).
    """
    homes_b = before.homes
    changed_list = list(changed_homes)
    affected = (homes_b.index.isin(pd.Index(changed_list)) if changed_list
                else np.zeros(len(homes_b), dtype=bool))
    for frame, radius_of, what in ((new_facilities, closer_radius_m, "closer"),
                                   (closed_facilities, served_radius_m, "served")):
        if frame is None or not len(frame):
            continue
        frame = frame[frame["category"].isin(before.categories)]
        if not len(frame):
            continue
        hxy = derived("homes_xy", lambda: point_xy(homes_b, what="woningen (reach.homes)"))
        fxy = point_xy(frame, what="nieuwe of veranderde voorzieningen")
        fcat = frame["category"].to_numpy()
        hx, hy = derived("homes_x_y", functools.partial(_columns_of, hxy))

        def radii(cat: str, radius_of: Callable[..., np.ndarray] = radius_of, what: str = what) -> list[np.ndarray]:
            return [derived(f"radius:{what}:{mode}:{cat}", functools.partial(radius_of, before, mode, cat))
                    for mode in before.modes]

        mark_near(affected, hx, hy, hxy, fxy, fcat, radii, inclusive=what == "served")
    buurt_of_home = derived("homes_buurtcode", lambda: homes_b["buurtcode"].to_numpy(dtype=object))
    codes = set(buurt_of_home[affected].tolist()) | set(changed_buurten)
    recomputed = sorted(str(c) for c in codes if pd.notna(c))
    homes_after: gpd.GeoDataFrame = area.require("homes", for_what="Reachability (bereikbaarheid)")
    residents = pd.to_numeric(homes_after["residents"], errors="coerce").to_numpy()
    if not recomputed:
        homes = homes_b.loc[homes_after.index].copy()
        homes["residents"] = residents
        return dataclasses.replace(before, homes=homes, buurten=before.buurten.copy()), []
    sub_area = dataclasses.replace(area, homes=homes_after[homes_after["buurtcode"].isin(recomputed)])
    with warnings.catch_warnings():
        # the caveats of a subset of homes describe that subset, not the area: the
        # result before the change keeps the area's own
        warnings.simplefilter("ignore")
        # with a caller's warm cache (Baseline.warm): snaps, searches and KD-trees of
        # the Area before the change reused; a cold one is not worth filling for one call
        memo = None if derived is _compute else derived("reach_memo", lambda: ReachMemo(
            derived("homes_xy", lambda: point_xy(homes_b, what="woningen (reach.homes)"))))
        if memo is not None and not memo.warmed:
            memo = None
        sub = reachability(sub_area, modes=before.modes, minutes=before.minutes,
                           categories=list(before.categories), max_minutes=before.max_minutes,
                           memo=memo, methods_table=False)
    # every home from the recomputed ones where it is one of them, else from before
    in_sub = sub.homes.index.get_indexer(homes_after.index)
    in_before = homes_b.index.get_indexer(homes_after.index)
    rows = np.where(in_sub >= 0, len(homes_b) + in_sub, in_before)
    if (rows < 0).any():
        missing = homes_after.index[rows < 0][:5].tolist()
        raise KeyError(f"homes {missing} are new but lie outside changed_buurten")
    homes = gpd.GeoDataFrame(pd.concat([homes_b, sub.homes]).iloc[rows], geometry=homes_b.geometry.name,
                             crs=homes_b.crs)
    homes["residents"] = residents
    buurten = before.buurten.copy()
    buurten.loc[recomputed] = sub.buurten.loc[recomputed].to_numpy()
    return dataclasses.replace(before, homes=homes, buurten=buurten), recomputed
