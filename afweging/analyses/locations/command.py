"""The work of ``afweging locaties``: load the area, choose the sites, write the outputs.

The CLI (:mod:`afweging.cli`) only parses arguments and calls :func:`locations_command_main`.
The outputs (``locaties.gpkg``, ``locaties.csv``, ``kaart.html``, ``rapport.html``) go
through the one output writer (:class:`~afweging._outputs.OutputFolder`, set ``locaties``):
the folder is checked and locked before anything is computed and the complete set is
swapped in at the end. ``--export-problem`` is a file of the user's choosing, written
whole or not at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from afweging._outputs import OutputFolder, output_folder
from afweging.analyses.locations.choice import LocationChoice, choose_locations
from afweging.analyses.locations.output import export_problem, problem_file, write_locations
from afweging.geo.area import Area

log = logging.getLogger(__name__)


@dataclass
class LocationRunResult:
    """What :func:`locations_command_main` computed and wrote."""

    choice: LocationChoice
    files: list[Path]
    summary: list[str]
    timings_s: dict[str, float]


def locations_command_main(
    question: str,
    n: int,
    area: Area | str | Path | None,
    out_dir: str | Path | OutputFolder,
    *,
    candidates: str | Path | None = None,
    min_per_wijk: int = 0,
    max_per_buurt: int | None = None,
    fixed: Sequence[str] = (),
    time_limit_s: float | None = None,
    spacing_m: float | None = None,
    problem_path: str | Path | None = None,
    priorities: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> LocationRunResult:
    """The work of ``afweging locaties --vraag ... --aantal ...`` (the CLI only calls this).

    Parameters
    ----------
    question, n, candidates, min_per_wijk, max_per_buurt, fixed, time_limit_s, spacing_m
        As for :func:`~afweging.analyses.locations.choose_locations`.
    area : Area, path of an area.toml, or None
        None: the bundled demo area.
    out_dir : path or OutputFolder
        Receives ``locaties.gpkg``, ``locaties.csv``, ``kaart.html`` and ``rapport.html``
        (output set ``locaties``; other files in it are left alone).
    problem_path : path, optional
        Also write the coverage problem as ``.npz`` (``docs/location_problem.md``).
    priorities : path, optional
        A priorities TOML overriding the bundled settings (need weights, norms, groups).
    progress : callable, optional
        Called with a Dutch line before each step.
    """
    with output_folder(out_dir, kind="locaties") as out:
        return _locations_command(
            question, n, area, out, candidates=candidates, min_per_wijk=min_per_wijk,
            max_per_buurt=max_per_buurt, fixed=fixed, time_limit_s=time_limit_s,
            spacing_m=spacing_m, problem_path=problem_path, priorities=priorities,
            progress=progress,
        )


def _locations_command(
    question: str,
    n: int,
    area: Area | str | Path | None,
    out: OutputFolder,
    *,
    candidates: str | Path | None,
    min_per_wijk: int,
    max_per_buurt: int | None,
    fixed: Sequence[str],
    time_limit_s: float | None,
    spacing_m: float | None,
    problem_path: str | Path | None,
    priorities: str | Path | None,
    progress: Callable[[str], None] | None,
) -> LocationRunResult:
    say = progress or (lambda m: log.info(m))
    timings: dict[str, float] = {}
    if problem_path is not None:
        problem_file(problem_path)  # a file we cannot write fails before any computing
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

    from afweging.analyses.priorities import load_priority_config, prioritise
    from afweging.analyses.reach import reachability
    from afweging.layers import compute_layers

    cfg = load_priority_config(priorities)  # bad settings fail before any computing
    say("Lagen berekenen (voor de behoefte-index)")
    t = time.perf_counter()
    layers = compute_layers(area)
    timings["lagen"] = time.perf_counter() - t
    say("Bereikbaarheid per woning")
    t = time.perf_counter()
    reach = reachability(area, modes=sorted({q.mode for q in cfg.questions.values()}))
    timings["bereikbaarheid"] = time.perf_counter() - t
    say("Prioriteiten en behoefte-index")
    t = time.perf_counter()
    prios = prioritise(area, layers, reach, config=priorities)
    timings["prioriteiten"] = time.perf_counter() - t
    say(f"Locatiekeuze: {n} x {question} (exact, HiGHS, en gretig)")
    t = time.perf_counter()
    choice = choose_locations(
        area, question=question, n=n, candidates=candidates, layers=layers, reach=reach,
        priorities=prios, min_per_wijk=min_per_wijk, max_per_buurt=max_per_buurt,
        fixed=fixed, time_limit_s=time_limit_s, spacing_m=spacing_m,
    )
    timings["locatiekeuze"] = time.perf_counter() - t

    say("Uitvoer schrijven (locaties.gpkg, locaties.csv, kaart.html, rapport.html)")
    t = time.perf_counter()
    from afweging.maps import write_map, write_report

    write_locations(choice, out.staging)
    q = choice.demand.question
    category = q.categories[0] if q.categories else "speelplek"
    write_map(area, out.path("kaart.html"), layers=layers, reach=reach, priorities=prios,
              locations=choice, category=category, mode=q.mode)
    write_report(area, out.path("rapport.html"), layers=layers, reach=reach, priorities=prios,
                 locations=choice, map_href="kaart.html")
    problem = export_problem(choice, problem_path) if problem_path is not None else None
    files = out.commit()
    timings["schrijven"] = time.perf_counter() - t
    summary = list(choice.summary)
    summary += [f"Let op: {c}" for c in choice.caveats]
    if problem is not None:
        summary.append(f"Het dekkingsprobleem staat in {problem} (docs/location_problem.md).")
    return LocationRunResult(choice=choice, files=files, summary=summary, timings_s=timings)
