"""Demostad's homes and households along the residential streets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Polygon

from afweging.data.demo._layout import (
    _BUURTEN,
    _HOME_MIN_SPACING_M,
    _HOME_MIN_STREET_DISTANCE_M,
    _PROFILES,
)
from afweging.data.demo._streets import _Segments, _Way


# --------------------------------------------------------------------------- homes
def _points_along(line: LineString, dist: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Points at distances along a line, shifted sideways by ``offset`` (left > 0)."""
    length = line.length
    p = shapely.get_coordinates(shapely.line_interpolate_point(line, dist))
    a = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(dist - 1.0, 0.0)))
    b = shapely.get_coordinates(shapely.line_interpolate_point(line, np.minimum(dist + 1.0, length)))
    t = b - a
    t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
    normal = np.column_stack([-t[:, 1], t[:, 0]])
    return p + normal * offset[:, None]


def _home_candidates(ways: list[_Way], rng: np.random.Generator) -> pd.DataFrame:
    """Candidate dwellings along the residential streets: x, y, buurtcode, apartment."""
    frames = []
    for w in ways:
        if not w.homes:
            continue
        spec = next(s for s in _BUURTEN if s.code == w.buurt)
        prof = _PROFILES[spec.profile]
        length = w.geom.length
        if rng.random() < prof.p_slab:
            # slabs of `units per floor` flats 6 m wide; the floors are drawn 0.7 m
            # apart so that no two dwelling points coincide
            unit_w = 6.0
            slab = prof.slab_units_per_floor * unit_w
            starts = np.arange(14.0, length - slab - 10.0, slab + prof.slab_gap_m)
            if len(starts) == 0:
                continue
            s_, j, f = np.meshgrid(starts, np.arange(prof.slab_units_per_floor), np.arange(prof.slab_floors),
                                   indexing="ij")
            d = (s_ + (j + 0.5) * unit_w).ravel()
            lift = (f * 0.7).ravel()
            dist = np.concatenate([d, d])
            off = np.concatenate([prof.slab_offset_m + lift, -(prof.slab_offset_m + lift)])
            apartment = True
        else:
            s = prof.house_spacing_m
            d = np.arange(12.0, length - 12.0, s)
            if len(d) == 0:
                continue
            dist = np.concatenate([d, d + s / 2])
            off = np.concatenate([np.full(len(d), prof.house_offset_m), np.full(len(d), -prof.house_offset_m)])
            apartment = False
        xy = _points_along(w.geom, dist, off)
        frames.append(pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "buurtcode": w.buurt, "apartment": apartment}))
    return pd.concat(frames, ignore_index=True)


def _place_homes(
    ways: list[_Way],
    seg: _Segments,
    cells: dict[str, Polygon],
    forbidden: Polygon,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Keep candidates inside their buurt, off streets, green and water; thin out houses."""
    cand = _home_candidates(ways, rng)
    pts = shapely.points(cand["x"].to_numpy(), cand["y"].to_numpy())
    ok = np.zeros(len(cand), dtype=bool)
    for code, poly in cells.items():
        inner = poly.buffer(-8.0)
        shapely.prepare(inner)
        sel = (cand["buurtcode"] == code).to_numpy()
        ok[sel] = shapely.contains_xy(inner, cand["x"].to_numpy()[sel], cand["y"].to_numpy()[sel])
    shapely.prepare(forbidden)
    ok &= ~shapely.intersects(forbidden, pts)
    tree = shapely.STRtree(seg.geoms)
    near, _ = tree.query(pts, predicate="dwithin", distance=_HOME_MIN_STREET_DISTANCE_M)
    ok[near] = False
    cand = cand[ok].reset_index(drop=True)
    # houses from two streets meeting at a corner overlap: keep the first of each close pair
    houses = np.flatnonzero(~cand["apartment"].to_numpy())
    xy = cand[["x", "y"]].to_numpy()
    pairs = cKDTree(xy[houses]).query_pairs(_HOME_MIN_SPACING_M, output_type="ndarray")
    drop = np.zeros(len(cand), dtype=bool)
    for i, j in pairs[np.argsort(pairs[:, 0], kind="stable")]:
        if not drop[houses[i]]:
            drop[houses[j]] = True
    return cand[~drop].reset_index(drop=True)


def households(homes: pd.DataFrame, rng: np.random.Generator, profile: np.ndarray | None = None) -> pd.DataFrame:
    """Draw a household, a tenure and a WOZ value for every home (microsimulation).

    ``homes`` has ``buurtcode`` and ``apartment``; ``profile`` gives the buurt profile
    (a key of ``_PROFILES``) per home, by default that of the Demostad buurt. Adds
    ``residents``, ``n_00_14`` ... ``n_65_oo``, ``hh_type`` (0 single, 1 couple,
    2 family, 3 single parent), ``tenure`` (0 owner, 1 corporation, 2 private rent)
    and ``woz_keur``.
    """
    n = len(homes)
    if profile is None:
        profile = homes["buurtcode"].map({s.code: s.profile for s in _BUURTEN}).to_numpy()
    apt = homes["apartment"].to_numpy()
    hh = np.zeros(n, dtype=np.int64)
    tenure = np.zeros(n, dtype=np.int64)
    kids = np.zeros(n, dtype=np.int64)
    adult_grp = np.zeros((n, 2), dtype=np.int64)
    woz = np.zeros(n)
    for name, prof in _PROFILES.items():
        for is_apt in (False, True):
            sel = np.flatnonzero((profile == name) & (apt == is_apt))
            if len(sel) == 0:
                continue
            k = len(sel)
            hh[sel] = rng.choice(4, size=k, p=np.asarray(prof.hh_apartment if is_apt else prof.hh_house))
            tenure[sel] = rng.choice(3, size=k, p=np.asarray(prof.tenure_apartment if is_apt else prof.tenure_house))
            kids[sel] = 1 + rng.choice(4, size=k, p=np.asarray(prof.children))
            ages = np.asarray(prof.adult_ages)
            adult_grp[sel, 0] = rng.choice(4, size=k, p=ages)
            # partners are mostly in the same age group
            same = rng.random(k) < 0.8
            adult_grp[sel, 1] = np.where(same, adult_grp[sel, 0], rng.choice(4, size=k, p=ages))
            median = prof.woz_apartment_keur if is_apt else prof.woz_house_keur
            woz[sel] = median * np.exp(rng.normal(0.0, 0.22, size=k))
    # parents are 25-64
    parents = hh >= 2
    adult_grp[parents, 0] = np.where(rng.random(parents.sum()) < 0.7, 1, 2)
    adult_grp[parents, 1] = adult_grp[parents, 0]
    n_adults = np.select([hh == 0, hh == 1, hh == 2, hh == 3], [1, 2, 2, 1])
    n_kids = np.where(hh >= 2, kids, 0)
    kids_young = rng.binomial(n_kids, 15.0 / 21.0)  # children aged 0-20; 0-14 is 15 of 21 years
    counts = np.zeros((n, 5), dtype=np.int64)  # 0-14, 15-24, 25-44, 45-64, 65+
    counts[:, 0] = kids_young
    counts[:, 1] = n_kids - kids_young
    for slot in (0, 1):
        has = n_adults > slot
        np.add.at(counts, (np.flatnonzero(has), adult_grp[has, slot] + 1), 1)
    out = homes.copy()
    out["residents"] = counts.sum(axis=1).astype(float)
    for i, col in enumerate(("n_00_14", "n_15_24", "n_25_44", "n_45_64", "n_65_oo")):
        out[col] = counts[:, i]
    out["hh_type"] = hh
    out["tenure"] = tenure
    out["woz_keur"] = woz
    return out


