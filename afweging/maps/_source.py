"""The Dutch source line of maps and reports, built from ``Area.provenance``."""

from __future__ import annotations

from collections.abc import Sequence

from afweging.geo.area import Area

#: Dutch names of Area pieces, for sources given only as a file name.
PIECE_NL: dict[str, str] = {
    "buurten": "buurtgrenzen",
    "wijken": "wijkgrenzen",
    "statistics": "statistiek",
    "homes": "woningen",
    "facilities": "voorzieningen",
    "green": "groen",
    "lines:cycleways": "fietspaden",
}


def source_text(area: Area, pieces: Sequence[str] | None = None) -> str:
    """The Dutch source line of a map: ``"Bron: CBS Kerncijfers wijken en buurten 2023; ..."``.

    Built from ``area.provenance`` (the pieces used; default: all). OpenStreetMap sources
    are credited as "© OpenStreetMap-bijdragers (ODbL)", once.

    Examples
    --------
    >>> from afweging.geo.area import Provenance
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame({"buurtnaam": ["A"], "wijkcode": ["W"]}, geometry=[box(0, 0, 1, 1)],
    ...     index=pd.Index(["BU1"], name="buurtcode"), crs="EPSG:28992")
    >>> a = Area("X", b, provenance={"statistics": Provenance("CBS 2023"),
    ...     "facilities": Provenance("OpenStreetMap (ODbL)"), "homes": Provenance("OSM buildings")})
    >>> source_text(a)
    'Bron: CBS 2023; © OpenStreetMap-bijdragers (ODbL). Bewerking: afweging.'
    """
    keys = list(area.provenance) if pieces is None else [p for p in pieces if p in area.provenance]
    parts: list[str] = []
    osm = False
    for key in keys:
        prov = area.provenance[key]
        text = prov.label()
        if "openstreetmap" in text.lower() or text.lower().startswith("osm"):
            osm = True
            continue
        if text.lower().endswith((".gpkg", ".csv", ".tif", ".graphml", ".geojson")):
            text = f"{PIECE_NL.get(key, key)} ({text})"
        if text not in parts:
            parts.append(text)
    if osm:
        parts.append("© OpenStreetMap-bijdragers (ODbL)")
    if area.synthetic and not any("synthetisch" in p.lower() for p in parts):
        parts.insert(0, "synthetisch demogebied (geen echte gegevens)")
    if not parts:
        return "Bewerking: afweging."
    return "Bron: " + "; ".join(parts) + ". Bewerking: afweging."

