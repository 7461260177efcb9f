"""The declared schema of a scenario file (TOML) and :func:`read_scenario`.

One model per table (:mod:`afweging._schema`: strict types, unknown keys refused with
"did you mean", ranges checked, Dutch messages naming the file, the table, the key, the
rule and the fix). ``docs/scenario_format.md`` explains the format, ``docs/invoer.md``
lists every key (generated from these models)::

    naam = "Utrecht 2040"
    doeljaar = 2040
    gebied = "../../shared/data/utrecht/area.toml"     # optional

    [prognose]
    bestand = "utrecht_2040_prognose.csv"
    bron = "Sociale Visie Utrecht 2040; raadsbrief ouderen 2025"

    [[plannen]]
    bestand = "plan_utrecht.geojson"
    gereed = 2030

    [[voorzieningen]]
    actie = "nieuw"
    categorie = "ontmoetingsplek"
    x = 136000
    y = 455000
    jaar = 2028
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pyproj import Transformer

from afweging import settings
from afweging._errors import ScenarioError
from afweging._schema import Table, declare, read_toml, rule, suggest, validate
from afweging.data.tags import load_tag_table
from afweging.scenarios.forecast import read_forecast
from afweging.scenarios.model import CLOSE_SEARCH_M, FacilityChange, PlanEntry, Scenario

_YEAR = {"ge": 1990, "le": 2100}
_HINT = "Het formaat staat in docs/scenario_format.md."
WHAT = "Het scenariobestand"


class Prognose(Table):
    """``[prognose]``: the population forecast of the target year."""

    bestand: str = declare(min_length=1, uitleg="het CSV-bestand met de prognose, relatief aan het scenariobestand",
                           voorbeeld='bestand = "prognose_2040.csv"')
    bron: str = declare(min_length=1, uitleg="waar de cijfers vandaan komen: document en jaar",
                        voorbeeld='bron = "Sociale Visie Utrecht 2040"')
    aandeel_75_plus: float | None = declare(
        None, gt=0, lt=1, uitleg="het aandeel 75-plussers onder de 65-plussers van nu (tussen 0 en 1), in elke "
        "buurt hetzelfde; nodig voor de klassen 65-74 en 75+ (CBS telt per buurt alleen 65+)",
        voorbeeld="aandeel_75_plus = 0.45")
    bron_aandeel_75_plus: str | None = declare(None, min_length=1, uitleg="waar het aandeel 75-plussers vandaan komt",
                                               voorbeeld='bron_aandeel_75_plus = "CBS StatLine 2023"')

    @model_validator(mode="after")
    def _share_with_source(self) -> Prognose:
        if self.aandeel_75_plus is not None and self.bron_aandeel_75_plus is None:
            raise rule("bron_aandeel_75_plus", "ontbreekt: geef bij aandeel_75_plus ook de bron")
        if self.bron_aandeel_75_plus is not None and self.aandeel_75_plus is None:
            raise rule("aandeel_75_plus", "ontbreekt: bron_aandeel_75_plus staat er, het aandeel zelf niet")
        return self


class PlanRegel(Table):
    """``[[plannen]]``: one plan of the housing programme."""

    bestand: str = declare(min_length=1, uitleg="het planbestand (docs/plan_format.md), relatief aan het scenariobestand",
                           voorbeeld='bestand = "plan_utrecht.geojson"')
    gereed: int = declare(**_YEAR, uitleg="het jaar waarin het plan klaar en bewoond is", voorbeeld="gereed = 2030")
    naam: str | None = declare(None, min_length=1, uitleg="naam in het rapport (standaard de bestandsnaam)",
                               voorbeeld='naam = "Kanaleneiland-Zuid fase 1"')
    herstel: bool = declare(False, uitleg="ongeldige vlakken herstellen in plaats van weigeren (als --herstel)",
                            voorbeeld="herstel = true")


class Voorziening(Table):
    """``[[voorzieningen]]``: a facility that opens or closes."""

    actie: Literal["nieuw", "sluiten"] = declare(uitleg="nieuw (opent) of sluiten", voorbeeld='actie = "nieuw"')
    categorie: str = declare(min_length=1, uitleg="de soort voorziening (afweging/data/osm_tags.toml)",
                             voorbeeld='categorie = "ontmoetingsplek"')
    jaar: int = declare(**_YEAR, uitleg="het jaar waarin de voorziening opent of sluit", voorbeeld="jaar = 2028")
    naam: str | None = declare(None, min_length=1, uitleg="naam in het rapport", voorbeeld='naam = "Buurthuis De Speler"')
    x: float | None = declare(None, uitleg="x in RD New (EPSG:28992), meter", voorbeeld="x = 136000")
    y: float | None = declare(None, uitleg="y in RD New (EPSG:28992), meter", voorbeeld="y = 455000")
    lon: float | None = declare(None, ge=-180, le=180, uitleg="lengtegraad (WGS84), in plaats van x en y",
                                voorbeeld="lon = 5.09")
    lat: float | None = declare(None, ge=-90, le=90, uitleg="breedtegraad (WGS84), in plaats van x en y",
                                voorbeeld="lat = 52.07")
    zoekafstand_m: float | None = declare(None, gt=0, le=5_000, uitleg="bij sluiten: de voorziening van deze "
                                          "categorie die het dichtst bij het punt ligt, binnen zoveel meter "
                                          f"(standaard {CLOSE_SEARCH_M:g})", voorbeeld="zoekafstand_m = 50")

    @model_validator(mode="after")
    def _where(self) -> Voorziening:
        known = list(load_tag_table())
        if self.categorie not in known:
            close = suggest(self.categorie, known)
            raise rule("categorie", f'"{self.categorie}" is geen bekende categorie'
                       + (f' (bedoelde u "{close}"?)' if close else f"; kies uit {', '.join(known)}"))
        rd = self.x is not None or self.y is not None
        geo = self.lon is not None or self.lat is not None
        if rd and geo:
            raise rule("lon", "geef x en y (RD) of lon en lat (WGS84), niet allebei")
        if not rd and not geo:
            raise rule("x", "ontbreekt: geef de plek als x en y (RD New) of als lon en lat")
        if rd and (self.x is None or self.y is None):
            raise rule("y" if self.y is None else "x", "ontbreekt: x en y horen bij elkaar")
        if geo and (self.lon is None or self.lat is None):
            raise rule("lat" if self.lat is None else "lon", "ontbreekt: lon en lat horen bij elkaar")
        if self.zoekafstand_m is not None and self.actie != "sluiten":
            raise rule("zoekafstand_m", "geldt alleen bij actie = \"sluiten\"; haal de sleutel weg")
        return self


class ScenarioFile(Table):
    """The whole scenario file."""

    naam: str | None = declare(None, min_length=1, uitleg="naam van het scenario (standaard de bestandsnaam)",
                               voorbeeld='naam = "Utrecht 2040"')
    doeljaar: int = declare(ge=2000, le=2100, uitleg="het jaar dat het scenario beschrijft", voorbeeld="doeljaar = 2040")
    basisjaar: int | None = declare(None, **_YEAR, uitleg="het jaar van nu (standaard het jaar van de CBS-cijfers "
                                    "van het gebied)", voorbeeld="basisjaar = 2023")
    gebied: str | None = declare(None, min_length=1, uitleg="het gebiedsmanifest (area.toml), relatief aan het "
                                 "scenariobestand; --area gaat voor", voorbeeld='gebied = "area.toml"')
    prognose: Prognose | None = declare(None, uitleg="de bevolkingsprognose (zonder: de bevolking van nu plus de plannen)",
                                        voorbeeld='[prognose]')
    plannen: list[PlanRegel] = declare([], uitleg="het woningbouwprogramma, een [[plannen]]-tabel per plan",
                                       voorbeeld="[[plannen]]")
    voorzieningen: list[Voorziening] = declare([], uitleg="voorzieningen die openen of sluiten, een "
                                               "[[voorzieningen]]-tabel per voorziening", voorbeeld="[[voorzieningen]]")

    @model_validator(mode="after")
    def _years(self) -> ScenarioFile:
        if self.basisjaar is not None and self.basisjaar >= self.doeljaar:
            raise rule("doeljaar", f"moet na het basisjaar ({self.basisjaar}) liggen")
        return self


def sections() -> dict[str, type[Table]]:
    """The tables of a scenario file by their TOML name (for ``docs/invoer.md``)."""
    return {"": ScenarioFile, "prognose": Prognose, "plannen": PlanRegel, "voorzieningen": Voorziening}


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML, its forecast CSV and the paths of its plans.

    Paths in the file are relative to the file's folder. The plans themselves are read
    (and validated) when the scenario is applied.

    Raises
    ------
    ScenarioError
        Every problem of the file at once (file, table, key, rule, fix), or a file it
        names that does not exist.
    ForecastError
        A forecast CSV that cannot be read.
    """
    path = Path(path)
    doc, _ = read_toml(path, error=ScenarioError, what=WHAT, hint=_HINT)
    spec = validate(ScenarioFile, doc, file=str(path), error=ScenarioError, what=WHAT)
    folder = path.parent
    missing = []
    for i, p in enumerate(spec.plannen):
        if not (folder / p.bestand).is_file():
            missing.append(f"[[plannen]] nummer {i + 1}: bestand = \"{p.bestand}\" bestaat niet "
                           f"({folder / p.bestand}). Het pad is relatief aan de map van het scenario.")
    if spec.gebied is not None and not (folder / spec.gebied).is_file():
        missing.append(f"gebied = \"{spec.gebied}\" bestaat niet ({folder / spec.gebied}). Het pad is relatief aan "
                       f"de map van het scenario; of geef --area.")
    if len(missing) == 1:
        raise ScenarioError(f"{path}: {missing[0]}")
    if missing:
        listing = "\n".join(f"  - {path}: {m}" for m in missing)
        raise ScenarioError(f"{WHAT} klopt niet ({len(missing)} problemen):\n{listing}")
    forecast = None
    if spec.prognose is not None:
        forecast = read_forecast(folder / spec.prognose.bestand, year=spec.doeljaar, citation=spec.prognose.bron)
    to_rd = Transformer.from_crs("EPSG:4326", settings.crs, always_xy=True)
    facilities = []
    for f in spec.voorzieningen:
        if f.x is not None and f.y is not None:
            x, y = float(f.x), float(f.y)
        else:
            x, y = to_rd.transform(f.lon, f.lat)
        facilities.append(FacilityChange(action=f.actie, category=f.categorie, x=x, y=y, year=f.jaar, name=f.naam,
                                         search_m=f.zoekafstand_m if f.zoekafstand_m is not None else CLOSE_SEARCH_M))
    return Scenario(
        name=spec.naam or path.stem,
        target_year=spec.doeljaar,
        base_year=spec.basisjaar,
        forecast=forecast,
        share_75_plus=spec.prognose.aandeel_75_plus if spec.prognose else None,
        share_75_plus_source=spec.prognose.bron_aandeel_75_plus if spec.prognose else None,
        plans=[PlanEntry(folder / p.bestand, p.gereed, name=p.naam, repair=p.herstel) for p in spec.plannen],
        facilities=facilities,
        area_path=(folder / spec.gebied) if spec.gebied else None,
        source=str(path),
    )
