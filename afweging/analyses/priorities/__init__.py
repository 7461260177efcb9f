"""Priorities: where playgrounds, meeting places and facilities should come first.

Public functions
----------------
:func:`prioritise`
    Three ranked, explained lists (speelplek, ontmoetingsplek, voorzieningen): people
    out of reach x (1 + ongelijk investeren x need), with a Dutch reason per buurt.
:func:`write_priorities_csv`
    The lists as ``prioriteiten.csv``.
:func:`load_priority_config`
    The settings of ``priorities.toml`` with a user's overrides.
:func:`buurt_typology`
    Buurt types (KMeans on CBS indicators), named in Dutch.

Modules: :mod:`~.config` (priorities.toml), :mod:`~.inputs` (what is read from the area,
layers and reachability), :mod:`~.ranking` (need, gap, score, reasons, CSV),
:mod:`~.typology`. Where new playgrounds or meeting places should go is in
:mod:`afweging.analyses.locations`.
"""

from afweging.analyses.priorities.config import PriorityConfig, load_priority_config
from afweging.analyses.priorities.ranking import (
    PriorityResult,
    need_index,
    prio_col,
    priorities_table,
    prioritise,
    write_priorities_csv,
)
from afweging.analyses.priorities.typology import Typology, buurt_typology

__all__ = [
    "PriorityConfig",
    "PriorityResult",
    "Typology",
    "buurt_typology",
    "load_priority_config",
    "need_index",
    "prio_col",
    "priorities_table",
    "prioritise",
    "write_priorities_csv",
]
