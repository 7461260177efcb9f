"""Demostad's heat (PET) and noise (Lden) rasters."""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine
from scipy import ndimage
from shapely.geometry import LineString, Polygon

from afweging.data.demo._layout import (
    _BUURTEN,
    _PROFILES,
    _RASTER_CELL_M,
    _RASTER_MARGIN_M,
    _TOWN_HEIGHT_M,
    _TOWN_WIDTH_M,
    ORIGIN_X_M,
    ORIGIN_Y_M,
    SOURCE,
)
from afweging.geo.raster import Raster


# --------------------------------------------------------------------------- rasters
def _raster_grid() -> tuple[np.ndarray, np.ndarray, Affine]:
    """Local cell-centre coordinates and the RD transform of the demo rasters."""
    x0, y0 = -_RASTER_MARGIN_M, -_RASTER_MARGIN_M
    cols = round((_TOWN_WIDTH_M + 2 * _RASTER_MARGIN_M) / _RASTER_CELL_M)
    rows = round((_TOWN_HEIGHT_M + 2 * _RASTER_MARGIN_M) / _RASTER_CELL_M)
    top = y0 + rows * _RASTER_CELL_M
    xs = x0 + (np.arange(cols) + 0.5) * _RASTER_CELL_M
    ys = top - (np.arange(rows) + 0.5) * _RASTER_CELL_M
    cx, cy = np.meshgrid(xs, ys)
    transform = Affine(_RASTER_CELL_M, 0.0, ORIGIN_X_M + x0, 0.0, -_RASTER_CELL_M, ORIGIN_Y_M + top)
    return cx, cy, transform


def _fraction(geom, cx: np.ndarray, cy: np.ndarray, sub: int = 3) -> np.ndarray:
    """Share of each cell covered by ``geom`` (sub x sub sample points per cell)."""
    acc = np.zeros_like(cx)
    step = _RASTER_CELL_M / sub
    shapely.prepare(geom)
    for i in range(sub):
        for j in range(sub):
            dx = -_RASTER_CELL_M / 2 + (i + 0.5) * step
            dy = -_RASTER_CELL_M / 2 + (j + 0.5) * step
            acc += shapely.contains_xy(geom, cx + dx, cy + dy)
    return acc / (sub * sub)


def _heat_raster(
    cells: dict[str, Polygon], green: Polygon, water: Polygon, built_xy: np.ndarray,
    built_weight: np.ndarray, rng: np.random.Generator,
) -> Raster:
    """PET (degC) on a hot afternoon: paved and built-up is hot, green and water cool.

    ``PET = 34 + 11 * paved - min(4 * green + 3.5 * water, 4.5)`` (each smoothed over
    one to two cells) plus a little noise, where ``paved`` mixes the buurt type's paved
    share (60 %) with the local density of buildings (40 %) and is zero on green and water.
    """
    cx, cy, transform = _raster_grid()
    paved = np.full(cx.shape, 0.15)  # countryside around the town
    for spec in _BUURTEN:
        inside_buurt = shapely.contains_xy(cells[spec.code], cx, cy)
        paved = np.where(inside_buurt, _PROFILES[spec.profile].paved, paved)
    rows, cols = cx.shape
    col = np.floor((built_xy[:, 0] - cx[0, 0] + _RASTER_CELL_M / 2) / _RASTER_CELL_M).astype(int)
    row = np.floor((cy[0, 0] + _RASTER_CELL_M / 2 - built_xy[:, 1]) / _RASTER_CELL_M).astype(int)
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    density = np.zeros(cx.shape)
    np.add.at(density, (row[inside], col[inside]), built_weight[inside])
    density = np.clip(ndimage.gaussian_filter(density, 1.5) / 5.0, 0.0, 1.0)
    green_f = _fraction(green, cx, cy)
    water_f = _fraction(water, cx, cy)
    paved = (0.6 * paved + 0.4 * density) * (1.0 - green_f) * (1.0 - water_f)
    cooling = (4.0 * np.clip(ndimage.gaussian_filter(green_f, 1.2) * 1.3, 0, 1)
               + 3.5 * np.clip(ndimage.gaussian_filter(water_f, 2.0) * 2.5, 0, 1))
    pet = (34.0 + 11.0 * ndimage.gaussian_filter(paved, 1.0) - np.minimum(cooling, 4.5)
           + rng.normal(0.0, 0.3, cx.shape))
    pet = np.round(np.clip(pet, 28.0, 47.0), 1)
    return Raster(pet, transform, "degC", f"{SOURCE}: hittekaart (PET)")


#: Road noise emission: Lden (dB) at 10 m from the centreline, per road class.
_NOISE_LDEN_AT_10M_DB = {"trunk": 72.0, "secondary": 62.0, "tertiary": 55.0}
_NOISE_BACKGROUND_DB = 38.0
_NOISE_ABSORPTION_DB_PER_M = 0.006


def _noise_raster(roads: list[tuple[str, LineString]]) -> Raster:
    """Lden (dB): line sources, -3 dB per doubling of distance plus air absorption.

    Per road class ``L(d) = L10 - 10 log10(d / 10 m) - 0.006 dB/m * d`` (d >= 5 m);
    classes and a 38 dB background are summed energetically.
    """
    cx, cy, transform = _raster_grid()
    pts = shapely.points(cx.ravel(), cy.ravel())
    energy = np.full(pts.shape, 10 ** (_NOISE_BACKGROUND_DB / 10))
    for cls, l10 in _NOISE_LDEN_AT_10M_DB.items():
        geoms = [g for c, g in roads if c == cls]
        if not geoms:
            continue
        d = np.maximum(shapely.distance(pts, shapely.union_all(geoms)), 5.0)
        level = l10 - 10 * np.log10(d / 10.0) - _NOISE_ABSORPTION_DB_PER_M * d
        energy += 10 ** (level / 10)
    lden = np.round(10 * np.log10(energy), 1).reshape(cx.shape)
    return Raster(lden, transform, "dB", f"{SOURCE}: geluidskaart (Lden)")


