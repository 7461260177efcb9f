"""The batch over many gemeenten: partitioned per gemeente with border buffers, on Dask.

Public functions
----------------
:func:`run_batch`
    Every gemeente's layers, reachability, barcode and priorities; results per gemeente
    written as they finish (a rerun skips finished ones), then merged.
:func:`border_buffer`
    How far beyond a gemeente's border its task looks, derived from the settings.

Modules: :mod:`~.buffer` (the border buffer), :mod:`~.partition` (cutting one gemeente
with its buffer from a region), :mod:`~.task` (the task of one gemeente), :mod:`~.store`
(per-gemeente results on disk), :mod:`~.cluster` (Dask), :mod:`~.merge` (merging and the
relative measures), :mod:`~.report` (``batch.html``) and :mod:`~.api`.
"""

from afweging.batch.api import OUTPUT_FILES, BatchResult, run_batch
from afweging.batch.buffer import BorderBuffer, border_buffer

__all__ = ["OUTPUT_FILES", "BatchResult", "BorderBuffer", "border_buffer", "run_batch"]
