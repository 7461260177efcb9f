"""Benchmark: reading a GeoPackage of plain street lines, noded at shared vertices.

:func:`afweging.data.streets.network_from_gpkg` cuts plain lines (no ``u``/``v``) at every
interior vertex that another vertex shares (``_split_at_shared_vertices``, numpy only).
This script times the reader against the reader of an earlier revision (``--before``,
default ``4e123c2``, which joined lines only at their ends; its ``streets.py`` is loaded
from git into the same process), interleaved (A B A B ...), ``--repeat`` times each, CPU
time (``time.process_time``), and records what each makes of the network (nodes, edges,
weakly and strongly connected components for walking and cycling):

* ``utrecht``: the Geofabrik cycleways of Utrecht
  (``/work/shared/data/utrecht/network/utrecht_osm_cycleways_geofabrik_20231220.gpkg``,
  3,350 ways; its MultiLineStrings exploded into 3,353 lines first, not timed);
* ``grid``: a synthetic grid of whole ways, ``--grid`` streets each way, every street one
  line through all its crossings (each crossing an interior vertex of both lines), 30 m
  blocks with a bend vertex in every block: ``2 g (2g - 1)`` vertices. Noded, its nodes
  are the ``g**2`` crossings (the street ends are crossings too) and its edges the
  ``2 g (g - 1)`` blocks (checked);
* ``grid_blocks``: the same grid already cut into one line per block, which both readers
  read as the same network as the noded whole ways (checked): the cost of the new reader
  on data that needs no cuts, and what the old reader took for the same network.

The splitter alone (``_split_at_shared_vertices`` on the read coordinates) is timed too.

Run from the repository root::

    nice python benchmarks/bench_gpkg_lines.py

Writes ``benchmarks/results/bench_gpkg_lines.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse.csgraph import connected_components

from afweging.analyses.reach.graph import build_array_graph
from afweging.data import streets

ROOT = Path(__file__).resolve().parents[1]
CYCLEWAYS = ROOT.parents[0] / "shared" / "data" / "utrecht" / "network" / "utrecht_osm_cycleways_geofabrik_20231220.gpkg"


def _old_reader(rev: str):
    """``network_from_gpkg`` of revision ``rev`` (its streets.py loaded under another name)."""
    src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:afweging/data/streets.py"],
                         capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "streets_before.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("afweging.data._streets_before", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.network_from_gpkg


def _shape(net) -> dict:
    out = {"nodes": int(net.n_nodes), "edges": int(net.n_edges), "km": round(float(net.length_m.sum()) / 1000, 3)}
    for mode in ("walk", "bike"):
        ag = build_array_graph(net, mode)
        out[f"{mode}_weak_components"] = int(connected_components(ag.forward, directed=True, connection="weak")[0])
        out[f"{mode}_strong_components"] = int(connected_components(ag.forward, directed=True, connection="strong")[0])
    return out


def _write_grid(path: Path, g: int, *, blocks: bool = False) -> None:
    import geopandas as gpd

    step = 30.0
    t = np.arange(2 * g - 1) * step / 2  # crossings at even positions, a bend between them
    bend = np.where(np.arange(2 * g - 1) % 2 == 1, 3.0, 0.0)
    lines = []
    for i in range(g):
        c = i * step
        for street in (np.c_[t, c + bend], np.c_[c + bend, t]):  # east-west and north-south street i
            if blocks:  # already cut at every crossing: one line per block
                lines.extend(shapely.linestrings(street[2 * j:2 * j + 3]) for j in range(g - 1))
            else:
                lines.append(shapely.linestrings(street))
    gpd.GeoDataFrame(geometry=lines, crs="EPSG:28992").to_file(path, layer="straten")


def _time(readers: dict, path: Path, repeat: int) -> dict:
    cpu: dict[str, list[float]] = {k: [] for k in readers}
    for _ in range(repeat):
        for name, read in readers.items():
            t = time.process_time()
            read(path)
            cpu[name].append(time.process_time() - t)
    return {k: {"median_cpu_s": statistics.median(v), "all_cpu_s": [round(x, 4) for x in v]} for k, v in cpu.items()}


def _time_split(path: Path, repeat: int) -> dict:
    import geopandas as gpd

    geoms = gpd.read_file(path, engine="pyogrio").geometry.to_numpy()
    coords, gi = shapely.get_coordinates(geoms, return_index=True)
    count = np.bincount(gi, minlength=len(geoms))
    first_c = np.cumsum(count) - count
    cpu = []
    for _ in range(repeat):
        t = time.process_time()
        _, _, line_of = streets._split_at_shared_vertices(coords, gi, first_c, count)
        cpu.append(time.process_time() - t)
    return {"vertices": len(coords), "lines": len(geoms), "pieces": len(line_of),
            "cuts": len(line_of) - len(geoms), "median_cpu_s": statistics.median(cpu)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", default="4e123c2", help="git revision of the reader to compare with")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--grid", type=int, default=300, help="streets each way in the synthetic grid")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "bench_gpkg_lines.json"))
    args = ap.parse_args()
    readers = {"before": _old_reader(args.before), "after": streets.network_from_gpkg}
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        cases = {}
        if CYCLEWAYS.exists():
            import geopandas as gpd

            ways = gpd.read_file(CYCLEWAYS, layer="cycleways", engine="pyogrio")
            lines = ways.explode(index_parts=False).reset_index(drop=True)
            cases["utrecht"] = Path(tmp) / "cycleways.gpkg"
            lines.to_file(cases["utrecht"], layer="cycleways")
        else:
            print(f"{CYCLEWAYS} not found: Utrecht left out", file=sys.stderr)
        cases["grid"] = Path(tmp) / "grid.gpkg"
        _write_grid(cases["grid"], args.grid)
        cases["grid_blocks"] = Path(tmp) / "grid_blocks.gpkg"
        _write_grid(cases["grid_blocks"], args.grid, blocks=True)
        for name, path in cases.items():
            res = {k: _shape(r(path)) for k, r in readers.items()}
            res.update({f"{k}_timing": v for k, v in _time(readers, path, args.repeat).items()})
            res["after_over_before_cpu"] = res["after_timing"]["median_cpu_s"] / res["before_timing"]["median_cpu_s"]
            res["split_alone"] = _time_split(path, args.repeat)
            results[name] = res
            print(f"{name}: before {res['before']}\n{'':>{len(name) + 2}}after  {res['after']}")
            print(f"{'':>{len(name) + 2}}CPU {res['before_timing']['median_cpu_s']:.3f} -> "
                  f"{res['after_timing']['median_cpu_s']:.3f} s ({res['after_over_before_cpu']:.2f}x); "
                  f"the split alone {res['split_alone']['median_cpu_s']:.4f} s for {res['split_alone']['vertices']:,} "
                  f"vertices, {res['split_alone']['cuts']:,} cuts")
    g = args.grid
    grid = results["grid"]["after"]
    assert grid["nodes"] == g * g and grid["edges"] == 2 * g * (g - 1), grid
    assert results["grid_blocks"]["before"] == results["grid_blocks"]["after"] == grid
    results["meta"] = {
        "before": args.before, "repeat": args.repeat, "grid": g, "python": platform.python_version(),
        "machine": platform.machine(), "load_1min": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d"),
        "cpu": "time.process_time, median; before and after interleaved in one process",
    }
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
