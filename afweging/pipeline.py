"""`afweging run`: load an area, compute everything, write every output.

Outputs are first written to a temporary folder next to ``out_dir`` and moved into
place only when every step succeeded, so a failing run never leaves half-written files.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from afweging.geo.area import Area

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What :func:`run` computed and wrote."""

    area: Area
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)


def _buurten_frame(area: Area, extra: list[pd.DataFrame]) -> gpd.GeoDataFrame:
    """The buurten with statistics plus every per-buurt result, ready for GeoPackage."""
    gdf = area.buurten.copy()
    for frame in extra:
        cols = [c for c in frame.columns if c not in gdf.columns]
        gdf = gdf.join(frame[cols], how="left")
    for col in gdf.columns:
        if col != "geometry" and gdf[col].dtype == bool:
            gdf[col] = gdf[col].astype("int8")
        elif col != "geometry" and gdf[col].dtype == object:
            gdf[col] = gdf[col].astype("string")
    return gdf


def run(
    area: Area,
    out_dir: str | Path,
    *,
    progress: Callable[[str], None] | None = None,
    norms: str | Path | None = None,
) -> RunResult:
    """Compute everything for ``area`` and write the outputs into ``out_dir``.

    Parameters
    ----------
    area : Area
        From :func:`afweging.load_area` or :func:`afweging.demo_area`.
    out_dir : path-like
        Created if needed; existing output files are replaced only when the run succeeds.
    progress : callable, optional
        Called with a Dutch description before each step (the CLI prints it).
    norms : path-like, optional
        A user norms TOML overriding the bundled norms.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".afweging-", dir=out_dir.parent))
    result = RunResult(area=area, out_dir=out_dir)
    say = progress or (lambda msg: log.info(msg))
    per_buurt: list[pd.DataFrame] = []

    def step(label: str) -> Callable[[Callable[[], Any]], Any]:
        def wrap(fn: Callable[[], Any]) -> Any:
            say(label)
            t0 = time.perf_counter()
            value = fn()
            result.timings_s[label] = time.perf_counter() - t0
            return value

        return wrap

    try:
        gdf = step("Buurten en CBS-cijfers schrijven")(lambda: _buurten_frame(area, per_buurt))
        path = tmp / "buurten.gpkg"
        gdf.to_file(path, layer="buurten", driver="GPKG")
        result.files.append(out_dir / "buurten.gpkg")
        result.summary.extend(_summary_lines(area))
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in tmp.iterdir():
            target = out_dir / f.name
            if target.is_dir():
                shutil.rmtree(target)
            shutil.move(str(f), str(target))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _summary_lines(area: Area) -> list[str]:
    from afweging._format import nl_int

    inw = area.stat("a_inw").sum() if "a_inw" in area.buurten else float("nan")
    lines = [
        f"{area.name}: {len(area.buurten)} buurten"
        + (f" in {len(area.wijken)} wijken" if area.wijken is not None else "")
        + f", {nl_int(inw)} inwoners (CBS {area.statistics_year or 'onbekend jaar'})."
    ]
    if area.homes is not None:
        lines.append(f"{nl_int(len(area.homes))} woningen als herkomstpunt.")
    return lines
