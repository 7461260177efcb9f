"""The data types of a multi-gemeente region: street arrays and the :class:`Region`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from afweging import settings
from afweging._errors import NoMatchError
from afweging.geo.area import Area, Provenance, assign_buurt
from afweging.geo.network import StreetNetwork, unique_sorted
from afweging.geo.raster import Raster


@dataclass
class StreetArrays:
    """A street network of one mode as flat arrays (compact to hold and to ship).

    Straight edges between nodes (no edge geometry, as osmnx for straight streets).

    Attributes
    ----------
    mode : {"walk", "bike"}
    node_id : ndarray of int64
        Stable node ids (the same node has the same id in every partition).
    node_xy : ndarray of float64, shape (n, 2)
        RD New metres.
    u, v : ndarray of int64
        Positions in the node arrays of each edge's ends.
    length_m : ndarray of float64
    highway : ndarray of str
    oneway : ndarray of bool
        Present only from ``u`` to ``v`` (bike); a two-way edge is stored once and becomes
        both directions in :meth:`to_graph`.
    contraflow : ndarray of bool
        A one-way edge tagged ``oneway:bicycle = "no"``.
    """

    mode: str
    node_id: np.ndarray
    node_xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    highway: np.ndarray
    oneway: np.ndarray
    contraflow: np.ndarray

    @property
    def n_edges(self) -> int:
        """Number of stored edges (a two-way street counts once)."""
        return len(self.u)

    def subset(self, edges: np.ndarray) -> StreetArrays:
        """The network of the given edges (boolean mask or positions) and their end nodes."""
        idx = np.flatnonzero(edges) if np.asarray(edges).dtype == bool else np.asarray(edges)
        used = unique_sorted(np.concatenate([self.u[idx], self.v[idx]]))
        where = np.full(len(self.node_id), -1, dtype=np.int64)
        where[used] = np.arange(len(used))
        return StreetArrays(
            self.mode, self.node_id[used], self.node_xy[used], where[self.u[idx]], where[self.v[idx]],
            self.length_m[idx], self.highway[idx], self.oneway[idx], self.contraflow[idx],
        )

    def to_network(self, name: str, outer_components: dict[str, Any] | None = None) -> StreetNetwork:
        """The network as a :class:`~afweging.geo.network.StreetNetwork` (the Area contract;
        no networkx graph on the way). A two-way edge is stored once; ``outer_components``
        see :class:`~afweging.geo.network.StreetNetwork`."""
        return StreetNetwork(
            node_ids=self.node_id, xy=self.node_xy, u=self.u.astype(np.int32), v=self.v.astype(np.int32),
            length_m=self.length_m, oneway=self.oneway, contraflow=self.contraflow & self.oneway,
            description=name, outer_components=outer_components,
        )

    def to_graph(self, name: str) -> nx.MultiDiGraph:
        """The network as an osmnx-style MultiDiGraph in EPSG:28992 (the Area contract).

        Two-way edges become both directions; one-way (bike) edges only ``u -> v``, with
        ``oneway = True`` and ``oneway:bicycle = "no"`` where cycling against it is allowed.
        """
        g = nx.MultiDiGraph(crs=settings.crs, name=name, created_with="afweging demoregio",
                            simplified=True)
        ids = self.node_id.tolist()
        g.add_nodes_from(
            (n, {"x": x, "y": y}) for n, x, y in zip(ids, self.node_xy[:, 0].tolist(),
                                                      self.node_xy[:, 1].tolist(), strict=True)
        )
        nid = self.node_id
        uu, vv = nid[self.u].tolist(), nid[self.v].tolist()
        lengths, hws = self.length_m.tolist(), self.highway.tolist()
        ow, cf = self.oneway.tolist(), self.contraflow.tolist()
        edges: list[tuple[int, int, dict[str, Any]]] = []
        for a, b, length, hw, one, contra in zip(uu, vv, lengths, hws, ow, cf, strict=True):
            if one:
                attrs: dict[str, Any] = {"highway": hw, "length": length, "oneway": True}
                if contra:
                    attrs["oneway:bicycle"] = "no"
                edges.append((a, b, attrs))
            else:
                edges.append((a, b, {"highway": hw, "length": length, "oneway": False}))
                edges.append((b, a, {"highway": hw, "length": length, "oneway": False}))
        g.add_edges_from(edges)
        return g


@dataclass
class Region:
    """Several gemeenten that share borders, with the data they share across them.

    Everything in EPSG:28992. Per gemeente: its buurten, wijken, statistics and homes;
    shared by all (a facility, street or park near a border serves both sides): the
    facilities, green polygons, street networks and rasters.

    Attributes
    ----------
    name : str
    gemeenten : GeoDataFrame
        Indexed by ``gemeentecode``; ``gemeentenaam`` and the polygon.
    buurten : GeoDataFrame
        Indexed by ``buurtcode``; ``buurtnaam``, ``wijkcode``, ``gemeentecode``, polygon.
    wijken : GeoDataFrame
        Indexed by ``wijkcode``; ``wijknaam``, ``gemeentecode``, polygon.
    statistics : dict of str -> DataFrame
        Per gemeentecode its CBS-kwb-like table indexed by ``gwb_code_10`` (gemeente,
        wijk and buurt rows, the columns of :data:`afweging.data.demo.STAT_COLUMNS`).
    homes : GeoDataFrame
        ``buurtcode``, ``gemeentecode``, ``residents``, ``building``; Point.
    facilities : GeoDataFrame
        ``category``, ``name``, ``osm_key``, ``osm_value``; Point; one row per
        (feature, category) like :attr:`afweging.geo.area.Area.facilities`.
    green : GeoDataFrame
        ``name``, ``kind``; Polygon.
    networks : dict of str -> StreetArrays
    rasters : dict of str -> Raster
    provenance : dict of str -> Provenance
    synthetic : bool
    meta : dict
        E.g. ``broken``: gemeentecodes whose data are deliberately unusable.
    """

    name: str
    gemeenten: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    statistics: dict[str, pd.DataFrame]
    homes: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    green: gpd.GeoDataFrame
    networks: dict[str, StreetArrays]
    rasters: dict[str, Raster]
    provenance: dict[str, Provenance] = field(default_factory=dict)
    synthetic: bool = True
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """The gemeentecodes, in order."""
        return [str(c) for c in self.gemeenten.index]

    def __repr__(self) -> str:
        return (f"<Region {self.name!r}: {len(self.gemeenten)} gemeenten, {len(self.buurten)} buurten, "
                f"{len(self.homes)} woningen>")

    # ------------------------------------------------------------------ per gemeente
    def piece(self, code: str) -> GemeentePiece:
        """What belongs to one gemeente only: buurten, wijken, statistics and homes."""
        return GemeentePiece(
            code=code, name=str(self.gemeenten.at[code, "gemeentenaam"]),
            buurten=self.buurten[self.buurten["gemeentecode"] == code].drop(columns="gemeentecode"),
            wijken=self.wijken[self.wijken["gemeentecode"] == code].drop(columns="gemeentecode"),
            statistics=self.statistics[code], homes=self.gemeente_homes(code),
        )

    def gemeente_buurten(self, code: str) -> gpd.GeoDataFrame:
        """The buurten of one gemeente with its statistics (see :meth:`GemeentePiece.buurten_with_statistics`)."""
        return self.piece(code).buurten_with_statistics()

    def gemeente_wijken(self, code: str) -> gpd.GeoDataFrame:
        """The wijken of one gemeente with their statistics."""
        return self.piece(code).wijken_with_statistics()

    def gemeente_homes(self, code: str) -> gpd.GeoDataFrame:
        """The homes of one gemeente (``buurtcode``, ``residents``, ``building``)."""
        homes = self.homes[self.homes["gemeentecode"] == code]
        return homes.drop(columns="gemeentecode")

    def area(self, codes: list[str] | None = None) -> Area:
        """One Area of the given gemeenten (default all but the broken ones), with every
        facility, green polygon, street and raster of the region.

        This is the "run over the whole region at once" that a partitioned batch must
        equal. Facilities get the buurtcode of the buurt they lie in (NaN outside the
        chosen gemeenten).
        """
        codes = [c for c in self.codes if c not in self.meta.get("broken", [])] if codes is None else codes
        buurten = pd.concat([self.gemeente_buurten(c) for c in codes])
        wijken = pd.concat([self.gemeente_wijken(c) for c in codes])
        homes = pd.concat([self.gemeente_homes(c) for c in codes])
        facilities = self.facilities.copy()
        facilities["buurtcode"] = assign_buurt(facilities, buurten)
        return Area(
            name=self.name, buurten=gpd.GeoDataFrame(buurten, crs=settings.crs),
            wijken=gpd.GeoDataFrame(wijken, crs=settings.crs),
            homes=gpd.GeoDataFrame(homes, crs=settings.crs), facilities=facilities,
            green=self.green.copy(),
            networks={m: net.to_network(f"{self.name} {m}") for m, net in self.networks.items()},
            rasters=dict(self.rasters), provenance=dict(self.provenance),
            synthetic=self.synthetic, meta={"region_gemeenten": list(codes)},
        )


@dataclass
class GemeentePiece:
    """The data of one gemeente of a :class:`Region` that no other gemeente needs."""

    code: str
    name: str
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    statistics: pd.DataFrame
    homes: gpd.GeoDataFrame

    def buurten_with_statistics(self) -> gpd.GeoDataFrame:
        """The buurten with the statistics joined on buurtcode.

        Raises
        ------
        NoMatchError
            No code of the statistics matches a buurtcode (another year's division).
        """
        table = self.statistics
        matched = self.buurten.index.intersection(table.index)
        if len(matched) == 0:
            raise NoMatchError(
                f"statistieken van {self.code} ({self.name}): geen enkele code (bijv. "
                f"{[c for c in table.index if str(c).startswith('BU')][:3]}) past bij een buurtcode "
                f"van de gemeente (bijv. {self.buurten.index[:3].tolist()}). Gebruik statistieken en "
                f"buurtgrenzen van hetzelfde jaar (de buurtindeling verandert)."
            )
        return self.buurten.join(_stats_for(table, self.buurten), how="left")

    def wijken_with_statistics(self) -> gpd.GeoDataFrame:
        """The wijken with their statistics."""
        return self.wijken.join(_stats_for(self.statistics, self.wijken), how="left")


def _stats_for(table: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=[c for c in table.columns if c in frame.columns or c == "regio"])
