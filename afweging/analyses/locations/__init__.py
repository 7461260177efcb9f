"""Location choice: where do N new playgrounds, meeting places or facilities help most?

A council has budget for N new sites. This subpackage chooses them for the whole city as
a need-weighted maximal covering location problem, solved exactly (MILP, HiGHS): at most
N candidate sites so that the target group newly within the norm, every home weighted by
the need index of its buurt (*ongelijk investeren voor gelijke kansen*, the priorities'
settings), is largest. Homes already served count as covered. The greedy answer is
computed too, and compared.

Public functions
----------------
:func:`choose_locations`
    The whole question (:class:`LocationChoice`): demand, candidates, coverage,
    exact and greedy solutions, reasons.
:func:`candidate_locations`
    The best few places for one new playground or meeting place inside one buurt
    (greedy, unweighted): a first look at a flagged buurt.
:func:`public_space_sites` / :func:`read_candidate_sites`
    Candidate sites from public space (or a grid), or from a user file.
:func:`location_demand`
    Target group, need weight and current coverage per home.
:func:`coverage_matrix` / :func:`reduce_problem`
    Which site serves which home, and the exact reduction of the problem.
:func:`solve_exact` / :func:`solve_greedy` / :func:`marginal_order`
    The MILP (HiGHS), the greedy solution, the order of marginal gain.
:func:`write_locations` / :func:`export_problem` / :func:`read_problem`
    ``locaties.gpkg`` and ``locaties.csv``; the problem as ``.npz`` and back (format in
    ``docs/location_problem.md``).
:func:`locations_command_main`
    The work of ``afweging locaties``.

Modules, in the order the data flows: :mod:`~.demand`, :mod:`~.candidates`,
:mod:`~.coverage`, :mod:`~.solve`, :mod:`~.choice`, :mod:`~.output`, :mod:`~.command`;
:mod:`~.buurt` holds :func:`candidate_locations`.
"""

from afweging.analyses.locations.buurt import candidate_locations
from afweging.analyses.locations.candidates import public_space_sites, read_candidate_sites
from afweging.analyses.locations.choice import LocationChoice, choose_locations
from afweging.analyses.locations.command import LocationRunResult, locations_command_main
from afweging.analyses.locations.coverage import Coverage, Reduced, coverage_matrix, reduce_problem
from afweging.analyses.locations.demand import Demand, location_demand
from afweging.analyses.locations.output import (
    export_problem,
    locations_table,
    read_problem,
    write_locations,
)
from afweging.analyses.locations.solve import (
    Constraints,
    Solution,
    marginal_order,
    solve_exact,
    solve_greedy,
)

__all__ = [
    "Constraints",
    "Coverage",
    "Demand",
    "LocationChoice",
    "LocationRunResult",
    "Reduced",
    "Solution",
    "candidate_locations",
    "choose_locations",
    "coverage_matrix",
    "export_problem",
    "location_demand",
    "locations_command_main",
    "locations_table",
    "marginal_order",
    "public_space_sites",
    "read_candidate_sites",
    "read_problem",
    "reduce_problem",
    "solve_exact",
    "solve_greedy",
    "write_locations",
]
