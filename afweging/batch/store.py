"""The per-gemeente results of a batch on disk, written as they finish.

``<out>/gemeenten/<gemeentecode>/`` holds ``buurten.parquet`` and ``woningen.parquet``
(GeoParquet) and ``gemeente.json`` (status, reason, timings, caveats, the barcode of the
gemeente). Every file is written to a temporary name and renamed into place, and
``gemeente.json`` comes last: a gemeente counts as finished only when its
``gemeente.json`` says ``"klaar"`` with the fingerprint of the same inputs and settings.
An interrupted batch therefore resumes where it stopped: finished gemeenten are skipped,
the others (also failed ones) are computed again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd

from afweging._outputs import atomic_write_with
from afweging.batch.task import BUURTEN_FILE, DONE, HOMES_FILE, STATUS_FILE, GemeenteResult

#: Folder of the per-gemeente results inside the out folder.
GEMEENTEN_DIR = "gemeenten"


class BatchStore:
    """The ``gemeenten/`` folder of an out folder."""

    def __init__(self, out_dir: str | Path) -> None:
        self.root = Path(out_dir) / GEMEENTEN_DIR

    def folder(self, code: str) -> Path:
        return self.root / code

    def status(self, code: str) -> dict[str, Any] | None:
        """The recorded ``gemeente.json`` of a gemeente, or None."""
        path = self.folder(code) / STATUS_FILE
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def done(self, code: str, fingerprint: str) -> bool:
        """Whether the gemeente finished earlier with the same inputs and settings."""
        st = self.status(code)
        if st is None or st.get("status") != DONE or st.get("fingerprint") != fingerprint:
            return False
        return all((self.folder(code) / f).exists() for f in (BUURTEN_FILE, HOMES_FILE))

    def write(self, result: GemeenteResult, fingerprint: str) -> None:
        """Write a gemeente's result (files first, ``gemeente.json`` last)."""
        folder = self.folder(result.code)
        folder.mkdir(parents=True, exist_ok=True)
        if result.status == DONE:
            assert result.buurten is not None and result.homes is not None
            buurten, homes = result.buurten, result.homes
            atomic_write_with(folder / BUURTEN_FILE, lambda p: buurten.to_parquet(p))
            atomic_write_with(folder / HOMES_FILE, lambda p: homes.to_parquet(p))
        doc = {"gemeentecode": result.code, "gemeentenaam": result.name, "status": result.status,
               "reason": result.reason, "fingerprint": fingerprint, **result.info}
        text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        atomic_write_with(folder / STATUS_FILE, lambda p: p.write_text(text + "\n", encoding="utf-8"))

    def buurten(self, code: str) -> gpd.GeoDataFrame:
        return gpd.read_parquet(self.folder(code) / BUURTEN_FILE)

    def homes(self, code: str, columns: list[str] | None = None) -> gpd.GeoDataFrame:
        return gpd.read_parquet(self.folder(code) / HOMES_FILE, columns=columns)
