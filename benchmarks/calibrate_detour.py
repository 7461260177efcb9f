"""Calibrate the straight-line detour factor on the Utrecht Kanaleneiland walk graph.

The fallback of the reachability engine estimates a network distance as straight-line
distance × ``settings.detour_factor``. This script measures the ratio
network distance / straight-line distance for many random node pairs of the real
Kanaleneiland/Transwijk walk graph, at straight-line distances that matter for
10-minute trips on foot (250-1000 m: 10 minutes at 4.8 km/h is 800 m of network).

Pairs are drawn between nodes at least ``--interior-m`` inside the graph's convex hull,
because the graph is cut at its bounding polygon: near that edge the real shortcut may
lie outside the graph and the ratio would be too high. The same statistics for all
nodes are reported for comparison.

Run::

    python benchmarks/calibrate_detour.py [--graph PATH] [--pairs 20000]

Writes ``benchmarks/results/calibrate_detour.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from afweging import settings
from afweging.analyses.reach.graph import build_array_graph

HERE = Path(__file__).resolve().parent
DEFAULT_GRAPH = (
    HERE.parents[1] / "shared" / "data" / "utrecht" / "network" / "kanaleneiland_walk.graphml"
)
BANDS_M = ((250.0, 500.0), (500.0, 750.0), (750.0, 1000.0))


def summary(r: np.ndarray) -> dict[str, float]:
    p10, p25, p50, p75, p90 = np.percentile(r, [10, 25, 50, 75, 90])
    return {
        "n_pairs": len(r),
        "median": round(float(p50), 4),
        "p25": round(float(p25), 4),
        "p75": round(float(p75), 4),
        "iqr": round(float(p75 - p25), 4),
        "p10": round(float(p10), 4),
        "p90": round(float(p90), 4),
        "mean": round(float(r.mean()), 4),
    }


def sample_ratios(
    ag, allowed: np.ndarray, *, n_sources: int, per_source: int, rng
) -> tuple[np.ndarray, np.ndarray]:
    """Ratios network/straight and straight distances for random pairs of allowed nodes."""
    lo, hi = BANDS_M[0][0], BANDS_M[-1][1]
    labels, _ = ag.components  # pairs within the largest strongly connected component
    cand = np.flatnonzero(allowed & (labels == np.argmax(np.bincount(labels))))
    sources = rng.choice(cand, size=min(n_sources, len(cand)), replace=False)
    dist = dijkstra(ag.forward, directed=True, indices=sources, limit=hi * 4)
    ratios, straight = [], []
    for row, s in enumerate(sources):
        d_st = np.hypot(*(ag.xy[cand] - ag.xy[s]).T)
        ok = (d_st >= lo) & (d_st <= hi)
        t = cand[ok]
        if len(t) == 0:
            continue
        pick = rng.choice(len(t), size=min(per_source, len(t)), replace=False)
        net = dist[row, t[pick]]
        st = d_st[ok][pick]
        good = np.isfinite(net)
        ratios.append(net[good] / st[good])
        straight.append(st[good])
    return np.concatenate(ratios), np.concatenate(straight)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graph", type=Path, default=DEFAULT_GRAPH)
    ap.add_argument("--sources", type=int, default=800, help="random source nodes")
    ap.add_argument("--per-source", type=int, default=40, help="random targets per source")
    ap.add_argument("--interior-m", type=float, default=200.0, help="min distance inside the hull")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "calibrate_detour.json")
    args = ap.parse_args()

    import osmnx as ox

    t0 = time.perf_counter()
    G = ox.project_graph(ox.load_graphml(args.graph), to_crs=settings.crs)
    ag = build_array_graph(G, "walk")
    rng = np.random.default_rng(settings.seed)

    hull = shapely.convex_hull(shapely.multipoints(ag.xy))
    inner = shapely.buffer(hull, -args.interior_m)
    interior = shapely.contains_xy(inner, ag.xy[:, 0], ag.xy[:, 1])

    r_in, st_in = sample_ratios(
        ag, interior, n_sources=args.sources, per_source=args.per_source, rng=rng
    )
    r_all, _ = sample_ratios(
        ag,
        np.ones(ag.n_nodes, dtype=bool),
        n_sources=args.sources,
        per_source=args.per_source,
        rng=rng,
    )
    result = {
        "graph": str(args.graph.name),
        "nodes": ag.n_nodes,
        "interior_nodes": int(interior.sum()),
        "interior_m": args.interior_m,
        "straight_line_band_m": [BANDS_M[0][0], BANDS_M[-1][1]],
        "seed": settings.seed,
        "interior": summary(r_in),
        "all_nodes": summary(r_all),
        "interior_by_band": {
            f"{lo:.0f}-{hi:.0f} m": summary(r_in[(st_in >= lo) & (st_in < hi)])
            for lo, hi in BANDS_M
        },
        "seconds": round(time.perf_counter() - t0, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")

    print(f"Detour factor (network / straight line), walk graph {args.graph.name}")
    print(f"{'set':<22}{'pairs':>8}{'median':>8}{'p25':>7}{'p75':>7}{'p10':>7}{'p90':>7}")
    rows = [("interior (calibration)", result["interior"]), ("all nodes", result["all_nodes"])]
    rows += [(f"  interior {k}", v) for k, v in result["interior_by_band"].items()]
    for name, s in rows:
        print(
            f"{name:<22}{s['n_pairs']:>8}{s['median']:>8.3f}{s['p25']:>7.3f}{s['p75']:>7.3f}"
            f"{s['p10']:>7.3f}{s['p90']:>7.3f}"
        )
    print(
        f"-> set settings.detour_factor = {result['interior']['median']:.2f}   (written to {args.out})"
    )


if __name__ == "__main__":
    main()
