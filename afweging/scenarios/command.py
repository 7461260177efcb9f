"""The work of ``afweging scenario``: read the scenario, load the area, compute, write.

The CLI (:mod:`afweging.cli`) only parses arguments and calls :func:`scenario_command_main`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from afweging._outputs import OutputFolder, output_folder
from afweging.geo.area import Area
from afweging.scenarios.compute import ScenarioResult, scenario
from afweging.scenarios.outputs import write_scenario

log = logging.getLogger(__name__)


@dataclass
class ScenarioRunResult:
    """What :func:`scenario_command_main` computed and wrote."""

    result: ScenarioResult
    files: list[Path]
    summary: list[str]
    timings_s: dict[str, float] = field(default_factory=dict)


def scenario_command_main(
    scenario_path: str | Path | None,
    area: Area | str | Path | None,
    out_dir: str | Path | OutputFolder,
    *,
    norms: str | Path | None = None,
    priorities: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScenarioRunResult:
    """The work of ``afweging scenario SCENARIO.toml --area ... --out ...``.

    Parameters
    ----------
    scenario_path : path or None
        The scenario TOML (``docs/scenario_format.md``); None: the generated scenario of
        the demo town (:func:`afweging.scenarios.demo.demo_scenario`).
    area : Area, path of an area.toml, or None
        None: the area named in the scenario (``gebied``), else the demo area.
    out_dir : path or OutputFolder
        Receives ``buurten_<year>.gpkg``, ``barcode_<year>.html``,
        ``prioriteiten_<year>.csv`` and ``rapport.html`` (through the output writer, which
        checks and locks it before anything is computed).
    norms, priorities : path, optional
        Norms and priority settings overriding the bundled ones.
    progress : callable, optional
        Called with a Dutch line before each step.
    """
    with output_folder(out_dir, kind="scenario") as out:
        say = progress or (lambda m: log.info(m))
        timings: dict[str, float] = {}
        t = time.perf_counter()
        if scenario_path is None:
            from afweging.scenarios.demo import demo_scenario

            if area is not None:
                from afweging._errors import ScenarioError

                raise ScenarioError(
                    "Geef een scenariobestand (SCENARIO.toml) bij --area; zonder scenariobestand "
                    "rekent afweging het gegenereerde scenario van het demogebied door."
                )
            say("Geen scenariobestand opgegeven: het gegenereerde scenario van het demogebied (Demostad 2040)")
            from afweging.data.demo import demo_area

            area = demo_area()
            sc = demo_scenario(area)
        else:
            from afweging.scenarios.schema import read_scenario

            say("Scenario lezen")
            sc = read_scenario(scenario_path)
        timings["scenario lezen"] = time.perf_counter() - t
        t = time.perf_counter()
        if area is None and sc.area_path is not None:
            say(f"Gebied laden ({sc.area_path})")
            area = sc.area_path
        if area is None:
            from afweging.data.demo import demo_area

            say("Geen --area en geen gebied in het scenario: het synthetische demogebied")
            area = demo_area()
        if not isinstance(area, Area):
            from afweging.data.manifest import load_area

            area = load_area(area)
        timings["gebied laden"] = time.perf_counter() - t
        result = scenario(area, sc, norms=norms, priorities=priorities, progress=say)
        timings.update(result.timings_s)
        say("Uitvoer schrijven")
        t = time.perf_counter()
        files = write_scenario(result, out)
        timings["uitvoer schrijven"] = time.perf_counter() - t
    return ScenarioRunResult(result=result, files=files, summary=result.summary, timings_s=timings)
