"""The studio in the server process: the baseline, the worker pool, the state.

The server process never computes a plan. It loads the area (quickly, from the area
cache), finds or computes the baseline (:mod:`afweging.studio.cache`), then starts
:data:`WORKERS` worker processes that each load that baseline once and compute the
plan checks (:mod:`afweging.studio.worker`). The event loop only reads requests and
awaits the workers, so ``/api/health`` answers at once even while eight clients wait for
their checks; more than :data:`MAX_PENDING` waiting checks get 503 instead of an ever
longer queue.

Worker processes are started with ``spawn`` (a fresh interpreter: safe next to the
server's threads, and the same on every platform). A worker that dies (out of memory,
say) breaks the pool; the studio then answers that request with 500 and starts a new
pool for the next one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from afweging.geo.area import Area
from afweging.studio import worker
from afweging.studio.cache import CachedBaseline, open_baseline, settings_snapshot

log = logging.getLogger(__name__)

#: Worker processes (each holds the baseline: about 0.2 GB for Utrecht).
WORKERS: int = max(1, min(4, os.cpu_count() or 1))

#: Checks that may wait for a worker at once; more get 503 (try again).
MAX_PENDING: int = 32

#: States of the studio (``/api/health``).
STARTING, READY, FAILED = "bezig", "klaar", "fout"


class Studio:
    """The studio's state in the server process.

    Parameters
    ----------
    area : Area
        Loaded already (a bad manifest is reported before the server starts).
    norms : path, optional
        A norms TOML merged into the bundled norms (as ``afweging plan --norms``).
    workers : int, optional
        Worker processes (default :data:`WORKERS`).
    progress : callable, optional
        Called with a Dutch line at each start-up step.

    Attributes
    ----------
    status : str
        ``"bezig"`` while the baseline is prepared and the workers start, ``"klaar"``
        when checks can be made, ``"fout"`` when that failed (``message`` says why).
    message : str
        Dutch description of the state.
    baseline : CachedBaseline or None
        Set once the baseline is ready.
    """

    def __init__(self, area: Area, *, norms: str | Path | None = None, workers: int | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.area_name = area.name
        self.norms = norms
        self.workers = int(workers or WORKERS)
        self.status = STARTING
        self.message = f"De uitgangssituatie van {area.name} wordt voorbereid."
        self.baseline: CachedBaseline | None = None
        self.started = time.perf_counter()
        self.ready_seconds: float | None = None
        self._area: Area | None = area
        self._progress = progress or (lambda m: log.info(m))
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._pending = 0
        self._temp_dirs: list[Path] = []

    # ------------------------------------------------------------------ start-up
    def prepare(self) -> None:
        """Find or compute the baseline, start the workers and wait until each has loaded
        it (blocking; the server runs it in a thread at start-up)."""
        try:
            assert self._area is not None
            self.baseline = open_baseline(self._area, norms=self.norms, progress=self._say)
            self._area = None  # the workers hold it; the server needs only the page data
            if self.baseline.temporary:
                self._temp_dirs.append(self.baseline.pickle_path.parent)
            self._say(f"Rekenprocessen starten ({self.workers})")
            self._start_pool()
            self.ready_seconds = time.perf_counter() - self.started
            self._say(f"Klaar in {self.ready_seconds:.1f} s")
            self.status, self.message = READY, f"Klaar: {self.area_name}."
        except Exception as exc:  # reported through /api/health and on the terminal
            from afweging._failure import explain

            message = explain(exc).message
            self._progress(f"Fout: {message}")
            self.status, self.message = FAILED, message

    def _say(self, message: str) -> None:
        self.message = message
        self._progress(message)

    def _start_pool(self) -> None:
        assert self.baseline is not None
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.init,
            initargs=(str(self.baseline.pickle_path), settings_snapshot()),
        )
        # one job per worker at once: each starts its own process, which loads the baseline
        futures = [pool.submit(worker.ready) for _ in range(self.workers)]
        for f in futures:
            f.result()
        with self._pool_lock:
            old, self._pool = self._pool, pool
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ jobs
    @property
    def pending(self) -> int:
        """Checks waiting for or running in a worker."""
        return self._pending

    @property
    def busy(self) -> bool:
        """True when :data:`MAX_PENDING` checks wait already."""
        return self._pending >= MAX_PENDING

    async def run(self, fn: Callable[..., worker.Outcome], *args: Any) -> worker.Outcome:
        """Run a job of :mod:`afweging.studio.worker` in a worker process."""
        if self.status != READY or self._pool is None:
            raise RuntimeError("the studio is not ready")
        loop = asyncio.get_running_loop()
        self._pending += 1
        try:
            return await loop.run_in_executor(self._pool, fn, *args)
        except BrokenProcessPool:
            log.exception("A studio worker died; starting new workers")
            await loop.run_in_executor(None, self._restart)
            raise
        finally:
            self._pending -= 1

    def _restart(self) -> None:
        with self._pool_lock:
            broken = self._pool is not None and getattr(self._pool, "_broken", False)
        if broken:
            self._start_pool()

    def close(self) -> None:
        """Stop the workers and remove a temporary baseline file of our own."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        for d in self._temp_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self._temp_dirs.clear()
