"""Candidate sites: where could a new playground, meeting place or facility go?

Two sources:

* **a user file** (GeoPackage, GeoJSON or anything GDAL reads, any CRS): the plots that
  are available. Points are sites; a polygon stands for the point inside it that
  :meth:`shapely.Polygon.representative_point` gives. Optional properties
  (:data:`CANDIDATE_PROPERTIES`): ``id`` (unique; default ``K1``, ``K2`` ... in file order),
  ``naam`` and ``vast`` (``ja`` / ``nee``: the site must be chosen). Every site must lie in
  a buurt of the area.
* **generated from public space**, per buurt:

  - public green (``Area.green`` polygons: parks, plantsoenen, sports parks; a kind
    ``plein`` or ``square`` counts as a square): a regular grid inside each polygon, at
    least its representative point;
  - school yards (speelplek only): the primary schools of the facilities
    (category ``basisschool``); school yards open after school hours are a known way to
    add play space;
  - a buurt without public green or squares in the data (all of Utrecht, whose green
    is known only as points) gets a regular grid over the buurt instead.

  Water is left out where the area knows it (``Area.meta["water"]`` polygons, as in the
  demo), and grid points closer than :data:`afweging.settings.candidate_clearance_m` to
  a home are left out: homes are buildings (or dwellings in them), and a site needs open
  ground. Every site records where it came from (``origin``).

The grid spacing defaults to a quarter of the norm's distance, between 25 and 200 m
(200 m play norm: 50 m; 10 minutes' walk: 200 m).
"""

from __future__ import annotations

import difflib
import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from afweging import settings
from afweging._errors import InputFileNotFoundError, LocationError, NoCrsError
from afweging._format import nl_int
from afweging.geo.area import Area, assign_buurt
from afweging.geo.grid import grid_points
from afweging.geo.snap import kdtree, nearest_distance_m

#: Values of ``origin``, in the order sites are numbered (public space first).
ORIGINS: dict[str, str] = {
    "bestand": "uit het kandidatenbestand",
    "openbaar groen": "in openbaar groen",
    "plein": "op een plein",
    "schoolplein": "op een schoolplein",
    "raster": "op een rasterpunt (geen openbare ruimte bekend in deze buurt)",
}

#: ``Area.green`` kinds that are squares rather than green.
SQUARE_KINDS: frozenset[str] = frozenset({"plein", "square"})

#: Categories whose buildings stand on a yard that can become public space (per question).
YARD_CATEGORIES: dict[str, str] = {"speelplek": "basisschool"}

#: The properties of a candidate file (``--kandidaten``): name -> (type, Dutch meaning,
#: default). Other properties are ignored; one that looks like a misspelling of these
#: gets a warning with the suggestion.
CANDIDATE_PROPERTIES: dict[str, tuple[str, str, str]] = {
    "id": ("tekst, uniek", "id van de kavel in de uitvoer en voor --vast", "K1, K2 ... in bestandsvolgorde"),
    "naam": ("tekst", "naam van de kavel in de uitvoer (ook: name)", "leeg"),
    "vast": ("ja / nee", "de kavel wordt zeker gekozen", "nee"),
}

_YES = {"ja", "j", "yes", "true", "1", "waar"}
_NO = {"nee", "n", "no", "false", "0", "onwaar", ""}


def default_spacing_m(norm_m: float) -> float:
    """Grid spacing for a norm distance: a quarter of it, between 25 and 200 m.

    Examples
    --------
    >>> default_spacing_m(200.0), default_spacing_m(800.0), default_spacing_m(40.0)
    (50.0, 200.0, 25.0)
    """
    return float(min(200.0, max(25.0, norm_m / 4.0)))


def _frame(xy: np.ndarray, origin: list[str], name: list[str], area: Area,
           ids: list[str] | None = None, fixed: np.ndarray | None = None) -> gpd.GeoDataFrame:
    pts = gpd.GeoDataFrame(
        {"origin": origin, "name": name},
        geometry=shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2)),
        crs=settings.crs,
    )
    pts["buurtcode"] = assign_buurt(pts, area.buurten).to_numpy()
    pts["fixed"] = np.zeros(len(pts), dtype=bool) if fixed is None else fixed
    if ids is None:
        ids = [f"K{i + 1:0{max(4, len(str(len(pts))))}d}" for i in range(len(pts))]
    pts.index = pd.Index(ids, name="site_id")
    return pts


def _finish(pts: gpd.GeoDataFrame, area: Area) -> gpd.GeoDataFrame:
    pts["wijkcode"] = area.buurten["wijkcode"].reindex(pts["buurtcode"]).to_numpy()
    return pts[["origin", "name", "buurtcode", "wijkcode", "fixed", "geometry"]]


# ----------------------------------------------------------------------------- generated
def _water(area: Area) -> object | None:
    water = area.meta.get("water")
    if isinstance(water, gpd.GeoDataFrame | gpd.GeoSeries) and len(water):
        return shapely.union_all(np.asarray(water.geometry.values))
    return None


def public_space_sites(area: Area, *, question: str, spacing_m: float) -> gpd.GeoDataFrame:
    """Candidate sites generated from public space (see the module docstring)."""
    if not (isinstance(spacing_m, int | float) and math.isfinite(spacing_m) and spacing_m > 0):
        raise ValueError(f"spacing_m={spacing_m!r}; give a positive number of metres.")
    xy: list[np.ndarray] = []
    origin: list[str] = []
    name: list[str] = []
    green = area.green
    if green is not None and len(green):
        polys = green[green.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        kinds = polys["kind"].astype(str).str.lower().to_numpy()
        names = (polys["name"].astype("string").fillna("") if "name" in polys.columns
                 else pd.Series("", index=polys.index)).to_numpy()
        for geom, kind, nm in zip(polys.geometry.to_numpy(), kinds, names, strict=True):
            pts = grid_points(geom, spacing_m)
            xy.append(pts)
            origin += ["plein" if kind in SQUARE_KINDS else "openbaar groen"] * len(pts)
            name += [str(nm) or kind] * len(pts)
    public = np.vstack(xy) if xy else np.empty((0, 2))
    covered = set(assign_buurt(gpd.GeoDataFrame(geometry=shapely.points(public), crs=settings.crs),
                               area.buurten).dropna())
    yard_cat = YARD_CATEGORIES.get(question)
    fac = area.facilities
    if yard_cat is not None and fac is not None and len(fac):
        yards = fac[fac["category"] == yard_cat]
        if len(yards):
            xy.append(np.column_stack([yards.geometry.x, yards.geometry.y]))
            origin += ["schoolplein"] * len(yards)
            nm = (yards["name"].astype("string").fillna("") if "name" in yards.columns
                  else pd.Series("", index=yards.index))
            name += [str(v) or "school" for v in nm]
    grid_xy = [grid_points(geom, spacing_m, at_least_one=False)
               for code, geom in area.buurten.geometry.items() if code not in covered]
    grid = np.vstack(grid_xy) if grid_xy else np.empty((0, 2))
    if len(grid) and area.homes is not None and len(area.homes):
        homes_xy = np.column_stack([area.homes.geometry.x, area.homes.geometry.y])
        grid = grid[nearest_distance_m(grid, kdtree(homes_xy)) >= settings.candidate_clearance_m]
    xy.append(grid)
    origin += ["raster"] * len(grid)
    name += [""] * len(grid)
    all_xy = np.vstack(xy) if xy else np.empty((0, 2))
    keep = np.ones(len(all_xy), dtype=bool)
    water = _water(area)
    if water is not None and len(all_xy):
        keep &= ~shapely.contains_xy(water, all_xy[:, 0], all_xy[:, 1])
    pts = _frame(all_xy[keep], list(np.asarray(origin, dtype=object)[keep]),
                 list(np.asarray(name, dtype=object)[keep]), area)
    pts = pts[pts["buurtcode"].notna()]
    rank = pts["origin"].map({o: i for i, o in enumerate(ORIGINS)}).to_numpy()
    order = np.lexsort((pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(),
                        pts["buurtcode"].astype(str).to_numpy(), rank))
    pts = pts.iloc[order]
    width = max(4, len(str(len(pts))))
    pts.index = pd.Index([f"K{i + 1:0{width}d}" for i in range(len(pts))], name="site_id")
    return _finish(pts, area)


def generated_caveats(area: Area, sites: gpd.GeoDataFrame) -> list[str]:
    """What the planner must know about generated candidates (Dutch): grid points whose
    ground is not known to be public space, and water that could not be left out."""
    out = []
    n_grid = int((sites["origin"] == "raster").sum())
    if n_grid:
        out.append(f"{nl_int(n_grid)} van de {nl_int(len(sites))} kandidaten zijn rasterpunten in "
                   f"buurten zonder openbaar groen of pleinen in de gegevens; alleen woningen gelden "
                   f"daar als bebouwing. Of er op een gekozen rasterpunt echt ruimte is (eigendom, "
                   f"andere gebouwen, wegen) is niet bekend: controleer de locaties ter plekke, of geef "
                   f"de beschikbare kavels met --kandidaten.")
    if len(sites) and _water(area) is None:
        out.append("Het gebied heeft geen watervlakken in de gegevens: kandidaten op het water "
                   "zijn niet uitgesloten.")
    return out


# ----------------------------------------------------------------------------- user file
def _flag(value: object) -> bool | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def read_candidate_sites(path: str | Path, area: Area) -> gpd.GeoDataFrame:
    """Candidate sites from a user file (see the module docstring).

    Raises
    ------
    InputFileNotFoundError
        The file does not exist.
    NoCrsError
        The file has no coordinate reference system.
    LocationError
        It cannot be read, has no points or polygons, lines, duplicate ids, a bad
        ``vast`` value, or sites outside the area (every problem listed at once).
    """
    path = Path(path)
    what = f"Kandidatenbestand {path}"
    if not path.exists():
        raise InputFileNotFoundError(f"{what} bestaat niet. Controleer het pad (--kandidaten).")
    try:
        layers = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        frames = [pyogrio.read_dataframe(path, layer=lyr if len(layers) > 1 else None) for lyr in layers]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise LocationError(
            f"{what} is geen leesbaar vectorbestand ({exc}). Sla de kavels op als GeoPackage of "
            f"GeoJSON (punten of vlakken)."
        ) from exc
    frames = [f for f in frames if isinstance(f, gpd.GeoDataFrame) and len(f)]
    if not frames:
        raise LocationError(f"{what} bevat geen punten of vlakken. Geef de beschikbare kavels "
                                 f"als punten of vlakken.")
    for f in frames:
        if f.crs is None:
            raise NoCrsError(
                f"{what} heeft geen coördinatenstelsel (CRS). Sla het op met een CRS (QGIS: "
                f"Exporteren > Objecten opslaan als, kies EPSG:28992), of zet het met "
                f"`ogr2ogr -a_srs EPSG:28992 kavels_crs.gpkg {path.name}` als de coördinaten "
                f"RD-meters zijn."
            )
        crs = CRS.from_user_input(f.crs)
        minx, miny, maxx, maxy = f.total_bounds
        if crs.is_geographic and not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise NoCrsError(
                f"{what} zegt lengte/breedte (WGS84) te zijn, maar de coördinaten (x {minx:.0f} tot "
                f"{maxx:.0f}, y {miny:.0f} tot {maxy:.0f}) zijn meters (RD?). Een GeoJSON zonder "
                f"\"crs\" is volgens de norm (RFC 7946) lengte/breedte: voeg "
                f"\"crs\": {{\"type\": \"name\", \"properties\": {{\"name\": "
                f"\"urn:ogc:def:crs:EPSG::28992\"}}}} toe of zet het bestand om naar EPSG:4326."
            )
    gdf = gpd.GeoDataFrame(pd.concat([f.to_crs(settings.crs) for f in frames], ignore_index=True),
                           geometry="geometry", crs=settings.crs)
    known = {*CANDIDATE_PROPERTIES, "name", gdf.geometry.name}
    for col in gdf.columns:
        close = difflib.get_close_matches(str(col).lower(), list(CANDIDATE_PROPERTIES), n=1, cutoff=0.75)
        if col not in known and close:
            warnings.warn(f"{what}: eigenschap {col!r} wordt genegeerd; bedoelde u {close[0]!r}?",
                          UserWarning, stacklevel=2)
    problems: list[str] = []
    types = gdf.geometry.geom_type.fillna("leeg").to_numpy()
    bad = ~np.isin(types, ["Point", "Polygon", "MultiPolygon"]) | gdf.geometry.is_empty.to_numpy()
    if bad.any():
        problems.append(f"object(en) {np.flatnonzero(bad)[:10].tolist()} zijn geen punt of vlak "
                        f"({sorted(set(types[bad]))}); geef elke kavel als punt of vlak.")
    geoms = gdf.geometry.where(types == "Point", gdf.geometry.representative_point())
    ids = (gdf["id"].astype("string").str.strip() if "id" in gdf.columns
           else pd.Series([f"K{i + 1}" for i in range(len(gdf))], dtype="string"))
    if ids.isna().any() or (ids == "").any():
        problems.append(f"object(en) {np.flatnonzero((ids.isna() | (ids == '')).to_numpy())[:10].tolist()} "
                        f"hebben een lege 'id'; geef elke kavel een unieke id of laat de kolom weg.")
    dup = ids[ids.duplicated(keep=False) & ids.notna()].unique().tolist()
    if dup:
        problems.append(f"id's {dup[:10]} komen meer dan eens voor; elke kavel heeft een unieke id.")
    names = (gdf["naam"] if "naam" in gdf.columns else gdf["name"] if "name" in gdf.columns
             else pd.Series("", index=gdf.index)).astype("string").fillna("")
    fixed = np.zeros(len(gdf), dtype=bool)
    if "vast" in gdf.columns:
        flags = [_flag(v) for v in gdf["vast"]]
        wrong = [i for i, f in enumerate(flags) if f is None]
        if wrong:
            problems.append(f"object(en) {wrong[:10]}: 'vast' is {gdf['vast'].iloc[wrong[0]]!r}; "
                            f"gebruik ja of nee.")
        fixed = np.array([bool(f) for f in flags], dtype=bool)
    if problems:
        raise LocationError(f"{what} is niet bruikbaar:\n  - " + "\n  - ".join(problems))
    xy = np.column_stack([geoms.x.to_numpy(), geoms.y.to_numpy()])
    pts = _frame(xy, ["bestand"] * len(xy), [str(v) for v in names], area,
                 ids=[str(v) for v in ids], fixed=fixed)
    outside = pts["buurtcode"].isna().to_numpy()
    if outside.any():
        bx = area.total_bounds
        raise LocationError(
            f"{what}: {int(outside.sum())} kavel(s) liggen buiten de buurten van {area.name} "
            f"(id {pts.index[outside][:10].tolist()}; kavels x {xy[:, 0].min():.0f}-{xy[:, 0].max():.0f}, "
            f"y {xy[:, 1].min():.0f}-{xy[:, 1].max():.0f}; gebied x {bx[0]:.0f}-{bx[2]:.0f}, "
            f"y {bx[1]:.0f}-{bx[3]:.0f}). Een verkeerd coördinatenstelsel is de gewone oorzaak; "
            f"anders: haal deze kavels weg."
        )
    return _finish(pts, area)
