"""Plan consistency: the chosen sites, added as facilities through the plan check, bring
exactly the reported demand within the norm.

The plan check recomputes reachability after the plan with the engine (a new facility of
the category at every chosen site); the homes that were beyond the norm before and are
within it after, weighted as the location choice weighs them, must add up to the
objective the location choice reported.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest

from afweging import _names, settings
from afweging._format import nl_int
from afweging.analyses.locations import LocationChoice, choose_locations
from afweging.analyses.plan import check_plan, plan_from_frame, prepare_baseline
from afweging.analyses.reach.coverage import RTOL


def _plan(choice: LocationChoice):
    """The chosen sites as plan points: one facility per category the site brings (and the
    polygon every plan needs: 100 m² of new green under the first site, which changes no
    travel time)."""
    first = choice.sites.geometry.iloc[0]
    rows = [{"naam": "groen", "functie": "groen", "geometry": first.buffer(5.6, quad_segs=2)}]
    for _, s in choice.sites.iterrows():
        for cat in choice.demand.categories:
            rows.append({"naam": f"{s['site_id']} {cat}", "categorie": cat, "geometry": s.geometry})
    return plan_from_frame(gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.crs),
                           name="locatiekeuze")


def _covered_after(choice: LocationChoice, reach_after) -> float:
    d = choice.demand
    q = d.question
    h = d.homes
    before = h["weight"].to_numpy() > 0
    limit = d.minutes * (1 + RTOL)
    times = np.column_stack([
        reach_after.homes[_names.reach_home_col(q.mode, c)].reindex(h.index).to_numpy(dtype=float)
        for c in d.categories
    ])
    within_after = (times <= limit).all(axis=1)
    return float(h["weight"].to_numpy()[before & within_after].sum())


def _check(area, baseline, choice: LocationChoice) -> None:
    assert len(choice.sites) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check = check_plan(area, _plan(choice), baseline=baseline)
    assert _covered_after(choice, check.reach) == pytest.approx(choice.objective, rel=1e-9)


@pytest.fixture(scope="module")
def demo_base(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare_baseline(demo)


@pytest.mark.parametrize("question", ["speelplek", "ontmoetingsplek", "voorzieningen"])
def test_plan_check_confirms_the_demo_choice(demo, demo_base, question: str) -> None:
    import afweging

    base = demo_base
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prios = afweging.prioritise(demo, base.layers, base.reach)
    choice = choose_locations(demo, question=question, n=3, layers=base.layers, reach=base.reach,
                              priorities=prios)
    _check(demo, base, choice)


@pytest.mark.utrecht
def test_plan_check_confirms_the_utrecht_choice(utrecht_area) -> None:
    import afweging

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = prepare_baseline(utrecht_area)
        prios = afweging.prioritise(utrecht_area, base.layers, base.reach)
    choice = choose_locations(utrecht_area, question="speelplek", n=5, layers=base.layers,
                              reach=base.reach, priorities=prios)
    assert choice.comparison["objective"] >= choice.comparison["objective_greedy"] - 1e-9
    _check(utrecht_area, base, choice)
    # the buurten whose inhabitants have no homes in the source are named, with their
    # inhabitants (CBS a_inw), as the loader's warning counts them
    inw = utrecht_area.buurten["a_inw"]
    without = inw[(inw > 0) & ~inw.index.isin(utrecht_area.homes["buurtcode"].unique())]
    said = [c for c in choice.caveats if "geen woningen in de bron" in c]
    assert len(without) == 11 and len(said) == 1
    assert said[0].startswith(f"11 buurt(en) met samen {nl_int(float(without.sum()))} inwoners")
    assert nl_int(float(without.sum())) == "51.015"
