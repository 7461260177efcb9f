"""OpenStreetMap: street graphs (GraphML, .osm XML) and tagged points."""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx

from afweging import settings
from afweging._errors import InputFileNotFoundError, NetworkError


def project_graph(graph: nx.MultiDiGraph, *, what: str) -> nx.MultiDiGraph:
    """Project an osmnx graph to EPSG:28992 and check it is usable for routing."""
    import osmnx as ox
    from pyproj import CRS

    if "crs" not in graph.graph:
        raise NetworkError(
            f"{what}: the graph has no 'crs' attribute. osmnx graphs carry one; for a "
            f"hand-made graph set `G.graph['crs'] = 'EPSG:28992'` (or the CRS of its x/y)."
        )
    if graph.number_of_nodes() == 0 or graph.number_of_edges() == 0:
        raise NetworkError(f"{what}: the graph has no nodes or no edges.")
    if CRS.from_user_input(graph.graph["crs"]) != CRS.from_user_input(settings.crs):
        graph = ox.project_graph(graph, to_crs=settings.crs)
    missing_len = sum(1 for *_, d in graph.edges(data=True) if "length" not in d)
    if missing_len:
        raise NetworkError(
            f"{what}: {missing_len} edges have no 'length' (metres). Build the graph with "
            f"osmnx (which adds it) or add it: `ox.distance.add_edge_lengths(G)`."
        )
    return graph


def read_graph(path: str | Path, *, format: str | None = None, what: str | None = None) -> nx.MultiDiGraph:
    """Read a street network file and return it projected to EPSG:28992.

    Parameters
    ----------
    path : path-like
        ``.graphml`` (osmnx), ``.osm`` (OSM XML) or ``.osm.pbf``.
    format : {"graphml", "osm", "pbf"}, optional
        Guessed from the suffix when omitted.
    """
    import osmnx as ox

    path = Path(path)
    what = what or str(path)
    if not path.exists():
        raise InputFileNotFoundError(f"{what}: network file {path} does not exist.")
    fmt = (format or "").lower() or _guess_format(path)
    if fmt == "graphml":
        try:
            graph = ox.load_graphml(path)
        except Exception as exc:  # osmnx/networkx raise many kinds on a non-graph file
            raise NetworkError(
                f"{what}: {path} could not be read as an osmnx GraphML graph ({type(exc).__name__}: {exc}). "
                f"Save the network with `osmnx.save_graphml(G, path)`."
            ) from exc
    elif fmt in ("osm", "xml"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                graph = ox.graph_from_xml(path, simplify=True, retain_all=False)
        except Exception as exc:
            raise NetworkError(f"{what}: {path} could not be read as OSM XML ({type(exc).__name__}: {exc}).") from exc
    elif fmt == "pbf":
        graph = graph_from_pbf(path, what=what)
    else:
        raise NetworkError(f"{what}: unknown network format {fmt!r}; use 'graphml', 'osm' or 'pbf'.")
    if not isinstance(graph, nx.MultiDiGraph):
        raise NetworkError(f"{what}: {path} is not a directed multigraph (osmnx MultiDiGraph).")
    return project_graph(graph, what=what)


def _guess_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return "pbf"
    if name.endswith(".osm") or name.endswith(".osm.xml"):
        return "osm"
    if name.endswith(".graphml"):
        return "graphml"
    return path.suffix.lstrip(".")


def graph_from_pbf(path: Path, *, what: str) -> nx.MultiDiGraph:
    """Read an ``.osm.pbf`` extract: converted to OSM XML with pyosmium, then osmnx.

    Needs the optional dependency ``osmium`` (``pip install afweging[pbf]``).
    """
    try:
        import osmium
    except ImportError as exc:
        from afweging._errors import OptionalDependencyError

        raise OptionalDependencyError(
            f"{what}: reading .osm.pbf needs pyosmium: `pip install 'afweging[pbf]'` "
            f"(or convert it first: `osmium cat {path.name} -o extract.osm`)."
        ) from exc
    import tempfile

    import osmnx as ox

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "extract.osm"
        writer = osmium.SimpleWriter(str(xml))
        try:
            for obj in osmium.FileProcessor(str(path)):
                writer.add(obj)
        finally:
            writer.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return ox.graph_from_xml(xml, simplify=True, retain_all=False)
