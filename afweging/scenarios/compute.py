"""``afweging.scenario(area, scenario)``: now and the target year, side by side.

Steps: the target-year Area (:mod:`~afweging.scenarios.target`: plans, facilities,
forecast) is built first, so bad input fails before anything heavy is computed. Then,
for today and for the target year, the layers, the reachability (walk and bike; in the
target year recomputed only for the buurten whose homes can change, see
:func:`afweging.analyses.reach.update.update_reachability`), the barcode and the
priorities; then the Groei-in-balans indicators (:mod:`~afweging.scenarios.growth`).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from afweging import _names
from afweging._format import nl_int, nl_number
from afweging.geo.area import Area
from afweging.scenarios.forecast import LEVEL_PHRASES
from afweging.scenarios.growth import Moment, growth_indicators, worsening
from afweging.scenarios.model import Scenario
from afweging.scenarios.population import (
    REST_LABEL,
    AgeModel,
    Band,
    band_counts,
    group_sum,
    parse_band,
)
from afweging.scenarios.target import TargetYear, base_year, describe_changes, target_area

log = logging.getLogger(__name__)

#: Age bands reported per buurt (75+ and 65-74 only with a share of 75-plussers).
REPORT_BANDS: tuple[Band, ...] = (Band(0, 11), Band(12, 17), Band(18, 64), Band(65, None),
                                  Band(65, 74), Band(75, None))

#: Per-buurt columns that appear once in ``buurten_<year>.gpkg`` (not per moment).
IDENTITY = ("buurtnaam", "wijkcode", "geometry")


@dataclass
class ScenarioResult:
    """Everything :func:`scenario` computed: today and the target year side by side.

    Attributes
    ----------
    scenario : Scenario
    labels : (str, str)
        The two moments: the base year (or ``"nu"``) and the target year.
    now, then : Moment
        Area, layers, reachability, barcode and priorities of each moment.
    target : TargetYear
        How the target year was made (plans applied, facilities, the forecast).
    buurten : GeoDataFrame
        Per buurt every indicator of both moments side by side (``<column>_<moment>``),
        the population by age band, the Groei-in-balans indicators and the worsening rank
        and reason: ``buurten_<year>.gpkg``.
    growth : DataFrame
        Per buurt the Groei-in-balans indicators of both moments (``<indicator>_<moment>``),
        ``extra_buiten_norm``, ``strepen_slechter``, ``strepen_beter``,
        ``balansscore_verschil``, ``rang`` and ``reden`` (Dutch).
    population : DataFrame
        Per buurt the inhabitants by age band of both moments (``inw_<band>_<moment>``).
    forecast_check : DataFrame
        Per forecast area and band: now, the plans' new residents, the existing homes, the
        forecast, the growth of the existing homes, its factor, and ``som_buurten``: the
        target-year sum over the area's buurten (equals the forecast).
    barcode_changes : DataFrame
        Every stripe that changes colour (:func:`afweging.barcode.compare.status_changes`).
    priorities : DataFrame
        The rows of ``prioriteiten_<year>.csv`` (target year, with today's rank).
    notes : list of str
        Dutch notes (plans beyond the forecast, plans left out, how plans were applied).
    summary : list of str
        Dutch lines for the CLI.
    timings_s : dict
    """

    scenario: Scenario
    labels: tuple[str, str]
    now: Moment
    then: Moment
    target: TargetYear
    buurten: gpd.GeoDataFrame
    growth: pd.DataFrame
    population: pd.DataFrame
    forecast_check: pd.DataFrame
    barcode_changes: pd.DataFrame
    priorities: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.scenario.target_year

    def worst(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` buurten where the balance worsens most, with the reason."""
        g = self.growth[self.growth["rang"].notna()].sort_values("rang")
        return g.head(n)

    def write(self, out_dir: Any) -> list[Path]:
        """Write the outputs into ``out_dir`` (see :func:`afweging.scenarios.write_scenario`)."""
        from afweging.scenarios.outputs import write_scenario

        return write_scenario(self, out_dir)

    def __repr__(self) -> str:
        inw = self.growth[[f"inwoners_{m}" for m in self.labels]].sum()
        return (f"<ScenarioResult {self.scenario.name!r}: {nl_int(inw.iloc[0])} → {nl_int(inw.iloc[1])} "
                f"inwoners ({self.labels[0]} → {self.labels[1]}), "
                f"{int((self.barcode_changes['richting'] == 'slechter').sum())} strepen slechter>")


@contextmanager
def _caveats(seen: list[str]) -> Iterator[None]:
    """Collect the analyses' warnings; each distinct message is issued once at the end of
    :func:`scenario` (today and the target year raise the same caveats)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, DeprecationWarning | FutureWarning | ResourceWarning):
            continue
        if str(w.message) not in seen:
            seen.append(str(w.message))


def scenario(
    area: Area | str | Path,
    scenario: Scenario | str | Path,
    *,
    norms: Any = None,
    priorities: Any = None,
    progress: Callable[[str], None] | None = None,
) -> ScenarioResult:
    """Today and the scenario's target year of an area, side by side.

    Parameters
    ----------
    area : Area or path of an area.toml
    scenario : Scenario or path of a scenario TOML (``docs/scenario_format.md``)
    norms : Norms or path, optional
        Norms overriding the bundled ones (as ``afweging run --norms``).
    priorities : path or mapping, optional
        Priority settings overriding the bundled ones.
    progress : callable, optional
        Called with a Dutch description before each step.

    Returns
    -------
    ScenarioResult
        With the frames of the outputs: ``buurten`` (``buurten_<year>.gpkg``),
        ``growth``, ``population``, ``forecast_check``, ``barcode_changes`` and
        ``priorities`` (``prioriteiten_<year>.csv``); ``write(out_dir)`` writes them.

    Raises
    ------
    ScenarioError, ForecastError, PlanError
        Bad input (Dutch, naming the file, the entry and the fix), before any heavy
        computing.
    """
    from afweging.analyses.priorities import prioritise
    from afweging.analyses.reach.reachability import reachability
    from afweging.analyses.reach.update import update_reachability
    from afweging.barcode import load_norms, score
    from afweging.barcode.compare import status_changes
    from afweging.layers import compute_layers

    say = progress or (lambda msg: log.info(msg))
    timings: dict[str, float] = {}

    def step(label: str, fn: Callable[[], Any]) -> Any:
        say(label)
        t0 = time.perf_counter()
        value = fn()
        timings[label] = time.perf_counter() - t0
        return value

    if not isinstance(scenario, Scenario):
        from afweging.scenarios.schema import read_scenario

        scenario = read_scenario(scenario)
    if not isinstance(area, Area):
        from afweging.data.manifest import load_area

        area = load_area(area)
    norm_set = load_norms(norms) if norms is None or isinstance(norms, str | Path) else norms
    if priorities is not None:  # a bad priorities file fails before any computing
        from afweging.analyses.priorities import load_priority_config

        load_priority_config(priorities)
    year = scenario.target_year
    base = base_year(area, scenario)
    labels = (str(base) if base is not None else "nu", str(year))
    model = AgeModel(scenario.share_75_plus)
    seen: list[str] = []
    with _caveats(seen):
        target = step(f"Scenario {year} opbouwen (plannen, voorzieningen, prognose)",
                      lambda: target_area(area, scenario, model=model))
    then_area = target.area
    has_reach = area.has("homes") and area.has("facilities")

    with _caveats(seen):
        layers_now = step(f"Lagen {labels[0]}", lambda: compute_layers(area))
        reach_now = step(f"Bereikbaarheid {labels[0]} (lopen en fietsen)", lambda: reachability(area)) if has_reach else None
        scores_now = step(f"Barcode {labels[0]}", lambda: score(area, layers_now, reach_now, norms=norm_set))
        prios_now = (step(f"Prioriteiten {labels[0]}", lambda: prioritise(area, layers_now, reach_now, config=priorities))
                     if reach_now is not None else None)
    with _caveats(seen):
        layers_then = step(f"Lagen {labels[1]}", lambda: compute_layers(then_area))
        changed = set(target.plan_buurten)
        if len(target.new_homes):
            changed |= set(target.new_homes["buurtcode"].dropna().astype(str))
        reach_then = None
        if reach_now is not None and then_area.has("homes") and then_area.has("facilities"):
            reach_then, _ = step(
                f"Bereikbaarheid {labels[1]} (buurten met nieuwe woningen of voorzieningen)",
                lambda: update_reachability(reach_now, then_area, changed_homes=target.changed_homes,
                                            changed_buurten=sorted(changed),
                                            new_facilities=target.new_facilities,
                                            closed_facilities=target.closed_facilities))
        scores_then = step(f"Barcode {labels[1]}", lambda: score(then_area, layers_then, reach_then, norms=norm_set))
        prios_then = (step(f"Prioriteiten {labels[1]}",
                           lambda: prioritise(then_area, layers_then, reach_then, config=priorities))
                      if reach_then is not None else None)

    t0 = time.perf_counter()
    fine_now = model.table(area.buurten)
    fine_then = (target.distribution.fine_then if target.distribution is not None
                 else model.table(then_area.buurten))
    elderly_band = Band(75, None) if model.share_75_plus is not None else Band(65, None)
    elderly_label = "75-plussers" if model.share_75_plus is not None else "65-plussers"
    now = Moment(labels[0], area, layers_now, reach_now, scores_now, prios_now,
                 band_counts(fine_now, [elderly_band], model).iloc[:, 0], elderly_label)
    then = Moment(labels[1], then_area, layers_then, reach_then, scores_then, prios_then,
                  band_counts(fine_then, [elderly_band], model).iloc[:, 0], elderly_label)
    changes = status_changes(scores_now, scores_then)
    g_now, g_then = growth_indicators(now), growth_indicators(then)
    worse = worsening(g_now, g_then, changes, area.buurten["buurtnaam"], labels=labels,
                      elderly_label=elderly_label)
    growth = _side_by_side([g_now, g_then], labels).join(worse)
    bands = [b for b in REPORT_BANDS if model.share_75_plus is not None or b.lo < 65 or b == Band(65, None)]
    population = _side_by_side([_population(fine_now, area, bands, model),
                                _population(fine_then, then_area, bands, model)], labels)
    check = _forecast_check(target, fine_then, then_area, model)
    prio_table = None
    if prios_then is not None:
        from afweging.analyses.priorities import priorities_table

        wijknamen = then_area.wijken["wijknaam"].to_dict() if then_area.wijken is not None else None
        prio_table = priorities_table(prios_then, wijknamen=wijknamen, earlier=prios_now, earlier_label=labels[0])
    buurten = _buurten(now, then, labels, target, growth, population)
    timings["Groei in balans"] = time.perf_counter() - t0
    for msg in seen:
        warnings.warn(msg, UserWarning, stacklevel=2)
    result = ScenarioResult(
        scenario=scenario, labels=labels, now=now, then=then, target=target, buurten=buurten,
        growth=growth, population=population, forecast_check=check, barcode_changes=changes,
        priorities=prio_table, notes=list(target.notes), timings_s=timings,
    )
    result.summary = summary_lines(result)
    return result


# ============================================================================ frames
def _side_by_side(frames: list[pd.DataFrame], labels: tuple[str, str]) -> pd.DataFrame:
    """Two frames with the same columns as one, each column twice: ``<col>_<moment>``."""
    cols: dict[str, pd.Series] = {}
    now, then = frames
    for c in now.columns:
        cols[_names.moment_col(c, labels[0])] = now[c]
        cols[_names.moment_col(c, labels[1])] = then[c].reindex(now.index)
    out = pd.DataFrame(cols, index=now.index)
    out.index.name = "buurtcode"
    return out


def _population(fine: pd.DataFrame, area: Area, bands: list[Band], model: AgeModel) -> pd.DataFrame:
    counts = band_counts(fine, bands, model)
    out = pd.DataFrame({_names.population_col("totaal"): pd.to_numeric(area.buurten["a_inw"], errors="coerce")},
                       index=fine.index)
    for b in bands:
        out[_names.population_col(b.slug)] = counts[b.label]
    return out


def _per_buurt(m: Moment) -> list[pd.DataFrame]:
    frames = [m.layers.values]
    if m.reach is not None:
        frames.append(m.reach.buurten)
    frames.append(m.scores.to_frame("buurt"))
    if m.priorities is not None:
        frames.append(m.priorities.to_buurt_frame())
    return frames


def _buurten(now: Moment, then: Moment, labels: tuple[str, str], target: TargetYear,
             growth: pd.DataFrame, population: pd.DataFrame) -> gpd.GeoDataFrame:
    """``buurten_<year>.gpkg``: every per-buurt column of both moments side by side.

    Columns that are text and the same in both moments (CBS names and codes) appear once.
    """
    from afweging.pipeline import buurten_frame

    a = buurten_frame(now.area, _per_buurt(now))
    b = buurten_frame(then.area, _per_buurt(then)).reindex(a.index)
    out = gpd.GeoDataFrame(a[[c for c in IDENTITY if c in a.columns]], geometry="geometry", crs=a.crs)
    out["prognosegebied"] = (target.area_of.reindex(a.index).astype("string")
                             if target.area_of is not None else pd.Series(pd.NA, index=a.index, dtype="string"))
    out[_names.moment_col("plan_woningen", labels[1])] = target.new_dwellings.reindex(a.index)
    out[_names.moment_col("plan_inwoners", labels[1])] = target.new_residents.reindex(a.index)
    extra: dict[str, pd.Series] = {}
    for col in ("rang", "reden", "extra_buiten_norm", "strepen_slechter", "strepen_beter",
                "balansscore_verschil"):
        extra[f"verslechtering_{col}" if col in ("rang", "reden") else col] = growth[col]
    extra.update({c: growth[c] for c in growth.columns if c.endswith(labels) and c not in extra})
    extra.update({c: population[c] for c in population.columns})
    cols = [c for c in a.columns if c not in IDENTITY]
    for c in [c for c in b.columns if c not in IDENTITY and c not in a.columns]:
        cols.append(c)
    for c in cols:
        x = a[c] if c in a.columns else pd.Series(pd.NA, index=a.index)
        y = b[c] if c in b.columns else pd.Series(pd.NA, index=a.index)
        numeric = pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x)
        if not numeric and x.astype("string").fillna("").equals(y.astype("string").fillna("")):
            extra[c] = x
            continue
        extra[_names.moment_col(c, labels[0])] = x
        extra[_names.moment_col(c, labels[1])] = y
    frame = pd.DataFrame(extra, index=a.index)
    for c in frame.columns:
        if frame[c].dtype == object:
            frame[c] = frame[c].astype("string")
        elif frame[c].dtype == bool:
            frame[c] = frame[c].astype("int8")
    rank = frame["verslechtering_rang"]
    frame["verslechtering_rang"] = rank.astype("Int64")
    return gpd.GeoDataFrame(pd.concat([out, frame], axis=1), geometry="geometry", crs=a.crs)


def _forecast_check(target: TargetYear, fine_then: pd.DataFrame, then_area: Area, model: AgeModel) -> pd.DataFrame:
    """The forecast per area and band with the target-year sum over its buurten."""
    dist = target.distribution
    if dist is None or target.area_of is None:
        return pd.DataFrame()
    areas = dist.areas.copy()
    inw = pd.to_numeric(then_area.buurten["a_inw"], errors="coerce")
    forecast = target.area_of
    sums = []
    for r in areas.to_dict("records"):
        members = then_area.buurten.index[(forecast.reindex(then_area.buurten.index) == r["gebied"]).to_numpy()]
        if r["klasse"] == "totaal":
            sums.append(float(inw[members].sum()))
        elif r["klasse"] == REST_LABEL:
            given = {f for c in areas.loc[areas["gebied"] == r["gebied"], "klasse"]
                     if c not in ("totaal", REST_LABEL)
                     for f in [x.label for x in model.fine_of(parse_band(c))]}
            # as the distribution defines it: the inhabitants minus the given bands (CBS
            # rounds the bands of a buurt apart from its inhabitants)
            sums.append(float(inw[members].sum()) - group_sum(fine_then, members, sorted(given)))
        else:
            sums.append(group_sum(fine_then, members, [f.label for f in model.fine_of(parse_band(r["klasse"]))]))
    areas["som_buurten"] = sums
    return areas


# ============================================================================ summary
def summary_lines(result: ScenarioResult) -> list[str]:
    """Dutch lines for the CLI: population now and then, plans, balance, worst buurten."""
    sc = result.scenario
    lab0, lab1 = result.labels
    g = result.growth
    inw0, inw1 = g[f"inwoners_{lab0}"].sum(), g[f"inwoners_{lab1}"].sum()
    old0, old1 = g[f"ouderen_{lab0}"].sum(), g[f"ouderen_{lab1}"].sum()
    elderly = result.now.elderly_label
    forecast = ("geen prognose: de bevolking van nu plus de plannen" if sc.forecast is None
                else f"prognose {LEVEL_PHRASES.get(result.target.level or '', '')} uit "
                     f"{Path(sc.forecast.source).name}")
    lines = [
        f"Scenario {sc.name}: {result.now.area.name} in {sc.target_year} ({forecast}).",
        f"Inwoners {nl_int(inw0)} ({lab0}) → {nl_int(inw1)} ({lab1}); {elderly} {nl_int(old0)} → {nl_int(old1)}.",
    ]
    lines += describe_changes(result.target)
    lines += result.target.warnings
    s0 = float(result.now.scores.stad.overall.iloc[0])
    s1 = float(result.then.scores.stad.overall.iloc[0])
    ch = result.barcode_changes
    lines.append(
        f"Balansscore stad {nl_number(s0, 2)} → {nl_number(s1, 2)}; "
        f"{int((ch['richting'] == 'slechter').sum())} strepen slechter en "
        f"{int((ch['richting'] == 'beter').sum())} beter (stad, wijken en buurten)."
    )
    worst = result.worst(3)
    if len(worst):
        names = result.now.area.buurten["buurtnaam"]
        lines.append("Balans verslechtert het meest in: " + ", ".join(
            f"{names[c]} (+{nl_int(r['extra_buiten_norm'])} mensen buiten de normen)" if r["extra_buiten_norm"] >= 0.5
            else str(names[c]) for c, r in worst.iterrows()) + ".")
    return lines


