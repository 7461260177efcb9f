"""``afweging fetch``: download every online section of a manifest once, into plain files.

:func:`fetch_area` reads an area manifest whose sections download their data
(``online = "pdok" | "cbs" | "osm" | "bag" | "bgt" | "wcs"``), downloads each of them
once through the same loader methods that :func:`~afweging.data.manifest.load_area` uses
(``_Loader.download_*``), and writes

* one plain file per section: GeoPackage (buurten, wijken, facilities, homes, green), CSV
  (CBS statistics, the kwb layout of :func:`~afweging.data.cbs.read_kwb`), GraphML (street
  networks, as osmnx saves them) and GeoTIFF (rasters, the bytes the WCS answered);
* ``DATA_DIR/area.toml``, a file-based manifest that names those files and records per
  section the ``source``, ``licence``, ``downloaded_from`` (the service's URL) and
  ``downloaded_on`` (the retrieval date). Sections that already named a file keep it
  (their path rewritten relative to ``DATA_DIR``).

A run on the written manifest gives the same results as a run straight from the online
manifest (tests/test_fetch.py), but offline and reproducibly.

Safety and resuming:

* the folder is locked while fetching (``DATA_DIR/.afweging/lock``, as the output writer
  does), so two fetches into one folder cannot race;
* every file is written to a temporary name in the same folder and renamed into place
  (atomic), so an interrupted fetch never leaves half a file under a real name;
* ``DATA_DIR/.afweging/fetch.json`` records per section what was asked (the section, the
  gemeente and the buurten it depends on) and the sha256 of each file written. A second
  call downloads only sections that are missing, changed, or whose file was removed or
  altered; the others are reported as present;
* files the toolkit did not write are never overwritten or removed; temporary files a
  killed fetch left behind (its own name pattern only) are removed by the next fetch.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from afweging import settings
from afweging._errors import ManifestError
from afweging._outputs import (
    STATE_DIR,
    OutputError,
    _Lock,
    atomic_write_bytes,
    atomic_write_text,
    atomic_write_with,
    file_sha256,
    fixed_gpkg_date,
)
from afweging._schema import read_toml
from afweging.data.manifest_schema import check_manifest

#: Layout version of ``.afweging/fetch.json``.
STATE_FORMAT = "afweging-fetch/1"

#: Name of the file-based manifest written into the data folder.
AREA_FILE = "area.toml"

#: Top-level manifest keys copied to the written manifest, in this order.
_TOP = ("name", "gemeentecode", "crs", "synthetic", "description")

#: Keys of an online section that describe the download, not the file.
_ONLINE_KEYS = ("online", "url", "year", "table", "buffer_m", "coverage", "resolution_m", "version", "include")

#: Source and licence per online kind (a section's own `source` / `licence` win).
_SOURCES: dict[str, tuple[str, str | None]] = {
    "pdok": ("CBS wijk- en buurtkaart {year} (PDOK)", "CC BY 4.0"),
    "cbs": ("CBS Kerncijfers wijken en buurten {year} (CBS open data, tabel {table})", "CC BY 4.0"),
    "osm": ("OpenStreetMap (Overpass)", "ODbL 1.0"),
    "bag": ("BAG verblijfsobjecten met woonfunctie (Kadaster, PDOK)", "CC0 1.0"),
    "bgt": ("BGT openbaar groen (Kadaster, PDOK; klassen in bgt_green.toml)", "CC0 1.0"),
    "wcs": ("{coverage} (WCS {url})", None),
}


@dataclass
class FetchedSection:
    """What :func:`fetch_area` did for one section."""

    name: str
    files: list[Path]
    status: str  # "opgehaald", "al aanwezig" or "bestand"


@dataclass
class FetchResult:
    """The written manifest and what happened per section."""

    manifest: Path
    sections: list[FetchedSection] = field(default_factory=list)

    @property
    def summary(self) -> list[str]:
        """Dutch lines for the command line."""
        fetched = [s for s in self.sections if s.status == "opgehaald"]
        present = [s for s in self.sections if s.status == "al aanwezig"]
        lines = [f"Gegevens opgehaald voor {len(fetched)} onderdeel/onderdelen; "
                 f"{len(present)} waren er al."]
        for s in self.sections:
            names = ", ".join(f.name for f in s.files) or "-"
            lines.append(f"  [{s.name}] {s.status}: {names}")
        lines.append(f"Rekenen zonder internet: afweging run --area {self.manifest}")
        return lines

    @property
    def files(self) -> list[Path]:
        out = [f for s in self.sections if s.status != "bestand" for f in s.files]
        return [*out, self.manifest]


# ----------------------------------------------------------------------------- helpers


def _request_key(doc: Any) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """A GeoPackage of one layer, atomically (temporary name, then rename), byte-stable."""
    def write(tmp: Path) -> None:
        with fixed_gpkg_date():
            gdf.to_file(tmp, layer=layer, driver="GPKG")

    atomic_write_with(path, write)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    """The kwb table as CSV: the code column first, CBS's '.' for unknown values."""
    text = table.reset_index().to_csv(index=False, na_rep=".", lineterminator="\n")
    atomic_write_text(path, text)


def _write_graphml(graph: Any, path: Path) -> None:
    """A street graph as osmnx's ``save_graphml`` writes it: every attribute as text."""
    import networkx as nx

    g = graph.copy()
    g.graph = {k: str(v) for k, v in g.graph.items()}
    for _, data in g.nodes(data=True):
        for k, v in list(data.items()):
            data[k] = str(v)
    for _, _, data in g.edges(keys=False, data=True):
        for k, v in list(data.items()):
            data[k] = str(v)
    atomic_write_with(path, lambda tmp: nx.write_graphml(g, tmp, encoding="utf-8"))


def _relative(target: Path, folder: Path) -> str:
    """``target`` as a path relative to ``folder`` (POSIX), or absolute when impossible."""
    try:
        return Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return target.resolve().as_posix()


# ----------------------------------------------------------------------------- TOML


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v!r} to TOML")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k, ensure_ascii=False)


def manifest_text(doc: dict[str, Any], *, header: str = "") -> str:
    """A manifest document (top keys, sections, nested sections) as TOML text.

    Examples
    --------
    >>> print(manifest_text({"name": "X", "buurten": {"path": "b.gpkg"},
    ...                      "networks": {"walk": {"path": "w.graphml"}}}))
    name = "X"
    <BLANKLINE>
    [buurten]
    path = "b.gpkg"
    <BLANKLINE>
    [networks.walk]
    path = "w.graphml"
    <BLANKLINE>
    """
    lines = [f"# {h}" if h else "#" for h in header.splitlines()] if header else []
    for k in _TOP:
        if k in doc:
            lines.append(f"{k} = {_toml_value(doc[k])}")
    for name, sec in doc.items():
        if name in _TOP or not isinstance(sec, dict):
            continue
        if name in ("networks", "rasters", "lines"):
            for sub, subsec in sec.items():
                lines += ["", f"[{name}.{_toml_key(sub)}]"]
                lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in subsec.items() if v is not None]
        else:
            lines += ["", f"[{name}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in sec.items() if v is not None]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- state


class _State:
    """``DATA_DIR/.afweging/fetch.json``: per section the request key and file hashes."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_DIR / "fetch.json"
        self.folder = folder
        doc: dict[str, Any] = {}
        if self.path.exists():
            try:
                doc = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError):
                doc = {}
        self.sections: dict[str, Any] = doc.get("sections", {}) if doc.get("format") == STATE_FORMAT else {}
        self.area = doc.get("area") if doc.get("format") == STATE_FORMAT else None

    def owned(self) -> dict[str, str]:
        """Every file this folder's fetches wrote, with its sha256."""
        out = {f: h for s in self.sections.values() for f, h in s.get("files", {}).items()}
        if self.area:
            out[AREA_FILE] = self.area
        return out

    def present(self, name: str, key: str) -> bool:
        """Whether section ``name`` was fetched with ``key`` and its files are unchanged."""
        entry = self.sections.get(name)
        if not entry or entry.get("key") != key:
            return False
        for f, h in entry.get("files", {}).items():
            p = self.folder / f
            if not p.is_file() or file_sha256(p) != h:
                return False
        return True

    def record(self, name: str, key: str, files: list[Path], extra: dict[str, Any]) -> None:
        self.sections[name] = {"key": key, "files": {f.name: file_sha256(f) for f in files}, **extra}
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"format": STATE_FORMAT, "sections": self.sections, "area": self.area}
        atomic_write_text(self.path, json.dumps(doc, indent=1, sort_keys=True) + "\n")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is een bestand, geen map. Kies met --out een (nieuwe) map voor de gegevens.")
    try:
        (folder / STATE_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"De map {folder} kan niet gemaakt of beschreven worden ({exc.strerror or exc}). Kies met --out een "
            f"map waarin u mag schrijven."
        ) from exc
    lock = _Lock(folder / STATE_DIR / "lock")
    lock.acquire(folder)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _progress_on() -> Iterator[None]:
    before = settings.progress
    settings.progress = True
    try:
        yield
    finally:
        settings.progress = before


# ----------------------------------------------------------------------------- fetch


def fetch_area(
    area: str | Path,
    out: str | Path,
    *,
    say: Callable[[str], None] = print,
    progress: bool = True,
) -> FetchResult:
    """Download every online section of a manifest into ``out`` and write ``out/area.toml``.

    Parameters
    ----------
    area : path-like
        The manifest with online sections (e.g. ``examples/utrecht_online.toml``).
    out : path-like
        The data folder (created when missing). Files the toolkit did not write are left
        alone; a user file in the way of a download is an error.
    say : callable
        Receives one Dutch line per section (the CLI prints them).
    progress : bool
        Show progress bars per source (tqdm on stderr).

    Returns
    -------
    FetchResult
        The written manifest and, per section, its files and whether they were
        downloaded now or already present.
    """
    from afweging.data.manifest import _Loader

    manifest = Path(area)
    if manifest.is_dir():
        manifest = manifest / AREA_FILE
    doc, _raw = read_toml(
        manifest, error=ManifestError, what="Het gebiedsmanifest",
        hint="Het formaat staat in docs/invoer.md; een voorbeeld is examples/utrecht_online.toml.",
    )
    check_manifest(doc, file=str(manifest))
    folder = Path(out)
    if folder.resolve() == manifest.parent.resolve() and manifest.name == AREA_FILE:
        raise ManifestError(
            f"{manifest} zou door het opgehaalde manifest overschreven worden: kies met --out een andere map "
            f"dan die van het manifest, of geef het manifest een andere naam (bijv. online.toml)."
        )
    with _locked(folder), (_progress_on() if progress else _nothing()):
        _remove_leftovers(folder)
        return _Fetcher(manifest, doc, folder, _Loader(manifest, doc), say).run()


#: Temporary names of the atomic writes (``.buurten.1a2b3c4d.tmp.gpkg``,
#: ``.area.toml.1a2b3c4d.tmp``): only a fetch that was killed leaves them behind.
_LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp(\.[A-Za-z0-9]+)?$")


def _remove_leftovers(folder: Path) -> None:
    """Remove temporary files of a killed earlier fetch (the folder is locked: no fetch is
    writing them now). Only names of this writer's pattern; nothing else is touched."""
    for p in folder.iterdir():
        if p.is_file() and _LEFTOVER.match(p.name):
            p.unlink(missing_ok=True)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class _Fetcher:
    def __init__(self, manifest: Path, doc: dict[str, Any], folder: Path, loader: Any,
                 say: Callable[[str], None]) -> None:
        self.manifest = manifest
        self.doc = doc
        self.folder = folder
        self.loader = loader
        self.say = say
        self.state = _State(folder)
        self.today = datetime.now(UTC).date().isoformat()
        self.result = FetchResult(manifest=folder / AREA_FILE)
        self._buurten: gpd.GeoDataFrame | None = None
        self._buurten_key: str | None = None

    # -- the written manifest ---------------------------------------------------------
    def run(self) -> FetchResult:
        new: dict[str, Any] = {k: self.doc[k] for k in _TOP if k in self.doc}
        for name in ("buurten", "wijken", "statistics", "facilities", "homes", "green"):
            if name in self.doc:
                new[name] = self.section(name, self.doc[name])
        for group in ("networks", "rasters", "lines"):
            subs = self.doc.get(group) or {}
            if subs:
                new[group] = {sub: self.section(f"{group}.{sub}", sec) for sub, sec in subs.items()}
        check_manifest(new, file=str(self.result.manifest))
        text = manifest_text(new, header=(
            f"Opgehaald met `afweging fetch` uit {self.manifest.name} op {self.today}.\n"
            "Elke sectie noemt zijn bron, licentie, adres (downloaded_from) en ophaaldatum.\n"
            "Rekenen zonder internet: afweging run --area <deze map>/area.toml"))
        self._check_free(self.result.manifest)
        atomic_write_text(self.result.manifest, text)
        self.state.area = file_sha256(self.result.manifest)
        self.state.save()
        return self.result

    def _check_free(self, path: Path) -> None:
        """Refuse to write over a file the toolkit did not write (or that was changed since)."""
        if not path.exists():
            return
        owned = self.state.owned()
        rel = path.relative_to(self.folder).as_posix()
        if rel not in owned or file_sha256(path) != owned[rel]:
            raise OutputError(
                f"{path} bestaat al en is niet door `afweging fetch` geschreven (of daarna veranderd). "
                f"afweging overschrijft geen bestanden van anderen: verplaats het, of kies met --out een andere map."
            )

    # -- one section -------------------------------------------------------------------
    def section(self, name: str, sec: dict[str, Any]) -> dict[str, Any]:
        kind = sec.get("online")
        if kind is None:
            out = dict(sec)
            for k in ("path", "tags"):
                if k in out:
                    p = Path(out[k])
                    out[k] = _relative(p if p.is_absolute() else self.manifest.parent / p, self.folder)
            if "path" in sec:
                p = Path(sec["path"])
                self.result.sections.append(FetchedSection(name, [p if p.is_absolute() else self.manifest.parent / p],
                                                           "bestand"))
            if name == "buurten":
                self._set_buurten(out)
            return out
        if kind == "wcs":
            url, coverage = self.loader.wcs(name.split(".", 1)[1], sec)
        else:
            url, coverage = self.loader.url(sec, kind), None
        year = sec.get("year", 2023)
        source_t, licence = _SOURCES[kind]
        from afweging.data.cbs import KWB_TABLES

        table = sec.get("table") or KWB_TABLES.get(int(year), "?")
        source = source_t.format(year=year, table=table, coverage=coverage, url=url)
        request = {"section": name, "doc": sec, "gemeentecode": self.doc.get("gemeentecode"),
                   "buurten": self._buurten_key if name != "buurten" else None,
                   "tags": self._tags_stamp(sec)}
        key = _request_key(request)
        files, new = self.plan(name, kind, sec)
        new = {**new, "source": sec.get("source", source), "licence": sec.get("licence", licence),
               "note": sec.get("note"), "crs": sec.get("crs")}
        if self.state.present(name, key):
            entry = self.state.sections[name]
            new["downloaded_from"], new["downloaded_on"] = entry.get("url", url), entry.get("downloaded_on")
            self.say(f"[{name}] al aanwezig: {', '.join(f.name for f in files)} (opgehaald op {entry.get('downloaded_on')})")
            self.result.sections.append(FetchedSection(name, files, "al aanwezig"))
        else:
            for f in files:
                self._check_free(f)
            self.say(f"[{name}] ophalen van {url} ...")
            self.download(name, kind, sec, files)
            self.state.record(name, key, files, {"url": url, "downloaded_on": self.today})
            new["downloaded_from"], new["downloaded_on"] = url, self.today
            self.result.sections.append(FetchedSection(name, files, "opgehaald"))
        new = {k: v for k, v in new.items() if v is not None}
        if name == "buurten":
            self._set_buurten(new)
        return new

    def _tags_stamp(self, sec: dict[str, Any]) -> str | None:
        if "tags" not in sec:
            return None
        p = self.manifest.parent / sec["tags"]
        return file_sha256(p) if p.is_file() else None

    def _set_buurten(self, sec: dict[str, Any]) -> None:
        """The processed buurten of the written [buurten] section (read from the file), for
        the downloads that depend on them, and a key that changes when they change."""
        from afweging.data.manifest import _Loader

        loader = _Loader(self.folder / AREA_FILE, {"name": self.doc["name"], "buurten": sec})
        self._buurten = loader.buurten()
        self._buurten_key = _request_key([str(sec.get("path")), self._buurten.index.tolist(),
                                          self._buurten.geometry.to_wkb(hex=True).tolist()])

    def plan(self, name: str, kind: str, sec: dict[str, Any]) -> tuple[list[Path], dict[str, Any]]:
        """The file(s) a section is written to and its file-based section."""
        f = self.folder
        keep = {k: v for k, v in sec.items() if k not in _ONLINE_KEYS and k not in ("source", "licence", "note", "crs")}
        if name in ("buurten", "wijken"):
            extra = {"name": "wijknaam"} if name == "wijken" else {}
            return [f / f"{name}.gpkg"], {"path": f"{name}.gpkg", "layer": name, **extra, **keep}
        if name == "statistics":
            fname = f"cbs_kwb_{sec.get('table') or sec.get('year', 2023)}_{self.doc.get('gemeentecode', '')}.csv"
            return [f / fname], {"path": fname, "id": "gwb_code_10", "year": sec.get("year", 2023), **keep}
        if name == "facilities":
            out = {"path": "osm_voorzieningen.gpkg", "layer": "voorzieningen", "format": "osm-tags", **keep}
            if "tags" in sec:
                out["tags"] = _relative(self.manifest.parent / sec["tags"], f)
            return [f / "osm_voorzieningen.gpkg"], out
        if name == "homes" and kind == "osm":
            return [f / "osm_woningen.gpkg"], {"path": "osm_woningen.gpkg", "layer": "woningen", "format": "osm-tags",
                                                "include": sec["include"], **keep}
        if name == "homes":  # bag
            return [f / "bag_woningen.gpkg"], {"path": "bag_woningen.gpkg", "layer": "woningen", "format": "points",
                                                **keep}
        if name == "green":
            from afweging.data.manifest import BGT_JOIN_GAP_M

            return [f / "bgt_groen.gpkg"], {"path": "bgt_groen.gpkg", "layer": "groen", "kind": "fysiek_voorkomen",
                                             "join_gap_m": sec.get("join_gap_m", BGT_JOIN_GAP_M),
                                             **{k: v for k, v in keep.items() if k not in ("kind", "join_gap_m")}}
        if name.startswith("networks."):
            mode = name.split(".", 1)[1]
            return [f / f"osm_{mode}.graphml"], {"path": f"osm_{mode}.graphml", "format": "graphml", **keep}
        if name.startswith("rasters."):
            raster = name.split(".", 1)[1]
            return [f / f"{raster}.tif"], {"path": f"{raster}.tif", **keep}
        raise ManifestError(f"[{name}] kan niet opgehaald worden.")  # the schema allows no other online section

    def download(self, name: str, kind: str, sec: dict[str, Any], files: list[Path]) -> None:
        ld = self.loader
        target = files[0]
        if name in ("buurten", "wijken"):
            _write_gpkg(ld.download_wijken_buurten(name, sec), target, name)
        elif name == "statistics":
            _write_csv(ld.download_statistics(sec), target)
        elif name == "facilities":
            from afweging.data.osm import category_tags

            gdf = ld.download_points(name, sec, self._need_buurten(name), category_tags(ld.facility_tags(sec)))
            _write_gpkg(gdf, target, "voorzieningen")
        elif name == "homes" and kind == "osm":
            _write_gpkg(ld.download_points(name, sec, self._need_buurten(name), sec["include"]), target, "woningen")
        elif name == "homes":
            _write_gpkg(ld.download_dwellings(sec, self._need_buurten(name)), target, "woningen")
        elif name == "green":
            _write_gpkg(ld.download_green(sec, self._need_buurten(name)), target, "groen")
        elif name.startswith("networks."):
            _write_graphml(ld.download_network(name.split(".", 1)[1], sec, self._need_buurten(name)), target)
        elif name.startswith("rasters."):
            atomic_write_bytes(target, ld.download_raster(name.split(".", 1)[1], sec, self._need_buurten(name)))
        for w in ld.caveats:
            self.say(f"  let op: {w}")
        ld.caveats.clear()

    def _need_buurten(self, name: str) -> gpd.GeoDataFrame:
        assert self._buurten is not None, name  # [buurten] is required and settled first
        return self._buurten
