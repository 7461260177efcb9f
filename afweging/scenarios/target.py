"""The Area in the target year: plans built, facilities opened and closed, population forecast.

Steps (``docs/scenario_format.md``, "Methode"):

1. Every plan completed by the target year is applied with the plan check's own rules
   (:func:`afweging.analyses.plan.apply_plan`: new homes and residents = dwellings x
   household size, demolition, CBS statistics, facilities and green), in order of
   completion year.
2. New facilities of the scenario are added as facility points (in the layout the plan
   check uses); closed facilities are removed (the nearest of their category within
   ``zoekafstand_m`` of the given point).
3. The population forecast is distributed over the buurten
   (:func:`afweging.scenarios.population.distribute`); the CBS person counts of the
   changed buurten and their wijken follow (``a_inw`` and the age bands from the
   forecast, the other person counts in proportion to ``a_inw``; households and dwellings
   stay those after the plans), and the residents of every existing home change by their
   buurt's factor. The new homes of the plans keep their residents.

The Area of today is not modified.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from afweging import settings
from afweging._errors import PlanError, ScenarioError
from afweging._format import nl_int
from afweging.analyses.plan.apply import (
    PERSON_COLUMNS,
    AppliedPlan,
    apply_plan,
    apply_statistic_deltas,
    as_facility_rows,
)
from afweging.analyses.plan.format import Plan, plan_from_frame, read_plan
from afweging.data.tags import load_tag_table
from afweging.geo.area import Area, assign_buurt
from afweging.scenarios.forecast import match_areas
from afweging.scenarios.model import FacilityChange, PlanEntry, Scenario
from afweging.scenarios.population import AgeModel, Distribution, distribute, present_by_area


@dataclass
class TargetYear:
    """The Area of the target year and how it was made.

    Attributes
    ----------
    area : Area
        The target year (``meta["scenario_year"]`` set).
    plans : list of (PlanEntry, AppliedPlan)
        The plans applied, in order.
    skipped : list of str
        Dutch notes: plans and facilities after the target year, left out.
    new_homes : GeoDataFrame
        Home points the plans added (``plan_feature``, ``residents``, ``dwellings``).
    new_facilities, closed_facilities : GeoDataFrame
        Facility points opened (by the plans and the scenario) and closed.
    opened_facilities : GeoDataFrame
        The scenario's own new facilities (``[[voorzieningen]]`` with ``actie = "nieuw"``).
    changed_homes : Index
        Existing homes whose residents a plan changed (demolition).
    plan_buurten : list of str
        Buurten with new or demolished dwellings.
    distribution : Distribution or None
        The forecast applied (None without a forecast).
    level : str or None
        Level of the forecast: ``stad``, ``wijk`` or ``buurt``.
    area_of : Series or None
        Per buurtcode its forecast area.
    model : AgeModel
    notes : list of str
        Dutch notes for the report (how plans were applied, forecast messages).
    warnings : list of str
        The forecast's notes a planner must see (in the report and the CLI): plans
        beyond the forecast, growth that only the existing homes can take
        (:attr:`~afweging.scenarios.population.Distribution.warnings`).
    """

    area: Area
    plans: list[tuple[PlanEntry, AppliedPlan]]
    skipped: list[str]
    new_homes: gpd.GeoDataFrame
    new_facilities: gpd.GeoDataFrame
    closed_facilities: gpd.GeoDataFrame
    opened_facilities: gpd.GeoDataFrame
    changed_homes: pd.Index
    plan_buurten: list[str]
    distribution: Distribution | None
    level: str | None
    area_of: pd.Series | None
    model: AgeModel
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def new_residents(self) -> pd.Series:
        """Per buurt the residents of the plans' new homes (0 elsewhere)."""
        idx = self.area.buurten.index
        if not len(self.new_homes):
            return pd.Series(0.0, index=idx)
        res = self.new_homes.groupby("buurtcode")["residents"].sum()
        return res.reindex(idx).fillna(0.0).astype(float)

    @property
    def new_dwellings(self) -> pd.Series:
        """Per buurt the plans' new dwellings (0 elsewhere)."""
        idx = self.area.buurten.index
        if not len(self.new_homes):
            return pd.Series(0.0, index=idx)
        return self.new_homes.groupby("buurtcode")["dwellings"].sum().reindex(idx).fillna(0.0).astype(float)


def base_year(area: Area, scenario: Scenario) -> int | None:
    """The year of "now": the scenario's ``basisjaar``, else the area's CBS year."""
    return scenario.base_year if scenario.base_year is not None else area.statistics_year


def check_years(area: Area, scenario: Scenario) -> list[str]:
    """Problems with the years of the scenario against the area (Dutch, with the fix)."""
    problems = []
    base = base_year(area, scenario)
    if scenario.base_year is not None and area.statistics_year is not None \
            and scenario.base_year != area.statistics_year:
        problems.append(
            f"basisjaar = {scenario.base_year}, maar de CBS-cijfers van {area.name} zijn van "
            f"{area.statistics_year}. Laat basisjaar weg of maak het gelijk aan het jaar van de cijfers."
        )
    if base is not None and scenario.target_year <= base:
        problems.append(
            f"doeljaar = {scenario.target_year} ligt niet na het basisjaar {base} (de CBS-cijfers van "
            f"nu). Kies een doeljaar na {base}."
        )
    if base is not None:
        for entry in scenario.plans:
            if entry.completion_year <= base:
                problems.append(
                    f"plan {entry.label}: gereed = {entry.completion_year} ligt niet na het basisjaar "
                    f"{base}; zijn bewoners zitten dan al in de CBS-cijfers en zouden dubbel tellen. "
                    f"Haal het plan uit het scenario of geef het jaar waarin het gereed is."
                )
    return problems


def target_area(area: Area, scenario: Scenario, *, model: AgeModel | None = None) -> TargetYear:
    """The Area in the scenario's target year (see the module doc).

    Raises
    ------
    ScenarioError
        Years that do not fit, a closed facility that cannot be found.
    PlanError
        A plan that cannot be read or applied (every problem of the file).
    ForecastError
        A forecast that does not fit the area or the plans.
    """
    year = scenario.target_year
    problems = check_years(area, scenario)
    if problems:
        _raise(scenario, problems)
    model = model or AgeModel(scenario.share_75_plus)
    skipped: list[str] = []
    notes: list[str] = []

    # ------------------------------------------------------------------ plans
    entries = sorted(enumerate(scenario.plans), key=lambda t: (t[1].completion_year, t[0]))
    current = area
    applied: list[tuple[PlanEntry, AppliedPlan]] = []
    read: list[tuple[PlanEntry, Plan]] = []
    plan_problems: list[str] = []
    for _, entry in entries:
        if entry.completion_year > year:
            skipped.append(f"Plan {entry.label} (gereed {entry.completion_year}) is na {year} klaar en "
                           f"telt niet mee.")
            continue
        try:
            read.append((entry, _as_plan(entry)))
        except PlanError as exc:
            plan_problems.append(str(exc))
    if plan_problems:
        raise PlanError("\n".join(plan_problems))
    for entry, plan in read:
        step = apply_plan(current, plan)
        applied.append((entry, step))
        notes += [f"{entry.label}: {n}" for n in step.notes]
        current = step.after

    # ------------------------------------------------------------------ facilities
    opening = [f for f in scenario.facilities if f.action == "nieuw"]
    closing = [f for f in scenario.facilities if f.action == "sluiten"]
    for f in scenario.facilities:
        if f.year > year:
            skipped.append(f"Voorziening {f.label} ({'opent' if f.action == 'nieuw' else 'sluit'} in "
                           f"{f.year}) valt na {year} en telt niet mee.")
    opening = [f for f in opening if f.year <= year]
    closing = [f for f in closing if f.year <= year]
    opened = _opened(current, opening, scenario)
    if len(opened):
        if current.facilities is None:
            facilities = opened
        else:
            add = as_facility_rows(opened, current.facilities)
            opened.index = add.index
            facilities = gpd.GeoDataFrame(pd.concat([current.facilities, add]),
                                          geometry=current.facilities.geometry.name, crs=settings.crs)
        missing = {k: v for k, v in current.missing.items() if k != "facilities"}
        current = dataclasses.replace(current, facilities=facilities, missing=missing)
    closed = _closed(current, closing, scenario)
    if len(closed):
        assert current.facilities is not None
        remaining = current.facilities.drop(index=closed.index)
        current = dataclasses.replace(current, facilities=remaining)

    # ------------------------------------------------------------------ collected changes
    steps = [a for _, a in applied]
    homes_frames = [a.new_homes for a in steps if len(a.new_homes)]
    new_homes = (gpd.GeoDataFrame(pd.concat(homes_frames), geometry=homes_frames[0].geometry.name,
                                  crs=settings.crs) if homes_frames else _empty_points(["buurtcode", "residents", "dwellings"]))
    fac_frames = [a.new_facilities for a in steps if len(a.new_facilities)]
    if len(opened):
        fac_frames.append(opened)
    new_fac = (gpd.GeoDataFrame(pd.concat(fac_frames), geometry=fac_frames[0].geometry.name, crs=settings.crs)
               if fac_frames else _empty_points(["category", "buurtcode", "name"]))
    changed = pd.Index([]).append([a.changed_homes for a in steps]) if steps else pd.Index([])
    plan_buurten = sorted({str(c) for a in steps for c in a.buurt_changes.index})

    # ------------------------------------------------------------------ population
    distribution = None
    level = area_of = None
    buurten, wijken, homes = current.buurten, current.wijken, current.homes
    if scenario.forecast is not None:
        level, area_of, names = match_areas(scenario.forecast, area)
        present = present_by_area(area.buurten, area_of, model)
        n_new = (new_homes.groupby("buurtcode")["residents"].sum() if len(new_homes)
                 else pd.Series(dtype=float))
        distribution = distribute(current.buurten, n_new, scenario.forecast.table, area_of, model=model,
                                  present=present, names=names, source=scenario.forecast.source,
                                  new_dwellings=(new_homes.groupby("buurtcode")["dwellings"].sum()
                                                 if len(new_homes) else None))
        notes += distribution.messages
        deltas = _person_deltas(current.buurten, distribution.deltas)
        if len(deltas):
            buurten = apply_statistic_deltas(current.buurten, deltas)
            if current.wijken is not None:
                wijk_of = current.buurten.loc[deltas.index, "wijkcode"].to_numpy()
                per_wijk = deltas.groupby(wijk_of).sum(min_count=1)
                per_wijk = per_wijk[per_wijk.index.isin(current.wijken.index)]
                wijken = apply_statistic_deltas(current.wijken, per_wijk)
            homes = _scale_homes(current.homes, distribution.total_factor, new_homes.index)

    meta = {**current.meta, "scenario": scenario.name, "scenario_year": year}
    then = dataclasses.replace(current, buurten=buurten, wijken=wijken, homes=homes, meta=meta)
    return TargetYear(area=then, plans=applied, skipped=skipped, new_homes=new_homes,
                      new_facilities=new_fac, closed_facilities=closed, opened_facilities=opened,
                      changed_homes=changed,
                      plan_buurten=plan_buurten, distribution=distribution, level=level,
                      area_of=area_of, model=model, notes=notes,
                      warnings=list(distribution.warnings) if distribution is not None else [])


# ============================================================================ helpers
def _raise(scenario: Scenario, problems: list[str]) -> None:
    if len(problems) == 1:
        raise ScenarioError(f"{scenario.source}: {problems[0]}")
    listing = "\n".join(f"  - {p}" for p in problems)
    raise ScenarioError(f"{scenario.source}: het scenario past niet ({len(problems)} problemen):\n{listing}")


def _as_plan(entry: PlanEntry) -> Plan:
    if isinstance(entry.plan, Plan):
        return entry.plan
    if isinstance(entry.plan, gpd.GeoDataFrame):
        return plan_from_frame(entry.plan, name=entry.label, what=f"plan {entry.label}", repair=entry.repair)
    return read_plan(entry.plan, name=entry.name, repair=entry.repair)


def _opened(area: Area, opening: list[FacilityChange], scenario: Scenario) -> gpd.GeoDataFrame:
    """The scenario's new facilities as points (``category``, ``buurtcode``, ``name``)."""
    columns = ["category", "buurtcode", "name", "plan_feature"]
    if not opening:
        return _empty_points(columns)
    frame = gpd.GeoDataFrame(
        {"category": [f.category for f in opening], "name": [f.label for f in opening],
         "plan_feature": [f.label for f in opening]},
        geometry=gpd.points_from_xy([f.x for f in opening], [f.y for f in opening]),
        crs=settings.crs,
    )
    frame["buurtcode"] = assign_buurt(frame, area.buurten).to_numpy()
    known = list(dict.fromkeys([*load_tag_table(), *area.categories]))
    problems = []
    for f, code in zip(opening, frame["buurtcode"], strict=True):
        if f.category not in known:
            hint = difflib.get_close_matches(f.category, known, n=1)
            problems.append(f"voorziening {f.label}: onbekende categorie {f.category!r}"
                            + (f"; bedoelt u {hint[0]!r}?" if hint else f". Kies uit: {', '.join(known)}."))
        if pd.isna(code):
            b = area.total_bounds
            problems.append(
                f"voorziening {f.label}: x = {f.x:.0f}, y = {f.y:.0f} ligt buiten de buurten van "
                f"{area.name} (x {b[0]:.0f}-{b[2]:.0f}, y {b[1]:.0f}-{b[3]:.0f}, RD New EPSG:28992). "
                f"Controleer de coördinaten (RD in meters, niet lengte- en breedtegraad)."
            )
    if problems:
        _raise(scenario, problems)
    return frame[[*columns, "geometry"]]


def _closed(area: Area, closing: list[FacilityChange], scenario: Scenario) -> gpd.GeoDataFrame:
    """The facility rows the scenario closes (one per entry)."""
    if not closing:
        return _empty_points(["category", "buurtcode", "name"])
    fac = area.facilities
    problems = []
    picked: list[Any] = []
    for f in closing:
        if fac is None or not len(fac):
            problems.append(f"voorziening {f.label} sluiten: het gebied heeft geen voorzieningen.")
            continue
        same = fac[fac["category"] == f.category]
        if not len(same):
            problems.append(f"voorziening {f.label} sluiten: het gebied heeft geen voorziening van categorie "
                            f"{f.category!r}.")
            continue
        d = np.hypot(same.geometry.x.to_numpy() - f.x, same.geometry.y.to_numpy() - f.y)
        order = np.argsort(d, kind="stable")
        i = order[0]
        if d[i] > f.search_m:
            problems.append(
                f"voorziening {f.label} sluiten: geen {f.category} binnen {f.search_m:g} m van "
                f"x = {f.x:.0f}, y = {f.y:.0f} (RD); de dichtstbijzijnde ligt op {d[i]:.0f} m "
                f"(x = {same.geometry.x.iloc[i]:.0f}, y = {same.geometry.y.iloc[i]:.0f}). Verbeter de "
                f"coördinaten of vergroot zoekafstand_m."
            )
            continue
        idx = same.index[i]
        if idx in picked:
            problems.append(f"voorziening {f.label} sluiten: die voorziening sluit al in een eerdere regel.")
            continue
        picked.append(idx)
    if problems:
        _raise(scenario, problems)
    assert fac is not None
    return fac.loc[picked]


def _person_deltas(buurten: pd.DataFrame, deltas: pd.DataFrame) -> pd.DataFrame:
    """The forecast's changes plus the other person counts in proportion to ``a_inw``."""
    out = deltas.copy()
    if not len(out):
        return out
    inw = pd.to_numeric(buurten.loc[out.index, "a_inw"], errors="coerce").astype(float)
    ratio = out["a_inw"] / inw.where(inw > 0)
    for col in PERSON_COLUMNS:
        if col in out.columns or col not in buurten.columns:
            continue
        x = pd.to_numeric(buurten.loc[out.index, col], errors="coerce").astype(float)
        out[col] = (x * ratio).fillna(0.0).where(x.notna())
    return out


def _scale_homes(homes: gpd.GeoDataFrame | None, factor: pd.Series, new: pd.Index) -> gpd.GeoDataFrame | None:
    """Residents of the existing homes times their buurt's factor (new homes unchanged)."""
    if homes is None:
        return None
    f = factor.reindex(homes["buurtcode"].to_numpy()).to_numpy(dtype=float)
    f = np.where(np.isfinite(f), f, 1.0)
    f[homes.index.isin(new)] = 1.0
    if (f == 1.0).all():
        return homes
    out = homes.copy()
    res = pd.to_numeric(out["residents"], errors="coerce").to_numpy(dtype=float)
    out["residents"] = np.where(f == 1.0, res, res * f)  # dwellings stay: more residents per dwelling
    return out


def _empty_points(columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=settings.crs)


def describe_changes(target: TargetYear) -> list[str]:
    """Dutch lines: which plans and facilities the target year holds."""
    lines = []
    for entry, step in target.plans:
        dw = float(step.new_homes["dwellings"].sum()) if len(step.new_homes) else 0.0
        res = float(step.new_homes["residents"].sum()) if len(step.new_homes) else 0.0
        fac = len(step.new_facilities)
        parts = []
        if dw:
            parts.append(f"{nl_int(dw)} woningen, {nl_int(res)} bewoners")
        if fac:
            parts.append(f"{fac} voorziening(en)")
        lines.append(f"{entry.label} (gereed {entry.completion_year}): " + (", ".join(parts) or "geen woningen"))
    for kind, frame in (("Nieuw", target.opened_facilities), ("Gesloten", target.closed_facilities)):
        for name, cat in zip(frame["name"], frame["category"], strict=True):
            lines.append(f"{kind}: {name if isinstance(name, str) and name else cat} ({cat}).")
    return lines + target.skipped
