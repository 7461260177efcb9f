"""Helpers shared by the five layers: method records, weighting, CBS columns, land area.

Private: the public helper :func:`weighted_mean` is re-exported by
:mod:`afweging.layers`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from afweging.geo.area import PIECES, Area
from afweging.layers._base import LayerResult, Method


def method_row(
    indicator: str,
    *,
    layer: str,
    unit: str,
    method: Method,
    source: str,
    description: str,
) -> dict[str, str]:
    """One row of a :attr:`LayerResult.methods` table."""
    return {
        "indicator": indicator,
        "layer": layer,
        "unit": unit,
        "method": method,
        "source": source,
        "description": description,
    }


def make_result(
    area: Area, values: dict[str, pd.Series], rows: list[dict[str, str]], caveats: list[str]
) -> LayerResult:
    """Assemble a :class:`LayerResult` on the buurten index, columns in ``rows`` order."""
    index = area.buurten.index
    frame = pd.DataFrame({r["indicator"]: values[r["indicator"]].reindex(index) for r in rows})
    frame.index.name = "buurtcode"
    return LayerResult(frame, LayerResult.method_table(rows), caveats)


def source_label(area: Area, piece: str, *, default: str) -> str:
    """Dutch source line of a piece of the area (provenance), or ``default``."""
    prov = area.provenance.get(piece)
    if prov is None:
        return default
    return prov.label()


def missing_reason(area: Area, piece: str) -> str:
    """Why a piece is missing (Dutch), for method descriptions."""
    return area.missing.get(piece, "niet opgegeven")


def piece_name(piece: str) -> str:
    """Dutch name of a piece, e.g. ``"hittekaart (PET)"``."""
    return PIECES.get(piece, piece)


def cbs(area: Area, column: str) -> pd.Series | None:
    """A CBS column of the buurten as floats, or ``None`` when the column is absent."""
    if column not in area.buurten.columns:
        return None
    return pd.to_numeric(area.buurten[column], errors="coerce").astype(float)


def cbs_or_nan(area: Area, column: str, *, layer: str) -> pd.Series:
    """A CBS column as floats; all-NaN with a warning when the statistics lack it."""
    s = cbs(area, column)
    if s is None:
        warnings.warn(
            f"{layer}: de buurten van {area.name!r} hebben geen CBS-kolom {column!r}; "
            f"indicatoren die hem nodig hebben zijn leeg (NaN). Voeg hem toe aan het "
            f"[statistics]-bestand (CBS kwb-indeling).",
            stacklevel=3,
        )
        return pd.Series(np.nan, index=area.buurten.index, dtype=float)
    return s


def safe_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` with NaN (never inf) where the denominator is 0 or NaN."""
    den = denominator.astype(float)
    den = den.where(den > 0)
    return numerator.astype(float) / den


def land_area_m2(area: Area) -> tuple[pd.Series, int]:
    """Land area per buurt in m² and the number of buurten that used the fallback.

    CBS ``a_lan_ha`` (land without water, whole hectares) where it is known and > 0;
    otherwise the area of the buurt polygon (which includes water).
    """
    geom_m2 = area.buurten.geometry.area.astype(float)
    cbs_ha = cbs(area, "a_lan_ha")
    if cbs_ha is None:
        return geom_m2, len(geom_m2)
    use_cbs = cbs_ha > 0
    out = (cbs_ha * 10_000.0).where(use_cbs, geom_m2)
    return out, int((~use_cbs).sum())


def land_area_text(n_fallback: int, n_total: int) -> str:
    """Dutch description of :func:`land_area_m2`."""
    text = "landoppervlak volgens CBS (a_lan_ha, hele hectaren)"
    if n_fallback == n_total:
        return "oppervlak van de buurtgrens (CBS a_lan_ha ontbreekt; inclusief water)"
    if n_fallback:
        text += f"; voor {n_fallback} buurt(en) zonder a_lan_ha het oppervlak van de buurtgrens"
    return text


def homes_in_buurten(area: Area) -> gpd.GeoDataFrame | None:
    """The homes that lie in a buurt of the area, ``residents`` as float, or ``None``."""
    if area.homes is None or len(area.homes) == 0:
        return None
    homes = area.homes
    homes = homes[homes["buurtcode"].isin(area.buurten.index)]
    return homes.assign(residents=pd.to_numeric(homes["residents"], errors="coerce").astype(float))


def standin_note(homes: pd.DataFrame | None) -> str:
    """Dutch note when some homes are stand-in grid points (``origin == "rasterpunt"``)."""
    if homes is None or "origin" not in homes.columns:
        return ""
    codes = homes.loc[homes["origin"] == "rasterpunt", "buurtcode"].dropna().unique()
    if len(codes) == 0:
        return ""
    return (f" In {len(codes)} buurt(en) zonder woningen in de bron staan rasterpunten voor de "
            f"woningen (bewoners gelijk verdeeld); daar is de waarde een benadering.")


def add_note(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str], note: str) -> None:
    """Append ``note`` to the description of the method rows of ``columns`` (in place)."""
    if not note:
        return
    for row in rows:
        if row["indicator"] in columns and row["method"] != "no data":
            row["description"] += note


def coverage_gaps(area: Area, piece: str) -> pd.Index:
    """Buurten outside the coverage of a point source (``"facilities"`` or ``"green"``).

    Only decidable when the homes come from the same file as ``piece``: a buurt with CBS
    inhabitants (``a_inw`` > 0) but no home point *from that file* (homes with
    ``origin == "rasterpunt"`` are stand-ins, not from the file) lies outside the file.
    In Utrecht the OSM points miss most of wijk Vleuten-De Meern this way.
    """
    empty = pd.Index([], name="buurtcode")
    homes = area.homes
    if homes is None or len(homes) == 0:
        return empty
    p_piece, p_homes = area.provenance.get(piece), area.provenance.get("homes")
    if p_piece is None or p_homes is None or not p_piece.path or p_piece.path != p_homes.path:
        return empty
    inhabitants = cbs(area, "a_inw")
    if inhabitants is None:
        return empty
    if "origin" in homes.columns:
        homes = homes[homes["origin"] != "rasterpunt"]
    with_homes = area.buurten.index.isin(homes["buurtcode"].dropna().unique())
    gap = (inhabitants > 0).to_numpy() & ~with_homes
    return area.buurten.index[gap]


def resident_share_pct(
    flag: pd.Series | np.ndarray, homes: pd.DataFrame, index: pd.Index
) -> pd.Series:
    """Resident-weighted % of homes per buurt where ``flag`` is true.

    ``flag`` is aligned with the rows of ``homes``; NaN flags (unknown, e.g. a home on a
    nodata cell) are left out of numerator and denominator. Buurten whose known homes
    hold no residents get NaN.

    Examples
    --------
    >>> homes = pd.DataFrame({"buurtcode": ["A", "A", "B"], "residents": [1.0, 3.0, 0.0]})
    >>> resident_share_pct(np.array([1.0, 0.0, 1.0]), homes, pd.Index(["A", "B", "C"])).tolist()
    [25.0, nan, nan]
    """
    f = np.asarray(flag, dtype=float)
    w = homes["residents"].to_numpy(dtype=float)
    known = ~np.isnan(f) & ~np.isnan(w)
    codes = homes["buurtcode"].to_numpy()
    num = pd.Series(np.where(known, f * w, 0.0)).groupby(codes).sum()
    den = pd.Series(np.where(known, w, 0.0)).groupby(codes).sum()
    return (100.0 * safe_ratio(num, den)).reindex(index)


def resident_coverage(known: np.ndarray, homes: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Share (0-1) of a buurt's home residents whose value is known."""
    w = homes["residents"].to_numpy(dtype=float)
    w = np.where(np.isnan(w), 0.0, w)
    codes = homes["buurtcode"].to_numpy()
    num = pd.Series(np.where(known, w, 0.0)).groupby(codes).sum()
    den = pd.Series(w).groupby(codes).sum()
    return safe_ratio(num, den).reindex(index)


def weighted_mean(
    values: pd.Series | pd.DataFrame, weights: pd.Series, *, by: pd.Series | None = None
) -> Any:
    """Weighted mean of indicator values, e.g. dwelling-weighted per wijk or city.

    Rows where the value or the weight is NaN are left out (of the weights too), so an
    unknown value never counts as zero. A group whose known weights sum to 0 gets NaN.

    Parameters
    ----------
    values : Series or DataFrame
        Indexed like ``weights`` (normally by buurtcode).
    weights : Series
        E.g. ``area.buurten["a_woning"]`` (dwellings) or ``a_inw`` (residents).
    by : Series, optional
        Group label per row (e.g. ``area.buurten["wijkcode"]``); without it, one value
        for all rows.

    Returns
    -------
    float, Series or DataFrame
        A float for a Series without ``by``; a Series per column for a DataFrame without
        ``by``; per group otherwise (index = group labels).

    Examples
    --------
    >>> v = pd.Series([10.0, 40.0, np.nan], index=["a", "b", "c"])
    >>> w = pd.Series([3.0, 1.0, 100.0], index=["a", "b", "c"])
    >>> weighted_mean(v, w)
    17.5
    >>> weighted_mean(v, w, by=pd.Series(["x", "y", "x"], index=v.index)).tolist()
    [10.0, 40.0]
    """
    frame = values.to_frame("_v") if isinstance(values, pd.Series) else values
    w = pd.to_numeric(weights, errors="coerce").astype(float).reindex(frame.index)
    out: dict[str, pd.Series | float] = {}
    for col in frame.columns:
        v = pd.to_numeric(frame[col], errors="coerce").astype(float)
        ok = v.notna() & w.notna()
        num = (v * w).where(ok, 0.0)
        den = w.where(ok, 0.0)
        if by is None:
            d = float(den.sum())
            out[col] = float(num.sum()) / d if d > 0 else math.nan
        else:
            groups = by.reindex(frame.index)
            out[col] = safe_ratio(num.groupby(groups).sum(), den.groupby(groups).sum())
    if by is None:
        if isinstance(values, pd.Series):
            return float(out["_v"])
        return pd.Series(out, dtype=float)
    if isinstance(values, pd.Series):
        s = out["_v"]
        assert isinstance(s, pd.Series)
        return s.rename(values.name)
    return pd.DataFrame(out)


def nl_number(x: float, decimals: int = 0) -> str:
    """A number in Dutch notation (``1.234,5``); ``"onbekend"`` for NaN.

    Examples
    --------
    >>> nl_number(12345.678, 1)
    '12.345,7'
    """
    if x is None or not np.isfinite(x):
        return "onbekend"
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")
