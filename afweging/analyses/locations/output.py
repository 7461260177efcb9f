"""Writing a location choice: ``locaties.csv``, ``locaties.gpkg`` and the problem as ``.npz``.

``locaties.csv``
    The chosen sites in order of marginal gain, Dutch headers, the Dutch spreadsheet
    convention of ``prioriteiten.csv`` (``;`` between fields, decimal comma, UTF-8 with
    BOM): volgorde, locatie, herkomst, naam, buurtcode, buurt, wijk, vast, the target
    group newly within the norm (and each report group), the need-weighted gain and its
    running total, the share of it measured along the network, RD coordinates, reden.
``locaties.gpkg``
    Layers ``locaties`` (the chosen sites, the same columns with short names),
    ``gretig`` (the greedy solution, for comparison) and ``kandidaten`` (every candidate
    with where it came from and what became of it).
``--export-problem problem.npz``
    The coverage problem in plain arrays, so anyone can solve it with another tool;
    format in ``docs/location_problem.md``.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from afweging._csv import csv_bytes
from afweging._errors import LocationError
from afweging._outputs import atomic_write_bytes, atomic_write_with, fixed_gpkg_date
from afweging.analyses.locations.choice import LocationChoice

#: Version of the ``.npz`` problem format (``docs/location_problem.md``).
PROBLEM_FORMAT = "afweging-locatieprobleem/1"

def locations_table(choice: LocationChoice, *, greedy: bool = False) -> pd.DataFrame:
    """The rows of ``locaties.csv`` (Dutch headers), or of the greedy solution."""
    q = choice.demand.question
    s = choice.greedy_sites if greedy else choice.sites
    group = q.group_label
    out = pd.DataFrame({
        "volgorde": s["rank"].astype("Int64"),
        "locatie": s["site_id"].astype(str),
        "herkomst": s["origin"].astype(str),
        "naam": s["name"].astype(str),
        "buurtcode": s["buurtcode"].astype(str),
        "buurt": s["buurtnaam"].astype(str),
        "wijk": s["wijknaam"].astype(str),
        "vast": np.where(s["fixed"].astype(bool), "ja", "nee"),
        f"{group} nieuw binnen de norm": s["people_new"].astype(float).round(0).astype("Int64"),
    })
    for col, label in q.report_groups.items():
        out[f"{label} nieuw binnen de norm"] = s[f"people_new_{col}"].astype(float).round(0).astype("Int64")
    out["behoeftegewogen winst"] = s["weight_new"].astype(float).round(1)
    out["behoeftegewogen totaal"] = s["weight_cumulative"].astype(float).round(1)
    out["via netwerk (%)"] = s["network_pct"].astype(float).round(0)
    out["x (RD)"] = s.geometry.x.round(1).to_numpy() if len(s) else []
    out["y (RD)"] = s.geometry.y.round(1).to_numpy() if len(s) else []
    out["reden"] = s["reason"].astype(str)
    return out


def _gpkg_frame(sites: gpd.GeoDataFrame, choice: LocationChoice) -> gpd.GeoDataFrame:
    q = choice.demand.question
    cols = {
        "rank": "volgorde", "site_id": "locatie", "origin": "herkomst", "name": "naam",
        "buurtcode": "buurtcode", "buurtnaam": "buurtnaam", "wijkcode": "wijkcode",
        "wijknaam": "wijknaam", "fixed": "vast", "people_new": "mensen_nieuw",
        **{f"people_new_{c}": f"mensen_nieuw_{c}" for c in q.report_groups},
        "weight_new": "winst_gewogen", "weight_cumulative": "totaal_gewogen",
        "network_pct": "netwerk_pct", "reason": "reden",
    }
    out = sites[[*cols, "geometry"]].rename(columns=cols)
    out["vast"] = out["vast"].astype("int8")
    out["volgorde"] = out["volgorde"].astype("int32")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=sites.crs)


def write_locations(choice: LocationChoice, out_dir: str | Path) -> list[Path]:
    """Write ``locaties.csv`` and ``locaties.gpkg`` into ``out_dir`` (each swapped in whole).

    Returns the two paths.
    """
    out = Path(out_dir)
    data = csv_bytes(locations_table(choice))
    out.mkdir(parents=True, exist_ok=True)
    csv = atomic_write_bytes(out / "locaties.csv", data)

    cand = choice.candidates.reset_index()
    cand = gpd.GeoDataFrame({
        "locatie": cand["site_id"].astype(str),
        "herkomst": cand["origin"].astype(str),
        "naam": cand["name"].astype(str),
        "buurtcode": cand["buurtcode"].astype(str),
        "wijkcode": cand["wijkcode"].astype(str),
        "vast": cand["fixed"].astype("int8"),
        "status": cand["status"].astype(str),
    }, geometry=cand.geometry.to_numpy(), crs=choice.candidates.crs)

    def gpkg(p: Path) -> None:
        with fixed_gpkg_date():
            _gpkg_frame(choice.sites, choice).to_file(p, layer="locaties", driver="GPKG")
            _gpkg_frame(choice.greedy_sites, choice).to_file(p, layer="gretig", driver="GPKG")
            cand.to_file(p, layer="kandidaten", driver="GPKG")

    return [csv, atomic_write_with(out / "locaties.gpkg", gpkg)]


def problem_arrays(choice: LocationChoice) -> dict[str, np.ndarray]:
    """The coverage problem as plain arrays (see ``docs/location_problem.md``)."""
    d = choice.demand
    homes = d.homes
    n_homes, n_sites = len(homes), len(choice.candidates)
    cov = choice.coverage
    # rows of every home; only homes with demand have entries
    coo = cov.serves.tocoo()
    A = sp.csr_matrix((np.ones(coo.nnz, dtype=np.int8), (cov.homes[coo.row], coo.col)),
                      shape=(n_homes, n_sites))
    A.sort_indices()
    cand = choice.candidates
    chosen = {s: i for i, s in enumerate(cand.index.astype(str))}
    c = choice.constraints
    return {
        "format": np.array(PROBLEM_FORMAT),
        "question": np.array(choice.question),
        "n": np.array(choice.n, dtype=np.int64),
        "min_per_wijk": np.array(c["min_per_wijk"], dtype=np.int64),
        "max_per_buurt": np.array(-1 if c["max_per_buurt"] is None else c["max_per_buurt"], dtype=np.int64),
        "fixed": np.array([chosen[f] for f in c["fixed"]], dtype=np.int64),
        "candidate_ids": cand.index.astype(str).to_numpy().astype(str),
        "candidate_xy": np.column_stack([cand.geometry.x, cand.geometry.y]).astype(np.float64),
        "candidate_buurt": cand["buurtcode"].astype(str).to_numpy().astype(str),
        "candidate_wijk": cand["wijkcode"].astype(str).to_numpy().astype(str),
        "candidate_origin": cand["origin"].astype(str).to_numpy().astype(str),
        "home_ids": homes.index.astype(str).to_numpy().astype(str),
        "home_xy": d.xy.astype(np.float64),
        "home_buurt": homes["buurtcode"].astype(str).to_numpy().astype(str),
        "weight": homes["weight"].to_numpy(dtype=np.float64),
        "people": homes["people"].to_numpy(dtype=np.float64),
        "covered": homes["covered"].to_numpy(dtype=bool),
        "excluded": homes["excluded"].to_numpy(dtype=bool),
        "coverage_data": A.data,
        "coverage_indices": A.indices.astype(np.int64),
        "coverage_indptr": A.indptr.astype(np.int64),
        "coverage_shape": np.array(A.shape, dtype=np.int64),
        "chosen": np.array([chosen[s] for s in choice.sites["site_id"]], dtype=np.int64),
        "chosen_greedy": np.array([chosen[s] for s in choice.greedy_sites["site_id"]], dtype=np.int64),
        "objective": np.array(choice.objective, dtype=np.float64),
        "objective_greedy": np.array(choice.comparison["objective_greedy"], dtype=np.float64),
    }


def problem_file(path: str | Path) -> Path:
    """The file :func:`export_problem` writes for ``path`` (``.npz`` added when missing),
    checked before anything is computed: not a folder, and its folder writable.

    Raises
    ------
    LocationError
        In Dutch, with the fix.
    """
    p = Path(path)
    if p.suffix.lower() != ".npz" and not p.is_dir():
        p = p.with_name(p.name + ".npz")
    if p.is_dir():
        raise LocationError(f"--export-problem {path}: dat is een map; geef een bestandsnaam, "
                            f"bijvoorbeeld {Path(path) / 'probleem.npz'}.")
    folder = next((f for f in (p.parent, *p.parent.parents) if f.exists()), Path("."))
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise LocationError(f"--export-problem {path}: in {folder} kan afweging niet schrijven. "
                            f"Kies een map waarin u mag schrijven.")
    return p


def export_problem(choice: LocationChoice, path: str | Path) -> Path:
    """Write the coverage problem as a compressed ``.npz`` (swapped in whole)."""
    path = problem_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    # numpy's savez stamps the current time on every member; a fixed date keeps the file
    # byte-identical for identical input
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in problem_arrays(choice).items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)
    return atomic_write_bytes(path, buf.getvalue())


def read_problem(path: str | Path) -> dict[str, Any]:
    """Read a problem written by :func:`export_problem`: the arrays, with ``coverage`` as
    a ``scipy.sparse.csr_matrix`` (homes × candidates)."""
    with np.load(Path(path), allow_pickle=False) as z:
        out: dict[str, Any] = {k: z[k] for k in z.files}
    out["coverage"] = sp.csr_matrix(
        (out.pop("coverage_data"), out.pop("coverage_indices"), out.pop("coverage_indptr")),
        shape=tuple(out.pop("coverage_shape")),
    )
    return out
