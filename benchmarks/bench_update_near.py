"""Benchmark: which homes new facilities can affect in ``update_reachability`` (the
step before the recomputation): every home against every new facility (the former
loop, kept here as the reference) against :func:`afweging.analyses.reach.update.mark_near`
(per category each home's nearest distance once for both modes: the smallest squared
distance, or from 200 new facilities on a KD-tree query; only homes within rounding of a
radius measured by ``np.hypot``).

A synthetic city of ``--homes`` homes (clustered around 400 centres over 12 × 10 km)
with per home, category and mode a radius as ``closer_radius_m`` makes it: the straight
line to the nearest of the category's existing facilities (160) × the detour factor (its
network time × the speed), the search limit for 3 % of the homes (no route); walking
30 min × 80 m, cycling 30 min × 250 m. The ``--new`` new facilities all in one category,
spread over ten categories, and a plan's two facilities in each of five categories. Both
methods run in one process, interleaved (A B A B ...), ``--repeat`` times each; CPU time
(``time.process_time``); the masks must be equal.

Run from the repository root::

    nice python benchmarks/bench_update_near.py --homes 70000 --new 50

Writes ``benchmarks/results/bench_update_near.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from afweging import settings
from afweging.analyses.reach.update import mark_near
from afweging.geo.snap import kdtree, nearest_distance_m

ROOT = Path(__file__).resolve().parents[1]


def every_pair(hx, hy, fxy, radii, *, inclusive):
    """The former definition: every home against every facility, for every mode."""
    out = np.zeros(len(hx), dtype=bool)
    for x, y in fxy:
        d = np.hypot(hx - x, hy - y)
        for radius in radii:
            out |= (d <= radius) if inclusive else (d < radius)
    return out


def city(n_homes: int, seed: int = 3):
    """Homes, per category the radii of both modes, and the centres to put facilities at."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([0, 0], [12000, 10000], (400, 2))
    hxy = centres[rng.integers(0, 400, n_homes)] + rng.normal(0, 250, (n_homes, 2))
    radii = {}
    for cat in range(10):
        old = centres[rng.integers(0, 400, 160)] + rng.normal(0, 150, (160, 2))
        near = nearest_distance_m(hxy, kdtree(old)) * settings.detour_factor
        no_route = rng.random(n_homes) < 0.03
        radii[f"c{cat}"] = []
        for limit in (30 * 80.0, 30 * 250.0):  # walk, bike
            r = np.where(near <= limit, near, limit)
            r[no_route] = limit
            radii[f"c{cat}"].append(r)
    return rng, centres, hxy, radii


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--homes", type=int, default=70000)
    ap.add_argument("--new", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bench_update_near.json")
    args = ap.parse_args()
    rng, centres, hxy, radii = city(args.homes)
    hx, hy = np.ascontiguousarray(hxy[:, 0]), np.ascontiguousarray(hxy[:, 1])
    new = centres[rng.integers(0, 400, args.new)] + rng.normal(0, 150, (args.new, 2))
    plan = centres[rng.integers(0, 400, 10)] + rng.normal(0, 150, (10, 2))
    cases = {
        f"{args.new} new in one category": (new, np.full(args.new, "c0", dtype=object)),
        f"{args.new} new over ten categories": (new, np.array([f"c{i % 10}" for i in range(args.new)], dtype=object)),
        "a plan: 2 new in each of five categories": (plan, np.array([f"c{i % 5}" for i in range(10)], dtype=object)),
    }
    results = {}
    for name, (fxy, fcat) in cases.items():
        def old(fxy: np.ndarray = fxy, fcat: np.ndarray = fcat) -> np.ndarray:
            out = np.zeros(len(hx), dtype=bool)
            for cat in sorted(set(fcat)):
                out |= every_pair(hx, hy, fxy[fcat == cat], radii[cat], inclusive=False)
            return out

        def new_(fxy: np.ndarray = fxy, fcat: np.ndarray = fcat) -> np.ndarray:
            out = np.zeros(len(hx), dtype=bool)
            mark_near(out, hx, hy, hxy, fxy, fcat, radii.__getitem__, inclusive=False)
            return out

        assert np.array_equal(old(), new_())
        cpu: dict[str, list[float]] = {"every_pair": [], "mark_near": []}
        for _ in range(args.repeat):
            for label, fn in (("every_pair", old), ("mark_near", new_)):
                t = time.process_time()
                fn()
                cpu[label].append(1000 * (time.process_time() - t))
        med = {k: statistics.median(v) for k, v in cpu.items()}
        results[name] = {
            "cpu_ms": {k: [round(x, 2) for x in v] for k, v in cpu.items()},
            "cpu_ms_median": {k: round(v, 2) for k, v in med.items()},
            "ratio_every_pair_to_mark_near": round(med["every_pair"] / med["mark_near"], 2),
            "homes_affected": int(new_().sum()),
        }
        print(f"{name}: every pair {med['every_pair']:.1f} ms, mark_near {med['mark_near']:.1f} ms CPU "
              f"(x{med['every_pair'] / med['mark_near']:.1f}); {results[name]['homes_affected']} homes affected")
    out = {"homes": args.homes, "new_facilities": args.new, "modes": 2, "repeat": args.repeat,
           "python": platform.python_version(), "numpy": np.__version__, "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
