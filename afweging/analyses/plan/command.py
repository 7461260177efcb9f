"""The work of ``afweging plan``: read the plan files, load the area, check, write.

The CLI (:mod:`afweging.cli`) only parses arguments and calls :func:`plan_command_main`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from afweging._errors import PlanError
from afweging._format import nl_int
from afweging._outputs import OutputFolder, output_folder
from afweging.analyses.plan.check import PlanCheck, check_plan, prepare_baseline, unique_names
from afweging.analyses.plan.format import read_plan
from afweging.analyses.plan.report import write_plan_checks
from afweging.geo.area import Area

log = logging.getLogger(__name__)


@dataclass
class PlanRunResult:
    """What :func:`plan_command_main` computed and wrote."""

    checks: list[PlanCheck]
    files: list[Path]
    summary: list[str]
    timings_s: dict[str, float]


def plan_command_main(
    plan_paths: Sequence[str | Path],
    area: Area | str | Path | None,
    out_dir: str | Path | OutputFolder,
    *,
    norms: str | Path | None = None,
    repair: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PlanRunResult:
    """The work of ``afweging plan PLAN... --area ... --out ...`` (the CLI only calls this).

    Parameters
    ----------
    plan_paths : list of path
        One plan, or several variants to compare side by side.
    area : Area, path of an area.toml, or None
        None: the bundled demo area.
    out_dir : path or OutputFolder
        Receives ``plan_check.html`` and ``plan_check.json`` (through the output writer,
        which checks and locks it before anything is computed; the CLI passes the folder it
        opened already).
    norms : path, optional
        A norms TOML merged into the bundled norms.
    repair : bool
        Repair invalid polygons with a warning instead of refusing them.
    progress : callable, optional
        Called with a Dutch line before each step.

    Returns
    -------
    PlanRunResult
        The checks, the files written, Dutch summary lines (shortfalls per variant) and
        the seconds per step (area loading counted separately as ``gebied laden``).
    """
    with output_folder(out_dir, kind="plan") as out:
        return _plan_command(plan_paths, area, out, norms=norms, repair=repair, progress=progress)


def _plan_command(
    plan_paths: Sequence[str | Path],
    area: Area | str | Path | None,
    out: OutputFolder,
    *,
    norms: str | Path | None,
    repair: bool,
    progress: Callable[[str], None] | None,
) -> PlanRunResult:
    say = progress or (lambda m: log.info(m))
    timings: dict[str, float] = {}
    if not plan_paths:
        raise PlanError("Give at least one plan file (GeoJSON or GeoPackage).")
    say("Plan(nen) lezen")
    t = time.perf_counter()
    plans = []
    problems = []
    for p in plan_paths:
        try:
            plans.append(read_plan(p, repair=repair))
        except PlanError as exc:
            problems.append(str(exc))
    if problems:
        raise PlanError("\n".join(problems))
    plans = unique_names(plans)
    timings["plannen lezen"] = time.perf_counter() - t
    t = time.perf_counter()
    if area is None:
        from afweging.data.demo import demo_area

        say("Demogebied maken (geen --area opgegeven)")
        area = demo_area()
    elif not isinstance(area, Area):
        from afweging.data.manifest import load_area

        say("Gebied laden")
        area = load_area(area)
    timings["gebied laden"] = time.perf_counter() - t
    say("Uitgangssituatie doorrekenen (lagen, bereikbaarheid, barcode)")
    base = prepare_baseline(area, norms=norms)
    timings["uitgangssituatie"] = base.seconds
    checks = []
    for plan in plans:
        say(f"Plan {plan.name} toepassen en doorrekenen")
        t = time.perf_counter()
        checks.append(check_plan(area, plan, baseline=base))
        timings[f"plan {plan.name}"] = time.perf_counter() - t
    say("Rapport schrijven")
    t = time.perf_counter()
    files = write_plan_checks(checks, out)
    timings["rapport schrijven"] = time.perf_counter() - t
    summary = []
    for c in checks:
        q = c.quantities
        summary.append(f"{c.name}: {nl_int(q.dwellings_new)} nieuwe woningen, "
                       f"{nl_int(c.new_residents['inwoners'])} nieuwe bewoners.")
        short = c.shortfalls
        if short:
            summary += [f"  tekort: {s}" for s in short]
        else:
            summary.append("  Het plan haalt alle plannormen.")
    return PlanRunResult(checks=checks, files=files, summary=summary, timings_s=timings)
