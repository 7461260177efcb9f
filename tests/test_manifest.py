"""The area manifest (afweging/data/manifest.py): Utrecht, the demo, tiny hand-made areas,
the Area cache and every bad-input path."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import Point, box

from afweging import settings
from afweging._errors import (
    InputFileNotFoundError,
    ManifestError,
    MissingColumnError,
    NetworkError,
    NoCrsError,
    NoMatchError,
)
from afweging.data import manifest as manifest_mod
from afweging.data.manifest import load_area

RD = CRS.from_user_input("EPSG:28992")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets its own cache folder (the Area cache is tested explicitly)."""
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "use_cache", True)


def _load_quiet(path, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        area = load_area(path, **kw)
    return area, [str(w.message) for w in caught]


# ----------------------------------------------------------------------- Utrecht


@pytest.mark.utrecht
def test_utrecht_buurten_wijken_statistics(utrecht_area):
    a = utrecht_area
    assert a.name == "Utrecht" and a.gemeentecode == "GM0344" and a.statistics_year == 2023
    assert len(a.buurten) == 111 and a.buurten.index.name == "buurtcode"
    assert len(a.wijken) == 10 and a.wijken.index.name == "wijkcode"
    assert CRS.from_user_input(a.buurten.crs) == RD and CRS.from_user_input(a.wijken.crs) == RD
    # SOURCES.md: buurt sum of a_inw is 367,715 (the gemeente total is 367,947)
    assert a.buurten["a_inw"].sum() == 367_715
    assert a.wijken["a_inw"].sum() == pytest.approx(367_947, abs=300)
    assert a.buurten["a_inw"].dtype == "float64"
    # 'regio' of the kwb table names the wijken
    assert a.wijken.loc["WK034401", "wijknaam"] == "Wijk 01 West"
    # housing columns are filled for 108 of 111 buurten (SOURCES.md), the rest NaN, not 0
    assert a.buurten["p_wcorpw"].notna().sum() == 108
    # the detailed geometry covers 99.2 km2
    assert a.buurten.area.sum() / 1e6 == pytest.approx(99.207, abs=0.01)


@pytest.mark.utrecht
def test_utrecht_homes_carry_the_buurt_inhabitants(utrecht_area):
    a = utrecht_area
    homes = a.homes
    assert len(homes) == 64_669  # residential building points inside a buurt
    assert CRS.from_user_input(homes.crs) == RD and (homes.geom_type == "Point").all()
    per_buurt = homes.groupby("buurtcode")["residents"].sum()
    inw = a.buurten["a_inw"]
    np.testing.assert_allclose(per_buurt.to_numpy(), inw.reindex(per_buurt.index).to_numpy(), rtol=1e-9)
    # Leidsche Rijn / Vleuten-De Meern have no buildings in the OSM selection
    without = inw[(inw > 0) & ~inw.index.isin(per_buurt.index)]
    assert len(without) == 11 and without.sum() == 51_015
    assert homes["residents"].sum() == pytest.approx(367_715 - 51_015)
    assert (homes["residents"] >= 0).all() and homes["residents"].notna().all()


@pytest.mark.utrecht
def test_utrecht_caveats_are_warnings(utrecht_area, _isolated_cache, monkeypatch):
    caveats = utrecht_area.meta["caveats"]
    apotheek = [m for m in caveats if "Apotheek" in m]
    assert len(apotheek) == 1 and "niet als 0 m afstand" in apotheek[0]
    assert any("11 buurt(en) met inwoners hebben geen woningen" in m for m in caveats)
    assert "apotheek" not in utrecht_area.categories
    # loading again (from the session's Area cache) repeats the same caveats as warnings
    monkeypatch.setattr(settings, "cache_folder", _isolated_cache)
    again, messages = _load_quiet(Path(utrecht_area.meta["manifest"]))
    assert messages == caveats and len(again.homes) == len(utrecht_area.homes)


@pytest.mark.utrecht
def test_utrecht_facilities(utrecht_area):
    fac = utrecht_area.facilities
    counts = fac["category"].value_counts()
    # SOURCES.md: 624 playgrounds, 124 park points (5 outside the buurt polygons)
    assert counts["speelplek"] == 624 and counts["park"] == 124
    assert fac.loc[fac["category"] == "park", "buurtcode"].isna().sum() == 5
    assert counts["supermarkt"] == 82
    assert set(fac.columns) >= {"category", "buurtcode", "name", "osm_key", "osm_value"}


@pytest.mark.utrecht
def test_utrecht_networks_loaded_and_projected(utrecht_area):
    nets = utrecht_area.networks
    assert set(nets) == {"walk", "bike"}
    expected = {"walk": (2833, 7550, 263.0), "bike": (536, 1223, 71.6)}  # SOURCES.md
    for mode, g in nets.items():  # arrays in RD metres, read without networkx
        n, e, km = expected[mode]
        assert (g.n_nodes, g.n_edges) == (n, e)
        assert round(g.length_m.sum() / 1000, 1) == km
        assert g.xy[:, 0].min() > 132_000 and g.xy[:, 0].max() < 138_000  # Kanaleneiland
        assert g.xy[:, 1].min() > 450_000 and g.xy[:, 1].max() < 456_000
    assert nets["walk"].oneway.sum() == 0 and nets["bike"].oneway.sum() > 0
    assert utrecht_area.provenance["network:walk"].source == "OpenStreetMap (ODbL)"
    assert "cycleways" in utrecht_area.lines and len(utrecht_area.lines["cycleways"]) == 3350


# -------------------------------------------------------------------------- demo


def test_demo_written_and_loaded(tmp_path, demo):
    demo_mod = pytest.importorskip("afweging.data.demo")
    if not hasattr(demo_mod, "write_demo"):
        pytest.skip("afweging.data.demo.write_demo is not available yet")
    path = demo_mod.write_demo(tmp_path / "demostad")
    area, _ = _load_quiet(path)
    assert area.name == demo.name
    assert area.buurten.index.tolist() == demo.buurten.index.tolist()
    np.testing.assert_allclose(area.buurten["a_inw"], demo.buurten["a_inw"])
    per_buurt = area.homes.groupby("buurtcode")["residents"].sum()
    np.testing.assert_allclose(per_buurt, demo.homes.groupby("buurtcode")["residents"].sum().loc[per_buurt.index])
    assert len(area.homes) == len(demo.homes)
    assert sorted(area.facilities["category"]) == sorted(demo.facilities["category"])
    for mode, g in demo.networks.items():
        ours = area.networks[mode]  # read from GraphML as arrays, without networkx
        assert (ours.n_nodes, ours.n_edges) == (g.number_of_nodes(), g.number_of_edges())
        assert ours.length_m.sum() == pytest.approx(sum(d["length"] for *_, d in g.edges(data=True)))
    for name, r in demo.rasters.items():
        np.testing.assert_allclose(area.rasters[name].data, r.data, equal_nan=True)
    assert area.green is not None and len(area.green) == len(demo.green)


# ------------------------------------------------------------ a tiny hand-made area
#
# Two buurten of wijk WK999900 next to the Domtoren (RD metres):
#   BU99990001  x 136000-136200, y 455000-455100: 2 houses + 1 apartment building
#   BU99990002  x 136200-136300, y 455000-455100: 2 houses
# Statistics: BU1 30 inhabitants, 12 dwellings, 50 % single- / 50 % multi-family;
#             BU2 10 inhabitants, 4 dwellings, shares unknown (".").

STATS = """gwb_code_10,regio,recs,a_inw,a_woning,p_1gezw,p_mgezw,p_wcorpw
GM9999,Miniburg,Gemeente,40,16,.,.,.
WK999900,Wijk 00 Centrum,Wijk,40,16,.,.,.
BU99990001,Domhoek,Buurt,30,12,50,50,"20,5"
BU99990002,Pandhof,Buurt,10,4,.,.,.
"""


def _buurten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"buurtcode": ["BU99990001", "BU99990002"], "buurtnaam": ["Domhoek", "Pandhof"],
         "wijkcode": ["WK999900", "WK999900"]},
        geometry=[box(136000, 455000, 136200, 455100), box(136200, 455000, 136300, 455100)],
        crs="EPSG:28992",
    )


def _points() -> gpd.GeoDataFrame:
    rows = [
        ("building", "house", 136050, 455050), ("building", "house", 136100, 455050),
        ("building", "apartments", 136150, 455050),
        ("building", "house", 136230, 455050), ("building", "house", 136270, 455050),
        ("leisure", "playground", 136020, 455020), ("shop", "supermarket", 136250, 455080),
        ("amenity", "school", 137000, 456000),  # outside both buurten
        ("amenity", "bench", 136010, 455010),  # no category
    ]
    return gpd.GeoDataFrame(
        {"osm_key": [r[0] for r in rows], "osm_value": [r[1] for r in rows],
         "name": [f"p{i}" for i in range(len(rows))]},
        geometry=[Point(r[2], r[3]) for r in rows],
        crs="EPSG:28992",
    )


MANIFEST = """name = "Miniburg"
gemeentecode = "GM9999"

[buurten]
path = "{buurten}"
{buurten_extra}
id = "buurtcode"
name = "buurtnaam"
wijk = "wijkcode"

[statistics]
path = "stats.csv"
id = "{stats_id}"
year = 2023

[facilities]
path = "points.gpkg"
layer = "osm_features"
format = "osm-tags"
{fac_extra}

[homes]
path = "points.gpkg"
layer = "osm_features"
format = "osm-tags"
include = {{ building = ["house", "apartments"] }}
{extra}
"""


def _write_area(folder: Path, *, buurten: str = "buurten.gpkg", buurten_extra: str = 'layer = "buurten"',
                stats_id: str = "gwb_code_10", extra: str = "", stats: str = STATS, fac_extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    b = _buurten()
    b.to_file(folder / "buurten.gpkg", layer="buurten")
    b.to_crs("EPSG:4326").to_file(folder / "buurten_wgs84.geojson")
    _points().to_file(folder / "points.gpkg", layer="osm_features")
    (folder / "stats.csv").write_text(stats, encoding="utf-8")
    path = folder / "area.toml"
    path.write_text(
        MANIFEST.format(buurten=buurten, buurten_extra=buurten_extra, stats_id=stats_id, extra=extra,
                        fac_extra=fac_extra),
        encoding="utf-8",
    )
    return path


def test_tiny_area_resident_spreading_by_hand(tmp_path):
    area, messages = _load_quiet(_write_area(tmp_path / "mini"))
    # the only caveat: categories without any facility count as "no data", not as 0 m
    assert len(messages) == 1 and messages[0].startswith("points.gpkg: geen voorzieningen gevonden")
    assert "Huisarts" in messages[0] and "Speelplek" not in messages[0]
    h = area.homes.sort_values(["buurtcode", "osm_value"])
    # BU1: 6 single-family dwellings over 2 houses (3 each), 6 multi-family in the
    # apartment building; 30 inhabitants follow the dwellings: 7.5, 7.5, 15.
    bu1 = h[h["buurtcode"] == "BU99990001"]
    assert bu1["osm_value"].tolist() == ["apartments", "house", "house"]
    assert bu1["dwellings"].tolist() == [6.0, 3.0, 3.0]
    assert bu1["residents"].tolist() == [15.0, 7.5, 7.5]
    # BU2: shares unknown -> 4 dwellings evenly over 2 houses, 10 inhabitants -> 5 each
    bu2 = h[h["buurtcode"] == "BU99990002"]
    assert bu2["dwellings"].tolist() == [2.0, 2.0] and bu2["residents"].tolist() == [5.0, 5.0]
    # statistics: "." is NaN (never 0), a Dutch decimal comma is read
    assert np.isnan(area.buurten.loc["BU99990002", "p_mgezw"])
    assert area.buurten.loc["BU99990001", "p_wcorpw"] == 20.5
    # facilities: the school outside the buurten keeps buurtcode NaN, the bench is dropped
    fac = area.facilities.set_index("name")
    assert fac.loc["p5", "category"] == "speelplek" and fac.loc["p5", "buurtcode"] == "BU99990001"
    assert set(fac.loc["p6", "category"]) == {"supermarkt", "dagelijkse_boodschappen"}
    assert fac.loc["p7", "category"] == "basisschool" and pd.isna(fac.loc["p7", "buurtcode"])
    assert "p8" not in fac.index
    # wijken dissolved from the buurten, named after the kwb 'regio'
    assert area.wijken.index.tolist() == ["WK999900"]
    assert area.wijken.loc["WK999900", "wijknaam"] == "WK999900"
    assert area.wijken.area.iloc[0] == pytest.approx(30_000.0)
    assert area.missing["network:walk"].startswith("geen walk-netwerk")


def test_tag_table_override_in_manifest(tmp_path):
    folder = tmp_path / "tags"
    path = _write_area(folder, fac_extra='tags = "mijn_tags.toml"')
    (folder / "mijn_tags.toml").write_text(
        '[categories.bank]\nlabel = "Bank"\ntags = ["amenity=bench"]\n'
        "[categories.supermarkt]\ntags = []\n",
        encoding="utf-8",
    )
    area, _ = _load_quiet(path)
    cats = area.facilities.set_index("name")["category"]
    assert cats["p8"] == "bank"  # the bench now counts
    assert "supermarkt" not in set(cats) and cats["p6"] == "dagelijkse_boodschappen"
    (folder / "mijn_tags.toml").write_text('[categories.bank]\ntags = ["amenity:bench"]\n', encoding="utf-8")
    from afweging._errors import ConfigError

    with pytest.raises(ConfigError, match=r'mijn_tags\.toml: \[categories\.bank\] tags\[0\] = "amenity:bench": heeft niet de goede vorm'):
        load_area(path)


def test_crs_conversion_from_wgs84(tmp_path):
    path = _write_area(tmp_path / "wgs84", buurten="buurten_wgs84.geojson", buurten_extra="")
    area, _ = _load_quiet(path)
    assert CRS.from_user_input(area.buurten.crs) == RD
    # the squares come back in RD metres (round trip through longitude/latitude)
    assert area.buurten.area.tolist() == pytest.approx([20_000.0, 10_000.0], abs=0.5)
    assert area.buurten.total_bounds == pytest.approx([136000, 455000, 136300, 455100], abs=0.01)
    assert area.homes.groupby("buurtcode")["residents"].sum().tolist() == [30.0, 10.0]


def test_grid_stand_in_homes(tmp_path):
    folder = tmp_path / "grid"
    path = _write_area(folder, extra='missing_homes = "grid"\ngrid_spacing_m = 50')
    pts = _points()
    pts = pts[~((pts["osm_value"] == "house") & (pts.geometry.x > 136200))]  # BU2 loses its houses
    pts.to_file(folder / "points.gpkg", layer="osm_features")
    area, messages = _load_quiet(path)
    assert any("rasterpunten" in m and "BU99990002" in m for m in messages)
    bu2 = area.homes[area.homes["buurtcode"] == "BU99990002"]
    # 100 x 100 m on a 50 m grid: 4 stand-in points, 10 inhabitants -> 2.5 each
    assert len(bu2) == 4 and (bu2["origin"] == "rasterpunt").all()
    assert bu2["residents"].tolist() == [2.5] * 4


# ------------------------------------------------------------------- Area cache


def test_area_cache_hit_miss_and_invalidation(tmp_path, monkeypatch):
    path = _write_area(tmp_path / "cached")
    reads: list[str] = []
    real = manifest_mod.read_vector

    def counting(p, **kwargs):
        reads.append(Path(p).name)
        return real(p, **kwargs)

    monkeypatch.setattr(manifest_mod, "read_vector", counting)
    first, _ = _load_quiet(path)
    # facilities and homes share points.gpkg: it is read once
    assert sorted(reads) == ["buurten.gpkg", "points.gpkg"]
    pickles = list((Path(settings.cache_folder) / "areas").glob("*.pkl"))
    assert len(pickles) == 1
    second, _ = _load_quiet(path)
    assert len(reads) == 2  # a hit reads no file
    assert second.homes.equals(first.homes) and second.buurten.equals(first.buurten)
    _load_quiet(path, cache=False)
    assert len(reads) == 4  # cache=False reads the files
    # a changed data file (newer modification time) is a miss, then a hit again
    stats = path.parent / "stats.csv"
    st = stats.stat()
    os.utime(stats, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    _load_quiet(path)
    assert len(reads) == 6
    _load_quiet(path)
    assert len(reads) == 6
    assert len(list(pickles[0].parent.glob("*.pkl"))) == 1  # one entry per manifest
    # a changed manifest is a miss too
    path.write_text(path.read_text() + "\n# comment\n")
    _load_quiet(path)
    assert len(reads) == 8


def test_area_cache_survives_a_corrupt_pickle(tmp_path):
    path = _write_area(tmp_path / "corrupt")
    _load_quiet(path)
    (pkl,) = (Path(settings.cache_folder) / "areas").glob("*.pkl")
    pkl.write_bytes(b"not a pickle")
    area, _ = _load_quiet(path)
    assert len(area.buurten) == 2
    assert pkl.read_bytes()[:1] == b"\x80"  # rewritten as a pickle


# -------------------------------------------------------------------- bad input


def test_manifest_missing(tmp_path):
    with pytest.raises(InputFileNotFoundError, match=r"nergens\.toml bestaat niet.*demogebied"):
        load_area(tmp_path / "nergens.toml")


def test_manifest_not_toml_or_unknown_keys(tmp_path):
    bad = tmp_path / "area.toml"
    bad.write_text('name = "x"\n[buurten\npath = 1\n')
    with pytest.raises(ManifestError, match=r"area\.toml: geen geldige TOML op regel 2, kolom 9 \('\[buurten'\)"):
        load_area(bad)
    bad.write_text('name = "x"\n[buurt]\npath = "b.gpkg"\n')
    with pytest.raises(ManifestError, match=r"area\.toml: buurt: onbekende sleutel\. Bedoelde u 'buurten'\?"):
        load_area(bad)
    bad.write_text('name = "x"\n')
    with pytest.raises(ManifestError, match=r"area\.toml: buurten: ontbreekt \(verplicht\)\. Oplossing: een sectie \[buurten\]"):
        load_area(bad)


def test_layer_that_does_not_exist(tmp_path):
    path = _write_area(tmp_path / "layer", buurten_extra='layer = "buurt"')
    with pytest.raises(ManifestError, match=r"buurten\.gpkg heeft geen laag 'buurt'; de lagen zijn \['buurten'\]"):
        load_area(path)


def test_file_without_crs_and_the_crs_fix(tmp_path):
    folder = tmp_path / "nocrs"
    path = _write_area(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio warns when writing without CRS
        _buurten().set_crs(None, allow_override=True).to_file(folder / "buurten.gpkg", layer="buurten")
    with pytest.raises(NoCrsError, match=r"buurten\.gpkg heeft geen coördinatenstelsel.*crs = \"EPSG:28992\""):
        load_area(path)
    path.write_text(path.read_text().replace('layer = "buurten"', 'layer = "buurten"\ncrs = "EPSG:28992"'))
    area, _ = _load_quiet(path)
    assert CRS.from_user_input(area.buurten.crs) == RD and len(area.buurten) == 2


def test_statistics_id_column_absent(tmp_path):
    path = _write_area(tmp_path / "statsid", stats_id="code")
    with pytest.raises(MissingColumnError, match=r"stats\.csv heeft geen codekolom 'code'.*Zet `id = "):
        load_area(path)


def test_statistics_codes_match_no_buurt(tmp_path):
    stats = STATS.replace("BU9999", "BU1234")
    path = _write_area(tmp_path / "nomatch", stats=stats)
    with pytest.raises(NoMatchError, match=r"geen code in stats\.csv .* komt overeen met een buurtcode van \[buurten\]"):
        load_area(path)


def test_statistics_file_missing(tmp_path):
    path = _write_area(tmp_path / "nostats")
    (path.parent / "stats.csv").unlink()
    with pytest.raises(InputFileNotFoundError, match=r"stats\.csv bestaat niet"):
        load_area(path)


def test_network_file_that_is_not_a_graph(tmp_path):
    path = _write_area(tmp_path / "net", extra='\n[networks.walk]\npath = "buurten.gpkg"\nformat = "graphml"\n')
    with pytest.raises(NetworkError, match=r"\[networks\.walk\] in area\.toml: .*buurten\.gpkg is geen GraphML-graaf"):
        load_area(path)
    path.write_text(path.read_text().replace("[networks.walk]", "[networks.car]"))
    with pytest.raises(ManifestError, match=r"\[networks\] car: onbekende sleutel\. Bekende sleutels hier: bike, walk\."):
        load_area(path)


def test_missing_column_in_buurten(tmp_path):
    path = _write_area(tmp_path / "col")
    path.write_text(path.read_text().replace('name = "buurtnaam"', 'name = "naam"'))
    with pytest.raises(MissingColumnError, match=r"buurten\.gpkg heeft geen kolom 'naam' \(`name`\); bedoelde u 'buurtnaam'\? De kolommen zijn: "):
        load_area(path)


# ----------------------------------------------------------- online sources


def test_online_sources_end_to_end(tmp_path, monkeypatch):
    """A manifest that downloads everything, served by recorded responses and fakes."""
    import sys

    import networkx as nx
    from _recorded import FakeSession, fake_osmnx, recorded_services
    from pyproj import Transformer

    from afweging.data import _cache

    session = FakeSession(recorded_services())
    monkeypatch.setattr(_cache, "_session", session)
    # OSM through a stand-in osmnx: points in BU03440111 (x 134000-134200) and BU03440112
    to_ll = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    pts_rd = [(134050, 455050), (134150, 455050), (134250, 455050), (134020, 455020)]
    lonlat = [Point(*to_ll.transform(x, y)) for x, y in pts_rd]
    idx = pd.MultiIndex.from_tuples([("way", 1), ("way", 2), ("way", 3), ("node", 4)], names=["element", "id"])
    feats = gpd.GeoDataFrame(
        {"building": ["house", "apartments", "house", None], "leisure": [None, None, None, "playground"]},
        geometry=lonlat, index=idx, crs="EPSG:4326",
    )
    g = nx.MultiDiGraph(crs="epsg:4326")
    (x1, y1), (x2, y2) = to_ll.transform(134000, 455050), to_ll.transform(134300, 455050)
    g.add_node(1, x=x1, y=y1)
    g.add_node(2, x=x2, y=y2)
    g.add_edge(1, 2, length=300.0, oneway=False, highway="residential")
    g.add_edge(2, 1, length=300.0, oneway=False, highway="residential")
    calls: list = []
    monkeypatch.setitem(sys.modules, "osmnx", fake_osmnx(calls, graph=g, features=feats))

    path = tmp_path / "online.toml"
    path.write_text(
        """name = "Utrecht (online)"
gemeentecode = "GM0344"
[buurten]
online = "pdok"
year = 2023
[statistics]
online = "cbs"
year = 2023
[facilities]
online = "osm"
[homes]
online = "osm"
include = { building = ["house", "apartments"] }
[networks.walk]
online = "osm"
[rasters.noise]
online = "wcs"
url = "https://data.rivm.nl/geo/alo/wcs"
coverage = "alo__geluid_lden"
""",
        encoding="utf-8",
    )
    area, messages = _load_quiet(path)
    assert area.buurten.index.tolist() == ["BU03440111", "BU03440112", "BU03440113"]
    assert area.buurten.loc["BU03440111", "a_inw"] == 1810 and np.isnan(area.buurten.loc["BU03440113", "a_inw"])
    assert any("1 van 3 buurten hebben geen CBS-cijfers" in m and "BU03440113" in m for m in messages)
    per_buurt = area.homes.groupby("buurtcode")["residents"].sum()
    assert per_buurt.to_dict() == {"BU03440111": 1810.0, "BU03440112": 4200.0}
    assert area.facilities["category"].tolist() == ["speelplek"]
    assert area.facilities["buurtcode"].tolist() == ["BU03440111"]
    walk = area.networks["walk"]  # downloaded with osmnx, held as arrays
    x = dict(zip(walk.node_ids.tolist(), walk.xy[:, 0].tolist(), strict=True))
    assert x[2] - x[1] == pytest.approx(300, abs=0.5)
    assert area.rasters["noise"].unit == "dB" and np.nanmax(area.rasters["noise"].data) == 60.0
    assert area.provenance["buurten"].source == "CBS wijk- en buurtkaart 2023 (PDOK)"
    assert area.provenance["statistics"].licence == "CC BY 4.0"
    kinds = [c[0] for c in calls]
    assert kinds.count("features") == 2 and kinds.count("graph") == 1
    # the walk network was asked for the buurten plus 500 m
    bounds = calls[kinds.index("graph")][1]
    west = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True).transform(133500, 455000)[0]
    assert bounds[0] == pytest.approx(west, abs=1e-4)


def test_online_errors(tmp_path):
    path = tmp_path / "area.toml"
    path.write_text('name = "x"\n[buurten]\nonline = "pdok"\n')
    with pytest.raises(ManifestError, match=r'downloaden heeft de gemeente nodig: zet `gemeentecode = "GM0344"`'):
        load_area(path)
    path.write_text('name = "x"\ngemeentecode = "GM0344"\n[buurten]\nonline = "osm"\n')
    with pytest.raises(ManifestError, match=r'\[buurten\] online: online = "osm" wordt niet ondersteund; gebruik online = "pdok"\.'):
        load_area(path)
    path.write_text('name = "x"\n[buurten]\nlayer = "b"\n')
    with pytest.raises(ManifestError, match=r'\[buurten\] path: ontbreekt: geef path = "bestand" of online = "pdok" \(downloaden\)\.'):
        load_area(path)


# ------------------------------------------------------------- networks: retain_all

# A mainland street 1-2-3 with a spur 2-4 and, across water, an island street 11-12-13
# (one street 11 -> 13 once simplified). OSM XML, as an extract gives it.
_ISLAND_OSM = """<?xml version='1.0' encoding='utf-8'?>
<osm version="0.6">
<node id="1" lon="5.100" lat="52.080" version="1"/><node id="2" lon="5.102" lat="52.080" version="1"/>
<node id="3" lon="5.104" lat="52.080" version="1"/><node id="4" lon="5.102" lat="52.078" version="1"/>
<node id="11" lon="5.1045" lat="52.0806" version="1"/><node id="12" lon="5.1055" lat="52.0812" version="1"/>
<node id="13" lon="5.1065" lat="52.0806" version="1"/>
<way id="1" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
<way id="2" version="1"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/></way>
<way id="3" version="1"><nd ref="11"/><nd ref="12"/><nd ref="13"/><tag k="highway" v="residential"/></way>
</osm>
"""


def test_network_retain_all_is_read_and_keys_the_area_cache(tmp_path):
    folder = tmp_path / "eiland"
    path = _write_area(folder)
    (folder / "eiland.osm").write_text(_ISLAND_OSM, encoding="utf-8")
    base = path.read_text(encoding="utf-8") + '\n[networks.walk]\npath = "eiland.osm"\n'
    nodes = {}
    for value in ("", "retain_all = false\n", "retain_all = true\n", ""):  # the cache on (autouse)
        path.write_text(base + value, encoding="utf-8")
        area, _ = _load_quiet(path)
        nodes[value] = sorted(area.networks["walk"].node_ids.tolist())
    assert nodes[""] == nodes["retain_all = false\n"] == [1, 2, 3, 4]  # the largest piece
    assert nodes["retain_all = true\n"] == [1, 2, 3, 4, 11, 13]  # and the island (12 interstitial)
    assert len(list((Path(settings.cache_folder) / "areas").glob("*.pkl"))) == 1


def test_network_retain_all_must_be_a_boolean(tmp_path):
    path = _write_area(tmp_path / "ra")
    (tmp_path / "ra" / "eiland.osm").write_text(_ISLAND_OSM, encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    for value in ('"true"', "1", '"ja"'):
        path.write_text(text + f'\n[networks.walk]\npath = "eiland.osm"\nretain_all = {value}\n', encoding="utf-8")
        with pytest.raises(ManifestError, match=rf'area\.toml: \[networks\.walk\] retain_all = {value}: moet true '
                                                rf'of false zijn, zonder aanhalingstekens\.'):
            load_area(path)


@pytest.mark.parametrize("kind", ["graphml", "gpkg"])
def test_stored_networks_are_read_as_they_are_whatever_retain_all_says(tmp_path, kind):
    # a graph saved with every piece (osmnx retain_all=True) keeps the island when read
    # back, also under retain_all = false: GraphML and GeoPackage are stored graphs
    ox = pytest.importorskip("osmnx")
    from afweging.data.osm import read_graph

    folder = tmp_path / kind
    path = _write_area(folder)
    (folder / "eiland.osm").write_text(_ISLAND_OSM, encoding="utf-8")
    graph = read_graph(folder / "eiland.osm", mode="walk", retain_all=True)
    if kind == "graphml":
        ox.save_graphml(graph, folder / "eiland.graphml")
    else:
        ox.save_graph_geopackage(graph, folder / "eiland.gpkg")
    path.write_text(path.read_text(encoding="utf-8")
                    + f'\n[networks.walk]\npath = "eiland.{kind}"\nretain_all = false\n', encoding="utf-8")
    area, _ = _load_quiet(path)
    assert sorted(area.networks["walk"].node_ids.tolist()) == [1, 2, 3, 4, 11, 13]
