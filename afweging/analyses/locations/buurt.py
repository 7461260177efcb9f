"""Candidate locations in one buurt: where would one new playground or meeting place help most?

A first step, for a buurt the priorities flagged. Candidate points are a regular grid inside the buurt
(``spacing_m``; default a quarter of the norm's distance, 10-100 m). For every candidate,
the travel time from every currently *unserved* home of the target group (beyond the
norm, in the buurt or within reach of it) to the candidate is computed with the
reachability engine's own rules (:func:`afweging.analyses.reach.coverage.site_coverage`:
along the network where the area has one and the home snaps to it, else straight line ×
detour factor). A candidate serves a home when that time is within the norm.

The best candidates are picked greedily
(:func:`~afweging.analyses.locations.solve.solve_greedy`): first the one that newly serves the
most target people; then, counting only people not yet served, the next, and so on. Among
candidates that serve the same number, the one closest (mean straight-line distance) to
the people it serves wins, which is where a person looking at the map would put it. For
several new sites across the whole city, chosen exactly and weighted by need, see
:func:`~afweging.analyses.locations.choice.choose_locations`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from afweging import settings
from afweging._errors import ConfigError, NoMatchError
from afweging._format import nl_int
from afweging.analyses.locations.solve import Constraints, solve_greedy
from afweging.analyses.priorities.config import NEAREST_QUESTIONS, load_priority_config
from afweging.analyses.priorities.inputs import PriorityInputs
from afweging.analyses.reach.coverage import RTOL, site_coverage
from afweging.data import tags
from afweging.geo.area import Area
from afweging.geo.grid import grid_points


def candidate_locations(
    area: Area,
    reach: Any,
    buurtcode: str,
    *,
    question: str = "speelplek",
    n: int = 3,
    config: str | Path | Mapping[str, Any] | None = None,
    spacing_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The best few places in a buurt for one new playground or meeting place.

    Parameters
    ----------
    area : Area
    reach : ReachabilityResult
        Its per-home minutes say who is unserved now.
    buurtcode : str
        The buurt to place the facility in.
    question : {"speelplek", "ontmoetingsplek"}
        Sets the category, the norm, the mode and the target group (from the settings).
    n : int
        How many candidates to return (fewer when nobody more can be served).
    config : path-like or mapping, optional
        Priorities settings (see :func:`afweging.analyses.priorities.prioritise`).
    spacing_m : float, optional
        Grid spacing of the candidate points.

    Returns
    -------
    GeoDataFrame
        One row per chosen candidate, in the order picked: ``rank``,
        ``people_newly_served`` (target people served by this one and by none picked
        before), ``people_newly_served_in_buurt``, ``people_unserved_before`` (in the
        buurt, before any new facility), ``network_pct`` (share of the newly served
        people whose time came from the network), ``reason`` (Dutch), Point geometry in
        EPSG:28992. Empty when nobody in the buurt is unserved.
    """
    if question not in NEAREST_QUESTIONS:
        raise ConfigError(
            f"candidate_locations: question={question!r}; candidate locations exist for "
            f"{list(NEAREST_QUESTIONS)} (one new facility of one kind)."
        )
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"candidate_locations: n={n!r}; give a whole number >= 1.")
    if buurtcode not in area.buurten.index:
        raise NoMatchError(
            f"candidate_locations: buurtcode {buurtcode!r} is not a buurt of {area.name!r} "
            f"(e.g. {area.buurten.index[:3].tolist()})."
        )
    cfg = load_priority_config(config)
    q = cfg.questions[question]
    assert q.categories is not None
    cat = q.categories[0]
    speed = settings.speed_m_per_min(q.mode)
    thr = q.threshold_minutes(speed)
    max_m = thr * speed
    if spacing_m is None:
        spacing_m = float(min(100.0, max(10.0, max_m / 4.0)))
    if not (isinstance(spacing_m, int | float) and math.isfinite(spacing_m) and spacing_m > 0):
        raise ValueError(f"candidate_locations: spacing_m={spacing_m!r}; give a positive number of metres.")

    inp = PriorityInputs(area, None, reach)
    homes = inp.homes()
    share = inp.group_share(q.group, for_what=f"candidate_locations({question!r})").fillna(0.0)
    w = homes["residents"].to_numpy() * homes["buurtcode"].map(share).fillna(0.0).to_numpy()
    t = inp.home_minutes(q.mode, cat)
    unserved = ~np.isnan(t) & (t > thr * (1.0 + RTOL)) & (w > 0)
    xy_all = inp.home_xy()
    in_buurt_all = homes["buurtcode"].to_numpy() == buurtcode
    poly = area.buurten.geometry.loc[buurtcode]
    # homes that a point in the buurt could serve lie within max_m (straight line) of it
    near = np.asarray(shapely.dwithin(poly, shapely.points(xy_all), max_m)) & unserved
    xy, wt, in_b = xy_all[near], w[near], in_buurt_all[near]
    unserved_before = float(w[unserved & in_buurt_all].sum())

    cols = ["rank", "people_newly_served", "people_newly_served_in_buurt",
            "people_unserved_before", "network_pct", "reason"]
    if unserved_before <= 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=settings.crs)

    cand = grid_points(poly, spacing_m)
    graph = None
    if area.has(f"network:{q.mode}"):
        from afweging.analyses.reach.graph import array_graph

        graph = array_graph(area.networks[q.mode], q.mode, what=f"Area.networks[{q.mode!r}]")
    rs = inp.reach_settings(q.mode)
    cov = site_coverage(graph, xy, inp.home_method(q.mode)[near], cand, mode=q.mode, minutes=thr,
                        detour_factor=rs.get("detour_factor"),
                        max_snap_distance_m=rs.get("max_snap_distance_m"))
    serves = cov.serves.toarray()
    on_net = cov.network.toarray()

    def closest(tied: np.ndarray, uncovered: np.ndarray) -> int:
        """Among equally good candidates, the one nearest to the people it newly serves."""
        mean_d = []
        for j in tied:
            sel = serves[j] & uncovered
            d = np.hypot(xy[sel, 0] - cand[j, 0], xy[sel, 1] - cand[j, 1])
            mean_d.append(float(np.average(d, weights=wt[sel])))
        return int(tied[int(np.argmin(mean_d))])

    picked = solve_greedy(cov.serves.T.tocsr(), wt, Constraints(n=n), tie_break=closest).order
    remaining = np.ones(len(xy), dtype=bool)
    rows = []
    label = tags.labels().get(cat, cat).lower()
    for r, best in enumerate(picked, start=1):
        newly = serves[best] & remaining
        people = float(wt[newly].sum())
        people_b = float(wt[newly & in_b].sum())
        net_pct = 100.0 * float(wt[newly & on_net[best]].sum()) / people if people > 0 else math.nan
        how_text = ("via het netwerk" if net_pct >= 99.5 else
                    "hemelsbreed × omrijfactor" if net_pct <= 0.5 else
                    "deels via het netwerk, deels hemelsbreed × omrijfactor")
        before = "" if r == 1 else f", bovenop de {r - 1} eerdere kandidaat{'en' if r > 2 else ''}"
        rows.append({
            "rank": r,
            "people_newly_served": people,
            "people_newly_served_in_buurt": people_b,
            "people_unserved_before": unserved_before,
            "network_pct": net_pct,
            "reason": (f"Een nieuwe {label} hier brengt {nl_int(people)} {q.group_label} binnen "
                       f"{q.norm_text()}{before} (van wie {nl_int(people_b)} in deze buurt, "
                       f"waar nu {nl_int(unserved_before)} verder wonen; afstand {how_text})."),
            "geometry": shapely.Point(cand[best]),
        })
        remaining &= ~serves[best]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=settings.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.crs)[[*cols, "geometry"]]
