"""Which origins does each candidate site serve within a time limit? (many-to-many)

Location questions (a new playground: which homes come within 200 m?) need the travel
time from every home to every candidate site, not only to the nearest facility. This
module answers that with the reachability engine's own rules (see
:mod:`afweging.analyses.reach.reachability`), so that adding a site as a facility and
running :func:`~afweging.analyses.reach.reachability.reachability` again gives exactly
the homes it reported:

* an origin whose method is ``"fallback"`` (no network, or outside its extent) is served
  when straight-line distance × detour factor / speed is within the limit;
* an origin whose method is ``"network"`` gets its time from
  :func:`~afweging.analyses.reach.reachability.travel_minutes` with the site as the only
  destination: along the network when the site lies in the network's extent, else
  straight line × detour factor;
* when no route at all leads from a network origin to a site in the extent (a one-way
  street out of a fragment, a piece cut off from the rest), the engine estimates the time
  in a straight line only for a home that has no route to *any* facility of the
  category. So such a pair counts only for the origins marked ``no_route_ok`` (they have
  no route to an existing facility); for the others the site adds nothing.

Because the time to a set of facilities is the minimum of the times to each of them (the
engine searches from all facilities at once), a home is served by a set of sites exactly
when one of them serves it: coverage is decomposable per site. (The one exception: a
``no_route_ok`` home covered only in a straight line by a site it cannot reach loses
that estimate when another chosen site it *can* reach lies beyond the norm. That takes a
home on a cut-off piece of network with sites on both sides; the plan check test would
show it.)

Only origins within the straight-line equivalent of the limit are routed (a route is never
shorter than the straight line: network edges are at least as long as the line between
their ends, and the snap distances are added at both ends).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from afweging import settings
from afweging.analyses.reach.graph import ArrayGraph, check_mode
from afweging.analyses.reach.reachability import FALLBACK, NETWORK, NO_ROUTE, travel_minutes
from afweging.geo.snap import kdtree

#: Relative tolerance when comparing a time with the limit (the same as the priorities:
#: a home at exactly the norm is within it).
RTOL = 1e-9


@dataclass(frozen=True)
class SiteCoverage:
    """Which origins each site serves.

    Attributes
    ----------
    serves : scipy.sparse.csr_matrix of bool, shape (n_sites, n_origins)
        The origin's time to the site is within the limit.
    network : scipy.sparse.csr_matrix of bool, same shape
        Served, and the time came from the network (the origin and the site both lie on
        it); the other served pairs are straight line × detour factor.
    site_method : ndarray of str
        Per site: ``"network"`` (it lies in the network's extent) or ``"fallback"``
        (outside it, or no network: reached in a straight line).
    """

    serves: sp.csr_matrix
    network: sp.csr_matrix
    site_method: np.ndarray


def site_coverage(
    graph: ArrayGraph | None,
    origins_xy: np.ndarray,
    origin_method: np.ndarray,
    sites_xy: np.ndarray,
    *,
    mode: str,
    minutes: float,
    no_route_ok: np.ndarray | None = None,
    detour_factor: float | None = None,
    max_snap_distance_m: float | None = None,
) -> SiteCoverage:
    """The origins every site serves within ``minutes``, by the reachability engine's rules.

    Parameters
    ----------
    graph : ArrayGraph or None
        The mode's street network (:func:`~afweging.analyses.reach.graph.array_graph`);
        None: every time is straight line × detour factor.
    origins_xy : ndarray, shape (n, 2)
        Origins (homes), EPSG:28992 metres.
    origin_method : ndarray of str, shape (n,)
        The engine's method per origin (``ReachabilityResult.homes["{mode}_method"]``).
    sites_xy : ndarray, shape (m, 2)
        Candidate sites.
    mode : {"walk", "bike"}
    minutes : float
        The limit (e.g. the play norm of 200 m converted to minutes).
    no_route_ok : ndarray of bool, optional
        Per origin: it has no network route to any existing facility, so the engine's
        straight-line estimate counts for a site it cannot reach either (default: none).
    detour_factor, max_snap_distance_m : float, optional
        As used for the reachability result (its ``report``); default
        :mod:`afweging.settings`.

    Returns
    -------
    SiteCoverage

    Examples
    --------
    >>> cov = site_coverage(None, np.array([[0.0, 0.0], [300.0, 0.0]]),
    ...                     np.array(["fallback", "fallback"]), np.array([[100.0, 0.0]]),
    ...                     mode="walk", minutes=2.0, detour_factor=1.5)
    >>> cov.serves.toarray().tolist()   # 100 m × 1.5 = 150 m = 1.9 min; 200 m × 1.5 = 3.8 min
    [[True, False]]
    """
    check_mode(mode)
    speed = settings.speed_m_per_min(mode)
    detour = settings.detour_factor if detour_factor is None else float(detour_factor)
    snap = settings.max_snap_distance_m if max_snap_distance_m is None else float(max_snap_distance_m)
    origins = np.asarray(origins_xy, dtype=np.float64).reshape(-1, 2)
    sites = np.asarray(sites_xy, dtype=np.float64).reshape(-1, 2)
    method = np.asarray(origin_method).astype(str)
    if len(method) != len(origins):
        raise ValueError(
            f"origin_method has {len(method)} values for {len(origins)} origins; give one per origin."
        )
    if not (np.isfinite(minutes) and minutes > 0):
        raise ValueError(f"minutes must be a positive number, got {minutes!r}.")
    limit = float(minutes) * (1.0 + RTOL)
    n, m = len(origins), len(sites)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    nets: list[np.ndarray] = []

    # straight line × detour factor for origins on the fallback
    fb = np.flatnonzero(method == FALLBACK)
    if len(fb) and m:
        radius = limit * speed / detour * (1.0 + 1e-6)
        pairs = kdtree(sites).sparse_distance_matrix(kdtree(origins[fb]), radius, output_type="ndarray")
        ok = pairs["v"] * detour / speed <= limit
        rows.append(pairs["i"][ok].astype(np.int64))
        cols.append(fb[pairs["j"][ok]].astype(np.int64))
        nets.append(np.zeros(int(ok.sum()), dtype=bool))

    # the engine per site for origins on the network
    site_method = np.full(m, FALLBACK, dtype=object)
    net = np.flatnonzero(method == NETWORK)
    ok_nr = np.zeros(n, dtype=bool) if no_route_ok is None else np.asarray(no_route_ok, dtype=bool)
    if graph is not None and m:
        site_method[graph.snap(sites, max_distance_m=snap).within] = NETWORK
    if graph is not None and len(net) and m:
        near = kdtree(origins[net]).query_ball_point(sites, r=limit * speed * (1.0 + 1e-6))
        for i, idx in enumerate(near):
            if not idx:
                continue
            o = net[np.sort(np.asarray(idx, dtype=np.int64))]
            t, how = travel_minutes(graph, origins[o], sites[i : i + 1], mode=mode,
                                    max_minutes=limit * (1.0 + 1e-6), max_snap_distance_m=snap,
                                    detour_factor=detour)
            ok = (t <= limit) & ((how != NO_ROUTE) | ok_nr[o])
            rows.append(np.full(int(ok.sum()), i, dtype=np.int64))
            cols.append(o[ok])
            nets.append((how[ok] == NETWORK) & (site_method[i] == NETWORK))

    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    v = np.concatenate(nets) if nets else np.empty(0, dtype=bool)
    serves = sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(m, n))
    network = sp.csr_matrix((np.ones(int(v.sum()), dtype=bool), (r[v], c[v])), shape=(m, n))
    serves.sort_indices()
    network.sort_indices()
    return SiteCoverage(serves=serves, network=network, site_method=np.asarray(site_method, dtype=str))
