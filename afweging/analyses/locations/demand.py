"""Demand: who would a new site serve, and how much does each home weigh?

Per home (the origins of the reachability result), for one priority question with the
priorities' own settings (``priorities.toml``):

``people``
    The target group living there: residents × the buurt's share of the question's CBS
    group (children ``a_00_14`` for speelplek, all residents for ontmoetingsplek and
    voorzieningen), as in :func:`afweging.analyses.priorities.prioritise`.
``missing``
    How many of the question's categories lie beyond the norm now: 0 or 1 for speelplek
    and ontmoetingsplek (one kind of facility), 0 to k for voorzieningen (the everyday
    categories that have facilities in the area). A new site of voorzieningen is a
    cluster with all of them, so a home it serves gains every missing one; this is the
    priorities' gap (residents × missing categories).
``need_weight``
    ``1 + ongelijk_investeren × need index of the home's buurt``: the factor of the
    priority score, so a buurt one standard deviation needier than average weighs about
    twice as much as one a standard deviation below it (the default settings).
``no_route``
    The home lies on the network but no route leads from it to any facility of its
    missing categories (a cut-off piece): the engine then estimates its times in a
    straight line, for new sites as well (see :mod:`afweging.analyses.reach.coverage`).
``weight``
    ``people × missing × need_weight``: what serving this home adds to the objective.
    Zero for homes already served (within the norm of an existing facility of every
    category) and for homes whose situation is unknown (``excluded``: no travel time, or
    the buurt has no data in the priorities, e.g. outside the facility source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from afweging import settings
from afweging._format import nl_int, nl_names
from afweging.analyses.priorities.config import Question
from afweging.analyses.priorities.inputs import PriorityInputs
from afweging.analyses.reach.coverage import RTOL
from afweging.analyses.reach.graph import ArrayGraph
from afweging.analyses.reach.reachability import NETWORK, NO_ROUTE, travel_minutes
from afweging.data import tags


@dataclass
class Demand:
    """Demand of one question per home (see the module docstring).

    Attributes
    ----------
    question : Question
        The priority question (category, norm, mode, target group).
    categories : tuple of str
        The facility categories a new site brings (those with facilities in the area).
    minutes : float
        The norm in minutes.
    need_factor : float
        ``ongelijk_investeren`` of the settings.
    homes : DataFrame
        Indexed like ``reach.homes`` (homes in a buurt of the area): ``buurtcode``,
        ``wijkcode``, ``people``, ``people_<col>`` per report group, ``need_index``
        (0-1, NaN without inhabitants), ``need_weight``, ``missing``, ``weight``,
        ``covered`` (served now), ``excluded`` (unknown), ``method`` (the
        reachability engine's method per home) and ``no_route``.
    xy : ndarray, shape (n, 2)
        Home coordinates, EPSG:28992.
    caveats : list of str
        Dutch caveats (excluded homes, categories left out).
    """

    question: Question
    categories: tuple[str, ...]
    minutes: float
    need_factor: float
    homes: pd.DataFrame
    xy: np.ndarray
    caveats: list[str] = field(default_factory=list)

    @property
    def report_groups(self) -> dict[str, str]:
        """CBS column -> Dutch plural of the groups counted besides the target group."""
        return dict(self.question.report_groups)

    def weight(self) -> np.ndarray:
        """The objective weight per home."""
        return self.homes["weight"].to_numpy(dtype=float)


def location_demand(inp: PriorityInputs, priorities: object, question: str, *,
                    graph: ArrayGraph | None = None) -> Demand:
    """Demand per home for ``question`` (see the module docstring).

    Parameters
    ----------
    inp : PriorityInputs
        Over the area, the layers and the reachability result.
    priorities : PriorityResult
        From :func:`afweging.analyses.priorities.prioritise` on the same inputs: its
        settings, need index and buurt status are used as they are.
    question : str
        ``speelplek``, ``ontmoetingsplek`` or ``voorzieningen``.
    graph : ArrayGraph, optional
        The question's street network, to find the homes without any route (``no_route``).
    """
    cfg = priorities.config  # type: ignore[attr-defined]
    q: Question = cfg.questions[question]
    frame: pd.DataFrame = priorities.questions[question]  # type: ignore[attr-defined]
    speed = settings.speed_m_per_min(q.mode)
    thr = q.threshold_minutes(speed)
    cats = list(q.categories) if q.categories is not None else tags.everyday_categories()
    cats = [c for c in cats if inp.category_present(c)]
    caveats: list[str] = []
    homes = inp.homes()
    codes = homes["buurtcode"].to_numpy()
    what = f"Locatiekeuze {question!r} (settings questions.{q.id}.group)"
    share = inp.group_share(q.group, for_what=what).reindex(codes).to_numpy(dtype=float)
    people = homes["residents"].to_numpy(dtype=float) * share
    out = pd.DataFrame(index=homes.index)
    out["buurtcode"] = codes
    out["wijkcode"] = inp.area.buurten["wijkcode"].reindex(codes).to_numpy()
    out["people"] = np.nan_to_num(people, nan=0.0)
    for col in q.report_groups:
        s = inp.group_share(col, for_what=f"{what[:-1]}, report_groups)").reindex(codes)
        out[f"people_{col}"] = np.nan_to_num(homes["residents"].to_numpy(dtype=float) * s.to_numpy(), nan=0.0)
    need = frame["need_index"].reindex(codes).to_numpy(dtype=float)
    out["need_index"] = need
    out["need_weight"] = 1.0 + cfg.ongelijk_investeren * np.nan_to_num(need, nan=0.0)
    limit = thr * (1.0 + RTOL)
    if cats:
        times = np.column_stack([inp.home_minutes(q.mode, c) for c in cats])
        unknown = np.isnan(times).any(axis=1)
        missing = (np.nan_to_num(times, nan=0.0) > limit).sum(axis=1)
    else:
        unknown = np.ones(len(homes), dtype=bool)
        missing = np.zeros(len(homes), dtype=np.int64)
    no_data = frame["status"].reindex(codes).to_numpy() != "ok"
    excluded = unknown | no_data | np.isnan(people)
    out["missing"] = np.where(excluded, 0, missing).astype(np.int64)
    out["covered"] = ~excluded & (missing == 0)
    out["excluded"] = excluded
    out["weight"] = np.where(excluded, 0.0, out["people"] * out["missing"] * out["need_weight"])
    out["method"] = inp.home_method(q.mode)
    out["no_route"] = _no_route(inp, graph, q.mode, thr, cats, out, times if cats else None)
    if not cats:
        caveats.append(f"{q.label}: geen enkele voorziening van deze soort in het gebied, dus niet "
                       f"te zeggen wie er nu al bediend wordt; de locatiekeuze heeft geen gegevens.")
    n_unknown = int((unknown & ~no_data).sum())
    if n_unknown:
        caveats.append(f"{nl_int(n_unknown)} woning(en) zonder bekende reistijd (los netwerkdeel) "
                       f"tellen niet mee in de locatiekeuze.")
    n_no_data = int(no_data.sum())
    if n_no_data:
        names = sorted(set(frame.loc[frame["status"] != "ok", "buurtnaam"].astype(str)))
        caveats.append(f"{nl_int(n_no_data)} woning(en) in buurten zonder gegevens voor "
                       f"{q.label.lower()} ({nl_names(names, 8)}) "
                       f"tellen niet mee in de locatiekeuze.")
    return Demand(
        question=q,
        categories=tuple(cats),
        minutes=thr,
        need_factor=cfg.ongelijk_investeren,
        homes=out,
        xy=inp.home_xy(),
        caveats=caveats,
    )



def _no_route(inp: PriorityInputs, graph: ArrayGraph | None, mode: str, thr: float,
              cats: list[str], homes: pd.DataFrame, times: np.ndarray | None) -> np.ndarray:
    """Homes with demand on the network from which no route leads to any facility of any
    of their missing categories (see ``no_route`` in the module docstring)."""
    out = np.zeros(len(homes), dtype=bool)
    sel = np.flatnonzero((homes["weight"].to_numpy() > 0) & (homes["method"].to_numpy() == NETWORK))
    if graph is None or times is None or not len(sel):
        return out
    fac = inp.area.facilities
    assert fac is not None  # a category is only counted when it has facilities
    xy = inp.home_xy()[sel]
    dest = {c: np.column_stack([g.x, g.y]) for c in cats
            for g in [fac.geometry[fac["category"] == c]]}
    _, how = travel_minutes(graph, xy, dest, mode=mode, max_minutes=thr * (1.0 + 1e-6),
                            **inp.reach_settings(mode))
    limit = thr * (1.0 + RTOL)
    missing = times[sel] > limit
    no_route = np.column_stack([how[c] == NO_ROUTE for c in cats])
    out[sel] = (no_route | ~missing).all(axis=1)
    return out
