"""Read the results of the other modules into the plain frames the maps and report draw.

The maps accept whatever subset of results exists (``scores=None`` means no theme
choropleths, with a note saying so). Everything the maps need from a result is read here,
so a change in a result class touches one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from afweging.geo.area import Area


@dataclass
class ThemeScores:
    """Theme and balance scores per buurt (0–1, NaN = geen gegevens)."""

    themes: pd.DataFrame  # index buurtcode, one column per theme id
    labels: dict[str, str]  # theme id -> Dutch label
    overall: pd.Series  # balance score per buurt
    complete: pd.Series  # bool per buurt


def theme_scores(scores: Any, area: Area) -> ThemeScores | None:
    """Theme scores per buurt from a :class:`~afweging.barcode.scoring.BarcodeScores`."""
    if scores is None:
        return None
    level = getattr(scores, "buurt", None)
    if level is None:
        raise TypeError(
            f"scores must be a BarcodeScores (from afweging.score); got {type(scores).__name__}."
        )
    index = pd.Index(area.buurten.index.astype(str), name="buurtcode")
    themes = level.themes.copy()
    themes.index = themes.index.astype(str)
    order = sorted(scores.norms.themes.values(), key=lambda t: t.order)
    labels = {t.id: t.label for t in order if t.id in themes.columns}
    themes = themes[list(labels)].reindex(index).astype(float)
    overall = level.overall.copy()
    overall.index = overall.index.astype(str)
    complete = level.complete.copy()
    complete.index = complete.index.astype(str)
    return ThemeScores(
        themes=themes,
        labels=labels,
        overall=overall.reindex(index).astype(float),
        complete=complete.reindex(index).fillna(False).astype(bool),
    )


def barcode_svg(scores: Any, code: str, *, compact: bool = False) -> str | None:
    """The barcode SVG of a buurt, wijk or the city, or None without scores.

    ``compact=True`` gives the popup-sized form (:mod:`afweging.maps._minibarcode`).
    """
    if scores is None:
        return None
    if compact:
        from afweging.maps._minibarcode import mini_barcode_svg

        return mini_barcode_svg(scores, code)
    from afweging.barcode.render import render_svg

    return render_svg(scores, code)


@dataclass
class PriorityFlags:
    """Priority questions and the buurten flagged for each, with Dutch reasons."""

    questions: dict[str, str]  # question id -> Dutch label
    flags: pd.DataFrame  # columns: question, buurtcode, rank, reason, score, people (flagged)
    caveats: list[str] = field(default_factory=list)
    # per question: a frame indexed by buurtcode with rank, score, people, reason... (all)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # per question: the Dutch name of the people it counts ("kinderen", "ouderen", ...)
    groups: dict[str, str] = field(default_factory=dict)

    def for_buurt(self, code: str) -> pd.DataFrame:
        """Flags of one buurt."""
        return self.flags[self.flags["buurtcode"] == code]


_FLAG_COLUMNS = ("question", "buurtcode", "rank", "reason", "score", "people")


def priority_flags(priorities: Any) -> PriorityFlags | None:
    """Flagged buurten per priority question from a ``PriorityResult``.

    Accepts a :class:`~afweging.analyses.priorities.PriorityResult` (``flags``: a long
    table with ``question``, ``buurtcode``, ``rank``, ``reason``, ``score``, ``people``;
    ``labels``: question id -> Dutch label; ``questions``: question id -> frame per buurt;
    ``caveats``), or such a flags table directly.
    """
    if priorities is None:
        return None
    labels_raw: Any = {}
    groups: dict[str, str] = {}
    caveats: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    if isinstance(priorities, pd.DataFrame):
        flags = priorities
    else:
        flags = getattr(priorities, "flags", None)
        if not isinstance(flags, pd.DataFrame):
            raise TypeError(
                "priorities must be a PriorityResult (from afweging.prioritise) with a "
                f"`flags` table, or a DataFrame; got {type(priorities).__name__}."
            )
        labels_raw = getattr(priorities, "labels", {}) or {}
        caveats = [str(c) for c in (getattr(priorities, "caveats", None) or [])]
        raw_tables = getattr(priorities, "questions", {}) or {}
        tables = {str(k): v for k, v in raw_tables.items() if isinstance(v, pd.DataFrame)}
        config_questions = getattr(getattr(priorities, "config", None), "questions", {}) or {}
        groups = {str(k): str(q.group_label) for k, q in config_questions.items()
                  if getattr(q, "group_label", None)}
    if flags.empty and not len(flags.columns):
        flags = pd.DataFrame(columns=list(_FLAG_COLUMNS))
    flags = flags.reset_index() if "buurtcode" not in flags.columns else flags.copy()
    missing = [c for c in ("question", "buurtcode", "reason") if c not in flags.columns]
    if missing:
        raise TypeError(f"The priority flags lack column(s) {missing}; they have {list(flags.columns)}.")
    if "rank" not in flags.columns:
        flags["rank"] = flags.groupby("question").cumcount() + 1
    for col in ("score", "people"):
        if col not in flags.columns:
            flags[col] = np.nan
    flags["buurtcode"] = flags["buurtcode"].astype(str)
    flags["question"] = flags["question"].astype(str)
    questions: dict[str, str] = {str(k): str(v) for k, v in dict(labels_raw).items()}
    for qid in [*tables, *flags["question"].unique()]:
        questions.setdefault(str(qid), str(qid).replace("_", " ").capitalize())
    flags = flags.sort_values(["question", "rank"], kind="stable").reset_index(drop=True)
    return PriorityFlags(questions, flags[list(_FLAG_COLUMNS)], caveats, tables, groups)


@dataclass
class LocationSites:
    """A location choice as the map and the report draw it."""

    label: str  # Dutch name of one new site ("speelplek", "voorzieningencluster")
    group_label: str  # target group ("kinderen")
    norm_text: str  # "200 m looproute"
    report_groups: dict[str, str]  # CBS column -> Dutch plural
    chosen: pd.DataFrame  # rank, site_id, buurtnaam, people_new, weight_new, reason, x, y, ...
    greedy: pd.DataFrame
    comparison: dict[str, Any]
    before: dict[str, float]
    constraints: dict[str, Any]
    n: int
    candidates: pd.DataFrame  # origin, status per candidate
    caveats: list[str] = field(default_factory=list)


def _xy_frame(sites: Any) -> pd.DataFrame:
    frame = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    frame["x"] = sites.geometry.x.to_numpy() if len(sites) else []
    frame["y"] = sites.geometry.y.to_numpy() if len(sites) else []
    return frame


def location_sites(locations: Any) -> LocationSites | None:
    """What the maps need from a :class:`~afweging.analyses.locations.LocationChoice`."""
    if locations is None:
        return None
    sites = getattr(locations, "sites", None)
    demand = getattr(locations, "demand", None)
    if sites is None or demand is None:
        raise TypeError(
            "locations must be a LocationChoice (from afweging.choose_locations); got "
            f"{type(locations).__name__}."
        )
    q = demand.question
    cand = pd.DataFrame(locations.candidates.drop(columns=locations.candidates.geometry.name))
    return LocationSites(
        label=str(locations.label),
        group_label=str(q.group_label),
        norm_text=str(q.norm_text()),
        report_groups=dict(q.report_groups),
        chosen=_xy_frame(sites),
        greedy=_xy_frame(locations.greedy_sites),
        comparison=dict(locations.comparison),
        before=dict(locations.before),
        constraints=dict(locations.constraints),
        n=int(locations.n),
        candidates=cand,
        caveats=[str(c) for c in locations.caveats],
    )
