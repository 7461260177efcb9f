"""Benchmark: time to load an area from its manifest (import included).

Every measurement runs in a fresh Python process, so the import of the toolkit (and of
osmnx, if the loader pulls it in) is counted, as a user of ``afweging run`` or a
notebook pays it. Three cases, each the minimum of ``--repeat`` runs:

* ``import``   -- ``import afweging.data.manifest`` only;
* ``cold``     -- import + ``load_area(path, cache=False)``: every file read and parsed;
* ``cached``   -- import + ``load_area(path)`` with the Area cache filled.

Run from the repository root::

    python benchmarks/bench_load.py                       # Utrecht (../shared/data/utrecht)
    python benchmarks/bench_load.py --manifest path/area.toml --repeat 5

Baseline on Utrecht, 2026-11-23, minimum of 3 runs. The machine (2 cores) was shared
with other jobs (load average 5-7), so absolute times are 2-3x those of a quiet machine
(where the old cold load took 6-8 s); compare the ratios.

==============================================  ========  ==========  ==========
code                                            import    cold load   cached load
==============================================  ========  ==========  ==========
before (18c01f7: ox.load_graphml +               1.0 s     11.5 s       --
ox.project_graph, points file read twice,
read_kwb column by column)
after (GraphML without osmnx, vectorised         1.2 s      2.6 s      0.3-0.6 s
projection, points file read once through
Arrow, vectorised read_kwb, Area cache)
==============================================  ========  ==========  ==========

``cold`` of the old code includes ``import osmnx`` (about 4 s: it imports scikit-learn
and scipy.stats); the new GraphML path does not import osmnx at all. ``cached`` is
mostly the import of geopandas plus unpickling (0.2-0.3 s for Utrecht's 64,669 homes,
two street graphs and 3,350 cycleways).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "utrecht" / "area.toml"

SNIPPET = r"""
import inspect, json, sys, time, warnings
t0 = time.perf_counter()
from afweging import settings
from afweging.data.manifest import load_area
t1 = time.perf_counter()
mode, manifest, cache = sys.argv[1], sys.argv[2], sys.argv[3]
settings.cache_folder = cache
has_cache = "cache" in inspect.signature(load_area).parameters  # older code: no Area cache
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    if mode == "cold":
        area = load_area(manifest, cache=False) if has_cache else load_area(manifest)
    elif mode == "cached" and has_cache:
        area = load_area(manifest, cache=True)
    elif mode == "cached":
        print(json.dumps({"import": float("nan"), "load": float("nan"), "total": float("nan")}))
        sys.exit(0)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "total": t2 - t0}))
"""


def run(mode: str, manifest: Path, cache: Path, cwd: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET, mode, str(manifest), str(cache)],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout of afweging to time (default: this one)")
    args = ap.parse_args()
    if not args.manifest.exists():
        sys.exit(f"{args.manifest} does not exist; give --manifest")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        results: dict[str, list[dict[str, float]]] = {"import": [], "cold": [], "cached": []}
        run("cached", args.manifest, cache, args.code)  # fill the Area cache
        for _ in range(args.repeat):
            for mode in results:
                results[mode].append(run(mode, args.manifest, cache, args.code))
    print(f"manifest: {args.manifest}\ncode:     {args.code}\n")
    print(f"{'case':8s} {'import s':>9s} {'load s':>8s} {'total s':>8s}   (minimum of {args.repeat})")
    for mode, rows in results.items():
        finite = [r for r in rows if r["total"] == r["total"]]
        if not finite:
            print(f"{mode:8s} {'--':>9s} {'--':>8s} {'--':>8s}   (not supported by this code)")
            continue
        best = min(finite, key=lambda r: r["total"])
        print(f"{mode:8s} {best['import']:9.2f} {best['load']:8.2f} {best['total']:8.2f}")


if __name__ == "__main__":
    main()
