"""Applying a validated plan to an Area: new homes, residents, statistics, facilities, green.

The original Area is never modified. The new Area shares every piece the plan does not
change (networks, rasters, lines) and gets new frames for the pieces it does change
(buurten, wijken, homes, facilities, green), which is much faster than a deep copy.

Rules (also in docs/plan_format.md, and echoed in the report):

* **Homes.** The new dwellings of a ``wonen`` polygon become home points, spread evenly
  over the polygon on a regular grid (``verdeling = "vlak"``, spacing
  :data:`~afweging.analyses.plan.format.HOME_SPACING_M`, wider when the polygon has
  fewer dwellings than grid points) or along the streets of the walk network inside it
  (``verdeling = "straten"``, one point per ``HOME_SPACING_M`` of street; the grid when
  no street lies inside). Every point gets an equal share of the dwellings and
  ``residents = dwellings x household size``, one household per dwelling.
* **Household size.** ``huishoudgrootte`` of the polygon, else the buurt's CBS
  ``g_hhgro``, else the buurt's ``a_inw / a_hh``, else the area's ``sum a_inw / sum a_hh``.
* **Demolition.** ``woningen_sloop`` dwellings are removed from the buurt(s) the polygon
  lies in, shared in proportion to the residents of the existing home points inside the
  polygon (by area where it holds none). Each removed dwelling takes the buurt's average
  residents per dwelling (``a_inw / a_woning``) with it, taken from the home points
  inside the polygon (pro rata) and, if they hold too few, from the buurt's other homes.
* **Statistics** of every buurt with new or demolished dwellings, and of its wijk:
  ``a_woning``; ``a_inw`` and all person counts of :data:`PERSON_COLUMNS` (new
  residents have the buurt's age and sex distribution, "in proportion"; the area's
  distribution where the buurt had no residents); households (:data:`HOUSEHOLD_COLUMNS`,
  new households in proportion to the buurt's composition); the dwelling shares of
  :data:`DWELLING_PCT_COLUMNS` (new social-rent dwellings count as corporation-owned
  ``p_wcorpw``; mid-rent and free-sector rent as other landlords ``p_ov_hw``; all new
  dwellings as built after 2000 and inhabited); ``g_hhgro`` and ``bev_dich``
  recomputed. Demolished dwellings have the buurt's composition. Other columns (WOZ,
  income, energy, ``ste_oad``...) are not updated; the report lists them.
* **Facilities.** A point with ``categorie``, a ``voorziening`` polygon with ``categorie``
  (at a point inside it), a ``spelen`` polygon and ``speelruimte_m2 > 0`` (a
  ``speelplek``), and every new green area of at least
  :data:`afweging.settings.green_min_area_m2` (a ``park``) become facility points.
* **Green.** ``groen`` polygons, and ``groen_m2`` on a ``wonen`` polygon as one green area
  in the middle of the polygon (the polygon shrunk inwards to exactly that area: its
  location inside the polygon is not known), are added to ``area.green`` when the Area
  has green polygons. An Area that knows green only as points (Utrecht) gets the park
  points only; its m² indicators stay "no data" and the plan's own m² are judged in the
  plan check.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from afweging import settings
from afweging._errors import PlanError
from afweging._format import nl_area, nl_int, nl_number
from afweging.analyses.plan.format import HOME_SPACING_M, MAX_LISTED, MAX_OUTSIDE_SHARE, Plan
from afweging.geo.area import Area, Provenance, assign_buurt
from afweging.geo.network import as_street_network

#: Person counts of the CBS statistics, updated in proportion to the residents.
PERSON_COLUMNS: tuple[str, ...] = (
    "a_inw", "a_man", "a_vrouw", "a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo",
    "a_ongeh", "a_gehuwd", "a_gesch", "a_verwed", "a_nl_all", "a_eur_al", "a_neu_al",
    "a_geb_nl", "a_geb_eu", "a_geb_ne", "a_gbl_eu", "a_gbl_ne",
)  # fmt: skip

#: Household counts of the CBS statistics (``a_hh`` and its composition).
HOUSEHOLD_COLUMNS: tuple[str, ...] = ("a_hh", "a_1p_hh", "a_hh_z_k", "a_hh_m_k")

#: Percentages of dwellings of the CBS statistics that the plan updates.
DWELLING_PCT_COLUMNS: tuple[str, ...] = (
    "p_1gezw", "p_mgezw", "p_koopw", "p_huurw", "p_wcorpw", "p_ov_hw", "p_e_o_w",
    "p_bjj2k", "p_bjo2k", "p_bewndw", "p_leegsw",
)  # fmt: skip

#: CBS columns derived from the above and recomputed.
DERIVED_COLUMNS: tuple[str, ...] = ("a_woning", "g_hhgro", "bev_dich")

#: Where a new plan feature's facility point or home comes from (``osm_key`` value).
PLAN_TAG = "plan"


@dataclass
class AppliedPlan:
    """A plan applied to an Area.

    Attributes
    ----------
    before, after : Area
        The original Area (untouched) and the Area with the plan.
    plan : Plan
    new_homes : GeoDataFrame
        The added home points (index continues the Area's home ids): ``buurtcode``,
        ``residents``, ``dwellings``, ``plan_feature`` (name), ``origin`` = ``"plan"``.
    changed_homes : Index
        Existing homes whose residents were reduced by demolition.
    new_facilities : GeoDataFrame
        The added facility points (``category``, ``buurtcode``, ``name``, ``plan_feature``).
    new_green : GeoDataFrame
        New green areas (polygons, ``kind`` = ``"plan"``, ``area_m2``, ``plan_feature``),
        whether or not the Area takes green polygons (see ``green_in_area``).
    green_in_area : bool
        Whether ``new_green`` was added to ``after.green``.
    buurt_changes : DataFrame
        Per buurt with a change (index ``buurtcode``): ``woningen_nieuw``,
        ``woningen_sloop``, ``inwoners_nieuw``, ``inwoners_weg``, ``sociale_huur``,
        ``middenhuur``, ``betaalbare_koop``, ``vrije_huur``, ``vrije_koop``,
        ``meergezins`` (new dwellings by kind), ``huishoudgrootte`` used.
    defaults_used : dict[str, str]
        Dutch text per property whose value came from the buurt (household size, share
        of apartments), per buurt.
    notes : list of str
        Dutch notes on how the plan was applied (for the report).
    """

    before: Area
    after: Area
    plan: Plan
    new_homes: gpd.GeoDataFrame
    changed_homes: pd.Index
    new_facilities: gpd.GeoDataFrame
    new_green: gpd.GeoDataFrame
    green_in_area: bool
    buurt_changes: pd.DataFrame
    defaults_used: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def changed_buurten(self) -> list[str]:
        """Buurten whose statistics changed (new or demolished dwellings), sorted."""
        return sorted(self.buurt_changes.index)


def apply_plan(area: Area, plan: Plan, *, city: dict[str, float] | None = None) -> AppliedPlan:
    """Apply a validated plan to an Area and return both (see the module doc for the rules).

    Parameters
    ----------
    area : Area
        Not modified.
    plan : Plan
        From :func:`afweging.analyses.plan.read_plan` or ``plan_from_frame``.
    city : dict, optional
        :func:`city_ratios` of ``area.buurten`` when already known (the plan check keeps
        them with its baseline); computed when absent.

    Returns
    -------
    AppliedPlan

    Raises
    ------
    PlanError
        Listing every problem at once: a feature outside the area, demolition of more
        dwellings than a buurt has, a buurt without the statistics needed.
    """
    problems: list[str] = []
    buurten = area.buurten
    polys = plan.polygons
    # ------------------------------------------------------------ inside the area?
    overlap = _overlap_with_buurten(polys, buurten)
    inside_m2 = np.array([sum(overlap.get(i, {}).values()) for i in polys.index], dtype=float)
    area_m2 = polys["area_m2"].to_numpy(dtype=float)
    share_out = 1.0 - inside_m2 / area_m2 if len(polys) else np.zeros(0)
    outside = np.flatnonzero(share_out > MAX_OUTSIDE_SHARE)
    for k in outside[:MAX_LISTED]:
        i, row = polys.index[k], polys.iloc[k]
        problems.append(
            f"{_label(i, row)}: {nl_int(100 * share_out[k])} % van het vlak "
            f"({nl_area(share_out[k] * area_m2[k])} m²) ligt buiten de buurten van gebied "
            f"{area.name!r}. Leg het binnen het gebied, of controleer het coördinatenstelsel (het vlak ligt "
            f"op {_bounds_text(row.geometry)}; het gebied op {_bounds_text(buurten.total_bounds)}, EPSG:28992)."
        )
    _more(problems, len(outside), "vlakken liggen (deels) buiten het gebied")
    pts = plan.points
    if len(pts):
        off = pts.index[assign_buurt(pts, buurten).isna().to_numpy()]
        for i in off[:MAX_LISTED]:
            problems.append(
                f"{_label(i, pts.loc[i])}: het punt ligt buiten de buurten van gebied {area.name!r} "
                f"({_bounds_text(pts.loc[i].geometry)}). Leg het binnen het gebied."
            )
        _more(problems, len(off), "punten liggen buiten het gebied")
    if problems:
        _raise(plan, problems)

    city = city if city is not None else city_ratios(buurten)
    # ------------------------------------------------------------ new homes
    notes: list[str] = []
    new_homes = _new_home_points(polys, area, overlap, notes)
    # household size and apartments share per (feature, buurt)
    defaults_used: dict[str, list[str]] = {"huishoudgrootte": [], "meergezins_pct": []}
    feature = new_homes["_feature"].to_numpy()
    codes = new_homes["buurtcode"].to_numpy()
    hh = np.array(polys["huishoudgrootte"].reindex(feature), dtype=float)
    multi = np.array(polys["meergezins_pct"].reindex(feature), dtype=float)
    for values, of_buurt in ((hh, _household_size), (multi, _multi_share)):
        need = ~np.isfinite(values)
        for code in pd.unique(codes[need]):
            here = need & (codes == code)
            values[here] = of_buurt(code, buurten, city, defaults_used,
                                    _label(feature[here][0], polys.loc[feature[here][0]]))
    new_homes["residents"] = new_homes["dwellings"] * hh
    new_homes["_hh"] = hh
    new_homes["_multi_pct"] = multi

    # ------------------------------------------------------------ demolition
    demolished = _allocate_demolition(polys, area, overlap)  # (feature, buurt) -> dwellings
    dem_per_buurt: dict[str, float] = {}
    for (_, code), dw in demolished.items():
        dem_per_buurt[code] = dem_per_buurt.get(code, 0.0) + dw
    for code, dw in sorted(dem_per_buurt.items()):
        won = _num(buurten, code, "a_woning")
        inw = _num(buurten, code, "a_inw")
        name = buurten.at[code, "buurtnaam"]
        if not (won > 0) or not np.isfinite(inw):
            problems.append(
                f"woningen_sloop: het plan sloopt {nl_number(dw, 0 if float(dw).is_integer() else 1)} woningen in buurt {code} "
                f"({name}), maar het CBS geeft die buurt geen woningen (a_woning) of geen inwoners "
                f"(a_inw). Sloop kan alleen waar beide bekend zijn."
            )
        elif dw > won + 1e-9:
            problems.append(
                f"woningen_sloop: het plan sloopt {nl_number(dw, 0 if float(dw).is_integer() else 1)} woningen in buurt {code} "
                f"({name}), die er maar {nl_int(won)} heeft (CBS a_woning). Verlaag woningen_sloop "
                f"van: {_first_names(sorted({str(polys.at[f, 'naam']) for f, c in demolished if c == code}))}."
            )
    if problems:
        _raise(plan, problems)

    homes_after, changed, removed_res, dem_notes = _demolish_homes(area, polys, demolished, dem_per_buurt)
    notes += dem_notes

    # ------------------------------------------------------------ buurt changes
    changes = _buurt_changes(new_homes, polys, dem_per_buurt, removed_res, buurten)
    deltas = statistic_deltas(buurten, changes, city=city) if len(changes) else None
    buurten_after = apply_statistic_deltas(buurten, deltas) if deltas is not None else buurten.copy()
    wijken_after = None
    if area.wijken is not None:
        wijken_after = (update_wijk_statistics(area.wijken, buurten, changes, deltas=deltas)
                        if deltas is not None else area.wijken.copy())

    for code in changes.index:
        unknown = [c for c in ("a_inw", "a_woning", "a_hh", "p_wcorpw", "p_huurw", "p_koopw", "p_mgezw")
                   if c in buurten.columns and not np.isfinite(_num(buurten_after, code, c))]
        if unknown:
            notes.append(
                f"{buurten.at[code, 'buurtnaam']}: CBS geeft geen {', '.join(unknown)}; die blijven "
                f"onbekend na het plan (er wordt geen waarde verzonnen)."
            )

    # ------------------------------------------------------------ homes frame
    if area.homes is not None and len(new_homes):
        add = _as_home_rows(new_homes, area.homes)
        homes_after = gpd.GeoDataFrame(pd.concat([homes_after, add]), geometry=area.homes.geometry.name,
                                       crs=settings.crs)
        homes_after.index.name = area.homes.index.name
        new_index = add.index
    else:
        new_index = pd.RangeIndex(len(new_homes))
        if len(new_homes):
            notes.append(
                f"Het gebied heeft geen woningpunten ({area.missing.get('homes', 'ontbreken')}); "
                f"de nieuwe woningen tellen mee in de CBS-cijfers maar niet in de bereikbaarheid."
            )
    new_homes = new_homes.set_index(pd.Index(new_index, name=area.homes.index.name if area.homes is not None else None))

    # ------------------------------------------------------------ green and facilities
    new_green = _new_green(polys)
    from afweging.layers.green import green_polygons

    green_in_area = green_polygons(area) is not None
    green_after = area.green
    if green_in_area and len(new_green):
        assert area.green is not None
        add_green = new_green[["kind", "geometry"]].copy()
        add_green.index = _continue_index(area.green.index, len(add_green), prefix="plan-groen-")
        green_after = gpd.GeoDataFrame(pd.concat([area.green, add_green]), geometry=area.green.geometry.name,
                                       crs=settings.crs)
    elif len(new_green):
        notes.append(
            f"Dit gebied kent groen alleen als punten ({area.missing.get('green', 'geen groenvlakken')}): "
            f"het nieuwe groen telt in de plantoets mee met zijn m²; in de groenlaag alleen als "
            f"parkpunt (vanaf {nl_number(settings.green_min_area_m2 / 10_000, 1)} ha)."
        )
    new_fac = _new_facilities(plan, new_green)
    fac_after = area.facilities
    if len(new_fac):
        new_fac["buurtcode"] = assign_buurt(new_fac, buurten).to_numpy()
        if area.facilities is not None:
            add_fac = as_facility_rows(new_fac, area.facilities)
            fac_after = gpd.GeoDataFrame(pd.concat([area.facilities, add_fac]),
                                         geometry=area.facilities.geometry.name, crs=settings.crs)
            new_fac.index = add_fac.index
        else:
            fac_after = gpd.GeoDataFrame(new_fac[["category", "buurtcode", "name", "plan_feature", "geometry"]],
                                         geometry="geometry", crs=settings.crs)

    provenance = dict(area.provenance)
    provenance["plan"] = Provenance(source=f"plan {plan.name}", path=plan.source)
    missing = dict(area.missing)
    for piece, value in (("homes", homes_after), ("facilities", fac_after), ("green", green_after)):
        if value is not None and len(value):
            missing.pop(piece, None)
    after = dataclasses.replace(
        area,
        name=area.name,  # same name: the caveats of before and after then read the same
        buurten=buurten_after,
        wijken=wijken_after,
        homes=homes_after,
        facilities=fac_after,
        green=green_after,
        networks=dict(area.networks),
        rasters=dict(area.rasters),
        lines=dict(area.lines),
        provenance=provenance,
        missing=missing,
        meta={**area.meta, "plan": plan.name},
    )
    used = {k: "; ".join(sorted(set(v))) for k, v in defaults_used.items() if v}
    return AppliedPlan(
        before=area,
        after=after,
        plan=plan,
        new_homes=new_homes.drop(columns=["_feature", "_hh", "_multi_pct"]),
        changed_homes=changed,
        new_facilities=new_fac,
        new_green=new_green,
        green_in_area=green_in_area,
        buurt_changes=changes,
        defaults_used=used,
        notes=notes,
    )


# ============================================================================ helpers
def _raise(plan: Plan, problems: list[str]) -> None:
    listing = "\n".join(f"  - {p}" for p in problems)
    raise PlanError(
        f"{plan.source}: het plan kan niet worden toegepast ({len(problems)} "
        f"{'probleem' if len(problems) == 1 else 'problemen'}):\n{listing}"
    )


def _more(problems: list[str], n: int, what: str) -> None:
    if n > MAX_LISTED:
        problems.append(f"en nog {nl_int(n - MAX_LISTED)} {what}")


def _label(i: Any, row: pd.Series) -> str:
    return f"object {i} ({row['naam']!r})"


def _new_home_points(polys: gpd.GeoDataFrame, area: Area, overlap: dict[Any, dict[str, float]],
                     notes: list[str]) -> gpd.GeoDataFrame:
    """The home points of every wonen polygon, with buurt, dwellings per point and feature."""
    buurten = area.buurten
    wonen = polys[(polys["functie"] == "wonen") & (polys["woningen"] > 0)]
    streets = _StreetLines(area) if (wonen["verdeling"] == "straten").any() else None
    xy_parts, feats = [], []
    for i, row in zip(wonen.index, wonen.itertuples(index=False), strict=True):
        xy, how = _home_points(row, area, streets)
        if how:
            notes.append(how)
        xy_parts.append(xy)
        feats.append(np.full(len(xy), i, dtype=object))
    if not xy_parts:
        return gpd.GeoDataFrame({"buurtcode": [], "dwellings": [], "plan_feature": [], "_feature": []},
                                geometry=[], crs=settings.crs)
    xy = np.vstack(xy_parts)
    feature = np.concatenate(feats)
    frame = gpd.GeoDataFrame({"_feature": feature}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
                             crs=settings.crs)
    frame["buurtcode"] = assign_buurt(frame, buurten).to_numpy()
    frame = frame[frame["buurtcode"].notna()]
    lost = wonen.index.difference(pd.Index(frame["_feature"].unique()))
    if len(lost):  # every point of a polygon fell just outside: one point in its largest overlap
        rescue = []
        for i in lost:
            code = max(overlap[i], key=lambda c: overlap[i][c])
            part = shapely.intersection(polys.geometry.loc[i], buurten.geometry.loc[code])
            rescue.append({"_feature": i, "buurtcode": code, "geometry": part.representative_point()})
        frame = gpd.GeoDataFrame(pd.concat([frame, gpd.GeoDataFrame(rescue, geometry="geometry", crs=settings.crs)],
                                           ignore_index=True), geometry="geometry", crs=settings.crs)
    frame = frame.reset_index(drop=True)
    per_feature = frame.groupby("_feature")["_feature"].transform("size").to_numpy(dtype=float)
    frame["dwellings"] = wonen.loc[frame["_feature"], "woningen"].to_numpy(dtype=float) / per_feature
    frame["plan_feature"] = wonen.loc[frame["_feature"], "naam"].to_numpy()
    return frame[["buurtcode", "dwellings", "plan_feature", "_feature", "geometry"]]


def _first_names(names: list[str]) -> str:
    return ", ".join(names[:MAX_LISTED]) + (f" en {nl_int(len(names) - MAX_LISTED)} meer" if len(names) > MAX_LISTED else "")


def _bounds_text(geom_or_bounds: Any) -> str:
    b = geom_or_bounds.bounds if hasattr(geom_or_bounds, "bounds") else geom_or_bounds
    return f"x {b[0]:.0f}-{b[2]:.0f}, y {b[1]:.0f}-{b[3]:.0f}"


def _num(frame: pd.DataFrame, code: Any, col: str) -> float:
    if col not in frame.columns:
        return math.nan
    try:
        return float(frame.at[code, col])
    except (TypeError, ValueError):
        return math.nan


def _overlap_with_buurten(polys: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> dict[Any, dict[str, float]]:
    """Per polygon: m² of overlap with each buurt it touches."""
    out: dict[Any, dict[str, float]] = {i: {} for i in polys.index}
    if not len(polys):
        return out
    ip, ib = buurten.sindex.query(polys.geometry, predicate="intersects")
    if len(ip):
        inter = shapely.area(shapely.intersection(polys.geometry.to_numpy()[ip], buurten.geometry.to_numpy()[ib]))
        for p, b, a in zip(ip, ib, inter, strict=True):
            if a > 0:
                out[polys.index[p]][buurten.index[b]] = float(a)
    return out


def city_ratios(buurten: pd.DataFrame) -> dict[str, float]:
    """Area-wide ratios used where a buurt lacks the statistic (household size, the share
    of apartments, the age/sex and household make-up of all residents)."""
    def total(col: str) -> pd.Series:
        if col not in buurten.columns:
            return pd.Series(np.nan, index=buurten.index)
        return pd.to_numeric(buurten[col], errors="coerce")

    inw, hh, won = total("a_inw"), total("a_hh"), total("a_woning")
    present = [c for c in (*PERSON_COLUMNS, *HOUSEHOLD_COLUMNS) if c in buurten.columns]
    block = buurten[present].apply(pd.to_numeric, errors="coerce")
    ok = inw.notna() & hh.notna() & (hh > 0)
    out = {"hh_size": float(inw[ok].sum() / hh[ok].sum()) if ok.any() else math.nan}
    pm = total("p_mgezw")
    okm = pm.notna() & won.notna()
    out["p_mgezw"] = float((pm[okm] * won[okm]).sum() / won[okm].sum()) if okm.any() and won[okm].sum() > 0 else math.nan
    for col in PERSON_COLUMNS:
        x = block[col] if col in block.columns else pd.Series(np.nan, index=buurten.index)
        okc = x.notna() & inw.notna()
        out[f"share:{col}"] = float(x[okc].sum() / inw[okc].sum()) if okc.any() and inw[okc].sum() > 0 else math.nan
    for col in HOUSEHOLD_COLUMNS:
        x = block[col] if col in block.columns else pd.Series(np.nan, index=buurten.index)
        okc = x.notna() & hh.notna()
        out[f"hhshare:{col}"] = float(x[okc].sum() / hh[okc].sum()) if okc.any() and hh[okc].sum() > 0 else math.nan
    return out


def _household_size(code: str, buurten: pd.DataFrame, city: dict[str, float],
                    used: dict[str, list[str]], label: str) -> float:
    """The household size of a buurt's new dwellings when the plan gives none."""
    name = buurten.at[code, "buurtnaam"]
    g = _num(buurten, code, "g_hhgro")
    if np.isfinite(g) and g > 0:
        used["huishoudgrootte"].append(f"{name}: {nl_number(g, 1)} (CBS g_hhgro)")
        return g
    inw, hh = _num(buurten, code, "a_inw"), _num(buurten, code, "a_hh")
    if np.isfinite(inw) and hh > 0 and inw > 0:
        used["huishoudgrootte"].append(f"{name}: {nl_number(inw / hh, 2)} (CBS a_inw / a_hh)")
        return inw / hh
    if np.isfinite(city["hh_size"]):
        used["huishoudgrootte"].append(f"{name}: {nl_number(city['hh_size'], 2)} (gemiddelde van het gebied)")
        return city["hh_size"]
    raise PlanError(
        f"{label}: geen huishoudgrootte voor buurt {code}: CBS g_hhgro, "
        f"a_inw en a_hh zijn onbekend. Geef huishoudgrootte in het plan (bewoners per nieuwe woning)."
    )


def _multi_share(code: str, buurten: pd.DataFrame, city: dict[str, float],
                 used: dict[str, list[str]], label: str) -> float:
    """The share of apartments among a buurt's new dwellings when the plan gives none."""
    name = buurten.at[code, "buurtnaam"]
    p = _num(buurten, code, "p_mgezw")
    if np.isfinite(p):
        used["meergezins_pct"].append(f"{name}: {nl_number(p)} % (CBS p_mgezw)")
        return p
    if np.isfinite(city["p_mgezw"]):
        used["meergezins_pct"].append(f"{name}: {nl_number(city['p_mgezw'])} % (gemiddelde van het gebied)")
        return city["p_mgezw"]
    used["meergezins_pct"].append(f"{name}: 100 % (geen CBS-cijfer)")
    return 100.0


def _grid_points(poly: Any, spacing: float) -> np.ndarray:
    minx, miny, maxx, maxy = poly.bounds
    x0 = math.floor(minx / spacing) * spacing + spacing / 2
    y0 = math.floor(miny / spacing) * spacing + spacing / 2
    xs = np.arange(x0, maxx, spacing)
    ys = np.arange(y0, maxy, spacing)
    mx, my = np.meshgrid(xs, ys)
    gx, gy = mx.ravel(), my.ravel()
    inside = shapely.contains_xy(poly, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def _home_points(row: Any, area: Area, streets: _StreetLines | None) -> tuple[np.ndarray, str]:
    """Home point coordinates for a wonen polygon (a row of ``itertuples``), and a Dutch
    note when the spread fell back."""
    poly = row.geometry
    n = int(row.woningen)
    # never more points than dwellings: widen the grid for a sparse programme
    spacing = max(HOME_SPACING_M, math.sqrt(poly.area / n))
    note = ""
    if row.verdeling == "straten":
        if streets is not None and streets.lines is not None:
            xy = streets.points(poly, spacing)
            if len(xy):
                return xy, note
            note = (f"{row.naam}: geen straat van het netwerk binnen het vlak; de woningen "
                    f"zijn over het vlak verdeeld.")
        else:
            note = (f"{row.naam}: het gebied heeft geen straatnetwerk; de woningen zijn over "
                    f"het vlak verdeeld in plaats van langs de straten.")
        warnings.warn(note, stacklevel=5)
    xy = _grid_points(poly, spacing)
    if len(xy) == 0:
        p = poly.representative_point()
        xy = np.array([[p.x, p.y]])
    return xy, note


class _StreetLines:
    """The street lines of the area's walk network (else bike), each street once, with a
    spatial index: built once per plan, queried per polygon."""

    def __init__(self, area: Area) -> None:
        mode = "walk" if "walk" in area.networks else ("bike" if "bike" in area.networks else None)
        self.lines: np.ndarray | None = None
        if mode is None:
            return
        net = as_street_network(area.networks[mode], what=f"Area.networks[{mode!r}]")
        # each pair of nodes once: the first edge stored between them
        lo, hi = np.minimum(net.u, net.v), np.maximum(net.u, net.v)
        _, first = np.unique(lo.astype(np.int64) * net.n_nodes + hi, return_index=True)
        self.lines = net.lines(np.sort(first))
        self.tree = shapely.STRtree(self.lines)

    def points(self, poly: Any, spacing: float) -> np.ndarray:
        """Points every ``spacing`` m along the streets inside ``poly`` (at most one per
        ``spacing²`` of its area)."""
        assert self.lines is not None
        return _street_points(poly, self.lines[self.tree.query(poly, predicate="intersects")], spacing)


def _street_points(poly: Any, lines: np.ndarray, spacing: float) -> np.ndarray:
    if not len(lines):
        return np.empty((0, 2))
    clipped = shapely.intersection(lines, poly)
    parts = shapely.get_parts(clipped)
    parts = parts[shapely.get_type_id(parts) == 1]  # LineString
    out = []
    for line in parts:
        length = line.length
        if length <= 0:
            continue
        k = max(1, round(length / spacing))
        dists = (np.arange(k) + 0.5) * length / k
        pts = shapely.line_interpolate_point(line, dists)
        out.append(shapely.get_coordinates(pts))
    if not out:
        return np.empty((0, 2))
    xy = np.unique(np.round(np.vstack(out), 1), axis=0)
    n_max = max(1, int(poly.area / spacing**2))
    if len(xy) > n_max:  # thin out evenly (deterministic)
        xy = xy[np.linspace(0, len(xy) - 1, n_max).round().astype(int)]
    return xy


def _allocate_demolition(polys: gpd.GeoDataFrame, area: Area,
                         overlap: dict[Any, dict[str, float]]) -> dict[tuple[Any, str], float]:
    out: dict[tuple[Any, str], float] = {}
    sloop = polys[(polys["functie"] == "wonen") & (polys["woningen_sloop"] > 0)]
    for i, row in sloop.iterrows():
        weights: dict[str, float] = {}
        if area.homes is not None and len(area.homes):
            idx = area.homes.sindex.query(row.geometry, predicate="intersects")
            if len(idx):
                sub = area.homes.iloc[idx]
                res = pd.to_numeric(sub["residents"], errors="coerce").fillna(0.0)
                weights = {str(k): float(v) for k, v in res.groupby(sub["buurtcode"]).sum().items() if v > 0}
        if not weights:
            weights = overlap.get(i, {})
        total = sum(weights.values())
        for code, w in weights.items():
            out[(i, code)] = float(row["woningen_sloop"]) * w / total
    return out


def _demolish_homes(
    area: Area, polys: gpd.GeoDataFrame, demolished: dict[tuple[Any, str], float],
    dem_per_buurt: dict[str, float],
) -> tuple[gpd.GeoDataFrame | None, pd.Index, dict[str, float], list[str]]:
    """Remove the residents of demolished dwellings from the home points."""
    buurten = area.buurten
    removed = {code: dw * _num(buurten, code, "a_inw") / _num(buurten, code, "a_woning")
               for code, dw in dem_per_buurt.items()}
    if area.homes is None or not demolished:
        return area.homes, pd.Index([]), removed, []
    homes = area.homes.copy()
    res = pd.to_numeric(homes["residents"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    new_res = res.copy()
    has_dw = "dwellings" in homes.columns
    notes: list[str] = []
    codes = homes["buurtcode"].to_numpy()
    for code, r_dem in removed.items():
        in_buurt = codes == code
        inside = np.zeros(len(homes), dtype=bool)
        for (fi, c) in demolished:
            if c == code:
                idx = homes.sindex.query(polys.at[fi, "geometry"], predicate="intersects")
                inside[idx] = True
        inside &= in_buurt
        r_in = new_res[inside].sum()
        if r_in >= r_dem - 1e-9 and r_in > 0:
            new_res[inside] *= 1.0 - r_dem / r_in
            continue
        rest = r_dem - r_in
        new_res[inside] = 0.0
        others = in_buurt & ~inside
        r_other = new_res[others].sum()
        if r_other > 0:
            new_res[others] *= max(0.0, 1.0 - rest / r_other)
        name = buurten.at[code, "buurtnaam"]
        msg = (f"Sloop in {name}: de woningpunten binnen het plan hebben {nl_int(r_in)} bewoners, "
               f"de sloop haalt er {nl_int(r_dem)} weg (gemiddelde bewoners per woning van de buurt); "
               f"de rest ({nl_int(rest)}) is naar rato van de andere woningen van de buurt afgehaald.")
        notes.append(msg)
        warnings.warn(msg, stacklevel=4)
    changed_mask = ~np.isclose(new_res, res)
    ratio = np.divide(new_res, res, out=np.ones_like(res), where=res > 0)
    homes["residents"] = new_res
    if has_dw:
        homes["dwellings"] = pd.to_numeric(homes["dwellings"], errors="coerce").to_numpy(dtype=float) * ratio
    return homes, homes.index[changed_mask], removed, notes


def _buurt_changes(new_homes: gpd.GeoDataFrame, polys: gpd.GeoDataFrame, dem_per_buurt: dict[str, float],
                   removed_res: dict[str, float], buurten: pd.DataFrame) -> pd.DataFrame:
    cols = ["woningen_nieuw", "woningen_sloop", "inwoners_nieuw", "inwoners_weg", "sociale_huur",
            "middenhuur", "betaalbare_koop", "vrije_huur", "vrije_koop", "meergezins"]
    parts = []
    if len(new_homes):
        f = polys.loc[new_homes["_feature"].to_numpy()]
        dw = new_homes["dwellings"].to_numpy(dtype=float)
        social = dw * f["sociale_huur_pct"].to_numpy(dtype=float) / 100
        mid = dw * f["middenhuur_pct"].to_numpy(dtype=float) / 100
        afford = dw * f["betaalbare_koop_pct"].to_numpy(dtype=float) / 100
        free_rent = dw * f["vrije_huur_pct"].to_numpy(dtype=float) / 100
        frame = pd.DataFrame({
            "buurtcode": new_homes["buurtcode"].to_numpy(),
            "woningen_nieuw": dw,
            "inwoners_nieuw": new_homes["residents"].to_numpy(dtype=float),
            "sociale_huur": social, "middenhuur": mid, "betaalbare_koop": afford,
            "vrije_huur": free_rent, "vrije_koop": dw - social - mid - afford - free_rent,
            "meergezins": dw * new_homes["_multi_pct"].to_numpy(dtype=float) / 100,
        })
        parts.append(frame.groupby("buurtcode").sum())
    if dem_per_buurt:
        parts.append(pd.DataFrame({"woningen_sloop": pd.Series(dem_per_buurt),
                                   "inwoners_weg": pd.Series(removed_res)}))
    if not parts:
        out = pd.DataFrame(columns=cols, dtype=float)
    else:
        out = pd.concat(parts, axis=1).T.groupby(level=0).sum().T if len(parts) > 1 else parts[0]
        out = out.reindex(columns=cols).fillna(0.0).astype(float)
    out.index.name = "buurtcode"
    with np.errstate(invalid="ignore", divide="ignore"):
        out["huishoudgrootte"] = out["inwoners_nieuw"] / out["woningen_nieuw"]
    return out.sort_index()


def update_statistics(buurten: gpd.GeoDataFrame, changes: pd.DataFrame, *,
                      city: dict[str, float] | None = None) -> gpd.GeoDataFrame:
    """The buurten with their CBS statistics updated for the plan's changes.

    ``changes`` is :attr:`AppliedPlan.buurt_changes`. Returns a new frame (the input is
    not modified); only the rows in ``changes`` differ. See the module doc for the rules.

    Examples
    --------
    100 new dwellings with 2 residents each, 40 % social rent, in a buurt of 100
    dwellings and 200 residents of which 50 are aged 0-14 and 20 % corporation-owned:

    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame({"buurtnaam": ["A"], "wijkcode": ["W"], "a_inw": [200.0],
    ...     "a_00_14": [50.0], "a_woning": [100.0], "a_hh": [100.0], "p_wcorpw": [20.0]},
    ...     geometry=[box(0, 0, 1, 1)], index=pd.Index(["BU1"], name="buurtcode"), crs="EPSG:28992")
    >>> ch = pd.DataFrame({"woningen_nieuw": [100.0], "woningen_sloop": [0.0],
    ...     "inwoners_nieuw": [200.0], "inwoners_weg": [0.0], "sociale_huur": [40.0],
    ...     "middenhuur": [0.0], "betaalbare_koop": [0.0], "vrije_huur": [0.0],
    ...     "vrije_koop": [60.0], "meergezins": [100.0]}, index=pd.Index(["BU1"], name="buurtcode"))
    >>> out = update_statistics(b, ch)
    >>> out.loc["BU1", ["a_inw", "a_00_14", "a_woning", "a_hh", "p_wcorpw"]].tolist()
    [400.0, 100.0, 200.0, 200.0, 30.0]
    """
    out = buurten.copy()
    if len(changes) == 0:
        return out
    city = city if city is not None else city_ratios(buurten)
    deltas = statistic_deltas(buurten, changes, city=city)
    return apply_statistic_deltas(out, deltas)


def statistic_deltas(buurten: pd.DataFrame, changes: pd.DataFrame, *, city: dict[str, float]) -> pd.DataFrame:
    """Change of every count (persons, households, dwellings by kind) per changed buurt.

    Columns: the counts of :data:`PERSON_COLUMNS` and :data:`HOUSEHOLD_COLUMNS`,
    ``a_woning``, and ``n:{p}`` for the number of dwellings behind each percentage of
    :data:`DWELLING_PCT_COLUMNS`. NaN where the buurt's statistic is unknown (it stays
    unknown after the plan).
    """
    rows = {}
    for code, ch in changes.iterrows():
        won = _num(buurten, code, "a_woning")
        inw = _num(buurten, code, "a_inw")
        hh = _num(buurten, code, "a_hh")
        dem, new = ch["woningen_sloop"], ch["woningen_nieuw"]
        r_new, r_dem = ch["inwoners_nieuw"], ch["inwoners_weg"]
        keep_dw = 1.0 - dem / won if won > 0 else 1.0
        d: dict[str, float] = {"a_woning": new - dem}
        for col in PERSON_COLUMNS:
            x = _num(buurten, code, col)
            if not np.isfinite(x):
                d[col] = math.nan
                continue
            if col == "a_inw":
                share = 1.0
            elif inw > 0:
                share = x / inw
            else:
                share = city.get(f"share:{col}", math.nan)
            lost = x * r_dem / inw if inw > 0 else 0.0
            d[col] = r_new * share - lost
        for col in HOUSEHOLD_COLUMNS:
            x = _num(buurten, code, col)
            if not np.isfinite(x):
                d[col] = math.nan
                continue
            share = 1.0 if col == "a_hh" else (x / hh if hh > 0 else city.get(f"hhshare:{col}", math.nan))
            d[col] = new * share - x * (1.0 - keep_dw)
        newc = {
            "p_wcorpw": ch["sociale_huur"],
            "p_huurw": ch["sociale_huur"] + ch["middenhuur"] + ch["vrije_huur"],
            "p_ov_hw": ch["middenhuur"] + ch["vrije_huur"],
            "p_koopw": ch["betaalbare_koop"] + ch["vrije_koop"],
            "p_e_o_w": 0.0,
            "p_mgezw": ch["meergezins"],
            "p_1gezw": new - ch["meergezins"],
            "p_bjo2k": new,
            "p_bjj2k": 0.0,
            "p_bewndw": new,
            "p_leegsw": 0.0,
        }
        for col in DWELLING_PCT_COLUMNS:
            p = _num(buurten, code, col)
            if won == 0:
                count = 0.0  # no dwellings before: the share of nothing is irrelevant
            elif not np.isfinite(p) or not np.isfinite(won):
                d[f"n:{col}"] = math.nan
                continue
            else:
                count = p / 100.0 * won
            d[f"n:{col}"] = newc[col] - count * (1.0 - keep_dw)
        rows[code] = d
    return pd.DataFrame.from_dict(rows, orient="index")


def apply_statistic_deltas(frame: gpd.GeoDataFrame, deltas: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add count deltas to ``frame`` (buurten or wijken) and recompute the shares.

    ``deltas`` is indexed by the codes to change and holds any of the count columns of
    :func:`statistic_deltas` (absent columns are left alone); ``g_hhgro`` and
    ``bev_dich`` of the changed rows are recomputed. Returns a new frame.
    """
    wanted = (*PERSON_COLUMNS, *HOUSEHOLD_COLUMNS, "a_woning", *DWELLING_PCT_COLUMNS,
              "g_hhgro", "bev_dich", "a_lan_ha")
    cols = [c for c in wanted if c in frame.columns]
    pos = frame.index.get_indexer(deltas.index)
    full = {c: (frame[c].to_numpy(dtype=float, copy=True) if frame[c].dtype == np.float64
                else pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, copy=True)) for c in cols}
    old = {c: a[pos] for c, a in full.items()}
    new = dict(old)

    def delta(col: str) -> np.ndarray:
        return deltas[col].to_numpy(dtype=float)

    for col in (*PERSON_COLUMNS, *HOUSEHOLD_COLUMNS, "a_woning"):
        if col in cols and col in deltas.columns:
            new[col] = old[col] + delta(col)
    with np.errstate(invalid="ignore", divide="ignore"):
        if "a_woning" in cols:
            won0, won1 = old["a_woning"], new["a_woning"]
            for col in DWELLING_PCT_COLUMNS:
                if col in cols and f"n:{col}" in deltas.columns:
                    count0 = np.where(won0 != 0, old[col] / 100.0 * won0, 0.0)
                    count1 = count0 + delta(f"n:{col}")
                    new[col] = np.where(won1 > 0, 100.0 * count1 / won1, np.nan)
        if {"a_inw", "a_hh", "g_hhgro"} <= set(cols):
            new["g_hhgro"] = np.where(new["a_hh"] > 0, new["a_inw"] / new["a_hh"], np.nan)
        if {"bev_dich", "a_inw"} <= set(cols):
            scaled = np.where(old["a_inw"] > 0, old["bev_dich"] * new["a_inw"] / old["a_inw"], np.nan)
            if "a_lan_ha" in cols:
                lan = old["a_lan_ha"]
                by_land = np.where(lan > 0, new["a_inw"] / (lan / 100.0), np.nan)
                scaled = np.where(np.isnan(scaled), by_land, scaled)
            new["bev_dich"] = scaled
    changed = [c for c in cols if c != "a_lan_ha"]
    for col in changed:
        full[col][pos] = new[col]
    if (isinstance(frame, gpd.GeoDataFrame) and frame.columns.is_unique and not frame.attrs
            and getattr(frame, "_geometry_column_name", None) in frame.columns
            and not any(t == np.object_ for t in frame.dtypes)):  # the constructor would make object text str
        # a new frame of the columns (the changed ones as floats): as frame.copy() with the
        # changed columns set, without setting them one by one
        set_now = set(changed)
        return gpd.GeoDataFrame({c: (full[c] if c in set_now else _column_array(frame, i))
                                 for i, c in enumerate(frame.columns)},
                                index=frame.index, columns=frame.columns, geometry=frame.geometry.name,
                                crs=frame.crs)
    out = frame.copy()
    out[changed] = pd.DataFrame({c: full[c] for c in changed}, index=frame.index)
    return out


def _column_array(frame: pd.DataFrame, i: int) -> Any:
    """``frame.iloc[:, i].array`` (the same array object), without building the Series:
    the GeoDataFrame's column lookup costs about 10 µs a column, 1.4 ms for the 129
    columns of Utrecht's buurten."""
    get = getattr(frame, "_get_column_array", None)  # pandas-internal: fall back if it goes
    if get is None:
        return frame.iloc[:, i].array
    arr = get(i)
    return pd.arrays.NumpyExtensionArray(arr) if isinstance(arr, np.ndarray) else arr


def update_wijk_statistics(wijken: gpd.GeoDataFrame, buurten_before: pd.DataFrame,
                           changes: pd.DataFrame, *, deltas: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The wijken with the buurt deltas added up per wijk (same rules as the buurten)."""
    if len(changes) == 0:
        return wijken.copy()
    if deltas is None:
        deltas = statistic_deltas(buurten_before, changes, city=city_ratios(buurten_before))
    wijk_of = buurten_before.loc[deltas.index, "wijkcode"]
    per_wijk = deltas.groupby(wijk_of.to_numpy()).sum(min_count=1)
    per_wijk = per_wijk[per_wijk.index.isin(wijken.index)]
    return apply_statistic_deltas(wijken, per_wijk)


def _as_home_rows(new_homes: gpd.GeoDataFrame, homes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """New home points in the layout of ``homes`` (other columns are left to concat: NaN)."""
    cols: dict[str, Any] = {
        "buurtcode": new_homes["buurtcode"].to_numpy(),
        "residents": new_homes["residents"].to_numpy(dtype=float),
        "plan_feature": new_homes["plan_feature"].to_numpy(),
    }
    if "dwellings" in homes.columns:
        cols["dwellings"] = new_homes["dwellings"].to_numpy(dtype=float)
    if "origin" in homes.columns:
        cols["origin"] = PLAN_TAG
    index = _continue_index(homes.index, len(new_homes), prefix="plan-woning-")
    gdf = gpd.GeoDataFrame(cols, geometry=list(new_homes.geometry), index=index, crs=settings.crs)
    if homes.geometry.name != "geometry":
        gdf = gdf.rename_geometry(homes.geometry.name)
    return gdf


def _continue_index(index: pd.Index, n: int, *, prefix: str) -> pd.Index:
    if n == 0:
        return pd.Index([], dtype=index.dtype)
    if pd.api.types.is_integer_dtype(index.dtype):
        start = int(index.max()) + 1 if len(index) else 0
        return pd.RangeIndex(start, start + n)
    return pd.Index([f"{prefix}{k}" for k in range(n)])


def _new_green(polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Green polygons (whole) and groen_m2 of housing polygons (an inner polygon), in plan order."""
    whole = (polys["functie"] == "groen").to_numpy()
    inner = ((polys["functie"] == "wonen") & (polys["groen_m2"] > 0)).to_numpy()
    keep = whole | inner
    if not keep.any():
        return gpd.GeoDataFrame({"plan_feature": [], "area_m2": [], "how": [], "kind": []},
                                geometry=[], crs=settings.crs)
    sub = polys[keep]
    is_whole = whole[keep]
    geoms = sub.geometry.to_numpy().copy()
    m2 = np.where(is_whole, sub["area_m2"].to_numpy(dtype=float), sub["groen_m2"].to_numpy(dtype=float))
    for k in np.flatnonzero(~is_whole):
        geoms[k] = inner_polygon(geoms[k], float(m2[k]))
    return gpd.GeoDataFrame({"plan_feature": sub["naam"].to_numpy(), "area_m2": m2,
                             "how": np.where(is_whole, "vlak", "groen_m2"), "kind": PLAN_TAG},
                            geometry=geoms, crs=settings.crs)


def inner_polygon(poly: Any, area_m2: float) -> Any:
    """The polygon shrunk inwards (negative buffer) to the given area (within 0.1 %).

    Stands for green of known size but unknown location inside a plan polygon.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> round(inner_polygon(box(0, 0, 100, 100), 2_500).area)
    2500
    """
    total = poly.area
    if area_m2 >= total:
        return poly
    lo, hi = 0.0, math.sqrt(total)
    best = poly
    for _ in range(60):
        mid = (lo + hi) / 2
        shrunk = poly.buffer(-mid, join_style="mitre")
        a = shrunk.area
        if a > area_m2:
            lo = mid
            best = shrunk
        else:
            hi = mid
        if abs(a - area_m2) <= 0.001 * area_m2 and a > 0:
            return shrunk
    return best


def _new_facilities(plan: Plan, new_green: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Facility points: the plan's points, voorziening polygons with a categorie, play space
    (spelen polygons, speelruimte_m2) and parks (new green of at least green_min_area_m2)."""
    pts, polys = plan.points, plan.polygons
    names = polys["naam"].to_numpy(dtype=object)
    rep = shapely.point_on_surface(polys.geometry.to_numpy())
    fac = ((polys["functie"] == "voorziening") & polys["categorie"].notna() & (polys["categorie"] != "")).to_numpy()
    play = ((polys["functie"] == "spelen") | (polys["speelruimte_m2"] > 0)).to_numpy()
    park = (new_green["area_m2"] >= settings.green_min_area_m2).to_numpy()
    green_names = new_green["plan_feature"].to_numpy(dtype=object)
    parts = [
        (pts["categorie"].to_numpy(dtype=object), pts["naam"].to_numpy(dtype=object),
         pts["naam"].to_numpy(dtype=object), pts.geometry.to_numpy()),
        (polys["categorie"].to_numpy(dtype=object)[fac], names[fac], names[fac], rep[fac]),
        (np.full(play.sum(), "speelplek", dtype=object), np.char.add(names[play].astype(str), " (speelruimte)"),
         names[play], rep[play]),
        (np.full(park.sum(), "park", dtype=object), np.char.add(green_names[park].astype(str), " (groen)"),
         green_names[park], shapely.point_on_surface(new_green.geometry.to_numpy()[park])),
    ]
    if not sum(len(p[0]) for p in parts):
        return gpd.GeoDataFrame({"category": [], "name": [], "plan_feature": []}, geometry=[], crs=settings.crs)
    return gpd.GeoDataFrame(
        {"category": np.concatenate([p[0] for p in parts]), "name": np.concatenate([p[1] for p in parts]).astype(object),
         "plan_feature": np.concatenate([p[2] for p in parts])},
        geometry=np.concatenate([p[3] for p in parts]), crs=settings.crs)


def as_facility_rows(new_fac: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """New facility points (``category``, ``buurtcode``, ``name``, ``plan_feature``) in the
    layout of ``facilities``, their index continuing its index."""
    cols: dict[str, Any] = {
        "category": new_fac["category"].to_numpy(),
        "buurtcode": new_fac["buurtcode"].to_numpy(),
        "name": new_fac["name"].to_numpy(),
        "plan_feature": new_fac["plan_feature"].to_numpy(),
    }
    if "osm_key" in facilities.columns:
        cols["osm_key"] = PLAN_TAG
    if "osm_value" in facilities.columns:
        cols["osm_value"] = new_fac["category"].to_numpy()
    index = _continue_index(facilities.index, len(new_fac), prefix="plan-voorziening-")
    gdf = gpd.GeoDataFrame(cols, geometry=list(new_fac.geometry), index=index, crs=settings.crs)
    if facilities.geometry.name != "geometry":
        gdf = gdf.rename_geometry(facilities.geometry.name)
    return gdf
