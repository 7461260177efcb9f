"""Geometry: the CRS contract, the Area container, rasters."""

from afweging.geo.area import PIECES, Area, Provenance, assign_buurt
from afweging.geo.crs import require_projected, to_rd
from afweging.geo.raster import Raster

__all__ = ["PIECES", "Area", "Provenance", "Raster", "assign_buurt", "require_projected", "to_rd"]
