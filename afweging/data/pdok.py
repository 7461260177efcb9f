"""PDOK OGC API Features (GoKoala): the CBS wijk- en buurtkaart, BAG dwellings, BGT green.

PDOK serves its datasets as OGC API Features with GoKoala. :func:`ogc_items` reads one
collection the way that server really answers:

* **Paging** by an opaque cursor: every page links the next one in ``links`` with
  ``rel = "next"`` (the full URL, all parameters included). ``limit`` defaults to 10 and is
  capped at 1000 *without notice*, so we always ask 1000 and follow the links.
* **CRS**: without ``crs`` the coordinates are lon/lat (CRS84). We ask RD New with the full
  URI ``crs=http://www.opengis.net/def/crs/EPSG/0/28992``, give a bbox in RD with
  ``bbox-crs`` (same URI), and check the ``Content-Crs`` header of the answer
  (``<http://www.opengis.net/def/crs/EPSG/0/28992>``) and the coordinates.
* **Property filters** work only for properties the server is configured to filter on;
  any other query parameter is refused with HTTP 400 and a problem JSON
  ``{"detail": "unknown query parameter(s) found: <name>", "status": 400, "title":
  "Bad Request", ...}``. On that answer we fall back to a bbox query and filter on the
  client.

Every page goes through the download cache (:mod:`afweging.data._cache`).

Datasets:

* CBS wijk- en buurtkaart, ``https://api.pdok.nl/cbs/wijken-en-buurten-<year>/ogc/v1``
  (collections ``gemeenten``, ``wijken``, ``buurten``): :func:`wijken_buurten_from_pdok`.
  Properties used: ``buurtcode``, ``buurtnaam``, ``wijkcode``, ``wijknaam``,
  ``gemeentecode``, ``gemeentenaam`` and ``water`` (``"JA"`` marks a polygon that is water
  only). CBS's codes for secret or unknown values (-99995 ... -99999) become NaN.
* BAG, ``https://api.pdok.nl/kadaster/bag/ogc/v2`` (collection ``verblijfsobject``):
  :func:`dwellings_from_bag`, one point per dwelling.
* BGT, ``https://api.pdok.nl/lv/bgt/ogc/v1`` (collections ``begroeidterreindeel`` ...):
  :func:`green_from_bgt`, with the classes that count as public green in one table,
  ``bgt_green.toml`` (:func:`load_bgt_green_table`).
"""

from __future__ import annotations

import logging
import tomllib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from afweging import settings
from afweging._errors import (
    DownloadError,
    HttpStatusError,
    InvalidGeometryError,
    ManifestError,
    NoMatchError,
)
from afweging._format import nl_names

log = logging.getLogger(__name__)

#: Root of the CBS wijken-en-buurten OGC API on PDOK; ``{year}`` is filled in.
PDOK_WIJKEN_BUURTEN_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"

#: Root of the BAG OGC API on PDOK (Kadaster; licence CC0 1.0).
PDOK_BAG_URL = "https://api.pdok.nl/kadaster/bag/ogc/v2"

#: Root of the BGT OGC API on PDOK (Kadaster; licence CC0 1.0).
PDOK_BGT_URL = "https://api.pdok.nl/lv/bgt/ogc/v1"

#: OGC URI of RD New, for the ``crs`` and ``bbox-crs`` parameters.
RD_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"

#: OGC URI of lon/lat WGS84, the answer's CRS when ``crs`` is not given.
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

#: Largest page GoKoala serves (a larger ``limit`` is capped to it without notice; the
#: default is 10).
PAGE_LIMIT = 1000

#: RD New extent of the Netherlands (x -7..300 km, y 289..629 km): the bbox of a
#: fallback query when the server refuses a property filter and no smaller bbox is known.
NL_BBOX_RD = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)

#: Values at or below this are CBS's codes for secret or unknown numbers, not data.
_SENTINEL_MAX = -99990

_ID = {"buurten": "buurtcode", "wijken": "wijkcode", "gemeenten": "gemeentecode"}
_NAME = {"buurten": "buurtnaam", "wijken": "wijknaam", "gemeenten": "gemeentenaam"}

_UNKNOWN_PARAMETER = "unknown query parameter"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A response header, case-insensitively."""
    for k, v in headers.items():
        if k.lower() == name.lower():
            return str(v)
    return None


def _pages(
    url: str, params: dict[str, Any], *, what: str, keep: Callable[[dict[str, Any]], bool] | None,
    bar: Any,
) -> list[dict[str, Any]]:
    """All features of an items query, following rel=next links (the features ``keep`` accepts)."""
    from afweging.data import _cache

    feats: list[dict[str, Any]] = []
    next_url: str | None = url
    next_params: dict[str, Any] | None = params
    seen: set[str] = set()

    def check(doc: Any) -> None:
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise DownloadError(
                f"{what}: {next_url} gaf geen GeoJSON FeatureCollection (maar {str(doc)[:120]!r}). "
                f"Controleer `url`, het jaar en de collectie; dit antwoord is niet in de cache bewaard."
            )
        for f in doc.get("features") or []:
            xy = _first_xy((f or {}).get("geometry"))
            if xy is not None and not _in_rd(*xy):
                raise DownloadError(
                    f"{what}: coördinaten als {xy} zijn geen RD New (EPSG:28992), hoewel "
                    f"crs={RD_CRS_URI} gevraagd is; de server negeerde het. Dit antwoord is niet in "
                    f"de cache bewaard."
                )

    def check_headers(headers: Mapping[str, str]) -> None:
        crs = _header(headers, "Content-Crs")
        if crs is not None and crs.strip().strip("<>") != RD_CRS_URI:
            raise DownloadError(
                f"{what}: {next_url} antwoordde in {crs} (Content-Crs), niet in RD New "
                f"<{RD_CRS_URI}>. Zonder geldige `crs` geeft PDOK lengte/breedte (CRS84). Dit "
                f"antwoord is niet in de cache bewaard."
            )

    while next_url:
        doc = _cache.request(
            next_url, params=next_params, expect="json", what=what,
            headers={"Accept": "application/geo+json"}, check=check, check_headers=check_headers,
        )
        page = doc.get("features") or []
        bar.update(len(page))
        feats.extend(f for f in page if keep is None or keep(f.get("properties") or {}))
        link = next(
            (lk.get("href") for lk in doc.get("links", []) if lk.get("rel") == "next" and lk.get("href")),
            None,
        )
        if link and link in seen:
            raise DownloadError(f"{what}: de server stuurde twee keer dezelfde next-link ({link}); gestopt.")
        if link:
            seen.add(link)
        next_url, next_params = (link, None) if link else (None, None)
    return feats


def ogc_items(
    root: str,
    collection: str,
    *,
    what: str,
    filters: Mapping[str, str] | None = None,
    bbox: Sequence[float] | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> list[dict[str, Any]]:
    """All features of one OGC API Features collection in RD New (GeoJSON dicts).

    Parameters
    ----------
    root : str
        API root, e.g. :data:`PDOK_BAG_URL`.
    collection : str
        Collection id, e.g. ``"verblijfsobject"``.
    what : str
        Service and collection for messages and the progress bar.
    filters : mapping, optional
        Property filters (``{"gemeentecode": "GM0344"}``), sent as query parameters. When
        the server refuses one (HTTP 400, "unknown query parameter(s) found"), the query
        is repeated with ``bbox`` (or :data:`NL_BBOX_RD`) instead and the filters are
        applied here, on the stripped string values.
    bbox : (minx, miny, maxx, maxy), optional
        In RD New metres; sent with ``bbox-crs``.
    keep : callable, optional
        Predicate on a feature's properties; features it refuses are dropped page by page
        (keeps memory low on big collections).

    Returns
    -------
    list of dict
        GeoJSON features with RD New coordinates, in the server's order.

    Raises
    ------
    HttpStatusError, DownloadError
        The server refused the query or answered something else than RD New GeoJSON.
    """
    from afweging.data import _progress

    url = f"{root.rstrip('/')}/collections/{collection}/items"
    base: dict[str, Any] = {"f": "json", "limit": PAGE_LIMIT, "crs": RD_CRS_URI}

    def with_bbox(b: Sequence[float]) -> dict[str, Any]:
        return {**base, "bbox": ",".join(f"{float(v):.3f}" for v in b), "bbox-crs": RD_CRS_URI}

    params = with_bbox(bbox) if bbox is not None else dict(base)
    with _progress.bar(what, unit="objecten") as bar:
        if not filters:
            return _pages(url, params, what=what, keep=keep, bar=bar)
        try:
            return _pages(url, {**params, **filters}, what=what, keep=keep, bar=bar)
        except HttpStatusError as exc:
            if exc.status != 400 or _UNKNOWN_PARAMETER not in exc.detail:
                raise
            log.info("%s: the server refuses the filter (%s); bbox query, filtered here", what, exc.detail)
        wanted = {k: str(v).strip() for k, v in filters.items()}

        def keep_filtered(props: dict[str, Any]) -> bool:
            match = all(str(props.get(k, "")).strip() == v for k, v in wanted.items())
            return match and (keep is None or keep(props))

        return _pages(url, with_bbox(bbox if bbox is not None else NL_BBOX_RD), what=what,
                      keep=keep_filtered, bar=bar)


def _in_rd(x: float, y: float) -> bool:
    """Whether (x, y) can be RD New: x -7..300 km, y 289..629 km (lon/lat cannot)."""
    return -7_000 <= x <= 300_000 and 289_000 <= y <= 629_000


def _first_xy(geom: Any) -> tuple[float, float] | None:
    """First coordinate pair of a GeoJSON geometry (None when there is none)."""
    if not isinstance(geom, dict):
        return None
    c: Any = geom.get("coordinates")
    if c is None and geom.get("geometries"):
        return _first_xy(geom["geometries"][0])
    while isinstance(c, list) and c and isinstance(c[0], list):
        c = c[0]
    if isinstance(c, list) and len(c) >= 2:
        return float(c[0]), float(c[1])
    return None


def wijken_buurten_from_pdok(
    gemeentecode: str,
    *,
    level: str = "buurten",
    year: int = 2023,
    include_water: bool = False,
    base_url: str | None = None,
) -> gpd.GeoDataFrame:
    """Buurt (or wijk) polygons of one gemeente from the PDOK wijk- en buurtkaart.

    Parameters
    ----------
    gemeentecode : str
        E.g. ``"GM0344"`` (Utrecht).
    level : {"buurten", "wijken"}
    year : int
        Year of the wijk- en buurtkaart (2023 matches the CBS kwb 2023 statistics).
    include_water : bool
        Keep polygons marked ``water = "JA"``. Default False: the land part of each
        buurt only (a buurt split into land and water keeps its land part).
    base_url : str, optional
        API root; default :data:`PDOK_WIJKEN_BUURTEN_URL` for ``year``.

    Returns
    -------
    GeoDataFrame
        In EPSG:28992, one row per buurt (or wijk), columns ``buurtcode``,
        ``buurtnaam``, ``wijkcode`` (for buurten) or ``wijkcode``, ``wijknaam`` (for
        wijken), ``gemeentecode``, ``gemeentenaam`` and the other properties of the
        service (CBS statistics under PDOK's names, not used by the toolkit).

    Raises
    ------
    DownloadError
        No usable answer (nothing cached then).
    NoMatchError
        No feature of that gemeente.
    """
    from afweging.data.cbs import _gemeente_digits

    if level not in ("buurten", "wijken"):
        raise ManifestError(f"level = {level!r}; gebruik 'buurten' of 'wijken'.")
    gm = "GM" + _gemeente_digits(gemeentecode)
    root = (base_url or PDOK_WIJKEN_BUURTEN_URL.format(year=int(year))).rstrip("/")
    what = f"PDOK CBS wijken en buurten {year} ({level})"
    feats = ogc_items(root, level, what=what, filters={"gemeentecode": gm})
    id_col = _ID[level]
    rows = []
    geoms = []
    n_other = 0
    for f in feats:
        props = dict(f.get("properties") or {})
        if str(props.get("gemeentecode", "")).strip() != gm:
            n_other += 1
            continue
        if not f.get("geometry"):
            raise InvalidGeometryError(f"{what}: object {props.get(id_col)!r} heeft geen geometrie.")
        rows.append(props)
        geoms.append(f["geometry"])
    if n_other:
        log.info("%s: %d features of other gemeenten dropped (filter not applied by the server)", what, n_other)
    if not rows:
        raise NoMatchError(
            f"{what}: geen {level} met gemeentecode {gm} in {root}. Controleer de gemeentecode en "
            f"het jaar (gemeenten fuseren; de code moet in de indeling van dat jaar bestaan)."
        )
    from shapely.geometry import shape

    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=[shape(g) for g in geoms], crs=settings.crs)
    for col in (id_col, "buurtnaam", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam"):
        if col in gdf.columns:  # PDOK pads some codes and names like CBS does
            gdf[col] = gdf[col].where(gdf[col].isna(), gdf[col].astype(str).str.strip())
    if id_col not in gdf.columns:
        raise DownloadError(f"{what}: de objecten hebben geen eigenschap {id_col!r}; de eigenschappen zijn {list(gdf.columns)[:10]}.")
    # the wijk- en buurtkaart codes secret / unknown numbers as -99995 ... -99999
    for col in gdf.columns:
        if col != "geometry" and pd.api.types.is_numeric_dtype(gdf[col].dtype) and not pd.api.types.is_bool_dtype(gdf[col].dtype):
            gdf[col] = gdf[col].astype("float64").mask(gdf[col] <= _SENTINEL_MAX)
    if not include_water and "water" in gdf.columns:
        land = gdf["water"].astype(str).str.upper() != "JA"
        gdf = gdf[land | ~gdf[id_col].isin(gdf.loc[land, id_col])]
    if gdf[id_col].duplicated().any():
        # a buurt delivered as several parts: one row, geometry the union
        first = gdf.drop(columns="geometry").groupby(id_col, sort=False).first()
        geom = gdf.groupby(id_col, sort=False).geometry.agg(lambda s: s.union_all())
        gdf = gpd.GeoDataFrame(first.join(geom.rename("geometry")), geometry="geometry", crs=settings.crs).reset_index()
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = gdf.geometry[invalid].make_valid()
        warnings.warn(
            f"{what}: {int(invalid.sum())} ongeldige polygonen hersteld met make_valid: "
            f"{gdf.loc[invalid, id_col].tolist()[:5]}",
            stacklevel=2,
        )
    name_col = _NAME[level]
    lead = [c for c in (id_col, name_col, "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam") if c in gdf.columns]
    rest = [c for c in gdf.columns if c not in lead and c != "geometry"]
    return gdf[[*dict.fromkeys(lead), *rest, "geometry"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- BAG

#: BAG statuses of a verblijfsobject that is in use (the others are planned, under
#: construction, withdrawn, not realised or registered in error).
BAG_IN_USE = ("Verblijfsobject in gebruik", "Verblijfsobject in gebruik (niet ingemeten)")

#: The BAG gebruiksdoel of a dwelling.
BAG_DWELLING = "woonfunctie"

#: Properties of a verblijfsobject kept on each dwelling point.
BAG_COLUMNS = ("identificatie", "gebruiksdoel", "status", "oppervlakte")


def _uses(value: Any) -> list[str]:
    """The gebruiksdoelen of a verblijfsobject: PDOK gives one comma-separated string."""
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def is_dwelling(props: Mapping[str, Any]) -> bool:
    """Whether a BAG verblijfsobject is a dwelling in use: gebruiksdoel includes
    *woonfunctie* (also a mixed ``"woonfunctie,winkelfunctie"``) and the status is in use.

    Examples
    --------
    >>> is_dwelling({"gebruiksdoel": "woonfunctie,winkelfunctie", "status": "Verblijfsobject in gebruik"})
    True
    >>> is_dwelling({"gebruiksdoel": "woonfunctie", "status": "Verblijfsobject ingetrokken"})
    False
    >>> is_dwelling({"gebruiksdoel": "kantoorfunctie", "status": "Verblijfsobject in gebruik"})
    False
    """
    return BAG_DWELLING in _uses(props.get("gebruiksdoel")) and str(props.get("status", "")).strip() in BAG_IN_USE


def dwellings_from_bag(bbox: Sequence[float], *, base_url: str | None = None) -> gpd.GeoDataFrame:
    """Every dwelling in a bbox: BAG verblijfsobjecten with woonfunctie, in use.

    One point per dwelling (a flat building holds as many points as flats), from the PDOK
    BAG OGC API (:data:`PDOK_BAG_URL`, collection ``verblijfsobject``), queried by bbox;
    the dwellings are selected here (:func:`is_dwelling`).

    Parameters
    ----------
    bbox : (minx, miny, maxx, maxy)
        In RD New metres, e.g. the buurten's total bounds.
    base_url : str, optional
        API root (a mirror or proxy); default :data:`PDOK_BAG_URL`.

    Returns
    -------
    GeoDataFrame
        Points in EPSG:28992 with :data:`BAG_COLUMNS`, one row per ``identificatie``,
        sorted by it.

    Raises
    ------
    DownloadError
        No usable answer. NoMatchError: no dwelling in the bbox.
    """
    from shapely.geometry import shape

    root = (base_url or PDOK_BAG_URL).rstrip("/")
    what = "PDOK BAG verblijfsobjecten"
    feats = ogc_items(root, "verblijfsobject", what=what, bbox=bbox, keep=is_dwelling)
    rows = [{c: (f.get("properties") or {}).get(c) for c in BAG_COLUMNS} for f in feats if f.get("geometry")]
    if not rows:
        raise NoMatchError(
            f"{what}: geen woningen (woonfunctie, in gebruik) in bbox {tuple(bbox)} van {root}. "
            f"Controleer de bbox (RD New) en `url`."
        )
    geoms = [shape(f["geometry"]) for f in feats if f.get("geometry")]
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=settings.crs)
    gdf["identificatie"] = gdf["identificatie"].astype(str).str.strip()
    gdf["gebruiksdoel"] = [",".join(_uses(v)) for v in gdf["gebruiksdoel"]]
    gdf["oppervlakte"] = pd.to_numeric(gdf["oppervlakte"], errors="coerce").astype("float64")
    gdf = gdf[~gdf.geometry.is_empty]
    if not gdf.geom_type.eq("Point").all():
        gdf = gdf.set_geometry(gdf.geometry.representative_point())
    gdf = gdf.drop_duplicates("identificatie").sort_values("identificatie", kind="stable")
    return gdf.reset_index(drop=True)


# ----------------------------------------------------------------------------- BGT


@dataclass(frozen=True)
class GreenClass:
    """One row of the BGT public-green table."""

    collection: str
    fysiek_voorkomen: str
    green: bool
    note: str


def load_bgt_green_table() -> dict[tuple[str, str], GreenClass]:
    """The table of BGT classes and whether each counts as public green (``bgt_green.toml``).

    Keyed by (collection, fysiek_voorkomen). Classes not in the table do not count.

    Examples
    --------
    >>> table = load_bgt_green_table()
    >>> table["begroeidterreindeel", "groenvoorziening"].green
    True
    >>> table["begroeidterreindeel", "grasland agrarisch"].green
    False
    """
    text = resources.files("afweging.data").joinpath("bgt_green.toml").read_text("utf-8")
    rows = tomllib.loads(text)["class"]
    return {
        (r["collection"], r["fysiek_voorkomen"]): GreenClass(
            r["collection"], r["fysiek_voorkomen"], bool(r["green"]), str(r.get("note", "")).strip()
        )
        for r in rows
    }


def bgt_green_collections(table: Mapping[tuple[str, str], GreenClass] | None = None) -> list[str]:
    """The BGT collections that hold at least one class counted as public green."""
    table = table or load_bgt_green_table()
    return sorted({c.collection for c in table.values() if c.green})


def _bgt_current(props: Mapping[str, Any]) -> bool:
    """A BGT object as it is now: no end of registration (the API also serves the
    history) and status ``bestaand`` (not ``plan``)."""
    return props.get("eind_registratie") is None and str(props.get("status") or "bestaand") == "bestaand"


#: Properties of a BGT object kept on each polygon.
BGT_COLUMNS = ("lokaal_id", "fysiek_voorkomen", "plus_fysiek_voorkomen", "bronhouder")


def green_from_bgt(bbox: Sequence[float], *, base_url: str | None = None) -> gpd.GeoDataFrame:
    """Current BGT polygons of the collections that hold public green, in a bbox.

    Downloads every collection of :func:`bgt_green_collections` (by bbox, RD New) and keeps
    the objects as they are now (``eind_registratie`` empty, status ``bestaand``). All their
    classes are kept, so the table can be applied (and changed) after download:
    :func:`classify_bgt_green`.

    Parameters
    ----------
    bbox : (minx, miny, maxx, maxy)
        In RD New metres.
    base_url : str, optional
        API root; default :data:`PDOK_BGT_URL`.

    Returns
    -------
    GeoDataFrame
        Polygons in EPSG:28992 with ``bgt_collection`` and :data:`BGT_COLUMNS`, sorted by
        collection and ``lokaal_id``.
    """
    from shapely.geometry import shape

    root = (base_url or PDOK_BGT_URL).rstrip("/")
    parts = []
    for collection in bgt_green_collections():
        feats = ogc_items(root, collection, what=f"PDOK BGT {collection}", bbox=bbox, keep=_bgt_current)
        rows = [{"bgt_collection": collection, **{c: (f.get("properties") or {}).get(c) for c in BGT_COLUMNS}}
                for f in feats if f.get("geometry")]
        geoms = [shape(f["geometry"]) for f in feats if f.get("geometry")]
        parts.append(gpd.GeoDataFrame(pd.DataFrame(rows, columns=["bgt_collection", *BGT_COLUMNS]),
                                      geometry=geoms, crs=settings.crs))
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=settings.crs)
    gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    for c in BGT_COLUMNS:
        gdf[c] = gdf[c].astype(object).where(gdf[c].notna(), None)
    gdf = gdf.drop_duplicates(["bgt_collection", "lokaal_id"]).sort_values(["bgt_collection", "lokaal_id"], kind="stable")
    return gdf.reset_index(drop=True)


def classify_bgt_green(gdf: pd.DataFrame, *, what: str = "BGT") -> pd.Series:
    """Whether each BGT polygon is public green, by the table (a boolean Series).

    Needs columns ``bgt_collection`` and ``fysiek_voorkomen``. Classes that are not in the
    table do not count; a warning names them (a new BGT class should be decided on).
    """
    table = load_bgt_green_table()
    keys = list(zip(gdf["bgt_collection"].astype(str), gdf["fysiek_voorkomen"].astype(str), strict=True))
    unknown = sorted({k for k in keys if k not in table})
    if unknown:
        warnings.warn(
            f"{what}: {len(unknown)} BGT-klasse(n) staan niet in de groentabel (bgt_green.toml) en "
            f"tellen niet als openbaar groen: {nl_names([f'{c}/{v}' for c, v in unknown], 8)}.",
            stacklevel=2,
        )
    return pd.Series(np.array([table[k].green if k in table else False for k in keys], dtype=bool),
                     index=gdf.index)
