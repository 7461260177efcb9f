"""Settings of the priorities (priorities.toml): defaults, overrides and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from afweging._errors import ConfigError, InputFileNotFoundError
from afweging.analyses.priorities.config import QUESTIONS, load_priority_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mijn_prioriteiten.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_complete_and_documented() -> None:
    cfg = load_priority_config()
    assert list(cfg.questions) == list(QUESTIONS)
    assert cfg.ongelijk_investeren == 2.0  # documented default: "ongelijk investeren"
    sp = cfg.questions["speelplek"]
    assert (sp.max_distance_m, sp.max_minutes, sp.mode, sp.group) == (200.0, None, "walk", "a_00_14")
    assert sp.threshold_minutes(80.0) == 2.5  # 200 m at 4.8 km/h
    assert sp.norm_text() == "200 m looproute"
    assert set(sp.need) == {"meergezinswoningen", "corporatiebezit", "groen", "hitte"}
    om = cfg.questions["ontmoetingsplek"]
    assert (om.max_minutes, om.group, om.report_groups) == (10.0, "a_inw", {"a_65_oo": "65-plussers"})
    assert om.norm_text() == "10 minuten lopen"
    assert set(om.need) == {"eenpersoonshuishoudens", "ouderen", "corporatiebezit"}
    assert cfg.questions["voorzieningen"].categories is None  # "everyday"
    for q in cfg.questions.values():
        assert q.norm_source
    assert cfg.indicators["groen"].direction == "lower"
    assert cfg.indicators["hitte"].optional


def test_user_toml_overrides_and_merges(tmp_path: Path) -> None:
    path = write(tmp_path, """
ongelijk_investeren = 2.5
[flags]
top = 5
[questions.speelplek]
max_minutes = 3.0            # replaces the default max_distance_m
need = { hitte = 0.0, meergezinswoningen = 2.0 }
[questions.voorzieningen]
mode = "bike"
categories = ["huisarts", "supermarkt"]
""")
    cfg = load_priority_config(path)
    assert cfg.ongelijk_investeren == 2.5
    sp = cfg.questions["speelplek"]
    assert (sp.max_minutes, sp.max_distance_m) == (3.0, None)
    assert sp.need == {"meergezinswoningen": 2.0, "corporatiebezit": 1.0, "groen": 0.5}
    assert sp.flags.top == 5 and sp.flags.min_people == 1.0
    vz = cfg.questions["voorzieningen"]
    assert (vz.mode, vz.categories) == ("bike", ("huisarts", "supermarkt"))
    assert vz.norm_text() == "10 minuten fietsen"
    assert str(path) in cfg.files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("onbekend = 1", r"mijn_prioriteiten\.toml: onbekend: onbekende sleutel\. Bekende sleutels hier: flags, indicators"),
        ("ongelijk_investeren = -0.5", r"mijn_prioriteiten\.toml: ongelijk_investeren = -0\.5: moet minstens 0 zijn\. Oplossing: hoe sterk"),
        ("ongelijk_investeren = true", r"ongelijk_investeren = true: moet een getal zijn, zonder aanhalingstekens"),
        ("[questions.speeltuin]\nlabel = 'x'", r"\[questions\] speeltuin: onbekende sleutel\. Bekende sleutels hier: ontmoetingsplek, speelplek, voorzieningen"),
        ("[questions.spelplek]\nlabel = 'x'", r"\[questions\] spelplek: onbekende sleutel\. Bedoelde u 'speelplek'\?"),
        ("[questions.speelplek]\nneed = { hitte = -1.0 }", r"\[questions\.speelplek\] need: hitte = -1: een gewicht is minstens 0"),
        ("[questions.speelplek]\nneed = { armoede = 1.0 }", r"\[questions\.speelplek\] need: 'armoede' is geen bekende indicator; bekend zijn corporatiebezit"),
        ("[questions.speelplek]\nneed = { kinderren = 1.0 }", r"'kinderren' is geen bekende indicator \(bedoelde u 'kinderen'\?\)"),
        ("[questions.speelplek]\nmax_afstand_m = 300", r"\[questions\.speelplek\] max_afstand_m: onbekende sleutel\. Bedoelde u 'max_distance_m'\?"),
        ("[questions.speelplek]\nmax_distance_m = 0", r"\[questions\.speelplek\] max_distance_m = 0: moet groter zijn dan 0"),
        ("[questions.speelplek]\nmode = 'auto'", r'\[questions\.speelplek\] mode = "auto": moet een van deze waarden zijn: "walk" of "bike"'),
        ("[questions.speelplek]\ncategories = ['speelplek', 'park']", r"\[questions\.speelplek\] categories: de vraag speelplek .* geef precies één categorie"),
        ("[flags]\ntop = 2.5", r"\[flags\] top = 2\.5: moet een geheel getal zijn"),
        ("[flags]\nmin_share_pct = 120", r"\[flags\] min_share_pct = 120: mag hoogstens 100 zijn"),
        ("[typology]\nk_min = 6\nk_max = 4", r"\[typology\] k_min: k_min = 6 is groter dan k_max = 4"),
        ("[typology]\nfeatures = ['kinderen', 'inkomen']", r"\[typology\] features: 'inkomen' is geen bekende indicator"),
        ("[indicators.hitte]\ndirection = 'up'", r'\[indicators\.hitte\] direction = "up": moet een van deze waarden zijn: "higher" of "lower"'),
        ("[indicators.armoede]\nlabel = 'armoede'\ndirection = 'higher'\nsources = [{ column = 'p_hh_li' }]",
         r"\[indicators\.armoede\.sources\.0\] column = \"p_hh_li\": heeft niet de goede vorm\. Oplossing: 'cbs:KOLOM'"),
        ("[indicators.armoede]\nlabel = 'armoede'\ndirection = 'higher'\nsources = [{ column = 'cbs:p_hh_li', unit = 'procent' }]",
         r'\[indicators\.armoede\.sources\.0\] unit = "procent": moet een van deze waarden zijn'),
        ("[indicators.armoede]\nlabel = 'armoede'\ndirection = 'higher'\nsources = [{ column = 'cbs:p_hh_li', template = '{waarde} arm' }]",
         r"\[indicators\.armoede\.sources\.0\] template: '\{waarde\} arm' moet \{value\} bevatten"),
        # issue 12: text where a number or true/false belongs
        ('[indicators.groen]\noptional = "false"', r'\[indicators\.groen\] optional = "false": moet true of false zijn'),
        ('reason_max_factors = "3"', r'reason_max_factors = "3": moet een geheel getal zijn, zonder aanhalingstekens'),
    ],
)
def test_bad_settings_are_refused_clearly(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_priority_config(write(tmp_path, text))


def test_both_norms_in_one_table_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[questions.ontmoetingsplek]\nmax_minutes = 5\nmax_distance_m = 400\n")
    with pytest.raises(ConfigError, match=r"\[questions\.ontmoetingsplek\] max_minutes: geef max_distance_m of max_minutes, niet allebei"):
        load_priority_config(path)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "ongelijk_investeren = -1\n[questions.speelplek]\nneed = { hitte = -2 }\n")
    with pytest.raises(ConfigError) as info:
        load_priority_config(path)
    text = str(info.value)
    assert "(2 problemen)" in text
    assert "ongelijk_investeren = -1: moet minstens 0 zijn" in text and "[questions.speelplek] need: hitte = -2" in text


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"mijn_prioriteiten\.toml: geen geldige TOML op regel 1"):
        load_priority_config(write(tmp_path, "ongelijk_investeren = \n"))
    with pytest.raises(InputFileNotFoundError, match=r"Het prioriteitenbestand .* bestaat niet"):
        load_priority_config(tmp_path / "bestaat_niet.toml")


def test_new_indicator_can_be_defined_and_used() -> None:
    cfg = load_priority_config({
        "indicators": {"armoede": {"label": "huishoudens in armoede", "direction": "higher",
                                   "sources": [{"column": "cbs:p_hh_li", "unit": "%",
                                                "template": "{value} huishoudens met een laag inkomen"}]}},
        "questions": {"speelplek": {"need": {"armoede": 2.0}}},
    })
    assert cfg.questions["speelplek"].need["armoede"] == 2.0
    assert cfg.indicators["armoede"].sources[0].name == "p_hh_li"
