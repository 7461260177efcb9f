"""The studio's baseline on disk, keyed by the content of the area.

The baseline of an area (layers, reachability, barcode: :func:`prepare_baseline`) takes a
few seconds; the studio computes it once and keeps it in
``settings.cache_folder / "studio"``, so a second start on the same area is fast. The key
is a sha256 over

* the **content** of the area (:func:`area_fingerprint`): every frame column by column
  (geometries as WKB), the street networks node by node and edge by edge, the rasters'
  cells, provenance and metadata; an area loaded again from the same files, or the demo
  generated again, gets the same key, and any changed value a new one;
* the toolkit's own code and data files (``*.py`` and ``*.toml`` of the package, the
  studio itself excepted), the versions of the libraries that compute, and the Python
  version;
* the settings (:mod:`afweging.settings`) and the norms file, if one is given.

Two files per key: ``<key>.pkl`` holds the :class:`~afweging.analyses.plan.Baseline`
(with its area), read by every worker process; ``<key>.json`` holds what the page needs
(the buurten with their baseline scores as GeoJSON, the area and the norms), read by
the server process, which never unpickles the baseline itself. Both are written to a
temporary file first and renamed, so a killed start never leaves half a file; an
unreadable entry is a miss. Older entries of the same area name are removed: only the
studio's own files (``studio-*.pkl`` / ``.json``) are ever removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import pickle
import re
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from afweging import settings
from afweging._outputs import atomic_write_bytes
from afweging.geo.area import Area

log = logging.getLogger(__name__)

#: Version of the cache layout (part of the key).
CACHE_FORMAT = 2  # 2: the baseline is stored warm (Baseline.warm)

#: Libraries whose version is part of the key (they compute the numbers).
_LIBRARIES = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "scipy", "networkx",
              "rasterio", "pyogrio")


# ============================================================================ fingerprints
def area_fingerprint(area: Area) -> str:
    """sha256 of the content of an Area (see the module doc).

    Examples
    --------
    >>> import afweging
    >>> a, b = afweging.demo_area(), afweging.demo_area()       # doctest: +SKIP
    >>> area_fingerprint(a) == area_fingerprint(b)                # doctest: +SKIP
    True
    """
    h = hashlib.sha256()
    for f in dataclasses.fields(area):
        _feed(h, f.name, getattr(area, f.name))
    return h.hexdigest()


def _feed(h: Any, label: str, value: Any) -> None:
    h.update(f"\x00{label}:{type(value).__name__}\x00".encode())
    if value is None or isinstance(value, str | int | float | bool | np.generic):
        h.update(repr(value).encode())
    elif isinstance(value, pd.DataFrame):
        _feed_frame(h, value)
    elif isinstance(value, pd.Series):
        _feed_frame(h, value.to_frame())
    elif isinstance(value, np.ndarray):
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            _feed(h, f"{label}.{k}", value[k])
    elif isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        for i, v in enumerate(items):
            _feed(h, f"{label}[{i}]", v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _feed(h, f"{label}.{f.name}", getattr(value, f.name))
    elif hasattr(value, "nodes") and hasattr(value, "edges") and hasattr(value, "graph"):
        _feed_graph(h, value)
    elif hasattr(value, "wkb"):  # a shapely geometry
        h.update(value.wkb)
    else:  # Affine, Path, CRS...: their repr holds their whole value
        h.update(repr(value).encode())


def _feed_frame(h: Any, frame: pd.DataFrame) -> None:
    import shapely

    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    crs = getattr(frame, "crs", None) if hasattr(frame, "geometry") else None
    h.update(repr(crs.to_string() if crs is not None else None).encode())
    _feed_values(h, frame.index)
    for c in frame.columns:
        col = frame[c]
        if str(col.dtype) == "geometry":
            wkb = shapely.to_wkb(np.asarray(col.to_numpy(), dtype=object))
            h.update(b"".join(b if b is not None else b"\x00" for b in wkb))
        else:
            _feed_values(h, col)


def _feed_values(h: Any, series: pd.Series | pd.Index) -> None:
    try:
        h.update(pd.util.hash_pandas_object(series, index=False).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): their repr
        h.update(repr(series.tolist()).encode())


def _feed_graph(h: Any, graph: Any) -> None:
    def attrs(d: dict[str, Any]) -> str:
        return repr(sorted((k, v.wkb_hex if hasattr(v, "wkb_hex") else v) for k, v in d.items()))

    h.update(repr(sorted(graph.graph.items(), key=lambda kv: str(kv[0]))).encode())
    for n, d in graph.nodes(data=True):
        h.update(f"{n!r}{attrs(d)}".encode())
    for e in graph.edges(keys=True, data=True) if graph.is_multigraph() else graph.edges(data=True):
        h.update(f"{e[:-1]!r}{attrs(e[-1])}".encode())


def code_fingerprint() -> str:
    """sha256 of the toolkit's code and data files (the studio excepted), the versions of
    the libraries that compute, and the Python version."""
    import afweging

    pkg = Path(afweging.__file__).resolve().parent
    h = hashlib.sha256(f"{CACHE_FORMAT}:{afweging.__version__}:{sys.version_info[:3]}".encode())
    files = sorted(p for pattern in ("*.py", "*.toml") for p in pkg.rglob(pattern)
                   if "studio" not in p.relative_to(pkg).parts)
    for p in files:
        h.update(str(p.relative_to(pkg)).encode())
        h.update(p.read_bytes())
    for name in _LIBRARIES:  # installed versions (whether imported yet or not)
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}={version}".encode())
    return h.hexdigest()


def settings_snapshot() -> dict[str, Any]:
    """The public values of :mod:`afweging.settings` (numbers, text, paths, flags).

    The worker processes apply them, so a setting changed before the studio starts (in a
    notebook, say) holds for every check."""
    return {k: v for k, v in vars(settings).items()
            if not k.startswith("_") and isinstance(v, bool | int | float | str | Path | tuple)}


def baseline_key(area: Area, *, norms: str | Path | None = None) -> str:
    """The cache key of the baseline of ``area`` (see the module doc)."""
    snap = {k: v for k, v in settings_snapshot().items() if k not in _NOT_IN_KEY}
    h = hashlib.sha256()
    for part in (area_fingerprint(area), code_fingerprint(), repr(sorted(snap.items()))):
        h.update(part.encode())
    if norms is not None:  # an empty override still differs from none in the key
        h.update(b"\x00norms\x00" + Path(norms).read_bytes())
    return h.hexdigest()


#: Settings that do not change a computed number (where files go, how much is printed).
_NOT_IN_KEY = frozenset({"cache_folder", "use_cache", "progress", "requests_timeout_s",
                         "requests_connect_timeout_s", "requests_retries", "requests_backoff_s",
                         "requests_max_wait_s"})


# ============================================================================ the cache
@dataclasses.dataclass(frozen=True)
class CachedBaseline:
    """A baseline in the cache: the pickle the workers read and the page's data.

    Attributes
    ----------
    pickle_path : Path
        The :class:`~afweging.analyses.plan.Baseline` with its area.
    page : dict
        ``area`` (GeoJSON of the buurten with their baseline scores, EPSG:4326),
        ``gebied`` and ``normen`` (see :func:`page_data`).
    key : str
    from_cache : bool
        True when it was read, False when it was computed now.
    seconds : float
        Time to read or compute it.
    temporary : bool
        True when the cache folder could not be written and ``pickle_path`` lies in a
        temporary folder of its own (remove it when done).
    """

    pickle_path: Path
    page: dict[str, Any]
    key: str
    from_cache: bool
    seconds: float
    temporary: bool = False


def cache_folder() -> Path:
    """``settings.cache_folder / "studio"``."""
    return Path(settings.cache_folder) / "studio"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "gebied"


def open_baseline(
    area: Area,
    *,
    norms: str | Path | None = None,
    folder: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> CachedBaseline:
    """The baseline of ``area`` from the cache, or computed and stored there.

    When the cache folder cannot be written, the baseline is written to a new temporary
    folder instead (the studio removes it when it stops).
    """
    say = progress or (lambda m: log.info(m))
    t0 = time.perf_counter()
    key = baseline_key(area, norms=norms)
    folder = folder or cache_folder()
    stem = f"studio-{_slug(area.name)}-{key[:24]}"
    pkl, page_file = folder / f"{stem}.pkl", folder / f"{stem}.json"
    page = _read_page(page_file, key) if pkl.exists() else None
    if page is not None:
        say(f"Uitgangssituatie uit de cache ({pkl})")
        return CachedBaseline(pkl, page, key, True, time.perf_counter() - t0)
    say("Uitgangssituatie doorrekenen (lagen, bereikbaarheid, barcode); dat gebeurt één keer per gebied")
    from afweging.analyses.plan import prepare_baseline

    base = prepare_baseline(area, norms=norms)
    base.warm()  # the pieces every plan check reuses travel with it to the workers
    page = page_data(base)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"studio-{_slug(area.name)}-*"):
            if old.suffix in (".pkl", ".json") and not old.name.startswith(stem):
                old.unlink(missing_ok=True)  # an earlier state of this area: ours
        atomic_write_bytes(pkl, pickle.dumps(base, protocol=pickle.HIGHEST_PROTOCOL))
        atomic_write_bytes(page_file, json.dumps({"key": key, "page": page}, ensure_ascii=False).encode("utf-8"))
    except OSError as exc:
        tmp = Path(tempfile.mkdtemp(prefix="afweging-studio-"))
        say(f"Let op: de cachemap {folder} is niet schrijfbaar ({exc.strerror or exc}); de "
            f"uitgangssituatie staat tijdelijk in {tmp} en wordt de volgende keer opnieuw berekend")
        pkl = tmp / f"{stem}.pkl"
        atomic_write_bytes(pkl, pickle.dumps(base, protocol=pickle.HIGHEST_PROTOCOL))
        return CachedBaseline(pkl, page, key, False, time.perf_counter() - t0, temporary=True)
    return CachedBaseline(pkl, page, key, False, time.perf_counter() - t0)


def _read_page(path: Path, key: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != key or not isinstance(doc.get("page"), dict):
        return None
    page: dict[str, Any] = doc["page"]
    return page


def load_baseline(path: str | Path) -> Any:
    """The :class:`~afweging.analyses.plan.Baseline` stored by :func:`open_baseline`."""
    with Path(path).open("rb") as fh:
        return pickle.load(fh)


# ============================================================================ page data
def page_data(base: Any) -> dict[str, Any]:
    """What the page shows before any plan: the buurten with their baseline scores
    (GeoJSON, EPSG:4326), the area, the themes and the norms of the barcode."""
    from afweging.analyses.plan.report import clean

    area = base.area
    scores = base.scores
    buurt = scores.buurt
    b = area.buurten
    shapes = b.geometry.simplify(1.0).to_crs("EPSG:4326")
    wijknamen = ({} if area.wijken is None or "wijknaam" not in area.wijken.columns
                 else area.wijken["wijknaam"].astype(str).to_dict())
    features = []
    for code, geom in zip(b.index, shapes, strict=True):
        key = str(code)
        wijk = b.at[code, "wijkcode"]
        props = {
            "buurtcode": key,
            "buurtnaam": str(b.at[code, "buurtnaam"]),
            "wijkcode": None if pd.isna(wijk) else str(wijk),
            "wijknaam": wijknamen.get(wijk) if pd.notna(wijk) else None,
            "balansscore": buurt.overall.get(key, np.nan),
            "compleet": bool(buurt.complete.get(key, False)),
            "themas": {t: buurt.themes.at[key, t] for t in buurt.themes.columns} if key in buurt.themes.index else {},
            "inwoners": area.stat("a_inw").get(code, np.nan) if "a_inw" in b.columns else None,
            "woningen": area.stat("a_woning").get(code, np.nan) if "a_woning" in b.columns else None,
        }
        features.append({"type": "Feature", "properties": props,
                         "geometry": json.loads(_geojson(geom))})
    city = scores.find(scores.city_code)
    norms = base.norms
    return clean({
        "area": {"type": "FeatureCollection", "features": features},
        "gebied": {
            "naam": area.name, "gemeentecode": area.gemeentecode, "synthetisch": area.synthetic,
            "buurten": len(b), "cbs_jaar": area.statistics_year,
            "balansscore_stad": city[0].row(city[1]).overall,
            "grenzen": [float(x) for x in shapes.total_bounds],
        },
        "themas": [{"id": t, "label": th.label} for t, th in norms.themes.items()],
        "normen": [{"id": n.id, "label": n.label, "thema": n.theme} for n in norms.area_norms()],
        "minuten": base.minutes,
    })


def _geojson(geom: Any) -> str:
    import shapely

    return str(shapely.to_geojson(shapely.set_precision(geom, 1e-6)))
