"""Bad input: every key checked against its declared schema, Dutch messages, no tracebacks.

The cases of issue 12 (items 3 and 4) and docs/foutmeldingen.md, one test each.
"""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from afweging import settings
from afweging._errors import (
    GeographicCrsError,
    InputFileNotFoundError,
    ManifestError,
    NoMatchError,
    PlanError,
    SettingsError,
)
from afweging.analyses.plan import plan_from_frame, read_plan
from afweging.cli import main
from afweging.data.homes import grid_homes_for_empty_buurten
from afweging.data.manifest import load_area
from afweging.data.manifest_schema import check_manifest, sections
from afweging.settings_schema import Settings, check_settings

DOCS = Path(__file__).resolve().parents[1] / "docs"

STATS = "gwb_code_10,regio,a_inw,a_woning\nBU99990001,Noord,30,12\nBU99990002,Zuid,10,4\n"

GOOD = """name = "Mini"
[buurten]
path = "buurten.gpkg"
layer = "buurten"
[statistics]
path = "stats.csv"
year = 2023
"""


@pytest.fixture()
def area_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two buurten next to the Domtoren (RD metres) with CBS statistics; no homes."""
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    gpd.GeoDataFrame(
        {"buurtcode": ["BU99990001", "BU99990002"], "buurtnaam": ["Noord", "Zuid"], "wijkcode": ["WK999900"] * 2},
        geometry=[box(136000, 455000, 136200, 455100), box(136200, 455000, 136300, 455100)],
        crs="EPSG:28992",
    ).to_file(tmp_path / "buurten.gpkg", layer="buurten")
    (tmp_path / "stats.csv").write_text(STATS, encoding="utf-8")
    (tmp_path / "area.toml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def _manifest_error(doc_text: str, folder: Path) -> ManifestError:
    (folder / "area.toml").write_text(doc_text, encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        load_area(folder / "area.toml")
    return info.value


# ----------------------------------------------------------------- the manifest schema


def test_typo_inside_a_section_is_refused_with_a_suggestion(area_dir: Path) -> None:
    # issue 12: `inlcude` in [homes] was silently ignored (every OSM point became a home)
    doc = GOOD + '[homes]\npath = "buurten.gpkg"\ninlcude = { building = ["house"] }\n'
    exc = _manifest_error(doc, area_dir)
    assert str(exc) == (
        f"{area_dir / 'area.toml'}: [homes] inlcude: onbekende sleutel. Bedoelde u 'include'? "
        "Herstel de spelling of verwijder de sleutel."
    )
    (problem,) = exc.problems
    assert (problem.section, problem.key, problem.rule) == ("homes", "inlcude", "onbekende sleutel")


def test_wrong_types_name_file_section_key_rule_and_fix(area_dir: Path) -> None:
    doc = GOOD.replace('name = "Mini"', 'name = "Mini"\nsynthetic = "false"').replace(
        "year = 2023", 'year = "twintig"').replace('path = "buurten.gpkg"', "path = 42")
    exc = _manifest_error(doc, area_dir)
    lines = str(exc).splitlines()
    assert lines[0] == f"Het gebiedsmanifest {area_dir / 'area.toml'} klopt niet (3 problemen):"
    assert lines[1:] == [
        f'  - {area_dir / "area.toml"}: synthetic = "false": moet true of false zijn, zonder '
        "aanhalingstekens. Oplossing: true als de gegevens verzonnen zijn (demo), bijv. synthetic = false.",
        f"  - {area_dir / 'area.toml'}: [buurten] path = 42: moet tekst zijn, tussen aanhalingstekens. "
        'Oplossing: het bestand, relatief aan de map van het manifest, bijv. path = "buurten.gpkg".',
        f'  - {area_dir / "area.toml"}: [statistics] year = "twintig": moet een geheel getal zijn, '
        "zonder aanhalingstekens. Oplossing: het jaar van de CBS-cijfers, bijv. year = 2023.",
    ]


def test_ranges_and_choices(area_dir: Path) -> None:
    for value, rule in (('"honderd"', "moet een getal zijn"), ("0.01", "moet minstens 10 zijn"),
                        ("-100", "moet minstens 10 zijn"), ("inf", "moet een eindig getal zijn")):
        doc = GOOD + f'[homes]\npath = "buurten.gpkg"\nmissing_homes = "grid"\ngrid_spacing_m = {value}\n'
        assert f"[homes] grid_spacing_m = {value}: {rule}" in str(_manifest_error(doc, area_dir))
    exc = _manifest_error(GOOD + '[wijken]\npath = "buurten.gpkg"\nlyer = "wijken"\n', area_dir)
    assert "[wijken] lyer: onbekende sleutel. Bedoelde u 'layer'?" in str(exc)
    exc = _manifest_error(GOOD + '[networks.walk]\npath = "w.graphml"\nformat = "shp"\n', area_dir)
    assert '[networks.walk] format = "shp": moet een van deze waarden zijn: "graphml", "osm", "pbf" of "gpkg"' in str(exc)
    exc = _manifest_error(GOOD.replace('name = "Mini"', 'name = "Mini"\ngemeentecode = "0344"'), area_dir)
    assert 'gemeentecode = "0344": heeft niet de goede vorm. Oplossing: de CBS-code van de gemeente, bijv. gemeentecode = "GM0344".' in str(exc)


def test_every_problem_at_once_and_no_pydantic_jargon() -> None:
    doc = {"buurten": "x", "crs": "EPSG:4326", "lines": {"wegen": {"online": "osm"}},
           "statistics": {"path": "s.csv", "sheet": 1.5}, "rasters": {"noise": {"online": "wcs", "coverage": "c"}}}
    with pytest.raises(ManifestError) as info:
        check_manifest(doc, file="area.toml")
    text = str(info.value)
    assert "(6 problemen)" in text
    assert "name: ontbreekt (verplicht)" in text
    assert 'crs = "EPSG:4326": de toolkit rekent in EPSG:28992' in text
    assert 'buurten = "x": moet een tabel zijn' in text
    assert "[lines.wegen] online: dit onderdeel leest alleen bestanden; geef een `path`" in text
    # a key that may be text or a whole number gets one line naming both
    assert "[statistics] sheet = 1.5: moet tekst zijn, tussen aanhalingstekens, of een geheel getal zijn" in text
    assert "[rasters.noise] url: ontbreekt: met een eigen `coverage` hoort ook `url`" in text
    for jargon in ("Input should", "pydantic", "validation error", "Value error"):
        assert jargon not in text


def test_manifest_with_a_byte_order_mark_loads(area_dir: Path) -> None:
    path = area_dir / "area.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    area = load_area(path)
    assert area.name == "Mini" and area.statistics_year == 2023 and len(area.buurten) == 2


def test_manifest_saved_as_cp1252_is_named(area_dir: Path) -> None:
    path = area_dir / "area.toml"
    path.write_bytes(GOOD.replace('"Mini"', '"Mini"\ndescription = "Hoog Catharijne café"').encode("cp1252"))
    with pytest.raises(ManifestError, match=r"area\.toml: regel 2 is geen UTF-8 \(byte 0xe9\).*Sla het op als UTF-8"):
        load_area(path)


def test_manifest_that_is_a_folder_or_missing(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match=r"nergens\.toml bestaat niet"):
        load_area(tmp_path / "nergens.toml")
    (tmp_path / "gebied").mkdir()  # a folder stands for its area.toml
    with pytest.raises(InputFileNotFoundError, match=r"gebied/area\.toml bestaat niet"):
        load_area(tmp_path / "gebied")


def test_statistics_csv_saved_as_cp1252(area_dir: Path) -> None:
    (area_dir / "stats.csv").write_bytes(STATS.replace("Zuid", "Zuid-Oost café").encode("cp1252"))
    with pytest.raises(ManifestError, match=r"stats\.csv is niet als UTF-8 opgeslagen \(regel 3: byte 0xe9"):
        load_area(area_dir / "area.toml")


def test_grid_stand_in_homes_refused_before_allocating(area_dir: Path) -> None:
    buurten = gpd.read_file(area_dir / "buurten.gpkg").set_index("buurtcode")
    buurten["a_inw"] = [30.0, 10.0]
    homes = gpd.GeoDataFrame({"buurtcode": []}, geometry=[], crs="EPSG:28992")
    # 0.01 m over 300 x 100 m would be 3e8 points (GiBs): refused from the bounds alone
    # (200 / 0.01 + 1) * (100 / 0.01 + 1) + (100 / 0.01 + 1) ** 2 = 300,050,002
    with pytest.raises(ManifestError, match=r"grid_spacing_m = 0\.01 geeft ongeveer 300\.050\.002 rasterpunten"):
        grid_homes_for_empty_buurten(homes, buurten, spacing_m=0.01)
    # 100 m: one stand-in point per buurt (each is smaller than the grid)
    with pytest.warns(UserWarning, match="40 inwoners zijn benaderd met 3 rasterpunten"):
        out = grid_homes_for_empty_buurten(homes, buurten, spacing_m=100.0)
    assert sorted(out["buurtcode"]) == ["BU99990001", "BU99990001", "BU99990002"]


def test_input_docs_are_generated_from_the_schemas() -> None:
    render = runpy.run_path(str(DOCS.parent / "scripts" / "write_input_docs.py"))["render"]
    assert (DOCS / "invoer.md").read_text("utf-8") == render(), "run python scripts/write_input_docs.py"
    text = render()
    for name, model in sections().items():
        for key in model.model_fields:
            shown = f"[{name}.{key}]" if name in ("networks", "rasters") else f"`{key}`"
            assert shown in text, f"[{name}] {key}"
    assert all(f"`{key}`" in text for key in Settings.model_fields)


# ----------------------------------------------------------------------------- settings


def test_every_setting_is_declared() -> None:
    public = {k for k, v in vars(settings).items()
              if not k.startswith("_") and not callable(v) and type(v).__name__ != "module"
              and k not in ("annotations",)}
    assert public == set(Settings.model_fields)


@pytest.mark.parametrize(("name", "value", "rule"), [
    ("walk_speed_kmh", 0, "walk_speed_kmh = 0: moet groter zijn dan 0"),
    ("walk_speed_kmh", -5.0, "walk_speed_kmh = -5.0: moet groter zijn dan 0"),
    ("walk_speed_kmh", "5", 'walk_speed_kmh = "5": moet een getal zijn'),
    ("detour_factor", 0.5, "detour_factor = 0.5: moet minstens 1 zijn"),
    ("max_minutes", 5.0, "max_minutes: max_minutes (5) is kleiner dan minutes (10)"),
    ("use_cache", "ja", 'use_cache = "ja": moet true of false zijn'),
])
def test_wrong_settings_are_refused_where_work_starts(
    monkeypatch: pytest.MonkeyPatch, area_dir: Path, name: str, value: object, rule: str
) -> None:
    check_settings()  # the defaults pass
    monkeypatch.setattr(settings, name, value)
    with pytest.raises(SettingsError, match=re.escape(f"afweging.settings: {rule}")):
        check_settings()
    # a negative walking speed gave -inf minutes (100 % reach everything): now refused up front
    with pytest.raises(SettingsError):
        load_area(area_dir / "area.toml")


def test_reachability_refuses_a_zero_walking_speed(monkeypatch: pytest.MonkeyPatch, demo) -> None:
    from afweging.analyses.reach import reachability

    monkeypatch.setattr(settings, "walk_speed_kmh", 0.0)
    with pytest.raises(SettingsError, match=r"walk_speed_kmh = 0\.0: moet groter zijn dan 0\. Oplossing: loopsnelheid"):
        reachability(demo)


# ---------------------------------------------------------------------------- the CLI


def test_cli_bad_manifest_exit_2_without_traceback(area_dir: Path, tmp_path: Path) -> None:
    (area_dir / "area.toml").write_text(GOOD + '[homes]\npath = "b.gpkg"\ninlcude = {}\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["run", "--area", str(area_dir / "area.toml"), "--out", str(tmp_path / "uit")])
    assert res.exit_code == 2
    assert "Fout: " in res.output and "Bedoelde u 'include'?" in res.output
    assert "Traceback" not in res.output


def _crash(exc: BaseException):
    def job(*args: object, **kwargs: object) -> None:
        raise exc
    return job


def test_cli_internal_error_exit_1_with_a_log_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import afweging.analyses.plan as plan_pkg

    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(plan_pkg, "plan_command_main", _crash(RuntimeError("kapot")))
    res = CliRunner().invoke(main, ["plan", "x.geojson", "--out", str(tmp_path / "p")])
    assert res.exit_code == 1
    assert "Fout: interne fout in afweging (RuntimeError: kapot). Dit ligt niet aan uw invoer" in res.output
    assert "Traceback" not in res.output
    (log,) = (tmp_path / "cache" / "logs").glob("fout-*.log")
    assert str(log) in res.output
    text = log.read_text("utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: kapot" in text
    # --debug shows the traceback on screen as well
    res = CliRunner().invoke(main, ["--debug", "plan", "x.geojson", "--out", str(tmp_path / "p")])
    assert res.exit_code == 1 and "Traceback (most recent call last)" in res.output


@pytest.mark.parametrize(("exc", "code", "text"), [
    (MemoryError(), 1, "Fout: het werkgeheugen is op. Reken een kleiner gebied door"),
    (PermissionError(13, "Permission denied", "/data/plan.gpkg"), 2,
     "Fout: /data/plan.gpkg: geen toegang. Controleer de rechten"),
    (OSError(28, "No space left on device", "/uit/kaart.html"), 2, "Fout: /uit/kaart.html: de schijf is vol."),
    # not a file: no 'een bestand: ... Controleer het pad' but an internal error with its log
    (OSError("No valid workers found"), 1, "Fout: interne fout in afweging (OSError: No valid workers found)."),
    (UnicodeDecodeError("utf-8", b"\xe9", 0, 1, "invalid continuation byte"), 2,
     "Fout: een invoerbestand is niet als UTF-8 opgeslagen"),
])
def test_cli_os_and_memory_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, exc: BaseException,
                                  code: int, text: str) -> None:
    import afweging.analyses.plan as plan_pkg

    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(plan_pkg, "plan_command_main", _crash(exc))
    res = CliRunner().invoke(main, ["plan", "x.geojson", "--out", str(tmp_path / "p")])
    assert res.exit_code == code
    assert text in res.output and "Traceback" not in res.output


# ------------------------------------------------------------------- weak messages (item 5)


def test_buurten_geojson_in_rd_metres_without_crs_member(area_dir: Path) -> None:
    # RFC 7946: no "crs" member means lon/lat; RD metres there used to end in
    # "111 invalid geometries ... Invalid Coordinate[inf inf]"
    feature = {"type": "Feature", "properties": {"buurtcode": "BU1", "buurtnaam": "A", "wijkcode": "WK1"},
               "geometry": {"type": "Polygon", "coordinates": [[[136000, 455000], [136100, 455000],
                                                                [136100, 455100], [136000, 455000]]]}}
    (area_dir / "b.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    (area_dir / "area.toml").write_text('name = "x"\n[buurten]\npath = "b.geojson"\n', encoding="utf-8")
    with pytest.raises(GeographicCrsError) as info:
        load_area(area_dir / "area.toml")
    text = str(info.value)
    assert "[buurten] in area.toml" in text and "b.geojson" in text
    assert "x 136000 tot 136100, y 455000 tot 455100" in text and "ze lijken op RD New-meters (EPSG:28992)" in text
    assert "urn:ogc:def:crs:EPSG::28992" in text and "inf" not in text


def test_an_empty_buurten_layer_is_blamed_on_buurten(area_dir: Path) -> None:
    gpd.GeoDataFrame({"buurtcode": [], "buurtnaam": [], "wijkcode": []}, geometry=[], crs="EPSG:28992").to_file(
        area_dir / "buurten.gpkg", layer="buurten")
    exc = _manifest_error(GOOD, area_dir)
    assert "[buurten] in area.toml: buurten.gpkg (laag 'buurten') bevat geen buurten" in str(exc)
    assert "statistics" not in str(exc)


def test_integer_id_columns_become_text_codes(area_dir: Path) -> None:
    # buurt and wijk ids stored as integers, and a [wijken] reading the same file
    gpd.GeoDataFrame({"buurtcode": [1, 2], "buurtnaam": ["Noord", "Zuid"], "wijkcode": [10, 10]},
                     geometry=[box(136000, 455000, 136200, 455100), box(136200, 455000, 136300, 455100)],
                     crs="EPSG:28992").to_file(area_dir / "buurten.gpkg", layer="buurten")
    (area_dir / "stats.csv").write_text("gwb_code_10,a_inw\nBU1,3\n", encoding="utf-8")
    with pytest.raises(NoMatchError, match=r"bijv\. \['BU1'\]\) komt overeen met een buurtcode van \[buurten\] \(bijv\. \['1', '2'\]\)"):
        load_area(area_dir / "area.toml")
    (area_dir / "area.toml").write_text(
        'name = "x"\n[buurten]\npath = "buurten.gpkg"\n[wijken]\npath = "buurten.gpkg"\nid = "wijkcode"\n', encoding="utf-8")
    area = load_area(area_dir / "area.toml")  # the two buurten polygons read as wijk polygons too
    assert area.buurten.index.tolist() == ["1", "2"] and area.buurten["wijkcode"].tolist() == ["10", "10"]
    assert area.wijken.index.tolist() == ["10", "10"]


# ------------------------------------------------------------------------------ plans


def _plan_file(path: Path, props: list[str]) -> Path:
    """A GeoJSON (lon/lat) with one 100 m wide square per feature, properties as raw JSON text
    (so that the non-standard NaN and Infinity can be written)."""
    feats = []
    for i, p in enumerate(props):
        x = 5.10 + 0.002 * i
        ring = f"[[{x},52.08],[{x + 0.0015},52.08],[{x + 0.0015},52.081],[{x},52.081],[{x},52.08]]"
        feats.append('{"type":"Feature","properties":{' + p + '},"geometry":{"type":"Polygon","coordinates":[' + ring + "]}}")
    path.write_text('{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}", encoding="utf-8")
    return path


def test_plan_nan_and_infinity_are_named_not_defaulted(tmp_path: Path) -> None:
    # GDAL reads the non-standard NaN / Infinity; NaN used to become the default silently,
    # Infinity was shown as np.float64(inf)
    path = _plan_file(tmp_path / "p.geojson", ['"naam":"a","woningen":NaN', '"naam":"b","woningen":10,"huishoudgrootte":Infinity',
                                               '"naam":"c","woningen":null'])
    with pytest.raises(PlanError) as info:
        read_plan(path)
    text = str(info.value)
    assert "object 0 ('a'): woningen = NaN is geen getal; het moet een geheel getal van minstens 0 zijn. Laat de eigenschap weg" in text
    assert "object 1 ('b'): huishoudgrootte = Infinity is geen eindig getal; het moet een getal groter dan 0 zijn." in text
    assert "np.float64" not in text and "'c'" not in text  # null is the default: no problem
    assert "(2 problemen)" in text


def test_plan_with_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    _plan_file(path, ['"naam":"caf\u00e9","woningen":5'])
    path.write_bytes(path.read_text("utf-8").encode("cp1252"))
    with pytest.raises(PlanError, match=r"p\.geojson: regel 1 is geen UTF-8 \(byte 0xe9\).*Een GeoJSON is altijd UTF-8"):
        read_plan(path)


def test_implausible_dwelling_density() -> None:
    # 10^15 dwellings on 2 ha is refused; 1,000 on 1 ha gets a warning
    frame = gpd.GeoDataFrame({"naam": ["toren"], "woningen": [10**15]}, geometry=[box(136000, 455000, 136200, 455100)],
                             crs="EPSG:28992")
    with pytest.raises(PlanError, match=r"object 0 \('toren'\): 1\.000\.000\.000\.000\.000 woningen op 2 ha is "
                                        r"500\.000\.000\.000\.000 woningen per ha; meer dan 5\.000 per ha kan niet"):
        plan_from_frame(frame)
    with pytest.warns(UserWarning, match=r"object 0 \('toren'\): 1\.000 woningen per ha: meer dan 500 per ha is zeer hoog"):
        plan_from_frame(frame.assign(woningen=1_000).set_geometry([box(136000, 455000, 136100, 455100)]))


def test_many_problems_are_grouped() -> None:
    frame = gpd.GeoDataFrame({"naam": [f"v{i}" for i in range(25)], "woningen": [-1] * 25},
                             geometry=[box(136000 + 20 * i, 455000, 136010 + 20 * i, 455010) for i in range(25)],
                             crs="EPSG:28992")
    with pytest.raises(PlanError) as info:
        plan_from_frame(frame)
    lines = str(info.value).splitlines()
    assert len(lines) == 1 + 11 + 1  # header, 10 features, the rest counted, the docs line
    assert lines[11] == "  - en nog 15 objecten met hetzelfde probleem"


def test_plan_feature_limit_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import afweging.analyses.plan.format as fmt

    path = _plan_file(tmp_path / "p.geojson", [f'"naam":"v{i}","woningen":1' for i in range(3)])
    monkeypatch.setattr(fmt, "MAX_PLAN_FEATURES", 2)
    monkeypatch.setattr(fmt.pyogrio, "read_arrow", _crash(AssertionError("the file was read")))
    with pytest.raises(PlanError, match=r"p\.geojson: het plan heeft 3 objecten; de plantoets neemt er hoogstens 2\. "
                                        r"Voeg kavels samen tot bouwvelden"):
        read_plan(path)


# ------------------------------------------------------ norms files (--norms), at the CLI

SRC = "[norms.groen_m2_per_woning.source]\ndocument = \"Raadsbesluit\"\nyear = 2024\npage = \"p. 2\"\n"


@pytest.mark.parametrize(("text", "expected"), [
    # a typo inside a norm: refused with a suggestion (was an English message)
    ("[norms.groen_m2_per_woning]\nwieght = 2.0\n",
     "n.toml: [norms.groen_m2_per_woning] wieght: onbekende sleutel. Bedoelde u 'weight'?"),
    ("[norm.groen_m2_per_woning]\nweight = 2.0\n", "n.toml: norm: onbekende sleutel. Bedoelde u 'norms'?"),
    # wrong types: a number as text, a boolean as text
    ('[themes.groen]\nweight = "zwaar"\n',
     'n.toml: [themes.groen] weight = "zwaar": moet een getal zijn, zonder aanhalingstekens. Oplossing: het '
     "gewicht in de balansscore (0 laat het thema weg), bijv. weight = 1.0."),
    ('[norms.groen_m2_per_woning]\nenabled = "false"\n',
     'n.toml: [norms.groen_m2_per_woning] enabled = "false": moet true of false zijn, zonder aanhalingstekens.'),
    # out of range, inf, a choice, a rule between keys
    ("[scoring]\nbijna = 1.5\n", "n.toml: [scoring] bijna = 1.5: mag hoogstens 1 zijn."),
    ("[norms.groen_m2_per_woning]\nvalue = inf\n" + SRC,
     "n.toml: [norms.groen_m2_per_woning] value = inf: moet een eindig getal zijn (geen inf of nan)."),
    ('[norms.groen_m2_per_woning]\ndirection = "up"\n' + SRC,
     '[norms.groen_m2_per_woning] direction = "up": moet een van deze waarden zijn: "higher" of "lower".'),
    ('[norms.groen_m2_per_woning]\ntheme = "gron"\n',
     'n.toml: [norms.groen_m2_per_woning] theme: "gron" is geen thema; gebruik een van groen, hitte,'),
    ("[norms.groen_m2_per_woning]\nvalue = 50.0\n",
     "n.toml: [norms.groen_m2_per_woning] value: verandert wat de norm zegt, maar geeft geen nieuwe bron."),
    ('[norms.groen_m2_per_woning]\ncolumn = "green_m2_per_dwellings"\n' + SRC,
     "is geen bekende indicatorkolom (van de lagen, de bereikbaarheid of het plan; zie "
     "afweging/barcode/columns.py); bedoelde u 'green_m2_per_dwelling'"),
    ("[norms.Groen]\nenabled = true\n",
     "n.toml: [norms] Groen: een id bestaat alleen uit kleine letters, cijfers en _ en begint met een letter."),
    ("[norms\n", "n.toml: geen geldige TOML op regel 1, kolom 7 ('[norms')"),
])
def test_cli_bad_norms_file(area_dir: Path, tmp_path: Path, text: str, expected: str) -> None:
    (area_dir / "n.toml").write_text(text, encoding="utf-8")
    res = _run(area_dir, "--norms", str(area_dir / "n.toml"))
    assert res.exit_code == 2, res.output
    assert "Fout: " in res.output and expected in res.output
    assert "Traceback" not in res.output and "Input should" not in res.output


def _run(area_dir: Path, *extra: str):
    return CliRunner().invoke(main, ["run", "--area", str(area_dir / "area.toml"), "--out",
                                     str(area_dir / "uit"), *extra])


def test_cli_norms_file_encodings(area_dir: Path) -> None:
    path = area_dir / "n.toml"
    # a BOM (Windows Notepad) is read as usual: the override takes effect (the bad value shows)
    path.write_bytes(b"\xef\xbb\xbf[scoring]\nbijna = 2.0\n")
    res = _run(area_dir, "--norms", str(path))
    assert res.exit_code == 2 and "[scoring] bijna = 2.0: mag hoogstens 1 zijn" in res.output
    # Windows-1252 is named, with the line and how to save as UTF-8
    path.write_bytes('[themes.groen]\nlabel = "Groen én meer"\n'.encode("cp1252"))
    res = _run(area_dir, "--norms", str(path))
    assert res.exit_code == 2
    assert f"Fout: {path}: regel 2 is geen UTF-8 (byte 0xe9)" in res.output and "Sla het op als UTF-8" in res.output
    # a file that does not exist
    res = _run(area_dir, "--norms", str(area_dir / "weg.toml"))
    assert res.exit_code == 2 and f"Fout: Het normenbestand {area_dir / 'weg.toml'} bestaat niet." in res.output


def test_cli_plan_with_a_list_as_a_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # found by tests/test_input_properties.py: a GeoJSON list in a number property was an
    # internal error (TypeError: unhashable type: 'numpy.ndarray'), exit 1
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
           "features": [{"type": "Feature", "properties": {"naam": "a", "meergezins_pct": [-216], "woningen": {"x": 1}},
                         "geometry": json.loads(gpd.GeoSeries([box(149000, 449500, 149100, 449600)]).to_json())[
                             "features"][0]["geometry"]}]}
    (tmp_path / "p.geojson").write_text(json.dumps(doc), encoding="utf-8")
    res = CliRunner().invoke(main, ["plan", str(tmp_path / "p.geojson"), "--out", str(tmp_path / "uit")])
    assert res.exit_code == 2, res.output
    assert "object 0 ('a'): meergezins_pct = [-216] is geen getal; het moet een percentage van 0 tot 100 zijn." in res.output
    assert "object 0 ('a'): woningen = " in res.output and "is geen getal" in res.output


def test_cli_tag_table_with_text_for_a_boolean(area_dir: Path) -> None:
    # issue 12 item 3 for tag tables: `everyday = "false"` was read as True (bool("false"))
    gpd.GeoDataFrame({"osm_key": ["leisure"], "osm_value": ["playground"]},
                     geometry=gpd.points_from_xy([136050], [455050]), crs="EPSG:28992").to_file(area_dir / "fac.gpkg")
    (area_dir / "t.toml").write_text('[categories.speelplek]\neveryday = "false"\ntags = ["leisure=playground"]\n',
                                     encoding="utf-8")
    (area_dir / "area.toml").write_text(GOOD + '[facilities]\npath = "fac.gpkg"\nformat = "osm-tags"\ntags = "t.toml"\n',
                                        encoding="utf-8")
    res = _run(area_dir)
    assert res.exit_code == 2, res.output
    assert (f'Fout: {area_dir / "t.toml"}: [categories.speelplek] everyday = "false": moet true of false zijn, zonder '
            "aanhalingstekens. Oplossing: true als de categorie meetelt voor de 10-minutenstad") in res.output


# ------------------------------------------- priorities settings (--priorities), at the CLI


@pytest.mark.parametrize(("text", "expected"), [
    ("[questions.speelplek]\nmax_afstand_m = 300\n",
     "p.toml: [questions.speelplek] max_afstand_m: onbekende sleutel. Bedoelde u 'max_distance_m'?"),
    ("[questions.spelplek]\nlabel = \"x\"\n", "p.toml: [questions] spelplek: onbekende sleutel. Bedoelde u 'speelplek'?"),
    ('ongelijk_investeren = "veel"\n',
     'p.toml: ongelijk_investeren = "veel": moet een getal zijn, zonder aanhalingstekens. Oplossing: hoe sterk '
     "behoefte de prioriteit vergroot (0 = gelijk verdelen), bijv. ongelijk_investeren = 2.0."),
    ('[indicators.groen]\noptional = "false"\n',
     'p.toml: [indicators.groen] optional = "false": moet true of false zijn, zonder aanhalingstekens.'),
    ("[flags]\ntop = -3\n", "p.toml: [flags] top = -3: moet minstens 0 zijn."),
    ("[questions.speelplek]\nmax_minutes = 5\n", None),  # valid: max_minutes replaces the default distance
    ("[questions.ontmoetingsplek]\nmax_minutes = 5\nmax_distance_m = 400\n",
     "p.toml: [questions.ontmoetingsplek] max_minutes: geef max_distance_m of max_minutes, niet allebei."),
    ("[questions.speelplek]\nneed = { kinderren = 1.0 }\n",
     "p.toml: [questions.speelplek] need: 'kinderren' is geen bekende indicator (bedoelde u 'kinderen'?)"),
])
def test_cli_bad_priorities_file_fails_before_computing(area_dir: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                                        expected: str | None) -> None:
    import afweging.layers

    def no_layers(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed before the settings were checked")

    monkeypatch.setattr(afweging.layers, "compute_layers", no_layers)
    (area_dir / "p.toml").write_text(text, encoding="utf-8")
    res = _run(area_dir, "--priorities", str(area_dir / "p.toml"))
    if expected is None:  # a valid file gets as far as computing
        assert res.exit_code == 1 and "computed before the settings were checked" in res.output
        return
    assert res.exit_code == 2, res.output
    assert "Fout: " in res.output and expected in res.output and "Traceback" not in res.output


# ----------------------------- every case of issue 12 (items 3-5) through the real CLI

_RD_NO_CRS = json.dumps({"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"buurtcode": "BU1", "buurtnaam": "A", "wijkcode": "WK1"},
    "geometry": {"type": "Polygon", "coordinates": [[[136000, 455000], [136100, 455000], [136100, 455100],
                                                     [136000, 455000]]]}}]})


def _empty_buurten(folder: Path) -> None:
    gpd.GeoDataFrame({"buurtcode": [], "buurtnaam": [], "wijkcode": []}, geometry=[], crs="EPSG:28992").to_file(
        folder / "buurten.gpkg", layer="buurten")


#: (case, manifest text or None for GOOD, extra files {name: bytes or callable}, expected message part)
_MANIFEST_CASES = [
    ("inlcude in [homes]", GOOD + '[homes]\npath = "buurten.gpkg"\ninlcude = { building = ["house"] }\n', {},
     "area.toml: [homes] inlcude: onbekende sleutel. Bedoelde u 'include'?"),
    ('synthetic = "false"', GOOD.replace('name = "Mini"', 'name = "Mini"\nsynthetic = "false"'), {},
     'area.toml: synthetic = "false": moet true of false zijn, zonder aanhalingstekens.'),
    ('year = "twintig"', GOOD.replace("year = 2023", 'year = "twintig"'), {},
     '[statistics] year = "twintig": moet een geheel getal zijn, zonder aanhalingstekens. Oplossing: het jaar van '
     "de CBS-cijfers, bijv. year = 2023."),
    ("path = 42", GOOD.replace('path = "buurten.gpkg"', "path = 42"), {},
     "[buurten] path = 42: moet tekst zijn, tussen aanhalingstekens."),
    ('grid_spacing_m = "honderd"', GOOD + '[homes]\npath = "buurten.gpkg"\ngrid_spacing_m = "honderd"\n', {},
     '[homes] grid_spacing_m = "honderd": moet een getal zijn, zonder aanhalingstekens.'),
    ("grid_spacing_m = 0.01", GOOD + '[homes]\npath = "buurten.gpkg"\ngrid_spacing_m = 0.01\n', {},
     "[homes] grid_spacing_m = 0.01: moet minstens 10 zijn. Oplossing: de afstand tussen vervangende woningpunten"),
    ("grid_spacing_m = -100", GOOD + '[homes]\npath = "buurten.gpkg"\ngrid_spacing_m = -100\n', {},
     "[homes] grid_spacing_m = -100: moet minstens 10 zijn."),
    ("lyer in [wijken]", GOOD + '[wijken]\npath = "buurten.gpkg"\nlyer = "wijken"\n', {},
     "[wijken] lyer: onbekende sleutel. Bedoelde u 'layer'?"),
    ("statistics CSV as cp1252", None, {"stats.csv": STATS.replace("Zuid", "Zuid-Oost café").encode("cp1252")},
     "stats.csv is niet als UTF-8 opgeslagen (regel 3: byte 0xe9"),
    ("manifest as cp1252", GOOD.replace('"Mini"', '"Mini"\ndescription = "café"'), {"cp1252": b""},
     "area.toml: regel 2 is geen UTF-8 (byte 0xe9)"),
    ("RD metres in a GeoJSON without crs", 'name = "x"\n[buurten]\npath = "b.geojson"\n',
     {"b.geojson": _RD_NO_CRS.encode()}, "ze lijken op RD New-meters (EPSG:28992)"),
    ("empty buurten layer", None, {"buurten.gpkg": _empty_buurten},
     "[buurten] in area.toml: buurten.gpkg (laag 'buurten') bevat geen buurten. Controleer `path` en `layer` in [buurten]."),
]


@pytest.mark.parametrize(("case", "text", "files", "expected"), _MANIFEST_CASES, ids=[c[0] for c in _MANIFEST_CASES])
def test_issue_cases_at_the_cli(area_dir: Path, case: str, text: str | None, files: dict, expected: str) -> None:
    raw = (text or GOOD).encode("cp1252" if "cp1252" in files else "utf-8")
    (area_dir / "area.toml").write_bytes(raw)
    for name, content in files.items():
        if callable(content):
            content(area_dir)
        elif name != "cp1252":
            (area_dir / name).write_bytes(content)
    res = _run(area_dir)
    assert res.exit_code == 2, res.output
    assert "Fout: " in res.output and expected in res.output, res.output
    assert "Traceback" not in res.output
    if case == "empty buurten layer":  # was blamed on [statistics]
        assert "statistics" not in res.output


def test_issue_bom_manifest_loads_at_the_cli(area_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    import afweging.pipeline

    loaded = []
    monkeypatch.setattr(afweging.pipeline, "run",
                        lambda area, out, **kw: loaded.append(area) or SimpleNamespace(summary=["klaar"], files=[]))
    (area_dir / "area.toml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    res = _run(area_dir)
    assert res.exit_code == 0, res.output
    assert loaded[0].name == "Mini" and len(loaded[0].buurten) == 2


_PLAN_CASES = [
    ("woningen = NaN", ['"naam":"a","woningen":NaN'],
     "object 0 ('a'): woningen = NaN is geen getal; het moet een geheel getal van minstens 0 zijn."),
    ("huishoudgrootte = Infinity", ['"naam":"b","woningen":10,"huishoudgrootte":Infinity'],
     "object 0 ('b'): huishoudgrootte = Infinity is geen eindig getal; het moet een getal groter dan 0 zijn."),
    ("10^15 dwellings", ['"naam":"toren","woningen":1000000000000000'],
     "woningen per ha; meer dan 5.000 per ha kan niet"),
    ("non-UTF-8 bytes", None, "regel 1 is geen UTF-8 (byte 0xe9)"),
]


@pytest.mark.parametrize(("case", "props", "expected"), _PLAN_CASES, ids=[c[0] for c in _PLAN_CASES])
def test_issue_plan_cases_at_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str,
                                     props: list[str] | None, expected: str) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    path = _plan_file(tmp_path / "p.geojson", props or ['"naam":"caf\u00e9","woningen":5'])
    if props is None:
        path.write_bytes(path.read_text("utf-8").encode("cp1252"))
    res = CliRunner().invoke(main, ["plan", str(path), "--out", str(tmp_path / "uit")])
    assert res.exit_code == 2, res.output
    assert "Fout: " in res.output and expected in res.output and "Traceback" not in res.output
