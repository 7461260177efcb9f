"""Maps and the report: where the toolkit is seen.

* :func:`explore` — the interactive map as a :class:`folium.Map` (Jupyter);
  :func:`write_map` writes it as ``kaart.html``; both work offline (Leaflet inlined).
* :mod:`afweging.maps.static` — memo maps (PNG/PDF) per theme and per priority question.
* :func:`write_report` — ``rapport.html``, one self-contained Dutch report.
* :func:`write_maps_and_report` — everything above for ``afweging run``.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from afweging._errors import AfwegingError
from afweging.geo.area import Area
from afweging.maps.interactive import (
    OfflineMap,
    compute_isochrones,
    default_isochrone_points,
    explore,
    write_map,
)
from afweging.maps.report import report_html, write_report
from afweging.maps.static import (
    add_north_arrow,
    add_scale_bar,
    indicator_map,
    map_figure,
    priority_maps,
    theme_maps,
    write_static_maps,
)

log = logging.getLogger(__name__)

__all__ = [
    "OfflineMap",
    "add_north_arrow",
    "add_scale_bar",
    "compute_isochrones",
    "default_isochrone_points",
    "explore",
    "indicator_map",
    "map_figure",
    "priority_maps",
    "report_html",
    "theme_maps",
    "write_map",
    "write_maps_and_report",
    "write_report",
    "write_static_maps",
]


def write_maps_and_report(
    area: Area,
    out_dir: str | Path,
    *,
    layers: Any = None,
    reach: Any = None,
    scores: Any = None,
    priorities: Any = None,
    locations: Any = None,
    isochrones: Any = "auto",
    formats: Sequence[str] = ("png",),
    progress: Callable[[str], None] | None = None,
    timings_s: dict[str, float] | None = None,
) -> list[Path]:
    """Write ``kaarten/*.png``, ``kaart.html`` and ``rapport.html`` into ``out_dir``.

    Every input except ``area`` is optional; what is missing is left out and the outputs
    say so.

    Parameters
    ----------
    area : Area
    out_dir : path-like
        Created if needed.
    layers, reach, scores, priorities : optional
        Results of ``compute_layers``, ``reachability``, ``score`` and ``prioritise``.
    locations : LocationChoice, optional
        Result of ``choose_locations``: a map layer and a report section.
    isochrones : "auto", None, GeoDataFrame or list of (label, Point, mode)
        ``"auto"``: one start point per mode with a network
        (:func:`default_isochrone_points`, preferring the top priority buurt on the
        network); None: no isochrones.
    formats : list of {"png", "pdf"}
        Formats of the static maps.
    progress : callable, optional
        Called with a Dutch description before each step.
    timings_s : dict, optional
        Filled with the seconds per step.

    Returns
    -------
    list of Path
        ``kaart.html``, ``rapport.html`` and the static maps, in that order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda msg: log.info(msg))
    times = timings_s if timings_s is not None else {}

    say("Kaarten voor de nota tekenen (kaarten/*.png)")
    t0 = time.perf_counter()
    pngs = write_static_maps(area, out / "kaarten", scores=scores, priorities=priorities,
                             formats=formats)
    times["static_maps"] = time.perf_counter() - t0

    say("Interactieve kaart schrijven (kaart.html)")
    t0 = time.perf_counter()
    iso = isochrones
    if isinstance(iso, str):
        if iso != "auto":
            raise ValueError(f"isochrones must be 'auto', None, a GeoDataFrame or points; got {iso!r}.")
        points = default_isochrone_points(area, priorities=priorities)
        try:
            iso = compute_isochrones(area, points) if points else None
        except AfwegingError as exc:
            warnings.warn(f"Isochronen niet getekend: {exc}", stacklevel=2)
            iso = None
    kaart = write_map(
        area, out / "kaart.html", layers=layers, reach=reach, scores=scores,
        priorities=priorities, locations=locations, isochrones=iso,
        barcode_href="barcode.html" if scores is not None else None,
    )
    times["interactive_map"] = time.perf_counter() - t0

    say("Rapport schrijven (rapport.html)")
    t0 = time.perf_counter()
    embed = [p for p in pngs if p.suffix == ".png"
             and (p.stem == "balansscore" or p.stem.startswith("prioriteit_"))]
    rapport = write_report(area, out / "rapport.html", layers=layers, reach=reach, scores=scores,
                           priorities=priorities, locations=locations, images=embed,
                           map_href="kaart.html")
    times["report"] = time.perf_counter() - t0
    return [kaart, rapport, *pngs]
