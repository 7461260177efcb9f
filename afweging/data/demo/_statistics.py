"""CBS-like statistics of Demostad, aggregated from its homes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from shapely.geometry import Polygon

from afweging.data.demo._layout import _BUURTEN, _OAD_RADIUS_M

# --------------------------------------------------------------------------- statistics
#: CBS kwb columns produced, in the order of the kwb layout.
STAT_COLUMNS: tuple[str, ...] = (
    "a_inw", "a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo", "a_hh", "a_1p_hh",
    "a_hh_z_k", "a_hh_m_k", "g_hhgro", "bev_dich", "a_woning", "g_wozbag", "p_1gezw",
    "p_mgezw", "p_koopw", "p_huurw", "p_wcorpw", "a_opp_ha", "a_lan_ha", "a_wat_ha", "ste_oad",
)
_SUM_COLUMNS = ("a_inw", "a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo", "a_hh", "a_1p_hh",
                "a_hh_z_k", "a_hh_m_k", "a_woning", "a_opp_ha", "a_lan_ha", "a_wat_ha")
_DWELLING_MEANS = ("g_wozbag", "p_1gezw", "p_mgezw", "p_koopw", "p_huurw", "p_wcorpw")


def household_statistics(homes: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """The CBS-kwb-like columns that follow from the households, per buurt of ``codes``.

    ``homes`` has the columns of the household draw (``residents``, ``n_00_14`` ...
    ``n_65_oo``, ``hh_type``, ``tenure``, ``woz_keur``, ``apartment``, ``buurtcode``).
    The area columns (``a_opp_ha`` ...) and ``ste_oad`` are left to the caller.
    """
    g = homes.groupby("buurtcode")
    n = g.size().reindex(codes, fill_value=0).astype(float)
    df = pd.DataFrame(index=pd.Index(codes, name="buurtcode"))
    df["a_inw"] = g["residents"].sum().reindex(codes, fill_value=0.0)
    for col, src in (("a_00_14", "n_00_14"), ("a_15_24", "n_15_24"), ("a_25_44", "n_25_44"),
                     ("a_45_64", "n_45_64"), ("a_65_oo", "n_65_oo")):
        df[col] = g[src].sum().reindex(codes, fill_value=0).astype(float)

    def count(mask: pd.Series) -> pd.Series:
        return mask.groupby(homes["buurtcode"]).sum().reindex(codes, fill_value=0).astype(float)

    df["a_hh"] = n
    df["a_1p_hh"] = count(homes["hh_type"] == 0)
    df["a_hh_z_k"] = count(homes["hh_type"] == 1)
    df["a_hh_m_k"] = count(homes["hh_type"] >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        df["g_hhgro"] = (df["a_inw"] / df["a_hh"]).where(df["a_hh"] > 0)
        df["a_woning"] = n
        df["g_wozbag"] = g["woz_keur"].mean().reindex(codes).round(0)
        df["p_1gezw"] = (100.0 * count(~homes["apartment"]) / n).where(n > 0)
        df["p_mgezw"] = 100.0 - df["p_1gezw"]
        df["p_koopw"] = (100.0 * count(homes["tenure"] == 0) / n).where(n > 0)
        df["p_huurw"] = 100.0 - df["p_koopw"]
        df["p_wcorpw"] = (100.0 * count(homes["tenure"] == 1) / n).where(n > 0)
    return df


def _buurt_statistics(
    homes: pd.DataFrame, cells: dict[str, Polygon], water: Polygon, addresses: np.ndarray,
    address_buurt: np.ndarray,
) -> pd.DataFrame:
    """CBS-kwb-like statistics per buurt, aggregated from the homes and the geometry."""
    codes = [s.code for s in _BUURTEN]
    df = household_statistics(homes, codes)
    area = np.array([cells[c].area for c in codes]) / 1e4
    wat = np.array([cells[c].intersection(water).area for c in codes]) / 1e4
    df["a_opp_ha"] = area
    df["a_wat_ha"] = wat
    df["a_lan_ha"] = area - wat
    df["bev_dich"] = df["a_inw"] / (df["a_lan_ha"] / 100.0)
    # omgevingsadressendichtheid: mean over the buurt's addresses of the number of
    # addresses within 1 km, per km² (the CBS definition)
    within = cKDTree(addresses).query_ball_point(addresses, r=_OAD_RADIUS_M, return_length=True)
    density = within / (math.pi * (_OAD_RADIUS_M / 1000.0) ** 2)
    oad = pd.Series(density).groupby(address_buurt).mean()
    df["ste_oad"] = oad.reindex(codes)
    df["_n_addresses"] = pd.Series(address_buurt).value_counts().reindex(codes, fill_value=0).astype(float)
    return df


def aggregate_statistics(buurten: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Aggregate buurt statistics to larger regions (wijk, gemeente) the CBS way.

    Counts and areas are summed; percentages and the WOZ value are means weighted by
    dwellings (``a_woning``); ``ste_oad`` is weighted by the number of addresses when a
    ``_n_addresses`` column is present, else by dwellings; ``g_hhgro`` and ``bev_dich``
    are recomputed from the sums.

    Parameters
    ----------
    buurten : DataFrame
        Buurt statistics (the columns of :data:`STAT_COLUMNS`).
    groups : Series
        Region code per buurt (same index).

    Examples
    --------
    >>> b = pd.DataFrame({"a_inw": [100.0, 300.0], "a_woning": [50.0, 150.0],
    ...                   "p_wcorpw": [20.0, 60.0], "a_hh": [50.0, 150.0], "a_lan_ha": [1.0, 3.0]})
    >>> aggregate_statistics(b, pd.Series(["W", "W"]))[["a_inw", "p_wcorpw", "bev_dich"]].to_dict("records")
    [{'a_inw': 400.0, 'p_wcorpw': 50.0, 'bev_dich': 10000.0}]
    """
    groups = pd.Series(np.asarray(groups), index=buurten.index)
    out = pd.DataFrame(index=pd.Index(pd.unique(groups)))
    for col in _SUM_COLUMNS:
        if col in buurten:
            out[col] = buurten[col].groupby(groups).sum()
    weight = buurten["a_woning"]
    for col in _DWELLING_MEANS:
        if col in buurten:
            w = weight.where(buurten[col].notna(), 0.0)
            out[col] = (buurten[col].fillna(0.0) * w).groupby(groups).sum() / w.groupby(groups).sum()
    if "ste_oad" in buurten:
        base = buurten.get("_n_addresses", weight)
        w = base.where(buurten["ste_oad"].notna(), 0.0)
        out["ste_oad"] = (buurten["ste_oad"].fillna(0.0) * w).groupby(groups).sum() / w.groupby(groups).sum()
    if "a_hh" in out:
        out["g_hhgro"] = (out["a_inw"] / out["a_hh"]).where(out["a_hh"] > 0)
    if "a_lan_ha" in out:
        out["bev_dich"] = out["a_inw"] / (out["a_lan_ha"] / 100.0)
    if "g_wozbag" in out:
        out["g_wozbag"] = out["g_wozbag"].round(0)
    return out[[c for c in STAT_COLUMNS if c in out.columns]]


