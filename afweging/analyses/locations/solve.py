"""Solving the maximal-covering problem: exactly (MILP with HiGHS) and greedily.

The problem (Church & ReVelle's maximal covering location problem, weighted)::

    maximise    sum_i w_i y_i
    subject to  y_i <= sum_{j serves i} x_j      for every demand row i
                sum_j x_j <= N
                sum_{j in wijk} x_j >= k          (optional, every wijk with candidates)
                sum_{j in buurt} x_j <= m         (optional, every buurt)
                x_j = 1                           (fixed sites)
                x_j in {0, 1},  0 <= y_i <= 1

``y`` needs no integrality: with ``w_i > 0`` an optimal ``y_i`` equals
``min(1, sum x_j)``, which is 0 or 1 for integer ``x``. :func:`solve_exact` passes the
model to HiGHS (``highspy``) with relative gap 0, so "optimal" means proven optimal (up
to HiGHS's absolute gap of 1e-6 on the objective). When the time limit stops it first,
the better of its best solution and the greedy one is used and the gap to HiGHS's
upper bound is reported.

Before that, :func:`bound_keep` leaves out the sites that cannot be in any optimal
solution: a site whose weight, plus the N - 1 largest weights of the other sites, is
below the greedy objective (a solution with it covers at most that, coverage being
subadditive; the greedy solution is feasible and better). Exact, and large on wide norms:
Utrecht's "voorzieningen" question (N = 3) keeps 9 of 921 sites, and HiGHS needs 0.06 s
of CPU instead of 6.8 s (``benchmarks/results/bench_locations.json``). With a minimum
per wijk only when the greedy solution meets it (then every optimal solution, with its
sites in every wijk, is still there); fixed sites are always kept.

:func:`solve_greedy` adds, one at a time, the site that newly covers the most weight
(ties: the lowest index), respecting the same constraints: fixed sites first; a buurt at
its maximum is skipped; when the sites still to place are just enough for the wijk
minimums, only sites in wijken below their minimum are considered.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from afweging._errors import LocationError
from afweging._format import nl_names

#: Status of a solution.
OPTIMAL, TIME_LIMIT, GREEDY = "optimaal", "tijdslimiet", "gretig"


@dataclass(frozen=True)
class Constraints:
    """Constraints of a location choice, over the sites of one problem.

    Attributes
    ----------
    n : int
        At most this many sites.
    wijk : ndarray of str, optional
        Wijk of each site (needed for ``min_per_wijk``).
    min_per_wijk : int
        At least this many sites in every wijk that has candidates (0: no minimum).
    buurt : ndarray of str, optional
        Buurt of each site (needed for ``max_per_buurt``).
    max_per_buurt : int or None
        At most this many sites per buurt.
    fixed : tuple of int
        Sites that must be chosen.
    """

    n: int
    wijk: np.ndarray | None = None
    min_per_wijk: int = 0
    buurt: np.ndarray | None = None
    max_per_buurt: int | None = None
    fixed: tuple[int, ...] = ()

    def take(self, sites: np.ndarray) -> Constraints:
        """The constraints over a subset of the sites (positions ``sites``)."""
        pos = {int(s): i for i, s in enumerate(sites)}
        missing = [f for f in self.fixed if f not in pos]
        if missing:
            raise ValueError(f"fixed sites {missing} are not in the subset.")
        return Constraints(
            n=self.n,
            wijk=None if self.wijk is None else self.wijk[sites],
            min_per_wijk=self.min_per_wijk,
            buurt=None if self.buurt is None else self.buurt[sites],
            max_per_buurt=self.max_per_buurt,
            fixed=tuple(pos[f] for f in self.fixed),
        )


@dataclass
class Solution:
    """A set of chosen sites.

    Attributes
    ----------
    sites : tuple of int
        Chosen site positions, sorted.
    objective : float
        Covered weight.
    status : str
        ``"optimaal"`` (proven), ``"tijdslimiet"`` (stopped early; best found) or
        ``"gretig"`` (greedy).
    bound : float
        Upper bound on the optimum (= ``objective`` when optimal; HiGHS's dual bound
        when stopped early; NaN for a greedy solution on its own).
    seconds : float
    source : str
        Which method produced ``sites``: ``"milp"`` or ``"gretig"``.
    order : tuple of int
        For a greedy solution, the sites in the order they were picked.
    """

    sites: tuple[int, ...]
    objective: float
    status: str
    bound: float
    seconds: float
    source: str
    order: tuple[int, ...] = ()

    @property
    def gap(self) -> float:
        """Relative optimality gap ``(bound - objective) / bound`` (0 when optimal)."""
        if not math.isfinite(self.bound) or self.bound <= 0:
            return 0.0 if self.status == OPTIMAL else math.nan
        return max(0.0, (self.bound - self.objective) / self.bound)


def covered_weight(A: sp.csr_matrix, weight: np.ndarray, sites: Sequence[int]) -> float:
    """Weight of the rows covered by at least one of ``sites``."""
    if len(sites) == 0:
        return 0.0
    hit = np.asarray(sp.csc_matrix(A)[:, list(sites)].sum(axis=1)).ravel() > 0
    return float(weight[hit].sum())


def check_feasible(c: Constraints, n_sites: int) -> None:
    """Raise :class:`LocationError` (Dutch, with the fix) when no choice meets ``c``."""
    problems = []
    if c.n < len(c.fixed):
        problems.append(f"er zijn {len(c.fixed)} vaste locaties maar --aantal is {c.n}; "
                        f"verhoog --aantal of maak minder locaties vast.")
    if c.max_per_buurt is not None and c.buurt is not None and c.fixed:
        codes, counts = np.unique(c.buurt[list(c.fixed)], return_counts=True)
        over = [f"{b} ({k})" for b, k in zip(codes, counts, strict=True) if k > c.max_per_buurt]
        if over:
            problems.append(f"meer vaste locaties in een buurt dan --max-per-buurt "
                            f"{c.max_per_buurt} toestaat: {', '.join(over)}.")
    if c.min_per_wijk and c.wijk is not None:
        wijken, have = np.unique(c.wijk, return_counts=True)
        need = c.min_per_wijk * len(wijken)
        if c.n < need:
            problems.append(f"--min-per-wijk {c.min_per_wijk} in {len(wijken)} wijken met kandidaten "
                            f"vraagt {need} locaties, maar --aantal is {c.n}.")
        cap = have if c.max_per_buurt is None or c.buurt is None else np.array([
            sum(min(int(k), c.max_per_buurt) for k in np.unique(c.buurt[c.wijk == w], return_counts=True)[1])
            for w in wijken])
        short = [f"{w} ({int(k)})" for w, k in zip(wijken, cap, strict=True) if k < c.min_per_wijk]
        if short:
            problems.append(f"te weinig kandidaten voor --min-per-wijk {c.min_per_wijk} in wijk "
                            f"{nl_names(short, 8)}; verlaag het minimum of geef meer kandidaten.")
    if n_sites == 0 and c.n > 0:
        problems.append("er zijn geen kandidaatlocaties.")
    if problems:
        raise LocationError("De locatiekeuze kan zo niet:\n  - " + "\n  - ".join(problems))


# ------------------------------------------------------------------------------ greedy
def solve_greedy(
    A: sp.csr_matrix,
    weight: np.ndarray,
    c: Constraints,
    *,
    tie_break: Callable[[np.ndarray, np.ndarray], int] | None = None,
) -> Solution:
    """The greedy solution (see the module docstring); stops early when nobody more can be
    covered and no wijk is below its minimum.

    ``tie_break(tied_sites, uncovered_rows)`` may pick among sites with equal gain
    (default: the lowest index).
    """
    t0 = time.perf_counter()
    A = A.tocsr()
    At = A.T.tocsr()
    n_rows, n_sites = A.shape
    w = np.asarray(weight, dtype=float)
    gain = np.asarray(At @ w).ravel() if n_sites else np.zeros(0)
    uncovered = np.ones(n_rows, dtype=bool)
    chosen: list[int] = []
    available = np.ones(n_sites, dtype=bool)
    per_buurt: dict[str, int] = {}
    per_wijk: dict[str, int] = {}
    wijken = np.unique(c.wijk) if c.wijk is not None and c.min_per_wijk else np.array([])

    def take(j: int) -> None:
        chosen.append(j)
        available[j] = False
        rows = A.indices[0:0]
        if n_rows:
            col = At.indices[At.indptr[j] : At.indptr[j + 1]]
            rows = col[uncovered[col]]
        uncovered[rows] = False
        for r in rows:  # the rows just covered no longer count for any site
            sites = A.indices[A.indptr[r] : A.indptr[r + 1]]
            gain[sites] -= w[r]
        if c.buurt is not None:
            per_buurt[c.buurt[j]] = per_buurt.get(c.buurt[j], 0) + 1
            if c.max_per_buurt is not None and per_buurt[c.buurt[j]] >= c.max_per_buurt:
                available[c.buurt == c.buurt[j]] = False
        if c.wijk is not None:
            per_wijk[c.wijk[j]] = per_wijk.get(c.wijk[j], 0) + 1

    for j in c.fixed:
        take(int(j))
    while len(chosen) < c.n:
        deficit = {wk: c.min_per_wijk - per_wijk.get(wk, 0) for wk in wijken}
        need = sum(max(0, d) for d in deficit.values())
        allowed = available.copy()
        if need and need >= c.n - len(chosen):
            short = [wk for wk, d in deficit.items() if d > 0]
            allowed &= np.isin(c.wijk, short)  # type: ignore[arg-type]
        if not allowed.any():
            break
        g = np.where(allowed, gain, -np.inf)
        best = float(g.max())
        if best <= 1e-12 * max(1.0, float(w.sum())) and not need:
            break
        tied = np.flatnonzero(g >= best - 1e-9 * max(1.0, abs(best)))
        j = int(tied[0]) if tie_break is None or len(tied) == 1 else int(tie_break(tied, uncovered))
        take(j)
    sites = tuple(sorted(chosen))
    obj = float(w[~uncovered].sum())
    return Solution(sites=sites, objective=obj, status=GREEDY, bound=math.nan,
                    seconds=time.perf_counter() - t0, source="gretig", order=tuple(chosen))


# ------------------------------------------------------------------------------ exact
def meets_minimum(sites: Sequence[int], c: Constraints) -> bool:
    """Whether ``sites`` has at least ``c.min_per_wijk`` sites in every wijk with sites."""
    if not c.min_per_wijk or c.wijk is None:
        return True
    got = dict.fromkeys(np.unique(c.wijk).tolist(), 0)
    for j in sites:
        got[c.wijk[j]] += 1
    return min(got.values(), default=c.min_per_wijk) >= c.min_per_wijk


def bound_keep(A: sp.spmatrix, weight: np.ndarray, n: int, lower: float) -> np.ndarray:
    """Mask of the sites (columns) that can be in a solution covering at least ``lower``
    with at most ``n`` sites.

    Site ``j`` is left out when ``g_j`` plus the ``n - 1`` largest ``g_k`` of the other
    sites is below ``lower`` (``g`` the weight a site covers on its own): every solution
    with ``j`` covers at most that. With ``lower`` the objective of a feasible solution, no
    optimal solution contains a site left out. A relative margin of 1e-9 keeps rounding
    from leaving out a site it should not.

    Examples
    --------
    >>> A = sp.csr_matrix(np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=bool))
    >>> bound_keep(A, np.array([2.0, 2.0, 3.0, 1.0]), 1, 4.0).tolist()  # site 0 covers 4
    [True, False, False]
    >>> bound_keep(A, np.array([2.0, 2.0, 3.0, 1.0]), 2, 7.0).tolist()  # 0 + 1: 7
    [True, True, False]
    """
    n_sites = A.shape[1]
    if n_sites <= n:
        return np.ones(n_sites, dtype=bool)
    g = np.asarray(sp.csr_matrix(A, dtype=np.float64).T @ np.asarray(weight, dtype=np.float64)).ravel()
    top = np.sort(g)[::-1]
    # the n - 1 best others: the top n - 1, or, for a site among them, the top n without it
    if n >= 2:
        best_others = np.where(g >= top[n - 2], top[:n].sum() - g, top[: n - 1].sum())
    else:
        best_others = np.zeros(n_sites)
    return g + best_others >= lower - 1e-9 * max(1.0, abs(lower))


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the process's standard output (file descriptor 1) for a moment: HiGHS's C++
    code prints a banner there when the first model is made."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            try:
                yield
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def _highs() -> object:
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a core dependency
        from afweging._errors import OptionalDependencyError

        raise OptionalDependencyError(
            "The exact location choice needs highspy (HiGHS): pip install highspy."
        ) from exc
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def solve_exact(
    A: sp.csr_matrix,
    weight: np.ndarray,
    c: Constraints,
    *,
    time_limit_s: float,
    greedy: Solution | None = None,
    prune: bool = True,
) -> Solution:
    """The exact solution with HiGHS (see the module docstring).

    Parameters
    ----------
    A : csr_matrix of bool, shape (n_rows, n_sites)
    weight : ndarray, shape (n_rows,)
        Positive weights.
    c : Constraints
    time_limit_s : float
        HiGHS stops here; the better of its best solution and ``greedy`` is returned with
        status ``"tijdslimiet"`` and HiGHS's upper bound.
    greedy : Solution, optional
        The greedy solution (computed when needed).
    prune : bool
        Leave out the sites no optimal solution uses (:func:`bound_keep`) before solving
        (with a minimum per wijk only when the greedy solution meets it). ``False`` solves
        the problem as given.
    """
    import highspy

    t0 = time.perf_counter()
    A = sp.csr_matrix(A, dtype=np.float64)
    n_rows, n_sites = A.shape
    w = np.asarray(weight, dtype=np.float64)
    check_feasible(c, n_sites)
    if greedy is None:
        greedy = solve_greedy(A, w, c)
    full_A = A
    kept = np.arange(n_sites)
    if prune and meets_minimum(greedy.sites, c):
        keep = bound_keep(A, w, c.n, greedy.objective)
        keep[list(c.fixed)] = True
        if not keep.all():
            kept = np.flatnonzero(keep)
            c = c.take(kept)
            A = sp.csr_matrix(A[:, kept])
            live = np.diff(A.indptr) > 0  # rows no kept site covers stay uncovered
            A, w = sp.csr_matrix(A[live]), w[live]
            n_rows, n_sites = A.shape
    n_cols = n_sites + n_rows
    # rows: y_i - sum_j a_ij x_j <= 0; sum x <= N; wijk minimums; buurt maximums
    Ax = -A.tocoo()
    r = [Ax.row, np.arange(n_rows)]
    col = [Ax.col, n_sites + np.arange(n_rows)]
    val = [Ax.data, np.ones(n_rows)]
    lo = [np.full(n_rows, -np.inf)]
    up = [np.zeros(n_rows)]
    k = n_rows
    r.append(np.full(n_sites, k))
    col.append(np.arange(n_sites))
    val.append(np.ones(n_sites))
    lo.append(np.array([-np.inf]))
    up.append(np.array([float(c.n)]))
    k += 1
    groups: list[tuple[np.ndarray, float, float]] = []
    if c.min_per_wijk and c.wijk is not None:
        for wk in np.unique(c.wijk):
            groups.append((np.flatnonzero(c.wijk == wk), float(c.min_per_wijk), np.inf))
    if c.max_per_buurt is not None and c.buurt is not None:
        for b in np.unique(c.buurt):
            members = np.flatnonzero(c.buurt == b)
            if len(members) > c.max_per_buurt:
                groups.append((members, -np.inf, float(c.max_per_buurt)))
    for members, glo, gup in groups:
        r.append(np.full(len(members), k))
        col.append(members)
        val.append(np.ones(len(members)))
        lo.append(np.array([glo]))
        up.append(np.array([gup]))
        k += 1
    M = sp.csc_matrix((np.concatenate(val), (np.concatenate(r), np.concatenate(col))), shape=(k, n_cols))
    M.sort_indices()
    col_lo = np.zeros(n_cols)
    col_lo[list(c.fixed)] = 1.0
    col_up = np.ones(n_cols)

    h = _highs()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = k
    lp.col_cost_ = np.concatenate([np.zeros(n_sites), w])
    lp.col_lower_ = col_lo
    lp.col_upper_ = col_up
    lp.row_lower_ = np.concatenate(lo)
    lp.row_upper_ = np.concatenate(up)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = M.indptr.astype(np.int32)
    lp.a_matrix_.index_ = M.indices.astype(np.int32)
    lp.a_matrix_.value_ = M.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_sites + [highspy.HighsVarType.kContinuous] * n_rows
    h.passModel(lp)  # type: ignore[attr-defined]
    h.setOptionValue("time_limit", float(time_limit_s))  # type: ignore[attr-defined]
    h.setOptionValue("mip_rel_gap", 0.0)  # type: ignore[attr-defined]
    h.setOptionValue("threads", 1)  # type: ignore[attr-defined]
    h.setOptionValue("random_seed", 0)  # type: ignore[attr-defined]
    h.run()  # type: ignore[attr-defined]
    status = h.getModelStatus()  # type: ignore[attr-defined]
    info = h.getInfo()  # type: ignore[attr-defined]
    x = np.asarray(h.getSolution().col_value[:n_sites]) if n_sites else np.zeros(0)  # type: ignore[attr-defined]
    sites = tuple(int(kept[j]) for j in np.flatnonzero(x > 0.5))
    found = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    obj = covered_weight(full_A, np.asarray(weight, dtype=np.float64), sites) if found else -math.inf
    seconds = time.perf_counter() - t0
    if status == highspy.HighsModelStatus.kOptimal:
        return Solution(sites=sites, objective=obj, status=OPTIMAL, bound=obj, seconds=seconds,
                        source="milp")
    if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        raise LocationError("De locatiekeuze kan zo niet: geen enkele keuze voldoet aan alle "
                            "voorwaarden (vaste locaties, minimum per wijk, maximum per buurt).")
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else math.inf
    if greedy.objective >= obj:
        return Solution(sites=greedy.sites, objective=greedy.objective, status=TIME_LIMIT,
                        bound=bound, seconds=seconds, source="gretig")
    return Solution(sites=sites, objective=obj, status=TIME_LIMIT, bound=bound, seconds=seconds,
                    source="milp")


def marginal_order(A: sp.spmatrix, weight: np.ndarray, sites: Sequence[int]) -> list[tuple[int, float]]:
    """Chosen sites in order of marginal gain: first the one covering the most weight, then
    the one adding the most to that, and so on (ties: the lowest index).

    Returns (site, marginal weight) pairs.

    Examples
    --------
    >>> A = sp.csr_matrix(np.array([[1, 0], [1, 1], [0, 1], [0, 1]], dtype=bool))
    >>> marginal_order(A, np.ones(4), [0, 1])
    [(1, 3.0), (0, 1.0)]
    """
    Ac = sp.csc_matrix(A)
    w = np.asarray(weight, dtype=float)
    covered = np.zeros(A.shape[0], dtype=bool)
    left = sorted(int(j) for j in sites)
    order: list[tuple[int, float]] = []

    def rows(j: int) -> np.ndarray:
        return Ac.indices[Ac.indptr[j] : Ac.indptr[j + 1]]

    while left:
        gains = [float(w[rows(j)][~covered[rows(j)]].sum()) for j in left]
        best = int(np.argmax(gains))
        j = left.pop(best)
        covered[rows(j)] = True
        order.append((j, gains[best]))
    return order
