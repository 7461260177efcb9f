"""Scenarios: the city in a target year, with a population forecast and the housing programme.

Public functions
----------------
:func:`scenario`
    Today and the target year side by side (:class:`ScenarioResult`): layers,
    reachability, barcode, priorities and the Groei-in-balans indicators per buurt.
:func:`read_scenario`
    Read and validate a scenario TOML (``docs/scenario_format.md``).
:func:`write_scenario`
    ``buurten_<year>.gpkg``, ``barcode_<year>.html``, ``prioriteiten_<year>.csv`` and
    ``rapport.html`` with the section "Groei in balans".
:func:`target_area`
    The Area in the target year: plans built, facilities opened and closed, the forecast
    distributed over the buurten.
:func:`read_forecast`
    A population forecast (CSV) by area and age band.
:func:`demo_scenario` / :func:`write_demo_scenario`
    A generated scenario for the demo town.
:func:`scenario_command_main`
    The work of ``afweging scenario``.

Modules, in the order the data flows: :mod:`~.model` (what a scenario is), :mod:`~.schema`
(the TOML), :mod:`~.forecast` (the CSV), :mod:`~.population` (age bands, the
distribution), :mod:`~.target` (the target-year Area), :mod:`~.compute` (now and then),
:mod:`~.growth` (Groei in balans), :mod:`~.outputs` (files and report), :mod:`~.demo` and
:mod:`~.command`.
"""

from afweging._errors import ForecastError, ScenarioError
from afweging.scenarios.command import ScenarioRunResult, scenario_command_main
from afweging.scenarios.compute import ScenarioResult, scenario
from afweging.scenarios.demo import demo_scenario, write_demo_scenario
from afweging.scenarios.forecast import Forecast, read_forecast
from afweging.scenarios.model import FacilityChange, PlanEntry, Scenario
from afweging.scenarios.outputs import write_scenario
from afweging.scenarios.population import AgeModel
from afweging.scenarios.schema import read_scenario
from afweging.scenarios.target import TargetYear, target_area

__all__ = [
    "AgeModel",
    "FacilityChange",
    "Forecast",
    "ForecastError",
    "PlanEntry",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "ScenarioRunResult",
    "TargetYear",
    "demo_scenario",
    "read_forecast",
    "read_scenario",
    "scenario",
    "scenario_command_main",
    "target_area",
    "write_demo_scenario",
    "write_scenario",
]
