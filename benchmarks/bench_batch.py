"""The batch over many gemeenten on the synthetic Demoregio at a million homes.

In one run, on the same region (6 gemeenten, ``--homes`` homes, default settings: border
buffer 8 km), each configuration in its own Python process so that its memory is its own:

* ``in-process``: one run over the whole region at once (layers, reachability, barcode,
  priorities): the baseline the batch must equal;
* ``1 worker``, ``2 workers``: :func:`afweging.run_batch` on a dask.distributed
  LocalCluster (worker processes, one thread each);
* ``scheduler``: a real ``dask scheduler`` and two ``dask worker`` processes started here,
  the batch connecting with ``scheduler="tcp://..."``.

Per configuration: wall and CPU seconds of the computing (the tasks; the merge is timed
apart), homes per second, peak memory of the driver and of every worker, and the ratio
to the in-process run. Then a projection to the national run (342 gemeenten, about 8
million addresses). Run it once, niced: ``nice python benchmarks/bench_batch.py``;
writes ``benchmarks/results/bench_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "bench_batch.json"
MEMORY_PER_WORKER = "3GB"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _region(homes: int):
    from afweging.data.region import demo_region

    t = time.perf_counter()
    region = demo_region(6, homes, homes_per_km2=3000.0)
    return region, time.perf_counter() - t


def run_mode(mode: str, homes: int, out: Path) -> dict:
    """One configuration, in this process; prints a JSON line."""
    warnings.simplefilter("ignore")
    region, gen_s = _region(homes)
    res: dict = {"mode": mode, "homes_region": len(region.homes), "generate_s": gen_s}
    cpu0 = time.process_time()
    if mode == "in-process":
        from afweging.analyses.priorities import prioritise
        from afweging.analyses.reach import reachability
        from afweging.barcode import score
        from afweging.layers import compute_layers

        area = region.area()
        t = time.perf_counter()
        layers = compute_layers(area)
        reach = reachability(area)
        score(area, layers, reach)
        prioritise(area, layers, reach)
        res.update(wall_s=time.perf_counter() - t, homes=len(area.homes))
    else:
        from afweging.batch import run_batch

        kw: dict = {"memory_limit": MEMORY_PER_WORKER}
        if mode == "scheduler":
            kw["scheduler"] = os.environ["BENCH_SCHEDULER"]
        else:
            kw["workers"] = 1 if mode == "1 worker" else 2
        b = run_batch(out=out, region=region, **kw)
        done = [s for s in b.statuses.values() if s and s["status"] == "klaar"]
        res.update(
            wall_s=b.compute_seconds, merge_s=b.seconds - b.compute_seconds,
            homes=sum(s["woningen"] for s in done),
            task_s={s["gemeentecode"]: round(s["seconds"], 2) for s in done},
            task_s_sum=sum(s["seconds"] for s in done),
            task_cpu_s_sum=sum(s["cpu_seconds"] for s in done),
            worker_peak_rss_mb=sorted({s["worker_pid"]: round(s["worker_peak_rss_mb"])
                                       for s in done}.values()),
            failed=b.failed,
        )
    res["driver_cpu_s"] = time.process_time() - cpu0
    res["driver_peak_rss_mb"] = round(_rss_mb())
    res["homes_per_s"] = res["homes"] / res["wall_s"]
    return res


def _spawn(mode: str, homes: int, out: Path, env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--mode", mode, "--homes", str(homes), "--out", str(out)]
    cpu = _child_cpu_s()
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{p.stderr[-3000:]}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["process_cpu_s"] = _child_cpu_s() - cpu  # driver and (local) workers, all children
    return res


def _with_real_cluster(homes: int, out: Path) -> dict:
    """Start ``dask scheduler`` and two ``dask worker`` processes, run, stop them."""
    bindir = Path(sys.executable).parent
    sched_file = out.parent / "scheduler.json"
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--scheduler-file", str(sched_file),
                               "--port", "0", "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(100):
            if sched_file.exists():
                break
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(
                [str(bindir / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--memory-limit", MEMORY_PER_WORKER],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(3.0)
        res = _spawn("scheduler", homes, out, {"BENCH_SCHEDULER": address})
        res["address"] = address
        return res
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--homes", type=int, default=1_000_000)
    ap.add_argument("--mode", default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.homes, args.out)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        runs = {m: _spawn(m, args.homes, tmp / m.replace(" ", "-"))
                for m in ("in-process", "1 worker", "2 workers")}
        runs["scheduler"] = _with_real_cluster(args.homes, tmp / "scheduler")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = runs["in-process"]
    for r in runs.values():
        r["wall_ratio_to_in_process"] = r["wall_s"] / base["wall_s"]
    one, two = runs["1 worker"], runs["2 workers"]
    # national projection from the task CPU per home (the border-buffer overhead of this
    # region included) and the measured 2-worker throughput; memory from the largest task
    national_homes = 8_000_000
    cpu_per_home = one["task_cpu_s_sum"] / one["homes"]
    idle_mb = 330.0  # a worker process with afweging, pandas, geopandas, dask imported
    per_task_homes = max(two["homes"] / len(two["task_s"]), 1)
    mb_per_1000 = (max(two["worker_peak_rss_mb"]) - idle_mb) / per_task_homes * 1000
    projection = {
        "national_homes": national_homes,
        "task_cpu_s_per_1000_homes": 1000 * cpu_per_home,
        "cpu_hours_national": national_homes * cpu_per_home / 3600,
        "hours_national_on_this_2_core_machine": national_homes / two["homes_per_s"] / 3600,
        "largest_task_s_here": max(one["task_s"].values()),
        "worker_mb_per_1000_homes_above_idle": mb_per_1000,
        "largest_gemeente_partition_gb_estimate": (idle_mb + mb_per_1000 * 470) / 1024,  # Amsterdam ~470k
    }
    doc = {
        "benchmark": "bench_batch",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "region": {"gemeenten": 6, "homes": base["homes_region"], "generate_s": base["generate_s"]},
        "memory_limit_per_worker": MEMORY_PER_WORKER,
        "runs": runs,
        "speedup_2_workers_vs_1": one["wall_s"] / two["wall_s"],
        "projection": projection,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
