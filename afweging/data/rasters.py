"""GeoTIFF rasters (heat: PET degC; noise: Lden dB), local files."""

from __future__ import annotations

from pathlib import Path

from afweging._errors import InputFileNotFoundError, ManifestError, NoCrsError
from afweging.geo.raster import Raster


def read_raster(path: str | Path, *, unit: str, band: int = 1, assign_crs: str | None = None) -> Raster:
    """Read one band of a GeoTIFF into a :class:`Raster` in EPSG:28992 (nodata -> NaN)."""
    import rasterio

    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"Raster {path} does not exist.")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise ManifestError(f"Raster {path} could not be opened as a GeoTIFF: {exc}") from exc
    with src:
        if band < 1 or band > src.count:
            raise ManifestError(f"Raster {path} has {src.count} band(s); band {band} does not exist.")
        crs = src.crs or assign_crs
        if crs is None:
            raise NoCrsError(
                f"Raster {path} has no CRS. Add `crs = \"EPSG:28992\"` to its manifest section "
                f"or fix the file: `gdal_edit.py -a_srs EPSG:28992 {path.name}`."
            )
        data = src.read(band).astype("float64")
        return Raster.from_array(
            data, src.transform, crs=crs, unit=unit, source=path.name, nodata=src.nodata
        )
