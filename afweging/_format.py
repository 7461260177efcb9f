"""Dutch number formatting for what planners read (1.234,5 — not 1,234.5)."""

from __future__ import annotations

import math


def nl_number(value: float, decimals: int = 0) -> str:
    """Format a number the Dutch way; ``NaN`` becomes ``"onbekend"``.

    Examples
    --------
    >>> nl_number(367715)
    '367.715'
    >>> nl_number(65.54, 1)
    '65,5'
    >>> nl_number(float("nan"))
    'onbekend'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
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
