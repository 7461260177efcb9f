"""Benchmark: the exact location choice against greedy and against PySAL spopt's MCLP.

Issue 15 asks that on Utrecht and on the demo the exact objective of ``afweging
locaties`` is at least the greedy objective and equal to the objective of PySAL
``spopt``'s maximal covering model (``spopt.locate.MCLP``) on the same coverage matrix,
and that the exact solution comes in seconds. For every area and question the script,
in one process, with the area's baseline (layers, reachability, priorities) computed
once:

1. runs :func:`afweging.choose_locations` (timed; its own timings per step are kept);
2. writes the problem with ``--export-problem`` (:func:`export_problem`) and reads it
   back (:func:`read_problem`): everything below works on those arrays only, the format
   a third party gets (``docs/location_problem.md``);
3. recomputes the objective of the exported exact and greedy solutions from the arrays
   (``weight`` of the rows that a chosen column covers);
4. builds the problem another tool is given: the rows with weight, identical rows merged
   (summed weight: every choice covers all of them or none), columns that cover nobody
   dropped. That is the same coverage matrix without rows or columns that cannot change
   any objective. HiGHS (:func:`solve_exact` with ``prune=False``, without the dominance
   reduction of ``choose_locations`` and without its bound) solves it, as a check on
   those reductions; the problem ``choose_locations`` solved is also solved again with
   and without the bound (``exact_*`` and ``exact_without_bound_*``);
5. solves it with spopt ``MCLP.from_cost_matrix`` (cost 0 where covered, 1 elsewhere,
   service radius 0.5, ``p_facilities = N``) and PuLP's bundled CBC, and recomputes the
   objective of spopt's chosen columns on the full exported matrix. spopt builds its
   model from a dense matrix, one Python term per cell (about 30 microseconds a cell
   here); when that matrix is larger than ``--spopt-cells`` (default 3 million cells;
   Utrecht's playgrounds, 15,000 rows by 20,000 candidates, would need 300 million)
   spopt gets a smaller problem with the same optimum: the exact dominance reduction of
   ``choose_locations`` (``LocationChoice.reduced``), and then, computed here, every
   column dropped that cannot be in an optimal solution because an upper bound on any
   solution containing it lies below the greedy objective (:func:`bound_pruned`). The
   row says which (``spopt_matrix``). A wrong pruning could only make spopt's optimum
   lower, never make it match a wrong exact answer: the exact solution's objective is
   recomputed from the exported arrays.

A last case asks for at least one playground per wijk. spopt's MCLP has no such
constraint, so there only HiGHS on the plain problem (rows merged, every candidate kept)
checks the reductions ``choose_locations`` makes under a minimum per wijk.

spopt's model asks for exactly ``N`` sites, ``choose_locations`` for at most ``N``; with
positive weights and at least ``N`` columns the optima are equal (adding a site never
uncovers a home).

Times are wall time (``time.perf_counter``) and CPU time (``os.times``: this process and
its finished child processes, so CBC's CPU counts too). On a loaded machine wall time
waits for the CPU; compare CPU times. The exact and greedy solutions are timed once more
here, on the problem ``choose_locations`` solved (``LocationChoice.reduced``). HiGHS runs
on one thread.

Run from the repository root (needs the ``bench`` extra: ``pip install -e .[bench]``)::

    python benchmarks/bench_locations.py                  # demo and Utrecht
    python benchmarks/bench_locations.py --areas demo     # the demo only

Writes ``benchmarks/results/bench_locations.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
UTRECHT = ROOT.parent / "shared" / "data" / "utrecht" / "area.toml"
RESULT = ROOT / "benchmarks" / "results" / "bench_locations.json"

#: (question, N, minimum per wijk) per run: the council's questions of the issue, and one
#: with a minimum per wijk (not in spopt's MCLP: there only HiGHS on the plain problem,
#: every candidate kept, checks the reductions).
CASES = (("speelplek", 10, 0), ("ontmoetingsplek", 3, 0), ("voorzieningen", 3, 0), ("speelplek", 10, 1))


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Timer:
    """Wall seconds and CPU seconds (this process and its finished child processes, such as
    CBC) of a block."""

    def __enter__(self) -> Timer:
        self.w, self.c = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.w
        self.cpu = _cpu() - self.c


def covered(A: sp.csr_matrix, weight: np.ndarray, cols: list[int] | np.ndarray) -> float:
    """Weight of the rows of ``A`` that one of ``cols`` covers."""
    cols = np.asarray(cols, dtype=np.int64)
    if len(cols) == 0:
        return 0.0
    hit = np.asarray(sp.csc_matrix(A)[:, cols].sum(axis=1)).ravel() > 0
    return float(weight[hit].sum())


def plain_problem(A: sp.csr_matrix, weight: np.ndarray, *, all_cols: bool = False,
                  ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Rows with weight and coverage, identical rows merged (summed weight), and the columns
    that cover some row (every column with ``all_cols``: a minimum per wijk may need a
    useless one); returns the matrix, the row weights and the kept columns."""
    A = sp.csr_matrix(A, dtype=bool)
    A.sort_indices()
    rows = np.flatnonzero((weight > 0) & (np.diff(A.indptr) > 0))
    A = A[rows]
    w = weight[rows]
    keys = [A.indices[A.indptr[r] : A.indptr[r + 1]].tobytes() for r in range(A.shape[0])]
    _, first, inverse = np.unique(np.array(keys, dtype=object), return_index=True, return_inverse=True)
    merged_w = np.bincount(inverse.ravel(), weights=w, minlength=len(first))
    A = A[first]
    cols = (np.arange(A.shape[1]) if all_cols
            else np.flatnonzero(np.asarray(A.sum(axis=0)).ravel() > 0))
    return sp.csr_matrix(A[:, cols]), merged_w, cols


def bound_pruned(A: sp.csr_matrix, weight: np.ndarray, n: int, lower: float) -> np.ndarray:
    """Mask of the columns that can be in an optimal solution of "cover the most weight with
    at most ``n`` columns", given a feasible objective ``lower`` (the greedy one).

    A column ``j`` is dropped when an upper bound on every solution that contains it is
    below ``lower`` (so no optimal solution contains it):

    * ``g_j`` + the ``n - 1`` largest ``g_k`` of the other columns, ``g`` the weight a
      column covers on its own (coverage is subadditive);
    * the LP relaxation with ``x_j = 1``: at most ``z_LP - r_j``, ``r_j >= 0`` the reduced
      cost of ``x_j`` at its lower bound 0 (the LP value is concave in the bound, and the
      reduced cost is a supergradient), from SciPy's ``linprog``.
    A relative margin of 1e-7 keeps rounding from dropping a column it should not.
    """
    from scipy.optimize import linprog

    A = sp.csr_matrix(A, dtype=np.float64)
    n_rows, n_cols = A.shape
    if n_cols <= n:
        return np.ones(n_cols, dtype=bool)
    g = np.asarray(A.T @ weight).ravel()
    top = np.sort(g)[::-1]
    in_top = g >= top[n - 2] if n >= 2 else np.zeros(n_cols, dtype=bool)
    ub_sum = g + top[: n - 1].sum() - np.where(in_top, g - top[n - 1], 0.0)
    a_ub = sp.vstack([sp.hstack([-A, sp.identity(n_rows)]),
                      sp.hstack([sp.csr_matrix(np.ones((1, n_cols))), sp.csr_matrix((1, n_rows))])]).tocsc()
    res = linprog(-np.concatenate([np.zeros(n_cols), weight]), A_ub=a_ub,
                  b_ub=np.concatenate([np.zeros(n_rows), [float(n)]]), bounds=(0, 1), method="highs")
    if res.status != 0:
        raise SystemExit(f"LP relaxation failed: {res.message}")
    ub_lp = -res.fun - np.asarray(res.lower.marginals[:n_cols])
    margin = lower * 1e-7
    return (ub_sum >= lower - margin) & (ub_lp >= lower - margin)


def solve_spopt(A: sp.csr_matrix, weight: np.ndarray, n: int) -> dict[str, Any]:
    """spopt's MCLP on the coverage matrix ``A`` with PuLP's CBC: chosen columns and times."""
    import pulp
    from spopt.locate import MCLP

    cost = np.where(A.toarray(), 0.0, 1.0)
    with Timer() as build:
        model = MCLP.from_cost_matrix(cost, weight, service_radius=0.5, p_facilities=min(n, A.shape[1]))
    del cost
    with Timer() as solve:
        model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    chosen = [j for j, v in enumerate(model.fac_vars) if v.value() is not None and v.value() > 0.5]
    return {
        "cols": chosen,
        "status": pulp.LpStatus[model.problem.status],
        "objective_model": float(pulp.value(model.problem.objective)),
        "build_wall_s": build.wall,
        "solve_wall_s": solve.wall,
        "build_cpu_s": build.cpu,
        "solve_cpu_s": solve.cpu,
    }


def bench_area(name: str, area: Any, cases: tuple[tuple[str, int, int], ...], spopt_cells: float,
               tmp: Path) -> list[dict[str, Any]]:
    import afweging
    from afweging.analyses.locations import (
        Constraints,
        export_problem,
        read_problem,
        solve_exact,
        solve_greedy,
    )
    from afweging.analyses.locations.solve import bound_keep
    from afweging.analyses.plan import prepare_baseline

    with Timer() as t:
        base = prepare_baseline(area)
        prios = afweging.prioritise(area, base.layers, base.reach)
    print(f"{name}: baseline {t.wall:.1f} s wall", flush=True)
    rows = []
    for question, n, m in cases:
        with Timer() as t_choice:
            ch = afweging.choose_locations(area, question=question, n=n, layers=base.layers,
                                           reach=base.reach, priorities=prios, min_per_wijk=m)
        path = export_problem(ch, tmp / f"{name}_{question}_{m}.npz")
        prob = read_problem(path)
        A, w = prob["coverage"], prob["weight"]
        obj = covered(A, w, prob["chosen"])
        obj_g = covered(A, w, prob["chosen_greedy"])

        red = ch.reduced
        wijk = prob["candidate_wijk"].astype(str)
        assert int(prob["min_per_wijk"]) == m
        c = Constraints(n=n, wijk=wijk[red.sites], min_per_wijk=m)
        with Timer() as t_greedy:
            greedy = solve_greedy(red.A, red.weight, c)
        with Timer() as t_exact:
            exact = solve_exact(red.A, red.weight, c, time_limit_s=600.0, greedy=greedy)
        with Timer() as t_nobound:
            nobound = solve_exact(red.A, red.weight, c, time_limit_s=600.0, greedy=greedy, prune=False)
        kept = bound_keep(red.A, red.weight, n, greedy.objective)
        for sol in (exact, nobound):
            assert abs(covered(A, w, red.sites[list(sol.sites)]) - obj) <= 1e-6 * max(1.0, obj)

        P, pw, pcols = plain_problem(A, w, all_cols=m > 0)
        with Timer() as t_plain:
            plain = solve_exact(P, pw, Constraints(n=n, wijk=wijk[pcols], min_per_wijk=m),
                                time_limit_s=600.0, prune=False)
        obj_plain = covered(A, w, pcols[list(plain.sites)])

        sp_res: dict[str, Any] | None = None
        if m > 0:
            S, which = None, "niet van toepassing (MCLP kent geen minimum per wijk)"
        elif P.shape[0] * P.shape[1] <= spopt_cells:
            S, sw, scols, which = P, pw, pcols, "rijen samengevoegd"
        else:
            keep = bound_pruned(red.A, red.weight, n, covered(red.A, red.weight, ch.greedy.sites))
            S = sp.csr_matrix(red.A[:, keep])
            live = np.diff(S.indptr) > 0
            S, sw, scols = sp.csr_matrix(S[live]), red.weight[live], red.sites[keep]
            which = "na dominantie- en grensreductie"
        if S is not None:
            sp_res = solve_spopt(S, sw, n)
            obj_spopt = covered(A, w, scols[sp_res["cols"]])

        row = {
            "area": name,
            "question": question,
            "min_per_wijk": m,
            "n": n,
            "candidates": int(A.shape[1]),
            "candidates_by_origin": {str(k): int(v) for k, v in
                                     ch.candidates["origin"].value_counts().sort_index().items()},
            "homes": int(A.shape[0]),
            "homes_with_demand": int((w > 0).sum()),
            "homes_already_covered": int(prob["covered"].sum()),
            "homes_excluded": int(prob["excluded"].sum()),
            "plain_rows": int(P.shape[0]),
            "plain_cols": int(P.shape[1]),
            "reduced_rows": int(ch.reduced.A.shape[0]),
            "reduced_cols": int(ch.reduced.A.shape[1]),
            "objective_exact": round(obj, 4),
            "objective_greedy": round(obj_g, 4),
            "objective_exact_unreduced": round(obj_plain, 4),
            "objective_spopt": round(obj_spopt, 4) if sp_res else None,
            "objective_spopt_model": round(sp_res["objective_model"], 4) if sp_res else None,
            "spopt_status": sp_res["status"] if sp_res else None,
            "spopt_matrix": which,
            "spopt_rows": int(S.shape[0]) if S is not None else None,
            "spopt_cols": int(S.shape[1]) if S is not None else None,
            "exact_status": ch.comparison["status"],
            "gap_greedy_pct": round(100.0 * (obj - obj_g) / obj, 3) if obj > 0 else 0.0,
            "people_new_exact": round(ch.comparison["people_new"], 1),
            "people_new_greedy": round(ch.comparison["people_new_greedy"], 1),
            "exact_ge_greedy": bool(obj >= obj_g - 1e-6 * max(1.0, obj)),
            "exact_eq_spopt": bool(abs(obj - obj_spopt) <= 1e-6 * max(1.0, obj)) if sp_res else None,
            "exact_eq_unreduced": bool(abs(obj - obj_plain) <= 1e-6 * max(1.0, obj)),
            "choose_locations_wall_s": round(t_choice.wall, 2),
            "choose_locations_cpu_s": round(t_choice.cpu, 2),
            "choose_locations_steps_wall_s": {k: round(v, 3) for k, v in ch.timings_s.items()},
            "exact_sites_after_bound": int(kept.sum()),
            "exact_wall_s": round(t_exact.wall, 3),
            "exact_cpu_s": round(t_exact.cpu, 3),
            "greedy_wall_s": round(t_greedy.wall, 4),
            "greedy_cpu_s": round(t_greedy.cpu, 4),
            "exact_without_bound_wall_s": round(t_nobound.wall, 3),
            "exact_without_bound_cpu_s": round(t_nobound.cpu, 3),
            "highs_unreduced_wall_s": round(t_plain.wall, 3),
            "highs_unreduced_cpu_s": round(t_plain.cpu, 3),
            **({"spopt_build_wall_s": round(sp_res["build_wall_s"], 2),
                "spopt_build_cpu_s": round(sp_res["build_cpu_s"], 2),
                "spopt_cbc_wall_s": round(sp_res["solve_wall_s"], 2),
                "spopt_cbc_cpu_s": round(sp_res["solve_cpu_s"], 2),
                "ratio_spopt_to_exact_cpu": round((sp_res["build_cpu_s"] + sp_res["solve_cpu_s"])
                                                  / max(t_exact.cpu, 1e-3), 1)} if sp_res else {}),
            "ratio_unreduced_to_exact_cpu": round(t_plain.cpu / max(t_exact.cpu, 1e-3), 1),
            "ratio_without_bound_to_exact_cpu": round(t_nobound.cpu / max(t_exact.cpu, 1e-3), 1),
        }
        print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--areas", nargs="+", choices=["demo", "utrecht"], default=["demo", "utrecht"])
    parser.add_argument("--manifest", type=Path, default=UTRECHT)
    parser.add_argument("--spopt-cells", type=float, default=3e6,
                        help="largest dense matrix (rows x columns) given to spopt unreduced")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from afweging.data.demo import demo_area
    from afweging.data.manifest import load_area

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.areas:
            with Timer() as t:
                area = demo_area() if name == "demo" else load_area(args.manifest)
            print(f"{name}: loaded in {t.wall:.1f} s", flush=True)
            rows += bench_area(name, area, CASES, args.spopt_cells, Path(tmp))
    from importlib.metadata import version

    out = {
        "manifest": str(args.manifest) if "utrecht" in args.areas else None,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": {k: version(k) for k in ("highspy", "spopt", "pulp", "scipy")},
        "all_exact_ge_greedy": all(r["exact_ge_greedy"] for r in rows),
        "all_exact_eq_spopt": all(r["exact_eq_spopt"] for r in rows if r["exact_eq_spopt"] is not None),
        "all_exact_eq_unreduced": all(r["exact_eq_unreduced"] for r in rows),
        "rows": rows,
    }
    RESULT.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {RESULT}")
    if not (out["all_exact_ge_greedy"] and out["all_exact_eq_spopt"] and out["all_exact_eq_unreduced"]):
        raise SystemExit("MISMATCH: see the rows above")


if __name__ == "__main__":
    main()
