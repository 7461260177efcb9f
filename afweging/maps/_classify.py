"""Classification of indicator values into coloured classes with Dutch legend labels.

Used by both the interactive map and the static maps, so a class boundary reads the same
on screen and in the council memo.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from afweging._errors import AfwegingError
from afweging._format import nl_number

#: Fill colour of buurten without a value ("geen gegevens").
NODATA_COLOR = "#d9d9d9"

#: Classification schemes that may be asked for.
SCHEMES = ("fisher_jenks", "quantiles", "equal_interval")


class ClassificationError(AfwegingError, ValueError):
    """Values cannot be classified as asked (unknown scheme, bad bins)."""


@dataclass
class Classes:
    """A classification of values.

    Attributes
    ----------
    index : ndarray of int
        Class per value; ``-1`` = no value (NaN), ``len(labels) - 1`` may be the class of
        ``inf`` values when ``inf_label`` was used.
    labels : list of str
        Dutch label per class ("12,5 – 30,0").
    colors : list of str
        Hex colour per class.
    nodata : int
        Number of values without a value.
    """

    index: np.ndarray
    labels: list[str]
    colors: list[str]
    nodata: int

    def color_of(self, nodata_color: str = NODATA_COLOR) -> list[str]:
        """Hex colour per value (``nodata_color`` where there is no value)."""
        return [self.colors[i] if i >= 0 else nodata_color for i in self.index]

    def legend_items(self, nodata_color: str = NODATA_COLOR) -> list[tuple[str, str]]:
        """(colour, label) pairs, with "geen gegevens" last when some values are missing."""
        items = list(zip(self.colors, self.labels, strict=True))
        if self.nodata:
            items.append((nodata_color, "geen gegevens"))
        return items


def decimals_for(values: np.ndarray) -> int:
    """Decimals that make class boundaries readable for the range of ``values``.

    Examples
    --------
    >>> decimals_for(np.array([0.0, 350.0]))
    0
    >>> decimals_for(np.array([0.2, 0.9]))
    2
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0
    span = float(finite.max() - finite.min()) or abs(float(finite.max())) or 1.0
    if span >= 50:
        return 0
    if span >= 5:
        return 1
    return 2


def sample_colors(cmap: str, k: int) -> list[str]:
    """``k`` colours from a matplotlib colour map, light to dark, avoiding the extremes."""
    if k <= 0:
        return []
    cm = colormaps[cmap]
    if k == 1:
        return [to_hex(cm(0.65))]
    return [to_hex(cm(x)) for x in np.linspace(0.15, 0.9, k)]


def classify(
    values: pd.Series | np.ndarray,
    *,
    cmap: str = "viridis",
    k: int = 5,
    scheme: str = "fisher_jenks",
    bins: list[float] | None = None,
    labels: list[str] | None = None,
    decimals: int | None = None,
    inf_label: str = "niet bereikbaar",
) -> Classes:
    """Classify values with mapclassify and give every class a colour and a Dutch label.

    Parameters
    ----------
    values : Series or array
        Numbers (NaN = no value), or booleans (two classes "nee" / "ja").
    cmap : str
        Matplotlib colour map; class 0 gets the lightest colour.
    k : int
        Number of classes (fewer when there are fewer distinct values).
    scheme : {"fisher_jenks", "quantiles", "equal_interval"}
        The mapclassify scheme; ignored when ``bins`` is given.
    bins : list of float, optional
        Upper bounds of the classes (as mapclassify ``UserDefined``); the last class is
        open-ended (values above the last bound fall in it).
    labels : list of str, optional
        Labels to use with ``bins`` instead of the generated ranges.
    decimals : int, optional
        Decimals of the generated labels (default: from the range of the values).
    inf_label : str
        Label of the extra class that holds ``+inf`` values (e.g. minutes beyond the
        search limit), if any.

    Returns
    -------
    Classes

    Examples
    --------
    >>> c = classify(pd.Series([1.0, 2.0, 3.0, 10.0, float("nan")]), k=2, decimals=0)
    >>> c.index.tolist(), c.labels, c.nodata
    ([0, 0, 0, 1, -1], ['1 – 3', '3 – 10'], 1)
    """
    if scheme not in SCHEMES:
        raise ClassificationError(f"Unknown scheme {scheme!r}; use one of {SCHEMES}.")
    if k < 1:
        raise ClassificationError(f"k must be at least 1, got {k}.")
    series = pd.Series(values)
    if series.dtype == bool or str(series.dtype) == "boolean":
        arr = series.astype("float64").to_numpy()
        idx = np.where(np.isnan(arr), -1, arr).astype(int)
        return Classes(idx, ["nee", "ja"], sample_colors(cmap, 2), int((idx < 0).sum()))
    arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")
    index = np.full(arr.shape, -1, dtype=int)
    finite = np.isfinite(arr)
    has_inf = bool(np.isposinf(arr).any())
    nodata = int((~finite & ~np.isposinf(arr)).sum())
    y = arr[finite]
    out_labels: list[str] = []
    if bins is not None:
        if labels is not None and len(labels) != len(bins):
            raise ClassificationError(f"{len(labels)} labels for {len(bins)} bins.")
        upper = np.asarray(bins, dtype=float)
        if np.any(np.diff(upper) <= 0):
            raise ClassificationError(f"bins must increase strictly, got {list(bins)}.")
        # The last class is open-ended: values above the last bound fall in it.
        index[finite] = np.minimum(np.searchsorted(upper, y, side="left"), len(upper) - 1)
        d = decimals if decimals is not None else decimals_for(upper)
        if labels is not None:
            out_labels = list(labels)
        else:
            lowest = float(min(y.min(), 0.0)) if y.size else 0.0
            out_labels = _range_labels(lowest, upper, d)
            if y.size and y.max() > upper[-1] and len(upper) > 1:
                out_labels[-1] = f"meer dan {nl_number(float(upper[-2]), d)}"
    elif y.size:
        unique = np.unique(y)
        d = decimals if decimals is not None else decimals_for(y)
        if unique.size <= k:
            index[finite] = np.searchsorted(unique, y)
            if decimals is None and np.all(unique == np.round(unique)):
                d = 0  # whole numbers (counts) read best without decimals
            out_labels = [nl_number(float(u), d) for u in unique]
        else:
            if scheme == "fisher_jenks":
                with warnings.catch_warnings():
                    # pure-python Fisher-Jenks is fast enough for buurten; numba is optional
                    warnings.filterwarnings("ignore", message="Numba not installed")
                    classifier = mapclassify.FisherJenks(y, k=k)
            elif scheme == "quantiles":
                classifier = mapclassify.Quantiles(y, k=k)
            else:
                classifier = mapclassify.EqualInterval(y, k=k)
            upper = np.asarray(classifier.bins, dtype=float)
            # Quantiles on tied data can produce repeated bounds: keep distinct ones.
            upper = np.unique(upper)
            index[finite] = np.searchsorted(upper, y, side="left")
            out_labels = _range_labels(float(y.min()), upper, d)
    colors = sample_colors(cmap, len(out_labels))
    if has_inf:
        index[np.isposinf(arr)] = len(out_labels)
        out_labels.append(inf_label)
        colors.append("#4d4d4d")
    return Classes(index, out_labels, colors, nodata)


def _range_labels(lowest: float, upper: np.ndarray, decimals: int) -> list[str]:
    bounds = [lowest, *upper.tolist()]
    return [
        f"{nl_number(lo, decimals)} – {nl_number(hi, decimals)}"
        for lo, hi in itertools.pairwise(bounds)
    ]


def score_bins() -> tuple[list[float], list[str]]:
    """Fixed classes for barcode scores (0–1): equal steps, with 1 = the norm is met.

    Examples
    --------
    >>> score_bins()[1][-1]
    '1 (norm gehaald)'
    """
    bins = [0.2, 0.4, 0.6, 0.8, 0.9999, 1.0]
    labels = ["0 – 0,2", "0,2 – 0,4", "0,4 – 0,6", "0,6 – 0,8", "0,8 – 1", "1 (norm gehaald)"]
    return bins, labels


def is_number(value: object) -> bool:
    """Whether a value is a finite number (not NaN, not inf, not a string)."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
