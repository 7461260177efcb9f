"""Norms of the barcode: loading, merging a user file, validating, and the score function.

The bundled ``norms.toml`` (next to this module) documents the format in its header. A user
file is merged into it by :func:`load_norms`; every problem of the merged result is
collected and reported at once in one :class:`~afweging._errors.NormsError` that names the
file, the norm id, the field and the fix.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from afweging._errors import InputFileNotFoundError, NormsError
from afweging.barcode import columns as _columns

#: Status of a norm (its legal weight), with the Dutch word shown to planners.
NORM_STATUSES: dict[str, str] = {
    "law": "wet",
    "guideline": "richtlijn",
    "policy aim": "beleidsdoel",
    "rule of thumb": "vuistregel",
    "toolkit default": "standaardwaarde toolkit",
}

#: Directions, with their Dutch explanation.
DIRECTIONS: dict[str, str] = {"higher": "hoger is beter", "lower": "lager is beter"}

#: Scales at which a source sets a norm. "plan" norms are used only by the plan check.
SCALES: tuple[str, ...] = ("buurt", "wijk", "stad", "plan")

#: Aggregation weights: buurt column (or "area") -> Dutch description.
AGGREGATES: dict[str, str] = {
    "a_inw": "inwoners",
    "a_woning": "woningen",
    "a_hh": "huishoudens",
    "area": "oppervlakte",
}

#: The three statuses of a scored stripe plus "no value", in Dutch.
VOLDOET, BIJNA, VOLDOET_NIET, GEEN_GEGEVENS = "voldoet", "bijna", "voldoet niet", "geen gegevens"
STATUS_ORDER: tuple[str, ...] = (VOLDOET, BIJNA, VOLDOET_NIET, GEEN_GEGEVENS)

_NORM_KEYS = {
    "theme", "label", "column", "value", "unit", "direction", "floor", "scale", "status",
    "aggregate", "weight", "bijna", "note", "source", "enabled",
}  # fmt: skip
_SOURCE_KEYS = {"document", "year", "page", "url", "publisher"}
_THEME_KEYS = {"label", "weight", "order"}
_SCORING_KEYS = {"voldoet", "bijna"}
_TOP_KEYS = {"scoring", "themes", "norms"}
#: Changing one of these changes what the norm claims, so a new source is required.
_CLAIM_KEYS = ("value", "floor", "direction", "column")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Source:
    """Where a norm comes from."""

    document: str
    year: int
    page: str | None = None
    url: str | None = None
    publisher: str | None = None

    def label(self) -> str:
        """One-line Dutch citation: ``document (year), page. url``."""
        text = f"{self.document} ({self.year})"
        if self.publisher:
            text = f"{self.publisher}: {text}"
        if self.page:
            text += f", {self.page}"
        if self.url:
            text += f". {self.url}"
        return text


@dataclass(frozen=True)
class Theme:
    """A theme of the barcode (groen, hitte, ...)."""

    id: str
    label: str
    weight: float
    order: int = 0


@dataclass(frozen=True)
class Norm:
    """One norm: an indicator column held against a sourced value.

    The score of an indicator value ``x`` is linear between ``floor`` (score 0) and
    ``value`` (score 1) and capped to [0, 1]:

    * ``direction == "higher"``: ``clip((x - floor) / (value - floor), 0, 1)``
    * ``direction == "lower"``: ``clip((floor - x) / (floor - value), 0, 1)``

    A missing value (NaN) stays NaN: it is never scored as zero.
    """

    id: str
    theme: str
    label: str
    column: str
    value: float
    unit: str
    direction: str
    floor: float
    scale: str
    status: str
    source: Source
    aggregate: str | None = None
    weight: float = 1.0
    bijna: float | None = None
    note: str = ""

    def score(self, x: Any) -> Any:
        """Score indicator value(s) ``x`` (scalar, array or Series) into [0, 1]; NaN stays NaN.

        Examples
        --------
        >>> n = Norm("g", "groen", "Groen", "green_m2_per_dwelling", 75.0, "m²", "higher",
        ...          0.0, "buurt", "guideline", Source("doc", 2020, page="p"))
        >>> float(n.score(30.0)), float(n.score(150.0))
        (0.4, 1.0)
        """
        if isinstance(x, pd.Series):
            return pd.Series(self.score(x.to_numpy(dtype=float)), index=x.index, name=x.name)
        arr = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.direction == "higher":
                raw = (arr - self.floor) / (self.value - self.floor)
            else:
                raw = (self.floor - arr) / (self.floor - self.value)
            out = np.clip(raw, 0.0, 1.0)
        return out if out.ndim else float(out)

    def norm_text(self) -> str:
        """Dutch norm in words: ``≥ 75 m² per woning``."""
        sign = "≥" if self.direction == "higher" else "≤"
        return f"{sign} {fmt_number(self.value)} {self.unit}"

    @property
    def status_nl(self) -> str:
        """Dutch status of the norm (wet, richtlijn, beleidsdoel...)."""
        return NORM_STATUSES[self.status]


@dataclass
class Norms:
    """All norms and themes, with the status thresholds.

    Attributes
    ----------
    norms : dict[str, Norm]
        By norm id, in file order.
    themes : dict[str, Theme]
        By theme id, sorted by ``order``.
    voldoet, bijna : float
        Score thresholds of the statuses "voldoet" and "bijna".
    files : tuple of str
        The files merged, default first.
    """

    norms: dict[str, Norm]
    themes: dict[str, Theme]
    voldoet: float = 1.0
    bijna: float = 0.8
    files: tuple[str, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[Norm]:
        return iter(self.norms.values())

    def __len__(self) -> int:
        return len(self.norms)

    def __getitem__(self, norm_id: str) -> Norm:
        return self.norms[norm_id]

    def for_scale(self, scale: str) -> list[Norm]:
        """Norms with the given scale, in theme order."""
        return [n for n in self.ordered() if n.scale == scale]

    def area_norms(self) -> list[Norm]:
        """Norms applied to buurten, wijken and the city (all but scale "plan"), theme order."""
        return [n for n in self.ordered() if n.scale != "plan"]

    def ordered(self) -> list[Norm]:
        """All norms, grouped by theme in theme order, file order within a theme."""
        rank = {t: i for i, t in enumerate(self.themes)}
        return sorted(self.norms.values(), key=lambda n: rank.get(n.theme, len(rank)))

    def bijna_for(self, norm: Norm) -> float:
        """The "bijna" threshold of a norm (its own, or the global one)."""
        return self.bijna if norm.bijna is None else norm.bijna

    def status(self, norm: Norm, score: Any) -> Any:
        """Dutch status of score(s): voldoet / bijna / voldoet niet / geen gegevens."""
        return status_from_score(score, voldoet=self.voldoet, bijna=self.bijna_for(norm))

    def table(self) -> pd.DataFrame:
        """One row per norm with Dutch column names (for reports and notebooks)."""
        rows = []
        for n in self.ordered():
            rows.append(
                {
                    "Norm": n.id,
                    "Thema": self.themes[n.theme].label,
                    "Indicator": n.label,
                    "Kolom": n.column,
                    "Norm (waarde)": n.norm_text(),
                    "Score 0 bij": f"{fmt_number(n.floor)} {n.unit}",
                    "Status norm": n.status_nl,
                    "Schaal": n.scale,
                    "Gewogen naar": AGGREGATES.get(n.aggregate or "", "—"),
                    "Gewicht in thema": n.weight,
                    "Bron": n.source.label(),
                    "Toelichting": n.note,
                }
            )
        return pd.DataFrame(rows).set_index("Norm")

    def _repr_html_(self) -> str:
        return "<h4>Normen van de barcode</h4>" + self.table().to_html()


def status_from_score(score: Any, *, voldoet: float = 1.0, bijna: float = 0.8) -> Any:
    """Dutch status per score: ``voldoet`` (>= voldoet), ``bijna`` (>= bijna),
    ``voldoet niet`` (below), ``geen gegevens`` (NaN).

    A tolerance of 1e-9 absorbs floating-point noise at the thresholds.

    Examples
    --------
    >>> status_from_score([1.0, 0.85, 0.2, float("nan")]).tolist()
    ['voldoet', 'bijna', 'voldoet niet', 'geen gegevens']
    """
    if isinstance(score, pd.DataFrame):
        return score.apply(lambda col: status_from_score(col, voldoet=voldoet, bijna=bijna))
    if isinstance(score, pd.Series):
        return pd.Series(
            status_from_score(score.to_numpy(dtype=float), voldoet=voldoet, bijna=bijna),
            index=score.index,
            name=score.name,
            dtype=object,
        )
    arr = np.asarray(score, dtype=float)
    eps = 1e-9
    out = np.select(
        [np.isnan(arr), arr >= voldoet - eps, arr >= bijna - eps],
        [GEEN_GEGEVENS, VOLDOET, BIJNA],
        default=VOLDOET_NIET,
    ).astype(object)
    return out if out.ndim else str(out)


def fmt_number(x: float | None, decimals: int | None = None, *, trim: bool = True) -> str:
    """Dutch number: comma as decimal separator, dot for thousands; trailing zeros are
    dropped unless ``trim=False``.

    Examples
    --------
    >>> fmt_number(2.5), fmt_number(75.0), fmt_number(12345.678, 1), fmt_number(float("nan"))
    ('2,5', '75', '12.345,7', '—')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if decimals is None:
        decimals = 0 if float(x).is_integer() else (1 if abs(x) >= 10 else 2)
    text = f"{x:,.{decimals}f}"
    if trim and decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# ----------------------------------------------------------------------------- loading
def default_norms_path() -> Path:
    """Path of the bundled ``norms.toml``."""
    return Path(str(resources.files("afweging.barcode").joinpath("norms.toml")))


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputFileNotFoundError(
            f"Norms file {path} does not exist. Pass the path of a TOML file with "
            f"[norms.ID] tables (see afweging/barcode/norms.toml for the format)."
        )
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise NormsError(f"{path} is not valid TOML: {exc}. Fix the syntax and try again.") from exc


def load_norms(
    path: str | Path | None = None,
    *,
    categories: Iterable[str] | None = None,
) -> Norms:
    """Load the bundled norms, merged with a user file if given.

    Parameters
    ----------
    path : str or Path, optional
        A user TOML in the layout of ``afweging/barcode/norms.toml``. It is merged into the
        bundled norms by these rules:

        * ``[scoring]``: ``voldoet`` / ``bijna`` replace the thresholds.
        * ``[themes.ID]``: fields given replace those of an existing theme (e.g. only
          ``weight``); a new ID adds a theme and needs ``label`` and ``weight``.
        * ``[norms.ID]`` with an existing ID: fields given replace those of the bundled norm;
          a ``source`` table replaces the bundled source whole. Changing what the norm
          claims (``value``, ``floor``, ``direction`` or ``column``) requires a new
          ``source``, so every number shown can be traced to who chose it.
          ``enabled = false`` removes the norm.
        * ``[norms.ID]`` with a new ID adds a norm; all required fields must be given.
        * Unknown keys are refused (they are usually typos).
    categories : iterable of str, optional
        Facility categories that reachability columns may name (default: the bundled tag
        table, :mod:`afweging.data.tags`).

    Returns
    -------
    Norms

    Raises
    ------
    NormsError
        Listing every problem: file, norm id, field and fix.

    Examples
    --------
    >>> norms = load_norms()
    >>> norms["groen_m2_per_woning"].value
    75.0
    """
    default_path = default_norms_path()
    merged = _read_toml(default_path)
    origin: dict[tuple[str, ...], str] = {}
    _mark_origin(merged, origin, default_path.name)
    files = [str(default_path)]
    problems: list[str] = []
    if path is not None:
        user_path = Path(path)
        user = _read_toml(user_path)
        files.append(str(user_path))
        problems += _merge(merged, user, origin, user_path.name)
    cats = tuple(categories) if categories is not None else _columns.default_categories()
    norms, more = _build(merged, origin, cats)
    problems += more
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise NormsError(
            f"The norms could not be loaded ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}):\n{listing}"
        )
    assert norms is not None
    norms.files = tuple(files)
    return norms


def _mark_origin(doc: dict[str, Any], origin: dict[tuple[str, ...], str], name: str) -> None:
    for section in ("themes", "norms"):
        for key, spec in (doc.get(section) or {}).items():
            if isinstance(spec, dict):
                for fld in spec:
                    origin[(section, key, fld)] = name
            origin[(section, key)] = name
    for fld in doc.get("scoring") or {}:
        origin[("scoring", fld)] = name


def _merge(
    merged: dict[str, Any],
    user: dict[str, Any],
    origin: dict[tuple[str, ...], str],
    name: str,
) -> list[str]:
    """Merge a user document into ``merged`` in place; return problems found while merging."""
    problems: list[str] = []
    for key in user:
        if key not in _TOP_KEYS:
            problems.append(
                f"{name}: unknown top-level key {key!r}; use [scoring], [themes.ID] or [norms.ID]."
            )
    scoring = user.get("scoring", {})
    if not isinstance(scoring, dict):
        problems.append(f"{name}: [scoring] must be a table with voldoet and/or bijna.")
    else:
        for fld, val in scoring.items():
            merged.setdefault("scoring", {})[fld] = val
            origin[("scoring", fld)] = name
    for section in ("themes", "norms"):
        block = user.get(section, {})
        if not isinstance(block, dict):
            problems.append(f"{name}: {section} must hold tables [{section}.ID].")
            continue
        target = merged.setdefault(section, {})
        for item_id, spec in block.items():
            if not isinstance(spec, dict):
                problems.append(
                    f"{name}: {section}.{item_id} must be a table [{section}.{item_id}]."
                )
                continue
            if item_id in target:
                if section == "norms":
                    changed = [
                        k for k in _CLAIM_KEYS if k in spec and spec[k] != target[item_id].get(k)
                    ]
                    if changed and "source" not in spec and spec.get("enabled", True) is not False:
                        problems.append(
                            f"{name}: norms.{item_id} changes {', '.join(changed)} but gives no "
                            f"source. Add a table [norms.{item_id}.source] with document, year "
                            f'and page or url (e.g. document = "Raadsbesluit ..."), so the '
                            f"choice can be traced."
                        )
                target[item_id] = {**target[item_id], **spec}
            else:
                target[item_id] = dict(spec)
                origin[(section, item_id)] = name
            for fld in spec:
                origin[(section, item_id, fld)] = name
    return problems


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def _build(
    doc: dict[str, Any],
    origin: dict[tuple[str, ...], str],
    categories: tuple[str, ...],
) -> tuple[Norms | None, list[str]]:
    problems: list[str] = []

    def where(*key: str) -> str:
        return origin.get(tuple(key)) or origin.get(tuple(key[:2])) or "norms.toml"

    # ---- scoring thresholds
    scoring = doc.get("scoring") or {}
    for fld in scoring:
        if fld not in _SCORING_KEYS:
            problems.append(
                f"{where('scoring', fld)}: [scoring] has unknown key {fld!r}; allowed: voldoet, bijna."
            )
    voldoet = scoring.get("voldoet", 1.0)
    bijna = scoring.get("bijna", 0.8)
    if not _is_number(voldoet) or not 0.0 < float(voldoet) <= 1.0:
        problems.append(
            f"{where('scoring', 'voldoet')}: scoring.voldoet = {voldoet!r}; it must be a number "
            f"in (0, 1] (1.0 = the norm is met)."
        )
        voldoet = 1.0
    if not _is_number(bijna) or not 0.0 < float(bijna) <= float(voldoet):
        problems.append(
            f"{where('scoring', 'bijna')}: scoring.bijna = {bijna!r}; it must be a number in "
            f"(0, voldoet], e.g. 0.8."
        )
        bijna = min(0.8, float(voldoet))

    # ---- themes
    themes: dict[str, Theme] = {}
    raw_themes = doc.get("themes") or {}
    for tid, spec in raw_themes.items():
        w = where("themes", tid)
        if not _ID_RE.match(tid):
            problems.append(f"{w}: theme id {tid!r} must be lower case letters, digits and _.")
        for fld in spec:
            if fld not in _THEME_KEYS:
                problems.append(
                    f"{where('themes', tid, fld)}: themes.{tid} has unknown key {fld!r}; "
                    f"allowed: {', '.join(sorted(_THEME_KEYS))}."
                )
        label = spec.get("label")
        if not isinstance(label, str) or not label.strip():
            problems.append(
                f'{w}: themes.{tid}.label is missing; give a Dutch label, e.g. "Groen".'
            )
            label = tid
        weight = spec.get("weight")
        if not _is_number(weight) or float(weight) < 0:
            problems.append(
                f"{where('themes', tid, 'weight')}: themes.{tid}.weight = {weight!r}; weights "
                f"must be numbers >= 0 (0 leaves the theme out of the balance score)."
            )
            weight = 0.0
        order = spec.get("order", len(themes) + 1)
        if not isinstance(order, int) or isinstance(order, bool):
            problems.append(
                f"{where('themes', tid, 'order')}: themes.{tid}.order must be an integer."
            )
            order = len(themes) + 1
        themes[tid] = Theme(tid, label, float(weight), order)
    themes = dict(sorted(themes.items(), key=lambda kv: kv[1].order))

    # ---- norms
    norms: dict[str, Norm] = {}
    for nid, spec in (doc.get("norms") or {}).items():
        if spec.get("enabled", True) is False:
            continue
        norm, more = _build_norm(nid, spec, themes, voldoet, categories, where)
        problems += more
        if norm is not None:
            norms[nid] = norm

    if not norms:
        problems.append("no norms left: give at least one [norms.ID] table.")
    active = {n.theme for n in norms.values() if n.scale != "plan" and n.weight > 0} & {
        t for t, th in themes.items() if th.weight > 0
    }
    if norms and not active:
        problems.append(
            "no theme has both a weight > 0 and a norm (not scale 'plan') with a weight > 0; "
            "the balance score would be undefined. Give a theme a positive weight."
        )
    if problems:
        return None, problems
    return Norms(norms, themes, float(voldoet), float(bijna)), problems


def _build_norm(
    nid: str,
    spec: dict[str, Any],
    themes: dict[str, Theme],
    voldoet: float,
    categories: tuple[str, ...],
    where: Any,
) -> tuple[Norm | None, list[str]]:
    problems: list[str] = []

    def bad(fld: str, msg: str) -> None:
        problems.append(f"{where('norms', nid, fld)}: norms.{nid}.{fld}: {msg}")

    if not _ID_RE.match(nid):
        problems.append(
            f"{where('norms', nid)}: norm id {nid!r} must be lower case letters, digits and _ "
            f"(it becomes the output column status_{nid})."
        )
    for fld in spec:
        if fld not in _NORM_KEYS:
            import difflib

            hint = difflib.get_close_matches(fld, sorted(_NORM_KEYS), n=1)
            bad(fld, "unknown key" + (f"; did you mean {hint[0]!r}?" if hint else "."))
    required = [
        "theme",
        "label",
        "column",
        "value",
        "unit",
        "direction",
        "scale",
        "status",
        "source",
    ]
    for fld in required:
        if fld not in spec:
            if fld == "source":
                bad(
                    "source",
                    "missing. Every norm needs a source: add [norms."
                    f"{nid}.source] with document, year and page or url. For a value of your "
                    'own, cite the decision (e.g. document = "Eigen keuze gemeente, notitie '
                    '...").',
                )
            else:
                bad(fld, "missing (required).")

    theme = spec.get("theme")
    if "theme" in spec and theme not in themes:
        bad(
            "theme",
            f"{theme!r} is not a theme; use one of {', '.join(themes)} or add [themes.{theme}].",
        )

    scale = spec.get("scale")
    if "scale" in spec and scale not in SCALES:
        bad("scale", f"{scale!r} is not a scale; use one of {', '.join(SCALES)}.")

    column = spec.get("column")
    if "column" in spec:
        if not isinstance(column, str) or not _columns.is_known_indicator(
            column, categories=categories
        ):
            hint = _columns.suggest(str(column), categories=categories)
            bad(
                "column",
                f"{column!r} is not a known indicator column (layers, reachability or plan; "
                f"see afweging/barcode/columns.py)"
                + (f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else "."),
            )
        elif scale == "plan" and column not in _columns.PLAN_COLUMNS:
            bad(
                "column",
                f"{column!r} is not a plan column; scale 'plan' norms read one of {', '.join(_columns.PLAN_COLUMNS)}.",
            )
        elif scale != "plan" and column in _columns.PLAN_COLUMNS:
            bad(
                "column",
                f'{column!r} is a plan column; set scale = "plan" or read a layer/reachability column.',
            )

    value = spec.get("value")
    if "value" in spec and not _is_number(value):
        bad("value", f"{value!r} is not a finite number.")
        value = None
    direction = spec.get("direction")
    if "direction" in spec and direction not in DIRECTIONS:
        bad("direction", f'{direction!r}; use "higher" (higher is better) or "lower".')
        direction = None
    floor = spec.get("floor")
    if floor is None:
        if direction == "higher":
            floor = 0.0
        elif direction == "lower":
            bad(
                "floor",
                "missing; a 'lower is better' norm needs the value that scores 0 (e.g. floor = 100.0 for a percentage).",
            )
    elif not _is_number(floor):
        bad("floor", f"{floor!r} is not a finite number.")
        floor = None
    if value is not None and floor is not None and direction is not None:
        if direction == "higher" and not float(floor) < float(value):
            bad("floor", f"{floor!r} must be below value {value!r} for a 'higher is better' norm.")
        if direction == "lower" and not float(floor) > float(value):
            bad("floor", f"{floor!r} must be above value {value!r} for a 'lower is better' norm.")

    status = spec.get("status")
    if "status" in spec and status not in NORM_STATUSES:
        bad("status", f"{status!r}; use one of {', '.join(repr(s) for s in NORM_STATUSES)}.")

    aggregate = spec.get("aggregate")
    if aggregate is None and scale != "plan":
        bad(
            "aggregate",
            f"missing; say how buurten add up to wijk and city: one of {', '.join(AGGREGATES)}.",
        )
    elif aggregate is not None and aggregate not in AGGREGATES:
        bad("aggregate", f"{aggregate!r}; use one of {', '.join(AGGREGATES)}.")

    weight = spec.get("weight", 1.0)
    if not _is_number(weight) or float(weight) < 0:
        bad(
            "weight",
            f"{weight!r}; weights must be numbers >= 0 (0 shows the stripe but leaves it out of the theme score).",
        )
        weight = 0.0
    nb = spec.get("bijna")
    if nb is not None and (not _is_number(nb) or not 0.0 < float(nb) <= float(voldoet)):
        bad("bijna", f"{nb!r}; it must be a number in (0, voldoet].")
    for fld in ("label", "unit"):
        if fld in spec and (not isinstance(spec[fld], str) or not spec[fld].strip()):
            bad(fld, "must be a non-empty Dutch text.")
    note = spec.get("note", "")
    if not isinstance(note, str):
        bad("note", "must be a text.")
        note = ""

    source = None
    if "source" in spec:
        source, more = _build_source(nid, spec["source"], where)
        problems += more

    if problems:
        return None, problems
    assert source is not None and value is not None and floor is not None
    norm = Norm(
        id=nid,
        theme=str(theme),
        label=str(spec["label"]).strip(),
        column=str(column),
        value=float(value),
        unit=str(spec["unit"]).strip(),
        direction=str(direction),
        floor=float(floor),
        scale=str(scale),
        status=str(status),
        source=source,
        aggregate=None if aggregate is None else str(aggregate),
        weight=float(weight),
        bijna=None if nb is None else float(nb),
        note=note.strip(),
    )
    return norm, problems


def _build_source(nid: str, src: Any, where: Any) -> tuple[Source | None, list[str]]:
    problems: list[str] = []
    w = where("norms", nid, "source")
    if not isinstance(src, dict):
        return None, [
            f"{w}: norms.{nid}.source must be a table with document, year and page or url."
        ]
    for fld in src:
        if fld not in _SOURCE_KEYS:
            problems.append(
                f"{w}: norms.{nid}.source has unknown key {fld!r}; allowed: {', '.join(sorted(_SOURCE_KEYS))}."
            )
    document = src.get("document")
    if not isinstance(document, str) or not document.strip():
        problems.append(
            f"{w}: norms.{nid}.source.document is missing; name the document (title, author or body)."
        )
    year = src.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2100:
        problems.append(
            f"{w}: norms.{nid}.source.year = {year!r}; give the publication year as an integer, e.g. 2021."
        )
    page, url = src.get("page"), src.get("url")
    if not (isinstance(page, str) and page.strip()) and not (isinstance(url, str) and url.strip()):
        problems.append(f"{w}: norms.{nid}.source needs a page (page, section or quote) or a url.")
    if isinstance(url, str) and url.strip() and not url.startswith(("http://", "https://")):
        problems.append(
            f"{w}: norms.{nid}.source.url = {url!r} must start with http:// or https://."
        )
    if problems:
        return None, problems
    return (
        Source(
            document=str(document).strip(),
            year=int(year),  # type: ignore[arg-type]
            page=page.strip() if isinstance(page, str) and page.strip() else None,
            url=url.strip() if isinstance(url, str) and url.strip() else None,
            publisher=str(src["publisher"]) if src.get("publisher") else None,
        ),
        problems,
    )
