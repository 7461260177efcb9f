"""Where a batch's gemeenten come from: fetched folders, online templates, the batch
manifest that mixes them, and the gemeente list of --provincie / --alle (offline too)."""

from __future__ import annotations

import tomllib
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import requests
from click.testing import CliRunner

from afweging import settings
from afweging._errors import DownloadError, ManifestError
from afweging.batch import border_buffer, run_batch
from afweging.batch.sources import folder_sources, read_batch_manifest, scan_data
from afweging.batch.task import ManifestSource, MissingSource


def _area_toml(folder, code=None, name="x"):
    folder.mkdir(parents=True, exist_ok=True)
    text = f'name = "{name}"\n' + (f'gemeentecode = "{code}"\n' if code else "")
    (folder / "area.toml").write_text(text + '[buurten]\npath = "b.gpkg"\n', encoding="utf-8")
    return folder / "area.toml"


def test_data_folder_finds_gemeenten_by_their_manifest(tmp_path):
    a = _area_toml(tmp_path / "GM0307")  # named after the gemeente
    b = _area_toml(tmp_path / "utrecht", "GM0344")  # says it in its area.toml
    _area_toml(tmp_path / "notities")  # neither: not a gemeente
    (tmp_path / "leeg").mkdir()
    assert scan_data(tmp_path) == {"GM0307": a, "GM0344": b}
    assert scan_data(tmp_path / "utrecht") == {"GM0344": b}  # the gemeente folder itself
    srcs = folder_sources(tmp_path, ["GM0344", "GM0363"], {"GM0363": "Amsterdam"})
    assert isinstance(srcs[0], ManifestSource) and srcs[0].manifest == b
    assert isinstance(srcs[1], MissingSource) and srcs[1].name == "Amsterdam"
    assert "geen map met een area.toml voor GM0363" in srcs[1].reason and "afweging fetch" in srcs[1].reason
    with pytest.raises(Exception, match=r"geen area\.toml voor GM0363.*in de map staan: GM0307, GM0344"):
        folder_sources(tmp_path, ["GM0363"])
    _area_toml(tmp_path / "kopie", "GM0307")
    with pytest.raises(Exception, match=r"twee gebiedsmanifesten voor GM0307"):
        scan_data(tmp_path)


def test_batch_manifest_names_a_folder_or_a_template_per_gemeente(tmp_path):
    data = tmp_path / "opgehaald"
    utr = _area_toml(data / "utrecht", "GM0344")
    _area_toml(data / "GM0356")
    (tmp_path / "online.toml").write_text(
        'name = "{gemeentenaam}"\ngemeentecode = "{gemeentecode}"\n\n[buurten]\nonline = "pdok"\n\n'
        '[facilities]\nonline = "osm"\n', encoding="utf-8")
    man = tmp_path / "batch.toml"
    man.write_text(
        'name = "Utrecht en omgeving"\ndata = "opgehaald"\n\n'
        '[gemeenten.GM0344]\ndata = "opgehaald/utrecht"\nprovincie = "PV26"\n\n'
        '[gemeenten.GM0307]\nbronnen = "online.toml"\nnaam = "Amersfoort"\nprovincie = "PV26"\n\n'
        '[gemeenten.GM0356]\nprovincie = "PV26"\n\n[gemeenten.GM0363]\nprovincie = "PV27"\n',
        encoding="utf-8")
    bm = read_batch_manifest(man)
    assert bm.name == "Utrecht en omgeving"
    assert bm.provinces == {"GM0344": "PV26", "GM0307": "PV26", "GM0356": "PV26", "GM0363": "PV27"}
    srcs = bm.sources(["GM0344", "GM0307", "GM0356", "GM0363", "GM0599"], tmp_path / "out")
    assert [type(s).__name__ for s in srcs] == ["ManifestSource", "ManifestSource", "ManifestSource",
                                                 "MissingSource", "MissingSource"]
    assert srcs[0].manifest == utr and srcs[2].manifest == data / "GM0356" / "area.toml"
    filled = tomllib.loads(srcs[1].manifest.read_text(encoding="utf-8"))  # the template, filled in
    assert srcs[1].kind == "sjabloon" and filled["name"] == "Amersfoort" and filled["gemeentecode"] == "GM0307"
    assert filled["facilities"]["buffer_m"] == round(border_buffer().total_m)
    assert "geen area.toml voor GM0363" in srcs[3].reason
    assert "noemt deze gemeente niet" in srcs[4].reason and "[gemeenten.GM0599]" in srcs[4].reason


@pytest.mark.parametrize(("text", "message"), [
    ('[gemeenten.GM0344]\ndata = "a"\nbronnen = "b"\n', r"óf data \(opgehaalde bestanden\) óf bronnen"),
    ('[gemeenten.GM34]\ndata = "a"\n', "GM34 is geen gemeentecode"),
    ('[gemeenten.GM0344]\nprovincie = "PV26"\n', "noemt geen data en geen bronnen"),
    ('[gemeenten.GM0344]\ndata = "a"\nprovincie = "Utrecht"\n', "provincie"),
    ('[gemeenten.GM0344]\ndat = "a"\n', "data"),  # a typo: did you mean
    ('name = "x"\n', "gemeenten"),
])
def test_batch_manifest_refuses_bad_input_in_dutch(tmp_path, text, message):
    man = tmp_path / "batch.toml"
    man.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message) as err:
        read_batch_manifest(man)
    assert str(man) in str(err.value)


def test_provincie_offline_from_the_batch_manifest_and_what_alle_needs(tmp_path, monkeypatch):
    from _recorded import FakeSession

    from afweging.batch.sources import gemeente_codes
    from afweging.data import _cache

    codes, _ = gemeente_codes(provincie="pv26", provinces={"GM0344": "PV26", "GM0363": "PV27",
                                                          "GM0307": "PV26"})
    assert codes == ["GM0307", "GM0344"]
    api = "https://opendata.cbs.nl/ODataApi/odata/86247NED"
    offline = requests.ConnectionError("Name or service not known")
    monkeypatch.setattr(_cache, "_session", FakeSession({f"{api}/DataProperties": offline}))
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    with pytest.raises(DownloadError) as err:
        gemeente_codes(provincie=None)
    text = str(err.value)
    assert text.startswith("--alle:") and "Gebieden in Nederland" in text and "laat --alle weg" in text
    assert str(tmp_path) in text  # where the cached list would be


def test_gemeenten_from_cbs_recorded(monkeypatch, tmp_path):
    from _recorded import FakeSession, recorded

    from afweging.batch.sources import gemeente_codes
    from afweging.data import _cache
    from afweging.data.cbs import gemeenten_from_cbs

    api = "https://opendata.cbs.nl/ODataApi/odata/86247NED"
    session = FakeSession({f"{api}/DataProperties": recorded("cbs_86247NED_dataproperties.json"),
                           f"{api}/TypedDataSet": recorded("cbs_86247NED_typeddataset_select.json")})
    monkeypatch.setattr(_cache, "_session", session)
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    table = gemeenten_from_cbs()
    assert table["gemeentecode"].tolist() == ["GM0307", "GM0321", "GM0344", "GM0363", "GM0599"]
    assert table.set_index("gemeentecode").loc["GM0344", "gemeentenaam"] == "Utrecht"  # padding stripped
    # the provincie columns are found through their group: Code_30 under "Provincies"
    typed = next(c for c in session.calls if c[1].endswith("TypedDataSet"))
    assert typed[2]["$select"] == ["RegioS,Code_1,Naam_2,Code_30,Naam_31"]
    codes, names = gemeente_codes(provincie="PV26")
    assert codes == ["GM0307", "GM0321", "GM0344"] and names["GM0344"] == "Utrecht"
    assert len(gemeente_codes(provincie=None)[0]) == 5


def test_template_is_filled_in_with_the_border_buffer(tmp_path):
    from afweging.batch.sources import render_template, template_sources

    (tmp_path / "tags.toml").write_text("", encoding="utf-8")
    tpl = tmp_path / "online.toml"
    tpl.write_text(
        'name = "{gemeentenaam}"\ngemeentecode = "{gemeentecode}"\n\n[buurten]\nonline = "pdok"\n\n'
        '[facilities]\nonline = "osm"\ntags = "tags.toml"\n\n[networks.walk]\nonline = "osm"\n\n'
        '[networks.bike] # fiets\nonline = "osm"\nbuffer_m = 9000\n',
        encoding="utf-8",
    )
    text = render_template(tpl, "GM0344", "Utrecht")
    doc = tomllib.loads(text)
    assert doc["gemeentecode"] == "GM0344" and doc["name"] == "Utrecht"
    need = round(border_buffer().total_m)  # 8000 m with the default settings
    assert doc["facilities"]["buffer_m"] == need and doc["networks"]["walk"]["buffer_m"] == need
    assert doc["networks"]["bike"]["buffer_m"] == 9000  # larger than needed: kept
    assert "buffer_m" not in doc["buurten"]  # the buurten are the gemeente's own
    assert doc["facilities"]["tags"] == str(tmp_path / "tags.toml")  # relative to the template
    srcs = template_sources(tpl, ["GM0344", "GM0307"], tmp_path / "out")
    assert [s.code for s in srcs] == ["GM0344", "GM0307"]
    assert '"GM0307"' in (tmp_path / "out" / "gemeenten" / "GM0307" / "bronnen.toml").read_text()
    tpl.write_text(tpl.read_text().replace("buffer_m = 9000", "buffer_m = 500"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"\[networks.bike\] buffer_m = 500 is kleiner dan de grensbuffer"):
        render_template(tpl, "GM0344")
    tpl.write_text('name = "x"\n', encoding="utf-8")
    with pytest.raises(ManifestError, match=r"nergens \{gemeentecode\}"):
        render_template(tpl, "GM0344")


def test_batch_over_fetched_folders_equals_a_run_on_the_folder(demo, tmp_path):
    """--data DIR: a folder per gemeente with a file-based area.toml (the demo town)."""
    from afweging.analyses.priorities import prioritise
    from afweging.analyses.reach import reachability
    from afweging.data.demo import write_demo
    from afweging.data.manifest import load_area
    from afweging.layers import compute_layers

    write_demo(tmp_path / "data" / "GM9999")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_batch(out=tmp_path / "o", sources=folder_sources(tmp_path / "data"),
                        scheduler="in-process")
        area = load_area(tmp_path / "data" / "GM9999" / "area.toml")
        layers = compute_layers(area)
        reach = reachability(area)
        prio = prioritise(area, layers, reach).to_buurt_frame()
    assert res.statuses["GM9999"]["status"] == "klaar"
    got = gpd.read_parquet(tmp_path / "o" / "buurten.parquet")
    exp = pd.concat([layers.values, reach.buurten, prio], axis=1)
    for col in ("reach_walk_supermarkt_pct_within_10min", "green_m2_per_dwelling", "heat_proxy_index",
                "prio_speelplek_rank", "prio_voorzieningen_score"):
        np.testing.assert_allclose(got[col].to_numpy(dtype=float), exp[col].reindex(got.index).to_numpy(dtype=float),
                                   rtol=1e-9, equal_nan=True, err_msg=col)


def test_batch_on_the_real_utrecht_data_with_a_missing_neighbour(utrecht_dir, utrecht_area, tmp_path):
    """A batch manifest: Utrecht from its fetched folder, Amersfoort not fetched. Utrecht's
    homes get the same minutes as a direct run; Amersfoort is reported, not fatal."""
    from afweging.analyses.reach import reachability
    from afweging.cli import main

    man = tmp_path / "batch.toml"
    man.write_text(f'name = "proef"\n[gemeenten.GM0344]\ndata = "{utrecht_dir}"\n\n'
                   f'[gemeenten.GM0307]\ndata = "{tmp_path / "niet-opgehaald"}"\nnaam = "Amersfoort"\n',
                   encoding="utf-8")
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["batch", "--manifest", str(man), "--out", str(out),
                                  "--scheduler", "in-process", "--rangschikking", "gemeente"])
    assert r.exit_code == 3, r.output  # Amersfoort failed, Utrecht written
    assert "[1/2]" in r.output and "[2/2]" in r.output
    assert "Mislukt: GM0307: geen opgehaalde gegevens" in r.output
    merged = gpd.read_parquet(out / "buurten.parquet")
    assert set(merged["gemeentecode"]) == {"GM0344"} and set(merged["gemeentenaam"]) == {"Utrecht"}
    assert sorted(merged.index) == sorted(utrecht_area.buurten.index)
    homes = gpd.read_parquet(out / "gemeenten" / "GM0344" / "woningen.parquet")
    assert len(homes) == len(utrecht_area.homes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = reachability(utrecht_area, modes="walk", categories=["supermarkt"])
    np.testing.assert_allclose(homes["walk_min_supermarkt"].reindex(direct.homes.index),
                               direct.homes["walk_min_supermarkt"], rtol=1e-12)
    prio = pd.read_csv(out / "prioriteiten.csv", sep=";", decimal=",")
    assert set(prio["rangschikking"]) == {"binnen de gemeente"}
    html = (out / "batch.html").read_text(encoding="utf-8")
    assert "Amersfoort" in html and "geen opgehaalde gegevens" in html
