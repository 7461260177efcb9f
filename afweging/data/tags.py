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

import numpy as np
import pandas as pd

from afweging._errors import ConfigError, InputFileNotFoundError, MissingColumnError


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


def _parse(doc: dict, *, what: str) -> dict[str, Category]:
    cats = doc.get("categories")
    if not isinstance(cats, dict):
        raise ConfigError(f"{what}: expected tables [categories.NAME]; found keys {list(doc)}.")
    out: dict[str, Category] = {}
    for cid, spec in cats.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{what}: [categories.{cid}] must be a table.")
        tags = spec.get("tags", [])
        if not isinstance(tags, list):
            raise ConfigError(f"{what}: categories.{cid}.tags must be a list of 'key=value' strings.")
        pairs = []
        for t in tags:
            if not isinstance(t, str) or t.count("=") != 1 or t.startswith("=") or t.endswith("="):
                raise ConfigError(
                    f"{what}: categories.{cid}.tags has {t!r}; write tags as 'key=value', "
                    f"e.g. 'leisure=playground'."
                )
            k, v = t.split("=")
            pairs.append((k.strip(), v.strip()))
        cond = spec.get("if_tagged", {})
        if not isinstance(cond, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in cond.values()
        ):
            raise ConfigError(
                f"{what}: categories.{cid}.if_tagged must be a table of lists, e.g. "
                f'{{ "healthcare:speciality" = ["general"] }}.'
            )
        out[cid] = Category(
            id=cid,
            label=str(spec.get("label", cid)),
            everyday=bool(spec.get("everyday", False)),
            tags=tuple(pairs),
            note=str(spec.get("note", "")).strip(),
            if_tagged=tuple((str(k), tuple(v)) for k, v in cond.items()),
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
        if not path.exists():
            raise InputFileNotFoundError(f"Tag table {path} does not exist.")
        try:
            doc = tomllib.loads(path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
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
                f"{what} has no column {col!r} for the OSM tag; its columns are "
                f"{list(df.columns)}. Set `key`/`value` in the [facilities] section."
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
