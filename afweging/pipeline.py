"""`afweging run`: load an area, compute everything, write every output.

Outputs go through the one output writer (:mod:`afweging._outputs`): written into a
staging folder inside ``out_dir`` and swapped in at once only when every step succeeded,
so a failing or interrupted run leaves the earlier outputs as they were, and a user's own
files in the folder are never touched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from afweging._outputs import OutputFolder, fixed_gpkg_date, output_folder
from afweging.geo.area import Area
from afweging.settings_schema import check_settings

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


def buurten_frame(area: Area, extra: list[pd.DataFrame]) -> gpd.GeoDataFrame:
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
    out_dir: str | Path | OutputFolder,
    *,
    progress: Callable[[str], None] | None = None,
    norms: str | Path | None = None,
    priorities: str | Path | None = None,
) -> RunResult:
    """Compute everything for ``area`` and write the outputs into ``out_dir``.

    Parameters
    ----------
    area : Area
        From :func:`afweging.load_area` or :func:`afweging.demo_area`.
    out_dir : path-like or OutputFolder
        Created if needed; checked and locked before any computing. The earlier outputs of
        ``afweging run`` in it are replaced, all at once, only when the run succeeds; other
        files in it are left alone. The CLI passes an :class:`~afweging._outputs.OutputFolder`
        it opened (and so checked) before loading the area.
    progress : callable, optional
        Called with a Dutch description before each step (the CLI prints it).
    norms : path-like, optional
        A user norms TOML overriding the bundled norms.
    priorities : path-like, optional
        A user TOML overriding the priority settings (``analyses/priorities/priorities.toml``).
    """
    check_settings()
    result = RunResult(area=area, out_dir=out_dir.out if isinstance(out_dir, OutputFolder) else Path(out_dir))
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

    with output_folder(out_dir, kind="run") as out:
        from afweging.analyses.reach.reachability import reachability
        from afweging.barcode import load_norms, score, sensitivity, write_barcode_html
        from afweging.layers import compute_layers, summarise_layers

        norm_set = load_norms(norms)  # a bad --norms file fails before any computing
        if priorities is not None:  # so does a bad --priorities file
            from afweging.analyses.priorities import load_priority_config

            load_priority_config(priorities)

        layers = step("Lagen berekenen (groen, hitte, geluid, wonen, voorzieningen)")(
            lambda: compute_layers(area)
        )
        result.results["layers"] = layers
        per_buurt.append(layers.values)
        reach = None
        if area.homes is not None and area.facilities is not None:
            reach = step("Bereikbaarheid per woning (lopen en fietsen)")(lambda: reachability(area))
            result.results["reach"] = reach
            per_buurt.append(reach.buurten)
        scores = step("Utrechtse barcode scoren")(lambda: score(area, layers, reach, norms=norm_set))
        result.results["scores"] = scores
        per_buurt.append(scores.to_frame("buurt"))
        prios = None
        if reach is not None:
            from afweging.analyses.priorities import prioritise, write_priorities_csv

            prios = step("Prioriteiten: speelplekken, ontmoetingsplekken, voorzieningen")(
                lambda: prioritise(area, layers, reach, config=priorities)
            )
            result.results["priorities"] = prios
            per_buurt.append(prios.to_buurt_frame())

        say("Uitvoer schrijven")
        gdf = buurten_frame(area, per_buurt)
        with fixed_gpkg_date():
            gdf.to_file(out.path("buurten.gpkg"), layer="buurten", driver="GPKG")
        if reach is not None:
            reach.homes.to_parquet(out.path("woningen_bereikbaarheid.parquet"))
        write_barcode_html(scores, out.path("barcode.html"), sensitivity=sensitivity(scores))
        if prios is not None:
            wijknamen = area.wijken["wijknaam"].to_dict() if area.wijken is not None else None
            write_priorities_csv(prios, out.path("prioriteiten.csv"), wijknamen=wijknamen)
        from afweging.maps import write_maps_and_report

        t0 = time.perf_counter()
        write_maps_and_report(
            area, out.staging, layers=layers, reach=reach, scores=scores, priorities=prios,
            progress=say, timings_s=result.timings_s,
        )
        result.timings_s["kaarten en rapport"] = time.perf_counter() - t0

        result.summary.extend(_summary_lines(area))
        result.summary.extend(summarise_layers(area, layers))
        if reach is not None:
            result.summary.extend(_reach_lines(reach))
        result.summary.extend(_barcode_lines(scores))
        if prios is not None:
            result.summary.extend(_priority_lines(prios))

        result.files = out.commit()
    return result


def _summary_lines(area: Area) -> list[str]:
    from afweging._format import nl_int

    inw = area.stat("a_inw").sum() if "a_inw" in area.buurten else float("nan")
    lines = [
        f"{area.name}: {len(area.buurten)} buurten"
        + (f" in {len(area.wijken)} wijken" if area.wijken is not None else "")
        + f", {nl_int(inw)} inwoners ("
        + ("synthetische cijfers" if area.synthetic else f"CBS {area.statistics_year or 'onbekend jaar'}")
        + ")."
    ]
    if area.homes is not None:
        prov = area.provenance.get("homes")
        source = f" (bron: {prov.source})" if prov is not None and prov.source else ""
        lines.append(f"{nl_int(len(area.homes))} woningen als herkomstpunt{source}.")
    return lines


def _reach_lines(reach: Any) -> list[str]:
    from afweging._format import nl_pct
    from afweging._names import reach_complete_share_col
    from afweging.layers import weighted_mean

    residents = reach.homes.groupby("buurtcode")["residents"].sum().reindex(reach.buurten.index)

    lines = []
    for mode, label in (("walk", "lopend"), ("bike", "per fiets")):
        col = reach_complete_share_col(mode, reach.minutes)
        if col not in reach.buurten.columns:
            continue
        rep = reach.report.loc[mode] if mode in reach.report.index else None
        share = float(weighted_mean(reach.buurten[col], residents))
        net = f" ({nl_pct(rep['residents_network_pct'])} van de inwoners via het straatnetwerk)" if rep is not None else ""
        lines.append(
            f"10-minutenstad {label}: {nl_pct(share)} van de inwoners heeft alle dagelijkse voorzieningen "
            f"binnen {reach.minutes:g} minuten{net}."
        )
    return lines


def _barcode_lines(scores: Any) -> list[str]:
    from afweging._format import nl_number

    frame = scores.to_frame("stad")
    if "score_totaal" not in frame.columns:
        return []
    total = float(frame["score_totaal"].iloc[0])
    return [f"Utrechtse barcode, stad: balansscore {nl_number(total * 100, 0)} van 100."]


def _priority_lines(prios: Any) -> list[str]:
    lines = []
    for q, frame in prios.questions.items():
        flagged = frame[frame["flag"]]
        if len(flagged) == 0:
            continue
        names = ", ".join(str(n) for n in flagged["buurtnaam"].head(3))
        label = prios.labels.get(q, q)
        lines.append(f"Prioriteit {label[:1].lower() + label[1:]}: {len(flagged)} buurten gemarkeerd, eerst {names}.")
    return lines
