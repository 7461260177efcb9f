"""What a scenario is: a target year, a forecast, plans with completion years, facilities.

:func:`afweging.scenarios.read_scenario` builds a :class:`Scenario` from a TOML file
(``docs/scenario_format.md``); code can build one directly (the demo scenario does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd

from afweging.analyses.plan.format import Plan
from afweging.scenarios.forecast import Forecast

#: What a facility entry does.
ACTIONS: dict[str, str] = {"nieuw": "een nieuwe voorziening", "sluiten": "een voorziening die sluit"}

#: Default distance (m) within which a closing facility is looked for.
CLOSE_SEARCH_M: float = 25.0


@dataclass(frozen=True)
class PlanEntry:
    """A plan of the housing programme with the year it is completed.

    ``plan`` is a plan file (GeoJSON, GeoPackage; ``docs/plan_format.md``), a
    GeoDataFrame in the plan format or a validated :class:`~afweging.analyses.plan.Plan`.
    """

    plan: Path | Plan | gpd.GeoDataFrame
    completion_year: int
    name: str | None = None
    repair: bool = False

    @property
    def label(self) -> str:
        """Name for messages and the report."""
        if self.name:
            return self.name
        if isinstance(self.plan, Plan):
            return self.plan.name
        if isinstance(self.plan, Path):
            return self.plan.stem
        return "plan"


@dataclass(frozen=True)
class FacilityChange:
    """A facility that opens (``nieuw``) or closes (``sluiten``) in ``year``.

    ``x``, ``y`` in RD New (EPSG:28992). A closing facility is the nearest facility of
    ``category`` within ``search_m`` metres of that point.
    """

    action: Literal["nieuw", "sluiten"]
    category: str
    x: float
    y: float
    year: int
    name: str | None = None
    search_m: float = CLOSE_SEARCH_M

    @property
    def label(self) -> str:
        return self.name or f"{self.category} ({self.x:.0f}, {self.y:.0f})"


@dataclass
class Scenario:
    """A growth scenario for one area.

    Attributes
    ----------
    name : str
    target_year : int
        The year the scenario describes (e.g. 2040).
    base_year : int or None
        The year of "now"; default: the year of the area's CBS statistics.
    forecast : Forecast or None
        Population of the target year (city-wide, per wijk or per buurt, by age band).
        None: the population of today plus the plans' new residents.
    share_75_plus, share_75_plus_source : float, str or None
        Share of the 75-plussers among the 65-plussers today, and where it comes from;
        needed for the bands 65-74 and 75+ (CBS has only 65+ per buurt).
    plans : list of PlanEntry
        The housing programme; plans completed after the target year are left out.
    facilities : list of FacilityChange
        Facilities that open or close.
    area_path : Path or None
        The area manifest named in the scenario file (used when none is given).
    source : str
        The scenario file (or a description), for messages.
    synthetic : bool
        True for the generated demo scenario.
    """

    name: str
    target_year: int
    base_year: int | None = None
    forecast: Forecast | None = None
    share_75_plus: float | None = None
    share_75_plus_source: str | None = None
    plans: list[PlanEntry] = field(default_factory=list)
    facilities: list[FacilityChange] = field(default_factory=list)
    area_path: Path | None = None
    source: str = "scenario"
    synthetic: bool = False

    def __repr__(self) -> str:
        level = "geen prognose" if self.forecast is None else f"prognose {len(self.forecast.table)} gebied(en)"
        return (f"<Scenario {self.name!r} {self.target_year}: {level}, {len(self.plans)} plan(nen), "
                f"{len(self.facilities)} voorziening(en)>")
