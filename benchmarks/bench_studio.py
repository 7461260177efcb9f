"""Benchmark: response times of ``afweging studio`` against a cold ``afweging plan``.

In one run, on one area (default: Utrecht with ``examples/plan_utrecht.geojson``, 1,200
dwellings in one buurt; ``--demo``: the demo with ``examples/plan_demostad.geojson``):

1. ``plan_cold``: ``afweging plan PLAN --area ...`` in a new process (area from the area
   cache, baseline computed, plan checked, files written): wall and CPU time (children).
2. ``start_cold``: ``afweging studio`` with an empty studio cache until ``/api/health``
   answers 200 (baseline computed and stored, workers started); ``start_warm``: the same
   again, now from the studio cache.
3. ``sequential``: N requests ``POST /api/plan-check?kort=true`` (compact JSON, as the page
   asks; ``--file``: the indented file; code without ``kort`` ignores it) one after another on the warm
   server: wall time per request at the client (p50, p95, max) and the CPU time of the
   check in the worker (``worker_cpu``, from the header ``X-Afweging-Rekentijd-Ms``; less
   distorted by other load on the machine), its wall time in the worker (``worker_wall``,
   header ``X-Afweging-Wandtijd-Ms``) and the client's wall time outside the worker
   (``outside_worker``: HTTP, event loop, the hand-over to the worker and back).
4. ``concurrent``: the same N requests from C clients at once, and ``/api/health`` polled
   meanwhile (its worst answer time shows whether the event loop stays free).

Ratios are against ``plan_cold`` of the same run, so the machine's load cancels out as far
as it can. The studio cache is a temporary folder (the area cache is the usual one).

Run from the repository root::

    python benchmarks/bench_studio.py                 # Utrecht, 50 requests, 8 clients
    python benchmarks/bench_studio.py --demo --requests 20
    # the same with another checkout's code (e.g. before a change), into another file:
    python benchmarks/bench_studio.py --code /tmp/before --out bench_studio_before.json

Writes ``benchmarks/results/bench_studio[_demo].json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UTRECHT = ROOT.parent / "shared" / "data" / "utrecht" / "area.toml"


#: Checkout whose ``afweging`` the subprocesses run (``--code``); None: the installed one.
CODE: Path | None = None


def _cli() -> list[str]:
    if CODE is not None:  # that checkout first on the path, for the workers too
        return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(CODE)!r}); "
                "from afweging.cli import main; main()"]
    return [sys.executable, "-m", "afweging.cli"]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def plan_cold(plan: Path, area: list[str], out: Path) -> dict[str, float]:
    cpu, t = _children_cpu(), time.perf_counter()
    p = subprocess.run([*_cli(), "plan", str(plan), *area, "--out", str(out)], capture_output=True,
                       text=True, check=False)
    if p.returncode != 0:
        raise SystemExit(f"afweging plan failed:\n{p.stdout}\n{p.stderr}")
    return {"wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(_children_cpu() - cpu, 2)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def _post(url: str, body: bytes) -> tuple[float, float, float]:
    """(wall time at the client, CPU time and wall time of the check in the worker), in
    seconds (code without the wall-time header: NaN)."""
    t = time.perf_counter()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/geo+json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        r.read()
        return (time.perf_counter() - t, float(r.headers["X-Afweging-Rekentijd-Ms"]) / 1000,
                float(r.headers.get("X-Afweging-Wandtijd-Ms", "nan")) / 1000)


class Server:
    """``afweging studio`` in a subprocess with its own studio cache folder."""

    def __init__(self, area: list[str], cache: Path, workers: int) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "AFWEGING_CACHE": str(cache)}
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [*_cli(), "studio", *area, "--port", str(self.port), "--no-browser", "--workers", str(workers)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def ready(self, timeout: float = 1800) -> float:
        while time.perf_counter() - self.t0 < timeout:
            if self.proc.poll() is not None:
                raise SystemExit("the studio stopped:\n" + "\n".join(self.lines))
            status, body = _get(f"{self.url}/api/health", timeout=5)
            if status == 200:
                return time.perf_counter() - self.t0
            if status == 503 and json.loads(body).get("status") == "fout":
                raise SystemExit("the studio failed:\n" + "\n".join(self.lines))
            time.sleep(0.2)
        raise SystemExit("the studio did not get ready in time")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _outside(seq: list[tuple[float, float, float]]) -> dict[str, object]:
    """Where the client's wall time goes, per request: the worker's wall time
    (``worker_wall``: its CPU time plus the time it waited for a core) and the rest
    (``outside_worker``: HTTP, event loop, handing the job to the worker and back)."""
    if any(math.isnan(ww) for _, _, ww in seq):
        return {}
    return {"worker_wall": _stats([ww for _, _, ww in seq]),
            "outside_worker": _stats([w - ww for w, _, ww in seq])}


def _stats(times: list[float]) -> dict[str, float]:
    ms = sorted(1000 * t for t in times)

    def q(p: float) -> float:  # nearest-rank percentile
        return round(ms[max(0, math.ceil(p * len(ms)) - 1)], 1)

    return {"n": len(ms), "p50_ms": q(0.50), "p95_ms": q(0.95), "max_ms": round(ms[-1], 1),
            "mean_ms": round(sum(ms) / len(ms), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", type=Path, default=UTRECHT)
    ap.add_argument("--demo", action="store_true", help="the demo area and its example plan")
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--code", type=Path, help="run the afweging of this checkout (default: installed)")
    ap.add_argument("--out", help="result file name in benchmarks/results")
    ap.add_argument("--file", action="store_true",
                    help="ask for plan_check.json itself (default: ?kort=true, compact, as the page asks)")
    args = ap.parse_args()
    global CODE
    CODE = args.code.resolve() if args.code else None
    area = [] if args.demo else ["--area", str(args.manifest)]
    plan = ROOT / "examples" / ("plan_demostad.geojson" if args.demo else "plan_utrecht.geojson")
    body = plan.read_bytes()
    result: dict[str, object] = {"area": "demo" if args.demo else str(args.manifest), "plan": plan.name,
                                 "code": str(CODE) if CODE else "installed",
                                 "workers": args.workers, "cpus": os.cpu_count(),
                                 "query": "" if args.file else "?kort=true"}
    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        # the area cache warm for both sides (as a planner's second command finds it)
        plan_cold(plan, area, Path(tmp) / "warmup")
        cold = plan_cold(plan, area, Path(tmp) / "uit")
        result["plan_cold"] = cold
        print("afweging plan (cold process):", cold, flush=True)

        cache = Path(tmp) / "cache"
        cache.mkdir()
        # the studio's cache folder gets the area cache by a link, so only its baseline is new
        user_cache = Path(os.environ.get("AFWEGING_CACHE", Path.home() / ".cache" / "afweging"))
        for item in user_cache.iterdir() if user_cache.exists() else []:
            if item.name not in ("studio", "logs"):
                (cache / item.name).symlink_to(item)
        s = Server(area, cache, args.workers)
        result["start_cold_s"] = round(s.ready(), 2)
        s.stop()
        s = Server(area, cache, args.workers)
        result["start_warm_s"] = round(s.ready(), 2)
        print("studio start: cold", result["start_cold_s"], "s, from its cache", result["start_warm_s"], "s",
              flush=True)
        try:
            url = f"{s.url}/api/plan-check{result['query']}"
            for _ in range(args.workers * 2):  # every worker has run once
                _post(url, body)
            seq = [_post(url, body) for _ in range(args.requests)]
            result["sequential"] = {**_stats([w for w, _, _ in seq]),
                                    "worker_cpu": _stats([c for _, c, _ in seq]),
                                    **_outside(seq)}
            print("sequential:", result["sequential"], flush=True)

            health: list[float] = []
            done = threading.Event()

            def poll() -> None:
                while not done.is_set():
                    t = time.perf_counter()
                    _get(f"{s.url}/api/health")
                    health.append(time.perf_counter() - t)
                    time.sleep(0.05)

            poller = threading.Thread(target=poll)
            poller.start()
            t = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                conc = list(pool.map(lambda _: _post(url, body), range(args.requests)))
            wall = time.perf_counter() - t
            done.set()
            poller.join()
            result["concurrent"] = {"clients": args.clients, **_stats([w for w, _, _ in conc]),
                                    "worker_cpu": _stats([c for _, c, _ in conc]),
                                    "checks_per_s": round(args.requests / wall, 2),
                                    "health": _stats(health)}
            print("concurrent:", result["concurrent"], flush=True)
        finally:
            s.stop()
    cold_ms = 1000 * cold["wall_s"]
    result["ratios"] = {
        "sequential_p95_to_plan_cold": round(result["sequential"]["p95_ms"] / cold_ms, 3),  # type: ignore[index]
        "worker_cpu_p95_to_plan_cold_cpu": round(
            result["sequential"]["worker_cpu"]["p95_ms"] / (1000 * cold["cpu_s"]), 3),  # type: ignore[index]
        "start_warm_to_start_cold": round(float(result["start_warm_s"]) / float(result["start_cold_s"]), 3),
    }
    print("ratios:", result["ratios"])
    name = args.out or ("bench_studio_demo.json" if args.demo else "bench_studio.json")
    out = ROOT / "benchmarks" / "results" / name
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
