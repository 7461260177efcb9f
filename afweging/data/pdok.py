"""CBS wijk- en buurtkaart from PDOK (OGC API Features).

PDOK publishes the CBS wijk- en buurtkaart per year as an OGC API Features service,
``https://api.pdok.nl/cbs/wijken-en-buurten-<year>/ogc/v1``, with collections
``gemeenten``, ``wijken`` and ``buurten``. Items are GeoJSON; with
``crs=http://www.opengis.net/def/crs/EPSG/0/28992`` the coordinates are RD New (x, y),
so no reprojection is needed. Pages are followed through the ``links`` with
``rel = "next"``; every page goes through the download cache.

Properties used: ``buurtcode``, ``buurtnaam``, ``wijkcode``, ``wijknaam``,
``gemeentecode``, ``gemeentenaam`` and ``water`` (``"JA"`` marks a polygon that is water
only; CBS splits some buurten into a land and a water part). The statistics that the
service carries as properties keep PDOK's names, with CBS's codes for secret or unknown
values (-99995 ... -99999) turned into NaN; the toolkit takes its statistics from the kwb
table instead (:mod:`afweging.data.cbs`).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import pandas as pd

from afweging import settings
from afweging._errors import DownloadError, InvalidGeometryError, ManifestError, NoMatchError

log = logging.getLogger(__name__)

#: Root of the CBS wijken-en-buurten OGC API on PDOK; ``{year}`` is filled in.
PDOK_WIJKEN_BUURTEN_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"

#: OGC URI of RD New, for the ``crs`` parameter.
RD_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"

#: Largest page PDOK serves.
PAGE_LIMIT = 1000

#: Values at or below this are CBS's codes for secret or unknown numbers, not data.
_SENTINEL_MAX = -99990

_ID = {"buurten": "buurtcode", "wijken": "wijkcode", "gemeenten": "gemeentecode"}
_NAME = {"buurten": "buurtnaam", "wijken": "wijknaam", "gemeenten": "gemeentenaam"}


def _features(url: str, params: dict[str, Any], *, what: str) -> list[dict[str, Any]]:
    """All features of an OGC API Features items query, following rel=next links."""
    from afweging.data import _cache

    feats: list[dict[str, Any]] = []
    next_url: str | None = url
    next_params: dict[str, Any] | None = params
    seen: set[str] = set()

    def check(doc: Any) -> None:
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise DownloadError(
                f"{what}: {next_url} did not answer a GeoJSON FeatureCollection "
                f"(got {str(doc)[:120]!r}). Check the year and collection; nothing was cached."
            )
        for f in doc.get("features") or []:
            xy = _first_xy((f or {}).get("geometry"))
            if xy is not None and not _in_rd(*xy):
                raise DownloadError(
                    f"{what}: coordinates like {xy} are not RD New (EPSG:28992) although "
                    f"crs={RD_CRS_URI} was asked; the server may have ignored it. Nothing was cached."
                )

    while next_url:
        doc = _cache.request(
            next_url, params=next_params, expect="json", what=what,
            headers={"Accept": "application/geo+json"}, check=check,
        )
        feats.extend(doc.get("features") or [])
        link = next(
            (lk.get("href") for lk in doc.get("links", []) if lk.get("rel") == "next" and lk.get("href")),
            None,
        )
        if link and link in seen:
            raise DownloadError(f"{what}: the server sent the same next link twice ({link}); stopping.")
        if link:
            seen.add(link)
        next_url, next_params = (link, None) if link else (None, None)
    return feats


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
        raise ManifestError(f"level = {level!r}; use 'buurten' or 'wijken'.")
    gm = "GM" + _gemeente_digits(gemeentecode)
    root = (base_url or PDOK_WIJKEN_BUURTEN_URL.format(year=int(year))).rstrip("/")
    what = f"PDOK CBS wijken en buurten {year} ({level})"
    feats = _features(
        f"{root}/collections/{level}/items",
        {"gemeentecode": gm, "crs": RD_CRS_URI, "f": "json", "limit": PAGE_LIMIT},
        what=what,
    )
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
            raise InvalidGeometryError(f"{what}: feature {props.get(id_col)!r} has no geometry.")
        rows.append(props)
        geoms.append(f["geometry"])
    if n_other:
        log.info("%s: %d features of other gemeenten dropped (server-side filter not applied)", what, n_other)
    if not rows:
        raise NoMatchError(
            f"{what}: no {level} with gemeentecode {gm} in {root}. Check the gemeentecode and "
            f"the year (gemeenten merge; the code must exist in that year's division)."
        )
    from shapely.geometry import shape

    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=[shape(g) for g in geoms], crs=settings.crs)
    if id_col not in gdf.columns:
        raise DownloadError(f"{what}: the features have no {id_col!r} property; properties are {list(gdf.columns)[:10]}.")
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
