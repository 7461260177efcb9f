"""Scoring: indicator values held against the norms, per buurt, wijk and city.

Steps (see ``norms.toml`` for the formulas):

1. Per buurt, read each norm's indicator column from the layers or the reachability result.
   A column that is absent, or whose method is ``"no data"``, gives NaN: "geen gegevens".
2. Per wijk and for the city, aggregate the **indicator values** as a weighted mean with the
   norm's ``aggregate`` weight (:mod:`afweging.barcode.aggregation`), then score. Scores
   are never averaged across buurten.
3. Score each value into [0, 1] (:meth:`Norm.score`) and give it a status (voldoet / bijna /
   voldoet niet / geen gegevens).
4. Theme score = weighted mean of the scores of its norms that have one; overall balance
   score = weighted mean of the theme scores that exist. A theme or overall score computed
   over part of its norms is marked incomplete; one with no scored norm at all is NaN,
   never zero.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from afweging import _names
from afweging._errors import NoMatchError
from afweging.barcode import columns as _columns
from afweging.barcode.aggregation import (
    HomeOrders,
    buurt_weights,
    home_quantile,
    quantile_stat,
    weighted_mean,
)
from afweging.barcode.norms import Norm, Norms, load_norms
from afweging.geo.area import Area

logger = logging.getLogger(__name__)

#: Levels of a barcode.
LEVELS: tuple[str, ...] = ("buurt", "wijk", "stad")

#: Dutch names of the methods of an indicator (``LayerResult.methods["method"]``).
METHODS_NL: dict[str, str] = {
    "measured": "gemeten",
    "statistics": "statistiek (CBS)",
    "proxy": "benadering (proxy)",
    "no data": "geen gegevens",
}

#: A reachability stripe counts as a proxy where at least this % of the residents got
#: straight-line-times-detour travel times instead of network times.
FALLBACK_PROXY_PCT: float = 50.0


@dataclass(frozen=True)
class UnitRow:
    """One unit (buurt, wijk or city) of a :class:`LevelScores`, as plain dicts by norm id
    or theme id."""

    code: str
    name: str
    level: str
    values: dict[str, float]
    scores: dict[str, float]
    statuses: dict[str, str]
    proxy: dict[str, bool]
    coverage: dict[str, float]
    themes: dict[str, float]
    theme_complete: dict[str, bool]
    overall: float
    complete: bool


@dataclass
class LevelScores:
    """The barcode of every unit of one level (buurt, wijk or stad).

    All frames are indexed by the unit's code; norm frames have one column per norm id
    (scale "plan" excluded), theme frames one column per theme id.

    Attributes
    ----------
    level : {"buurt", "wijk", "stad"}
    names : Series
        Dutch name per code.
    values : DataFrame
        Indicator values (for wijk and stad: the weighted means of the buurt values).
    scores : DataFrame
        Scores in [0, 1]; NaN = geen gegevens.
    statuses : DataFrame
        "voldoet", "bijna", "voldoet niet" or "geen gegevens".
    proxy : DataFrame of bool
        True where the value rests on a proxy (method "proxy", or reachability times mostly
        from the straight-line fallback).
    coverage : DataFrame
        % of the aggregation weight (residents, dwellings...) of the unit's buurten that had
        a value; 100 or 0 for a buurt.
    themes : DataFrame
        Theme scores (NaN when no norm of the theme has a score).
    theme_complete : DataFrame of bool
        True when every norm of the theme with a weight > 0 has a score.
    overall : Series
        Balance score: weighted mean of the theme scores that exist.
    complete : Series of bool
        True when every theme with a weight > 0 is complete.
    parent : Series or None
        For buurten: the wijkcode of each buurt.
    """

    level: str
    names: pd.Series
    values: pd.DataFrame
    scores: pd.DataFrame
    statuses: pd.DataFrame
    proxy: pd.DataFrame
    coverage: pd.DataFrame
    themes: pd.DataFrame
    theme_complete: pd.DataFrame
    overall: pd.Series
    complete: pd.Series
    parent: pd.Series | None = None

    def row(self, code: str) -> UnitRow:
        """Everything about one unit as plain dicts (fast access for explain and render)."""
        i = self.values.index.get_loc(code)

        def d(frame: pd.DataFrame) -> dict[str, Any]:  # one row, not the frame, as Python objects
            return dict(zip(frame.columns, frame.to_numpy()[i].tolist(), strict=True))

        overall = self.overall.iloc[i]
        return UnitRow(
            code=str(code),
            name=str(self.names.iloc[i]),
            level=self.level,
            values={k: float(v) for k, v in d(self.values).items()},
            scores={k: float(v) for k, v in d(self.scores).items()},
            statuses={k: str(v) for k, v in d(self.statuses).items()},
            proxy={k: bool(v) for k, v in d(self.proxy).items()},
            coverage={k: float(v) for k, v in d(self.coverage).items()},
            themes={k: float(v) for k, v in d(self.themes).items()},
            theme_complete={k: bool(v) for k, v in d(self.theme_complete).items()},
            overall=float(overall) if pd.notna(overall) else float("nan"),
            complete=bool(self.complete.iloc[i]),
        )

    @property
    def codes(self) -> list[str]:
        """Codes of the units, in order."""
        return [str(c) for c in self.values.index]

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class BarcodeScores:
    """Barcodes of every buurt, every wijk and the city.

    Attributes
    ----------
    norms : Norms
        The norms used.
    buurt, wijk, stad : LevelScores
        Per level; ``wijk`` is None when the buurten have no wijkcode.
    methods : DataFrame
        Per norm id: ``column``, ``method`` (measured / statistics / proxy / no data),
        ``methode`` (Dutch), ``description`` (how the indicator was obtained) and
        ``reason`` (Dutch, why there is no data, if so).
    area_name : str
    city_code : str
        Code of the city level (the gemeentecode, else ``"stad"``).
    caveats : list of str
        Dutch caveats carried from the layers and reachability.

    Notes
    -----
    :meth:`explain`, :meth:`render_svg`, :meth:`write_html` and the notebook view are
    thin conveniences that defer to :mod:`afweging.barcode.explain` and
    :mod:`afweging.barcode.render` (imported when called). Those modules import this
    one only for type hints, so the dependency runs one way: rendering sits on top of
    the scores and never the other way round.
    """

    norms: Norms
    buurt: LevelScores
    wijk: LevelScores | None
    stad: LevelScores
    methods: pd.DataFrame
    area_name: str
    city_code: str
    caveats: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ access
    def levels(self) -> list[LevelScores]:
        """The levels present: stad, wijk (if any), buurt."""
        return [lv for lv in (self.stad, self.wijk, self.buurt) if lv is not None]

    def find(self, code: str) -> tuple[LevelScores, str]:
        """The level that holds ``code`` and the code itself.

        The city can be addressed by its code, by ``"stad"`` or by the area name.
        """
        key = str(code)
        if key in (self.city_code, "stad", self.area_name) or key.lower() == "stad":
            return self.stad, self.city_code
        for lv in (self.buurt, self.wijk):
            if lv is not None and key in lv.values.index:
                return lv, key
        import difflib

        pool = self.buurt.codes + (self.wijk.codes if self.wijk is not None else [])
        hint = difflib.get_close_matches(key, pool, n=3)
        raise NoMatchError(
            f"{key!r} is not a buurt, wijk or the city of {self.area_name!r}. Use a buurtcode "
            f"(e.g. {self.buurt.codes[0]!r}), a wijkcode, {self.city_code!r} or 'stad'"
            + (f"; did you mean {', '.join(hint)}?" if hint else ".")
        )

    def name_of(self, code: str) -> str:
        """Dutch name of a buurt, wijk or the city."""
        lv, key = self.find(code)
        return str(lv.names.get(key, key))

    def method_info(self) -> dict[str, dict[str, Any]]:
        """:attr:`methods` as a dict norm id -> fields (cached)."""
        cached = getattr(self, "_method_info", None)
        if cached is None:
            cached = {str(k): dict(v) for k, v in self.methods.to_dict("index").items()}
            object.__setattr__(self, "_method_info", cached)
        return cached

    def norm_ids(self) -> list[str]:
        """Ids of the scored (non-plan) norms, in barcode order."""
        return list(self.buurt.scores.columns)

    # ------------------------------------------------------------------ outputs
    def to_frame(self, level: str = "buurt") -> pd.DataFrame:
        """Scores and statuses of one level as columns for ``buurten.gpkg``.

        Columns: ``score_<theme>`` (0-1, NaN when the theme has no data),
        ``score_totaal``, ``barcode_compleet`` (bool), ``barcode_onvolledig`` (Dutch list
        of themes that are incomplete), ``status_<norm_id>`` (Dutch status) and
        ``normscore_<norm_id>`` (0-1).
        """
        lv = {"buurt": self.buurt, "wijk": self.wijk, "stad": self.stad}.get(level)
        if lv is None:
            raise ValueError(
                f"level must be 'buurt', 'wijk' or 'stad' (and present); got {level!r}."
            )
        out = pd.DataFrame(index=lv.values.index)
        for theme in self.norms.themes:
            if theme in lv.themes.columns:
                out[_columns.score_col(theme)] = lv.themes[theme]
        out[_columns.TOTAL_SCORE_COL] = lv.overall
        out[_columns.COMPLETE_COL] = lv.complete.astype(bool)
        labels = {t: th.label for t, th in self.norms.themes.items()}
        incomplete = lv.theme_complete.apply(
            lambda row: ", ".join(labels[t] for t, ok in row.items() if not ok), axis=1
        )
        out[_columns.INCOMPLETE_THEMES_COL] = incomplete.reindex(out.index).fillna("")
        for nid in lv.statuses.columns:
            out[_columns.status_col(nid)] = lv.statuses[nid]
        for nid in lv.scores.columns:
            out[_columns.norm_score_col(nid)] = lv.scores[nid]
        return out

    def explain(self, code: str) -> pd.DataFrame:
        """Why a buurt, wijk or the city scores as it does; see :func:`explain`."""
        from afweging.barcode.explain import explain

        return explain(self, code)

    def render_svg(self, code: str) -> str:
        """The barcode picture of one unit as SVG; see :func:`render_svg`."""
        from afweging.barcode.render import render_svg

        return render_svg(self, code)

    def write_html(self, path: str | Path) -> Path:
        """Write barcode.html; see :func:`write_barcode_html`."""
        from afweging.barcode.render import write_barcode_html

        return write_barcode_html(self, path)

    def summary(self, level: str = "wijk") -> pd.DataFrame:
        """Dutch overview table: name, theme scores, balance score, complete."""
        lv = {"buurt": self.buurt, "wijk": self.wijk, "stad": self.stad}.get(level) or self.stad
        out = pd.DataFrame({"Naam": lv.names})
        for t, th in self.norms.themes.items():
            if t in lv.themes.columns:
                out[th.label] = lv.themes[t].round(2)
        out["Balansscore"] = lv.overall.round(2)
        out["Compleet"] = lv.complete.map({True: "ja", False: "nee"})
        return out

    def __repr__(self) -> str:
        n_w = len(self.wijk) if self.wijk is not None else 0
        return (
            f"<BarcodeScores {self.area_name!r}: {len(self.buurt)} buurten, {n_w} wijken, "
            f"{len(self.norm_ids())} normen; balansscore stad "
            f"{self.stad.overall.iloc[0]:.2f}>"
        )

    def _repr_html_(self) -> str:
        from afweging.barcode.render import render_svg

        parts = [render_svg(self, self.city_code)]
        if self.wijk is not None:
            parts.append("<h4>Wijken</h4>" + self.summary("wijk").to_html(na_rep="—"))
        return "<div>" + "".join(parts) + "</div>"


# ----------------------------------------------------------------------------- scoring
def _as_norms(norms: Norms | str | Path | None) -> Norms:
    if norms is None:
        return load_norms()
    if isinstance(norms, Norms):
        return norms
    return load_norms(norms)


def _frame_and_methods(obj: Any, what: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(values, methods) of a LayerResult, a ReachabilityResult or a plain DataFrame."""
    if obj is None:
        return None, None
    if isinstance(obj, pd.DataFrame):
        return obj, None
    for attr in ("values", "buurten"):
        frame = getattr(obj, attr, None)
        if isinstance(frame, pd.DataFrame):
            methods = getattr(obj, "methods", None)
            return frame, methods if isinstance(methods, pd.DataFrame) else None
    raise TypeError(
        f"{what} must be a LayerResult (with .values), a ReachabilityResult (with .buurten) "
        f"or a DataFrame indexed by buurtcode; got {type(obj).__name__}."
    )


def _check_index(frame: pd.DataFrame, area: Area, what: str) -> pd.DataFrame:
    index = frame.index.astype(str)
    known = index.isin(area.buurten.index.astype(str))
    if len(frame) and not known.any():
        raise NoMatchError(
            f"None of the {len(frame)} rows of {what} match a buurtcode of area "
            f"{area.name!r} (e.g. {frame.index[0]!r} vs {area.buurten.index[0]!r}). "
            f"Index {what} by buurtcode."
        )
    out = frame.copy()
    out.index = index
    return out


def score(
    area: Area,
    layers: Any,
    reach: Any = None,
    *,
    norms: Norms | str | Path | None = None,
    order_from: Callable[[str, np.ndarray], np.ndarray | None] | None = None,
) -> BarcodeScores:
    """Score every buurt, wijk and the city against the norms.

    Parameters
    ----------
    area : Area
        Supplies the buurten (``buurtnaam``, ``wijkcode``, the aggregation weights
        ``a_inw``, ``a_woning``, ``a_hh``), the wijk names and the city name.
    layers : LayerResult or DataFrame or None
        Indicator values per buurt (``.values``) and their methods (``.methods``).
    reach : ReachabilityResult or DataFrame, optional
        Reachability per buurt (``.buurten``) and methods. When None, the norms that read
        reachability columns are "geen gegevens".
    norms : Norms or path, optional
        Default: the bundled ``norms.toml``. A path is loaded with :func:`load_norms`.
    order_from : callable, optional
        ``order_from(home_col, values)``: the homes' stable sort order by a per-home time,
        or None to sort afresh (the plan check derives it from the baseline's order; see
        :class:`~afweging.barcode.aggregation.HomeOrders`).

    Returns
    -------
    BarcodeScores
    """
    norms = _as_norms(norms)
    area_norms = norms.area_norms()
    buurt_index = pd.Index(area.buurten.index.astype(str), name="buurtcode")

    layer_values, layer_methods = _frame_and_methods(layers, "layers")
    reach_values, reach_methods = _frame_and_methods(reach, "reach")
    sources: list[tuple[str, pd.DataFrame, pd.DataFrame | None]] = []
    if layer_values is not None:
        sources.append(("layers", _check_index(layer_values, area, "layers.values"), layer_methods))
    if reach_values is not None:
        sources.append(("reach", _check_index(reach_values, area, "reach.buurten"), reach_methods))

    # the columns as arrays first, one frame at the end (setting a column of a frame one
    # by one costs more than computing it)
    columns: dict[str, np.ndarray] = {n.id: np.full(len(buurt_index), np.nan) for n in area_norms}
    method_rows = []
    for n in area_norms:
        row = {"column": n.column, "method": "no data", "description": "", "reason": ""}
        found = False
        for _label, frame, methods in sources:
            if n.column in frame.columns:
                found = True
                col = frame[n.column]
                try:
                    col = col.astype(float)
                except (TypeError, ValueError) as exc:
                    raise TypeError(
                        f"Norm {n.id!r} reads column {n.column!r}, which is not numeric "
                        f"({col.dtype}); a norm needs a numeric or boolean indicator."
                    ) from exc
                columns[n.id] = col.reindex(buurt_index).to_numpy(dtype=float)
                if methods is not None and n.column in methods.index:
                    m = methods.loc[n.column]
                    row["method"] = str(m.get("method", "measured"))
                    row["description"] = str(m.get("description", "") or "")
                    row["data_source"] = str(m.get("source", "") or "")
                else:
                    row["method"] = "measured"
                break
        if not found:
            is_reach = _columns.parse_reach_column(n.column) is not None
            if is_reach and reach is None:
                row["reason"] = "geen bereikbaarheidsanalyse uitgevoerd"
            else:
                row["reason"] = f"indicator {n.column} is niet berekend"
            logger.info("Norm %s: column %s not available: %s", n.id, n.column, row["reason"])
        elif row["method"] == "no data":
            columns[n.id] = np.full(len(buurt_index), np.nan)  # a "no data" column never counts
            row["reason"] = _no_data_reason(area, n.column, row["description"])
        method_rows.append({"norm": n.id, **row})
    values = pd.DataFrame(columns, index=buurt_index, columns=[n.id for n in area_norms], dtype=float)
    methods_df = pd.DataFrame(method_rows).set_index("norm")
    methods_df["methode"] = methods_df["method"].map(METHODS_NL).fillna(methods_df["method"])

    # Fallback share per buurt for reachability stripes (proxy marking).
    fallback = pd.DataFrame(index=buurt_index)
    for mode in _columns.MODES:
        col = f"reach_{mode}_pct_residents_fallback"
        for _label, frame, _m in sources:
            if col in frame.columns:
                fallback[mode] = frame[col].astype(float).reindex(buurt_index)

    names = area.buurten["buurtnaam"].astype(str)
    names.index = buurt_index
    wijkcode = pd.Series(
        [str(x) if pd.notna(x) else None for x in area.buurten["wijkcode"]],
        index=buurt_index,
        dtype=object,
    )

    # ---- buurt level
    buurt = _level(
        "buurt",
        names,
        values,
        pd.DataFrame(
            np.where(values.notna(), 100.0, 0.0), index=values.index, columns=values.columns
        ),
        fallback,
        norms,
        methods_df,
        parent=wijkcode,
    )

    # ---- wijk and city: aggregate the indicator values, then score
    weight_columns: dict[str, pd.Series] = {}
    weight_cache: dict[str, pd.Series] = {}
    for n in area_norms:
        agg = n.aggregate or "a_inw"
        if agg not in weight_cache:
            try:
                w = buurt_weights(area, agg)
                w.index = w.index.astype(str)
                weight_cache[agg] = w.reindex(buurt_index)
            except Exception as exc:
                import warnings

                warnings.warn(
                    f"Norm {n.id}: cannot aggregate to wijk/stad ({exc}); its wijk and city "
                    f"stripes are 'geen gegevens'.",
                    stacklevel=2,
                )
                weight_cache[agg] = pd.Series(np.nan, index=buurt_index)
        weight_columns[n.id] = weight_cache[agg]
    weights = pd.DataFrame(weight_columns, index=buurt_index, columns=[n.id for n in area_norms])
    fallback_w = weight_cache.get("a_inw")
    if fallback_w is None:
        try:
            fallback_w = buurt_weights(area, "a_inw")
            fallback_w.index = fallback_w.index.astype(str)
        except Exception:
            fallback_w = pd.Series(np.nan, index=buurt_index)

    wijk_level = None
    orders = HomeOrders(order_from=order_from)  # the homes sorted by a time, for wijken and city
    if wijkcode.notna().any():
        w_values, w_cov = weighted_mean(values, weights, wijkcode)
        _quantiles_from_homes(w_values, area_norms, reach, wijkcode, methods_df, orders)
        w_fb = _aggregate_fallback(fallback, fallback_w, wijkcode)
        w_names = pd.Series(w_values.index.astype(str), index=w_values.index.astype(str))
        if area.wijken is not None and "wijknaam" in area.wijken.columns:
            known = area.wijken["wijknaam"].astype(str)
            known.index = known.index.astype(str)
            w_names = known.reindex(w_names.index).fillna(w_names)
        w_values.index = w_values.index.astype(str)
        w_cov.index = w_cov.index.astype(str)
        w_values.index.name = w_cov.index.name = "wijkcode"
        wijk_level = _level("wijk", w_names, w_values, w_cov, w_fb, norms, methods_df)

    city_code = str(area.gemeentecode) if area.gemeentecode else "stad"
    city_groups = pd.Series(city_code, index=buurt_index, dtype=object)
    c_values, c_cov = weighted_mean(values, weights, city_groups)
    _quantiles_from_homes(c_values, area_norms, reach, city_groups, methods_df, orders)
    c_fb = _aggregate_fallback(fallback, fallback_w, city_groups)
    c_values.index.name = c_cov.index.name = "code"
    stad = _level(
        "stad", pd.Series({city_code: area.name}), c_values, c_cov, c_fb, norms, methods_df
    )

    caveats = list(getattr(layers, "caveats", []) or [])
    for attr in ("caveats", "warnings"):
        extra = getattr(reach, attr, None)
        if isinstance(extra, list):
            caveats += [str(x) for x in extra]
    return BarcodeScores(
        norms=norms,
        buurt=buurt,
        wijk=wijk_level,
        stad=stad,
        methods=methods_df,
        area_name=area.name,
        city_code=city_code,
        caveats=caveats,
    )


def _no_data_reason(area: Area, column: str, description: str) -> str:
    """Dutch reason for an indicator without data (a missing facility category is named)."""
    parsed = _columns.parse_reach_column(column)
    cat = parsed.get("category") if parsed else None
    if cat and area.facilities is not None and cat not in area.categories:
        from afweging.data.tags import labels

        label = labels().get(cat, cat)
        return f"de gegevens van {area.name} bevatten geen voorzieningen '{label}'"
    return description or "geen gegevens voor deze indicator"


def _quantiles_from_homes(
    agg: pd.DataFrame,
    area_norms: list[Norm],
    reach: Any,
    groups: pd.Series,
    methods: pd.DataFrame,
    orders: HomeOrders | None = None,
) -> None:
    """Replace weighted means of quantile indicators (median, p90 minutes) in place by the
    resident-weighted quantile over the homes of each group, when the homes are known
    (``orders``: see :func:`home_quantile`)."""
    homes = getattr(reach, "homes", None)
    for n in area_norms:
        stat = quantile_stat(n.column)
        parsed = _columns.parse_reach_column(n.column)
        if stat is None or parsed is None or methods.at[n.id, "method"] == "no data":
            continue
        home_col = _names.reach_home_col(parsed["mode"], parsed.get("category", ""))
        if (
            not isinstance(homes, pd.DataFrame)
            or home_col not in homes.columns
            or not {"buurtcode", "residents"} <= set(homes.columns)
        ):
            logger.info("Norm %s: no per-home times; wijk/stad value is a weighted mean", n.id)
            continue
        q = home_quantile(homes, home_col, groups, stat[1], orders=orders)
        known = agg[n.id].notna()
        agg[n.id] = q.reindex(agg.index.astype(str)).to_numpy()
        agg.loc[~known.to_numpy(), n.id] = np.nan


def _aggregate_fallback(fallback: pd.DataFrame, w: pd.Series, groups: pd.Series) -> pd.DataFrame:
    if fallback.empty or not len(fallback.columns):
        return pd.DataFrame(index=pd.Index(groups.dropna().unique().astype(str)))
    weights = pd.DataFrame({c: w.reindex(fallback.index) for c in fallback.columns})
    means, _ = weighted_mean(fallback, weights, groups)
    means.index = means.index.astype(str)
    return means


def _level(
    level: str,
    names: pd.Series,
    values: pd.DataFrame,
    coverage: pd.DataFrame,
    fallback: pd.DataFrame,
    norms: Norms,
    methods: pd.DataFrame,
    parent: pd.Series | None = None,
) -> LevelScores:
    """Score a table of indicator values (one row per unit) into a LevelScores."""
    area_norms = [n for n in norms.area_norms() if n.id in values.columns]
    ids = [n.id for n in area_norms]
    v = values[ids].to_numpy(dtype=float)
    sc = np.column_stack([n.score(v[:, j]) for j, n in enumerate(area_norms)]) if ids else v
    st = (
        np.column_stack([norms.status(n, sc[:, j]) for j, n in enumerate(area_norms)])
        if ids
        else v.astype(object)
    )
    px = np.zeros(v.shape, dtype=bool)
    for j, n in enumerate(area_norms):
        parsed = _columns.parse_reach_column(n.column)
        if methods.at[n.id, "method"] == "proxy":
            px[:, j] = True
        elif parsed is not None and parsed.get("mode") in fallback.columns:
            fb = fallback[parsed["mode"]].reindex(values.index).to_numpy(dtype=float)
            px[:, j] = fb >= FALLBACK_PROXY_PCT  # NaN compares False
    px &= ~np.isnan(sc)
    scores = pd.DataFrame(sc, index=values.index, columns=ids)
    statuses = pd.DataFrame(st, index=values.index, columns=ids, dtype=object)
    proxy = pd.DataFrame(px, index=values.index, columns=ids)
    themes, theme_complete, overall, complete = theme_scores(scores, norms)
    return LevelScores(
        level=level,
        names=names.reindex(values.index).fillna(pd.Series(values.index, index=values.index)),
        values=values,
        scores=scores,
        statuses=statuses,
        proxy=proxy,
        coverage=coverage.reindex(index=values.index, columns=values.columns),
        themes=themes,
        theme_complete=theme_complete,
        overall=overall,
        complete=complete,
        parent=parent,
    )


def theme_scores(
    scores: pd.DataFrame,
    norms: Norms,
    *,
    norm_weights: dict[str, float] | None = None,
    theme_weights: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Theme scores, theme completeness, overall score and overall completeness.

    Parameters
    ----------
    scores : DataFrame
        One row per unit, one column per norm id (NaN = geen gegevens).
    norms : Norms
    norm_weights, theme_weights : dict, optional
        Replace the weights of the norms (within their theme) and of the themes; used by
        the sensitivity analysis.

    Notes
    -----
    ``theme = sum(w_j * s_j) / sum(w_j)`` over the theme's norms ``j`` that have a score;
    ``overall = sum(t_k * T_k) / sum(t_k)`` over the themes ``k`` that have a score. A theme
    without any scored norm (with weight > 0) is NaN, not zero.
    """
    area_norms = [n for n in norms.area_norms() if n.id in scores.columns]
    nw = {n.id: n.weight for n in area_norms}
    if norm_weights:
        nw.update(norm_weights)
    tw = {t: th.weight for t, th in norms.themes.items()}
    if theme_weights:
        tw.update(theme_weights)
    theme_ids = [t for t in norms.themes if any(n.theme == t for n in area_norms)]
    s = scores[[n.id for n in area_norms]].to_numpy(dtype=float)
    present = ~np.isnan(s)
    s0 = np.where(present, s, 0.0)
    w = np.array([nw[n.id] for n in area_norms], dtype=float)
    member = np.array([[n.theme == t for t in theme_ids] for n in area_norms], dtype=float)
    member = member.reshape(len(area_norms), len(theme_ids))
    wm = w[:, None] * member  # (norms, themes)
    num = s0 @ wm
    den = present.astype(float) @ wm
    with np.errstate(invalid="ignore", divide="ignore"):
        theme = np.where(den > 0, num / den, np.nan)
    counted = (w > 0)[:, None] & (member > 0)  # norms that count, per theme
    missing = (~present).astype(float) @ counted.astype(float)
    t_complete = missing == 0
    t_w = np.array([tw[t] for t in theme_ids], dtype=float)
    t_present = ~np.isnan(theme)
    onum = np.where(t_present, theme, 0.0) @ t_w
    oden = t_present.astype(float) @ t_w
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(oden > 0, onum / oden, np.nan)
    o_complete = t_complete[:, t_w > 0].all(axis=1)
    idx = scores.index
    return (
        pd.DataFrame(theme, index=idx, columns=theme_ids),
        pd.DataFrame(t_complete, index=idx, columns=theme_ids),
        pd.Series(overall, index=idx, name="score_totaal"),
        pd.Series(o_complete, index=idx),
    )

