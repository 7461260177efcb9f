"""The plan check end to end on the demo area: before/after, shortfalls, outputs.

One baseline of the demo area is computed per module and shared by the checks.
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from afweging import _names
from afweging.analyses.plan import (
    check_plan,
    check_plans,
    plan_command_main,
    plan_from_frame,
    prepare_baseline,
    write_plan_checks,
)
from afweging.analyses.reach.reachability import reachability

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RD = "EPSG:28992"


@pytest.fixture(scope="module")
def base(demo):
    return prepare_baseline(demo)


def frame(features: list[dict]) -> gpd.GeoDataFrame:
    props = [{k: v for k, v in f.items() if k != "geometry"} for f in features]
    return gpd.GeoDataFrame(pd.DataFrame(props), geometry=[f["geometry"] for f in features], crs=RD)


def plan(features: list[dict], name: str = "test"):
    return plan_from_frame(frame(features), name=name, what=name)


@pytest.fixture(scope="module")
def example(demo, base):
    return check_plan(demo, EXAMPLES / "plan_demostad.geojson", baseline=base)


# ============================================================================ example plan
def test_example_plan_shortfalls_by_hand(example):
    v = {x.norm_id: x for x in example.verdicts}
    # 800 dwellings, Vaartpark 200 x 200 m = 40,000 m² green: 75 x 800 = 60,000 needed
    assert v["plan_groen_per_woning"].value == pytest.approx(50.0)
    assert v["plan_groen_per_woning"].shortfall == pytest.approx(20_000.0)
    # 30 + 20 + 15 % affordable = 65 %: 600 of 800 needed, 520 planned
    assert v["plan_betaalbaar_75pct"].shortfall == 80
    # play: 3,000 m² in the block + 1,500 m² in the park = 4,500 of 3 % x 157,500 m² = 4,725
    assert v["plan_speelruimte_3pct"].shortfall == pytest.approx(225.0)
    assert v["plan_speelruimte_3pct"].status == "bijna"  # 2.86 / 3 = 0.95 >= 0.8
    # kengetal: 40,000 green + 3,000 play (the park's 1,500 counted once) + 18,000 school
    # + 5,000 facility land + 800 for the health centre = 66,800 of 180 x 800 = 144,000
    assert example.quantities.kengetal_m2 == pytest.approx(66_800.0)
    assert v["plan_voorzieningen_groen"].shortfall == pytest.approx(77_200.0)
    assert len(example.shortfalls) == 5  # the four plan norms and walking to everything
    walk = next(x for x in example.verdicts if x.indicator == "reach_walk_pct_all_categories_within_10min")
    assert "apotheek" in walk.text  # Demostad's only pharmacies are far from the business park
    assert example.plan_buurten == ["BU99990503"]


def test_amounts_in_the_texts_read_like_a_memo(demo, base):
    """30,001 m² of green for 800 dwellings reads "30.000 m²", its shortfall of 29,999 m²
    "30.000 m²" (to 100 m² from 10,000 m²); the exact numbers stay in the verdict/JSON."""
    from shapely.geometry import box

    from afweging._format import nl_area

    assert [nl_area(x) for x in (30_001, 59_999, 1_234, 87.4, 10_049)] == ["30.000", "60.000", "1.230", "87", "10.000"]
    c = demo.buurten.geometry.loc["BU99990503"].representative_point()
    side = 30_001 ** 0.5
    check = check_plan(demo, plan([
        {"functie": "wonen", "woningen": 800, "geometry": box(c.x - 150, c.y - 300, c.x + 150, c.y + 300)},
        {"functie": "groen", "geometry": box(c.x - 200 - side, c.y, c.x - 200, c.y + side)},
    ]), baseline=base)
    green = next(x for x in check.verdicts if x.norm_id == "plan_groen_per_woning")
    assert green.shortfall == pytest.approx(60_000 - 30_001, abs=0.5)
    assert "het plan heeft 30.000 m² openbaar groen" in green.text
    assert "nog 30.000 m² toevoegen" in green.text and "29.999" not in green.text


def test_example_new_residents(example, demo):
    nr = example.new_residents
    assert nr["woningen"] == pytest.approx(800.0)
    # Bedrijventerrein De Vaart has no households: the area's mean household size is used
    hh = demo.buurten["a_inw"].sum() / demo.buurten["a_hh"].sum()
    assert nr["inwoners"] == pytest.approx(800 * hh)
    assert "gemiddelde van het gebied" in example.applied.defaults_used["huishoudgrootte"]
    # the health centre and the day care are inside the block: every new resident walks there
    # within 10 minutes (the block is 450 x 350 m)
    for cat in ("huisarts", "kinderopvang"):
        assert nr["per_modus"]["walk"]["per_categorie"][cat]["pct_binnen"] == pytest.approx(100.0)


def test_the_area_is_not_modified(demo, base):
    snapshot = {k: getattr(demo, k).copy() for k in ("buurten", "wijken", "homes", "facilities", "green")}
    check_plan(demo, EXAMPLES / "plan_demostad.geojson", baseline=base)
    for key, before in snapshot.items():
        pd.testing.assert_frame_equal(getattr(demo, key), before)


# ============================================================================ issue tests
def test_green_only_plan_raises_only_green_indicators(demo, base):
    park = plan([{"naam": "Weidepark-Oost", "functie": "groen", "geometry": box(151000, 450500, 151100, 450600)}])
    check = check_plan(demo, park, baseline=base)
    ch = check.indicator_changes
    assert len(ch) > 0
    green_related = (
        (ch["layer"] == "green")
        | ch["indicator"].str.contains("_park_")
        | ch["indicator"].isin(["fac_n_missing_categories", "fac_missing_categories"])
        | ch["indicator"].str.match(r"reach_(walk|bike)_(n_categories|pct_all_categories)_within")
    )
    # the heat proxy is built from density, water and green (layers/heat.py): more green may
    # only lower it; no other heat, noise or housing indicator may move
    proxy = ch["indicator"] == "heat_proxy_index"
    assert (ch.loc[proxy, "after"].astype(float) <= ch.loc[proxy, "before"].astype(float)).all()
    assert (green_related | proxy).all(), ch[~(green_related | proxy)]
    assert set(ch["layer"]) <= {"green", "facilities", "bereikbaarheid", "heat"}
    ch = ch[~proxy]
    # every change is a gain: more green, more parks, shorter times
    num = ch[ch["indicator"] != "fac_missing_categories"]
    minutes = num["indicator"].str.endswith("_min")
    assert (num.loc[~minutes, "after"].astype(float) >= num.loc[~minutes, "before"].astype(float)).all()
    assert (num.loc[minutes, "after"].astype(float) <= num.loc[minutes, "before"].astype(float)).all()
    assert "green_public_m2" in set(ch["indicator"])
    # the buurt statistics do not change
    pd.testing.assert_frame_equal(check.applied.after.buurten, demo.buurten)
    assert [v.status for v in check.verdicts if v.theme != "bereikbaarheid"] == ["niet van toepassing"] * 4


def test_zero_dwellings_change_nothing(demo, base):
    empty = plan([{"naam": "leeg vlak", "woningen": 0, "geometry": box(150800, 449450, 151250, 449800)}])
    check = check_plan(demo, empty, baseline=base)
    assert len(check.indicator_changes) == 0
    assert check.reach_buurten == []
    pd.testing.assert_frame_equal(check.scores.buurt.values, base.scores.buurt.values)
    pd.testing.assert_frame_equal(check.scores.stad.values, base.scores.stad.values)
    assert check.shortfalls == []
    assert {v.status for v in check.verdicts} == {"niet van toepassing"}


def test_a_facility_never_makes_a_trip_longer_and_matches_a_full_recompute(demo, base):
    extra = plan([
        {"naam": "Super Zonnehof", "categorie": "supermarkt", "geometry": Point(148800, 450000)},
        {"naam": "Huisarts Rozendaal", "categorie": "huisarts", "geometry": Point(149000, 449400)},
        {"naam": "Blok", "woningen": 0, "geometry": box(148700, 449900, 148900, 450100)},
    ])
    check = check_plan(demo, extra, baseline=base)
    before, after = base.reach.homes, check.reach.homes
    assert after.index.equals(before.index)  # no new homes
    cols = [c for c in after.columns if re.match(r"(walk|bike)_min_", c)]
    b, a = before[cols].to_numpy(dtype=float), after[cols].to_numpy(dtype=float)
    assert (np.isnan(b) == np.isnan(a)).all()
    ok = ~np.isnan(b)
    assert (a[ok] <= b[ok] + 1e-9).all()
    assert (a[ok] < b[ok] - 1e-9).any()
    # only some buurten were recomputed, and the result equals a full recompute
    assert 0 < len(check.reach_buurten) < len(demo.buurten)
    full = reachability(check.applied.after, categories=list(base.categories))
    pd.testing.assert_frame_equal(after[cols], full.homes[cols])
    pd.testing.assert_frame_equal(check.reach.buurten, full.buurten)


def test_new_homes_match_a_full_recompute(demo, base, example):
    cols = [c for c in example.reach.homes.columns if re.match(r"(walk|bike)_min_", c)]
    full = reachability(example.applied.after, categories=list(base.categories))
    pd.testing.assert_frame_equal(example.reach.homes[cols], full.homes[cols])
    pd.testing.assert_frame_equal(example.reach.buurten, full.buurten)


# ============================================================================ outputs
def test_json_is_stable_for_identical_input(demo, base, example):
    again = check_plan(demo, EXAMPLES / "plan_demostad.geojson", baseline=base)
    text = example.to_json()
    assert text == again.to_json()
    doc = json.loads(text)  # strict JSON: no NaN or Infinity
    assert list(doc) == sorted(doc)
    variant = doc["varianten"][0]
    assert variant["bestand"] == "plan_demostad.geojson"
    assert variant["indicatoren"]["plan_green_m2_per_new_dwelling"] == 50.0
    assert "timing" not in text and "seconds" not in text
    fresh = check_plans(demo, [EXAMPLES / "plan_demostad.geojson"])[0]  # a new baseline too
    assert fresh.to_json() == text


def test_write_html_and_json(tmp_path: Path, example):
    files = example.write(tmp_path / "uit")
    assert sorted(f.name for f in files) == ["plan_check.html", "plan_check.json"]
    page = (tmp_path / "uit" / "plan_check.html").read_text("utf-8")
    assert "<script" not in page and not re.search(r'(src|href)="https?:', page)  # self-contained
    assert "Wat moet erbij?" in page and "nog 20.000 m² toevoegen" in page  # Dutch numbers
    assert page.count("<svg") >= 7  # map + before/after barcodes of buurt, wijk and city
    assert "synthetische demogebied" in page
    assert not list(tmp_path.glob(".afweging-plan-*"))  # no temporary folder left


def test_variants_side_by_side(tmp_path: Path, demo, base, example):
    greener = dataclasses.replace(example.plan, name="groener")
    f = greener.features.copy()
    f.loc[f["naam"] == "Vaartkwartier", "sociale_huur_pct"] = 40.0
    greener = dataclasses.replace(greener, features=f)
    checks = check_plans(demo, [example.plan, greener], baseline=base)
    write_plan_checks(checks, tmp_path)
    doc = json.loads((tmp_path / "plan_check.json").read_text("utf-8"))
    assert [v["naam"] for v in doc["varianten"]] == ["plan_demostad", "groener"]
    cmp = doc["vergelijking"]
    assert cmp["plan_demostad"]["oordelen"]["plan_betaalbaar_75pct"]["tekort"] == 80
    assert cmp["groener"]["oordelen"]["plan_betaalbaar_75pct"]["tekort"] == 0  # 75 % now
    page = (tmp_path / "plan_check.html").read_text("utf-8")
    assert "Varianten naast elkaar" in page and "groener" in page


def test_plan_command_main_on_the_demo(tmp_path: Path):
    lines: list[str] = []
    result = plan_command_main([EXAMPLES / "plan_demostad.geojson"], None, tmp_path, progress=lines.append)
    assert (tmp_path / "plan_check.html").exists() and (tmp_path / "plan_check.json").exists()
    assert lines[0] == "Plan(nen) lezen" and any("Demogebied" in x for x in lines)
    assert result.summary[0].startswith("plan_demostad: 800 nieuwe woningen")
    assert any("nog 20.000 m²" in s for s in result.summary)


def test_plan_command_main_refuses_bad_files_before_computing(tmp_path: Path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                   '{"woningen": -3}, "geometry": {"type": "Polygon", "coordinates": '
                   '[[[5.0, 52.0], [5.001, 52.0], [5.001, 52.001], [5.0, 52.0]]]}}]}')
    with pytest.raises(Exception, match=r"woningen = -3") as err:
        plan_command_main([bad], None, tmp_path / "uit")
    assert err.type.__name__ == "PlanError"
    assert not (tmp_path / "uit").exists()


def test_units_shown_are_the_plan_buurt_its_wijk_and_the_city(example):
    assert example.units == ["BU99990503", "WK999905", "GM9999"]
    table = example.barcode_table()
    assert set(table["code"]) == set(example.units)
    city = table[(table["code"] == "GM9999") & (table["norm"] == "wonen_sociale_huur_35")].iloc[0]
    assert city["waarde_na"] > city["waarde_voor"]  # 240 new corporation homes raise the share
    col = _names.reach_complete_share_col("walk", 10)
    assert col in base_columns(example)


def base_columns(check) -> list[str]:
    return list(check.reach.buurten.columns)


@pytest.mark.browser
def test_plan_check_html_opens_offline_in_chromium(tmp_path: Path, example):
    from _chromium import external_references, render

    (path, _) = sorted(example.write(tmp_path), key=lambda p: p.suffix != ".html")
    assert path.name == "plan_check.html"
    assert external_references(path.read_text("utf-8")) == []
    png = tmp_path / "plan_check.png"
    result = render(path, png, window_size=(1280, 2000))
    assert result.errors == []
    import matplotlib.image as mpimg

    img = (mpimg.imread(png)[:, :, :3] * 255).astype(int)
    # the red of "voldoet niet" (#d73027) is on the page: the plan misses norms
    assert (np.abs(img - np.array([0xD7, 0x30, 0x27])).max(axis=2) <= 8).any()


def test_wijk_and_city_quantiles_from_the_baseline_order_equal_a_fresh_sort(demo, base):
    """The plan check sorts the per-home times after the plan from the baseline's order
    (new homes, changed times); the scores equal those of a fresh sort (no seed), for a
    plan with new homes in several buurten, demolition and a new facility."""
    from afweging.analyses.plan import check as check_module
    from afweging.barcode import score

    p = plan([
        {"naam": "a", "woningen": 300, "woningen_sloop": 40, "geometry": box(149837, 450430, 149957, 450550)},
        {"naam": "b", "woningen": 150, "geometry": box(148713, 450380, 148813, 450480)},
        {"naam": "huisarts", "categorie": "huisarts", "geometry": Point(148813, 450480)},
    ])
    used = []
    real = check_module._order_from_baseline

    def spy(*args):
        out = real(*args)
        used.append(out is not None)
        return out

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # demolition beyond the residents inside
        mp.setattr(check_module, "_order_from_baseline", spy)
        c = check_plan(demo, p, baseline=base)
    assert used and all(used)  # the baseline's order was taken
    fresh = score(c.applied.after, c.layers, c.reach, norms=base.norms)
    for level in ("buurt", "wijk", "stad"):
        got, want = getattr(c.scores, level), getattr(fresh, level)
        for part in ("values", "scores", "statuses"):
            pd.testing.assert_frame_equal(getattr(got, part), getattr(want, part), check_exact=True)
