"""The task of one gemeente: load or cut its Area, compute, and hand back the results.

:func:`run_gemeente` runs on a Dask worker (or in-process). It never raises for a
gemeente's own problem: bad or missing data come back as a :class:`GemeenteResult` with
status ``"fout"`` and the Dutch reason, so one gemeente does not stop the others.

What is computed here is local to the gemeente (with its border buffer): layers,
reachability per home and per buurt, and the barcode of its buurten, wijken and of the
gemeente. What looks at all buurten at once (the heat proxy's scaling, the priorities'
need standardisation, ranking and typology) is left to the merge
(:mod:`afweging.batch.merge`); for it the task keeps the unscaled heat-proxy terms.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from afweging import settings
from afweging._errors import AfwegingError, MissingDataError
from afweging.batch.buffer import BorderBuffer
from afweging.batch.partition import SharedData, partition_area
from afweging.data.region import GemeentePiece
from afweging.geo.area import Area

#: Status of a gemeente in the batch.
DONE, FAILED = "klaar", "fout"

#: Files of one gemeente in ``<out>/gemeenten/<code>/``.
BUURTEN_FILE = "buurten.parquet"
HOMES_FILE = "woningen.parquet"
STATUS_FILE = "gemeente.json"

#: Settings that do not shape the results (downloading, progress bars): a worker takes
#: them from the driver too, but they are left out of a gemeente's fingerprint.
NOT_IN_FINGERPRINT = frozenset({
    "cache_folder", "use_cache", "progress", "requests_timeout_s", "requests_connect_timeout_s",
    "requests_retries", "requests_backoff_s", "requests_max_wait_s",
})


def settings_snapshot() -> dict[str, Any]:
    """Every declared setting (:class:`afweging.settings_schema.Settings`), to apply on a
    worker (another process) as the driver has them."""
    from afweging.settings_schema import Settings

    snap = {k: getattr(settings, k) for k in Settings.model_fields}
    snap["cache_folder"] = str(settings.cache_folder)
    return snap


@contextlib.contextmanager
def applied(snapshot: dict[str, Any]) -> Iterator[None]:
    """Apply a settings snapshot for the duration of a task, then restore."""
    old = {k: getattr(settings, k) for k in snapshot}
    try:
        for k, v in snapshot.items():
            setattr(settings, k, Path(v) if k == "cache_folder" else v)
        yield
    finally:
        for k, v in old.items():
            setattr(settings, k, v)


# --------------------------------------------------------------------------- sources
@dataclass
class Partition:
    """One gemeente's partition, cut by the driver from the region's shared data and
    shipped with its task: the Area, or the error that cutting it raised (the task reports
    it as for any broken gemeente). A worker thus holds only the partitions of the tasks it
    runs, never the whole region."""

    area: Area | None = None
    error: BaseException | None = None
    seconds: float = 0.0


@dataclass
class RegionSource:
    """A gemeente of an in-memory region, cut with its border buffer from the shared data."""

    piece: GemeentePiece
    region_key: str

    @property
    def code(self) -> str:
        return self.piece.code

    @property
    def name(self) -> str:
        return self.piece.name

    def describe(self) -> str:
        return "regio in het geheugen (partitie met grensbuffer)"

    def fingerprint(self) -> str:
        return f"regio:{self.region_key}:{self.piece.code}:{len(self.piece.homes)}"

    def cut(self, shared: SharedData | None, buffer: BorderBuffer) -> Partition | None:
        """Cut this gemeente's partition (in the driver, before the task is sent)."""
        if shared is None:
            return None
        t = time.perf_counter()
        try:
            area = partition_area(shared, self.piece, buffer)
        except Exception as exc:  # the task reports it (a broken gemeente)
            return Partition(error=exc, seconds=time.perf_counter() - t)
        return Partition(area=area, seconds=time.perf_counter() - t)

    def load(self, data: SharedData | Partition | None, buffer: BorderBuffer) -> Area:
        if isinstance(data, Partition):
            if data.error is not None:
                raise data.error
            assert data.area is not None
            return data.area
        if data is None:
            raise AfwegingError("A region source needs the shared data of its region.")
        return partition_area(data, self.piece, buffer)


def cut(source: Any, shared: SharedData | None, buffer: BorderBuffer) -> Partition | None:
    """What the task of ``source`` is sent: its partition (cut here, in the driver) for a
    region source, nothing for a source that reads its own files."""
    fn = getattr(source, "cut", None)
    return fn(shared, buffer) if fn is not None else None


@dataclass
class ManifestSource:
    """A gemeente read with :func:`afweging.load_area` from an area manifest: a folder of
    fetched files, or an online-source template filled in for this gemeente."""

    code: str
    manifest: Path
    kind: str = "map"
    name: str = ""

    def describe(self) -> str:
        what = "online bronnen (sjabloon)" if self.kind == "sjabloon" else "bestanden"
        return f"{what}: {self.manifest}"

    def fingerprint(self) -> str:
        st = self.manifest.stat()
        digest = hashlib.sha256(self.manifest.read_bytes()).hexdigest()[:16]
        return f"manifest:{self.manifest.resolve()}:{digest}:{st.st_mtime_ns}"

    def load(self, shared: SharedData | None, buffer: BorderBuffer) -> Area:
        from afweging.data.manifest import load_area

        area = load_area(self.manifest)
        if area.gemeentecode and area.gemeentecode != self.code:
            raise AfwegingError(
                f"{self.manifest}: gemeentecode = {area.gemeentecode!r}, maar de batch verwacht "
                f"{self.code}. Zet de juiste gemeentecode in het manifest of kies de juiste map."
            )
        area.gemeentecode = self.code
        return area


@dataclass
class MissingSource:
    """A gemeente of the batch without data (not fetched, not in the manifest): its task
    fails with ``reason``, reported like any broken gemeente; the others go on."""

    code: str
    reason: str
    name: str = ""

    def describe(self) -> str:
        return "geen gegevens"

    def fingerprint(self) -> str:
        return f"ontbreekt:{self.code}:{self.reason}"

    def load(self, shared: SharedData | None, buffer: BorderBuffer) -> Area:
        raise MissingDataError(self.reason)


# --------------------------------------------------------------------------- result
@dataclass
class GemeenteResult:
    """What the task of one gemeente hands back.

    Attributes
    ----------
    code, name : str
    status : {"klaar", "fout"}
    reason : str
        Dutch, for a failed gemeente.
    buurten : GeoDataFrame or None
        Per buurt: statistics, layers, reachability, barcode, the unscaled heat-proxy
        terms, ``gemeentecode`` and ``gemeentenaam``.
    homes : GeoDataFrame or None
        Per home: the reachability result and ``origin``.
    info : dict
        JSON-ready: timings, counts, caveats, the barcode of the gemeente and its
        wijken, the reachability report, the methods of every indicator.
    """

    code: str
    name: str
    status: str
    reason: str = ""
    buurten: gpd.GeoDataFrame | None = None
    homes: gpd.GeoDataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records (NaN -> None, numpy scalars -> Python)."""
    return json.loads(frame.reset_index().to_json(orient="records", double_precision=15))


def run_gemeente(
    source: RegionSource | ManifestSource | MissingSource,
    shared: SharedData | Partition | None,
    snapshot: dict[str, Any],
    buffer: BorderBuffer,
    norms: Any = None,
) -> GemeenteResult:
    """Compute one gemeente (see the module doc); never raises for its own data problems.

    ``shared`` is the gemeente's :class:`Partition` (cut by the driver; the batch sends
    this), the region's :class:`SharedData` (the task cuts the partition itself), or None
    (a source that reads its own files)."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    timings: dict[str, float] = {}
    name = getattr(source, "name", "") or source.code
    with applied(snapshot), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _compute(source, shared, buffer, norms, timings)
        except AfwegingError as exc:
            return GemeenteResult(source.code, name, FAILED, reason=str(exc),
                                  info={"timings_s": timings, "seconds": time.perf_counter() - t0,
                                        "source": source.describe()})
        except Exception as exc:  # a bug must not stop the other gemeenten either
            return GemeenteResult(
                source.code, name, FAILED,
                reason=(f"interne fout ({type(exc).__name__}: {exc}); de traceback staat in "
                        f"gemeenten/{source.code}/{STATUS_FILE}"),
                info={"timings_s": timings, "traceback": traceback.format_exc(),
                      "seconds": time.perf_counter() - t0, "source": source.describe()},
            )
    caveats: list[str] = []
    for w in caught:
        msg = str(w.message)
        if issubclass(w.category, UserWarning) and msg not in caveats:
            caveats.append(msg)
    result.info["caveats"] = caveats
    result.info["seconds"] = time.perf_counter() - t0
    result.info["cpu_seconds"] = time.process_time() - cpu0  # this process (one task at a time)
    result.info["timings_s"] = timings
    result.info["worker_pid"] = os.getpid()
    result.info["worker_peak_rss_mb"] = _peak_rss_mb()
    return result


def _peak_rss_mb() -> float:
    """Peak resident memory of this (worker) process so far, MB.

    On Linux the high-water mark of the process's own memory (``VmHWM`` in
    ``/proc/self/status``), not ``ru_maxrss``: Linux carries that over fork and exec, so a
    worker started by a nanny in the driver would report the driver's size at that moment
    (e.g. with the whole region loaded) however little the worker itself holds.
    """
    import resource
    import sys

    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def _compute(source: Any, shared: SharedData | Partition | None, buffer: BorderBuffer, norms: Any,
             timings: dict[str, float]) -> GemeenteResult:
    from afweging.analyses.reach.reachability import reachability
    from afweging.barcode import score
    from afweging.layers import compute_layers
    from afweging.layers.heat import heat_proxy_terms
    from afweging.pipeline import buurten_frame

    def timed(label: str, fn: Any) -> Any:
        t = time.perf_counter()
        value = fn()
        timings[label] = time.perf_counter() - t
        return value

    area = timed("gebied", lambda: source.load(shared, buffer))
    if isinstance(shared, Partition):  # cut by the driver
        timings["gebied"] += shared.seconds
    area.require("homes", for_what="De batch (bereikbaarheid per woning)")
    area.require("facilities", for_what="De batch (bereikbaarheid per woning)")
    layers = timed("lagen", lambda: compute_layers(area))
    reach = timed("bereikbaarheid", lambda: reachability(area))
    scores = timed("barcode", lambda: score(area, layers, reach, norms=norms))
    terms, _parts, _density = heat_proxy_terms(area)
    buurten = buurten_frame(area, [layers.values, reach.buurten, scores.to_frame("buurt"), terms])
    # the buurten file may carry its own gemeentecode/-naam columns (PDOK, CBS): the batch's win
    buurten = buurten.drop(columns=[c for c in ("gemeentecode", "gemeentenaam") if c in buurten.columns])
    buurten.insert(0, "gemeentecode", source.code)
    buurten.insert(1, "gemeentenaam", area.name)
    homes = reach.homes.copy()
    origin = area.homes["origin"] if area.homes is not None and "origin" in area.homes else None
    homes["origin"] = origin.reindex(homes.index).fillna("bron").astype(str) if origin is not None else "bron"
    homes.insert(0, "gemeentecode", source.code)
    stad = scores.to_frame("stad")
    wijk = scores.to_frame("wijk") if scores.wijk is not None else pd.DataFrame()
    methods = pd.concat([layers.methods, reach.methods])
    methods = methods[~methods.index.duplicated()]
    report = reach.report.reset_index()
    inw = area.stat("a_inw") if "a_inw" in area.buurten.columns else pd.Series(dtype=float)
    info: dict[str, Any] = {
        "source": source.describe(),
        "buurten": len(area.buurten),
        "woningen": len(area.homes) if area.homes is not None else 0,
        "inwoners": float(inw.sum()),
        "voorzieningen_over_de_grens": int(area.meta.get("facilities_across_border", 0)),
        "categories": area.categories,
        "barcode_gemeente": _records(stad),
        "barcode_wijken": _records(wijk) if len(wijk) else [],
        "methods": _records(methods.rename_axis("indicator")),
        "reach_report": json.loads(report.to_json(orient="records", double_precision=15)),
        "layer_caveats": list(layers.caveats),
        "provenance_same_file": _same_file(area),
        "synthetic": bool(area.synthetic),
    }
    return GemeenteResult(source.code, area.name, DONE, buurten=buurten, homes=homes, info=info)


def _same_file(area: Area) -> bool:
    """Whether homes and facilities come from one file (the priorities read this)."""
    pf, ph = area.provenance.get("facilities"), area.provenance.get("homes")
    return bool(pf is not None and ph is not None and pf.path and pf.path == ph.path)
