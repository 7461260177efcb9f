"""Properties that must always hold (issue 12, item 9), checked with hypothesis.

* Adding a facility never lengthens any trip (the reachability engine).
* A plan that only adds green changes only green indicators, and only for the better.
* Random manifests and random plan files never end in a traceback: the real CLI, run
  in-process, either succeeds or ends in a Dutch ``Fout:`` line with exit code 2.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, assume, event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from shapely.geometry import Point, box
from test_reachability_exact import perturbed_grid

from afweging import settings
from afweging._errors import AfwegingError, ConfigError, NormsError, PlanError
from afweging._schema import toml_value
from afweging.analyses.plan import check_plan, plan_from_frame, prepare_baseline
from afweging.analyses.plan.format import PROPERTIES
from afweging.analyses.priorities import load_priority_config
from afweging.analyses.priorities.config_schema import sections as priorities_sections
from afweging.analyses.reach.graph import build_array_graph
from afweging.analyses.reach.reachability import travel_minutes
from afweging.barcode import load_norms
from afweging.barcode.norms_schema import NormSpec, Scoring, ThemeSpec
from afweging.cli import main
from afweging.data.manifest_schema import sections
from afweging.scenarios.schema import read_scenario
from afweging.scenarios.schema import sections as scenario_sections

#: Every example runs a real computation: a handful each keeps the file at seconds.
FEW = hsettings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# ------------------------------------------------------------- adding a facility (engine)

_GRID = perturbed_grid(n=8, seed=5)
_XY = np.array([[d["x"], d["y"]] for _, d in _GRID.nodes(data=True)])
_GRAPHS = {mode: build_array_graph(_GRID, mode) for mode in ("walk", "bike")}
#: Points from well inside the grid to beyond the snap distance (straight-line fallback).
_X = st.floats(_XY[:, 0].min() - 400, _XY[:, 0].max() + 400)
_Y = st.floats(_XY[:, 1].min() - 400, _XY[:, 1].max() + 400)
_POINTS = st.lists(st.tuples(_X, _Y), min_size=1, max_size=12)


@FEW
@given(homes=_POINTS, facilities=_POINTS, extra=st.tuples(_X, _Y), mode=st.sampled_from(["walk", "bike"]),
       max_minutes=st.sampled_from([5.0, 15.0, 1e6]))
def test_adding_a_facility_never_lengthens_any_trip(homes, facilities, extra, mode, max_minutes) -> None:
    graph = _GRAPHS[mode]
    homes_xy, fac_xy = np.array(homes), np.array(facilities)
    before, how = travel_minutes(graph, homes_xy, fac_xy, mode=mode, max_minutes=max_minutes)
    after, _ = travel_minutes(graph, homes_xy, np.vstack([fac_xy, [extra]]), mode=mode, max_minutes=max_minutes)
    assert not np.isnan(after).any()
    # a home without any route to the facilities gets a straight-line estimate, which a route
    # to the new facility replaces even when longer: see the next test
    routed = how != "no_route"
    longer = (after > before + 1e-9) & routed
    assert not longer.any(), (homes_xy[longer], before[longer], after[longer])


def test_a_route_replaces_a_no_route_estimate_even_when_longer() -> None:
    """Where the property above stops, by design (issue 17): a facility that the network
    proves unreachable is not a trip, so its straight-line estimate only stands in while no
    route leads to any facility of the category, and a route to a new facility replaces it,
    even when longer. Hypothesis' shrunk example: a home on the fragment west of the grid, a
    facility that no route reaches (estimate 1.5 min by bike), then one a route reaches."""
    graph = _GRAPHS["bike"]
    home, fac, extra = np.array([[129772.0, 449863.0]]), np.array([[129621.0, 450060.0]]), [129741.0, 450480.0]
    before, how = travel_minutes(graph, home, fac, mode="bike", max_minutes=5.0)
    after, how_after = travel_minutes(graph, home, np.vstack([fac, [extra]]), mode="bike", max_minutes=5.0)
    assert how[0] == "no_route" and how_after[0] == "network"
    assert after[0] > before[0]  # the route is longer than the estimate it replaces


# ------------------------------------------------------- a plan that only adds green


@functools.cache
def _demo() -> tuple[Any, Any]:
    """The demo area and its plan-check baseline, computed once (not a fixture argument:
    hypothesis would print the whole area with every example)."""
    from afweging.data.demo import demo_area

    area = demo_area()
    return area, prepare_baseline(area)


def _green_related(ch: pd.DataFrame) -> pd.Series:
    return (
        (ch["layer"] == "green")
        | ch["indicator"].str.contains("_park_")
        | ch["indicator"].isin(["fac_n_missing_categories", "fac_missing_categories"])
        | ch["indicator"].str.match(r"reach_(walk|bike)_(n_categories|pct_all_categories)_within")
    )


# cells of 100 m on the demo area (148600..151400 x 449100..450900); distinct cells do not overlap
_CELLS = st.lists(st.tuples(st.integers(0, 27), st.integers(0, 17)), min_size=1, max_size=3, unique=True)


@hsettings(FEW, max_examples=6, phases=[Phase.explicit, Phase.generate])  # shrinking re-runs whole checks
@given(cells=_CELLS, size=st.sampled_from([40.0, 100.0]))
def test_a_plan_that_only_adds_green_changes_only_green_indicators(cells, size) -> None:
    demo, demo_base = _demo()
    shapes = [box(148600 + i * 100, 449100 + j * 100, 148600 + i * 100 + size, 449100 + j * 100 + size)
              for i, j in cells]
    frame = gpd.GeoDataFrame({"naam": [f"park {k}" for k in range(len(shapes))], "functie": ["groen"] * len(shapes)},
                             geometry=shapes, crs="EPSG:28992")
    try:
        plan = plan_from_frame(frame, name="groen")
        check = check_plan(demo, plan, baseline=demo_base)
    except PlanError:
        assume(False)  # e.g. a polygon outside the buurten: refused, nothing to compare
        return
    ch = check.indicator_changes
    # the heat proxy is built from density, water and green (layers/heat.py) and scaled over
    # all buurten: more green lowers it where the green lies, the scaling may move it a
    # little elsewhere
    proxy = ch["indicator"] == "heat_proxy_index"
    assert (_green_related(ch) | proxy).all(), ch[~(_green_related(ch) | proxy)].head().to_string()
    here = proxy & ch["buurtcode"].isin(check.plan_buurten)
    assert (ch.loc[here, "after"].astype(float) <= ch.loc[here, "before"].astype(float) + 1e-9).all()
    # every other change is a gain: more green and parks, shorter times, fewer missing kinds
    num = ch[~proxy & (ch["indicator"] != "fac_missing_categories")]
    before, after = num["before"].astype(float), num["after"].astype(float)
    lower = num["indicator"].str.endswith("_min") | num["indicator"].isin(
        ["fac_n_missing_categories", "green_versteend", "green_below_75m2_per_dwelling"])
    gain = np.where(lower, after <= before + 1e-9, after >= before - 1e-9)
    # a buurt without dwellings that gets a large park: 'versteend' becomes unknown (Kleene:
    # no m² per dwelling, and no longer 'no large green')
    unknown = after.isna() & (num["indicator"] == "green_versteend")
    assert (gain | unknown).all(), num[~(gain | unknown)].to_string()
    pd.testing.assert_frame_equal(check.applied.after.buurten, demo.buurten)  # statistics untouched
    assert check.quantities.dwellings_new == 0


# --------------------------------------------------------------- random input at the CLI


def _toml(doc: dict[str, Any]) -> str:
    """A document as TOML: scalars on top, then one [table] per nested dict."""
    lines: list[str] = []
    tables: list[tuple[list[str], dict[str, Any]]] = []
    for key, value in doc.items():
        if key in ("networks", "rasters", "lines") and isinstance(value, dict) and value and all(
                isinstance(v, dict) for v in value.values()):
            tables += [([key, k], v) for k, v in value.items()]
        elif isinstance(value, dict):
            tables.append(([key], value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for names, table in tables:
        lines.append(f"[{'.'.join(_key(p) for p in names)}]")
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = key and all((c.isalnum() and c.isascii()) or c in "_-" for c in key)
    return key if bare else _value(key)


def _value(value: Any) -> str:
    if isinstance(value, str):  # a JSON string is a TOML basic string, but for DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if value is None:
        return '""'  # TOML has no null: the empty text
    return toml_value(value, limit=10**9)


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["buurten.gpkg", "stats.csv", "area.toml", "", ".", "weg.gpkg",
                                          "EPSG:4326", "EPSG:28992", "osm-tags", "points", "grid", "warn"]),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                       max_leaves=6)
_SECTIONS = [s for s in sections() if s]
_KEYS = sorted({k for model in sections().values() for k in model.model_fields} - {"online"})
#: Misspelt and unknown names next to the real ones.
_NAMES = st.one_of(st.sampled_from(_KEYS), st.sampled_from(["inlcude", "lyer", "pth", "Path", "jaar", "onlin"]),
                   st.text(min_size=1, max_size=8))

GOOD = {
    "name": "Mini",
    "buurten": {"path": "buurten.gpkg", "layer": "buurten"},
    "statistics": {"path": "stats.csv", "year": 2023},
    "homes": {"path": "homes.gpkg", "format": "points"},
    "facilities": {"path": "fac.gpkg", "format": "categories", "category": "categorie"},
}


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two buurten by the Domtoren with statistics, home points and two facilities."""
    folder = tmp_path_factory.mktemp("mini")
    gpd.GeoDataFrame(
        {"buurtcode": ["BU99990001", "BU99990002"], "buurtnaam": ["Noord", "Zuid"], "wijkcode": ["WK999900"] * 2},
        geometry=[box(136000, 455000, 136200, 455100), box(136200, 455000, 136300, 455100)], crs="EPSG:28992",
    ).to_file(folder / "buurten.gpkg", layer="buurten")
    gpd.GeoDataFrame(geometry=[Point(136050 + 20 * i, 455050) for i in range(10)], crs="EPSG:28992").to_file(
        folder / "homes.gpkg")
    gpd.GeoDataFrame({"categorie": ["supermarkt", "speelplek"]}, geometry=[Point(136100, 455020), Point(136250, 455080)],
                     crs="EPSG:28992").to_file(folder / "fac.gpkg")
    (folder / "stats.csv").write_text("gwb_code_10,a_inw,a_woning\nBU99990001,30,12\nBU99990002,10,4\n",
                                      encoding="utf-8")
    return folder


class _Done:
    """What a run returns to the CLI (here: nothing computed)."""

    def __init__(self) -> None:
        self.summary: list[str] = []
        self.files: list[Path] = []


def _cli(args: list[str]) -> Any:
    res = CliRunner().invoke(main, args)
    # CliRunner catches what the command lets through: only SystemExit may come out
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    assert "Traceback" not in res.output, res.output
    assert res.exit_code in (0, 2), res.output  # 1 would be an internal error: a bug
    if res.exit_code == 2:
        assert "Fout: " in res.output, res.output
    event(f"exit {res.exit_code}")
    if res.exit_code == 2:
        event(res.output.split("Fout: ", 1)[1][:70].replace(str(Path.cwd()), ""))
    return res


@FEW
@given(edits=st.lists(st.tuples(st.sampled_from(["", *_SECTIONS[:9]]), _NAMES, _VALUES), min_size=1, max_size=4),
       drop=st.sets(st.sampled_from(["name", "buurten", "statistics", "homes", "facilities"]), max_size=2),
       encoding=st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "truncate"]))
def test_random_manifests_never_end_in_a_traceback(mini, tmp_path_factory, monkeypatch, edits, drop, encoding) -> None:
    import afweging.pipeline

    monkeypatch.setattr(settings, "cache_folder", tmp_path_factory.getbasetemp() / "cache-props")
    monkeypatch.setattr(afweging.pipeline, "run", lambda area, out, **kw: _Done())  # loading is what is tested
    doc: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in GOOD.items() if k not in drop}
    for section, key, value in edits:
        if not section:
            doc[key] = value
        else:
            top, _, sub = section.partition(".")
            node = doc.setdefault(top, {})
            if sub:
                node = node.setdefault(sub, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict):
                node[key] = value
    text = _toml(doc)
    try:
        raw = text[: len(text) // 2].encode() if encoding == "truncate" else text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    (mini / "area.toml").write_bytes(raw)
    _cli(["run", "--area", str(mini / "area.toml"), "--out", str(mini / "uit")])


_PROP_NAMES = st.one_of(st.sampled_from(sorted(PROPERTIES)), st.sampled_from(["woningen_", "functe", "Woningen"]),
                        st.text(max_size=6))
_PROP_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**16), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["wonen", "groen", "spelen", "voorziening", "huisarts", "supermarkt", "vlak", "straten", "",
                     "12", "NaN"]),
    st.text(max_size=6), st.lists(st.integers(), max_size=2),
)
_COORD = st.one_of(st.floats(148700, 151000), st.floats(148700, 151000), st.floats(-1e9, 1e9, allow_nan=False),
                   st.floats(3.0, 7.0))


def _geometry(kind: str, x: float, y: float, size: float) -> Any:
    if kind == "Point":
        return {"type": "Point", "coordinates": [x, y]}
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}
    if kind == "bowtie":
        return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y + size], [x + size, y], [x, y + size], [x, y]]]}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": [[x, y], [x + size, y]]}
    return None


_FEATURES = st.lists(
    st.fixed_dictionaries({
        "props": st.dictionaries(_PROP_NAMES, _PROP_VALUES, max_size=4),
        "kind": st.sampled_from(["Point", "Polygon", "Polygon", "bowtie", "LineString", "null"]),
        "x": _COORD, "y": st.one_of(st.floats(449200, 450500), st.floats(50.0, 53.0)),
        "size": st.sampled_from([0.0, 30.0, 150.0, 5000.0]),
    }),
    min_size=0, max_size=4,
)


@hsettings(FEW, phases=[Phase.explicit, Phase.generate])
@given(features=_FEATURES, crs=st.sampled_from(["rd", "rd", "rd", "none", "bogus"]),
       damage=st.sampled_from(["", "", "", "", "truncate", "cp1252", "not json", "bom"]))
def test_random_plan_files_never_end_in_a_traceback(tmp_path_factory, monkeypatch, features, crs, damage) -> None:
    import afweging.analyses.plan.command as command
    import afweging.data.demo

    demo, demo_base = _demo()
    plan_env = tmp_path_factory.getbasetemp() / "plannen"
    plan_env.mkdir(exist_ok=True)

    monkeypatch.setattr(afweging.data.demo, "demo_area", lambda: demo)
    monkeypatch.setattr(command, "prepare_baseline", lambda area, norms=None: demo_base)
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": f["props"], "geometry": _geometry(f["kind"], f["x"], f["y"], f["size"])}
        for f in features]}
    if crs == "rd":
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    elif crs == "bogus":
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    raw = json.dumps(doc, ensure_ascii=False, allow_nan=True).encode("utf-8")
    if damage == "truncate":
        raw = raw[: len(raw) * 2 // 3]
    elif damage == "cp1252":
        raw = raw.replace(b'"features"', '"naam": "Café", "features"'.encode("cp1252"), 1)
    elif damage == "not json":
        raw = b"naam;woningen\nblok;12\n"
    elif damage == "bom":
        raw = b"\xef\xbb\xbf" + raw
    path = plan_env / "plan.geojson"
    path.write_bytes(raw)
    _cli(["plan", str(path), "--out", str(plan_env / "uit")])


def test_serialiser_writes_toml_that_reads_back() -> None:
    import tomllib

    doc = {"name": "x\n\x7f\"é", "synthetic": False, "buurten": {"path": "b.gpkg", "year": 2023, "w": math.inf},
           "networks": {"walk": {"path": "w.graphml"}}, "homes": {"include": {"building": ["house"]}}}
    assert tomllib.loads(_toml(doc)) == doc


# ----------------------------------------------- random norms and priorities files (API)

_NORM_KEYS = sorted({*NormSpec.model_fields, *ThemeSpec.model_fields, *Scoring.model_fields, "source"})
_PRIO_KEYS = sorted({k for m in priorities_sections().values() for k in m.model_fields})


@FEW
@given(edits=st.lists(st.tuples(st.sampled_from(["scoring", "themes.groen", "themes.nieuw", "norms.groen_m2_per_woning",
                                                 "norms.nieuw", "norms.groen_m2_per_woning.source", ""]),
                                st.one_of(st.sampled_from(_NORM_KEYS), st.text(min_size=1, max_size=6)), _VALUES),
                      min_size=1, max_size=4))
@example(edits=[("scoring", "voldoet", "x"), ("norms.groen_m2_per_woning", "bijna", 0.5)])  # was a TypeError
def test_random_norms_files_end_in_norms_or_a_dutch_error(tmp_path_factory, edits) -> None:
    path = _write_edits(tmp_path_factory.getbasetemp() / "normen.toml", edits)
    try:
        load_norms(path)
    except NormsError as exc:
        assert "Input should" not in str(exc) and "pydantic" not in str(exc)


@FEW
@given(edits=st.lists(st.tuples(st.sampled_from(["", "flags", "typology", "questions.speelplek", "questions.voorzieningen",
                                                 "questions.speelplek.flags", "indicators.groen", "indicators.nieuw"]),
                                st.one_of(st.sampled_from(_PRIO_KEYS), st.text(min_size=1, max_size=6)), _VALUES),
                      min_size=1, max_size=4))
def test_random_priorities_files_end_in_settings_or_a_dutch_error(tmp_path_factory, edits) -> None:
    path = _write_edits(tmp_path_factory.getbasetemp() / "prioriteiten.toml", edits)
    try:
        load_priority_config(path)
    except ConfigError as exc:
        assert "Input should" not in str(exc) and "pydantic" not in str(exc)


def _write_edits(path: Path, edits: list[tuple[str, str, Any]]) -> Path:
    """A TOML file holding each (dotted section, key, value) edit; returns its path."""
    doc: dict[str, Any] = {}
    for section, key, value in edits:
        node = doc
        for part in [p for p in section.split(".") if p]:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[key] = value
    path.write_text(_toml_nested(doc), encoding="utf-8")
    return path


def _toml_nested(doc: dict[str, Any], prefix: str = "") -> str:
    """Nested tables as [a.b] headers (values that are tables at the leaves stay inline)."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in doc.items() if not ((isinstance(v, dict) and v and any(
        isinstance(x, dict) for x in v.values())) or (isinstance(v, dict) and k in _TABLE_NAMES))]
    out = ["\n".join(lines)] if lines else []
    for k, v in doc.items():
        if isinstance(v, dict) and (k in _TABLE_NAMES or (v and any(isinstance(x, dict) for x in v.values()))):
            name = f"{prefix}.{_key(k)}" if prefix else _key(k)
            out.append(f"[{name}]\n" + _toml_nested(v, name))
    return "\n".join(out) + "\n"


_TABLE_NAMES = {"scoring", "themes", "norms", "source", "flags", "typology", "questions", "indicators", "groen",
                "nieuw", "groen_m2_per_woning", "speelplek", "voorzieningen"}


_SCEN_KEYS = sorted({k for m in scenario_sections().values() for k in m.model_fields})
_SCEN_TABLE = st.dictionaries(st.one_of(st.sampled_from(_SCEN_KEYS), st.text(min_size=1, max_size=5)), _VALUES,
                              max_size=4)


@FEW
@given(top=_SCEN_TABLE, prognose=st.one_of(st.none(), _SCEN_TABLE),
       plannen=st.lists(_SCEN_TABLE, max_size=2), voorzieningen=st.lists(_SCEN_TABLE, max_size=2))
@example(top={"doeljaar": 2040}, prognose=None, plannen=[],
         voorzieningen=[{"actie": "nieuw", "categorie": "huisarts", "jaar": 2030, "x": 136000, "lat": 52.0}])
def test_random_scenario_files_end_in_a_scenario_or_a_dutch_error(tmp_path_factory, top, prognose, plannen,
                                                                   voorzieningen) -> None:
    doc: dict[str, Any] = {"doeljaar": 2040, **top}
    if prognose is not None:
        doc["prognose"] = prognose
    doc["plannen"], doc["voorzieningen"] = plannen, voorzieningen
    path = tmp_path_factory.getbasetemp() / "scenario.toml"
    path.write_text(_toml(doc), encoding="utf-8")
    try:
        read_scenario(path)
    except AfwegingError as exc:
        assert "Input should" not in str(exc) and "pydantic" not in str(exc)
