"""Compare two output folders of ``afweging run`` / ``afweging plan`` file by file.

Usage: ``python scripts/compare_outputs.py BEFORE_DIR AFTER_DIR`` (exit code 1 on a
difference). Byte-identical files are "identical"; GeoPackage and GeoParquet files are
compared by content (exact frames), HTML files after normalising the bytes that were
known to vary between runs (folium's random element ids, the plan report's computing
time). Used to show that a refactoring changed no output.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd


def normalise_html(text: str) -> str:
    """HTML with the run-dependent bytes replaced by fixed text."""
    text = re.sub(r"_[0-9a-f]{32}", "_X", text)  # folium element ids (uuid4)
    text = re.sub(r"Rekentijd:[^<]*<", "Rekentijd: X<", text)  # plan_check.html timings
    return text


def same_content(a: Path, b: Path) -> bool:
    """Whether two non-identical files hold the same content (see the module doc)."""
    try:
        if a.suffix == ".html":
            return normalise_html(a.read_text("utf-8")) == normalise_html(b.read_text("utf-8"))
        if a.suffix == ".gpkg":
            layers = list(gpd.list_layers(a)["name"])
            if layers != list(gpd.list_layers(b)["name"]):
                return False
            for layer in layers:
                pd.testing.assert_frame_equal(gpd.read_file(a, layer=layer),
                                              gpd.read_file(b, layer=layer), check_exact=True)
            return True
        if a.suffix == ".parquet":
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), check_exact=True)
            return True
    except AssertionError as exc:
        print(exc)
    return False


def output_files(folder: Path) -> list[Path]:
    """The files a user sees in an output folder (the hidden ``.afweging`` state left out)."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).parts[0] != ".afweging")


def compare(before: Path, after: Path) -> bool:
    """Print one line per file; True when every file is identical or equivalent."""
    files_a = output_files(before)
    files_b = output_files(after)
    ok = files_a == files_b
    if not ok:
        print("file sets differ:", sorted(map(str, set(files_a) ^ set(files_b))))
    for rel in files_a:
        a, b = before / rel, after / rel
        if not b.exists():
            continue
        if a.read_bytes() == b.read_bytes():
            print(f"identical   {rel}")
        elif same_content(a, b):
            print(f"equivalent  {rel}")
        else:
            print(f"DIFFERENT   {rel}")
            ok = False
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(0 if compare(Path(sys.argv[1]), Path(sys.argv[2])) else 1)
