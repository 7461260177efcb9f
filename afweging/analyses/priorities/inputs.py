"""The one place where the priorities read other modules' outputs.

Everything :mod:`afweging.analyses.priorities` needs from the Area (CBS columns, home
origins, facility provenance), the :class:`~afweging.layers.LayerResult` (indicator
values and their method) and the reachability result (per-home minutes and method) goes
through :class:`PriorityInputs`, so a renamed column is fixed here only. Column names
come from :mod:`afweging._names` and ``docs/architecture.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from afweging._errors import ConfigError, MissingColumnError, MissingDataError
from afweging._format import nl_names
from afweging._names import facility_col, reach_home_col, reach_method_col
from afweging.analyses.priorities.config import Indicator, Source
from afweging.geo.area import Area

#: Home methods of the reachability result.
NETWORK, FALLBACK = "network", "fallback"

#: ``Area.homes["origin"]`` of stand-in points placed on a grid (afweging.data.homes).
GRID_ORIGIN = "rasterpunt"


@dataclass
class ResolvedIndicator:
    """An indicator's values per buurt, from the first of its sources that has data.

    Attributes
    ----------
    indicator : Indicator
    source : Source
        The source used.
    values : Series
        Per buurtcode, NaN where unknown (imputation happens later and is reported).
    method : str
        ``"statistics"`` for CBS columns, else the layer's method (``"measured"``,
        ``"proxy"``...).
    description : str
        Dutch description of the layer column (its method record), or the CBS formula.
    """

    indicator: Indicator
    source: Source
    values: pd.Series
    method: str
    description: str


@dataclass
class PriorityInputs:
    """Adapter over the Area, the layers and the reachability result.

    Parameters
    ----------
    area : Area
    layers : LayerResult or None
        ``values`` indexed by buurtcode and ``methods`` indexed by column.
    reach : ReachabilityResult
        Only ``reach.homes`` is read: ``buurtcode``, ``residents``, ``{mode}_method`` and
        ``{mode}_min_{category}`` (:mod:`afweging._names`).
    """

    area: Area
    layers: Any
    reach: Any
    _homes: pd.DataFrame | None = field(default=None, repr=False)
    _present: set[str] | None = field(default=None, repr=False)

    @property
    def index(self) -> pd.Index:
        """The buurtcodes of the area."""
        return self.area.buurten.index

    # ------------------------------------------------------------------ CBS
    def cbs(self, column: str) -> pd.Series | None:
        """A CBS column of the buurten as floats, or None when absent."""
        if column not in self.area.buurten.columns:
            return None
        return pd.to_numeric(self.area.buurten[column], errors="coerce").astype(float)

    def cbs_required(self, column: str, *, for_what: str) -> pd.Series:
        """A CBS column, or :class:`MissingColumnError` saying what needs it."""
        s = self.cbs(column)
        if s is None:
            raise MissingColumnError(
                f"{for_what} needs the CBS column {column!r}, which the buurten of area "
                f"{self.area.name!r} do not have. Add it to the [statistics] file (CBS kwb "
                f"layout) or change the setting that names it."
            )
        return s

    def residents(self) -> pd.Series:
        """CBS inhabitants (``a_inw``) per buurt."""
        return self.cbs_required("a_inw", for_what="Priorities (prioriteiten)")

    def group_share(self, column: str, *, for_what: str) -> pd.Series:
        """Share of a buurt's residents in a CBS group (``a_inw`` -> 1; NaN where the
        buurt's inhabitants are unknown, 0 where it has none)."""
        inw = self.residents()
        if column == "a_inw":
            return pd.Series(1.0, index=self.index).where(inw.notna())
        col = self.cbs_required(column, for_what=for_what)
        share = col / inw.where(inw > 0)
        return share.where(inw != 0, 0.0)

    # ------------------------------------------------------------------ layers
    def layer(self, column: str) -> tuple[pd.Series, str, str] | None:
        """A layer column with its method and description, or None when absent."""
        if self.layers is None:
            return None
        values = getattr(self.layers, "values", None)
        if values is None or column not in values.columns:
            return None
        s = pd.to_numeric(values[column], errors="coerce").astype(float).reindex(self.index)
        method, desc = "measured", ""
        methods = getattr(self.layers, "methods", None)
        if methods is not None and column in methods.index:
            method = str(methods.loc[column, "method"])
            desc = str(methods.loc[column, "description"])
        return s, method, desc

    def layer_caveats(self) -> list[str]:
        """The layers' own Dutch caveats."""
        return list(getattr(self.layers, "caveats", []) or [])

    # ------------------------------------------------------------------ indicators
    def resolve(self, indicator: Indicator, *, config_files: tuple[str, ...],
                strict: bool = True) -> ResolvedIndicator | None:
        """Values of ``indicator`` from its first source with data, or None.

        When *no* source column exists at all, a required indicator (``optional =
        false``) raises :class:`ConfigError` if ``strict`` (it carries a need weight:
        most likely a typo in the settings); an optional indicator (a layer that may not
        have been computed), or one only used for the typology, returns None.
        """
        absent: list[str] = []
        for src in indicator.sources:
            got = self._source_values(src)
            if got is None:
                absent.append(src.column)
                continue
            values, method, desc = got
            if method == "no data" or values.notna().sum() == 0:
                continue
            return ResolvedIndicator(indicator, src, values, method, desc)
        if strict and len(absent) == len(indicator.sources) and not indicator.optional:
            have_cbs = [c for c in self.area.buurten.columns if c != "geometry"]
            have_layer = list(getattr(getattr(self.layers, "values", None), "columns", []))
            from afweging._schema import suggest

            close = [c for c in (suggest(a.split(":", 1)[1], have_cbs + have_layer) for a in absent) if c]
            raise ConfigError(
                f"{' / '.join(config_files)}: [indicators.{indicator.id}] sources: kolom(men) "
                f"{', '.join(absent)} bestaan niet in gebied {self.area.name!r}"
                + (f" (bedoelde u {' of '.join(repr(c) for c in close)}?)" if close else "")
                + f". CBS-kolommen van de buurten: {nl_names(have_cbs, 40)}; "
                f"kolommen van de lagen: {nl_names(have_layer, 40)}. "
                f"Herstel de kolomnaam, voeg de kolom toe aan het bestand van [statistics], geef de indicator "
                f"gewicht 0 in need van elke vraag, of zet optional = true als de kolom uit een laag komt die "
                f"kan ontbreken."
            )
        return None

    def _source_values(self, src: Source) -> tuple[pd.Series, str, str] | None:
        if src.kind == "layer":
            return self.layer(src.name)
        if "/" in src.name:
            num_col, den_col = src.name.split("/")
            num, den = self.cbs(num_col), self.cbs(den_col)
            if num is None or den is None:
                return None
            ratio = 100.0 * num / den.where(den > 0)
            return ratio, "statistics", f"100 × CBS {num_col} / {den_col}"
        s = self.cbs(src.name)
        if s is None:
            return None
        return s, "statistics", f"CBS {src.name}"

    # ------------------------------------------------------------------ homes
    def homes(self) -> pd.DataFrame:
        """Per home: ``buurtcode``, ``residents`` (float, NaN -> 0 with the count in
        ``attrs["bad_residents"]``), ``origin`` and the reachability columns."""
        if self._homes is not None:
            return self._homes
        if self.reach is None or getattr(self.reach, "homes", None) is None:
            raise MissingDataError(
                "Priorities need the reachability result: pass "
                "reach = afweging.reachability(area, modes=('walk', 'bike'))."
            )
        h = self.reach.homes
        for col in ("buurtcode", "residents"):
            if col not in h.columns:
                raise MissingColumnError(
                    f"reach.homes lacks column {col!r}; pass the result of "
                    f"afweging.reachability(area) unchanged."
                )
        out = pd.DataFrame(index=h.index)
        out["buurtcode"] = h["buurtcode"].to_numpy()
        res = pd.to_numeric(h["residents"], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(res) | (res < 0)
        out["residents"] = np.where(bad, 0.0, res)
        origin = pd.Series("bron", index=h.index, dtype=object)
        ah = self.area.homes
        if ah is not None and "origin" in ah.columns:
            origin = ah["origin"].reindex(h.index).fillna("bron").astype(object)
        out["origin"] = origin.to_numpy()
        out = out[out["buurtcode"].isin(self.index)]
        out.attrs["bad_residents"] = int(bad.sum())
        self._homes = out
        return out

    def home_minutes(self, mode: str, category: str) -> np.ndarray:
        """Minutes from each home (rows of :meth:`homes`) to the nearest ``category``."""
        col = reach_home_col(mode, category)
        h = self.reach.homes
        if col not in h.columns:
            raise MissingColumnError(
                f"reach.homes has no column {col!r}: the reachability result was computed "
                f"without mode {mode!r} or category {category!r}. Run "
                f"afweging.reachability(area, modes=('walk', 'bike')) with all categories."
            )
        return pd.to_numeric(h[col], errors="coerce").reindex(self.homes().index).to_numpy(dtype=float)

    def home_method(self, mode: str) -> np.ndarray:
        """Method per home for ``mode``: network / fallback."""
        col = reach_method_col(mode)
        h = self.reach.homes
        if col not in h.columns:
            raise MissingColumnError(
                f"reach.homes has no column {col!r}: run afweging.reachability(area, "
                f"modes=('{mode}',))."
            )
        return h[col].reindex(self.homes().index).astype(str).to_numpy()

    def reach_settings(self, mode: str) -> dict[str, float]:
        """``detour_factor`` and ``max_snap_distance_m`` the reachability result used for
        ``mode`` (so new times follow the same rules); empty when it does not say."""
        report = getattr(self.reach, "report", None)
        if report is None or mode not in report.index:
            return {}
        return {k: float(report.loc[mode, k]) for k in ("detour_factor", "max_snap_distance_m")
                if k in report.columns and pd.notna(report.loc[mode, k])}

    def home_xy(self) -> np.ndarray:
        """Coordinates of the homes of :meth:`homes` (from reach.homes geometry)."""
        g = self.reach.homes.geometry.reindex(self.homes().index)
        return np.column_stack([g.x.to_numpy(), g.y.to_numpy()]).astype(float)

    # ------------------------------------------------------------------ facilities
    def category_present(self, category: str) -> bool:
        """Whether the area has at least one facility of ``category``."""
        if self._present is None:
            fac = self.area.facilities
            self._present = set() if fac is None else set(fac["category"].dropna().astype(str))
        return category in self._present

    def outside_facility_coverage(self, categories: list[str]) -> pd.Index:
        """Buurten whose facilities are unknown, not zero.

        Two signs: the facility layer reports NaN counts for a category that does exist
        elsewhere (its coverage-gap detection), or every home of the buurt is a
        stand-in grid point (``origin == "rasterpunt"``: the homes source has no
        buildings there) while homes and facilities come from the same file.
        """
        gap = pd.Series(False, index=self.index)
        for cat in categories:
            got = self.layer(facility_col(cat, "count"))
            if got is not None and got[1] != "no data" and got[0].notna().any():
                gap |= got[0].isna()
        ah = self.area.homes
        p_fac = self.area.provenance.get("facilities")
        p_homes = self.area.provenance.get("homes")
        same = p_fac is not None and p_homes is not None and p_fac.path and p_fac.path == p_homes.path
        if same and ah is not None and "origin" in ah.columns and len(ah):
            grid_only = (ah["origin"].astype(str) == GRID_ORIGIN).groupby(ah["buurtcode"]).all()
            gap |= grid_only.reindex(self.index, fill_value=False).astype(bool)
        return self.index[gap.to_numpy()]
