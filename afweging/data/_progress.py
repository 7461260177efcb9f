"""Progress bars for downloads (tqdm on stderr), shown only when ``settings.progress`` is on.

``afweging fetch`` turns them on; library calls stay quiet by default (no output a caller
did not ask for).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from afweging import settings


class _Quiet:
    """Stands in for a tqdm bar when progress is off."""

    def update(self, n: float = 1) -> None:
        """Do nothing."""


@contextmanager
def bar(desc: str, *, unit: str, total: float | None = None) -> Iterator[Any]:
    """A progress bar for one source: ``unit`` is ``"B"`` (bytes) or a Dutch noun (features).

    Yields an object with ``update(n)``.
    """
    if not settings.progress:
        yield _Quiet()
        return
    from tqdm import tqdm

    with tqdm(desc=desc, unit=unit if unit == "B" else f" {unit}", total=total, unit_scale=unit == "B", unit_divisor=1024 if unit == "B" else 1000,
              leave=True, file=sys.stderr, dynamic_ncols=True) as t:
        yield t
