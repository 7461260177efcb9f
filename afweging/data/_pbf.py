"""A vectorised reader of OpenStreetMap ``.osm.pbf`` files: street ways and their nodes.

The format (https://wiki.openstreetmap.org/wiki/PBF_Format, ``fileformat.proto`` and
``osmformat.proto``): a file is a sequence of ``BlobHeader`` (preceded by its length as a
4-byte big-endian integer) and ``Blob`` (raw or zlib-compressed bytes). The first blob is
an ``OSMHeader`` (``HeaderBlock``: the features a reader must support), the others
``OSMData`` (``PrimitiveBlock``: a string table, the coordinate granularity and offsets,
and ``PrimitiveGroup`` s of plain ``Node`` s, ``DenseNodes``, ``Way`` s or relations).

Python walks only the message structure at block and group level (a few per block of
8,000 objects); everything per node and per way is numpy: varints are decoded for a
whole packed field at once (a byte below 128 ends a varint; the 7-bit groups are shifted
by their position and summed per varint), sint64 values are zigzag-decoded and delta
fields summed with ``cumsum``. The fields of the messages of a group (thousands of ways)
are read for all of them together, field after field.

Ways are read first (:func:`read_ways`), their tags evaluated once per distinct
combination of the values that matter; then only the locations of the nodes the kept
ways use are collected (:func:`read_locations`), in a second pass over the node blocks
(those the first pass kept uncompressed, up to ``NODE_CACHE_BYTES``, are not read again).
Coordinates are converted as libosmium (pyosmium) does: nanodegrees
``offset + granularity * value`` truncated to 1e-7 degrees, so both readers give the same
floats.

Why a decoder of its own rather than pyosmium (used by :func:`afweging.data.osm.graph_from_pbf`)
or pyrosm: ``benchmarks/bench_pbf_reader.py`` (``results/bench_pbf_reader.json``, CPU
seconds, best of 3 interleaved runs, 2 cores, pyosmium 4.3.2 / libosmium 2.23.1, pyrosm
0.25.0) has each produce the same thing, checked bit for bit: the kept ways' references and
flags (the same walk judge) and the lon/lat of the nodes they use. On the synthetic towns of
150k / 600k / 2.4M graph nodes (only street ways) this decoder takes 0.12 / 0.45 / 1.85 s
and 186 / 240 / 448 MB peak; the fastest pyosmium reader written for it (one pass,
``with_locations('flex_mem')``, ``KeyFilter('highway')`` for ways, pyosmium internals to
read tags and references) 0.85 / 3.46 / 14.4 s (6.9x / 7.7x / 7.8x, peak 1.1-1.6x), a
two-pass pyosmium reader (``IdFilter`` for the nodes) 9.1-9.9x, pyrosm 5.7-6.7x with 2.1-6.4x
the peak (2.85 GB at 2.4M). With two ``building=yes`` ways per block added (about eight
in nine nodes on no street, as in Dutch extracts) the ratios are 3.5-3.6x (pyosmium, one
pass; two passes 4.1-4.4x) and 2.4-2.6x (pyrosm). libosmium's own reading and location index, with nothing handed to
Python, take about what this whole decoder does (1.73 s against 1.85 s at 2.4M); the rest is
pyosmium handing every kept way, tag lookup, node reference and location to Python as
objects (at 2.4M: ways 1.5 s, tags 3.1 s, 7.2M references 6.2 s, locations 1.7 s).

What pyosmium does better: it is maintained with libosmium and reads every variant
libosmium reads, such as lz4-compressed blobs (this decoder refuses them, and lzma, bzip2
and zstd, with a Dutch message naming the ``osmium cat`` conversion), history files and
other required features outside :data:`SUPPORTED_FEATURES` (refused likewise), and it
handles relations and areas, which this decoder skips (street networks need neither; osmnx
uses neither). Its malformed-file checks are libosmium's; this decoder's are its own
(``_Bad``, reported as "niet te lezen als .osm.pbf").
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from afweging._errors import NetworkError
from afweging.geo.network import ranges

#: HeaderBlock ``required_features`` this reader supports.
SUPPORTED_FEATURES = frozenset({"OsmSchema-V0.6", "DenseNodes"})
#: Blob compressions other than raw and zlib, by field number (``fileformat.proto``).
_OTHER_COMPRESSION = {4: "lzma", 5: "bzip2", 6: "lz4", 7: "zstd"}
#: A blob may hold at most 32 MiB of uncompressed data (the format's hard limit).
_MAX_BLOB = 32 * 2**20
_MAX_HEADER = 64 * 2**10
#: Largest lat/lon offset accepted, in nanodegrees (1,000 degrees).
_MAX_OFFSET = 10**12
#: Node blocks kept uncompressed from the pass over the ways for the pass over the nodes,
#: up to this many bytes (2.4 million street nodes: about 40 MiB); the rest is read and
#: decompressed again.
NODE_CACHE_BYTES = 256 * 2**20


class _Bad(Exception):
    """The file's structure is not valid PBF (reported as a NetworkError by the caller)."""


# ------------------------------------------------------------------ scalar protobuf


def _varint(buf: bytes, p: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if p >= end:
            raise _Bad("afgebroken varint")
        c = buf[p]
        p += 1
        result |= (c & 0x7F) << shift
        if c < 0x80:
            return result, p
        shift += 7
        if shift > 63:
            raise _Bad("te lange varint")


def _fields(buf: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """The fields of one message: (number, wire type, value or start, end)."""
    p = start
    while p < end:
        key, p = _varint(buf, p, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, p = _varint(buf, p, end)
            yield number, wire, value, p
        elif wire == 2:
            n, p = _varint(buf, p, end)
            if p + n > end:
                raise _Bad("veld loopt voorbij het bericht")
            yield number, wire, p, p + n
            p += n
        elif wire == 1:
            p += 8
            yield number, wire, p - 8, p
        elif wire == 5:
            p += 4
            yield number, wire, p - 4, p
        else:
            raise _Bad(f"onbekend draadtype {wire}")
    if p != end:
        raise _Bad("veld loopt voorbij het bericht")


def _signed(v: int) -> int:
    """int64 read as a varint (two's complement)."""
    return v - (1 << 64) if v >= 1 << 63 else v


# ------------------------------------------------------------------ vectorised varints


def _decode_varints(b: np.ndarray, end: np.ndarray | None = None) -> np.ndarray:
    """All varints in ``b`` (uint8, complete varints back to back) as uint64.

    ``end``: ``b < 0x80`` when at hand. The first byte of every varint is read for all of
    them, then the second byte of those that have one, and so on (most have one or two)."""
    if end is None:
        end = b < 0x80
    if end.all():
        return b.astype(np.uint64)
    last = np.flatnonzero(end)
    if len(last) == 0 or last[-1] != len(b) - 1:
        raise _Bad("afgebroken varint in een gepakt veld")
    first = np.empty(len(last), dtype=np.int64)
    first[0] = 0
    first[1:] = last[:-1] + 1
    more = last - first  # bytes after the first
    if int(more.max()) > 9:
        raise _Bad("te lange varint in een gepakt veld")
    low = b & np.uint8(0x7F)
    vals = low[first].astype(np.uint64)
    act = np.flatnonzero(more)
    j = 1
    while len(act):
        part = low[first[act] + j].astype(np.uint64)
        part <<= np.uint64(7 * j)
        vals[act] |= part
        j += 1
        act = act[more[act] >= j]
    return vals


def _zigzag(u: np.ndarray) -> np.ndarray:
    """sint64 from its zigzag-encoded uint64."""
    return (u >> np.uint64(1)).astype(np.int64) ^ -(u & np.uint64(1)).astype(np.int64)


def _varint_at(a: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The varint starting at each of ``pos`` in ``a``: values (uint64) and byte lengths."""
    val = np.zeros(len(pos), dtype=np.uint64)
    length = np.zeros(len(pos), dtype=np.int64)
    alive = np.ones(len(pos), dtype=bool)
    last = len(a) - 1
    for k in range(10):
        p = pos + k
        if (alive & (p > last)).any():
            raise _Bad("afgebroken varint")
        b = a[np.minimum(p, last)].astype(np.uint64)
        val |= np.where(alive, (b & np.uint64(0x7F)) << np.uint64(7 * k), np.uint64(0))
        length += alive
        alive &= b >= 0x80
        if not alive.any():
            return val, length
    raise _Bad("te lange varint")


def _packed(a: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Packed varint fields (one per message): all values and the message of each."""
    b = a[ranges(starts, lens)]
    end = b < 0x80
    vals = _decode_varints(b, end)
    # a varint belongs to the message that holds its last byte
    ends = np.zeros(len(b) + 1, dtype=np.int64)
    np.cumsum(end, out=ends[1:])
    stop = np.cumsum(lens)
    full = lens > 0
    if not end[stop[full] - 1].all():  # every message's field ends with the end of a varint
        raise _Bad("afgebroken varint in een gepakt veld")
    per = ends[stop] - ends[stop - lens]
    owner = np.repeat(np.arange(len(starts)), per)
    return vals, owner


def _delta(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Delta-coded sint64 per message, summed within each message."""
    out = np.cumsum(_zigzag(values))
    counts = np.bincount(owner, minlength=n)
    ends = np.cumsum(counts)
    base = np.zeros(n, dtype=np.int64)
    has = (counts > 0) & (ends - counts > 0)
    base[has] = out[(ends - counts)[has] - 1]
    out -= np.repeat(base, counts)
    return out


def _messages(a: np.ndarray, start: int, end: int, tag: int) -> tuple[np.ndarray, np.ndarray]:
    """The embedded messages of a group that holds only field ``tag`` (one byte):
    their starts and ends, found for all of them at once."""
    if start == end:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    cand = start + np.flatnonzero(a[start:end] == tag)
    if len(cand) == 0 or cand[0] != start:
        raise _Bad("onverwachte inhoud in een groep")
    cand = cand[cand + 1 < end]
    n, nlen = _varint_at(a, cand + 1)
    body = cand + 1 + nlen
    nxt = body + n.astype(np.int64)
    j = np.searchsorted(cand, nxt)
    hit = (j < len(cand)) & (cand[np.minimum(j, len(cand) - 1)] == nxt)
    # the chain of messages from the group's start, by pointer doubling: after step k
    # ``reached`` holds the first 2**k messages of the chain
    c = len(cand)
    done, bad = c, c + 1  # the group's end; a message ending elsewhere than a tag
    jump = np.empty(c + 2, dtype=np.int64)
    jump[:c] = np.where(hit, j, np.where(nxt == end, done, bad))
    jump[done], jump[bad] = done, bad
    reached = np.zeros(c + 2, dtype=bool)
    reached[0] = True
    while True:
        more = jump[reached]
        if reached[more].all():
            break
        reached[more] = True
        jump = jump[jump]
    if reached[bad] or not reached[done]:
        raise _Bad("onverwachte inhoud in een groep")
    sel = np.flatnonzero(reached[:c])  # positions increase along the chain
    return body[sel], nxt[sel]


def _message_fields(
    a: np.ndarray, starts: np.ndarray, ends: np.ndarray, wanted: dict[int, int]
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Fields ``wanted`` ({number: wire type}) of many messages, read for all at once.

    Returns per field number (message index, value or start, length) arrays; a varint
    field's value is uint64 (length 0).
    """
    found: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {f: [] for f in wanted}
    idx = np.arange(len(starts))
    p, e = starts.astype(np.int64), ends.astype(np.int64)
    keep = p < e
    idx, p, e = idx[keep], p[keep], e[keep]
    while len(idx):
        key, klen = _varint_at(a, p)
        number = (key >> np.uint64(3)).astype(np.int64)
        wire = (key & np.uint64(7)).astype(np.int64)
        p = p + klen
        nxt = np.empty_like(p)
        value = np.zeros(len(p), dtype=np.uint64)
        unknown = (wire != 0) & (wire != 2) & (wire != 1) & (wire != 5)
        if unknown.any():
            raise _Bad(f"onbekend draadtype {int(wire[unknown][0])}")
        for w in (0, 2, 1, 5):
            s = wire == w
            if not s.any():
                continue
            if w == 0:
                v, vl = _varint_at(a, p[s])
                value[s] = v
                nxt[s] = p[s] + vl
            elif w == 2:
                v, vl = _varint_at(a, p[s])
                value[s] = (p[s] + vl).astype(np.uint64)
                nxt[s] = p[s] + vl + v.astype(np.int64)
            else:
                nxt[s] = p[s] + (8 if w == 1 else 4)
        if (nxt > e).any():
            raise _Bad("veld loopt voorbij het bericht")
        for f, w in wanted.items():
            s = number == f
            if not s.any():
                continue
            if (wire[s] != w).any():
                raise _Bad(f"veld {f} heeft draadtype {int(wire[s][0])}, verwacht {w}")
            if w == 2:
                st = value[s].astype(np.int64)
                found[f].append((idx[s], st, nxt[s] - st))
            else:
                found[f].append((idx[s], value[s], np.zeros(int(s.sum()), dtype=np.int64)))
        go = nxt < e
        idx, p, e = idx[go], nxt[go], e[go]
    out = {}
    for f, parts in found.items():
        if parts:
            msg, val, ln = (np.concatenate(c) for c in zip(*parts, strict=True))
            o = np.argsort(msg, kind="stable")  # by message (fields may come in any order)
            msg, val, ln = msg[o], val[o], ln[o]
            if len(msg) > 1 and not (np.diff(msg) > 0).all():
                raise _Bad(f"veld {f} komt meer dan eens voor in een bericht")
            out[f] = (msg, val, ln)
    return out


# ------------------------------------------------------------------ file structure


def _blobs(path: Path, what: str, *, only: set[int] | None = None) -> Iterator[tuple[int, str, bytes]]:
    """(offset, type, uncompressed data) of every blob (or of the blobs at ``only``)."""
    with path.open("rb") as f:
        offset = 0
        while True:
            head = f.read(4)
            if not head:
                return
            if len(head) < 4:
                raise _Bad("bestand houdt midden in een blok op")
            (hlen,) = struct.unpack(">I", head)
            if hlen > _MAX_HEADER:
                raise _Bad(f"bloktitel van {hlen} bytes")
            header = f.read(hlen)
            if len(header) < hlen:
                raise _Bad("bestand houdt midden in een blok op")
            kind, size = "", -1
            for number, wire, v, e in _fields(header, 0, hlen):
                if number == 1 and wire == 2:
                    kind = header[v:e].decode("utf-8", "replace")
                elif number == 3 and wire == 0:
                    size = v
            if size < 0 or size > _MAX_BLOB:
                raise _Bad("blok zonder geldige grootte")
            at = offset
            offset += 4 + hlen + size
            if only is not None and at not in only:
                f.seek(size, 1)
                continue
            blob = f.read(size)
            if len(blob) < size:
                raise _Bad("bestand houdt midden in een blok op")
            yield at, kind, _unpack_blob(blob, what)


def _unpack_blob(blob: bytes, what: str) -> bytes:
    raw_size = None
    data: bytes | None = None
    for number, wire, v, e in _fields(blob, 0, len(blob)):
        if number == 1 and wire == 2:
            data = blob[v:e]
        elif number == 2 and wire == 0:
            raw_size = v
        elif number == 3 and wire == 2:
            inflate = zlib.decompressobj()
            try:  # never more than the format's limit, whatever the blob claims
                data = inflate.decompress(blob[v:e], _MAX_BLOB + 1)
            except zlib.error as exc:
                raise _Bad(f"beschadigde zlib-gegevens ({exc})") from exc
            if len(data) > _MAX_BLOB or inflate.unconsumed_tail:
                raise _Bad("uitgepakt blok groter dan de 32 MiB die het formaat toestaat")
        elif number in _OTHER_COMPRESSION:
            raise NetworkError(
                f"{what}: het .osm.pbf-bestand gebruikt {_OTHER_COMPRESSION[number]}-compressie; "
                f"afweging leest alleen ongecomprimeerde en zlib-blokken. Zet het om, bijv. "
                f"`osmium cat bestand.osm.pbf -o uit.osm.pbf --output-format pbf,pbf_compression=zlib`."
            )
    if data is None:
        raise _Bad("blok zonder gegevens")
    if raw_size is not None and len(data) != raw_size:
        raise _Bad("uitgepakt blok heeft de verkeerde grootte")
    return data


def _check_header(data: bytes, what: str) -> None:
    required = [data[v:e].decode("utf-8", "replace")
                for number, wire, v, e in _fields(data, 0, len(data)) if number == 4 and wire == 2]
    unknown = [f for f in required if f not in SUPPORTED_FEATURES]
    if unknown:
        raise NetworkError(
            f"{what}: het .osm.pbf-bestand vraagt eigenschappen die afweging niet kent: "
            f"{', '.join(unknown)} (ondersteund: {', '.join(sorted(SUPPORTED_FEATURES))}). "
            f"Maak een gewone uitsnede, bijv. `osmium cat bestand.osm.pbf -o uit.osm.pbf`."
        )


class _Block:
    """The parts of a PrimitiveBlock: string table, coordinate scale, groups."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.a = np.frombuffer(data, dtype=np.uint8)
        self.strings: tuple[int, int] | None = None
        self.granularity, self.lat_offset, self.lon_offset = 100, 0, 0
        self.groups: list[tuple[int, int]] = []
        for number, wire, v, e in _fields(data, 0, len(data)):
            if number == 1 and wire == 2:
                self.strings = (v, e)
            elif number == 2 and wire == 2:
                self.groups.append((v, e))
            elif number == 17 and wire == 0:
                self.granularity = v
            elif number == 19 and wire == 0:
                self.lat_offset = _signed(v)
            elif number == 20 and wire == 0:
                self.lon_offset = _signed(v)
        # granularity is a positive int32 (nanodegrees per unit); offsets beyond 1,000
        # degrees are no coordinates (and would overflow the 64-bit arithmetic)
        if not 0 < self.granularity < 2**31:
            raise _Bad(f"ongeldige granularity {self.granularity} (verwacht 1 tot 2^31)")
        if max(abs(self.lat_offset), abs(self.lon_offset)) > _MAX_OFFSET:
            raise _Bad("ongeldige lat_offset/lon_offset")

    def group_kind(self, start: int, end: int) -> int:
        """Field number of a group's first field (1 nodes, 2 dense, 3 ways, 4 relations)."""
        if start == end:
            return 0
        key, _ = _varint(self.data, start, end)
        return key >> 3

    def string_table(self) -> _Strings:
        if self.strings is None:
            return _Strings(self, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
        return _Strings(self, *_messages(self.a, *self.strings, 0x0A))

    def degrees(self, value: np.ndarray, offset: int) -> np.ndarray:
        """Coordinates in degrees as libosmium gives them (1e-7 degrees, truncated)."""
        nano = value * self.granularity + offset
        fixed = np.where(nano < 0, -((-nano) // 100), nano // 100)  # C division: towards zero
        return fixed.astype(np.float64) / 1e7


class _Strings:
    """A block's string table, found without a Python step per string (a national
    extract has thousands of strings per block); strings decoded only when needed."""

    def __init__(self, block: _Block, starts: np.ndarray, ends: np.ndarray) -> None:
        self.block, self.starts, self.ends = block, starts, ends
        self._text: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.starts)

    def slots(self, slot_of: dict[str, int]) -> np.ndarray:
        """Per string, the position in ``slot_of`` of the key it equals (-1: none),
        compared as bytes for all strings of a key's length at once."""
        out = np.full(len(self), -1, dtype=np.int64)
        lens = self.ends - self.starts
        for key, j in slot_of.items():
            raw = np.frombuffer(key.encode("utf-8"), dtype=np.uint8)
            cand = np.flatnonzero(lens == len(raw))
            if len(cand) == 0:
                continue
            got = self.block.a[self.starts[cand, None] + np.arange(len(raw))]
            out[cand[(got == raw).all(axis=1)]] = j
        return out

    def __getitem__(self, i: int) -> str:
        t = self._text.get(i)
        if t is None:
            t = self._text[i] = self.block.data[self.starts[i]:self.ends[i]].decode("utf-8", "replace")
        return t


def _wrap(fn: Callable[[], Any], path: Path, what: str) -> Any:
    try:
        return fn()
    except _Bad as exc:
        raise NetworkError(f"{what}: {path} is niet te lezen als .osm.pbf ({exc}).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NetworkError(f"{what}: {path} is niet te lezen als .osm.pbf ({exc}).") from exc


# ------------------------------------------------------------------ ways


class PbfWays:
    """The kept ways of a file: node references (flat, in way order) and per-way flags."""

    def __init__(self) -> None:
        self.refs: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []
        self.flags: list[np.ndarray] = []  # (n, 4) bool: oneway, reverse, bike tagged, bike "no"
        self.node_blocks: list[int] = []
        #: uncompressed node blocks by offset (the first ``NODE_CACHE_BYTES``), for
        #: :func:`read_locations`; emptied there
        self.node_data: dict[int, bytes] = {}


def read_ways(
    path: Path, *, relevant: list[str], judge: Callable[[dict[str, str]], tuple[bool, bool, bool, bool, bool]],
    what: str,
) -> PbfWays:
    """Every way whose tags ``judge`` keeps (first of its five flags), with the other four
    flags, and the offsets of the blobs that hold nodes.

    ``judge`` sees only the keys in ``relevant`` and is called once per distinct
    combination of their values in a block.
    """
    return _wrap(lambda: _read_ways(path, relevant, judge, what), path, what)


def _read_ways(path: Path, relevant: list[str], judge: Callable[..., Any], what: str) -> PbfWays:
    out = PbfWays()
    slot_of = {k: i for i, k in enumerate(relevant)}
    cache: dict[tuple[str | None, ...], tuple[bool, ...]] = {}
    header_seen = False
    kept_bytes = 0
    for offset, kind, data in _blobs(path, what):
        if kind == "OSMHeader":
            _check_header(data, what)
            header_seen = True
            continue
        if kind != "OSMData":
            continue  # unknown blob types are skipped, as the format asks
        if not header_seen:
            raise _Bad("het bestand begint niet met een OSMHeader-blok")
        block = _Block(data)
        strings: _Strings | None = None
        slot: np.ndarray | None = None
        has_nodes = False
        for start, end in block.groups:
            kind_g = block.group_kind(start, end)
            if kind_g in (1, 2):
                has_nodes = True
            if kind_g != 3:
                continue
            if strings is None or slot is None:
                strings = block.string_table()
                slot = strings.slots(slot_of)
            _ways_of_group(block, start, end, strings, slot, relevant, judge, cache, out)
        if has_nodes:
            out.node_blocks.append(offset)
            if kept_bytes + len(data) <= NODE_CACHE_BYTES:
                out.node_data[offset] = data
                kept_bytes += len(data)
    if not header_seen:
        raise _Bad("geen OSMHeader-blok")
    return out


def _ways_of_group(
    block: _Block, start: int, end: int, strings: _Strings, slot: np.ndarray, relevant: list[str],
    judge: Callable[..., Any], cache: dict, out: PbfWays,
) -> None:
    a = block.a
    ws, we = _messages(a, start, end, 0x1A)
    n = len(ws)
    if n == 0:
        return
    f = _message_fields(a, ws, we, {2: 2, 3: 2, 8: 2})
    sig = np.full((n, len(relevant)), -1, dtype=np.int64)
    if 2 in f:
        if 3 not in f or not np.array_equal(f[2][0], f[3][0]):
            raise _Bad("weg met sleutels zonder waarden")
        keys, k_owner = _packed(a, f[2][1], f[2][2])
        vals, v_owner = _packed(a, f[3][1], f[3][2])
        if len(keys) != len(vals) or not np.array_equal(k_owner, v_owner):
            raise _Bad("weg met ongelijk aantal sleutels en waarden")
        n_str = len(strings)
        if len(keys) and (int(keys.max()) >= n_str or int(vals.max()) >= n_str):
            raise _Bad("tag verwijst buiten de stringtabel")
        ks = slot[keys.astype(np.int64)]
        sel = ks >= 0
        owner = f[2][0][k_owner[sel]]
        # a key twice on one way: the first value counts (as pyosmium's TagList.get)
        sig[owner[::-1], ks[sel][::-1]] = vals[sel][::-1].astype(np.int64)
    combos, inverse = _unique_rows(sig)
    table = np.zeros((len(combos), 5), dtype=bool)
    for c, row in enumerate(combos.tolist()):
        values = tuple(strings[v] if v >= 0 else None for v in row)
        hit = cache.get(values)
        if hit is None:
            hit = cache[values] = judge({k: v for k, v in zip(relevant, values, strict=True) if v is not None})
        table[c] = hit
    flags = table[inverse]
    kept = np.flatnonzero(flags[:, 0])
    if len(kept) == 0:
        return
    counts = np.zeros(len(kept), dtype=np.int64)
    if 8 in f:
        msg, st, ln = f[8]
        pos = np.full(n, -1, dtype=np.int64)
        pos[kept] = np.arange(len(kept))
        take = pos[msg] >= 0
        vals, owner = _packed(a, st[take], ln[take])
        owner_k = pos[msg[take]][owner]
        counts = np.bincount(owner_k, minlength=len(kept))
        out.refs.append(_delta(vals, owner_k, len(kept)))
    out.counts.append(counts)
    out.flags.append(flags[kept, 1:])


def _unique_rows(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``sig`` and the row of each (a sort over the columns in use;
    ``np.unique(axis=0)`` compares rows as opaque bytes, far slower)."""
    used = (sig >= 0).any(axis=0)
    inverse = np.zeros(len(sig), dtype=np.int64)
    if not used.any():
        return sig[:1], inverse
    cols = sig[:, used]
    order = np.lexsort(cols.T[::-1])
    s = cols[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s[1:] != s[:-1]).any(axis=1)
    inverse[order] = np.cumsum(new) - 1
    return sig[order[new]], inverse


# ------------------------------------------------------------------ nodes


def read_locations(path: Path, wanted: np.ndarray, node_blocks: list[int], *, what: str,
                   node_data: dict[int, bytes] | None = None) -> np.ndarray:
    """Longitude and latitude (columns) of the sorted unique node ids ``wanted`` (NaN when
    absent).

    ``node_data``: blocks already uncompressed (:attr:`PbfWays.node_data`), used instead
    of reading them again and removed from the dict once used."""
    return _wrap(lambda: _read_locations(path, wanted, node_blocks, what, node_data or {}), path, what)


def _node_blocks(path: Path, what: str, node_blocks: list[int], node_data: dict[int, bytes]) -> Iterator[bytes]:
    """The uncompressed node blocks in file order: from ``node_data`` (emptied as they are
    used) or read again."""
    rest = [o for o in node_blocks if o not in node_data]
    again = _blobs(path, what, only=set(rest)) if rest else iter(())
    for offset in node_blocks:
        data = node_data.pop(offset, None)
        if data is None:
            at, _, data = next(again, (None, "", b""))
            if at != offset:
                raise _Bad("het bestand is veranderd tijdens het lezen")
        yield data


def _read_locations(path: Path, wanted: np.ndarray, node_blocks: list[int], what: str,
                    node_data: dict[int, bytes]) -> np.ndarray:
    lonlat = np.full((len(wanted), 2), np.nan)
    if len(wanted) == 0 or not node_blocks:
        node_data.clear()
        return lonlat
    for data in _node_blocks(path, what, node_blocks, node_data):
        block = _Block(data)
        a = block.a
        for start, end in block.groups:
            kind = block.group_kind(start, end)
            if kind == 2:
                ids = x = y = None
                for number, wire, v, e in _fields(data, start, end):
                    if number != 2 or wire != 2:
                        raise _Bad("DenseNodes-groep met andere inhoud")
                    for fn, fw, fv, fe in _fields(data, v, e):
                        if fw != 2 or fn not in (1, 8, 9):
                            continue
                        vals = _zigzag(_decode_varints(a[fv:fe]))
                        np.cumsum(vals, out=vals)
                        if fn == 1:
                            ids = vals
                        elif fn == 8:
                            y = vals
                        else:
                            x = vals
                if ids is None or len(ids) == 0:
                    continue
                if x is None or y is None or len(x) != len(ids) or len(y) != len(ids):
                    raise _Bad("DenseNodes met ongelijke lijsten id/lat/lon")
            elif kind == 1:
                ns, ne = _messages(a, start, end, 0x0A)
                f = _message_fields(a, ns, ne, {1: 0, 8: 0, 9: 0})
                if not all(k in f and len(f[k][0]) == len(ns) for k in (1, 8, 9)):
                    raise _Bad("knoop zonder id, lat of lon")
                ids, y, x = (_zigzag(f[k][1][np.argsort(f[k][0], kind="stable")]) for k in (1, 8, 9))
            else:
                continue
            pos = np.searchsorted(wanted, ids)
            hit = pos < len(wanted)
            hit[hit] = wanted[pos[hit]] == ids[hit]
            if hit.any():
                p = pos[hit]
                lonlat[p, 0] = block.degrees(x[hit], block.lon_offset)
                lonlat[p, 1] = block.degrees(y[hit], block.lat_offset)
    return lonlat
