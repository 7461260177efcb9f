"""The numpy .osm.pbf decoder (afweging/data/_pbf.py).

Checked three ways: against pyosmium (libosmium's decoder: every node location, bit for
bit) and osmnx (the whole network) on extracts that pyosmium writes in every variant the
format allows (zlib and raw blobs, DenseNodes and plain Nodes, with and without
metadata); on a file made byte by byte here whose coordinates are worked out by hand
(granularity, offsets, negative values, delta-coded ids); and on broken files, which
must give a Dutch message.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from test_streets import assert_same_network, make_extract

from afweging._errors import NetworkError
from afweging.analyses.reach.graph import build_array_graph
from afweging.data import _pbf
from afweging.data.osm import read_graph
from afweging.data.streets import _argsort_ids, _way_judge, great_circle_m, read_network
from afweging.geo.network import from_networkx

osmium = pytest.importorskip("osmium")


def write_with_pyosmium(path: Path, nodes: dict, ways: list, fmt: str = "pbf") -> Path:
    from osmium.osm import mutable

    writer = osmium.SimpleWriter(osmium.io.File(str(path), fmt))
    for nid, (lon, lat, tags) in nodes.items():
        writer.add_node(mutable.Node(id=nid, location=(lon, lat), tags=tags, version=3, changeset=7,
                                     timestamp="2024-05-17T12:00:00Z", uid=5, user="tester"))
    for wid, refs, tags in ways:
        writer.add_way(mutable.Way(id=wid, nodes=refs, tags=tags, version=2))
    writer.close()
    return path


def pyosmium_locations(path: Path) -> dict[int, tuple[float, float]]:
    return {n.id: (n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(path), osmium.osm.NODE)}


VARIANTS = [
    "pbf,add_metadata=false",  # zlib blobs, DenseNodes without DenseInfo
    "pbf,pbf_compression=none",  # raw blobs
    "pbf,pbf_dense_nodes=false",  # plain Node messages
    "pbf,add_metadata=true",  # DenseInfo present
    "pbf,pbf_dense_nodes=false,pbf_compression=none,add_metadata=true",
]


@pytest.mark.parametrize("fmt", VARIANTS)
def test_every_variant_equals_pyosmium_and_osmnx(tmp_path, fmt):
    nodes, ways = make_extract(7)
    path = write_with_pyosmium(tmp_path / "town.osm.pbf", nodes, ways, fmt)
    # every node location as libosmium decodes it, bit for bit
    want = pyosmium_locations(path)
    ids = np.array(sorted(want), dtype=np.int64)
    lon, lat = _pbf.read_locations(path, ids, _pbf.read_ways(path, relevant=["highway"], judge=lambda t: (
        True, False, False, False, False), what="t").node_blocks, what="t").T
    assert lon.tolist() == [want[i][0] for i in ids.tolist()]
    assert lat.tolist() == [want[i][1] for i in ids.tolist()]
    for mode in ("walk", "bike"):
        ours = read_network(path, mode=mode)
        assert_same_network(ours, from_networkx(read_graph(path, mode=mode)))  # osmnx via pyosmium


def test_variants_give_the_same_array_graph(tmp_path):
    nodes, ways = make_extract(3)
    nets = [read_network(write_with_pyosmium(tmp_path / f"v{i}.osm.pbf", nodes, ways, fmt), mode="bike")
            for i, fmt in enumerate(VARIANTS)]
    for net in nets[1:]:
        for f in ("node_ids", "xy", "u", "v", "length_m", "oneway", "contraflow", "geom_offsets", "geom_xy"):
            np.testing.assert_array_equal(getattr(net, f), getattr(nets[0], f), err_msg=f)


def test_ways_whose_nodes_are_missing_are_refused(tmp_path):
    nodes, ways = make_extract(1)
    gone = ways[3][1][1]
    del nodes[gone]
    path = write_with_pyosmium(tmp_path / "cut.osm.pbf", nodes, ways)
    with pytest.raises(NetworkError, match=rf"1 knopen die niet in het bestand staan \(bijv. \[{gone}\]\).*complete_ways"):
        read_network(path, mode="walk")


# ------------------------------------------------------------------ a file made by hand


def varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zz(v: int) -> int:
    return (v << 1) ^ (v >> 63)


def field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def packed(values: list[int]) -> bytes:
    return b"".join(varint(v) for v in values)


def deltas(values: list[int]) -> list[int]:
    return [zz(b - a) for a, b in zip([0, *values[:-1]], values, strict=True)]


def blob(kind: str, data: bytes, *, compress: bool = True, codec: int | None = None) -> bytes:
    if codec is not None:
        body = field(2, len(data)) + field(codec, data)
    elif compress:
        body = field(2, len(data)) + field(3, zlib.compress(data))
    else:
        body = field(1, data)
    header = field(1, kind.encode()) + field(3, len(body))
    return struct.pack(">I", len(header)) + header + body


def header_block(features: tuple[str, ...] = ("OsmSchema-V0.6", "DenseNodes")) -> bytes:
    return b"".join(field(4, f.encode()) for f in features) + field(16, b"afweging tests")


def hand_made(path: Path, *, features: tuple[str, ...] = ("OsmSchema-V0.6", "DenseNodes"),
              codec: int | None = None, with_header: bool = True, granularity: int = 1000,
              way_refs: bytes | None = None) -> Path:
    """Three nodes: a DenseNodes block (granularity 1000, a latitude offset of one
    degree, ids out of order), a plain Node in a raw blob (granularity 1, a negative
    longitude that C division truncates towards zero), and a way over them."""
    dense = (field(1, packed(deltas([12, 10])))  # ids 12, 10: deltas +12, -2
             + field(8, packed(deltas([51_080_000, 51_081_000])))  # lat: 52.080000, 52.081000
             + field(9, packed(deltas([5_100_000, 5_101_500]))))  # lon: 5.100000, 5.101500
    block1 = (field(1, field(1, b"") + field(1, b"highway") + field(1, b"residential"))
              + field(2, field(2, dense)) + field(17, granularity) + field(19, 10**9))
    node = field(1, zz(11)) + field(8, zz(52_081_234_567)) + field(9, zz(-123_456_789))
    block2 = field(1, field(1, b"")) + field(2, field(1, node)) + field(17, 1)
    refs = packed(deltas([10, 12, 11])) if way_refs is None else way_refs
    way = field(1, 5) + field(2, packed([1])) + field(3, packed([2])) + field(8, refs)
    way2 = field(1, 6) + field(2, packed([1])) + field(3, packed([2])) + field(8, packed(deltas([12, 11])))
    block3 = (field(1, field(1, b"") + field(1, b"highway") + field(1, b"residential"))
              + field(2, field(3, way) + (field(3, way2) if way_refs is not None else b"")))
    parts = [blob("OSMHeader", header_block(features))] if with_header else []
    parts += [blob("OSMData", block1, codec=codec), blob("OSMData", block2, compress=False),
              blob("OSMData", block3)]
    path.write_bytes(b"".join(parts))
    return path


def test_hand_made_file_decoded_by_hand(tmp_path):
    path = hand_made(tmp_path / "hand.osm.pbf")
    keys, judge = _way_judge("walk")
    ways = _pbf.read_ways(path, relevant=keys, judge=judge, what="t")
    assert np.concatenate(ways.refs).tolist() == [10, 12, 11]
    assert np.concatenate(ways.counts).tolist() == [3]
    lon, lat = _pbf.read_locations(path, np.array([10, 11, 12]), ways.node_blocks, what="t").T
    # node 10: lat (1e9 + 1000 * 51,081,000) nanodegrees = 52.081; lon 1000 * 5,101,500 = 5.1015
    # node 11: lon -123,456,789 nanodegrees -> -1,234,567 (towards zero) * 1e-7; lat 52.0812345
    # node 12: 52.08, 5.1
    assert lon.tolist() == [5.1015, -1_234_567 / 1e7, 5.1]
    assert lat.tolist() == [52.081, 520_812_345 / 1e7, 52.08]
    # libosmium reads the same file the same way
    want = pyosmium_locations(path)
    assert [want[i] for i in (10, 11, 12)] == list(zip(lon.tolist(), lat.tolist(), strict=True))
    net = read_network(path, mode="walk")
    assert net.node_ids.tolist() == [10, 11]  # 12 is interstitial (two neighbours)
    ag = build_array_graph(net, "walk")
    expect = (great_circle_m(np.array([52.081]), np.array([5.1015]), np.array([52.08]), np.array([5.1]))
              + great_circle_m(np.array([52.08]), np.array([5.1]), np.array([520_812_345 / 1e7]),
                               np.array([-1_234_567 / 1e7])))
    assert ag.street_length_m.tolist() == pytest.approx(expect.tolist(), rel=1e-12)


def test_broken_files_give_dutch_messages(tmp_path):
    with pytest.raises(NetworkError, match="eigenschappen die afweging niet kent: HistoricalInformation"):
        read_network(hand_made(tmp_path / "a.osm.pbf", features=("OsmSchema-V0.6", "HistoricalInformation")),
                     mode="walk")
    with pytest.raises(NetworkError, match="lzma-compressie"):
        read_network(hand_made(tmp_path / "b.osm.pbf", codec=4), mode="walk")
    bomb = tmp_path / "f.osm.pbf"  # 33 MiB of zeros in a blob of a few kB: refused, not unpacked
    zeros = zlib.compress(bytes(33 * 2**20), 9)
    body = field(2, 33 * 2**20) + field(3, zeros)
    head = field(1, b"OSMHeader") + field(3, len(body))
    bomb.write_bytes(struct.pack(">I", len(head)) + head + body)
    with pytest.raises(NetworkError, match="groter dan de 32 MiB"):
        read_network(bomb, mode="walk")
    good = hand_made(tmp_path / "c.osm.pbf").read_bytes()
    cut = tmp_path / "d.osm.pbf"
    cut.write_bytes(good[:-7])
    with pytest.raises(NetworkError, match=r"niet te lezen als \.osm\.pbf \(bestand houdt midden in een blok op\)"):
        read_network(cut, mode="walk")
    junk = tmp_path / "e.osm.pbf"
    junk.write_bytes(b"<?xml version='1.0'?><osm></osm>")
    with pytest.raises(NetworkError, match=r"niet te lezen als \.osm\.pbf"):
        read_network(junk, mode="walk")
    with pytest.raises(NetworkError, match="begint niet met een OSMHeader-blok"):
        read_network(hand_made(tmp_path / "f.osm.pbf", with_header=False), mode="walk")


@pytest.mark.parametrize("granularity", [0, 2**31, 2**63, 2**64 - 1])
def test_an_impossible_granularity_is_refused(tmp_path, granularity):
    """A granularity outside int32 (or 0, which would put every node on the offset) is a
    Dutch message, not an OverflowError or silently wrong coordinates."""
    with pytest.raises(NetworkError, match=f"ongeldige granularity {granularity}"):
        read_network(hand_made(tmp_path / "g.osm.pbf", granularity=granularity), mode="walk")


def test_a_way_whose_node_list_stops_inside_a_number_is_refused(tmp_path):
    """The node lists of a group's ways are decoded together: a list that stops in the
    middle of a varint must not lend its last byte to the next way's first number."""
    refs = packed(deltas([10, 12])) + bytes([0x81])  # a continuation byte, then the field ends
    with pytest.raises(NetworkError, match="afgebroken varint in een gepakt veld"):
        read_network(hand_made(tmp_path / "w.osm.pbf", way_refs=refs), mode="walk")
    # the same two ways with a complete list read fine
    net = read_network(hand_made(tmp_path / "ok.osm.pbf", way_refs=packed(deltas([10, 12, 11]))), mode="walk")
    assert net.n_edges > 0


def test_ways_before_nodes_and_mixed_blocks(tmp_path):
    # the format does not fix the order of blocks, nor one kind of group per block: here
    # the ways come first, then one block with a DenseNodes group and a Node group
    dense = (field(1, packed(deltas([10, 12]))) + field(8, packed(deltas([520_800_000, 520_810_000])))
             + field(9, packed(deltas([51_000_000, 51_015_000]))))
    node = field(1, zz(11)) + field(8, zz(520_820_000)) + field(9, zz(51_030_000))
    nodes_block = field(1, field(1, b"")) + field(2, field(2, dense)) + field(2, field(1, node)) + field(17, 100)
    way = field(1, 5) + field(2, packed([1])) + field(3, packed([2])) + field(8, packed(deltas([10, 12, 11])))
    ways_block = field(1, field(1, b"") + field(1, b"highway") + field(1, b"residential")) + field(2, field(3, way))
    path = tmp_path / "mixed.osm.pbf"
    path.write_bytes(blob("OSMHeader", header_block()) + blob("OSMData", ways_block) + blob("OSMData", nodes_block))
    keys, judge = _way_judge("walk")
    ways = _pbf.read_ways(path, relevant=keys, judge=judge, what="t")
    lonlat = _pbf.read_locations(path, np.array([10, 11, 12]), ways.node_blocks, what="t")
    assert lonlat.tolist() == [[5.1, 52.08], [5.103, 52.082], [5.1015, 52.081]]
    net = read_network(path, mode="walk")
    assert net.node_ids.tolist() == [10, 11]
    # one street stored both ways (walking), node 12 inside it in each
    assert net.n_edges == 2 and net.geom_xy is not None and len(net.geom_xy) == 2


@pytest.mark.parametrize("span", [10**6, 2**62])  # packed (id, position) keys; too wide: argsort
def test_reference_sort_equals_argsort(span):
    rng = np.random.default_rng(4)
    ids = rng.integers(-span // 2, span // 2, 5000, dtype=np.int64)
    ids[::7] = ids[3]  # repeats
    order, sorted_ids = _argsort_ids(ids)
    np.testing.assert_array_equal(sorted_ids, np.sort(ids))
    np.testing.assert_array_equal(ids[order], sorted_ids)
    assert sorted(order.tolist()) == list(range(len(ids)))
