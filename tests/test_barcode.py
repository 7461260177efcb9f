"""Barcode: norms, scoring, aggregation, explanation and sensitivity on hand-checkable data.

The tiny area has three buurten in two wijken:

=====  ======  =====  ========  =====  ===================  ======================  ============
buurt  wijk    a_inw  a_woning  a_hh   green m² per woning  % homes over 53 dB      corporation %
=====  ======  =====  ========  =====  ===================  ======================  ============
BU01   WK01    300    150       140    75                   0                       20
BU02   WK01    100    50        60     30                   50                      40
BU03   WK02    50     25        20     (missing)            10                      35
=====  ======  =====  ========  =====  ===================  ======================  ============

Green norm: >= 75 m² (floor 0); noise: <= 0 % (floor 100); social rent: >= 35 % (floor 0).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from afweging._errors import NoMatchError, NormsError
from afweging.barcode import (
    explain,
    is_known_indicator,
    load_norms,
    score,
    sensitivity,
    status_from_score,
)
from afweging.barcode.aggregation import weighted_mean
from afweging.barcode.columns import parse_reach_column
from afweging.geo.area import Area
from afweging.layers._base import LayerResult

CODES = ["BU01", "BU02", "BU03"]


def tiny_area() -> Area:
    buurten = gpd.GeoDataFrame(
        {
            "buurtnaam": ["Noord", "Zuid", "Oost"],
            "wijkcode": ["WK01", "WK01", "WK02"],
            "a_inw": [300.0, 100.0, 50.0],
            "a_woning": [150.0, 50.0, 25.0],
            "a_hh": [140.0, 60.0, 20.0],
        },
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(0, 100, 100, 200)],
        index=pd.Index(CODES, name="buurtcode"),
        crs="EPSG:28992",
    )
    wijken = gpd.GeoDataFrame(
        {"wijknaam": ["Centrum", "Oost"]},
        geometry=[box(0, 0, 200, 100), box(0, 100, 100, 200)],
        index=pd.Index(["WK01", "WK02"], name="wijkcode"),
        crs="EPSG:28992",
    )
    return Area(name="Testdorp", buurten=buurten, wijken=wijken, gemeentecode="GM9999")


def _methods(rows: dict[str, str]) -> pd.DataFrame:
    return LayerResult.method_table(
        [
            {
                "indicator": col,
                "layer": col.split("_")[0],
                "unit": "",
                "method": method,
                "source": "test",
                "description": "p_wcorpw als benadering" if method == "proxy" else "test",
            }
            for col, method in rows.items()
        ]
    )


def tiny_layers() -> LayerResult:
    values = pd.DataFrame(
        {
            "green_m2_per_dwelling": [75.0, 30.0, np.nan],
            "noise_pct_homes_over_53db": [0.0, 50.0, 10.0],
            "housing_corporation_pct": [20.0, 40.0, 35.0],
        },
        index=pd.Index(CODES, name="buurtcode"),
    )
    methods = _methods(
        {
            "green_m2_per_dwelling": "measured",
            "noise_pct_homes_over_53db": "measured",
            "housing_corporation_pct": "proxy",
        }
    )
    return LayerResult(values, methods, ["sociale huur is een benadering"])


@pytest.fixture
def scores():
    return score(tiny_area(), tiny_layers())


# ----------------------------------------------------------------------------- norms
def test_every_bundled_norm_has_a_source_and_a_known_column():
    norms = load_norms()
    assert len(norms) >= 15
    for n in norms:
        assert n.source.document.strip(), n.id
        assert 1900 <= n.source.year <= 2100, n.id
        assert n.source.page or n.source.url, n.id
        assert is_known_indicator(n.column), (n.id, n.column)
        assert n.status in {"law", "guideline", "policy aim", "rule of thumb", "toolkit default"}
        if n.scale != "plan":
            assert n.aggregate in {"a_inw", "a_woning", "a_hh", "area"}, n.id
    # every theme of the issue is present
    assert set(norms.themes) >= {
        "groen", "hitte", "geluid", "wonen", "voorzieningen", "bereikbaarheid", "spelen",
    }  # fmt: skip
    assert {n.id for n in norms.for_scale("plan")} >= {
        "plan_voorzieningen_groen", "plan_speelruimte_3pct", "plan_betaalbaar_75pct",
    }  # fmt: skip


def test_known_indicator_columns():
    assert is_known_indicator("reach_walk_speelplek_pct_within_5min")
    assert is_known_indicator("reach_bike_n_categories_within_10min")
    assert is_known_indicator("reach_walk_speelplek_p90_min")
    assert is_known_indicator("fac_huisarts_per_1000_inh")
    assert is_known_indicator("plan_play_pct_of_residential_area")
    assert not is_known_indicator("reach_car_speelplek_pct_within_5min")  # no car mode
    assert not is_known_indicator("reach_walk_playground_pct_within_5min")  # English category
    assert not is_known_indicator("green_m2_per_dwellings")
    assert parse_reach_column("reach_walk_dagelijkse_boodschappen_pct_within_15min") == {
        "mode": "walk",
        "category": "dagelijkse_boodschappen",
        "minutes": "15",
    }


def test_score_function_higher_is_better_linear_and_capped():
    n = load_norms()["groen_m2_per_woning"]  # >= 75, floor 0
    assert n.score(30.0) == pytest.approx(0.4)
    assert n.score(75.0) == 1.0
    assert n.score(150.0) == 1.0  # capped
    assert n.score(-5.0) == 0.0
    assert math.isnan(n.score(float("nan")))


def test_score_function_lower_is_better():
    n = load_norms()["geluid_who_53db"]  # <= 0 %, floor 100 %
    assert n.score(12.5) == pytest.approx(0.875)
    assert n.score(0.0) == 1.0
    assert n.score(100.0) == 0.0
    assert n.score(120.0) == 0.0
    p = load_norms()["spelen_200m"]  # <= 2.5 min, floor 5 min
    assert p.score(3.0) == pytest.approx(0.8)
    assert p.score(2.0) == 1.0
    assert p.score(float("inf")) == 0.0  # unreachable within the search limit


def test_status_thresholds():
    out = status_from_score([1.0, 0.8, 0.7999, 0.0, np.nan], voldoet=1.0, bijna=0.8)
    assert out.tolist() == ["voldoet", "bijna", "voldoet niet", "voldoet niet", "geen gegevens"]


# ----------------------------------------------------------------------------- scoring
def test_buurt_scores_by_hand(scores):
    s = scores.buurt.scores
    assert s.loc["BU01", "groen_m2_per_woning"] == 1.0
    assert s.loc["BU02", "groen_m2_per_woning"] == pytest.approx(0.4)
    assert s.loc["BU02", "geluid_who_53db"] == pytest.approx(0.5)
    assert s.loc["BU01", "wonen_sociale_huur_35"] == pytest.approx(20 / 35)
    st = scores.buurt.statuses
    assert st.loc["BU01", "groen_m2_per_woning"] == "voldoet"
    assert st.loc["BU03", "geluid_who_53db"] == "bijna"  # 0.9
    assert st.loc["BU02", "groen_m2_per_woning"] == "voldoet niet"
    # theme = weighted mean of the norms that have a value; overall over themes with a score
    assert scores.buurt.themes.loc["BU02", "groen"] == pytest.approx(0.4)
    assert scores.buurt.overall.loc["BU02"] == pytest.approx((0.4 + 0.5 + 1.0) / 3)


def test_missing_value_is_never_zero(scores):
    # BU03 has no green value: the groen theme is NaN (not 0) and marked incomplete,
    # and the overall score is taken over the themes that exist.
    assert scores.buurt.statuses.loc["BU03", "groen_m2_per_woning"] == "geen gegevens"
    assert math.isnan(scores.buurt.themes.loc["BU03", "groen"])
    assert not scores.buurt.theme_complete.loc["BU03", "groen"]
    assert scores.buurt.overall.loc["BU03"] == pytest.approx((0.9 + 1.0) / 2)
    assert not scores.buurt.complete.loc["BU03"]
    # a column absent from the inputs: geen gegevens everywhere, with a reason
    assert scores.buurt.statuses["hitte_koele_plek_300m"].eq("geen gegevens").all()
    assert "niet berekend" in scores.methods.loc["hitte_koele_plek_300m", "reason"]
    # reachability not run: its norms say so
    assert scores.methods.loc["spelen_200m", "reason"] == "geen bereikbaarheidsanalyse uitgevoerd"


def test_no_data_method_overrides_values():
    layers = tiny_layers()
    layers.methods.loc["noise_pct_homes_over_53db", "method"] = "no data"
    s = score(tiny_area(), layers)
    assert s.buurt.scores["geluid_who_53db"].isna().all()
    assert s.stad.statuses.iloc[0]["geluid_who_53db"] == "geen gegevens"


def test_proxy_method_is_carried(scores):
    assert scores.buurt.proxy["wonen_sociale_huur_35"].all()
    assert not scores.buurt.proxy["groen_m2_per_woning"].any()
    assert scores.methods.loc["wonen_sociale_huur_35", "methode"] == "benadering (proxy)"


def test_plan_norms_are_not_scored_per_buurt(scores):
    assert "plan_betaalbaar_75pct" not in scores.buurt.scores.columns
    assert all(not c.startswith("plan_") for c in scores.norm_ids())


# ----------------------------------------------------------------------------- aggregation
def test_wijk_aggregates_indicator_values_then_scores(scores):
    w = scores.wijk
    # green per dwelling, weighted by dwellings: (75*150 + 30*50) / 200 = 63.75
    assert w.values.loc["WK01", "groen_m2_per_woning"] == pytest.approx(63.75)
    assert w.scores.loc["WK01", "groen_m2_per_woning"] == pytest.approx(63.75 / 75)  # 0.85
    # not the mean of the buurt scores (1.0 and 0.4 -> 0.7)
    assert w.scores.loc["WK01", "groen_m2_per_woning"] != pytest.approx(0.7)
    assert w.statuses.loc["WK01", "groen_m2_per_woning"] == "bijna"
    # noise share weighted by residents: (0*300 + 50*100) / 400 = 12.5 % -> 0.875
    assert w.values.loc["WK01", "geluid_who_53db"] == pytest.approx(12.5)
    # corporation share weighted by dwellings: (20*150 + 40*50) / 200 = 25 %
    assert w.values.loc["WK01", "wonen_sociale_huur_35"] == pytest.approx(25.0)
    assert w.names.loc["WK01"] == "Centrum"
    # WK02's only buurt has no green value: NaN with 0 % coverage
    assert math.isnan(w.values.loc["WK02", "groen_m2_per_woning"])
    assert w.coverage.loc["WK02", "groen_m2_per_woning"] == 0.0


def test_city_aggregate_and_coverage(scores):
    c = scores.stad
    assert c.names.iloc[0] == "Testdorp"
    assert c.values.index.tolist() == ["GM9999"]
    # noise over the city: (0*300 + 50*100 + 10*50) / 450
    assert c.values.iloc[0]["geluid_who_53db"] == pytest.approx(5500 / 450)
    # green covers BU01 + BU02 = 200 of 225 dwellings
    assert c.coverage.iloc[0]["groen_m2_per_woning"] == pytest.approx(200 / 225 * 100)


def test_weighted_mean_skips_missing_and_zero_weight():
    v = pd.DataFrame({"x": [10.0, np.nan, 40.0, 99.0]}, index=list("abcd"))
    w = pd.DataFrame({"x": [1.0, 5.0, 3.0, 0.0]}, index=list("abcd"))
    means, cov = weighted_mean(v, w, pd.Series("G", index=list("abcd")))
    assert means.loc["G", "x"] == pytest.approx((10 + 120) / 4)
    assert cov.loc["G", "x"] == pytest.approx(100 * 4 / 9)


def test_weighted_mean_per_group_leaves_out_buurten_without_a_group():
    v = pd.DataFrame({"x": [10.0, 20.0, 40.0, 7.0], "y": [1.0, np.nan, 3.0, 5.0]}, index=list("abcd"))
    w = pd.DataFrame({"x": [1.0, 3.0, 2.0, 9.0], "y": [2.0, 2.0, 2.0, 9.0]}, index=list("abcd"))
    groups = pd.Series(["W2", "W1", "W2", None], index=list("abcd"), name="wijkcode")
    means, cov = weighted_mean(v, w, groups)
    assert means.index.tolist() == ["W1", "W2"] and means.index.name == "wijkcode"
    assert means.loc["W1", "x"] == 20.0 and np.isnan(means.loc["W1", "y"])
    assert means.loc["W2", "x"] == pytest.approx((10 + 80) / 3)
    assert means.loc["W2", "y"] == pytest.approx((2 + 6) / 4)
    assert cov.loc["W1", "y"] == 0.0 and cov.loc["W2", "y"] == 100.0


def test_home_quantile_groups_homes_by_their_buurt():
    from afweging.barcode.aggregation import home_quantile

    homes = pd.DataFrame({
        "buurtcode": ["a", "a", "b", "c", None, "a"],
        "residents": [1.0, 1.0, 1.0, 1.0, 5.0, 2.0],
        "walk_min_x": [3.0, 9.0, 4.0, 100.0, 0.0, 5.0],
    })
    groups = pd.Series(["W1", "W2", None], index=["a", "b", "c"])
    q = home_quantile(homes, "walk_min_x", groups, 0.5)
    # W1: a's homes 3 (1), 5 (2), 9 (1): half of the 4 residents reach within 5 minutes;
    # W2: b alone; c has no group and the home without a buurt counts nowhere
    assert q.to_dict() == {"W1": 5.0, "W2": 4.0}


def test_wijk_quantile_from_homes_not_mean_of_buurt_quantiles():
    class Reach:  # the shape of a ReachabilityResult
        buurten = pd.DataFrame(
            {"reach_walk_speelplek_p90_min": [2.0, 10.0, 1.0]},
            index=pd.Index(CODES, name="buurtcode"),
        )
        homes = pd.DataFrame(
            {
                "buurtcode": ["BU01", "BU01", "BU02", "BU03"],
                "residents": [150.0, 150.0, 100.0, 50.0],
                "walk_min_speelplek": [1.0, 2.0, 10.0, 1.0],
            }
        )
        methods = _methods({"reach_walk_speelplek_p90_min": "measured"})

    s = score(tiny_area(), tiny_layers(), Reach())
    # WK01 homes sorted: 1 (150), 2 (150), 10 (100); 90 % of 400 residents = 360 -> 10 min
    assert s.wijk.values.loc["WK01", "spelen_200m"] == 10.0
    assert s.wijk.scores.loc["WK01", "spelen_200m"] == 0.0
    assert s.buurt.scores.loc["BU01", "spelen_200m"] == 1.0


def test_reach_fallback_marks_proxy():
    reach = pd.DataFrame(
        {
            "reach_walk_supermarkt_pct_within_10min": [100.0, 45.0, 90.0],
            "reach_walk_pct_residents_fallback": [100.0, 0.0, 60.0],
        },
        index=pd.Index(CODES, name="buurtcode"),
    )
    s = score(tiny_area(), tiny_layers(), reach)
    assert s.buurt.proxy["voorz_supermarkt_10min"].tolist() == [True, False, True]
    assert s.buurt.scores.loc["BU02", "voorz_supermarkt_10min"] == pytest.approx(0.5)


# ----------------------------------------------------------------------------- user TOML
SOURCE = '[norms.groen_m2_per_woning.source]\ndocument = "Raadsbesluit test"\nyear = 2026\npage = "p. 3"\n'


def test_user_toml_overrides_a_norm_and_a_theme_weight(tmp_path: Path):
    f = tmp_path / "mijn.toml"
    f.write_text(
        "[norms.groen_m2_per_woning]\nvalue = 50.0\n" + SOURCE + "[themes.geluid]\nweight = 3.0\n",
        encoding="utf-8",
    )
    norms = load_norms(f)
    assert norms["groen_m2_per_woning"].value == 50.0
    assert norms["groen_m2_per_woning"].source.document == "Raadsbesluit test"
    assert norms["groen_m2_per_woning"].label == "Openbaar groen per woning"  # kept
    assert norms.themes["geluid"].weight == 3.0
    assert norms.files[-1] == str(f)
    s = score(tiny_area(), tiny_layers(), norms=norms)
    assert s.buurt.scores.loc["BU02", "groen_m2_per_woning"] == pytest.approx(30 / 50)
    # BU02: groen 0.6 (w 1), geluid 0.5 (w 3), wonen 1.0 (w 1)
    assert s.buurt.overall.loc["BU02"] == pytest.approx((0.6 + 3 * 0.5 + 1.0) / 5)
    # a path works too
    assert score(tiny_area(), tiny_layers(), norms=f).buurt.overall.loc["BU02"] == pytest.approx(
        0.62
    )


def test_user_toml_changing_a_value_needs_a_source(tmp_path: Path):
    f = tmp_path / "zonder_bron.toml"
    f.write_text("[norms.groen_m2_per_woning]\nvalue = 50.0\n", encoding="utf-8")
    with pytest.raises(
        NormsError, match=r"zonder_bron\.toml: \[norms\.groen_m2_per_woning\] value: verandert wat de norm zegt, "
                          r"maar geeft geen nieuwe bron\. Voeg een tabel \[norms\.groen_m2_per_woning\.source\] toe"
    ):
        load_norms(f)


def test_user_toml_removes_and_adds_norms(tmp_path: Path):
    f = tmp_path / "extra.toml"
    f.write_text(
        "[norms.geluid_eu_55db]\nenabled = false\n"
        "[themes.mobiliteit]\nlabel = 'Mobiliteit'\nweight = 1.0\norder = 9\n"
        "[norms.ov_10min]\ntheme = 'mobiliteit'\nlabel = 'OV binnen 10 min'\n"
        "column = 'reach_walk_openbaar_vervoer_pct_within_10min'\nvalue = 90.0\n"
        "unit = '% van de bewoners'\ndirection = 'higher'\nscale = 'buurt'\n"
        "status = 'toolkit default'\naggregate = 'a_inw'\n"
        "[norms.ov_10min.source]\ndocument = 'Eigen keuze'\nyear = 2026\npage = 'notitie'\n",
        encoding="utf-8",
    )
    norms = load_norms(f)
    assert "geluid_eu_55db" not in norms.norms
    assert norms["ov_10min"].floor == 0.0  # default floor of a 'higher' norm
    assert list(norms.themes)[-1] == "mobiliteit"


def test_bad_toml_is_refused_with_every_problem_listed(tmp_path: Path):
    f = tmp_path / "fout.toml"
    f.write_text(
        "[themes.wonen]\nweight = -2.0\n"
        "[norms.groen_300m]\nweight = -1.0\n"
        "[norms.typo]\ntheme = 'groen'\nlabel = 'x'\ncolumn = 'green_m2_per_dwellings'\n"
        "value = 1.0\nunit = 'm²'\ndirection = 'higher'\nscale = 'buurt'\nstatus = 'guideline'\n"
        "aggregate = 'a_woning'\n[norms.typo.source]\ndocument = 'd'\nyear = 2020\nurl = 'https://x.nl'\n"
        "[norms.zonder_bron]\ntheme = 'groen'\nlabel = 'y'\ncolumn = 'green_pct_land'\n"
        "value = 10.0\nunit = '%'\ndirection = 'higher'\nscale = 'buurt'\nstatus = 'guideline'\n"
        "aggregate = 'area'\n",
        encoding="utf-8",
    )
    with pytest.raises(NormsError) as info:
        load_norms(f)
    msg = str(info.value)
    assert "(4 problemen)" in msg
    assert "fout.toml: [themes.wonen] weight = -2.0: moet minstens 0 zijn. Oplossing: het gewicht in de balansscore" in msg
    assert "fout.toml: [norms.groen_300m] weight = -1.0: moet minstens 0 zijn." in msg
    assert 'fout.toml: [norms.typo] column = "green_m2_per_dwellings": is geen bekende indicatorkolom' in msg
    assert "bedoelde u 'green_m2_per_dwelling'" in msg
    assert "fout.toml: [norms.zonder_bron] source: ontbreekt (verplicht). Oplossing: de bron: een tabel" in msg


def test_bad_toml_other_rules(tmp_path: Path):
    f = tmp_path / "fout2.toml"
    f.write_text(
        "[scoring]\nbijna = 1.5\n"
        "[norms.geluid_who_53db]\nfloor = -1.0\ndirection = 'lower'\n"
        "[norms.geluid_who_53db.source]\ndocument = 'd'\nyear = 2020\n"
        "[norms.groen_300m]\nstatus = 'wet'\nkleur = 'rood'\n",
        encoding="utf-8",
    )
    with pytest.raises(NormsError) as info:
        load_norms(f)
    msg = str(info.value)
    assert "[scoring] bijna = 1.5: mag hoogstens 1 zijn" in msg
    assert "[norms.geluid_who_53db.source] page: ontbreekt: een bron heeft een pagina (page) of een webadres (url)" in msg
    assert '[norms.groen_300m] status = "wet": moet een van deze waarden zijn: "law", "guideline"' in msg
    assert "[norms.groen_300m] kleur: onbekende sleutel" in msg


def test_floor_on_the_wrong_side_of_the_value(tmp_path: Path):
    f = tmp_path / "vloer.toml"
    f.write_text("[norms.geluid_who_53db]\nfloor = -1.0\n[norms.geluid_who_53db.source]\ndocument = 'd'\n"
                 "year = 2020\npage = 'p. 1'\n", encoding="utf-8")
    with pytest.raises(NormsError) as info:
        load_norms(f)
    assert str(info.value) == (f'{f}: [norms.geluid_who_53db] floor: -1 moet groter zijn dan value (0) bij '
                               'direction = "lower".')


def test_invalid_toml_syntax_and_missing_file(tmp_path: Path):
    f = tmp_path / "kapot.toml"
    f.write_text("[norms\n", encoding="utf-8")
    with pytest.raises(NormsError, match=r"kapot\.toml: geen geldige TOML op regel 1"):
        load_norms(f)
    with pytest.raises(FileNotFoundError, match=r"Het normenbestand .*weg\.toml bestaat niet"):
        load_norms(tmp_path / "weg.toml")


# ----------------------------------------------------------------------------- explain
def test_explain_a_buurt(scores):
    df = explain(scores, "BU02")
    assert df.attrs["naam"] == "Zuid" and df.attrs["niveau"] == "buurt"
    row = df.loc["groen_m2_per_woning"]
    assert row["Waarde"] == 30.0
    assert row["Norm"] == "≥ 75 m² per woning"
    assert row["Score"] == pytest.approx(0.4)
    assert row["Beoordeling"] == "voldoet niet"
    assert "Nota Ruimte" in row["Bron"]
    assert df.loc["wonen_sociale_huur_35", "Methode"] == "benadering (proxy)"
    # contributions add up to the balance score
    assert df["Bijdrage aan balansscore"].sum() == pytest.approx(scores.buurt.overall.loc["BU02"])
    assert df.loc["groen_m2_per_woning", "Bijdrage aan balansscore"] == pytest.approx(0.4 / 3)
    assert "Geen gegevens" in df.loc["hitte_koele_plek_300m", "Toelichting"]


def test_explain_wijk_and_city(scores):
    w = explain(scores, "WK01")
    assert w.attrs["naam"] == "Centrum"
    assert w.loc["groen_m2_per_woning", "Dekking (%)"] == 100.0
    assert w.loc["groen_m2_per_woning", "Gewogen naar"] == "woningen"
    c = explain(scores, "stad")
    assert c.attrs["code"] == "GM9999"
    assert explain(scores, "GM9999").equals(c)
    with pytest.raises(NoMatchError, match="'BU99' is not a buurt, wijk or the city"):
        explain(scores, "BU99")


def test_to_frame_for_gpkg(scores):
    f = scores.to_frame()
    assert f.index.tolist() == CODES
    for col in ("score_groen", "score_totaal", "status_groen_m2_per_woning", "barcode_compleet"):
        assert col in f.columns
    assert f.loc["BU02", "score_groen"] == pytest.approx(0.4)
    assert f.loc["BU03", "status_groen_m2_per_woning"] == "geen gegevens"
    assert "Groen" in f.loc["BU03", "barcode_onvolledig"]


# ----------------------------------------------------------------------------- sensitivity
def test_sensitivity_without_perturbation_keeps_every_rank(scores):
    r = sensitivity(scores, perturbation=0.0, draws=20, seed=1)
    t = r.table
    assert (t["rang_min"] == t["rang"]).all() and (t["rang_max"] == t["rang"]).all()
    assert not t["gevoelig"].any()
    # BU03 (0.95) > BU01 (0.857) > BU02 (0.633)
    assert t["rang"].to_dict() == {"BU01": 2, "BU02": 3, "BU03": 1}


def test_sensitivity_flags_a_rank_that_depends_on_the_weights():
    # A is best on groen, B on geluid; with equal weights A leads by a hair.
    layers = LayerResult(
        pd.DataFrame(
            {
                "green_m2_per_dwelling": [75.0, 0.0, 0.0],
                "noise_pct_homes_over_53db": [98.0, 0.0, 100.0],
            },
            index=pd.Index(CODES, name="buurtcode"),
        ),
        _methods({"green_m2_per_dwelling": "measured", "noise_pct_homes_over_53db": "measured"}),
    )
    s = score(tiny_area(), layers)
    r = sensitivity(s, perturbation=0.25, draws=400, seed=7)
    t = r.table
    assert t.loc["BU01", "rang_min"] == 1 and t.loc["BU01", "rang_max"] == 2
    assert t.loc["BU01", "gevoelig"] and t.loc["BU02", "gevoelig"]
    assert t.loc["BU03", "rang_min"] == t.loc["BU03", "rang_max"] == 3
    assert not t.loc["BU03", "gevoelig"]
    again = sensitivity(s, perturbation=0.25, draws=400, seed=7)
    assert np.array_equal(again.ranks, r.ranks)  # seeded


def test_sensitivity_rejects_bad_arguments(scores):
    with pytest.raises(ValueError, match="perturbation"):
        sensitivity(scores, perturbation=1.5)
    with pytest.raises(ValueError, match="draws"):
        sensitivity(scores, draws=0)


def test_missing_aggregation_weight_warns_and_leaves_wijk_empty():
    area = tiny_area()
    area.buurten = area.buurten.drop(columns=["a_hh"])
    layers = tiny_layers()
    layers = LayerResult(
        layers.values.assign(green_m2_per_household=[70.0, 33.0, 66.0]),
        pd.concat([layers.methods, _methods({"green_m2_per_household": "measured"})]),
    )
    with pytest.warns(UserWarning, match="groen_m2_per_huishouden: cannot aggregate"):
        s = score(area, layers)
    assert s.buurt.scores.loc["BU02", "groen_m2_per_huishouden"] == pytest.approx(0.5)
    assert s.wijk.values["groen_m2_per_huishouden"].isna().all()
    assert s.stad.statuses.iloc[0]["groen_m2_per_huishouden"] == "geen gegevens"


def test_area_without_wijken_or_gemeentecode():
    area = tiny_area()
    area.wijken = None
    area.gemeentecode = None
    s = score(area, tiny_layers())
    assert s.city_code == "stad" and s.name_of("stad") == "Testdorp"
    assert s.wijk.names.to_dict() == {"WK01": "WK01", "WK02": "WK02"}


def test_stable_order_from_an_earlier_order_equals_a_fresh_stable_sort():
    """The plan check's order of a per-home time from the baseline's order: the same
    permutation as np.argsort(kind="stable") for values with ties, -0.0 and 0.0, inf and
    NaN, changed rows and new rows at the end (400 random cases)."""
    from afweging.barcode.aggregation import stable_order_from

    rng = np.random.default_rng(1)
    for case in range(400):
        n_b, n_new = int(rng.integers(0, 300)), int(rng.integers(0, 50))
        pool = rng.choice([0.0, -0.0, 1.0, 2.5, np.inf, np.nan, 3.0, 7.0], size=8) if case % 2 else None

        def draw(k, pool=pool):
            return (rng.choice(pool, size=k) if pool is not None
                    else np.round(rng.random(k) * 10, int(rng.integers(0, 3))))

        before = draw(n_b)
        values = np.concatenate([before.copy(), draw(n_new)])
        changed = rng.random(n_b) < rng.random()
        values[:n_b][changed] = draw(int(changed.sum()))
        got = stable_order_from(values, before, np.argsort(before, kind="stable"))
        assert np.array_equal(got, np.argsort(values, kind="stable")), case
