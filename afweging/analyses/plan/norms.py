"""The plan's own arithmetic: what it adds, and what it must add to meet each plan norm.

The plan-scale norms live in ``afweging/barcode/norms.toml`` (``scale = "plan"``), each
with its source, and can be overridden like every norm. They read the columns of
:data:`afweging.barcode.columns.PLAN_COLUMNS`, computed here from the plan:

* ``plan_green_m2_per_new_dwelling`` = new public green / net new dwellings. Green =
  area of ``groen`` polygons + ``groen_m2`` of ``wonen`` polygons + ``oppervlak_m2`` of
  ``park`` points. Norm 75 m² per dwelling (richtlijn).
* ``plan_play_pct_of_residential_area`` = 100 x play space / residential area. Play
  space = area of ``spelen`` polygons + ``speelruimte_m2`` + ``oppervlak_m2`` of
  ``speelplek`` points; residential area ("bebouwd woongebied") = area of the ``wonen``
  polygons with new dwellings. Norm 3 % (Jantje Betonnorm).
* ``plan_facilities_green_m2_per_new_dwelling`` = (green + play + facility land) / net
  new dwellings, with play space inside a ``groen`` polygon counted once. Facility land =
  area of ``voorziening`` polygons + ``voorzieningen_m2`` + ``oppervlak_m2`` of other
  points. Norm: the barcode kengetal of 180-200 m² per new home besides the building
  land; the norm is the lower bound (180), the report also gives what 200 asks.
* ``plan_affordable_pct_new_dwellings`` = 100 x (social rent + mid rent + affordable
  purchase) / new dwellings. Norm 75 % (Beleidsnota Wonen 2025).

"Net new dwellings" = ``woningen - woningen_sloop``: a demolished dwelling frees the
space it claimed. With no net new dwellings the per-dwelling norms do not apply ("niet
van toepassing"); with no dwellings at all neither does the 75 % rule, and without a
residential area neither does the 3 % rule.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from afweging._format import nl_area, nl_int, nl_number
from afweging.analyses.plan.format import Plan
from afweging.barcode.norms import GEEN_GEGEVENS, VOLDOET, Norm, Norms

#: Upper end of the barcode kengetal (180-200 m² per new home; PropertyNL 2021,
#: ../shared/NORMS.md). The norm in norms.toml holds the lower end.
KENGETAL_UPPER_M2: float = 200.0

#: Status of a plan norm that does not apply (e.g. no new dwellings).
NIET_VAN_TOEPASSING = "niet van toepassing"

GREEN_COL = "plan_green_m2_per_new_dwelling"
PLAY_COL = "plan_play_pct_of_residential_area"
KENGETAL_COL = "plan_facilities_green_m2_per_new_dwelling"
AFFORDABLE_COL = "plan_affordable_pct_new_dwellings"


@dataclass(frozen=True)
class PlanQuantities:
    """What the plan holds, summed over its features (m² and dwellings)."""

    dwellings_new: int
    dwellings_demolished: int
    dwellings_net: int
    social_rent: float
    mid_rent: float
    affordable_purchase: float
    free_rent: float
    free_purchase: float
    green_m2: float
    play_m2: float
    play_in_green_m2: float
    facility_land_m2: float
    residential_area_m2: float
    plan_area_m2: float

    @property
    def affordable(self) -> float:
        """Dwellings counted for the 75 % rule."""
        return self.social_rent + self.mid_rent + self.affordable_purchase

    @property
    def kengetal_m2(self) -> float:
        """Land for facilities, sport, play and green besides the building land."""
        return self.green_m2 + self.play_m2 - self.play_in_green_m2 + self.facility_land_m2


def plan_quantities(plan: Plan) -> PlanQuantities:
    """Sum the programme of a plan.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from afweging.analyses.plan.format import plan_from_frame
    >>> g = gpd.GeoDataFrame({"naam": ["blok", "park"], "functie": ["wonen", "groen"],
    ...     "woningen": [100, None], "sociale_huur_pct": [30, None], "speelruimte_m2": [500, None]},
    ...     geometry=[box(0, 0, 200, 100), box(200, 0, 250, 100)], crs="EPSG:28992")
    >>> q = plan_quantities(plan_from_frame(g))
    >>> q.dwellings_net, q.green_m2, q.play_m2, q.residential_area_m2, q.social_rent
    (100, 5000.0, 500.0, 20000.0, 30.0)
    """
    # a plain DataFrame: the same pandas sums, without a GeoDataFrame per selection
    f = pd.DataFrame(plan.features)
    polys = f[f["soort"] == "vlak"]
    pts = f[f["soort"] == "punt"]
    wonen = polys[polys["functie"] == "wonen"]
    groen = polys[polys["functie"] == "groen"]
    w = wonen["woningen"].astype(float)
    new = int(wonen["woningen"].sum())
    dem = int(wonen["woningen_sloop"].sum())

    def part(col: str) -> float:
        return float((w * wonen[col].astype(float) / 100.0).sum())

    social, mid, afford, free_rent = (part(c) for c in
                                      ("sociale_huur_pct", "middenhuur_pct", "betaalbare_koop_pct", "vrije_huur_pct"))
    pt_area = pts["oppervlak_m2"].astype(float)
    park_pts = float(pt_area[pts["categorie"] == "park"].sum())
    play_pts = float(pt_area[pts["categorie"] == "speelplek"].sum())
    other_pts = float(pt_area[~pts["categorie"].isin(["park", "speelplek"])].sum())
    play_in_green = float(groen["speelruimte_m2"].astype(float).sum())
    return PlanQuantities(
        dwellings_new=new,
        dwellings_demolished=dem,
        dwellings_net=new - dem,
        social_rent=social,
        mid_rent=mid,
        affordable_purchase=afford,
        free_rent=free_rent,
        free_purchase=float(w.sum()) - social - mid - afford - free_rent,
        green_m2=float(groen["area_m2"].sum() + wonen["groen_m2"].astype(float).sum()) + park_pts,
        play_m2=float(polys.loc[polys["functie"] == "spelen", "area_m2"].sum()
                      + polys["speelruimte_m2"].astype(float).sum()) + play_pts,
        play_in_green_m2=play_in_green,
        facility_land_m2=float(polys.loc[polys["functie"] == "voorziening", "area_m2"].sum()
                               + wonen["voorzieningen_m2"].astype(float).sum()) + other_pts,
        residential_area_m2=float(wonen.loc[wonen["woningen"] > 0, "area_m2"].sum()),
        plan_area_m2=float(polys["area_m2"].sum()),
    )


def plan_indicators(q: PlanQuantities) -> dict[str, float]:
    """The plan columns (NaN where a norm does not apply).

    Examples
    --------
    >>> q = PlanQuantities(1200, 0, 1200, 360, 300, 120, 0, 420, 30_000, 2_000, 0, 7_500,
    ...                    120_000, 150_000)
    >>> ind = plan_indicators(q)
    >>> ind["plan_green_m2_per_new_dwelling"], ind["plan_play_pct_of_residential_area"]
    (25.0, 1.6666666666666667)
    >>> ind["plan_affordable_pct_new_dwellings"], round(ind["plan_facilities_green_m2_per_new_dwelling"], 3)
    (65.0, 32.917)
    """
    net = q.dwellings_net
    return {
        GREEN_COL: q.green_m2 / net if net > 0 else math.nan,
        KENGETAL_COL: q.kengetal_m2 / net if net > 0 else math.nan,
        PLAY_COL: 100.0 * q.play_m2 / q.residential_area_m2 if q.residential_area_m2 > 0 else math.nan,
        AFFORDABLE_COL: 100.0 * q.affordable / q.dwellings_new if q.dwellings_new > 0 else math.nan,
    }


@dataclass
class Verdict:
    """The verdict on one theme of the plan.

    Attributes
    ----------
    theme : str
        Theme id of the barcode (groen, spelen, voorzieningen, wonen, bereikbaarheid).
    label : str
        Dutch label of the norm.
    norm_id : str or None
        Id in norms.toml.
    indicator : str
        The plan column (or a description for the 10-minute verdict).
    value : float
        The plan's value (NaN = not applicable / no data).
    norm_value : float
        The norm's value, in ``unit``.
    unit : str
    status : str
        voldoet / bijna / voldoet niet / geen gegevens / niet van toepassing.
    adds : float
        What the plan adds, in ``amount_unit`` (m², woningen, % bewoners).
    required : float
        What the norm asks, in ``amount_unit``.
    shortfall : float
        What the plan must add to meet the norm (>= 0), in ``amount_unit``.
    amount_unit : str
    text : str
        One Dutch sentence for the report.
    source : str
        Citation of the norm.
    """

    theme: str
    label: str
    norm_id: str | None
    indicator: str
    value: float
    norm_value: float
    unit: str
    status: str
    adds: float
    required: float
    shortfall: float
    amount_unit: str
    text: str
    source: str
    score: float = math.nan
    extra: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for the JSON)."""
        return asdict(self)


def _norm_by_column(norms: Norms) -> dict[str, Norm]:
    return {n.column: n for n in norms.for_scale("plan")}


def plan_verdicts(q: PlanQuantities, norms: Norms) -> list[Verdict]:
    """One verdict per plan norm of ``norms`` (in theme order), with what is short.

    Plan columns without a norm (a user file may disable one) get no verdict.
    """
    ind = plan_indicators(q)
    by_col = _norm_by_column(norms)
    out: list[Verdict] = []
    for col, norm in by_col.items():
        value = ind.get(col, math.nan)
        if col == GREEN_COL:
            out.append(_per_dwelling(norm, norms, value, q.green_m2, q.dwellings_net,
                                     what="openbaar groen"))
        elif col == KENGETAL_COL:
            v = _per_dwelling(norm, norms, value, q.kengetal_m2, q.dwellings_net,
                              what="grond voor voorzieningen, sport, spelen en groen")
            if q.dwellings_net > 0:
                upper = KENGETAL_UPPER_M2 * q.dwellings_net
                short_upper = max(0.0, upper - q.kengetal_m2)
                v.extra = (f"Aan de bovenkant van het kengetal ({nl_area(KENGETAL_UPPER_M2)} m² per woning) "
                           f"is {nl_area(upper)} m² nodig"
                           + (f": nog {nl_area(short_upper)} m² erbij." if short_upper > 0 else ", en dat haalt het plan."))
                v.text += " " + v.extra
            out.append(v)
        elif col == PLAY_COL:
            out.append(_play(norm, norms, value, q))
        elif col == AFFORDABLE_COL:
            out.append(_affordable(norm, norms, value, q))
    return out


def _status(norm: Norm, norms: Norms, value: float) -> tuple[str, float]:
    if not math.isfinite(value):
        return NIET_VAN_TOEPASSING, math.nan
    s = float(norm.score(value))
    return str(norms.status(norm, s)), s


def _per_dwelling(norm: Norm, norms: Norms, value: float, adds_m2: float, net: int, *, what: str) -> Verdict:
    status, s = _status(norm, norms, value)
    if net <= 0:
        text = (f"{norm.label}: niet van toepassing, het plan voegt netto geen woningen toe "
                f"({nl_area(adds_m2)} m² {what}).")
        required = shortfall = 0.0
    else:
        required = norm.value * net
        shortfall = max(0.0, required - adds_m2)
        text = (f"{norm.label}: het plan heeft {nl_area(adds_m2)} m² {what}, "
                f"{nl_number(value, 1)} m² per nieuwe woning; de norm ({norm.norm_text()}) vraagt "
                f"{nl_area(required)} m² voor {nl_int(net)} woningen")
        text += f": nog {nl_area(shortfall)} m² toevoegen." if shortfall > 0 else ". Dat haalt het plan."
    return Verdict(theme=norm.theme, label=norm.label, norm_id=norm.id, indicator=norm.column,
                   value=value, norm_value=norm.value, unit=norm.unit, status=status, adds=adds_m2,
                   required=required, shortfall=shortfall, amount_unit="m²", text=text,
                   source=norm.source.label(), score=s)


def _play(norm: Norm, norms: Norms, value: float, q: PlanQuantities) -> Verdict:
    status, s = _status(norm, norms, value)
    if q.residential_area_m2 <= 0:
        text = f"{norm.label}: niet van toepassing, het plan heeft geen woongebied met nieuwe woningen."
        required = shortfall = 0.0
    else:
        required = norm.value / 100.0 * q.residential_area_m2
        shortfall = max(0.0, required - q.play_m2)
        text = (f"{norm.label}: het plan heeft {nl_area(q.play_m2)} m² speelruimte, "
                f"{nl_number(value, 1)} % van {nl_area(q.residential_area_m2)} m² woongebied; de norm "
                f"({norm.norm_text()}) vraagt {nl_area(required)} m²")
        text += f": nog {nl_area(shortfall)} m² toevoegen." if shortfall > 0 else ". Dat haalt het plan."
    return Verdict(theme=norm.theme, label=norm.label, norm_id=norm.id, indicator=norm.column,
                   value=value, norm_value=norm.value, unit=norm.unit, status=status, adds=q.play_m2,
                   required=required, shortfall=shortfall, amount_unit="m²", text=text,
                   source=norm.source.label(), score=s)


def _affordable(norm: Norm, norms: Norms, value: float, q: PlanQuantities) -> Verdict:
    status, s = _status(norm, norms, value)
    if q.dwellings_new <= 0:
        text = f"{norm.label}: niet van toepassing, het plan bouwt geen woningen."
        required = shortfall = 0.0
    else:
        required = float(math.ceil(norm.value / 100.0 * q.dwellings_new - 1e-9))
        shortfall = max(0.0, required - q.affordable)
        shortfall = float(math.ceil(shortfall - 1e-9))
        text = (f"{norm.label}: {nl_int(q.affordable)} van {nl_int(q.dwellings_new)} nieuwe woningen "
                f"({nl_number(value, 1)} %) zijn sociale huur ({nl_int(q.social_rent)}), middenhuur "
                f"({nl_int(q.mid_rent)}) of betaalbare koop ({nl_int(q.affordable_purchase)}); de norm "
                f"({norm.norm_text()}) vraagt {nl_int(required)} woningen")
        text += (f": nog {nl_int(shortfall)} woningen van de vrije sector omzetten naar sociale huur, "
                 f"middenhuur of betaalbare koop." if shortfall > 0 else ". Dat haalt het plan.")
    return Verdict(theme=norm.theme, label=norm.label, norm_id=norm.id, indicator=norm.column,
                   value=value, norm_value=norm.value, unit=norm.unit, status=status,
                   adds=q.affordable, required=required, shortfall=shortfall, amount_unit="woningen",
                   text=text, source=norm.source.label(), score=s)


def is_short(v: Verdict) -> bool:
    """Whether a verdict asks the plan to add something."""
    return v.status not in (VOLDOET, NIET_VAN_TOEPASSING, GEEN_GEGEVENS) and v.shortfall > 0
