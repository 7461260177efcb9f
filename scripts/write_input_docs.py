"""Write ``docs/invoer.md``: every key of every input file, from the declared schemas.

Usage: ``python scripts/write_input_docs.py`` after adding or changing a key in a schema
(``tests/test_input_errors.py`` fails while the file is stale).
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from afweging._schema import unwrap
from afweging.analyses.locations.candidates import CANDIDATE_PROPERTIES
from afweging.analyses.priorities.config_schema import sections as priorities_sections
from afweging.barcode.norms_schema import sections as norms_sections
from afweging.batch.manifest_schema import sections as batch_sections
from afweging.data.manifest_schema import DEFAULT_URLS, DEFAULT_WCS, sections
from afweging.data.tags import CategorySpec
from afweging.scenarios.forecast import FORECAST_COLUMNS
from afweging.scenarios.schema import sections as scenario_sections
from afweging.settings_schema import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "invoer.md"

INTRO = """# Invoer: elk bestand, elke sleutel

Gegenereerd door `scripts/write_input_docs.py` uit de schema's (pydantic) in de code; niet met
de hand bewerken. Elke sleutel wordt gecontroleerd op naam, type en bereik voordat er iets
wordt gerekend. Een onbekende sleutel (vaak een tikfout) geeft een fout met "Bedoelde u ...?";
een verkeerd type of een waarde buiten het bereik geeft een fout die het bestand, de sectie,
de sleutel, de regel en de oplossing noemt (zie `docs/foutmeldingen.md`).

Typen zijn streng: `synthetic = "false"` (tekst) is geen `false`, `year = "2023"` geen getal.
`inf` en `nan` zijn nergens toegestaan. Een TOML-bestand mag met of zonder BOM als UTF-8
opgeslagen zijn.

| invoer | schema |
|---|---|
| gebiedsmanifest (`area.toml`) | `afweging/data/manifest_schema.py` |
| instellingen (`afweging.settings`) | `afweging/settings_schema.py` |
| normen (TOML, `--norms`) | `afweging/barcode/norms_schema.py` |
| tagtabel (TOML, `[facilities] tags`) | `afweging/data/tags.py` (`CategorySpec`) |
| prioriteiten (TOML, `--priorities`) | `afweging/analyses/priorities/config_schema.py` |
| planeigenschappen | `afweging/analyses/plan/format.py` (`PROPERTIES`), zie `docs/plan_format.md` |
| scenario (`afweging scenario`) | `afweging/scenarios/schema.py`, zie `docs/scenario_format.md` |
| bevolkingsprognose (CSV van een scenario) | `afweging/scenarios/forecast.py` (`FORECAST_COLUMNS`) |
| batchmanifest (`afweging batch --manifest`) | `afweging/batch/manifest_schema.py` |
| kandidatenbestand (`--kandidaten`) | `afweging/analyses/locations/candidates.py` (`CANDIDATE_PROPERTIES`), zie `docs/location_problem.md` |

Een sleutel toevoegen is één regel in het model van zijn sectie, met type, bereik, uitleg en
voorbeeld; draai daarna dit script.
"""


def type_text(annotation: Any) -> str:
    """The type of a key in Dutch words."""
    words = []
    for tp in unwrap(annotation):
        origin = typing.get_origin(tp)
        if origin is typing.Literal:
            words.append(" / ".join(f'"{a}"' for a in typing.get_args(tp)))
        elif origin is dict or (isinstance(tp, type) and issubclass(tp, BaseModel)):
            words.append("tabel")
        elif origin is list:
            inner = unwrap(typing.get_args(tp)[0])[0] if typing.get_args(tp) else None
            words.append("lijst van tabellen" if _is_table(inner) else "lijst van teksten")
        else:
            words.append({str: "tekst", int: "geheel getal", float: "getal", bool: "true/false",
                          Path: "pad"}.get(tp, str(tp)))
    return " of ".join(dict.fromkeys(words))


def rule_text(field: Any) -> str:
    """The range or form of a key (``> 0, ≤ 30``)."""
    parts = []
    for m in field.metadata:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            if getattr(m, attr, None) is not None:
                parts.append(f"{sign} {getattr(m, attr):g}".replace(".", ","))
        if getattr(m, "pattern", None):
            parts.append(f"vorm `{m.pattern}`")
        if getattr(m, "min_length", None):
            parts.append("niet leeg")
    if field.is_required():
        parts.insert(0, "verplicht")
    return ", ".join(parts)


def _is_table(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def table(model: type[BaseModel], *, nested: bool = True) -> str:
    rows = ["| sleutel | type | regel | betekenis | voorbeeld |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        kinds = unwrap(field.annotation)
        if not nested and any(_is_table(t) or (typing.get_origin(t) is dict and _is_table(typing.get_args(t)[1]))
                              for t in kinds):
            continue  # sub-tables get their own section
        example = f"`{field.examples[0]}`" if field.examples else ""
        rows.append(f"| `{name}` | {type_text(field.annotation)} | {rule_text(field)} | "
                    f"{field.description or ''} | {example} |")
    return "\n".join(rows)


def render() -> str:
    """The text of docs/invoer.md."""
    out = [INTRO, "## Gebiedsmanifest (`area.toml`)\n",
           "Alleen `name` en `[buurten]` zijn verplicht. Elke gegevenssectie heeft `path` (een "
           "bestand) of `online` (downloaden, waar dat kan).\n",
           "Online bronnen en het adres dat ze gebruiken zonder `url` (`{year}` is het `year` van de "
           "sectie); `url` vervangt het, bijv. door een spiegel of proxy. `afweging fetch --area "
           "online.toml --out MAP` haalt alles één keer op en schrijft `MAP/area.toml` met de bestanden "
           "(`downloaded_from`, `downloaded_on`). Bij `online = \"wcs\"` horen `url` en `coverage` bij "
           "elkaar; zonder beide gebruikt een raster de RIVM-kaart van de tweede tabel.\n",
           "| online | standaardadres |", "|---|---|",
           *[f"| `{k}` | `{v}` |" for k, v in DEFAULT_URLS.items()], "",
           "| raster (`online = \"wcs\"`) | standaard-WCS | standaard-coverage |", "|---|---|---|",
           *[f"| `[rasters.{k}]` | `{u}` | `{c}` |" for k, (u, c) in DEFAULT_WCS.items()], ""]
    by_model: dict[type[BaseModel], list[str]] = {}
    for name, model in sections().items():
        by_model.setdefault(model, []).append(name)
    for model, names in by_model.items():
        if all(n and not model.model_fields.keys() - {"walk", "bike", "heat", "uhi", "noise"} for n in names):
            continue  # [networks] / [rasters] only hold the sub-tables
        title = " en ".join(f"[{n}]" for n in names if n) or "Bovenaan het bestand"
        online = getattr(model, "ONLINE", ())
        extra = (" `online` kan zijn: " + ", ".join(f'"{o}"' for o in online) + ".") if online else ""
        out += [f"### {title}\n", *([f"{extra.strip()}\n"] if extra else []), table(model, nested=not names[0]), ""]
    out += ["## Instellingen (`afweging.settings`)\n",
            "Te wijzigen in Python (`afweging.settings.walk_speed_kmh = 5.0`); gecontroleerd bij "
            "het laden van een gebied, een run, een plantoets en een bereikbaarheidsberekening.\n",
            table(Settings), ""]
    out += ["## Normen (`--norms`, TOML)\n",
            "Een eigen bestand wordt samengevoegd met de meegeleverde normen (`afweging/barcode/norms.toml`, "
            "waarvan de kop de regels uitlegt): wat u geeft vervangt de meegeleverde waarde. Wie `value`, "
            "`floor`, `direction` of `column` van een norm verandert, geeft ook een nieuwe "
            "`[norms.ID.source]`. Een id bestaat uit kleine letters, cijfers en `_`. 'Verplicht' geldt voor een "
            "nieuwe norm of een nieuw thema; bij een bestaande vult het meegeleverde bestand aan.\n"]
    for name, model in norms_sections().items():
        out += [f"### [{name}]\n", table(model, nested=False), ""]
    out += ["## Prioriteiten (`--priorities`, TOML)\n",
            "Een eigen bestand wordt samengevoegd met `afweging/analyses/priorities/priorities.toml` (waarvan de "
            "kop elke keuze uitlegt): getallen en lijsten vervangen, tabellen vullen aan (`need = { hitte = 0 }` "
            "verandert alleen dat gewicht); wie bij een vraag `max_minutes` geeft, laat de standaard "
            "`max_distance_m` vallen en omgekeerd. 'Verplicht' geldt voor het samengevoegde geheel: het "
            "meegeleverde bestand geeft die sleutels al.\n"]
    for name, model in priorities_sections().items():
        title = f"[{name}]" if name else "Bovenaan het bestand"
        out += [f"### {title}\n", table(model, nested=False), ""]
    out += ["## Tagtabel (`[facilities] tags = \"...\"`, TOML)\n",
            "Een eigen tagtabel vervangt per categorie die van `afweging/data/osm_tags.toml`; een lege "
            "`tags`-lijst haalt een categorie weg.\n", "### [categories.ID]\n", table(CategorySpec), ""]
    out += ["## Scenario (`afweging scenario`)\n",
            "Paden zijn relatief aan het scenariobestand; zie `docs/scenario_format.md` voor de methode.\n"]
    for name, model in scenario_sections().items():
        title = f"[{name}]" if name in ("prognose",) else (f"[[{name}]]" if name else "Bovenaan het bestand")
        out += [f"### {title}\n", table(model, nested=not name), ""]
    out += ["## Bevolkingsprognose (CSV)\n",
            "Gescheiden door `,` of `;` (dan ook `470.000`), UTF-8. Eén niveau per bestand.\n",
            "| kolom | betekenis |", "|---|---|",
            *[f"| `{k}` | {m} |" for k, m in FORECAST_COLUMNS.items()], ""]
    out += ["## Batchmanifest (`afweging batch --manifest`)\n",
            "Per gemeente waar de gegevens vandaan komen: een map met opgehaalde bestanden (`data`, met "
            "een `area.toml`, bijv. van `afweging fetch`) of een sjabloon met online bronnen (`bronnen`, "
            "een gebiedsmanifest met `{gemeentecode}`). Paden zijn relatief aan het batchmanifest. "
            "Een gemeente zonder gegevens wordt als mislukt gemeld; de andere gaan door.\n"]
    for name, model in batch_sections().items():
        out += [f"### {f'[{name}]' if name else 'Bovenaan het bestand'}\n", table(model, nested=not name), ""]
    out += ["## Kandidatenbestand (`afweging locaties --kandidaten`)\n",
            "Een GeoPackage of GeoJSON (elk coördinatenstelsel) met de beschikbare kavels als punten "
            "of vlakken (een vlak telt met een punt erbinnen). Andere eigenschappen worden genegeerd; "
            "een die op een tikfout lijkt (`vats`) geeft een waarschuwing met de suggestie.\n",
            "| eigenschap | type | betekenis | standaard |", "|---|---|---|---|",
            *[f"| `{k}` | {t} | {m} | {d} |" for k, (t, m, d) in CANDIDATE_PROPERTIES.items()], ""]
    return "\n".join(out)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"{DOC} geschreven\n")
