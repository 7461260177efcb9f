"""Benchmark: CPU time of one plan check on a warm baseline, as a studio worker makes it,
for two checkouts of the code in one session (before/after a change).

Each round runs, per checkout, a fresh process that loads the area, prepares the baseline,
passes it through pickle (as the studio's workers receive it), calls ``Baseline.warm()``
where that exists (the workers do at start), and then makes ``--checks`` checks of the
example plan with :func:`afweging.studio.worker.check` (the request's job: read the plan
from the request's bytes, check it, build ``plan_check.json``). It records the CPU time
of every check (``time.process_time``: the machine is shared, and CPU time is distorted
less by other load than wall time) and the sha256 of the answer, which must be the same
for both checkouts. Rounds alternate the checkouts (A B A B ...), so a change in the
machine's load hits both.

Run from the repository root::

    python benchmarks/bench_plan_warm.py --before /tmp/before --after .          # Utrecht
    python benchmarks/bench_plan_warm.py --before /tmp/before --after . --demo

Writes ``benchmarks/results/bench_plan_warm[_demo].json``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UTRECHT = ROOT.parent / "shared" / "data" / "utrecht" / "area.toml"

_CHILD = r"""
import hashlib, json, pickle, sys, time, warnings
sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore")
from pathlib import Path
from afweging.analyses.plan import prepare_baseline
from afweging.studio import worker
manifest, plan, n = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
if manifest == "demo":
    from afweging.data.demo import demo_area
    area = demo_area()
else:
    from afweging.data.manifest import load_area
    area = load_area(manifest)
base = pickle.loads(pickle.dumps(prepare_baseline(area), protocol=pickle.HIGHEST_PROTOCOL))
t = time.process_time()
if hasattr(base, "warm"):
    base.warm()
warm_ms = 1000 * (time.process_time() - t)
worker._state["baseline"] = base
body = plan.read_bytes()
first = worker.check(body, None, False, "json")
assert first.status == 200, first.body
cpu = []
for _ in range(n):
    t = time.process_time()
    out = worker.check(body, None, False, "json")
    cpu.append(1000 * (time.process_time() - t))
    assert out.body == first.body
print(json.dumps({"first_ms": first.cpu_ms, "warm_ms": warm_ms, "cpu_ms": cpu,
                  "sha256": hashlib.sha256(first.body.encode("utf-8")).hexdigest()}))
"""


def _q(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[max(0, math.ceil(p * len(s)) - 1)], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="checkout of the code before")
    ap.add_argument("--after", type=Path, default=ROOT, help="checkout of the code after (default: this one)")
    ap.add_argument("--manifest", type=Path, default=UTRECHT)
    ap.add_argument("--demo", action="store_true")
    ap.add_argument("--checks", type=int, default=15, help="checks per process")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    plan = ROOT / "examples" / ("plan_demostad.geojson" if args.demo else "plan_utrecht.geojson")
    manifest = "demo" if args.demo else str(args.manifest)
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for r in range(args.rounds):
        for label, code in (("before", args.before), ("after", args.after)):
            p = subprocess.run([sys.executable, "-c", _CHILD, str(code.resolve()), manifest, str(plan),
                                str(args.checks)], capture_output=True, text=True, check=False)
            if p.returncode != 0:
                raise SystemExit(f"{label} failed:\n{p.stderr[-3000:]}")
            run = json.loads(p.stdout.strip().splitlines()[-1])
            runs[label].append(run)
            print(f"round {r + 1} {label}: p50 {_q(run['cpu_ms'], 0.5)} ms, p95 {_q(run['cpu_ms'], 0.95)} ms, "
                  f"first {run['first_ms']:.0f} ms", flush=True)
    result: dict[str, object] = {"area": manifest, "plan": plan.name, "checks_per_process": args.checks,
                                 "rounds": args.rounds}
    for label, rs in runs.items():
        cpu = [c for run in rs for c in run["cpu_ms"]]
        result[label] = {"code": str((args.before if label == "before" else args.after).resolve()),
                         "n": len(cpu), "cpu_p50_ms": _q(cpu, 0.5), "cpu_p95_ms": _q(cpu, 0.95),
                         "cpu_max_ms": _q(cpu, 1.0), "first_check_ms": round(max(r["first_ms"] for r in rs), 1),
                         "warm_ms": round(max(r["warm_ms"] for r in rs), 1), "sha256": rs[0]["sha256"]}
    shas = {run["sha256"] for rs in runs.values() for run in rs}
    result["identical_output"] = len(shas) == 1
    b, a = result["before"], result["after"]
    result["ratios"] = {"cpu_p50_after_to_before": round(a["cpu_p50_ms"] / b["cpu_p50_ms"], 3),  # type: ignore[index]
                        "cpu_p95_after_to_before": round(a["cpu_p95_ms"] / b["cpu_p95_ms"], 3)}  # type: ignore[index]
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "results" / ("bench_plan_warm_demo.json" if args.demo else "bench_plan_warm.json")
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")
    if not result["identical_output"]:
        raise SystemExit("the answers differ between the checkouts")


if __name__ == "__main__":
    main()
