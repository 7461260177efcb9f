"""The plan format: reading a development plan and validating its properties.

A plan is a vector file (GeoJSON or GeoPackage, any CRS) of polygons with a programme
and optional facility points. The properties, their defaults and their rules are
defined once, in :data:`PROPERTIES`; ``docs/plan_format.md`` documents them for the
area developer and the report echoes every default that was used.

Everything that can be checked without an Area is checked here, and all problems are
reported at once in one :class:`~afweging._errors.PlanError`. Checks that need the Area
(does the plan lie inside it, does a buurt have enough dwellings to demolish) are in
:mod:`afweging.analyses.plan.apply`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from afweging import settings
from afweging._errors import PlanError

#: Functions (``functie``) a plan polygon can have.
FUNCTIONS: dict[str, str] = {
    "wonen": "woningbouw: woningen met hun programma",
    "groen": "nieuw openbaar groen (het hele vlak)",
    "spelen": "nieuwe speelruimte (het hele vlak)",
    "voorziening": "grond voor een voorziening, school of sport (het hele vlak)",
}

#: Ways to place the homes of a ``wonen`` polygon (``verdeling``).
SPREADS: dict[str, str] = {
    "vlak": "op een regelmatig raster over het hele vlak",
    "straten": "langs de straten van het loopnetwerk binnen het vlak",
}

#: Grid spacing (m) of the home points placed in a plan polygon ("vlak") and the distance
#: between home points along a street ("straten").
HOME_SPACING_M: float = 25.0

#: Share of a polygon's area that may lie outside the area's buurten before it is refused.
MAX_OUTSIDE_SHARE: float = 0.01

#: The tenure percentages of a ``wonen`` polygon. Their sum may not exceed 100; the rest
#: is owner-occupied housing in the free sector ("vrije sector koop").
TENURE_PCT = ("sociale_huur_pct", "middenhuur_pct", "betaalbare_koop_pct", "vrije_huur_pct")

#: Land uses given as m² on a ``wonen`` polygon (inside it, besides the building land).
LAND_M2 = ("groen_m2", "speelruimte_m2", "voorzieningen_m2")


@dataclass(frozen=True)
class PlanProperty:
    """One property of the plan format.

    Attributes
    ----------
    name : str
        Property name in the file.
    kind : {"text", "choice", "count", "pct", "m2", "positive"}
        How the value is read: ``count`` a whole number >= 0, ``pct`` a number in
        [0, 100], ``m2`` a number >= 0, ``positive`` a number > 0.
    applies : tuple of str
        Polygon functions (``wonen``...) and/or ``"punt"`` where the property may appear.
    default : object
        The default; ``None`` means the default depends on the buurt (see ``default_nl``).
    default_nl : str
        The default in Dutch words, echoed in the report.
    description_nl : str
        What the property means, in Dutch (for the report and docs/plan_format.md).
    """

    name: str
    kind: str
    applies: tuple[str, ...]
    default: Any
    default_nl: str
    description_nl: str


_POLY = tuple(FUNCTIONS)
#: The plan format: every known property (order = order in the report).
PROPERTIES: dict[str, PlanProperty] = {
    p.name: p
    for p in (
        PlanProperty("naam", "text", (*_POLY, "punt"), None, "'vlak N' of 'punt N' (volgnummer in het bestand)",
                     "naam van het vlak of punt in het rapport"),
        PlanProperty("functie", "choice", _POLY, "wonen", "wonen",
                     "wat het vlak wordt: " + "; ".join(f"{k} = {v}" for k, v in FUNCTIONS.items())),
        PlanProperty("woningen", "count", ("wonen",), 0, "0",
                     "aantal nieuwe woningen in het vlak"),
        PlanProperty("woningen_sloop", "count", ("wonen",), 0, "0",
                     "aantal bestaande woningen dat voor het plan wordt gesloopt"),
        PlanProperty("sociale_huur_pct", "pct", ("wonen",), 0.0, "0 %",
                     "% van de nieuwe woningen sociale huur (telt als corporatiebezit, CBS p_wcorpw)"),
        PlanProperty("middenhuur_pct", "pct", ("wonen",), 0.0, "0 %",
                     "% van de nieuwe woningen middenhuur (telt als overige verhuurder)"),
        PlanProperty("betaalbare_koop_pct", "pct", ("wonen",), 0.0, "0 %",
                     "% van de nieuwe woningen betaalbare koop"),
        PlanProperty("vrije_huur_pct", "pct", ("wonen",), 0.0, "0 %",
                     "% van de nieuwe woningen vrije-sectorhuur; de rest tot 100 % is vrije-sectorkoop"),
        PlanProperty("meergezins_pct", "pct", ("wonen",), None,
                     "het aandeel meergezinswoningen van de buurt (CBS p_mgezw)",
                     "% van de nieuwe woningen in een meergezinsgebouw (appartementen)"),
        PlanProperty("huishoudgrootte", "positive", ("wonen",), None,
                     "de gemiddelde huishoudgrootte van de buurt (CBS g_hhgro)",
                     "bewoners per nieuwe woning (één huishouden per woning)"),
        PlanProperty("groen_m2", "m2", ("wonen",), 0.0, "0 m²",
                     "m² nieuw openbaar groen binnen het woonvlak (zonder eigen groenvlak)"),
        PlanProperty("speelruimte_m2", "m2", ("wonen", "groen"), 0.0, "0 m²",
                     "m² nieuwe openbare speelruimte binnen het vlak"),
        PlanProperty("voorzieningen_m2", "m2", ("wonen",), 0.0, "0 m²",
                     "m² grond voor voorzieningen, scholen en sport binnen het woonvlak"),
        PlanProperty("verdeling", "choice", ("wonen",), "vlak", "vlak",
                     "hoe de nieuwe woningen als punten worden gelegd: "
                     + "; ".join(f"{k} = {v}" for k, v in SPREADS.items())),
        PlanProperty("categorie", "choice", ("voorziening", "punt"), None,
                     "geen (verplicht voor een punt)",
                     "soort voorziening (categorie-id, bijv. supermarkt, huisarts, speelplek)"),
        PlanProperty("oppervlak_m2", "m2", ("punt",), 0.0, "0 m²",
                     "m² grond die de voorziening van het punt inneemt"),
    )
}

#: Dutch words for the kinds, for messages.
_KIND_RULE = {
    "count": "a whole number of at least 0",
    "pct": "a percentage between 0 and 100",
    "m2": "a number of m² of at least 0",
    "positive": "a number greater than 0",
}


@dataclass
class Plan:
    """A development plan, validated, in EPSG:28992.

    Attributes
    ----------
    name : str
        Name of the plan (file stem by default).
    features : GeoDataFrame
        One row per feature (index = position in the file, 0-based), EPSG:28992, with
        ``naam``, ``soort`` (``"vlak"`` or ``"punt"``), ``functie`` (polygons) and every
        property of :data:`PROPERTIES` with its value; NaN where the default depends on
        the buurt (``meergezins_pct``, ``huishoudgrootte``) and for ``categorie`` where
        none is given. ``area_m2`` is the polygon area (0 for points).
    source : str
        The file it was read from (or a description).
    defaults : dict[str, list[str]]
        Per property, the names of the features that got its default.
    ignored : dict[str, list[str]]
        Unknown properties in the file (ignored), with the features that carry them.
    repaired : list[str]
        Features whose geometry was repaired (only with ``repair=True``).
    """

    name: str
    features: gpd.GeoDataFrame
    source: str
    defaults: dict[str, list[str]] = field(default_factory=dict)
    ignored: dict[str, list[str]] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)

    @property
    def polygons(self) -> gpd.GeoDataFrame:
        """The plan polygons."""
        return self.features[self.features["soort"] == "vlak"]

    @property
    def points(self) -> gpd.GeoDataFrame:
        """The facility points."""
        return self.features[self.features["soort"] == "punt"]

    def __repr__(self) -> str:
        n_new = int(self.features["woningen"].sum())
        return f"<Plan {self.name!r}: {len(self.polygons)} vlakken, {len(self.points)} punten, {n_new} woningen>"


def read_plan(
    path: str | Path,
    *,
    name: str | None = None,
    layer: str | Sequence[str] | None = None,
    repair: bool = False,
    categories: Sequence[str] | None = None,
) -> Plan:
    """Read and validate a plan file (GeoJSON, GeoPackage or anything GDAL reads).

    Parameters
    ----------
    path : path-like
        The plan file. A GeoPackage with several layers is read whole (e.g. a polygon
        layer and a point layer) unless ``layer`` is given.
    name : str, optional
        Plan name for the report (default: the file name without extension).
    layer : str or list of str, optional
        Layer(s) to read.
    repair : bool
        Repair invalid (e.g. self-intersecting) polygons with ``shapely.make_valid`` and
        warn, instead of refusing them (the default; see docs/plan_format.md).
    categories : list of str, optional
        Known facility categories (default: the bundled tag table).

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        Listing every problem: the file, the feature (number and name), the property
        and the fix.
    """
    path = Path(path)
    what = str(path)
    if not path.exists():
        raise PlanError(f"Plan file {path} does not exist. Check the path.")
    try:
        available = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise PlanError(
            f"{what}: cannot be read as a vector file ({exc}). Save the plan as GeoJSON or "
            f"GeoPackage (see docs/plan_format.md)."
        ) from exc
    wanted = [layer] if isinstance(layer, str) else list(layer) if layer is not None else available
    unknown = [x for x in wanted if x not in available]
    if unknown:
        raise PlanError(f"{what}: no layer(s) {unknown}; its layers are {available}.")
    frames = []
    for lyr in wanted:
        gdf = pyogrio.read_dataframe(path, layer=lyr if len(available) > 1 else None)
        if not isinstance(gdf, gpd.GeoDataFrame):
            if len(wanted) == 1:
                raise PlanError(f"{what}: layer {lyr!r} has no geometry. A plan needs polygons.")
            continue
        _check_crs(gdf, what=f"{what}" + (f" (layer {lyr!r})" if len(available) > 1 else ""),
                   is_geojson=path.suffix.lower() in (".geojson", ".json"))
        frames.append(gdf.to_crs(settings.crs))
    if not frames:
        raise PlanError(f"{what}: no layer with geometry.")
    gdf = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=settings.crs
    )
    return plan_from_frame(gdf, name=name or path.stem, what=what, repair=repair,
                           categories=categories)


def _check_crs(gdf: gpd.GeoDataFrame, *, what: str, is_geojson: bool) -> None:
    """Refuse a layer without CRS, and RD coordinates declared (or defaulted) as lon/lat."""
    if gdf.crs is None:
        raise PlanError(
            f"{what}: the plan has no coordinate reference system (CRS). Save it with a CRS "
            f"(QGIS: Export > Save Features As, choose EPSG:28992 or EPSG:4326), or set it with "
            f"`ogr2ogr -a_srs EPSG:28992 plan_fixed.gpkg {Path(what.split(' (')[0]).name}` if the "
            f"coordinates are RD New metres."
        )
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_geographic and len(gdf):
        minx, miny, maxx, maxy = gdf.total_bounds
        if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
            hint = (" A GeoJSON file without a \"crs\" member is read as longitude/latitude "
                    "(WGS84, RFC 7946).") if is_geojson else ""
            raise PlanError(
                f"{what}: the file declares a geographic CRS ({crs.to_string()}) but its "
                f"coordinates (x {minx:.0f} to {maxx:.0f}, y {miny:.0f} to {maxy:.0f}) are not "
                f"longitude/latitude; they look like projected metres (RD New?).{hint} Declare "
                f"the CRS, e.g. add \"crs\": {{\"type\": \"name\", \"properties\": {{\"name\": "
                f"\"urn:ogc:def:crs:EPSG::28992\"}}}} to the GeoJSON, or convert the plan to "
                f"EPSG:4326."
            )


def plan_from_frame(
    gdf: gpd.GeoDataFrame,
    *,
    name: str = "plan",
    what: str = "plan",
    repair: bool = False,
    categories: Sequence[str] | None = None,
) -> Plan:
    """Validate a plan given as a GeoDataFrame (any CRS) and return a :class:`Plan`.

    See :func:`read_plan` for the parameters; ``what`` names the plan in messages.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise PlanError(f"{what}: a plan must be a GeoDataFrame with polygons, got {type(gdf).__name__}.")
    _check_crs(gdf, what=what, is_geojson=False)
    gdf = gdf.to_crs(settings.crs).reset_index(drop=True)
    if len(gdf) == 0:
        raise PlanError(f"{what}: the plan has no features. Draw at least one polygon.")
    if categories is None:
        from afweging.data.tags import load_tag_table

        categories = list(load_tag_table())
    cats = list(categories)
    problems: list[str] = []
    defaults: dict[str, list[str]] = {}
    ignored: dict[str, list[str]] = {}
    repaired: list[str] = []
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    geom_col = gdf.geometry.name
    prop_cols = [c for c in gdf.columns if c != geom_col]

    for i in range(len(gdf)):
        raw = {c: gdf[c].iloc[i] for c in prop_cols}
        label = _feature_label(i, raw)
        geom = gdf.geometry.iloc[i]
        soort, geom, geom_problem = _check_geometry(geom, label, repair=repair, repaired=repaired)
        if geom_problem:
            problems.append(geom_problem)
        geoms.append(geom)
        row, row_problems = _read_properties(raw, soort, label, i, cats, defaults, ignored)
        row["soort"] = soort
        row["area_m2"] = float(geom.area) if soort == "vlak" and geom is not None else 0.0
        if soort == "vlak" and not row_problems and not geom_problem:
            row_problems += _check_land(row, label)
        problems += row_problems
        rows.append(row)

    problems += _check_overlaps(rows, geoms)
    names = [r["naam"] for r in rows]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(
            f"names occur more than once: {dup}; give every feature its own `naam` so the "
            f"report can tell them apart"
        )
    if not any(r["soort"] == "vlak" for r in rows):
        problems.append("the plan has no polygon; a plan needs at least one polygon (functie wonen, groen, spelen or voorziening)")
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise PlanError(
            f"{what}: the plan cannot be used ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}):\n{listing}\n"
            f"The plan format is described in docs/plan_format.md."
        )
    if repaired:
        warnings.warn(
            f"{what}: invalid polygon(s) repaired with make_valid: {'; '.join(repaired)}. "
            f"Check the drawing: the plan is judged on the repaired area.",
            stacklevel=2,
        )
    if ignored:
        warnings.warn(
            f"{what}: unknown properties are ignored: "
            + "; ".join(f"{k} (in {', '.join(v[:5])})" for k, v in sorted(ignored.items()))
            + f". Known properties: {', '.join(PROPERTIES)} (docs/plan_format.md).",
            stacklevel=2,
        )
    frame = pd.DataFrame(rows)
    features = gpd.GeoDataFrame(frame, geometry=geoms, crs=settings.crs)
    return Plan(name=name, features=features, source=what, defaults=defaults,
                ignored=ignored, repaired=repaired)


def _check_overlaps(rows: list[dict[str, Any]], geoms: list[Any]) -> list[str]:
    """Plan polygons may not overlap: every m² is judged once (green, play, housing...)."""
    idx = [i for i, r in enumerate(rows) if r["soort"] == "vlak" and geoms[i] is not None
           and geoms[i].geom_type in ("Polygon", "MultiPolygon") and geoms[i].is_valid]
    if len(idx) < 2:
        return []
    polys = np.array([geoms[i] for i in idx], dtype=object)
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="intersects")
    out = []
    for p, q in zip(a, b, strict=True):
        if p >= q:
            continue
        m2 = float(shapely.area(shapely.intersection(polys[p], polys[q])))
        if m2 > 1.0:
            i, j = idx[p], idx[q]
            out.append(
                f"feature {i} ({rows[i]['naam']!r}) and feature {j} ({rows[j]['naam']!r}) overlap by "
                f"{m2:,.0f} m²; every m² of a plan counts once (as housing, green, play or facility "
                f"land). Cut one out of the other, or give the green / play space inside a housing "
                f"polygon as groen_m2 / speelruimte_m2."
            )
    return out


def _feature_label(i: int, raw: dict[str, Any]) -> str:
    name = raw.get("naam")
    if _is_missing(name):
        return f"feature {i}"
    return f"feature {i} ({str(name)!r})"


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _check_geometry(
    geom: Any, label: str, *, repair: bool, repaired: list[str]
) -> tuple[str, Any, str | None]:
    """Kind of feature (vlak / punt) and the geometry (repaired), or a problem."""
    if geom is None or geom.is_empty:
        return "vlak", None, f"{label}: no geometry. Draw a polygon, or delete the feature."
    kind = geom.geom_type
    if kind in ("Point",):
        return "punt", geom, None
    if kind == "MultiPoint":
        return "punt", geom, (f"{label}: a MultiPoint; give every facility its own point "
                              f"(e.g. `gdf.explode()`).")
    if kind not in ("Polygon", "MultiPolygon"):
        return "vlak", geom, (f"{label}: geometry type {kind}; a plan has polygons (and "
                              f"points for facilities). Convert lines to polygons first.")
    if geom.has_z:
        geom = shapely.force_2d(geom)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        if not repair:
            return "vlak", geom, (
                f"{label}: invalid polygon ({reason}), e.g. self-intersecting. Its area, and so "
                f"the norms, would be ambiguous. Fix the drawing (QGIS: Vector > Geometry Tools "
                f"> Fix Geometries, or `gdf.geometry = gdf.make_valid()`), or pass repair=True "
                f"(CLI: --herstel) to repair it automatically with a warning."
            )
        before = float(shapely.area(geom))
        fixed = shapely.make_valid(geom)
        parts = shapely.get_parts(fixed)
        polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else shapely.Polygon()
        if fixed.is_empty:
            return "vlak", geom, f"{label}: invalid polygon ({reason}) with no area left after repair."
        repaired.append(f"{label}: {reason}; oppervlak {before:,.0f} -> {fixed.area:,.0f} m²")
        geom = fixed
    if geom.area <= 0:
        return "vlak", geom, f"{label}: the polygon has no area."
    return "vlak", geom, None


def _read_properties(
    raw: dict[str, Any],
    soort: str,
    label: str,
    i: int,
    cats: list[str],
    defaults: dict[str, list[str]],
    ignored: dict[str, list[str]],
) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    row: dict[str, Any] = {}
    # functie first: it decides which properties apply
    functie = "punt"
    if soort == "vlak":
        f_raw = raw.get("functie")
        if _is_missing(f_raw):
            functie = "wonen"
        else:
            functie = str(f_raw).strip().lower()
            if functie not in FUNCTIONS:
                problems.append(f"{label}: functie = {_show(f_raw)} is unknown; use one of {list(FUNCTIONS)}.")
                functie = "wonen"
    short = _short(i, raw)
    for key in raw:
        if key not in PROPERTIES and not _is_missing(raw[key]):
            ignored.setdefault(key, []).append(short)
    for prop in PROPERTIES.values():
        value = raw.get(prop.name)
        given = not _is_missing(value)
        applies = functie in prop.applies
        if prop.name == "functie":
            row["functie"] = functie if soort == "vlak" else None
            if soort == "vlak" and not given:
                defaults.setdefault("functie", []).append(short)
            continue
        if prop.name == "naam":
            row["naam"] = str(value).strip() if given else (f"vlak {i}" if soort == "vlak" else f"punt {i}")
            continue
        if given and not applies:
            if _zero_like(value):
                # an explicit 0 where the property does not apply is harmless
                row[prop.name] = _empty_value(prop)
                continue
            where = f"a {functie} polygon" if soort == "vlak" else "a point"
            problems.append(
                f"{label}: property {prop.name} = {_show(value)} does not apply to {where}; it applies "
                f"to {_applies_nl(prop)}. Remove it, or set functie accordingly."
            )
            row[prop.name] = _empty_value(prop)
            continue
        if not applies:
            row[prop.name] = _empty_value(prop)
            continue
        if not given:
            if prop.name == "categorie" and soort == "punt":
                problems.append(
                    f"{label}: a point needs a `categorie` (one of {cats}); points are new "
                    f"facilities."
                )
            elif prop.default is not None or prop.name in ("meergezins_pct", "huishoudgrootte"):
                defaults.setdefault(prop.name, []).append(short)
            row[prop.name] = prop.default if prop.default is not None else _empty_value(prop)
            continue
        parsed, problem = _parse_value(prop, value, label, cats)
        if problem:
            problems.append(problem)
        row[prop.name] = parsed
    if soort == "vlak" and functie == "wonen":
        tenure = [row[k] for k in TENURE_PCT]
        if all(isinstance(v, float) and np.isfinite(v) for v in tenure) and sum(tenure) > 100 + 1e-9:
            problems.append(
                f"{label}: {' + '.join(TENURE_PCT)} = {sum(tenure):g} %, more than 100 %. The rest "
                f"to 100 % is free-sector owner-occupied housing; lower the shares."
            )
        pcts = {k: row[k] for k in (*TENURE_PCT, "meergezins_pct")}
        small = [k for k, v in pcts.items() if isinstance(v, float) and 0 < v < 1]
        if small:
            warnings.warn(
                f"{label}: {', '.join(f'{k} = {pcts[k]:g}' for k in small)}: percentages are "
                f"0-100, so this is less than 1 %. Did you mean {', '.join(f'{100 * pcts[k]:g}' for k in small)}?",
                stacklevel=4,
            )
    return row, problems


def _short(i: int, raw: dict[str, Any]) -> str:
    name = raw.get("naam")
    return str(name).strip() if not _is_missing(name) else f"#{i}"


def _zero_like(value: Any) -> bool:
    return _as_number(value) == 0.0


def _empty_value(prop: PlanProperty) -> Any:
    if prop.kind in ("text", "choice"):
        return None
    if prop.kind == "count":
        return 0
    return float("nan") if prop.default is None else float(prop.default) * 0.0


def _applies_nl(prop: PlanProperty) -> str:
    parts = [f"functie {a}" if a != "punt" else "points" for a in prop.applies]
    return " and ".join(parts)


def _parse_value(
    prop: PlanProperty, value: Any, label: str, cats: list[str]
) -> tuple[Any, str | None]:
    if prop.kind == "text":
        return str(value), None
    if prop.kind == "choice":
        text = str(value).strip().lower()
        allowed = cats if prop.name == "categorie" else list(SPREADS) if prop.name == "verdeling" else []
        if text not in allowed:
            import difflib

            close = difflib.get_close_matches(text, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            return None, (f"{label}: {prop.name} = {_show(value)} is unknown; use one of {allowed}.{hint}")
        return text, None
    number = _as_number(value)
    if number is None:
        return _empty_value(prop), (
            f"{label}: {prop.name} = {_show(value)} is not a number; it must be {_KIND_RULE[prop.kind]}."
        )
    rule_broken = (
        (prop.kind == "count" and (number < 0 or not float(number).is_integer()))
        or (prop.kind == "pct" and not 0 <= number <= 100)
        or (prop.kind == "m2" and number < 0)
        or (prop.kind == "positive" and number <= 0)
    )
    if rule_broken:
        extra = ""
        if prop.name in ("woningen", "woningen_sloop") and number < 0:
            extra = " Demolition is given as a positive number in woningen_sloop." if prop.name == "woningen" else ""
        return _empty_value(prop), (
            f"{label}: {prop.name} = {_show(value)}, but it must be {_KIND_RULE[prop.kind]}.{extra}"
        )
    if prop.name == "huishoudgrootte" and number > 10:
        return _empty_value(prop), (
            f"{label}: huishoudgrootte = {_show(value)} residents per dwelling is implausible (more "
            f"than 10); give the average number of residents per new dwelling, e.g. 1.8."
        )
    return (int(number) if prop.kind == "count" else float(number)), None


def _show(value: Any) -> str:
    """A property value as the user wrote it, for messages (numbers without numpy noise)."""
    number = _as_number(value) if not isinstance(value, str) else None
    if number is not None:
        return f"{number:g}"
    return repr(str(value)) if isinstance(value, str) else repr(value)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Number):
        v = float(value)  # type: ignore[arg-type]
        return v if math.isfinite(v) else None
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # Dutch decimal comma: "1,8"
        try:
            v = float(text)
        except ValueError:
            return None
        return v if math.isfinite(v) else None
    return None


def _check_land(row: dict[str, Any], label: str) -> list[str]:
    """The m² given inside a polygon must fit in it."""
    area = row["area_m2"]
    if row["functie"] == "wonen":
        given = {k: row[k] for k in LAND_M2 if np.isfinite(row[k])}
    else:
        given = {"speelruimte_m2": row["speelruimte_m2"]} if np.isfinite(row["speelruimte_m2"]) else {}
    total = sum(given.values())
    if total > area * (1 + 1e-9):
        return [
            f"{label}: {' + '.join(given)} = {total:,.0f} m² is more than the polygon's area "
            f"({area:,.0f} m²). Draw the green, play or facility land as its own polygon "
            f"(functie groen / spelen / voorziening), or lower the m²."
        ]
    return []
