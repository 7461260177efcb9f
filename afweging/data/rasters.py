"""GeoTIFF rasters (heat: PET degC; noise: Lden dB): local files and WCS downloads.

Local GeoTIFFs are read with :func:`read_raster`. :func:`raster_from_wcs` fetches a
coverage for a bounding box in EPSG:28992 with an OGC Web Coverage Service
``GetCoverage`` request -- the Atlas Leefomgeving (:data:`ALO_WCS`, e.g. noise Lden)
and Atlas Natuurlijk Kapitaal (:data:`ANK_WCS`, e.g. heat) of RIVM serve GeoTIFF this
way -- through the download cache; an answer that is not a GeoTIFF (a WCS exception
report comes back as XML, often with HTTP 200) is refused and not cached.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from afweging import settings
from afweging._errors import DownloadError, InputFileNotFoundError, ManifestError, NoCrsError
from afweging.geo.raster import Raster

#: Atlas Leefomgeving (RIVM) WCS, e.g. noise and air-quality maps.
ALO_WCS = "https://data.rivm.nl/geo/alo/wcs"

#: Atlas Natuurlijk Kapitaal (RIVM) WCS, e.g. heat (urban heat island) maps.
ANK_WCS = "https://data.rivm.nl/geo/ank/wcs"

#: Largest raster (cells) requested in one WCS call, to keep answers in memory.
MAX_WCS_CELLS = 25_000_000

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def read_raster(path: str | Path, *, unit: str, band: int = 1, assign_crs: str | None = None) -> Raster:
    """Read one band of a GeoTIFF into a :class:`Raster` in EPSG:28992 (nodata -> NaN).

    Parameters
    ----------
    path : path-like
        The GeoTIFF.
    unit : str
        Unit of the values, e.g. ``"degC"`` or ``"dB"``.
    band : int
        Band number (1-based).
    assign_crs : str, optional
        CRS to assume when the file has none (the manifest's ``crs`` key).
    """
    import rasterio

    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"Raster {path} does not exist. Check `path` in its [rasters.*] section.")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise ManifestError(f"Raster {path} could not be opened as a GeoTIFF: {exc}") from exc
    with src:
        return _raster_from_dataset(src, unit=unit, band=band, assign_crs=assign_crs, source=path.name)


def _raster_from_dataset(src: Any, *, unit: str, band: int, assign_crs: str | None, source: str) -> Raster:
    count = src.count
    if band < 1 or band > count:
        raise ManifestError(f"Raster {source} has {count} band(s); band {band} does not exist.")
    crs = src.crs or assign_crs
    if crs is None:
        raise NoCrsError(
            f"Raster {source} has no CRS. Add `crs = \"EPSG:28992\"` to its manifest section "
            f"or fix the file: `gdal_edit.py -a_srs EPSG:28992 {source}`."
        )
    data = src.read(band).astype("float64")
    return Raster.from_array(
        data, src.transform, crs=crs, unit=unit, source=source, nodata=src.nodata
    )


def _is_tiff(content: bytes, *, what: str) -> None:
    if content[:4] in _TIFF_MAGIC:
        return
    text = content[:2000].decode("utf-8", "replace")
    m = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</", text, re.S) or re.search(
        r"<(?:\w+:)?ServiceException[^>]*>(.*?)</", text, re.S
    )
    detail = m.group(1).strip() if m else text[:200]
    raise DownloadError(
        f"{what}: the WCS answered no GeoTIFF but {detail!r}. Check the coverage name "
        f"(GetCapabilities lists them), the bbox (EPSG:28992) and the version. Nothing was cached."
    )


def raster_from_wcs(
    url: str,
    coverage: str,
    bbox: Sequence[float],
    *,
    unit: str,
    resolution_m: float | None = None,
    version: str = "2.0.1",
    band: int = 1,
    axis_labels: tuple[str, str] = ("X", "Y"),
) -> Raster:
    """Download a coverage for a bounding box as a :class:`Raster` in EPSG:28992.

    Parameters
    ----------
    url : str
        WCS endpoint, e.g. :data:`ALO_WCS` or :data:`ANK_WCS`.
    coverage : str
        Coverage identifier as the server's GetCapabilities lists it (WCS 2.0 uses
        ``workspace__name``, WCS 1.0 ``workspace:name`` on GeoServer).
    bbox : (minx, miny, maxx, maxy)
        In EPSG:28992 metres, e.g. ``area.total_bounds``.
    unit : str
        Unit of the values (``"degC"``, ``"dB"``).
    resolution_m : float, optional
        Cell size to ask for. WCS 1.0.0 needs it (``RESX``/``RESY``); with 2.0.1 the
        server's native resolution is used when omitted.
    version : {"2.0.1", "1.0.0"}
    band : int
        Band to read from the answer.
    axis_labels : (str, str)
        WCS 2.0 subset axis names of the coverage (``X``/``Y`` for RD New on GeoServer).

    Raises
    ------
    DownloadError
        The server answered an error or no GeoTIFF (not cached).
    """
    import rasterio
    from rasterio.io import MemoryFile

    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if not (maxx > minx and maxy > miny):
        raise ManifestError(f"WCS bbox {tuple(bbox)} is empty; give (minx, miny, maxx, maxy) in EPSG:28992.")
    what = f"WCS {coverage}"
    params: list[tuple[str, object]]
    if version.startswith("2"):
        params = [
            ("service", "WCS"), ("version", version), ("request", "GetCoverage"),
            ("coverageId", coverage), ("format", "image/tiff"),
            ("subset", f"{axis_labels[0]}({minx:.3f},{maxx:.3f})"),
            ("subset", f"{axis_labels[1]}({miny:.3f},{maxy:.3f})"),
        ]
        if resolution_m:
            w, h = _size(minx, miny, maxx, maxy, resolution_m)
            params.append(("scalesize", f"{axis_labels[0]}({w}),{axis_labels[1]}({h})"))
    elif version.startswith("1.0"):
        if not resolution_m:
            raise ManifestError(f"{what}: WCS 1.0.0 needs `resolution_m` (cell size in metres).")
        _size(minx, miny, maxx, maxy, resolution_m)
        params = [
            ("service", "WCS"), ("version", "1.0.0"), ("request", "GetCoverage"),
            ("coverage", coverage), ("format", "GeoTIFF"), ("crs", settings.crs),
            ("response_crs", settings.crs),
            ("bbox", f"{minx:.3f},{miny:.3f},{maxx:.3f},{maxy:.3f}"),
            ("resx", f"{resolution_m:g}"), ("resy", f"{resolution_m:g}"),
        ]
    else:
        raise ManifestError(f"{what}: WCS version {version!r} is not supported; use '2.0.1' or '1.0.0'.")
    from afweging.data import _cache

    content = _cache.request(
        url, params=params, expect="bytes", what=what, validate=lambda b: _is_tiff(b, what=what)
    )
    try:
        with MemoryFile(content) as mem, mem.open() as src:
            return _raster_from_dataset(src, unit=unit, band=band, assign_crs=None, source=f"{coverage} ({url})")
    except rasterio.errors.RasterioIOError as exc:
        raise DownloadError(f"{what}: the answer looks like a TIFF but cannot be read ({exc}).") from exc


def _size(minx: float, miny: float, maxx: float, maxy: float, res: float) -> tuple[int, int]:
    w = max(1, round((maxx - minx) / res))
    h = max(1, round((maxy - miny) / res))
    if w * h > MAX_WCS_CELLS:
        raise ManifestError(
            f"A WCS request of {w} x {h} cells at {res:g} m exceeds {MAX_WCS_CELLS:,} cells; "
            f"use a coarser resolution_m or a smaller bbox."
        )
    return w, h
