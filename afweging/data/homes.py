"""Homes as origin points, with the buurt's inhabitants spread over them.

OSM gives residential *buildings*, not dwellings: one ``building=apartments`` point can
hold fifty flats. We therefore spread in two steps (a simple dasymetric method):

1. The buurt's dwellings (CBS ``a_woning``) are split into single-family
   (``p_1gezw``) and multi-family (``p_mgezw``) dwellings; single-family dwellings are
   spread evenly over the buurt's house-like buildings, multi-family ones over its
   apartment-like buildings. When a buurt lacks one kind of building, or the shares are
   unknown, all dwellings are spread evenly over all its homes.
2. Residents (CBS ``a_inw``) are spread in proportion to those dwellings, so the sum of
   ``residents`` per buurt equals ``a_inw`` exactly.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from afweging._errors import ManifestError
from afweging._format import nl_int, nl_names

#: OSM building values counted as multi-family (apartment) buildings; all others single-family.
MULTI_FAMILY_BUILDINGS = frozenset({"apartments", "residential", "dormitory"})


def spread_residents(
    homes: gpd.GeoDataFrame,
    buurten: pd.DataFrame,
    *,
    kind_column: str | None = "osm_value",
    what: str = "homes",
) -> gpd.GeoDataFrame:
    """Add ``dwellings`` and ``residents`` to ``homes`` (which must have ``buurtcode``).

    Buurten with inhabitants but no homes are reported with a warning; their inhabitants
    are then absent from the homes (the warning says how many).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> b = pd.DataFrame({"a_inw": [30.0], "a_woning": [12.0], "p_1gezw": [50.0], "p_mgezw": [50.0]},
    ...                  index=pd.Index(["BU1"], name="buurtcode"))
    >>> h = gpd.GeoDataFrame({"buurtcode": ["BU1"] * 3, "osm_value": ["house", "house", "apartments"]},
    ...                      geometry=[Point(0, 0)] * 3, crs="EPSG:28992")
    >>> spread_residents(h, b)[["dwellings", "residents"]].to_numpy().tolist()
    [[3.0, 7.5], [3.0, 7.5], [6.0, 15.0]]
    """
    out = homes.copy()
    inw = pd.to_numeric(buurten["a_inw"], errors="coerce")
    won = pd.to_numeric(buurten.get("a_woning", pd.Series(np.nan, index=buurten.index)), errors="coerce")
    p_m = pd.to_numeric(buurten.get("p_mgezw", pd.Series(np.nan, index=buurten.index)), errors="coerce")

    code = out["buurtcode"]
    if kind_column is not None and kind_column in out.columns:
        is_multi = out[kind_column].astype(str).isin(MULTI_FAMILY_BUILDINGS).to_numpy()
    else:
        is_multi = np.zeros(len(out), dtype=bool)

    n_multi = pd.Series(is_multi, index=out.index).groupby(code).sum()
    n_all = code.value_counts()
    n_single = n_all - n_multi.reindex(n_all.index, fill_value=0)

    b_won = won.reindex(n_all.index)
    b_pm = p_m.reindex(n_all.index) / 100.0
    multi_dw = b_won * b_pm
    single_dw = b_won - multi_dw
    # per-building dwelling weight per buurt and kind; fall back to an even spread
    even = b_won.isna() | b_pm.isna() | ((n_multi.reindex(n_all.index, fill_value=0) == 0) & (multi_dw > 0)) | (
        (n_single == 0) & (single_dw > 0)
    )
    w_multi = (multi_dw / n_multi.reindex(n_all.index, fill_value=0).replace(0, np.nan)).where(~even)
    w_single = (single_dw / n_single.replace(0, np.nan)).where(~even)
    w_even = (b_won / n_all).where(b_won.notna(), 1.0)

    wm = code.map(w_multi).to_numpy(dtype=float)
    ws = code.map(w_single).to_numpy(dtype=float)
    we = code.map(w_even).to_numpy(dtype=float)
    use_even = code.map(even).fillna(True).to_numpy(dtype=bool)
    dwellings = np.where(use_even, we, np.where(is_multi, wm, ws))
    dwellings = np.nan_to_num(dwellings, nan=0.0)
    out["dwellings"] = dwellings

    dw_sum = out.groupby("buurtcode")["dwellings"].transform("sum").to_numpy()
    share = np.divide(dwellings, dw_sum, out=np.zeros_like(dwellings), where=dw_sum > 0)
    out["residents"] = share * code.map(inw).to_numpy(dtype=float)

    no_homes = inw[(inw > 0) & ~inw.index.isin(n_all.index)]
    if len(no_homes):
        warnings.warn(
            f"{what}: {len(no_homes)} buurt(en) met inwoners hebben geen woningen in de bron "
            f"({int(no_homes.sum())} inwoners tellen daardoor niet mee in de bereikbaarheid): "
            f"{nl_names(no_homes.index)}",
            stacklevel=2,
        )
    unknown = out["residents"].isna()
    if unknown.any():
        warnings.warn(
            f"{what}: {int(unknown.sum())} woningen liggen in buurten zonder inwonertal (CBS a_inw onbekend); "
            f"hun gewicht is onbekend ('geen gegevens').",
            stacklevel=2,
        )
    return out


#: Most stand-in points :func:`grid_homes_for_empty_buurten` places (about 80 MB of points).
MAX_GRID_POINTS = 1_000_000


def grid_homes_for_empty_buurten(
    homes: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    *,
    spacing_m: float = 100.0,
    what: str = "homes",
) -> gpd.GeoDataFrame:
    """Add stand-in home points for buurten that have inhabitants but no home points.

    The source may miss whole districts (the Utrecht OSM selection has no buildings in
    Leidsche Rijn and Vleuten-De Meern). Rather than drop those inhabitants from every
    per-home analysis, we place points on a regular grid (``spacing_m``) inside such a
    buurt (at least its representative point) and mark them ``origin = "rasterpunt"``;
    real points get ``origin = "bron"``. A warning names the buurten, and the reports
    carry the caveat. Their residents are then spread evenly by
    :func:`spread_residents`.
    """
    out = homes.copy()
    out["origin"] = "bron"
    inw = pd.to_numeric(buurten.get("a_inw", pd.Series(np.nan, index=buurten.index)), errors="coerce")
    have = set(out["buurtcode"].dropna())
    empty = [c for c in buurten.index if inw.get(c, 0) > 0 and c not in have]
    if not empty:
        return out
    from shapely import points as make_points

    bounds = buurten.geometry.loc[empty].bounds
    cells = math.inf
    if math.isfinite(spacing_m) and spacing_m > 0:
        nx = (bounds["maxx"] - bounds["minx"]) / spacing_m + 1
        ny = (bounds["maxy"] - bounds["miny"]) / spacing_m + 1
        cells = float((nx * ny).sum())
    if cells > MAX_GRID_POINTS:  # refuse before allocating (0.01 m would need hundreds of GiB)
        raise ManifestError(
            f"{what}: grid_spacing_m = {spacing_m:g} geeft ongeveer {nl_int(cells)} rasterpunten in "
            f"{len(empty)} buurt(en); meer dan {nl_int(MAX_GRID_POINTS)} kan niet. Kies een grotere "
            f"afstand, bijv. grid_spacing_m = 100."
        )
    rows = []
    for code in empty:
        poly = buurten.geometry.loc[code]
        minx, miny, maxx, maxy = poly.bounds
        xs = np.arange(minx + spacing_m / 2, maxx, spacing_m)
        ys = np.arange(miny + spacing_m / 2, maxy, spacing_m)
        gx, gy = np.meshgrid(xs, ys)
        pts = make_points(gx.ravel(), gy.ravel())
        inside = pts[poly.contains(pts)] if len(pts) else pts
        if len(inside) == 0:
            inside = np.array([poly.representative_point()])
        rows.append(gpd.GeoDataFrame({"buurtcode": [code] * len(inside)}, geometry=list(inside), crs=homes.crs))
    grid = pd.concat(rows, ignore_index=True)
    grid["origin"] = "rasterpunt"
    warnings.warn(
        f"{what}: {len(empty)} buurt(en) met inwoners hebben geen woningen in de bron; hun "
        f"{int(inw[empty].sum())} inwoners zijn benaderd met {len(grid)} rasterpunten "
        f"(elke {spacing_m:.0f} m) in de buurt: {nl_names(empty, 12)}",
        stacklevel=2,
    )
    combined = pd.concat([out, grid], ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=homes.crs)
