"""The OSM tag -> facility category table (afweging/data/tags.py, osm_tags.toml)."""

from __future__ import annotations

import pandas as pd
import pytest

from afweging._errors import ConfigError, InputFileNotFoundError, MissingColumnError
from afweging.data import tags

CATEGORIES = [
    "speelplek", "ontmoetingsplek", "huisarts", "apotheek", "basisschool", "kinderopvang",
    "supermarkt", "dagelijkse_boodschappen", "sport", "park", "zorg", "openbaar_vervoer", "cultuur",
]


def test_default_table():
    table = tags.load_tag_table()
    assert list(table) == CATEGORIES  # docs/architecture.md lists these, in this order
    labels = tags.labels(table)
    assert labels["speelplek"] == "Speelplek" and labels["park"] == "Park / groen"
    everyday = tags.everyday_categories(table)
    assert "huisarts" in everyday and "sport" not in everyday and "zorg" not in everyday
    assert all(c.tags for c in table.values())  # every category matches something


def test_categorise_one_row_per_feature_and_category():
    df = pd.DataFrame(
        {"osm_key": ["amenity", "leisure", "shop", "amenity", "building"],
         "osm_value": ["pharmacy", "playground", "supermarket", "bench", "house"]},
        index=pd.Index([10, 11, 12, 13, 14], name="fid"),
    )
    out = tags.categorise(df)
    got = sorted(zip(out.index, out["category"], strict=True))
    assert got == [
        (10, "apotheek"), (10, "zorg"),  # a pharmacy counts twice
        (11, "speelplek"),
        (12, "dagelijkse_boodschappen"), (12, "supermarkt"),
    ]  # the bench and the house match nothing and are dropped
    assert out.index.name == "fid"
    assert out.loc[11, "osm_value"] == "playground"


def test_categorise_other_column_names_and_missing_column():
    df = pd.DataFrame({"k": ["amenity"], "v": ["doctors"]})
    assert tags.categorise(df, key="k", value="v")["category"].tolist() == ["huisarts"]
    with pytest.raises(MissingColumnError, match=r"heeft geen kolom 'osm_key' voor de OSM-tag.*\['k', 'v'\]"):
        tags.categorise(df, what="points.gpkg")


def test_user_override(tmp_path):
    mine = tmp_path / "mijn_tags.toml"
    mine.write_text(
        """
[categories.speelplek]
label = "Speelplek of trapveld"
everyday = true
tags = ["leisure=playground", "leisure=pitch"]

[categories.cultuur]
tags = []

[categories.hondenuitlaat]
label = "Hondenuitlaatplek"
tags = ["leisure=dog_park"]
""",
        encoding="utf-8",
    )
    table = tags.load_tag_table(mine)
    assert "cultuur" not in table  # an empty tag list removes a category
    assert table["speelplek"].label == "Speelplek of trapveld"
    assert table["hondenuitlaat"].everyday is False  # default
    assert list(table)[:2] == ["speelplek", "ontmoetingsplek"]  # others unchanged, in order
    df = pd.DataFrame({"osm_key": ["leisure", "leisure", "amenity"], "osm_value": ["pitch", "dog_park", "theatre"]})
    out = tags.categorise(df, table=table)
    assert sorted(out["category"]) == ["hondenuitlaat", "speelplek", "sport"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[categories.speelplek]\ntags = ["leisure:playground"]\n',
         r'\[categories\.speelplek\] tags\[0\] = "leisure:playground": heeft niet de goede vorm\. Oplossing: de '
         r"OSM-tags als 'sleutel=waarde'"),
        ('[categories.speelplek]\ntags = ["=playground"]\n', r'tags\[0\] = "=playground": heeft niet de goede vorm'),
        ('[categories.speelplek]\ntags = ["a=b=c"]\n', r'tags\[0\] = "a=b=c": heeft niet de goede vorm'),
        ('[categories.speelplek]\ntags = "leisure=playground"\n', r'tags = "leisure=playground": moet een lijst zijn'),
        ("[categories]\nspeelplek = 3\n", r"\[categories\] speelplek = 3: moet een tabel zijn"),
        ('[speelplek]\ntags = ["leisure=playground"]\n', r"speelplek: onbekende sleutel\. Bekende sleutels hier: categories"),
        ("[categories.speelplek\n", r"slecht\.toml: geen geldige TOML op regel 1"),
        # issue 12: `everyday = "false"` (text) became True; a typo was silently ignored
        ('[categories.speelplek]\neveryday = "false"\n',
         r'\[categories\.speelplek\] everyday = "false": moet true of false zijn, zonder aanhalingstekens'),
        ('[categories.speelplek]\nlable = "Speeltuin"\ntags = ["leisure=playground"]\n',
         r"\[categories\.speelplek\] lable: onbekende sleutel\. Bedoelde u 'label'\?"),
    ],
)
def test_malformed_override(tmp_path, text, message):
    path = tmp_path / "slecht.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        tags.load_tag_table(path)


def test_override_file_missing(tmp_path):
    with pytest.raises(InputFileNotFoundError, match=r"De tagtabel .*weg\.toml bestaat niet"):
        tags.load_tag_table(tmp_path / "weg.toml")
