"""Benchmark: ``afweging scenario`` on Utrecht against a normal ``afweging run``.

Issue 18 asks that the example scenario (``examples/utrecht_2040.toml``: a city-wide
forecast and the example plan) runs in about the time of a normal run. In one process,
with the area loaded once (loading is the same for both and timed on its own), the script
times, alternating, ``repeat`` times each:

* ``run``      -- :func:`afweging.pipeline.run` (layers, reachability, barcode,
  priorities, maps and report of today, written);
* ``scenario`` -- :func:`afweging.scenarios.scenario_command_main` (the target year
  built, layers/reachability/barcode/priorities of today *and* of the target year -- the
  reachability of the target year only for the buurten whose homes can change -- and
  the four outputs written).

CPU time (``time.process_time``, this process; less distorted by other load on the
machine than wall time) and wall time; the best of the repeats is kept and the ratio
scenario / run reported.

Run from the repository root::

    python benchmarks/bench_scenario.py                 # Utrecht (../shared/data/utrecht)
    python benchmarks/bench_scenario.py --repeat 3

Writes ``benchmarks/results/bench_scenario.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AREA = ROOT.parent / "shared" / "data" / "utrecht" / "area.toml"
SCENARIO = ROOT / "examples" / "utrecht_2040.toml"
RESULT = ROOT / "benchmarks" / "results" / "bench_scenario.json"


def timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", type=Path, default=AREA)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from afweging.data.manifest import load_area
    from afweging.pipeline import run
    from afweging.scenarios import scenario_command_main

    warnings.simplefilter("ignore")
    load_cpu, load_wall = timed(lambda: load_area(args.area))
    area = load_area(args.area)
    best: dict[str, list[float]] = {"run": [], "scenario": []}
    walls: dict[str, list[float]] = {"run": [], "scenario": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            for name in ("run", "scenario") if i % 2 == 0 else ("scenario", "run"):
                out = Path(tmp) / f"{name}{i}"
                if name == "run":
                    cpu, wall = timed(lambda out=out: run(area, out))
                else:
                    cpu, wall = timed(lambda out=out: scenario_command_main(args.scenario, area, out))
                best[name].append(cpu)
                walls[name].append(wall)
                print(f"{name:9s} #{i + 1}: {cpu:6.1f} s CPU, {wall:6.1f} s wall", flush=True)
    run_cpu, sc_cpu = min(best["run"]), min(best["scenario"])
    run_wall, sc_wall = min(walls["run"]), min(walls["scenario"])
    result = {
        "area": str(args.area.name if args.area != AREA else "utrecht"),
        "scenario": args.scenario.name,
        "repeat": args.repeat,
        "load_area_s": {"cpu": round(load_cpu, 2), "wall": round(load_wall, 2)},
        "run_s": {"cpu": round(run_cpu, 2), "wall": round(run_wall, 2)},
        "scenario_s": {"cpu": round(sc_cpu, 2), "wall": round(sc_wall, 2)},
        "ratio_scenario_over_run": {"cpu": round(sc_cpu / run_cpu, 2), "wall": round(sc_wall / run_wall, 2)},
    }
    print(json.dumps(result, indent=1))
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
