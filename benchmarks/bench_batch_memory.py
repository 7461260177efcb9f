"""Peak memory per Dask worker of the Demoregio batch: whole region broadcast vs partitions.

Before (``main`` until issue 16b): the region's shared data (facilities, green, street
networks, rasters, components) were scattered to every worker with ``broadcast=True`` and
each task cut its partition on the worker. After: the driver cuts each gemeente's
partition and sends it with that task only. Run the same batch (LocalCluster, 2 worker
processes, one thread each) with each code base, each in its own process, and report the
workers' peak resident memory (``worker_peak_rss_mb`` of every task's ``gemeente.json``:
the worker's ``VmHWM``, also patched into the "before" checkout, since ``ru_maxrss``
reports the driver's size at the nanny's fork), the driver's, and the sizes of the
region and its partitions (rows, and pickled: what a worker was sent before / now).

    nice python benchmarks/bench_batch_memory.py --before /tmp/checkout-of-main --homes 200000

writes ``benchmarks/results/bench_batch_memory.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "bench_batch_memory.json"
HERE = Path(__file__).resolve().parents[1]


def run_one(homes: int, gemeenten: int, density: float, out: Path) -> dict:
    """The batch with the afweging first on sys.path; prints a JSON line."""
    warnings.simplefilter("ignore")
    import pickle

    import afweging
    from afweging.batch import border_buffer, run_batch
    from afweging.batch.partition import SharedData, partition_area
    from afweging.data.region import demo_region

    region = demo_region(gemeenten, homes, homes_per_km2=density)
    t = time.perf_counter()
    b = run_batch(out=out, region=region, workers=2, memory_limit="3GB")
    wall = time.perf_counter() - t
    done = [s for s in b.statuses.values() if s and s["status"] == "klaar"]
    shared = SharedData.from_region(region)
    sizes = {}
    for c in [s["gemeentecode"] for s in done]:
        a = partition_area(shared, region.piece(c), border_buffer())
        sizes[c] = {"homes": len(a.homes), "facilities": len(a.facilities),
                    "walk_edges": len(a.networks["walk"].u), "bike_edges": len(a.networks["bike"].u),
                    "pickled_mb": round(len(pickle.dumps(a, protocol=5)) / 1e6, 2)}
    return {
        "afweging": str(Path(afweging.__file__).parent),
        "region": {"homes": len(region.homes), "facilities": len(shared.facilities),
                   "walk_edges": shared.networks["walk"].n_edges,
                   "bike_edges": shared.networks["bike"].n_edges,
                   "shared_pickled_mb": round(len(pickle.dumps(shared, protocol=5)) / 1e6, 2)},
        "partitions": sizes,
        "wall_s": wall, "compute_s": b.compute_seconds,
        "worker_peak_rss_mb": sorted({s["worker_pid"]: round(s["worker_peak_rss_mb"])
                                      for s in done}.values()),
        "driver_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0),
        "failed": sorted(b.failed),
    }


def _spawn(code: Path, homes: int, gemeenten: int, density: float, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--one", str(out), "--homes", str(homes),
           "--gemeenten", str(gemeenten), "--density", str(density)]
    env = {**os.environ, "PYTHONPATH": str(code)}
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=code, check=False)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=False, help="a checkout of the code before")
    ap.add_argument("--homes", type=int, default=200_000)
    ap.add_argument("--gemeenten", type=int, default=6)
    ap.add_argument("--density", type=float, default=3000.0)
    ap.add_argument("--one", type=Path, default=None)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.homes, args.gemeenten, args.density, args.one)))
        return
    res: dict = {"homes": args.homes, "gemeenten": args.gemeenten, "homes_per_km2": args.density,
                 "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        for label, code in (("before", args.before), ("after", HERE)):
            if code is not None:
                res[label] = _spawn(code.resolve(), args.homes, args.gemeenten, args.density,
                                    Path(tmp) / label)
    res["load_after"] = os.getloadavg()
    if "before" in res:
        res["worker_peak_ratio_after_before"] = (max(res["after"]["worker_peak_rss_mb"])
                                                 / max(res["before"]["worker_peak_rss_mb"]))
    # one entry per configuration: a run of another configuration keeps the others
    runs = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    runs[f"{args.homes} homes, {args.gemeenten} gemeenten, {args.density:g}/km2"] = res
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
