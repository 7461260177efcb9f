"""OpenStreetMap tag -> facility category table.

The table lives in ``osm_tags.toml`` next to this module; its header documents the
format and every category documents its choices. Users override it with their own TOML.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import StringConstraints

from afweging._errors import ConfigError, MissingColumnError
from afweging._schema import Table, declare, read_toml, validate


@dataclass(frozen=True)
class Category:
    """One facility category."""

    id: str
    label: str
    everyday: bool
    tags: tuple[tuple[str, str], ...]
    note: str = ""
    #: {key: values}: a feature that carries ``key`` belongs to the category only when one
    #: of its ``;``-separated values is in ``values`` (a feature without the key passes).
    if_tagged: tuple[tuple[str, tuple[str, ...]], ...] = ()


class CategorySpec(Table):
    """``[categories.ID]`` of a tag table: one facility category."""

    label: str | None = declare(None, min_length=1, uitleg="de Nederlandse naam van de categorie (standaard het id)",
                                voorbeeld='label = "Speelplek of trapveld"')
    everyday: bool = declare(False, uitleg="true als de categorie meetelt voor de 10-minutenstad",
                             voorbeeld="everyday = true")
    tags: list[Annotated[str, StringConstraints(pattern=r"^[^=]+=[^=]+$")]] = declare(
        [], uitleg="de OSM-tags als 'sleutel=waarde'; een lege lijst haalt de categorie weg",
        voorbeeld='tags = ["leisure=playground"]')
    note: str = declare("", uitleg="toelichting bij de keuzes", voorbeeld='note = "..."')
    if_tagged: dict[str, list[str]] = declare(
        {}, uitleg="alleen objecten die bij deze sleutel een van deze waarden hebben (of de sleutel niet hebben)",
        voorbeeld='if_tagged = { "healthcare:speciality" = ["general"] }')


class TagTable(Table):
    """A tag table: ``[categories.ID]`` tables."""

    categories: dict[str, CategorySpec] = declare(uitleg="de categorieën: [categories.ID]",
                                                  voorbeeld='[categories.speelplek] tags = ["leisure=playground"]')


def _parse(doc: dict, *, what: str) -> dict[str, Category]:
    spec = validate(TagTable, doc, file=what, error=ConfigError, what=f"De tagtabel {what}")
    out: dict[str, Category] = {}
    for cid, cat in spec.categories.items():
        out[cid] = Category(
            id=cid,
            label=cat.label if cat.label is not None else cid,
            everyday=cat.everyday,
            tags=tuple((k.strip(), v.strip()) for k, v in (t.split("=") for t in cat.tags)),
            note=cat.note.strip(),
            if_tagged=tuple((str(k), tuple(v)) for k, v in cat.if_tagged.items()),
        )
    return out


def load_tag_table(override: str | Path | None = None) -> dict[str, Category]:
    """The category table, optionally overridden by a user TOML.

    Categories in the override replace the default ones whole; a category with an
    empty ``tags`` list is removed.

    Examples
    --------
    >>> table = load_tag_table()
    >>> ("leisure", "playground") in table["speelplek"].tags
    True
    """
    table = dict(_bundled_table())  # a copy: callers may change their table
    if override is not None:
        path = Path(override)
        doc = read_toml(path, error=ConfigError, what="De tagtabel",
                        hint="Het formaat staat bovenin afweging/data/osm_tags.toml en in docs/invoer.md.")[0]
        for cid, cat in _parse(doc, what=str(path)).items():
            if cat.tags:
                table[cid] = cat
            else:
                table.pop(cid, None)
    return table


@functools.cache
def _bundled_table() -> dict[str, Category]:
    """The bundled ``osm_tags.toml``, parsed once per process (its categories are frozen)."""
    text = resources.files("afweging.data").joinpath("osm_tags.toml").read_text("utf-8")
    return _parse(tomllib.loads(text), what="osm_tags.toml")


def labels(table: dict[str, Category] | None = None) -> dict[str, str]:
    """Dutch label per category id."""
    table = table or load_tag_table()
    return {cid: c.label for cid, c in table.items()}


def everyday_categories(table: dict[str, Category] | None = None) -> list[str]:
    """Ids of the categories that count for the 10-minute city."""
    table = table or load_tag_table()
    return [cid for cid, c in table.items() if c.everyday]


def categorise(
    df: pd.DataFrame,
    *,
    key: str = "osm_key",
    value: str = "osm_value",
    table: dict[str, Category] | None = None,
    what: str = "facilities",
) -> pd.DataFrame:
    """Rows of ``df`` that match a category, one row per (feature, category).

    Adds a ``category`` column; the original index is kept (so a feature in two
    categories has its index twice). Rows matching nothing are dropped. A category's
    ``if_tagged`` condition is applied where ``df`` has a column for its key (e.g.
    ``healthcare:speciality`` in online OSM points). A feature that matches one category
    through two tags (``amenity=doctors`` and ``healthcare=doctor``) counts once, when
    ``df`` identifies features (``osm_type``, ``osm_id_num``).

    Examples
    --------
    >>> df = pd.DataFrame({"osm_key": ["amenity", "shop", "shop"],
    ...                    "osm_value": ["pharmacy", "supermarket", "shoes"]})
    >>> categorise(df).sort_values("category")["category"].tolist()
    ['apotheek', 'dagelijkse_boodschappen', 'supermarkt', 'zorg']
    """
    for col in (key, value):
        if col not in df.columns:
            raise MissingColumnError(
                f"{what} heeft geen kolom {col!r} voor de OSM-tag; de kolommen zijn "
                f"{list(df.columns)}. Zet `key` en `value` in de sectie [facilities] op de kolommen met de "
                f"OSM-sleutel en -waarde."
            )
    table = table or load_tag_table()
    rows = [(k, v, cid) for cid, c in table.items() for k, v in c.tags]
    lookup = pd.DataFrame(rows, columns=["_k", "_v", "category"])
    left = df.assign(_k=df[key].astype(str), _v=df[value].astype(str))
    left["_row"] = range(len(left))
    merged = left.reset_index(names="_index").merge(lookup, on=["_k", "_v"], how="inner")
    merged = merged.sort_values(["_row", "category"]).set_index("_index")
    merged.index.name = df.index.name
    for cid, cat in table.items():
        for key, values in cat.if_tagged:
            if key not in merged.columns:
                continue
            refused = np.array([
                isinstance(v, str) and v.strip() != "" and not any(x.strip() in values for x in v.split(";"))
                for v in merged[key].to_numpy()
            ], dtype=bool)
            merged = merged[~((merged["category"] == cid).to_numpy() & refused)]
    if {"osm_type", "osm_id_num"} <= set(merged.columns):
        merged = merged[~merged.duplicated(["osm_type", "osm_id_num", "category"])]
    return merged.drop(columns=["_k", "_v", "_row"])
