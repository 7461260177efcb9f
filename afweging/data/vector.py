"""Local vector files (GeoPackage, GeoJSON, Shapefile...) read with pyogrio, checked on entry."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from afweging._errors import InputFileNotFoundError, InvalidGeometryError, ManifestError, NoCrsError
from afweging.geo.crs import to_rd

try:  # reading through Arrow is about twice as fast (pyarrow is a core dependency)
    import pyarrow  # noqa: F401

    _HAS_ARROW = True
except ImportError:  # pragma: no cover
    _HAS_ARROW = False


def read_vector(
    path: str | Path,
    *,
    layer: str | None = None,
    what: str,
    assign_crs: str | None = None,
    columns: list[str] | None = None,
    where: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer and return it in EPSG:28992.

    Parameters
    ----------
    path : path-like
        The file.
    layer : str, optional
        Layer name for multi-layer files (GeoPackage).
    what : str
        What this file is (e.g. ``"[buurten] in area.toml"``), used in messages.
    assign_crs : str, optional
        CRS to assume when the file has none (the manifest's ``crs`` key of the section).
        Without it, a file without CRS is refused.
    columns, where : optional
        Passed to :func:`pyogrio.read_dataframe` to read only what is needed.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"{what}: het bestand {path} bestaat niet. Controleer het pad (relatief aan het manifest).")
    if layer is not None:
        try:
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        except pyogrio.errors.DataSourceError as exc:
            raise ManifestError(
                f"{what}: {path} is geen leesbaar GIS-bestand ({exc}). Gebruik een GeoPackage, "
                f"GeoJSON of Shapefile, of controleer het pad."
            ) from exc
        if layer not in names:
            raise ManifestError(
                f"{what}: het bestand {path} heeft geen laag {layer!r}; de lagen zijn {names}. "
                f"Zet `layer` op een daarvan."
            )
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer, columns=columns, where=where, use_arrow=_HAS_ARROW)
    except pyogrio.errors.DataSourceError as exc:
        raise ManifestError(
            f"{what}: {path} is geen leesbaar GIS-bestand ({exc}). Gebruik een GeoPackage, "
            f"GeoJSON of Shapefile, of controleer het pad."
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ManifestError(f"{what}: {path} (laag {layer}) heeft geen geometriekolom.")
    if gdf.crs is None:
        if assign_crs is None:
            raise NoCrsError(
                f"{what}: {path} heeft geen coördinatenstelsel (CRS). Zet `crs = \"EPSG:28992\"` "
                f"in deze sectie van het manifest als de coördinaten RD New-meters zijn "
                f"(of de juiste EPSG-code), of herstel het bestand: `ogr2ogr -a_srs EPSG:28992 goed.gpkg {path.name}`."
            )
        gdf = gdf.set_crs(assign_crs)
    return to_rd(gdf, what=f"{what} ({path})")


def check_geometries(
    gdf: gpd.GeoDataFrame,
    *,
    what: str,
    kinds: tuple[str, ...],
    id_column: str | None = None,
) -> None:
    """Refuse empty, missing, invalid or wrongly typed geometries, naming the features."""
    ids = gdf[id_column] if id_column and id_column in gdf.columns else gdf.index.to_series()
    problems: list[str] = []
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        problems.append(f"geen geometrie: {ids[missing.to_numpy()].astype(str).tolist()[:10]}")
    present = ~missing
    wrong = present & ~gdf.geometry.geom_type.isin(kinds)
    if wrong.any():
        problems.append(
            f"geometrietype niet {' of '.join(kinds)}: {ids[wrong.to_numpy()].astype(str).tolist()[:10]}"
        )
    invalid = present & ~wrong & ~gdf.geometry.is_valid
    if invalid.any():
        from shapely.validation import explain_validity

        examples = [
            f"{i} ({explain_validity(g)})"
            for i, g in zip(ids[invalid.to_numpy()].astype(str)[:5], gdf.geometry[invalid][:5], strict=False)
        ]
        problems.append(
            f"{int(invalid.sum())} ongeldige geometrieën, bijv. {examples}. Herstel ze, bijv. in "
            f"QGIS (Vector > Geometrie > Geometrieën repareren) of met `gdf.geometry = gdf.make_valid()`"
        )
    if problems:
        raise InvalidGeometryError(f"{what}: " + "; ".join(problems) + ".")
