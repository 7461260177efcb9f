"""The batch over many gemeenten (afweging.batch) on the synthetic Demoregio.

The central check: a batch partitioned per gemeente (each with its border buffer) gives
every home and every buurt exactly what one run over the whole region gives, also for
homes within 200 m of a municipal border; without the buffer it would not.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from afweging import settings
from afweging._html import escape
from afweging.batch import border_buffer, run_batch
from afweging.batch.buffer import BorderBuffer
from afweging.batch.partition import SharedData, partition_area
from afweging.batch.store import BatchStore
from afweging.data.region import demo_region


@pytest.fixture(scope="module")
def short_reach():
    """A 10-minute search limit and slow bikes (12 km/u): a 2.5 km border buffer, so it
    cuts the small region."""
    old = settings.bike_speed_kmh, settings.max_minutes
    settings.bike_speed_kmh, settings.max_minutes = 12.0, 10.0
    yield border_buffer()
    settings.bike_speed_kmh, settings.max_minutes = old


@pytest.fixture(scope="module")
def region():
    return demo_region(6, 7000, homes_per_km2=500.0)


@pytest.fixture(scope="module")
def whole(region, short_reach):
    """One run over the whole region (all gemeenten but the broken one)."""
    from afweging.analyses.priorities import prioritise
    from afweging.analyses.reach import reachability
    from afweging.barcode import score
    from afweging.layers import compute_layers
    from afweging.pipeline import buurten_frame

    area = region.area()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = compute_layers(area)
        reach = reachability(area)
        scores = score(area, layers, reach)
        prios = prioritise(area, layers, reach)
    frame = buurten_frame(area, [layers.values, reach.buurten, scores.to_frame("buurt"),
                                  prios.to_buurt_frame()])
    return area, reach, frame


@pytest.fixture(scope="module")
def batch(region, short_reach, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_batch(out=out, region=region, scheduler="in-process")
    return out, res


def _homes(out, codes) -> gpd.GeoDataFrame:
    store = BatchStore(out)
    return pd.concat([store.homes(c) for c in codes])


def test_region_is_generated_by_code(region):
    assert region.codes == [f"GM99{i:02d}" for i in range(1, 7)]
    assert 6000 < len(region.homes) < 8000
    # the buurten tile each gemeente and the gemeenten share borders
    for code in region.codes:
        gem = region.gemeenten.geometry[code]
        b = region.buurten[region.buurten["gemeentecode"] == code]
        assert abs(b.geometry.area.sum() - gem.area) < 1.0
    touching = region.gemeenten.geometry.iloc[0].touches(region.gemeenten.geometry.iloc[1])
    assert touching
    # the second gemeente has no supermarket of its own: its homes shop across the border
    sup = region.facilities[region.facilities["category"] == "supermarkt"]
    inside = shapely.contains_xy(region.gemeenten.geometry["GM9902"], *shapely.get_coordinates(sup.geometry).T)
    assert not inside.any()
    # statistics aggregated from the households: a_inw = residents of the homes
    stats = region.gemeente_buurten("GM9901")
    res = region.homes[region.homes["gemeentecode"] == "GM9901"].groupby("buurtcode")["residents"].sum()
    assert np.allclose(stats["a_inw"], res.reindex(stats.index, fill_value=0.0))
    assert demo_region(6, 7000, homes_per_km2=500.0) is region  # the same arguments give the same region


def test_border_buffer_follows_the_settings(short_reach):
    # 10 min x 12 km/h = 2,000 m over the network + 2 x 250 m snapping
    assert short_reach.reach_m == pytest.approx(2000.0)
    assert short_reach.network_m == pytest.approx(2500.0)
    assert short_reach.facilities_m == pytest.approx(2250.0)
    assert "2.500 m" in short_reach.explanation


def test_partitioned_equals_whole_region_for_every_home_and_buurt(region, whole, batch):
    area, reach, frame = whole
    out, _ = batch
    good = [c for c in region.codes if c != "GM9906"]
    homes = _homes(out, good)
    expected = pd.DataFrame(reach.homes.drop(columns="geometry"))
    got = pd.DataFrame(homes[expected.columns]).loc[expected.index]
    assert len(got) == len(expected) == len(area.homes)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, check_dtype=False)

    # homes within 200 m of a municipal border (with neighbours across it)
    borders = shapely.union_all([g.boundary for g in region.gemeenten.geometry])
    frame_border = shapely.intersection(borders, shapely.buffer(region.gemeenten.union_all(), -1.0))
    near = shapely.distance(reach.homes.geometry.to_numpy(), frame_border) < 200.0
    assert near.sum() > 300
    pd.testing.assert_frame_equal(got[near], expected[near], check_exact=False, rtol=1e-12, check_dtype=False)

    merged = gpd.read_parquet(out / "buurten.parquet")
    assert {"buurtcode", "gemeentecode"} <= {merged.index.name, *merged.columns}
    assert sorted(merged.index) == sorted(frame.index)
    cols = [c for c in frame.columns if c != "geometry"]
    assert set(cols) <= set(merged.columns)
    assert any(c.startswith("prio_") for c in cols) and "heat_proxy_index" in cols
    for col in cols:
        a, b = merged[col].reindex(frame.index), frame[col]
        if pd.api.types.is_numeric_dtype(b.dtype) and not pd.api.types.is_bool_dtype(b.dtype):
            np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-9,
                                       equal_nan=True, err_msg=col)
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), col
    assert set(merged["rangschikking"]) == {"landelijk"}


def test_without_the_buffer_border_homes_would_differ(region, whole, short_reach):
    """The check above can fail: cut GM9902 without a buffer and its homes lose the
    supermarkets across the border."""
    from afweging.analyses.reach import reachability

    _area, reach, _frame = whole
    none = BorderBuffer(0.0, 0.0, 0.0, 0.0, 0.0, "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cut = reachability(partition_area(SharedData.from_region(region), region.piece("GM9902"), none),
                           modes="walk", categories=["supermarkt"])
    ref = reach.homes.loc[cut.homes.index, "walk_min_supermarkt"]
    assert np.isfinite(ref).any()
    assert not np.isfinite(cut.homes["walk_min_supermarkt"]).any()


def test_broken_gemeente_is_reported_and_the_others_go_on(batch):
    out, res = batch
    st = res.statuses["GM9906"]
    assert st["status"] == "fout"
    assert "statistieken van GM9906" in st["reason"] and "hetzelfde jaar" in st["reason"]
    assert all(res.statuses[c]["status"] == "klaar" for c in res.statuses if c != "GM9906")
    assert res.failed == {"GM9906": st["reason"]}
    html = (out / "batch.html").read_text(encoding="utf-8")
    assert escape(st["reason"]) in html and "&#x27;BU99060191&#x27;" in html
    assert "Mislukt" in html and "Grensbuffer 2.500 m" in html
    for f in ("buurten.parquet", "buurten.gpkg", "barcode.csv", "prioriteiten.csv"):
        assert (out / f).exists()
    barcode = pd.read_csv(out / "barcode.csv", sep=";", decimal=",")
    assert set(barcode["niveau"]) == {"gemeente", "wijk", "buurt"}
    assert set(barcode.loc[barcode["niveau"] == "gemeente", "code"]) == {f"GM990{i}" for i in range(1, 6)}
    prio = pd.read_csv(out / "prioriteiten.csv", sep=";", decimal=",")
    assert set(prio["rangschikking"]) == {"landelijk"} and prio["gemeentecode"].notna().all()


def test_resume_after_an_interruption(region, batch, short_reach, tmp_path):
    from afweging.batch.api import _fingerprint
    from afweging.batch.task import RegionSource, settings_snapshot

    out_full, _ = batch
    codes = ["GM9901", "GM9903"]
    seen: list[str] = []

    def interrupt(line: str) -> None:
        if "klaar in" in line:
            seen.append(line)
            raise KeyboardInterrupt  # Ctrl-C right after the first gemeente finished

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(KeyboardInterrupt):
            run_batch(codes, out=tmp_path, region=region, scheduler="in-process", progress=interrupt)
        assert len(seen) == 1
        assert BatchStore(tmp_path).status("GM9901")["status"] == "klaar"
        assert BatchStore(tmp_path).status("GM9903") is None
        res = run_batch(codes, out=tmp_path, region=region, scheduler="in-process")
    assert res.skipped == ["GM9901"]
    assert all(res.statuses[c]["status"] == "klaar" for c in codes)
    for c in codes:  # per gemeente the same as in the uninterrupted batch
        pd.testing.assert_frame_equal(BatchStore(tmp_path).buurten(c), BatchStore(out_full).buurten(c))
    # with other settings a finished gemeente is not finished any more
    src = RegionSource(region.piece("GM9901"), f"{region.name}:{region.meta['seed']}:{len(region.homes)}")
    fp = _fingerprint(src, settings_snapshot(), "", "")
    assert BatchStore(tmp_path).done("GM9901", fp)
    old = settings.detour_factor
    settings.detour_factor = 1.6
    try:
        assert not BatchStore(tmp_path).done("GM9901", _fingerprint(src, settings_snapshot(), "", ""))
    finally:
        settings.detour_factor = old


def _without_times(path) -> str:
    """batch.html without the measured times (the elements of class "t")."""
    import re

    from afweging.batch.report import TIMING_CLASS

    html = path.read_text(encoding="utf-8")
    timed = re.findall(rf"<(td|span) class='(?:n )?{TIMING_CLASS}'>[^<]*</\1>", html)
    assert len(timed) >= 2  # the total and at least one gemeente
    return re.sub(rf"(<(td|span) class='(?:n )?{TIMING_CLASS}'>)[^<]*(</\2>)", r"\1\3", html)


@dataclass
class _Flaky:
    """A region source whose worker process dies (``os._exit``) on its first ``times``
    attempts, and that records (in ``log``) per task its worker process, how often the
    region's shared data were unpickled there, and the sizes of what the task was sent."""

    inner: Any
    log: str
    times: int

    code = property(lambda self: self.inner.code)
    name = property(lambda self: self.inner.name)

    def describe(self) -> str:
        return self.inner.describe()

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def cut(self, shared, buffer):
        return self.inner.cut(shared, buffer)

    def load(self, shared, buffer):
        import builtins
        import os
        from pathlib import Path

        tries = Path(self.log) / f"tries-{self.code}"
        n = len(tries.read_text()) if tries.exists() else 0
        tries.write_text("x" * (n + 1))
        if n < self.times:
            os._exit(1)  # the worker dies (as when it is killed for its memory)
        loads = getattr(builtins, "_afweging_test_shared_loads", 0)
        area = self.inner.load(shared, buffer)
        sizes = [len(area.facilities), *(len(area.networks[m].u) for m in ("walk", "bike")),
                 *(area.rasters[r].data.size for r in sorted(area.rasters))]
        (Path(self.log) / f"load-{self.code}").write_text(
            " ".join(map(str, [os.getpid(), loads, type(shared).__name__, *sizes])))
        return area


class _CountedShared(SharedData):
    """SharedData that counts, per process, how often it is unpickled."""

    def __setstate__(self, state):
        import builtins

        builtins._afweging_test_shared_loads = getattr(builtins, "_afweging_test_shared_loads", 0) + 1
        self.__dict__.update(state)


def test_batch_on_a_local_dask_cluster_survives_dying_workers(region, batch, short_reach, tmp_path,
                                                               monkeypatch):
    """A real dask.distributed LocalCluster with two worker processes. GM9902's worker dies
    once: the task runs again and succeeds. The broken GM9906 is reported, the others go on.
    Each task is sent only its own partition (cut by the driver): the region's shared data
    never reach a worker, and what a task gets is its partition, smaller than the region. The merged
    outputs are byte for byte those of the in-process batch (batch.html but for its times)."""
    import os
    import sys

    import cloudpickle

    import afweging.batch.api as api
    from afweging.batch import cluster
    from afweging.batch.task import RegionSource

    out_full, _ = batch
    log = tmp_path / "log"
    log.mkdir()
    times = {"GM9902": 1}
    monkeypatch.setattr(api, "SharedData", _CountedShared)
    monkeypatch.setattr(api, "RegionSource", lambda piece, key: _Flaky(RegionSource(piece, key), str(log),
                                                                       times.get(piece.code, 0)))
    order = region.codes
    lines: list[str] = []
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers need not import tests/
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run_batch(order, out=tmp_path / "o", region=region, workers=2, memory_limit="1GB",
                            progress=lines.append)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    (dask_line,) = [line for line in lines if line.startswith("Dask: 2 werker(s)")]
    if cluster._dashboard_ok():  # bokeh is part of the batch extra
        assert "; dashboard: http://" in dask_line
    assert [line[:10] for line in lines if line.startswith("[")] == [f"[{i}/6] GM99" for i in range(1, 7)]
    st = res.statuses
    assert {c: st[c]["status"] for c in order} == {c: "fout" if c == "GM9906" else "klaar" for c in order}
    assert (log / "tries-GM9902").read_text() == "xx"  # died once, ran again
    assert "statistieken van GM9906" in st["GM9906"]["reason"]  # a broken gemeente on the cluster
    for f in ("buurten.parquet", "buurten.gpkg", "barcode.csv", "prioriteiten.csv"):
        assert (tmp_path / "o" / f).read_bytes() == (out_full / f).read_bytes(), f
    assert _without_times(tmp_path / "o" / "batch.html") == _without_times(out_full / "batch.html")
    for c in ("GM9901", "GM9902", "GM9904"):  # the same as in this process
        assert st[c]["worker_pid"] != os.getpid()
        pd.testing.assert_frame_equal(BatchStore(tmp_path / "o").buurten(c), BatchStore(out_full).buurten(c))
    # each task was sent its own partition, not the region: the sizes are those of the
    # partition the driver cuts (checked against partition_area here) and smaller than the
    # region's; no worker ever unpickled the region's shared data
    full = SharedData.from_region(region)
    region_sizes = [len(full.facilities), full.networks["walk"].n_edges, full.networks["bike"].n_edges,
                    *(full.rasters[r].data.size for r in sorted(full.rasters))]
    loaded = {f.name[5:]: f.read_text().split() for f in log.glob("load-*")}
    assert sorted(loaded) == [c for c in order if c != "GM9906"]
    assert os.getpid() not in {int(v[0]) for v in loaded.values()}  # on the workers
    smaller: dict[str, list[bool]] = {}
    for c, (_pid, n_shared, kind, *sizes) in loaded.items():
        assert (n_shared, kind) == ("0", "Partition"), c
        area = partition_area(full, region.piece(c), short_reach)
        expected = [len(area.facilities), *(len(area.networks[m].u) for m in ("walk", "bike")),
                    *(area.rasters[r].data.size for r in sorted(area.rasters))]
        assert list(map(int, sizes)) == expected, c
        assert all(a <= b for a, b in zip(expected, region_sizes, strict=True)), (c, expected, region_sizes)
        smaller[c] = [a < b for a, b in zip(expected, region_sizes, strict=True)]
    # the small test region is about 2 buffers across: every partition is cut somewhere,
    # and an outer gemeente's in every respect
    assert all(any(v) for v in smaller.values()), smaller
    assert any(all(v) for v in smaller.values()), smaller


def test_ranking_within_gemeente_equals_a_run_per_gemeente(region, batch, short_reach, tmp_path):
    import shutil

    from afweging.analyses.priorities import prioritise
    from afweging.analyses.reach import reachability
    from afweging.layers import compute_layers

    out_full, _ = batch
    shutil.copytree(out_full / "gemeenten", tmp_path / "gemeenten")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_batch(["GM9901", "GM9902"], out=tmp_path, region=region, scheduler="in-process",
                        ranking="gemeente")
        area = region.area(["GM9902"])  # one gemeente with the region around it
        layers = compute_layers(area)
        prios = prioritise(area, layers, reachability(area))
    assert res.skipped == ["GM9901", "GM9902"]  # the ranking is a matter of the merge only
    merged = gpd.read_parquet(tmp_path / "buurten.parquet")
    own = merged[merged["gemeentecode"] == "GM9902"]
    exp = prios.to_buurt_frame()
    for col in ("prio_speelplek_rank", "prio_voorzieningen_score", "prio_ontmoetingsplek_need_index"):
        np.testing.assert_allclose(own[col].to_numpy(dtype=float), exp[col].reindex(own.index).to_numpy(dtype=float),
                                   rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(own["heat_proxy_index"], layers.values["heat_proxy_index"].reindex(own.index),
                               rtol=1e-9)
    assert set(merged["rangschikking"]) == {"binnen de gemeente"}


def test_cli_batch_demoregio(tmp_path):
    from afweging.cli import main

    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["batch", "--demoregio", "--gemeenten", "3", "--woningen", "2000",
                                  "--out", str(out), "--scheduler", "in-process"])
    assert r.exit_code == 3, r.output  # some gemeenten failed: a script can tell
    assert "[3/3]" in r.output and "Mislukt: GM9903" in r.output
    assert "1 van 3 gemeenten mislukt" in r.output and "Traceback" not in r.output
    merged = gpd.read_parquet(out / "buurten.parquet")
    assert set(merged["gemeentecode"]) == {"GM9901", "GM9902"} and merged.index.name == "buurtcode"


@pytest.mark.parametrize(("args", "message"), [
    (["--demoregio", "--data", "x"], "Kies één bron"),
    (["--demoregio", "--gemeenten", "40"], "2 tot 12 gemeenten"),
    (["--data", ".", "--gemeenten", "GM12,GM0344"], "GM12 is geen gemeentecode"),
    (["--bronnen", "x.toml", "--gemeenten", "GM0344", "--alle"], "Kies één van"),
    (["--demoregio", "--rangschikking", "landelijk", "--gemeenten", "GM9901,GM0001"], "Onbekende gemeente"),
])
def test_cli_batch_refuses_bad_input_in_dutch(tmp_path, args, message):
    from afweging.cli import main

    r = CliRunner().invoke(main, ["batch", *args, "--out", str(tmp_path / "o"), "--scheduler", "in-process",
                                  "--woningen", "2000"])
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


def test_dead_workers_and_lost_shared_data_are_reported_per_gemeente(tmp_path, monkeypatch):
    """The rounds of the Dask runner, with a stand-in for dask: a task whose workers kept
    dying (KilledWorker) is reported; tasks cancelled because every worker holding the
    scattered norms died run again with the norms scattered anew, up to RETRIES + 1 rounds.
    No more tasks are in flight than there are workers."""
    from concurrent.futures import CancelledError

    from afweging.batch import cluster
    from afweging.batch.task import MissingSource

    class KilledWorker(Exception):
        pass

    class Future:
        def __init__(self, fn, args, outcome):
            self.fn, self.args, self.outcome = fn, args, outcome

        def result(self):
            if isinstance(self.outcome, BaseException):
                raise self.outcome
            return self.fn(*self.args)

        def release(self):
            pass

    class Client:
        dashboard_link = None

        def __init__(self, address, timeout):
            self.scattered, self.keys = [], []

        def scheduler_info(self):
            return {"workers": {"w1": {}, "w2": {}}}

        def scatter(self, obj, **kw):
            self.scattered.append(obj)
            return Future(None, (), "scattered")

        def submit(self, fn, *args, key, **kw):
            self.keys.append(key)
            return Future(fn, args, plan[args[0].code].pop(0))

        def close(self):
            clients.append(self)

    class AsCompleted:
        def __init__(self, fs):
            self.fs = list(fs)
            in_flight.append(len(self.fs))

        def add(self, fut):
            self.fs.append(fut)
            in_flight.append(len(self.fs))

        def __iter__(self):
            while self.fs:
                yield self.fs.pop(0)

    class FakeDask:
        pass

    in_flight: list[int] = []
    dd = FakeDask()
    dd.Client, dd.KilledWorker, dd.as_completed = Client, KilledWorker, AsCompleted
    monkeypatch.setattr(cluster, "_dask", lambda: dd)
    clients: list[Client] = []
    lost = CancelledError("afweging-gemeente-x cancelled for reason: already forgotten.")
    plan = {"GM0001": ["run"], "GM0002": [KilledWorker("x")], "GM0003": [lost, "run"],
            "GM0004": [lost] * (cluster.RETRIES + 1), "GM0005": ["run"]}
    shared = object.__new__(SharedData)
    norms = object()
    lines: list[str] = []
    written: dict[str, dict] = {}
    store = BatchStore(tmp_path)
    cluster.execute(
        [MissingSource(c, f"eigen reden {c}") for c in plan], shared=shared, snapshot={},
        buffer=border_buffer(), norms=norms, store=store, fingerprints=dict.fromkeys(plan, "fp"),
        on_result=lambda res, i, n: written.setdefault(res.code, store.status(res.code)),
        say=lines.append, scheduler="tcp://proef:8786")
    # GM0005 was still queued when both tasks in flight were cancelled: it runs in round two
    assert list(written) == ["GM0001", "GM0002", "GM0003", "GM0005", "GM0004"]
    assert written["GM0001"]["reason"] == "eigen reden GM0001"
    assert written["GM0005"]["reason"] == "eigen reden GM0005"
    assert "stopte, ook bij 2 nieuwe pogingen" in written["GM0002"]["reason"]
    assert written["GM0003"]["reason"] == "eigen reden GM0003"  # ran in the second round
    assert "gingen 3 keer verloren" in written["GM0004"]["reason"]
    (client,) = clients
    assert len(client.scattered) == 3 and all(s is norms for s in client.scattered)  # once per round
    assert max(in_flight) == 2  # the two workers
    assert client.keys[-1] == "afweging-gemeente-GM0004-2"
    assert sum("opnieuw verstuurd" in line for line in lines) == 2


def test_a_street_cut_at_the_buffer_edge_does_not_turn_a_long_route_into_none():
    """Two banks of a river, joined only by a bridge 19 km away. A home on one bank and a
    supermarket straight across (300 m): the only route is 38 km, beyond the 30-minute
    search, so the whole network says "not within 30 min" (inf). Cut with an 8 km border
    buffer the bridge is gone; without the whole network's components the engine would
    see "no route" and estimate 300 m x 1.52 in a straight line (finite)."""
    from afweging.analyses.reach import build_array_graph, travel_minutes
    from afweging.batch.partition import _components, _network
    from afweging.data.region import StreetArrays

    xs = np.arange(0.0, 20_001.0, 500.0)
    n = len(xs)
    xy = np.concatenate([np.c_[xs, np.zeros(n)], np.c_[xs, np.full(n, 300.0)]])
    u = np.r_[np.arange(n - 1), n + np.arange(n - 1), n - 1]
    v = np.r_[np.arange(1, n), n + np.arange(1, n), 2 * n - 1]  # both banks, then the bridge
    length = np.linalg.norm(xy[u] - xy[v], axis=1)
    whole = StreetArrays("bike", np.arange(2 * n, dtype=np.int64) + 1000, xy, u, v, length,
                         np.full(len(u), "residential"), np.zeros(len(u), bool), np.zeros(len(u), bool))
    home, shop = np.array([[1000.0, -20.0]]), np.array([[1000.0, 320.0]])
    poly = shapely.box(0.0, -600.0, 2000.0, -100.0)  # the home's gemeente, south of the river
    buffer = border_buffer()
    assert buffer.network_m < 19_000.0  # the bridge lies beyond the buffer

    def minutes(net):
        m, how = travel_minutes(build_array_graph(net, "bike"), home, shop, mode="bike")
        return float(m[0]), str(how[0])

    assert minutes(whole.to_network("heel")) == (np.inf, "network")
    comps = _components(whole)
    cut = _network(whole, poly, buffer, "deel", comps)
    assert cut.n_edges < whole.n_edges and cut.xy[:, 0].max() < 19_000.0  # no bridge
    assert minutes(cut) == (np.inf, "network")
    t, how = minutes(_network(whole, poly, buffer, "deel", None))  # the check can fail
    assert how == "no_route"  # 340 m straight across x 1.52 / 250 m per minute
    assert t == pytest.approx(340.0 * settings.detour_factor / settings.speed_m_per_min("bike"), rel=1e-12)


def test_batch_on_a_running_cluster_given_by_its_address(region, batch, short_reach, tmp_path):
    """--scheduler tcp://...: the batch connects to a cluster that is already running
    (here one started by the test; the benchmark starts `dask scheduler`/`dask worker`)."""
    import dask.distributed as dd

    out_full, _ = batch
    lines: list[str] = []
    with dd.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as c:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run_batch(["GM9901"], out=tmp_path, region=region, scheduler=c.scheduler_address,
                            progress=lines.append)
        assert len(c.scheduler.workers) == 1  # the batch left the running cluster as it was
    assert any(line.startswith("Dask: 1 werker(s)") for line in lines)
    assert res.statuses["GM9901"]["status"] == "klaar"
    pd.testing.assert_frame_equal(BatchStore(tmp_path).buurten("GM9901"), BatchStore(out_full).buurten("GM9901"))
