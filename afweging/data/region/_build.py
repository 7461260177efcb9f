"""The Demoregio generated: gemeenten, buurten, streets, homes, facilities, green, rasters.

Everything is vectorised over the streets and homes (numpy, shapely 2, rasterio), so a
region of a million homes is generated in well under a minute.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features as rio_features
from scipy import ndimage, signal

from afweging import settings
from afweging.data.demo._homes import households
from afweging.data.demo._layout import _PROFILES
from afweging.data.demo._statistics import STAT_COLUMNS, aggregate_statistics, household_statistics
from afweging.data.region._model import Region, StreetArrays
from afweging.data.tags import categorise, load_tag_table
from afweging.geo.area import Provenance, assign_buurt
from afweging.geo.raster import Raster

#: Provenance source of every piece of the Demoregio.
SOURCE = "Synthetische demoregio (afweging), geen echte gegevens"
#: Name of the region.
NAME = "Demoregio"
_LICENCE = "MIT (gegenereerd door afweging)"

#: Lower-left corner of the region in RD New metres.
ORIGIN_X_M = 160_000.0
ORIGIN_Y_M = 430_000.0

_STREET_SPACING_M = 100.0
_STREET_JITTER_M = 12.0
_MAIN_ROAD_EVERY = 8  # every 8th grid line is a main road (secondary), with a bridge
_RIVER_HALF_WIDTH_M = 15.0
_RASTER_CELL_M = 25.0
_RASTER_MARGIN_M = 200.0
_OAD_RADIUS_M = 1000.0
_OAD_CELL_M = 100.0
_HOMES_PER_BUURT = 600.0

_GEMEENTE_NAMES = (
    "Noordervaart", "Zuiderbroek", "Oosterwold", "Westerdijk", "Middelhoven", "Brokkelveen",
    "Hoogeland", "Lageweide", "Kerkhove", "Molenaarsgraaf", "Zandvoorde", "Veenhuizen",
)
_PREFIX = ("Oude", "Nieuwe", "Hoge", "Lage", "Groene", "Korte", "Lange", "Ooster", "Wester", "Zuider")
_NOUN = ("Hof", "Weide", "Veld", "Dijk", "Haven", "Akker", "Brink", "Kamp", "Polder", "Laan",
         "Gaarde", "Hoek", "Wijk", "Erf", "Vliet", "Horst")

#: Homes per metre of street (both sides) per buurt profile, before scaling to the target.
_DENSITY = {"centrum": 3.0, "haven": 3.0, "flats": 4.0, "gemengd": 3.0, "jaren30": 2.5,
            "villa": 0.5, "nieuwbouw": 2.0, "bedrijven": 0.0}

#: Facilities per 1,000 residents, by OSM tag (the tag table maps them to categories).
_RATES: tuple[tuple[str, str, float], ...] = (
    ("leisure", "playground", 1.2), ("amenity", "community_centre", 0.2),
    ("amenity", "library", 0.05), ("amenity", "doctors", 0.3), ("amenity", "pharmacy", 0.15),
    ("amenity", "school", 0.35), ("amenity", "childcare", 0.5), ("shop", "supermarket", 0.3),
    ("shop", "bakery", 0.3), ("shop", "convenience", 0.3), ("leisure", "sports_centre", 0.2),
    ("leisure", "pitch", 0.3), ("amenity", "nursing_home", 0.1), ("amenity", "dentist", 0.2),
    ("amenity", "theatre", 0.03), ("tourism", "museum", 0.03),
)
#: Tags of the facilities placed close to the gemeente borders.
_BORDER_TAGS = (("shop", "supermarket"), ("amenity", "doctors"), ("leisure", "playground"),
                ("amenity", "school"), ("amenity", "pharmacy"), ("amenity", "community_centre"))


def _provenance(note: str) -> Provenance:
    return Provenance(source=SOURCE, path=None, licence=_LICENCE, note=note)


def _name(rng: np.random.Generator, used: set[str]) -> str:
    for _ in range(1000):
        n = f"{_PREFIX[rng.integers(len(_PREFIX))]} {_NOUN[rng.integers(len(_NOUN))]}"
        if n not in used:
            used.add(n)
            return n
    n = f"Buurt {len(used) + 1}"
    used.add(n)
    return n


def _random_points_in(poly: shapely.Geometry, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` uniform random points inside a polygon (rejection sampling in its bbox)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out = np.empty((0, 2))
    while len(out) < k:
        n = max(4 * k, 64)
        xy = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
        out = np.vstack([out, xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]])
    return out[:k]


def _voronoi_cells(seeds: np.ndarray, clip: shapely.Geometry) -> list[shapely.Geometry]:
    """Voronoi cells of ``seeds`` clipped to ``clip``, in the order of the seeds."""
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=clip))
    pts = shapely.points(seeds)
    tree = shapely.STRtree(cells)
    idx_pt, idx_cell = tree.query(pts, predicate="within")
    order = np.full(len(seeds), -1)
    order[idx_pt] = idx_cell
    return [shapely.intersection(cells[order[i]], clip) for i in range(len(seeds))]


def _river_y(x: np.ndarray, height: float, width: float) -> np.ndarray:
    return 0.45 * height + 0.08 * height * np.sin(2.0 * np.pi * x / max(width, 1.0) * 1.5)


# --------------------------------------------------------------------------- layout
def _layout(n: int, homes: int, homes_per_km2: float, rng: np.random.Generator):
    area_km2 = homes / homes_per_km2
    cols = max(1, math.ceil(math.sqrt(n * 1.5)))
    rows = math.ceil(n / cols)
    cell_m = math.sqrt(area_km2 * 1e6 / (cols * rows))
    width, height = cols * cell_m, rows * cell_m
    frame = shapely.box(0.0, 0.0, width, height)
    cx = (np.arange(n) % cols + 0.5) * cell_m + rng.uniform(-0.15, 0.15, n) * cell_m
    cy = (np.arange(n) // cols + 0.5) * cell_m + rng.uniform(-0.15, 0.15, n) * cell_m
    if rows * cols > n:  # an incomplete last row: spread its seeds over the width
        last = np.arange(n) // cols == rows - 1
        k = int(last.sum())
        cx[last] = (np.arange(k) + 0.5) * width / k
    centres = np.column_stack([cx, cy])
    cells = _voronoi_cells(centres, frame)
    return width, height, frame, centres, cells


def _buurten(gem_cells: list[shapely.Geometry], centres: np.ndarray, codes: list[str], homes: int,
             total_area: float, rng: np.random.Generator):
    b_rows, w_rows = [], []
    used: set[str] = set()
    for gi, (cell, code) in enumerate(zip(gem_cells, codes, strict=True)):
        k = max(5, round(homes * cell.area / total_area / _HOMES_PER_BUURT))
        seeds = _random_points_in(cell, k, rng)
        bcells = _voronoi_cells(seeds, cell)
        n_w = max(2, round(k / 5))
        wseeds = seeds[rng.choice(k, n_w, replace=False)]
        wijk_of = np.argmin(((seeds[:, None, :] - wseeds[None, :, :]) ** 2).sum(axis=2), axis=1)
        radius = math.sqrt(cell.area / math.pi)
        rel = np.hypot(*(seeds - centres[gi]).T) / radius
        profile = np.select(
            [rel < 0.2, rel < 0.35, rel < 0.5, rel < 0.7, rel < 0.9],
            ["centrum", "flats", "gemengd", "jaren30", "nieuwbouw"], default="villa",
        ).astype(object)
        outer = np.flatnonzero(rel >= 0.5)
        biz = outer[rng.integers(len(outer))] if len(outer) else int(np.argmax(rel))
        profile[biz] = "bedrijven"
        digits = code[2:]
        wnames = {}
        for w in np.unique(wijk_of):
            wcode = f"WK{digits}{w + 1:02d}"
            wnames[w] = wcode
            w_rows.append({"wijkcode": wcode, "wijknaam": _name(rng, used), "gemeentecode": code})
        counter: dict[int, int] = {}
        for b in range(k):
            w = int(wijk_of[b])
            counter[w] = counter.get(w, 0) + 1
            name = "Bedrijventerrein " + _name(rng, used) if profile[b] == "bedrijven" else _name(rng, used)
            b_rows.append({"buurtcode": f"BU{digits}{w + 1:02d}{counter[w]:02d}", "buurtnaam": name,
                           "wijkcode": wnames[w], "gemeentecode": code, "profile": profile[b],
                           "geometry": bcells[b]})
    buurten = gpd.GeoDataFrame(b_rows, geometry="geometry").set_index("buurtcode")
    wijken = pd.DataFrame(w_rows).set_index("wijkcode")
    geoms = buurten.geometry.groupby(buurten["wijkcode"]).agg(lambda s: shapely.union_all(s.to_numpy()))
    wijken = gpd.GeoDataFrame(wijken, geometry=geoms.reindex(wijken.index).to_numpy())
    return buurten, wijken


# --------------------------------------------------------------------------- streets
def _streets(width: float, height: float, buurt_profile_at, rng: np.random.Generator):
    s = _STREET_SPACING_M
    nx_, ny_ = int(width // s) + 1, int(height // s) + 1
    gi, gj = np.meshgrid(np.arange(nx_), np.arange(ny_), indexing="ij")
    ii, jj = gi.ravel(), gj.ravel()
    xy = np.column_stack([ii * s, jj * s]).astype(float)
    inner = (ii > 0) & (ii < nx_ - 1) & (jj > 0) & (jj < ny_ - 1)
    xy[inner] += rng.uniform(-_STREET_JITTER_M, _STREET_JITTER_M, (int(inner.sum()), 2))
    idx = ii * ny_ + jj  # node position (meshgrid "ij" order)
    h = ii < nx_ - 1  # edges along x from (i, j) to (i + 1, j)
    h_u, h_v, h_main = idx[h], idx[h] + ny_, (jj[h] % _MAIN_ROAD_EVERY) == 0
    vt = jj < ny_ - 1  # edges along y from (i, j) to (i, j + 1)
    v_u, v_v, v_main = idx[vt], idx[vt] + 1, (ii[vt] % _MAIN_ROAD_EVERY) == 0
    u = np.concatenate([h_u, v_u])
    v = np.concatenate([h_v, v_v])
    main = np.concatenate([h_main, v_main])
    highway = np.where(main, "secondary", "residential").astype(object)
    # the river: only main roads and a few cycle bridges cross it
    f = xy[:, 1] - _river_y(xy[:, 0], height, width)
    crosses = (f[u] * f[v]) < 0
    cycle_bridge = crosses & ~main & (rng.random(len(u)) < 0.12)
    highway[cycle_bridge] = "cycleway"
    keep = ~crosses | main | cycle_bridge
    # some streets are missing (blocks, canals): irregular but connected
    drop = (~main) & (~cycle_bridge) & (rng.random(len(u)) < 0.07)
    keep &= ~drop
    u, v, highway = u[keep], v[keep], highway[keep]
    mid = (xy[u] + xy[v]) / 2.0
    prof = buurt_profile_at(mid)
    central = np.isin(prof, ("centrum", "gemengd"))
    footway = (highway == "residential") & central & (rng.random(len(u)) < 0.04)
    highway[footway] = "footway"
    oneway = (highway == "residential") & central & (rng.random(len(u)) < 0.15)
    flip = oneway & (rng.random(len(u)) < 0.5)
    u, v = np.where(flip, v, u), np.where(flip, u, v)
    contraflow = oneway & (rng.random(len(u)) < 0.4)
    length = np.hypot(*(xy[u] - xy[v]).T)
    node_id = np.arange(1, len(xy) + 1, dtype=np.int64)
    nets: dict[str, StreetArrays] = {}
    for mode, allowed in (("walk", highway != "cycleway"), ("bike", highway != "footway")):
        sel = np.flatnonzero(allowed)
        walk = mode == "walk"
        net = StreetArrays(
            mode, node_id, xy, u[sel].astype(np.int64), v[sel].astype(np.int64), length[sel],
            highway[sel].astype(str), np.zeros(len(sel), bool) if walk else oneway[sel],
            np.zeros(len(sel), bool) if walk else contraflow[sel],
        )
        nets[mode] = _largest_piece(net)
    return nets, xy


def _largest_piece(net: StreetArrays) -> StreetArrays:
    """Only the largest weakly connected part (as the demo and osmnx keep)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(net.node_id)
    m = coo_matrix((np.ones(net.n_edges), (net.u, net.v)), shape=(n, n))
    _, labels = connected_components(m, directed=True, connection="weak")
    counts = np.bincount(labels[np.concatenate([net.u, net.v])])
    big = int(np.argmax(counts))
    return net.subset(labels[net.u] == big)


# --------------------------------------------------------------------------- homes
def _homes(walk: StreetArrays, buurten: gpd.GeoDataFrame, river, green_union, target: int,
           rng: np.random.Generator) -> gpd.GeoDataFrame:
    a, b = walk.node_xy[walk.u], walk.node_xy[walk.v]
    mid = (a + b) / 2.0
    mid_b = assign_buurt(gpd.GeoDataFrame(geometry=shapely.points(mid)), buurten).to_numpy()
    dens = pd.Series(mid_b).map(buurten["profile"].map(_DENSITY)).fillna(0.15).to_numpy(dtype=float, copy=True)
    dens[walk.highway == "footway"] = 0.0
    weight = dens * walk.length_m
    expected = target * 1.08 * weight / weight.sum()  # a few are dropped (green, water)
    counts = rng.poisson(expected)
    e = np.repeat(np.arange(walk.n_edges), counts)
    n = len(e)
    t = rng.uniform(0.08, 0.92, n)
    d = b[e] - a[e]
    unit = d / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    normal = np.column_stack([-unit[:, 1], unit[:, 0]])
    side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    off = rng.uniform(9.0, 22.0, n)
    xy = a[e] + d * t[:, None] + normal * (side * off)[:, None]
    pts = shapely.points(xy)
    ok = ~shapely.intersects(river, pts)
    if green_union is not None:
        shapely.prepare(green_union)
        ok &= ~shapely.contains_xy(green_union, xy[:, 0], xy[:, 1])
    xy = xy[ok]
    gdf = gpd.GeoDataFrame(geometry=shapely.points(xy))
    code = assign_buurt(gdf, buurten)
    inside = code.notna().to_numpy()
    xy, code = xy[inside], code[inside].to_numpy().astype(str)
    profile = buurten["profile"].reindex(code).to_numpy()
    p_apt = pd.Series(profile).map({k: p.p_slab for k, p in _PROFILES.items()}).to_numpy(dtype=float)
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "buurtcode": code,
                          "apartment": rng.random(len(code)) < p_apt})
    return households(frame, rng, profile=profile)


# --------------------------------------------------------------------------- green
def _green(buurten: gpd.GeoDataFrame, gem_cells: list, rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows = []
    for code, poly in zip(buurten.index, buurten.geometry, strict=True):
        if buurten.at[code, "profile"] == "bedrijven":
            continue
        if rng.random() < 0.6:
            c = _random_points_in(poly, 1, rng)[0]
            r = rng.uniform(35.0, 90.0)
            rows.append(("park", shapely.Point(c).buffer(r, quad_segs=6)))
            if rng.random() < 0.3:  # a park mapped as lawn plus trees: two touching polygons
                rows.append(("park", shapely.box(c[0], c[1] - r / 2, c[0] + 1.6 * r, c[1] + r / 2)))
        if rng.random() < 0.5:
            c = _random_points_in(poly, 1, rng)[0]
            rows.append(("plantsoen", shapely.Point(c).buffer(rng.uniform(12.0, 25.0), quad_segs=4)))
    # parks on the borders between gemeenten
    for i in range(len(gem_cells)):
        for j in range(i + 1, len(gem_cells)):
            border = shapely.intersection(gem_cells[i].boundary, gem_cells[j].boundary)
            if border.length < 200.0:
                continue
            for f in rng.uniform(0.2, 0.8, 1 + int(border.length > 1500.0)):
                c = shapely.line_interpolate_point(border, f, normalized=True)
                rows.append(("park", c.buffer(rng.uniform(60.0, 120.0), quad_segs=6)))
    names = [f"{'Park' if k == 'park' else 'Plantsoen'} {i + 1}" for i, (k, _) in enumerate(rows)]
    return gpd.GeoDataFrame({"name": names, "kind": [k for k, _ in rows]},
                            geometry=[g for _, g in rows])


# --------------------------------------------------------------------------- facilities
def _facilities(homes: pd.DataFrame, buurten: gpd.GeoDataFrame, gem_cells: list, codes: list[str],
                green: gpd.GeoDataFrame, main_xy: np.ndarray, gaps: Mapping[str, tuple[str, ...]],
                rng: np.random.Generator) -> gpd.GeoDataFrame:
    hxy = homes[["x", "y"]].to_numpy()
    res = homes["residents"].to_numpy()
    rows: list[tuple[str, str, float, float]] = []
    total = res.sum()
    for key, value, per_1000 in _RATES:
        k = max(1, rng.poisson(total / 1000.0 * per_1000))
        pick = rng.choice(len(hxy), size=k, p=res / total)
        xy = hxy[pick] + rng.uniform(-30.0, 30.0, (k, 2))
        rows += [(key, value, x, y) for x, y in xy]
    # facilities just inside or just across a border, so homes near it use them
    for i in range(len(gem_cells)):
        for j in range(i + 1, len(gem_cells)):
            border = shapely.intersection(gem_cells[i].boundary, gem_cells[j].boundary)
            if border.length < 200.0:
                continue
            m = max(1, int(border.length // 700.0))
            f = rng.uniform(0.05, 0.95, m)
            p = shapely.get_coordinates(shapely.line_interpolate_point(border, f, normalized=True))
            q = shapely.get_coordinates(shapely.line_interpolate_point(border, np.clip(f + 0.01, 0, 1),
                                                                       normalized=True))
            t = q - p
            t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
            normal = np.column_stack([-t[:, 1], t[:, 0]])
            off = rng.uniform(30.0, 120.0, m) * np.where(rng.random(m) < 0.5, -1.0, 1.0)
            xy = p + normal * off[:, None]
            for (x, y), tag in zip(xy, rng.integers(len(_BORDER_TAGS), size=m), strict=True):
                rows.append((*_BORDER_TAGS[tag], x, y))
    # parks (as points, like OSM) and bus stops along the main roads
    for g in green.geometry[green["kind"] == "park"]:
        c = g.representative_point()
        rows.append(("leisure", "park", c.x, c.y))
    stops = main_xy[rng.random(len(main_xy)) < 0.35] + 8.0
    rows += [("highway", "bus_stop", x, y) for x, y in stops]
    feats = gpd.GeoDataFrame(
        {"osm_key": [r[0] for r in rows], "osm_value": [r[1] for r in rows]},
        geometry=shapely.points(np.array([(r[2], r[3]) for r in rows])),
    )
    for code, values in gaps.items():  # the gaps hold for the border facilities too
        cell = gem_cells[codes.index(code)]
        inside = shapely.contains_xy(cell, *shapely.get_coordinates(feats.geometry.to_numpy()).T)
        feats = feats[~(inside & feats["osm_value"].isin(values).to_numpy())].reset_index(drop=True)
    feats["name"] = [f"{v.replace('_', ' ')} {i + 1}" for i, v in enumerate(feats["osm_value"])]
    feats.index.name = "feature_id"
    out = categorise(feats, table=load_tag_table()).reset_index()
    return gpd.GeoDataFrame(out[["feature_id", "category", "name", "osm_key", "osm_value", "geometry"]],
                            geometry="geometry")


# --------------------------------------------------------------------------- rasters
def _grid(width: float, height: float) -> tuple[Affine, int, int]:
    x0, y0 = -_RASTER_MARGIN_M, -_RASTER_MARGIN_M
    cols = math.ceil((width + 2 * _RASTER_MARGIN_M) / _RASTER_CELL_M)
    rows = math.ceil((height + 2 * _RASTER_MARGIN_M) / _RASTER_CELL_M)
    top = y0 + rows * _RASTER_CELL_M
    return Affine(_RASTER_CELL_M, 0.0, x0, 0.0, -_RASTER_CELL_M, top), rows, cols


def _rasters(width: float, height: float, hxy: np.ndarray, green, river, main_lines,
             rng: np.random.Generator) -> dict[str, Raster]:
    transform, rows, cols = _grid(width, height)
    inv = ~transform
    c, r = inv @ (hxy[:, 0], hxy[:, 1])
    c, r = np.floor(c).astype(int), np.floor(r).astype(int)
    density = np.zeros((rows, cols))
    np.add.at(density, (r, c), 1.0)
    density = np.clip(ndimage.gaussian_filter(density, 1.5) / 2.0, 0.0, 1.0)

    def cover(geoms) -> np.ndarray:
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return np.zeros((rows, cols))
        return rio_features.rasterize(geoms, out_shape=(rows, cols), transform=transform,
                                      fill=0, default_value=1, dtype="uint8").astype(float)

    green_f = cover(list(green.geometry))
    water_f = cover([river])
    paved = (0.25 + 0.75 * density) * (1.0 - green_f) * (1.0 - water_f)
    cooling = (4.0 * np.clip(ndimage.gaussian_filter(green_f, 1.2) * 1.3, 0, 1)
               + 3.5 * np.clip(ndimage.gaussian_filter(water_f, 2.0) * 2.5, 0, 1))
    pet = (33.0 + 11.0 * ndimage.gaussian_filter(paved, 1.0) - np.minimum(cooling, 4.5)
           + rng.normal(0.0, 0.3, (rows, cols)))
    heat = Raster(np.round(np.clip(pet, 28.0, 47.0), 1), _shift(transform), "degC",
                  f"{SOURCE}: hittekaart (PET)")
    roads = cover(main_lines)
    dist = np.maximum(ndimage.distance_transform_edt(roads == 0) * _RASTER_CELL_M, 5.0)
    level = 62.0 - 10 * np.log10(dist / 10.0) - 0.006 * dist
    lden = 10 * np.log10(10 ** (38.0 / 10) + 10 ** (level / 10))
    noise = Raster(np.round(lden, 1), _shift(transform), "dB", f"{SOURCE}: geluidskaart (Lden)")
    return {"heat": heat, "noise": noise}


def _shift(t: Affine) -> Affine:
    return Affine(t.a, t.b, t.c + ORIGIN_X_M, t.d, t.e, t.f + ORIGIN_Y_M)


# --------------------------------------------------------------------------- statistics
def _oad(addresses: np.ndarray, width: float, height: float) -> np.ndarray:
    """Omgevingsadressendichtheid per address (addresses within 1 km, per km²), on a
    100 m grid: counts per cell convolved with a 1 km disc (CBS definition, gridded)."""
    cell = _OAD_CELL_M
    pad = _OAD_RADIUS_M
    cols = math.ceil((width + 2 * pad) / cell)
    rows = math.ceil((height + 2 * pad) / cell)
    c = np.clip(((addresses[:, 0] + pad) // cell).astype(int), 0, cols - 1)
    r = np.clip(((addresses[:, 1] + pad) // cell).astype(int), 0, rows - 1)
    counts = np.zeros((rows, cols))
    np.add.at(counts, (r, c), 1.0)
    k = int(_OAD_RADIUS_M // cell)
    yy, xx = np.mgrid[-k:k + 1, -k:k + 1]
    disc = ((xx * cell) ** 2 + (yy * cell) ** 2 <= _OAD_RADIUS_M ** 2).astype(float)
    within = signal.fftconvolve(counts, disc, mode="same")
    return np.round(within[r, c], 6) / (math.pi * (_OAD_RADIUS_M / 1000.0) ** 2)


def _statistics(homes: pd.DataFrame, buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame,
                gem: gpd.GeoDataFrame, water, addresses: np.ndarray, address_buurt: np.ndarray,
                width: float, height: float, broken: str | None) -> dict[str, pd.DataFrame]:
    codes = list(buurten.index)
    df = household_statistics(homes, codes)
    area = buurten.geometry.area.to_numpy() / 1e4
    wat = shapely.area(shapely.intersection(buurten.geometry.to_numpy(), water)) / 1e4
    df["a_opp_ha"] = area
    df["a_wat_ha"] = wat
    df["a_lan_ha"] = area - wat
    df["bev_dich"] = df["a_inw"] / (df["a_lan_ha"] / 100.0)
    oad = pd.Series(_oad(addresses, width, height)).groupby(address_buurt).mean()
    df["ste_oad"] = oad.reindex(codes)
    df["_n_addresses"] = pd.Series(address_buurt).value_counts().reindex(codes, fill_value=0).astype(float)
    out: dict[str, pd.DataFrame] = {}
    for code in gem.index:
        b = df[(buurten["gemeentecode"] == code).to_numpy()]
        wk = aggregate_statistics(b, buurten.loc[b.index, "wijkcode"])
        gm = aggregate_statistics(b, pd.Series(code, index=b.index))
        table = pd.concat([gm, wk, b[list(STAT_COLUMNS)]])
        regio = {code: gem.at[code, "gemeentenaam"], **wijken["wijknaam"].to_dict(),
                 **buurten["buurtnaam"].to_dict()}
        table.insert(0, "regio", [regio.get(c, c) for c in table.index])
        table.index.name = "gwb_code_10"
        if code == broken:
            # the codes of another year's division: nothing matches the buurten
            table.index = [f"{c[:-2]}9{c[-1]}" if c.startswith("BU") else c for c in table.index]
            table.index.name = "gwb_code_10"
        out[str(code)] = table
    return out


# --------------------------------------------------------------------------- region
@functools.lru_cache(maxsize=4)
def _build(gemeenten: int, homes: int, homes_per_km2: float, seed: int, broken: bool) -> Region:
    rng = np.random.default_rng(seed)
    if gemeenten < 2 or gemeenten > len(_GEMEENTE_NAMES):
        raise ValueError(f"gemeenten must be 2 .. {len(_GEMEENTE_NAMES)}, got {gemeenten}.")
    width, height, frame, centres, gem_cells = _layout(gemeenten, homes, homes_per_km2, rng)
    codes = [f"GM99{i + 1:02d}" for i in range(gemeenten)]
    gem = gpd.GeoDataFrame({"gemeentenaam": list(_GEMEENTE_NAMES[:gemeenten])}, geometry=gem_cells,
                           index=pd.Index(codes, name="gemeentecode"))
    buurten, wijken = _buurten(gem_cells, centres, codes, homes, frame.area, rng)
    xs = np.linspace(-50.0, width + 50.0, 400)
    river_line = shapely.linestrings(np.column_stack([xs, _river_y(xs, height, width)]))
    river = shapely.buffer(river_line, _RIVER_HALF_WIDTH_M)

    def profile_at(xy: np.ndarray) -> np.ndarray:
        code = assign_buurt(gpd.GeoDataFrame(geometry=shapely.points(xy)), buurten)
        return buurten["profile"].reindex(code.to_numpy()).to_numpy()

    nets, _ = _streets(width, height, profile_at, rng)
    green = _green(buurten, gem_cells, rng)
    green_union = shapely.union_all(green.geometry.to_numpy()) if len(green) else None
    hh = _homes(nets["walk"], buurten, river, green_union, homes, rng)
    hxy = hh[["x", "y"]].to_numpy()
    bike = nets["bike"]
    main = bike.highway == "secondary"
    main_mid = (bike.node_xy[bike.u[main]] + bike.node_xy[bike.v[main]]) / 2.0
    main_lines = list(shapely.linestrings(np.stack([bike.node_xy[bike.u[main]], bike.node_xy[bike.v[main]]],
                                                   axis=1)))
    # one gemeente lacks pharmacies and supermarkets: its homes rely on its neighbours
    gaps = {codes[1]: ("pharmacy", "supermarket")}
    fac = _facilities(hh, buurten, gem_cells, codes, green, main_mid, gaps, rng)
    rasters = _rasters(width, height, hxy, green, river, main_lines, rng)
    fac_xy = shapely.get_coordinates(fac.drop_duplicates("feature_id").geometry.to_numpy())
    addresses = np.vstack([hxy, fac_xy])
    addr_b = assign_buurt(gpd.GeoDataFrame(geometry=shapely.points(addresses)), buurten).to_numpy()
    inside = pd.notna(addr_b)
    broken_code = codes[-1] if broken else None
    stats = _statistics(hh, buurten, wijken, gem, river, addresses[inside], addr_b[inside].astype(str),
                        width, height, broken_code)

    offset = np.array([ORIGIN_X_M, ORIGIN_Y_M])

    def rd(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        moved = shapely.transform(gdf.geometry.to_numpy(), lambda c: c + offset)
        return gdf.set_geometry(gpd.GeoSeries(moved, index=gdf.index), crs=settings.crs)

    for net in nets.values():
        net.node_xy = net.node_xy + offset
    homes_gdf = rd(gpd.GeoDataFrame(
        {"buurtcode": hh["buurtcode"].to_numpy(),
         "gemeentecode": buurten["gemeentecode"].reindex(hh["buurtcode"]).to_numpy(),
         "residents": hh["residents"].to_numpy(),
         "building": np.where(hh["apartment"], "apartments", "house")},
        geometry=shapely.points(hxy)))
    homes_gdf.index.name = "home_id"
    prov = {
        "buurten": _provenance("Buurten als Voronoi-cellen binnen de gemeenten."),
        "wijken": _provenance("Wijken = samengevoegde buurten."),
        "statistics": _provenance("CBS-kwb-achtige kolommen, opgeteld uit gegenereerde huishoudens."),
        "homes": _provenance("Eén punt per woning langs de straten; huishoudens getrokken per buurttype."),
        "facilities": _provenance("Verzonnen voorzieningen met OSM-tags, ook vlak bij de gemeentegrenzen."),
        "green": _provenance("Parken en plantsoenen, ook op de gemeentegrenzen."),
        "network:walk": _provenance("Straatraster met hoofdwegen, een rivier met bruggen en voetpaden."),
        "network:bike": _provenance("Straatraster met fietsbruggen; eenrichtingsstraten in de centra."),
        "raster:heat": _provenance("PET (°C) op een hete middag: verharding, groen en water."),
        "raster:noise": _provenance("Lden (dB) van de hoofdwegen."),
    }
    return Region(
        name=NAME, gemeenten=rd(gem), buurten=rd(buurten.drop(columns="profile")),
        wijken=rd(wijken), statistics=stats, homes=homes_gdf, facilities=rd(fac),
        green=rd(green), networks=nets, rasters=rasters, provenance=prov, synthetic=True,
        meta={"broken": [broken_code] if broken_code else [], "seed": seed,
              "profiles": buurten["profile"].to_dict(),
              "water": rd(gpd.GeoDataFrame({"name": ["De Rivier"]}, geometry=[river]))},
    )


def demo_region(
    gemeenten: int = 6,
    homes: int = 12_000,
    *,
    homes_per_km2: float = 1_500.0,
    seed: int | None = None,
    broken: bool = True,
) -> Region:
    """The SYNTHETIC Demoregio: gemeenten that share borders, generated by code.

    Nothing in it is real. Gemeenten are Voronoi cells on a grid (codes ``GM9901`` ...),
    split into buurten (``BU99010101`` ...) and wijken; one street grid with main roads,
    a river crossed only by main roads and a few cycle bridges, footways and one-way
    streets; homes along the streets with households drawn per buurt type (the
    Demostad profiles); facilities of every category, also just across the borders
    (the second gemeente has no pharmacy and no supermarket of its own); parks, some on
    the borders; heat and noise rasters; CBS-kwb-like statistics aggregated from the
    households, one table per gemeente. With ``broken``, the last gemeente's statistics
    carry the buurtcodes of another year's division, so nothing can be joined and its
    batch task fails with that reason.

    Parameters
    ----------
    gemeenten : int
        Number of gemeenten (2-12).
    homes : int
        About this many homes (the region grows with it at ``homes_per_km2``).
    homes_per_km2 : float
        Average homes per km² over the whole region (urban cores denser, edges rural).
    seed : int, optional
        Default :data:`afweging.settings.seed`. The same arguments give the same region.
    broken : bool
        Make the last gemeente's data unusable (see above).

    Returns
    -------
    Region
    """
    return _build(int(gemeenten), int(homes), float(homes_per_km2),
                  settings.seed if seed is None else int(seed), bool(broken))
