"""One gemeente's partition of a region: its own homes plus what lies within the buffer.

:class:`SharedData` holds what all gemeenten of a :class:`~afweging.data.region.Region`
share (facilities, green, street networks, rasters); it stays in the driver.
:func:`partition_area` cuts the Area of one gemeente from it (in the driver, which sends
each task only its own partition): the gemeente's own buurten, statistics and homes,
and every facility, street and green area within the border buffer
(:mod:`afweging.batch.buffer`), so that every home and every buurt gets exactly the
result of a run over the whole region at once.

Street networks are cut as :class:`~afweging.geo.network.StreetNetwork` (no networkx
graph): every street within the network buffer, whole (a street that reaches into the
buffer is kept to its far end). The engine tells "no route at all" (its straight-line
estimate) from "too far" by the strongly connected components; a cut could split a
component (a river whose bridge lies beyond the buffer), so each partition carries the
components of the *whole* network (computed once in :class:`SharedData`) and the engine
asks those (``StreetNetwork.outer_components``). Times come from the partition's own
streets: any route that leaves the buffer is longer than the search limit anyway.

Region-wide facts stay region-wide. A run over the whole region knows that a category
has facilities, that the region has green polygons and street networks, even where a
gemeente's buffer holds none of them; a partition is told so by a stand-in placed far
outside the search limit (a facility of the category, a 1 m² green polygon, a 10 m
street), which changes no time and no count (it lies in no buurt) but keeps the
categories, methods and "geen gegevens" the same as in the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from afweging import settings
from afweging.batch.buffer import BorderBuffer
from afweging.data.region import GemeentePiece, Region, StreetArrays
from afweging.geo.area import Area, Provenance, assign_buurt
from afweging.geo.network import StreetNetwork, unique_sorted
from afweging.geo.raster import Raster

#: How far (m) beyond the buffer the stand-ins lie.
_STANDIN_OFFSET_M = 100_000.0
_STANDIN = "(buiten de grensbuffer; alleen als teken dat de regio deze heeft)"


@dataclass
class SharedData:
    """What the gemeenten of a region share (held by the driver, which cuts the partitions).

    Attributes
    ----------
    name : str
        Name of the region.
    facilities, green : GeoDataFrame
        All of the region; ``green`` has a column ``_part``: polygons that touch form one
        green area and share the number.
    networks : dict of str -> StreetArrays
    rasters : dict of str -> Raster
    cool_patches : ndarray or None
        Labels of the cool patches of the heat raster (PET at or below the hot threshold,
        4-connected), to take every cool place whole.
    provenance : dict of str -> Provenance
    synthetic : bool
    categories : list of str
        Facility categories present in the region.
    """

    name: str
    facilities: gpd.GeoDataFrame
    green: gpd.GeoDataFrame | None
    networks: dict[str, StreetArrays]
    rasters: dict[str, Raster]
    cool_patches: np.ndarray | None
    provenance: dict[str, Provenance] = field(default_factory=dict)
    synthetic: bool = False
    categories: list[str] = field(default_factory=list)
    components: dict[str, tuple[np.ndarray, Any]] = field(default_factory=dict)

    @classmethod
    def from_region(cls, region: Region) -> SharedData:
        """The shared part of a region (green areas numbered, cool patches labelled)."""
        green = region.green.copy() if region.green is not None and len(region.green) else None
        if green is not None:
            green["_part"] = _touching_parts(green.geometry.to_numpy())
        cool = None
        heat = region.rasters.get("heat")
        if heat is not None:
            cool, _ = ndimage.label(~np.isnan(heat.data) & (heat.data <= settings.heat_pet_hot_degc))
        return cls(
            name=region.name, facilities=region.facilities, green=green,
            networks=dict(region.networks), rasters=dict(region.rasters), cool_patches=cool,
            provenance=dict(region.provenance), synthetic=region.synthetic,
            categories=sorted(region.facilities["category"].dropna().astype(str).unique()),
            components={m: _components(net) for m, net in region.networks.items()},
        )


def _components(net: StreetArrays) -> tuple[np.ndarray, Any]:
    """The strongly connected components of a whole network for its mode (the engine's
    own rules: one-way streets by bike), and its reversed condensation graph."""
    from afweging.analyses.reach.graph import build_array_graph

    return build_array_graph(net.to_network(f"regio {net.mode}"), net.mode).components


def _touching_parts(geoms: np.ndarray) -> np.ndarray:
    """Number of the connected group (touching or overlapping) of each polygon."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    n = len(geoms)
    m = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    return connected_components(m, directed=False)[1]


def _far_point(poly: shapely.Geometry) -> tuple[float, float]:
    minx, miny, _, _ = poly.bounds
    return minx - _STANDIN_OFFSET_M, miny - _STANDIN_OFFSET_M


def _within(geoms: gpd.GeoSeries, poly: shapely.Geometry, distance_m: float) -> np.ndarray:
    """Positions (sorted) of the geometries within ``distance_m`` of ``poly``."""
    return np.sort(geoms.sindex.query(poly, predicate="dwithin", distance=distance_m))


def _facilities(shared: SharedData, poly, buurten: gpd.GeoDataFrame, buffer: BorderBuffer) -> gpd.GeoDataFrame:
    fac = shared.facilities.iloc[_within(shared.facilities.geometry, poly, buffer.facilities_m)].copy()
    missing = [c for c in shared.categories if c not in set(fac["category"].astype(str))]
    if missing:
        x, y = _far_point(poly)
        stand_in = gpd.GeoDataFrame(
            {"category": missing, "name": _STANDIN}, geometry=[shapely.Point(x, y)] * len(missing),
            crs=settings.crs,
        )
        fac = pd.concat([fac, stand_in], ignore_index=True)
    fac["buurtcode"] = assign_buurt(fac, buurten)
    return gpd.GeoDataFrame(fac, geometry="geometry", crs=settings.crs)


def _green(shared: SharedData, poly, buffer: BorderBuffer) -> gpd.GeoDataFrame | None:
    if shared.green is None:
        return None
    green = shared.green
    near = _within(green.geometry, poly, buffer.green_m)
    parts = unique_sorted(green["_part"].to_numpy()[near])
    out = green[green["_part"].isin(parts)].drop(columns="_part")
    if len(out) == 0:
        x, y = _far_point(poly)
        out = gpd.GeoDataFrame({"name": [_STANDIN], "kind": ["groen"]},
                               geometry=[shapely.box(x, y, x + 1.0, y + 1.0)], crs=settings.crs)
    return out


def _network(net: StreetArrays, poly, buffer: BorderBuffer, name: str,
             components: tuple[np.ndarray, Any] | None) -> StreetNetwork:
    """The streets within the network buffer of ``poly``; whether any route at all joins
    two of its nodes is answered by the whole network (``components``, see
    :class:`~afweging.geo.network.StreetNetwork`), so a street cut at the buffer's edge
    never makes a long route look like none."""
    lines = gpd.GeoSeries(shapely.linestrings(np.stack([net.node_xy[net.u], net.node_xy[net.v]], axis=1)))
    edges = _within(lines, poly, buffer.network_m)
    if len(edges) == 0:
        x, y = _far_point(poly)
        return StreetNetwork(node_ids=np.array([-1, -2]), xy=np.array([[x, y], [x + 10.0, y]]),
                             u=np.array([0], dtype=np.int32), v=np.array([1], dtype=np.int32),
                             length_m=np.array([10.0]), oneway=np.zeros(1, dtype=bool),
                             contraflow=np.zeros(1, dtype=bool), description=name)
    outer = None
    if components is not None:
        used = unique_sorted(np.concatenate([net.u[edges], net.v[edges]]))  # as StreetArrays.subset
        labels, cond = components
        outer = {net.mode: (labels[used], cond)}
    return net.subset(edges).to_network(name, outer)


def _raster_window(raster: Raster, poly, distance_m: float, patches: np.ndarray | None) -> Raster:
    """The cells within ``distance_m`` of ``poly``'s bounding box (plus two cells), grown
    to hold every cool patch that reaches into it whole; NaN beyond the raster."""
    inv = ~raster.transform
    minx, miny, maxx, maxy = poly.bounds
    pad = distance_m + 2.0 * abs(raster.transform.a)
    c0, r0 = inv @ (minx - pad, maxy + pad)
    c1, r1 = inv @ (maxx + pad, miny - pad)
    r0, c0 = int(np.floor(min(r0, r1))), int(np.floor(min(c0, c1)))
    r1, c1 = int(np.ceil(max(r0, r1))), int(np.ceil(max(c0, c1)))
    rows, cols = raster.data.shape
    if patches is not None:
        sub = patches[max(r0, 0):max(min(r1, rows), 0), max(c0, 0):max(min(c1, cols), 0)]
        labels = unique_sorted(sub[sub > 0])
        if len(labels):
            boxes = ndimage.find_objects(patches)
            for lab in labels:
                rs, cs = boxes[lab - 1]
                r0, r1 = min(r0, rs.start), max(r1, rs.stop)
                c0, c1 = min(c0, cs.start), max(c1, cs.stop)
    out = np.full((r1 - r0, c1 - c0), np.nan)
    rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, rows), max(c0, 0), min(c1, cols)
    if rr1 > rr0 and cc1 > cc0:
        out[rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = raster.data[rr0:rr1, cc0:cc1]
    return Raster(out, raster.transform * Affine.translation(c0, r0), raster.unit, raster.source)


def partition_area(shared: SharedData, piece: GemeentePiece, buffer: BorderBuffer) -> Area:
    """The Area of one gemeente: its own data plus everything within the border buffer.

    Raises
    ------
    AfwegingError
        The gemeente's own data are unusable (e.g. statistics that match no buurtcode).
    """
    buurten = piece.buurten_with_statistics()
    wijken = piece.wijken_with_statistics()
    poly = shapely.union_all(buurten.geometry.to_numpy())
    facilities = _facilities(shared, poly, buurten, buffer)
    networks = {m: _network(net, poly, buffer, f"{piece.name} {m}", shared.components.get(m))
                for m, net in shared.networks.items()}
    rasters = {
        name: _raster_window(r, poly, buffer.raster_m, shared.cool_patches if name == "heat" else None)
        for name, r in shared.rasters.items()
    }
    across = int((facilities["buurtcode"].isna() & facilities["name"].ne(_STANDIN)).sum())
    return Area(
        name=piece.name, buurten=gpd.GeoDataFrame(buurten, crs=settings.crs),
        wijken=gpd.GeoDataFrame(wijken, crs=settings.crs),
        homes=gpd.GeoDataFrame(piece.homes, crs=settings.crs), facilities=facilities,
        green=_green(shared, poly, buffer), networks=networks, rasters=rasters,
        provenance=dict(shared.provenance), gemeentecode=piece.code, synthetic=shared.synthetic,
        meta={"facilities_across_border": across},
    )
