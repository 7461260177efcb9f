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

#: Straight-line-to-network detour factor when no network is available.
#: Calibrated on the Utrecht Kanaleneiland walk graph (see ``benchmarks/calibrate_detour.py``).
detour_factor: float = 1.3

#: Folder for cached downloads (keyed by a hash of the request).
cache_folder: Path = Path(os.environ.get("AFWEGING_CACHE", Path.home() / ".cache" / "afweging"))

#: Use the download cache at all.
use_cache: bool = True

#: Timeout for one HTTP request, seconds.
requests_timeout_s: float = 60.0

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

    raise UnknownModeError(f"Unknown mode {mode!r}: use 'walk' or 'bike'.")
