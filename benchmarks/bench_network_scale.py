"""Street networks at scale: building the array graph without networkx, and searching it.

Synthetic towns on a perturbed street grid of about 150,000, 600,000 and 2.4 million
graph nodes (EPSG:28992, 70 m blocks, 10 % of the block sides missing, a quarter of them
bent by an interstitial vertex), written as an OSM ``.osm.pbf`` extract: every street a
run of ``highway=residential`` ways of one to six blocks. Walking, 12 facility
categories (counts in proportion to the size, twice Utrecht's OSM counts per 150,000
nodes), a home per 2.15 nodes, 30-minute limit. Each configuration runs in its own Python
process, so that its peak memory (``ru_maxrss``) is its own:

* ``new builder``: :func:`afweging.data.streets.read_network` on the .osm.pbf (the numpy
  PBF decoder ``afweging/data/_pbf.py``, osmnx's filters, largest component and
  simplification on arrays) and
  :func:`~afweging.analyses.reach.graph.build_array_graph`: from the file to the engine's
  CSR arrays without any networkx object;
* ``networkx path``: the same network as a networkx MultiDiGraph the way osmnx holds it
  (a two-way street stored in both directions; ``length``, ``oneway`` and, for simplified
  edges, a ``geometry`` LineString; osmnx adds more attributes, so this is a lower bound),
  built from the new builder's arrays (loaded from a .npz, not timed), then
  :func:`~afweging.geo.network.from_networkx` and ``build_array_graph``. Both give the same
  array graph (checked by digest);
* ``search``: the engine with edge snapping (``_mode_times``: the snapping index over the
  street geometries, snapping every home and facility, one search per category, the
  per-home minutes and the no-route check) against the scipy floor
  (``scipy.sparse.csgraph.dijkstra(..., min_only=True, limit=...)`` per category from the
  facilities' nearest nodes, snapping not timed), on the graph already built.

Times are CPU seconds (the machine is shared; wall seconds recorded too). The search
configurations run interleaved (floor, engine, engine with a cached index) after one
warm-up call; the JSON has the best of each and, per round, the engine over that round's
floor (``..._paired_median`` / ``..._paired_max``), which a load change between rounds does
not skew. Peak memory is
the process's maximum resident set; ``python_baseline_mb`` is that of a process that only
imported the same modules. The peak per node is projected to 10 million nodes by a
straight line through the three sizes.

Targets: new builder peak <= 1 GB and <= 10 s at 2.4 M nodes; search + snapping <= 1.5x
the floor at every size.

Run ``nice python benchmarks/bench_network_scale.py`` (about 10 minutes; the networkx
path at 2.4 M nodes needs about 10 GB, ``--skip-networkx-above`` leaves it out;
``--configs search --out somewhere.json`` runs only the search). Writes
``benchmarks/results/bench_network_scale.json``. Generated extracts are kept in
``--workdir`` (reused when present).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _synthetic import FACILITY_COUNTS  # benchmarks/ is the script's folder; per 150,000 nodes

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench_network_scale.json"

#: Grid sides giving about 150 k, 600 k and 2.4 M nodes after simplification.
SIZES = {"150k": 398, "600k": 795, "2.4M": 1590}
STEP_M = 70.0
SEED = 20240517
MAX_MINUTES = 30.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(fn):
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c, time.perf_counter() - w, out


def _digest(ag) -> str:
    h = hashlib.sha256()
    # the CSR matrix is canonical; which of a street's two stored directions represents it
    # depends on the edge order, so the streets enter sorted
    for a in (np.asarray(ag.node_ids, dtype=np.int64), ag.xy, ag.forward.indptr, ag.forward.indices,
              ag.forward.data, np.sort(ag.street_length_m), np.sort(np.diff(ag.geom_offsets))
              if ag.geom_offsets is not None else np.zeros(0)):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------ generating


def make_extract(side: int, folder: Path) -> dict:
    """Write the synthetic town as ``town.osm.pbf`` plus homes/facilities (``points.npz``)."""
    import osmium
    from osmium.osm import mutable
    from pyproj import Transformer

    rng = np.random.default_rng(SEED + side)
    n = side * side
    ii, jj = np.divmod(np.arange(n), side)
    x0, y0 = 120000.0, 440000.0
    x = x0 + jj * STEP_M + rng.normal(0, STEP_M * 0.12, n)
    y = y0 + ii * STEP_M + rng.normal(0, STEP_M * 0.12, n)
    # block sides: horizontal (i, j)-(i, j+1), vertical (i, j)-(i+1, j); 10 % missing
    runs: list[list[int]] = []
    bend_x: list[float] = []
    bend_y: list[float] = []
    next_id = n + 1

    for direction in (0, 1):
        keep = rng.random((side, side - 1)) >= 0.10
        bent = rng.random((side, side - 1)) < 0.25
        offs = rng.normal(0, 6.0, (side, side - 1))
        spans = rng.integers(1, 7, (side, side))
        for a in range(side):
            way: list[int] = []
            left = 0
            for b in range(side - 1):
                p, q = (a * side + b, a * side + b + 1) if direction == 0 else (b * side + a, (b + 1) * side + a)
                if not keep[a, b]:
                    if len(way) > 1:
                        runs.append(way)
                    way, left = [], 0
                    continue
                if not way:
                    way, left = [p + 1], int(spans[a, b])
                if bent[a, b]:
                    mx, my = (x[p] + x[q]) / 2, (y[p] + y[q]) / 2
                    dx, dy = x[q] - x[p], y[q] - y[p]
                    norm = float(np.hypot(dx, dy)) or 1.0
                    bend_x.append(mx - dy / norm * offs[a, b])
                    bend_y.append(my + dx / norm * offs[a, b])
                    way.append(next_id)
                    next_id += 1
                way.append(q + 1)
                left -= 1
                if left == 0:
                    runs.append(way)
                    way = []
            if len(way) > 1:
                runs.append(way)
    all_x = np.concatenate([x, bend_x])
    all_y = np.concatenate([y, bend_y])
    lon, lat = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True).transform(all_x, all_y)
    path = folder / "town.osm.pbf"
    tmp = folder / "town.tmp.osm.pbf"
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(tmp))
    for k in range(len(all_x)):
        writer.add_node(mutable.Node(id=k + 1, location=(float(lon[k]), float(lat[k]))))
    tags = {"highway": "residential"}
    for w, refs in enumerate(runs):
        writer.add_way(mutable.Way(id=w + 1, nodes=refs, tags=tags))
    writer.close()
    tmp.rename(path)

    nodes_target = 0.95 * n
    scale = nodes_target / 150_000
    lo, hi = np.array([x0, y0]), np.array([x0, y0]) + (side - 1) * STEP_M
    homes = rng.uniform(lo, hi, size=(int(nodes_target / 2.15), 2))
    facs = {c: rng.uniform(lo, hi, size=(max(1, round(k * scale)), 2)) for c, k in FACILITY_COUNTS.items()}
    np.savez(folder / "points.npz", homes=homes, **{f"fac_{c}": v for c, v in facs.items()})
    return {"osm_nodes": len(all_x), "osm_ways": len(runs), "pbf_mb": round(path.stat().st_size / 2**20, 1)}


# ------------------------------------------------------------------ children


def child_baseline() -> dict:
    import networkx  # noqa: F401
    import osmium  # noqa: F401
    import scipy.sparse.csgraph  # noqa: F401
    import shapely  # noqa: F401

    import afweging.analyses.reach.reachability
    import afweging.data.streets  # noqa: F401

    return {"peak_mb": _peak_mb()}


def child_new(folder: Path) -> dict:
    from afweging.analyses.reach.graph import build_array_graph
    from afweging.data.streets import read_network

    base = _peak_mb()
    cpu_r, wall_r, net = _timed(lambda: read_network(folder / "town.osm.pbf", mode="walk"))
    cpu_b, wall_b, ag = _timed(lambda: build_array_graph(net, "walk"))
    peak = _peak_mb()
    arrays = folder / "network.npz"
    if not arrays.exists():  # the networkx path starts from these arrays
        np.savez(arrays, node_ids=net.node_ids, xy=net.xy, u=net.u, v=net.v, length_m=net.length_m,
                 oneway=net.oneway, contraflow=net.contraflow,
                 geom_offsets=net.geom_offsets if net.geom_offsets is not None else np.zeros(0),
                 geom_xy=net.geom_xy if net.geom_xy is not None else np.zeros((0, 2)))
    return {
        "nodes": ag.n_nodes, "streets": ag.n_streets, "directed_edges": ag.n_edges,
        "stored_edges": net.n_edges,
        "read_cpu_s": cpu_r, "read_wall_s": wall_r, "array_graph_cpu_s": cpu_b,
        "array_graph_wall_s": wall_b, "cpu_s": cpu_r + cpu_b, "wall_s": wall_r + wall_b,
        "imports_peak_mb": base, "peak_mb": peak,
        "street_network_mb": net.nbytes / 2**20, "array_graph_mb": ag.nbytes / 2**20,
        "digest": _digest(ag),
    }


def child_networkx(folder: Path) -> dict:
    import networkx as nx

    from afweging import settings
    from afweging.analyses.reach.graph import build_array_graph
    from afweging.geo.network import StreetNetwork, from_networkx

    d = dict(np.load(folder / "network.npz"))
    has_geom = len(d["geom_xy"]) > 0
    net = StreetNetwork(
        node_ids=d["node_ids"], xy=d["xy"], u=d["u"], v=d["v"], length_m=d["length_m"],
        oneway=d["oneway"], contraflow=d["contraflow"],
        geom_offsets=d["geom_offsets"] if has_geom else None, geom_xy=d["geom_xy"] if has_geom else None,
    )
    inner = net.interior_counts()
    with_geom = np.flatnonzero(inner > 0)
    del d
    base = _peak_mb()

    def build_graph():
        G = nx.MultiDiGraph(crs=settings.crs)
        ids = net.node_ids.tolist()
        G.add_nodes_from((i, {"x": float(px), "y": float(py)})
                         for i, (px, py) in zip(ids, net.xy.tolist(), strict=True))
        geoms = dict(zip(with_geom.tolist(), net.lines(with_geom).tolist(), strict=True))
        us, vs = net.u.tolist(), net.v.tolist()
        lengths, oneways = net.length_m.tolist(), net.oneway.tolist()
        for e in range(net.n_edges):
            attrs = {"length": lengths[e], "oneway": oneways[e]}
            g = geoms.get(e)
            if g is not None:
                attrs["geometry"] = g
            G.add_edge(ids[us[e]], ids[vs[e]], **attrs)
        return G

    cpu_g, wall_g, G = _timed(build_graph)
    graph_peak = _peak_mb()
    cpu_c, wall_c, ag = _timed(lambda: build_array_graph(from_networkx(G), "walk"))
    return {
        "nodes": ag.n_nodes, "graph_cpu_s": cpu_g, "graph_wall_s": wall_g, "convert_cpu_s": cpu_c,
        "convert_wall_s": wall_c, "cpu_s": cpu_g + cpu_c, "wall_s": wall_g + wall_c,
        "arrays_loaded_peak_mb": base, "graph_built_peak_mb": graph_peak, "peak_mb": _peak_mb(),
        "digest": _digest(ag),
    }


def child_search(folder: Path, repeat: int) -> dict:
    from scipy.sparse.csgraph import dijkstra

    from afweging import settings
    from afweging.analyses.reach.graph import build_array_graph
    from afweging.analyses.reach.reachability import _mode_times
    from afweging.data.streets import read_network
    from afweging.geo.snap import kdtree

    ag = build_array_graph(read_network(folder / "town.osm.pbf", mode="walk"), "walk")
    pts = np.load(folder / "points.npz")
    homes = pts["homes"]
    facs = {c: pts[f"fac_{c}"] for c in FACILITY_COUNTS}
    speed = settings.speed_m_per_min("walk")
    limit_m = MAX_MINUTES * speed
    base = _peak_mb()

    def engine_cached():
        return _mode_times(ag, homes, facs, speed_m_per_min=speed, max_minutes=MAX_MINUTES,
                           max_snap_distance_m=settings.max_snap_distance_m,
                           detour_factor=settings.detour_factor)

    def engine():
        ag._segments = None  # the snapping index over the streets is part of the cost
        ag._street_geom_m = None
        return engine_cached()

    node_tree = kdtree(ag.xy)
    fac_nodes = {c: np.unique(node_tree.query(f)[1]) for c, f in facs.items()}
    del node_tree

    def floor():
        return {c: dijkstra(ag.backward, directed=True, indices=nd, min_only=True, limit=limit_m)
                for c, nd in fac_nodes.items()}

    engine_cached()  # warm-up: first-call costs (imports, allocator) are not the engine's
    best: dict[str, list[float]] = {k: [np.inf, np.inf] for k in ("engine", "floor", "cached")}
    rounds: list[dict[str, float]] = []
    mt = None
    for _ in range(repeat):  # interleaved, so all see the same load
        cpu: dict[str, float] = {}
        for name, fn in (("floor", floor), ("engine", engine), ("cached", engine_cached)):
            c, w, out = _timed(fn)
            cpu[name] = c
            best[name] = [min(best[name][0], c), min(best[name][1], w)]
            if name == "engine":
                mt = out
        rounds.append(cpu)
    assert mt is not None
    paired = np.array([r["engine"] / r["floor"] for r in rounds])
    paired_cached = np.array([r["cached"] / r["floor"] for r in rounds])
    return {
        "nodes": ag.n_nodes, "homes": len(homes), "facilities": int(sum(len(f) for f in facs.values())),
        "homes_network": int(mt.report["homes_network"]), "repeat": repeat,
        "engine_cpu_s": best["engine"][0], "engine_wall_s": best["engine"][1],
        "floor_cpu_s": best["floor"][0], "floor_wall_s": best["floor"][1],
        "engine_over_floor_cpu": best["engine"][0] / best["floor"][0],
        "engine_over_floor_wall": best["engine"][1] / best["floor"][1],
        # the snapping index built once with the graph (it is cached on the ArrayGraph, as
        # the CSR matrices the floor uses are)
        "engine_index_cached_cpu_s": best["cached"][0],
        "engine_index_cached_over_floor_cpu": best["cached"][0] / best["floor"][0],
        # each round's engine over the same round's floor: the two ran back to back, so a
        # load change between rounds cancels out (best-of pairs a quiet engine round with
        # perhaps another round's floor)
        "engine_over_floor_cpu_paired_median": float(np.median(paired)),
        "engine_over_floor_cpu_paired_max": float(paired.max()),
        "engine_index_cached_over_floor_cpu_paired_median": float(np.median(paired_cached)),
        "rounds_cpu_s": [{k: round(v, 4) for k, v in r.items()} for r in rounds],
        "graph_loaded_peak_mb": base, "peak_mb": _peak_mb(),
    }


def run_child(kind: str, folder: Path, *extra: str) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--folder", str(folder), *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated of {list(SIZES)}")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "afweging-bench-network")
    ap.add_argument("--skip-networkx-above", type=int, default=10**9,
                    help="leave the networkx path out above this many grid nodes")
    ap.add_argument("--repeat", type=int, default=3, help="search repeats (best of) below 1 M nodes")
    ap.add_argument("--repeat-large", type=int, default=1, help="search repeats (best of) from 1 M nodes")
    ap.add_argument("--configs", default="new,networkx,search",
                    help="comma-separated of new, networkx (needs new), search")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args()
    if args.child:
        warnings.simplefilter("ignore")
        fn = {"baseline": lambda: child_baseline(), "new": lambda: child_new(args.folder),
              "networkx": lambda: child_networkx(args.folder),
              "search": lambda: child_search(args.folder, int(rest[0]) if rest else 1),
              "make": lambda: make_extract(int(rest[0]), args.folder)}[args.child]
        print(json.dumps(fn()))
        return

    result: dict = {
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "load_average_1min_at_start": round(os.getloadavg()[0], 2)},
        "setup": {"step_m": STEP_M, "mode": "walk", "max_minutes": MAX_MINUTES,
                  "categories": len(FACILITY_COUNTS)},
        "python_baseline_mb": round(run_child("baseline", args.workdir)["peak_mb"], 1),
        "sizes": {},
    }
    for name in args.sizes.split(","):
        side = SIZES[name] if name in SIZES else int(name.removeprefix("side"))
        folder = args.workdir / f"grid{side}"
        folder.mkdir(parents=True, exist_ok=True)
        row: dict = {"grid_side": side}
        if not (folder / "town.osm.pbf").exists() or not (folder / "points.npz").exists():
            t = time.perf_counter()
            row["extract"] = run_child("make", folder, str(side))
            print(f"[{name}] extract written in {time.perf_counter() - t:.0f} s: {row['extract']}", flush=True)
        configs = set(args.configs.split(","))
        new = None
        if "new" in configs:
            (folder / "network.npz").unlink(missing_ok=True)
            row["new_builder"] = new = run_child("new", folder)
            print(f"[{name}] new builder: {new['nodes']:,} nodes, {new['cpu_s']:.1f} s CPU, "
                  f"peak {new['peak_mb']:.0f} MB", flush=True)
        if new is not None and "networkx" in configs and side * side <= args.skip_networkx_above:
            row["networkx_path"] = nxp = run_child("networkx", folder)
            assert nxp["digest"] == new["digest"], "the two paths built different graphs"
            print(f"[{name}] networkx path: {nxp['cpu_s']:.1f} s CPU, peak {nxp['peak_mb']:.0f} MB", flush=True)
            row["ratios_new_over_networkx"] = {
                "cpu": round(new["cpu_s"] / nxp["cpu_s"], 3),
                "peak_memory": round(new["peak_mb"] / nxp["peak_mb"], 3),
            }
        if "search" in configs:
            repeat = args.repeat if side * side < 10**6 else args.repeat_large
            row["search"] = s = run_child("search", folder, str(repeat))
            print(f"[{name}] search + snapping {s['engine_cpu_s']:.2f} s, floor {s['floor_cpu_s']:.2f} s CPU: "
                  f"{s['engine_over_floor_cpu']:.2f}x ({s['engine_index_cached_over_floor_cpu']:.2f}x with the "
                  f"snapping index built with the graph); per round median "
                  f"{s['engine_over_floor_cpu_paired_median']:.2f}x, max {s['engine_over_floor_cpu_paired_max']:.2f}x",
                  flush=True)
        if new is not None:
            row["bytes_per_node_peak"] = round(new["peak_mb"] * 2**20 / new["nodes"], 1)
            row["bytes_per_node_above_imports"] = round(
                (new["peak_mb"] - new["imports_peak_mb"]) * 2**20 / new["nodes"], 1)
        result["sizes"][name] = row
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")

    rows = [r for r in result["sizes"].values() if "new_builder" in r]
    if len(rows) >= 2:
        n = np.array([r["new_builder"]["nodes"] for r in rows], dtype=float)
        p = np.array([r["new_builder"]["peak_mb"] for r in rows], dtype=float)
        slope, icept = np.polyfit(n, p, 1)
        result["projection_10M_nodes"] = {
            "peak_mb": round(float(icept + slope * 1e7), 0),
            "mb_per_million_nodes": round(float(slope * 1e6), 1),
            "bytes_per_node_marginal": round(float(slope * 2**20), 1),
            "intercept_mb": round(float(icept), 1),
        }
    result["machine"]["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    result["targets"] = {"peak_mb_at_2.4M_max": 1024, "build_s_at_2.4M_max": 10.0,
                         "engine_over_floor_max": 1.5}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result.get("projection_10M_nodes", {})))
    print(f"(written to {args.out})")


if __name__ == "__main__":
    main()
