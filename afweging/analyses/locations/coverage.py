"""The coverage problem: which candidate site serves which home, and its exact reduction.

:func:`coverage_matrix` computes, with the reachability engine's rules
(:func:`afweging.analyses.reach.coverage.site_coverage`), which of the homes with demand
(``weight > 0``: beyond the norm now, known situation) each candidate site would bring
within the norm.

:func:`reduce_problem` makes the problem smaller without changing its optimum:

1. **Homes with identical coverage sets** (served by exactly the same candidate sites)
   become one demand row whose weight is the sum of theirs. Exact: every choice of sites
   covers all of them or none of them. Homes no candidate can serve are dropped (no
   choice changes them).
2. **Dominated candidates** are dropped, but only when that is provably safe. A site
   ``j`` whose coverage set is contained in that of a kept site ``k`` (in the same buurt
   when there is a per-buurt maximum; identical sets keep the first site in candidate
   order, public space before grid points) can be replaced by ``k`` in any solution, or
   simply removed when ``k`` is already chosen, without losing coverage or breaking an
   "at most" constraint. With a minimum of ``m`` sites per wijk, removing ``j`` could
   break the minimum, so then ``j`` is dropped only when at least ``m`` kept sites *of its
   own wijk* (and buurt, with a per-buurt maximum) dominate it: in a solution with ``j``,
   either one of them is not chosen (swap ``j`` for it: the same wijk, no less coverage)
   or all ``m`` are (remove ``j``: the wijk keeps ``m`` sites). Sites are decided in the
   order largest coverage first (candidate order among equals), so every dominator of a
   site is decided before it. Fixed sites are never dropped. After dropping, rows are
   merged again (rule 1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from afweging.analyses.locations.demand import Demand
from afweging.analyses.reach.coverage import site_coverage
from afweging.analyses.reach.graph import ArrayGraph


@dataclass
class Coverage:
    """Which demand home each candidate site serves.

    Attributes
    ----------
    homes : ndarray of int
        Positions (in ``demand.homes``) of the homes with demand (``weight > 0``): the
        rows of the matrices.
    serves : csr_matrix of bool, shape (len(homes), n_sites)
    network : csr_matrix of bool
        Served with a time along the network (else straight line × detour factor).
    seconds : float
    """

    homes: np.ndarray
    serves: sp.csr_matrix
    network: sp.csr_matrix
    seconds: float = 0.0


def coverage_matrix(
    demand: Demand,
    sites: gpd.GeoDataFrame,
    graph: ArrayGraph | None,
    *,
    detour_factor: float | None = None,
    max_snap_distance_m: float | None = None,
) -> Coverage:
    """Coverage of the homes with demand by every candidate site (see the module docstring)."""
    t0 = time.perf_counter()
    w = demand.weight()
    homes = np.flatnonzero(w > 0)
    sites_xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    cov = site_coverage(
        graph,
        demand.xy[homes],
        demand.homes["method"].to_numpy()[homes],
        sites_xy,
        mode=demand.question.mode,
        minutes=demand.minutes,
        no_route_ok=demand.homes["no_route"].to_numpy()[homes],
        detour_factor=detour_factor,
        max_snap_distance_m=max_snap_distance_m,
    )
    serves = cov.serves.T.tocsr()
    network = cov.network.T.tocsr()
    serves.sort_indices()
    network.sort_indices()
    return Coverage(homes=homes, serves=serves, network=network, seconds=time.perf_counter() - t0)


@dataclass
class Reduced:
    """The reduced problem (see the module docstring).

    Attributes
    ----------
    A : csr_matrix of bool, shape (n_rows, n_kept)
        Demand rows × kept sites.
    weight : ndarray, shape (n_rows,)
        Summed weight of the homes of each row.
    sites : ndarray of int
        Positions (in the candidate sites) of the kept sites, in candidate order.
    row_of_home : ndarray of int, shape (len(coverage.homes),)
        The row of each home with demand, -1 for homes no candidate serves.
    stats : dict
        Sizes before and after, and the seconds taken.
    """

    A: sp.csr_matrix
    weight: np.ndarray
    sites: np.ndarray
    row_of_home: np.ndarray
    stats: dict[str, float] = field(default_factory=dict)


def _merge_rows(A: sp.csr_matrix, weight: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Merge identical rows (exact: keyed by the column indices); drop empty rows.

    Returns the merged matrix, summed weights and the new row of each old row (-1: empty).
    """
    A = A.tocsr()
    A.sort_indices()
    index: dict[bytes, int] = {}
    new_of_old = np.full(A.shape[0], -1, dtype=np.int64)
    starts, ind = A.indptr, A.indices
    first_old: list[int] = []
    for r in range(A.shape[0]):
        if starts[r] == starts[r + 1]:
            continue
        key = ind[starts[r] : starts[r + 1]].tobytes()
        k = index.get(key)
        if k is None:
            k = index[key] = len(first_old)
            first_old.append(r)
        new_of_old[r] = k
    keep = np.asarray(first_old, dtype=np.int64)
    merged = A[keep] if len(keep) else sp.csr_matrix((0, A.shape[1]), dtype=bool)
    w = np.bincount(new_of_old[new_of_old >= 0], weights=weight[new_of_old >= 0], minlength=len(keep))
    return merged.tocsr(), w, new_of_old


def dominated_sites(
    A: sp.csr_matrix,
    *,
    group: np.ndarray | None = None,
    protected: np.ndarray | None = None,
    min_per_group: int = 0,
) -> np.ndarray:
    """Mask of the columns (sites) whose row set lies inside that of a kept column, or, with
    ``min_per_group`` m > 0, inside that of m kept columns of its group.

    ``k`` dominates ``j`` when it has ``group[k] == group[j]`` (if ``group`` is given),
    covers every row ``j`` covers, and covers more, or the same rows with ``k < j``.
    Columns are decided in that order (most rows first, then by index), so all dominators
    of ``j`` are decided before ``j``; ``j`` is dropped when at least ``max(1, m)`` of them
    are kept. A column that covers nothing is dominated by every earlier column of its
    group (without a minimum simply dropped). ``protected`` columns are never dropped (and
    count as kept).

    Examples
    --------
    >>> A = sp.csr_matrix(np.array([[1, 1, 0, 1], [0, 1, 1, 1], [0, 0, 1, 0]], dtype=bool))
    >>> dominated_sites(A).tolist()   # column 3 = column 1 (later), column 0 inside 1
    [True, False, False, True]
    """
    A = sp.csc_matrix(A, dtype=np.int64)
    n_sites = A.shape[1]
    size = np.asarray(A.sum(axis=0)).ravel()
    prot = np.zeros(n_sites, dtype=bool) if protected is None else np.asarray(protected, dtype=bool)
    overlap = (A.T @ A).tocoo()
    j, k, v = overlap.row, overlap.col, overlap.data
    sel = (j != k) & (v == size[j]) & (size[j] > 0) & ((size[k] > size[j]) | (k < j))
    g = None if group is None else np.asarray(group)
    if g is not None:
        sel &= g[j] == g[k]
    if min_per_group <= 0:
        # one dominator is enough: a dropped dominator has a kept one of its own, which
        # dominates j as well, so "has a dominator" = "has a kept dominator"
        drop = size == 0
        drop[j[sel]] = True
        return drop & ~prot
    dominators = sp.csr_matrix((np.ones(int(sel.sum()), dtype=bool), (j[sel], k[sel])),
                               shape=(n_sites, n_sites))
    codes = np.zeros(n_sites, dtype=np.int64) if g is None else np.unique(g, return_inverse=True)[1].ravel()
    kept_in_group = np.zeros(int(codes.max()) + 1 if n_sites else 0, dtype=np.int64)
    kept = np.zeros(n_sites, dtype=bool)
    for s in np.lexsort((np.arange(n_sites), -size)):
        if size[s] == 0:  # dominated by every site of its group decided before it
            enough = kept_in_group[codes[s]] >= min_per_group
        else:
            doms = dominators.indices[dominators.indptr[s] : dominators.indptr[s + 1]]
            enough = int(kept[doms].sum()) >= min_per_group
        if prot[s] or not enough:
            kept[s] = True
            kept_in_group[codes[s]] += 1
    return ~kept


def reduce_problem(
    coverage: Coverage,
    weight: np.ndarray,
    *,
    drop_dominated: bool,
    group: np.ndarray | None = None,
    protected: np.ndarray | None = None,
    min_per_group: int = 0,
) -> Reduced:
    """The exact reduction of :mod:`this module <afweging.analyses.locations.coverage>`.

    Parameters
    ----------
    coverage : Coverage
    weight : ndarray
        Weight of every home with demand (``demand.weight()[coverage.homes]``).
    drop_dominated : bool
        Drop dominated sites.
    group : ndarray, optional
        Per site, the buurt when there is a per-buurt maximum, else the wijk when there is
        a minimum per wijk (domination only within it).
    protected : ndarray of bool, optional
        Per site, never dropped (fixed sites).
    min_per_group : int
        The minimum per wijk (0: none); ``group`` must then lie inside the wijken.
    """
    t0 = time.perf_counter()
    n_sites = coverage.serves.shape[1]
    A, w, row_of_home = _merge_rows(coverage.serves, weight)
    stats: dict[str, float] = {
        "homes": float(len(coverage.homes)),
        "homes_coverable": float((row_of_home >= 0).sum()),
        "rows_merged": float(A.shape[0]),
        "sites": float(n_sites),
    }
    kept = np.arange(n_sites)
    if drop_dominated:
        drop = dominated_sites(A, group=group, protected=protected, min_per_group=min_per_group)
        kept = np.flatnonzero(~drop)
        A2, w2, again = _merge_rows(A[:, kept], w)
        row_of_home = np.where(row_of_home >= 0, again[np.maximum(row_of_home, 0)], -1)
        A, w = A2, w2
    stats.update(rows=float(A.shape[0]), sites_kept=float(len(kept)),
                 seconds=time.perf_counter() - t0)
    return Reduced(A=A.tocsr(), weight=w, sites=kept, row_of_home=row_of_home, stats=stats)
