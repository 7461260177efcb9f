"""Benchmark: the project's numpy .osm.pbf decoder against the best pyosmium reader for the same output.

What each reader produces, and what is compared bit for bit before anything is timed
(a sha256 over the arrays): the kept ways in file order (their node references, flat
``int64``, and the count per way), each way's four flags from the walk judge of
:func:`afweging.data.streets._way_judge` (osmnx's ``walk`` filter and one-way rules, called
once per distinct combination of the relevant tag values in both readers), the sorted
unique node ids those ways use and their lon/lat (``float64``), nothing else. No networkx.

* ``decoder``: what :func:`afweging.data.streets._read_pbf` calls,
  :func:`afweging.data._pbf.read_ways` then :func:`afweging.data._pbf.read_locations`
  (the sorted unique references in between, by ``np.sort``);
* ``osmium_one_pass``: ``osmium.FileProcessor(NODE | WAY).with_locations(storage)`` with
  ``KeyFilter('highway')`` for ways and ``EntityFilter(WAY)`` (libosmium stores every node
  location in its index in C++; only highway ways reach Python); per kept way the tags
  the judge needs (``tags_get_value_by_key`` of the way's C++ object, what ``TagList.get``
  calls, without the Python wrapper: 0.27 against 0.38 s for 96k ways) and the node
  references (through ``NodeRefList._list.get``, again a pyosmium internal, about 15 %
  faster than iterating ``way.nodes``); then one ``node_location_storage.get`` per unique node id (cheaper than
  reading the location of every reference);
* ``osmium_two_pass``: the ways alone (``FileProcessor(WAY)`` + ``KeyFilter('highway')``),
  then the nodes alone through ``osmium.filter.IdFilter`` of the unique references (only
  the wanted nodes reach Python; their fixed-point ``location.x``/``y``);
* ``pyrosm`` (only with ``--pyrosm-python``: an interpreter whose environment has pyrosm,
  e.g. a throwaway venv with a ``.pth`` to the project's; see :func:`read_pyrosm`):
  ``OSM(keep_node_info=True).get_data_by_custom_criteria({'highway': True},
  keep_other_tags=False)``, the judge per way on its tag columns, lon/lat from the way
  geometries. It gave the same arrays bit for bit on every input.

Coordinates are libosmium's fixed-point 1e-7 degrees; both pyosmium readers divide them by
1e7 as ``Location.lon``/``lat`` do (checked against ``Location.lon``/``lat`` in the
verification).

Inputs: the synthetic towns of ``bench_network_scale.py`` (150k, 600k, 2.4M graph nodes;
every way a ``highway=residential`` street, so every way and almost every node is kept;
written with its ``make_extract`` when missing) and ``+bld`` variants of them with two
four-corner ``building=yes`` ways per block added (about eight in nine nodes then belong to
no street, as in a real Dutch extract, where buildings dominate); plus any ``*.osm.pbf``
under ``/work/shared/data`` (read-only; none at the time of writing).

Each run is its own Python process (so its peak ``ru_maxrss`` is its own); CPU seconds by
``time.process_time`` (all threads: pyosmium decompresses in a thread pool, so its wall
time can be below its CPU time; both are recorded). The readers run interleaved, their order
rotated every round; the JSON has the best of each and, per round, each pyosmium reader
over the same round's decoder (median and max), which a load change between rounds does not
skew. ``--profile`` adds, per input, the one-pass reader taken apart in stages (the file
read and location index with nothing handed to Python, the way objects handed over, the
tags judged, the references collected, the location lookups) and the decoder's
``read_ways`` / the sorted unique references / ``read_locations``.

Run from the repository root::

    nice python benchmarks/bench_pbf_reader.py [--sizes 150k,600k,2.4M,150k+bld,600k+bld] [--repeat 3] [--profile]

Writes ``benchmarks/results/bench_pbf_reader.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench_pbf_reader.json"
SHARED = HERE.parents[1] / "shared" / "data"
SIZES = {"150k": 398, "600k": 795, "2.4M": 1590}
IMPLS = ("decoder", "osmium_one_pass", "osmium_two_pass")
MODE = "walk"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _unique(ids: np.ndarray) -> np.ndarray:
    """``np.unique(ids)`` by a plain sort (numpy 2.4's ``np.unique`` took 5.4 s for 7.2 million
    int64 against 0.12 s for this; ``streets._read_pbf`` does not use it either)."""
    s = np.sort(ids)
    new = np.ones(len(s), dtype=bool)
    np.not_equal(s[1:], s[:-1], out=new[1:])
    return s[new]


def _digest(out: dict) -> str:
    h = hashlib.sha256()
    for k in ("refs", "counts", "flags", "node_ids", "lonlat"):
        a = np.ascontiguousarray(out[k])
        h.update(k.encode() + str(a.dtype).encode() + str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------ the readers


def read_decoder(path: Path) -> dict:
    from afweging.data import _pbf
    from afweging.data.streets import _way_judge

    keys, judge = _way_judge(MODE)
    found = _pbf.read_ways(path, relevant=keys, judge=judge, what="bench")
    refs = np.concatenate(found.refs) if found.refs else np.empty(0, dtype=np.int64)
    counts = np.concatenate(found.counts) if found.counts else np.empty(0, dtype=np.int64)
    flags = np.concatenate(found.flags) if found.flags else np.empty((0, 4), dtype=bool)
    uniq = _unique(refs)
    lonlat = _pbf.read_locations(path, uniq, found.node_blocks, what="bench", node_data=found.node_data)
    return {"refs": refs, "counts": counts, "flags": flags, "node_ids": uniq, "lonlat": lonlat}


def _judged(keys, judge):
    cache: dict = {}

    def flags_of(way) -> tuple:
        # TagList.get without its Python wrapper (about 1 us a way less): the first value of a
        # repeated key, as the decoder
        get = way._pyosmium_data.tags_get_value_by_key
        vals = tuple([get(k, None) for k in keys])
        hit = cache.get(vals)
        if hit is None:
            hit = cache[vals] = judge({k: v for k, v in zip(keys, vals, strict=True) if v is not None})
        return hit

    return flags_of


def _ways_into(way_iter, flags_of, *, stage: int = 9) -> tuple[array, array, list]:
    """Kept ways' references, counts and flags from an iterator of pyosmium ways.
    ``stage`` (profiling): 0 only iterate, 1 judge the tags, 9 everything."""
    refs, counts, flags = array("q"), array("q"), []
    for w in way_iter:
        if stage == 0:
            continue
        hit = flags_of(w)
        if not hit[0] or stage == 1:
            continue
        lst, data = w.nodes._list, w._pyosmium_data
        n = lst.size(data)
        refs.extend([lst.get(data, i).ref for i in range(n)])
        counts.append(n)
        flags.append(hit[1:])
    return refs, counts, flags


def _finish(refs: array, counts: array, flags: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r = np.frombuffer(refs, dtype=np.int64) if len(refs) else np.empty(0, dtype=np.int64)
    c = np.frombuffer(counts, dtype=np.int64) if len(counts) else np.empty(0, dtype=np.int64)
    f = np.array(flags, dtype=bool).reshape(-1, 4)
    return r, c, f, _unique(r)


def read_osmium_one_pass(path: Path, *, storage: str = "flex_mem", stage: int = 9, check_lonlat: bool = False) -> dict:
    import osmium

    from afweging.data.streets import _way_judge

    keys, judge = _way_judge(MODE)
    way = osmium.osm.WAY
    highway = "highway" if stage >= 0 else "no such key"  # stage -1: nothing handed to Python
    fp = (osmium.FileProcessor(str(path), osmium.osm.NODE | way).with_locations(storage)
          .with_filter(osmium.filter.KeyFilter(highway).enable_for(way))
          .with_filter(osmium.filter.EntityFilter(way)))
    refs, counts, flags = _ways_into(fp, _judged(keys, judge), stage=stage)
    r, c, f, uniq = _finish(refs, counts, flags)
    if stage < 9:
        return {}
    st = fp.node_location_storage
    xy = np.empty((len(uniq), 2), dtype=np.int64)
    lon_direct = []
    for k, nid in enumerate(uniq.tolist()):
        loc = st.get(nid)  # KeyError when absent (the decoder reports missing nodes too)
        xy[k] = loc.x, loc.y
        if check_lonlat:
            lon_direct.append((loc.lon, loc.lat))
    lonlat = xy / 1e7
    if check_lonlat:
        assert np.array_equal(lonlat, np.array(lon_direct).reshape(-1, 2)), "x / 1e7 differs from Location.lon"
    return {"refs": r, "counts": c, "flags": f, "node_ids": uniq, "lonlat": lonlat}


def read_osmium_two_pass(path: Path) -> dict:
    import osmium

    from afweging.data.streets import _way_judge

    keys, judge = _way_judge(MODE)
    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    r, c, f, uniq = _finish(*_ways_into(fp, _judged(keys, judge)))
    ids, xs, ys = array("q"), array("q"), array("q")
    for n in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.IdFilter(uniq.tolist())):
        loc = n.location
        ids.append(n.id)
        xs.append(loc.x)
        ys.append(loc.y)
    got = np.frombuffer(ids, dtype=np.int64)
    order = np.argsort(got, kind="stable")
    if not np.array_equal(got[order], uniq):
        raise KeyError("nodes missing or repeated")
    lonlat = np.column_stack([np.frombuffer(xs, dtype=np.int64)[order], np.frombuffer(ys, dtype=np.int64)[order]]) / 1e7
    return {"refs": r, "counts": c, "flags": f, "node_ids": uniq, "lonlat": lonlat}


def read_pyrosm(path: Path) -> dict:
    """pyrosm (only with ``--pyrosm-python``, an interpreter that has it): the highway ways
    with their node lists and the judge's tags as columns; each node's lon/lat from the
    way geometries (one coordinate per reference), at its first reference. Ways sorted by
    id (file order in a sorted extract)."""
    import shapely
    from pyrosm import OSM

    from afweging.data.streets import _way_judge

    keys, judge = _way_judge(MODE)
    osm = OSM(str(path), keep_node_info=True, keep_metadata=False)
    gdf = osm.get_data_by_custom_criteria(custom_filter={"highway": True}, keep_nodes=False, keep_relations=False,
                                          tags_as_columns=keys, keep_other_tags=False)
    gdf = gdf.sort_values("id", kind="stable")
    cols = [gdf[k].tolist() if k in gdf.columns else [None] * len(gdf) for k in keys]
    flags_of = _judged(keys, judge)
    hits = [flags_of(_Tags(dict(zip(keys, (None if v != v else v for v in row), strict=True))))
            for row in zip(*cols, strict=True)]
    keep = np.array([h[0] for h in hits], dtype=bool)
    nodes = gdf["nodes"].tolist()
    refs_all = [np.asarray(n, dtype=np.int64) for n in nodes]
    counts_all = np.array([len(n) for n in refs_all], dtype=np.int64)
    coords = shapely.get_coordinates(gdf.geometry.values)
    if len(coords) != counts_all.sum():
        raise ValueError(f"{len(coords)} coordinates for {counts_all.sum()} references")
    all_refs = np.concatenate(refs_all)
    take = np.repeat(keep, counts_all)
    refs = all_refs[take]
    order = np.argsort(refs, kind="stable")  # first reference of each node
    s = refs[order]
    new = np.ones(len(s), dtype=bool)
    np.not_equal(s[1:], s[:-1], out=new[1:])
    uniq = s[new]
    lonlat = coords[take][order[new]]
    flags = np.array([h[1:] for h, k in zip(hits, keep, strict=True) if k], dtype=bool).reshape(-1, 4)
    return {"refs": refs, "counts": counts_all[keep], "flags": flags, "node_ids": uniq, "lonlat": lonlat}


class _Tags:
    """A dict seen through the way interface ``_judged`` expects."""

    def __init__(self, d: dict) -> None:
        self._pyosmium_data = self
        self.d = d

    def tags_get_value_by_key(self, k: str, default: str | None) -> str | None:
        return self.d.get(k, default)


READERS = {"decoder": read_decoder, "osmium_one_pass": read_osmium_one_pass, "osmium_two_pass": read_osmium_two_pass,
           "pyrosm": read_pyrosm}


# ------------------------------------------------------------------ children


def child_baseline() -> dict:
    import osmium  # noqa: F401

    import afweging.data._pbf
    import afweging.data.streets  # noqa: F401

    return {"peak_mb": _peak_mb()}


def child_run(impl: str, path: Path) -> dict:
    import osmium  # noqa: F401

    import afweging.data._pbf
    import afweging.data.streets  # noqa: F401

    if impl == "pyrosm":
        import pyrosm  # noqa: F401
    base = _peak_mb()
    c, w, kids = time.process_time(), time.perf_counter(), _children_cpu()
    out = READERS[impl](path)
    cpu, wall = time.process_time() - c, time.perf_counter() - w
    kids = _children_cpu() - kids  # worker processes (pyrosm's), not in process_time
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"cpu_s": cpu + kids, "own_cpu_s": cpu, "children_cpu_s": kids, "wall_s": wall, "imports_peak_mb": base,
            "peak_mb": _peak_mb(), "children_peak_mb": child_peak,
            "ways": len(out["counts"]), "refs": len(out["refs"]), "nodes": len(out["node_ids"]),
            "digest": _digest(out)}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def child_verify(path: Path, impls: list[str]) -> dict:
    """The readers in one process, compared with the decoder array by array (floats as
    bits; pyosmium's own Location.lon/lat checked against x / 1e7 on the way)."""
    ref = read_decoder(path)
    assert not np.isnan(ref["lonlat"]).any()
    same: dict = {}
    for name in impls:
        if name == "decoder":
            continue
        out = read_osmium_one_pass(path, check_lonlat=True) if name == "osmium_one_pass" else READERS[name](path)
        same[name] = {}
        for k in ref:
            a, b = ref[k], out[k]
            ok = a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
                a.view(np.uint8) if a.dtype == np.float64 else a, b.view(np.uint8) if b.dtype == np.float64 else b)
            same[name][k] = bool(ok)
            if not ok and k == "lonlat" and a.shape == b.shape:
                diff = np.abs(a - b)
                same[name]["lonlat_differing"] = int((a != b).any(axis=1).sum())
                same[name]["lonlat_max_abs_diff_deg"] = float(diff.max())
    return {"identical": {n: all(v for k, v in d.items() if k in ref) for n, d in same.items()}, "arrays": same,
            "digest": _digest(ref), "ways": len(ref["counts"]), "refs": len(ref["refs"]), "nodes": len(ref["node_ids"])}


def child_profile(path: Path) -> dict:
    """Where the time goes: CPU seconds of the one-pass reader cut off at each stage (each
    stage includes the ones before), a flex_mem / sparse_mem_array comparison, and the
    decoder's parts."""
    from afweging.data import _pbf
    from afweging.data.streets import _way_judge

    def cpu(fn) -> float:
        c = time.process_time()
        fn()
        return time.process_time() - c

    out: dict = {}
    out["osmium_read_and_location_index_nothing_to_python"] = cpu(lambda: read_osmium_one_pass(path, stage=-1))
    out["osmium_plus_ways_handed_to_python"] = cpu(lambda: read_osmium_one_pass(path, stage=0))
    out["osmium_plus_tags_judged"] = cpu(lambda: read_osmium_one_pass(path, stage=1))
    out["osmium_plus_refs_collected"] = cpu(lambda: read_osmium_one_pass(path, stage=2))
    out["osmium_plus_location_lookups_flex_mem"] = cpu(lambda: read_osmium_one_pass(path))
    out["osmium_plus_location_lookups_sparse_mem_array"] = cpu(
        lambda: read_osmium_one_pass(path, storage="sparse_mem_array"))
    keys, judge = _way_judge(MODE)
    c = time.process_time()
    found = _pbf.read_ways(path, relevant=keys, judge=judge, what="bench")
    out["decoder_read_ways"] = time.process_time() - c
    c = time.process_time()
    uniq = _unique(np.concatenate(found.refs))
    out["decoder_unique"] = time.process_time() - c
    out["decoder_node_blocks_kept_uncompressed"] = len(found.node_data)
    out["decoder_node_blocks"] = len(found.node_blocks)
    c = time.process_time()
    _pbf.read_locations(path, uniq, found.node_blocks, what="bench", node_data=found.node_data)
    out["decoder_read_locations"] = time.process_time() - c
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def make_buildings(src: Path, dst: Path) -> dict:
    """``src`` plus two ``building=yes`` ways (four corners, closed) per grid block, their
    nodes after the street nodes (ids stay sorted)."""
    import osmium
    from osmium.osm import mutable

    from afweging.data import _pbf

    side = int(src.parent.name.removeprefix("grid"))
    found = _pbf.read_ways(src, relevant=["highway"], judge=lambda t: (True, False, False, False, False), what="b")
    grid_ids = np.arange(1, side * side + 1, dtype=np.int64)
    lonlat = _pbf.read_locations(src, grid_ids, found.node_blocks, what="b", node_data=found.node_data)
    lon, lat = lonlat[:, 0].reshape(side, side), lonlat[:, 1].reshape(side, side)
    # block centres and a quarter of the block size; two houses per block, left and right
    cx = (lon[:-1, :-1] + lon[:-1, 1:] + lon[1:, :-1] + lon[1:, 1:]).ravel() / 4
    cy = (lat[:-1, :-1] + lat[:-1, 1:] + lat[1:, :-1] + lat[1:, 1:]).ravel() / 4
    dx, dy = 0.00025, 0.00015
    writer_tmp = dst.with_suffix(".tmp.pbf")
    writer_tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(writer_tmp))
    max_node = max_way = 0
    for obj in osmium.FileProcessor(str(src), osmium.osm.NODE):
        writer.add_node(obj)
        max_node = max(max_node, obj.id)
    nid = max_node + 1
    houses = []
    for k in range(len(cx)):
        for side_x in (-1, 1):
            x0 = cx[k] + side_x * dx * 1.2
            corners = [(x0 - dx / 2, cy[k] - dy), (x0 + dx / 2, cy[k] - dy), (x0 + dx / 2, cy[k] + dy),
                       (x0 - dx / 2, cy[k] + dy)]
            ids = []
            for x, y in corners:
                writer.add_node(mutable.Node(id=nid, location=(float(x), float(y))))
                ids.append(nid)
                nid += 1
            houses.append(ids + ids[:1])
    for obj in osmium.FileProcessor(str(src), osmium.osm.WAY):
        writer.add_way(obj)
        max_way = max(max_way, obj.id)
    tags = {"building": "yes"}
    for k, refs in enumerate(houses):
        writer.add_way(mutable.Way(id=max_way + 1 + k, nodes=refs, tags=tags))
    writer.close()
    writer_tmp.rename(dst)
    return {"building_ways": len(houses), "building_nodes": 4 * len(houses), "street_nodes": int(max_node),
            "pbf_mb": round(dst.stat().st_size / 2**20, 1)}


def run_child(*args: str, python: str | None = None) -> dict:
    cmd = [python or sys.executable, __file__, "--child", *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ main


def _inputs(args) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for name in args.sizes.split(","):
        if not name:
            continue
        base, bld = name.removesuffix("+bld"), name.endswith("+bld")
        side = SIZES[base]
        folder = args.workdir / f"grid{side}"
        town = folder / "town.osm.pbf"
        if not town.exists():
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, str(HERE / "bench_network_scale.py"), "--child", "make", "--folder",
                            str(folder), str(side)], check=True, capture_output=True)
        if bld:
            dst = folder / "town_buildings.osm.pbf"
            if not dst.exists():
                print(f"[{name}] writing {dst}: {run_child('buildings', str(town), str(dst))}", flush=True)
            found[name] = dst
        else:
            found[name] = town
    if SHARED.is_dir() and not args.no_shared:
        for p in sorted(SHARED.rglob("*.osm.pbf")):
            found[f"shared:{p.relative_to(SHARED)}"] = p
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="150k,600k,2.4M,150k+bld,600k+bld",
                    help=f"comma-separated of {list(SIZES)}, each optionally with +bld (buildings added)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "afweging-bench-network")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds per input")
    ap.add_argument("--impls", default=",".join(IMPLS), help=f"comma-separated of {list(IMPLS)}")
    ap.add_argument("--pyrosm-python", help="an interpreter that has pyrosm (and afweging's dependencies): "
                    "adds the pyrosm reader")
    ap.add_argument("--profile", action="store_true", help="also the stage-by-stage CPU per input")
    ap.add_argument("--no-shared", action="store_true", help=f"leave out *.osm.pbf under {SHARED}")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args()
    if args.child:
        fn = {"baseline": lambda: child_baseline(), "run": lambda: child_run(rest[0], Path(rest[1])),
              "verify": lambda: child_verify(Path(rest[0]), rest[1].split(",")), "profile": lambda: child_profile(Path(rest[0])),
              "buildings": lambda: make_buildings(Path(rest[0]), Path(rest[1]))}[args.child]
        print(json.dumps(fn()))
        return

    import osmium.version

    impls = args.impls.split(",")
    if args.pyrosm_python and "pyrosm" not in impls:
        impls.append("pyrosm")
    python = {"pyrosm": args.pyrosm_python}
    result: dict = {
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "pyosmium": osmium.version.pyosmium_release, "libosmium": osmium.version.libosmium_version,
                    "numpy": np.__version__, "load_average_1min_at_start": round(os.getloadavg()[0], 2)},
        "setup": {"mode": MODE, "repeat": args.repeat, "impls": impls},
        "python_baseline_mb": round(run_child("baseline")["peak_mb"], 1),
        "inputs": {},
    }
    for name, path in _inputs(args).items():
        row: dict = {"path": str(path), "pbf_mb": round(path.stat().st_size / 2**20, 1)}
        row["verify"] = v = run_child("verify", str(path), ",".join(i for i in impls if i != "pyrosm"))
        if "pyrosm" in impls:
            vr = run_child("verify", str(path), "pyrosm", python=args.pyrosm_python)
            assert vr["digest"] == v["digest"]
            v["identical"].update(vr["identical"])
            v["arrays"].update(vr["arrays"])
        assert all(v["identical"][i] for i in impls if i not in ("decoder", "pyrosm")), v
        print(f"[{name}] {v['ways']:,} ways, {v['refs']:,} refs, {v['nodes']:,} nodes; identical to the decoder: "
              f"{v['identical']}", flush=True)
        rounds: list[dict] = []
        for r in range(args.repeat):  # interleaved, the order rotated each round
            order = impls[r % len(impls):] + impls[:r % len(impls)]
            got = {}
            for impl in order:
                got[impl] = run_child("run", impl, str(path), python=python.get(impl))
                assert got[impl]["digest"] == v["digest"] or not v["identical"][impl], (name, impl, "output differs")
            rounds.append(got)
            print(f"[{name}] round {r + 1}: " + ", ".join(
                f"{k} {g['cpu_s']:.2f} s / {g['peak_mb']:.0f} MB" for k, g in got.items()), flush=True)
        best = {}
        for impl in impls:
            runs = [rd[impl] for rd in rounds]
            best[impl] = {"cpu_s": round(min(x["cpu_s"] for x in runs), 4),
                          "wall_s": round(min(x["wall_s"] for x in runs), 4),
                          "cpu_s_median": round(statistics.median(x["cpu_s"] for x in runs), 4),
                          "peak_mb": round(statistics.median(x["peak_mb"] for x in runs), 1),
                          "imports_peak_mb": round(statistics.median(x["imports_peak_mb"] for x in runs), 1)}
        row["best"] = best
        if "decoder" in impls:
            row["over_decoder"] = {}
            for impl in impls:
                if impl == "decoder":
                    continue
                paired = [rd[impl]["cpu_s"] / rd["decoder"]["cpu_s"] for rd in rounds]
                row["over_decoder"][impl] = {
                    "cpu_best_of": round(best[impl]["cpu_s"] / best["decoder"]["cpu_s"], 2),
                    "cpu_paired_median": round(statistics.median(paired), 2),
                    "cpu_paired_max": round(max(paired), 2),
                    "wall_best_of": round(best[impl]["wall_s"] / best["decoder"]["wall_s"], 2),
                    "peak_mb": round(best[impl]["peak_mb"] / best["decoder"]["peak_mb"], 2),
                }
            print(f"[{name}] over the decoder: {row['over_decoder']}", flush=True)
        row["rounds_cpu_s"] = [{k: round(g["cpu_s"], 4) for k, g in rd.items()} for rd in rounds]
        if "pyrosm" in impls:
            row["rounds_pyrosm_workers_cpu_s"] = [round(rd["pyrosm"]["children_cpu_s"], 4) for rd in rounds]
            row["rounds_pyrosm_workers_peak_mb"] = [round(rd["pyrosm"]["children_peak_mb"], 1) for rd in rounds]
        row["rounds_peak_mb"] = [{k: round(g["peak_mb"], 1) for k, g in rd.items()} for rd in rounds]
        if args.profile:
            row["profile_cpu_s"] = prof = run_child("profile", str(path))
            print(f"[{name}] profile: {prof}", flush=True)
        result["inputs"][name] = row
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    result["machine"]["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"(written to {args.out})")


if __name__ == "__main__":
    main()
