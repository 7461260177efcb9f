"""OpenStreetMap: street graphs (GraphML, OSM XML, .osm.pbf, online) and tagged points.

Every graph this module returns follows the osmnx conventions the reachability engine
relies on (``docs/architecture.md``): a ``networkx.MultiDiGraph`` with graph attribute
``crs`` (EPSG:28992), node attributes ``x``/``y`` in RD metres, and edge attributes
``length`` (m, float), ``oneway`` (bool), ``highway`` and, where the edge is not a
straight line, ``geometry`` (a shapely LineString in RD).

Reading GraphML does *not* import osmnx (importing osmnx costs seconds because it
imports scikit-learn and scipy.stats): :func:`read_graphml` (``_graphml.py``) parses the
file with ElementTree and applies osmnx's type conversion, and :func:`project_graph`
projects it with one vectorised pyproj call. The result equals
``ox.project_graph(ox.load_graphml(path), to_crs="EPSG:28992")`` (the tests check this
on the Utrecht graphs). osmnx is still used for OSM XML, ``.osm.pbf`` and online
downloads.
"""

from __future__ import annotations

import contextlib
import logging
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from afweging import settings
from afweging._errors import InputFileNotFoundError, NetworkError, OptionalDependencyError
from afweging.data._graphml import read_graphml

log = logging.getLogger(__name__)

#: Travel modes and the osmnx ``network_type`` used for each.
NETWORK_TYPES: dict[str, str] = {"walk": "walk", "bike": "bike"}

#: Way filters per mode, in Overpass QL. They are osmnx 2.1's built-in ``walk`` and
#: ``bike`` filters (``osmnx._overpass._get_network_filter`` with the default
#: ``["access"!~"private"]``), copied here so that OSM XML and .osm.pbf files are
#: filtered exactly like an online download. Note that the walk filter drops
#: ``highway=cycleway`` (also in the Utrecht graphs, see SOURCES.md).
WAY_FILTERS: dict[str, str] = {
    "walk": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|'
        'platform|proposed|raceway|razed|rest_area|services"]'
        '["foot"!~"no"]["service"!~"private"]'
        '["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]'
        '["sidewalk:left"!~"separate"]["sidewalk:right"!~"separate"]'
    ),
    "bike": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bus_guideway|construction|corridor|elevator|'
        "escalator|footway|motor|no|planned|platform|proposed|raceway|razed|"
        'rest_area|services|steps"]'
        '["bicycle"!~"no"]["service"!~"private"]'
    ),
}

#: Extra way tags kept on edges besides osmnx's ``useful_tags_way`` (the bike engine
#: reads ``oneway:bicycle``).
EXTRA_WAY_TAGS = ("oneway:bicycle",)

# ----------------------------------------------------------------------- projection


def _same_crs(a: Any, b: Any) -> bool:
    from pyproj import CRS

    return bool(CRS.from_user_input(a) == CRS.from_user_input(b))


def _project_to_rd(graph: nx.MultiDiGraph, *, what: str) -> nx.MultiDiGraph:
    """Vectorised ``ox.project_graph(graph, to_crs=settings.crs)``.

    Node ``x``/``y`` and edge ``geometry`` are transformed with one pyproj call each
    (``always_xy``, as geopandas does). The new graph is built the way osmnx builds it
    (edges first, in the input's edge order, then any isolated nodes), so node and edge
    order are the same as osmnx's.
    """
    import shapely
    from pyproj import CRS, Transformer

    target = CRS.from_user_input(settings.crs)
    transformer = Transformer.from_crs(CRS.from_user_input(graph.graph["crs"]), target, always_xy=True)
    nodes = list(graph.nodes)
    try:
        xs = np.fromiter((graph.nodes[n]["x"] for n in nodes), dtype=float, count=len(nodes))
        ys = np.fromiter((graph.nodes[n]["y"] for n in nodes), dtype=float, count=len(nodes))
    except KeyError as exc:
        bad = [n for n in nodes if "x" not in graph.nodes[n] or "y" not in graph.nodes[n]][:5]
        raise NetworkError(
            f"{what}: knopen {bad} hebben geen 'x'/'y'-coördinaten. osmnx-grafen hebben die; "
            f"voeg ze per knoop toe als lengte/breedte (of in het stelsel van de graaf)."
        ) from exc
    px, py = transformer.transform(xs, ys)
    if not (np.all(np.isfinite(px)) and np.all(np.isfinite(py))):
        raise NetworkError(
            f"{what}: sommige coördinaten zijn niet om te zetten van {graph.graph['crs']} naar "
            f"{settings.crs}; controleer het attribuut 'crs' van de graaf."
        )

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    edges = list(graph.edges(keys=True, data=True))
    geom_pos = [i for i, (*_, d) in enumerate(edges) if d.get("geometry") is not None]
    if geom_pos:
        geoms = np.asarray([edges[i][3]["geometry"] for i in geom_pos], dtype=object)
        projected = shapely.transform(geoms, fn)
    out = nx.MultiDiGraph(**graph.graph)
    new_edges: list[tuple[Any, Any, Any, dict[str, Any]]] = list(edges)  # networkx copies the dicts
    if geom_pos:
        for i, g in zip(geom_pos, projected, strict=True):
            u, v, k, d = new_edges[i]
            new_edges[i] = (u, v, k, {**d, "geometry": g})
    out.add_edges_from(new_edges)
    out.add_nodes_from(n for n in nodes if n not in out)
    for n, x, y in zip(nodes, px.tolist(), py.tolist(), strict=True):
        d = out.nodes[n]
        d.update(graph.nodes[n])
        d["x"] = x
        d["y"] = y
    out.graph["crs"] = target
    return out


def project_graph(graph: nx.MultiDiGraph, *, what: str) -> nx.MultiDiGraph:
    """Project an osmnx-style graph to EPSG:28992 and check it is usable for routing.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Graph with a ``crs`` graph attribute, node ``x``/``y`` and edge ``length``.
    what : str
        Name of the graph for messages.

    Raises
    ------
    NetworkError
        No ``crs``, no nodes or edges, nodes without coordinates or edges without
        ``length``.
    """
    if not isinstance(graph, nx.MultiDiGraph):
        raise NetworkError(
            f"{what}: de graaf is een {type(graph).__name__}, geen gerichte multigraaf "
            f"(networkx.MultiDiGraph) zoals osmnx die maakt. Zet hem om met `nx.MultiDiGraph(G)` "
            f"(een straat in twee richtingen heeft dan een lijn per richting nodig)."
        )
    if "crs" not in graph.graph:
        raise NetworkError(
            f"{what}: de graaf heeft geen attribuut 'crs'. osmnx-grafen hebben dat; zet bij een "
            f"zelfgemaakte graaf `G.graph['crs'] = 'EPSG:28992'` (of het stelsel van zijn x/y)."
        )
    if graph.number_of_nodes() == 0 or graph.number_of_edges() == 0:
        raise NetworkError(f"{what}: de graaf heeft geen knopen of geen lijnen.")
    if not _same_crs(graph.graph["crs"], settings.crs):
        graph = _project_to_rd(graph, what=what)
    else:
        no_xy = [n for n, d in graph.nodes(data=True) if "x" not in d or "y" not in d][:5]
        if no_xy:
            raise NetworkError(f"{what}: knopen {no_xy} hebben geen 'x'/'y'-coördinaten (RD-meters).")
    missing_len = sum(1 for *_, d in graph.edges(data=True) if "length" not in d)
    if missing_len:
        raise NetworkError(
            f"{what}: {missing_len} lijn(en) hebben geen 'length' (meters). Maak de graaf met "
            f"osmnx (dat die toevoegt) of voeg ze toe: `ox.distance.add_edge_lengths(G)`."
        )
    return graph


# ------------------------------------------------------------------------ reading


def read_graph(
    path: str | Path,
    *,
    format: str | None = None,
    what: str | None = None,
    mode: str | None = None,
    retain_all: bool = False,
) -> nx.MultiDiGraph:
    """Read a street network file and return it projected to EPSG:28992.

    Parameters
    ----------
    path : path-like
        ``.graphml`` (osmnx), ``.osm`` (OSM XML) or ``.osm.pbf``.
    format : {"graphml", "osm", "pbf"}, optional
        Guessed from the suffix when omitted.
    what : str, optional
        Name used in error messages.
    mode : {"walk", "bike"}, optional
        For OSM XML and .osm.pbf: which ways to keep (osmnx's walk/bike filters,
        :data:`WAY_FILTERS`) and whether to add both directions of one-way streets
        (walk). Required for those formats; ignored for GraphML (already filtered).
    retain_all : bool, default False
        OSM XML and .osm.pbf: keep every weakly connected piece, not only the largest
        (osmnx's ``retain_all``). A GraphML graph is read as it is, every piece included.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx conventions, ``crs`` EPSG:28992.
    """
    path = Path(path)
    what = what or str(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"{what}: het netwerkbestand {path} bestaat niet. Controleer het pad (relatief aan het "
            f"manifest)."
        )
    fmt = (format or "").lower() or _guess_format(path)
    graph: nx.MultiDiGraph | nx.MultiGraph
    if fmt == "graphml":
        graph = read_graphml(path, what=what)
    elif fmt in ("osm", "xml"):
        graph = graph_from_osm_xml(path, mode=_need_mode(mode, what), what=what, retain_all=retain_all)
    elif fmt == "pbf":
        graph = graph_from_pbf(path, mode=_need_mode(mode, what), what=what, retain_all=retain_all)
    else:
        raise NetworkError(f"{what}: onbekend netwerkformaat {fmt!r}; gebruik format = \"graphml\", \"osm\" of \"pbf\".")
    if not isinstance(graph, nx.MultiDiGraph):
        raise NetworkError(
            f"{what}: {path} bevat een ongerichte graaf; een stratennetwerk is een gerichte "
            f"multigraaf (osmnx MultiDiGraph, `edgedefault=\"directed\"` in GraphML)."
        )
    return project_graph(graph, what=what)


def _need_mode(mode: str | None, what: str) -> str:
    if mode not in NETWORK_TYPES:
        from afweging._errors import UnknownModeError

        raise UnknownModeError(
            f"{what}: om OSM-gegevens te lezen is de vervoerswijze nodig (die bepaalt welke wegen "
            f"meetellen); gekregen {mode!r}, gebruik een van {list(NETWORK_TYPES)}."
        )
    return str(mode)


def _guess_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return "pbf"
    if name.endswith(".osm") or name.endswith(".osm.xml"):
        return "osm"
    if name.endswith(".graphml"):
        return "graphml"
    return path.suffix.lstrip(".")


# ---------------------------------------------------------------- OSM XML and PBF

_FILTER_RE = re.compile(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]')


def no_ways_error(mode: str, *, what: str, path: Path) -> NetworkError:
    """An extract without a way for ``mode`` (the OSM readers here and in ``streets``)."""
    return NetworkError(
        f"{what}: {path} bevat geen wegen voor {mode!r} (geen highway=*-weg past in het "
        f"osmnx-filter voor {mode}). Is dit een stratenuitsnede van het goede gebied?"
    )


def missing_nodes_error(missing: Sequence[int] | np.ndarray, *, what: str, path: Path) -> NetworkError:
    """Ways that name nodes the extract lacks (cut at its border without complete ways)."""
    return NetworkError(
        f"{what}: {path}: wegen verwijzen naar {len(missing)} knopen die niet in het bestand staan "
        f"(bijv. {list(missing[:3])}). Maak de uitsnede met volledige wegen (osmium extract "
        f"--strategy complete_ways)."
    )


def way_filter(mode: str) -> Callable[[dict[str, str]], bool]:
    """A predicate on a way's tags implementing the Overpass filter of ``mode``.

    Overpass semantics: ``["k"]`` needs the key; ``["k"~"re"]`` needs the key with a
    value matching ``re``; ``["k"!~"re"]`` refuses a value matching ``re`` (a missing
    key passes). Matching is a regex *search*, as in Overpass.

    Examples
    --------
    >>> ok = way_filter("walk")
    >>> ok({"highway": "residential"}), ok({"highway": "cycleway"}), ok({"building": "yes"})
    (True, False, False)
    >>> way_filter("bike")({"highway": "cycleway"})
    True
    """
    clauses = [
        (k, op, re.compile(v) if op else None) for k, op, v in _FILTER_RE.findall(WAY_FILTERS[mode])
    ]

    keys = list(dict.fromkeys(k for k, _, _ in clauses))
    seen: dict[tuple[str | None, ...], bool] = {}

    def ok(tags: Any) -> bool:
        """``tags``: a dict or anything with ``.get`` (pyosmium's TagList)."""
        values = tuple(tags.get(k) for k in keys)
        hit = seen.get(values)
        if hit is None:
            hit = test(dict(zip(keys, values, strict=True)))
            if len(seen) < 100_000:  # a few thousand combinations in a national extract
                seen[values] = hit
        return hit

    def test(tags: dict[str, str | None]) -> bool:
        for key, op, rx in clauses:
            value = tags.get(key)
            if not op:
                if value is None:
                    return False
            elif op == "~":
                if value is None or rx is None or not rx.search(value):
                    return False
            elif value is not None and rx is not None and rx.search(value):
                return False
        return True

    return ok


_Node = tuple[float, float, dict[str, str]]  # lon, lat, tags
_Way = tuple[int, list[int], dict[str, str]]  # id, node refs, tags


def _iter_osm_xml(path: Path, *, what: str) -> Iterator[tuple[str, Any]]:
    """Yield ("node", (id, lon, lat, tags)) and ("way", (id, refs, tags)) from OSM XML."""
    try:
        for _, el in ET.iterparse(path, events=("end",)):
            if el.tag == "node":
                tags = {t.get("k", ""): t.get("v", "") for t in el.findall("tag")}
                yield "node", (int(el.get("id", "0")), float(el.get("lon", "nan")), float(el.get("lat", "nan")), tags)
                el.clear()
            elif el.tag == "way":
                refs = [int(nd.get("ref", "0")) for nd in el.findall("nd")]
                tags = {t.get("k", ""): t.get("v", "") for t in el.findall("tag")}
                yield "way", (int(el.get("id", "0")), refs, tags)
                el.clear()
            elif el.tag == "relation":
                el.clear()
    except ET.ParseError as exc:
        raise NetworkError(f"{what}: {path} is geen OSM XML ({exc}). Exporteer het uit OSM als .osm (XML).") from exc


def _write_osm_xml(
    nodes: dict[int, _Node], ways: list[_Way], out: Path
) -> None:
    root = ET.Element("osm", version="0.6", generator="afweging")
    for nid, (lon, lat, tags) in nodes.items():
        n = ET.SubElement(root, "node", id=str(nid), lat=repr(lat), lon=repr(lon), version="1")
        for k, v in tags.items():
            ET.SubElement(n, "tag", k=k, v=v)
    for wid, refs, tags in ways:
        w = ET.SubElement(root, "way", id=str(wid), version="1")
        for r in refs:
            ET.SubElement(w, "nd", ref=str(r))
        for k, v in tags.items():
            ET.SubElement(w, "tag", k=k, v=v)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def _graph_from_elements(
    nodes: dict[int, _Node], ways: Iterable[_Way], *, mode: str, what: str, path: Path, retain_all: bool = False
) -> nx.MultiDiGraph:
    """Filter ways for ``mode`` and build the graph with ``osmnx.graph_from_xml`` (the
    kept ways and their nodes only)."""
    ok = way_filter(mode)
    kept = [w for w in ways if ok(w[2])]
    if not kept:
        raise no_ways_error(mode, what=what, path=path)
    used = {r for _, refs, _ in kept for r in refs}
    missing = [r for r in used if r not in nodes]
    if missing:
        raise missing_nodes_error(missing, what=what, path=path)
    import osmnx as ox

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "ways.osm"
        # the nodes in the caller's order (an XML file's own), not a set's: osmnx keeps the
        # piece met first on a tie for the largest
        _write_osm_xml({n: v for n, v in nodes.items() if n in used}, kept, xml)
        with _osmnx_settings(ox, mode):
            graph = ox.graph_from_xml(xml, bidirectional=mode in ox.settings.bidirectional_network_types,
                                      simplify=True, retain_all=retain_all)
    return graph


def graph_from_osm_xml(path: str | Path, *, mode: str, what: str | None = None,
                       retain_all: bool = False) -> nx.MultiDiGraph:
    """Street graph for ``mode`` from an OSM XML file (EPSG:4326; project it afterwards).

    Ways are filtered with :func:`way_filter` (osmnx's own filters), so the graph equals
    what ``osmnx.graph_from_polygon(..., network_type=mode)`` would build from the same
    data; then osmnx builds, simplifies and keeps the largest weakly connected component
    (every component with ``retain_all=True``).
    """
    path = Path(path)
    what = what or str(path)
    nodes: dict[int, _Node] = {}
    ways: list[_Way] = []
    for kind, item in _iter_osm_xml(path, what=what):
        if kind == "node":
            nid, lon, lat, tags = item
            nodes[nid] = (lon, lat, tags)
        else:
            ways.append(item)
    if not nodes and not ways:
        raise NetworkError(f"{what}: {path} bevat geen OSM-knopen of -wegen. Exporteer een stratenuitsnede uit OSM als .osm (XML).")
    return _graph_from_elements(nodes, ways, mode=mode, what=what, path=path, retain_all=retain_all)


def graph_from_pbf(path: str | Path, *, mode: str = "walk", what: str | None = None,
                   retain_all: bool = False) -> nx.MultiDiGraph:
    """Street graph for ``mode`` from an ``.osm.pbf`` extract (EPSG:4326).

    Needs the optional dependency pyosmium (``pip install 'afweging[pbf]'``). The ways
    that pass the mode's filter and their nodes are read with pyosmium, then built into a
    graph as in :func:`graph_from_osm_xml` (``retain_all`` as there).
    """
    path = Path(path)
    what = what or str(path)
    try:
        import osmium
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{what}: voor het lezen van .osm.pbf is pyosmium nodig: `pip install 'afweging[pbf]'` "
            f"(of zet het bestand eerst om naar OSM XML: `osmium cat {path.name} -o extract.osm` "
            f"en zet `format = \"osm\"`)."
        ) from exc
    ok = way_filter(mode)
    nodes: dict[int, _Node] = {}
    ways: list[_Way] = []
    try:
        processor: Any = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
        obj: Any
        for obj in processor:
            if obj.is_way():
                tags = {t.k: t.v for t in obj.tags}
                if not ok(tags):
                    continue
                refs = []
                for nd in obj.nodes:
                    if nd.location.valid():
                        nodes.setdefault(nd.ref, (nd.location.lon, nd.location.lat, {}))
                    refs.append(nd.ref)
                ways.append((obj.id, refs, tags))
            elif obj.is_node() and len(obj.tags):
                # keep node tags osmnx uses (highway=traffic_signals, ref, ...)
                nodes[obj.id] = (obj.location.lon, obj.location.lat, {t.k: t.v for t in obj.tags})
    except RuntimeError as exc:
        raise NetworkError(f"{what}: {path} is niet te lezen als .osm.pbf ({exc}).") from exc
    if not ways:
        raise no_ways_error(mode, what=what, path=path)
    # in order of first appearance in the ways, as the array reader (streets._read_pbf) has them
    used = dict.fromkeys(r for _, refs, _ in ways for r in refs)
    return _graph_from_elements({n: nodes[n] for n in used if n in nodes}, ways, mode=mode, what=what, path=path,
                                retain_all=retain_all)


# ------------------------------------------------------------------------- online

#: Overpass API root osmnx queries (``ox.settings.overpass_url``'s default); a manifest's
#: ``url`` replaces it (a mirror, e.g. ``https://overpass.kumi.systems/api``).
OVERPASS_URL = "https://overpass-api.de/api"

#: Server-side time limit of one Overpass query (``[timeout:...]``), seconds; also the read
#: timeout of the request (osmnx uses one number for both).
OVERPASS_TIMEOUT_S = 180.0


def _overpass_retry_hook(response: Any, *args: Any, **kwargs: Any) -> Any:
    """A requests response hook for osmnx's Overpass calls: retry 429 and 5xx answers.

    osmnx pauses a fixed 55 s after a 429 or 504 and retries forever. This hook answers
    first: it waits as long as the ``Retry-After`` header says, or for a 429 without one,
    until the next free slot that Overpass announces on ``/status`` (osmnx's
    ``_get_overpass_pause``), else the toolkit's backoff; it retries up to
    ``settings.requests_retries`` times and then raises a Dutch
    :class:`~afweging._errors.HttpStatusError`. osmnx never caches a failed answer.
    """
    import requests
    from requests.hooks import default_hooks

    from afweging._errors import HttpStatusError
    from afweging.data import _cache

    status = int(response.status_code)
    if status not in _cache.RETRY_STATUSES or response.url.rstrip("/").endswith("/status"):
        return response
    retries = max(int(settings.requests_retries), 0)
    for attempt in range(retries):
        wait = _cache.retry_after_s(response.headers.get("Retry-After"))
        if wait is None and status == 429:
            wait = _overpass_slot_wait(response.url)
        wait = _cache.backoff_s(attempt, wait)
        log.warning("OpenStreetMap (Overpass): HTTP %d; nieuwe poging over %.0f s (%d/%d)",
                    status, wait, attempt + 1, retries)
        _cache._sleep(wait)
        req = response.request.copy()
        req.hooks = default_hooks()
        with requests.Session() as session:
            response = session.send(req, **kwargs)
        status = int(response.status_code)
        if status not in _cache.RETRY_STATUSES:
            return response
    detail = _cache.server_detail(bytes(response.content))
    raise HttpStatusError(
        f"OpenStreetMap (Overpass): {response.url} antwoordde HTTP {status}: {detail!r}, ook na "
        f"{retries} nieuwe pogingen. Overpass is overbelast of beperkt het aantal verzoeken: probeer "
        f"het later opnieuw, of kies een andere Overpass-server met `url` in de sectie "
        f"(bijv. \"https://overpass.kumi.systems/api\"). Dit antwoord is niet in de cache bewaard.",
        status=status, detail=detail, url=str(response.url),
    )


def _overpass_slot_wait(url: str) -> float | None:
    """Seconds until Overpass has a free slot for us (its ``/status`` page), via osmnx."""
    import osmnx as ox

    base = url.split("/interpreter")[0]
    try:
        return float(ox._overpass._get_overpass_pause(base))
    except Exception as exc:  # an unreadable status page falls back to the backoff
        log.info("Overpass-status van %s is onleesbaar (%s); wacht volgens de backoff", base, exc)
        return None


@contextlib.contextmanager
def _osmnx_settings(ox: Any, mode: str | None = None, *, url: str | None = None) -> Iterator[None]:
    """osmnx settings for one call: the toolkit's cache folder, timeouts, Overpass slots
    and retries, and the Overpass ``url``."""
    saved = {
        "cache_folder": ox.settings.cache_folder,
        "use_cache": ox.settings.use_cache,
        "requests_timeout": ox.settings.requests_timeout,
        "requests_kwargs": ox.settings.requests_kwargs,
        "overpass_rate_limit": ox.settings.overpass_rate_limit,
        "overpass_url": ox.settings.overpass_url,
        "useful_tags_way": list(ox.settings.useful_tags_way),
        "log_console": ox.settings.log_console,
    }
    ox.settings.cache_folder = str(Path(settings.cache_folder) / "osmnx")
    ox.settings.use_cache = bool(settings.use_cache)
    ox.settings.requests_timeout = OVERPASS_TIMEOUT_S
    ox.settings.requests_kwargs = {**ox.settings.requests_kwargs, "hooks": {"response": [_overpass_retry_hook]}}
    ox.settings.overpass_rate_limit = True  # wait for a free slot (Overpass /status) before a query
    ox.settings.overpass_url = (url or OVERPASS_URL).rstrip("/")
    ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, *EXTRA_WAY_TAGS]))
    ox.settings.log_console = False
    try:
        with warnings.catch_warnings():
            # osmnx warns about its own XML files and about future changes; not ours to fix
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", FutureWarning)
            yield
    except (ox._errors.ResponseStatusCodeError, *_request_errors()) as exc:
        from afweging._errors import DownloadError

        raise DownloadError(
            f"OpenStreetMap (Overpass): {ox.settings.overpass_url} gaf geen bruikbaar antwoord "
            f"({type(exc).__name__}: {exc}). Controleer de internetverbinding en `url` in de sectie, "
            f"of probeer het later opnieuw. Er is niets in de cache bewaard."
        ) from exc
    finally:
        for k, v in saved.items():
            setattr(ox.settings, k, v)


def _request_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.RequestException,)


def _polygon_to_wgs84(polygon: Any, crs: Any, *, what: str) -> Any:
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is None:
            from afweging._errors import NoCrsError

            raise NoCrsError(f"{what}: de polygoon heeft geen coördinatenstelsel; zet het (bijv. EPSG:28992).")
        polygon = polygon.to_crs("EPSG:4326").union_all()
    else:
        if not isinstance(polygon, Polygon | MultiPolygon):
            from afweging._errors import InvalidGeometryError

            raise InvalidGeometryError(
                f"{what}: verwacht een (Multi)Polygon, bijv. `area.buurten.union_all()`; gekregen "
                f"{type(polygon).__name__}."
            )
        polygon = gpd.GeoSeries([polygon], crs=crs).to_crs("EPSG:4326").iloc[0]
    if not polygon.is_valid:
        polygon = polygon.buffer(0)
    return polygon


def download_graph(polygon: Any, *, mode: str, crs: Any = None, url: str | None = None,
                   retain_all: bool = False) -> nx.MultiDiGraph:
    """The OSM street graph for ``mode`` inside a polygon as osmnx builds it (EPSG:4326).

    ``osmnx.graph_from_polygon`` with ``network_type=mode`` (simplified, largest weakly
    connected component, or every component with ``retain_all=True``), osmnx's HTTP cache in ``settings.cache_folder / "osmnx"``,
    Overpass slots and retries (:func:`_osmnx_settings`) and ``oneway:bicycle`` kept on
    the edges. :func:`graph_from_polygon` projects it; ``afweging fetch`` saves it as
    GraphML.

    Parameters
    ----------
    polygon : shapely (Multi)Polygon, GeoSeries or GeoDataFrame
    mode : {"walk", "bike"}
    crs : optional
        CRS of a bare shapely polygon (default: EPSG:28992).
    url : str, optional
        Overpass API root (default :data:`OVERPASS_URL`).
    retain_all : bool, default False
        Keep every weakly connected piece (osmnx's ``retain_all``), not only the largest.
    """
    what = f"OpenStreetMap {mode}-netwerk"
    mode = _need_mode(mode, what)
    poly = _polygon_to_wgs84(polygon, crs or settings.crs, what=what)
    import osmnx as ox

    with _osmnx_settings(ox, mode, url=url):
        try:
            return ox.graph_from_polygon(poly, network_type=NETWORK_TYPES[mode], simplify=True,
                                         retain_all=retain_all)
        except ox._errors.InsufficientResponseError as exc:
            raise NetworkError(f"{what}: OpenStreetMap heeft geen {mode}-straten in deze polygoon ({exc}). Controleer of "
                f"het studiegebied (de buurten) in Nederland ligt en in het goede coördinatenstelsel.") from exc


def graph_from_polygon(polygon: Any, *, mode: str, crs: Any = None, url: str | None = None,
                       retain_all: bool = False) -> nx.MultiDiGraph:
    """Download the OSM street graph for ``mode`` inside a polygon, in EPSG:28992.

    :func:`download_graph` projected with :func:`project_graph`.

    Parameters
    ----------
    polygon : shapely (Multi)Polygon, GeoSeries or GeoDataFrame
        The area, e.g. ``area.buurten.union_all()``; a GeoSeries/GeoDataFrame carries
        its own CRS.
    mode : {"walk", "bike"}
    crs : optional
        CRS of a bare shapely polygon (default: EPSG:28992).
    url : str, optional
        Overpass API root (default :data:`OVERPASS_URL`).
    retain_all : bool, default False
        Keep every weakly connected piece (osmnx's ``retain_all``), not only the largest.
    """
    graph = download_graph(polygon, mode=mode, crs=crs, url=url, retain_all=retain_all)
    return project_graph(graph, what=f"OpenStreetMap {mode}-netwerk")


def category_tags(table: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """The OSM tags of the facility table as an osmnx ``tags`` dict ({key: [values]}).

    Examples
    --------
    >>> category_tags()["leisure"][:2]
    ['playground', 'common']
    """
    from afweging.data import tags as tagtable

    table = table or tagtable.load_tag_table()
    out: dict[str, list[str]] = {}
    for cat in table.values():
        for k, v in cat.tags:
            out.setdefault(k, [])
            if v not in out[k]:
                out[k].append(v)
    return out


def points_from_polygon(
    polygon: Any, *, tags: dict[str, list[str]] | None = None, crs: Any = None,
    keep_tags: Sequence[str] = ("healthcare:speciality",), url: str | None = None,
) -> Any:
    """Download tagged OSM features inside a polygon as points, one row per matching tag.

    The layout is that of ``utrecht_osm_features_points.gpkg`` so the result feeds the
    ``osm-tags`` format of ``[facilities]`` and ``[homes]``: ``osm_type`` (node / way /
    relation), ``osm_id_num``, ``osm_key``, ``osm_value``, ``name`` and a Point in
    EPSG:28992 (a point inside each polygon for ways and relations), plus the tags in
    ``keep_tags`` that a feature carries (for the tag table's ``if_tagged``).

    Parameters
    ----------
    polygon : shapely (Multi)Polygon, GeoSeries or GeoDataFrame
    tags : dict, optional
        ``{key: [values]}``; default: every tag of the facility table
        (:func:`category_tags`). Add ``{"building": ["house", "apartments", ...]}`` for
        homes.
    crs : optional
        CRS of a bare shapely polygon (default: EPSG:28992).
    keep_tags : sequence of str
        Further tag columns to keep (default ``healthcare:speciality``).
    url : str, optional
        Overpass API root (default :data:`OVERPASS_URL`).
    """
    import geopandas as gpd

    what = "OpenStreetMap-punten"
    poly = _polygon_to_wgs84(polygon, crs or settings.crs, what=what)
    tags = tags or category_tags()
    import osmnx as ox

    with _osmnx_settings(ox, url=url):
        try:
            gdf = ox.features_from_polygon(poly, tags=dict(tags))
        except ox._errors.InsufficientResponseError:
            gdf = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    return _features_to_points(gdf, tags, keep_tags=keep_tags)


def _features_to_points(gdf: Any, tags: dict[str, list[str]], *, keep_tags: Sequence[str] = ()) -> Any:
    """osmnx features (index element/id, tag columns) -> one point per (feature, tag)."""
    import geopandas as gpd
    import pandas as pd

    extra = [k for k in keep_tags if k in gdf.columns]
    cols = ["osm_type", "osm_id_num", "osm_key", "osm_value", "name"]
    if len(gdf) == 0:
        empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in cols}, geometry=[], crs=settings.crs)
        empty["osm_id_num"] = empty["osm_id_num"].astype("int64")
        return empty
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    pts = gdf.geometry.where(gdf.geom_type == "Point", gdf.geometry.representative_point())
    pts = gpd.GeoSeries(pts, crs=gdf.crs).to_crs(settings.crs)
    idx = gdf.index
    if isinstance(idx, pd.MultiIndex):
        el = idx.get_level_values(0).astype(str)
        oid = idx.get_level_values(-1)
    else:
        el = pd.Index(["node"] * len(gdf))
        oid = idx
    names = gdf["name"] if "name" in gdf.columns else pd.Series(np.nan, index=gdf.index)
    parts = []
    for key, values in tags.items():
        if key not in gdf.columns:
            continue
        val = gdf[key]
        mask = val.notna().to_numpy().copy()
        if values is not True and not isinstance(values, bool):
            mask &= val.astype(str).isin([str(v) for v in values]).to_numpy()
        if not mask.any():
            continue
        parts.append(
            gpd.GeoDataFrame(
                {
                    "osm_type": np.asarray(el)[mask],
                    "osm_id_num": np.asarray(oid, dtype="int64")[mask],
                    "osm_key": key,
                    "osm_value": val.astype(str).to_numpy()[mask],
                    "name": names.to_numpy()[mask],
                    **{k: gdf[k].to_numpy()[mask] for k in extra},
                },
                geometry=pts.to_numpy()[mask],
                crs=settings.crs,
            )
        )
    if not parts:
        return _features_to_points(gdf.iloc[0:0], tags)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=settings.crs)
