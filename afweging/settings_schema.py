"""The declared schema of :mod:`afweging.settings`: every setting's type and range.

Settings are module globals that users change at run time (``afweging.settings.walk_speed_kmh
= 5``), so they are checked where work starts (loading an area, a run, a plan check, a
reachability search): :func:`check_settings` raises one
:class:`~afweging._errors.SettingsError` naming every wrong setting, the rule and the fix.
A new setting in ``settings.py`` needs one line here (a test checks that none is missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator

from afweging import settings
from afweging._errors import SettingsError
from afweging._schema import Table, declare, rule, validate

_KM_H = "km/u"


class Settings(Table):
    """Every documented setting of :mod:`afweging.settings`."""

    crs: Literal["EPSG:28992"] = declare(uitleg="de toolkit rekent in RD New", voorbeeld='crs = "EPSG:28992"')
    walk_speed_kmh: float = declare(gt=0, le=30, uitleg=f"loopsnelheid in {_KM_H}", voorbeeld="walk_speed_kmh = 4.8")
    bike_speed_kmh: float = declare(gt=0, le=60, uitleg=f"fietssnelheid in {_KM_H}", voorbeeld="bike_speed_kmh = 15")
    minutes: float = declare(gt=0, le=120, uitleg="de norm van de 10-minutenstad in minuten", voorbeeld="minutes = 10")
    max_minutes: float = declare(gt=0, le=240, uitleg="hoe ver (in minuten) een zoektocht door het netwerk gaat", voorbeeld="max_minutes = 30")
    max_snap_distance_m: float = declare(ge=0, le=10_000, uitleg="de grootste afstand van een punt tot het netwerk in meters", voorbeeld="max_snap_distance_m = 250")
    detour_factor: float = declare(ge=1, le=10, uitleg="omrijfactor zonder netwerk (netwerkafstand / hemelsbrede afstand)", voorbeeld="detour_factor = 1.52")
    isochrone_buffer_m: float = declare(ge=0, le=1000, uitleg="halve breedte van de band rond bereikte straten in meters", voorbeeld="isochrone_buffer_m = 50")
    candidate_clearance_m: float = declare(ge=0, le=1000, uitleg="afstand van gegenereerde kandidaatlocaties tot woningen in meters", voorbeeld="candidate_clearance_m = 10")
    location_time_limit_s: float = declare(gt=0, le=86_400, uitleg="tijdslimiet van de exacte locatiekeuze in seconden", voorbeeld="location_time_limit_s = 60")
    cache_folder: Path | str = declare(uitleg="map voor gedownloade gegevens", voorbeeld='cache_folder = "~/.cache/afweging"')
    use_cache: bool = declare(uitleg="de downloadcache gebruiken", voorbeeld="use_cache = True")
    requests_timeout_s: float = declare(gt=0, le=3600, uitleg="leestime-out van een download in seconden", voorbeeld="requests_timeout_s = 60")
    requests_connect_timeout_s: float = declare(gt=0, le=600, uitleg="verbindingstime-out in seconden", voorbeeld="requests_connect_timeout_s = 10")
    requests_retries: int = declare(ge=0, le=20, uitleg="aantal nieuwe pogingen na een mislukte download", voorbeeld="requests_retries = 4")
    requests_backoff_s: float = declare(ge=0, le=600, uitleg="eerste wachttijd voor een nieuwe poging in seconden", voorbeeld="requests_backoff_s = 2")
    requests_max_wait_s: float = declare(ge=0, le=3600, uitleg="langste wachttijd voor een nieuwe poging in seconden", voorbeeld="requests_max_wait_s = 120")
    progress: bool = declare(uitleg="voortgangsbalken tonen", voorbeeld="progress = False")
    seed: int = declare(ge=0, uitleg="startgetal van de toevalsgenerator", voorbeeld="seed = 20240")
    green_min_area_m2: float = declare(ge=0, uitleg="kleinste groenvlak dat telt, in m²", voorbeeld="green_min_area_m2 = 5000")
    green_max_distance_m: float = declare(gt=0, le=10_000, uitleg="afstand tot groen in meters (3-30-300)", voorbeeld="green_max_distance_m = 300")
    green_norm_m2_per_dwelling: float = declare(gt=0, uitleg="m² openbaar groen per woning", voorbeeld="green_norm_m2_per_dwelling = 75")
    green_versteend_min_area_m2: float = declare(ge=0, uitleg="kleinste groenvlak tegen verstening, in m²", voorbeeld="green_versteend_min_area_m2 = 10000")
    heat_pet_hot_degc: float = declare(ge=0, le=60, uitleg="PET (°C) waarboven het heet is", voorbeeld="heat_pet_hot_degc = 35")
    heat_pet_very_hot_degc: float = declare(ge=0, le=70, uitleg="PET (°C) waarboven het zeer heet is", voorbeeld="heat_pet_very_hot_degc = 38")
    heat_cool_place_min_m2: float = declare(ge=0, uitleg="kleinste koele plek in m²", voorbeeld="heat_cool_place_min_m2 = 200")
    heat_cool_place_max_distance_m: float = declare(gt=0, le=10_000, uitleg="afstand tot een koele plek in meters", voorbeeld="heat_cool_place_max_distance_m = 300")
    noise_who_road_lden_db: float = declare(ge=0, le=150, uitleg="WHO-richtwaarde wegverkeerslawaai, Lden in dB", voorbeeld="noise_who_road_lden_db = 53")
    noise_eu_reporting_lden_db: float = declare(ge=0, le=150, uitleg="EU-rapportagedrempel, Lden in dB", voorbeeld="noise_eu_reporting_lden_db = 55")
    housing_social_rent_target_pct: float = declare(ge=0, le=100, uitleg="doel sociale huur in % van de woningen", voorbeeld="housing_social_rent_target_pct = 35")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.max_minutes < self.minutes:
            raise rule("max_minutes", f"max_minutes ({self.max_minutes:g}) is kleiner dan minutes ({self.minutes:g}): "
                                      f"de zoektocht zou stoppen voor de norm. Maak max_minutes minstens minutes")
        if self.heat_pet_very_hot_degc < self.heat_pet_hot_degc:
            raise rule("heat_pet_very_hot_degc", "moet minstens heat_pet_hot_degc zijn")
        return self


def check_settings() -> None:
    """Check the current values of :mod:`afweging.settings`; raise SettingsError (Dutch)."""
    values = {name: getattr(settings, name) for name in Settings.model_fields}
    validate(Settings, values, file="afweging.settings", error=SettingsError,
             what="De instellingen (afweging.settings)")
