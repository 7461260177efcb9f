"""The declared schema of a norms file (TOML): every table and key of ``norms.toml``.

A user file is merged into the bundled ``norms.toml`` (:func:`afweging.barcode.load_norms`)
and the merged document is validated here, once: strict types, unknown keys refused with a
"did you mean" suggestion, ranges checked, and the rules between keys (a known theme and
indicator column, the floor on the right side of the value, a source with a page or url).
Every problem names the file the value came from, the table, the key, the rule and the fix
(:mod:`afweging._schema`), in Dutch; they are raised together as one
:class:`~afweging._errors.NormsError`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationInfo, field_validator, model_validator

from afweging._schema import Table, declare, rule

#: Status of a norm (its legal weight).
Status = Literal["law", "guideline", "policy aim", "rule of thumb", "toolkit default"]
#: How buurt values add up to wijk and city values.
Aggregate = Literal["a_inw", "a_woning", "a_hh", "area"]
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class Scoring(Table):
    """``[scoring]``: the score thresholds of the statuses."""

    voldoet: float = declare(1.0, gt=0, le=1, uitleg="de score vanaf waar een norm 'voldoet' (1 = de norm gehaald)",
                             voorbeeld="voldoet = 1.0")
    bijna: float = declare(0.8, gt=0, le=1, uitleg="de score vanaf waar een norm 'bijna' haalt",
                           voorbeeld="bijna = 0.8")

    @model_validator(mode="after")
    def _bijna_below_voldoet(self) -> Scoring:
        if self.bijna > self.voldoet:
            raise rule("bijna", f"{self.bijna:g} is groter dan voldoet ({self.voldoet:g}); maak bijna hoogstens voldoet")
        return self


class ThemeSpec(Table):
    """``[themes.ID]``: a theme of the barcode."""

    label: str = declare(min_length=1, uitleg="de naam van het thema in het Nederlands", voorbeeld='label = "Groen"')
    weight: float = declare(ge=0, uitleg="het gewicht in de balansscore (0 laat het thema weg)", voorbeeld="weight = 1.0")
    order: int | None = declare(None, uitleg="de plaats van het thema in de barcode", voorbeeld="order = 1")


class SourceSpec(Table):
    """``[norms.ID.source]``: where a norm comes from."""

    document: str = declare(min_length=1, uitleg="het document (titel, auteur of instantie)",
                            voorbeeld='document = "Raadsbesluit groennorm"')
    year: int = declare(ge=1900, le=2100, uitleg="het jaar van uitgave", voorbeeld="year = 2021")
    page: str | None = declare(None, min_length=1, uitleg="de pagina, paragraaf of een citaat", voorbeeld='page = "p. 12"')
    url: str | None = declare(None, pattern=r"^https?://", uitleg="het webadres (begint met http:// of https://)",
                              voorbeeld='url = "https://www.utrecht.nl/..."')
    publisher: str | None = declare(None, min_length=1, uitleg="de uitgever", voorbeeld='publisher = "Gemeente Utrecht"')

    @model_validator(mode="after")
    def _page_or_url(self) -> SourceSpec:
        if self.page is None and self.url is None:
            raise rule("page", "ontbreekt: een bron heeft een pagina (page) of een webadres (url) nodig, zodat de "
                               'keuze na te gaan is, bijv. page = "p. 12"')
        return self


class NormSpec(Table):
    """``[norms.ID]``: one norm, an indicator column held against a sourced value."""

    theme: str = declare(uitleg="het thema (een id uit [themes])", voorbeeld='theme = "groen"')
    label: str = declare(min_length=1, uitleg="korte Nederlandse naam van de streep", voorbeeld='label = "Groen per woning"')
    column: str = declare(uitleg="de indicatorkolom (lagen, bereikbaarheid of plan; zie barcode/columns.py)",
                          voorbeeld='column = "green_m2_per_dwelling"')
    value: float = declare(uitleg="de norm, in de eenheid van de kolom", voorbeeld="value = 75.0")
    unit: str = declare(min_length=1, uitleg="de eenheid zoals getoond", voorbeeld='unit = "m² per woning"')
    direction: Literal["higher", "lower"] = declare(
        uitleg='"higher" (hoger is beter: de norm is een minimum) of "lower" (een maximum)', voorbeeld='direction = "higher"')
    floor: float | None = declare(None, uitleg='de waarde met score 0 (standaard 0 bij "higher"; verplicht bij "lower")',
                                  voorbeeld="floor = 100.0")
    scale: Literal["buurt", "wijk", "stad", "plan"] = declare(
        uitleg="waar de bron de norm stelt; \"plan\" alleen voor de plantoets", voorbeeld='scale = "buurt"')
    status: Status = declare(uitleg="het gewicht van de norm: wet, richtlijn, beleidsdoel, vuistregel of standaard",
                             voorbeeld='status = "guideline"')
    aggregate: Aggregate | None = declare(
        None, uitleg="hoe buurtwaarden optellen tot wijk en stad (verplicht, behalve bij scale = \"plan\")",
        voorbeeld='aggregate = "a_inw"')
    weight: float = declare(1.0, ge=0, uitleg="het gewicht binnen het thema (0 toont de streep zonder te tellen)",
                            voorbeeld="weight = 1.0")
    bijna: float | None = declare(None, gt=0, le=1, uitleg="eigen drempel voor 'bijna' (anders die van [scoring])",
                                  voorbeeld="bijna = 0.9")
    note: str = declare("", uitleg="toelichting in het rapport", voorbeeld='note = "gemeten uit groenvlakken"')
    source: SourceSpec = declare(uitleg="de bron: een tabel [norms.ID.source] met document, year en page of url; "
                                        'voor een eigen waarde het besluit (document = "Eigen keuze gemeente, notitie ...")')
    enabled: bool = declare(True, uitleg="false haalt de norm weg", voorbeeld="enabled = false")

    @field_validator("column")
    @classmethod
    def _known_column(cls, value: str, info: ValidationInfo) -> str:
        from afweging.barcode import columns

        cats = (info.context or {}).get("categories")
        if not columns.is_known_indicator(value, categories=cats):
            hint = columns.suggest(value, categories=cats)
            raise ValueError("is geen bekende indicatorkolom (van de lagen, de bereikbaarheid of het plan; zie "
                             "afweging/barcode/columns.py)"
                             + (f"; bedoelde u {' of '.join(repr(h) for h in hint)}?" if hint else ""))
        return value

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> NormSpec:
        from afweging.barcode.columns import PLAN_COLUMNS

        themes = (info.context or {}).get("themes")
        if themes is not None and self.theme not in themes:
            raise rule("theme", f'"{self.theme}" is geen thema; gebruik een van {", ".join(themes)} of voeg '
                                f"[themes.{self.theme}] toe")
        if self.scale == "plan" and self.column not in PLAN_COLUMNS:
            raise rule("column", f'"{self.column}" is geen plankolom; een norm met scale = "plan" leest een van '
                                 f"{', '.join(PLAN_COLUMNS)}")
        if self.scale != "plan" and self.column in PLAN_COLUMNS:
            raise rule("column", f'"{self.column}" is een plankolom; zet scale = "plan" of lees een kolom van de '
                                 "lagen of de bereikbaarheid")
        if self.floor is None and self.direction == "lower":
            raise rule("floor", 'ontbreekt: een norm "lager is beter" heeft de waarde met score 0 nodig, bijv. '
                                "floor = 100.0 voor een percentage")
        floor = 0.0 if self.floor is None else self.floor
        if self.direction == "higher" and not floor < self.value:
            raise rule("floor", f"{floor:g} moet kleiner zijn dan value ({self.value:g}) bij direction = \"higher\"")
        if self.direction == "lower" and not floor > self.value:
            raise rule("floor", f"{floor:g} moet groter zijn dan value ({self.value:g}) bij direction = \"lower\"")
        if self.aggregate is None and self.scale != "plan":
            raise rule("aggregate", 'ontbreekt: zeg hoe buurten optellen tot wijk en stad: "a_inw", "a_woning", '
                                    '"a_hh" of "area"')
        voldoet = (info.context or {}).get("voldoet", 1.0)
        if self.bijna is not None and self.bijna > voldoet:
            raise rule("bijna", f"{self.bijna:g} is groter dan [scoring] voldoet ({voldoet:g})")
        return self


class NormsFile(Table):
    """A norms file: ``[scoring]``, ``[themes.ID]`` and ``[norms.ID]``."""

    scoring: Scoring = declare(Scoring(), uitleg="de drempels voldoet en bijna")
    themes: dict[str, ThemeSpec] = declare({}, uitleg="de thema's: [themes.ID] met label, weight en order")
    norms: dict[str, NormSpec] = declare({}, uitleg="de normen: [norms.ID]")



def bad_ids(doc: dict[str, object]) -> list[tuple[str, str]]:
    """(table, id) of every theme or norm whose id is not lower case letters, digits and _."""
    import re

    return [(section, str(key)) for section in ("themes", "norms") if isinstance(doc.get(section), dict)
            for key in doc[section] if not re.match(ID_PATTERN, str(key))]  # type: ignore[union-attr]


def sections() -> dict[str, type[Table]]:
    """Every table of a norms file by its TOML name (for docs/invoer.md)."""
    return {"scoring": Scoring, "themes.ID": ThemeSpec, "norms.ID": NormSpec, "norms.ID.source": SourceSpec}
