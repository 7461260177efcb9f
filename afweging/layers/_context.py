"""The per-run context of the layers: what every layer needs from the Area, computed once.

:func:`afweging.layers.compute_layers` builds one :class:`LayerContext` and hands it to
every layer function, so the homes per buurt, the land area, the source labels and the
green areas are derived once per run instead of once per layer. Each layer function
also accepts a bare :class:`~afweging.geo.area.Area` (it then builds its own context),
so ``green_layer(area)`` keeps working on its own.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

from afweging.geo.area import Area
from afweging.layers._base import LayerResult
from afweging.layers._greenspace import green_m2_per_buurt, green_parts, green_polygons

#: Dutch source line used when the statistics have no provenance record.
CBS_DEFAULT = "CBS Kerncijfers wijken en buurten"


@dataclass(eq=False)
class LayerContext:
    """What the five layers read from one Area, derived once per run.

    Attributes
    ----------
    area : Area
        The area the layers describe.

    The derived pieces (:attr:`homes`, :attr:`land_m2`, :meth:`cbs`, ...) are computed on
    first use and kept for the rest of the run. The context assumes the Area does not
    change while it is in use; make a new one for a changed Area (the plan check does).
    """

    area: Area
    _cbs: dict[str, pd.Series | None] = field(default_factory=dict, init=False, repr=False)
    _gaps: dict[str, pd.Index] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def of(cls, area: Area | LayerContext) -> LayerContext:
        """The context itself, or a new one for a bare Area."""
        return area if isinstance(area, LayerContext) else cls(area)

    # ------------------------------------------------------------------ buurten
    @property
    def index(self) -> pd.Index:
        """The buurtcodes (index of every layer's frame)."""
        return self.area.buurten.index

    @property
    def names(self) -> pd.Series:
        """Buurt names by buurtcode."""
        return self.area.buurten["buurtnaam"]

    def cbs(self, column: str) -> pd.Series | None:
        """A CBS column of the buurten as floats, or ``None`` when the column is absent."""
        if column not in self._cbs:
            b = self.area.buurten
            self._cbs[column] = (pd.to_numeric(b[column], errors="coerce").astype(float)
                                 if column in b.columns else None)
        return self._cbs[column]

    def cbs_or_nan(self, column: str, *, layer: str) -> pd.Series:
        """A CBS column as floats; all-NaN with a warning when the statistics lack it."""
        s = self.cbs(column)
        if s is None:
            warnings.warn(
                f"{layer}: de buurten van {self.area.name!r} hebben geen CBS-kolom {column!r}; "
                f"indicatoren die hem nodig hebben zijn leeg ('geen gegevens'). Voeg hem toe aan het "
                f"[statistics]-bestand (CBS kwb-indeling).",
                stacklevel=3,
            )
            return pd.Series(np.nan, index=self.index, dtype=float)
        return s

    @cached_property
    def land(self) -> tuple[pd.Series, int]:
        """Land area per buurt in m² and the number of buurten that used the fallback.

        CBS ``a_lan_ha`` (land without water, whole hectares) where it is known and > 0;
        otherwise the area of the buurt polygon (which includes water).
        """
        geom_m2 = self.area.buurten.geometry.area.astype(float)
        cbs_ha = self.cbs("a_lan_ha")
        if cbs_ha is None:
            return geom_m2, len(geom_m2)
        use_cbs = cbs_ha > 0
        return (cbs_ha * 10_000.0).where(use_cbs, geom_m2), int((~use_cbs).sum())

    @property
    def land_m2(self) -> pd.Series:
        """Land area per buurt in m² (see :attr:`land`)."""
        return self.land[0]

    @property
    def land_text(self) -> str:
        """Dutch description of :attr:`land`."""
        n_fallback, n_total = self.land[1], len(self.index)
        text = "landoppervlak volgens CBS (a_lan_ha, hele hectaren)"
        if n_fallback == n_total:
            return "oppervlak van de buurtgrens (CBS a_lan_ha ontbreekt; inclusief water)"
        if n_fallback:
            text += f"; voor {n_fallback} buurt(en) zonder a_lan_ha het oppervlak van de buurtgrens"
        return text

    # ------------------------------------------------------------------ homes
    @cached_property
    def homes(self) -> gpd.GeoDataFrame | None:
        """The homes that lie in a buurt of the area, ``residents`` as float, or ``None``."""
        homes = self.area.homes
        if homes is None or len(homes) == 0:
            return None
        homes = homes[homes["buurtcode"].isin(self.index)]
        return homes.assign(residents=pd.to_numeric(homes["residents"], errors="coerce").astype(float))

    @cached_property
    def standin_note(self) -> str:
        """Dutch note when some homes are stand-in grid points (``origin == "rasterpunt"``)."""
        homes = self.homes
        if homes is None or "origin" not in homes.columns:
            return ""
        codes = homes.loc[homes["origin"] == "rasterpunt", "buurtcode"].dropna().unique()
        if len(codes) == 0:
            return ""
        return (f" In {len(codes)} buurt(en) zonder woningen in de bron staan rasterpunten voor de "
                f"woningen (bewoners gelijk verdeeld); daar is de waarde een benadering.")

    def coverage_gaps(self, piece: str) -> pd.Index:
        """Buurten outside the coverage of a point source (``"facilities"`` or ``"green"``).

        Only decidable when the homes come from the same file as ``piece``: a buurt with
        CBS inhabitants (``a_inw`` > 0) but no home point *from that file* (homes with
        ``origin == "rasterpunt"`` are stand-ins, not from the file) lies outside the
        file. In Utrecht the OSM points miss most of wijk Vleuten-De Meern this way.
        """
        if piece not in self._gaps:
            self._gaps[piece] = self._coverage_gaps(piece)
        return self._gaps[piece]

    def _coverage_gaps(self, piece: str) -> pd.Index:
        empty = pd.Index([], name="buurtcode")
        area = self.area
        homes = area.homes
        if homes is None or len(homes) == 0:
            return empty
        p_piece, p_homes = area.provenance.get(piece), area.provenance.get("homes")
        if p_piece is None or p_homes is None or not p_piece.path or p_piece.path != p_homes.path:
            return empty
        inhabitants = self.cbs("a_inw")
        if inhabitants is None:
            return empty
        gap = (inhabitants > 0).to_numpy() & ~self._with_source_homes
        return self.index[gap]

    @cached_property
    def _with_source_homes(self) -> np.ndarray:
        """Per buurt: some home point from the homes file lies in it (not a stand-in)."""
        homes = self.area.homes
        assert homes is not None
        codes = homes["buurtcode"]
        if "origin" in homes.columns:
            codes = codes[(homes["origin"] != "rasterpunt").to_numpy()]
        # the distinct codes as a set of Python objects (a third of the time of dropna +
        # unique on 65k homes; a missing code matches no buurt either way)
        return self.index.isin(list(set(codes.to_numpy().tolist())))

    # ------------------------------------------------------------------ green
    @cached_property
    def green_polygons(self) -> gpd.GeoDataFrame | None:
        """The polygonal part of ``area.green`` (None when there is none)."""
        return green_polygons(self.area)

    @cached_property
    def green_parts(self) -> gpd.GeoDataFrame | None:
        """Connected green areas with their m² (None without green polygons)."""
        polygons = self.green_polygons
        return None if polygons is None else green_parts(polygons)

    @cached_property
    def green_m2(self) -> tuple[pd.Series, pd.Series] | None:
        """Green m² inside each buurt and the m² of the largest green area reaching into it."""
        parts = self.green_parts
        return None if parts is None else green_m2_per_buurt(self.area, parts)

    # ------------------------------------------------------------------ provenance
    def source(self, piece: str, *, default: str) -> str:
        """Dutch source line of a piece of the area (provenance), or ``default``."""
        prov = self.area.provenance.get(piece)
        return default if prov is None else prov.label()

    @property
    def statistics_source(self) -> str:
        """Dutch source line of the CBS statistics."""
        return self.source("statistics", default=CBS_DEFAULT)

    def missing(self, piece: str) -> str:
        """Why a piece is missing (Dutch), for method descriptions."""
        return self.area.missing.get(piece, "niet opgegeven")

    # ------------------------------------------------------------------ result
    def result(self, values: dict[str, pd.Series], rows: list[dict[str, str]],
               caveats: list[str]) -> LayerResult:
        """Assemble a :class:`LayerResult` on the buurten index, columns in ``rows`` order."""
        index = self.index

        def on_index(v: pd.Series) -> pd.Series | pd.api.extensions.ExtensionArray:
            # a Series on the buurten already: its values as they are (what reindex gives)
            if v.dtype != object and (v.index is index or (index.is_unique and v.index.equals(index))):
                return v.array  # (object columns keep their dtype only as a Series)
            return v.reindex(index)

        frame = pd.DataFrame({r["indicator"]: on_index(values[r["indicator"]]) for r in rows}, index=index)
        frame.index.name = "buurtcode"
        return LayerResult(frame, LayerResult.method_table(rows), caveats)

    def nan(self) -> pd.Series:
        """An all-NaN float Series on the buurten index."""
        return pd.Series(np.nan, index=self.index, dtype=float)
