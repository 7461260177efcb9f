"""The one place that defines which indicator columns a norm may read, and the names of
the barcode's own output columns.

A norm in ``norms.toml`` names the indicator ``column`` it reads. That column must be one
of:

* a **layer** column (``docs/architecture.md``, table "Layers"), listed in
  :data:`LAYER_COLUMNS`, or a facility-layer column built by
  :func:`afweging._names.facility_col` for a known category;
* a **reachability** column built by the functions of :mod:`afweging._names`
  (``reach_walk_speelplek_pct_within_10min``, ``reach_bike_n_categories_within_10min``...),
  for mode ``walk`` or ``bike``, a known facility category and any number of minutes;
* a **plan** column (:data:`PLAN_COLUMNS`) that the plan check provides for a
  development plan; only norms with ``scale = "plan"`` may read these.

Anything else is refused when the norms are loaded, so a typo in a user TOML
(``green_m2_per_dwellings``) fails loudly instead of producing a grey stripe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from afweging import _names

#: Travel modes of the reachability analysis.
MODES: tuple[str, ...] = ("walk", "bike")

#: Indicator columns of the layers (``afweging/layers/*``), per docs/architecture.md.
LAYER_COLUMNS: frozenset[str] = frozenset(
    {
        # green.py
        "green_public_m2",
        "green_pct_land",
        "green_m2_per_dwelling",
        "green_m2_per_household",
        "green_pct_homes_within_300m_of_05ha",
        "green_below_75m2_per_dwelling",
        "green_versteend",
        # heat.py
        "heat_pet_mean_degc",
        "heat_pct_area_over_35degc",
        "heat_pct_area_over_38degc",
        "heat_pct_homes_over_35degc",
        "heat_pct_homes_over_38degc",
        "heat_pct_homes_cool_place_within_300m",
        "heat_uhi_mean_degc",
        "heat_uhi_homes_mean_degc",
        "heat_proxy_index",
        # noise.py
        "noise_lden_mean_at_homes_db",
        "noise_pct_homes_over_53db",
        "noise_pct_homes_over_55db",
        # housing.py
        "housing_corporation_pct",
        "housing_rented_pct",
        "housing_social_gap_pct_points",
        "housing_dwellings",
        # facilities.py (the per-category columns are generated, see facility_columns)
        "fac_n_missing_categories",
    }
)

#: Statistics of the facility layer, per category (``fac_{cat}_{stat}``).
FACILITY_STATS: tuple[str, ...] = ("count", "per_1000_inh", "per_km2")

#: Plan-scale indicator columns that the plan check (``analyses/plan/``) provides for a
#: development plan, with their meaning. Only ``scale = "plan"`` norms read these.
PLAN_COLUMNS: dict[str, str] = {
    "plan_facilities_green_m2_per_new_dwelling": (
        "m² voor voorzieningen, sport en groen per nieuwe woning (naast de bouwgrond)"
    ),
    "plan_green_m2_per_new_dwelling": "m² openbaar groen per nieuwe woning",
    "plan_play_pct_of_residential_area": "speelruimte als % van het bebouwde woongebied",
    "plan_affordable_pct_new_dwellings": (
        "% nieuwe woningen sociale huur, middenhuur of betaalbare koop"
    ),
}

#: Output column of the overall balance score in ``buurten.gpkg``.
TOTAL_SCORE_COL = "score_totaal"

#: Output column: True when every norm of every theme had a value.
COMPLETE_COL = "barcode_compleet"

#: Output column: Dutch list of themes scored over part of their norms or none.
INCOMPLETE_THEMES_COL = "barcode_onvolledig"


def score_col(theme: str) -> str:
    """Output column of a theme score: ``score_groen``."""
    return f"score_{theme}"


def status_col(norm_id: str) -> str:
    """Output column of a norm's status: ``status_groen_m2_per_woning``."""
    return f"status_{norm_id}"


def norm_score_col(norm_id: str) -> str:
    """Output column of a norm's score (0-1): ``normscore_groen_m2_per_woning``."""
    return f"normscore_{norm_id}"


def default_categories() -> tuple[str, ...]:
    """Facility category ids of the bundled tag table (``data/osm_tags.toml``)."""
    return _default_categories()


@lru_cache(maxsize=1)
def _default_categories() -> tuple[str, ...]:
    from afweging.data.tags import load_tag_table

    return tuple(load_tag_table())


def facility_columns(categories: Iterable[str] | None = None) -> frozenset[str]:
    """All facility-layer columns for the given categories (default: the tag table)."""
    cats = tuple(categories) if categories is not None else default_categories()
    return frozenset(_names.facility_col(c, s) for c in cats for s in FACILITY_STATS)


_NUM = r"\d+(?:\.\d+)?"
_MODE_TOKEN, _CAT_TOKEN, _MIN_TOKEN = "MODETOKEN", "CATTOKEN", 12345


def _template(built: str, categories: tuple[str, ...]) -> str:
    """Turn a name built from placeholder tokens into a regex with named groups."""
    rx = re.escape(built)
    rx = rx.replace(_MODE_TOKEN, "(?P<mode>" + "|".join(MODES) + ")")
    cat_alt = "|".join(sorted((re.escape(c) for c in categories), key=len, reverse=True))
    rx = rx.replace(_CAT_TOKEN, "(?P<category>" + cat_alt + ")")
    rx = rx.replace(str(_MIN_TOKEN), "(?P<minutes>" + _NUM + ")")
    return rx


@lru_cache(maxsize=8)
def _reach_regex(categories: tuple[str, ...]) -> re.Pattern[str]:
    m, c, n = _MODE_TOKEN, _CAT_TOKEN, _MIN_TOKEN
    built = [
        _names.reach_share_col(m, c, n),
        _names.reach_stat_col(m, c, "median"),
        _names.reach_stat_col(m, c, "p90"),
        _names.reach_completeness_col(m, n),
        _names.reach_complete_share_col(m, n),
        _names.reach_fallback_share_col(m),
    ]
    alternatives = [f"(?:{_template(b, categories)})" for b in built]
    # Each alternative has its own named groups; Python needs unique names, so number them.
    numbered = []
    for i, alt in enumerate(alternatives):
        numbered.append(
            alt.replace("(?P<mode>", f"(?P<mode{i}>")
            .replace("(?P<category>", f"(?P<category{i}>")
            .replace("(?P<minutes>", f"(?P<minutes{i}>")
        )
    return re.compile("^(?:" + "|".join(numbered) + ")$")


def parse_reach_column(
    column: str, *, categories: Iterable[str] | None = None
) -> dict[str, str] | None:
    """Mode, category and minutes of a reachability column, or None if it is not one.

    Examples
    --------
    >>> parse_reach_column("reach_walk_speelplek_pct_within_5min")
    {'mode': 'walk', 'category': 'speelplek', 'minutes': '5'}
    >>> parse_reach_column("reach_bike_pct_all_categories_within_10min")
    {'mode': 'bike', 'minutes': '10'}
    >>> parse_reach_column("green_m2_per_dwelling") is None
    True
    """
    cats = tuple(categories) if categories is not None else default_categories()
    match = _reach_regex(cats).match(column)
    if match is None:
        return None
    out: dict[str, str] = {}
    for key, val in match.groupdict().items():
        if val is not None:
            out[key.rstrip("0123456789")] = val
    return out


def is_known_indicator(column: str, *, categories: Iterable[str] | None = None) -> bool:
    """Whether a norm may read ``column`` (layer, facility, reachability or plan column).

    Examples
    --------
    >>> is_known_indicator("green_m2_per_dwelling")
    True
    >>> is_known_indicator("reach_walk_supermarkt_pct_within_10min")
    True
    >>> is_known_indicator("reach_walk_supermarket_pct_within_10min")  # English category
    False
    """
    cats = tuple(categories) if categories is not None else default_categories()
    return (
        column in LAYER_COLUMNS
        or column in PLAN_COLUMNS
        or column in facility_columns(cats)
        or parse_reach_column(column, categories=cats) is not None
    )


def suggest(column: str, *, categories: Iterable[str] | None = None, n: int = 3) -> list[str]:
    """Known columns that look like ``column`` (for error messages)."""
    import difflib

    cats = tuple(categories) if categories is not None else default_categories()
    pool = set(LAYER_COLUMNS) | set(PLAN_COLUMNS) | set(facility_columns(cats))
    for mode in MODES:
        for cat in cats:
            for minutes in (5, 10, 15):
                pool.add(_names.reach_share_col(mode, cat, minutes))
            pool.add(_names.reach_stat_col(mode, cat, "median"))
            pool.add(_names.reach_stat_col(mode, cat, "p90"))
        pool.add(_names.reach_completeness_col(mode, 10))
        pool.add(_names.reach_complete_share_col(mode, 10))
    return difflib.get_close_matches(column, sorted(pool), n=n, cutoff=0.6)
