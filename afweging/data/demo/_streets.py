"""Demostad's streets: ways per buurt, noding, and the walk and bike graphs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import polygonize

from afweging import settings
from afweging.data.demo._layout import (
    _BUURTEN,
    _OUTLINE,
    _QUAY_OFFSET_M,
    _SERVICE_ROAD_OFFSET_M,
    _STUB_MAX_M,
    NAME,
    ORIGIN_X_M,
    ORIGIN_Y_M,
    _BuurtSpec,
    _curve,
    canal_x_m,
    ring_road_x_m,
)


# --------------------------------------------------------------------------- ways
@dataclass
class _Way:
    geom: LineString
    highway: str
    name: str
    walk: bool = True
    bike: bool = True
    oneway: bool = False
    oneway_bicycle: str | None = None
    crosses: frozenset[str] = frozenset()
    buurt: str | None = None  # for internal streets: the buurt they serve
    homes: bool = False  # lined with homes


def _boundary_lines() -> dict[str, LineString]:
    """Lines that, with the outline, cut the town into buurten (local metres)."""
    return {
        "canal": _curve(canal_x_m, -60, 1860),
        "ring": _curve(ring_road_x_m, -60, 1860),
        "Westsingel": LineString([(550, -50), (550, 620), (520, 1200), (540, 1850)]),
        "Oostsingel": LineString([(1700, -50), (1720, 600), (1680, 1200), (1700, 1850)]),
        "Zuidsingel": LineString([(-50, 620), (1100, 600), (2150, 580)]),
        "Noordsingel": LineString([(-50, 1200), (1100, 1220), (2160, 1200)]),
        "Industrieweg": LineString([(2050, 750), (2850, 760)]),
        "Veldweg": LineString([(2050, 1300), (2850, 1290)]),
    }


def _cells(lines: dict[str, LineString]) -> dict[str, Polygon]:
    """Polygonise the boundary lines into one polygon per buurt spec."""
    noded = shapely.union_all([_OUTLINE.exterior, *lines.values()])
    polys = [p for p in polygonize(shapely.get_parts(noded)) if _OUTLINE.contains(p.representative_point())]
    out: dict[str, Polygon] = {}
    for spec in _BUURTEN:
        pt = Point(spec.seed_xy)
        hits = [p for p in polys if p.contains(pt)]
        if len(hits) != 1:  # pragma: no cover - a layout error, caught by the tests
            raise RuntimeError(f"demo layout: {spec.name} seed point is in {len(hits)} cells")
        out[spec.code] = hits[0]
    if len(polys) != len(_BUURTEN):  # pragma: no cover
        raise RuntimeError(f"demo layout: {len(polys)} cells for {len(_BUURTEN)} buurten")
    return out


def _grid_lines(poly: Polygon, spec: _BuurtSpec, rng: np.random.Generator) -> list[tuple[LineString, bool]]:
    """Parallel streets in two directions over a buurt, rotated, before clipping.

    Returns (line, along_x) pairs; homes face the streets along x (the long sides of
    the blocks), the cross streets mostly see gable ends.
    """
    cx, cy = poly.centroid.x, poly.centroid.y
    minx, miny, maxx, maxy = poly.bounds
    half = math.hypot(maxx - minx, maxy - miny) / 2 + 20
    a = math.radians(spec.angle_deg)
    ca, sa = math.cos(a), math.sin(a)
    sx, sy = spec.grid_m
    phase_x, phase_y = rng.uniform(0, sx), rng.uniform(0, sy)
    t = np.arange(-half, half + 1, 10.0)
    bend = 22.0 if spec.curvy else 0.0
    lines: list[tuple[LineString, bool]] = []
    for k, off in enumerate(np.arange(-half + phase_y, half, sy)):  # along x ("E-W")
        u, v = t, off + bend * np.sin(t / 90.0 + k)
        lines.append((LineString(np.column_stack([cx + u * ca - v * sa, cy + u * sa + v * ca])), True))
    for k, off in enumerate(np.arange(-half + phase_x, half, sx)):  # along y ("N-S")
        u, v = off + bend * np.sin(t / 110.0 + k), t
        lines.append((LineString(np.column_stack([cx + u * ca - v * sa, cy + u * sa + v * ca])), False))
    return lines


def _main_ways(lines: dict[str, LineString]) -> list[_Way]:
    """Singels, through roads, quays, service roads, park paths and cycle paths."""
    canal, ring = frozenset({"canal"}), frozenset({"ring"})
    quay_x = float(canal_x_m(372.0)) - _QUAY_OFFSET_M  # the park path ends just past the quay
    ways = [
        _Way(lines["Zuidsingel"], "tertiary", "Zuidsingel", crosses=canal),
        _Way(lines["Noordsingel"], "tertiary", "Noordsingel", crosses=canal),
        _Way(lines["Westsingel"], "tertiary", "Westsingel"),
        _Way(lines["Oostsingel"], "tertiary", "Oostsingel"),
        _Way(lines["Industrieweg"], "tertiary", "Industrieweg"),
        _Way(lines["Veldweg"], "residential", "Veldweg"),
        _Way(LineString([(-50, 900), (1100, 910), (2100, 905), (2850, 1010)]), "secondary", "Vaartweg",
             crosses=canal | ring),
        _Way(LineString([(1680, 1550), (2100, 1560), (2850, 1560)]), "tertiary", "Weideweg", crosses=ring),
        _Way(_curve(canal_x_m, -40, 1840, -_QUAY_OFFSET_M), "residential", "Westkade"),
        _Way(_curve(canal_x_m, -40, 1840, _QUAY_OFFSET_M), "residential", "Oostkade"),
        _Way(_curve(ring_road_x_m, -40, 1840, -_SERVICE_ROAD_OFFSET_M), "unclassified", "Ventweg"),
        _Way(_curve(ring_road_x_m, -40, 1840, _SERVICE_ROAD_OFFSET_M), "unclassified", "Oostelijke Ventweg"),
        # Julianapark: a cycle route through the park to the cycle bridge (bike only) ...
        _Way(LineString([(780, 612), (770, 470), (700, 330), (740, 220), (900, 240), (1106, 250)]),
             "cycleway", "Julianafietspad", walk=False),
        _Way(LineString([(1106, 250), (1182, 250)]), "cycleway", "Fietsbrug De Vaart", walk=False, crosses=canal),
        # ... a cycle tunnel under the ring road to the business park (bike only) ...
        _Way(LineString([(2040, 350), (2180, 350)]), "cycleway", "Fietstunnel Rondweg", walk=False, crosses=ring),
        # ... and footpaths through the park (walk only)
        _Way(LineString([(545, 300), (700, 330), (850, 400), (1000, 380), (quay_x + 4.0, 372)]),
             "footway", "Parkpad", bike=False),
        _Way(LineString([(880, 609), (880, 480), (850, 400)]), "footway", "Vijverpad", bike=False),
    ]
    return ways


def _internal_ways(
    cells: dict[str, Polygon],
    main: list[_Way],
    green: gpd.GeoDataFrame,
    no_street: Polygon,
    rng: np.random.Generator,
) -> list[_Way]:
    """Residential street grids of every buurt, clipped to the buurt and cut by green."""
    main_zone = shapely.union_all([w.geom for w in main]).buffer(25.0)
    out: list[_Way] = []
    for spec in _BUURTEN:
        poly = cells[spec.code]
        local_green = green.geometry[green.intersects(poly)]
        cut = shapely.union_all([no_street, *local_green.buffer(2.0)])
        region = poly.buffer(4.0).difference(cut)
        highway = "unclassified" if spec.profile == "bedrijven" else "residential"
        for k, (line, along_x) in enumerate(_grid_lines(poly, spec, rng)):
            lined = spec.profile != "bedrijven" and (along_x or spec.profile == "villa")
            clipped = line.intersection(region)
            for part in shapely.get_parts(clipped):
                if part.geom_type != "LineString" or part.length < 30:
                    continue
                # drop streets that run along a main road (they would duplicate it)
                if part.difference(main_zone).length < 0.4 * part.length:
                    continue
                name = spec.theme[k % len(spec.theme)]
                hw = "pedestrian" if name == "Lange Winkelstraat" else highway
                out.append(_Way(part, hw, name, buurt=spec.code, homes=lined))
    return out


def _mark_oneways(ways: list[_Way]) -> None:
    """One-way streets in the Binnenstad: its inner E-W grid streets.

    Alternately, cycling against the flow is allowed (``oneway:bicycle = "no"``) or not;
    every second pair runs the other way.
    """
    centre = [w for w in ways if w.buurt == "BU99990101" and w.highway == "residential"]
    ew = [w for w in centre if abs(w.geom.coords[-1][1] - w.geom.coords[0][1])
          < abs(w.geom.coords[-1][0] - w.geom.coords[0][0]) and w.geom.length > 250]
    ew.sort(key=lambda w: w.geom.centroid.y)
    for i, w in enumerate(ew[1:-1]):
        if (i // 2) % 2:
            w.geom = w.geom.reverse()
        w.oneway = True
        w.oneway_bicycle = "no" if i % 2 == 0 else None


# --------------------------------------------------------------------------- noding
@dataclass
class _Segments:
    geoms: np.ndarray  # LineStrings (local metres), oriented along their way
    way: np.ndarray  # index into the ways list
    u: np.ndarray  # node index of the start
    v: np.ndarray  # node index of the end
    node_xy: np.ndarray  # (n, 2) local metres


def _node(ways: list[_Way]) -> _Segments:
    """Split all ways at their crossings, drop clipping stubs, keep the main component."""
    geoms = np.array([w.geom for w in ways], dtype=object)
    segs = shapely.get_parts(shapely.union_all(geoms))
    segs = segs[shapely.length(segs) > 0.01]
    mids = shapely.line_interpolate_point(segs, 0.5, normalized=True)
    tree = shapely.STRtree(geoms)
    s_idx, w_idx = tree.query(mids, predicate="dwithin", distance=1e-3)
    order = np.lexsort((w_idx, s_idx))  # per segment the way listed first (main roads first)
    s_idx, w_idx = s_idx[order], w_idx[order]
    first = np.unique(s_idx, return_index=True)[1]
    way_of = np.full(len(segs), -1)
    way_of[s_idx[first]] = w_idx[first]
    keep = way_of >= 0
    segs, way_of = segs[keep], way_of[keep]
    # orient each segment along its way (one-way streets keep their direction)
    starts = shapely.get_point(segs, 0)
    ends = shapely.get_point(segs, -1)
    pos0 = shapely.line_locate_point(geoms[way_of], starts)
    pos1 = shapely.line_locate_point(geoms[way_of], ends)
    flip = pos0 > pos1
    segs[flip] = shapely.reverse(segs[flip])

    def endpoints(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = shapely.get_coordinates(shapely.get_point(s, 0))
        b = shapely.get_coordinates(shapely.get_point(s, -1))
        keys = np.round(np.vstack([a, b]), 3)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        inv = inv.ravel()
        return uniq, inv[: len(s)], inv[len(s):]

    for _ in range(3):  # remove dangling stubs left by clipping
        xy, u, v = endpoints(segs)
        deg = np.bincount(np.concatenate([u, v]), minlength=len(xy))
        stub = ((deg[u] == 1) | (deg[v] == 1)) & (shapely.length(segs) < _STUB_MAX_M)
        if not stub.any():
            break
        segs, way_of = segs[~stub], way_of[~stub]
    xy, u, v = endpoints(segs)
    g = nx.Graph()
    g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    main = max(nx.connected_components(g), key=len)
    keep = np.isin(u, np.fromiter(main, dtype=np.int64))
    segs, way_of = segs[keep], way_of[keep]
    xy, u, v = endpoints(segs)
    # every segment starts and ends exactly on its (rounded) nodes, as in osmnx graphs
    coords, idx = shapely.get_coordinates(segs, return_index=True)
    count = np.bincount(idx, minlength=len(segs))
    last = np.cumsum(count) - 1
    coords[last - count + 1] = xy[u]
    coords[last] = xy[v]
    segs = shapely.linestrings(coords, indices=idx)
    return _Segments(segs, way_of, u, v, xy)


def _graphs(ways: list[_Way], seg: _Segments) -> dict[str, nx.MultiDiGraph]:
    """Walk and bike MultiDiGraphs in RD New, osmnx conventions."""
    offset = np.array([ORIGIN_X_M, ORIGIN_Y_M])
    rd = shapely.transform(seg.geoms, lambda c: c + offset)
    lengths = shapely.length(rd)
    node_ids = np.arange(1, len(seg.node_xy) + 1)
    out: dict[str, nx.MultiDiGraph] = {}
    for mode in ("walk", "bike"):
        g = nx.MultiDiGraph(crs=settings.crs, name=f"{NAME} {mode}", created_with="afweging demo",
                            simplified=True)
        for i in range(len(rd)):
            w = ways[seg.way[i]]
            if not getattr(w, mode):
                continue
            u, v = int(node_ids[seg.u[i]]), int(node_ids[seg.v[i]])
            attrs = {"osmid": int(seg.way[i]) + 1, "highway": w.highway, "name": w.name,
                     "length": float(lengths[i])}
            if mode == "bike" and w.oneway:
                extra = {"oneway:bicycle": w.oneway_bicycle} if w.oneway_bicycle else {}
                g.add_edge(u, v, oneway=True, reversed=False, geometry=rd[i], **attrs, **extra)
                continue
            g.add_edge(u, v, oneway=False, reversed=False, geometry=rd[i], **attrs)
            g.add_edge(v, u, oneway=False, reversed=True, geometry=shapely.reverse(rd[i]), **attrs)
        main = max(nx.weakly_connected_components(g), key=len)
        g.remove_nodes_from([n for n in list(g.nodes) if n not in main])
        for n in g.nodes:
            x, y = seg.node_xy[n - 1] + offset
            g.nodes[n]["x"] = float(x)
            g.nodes[n]["y"] = float(y)
            g.nodes[n]["street_count"] = len(set(g.predecessors(n)) | set(g.successors(n)))
        out[mode] = g
    return out


