"""Green layer: public green per buurt, per dwelling and per household, and green near homes.

Two routes, chosen by what the Area holds:

* **Green polygons** (``area.green`` with Polygon/MultiPolygon): the polygons are merged
  (overlaps count once) and split into connected green areas. Green m² per buurt is the
  area of the merged green inside the buurt; a home is near green when its straight-line
  distance to the *edge* of a green area of at least 0.5 ha is at most 300 m (0 inside).
* **Only points** (``area.green`` with points, or facilities of category ``park`` as in
  the Utrecht OSM data): no area can be measured from a point, so the m² indicators and
  the 75 m² and *versteend* flags are NaN with method ``no data`` (no area is invented
  per park point). The near-green share is a labelled **proxy**: a home counts when a
  park point lies within 300 m + r, with r = sqrt(5,000 m² / pi) = 39.9 m, the radius of
  a round park of exactly 0.5 ha (its centre lies r from its edge). This overstates
  access where a point is a park smaller than 0.5 ha and understates it for large parks
  whose edge lies farther than r from their point.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import STRtree

from afweging import settings
from afweging._format import nl_number
from afweging.geo.area import Area
from afweging.layers._base import LayerResult
from afweging.layers._common import add_note, method_row, resident_share_pct, safe_ratio
from afweging.layers._context import LayerContext
from afweging.layers._greenspace import green_m2_per_buurt, green_parts, green_polygons

LAYER = "green"

#: Indicator columns of this layer.
COLUMNS = (
    "green_public_m2",
    "green_pct_land",
    "green_m2_per_dwelling",
    "green_m2_per_household",
    "green_pct_homes_within_300m_of_05ha",
    "green_below_75m2_per_dwelling",
    "green_versteend",
)

def point_allowance_m() -> float:
    """Radius of a round green area of :data:`settings.green_min_area_m2` (39.9 m for 0.5 ha).

    Added to the 300 m when green is only known as points (see module doc).

    Examples
    --------
    >>> round(point_allowance_m(), 1)
    39.9
    """
    return math.sqrt(settings.green_min_area_m2 / math.pi)


def green_layer(area: Area | LayerContext) -> LayerResult:
    """Public green per buurt.

    Columns: ``green_public_m2``; ``green_pct_land`` (% of the land area: CBS
    ``a_lan_ha``, the polygon area where CBS has none); ``green_m2_per_dwelling`` (CBS
    ``a_woning``) and ``green_m2_per_household`` (CBS ``a_hh``), NaN where there are no
    dwellings/households; ``green_pct_homes_within_300m_of_05ha`` (resident-weighted % of
    homes within 300 m of the edge of a green area >= 0.5 ha); ``green_below_75m2_per_dwelling``
    (< 75 m² per dwelling) and ``green_versteend`` (< 75 m² per dwelling, as stand-in for
    "per address", or no green area >= 1 ha in the buurt), nullable booleans.

    The thresholds are :data:`afweging.settings.green_min_area_m2`,
    ``green_max_distance_m``, ``green_norm_m2_per_dwelling`` and
    ``green_versteend_min_area_m2``. See the module doc for the polygon and point routes.

    Parameters
    ----------
    area : Area or LayerContext

    Returns
    -------
    LayerResult
        With ``method`` ``measured`` (polygons), ``proxy`` (near-green share from points)
        or ``no data``.
    """
    ctx = LayerContext.of(area)
    if ctx.green_polygons is not None:
        return _from_polygons(ctx)
    return _from_points(ctx)


__all__ = [
    "COLUMNS",
    "green_layer",
    "green_m2_per_buurt",
    "green_parts",
    "green_points",
    "green_polygons",
    "point_allowance_m",
]


def _from_polygons(ctx: LayerContext) -> LayerResult:
    assert ctx.green_parts is not None and ctx.green_m2 is not None
    parts = ctx.green_parts
    green_m2, largest = ctx.green_m2
    dwellings = ctx.cbs_or_nan("a_woning", layer=LAYER)
    households = ctx.cbs_or_nan("a_hh", layer=LAYER)
    per_dwelling = safe_ratio(green_m2, dwellings)
    norm = settings.green_norm_m2_per_dwelling
    below = _nullable_less(per_dwelling, norm)
    has_large = pd.Series(largest >= settings.green_versteend_min_area_m2, dtype="boolean")
    versteend = below | ~has_large  # Kleene logic: no large green makes it True even if NA

    src = ctx.source("green", default="groenvlakken in het gebied")
    stats = ctx.statistics_source
    values: dict[str, pd.Series] = {
        "green_public_m2": green_m2,
        "green_pct_land": 100.0 * safe_ratio(green_m2, ctx.land_m2),
        "green_m2_per_dwelling": per_dwelling,
        "green_m2_per_household": safe_ratio(green_m2, households),
        "green_below_75m2_per_dwelling": below,
        "green_versteend": versteend,
    }
    rows = [
        method_row("green_public_m2", layer=LAYER, unit="m²", method="measured", source=src,
                   description="Oppervlak openbaar groen binnen de buurtgrens (overlappende "
                               "groenvlakken één keer geteld)."),
        method_row("green_pct_land", layer=LAYER, unit="%", method="measured",
                   source=f"{src}; {stats}",
                   description=f"Openbaar groen als % van het {ctx.land_text}."),
        method_row("green_m2_per_dwelling", layer=LAYER, unit="m² per woning", method="measured",
                   source=f"{src}; {stats}",
                   description="Openbaar groen in de buurt gedeeld door het aantal woningen "
                               "(CBS a_woning); leeg waar de buurt geen woningen heeft."),
        method_row("green_m2_per_household", layer=LAYER, unit="m² per huishouden",
                   method="measured", source=f"{src}; {stats}",
                   description="Openbaar groen in de buurt gedeeld door het aantal huishoudens "
                               "(CBS a_hh); leeg waar de buurt geen huishoudens heeft."),
    ]
    near_value, near_row, near_caveats = _near_green_polygons(ctx, parts)
    values["green_pct_homes_within_300m_of_05ha"] = near_value
    rows.append(near_row)
    rows += [
        method_row("green_below_75m2_per_dwelling", layer=LAYER, unit="ja/nee", method="measured",
                   source=f"{src}; richtlijn 75 m² per woning (Structuurschema Groene Ruimte / Nota Ruimte)",
                   description=f"Minder dan {norm:g} m² openbaar groen per woning in de buurt; "
                               f"leeg waar de buurt geen woningen heeft."),
        method_row("green_versteend", layer=LAYER, unit="ja/nee", method="measured",
                   source=f"{src}; maat van Natuur & Milieu / Sweco",
                   description=f"Versteend: minder dan {norm:g} m² openbaar groen per woning "
                               f"(woningen als benadering van adressen) en/of geen groengebied van "
                               f"minstens {settings.green_versteend_min_area_m2 / 10_000:g} ha dat "
                               f"(deels) in de buurt ligt."),
    ]
    caveats = [
        "Groen: alleen het openbaar groen in de opgegeven groenvlakken telt; privétuinen niet.",
        *near_caveats,
    ]
    return ctx.result(values, rows, caveats)


def _near_green_polygons(
    ctx: LayerContext, parts: gpd.GeoDataFrame
) -> tuple[pd.Series, dict[str, str], list[str]]:
    col = "green_pct_homes_within_300m_of_05ha"
    src = ctx.source("green", default="groenvlakken in het gebied")
    homes = ctx.homes
    dist = settings.green_max_distance_m
    min_ha = settings.green_min_area_m2 / 10_000
    if homes is None:
        return _no_homes(ctx, col)
    large = parts[parts["part_area_m2"] >= settings.green_min_area_m2]
    near = _within(homes, large.geometry.to_numpy(), dist)
    value = resident_share_pct(near, homes, ctx.index)
    row = method_row(
        col, layer=LAYER, unit="% inwoners", method="measured",
        source=f"{src}; {ctx.source('homes', default='woningen')}",
        description=f"Aandeel inwoners (gewogen naar bewoners per woning) met een groengebied van "
                    f"minstens {nl_number(min_ha, 1)} ha binnen {dist:g} m hemelsbreed, gemeten tot de rand van "
                    f"het groen (3-30-300-regel). Leeg waar de buurt geen bewoonde woningen heeft.",
    )
    add_note([row], [col], ctx.standin_note)
    return value, row, []


# ---------------------------------------------------------------------------- points
def green_points(area: Area | LayerContext) -> tuple[np.ndarray, str, str] | None:
    """Point locations of green when no polygons exist, their Dutch source label and piece.

    ``area.green`` made of points comes first (piece ``"green"``), then facilities of
    category ``park`` (piece ``"facilities"``).
    """
    ctx = LayerContext.of(area)
    green, fac = ctx.area.green, ctx.area.facilities
    if green is not None and len(green) > 0:
        pts = green[green.geometry.geom_type == "Point"]
        if len(pts):
            return pts.geometry.to_numpy(), ctx.source("green", default="groenpunten"), "green"
    if fac is not None and len(fac) > 0:
        parks = fac[fac["category"] == "park"]
        if len(parks):
            src = ctx.source("facilities", default="voorzieningen")
            return parks.geometry.to_numpy(), f"{src}, categorie park (punten)", "facilities"
    return None


def _from_points(ctx: LayerContext) -> LayerResult:
    index = ctx.index
    reason = ctx.missing("green")
    points = green_points(ctx)
    nan = ctx.nan()
    nab = pd.Series(pd.NA, index=index, dtype="boolean")
    no_area = (f"Geen groenvlakken (polygonen) in dit gebied ({reason}). "
               + ("Groen is alleen als punten bekend; een oppervlak kan uit een punt niet "
                  "gemeten worden, dus geen waarde (er wordt geen oppervlak per parkpunt "
                  "verzonnen)." if points is not None else "Ook geen parken als punten."))
    values: dict[str, pd.Series] = {
        "green_public_m2": nan, "green_pct_land": nan, "green_m2_per_dwelling": nan,
        "green_m2_per_household": nan, "green_below_75m2_per_dwelling": nab,
        "green_versteend": nab,
    }
    units = {"green_public_m2": "m²", "green_pct_land": "%",
             "green_m2_per_dwelling": "m² per woning", "green_m2_per_household": "m² per huishouden",
             "green_below_75m2_per_dwelling": "ja/nee", "green_versteend": "ja/nee"}
    rows = {c: method_row(c, layer=LAYER, unit=u, method="no data", source="geen",
                          description=no_area) for c, u in units.items()}
    caveats = ["Groen: geen groenvlakken, dus geen m² groen per buurt, per woning of per "
               "huishouden en geen oordeel 'versteend'."]
    col = "green_pct_homes_within_300m_of_05ha"
    homes = ctx.homes
    if points is None:
        values[col] = nan
        rows[col] = method_row(col, layer=LAYER, unit="% inwoners", method="no data", source="geen",
                               description=f"Geen groenvlakken en geen parkpunten ({reason}).")
    elif homes is None:
        values[col], rows[col], _ = _no_homes(ctx, col)
    else:
        geoms, src, piece = points
        allowance = point_allowance_m()
        dist = settings.green_max_distance_m
        near = _points_within(homes, geoms, dist + allowance)
        share = resident_share_pct(near, homes, index)
        gaps = ctx.coverage_gaps(piece)
        gap_text = ""
        if len(gaps):
            share[gaps] = np.nan
            gap_names = ", ".join(ctx.names.loc[gaps].astype(str))
            gap_text = (f" Leeg voor {len(gaps)} buurt(en) buiten de dekking van de bron (inwoners "
                        f"volgens CBS maar geen woning in het bronbestand, dus ook geen parkpunten): "
                        f"{gap_names}.")
            caveats.append("Groen:" + gap_text)
        values[col] = share
        rows[col] = method_row(
            col, layer=LAYER, unit="% inwoners", method="proxy",
            source=f"{src}; {ctx.source('homes', default='woningen')}",
            description=(
                f"PROXY: groen is alleen als punten bekend, dus de afstand tot de rand van het "
                f"groen is niet te meten. Aandeel inwoners (gewogen naar bewoners per woning) met "
                f"een parkpunt binnen {dist:g} + {nl_number(allowance, 1)} m hemelsbreed; {nl_number(allowance, 1)} m = "
                f"straal van een rond park van precies {nl_number(settings.green_min_area_m2 / 10_000, 1)} ha "
                f"(wortel(5.000 m² / pi)). Overschat waar een punt een park kleiner dan "
                f"{nl_number(settings.green_min_area_m2 / 10_000, 1)} ha is, onderschat bij grote parken."
                + gap_text
            ),
        )
        caveats.append(
            f"Groen binnen {dist:g} m is een proxy: parken zijn punten, gerekend met "
            f"{dist:g} m + {nl_number(allowance, 1)} m tot het parkpunt."
        )
        warnings.warn(
            f"groen: {ctx.area.name!r} heeft geen groenvlakken ({reason}); het aandeel woningen "
            f"bij groen is een proxy uit parkpunten ({dist:g} m + {allowance:.1f} m) en de "
            f"m²-indicatoren zijn 'geen gegevens'.",
            stacklevel=3,
        )
    ordered = [rows[c] for c in COLUMNS]
    add_note(ordered, [col], ctx.standin_note)
    return ctx.result(values, ordered, caveats)


# ---------------------------------------------------------------------------- shared
def _within(homes: gpd.GeoDataFrame, geoms: np.ndarray, distance_m: float) -> np.ndarray:
    """1.0 where a home lies within ``distance_m`` of any geometry (0 inside a polygon)."""
    near = np.zeros(len(homes), dtype=float)
    if len(geoms) == 0:
        return near
    tree = STRtree(geoms)
    hits = tree.query(homes.geometry.to_numpy(), predicate="dwithin", distance=distance_m)
    near[hits[0]] = 1.0
    return near


class _NearMemo:
    """What :func:`_points_within` found last: per home (by coordinates) the first park
    point within the distance. A plan check asks again with the same homes (plus a few
    new ones) and the same park points (plus a few new ones at the end), so only the new
    homes and the new points are searched; a point pair is judged exactly as before, so
    the answer is the same."""

    def __init__(self) -> None:
        self.entry: tuple[float, np.ndarray, pd.Index, np.ndarray] | None = None


_NEAR_MEMO = _NearMemo()


def _points_within(homes: gpd.GeoDataFrame, points: np.ndarray, distance_m: float) -> np.ndarray:
    """:func:`_within` for park points, remembering the answer (see :class:`_NearMemo`)."""
    import shapely

    pxy = shapely.get_coordinates(points)
    hxy = shapely.get_coordinates(homes.geometry.to_numpy())
    if len(pxy) != len(points) or len(hxy) != len(homes) or len(pxy) == 0:
        return _within(homes, points, distance_m)  # not all single points: no memo
    hkey = hxy[:, 0] + 1j * hxy[:, 1]
    entry = _NEAR_MEMO.entry
    if entry is not None and entry[0] == distance_m:
        _, known_pxy, known_homes, first = entry
        k = min(len(known_pxy), len(pxy))
        differ = np.flatnonzero((known_pxy[:k] != pxy[:k]).any(axis=1))
        k = int(differ[0]) if len(differ) else k
        pos = known_homes.get_indexer(hkey)
        if k > 0 and (pos >= 0).any():
            near = np.where(pos >= 0, first[np.where(pos >= 0, pos, 0)] < k, False)
            if k < len(pxy):  # the points after the shared ones, for every home
                for x, y in pxy[k:]:
                    dx, dy = hxy[:, 0] - x, hxy[:, 1] - y
                    near |= np.sqrt(dx * dx + dy * dy) <= distance_m  # as GEOS measures it
            new = np.flatnonzero(pos < 0)
            if len(new):  # homes not seen before, against every point
                hits = STRtree(points).query(homes.geometry.to_numpy()[new], predicate="dwithin",
                                             distance=distance_m)
                near[new[hits[0]]] = True
            return near.astype(float)
    tree = STRtree(points)
    hits = tree.query(homes.geometry.to_numpy(), predicate="dwithin", distance=distance_m)
    first = np.full(len(homes), len(points), dtype=np.int64)
    np.minimum.at(first, hits[0], hits[1])
    once = ~pd.Index(hkey).duplicated()  # homes on one spot have one answer
    _NEAR_MEMO.entry = (distance_m, pxy, pd.Index(hkey[once]), first[once])
    return (first < len(points)).astype(float)


def _no_homes(ctx: LayerContext, col: str) -> tuple[pd.Series, dict[str, str], list[str]]:
    row = method_row(col, layer=LAYER, unit="% inwoners", method="no data", source="geen",
                     description=f"Geen woningen in dit gebied ({ctx.missing('homes')}).")
    return ctx.nan(), row, []


def _nullable_less(values: pd.Series, threshold: float) -> pd.Series:
    """``values < threshold`` as a nullable boolean (NA where the value is NaN)."""
    out = pd.Series(values < threshold, dtype="boolean")
    out[values.isna()] = pd.NA
    return out
