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


@pytest.mark.parametrize("command", [[], ["run"], ["plan"], ["batch"], ["fetch"], ["locaties"], ["scenario"],
                                     ["studio"]])
def test_help_is_dutch(command: list[str]) -> None:
    # click's own texts (headings, usage, the help option, defaults, value kinds) in Dutch too
    res = CliRunner().invoke(main, [*command, "--help"])
    assert res.exit_code == 0
    assert res.output.startswith("Gebruik: ") and "\nOpties:\n" in res.output
    assert "Toon deze hulp en stop." in res.output
    for english in ("Usage:", "Options:", "Commands:", "Show this message", "[OPTIONS]", "[default:",
                    "required]", " TEXT", " PATH", " INTEGER", " FLOAT", "COMMAND", "SCENARIO_FILE", "PLANS"):
        assert english not in res.output, english
    if not command:
        assert "\nOpdrachten:\n" in res.output and "Toon de versie en stop." in res.output


def test_missing_manifest_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "uit"
    res = CliRunner().invoke(main, ["run", "--area", str(tmp_path / "nope.toml"), "--out", str(out)])
    assert res.exit_code == 2
    assert "nope.toml bestaat niet" in res.output
    assert not out.exists()
    # no temporary folders left behind either
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize(("args", "expected"), [
    (["fetch", "--out", "x"], "Fout: optie '--area' ontbreekt; deze is verplicht."),
    (["run", "area.toml"], "Fout: onverwacht extra argument: area.toml."),
    (["run", "--aera", "a.toml"], "Fout: onbekende optie --aera. Bedoelde u --area?"),
    (["rnu"], "Fout: onbekende opdracht 'rnu'."),
    # 0 became 'all cores' and -1 ended in Dask's "No valid workers found"
    (["batch", "--demoregio", "--workers", "0"], "Fout: ongeldige waarde voor '--workers': 0 ligt niet in het bereik x>=1."),
    (["batch", "--demoregio", "--workers", "-1"], "Fout: ongeldige waarde voor '--workers': -1 ligt niet in het bereik"),
    (["run", "--area"], "Fout: optie '--area' heeft een waarde nodig."),
    (["locaties", "--aantal", "0"], "Fout: ongeldige waarde voor '--aantal': 0 ligt niet in het bereik x>=1."),
    (["locaties", "--aantal", "twee"], "Fout: ongeldige waarde voor '--aantal': 'twee' is geen geheel getal."),
    (["locaties", "--aantal", "2", "--tijdslimiet", "1,5"],
     "Fout: ongeldige waarde voor '--tijdslimiet': '1,5' is geen getal (gebruik een punt: 2.5)."),
    (["locaties", "--aantal", "2", "--vraag", "bank"],
     "Fout: ongeldige waarde voor '--vraag': 'bank' is geen van de keuzes 'speelplek', 'ontmoetingsplek', "
     "'voorzieningen'."),
])
def test_a_wrong_command_line_is_a_dutch_error(args: list[str], expected: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    assert expected in res.output
    # none of click's English texts reach the planner
    for english in ("Error:", "Usage:", "Missing option", "Try '", "is not", "No such"):
        assert english not in res.output


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


def test_run_on_utrecht_writes_every_output(utrecht_run: tuple[Path, str]) -> None:
    out, _ = utrecht_run
    for name in ("buurten.gpkg", "woningen_bereikbaarheid.parquet", "kaart.html", "barcode.html",
                 "prioriteiten.csv", "rapport.html", "kaarten/balansscore.png"):
        assert (out / name).stat().st_size > 1000, name
    gdf = gpd.read_file(out / "buurten.gpkg", layer="buurten")
    # layers, reachability, barcode and priorities all reach the GeoPackage
    for col in ("housing_corporation_pct", "reach_walk_speelplek_median_min", "score_totaal",
                "prio_speelplek_rank"):
        assert col in gdf.columns, col
    homes = gpd.read_parquet(out / "woningen_bereikbaarheid.parquet")
    assert homes.groupby("buurtcode")["residents"].sum().sum() == pytest.approx(
        gdf.set_index("buurtcode")["a_inw"][homes["buurtcode"].unique()].sum()
    )


def test_utrecht_planner_texts_never_show_nan_or_infinity(utrecht_run: tuple[Path, str]) -> None:
    """Utrecht has 90th-percentile times beyond the search limit (infinite) and unknown
    values: the planner reads "meer dan 30 min" and "geen gegevens", never NaN/inf/∞."""
    import re

    from afweging.maps._assets import leaflet_js
    from afweging.maps._js import AFW_JS

    out, output = utrecht_run
    texts = {"uitvoer": output}
    for name in ("kaart.html", "barcode.html", "rapport.html"):
        text = (out / name).read_text(encoding="utf-8")
        text = text.replace(leaflet_js(), "").replace(AFW_JS, "")  # the libraries' own code
        texts[name] = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", text)  # embedded images
    texts["prioriteiten.csv"] = (out / "prioriteiten.csv").read_text(encoding="utf-8-sig")
    for name, text in texts.items():
        found = re.findall(r".{30}(?:\bNaN\b|\binf min|\binf\b|∞).{10}", text)
        assert found == [], (name, found[:3])
    assert "meer dan 30 min lopen" in texts["barcode.html"]
    # one 'let op' line per cause, and where all messages are
    lines = [line for line in output.splitlines() if "let op:" in line]
    assert len(lines) <= 10 and len(lines) == len(set(lines))
    assert "meldingen staan in rapport.html" in output


def test_plan_command_on_the_demo(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "plan_demostad.geojson"
    res = CliRunner().invoke(main, ["plan", str(example), "--out", str(tmp_path / "p")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p" / "plan_check.json").exists()
    assert (tmp_path / "p" / "plan_check.html").exists()


def test_plan_command_refuses_rd_coordinates_in_a_geojson_without_crs(tmp_path: Path) -> None:
    # a GeoJSON without "crs" means lon/lat (RFC 7946); RD metres there are refused with the fix
    bad = tmp_path / "zonder_crs.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "crs": null, "features": [{"type": "Feature", '
        '"properties": {"woningen": 10}, "geometry": {"type": "Polygon", "coordinates": '
        '[[[150000, 450000], [150100, 450000], [150100, 450100], [150000, 450000]]]}}]}'
    )
    res = CliRunner().invoke(main, ["plan", str(bad), "--out", str(tmp_path / "p")])
    assert res.exit_code == 2, res.output
    assert "zonder_crs.geojson" in res.output
    assert "ze lijken op RD New-meters (EPSG:28992)" in res.output and "Geef het juiste stelsel op" in res.output
    assert not (tmp_path / "p").exists()
