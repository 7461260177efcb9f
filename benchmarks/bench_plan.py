"""Benchmark: checking large plans on Utrecht (reading, applying, the whole check).

A plan of N small housing polygons (30 x 30 m, 40 m apart, 4 dwellings each, every tenth a
green polygon, every hundredth with 2 demolished dwellings where its buurt has 500 or more) is laid over the buurten of
Utrecht and written as a GeoPackage. For each N the script times, in one process:

* ``read``   -- :func:`read_plan` (the file read, every property checked);
* ``apply``  -- :func:`apply_plan` (homes placed, statistics, facilities, green);
* ``check``  -- :func:`check_plan` with a prepared baseline (apply + layers,
  reachability and barcode after the plan, the verdicts), i.e. ``afweging plan`` minus
  loading the area and the baseline, which do not depend on the plan.

Run from the repository root (about 1.5 GB of memory at 40,000 polygons)::

    python benchmarks/bench_plan.py                          # N = 5,000 10,000 20,000 40,000
    python benchmarks/bench_plan.py --n 1000 10000

Writes ``benchmarks/results/bench_plan.json``. Linear scaling shows as a constant time per
polygon; the target of issue 12 is a 10,000-polygon plan checked in under 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from afweging.geo.area import assign_buurt

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "utrecht" / "area.toml"


def make_plan(buurten: gpd.GeoDataFrame, n: int, path: Path) -> Path:
    """N housing squares inside the buurten, written to ``path`` (GeoPackage)."""
    union = shapely.union_all(buurten.geometry.to_numpy())
    shapely.prepare(union)
    minx, miny, maxx, maxy = union.bounds
    xs = np.arange(minx, maxx - 30, 40.0)
    ys = np.arange(miny, maxy - 30, 40.0)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    squares = shapely.box(gx, gy, gx + 30, gy + 30)
    inside = squares[shapely.contains(union, squares)]
    if len(inside) < n:
        raise SystemExit(f"only {len(inside)} squares fit; ask for fewer")
    pick = np.random.default_rng(0).choice(len(inside), n, replace=False)
    geoms = inside[np.sort(pick)]
    idx = np.arange(n)
    # demolition only where the buurt has dwellings to spare
    centre = gpd.GeoDataFrame(geometry=shapely.centroid(geoms), crs="EPSG:28992")
    code = assign_buurt(centre, buurten)
    roomy = code.map(buurten["a_woning"]).fillna(0).to_numpy() >= 500
    plan = gpd.GeoDataFrame(
        {
            "naam": [f"blok {i}" for i in idx],
            "functie": np.where(idx % 10 == 9, "groen", "wonen"),
            "woningen": np.where(idx % 10 == 9, 0, 4),
            "woningen_sloop": np.where((idx % 100 == 50) & roomy, 2, 0),
            "sociale_huur_pct": np.where(idx % 10 == 9, np.nan, 30.0),
        },
        geometry=geoms, crs="EPSG:28992",
    )
    plan.to_file(path, layer="plan")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT)
    parser.add_argument("--n", type=int, nargs="+", default=[5_000, 10_000, 20_000, 40_000])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from afweging.analyses.plan import apply_plan, check_plan, prepare_baseline, read_plan
    from afweging.data.manifest import load_area

    area = load_area(args.manifest)
    t = time.process_time()
    base = prepare_baseline(area)
    rows = [{"step": "baseline (once per area)", "cpu_s": round(time.process_time() - t, 2)}]
    print(f"baseline: {rows[0]['cpu_s']} s CPU")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            path = make_plan(area.buurten, n, Path(tmp) / f"plan_{n}.gpkg")
            row: dict[str, float | int | str] = {"polygons": n}
            t, w = time.process_time(), time.perf_counter()
            plan = read_plan(path)
            row["read_cpu_s"] = round(time.process_time() - t, 2)
            row["read_wall_s"] = round(time.perf_counter() - w, 2)
            t, w = time.process_time(), time.perf_counter()
            apply_plan(area, plan)
            row["apply_cpu_s"] = round(time.process_time() - t, 2)
            row["apply_wall_s"] = round(time.perf_counter() - w, 2)
            t, w = time.process_time(), time.perf_counter()
            check = check_plan(area, plan, baseline=base)
            row["check_cpu_s"] = round(time.process_time() - t, 2)
            row["check_wall_s"] = round(time.perf_counter() - w, 2)
            row["read_plus_check_wall_s"] = round(float(row["read_wall_s"]) + float(row["check_wall_s"]), 2)
            row["ms_per_polygon_read_apply"] = round(
                1000 * (float(row["read_cpu_s"]) + float(row["apply_cpu_s"])) / n, 3)
            row["new_dwellings"] = int(check.quantities.dwellings_new)
            rows.append(row)
            print(row, flush=True)
    out = ROOT / "benchmarks" / "results" / "bench_plan.json"
    out.write_text(json.dumps({"manifest": str(args.manifest), "cpus": os.cpu_count(), "rows": rows},
                              indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
