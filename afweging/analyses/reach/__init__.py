"""Reachability: the 10-minute city on foot and by bike.

Public functions
----------------
:func:`reachability`
    Minutes from every home to the nearest facility of each category, per mode, with
    per-buurt aggregates (:class:`ReachabilityResult`).
:func:`travel_minutes`
    The engine for arbitrary origins and destinations on one array graph.
:func:`isochrone`
    The area within N minutes of a point.
:func:`site_coverage`
    Which origins each of many candidate sites serves within N minutes (the same rules).
:func:`array_graph`
    A street network (networkx MultiDiGraph in EPSG:28992) as the engine's CSR graph.

Modules: :mod:`~afweging.analyses.reach.graph` (the array graph),
:mod:`~afweging.analyses.reach.reachability` (snapping, search, aggregation) and
:mod:`~afweging.analyses.reach.coverage` (many sites at once, for location choice).
"""

from afweging.analyses.reach.coverage import SiteCoverage, site_coverage
from afweging.analyses.reach.graph import MODES, ArrayGraph, array_graph, build_array_graph
from afweging.analyses.reach.reachability import (
    ReachabilityResult,
    isochrone,
    reachability,
    travel_minutes,
    weighted_quantile_by_group,
)

__all__ = [
    "MODES",
    "ArrayGraph",
    "ReachabilityResult",
    "SiteCoverage",
    "array_graph",
    "build_array_graph",
    "isochrone",
    "reachability",
    "site_coverage",
    "travel_minutes",
    "weighted_quantile_by_group",
]
