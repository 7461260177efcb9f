"""Helpers shared by the five layers: method records, ratios, resident-weighted shares.

What the layers read from the Area (homes, land area, CBS columns, sources) lives in
:class:`afweging.layers._context.LayerContext`, computed once per run.

Private: the public helper :func:`weighted_mean` is re-exported by
:mod:`afweging.layers`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from afweging.layers._base import Method


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














def safe_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` with NaN (never inf) where the denominator is 0 or NaN."""
    num, den = numerator.astype(float), denominator.astype(float)
    if not num.index.equals(den.index):  # align as pandas does
        den = den.where(den > 0)
        return num / den
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = num.to_numpy() / np.where(den.to_numpy() > 0, den.to_numpy(), np.nan)
    return pd.Series(ratio, index=num.index, name=num.name if num.name == den.name else None)










def add_note(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str], note: str) -> None:
    """Append ``note`` to the description of the method rows of ``columns`` (in place)."""
    if not note:
        return
    for row in rows:
        if row["indicator"] in columns and row["method"] != "no data":
            row["description"] += note




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
    # one grouping for both sums (each column is summed as a Series of its own would be)
    sums = pd.DataFrame({"num": np.where(known, f * w, 0.0), "den": np.where(known, w, 0.0)}).groupby(codes).sum()
    return (100.0 * safe_ratio(sums["num"].rename(None), sums["den"].rename(None))).reindex(index)


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

