"""Speed of the five layers (``compute_layers``) on real Utrecht data, the demo and a stress case.

Cases
-----
* ``utrecht``: ``compute_layers`` on ``../shared/data/utrecht/area.toml`` as loaded
  (111 buurten, ~65,000 homes, ~3,900 facility points; no green polygons and no rasters,
  so green is the park-point proxy, heat the CBS proxy and noise "no data").
* ``demo``: the bundled synthetic area (green polygons, PET and Lden rasters).
* ``utrecht+rasters`` (stress, synthetic values): the Utrecht area with a PET and an Lden
  raster of ``--cell-m`` metre cells over the whole municipality and ``--parks`` random
  green polygons, so that the raster and polygon routes run at city scale. The values of
  these rasters and parks are random and mean nothing; only the time counts.

Each case is timed ``--repeat`` times (median reported) per layer and for the whole of
``compute_layers``. Target (issue 3): Utrecht under 10 s.

Run ``python benchmarks/bench_layers.py``; writes ``benchmarks/results/bench_layers.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely import points

from afweging import settings
from afweging.geo.area import Area
from afweging.geo.raster import Raster
from afweging.layers import (
    compute_layers,
    facilities_layer,
    green_layer,
    heat_layer,
    housing_layer,
    noise_layer,
)

HERE = Path(__file__).resolve().parent
UTRECHT = HERE.parents[1] / "shared" / "data" / "utrecht" / "area.toml"

LAYERS: dict[str, Callable[[Area], object]] = {
    "green": green_layer,
    "heat": heat_layer,
    "noise": noise_layer,
    "housing": housing_layer,
    "facilities": facilities_layer,
    "compute_layers": compute_layers,
}


def time_case(area: Area, repeat: int) -> dict[str, float]:
    """Median seconds per layer function and for compute_layers."""
    out: dict[str, float] = {}
    for name, fn in LAYERS.items():
        runs = []
        for _ in range(repeat):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # data caveats are expected here
                t0 = time.perf_counter()
                fn(area)
                runs.append(time.perf_counter() - t0)
        out[name] = statistics.median(runs)
    return out


def with_synthetic_rasters(area: Area, *, cell_m: float, n_parks: int) -> Area:
    """A copy of ``area`` with random PET/Lden rasters and random park polygons (stress only)."""
    rng = np.random.default_rng(settings.seed)
    minx, miny, maxx, maxy = area.total_bounds
    cols = int(np.ceil((maxx - minx) / cell_m))
    rows = int(np.ceil((maxy - miny) / cell_m))
    t = Affine(cell_m, 0, minx, 0, -cell_m, maxy)
    # smooth-ish fields: sums of a few sine waves plus noise
    yy, xx = np.mgrid[0:rows, 0:cols].astype(float)
    pet = 34 + 3 * np.sin(xx / 37.0) * np.cos(yy / 53.0) + rng.normal(0, 1.5, (rows, cols))
    lden = 52 + 6 * np.sin(xx / 91.0 + 1) * np.sin(yy / 29.0) + rng.normal(0, 2, (rows, cols))
    pet[rng.random((rows, cols)) < 0.02] = np.nan  # 2 % nodata
    out = area.copy()
    out.rasters = {"heat": Raster(pet, t, "degC", "synthetic"), "noise": Raster(lden, t, "dB", "synthetic")}
    cx = rng.uniform(minx, maxx, n_parks)
    cy = rng.uniform(miny, maxy, n_parks)
    radius = rng.lognormal(np.log(40), 0.8, n_parks)
    parks = points(cx, cy).tolist()
    out.green = gpd.GeoDataFrame({"kind": ["park"] * n_parks},
                                 geometry=[p.buffer(r, 8) for p, r in zip(parks, radius, strict=True)],
                                 crs=settings.crs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cell-m", type=float, default=5.0, help="cell size of the stress rasters")
    parser.add_argument("--parks", type=int, default=2000, help="random parks in the stress case")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "bench_layers.json")
    args = parser.parse_args()

    results: dict[str, object] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "repeat": args.repeat,
        "target_utrecht_s": 10.0,
        "cases": {},
    }
    cases: dict[str, dict[str, object]] = {}

    from afweging.data.demo import demo_area

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        demo = demo_area()
    cases["demo"] = {"buurten": len(demo.buurten), "homes": 0 if demo.homes is None else len(demo.homes),
                     "seconds": time_case(demo, args.repeat)}

    if UTRECHT.exists():
        from afweging.data.manifest import load_area

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            utrecht = load_area(UTRECHT)
            load_s = time.perf_counter() - t0
        cases["utrecht"] = {"buurten": len(utrecht.buurten), "homes": 0 if utrecht.homes is None else len(utrecht.homes),
                            "facilities": 0 if utrecht.facilities is None else len(utrecht.facilities), "load_area_s": load_s,
                            "seconds": time_case(utrecht, args.repeat)}
        stress = with_synthetic_rasters(utrecht, cell_m=args.cell_m, n_parks=args.parks)
        shape = stress.rasters["heat"].data.shape
        cases["utrecht+rasters"] = {"raster_cells": int(shape[0] * shape[1]), "cell_m": args.cell_m,
                                    "parks": args.parks, "seconds": time_case(stress, args.repeat)}
    else:
        print(f"{UTRECHT} not found: Utrecht cases skipped")

    results["cases"] = cases
    for name, case in cases.items():
        secs = case["seconds"]
        assert isinstance(secs, dict)
        detail = "  ".join(f"{k} {v:.3f}s" for k, v in secs.items())
        print(f"{name:16s} {detail}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
