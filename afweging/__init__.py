"""afweging: ruimtelijke afweging for Dutch municipalities.

Layers per buurt (green, heat, noise, social housing, voorzieningen), the Utrechtse
barcode, 10-minute-city reachability, priorities (ongelijk investeren), plan checks and
the city-wide location choice for new facilities.

The public API is imported lazily, so ``import afweging`` and the CLI start fast::

    import afweging
    area = afweging.load_area("../shared/data/utrecht/area.toml")   # or afweging.demo_area()
    layers = afweging.compute_layers(area)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from afweging import settings
from afweging._errors import AfwegingError
from afweging.geo.area import Area

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY: dict[str, str] = {
    "load_area": "afweging.data.manifest",
    "demo_area": "afweging.data.demo",
    "write_demo": "afweging.data.demo",
    "compute_layers": "afweging.layers",
    "reachability": "afweging.analyses.reach",
    "isochrone": "afweging.analyses.reach",
    "score": "afweging.barcode",
    "explain": "afweging.barcode",
    "load_norms": "afweging.barcode",
    "sensitivity": "afweging.barcode",
    "render_svg": "afweging.barcode",
    "write_barcode_html": "afweging.barcode",
    "prioritise": "afweging.analyses.priorities",
    "candidate_locations": "afweging.analyses.locations",
    "choose_locations": "afweging.analyses.locations",
    "run": "afweging.pipeline",
    "run_batch": "afweging.batch",
    "check_plan": "afweging.analyses.plan",
    "read_plan": "afweging.analyses.plan",
    "prepare_baseline": "afweging.analyses.plan",
    "explore": "afweging.maps",
    "write_maps_and_report": "afweging.maps",
    "ReachabilityResult": "afweging.analyses.reach",
    "scenario": "afweging.scenarios",
    "read_scenario": "afweging.scenarios",
}

if TYPE_CHECKING:  # pragma: no cover
    from afweging.analyses.locations import candidate_locations, choose_locations
    from afweging.analyses.plan import check_plan, prepare_baseline, read_plan
    from afweging.analyses.priorities import prioritise
    from afweging.analyses.reach.reachability import ReachabilityResult, isochrone, reachability
    from afweging.barcode import load_norms, render_svg, score, write_barcode_html
    from afweging.barcode.explain import explain
    from afweging.barcode.sensitivity import sensitivity
    from afweging.batch import run_batch
    from afweging.data.demo import demo_area, write_demo
    from afweging.data.manifest import load_area
    from afweging.layers import compute_layers
    from afweging.maps import explore, write_maps_and_report
    from afweging.pipeline import run
    from afweging.scenarios import read_scenario, scenario

__all__ = [
    "AfwegingError",
    "Area",
    "ReachabilityResult",
    "__version__",
    "candidate_locations",
    "check_plan",
    "choose_locations",
    "compute_layers",
    "demo_area",
    "explain",
    "explore",
    "isochrone",
    "load_area",
    "load_norms",
    "prepare_baseline",
    "prioritise",
    "reachability",
    "read_plan",
    "read_scenario",
    "render_svg",
    "run",
    "run_batch",
    "scenario",
    "score",
    "sensitivity",
    "settings",
    "write_barcode_html",
    "write_demo",
    "write_maps_and_report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'afweging' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
