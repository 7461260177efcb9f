"""Compact array (CSR) street network per travel mode, for the reachability engine.

The hot path of reachability never touches networkx: a street graph is turned once
into a :class:`ArrayGraph` (node coordinates, a CSR matrix of edge lengths in metres in
both directions, the largest strongly connected component) and every search runs on
that with :func:`scipy.sparse.csgraph.dijkstra`.

Direction rules (``osmnx`` conventions, see ``docs/architecture.md``):

* ``walk``: walking ignores one-way streets; every edge is usable both ways.
* ``bike``: an edge tagged ``oneway`` (True, ``"yes"``, ``"true"``, ``"1"``, ``"-1"``)
  is usable only in its stored direction (osmnx already stores one-way streets in
  their allowed direction), unless ``oneway:bicycle == "no"`` (contraflow cycling),
  in which case the reverse is added. Untagged edges are two-way (their reverse is
  added when it is absent, which makes no difference for osmnx graphs that hold both).

Parallel edges keep the shortest length. Lengths are metres; times follow by dividing
by the mode's speed, so one graph serves any speed setting.

Files (GraphML, OSM XML, .osm.pbf) are read by :func:`afweging.data.osm.read_graph`
into ``Area.networks``; this module starts from the networkx graph.
"""

from __future__ import annotations

import contextlib
import weakref
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from afweging import settings
from afweging._errors import NetworkError, UnknownModeError
from afweging.geo.snap import kdtree

MODES = ("walk", "bike")

_TRUE = {"true", "yes", "1", "-1", "reverse"}


def check_mode(mode: str) -> str:
    """Return ``mode`` or raise :class:`UnknownModeError`."""
    if mode not in MODES:
        raise UnknownModeError(f"Unknown mode {mode!r}: use one of {list(MODES)}.")
    return mode


def _is_oneway(value: Any) -> bool:
    """Whether an osmnx ``oneway`` value means one-way (lists: any one-way part)."""
    if isinstance(value, list | tuple | set):
        return any(_is_oneway(v) for v in value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if value is None:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    return str(value).strip().lower() in _TRUE


def _bicycle_contraflow(value: Any) -> bool:
    """Whether ``oneway:bicycle`` lifts the one-way restriction (lists: all parts "no")."""
    if isinstance(value, list | tuple | set):
        return len(value) > 0 and all(_bicycle_contraflow(v) for v in value)
    return value is not None and str(value).strip().lower() == "no"


@dataclass(eq=False)
class ArrayGraph:
    """A street network as arrays, for one travel mode.

    Attributes
    ----------
    mode : {"walk", "bike"}
    node_ids : ndarray
        Original node ids (position ``i`` in every array is node ``node_ids[i]``).
    xy : ndarray, shape (n, 2)
        Node coordinates, EPSG:28992 metres.
    forward : scipy.sparse.csr_matrix, shape (n, n)
        Edge length in metres from row node to column node, in the usable directions.
    backward : scipy.sparse.csr_matrix
        The transpose of ``forward`` (search from destinations back to origins).
    main : ndarray of bool
        Node lies in the largest strongly connected component. Points are only routed
        when they snap to such a node; elsewhere (an island, a one-way dead end at the
        edge of the extract) network times are not meaningful and are reported instead.
    edge_u, edge_v : ndarray of int64
        Usable directed edges (node positions), after the direction rules.
    edge_length_m : ndarray of float64
    edge_geometry : ndarray of object
        LineString from ``u`` to ``v`` or None (straight segment) per usable edge.
    """

    mode: str
    node_ids: np.ndarray
    xy: np.ndarray
    forward: sp.csr_matrix
    backward: sp.csr_matrix
    main: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_geometry: np.ndarray
    _tree: cKDTree | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of usable directed edges (after the direction rules, parallels kept)."""
        return len(self.edge_u)

    @property
    def n_main(self) -> int:
        """Number of nodes in the largest strongly connected component."""
        return int(self.main.sum())

    @property
    def tree(self) -> cKDTree:
        """KD-tree over all node coordinates (built on first use)."""
        if self._tree is None:
            self._tree = kdtree(self.xy)
        return self._tree

    def distances_from(
        self,
        nodes: np.ndarray,
        offsets_m: np.ndarray,
        *,
        limit_m: float,
        reverse: bool = False,
    ) -> np.ndarray:
        """Shortest distance in metres from a set of sources, each with a start offset.

        ``result[i] = min_s (offsets_m[s] + d(nodes[s] -> i))`` (or ``d(i -> nodes[s])``
        with ``reverse=True``), ``inf`` where that exceeds ``limit_m`` or no source
        reaches ``i``. One Dijkstra search from a virtual super-source whose edges to
        the source nodes weigh the offsets, so the offsets are exact.

        Parameters
        ----------
        nodes : ndarray of int
            Source node positions (repeats allowed: the smallest offset counts).
        offsets_m : ndarray of float
            Distance already travelled at each source (e.g. the snap distance).
        limit_m : float
            Search limit; distances beyond it are ``inf``.
        reverse : bool
            Search against the edge directions (distance *to* the sources).
        """
        n = self.n_nodes
        nodes = np.asarray(nodes, dtype=np.int64)
        offsets = np.asarray(offsets_m, dtype=np.float64)
        if len(nodes) == 0:
            return np.full(n, np.inf)
        best = np.full(n, np.inf)
        np.minimum.at(best, nodes, offsets)
        cols = np.flatnonzero(best <= limit_m)
        if len(cols) == 0:
            return np.full(n, np.inf)
        m = self.backward if reverse else self.forward
        indptr = np.concatenate([m.indptr, [m.indptr[-1] + len(cols)]]).astype(np.int32)
        indices = np.concatenate([m.indices, cols]).astype(np.int32)
        data = np.concatenate([m.data, best[cols]])
        aug = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
        dist = dijkstra(aug, directed=True, indices=n, limit=limit_m)
        return np.asarray(dist[:n], dtype=np.float64)


def _graph_crs_ok(G: nx.MultiDiGraph, *, what: str) -> None:
    crs = G.graph.get("crs")
    if crs is None:
        raise NetworkError(
            f"{what} has no graph attribute 'crs'. Project it to {settings.crs} first, "
            f"e.g. `G = osmnx.project_graph(G, to_crs='{settings.crs}')`."
        )
    if CRS.from_user_input(crs) != CRS.from_user_input(settings.crs):
        raise NetworkError(
            f"{what} is in {CRS.from_user_input(crs).to_string()}, not {settings.crs}. "
            f"Project it first: `G = osmnx.project_graph(G, to_crs='{settings.crs}')`."
        )


def build_array_graph(G: nx.MultiDiGraph, mode: str, *, what: str | None = None) -> ArrayGraph:
    """Turn an osmnx-style street graph into an :class:`ArrayGraph` for ``mode``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Projected to EPSG:28992; nodes with ``x``, ``y``; edges with ``length`` (m).
    mode : {"walk", "bike"}
        Decides the direction rules (see the module docstring).
    what : str, optional
        Name used in error messages (default ``"the {mode} network"``).

    Raises
    ------
    NetworkError
        Not a graph, no nodes or edges, wrong CRS, a node without coordinates or an
        edge without a valid length.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:28992")
    >>> G.add_node(1, x=0.0, y=0.0); G.add_node(2, x=100.0, y=0.0)
    >>> _ = G.add_edge(1, 2, length=100.0, oneway=True)
    >>> build_array_graph(G, "bike").n_edges, build_array_graph(G, "walk").n_edges
    (1, 2)
    """
    check_mode(mode)
    what = what or f"the {mode} network"
    if not isinstance(G, nx.MultiDiGraph | nx.DiGraph | nx.Graph):
        raise NetworkError(f"{what} is a {type(G).__name__}, not a networkx graph.")
    if G.number_of_nodes() == 0 or next(iter(G.edges()), None) is None:
        raise NetworkError(
            f"{what} has {G.number_of_nodes()} nodes and {G.number_of_edges()} edges; "
            f"a street network needs both. Check the network file of the manifest."
        )
    _graph_crs_ok(G, what=what)

    node_ids = np.empty(G.number_of_nodes(), dtype=object)
    xy = np.empty((G.number_of_nodes(), 2), dtype=np.float64)
    index: dict[Any, int] = {}
    for i, (node, d) in enumerate(G.nodes(data=True)):
        try:
            xy[i, 0] = float(d["x"])
            xy[i, 1] = float(d["y"])
        except (KeyError, TypeError, ValueError) as exc:
            raise NetworkError(
                f"Node {node!r} of {what} has no numeric 'x'/'y' coordinates ({d}). "
                f"Every node needs x and y in {settings.crs} metres."
            ) from exc
        node_ids[i] = node
        index[node] = i
    if not np.isfinite(xy).all():
        raise NetworkError(f"{what} has nodes with non-finite x/y coordinates.")
    with contextlib.suppress(TypeError, ValueError, OverflowError):
        node_ids = node_ids.astype(np.int64)

    if isinstance(G, nx.MultiDiGraph):
        # the plain adjacency dicts (networkx's storage, which G.adj wraps in read-only
        # views): several times faster than G.edges(data=True) on large graphs
        adj = getattr(G, "_adj", None) or G.adj
        triples = [
            (u, v, d)
            for u, nbrs in adj.items()
            for v, keydict in nbrs.items()
            for d in keydict.values()
        ]
    else:
        triples = list(G.edges(data=True))
    m = len(triples)
    us, vs, ds = zip(*triples, strict=True)
    u_arr = np.fromiter((index[u] for u in us), dtype=np.int64, count=m)
    v_arr = np.fromiter((index[v] for v in vs), dtype=np.int64, count=m)
    raw_len = [d.get("length") for d in ds]
    len_arr = pd.to_numeric(pd.Series(raw_len, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = ~np.isfinite(len_arr) | (len_arr < 0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        edges = list(G.edges(keys=True)) if G.is_multigraph() else [(*e, 0) for e in G.edges()]
        u, v, k = edges[j]
        raise NetworkError(
            f"Edge ({u!r}, {v!r}, {k!r}) of {what} has length {raw_len[j]!r} ({int(bad.sum())} "
            f"edge(s) in all); every edge needs a finite, non-negative 'length' in metres "
            f"(osmnx adds it; for a hand-built graph set it, e.g. the straight-line distance)."
        )
    geoms = np.empty(m, dtype=object)
    geoms[:] = [d.get("geometry") for d in ds]
    if mode == "walk" or not G.is_directed():
        both = np.ones(m, dtype=bool)
    else:
        both = np.fromiter(
            (
                (not _is_oneway(d.get("oneway", False)))
                or _bicycle_contraflow(d.get("oneway:bicycle"))
                for d in ds
            ),
            dtype=bool,
            count=m,
        )

    # Usable directed edges: every stored edge plus the reverse where two-way.
    rev = np.flatnonzero(both)
    import shapely

    rev_geoms = np.empty(len(rev), dtype=object)
    has_geom = np.array([g is not None for g in geoms[rev]], dtype=bool)
    if has_geom.any():
        rev_geoms[has_geom] = shapely.reverse(np.asarray(list(geoms[rev][has_geom]), dtype=object))
    eu = np.concatenate([u_arr, v_arr[rev]])
    ev = np.concatenate([v_arr, u_arr[rev]])
    el = np.concatenate([len_arr, len_arr[rev]])
    eg = np.concatenate([geoms, rev_geoms])
    # Drop exact duplicates (the reverse of a two-way osmnx edge is already stored).
    order = np.lexsort((el, ev, eu))
    eu, ev, el, eg = eu[order], ev[order], el[order], eg[order]
    dup = np.zeros(len(eu), dtype=bool)
    dup[1:] = (eu[1:] == eu[:-1]) & (ev[1:] == ev[:-1]) & (np.abs(el[1:] - el[:-1]) < 1e-6)
    keep = ~dup
    eu, ev, el, eg = eu[keep], ev[keep], el[keep], eg[keep]

    n = len(node_ids)
    # CSR with the shortest of parallel edges (sorted by length within (u, v): first wins).
    first = np.ones(len(eu), dtype=bool)
    first[1:] = (eu[1:] != eu[:-1]) | (ev[1:] != ev[:-1])
    cu, cv, cl = eu[first], ev[first], el[first]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.add.at(indptr, cu + 1, 1)
    indptr = np.cumsum(indptr).astype(np.int32)
    forward = sp.csr_matrix((cl, cv.astype(np.int32), indptr), shape=(n, n))
    backward = forward.transpose().tocsr()
    backward.has_sorted_indices = False
    backward.sort_indices()

    ncomp, labels = connected_components(forward, directed=True, connection="strong")
    counts = np.bincount(labels, minlength=ncomp)
    main = labels == int(np.argmax(counts))
    return ArrayGraph(
        mode=mode,
        node_ids=node_ids,
        xy=xy,
        forward=forward,
        backward=backward,
        main=main,
        edge_u=eu,
        edge_v=ev,
        edge_length_m=el,
        edge_geometry=eg,
    )


_CACHE: weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple[int, int], ArrayGraph]]] = (
    weakref.WeakKeyDictionary()
)


def array_graph(G: nx.MultiDiGraph, mode: str, *, what: str | None = None) -> ArrayGraph:
    """:func:`build_array_graph`, cached per graph object and mode.

    The cache entry is rebuilt when the number of nodes or edges changed; a graph whose
    edge lengths are edited in place must be copied first (``Area.copy()`` does).
    """
    sig = (G.number_of_nodes(), G.number_of_edges())
    try:
        entry = _CACHE.setdefault(G, {})
    except TypeError:  # not weak-referenceable
        return build_array_graph(G, mode, what=what)
    hit = entry.get(mode)
    if hit is not None and hit[0] == sig:
        return hit[1]
    ag = build_array_graph(G, mode, what=what)
    entry[mode] = (sig, ag)
    return ag
