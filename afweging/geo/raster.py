"""An in-memory single-band raster in EPSG:28992 (heat: PET degC, noise: Lden dB)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS

from afweging import settings
from afweging._errors import NoCrsError


@dataclass
class Raster:
    """A single-band raster held in memory, always in the toolkit CRS.

    Attributes
    ----------
    data : ndarray of float64, shape (rows, cols)
        Cell values; cells without data are ``NaN`` (the file's nodata value is
        converted on entry, so no sentinel number can leak into a mean).
    transform : Affine
        Maps (col, row) to RD x/y of the cell's upper-left corner.
    unit : str
        Unit of the values, e.g. ``"degC"`` or ``"dB"``.
    source : str
        Where the raster came from (file name or description).
    """

    data: np.ndarray
    transform: Affine
    unit: str
    source: str
    crs: str = settings.crs

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in m²."""
        return abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in RD metres."""
        rows, cols = self.data.shape
        x0, y0 = self.transform @ (0, 0)
        x1, y1 = self.transform @ (cols, rows)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Values at points (RD metres); ``NaN`` outside the raster or on nodata cells.

        Examples
        --------
        >>> from affine import Affine
        >>> r = Raster(np.array([[1.0, 2.0], [3.0, 4.0]]), Affine(10, 0, 0, 0, -10, 20), "dB", "t")
        >>> r.sample(np.array([5.0, 15.0, 99.0]), np.array([15.0, 5.0, 5.0])).tolist()
        [1.0, 4.0, nan]
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        inv = ~self.transform
        col, row = inv @ (x, y)
        col = np.floor(col).astype(np.int64)
        row = np.floor(row).astype(np.int64)
        rows, cols = self.data.shape
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        out = np.full(x.shape, np.nan)
        out[inside] = self.data[row[inside], col[inside]]
        return out

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """RD x and y of every cell centre, arrays of the raster's shape."""
        rows, cols = self.data.shape
        cc, rr = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
        xs, ys = self.transform @ (cc, rr)
        return np.asarray(xs), np.asarray(ys)

    @classmethod
    def from_array(
        cls,
        data: np.ndarray,
        transform: Affine,
        *,
        crs: object,
        unit: str,
        source: str,
        nodata: float | None = None,
    ) -> Raster:
        """Build a raster from an array in any CRS, reprojecting to EPSG:28992 if needed.

        ``nodata`` cells become ``NaN``. Reprojection uses bilinear resampling.
        """
        if crs is None:
            raise NoCrsError(
                f"Raster {source} has no CRS. Assign one, e.g. "
                f"`gdal_edit.py -a_srs EPSG:28992 {source}`."
            )
        arr = np.asarray(data, dtype="float64").copy()
        if nodata is not None and not np.isnan(nodata):
            arr[arr == nodata] = np.nan
        src_crs = CRS.from_user_input(crs)
        target = CRS.from_user_input(settings.crs)
        if src_crs == target:
            return cls(arr, transform, unit, source)
        from rasterio.enums import Resampling
        from rasterio.warp import calculate_default_transform, reproject

        rows, cols = arr.shape
        left, top = transform @ (0, 0)
        right, bottom = transform @ (cols, rows)
        dst_transform, w, h = calculate_default_transform(
            src_crs.to_wkt(), target.to_wkt(), cols, rows,
            left=min(left, right), bottom=min(top, bottom),
            right=max(left, right), top=max(top, bottom),
        )
        dst = np.full((h, w), np.nan)
        reproject(
            arr, dst, src_transform=transform, src_crs=src_crs.to_wkt(),
            dst_transform=dst_transform, dst_crs=target.to_wkt(),
            resampling=Resampling.bilinear, src_nodata=np.nan, dst_nodata=np.nan,
        )
        return cls(dst, dst_transform, unit, source)
