"""The plan check: what a development plan does to the barcode, and what it must add.

An area developer brings a plan (polygons with a programme, optional facility points;
format in ``docs/plan_format.md``, examples in ``examples/plan_*.geojson``). The check

1. reads and validates the plan (:func:`read_plan`), refusing bad input with one
   :class:`~afweging._errors.PlanError` that lists every problem;
2. applies it to the Area (:func:`apply_plan`: new homes and residents, demolition,
   CBS statistics, facilities, green; the original Area is not modified);
3. recomputes the layers, reachability and the barcode *after* the plan and compares
   them with *before* (:class:`Baseline`, computed once per Area and reusable for several
   variants). Reachability is recomputed only for the buurten whose homes can change:
   the buurten with new or demolished dwellings, and the buurten with a home that a new
   facility could bring closer (a home whose current time to the category is longer
   than the straight-line time to the new facility; a route is never shorter than the
   straight line, so no other home can change);
4. judges the plan against the plan norms of the barcode (``scale = "plan"`` in
   ``norms.toml``): green per new dwelling, play space, the 180-200 m² kengetal and the
   75 % affordable rule, plus the 10-minute completeness of the new residents;
5. writes ``plan_check.html`` (Dutch) and ``plan_check.json`` (stable: sorted keys,
   rounded floats, no timestamps) with :meth:`PlanCheck.write` or :func:`write_plan_checks`
   for variants side by side.

Data caveats of the layers and the reachability analysis (a proxy was used, a category
has no facilities...) concern the Area, not the plan: they are collected in
:attr:`PlanCheck.caveats` and shown in the report instead of being issued again as
warnings. Warnings about the plan itself (a polygon repaired, unknown properties,
homes spread over the polygon because it has no streets) are issued.

Examples
--------
>>> import afweging
>>> from afweging.analyses.plan import check_plan
>>> area = afweging.demo_area()                                   # doctest: +SKIP
>>> check = check_plan(area, "examples/plan_demostad.geojson")    # doctest: +SKIP
>>> print("\\n".join(check.shortfalls))                            # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from afweging import _names, settings
from afweging._errors import PlanError
from afweging._format import nl_int, nl_number
from afweging.analyses.plan.apply import AppliedPlan, apply_plan, city_ratios
from afweging.analyses.plan.format import (
    Plan,
    plan_from_frame,
    read_plan,
)
from afweging.analyses.plan.norms import (
    NIET_VAN_TOEPASSING,
    PlanQuantities,
    Verdict,
    is_short,
    plan_indicators,
    plan_quantities,
    plan_verdicts,
)
from afweging.geo.area import Area
from afweging.settings_schema import check_settings

log = logging.getLogger(__name__)

__all__ = [
    "Baseline",
    "PlanCheck",
    "check_plan",
    "check_plans",
    "prepare_baseline",
    "unique_names",
]

_MODE_NL = {"walk": "lopen", "bike": "fietsen"}

_T = TypeVar("_T")


# ============================================================================ baseline
@dataclass
class Baseline:
    """Layers, reachability and barcode of an Area before any plan (compute once, reuse).

    Attributes
    ----------
    area : Area
    norms : Norms
    layers : LayerResult
    reach : ReachabilityResult or None
        None when the Area has no homes or no facilities (the reason is in ``caveats``).
    scores : BarcodeScores
    categories : tuple of str
        Facility categories of the reachability analysis: the everyday categories (the
        10-minute city) and those read by a norm.
    minutes : float
        The N-minute-city threshold.
    caveats : list of str
        Dutch data caveats of the layers and reachability (collected, not re-issued).
    seconds : float
        Time taken.
    """

    area: Area
    norms: Any = field(repr=False)
    layers: Any = field(repr=False)
    reach: Any = field(repr=False)
    scores: Any = field(repr=False)
    categories: tuple[str, ...]
    minutes: float
    caveats: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, make: Callable[[], _T]) -> _T:
        """``make()``, computed once per baseline: what every plan check reads from the
        area before the plan (coordinates of the homes, city-wide ratios...)."""
        if key not in self._derived:
            self._derived[key] = make()
        value: _T = self._derived[key]
        return value

    def warm(self) -> None:
        """Compute now what the first plan check would otherwise compute once: the
        reachability engine's snaps, searches and KD-trees of the homes and facilities
        before the plan. They are pickled with the baseline (keyed by content), so the
        studio warms a baseline once, before it goes into its cache, and its workers find
        it warm; calling it again does nothing."""
        from afweging.analyses.reach.reachability import ReachMemo, reachability
        from afweging.geo.snap import point_xy

        before = self.reach
        if before is None:
            return
        homes = before.homes
        memo = self.derived("reach_memo", lambda: ReachMemo(
            self.derived("homes_xy", lambda: point_xy(homes, what="woningen (reach.homes)"))))
        if memo.warmed:  # already (the studio's cache keeps a warm baseline)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reachability(self.area, modes=before.modes, minutes=before.minutes,
                         categories=list(before.categories), max_minutes=before.max_minutes, memo=memo)
        memo.warmed = True


@contextmanager
def _collect(caveats: list[str]) -> Iterator[None]:
    """Collect the warnings of the analyses (data caveats) into ``caveats``, deduplicated."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, DeprecationWarning | FutureWarning | ResourceWarning):
            continue
        msg = str(w.message)
        if msg not in caveats:
            caveats.append(msg)


def _reach_categories(area: Area, norms: Any) -> tuple[str, ...]:
    from afweging.barcode.columns import parse_reach_column
    from afweging.data import tags

    wanted = set(tags.everyday_categories())
    for n in norms:
        parsed = parse_reach_column(n.column)
        if parsed and parsed.get("category"):
            wanted.add(parsed["category"])
    present = dict.fromkeys([*tags.load_tag_table(), *area.categories])
    return tuple(c for c in present if c in wanted)


def prepare_baseline(area: Area, *, norms: Any = None, minutes: float | None = None) -> Baseline:
    """Layers, reachability (walk and bike) and barcode of ``area`` before any plan.

    Pass the result to :func:`check_plan` (``baseline=``) to check several plans or
    variants against one Area without recomputing it.

    Parameters
    ----------
    area : Area
    norms : Norms or path, optional
        Default: the bundled norms (``afweging/barcode/norms.toml``).
    minutes : float, optional
        N-minute-city threshold (default :data:`afweging.settings.minutes`).
    """
    check_settings()
    from afweging.analyses.reach.reachability import reachability
    from afweging.barcode import load_norms, score
    from afweging.layers import compute_layers

    t0 = time.perf_counter()
    if norms is None or isinstance(norms, str | Path):
        norms = load_norms(norms)
    minutes = float(settings.minutes if minutes is None else minutes)
    cats = _reach_categories(area, norms)
    caveats: list[str] = []
    with _collect(caveats):
        layers = compute_layers(area)
        reach = None
        if area.has("homes") and area.has("facilities"):
            reach = reachability(area, modes=("walk", "bike"), minutes=minutes, categories=list(cats))
        else:
            missing = [p for p in ("homes", "facilities") if not area.has(p)]
            caveats.append(
                f"Geen bereikbaarheid: het gebied mist {', '.join(missing)} "
                f"({'; '.join(area.missing.get(p, 'niet opgegeven') for p in missing)})."
            )
        scores = score(area, layers, reach, norms=norms)
    return Baseline(area=area, norms=norms, layers=layers, reach=reach, scores=scores,
                    categories=cats, minutes=minutes, caveats=caveats,
                    seconds=time.perf_counter() - t0)


# ============================================================================ the check
@dataclass
class PlanCheck:
    """Everything the plan check found for one plan (variant).

    Attributes
    ----------
    plan : Plan
    applied : AppliedPlan
        The Area before and after, new homes, facilities, green and statistics per buurt.
    baseline : Baseline
        Before the plan.
    layers, reach, scores
        After the plan (LayerResult, ReachabilityResult or None, BarcodeScores).
    quantities : PlanQuantities
        What the plan holds (dwellings by kind, m² green, play, facilities).
    indicators : dict
        The plan columns (``plan_green_m2_per_new_dwelling`` ...), NaN where not applicable.
    verdicts : list of Verdict
        Per plan norm, plus the 10-minute city of the new residents.
    new_residents : dict
        Residents, dwellings and 10-minute reach of the new homes (per mode and category).
    plan_buurten : list of str
        Buurten the plan's features lie in.
    changed_buurten : list of str
        Buurten whose indicators (layers or reachability) changed.
    indicator_changes : DataFrame
        One row per (buurtcode, indicator) that changed: ``layer``, ``before``, ``after``.
    reach_buurten : list of str
        Buurten whose reachability was recomputed (all others kept their baseline values).
    caveats : list of str
        Data caveats of the analyses (Dutch).
    timings_s : dict
        Seconds per step (not in the JSON: it must be stable).
    """

    plan: Plan
    applied: AppliedPlan
    baseline: Baseline
    layers: Any
    reach: Any
    scores: Any
    quantities: PlanQuantities
    indicators: dict[str, float]
    verdicts: list[Verdict]
    new_residents: dict[str, Any]
    plan_buurten: list[str]
    changed_buurten: list[str]
    indicator_changes: pd.DataFrame
    reach_buurten: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Name of the plan (variant)."""
        return self.plan.name

    @property
    def shortfalls(self) -> list[str]:
        """Dutch sentences: what the plan must add to meet each norm it misses."""
        return [v.text for v in self.verdicts if is_short(v)]

    @property
    def units(self) -> list[str]:
        """Codes of the units shown before/after: plan buurten, their wijken, the city."""
        b = self.applied.before.buurten
        wijken = sorted({str(b.at[c, "wijkcode"]) for c in self.plan_buurten
                         if pd.notna(b.at[c, "wijkcode"])})
        if self.baseline.scores.wijk is None:
            wijken = []
        return [*self.plan_buurten, *wijken, self.baseline.scores.city_code]

    def barcode_table(self) -> pd.DataFrame:
        """Per unit and norm: value, score and status before and after (long format)."""
        from afweging.analyses.plan.report import barcode_table

        return barcode_table(self)

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable summary (the variant part of ``plan_check.json``)."""
        from afweging.analyses.plan.report import variant_dict

        return variant_dict(self)

    def to_json(self) -> str:
        """``plan_check.json`` for this plan alone (stable for identical input)."""
        from afweging.analyses.plan.report import checks_json

        return checks_json([self])

    def to_html(self) -> str:
        """``plan_check.html`` for this plan alone (Dutch, self-contained)."""
        from afweging.analyses.plan.report import checks_html

        return checks_html([self])

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``plan_check.html`` and ``plan_check.json`` into ``out_dir``."""
        from afweging.analyses.plan.report import write_plan_checks

        return write_plan_checks([self], out_dir)

    def __repr__(self) -> str:
        short = len(self.shortfalls)
        return (f"<PlanCheck {self.name!r}: {self.quantities.dwellings_new} woningen, "
                f"{len(self.plan_buurten)} buurt(en), {short} tekort(en)>")

    def _repr_html_(self) -> str:
        from afweging.analyses.plan.report import variant_html

        return variant_html(self)


def _as_plan(plan: Plan | str | Path | gpd.GeoDataFrame, *, repair: bool, name: str | None) -> Plan:
    if isinstance(plan, Plan):
        return plan
    if isinstance(plan, str | Path):
        return read_plan(plan, name=name, repair=repair)
    if isinstance(plan, gpd.GeoDataFrame):
        return plan_from_frame(plan, name=name or "plan", what=name or "plan", repair=repair)
    raise PlanError(
        f"plan must be a file path, a GeoDataFrame or a Plan (read_plan), got {type(plan).__name__}."
    )


def check_plan(
    area: Area,
    plan: Plan | str | Path | gpd.GeoDataFrame,
    *,
    baseline: Baseline | None = None,
    norms: Any = None,
    repair: bool = False,
    name: str | None = None,
) -> PlanCheck:
    """Check a development plan against an Area: before/after barcode and shortfalls.

    Parameters
    ----------
    area : Area
        Not modified.
    plan : Plan, path or GeoDataFrame
        A plan file (GeoJSON, GeoPackage; any CRS), a GeoDataFrame in the plan format
        (``docs/plan_format.md``) or a :class:`Plan`.
    baseline : Baseline, optional
        From :func:`prepare_baseline` for this ``area``; computed when absent.
    norms : Norms or path, optional
        Only used when ``baseline`` is computed here.
    repair : bool
        Repair invalid polygons with a warning instead of refusing them.
    name : str, optional
        Name of the plan in the report (default: the file name).

    Returns
    -------
    PlanCheck

    Raises
    ------
    PlanError
        The plan is unusable: every problem (file, feature, property, fix) in one message.
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    plan = _as_plan(plan, repair=repair, name=name)
    timings["plan lezen"] = time.perf_counter() - t
    if baseline is None:
        baseline = prepare_baseline(area, norms=norms)
        timings["uitgangssituatie"] = baseline.seconds
    elif baseline.area is not area:
        raise PlanError(
            "baseline was prepared for another Area; call prepare_baseline(area) for this one."
        )
    t = time.perf_counter()
    applied = apply_plan(area, plan, city=baseline.derived("city_ratios", lambda: city_ratios(area.buurten)))
    timings["plan toepassen"] = time.perf_counter() - t
    return _after(plan, applied, baseline, timings)


def _after(plan: Plan, applied: AppliedPlan, base: Baseline, timings: dict[str, float]) -> PlanCheck:
    from afweging.barcode import score
    from afweging.layers import compute_layers

    caveats = list(base.caveats)
    after = applied.after
    with _collect(caveats):
        t = time.perf_counter()
        layers = compute_layers(after)
        timings["lagen na"] = time.perf_counter() - t
        t = time.perf_counter()
        reach, reach_buurten = _reach_after(base, applied)
        timings["bereikbaarheid na"] = time.perf_counter() - t
        t = time.perf_counter()
        order_from = (functools.partial(_order_from_baseline, base, reach)
                      if reach is not None and base.reach is not None else None)
        scores = score(after, layers, reach, norms=base.norms, order_from=order_from)
        timings["barcode na"] = time.perf_counter() - t
    t = time.perf_counter()
    q = plan_quantities(plan)
    verdicts = plan_verdicts(q, base.norms)
    new_res = _new_residents(applied, reach, base)
    verdicts += _reach_verdicts(new_res, base)
    theme_rank = {th: i for i, th in enumerate(base.norms.themes)}
    verdicts.sort(key=lambda v: theme_rank.get(v.theme, len(theme_rank)))
    changes = _indicator_changes(base, layers, reach)
    changed = sorted(set(changes["buurtcode"])) if len(changes) else []
    timings["oordeel"] = time.perf_counter() - t
    return PlanCheck(
        plan=plan, applied=applied, baseline=base, layers=layers, reach=reach, scores=scores,
        quantities=q, indicators=plan_indicators(q), verdicts=verdicts, new_residents=new_res,
        plan_buurten=_plan_buurten(plan, applied), changed_buurten=changed,
        indicator_changes=changes, reach_buurten=reach_buurten, caveats=caveats, timings_s=timings,
    )


def _order_from_baseline(base: Baseline, reach: Any, home_col: str, values: np.ndarray) -> np.ndarray | None:
    """The stable order of a per-home time after the plan, from the baseline's order of
    it (:func:`~afweging.barcode.aggregation.stable_order_from`), when the homes after
    the plan start with the baseline's homes in their order (a plan that adds homes or
    changes times; not one that removes homes). None: sort afresh."""
    from afweging.barcode.aggregation import stable_order_from

    before = base.reach.homes
    homes = getattr(reach, "homes", None)
    if homes is None or home_col not in before.columns or len(values) < len(before):
        return None
    if not homes.index[:len(before)].equals(before.index):
        return None
    old = base.derived(f"home_values:{home_col}", lambda: before[home_col].to_numpy(dtype=float))
    order = base.derived(f"home_order:{home_col}", lambda: np.argsort(old, kind="stable"))
    return stable_order_from(values, old, order)


def _plan_buurten(plan: Plan, applied: AppliedPlan) -> list[str]:
    buurten = applied.before.buurten
    idx_f, idx_b = buurten.sindex.query(plan.features.geometry, predicate="intersects")
    # a buurt only touched along its edge by a polygon is not a plan buurt
    geoms = plan.features.geometry.to_numpy()[idx_f]
    point = shapely.get_type_id(geoms) == 0
    inside = point | (shapely.area(shapely.intersection(geoms, buurten.geometry.to_numpy()[idx_b])) > 0)
    return sorted(set(buurten.index[idx_b[inside]]))


# ============================================================================ reachability
def _reach_after(base: Baseline, applied: AppliedPlan) -> tuple[Any, list[str]]:
    """Reachability after the plan, recomputed only for the buurten whose homes can change
    (:func:`~afweging.analyses.reach.update.update_reachability`).

    Returns the result and the buurten that were recomputed.
    """
    from afweging.analyses.reach.reachability import reachability
    from afweging.analyses.reach.update import update_reachability

    before = base.reach
    after = applied.after
    if before is None or not after.has("homes") or not after.has("facilities"):
        if before is None and after.has("homes") and after.has("facilities"):
            full = reachability(after, modes=("walk", "bike"), minutes=base.minutes,
                                categories=list(base.categories))
            return full, [str(c) for c in after.buurten.index]
        return None, []
    changed = set(applied.buurt_changes.index)
    if len(applied.new_homes):
        changed |= set(applied.new_homes["buurtcode"])
    return update_reachability(before, after, changed_homes=applied.changed_homes,
                               changed_buurten=sorted(changed),
                               new_facilities=applied.new_facilities, derived=base.derived)


def _everyday(base: Baseline) -> list[str]:
    from afweging.data import tags

    every = set(tags.everyday_categories())
    reach = base.reach
    out = []
    for c in base.categories:
        if c not in every:
            continue
        col = _names.reach_home_col("walk", c)
        if reach is not None and col in reach.homes.columns and reach.homes[col].notna().any():
            out.append(c)
    return out


def _new_residents(applied: AppliedPlan, reach: Any, base: Baseline) -> dict[str, Any]:
    """Residents of the new homes and their N-minute reach, resident-weighted."""
    from afweging.data import tags

    nh = applied.new_homes
    out: dict[str, Any] = {
        "woningen": float(nh["dwellings"].sum()) if len(nh) else 0.0,
        "inwoners": float(nh["residents"].sum()) if len(nh) else 0.0,
        "minuten": base.minutes,
        "categorieen": [],
        "per_modus": {},
    }
    if not len(nh) or reach is None:
        out["reden"] = ("het plan voegt geen woningen toe" if not len(nh)
                        else "geen bereikbaarheidsanalyse (het gebied mist woningen of voorzieningen)")
        return out
    homes = reach.homes.loc[reach.homes.index.intersection(nh.index)]
    w = pd.to_numeric(homes["residents"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    total = w.sum()
    cats = list(base.derived("everyday", functools.partial(_everyday, base)))
    labels = tags.labels()
    out["categorieen"] = cats
    for mode in reach.modes:
        method = homes[_names.reach_method_col(mode)].to_numpy()
        per_cat = {}
        count = np.zeros(len(homes))
        for c in cats:
            t = homes[_names.reach_home_col(mode, c)].to_numpy(dtype=float)
            within = np.nan_to_num(t, nan=np.inf) <= base.minutes
            count += within
            finite = np.isfinite(t)
            median = float(np.median(t[finite])) if finite.any() else math.nan
            per_cat[c] = {
                "label": labels.get(c, c),
                "pct_binnen": 100.0 * float((w * within).sum()) / total if total > 0 else math.nan,
                "mediaan_min": median,
            }
        complete = count == len(cats)
        out["per_modus"][mode] = {
            "pct_alles_binnen": 100.0 * float((w * complete).sum()) / total if total > 0 else math.nan,
            "gem_aantal_binnen": float((w * count).sum()) / total if total > 0 else math.nan,
            "pct_netwerk": 100.0 * float(w[method == "network"].sum()) / total if total > 0 else math.nan,
            "per_categorie": per_cat,
        }
    return out


def _reach_verdicts(new_res: dict[str, Any], base: Baseline) -> list[Verdict]:
    """10-minute city of the new residents, per mode, held against the barcode's norms."""
    out: list[Verdict] = []
    minutes = base.minutes
    by_col = {n.column: n for n in base.norms.area_norms()}
    for mode in ("bike", "walk"):
        col = _names.reach_complete_share_col(mode, minutes)
        norm = by_col.get(col)
        if norm is None:
            continue
        data = new_res["per_modus"].get(mode)
        label = f"Nieuwe bewoners: alle dagelijkse voorzieningen binnen {nl_number(minutes)} min {_MODE_NL[mode]}"
        if data is None or not math.isfinite(data["pct_alles_binnen"]):
            reason = new_res.get("reden", "geen gegevens")
            status = NIET_VAN_TOEPASSING if new_res["woningen"] == 0 else "geen gegevens"
            out.append(Verdict(theme=norm.theme, label=label, norm_id=norm.id, indicator=col, value=math.nan,
                               norm_value=norm.value, unit="% van de nieuwe bewoners", status=status,
                               adds=math.nan, required=norm.value, shortfall=0.0, amount_unit="procentpunt",
                               text=f"{label}: {status} ({reason}).", source=norm.source.label()))
            continue
        value = data["pct_alles_binnen"]
        s = float(norm.score(value))
        status = str(base.norms.status(norm, s))
        # per category: who of the new residents lacks it within N minutes
        per_norm = {n.column: n for n in base.norms.area_norms()}
        lacking = []
        for c, info in data["per_categorie"].items():
            cat_norm = per_norm.get(_names.reach_share_col(mode, c, minutes))
            target = cat_norm.value if cat_norm is not None else norm.value
            if info["pct_binnen"] < target - 1e-9:
                lacking.append(f"{info['label'].lower()} ({nl_number(info['pct_binnen'])} % binnen "
                               f"{nl_number(minutes)} min, nodig {nl_number(target)} %)")
        shortfall = max(0.0, norm.value - value)
        text = (f"{label}: {nl_number(value)} % van de {nl_int(new_res['inwoners'])} nieuwe bewoners "
                f"(norm {norm.norm_text()})")
        if lacking:
            text += (". Te ver weg: " + "; ".join(lacking)
                     + ". Voeg die voorzieningen toe in of bij het plan.")
        else:
            text += "."
        if data["pct_netwerk"] < 50:
            text += (f" Let op: {nl_number(100 - data['pct_netwerk'])} % van de nieuwe bewoners heeft "
                     f"reistijden hemelsbreed × omrijfactor (geen {('loop' if mode == 'walk' else 'fiets')}netwerk).")
        out.append(Verdict(theme=norm.theme, label=label, norm_id=norm.id, indicator=col, value=value,
                           norm_value=norm.value, unit="% van de nieuwe bewoners", status=status,
                           adds=value, required=norm.value, shortfall=shortfall, amount_unit="procentpunt",
                           text=text, source=norm.source.label(), score=s,
                           extra="; ".join(lacking)))
    return out


# ============================================================================ changes
def _indicator_changes(base: Baseline, layers: Any, reach: Any) -> pd.DataFrame:
    """Per buurt and indicator that changed: before and after (layers and reachability)."""
    frames: list[pd.DataFrame] = []
    pairs: list[tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]] = [
        ("layers", base.layers.values, layers.values, layers.methods)]
    if base.reach is not None and reach is not None:
        pairs.append(("reach", base.reach.buurten, reach.buurten, None))
    for key, b, a, methods in pairs:
        found: list[pd.DataFrame] = []
        cols = [c for c in a.columns if c in b.columns]
        a = a.reindex(index=b.index)
        numeric = base.derived(f"changes:{key}:numeric", functools.partial(_numeric_columns, b))
        num = [c for c in cols if c in numeric]
        xv = base.derived(f"changes:{key}:{','.join(num)}", functools.partial(_floats, b, num))
        yv = _floats(a, num)
        with np.errstate(invalid="ignore"):
            same = (np.isnan(xv) & np.isnan(yv)) | (xv == yv) | np.isclose(xv, yv, rtol=1e-9, atol=1e-9)
        rows, cidx = np.nonzero(~same)
        if len(rows):
            found.append(pd.DataFrame({"buurtcode": b.index[rows], "indicator": np.array(num, dtype=object)[cidx],
                                       "before": xv[rows, cidx], "after": yv[rows, cidx]}))
        for c in cols:
            if c in num:
                continue
            xo, yo = b[c].to_numpy(dtype=object), a[c].to_numpy(dtype=object)
            diff = np.array([not ((pd.isna(p) and pd.isna(q)) or p == q) for p, q in zip(xo, yo, strict=True)])
            if diff.any():
                found.append(pd.DataFrame({"buurtcode": b.index[diff], "indicator": c,
                                           "before": xo[diff], "after": yo[diff]}))
        layer_of = ({c: str(v) for c, v in methods["layer"].items()}
                    if methods is not None and methods.index.is_unique else None)
        for f in found:
            if layer_of is not None:
                f["layer"] = [layer_of.get(c, "bereikbaarheid") for c in f["indicator"]]
            else:
                f["layer"] = [str(methods.at[c, "layer"]) if methods is not None and c in methods.index
                              else "bereikbaarheid" for c in f["indicator"]]
        frames += found
    if not frames:
        return pd.DataFrame(columns=["buurtcode", "indicator", "layer", "before", "after"])
    out = pd.concat(frames, ignore_index=True)[["buurtcode", "indicator", "layer", "before", "after"]]
    return out.sort_values(["buurtcode", "indicator"], kind="stable").reset_index(drop=True)


def _numeric_columns(frame: pd.DataFrame) -> frozenset[str]:
    """The numeric and boolean columns of ``frame``."""
    return frozenset(c for c, t in frame.dtypes.items()
                     if pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t))


def _floats(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as one float matrix (NaN for missing and non-numeric values)."""
    try:  # numeric and boolean blocks convert at once
        return frame[columns].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        return frame[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


# ============================================================================ variants
def check_plans(
    area: Area,
    plans: Sequence[Plan | str | Path | gpd.GeoDataFrame],
    *,
    norms: Any = None,
    repair: bool = False,
    baseline: Baseline | None = None,
) -> list[PlanCheck]:
    """Check several plans (variants) against one Area, sharing one :class:`Baseline`.

    All plans are read and validated first; a bad variant stops the run before any
    computation (one PlanError listing the problems of every bad file).
    """
    read: list[Plan] = []
    problems: list[str] = []
    for p in plans:
        try:
            read.append(_as_plan(p, repair=repair, name=None))
        except PlanError as exc:
            problems.append(str(exc))
    if problems:
        raise PlanError("\n".join(problems))
    read = unique_names(read)
    base = baseline or prepare_baseline(area, norms=norms)
    return [check_plan(area, p, baseline=base) for p in read]


def unique_names(plans: list[Plan]) -> list[Plan]:
    """Number plans that share a name ("plan (1)", "plan (2)") so variants stay apart."""
    names = [p.name for p in plans]
    return [dataclasses.replace(p, name=f"{p.name} ({i + 1})") if names.count(p.name) > 1 else p
            for i, p in enumerate(plans)]
