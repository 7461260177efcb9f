"""Benchmark: ``reachability()`` of the current code against an earlier version of the
engine module, in one process (interleaved A/B, CPU time).

The earlier version is a copy of ``afweging/analyses/reach/reachability.py`` (e.g.
``git show <commit>:afweging/analyses/reach/reachability.py > /tmp/reach_before.py``),
imported as a module of its own next to the current one (the rest of the package is the
current code). Both run ``--repeat`` times on the same Area (Utrecht: 64,669 homes, walk
and bike networks of Kanaleneiland only, the rest on the straight-line fallback; or the
demo), alternating; the results must be equal (homes, buurten, facility report and the
report without its timing column).

Run from the repository root::

    git show <commit>:afweging/analyses/reach/reachability.py > /tmp/reach_before.py
    nice python benchmarks/bench_reach_ab.py --before /tmp/reach_before.py

Writes ``benchmarks/results/bench_reach_ab.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
UTRECHT = ROOT.parent / "shared" / "data" / "utrecht" / "area.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True, help="a copy of the earlier reachability.py")
    ap.add_argument("--area", default=str(UTRECHT), help="area.toml, or 'demo'")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bench_reach_ab.json")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    spec = importlib.util.spec_from_file_location("reach_before", args.before)
    assert spec is not None and spec.loader is not None
    before = importlib.util.module_from_spec(spec)
    sys.modules["reach_before"] = before
    spec.loader.exec_module(before)
    import afweging.analyses.reach.reachability  # noqa: F401 (the module, not the function)

    after = sys.modules["afweging.analyses.reach.reachability"]
    if args.area == "demo":
        from afweging.data.demo import demo_area

        area = demo_area()
    else:
        from afweging.data.manifest import load_area

        area = load_area(args.area)
    runs = {"before": before.reachability, "after": after.reachability}
    out = {k: fn(area) for k, fn in runs.items()}  # warm-up (array graphs, tag table), and equal
    a, b = out["before"], out["after"]
    pd.testing.assert_frame_equal(a.homes, b.homes, check_exact=True)
    pd.testing.assert_frame_equal(a.buurten, b.buurten, check_exact=True)
    pd.testing.assert_frame_equal(a.facility_report, b.facility_report, check_exact=True)
    pd.testing.assert_frame_equal(a.report.drop(columns="seconds"), b.report.drop(columns="seconds"),
                                  check_exact=True)
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeat):
        for k, fn in runs.items():
            t = time.process_time()
            fn(area)
            cpu[k].append(time.process_time() - t)
    med = {k: statistics.median(v) for k, v in cpu.items()}
    result = {
        "area": args.area, "homes": len(area.homes), "repeat": args.repeat, "before": str(args.before),
        "cpu_s": {k: [round(x, 3) for x in v] for k, v in cpu.items()},
        "cpu_s_median": {k: round(v, 3) for k, v in med.items()},
        "ratio_before_to_after": round(med["before"] / med["after"], 3),
        "python": platform.python_version(),
    }
    print(f"reachability(): before {med['before']:.3f} s, after {med['after']:.3f} s CPU "
          f"(x{med['before'] / med['after']:.2f}), {len(area.homes)} homes")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
