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

from afweging import settings
from afweging._errors import PlanError
from afweging._format import nl_int, nl_number
from afweging._schema import suggest
from afweging.geo.crs import lonlat_problem

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

#: The rule of each kind, in Dutch, for messages.
_KIND_RULE = {
    "count": "een geheel getal van minstens 0",
    "pct": "een percentage van 0 tot 100",
    "m2": "een aantal m² van minstens 0",
    "positive": "een getal groter dan 0",
}

#: Most features a plan may have (refused up front, before the file is read). A plan of
#: 10,000 polygons is checked on Utrecht in a few seconds (``benchmarks/bench_plan.py``);
#: a whole city drawn plot by plot is not a plan but a new area (use an area manifest).
MAX_PLAN_FEATURES: int = 50_000

#: Dwellings per hectare of a ``wonen`` polygon above which the plan is refused as
#: impossible (one dwelling per 2 m² of land: even 50-storey towers on their footprint stay
#: below this), and above which it gets a warning (Dutch high-density inner-city blocks
#: reach 150-400 per ha).
MAX_DWELLINGS_PER_HA: float = 5_000.0
HIGH_DWELLINGS_PER_HA: float = 500.0

#: Features named per problem in a message; the rest is counted ("en 12 meer").
MAX_LISTED: int = 10


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
    label: str | None = None,
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
    label : str, optional
        How the file is named in messages (default: ``path``); the studio names a plan
        sent to it by the plan's own name, not by its temporary file.

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        Listing every problem (in Dutch): the file, the feature (number and name), the
        property and the fix. A plan of more than :data:`MAX_PLAN_FEATURES` features is
        refused before it is read.
    """
    path = Path(path)
    what = label or str(path)
    gdf, explicit_nan = _read_frame(path, layer=layer, what=what)
    return _validate(gdf, name=name or Path(what).stem, what=what, repair=repair,
                     categories=categories, explicit_nan=explicit_nan)


def read_plan_frame(
    path: str | Path, *, layer: str | Sequence[str] | None = None, label: str | None = None
) -> gpd.GeoDataFrame:
    """The features of a plan file in EPSG:28992 with their properties as written, not yet
    validated (only the file, its size and its CRS are checked; the studio shows an uploaded
    plan this way for editing). See :func:`read_plan` for the parameters."""
    path = Path(path)
    return _read_frame(path, layer=layer, what=label or str(path))[0]


def _read_frame(
    path: Path, *, layer: str | Sequence[str] | None, what: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The features in EPSG:28992 and where a property holds a NaN the file wrote."""
    if not path.is_file():
        raise PlanError(f"Het planbestand {what} bestaat niet"
                        + (" (het is een map)" if path.is_dir() else "") + ". Controleer het pad.")
    if path.suffix.lower() in (".geojson", ".json"):
        _check_utf8(path, what)
    try:
        available = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        detail = str(exc).replace(str(path), what)
        raise PlanError(
            f"{what}: is geen leesbaar GIS-bestand ({detail}). Sla het plan op als GeoJSON of "
            f"GeoPackage (zie docs/plan_format.md)."
        ) from exc
    wanted = [layer] if isinstance(layer, str) else list(layer) if layer is not None else available
    unknown = [x for x in wanted if x not in available]
    if unknown:
        raise PlanError(f"{what}: geen laag {unknown}; de lagen zijn {available}.")
    counts = {lyr: int(pyogrio.read_info(path, layer=lyr)["features"]) for lyr in wanted}
    _check_count(sum(counts.values()), what)
    frames, nans = [], []
    for lyr in wanted:
        meta, table = pyogrio.read_arrow(path, layer=lyr if len(available) > 1 else None)
        geom_col = meta["geometry_name"] or "wkb_geometry"
        where = what + (f" (laag {lyr!r})" if len(available) > 1 else "")
        if geom_col not in table.column_names:
            if len(wanted) == 1:
                raise PlanError(f"{where}: heeft geen geometrie. Een plan bestaat uit vlakken (en punten).")
            continue
        nans.append(pd.DataFrame({c: _explicit_nan(table.column(c)) for c in table.column_names if c != geom_col}))
        attrs = table.drop([geom_col]).to_pandas()
        geoms = shapely.from_wkb(table.column(geom_col).to_numpy(zero_copy_only=False))
        gdf = gpd.GeoDataFrame(attrs, geometry=geoms, crs=meta["crs"])
        _check_crs(gdf, what=where, is_geojson=path.suffix.lower() in (".geojson", ".json"))
        frames.append(gdf.to_crs(settings.crs))
    if not frames:
        raise PlanError(f"{what}: geen laag met geometrie. Een plan bestaat uit vlakken (en punten).")
    gdf = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=settings.crs
    )
    return gdf, pd.concat(nans, ignore_index=True).fillna(False).astype(bool)


def _check_utf8(path: Path, what: str) -> None:
    """A GeoJSON must be UTF-8 (RFC 8259); GDAL would otherwise garble names silently."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlanError(
            f"{what}: regel {line} is geen UTF-8 (byte {raw[exc.start]:#04x}); het bestand is "
            f"waarschijnlijk opgeslagen als Windows-1252/ANSI. Een GeoJSON is altijd UTF-8: sla "
            f"het opnieuw op als UTF-8 (QGIS: Exporteren > Objecten opslaan als, codering UTF-8)."
        ) from exc


def _explicit_nan(column: Any) -> np.ndarray:
    """Where a column holds a NaN that the file wrote (not a missing value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_floating(column.type):
        return np.zeros(len(column), dtype=bool)
    return np.asarray(pc.fill_null(pc.is_nan(column), False))


def _check_count(n: int, what: str) -> None:
    if n > MAX_PLAN_FEATURES:
        raise PlanError(
            f"{what}: het plan heeft {nl_int(n)} objecten; de plantoets neemt er hoogstens "
            f"{nl_int(MAX_PLAN_FEATURES)}. Voeg kavels samen tot bouwvelden (één vlak per blok of "
            f"veld met het totale programma), of splits het plan in deelplannen."
        )


def _check_crs(gdf: gpd.GeoDataFrame, *, what: str, is_geojson: bool) -> None:
    """Refuse a layer without CRS, and RD coordinates declared (or defaulted) as lon/lat."""
    if gdf.crs is None:
        raise PlanError(
            f"{what}: het plan heeft geen coördinatenstelsel (CRS). Sla het op met een CRS "
            f"(QGIS: Exporteren > Objecten opslaan als, kies EPSG:28992 of EPSG:4326), of zet het met "
            f"`ogr2ogr -a_srs EPSG:28992 plan_goed.gpkg {Path(what.split(' (')[0]).name}` als de "
            f"coördinaten RD New-meters zijn."
        )
    problem = lonlat_problem(gdf, is_geojson=is_geojson)
    if problem:
        raise PlanError(f"{what}: {problem}")


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
        raise PlanError(f"{what}: een plan is een GeoDataFrame met vlakken, geen {type(gdf).__name__}.")
    _check_count(len(gdf), what)
    _check_crs(gdf, what=what, is_geojson=False)
    return _validate(gdf.to_crs(settings.crs), name=name, what=what, repair=repair, categories=categories)


class _Problems:
    """Problems of a plan, grouped by rule: at most MAX_LISTED features named per rule."""

    def __init__(self) -> None:
        self.groups: dict[str, list[str]] = {}

    def add(self, rule: str, text: str) -> None:
        self.groups.setdefault(rule, []).append(text)

    def add_rows(self, rule: str, rows: np.ndarray, text: Any) -> None:
        """Add ``text(i)`` for the first MAX_LISTED rows and count the rest."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        for i in rows[:MAX_LISTED]:
            self.add(rule, text(int(i)))
        if len(rows) > MAX_LISTED:
            self.add(rule, f"en nog {nl_int(len(rows) - MAX_LISTED)} objecten met hetzelfde probleem")

    def __len__(self) -> int:
        return sum(len(v) for v in self.groups.values())

    def lines(self) -> list[str]:
        return [t for v in self.groups.values() for t in v]


def _validate(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    what: str,
    repair: bool,
    categories: Sequence[str] | None,
    explicit_nan: pd.DataFrame | None = None,
) -> Plan:
    """Check every feature and property at once, column by column (linear in the features)."""
    gdf = gdf.reset_index(drop=True)
    n = len(gdf)
    if n == 0:
        raise PlanError(f"{what}: het plan heeft geen objecten. Teken minstens één vlak.")
    if categories is None:
        from afweging.data.tags import load_tag_table

        categories = list(load_tag_table())
    cats = list(categories)
    problems = _Problems()
    cols = {c: gdf[c] for c in gdf.columns if c != gdf.geometry.name}
    nan_given = {c: (explicit_nan[c].to_numpy(dtype=bool) if explicit_nan is not None and c in explicit_nan
                     else np.zeros(n, dtype=bool)) for c in cols}
    given = {c: ~_missing(s) | nan_given[c] for c, s in cols.items()}

    names_raw = cols.get("naam")
    has_name = given["naam"] if names_raw is not None else np.zeros(n, dtype=bool)
    name_text = np.where(has_name, names_raw.astype(str).str.strip().to_numpy(dtype=object)
                         if names_raw is not None else "", "")
    labels = np.array([f"object {i} ({nm!r})" if ok else f"object {i}"
                       for i, (nm, ok) in enumerate(zip(name_text, has_name, strict=True))], dtype=object)
    short = np.where(has_name, name_text, np.char.add("#", np.arange(n).astype(str)).astype(object))

    # ---- geometry
    geoms, soort, repaired = _check_geometries(gdf.geometry.to_numpy(), labels, problems, repair=repair)
    vlak = soort == "vlak"
    area = np.where(vlak, np.nan_to_num(shapely.area(geoms)), 0.0)

    # ---- functie decides which properties apply ("punt" for points)
    defaults: dict[str, list[str]] = {}
    functie = np.where(vlak, "wonen", "punt").astype(object)
    if "functie" in cols:
        raw = cols["functie"].astype(str).str.strip().str.lower().to_numpy(dtype=object)
        g = given["functie"] & vlak
        bad = g & ~np.isin(raw, list(FUNCTIONS))
        problems.add_rows("functie", bad, lambda i: (
            f"{labels[i]}: functie = {_show(cols['functie'].iloc[i])} bestaat niet; gebruik een van {list(FUNCTIONS)}."))
        functie = np.where(g & ~bad, raw, functie)
        _record(defaults, "functie", short[vlak & ~given["functie"]])
    else:
        _record(defaults, "functie", short[vlak])

    ignored = {c: short[given[c]].tolist() for c in cols if c not in PROPERTIES and given[c].any()}
    for c, close in _misspelt(ignored).items():  # a typo would silently give the default: refused
        ignored.pop(c)
        problems.add(f"onbekend {c}", f"{_first(labels[given[c]].tolist(), 5)}: eigenschap {c!r} bestaat niet; bedoelde u "
                                      f"{close!r}? Herstel de naam: met een tikfout telt de waarde niet mee en "
                                      f"geldt de standaardwaarde.")
    out: dict[str, Any] = {
        "naam": np.where(has_name, name_text, np.where(vlak, np.char.add("vlak ", np.arange(n).astype(str)),
                                                       np.char.add("punt ", np.arange(n).astype(str)))).astype(object),
        "functie": np.array([f if v else None for f, v in zip(functie, vlak, strict=True)], dtype=object),
    }
    for prop in PROPERTIES.values():
        if prop.name in ("naam", "functie"):
            continue
        out[prop.name] = _read_property(prop, cols.get(prop.name), given.get(prop.name, np.zeros(n, dtype=bool)),
                                        nan_given.get(prop.name, np.zeros(n, dtype=bool)), functie, vlak,
                                        labels, short, cats, problems, defaults)
    out["soort"] = soort
    out["area_m2"] = area
    wonen = vlak & (functie == "wonen")
    _check_programme(out, wonen, labels, problems)
    _check_land(out, vlak, functie, labels, problems)
    for text in _check_overlaps(out["naam"], geoms, vlak & np.isin(shapely.get_type_id(geoms), (3, 6))
                                & shapely.is_valid(geoms)):
        problems.add("overlap", text)
    dup = pd.Series(out["naam"]).duplicated(keep=False).to_numpy()
    if dup.any():
        problems.add("naam", f"namen komen meer dan eens voor: {_first(sorted(set(out['naam'][dup])))}; geef "
                             f"elk object een eigen `naam`, zodat het rapport ze uit elkaar houdt.")
    if not vlak.any():
        problems.add("vlak", "het plan heeft geen vlak; een plan heeft minstens één vlak (functie wonen, groen, "
                             "spelen of voorziening).")
    if len(problems):
        listing = "\n".join(f"  - {p}" for p in problems.lines())
        raise PlanError(
            f"{what}: het plan is niet bruikbaar ({len(problems)} "
            f"{'probleem' if len(problems) == 1 else 'problemen'}):\n{listing}\n"
            f"Het planformaat staat in docs/plan_format.md."
        )
    if repaired:
        warnings.warn(
            f"{what}: ongeldige vlakken hersteld met make_valid: {'; '.join(repaired)}. Controleer de "
            f"tekening: het plan wordt beoordeeld op het herstelde oppervlak.",
            stacklevel=3,
        )
    if ignored:
        warnings.warn(
            f"{what}: onbekende eigenschappen worden genegeerd: "
            + "; ".join(f"{k} (in {_first(v, 5)})" for k, v in sorted(ignored.items()))
            + f". Bekende eigenschappen: {', '.join(PROPERTIES)} (docs/plan_format.md).",
            stacklevel=3,
        )
    features = gpd.GeoDataFrame(out, geometry=geoms, crs=settings.crs)
    return Plan(name=name, features=features, source=what, defaults=defaults,
                ignored=ignored, repaired=repaired)


def _missing(s: pd.Series) -> np.ndarray:
    """Missing or blank cells (None, NaN, "", "  ")."""
    miss = np.array(s.isna(), dtype=bool)
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        miss |= np.array(s.astype(str).str.strip() == "", dtype=bool)
    return miss


def _record(defaults: dict[str, list[str]], prop: str, names: np.ndarray) -> None:
    if len(names):
        defaults.setdefault(prop, []).extend(str(x) for x in names)


def _first(items: Sequence[Any], k: int = MAX_LISTED) -> str:
    """At most ``k`` items, then "en N meer"."""
    shown = ", ".join(str(x) for x in items[:k])
    return shown + (f" en {nl_int(len(items) - k)} meer" if len(items) > k else "")


def _check_geometries(
    geoms: np.ndarray, labels: np.ndarray, problems: _Problems, *, repair: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Kind per feature (vlak / punt), the geometries (2D, repaired), repair notes."""
    geoms = np.asarray(geoms, dtype=object).copy()
    type_id = shapely.get_type_id(geoms)  # -1 missing, 0 Point, 3 Polygon, 4 MultiPoint, 6 MultiPolygon
    empty = (type_id < 0) | shapely.is_empty(geoms)
    soort = np.where(np.isin(type_id, (0, 4)) & ~empty, "punt", "vlak").astype(object)
    problems.add_rows("geen geometrie", empty, lambda i: f"{labels[i]}: heeft geen geometrie. Teken een vlak, of verwijder het object.")
    problems.add_rows("multipoint", (type_id == 4) & ~empty, lambda i: (
        f"{labels[i]}: een MultiPoint; geef elke voorziening een eigen punt (bijv. `gdf.explode()`)."))
    other = ~np.isin(type_id, (0, 3, 4, 6)) & ~empty
    problems.add_rows("type", other, lambda i: (
        f"{labels[i]}: geometrietype {getattr(geoms[i], 'geom_type', '?')}; een plan heeft "
        f"vlakken (en punten voor voorzieningen). Zet lijnen eerst om in vlakken."))
    poly = np.isin(type_id, (3, 6)) & ~empty
    z = poly & shapely.has_z(geoms)
    if z.any():
        geoms[z] = shapely.force_2d(geoms[z])
    invalid = poly & ~shapely.is_valid(geoms)
    repaired: list[str] = []
    bad_rows = []
    for i in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[i])
        if not repair:
            bad_rows.append((i, reason))
            continue
        before = float(shapely.area(geoms[i]))
        parts = shapely.get_parts(shapely.make_valid(geoms[i]))
        polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else shapely.Polygon()
        if fixed.is_empty:
            problems.add("ongeldig", f"{labels[i]}: ongeldig vlak ({reason}) zonder oppervlak na herstel.")
            continue
        repaired.append(f"{labels[i]}: {reason}; oppervlak {nl_int(before)} -> {nl_int(fixed.area)} m²")
        geoms[i] = fixed
    if bad_rows:
        problems.add_rows("ongeldig", np.array([i for i, _ in bad_rows], dtype=int), lambda i: (
            f"{labels[i]}: ongeldig vlak ({shapely.is_valid_reason(geoms[i])}), bijv. zelfdoorsnijdend. Het "
            f"oppervlak, en dus de normen, zou dubbelzinnig zijn. Herstel de tekening (QGIS: Vector > "
            f"Geometrie > Geometrieën repareren, of `gdf.geometry = gdf.make_valid()`), of geef "
            f"repair=True (CLI: --herstel) om het met een waarschuwing te laten herstellen."))
    zero = poly & ~invalid & (shapely.area(geoms) <= 0)
    problems.add_rows("geen oppervlak", zero, lambda i: f"{labels[i]}: het vlak heeft geen oppervlak.")
    return geoms, soort, repaired


def _read_property(
    prop: PlanProperty, col: pd.Series | None, given: np.ndarray, nan_given: np.ndarray,
    functie: np.ndarray, vlak: np.ndarray, labels: np.ndarray, short: np.ndarray, cats: list[str],
    problems: _Problems, defaults: dict[str, list[str]],
) -> np.ndarray:
    """One property for every feature: parsed, range-checked, defaults recorded."""
    n = len(functie)
    if col is None:
        col = pd.Series([None] * n, dtype=object)
    applies = np.isin(functie, prop.applies)
    numeric = prop.kind not in ("text", "choice")
    values = _parse(prop, col, n)
    # given where it does not apply: harmless when 0, else a problem
    misplaced = given & ~applies
    if numeric:
        misplaced &= ~(values == 0.0)
    problems.add_rows(f"{prop.name} hoort niet", misplaced, lambda i: (
        f"{labels[i]}: eigenschap {prop.name} = {_show(col.iloc[i])} hoort niet bij "
        f"{'een ' + functie[i] + '-vlak' if vlak[i] else 'een punt'}; ze hoort bij {_applies_nl(prop)}. "
        f"Haal haar weg, of pas de functie aan."))
    use = given & applies
    absent = ~given & applies
    if prop.name == "categorie":
        problems.add_rows("categorie punt", absent & ~vlak, lambda i: (
            f"{labels[i]}: een punt heeft een `categorie` nodig (een van {cats}); punten zijn nieuwe voorzieningen."))
    elif prop.default is not None or prop.name in ("meergezins_pct", "huishoudgrootte"):
        _record(defaults, prop.name, short[absent])
    if not numeric:
        if prop.kind == "choice":
            allowed = cats if prop.name == "categorie" else list(SPREADS)
            bad = use & ~np.isin(values, allowed)
            problems.add_rows(f"{prop.name} onbekend", bad, lambda i: (
                f"{labels[i]}: {prop.name} = {_show(col.iloc[i])} bestaat niet; gebruik een van {allowed}."
                + (f" Bedoelde u {close!r}?" if (close := suggest(str(values[i]), allowed)) else "")))
            use &= ~bad
        result = np.array(values, dtype=object)
        result[~use] = prop.default
        result[~applies] = None
        return result
    # numbers: NaN written in the file, infinity and text are no numbers
    nan_written = use & nan_given
    problems.add_rows(f"{prop.name} NaN", nan_written, lambda i: (
        f"{labels[i]}: {prop.name} = NaN is geen getal; het moet {_KIND_RULE[prop.kind]} zijn. Laat de "
        f"eigenschap weg (of null) voor de standaardwaarde ({prop.default_nl})."))
    not_number = use & ~nan_given & ~np.isfinite(values)
    problems.add_rows(f"{prop.name} geen getal", not_number, lambda i: (
        f"{labels[i]}: {prop.name} = {_show(col.iloc[i])} is "
        f"{'geen eindig getal' if _is_inf(col.iloc[i]) else 'geen getal'}; het moet {_KIND_RULE[prop.kind]} zijn."))
    ok = use & np.isfinite(values)
    v = np.where(ok, values, 0.0)
    with np.errstate(invalid="ignore"):
        broken = ok & {
            "count": (v < 0) | (v != np.floor(v)),
            "pct": (v < 0) | (v > 100),
            "m2": v < 0,
            "positive": v <= 0,
        }[prop.kind]
    problems.add_rows(f"{prop.name} bereik", broken, lambda i: (
        f"{labels[i]}: {prop.name} = {_show(col.iloc[i])}, maar het moet {_KIND_RULE[prop.kind]} zijn."
        + (" Sloop staat als positief getal in woningen_sloop." if prop.name == "woningen" and v[i] < 0 else "")))
    ok &= ~broken
    if prop.name == "huishoudgrootte":
        high = ok & (v > 10)
        problems.add_rows("huishoudgrootte hoog", high, lambda i: (
            f"{labels[i]}: huishoudgrootte = {_show(col.iloc[i])} bewoners per woning is niet aannemelijk "
            f"(meer dan 10); geef het gemiddelde aantal bewoners per nieuwe woning, bijv. 1,8."))
        ok &= ~high
    empty = 0.0 if prop.kind == "count" else (np.nan if prop.default is None else 0.0)
    default = empty if prop.default is None else float(prop.default)
    out = np.where(ok, v, np.where(absent, default, empty))
    out = np.where(applies, out, empty)
    return out.astype(np.int64) if prop.kind == "count" else out.astype(float)


def _parse(prop: PlanProperty, col: pd.Series, n: int) -> np.ndarray:
    """The column as numbers (NaN where not a number) or as lower-case text."""
    if prop.kind == "text":
        return col.astype(str).str.strip().to_numpy(dtype=object)
    if prop.kind == "choice":
        return col.astype(str).str.strip().str.lower().to_numpy(dtype=object)
    if pd.api.types.is_bool_dtype(col.dtype):
        return np.full(n, np.nan)
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype=float, na_value=np.nan)
    raw = col.to_numpy(dtype=object)
    # a list or an object in a property (GeoJSON allows them) is no number: NaN, then named
    plain = np.array([not isinstance(v, list | dict | np.ndarray) for v in raw], dtype=bool)
    mapping = {v: _as_number(v) for v in pd.unique(raw[plain]) if v is not None}
    return np.array([np.nan if not p or (x := mapping.get(v)) is None else x for v, p in zip(raw, plain, strict=True)],
                    dtype=float)


def _check_programme(out: dict[str, Any], wonen: np.ndarray, labels: np.ndarray, problems: _Problems) -> None:
    """Tenure shares add up to at most 100 %; dwellings per ha plausible; shares below 1 %."""
    tenure = np.column_stack([out[k] for k in TENURE_PCT])
    total = np.nansum(tenure, axis=1)
    over = wonen & (total > 100 + 1e-9)
    problems.add_rows("aandelen", over, lambda i: (
        f"{labels[i]}: {' + '.join(TENURE_PCT)} = {nl_number(total[i])} %, meer dan 100 %. De rest tot "
        f"100 % is vrije-sectorkoop; verlaag de aandelen."))
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(wonen & (out["area_m2"] > 0), out["woningen"] / (out["area_m2"] / 10_000), 0.0)
    too_dense = density > MAX_DWELLINGS_PER_HA
    problems.add_rows("dichtheid", too_dense, lambda i: (
        f"{labels[i]}: {nl_int(float(out['woningen'][i]))} woningen op {nl_number(out['area_m2'][i] / 10_000, 2).removesuffix(',00')} ha is "
        f"{nl_int(float(density[i]))} woningen per ha; meer dan {nl_int(MAX_DWELLINGS_PER_HA)} per ha kan niet. "
        f"Controleer het aantal woningen (en de eenheid) en het getekende vlak."))
    dense = (density > HIGH_DWELLINGS_PER_HA) & ~too_dense
    if dense.any():
        rows = np.flatnonzero(dense)
        warnings.warn(
            f"{_first([f'{labels[i]}: {nl_int(density[i])}' for i in rows])} woningen per ha: meer dan "
            f"{nl_int(HIGH_DWELLINGS_PER_HA)} per ha is zeer hoog (Nederlandse binnenstedelijke blokken halen "
            f"150-400). Controleer het aantal woningen.", stacklevel=4)
    pct_cols = (*TENURE_PCT, "meergezins_pct")
    small = {k: wonen & (out[k] > 0) & (out[k] < 1) for k in pct_cols}
    rows = np.flatnonzero(np.any(np.column_stack(list(small.values())), axis=1))
    if len(rows):
        parts = [f"{labels[i]}: " + ", ".join(f"{k} = {out[k][i]:g}" for k in pct_cols if small[k][i]) for i in rows]
        hint = ", ".join(f"{100 * out[k][rows[0]]:g}" for k in pct_cols if small[k][rows[0]])
        warnings.warn(
            f"{_first(parts)}: percentages lopen van 0 tot 100, dit is dus minder dan 1 %. Bedoelde u {hint}?",
            stacklevel=4)


def _check_land(out: dict[str, Any], vlak: np.ndarray, functie: np.ndarray, labels: np.ndarray,
                problems: _Problems) -> None:
    """The m² given inside a polygon must fit in it."""
    wonen = vlak & (functie == "wonen")
    land = np.where(wonen[:, None], np.column_stack([np.nan_to_num(out[k]) for k in LAND_M2]),
                    np.column_stack([np.zeros(len(vlak)), np.nan_to_num(out["speelruimte_m2"]), np.zeros(len(vlak))]))
    total = land.sum(axis=1)
    over = vlak & (total > out["area_m2"] * (1 + 1e-9))
    problems.add_rows("m2", over, lambda i: (
        f"{labels[i]}: {' + '.join(k for k, x in zip(LAND_M2, land[i], strict=True) if x or wonen[i])} = "
        f"{nl_int(total[i])} m² is meer dan het oppervlak van het vlak ({nl_int(out['area_m2'][i])} m²). "
        f"Teken het groen, de speelruimte of de voorzieningen als eigen vlak (functie groen / spelen / "
        f"voorziening), of verlaag de m²."))


def _check_overlaps(names: np.ndarray, geoms: np.ndarray, usable: np.ndarray) -> list[str]:
    """Plan polygons may not overlap: every m² is judged once (green, play, housing...)."""
    idx = np.flatnonzero(usable)
    if len(idx) < 2:
        return []
    polys = geoms[idx]
    a, b = shapely.STRtree(polys).query(polys, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    m2 = shapely.area(shapely.intersection(polys[a], polys[b])) if len(a) else np.zeros(0)
    over = np.flatnonzero(m2 > 1.0)
    out = [
        f"object {idx[a[k]]} ({names[idx[a[k]]]!r}) en object {idx[b[k]]} ({names[idx[b[k]]]!r}) overlappen "
        f"{nl_int(m2[k])} m²; elke m² van een plan telt één keer (als wonen, groen, spelen of voorziening). "
        f"Knip het ene uit het andere, of geef groen of speelruimte binnen een woonvlak als groen_m2 / "
        f"speelruimte_m2."
        for k in over[:MAX_LISTED]
    ]
    if len(over) > MAX_LISTED:
        out.append(f"en nog {nl_int(len(over) - MAX_LISTED)} overlappende paren")
    return out


def _applies_nl(prop: PlanProperty) -> str:
    parts = [f"functie {a}" if a != "punt" else "punten" for a in prop.applies]
    return " en ".join(parts)


def _is_inf(value: Any) -> bool:
    number = _to_float(value)
    return number is not None and math.isinf(number)


def _misspelt(unknown: dict[str, Any]) -> dict[str, str]:
    """Unknown property names that look like a known one (``functe``, ``Woningen``,
    ``sociale_hur_pct``), with that name. Other unknown properties (``fid``, ``opmerking``)
    are left alone: a plan drawn in a GIS often carries them."""
    import difflib

    out = {}
    for name in unknown:
        same_case = [p for p in PROPERTIES if p.lower() == str(name).strip().lower()]
        close = same_case or difflib.get_close_matches(str(name), list(PROPERTIES), n=1, cutoff=0.85)
        if close:
            out[name] = close[0]
    return out


def _show(value: Any) -> str:
    """A property value as the user wrote it, for messages (``2.5``, ``"abc"``, ``Infinity``)."""
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, np.ndarray):  # a GeoJSON list, as pyogrio reads it
        value = value.tolist()
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False, default=str)
    number = _to_float(value)
    if number is None:
        return repr(value) if not isinstance(value, bool | np.bool_) else str(bool(value)).lower()
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return f"{number:g}"


def _to_float(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Number):
        return None
    return float(value)  # type: ignore[arg-type]


def _as_number(value: Any) -> float | None:
    """A finite number from a number or a text ("1,8" with a Dutch decimal comma), else None."""
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # Dutch decimal comma: "1,8"
        try:
            v = float(text)
        except ValueError:
            return None
    else:
        f = _to_float(value)
        if f is None:
            return None
        v = f
    return v if math.isfinite(v) else None
