"""Documented, typed defaults for the whole toolkit.

Change them at run time as module globals, the way osmnx does::

    import afweging
    afweging.settings.walk_speed_kmh = 5.0

Every value carries its unit in its name. Sources for the speeds: NORMS.md
("walking 4.8-5 km/h, cycling 15 km/h"); we use the lower walking value so that
elderly and children are not flattered.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Coordinate reference system used inside the toolkit: RD New (Amersfoort / RD New), metres.
crs: str = "EPSG:28992"

#: Walking speed used to turn metres into minutes.
walk_speed_kmh: float = 4.8

#: Cycling speed used to turn metres into minutes.
bike_speed_kmh: float = 15.0

#: The "10-minute city" threshold.
minutes: float = 10.0

#: Travel-time limit of a network search; homes farther than this get ``inf``.
max_minutes: float = 30.0

#: Points farther than this from the network are reported, not snapped.
max_snap_distance_m: float = 250.0

#: Straight-line-to-network detour factor when no network is available (network distance
#: = straight-line distance × this). Calibrated on the Utrecht Kanaleneiland/Transwijk walk
#: graph (``benchmarks/calibrate_detour.py``): 31,826 random node pairs 250-1000 m apart
#: (straight line), both ends >= 200 m inside the graph's hull: median 1.52, IQR 1.36-1.87,
#: p10-p90 1.25-2.55 (1.54 / 1.52 / 1.50 at 250-500 / 500-750 / 750-1000 m). Higher than
#: the often quoted 1.2-1.4: water and large blocks force detours, and the osmnx walk graph
#: leaves out highway=cycleway paths that pedestrians also use, so it errs on the slow side.
detour_factor: float = 1.52

#: Half-width of the band drawn around reached streets in an isochrone (the homes and
#: entrances along a street lie within a few tens of metres of its centre line).
isochrone_buffer_m: float = 50.0

#: Generated candidate sites for a new facility (location choice) keep at least this
#: distance from every home point: homes are buildings or dwellings in them, and a
#: playground or building plot needs open ground. Public green is not thinned.
candidate_clearance_m: float = 10.0

#: Time limit of the exact location choice (MILP, HiGHS); when it is reached the best
#: solution found (or the greedy one) is used and the optimality gap is reported.
location_time_limit_s: float = 60.0

#: Folder for cached downloads (keyed by a hash of the request).
cache_folder: Path = Path(os.environ.get("AFWEGING_CACHE", Path.home() / ".cache" / "afweging"))

#: Use the download cache at all.
use_cache: bool = True

#: Read timeout of one HTTP request: the longest wait for the next bytes of an answer, seconds.
requests_timeout_s: float = 60.0

#: Connect timeout of one HTTP request: the longest wait for the server to accept the
#: connection, seconds.
requests_connect_timeout_s: float = 10.0

#: How often a request is retried after HTTP 429 (too many requests), a 5xx server error,
#: a timeout or a broken connection, before the download fails.
requests_retries: int = 4

#: First wait before a retry, seconds; it doubles with every further retry (2, 4, 8, 16 s).
#: A server's ``Retry-After`` header takes precedence (up to ``requests_max_wait_s``).
requests_backoff_s: float = 2.0

#: Longest single wait before a retry, seconds (caps ``Retry-After`` and the backoff).
requests_max_wait_s: float = 120.0

#: Show progress bars (tqdm, on stderr) while downloading; ``afweging fetch`` turns them on.
progress: bool = False

#: Random seed used wherever the toolkit draws random numbers (demo, sensitivity, clustering).
seed: int = 20240


def speed_m_per_min(mode: str) -> float:
    """Travel speed of a mode in metres per minute.

    Parameters
    ----------
    mode : {"walk", "bike"}

    Examples
    --------
    >>> round(speed_m_per_min("walk"), 1)
    80.0
    """
    if mode == "walk":
        return walk_speed_kmh * 1000.0 / 60.0
    if mode == "bike":
        return bike_speed_kmh * 1000.0 / 60.0
    from afweging._errors import UnknownModeError

    raise UnknownModeError(f"Onbekende vervoerswijze {mode!r}: gebruik 'walk' of 'bike'.")


# ---------------------------------------------------------------------------- layers
# Thresholds of the five layers (afweging/layers/). Sources as in ../shared/NORMS.md.

#: Smallest green area that counts for "green within 300 m" (3-30-300 rule: a green
#: area counts from 0.5 ha; Konijnendijk 2021, NORMS.md "Green").
green_min_area_m2: float = 5_000.0

#: Distance from a home to the edge of a green area >= 0.5 ha (3-30-300 rule,
#: Konijnendijk 2021; NORMS.md "Green").
green_max_distance_m: float = 300.0

#: Public green per dwelling: national guideline of 75 m² (Structuurschema Groene
#: Ruimte / Nota Ruimte; cited for Utrecht by the Rekenkamer 2024; NORMS.md "Green").
green_norm_m2_per_dwelling: float = 75.0

#: A buurt is "versteend" without a green area of at least this size (Natuur & Milieu /
#: Sweco metric: < 75 m² public green per address and/or no green area >= 1 ha).
green_versteend_min_area_m2: float = 10_000.0

#: Hot-day PET above which outdoor space counts as hot, and at or below which a place
#: counts as cool (Klimaateffectatlas cool place: PET <= 35 degC; NORMS.md "Heat").
heat_pet_hot_degc: float = 35.0

#: Second PET threshold. Asked for in issue 3; NOT from NORMS.md (the Klimaateffectatlas
#: classes are 29-34, 35-40 and 41-49 degC). A project choice: override as needed.
heat_pet_very_hot_degc: float = 38.0

#: Smallest contiguous cool area (PET <= heat_pet_hot_degc) that counts as a cool place
#: (Klimaateffectatlas / HvA-Tauw-WENR "hittebestendige stad"; NORMS.md "Heat").
heat_cool_place_min_m2: float = 200.0

#: Distance from a home to a cool place (same guideline; NORMS.md "Heat").
heat_cool_place_max_distance_m: float = 300.0

#: WHO 2018 guideline for road traffic noise, Lden (NORMS.md "Noise").
noise_who_road_lden_db: float = 53.0

#: EU Environmental Noise Directive reporting threshold, Lden (NORMS.md "Noise").
noise_eu_reporting_lden_db: float = 55.0

#: City target for social rent by 2040, % of dwellings (Woonvisie "Utrecht beter in
#: balans", 2019; NORMS.md "Housing").
housing_social_rent_target_pct: float = 35.0
