"""The studio's baseline cache: keyed by the area's content, hit on a second start, a new
key for any changed value, only its own files removed, a temporary folder where the cache
cannot be written."""

from __future__ import annotations

import sys

import pytest

from afweging.studio import cache


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "studio"


def test_same_content_same_key_any_change_a_new_one(demo):
    from afweging.data.demo import demo_area

    again = demo_area()  # generated anew: other objects, same content
    assert again is not demo
    assert cache.area_fingerprint(again) == cache.area_fingerprint(demo)
    changed = demo.copy()
    changed.buurten = changed.buurten.copy()
    code = changed.buurten.index[0]
    changed.buurten.loc[code, "a_inw"] = changed.buurten.loc[code, "a_inw"] + 1
    assert cache.area_fingerprint(changed) != cache.area_fingerprint(demo)
    moved = demo.copy()
    moved.homes = moved.homes.copy()
    moved.homes.geometry = moved.homes.geometry.translate(1.0, 0.0)
    assert cache.area_fingerprint(moved) != cache.area_fingerprint(demo)


def test_key_does_not_depend_on_what_is_imported(demo, monkeypatch):
    """The library versions come from the installed packages, not from sys.modules (a key
    computed before the baseline imported scipy once differed from the one after)."""
    before = cache.baseline_key(demo)
    for name in ("scipy", "rasterio", "networkx"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert cache.baseline_key(demo) == before


def test_key_follows_the_settings_and_the_norms(demo, monkeypatch, tmp_path):
    from afweging import settings

    base = cache.baseline_key(demo)
    monkeypatch.setattr(settings, "walk_speed_kmh", settings.walk_speed_kmh + 0.5)
    assert cache.baseline_key(demo) != base
    monkeypatch.undo()
    monkeypatch.setattr(settings, "progress", not getattr(settings, "progress", False))
    assert cache.baseline_key(demo) == base  # only where files go / what is printed
    norms = tmp_path / "normen.toml"
    norms.write_text("", encoding="utf-8")
    empty = cache.baseline_key(demo, norms=norms)
    norms.write_text("# eigen normen\n", encoding="utf-8")
    assert len({base, empty, cache.baseline_key(demo, norms=norms)}) == 3


def test_second_open_is_a_hit_and_old_entries_go(demo, folder):
    first = cache.open_baseline(demo, folder=folder)
    assert not first.from_cache and first.pickle_path.exists()
    second = cache.open_baseline(demo, folder=folder)
    assert second.from_cache and second.key == first.key and second.page == first.page
    base = cache.load_baseline(second.pickle_path)
    assert list(base.scores.buurt.overall.index) == [str(c) for c in demo.buurten.index]
    # a user's file next to ours is never touched; an older entry of this area is replaced
    mine = folder / "studio-demostad-notes.txt"
    mine.write_text("van mij", encoding="utf-8")
    stale = folder / "studio-demostad-0000.pkl"
    stale.write_bytes(b"oud")
    changed = demo.copy()
    changed.buurten = changed.buurten.copy()
    changed.buurten.loc[changed.buurten.index[0], "a_inw"] += 1
    third = cache.open_baseline(changed, folder=folder)
    assert not third.from_cache and third.key != first.key
    assert mine.read_text(encoding="utf-8") == "van mij"
    assert not stale.exists() and not first.pickle_path.exists()


def test_a_damaged_entry_is_a_miss(demo, folder):
    first = cache.open_baseline(demo, folder=folder)
    first.pickle_path.with_suffix(".json").write_text("{kapot", encoding="utf-8")
    again = cache.open_baseline(demo, folder=folder)
    assert not again.from_cache and again.key == first.key


def test_unwritable_cache_uses_a_temporary_folder(demo, tmp_path):
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map", encoding="utf-8")
    said: list[str] = []
    got = cache.open_baseline(demo, folder=blocker / "studio", progress=said.append)
    assert got.temporary and got.pickle_path.exists() and blocker.is_file()
    assert any("niet schrijfbaar" in m for m in said)
