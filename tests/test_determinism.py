"""Identical input gives byte-identical outputs: ``afweging run``, ``plan`` and
``locaties`` twice on the demo area, every file compared byte for byte (the map's
element ids, the GeoPackages' timestamps, no computing times in the pages). The
scenario's outputs are compared the same way in tests/test_scenarios.py."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pytest

from afweging._outputs import STATE_DIR

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "examples" / "plan_demostad.geojson"


def _digests(out: Path) -> dict[str, str]:
    """Every file the user sees (links followed) and the set's manifest -> sha256."""
    found = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if rel.parts[0] == STATE_DIR and p.name != "manifest.json":
            continue
        if p.is_file():
            key = "manifest.json" if rel.parts[0] == STATE_DIR else rel.as_posix()
            found[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


def _write_all(demo, out: Path) -> dict[str, dict[str, str]]:
    import afweging
    from afweging.analyses.locations.command import locations_command_main
    from afweging.analyses.plan.command import plan_command_main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        afweging.run(demo, out / "run")
        plan_command_main([PLAN], demo, out / "plan")
        locations_command_main("speelplek", 3, demo, out / "locaties")
    return {k: _digests(out / k) for k in ("run", "plan", "locaties")}


@pytest.fixture(scope="module")
def twice(demo, tmp_path_factory) -> tuple[dict, dict]:
    root = tmp_path_factory.mktemp("tweemaal")
    return _write_all(demo, root / "a"), _write_all(demo, root / "b")


def test_every_output_is_byte_identical(twice) -> None:
    a, b = twice
    assert {"buurten.gpkg", "kaart.html", "barcode.html", "rapport.html", "prioriteiten.csv",
            "woningen_bereikbaarheid.parquet", "kaarten/balansscore.png", "manifest.json"} <= set(a["run"])
    assert {"plan_check.html", "plan_check.json"} <= set(a["plan"])
    assert {"kaart.html", "rapport.html", "locaties.csv", "locaties.gpkg"} <= set(a["locaties"])
    for command in a:
        differ = sorted(k for k in a[command] if a[command][k] != b[command].get(k))
        assert differ == [], f"{command}: {differ}"
        assert set(a[command]) == set(b[command])


def test_stable_ids_number_the_elements_in_tree_order() -> None:
    import folium
    from branca.element import Figure

    from afweging.maps.interactive import stable_ids

    def page() -> str:
        fig = Figure()
        m = folium.Map(location=[52.09, 5.12], zoom_start=12, tiles=None)
        fig.add_child(m)
        folium.GeoJson({"type": "FeatureCollection", "features": []}, name="x").add_to(m)
        stable_ids(fig)
        return fig.render()

    first, second = page(), page()
    assert first == second
    assert "map_" + hashlib.sha256(b"afweging-1").hexdigest()[:32] in first
