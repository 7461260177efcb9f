"""A generated scenario for the demo town (Demostad 2040). SYNTHETIC, like the town itself.

Everything is derived by code from :func:`afweging.data.demo.demo_area`: three plans of
the housing programme (one completed after the target year, so it is left out), a new
meeting place where the town has none (Canadaplein), a playground that closes, and a
forecast per wijk by the age bands of youth and elderly policy (0-11, 12-17, 18-64,
65-74, 75+). The forecast is built as "today's residents of the existing homes times a
growth factor per band, plus the plans' new residents"; in Westwijk the factor for the
existing homes is below 1, so the report shows what happens when the plans add more
people than the forecast allows, and in Rozendaal the existing homes grow by more than 5 %
without plans, which the report names too. Nothing here is real.

:func:`demo_scenario` returns the :class:`~afweging.scenarios.model.Scenario`;
:func:`write_demo_scenario` writes it as files (TOML, CSV, plan GeoJSON and the demo area
with its manifest), the format ``afweging scenario`` reads.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from afweging import settings
from afweging.geo.area import Area
from afweging.scenarios.forecast import Forecast
from afweging.scenarios.model import FacilityChange, PlanEntry, Scenario
from afweging.scenarios.population import (
    TOTAL,
    AgeModel,
    band_counts,
    new_residents_by_band,
    parse_band,
    present_by_area,
)
from afweging.scenarios.target import target_area

#: Target and base year of the demo scenario (the demo statistics have no year).
TARGET_YEAR, BASE_YEAR = 2040, 2024

#: Share of 75-plussers among the 65-plussers in Demostad (synthetic).
SHARE_75_PLUS: float = 0.45

#: Forecast bands and the growth factor of each for the existing homes' residents: the
#: young about as many, the old many more (ageing in place). The existing homes grow 1-7 %
#: per wijk; Rozendaal, with the most elderly, by more than the 5 % the report names.
GROWTH: dict[str, float] = {"0-11": 1.0, "12-17": 1.02, "18-64": 1.0, "65-74": 1.25, "75+": 1.55}

#: Westwijk: the existing homes lose residents (the plans add more than the forecast).
SHRINKING_WIJK, SHRINK_FACTOR = "WK999902", 0.95

SOURCE = "Synthetisch demoscenario (afweging), geen echte gegevens"


def _plans(area: Area) -> list[tuple[str, int, gpd.GeoDataFrame]]:
    """(file stem, completion year, plan frame) of the three demo plans."""
    b = area.buurten.geometry
    x0, y0, _, _ = b.loc["BU99990503"].bounds  # the business park
    vaart = gpd.GeoDataFrame(
        [
            {"naam": "Vaartkwartier", "functie": "wonen", "woningen": 800, "sociale_huur_pct": 30,
             "middenhuur_pct": 20, "betaalbare_koop_pct": 15, "vrije_huur_pct": 10, "meergezins_pct": 80,
             "speelruimte_m2": 3000, "verdeling": "straten"},
            {"naam": "Vaartpark", "functie": "groen", "speelruimte_m2": 1500},
            {"naam": "Gezondheidscentrum Vaartkwartier", "categorie": "huisarts", "oppervlak_m2": 800},
        ],
        geometry=[box(x0 + 100, y0 + 350, x0 + 550, y0 + 700), box(x0 + 100, y0 + 150, x0 + 300, y0 + 350),
                  Point(x0 + 320, y0 + 520)],
        crs=settings.crs,
    )
    z = b.loc["BU99990201"].representative_point()
    zonnehof = gpd.GeoDataFrame(
        [{"naam": "Zonnehof inbreiding", "functie": "wonen", "woningen": 150, "sociale_huur_pct": 40,
          "middenhuur_pct": 30, "meergezins_pct": 100}],
        geometry=[box(z.x - 40, z.y - 30, z.x + 40, z.y + 30)], crs=settings.crs,
    )
    w = b.loc["BU99990501"].representative_point()
    weide = gpd.GeoDataFrame(
        [{"naam": "Weide-Oost", "functie": "wonen", "woningen": 200, "betaalbare_koop_pct": 40}],
        geometry=[box(w.x - 60, w.y - 40, w.x + 60, w.y + 40)], crs=settings.crs,
    )
    return [("plan_vaartkwartier", 2032, vaart), ("plan_zonnehof", 2036, zonnehof), ("plan_weide_oost", 2045, weide)]


def _facilities(area: Area) -> list[FacilityChange]:
    c = area.buurten.geometry.loc["BU99990202"].representative_point()  # Canadaplein: no meeting place
    fac = area.facilities
    assert fac is not None
    mill = fac[(fac["category"] == "speelplek") & (fac["name"] == "Speelplek Molenwiek")].geometry.iloc[0]
    return [
        FacilityChange("nieuw", "ontmoetingsplek", float(c.x), float(c.y), 2028, name="Buurtkamer Canadaplein"),
        FacilityChange("sluiten", "speelplek", float(mill.x), float(mill.y), 2035, name="Speelplek Molenwiek"),
    ]


def demo_scenario(area: Area | None = None) -> Scenario:
    """The demo scenario *Demostad 2040* (synthetic; see the module doc).

    Parameters
    ----------
    area : Area, optional
        The demo area (default: :func:`afweging.data.demo.demo_area`).
    """
    if area is None:
        from afweging.data.demo import demo_area

        area = demo_area()
    plans = [PlanEntry(frame, year, name=frame["naam"].iloc[0]) for _, year, frame in _plans(area)]
    base = Scenario(name="Demostad 2040", target_year=TARGET_YEAR, base_year=BASE_YEAR, share_75_plus=SHARE_75_PLUS,
                    share_75_plus_source=SOURCE, plans=plans, facilities=_facilities(area), source="demoscenario",
                    synthetic=True)
    return dataclasses.replace(base, forecast=_forecast(area, base))


def _forecast(area: Area, scenario: Scenario) -> Forecast:
    """Per wijk: existing homes' residents x growth per band + the plans' new residents."""
    model = AgeModel(SHARE_75_PLUS)
    built = target_area(area, scenario, model=model)  # no forecast yet: today + the plans
    wijk = area.buurten["wijkcode"].astype(object)
    new = band_counts(new_residents_by_band(built.area.buurten, built.new_residents, model),
                      [parse_band(b) for b in GROWTH], model)
    existing = present_by_area(area.buurten, wijk, model)
    rows = {}
    for code in sorted(wijk.dropna().unique()):
        row = {}
        for label, factor in GROWTH.items():
            f = SHRINK_FACTOR if code == SHRINKING_WIJK else factor
            parts = [x.label for x in model.fine_of(parse_band(label))]
            row[label] = round(float(existing.loc[code, parts].sum()) * f + float(new.loc[wijk == code, label].sum()))
        row[TOTAL] = sum(row.values())
        rows[code] = row
    table = pd.DataFrame.from_dict(rows, orient="index")[[TOTAL, *GROWTH]].astype(float)
    table.index.name = "gebied"
    return Forecast(table=table, source="demostad_2040_prognose.csv", citation=SOURCE)


def write_demo_scenario(folder: str | Path) -> Path:
    """Write the demo scenario as files into ``folder``; returns the scenario TOML.

    Writes ``demostad_2040.toml``, ``demostad_2040_prognose.csv``, one GeoJSON per plan
    (RD New, with a ``crs`` member) and the demo area (``demostad/area.toml`` and its
    files, :func:`afweging.data.demo.write_demo`), so that
    ``afweging scenario <folder>/demostad_2040.toml --out uit`` runs as is.
    """
    from afweging._outputs import atomic_write_text
    from afweging.data.demo import demo_area, write_demo

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    area = demo_area()
    sc = demo_scenario(area)
    manifest = write_demo(folder / "demostad")
    assert sc.forecast is not None
    csv = sc.forecast.table.round(0).astype(int).reset_index().to_csv(index=False, lineterminator="\n")
    atomic_write_text(folder / sc.forecast.source, csv)
    lines = [
        "# Demostad 2040: a GENERATED scenario of the synthetic demo town (afweging.scenarios.demo).",
        "# Nothing in it is real. Format: docs/scenario_format.md.",
        f'naam = "{sc.name}"',
        f"doeljaar = {sc.target_year}",
        f"basisjaar = {sc.base_year}",
        f'gebied = "{manifest.relative_to(folder).as_posix()}"',
        "",
        "[prognose]",
        f'bestand = "{sc.forecast.source}"',
        f'bron = "{SOURCE}"',
        f"aandeel_75_plus = {SHARE_75_PLUS}",
        f'bron_aandeel_75_plus = "{SOURCE}"',
    ]
    for (stem, year, frame), entry in zip(_plans(area), sc.plans, strict=True):
        text = frame.to_json(drop_id=True)
        doc = json.loads(text)
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
        atomic_write_text(folder / f"{stem}.geojson", json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        lines += ["", "[[plannen]]", f'bestand = "{stem}.geojson"', f"gereed = {year}", f'naam = "{entry.label}"']
    for f in sc.facilities:
        lines += ["", "[[voorzieningen]]", f'actie = "{f.action}"', f'categorie = "{f.category}"', f'naam = "{f.name}"',
                  f"x = {f.x:.1f}", f"y = {f.y:.1f}", f"jaar = {f.year}"]
    path = folder / "demostad_2040.toml"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path
