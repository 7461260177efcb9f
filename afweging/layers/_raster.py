"""Raster helpers of the heat and noise layers: zonal counts per buurt and cell lookup."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from affine import Affine

from afweging._errors import InvalidGeometryError, ManifestError
from afweging.geo.area import Area
from afweging.geo.raster import Raster


def check_unit(raster: Raster, *, piece: str, accepted: tuple[str, ...], expected: str) -> None:
    """Refuse a raster whose unit is not one of ``accepted`` (case-insensitive)."""
    unit = (raster.unit or "").strip().lower().replace(" ", "")
    if unit not in accepted:
        raise ManifestError(
            f"area.rasters[{piece!r}] ({raster.source}) has unit {raster.unit!r}; this layer "
            f"needs {expected}. Check the `unit` of [rasters.{piece}] in the area manifest, "
            f"or pass the right raster."
        )


def check_north_up(raster: Raster, *, piece: str) -> None:
    """Refuse rotated rasters (zonal statistics assume rows along y, columns along x)."""
    t = raster.transform
    if t.b != 0 or t.d != 0:
        raise InvalidGeometryError(
            f"area.rasters[{piece!r}] ({raster.source}) is rotated (transform {tuple(t)[:6]}); "
            f"warp it to a north-up grid first, e.g. `gdalwarp -t_srs EPSG:28992 in.tif out.tif`."
        )


def cell_index(raster: Raster, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and inside-mask of the cells holding points (RD metres)."""
    col, row = ~raster.transform @ (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    col = np.floor(col).astype(np.int64)
    row = np.floor(row).astype(np.int64)
    rows, cols = raster.data.shape
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    return row, col, inside


@dataclass
class Zones:
    """Per-buurt cell statistics on the raster grid, extended to cover every buurt.

    Cells count for the buurt that holds their centre. Cells outside the raster or on
    nodata count in ``n_cells`` but not in ``n_valid``, so ``coverage`` is the share of
    the buurt (in cells) with data.
    """

    n_cells: pd.Series
    n_valid: pd.Series
    sum_valid: pd.Series
    counts_over: dict[float, pd.Series]

    @property
    def coverage(self) -> pd.Series:
        """Share (0-1) of a buurt's cells with data; NaN for buurten without cells."""
        return self.n_valid / self.n_cells.where(self.n_cells > 0)

    @property
    def mean(self) -> pd.Series:
        """Mean cell value over the covered part of each buurt."""
        return self.sum_valid / self.n_valid.where(self.n_valid > 0)

    def pct_over(self, threshold: float) -> pd.Series:
        """% of the covered cells with a value strictly above ``threshold``."""
        return 100.0 * self.counts_over[threshold] / self.n_valid.where(self.n_valid > 0)


def zonal(area: Area, raster: Raster, thresholds: tuple[float, ...]) -> Zones:
    """Cell counts per buurt: all cells, cells with data, their sum, and cells above thresholds.

    The raster grid is extended (with nodata) or cropped to the buurten's extent, so a
    buurt partly outside the raster has cells without data instead of being cut off.
    Buurten too small to hold a cell centre get the value at their representative point.
    """
    from rasterio.features import rasterize

    buurten = area.buurten
    index = buurten.index
    t = raster.transform
    rows, cols = raster.data.shape
    minx, miny, maxx, maxy = buurten.total_bounds
    cx, ry = ~t @ (np.array([minx, maxx, minx, maxx]), np.array([miny, miny, maxy, maxy]))
    c0, c1 = math.floor(np.min(cx)), math.ceil(np.max(cx))
    r0, r1 = math.floor(np.min(ry)), math.ceil(np.max(ry))
    window = np.full((r1 - r0, c1 - c0), np.nan)
    sr0, sr1, sc0, sc1 = max(r0, 0), min(r1, rows), max(c0, 0), min(c1, cols)
    if sr1 > sr0 and sc1 > sc0:
        window[sr0 - r0:sr1 - r0, sc0 - c0:sc1 - c0] = raster.data[sr0:sr1, sc0:sc1]
    x_c0, y_r0 = t @ (c0, r0)  # upper-left corner of the window
    wt = Affine(t.a, t.b, x_c0, t.d, t.e, y_r0)
    n = len(index)
    dtype = "int32"
    ids = rasterize(
        ((geom, i + 1) for i, geom in enumerate(buurten.geometry.to_numpy()) if geom is not None),
        out_shape=window.shape, transform=wt, fill=0, dtype=dtype,
    )
    valid = ~np.isnan(window)
    ids_valid = ids[valid]
    vals_valid = window[valid]

    def count(sel: np.ndarray | None = None, weights: np.ndarray | None = None) -> np.ndarray:
        z = ids_valid if sel is None else ids_valid[sel]
        w = weights if weights is None or sel is None else weights[sel]
        return np.bincount(z, weights=w, minlength=n + 1)[1:].astype(float)

    n_cells = np.bincount(ids.ravel(), minlength=n + 1)[1:].astype(float)
    n_valid = count()
    sum_valid = count(None, vals_valid)
    over = {th: count(vals_valid > th) for th in thresholds}

    tiny = np.flatnonzero(n_cells == 0)
    if len(tiny):  # buurten smaller than a cell: the value at the representative point
        reps = buurten.geometry.iloc[tiny].representative_point()
        v = raster.sample(reps.x.to_numpy(), reps.y.to_numpy())
        n_cells[tiny] = 1.0
        ok = ~np.isnan(v)
        n_valid[tiny] = ok.astype(float)
        sum_valid[tiny] = np.where(ok, v, 0.0)
        for th in thresholds:
            over[th][tiny] = (ok & (v > th)).astype(float)

    def s(a: np.ndarray) -> pd.Series:
        return pd.Series(a, index=index, dtype=float)

    return Zones(s(n_cells), s(n_valid), s(sum_valid), {th: s(a) for th, a in over.items()})


def partial_text(coverage: pd.Series, names: pd.Series, *, limit: int = 5) -> str:
    """Dutch list of the buurten that are only partly covered, with their coverage."""
    part = coverage[coverage < 1.0].sort_values()
    items = [f"{names.get(c, c)} ({100 * v:.0f} %)" for c, v in part.head(limit).items()]
    more = f" en {len(part) - limit} andere" if len(part) > limit else ""
    return ", ".join(items) + more
