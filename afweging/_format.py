"""Dutch number formatting for what planners read (1.234,5 — not 1,234.5)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def nl_number(value: float, decimals: int = 0) -> str:
    """Format a number the Dutch way; no value (None, ``NaN``, ``pd.NA``, ±∞) becomes
    ``"onbekend"``: a planner never reads "nan" or "inf".

    Examples
    --------
    >>> nl_number(367715)
    '367.715'
    >>> nl_number(65.54, 1)
    '65,5'
    >>> nl_number(float("nan")), nl_number(float("inf")), nl_number(float("-inf"))
    ('onbekend', 'onbekend', 'onbekend')
    """
    if value is None:
        return "onbekend"
    try:
        finite = math.isfinite(float(value))
    except TypeError:  # pd.NA
        finite = False
    if not finite:
        return "onbekend"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def nl_int(value: float) -> str:
    """Integer with a dot as thousands separator."""
    return nl_number(value, 0)


def nl_pct(value: float, decimals: int = 0) -> str:
    """A percentage (0–100) with a Dutch decimal comma: ``'61 %'``."""
    text = nl_number(value, decimals)
    return text if text == "onbekend" else f"{text} %"


def nl_names(names: Sequence[object], limit: int = 10, *, sep: str = ", ") -> str:
    """At most ``limit`` names, then "en N meer", so a count and its list always agree.

    Examples
    --------
    >>> nl_names(["Zuilen", "Ondiep"])
    'Zuilen, Ondiep'
    >>> nl_names(["a", "b", "c", "d"], 2)
    'a, b en 2 meer'
    """
    items = [str(n) for n in names]
    if len(items) <= limit:
        return sep.join(items)
    return f"{sep.join(items[:limit])} en {len(items) - limit} meer"


def nl_area(m2: float) -> str:
    """An area in m² rounded as in a memo: to 100 m² from 10.000 m², to 10 m² from
    1.000 m², else to 1 m² (a plan's 30.001 m² reads "30.000", a shortfall of 59.999 m²
    "60.000"). The exact numbers stay in ``plan_check.json``.

    Examples
    --------
    >>> nl_area(30001.2), nl_area(59999.0), nl_area(1234.0), nl_area(87.4), nl_area(float("nan"))
    ('30.000', '60.000', '1.230', '87', 'onbekend')
    """
    if m2 is None or not math.isfinite(float(m2)):
        return "onbekend"
    step = 100 if abs(m2) >= 10_000 else (10 if abs(m2) >= 1_000 else 1)
    return nl_int(round(float(m2) / step) * step)

