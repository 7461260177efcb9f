"""The plan check: what a development plan does to the barcode, and what it must add.

Public functions
----------------
:func:`read_plan` / :func:`plan_from_frame`
    Read and validate a plan (GeoJSON/GeoPackage, any CRS; format in
    ``docs/plan_format.md``).
:func:`prepare_baseline`
    Layers, reachability and barcode of the area before any plan (compute once).
:func:`check_plan` / :func:`check_plans`
    Apply a plan (or variants) and score before and after (:class:`PlanCheck`).
:func:`write_plan_checks`
    ``plan_check.html`` and ``plan_check.json``, variants side by side.
:func:`plan_command_main`
    The work of ``afweging plan``.

Modules, in the order the data flows: :mod:`~.format` (reading, validation),
:mod:`~.apply` (the plan applied to the area), :mod:`~.norms` (plan norms and
verdicts), :mod:`~.check` (before/after), :mod:`~.report` (JSON and HTML) and
:mod:`~.command` (the CLI's runner).
"""

from afweging.analyses.plan.apply import AppliedPlan, apply_plan
from afweging.analyses.plan.check import (
    Baseline,
    PlanCheck,
    check_plan,
    check_plans,
    prepare_baseline,
)
from afweging.analyses.plan.command import PlanRunResult, plan_command_main
from afweging.analyses.plan.format import (
    FUNCTIONS,
    PROPERTIES,
    SPREADS,
    Plan,
    plan_from_frame,
    read_plan,
)
from afweging.analyses.plan.norms import PlanQuantities, Verdict
from afweging.analyses.plan.report import write_plan_checks

__all__ = [
    "FUNCTIONS",
    "PROPERTIES",
    "SPREADS",
    "AppliedPlan",
    "Baseline",
    "Plan",
    "PlanCheck",
    "PlanQuantities",
    "PlanRunResult",
    "Verdict",
    "apply_plan",
    "check_plan",
    "check_plans",
    "plan_command_main",
    "plan_from_frame",
    "prepare_baseline",
    "read_plan",
    "write_plan_checks",
]
