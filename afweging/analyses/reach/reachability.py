"""The 10-minute city: minutes from every home to the nearest facility of each kind.

How it works
------------
* **Network model.** Each street network of the Area (``Area.networks[mode]``) becomes
  a compact array graph (:mod:`afweging.analyses.reach.graph`): every street once with
  its geometry, and edge lengths in a CSR matrix; walking two-way everywhere, cycling
  respecting one-way streets unless ``oneway:bicycle=no``. The whole graph is routed,
  every fragment included.
* **Snapping.** Homes and facilities snap to the nearest point of the nearest street
  (:meth:`~afweging.analyses.reach.graph.ArrayGraph.snap`) and enter the network at both
  ends of that street, with the street's length split at the point (one-way streets
  only with the traffic, by bike). The snap distance is travelled at the mode's speed
  and added to the time (at both ends). A home and a facility on the same street are
  also connected straight along it. A point farther than ``max_snap_distance_m``
  (default :data:`afweging.settings.max_snap_distance_m`) from every street lies
  *outside the network's extent*.
* **Search.** One Dijkstra search per mode and category from all its facilities at
  once (a virtual super-source whose edges weigh the way from each street end to the
  facility), on the reversed graph, so the time is *from home to facility* also on
  one-way streets. The search stops at ``max_minutes`` (default
  :data:`afweging.settings.max_minutes`): every time above it is ``inf``, "not within
  ``max_minutes``". Homes are snapped once for all categories.
* **Method per home** (column ``{mode}_method``):

  - ``"network"``: the home lies within ``max_snap_distance_m`` of a street. Its time is
    the network time to the nearest facility within the network's extent, **or**, when
    it is shorter, the fallback time to a facility outside the extent. This keeps homes
    near the edge of a truncated network from missing a closer facility just outside it
    (the Utrecht networks cover only Kanaleneiland); facilities within the extent are
    never estimated by the fallback. The home's ``{mode}_n_facility_off_network`` counts
    the categories whose time is such an estimate, and a caveat says how many (home,
    category) pairs and homes took it. Where no route leads from the home to any facility
    of a category within the extent (a one-way street out of a fragment, or a piece cut
    off from the rest), and only there, the time for that category is the fallback
    estimate: the home's ``{mode}_n_no_route`` counts such categories, the buurt's
    ``reach_{mode}_pct_residents_no_route`` the residents concerned.
  - ``"fallback"``: the Area has no network for the mode, or the home lies outside
    the network's extent. Time = straight-line distance to the nearest facility of the
    category (all facilities, on the network or not) × ``detour_factor`` (default
    :data:`afweging.settings.detour_factor`, calibrated in
    ``benchmarks/calibrate_detour.py``) / speed.

* **Per buurt** (resident-weighted over the homes of the buurt that have a time):
  share within 5/10/15 (and ``minutes``) minutes, weighted median and 90th percentile
  (the smallest time whose cumulative resident share reaches 50 % / 90 %), the mean
  number of everyday categories within ``minutes`` (the "10-minute completeness"), the
  share of residents with all of them, and the share of residents on the fallback.
  Categories without any facility in the Area get NaN columns and a warning, and do
  not count for completeness (a missing data set is not a missing facility).
"""

from __future__ import annotations

import hashlib
import html
import logging
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import LineString, Point

from afweging import settings
from afweging._errors import MissingDataError, UnknownCategoryError
from afweging._format import nl_int, nl_pct
from afweging._names import (
    reach_complete_share_col,
    reach_completeness_col,
    reach_fallback_share_col,
    reach_home_col,
    reach_method_col,
    reach_no_route_col,
    reach_no_route_share_col,
    reach_off_network_col,
    reach_share_col,
    reach_snap_col,
    reach_stat_col,
)
from afweging.analyses.reach.graph import (
    MODES,
    ArrayGraph,
    StreetSnap,
    SuperSourceSearch,
    array_graph,
    check_mode,
)
from afweging.data import tags
from afweging.geo.area import Area
from afweging.geo.network import ranges
from afweging.geo.snap import kdtree, nearest_distance_m, point_xy
from afweging.settings_schema import check_settings

log = logging.getLogger(__name__)

NETWORK, FALLBACK, NO_ROUTE = "network", "fallback", "no_route"

#: Thresholds (minutes) of the per-buurt "share within" columns; ``minutes`` is added.
SHARE_THRESHOLDS_MIN: tuple[float, ...] = (5.0, 10.0, 15.0)

_MODE_NL = {"walk": "lopen", "bike": "fietsen"}
_NETWORK_NL = {"walk": "loopnetwerk", "bike": "fietsnetwerk"}
_METHOD_COLUMNS = ("layer", "unit", "method", "source", "description")


@dataclass
class ReachabilityResult:
    """Minutes from homes to facilities, per home and per buurt.

    Attributes
    ----------
    homes : GeoDataFrame
        Index of ``area.homes``; ``buurtcode``, ``residents``, per mode ``{mode}_method``
        (``"network"``/``"fallback"``), ``{mode}_snap_m`` (distance to the nearest point
        of a street, NaN without network), ``{mode}_n_no_route`` (categories without a
        network route, estimated by the fallback), ``{mode}_n_facility_off_network``
        (categories whose time is the straight-line estimate to a facility beyond the snap
        distance, shorter than the network time) and per mode and category
        ``{mode}_min_{category}`` (minutes; ``inf`` beyond ``max_minutes``; NaN for
        categories without facilities); Point geometry.
    buurten : DataFrame
        Indexed by ``buurtcode``, all buurten of the Area (NaN where a buurt has no
        homes or no residents); the columns of :mod:`afweging._names` ``reach_*``.
    methods : DataFrame
        Per ``buurten`` column: ``layer``, ``unit``, ``method`` (``"measured"`` where
        most residents of the Area are on the network, ``"proxy"`` where most use the
        straight-line fallback, ``"no data"`` for categories without facilities),
        ``source`` and a Dutch ``description``.
    report : DataFrame
        Per mode: network size (nodes, usable directed edges, strongly connected
        components), homes and residents on the network / on the fallback / without a
        route to some category, facilities on and off the network, the (home, category)
        pairs of the network homes (``pairs_network``, categories with facilities), the
        network homes (``homes_off_network_closer``) and pairs
        (``pairs_off_network_closer``) whose time is the estimate to a facility off the
        network, settings used and seconds taken.
    facility_report : DataFrame
        Per (mode, category): facilities on the network and off it (beyond the snap
        distance), the number of network homes without a route to any of them, and the
        number whose nearest facility was an off-network one.
    warnings : list of str
        The Dutch data caveats that were also issued as warnings.
    """

    homes: gpd.GeoDataFrame
    buurten: pd.DataFrame
    methods: pd.DataFrame
    report: pd.DataFrame
    facility_report: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    modes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    minutes: float = 10.0
    max_minutes: float = 30.0

    def _repr_html_(self) -> str:
        rep = self.report[
            [
                "homes",
                "homes_network",
                "homes_fallback",
                "homes_no_route",
                "residents_network_pct",
                "residents_fallback_pct",
            ]
        ].rename(
            columns={
                "homes": "woningen",
                "homes_network": "via netwerk",
                "homes_fallback": "hemelsbreed × omrijfactor",
                "homes_no_route": "geen route naar een categorie",
                "residents_network_pct": "% inwoners via netwerk",
                "residents_fallback_pct": "% inwoners hemelsbreed",
            }
        )
        rep.index = [_MODE_NL.get(m, m) for m in rep.index]
        parts = [
            f"<h4>Bereikbaarheid ({_g(self.minutes)}-minutenstad; max. {_g(self.max_minutes)} min)</h4>",
            rep.to_html(float_format=lambda v: f"{v:.1f}".replace(".", ",")),
            "<h4>Per buurt (eerste 10)</h4>",
            self.buurten.head(10).to_html(float_format=lambda v: f"{v:.1f}".replace(".", ",")),
        ]
        if self.warnings:
            parts.append("<h4>Kanttekeningen</h4><ul>")
            parts += [f"<li>{html.escape(w)}</li>" for w in self.warnings]
            parts.append("</ul>")
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"<ReachabilityResult: {len(self.homes)} homes, {len(self.buurten)} buurten, "
            f"modes {list(self.modes)}, {len(self.categories)} categories>"
        )


# ---------------------------------------------------------------------------- inputs


def _resolve_categories(area: Area, categories: Iterable[str] | str | None) -> list[str]:
    table_ids = list(tags.load_tag_table())
    present = area.categories
    known = table_ids + [c for c in present if c not in table_ids]
    if categories is None:
        return known
    if isinstance(categories, str):
        categories = [categories]
    cats = list(dict.fromkeys(categories))
    unknown = [c for c in cats if c not in known]
    if unknown:
        raise UnknownCategoryError(
            f"Unknown facility categor{'y' if len(unknown) == 1 else 'ies'} {unknown}; "
            f"known: {known}. Add it to the tag table (osm_tags.toml) or fix the name."
        )
    return cats


def _resolve_modes(modes: Iterable[str] | str) -> list[str]:
    if isinstance(modes, str):
        modes = [modes]
    out = [check_mode(m) for m in dict.fromkeys(modes)]
    if not out:
        raise ValueError(f"modes is empty; use one or more of {list(MODES)}.")
    return out


def _g(value: float) -> str:
    """A number for Dutch text: shortest form, decimal comma (1,52; 10; 7,5)."""
    return f"{float(value):g}".replace(".", ",")


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}.")
    return v


# ---------------------------------------------------------------------------- engine


@dataclass
class _ModeTimes:
    metres: dict[str, np.ndarray]  # per category, effective metres (time × speed)
    no_route: dict[str, np.ndarray]  # per category: no network route, straight-line estimate
    off_network: dict[str, np.ndarray]  # per category: a network home's time is the estimate to a facility off it
    method: np.ndarray  # object array of method strings
    snap_m: np.ndarray
    report: dict[str, Any]
    facility_rows: list[dict[str, Any]]


def _own_street_pairs(
    graph: ArrayGraph, home: StreetSnap, fac: StreetSnap, fac_extra_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The (home, metres) pairs of every home and facility on the same street, with the
    metres along it (``inf`` against a one-way direction; the way round over the network
    is found by the search)."""
    none = np.empty(0, dtype=np.int64), np.empty(0)
    if len(fac.street) == 0 or len(home.street) == 0:
        return none
    # only homes on a street that holds a facility (few) are looked up
    marked = np.zeros(graph.n_streets + 1, dtype=bool)
    marked[fac.street] = True
    cand = np.flatnonzero(marked[home.street])
    if len(cand) == 0:
        return none
    order = np.argsort(fac.street, kind="stable")
    fs = fac.street[order]
    lo = np.searchsorted(fs, home.street[cand], side="left")
    count = np.searchsorted(fs, home.street[cand], side="right") - lo
    h = np.repeat(cand, count)
    f = order[ranges(lo, count)]
    street = home.street[h]
    fh, ff = home.frac[h], fac.frac[f]
    ok = np.where(ff > fh, graph.street_forward[street],
                  np.where(ff < fh, graph.street_backward[street], True))
    return h, np.where(ok, np.abs(ff - fh) * graph.street_length_m[street] + fac_extra_m[f], np.inf)


def _search(
    graph: ArrayGraph, facs: StreetSnap, *, limit_m: float, searcher: SuperSourceSearch | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The facilities' side of :func:`_network_metres`: the source nodes and the network
    metres from every node to the nearest facility (``inf`` beyond ``limit_m``).
    ``searcher``: ``graph.searcher(reverse=True)``, shared by the searches of one run."""
    src = np.concatenate([facs.node_a[facs.arrive_a], facs.node_b[facs.arrive_b]])
    off = np.concatenate([
        facs.to_a_m[facs.arrive_a] + facs.distance_m[facs.arrive_a],
        facs.to_b_m[facs.arrive_b] + facs.distance_m[facs.arrive_b],
    ])
    if searcher is None:
        return src, graph.distances_from(src, off, limit_m=limit_m, reverse=True)
    return src, searcher.distances(src, off, limit_m=limit_m)


def _home_ends(homes: StreetSnap) -> tuple[np.ndarray, np.ndarray]:
    """Metres from each home along its street to the street's ends (``inf`` where it may
    not leave that way)."""
    return np.where(homes.leave_a, homes.to_a_m, np.inf), np.where(homes.leave_b, homes.to_b_m, np.inf)


def _network_metres(
    graph: ArrayGraph,
    homes: StreetSnap,
    facs: StreetSnap,
    *,
    limit_m: float,
    searched: tuple[np.ndarray, np.ndarray] | None = None,
    can_reach: Callable[[np.ndarray], np.ndarray] | None = None,
    ends: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Network metres from snapped homes to the nearest of the snapped facilities.

    One Dijkstra search on the reversed graph from every street end through which a
    facility can be reached (offset: the way along its street plus its snap distance),
    then per home the best of leaving its street at either usable end, or going along it
    straight to a facility on the same street. Returns the metres (``inf`` beyond
    ``limit_m``) and whether no route exists at all (whatever its length).
    ``searched`` is :func:`_search` of ``facs`` when already known, ``can_reach`` a
    (possibly memoised) ``graph.can_reach`` of its sources, ``ends``
    :func:`_home_ends` of ``homes`` (the same for every category).
    """
    src, dist = searched if searched is not None else _search(graph, facs, limit_m=limit_m)
    to_a, to_b = ends if ends is not None else _home_ends(homes)
    t = to_a + dist[homes.node_a]  # inf where the home cannot leave its street that way
    np.minimum(t, to_b + dist[homes.node_b], out=t)
    own_h, own_m = _own_street_pairs(graph, homes, facs, facs.distance_m)
    np.minimum.at(t, own_h, own_m)  # straight along the home's street
    t += homes.distance_m
    far = np.flatnonzero(t > limit_m)
    no_route = np.zeros(len(t), dtype=bool)
    if len(far):  # only the homes beyond the limit are looked up
        reach = (can_reach or graph.can_reach)(src)
        no_route[far] = ~((homes.leave_a[far] & reach[homes.node_a[far]])
                          | (homes.leave_b[far] & reach[homes.node_b[far]]))
        no_route[own_h[np.isfinite(own_m)]] = False  # routed along their own street
    return t, no_route


class ReachMemo:
    """Pieces of the reachability engine kept between calls on one Area's networks.

    The plan check and the scenarios recompute the reachability of a few buurten of an
    Area they computed before. Most of that work depends only on the facilities of a
    category or on the homes, not on the plan: where each facility snaps to the streets,
    the network search from a category's facilities, the KD-trees over them, and where
    each existing home snaps. A ``ReachMemo`` keeps those, keyed by their **content**
    (the coordinates, the mode and the limits), so a category whose facilities did not
    change is never searched again and an existing home is never snapped again; the
    results are the same numbers as without it (each piece is computed point by point or
    category by category in the same way).

    Parameters
    ----------
    homes_xy : ndarray of shape (n, 2), optional
        The homes whose snaps are kept (the Area before the change); other homes are
        snapped when asked for.

    Attributes
    ----------
    warmed : bool
        Set once the pieces of the Area before the change are in (``Baseline.warm``);
        from then on pieces of other facility sets are computed but not kept.
    """

    def __init__(self, homes_xy: np.ndarray | None = None) -> None:
        self.homes_xy = None if homes_xy is None else np.asarray(homes_xy, dtype=np.float64).reshape(-1, 2)
        self.warmed = False
        self._store: dict[str, Any] = {}
        self._graphs: dict[int, tuple[ArrayGraph, str]] = {}  # id -> (graph held, its key)

    def graph_key(self, graph: ArrayGraph) -> str:
        """A key for a graph: its mode and a hash of its streets (computed once per graph
        object), so the pieces kept for it stay valid for an equal graph after pickling."""
        hit = self._graphs.get(id(graph))
        if hit is None or hit[0] is not graph:
            h = hashlib.blake2b(graph.mode.encode(), digest_size=16)
            for a in (graph.xy, graph.street_u, graph.street_v, graph.street_length_m, graph.street_forward,
                      graph.street_backward, graph.geom_offsets, graph.geom_xy,
                      graph.forward.data, graph.forward.indices, graph.forward.indptr):
                h.update(b"-" if a is None else np.ascontiguousarray(a).tobytes())
            hit = (graph, f"{graph.mode}:{h.hexdigest()}")
            self._graphs[id(graph)] = hit
        return hit[1]

    def get(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key``; once :attr:`warmed`, a new key is
        computed but not kept (a plan's own facilities would otherwise pile up in a
        long-running studio)."""
        if key in self._store:
            return self._store[key]
        value = make()
        if not self.warmed:
            self._store[key] = value
        return value

    def __getstate__(self) -> dict[str, Any]:  # the pieces travel (keyed by content), not the graphs
        return {"homes_xy": self.homes_xy, "warmed": self.warmed, "_store": self._store, "_graphs": {}}

    @staticmethod
    def key(xy: np.ndarray) -> str:
        """A key for a set of coordinates (their bytes)."""
        return hashlib.blake2b(np.ascontiguousarray(xy, dtype=np.float64).tobytes(), digest_size=16).hexdigest()

    def positions(self, xy: np.ndarray) -> np.ndarray:
        """Row of each point in :attr:`homes_xy` (-1: not one of them)."""
        if self.homes_xy is None:
            return np.full(len(xy), -1, dtype=np.int64)
        pool = self.homes_xy

        def make() -> tuple[pd.Index, np.ndarray]:
            keys = pd.Index(pool[:, 0] + 1j * pool[:, 1])
            once = np.flatnonzero(~keys.duplicated())  # homes on one spot: the first one's row
            return keys[once], once

        index, rows = self.get("homes_index", make)
        pos = np.asarray(index.get_indexer(xy[:, 0] + 1j * xy[:, 1]), dtype=np.int64)
        return np.where(pos >= 0, rows[np.maximum(pos, 0)], -1)

    def _lookup(self, key: str, pos: np.ndarray, xy: np.ndarray, compute: Callable[[np.ndarray], Any],
                take: Callable[[Any, np.ndarray], Any], put: Callable[[Any, np.ndarray, Any], None]) -> Any:
        if self.homes_xy is None or not len(xy):
            return compute(xy)
        pool = self.homes_xy
        if key not in self._store and self.warmed:  # not a piece of the baseline: these points only
            return compute(xy)
        known = self.get(key, lambda: compute(pool))
        miss = np.flatnonzero(pos < 0)
        out = take(known, np.where(pos < 0, 0, pos))
        if len(miss):
            put(out, miss, compute(xy[miss]))
        return out

    def snap_homes(self, graph: ArrayGraph, xy: np.ndarray, pos: np.ndarray, max_distance_m: float) -> StreetSnap:
        """``graph.snap(xy)``; ``pos`` from :meth:`positions` (those snaps computed once)."""
        def put(out: StreetSnap, miss: np.ndarray, extra: StreetSnap) -> None:
            for f in out.__dataclass_fields__:
                getattr(out, f)[miss] = getattr(extra, f)

        return self._lookup(f"homes:{self.graph_key(graph)}:{max_distance_m!r}", pos, xy,
                            lambda p: graph.snap(p, max_distance_m=max_distance_m),
                            lambda k, i: k.take(i), put)

    def nearest(self, key: str, tree: Any, xy: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """``nearest_distance_m(xy, tree)``; ``key`` names the tree's content."""
        def put(out: np.ndarray, miss: np.ndarray, extra: np.ndarray) -> None:
            out[miss] = extra

        return self._lookup(f"nearest:{key}", pos, xy, lambda p: nearest_distance_m(p, tree),
                            lambda k, i: k[i], put)

    def kept(self, key: str) -> Any:
        """The piece kept under ``key``, or None."""
        return self._store.get(key)

    def remember_set(self, category: str, max_snap_distance_m: float, xy: np.ndarray) -> None:
        """Keep the facilities of ``category`` before the change (while warming), so that a
        set that only adds points to them reuses their pieces (:meth:`grown_set`)."""
        if not self.warmed:
            self._store[f"set:{category}:{max_snap_distance_m!r}"] = np.array(xy, dtype=np.float64)

    def grown_set(self, category: str, max_snap_distance_m: float, xy: np.ndarray) -> np.ndarray | None:
        """The kept facilities of ``category`` when ``xy`` is they plus points after them
        (a plan adds facilities at the end), else None."""
        known = self._store.get(f"set:{category}:{max_snap_distance_m!r}")
        if known is None or not 0 < len(known) < len(xy) or not np.array_equal(xy[:len(known)], known):
            return None
        return known


@dataclass
class _Facilities:
    """One category's facilities as :func:`_category_times` reads them; each piece is
    computed when asked for (from a :class:`ReachMemo` when it has it).

    Attributes
    ----------
    snap : StreetSnap or None
        Every facility's snap (None without a network).
    near_all, near_off : callable
        Rows of the homes -> straight-line metres to the nearest facility / to the
        nearest facility off the network.
    search : callable
        The on-network facilities' snaps -> :func:`_search` of them.
    can_reach : callable
        The search's source nodes -> ``graph.can_reach`` of them.
    """

    snap: StreetSnap | None
    near_all: Callable[[np.ndarray], np.ndarray]
    near_off: Callable[[np.ndarray], np.ndarray]
    search: Callable[[StreetSnap], tuple[np.ndarray, np.ndarray]]
    can_reach: Callable[[np.ndarray], np.ndarray]


def _category_times(
    facs: _Facilities,
    row: dict[str, Any],
    graph: ArrayGraph | None,
    hs: StreetSnap | None,
    ends: tuple[np.ndarray, np.ndarray] | None,
    fb_homes: np.ndarray,
    net_homes: np.ndarray,
    n: int,
    *,
    limit_m: float,
    detour_factor: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The effective metres of every home to the nearest facility of one category
    (``inf`` beyond ``limit_m``), which homes have no network route to any, and which
    network homes take the straight-line estimate to a facility off the network (it is
    shorter than the network time); fills ``row`` (the category's facility report)."""
    metres = np.full(n, np.nan)
    nr = np.zeros(n, dtype=bool)
    off = np.zeros(n, dtype=bool)
    if len(fb_homes):
        metres[fb_homes] = facs.near_all(fb_homes) * detour_factor
    if graph is not None and facs.snap is not None and hs is not None:
        fon = facs.snap.within
        row.update(on_network=int(fon.sum()), off_network=int((~fon).sum()))
        if not (fon.any() and len(net_homes)):
            t = np.full(len(net_homes), np.inf)
        else:
            fs_on = facs.snap.take(np.flatnonzero(fon))
            t, none = _network_metres(graph, hs, fs_on, limit_m=limit_m, searched=facs.search(fs_on),
                                      can_reach=facs.can_reach, ends=ends)
            if none.any():
                t[none] = facs.near_all(net_homes[none]) * detour_factor
                nr[net_homes[none]] = True
                row["homes_no_route"] = int(none.sum())
        if (~fon).any() and len(net_homes):
            t_off = facs.near_off(net_homes) * detour_factor
            closer = (t_off < t) & (t_off <= limit_m)
            row["homes_off_network_closer"] = int(closer.sum())
            off[net_homes[closer]] = True
            t = np.minimum(t, t_off)
        metres[net_homes] = t
    metres[metres > limit_m] = np.inf
    return metres, nr, off


def _grown_category(
    graph: ArrayGraph | None,
    memo: ReachMemo,
    base_xy: np.ndarray,
    extra_xy: np.ndarray,
    home_xy: np.ndarray,
    pos: np.ndarray,
    *,
    limit_m: float,
    max_snap_distance_m: float,
    searcher: Callable[[], SuperSourceSearch],
) -> _Facilities | None:
    """The :class:`_Facilities` of a category whose facilities are the kept ones
    (``base_xy``, :meth:`ReachMemo.remember_set`) plus ``extra_xy`` (a plan's), from the
    pieces kept for ``base_xy`` and the extra points alone; None when a piece is not
    kept. ``searcher`` gives the run's shared :class:`SuperSourceSearch`.

    Every piece equals the one of the whole set: snaps are made point by point; the
    network metres from a set of sources are the smaller of those from its two parts
    (a search keeps, per node, the smallest sum along a path, and adding a non-negative
    length never changes which of two sums is smaller); a node reaches the set when it
    reaches either part; the nearest straight-line distance is the smaller of the two
    nearest ones (the same distance of the same pair of points).
    """
    bkey = f"{memo.key(base_xy)}:{max_snap_distance_m!r}"
    tree_b = memo.kept(f"tree:{bkey}")
    if tree_b is None:
        return None
    gkey_b = "" if graph is None else f"{memo.graph_key(graph)}:{bkey}"
    fs_b = None if graph is None else memo.kept(f"snap:{gkey_b}")
    if graph is not None and fs_b is None:
        return None
    tree_e = kdtree(extra_xy)

    def near_all(rows: np.ndarray) -> np.ndarray:
        d = memo.nearest(f"all:{bkey}", tree_b, home_xy[rows], pos[rows])
        return np.minimum(d, nearest_distance_m(home_xy[rows], tree_e))

    if graph is None or fs_b is None:
        return _Facilities(None, near_all, near_all, _no_search, _no_search)
    fs_e = graph.snap(extra_xy, max_distance_m=max_snap_distance_m)
    fs = StreetSnap(*(np.concatenate([getattr(fs_b, f), getattr(fs_e, f)]) for f in fs_b.__dataclass_fields__))
    src_extra: list[np.ndarray] = []  # the extra facilities' sources, once the kept search is used

    def search(fs_on: StreetSnap) -> tuple[np.ndarray, np.ndarray]:
        searched_b = memo.kept(f"search:{gkey_b}:{limit_m!r}")
        if searched_b is None:
            return _search(graph, fs_on, limit_m=limit_m, searcher=searcher())
        on_e = fs_e.take(np.flatnonzero(fs_e.within))
        if not len(on_e.street):
            src_extra.append(np.empty(0, dtype=np.int64))
            return searched_b
        src_e, dist_e = _search(graph, on_e, limit_m=limit_m, searcher=searcher())
        src_extra.append(src_e)
        return np.concatenate([searched_b[0], src_e]), np.minimum(searched_b[1], dist_e)

    def can_reach(src: np.ndarray) -> np.ndarray:
        reach_b = memo.kept(f"reach:{gkey_b}")
        if reach_b is None or not src_extra:
            return graph.can_reach(src)
        return reach_b | graph.can_reach(src_extra[0])

    def near_off(rows: np.ndarray) -> np.ndarray:
        parts = []
        if (~fs_b.within).any():
            tree_off_b = memo.kept(f"tree_off:{gkey_b}")
            if tree_off_b is None:
                tree_off_b = kdtree(base_xy[~fs_b.within])
            parts.append(memo.nearest(f"off:{gkey_b}", tree_off_b, home_xy[rows], pos[rows]))
        off_e = extra_xy[~fs_e.within]
        if len(off_e):
            parts.append(nearest_distance_m(home_xy[rows], kdtree(off_e)))
        return parts[0] if len(parts) == 1 else np.minimum(parts[0], parts[1])

    return _Facilities(fs, near_all, near_off, search, can_reach)


def _no_search(_: Any) -> Any:
    raise AssertionError("no network: nothing is searched")


def _mode_times(
    graph: ArrayGraph | None,
    home_xy: np.ndarray,
    fac_xy: dict[str, np.ndarray],
    *,
    speed_m_per_min: float,
    max_minutes: float,
    max_snap_distance_m: float,
    detour_factor: float,
    memo: ReachMemo | None = None,
    straight: dict[str, np.ndarray] | None = None,
) -> _ModeTimes:
    """Effective metres (minutes × speed) from each home to the nearest facility.

    With a ``memo`` the pieces that depend only on a category's facilities (snaps,
    search, KD-trees) or on known homes (snaps) are taken from it when it has them, and
    a category whose facilities are the kept ones plus a few (a plan's) is computed from
    the kept pieces and the new points (:func:`_grown_category`). Without one,
    ``straight`` (per category, NaN where not yet known) keeps the straight-line metres
    from each home to the nearest facility for the other modes of the run (the same
    homes and facilities)."""
    n = len(home_xy)
    limit_m = max_minutes * speed_m_per_min
    method = np.empty(n, dtype=object)
    method[:] = FALLBACK  # one str object (np.full would make one per home)
    snap_m = np.full(n, np.nan)
    out: dict[str, np.ndarray] = {}
    no_route: dict[str, np.ndarray] = {}
    off_network: dict[str, np.ndarray] = {}
    rows: list[dict[str, Any]] = []
    rep: dict[str, Any] = {"network_nodes": 0, "network_edges": 0, "network_components": 0}

    def kept(key: str, make: Callable[[], Any]) -> Any:
        return make() if memo is None else memo.get(key, make)

    pos = None if memo is None else memo.positions(home_xy)
    shared: list[SuperSourceSearch] = []

    def searcher() -> SuperSourceSearch:  # one augmented matrix for all categories
        if not shared:
            shared.append(graph.searcher(reverse=True))  # type: ignore[union-attr]
        return shared[0]

    def nearest(key: str, tree: Any, rows: np.ndarray) -> np.ndarray:
        if memo is None or pos is None:
            return nearest_distance_m(home_xy[rows], tree)
        return memo.nearest(key, tree, home_xy[rows], pos[rows])

    net_homes = np.empty(0, dtype=np.int64)
    hs: StreetSnap | None = None
    ends: tuple[np.ndarray, np.ndarray] | None = None
    if graph is not None:
        rep.update(network_nodes=graph.n_nodes, network_edges=graph.n_edges)
        if memo is None:
            hs_all = graph.snap(home_xy, max_distance_m=max_snap_distance_m)
        else:
            hs_all = memo.snap_homes(graph, home_xy, pos, max_snap_distance_m)
        snap_m = hs_all.distance_m.copy()
        method[hs_all.within] = NETWORK
        net_homes = np.flatnonzero(hs_all.within)
        # in the order of their street's first node: the per-category look-ups into the
        # searched distances then read nearby memory
        net_homes = net_homes[np.argsort(hs_all.node_a[net_homes])]
        hs = hs_all.take(net_homes)
        ends = _home_ends(hs)
        if memo is None:  # one snap for all facilities
            all_fac = np.concatenate([fac_xy[c] for c in fac_xy]) if fac_xy else np.empty((0, 2))
            fs_all = graph.snap(all_fac, max_distance_m=max_snap_distance_m)
    fb_homes = np.flatnonzero(method == FALLBACK) if graph is None else np.flatnonzero(~hs_all.within)

    start = 0
    for cat, xy in fac_xy.items():
        k = len(xy)
        row: dict[str, Any] = {
            "category": cat,
            "facilities": k,
            "on_network": 0,
            "off_network": k,
            "homes_no_route": 0,
            "homes_off_network_closer": 0,
        }
        rows.append(row)
        if k == 0:
            out[cat], no_route[cat] = np.full(n, np.nan), np.zeros(n, dtype=bool)
            off_network[cat] = np.zeros(n, dtype=bool)
            continue
        facs: _Facilities | None = None
        if memo is not None and pos is not None:
            memo.remember_set(cat, max_snap_distance_m, xy)
            base = memo.grown_set(cat, max_snap_distance_m, xy)
            if base is not None:  # the facilities before the change plus a few (a plan's)
                facs = _grown_category(graph, memo, base, xy[len(base):], home_xy, pos, limit_m=limit_m,
                                       max_snap_distance_m=max_snap_distance_m, searcher=searcher)
        if facs is None:
            fkey = "" if memo is None else f"{memo.key(xy)}:{max_snap_distance_m!r}"

            def tree_all(xy: np.ndarray = xy, fkey: str = fkey) -> Any:  # built when needed
                return kept(f"tree:{fkey}", lambda: kdtree(xy))

            if memo is not None and not memo.warmed:  # kept for a plan's grown set of this category
                tree_all()

            def near_all(rows: np.ndarray, fkey: str = fkey, tree_all: Callable[[], Any] = tree_all,
                         cat: str = cat) -> np.ndarray:
                if memo is not None or straight is None:
                    return nearest(f"all:{fkey}", tree_all(), rows)
                known = straight.setdefault(cat, np.full(n, np.nan))  # computed point by point
                miss = rows[np.isnan(known[rows])]
                if len(miss):
                    known[miss] = nearest_distance_m(home_xy[miss], tree_all())
                return known[rows]

            if graph is None:
                facs = _Facilities(None, near_all, near_all, _no_search, _no_search)
            else:
                gkey = "" if memo is None else f"{memo.graph_key(graph)}:{fkey}"
                if memo is None:
                    fs = fs_all.take(np.arange(start, start + k))
                else:
                    fs = memo.get(f"snap:{gkey}", lambda xy=xy: graph.snap(xy, max_distance_m=max_snap_distance_m))

                def near_off(rows: np.ndarray, xy: np.ndarray = xy, fon: np.ndarray = fs.within,
                             gkey: str = gkey) -> np.ndarray:
                    return nearest(f"off:{gkey}", kept(f"tree_off:{gkey}", lambda: kdtree(xy[~fon])), rows)

                def search(fs_on: StreetSnap, gkey: str = gkey) -> tuple[np.ndarray, np.ndarray]:
                    return kept(f"search:{gkey}:{limit_m!r}",
                                lambda: _search(graph, fs_on, limit_m=limit_m, searcher=searcher()))

                def can_reach(src: np.ndarray, gkey: str = gkey) -> np.ndarray:
                    return kept(f"reach:{gkey}", lambda: graph.can_reach(src))

                facs = _Facilities(fs, near_all, near_off, search, can_reach)
        out[cat], no_route[cat], off_network[cat] = _category_times(
            facs, row, graph, hs, ends, fb_homes, net_homes, n, limit_m=limit_m, detour_factor=detour_factor)
        start += k

    any_nr = np.zeros(n, dtype=bool)
    for v in no_route.values():
        any_nr |= v
    any_off = np.zeros(n, dtype=bool)
    for v in off_network.values():
        any_off |= v
    rep.update(
        network_components=graph.n_components if graph is not None else 0,
        homes=n,
        homes_network=n - len(fb_homes),
        homes_fallback=len(fb_homes),
        homes_no_route=int(any_nr.sum()),
        facilities=int(sum(r["facilities"] for r in rows)),
        facilities_on_network=int(sum(r["on_network"] for r in rows)),
        facilities_off_network=int(sum(r["off_network"] for r in rows)),
        pairs_no_route=int(sum(r["homes_no_route"] for r in rows)),
        homes_off_network_closer=int(any_off.sum()),
        pairs_network=(n - len(fb_homes)) * sum(1 for r in rows if r["facilities"]),
        pairs_off_network_closer=int(sum(r["homes_off_network_closer"] for r in rows)),
    )
    return _ModeTimes(out, no_route, off_network, method, snap_m, rep, rows)


def travel_minutes(
    graph: ArrayGraph | None,
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray | Mapping[Any, np.ndarray],
    *,
    mode: str,
    max_minutes: float | None = None,
    max_snap_distance_m: float | None = None,
    detour_factor: float | None = None,
) -> tuple[Any, Any]:
    """Minutes from each origin to its nearest destination, and how they were found.

    The engine of :func:`reachability` for one mode (see the module docstring for the
    rules). Origins are snapped once; with several destination sets (categories) one
    search runs per set.

    Parameters
    ----------
    graph : ArrayGraph or None
        From :func:`afweging.analyses.reach.graph.array_graph`; None: straight-line fallback.
    origins_xy : ndarray, shape (n, 2)
        EPSG:28992 metres.
    destinations_xy : ndarray of shape (m, 2), or a mapping of them
        One set of destinations, or several by name (e.g. per category).
    mode : {"walk", "bike"}
        Sets the speed (:func:`afweging.settings.speed_m_per_min`).
    max_minutes, max_snap_distance_m, detour_factor : float, optional
        Default to :mod:`afweging.settings`.

    Returns
    -------
    minutes : ndarray of float (or a dict of them, keyed like ``destinations_xy``)
        ``inf`` beyond ``max_minutes``; NaN when there are no destinations.
    method : ndarray of str (or a dict of them)
        ``"network"``; ``"fallback"`` (no network, or the origin lies outside its
        extent); ``"no_route"`` (on the network, but no route leads to any destination:
        straight line × detour factor).

    Examples
    --------
    >>> m, how = travel_minutes(None, np.array([[0.0, 0.0]]), np.array([[400.0, 0.0]]),
    ...                         mode="walk", detour_factor=1.5)
    >>> float(m[0]), str(how[0])   # 400 m × 1.5 at 80 m/min
    (7.5, 'fallback')
    """
    check_mode(mode)
    speed = settings.speed_m_per_min(mode)
    many = isinstance(destinations_xy, Mapping)
    dest: dict[Any, Any] = dict(destinations_xy) if many else {"_": destinations_xy}
    mt = _mode_times(
        graph,
        np.asarray(origins_xy, dtype=np.float64).reshape(-1, 2),
        {k: np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in dest.items()},
        speed_m_per_min=speed,
        max_minutes=_positive(
            "max_minutes", settings.max_minutes if max_minutes is None else max_minutes
        ),
        max_snap_distance_m=_positive(
            "max_snap_distance_m",
            settings.max_snap_distance_m if max_snap_distance_m is None else max_snap_distance_m,
        ),
        detour_factor=_positive(
            "detour_factor", settings.detour_factor if detour_factor is None else detour_factor
        ),
    )
    minutes = {k: mt.metres[k] / speed for k in dest}
    how = {k: np.where(mt.no_route[k], NO_ROUTE, mt.method).astype(str) for k in dest}
    if many:
        return minutes, how
    return minutes["_"], how["_"]


# ---------------------------------------------------------------------- aggregation


def weighted_quantile_by_group(
    codes: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    q: float | Sequence[float],
    n_groups: int,
    *,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """Weighted quantile per group: the smallest value whose cumulative weight share ≥ q.

    (numpy's ``method="inverted_cdf"`` with weights.) Rows with ``codes < 0`` or NaN
    values are ignored; a group without positive weight gets NaN. ``inf`` values sort
    last, so a median of ``inf`` means "more than half beyond the limit".

    Parameters
    ----------
    codes : ndarray of int
        Group of each row, ``0 .. n_groups - 1`` (negative: no group).
    values, weights : ndarray of float
    q : float or sequence of float
        Quantile(s) in [0, 1]; a sequence gives one row per quantile (one sort).
    n_groups : int
    order : ndarray of int, optional
        ``np.argsort(values, kind="stable")`` when the caller has it already (several
        groupings of the same values).

    Examples
    --------
    >>> weighted_quantile_by_group(np.array([0, 0, 0, 1]), np.array([1.0, 2.0, 9.0, 4.0]),
    ...                            np.array([1.0, 1.0, 3.0, 1.0]), 0.5, 3).tolist()
    [9.0, 4.0, nan]
    """
    qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
    res = np.full((len(qs), n_groups), np.nan)
    ok = (codes >= 0) & ~np.isnan(values) & (weights > 0)
    if ok.any():
        # rows by group, then value, then position: the one order of np.lexsort((v, c)) over
        # the rows kept, made as a stable sort by value and then a stable sort by group
        # (for small group numbers a radix sort), which is faster
        if order is None:
            order = np.argsort(values, kind="stable")
        rows = order[ok[order]]
        if n_groups > 1:
            g = codes[rows].astype(np.int16 if n_groups < 2**15 else np.int64)
            rows = rows[np.argsort(g, kind="stable")]
        c, v, w = codes[rows], values[rows], weights[rows]
        cw = np.cumsum(w)
        groups = np.arange(n_groups)
        starts = np.searchsorted(c, groups, side="left")
        ends = np.searchsorted(c, groups, side="right")
        nonempty = ends > starts
        g, s, e = groups[nonempty], starts[nonempty], ends[nonempty]
        base = np.where(s > 0, cw[np.maximum(s - 1, 0)], 0.0)
        total = cw[e - 1] - base
        # a cumulative share that equals q exactly (e.g. 23 of 46 equal weights) must count
        # as reached whatever the rounding of the running sum over the groups before it
        tol = 1e-9 * total
        for k, qk in enumerate(qs):
            idx = np.clip(np.searchsorted(cw, base + qk * total - tol, side="left"), s, e - 1)
            res[k, g] = v[idx]
    return res[0] if np.ndim(q) == 0 else res


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (no homes or no residents)."""
    out = np.full(len(den), np.nan)
    pos = den > 0
    out[pos] = num[pos] / den[pos]
    return out


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Percentage num / den × 100, NaN where den is 0."""
    return 100.0 * _ratio(num, den)


def _aggregate(
    homes: pd.DataFrame,
    buurt_index: pd.Index,
    modes: list[str],
    categories: list[str],
    *,
    thresholds: list[float],
    minutes: float,
    complete_cats: list[str],
) -> pd.DataFrame:
    nb = len(buurt_index)
    codes = pd.Categorical(homes["buurtcode"], categories=buurt_index).codes.astype(np.int64)
    w = pd.to_numeric(homes["residents"], errors="coerce").to_numpy(dtype=np.float64)
    w_ok = np.isfinite(w) & (w >= 0)
    cols: dict[str, np.ndarray] = {}
    for mode in modes:
        method = homes[reach_method_col(mode)].to_numpy()
        no_route = homes[reach_no_route_col(mode)].to_numpy() > 0
        valid = (codes >= 0) & w_ok
        wv = np.where(valid, w, 0.0)
        for cat in categories:
            v = homes[reach_home_col(mode, cat)].to_numpy(dtype=np.float64)
            has = valid & ~np.isnan(v)
            cg = np.where(has, codes, 0)
            den = np.bincount(cg, weights=np.where(has, w, 0.0), minlength=nb)
            for t in thresholds:
                num = np.bincount(cg, weights=np.where(has & (v <= t), w, 0.0), minlength=nb)
                cols[reach_share_col(mode, cat, t)] = _share(num, den)
            med, p90 = weighted_quantile_by_group(np.where(has, codes, -1), v, w, (0.5, 0.9), nb)
            cols[reach_stat_col(mode, cat, "median")] = med
            cols[reach_stat_col(mode, cat, "p90")] = p90
        den = np.bincount(np.where(valid, codes, 0), weights=wv, minlength=nb)
        if complete_cats:
            count = np.zeros(len(homes))
            for cat in complete_cats:
                v = homes[reach_home_col(mode, cat)].to_numpy(dtype=np.float64)
                count += np.nan_to_num(v, nan=np.inf) <= minutes
            mean = np.bincount(np.where(valid, codes, 0), weights=wv * count, minlength=nb)
            cols[reach_completeness_col(mode, minutes)] = _ratio(mean, den)
            full = np.bincount(
                np.where(valid, codes, 0), weights=wv * (count == len(complete_cats)), minlength=nb
            )
            cols[reach_complete_share_col(mode, minutes)] = _share(full, den)
        else:
            cols[reach_completeness_col(mode, minutes)] = np.full(nb, np.nan)
            cols[reach_complete_share_col(mode, minutes)] = np.full(nb, np.nan)
        cols[reach_fallback_share_col(mode)] = _share(
            np.bincount(np.where(valid, codes, 0), weights=wv * (method == FALLBACK), minlength=nb),
            den,
        )
        cols[reach_no_route_share_col(mode)] = _share(
            np.bincount(np.where(valid, codes, 0), weights=wv * no_route, minlength=nb), den
        )
    df = pd.DataFrame(cols, index=buurt_index.copy())
    df.index.name = "buurtcode"
    return df


# ----------------------------------------------------------------------- public API


def reachability(
    area: Area,
    modes: Sequence[str] | str = ("walk", "bike"),
    minutes: float = 10,
    categories: Iterable[str] | str | None = None,
    *,
    max_minutes: float | None = None,
    max_snap_distance_m: float | None = None,
    detour_factor: float | None = None,
    memo: ReachMemo | None = None,
    methods_table: bool = True,
) -> ReachabilityResult:
    """Minutes on foot and by bike from every home to the nearest facility of each kind.

    See the module docstring for the network model, snapping, the fallback and how
    homes near the edge of a network are treated.

    Parameters
    ----------
    area : Area
        Needs ``homes`` and ``facilities``; uses ``networks[mode]`` where present.
    modes : sequence of {"walk", "bike"}
        Travel modes.
    minutes : float
        The "N-minute city" threshold for completeness (default 10); a share-within
        column is made for it and for 5, 10 and 15 minutes.
    categories : list of str, optional
        Facility categories; default all categories of the tag table plus any other
        category present in ``area.facilities``. A category without facilities gets
        NaN columns and a warning.
    max_minutes : float, optional
        Search limit (default :data:`afweging.settings.max_minutes`, 30); times above it
        are ``inf``.
    max_snap_distance_m : float, optional
        Farther from the network than this, a home uses the fallback and a facility is
        off the network (default :data:`afweging.settings.max_snap_distance_m`, 250 m).
    detour_factor : float, optional
        Network / straight-line distance ratio of the fallback (default
        :data:`afweging.settings.detour_factor`).
    memo : ReachMemo, optional
        Snaps, searches and KD-trees kept from earlier calls on the same networks (for
        repeated calls on slightly changed Areas: the same result, faster).
    methods_table : bool
        False: ``methods`` is left empty (for callers that take only the homes and
        buurten from the result, such as :func:`~afweging.analyses.reach.update.update_reachability`).

    Returns
    -------
    ReachabilityResult

    Raises
    ------
    MissingDataError
        The Area has no homes or no facilities.
    UnknownModeError, UnknownCategoryError
        An unknown mode or category was requested.
    NetworkError
        A network of the Area is unusable (no edges, no lengths...).
    """
    check_settings()
    t0 = time.perf_counter()
    mode_list = _resolve_modes(modes)
    minutes = _positive("minutes", minutes)
    max_minutes = _positive(
        "max_minutes", settings.max_minutes if max_minutes is None else max_minutes
    )
    max_snap = _positive(
        "max_snap_distance_m",
        settings.max_snap_distance_m if max_snap_distance_m is None else max_snap_distance_m,
    )
    detour = _positive(
        "detour_factor", settings.detour_factor if detour_factor is None else detour_factor
    )
    if detour < 1.0:
        raise ValueError(
            f"detour_factor must be at least 1 (a route is never shorter than the straight "
            f"line), got {detour}."
        )
    homes_in: gpd.GeoDataFrame = area.require("homes", for_what="Reachability (bereikbaarheid)")
    facilities: gpd.GeoDataFrame = area.require(
        "facilities", for_what="Reachability (bereikbaarheid)"
    )
    cats = _resolve_categories(area, categories)
    labels = tags.labels()
    everyday = set(tags.everyday_categories())

    caveats: list[str] = []

    def caveat(msg: str) -> None:
        caveats.append(msg)
        warnings.warn(msg, UserWarning, stacklevel=3)

    home_xy = point_xy(homes_in, what="Area.homes")
    fac_cat = facilities["category"].astype(str).to_numpy()
    fac_all_xy = point_xy(facilities, what="Area.facilities")
    fac_xy = {c: fac_all_xy[fac_cat == c] for c in cats}
    empty = [c for c in cats if len(fac_xy[c]) == 0]
    for c in empty:
        caveat(
            f"Categorie '{labels.get(c, c)}' ({c}) heeft geen voorzieningen in {area.name}: "
            f"de reistijden zijn leeg (geen gegevens) en de categorie telt niet mee in de "
            f"{_g(minutes)}-minutenvolledigheid."
        )
    residents = pd.to_numeric(homes_in["residents"], errors="coerce")
    bad_w = ~np.isfinite(residents.to_numpy(dtype=np.float64)) | (residents.to_numpy() < 0)
    if bad_w.any():
        caveat(
            f"{int(bad_w.sum())} woning(en) hebben geen geldig aantal bewoners (kolom "
            f"'residents' leeg of negatief); ze tellen niet mee in de buurtcijfers."
        )

    homes = gpd.GeoDataFrame(
        {"buurtcode": homes_in["buurtcode"].to_numpy(), "residents": residents.to_numpy()},
        geometry=homes_in.geometry.to_numpy(),
        index=homes_in.index.copy(),
        crs=homes_in.crs,
    )
    res_w = np.where(bad_w, 0.0, residents.to_numpy(dtype=np.float64))
    total_w = res_w.sum()
    report_rows: dict[str, dict[str, Any]] = {}
    fac_rows: list[dict[str, Any]] = []
    new_cols: dict[str, Any] = {}
    straight: dict[str, np.ndarray] = {}  # straight-line metres, the same for every mode
    for mode in mode_list:
        tm = time.perf_counter()
        speed = settings.speed_m_per_min(mode)
        graph = None
        if area.has(f"network:{mode}"):
            graph = array_graph(area.networks[mode], mode, what=f"Area.networks[{mode!r}]")
        mt = _mode_times(
            graph,
            home_xy,
            fac_xy,
            speed_m_per_min=speed,
            max_minutes=max_minutes,
            max_snap_distance_m=max_snap,
            detour_factor=detour,
            memo=memo,
            straight=straight,
        )
        n_no_route = np.zeros(len(home_xy), dtype=np.int64)
        n_off = np.zeros(len(home_xy), dtype=np.int64)
        for cat in cats:
            n_no_route += mt.no_route[cat]
            n_off += mt.off_network[cat]
        new_cols[reach_method_col(mode)] = mt.method  # str objects: pandas makes its str column of them
        new_cols[reach_snap_col(mode)] = mt.snap_m
        new_cols[reach_no_route_col(mode)] = n_no_route
        new_cols[reach_off_network_col(mode)] = n_off
        for cat in cats:
            new_cols[reach_home_col(mode, cat)] = mt.metres[cat] / speed

        def pct(mask: np.ndarray) -> float:
            return (100.0 * res_w[mask].sum() / total_w) if total_w > 0 else np.nan

        rep = dict(mt.report)
        rep.update(
            residents_network_pct=pct(mt.method == NETWORK),
            residents_fallback_pct=pct(mt.method == FALLBACK),
            residents_no_route_pct=pct(n_no_route > 0),
            speed_kmh=speed * 60.0 / 1000.0,
            max_minutes=max_minutes,
            max_snap_distance_m=max_snap,
            detour_factor=detour,
            seconds=time.perf_counter() - tm,
        )
        report_rows[mode] = rep
        for r in mt.facility_rows:
            fac_rows.append({"mode": mode, **r})
        net_nl = _NETWORK_NL[mode]
        if graph is None:
            caveat(
                f"Geen {net_nl} voor {area.name}: alle reistijden {_MODE_NL[mode]} zijn "
                f"hemelsbrede afstand × omrijfactor {_g(detour)} (een benadering)."
            )
        else:
            if rep["homes_fallback"]:
                caveat(
                    f"{nl_int(rep['homes_fallback'])} van {nl_int(len(homes))} woningen "
                    f"({nl_pct(rep['residents_fallback_pct'])} van de inwoners) liggen verder dan "
                    f"{_g(max_snap)} m van de dichtstbijzijnde straat van het {net_nl}: voor hen is "
                    f"de reistijd {_MODE_NL[mode]} hemelsbrede afstand × omrijfactor {_g(detour)} "
                    f"(een benadering)."
                )
            if rep["homes_no_route"]:
                lost = [labels.get(r["category"], r["category"]).lower()
                        for r in mt.facility_rows if r["homes_no_route"]]
                caveat(
                    f"Vanaf {nl_int(rep['homes_no_route'])} "
                    f"{'woning' if rep['homes_no_route'] == 1 else 'woningen'} leidt over het {net_nl} geen "
                    f"route naar een {' of '.join(lost[:3])}{' (of andere)' if len(lost) > 3 else ''} "
                    f"(eenrichtingsverkeer of een los deel van het netwerk): voor die "
                    f"voorzieningen is hun reistijd {_MODE_NL[mode]} hemelsbrede afstand × "
                    f"omrijfactor {_g(detour)} (een benadering)."
                )
            if rep["pairs_off_network_closer"]:
                caveat(_off_network_caveat(mt, mode, labels, max_snap=max_snap, detour=detour))
    homes = gpd.GeoDataFrame(
        pd.concat(
            [homes.drop(columns=homes.geometry.name), pd.DataFrame(new_cols, index=homes.index)],
            axis=1,
        ),
        geometry=homes.geometry.to_numpy(),
        crs=homes.crs,
    )

    complete_cats = [c for c in cats if c in everyday and c not in empty]
    thresholds = sorted({*SHARE_THRESHOLDS_MIN, minutes})
    buurten = _aggregate(
        homes,
        area.buurten.index,
        mode_list,
        cats,
        thresholds=thresholds,
        minutes=minutes,
        complete_cats=complete_cats,
    )
    report = pd.DataFrame.from_dict(report_rows, orient="index")
    report.index.name = "mode"
    facility_report = pd.DataFrame(fac_rows).set_index(["mode", "category"])
    methods = pd.DataFrame(columns=list(_METHOD_COLUMNS), index=pd.Index([], name="indicator"))
    if methods_table:
        methods = _methods_table(
            area,
            mode_list,
            cats,
            report,
            thresholds=thresholds,
            minutes=minutes,
            empty=empty,
            complete_cats=complete_cats,
            labels=labels,
        )
    log.info("reachability: %d homes, %s, %.2f s", len(homes), mode_list, time.perf_counter() - t0)
    return ReachabilityResult(
        homes=homes,
        buurten=buurten,
        methods=methods,
        report=report,
        facility_report=facility_report,
        warnings=caveats,
        modes=tuple(mode_list),
        categories=tuple(cats),
        minutes=minutes,
        max_minutes=max_minutes,
    )


def _off_network_caveat(mt: _ModeTimes, mode: str, labels: Mapping[str, str], *, max_snap: float,
                        detour: float) -> str:
    """The caveat on network homes whose time to a category is the straight-line estimate
    to a facility beyond ``max_snap`` of every street (:func:`_category_times`): how many
    (home, category) pairs and homes, per category the homes and the facilities off the
    network, and what the planner can do about it."""
    rep = mt.report
    pairs, homes = rep["pairs_off_network_closer"], rep["homes_off_network_closer"]
    rows = sorted((r for r in mt.facility_rows if r["homes_off_network_closer"]),
                  key=lambda r: -r["homes_off_network_closer"])  # stable: the categories' order on ties
    per_cat = "; ".join(
        f"{labels.get(r['category'], r['category']).lower()} {nl_int(r['homes_off_network_closer'])} "
        f"{'woning' if r['homes_off_network_closer'] == 1 else 'woningen'}, "
        f"{nl_int(r['off_network'])} van {nl_int(r['facilities'])} "
        f"{'voorziening' if r['facilities'] == 1 else 'voorzieningen'}"
        for r in rows
    )
    total = rep["pairs_network"]
    none_on = sum(r["on_network"] == 0 for r in rows)  # categories without a facility on the network
    if none_on == 0:
        why = "korter dan de route naar een voorziening aan het netwerk"
    elif none_on == len(rows):
        why = (f"omdat er geen voorziening van {'die categorie' if len(rows) == 1 else 'die categorieën'} "
               f"aan het netwerk ligt")
    else:
        why = ("korter dan de route naar een voorziening aan het netwerk, of er ligt geen voorziening van "
               "de categorie aan het netwerk")
    return (
        f"Bij {nl_int(pairs)} van "
        f"{'1 combinatie' if total == 1 else f'de {nl_int(total)} combinaties'} van "
        f"woning en categorie aan het {_NETWORK_NL[mode]} ({nl_int(homes)} "
        f"{'woning' if homes == 1 else 'woningen'}) ligt de dichtstbijzijnde voorziening verder dan "
        f"{_g(max_snap)} m van een straat van het netwerk: voor "
        f"{'die combinatie' if pairs == 1 else 'die combinaties'} is de reistijd {_MODE_NL[mode]} "
        f"hemelsbrede afstand × omrijfactor {_g(detour)} (een benadering), {why}. "
        f"Per categorie het aantal woningen en hoeveel voorzieningen "
        f"verder dan {_g(max_snap)} m van een straat liggen: {per_cat}. Controleer of die voorzieningen op de goede "
        f"plek liggen, of gebruik een stratennetwerk dat het hele gebied met een rand eromheen dekt."
    )


def _methods_table(
    area: Area,
    modes: list[str],
    cats: list[str],
    report: pd.DataFrame,
    *,
    thresholds: list[float],
    minutes: float,
    empty: list[str],
    complete_cats: list[str],
    labels: dict[str, str],
) -> pd.DataFrame:
    def source(mode: str) -> str:
        parts = []
        for piece, nl in (
            (f"network:{mode}", _NETWORK_NL[mode]),
            ("facilities", "voorzieningen"),
            ("homes", "woningen"),
        ):
            prov = area.provenance.get(piece)
            if prov is not None:
                parts.append(f"{nl}: {prov.label()}")
            elif piece.startswith("network") and not area.has(piece):
                parts.append(f"{nl}: ontbreekt")
        return "; ".join(parts) if parts else "afweging"

    rows: list[dict[str, str]] = []
    for mode in modes:
        r = report.loc[mode]
        net_pct = (
            float(r["residents_network_pct"]) if np.isfinite(r["residents_network_pct"]) else 0.0
        )
        base = "measured" if net_pct >= 50.0 else "proxy"
        how = (
            f"{_MODE_NL[mode]} met {_g(r['speed_kmh'])} km/u; via het {_NETWORK_NL[mode]} voor "
            f"{nl_pct(net_pct)} van de inwoners, voor de rest hemelsbrede afstand × omrijfactor "
            f"{_g(r['detour_factor'])}; boven {_g(r['max_minutes'])} min telt als onbereikbaar"
        )
        src = source(mode)
        for cat in cats:
            lab = labels.get(cat, cat)
            meth = "no data" if cat in empty else base
            for t in thresholds:
                rows.append(
                    {
                        "indicator": reach_share_col(mode, cat, t),
                        "unit": "%",
                        "method": meth,
                        "source": src,
                        "description": (
                            f"Aandeel inwoners (gewogen) met {lab.lower()} binnen {_g(t)} "
                            f"minuten {how}."
                        ),
                    }
                )
            for stat, nl in (("median", "Mediaan"), ("p90", "90e percentiel")):
                rows.append(
                    {
                        "indicator": reach_stat_col(mode, cat, stat),
                        "unit": "min",
                        "method": meth,
                        "source": src,
                        "description": (
                            f"{nl} (inwonersgewogen) van de reistijd naar de dichtstbijzijnde "
                            f"{lab.lower()}, {how}."
                        ),
                    }
                )
        count_list = ", ".join(labels.get(c, c) for c in complete_cats) or "geen"
        rows.append(
            {
                "indicator": reach_completeness_col(mode, minutes),
                "unit": "aantal",
                "method": base if complete_cats else "no data",
                "source": src,
                "description": (
                    f"Gemiddeld aantal dagelijkse voorzieningen (van {len(complete_cats)}: "
                    f"{count_list}) binnen {_g(minutes)} minuten {how}."
                ),
            }
        )
        rows.append(
            {
                "indicator": reach_complete_share_col(mode, minutes),
                "unit": "%",
                "method": base if complete_cats else "no data",
                "source": src,
                "description": (
                    f"Aandeel inwoners met alle {len(complete_cats)} dagelijkse "
                    f"voorzieningen ({count_list}) binnen {_g(minutes)} minuten {how}."
                ),
            }
        )
        rows.append(
            {
                "indicator": reach_fallback_share_col(mode),
                "unit": "%",
                "method": "measured",
                "source": src,
                "description": (
                    f"Aandeel inwoners dat verder dan {_g(r['max_snap_distance_m'])} m van het "
                    f"{_NETWORK_NL[mode]} woont (of er is geen netwerk): hun reistijd is "
                    f"hemelsbreed × omrijfactor."
                ),
            }
        )
        rows.append(
            {
                "indicator": reach_no_route_share_col(mode),
                "unit": "%",
                "method": "measured",
                "source": src,
                "description": (
                    f"Aandeel inwoners vanaf wier woning over het {_NETWORK_NL[mode]} geen route "
                    f"leidt naar ten minste één categorie voorzieningen (eenrichtingsverkeer of "
                    f"een los netwerkdeel): voor die categorie is hun reistijd hemelsbreed × "
                    f"omrijfactor."
                ),
            }
        )
    df = pd.DataFrame(rows)
    df["layer"] = "bereikbaarheid"
    return df.set_index("indicator")[list(_METHOD_COLUMNS)]


def isochrone(
    area: Area,
    point: Point | tuple[float, float],
    *,
    minutes: float | Sequence[float],
    mode: str,
    max_snap_distance_m: float | None = None,
    buffer_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Area reachable within N minutes from a point over the street network.

    Built from the reached streets, not a convex hull: every street reached in full is
    kept, a street reached part-way is cut where the time runs out, the walk/ride from
    the point to the nearest point of a street is included (the start enters the network
    there, as homes do), and the lines are buffered by
    ``buffer_m`` (default :data:`afweging.settings.isochrone_buffer_m`).

    Parameters
    ----------
    area : Area
        Needs ``networks[mode]``.
    point : shapely Point or (x, y)
        Start, EPSG:28992 metres.
    minutes : float or sequence of float
        One polygon per value.
    mode : {"walk", "bike"}
    max_snap_distance_m : float, optional
        A start farther than this from the network is refused.
    buffer_m : float, optional
        Half-width of the band around reached streets.

    Returns
    -------
    GeoDataFrame
        Columns ``minutes``, ``mode``, ``network_m`` (length of the reached street
        lines, m, each street counted once, the start connector included) and
        Polygon/MultiPolygon geometry (empty when nothing is reached), EPSG:28992.
    """
    check_mode(mode)
    G = area.require(f"network:{mode}", for_what="An isochrone (isochroon)")
    graph = array_graph(G, mode, what=f"Area.networks[{mode!r}]")
    max_snap = _positive(
        "max_snap_distance_m",
        settings.max_snap_distance_m if max_snap_distance_m is None else max_snap_distance_m,
    )
    buf = _positive("buffer_m", settings.isochrone_buffer_m if buffer_m is None else buffer_m)
    budgets = [float(b) for b in np.atleast_1d(np.asarray(minutes, dtype=np.float64))]
    budgets_min = [_positive("minutes", b) for b in budgets]
    p = point if isinstance(point, Point) else Point(*point)
    snap = graph.snap(np.array([[p.x, p.y]]), max_distance_m=max_snap)
    snap_d = float(snap.distance_m[0])
    if not snap.within[0]:
        raise MissingDataError(
            f"The point ({p.x:.0f}, {p.y:.0f}) lies {snap_d:.0f} m from the nearest street "
            f"of the {mode} network of {area.name!r} (max {max_snap:g} m): outside the "
            f"network's extent. Pick a point inside it or raise max_snap_distance_m."
        )
    speed = settings.speed_m_per_min(mode)
    limit_m = max(budgets_min) * speed
    leave = np.array([snap.leave_a[0], snap.leave_b[0]])
    nodes = np.array([snap.node_a[0], snap.node_b[0]])[leave]
    offsets = snap_d + np.array([snap.to_a_m[0], snap.to_b_m[0]])[leave]
    dist = graph.distances_from(nodes, offsets, limit_m=limit_m)
    length = graph.street_length_m
    # a street is entered from its start node (if usable that way) or its end node
    d_u = np.where(graph.street_forward, dist[graph.street_u], np.inf)
    d_v = np.where(graph.street_backward, dist[graph.street_v], np.inf)
    s0, f0 = int(snap.street[0]), float(snap.frac[0])
    reached = np.flatnonzero(np.isfinite(d_u) | np.isfinite(d_v) | (np.arange(len(length)) == s0))
    lines = dict(zip(reached.tolist(), graph.street_lines(reached), strict=True))
    rows = []
    for b in budgets_min:
        budget = b * speed
        lr = length[reached]
        with np.errstate(invalid="ignore", divide="ignore"):
            a_u = np.where(lr > 0, (budget - d_u[reached]) / lr, np.inf)
            a_v = np.where(lr > 0, (budget - d_v[reached]) / lr, np.inf)
        a_u = np.clip(np.nan_to_num(a_u, nan=0.0, neginf=0.0), 0.0, 1.0)
        a_v = np.clip(np.nan_to_num(a_v, nan=0.0, neginf=0.0), 0.0, 1.0)
        network_m = 0.0
        pieces: list[Any] = []
        for j, street in enumerate(reached.tolist()):
            spans = [(0.0, float(a_u[j])), (1.0 - float(a_v[j]), 1.0)]
            if street == s0 and budget > snap_d:
                step = (budget - snap_d) / length[s0] if length[s0] > 0 else 1.0
                spans.append((f0 - step if snap.leave_a[0] else f0,
                              f0 + step if snap.leave_b[0] else f0))
            for lo, hi in _union_of_spans(spans):
                network_m += (hi - lo) * float(length[street])
                line = lines[street]
                pieces.append(line if (lo, hi) == (0.0, 1.0)
                              else shapely.ops.substring(line, lo, hi, normalized=True))
        if snap_d > 0:
            foot = lines[s0].interpolate(f0, normalized=True)
            link = LineString([p, foot])
            pieces.append(link if snap_d <= budget else shapely.ops.substring(link, 0.0, budget))
            network_m += min(snap_d, budget)
        geoms = np.array([g for g in pieces if g is not None and not g.is_empty], dtype=object)
        poly = shapely.union_all(shapely.buffer(geoms, buf)) if len(geoms) else shapely.Polygon()
        rows.append({"minutes": b, "mode": mode, "network_m": network_m, "geometry": poly})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.crs)


def _union_of_spans(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of intervals within [0, 1] as sorted disjoint intervals (empty ones dropped)."""
    out: list[tuple[float, float]] = []
    for lo, hi in sorted((max(0.0, lo), min(1.0, hi)) for lo, hi in spans):
        if hi <= lo:
            continue
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
