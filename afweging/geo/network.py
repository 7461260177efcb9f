"""A street network as plain arrays, the form the network readers build without networkx.

:class:`StreetNetwork` holds what the reachability engine needs of an osmnx-style street
graph, and nothing else: node ids and coordinates (EPSG:28992 metres) and, per stored
edge, its end nodes, its length in metres, its one-way flags and the interior vertices of
its geometry. It takes 24 bytes per node and 26 per stored edge (plus 16 per interior
vertex; about 140 bytes per node for a walking network read from OSM, whose streets are
all stored twice), where a networkx graph of the same network takes about 2.7 KB per
node, so a national network fits in memory.

Edge direction rules follow osmnx (see ``docs/architecture.md``): a stored edge ``u -> v``
is always usable from ``u`` to ``v``; from ``v`` to ``u`` only when it is not ``oneway``
(walking ignores one-way streets) or, by bike, when ``contraflow`` (``oneway:bicycle=no``).
An osmnx graph stores a two-way street twice (``u -> v`` and ``v -> u``), and so do the
OSM XML/.osm.pbf and GraphML readers of :mod:`afweging.data.streets` (they reproduce
osmnx's edges; for walking every street is two-way) and a GeoPackage saved directed; a
GeoPackage saved undirected (osmnx's default) or of plain street lines has each street
once. :class:`~afweging.analyses.reach.graph.ArrayGraph` keeps every street once either way.

:func:`oneway_flags` applies osmnx's reading of the OSM ``oneway`` tag; :func:`from_networkx`
turns a networkx graph (osmnx conventions) into a :class:`StreetNetwork`.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from afweging import settings
from afweging._errors import NetworkError

#: Values of the OSM ``oneway`` tag that osmnx reads as one-way (``osmnx.graph._add_paths``),
#: compared exactly as osmnx does (case-sensitive): ``"T"``/``"F"`` are the Geofabrik
#: shapefile codes (``F``: in digitising direction, ``T``: against it).
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
#: Of those, the values that allow travel only against the order of the way's nodes.
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})
#: Stored boolean values (osmnx writes ``oneway`` as True/False in GraphML and GeoPackage).
_STORED_TRUE = frozenset({"True", "true"})
_STORED_FALSE = frozenset({"False", "false", "no", "0", "B"})


def _oneway_value(value: Any) -> tuple[bool, bool]:
    """(one-way, reversed) for one ``oneway`` value; lists: any one-way part."""
    if isinstance(value, list | tuple | set | np.ndarray):
        parts = [_oneway_value(v) for v in value]
        return any(p[0] for p in parts), any(p[1] for p in parts) and all(
            p[1] for p in parts if p[0]
        )
    if value is None:
        return False, False
    if isinstance(value, bool | np.bool_):
        return bool(value), False
    if isinstance(value, int | np.integer):
        return value == 1 or value == -1, value == -1
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return False, False
        return value in (1.0, -1.0), value == -1.0
    text = str(value).strip()
    if text in _STORED_TRUE:
        return True, False
    return text in ONEWAY_VALUES, text in REVERSED_VALUES


def oneway_flags(
    values: Sequence[Any] | np.ndarray | pd.Series,
    *,
    junction: Sequence[Any] | np.ndarray | pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """osmnx's one-way rules for raw or stored ``oneway`` values.

    Parameters
    ----------
    values : sequence
        Per edge: an OSM tag value (``"yes"``, ``"-1"``, ``"T"`` ...), a stored boolean
        (``True``, ``"True"``) or missing (None/NaN: two-way).
    junction : sequence, optional
        The OSM ``junction`` tag per edge: ``"roundabout"`` makes an edge one-way when its
        ``oneway`` value is not a stored boolean (osmnx's rule 4, for raw OSM tags).

    Returns
    -------
    oneway, reverse : ndarray of bool
        One-way; and usable only against the stored direction (``-1``, ``reverse``, ``T``).

    Examples
    --------
    >>> ow, rev = oneway_flags(["yes", "-1", "T", "F", "no", True, None, "Yes"])
    >>> ow.tolist()
    [True, True, True, True, False, True, False, False]
    >>> rev.tolist()
    [False, True, True, False, False, False, False, False]
    """
    vals = list(values)
    pairs = [_oneway_value(v) for v in vals]
    oneway = np.fromiter((p[0] for p in pairs), dtype=bool, count=len(vals))
    reverse = np.fromiter((p[1] for p in pairs), dtype=bool, count=len(vals))
    if junction is not None:
        raw = np.fromiter(
            (not isinstance(v, bool | np.bool_) and str(v) not in _STORED_TRUE | _STORED_FALSE
             for v in vals),
            dtype=bool,
            count=len(vals),
        )
        rb = np.asarray([str(j) == "roundabout" for j in junction], dtype=bool)
        oneway |= rb & raw & ~oneway
    return oneway, reverse


def contraflow_flags(values: Sequence[Any] | np.ndarray | pd.Series) -> np.ndarray:
    """Whether ``oneway:bicycle`` lifts a one-way restriction for bikes (lists: all "no")."""

    def one(value: Any) -> bool:
        if isinstance(value, list | tuple | set):
            return len(value) > 0 and all(one(v) for v in value)
        return value is not None and str(value).strip().lower() == "no"

    vals = list(values)
    return np.fromiter((one(v) for v in vals), dtype=bool, count=len(vals))


@dataclass(eq=False)
class StreetNetwork:
    """A street network as arrays, osmnx conventions, EPSG:28992.

    Attributes
    ----------
    node_ids : ndarray
        Node ids (OSM ids, int64), position ``i`` is node ``i`` in every other array.
    xy : ndarray, shape (n, 2)
        Node coordinates, EPSG:28992 metres.
    u, v : ndarray of int32
        Per stored edge, the positions of its start and end node.
    length_m : ndarray of float64
        Edge length in metres (osmnx: great-circle length of its OSM segments).
    oneway : ndarray of bool
        Usable only from ``u`` to ``v`` (for modes that respect one-way streets).
    contraflow : ndarray of bool
        ``oneway:bicycle=no``: bikes may also ride from ``v`` to ``u``.
    geom_offsets : ndarray of int64, shape (m + 1,), or None
        Edge ``i``'s interior vertices are ``geom_xy[geom_offsets[i]:geom_offsets[i+1]]``
        (from ``u`` towards ``v``); None: every edge is a straight segment.
    geom_xy : ndarray, shape (k, 2), or None
    description : str
        Where the network came from (for messages).
    outer_components : dict of str -> (labels, condensation), optional
        For a network cut from a larger one (a gemeente with its border buffer in
        :mod:`afweging.batch`): per mode, the strongly connected component of every node
        *in the larger network* and that network's reversed condensation graph (as
        :attr:`afweging.analyses.reach.graph.ArrayGraph.components`). Whether any route
        at all leads from one node to another is then answered by the larger network, so
        cutting it never turns a long route into "no route" (the engine's straight-line
        estimate). Times still come from this network's own streets.
    """

    node_ids: np.ndarray
    xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    oneway: np.ndarray
    contraflow: np.ndarray
    geom_offsets: np.ndarray | None = None
    geom_xy: np.ndarray | None = None
    description: str = ""
    outer_components: dict[str, tuple[np.ndarray, Any]] | None = None

    def __post_init__(self) -> None:
        self.validate(self.description or "het stratennetwerk")

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.xy)

    @property
    def n_edges(self) -> int:
        """Number of stored edges."""
        return len(self.u)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        arrays = [self.node_ids, self.xy, self.u, self.v, self.length_m, self.oneway,
                  self.contraflow, self.geom_offsets, self.geom_xy]
        return int(sum(a.nbytes for a in arrays if a is not None))

    def validate(self, what: str) -> None:
        """Raise :class:`NetworkError` when the arrays do not form a usable network."""
        n, m = len(self.xy), len(self.u)
        if n == 0 or m == 0:
            raise NetworkError(
                f"{what} heeft {n} knopen en {m} lijnen; een stratennetwerk heeft beide nodig. "
                f"Controleer het netwerkbestand van het manifest (en het walk/bike-filter: staan er "
                f"straten in?)."
            )
        if self.xy.shape != (n, 2) or len(self.node_ids) != n:
            raise NetworkError(f"{what}: de knoopnummers en de coördinaten zijn niet even lang; geef per knoop één id en één x/y.")
        if not np.isfinite(self.xy).all():
            raise NetworkError(f"{what} heeft knopen met x/y-coördinaten die geen eindig getal zijn (NaN of oneindig); herstel of verwijder die knopen.")
        for name in ("v", "length_m", "oneway", "contraflow"):
            if len(getattr(self, name)) != m:
                raise NetworkError(f"{what}: de lijnenreeks {name!r} heeft niet de lengte van het aantal lijnen; geef één waarde per lijn.")
        if min(int(self.u.min()), int(self.v.min())) < 0 or max(int(self.u.max()), int(self.v.max())) >= n:
            raise NetworkError(f"{what}: een lijn verwijst naar een knoop die niet bestaat; elke lijn moet twee bestaande knopen verbinden.")
        bad = ~np.isfinite(self.length_m) | (self.length_m < 0)
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            a, b = self.node_ids[[self.u[j], self.v[j]]].tolist()  # plain Python values, not np.int64(...)
            raise NetworkError(
                f"Lijn ({a!r}, {b!r}) van {what} heeft "
                f"lengte {float(self.length_m[j])!r} ({int(bad.sum())} lijn(en) in totaal); elke lijn heeft "
                f"een eindige, niet-negatieve 'length' in meters nodig (osmnx voegt die toe; zet hem "
                f"bij een zelfgemaakte graaf, bijv. op de hemelsbrede afstand)."
            )
        if (self.geom_offsets is None) != (self.geom_xy is None):
            raise NetworkError(f"{what}: geom_offsets en geom_xy horen samen; geef beide of geen van beide.")
        if self.geom_offsets is not None and (
            len(self.geom_offsets) != m + 1 or self.geom_offsets[-1] != len(self.geom_xy)  # type: ignore[arg-type]
        ):
            raise NetworkError(f"{what}: geom_offsets past niet bij de lijnen (nodig: één meer dan het aantal lijnen, de laatste gelijk aan het aantal punten in geom_xy).")

    def interior_counts(self) -> np.ndarray:
        """Number of interior vertices per edge."""
        if self.geom_offsets is None:
            return np.zeros(self.n_edges, dtype=np.int64)
        return np.diff(self.geom_offsets)

    def edge_coords(self, edges: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Full polylines (``u``, interior vertices, ``v``) of some edges.

        Returns
        -------
        coords : ndarray, shape (k, 2)
        index : ndarray of int64, shape (k,)
            For every coordinate, the position in ``edges`` of its edge (sorted), as
            ``shapely.linestrings(coords, indices=index)`` wants it.
        """
        e = np.arange(self.n_edges) if edges is None else np.asarray(edges, dtype=np.int64)
        inner = self.interior_counts()[e]
        count = inner + 2
        index = np.repeat(np.arange(len(e)), count)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        coords = np.empty((int(count.sum()), 2), dtype=np.float64)
        coords[start] = self.xy[self.u[e]]
        coords[start + count - 1] = self.xy[self.v[e]]
        if self.geom_offsets is not None and inner.any():
            has = np.flatnonzero(inner)
            src = ranges(self.geom_offsets[e[has]], inner[has])
            dst = ranges(start[has] + 1, inner[has])
            coords[dst] = self.geom_xy[src]  # type: ignore[index]
        return coords, index

    def lines(self, edges: np.ndarray | None = None) -> np.ndarray:
        """Edge geometries as shapely LineStrings (built on request, not stored)."""
        coords, index = self.edge_coords(edges)
        return shapely.linestrings(coords, indices=index)


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for every (s, c), vectorised.

    Examples
    --------
    >>> ranges(np.array([5, 0, 9]), np.array([2, 0, 3])).tolist()
    [5, 6, 9, 10, 11]
    """
    starts = np.asarray(starts, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    keep = counts > 0
    starts, counts = starts[keep], counts[keep]
    if len(counts) == 0:
        return np.empty(0, dtype=np.int64)
    step = np.ones(int(counts.sum()), dtype=np.int64)
    first = np.cumsum(counts) - counts
    step[0] = starts[0]
    step[first[1:]] = starts[1:] - (starts[:-1] + counts[:-1] - 1)
    return np.cumsum(step)


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of a 1-d array by one sort (for arrays without NaN: each NaN
    stays apart, where ``np.unique`` keeps one).

    numpy 2.4's ``np.unique`` of an integer array goes through a hash table and then sorts:
    20-50 times slower than sorting alone (1 million int64: 0.26-0.51 s against 0.012 s;
    7 million: 5.3 s against 0.1 s).

    Examples
    --------
    >>> unique_sorted(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 2, 3]
    """
    out = np.sort(np.asarray(values).ravel())
    if len(out) > 1:
        keep = np.empty(len(out), dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def _graph_crs_ok(G: Any, *, what: str) -> None:
    crs = G.graph.get("crs")
    if crs is None:
        raise NetworkError(
            f"{what} heeft geen graafattribuut 'crs'. Projecteer de graaf eerst naar {settings.crs}, "
            f"bijv. `G = osmnx.project_graph(G, to_crs='{settings.crs}')`."
        )
    if CRS.from_user_input(crs) != CRS.from_user_input(settings.crs):
        raise NetworkError(
            f"{what} staat in {CRS.from_user_input(crs).to_string()}, niet in {settings.crs}. "
            f"Projecteer de graaf eerst: `G = osmnx.project_graph(G, to_crs='{settings.crs}')`."
        )


def from_networkx(G: Any, *, what: str | None = None) -> StreetNetwork:
    """A networkx street graph (osmnx conventions, EPSG:28992) as a :class:`StreetNetwork`.

    Edges are kept as stored (an osmnx two-way street stays two edges); ``oneway`` is read
    with :func:`oneway_flags` (an edge whose value means "against the stored direction",
    such as ``"-1"``, is turned around), ``oneway:bicycle`` with :func:`contraflow_flags`.
    An undirected graph's edges are all two-way.

    Raises
    ------
    NetworkError
        Not a graph, no nodes or edges, wrong CRS, a node without coordinates or an
        edge without a valid length.
    """
    import networkx as nx

    what = what or "het stratennetwerk"
    if not isinstance(G, nx.MultiDiGraph | nx.DiGraph | nx.Graph):
        raise NetworkError(f"{what} is een {type(G).__name__}, geen networkx-graaf; geef een osmnx/networkx-graaf (bijv. uit `osmnx.graph_from_polygon`).")
    if G.number_of_nodes() == 0 or next(iter(G.edges()), None) is None:
        raise NetworkError(
            f"{what} heeft {G.number_of_nodes()} knopen en {G.number_of_edges()} lijnen; "
            f"een stratennetwerk heeft beide nodig. Controleer het netwerkbestand van het manifest."
        )
    _graph_crs_ok(G, what=what)
    n = G.number_of_nodes()
    node_ids = np.empty(n, dtype=object)
    xy = np.empty((n, 2), dtype=np.float64)
    index: dict[Any, int] = {}
    for i, (node, d) in enumerate(G.nodes(data=True)):
        try:
            xy[i, 0] = float(d["x"])
            xy[i, 1] = float(d["y"])
        except (KeyError, TypeError, ValueError) as exc:
            raise NetworkError(
                f"Knoop {node!r} van {what} heeft geen numerieke 'x'/'y'-coördinaten ({d}). "
                f"Elke knoop heeft x en y nodig in meters ({settings.crs})."
            ) from exc
        node_ids[i] = node
        index[node] = i
    with contextlib.suppress(TypeError, ValueError, OverflowError):
        node_ids = node_ids.astype(np.int64)

    if isinstance(G, nx.MultiDiGraph | nx.MultiGraph):
        # networkx's own adjacency dicts: several times faster than G.edges(data=True)
        adj = getattr(G, "_adj", None) or G.adj
        if G.is_directed():
            triples = [(u, v, d) for u, nbrs in adj.items() for v, kd in nbrs.items() for d in kd.values()]
        else:
            triples = list(G.edges(data=True))
    else:
        triples = list(G.edges(data=True))
    m = len(triples)
    us, vs, ds = zip(*triples, strict=True)
    u = np.fromiter((index[a] for a in us), dtype=np.int64, count=m)
    v = np.fromiter((index[b] for b in vs), dtype=np.int64, count=m)
    raw_len = [d.get("length") for d in ds]
    length = pd.to_numeric(pd.Series(raw_len, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = ~np.isfinite(length) | (length < 0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise NetworkError(
            f"Lijn ({us[j]!r}, {vs[j]!r}) van {what} heeft lengte {raw_len[j]!r} ({int(bad.sum())} "
            f"lijn(en) in totaal); elke lijn heeft een eindige, niet-negatieve 'length' in meters "
            f"nodig (osmnx voegt die toe; zet hem bij een zelfgemaakte graaf, bijv. op de hemelsbrede "
            f"afstand)."
        )
    if G.is_directed():
        oneway, reverse = oneway_flags([d.get("oneway") for d in ds])
    else:
        oneway = reverse = np.zeros(m, dtype=bool)
    contraflow = contraflow_flags([d.get("oneway:bicycle") for d in ds])
    geoms = [d.get("geometry") for d in ds]
    u[reverse], v[reverse] = v[reverse].copy(), u[reverse].copy()
    offsets, gxy = _interior_from_lines(geoms, xy, u, v)
    return StreetNetwork(
        node_ids=node_ids,
        xy=xy,
        u=u.astype(np.int32),
        v=v.astype(np.int32),
        length_m=length,
        oneway=oneway,
        contraflow=contraflow,
        geom_offsets=offsets,
        geom_xy=gxy,
        description=what,
    )


def _interior_from_lines(
    geoms: Sequence[Any], xy: np.ndarray, u: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Interior vertices of LineStrings (None: straight), oriented from ``u`` to ``v``.

    A geometry drawn from ``v`` to ``u`` (its first point nearer to ``v``, e.g. of an edge
    turned around by its ``oneway`` value) is read backwards.
    """
    has = np.fromiter((g is not None for g in geoms), dtype=bool, count=len(geoms))
    if not has.any():
        return None, None
    pos = np.flatnonzero(has)
    arr = np.empty(len(pos), dtype=object)
    arr[:] = [geoms[int(i)] for i in pos]
    coords, idx = shapely.get_coordinates(arr, return_index=True)
    count = np.bincount(idx, minlength=len(pos))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    first = coords[np.minimum(start, len(coords) - 1)]
    backwards = np.hypot(*(first - xy[v[pos]]).T) < np.hypot(*(first - xy[u[pos]]).T)
    inner = np.maximum(count - 2, 0)
    offsets = np.zeros(len(geoms) + 1, dtype=np.int64)
    offsets[pos + 1] = inner
    offsets = np.cumsum(offsets)
    k = ranges(np.zeros(len(pos), dtype=np.int64), inner)  # position within the interior
    lo = np.repeat(start + 1, inner)
    hi = np.repeat(start + count - 2, inner)
    src = np.where(np.repeat(backwards, inner), hi - k, lo + k)
    return offsets, coords[src]


_CACHE: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int], StreetNetwork]] = weakref.WeakKeyDictionary()


def as_street_network(graph: Any, *, what: str | None = None) -> StreetNetwork:
    """``graph`` itself when it is a :class:`StreetNetwork`, else :func:`from_networkx` (cached).

    The cache entry is rebuilt when the number of nodes or edges changed; a graph whose
    edge lengths are edited in place must be copied first (``Area.copy()`` does).
    """
    if isinstance(graph, StreetNetwork):
        return graph
    sig = (graph.number_of_nodes(), graph.number_of_edges()) if hasattr(graph, "number_of_nodes") else (0, 0)
    try:
        hit = _CACHE.get(graph)
    except TypeError:  # not weak-referenceable
        return from_networkx(graph, what=what)
    if hit is not None and hit[0] == sig:
        return hit[1]
    net = from_networkx(graph, what=what)
    _CACHE[graph] = (sig, net)
    return net
