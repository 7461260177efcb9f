"""Merging the finished gemeenten, and what can only be computed over all of them.

Most results are local to a buurt and come unchanged from the gemeente's task: the
layers, the reachability (with the border buffer, a home near a border gets exactly the
time of a run over the whole region) and the barcode of each buurt, wijk and gemeente
(scored against absolute norms). Two things are *relative*, they look at all buurten at
once, and are computed here over the merged buurten:

* ``heat_proxy_index``: every term is min-max scaled over the buurten compared; the task
  keeps the unscaled terms (``heat_proxy_density`` ...), the merge scales them.
* the priorities: the need index standardises the need indicators over the buurten
  (mean, standard deviation, medians for missing values), the buurt typology clusters
  them, and the ranking and the flag limit (a share of the ranked buurten) compare them.

Both are scaled and ranked either over all buurten of the batch (``ranking =
"landelijk"``, the default: a buurt in Groningen and one in Utrecht are compared) or
within each gemeente (``ranking = "gemeente"``: the same as a run per gemeente). The
outputs say which (column ``rangschikking``; the batch report).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from afweging import settings
from afweging._errors import ConfigError
from afweging.batch.store import BatchStore
from afweging.batch.task import DONE, HOMES_FILE
from afweging.geo.area import Area, Provenance
from afweging.layers._base import LayerResult
from afweging.layers.heat import PROXY_TERMS, heat_proxy_from_terms

#: Values of the ``ranking`` setting, and how the outputs name them.
RANKINGS: dict[str, str] = {"landelijk": "landelijk", "gemeente": "binnen de gemeente"}

#: Column of ``buurten.parquet`` and ``prioriteiten.csv`` that says how the relative
#: measures were scaled and ranked.
RANKING_COL = "rangschikking"


def check_ranking(ranking: str) -> str:
    """``ranking`` if valid, else a Dutch :class:`ConfigError` naming the choices."""
    if ranking not in RANKINGS:
        raise ConfigError(
            f"rangschikking {ranking!r} bestaat niet; kies 'landelijk' (alle buurten van de batch "
            f"samen) of 'gemeente' (binnen elke gemeente)."
        )
    return ranking


@dataclass
class Merged:
    """The merged batch.

    Attributes
    ----------
    buurten : GeoDataFrame
        Every buurt of the finished gemeenten, indexed by ``buurtcode``, with
        ``gemeentecode``, ``gemeentenaam``, all indicators, the barcode, the priorities
        and ``rangschikking``.
    priorities : list of PriorityResult
        One (landelijk) or one per gemeente.
    statuses : dict of str -> dict
        The ``gemeente.json`` of every gemeente of the batch (None when never started).
    barcode : DataFrame
        The barcode of every gemeente (``niveau = "gemeente"``), wijk and buurt.
    ranking : str
    """

    buurten: gpd.GeoDataFrame
    priorities: list[Any]
    statuses: dict[str, dict[str, Any] | None]
    barcode: pd.DataFrame
    ranking: str
    caveats: list[str] = field(default_factory=list)


def _groups(frame: pd.DataFrame, ranking: str) -> list[pd.Index]:
    """The row groups that are scaled and ranked together."""
    if ranking == "landelijk":
        return [frame.index]
    return [idx for _, idx in frame.groupby("gemeentecode", sort=False).groups.items()]


def _methods(statuses: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The methods table of the indicators, from the first gemeente that has each."""
    frames = [pd.DataFrame(st["methods"]).set_index("indicator") for st in statuses]
    merged = pd.concat(frames)
    return merged[~merged.index.duplicated()]


def _scale_heat_proxy(buurten: pd.DataFrame, methods: pd.DataFrame, ranking: str) -> None:
    terms = [c for c in PROXY_TERMS if c in buurten.columns]
    if "heat_proxy_index" not in buurten.columns or "heat_proxy_density" not in terms:
        return
    values = pd.Series(np.nan, index=buurten.index)
    for idx in _groups(buurten, ranking):
        values.loc[idx] = heat_proxy_from_terms(buurten.loc[idx, terms])
    buurten["heat_proxy_index"] = values
    if "heat_proxy_index" in methods.index:
        where = ("over alle buurten van de batch (landelijk)" if ranking == "landelijk"
                 else "binnen elke gemeente")
        methods.loc["heat_proxy_index", "description"] = (
            str(methods.loc["heat_proxy_index", "description"])
            + f" In deze batch geschaald {where}."
        )


def _homes_for_priorities(store: BatchStore, codes: Sequence[str], cfg: Any) -> gpd.GeoDataFrame:
    """The per-home columns the priorities read (only those), of every finished gemeente."""
    import pyarrow.parquet as pq

    from afweging._names import reach_method_col

    modes = sorted({q.mode for q in cfg.questions.values()})
    frames: list[gpd.GeoDataFrame] = []
    for code in codes:
        names = pq.read_schema(store.folder(code) / HOMES_FILE).names
        keep = ["buurtcode", "residents", "origin", "geometry"]
        keep += [c for c in names if any(c == reach_method_col(m) or c.startswith(f"{m}_min_")
                                         for m in modes)]
        frames.append(store.homes(code, columns=keep))
    return gpd.GeoDataFrame(pd.concat(frames), geometry="geometry", crs=settings.crs)


@dataclass
class _Reach:
    """What the priorities read from a reachability result: the per-home table."""

    homes: gpd.GeoDataFrame


def _prioritise(buurten: gpd.GeoDataFrame, homes: gpd.GeoDataFrame, layers: LayerResult,
                statuses: Sequence[dict[str, Any]], name: str, config: Any) -> Any:
    from afweging.analyses.priorities import prioritise

    categories = sorted({c for st in statuses for c in st.get("categories", [])})
    far = shapely.Point(float(buurten.total_bounds[0]) - 1e5, float(buurten.total_bounds[1]) - 1e5)
    # category presence only: one stand-in point per category that the gemeenten have
    facilities = gpd.GeoDataFrame({"category": categories, "buurtcode": np.nan},
                                  geometry=[far] * len(categories), crs=settings.crs)
    same = all(st.get("provenance_same_file") for st in statuses)
    prov = ({"facilities": Provenance("batch", path="batch"), "homes": Provenance("batch", path="batch")}
            if same else {})
    stats = buurten.drop(columns=[c for c in buurten.columns if c in layers.values.columns])
    area = Area(name=name, buurten=stats, homes=homes[["buurtcode", "residents", "origin", "geometry"]],
                facilities=facilities, provenance=prov,
                synthetic=all(st.get("synthetic") for st in statuses))
    return prioritise(area, layers, _Reach(homes), config=config)


def merge(
    store: BatchStore,
    codes: Sequence[str],
    *,
    ranking: str,
    name: str,
    priorities: Any = None,
    say: Callable[[str], None] = lambda _m: None,
) -> Merged:
    """Merge the finished gemeenten of ``codes`` (in that order); see the module doc."""
    from afweging.analyses.priorities import load_priority_config

    ranking = check_ranking(ranking)
    statuses = {c: store.status(c) for c in codes}
    done = [c for c in codes if (statuses[c] or {}).get("status") == DONE]
    done_st: list[dict[str, Any]] = [statuses[c] or {} for c in done]
    if not done:
        return Merged(gpd.GeoDataFrame(), [], statuses, pd.DataFrame(), ranking)
    say("Samenvoegen en landelijk schalen" if ranking == "landelijk" else "Samenvoegen")
    buurten = gpd.GeoDataFrame(pd.concat([store.buurten(c) for c in done]), crs=settings.crs)
    methods = _methods(done_st)
    _scale_heat_proxy(buurten, methods, ranking)

    cfg = load_priority_config(priorities)
    layer_cols = [c for c in buurten.columns if c in methods.index and c not in
                  {"gemeentecode", "gemeentenaam"}]
    results = []
    for idx in _groups(buurten, ranking):
        b = buurten.loc[idx]
        in_group = set(b["gemeentecode"])
        st = [s for s in done_st if s["gemeentecode"] in in_group]
        # the homes of this group only: ranked within each gemeente, the driver holds one
        # gemeente's homes at a time
        homes = _homes_for_priorities(store, [c for c in done if c in in_group], cfg)
        layers = LayerResult(b[layer_cols].copy(), methods.loc[layer_cols], [])
        label = name if ranking == "landelijk" else str(b["gemeentenaam"].iloc[0])
        results.append(_prioritise(b, homes[homes["buurtcode"].isin(idx)], layers, st, label, priorities))
        del homes
    prio = pd.concat([r.to_buurt_frame() for r in results])
    buurten = buurten.drop(columns=[c for c in prio.columns if c in buurten.columns]).join(prio)
    for col in buurten.columns:
        if col != "geometry" and buurten[col].dtype == bool:
            buurten[col] = buurten[col].astype("int8")
    buurten[RANKING_COL] = RANKINGS[ranking]
    return Merged(buurten, results, statuses, _barcode_table(buurten, done_st), ranking)


def _barcode_table(buurten: gpd.GeoDataFrame, statuses: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The barcode of every gemeente, wijk and buurt as one table."""
    from afweging.barcode.columns import COMPLETE_COL, TOTAL_SCORE_COL

    rows = []
    for st in statuses:
        for level, key in (("gemeente", "barcode_gemeente"), ("wijk", "barcode_wijken")):
            for rec in st.get(key, []):
                code = rec.pop("code", None) or rec.pop("wijkcode", None) or rec.pop("index", None)
                rows.append({"niveau": level, "code": st["gemeentecode"] if level == "gemeente" else code,
                             "gemeentecode": st["gemeentecode"], **rec})
    cols = [c for c in buurten.columns if c.startswith(("score_", "status_", "normscore_"))
            or c in (TOTAL_SCORE_COL, COMPLETE_COL)]
    b = pd.DataFrame(buurten[["gemeentecode", *cols]]).reset_index(names="code")
    b.insert(0, "niveau", "buurt")
    table = pd.concat([pd.DataFrame(rows), b], ignore_index=True)
    order = ["niveau", "code", "gemeentecode"]
    return table[order + [c for c in table.columns if c not in order]]
