"""Reading osmnx GraphML files without importing osmnx.

``osmnx.load_graphml`` needs ``import osmnx``, which costs seconds (osmnx imports
scikit-learn and scipy.stats). This module parses the GraphML with ElementTree and
applies the same type conversion as osmnx 2.1 (``oneway``/``reversed`` to bool,
``length`` to float, ``osmid`` and ``street_count`` to int, stringified lists back to
lists, WKT geometry to shapely LineStrings, int node ids), so the graph equals what
``osmnx.load_graphml`` returns. GraphML ``<default>`` values are ignored, as osmnx does.
Projection to EPSG:28992 is done by :func:`afweging.data.osm.project_graph`.
"""

from __future__ import annotations

import ast
import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from afweging._errors import NetworkError

#: osmnx.load_graphml's default type conversions.
_GRAPH_DTYPES: dict[str, Callable[[Any], Any]] = {}
_NODE_DTYPES: dict[str, Callable[[Any], Any]] = {
    "elevation": float,
    "elevation_res": float,
    "osmid": int,
    "street_count": int,
    "x": float,
    "y": float,
}


def _to_bool(value: Any) -> bool:
    """osmnx's ``_convert_bool_string``, also accepting OSM's yes/no and 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in ("True", "False"):
        return text == "True"
    low = text.lower()
    if low in ("true", "yes", "1"):
        return True
    if low in ("false", "no", "0"):
        return False
    raise ValueError(f"geen ja/nee-waarde (True/False): {value!r}")


_GRAPH_DTYPES.update({"consolidated": _to_bool, "simplified": _to_bool})
_EDGE_DTYPES: dict[str, Callable[[Any], Any]] = {
    "bearing": float,
    "grade": float,
    "grade_abs": float,
    "length": float,
    "oneway": _to_bool,
    "osmid": int,
    "reversed": _to_bool,
    "speed_kph": float,
    "travel_time": float,
}

_GRAPHML_TYPES: dict[str, Callable[[str], Any]] = {
    "string": str,
    "int": int,
    "long": int,
    "integer": int,
    "float": float,
    "double": float,
    "boolean": lambda t: {"true": True, "false": False, "1": True, "0": False}[t.strip().lower()],
}


def _convert_attrs(data: dict[str, Any], dtypes: dict[str, Callable[[Any], Any]], *, where: str, ident: object) -> None:
    """osmnx's attribute conversion, in place: eval stringified lists, then cast types."""
    for attr, value in data.items():
        if isinstance(value, str) and (
            (value.startswith("[") and value.endswith("]"))
            or (value.startswith("{") and value.endswith("}"))
        ):
            with contextlib.suppress(SyntaxError, ValueError):
                data[attr] = ast.literal_eval(value)
    for attr in data.keys() & dtypes.keys():
        value = data[attr]
        try:
            if isinstance(value, list):
                data[attr] = [dtypes[attr](v) for v in value]
            else:
                data[attr] = dtypes[attr](value)
        except (TypeError, ValueError, KeyError) as exc:
            raise NetworkError(
                f"{where} {ident}: attribuut {attr!r} heeft de waarde {value!r}, die niet te lezen is "
                f"({exc}). osmnx schrijft bijv. oneway als True/False en length in meters; herstel de "
                f"waarde of sla de graaf op met `osmnx.save_graphml(G, path)`."
            ) from exc


def _int_or_str(ids: list[str]) -> list[Any]:
    try:
        return [int(i) for i in ids]
    except ValueError:
        return ids


def read_graphml(path: str | Path, *, what: str | None = None) -> nx.MultiDiGraph | nx.MultiGraph:
    """Read an osmnx GraphML file like ``osmnx.load_graphml``, without importing osmnx.

    The graph is returned in the CRS of the file (see :func:`project_graph`).

    Parameters
    ----------
    path : path-like
        A GraphML file written by ``osmnx.save_graphml`` (or any GraphML whose nodes
        carry ``x``/``y`` and whose edges carry ``length``).
    what : str, optional
        Name used in error messages (e.g. ``"[networks.walk] in area.toml"``).

    Raises
    ------
    NetworkError
        When the file is not GraphML, uses unsupported GraphML features (hyperedges,
        nested graphs) or has attribute values osmnx could not read either.
    """
    path = Path(path)
    what = what or str(path)
    fix = "Sla het netwerk op met `osmnx.save_graphml(G, path)`, of geef `format` in het manifest."
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise NetworkError(f"{what}: {path} is geen GraphML-graaf (geen geldige XML: {exc}). {fix}") from exc
    except UnicodeDecodeError as exc:
        raise NetworkError(f"{what}: {path} is geen GraphML-graaf (geen tekst: {exc}). {fix}") from exc
    if not root.tag.endswith("graphml"):
        raise NetworkError(
            f"{what}: {path} is XML maar geen GraphML (het hoofdelement is <{root.tag.split('}')[-1]}>). {fix}"
        )
    ns = root.tag[: -len("graphml")]
    keys: dict[str, tuple[str, Callable[[str], Any]]] = {}
    for k in root.iter(f"{ns}key"):
        kid = k.get("id")
        name = k.get("attr.name") or kid
        if kid is None or name is None:
            continue
        conv = _GRAPHML_TYPES.get((k.get("attr.type") or "string").lower(), str)
        keys[kid] = (name, conv)
    graphs = root.findall(f"{ns}graph")
    if len(graphs) != 1:
        raise NetworkError(f"{what}: {path} bevat {len(graphs)} <graph>-elementen; verwacht wordt één stratennetwerk. {fix}")
    graph_el = graphs[0]
    if graph_el.find(f"{ns}hyperedge") is not None:
        raise NetworkError(f"{what}: {path} bevat hyperedges, die een stratennetwerk niet kan hebben. {fix}")

    data_tag = f"{ns}data"

    def decode(el: ET.Element) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for d in el:
            if d.tag != data_tag:
                continue
            kid = d.get("key")
            spec = keys.get(kid) if kid is not None else None
            if spec is None:
                raise NetworkError(f"{what}: {path} gebruikt datasleutel {kid!r} die geen <key> declareert. {fix}")
            text = d.text
            if text is None or len(d):
                continue  # empty, or a yEd extension with sub-elements
            name, conv = spec
            if conv is str:
                data[name] = text
                continue
            try:
                data[name] = conv(text)
            except (ValueError, KeyError) as exc:
                raise NetworkError(f"{what}: {path}: de waarde {text!r} van {name!r} is ongeldig ({exc}). {fix}") from exc
        return data

    node_ids: list[str] = []
    node_data: list[dict[str, Any]] = []
    for n in graph_el.findall(f"{ns}node"):
        if n.find(f"{ns}graph") is not None:
            raise NetworkError(f"{what}: {path} bevat geneste grafen (yEd-groepen); dat is geen stratennetwerk. {fix}")
        nid = n.get("id")
        if nid is None:
            raise NetworkError(f"{what}: {path} heeft een <node> zonder id. {fix}")
        node_ids.append(nid)
        node_data.append(decode(n))
    e_src: list[str] = []
    e_tgt: list[str] = []
    e_key: list[Any] = []
    e_data: list[dict[str, Any]] = []
    for e in graph_el.findall(f"{ns}edge"):
        s, t = e.get("source"), e.get("target")
        if s is None or t is None:
            raise NetworkError(f"{what}: {path} heeft een <edge> zonder source of target. {fix}")
        data = decode(e)
        eid = e.get("id")
        key: Any
        if eid:
            try:
                key = int(eid)
            except ValueError:
                key = eid
        else:
            key = data.get("key")
        e_src.append(s)
        e_tgt.append(t)
        e_key.append(key)
        e_data.append(data)
    graph_data = decode(graph_el)

    # node ids: int like osmnx (node_type=int), else strings
    all_ids = _int_or_str(node_ids + e_src + e_tgt)
    n_nodes, n_edges = len(node_ids), len(e_src)
    nids = all_ids[:n_nodes]
    srcs = all_ids[n_nodes : n_nodes + n_edges]
    tgts = all_ids[n_nodes + n_edges :]

    directed = graph_el.get("edgedefault", "undirected") == "directed"
    G: nx.MultiDiGraph | nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    for attr in graph_data.keys() & _GRAPH_DTYPES.keys():
        graph_data[attr] = _GRAPH_DTYPES[attr](graph_data[attr])
    G.graph.update(graph_data)

    for nid, data in zip(nids, node_data, strict=True):
        _convert_attrs(data, _NODE_DTYPES, where=f"{what}: {path.name} node", ident=nid)
    wkt_pos: list[int] = []
    wkts: list[str] = []
    for i, data in enumerate(e_data):
        data.pop("id", None)
        _convert_attrs(data, _EDGE_DTYPES, where=f"{what}: {path.name} edge", ident=(srcs[i], tgts[i]))
        geom = data.get("geometry")
        if isinstance(geom, str):
            wkt_pos.append(i)
            wkts.append(geom)
    if wkts:
        import shapely

        try:
            geoms = shapely.from_wkt(np.asarray(wkts, dtype=object))
        except shapely.errors.GEOSException as exc:
            raise NetworkError(f"{what}: {path.name}: een lijngeometrie is geen geldige WKT ({exc}). {fix}") from exc
        for i, g in zip(wkt_pos, geoms, strict=True):
            e_data[i]["geometry"] = g
    G.add_nodes_from(zip(nids, node_data, strict=True))
    G.add_edges_from(zip(srcs, tgts, e_key, e_data, strict=True))
    return G
