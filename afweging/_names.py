"""The one place that builds output column names of analyses.

Layer indicators are named in their own modules (``green_m2_per_dwelling``...); the
families of columns that are generated per mode and per category are built here, so
the scheme is defined once and the barcode, priorities and maps can find them.
"""

from __future__ import annotations


def reach_home_col(mode: str, category: str) -> str:
    """Per-home minutes to the nearest facility: ``walk_min_speelplek``."""
    return f"{mode}_min_{category}"


def reach_method_col(mode: str) -> str:
    """Per-home method used for a mode: ``walk_method`` ('network' or 'fallback')."""
    return f"{mode}_method"


def reach_share_col(mode: str, category: str, minutes: int | float) -> str:
    """Per-buurt resident-weighted % within N minutes: ``reach_walk_speelplek_pct_within_10min``."""
    return f"reach_{mode}_{category}_pct_within_{minutes:g}min"


def reach_stat_col(mode: str, category: str, stat: str) -> str:
    """Per-buurt statistic: ``reach_walk_speelplek_median_min`` / ``..._p90_min``."""
    return f"reach_{mode}_{category}_{stat}_min"


def reach_completeness_col(mode: str, minutes: int | float) -> str:
    """Per-buurt resident-weighted mean number of categories within N minutes."""
    return f"reach_{mode}_n_categories_within_{minutes:g}min"


def reach_complete_share_col(mode: str, minutes: int | float) -> str:
    """Per-buurt % of residents with *all* categories within N minutes."""
    return f"reach_{mode}_pct_all_categories_within_{minutes:g}min"


def reach_fallback_share_col(mode: str) -> str:
    """Per-buurt % of residents whose times come from the straight-line fallback."""
    return f"reach_{mode}_pct_residents_fallback"


def facility_col(category: str, stat: str) -> str:
    """Facility layer columns: ``fac_speelplek_count``, ``fac_speelplek_per_1000_inh``."""
    return f"fac_{category}_{stat}"


def reach_snap_col(mode: str) -> str:
    """Per-home distance to the nearest point of a street, metres: ``walk_snap_m``."""
    return f"{mode}_snap_m"


def reach_no_route_col(mode: str) -> str:
    """Per-home number of categories the network has no route to: ``walk_n_no_route``."""
    return f"{mode}_n_no_route"


def reach_off_network_col(mode: str) -> str:
    """Per-home number of categories whose time is the straight-line estimate to a facility
    beyond the snap distance of the network (a network home; shorter than its network
    time): ``walk_n_facility_off_network``."""
    return f"{mode}_n_facility_off_network"


def reach_no_route_share_col(mode: str) -> str:
    """Per-buurt % of residents with no network route to some category (estimated)."""
    return f"reach_{mode}_pct_residents_no_route"


def moment_col(column: str, moment: str) -> str:
    """A per-buurt column of one moment of a scenario, side by side with the other:
    ``a_inw_2023`` / ``a_inw_2040`` (``moment`` is a year or ``"nu"``)."""
    return f"{column}_{moment}"


def population_col(band_slug: str) -> str:
    """Inhabitants of an age band: ``inw_0_11``, ``inw_75_plus``."""
    return f"inw_{band_slug}"
