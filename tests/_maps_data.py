"""Results (layers, reachability, scores, priorities) for the map and report tests,
computed once per test session and shared by tests/test_maps*.py and tests/test_report*.py.

Data caveats are issued as warnings by the analyses; they are tested in the analyses' own
tests, so they are silenced here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from afweging.geo.area import Area


@dataclass
class Results:
    area: Area
    layers: Any
    reach: Any
    scores: Any
    priorities: Any


_CACHE: dict[str, Results] = {}


def results(area: Area, key: str) -> Results:
    """All inputs of the maps for ``area`` (computed on first use, then cached by ``key``)."""
    if key not in _CACHE:
        from afweging.analyses.priorities import prioritise
        from afweging.analyses.reachability import reachability
        from afweging.barcode.scoring import score
        from afweging.layers import compute_layers

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = compute_layers(area)
            reach = reachability(area)
            scores = score(area, layers, reach)
            priorities = prioritise(area, layers, reach)
        _CACHE[key] = Results(area, layers, reach, scores, priorities)
    return _CACHE[key]
