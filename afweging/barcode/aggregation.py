"""Buurt indicator values -> wijk and city values.

The barcode aggregates the **indicator values** and scores the result; it never averages
scores. Each norm says how its indicator adds up (``aggregate`` in ``norms.toml``):

* ``"a_inw"``: weighted by residents (shares of residents/homes: reachability, 300 m green,
  noise and heat exposure);
* ``"a_woning"``: weighted by dwellings (per-dwelling ratios and shares of dwellings);
* ``"a_hh"``: weighted by households (per-household ratios);
* ``"area"``: weighted by buurt area (m², from the geometry).

For a ratio ``r_i = X_i / D_i`` (green m² per dwelling) the ``D``-weighted mean equals
``sum(X) / sum(D)``, i.e. the wijk's own ratio, so the aggregate is exact when the weight is
the ratio's denominator.

Exception: quantiles (``reach_*_median_min``, ``reach_*_p90_min``) do not average. When the
reachability result holds the per-home times (``reach.homes``), the wijk and city value is
the resident-weighted quantile over all homes of the wijk or city (:func:`home_quantile`);
otherwise the resident-weighted mean of the buurt quantiles is used as an approximation.

Buurten without a value, or without a (positive) weight, are left out. The share of the
wijk's weight that did have a value is kept as ``coverage`` (%), and shown in explanations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from afweging._errors import MissingColumnError
from afweging.geo.area import Area


def buurt_weights(area: Area, aggregate: str) -> pd.Series:
    """The aggregation weight of every buurt (index buurtcode), NaN where unknown.

    Parameters
    ----------
    area : Area
    aggregate : {"a_inw", "a_woning", "a_hh", "area"}

    Raises
    ------
    MissingColumnError
        When the CBS column is absent from ``area.buurten``.
    """
    if aggregate == "area":
        w = pd.Series(area.buurten.geometry.area.to_numpy(dtype=float), index=area.buurten.index)
    else:
        if aggregate not in area.buurten.columns:
            raise MissingColumnError(
                f"Aggregating to wijk and city by {aggregate!r} needs the CBS column "
                f"{aggregate!r} in area.buurten, which area {area.name!r} lacks. Add it to the "
                f'[statistics] file of the manifest, or set aggregate = "area" for the norm.'
            )
        w = area.stat(aggregate).astype(float)
    w.index.name = "buurtcode"
    return w


def weighted_mean(
    values: pd.DataFrame,
    weights: pd.DataFrame,
    groups: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weighted mean of every column of ``values`` per group, and the coverage.

    Parameters
    ----------
    values : DataFrame
        Index buurtcode, one column per norm (indicator values, NaN = missing).
    weights : DataFrame
        Same shape: the aggregation weight of each buurt for each column.
    groups : Series
        Index buurtcode -> group code (wijkcode, or one city code). Buurten with a NaN
        group are left out.

    Returns
    -------
    means : DataFrame
        Index group code, same columns; NaN where no buurt had both a value and a
        positive weight.
    coverage_pct : DataFrame
        Percentage of the group's known weight that belongs to buurten with a value.

    Examples
    --------
    >>> v = pd.DataFrame({"x": [10.0, 40.0]}, index=["a", "b"])
    >>> w = pd.DataFrame({"x": [300.0, 100.0]}, index=["a", "b"])
    >>> m, cov = weighted_mean(v, w, pd.Series(["W1", "W1"], index=["a", "b"]))
    >>> float(m.loc["W1", "x"]), float(cov.loc["W1", "x"])
    (17.5, 100.0)
    """
    groups = groups.reindex(values.index)
    keep = groups.notna().to_numpy()
    v = values.to_numpy(dtype=float)[keep]
    w = weights.reindex(index=values.index[keep], columns=values.columns).to_numpy(dtype=float)
    # groups as integer codes (sorted like the group codes), so pandas does not inspect the key
    codes, labels = pd.factorize(groups[keep].to_numpy(dtype=object), sort=True)
    with np.errstate(invalid="ignore"):
        w_pos = np.where(w > 0, w, np.nan)  # NaN or non-positive weight -> left out
        has_value = ~np.isnan(v) & ~np.isnan(w_pos)
        vw = np.where(has_value, v * w_pos, np.nan)
        w_has = np.where(has_value, w_pos, np.nan)
    # the three sums in one grouping: each column is summed on its own, as in three
    k = v.shape[1]
    sums = pd.DataFrame(np.hstack([vw, w_has, w_pos])).groupby(codes).sum(min_count=1).to_numpy(dtype=float)
    num, den, total_w = sums[:, :k], sums[:, k:2 * k], sums[:, 2 * k:]
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = 100.0 * np.where(np.isnan(den), 0.0, den) / total_w
        # inf values (e.g. "unreachable" minutes) survive: inf * w = inf, mean inf.
        means = np.where(den > 0, num / den, np.nan)
    index = pd.Index(labels, name=groups.name)
    return (pd.DataFrame(means, index=index, columns=values.columns),
            pd.DataFrame(coverage, index=index, columns=values.columns))


#: Reachability statistics that are quantiles (they do not average), with their q.
QUANTILE_STATS: dict[str, float] = {"median": 0.5, "p90": 0.9}


def quantile_stat(column: str) -> tuple[str, float] | None:
    """``("p90", 0.9)`` for a column ending in ``_p90_min`` (or median), else None."""
    for stat, q in QUANTILE_STATS.items():
        if column.endswith(f"_{stat}_min"):
            return stat, q
    return None


def stable_order_from(values: np.ndarray, before: np.ndarray, before_order: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, from the order of ``before``.

    ``values[:len(before)]`` are the rows of ``before`` (most of them unchanged) and any
    further rows are new, as the homes after a plan are those before it plus its new
    homes. The unchanged rows keep their order; the changed and new ones (a plan's
    recomputed buurten: a few thousand of 65k) are sorted alone and put in by (value,
    position), the key of a stable sort; NaN last in position order, as numpy sorts it.
    """
    n_b, n = len(before), len(values)
    head = values[:n_b]
    same = (head == before) | (np.isnan(head) & np.isnan(before))
    keep = before_order[same[before_order]]
    keep = keep[~np.isnan(values[keep])]
    changed = np.concatenate([np.flatnonzero(~same), np.arange(n_b, n)])
    changed = changed[~np.isnan(values[changed])]
    changed = changed[np.argsort(values[changed], kind="stable")]  # (value, position)
    kv, cv = values[keep], values[changed]
    lo = np.searchsorted(kv, cv, side="left")
    hi = np.searchsorted(kv, cv, side="right")
    at = lo.copy()
    tie = hi > lo
    if tie.any():  # among kept rows of an equal value, by position: (run, position) keys
        run = np.concatenate([[0], np.cumsum(kv[1:] != kv[:-1])]).astype(np.int64)
        key = run * (n + 1) + keep
        at[tie] = np.searchsorted(key, run[lo[tie]] * (n + 1) + changed[tie], side="left")
    order = np.insert(keep, at, changed)
    return np.concatenate([order, np.flatnonzero(np.isnan(values))])


@dataclass
class HomeOrders:
    """The homes' sort orders by a per-home time, shared by the quantiles of one scoring
    (wijken and city sort the same times once).

    ``order_from``, when given, is asked first for a column's order as
    ``order_from(home_col, values)`` (the plan check: from the baseline's order, see
    :func:`stable_order_from`); None from it means a fresh stable sort.
    """

    order_from: Callable[[str, np.ndarray], np.ndarray | None] | None = None
    orders: dict[str, np.ndarray] = field(default_factory=dict)
    buurten: tuple[np.ndarray, pd.Index] | None = None  # the homes' factorised buurtcodes

    def order(self, home_col: str, values: np.ndarray) -> np.ndarray:
        """``np.argsort(values, kind="stable")`` for ``home_col``, computed once."""
        if home_col not in self.orders:
            made = self.order_from(home_col, values) if self.order_from is not None else None
            self.orders[home_col] = made if made is not None else np.argsort(values, kind="stable")
        return self.orders[home_col]


def home_quantile(
    homes: pd.DataFrame,
    home_col: str,
    groups: pd.Series,
    q: float,
    *,
    orders: HomeOrders | None = None,
) -> pd.Series:
    """Resident-weighted quantile of a per-home travel time, per group of buurten.

    Quantiles (median, p90) of buurten cannot be averaged into a wijk quantile, so wijk and
    city values of such indicators are recomputed from the homes of the reachability
    result: the smallest time within which a share ``q`` of the group's residents reach the
    facility (``inf`` = beyond the search limit).

    Parameters
    ----------
    homes : DataFrame
        ``buurtcode``, ``residents`` and ``home_col`` (minutes).
    home_col : str
        E.g. ``walk_min_speelplek``.
    groups : Series
        buurtcode -> group code.
    q : float
        0.5 for the median, 0.9 for p90.
    orders : HomeOrders, optional
        The sort orders of these homes' times kept for the next grouping of the same
        homes (and their factorised buurtcodes).
    """
    from afweging.analyses.reach.reachability import weighted_quantile_by_group

    labels = pd.Index(sorted(groups.dropna().astype(str).unique()))
    # group of every distinct buurtcode, then of every home (far fewer lookups than homes)
    if orders is not None and orders.buurten is not None:  # the same homes: factorised once
        buurt_of_home, buurt_codes = orders.buurten
    else:
        buurt_of_home, buurt_codes = pd.factorize(homes["buurtcode"])
        if orders is not None:
            orders.buurten = (buurt_of_home, buurt_codes)
    group_of_buurt = groups.reindex(pd.Index(buurt_codes).astype(str))
    code_of_buurt = labels.get_indexer(group_of_buurt.astype(object).where(group_of_buurt.notna(), None))
    codes = np.where(buurt_of_home >= 0, code_of_buurt[buurt_of_home], -1)
    values = homes[home_col].to_numpy(dtype=float)
    weights = homes["residents"].to_numpy(dtype=float)
    weights = np.where(np.isfinite(weights), weights, 0.0)
    order = orders.order(home_col, values) if orders is not None else None
    res = weighted_quantile_by_group(codes, values, weights, q, len(labels), order=order)
    return pd.Series(res, index=labels)
