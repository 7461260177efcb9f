""":func:`run_batch`: the batch over many gemeenten, from sources to merged outputs."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afweging import __version__
from afweging._csv import write_csv
from afweging._errors import ConfigError
from afweging._format import nl_int, nl_number
from afweging._outputs import OutputFolder, fixed_gpkg_date, output_folder
from afweging.batch.buffer import border_buffer
from afweging.batch.cluster import execute
from afweging.batch.merge import RANKING_COL, RANKINGS, check_ranking, merge
from afweging.batch.partition import SharedData
from afweging.batch.report import batch_html
from afweging.batch.store import BatchStore
from afweging.batch.task import (
    DONE,
    FAILED,
    NOT_IN_FINGERPRINT,
    GemeenteResult,
    RegionSource,
    settings_snapshot,
)
from afweging.settings_schema import check_settings

log = logging.getLogger(__name__)

#: Merged outputs of a batch (in the out folder).
OUTPUT_FILES = ("buurten.parquet", "buurten.gpkg", "barcode.csv", "prioriteiten.csv", "batch.html")


@dataclass
class BatchResult:
    """What :func:`run_batch` did.

    Attributes
    ----------
    out_dir : Path
    statuses : dict of str -> dict
        ``gemeente.json`` of every gemeente (status ``"klaar"`` or ``"fout"`` with reason).
    skipped : list of str
        Gemeenten finished by an earlier run with the same inputs, not computed again.
    files : list of Path
    summary : list of str
        Dutch lines for the CLI.
    seconds : float
        The whole batch, merge and outputs included.
    compute_seconds : float
        The gemeente tasks only (wall clock).
    """

    out_dir: Path
    statuses: dict[str, dict[str, Any] | None]
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    seconds: float = 0.0
    compute_seconds: float = 0.0

    @property
    def failed(self) -> dict[str, str]:
        """Gemeentecode -> Dutch reason, of the gemeenten that failed."""
        return {c: str(s.get("reason", "")) for c, s in self.statuses.items()
                if s is not None and s.get("status") == FAILED}


def _fingerprint(source: Any, snapshot: dict[str, Any], norms_text: str, prio_text: str) -> str:
    parts = {"source": source.fingerprint(), "settings": {k: v for k, v in snapshot.items()
                                                          if k not in NOT_IN_FINGERPRINT},
             "norms": norms_text, "priorities": prio_text, "version": __version__}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _file_text(path: str | Path | None) -> str:
    return Path(path).read_text(encoding="utf-8") if path is not None else ""


def run_batch(
    gemeenten: Sequence[str] | None = None,
    *,
    out: str | Path | OutputFolder,
    region: Any = None,
    sources: Sequence[Any] | None = None,
    name: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    memory_limit: str | float | None = "auto",
    processes: bool = True,
    ranking: str = "landelijk",
    norms: str | Path | None = None,
    priorities: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> BatchResult:
    """Run the pipeline for many gemeenten, partitioned per gemeente, on Dask.

    Parameters
    ----------
    gemeenten : list of str, optional
        Gemeentecodes to run (``"GM0344"``); default all of the region or sources.
    out : path-like or OutputFolder
        Out folder: the merged outputs (:data:`OUTPUT_FILES`, swapped in at once at the end
        through :class:`~afweging._outputs.OutputFolder`) and, per gemeente,
        ``gemeenten/<code>/`` (written as each finishes; a rerun skips finished gemeenten).
    region : Region, optional
        An in-memory region (e.g. :func:`afweging.data.region.demo_region`): each gemeente
        is cut from it with its border buffer.
    sources : list, optional
        Instead of a region: one source per gemeente (see :mod:`afweging.batch.sources`).
    name : str, optional
        Name of the batch in the outputs.
    workers : int, optional
        Workers of the local Dask cluster (default: the number of cores).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``), or ``"in-process"``
        to run without Dask, one gemeente after the other.
    memory_limit : str or float
        Memory limit per local worker (``"4GB"``; ``"auto"``: the memory divided by the
        workers).
    processes : bool
        Local workers as processes (default) or threads.
    ranking : {"landelijk", "gemeente"}
        Scale the heat proxy and rank the priorities over all buurten of the batch or
        within each gemeente (see :mod:`afweging.batch.merge`).
    norms, priorities : path-like, optional
        User norms / priority settings (TOML), as for ``afweging run``.
    progress : callable, optional
        Called with Dutch progress lines (the CLI prints them).

    Returns
    -------
    BatchResult
    """
    check_settings()
    with output_folder(out, kind="batch") as folder:
        return _run(gemeenten, folder, region=region, sources=sources, name=name, workers=workers,
                    scheduler=scheduler, memory_limit=memory_limit, processes=processes,
                    ranking=ranking, norms=norms, priorities=priorities, progress=progress)


def _run(
    gemeenten: Sequence[str] | None,
    folder: OutputFolder,
    *,
    region: Any,
    sources: Sequence[Any] | None,
    name: str | None,
    workers: int | None,
    scheduler: str | None,
    memory_limit: str | float | None,
    processes: bool,
    ranking: str,
    norms: str | Path | None,
    priorities: str | Path | None,
    progress: Callable[[str], None] | None,
) -> BatchResult:
    from afweging.barcode import load_norms

    t0 = time.perf_counter()
    say = progress or (lambda m: log.info(m))
    check_ranking(ranking)
    norm_set = load_norms(norms)  # bad norms fail before any computing
    if priorities is not None:  # and bad priority settings
        from afweging.analyses.priorities import load_priority_config

        load_priority_config(priorities)
    if (region is None) == (sources is None):
        raise ConfigError("Geef een regio óf bronnen per gemeente (niet allebei, niet geen van beide).")
    shared = None
    if region is not None:
        key = f"{region.name}:{region.meta.get('seed')}:{len(region.homes)}"
        all_sources: list[Any] = [RegionSource(region.piece(c), key) for c in region.codes]
        name = name or region.name
    else:
        all_sources = list(sources or [])
    by_code = {s.code: s for s in all_sources}
    codes = list(gemeenten) if gemeenten is not None else list(by_code)
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise ConfigError(
            f"Onbekende gemeente(n) {unknown}; deze batch kent {list(by_code)[:12]}"
            f"{' ...' if len(by_code) > 12 else ''}."
        )
    chosen = [by_code[c] for c in dict.fromkeys(codes)]
    out_dir = folder.out
    store = BatchStore(out_dir)
    buffer = border_buffer()
    snapshot = settings_snapshot()
    fps = {s.code: _fingerprint(s, snapshot, _file_text(norms), _file_text(priorities)) for s in chosen}
    skipped = [s.code for s in chosen if store.done(s.code, fps[s.code])]
    todo = [s for s in chosen if s.code not in skipped]
    say(f"Batch {name or ''}: {len(chosen)} gemeenten, {len(skipped)} al klaar (overgeslagen). "
        + buffer.explanation)
    if region is not None and todo:
        shared = SharedData.from_region(region)

    def on_result(res: GemeenteResult, i: int, n: int) -> None:
        if res.status == DONE:
            say(f"[{i}/{n}] {res.code} {res.name}: klaar in {nl_number(res.info.get('seconds', 0.0), 1)} s "
                f"({nl_int(res.info.get('woningen', 0))} woningen)")
        else:
            say(f"[{i}/{n}] {res.code} {res.name}: MISLUKT: {res.reason}")

    t_run = time.perf_counter()
    execute(todo, shared=shared, snapshot=snapshot, buffer=buffer, norms=norm_set, store=store,
            fingerprints=fps, on_result=on_result, say=say, workers=workers, scheduler=scheduler,
            memory_limit=memory_limit, processes=processes)
    compute_s = time.perf_counter() - t_run
    order = [s.code for s in chosen]
    merged = merge(store, order, ranking=ranking, name=name or "batch", priorities=priorities, say=say)
    statuses = merged.statuses
    n_done = sum(1 for c in order if (statuses[c] or {}).get("status") == DONE)
    n_fail = sum(1 for c in order if (statuses[c] or {}).get("status") == FAILED)
    homes = sum(int((statuses[c] or {}).get("woningen", 0)) for c in order
                if (statuses[c] or {}).get("status") == DONE)
    totals = {"klaar": n_done, "fout": n_fail, "overgeslagen": len(skipped), "woningen": homes,
              "buurten": len(merged.buurten), "seconds": compute_s}
    ranking_text = (
        f"Rangschikking: {RANKINGS[ranking]}. De hitte-proxy (heat_proxy_index) is geschaald en de "
        f"prioriteiten (behoefte-index, buurttypering, rang en vlag) zijn bepaald "
        + ("over alle buurten van de batch samen." if ranking == "landelijk" else "binnen elke gemeente.")
        + " Alle andere cijfers gelden per buurt en hangen daar niet van af."
    )
    synthetic = any((statuses[c] or {}).get("synthetic") for c in order)
    html = batch_html(name=name or "batch", order=order, statuses=statuses, skipped=skipped,
                      ranking_text=ranking_text, buffer_text=buffer.explanation, totals=totals,
                      synthetic=synthetic)
    files = _write_outputs(folder, merged, html)
    result = BatchResult(out_dir=out_dir, statuses=statuses, skipped=skipped, files=files,
                         seconds=time.perf_counter() - t0, compute_seconds=compute_s)
    rate = homes / compute_s if compute_s > 0 and len(todo) else float("nan")
    result.summary = [
        f"{n_done} van {len(order)} gemeenten klaar ({len(skipped)} eerder berekend), {n_fail} mislukt.",
        f"{nl_int(homes)} woningen en {nl_int(len(merged.buurten))} buurten samengevoegd; "
        f"rangschikking {RANKINGS[ranking]}."
        + (f" Rekentijd {nl_number(compute_s, 1)} s ({nl_int(rate)} woningen per seconde)."
           if len(todo) else ""),
        *[f"Mislukt: {c}: {r}" for c, r in result.failed.items()],
    ]
    return result


def _write_outputs(folder: OutputFolder, merged: Any, html: str) -> list[Path]:
    """Write the merged outputs into the staging folder and swap them in at once."""
    import pandas as pd

    from afweging.analyses.priorities import priorities_table

    b = merged.buurten
    if len(b):
        b.to_parquet(folder.path("buurten.parquet"))
        gpkg = b.copy()
        for col in gpkg.columns:
            if col != "geometry" and gpkg[col].dtype == object:
                gpkg[col] = gpkg[col].astype("string")
        with fixed_gpkg_date():
            gpkg.to_file(folder.path("buurten.gpkg"), layer="buurten", driver="GPKG")
        write_csv(merged.barcode, folder.path("barcode.csv"))
        prio = pd.concat([priorities_table(r) for r in merged.priorities], ignore_index=True)
        prio.insert(2, "gemeentecode", b["gemeentecode"].reindex(prio["buurtcode"]).to_numpy())
        prio.insert(0, RANKING_COL, RANKINGS[merged.ranking])
        write_csv(prio, folder.path("prioriteiten.csv"))
    folder.path("batch.html").write_text(html, encoding="utf-8")
    return folder.commit()
