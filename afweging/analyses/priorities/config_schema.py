"""The declared schema of the priorities settings (``priorities.toml`` and a user TOML).

A user file is merged into the bundled ``priorities.toml``
(:func:`afweging.analyses.priorities.load_priority_config`) and the merged document is
validated here: strict types, unknown keys and questions refused with a "did you mean"
suggestion, ranges checked, and the rules between keys (one norm per question, known
indicators, a ``{value}`` in every reason template). Every problem names the file the value
came from, the table, the key, the rule and the fix, in Dutch (:mod:`afweging._schema`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import ValidationInfo, model_validator

from afweging._schema import Table, declare, rule

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
COLUMN_PATTERN = rf"^(cbs:{NAME}(/{NAME})?|layer:{NAME})$"
Unit = Literal["%", "m2", "index", "euro_x1000", "per_km2"]


class Flags(Table):
    """``[flags]``: which buurten are flagged per question."""

    top: int = declare(ge=0, uitleg="hoeveel buurten per vraag hoogstens gemarkeerd worden", voorbeeld="top = 10")
    max_share_of_buurten_pct: float = declare(
        100.0, ge=0, le=100, uitleg="hoogstens dit % van de gerangschikte buurten wordt gemarkeerd",
        voorbeeld="max_share_of_buurten_pct = 25.0")
    min_people: float = declare(ge=0, uitleg="een buurt telt pas met minstens zoveel mensen buiten de norm",
                                voorbeeld="min_people = 1.0")
    min_share_pct: float = declare(ge=0, le=100, uitleg="en minstens dit % van de groep buiten de norm",
                                   voorbeeld="min_share_pct = 0.0")


class QuestionFlags(Table):
    """``[questions.ID.flags]``: the same keys as ``[flags]``, for one question."""

    top: int | None = declare(None, ge=0, uitleg="hoeveel buurten hoogstens gemarkeerd worden", voorbeeld="top = 5")
    max_share_of_buurten_pct: float | None = declare(
        None, ge=0, le=100, uitleg="hoogstens dit % van de gerangschikte buurten", voorbeeld="max_share_of_buurten_pct = 25.0")
    min_people: float | None = declare(None, ge=0, uitleg="minstens zoveel mensen buiten de norm", voorbeeld="min_people = 1.0")
    min_share_pct: float | None = declare(None, ge=0, le=100, uitleg="minstens dit % van de groep buiten de norm",
                                          voorbeeld="min_share_pct = 0.0")


class SourceSpec(Table):
    """One entry of ``sources`` of an indicator: where its value comes from."""

    column: str = declare(pattern=COLUMN_PATTERN, uitleg="'cbs:KOLOM', 'cbs:TELLER/NOEMER' (een percentage) of "
                          "'layer:KOLOM'", voorbeeld='column = "cbs:p_mgezw"')
    unit: Unit = declare("%", uitleg="de eenheid in de redenen", voorbeeld='unit = "%"')
    template: str = declare("{value}", uitleg="de zin in een reden, met {value} en geen andere {...}",
                            voorbeeld='template = "{value} meergezinswoningen"')

    @model_validator(mode="after")
    def _template_and_unit(self) -> SourceSpec:
        try:
            ok = "{value}" in self.template and bool(self.template.format(value="1"))
        except (KeyError, IndexError, ValueError):
            ok = False
        if not ok:
            raise rule("template", f"{self.template!r} moet {{value}} bevatten en geen andere {{...}}, bijv. "
                                   "template = \"{value} meergezinswoningen\"")
        if "/" in self.column and self.unit != "%":
            raise rule("unit", f"een verhouding ({self.column}) is een percentage; zet unit = \"%\"")
        return self


class IndicatorSpec(Table):
    """``[indicators.ID]``: a need or typology indicator."""

    label: str = declare(min_length=1, uitleg="de Nederlandse naam", voorbeeld='label = "kinderen (0-14 jaar)"')
    direction: Literal["higher", "lower"] = declare(
        uitleg='"higher" als een hogere waarde meer behoefte betekent, anders "lower"', voorbeeld='direction = "higher"')
    sources: list[SourceSpec] = declare(min_length=1, uitleg="waar de waarde vandaan komt, de eerste die er is telt",
                                        voorbeeld='sources = [{ column = "cbs:p_mgezw", unit = "%", template = "{value} meergezinswoningen" }]')
    optional: bool = declare(False, uitleg="true als de indicator mag ontbreken", voorbeeld="optional = true")
    high: str | None = declare(None, min_length=1, uitleg="woord voor een hoge waarde in de typologie",
                               voorbeeld='high = "jong"')
    low: str | None = declare(None, min_length=1, uitleg="woord voor een lage waarde", voorbeeld='low = "weinig kinderen"')
    note: str = declare("", uitleg="toelichting in het rapport", voorbeeld='note = "..."')


class QuestionSpec(Table):
    """``[questions.ID]``: one priority question."""

    label: str | None = declare(None, min_length=1, uitleg="de naam van de vraag", voorbeeld='label = "Speelplekken"')
    categories: Literal["everyday"] | list[str] = declare(
        "everyday", uitleg='de voorzieningen: "everyday" of een lijst categorieën', voorbeeld='categories = ["speelplek"]')
    mode: Literal["walk", "bike"] = declare("walk", uitleg='"walk" (lopen) of "bike" (fietsen)', voorbeeld='mode = "walk"')
    max_distance_m: float | None = declare(None, gt=0, uitleg="de norm als afstand over de route in meters",
                                           voorbeeld="max_distance_m = 200.0")
    max_minutes: float | None = declare(None, gt=0, uitleg="de norm in minuten", voorbeeld="max_minutes = 10.0")
    group: str = declare("a_inw", pattern=rf"^{NAME}$", uitleg="de CBS-kolom van de groep die telt",
                         voorbeeld='group = "a_00_14"')
    group_label: str = declare("inwoners", min_length=1, uitleg="de naam van die groep", voorbeeld='group_label = "kinderen"')
    report_groups: dict[str, str] = declare({}, uitleg="andere groepen in het rapport: CBS-kolom = naam",
                                            voorbeeld='report_groups = { a_65_oo = "65-plussers" }')
    need: dict[str, float] = declare({}, uitleg="gewicht (≥ 0) per indicator in de behoefte",
                                     voorbeeld="need = { hitte = 0.5 }")
    norm_source: str = declare("", uitleg="de bron van de norm", voorbeeld='norm_source = "Omgevingsvisie Utrecht ..."')
    flags: QuestionFlags | None = declare(None, uitleg="eigen markeerregels voor deze vraag")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> QuestionSpec:
        if self.max_distance_m is not None and self.max_minutes is not None:
            raise rule("max_minutes", "geef max_distance_m of max_minutes, niet allebei")
        if self.max_distance_m is None and self.max_minutes is None:
            raise rule("max_minutes", "ontbreekt: de norm, als max_distance_m (meters) of max_minutes")
        if isinstance(self.categories, list) and (not self.categories or not all(self.categories)):
            raise rule("categories", 'geef "everyday" of een lijst categorie-id\'s, bijv. ["speelplek"]')
        bad = [c for c in self.report_groups if not re.fullmatch(NAME, c)]
        if bad:
            raise rule("report_groups", f"{bad[0]!r} is geen CBS-kolomnaam (bijv. a_65_oo)")
        negative = [k for k, w in self.need.items() if w < 0]
        if negative:
            raise rule("need", f"{negative[0]} = {self.need[negative[0]]:g}: een gewicht is minstens 0 (0 laat de "
                               "indicator weg)")
        known = (info.context or {}).get("indicators")
        unknown = [k for k in self.need if known is not None and k not in known]
        if unknown:
            from afweging._schema import suggest

            close = suggest(unknown[0], list(known or ()))
            raise rule("need", f"{unknown[0]!r} is geen bekende indicator"
                               + (f" (bedoelde u {close!r}?)" if close else "")
                               + f"; bekend zijn {', '.join(sorted(known or ()))}; een nieuwe komt onder [indicators.ID]")
        return self


class Questions(Table):
    """``[questions]``: the three priority questions (fixed ids)."""

    speelplek: QuestionSpec = declare(uitleg="speelplek binnen de norm van elke woning")
    ontmoetingsplek: QuestionSpec = declare(uitleg="ontmoetingsplek binnen de norm")
    voorzieningen: QuestionSpec = declare(uitleg="dagelijkse voorzieningen binnen de norm")

    @model_validator(mode="after")
    def _one_kind(self) -> Questions:
        for qid in ("speelplek", "ontmoetingsplek"):
            cats = getattr(self, qid).categories
            if not isinstance(cats, list) or len(cats) != 1:
                raise rule(f"{qid}.categories", f"de vraag {qid} meet de afstand tot de dichtstbijzijnde voorziening "
                                               "van één soort: geef precies één categorie, bijv. "
                                               f'categories = ["{qid}"]')
        return self


class Typology(Table):
    """``[typology]``: the buurt typology (KMeans)."""

    features: list[str] = declare(min_length=2, uitleg="minstens twee indicator-id's",
                                  voorbeeld='features = ["kinderen", "corporatiebezit"]')
    k_min: int = declare(ge=2, uitleg="het kleinste aantal typen", voorbeeld="k_min = 3")
    k_max: int = declare(ge=2, uitleg="het grootste aantal typen", voorbeeld="k_max = 8")
    min_residents: float = declare(ge=0, uitleg="buurten met minder inwoners krijgen geen type",
                                   voorbeeld="min_residents = 200.0")
    name_terms: int = declare(ge=1, uitleg="hoeveel kenmerken de naam van een type noemt", voorbeeld="name_terms = 3")
    name_min_z: float = declare(ge=0, uitleg="kleinste afwijking (z) die in een naam komt", voorbeeld="name_min_z = 0.5")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Typology:
        if self.k_min > self.k_max:
            raise rule("k_min", f"k_min = {self.k_min} is groter dan k_max = {self.k_max}; geef 2 ≤ k_min ≤ k_max")
        known = (info.context or {}).get("indicators")
        unknown = [f for f in self.features if known is not None and f not in known]
        if unknown:
            raise rule("features", f"{unknown[0]!r} is geen bekende indicator; bekend zijn {', '.join(sorted(known or ()))}")
        return self


class PrioritiesFile(Table):
    """The priorities settings: the top keys, ``[flags]``, ``[typology]``, ``[questions.ID]``
    and ``[indicators.ID]``."""

    ongelijk_investeren: float = declare(ge=0, uitleg="hoe sterk behoefte de prioriteit vergroot (0 = gelijk verdelen)",
                                         voorbeeld="ongelijk_investeren = 2.0")
    reason_max_factors: int = declare(ge=0, uitleg="hoeveel indicatoren een reden hoogstens noemt",
                                      voorbeeld="reason_max_factors = 3")
    reason_min_z: float = declare(ge=0, uitleg="kleinste afwijking (z) die in een reden komt", voorbeeld="reason_min_z = 0.5")
    flags: Flags = declare(uitleg="welke buurten gemarkeerd worden")
    typology: Typology = declare(uitleg="de buurttypologie")
    questions: Questions = declare(uitleg="de drie vragen: [questions.speelplek], [questions.ontmoetingsplek], "
                                          "[questions.voorzieningen]")
    indicators: dict[str, IndicatorSpec] = declare(uitleg="de indicatoren: [indicators.ID]")


def sections() -> dict[str, type[Table]]:
    """Every table of the priorities settings by its TOML name (for docs/invoer.md)."""
    return {"": PrioritiesFile, "flags": Flags, "typology": Typology, "questions.ID": QuestionSpec,
            "questions.ID.flags": QuestionFlags, "indicators.ID": IndicatorSpec,
            "indicators.ID.sources": SourceSpec}
