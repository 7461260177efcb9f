"""The settings of :func:`afweging.analyses.priorities.prioritise`: read, merge, validate.

The defaults live in ``priorities.toml`` next to this module (its header documents every
key). A user TOML (or a dict) overrides them: scalars and lists replace, tables merge
(so ``need = { hitte = 0 }`` only changes the heat weight), and a question that sets
``max_minutes`` drops the default ``max_distance_m`` and the other way round.

Everything is validated before anything is computed; all problems are collected and
raised at once as one :class:`~afweging._errors.ConfigError` that names the file, the
key, the rule and the fix.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from afweging._errors import ConfigError, InputFileNotFoundError

#: The three priority questions (fixed ids; their gaps are computed differently).
QUESTIONS: tuple[str, ...] = ("speelplek", "ontmoetingsplek", "voorzieningen")

#: Questions whose gap is "beyond the nearest facility of one kind".
NEAREST_QUESTIONS: tuple[str, ...] = ("speelplek", "ontmoetingsplek")

#: Display units of indicator sources.
UNITS: tuple[str, ...] = ("%", "m2", "index", "euro_x1000", "per_km2")

DEFAULTS_NAME = "priorities.toml (standaardwaarden van afweging)"

_TOP_KEYS = {"ongelijk_investeren", "reason_max_factors", "reason_min_z", "flags", "typology", "questions", "indicators"}
_FLAG_KEYS = {"top", "max_share_of_buurten_pct", "min_people", "min_share_pct"}
_TYPOLOGY_KEYS = {"features", "k_min", "k_max", "min_residents", "name_terms", "name_min_z"}
_QUESTION_KEYS = {
    "label", "categories", "mode", "max_distance_m", "max_minutes", "group", "group_label",
    "report_groups", "need", "norm_source", "flags",
}
_INDICATOR_KEYS = {"label", "direction", "sources", "optional", "high", "low", "note"}
_SOURCE_KEYS = {"column", "unit", "template"}
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_COLUMN_RE = re.compile(rf"^(cbs:{_NAME}(/{_NAME})?|layer:{_NAME})$")


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
    if not path.exists():
        raise InputFileNotFoundError(
            f"Priorities settings file {path} does not exist. Pass the path of a TOML file "
            f"laid out like afweging/analyses/priorities/priorities.toml, or config=None for the defaults."
        )
    try:
        return tomllib.loads(path.read_text("utf-8")), str(path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the syntax.") from exc


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
    return _Validator(merged, user, user_name).build(tuple(files))


# --------------------------------------------------------------------------- validating


class _Validator:
    """Checks a merged settings document; problems name the file the value came from."""

    def __init__(self, doc: dict[str, Any], user: dict[str, Any], user_name: str) -> None:
        self.doc = doc
        self.user = user
        self.user_name = user_name
        self.problems: list[str] = []

    def where(self, *path: str) -> str:
        node: Any = self.user
        for p in path:
            if not isinstance(node, dict) or p not in node:
                return DEFAULTS_NAME
            node = node[p]
        return self.user_name

    def fail(self, path: tuple[str, ...], message: str) -> None:
        self.problems.append(f"{self.where(*path)}: {'.'.join(path)}: {message}")

    def unknown(self, table: dict[str, Any], known: set[str], path: tuple[str, ...]) -> None:
        for key in sorted(set(table) - known):
            self.problems.append(
                f"{self.where(*path, key)}: {'.'.join((*path, key))}: unknown key; "
                f"known keys here are {sorted(known)}. Fix the spelling or remove it."
            )

    def table(self, value: Any, path: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"must be a table, got {value!r}.")
            return {}
        return value

    def number(self, value: Any, path: tuple[str, ...], *, low: float = 0.0,
               high: float = math.inf, integer: bool = False, hint: str = "") -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and integer and not float(value).is_integer():
            ok = False
        if ok and not (math.isfinite(float(value)) and low <= float(value) <= high):
            ok = False
        if not ok:
            kind = "a whole number" if integer else "a number"
            rng = f">= {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
            self.fail(path, f"{value!r} is not allowed; use {kind} {rng}{f' ({hint})' if hint else ''}.")
            return float("nan")
        return float(value)

    def text(self, value: Any, path: tuple[str, ...], *, allow_empty: bool = False) -> str:
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            self.fail(path, f"must be a {'' if allow_empty else 'non-empty '}string, got {value!r}.")
            return ""
        return value

    # ------------------------------------------------------------------ build
    def build(self, files: tuple[str, ...]) -> PriorityConfig:
        doc = self.doc
        self.unknown(doc, _TOP_KEYS, ())
        for key in _TOP_KEYS:
            if key not in doc:
                self.fail((key,), "is missing (the defaults define it; do not remove it).")
        factor = self.number(doc.get("ongelijk_investeren", 0.0), ("ongelijk_investeren",))
        max_factors = self.number(doc.get("reason_max_factors", 3), ("reason_max_factors",), integer=True)
        min_z = self.number(doc.get("reason_min_z", 0.5), ("reason_min_z",))
        flags = self.flags(doc.get("flags", {}), ("flags",))
        indicators = self.indicators(doc.get("indicators", {}))
        questions = self.questions(doc.get("questions", {}), flags, indicators)
        typology = self.typology(doc.get("typology", {}), indicators)
        if self.problems:
            raise ConfigError(
                "The priorities settings are not valid:\n  - " + "\n  - ".join(self.problems)
                + "\nSee the header of afweging/analyses/priorities/priorities.toml for the format."
            )
        return PriorityConfig(
            ongelijk_investeren=factor,
            reason_max_factors=int(max_factors),
            reason_min_z=min_z,
            questions=questions,
            indicators=indicators,
            typology=typology,
            files=files,
        )

    def flags(self, value: Any, path: tuple[str, ...], base: FlagRule | None = None) -> FlagRule:
        t = self.table(value, path)
        self.unknown(t, _FLAG_KEYS, path)
        if base is None:
            for key in _FLAG_KEYS - {"max_share_of_buurten_pct"}:
                if key not in t:
                    self.fail((*path, key), "is missing.")
        top = self.number(t["top"], (*path, "top"), integer=True) if "top" in t else (
            base.top if base else 0)
        min_people = self.number(t["min_people"], (*path, "min_people")) if "min_people" in t else (
            base.min_people if base else 0.0)
        min_share = self.number(t["min_share_pct"], (*path, "min_share_pct"), high=100.0) if (
            "min_share_pct" in t) else (base.min_share_pct if base else 0.0)
        max_share = self.number(t["max_share_of_buurten_pct"], (*path, "max_share_of_buurten_pct"),
                                high=100.0) if "max_share_of_buurten_pct" in t else (
            base.max_share_of_buurten_pct if base else 100.0)
        top_i = int(top) if math.isfinite(top) else 0
        return FlagRule(top=top_i, min_people=min_people, min_share_pct=min_share,
                        max_share_of_buurten_pct=max_share)

    def indicators(self, value: Any) -> dict[str, Indicator]:
        out: dict[str, Indicator] = {}
        for iid, spec in self.table(value, ("indicators",)).items():
            path = ("indicators", iid)
            t = self.table(spec, path)
            if not t:
                continue
            self.unknown(t, _INDICATOR_KEYS, path)
            for key in ("label", "direction", "sources"):
                if key not in t:
                    self.fail((*path, key), "is missing.")
            direction = t.get("direction", "higher")
            if direction not in ("higher", "lower"):
                self.fail((*path, "direction"), f"{direction!r} is not allowed; use 'higher' "
                          f"(a higher value means more need) or 'lower'.")
            sources = self.sources(t.get("sources", []), (*path, "sources"))
            optional = t.get("optional", False)
            if not isinstance(optional, bool):
                self.fail((*path, "optional"), f"must be true or false, got {optional!r}.")
            out[iid] = Indicator(
                id=iid,
                label=self.text(t.get("label", iid), (*path, "label")),
                direction=str(direction),
                sources=sources,
                optional=bool(optional),
                high=self.text(t.get("high", f"veel {t.get('label', iid)}"), (*path, "high")),
                low=self.text(t.get("low", f"weinig {t.get('label', iid)}"), (*path, "low")),
                note=self.text(t.get("note", ""), (*path, "note"), allow_empty=True),
            )
        return out

    def sources(self, value: Any, path: tuple[str, ...]) -> tuple[Source, ...]:
        if not isinstance(value, list) or not value:
            self.fail(path, "must be a non-empty list of tables like "
                      "{ column = \"cbs:p_mgezw\", unit = \"%\", template = \"{value} meergezinswoningen\" }.")
            return ()
        out = []
        for i, spec in enumerate(value):
            p = (*path, str(i))
            if not isinstance(spec, dict):
                self.fail(p, f"must be a table with column, unit and template, got {spec!r}.")
                continue
            self.unknown(spec, _SOURCE_KEYS, p)
            column = spec.get("column")
            if not isinstance(column, str) or not _COLUMN_RE.match(column):
                self.fail((*p, "column"), f"{column!r} is not allowed; write 'cbs:COLUMN', "
                          f"'cbs:NUMERATOR/DENOMINATOR' (a percentage) or 'layer:COLUMN'.")
                continue
            unit = spec.get("unit", "%")
            if unit not in UNITS:
                self.fail((*p, "unit"), f"{unit!r} is not allowed; use one of {list(UNITS)}.")
            if "/" in column and unit != "%":
                self.fail((*p, "unit"), f"a ratio column ({column}) is a percentage; use unit = '%'.")
            template = spec.get("template", "{value}")
            try:
                ok = isinstance(template, str) and "{value}" in template
                if ok:
                    template.format(value="1")
            except (KeyError, IndexError, ValueError):
                ok = False
            if not ok:
                self.fail((*p, "template"), f"{template!r} must be a string with {{value}} and "
                          f"no other {{...}} fields, e.g. '{{value}} meergezinswoningen'.")
            out.append(Source(column=column, unit=str(unit), template=str(template)))
        return tuple(out)

    def questions(self, value: Any, flags: FlagRule,
                  indicators: dict[str, Indicator]) -> dict[str, Question]:
        tables = self.table(value, ("questions",))
        for qid in tables:
            if qid not in QUESTIONS:
                self.problems.append(
                    f"{self.where('questions', qid)}: questions.{qid}: unknown question; the "
                    f"questions are {list(QUESTIONS)}. Fix the name or remove the table."
                )
        out: dict[str, Question] = {}
        for qid in QUESTIONS:
            path = ("questions", qid)
            if qid not in tables:
                self.fail(path, "is missing (the defaults define it; do not remove it).")
                continue
            t = self.table(tables[qid], path)
            self.unknown(t, _QUESTION_KEYS, path)
            cats = t.get("categories", "everyday")
            categories: tuple[str, ...] | None
            if cats == "everyday":
                categories = None
            elif isinstance(cats, list) and cats and all(isinstance(c, str) and c for c in cats):
                categories = tuple(dict.fromkeys(cats))
            else:
                self.fail((*path, "categories"), f"{cats!r} is not allowed; use \"everyday\" or "
                          f"a non-empty list of category ids such as [\"speelplek\"].")
                categories = ()
            if qid in NEAREST_QUESTIONS and categories is not None and len(categories) != 1:
                self.fail((*path, "categories"), f"question {qid!r} measures the distance to the "
                          f"nearest facility of one kind; give exactly one category.")
            if qid in NEAREST_QUESTIONS and categories is None:
                self.fail((*path, "categories"), f"question {qid!r} needs exactly one category, "
                          f"not \"everyday\".")
            mode = t.get("mode", "walk")
            if mode not in ("walk", "bike"):
                self.fail((*path, "mode"), f"{mode!r} is not allowed; use 'walk' or 'bike'.")
            has_d, has_m = "max_distance_m" in t, "max_minutes" in t
            max_d = max_m = None
            if has_d and has_m:
                self.fail(path, "sets both max_distance_m and max_minutes; give one of them.")
            elif not has_d and not has_m:
                self.fail(path, "needs max_distance_m or max_minutes (the norm).")
            if has_d:
                max_d = self.number(t["max_distance_m"], (*path, "max_distance_m"))
                if max_d == 0:
                    self.fail((*path, "max_distance_m"), "must be more than 0 m.")
            if has_m:
                max_m = self.number(t["max_minutes"], (*path, "max_minutes"))
                if max_m == 0:
                    self.fail((*path, "max_minutes"), "must be more than 0 minutes.")
            group = self.text(t.get("group", "a_inw"), (*path, "group"))
            if group and not re.fullmatch(_NAME, group):
                self.fail((*path, "group"), f"{group!r} is not a CBS column name (e.g. 'a_00_14').")
            reports = self.table(t.get("report_groups", {}), (*path, "report_groups"))
            report_groups = {}
            for col, lab in reports.items():
                if not re.fullmatch(_NAME, col):
                    self.fail((*path, "report_groups", col), "is not a CBS column name (e.g. 'a_65_oo').")
                report_groups[col] = self.text(lab, (*path, "report_groups", col))
            need: dict[str, float] = {}
            for iid, w in self.table(t.get("need", {}), (*path, "need")).items():
                weight = self.number(w, (*path, "need", iid),
                                     hint="a weight; 0 leaves the indicator out")
                if iid not in indicators:
                    self.fail((*path, "need", iid), f"unknown indicator; known indicators are "
                              f"{sorted(indicators)} (define new ones under [indicators.ID]).")
                    continue
                if math.isfinite(weight) and weight > 0:
                    need[iid] = weight
            qflags = flags
            if "flags" in t:
                qflags = self.flags(t["flags"], (*path, "flags"), base=flags)
            out[qid] = Question(
                id=qid,
                label=self.text(t.get("label", qid), (*path, "label")),
                categories=categories,
                mode=str(mode),
                max_distance_m=max_d,
                max_minutes=max_m,
                group=group,
                group_label=self.text(t.get("group_label", "inwoners"), (*path, "group_label")),
                report_groups=report_groups,
                need=need,
                norm_source=self.text(t.get("norm_source", ""), (*path, "norm_source"), allow_empty=True),
                flags=qflags,
            )
        return out

    def typology(self, value: Any, indicators: dict[str, Indicator]) -> TypologyConfig:
        path = ("typology",)
        t = self.table(value, path)
        self.unknown(t, _TYPOLOGY_KEYS, path)
        feats = t.get("features", [])
        if not isinstance(feats, list) or len(feats) < 2 or not all(isinstance(f, str) for f in feats):
            self.fail((*path, "features"), f"{feats!r} is not allowed; give a list of at least "
                      f"two indicator ids, e.g. [\"kinderen\", \"corporatiebezit\"].")
            feats = []
        for f in feats:
            if f not in indicators:
                self.fail((*path, "features"), f"{f!r} is not a known indicator; known "
                          f"indicators are {sorted(indicators)}.")
        k_min = self.number(t.get("k_min", 3), (*path, "k_min"), low=2, integer=True)
        k_max = self.number(t.get("k_max", 8), (*path, "k_max"), low=2, integer=True)
        if math.isfinite(k_min) and math.isfinite(k_max) and k_min > k_max:
            self.fail((*path, "k_min"), f"k_min = {k_min:g} is larger than k_max = {k_max:g}; "
                      f"give 2 <= k_min <= k_max.")
        min_res = self.number(t.get("min_residents", 0.0), (*path, "min_residents"))
        name_terms = self.number(t.get("name_terms", 3), (*path, "name_terms"), low=1, integer=True)
        name_min_z = self.number(t.get("name_min_z", 0.5), (*path, "name_min_z"))
        return TypologyConfig(
            features=tuple(f for f in feats if f in indicators),
            k_min=int(k_min) if math.isfinite(k_min) else 2,
            k_max=int(k_max) if math.isfinite(k_max) else 2,
            min_residents=min_res,
            name_terms=int(name_terms) if math.isfinite(name_terms) else 1,
            name_min_z=name_min_z,
        )
