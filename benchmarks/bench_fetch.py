"""Benchmark: ``afweging fetch`` and loading from its files vs loading online.

The services answer from memory (tests/_recorded.py: the recorded PDOK buurten and CBS
answers, plus a synthetic BAG collection of ``--dwellings`` verblijfsobjecten in pages of
1,000 with GoKoala cursor links), so the times are the toolkit's own work -- JSON parsing,
selection, writing and reading files -- without network latency. Four cases, each the
minimum of ``--repeat`` runs, in one process:

* ``online``       -- ``load_area(online.toml, cache=False)`` with the HTTP cache off:
  every page requested and parsed;
* ``online, warm HTTP cache`` -- the same with the HTTP cache filled (what a second
  online run costs);
* ``fetch``        -- ``fetch_area(online.toml, DIR)`` into an empty folder (downloads,
  GeoPackage/CSV writes, hashes);
* ``from files``   -- ``load_area(DIR/area.toml, cache=False)``: what every later run costs.

Run from the repository root::

    python benchmarks/bench_fetch.py                  # 100,000 dwellings
    python benchmarks/bench_fetch.py --dwellings 20000 --repeat 3

Results go to ``benchmarks/results/bench_fetch.json``.

Result 2026-12-02, 100,000 dwellings + 10,000 offices (110 pages, 41 MB of JSON; 34,150
dwellings fall inside the three recorded buurten), minimum of 2 runs, wall time on the
shared 2-core machine (load average 9-10, so absolute times are several times those of a
quiet machine; compare the ratios):

=====================================  ========  =====================================
case                                   time      ratio
=====================================  ========  =====================================
online (HTTP cache off)                14.2 s    1
online, warm HTTP cache                11.0 s    0.77 of online
fetch into an empty folder             12.3 s    0.87 of online
from the fetched files                  1.0 s    0.09 of the warm-cache online run
=====================================  ========  =====================================

A fetch costs about one online load (the pages are parsed once either way; the files it
writes are 5.4 MB against 41 MB of JSON), and every later run from its files loads about
11x faster than an online run served from the HTTP cache, without any network.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _recorded import PDOK_BAG, PDOK_HEADERS, FakeResponse, FakeSession, cbs_routes, paged  # noqa: E402

from afweging import settings  # noqa: E402
from afweging.data import _cache  # noqa: E402
from afweging.data.fetch import fetch_area  # noqa: E402
from afweging.data.manifest import load_area  # noqa: E402

MANIFEST = """name = "Benchmark"
gemeentecode = "GM0344"
[buurten]
online = "pdok"
[statistics]
online = "cbs"
[homes]
online = "bag"
"""


def bag_pages(n: int, *, per_page: int = 1000, seed: int = 1) -> list[bytes]:
    """GoKoala pages of ``n`` dwellings (and a tenth as many offices) in the recorded buurten."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total = n + n // 10
    xs = rng.uniform(133905, 134495, total)
    ys = rng.uniform(454905, 455195, total)
    pages = []
    for start in range(0, total, per_page):
        feats = []
        for i in range(start, min(start + per_page, total)):
            office = i >= n
            feats.append({
                "type": "Feature", "id": f"vbo-{i}",
                "properties": {
                    "identificatie": f"0344010{i:09d}", "oppervlakte": 80,
                    "status": "Verblijfsobject in gebruik",
                    "gebruiksdoel": "kantoorfunctie" if office else "woonfunctie",
                    "openbare_ruimte_naam": "Benchmarkstraat", "huisnummer": i, "postcode": "3531AA",
                    "woonplaats_naam": "Utrecht",
                },
                "geometry": {"type": "Point", "coordinates": [round(float(xs[i]), 3), round(float(ys[i]), 3)]},
            })
        page = len(pages)
        links = [{"rel": "self", "href": f"{PDOK_BAG}?f=json&page={page}"}]
        if start + per_page < total:
            links.append({"rel": "next", "type": "application/geo+json",
                          "href": f"{PDOK_BAG}?f=json&limit=1000&cursor=c{page + 1}"})
        pages.append(json.dumps({"type": "FeatureCollection", "features": feats, "links": links,
                                 "numberReturned": len(feats)}).encode())
    return pages


def routes(pages: list[bytes]) -> dict[str, Any]:
    def bag(query: dict[str, list[str]]) -> FakeResponse:
        i = int(query["cursor"][0][1:]) if "cursor" in query else 0
        return FakeResponse(200, pages[i], dict(PDOK_HEADERS))

    from _recorded import PDOK_BUURTEN

    return {PDOK_BUURTEN: paged("pdok_buurten_GM0344"), PDOK_BAG: bag, **cbs_routes()}


def best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dwellings", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    pages = bag_pages(args.dwellings)
    _cache._session = FakeSession(routes(pages))
    work = Path(tempfile.mkdtemp(prefix="bench_fetch_"))
    try:
        settings.cache_folder = work / "cache"
        online = work / "online.toml"
        online.write_text(MANIFEST, encoding="utf-8")
        settings.use_cache = False
        n_homes = len(load_area(online, cache=False).homes)  # warm imports once
        t_online = best(lambda: load_area(online, cache=False), args.repeat)
        settings.use_cache = True
        load_area(online, cache=False)  # fills the HTTP cache
        t_warm = best(lambda: load_area(online, cache=False), args.repeat)
        settings.use_cache = False

        def fresh_fetch() -> None:
            shutil.rmtree(work / "data", ignore_errors=True)
            fetch_area(online, work / "data", say=lambda s: None, progress=False)

        t_fetch = best(fresh_fetch, args.repeat)
        files = work / "data" / "area.toml"
        assert len(load_area(files, cache=False).homes) == n_homes
        t_files = best(lambda: load_area(files, cache=False), args.repeat)
        size = sum(p.stat().st_size for p in (work / "data").iterdir() if p.is_file())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "dwellings_requested": args.dwellings, "homes_loaded": n_homes, "bag_pages": len(pages),
        "bag_json_mb": round(sum(map(len, pages)) / 1e6, 1), "fetched_files_mb": round(size / 1e6, 1),
        "repeat": args.repeat,
        "online_s": round(t_online, 3), "online_warm_http_cache_s": round(t_warm, 3),
        "fetch_s": round(t_fetch, 3), "from_files_s": round(t_files, 3),
        "fetch_over_online": round(t_fetch / t_online, 2),
        "from_files_over_warm_cache": round(t_files / t_warm, 2),
    }
    out = ROOT / "benchmarks" / "results" / "bench_fetch.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
