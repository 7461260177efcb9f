"""Shared fixtures. Tests that need ../shared/data/utrecht skip cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

UTRECHT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "utrecht"
UTRECHT_MANIFEST = UTRECHT_DIR / "area.toml"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory):
    """Every test session gets its own download/area cache, never the user's ~/.cache:
    in this process and, through ``AFWEGING_CACHE``, in every process a test starts (the
    CLI in a subprocess, the notebook's kernel, studio workers)."""
    import os

    from afweging import settings

    old, old_env = settings.cache_folder, os.environ.get("AFWEGING_CACHE")
    settings.cache_folder = tmp_path_factory.mktemp("afweging-cache")
    os.environ["AFWEGING_CACHE"] = str(settings.cache_folder)
    yield settings.cache_folder
    settings.cache_folder = old
    if old_env is None:
        os.environ.pop("AFWEGING_CACHE", None)
    else:
        os.environ["AFWEGING_CACHE"] = old_env


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries of the HTTP layer wait without sleeping; the waits are recorded here."""
    from afweging.data import _cache

    waits: list[float] = []
    monkeypatch.setattr(_cache, "_sleep", waits.append)
    return waits


@pytest.fixture(scope="session")
def utrecht_dir() -> Path:
    """Folder with the real Utrecht data (skips when absent)."""
    if not UTRECHT_MANIFEST.exists():
        pytest.skip("../shared/data/utrecht is not available")
    return UTRECHT_DIR


@pytest.fixture(scope="session")
def utrecht_area(utrecht_dir: Path):
    """The Utrecht Area, loaded once per test session. Do not mutate it (use .copy())."""
    import warnings

    from afweging.data.manifest import load_area

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # data caveats are tested in test_manifest.py
        return load_area(utrecht_dir / "area.toml")


@pytest.fixture(scope="session")
def demo():
    """The bundled synthetic demo Area, built once per session. Do not mutate it (use .copy())."""
    from afweging.data.demo import demo_area

    return demo_area()
