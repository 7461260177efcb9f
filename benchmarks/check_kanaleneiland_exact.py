"""The engine's minutes against an independent edge-snapped networkx computation, Utrecht.

The real Utrecht homes near the Kanaleneiland walk and bike graphs and the real
facilities of every category. The reference is the one of
``tests/test_reachability_exact.py`` (brute-force snapping to the nearest street with
shapely, every street split at its points into virtual nodes, networkx Dijkstra; no code
of the engine), with its per-point snapping vectorised over the streets (the same shapely
distances, so the same choice). Reports the absolute error in minutes per mode over every
(network home, category) pair: median, 95th percentile and maximum, and whether the
methods (network / no route / fallback) agree.

Run ``python benchmarks/check_kanaleneiland_exact.py`` (about a minute); writes
``benchmarks/results/check_kanaleneiland_exact.json``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
UTRECHT = REPO.parent / "shared" / "data" / "utrecht"
RESULTS = HERE / "results" / "check_kanaleneiland_exact.json"


def main() -> None:
    sys.path.insert(0, str(REPO / "tests"))
    import test_reachability_exact as ref  # the independent reference

    from afweging.analyses.reach.graph import array_graph
    from afweging.analyses.reach.reachability import travel_minutes
    from afweging.data.manifest import load_area
    from afweging.data.osm import read_graph
    from afweging.geo.snap import point_xy

    cache: dict = {}  # per mode: the street geometries, and every point's snap once

    def snap(streets: list[dict], p) -> tuple[int, float, float]:
        geoms = cache.get("geoms")
        if geoms is None:
            geoms = cache["geoms"] = np.array([s["geom"] for s in streets], dtype=object)
        key = (float(p[0]), float(p[1]))
        if key in cache:
            return cache[key]
        pt = Point(p)
        dist = shapely.distance(geoms, pt)
        k = int(np.argmin(dist))
        g = streets[k]["geom"]
        along = g.project(pt)
        frac = 0.0 if along == 0 or g.length == 0 else (1.0 if along == g.length else along / g.length)
        cache[key] = (k, frac, float(dist[k]))
        return cache[key]

    ref._snap = snap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = load_area(UTRECHT / "area.toml")
    homes_all = point_xy(area.homes, what="homes")
    fac = area.facilities
    out: dict = {"modes": {}}
    for mode in ("walk", "bike"):
        t0 = time.perf_counter()
        cache.clear()  # the reference orders the streets the same way on every call
        G = read_graph(UTRECHT / "network" / f"kanaleneiland_{mode}.graphml", mode=mode)
        ag = array_graph(area.networks[mode], mode)  # read without networkx
        lo, hi = ag.xy.min(axis=0) - 300.0, ag.xy.max(axis=0) + 300.0
        near = np.all((homes_all >= lo) & (homes_all <= hi), axis=1)
        homes = homes_all[near]
        errs: list[np.ndarray] = []
        rel: list[np.ndarray] = []
        same_method = True
        n_network = 0
        cats = []
        for cat in sorted(fac["category"].unique()):
            f = point_xy(fac[fac["category"] == cat], what=cat)
            got, how = travel_minutes(ag, homes, f, mode=mode, max_minutes=1e6)
            want, no_route = ref.reference_minutes(G, mode, homes, f)
            same_method &= bool(((how == "no_route") == no_route).all())
            net = how == "network"
            n_network = int(net.sum())
            e = np.abs(got[net] - want[net])
            errs.append(e)
            rel.append(e / np.maximum(want[net], 1e-9))
            cats.append(cat)
        e = np.concatenate(errs)
        r = np.concatenate(rel)
        out["modes"][mode] = {
            "homes_checked": len(homes),
            "homes_network": n_network,
            "categories": cats,
            "pairs": len(e),
            "abs_error_min": {"median": float(np.median(e)), "p95": float(np.percentile(e, 95)),
                              "max": float(e.max())},
            "rel_error_max": float(r.max()),
            "no_route_agrees": same_method,
            "seconds": round(time.perf_counter() - t0, 1),
        }
        m = out["modes"][mode]
        print(f"{mode}: {m['pairs']:,} (home, category) pairs on the network, |error| minutes "
              f"median {m['abs_error_min']['median']:.2e}, p95 {m['abs_error_min']['p95']:.2e}, "
              f"max {m['abs_error_min']['max']:.2e} (relative max {m['rel_error_max']:.1e}); "
              f"no-route cases agree: {same_method}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"(written to {RESULTS})")


if __name__ == "__main__":
    main()
