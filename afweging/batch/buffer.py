"""The border buffer: how far beyond a gemeente's border its task must see.

A home near a municipal border may find its supermarket, its street or its park across
it. The buffer is derived from the settings, never a fixed number:

* **streets**: a route of network length ``L`` from a home never leaves the disc of radius
  ``L`` around it, and no time above ``max_minutes`` is reported (it becomes ``inf``), so
  ``L = max_minutes × the fastest speed`` (bike). Homes and facilities are snapped to the
  network up to ``max_snap_distance_m``: the facilities that can matter lie within
  ``L + snap``, and the street nearest to each of those within ``L + 2 × snap``.
* **fallback** (no network, or a home far from it): straight line × detour factor, so a
  facility counts up to ``L / detour_factor`` away: less than ``L``.
* **green**: a green area counts up to ``green_max_distance_m`` (300 m) from a home; the
  green polygons that touch one another form one green area, so a green area is taken
  whole (all its polygons) when any of it lies within that distance.
* **heat**: cool places up to ``heat_cool_place_max_distance_m`` (300 m), also whole.

The largest of these is the border buffer; with the default settings it is the street
buffer, 30 min × 15 km/u = 7,500 m + 2 × 250 m = 8,000 m.
"""

from __future__ import annotations

from dataclasses import dataclass

from afweging import settings
from afweging._format import nl_int


@dataclass(frozen=True)
class BorderBuffer:
    """Distances (m) beyond a gemeente's border that its task includes.

    Attributes
    ----------
    reach_m : float
        Longest network distance a reported travel time can cover.
    network_m : float
        Streets within this distance are included (``reach_m + 2 × snap``).
    facilities_m : float
        Facilities within this distance (``reach_m + snap``).
    green_m : float
        Green areas (whole) within this distance.
    raster_m : float
        Raster cells within this distance (cool places taken whole).
    explanation : str
        Dutch, for the batch report.
    """

    reach_m: float
    network_m: float
    facilities_m: float
    green_m: float
    raster_m: float
    explanation: str

    @property
    def total_m(self) -> float:
        """The largest of the distances: the border buffer."""
        return max(self.network_m, self.facilities_m, self.green_m, self.raster_m)


def border_buffer(modes: tuple[str, ...] = ("walk", "bike")) -> BorderBuffer:
    """The border buffer for the current :mod:`afweging.settings` (see module doc).

    Examples
    --------
    >>> border_buffer().network_m
    8000.0
    """
    speeds = {m: settings.speed_m_per_min(m) for m in modes}
    fastest = max(speeds, key=lambda m: speeds[m])
    reach = settings.max_minutes * speeds[fastest]
    snap = settings.max_snap_distance_m
    green = settings.green_max_distance_m
    heat = settings.heat_cool_place_max_distance_m
    mode_nl = {"walk": "lopen", "bike": "fietsen"}[fastest]
    speed_kmh = speeds[fastest] * 60.0 / 1000.0
    text = (
        f"Grensbuffer {nl_int(reach + 2 * snap)} m: de langste reistijd die telt is "
        f"{settings.max_minutes:g} min {mode_nl} à {speed_kmh:g} km/u = {nl_int(reach)} m over het "
        f"netwerk, plus 2 × {nl_int(snap)} m aansluiting op het netwerk (woning en voorziening). "
        f"Voorzieningen tot {nl_int(reach + snap)} m over de grens tellen mee, groengebieden "
        f"(heel) tot {nl_int(green)} m en koele plekken (heel) tot {nl_int(heat)} m."
    )
    return BorderBuffer(reach_m=reach, network_m=reach + 2 * snap, facilities_m=reach + snap,
                        green_m=green, raster_m=heat, explanation=text)
