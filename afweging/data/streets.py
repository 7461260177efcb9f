"""Street networks read straight into arrays (:class:`~afweging.geo.network.StreetNetwork`).

No networkx graph is built on the way: a networkx graph of a street network takes about
2.7 KB per node, a :class:`StreetNetwork` about 60 bytes, so a national network fits in
memory. Three sources:

* **OSM XML and .osm.pbf** (:func:`network_from_osm`): the ways that pass the mode's
  filter (:func:`afweging.data.osm.way_filter`, osmnx's own ``walk``/``bike`` filters)
  are turned into a graph exactly as ``osmnx.graph_from_xml(..., simplify=True,
  retain_all=False)`` does it (osmnx 2.1, ``osmnx.graph._create_graph``,
  ``truncate.largest_component`` and ``simplification.simplify_graph``): consecutive
  repeated nodes of a way dropped; one-way ways (``oneway`` in ``yes``, ``true``, ``1``,
  ``-1``, ``reverse``, ``T``, ``F``, compared exactly, or ``junction=roundabout``) stored
  in one direction only, turned around for ``-1``, ``reverse`` and ``T``, and for
  walking every way two-way (osmnx's bidirectional ``walk``); great-circle lengths on a
  sphere of 6,371,009 m; the largest weakly connected component (every component with
  ``retain_all=True``, as osmnx's option of that name); interstitial nodes
  removed by osmnx's endpoint rules (a node is kept when it has a self-loop, no incoming
  or no outgoing edge, or not exactly two neighbours with 2 or 4 edges), the merged
  edge's length the sum of its pieces and its one-way flag and ``oneway:bicycle`` taken
  as osmnx merges them (a list of the different values); components without any
  endpoint (rings) dropped. Coordinates are projected to EPSG:28992 with one pyproj
  call, every node in use once (nodes and interior vertices, in place on contiguous
  arrays). A .osm.pbf file
  is decoded with numpy (:mod:`afweging.data._pbf`: the ways first, then only their
  nodes' locations; 6.9-7.8x faster than the fastest pyosmium reader for the same arrays,
  3.5-3.6x on building-heavy extracts, ``benchmarks/bench_pbf_reader.py``; see the
  :mod:`~afweging.data._pbf` docstring for what pyosmium reads that it refuses), node
  positions are 32-bit throughout and every large array is
  released as soon as it is used (2.4 million nodes: about 9 s and 0.9 GB, see
  ``benchmarks/bench_network_scale.py``).
* **GraphML** (:func:`network_from_graphml`): an osmnx GraphML file, streamed element by
  element; the result equals ``from_networkx(read_graph(path))`` (same nodes, edges,
  order and coordinates), so every output stays the same.
* **GeoPackage** (:func:`network_from_gpkg`): a line layer of street edges, as
  ``osmnx.save_graph_geopackage`` writes (``u``, ``v``, ``length``, ``oneway``) or any
  street lines, such as Geofabrik's roads (whole OSM ways): noded like OSM, at every
  vertex two lines share (a line is cut at an interior vertex that another line, or the
  line itself, also has); lines that cross without a shared vertex (bridges, tunnels)
  stay apart; lengths from the geometry. A MultiLineString of street lines is its parts,
  each a line with the feature's attributes (Geofabrik and QGIS exports write Multi).

:func:`read_network` picks the reader from the file name or the manifest's ``format``.
"""

from __future__ import annotations

import ast
import contextlib
import xml.etree.ElementTree as ET
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from afweging import settings
from afweging._errors import InputFileNotFoundError, NetworkError
from afweging.data import _pbf
from afweging.data._graphml import _to_bool
from afweging.data.osm import (
    _FILTER_RE,
    WAY_FILTERS,
    _guess_format,
    _iter_osm_xml,
    _need_mode,
    missing_nodes_error,
    no_ways_error,
    way_filter,
)
from afweging.geo.network import (
    ONEWAY_VALUES,
    REVERSED_VALUES,
    StreetNetwork,
    _interior_from_lines,
    contraflow_flags,
    oneway_flags,
    ranges,
)

#: osmnx's earth radius for great-circle edge lengths (``osmnx.distance.EARTH_RADIUS_M``).
EARTH_RADIUS_M = 6_371_009


def read_network(
    path: str | Path,
    *,
    format: str | None = None,
    what: str | None = None,
    mode: str | None = None,
    layer: str | None = None,
    retain_all: bool = False,
) -> StreetNetwork:
    """Read a street network file into a :class:`StreetNetwork` (EPSG:28992).

    Parameters
    ----------
    path : path-like
        ``.graphml`` (osmnx), ``.osm`` (OSM XML), ``.osm.pbf`` or ``.gpkg`` (edges).
    format : {"graphml", "osm", "pbf", "gpkg"}, optional
        Guessed from the suffix when omitted.
    what : str, optional
        Name used in error messages.
    mode : {"walk", "bike"}, optional
        Needed for OSM XML and .osm.pbf (which ways to keep, whether one-way streets
        count); GraphML and GeoPackage networks are already filtered.
    layer : str, optional
        GeoPackage layer (default ``edges``, else the only line layer).
    retain_all : bool, default False
        OSM XML and .osm.pbf: keep every weakly connected piece of the network (osmnx's
        ``retain_all=True``: a park's paths not joined to the streets, an island), not only
        the largest. GraphML and GeoPackage networks are stored graphs and are read as
        they are, every piece included, whatever this says.
    """
    path = Path(path)
    what = what or str(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"{what}: het netwerkbestand {path} bestaat niet. Controleer het pad (relatief aan het "
            f"manifest)."
        )
    fmt = (format or "").lower() or _guess_format(path)
    if fmt == "graphml":
        return network_from_graphml(path, what=what)
    if fmt in ("osm", "xml", "pbf"):
        return network_from_osm(path, mode=_need_mode(mode, what), what=what,
                                format="pbf" if fmt == "pbf" else "osm", retain_all=retain_all)
    if fmt == "gpkg":
        return network_from_gpkg(path, layer=layer, what=what)
    raise NetworkError(
        f"{what}: onbekend netwerkformaat {fmt!r}; gebruik format = \"graphml\", \"osm\", \"pbf\" of \"gpkg\"."
    )


def _to_rd(x: np.ndarray, y: np.ndarray, crs: Any, *, what: str, overwrite: bool = False) -> np.ndarray:
    """Coordinates in ``crs`` as EPSG:28992 metres (one vectorised pyproj call).

    ``overwrite``: ``x`` and ``y`` may be projected in place (no copies when they are
    contiguous float64 arrays; the same floats)."""
    target = CRS.from_user_input(settings.crs)
    source = CRS.from_user_input(crs)
    if source == target:
        return np.column_stack([x, y]).astype(np.float64)
    if not overwrite:
        x, y = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    px = np.ascontiguousarray(x, dtype=np.float64)
    py = np.ascontiguousarray(y, dtype=np.float64)
    Transformer.from_crs(source, target, always_xy=True).transform(px, py, inplace=True)
    out = np.empty((len(px), 2))
    out[:, 0] = px
    del px
    out[:, 1] = py
    del py
    if not np.isfinite(out).all():
        raise NetworkError(
            f"{what}: sommige coördinaten zijn niet om te zetten van {source.to_string()} naar "
            f"{settings.crs}; controleer het coördinatenstelsel van het netwerk."
        )
    return out


# ------------------------------------------------------------------------ OSM


def network_from_osm(path: str | Path, *, mode: str, what: str | None = None,
                     format: str = "osm", retain_all: bool = False) -> StreetNetwork:
    """The street network for ``mode`` from an OSM XML or .osm.pbf extract.

    Equal to what ``osmnx.graph_from_xml(..., simplify=True, retain_all=retain_all)``
    builds from the ways that pass the mode's filter (see the module docstring), without
    a networkx graph: same nodes, same directed edges, lengths and one-way handling; an
    osmnx two-way street is stored as two edges here as well. A .osm.pbf file is decoded
    with numpy (:mod:`afweging.data._pbf`, no pyosmium needed; for the same arrays the
    fastest pyosmium reader measured took 6.9-7.8x its CPU,
    ``benchmarks/bench_pbf_reader.py``; lz4/lzma/bzip2/zstd blobs and unknown required
    features are refused with a Dutch message).

    ``retain_all``: keep every weakly connected piece, not only the largest (osmnx's
    option of the same name). As in osmnx, a piece that is a ring without any endpoint
    (a closed way on its own) is still dropped by the simplification, and a node of a
    kept way that has no edge (a way of one node) stays as a node without edges.
    """
    path = Path(path)
    what = what or str(path)
    _need_mode(mode, what)
    # a list the builder empties: no array outlives its use
    parts = list(_read_pbf(path, mode, what=what) if format == "pbf" else _read_osm_xml(path, mode, what=what))
    if len(parts[3].counts) == 0:
        raise no_ways_error(mode, what=what, path=path)
    return _simplified_network(parts, mode=mode, what=what, path=path, retain_all=retain_all)


def _way_judge(mode: str) -> tuple[list[str], Any]:
    """The tag keys that matter for ``mode`` and a function of a way's tags giving (kept,
    one-way, turned around, ``oneway:bicycle`` present, ``oneway:bicycle=no``) with
    osmnx's filter and ``_is_path_one_way`` rules."""
    keep = way_filter(mode)
    keys = list(dict.fromkeys([k for k, _, _ in _FILTER_RE.findall(WAY_FILTERS[mode])]
                              + ["oneway", "junction", "oneway:bicycle"]))

    def judge(tags: Any) -> tuple[bool, bool, bool, bool, bool]:
        if not keep(tags):
            return (False, False, False, False, False)
        ow = tags.get("oneway")
        one = mode != "walk" and (ow in ONEWAY_VALUES or tags.get("junction") == "roundabout")
        bike = tags.get("oneway:bicycle")
        return (True, one, one and ow in REVERSED_VALUES, bike is not None,
                bike is not None and bike.strip().lower() == "no")

    return keys, judge


class _Ways:
    """The kept ways as arrays: refs per way (``counts``) and their flags."""

    def __init__(self, counts: np.ndarray, flags: np.ndarray) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        flags = np.asarray(flags, dtype=bool).reshape(-1, 4)
        self.oneway, self.reverse, self.bike_tagged, self.bike_no = (flags[:, i].copy() for i in range(4))


def _read_osm_xml(path: Path, mode: str, *, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Ways]:
    """All nodes of an OSM XML file (in file order), the node position of every reference
    of the kept ways, and the ways."""
    _, judge = _way_judge(mode)
    ids: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    refs = array("q")  # 8 bytes a node reference, not a Python int each
    counts: list[int] = []
    flags: list[tuple[bool, ...]] = []
    for kind, item in _iter_osm_xml(path, what=what):
        if kind == "node":
            ids.append(item[0])
            lon.append(item[1])
            lat.append(item[2])
        else:
            _, way_refs, tags = item
            hit = judge(tags)
            if hit[0]:
                refs.extend(way_refs)
                counts.append(len(way_refs))
                flags.append(hit[1:])
    node_ids = np.asarray(ids, dtype=np.int64)
    lonlat = np.column_stack([lon, lat]) if ids else np.empty((0, 2))
    r = np.frombuffer(refs, dtype=np.int64) if len(refs) else np.empty(0, dtype=np.int64)
    order = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[order]
    loc = np.minimum(np.searchsorted(sorted_ids, r), max(len(sorted_ids) - 1, 0))
    found = sorted_ids[loc] == r if len(sorted_ids) else np.zeros(len(r), dtype=bool)
    if not np.all(found):
        raise missing_nodes_error(np.unique(r[~found]).tolist(), what=what, path=path)
    return node_ids, lonlat, order[loc].astype(np.int32), _Ways(np.asarray(counts), np.asarray(flags))


def _read_pbf(path: Path, mode: str, *, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Ways]:
    """The kept ways of a .osm.pbf file and the locations of their nodes (in order of first
    appearance in the ways), decoded with numpy (:mod:`afweging.data._pbf`)."""
    keys, judge = _way_judge(mode)
    found = _pbf.read_ways(path, relevant=keys, judge=judge, what=what)
    counts = np.concatenate(found.counts) if found.counts else np.empty(0, dtype=np.int64)
    flags = np.concatenate(found.flags) if found.flags else np.empty((0, 4), dtype=bool)
    refs = np.concatenate(found.refs) if found.refs else np.empty(0, dtype=np.int64)
    found.refs.clear()
    # np.unique(refs, return_index=True, return_inverse=True), faster: one sort of the
    # references and the first appearance per id
    by_id, sorted_refs = _argsort_ids(refs, overwrite=True)
    del refs
    new = np.ones(len(sorted_refs), dtype=bool)
    np.not_equal(sorted_refs[1:], sorted_refs[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    uniq = sorted_refs[starts]
    del sorted_refs
    first = np.minimum.reduceat(by_id, starts) if len(starts) else np.empty(0, dtype=np.int64)
    del starts
    # nodes in order of first appearance: the firsts are distinct positions in the
    # references, so a scatter over those positions orders them (no sort)
    at = np.full(len(by_id), -1, dtype=np.int32 if len(by_id) < 2**31 else np.int64)
    at[first] = np.arange(len(first))
    order = at[at >= 0]
    del first, at
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    group = np.cumsum(new, dtype=np.int32)
    group -= 1
    del new
    nodes = np.empty(len(by_id), dtype=np.int32)
    nodes[by_id] = rank[group]
    del by_id, group, rank
    lonlat = _pbf.read_locations(path, uniq, found.node_blocks, what=what, node_data=found.node_data)
    absent = np.isnan(lonlat[:, 0])
    if absent.any():
        raise missing_nodes_error(uniq[absent].tolist(), what=what, path=path)
    return uniq[order], lonlat[order], nodes, _Ways(counts, flags)


def _argsort_ids(ids: np.ndarray, *, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``order = np.argsort(ids)`` and ``ids[order]`` (ties in any order). When the id range
    and the positions fit together in 63 bits (OSM node ids do), one plain sort of
    ``(id - min) << bits | position`` (numpy sorts plain integers several times faster
    than it argsorts them). ``overwrite``: ``ids`` (int64) may be used up for the keys."""
    if len(ids) == 0:
        return np.empty(0, dtype=np.int64), ids
    lo = int(ids.min())
    span = int(ids.max()) - lo
    bits = max(int(len(ids) - 1).bit_length(), 1)
    if span.bit_length() + bits > 63:
        order = np.argsort(ids)
        return order, ids[order]
    if overwrite and ids.dtype == np.int64 and ids.flags.writeable:
        key = ids
        key -= lo
    else:
        key = ids - lo
    key <<= bits
    order = np.arange(len(ids), dtype=np.int64)
    key |= order
    key.sort()
    np.bitwise_and(key, (1 << bits) - 1, out=order)  # the positions' buffer reused
    key >>= bits
    key += lo
    return order, key


def great_circle_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distance in metres, computed as ``osmnx.distance.great_circle``."""
    y1 = np.deg2rad(lat1)
    y2 = np.deg2rad(lat2)
    delta_y = y2 - y1
    x1 = np.deg2rad(lon1)
    x2 = np.deg2rad(lon2)
    delta_x = x2 - x1
    h = np.sin(delta_y / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(delta_x / 2) ** 2
    h = np.minimum(1, h)
    arc = 2 * np.arcsin(np.sqrt(h))
    dist = arc * EARTH_RADIUS_M
    dist[np.isnan(dist)] = 0
    return np.asarray(dist, dtype=np.float64)


def _segment_lengths(lonlat: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """:func:`great_circle_m` from node ``u`` to node ``v`` (the same floats), with the
    radians and cosines computed once per node instead of per edge."""
    lat = np.deg2rad(lonlat[:, 1])
    lon = np.deg2rad(lonlat[:, 0])
    cos_lat = np.cos(lat)
    # in place: the same operations without a fresh array each
    h = lat[v]
    h -= lat[u]
    h /= 2
    np.sin(h, out=h)
    h **= 2
    sx = lon[v]
    sx -= lon[u]
    sx /= 2
    np.sin(sx, out=sx)
    sx **= 2
    del lat, lon
    c = cos_lat[u]
    c *= cos_lat[v]
    c *= sx
    h += c
    del c, sx, cos_lat
    np.minimum(1, h, out=h)
    np.sqrt(h, out=h)
    np.arcsin(h, out=h)
    h *= 2
    h *= EARTH_RADIUS_M
    h[np.isnan(h)] = 0
    return h


def _endpoints(
    u: np.ndarray, v: np.ndarray, n: int, *, nb_u: np.ndarray | None = None, nb_v: np.ndarray | None = None,
    nb_two: np.ndarray | bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """osmnx's ``_is_endpoint`` (rules 1-3) for every node of the directed edges
    ``u -> v``; and every node's neighbours.

    Returns the endpoint flags and the neighbours (in or out) of every node as a CSR
    structure ``indptr``, ``indices``: node ``i``'s distinct neighbours, sorted, are
    ``indices[indptr[i]:indptr[i + 1]]`` (a counting sort by scipy on 32-bit
    positions, no 64-bit pair keys). ``nb_u``, ``nb_v``: the same node pairs once each
    way round or not (the street segments), when at hand: half the work. ``nb_two``: the
    directed edges are exactly the segments forward and, where ``nb_two`` (``True``:
    all), backward; the degrees are then counted on the segments.
    """
    if nb_two is None or nb_u is None or nb_v is None:
        indeg = np.bincount(v, minlength=n)
        deg = np.bincount(u, minlength=n)
        loops = u[u == v]
    else:
        deg = np.bincount(nb_u, minlength=n)
        indeg = np.bincount(nb_v, minlength=n)
        if nb_two is True:  # every segment both ways
            deg += indeg
            indeg = deg.copy()
        elif np.any(nb_two):
            deg += np.bincount(nb_v[nb_two], minlength=n)
            indeg += np.bincount(nb_u[nb_two], minlength=n)
        loops = nb_u[nb_u == nb_v]
    endpoint = (indeg == 0) | (deg == 0)
    deg += indeg
    del indeg
    endpoint[loops] = True  # a self-loop
    del loops
    a, b = (u, v) if nb_u is None else (nb_u, nb_v)
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    nb = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    del rows, cols
    nb.sum_duplicates()  # sorted, distinct neighbours per node
    indptr, indices = nb.indptr, nb.indices
    endpoint |= ~((np.diff(indptr) == 2) & ((deg == 2) | (deg == 4)))
    return endpoint, indptr, indices


def _simplified_network(parts: list[Any], *, mode: str, what: str, path: Path,
                        retain_all: bool = False) -> StreetNetwork:
    """osmnx's graph building, largest component (unless ``retain_all``) and
    simplification on arrays.

    ``parts``: node ids, their longitude/latitude, the position in the node ids of every
    node reference of the ways (way after way, ``ways.counts`` each) and the ways; the
    list is emptied, so that each array goes as soon as it is used up. Node positions
    are 32-bit throughout.
    """
    node_ids, lonlat, nodes, ways = parts
    parts.clear()
    n_all = len(node_ids)
    if retain_all:
        # osmnx keeps every node of the kept ways (an OSM XML file holds other nodes too),
        # a way of one node as a node without edges
        referenced = np.zeros(n_all, dtype=bool)
        referenced[nodes] = True
    counts = ways.counts
    n_ways = len(counts)
    way_of = np.repeat(np.arange(n_ways, dtype=np.int32), counts)
    # consecutive repeated nodes of a way are dropped (osmnx._convert_path)
    keep = np.ones(len(nodes), dtype=bool)
    keep[1:] = (nodes[1:] != nodes[:-1]) | (way_of[1:] != way_of[:-1])
    nodes, way_of = nodes[keep], way_of[keep]
    del keep
    counts = np.bincount(way_of, minlength=n_ways)
    # one-way ways against their node order are turned around
    if ways.reverse.any():
        start = np.cumsum(counts) - counts
        pos = np.arange(len(nodes)) - start[way_of]
        idx = np.where(ways.reverse[way_of], start[way_of] + counts[way_of] - 1 - pos, np.arange(len(nodes)))
        del start, pos
        nodes = nodes[idx]
        del idx
    # the street segments, each once, in way order
    same = way_of[1:] == way_of[:-1]
    seg_u, seg_v, seg_way = nodes[:-1][same], nodes[1:][same], way_of[:-1][same]
    del nodes, way_of, same
    if len(seg_u) == 0:  # every kept way is a single node (after dropping repeats): no street at all
        raise NetworkError(f"{what}: {path} bevat geen samenhangend stratennetwerk voor {mode!r}: elke weg "
                           f"heeft maar één knoop. Exporteer de straten met hun knopen (volledige wegen).")

    if retain_all:  # every piece (osmnx retain_all=True)
        comp = np.flatnonzero(referenced)
        del referenced
    else:
        seg_u, seg_v, seg_way, comp = _largest_component(seg_u, seg_v, seg_way, n_all)
    new_pos = np.full(n_all, -1, dtype=np.int32)
    new_pos[comp] = np.arange(len(comp), dtype=np.int32)
    seg_u, seg_v = new_pos[seg_u], new_pos[seg_v]
    del new_pos
    n = len(comp)
    ids, coords = node_ids[comp], lonlat[comp]
    del node_ids, lonlat, comp
    seg_len = _segment_lengths(coords, seg_u, seg_v)

    # osmnx's edges in its insertion order: per way its edges, then their reverses when
    # two-way (placed by arithmetic: the segments are already grouped by way)
    two_w = ~ways.oneway
    # per way one byte: one-way, oneway:bicycle present, present and not "no" (osmnx merges
    # each of them over a simplified edge: any piece that has it)
    way_flags = (ways.oneway.astype(np.uint8) | (ways.bike_tagged.astype(np.uint8) << 1)
                 | ((ways.bike_tagged & ~ways.bike_no).astype(np.uint8) << 2))
    k = np.bincount(seg_way, minlength=n_ways)
    size = k * (1 + two_w)
    m = int(size.sum())
    pos_t = np.int32 if m < 2**31 else np.int64
    # a way's forward edges start at its block, its segments at cumsum(k) - k
    shift = np.cumsum(size) - size
    shift -= np.cumsum(k) - k
    fpos = np.arange(len(seg_u), dtype=pos_t)
    fpos += shift.astype(pos_t)[seg_way]
    del shift, size
    every = bool(two_w.all())  # walking: every way two-way
    two = None if every else two_w[seg_way]
    bpos = k.astype(pos_t)[seg_way]
    bpos += fpos
    if two is not None:
        bpos = bpos[two]
    del k
    # the edges' ends, and their segment (length and flags are looked up through it)
    edges: dict[str, np.ndarray] = {"seg_length": seg_len, "seg_flags": way_flags[seg_way]}
    del seg_len, seg_way
    for name, fwd, bwd in (("u", seg_u, seg_v), ("v", seg_v, seg_u), ("seg", None, None)):
        arr = np.empty(m, dtype=np.int32)
        if fwd is None:
            fwd = bwd = np.arange(len(seg_u), dtype=np.int32)
        arr[fpos] = fwd
        arr[bpos] = bwd if two is None else bwd[two]
        edges[name] = arr
        del fwd, bwd
    del fpos, bpos
    endpoint, indptr, indices = _endpoints(edges["u"], edges["v"], n, nb_u=seg_u, nb_v=seg_v,
                                           nb_two=True if two is None else two)
    del seg_u, seg_v, two
    nbr = [endpoint, indptr, indices]
    del endpoint, indptr, indices
    su, sv, slen, sflags, interior_off, interior_nodes, keep_nodes = _simplify(n, edges, nbr)
    # remove_rings: weak components without any endpoint on the simplified graph
    # (simplifying keeps the components as they were)
    final = np.flatnonzero(keep_nodes)
    pos = np.full(n, -1, dtype=np.int32)
    pos[final] = np.arange(len(final), dtype=np.int32)
    fu, fv = pos[su], pos[sv]
    del pos, su, sv
    ring = _ring_nodes(fu, fv, len(final), several=retain_all)
    if ring.all() or len(fu) == 0:
        raise NetworkError(f"{what}: {path} bevat geen samenhangend stratennetwerk voor {mode!r}.")
    if ring.any():  # the rings go with their edges (and any interior vertices)
        keep_nodes[final[ring]] = False
        final = final[~ring]
        keep_e = ~ring[fu]
        pos = np.cumsum(~ring, dtype=np.int32) - 1
        fu, fv = pos[fu[keep_e]], pos[fv[keep_e]]
        del pos
        inner = np.diff(interior_off)[keep_e]
        interior_nodes = interior_nodes[ranges(interior_off[:-1][keep_e], inner)]
        interior_off = np.zeros(len(fu) + 1, dtype=np.int64)
        np.cumsum(inner, out=interior_off[1:])
        slen, sflags = slen[keep_e], sflags[keep_e]
        del keep_e, inner
        if len(fu) == 0:  # only rings and ways of one node: nothing left to walk or ride on
            raise NetworkError(f"{what}: {path} bevat geen samenhangend stratennetwerk voor {mode!r}.")
    del ring
    sone = (sflags & 1) > 0

    # project every node in use once, nodes and interior vertices in one call (osmnx: one
    # CRS for both; a two-way street lists its interior vertices twice, once per direction)
    has_geom = len(interior_nodes) > 0
    used = keep_nodes
    del keep_nodes
    used[interior_nodes] = True
    take = np.flatnonzero(used)
    del used
    lon, lat = coords[take, 0], coords[take, 1]  # contiguous: projected in place
    del coords
    proj = _to_rd(lon, lat, "EPSG:4326", what=what, overwrite=True)
    del lon, lat
    if has_geom:
        at = np.full(n, -1, dtype=np.intp)
        at[take] = np.arange(len(take))
        xy, geom_xy = proj[at[final]], proj[at[interior_nodes]]
        del at
    else:  # every node in use is kept: the projected nodes are the kept ones, in order
        xy, geom_xy = proj, None
    del proj, take, interior_nodes
    # contraflow: oneway:bicycle on some piece, and "no" wherever it is
    contraflow = ((sflags & 2) > 0) & ~((sflags & 4) > 0)
    del sflags
    return StreetNetwork(
        node_ids=ids[final],
        xy=xy,
        u=fu,
        v=fv,
        length_m=slen,
        oneway=sone,
        contraflow=contraflow,
        geom_offsets=interior_off if has_geom else None,
        geom_xy=geom_xy,
        description=what,
    )


def _largest_component(
    seg_u: np.ndarray, seg_v: np.ndarray, seg_way: np.ndarray, n_all: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The street segments of the largest weakly connected component
    (``osmnx.truncate.largest_component``) and its nodes, in node order; the segments
    connect the same nodes as the directed edges."""
    touched = np.zeros(n_all, dtype=bool)
    touched[seg_u] = True
    touched[seg_v] = True
    adj = coo_matrix((np.ones(len(seg_u), dtype=np.int8), (seg_u, seg_v)), shape=(n_all, n_all))
    _, labels = connected_components(adj, directed=True, connection="weak")
    del adj
    sizes = np.bincount(labels[touched])
    biggest = np.flatnonzero(sizes == sizes.max())
    # on a tie networkx takes the component met first in node order
    first_pos = np.full(len(sizes), n_all)
    np.minimum.at(first_pos, labels[touched], np.flatnonzero(touched))
    main = biggest[np.argmin(first_pos[biggest])]
    in_main = touched & (labels == main)
    del labels, touched
    keep_s = in_main[seg_u]  # a way lies in one component: its segments stay together
    return seg_u[keep_s], seg_v[keep_s], seg_way[keep_s], np.flatnonzero(in_main)


def _ring_nodes(fu: np.ndarray, fv: np.ndarray, nf: int, *, several: bool) -> np.ndarray:
    """The nodes of the weak components of the simplified graph (edges ``fu -> fv``) in
    which no node is an endpoint (osmnx ``simplification._remove_rings``).

    ``several``: the graph may have several components (osmnx ``retain_all=True``);
    without it, it is one (the largest), which goes only when no node is an endpoint.
    The endpoint rules are first checked by degrees alone (no incoming or outgoing edge,
    a self-loop, not 2 or 4 edges); the neighbour count only for the components that
    remain.
    """
    if nf == 0:
        return np.zeros(0, dtype=bool)
    indeg, outdeg = np.bincount(fv, minlength=nf), np.bincount(fu, minlength=nf)
    deg = indeg + outdeg
    end = (indeg == 0) | (outdeg == 0) | ((deg != 2) & (deg != 4))
    del indeg, outdeg, deg
    end[fu[fu == fv]] = True
    if several:
        adj = coo_matrix((np.ones(len(fu), dtype=np.int8), (fu, fv)), shape=(nf, nf))
        n_comp, labels = connected_components(adj, directed=True, connection="weak")
        del adj
    else:
        n_comp, labels = 1, np.zeros(nf, dtype=np.int32)
    has_end = np.zeros(n_comp, dtype=bool)
    has_end[labels[end]] = True
    if not has_end.all():
        has_end[labels[_endpoints(fu, fv, nf)[0]]] = True
    return ~has_end[labels]


def _simplify(n: int, edges: dict[str, np.ndarray], nbr: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """``osmnx.simplify_graph`` on edge arrays (in osmnx's insertion order).

    ``edges``: ``u``, ``v`` and ``seg`` per edge, ``seg_length`` and ``seg_flags`` per
    segment (bit 0 one-way, bit 1 ``oneway:bicycle`` present, bit 2 present with a value
    other than "no"); an edge's length and flags are its segment's; emptied.
    ``nbr``: ``endpoint``, ``indptr``, ``indices`` from :func:`_endpoints`; emptied.

    Returns the edges of the simplified graph (ends, length, one-way, the two
    flags, or-ed over the pieces), interior node offsets and nodes and which nodes remain.
    """
    eu, ev, seg = edges.pop("u"), edges.pop("v"), edges.pop("seg")
    length, flags = edges.pop("seg_length"), edges.pop("seg_flags")
    endpoint, indptr, indices = nbr
    nbr.clear()
    m = len(eu)
    inter = ~endpoint
    # the slot in the neighbour structure (the (u, v) pair) of every directed edge that
    # touches an interstitial node: only those are looked up below
    near = np.flatnonzero(inter[eu] | inter[ev]).astype(np.int32)
    slot = np.empty(len(near), dtype=np.int32)
    todo = np.arange(len(near), dtype=np.int32)
    row = indptr[eu[near]].astype(np.int32)
    col = ev[near]
    k = 0
    while len(todo):
        at = row[todo] + k
        hit = indices[at] == col[todo]
        slot[todo[hit]] = at[hit]
        todo = todo[~hit]
        k += 1
    del row, col, todo
    # the first edge of every such directed pair (osmnx reads the first parallel edge)
    first = np.full(len(indices), m, dtype=np.int32)
    np.minimum.at(first, slot, near)
    del slot, near
    nb0 = np.full(n, -1, dtype=np.int32)
    nb1 = np.full(n, -1, dtype=np.int32)
    nb0[inter] = indices[indptr[:-1][inter]]
    nb1[inter] = indices[indptr[:-1][inter] + 1]

    # a path starts at every (endpoint -> interstitial) pair with an edge, in the order
    # of the pairs
    src = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    starts = np.flatnonzero(endpoint[src] & inter[indices] & (first < m))
    p_start = src[starts]
    p_first = first[starts]
    p_end = indices[starts].astype(np.int32)
    del src, starts
    n_paths = len(p_start)
    p_len = length[seg[p_first]]
    p_flags = flags[seg[p_first]]
    del p_first
    steps_path: list[np.ndarray] = [np.arange(n_paths, dtype=np.int32)]
    steps_node: list[np.ndarray] = [p_end.copy()]
    active = np.arange(n_paths, dtype=np.int32)
    prev = p_start.copy()
    cur = p_end.copy()
    while len(active):
        w = np.where(nb0[cur] != prev, nb0[cur], nb1[cur])
        at = indptr[cur] + (indices[indptr[cur]] != w)  # cur has two neighbours
        e = first[at]
        e[e == m] = -1  # no edge cur -> w
        go = e >= 0
        active, prev, cur, w, e = active[go], cur[go], cur[go], w[go], e[go]
        if not len(active):
            break
        se = seg[e]
        p_len[active] += length[se]
        p_flags[active] |= flags[se]
        p_end[active] = w
        steps_path.append(active)
        steps_node.append(w)
        more = ~endpoint[w]
        active, prev, cur = active[more], prev[more], w[more]
    del nb0, nb1, prev, cur, first, indptr, indices
    # every path's nodes after its start, in order: step t of path p at off[p] + t
    cnt = np.zeros(n_paths, dtype=np.int64)  # nodes after the start; the last is the end
    for sp in steps_path:
        cnt[sp] += 1
    off = np.cumsum(cnt) - cnt
    sn = np.empty(int(cnt.sum()), dtype=np.int32)
    for t, (sp, nodes) in enumerate(zip(steps_path, steps_node, strict=True)):
        sn[off[sp] + t] = nodes
    del steps_path, steps_node
    inner = cnt - 1
    is_inner = np.ones(len(sn), dtype=bool)
    is_inner[off + cnt - 1] = False
    interior_nodes = sn[is_inner]
    del sn, is_inner, off, cnt
    removed = np.zeros(n, dtype=bool)
    removed[interior_nodes] = True
    # edges kept: original edges between nodes that stay, then the merged paths
    keep_o = ~removed[eu] & ~removed[ev]
    keep_p = ~removed[p_start] & ~removed[p_end]
    off_p = np.concatenate([[0], np.cumsum(inner)]).astype(np.int64)
    interior_nodes = interior_nodes[ranges(off_p[:-1][keep_p], inner[keep_p])]
    n_orig = int(keep_o.sum())
    interior_off = np.zeros(n_orig + int(keep_p.sum()) + 1, dtype=np.int64)
    np.cumsum(inner[keep_p], out=interior_off[n_orig + 1:])
    seg_o = seg[keep_o]
    del seg
    pairs = [[eu, p_start], [ev, p_end], [length, p_len], [flags, p_flags]]
    del eu, ev, length, flags, p_start, p_end, p_len, p_flags
    out = []
    for i, pair in enumerate(pairs):  # each input goes as soon as its output is made
        orig, merged = pair
        pair.clear()
        out.append(np.concatenate([orig[keep_o] if i < 2 else orig[seg_o], merged[keep_p]]))
        del orig, merged
    return (*out, interior_off, interior_nodes, ~removed)


# -------------------------------------------------------------------- GraphML


def _literal(text: str) -> Any:
    """osmnx's reading of a stringified list or dict (``ast.literal_eval``), else the text."""
    if (text.startswith("[") and text.endswith("]")) or (text.startswith("{") and text.endswith("}")):
        with contextlib.suppress(SyntaxError, ValueError):
            return ast.literal_eval(text)
    return text


def _iter_graphml(path: Path, *, what: str) -> Iterator[tuple[str, Any]]:
    """Stream a GraphML file: ("keys", {id: name}), ("graph", attrs of <graph>), then
    ("node", (id, {name: text})) and ("edge", (source, target, {name: text})), and
    ("data", {name: text}) for the graph's own data."""
    fix = "Sla het netwerk op met `osmnx.save_graphml(G, path)`, of geef `format` in het manifest."
    keys: dict[str, str] = {}
    depth = 0
    root_seen = False
    graph_el: ET.Element | None = None
    try:
        for event, el in ET.iterparse(path, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if tag != "graphml":
                        raise NetworkError(
                            f"{what}: {path} is XML maar geen GraphML (het hoofdelement is <{tag}>). {fix}"
                        )
                if tag == "graph":
                    if graph_el is not None:
                        raise NetworkError(
                            f"{what}: {path} bevat meer dan één <graph> (geneste grafen of meer "
                            f"netwerken); verwacht wordt één stratennetwerk. {fix}"
                        )
                    graph_el = el
                    yield "keys", keys
                    yield "graph", dict(el.attrib)
                elif tag in ("node", "edge", "hyperedge"):
                    depth += 1
                continue
            if tag == "key":
                kid, name = el.get("id"), el.get("attr.name") or el.get("id")
                if kid is not None and name is not None:
                    keys[kid] = name
            elif tag == "hyperedge":
                raise NetworkError(f"{what}: {path} bevat hyperedges, die een stratennetwerk niet kan hebben. {fix}")
            elif tag in ("node", "edge"):
                depth -= 1
                data: dict[str, str] = {}
                for d in el:
                    if d.tag.rsplit("}", 1)[-1] != "data":
                        continue
                    kid = d.get("key")
                    if kid is None or kid not in keys:
                        raise NetworkError(f"{what}: {path} gebruikt datasleutel {kid!r} die geen <key> declareert. {fix}")
                    if d.text is not None and not len(d):
                        data[keys[kid]] = d.text
                if tag == "node":
                    nid = el.get("id")
                    if nid is None:
                        raise NetworkError(f"{what}: {path} heeft een <node> zonder id. {fix}")
                    yield "node", (nid, data)
                else:
                    s, t = el.get("source"), el.get("target")
                    if s is None or t is None:
                        raise NetworkError(f"{what}: {path} heeft een <edge> zonder source of target. {fix}")
                    yield "edge", (s, t, data)
                el.clear()
                if graph_el is not None:
                    graph_el.clear()  # drop the emptied children as well
            elif tag == "data" and depth == 0 and graph_el is not None:
                kid = el.get("key")
                if kid in keys and el.text is not None:
                    yield "data", {keys[kid]: el.text}
    except ET.ParseError as exc:
        raise NetworkError(f"{what}: {path} is geen GraphML-graaf (geen geldige XML: {exc}). {fix}") from exc
    if graph_el is None:
        raise NetworkError(f"{what}: {path} bevat geen <graph>-element. {fix}")


def _convert(text: str | None, conv: Any, *, where: str, attr: str) -> Any:
    """One attribute as ``osmnx.load_graphml`` converts it (lists element-wise)."""
    if text is None:
        return None
    value = _literal(text)
    try:
        return [conv(v) for v in value] if isinstance(value, list) else conv(value)
    except (TypeError, ValueError, KeyError) as exc:
        raise NetworkError(
            f"{where}: attribuut {attr!r} heeft de waarde {text!r}, die niet te lezen is ({exc}). osmnx "
            f"schrijft bijv. oneway als True/False en length in meters; herstel de waarde of sla de "
            f"graaf op met `osmnx.save_graphml(G, path)`."
        ) from exc


def network_from_graphml(path: str | Path, *, what: str | None = None) -> StreetNetwork:
    """Stream an osmnx GraphML file into a :class:`StreetNetwork` (EPSG:28992).

    Reads only what the engine needs (node ``x``/``y``; edge ``length``, ``oneway``,
    ``oneway:bicycle``, ``geometry``) as ``osmnx.load_graphml`` converts it, one element
    at a time. The result equals ``from_networkx(read_graph(path))``: same node and edge
    order (networkx's adjacency order, and osmnx's projection order when the file is not
    in EPSG:28992), same coordinates and lengths.

    Raises
    ------
    NetworkError
        Not GraphML, an undirected graph, a node without coordinates, an edge without a
        valid length or a value osmnx could not read either.
    """
    path = Path(path)
    what = what or str(path)
    node_ids: list[str] = []
    xs: list[Any] = []
    ys: list[Any] = []
    src: list[str] = []
    tgt: list[str] = []
    lengths: list[Any] = []
    oneway: list[Any] = []
    bike: list[Any] = []
    wkt: dict[int, str] = {}
    graph_data: dict[str, str] = {}
    directed = False
    for kind, item in _iter_graphml(path, what=what):
        if kind == "node":
            nid, d = item
            node_ids.append(nid)
            xs.append(d.get("x"))
            ys.append(d.get("y"))
        elif kind == "edge":
            s, t, d = item
            src.append(s)
            tgt.append(t)
            lengths.append(d.get("length"))
            oneway.append(d.get("oneway"))
            bike.append(d.get("oneway:bicycle"))
            g = d.get("geometry")
            if g is not None:
                wkt[len(src) - 1] = g
        elif kind == "graph":
            directed = item.get("edgedefault", "undirected") == "directed"
        elif kind == "data":
            graph_data.update(item)
    if not directed:
        raise NetworkError(
            f"{what}: {path} bevat een ongerichte graaf; een stratennetwerk is een gerichte "
            f"multigraaf (osmnx MultiDiGraph, `edgedefault=\"directed\"` in GraphML)."
        )
    if not node_ids or not src:
        raise NetworkError(f"{what}: de graaf heeft geen knopen of geen lijnen.")
    crs = graph_data.get("crs")
    if crs is None:
        raise NetworkError(
            f"{what}: de graaf heeft geen attribuut 'crs'. osmnx-grafen hebben dat; zet bij een "
            f"zelfgemaakte graaf `G.graph['crs'] = 'EPSG:28992'` (of het stelsel van zijn x/y)."
        )
    n, m = len(node_ids), len(src)
    # node ids: int like osmnx (node_type=int), else strings; node positions of the edges
    try:
        ids = np.asarray([int(i) for i in node_ids], dtype=np.int64)
        s_ids = np.asarray([int(i) for i in src], dtype=np.int64)
        t_ids = np.asarray([int(i) for i in tgt], dtype=np.int64)
    except ValueError:
        ids = np.asarray(node_ids, dtype=object)
        s_ids = np.asarray(src, dtype=object)
        t_ids = np.asarray(tgt, dtype=object)
    del node_ids, src, tgt
    import pandas as pd

    index = pd.Index(ids)
    if index.has_duplicates:
        dup = index[index.duplicated()][:3].tolist()
        raise NetworkError(f"{what}: {path} declareert knopen {dup} meer dan eens.")
    u = index.get_indexer(s_ids)
    v = index.get_indexer(t_ids)
    if (u < 0).any() or (v < 0).any():
        bad = np.concatenate([s_ids[u < 0], t_ids[v < 0]])[:5].tolist()
        raise NetworkError(
            f"{what}: knopen {bad} hebben geen 'x'/'y'-coördinaten. osmnx-grafen hebben die; "
            f"voeg ze per knoop toe als lengte/breedte (of in het stelsel van de graaf)."
        )
    del s_ids, t_ids, index
    xy = np.empty((n, 2), dtype=np.float64)
    for col, vals in ((0, xs), (1, ys)):
        try:
            xy[:, col] = np.asarray(vals, dtype=np.float64)
        except (TypeError, ValueError):
            for i, t in enumerate(vals):
                xy[i, col] = np.nan if t is None else _convert(t, float, where=f"{what}: {path.name} node {ids[i]}", attr="xy"[col])
    del xs, ys
    if not np.isfinite(xy).all():
        bad_n = ids[~np.isfinite(xy).all(axis=1)][:5].tolist()
        raise NetworkError(f"{what}: knopen {bad_n} hebben geen 'x'/'y'-coördinaten.")
    try:
        length = np.asarray(lengths, dtype=np.float64)
    except (TypeError, ValueError):
        conv = [_convert(t, float, where=f"{what}: {path.name} edge {i}", attr="length")
                for i, t in enumerate(lengths)]
        length = np.asarray([np.nan if (c is None or isinstance(c, list)) else c for c in conv], dtype=np.float64)
    del lengths
    bad = ~np.isfinite(length) | (length < 0)
    if bad.any():
        missing = sum(1 for x in length if np.isnan(x))
        j = int(np.flatnonzero(bad)[0])
        raise NetworkError(
            f"Lijn ({ids[u[j]]!r}, {ids[v[j]]!r}) van {what} heeft lengte {length[j]!r} "
            f"({int(bad.sum())} lijn(en) in totaal, {missing} zonder 'length'); elke lijn heeft een "
            f"eindige, niet-negatieve 'length' in meters nodig. Maak de graaf met osmnx (dat die "
            f"toevoegt) of voeg ze toe: `ox.distance.add_edge_lengths(G)`."
        )
    ow_vals = [_convert(t, _to_bool, where=f"{what}: {path.name} edge {i}", attr="oneway")
               for i, t in enumerate(oneway)] if any(t is not None for t in oneway) else oneway
    ow, rev = oneway_flags(ow_vals)
    del oneway, ow_vals
    contraflow = contraflow_flags([None if t is None else _literal(t) for t in bike])
    del bike

    # networkx's edge order: by source node, then by first appearance of (source, target)
    pair = u.astype(np.int64) * n + v
    _, first_idx, inv = np.unique(pair, return_index=True, return_inverse=True)
    order = np.lexsort((np.arange(m), first_idx[inv], u))
    del pair, first_idx, inv
    if not _same_crs_text(crs):
        # osmnx's projection rebuilds the graph edge by edge: nodes in order of first
        # appearance in the edges, then the isolated ones; edges grouped anew by source
        seq = np.column_stack([u[order], v[order]]).ravel()
        _, first_seen = np.unique(seq, return_index=True)
        appear = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        appear[seq[np.sort(first_seen)]] = np.arange(len(first_seen))
        node_order = np.lexsort((np.arange(n), appear))
        new_pos = np.empty(n, dtype=np.int64)
        new_pos[node_order] = np.arange(n)
        order = order[np.argsort(new_pos[u[order]], kind="stable")]
        ids, xy = ids[node_order], xy[node_order]
        u, v = new_pos[u], new_pos[v]
    u, v, length = u[order], v[order], length[order]
    ow, rev, contraflow = ow[order], rev[order], contraflow[order]
    geoms: list[Any] = [None] * m
    if wkt:
        pos = np.empty(m, dtype=np.int64)
        pos[order] = np.arange(m)
        where = np.fromiter(wkt.keys(), dtype=np.int64, count=len(wkt))
        try:
            shapes = shapely.from_wkt(np.asarray(list(wkt.values()), dtype=object))
        except shapely.errors.GEOSException as exc:
            raise NetworkError(f"{what}: {path.name}: een lijngeometrie is geen geldige WKT ({exc}).") from exc
        del wkt
        for i, g in zip(pos[where].tolist(), shapes, strict=True):
            geoms[i] = g
    if not _same_crs_text(crs):
        xy = _to_rd(xy[:, 0], xy[:, 1], crs, what=what)
        has = [i for i, g in enumerate(geoms) if g is not None]
        if has:
            arr = np.empty(len(has), dtype=object)
            arr[:] = [geoms[i] for i in has]
            coords, gi = shapely.get_coordinates(arr, return_index=True)
            pc = _to_rd(coords[:, 0], coords[:, 1], crs, what=what)
            for i, g in zip(has, shapely.linestrings(pc, indices=gi), strict=True):
                geoms[i] = g
    u[rev], v[rev] = v[rev].copy(), u[rev].copy()
    offsets, gxy = _interior_from_lines(geoms, xy, u, v)
    return StreetNetwork(
        node_ids=ids,
        xy=xy,
        u=u.astype(np.int32),
        v=v.astype(np.int32),
        length_m=length,
        oneway=ow,
        contraflow=contraflow,
        geom_offsets=offsets,
        geom_xy=gxy,
        description=what,
    )


def _same_crs_text(crs: str) -> bool:
    try:
        return bool(CRS.from_user_input(crs) == CRS.from_user_input(settings.crs))
    except Exception as exc:  # pyproj.exceptions.CRSError
        raise NetworkError(f"het coördinatenstelsel van het netwerk, {crs!r}, is onbekend ({exc}); gebruik een EPSG-code.") from exc


# ------------------------------------------------------------------ GeoPackage


def _line_layer(path: Path, layer: str | None, *, what: str) -> str:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio.errors.DataSourceError
        raise NetworkError(f"{what}: {path} is niet te openen als GeoPackage ({exc}).") from exc
    names = [str(n) for n, _ in layers]
    lines = [str(n) for n, g in layers if g and "LineString" in str(g)]
    if layer is not None:
        if layer not in names:
            raise NetworkError(f"{what}: {path} heeft geen laag {layer!r}; de lagen zijn {names}. Zet `layer` op een daarvan.")
        return layer
    if "edges" in names:
        return "edges"
    if len(lines) == 1:
        return lines[0]
    if not lines:  # e.g. LineStrings and MultiLineStrings in one layer: its type is 'Geometry'
        kinds = ", ".join(f"{n!r} ({g or 'geen geometrie'})" for n, g in layers)
        raise NetworkError(
            f"{what}: {path} heeft geen laag met alleen lijnen; de lagen zijn {kinds}. Staan de straten in "
            f"een van die lagen (bijvoorbeeld lijnen en multilijnen door elkaar), noem die dan met "
            f"`layer = \"...\"` in het manifest."
        )
    raise NetworkError(
        f"{what}: {path} heeft {len(lines)} lijnenlagen ({lines}); noem de stratenlaag met "
        f"`layer = \"...\"` in het manifest."
    )


def network_from_gpkg(path: str | Path, *, layer: str | None = None, what: str | None = None) -> StreetNetwork:
    """A street network from a GeoPackage line layer of edges (EPSG:28992 arrays).

    * Edges written by ``osmnx.save_graph_geopackage`` (columns ``u``, ``v``, ``length``,
      ``oneway``, optionally ``oneway:bicycle``): node ids are ``u``/``v`` (``from``/``to``,
      the direction of travel, when saved undirected, osmnx's default), their
      coordinates the ``nodes`` layer's points (``osmid``) when present, else the line
      ends; every stored edge is kept as stored.
    * Any other street lines (no ``u``/``v``): noded the way OSM ways are, at shared
      vertices. A node wherever line ends meet, and a line is cut into edges at every
      interior vertex that another vertex shares: an end or interior vertex of another
      line (a T or X junction inside a whole way, as in Geofabrik's roads) or of the
      same line (a loop through itself). Vertices are compared to the millimetre (as
      the line ends). Lines that cross between their vertices are **not** joined: a
      bridge over a street or a tunnel under it has no vertex in common with it (OSM
      draws a level junction as a shared node). An edge's length is its geometry's
      length in metres, or, when the layer has ``length``, the line's ``length`` shared
      out over its pieces in proportion to their geometric length. ``oneway`` is read
      with osmnx's values (``yes``/``true``/``1``/``F`` along the line,
      ``-1``/``reverse``/``T`` against it; ``B``, ``no`` or empty: both ways) and holds
      for every piece of the line, as ``oneway:bicycle`` does.
    * MultiLineStrings (Geofabrik's and QGIS's exports write every line as one): among
      plain lines, every part is a line of its own with the feature's attributes, as
      ``gdf.explode(index_parts=False)`` gives, and is noded as above; a ``length``
      column belongs to the whole feature and is shared over all its parts' pieces by
      geometric length. An osmnx edge (``u``/``v``) is one line from ``u`` to ``v``: a
      MultiLineString of one part is that line, one of several parts is refused, naming
      its fid, since which part runs where cannot be told.

    Features without geometry, or with an empty part, are refused among plain lines (an
    osmnx edge may lack its geometry when the ``nodes`` layer places its ends); so are
    geometries that are not lines. Messages name the features by fid, as QGIS shows them.
    """
    import geopandas as gpd

    path = Path(path)
    what = what or str(path)
    name = _line_layer(path, layer, what=what)
    try:
        gdf = gpd.read_file(path, layer=name, engine="pyogrio", fid_as_index=True)
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise NetworkError(f"{what}: laag {name!r} van {path} is niet te lezen ({exc}).") from exc
    if len(gdf) == 0:
        raise NetworkError(f"{what}: laag {name!r} van {path} heeft geen lijnen.")
    if gdf.crs is None:
        raise NetworkError(f"{what}: laag {name!r} van {path} heeft geen coördinatenstelsel; zet het (bijv. EPSG:28992) in het bestand.")
    where = f"{what}: laag {name!r} van {path}"
    by_id = "u" in gdf.columns and "v" in gdf.columns
    geoms = gdf.geometry.to_numpy()
    kind = shapely.get_type_id(geoms)  # -1: no geometry
    other = ~np.isin(kind, (-1, 1, 5))
    if other.any():
        found = ", ".join(_GEOM_NAMES.get(int(t), str(t)) for t in np.unique(kind[other]))
        raise NetworkError(
            f"{where} bevat geometrieën die geen lijnen zijn ({found}: {_features(gdf, other)}); een stratenlaag "
            f"heeft alleen LineStrings of MultiLineStrings. Verwijder die objecten of kies met `layer` de laag "
            f"met de straten."
        )
    multi = kind == 5
    part_of = None  # plain lines with MultiLineStrings: the feature of every part
    if multi.any():
        n_parts = shapely.get_num_geometries(geoms)
        if by_id:
            several = multi & (n_parts > 1)
            if several.any():
                raise NetworkError(
                    f"{where}: {int(several.sum())} rand(en) met `u`/`v` zijn een MultiLineString van meer dan "
                    f"één deel ({_features(gdf, several)}); een rand is één lijn van knoop u naar knoop v, dus "
                    f"welk deel waar loopt is niet te zeggen. Voeg de delen samen tot één LineString (QGIS: "
                    f"Lijnen samenvoegen; shapely: `line_merge`) of schrijf het netwerk opnieuw met "
                    f"`osmnx.save_graph_geopackage`; `explode()` helpt hier niet (elk deel kreeg dezelfde u en v)."
                )
            geoms = geoms.copy()  # one part (as QGIS writes every line of a Multi layer): that line
            geoms[multi] = shapely.get_geometry(geoms[multi], 0)
        else:  # every part a line of its own, as `gdf.explode(index_parts=False)` gives
            geoms, part_of = shapely.get_parts(geoms, return_index=True)
    coords, gi = shapely.get_coordinates(geoms, return_index=True)
    coords = _to_rd(coords[:, 0], coords[:, 1], gdf.crs, what=what) if len(coords) else coords
    m = len(geoms)
    count = np.bincount(gi, minlength=m)
    first_c = np.cumsum(count) - count
    has_line = count >= 2
    line_of = None  # plain lines: the input line of every edge (after splitting)
    if by_id:
        ids, xy, u, v = _gpkg_nodes_by_id(path, gdf, coords, first_c, count, what=what)
    else:
        empty = ~has_line if part_of is None else (
            (np.bincount(part_of, minlength=len(gdf)) == 0) | (np.bincount(part_of[~has_line], minlength=len(gdf)) > 0))
        if empty.any():
            raise NetworkError(
                f"{where} heeft {int(empty.sum())} lijnen zonder geometrie of met een leeg deel "
                f"({_features(gdf, empty)}). Verwijder die objecten of teken hun lijn."
            )
        line_length = _line_lengths(coords, gi, first_c, count)
        if part_of is not None:  # a feature's length: all its parts
            line_length = np.bincount(part_of, weights=line_length, minlength=len(gdf))
        coords, gi, line_of = _split_at_shared_vertices(coords, gi, first_c, count)
        if part_of is not None:
            line_of = part_of[line_of]  # every piece's feature, for its length share and attributes
        m = len(line_of)
        count = np.bincount(gi, minlength=m)
        first_c = np.cumsum(count) - count
        has_line = np.ones(m, dtype=bool)
        ends = np.concatenate([coords[first_c], coords[first_c + count - 1]])
        first_seen, inv = _group_rows(np.round(ends * 1000.0).astype(np.int64))  # nodes in order of first appearance
        ids = np.arange(len(first_seen), dtype=np.int64)
        xy = ends[first_seen]
        u, v = inv[:m], inv[m:]
    if "length" in gdf.columns:
        import pandas as pd

        length = pd.to_numeric(gdf["length"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(length) | (length < 0)
        if bad.any():
            raise NetworkError(
                f"{where}: kolom `length` heeft bij {int(bad.sum())} object(en) geen eindige, niet-negatieve "
                f"lengte in meters ({_features(gdf, bad)}). Vul daar de lengte in meters in, of verwijder de "
                f"kolom `length` (dan telt de lengte van de lijn zelf)."
            )
    else:
        length = None
    if line_of is None:
        if length is None:
            length = _line_lengths(coords, gi, first_c, count)
    else:
        # a piece of a split line: its share of the line's length by geometry
        piece = _line_lengths(coords, gi, first_c, count)
        if length is None:
            length = piece
        else:
            whole = line_length[line_of]
            # a feature without any length of line (its points on one spot): equal shares
            equal = 1.0 / np.bincount(line_of, minlength=len(line_length))[line_of]
            share = np.divide(piece, whole, out=equal, where=whole > 0)
            length = length[line_of] * share
    if "oneway" in gdf.columns:
        ow, rev = oneway_flags(gdf["oneway"].to_numpy(dtype=object))
    else:
        ow = rev = np.zeros(len(gdf), dtype=bool)
    bike_col = gdf["oneway:bicycle"].to_numpy(dtype=object) if "oneway:bicycle" in gdf.columns else [None] * len(gdf)
    contraflow = contraflow_flags([None if (b is None or b != b) else _literal(str(b)) for b in bike_col])
    if line_of is not None:
        ow, rev, contraflow = ow[line_of], rev[line_of], contraflow[line_of]
    u, v = u.copy(), v.copy()
    u[rev], v[rev] = v[rev].copy(), u[rev].copy()
    if line_of is not None:  # every piece drawn from its first node: backwards when turned around
        offsets, gxy = _interior_vertices(coords, first_c, count, rev)
    else:
        rd_lines = np.full(m, None, dtype=object)
        if has_line.any():
            keep_c = has_line[gi]
            made = shapely.linestrings(coords[keep_c], indices=np.cumsum(has_line)[gi[keep_c]] - 1)
            rd_lines[has_line] = made
        offsets, gxy = _interior_from_lines(list(rd_lines), xy, u, v)
    return StreetNetwork(
        node_ids=ids, xy=xy, u=u.astype(np.int32), v=v.astype(np.int32), length_m=length,
        oneway=ow, contraflow=contraflow, geom_offsets=offsets, geom_xy=gxy, description=what,
    )


_GEOM_NAMES = {0: "Point", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 6: "MultiPolygon", 7: "GeometryCollection"}


def _features(gdf: Any, mask: np.ndarray, *, shown: int = 5) -> str:
    """The features under ``mask`` by GeoPackage fid (as QGIS shows it), the first few."""
    fids = gdf.index.to_numpy()[mask]
    text = "fid " + ", ".join(str(f) for f in fids[:shown])
    return text + (f" en nog {len(fids) - shown}" if len(fids) > shown else "")


def _line_lengths(coords: np.ndarray, gi: np.ndarray, first_c: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Length in metres of every line (coordinates ``coords`` of line ``gi``, in line order)."""
    m = len(count)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    last = (first_c + count - 1)[count > 0]
    seg[last[last < len(seg)]] = 0.0  # no piece from one line to the next
    return np.bincount(gi[:-1], weights=seg, minlength=m) if len(seg) else np.zeros(m)


def _interior_vertices(
    coords: np.ndarray, first_c: np.ndarray, count: np.ndarray, backwards: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``geom_offsets`` and ``geom_xy`` of lines given as consecutive coordinates (>= 2 each).

    Line ``i`` is ``coords[first_c[i]:first_c[i] + count[i]]``; its interior vertices are
    read backwards where ``backwards`` (an edge turned around by its ``oneway`` value, a
    self-loop too). The same as :func:`afweging.geo.network._interior_from_lines` without
    making LineStrings.
    """
    inner = count - 2
    offsets = np.zeros(len(count) + 1, dtype=np.int64)
    np.cumsum(inner, out=offsets[1:])
    k = ranges(np.zeros(len(count), dtype=np.int64), inner)  # position within the interior
    lo = np.repeat(first_c + 1, inner)
    hi = np.repeat(first_c + count - 2, inner)
    return offsets, coords[np.where(np.repeat(backwards, inner), hi - k, lo + k)]


def _group_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal rows of an (n, 2) integer array, numbered in order of first appearance.

    Returns the position of each distinct row's first occurrence (in that order) and,
    per row, its number. The same as ``np.unique(key, axis=0, return_index=True,
    return_inverse=True)`` renumbered by first appearance, by one stable sort of the rows
    as single int64 numbers (``np.lexsort`` on the two columns when they do not fit);
    ``np.unique`` with ``axis=0`` sorts the rows as opaque bytes, about 15x slower.
    """
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo = key.min(axis=0)
    span = key.max(axis=0) - lo + 1
    if float(span[0]) * float(span[1]) < 2.0**62:  # one int64 per row: half the time of lexsort
        order = np.argsort((key[:, 0] - lo[0]) * span[1] + (key[:, 1] - lo[1]), kind="stable")
    else:
        order = np.lexsort((key[:, 1], key[:, 0]))
    # both stable: a group's first member first
    s = key[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (s[1:] != s[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    first = order[new]
    rank = np.empty(len(first), dtype=np.int64)
    by_first = np.argsort(first, kind="stable")
    rank[by_first] = np.arange(len(first))
    inv = np.empty(n, dtype=np.int64)
    inv[order] = rank[group]
    return first[by_first], inv


def _split_at_shared_vertices(
    coords: np.ndarray, gi: np.ndarray, first_c: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines cut at every interior vertex that another vertex shares (OSM-style noding).

    OSM ways meet only at shared nodes, and Geofabrik's roads are whole ways: a way that
    passes through a junction has that junction as an interior vertex. A line is cut at
    an interior vertex (neither its first nor its last) whose coordinates, rounded to the
    millimetre as the line ends are, occur again anywhere: in another line (its end or
    its interior) or elsewhere in the same line (a loop through itself). Lines that only
    cross, without a vertex in common (a bridge over a street, a tunnel under it), are
    not joined. Repeated consecutive vertices count once.

    Parameters
    ----------
    coords : ndarray, shape (k, 2)
        Every line's vertices in line order (EPSG:28992 metres).
    gi : ndarray
        The line of every vertex.
    first_c, count : ndarray
        Per line, the position of its first vertex and its number of vertices (>= 2).

    Returns
    -------
    coords : ndarray, shape (k + c, 2)
        The pieces' vertices in order; a cut vertex ends one piece and starts the next.
    piece : ndarray
        The piece of every vertex (pieces numbered in line order, then along the line).
    line_of : ndarray of int64
        The input line of every piece.
    """
    k, m = len(coords), len(count)
    key = np.round(coords * 1000.0).astype(np.int64)
    line_start = np.zeros(k, dtype=bool)
    line_start[first_c] = True
    # a run of vertices repeating the one before it (same line) counts once
    run = np.ones(k, dtype=bool)
    run[1:] = ~(key[1:] == key[:-1]).all(axis=1) | line_start[1:]
    _, inv = _group_rows(key[run])
    times = np.zeros(k, dtype=np.int64)
    times[run] = np.bincount(inv)[inv]
    # cut at a run's first vertex, unless the run starts or ends the line
    run_id = np.cumsum(run) - 1
    last_run = run_id[first_c + count - 1]
    cut = run & ~line_start & (times > 1) & (run_id != last_run[gi])
    if not cut.any():
        return coords, gi, np.arange(m, dtype=np.int64)
    rep = 1 + cut
    pos = np.cumsum(rep) - rep  # each vertex's first copy in the output
    out = np.repeat(coords, rep, axis=0)
    starts = np.zeros(len(out), dtype=bool)
    starts[pos[first_c]] = True
    starts[pos[cut] + 1] = True
    piece = np.cumsum(starts) - 1
    line_of = np.repeat(gi, rep)[starts].astype(np.int64)
    return out, piece, line_of


def _gpkg_nodes_by_id(
    path: Path, gdf: Any, coords: np.ndarray, first_c: np.ndarray, count: np.ndarray, *, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Node ids, coordinates and edge ends of an osmnx edge layer (``u``/``v`` columns)."""
    import pandas as pd
    import pyogrio

    # osmnx saves an undirected GeoPackage by default: each street once, its direction
    # of travel in 'from'/'to'
    cols = ("from", "to") if {"from", "to"} <= set(gdf.columns) else ("u", "v")
    try:
        su = pd.to_numeric(gdf[cols[0]], errors="raise").to_numpy(dtype=np.int64)
        sv = pd.to_numeric(gdf[cols[1]], errors="raise").to_numpy(dtype=np.int64)
    except (ValueError, TypeError) as exc:
        raise NetworkError(f"{what}: kolommen {cols} van {path} moeten gehele knoopnummers zijn ({exc}).") from exc
    names = [str(n) for n, _ in pyogrio.list_layers(path)]
    if "nodes" in names:
        import geopandas as gpd

        nodes = gpd.read_file(path, layer="nodes", engine="pyogrio")
        id_col = "osmid" if "osmid" in nodes.columns else None
        if id_col is None or nodes.crs is None:
            raise NetworkError(
                f"{what}: de laag 'nodes' van {path} heeft een kolom 'osmid' en een coördinatenstelsel "
                f"nodig (zoals osmnx.save_graph_geopackage ze schrijft)."
            )
        ids = pd.to_numeric(nodes[id_col], errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(ids).any():
            raise NetworkError(f"{what}: de laag 'nodes' van {path} heeft knopen zonder 'osmid'.")
        ids = ids.astype(np.int64)
        pts = shapely.get_coordinates(nodes.geometry.to_numpy())
        if len(pts) != len(ids):
            raise NetworkError(f"{what}: de laag 'nodes' van {path} heeft knopen zonder punt.")
        xy = _to_rd(pts[:, 0], pts[:, 1], nodes.crs, what=what)
        index = pd.Index(ids)
        u, v = index.get_indexer(su), index.get_indexer(sv)
        if (u < 0).any() or (v < 0).any():
            bad = np.concatenate([su[u < 0], sv[v < 0]])[:3].tolist()
            raise NetworkError(f"{what}: lijnen van {path} verwijzen naar knopen {bad} die de laag 'nodes' niet heeft.")
        return ids, xy, u.astype(np.int64), v.astype(np.int64)
    if (count < 2).any():
        raise NetworkError(
            f"{what}: {path} heeft lijnen zonder geometrie en geen laag 'nodes' om hun eindpunten te plaatsen."
        )
    ends_id = np.concatenate([su, sv])
    ends_xy = np.concatenate([coords[first_c], coords[first_c + count - 1]])
    ids, first_seen, inv = np.unique(ends_id, return_index=True, return_inverse=True)
    return ids, ends_xy[first_seen], inv[: len(su)].astype(np.int64), inv[len(su):].astype(np.int64)
