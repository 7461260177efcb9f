"""The `afweging` command: help, run on the demo and on Utrecht, errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from afweging.cli import main


def test_help_lists_commands() -> None:
    res = CliRunner().invoke(main, ["--help"])
    assert res.exit_code == 0
    assert "run" in res.output
    res = CliRunner().invoke(main, ["run", "--help"])
    assert res.exit_code == 0
    assert "--area" in res.output and "--out" in res.output


def test_missing_manifest_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "uit"
    res = CliRunner().invoke(main, ["run", "--area", str(tmp_path / "nope.toml"), "--out", str(out)])
    assert res.exit_code == 2
    assert "nope.toml does not exist" in res.output
    assert not out.exists()
    # no temporary folders left behind either
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.fixture(scope="module")
def utrecht_run(utrecht_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("utrecht") / "uit"
    res = CliRunner().invoke(main, ["run", "--area", str(utrecht_dir / "area.toml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_run_on_utrecht_writes_111_buurten(utrecht_run: tuple[Path, str]) -> None:
    out, output = utrecht_run
    gdf = gpd.read_file(out / "buurten.gpkg", layer="buurten")
    assert len(gdf) == 111
    assert gdf["a_inw"].sum() == 367_715
    assert gdf.crs.to_epsg() == 28992
    # Dutch summary with Dutch thousands separator
    assert "367.715 inwoners" in output
