"""Running the gemeente tasks: on a Dask cluster, or one after the other in this process.

* By default a :class:`dask.distributed.LocalCluster` on this machine: one worker process
  per core (``workers``), one thread each, a memory limit per worker.
* ``scheduler="tcp://host:8786"`` connects to a running cluster instead (started with
  ``dask scheduler`` and ``dask worker``); its workers must import afweging and reach the
  input files and the out folder.
* ``scheduler="in-process"`` runs the tasks here, one after the other (no Dask).

The norms are scattered to the workers once (not shipped with every task). Of an
in-memory region (the Demoregio) the driver cuts each gemeente's partition
(:meth:`~afweging.batch.task.RegionSource.cut`) and sends it with that gemeente's task
only, and keeps no more tasks in flight than there are workers (the next partition is cut
while they run): a worker holds the partition of the task it runs, never the whole
region, so its memory is bounded by the largest partition. A task whose worker dies
(e.g. killed for using too much memory) is run again on a (restarted) worker, up to
:data:`RETRIES` times (the scheduler's ``allowed_failures``; on a running cluster its own
``distributed.scheduler.allowed-failures``); then that gemeente is reported as failed and
the others go on. An exception inside a task never reaches Dask: the task turns it into a
failed gemeente (:func:`~afweging.batch.task.run_gemeente`). The driver writes every
gemeente's results as soon as it finishes (:class:`~afweging.batch.store.BatchStore`),
so an interrupted batch resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from afweging._errors import AfwegingError, OptionalDependencyError
from afweging.batch.buffer import BorderBuffer
from afweging.batch.partition import SharedData
from afweging.batch.store import BatchStore
from afweging.batch.task import FAILED, GemeenteResult, cut, run_gemeente

log = logging.getLogger(__name__)

#: Run the tasks in this process, one after the other (tests, small batches, debugging).
IN_PROCESS = "in-process"

#: How often a task is run again when its worker dies (the scheduler's allowed failures).
RETRIES = 2


def _dask() -> Any:
    try:
        import dask.distributed as dd
    except ImportError as exc:  # pragma: no cover - the extra is part of .[test]
        raise OptionalDependencyError(
            "afweging batch heeft Dask nodig: pip install 'afweging[batch]'."
        ) from exc
    return dd


def _dashboard_ok() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def execute(
    sources: Sequence[Any],
    *,
    shared: SharedData | None,
    snapshot: dict[str, Any],
    buffer: BorderBuffer,
    norms: Any,
    store: BatchStore,
    fingerprints: dict[str, str],
    on_result: Callable[[GemeenteResult, int, int], None],
    say: Callable[[str], None],
    workers: int | None = None,
    scheduler: str | None = None,
    memory_limit: str | float | None = "auto",
    processes: bool = True,
) -> None:
    """Run the task of every source and write each result as soon as it is there."""
    total = len(sources)
    done = 0

    def finish(res: GemeenteResult) -> None:
        nonlocal done
        done += 1
        store.write(res, fingerprints[res.code])
        on_result(res, done, total)

    if not sources:
        return
    if scheduler == IN_PROCESS:
        for src in sources:
            finish(run_gemeente(src, cut(src, shared, buffer), snapshot, buffer, norms))
        return

    dd = _dask()
    cluster = None
    try:
        if scheduler:
            try:
                client = dd.Client(scheduler, timeout="20s")
            except OSError as exc:
                raise AfwegingError(
                    f"Kan de Dask-scheduler {scheduler} niet bereiken ({exc}). Start hem met "
                    f"`dask scheduler` en `dask worker {scheduler}`, of laat --scheduler weg voor "
                    f"een lokaal cluster."
                ) from exc
        else:
            import os

            import dask

            n = workers or os.cpu_count() or 1
            # one task per worker at a time (one thread each): a worker that dies takes
            # only its own task's count of attempts with it, not a queued one's
            with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
                cluster = dd.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=processes,
                    memory_limit=memory_limit, dashboard_address=":0" if _dashboard_ok() else None,
                    silence_logs=logging.ERROR, scheduler_kwargs={"allowed_failures": RETRIES},
                )
            client = dd.Client(cluster)
        link = client.dashboard_link if _dashboard_ok() else None
        n_workers = len(client.scheduler_info().get("workers", {}))
        say(f"Dask: {n_workers} werker(s)" + (f"; dashboard: {link}" if link else ""))
        pending = list(sources)
        for attempt in range(RETRIES + 1):
            pending = _round(dd, client, pending, attempt, shared=shared, snapshot=snapshot,
                             buffer=buffer, norms=norms, finish=finish, window=max(n_workers, 1))
            if not pending or attempt == RETRIES:
                break
            say(f"De verstuurde normen gingen verloren doordat werkers stopten; opnieuw verstuurd voor "
                f"{len(pending)} gemeente(n).")
        for src in pending:
            finish(GemeenteResult(
                src.code, getattr(src, "name", "") or src.code, FAILED,
                reason=(f"de verstuurde normen gingen {RETRIES + 1} keer verloren doordat "
                        f"Dask-werkers stopten (te weinig geheugen per werker?); start de batch opnieuw, "
                        f"met minder werkers of meer geheugen per werker (--geheugen)."),
            ))
        client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _round(dd: Any, client: Any, sources: Sequence[Any], attempt: int, *, shared: SharedData | None,
           snapshot: dict[str, Any], buffer: BorderBuffer, norms: Any,
           finish: Callable[[GemeenteResult], None], window: int) -> list[Any]:
    """Scatter the norms once, run every source's task with its own partition (at most
    ``window`` tasks in flight), finish each result as it comes; return the sources whose
    task was cancelled because the scattered norms were lost (every worker holding them
    died), to run again with the norms scattered anew."""
    from concurrent.futures import CancelledError

    import dask

    norms_f = client.scatter(norms, broadcast=True, hash=False) if norms is not None else None
    queue = list(sources)
    ready = cut(queue[0], shared, buffer) if queue else None  # cut while the tasks run
    futures: dict[Any, Any] = {}

    def submit_next() -> Any:
        nonlocal ready
        src, part = queue.pop(0), ready
        # the partition travels in the task itself: the scheduler hands it to the one worker
        # that runs the task (and again on a retry); no more than ``window`` are on their way
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1TiB"}):
            fut = client.submit(run_gemeente, src, part, snapshot, buffer, norms_f,
                                key=f"afweging-gemeente-{src.code}-{attempt}", retries=RETRIES,
                                pure=False)
        futures[fut] = src
        ready = cut(queue[0], shared, buffer) if queue else None
        return fut

    running = dd.as_completed([submit_next() for _ in range(min(window, len(queue)))])
    lost: list[Any] = []
    for fut in running:
        src = futures.pop(fut)
        try:
            res = fut.result()
        except CancelledError:
            lost.append(src)
            continue
        except dd.KilledWorker:
            res = GemeenteResult(
                src.code, getattr(src, "name", "") or src.code, FAILED,
                reason=(f"de Dask-werker die deze gemeente rekende stopte, ook bij {RETRIES} nieuwe "
                        f"pogingen (te weinig geheugen per werker? geef meer met --geheugen)."),
            )
        except Exception as exc:  # e.g. the task could not be unpickled on the worker
            res = GemeenteResult(
                src.code, getattr(src, "name", "") or src.code, FAILED,
                reason=f"Dask kon de taak niet uitvoeren ({type(exc).__name__}: {exc}).",
            )
        fut.release()
        finish(res)
        if queue:
            running.add(submit_next())
    if norms_f is not None:
        norms_f.release()
    # a cancelled task submits no successor: what is still queued then goes to the next
    # round with the cancelled ones (it must never be dropped)
    lost_ids = {id(src) for src in lost + queue}
    return [src for src in sources if id(src) in lost_ids]
