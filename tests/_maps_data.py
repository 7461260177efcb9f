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
        from afweging.analyses.reach.reachability import reachability
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


_RUNS: dict[str, tuple[Any, list[Any], dict[str, float]]] = {}


def maps_run(r: Results, key: str, out_dir: Any) -> tuple[Any, list[Any], dict[str, float]]:
    """``write_maps_and_report`` for ``r`` into ``out_dir`` (first call), cached by ``key``.

    Returns (out_dir, files, timings_s).
    """
    if key not in _RUNS:
        from afweging.maps import write_maps_and_report

        timings: dict[str, float] = {}
        files = write_maps_and_report(r.area, out_dir, layers=r.layers, reach=r.reach,
                                      scores=r.scores, priorities=r.priorities, timings_s=timings)
        _RUNS[key] = (out_dir, files, timings)
    return _RUNS[key]
