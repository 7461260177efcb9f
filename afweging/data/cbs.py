"""CBS Kerncijfers wijken en buurten (kwb), local files in CBS's kwb layout.

CBS publishes one row per gemeente, wijk and buurt, with the code in ``gwb_code_10``
(``GM0344``, ``WK034401``, ``BU03440111``) and ``"."`` for unknown or secret values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from afweging._errors import InputFileNotFoundError, ManifestError, MissingColumnError

#: Text columns of the kwb layout; every other column is numeric.
KWB_TEXT_COLUMNS = ("gwb_code_10", "gwb_code_8", "regio", "gm_naam", "recs", "gwb_code", "ind_wbi")


def read_kwb(path: str | Path, *, id_column: str = "gwb_code_10", sheet: str | int | None = None) -> pd.DataFrame:
    """Read a kwb table (CSV or XLSX) indexed by its code column, numbers as floats.

    CBS's ``"."`` (unknown / secret) and empty cells become ``NaN`` -- never 0.

    Parameters
    ----------
    path : path-like
        ``.csv`` (comma or semicolon separated) or ``.xlsx``/``.xls``.
    id_column : str
        Column holding the region codes.
    sheet : str or int, optional
        Sheet of an Excel file (default: the first).
    """
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"Statistics file {path} does not exist.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=str)
    elif suffix in (".csv", ".txt"):
        with path.open(encoding="utf-8-sig") as fh:
            head = fh.readline()
        sep = ";" if head.count(";") > head.count(",") else ","
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        raise ManifestError(f"Statistics file {path}: unknown format {suffix!r}; use CSV or XLSX in CBS kwb layout.")
    df.columns = [str(c).strip() for c in df.columns]
    if id_column not in df.columns:
        raise MissingColumnError(
            f"Statistics file {path} has no id column {id_column!r}; its first columns are "
            f"{list(df.columns)[:8]}. Set `id = \"<column with codes like BU03440111>\"` in [statistics]."
        )
    df[id_column] = df[id_column].astype(str).str.strip()
    df = df[df[id_column] != ""]
    for col in df.columns:
        if col in KWB_TEXT_COLUMNS or col == id_column:
            df[col] = df[col].astype(str).str.strip()
            continue
        s = df[col].astype(str).str.strip().replace({".": "", "nan": "", "None": ""})
        s = s.str.replace(" ", "", regex=False)
        # Dutch decimal comma (only when there is no dot in the column)
        if s.str.contains(",", regex=False).any() and not s.str.contains(".", regex=False).any():
            s = s.str.replace(",", ".", regex=False)
        df[col] = pd.to_numeric(s.replace("", np.nan), errors="coerce").astype("float64")
    if df[id_column].duplicated().any():
        dup = df.loc[df[id_column].duplicated(), id_column].tolist()[:5]
        raise ManifestError(f"Statistics file {path}: codes occur more than once in {id_column!r}: {dup}.")
    return df.set_index(id_column)
