"""Groei in balans: what growth and ageing do per buurt, now against the target year.

The barcode's stripes are mostly *shares* (the % of residents within 10 minutes of a
supermarket): a buurt that grows evenly keeps its shares, yet more children share the
same playgrounds and more older people live beyond a meeting place. This module counts
people, per buurt, now and in the target year:

``kinderen_per_speelplek``
    Children 0-14 (CBS ``a_00_14``) per playground in the buurt (facility layer); NaN
    where the buurt has no playground (then see the next one) or no data.
``kinderen_zonder_speelplek``
    Children 0-14 whose home is farther than :data:`PLAY_MAX_M` along the walking route
    from a playground (Utrecht's norm: play space within 200 m of every home).
``ouderen_met_ontmoetingsplek_pct`` / ``ouderen_zonder_ontmoetingsplek``
    Older residents (75+ when the scenario gives the share of 75-plussers, else 65+) with
    / without a meeting place within :data:`MEETING_MAX_M` on foot.
``inwoners_zonder_voorzieningen``
    Residents without every everyday facility within 10 minutes' walk (the barcode's
    10-minute-city stripe, as people).
``balansscore``
    The barcode's balance score of the buurt.

Per-home times come from the reachability result (the engine's network or straight-line
fallback times); a group is spread over the homes of its buurt in proportion to their
residents (as the priorities do), and homes without a known time are left out of the
share, which is then applied to the whole group.

The buurten where the balance **worsens most** are ranked by the extra people outside
these norms (children beyond a playground + older people beyond a meeting place +
residents without every everyday facility; one person can count in more than one),
then by the number of barcode stripes that turn worse, then by the fall of the balance
score. The Dutch ``reden`` gives the numbers behind the rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from afweging import _names, settings
from afweging._format import nl_int, nl_number

#: Utrecht's play norm: play space within 200 m of every home (omgevingsvisie, thematisch
#: beleid speelruimte "Spelen in je eigen buurt"; ../shared/NORMS.md).
PLAY_MAX_M: float = 200.0

#: Walking distance to a meeting place for older residents: 400 m, about 5 minutes at
#: 4.8 km/h (a choice of this toolkit, the example of issue 18; Utrecht's action plan
#: "Een (t)huis voor ouderen" (2022) asks for facilities within 500 m of senior housing).
MEETING_MAX_M: float = 400.0

#: The indicators of :func:`growth_indicators`, with Dutch labels.
INDICATORS: dict[str, str] = {
    "inwoners": "inwoners",
    "kinderen": "kinderen 0-14 jaar",
    "ouderen": "ouderen",
    "speelplekken": "speelplekken in de buurt",
    "kinderen_per_speelplek": "kinderen per speelplek",
    "kinderen_zonder_speelplek": f"kinderen verder dan {PLAY_MAX_M:g} m van een speelplek",
    "ouderen_met_ontmoetingsplek_pct": f"% ouderen binnen {MEETING_MAX_M:g} m van een ontmoetingsplek",
    "ouderen_zonder_ontmoetingsplek": f"ouderen verder dan {MEETING_MAX_M:g} m van een ontmoetingsplek",
    "inwoners_zonder_voorzieningen": "inwoners zonder alle dagelijkse voorzieningen binnen 10 min lopen",
    "balansscore": "balansscore (barcode)",
}

#: People counts summed into the worsening measure.
OUTSIDE = ("kinderen_zonder_speelplek", "ouderen_zonder_ontmoetingsplek", "inwoners_zonder_voorzieningen")


@dataclass
class Moment:
    """Everything computed for one moment (now or the target year)."""

    label: str
    area: Any
    layers: Any
    reach: Any
    scores: Any
    priorities: Any
    elderly: pd.Series
    elderly_label: str


def share_within(reach: Any, index: pd.Index, mode: str, category: str, max_m: float) -> pd.Series:
    """Per buurt the resident-weighted share (0-1) of homes within ``max_m`` of ``category``.

    Along the route: the per-home minutes of the reachability result against ``max_m``
    at the mode's speed (``inf``, beyond the search limit, is outside). Homes without a
    time (NaN: the Area has no facility of the category) are left out; NaN where a buurt
    has none with a time.
    """
    out = pd.Series(np.nan, index=index, dtype=float)
    if reach is None:
        return out
    col = _names.reach_home_col(mode, category)
    homes = reach.homes
    if col not in homes.columns:
        return out
    t = pd.to_numeric(homes[col], errors="coerce").to_numpy(dtype=float)
    w = pd.to_numeric(homes["residents"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(w) & (w > 0) & ~np.isnan(t)
    limit = max_m / settings.speed_m_per_min(mode) * (1.0 + 1e-9)
    pos = index.get_indexer(homes["buurtcode"])
    ok &= pos >= 0
    den = np.bincount(pos[ok], weights=w[ok], minlength=len(index))
    num = np.bincount(pos[ok], weights=np.where(t[ok] <= limit, w[ok], 0.0), minlength=len(index))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(den > 0, num / den, np.nan)
    return pd.Series(share, index=index)


def growth_indicators(m: Moment) -> pd.DataFrame:
    """The indicators of :data:`INDICATORS` per buurt for one moment."""
    area = m.area
    idx = area.buurten.index

    def cbs(col: str) -> pd.Series:
        return (pd.to_numeric(area.buurten[col], errors="coerce").astype(float) if col in area.buurten
                else pd.Series(np.nan, index=idx))

    inw, kids = cbs("a_inw"), cbs("a_00_14")
    out = pd.DataFrame(index=idx)
    out["inwoners"] = inw
    out["kinderen"] = kids
    out["ouderen"] = m.elderly.reindex(idx).astype(float)
    play_col = _names.facility_col("speelplek", "count")
    values = m.layers.values if m.layers is not None else pd.DataFrame(index=idx)
    play = values[play_col].reindex(idx).astype(float) if play_col in values else pd.Series(np.nan, index=idx)
    out["speelplekken"] = play
    out["kinderen_per_speelplek"] = kids / play.where(play > 0)
    out["kinderen_zonder_speelplek"] = kids * (1.0 - share_within(m.reach, idx, "walk", "speelplek", PLAY_MAX_M))
    meet = share_within(m.reach, idx, "walk", "ontmoetingsplek", MEETING_MAX_M)
    out["ouderen_met_ontmoetingsplek_pct"] = 100.0 * meet
    out["ouderen_zonder_ontmoetingsplek"] = out["ouderen"] * (1.0 - meet)
    minutes = float(getattr(m.reach, "minutes", settings.minutes)) if m.reach is not None else settings.minutes
    col = _names.reach_complete_share_col("walk", minutes)
    if m.reach is not None and col in m.reach.buurten.columns:
        complete = pd.to_numeric(m.reach.buurten[col], errors="coerce").reindex(idx).astype(float)
        out["inwoners_zonder_voorzieningen"] = inw * (1.0 - complete / 100.0)
    else:
        out["inwoners_zonder_voorzieningen"] = np.nan
    out["balansscore"] = m.scores.buurt.overall.reindex(idx).astype(float) if m.scores is not None else np.nan
    # outside the facility source's coverage the distances are not known: no counts of
    # people beyond a playground or meeting place there (as the priorities rank none)
    out.loc[coverage_gaps(values, idx), list(REACH_BASED)] = np.nan
    return out


#: Indicators that rest on the distances to facilities (unknown outside the coverage).
REACH_BASED = ("kinderen_zonder_speelplek", "ouderen_met_ontmoetingsplek_pct", "ouderen_zonder_ontmoetingsplek",
               "inwoners_zonder_voorzieningen")


def coverage_gaps(values: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Buurten outside the facility source's coverage (boolean, on ``index``).

    The facility layer gives NaN counts there (``fac_<category>_count``) for categories
    that do have counts elsewhere; a category without any count anywhere is "no data" for
    the whole area and says nothing about one buurt.
    """
    gap = pd.Series(False, index=index)
    for col in [c for c in values.columns if c.startswith("fac_") and c.endswith("_count")]:
        v = pd.to_numeric(values[col], errors="coerce").reindex(index)
        if v.notna().any():
            gap |= v.isna()
    return gap


def worsening(now: pd.DataFrame, then: pd.DataFrame, changes: pd.DataFrame, names: pd.Series,
              *, labels: tuple[str, str], elderly_label: str) -> pd.DataFrame:
    """Per buurt how much the balance worsens, its rank and the Dutch reason.

    Parameters
    ----------
    now, then : DataFrame
        :func:`growth_indicators` of both moments.
    changes : DataFrame
        :func:`afweging.barcode.compare.status_changes` (buurt rows are used).
    names : Series
        Buurt names by code.
    labels : (str, str)
        The two moments (``("2023", "2040")``).
    elderly_label : str
        Dutch plural of the older group ("75-plussers" / "65-plussers").

    Returns
    -------
    DataFrame
        Index buurtcode: ``extra_buiten_norm``, ``strepen_slechter``, ``strepen_beter``,
        ``balansscore_verschil``, ``rang`` (Int64; NA where nothing worsens) and ``reden``.
    """
    idx = now.index
    extra = pd.Series(0.0, index=idx)
    for col in OUTSIDE:
        d = then[col] - now[col]
        extra += d.fillna(0.0)
    buurt = changes[changes["niveau"] == "buurt"]
    worse = buurt[buurt["richting"] == "slechter"].groupby("code").size().reindex(idx).fillna(0).astype(int)
    better = buurt[buurt["richting"] == "beter"].groupby("code").size().reindex(idx).fillna(0).astype(int)
    dscore = then["balansscore"] - now["balansscore"]
    out = pd.DataFrame({"extra_buiten_norm": extra, "strepen_slechter": worse, "strepen_beter": better,
                        "balansscore_verschil": dscore}, index=idx)
    worsens = (extra > 0.5) | (worse > 0) | (dscore < -0.005)
    order = out[worsens].assign(_d=dscore[worsens].fillna(0.0)).sort_values(
        ["extra_buiten_norm", "strepen_slechter", "_d"], ascending=[False, False, True], kind="stable")
    rank = pd.Series(pd.NA, index=idx, dtype="Int64")
    rank[order.index] = np.arange(1, len(order) + 1)
    out["rang"] = rank
    reasons = {}
    for code in idx:
        reasons[code] = _reason(now.loc[code], then.loc[code], buurt[buurt["code"] == code], labels, elderly_label)
    out["reden"] = pd.Series(reasons)
    return out


def _arrow(a: float, b: float, decimals: int = 0) -> str:
    return f"{nl_number(a, decimals)} → {nl_number(b, decimals)}"


def _reason(n: pd.Series, t: pd.Series, stripes: pd.DataFrame, labels: tuple[str, str], elderly: str) -> str:
    """Dutch: the numbers behind a buurt's change (only what changes)."""
    parts = []
    if _differs(n["inwoners"], t["inwoners"]):
        d = t["inwoners"] - n["inwoners"]
        parts.append(f"inwoners {_arrow(n['inwoners'], t['inwoners'])} ({'+' if d >= 0 else '−'}{nl_int(abs(d))})")
    if _differs(n["ouderen"], t["ouderen"]):
        parts.append(f"{elderly} {_arrow(n['ouderen'], t['ouderen'])}")
    if _differs(n["ouderen_zonder_ontmoetingsplek"], t["ouderen_zonder_ontmoetingsplek"]):
        parts.append(
            f"{elderly} zonder ontmoetingsplek binnen {MEETING_MAX_M:g} m "
            f"{_arrow(n['ouderen_zonder_ontmoetingsplek'], t['ouderen_zonder_ontmoetingsplek'])}"
            f" ({nl_number(t['ouderen_met_ontmoetingsplek_pct'])} % heeft er wel een)"
        )
    if _differs(n["kinderen_zonder_speelplek"], t["kinderen_zonder_speelplek"]):
        parts.append(f"kinderen verder dan {PLAY_MAX_M:g} m van een speelplek "
                     f"{_arrow(n['kinderen_zonder_speelplek'], t['kinderen_zonder_speelplek'])}")
    if t["speelplekken"] == 0 and t["kinderen"] >= 0.5:
        gone = "de laatste speelplek van de buurt sluit: " if n["speelplekken"] > 0 else ""
        parts.append(f"{gone}geen speelplek in de buurt voor {nl_int(t['kinderen'])} kinderen")
    elif _differs(n["kinderen_per_speelplek"], t["kinderen_per_speelplek"]):
        parts.append(f"kinderen per speelplek {_arrow(n['kinderen_per_speelplek'], t['kinderen_per_speelplek'])}")
    if _differs(n["inwoners_zonder_voorzieningen"], t["inwoners_zonder_voorzieningen"]):
        parts.append("inwoners zonder alle dagelijkse voorzieningen binnen 10 min lopen "
                     f"{_arrow(n['inwoners_zonder_voorzieningen'], t['inwoners_zonder_voorzieningen'])}")
    if _differs(n["balansscore"], t["balansscore"], 0.005):
        parts.append(f"balansscore {_arrow(n['balansscore'], t['balansscore'], 2)}")
    worse = stripes[stripes["richting"] != "beter"]
    if len(worse):
        parts.append("strepen: " + ", ".join(
            f"{r['indicator']} {r['status_voor']} → {r['status_na']}" for r in worse.to_dict("records")))
    better = stripes[stripes["richting"] == "beter"]
    if len(better):
        parts.append("beter: " + ", ".join(
            f"{r['indicator']} {r['status_voor']} → {r['status_na']}" for r in better.to_dict("records")))
    if not parts:
        return f"geen verandering tussen {labels[0]} en {labels[1]}"
    return "; ".join(parts)


def _differs(a: float, b: float, tol: float = 0.5) -> bool:
    if a is None or b is None:
        return False
    a, b = float(a), float(b)
    if math.isnan(a) and math.isnan(b):
        return False
    if math.isnan(a) or math.isnan(b):
        return True
    return abs(b - a) >= tol
