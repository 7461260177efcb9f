"""Demostad assembled: the Area from layout, streets, homes, statistics and rasters."""

from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import nearest_points

from afweging import settings
from afweging.data.demo._homes import _place_homes, households
from afweging.data.demo._layout import (
    _BUS_STOPS,
    _BUURTEN,
    _CANAL_HALF_WIDTH_M,
    _CANAL_STREET_CUT_M,
    _FEATURES,
    _GREEN,
    _JULIANAPARK,
    _LICENCE,
    _OUTLINE,
    _POND_CENTRE,
    _POND_RADII_M,
    _RING_STREET_CUT_M,
    _WIJKEN,
    GEMEENTECODE,
    NAME,
    ORIGIN_X_M,
    ORIGIN_Y_M,
    SOURCE,
)
from afweging.data.demo._rasters import _heat_raster, _noise_raster
from afweging.data.demo._statistics import STAT_COLUMNS, _buurt_statistics, aggregate_statistics
from afweging.data.demo._streets import (
    _boundary_lines,
    _cells,
    _graphs,
    _internal_ways,
    _main_ways,
    _mark_oneways,
    _node,
    _Way,
)
from afweging.data.tags import categorise
from afweging.geo.area import Area, Provenance, assign_buurt


# --------------------------------------------------------------------------- assembly
def _rounded_box(cx: float, cy: float, w: float, h: float) -> Polygon:
    r = min(w, h) * 0.2
    return box(cx - w / 2 + r, cy - h / 2 + r, cx + w / 2 - r, cy + h / 2 - r).buffer(r, quad_segs=4)


def _to_rd(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    offset = np.array([ORIGIN_X_M, ORIGIN_Y_M])
    moved = shapely.transform(gdf.geometry.to_numpy(), lambda c: c + offset)
    return gdf.set_geometry(gpd.GeoSeries(moved, index=gdf.index), crs=settings.crs)


def _provenance(note: str) -> Provenance:
    return Provenance(source=SOURCE, path=None, licence=_LICENCE, note=note)


@functools.lru_cache(maxsize=4)
def _build(seed: int) -> Area:
    rng = np.random.default_rng(seed)
    lines = _boundary_lines()
    cells = _cells(lines)

    # water: the canal and the pond in the Julianapark
    canal = lines["canal"].buffer(_CANAL_HALF_WIDTH_M, cap_style="flat").intersection(_OUTLINE)
    pond = affinity.scale(Point(_POND_CENTRE).buffer(1.0, quad_segs=16), *_POND_RADII_M)
    water = shapely.union_all([canal, pond])

    # public green
    rows = [{"name": n, "kind": k, "geometry": _rounded_box(x, y, w, h)} for n, k, x, y, w, h in _GREEN]
    jp_name, jp_kind, jp_box = _JULIANAPARK
    rows.append({"name": jp_name, "kind": jp_kind,
                 "geometry": jp_box.buffer(-30).buffer(30, quad_segs=4).difference(pond)})
    green = gpd.GeoDataFrame(rows, geometry="geometry")
    green["buurtcode"] = [next(c for c, p in cells.items() if p.contains(g.representative_point()))
                          for g in green.geometry]

    # streets
    no_street = shapely.union_all([lines["canal"].buffer(_CANAL_STREET_CUT_M),
                                   lines["ring"].buffer(_RING_STREET_CUT_M)])
    corridors = {"canal": lines["canal"].buffer(_CANAL_STREET_CUT_M),
                 "ring": lines["ring"].buffer(_RING_STREET_CUT_M)}
    main = _main_ways(lines)
    ways = main + _internal_ways(cells, main, green, no_street, rng)
    _mark_oneways(ways)
    town = _OUTLINE.buffer(2.0)
    cut_ways: list[_Way] = []
    for w in ways:
        forbid = [corridors[b] for b in ("canal", "ring") if b not in w.crosses]
        geom = w.geom.intersection(town).difference(shapely.union_all(forbid))
        for part in shapely.get_parts(geom):
            if part.geom_type == "LineString" and part.length > 1.0:
                cut_ways.append(_Way(part, w.highway, w.name, w.walk, w.bike, w.oneway, w.oneway_bicycle,
                                     w.crosses, w.buurt, w.homes))
    seg = _node(cut_ways)
    networks = _graphs(cut_ways, seg)

    # homes and households
    forbidden = shapely.union_all([water.buffer(18.0), lines["ring"].buffer(45.0),
                                   green.geometry.buffer(6.0).union_all()])
    homes = households(_place_homes(cut_ways, seg, cells, forbidden, rng), rng)

    # facilities: placed on land in the buurt of their coordinates
    land = {c: p.buffer(-10.0).difference(forbidden.difference(green.geometry.union_all()))
            for c, p in cells.items()}
    feats = []
    for x, y, name, key, value in _FEATURES:
        code = next(c for c, p in cells.items() if p.contains(Point(x, y)))
        pt = Point(x, y)
        if not land[code].contains(pt):
            pt = nearest_points(land[code], pt)[0]
        feats.append({"name": name, "osm_key": key, "osm_value": value, "geometry": pt})
    for name, kind, geom in zip(green["name"], green["kind"], green.geometry, strict=True):
        if kind == "park":
            feats.append({"name": name, "osm_key": "leisure", "osm_value": "park",
                          "geometry": geom.representative_point()})
    by_name = {w.name: shapely.union_all([v.geom for v in cut_ways if v.name == w.name]) for w in main}
    stop_no: dict[str, int] = {}
    for street, at in _BUS_STOPS:
        geom = by_name[street]
        probe = LineString([(at, -100), (at, 2000)]) if street not in ("Westsingel", "Oostsingel") \
            else LineString([(-100, at), (3000, at)])
        hit = geom.intersection(probe)
        p = shapely.get_parts(hit)[0] if not hit.is_empty else nearest_points(geom, Point(at, at))[0]
        stop_no[street] = stop_no.get(street, 0) + 1
        feats.append({"name": f"Halte {street} {stop_no[street]}", "osm_key": "highway",
                      "osm_value": "bus_stop", "geometry": Point(p.x + 8.0, p.y + 8.0)})
    features = gpd.GeoDataFrame(feats, geometry="geometry")
    features.index.name = "feature_id"

    # rasters
    biz = cells["BU99990503"]
    biz_pts = shapely.get_coordinates(
        shapely.points(*np.meshgrid(np.arange(2150, 2800, 40.0), np.arange(20, 760, 40.0))).ravel()
    )
    biz_pts = biz_pts[shapely.contains_xy(biz.buffer(-20), biz_pts[:, 0], biz_pts[:, 1])]
    home_xy = homes[["x", "y"]].to_numpy()
    # big roofs: a firm's premises count as six homes in the built-up density
    weight = np.concatenate([np.ones(len(home_xy)), np.full(len(biz_pts), 6.0)])
    heat = _heat_raster(cells, green.geometry.union_all(), water, np.vstack([home_xy, biz_pts]), weight, rng)
    roads = [("trunk", lines["ring"].intersection(_OUTLINE.buffer(300)))]
    for w in main:
        if w.highway in ("secondary", "tertiary"):
            roads.append((w.highway, by_name[w.name]))
    noise = _noise_raster(roads)

    # statistics: firms (a 40 m grid of premises) count as addresses in the business park
    feat_xy = shapely.get_coordinates(features.geometry.to_numpy())
    addresses = np.vstack([home_xy, biz_pts, feat_xy])
    addr_gdf = gpd.GeoDataFrame(geometry=shapely.points(addresses))
    addr_buurt = assign_buurt(addr_gdf, gpd.GeoDataFrame(
        index=pd.Index(list(cells), name="buurtcode"), geometry=list(cells.values())
    )).to_numpy()
    inside = pd.notna(addr_buurt)
    stats = _buurt_statistics(homes, cells, water, addresses[inside], addr_buurt[inside])

    # --- frames in RD New
    codes = [s.code for s in _BUURTEN]
    buurten = gpd.GeoDataFrame(
        {"buurtnaam": [s.name for s in _BUURTEN], "wijkcode": [s.wijk for s in _BUURTEN]},
        geometry=[cells[c] for c in codes], index=pd.Index(codes, name="buurtcode"),
    )
    buurten = _to_rd(buurten)
    for col in STAT_COLUMNS:
        buurten[col] = stats[col].astype(float)
    wstats = aggregate_statistics(stats, buurten["wijkcode"])
    wijken = buurten[["wijkcode", "geometry"]].dissolve(by="wijkcode")
    wijken.index.name = "wijkcode"
    wijken.insert(0, "wijknaam", [_WIJKEN[c] for c in wijken.index])
    for col in STAT_COLUMNS:
        wijken[col] = wstats[col].reindex(wijken.index).astype(float)

    homes_gdf = _to_rd(gpd.GeoDataFrame(
        {"buurtcode": homes["buurtcode"].to_numpy(), "residents": homes["residents"].to_numpy(),
         "building": np.where(homes["apartment"], "apartments", "house")},
        geometry=shapely.points(home_xy),
    ))
    homes_gdf.index.name = "home_id"

    facilities = categorise(features)
    facilities = facilities.reset_index()  # one row per (feature, category), feature_id kept
    facilities = _to_rd(gpd.GeoDataFrame(facilities, geometry="geometry"))
    facilities["buurtcode"] = assign_buurt(facilities, buurten)
    facilities = facilities[["feature_id", "category", "buurtcode", "name", "osm_key", "osm_value", "geometry"]]

    green_gdf = _to_rd(green[["name", "kind", "geometry"]])
    cycle = [w for w in cut_ways if w.highway == "cycleway"]
    cycleways = _to_rd(gpd.GeoDataFrame(
        {"name": [w.name for w in cycle], "highway": "cycleway", "oneway": False},
        geometry=[w.geom for w in cycle],
    ).dissolve(by="name", as_index=False))
    main_roads = _to_rd(gpd.GeoDataFrame(
        {"name": ["Rondweg"] + [w.name for w in main if w.highway in ("secondary", "tertiary")],
         "highway": ["trunk"] + [w.highway for w in main if w.highway in ("secondary", "tertiary")]},
        geometry=[lines["ring"].intersection(_OUTLINE)]
        + [w.geom.intersection(_OUTLINE) for w in main if w.highway in ("secondary", "tertiary")],
    ))
    water_gdf = _to_rd(gpd.GeoDataFrame({"name": ["De Vaart", "Vijver Julianapark"]}, geometry=[canal, pond]))

    prov = {
        "buurten": _provenance("15 buurten; polygonen uit gracht, rondweg en singels, zonder gaten of overlap."),
        "wijken": _provenance("5 wijken = samengevoegde buurten; statistiek opgeteld / gewogen gemiddeld."),
        "statistics": _provenance("CBS-kwb-achtige kolommen, opgeteld uit de gegenereerde huishoudens."),
        "homes": _provenance("Eén punt per woning langs de straten; bewoners uit een trekking per huishouden."),
        "facilities": _provenance("Verzonnen voorzieningen met OSM-tags, met bewuste gaten."),
        "green": _provenance("Openbaar groen: parken, plantsoenen en een sportpark."),
        "network:walk": _provenance("Alle straten in beide richtingen, met voetpaden en zonder fietspaden."),
        "network:bike": _provenance("Straten en fietspaden; eenrichtingsstraten alleen in de toegestane richting."),
        "raster:heat": _provenance("PET (°C) op een hete middag: model uit verharding, groen en water."),
        "raster:noise": _provenance("Lden (dB): lijnbronnen rondweg en hoofdwegen, afname met afstand."),
        "lines:cycleways": _provenance("Vrijliggende fietspaden (highway=cycleway)."),
        "lines:main_roads": _provenance("Rondweg en hoofdwegen (bronnen van de geluidskaart)."),
    }
    return Area(
        name=NAME,
        buurten=buurten,
        wijken=wijken,
        homes=homes_gdf,
        facilities=facilities,
        green=green_gdf,
        networks=networks,
        rasters={"heat": heat, "noise": noise},
        lines={"cycleways": cycleways, "main_roads": main_roads},
        provenance=prov,
        missing={},
        statistics_year=None,
        gemeentecode=GEMEENTECODE,
        synthetic=True,
        meta={"seed": seed, "water": water_gdf, "features": _to_rd(features),
              "description": "Synthetisch demogebied: verzonnen stad, geen echte gegevens."},
    )


def demo_area(*, seed: int | None = None) -> Area:
    """The bundled SYNTHETIC demo area *Demostad* (made-up data, not a real place).

    Built by code from a fixed seed, so every call gives the same town; the build is
    cached and each call returns a deep copy that the caller may change.

    Parameters
    ----------
    seed : int, optional
        Random seed; defaults to :data:`afweging.settings.seed`.

    Returns
    -------
    Area
        ``synthetic=True``, ``name="Demostad"``, ``gemeentecode="GM9999"``, with every
        piece present: buurten/wijken with CBS-like statistics, homes, facilities,
        green polygons, walk and bike networks, heat and noise rasters and the line
        layers ``cycleways`` and ``main_roads``. ``homes`` has an extra column
        ``building`` (``"house"``/``"apartments"``), ``facilities`` a ``feature_id``
        (the same for the rows of one feature in two categories). ``area.meta`` holds
        ``"seed"``, ``"water"`` (canal and pond polygons) and ``"features"`` (the raw
        tagged points, also those that match no category).

    Examples
    --------
    >>> area = demo_area()
    >>> area.synthetic, area.name, len(area.buurten)
    (True, 'Demostad', 15)
    """
    return _build(settings.seed if seed is None else int(seed)).copy()


