"""The area manifest: a TOML file that says where each piece of an area's data lives.

Paths are relative to the manifest. Only ``[buurten]`` is required; a missing section
means "no data for this" and the Area records the reason. The format (see
``README.md`` for a full example and ``../shared/data/utrecht/area.toml``)::

    name = "Utrecht"              # required
    gemeentecode = "GM0344"       # optional
    crs = "EPSG:28992"            # optional; must be EPSG:28992 (the toolkit CRS)
    synthetic = false             # optional; true marks generated (not real) data in all outputs

    [buurten]                     # required: polygons
    path = "wijken_buurten.gpkg"; layer = "buurten"
    id = "buurtcode"; name = "buurtnaam"; wijk = "wijkcode"

    [wijken]                      # optional: polygons; without it wijken are dissolved buurten
    path = "..."; layer = "wijken"; id = "wijkcode"; name = "wijknaam"  (name optional)

    [statistics]                  # optional: CBS kwb table (CSV/XLSX), joined on id
    path = "cbs_kwb2023.csv"; id = "gwb_code_10"; year = 2023; source = "..."; sheet = ...

    [facilities]                  # optional: points
    path = "..."; layer = "..."
    format = "osm-tags"           # key/value columns mapped to categories with the tag table
    key = "osm_key"; value = "osm_value"; tags = "my_tags.toml" (optional override)
    # or: format = "categories"; category = "<column with category ids>"

    [homes]                       # optional: points; residents spread from CBS a_inw
    path = "..."; layer = "..."; format = "osm-tags"; key = "..."; value = "..."
    include = { building = ["house", "apartments"] }
    missing_homes = "warn"        # or "grid": stand-in points for buurten with inhabitants but no homes
    # or: format = "points"; residents = "<column>" (weights given; else spread)

    [green]                       # optional: public green polygons
    path = "..."; layer = "..."; kind = "<column>" (optional)

    [networks.walk] / [networks.bike]   # optional: path, format = "graphml" | "osm" | "pbf" | "gpkg"
                                        # retain_all = true: every piece of an OSM network, not the largest only
    [rasters.heat]                      # optional: PET gevoelstemperatuur (GeoTIFF, Klimaateffectatlas)
    [rasters.uhi] / [rasters.noise]     # optional: RIVM heat island (degC air) / Lden (dB); path or WCS
    [lines.NAME]                        # optional: path, layer

Every section may carry ``source``, ``licence`` and ``crs`` (the CRS to assume for a file
that has none).

Instead of ``path``, a section can download its data (``gemeentecode`` is then required;
downloads go through the cache in ``settings.cache_folder``)::

    [buurten] / [wijken]     online = "pdok"; year = 2023     # CBS wijk- en buurtkaart (PDOK)
    [statistics]             online = "cbs"; year = 2023      # or table = "85618NED" (CBS open data)
    [facilities]             online = "osm"                   # tags of the tag table (osmnx/Overpass)
    [homes]                  online = "bag"                   # BAG dwellings (woonfunctie, in use)
                             # or online = "osm"; include = { building = ["house", "apartments"] }
    [green]                  online = "bgt"                   # BGT public green (bgt_green.toml)
    [networks.walk]          online = "osm"; buffer_m = 500   # osmnx walk/bike graph around the buurten
    [rasters.noise] / [rasters.uhi]   online = "wcs"   # RIVM's map (DEFAULT_WCS), or your own:
                             url = "https://data.rivm.nl/geo/alo/wcs"; coverage = "<coverage id>"
                             resolution_m = 10; version = "2.0.1"

Every online section takes an optional ``url``, the service's base URL (a mirror, proxy
or test server); the real defaults are in ``manifest_schema.DEFAULT_URLS``.
``afweging fetch`` (:mod:`afweging.data.fetch`) downloads every online section once into
plain files and writes a file-based manifest next to them.

A loaded Area is kept in ``settings.cache_folder / "areas"`` (see :func:`load_area`) and
reused until the manifest, a file it names, or the loader code changes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from afweging import settings
from afweging._errors import ManifestError, MissingColumnError, NoMatchError
from afweging._format import nl_names
from afweging._schema import read_toml
from afweging.data import tags as tagtable
from afweging.data.cbs import kwb_from_cbs, read_kwb
from afweging.data.homes import grid_homes_for_empty_buurten, spread_residents
from afweging.data.manifest_schema import DEFAULT_URLS, DEFAULT_WCS, check_manifest
from afweging.data.osm import category_tags, download_graph, points_from_polygon, project_graph
from afweging.data.pdok import (
    classify_bgt_green,
    dwellings_from_bag,
    green_from_bgt,
    wijken_buurten_from_pdok,
)
from afweging.data.rasters import raster_from_geotiff_bytes, read_raster, wcs_geotiff
from afweging.data.streets import read_network
from afweging.data.vector import check_geometries, read_vector
from afweging.geo.area import GREEN_GROUP_COLUMN as GROUP_COLUMN
from afweging.geo.area import Area, Provenance, assign_buurt
from afweging.geo.network import StreetNetwork, from_networkx
from afweging.geo.raster import Raster
from afweging.settings_schema import check_settings

log = logging.getLogger(__name__)

_MODES = ("walk", "bike")
_RASTERS = ("heat", "noise")  # reported as missing when absent; "uhi" is an optional extra
_T = TypeVar("_T")


def load_area(path: str | Path, *, cache: bool | None = None) -> Area:
    """Load an :class:`~afweging.geo.area.Area` from a TOML manifest.

    Parameters
    ----------
    path : path-like
        The manifest, e.g. ``../shared/data/utrecht/area.toml`` (or its folder).
    cache : bool, optional
        Keep the loaded Area in ``settings.cache_folder / "areas"`` and reuse it while
        nothing changed: the key covers the manifest text, the path, size and
        modification time of every file it names, the afweging version and source files
        of the loaders, and the versions of the libraries the pickle depends on.
        Default: ``settings.use_cache``. The cache holds pickles: keep the cache folder
        private (as any Python cache folder).

    Returns
    -------
    Area
        Everything in EPSG:28992, CBS statistics joined on buurtcode, homes with
        residents spread from the buurt's inhabitants, facilities with categories.
        ``area.meta["caveats"]`` lists the data caveats (Dutch); each is also issued as
        a ``UserWarning``, on a cache hit too.
    """
    check_settings()
    manifest = Path(path)
    if manifest.is_dir():
        manifest = manifest / "area.toml"
    doc, raw = read_toml(
        manifest, error=ManifestError, what="Het gebiedsmanifest",
        hint="Het formaat staat in docs/invoer.md; zonder --area rekent afweging met het demogebied.",
    )
    check_manifest(doc, file=str(manifest))
    use_cache = settings.use_cache if cache is None else bool(cache)
    key = _area_cache_key(manifest, raw, doc) if use_cache else None
    area = _read_area_cache(manifest, key) if key else None
    if area is None:
        area = _Loader(manifest, doc).load()
        if key:
            _write_area_cache(manifest, key, area)
    for caveat in area.meta.get("caveats", []):
        warnings.warn(caveat, UserWarning, stacklevel=2)
    return area


# ------------------------------------------------------------------ Area cache

#: Source files whose change invalidates cached Areas (relative to the package).
_CODE_GLOBS = ("data/*.py", "data/*.toml", "geo/*.py", "settings.py", "_errors.py", "__init__.py")


def _file_stamp(p: Path) -> list[Any]:
    try:
        st = p.stat()
    except OSError:
        return [str(p), None]
    return [str(p.resolve()), st.st_size, st.st_mtime_ns]


def _referenced_files(base: Path, doc: Any) -> list[Path]:
    """Every `path` and `tags` value in the manifest, resolved against its folder."""
    out: list[Path] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("path", "tags") and isinstance(v, str):
                    p = Path(v)
                    out.append(p if p.is_absolute() else base / p)
                else:
                    walk(v)

    walk(doc)
    return out


def _area_cache_key(manifest: Path, raw: bytes, doc: dict[str, Any]) -> str:
    import afweging

    pkg = Path(afweging.__file__).parent
    code = sorted(str(p.relative_to(pkg)) + ":" + ":".join(map(str, _file_stamp(p)[1:]))
                  for g in _CODE_GLOBS for p in pkg.glob(g))
    libs = []
    for mod in ("numpy", "pandas", "geopandas", "shapely", "networkx", "pyproj", "rasterio"):
        m = sys.modules.get(mod)
        libs.append(f"{mod}={getattr(m, '__version__', '?') if m else '-'}")
    parts = {
        "manifest": hashlib.sha256(raw).hexdigest(),
        "where": str(manifest.resolve()),
        "files": [_file_stamp(p) for p in _referenced_files(manifest.parent, doc)],
        "version": afweging.__version__,
        "code": code,
        "libs": libs,
        "python": sys.version_info[:3],
        "crs": settings.crs,
    }
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _cache_file(manifest: Path, key: str) -> Path:
    prefix = hashlib.sha256(str(manifest.resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(settings.cache_folder) / "areas" / f"{prefix}-{key[:32]}.pkl"


def _read_area_cache(manifest: Path, key: str) -> Area | None:
    path = _cache_file(manifest, key)
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            area = pickle.load(fh)
    except Exception as exc:  # a stale or truncated pickle is a miss, never an error
        log.info("Ignoring unreadable area cache %s (%s)", path, exc)
        path.unlink(missing_ok=True)
        return None
    if not isinstance(area, Area):
        return None
    log.info("Loaded area %r from cache %s", area.name, path)
    return area


def _write_area_cache(manifest: Path, key: str, area: Area) -> None:
    path = _cache_file(manifest, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name.split("-")[0] + "-*.pkl"):
            old.unlink(missing_ok=True)  # one entry per manifest
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as fh:
            pickle.dump(area, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache folder must not break loading
        log.warning("Could not write the area cache %s: %s", path, exc)


#: Default ``join_gap_m`` of ``[green] online = "bgt"``: the BGT cuts parks along their
#: footpaths (usually 1.5-4 m wide); polygons less than 5 m apart form one green area.
BGT_JOIN_GAP_M = 5.0


def green_groups(geometry: gpd.GeoSeries, gap_m: float) -> np.ndarray:
    """A green-area id per polygon: polygons less than ``gap_m`` apart share one
    (buffered by half the gap, merged, and each polygon assigned to its merged part).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoSeries([box(0, 0, 10, 10), box(13, 0, 20, 10), box(40, 0, 50, 10)])
    >>> green_groups(g, 5.0).tolist()
    [0, 0, 1]
    """
    import shapely

    geoms = shapely.make_valid(geometry.to_numpy())
    merged = shapely.get_parts(shapely.union_all(shapely.buffer(geoms, gap_m / 2.0)))
    tree = shapely.STRtree(merged)
    i_poly, i_group = tree.query(shapely.point_on_surface(geoms), predicate="intersects")
    out = np.full(len(geoms), -1, dtype=np.int64)
    out[i_poly[::-1]] = i_group[::-1]  # the first match per polygon
    order = {g: k for k, g in enumerate(dict.fromkeys(out.tolist()))}  # ids by first appearance
    return np.array([order[g] for g in out.tolist()], dtype=np.int64)


def _layer_text(sec: dict[str, Any]) -> str:
    return f" (laag {sec['layer']!r})" if sec.get("layer") else ""


def _rename(gdf: gpd.GeoDataFrame, columns: dict[str, str]) -> gpd.GeoDataFrame:
    """Rename columns to the toolkit's names; a column that already has a target name (and
    is not itself renamed) gives way, so no name occurs twice."""
    clash = [new for old, new in columns.items() if old != new and new in gdf.columns and new not in columns]
    return gdf.drop(columns=clash).rename(columns=columns)


class _Loader:
    def __init__(self, manifest: Path, doc: dict[str, Any]) -> None:
        self.manifest = manifest
        self.base = manifest.parent
        self.doc = doc
        self.provenance: dict[str, Provenance] = {}
        self.missing: dict[str, str] = {}
        self.caveats: list[str] = []
        self._stats_label = "statistics"
        self._vectors: dict[tuple[str, str | None, str | None], gpd.GeoDataFrame] = {}

    # -------------------------------------------------------------- helpers
    # The document was checked against manifest_schema.Manifest: every key is known and of
    # its declared type and range.
    def section(self, name: str) -> dict[str, Any] | None:
        sec: dict[str, Any] | None = self.doc.get(name)
        return sec

    def file(self, sec: dict[str, Any], name: str) -> Path:
        p = Path(sec["path"])
        return p if p.is_absolute() else self.base / p

    def col(self, sec: dict[str, Any], key: str, default: str, name: str) -> str:
        return str(sec.get(key, default))

    def prov(self, key: str, sec: dict[str, Any], path: Path | None, default_source: str) -> None:
        note = sec.get("note")
        if note is None and sec.get("downloaded_from"):
            note = f"opgehaald van {sec['downloaded_from']}" + (
                f" op {sec['downloaded_on']}" if sec.get("downloaded_on") else "")
        self.provenance[key] = Provenance(
            source=str(sec.get("source", default_source)),
            path=str(path) if path else None,
            licence=sec.get("licence"),
            note=note,
        )

    def what(self, name: str) -> str:
        return f"[{name}] in {self.manifest.name}"

    def online(self, sec: dict[str, Any], name: str) -> str | None:
        """The section's ``online`` source (one the schema allows), or None for a file."""
        kind = sec.get("online")
        return None if kind is None else str(kind)

    def gemeentecode(self, name: str) -> str:
        code = self.doc.get("gemeentecode")
        if not isinstance(code, str):
            raise ManifestError(
                f"{self.what(name)}: downloaden heeft de gemeente nodig: zet `gemeentecode = \"GM0344\"` "
                f"(de CBS-code van de gemeente) bovenaan {self.manifest.name}."
            )
        return code

    def study_polygon(self, buurten: gpd.GeoDataFrame, sec: dict[str, Any]) -> Any:
        """The buurten's union, buffered by the section's ``buffer_m`` (RD metres)."""
        buffer_m = float(sec.get("buffer_m", 0.0))
        poly = buurten.geometry.union_all()
        return poly.buffer(buffer_m) if buffer_m > 0 else poly

    def caveat(self, message: str) -> None:
        """Record a data caveat (Dutch); load_area issues it as a UserWarning."""
        if message not in self.caveats:
            self.caveats.append(message)

    def collect(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Call a helper that warns (homes.py) and turn its warnings into caveats."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args, **kwargs)
        for w in caught:
            if issubclass(w.category, UserWarning):
                self.caveat(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return result

    def vector(self, sec: dict[str, Any], name: str) -> tuple[gpd.GeoDataFrame, Path]:
        """Read a section's file once per load (facilities and homes often share one)."""
        path = self.file(sec, name)
        layer = sec.get("layer")
        crs = sec.get("crs")
        key = (str(path.resolve()), layer, crs)
        if key not in self._vectors:
            self._vectors[key] = read_vector(path, layer=layer, what=self.what(name), assign_crs=crs)
        return self._vectors[key], path

    # -------------------------------------------------------------- downloads
    # One method per online source: what the service answers, before the toolkit's own
    # processing. The loader processes it at once; `afweging fetch` (fetch.py) writes it
    # to a file and the file manifest it writes makes the loader process it the same way.
    def url(self, sec: dict[str, Any], kind: str) -> str:
        """The section's ``url``, else the real service (DEFAULT_URLS; ``{year}`` filled)."""
        url = str(sec.get("url") or DEFAULT_URLS[kind])
        return url.replace("{year}", str(int(sec.get("year", 2023)))).rstrip("/")

    def download_wijken_buurten(self, name: str, sec: dict[str, Any]) -> gpd.GeoDataFrame:
        """``[buurten]`` / ``[wijken]`` with online = "pdok": the CBS wijk- en buurtkaart."""
        return wijken_buurten_from_pdok(self.gemeentecode(name), level=name, year=int(sec.get("year", 2023)),
                                        base_url=self.url(sec, "pdok"))

    def download_statistics(self, sec: dict[str, Any]) -> pd.DataFrame:
        """``[statistics]`` with online = "cbs": the kwb table of the gemeente (CBS open data)."""
        root = self.url(sec, "cbs")
        return kwb_from_cbs(self.gemeentecode("statistics"), year=sec.get("year", 2023), table=sec.get("table"),
                            base_url=f"{root}/ODataApi/odata", feed_url=f"{root}/ODataFeed/odata")

    def download_points(self, name: str, sec: dict[str, Any], buurten: gpd.GeoDataFrame,
                        tags: dict[str, Any]) -> gpd.GeoDataFrame:
        """``[facilities]`` / ``[homes]`` with online = "osm": tagged OSM features as points."""
        return points_from_polygon(self.study_polygon(buurten, sec), tags=tags, url=self.url(sec, "osm"))

    def facility_tags(self, sec: dict[str, Any]) -> dict[str, Any]:
        return tagtable.load_tag_table(self.base / sec["tags"] if "tags" in sec else None)

    def download_dwellings(self, sec: dict[str, Any], buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``[homes]`` with online = "bag": every BAG dwelling (woonfunctie, in use) in the buurten."""
        gdf = dwellings_from_bag(self.study_polygon(buurten, sec).bounds, base_url=self.url(sec, "bag"))
        inside = assign_buurt(gdf, buurten).notna().to_numpy()
        return gdf[inside].reset_index(drop=True)

    def download_green(self, sec: dict[str, Any], buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``[green]`` with online = "bgt": the BGT polygons the green table counts as public green."""
        poly = self.study_polygon(buurten, {"buffer_m": 300.0, **sec})
        gdf = green_from_bgt(poly.bounds, base_url=self.url(sec, "bgt"))
        green = self.collect(classify_bgt_green, gdf, what=self.what("green"))
        gdf = gdf[green.to_numpy() & gdf.intersects(poly).to_numpy()]
        return gdf.reset_index(drop=True)

    def download_network(self, mode: str, sec: dict[str, Any], buurten: gpd.GeoDataFrame) -> Any:
        """``[networks.MODE]`` with online = "osm": the osmnx graph (EPSG:4326, as downloaded)."""
        poly = self.study_polygon(buurten, {"buffer_m": 500.0, **sec})
        return download_graph(poly, mode=mode, url=self.url(sec, "osm"), retain_all=bool(sec.get("retain_all", False)))

    def wcs(self, name: str, sec: dict[str, Any]) -> tuple[str, str]:
        """The (url, coverage) of an online raster: the section's, else RIVM's (DEFAULT_WCS)."""
        if sec.get("url") and sec.get("coverage"):
            return str(sec["url"]), str(sec["coverage"])
        return DEFAULT_WCS[name]  # the schema allows online rasters only where a default exists

    def download_raster(self, name: str, sec: dict[str, Any], buurten: gpd.GeoDataFrame) -> bytes:
        """``[rasters.NAME]`` with online = "wcs": the GeoTIFF the WCS answers."""
        bbox = self.study_polygon(buurten, {"buffer_m": 100.0, **sec}).bounds
        res = sec.get("resolution_m")
        url, coverage = self.wcs(name, sec)
        return wcs_geotiff(url, coverage, bbox, resolution_m=float(res) if res is not None else None,
                           version=str(sec.get("version", "2.0.1")))

    # -------------------------------------------------------------- load
    def load(self) -> Area:
        doc = self.doc
        buurten = self.buurten()
        stats_year = None
        stats = self.statistics()
        if stats is not None:
            table, sec = stats
            buurten = self.join_statistics(buurten, table, sec)
            stats_year = sec.get("year")
        wijken = self.wijken(buurten, stats[0] if stats else None)
        facilities = self.facilities(buurten)
        homes = self.homes(buurten)
        green = self.green(buurten)
        networks = self.networks(buurten)
        rasters = self.rasters(buurten)
        lines = self.lines()
        return Area(
            name=str(doc["name"]),
            buurten=buurten,
            wijken=wijken,
            homes=homes,
            facilities=facilities,
            green=green,
            networks=networks,
            rasters=rasters,
            lines=lines,
            provenance=self.provenance,
            missing=self.missing,
            statistics_year=stats_year,
            gemeentecode=doc.get("gemeentecode"),
            synthetic=bool(doc.get("synthetic", False)),
            meta={"manifest": str(self.manifest), "caveats": list(self.caveats)},
        )

    def buurten(self) -> gpd.GeoDataFrame:
        sec = self.section("buurten")
        assert sec is not None  # required by the schema
        if self.online(sec, "buurten"):
            year = int(sec.get("year", 2023))
            gdf = self.download_wijken_buurten("buurten", sec)
            path = Path(f"PDOK wijken-en-buurten-{year} (buurten)")
            sec = {"source": f"CBS wijk- en buurtkaart {year} (PDOK)", "licence": "CC BY 4.0", **sec}
        else:
            path = self.file(sec, "buurten")
            gdf = read_vector(path, layer=sec.get("layer"), what=self.what("buurten"), assign_crs=sec.get("crs"))
        if len(gdf) == 0:
            raise ManifestError(
                f"{self.what('buurten')}: {path.name}{_layer_text(sec)} "
                f"bevat geen buurten. Controleer `path` en `layer` in [buurten]."
            )
        id_col = self.col(sec, "id", "buurtcode", "buurten")
        name_col = self.col(sec, "name", "buurtnaam", "buurten")
        wijk_col = self.col(sec, "wijk", "wijkcode", "buurten")
        for key, c in (("id", id_col), ("name", name_col), ("wijk", wijk_col)):
            if c not in gdf.columns:
                raise MissingColumnError(_no_column(self.what("buurten"), path, c, key, gdf.columns))
        check_geometries(gdf, what=f"{self.what('buurten')} ({path.name})", kinds=("Polygon", "MultiPolygon"), id_column=id_col)
        gdf = _rename(gdf, {id_col: "buurtcode", name_col: "buurtnaam", wijk_col: "wijkcode"})
        gdf["buurtcode"] = gdf["buurtcode"].astype(str)
        gdf["wijkcode"] = gdf["wijkcode"].astype(str)
        if gdf["buurtcode"].duplicated().any():
            dup = gdf.loc[gdf["buurtcode"].duplicated(), "buurtcode"].tolist()[:5]
            raise ManifestError(f"{self.what('buurten')}: deze buurtcodes komen meer dan eens voor in {path.name}: "
                                f"{', '.join(map(str, dup))}. Elke buurt is één vlak: voeg delen samen of "
                                f"controleer `id`.")
        gdf = gdf.set_index("buurtcode")
        self.prov("buurten", sec, path, "buurtgrenzen")
        return gdf

    def statistics(self) -> tuple[pd.DataFrame, dict[str, Any]] | None:
        sec = self.section("statistics")
        if sec is None:
            self.missing["statistics"] = "geen [statistics] in het manifest: geen CBS-cijfers"
            return None
        if self.online(sec, "statistics"):
            table = self.download_statistics(sec)
            self._stats_label = f"CBS open data {sec.get('table') or sec.get('year', 2023)}"
            sec = {"source": "CBS Kerncijfers wijken en buurten (CBS open data)", "licence": "CC BY 4.0",
                   "year": 2023, **sec}
            self.prov("statistics", sec, None, "CBS Kerncijfers wijken en buurten")
            return table, sec
        path = self.file(sec, "statistics")
        table = read_kwb(path, id_column=self.col(sec, "id", "gwb_code_10", "statistics"), sheet=sec.get("sheet"))
        self._stats_label = path.name
        self.prov("statistics", sec, path, "CBS Kerncijfers wijken en buurten")
        return table, sec

    def join_statistics(self, buurten: gpd.GeoDataFrame, table: pd.DataFrame, sec: dict[str, Any]) -> gpd.GeoDataFrame:
        label = self._stats_label
        matched = buurten.index.intersection(table.index)
        if len(matched) == 0:
            raise NoMatchError(
                f"{self.what('statistics')}: geen code in {label} (kolom {sec.get('id', 'gwb_code_10')!r}, "
                f"bijv. {table.index[:3].tolist()}) komt overeen met een buurtcode van [buurten] "
                f"(bijv. {buurten.index[:3].tolist()}). Controleer dat beide CBS-codes als 'BU03440111' "
                f"gebruiken en de buurtindeling van hetzelfde jaar."
            )
        unmatched = buurten.index.difference(table.index)
        if len(unmatched):
            self.caveat(
                f"{label}: {len(unmatched)} van {len(buurten)} buurten hebben geen CBS-cijfers "
                f"(hun cijfers blijven leeg): {nl_names(unmatched)}"
            )
        clash = [c for c in table.columns if c in buurten.columns]
        stats = table.drop(columns=clash)
        return buurten.join(stats, how="left")

    def wijken(self, buurten: gpd.GeoDataFrame, table: pd.DataFrame | None) -> gpd.GeoDataFrame:
        sec = self.section("wijken")
        if sec is None:
            gdf = buurten[["wijkcode", "geometry"]].dissolve(by="wijkcode")
            gdf["wijknaam"] = gdf.index
            self.provenance["wijken"] = Provenance(source="samengevoegde buurten (geen [wijken] in manifest)")
        else:
            if self.online(sec, "wijken"):
                year = int(sec.get("year", 2023))
                gdf = self.download_wijken_buurten("wijken", sec)
                path = Path(f"PDOK wijken-en-buurten-{year} (wijken)")
                sec = {"source": f"CBS wijk- en buurtkaart {year} (PDOK)", "licence": "CC BY 4.0",
                       "name": "wijknaam", **sec}
            else:
                path = self.file(sec, "wijken")
                gdf = read_vector(path, layer=sec.get("layer"), what=self.what("wijken"), assign_crs=sec.get("crs"))
            id_col = self.col(sec, "id", "wijkcode", "wijken")
            if id_col not in gdf.columns:
                raise MissingColumnError(_no_column(self.what("wijken"), path, id_col, "id", gdf.columns))
            check_geometries(gdf, what=f"{self.what('wijken')} ({path.name})", kinds=("Polygon", "MultiPolygon"), id_column=id_col)
            gdf = _rename(gdf, {id_col: "wijkcode"})
            gdf = gdf.set_index(gdf["wijkcode"].astype(str)).drop(columns="wijkcode")
            name_col = sec.get("name")
            if name_col and name_col in gdf.columns:
                gdf["wijknaam"] = gdf[name_col].astype(str)
            elif table is not None and "regio" in table.columns:
                gdf["wijknaam"] = table["regio"].reindex(gdf.index)
            if "wijknaam" not in gdf.columns:
                gdf["wijknaam"] = gdf.index
            gdf["wijknaam"] = gdf["wijknaam"].fillna(pd.Series(gdf.index, index=gdf.index))
            self.prov("wijken", sec, path, "wijkgrenzen")
        if table is not None:
            stats = table.drop(columns=[c for c in table.columns if c in gdf.columns])
            gdf = gdf.join(stats, how="left")
        unknown = sorted(set(buurten["wijkcode"].dropna()) - set(gdf.index))
        if unknown:
            self.caveat(f"Buurten verwijzen naar onbekende wijken: {unknown[:10]}")
        return gdf

    def _points(
        self, name: str, sec: dict[str, Any], buurten: gpd.GeoDataFrame, tags: dict[str, Any]
    ) -> tuple[gpd.GeoDataFrame, Path]:
        if self.online(sec, name):
            gdf = self.download_points(name, sec, buurten, tags)
            path = Path(f"OpenStreetMap ({name})")
            for k, v in (("format", "osm-tags"), ("key", "osm_key"), ("value", "osm_value")):
                if sec.get(k, v) != v:
                    raise ManifestError(f"{self.what(name)}: bij online = \"osm\" hoort `{k}` er niet bij (nu {v!r}); "
                                        f"laat `{k}` weg.")
        else:
            gdf, path = self.vector(sec, name)
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        if not gdf.geom_type.isin(["Point"]).all():
            # polygons (e.g. buildings) count at a point inside them
            gdf = gdf.set_geometry(gdf.geometry.representative_point())
        return gdf, path

    def facilities(self, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
        sec = self.section("facilities")
        if sec is None:
            self.missing["facilities"] = "geen [facilities] in het manifest"
            return None
        table = self.facility_tags(sec)
        gdf, path = self._points("facilities", sec, buurten, category_tags(table))
        fmt = sec.get("format", "osm-tags")
        if fmt == "osm-tags":
            key = self.col(sec, "key", "osm_key", "facilities")
            value = self.col(sec, "value", "osm_value", "facilities")
            out = tagtable.categorise(gdf, key=key, value=value, table=table, what=f"{self.what('facilities')} ({path.name})")
            if key != "osm_key":
                out["osm_key"] = out[key]
            if value != "osm_value":
                out["osm_value"] = out[value]
            empty = [c for c in table if c not in set(out["category"])]
        else:  # "categories"
            ccol = self.col(sec, "category", "category", "facilities")
            if ccol not in gdf.columns:
                raise MissingColumnError(_no_column(self.what("facilities"), path, ccol, "category", gdf.columns))
            out = gdf.rename(columns={ccol: "category"})
            empty = []
        if len(out) == 0:
            raise ManifestError(f"{self.what('facilities')}: geen enkel object in {path.name} valt in een categorie. "
                                f"Controleer `format`, `key` en `value` (of `category`) en de tagtabel.")
        name_col = sec.get("name_column", "name")
        if name_col in out.columns:  # a missing name stays missing (not the text "None" or "nan")
            names = out[name_col]
            out["name"] = names.astype(str).where(names.notna(), np.nan).astype(object)
        else:
            out["name"] = pd.Series(np.nan, index=out.index, dtype=object)
        out = out.reset_index(drop=True)
        out["buurtcode"] = assign_buurt(out, buurten)
        if empty:
            labels = tagtable.labels(table)
            self.caveat(
                f"{path.name}: geen voorzieningen gevonden voor categorie(ën) "
                f"{', '.join(labels[c] for c in empty)}; die gelden als 'geen gegevens', niet als 0 m afstand."
            )
        self.prov("facilities", sec, path, "voorzieningen")
        keep = [c for c in ("category", "buurtcode", "name", "osm_key", "osm_value", "osm_type", "osm_id_num") if c in out.columns]
        return gpd.GeoDataFrame(out[keep], geometry=out.geometry, crs=settings.crs)

    def homes(self, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
        sec = self.section("homes")
        if sec is None:
            self.missing["homes"] = "geen [homes] in het manifest: bereikbaarheid per woning kan niet"
            return None
        include = sec.get("include")
        if self.online(sec, "homes") == "bag":
            for k in ("format", "key", "value", "include", "residents"):
                if k in sec:
                    raise ManifestError(
                        f"{self.what('homes')}: bij online = \"bag\" is elke BAG-woning één herkomstpunt; "
                        f"laat `{k}` weg."
                    )
            gdf = self.download_dwellings(sec, buurten)
            path = Path("BAG verblijfsobjecten (woonfunctie, in gebruik)")
            sec = {"source": "BAG verblijfsobjecten met woonfunctie (Kadaster, PDOK)", "licence": "CC0 1.0",
                   "format": "points", **sec}
            return self._home_points(gdf, path, sec, buurten, kind_col=None)
        if self.online(sec, "homes") and not (isinstance(include, dict) and include):
            raise ManifestError(
                f"{self.what('homes')}: online = \"osm\" heeft `include` nodig, de OSM-tags van woongebouwen, "
                f"bijv. include = {{ building = [\"house\", \"apartments\", \"residential\"] }}."
            )
        gdf, path = self._points("homes", sec, buurten, include or {})
        fmt = sec.get("format", "osm-tags")
        kind_col: str | None = None
        if fmt == "osm-tags":
            key = self.col(sec, "key", "osm_key", "homes")
            value = self.col(sec, "value", "osm_value", "homes")
            include = sec.get("include")
            for c in (key, value):
                if c not in gdf.columns:
                    raise MissingColumnError(_no_column(self.what("homes"), path, c, "key" if c == key else "value",
                                                        gdf.columns))
            if include is not None:
                mask = np.zeros(len(gdf), dtype=bool)
                for k, values in include.items():
                    mask |= ((gdf[key] == k) & gdf[value].isin(list(values))).to_numpy()
                gdf = gdf[mask]
            gdf = gdf.rename(columns={value: "osm_value"}) if value != "osm_value" else gdf
            kind_col = "osm_value"
        if len(gdf) == 0:
            raise ManifestError(f"{self.what('homes')}: geen enkel woningpunt gekozen uit {path.name}; controleer "
                                f"`include` (de OSM-tags van woongebouwen) en `key`/`value`.")
        return self._home_points(gdf, path, sec, buurten, kind_col=kind_col)

    def _home_points(self, gdf: gpd.GeoDataFrame, path: Path, sec: dict[str, Any], buurten: gpd.GeoDataFrame,
                     *, kind_col: str | None) -> gpd.GeoDataFrame:
        """Home points with their buurt and residents (spread from CBS a_inw, or a column)."""
        gdf = gdf.reset_index(drop=True)
        gdf["buurtcode"] = assign_buurt(gdf, buurten)
        outside = gdf["buurtcode"].isna()
        if outside.any():
            log.info("%d home points lie outside every buurt and are dropped", int(outside.sum()))
            gdf = gdf[~outside]
        keep = ["buurtcode"] + ([kind_col] if kind_col else [])
        res_col = sec.get("residents")
        if res_col:
            if res_col not in gdf.columns:
                raise MissingColumnError(_no_column(self.what("homes"), path, res_col, "residents", gdf.columns))
            out = gdf[[*keep, res_col, "geometry"]].rename(columns={res_col: "residents"})
            out["residents"] = pd.to_numeric(out["residents"], errors="coerce")
        else:
            if "a_inw" not in buurten.columns:
                raise ManifestError(
                    f"{self.what('homes')}: de bewoners worden verdeeld volgens CBS a_inw, maar de buurten hebben "
                    f"geen a_inw: voeg een sectie [statistics] toe of geef een kolom met `residents`."
                )
            policy = sec.get("missing_homes", "warn")
            points = gdf[[*keep, "geometry"]]
            if policy == "grid":
                points = self.collect(
                    grid_homes_for_empty_buurten,
                    points, buurten, spacing_m=float(sec.get("grid_spacing_m", 100.0)), what=path.name,
                )
            out = self.collect(spread_residents, points, buurten, kind_column=kind_col, what=path.name)
        out.index.name = "home_id"
        self.prov("homes", sec, path, "woningen")
        return gpd.GeoDataFrame(out, geometry="geometry", crs=settings.crs)

    def green(self, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
        sec = self.section("green")
        if sec is None:
            self.missing["green"] = "geen groenvlakken in het manifest (alleen parken als punten, indien aanwezig)"
            return None
        if self.online(sec, "green"):
            gdf = self.download_green(sec, buurten)
            path = Path("BGT (openbaar groen volgens bgt_green.toml)")
            sec = {"source": "BGT openbaar groen (Kadaster, PDOK; klassen in bgt_green.toml)", "licence": "CC0 1.0",
                   "kind": "fysiek_voorkomen", **sec}
        else:
            path = self.file(sec, "green")
            gdf = read_vector(path, layer=sec.get("layer"), what=self.what("green"), assign_crs=sec.get("crs"))
        check_geometries(gdf, what=f"{self.what('green')} ({path.name})", kinds=("Polygon", "MultiPolygon"))
        kind = sec.get("kind")
        gdf["kind"] = gdf[kind].astype(str) if kind and kind in gdf.columns else "groen"
        self.prov("green", sec, path, "groenvlakken")
        gap = float(sec.get("join_gap_m", BGT_JOIN_GAP_M if self.online(sec, "green") else 0.0))
        if gap > 0:
            gdf[GROUP_COLUMN] = green_groups(gdf.geometry, gap)
            return gdf[["kind", GROUP_COLUMN, "geometry"]]
        return gdf[["kind", "geometry"]]

    def networks(self, buurten: gpd.GeoDataFrame) -> dict[str, StreetNetwork]:
        """The street networks as arrays (:mod:`afweging.data.streets`): files are read
        without networkx; an online download (osmnx) is turned into arrays at once."""
        secs = self.section("networks") or {}
        out: dict[str, StreetNetwork] = {}
        for mode, sec in secs.items():
            if self.online(sec, f"networks.{mode}"):
                graph = project_graph(self.download_network(mode, sec, buurten), what=f"OpenStreetMap {mode}-netwerk")
                out[mode] = from_networkx(graph, what=self.what(f"networks.{mode}"))
                self.prov(f"network:{mode}", {"licence": "ODbL 1.0", **sec}, None, "OpenStreetMap (ODbL)")
                continue
            path = self.file(sec, f"networks.{mode}")
            out[mode] = read_network(path, format=sec.get("format"), what=self.what(f"networks.{mode}"),
                                     mode=mode, layer=sec.get("layer"), retain_all=bool(sec.get("retain_all", False)))
            self.prov(f"network:{mode}", sec, path, "OpenStreetMap (ODbL)")
        for mode in _MODES:
            if mode not in out:
                self.missing[f"network:{mode}"] = f"geen {mode}-netwerk in het manifest: hemelsbreed × omrijfactor"
        return out

    def rasters(self, buurten: gpd.GeoDataFrame) -> dict[str, Raster]:
        secs = self.section("rasters") or {}
        out: dict[str, Raster] = {}
        units = {"heat": "degC", "uhi": "degC", "noise": "dB"}
        for name, sec in secs.items():
            unit = str(sec.get("unit", units[name]))
            if self.online(sec, f"rasters.{name}"):
                out[name] = raster_from_geotiff_bytes(
                    self.download_raster(name, sec, buurten), unit=unit, band=int(sec.get("band", 1)),
                    source="{1} ({0})".format(*self.wcs(name, sec)),
                )
                self.prov(f"raster:{name}", sec, None, "{1} ({0})".format(*self.wcs(name, sec)))
                continue
            path = self.file(sec, f"rasters.{name}")
            out[name] = read_raster(path, unit=unit, band=int(sec.get("band", 1)), assign_crs=sec.get("crs"))
            self.prov(f"raster:{name}", sec, path, path.name)
        for name in _RASTERS:
            if name not in out:
                self.missing[f"raster:{name}"] = "geen raster in het manifest"
        return out

    def lines(self) -> dict[str, gpd.GeoDataFrame]:
        secs = self.section("lines") or {}
        out: dict[str, gpd.GeoDataFrame] = {}
        for name, sec in secs.items():
            path = self.file(sec, f"lines.{name}")
            gdf = read_vector(path, layer=sec.get("layer"), what=self.what(f"lines.{name}"), assign_crs=sec.get("crs"))
            out[name] = gdf
            self.prov(f"lines:{name}", sec, path, path.name)
        return out


def _no_column(what: str, path: Path, column: str, key: str, columns: Any) -> str:
    """Dutch message for a column a section names that the file does not have."""
    from afweging._schema import suggest

    have = [str(c) for c in columns if c != "geometry"]
    close = suggest(column, have)
    return (f"{what}: {path.name} heeft geen kolom {column!r} (`{key}`)"
            + (f"; bedoelde u {close!r}?" if close else ".")
            + f" De kolommen zijn: {nl_names(have, 30)}. Zet de goede naam in "
            f"`{key} = \"...\"`.")
