"""GeoTIFF rasters (noise Lden dB, heat: PET degC or UHI degC): local files and WCS downloads.

Local GeoTIFFs are read with :func:`read_raster`. :func:`raster_from_wcs` fetches a
coverage for a bounding box in EPSG:28992 with an OGC Web Coverage Service
``GetCoverage`` request through the download cache. RIVM serves two of the toolkit's
rasters this way (GeoServer, WCS 2.0.1):

* noise: Atlas Leefomgeving, :data:`ALO_WCS`, coverage :data:`RIVM_NOISE_COVERAGE`
  (Lden, all sources, dB);
* heat: Atlas Natuurlijk Kapitaal, :data:`ANK_WCS`, coverage :data:`RIVM_UHI_COVERAGE`
  (the *stedelijk hitte-eiland effect*: how much warmer the air is than in the
  countryside, degC). This is an air-temperature difference, not the perceived
  temperature (PET) of the Klimaateffectatlas hittekaart; PET has no WCS and is read from
  the downloaded GeoTIFF.

What GeoServer really does, and how we deal with it:

* ``scalesize`` takes the *grid* axes, ``http://www.opengis.net/def/axis/OGC/1/i(w)`` and
  ``.../j(h)``, not the CRS axes ``X``/``Y`` of ``subset``.
* Errors come back as an OWS ExceptionReport (XML), with an HTTP error status or with 200;
  its ``ExceptionText`` is shown and nothing is cached.
* Some coverages declare nodata 0 but fill empty cells with the float32 minimum
  (-3.4·10^38): values beyond :data:`IMPLAUSIBLE` are nodata, and then the declared 0 is
  data (see :func:`mask_nodata`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from afweging import settings
from afweging._errors import DownloadError, InputFileNotFoundError, ManifestError, NoCrsError
from afweging.geo.raster import Raster

log = logging.getLogger(__name__)

#: Atlas Leefomgeving (RIVM) WCS, e.g. noise and air-quality maps.
ALO_WCS = "https://data.rivm.nl/geo/alo/wcs"

#: Atlas Natuurlijk Kapitaal (RIVM) WCS, e.g. the urban heat island map.
ANK_WCS = "https://data.rivm.nl/geo/ank/wcs"

#: RIVM noise map, Lden of all sources together (2020, published 2022-06-01; 10 m cells),
#: as WCS 2.0 coverage id (GeoServer writes ``workspace__layer``). Licence CC0 / open data.
RIVM_NOISE_COVERAGE = "alo__rivm_20220601_Geluid_lden_allebronnen_2020"

#: RIVM urban heat island map (*stedelijk hitte-eiland effect*, 2022-06-01 v2; 10 m cells):
#: the summer-average difference in air temperature with the countryside, degC.
RIVM_UHI_COVERAGE = "ank__Stedelijk_hitte_eiland_effect_01062022_v2"

#: Cell values beyond +-1e30 are fill, never data (float32's minimum is -3.4e38).
IMPLAUSIBLE = 1e30

#: The WCS 2.0 grid axes that ``scalesize`` takes (GeoServer).
GRID_AXES = ("http://www.opengis.net/def/axis/OGC/1/i", "http://www.opengis.net/def/axis/OGC/1/j")

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
        raise InputFileNotFoundError(f"Het raster {path} bestaat niet. Controleer `path` in de sectie [rasters.*] (relatief aan het manifest).")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise ManifestError(f"Het raster {path} is niet te openen als GeoTIFF ({exc}). Geef een GeoTIFF (.tif) in `path`.") from exc
    with src:
        return _raster_from_dataset(src, unit=unit, band=band, assign_crs=assign_crs, source=path.name)


def _raster_from_dataset(src: Any, *, unit: str, band: int, assign_crs: str | None, source: str) -> Raster:
    count = src.count
    if band < 1 or band > count:
        raise ManifestError(f"Het raster {source} heeft {count} band(en); band {band} bestaat niet. Zet `band` op 1 tot {count}.")
    crs = src.crs or assign_crs
    if crs is None:
        raise NoCrsError(
            f"Het raster {source} heeft geen coördinatenstelsel (CRS). Zet `crs = \"EPSG:28992\"` in zijn "
            f"sectie van het manifest, of herstel het bestand: `gdal_edit.py -a_srs EPSG:28992 {source}`."
        )
    data = mask_nodata(src.read(band).astype("float64"), src.nodata, source=source)
    return Raster.from_array(data, src.transform, crs=crs, unit=unit, source=source)


def mask_nodata(data: np.ndarray, nodata: float | None, *, source: str = "raster") -> np.ndarray:
    """Cells without data as NaN: the declared ``nodata`` value and implausible fill.

    Values beyond :data:`IMPLAUSIBLE` (e.g. -3.4e38, float32's minimum) are never data.
    When a raster holds such fill, its declared ``nodata`` is evidently not its fill, and
    cells with that value are kept as data (a coverage that declares nodata 0 but fills
    with -3.4e38 has real zeros).

    Examples
    --------
    >>> mask_nodata(np.array([0.0, 1.5, -3.4e38]), 0.0).tolist()
    [0.0, 1.5, nan]
    >>> mask_nodata(np.array([0.0, 1.5, -9999.0]), -9999.0).tolist()
    [0.0, 1.5, nan]
    """
    out = np.array(data, dtype="float64", copy=True)
    fill = ~np.isfinite(out) | (np.abs(out) > IMPLAUSIBLE)
    if fill.any():
        if nodata is not None and np.isfinite(nodata) and abs(nodata) <= IMPLAUSIBLE and (out == nodata).any():
            log.info("%s: declares nodata %g but fills with %g; cells of %g are kept as data",
                     source, nodata, float(np.nanmin(np.where(fill, out, np.nan))), nodata)
        out[fill] = np.nan
    elif nodata is not None and not np.isnan(nodata):
        out[out == nodata] = np.nan
    return out


def _is_tiff(content: bytes, *, what: str) -> None:
    if content[:4] in _TIFF_MAGIC:
        return
    from afweging.data._cache import server_detail

    raise DownloadError(
        f"{what}: de WCS gaf geen GeoTIFF maar {server_detail(content)!r}. Controleer de coverage "
        f"(GetCapabilities noemt ze), de bbox (EPSG:28992) en de versie. Dit antwoord is niet in de "
        f"cache bewaard."
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

    :func:`wcs_geotiff` read with :func:`raster_from_geotiff_bytes` (the parameters are
    theirs); ``afweging fetch`` saves the same GeoTIFF to a file instead.
    """
    content = wcs_geotiff(url, coverage, bbox, resolution_m=resolution_m, version=version, axis_labels=axis_labels)
    return raster_from_geotiff_bytes(content, unit=unit, band=band, source=f"{coverage} ({url})")


def raster_from_geotiff_bytes(content: bytes, *, unit: str, band: int = 1, source: str = "WCS") -> Raster:
    """A GeoTIFF in memory (a WCS answer) as a :class:`Raster`, read as :func:`read_raster`
    reads the same bytes from a file (nodata and fill masked by :func:`mask_nodata`)."""
    import rasterio
    from rasterio.io import MemoryFile

    try:
        with MemoryFile(content) as mem, mem.open() as src:
            return _raster_from_dataset(src, unit=unit, band=band, assign_crs=None, source=source)
    except rasterio.errors.RasterioIOError as exc:
        raise DownloadError(f"{source}: het antwoord lijkt een TIFF maar is niet te lezen ({exc}).") from exc


def wcs_geotiff(
    url: str,
    coverage: str,
    bbox: Sequence[float],
    *,
    resolution_m: float | None = None,
    version: str = "2.0.1",
    axis_labels: tuple[str, str] = ("X", "Y"),
) -> bytes:
    """The GeoTIFF a WCS ``GetCoverage`` answers for a bounding box (through the cache).

    Parameters
    ----------
    url : str
        WCS endpoint, e.g. :data:`ALO_WCS` or :data:`ANK_WCS`.
    coverage : str
        Coverage identifier as the server's GetCapabilities lists it (WCS 2.0 uses
        ``workspace__name``, WCS 1.0 ``workspace:name`` on GeoServer).
    bbox : (minx, miny, maxx, maxy)
        In EPSG:28992 metres, e.g. ``area.total_bounds``.
    resolution_m : float, optional
        Cell size to ask for. WCS 1.0.0 needs it (``RESX``/``RESY``); with 2.0.1 the
        server's native resolution is used when omitted.
    version : {"2.0.1", "1.0.0"}
    axis_labels : (str, str)
        WCS 2.0 subset axis names of the coverage (``X``/``Y`` for RD New on GeoServer).
        ``scalesize`` always uses the grid axes :data:`GRID_AXES`.

    Raises
    ------
    HttpStatusError, DownloadError
        The server answered an error (its ExceptionReport text is shown) or no GeoTIFF;
        nothing is cached then.
    """
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if not (maxx > minx and maxy > miny):
        raise ManifestError(f"WCS-bbox {tuple(bbox)} is leeg; geef (minx, miny, maxx, maxy) in EPSG:28992.")
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
            params.append(("scalesize", f"{GRID_AXES[0]}({w}),{GRID_AXES[1]}({h})"))
    elif version.startswith("1.0"):
        if not resolution_m:
            raise ManifestError(f"{what}: WCS 1.0.0 heeft `resolution_m` nodig (de celgrootte in meters), bijv. resolution_m = 10.")
        _size(minx, miny, maxx, maxy, resolution_m)
        params = [
            ("service", "WCS"), ("version", "1.0.0"), ("request", "GetCoverage"),
            ("coverage", coverage), ("format", "GeoTIFF"), ("crs", settings.crs),
            ("response_crs", settings.crs),
            ("bbox", f"{minx:.3f},{miny:.3f},{maxx:.3f},{maxy:.3f}"),
            ("resx", f"{resolution_m:g}"), ("resy", f"{resolution_m:g}"),
        ]
    else:
        raise ManifestError(f"{what}: WCS-versie {version!r} wordt niet ondersteund; gebruik version = \"2.0.1\" of \"1.0.0\".")
    from afweging.data import _cache, _progress

    with _progress.bar(what, unit="B") as bar:
        content: bytes = _cache.request(
            url, params=params, expect="bytes", what=what, validate=lambda b: _is_tiff(b, what=what),
            on_bytes=bar.update,
        )
    return content


def _size(minx: float, miny: float, maxx: float, maxy: float, res: float) -> tuple[int, int]:
    w = max(1, round((maxx - minx) / res))
    h = max(1, round((maxy - miny) / res))
    if w * h > MAX_WCS_CELLS:
        raise ManifestError(
            f"Een WCS-aanvraag van {w} x {h} cellen van {res:g} m is meer dan {MAX_WCS_CELLS:,} cellen; "
            f"kies een grotere resolution_m of een kleiner gebied."
        )
    return w, h
