"""The plan check on the real Utrecht data (skipped when ../shared/data/utrecht is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from afweging._errors import PlanError
from afweging.analyses.plan import check_plan, prepare_baseline

pytestmark = pytest.mark.utrecht

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BUURT = "BU03440821"  # Bedrijvengebied Kanaleneiland


@pytest.fixture(scope="module")
def base(utrecht_area):
    return prepare_baseline(utrecht_area)


@pytest.fixture(scope="module")
def check(utrecht_area, base):
    return check_plan(utrecht_area, EXAMPLES / "plan_utrecht.geojson", baseline=base)


def test_example_plan_programme_and_shortfalls(check):
    q = check.quantities
    assert q.dwellings_new == 1200 and q.social_rent == pytest.approx(360.0)
    # the polygons were drawn in RD (400 x 300 m and 150 x 200 m) and stored as lon/lat
    assert q.residential_area_m2 == pytest.approx(120_000.0, rel=1e-3)
    assert q.green_m2 == pytest.approx(30_000.0, rel=1e-3)
    v = {x.norm_id: x for x in check.verdicts}
    assert v["plan_groen_per_woning"].shortfall == pytest.approx(90_000 - 30_000, rel=1e-3)
    assert v["plan_speelruimte_3pct"].shortfall == pytest.approx(3_600 - 2_000, rel=1e-3)
    # 30,000 park + 2,000 play + 6,000 facility land + 1,500 supermarket = 39,500 m²
    assert v["plan_voorzieningen_groen"].value == pytest.approx(39_500 / 1200, rel=1e-3)
    assert v["plan_betaalbaar_75pct"].shortfall == 120  # 65 % affordable, 900 needed
    assert len(check.shortfalls) >= 4
    assert check.plan_buurten == [BUURT]


def test_example_plan_updates_the_buurt_statistics(check):
    before = check.applied.before.buurten.loc[BUURT]
    after = check.applied.after.buurten.loc[BUURT]
    assert (before["a_woning"], after["a_woning"]) == (373.0, 1573.0)
    # CBS g_hhgro of the buurt is 1.3: 1,200 x 1.3 = 1,560 new residents
    assert after["a_inw"] == pytest.approx(460 + 1560)
    assert after["p_wcorpw"] == pytest.approx(100 * 360 / 1573)  # 0 % corporation-owned before
    assert check.new_residents["inwoners"] == pytest.approx(1560.0)
    assert "1,3 (CBS g_hhgro)" in check.applied.defaults_used["huishoudgrootte"]


def test_reachability_is_recomputed_only_near_the_plan(check, utrecht_area):
    assert BUURT in check.reach_buurten
    assert len(check.reach_buurten) < 15 < len(utrecht_area.buurten)
    new = check.reach.homes.loc[check.applied.new_homes.index]
    # the supermarket is inside the block, at most 250 m as the crow flies from any new home
    # (the block is 400 x 300 m): within 10 minutes' walk (800 m) for every new resident
    assert (new["walk_min_supermarkt"] <= 10).all()
    per_cat = check.new_residents["per_modus"]["walk"]["per_categorie"]
    assert per_cat["supermarkt"]["pct_binnen"] == pytest.approx(100.0)


def test_json_is_valid_and_names_the_real_buurt(check):
    doc = json.loads(check.to_json())
    assert doc["gebied"]["naam"] == "Utrecht"
    assert doc["varianten"][0]["statistiek"][BUURT]["naam"] == "Bedrijvengebied Kanaleneiland"


def test_a_plan_outside_utrecht_is_refused(utrecht_area, base):
    with pytest.raises(PlanError, match=r"object 0 \('Vaartkwartier'\): 100 % van het vlak .* ligt buiten"):
        check_plan(utrecht_area, EXAMPLES / "plan_demostad.geojson", baseline=base)
