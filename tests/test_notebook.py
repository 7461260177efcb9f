"""notebooks/utrecht.ipynb runs top to bottom on the real Utrecht data (skipped without it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "utrecht.ipynb"

pytestmark = pytest.mark.utrecht


def test_utrecht_notebook_runs_top_to_bottom(utrecht_dir, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("AFWEGING_UTRECHT", str(utrecht_dir))
    monkeypatch.setenv("AFWEGING_NOTEBOOK_OUT", str(tmp_path))
    # the kernel may not write into the user's real ~/.cache/afweging: a home of its own,
    # and the session's cache folder (conftest) through AFWEGING_CACHE
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    cache = Path(os.environ["AFWEGING_CACHE"])
    assert home not in cache.parents and Path.home() / ".cache" not in cache.parents
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "Balansscore" in html  # the barcode and the wijk table
    # the interactive map, as folium's iframe with the inlined Leaflet and the choropleths
    assert "<iframe srcdoc=" in html and "Leaflet 1.9.4" in html and "afw.choropleth" in html
    assert any("image/png" in o.get("data", {}) for o in outputs)  # a static map
    assert (tmp_path / "kaarten" / "balansscore.png").stat().st_size > 10_000
    assert not (home / ".cache" / "afweging").exists()
    assert any(cache.rglob("*"))  # the area cache went to the session's folder
