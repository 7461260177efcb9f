"""Priorities on hand-built areas whose answers can be checked by hand.

Every buurt is a 400 m × 400 m square, 1 km from the next, so facilities never serve a
neighbouring buurt. The reachability result is hand-built too (per home: minutes and
method), so the priorities logic is tested on its own; the real engine is used in the
candidate tests and on the demo / Utrecht (test_priorities_utrecht.py).
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from afweging._errors import ConfigError
from afweging.analyses.locations import candidate_locations
from afweging.analyses.priorities import (
    prio_col,
    prioritise,
    write_priorities_csv,
)
from afweging.analyses.priorities.ranking import CSV_COLUMNS
from afweging.data.tags import everyday_categories
from afweging.geo.area import Area, Provenance
from afweging.layers._base import LayerResult

CRS = "EPSG:28992"
PHI_1 = 0.8413447460685429  # standard normal CDF at 1

#: Settings without the layer-based indicators (the tests pass no layers unless stated).
CBS_ONLY = {
    "questions": {
        "speelplek": {"need": {"groen": 0.0, "hitte": 0.0}},
    },
    "typology": {"features": ["kinderen", "ouderen", "meergezinswoningen", "corporatiebezit"]},
    # these hand-built areas have 2-3 buurten: no cap on the share of buurten flagged
    "flags": {"max_share_of_buurten_pct": 100.0},
}
NO_CAP = {"max_share_of_buurten_pct": 100.0}

BASE_STATS = {
    "a_inw": 100.0, "a_00_14": 20.0, "a_65_oo": 10.0, "a_hh": 50.0, "a_1p_hh": 20.0,
    "p_mgezw": 50.0, "p_wcorpw": 30.0, "g_wozbag": 300.0, "bev_dich": 5000.0,
}


def make_area(stats: dict[str, dict[str, float]], homes_per_buurt: int = 10,
              residents: float | None = None, *, origin: dict[str, str] | None = None,
              categories: list[str] | None = None, no_homes: tuple[str, ...] = ()) -> Area:
    """Buurten side by side; homes on a row inside each; one facility per category."""
    codes = list(stats)
    rows = []
    for i, code in enumerate(codes):
        rows.append({"buurtcode": code, "buurtnaam": f"Buurt {code}", "wijkcode": "WK1",
                     **{**BASE_STATS, **stats[code]}, "geometry": box(i * 1000, 0, i * 1000 + 400, 400)})
    buurten = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).set_index("buurtcode")
    hrows = []
    for i, code in enumerate(codes):
        if code in no_homes:
            continue
        inw = buurten.loc[code, "a_inw"]
        per = residents if residents is not None else inw / homes_per_buurt
        for j in range(homes_per_buurt):
            hrows.append({"buurtcode": code, "residents": per,
                          "origin": (origin or {}).get(code, "bron"),
                          "geometry": Point(i * 1000 + 20 + 36 * j, 200)})
    homes = gpd.GeoDataFrame(hrows, geometry="geometry", crs=CRS)
    homes.index.name = "home_id"
    cats = categories if categories is not None else everyday_categories()
    fac = gpd.GeoDataFrame(
        {"category": cats, "buurtcode": codes[0], "name": cats},
        geometry=[Point(10, 10)] * len(cats), crs=CRS,
    )
    prov = {"homes": Provenance("test", path="points.gpkg"), "facilities": Provenance("test", path="points.gpkg")}
    return Area("Testgebied", buurten, homes=homes, facilities=fac, provenance=prov)


def make_reach(area: Area, minutes: dict[str, list[float]] | None = None, *,
               default_min: float = 1.0, method: str | list[str] = "network",
               mode: str = "walk") -> SimpleNamespace:
    """A reachability result: per home and category minutes (default ``default_min``)."""
    homes = area.homes
    assert homes is not None
    data = {"buurtcode": homes["buurtcode"].to_numpy(), "residents": homes["residents"].to_numpy()}
    data[f"{mode}_method"] = np.asarray(method if isinstance(method, list) else [method] * len(homes))
    for cat in sorted(set(everyday_categories()) | set((minutes or {}).keys())):
        values = (minutes or {}).get(cat, [default_min] * len(homes))
        data[f"{mode}_min_{cat}"] = np.asarray(values, dtype=float)
    return SimpleNamespace(homes=gpd.GeoDataFrame(data, geometry=homes.geometry.to_numpy(),
                                                   index=homes.index, crs=CRS))


def two_buurten() -> Area:
    """A (needy: flats, corporation) and B (not), otherwise identical."""
    return make_area({"A": {"p_mgezw": 80.0, "p_wcorpw": 60.0}, "B": {"p_mgezw": 20.0, "p_wcorpw": 10.0}})


def half_far(area: Area, cat: str = "speelplek", far: float = 5.0) -> dict[str, list[float]]:
    """Per buurt the first 5 homes at 1 min, the last 5 at ``far`` minutes."""
    return {cat: [1.0 if j < 5 else far for j in range(10)] * len(area.buurten)}


# ------------------------------------------------------------------ need × gap


def test_needier_buurt_ranks_first_when_factor_positive() -> None:
    area = two_buurten()
    reach = make_reach(area, half_far(area))
    res = prioritise(area, None, reach, config={**CBS_ONLY, "ongelijk_investeren": 1.0})
    sp = res["speelplek"]
    # 5 homes × 10 residents × 20/100 children beyond 200 m (2.5 min) in each buurt
    assert sp.loc["A", "people"] == pytest.approx(10.0)
    assert sp.loc["B", "people"] == pytest.approx(10.0)
    assert sp.loc["A", "share_pct"] == pytest.approx(50.0)
    # both indicators are +1 sd in A, -1 sd in B -> need z = ±1 -> Φ(±1)
    assert sp.loc["A", "need_index"] == pytest.approx(PHI_1)
    assert sp.loc["B", "need_index"] == pytest.approx(1 - PHI_1)
    assert sp.loc["A", "score"] == pytest.approx(10.0 * (1 + PHI_1))
    assert sp.loc["B", "score"] == pytest.approx(10.0 * (2 - PHI_1))
    assert sp.index.tolist() == ["A", "B"]
    assert sp["rank"].tolist() == [1, 2]
    assert sp.loc["A", "reason"].startswith(
        "10 kinderen (50 %) wonen verder dan 200 m looproute van een speelplek; "
        "80 % meergezinswoningen (mediaan 50 %); 60 % corporatiebezit (mediaan 35 %); "
        "behoefte-index 84 van 100"
    )


def test_factor_zero_gives_gap_proportional_scores_and_a_tie() -> None:
    area = two_buurten()
    reach = make_reach(area, half_far(area))
    res = prioritise(area, None, reach, config={**CBS_ONLY, "ongelijk_investeren": 0.0})
    sp = res["speelplek"]
    assert sp["score"].tolist() == [10.0, 10.0]
    assert sp["rank"].tolist() == [1, 1]
    # the need is still computed and shown
    assert sp.loc["A", "need_index"] > sp.loc["B", "need_index"]


def test_factor_scales_priority_linearly() -> None:
    area = two_buurten()
    reach = make_reach(area, half_far(area))
    res = prioritise(area, None, reach, config={**CBS_ONLY, "ongelijk_investeren": 3.0})
    assert res["speelplek"].loc["A", "score"] == pytest.approx(10.0 * (1 + 3.0 * PHI_1))


def test_buurt_without_children_is_never_flagged() -> None:
    area = make_area({
        "A": {"p_mgezw": 80.0}, "B": {"p_mgezw": 20.0},
        "C": {"a_00_14": 0.0, "p_mgezw": 100.0, "p_wcorpw": 90.0},  # neediest, but no children
    })
    # every home of C is far from a playground
    reach = make_reach(area, {"speelplek": [1.0] * 5 + [5.0] * 5 + [1.0] * 5 + [5.0] * 5 + [9.0] * 10})
    cfg = {**CBS_ONLY, "flags": {"top": 10, "min_people": 0.0, **NO_CAP}}
    sp = prioritise(area, None, reach, config=cfg)["speelplek"]
    assert sp.loc["C", "people"] == 0.0
    assert not sp.loc["C", "flag"]
    assert sp.loc["C", "reason"].startswith("Geen kinderen in deze buurt (CBS a_00_14)")
    assert sp.loc[["A", "B"], "flag"].all()
    assert sp.loc["C", "rank"] == 3


def test_flags_top_n_and_thresholds() -> None:
    area = make_area({"A": {}, "B": {}, "C": {}})
    # A: 8 homes far, B: 5 far, C: 1 far -> 16, 10 and 2 children
    far = [5.0] * 8 + [1.0] * 2 + [5.0] * 5 + [1.0] * 5 + [5.0] * 1 + [1.0] * 9
    reach = make_reach(area, {"speelplek": far})
    top2 = prioritise(area, None, reach, config={**CBS_ONLY, "ongelijk_investeren": 0.0, "flags": {"top": 2, **NO_CAP}})
    assert top2["speelplek"]["people"].tolist() == [16.0, 10.0, 2.0]
    assert top2["speelplek"]["flag"].tolist() == [True, True, False]
    share = prioritise(area, None, reach, config={
        **CBS_ONLY, "ongelijk_investeren": 0.0,
        "questions": {**CBS_ONLY["questions"], "ontmoetingsplek": {"flags": {"min_share_pct": 60.0}}},
    })
    assert share["speelplek"]["flag"].tolist() == [True, True, True]  # per-question override only
    assert not share["ontmoetingsplek"]["flag"].any()  # nobody beyond 10 minutes
    flags = share.flags
    assert set(flags["question"]) == {"speelplek"}
    assert flags["buurtcode"].tolist() == ["A", "B", "C"]


def test_home_exactly_at_the_norm_is_served() -> None:
    area = make_area({"A": {}})
    at_norm = 200.0 / 80.0  # 200 m at 4.8 km/h = 2.5 min
    reach = make_reach(area, {"speelplek": [at_norm] * 5 + [at_norm + 0.01] * 5})
    sp = prioritise(area, None, reach, config=CBS_ONLY)["speelplek"]
    assert sp.loc["A", "people"] == pytest.approx(10.0)


def test_meeting_places_count_residents_and_65_plus() -> None:
    area = make_area({"A": {"a_65_oo": 30.0}})
    reach = make_reach(area, {"ontmoetingsplek": [12.0] * 4 + [10.0] * 6})
    om = prioritise(area, None, reach, config=CBS_ONLY)["ontmoetingsplek"]
    # 4 homes × 10 residents beyond 10 minutes, of whom 30 % are 65+
    assert om.loc["A", "people"] == pytest.approx(40.0)
    assert om.loc["A", "people_a_65_oo"] == pytest.approx(12.0)
    assert om.loc["A", "reason"].startswith(
        "40 inwoners (40 %), onder wie 12 65-plussers, wonen verder dan 10 minuten lopen van een ontmoetingsplek"
    )


def test_facilities_weighted_by_missing_categories() -> None:
    area = make_area({"A": {}, "B": {}}, homes_per_buurt=2)
    n = 4  # homes: A1, A2, B1, B2
    minutes = {c: [1.0] * n for c in everyday_categories()}
    minutes["huisarts"] = [15.0, 1.0, 15.0, 15.0]
    minutes["supermarkt"] = [15.0, 1.0, 1.0, 1.0]
    reach = make_reach(area, minutes)
    vz = prioritise(area, None, reach, config={**CBS_ONLY, "ongelijk_investeren": 0.0})["voorzieningen"]
    # A: one home (50 residents) misses 2 -> people 50, gap 100; B: both miss 1 -> 100, 100
    assert vz.loc["A", "people"] == pytest.approx(50.0)
    assert vz.loc["A", "gap"] == pytest.approx(100.0)
    assert vz.loc["B", "people"] == pytest.approx(100.0)
    assert vz.loc["B", "gap"] == pytest.approx(100.0)
    assert vz["score"].tolist() == [100.0, 100.0]
    k = len(everyday_categories())
    assert vz.loc["A", "reason"].startswith(
        f"50 inwoners (50 %) missen binnen 10 minuten lopen minstens één van {k} dagelijkse "
        f"voorzieningen, gemiddeld 2,0 (vooral huisarts, supermarkt)"
    )


def test_category_without_any_facility_is_no_data_not_missing() -> None:
    cats = [c for c in everyday_categories() if c != "apotheek"]
    area = make_area({"A": {}, "B": {}}, homes_per_buurt=2, categories=cats)
    minutes = {c: [1.0] * 4 for c in everyday_categories()}
    minutes["apotheek"] = [np.nan] * 4  # what the engine gives for a category without facilities
    reach = make_reach(area, minutes)
    with pytest.warns(UserWarning, match="Apotheek.*'geen gegevens', niet 'overal ontbrekend'"):
        res = prioritise(area, None, reach, config=CBS_ONLY)
    vz = res["voorzieningen"]
    assert vz["people"].tolist() == [0.0, 0.0]  # not "everyone misses a pharmacy"
    assert vz.loc["A", "reason"].startswith(f"Alle 100 inwoners hebben alle {len(cats)} dagelijkse voorzieningen")
    assert any("Apotheek" in c for c in res.caveats)


def test_question_without_any_facility_has_no_data() -> None:
    cats = [c for c in everyday_categories() if c != "speelplek"]
    area = make_area({"A": {}, "B": {}}, categories=cats)
    reach = make_reach(area)
    with pytest.warns(UserWarning, match="Speelplek.*geen gegevens"):
        sp = prioritise(area, None, reach, config=CBS_ONLY)["speelplek"]
    assert (sp["status"] == "geen gegevens").all()
    assert sp["rank"].isna().all()
    assert not sp["flag"].any()


def test_buurt_outside_facility_coverage_is_not_ranked() -> None:
    area = make_area({"A": {}, "B": {}}, origin={"B": "rasterpunt"})
    reach = make_reach(area, half_far(area))
    with pytest.warns(UserWarning, match="buiten de dekking"):
        sp = prioritise(area, None, reach, config=CBS_ONLY)["speelplek"]
    assert sp.loc["B", "status"] == "geen gegevens"
    assert pd.isna(sp.loc["B", "rank"])
    assert not sp.loc["B", "flag"]
    assert sp.loc["B", "reason"] == "Geen gegevens: buurt ligt buiten de dekking van de voorzieningenbron."
    assert sp.loc["A", "rank"] == 1


def test_earlier_rank_without_data_stays_an_integer_in_the_csv() -> None:
    # a scenario's prioriteiten_<year>.csv adds today's rank; B has none (outside the
    # coverage): an empty cell, and A's rank stays "1" (not the float "1,0")
    from afweging.analyses.priorities import priorities_table

    area = make_area({"A": {}, "B": {}}, origin={"B": "rasterpunt"})
    reach = make_reach(area, half_far(area))
    with pytest.warns(UserWarning, match="buiten de dekking"):
        res = prioritise(area, None, reach, config=CBS_ONLY)
    table = priorities_table(res, earlier=res, earlier_label="2023")
    assert str(table["rang 2023"].dtype) == "Int64"
    lines = table.to_csv(sep=";", decimal=",", index=False).splitlines()
    speel = [ln.split(";") for ln in lines[1:] if ln.startswith("Speelplekken")]
    assert [(r[2], r[-2]) for r in speel] == [("A", "1"), ("B", "")]


def test_buurt_with_inhabitants_but_no_homes_has_no_data() -> None:
    area = make_area({"A": {}, "B": {}}, no_homes=("B",))
    reach = make_reach(area, {"speelplek": [5.0] * 10})
    res = prioritise(area, None, reach, config=CBS_ONLY)
    sp = res["speelplek"]
    assert sp.loc["B", "reason"] == "Geen gegevens: geen woningen in de bron."
    assert pd.isna(sp.loc["B", "rank"]) and not sp.loc["B", "flag"]
    assert sp.loc["A", "people"] == pytest.approx(20.0)
    assert any("geen woningen in de bron" in c and "Buurt B" in c for c in res.caveats)


def test_missing_cbs_value_is_imputed_with_the_median_and_said() -> None:
    area = make_area({"A": {"p_mgezw": 80.0}, "B": {"p_mgezw": np.nan}, "C": {"p_mgezw": 20.0}})
    reach = make_reach(area, {"speelplek": [5.0] * 30})
    with pytest.warns(UserWarning, match="Meergezinswoningen .* onbekend voor 1 buurt.*mediaan"):
        sp = prioritise(area, None, reach, config=CBS_ONLY)["speelplek"]
    # median of 80 and 20 is 50, which is also the mean: z = 0, not the z of 0 %
    assert sp.loc["B", "need_meergezinswoningen_z"] == pytest.approx(0.0)
    assert pd.isna(sp.loc["B", "need_meergezinswoningen"])  # the raw value stays unknown
    assert "meergezinswoningen onbekend, mediaan gebruikt" in sp.loc["B", "reason"]


def test_proxy_and_fallback_caveats_reach_the_reasons() -> None:
    area = two_buurten()
    values = pd.DataFrame({"heat_proxy_index": [90.0, 10.0],
                           "green_m2_per_dwelling": [np.nan, np.nan],
                           "green_pct_homes_within_300m_of_05ha": [20.0, 80.0]},
                          index=pd.Index(["A", "B"], name="buurtcode"))
    rows = [
        {"indicator": "heat_proxy_index", "layer": "heat", "unit": "index", "method": "proxy",
         "source": "CBS", "description": "dichtheid"},
        {"indicator": "green_m2_per_dwelling", "layer": "green", "unit": "m2", "method": "no data",
         "source": "geen", "description": "geen groenvlakken"},
        {"indicator": "green_pct_homes_within_300m_of_05ha", "layer": "green", "unit": "%",
         "method": "measured", "source": "groen", "description": "gemeten"},
    ]
    layers = LayerResult(values, LayerResult.method_table(rows))
    methods = ["fallback"] * 10 + ["network"] * 5 + ["fallback"] * 5
    reach = make_reach(area, half_far(area), method=methods)
    cfg = {"typology": CBS_ONLY["typology"], "reason_max_factors": 4}
    sp = prioritise(area, layers, reach, config=cfg)["speelplek"]
    a, b = sp.loc["A", "reason"], sp.loc["B", "reason"]
    assert "hitte-index 90 van 100 (mediaan 50)" in a
    # the measured green column is used (the first source has no data)
    assert "20 % van de bewoners binnen 300 m van groen (mediaan 50 %)" in a
    assert "(hitte: proxy; afstand hemelsbreed × omrijfactor)." in a
    assert "openbaar groen: proxy" not in a
    assert "(hitte: proxy; afstand voor 50 % hemelsbreed × omrijfactor, verder via het netwerk)." in b


def test_to_buurt_frame_and_csv(tmp_path) -> None:
    area = two_buurten()
    reach = make_reach(area, half_far(area))
    res = prioritise(area, None, reach, config=CBS_ONLY)
    bf = res.to_buurt_frame()
    assert bf.index.tolist() == ["A", "B"]
    for q in ("speelplek", "ontmoetingsplek", "voorzieningen"):
        for stat in ("rank", "score", "people", "share_pct", "need_index", "flag", "reden"):
            assert prio_col(q, stat) in bf.columns
    assert bf.loc["A", "prio_speelplek_rank"] == 1
    assert bool(bf.loc["A", "prio_speelplek_flag"])
    assert bf["prio_speelplek_reden"].str.startswith("10 kinderen").all()

    path = write_priorities_csv(res, tmp_path / "prioriteiten.csv", wijknamen={"WK1": "Wijk Een"})
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(CSV_COLUMNS)
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert len(back) == 3 * 2  # one row per (vraag, buurt)
    row = back[(back["vraag"] == "Speelplekken") & (back["buurtcode"] == "A")].iloc[0]
    assert row["rang"] == 1
    assert row["score"] == pytest.approx(round(10.0 * (1 + 2.0 * PHI_1), 1))  # default factor 2
    assert row["mensen"] == 10
    assert row["aandeel (%)"] == 50.0
    assert row["behoefte-index"] == 84
    assert row["vlag"] == "ja"
    assert row["wijk"] == "Wijk Een"
    assert "26,8" in text  # decimal comma


def test_a_result_iterates_like_a_mapping_of_questions() -> None:
    area = two_buurten()
    res = prioritise(area, None, make_reach(area, half_far(area)), config=CBS_ONLY)
    assert list(res) == ["speelplek", "ontmoetingsplek", "voorzieningen"]
    assert len(res) == 3 and "speelplek" in res and "zwembad" not in res
    assert dict(res)["speelplek"] is res["speelplek"]
    assert [q for q, frame in res.items() if frame["flag"].any()] == ["speelplek"]
    with pytest.raises(KeyError, match="use one of"):
        res["zwembad"]


def test_flags_never_exceed_the_share_of_buurten() -> None:
    # 3 buurten, all with children far from play; top 10 but at most 34 % of the buurten:
    # ceil(0.34 * 3) = 2 flags, the two best-ranked
    area = make_area({"A": {}, "B": {}, "C": {}})
    far = [5.0] * 8 + [1.0] * 2 + [5.0] * 5 + [1.0] * 5 + [5.0] * 1 + [1.0] * 9
    reach = make_reach(area, {"speelplek": far})
    res = prioritise(area, None, reach, config={
        **CBS_ONLY, "ongelijk_investeren": 0.0,
        "flags": {"top": 10, "max_share_of_buurten_pct": 34.0}})
    assert res["speelplek"]["flag"].tolist() == [True, True, False]


def test_repr_html_lists_the_questions() -> None:
    area = two_buurten()
    res = prioritise(area, None, make_reach(area, half_far(area)), config=CBS_ONLY)
    page = res._repr_html_()
    assert "Speelplekken" in page and "Ontmoetingsplekken" in page and "Voorzieningen" in page
    assert "Buurt A" in page
    assert repr(res) == "<PriorityResult 'Testgebied': flags {'speelplek': 2, 'ontmoetingsplek': 0, 'voorzieningen': 0}, 3 caveats>"


def test_without_layers_green_and_heat_are_left_out_with_a_warning() -> None:
    area = two_buurten()
    reach = make_reach(area, half_far(area))
    with pytest.warns(UserWarning) as record:
        res = prioritise(area, None, reach, config={"ongelijk_investeren": 1.0})
    messages = " ".join(str(w.message) for w in record)
    assert "Indicator 'openbaar groen' (groen): geen gegevens" in messages
    assert "Indicator 'hitte' (hitte): geen gegevens" in messages
    sp = res["speelplek"]
    # the need rests on the two CBS indicators only, exactly as without them in the settings
    assert sp.loc["A", "need_index"] == pytest.approx(PHI_1)
    assert "need_hitte" not in sp.columns


def test_missing_target_group_column_is_explained() -> None:
    area = two_buurten()
    area.buurten = area.buurten.drop(columns=["a_00_14"])
    reach = make_reach(area)
    # first the need indicator 'kinderen' of the voorzieningen question
    with pytest.raises(ConfigError, match=r"\[indicators\.kinderen\] sources: kolom\(men\) "
                                          r"cbs:a_00_14/a_inw bestaan niet in gebied 'Testgebied'"):
        prioritise(area, None, reach, config=CBS_ONLY)
    cfg = {"questions": {**CBS_ONLY["questions"], "voorzieningen": {"need": {"kinderen": 0.0}}},
           "typology": {"features": ["ouderen", "corporatiebezit"]}}
    with pytest.raises(KeyError, match=r"questions\.speelplek\.group\) needs the CBS column 'a_00_14'"):
        prioritise(area, None, reach, config=cfg)


def test_unknown_indicator_column_is_refused_at_run_time() -> None:
    area = two_buurten()
    cfg = {**CBS_ONLY, "indicators": {"meergezinswoningen": {"sources": [{"column": "cbs:p_mgezww"}]}}}
    with pytest.raises(ConfigError, match=r"config \(dict\).*\[indicators\.meergezinswoningen\] sources: "
                                          r"kolom\(men\) cbs:p_mgezww bestaan niet in gebied 'Testgebied' "
                                          r"\(bedoelde u 'p_mgezw'\?\)"):
        prioritise(area, None, make_reach(area), config=cfg)


def test_unknown_category_is_refused() -> None:
    area = two_buurten()
    cfg = {**CBS_ONLY, "questions": {**CBS_ONLY["questions"], "voorzieningen": {"categories": ["bakker"]}}}
    with pytest.raises(ConfigError, match=r"\[questions\.voorzieningen\] categories: 'bakker' is geen bekende "
                                          r"categorie\. Bekend zijn: apotheek"):
        prioritise(area, None, make_reach(area), config=cfg)


def test_missing_reachability_column_is_explained() -> None:
    area = two_buurten()
    reach = make_reach(area, mode="bike")
    with pytest.raises(KeyError, match=r"reach\.homes has no column 'walk_.*run afweging\.reachability"):
        prioritise(area, None, reach, config=CBS_ONLY)


# ------------------------------------------------------------------ typology


def test_typology_separates_two_obvious_groups_and_names_them() -> None:
    young = {"a_00_14": 35.0, "a_65_oo": 5.0, "p_mgezw": 90.0, "p_wcorpw": 70.0}
    old = {"a_00_14": 5.0, "a_65_oo": 35.0, "p_mgezw": 10.0, "p_wcorpw": 5.0}
    stats = {f"Y{i}": {k: v + i for k, v in young.items()} for i in range(3)}
    stats |= {f"O{i}": {k: v + i for k, v in old.items()} for i in range(3)}
    stats["T"] = {"a_inw": 50.0, "a_00_14": 5.0}  # below min_residents (60): not typed
    area = make_area(stats, residents=None)
    # share of children beyond 200 m: Y0, Y1 100 %, Y2 50 %; O0, O1 0 %, O2 50 %; T 100 %
    far, near, half = [5.0] * 10, [1.0] * 10, [1.0] * 5 + [5.0] * 5
    reach = make_reach(area, {"speelplek": far + far + half + near + near + half + far})
    cfg = {**CBS_ONLY, "typology": {**CBS_ONLY["typology"], "k_min": 2, "k_max": 2, "min_residents": 60.0}}
    res = prioritise(area, None, reach, config=cfg)
    t = res.typology
    assert t.loc[["Y0", "Y1", "Y2"], "type"].nunique() == 1
    assert t.loc[["O0", "O1", "O2"], "type"].nunique() == 1
    assert t.loc["Y0", "type"] != t.loc["O0", "type"]
    # every feature separates the groups by about 1 sd: any three of the four words
    young_words = {"jong", "weinig ouderen", "veel meergezinswoningen", "veel corporatiebezit"}
    old_words = {"weinig kinderen", "veel ouderen", "veel eengezinswoningen", "weinig corporatiebezit"}
    y_terms, o_terms = t.loc["Y0", "type_name"].split(", "), t.loc["O0", "type_name"].split(", ")
    assert len(y_terms) == 3 and set(y_terms) <= young_words
    assert len(o_terms) == 3 and set(o_terms) <= old_words
    assert pd.isna(t.loc["T", "type"])
    assert t.loc["T", "type_name"] == "niet getypeerd (minder dan 60 inwoners)"
    assert res.typology_detail.k == 2
    # the same seed gives the same typology; similar() lists the buurten of a type
    again = prioritise(area, None, reach, config=cfg).typology
    pd.testing.assert_frame_equal(t, again)
    assert sorted(res.similar("Y1").index) == ["Y0", "Y1", "Y2"]
    # how similar buurten fare: the median share of the type
    sp = res["speelplek"]
    assert sp.loc["Y2", "share_pct"] == 50.0 and sp.loc["Y2", "type_share_pct"] == 100.0
    assert sp.loc["O2", "type_share_pct"] == 0.0
    assert pd.isna(sp.loc["T", "type_share_pct"])


def test_too_few_buurten_gives_no_typology() -> None:
    cfg = {**CBS_ONLY, "typology": {**CBS_ONLY["typology"], "min_residents": 50.0}}
    res = prioritise(two_buurten(), None, make_reach(two_buurten()), config=cfg)
    assert res.typology["type"].isna().all()
    assert (res.typology["type_name"] == "niet getypeerd (te weinig buurten voor een typering)").all()


# ------------------------------------------------------------------ candidates


def candidate_area(points: list[tuple[float, float]], playground: tuple[float, float]) -> Area:
    """One 400 m buurt, homes at ``points`` with 5 residents (1 child) each."""
    buurten = gpd.GeoDataFrame(
        [{"buurtcode": "A", "buurtnaam": "Buurt A", "wijkcode": "WK1", **BASE_STATS,
          "a_inw": 5.0 * len(points), "a_00_14": 1.0 * len(points), "geometry": box(0, 0, 400, 400)}],
        geometry="geometry", crs=CRS,
    ).set_index("buurtcode")
    homes = gpd.GeoDataFrame({"buurtcode": "A", "residents": 5.0},
                             geometry=[Point(p) for p in points], index=range(len(points)), crs=CRS)
    fac = gpd.GeoDataFrame({"category": ["speelplek"], "buurtcode": ["A"], "name": ["speeltuin"]},
                           geometry=[Point(playground)], crs=CRS)
    return Area("Klein", buurten, homes=homes, facilities=fac)


def engine_reach(area: Area):
    from afweging.analyses.reach.reachability import reachability

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no walking network": straight line × 1.3 is intended
        return reachability(area, modes=("walk",), categories=["speelplek"])


def test_candidate_location_is_where_a_person_would_put_it() -> None:
    # four unserved homes around (330, 330); two homes next to the playground at (40, 40)
    pts = [(310, 330), (350, 330), (330, 310), (330, 350), (50, 40), (40, 60)]
    area = candidate_area(pts, (40, 40))
    reach = engine_reach(area)
    t = reach.homes["walk_min_speelplek"].to_numpy()
    assert (t[:4] > 2.5).all() and (t[4:] <= 2.5).all()
    cand = candidate_locations(area, reach, "A", n=3, spacing_m=20.0)
    assert len(cand) == 1  # one playground serves everybody who is unserved
    best = cand.iloc[0]
    assert (best.geometry.x, best.geometry.y) == (330.0, 330.0)
    assert best["people_newly_served"] == pytest.approx(4.0)  # 4 homes × 1 child
    assert best["people_unserved_before"] == pytest.approx(4.0)
    assert best["network_pct"] == 0.0
    assert best["reason"] == (
        "Een nieuwe speelplek hier brengt 4 kinderen binnen 200 m looproute (van wie 4 in "
        "deze buurt, waar nu 4 verder wonen; afstand hemelsbreed × omrijfactor)."
    )
    assert cand.crs == CRS


def test_candidates_are_picked_greedily() -> None:
    # 3 unserved homes at the east edge, 2 at the north edge, > 2 × 154 m apart; a
    # 200 m route is 200 / 1.3 = 154 m straight line
    big = [(390, 30), (390, 50), (390, 70)]
    small = [(30, 390), (50, 390)]
    area = candidate_area(big + small + [(200, 200)], (200, 200))
    cand = candidate_locations(area, engine_reach(area), "A", n=3, spacing_m=20.0)
    assert cand["people_newly_served"].tolist() == [3.0, 2.0]
    assert cand["rank"].tolist() == [1, 2]
    first, second = cand.geometry.iloc[0], cand.geometry.iloc[1]
    assert first.distance(Point(390, 50)) < 40 and second.distance(Point(40, 390)) < 40
    assert "bovenop de 1 eerdere kandidaat" in cand["reason"].iloc[1]


def test_candidates_bad_input() -> None:
    area = candidate_area([(330, 330)], (40, 40))
    reach = engine_reach(area)
    with pytest.raises(ConfigError, match="candidate locations exist for"):
        candidate_locations(area, reach, "A", question="voorzieningen")
    with pytest.raises(ValueError, match="not a buurt"):
        candidate_locations(area, reach, "X")
    with pytest.raises(ValueError, match="n=0"):
        candidate_locations(area, reach, "A", n=0)


def test_no_candidates_when_everyone_is_served() -> None:
    area = candidate_area([(50, 40), (40, 60)], (40, 40))
    cand = candidate_locations(area, engine_reach(area), "A")
    assert len(cand) == 0
    assert math.isclose(0.0, float(cand.get("people_newly_served", pd.Series(dtype=float)).sum()))
