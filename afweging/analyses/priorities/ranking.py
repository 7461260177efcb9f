"""Priorities: where should playgrounds, meeting places and everyday facilities come first?

The Sociale Visie Utrecht 2040 asks not for an even spread of playgrounds but "how big is
the chance to play for the children of this buurt?", and to invest more where needs are
higher (*ongelijk investeren voor gelijke kansen*). This module turns the layers and the
reachability result into three ranked, explained lists, one per question:

``speelplek``
    Children 0-14 (CBS ``a_00_14``, spread over homes: per home ``residents ×
    a_00_14 / a_inw`` of its buurt) whose home is farther than the play norm (Utrecht:
    play space within 200 m, converted to minutes at the walking speed
    :func:`afweging.settings.speed_m_per_min`) from a playground. The distance is the
    reachability engine's per-home time: along the walking network where there is one,
    else straight line × detour factor; the reason says which.
``ontmoetingsplek``
    All residents, and among them the 65-plussers (``a_65_oo``), farther than 10
    minutes' walk from a meeting place.
``voorzieningen``
    Residents missing everyday categories (:func:`afweging.data.tags.everyday_categories`)
    within 10 minutes, weighted by how many are missing. A category without any
    facility in the area (Utrecht: ``apotheek``) is "geen gegevens" and left out, with a
    warning.

Score
-----
For every buurt and question::

    gap    = people affected (speelplek, ontmoetingsplek), or
             sum over homes of residents × missing categories (voorzieningen)
    need   = behoefte-index in (0, 1): the weighted mean of the standardised need
             indicators (StandardScaler over the buurten with inhabitants, sign flipped
             where a lower value means more need), standardised again and mapped with the
             normal CDF, so 0.5 is an average buurt and 0.84 one standard deviation above
    score  = gap × (1 + ongelijk_investeren × need)

``ongelijk_investeren = 0`` gives exactly gap-proportional scores (an even spread: only
the number of people counts). The default 2 makes, for the same gap, a buurt one
standard deviation needier than average weigh about twice as much as one a standard
deviation below it ((1 + 2 × 0.84) / (1 + 2 × 0.16) ≈ 2), and the neediest buurt at
most three times the least needy; with 1 that ratio would be 1.6, which on Utrecht
still put a well-off buurt with many children ahead of Tigrisdreef or Kanaleneiland. A missing CBS value is imputed with the
median buurt (never 0), and the reason says so. Indicators, weights, norms, target
groups and flag rules are set in ``priorities.toml`` (see its header).

Buurten whose facilities are unknown (outside the coverage of the facility source, or
homes on stand-in grid points from the same file) are "geen gegevens": not ranked, not
flagged. The reasons carry the method caveats: "hitte: proxy", "afstand hemelsbreed ×
omrijfactor".

Also here: a buurt typology (:mod:`afweging.analyses.priorities.typology`). Candidate locations
for new playgrounds or meeting places are in :mod:`afweging.analyses.locations`.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import ItemsView, Iterator, KeysView, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr
from sklearn.preprocessing import StandardScaler

from afweging import settings
from afweging._errors import ConfigError, NoMatchError
from afweging._format import nl_int, nl_names, nl_number, nl_pct
from afweging.analyses.priorities.config import (
    NEAREST_QUESTIONS,
    QUESTIONS,
    PriorityConfig,
    Question,
    load_priority_config,
)
from afweging.analyses.priorities.inputs import (
    FALLBACK,
    GRID_ORIGIN,
    PriorityInputs,
    ResolvedIndicator,
)
from afweging.analyses.priorities.typology import Typology, buurt_typology
from afweging.data import tags
from afweging.geo.area import Area

__all__ = [
    "PriorityResult",
    "prio_col",
    "prioritise",
    "write_priorities_csv",
]

#: Relative tolerance when comparing a travel time with the norm (200 m at 80 m/min is
#: 2.5 min; a home at exactly the norm is within it).
_RTOL = 1e-9

#: Status of a row of a question frame.
OK, NO_DATA = "ok", "geen gegevens"


def prio_col(question: str, stat: str) -> str:
    """Column of :meth:`PriorityResult.to_buurt_frame`: ``prio_speelplek_rank``."""
    return f"prio_{question}_{stat}"


# ------------------------------------------------------------------------------ result


@dataclass
class PriorityResult:
    """Ranked, explained priorities per question, flags and a buurt typology.

    Attributes
    ----------
    questions : dict of str -> DataFrame
        Per question id (``speelplek``, ``ontmoetingsplek``, ``voorzieningen``) a frame
        indexed by buurtcode, sorted by rank (buurten without data last): ``buurtnaam``,
        ``wijkcode``, ``rank`` (Int64, ties share a rank, NA without data), ``score``,
        ``people`` (target group affected), ``share_pct`` (of the group with a known
        time), ``group_total``, ``gap`` (the score's base), ``need_index`` (0-1),
        ``need_z``, ``flag``, ``reason`` (Dutch), ``status`` ("ok" / "geen gegevens"),
        ``fallback_pct``, ``type``/``type_name`` (typology), ``type_share_pct`` (median
        ``share_pct`` of the buurten of the same type: how similar buurten fare),
        ``people_<col>`` per report group, and per need indicator its value
        ``need_<id>`` and ``need_<id>_z``.
    typology : DataFrame
        Indexed by buurtcode: ``type`` and ``type_name``.
    typology_detail : Typology
        Profiles, centroids, silhouette scores.
    caveats : list of str
        Dutch caveats (method, proxies, excluded categories, imputation).
    config : PriorityConfig
        The settings used.
    area_name : str
    """

    questions: dict[str, pd.DataFrame]
    typology: pd.DataFrame
    typology_detail: Typology
    caveats: list[str]
    config: PriorityConfig
    area_name: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, question: str) -> pd.DataFrame:
        if question not in self.questions:
            raise KeyError(f"Unknown question {question!r}; use one of {list(self.questions)}.")
        return self.questions[question]

    def __iter__(self) -> Iterator[str]:
        """The question ids, like a mapping: ``list(prios)``, ``for q in prios``."""
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def __contains__(self, question: object) -> bool:
        return question in self.questions

    def keys(self) -> KeysView[str]:
        """The question ids (``dict(prios)`` gives question id -> frame)."""
        return self.questions.keys()

    def items(self) -> ItemsView[str, pd.DataFrame]:
        return self.questions.items()

    @property
    def flags(self) -> pd.DataFrame:
        """The flagged buurten of every question: one row per (question, buurt)."""
        rows = []
        for q, frame in self.questions.items():
            f = frame[frame["flag"]]
            rows.append(pd.DataFrame({
                "question": q,
                "buurtcode": f.index,
                "buurtnaam": f["buurtnaam"].to_numpy(),
                "rank": f["rank"].to_numpy(),
                "score": f["score"].to_numpy(),
                "people": f["people"].to_numpy(),
                "share_pct": f["share_pct"].to_numpy(),
                "type_name": f["type_name"].to_numpy(),
                "reason": f["reason"].to_numpy(),
            }))
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()

    def to_buurt_frame(self) -> pd.DataFrame:
        """Priorities per buurt as columns, for ``buurten.gpkg``.

        Per question ``q``: ``prio_{q}_rank``, ``prio_{q}_score``, ``prio_{q}_people``,
        ``prio_{q}_share_pct``, ``prio_{q}_need_index``, ``prio_{q}_flag`` (bool),
        ``prio_{q}_reden`` (Dutch reason); then ``prio_type`` and ``prio_type_name``.
        Indexed by buurtcode in the order of the area's buurten.
        """
        index = self.typology.index
        out = pd.DataFrame(index=index)
        for q, frame in self.questions.items():
            f = frame.reindex(index)
            out[prio_col(q, "rank")] = f["rank"].astype("Int64")
            out[prio_col(q, "score")] = f["score"].astype(float)
            out[prio_col(q, "people")] = f["people"].astype(float)
            out[prio_col(q, "share_pct")] = f["share_pct"].astype(float)
            out[prio_col(q, "need_index")] = f["need_index"].astype(float)
            out[prio_col(q, "flag")] = f["flag"].fillna(False).astype(bool)
            out[prio_col(q, "reden")] = f["reason"].astype(object)
        out["prio_type"] = self.typology["type"]
        out["prio_type_name"] = self.typology["type_name"]
        out.index.name = "buurtcode"
        return out

    def similar(self, buurtcode: str) -> pd.DataFrame:
        """The buurten of the same type as ``buurtcode``, with their rank per question."""
        if buurtcode not in self.typology.index:
            raise NoMatchError(f"Buurtcode {buurtcode!r} is not a buurt of {self.area_name!r}.")
        t = self.typology.loc[buurtcode, "type"]
        if pd.isna(t):
            same = self.typology.index[self.typology.index == buurtcode]
        else:
            same = self.typology.index[(self.typology["type"] == t).fillna(False).to_numpy()]
        first = next(iter(self.questions.values()))
        out = pd.DataFrame({"buurtnaam": first["buurtnaam"].reindex(same)}, index=same)
        out["type_name"] = self.typology.loc[same, "type_name"]
        for q, frame in self.questions.items():
            out[f"{q}_rank"] = frame["rank"].reindex(same)
            out[f"{q}_people"] = frame["people"].reindex(same)
            out[f"{q}_flag"] = frame["flag"].reindex(same)
        return out

    def __repr__(self) -> str:
        n_flags = {q: int(f["flag"].sum()) for q, f in self.questions.items()}
        return f"<PriorityResult {self.area_name!r}: flags {n_flags}, {len(self.caveats)} caveats>"

    def _repr_html_(self) -> str:
        parts = [f"<h3>Prioriteiten {html.escape(self.area_name)}</h3>"]
        for q, frame in self.questions.items():
            label = self.labels.get(q, q)
            top = frame[frame["status"] == OK].head(10)
            table = pd.DataFrame({
                "rang": top["rank"].astype("Int64").astype(str),
                "buurt": top["buurtnaam"],
                "mensen": [nl_int(v) for v in top["people"]],
                "aandeel": [nl_pct(v) for v in top["share_pct"]],
                "score": [nl_number(v, 1) for v in top["score"]],
                "vlag": ["ja" if v else "" for v in top["flag"]],
                "reden": top["reason"],
            })
            parts.append(f"<h4>{html.escape(label)}</h4>")
            parts.append(table.to_html(index=False, escape=True))
        if self.caveats:
            parts.append("<h4>Kanttekeningen</h4><ul>")
            parts += [f"<li>{html.escape(c)}</li>" for c in self.caveats]
            parts.append("</ul>")
        return "".join(parts)


# ------------------------------------------------------------------------------ helpers


class _Caveats:
    """Collects Dutch caveats; those marked ``warn`` are issued as warnings at the end."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.to_warn: list[str] = []

    def add(self, message: str, *, warn: bool = False) -> None:
        if message not in self.items:
            self.items.append(message)
            if warn:
                self.to_warn.append(message)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "onbekend"
    if unit == "%":
        return nl_pct(value)
    if unit == "m2":
        return f"{nl_int(value)} m²"
    if unit == "euro_x1000":
        return f"€ {nl_int(value * 1000.0)}"
    if unit == "per_km2":
        return f"{nl_int(value)} per km²"
    return nl_number(value, 0)


def _bincount(pos: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(pos, weights=weights, minlength=n)[:n]


@dataclass
class _Need:
    index: pd.Series  # 0..1, NaN for buurten without inhabitants
    z: pd.Series  # the combined, re-standardised z
    values: pd.DataFrame  # raw values used (before imputation)
    zs: pd.DataFrame  # per indicator z, signed so that + = more need
    imputed: pd.DataFrame  # bool
    medians: pd.Series
    used: list[str]


def need_index(
    resolved: Mapping[str, ResolvedIndicator | None],
    weights: Mapping[str, float],
    fit: pd.Series,
) -> _Need:
    """The behoefte-index of every buurt (see the module docstring).

    Parameters
    ----------
    resolved : mapping
        Indicator id -> values (None: no data, left out).
    weights : mapping
        Indicator id -> weight > 0.
    fit : Series of bool
        Buurten the scaler is fitted on (those with inhabitants); others get NaN.
    """
    index = fit.index
    used = [i for i, w in weights.items() if w > 0 and resolved.get(i) is not None]
    raw = pd.DataFrame({i: resolved[i].values.reindex(index) for i in used}, index=index)  # type: ignore[union-attr]
    medians = raw[fit].median()
    used = [i for i in used if pd.notna(medians.get(i))]
    raw = raw[used]
    imputed = raw.isna() & fit.to_numpy()[:, None]
    filled = raw.fillna(medians[used])
    nan = pd.Series(np.nan, index=index)
    if not used or fit.sum() == 0:
        z = pd.Series(0.0, index=index).where(fit)
        return _Need(pd.Series(ndtr(z), index=index).where(fit), z, raw, pd.DataFrame(index=index),
                     imputed, medians, used)
    scaler = StandardScaler().fit(filled[fit].to_numpy())
    signs = np.array([resolved[i].indicator.sign for i in used])  # type: ignore[union-attr]
    zs = pd.DataFrame(scaler.transform(filled.fillna(medians[used]).to_numpy()) * signs,
                      index=index, columns=used)
    w = np.array([weights[i] for i in used])
    comb = (zs.to_numpy() * w).sum(axis=1) / w.sum()
    comb_s = pd.Series(comb, index=index)
    mu = comb_s[fit].mean()
    sd = comb_s[fit].std(ddof=0)
    z = ((comb_s - mu) / sd) if sd > 1e-12 else pd.Series(0.0, index=index)
    z = z.where(fit, nan)
    return _Need(pd.Series(ndtr(z.to_numpy()), index=index).where(fit), z, raw, zs.where(fit),
                 imputed, medians, used)


# ------------------------------------------------------------------------------ gaps


@dataclass
class _Gap:
    """Per buurt (aligned with the area's buurten)."""

    group_total: np.ndarray
    known: np.ndarray
    people: np.ndarray
    gap: np.ndarray
    fallback: np.ndarray
    grid: np.ndarray
    report: dict[str, np.ndarray]
    missing_by_cat: dict[str, np.ndarray]


def _gap(inp: PriorityInputs, q: Question, cats: list[str], thr_min: float) -> _Gap:
    homes = inp.homes()
    n = len(inp.index)
    pos = inp.index.get_indexer(homes["buurtcode"])
    res = homes["residents"].to_numpy(dtype=float)
    what = f"Priority question {q.id!r} (settings questions.{q.id}.group)"
    share = inp.group_share(q.group, for_what=what).to_numpy()[pos]
    w = np.nan_to_num(res * share, nan=0.0)
    method = inp.home_method(q.mode)
    times = np.column_stack([inp.home_minutes(q.mode, c) for c in cats])
    known_h = ~np.isnan(times).any(axis=1)
    limit = thr_min * (1.0 + _RTOL)
    beyond = (times > limit) & known_h[:, None]
    n_missing = beyond.sum(axis=1)
    affected_h = known_h & (n_missing > 0)
    wk = np.where(known_h, w, 0.0)
    out = _Gap(
        group_total=_bincount(pos, w, n),
        known=_bincount(pos, wk, n),
        people=_bincount(pos, np.where(affected_h, w, 0.0), n),
        gap=_bincount(pos, wk * n_missing, n),
        fallback=_bincount(pos, np.where(method == FALLBACK, wk, 0.0), n),
        grid=_bincount(pos, np.where(homes["origin"].to_numpy() == GRID_ORIGIN, w, 0.0), n),
        report={},
        missing_by_cat={c: _bincount(pos, np.where(beyond[:, j], w, 0.0), n) for j, c in enumerate(cats)},
    )
    for col in q.report_groups:
        s = inp.group_share(col, for_what=f"Priority question {q.id!r} (settings "
                         f"questions.{q.id}.report_groups)").to_numpy()[pos]
        wr = np.nan_to_num(res * s, nan=0.0)
        out.report[col] = _bincount(pos, np.where(affected_h, wr, 0.0), n)
    return out


# ------------------------------------------------------------------------------ main


def prioritise(
    area: Area,
    layers: Any,
    reach: Any,
    *,
    config: str | Path | Mapping[str, Any] | None = None,
) -> PriorityResult:
    """Rank the buurten per priority question, with a Dutch reason per buurt.

    Parameters
    ----------
    area : Area
        With CBS statistics (``a_inw`` and the columns of the target groups and need
        indicators), homes and facilities.
    layers : LayerResult or None
        From :func:`afweging.layers.compute_layers`; supplies green and heat (and their
        method: a proxy is named in the reasons). None: only CBS indicators are used.
    reach : ReachabilityResult
        From :func:`afweging.analyses.reach.reachability.reachability`, with the modes and
        categories the questions use (default: walk, all categories).
    config : path-like or mapping, optional
        A user TOML overriding ``afweging/analyses/priorities/priorities.toml``.

    Returns
    -------
    PriorityResult

    Raises
    ------
    ConfigError
        Invalid settings, an unknown category or an indicator column that does not exist.
    MissingDataError, MissingColumnError
        No reachability result, or one without the needed modes/categories; a CBS column
        named by the settings is absent.

    Warns
    -----
    UserWarning
        Data caveats decided here: a category without facilities left out, buurten
        outside the facility data, an indicator without data, imputed CBS values.
    """
    cfg = load_priority_config(config)
    inp = PriorityInputs(area, layers, reach)
    cav = _Caveats()
    inw = inp.residents()
    fit = (inw > 0).fillna(False).astype(bool)
    labels = tags.labels()
    for c in area.categories:
        labels.setdefault(c, c)

    # ---- indicators (need + typology)
    wanted: list[str] = []
    for q in cfg.questions.values():
        wanted += [i for i in q.need if i not in wanted]
    wanted += [i for i in cfg.typology.features if i not in wanted]
    resolved: dict[str, ResolvedIndicator | None] = {}
    for iid in wanted:
        ind = cfg.indicators[iid]
        in_need = any(iid in q.need for q in cfg.questions.values())
        r = inp.resolve(ind, config_files=cfg.files, strict=in_need)
        resolved[iid] = r
        if r is None:
            where = [w for w, used in (("de behoefte-index", in_need),
                                       ("de buurttypering", iid in cfg.typology.features)) if used]
            cav.add(
                f"Indicator '{ind.label}' ({iid}): geen gegevens in dit gebied (geen van "
                f"{[s.column for s in ind.sources]} heeft waarden); niet meegewogen in "
                f"{' en '.join(where)}.",
                warn=True,
            )
            continue
        if r.method == "proxy" and in_need:
            cav.add(f"{_cap(ind.label)} in de behoefte-index is een proxy "
                    f"({r.source.column}): {r.description}")
        if ind.note and in_need:
            cav.add(ind.note)
        n_missing = int((r.values.isna() & fit).sum())
        if n_missing:
            names = area.buurten.loc[fit & r.values.isna(), "buurtnaam"].astype(str).tolist()
            cav.add(
                f"{_cap(ind.label)} ({r.source.column}) is onbekend voor {n_missing} "
                f"buurt(en) met inwoners ({nl_names(names, 8)}); daar is de mediaan van de "
                f"buurten gebruikt (niet 0)"
                + (", en de reden zegt dat." if in_need else ", alleen in de buurttypering."),
                warn=True,
            )

    # ---- typology
    typ = _typology(cfg, resolved, inw)
    if typ.k:
        cav.add(
            f"Buurttypering: {typ.k} typen (KMeans, aantal gekozen met de silhouetscore tussen "
            f"{cfg.typology.k_min} en {cfg.typology.k_max}) op "
            f"{', '.join(cfg.indicators[f].label for f in typ.centroids_z.columns)}; buurten "
            f"met minder dan {nl_int(cfg.typology.min_residents)} inwoners zijn niet getypeerd."
        )

    # ---- questions
    frames: dict[str, pd.DataFrame] = {}
    qlabels: dict[str, str] = {}
    for qid in QUESTIONS:
        q = cfg.questions[qid]
        qlabels[qid] = q.label
        frames[qid] = _question(q, cfg, inp, resolved, fit, labels, typ, cav)

    if inp.homes().attrs.get("bad_residents"):
        cav.add(f"{inp.homes().attrs['bad_residents']} woning(en) zonder geldig aantal bewoners "
                f"tellen niet mee.", warn=True)
    cav.add("Mediaan in de redenen = de middelste buurt van het gebied (buurten met inwoners); "
            "behoefte-index 50 = een gemiddelde buurt.")
    if area.synthetic:
        cav.add("Synthetisch demogebied: alle cijfers zijn verzonnen, niet echt.")
    for msg in cav.to_warn:
        warnings.warn(f"prioritise: {msg}", UserWarning, stacklevel=2)
    return PriorityResult(
        questions=frames,
        typology=typ.types,
        typology_detail=typ,
        caveats=cav.items,
        config=cfg,
        area_name=area.name,
        labels=qlabels,
    )


def _typology(cfg: PriorityConfig, resolved: Mapping[str, ResolvedIndicator | None],
              inw: pd.Series) -> Typology:
    feats = [f for f in cfg.typology.features if resolved.get(f) is not None]
    profile = pd.DataFrame({f: resolved[f].values for f in feats}, index=inw.index)  # type: ignore[union-attr]
    return buurt_typology(
        profile,
        inw,
        high={f: cfg.indicators[f].high for f in feats},
        low={f: cfg.indicators[f].low for f in feats},
        k_min=cfg.typology.k_min,
        k_max=cfg.typology.k_max,
        min_residents=cfg.typology.min_residents,
        name_terms=cfg.typology.name_terms,
        name_min_z=cfg.typology.name_min_z,
        proxies={f for f in feats if resolved[f].method == "proxy"},  # type: ignore[union-attr]
        seed=settings.seed,
    )


def _question_categories(q: Question, cfg: PriorityConfig, inp: PriorityInputs,
                         labels: dict[str, str], cav: _Caveats) -> tuple[list[str], list[str]]:
    """The categories a question counts, and those left out for lack of data."""
    cats = list(q.categories) if q.categories is not None else tags.everyday_categories()
    unknown = [c for c in cats if c not in labels]
    if unknown:
        from afweging._schema import suggest

        close = [c for c in (suggest(u, list(labels)) for u in unknown) if c]
        raise ConfigError(
            f"{' / '.join(cfg.files)}: [questions.{q.id}] categories: {', '.join(repr(u) for u in unknown)} "
            f"{'is geen bekende categorie' if len(unknown) == 1 else 'zijn geen bekende categorieën'}"
            + (f" (bedoelde u {' of '.join(repr(c) for c in close)}?)" if close else "")
            + f". Bekend zijn: {', '.join(sorted(labels))} (de id's van afweging/data/osm_tags.toml of een eigen "
            f"tagtabel)."
        )
    absent = [c for c in cats if not inp.category_present(c)]
    if absent:
        names = ", ".join(labels[c] for c in absent)
        if len(absent) < len(cats):
            cav.add(f"{q.label}: geen enkele voorziening van {names} in het gebied; dat is "
                    f"'geen gegevens', niet 'overal ontbrekend': die categorie telt niet mee.",
                    warn=True)
        else:
            cav.add(f"{q.label}: geen enkele voorziening van {names} in het gebied; deze vraag "
                    f"heeft geen gegevens.", warn=True)
    return [c for c in cats if c not in absent], absent


def _question(
    q: Question,
    cfg: PriorityConfig,
    inp: PriorityInputs,
    resolved: Mapping[str, ResolvedIndicator | None],
    fit: pd.Series,
    labels: dict[str, str],
    typ: Typology,
    cav: _Caveats,
) -> pd.DataFrame:
    index = inp.index
    area = inp.area
    cats, _absent = _question_categories(q, cfg, inp, labels, cav)
    speed = settings.speed_m_per_min(q.mode)
    thr = q.threshold_minutes(speed)
    need = need_index(resolved, q.need, fit)

    frame = pd.DataFrame(index=index)
    frame["buurtnaam"] = area.buurten["buurtnaam"].astype(str)
    frame["wijkcode"] = area.buurten["wijkcode"]
    status = pd.Series(OK, index=index, dtype=object)
    why = pd.Series("", index=index, dtype=object)

    if not cats:
        nan = np.full(len(index), np.nan)
        g = _Gap(nan, nan, nan, nan, nan, nan, dict.fromkeys(q.report_groups, nan), {})
        status[:] = NO_DATA
        why[:] = f"geen {'/'.join(labels[c].lower() for c in (q.categories or []))} in de bron"
    else:
        g = _gap(inp, q, cats, thr)
        gaps = inp.outside_facility_coverage(cats)
        if len(gaps):
            names = area.buurten.loc[gaps, "buurtnaam"].astype(str).tolist()
            cav.add(
                f"{q.label}: {len(gaps)} buurt(en) liggen buiten de dekking van de "
                f"voorzieningenbron (de woningen zijn daar rasterpunten of de "
                f"voorzieningenlaag zegt 'geen gegevens'); ze krijgen geen rang en geen vlag: "
                f"{nl_names(names, 12)}.",
                warn=True,
            )
            status[gaps] = NO_DATA
            why[gaps] = "buurt ligt buiten de dekking van de voorzieningenbron"
        group_share = inp.group_share(q.group, for_what=f"questions.{q.id}.group")
        unknown_group = group_share.isna() & status.eq(OK)
        status[unknown_group] = NO_DATA
        why[unknown_group] = f"CBS-aantal {q.group_label} onbekend"
        no_homes = (fit & (g.group_total == 0) & (group_share > 0) & status.eq(OK))
        status[no_homes] = NO_DATA
        why[no_homes] = "geen woningen in de bron"
        if no_homes.any():
            names = area.buurten.loc[no_homes, "buurtnaam"].astype(str).tolist()
            cav.add(f"{q.label}: {len(names)} buurt(en) met inwoners (CBS) hebben geen woningen "
                    f"in de bron en krijgen geen rang: {nl_names(names, 12)}.")
        all_unknown = (g.group_total > 0) & (g.known == 0) & status.eq(OK)
        status[all_unknown] = NO_DATA
        why[all_unknown] = "reistijd van geen enkele woning bekend (los netwerkdeel)"

    ok = status.eq(OK).to_numpy()
    base = g.people if q.id in NEAREST_QUESTIONS else g.gap
    share_pct = np.divide(100.0 * g.people, g.known, out=np.full(len(index), np.nan), where=g.known > 0)
    score = base * (1.0 + cfg.ongelijk_investeren * need.index.fillna(0.0).to_numpy())
    score = np.round(score, 9)

    frame["score"] = np.where(ok, score, np.nan)
    frame["people"] = np.where(ok, g.people, np.nan)
    frame["share_pct"] = np.where(ok, share_pct, np.nan)
    frame["group_total"] = np.where(ok, g.group_total, np.nan)
    frame["gap"] = np.where(ok, base, np.nan)
    frame["need_index"] = need.index
    frame["need_z"] = need.z
    frame["fallback_pct"] = np.divide(100.0 * g.fallback, g.known, out=np.full(len(index), np.nan),
                                      where=g.known > 0)
    for col in q.report_groups:
        frame[f"people_{col}"] = np.where(ok, g.report[col], np.nan)
    rank = frame["score"].rank(method="min", ascending=False)
    frame["rank"] = rank.round().astype("Int64")
    rule = q.flags
    frame["flag"] = (
        ok
        & (frame["rank"].fillna(10**9).to_numpy() <= rule.limit(int(frame["rank"].notna().sum())))
        & (frame["people"].fillna(0).to_numpy() > 0)
        & (frame["people"].fillna(0).to_numpy() >= rule.min_people)
        & (frame["share_pct"].fillna(0).to_numpy() >= rule.min_share_pct)
    )
    frame["status"] = status
    frame["type"] = typ.types["type"]
    frame["type_name"] = typ.types["type_name"]
    # the same share in similar buurten (same type): median over the type's buurten with data
    valid = frame["status"].eq(OK) & frame["group_total"].gt(0) & frame["type"].notna()
    type_median = frame.loc[valid].groupby("type")["share_pct"].median()
    frame["type_share_pct"] = frame["type"].map(type_median).astype(float)
    for i in need.used:
        frame[f"need_{i}"] = need.values[i]
        frame[f"need_{i}_z"] = need.zs[i]

    frame["reason"] = [
        _reason(q, cfg, pos, frame, g, need, resolved, cats, labels, why.iloc[pos])
        for pos in range(len(index))
    ]
    frame = frame[[
        "buurtnaam", "wijkcode", "rank", "score", "people", "share_pct", "group_total", "gap",
        "need_index", "need_z", "flag", "reason", "status", "fallback_pct", "type", "type_name",
        "type_share_pct",
        *[c for c in frame.columns if c.startswith("people_") or (c.startswith("need_")
          and c not in ("need_index", "need_z"))],
    ]]
    order = np.lexsort((frame.index.to_numpy().astype(str),
                        frame["rank"].fillna(10**9).to_numpy(dtype=float)))
    return frame.iloc[order]


# ------------------------------------------------------------------------------ reasons


def _gap_sentence(q: Question, pos: int, frame: pd.DataFrame, g: _Gap, cats: list[str],
                  labels: dict[str, str]) -> str:
    people = float(frame["people"].iloc[pos])
    total = float(frame["group_total"].iloc[pos])
    share = float(frame["share_pct"].iloc[pos])
    norm = q.norm_text()
    if q.id in NEAREST_QUESTIONS:
        cat = labels[cats[0]].lower()
        if total <= 0:
            return f"Geen {q.group_label} in deze buurt (CBS {q.group})"
        if people <= 0:
            return f"Alle {nl_int(total)} {q.group_label} wonen binnen {norm} van een {cat}"
        extra = [f"{nl_int(g.report[c][pos])} {lab}" for c, lab in q.report_groups.items()
                 if round(g.report[c][pos]) > 0]
        onder = f", onder wie {' en '.join(extra)}," if extra else ""
        return (f"{nl_int(people)} {q.group_label} ({nl_pct(share)}){onder} wonen verder dan "
                f"{norm} van een {cat}")
    k = len(cats)
    if total <= 0:
        return f"Geen {q.group_label} in deze buurt (CBS {q.group})"
    if people <= 0:
        return (f"Alle {nl_int(total)} {q.group_label} hebben alle {k} dagelijkse voorzieningen "
                f"binnen {norm}")
    mean_missing = float(g.gap[pos]) / people
    by_cat = sorted(((g.missing_by_cat[c][pos], c) for c in cats), key=lambda t: (-t[0], t[1]))
    top = [labels[c].lower() for v, c in by_cat if v > 0][:3]
    return (f"{nl_int(people)} {q.group_label} ({nl_pct(share)}) missen binnen {norm} minstens "
            f"één van {k} dagelijkse voorzieningen, gemiddeld {nl_number(mean_missing, 1)} "
            f"(vooral {', '.join(top)})")


def _reason(
    q: Question,
    cfg: PriorityConfig,
    pos: int,
    frame: pd.DataFrame,
    g: _Gap,
    need: _Need,
    resolved: Mapping[str, ResolvedIndicator | None],
    cats: list[str],
    labels: dict[str, str],
    why: str,
) -> str:
    if frame["status"].iloc[pos] != OK:
        return f"Geen gegevens: {why}."
    parts = [_gap_sentence(q, pos, frame, g, cats, labels)]
    notes: list[str] = []
    code = frame.index[pos]
    if need.used and pd.notna(need.index.iloc[pos]):
        contrib = []
        for i in need.used:
            r = resolved[i]
            assert r is not None
            if bool(need.imputed.loc[code, i]):
                notes.append(f"{r.indicator.label} onbekend, mediaan gebruikt")
                continue
            z = float(need.zs.loc[code, i])
            v = float(need.values.loc[code, i])
            med = float(need.medians[i])
            above_median = (v - med) * r.indicator.sign > 0
            if z >= max(cfg.reason_min_z, 1e-12) and above_median:
                contrib.append((q.need[i] * z, i))
        order = list(q.need)
        contrib.sort(key=lambda t: (-round(t[0], 9), order.index(t[1])))
        for _, i in contrib[: cfg.reason_max_factors]:
            r = resolved[i]
            assert r is not None
            v = float(need.values.loc[code, i])
            med = float(need.medians[i])
            parts.append(f"{r.source.template.format(value=_fmt(v, r.source.unit))} "
                         f"(mediaan {_fmt(med, r.source.unit)})")
        parts.append(f"behoefte-index {nl_int(100.0 * float(need.index.iloc[pos]))} van 100")
        for i in need.used:
            r = resolved[i]
            if r is not None and r.method == "proxy":
                notes.append(f"{r.indicator.label}: proxy")
    known = g.known[pos]
    if known > 0:
        fb = 100.0 * g.fallback[pos] / known
        if fb >= 99.5:
            notes.append("afstand hemelsbreed × omrijfactor")
        elif fb > 0.5:
            notes.append(f"afstand voor {nl_pct(fb)} hemelsbreed × omrijfactor, verder via het netwerk")
    if g.group_total[pos] > 0 and g.grid[pos] > 0:
        notes.append("woningen benaderd met rasterpunten")
    text = "; ".join(parts)
    if notes:
        text += f" ({'; '.join(notes)})"
    return text + "."


# ------------------------------------------------------------------------------ CSV

#: Dutch headers of prioriteiten.csv.
CSV_COLUMNS = ("vraag", "rang", "buurtcode", "buurtnaam", "wijk", "score", "mensen",
               "aandeel (%)", "doelgroep", "behoefte-index", "vlag", "reden", "buurttype",
               "aandeel in vergelijkbare buurten (%)")


def priorities_table(result: PriorityResult, *, wijknamen: Mapping[str, str] | None = None,
                     earlier: PriorityResult | None = None, earlier_label: str = "") -> pd.DataFrame:
    """The rows of ``prioriteiten.csv``: one per (question, buurt), Dutch headers.

    With ``earlier`` (the priorities of another moment, e.g. today next to a scenario's
    target year) two columns follow: ``rang <earlier_label>`` and ``mensen <earlier_label>``.
    """
    rows = []
    for q, frame in result.questions.items():
        question = result.config.questions[q]
        wijk = frame["wijkcode"].map(lambda c: (wijknamen or {}).get(c, c))
        rows.append(pd.DataFrame({
            "vraag": question.label,
            "rang": frame["rank"].astype("Int64"),
            "buurtcode": frame.index,
            "buurtnaam": frame["buurtnaam"],
            "wijk": wijk,
            "score": frame["score"].round(1),
            "mensen": frame["people"].round(0).astype("Int64"),
            "aandeel (%)": frame["share_pct"].round(1),
            "doelgroep": question.group_label,
            "behoefte-index": (100.0 * frame["need_index"]).round(0).astype("Int64"),
            "vlag": np.where(frame["flag"], "ja", "nee"),
            "reden": frame["reason"],
            "buurttype": frame["type_name"],
            "aandeel in vergelijkbare buurten (%)": frame["type_share_pct"].round(1),
        }))
        if earlier is not None:
            before = earlier.questions[q].reindex(frame.index)
            # .array keeps Int64 (a buurt without a rank then is empty, not a float "1,0")
            rows[-1][f"rang {earlier_label}"] = before["rank"].astype("Int64").array
            rows[-1][f"mensen {earlier_label}"] = before["people"].round(0).astype("Int64").array
    extra = [f"rang {earlier_label}", f"mensen {earlier_label}"] if earlier is not None else []
    return pd.concat(rows, ignore_index=True)[[*CSV_COLUMNS, *extra]]


def write_priorities_csv(result: PriorityResult, path: str | Path, *,
                         wijknamen: Mapping[str, str] | None = None,
                         earlier: PriorityResult | None = None, earlier_label: str = "") -> Path:
    """Write ``prioriteiten.csv``: Dutch headers, ``;`` separated, decimal comma.

    The Dutch spreadsheet convention (Excel/LibreOffice with Dutch settings open it
    directly): ``;`` between fields, ``,`` as decimal separator, UTF-8 with BOM. One row
    per (vraag, buurt): rang, buurtcode, buurtnaam, wijk, score, mensen, aandeel (%),
    doelgroep, behoefte-index (0-100), vlag (ja/nee), reden, buurttype and the median
    aandeel in buurten of the same type ("aandeel in vergelijkbare buurten (%)").

    Parameters
    ----------
    result : PriorityResult
    path : path-like
    wijknamen : mapping, optional
        wijkcode -> wijknaam (e.g. ``area.wijken["wijknaam"]``); codes otherwise.
    earlier, earlier_label : PriorityResult and str, optional
        Adds the rank and people of another moment (see :func:`priorities_table`).
    """
    path = Path(path)
    from afweging._csv import write_csv

    return write_csv(priorities_table(result, wijknamen=wijknamen, earlier=earlier,
                                      earlier_label=earlier_label), path)
