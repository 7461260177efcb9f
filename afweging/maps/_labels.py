"""Dutch labels, units and colour maps of indicator columns, for legends and popups.

Column names are built in the layer modules and :mod:`afweging._names`; this module turns
them into what a planner reads ("Openbaar groen per woning", unit "m² per woning"). For
a column not known here, the unit of a methods table (``LayerResult.methods``,
``ReachabilityResult.methods``) is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from afweging.data import tags

#: Dutch name of the methods in a methods table.
METHOD_LABELS: dict[str, str] = {
    "measured": "gemeten",
    "statistics": "CBS-statistiek",
    "proxy": "benadering (proxy)",
    "no data": "geen gegevens",
    "network": "over het netwerk",
    "fallback": "hemelsbreed × omrijfactor",
}

MODE_LABELS: dict[str, str] = {"walk": "lopen", "bike": "fietsen"}

#: label, unit, matplotlib colour map (darker = more of the quantity).
_LAYER: dict[str, tuple[str, str, str]] = {
    "green_public_m2": ("Openbaar groen", "m²", "YlGn"),
    "green_pct_land": ("Openbaar groen, deel van het landoppervlak", "%", "YlGn"),
    "green_m2_per_dwelling": ("Openbaar groen per woning", "m² per woning", "YlGn"),
    "green_m2_per_household": ("Openbaar groen per huishouden", "m² per huishouden", "YlGn"),
    "green_pct_homes_within_300m_of_05ha": (
        "Bewoners met groen (≥ 0,5 ha) binnen 300 m", "% van de bewoners", "YlGn"),
    "green_below_75m2_per_dwelling": ("Minder dan 75 m² groen per woning", "ja/nee", "Greys"),
    "green_versteend": ("Versteende buurt", "ja/nee", "Greys"),
    "heat_pet_mean_degc": ("Gevoelstemperatuur (PET) op een hete dag, gemiddeld", "°C", "YlOrRd"),
    "heat_pct_area_over_35degc": ("Oppervlak met PET boven 35 °C", "% van het oppervlak", "YlOrRd"),
    "heat_pct_area_over_38degc": ("Oppervlak met PET boven 38 °C", "% van het oppervlak", "YlOrRd"),
    "heat_pct_homes_over_35degc": ("Woningen met PET boven 35 °C", "% van de woningen", "YlOrRd"),
    "heat_pct_homes_over_38degc": ("Woningen met PET boven 38 °C", "% van de woningen", "YlOrRd"),
    "heat_pct_homes_cool_place_within_300m": (
        "Woningen met een koele plek binnen 300 m", "% van de woningen", "PuBu"),
    "heat_uhi_mean_degc": (
        "Stedelijk hitte-eiland: lucht warmer dan het platteland (RIVM, geen PET)", "°C", "YlOrRd"),
    "heat_uhi_homes_mean_degc": (
        "Stedelijk hitte-eiland bij de woningen (RIVM, geen PET)", "°C", "YlOrRd"),
    "heat_proxy_index": ("Hitte-index (benadering, hoger = heter)", "index 0–100", "YlOrRd"),
    "noise_lden_mean_at_homes_db": ("Geluid bij woningen, gemiddeld (Lden)", "dB", "PuRd"),
    "noise_pct_homes_over_53db": (
        "Woningen boven 53 dB Lden (WHO-advies wegverkeer)", "% van de woningen", "PuRd"),
    "noise_pct_homes_over_55db": (
        "Woningen boven 55 dB Lden (EU-drempel)", "% van de woningen", "PuRd"),
    "housing_corporation_pct": (
        "Corporatiebezit (benadering van sociale huur)", "% van de woningen", "BuPu"),
    "housing_rented_pct": ("Huurwoningen", "% van de woningen", "BuPu"),
    "housing_social_gap_pct_points": (
        "Tekort op het doel van 35 % sociale huur", "procentpunt", "RdBu_r"),
    "housing_dwellings": ("Woningen", "aantal", "Greys"),
    "fac_n_missing_categories": (
        "Soorten voorzieningen die in de buurt ontbreken", "aantal soorten", "Oranges"),
}

_FAC_STATS: dict[str, tuple[str, str]] = {
    "count": ("{label}: aantal in de buurt", "aantal"),
    "per_1000_inh": ("{label} per 1.000 inwoners", "per 1.000 inwoners"),
    "per_km2": ("{label} per km²", "per km²"),
}

_REACH_SHARE = re.compile(r"^reach_(walk|bike)_(.+)_pct_within_([0-9.]+)min$")
_REACH_STAT = re.compile(r"^reach_(walk|bike)_(.+)_(median|p90)_min$")
_REACH_NCAT = re.compile(r"^reach_(walk|bike)_n_categories_within_([0-9.]+)min$")
_REACH_ALL = re.compile(r"^reach_(walk|bike)_pct_all_categories_within_([0-9.]+)min$")
_REACH_FALLBACK = re.compile(r"^reach_(walk|bike)_pct_residents_fallback$")
_HOME_MIN = re.compile(r"^(walk|bike)_min_(.+)$")


@dataclass(frozen=True)
class IndicatorInfo:
    """How an indicator column is shown.

    Attributes
    ----------
    column : str
    label : str
        Dutch label without unit.
    unit : str
        Dutch unit ("m² per woning", "%", "min").
    cmap : str
        Matplotlib colour map name; darker means more of the quantity.
    method : str or None
        Dutch method label (``METHOD_LABELS``) when a methods table knows the column.
    """

    column: str
    label: str
    unit: str
    cmap: str
    method: str | None = None

    @property
    def title(self) -> str:
        """Label with unit: ``"Openbaar groen per woning (m² per woning)"``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


@lru_cache(maxsize=1)
def _category_labels() -> dict[str, str]:
    return tags.labels()


def category_label(category: str) -> str:
    """Dutch label of a facility category (the id itself when unknown)."""
    return _category_labels().get(category, category.replace("_", " "))


def _describe(column: str) -> tuple[str, str, str]:
    if column in _LAYER:
        return _LAYER[column]
    if column.startswith("fac_"):
        for stat, (fmt, unit) in _FAC_STATS.items():
            if column.endswith("_" + stat):
                cat = column[len("fac_") : -len(stat) - 1]
                return fmt.format(label=category_label(cat)), unit, "Blues"
    if m := _REACH_SHARE.match(column):
        mode, cat, minutes = m.groups()
        return (
            f"Bewoners met {category_label(cat).lower()} binnen {minutes} min {MODE_LABELS[mode]}",
            "% van de bewoners",
            "YlGnBu",
        )
    if m := _REACH_STAT.match(column):
        mode, cat, stat = m.groups()
        what = "Mediane reistijd" if stat == "median" else "Reistijd voor 90 % van de bewoners"
        return f"{what} naar {category_label(cat).lower()} ({MODE_LABELS[mode]})", "min", "YlOrRd"
    if m := _REACH_NCAT.match(column):
        mode, minutes = m.groups()
        return (
            f"Soorten voorzieningen binnen {minutes} min {MODE_LABELS[mode]}, gemiddeld",
            "aantal soorten",
            "YlGnBu",
        )
    if m := _REACH_ALL.match(column):
        mode, minutes = m.groups()
        return (
            f"Bewoners met alle dagelijkse voorzieningen binnen {minutes} min {MODE_LABELS[mode]}",
            "% van de bewoners",
            "YlGnBu",
        )
    if m := _REACH_FALLBACK.match(column):
        (mode,) = m.groups()
        return (
            f"Bewoners zonder netwerk, hemelsbreed geschat ({MODE_LABELS[mode]})",
            "% van de bewoners",
            "Greys",
        )
    if m := _HOME_MIN.match(column):
        mode, cat = m.groups()
        return f"Minuten {MODE_LABELS[mode]} naar {category_label(cat).lower()}", "min", "YlOrRd"
    return column.replace("_", " "), "", "viridis"


def describe(column: str, methods: pd.DataFrame | None = None) -> IndicatorInfo:
    """Dutch label, unit and colour map of an indicator column.

    Parameters
    ----------
    column : str
        An indicator column (layers, reachability per buurt, or per home).
    methods : DataFrame, optional
        A methods table (index = indicator column; ``unit`` and ``method`` columns); its
        unit is used for columns not known here and its method is shown in legends.

    Examples
    --------
    >>> describe("green_m2_per_dwelling").title
    'Openbaar groen per woning (m² per woning)'
    >>> describe("reach_walk_speelplek_pct_within_5min").label
    'Bewoners met speelplek binnen 5 min lopen'
    """
    label, unit, cmap = _describe(column)
    method = None
    if methods is not None and column in methods.index:
        row = methods.loc[column]
        if isinstance(row, pd.DataFrame):  # duplicated index: take the first record
            row = row.iloc[0]
        known_unit = row.get("unit")
        if isinstance(known_unit, str) and known_unit and known_unit != "tekst" and not unit:
            unit = known_unit
        raw = row.get("method")
        if isinstance(raw, str):
            method = METHOD_LABELS.get(raw, raw)
    return IndicatorInfo(column=column, label=label, unit=unit, cmap=cmap, method=method)
