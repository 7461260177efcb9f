"""The one CSV writer for tables a planner opens in a spreadsheet.

Every CSV the toolkit writes (``prioriteiten.csv``, ``prioriteiten_<jaar>.csv``,
``locaties.csv``, the batch's ``barcode.csv`` and ``prioriteiten.csv``) goes through
:func:`write_csv`: the Dutch spreadsheet convention (``;`` between fields, decimal comma,
UTF-8 with BOM, ``\\n`` line ends) and no cell that a spreadsheet runs as a formula.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula to Excel and LibreOffice (CSV injection, OWASP): a buurt or plan named
``=HYPERLINK("http://…")`` would run when the file is opened. Such a cell gets a leading
apostrophe, which the spreadsheet shows as text and does not display. Numbers are left
alone (a negative number is a number, not a formula).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from afweging._outputs import atomic_write_bytes

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula, with a leading apostrophe.

    Examples
    --------
    >>> safe_cell("=1+1"), safe_cell("-ab"), safe_cell("Oog in Al"), safe_cell(-3)
    ("'=1+1", "'-ab", 'Oog in Al', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are :func:`safe_cell`."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The bytes :func:`write_csv` writes for ``frame``."""
    buf = io.StringIO()
    spreadsheet_safe(frame).to_csv(buf, sep=";", decimal=",", index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a Dutch spreadsheet CSV with formula cells neutralised.

    Parameters
    ----------
    frame : DataFrame
        Written without its index.
    path : path-like
        The file (inside an :class:`~afweging._outputs.OutputFolder` staging folder, or a
        plain path for the Python API).
    """
    return atomic_write_bytes(path, csv_bytes(frame))  # a plain path (API) never gets half a file
