"""Scenarios (afweging scenario): forecast reading, the distribution over the buurten,
the target-year Area, now against then, outputs and the CLI.

The distribution is checked on a two-buurt example computed by hand; the whole chain on
the demo town (one shared result per module) and, when ../shared is present, on Utrecht.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from afweging.cli import main
from afweging.scenarios import (
    AgeModel,
    ForecastError,
    PlanEntry,
    Scenario,
    ScenarioError,
    read_scenario,
    scenario,
    target_area,
)
from afweging.scenarios.demo import _plans, demo_scenario, write_demo_scenario
from afweging.scenarios.forecast import Forecast, forecast_from_frame, read_forecast
from afweging.scenarios.population import distribute, parse_band, present_by_area

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CBS = ["a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo"]


# ============================================================================ age bands
def test_cbs_bands_split_by_single_years_of_age() -> None:
    model = AgeModel()
    split = {col: [(f.label, frac) for f, frac in parts] for col, parts in model.split.items()}
    assert split["a_00_14"] == [("0-11", 12 / 15), ("12-14", 3 / 15)]
    assert split["a_15_24"] == [("15-17", 3 / 10), ("18-24", 7 / 10)]
    assert split["a_65_oo"] == [("65+", 1.0)]
    with_share = AgeModel(0.4).split["a_65_oo"]
    assert [(f.label, frac) for f, frac in with_share] == [("65-74", 0.6), ("75+", 0.4)]
    # the policy bands are unions of fine bands
    assert [f.label for f in model.fine_of(parse_band("12-17"))] == ["12-14", "15-17"]
    assert [f.label for f in model.fine_of(parse_band("a_65_oo"))] == ["65+"]


def test_75_plus_needs_a_share() -> None:
    with pytest.raises(ForecastError, match="aandeel_75_plus"):
        AgeModel().fine_of(parse_band("75+"))
    with pytest.raises(ForecastError, match="past niet op de grenzen"):
        AgeModel().fine_of(parse_band("0-10"))


# ============================================================================ the distribution, by hand
def two_buurten() -> pd.DataFrame:
    """Buurt A (100 inhabitants) and B (200), the same age structure: 20/10/30/20/20 %."""
    return pd.DataFrame(
        {"buurtnaam": ["A", "B"], "a_inw": [100.0, 200.0],
         "a_00_14": [20.0, 40.0], "a_15_24": [10.0, 20.0], "a_25_44": [30.0, 60.0],
         "a_45_64": [20.0, 40.0], "a_65_oo": [20.0, 40.0]},
        index=pd.Index(["A", "B"], name="buurtcode"),
    )


def run_distribute(buurten: pd.DataFrame, forecast: dict[str, float], new: dict[str, float] | None = None,
                   now: pd.DataFrame | None = None, dwellings: dict[str, float] | None = None):
    model = AgeModel()
    area_of = pd.Series("stad", index=buurten.index, dtype=object)
    table = pd.DataFrame([forecast], index=pd.Index(["stad"], name="gebied")).astype(float)
    present = present_by_area(now if now is not None else buurten, area_of, model)
    return distribute(buurten, pd.Series(new or {}, dtype=float), table, area_of, model=model,
                      present=present, names={"stad": "Stad"},
                      new_dwellings=pd.Series(dwellings, dtype=float) if dwellings else None)


def test_city_forecast_of_inhabitants_and_65_plus_by_hand() -> None:
    # 65+: 60 now, 66 forecast: +6 spread by today's 65-plussers (A 20, B 40): +2 and +4.
    # the rest: 330 - 66 = 264 forecast, 300 - 60 = 240 now: +24 spread by the under-65s
    # (A 80, B 160): +8 and +16. So A 100 -> 110, B 200 -> 220; 65+ A 22, B 44.
    d = run_distribute(two_buurten(), {"inwoners": 330, "65+": 66})
    assert d.deltas["a_inw"].to_dict() == pytest.approx({"A": 10.0, "B": 20.0})
    assert d.deltas["a_65_oo"].to_dict() == pytest.approx({"A": 2.0, "B": 4.0})
    # the under-65 growth follows each buurt's own structure: A's 0-14 is 20/80 of its 8
    assert d.deltas["a_00_14"].to_dict() == pytest.approx({"A": 2.0, "B": 4.0})
    assert d.total_factor.to_dict() == pytest.approx({"A": 1.1, "B": 1.1})
    # all of the growth goes into the existing homes (no plans): said, with the numbers
    assert d.warnings == [
        "Stad: de prognose geeft 330 inwoners (+30 ten opzichte van de 300 van nu); het scenario heeft hier "
        "geen plannen met woningen. De bestaande woningen krijgen er 30 bewoners bij (10,0 % meer). Hoort die "
        "groei in nieuwe woningen, neem dan de rest van het woningbouwprogramma als plannen op."]
    assert d.messages == d.warnings
    rest = d.areas.set_index("klasse").loc["overige leeftijden"]
    assert (rest["nu"], rest["prognose"], rest["groei_bestaand"]) == pytest.approx((240, 264, 24))


def test_cbs_rounding_between_bands_and_inhabitants_does_not_leak_into_the_totals() -> None:
    # CBS rounds the bands apart from a_inw: A has 105 inhabitants, its bands add to 100.
    # 65+ as before (+2, +4); the rest is inhabitants minus 65+: 305 - 60 = 245 now, 264
    # forecast: +19 over A 85 / B 160. The inhabitants still sum to 330 exactly.
    b = two_buurten()
    b.loc["A", "a_inw"] = 105.0
    d = run_distribute(b, {"inwoners": 330, "65+": 66})
    assert d.deltas["a_inw"].to_dict() == pytest.approx({"A": 2 + 19 * 85 / 245, "B": 4 + 19 * 160 / 245})
    assert 305 + d.deltas["a_inw"].sum() == pytest.approx(330, abs=1e-9)
    assert d.deltas["a_65_oo"].sum() == pytest.approx(6)


def test_plans_residents_stay_and_the_forecast_rest_goes_to_existing_homes() -> None:
    # A plan put 30 residents in A (with A's structure: 6 of them 65+). The buurten after
    # the plan: A 130 (65+ 26), B 200 (65+ 40). Forecast 345, 65+ 69: the 65+ growth of
    # the existing homes is 69 - 66 = 3 over existing 65-plussers A 20 / B 40: +1 / +2;
    # the rest 276 - 264 = 12 over existing under-65s A 80 / B 160: +4 / +8.
    after = two_buurten()
    after.loc["A", ["a_inw", *CBS]] = [130.0, 26.0, 13.0, 39.0, 26.0, 26.0]
    d = run_distribute(after, {"inwoners": 345, "65+": 69}, new={"A": 30.0}, now=two_buurten())
    assert d.deltas["a_inw"].to_dict() == pytest.approx({"A": 5.0, "B": 10.0})
    assert d.deltas["a_65_oo"].to_dict() == pytest.approx({"A": 1.0, "B": 2.0})
    # existing homes of A: 100 residents grow by 5
    assert d.total_factor["A"] == pytest.approx(1.05)
    total = d.areas[d.areas["klasse"] == "totaal"].iloc[0]
    assert (total["nu"], total["plannen"], total["bestaand"], total["prognose"]) == pytest.approx((300, 30, 300, 345))


def test_growth_the_plans_do_not_house_is_named_with_residents_per_dwelling() -> None:
    # 2 residents per dwelling now (A 50, B 100 dwellings). A plan put 30 residents in 15
    # new dwellings in A. Forecast 360: the existing homes take 360 - 330 = 30 more (10 %
    # of 300, above the 5 % that is named); per existing dwelling 300 / 150 = 2,00 ->
    # 330 / 150 = 2,20 (the plan's homes and residents left out).
    now = two_buurten().assign(a_woning=[50.0, 100.0])
    after = now.copy()
    after.loc["A", ["a_inw", *CBS, "a_woning"]] = [130.0, 26.0, 13.0, 39.0, 26.0, 26.0, 65.0]
    d = run_distribute(after, {"inwoners": 360, "65+": 72}, new={"A": 30.0}, now=now, dwellings={"A": 15.0})
    assert d.warnings == [
        "Stad: de prognose geeft 360 inwoners (+60 ten opzichte van de 300 van nu); de plannen in het scenario "
        "brengen 30 nieuwe bewoners. De bestaande woningen krijgen er 30 bewoners bij (10,0 % meer: gemiddeld "
        "2,00 → 2,20 inwoners per bestaande woning). Hoort die groei in nieuwe woningen, neem dan de rest van "
        "het woningbouwprogramma als plannen op."]
    # 5 % (forecast 345) is not named; a dwelling count missing in a buurt drops the per-dwelling part
    assert run_distribute(after, {"inwoners": 345, "65+": 69}, new={"A": 30.0}, now=now).warnings == []
    unknown = after.assign(a_woning=[65.0, np.nan])
    d = run_distribute(unknown, {"inwoners": 360, "65+": 72}, new={"A": 30.0}, now=now)
    assert "(10,0 % meer)." in d.warnings[0]


def test_plans_beyond_the_forecast_are_named_not_rescaled() -> None:
    # the plan adds 30; the forecast allows 310 - 300 = 10 more: the existing homes must
    # lose 20 (of 300: 6,7 %), and that is said; the plan keeps its 30.
    after = two_buurten()
    after.loc["A", ["a_inw", *CBS]] = [130.0, 26.0, 13.0, 39.0, 26.0, 26.0]
    d = run_distribute(after, {"inwoners": 310, "65+": 66}, new={"A": 30.0}, now=two_buurten())
    assert d.deltas["a_inw"].sum() == pytest.approx(-20.0)
    assert len(d.messages) == 1
    msg = d.messages[0]
    assert "Stad" in msg and "30 inwoners toe" in msg and "met 20 afnemen (6,7 %)" in msg
    assert "niet verkleind" in msg


def test_forecast_below_the_plans_own_residents_is_an_error() -> None:
    after = two_buurten()
    after.loc["A", ["a_inw", *CBS]] = [130.0, 26.0, 13.0, 39.0, 26.0, 26.0]
    with pytest.raises(ForecastError, match=r"klasse 65\+: de prognose \(5\) is kleiner dan .* \(6\)"):
        run_distribute(after, {"inwoners": 345, "65+": 5}, new={"A": 30.0}, now=two_buurten())


def test_forecast_equal_to_today_changes_nothing() -> None:
    d = run_distribute(two_buurten(), {"inwoners": 300, "65+": 60})
    assert d.deltas.empty
    assert (d.total_factor == 1.0).all()


def test_a_wijk_forecast_covers_only_its_wijk() -> None:
    # wijk W1 = A + B has a forecast (330, 65+ 66: as the city example, +10 %); wijk W2 =
    # C (the same structure as A) has none: A and B sum to W1's row, C stays as it is
    b = pd.concat([two_buurten(), two_buurten().loc[["A"]].rename(index={"A": "C"}).assign(buurtnaam="C")])
    area_of = pd.Series({"A": "W1", "B": "W1", "C": np.nan}, dtype=object)
    model = AgeModel()
    table = pd.DataFrame([{"inwoners": 330.0, "65+": 66.0}], index=pd.Index(["W1"], name="gebied"))
    d = distribute(b, pd.Series(dtype=float), table, area_of, model=model,
                   present=present_by_area(b, area_of, model), names={"W1": "Wijk 1"})
    assert set(d.deltas.index) == {"A", "B"}
    assert b.loc[["A", "B"], "a_inw"].sum() + d.deltas["a_inw"].sum() == pytest.approx(330, abs=1e-9)
    assert b.loc[["A", "B"], "a_65_oo"].sum() + d.deltas["a_65_oo"].sum() == pytest.approx(66, abs=1e-9)
    assert d.total_factor["C"] == 1.0
    assert d.fine_then.loc["C"].sum() == pytest.approx(100.0)
    assert list(d.areas["gebied"].unique()) == ["W1"]
    assert [w.split(":")[0] for w in d.warnings] == ["Wijk 1"]


# ============================================================================ Groei in balans, by hand
def test_share_within_a_distance_along_the_route_by_hand() -> None:
    from types import SimpleNamespace

    from afweging.scenarios.growth import share_within

    # walking 4.8 km/h = 80 m/min: 200 m is 2.5 minutes. Buurt X: homes at 2.0 min (1
    # resident), 3.0 min (3) and beyond the search limit (inf, 4): 1 of 8 within. Buurt Y:
    # the only home has no time (NaN: no facility of the kind): unknown, not 0.
    homes = pd.DataFrame({"buurtcode": ["X", "X", "X", "Y"], "residents": [1.0, 3.0, 4.0, 2.0],
                          "walk_min_speelplek": [2.0, 3.0, np.inf, np.nan]})
    share = share_within(SimpleNamespace(homes=homes), pd.Index(["X", "Y", "Z"]), "walk", "speelplek", 200.0)
    assert share["X"] == pytest.approx(1 / 8)
    assert np.isnan(share["Y"]) and np.isnan(share["Z"])
    exactly = share_within(SimpleNamespace(homes=homes.assign(walk_min_speelplek=2.5)), pd.Index(["X"]),
                           "walk", "speelplek", 200.0)
    assert exactly["X"] == 1.0  # 200 m is within 200 m


# ============================================================================ the forecast CSV
def test_forecast_csv_dutch_spreadsheet_and_year_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("gebied;jaar;inwoners;65+\nGM0344;2030;430.000;50.000\nGM0344;2040;470.000;61.000\n",
                    encoding="utf-8")
    f = read_forecast(path, year=2040, citation="bron")
    assert f.table.loc["GM0344"].to_dict() == {"inwoners": 470000.0, "65+": 61000.0}
    with pytest.raises(ForecastError, match="geen regels voor het doeljaar 2035"):
        read_forecast(path, year=2035)


def test_forecast_csv_problems_are_named_together(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("gebied,inwonres,65+\nGM0344,470000,zestig\n", encoding="utf-8")
    with pytest.raises(ForecastError) as exc:
        read_forecast(path, year=2040)
    text = str(exc.value)
    assert "kolom 'inwonres' is geen bekende kolom; bedoelt u 'inwoners'?" in text
    cp1252 = tmp_path / "q.csv"
    cp1252.write_bytes("gebied,inwoners\nGM0344,470000 \xe9\n".encode("cp1252"))
    with pytest.raises(ForecastError, match="regel 2 is geen UTF-8"):
        read_forecast(cp1252, year=2040)


def test_forecast_codes_must_be_of_the_area(demo) -> None:
    from afweging.scenarios.forecast import match_areas

    f = forecast_from_frame(pd.DataFrame({"gebied": ["WK999901", "WK999907"], "inwoners": [1, 2]}), year=2040)
    with pytest.raises(ForecastError, match="'WK999907' is geen buurt, wijk of de gemeente"):
        match_areas(f, demo)
    mixed = forecast_from_frame(pd.DataFrame({"gebied": ["WK999901", "BU99990201"], "inwoners": [1, 2]}),
                                year=2040)
    with pytest.raises(ForecastError, match="mengt niveaus"):
        match_areas(mixed, demo)


# ============================================================================ the scenario file
def test_scenario_file_misspelt_key_and_missing_plan(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('doeljaar = 2040\n[[plannen]]\nbestand = "weg.geojson"\ngereed = 2030\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r'bestand = "weg\.geojson" bestaat niet'):
        read_scenario(path)
    path.write_text("doeljaar = 2040\ndoeljar = 2041\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="doeljaar"):
        read_scenario(path)


def test_scenario_facility_in_lon_lat_and_incomplete_places(tmp_path: Path) -> None:
    # the RD New origin point in Amersfoort: lon 5.38720621, lat 52.15517440 is x 155000,
    # y 463000 by the definition of the projection
    path = tmp_path / "s.toml"
    path.write_text('doeljaar = 2040\n[[voorzieningen]]\nactie = "nieuw"\ncategorie = "speelplek"\n'
                    'lon = 5.38720621\nlat = 52.15517440\njaar = 2030\n', encoding="utf-8")
    (f,) = read_scenario(path).facilities
    assert (f.x, f.y) == (pytest.approx(155_000, abs=0.5), pytest.approx(463_000, abs=0.5))
    path.write_text('doeljaar = 2040\n[[voorzieningen]]\nactie = "nieuw"\ncategorie = "speelplek"\n'
                    'x = 155000\njaar = 2030\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="y: ontbreekt: x en y horen bij elkaar"):
        read_scenario(path)
    path.write_text('doeljaar = 2040\n[[voorzieningen]]\nactie = "nieuw"\ncategorie = "speelplek"\n'
                    'x = 155000\ny = 463000\nlon = 5.4\nlat = 52.1\njaar = 2030\nzoekafstand_m = 10\n',
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="niet allebei"):
        read_scenario(path)


def test_utrecht_example_reads_with_its_cited_figures() -> None:
    sc = read_scenario(EXAMPLES / "utrecht_2040.toml")
    assert sc.target_year == 2040
    assert sc.forecast is not None
    assert sc.forecast.table.loc["GM0344"].to_dict() == {"inwoners": 470000.0, "65+": 61000.0}
    assert "Sociale Visie Utrecht 2040" in sc.forecast.citation and "raadsbrief ouderen" in sc.forecast.citation
    assert all(x in sc.forecast.citation for x in ("470.000", "39.400", "61.000"))
    assert [p.completion_year for p in sc.plans] == [2030]


# ============================================================================ the demo scenario
@pytest.fixture(scope="module")
def demo_result(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return scenario(demo, demo_scenario(demo))


def test_demo_totals_per_wijk_equal_the_forecast(demo_result) -> None:
    then = demo_result.then.area.buurten
    forecast = demo_result.scenario.forecast.table
    per_wijk = then.groupby("wijkcode")[["a_inw", "a_65_oo"]].sum()
    for code, row in forecast.iterrows():
        assert per_wijk.at[code, "a_inw"] == pytest.approx(row["inwoners"], abs=1e-6)
        assert per_wijk.at[code, "a_65_oo"] == pytest.approx(row["65-74"] + row["75+"], abs=1e-6)
    check = demo_result.forecast_check
    assert np.allclose(check["som_buurten"], check["prognose"])
    # the plan after 2040 is left out and said so; Westwijk's plan beyond its forecast too
    assert any("Weide-Oost" in s for s in demo_result.target.skipped)
    assert any(n.startswith("Westwijk: de plannen voegen") for n in demo_result.notes)


def test_demo_closed_playground_and_new_meeting_place(demo_result, demo) -> None:
    fac_then = demo_result.then.area.facilities
    assert "Speelplek Molenwiek" in set(demo.facilities["name"])
    assert "Speelplek Molenwiek" not in set(fac_then["name"])
    assert list(demo_result.target.closed_facilities["name"]) == ["Speelplek Molenwiek"]
    assert "Buurtkamer Canadaplein" in set(fac_then["name"])
    g = demo_result.growth
    lab0, lab1 = demo_result.labels
    # Canadaplein had no meeting place: its older residents now have one near
    assert g.at["BU99990202", f"ouderen_met_ontmoetingsplek_pct_{lab1}"] > g.at[
        "BU99990202", f"ouderen_met_ontmoetingsplek_pct_{lab0}"]


def test_update_reachability_equals_a_full_recomputation(demo_result) -> None:
    from afweging.analyses.reach.reachability import reachability

    then = demo_result.then
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = reachability(then.area)
    pd.testing.assert_frame_equal(then.reach.buurten, full.buurten.loc[then.reach.buurten.index],
                                  check_exact=False, rtol=1e-9)


# ============================================================================ checks of the issue
def _moments(frame: pd.DataFrame, labels: tuple[str, str]) -> dict[str, tuple[pd.Series, pd.Series]]:
    out = {}
    for c in frame.columns:
        if c.endswith(f"_{labels[0]}"):
            base = c[: -len(labels[0]) - 1]
            out[base] = (frame[c], frame[f"{base}_{labels[1]}"])
    return out


def _changed(a: pd.Series, b: pd.Series) -> pd.Series:
    x, y = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
    if x.notna().any() or y.notna().any():
        return ~(np.isclose(x.astype(float), y.astype(float), rtol=1e-12, atol=1e-9) | (x.isna() & y.isna()))
    return a.astype("string").fillna("") != b.astype("string").fillna("")


def test_no_growth_and_no_plans_reproduces_today(demo, tmp_path: Path) -> None:
    # nothing at all (no forecast, no plans, no facilities): the target year is today's Area
    empty = target_area(demo, Scenario(name="leeg", target_year=2040, base_year=2024))
    for piece in ("buurten", "wijken", "homes", "facilities"):
        pd.testing.assert_frame_equal(getattr(empty.area, piece), getattr(demo, piece), check_exact=True)
    # a forecast equal to today (city-wide inhabitants and 65+): every result equal
    b = demo.buurten
    f = Forecast(pd.DataFrame({"inwoners": [b["a_inw"].sum()], "65+": [b["a_65_oo"].sum()]},
                              index=pd.Index(["stad"], name="gebied")), source="nul")
    sc = Scenario(name="nul", target_year=2040, base_year=2024, forecast=f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = scenario(demo, sc)
    assert r.barcode_changes.empty
    assert r.growth["rang"].isna().all()
    for name, (now, then) in _moments(r.buurten, r.labels).items():
        assert not _changed(now, then).any(), name
    assert r.priorities is not None
    assert (r.priorities["rang"].astype("Int64") == r.priorities[f"rang {r.labels[0]}"]).all()


def test_a_plan_with_only_homes_changes_only_its_buurt(demo) -> None:
    _, _, zonnehof = _plans(demo)[1]  # 150 dwellings in Zonnehof (BU99990201), nothing else
    sc = Scenario(name="z", target_year=2040, base_year=2024, plans=[PlanEntry(zonnehof, 2030, name="Z")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = scenario(demo, sc)
    changed = {name: set(r.buurten.index[_changed(a, b).to_numpy()])
               for name, (a, b) in _moments(r.buurten, r.labels).items()}
    # every indicator changes only in the plan's buurt; of the priorities, the people and
    # shares out of reach too (need indices, scores, ranks and the medians in the reasons
    # are relative to all buurten, so they move everywhere)
    relative = ("_need_index", "_score", "_rank", "_reden", "_flag")
    indicators = {k: v for k, v in changed.items() if not (k.startswith("prio_") and k.endswith(relative))}
    assert {c for v in indicators.values() for c in v} == {"BU99990201"}
    assert changed["prio_speelplek_people"] == {"BU99990201"}
    # in its buurt: population and homes change ...
    for col in ("a_inw", "a_woning", "housing_dwellings", "inw_totaal", "reach_walk_speelplek_median_min",
                "kinderen_zonder_speelplek", "fac_speelplek_per_1000_inh"):
        assert changed[col] == {"BU99990201"}, col
    # ... and nothing that depends on neither: land and water, facility counts and
    # densities per km2, public green, the heat raster
    independent = [k for k in changed if k in ("a_opp_ha", "a_lan_ha", "a_wat_ha", "speelplekken")
                   or (k.startswith("fac_") and k.endswith(("_count", "_per_km2", "missing_categories")))
                   or k in ("green_public_m2", "green_pct_land", "green_versteend")
                   or k.startswith(("heat_pet_", "heat_pct_area_"))]
    assert len(independent) >= 30, sorted(independent)  # 13 categories x (count, per km2), ...
    assert {k: v for k, v in changed.items() if k in independent and v} == {}
    assert r.buurten.at["BU99990201", f"plan_woningen_{r.labels[1]}"] == 150


# ============================================================================ outputs and the CLI
def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def test_cli_and_api_give_the_same_outputs(tmp_path: Path, demo_result) -> None:
    # the CLI (demo scenario) and the API's result (computed separately, in the fixture)
    # written through ScenarioResult.write: byte-identical files
    res = CliRunner().invoke(main, ["scenario", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    demo_result.write(tmp_path / "b")
    runs = [_digest(tmp_path / "a"), _digest(tmp_path / "b")]
    assert {"buurten_2040.gpkg", "barcode_2040.html", "prioriteiten_2040.csv", "rapport.html"} == set(runs[0])
    assert runs[0] == runs[1]
    assert "Inwoners 16.317 (2024)" in res.output
    import afweging

    assert afweging.scenario is scenario  # the top-level API is the function tested here
    # the API's frames are what the files hold: the GeoPackage read back equals
    # result.buurten column by column, the CSV equals result.priorities
    import geopandas as gpd

    back = gpd.read_file(tmp_path / "a" / "buurten_2040.gpkg").set_index("buurtcode")
    frame = demo_result.buurten
    assert [c for c in back.columns if c != "geometry"] == [c for c in frame.columns if c != "geometry"]
    assert back.index.tolist() == frame.index.tolist()
    for col in frame.columns:
        if col == "geometry":
            assert back.geometry.geom_equals_exact(frame.geometry, tolerance=1e-6).all()
        elif pd.api.types.is_numeric_dtype(frame[col]):
            np.testing.assert_allclose(back[col].astype(float), frame[col].astype(float), rtol=0, atol=0,
                                       err_msg=col)
        else:
            assert back[col].astype("string").fillna("").tolist() == frame[col].astype("string").fillna("").tolist(), col
    csv = pd.read_csv(tmp_path / "a" / "prioriteiten_2040.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert list(csv.columns) == list(demo_result.priorities.columns)
    assert csv["buurtcode"].tolist() == demo_result.priorities["buurtcode"].tolist()
    np.testing.assert_allclose(csv["score"], demo_result.priorities["score"].astype(float), rtol=1e-12)
    assert (csv["rang 2024"].astype("Int64") == demo_result.priorities["rang 2024"]).fillna(True).all()
    html = (tmp_path / "a" / "rapport.html").read_text("utf-8")
    assert "Groei in balans" in html and "Waar de balans het meest verslechtert" in html
    # every note of the scenario reaches the report (the warnings at the forecast, the rest
    # as Kanttekeningen)
    from afweging._html import escape

    assert len(demo_result.target.warnings) == 2
    for note in demo_result.notes:
        assert escape(note) in html, note
    from afweging.scenarios.outputs import growth_section

    other = dataclasses.replace(demo_result, notes=[*demo_result.notes, "Plan <b>X</b> & co: groen als punten."])
    section = growth_section(other)
    assert "<h3>Kanttekeningen</h3>" in section and "Plan &lt;b&gt;X&lt;/b&gt; &amp; co" in section
    assert "Kanttekeningen" not in growth_section(demo_result)
    # a city-wide forecast: the report says what the ranking then follows, with the factor
    city = dataclasses.replace(
        demo_result, target=dataclasses.replace(demo_result.target, level="stad"),
        forecast_check=demo_result.forecast_check.iloc[[5]])  # Centrum's totaal row
    row = demo_result.forecast_check.iloc[5]
    assert (row["gebied"], row["klasse"], row["plannen"]) == ("WK999901", "totaal", 0)
    from afweging._format import nl_number

    assert "De prognose is voor de hele stad" in growth_section(city)
    # no plans in Centrum: the existing homes' factor is the forecast over today
    assert f"bestaande woningen × {nl_number(row['prognose'] / row['nu'], 2)})" in growth_section(city)
    assert "De prognose is voor de hele stad" not in section
    barcode = (tmp_path / "a" / "barcode_2040.html").read_text("utf-8")
    assert "class=\"veranderd\"" in barcode
    csv = (tmp_path / "a" / "prioriteiten_2040.csv").read_text("utf-8-sig").splitlines()[0]
    assert csv.endswith("rang 2024;mensen 2024")


def test_written_demo_scenario_runs_from_files_with_escaped_names(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path / "demo")
    text = path.read_text("utf-8").replace('naam = "Demostad 2040"', 'naam = "<b>Demo & co</b>"')
    path.write_text(text, encoding="utf-8")
    sc = read_scenario(path)
    assert sc.forecast is not None and sorted(sc.forecast.bands) == ["0-11", "12-17", "18-64", "65-74", "75+"]
    out = tmp_path / "uit"
    res = CliRunner().invoke(main, ["scenario", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = (out / "rapport.html").read_text("utf-8") + (out / "barcode_2040.html").read_text("utf-8")
    assert "<b>Demo" not in html and "&lt;b&gt;Demo &amp; co&lt;/b&gt;" in html


def test_cli_bad_forecast_is_a_dutch_error_and_writes_nothing(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path / "demo")
    (tmp_path / "demo" / "demostad_2040_prognose.csv").write_text("gebied,inwoners\nWK12,5\n", encoding="utf-8")
    out = tmp_path / "uit"
    res = CliRunner().invoke(main, ["scenario", str(path), "--out", str(out)])
    assert res.exit_code == 2
    assert "Fout:" in res.output and "'WK12' is geen buurt, wijk of de gemeente" in res.output
    assert not (out / "rapport.html").exists()


def _demo_files(tmp_path: Path, edit: dict[str, str]) -> Path:
    path = write_demo_scenario(tmp_path / "demo")
    text = path.read_text("utf-8")
    for old, new in edit.items():
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("edit", "message"), [
    ({'categorie = "ontmoetingsplek"': 'categorie = "ontmoetingplek"'},
     'categorie: "ontmoetingplek" is geen bekende categorie (bedoelde u "ontmoetingsplek"?)'),
    ({"gereed = 2036": "gereed = 2020"},
     "plan Zonnehof inbreiding: gereed = 2020 ligt niet na het basisjaar 2024; zijn bewoners zitten dan al "
     "in de CBS-cijfers en zouden dubbel tellen"),
    ({'actie = "sluiten"\ncategorie = "speelplek"': 'actie = "sluiten"\ncategorie = "huisarts"'},
     "voorziening Speelplek Molenwiek sluiten: geen huisarts binnen 25 m van"),
])
def test_cli_bad_scenario_entries_are_named(tmp_path: Path, edit: dict[str, str], message: str) -> None:
    path = _demo_files(tmp_path, edit)
    res = CliRunner().invoke(main, ["scenario", str(path), "--out", str(tmp_path / "uit")])
    assert res.exit_code == 2, res.output
    assert "Fout:" in res.output and message in res.output
    assert "Traceback" not in res.output


# ============================================================================ Utrecht
def test_utrecht_2040_target_year_sums_to_the_forecast(utrecht_area) -> None:
    sc = read_scenario(EXAMPLES / "utrecht_2040.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = target_area(utrecht_area, dataclasses.replace(sc, area_path=None))
    b = t.area.buurten
    assert b["a_inw"].sum() == pytest.approx(470_000, abs=1e-6)
    assert b["a_65_oo"].sum() == pytest.approx(61_000, abs=1e-6)
    # the plan's 1,200 dwellings are in Kanaleneiland; their residents stay there
    assert t.new_dwellings.sum() == 1200
    assert t.new_residents.sum() > 0


def test_utrecht_forecast_per_wijk_from_a_user_file(utrecht_area, tmp_path: Path) -> None:
    # a user's file per wijk (made-up test numbers: today's CBS x 1.1, 65+ x 1.3) with the
    # example plan: every wijk sums to its row, inhabitants and 65+
    b = utrecht_area.buurten
    per_wijk = b.groupby("wijkcode")[["a_inw", "a_65_oo"]].sum()
    rows = [f"{code};{round(r.a_inw * 1.1)};{round(r.a_65_oo * 1.3)}" for code, r in per_wijk.iterrows()]
    (tmp_path / "wijken.csv").write_text("gebied;inwoners;65+\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        f'doeljaar = 2040\n[prognose]\nbestand = "wijken.csv"\nbron = "test"\n'
        f'[[plannen]]\nbestand = "{(EXAMPLES / "plan_utrecht.geojson").as_posix()}"\ngereed = 2030\n',
        encoding="utf-8")
    sc = read_scenario(tmp_path / "s.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = target_area(utrecht_area, sc)
    assert t.level == "wijk"
    then = t.area.buurten.groupby("wijkcode")[["a_inw", "a_65_oo"]].sum()
    for code, r in per_wijk.iterrows():
        assert then.at[code, "a_inw"] == pytest.approx(round(r.a_inw * 1.1), abs=1e-6), code
        assert then.at[code, "a_65_oo"] == pytest.approx(round(r.a_65_oo * 1.3), abs=1e-6), code
    # the homes carry the same people as the statistics
    homes = t.area.homes.groupby("buurtcode")["residents"].sum()
    assert homes.sum() == pytest.approx(t.area.buurten.loc[homes.index, "a_inw"].sum(), rel=1e-9)


def test_report_per_wijk_children_per_playground(demo_result, demo) -> None:
    # Oost (WK999904) loses Speelplek Molenwiek: children 0-14 (CBS, summed over the
    # wijk's buurten) per playground point inside those buurten, counted independently
    import geopandas as gpd

    from afweging._format import nl_number
    from afweging.scenarios.outputs import growth_section

    ratios = []
    for area in (demo, demo_result.then.area):
        b = area.buurten[area.buurten["wijkcode"] == "WK999904"]
        play = area.facilities[area.facilities["category"] == "speelplek"]
        inside = gpd.sjoin(play[["geometry"]], b[["geometry"]], predicate="within")
        ratios.append(b["a_00_14"].sum() / len(inside))
    assert ratios[1] > ratios[0] * 1.1  # more children, one playground less
    html = growth_section(demo_result)
    row = html[html.index(">Oost<"):].split("</tr>")[0]
    assert f"{nl_number(ratios[0], 0)} → {nl_number(ratios[1], 0)}" in row
    assert "kinderen per speelplek" in html.lower()


def test_no_counts_of_people_beyond_facilities_outside_the_coverage(demo_result) -> None:
    # the facility layer says "geen gegevens" (NaN counts) for Binnenstad: its distances
    # are unknown, so are the people beyond a playground or meeting place; the other
    # buurten keep their numbers. A category without counts anywhere says nothing.
    from afweging.scenarios.growth import REACH_BASED, growth_indicators

    now = demo_result.now
    values = now.layers.values.copy()
    counts = [c for c in values.columns if c.startswith("fac_") and c.endswith("_count")]
    values.loc["BU99990101", counts] = np.nan
    values["fac_apotheek_count"] = np.nan
    gap = dataclasses.replace(now, layers=dataclasses.replace(now.layers, values=values))
    before, after = growth_indicators(now), growth_indicators(gap)
    assert before.loc["BU99990101", list(REACH_BASED)].notna().all()
    assert after.loc["BU99990101", list(REACH_BASED)].isna().all()
    pd.testing.assert_frame_equal(after.drop(index="BU99990101")[list(REACH_BASED)],
                                  before.drop(index="BU99990101")[list(REACH_BASED)])


def test_play_and_meet_by_hand() -> None:
    # two buurten: 30 + 10 children, 2 + 0 playgrounds; older residents 40 (10 beyond a
    # meeting place) and 60 of unknown distance: 75 % of the known, but those are less
    # than half of all older residents, so the share is unknown
    from afweging.scenarios.outputs import _play_and_meet

    g = pd.DataFrame({"kinderen_x": [30.0, 10.0], "speelplekken_x": [2.0, 0.0], "ouderen_x": [40.0, 60.0],
                      "ouderen_met_ontmoetingsplek_pct_x": [75.0, np.nan],
                      "ouderen_zonder_ontmoetingsplek_x": [10.0, np.nan]})
    m = _play_and_meet(g, "x")
    assert (m["per_speelplek"], m["ouderen"], m["ontmoeting"]) == (20.0, 40.0, 30.0)
    assert np.isnan(m["ontmoeting_pct"])
    g.loc[1, "ouderen_x"] = 40.0  # now half is known: 75 %
    assert _play_and_meet(g, "x")["ontmoeting_pct"] == 75.0
