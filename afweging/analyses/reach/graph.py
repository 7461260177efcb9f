"""Compact array (CSR) street network per travel mode, for the reachability engine.

The hot path of reachability never touches networkx: a street network (a
:class:`~afweging.geo.network.StreetNetwork` from the readers, or a networkx graph a user
already has) is turned once into an :class:`ArrayGraph` and every search runs on that
with :func:`scipy.sparse.csgraph.dijkstra`. An ArrayGraph holds

* the *streets*: every edge once, however often it is stored (an osmnx two-way street
  is stored in both directions), with its length, the directions it may be used in and
  its geometry (interior vertices), for snapping points to the nearest point of a street;
* a CSR matrix of lengths in metres over the usable directions (and its transpose, the
  same matrix when every street is two-way, as for walking), the shortest of parallel
  edges;
* on request, a :class:`~afweging.geo.snap.SegmentIndex` over the street geometries and
  the strongly connected components (to tell "no route at all" from "too far").

Direction rules (``osmnx`` conventions, see ``docs/architecture.md``):

* ``walk``: walking ignores one-way streets; every street is usable both ways.
* ``bike``: a one-way street (osmnx ``oneway``; raw OSM values ``yes``/``true``/``1``/``F``
  in the stored direction, ``-1``/``reverse``/``T`` against it, see
  :func:`~afweging.geo.network.oneway_flags`) is usable only in its allowed direction,
  unless ``oneway:bicycle=no`` (contraflow cycling). Untagged streets are two-way.

Lengths are metres; times follow by dividing by the mode's speed, so one graph serves
any speed setting.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components, dijkstra

from afweging._errors import UnknownModeError
from afweging.geo.network import StreetNetwork, from_networkx, ranges, unique_sorted
from afweging.geo.snap import SegmentIndex

MODES = ("walk", "bike")

#: Stored edges between the same two nodes whose lengths differ by at most this many
#: metres (and with as many vertices) are one street: an osmnx two-way street is stored
#: twice, and osmnx sums the lengths of a simplified edge in each direction separately.
_SAME_LENGTH_M = 1e-6


def check_mode(mode: str) -> str:
    """Return ``mode`` or raise :class:`UnknownModeError`."""
    if mode not in MODES:
        raise UnknownModeError(f"Unknown mode {mode!r}: use one of {list(MODES)}.")
    return mode


@dataclass(frozen=True)
class StreetSnap:
    """Points snapped to the nearest point of a street of an :class:`ArrayGraph`.

    Attributes
    ----------
    street : ndarray of int64
        Nearest street (``-1``: none).
    distance_m : ndarray of float64
        Straight-line distance from the point to that nearest street point.
    within : ndarray of bool
        ``distance_m <= max_distance_m``: the point lies inside the network's extent.
    node_a, node_b : ndarray of int64
        The street's end nodes (``street_u``, ``street_v``).
    to_a_m, to_b_m : ndarray of float64
        Network metres from the street point to ``node_a`` / ``node_b`` (the street's
        length split at the point, in proportion to the distance along its geometry).
    leave_a, leave_b : ndarray of bool
        One may travel from the point to ``node_a`` / ``node_b`` (one-way streets: only
        with the traffic; a point on a node may always leave through it).
    arrive_a, arrive_b : ndarray of bool
        One may travel from ``node_a`` / ``node_b`` to the point.
    frac : ndarray of float64
        Position along the street, 0 at ``node_a``, 1 at ``node_b``.
    """

    street: np.ndarray
    distance_m: np.ndarray
    within: np.ndarray
    node_a: np.ndarray
    node_b: np.ndarray
    to_a_m: np.ndarray
    to_b_m: np.ndarray
    leave_a: np.ndarray
    leave_b: np.ndarray
    arrive_a: np.ndarray
    arrive_b: np.ndarray
    frac: np.ndarray

    def take(self, idx: np.ndarray) -> StreetSnap:
        """The snaps of a subset of the points."""
        return StreetSnap(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


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
        Length in metres from row node to column node, in the usable directions (the
        shortest of parallel streets).
    backward : scipy.sparse.csr_matrix
        The transpose of ``forward`` (search from destinations back to origins); the same
        object as ``forward`` when every street is usable both ways (the matrix is then
        symmetric). Neither is changed in place.
    street_u, street_v : ndarray of int32
        End nodes of every street (each street once, in the direction it was stored).
    street_length_m : ndarray of float64
    street_forward, street_backward : ndarray of bool
        The street is usable from ``street_u`` to ``street_v`` / the other way.
    geom_offsets, geom_xy : ndarray or None
        Interior vertices of street ``i``: ``geom_xy[geom_offsets[i]:geom_offsets[i+1]]``
        (from ``street_u`` towards ``street_v``); None: all streets are straight.
    """

    mode: str
    node_ids: np.ndarray
    xy: np.ndarray
    forward: sp.csr_matrix
    backward: sp.csr_matrix
    street_u: np.ndarray
    street_v: np.ndarray
    street_length_m: np.ndarray
    street_forward: np.ndarray
    street_backward: np.ndarray
    geom_offsets: np.ndarray | None
    geom_xy: np.ndarray | None
    _segments: SegmentIndex | None = field(default=None, repr=False)
    _street_geom_m: np.ndarray | None = field(default=None, repr=False)
    _components: tuple[np.ndarray, sp.csr_matrix] | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_streets(self) -> int:
        """Number of streets (each stored once, whatever its directions)."""
        return len(self.street_u)

    @property
    def n_edges(self) -> int:
        """Number of usable directed edges (a two-way street counts twice)."""
        return int(self.street_forward.sum() + self.street_backward.sum())

    @property
    def nbytes(self) -> int:
        """Memory held by the graph's arrays (the snapping index included once built)."""
        arrays: list[Any] = [self.node_ids, self.xy, self.street_u, self.street_v,
                             self.street_length_m, self.street_forward, self.street_backward,
                             self.geom_offsets, self.geom_xy, self._street_geom_m]
        for m in (self.forward, self.backward) if self.backward is not self.forward else (self.forward,):
            arrays += [m.data, m.indices, m.indptr]
        extra = 0
        if self._segments is not None:
            s = self._segments
            extra = s.nbytes
        if self._components is not None:
            lab, cond = self._components
            arrays += [lab, cond.data, cond.indices, cond.indptr]
        return int(sum(a.nbytes for a in arrays if a is not None)) + extra

    # ------------------------------------------------------------------ snapping
    @property
    def segments(self) -> SegmentIndex:
        """Index over the straight pieces of every street (built on first use)."""
        if self._segments is None:
            n, m = self.n_nodes, self.n_streets
            # street i has inner[i] + 1 pieces, from street_u over its interior vertices
            # (vertex positions n + k, k into geom_xy) to street_v
            if self.geom_offsets is not None:
                goff = self.geom_offsets - self.geom_offsets[0]
                inner = np.diff(goff)
                first = goff[:-1] + np.arange(m)  # the street's first piece
            else:
                inner = np.zeros(m, dtype=np.int64)
                first = np.arange(m)
            total = m + int(inner.sum())
            seg_a = np.empty(total, dtype=np.int32)
            seg_b = np.empty(total, dtype=np.int32)
            seg_a[first] = self.street_u
            seg_b[first + inner] = self.street_v
            vertices = self.xy
            if total > m:
                k = np.arange(total - m)
                at = k + np.repeat(np.arange(m), inner)  # the piece that ends at interior vertex k
                k += n
                seg_b[at] = k
                seg_a[at + 1] = k
                vertices = np.concatenate([self.xy, self.geom_xy[self.geom_offsets[0]:self.geom_offsets[-1]]])
                del k, at
            del first
            seg_line = np.repeat(np.arange(m, dtype=np.int32), inner + 1)
            self._segments = SegmentIndex(vertices, seg_a, seg_b, seg_line)
            self._street_geom_m = np.bincount(seg_line, weights=self._segments.segment_lengths(), minlength=m)
        return self._segments

    def snap(self, points_xy: np.ndarray, *, max_distance_m: float = np.inf) -> StreetSnap:
        """Snap points to the nearest point of a street.

        The street's length is split at that point in proportion to the distance along
        its geometry; a point is on a node when the nearest street point is the street's
        end, and may then leave and arrive through that node whatever the street's
        direction.
        """
        seg = self.segments
        ls = seg.nearest(points_xy, max_distance_m=max_distance_m)
        found = ls.line >= 0
        every = bool(found.all())  # the usual case: no masking needed
        s = ls.line if every else np.where(found, ls.line, 0)
        glen = self._street_geom_m[s]  # type: ignore[index]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(glen > 0, np.clip(ls.along_m / glen, 0.0, 1.0), 0.0)
        frac = np.where(ls.at_start, 0.0, np.where(ls.at_end, 1.0, frac))
        length = self.street_length_m[s]
        fwd, bwd = self.street_forward[s], self.street_backward[s]
        at_a = ls.at_start | (frac == 0.0)
        at_b = ls.at_end | (frac == 1.0)
        return StreetSnap(
            street=ls.line,
            distance_m=ls.distance_m,
            within=ls.within,
            node_a=self.street_u[s].astype(np.int64),
            node_b=self.street_v[s].astype(np.int64),
            to_a_m=frac * length,
            to_b_m=(1.0 - frac) * length,
            leave_a=(bwd | at_a) if every else found & (bwd | at_a),
            leave_b=(fwd | at_b) if every else found & (fwd | at_b),
            arrive_a=(fwd | at_a) if every else found & (fwd | at_a),
            arrive_b=(bwd | at_b) if every else found & (bwd | at_b),
            frac=frac,
        )

    # ------------------------------------------------------------------ search
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
            Distance already travelled at each source (e.g. along the snapped street).
        limit_m : float
            Search limit; distances beyond it are ``inf``.
        reverse : bool
            Search against the edge directions (distance *to* the sources).
        """
        return self.searcher(reverse=reverse).distances(nodes, offsets_m, limit_m=limit_m)

    def searcher(self, *, reverse: bool = False) -> SuperSourceSearch:
        """A :class:`SuperSourceSearch` on this graph (``reverse``: against the edges),
        for several :meth:`distances_from` searches that share one augmented matrix."""
        return SuperSourceSearch(self.backward if reverse else self.forward)

    @property
    def components(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """Strongly connected component per node, and the reversed condensation graph.

        ``cond[j, i]`` is set when some street leads from component ``i`` to ``j``.
        """
        if self._components is None:
            ncomp, labels = connected_components(self.forward, directed=True, connection="strong")
            coo = self.forward.tocoo()
            a, b = labels[coo.row], labels[coo.col]
            cross = a != b
            cond = sp.csr_matrix(
                (np.ones(int(cross.sum())), (b[cross], a[cross])), shape=(ncomp, ncomp)
            )
            self._components = (labels.astype(np.int32), cond)
        return self._components

    @property
    def n_components(self) -> int:
        """Number of strongly connected components."""
        return int(self.components[1].shape[0])

    def can_reach(self, targets: np.ndarray) -> np.ndarray:
        """Per node: some route (of any length) leads from it to one of ``targets``."""
        labels, cond = self.components
        out = np.zeros(self.n_nodes, dtype=bool)
        targets = np.asarray(targets, dtype=np.int64)
        if len(targets) == 0:
            return out
        if cond.shape[0] == 1:  # one strongly connected component: every node reaches them
            out[:] = True
            return out
        tc = unique_sorted(labels[targets])
        k = cond.shape[0]
        # a virtual component k leading to every target component, searched backwards
        aug = sp.csr_matrix(
            (np.concatenate([cond.data, np.ones(len(tc))]),
             np.concatenate([cond.indices, tc]).astype(np.int32),
             np.concatenate([cond.indptr, [cond.indptr[-1] + len(tc)]]).astype(np.int32)),
            shape=(k + 1, k + 1),
        )
        reached = breadth_first_order(aug, k, directed=True, return_predecessors=False)
        ok = np.zeros(k + 1, dtype=bool)
        ok[reached] = True
        return ok[labels]

    # ------------------------------------------------------------------ geometry
    def street_lines(self, streets: np.ndarray | None = None) -> np.ndarray:
        """Street geometries as shapely LineStrings from ``street_u`` to ``street_v``."""
        net = StreetNetwork(
            node_ids=self.node_ids, xy=self.xy, u=self.street_u, v=self.street_v,
            length_m=self.street_length_m, oneway=~self.street_backward,
            contraflow=np.zeros(self.n_streets, dtype=bool), geom_offsets=self.geom_offsets,
            geom_xy=self.geom_xy, description="",
        )
        return net.lines(streets)


class SuperSourceSearch:
    """Dijkstra searches from a virtual super-source on one CSR matrix, sharing its arrays.

    The matrix is copied once into arrays with room for one more row (the super-source,
    node ``n``, whose edges to the source nodes weigh the offsets); every search only
    writes that row. Several searches (one per facility category) thus cost one copy of
    the matrix, not one each; the copy is freed with this object.
    """

    def __init__(self, m: sp.csr_matrix) -> None:
        self.n = int(m.shape[0])
        self.nnz = int(m.indptr[-1])
        self._m = m
        self._aug: sp.csr_matrix | None = None
        self._room = 0

    def _matrix(self, k: int) -> sp.csr_matrix:
        """The augmented matrix with room for ``k`` super-source edges (entries beyond
        ``indptr[n + 1]`` are unused zeros)."""
        if self._aug is None or self._room < k:
            room = max(k, 1024, 2 * self._room)
            n, nnz = self.n, self.nnz
            indptr = np.empty(n + 2, dtype=np.int32)
            indptr[: n + 1] = self._m.indptr
            indptr[n + 1] = nnz + room  # full at first (a matrix is cut to its last row's end)
            indices = np.zeros(nnz + room, dtype=np.int32)
            indices[:nnz] = self._m.indices
            data = np.zeros(nnz + room, dtype=np.float64)
            data[:nnz] = self._m.data
            self._aug = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
            self._aug.indptr[n + 1] = nnz
            self._room = room
        return self._aug

    def distances(self, nodes: np.ndarray, offsets_m: np.ndarray, *, limit_m: float) -> np.ndarray:
        """:meth:`ArrayGraph.distances_from` on this matrix."""
        n = self.n
        nodes = np.asarray(nodes, dtype=np.int64)
        offsets = np.asarray(offsets_m, dtype=np.float64)
        if len(nodes) == 0:
            return np.full(n, np.inf)
        # per source node its smallest offset, in node order
        order = np.lexsort((offsets, nodes))
        nodes, offsets = nodes[order], offsets[order]
        first = np.ones(len(nodes), dtype=bool)
        first[1:] = nodes[1:] != nodes[:-1]
        keep = first & (offsets <= limit_m)
        cols, w = nodes[keep], offsets[keep]
        if len(cols) == 0:
            return np.full(n, np.inf)
        k = len(cols)
        aug = self._matrix(k)
        end = self.nnz + k
        aug.indices[self.nnz:end] = cols
        aug.data[self.nnz:end] = w
        aug.indptr[n + 1] = end
        try:
            dist = dijkstra(aug, directed=True, indices=n, limit=limit_m)
        finally:
            aug.indptr[n + 1] = self.nnz
            aug.data[self.nnz:end] = 0.0
        return np.asarray(dist[:n], dtype=np.float64)


def build_array_graph(G: Any, mode: str, *, what: str | None = None) -> ArrayGraph:
    """Turn a street network into an :class:`ArrayGraph` for ``mode``.

    Parameters
    ----------
    G : StreetNetwork or networkx.MultiDiGraph
        A :class:`~afweging.geo.network.StreetNetwork` (from the network readers), or an
        osmnx-style graph projected to EPSG:28992 (nodes with ``x``, ``y``; edges with
        ``length`` in metres).
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
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(crs="EPSG:28992")
    >>> G.add_node(1, x=0.0, y=0.0); G.add_node(2, x=100.0, y=0.0)
    >>> _ = G.add_edge(1, 2, length=100.0, oneway=True)
    >>> build_array_graph(G, "bike").n_edges, build_array_graph(G, "walk").n_edges
    (1, 2)
    """
    check_mode(mode)
    what = what or f"the {mode} network"
    net = G if isinstance(G, StreetNetwork) else from_networkx(G, what=what)
    u = net.u  # int32: half the memory of int64
    v = net.v
    length = net.length_m
    n = net.n_nodes
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    inner = net.interior_counts().astype(np.int32)
    # the stored edges in the order of np.lexsort((length, inner, hi, lo)) (stable), at a
    # fraction of its cost: one sort of a 64-bit (lo, hi) key, then the few runs of equal
    # keys put in order of (inner, length, position)
    key = lo.astype(np.int64)
    key *= n
    key += hi
    del lo, hi
    order = np.argsort(key).astype(np.int32)
    key = key[order]
    _order_runs(order, key, inner, length)
    starts = np.flatnonzero(_new_streets(key, order, inner, length))  # each street's first edge
    n_groups = len(starts)
    g_key = key[starts]
    del key
    # usable directions of every stored edge, as lo -> hi and hi -> lo; a street is usable
    # in a direction when some edge of its group is
    u_lo = u <= v
    if mode == "walk":
        g_lo_hi = g_hi_lo = np.ones(n_groups, dtype=bool)
    else:
        both = ~net.oneway | net.contraflow
        g_lo_hi = np.logical_or.reduceat((u_lo | both)[order], starts)
        g_hi_lo = np.logical_or.reduceat(((u >= v) | both)[order], starts)
        del both
    rep = order[starts]
    del order, starts
    su, sv = u[rep], v[rep]
    rep_lo = u_lo[rep]
    del u_lo
    fwd = np.where(rep_lo, g_lo_hi, g_hi_lo)
    bwd = np.where(rep_lo, g_hi_lo, g_lo_hi)
    del rep_lo, g_lo_hi, g_hi_lo
    sl = length[rep]
    offsets = gxy = None
    if net.geom_offsets is not None:
        cnt = inner[rep]
        if cnt.any():
            offsets = np.zeros(len(cnt) + 1, dtype=np.int64)
            np.cumsum(cnt, out=offsets[1:])
            gxy = net.geom_xy[ranges(net.geom_offsets[rep], cnt)]  # type: ignore[index]
        del cnt
    del inner, rep

    # lengths from row node to column node, the shortest of parallel streets: a street
    # that shares its two nodes with another street (or a loop) goes through a small
    # sort; every other direction is the only one between its nodes
    shared = np.zeros(n_groups, dtype=bool)
    same_key = g_key[1:] == g_key[:-1]
    shared[1:] |= same_key
    shared[:-1] |= same_key
    shared |= su == sv
    del g_key, same_key
    rows, cols, vals = _directed(su, sv, sl, fwd, bwd, ~shared)
    if shared.any():
        r2, c2, v2 = _directed(su, sv, sl, fwd, bwd, shared)
        o = np.lexsort((v2, c2, r2))
        r2, c2, v2 = r2[o], c2[o], v2[o]
        first = np.ones(len(r2), dtype=bool)
        first[1:] = (r2[1:] != r2[:-1]) | (c2[1:] != c2[:-1])
        rows = np.concatenate([rows, r2[first]])
        cols = np.concatenate([cols, c2[first]])
        vals = np.concatenate([vals, v2[first]])
        del r2, c2, v2, o, first
    del shared
    # no (row, column) twice: scipy's conversion only sorts (nothing is summed)
    forward = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    del rows, cols, vals
    if bool(np.array_equal(fwd, bwd)):
        # every street usable both ways (walking; a bike network without one-way streets):
        # the matrix is symmetric and, in canonical form, its own transpose, so one matrix
        # serves both directions (2.4 million nodes: 110 MB less)
        forward.sum_duplicates()  # canonical (sorted indices); nothing to sum
        backward = forward
    else:
        backward = forward.transpose().tocsr()
        backward.has_sorted_indices = False
        backward.sort_indices()
    return ArrayGraph(
        mode=mode,
        node_ids=net.node_ids,
        xy=net.xy,
        forward=forward,
        backward=backward,
        street_u=su.astype(np.int32),
        street_v=sv.astype(np.int32),
        street_length_m=sl,
        street_forward=fwd,
        street_backward=bwd,
        geom_offsets=offsets,
        geom_xy=gxy,
        _components=(net.outer_components or {}).get(mode),
    )


#: Stored edges compared per step by :func:`_new_streets` (its temporaries stay small).
_CHUNK_EDGES = 1 << 20


def _new_streets(key: np.ndarray, order: np.ndarray, inner: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Per stored edge in ``order``: it starts a new street (its (lo, hi) ``key``, interior
    vertex count or length, beyond ``_SAME_LENGTH_M``, differs from the edge before it).
    In chunks, so that no array of the edges' lengths in that order is made whole."""
    m = len(order)
    new = np.ones(m, dtype=bool)
    for lo in range(1, m, _CHUNK_EDGES):
        hi = min(m, lo + _CHUNK_EDGES)
        o = order[lo - 1:hi]
        k, i, x = key[lo - 1:hi], inner[o], length[o]
        part = k[1:] != k[:-1]
        part |= i[1:] != i[:-1]
        x = x[1:] - x[:-1]
        part |= x > _SAME_LENGTH_M
        new[lo:hi] = part
    return new


def _order_runs(order: np.ndarray, key: np.ndarray, inner: np.ndarray, length: np.ndarray) -> None:
    """Put the runs of equal ``key`` (sorted) in ``order`` in order of (``inner``,
    ``length``, position), in place: pairs (a street stored in both directions) by a
    compare and swap, longer runs by a sort of just those."""
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    if len(starts) == len(key):
        return
    run_len = np.diff(np.append(starts, len(key)))
    pair = starts[run_len == 2]
    a, b = order[pair], order[pair + 1]
    ia, ib = inner[a], inner[b]
    la, lb = length[a], length[b]
    swap = (ib < ia) | ((ib == ia) & ((lb < la) | ((lb == la) & (b < a))))
    del ia, ib, la, lb
    order[pair[swap]] = b[swap]
    order[pair[swap] + 1] = a[swap]
    del pair, a, b, swap
    big = run_len > 2
    if big.any():
        at = ranges(starts[big], run_len[big])
        run = np.repeat(np.arange(int(big.sum())), run_len[big])
        sub = order[at]
        order[at] = sub[np.lexsort((sub, length[sub], inner[sub], run))]


def _directed(su: np.ndarray, sv: np.ndarray, sl: np.ndarray, fwd: np.ndarray, bwd: np.ndarray,
              take: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and length of the usable directions of the streets ``take``."""
    f, b = fwd & take, bwd & take
    return (np.concatenate([su[f], sv[b]]), np.concatenate([sv[f], su[b]]), np.concatenate([sl[f], sl[b]]))


_CACHE: weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple[int, int], ArrayGraph]]] = (
    weakref.WeakKeyDictionary()
)


def _signature(G: Any) -> tuple[int, int]:
    if isinstance(G, StreetNetwork):
        return (G.n_nodes, G.n_edges)
    return (G.number_of_nodes(), G.number_of_edges())


def array_graph(G: Any, mode: str, *, what: str | None = None) -> ArrayGraph:
    """:func:`build_array_graph`, cached per network object and mode.

    The cache entry is rebuilt when the number of nodes or edges changed; a graph whose
    edge lengths are edited in place must be copied first (``Area.copy()`` does).
    """
    sig = _signature(G)
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
