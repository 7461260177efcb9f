"""The settings of :func:`afweging.analyses.priorities.prioritise`: read, merge, validate.

The defaults live in ``priorities.toml`` next to this module (its header documents every
key). A user TOML (or a dict) overrides them: scalars and lists replace, tables merge
(so ``need = { hitte = 0 }`` only changes the heat weight), and a question that sets
``max_minutes`` drops the default ``max_distance_m`` and the other way round.

Everything is validated against the declared schema
(:mod:`afweging.analyses.priorities.config_schema`) before anything is computed; all
problems are raised at once as one :class:`~afweging._errors.ConfigError` that names, in
Dutch, the file, the table, the key, the rule and the fix.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from afweging._errors import ConfigError
from afweging._schema import problems_from, raise_problems, read_toml

#: The three priority questions (fixed ids; their gaps are computed differently).
QUESTIONS: tuple[str, ...] = ("speelplek", "ontmoetingsplek", "voorzieningen")

#: Questions whose gap is "beyond the nearest facility of one kind".
NEAREST_QUESTIONS: tuple[str, ...] = ("speelplek", "ontmoetingsplek")

#: Display units of indicator sources.
UNITS: tuple[str, ...] = ("%", "m2", "index", "euro_x1000", "per_km2")

DEFAULTS_NAME = "priorities.toml (standaardwaarden van afweging)"


@dataclass(frozen=True)
class Source:
    """One way to obtain an indicator: a column, its display unit and reason fragment."""

    column: str
    unit: str
    template: str

    @property
    def kind(self) -> str:
        """``"cbs"`` or ``"layer"``."""
        return self.column.split(":", 1)[0]

    @property
    def name(self) -> str:
        """The column (or ``NUM/DEN``) without the prefix."""
        return self.column.split(":", 1)[1]


@dataclass(frozen=True)
class Indicator:
    """A need / typology indicator (see ``[indicators.ID]`` in priorities.toml)."""

    id: str
    label: str
    direction: str
    sources: tuple[Source, ...]
    optional: bool
    high: str
    low: str
    note: str = ""

    @property
    def sign(self) -> float:
        """+1 when a higher value means more need, -1 otherwise."""
        return 1.0 if self.direction == "higher" else -1.0


@dataclass(frozen=True)
class FlagRule:
    """Which buurten are flagged per question."""

    top: int
    min_people: float
    min_share_pct: float
    max_share_of_buurten_pct: float = 100.0

    def limit(self, n_ranked: int) -> int:
        """Number of best-ranked buurten that may be flagged among ``n_ranked`` with data."""
        return min(self.top, math.ceil(self.max_share_of_buurten_pct / 100.0 * n_ranked))


@dataclass(frozen=True)
class Question:
    """One priority question (see ``[questions.ID]`` in priorities.toml)."""

    id: str
    label: str
    categories: tuple[str, ...] | None  # None = "everyday"
    mode: str
    max_distance_m: float | None
    max_minutes: float | None
    group: str
    group_label: str
    report_groups: dict[str, str]
    need: dict[str, float]
    norm_source: str
    flags: FlagRule

    def threshold_minutes(self, speed_m_per_min: float) -> float:
        """The norm in minutes (a distance norm is divided by the mode's speed)."""
        if self.max_minutes is not None:
            return self.max_minutes
        assert self.max_distance_m is not None
        return self.max_distance_m / speed_m_per_min

    def norm_text(self) -> str:
        """Dutch phrase of the norm: ``"200 m looproute"``, ``"10 minuten lopen"``."""
        from afweging._format import nl_number

        if self.max_distance_m is not None:
            route = "looproute" if self.mode == "walk" else "fietsroute"
            return f"{nl_number(self.max_distance_m, _decimals(self.max_distance_m))} m {route}"
        assert self.max_minutes is not None
        verb = "lopen" if self.mode == "walk" else "fietsen"
        return f"{nl_number(self.max_minutes, _decimals(self.max_minutes))} minuten {verb}"


@dataclass(frozen=True)
class TypologyConfig:
    """Settings of the buurt typology (KMeans)."""

    features: tuple[str, ...]
    k_min: int
    k_max: int
    min_residents: float
    name_terms: int
    name_min_z: float


@dataclass(frozen=True)
class PriorityConfig:
    """All settings of a priorities run, validated.

    Attributes
    ----------
    ongelijk_investeren : float
        How much need scales priority (0 = even spread).
    reason_max_factors : int
        Need indicators named per reason.
    reason_min_z : float
        Smallest (signed) z of an indicator named in a reason.
    questions : dict
        Question id -> :class:`Question`, in the order of :data:`QUESTIONS`.
    indicators : dict
        Indicator id -> :class:`Indicator`.
    typology : TypologyConfig
    files : tuple of str
        The files the settings came from (defaults first).
    """

    ongelijk_investeren: float
    reason_max_factors: int
    reason_min_z: float
    questions: dict[str, Question]
    indicators: dict[str, Indicator]
    typology: TypologyConfig
    files: tuple[str, ...]


def _decimals(x: float) -> int:
    return 0 if float(x).is_integer() else 1


# --------------------------------------------------------------------------- reading


def _default_doc() -> dict[str, Any]:
    text = resources.files("afweging.analyses.priorities").joinpath("priorities.toml").read_text("utf-8")
    return tomllib.loads(text)


def _user_doc(config: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config)), "config (dict)"
    path = Path(config)
    doc = read_toml(path, error=ConfigError, what="Het prioriteitenbestand",
                    hint="Het formaat staat bovenin afweging/analyses/priorities/priorities.toml en in docs/invoer.md.")[0]
    return doc, str(path)


def _merge(base: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in user.items():
        if key in ("flags", "typology") and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        elif key in ("questions", "indicators") and isinstance(value, dict) and isinstance(out.get(key), dict):
            for name, table in value.items():
                current = out[key].get(name)
                if not isinstance(table, dict) or not isinstance(current, dict):
                    out[key][name] = copy.deepcopy(table)
                    continue
                merged = copy.deepcopy(current)
                if key == "questions" and ("max_minutes" in table or "max_distance_m" in table):
                    merged.pop("max_minutes", None)
                    merged.pop("max_distance_m", None)
                for k, v in table.items():
                    if k in ("need", "flags") and isinstance(v, dict) and isinstance(merged.get(k), dict):
                        merged[k].update(v)
                    else:
                        merged[k] = copy.deepcopy(v)
                out[key][name] = merged
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_priority_config(config: str | Path | Mapping[str, Any] | None = None) -> PriorityConfig:
    """The priorities settings: the bundled defaults, overridden by ``config``.

    Parameters
    ----------
    config : path-like or mapping, optional
        A user TOML (or the same structure as a dict). See the header of
        ``afweging/analyses/priorities/priorities.toml`` for every key.

    Returns
    -------
    PriorityConfig

    Raises
    ------
    ConfigError
        With every problem found (unknown key or question, negative weight, both
        ``max_minutes`` and ``max_distance_m``, unknown indicator...), naming the file
        and the key and saying how to fix it.

    Examples
    --------
    >>> cfg = load_priority_config({"ongelijk_investeren": 0.0})
    >>> cfg.ongelijk_investeren, cfg.questions["speelplek"].max_distance_m
    (0.0, 200.0)
    """
    defaults = _default_doc()
    files = [DEFAULTS_NAME]
    if config is None:
        user: dict[str, Any] = {}
        user_name = DEFAULTS_NAME
    else:
        user, user_name = _user_doc(config)
        files.append(user_name)
    merged = _merge(defaults, user)
    return _build(merged, user, user_name, tuple(files))


# --------------------------------------------------------------------------- validating


def _build(doc: dict[str, Any], user: dict[str, Any], user_name: str, files: tuple[str, ...]) -> PriorityConfig:
    """Validate the merged document against the schema; problems name the file a value came from."""
    from afweging.analyses.priorities.config_schema import PrioritiesFile

    def where(path: tuple[str, ...]) -> str:
        node: Any = user
        for p in path:
            if isinstance(node, dict) and p in node:
                node = node[p]
            elif isinstance(node, list) and p.isdigit() and int(p) < len(node):
                node = node[int(p)]
            else:
                return DEFAULTS_NAME
        return user_name

    indicators = doc.get("indicators")
    context = {"indicators": list(indicators) if isinstance(indicators, dict) else None}
    try:
        spec = PrioritiesFile.model_validate(doc, context=context)
    except ValidationError as exc:
        problems = problems_from(exc, PrioritiesFile, doc, file=user_name, origin=where)
        what = "De standaardinstellingen van de prioriteiten" if user_name == DEFAULTS_NAME else (
            f"Het prioriteitenbestand {user_name}")
        raise_problems(ConfigError, problems, what=what)
    base = FlagRule(top=spec.flags.top, min_people=spec.flags.min_people, min_share_pct=spec.flags.min_share_pct,
                    max_share_of_buurten_pct=spec.flags.max_share_of_buurten_pct)
    inds = {
        iid: Indicator(
            id=iid, label=i.label, direction=i.direction,
            sources=tuple(Source(column=s.column, unit=s.unit, template=s.template) for s in i.sources),
            optional=i.optional, high=i.high if i.high is not None else f"veel {i.label}",
            low=i.low if i.low is not None else f"weinig {i.label}", note=i.note,
        )
        for iid, i in spec.indicators.items()
    }
    questions: dict[str, Question] = {}
    for qid in QUESTIONS:
        q = getattr(spec.questions, qid)
        flags = base
        if q.flags is not None:
            given = {k: v for k, v in q.flags.model_dump().items() if v is not None}
            flags = dataclasses.replace(base, **given)
        questions[qid] = Question(
            id=qid, label=q.label if q.label is not None else qid,
            categories=None if q.categories == "everyday" else tuple(dict.fromkeys(q.categories)),
            mode=q.mode, max_distance_m=q.max_distance_m, max_minutes=q.max_minutes, group=q.group,
            group_label=q.group_label, report_groups=dict(q.report_groups),
            need={k: float(w) for k, w in q.need.items() if w > 0}, norm_source=q.norm_source, flags=flags,
        )
    t = spec.typology
    return PriorityConfig(
        ongelijk_investeren=spec.ongelijk_investeren,
        reason_max_factors=spec.reason_max_factors,
        reason_min_z=spec.reason_min_z,
        questions=questions,
        indicators=inds,
        typology=TypologyConfig(features=tuple(t.features), k_min=t.k_min, k_max=t.k_max,
                                min_residents=t.min_residents, name_terms=t.name_terms, name_min_z=t.name_min_z),
        files=files,
    )
