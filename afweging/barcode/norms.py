"""Norms of the barcode: loading, merging a user file, validating, and the score function.

The bundled ``norms.toml`` (next to this module) documents the format in its header. A user
file is merged into it by :func:`load_norms`; the merged result is checked against the
declared schema (:mod:`afweging.barcode.norms_schema`) and every problem is reported at once
in one :class:`~afweging._errors.NormsError` that names, in Dutch, the file, the table, the
key, the rule and the fix.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from afweging._errors import NormsError
from afweging._schema import Problem, problems_from, raise_problems, read_toml
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

#: Changing one of these changes what the norm claims, so a new source is required.
_CLAIM_KEYS = ("value", "floor", "direction", "column")


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


def value_text(x: float | None, unit: str) -> str:
    """An indicator value with its unit for a planner: never NaN or infinity.

    NaN is "geen gegevens"; an infinite travel time (nobody reaches it within the search
    limit :data:`afweging.settings.max_minutes`) is "meer dan <limit> min ...".

    Examples
    --------
    >>> value_text(2.5, "min lopen"), value_text(float("nan"), "%")
    ('2,5 min lopen', 'geen gegevens')
    >>> value_text(float("inf"), "min lopen (90 % van de bewoners)")
    'meer dan 30 min lopen (90 % van de bewoners)'
    """
    if x is None or math.isnan(float(x)):
        return "geen gegevens"
    if math.isinf(float(x)):
        from afweging import settings

        if unit.startswith("min"):
            return f"meer dan {fmt_number(settings.max_minutes)} {unit}"
        return "niet bereikbaar"
    return f"{fmt_number(x)} {unit}".rstrip()


# ----------------------------------------------------------------------------- loading
def default_norms_path() -> Path:
    """Path of the bundled ``norms.toml``."""
    return Path(str(resources.files("afweging.barcode").joinpath("norms.toml")))


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, error=NormsError, what="Het normenbestand",
                     hint="Het formaat staat bovenin afweging/barcode/norms.toml en in docs/invoer.md.")[0]


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
        * Every key is checked against the declared schema
          (:mod:`afweging.barcode.norms_schema`): unknown keys (usually typos) are refused
          with a suggestion, types and ranges are strict.
    categories : iterable of str, optional
        Facility categories that reachability columns may name (default: the bundled tag
        table, :mod:`afweging.data.tags`).

    Returns
    -------
    Norms

    Raises
    ------
    NormsError
        Listing every problem in Dutch: the file, the table, the key, the rule and the fix.

    Examples
    --------
    >>> norms = load_norms()
    >>> norms["groen_m2_per_woning"].value
    75.0
    """
    default_path = default_norms_path()
    merged = copy.deepcopy(_bundled_doc())
    origin: dict[tuple[str, ...], str] = {}
    _mark_origin(merged, origin, default_path.name)
    files = [str(default_path)]
    problems: list[Problem] = []
    if path is not None:
        user_path = Path(path)
        user = _read_toml(user_path)
        files.append(str(user_path))
        problems += _merge(merged, user, origin, str(user_path))
    cats = tuple(categories) if categories is not None else _columns.default_categories()
    norms, more = _build(merged, origin, cats)
    problems += more
    if problems:
        what = f"Het normenbestand {path}" if path is not None else "Het meegeleverde normenbestand"
        raise_problems(NormsError, problems, what=what)
    assert norms is not None
    norms.files = tuple(files)
    return norms


@functools.cache
def _bundled_doc() -> dict[str, Any]:
    return _read_toml(default_norms_path())


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
) -> list[Problem]:
    """Merge a user document into ``merged`` in place; return problems found while merging
    (a changed claim without a new source; tables that are no tables are left to the schema)."""
    problems: list[Problem] = []
    for key, value in user.items():
        if key not in ("scoring", "themes", "norms") or not isinstance(value, dict):
            merged[key] = value  # the schema names it (unknown key, or not a table)
            origin[(key,)] = name
            continue
        target = merged.setdefault(key, {})
        for item_id, spec in value.items():
            if key == "scoring":
                target[item_id] = spec
                origin[(key, item_id)] = name
                continue
            current = target.get(item_id)
            if isinstance(spec, dict) and isinstance(current, dict):
                if key == "norms":
                    changed = [k for k in _CLAIM_KEYS if k in spec and spec[k] != current.get(k)]
                    if changed and "source" not in spec and spec.get("enabled", True) is not False:
                        problems.append(Problem(
                            file=name, section=f"norms.{item_id}", key=", ".join(changed),
                            rule="verandert wat de norm zegt, maar geeft geen nieuwe bron",
                            fix=f"Voeg een tabel [norms.{item_id}.source] toe met document, year en page of url "
                                f'(bijv. document = "Raadsbesluit ..."), zodat de keuze na te gaan is.'))
                target[item_id] = {**current, **spec}
            else:
                target[item_id] = copy.deepcopy(spec)
                origin[(key, item_id)] = name
            if isinstance(spec, dict):
                for fld in spec:
                    origin[(key, item_id, fld)] = name
    return problems


def _build(
    doc: dict[str, Any],
    origin: dict[tuple[str, ...], str],
    categories: tuple[str, ...],
) -> tuple[Norms | None, list[Problem]]:
    """Validate the merged document against the schema and build the Norms."""
    from afweging.barcode.norms_schema import NormsFile, bad_ids

    def where(path: tuple[str, ...]) -> str:
        for n in range(len(path), 0, -1):
            if path[:n] in origin:
                return origin[path[:n]]
        return default_norms_path().name

    doc = dict(doc)
    norms_doc = doc.get("norms")
    if isinstance(norms_doc, dict):  # a removed norm needs no other keys
        doc["norms"] = {k: v for k, v in norms_doc.items() if not (isinstance(v, dict) and v.get("enabled") is False)}
    themes = doc.get("themes")
    scoring = doc.get("scoring")
    context = {
        "themes": list(themes) if isinstance(themes, dict) else None,
        "categories": categories,
        "voldoet": _number(scoring.get("voldoet"), 1.0) if isinstance(scoring, dict) else 1.0,
    }
    problems = [Problem(file=where((section, key)), section=section, key=key,
                        rule="een id bestaat alleen uit kleine letters, cijfers en _ en begint met een letter",
                        fix="Het wordt een kolomnaam (status_ID): hernoem de tabel, bijv. [norms.groen_per_woning].")
                for section, key in bad_ids(doc)]
    try:
        spec = NormsFile.model_validate(doc, context=context)
    except ValidationError as exc:
        return None, problems + problems_from(exc, NormsFile, doc, file=default_norms_path().name, origin=where)
    if problems:
        return None, problems
    ordered = sorted(enumerate(spec.themes.items()),
                     key=lambda t: (t[1][1].order if t[1][1].order is not None else t[0] + 1, t[0]))
    themes_out = {tid: Theme(tid, t.label, float(t.weight), t.order if t.order is not None else i + 1)
                  for i, (tid, t) in ordered}
    norms: dict[str, Norm] = {}
    for nid, n in spec.norms.items():
        src = n.source
        norms[nid] = Norm(
            id=nid, theme=n.theme, label=n.label.strip(), column=n.column, value=float(n.value), unit=n.unit.strip(),
            direction=n.direction, floor=0.0 if n.floor is None else float(n.floor), scale=n.scale, status=n.status,
            source=Source(document=src.document.strip(), year=src.year,
                          page=src.page.strip() if src.page else None, url=src.url.strip() if src.url else None,
                          publisher=src.publisher),
            aggregate=n.aggregate, weight=float(n.weight), bijna=n.bijna, note=n.note.strip(),
        )
    if not norms:
        problems.append(Problem(file=where(("norms",)), section="", key="norms", rule="er is geen norm over",
                                fix="Geef minstens één tabel [norms.ID]."))
    active = {n.theme for n in norms.values() if n.scale != "plan" and n.weight > 0} & {
        t for t, th in themes_out.items() if th.weight > 0}
    if norms and not active:
        problems.append(Problem(
            file=where(("themes",)), section="themes", key="weight",
            rule="geen thema heeft zowel een gewicht boven 0 als een norm (niet scale \"plan\") met een gewicht boven 0",
            fix="Dan bestaat er geen balansscore: geef een thema een positief gewicht."))
    if problems:
        return None, problems
    return Norms(norms, themes_out, float(spec.scoring.voldoet), float(spec.scoring.bijna)), problems


def _number(value: Any, default: float) -> float:
    """``value`` if it is a finite number (a wrong one is reported by the schema), else ``default``."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else default
