"""The :class:`Area`: everything the toolkit knows about one municipality or plan area.

All geometry is in EPSG:28992 (RD New, metres). Pieces that are not available are
``None`` (or absent from a dict) *and* carry a reason in :attr:`Area.missing`, so an
analysis can say "geen gegevens" instead of silently computing with an empty frame.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from pyproj import CRS

from afweging import settings
from afweging._errors import MissingColumnError, MissingDataError
from afweging.geo.network import StreetNetwork
from afweging.geo.raster import Raster

#: Pieces of an Area, with their Dutch names for messages.
PIECES: dict[str, str] = {
    "buurten": "buurten",
    "wijken": "wijken",
    "homes": "woningen",
    "facilities": "voorzieningen",
    "green": "groenvlakken",
    "network:walk": "loopnetwerk",
    "network:bike": "fietsnetwerk",
    "raster:heat": "hittekaart (PET)",
    "raster:noise": "geluidskaart (Lden)",
}

#: Dutch names of every piece, also the optional extras an Area is not expected to have
#: (not listed as missing when absent).
LABELS: dict[str, str] = {**PIECES, "raster:uhi": "stedelijk hitte-eiland (RIVM, luchttemperatuur, geen PET)"}

#: Optional column of ``Area.green``: the green area a polygon belongs to (polygons with one
#: id form one green area even where a path separates them; set by the manifest loader from
#: ``[green] join_gap_m``).
GREEN_GROUP_COLUMN = "groengebied"

#: Columns each frame must have (besides geometry).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "buurten": ("buurtnaam", "wijkcode"),
    "wijken": ("wijknaam",),
    "homes": ("buurtcode", "residents"),
    "facilities": ("category", "buurtcode"),
    "green": ("kind",),
}


@dataclass
class Provenance:
    """Where a piece of data came from."""

    source: str
    path: str | None = None
    licence: str | None = None
    note: str | None = None

    def label(self) -> str:
        """Short Dutch source line, e.g. for a map ("Bron: ...")."""
        parts = [self.source]
        if self.licence:
            parts.append(self.licence)
        return ", ".join(parts)


@dataclass
class Area:
    """Container for the data of one area, all in EPSG:28992.

    Attributes
    ----------
    name : str
        Name of the area (e.g. "Utrecht").
    buurten : GeoDataFrame
        Indexed by ``buurtcode``; columns ``buurtnaam``, ``wijkcode``, ``geometry`` and
        the CBS statistics (``a_inw``, ``a_woning``, ``p_wcorpw`` ...), NaN where CBS
        has no value.
    wijken : GeoDataFrame or None
        Indexed by ``wijkcode``; ``wijknaam`` and CBS statistics of the wijk.
    homes : GeoDataFrame or None
        Origin points for reachability: ``buurtcode``, ``residents`` (float weight; the
        sum per buurt equals the buurt's ``a_inw``), Point geometry.
    facilities : GeoDataFrame or None
        Points with ``category`` (see :mod:`afweging.data.tags`), ``buurtcode`` (may be
        NaN for points outside every buurt), ``name``, and the source tag if known.
        A feature that counts for two categories appears once per category.
    green : GeoDataFrame or None
        Public green: polygons (preferred) with ``kind``; may be points when only
        points are known (then ``green_geometry == "point"``).
    networks : dict[str, StreetNetwork or networkx.MultiDiGraph]
        Street networks per mode (``"walk"``, ``"bike"``), in EPSG:28992: a
        :class:`~afweging.geo.network.StreetNetwork` (arrays; what the manifest loader
        builds) or an osmnx-style networkx graph a user already has (node attributes
        ``x``, ``y``; edge attribute ``length`` (m), optional ``oneway``,
        ``oneway:bicycle``, ``geometry``).
    rasters : dict[str, Raster]
        ``"heat"`` (PET gevoelstemperatuur, degC), ``"uhi"`` (RIVM stedelijk hitte-eiland
        effect: air-temperature difference with the countryside, degC; not PET) and/or
        ``"noise"`` (Lden, dB).
    lines : dict[str, GeoDataFrame]
        Other line layers, e.g. ``"cycleways"``.
    provenance : dict[str, Provenance]
        Per piece (keys as in :data:`PIECES`, plus ``"statistics"`` and ``lines:NAME``).
    missing : dict[str, str]
        Per missing piece, the reason in Dutch.
    synthetic : bool
        True for the generated demo area.
    """

    name: str
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame | None = None
    homes: gpd.GeoDataFrame | None = None
    facilities: gpd.GeoDataFrame | None = None
    green: gpd.GeoDataFrame | None = None
    networks: dict[str, StreetNetwork | nx.MultiDiGraph] = field(default_factory=dict)
    rasters: dict[str, Raster] = field(default_factory=dict)
    lines: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    statistics_year: int | None = None
    gemeentecode: str | None = None
    synthetic: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._validate()
        # its own dict: an Area made by dataclasses.replace would otherwise share (and
        # write its missing pieces into) the other's
        self.missing = dict(self.missing)
        for piece in PIECES:
            if not self.has(piece) and piece not in self.missing:
                self.missing[piece] = "niet opgegeven"

    # ------------------------------------------------------------------ checks
    def _validate(self) -> None:
        target = CRS.from_user_input(settings.crs)
        frames = {
            "buurten": self.buurten,
            "wijken": self.wijken,
            "homes": self.homes,
            "facilities": self.facilities,
            "green": self.green,
        }
        for key, gdf in frames.items():
            if gdf is None:
                continue
            if gdf.crs is None or CRS.from_user_input(gdf.crs) != target:
                raise ValueError(
                    f"Area.{key} must be in {settings.crs}; convert with "
                    f"afweging.geo.crs.to_rd(gdf, what=...) before building an Area."
                )
            absent = [c for c in REQUIRED_COLUMNS[key] if c not in gdf.columns]
            if absent:
                raise MissingColumnError(
                    f"Area.{key} lacks column(s) {absent}; it has {list(gdf.columns)}."
                )
        if self.buurten.index.name != "buurtcode":
            raise ValueError("Area.buurten must be indexed by 'buurtcode'.")
        if self.buurten.index.has_duplicates:
            dup = self.buurten.index[self.buurten.index.duplicated()].unique().tolist()
            raise ValueError(f"Area.buurten has duplicate buurtcodes: {dup[:5]}.")
        if self.wijken is not None and self.wijken.index.name != "wijkcode":
            raise ValueError("Area.wijken must be indexed by 'wijkcode'.")
        for mode, g in self.networks.items():
            if isinstance(g, StreetNetwork):
                continue  # arrays are in EPSG:28992 by construction
            if not isinstance(g, nx.MultiDiGraph):
                raise TypeError(f"Area.networks[{mode!r}] must be a StreetNetwork or a networkx.MultiDiGraph.")
            if CRS.from_user_input(g.graph.get("crs", "EPSG:4326")) != target:
                raise ValueError(f"Area.networks[{mode!r}] must be projected to {settings.crs}.")

    # ------------------------------------------------------------------ access
    def has(self, piece: str) -> bool:
        """Whether a piece (a key of :data:`PIECES`, e.g. ``"network:walk"``) is present."""
        kind, _, name = piece.partition(":")
        if kind == "network":
            return name in self.networks
        if kind == "raster":
            return name in self.rasters
        if kind == "lines":
            return name in self.lines
        value = getattr(self, kind, None)
        return value is not None and len(value) > 0

    def require(self, piece: str, *, for_what: str) -> Any:
        """Return a piece or raise :class:`MissingDataError` with the recorded reason."""
        if not self.has(piece):
            reason = self.missing.get(piece, "niet opgegeven")
            raise MissingDataError(
                f"{for_what} needs {piece} ({LABELS.get(piece, piece)}), which is missing "
                f"in area {self.name!r}: {reason}. Add it to the area manifest."
            )
        kind, _, name = piece.partition(":")
        if kind == "network":
            return self.networks[name]
        if kind == "raster":
            return self.rasters[name]
        if kind == "lines":
            return self.lines[name]
        return getattr(self, kind)

    @property
    def categories(self) -> list[str]:
        """Facility categories present in this area (sorted)."""
        if self.facilities is None:
            return []
        return sorted(self.facilities["category"].dropna().unique().tolist())

    @property
    def total_bounds(self) -> np.ndarray:
        """(minx, miny, maxx, maxy) of the buurten, RD metres."""
        return np.asarray(self.buurten.total_bounds)

    def stat(self, column: str) -> pd.Series:
        """A CBS statistics column of the buurten, or a clear error if absent."""
        if column not in self.buurten.columns:
            raise MissingColumnError(
                f"The buurten of area {self.name!r} have no statistics column {column!r}. "
                f"Check the [statistics] file of the manifest (CBS kwb layout)."
            )
        return pd.to_numeric(self.buurten[column], errors="coerce")

    def copy(self) -> Area:
        """A deep copy (frames and graphs copied), e.g. to apply a plan to."""
        return copy.deepcopy(self)

    # ------------------------------------------------------------------ display
    def summary(self) -> str:
        """A short Dutch summary of what the area holds."""
        from afweging._format import nl_int
        lines = [f"Gebied: {self.name}" + (" (synthetisch demogebied)" if self.synthetic else "")]
        inw = self.stat("a_inw").sum() if "a_inw" in self.buurten else float("nan")
        lines.append(f"  buurten: {len(self.buurten)}, inwoners (CBS): {nl_int(inw)}")
        if self.wijken is not None:
            lines.append(f"  wijken: {len(self.wijken)}")
        if self.homes is not None:
            lines.append(f"  woningen (herkomstpunten): {nl_int(len(self.homes))}")
        if self.facilities is not None:
            lines.append(f"  voorzieningen: {nl_int(len(self.facilities))} in {len(self.categories)} categorieën")
        for mode, g in self.networks.items():
            nodes, edges = (g.n_nodes, g.n_edges) if isinstance(g, StreetNetwork) else (
                g.number_of_nodes(), g.number_of_edges())
            lines.append(f"  netwerk {mode}: {nl_int(nodes)} knopen, {nl_int(edges)} verbindingen")
        for name, r in self.rasters.items():
            lines.append(f"  raster {name}: {r.data.shape[1]}×{r.data.shape[0]} cellen ({r.unit})")
        absent = [f"{LABELS.get(k, k)} ({v})" for k, v in self.missing.items()]
        if absent:
            lines.append("  ontbreekt: " + "; ".join(absent))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Area {self.name!r}: {len(self.buurten)} buurten>"

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"


def assign_buurt(points: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> pd.Series:
    """Buurtcode of the buurt each point lies in (NaN outside every buurt).

    Points on a shared boundary get the first buurt found. Both frames in EPSG:28992.
    """
    # query the points' index with the (few) buurt polygons: much faster than the reverse
    idx_buurt, idx_pts = points.sindex.query(buurten.geometry, predicate="intersects")
    codes = pd.Series(np.nan, index=points.index, dtype=object)
    if len(idx_pts):
        order = np.lexsort((idx_buurt, idx_pts))  # per point, the lowest buurt position first
        pts_sorted, buurt_sorted = idx_pts[order], idx_buurt[order]
        first = np.r_[True, pts_sorted[1:] != pts_sorted[:-1]]
        codes.iloc[pts_sorted[first]] = buurten.index.to_numpy()[buurt_sorted[first]]
    return codes
