"""The work of ``afweging locaties``: load the area, choose the sites, write the outputs.

The CLI (:mod:`afweging.cli`) only parses arguments and calls :func:`locations_command_main`.
Outputs (``locaties.gpkg``, ``locaties.csv``, ``kaart.html``, ``rapport.html``) are first
written into a temporary folder next to the out folder and moved into place only when
every step succeeded; ``--export-problem`` is swapped in whole as well.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from afweging.analyses.locations.choice import LocationChoice, choose_locations
from afweging.analyses.locations.output import export_problem, write_locations
from afweging.geo.area import Area

log = logging.getLogger(__name__)

#: The files ``afweging locaties`` writes into its out folder.
OUTPUT_FILES = ("locaties.gpkg", "locaties.csv", "kaart.html", "rapport.html")


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
    out_dir: str | Path,
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
    out_dir : path
        Receives :data:`OUTPUT_FILES`.
    problem_path : path, optional
        Also write the coverage problem as ``.npz`` (``docs/location_problem.md``).
    priorities : path, optional
        A priorities TOML overriding the bundled settings (need weights, norms, groups).
    progress : callable, optional
        Called with a Dutch line before each step.
    """
    say = progress or (lambda m: log.info(m))
    timings: dict[str, float] = {}
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".afweging-locaties-", dir=out.parent))
    try:
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

        write_locations(choice, tmp)
        q = choice.demand.question
        category = q.categories[0] if q.categories else "speelplek"
        write_map(area, tmp / "kaart.html", layers=layers, reach=reach, priorities=prios,
                  locations=choice, category=category, mode=q.mode)
        write_report(area, tmp / "rapport.html", layers=layers, reach=reach, priorities=prios,
                     locations=choice, map_href="kaart.html")
        problem = export_problem(choice, problem_path) if problem_path is not None else None
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for name in OUTPUT_FILES:
            (tmp / name).replace(out / name)
            files.append(out / name)
        if problem is not None:
            files.append(problem)
        timings["schrijven"] = time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary = list(choice.summary)
    summary += [f"Let op: {c}" for c in choice.caveats]
    return LocationRunResult(choice=choice, files=files, summary=summary, timings_s=timings)
