"""The interactive map (``kaart.html``): a self-contained folium/Leaflet page.

The page carries Leaflet, its CSS and a small afweging script inline (see
``vendor/README.md`` and :mod:`afweging.maps._js`), so it opens without a network: the
background is plain, and the optional PDOK/OpenStreetMap background tiles switch
themselves off with a notice when they cannot be reached. Folium's default CDN links
(Leaflet, jQuery, Bootstrap, Font Awesome) are not used.

What is on the map (everything a planner reads is Dutch):

* buurt choropleths, one per theme score (barcode), the balance score and a selection of
  layer and reachability indicators, classified with mapclassify (Fisher-Jenks), with a
  legend that gives the unit and the method (gemeten / benadering / CBS-statistiek);
  they are the radio buttons of the layer control, so exactly one legend shows;
* a popup per buurt with its barcode, key numbers and priority flags with reasons;
* facilities per category, clustered per map cell below zoom level 15;
* the buurten flagged per priority question, with the reasons;
* isochrones from chosen points;
* the sites of a location choice (numbered in order of marginal gain, with their reasons),
  and the greedy choice for comparison;
* homes coloured by minutes to the nearest facility of one category (points when there
  are few, otherwise a grid of cells with the resident-weighted mean);
* wijk boundaries.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template
from matplotlib import colormaps
from matplotlib.colors import to_hex
from pyproj import Transformer
from shapely.geometry import Point

from afweging import _names, settings
from afweging._errors import MissingColumnError, UnknownCategoryError, UnknownModeError
from afweging._format import nl_int, nl_number, nl_pct
from afweging._html import escape
from afweging.geo.area import Area
from afweging.maps import _adapt
from afweging.maps._assets import js_json, leaflet_css, leaflet_js
from afweging.maps._classify import NODATA_COLOR, classify, score_bins
from afweging.maps._js import AFW_CSS, AFW_JS
from afweging.maps._labels import METHOD_LABELS, MODE_LABELS, category_label, describe
from afweging.maps._source import source_text

#: Background tiles offered in the layer control (all optional; the map works without).
TILES: dict[str, tuple[str, str]] = {
    "Achtergrondkaart PDOK grijs (online)": (
        "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
        'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (BRT-Achtergrondkaart)',
    ),
    "OpenStreetMap (online)": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap-bijdragers</a>',
    ),
}

OFFLINE_NOTICE = (
    "De achtergrondkaart is niet bereikbaar (geen internet?). De kaart toont een effen "
    "achtergrond; alle lagen van afweging werken gewoon."
)

#: Layer indicators shown by default (those that exist and have data are used).
DEFAULT_LAYER_INDICATORS: tuple[str, ...] = (
    "green_m2_per_dwelling",
    "green_pct_homes_within_300m_of_05ha",
    "heat_pet_mean_degc",
    "heat_pct_homes_cool_place_within_300m",
    "heat_uhi_mean_degc",
    "heat_proxy_index",
    "noise_pct_homes_over_53db",
    "housing_corporation_pct",
    "housing_social_gap_pct_points",
    "fac_n_missing_categories",
    "fac_speelplek_per_1000_inh",
    "fac_ontmoetingsplek_per_1000_inh",
)

#: Dutch names of the layers (``LayerResult.methods["layer"]``) in the layer control.
_LAYER_NL: dict[str, str] = {
    "green": "Groen", "heat": "Hitte", "noise": "Geluid", "housing": "Wonen",
    "facilities": "Voorzieningen",
}

#: Colours of the priority questions (outline on the map).
_PRIORITY_COLORS = ("#c62828", "#6a1b9a", "#ef6c00", "#00838f", "#2e7d32")

#: Pieces of an Area whose provenance the interactive map credits (what it draws).
_MAP_PIECES = ("buurten", "wijken", "statistics", "facilities", "homes", "network:walk",
               "network:bike", "green", "raster:heat", "raster:noise")

_TO_WGS84 = Transformer.from_crs(settings.crs, "EPSG:4326", always_xy=True)


# ----------------------------------------------------------------------------- elements
class OfflineMap(folium.Map):
    """A :class:`folium.Map` that inlines Leaflet and loads nothing from a CDN.

    Folium's default JavaScript/CSS links (Leaflet, jQuery, Bootstrap, Font Awesome) are
    replaced by the vendored Leaflet and the afweging script, inlined in the page header.
    Folium elements that need jQuery (``folium.Popup``, ``MarkerCluster``...) must not be
    added to it; afweging draws its popups and clusters with plain Leaflet.
    """

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("An OfflineMap must be inside a branca Figure to be rendered.")
        figure.header.add_child(_Raw(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
        figure.header.add_child(_Raw(f"<style>{AFW_CSS}</style>"), name="afweging_css")
        figure.header.add_child(_Raw(f"<script>{leaflet_js()}</script>"), name="leaflet_js")
        figure.header.add_child(_Raw(f"<script>{AFW_JS}</script>"), name="afweging_js")
        super().render(**kwargs)


class _Raw(Element):
    """Literal HTML in the page (not a Jinja template, unlike ``branca.element.Element``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "AfwRaw"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _Script(MacroElement):
    """Raw JavaScript in the map script; ``{map}`` is replaced by the map's variable."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code.replace("{map}", this._parent.get_name()) }}
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "AfwScript"
        self.code = code


class _JsLayer(Layer):
    """A layer built by a JavaScript expression (``{map}`` = the map's variable).

    It takes part in folium's :class:`~folium.LayerControl` like any folium layer; its
    legend (HTML) is registered with ``afw.legend``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.js.replace("{map}", this._parent.get_name()) }};
        {%- if this.legend_html %}
        afw.legend({{ this.get_name() }}, {{ this.legend_html }});
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self, name: str, js: str, *, overlay: bool, show: bool, legend: str | None = None
    ) -> None:
        # Leaflet's layer control shows the name as HTML: a name from data is escaped
        super().__init__(name=escape(name), overlay=overlay, control=True, show=show)
        self._name = "AfwLayer"
        self.js = js
        self.legend_html = js_json(legend) if legend else ""


# ----------------------------------------------------------------------------- helpers
def _check_mode(mode: str) -> None:
    if mode not in MODE_LABELS:
        raise UnknownModeError(f"Unknown mode {mode!r}: use 'walk' or 'bike'.")


def _round_coords(geoms: np.ndarray, decimals: int = 5) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


def _to_wgs84(gdf: gpd.GeoSeries | gpd.GeoDataFrame, simplify_m: float) -> np.ndarray:
    geoms = gdf.geometry
    if simplify_m > 0:
        geoms = geoms.simplify(simplify_m, preserve_topology=True)
    return _round_coords(np.asarray(geoms.to_crs("EPSG:4326").values))


def _feature_collection(geoms: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p}
            for g, p in zip(geoms, props, strict=True)
            if g is not None and not g.is_empty
        ],
    }



def legend_html(
    title: str,
    items: Sequence[tuple[str, str]],
    *,
    meta: Sequence[str] = (),
    kind: str = "box",
) -> str:
    """Legend HTML: a title, one row per (colour, label) and optional lines of small print.

    ``kind`` is ``"box"`` (areas), ``"dot"`` (points) or ``"line"`` (outlines).
    """
    cls = {"box": "afw-sw", "dot": "afw-sw afw-dot", "line": "afw-sw afw-line"}[kind]
    rows = "".join(
        f'<div class="afw-row"><span class="{cls}" style="'
        + (f"border-top-color:{c}" if kind == "line" else f"background:{c}")
        + f'"></span>{escape(label)}</div>'
        for c, label in items
    )
    small = "".join(f'<div class="afw-meta">{escape(m)}</div>' for m in meta)
    return f"<h4>{escape(title)}</h4>{rows}{small}"


def _fmt_value(value: Any, unit: str) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return escape(value) if value is not None and str(value) not in ("", "nan", "<NA>") else "onbekend"
    if math.isnan(x):
        return "geen gegevens"
    if math.isinf(x):
        return "niet bereikbaar"
    decimals = 0 if abs(x) >= 100 else (1 if abs(x) >= 1 or x == 0 else 2)
    if unit.startswith("%"):
        return nl_pct(x, 0 if abs(x) >= 10 or x == 0 else 1)
    text = nl_number(x, decimals)
    return f"{text} {unit}" if unit and unit not in ("aantal", "index 0–100", "ja/nee") else text


# ----------------------------------------------------------------------------- content
def _indicator_columns(
    layers: Any, reach: Any, indicators: Sequence[str] | None, minutes: float
) -> list[tuple[str, pd.Series, pd.DataFrame | None]]:
    """(column, values, methods table) for every indicator choropleth."""
    frames: list[tuple[pd.DataFrame, pd.DataFrame | None]] = []
    if layers is not None:
        frames.append((layers.values, getattr(layers, "methods", None)))
    if reach is not None:
        frames.append((reach.buurten, getattr(reach, "methods", None)))
    if indicators is None:
        wanted = list(DEFAULT_LAYER_INDICATORS)
        if reach is not None:
            wanted += [
                _names.reach_complete_share_col("walk", minutes),
                _names.reach_completeness_col("walk", minutes),
                _names.reach_share_col("walk", "speelplek", 5),
                _names.reach_share_col("walk", "ontmoetingsplek", minutes),
                _names.reach_complete_share_col("bike", minutes),
                _names.reach_fallback_share_col("walk"),
            ]
        strict = False
    else:
        wanted = list(indicators)
        strict = True
    out = []
    for col in wanted:
        for values, methods in frames:
            if col in values.columns:
                series = values[col]
                method = None
                if methods is not None and col in methods.index:
                    method = methods.loc[col, "method"]
                no_data = method == "no data" or not pd.to_numeric(series, errors="coerce").notna().any()
                if series.dtype == bool:
                    no_data = method == "no data"
                if no_data and not strict:
                    break
                if series.dtype == object and not strict:
                    break
                out.append((col, series, methods))
                break
        else:
            if strict:
                raise MissingColumnError(
                    f"Indicator {col!r} is in neither the layers nor the reachability result. "
                    f"Pick columns of layers.values or reach.buurten."
                )
    return out


def _popup(
    area: Area,
    code: str,
    *,
    layers: Any,
    reach: Any,
    themes: _adapt.ThemeScores | None,
    flags: _adapt.PriorityFlags | None,
    svg: str | None,
    minutes: float,
    barcode_href: str | None,
) -> str:
    b = area.buurten.loc[code]
    wijk = ""
    if area.wijken is not None and b.get("wijkcode") in area.wijken.index:
        wijk = str(area.wijken.loc[b["wijkcode"], "wijknaam"])
        if not wijk.lower().startswith("wijk"):
            wijk = f"wijk {wijk}"
    parts = [
        f'<div class="afw-popup"><h3>{escape(b["buurtnaam"])}</h3>',
        f'<div class="afw-sub">{escape(code)}' + (f" · {escape(wijk)}" if wijk else "") + "</div>",
    ]
    if flags is not None:
        for _, f in flags.for_buurt(code).iterrows():
            label = flags.questions.get(f["question"], f["question"])
            parts.append(
                f'<div class="afw-prio"><b>Prioriteit {escape(label.lower())}</b> '
                f'(nr. {int(f["rank"])}): {escape(f["reason"])}</div>'
            )
    rows: list[tuple[str, str]] = []
    lacking: str | None = None

    def stat(col: str) -> float:
        return float(pd.to_numeric(b.get(col), errors="coerce")) if col in b.index else float("nan")

    inw = stat("a_inw")
    rows.append(("Inwoners (CBS)", nl_int(inw)))
    if "a_woning" in b.index:
        rows.append(("Woningen (CBS)", nl_int(stat("a_woning"))))
    for col, label in (("a_00_14", "Kinderen 0–14 jaar"), ("a_65_oo", "65-plussers")):
        if col in b.index and inw > 0:
            rows.append((label, nl_pct(100.0 * stat(col) / inw)))
    if themes is not None:
        rows.append(
            ("Balansscore (0–1)", nl_number(float(themes.overall.get(code, float("nan"))), 2)
             + ("" if bool(themes.complete.get(code, False)) else " (onvolledig)"))
        )
    if layers is not None:
        v = layers.values
        known = code in v.index
        for col in ("housing_corporation_pct", "green_m2_per_dwelling", "heat_proxy_index"):
            if known and col in v.columns and pd.notna(v.at[code, col]):
                info = describe(col, layers.methods)
                rows.append((info.label, _fmt_value(v.at[code, col], info.unit)))
        if known and "fac_missing_categories" in v.columns:
            missing = v.at[code, "fac_missing_categories"]
            if isinstance(missing, str):
                lacking = escape(missing) or "niets"
    if reach is not None and code in reach.buurten.index:
        r = reach.buurten.loc[code]
        for col in (
            _names.reach_complete_share_col("walk", minutes),
            _names.reach_share_col("walk", "speelplek", 5),
        ):
            if col in r.index:
                info = describe(col, reach.methods)
                rows.append((info.label, _fmt_value(r[col], info.unit)))
        fb = _names.reach_fallback_share_col("walk")
        if fb in r.index and pd.notna(r[fb]):
            rows.append(("Looptijden hemelsbreed geschat voor", nl_pct(float(r[fb]))))
    parts.append(
        "<table>"
        + "".join(f'<tr><td>{escape(k)}</td><td class="afw-num">{v}</td></tr>' for k, v in rows)
        + "</table>"
    )
    if lacking is not None:
        parts.append(f'<div class="afw-small">Ontbreekt in de buurt: {lacking}.</div>')
    if svg:
        parts.append(f'<div class="afw-sub"><b>Barcode</b> (score per thema, 0–1)</div>{svg}')
    if barcode_href:
        parts.append(
            f'<div class="afw-small"><a href="{escape(barcode_href)}#{escape(code)}" target="_blank">'
            "Volledige barcode met waarden, normen en bronnen</a></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _homes_layer(
    area: Area,
    reach: Any,
    *,
    category: str,
    mode: str,
    max_home_points: int,
    cell_m: float,
) -> tuple[str, str, str] | None:
    """(name, js, legend) of the homes-by-minutes layer, or None without data."""
    col = _names.reach_home_col(mode, category)
    homes = reach.homes
    if col not in homes.columns:
        raise UnknownCategoryError(
            f"The reachability result has no column {col!r} (category {category!r}, mode "
            f"{mode!r}); it covers categories {list(getattr(reach, 'categories', []))} and "
            f"modes {list(getattr(reach, 'modes', []))}."
        )
    minutes = homes[col].to_numpy(dtype=float)
    if not np.isfinite(minutes).any() and not np.isposinf(minutes).any():
        return None
    max_min = float(getattr(reach, "max_minutes", settings.max_minutes))
    bins = [2.5, 5.0, 10.0, 15.0, max_min]
    labels = ["0 – 2,5 min", "2,5 – 5 min", "5 – 10 min", "10 – 15 min",
              f"15 – {nl_number(max_min, 0)} min"]
    colors_cm = colormaps["RdYlGn_r"]
    colors = [to_hex(colors_cm(x)) for x in np.linspace(0.05, 0.95, len(bins))]
    unreachable_color = "#4d4d4d"
    all_colors = [*colors, unreachable_color, NODATA_COLOR]
    method_col = _names.reach_method_col(mode)
    methods = homes[method_col].astype(str).to_numpy() if method_col in homes.columns else None
    xy = shapely.get_coordinates(homes.geometry.values)
    residents = homes["residents"].to_numpy(dtype=float) if "residents" in homes else np.ones(len(homes))
    what = f"{category_label(category).lower()} ({MODE_LABELS[mode]})"
    name = f"Woningen: minuten {MODE_LABELS[mode]} naar {category_label(category).lower()}"

    def cls(m: np.ndarray) -> np.ndarray:
        out = np.where(np.isnan(m), len(bins) + 1, np.searchsorted(bins, m, side="left"))
        out = np.where(np.isposinf(m), len(bins), out)
        return np.minimum(out, len(bins) + 1).astype(int)

    meta = []
    if methods is not None:
        fallback = float(residents[methods == "fallback"].sum() / max(residents.sum(), 1e-9) * 100)
        if fallback > 0:
            meta.append(
                f"Voor {nl_pct(fallback)} van de bewoners is de tijd hemelsbreed × "
                f"omrijfactor {nl_number(settings.detour_factor, 1)} geschat (geen netwerk)."
            )
    if len(homes) <= max_home_points:
        lon, lat = _TO_WGS84.transform(xy[:, 0], xy[:, 1])
        k = cls(minutes)
        rows = []
        for i in range(len(homes)):
            m = minutes[i]
            txt = f"Woning: {_fmt_value(m, 'min')} naar {what}"
            if methods is not None:
                txt += f" · {METHOD_LABELS.get(methods[i], methods[i])}"
            rows.append([round(float(lat[i]), 5), round(float(lon[i]), 5), int(k[i]), escape(txt)])
        js = f"afw.dots({js_json(rows)}, {js_json(all_colors)})"
        meta.insert(0, f"Eén stip per woning ({nl_int(len(homes))} woningen).")
    else:
        ix = np.floor(xy[:, 0] / cell_m).astype(np.int64)
        iy = np.floor(xy[:, 1] / cell_m).astype(np.int64)
        frame = pd.DataFrame({"ix": ix, "iy": iy, "w": residents, "m": minutes})
        frame["finite"] = np.isfinite(frame["m"])
        frame["inf"] = np.isposinf(frame["m"])
        frame["wm"] = np.where(frame["finite"], frame["m"] * frame["w"], 0.0)
        frame["wf"] = np.where(frame["finite"], frame["w"], 0.0)
        frame["winf"] = np.where(frame["inf"], frame["w"], 0.0)
        if methods is not None:
            frame["wfb"] = np.where(methods == "fallback", frame["w"], 0.0)
        else:
            frame["wfb"] = 0.0
        g = frame.groupby(["ix", "iy"], sort=True).agg(
            n=("m", "size"), w=("w", "sum"), wm=("wm", "sum"), wf=("wf", "sum"),
            winf=("winf", "sum"), wfb=("wfb", "sum"),
        ).reset_index()
        mean = np.where(g["wf"] > 0, g["wm"] / g["wf"].where(g["wf"] > 0, 1.0), np.nan)
        mostly_inf = (g["winf"] > g["wf"]).to_numpy()
        mean = np.where(mostly_inf, np.inf, mean)
        k = cls(mean)
        x0 = g["ix"].to_numpy() * cell_m
        y0 = g["iy"].to_numpy() * cell_m
        w_lon, s_lat = _TO_WGS84.transform(x0, y0)
        e_lon, n_lat = _TO_WGS84.transform(x0 + cell_m, y0 + cell_m)
        n_homes = g["n"].to_numpy()
        w_cell = g["w"].to_numpy()
        share_fb = 100.0 * g["wfb"].to_numpy() / np.where(w_cell > 0, w_cell, 1.0)
        rows = []
        for i in range(len(g)):
            txt = (
                f"{nl_int(n_homes[i])} woningen, {nl_int(w_cell[i])} inwoners<br>"
                f"gemiddeld {escape(_fmt_value(mean[i], 'min'))} naar {escape(what)}"
                + (f"<br>hemelsbreed geschat: {nl_pct(share_fb[i])}" if share_fb[i] > 0 else "")
            )
            rows.append([
                round(float(s_lat[i]), 5), round(float(w_lon[i]), 5),
                round(float(n_lat[i]), 5), round(float(e_lon[i]), 5), int(k[i]), txt,
            ])
        js = f"afw.cells({js_json(rows)}, {js_json(all_colors)})"
        meta.insert(
            0,
            f"{nl_int(len(homes))} woningen samengevat in {nl_int(len(g))} cellen van "
            f"{nl_int(cell_m)} × {nl_int(cell_m)} m: gemiddelde (gewogen naar inwoners).",
        )
    items = [*zip(colors, labels, strict=True), (unreachable_color, f"niet bereikbaar binnen {nl_number(max_min, 0)} min")]
    if np.isnan(minutes).any():
        items.append((NODATA_COLOR, "geen gegevens"))
    legend = legend_html(f"Minuten {MODE_LABELS[mode]} naar {category_label(category).lower()}", items, meta=meta)
    return name, js, legend


def default_isochrone_points(
    area: Area, *, priorities: Any = None, modes: Sequence[str] = ("walk", "bike")
) -> list[tuple[str, Point, str]]:
    """Start points for isochrones when none are chosen: one per mode with a network.

    The point is the representative point of the highest-ranked priority buurt that lies
    on the network (within :data:`afweging.settings.max_snap_distance_m` of a street), or
    else of the buurt with the most inhabitants on the network.

    Returns
    -------
    list of (Dutch label, Point in EPSG:28992, mode)
    """
    from afweging.analyses.reach import array_graph

    flags = _adapt.priority_flags(priorities)
    out: list[tuple[str, Point, str]] = []
    reps = area.buurten.geometry.representative_point()
    rxy = shapely.get_coordinates(reps.values)
    for mode in modes:
        if not area.has(f"network:{mode}"):
            continue
        graph = array_graph(area.networks[mode], mode, what=f"Area.networks[{mode!r}]")
        within = graph.snap(rxy, max_distance_m=settings.max_snap_distance_m).within
        near = pd.Series(within, index=area.buurten.index.astype(str))
        if not near.any():
            continue
        code = None
        if flags is not None:
            for c in flags.flags.sort_values("rank")["buurtcode"]:
                if near.get(c, False):
                    code = c
                    break
        if code is None:
            inw = pd.to_numeric(area.buurten.get("a_inw"), errors="coerce")
            inw.index = inw.index.astype(str)
            code = str(inw[near].fillna(0).idxmax()) if inw is not None else str(near[near].index[0])
        pos = list(area.buurten.index.astype(str)).index(code)
        out.append((f"midden van {area.buurten['buurtnaam'].iloc[pos]}", reps.iloc[pos], mode))
    return out


def compute_isochrones(
    area: Area,
    points: Sequence[tuple[str, Point, str]],
    *,
    minutes: Sequence[float] = (5.0, 10.0),
) -> gpd.GeoDataFrame:
    """Isochrones for (label, point, mode) triples, with a ``label`` column."""
    from afweging.analyses.reach.reachability import isochrone

    frames = []
    for label, point, mode in points:
        iso = isochrone(area, point, minutes=list(minutes), mode=mode)
        iso["label"] = label
        frames.append(iso)
    if not frames:
        return gpd.GeoDataFrame({"minutes": [], "mode": [], "label": []}, geometry=[], crs=settings.crs)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=settings.crs)


def _sites_layer(loc: _adapt.LocationSites, sites: pd.DataFrame, key: str,
                 color: str) -> tuple[str, str, str]:
    """(name, js, legend) of the sites of a location choice (``key``: optimaal / gretig)."""
    lon, lat = _TO_WGS84.transform(sites["x"].to_numpy(dtype=float), sites["y"].to_numpy(dtype=float))
    rows = []
    for i, (_, r) in enumerate(sites.iterrows()):
        extra = "".join(
            f"<tr><td>{escape(lab.capitalize())} nieuw binnen de norm</td>"
            f'<td class="afw-num">{nl_int(r[f"people_new_{c}"])}</td></tr>'
            for c, lab in loc.report_groups.items())
        popup = (
            f'<div class="afw-popup"><h3>{int(r["rank"])}. {escape(r["site_id"])}'
            f'{" (vast)" if bool(r["fixed"]) else ""}</h3>'
            f'<div class="afw-sub">{escape(r["buurtnaam"])} · {escape(r["wijknaam"])}</div><table>'
            f"<tr><td>{escape(loc.group_label.capitalize())} nieuw binnen {escape(loc.norm_text)}</td>"
            f'<td class="afw-num">{nl_int(r["people_new"])}</td></tr>{extra}'
            f'<tr><td>Behoeftegewogen winst</td><td class="afw-num">{nl_number(r["weight_new"], 1)}</td></tr>'
            f'</table><div class="afw-small">{escape(r["reason"])}</div></div>'
        )
        tip = escape(f"{int(r['rank'])}. {r['site_id']} in {r['buurtnaam']}: "
                     f"+{nl_int(r['people_new'])} {loc.group_label}")
        rows.append([round(float(lat[i]), 6), round(float(lon[i]), 6), int(r["rank"]), tip, popup])
    c = loc.comparison
    if key == "optimaal":
        title = f"Locatiekeuze {loc.label}: {'exact optimaal' if c['status'] == 'optimaal' else 'beste gevonden'}"
        people, weight = c["people_new"], c["objective"]
        meta = ["Nummer = volgorde van de marginale winst: eerst de locatie die het meest "
                "toevoegt, dan wat de volgende daarbovenop toevoegt.",
                f"Behoeftegewogen {nl_number(weight, 1)}; de gretige keuze haalt "
                f"{nl_number(c['objective_greedy'], 1)} ({nl_pct(c['gap_greedy_pct'], 1)} minder)."]
    else:
        title = f"Locatiekeuze {loc.label}: gretige keuze (ter vergelijking)"
        people, weight = c["people_new_greedy"], c["objective_greedy"]
        meta = ["Steeds de locatie die er op dat moment het meest bij brengt.",
                f"Behoeftegewogen {nl_number(weight, 1)}."]
    items = [(color, f"{len(sites)} locaties: {nl_int(people)} {loc.group_label} nieuw binnen "
                     f"{loc.norm_text}")]
    legend = legend_html(title, items, meta=meta, kind="dot")
    name = f"Locatiekeuze {loc.label}: {key}"
    return name, f"afw.sites({js_json(rows)}, {js_json(color)})", legend


# ----------------------------------------------------------------------------- the map
def explore(
    area: Area,
    *,
    layers: Any = None,
    reach: Any = None,
    scores: Any = None,
    priorities: Any = None,
    locations: Any = None,
    indicators: Sequence[str] | None = None,
    category: str = "speelplek",
    mode: str = "walk",
    isochrones: gpd.GeoDataFrame | Sequence[tuple[str, Point, str]] | None = None,
    isochrone_minutes: Sequence[float] = (5.0, 10.0),
    max_home_points: int = 15_000,
    cell_m: float = 100.0,
    tiles: bool = True,
    barcodes: bool = True,
    barcode_href: str | None = None,
    simplify_m: float = 3.0,
) -> folium.Map:
    """The interactive map of an area, as a folium map (shows itself in Jupyter).

    Every input except ``area`` is optional; what is missing is left out and the map says
    so in its title box.

    Parameters
    ----------
    area : Area
    layers : LayerResult, optional
        From :func:`afweging.compute_layers`: indicator choropleths and popup numbers.
    reach : ReachabilityResult, optional
        From :func:`afweging.reachability`: reachability choropleths and the homes layer.
    scores : BarcodeScores, optional
        From :func:`afweging.score`: theme and balance choropleths, barcodes in popups.
    priorities : PriorityResult, optional
        From :func:`afweging.prioritise`: flagged buurten with reasons.
    locations : LocationChoice, optional
        From :func:`afweging.choose_locations`: the chosen sites (on at opening) and the
        greedy choice.
    indicators : list of str, optional
        Indicator columns (of ``layers.values`` or ``reach.buurten``) to draw; default a
        selection per layer (:data:`DEFAULT_LAYER_INDICATORS` and the 10-minute-city
        columns), leaving out indicators without data.
    category : str
        Facility category of the homes layer (minutes to the nearest one) and the
        facility layer that is switched on at opening.
    mode : {"walk", "bike"}
        Travel mode of the homes layer.
    isochrones : GeoDataFrame or list of (label, Point, mode), optional
        Polygons with ``minutes`` (and optionally ``mode``, ``label``) in EPSG:28992, or
        start points for which they are computed over the area's networks.
    isochrone_minutes : list of float
        Minutes of the isochrones computed from start points.
    max_home_points : int
        Up to this many homes are drawn one by one; more are summarised in cells.
    cell_m : float
        Cell size (m) of the homes summary.
    tiles : bool
        Offer online background maps (PDOK, OpenStreetMap) in the layer control; the PDOK
        map is on at opening and switches itself off when it cannot be reached.
    barcodes : bool
        Put each buurt's barcode (compact SVG, one row per theme) in its popup (needs
        ``scores``).
    barcode_href : str, optional
        Relative link to ``barcode.html`` (written by the barcode module); popups then
        link to the buurt's full barcode (``barcode.html#BUxxxx``).
    simplify_m : float
        Tolerance (m) for simplifying buurt outlines; 0 keeps them as they are.

    Returns
    -------
    folium.Map
        An :class:`OfflineMap`; save it with ``.save("kaart.html")`` or use
        :func:`write_map`.
    """
    _check_mode(mode)
    if max_home_points < 0 or cell_m <= 0:
        raise ValueError(
            f"max_home_points must be >= 0 and cell_m > 0; got {max_home_points} and {cell_m}."
        )
    minutes = float(getattr(reach, "minutes", settings.minutes)) if reach is not None else settings.minutes
    themes = _adapt.theme_scores(scores, area)
    flags = _adapt.priority_flags(priorities)
    codes = [str(c) for c in area.buurten.index]
    notes: list[str] = []

    minx, miny, maxx, maxy = area.total_bounds
    (w, e), (s, n) = _TO_WGS84.transform([minx, maxx], [miny, maxy])
    fmap = OfflineMap(
        location=[(s + n) / 2, (w + e) / 2], zoom_start=12, tiles=None, control_scale=False
    )
    fmap.fit_bounds([[s, w], [n, e]])
    fmap.add_child(_Script("afw.init({map});\nL.control.scale({imperial: false}).addTo({map});"))

    # --- shared buurt geometry with popups
    svgs: dict[str, str | None] = {}
    for code in codes:
        svgs[code] = _adapt.barcode_svg(scores, code, compact=True) if barcodes else None
    props = [
        {
            "i": i,
            "tip": escape(f"{area.buurten['buurtnaam'].iloc[i]} ({code})"),
            "popup": _popup(area, code, layers=layers, reach=reach, themes=themes, flags=flags,
                            svg=svgs[code], minutes=minutes, barcode_href=barcode_href),
        }
        for i, code in enumerate(codes)
    ]
    shared = _feature_collection(_to_wgs84(area.buurten, simplify_m), props)
    fmap.add_child(_Script(f"var afw_buurten = {js_json(shared)};"))

    # --- choropleths (base layers: exactly one at a time)
    choropleths: list[tuple[str, list[str], str]] = []
    if themes is not None:
        bins, labels = score_bins()
        for theme_id, label in [("__overall__", "Balansscore"), *themes.labels.items()]:
            values = themes.overall if theme_id == "__overall__" else themes.themes[theme_id]
            if not values.notna().any():
                notes.append(f"Thema {label.lower()}: geen gegevens in dit gebied.")
                continue
            c = classify(values.reindex(codes), cmap="RdYlGn", bins=bins, labels=labels)
            title = f"{label} (score 0–1)" if theme_id != "__overall__" else "Balansscore, alle thema's (0–1)"
            meta = ["1 = de normen van de Utrechtse barcode zijn gehaald; 0 = ver eronder."]
            if theme_id == "__overall__":
                meta.append("Gemiddelde van de themascores die een waarde hebben.")
            name = f"Barcode: {label}" if theme_id != "__overall__" else "Barcode: balansscore"
            choropleths.append((name, c.color_of(), legend_html(title, c.legend_items(), meta=meta)))
    else:
        notes.append("Geen themascores: de barcode is niet berekend (scores ontbreken).")
    for col, values, methods in _indicator_columns(layers, reach, indicators, minutes):
        info = describe(col, methods)
        c = classify(values.reindex(codes), cmap=info.cmap)
        meta = [f"Methode: {info.method}."] if info.method else []
        meta.append("Klassen: natuurlijke grenzen (Fisher-Jenks).")
        layer_id = ""
        if methods is not None and col in methods.index and "layer" in methods.columns:
            layer_id = str(methods.loc[col, "layer"])
        group = "Bereikbaarheid" if col.startswith("reach_") else _LAYER_NL.get(layer_id, "Laag")
        choropleths.append(
            (f"{group}: {info.label}", c.color_of(), legend_html(info.title, c.legend_items(), meta=meta))
        )
    if layers is None:
        notes.append("Geen lagen berekend: indicatoren per buurt ontbreken.")
    if reach is None:
        notes.append("Geen bereikbaarheid berekend: geen reistijden per woning.")
    for i, (name, colors, legend) in enumerate(choropleths):
        fmap.add_child(_JsLayer(
            name, f"afw.choropleth(afw_buurten, {js_json(colors)})",
            overlay=False, show=i == 0, legend=legend,
        ))
    fmap.add_child(_JsLayer(
        "Geen kleuring (alleen buurtgrenzen)", "afw.choropleth(afw_buurten, null)",
        overlay=False, show=not choropleths,
    ))

    # --- background tiles (optional, online)
    if tiles:
        for i, (name, (url, attribution)) in enumerate(TILES.items()):
            js = (
                f"afw.tiles({{map}}, L.tileLayer({js_json(url)}, "
                f"{{attribution: {js_json(attribution)}, maxZoom: 19, crossOrigin: true}}), "
                f"{js_json(OFFLINE_NOTICE)})"
            )
            fmap.add_child(_JsLayer(name, js, overlay=True, show=i == 0))

    # --- wijk boundaries
    if area.wijken is not None and len(area.wijken):
        wprops = [{"tip": escape(f"Wijk {name}")} for name in area.wijken["wijknaam"].astype(str)]
        wijk_fc = _feature_collection(_to_wgs84(area.wijken, simplify_m), wprops)
        style = {"color": "#222222", "weight": 2.2, "fill": False, "opacity": 0.9}
        fmap.add_child(_JsLayer(
            "Wijkgrenzen", f"afw.polygons({js_json(wijk_fc)}, {js_json(style)})",
            overlay=True, show=True,
        ))

    # --- priorities
    if flags is not None:
        for qi, (qid, qlabel) in enumerate(flags.questions.items()):
            sub = flags.flags[flags.flags["question"] == qid]
            if sub.empty:
                continue
            color = _PRIORITY_COLORS[qi % len(_PRIORITY_COLORS)]
            per_i: dict[str, str] = {}
            for _, f in sub.iterrows():
                if f["buurtcode"] not in codes:
                    continue
                i = codes.index(f["buurtcode"])
                name = area.buurten["buurtnaam"].iloc[i]
                per_i[str(i)] = (
                    f'<div class="afw-popup"><h3>{escape(name)}</h3><div class="afw-prio">'
                    f"<b>Prioriteit {escape(qlabel.lower())}, nr. {int(f['rank'])}</b><br>"
                    f"{escape(f['reason'])}</div></div>"
                )
            legend = legend_html(
                f"Prioriteit: {qlabel}", [(color, f"{len(per_i)} buurten met voorrang")],
                meta=["Klik op een buurt voor de reden."], kind="line",
            )
            fmap.add_child(_JsLayer(
                f"Prioriteit: {qlabel}", f"afw.outline(afw_buurten, {js_json(per_i)}, {js_json(color)})",
                overlay=True, show=qi == 0, legend=legend,
            ))
    else:
        notes.append("Geen prioriteiten berekend.")

    # --- isochrones
    iso = isochrones
    if iso is not None and not isinstance(iso, gpd.GeoDataFrame):
        iso = compute_isochrones(area, list(iso), minutes=isochrone_minutes)
    if iso is not None and len(iso):
        if "minutes" not in iso.columns:
            raise MissingColumnError(f"isochrones need a 'minutes' column; they have {list(iso.columns)}.")
        iso = iso[~iso.geometry.is_empty].sort_values("minutes", ascending=False)
        mins = sorted(iso["minutes"].unique())
        palette = [to_hex(colormaps["PuBu"](x)) for x in np.linspace(0.85, 0.4, len(mins))]
        color_of = dict(zip(mins, palette, strict=True))
        iprops = []
        for _, r in iso.iterrows():
            m_label = MODE_LABELS.get(str(r.get("mode", mode)), "")
            label = r.get("label", "")
            iprops.append({"tip": escape(f"{nl_number(float(r['minutes']), 0)} min {m_label}"
                                         + (f" vanaf {label}" if label else ""))})
        fc = _feature_collection(_to_wgs84(iso, 1.0), iprops)
        for f, (_, r) in zip(fc["features"], iso.iterrows(), strict=True):
            f["properties"]["c"] = color_of[r["minutes"]]
        js = (
            f"L.geoJSON({js_json(fc)}, {{pane: 'afwLines', style: function (f) {{ return "
            f"{{color: f.properties.c, weight: 1.5, fillColor: f.properties.c, fillOpacity: 0.25}}; }}, "
            f"onEachFeature: function (f, l) {{ l.bindTooltip(f.properties.tip, {{sticky: true}}); }}}})"
        )
        legend = legend_html(
            "Isochronen: bereikbaar over straten",
            [(color_of[m], f"binnen {nl_number(float(m), 0)} min") for m in mins],
            meta=[f"Vanaf {', '.join(sorted({str(x) for x in iso.get('label', pd.Series(dtype=str))}))}."]
            if "label" in iso.columns else [],
        )
        fmap.add_child(_JsLayer("Isochronen", js, overlay=True, show=False, legend=legend))

    # --- location choice
    loc = _adapt.location_sites(locations)
    if loc is not None:
        for sites, key, color, show in ((loc.chosen, "optimaal", "#b71c1c", True),
                                        (loc.greedy, "gretig", "#546e7a", False)):
            name, js, legend = _sites_layer(loc, sites, key, color)
            fmap.add_child(_JsLayer(name, js, overlay=True, show=show, legend=legend))

    # --- homes by minutes
    if reach is not None:
        made = _homes_layer(area, reach, category=category, mode=mode,
                            max_home_points=max_home_points, cell_m=cell_m)
        if made is not None:
            name, js, legend = made
            fmap.add_child(_JsLayer(name, js, overlay=True, show=False, legend=legend))

    # --- facilities per category
    if area.facilities is not None and len(area.facilities):
        fac = area.facilities
        xy = shapely.get_coordinates(fac.geometry.values)
        lon, lat = _TO_WGS84.transform(xy[:, 0], xy[:, 1])
        names = fac["name"].astype("string").fillna("") if "name" in fac.columns else pd.Series("", index=fac.index)
        cats = fac["category"].astype(str).to_numpy()
        tab20 = colormaps["tab20"]
        for ci, cat in enumerate(area.categories):
            mask = cats == cat
            pts = [
                [round(float(a), 5), round(float(b), 5), escape(nm)]
                for a, b, nm in zip(lat[mask], lon[mask], names[mask], strict=True)
            ]
            color = to_hex(tab20((2 * ci) % 20 / 20 + 0.025))
            label = category_label(cat)
            legend = legend_html(f"Voorziening: {label}", [(color, f"{nl_int(len(pts))} locaties")],
                                 meta=["Bron: " + (area.provenance["facilities"].label()
                                                   if "facilities" in area.provenance else "onbekend")],
                                 kind="dot")
            fmap.add_child(_JsLayer(
                f"Voorzieningen: {label} ({nl_int(len(pts))})",
                f"afw.points({{map}}, {js_json(pts)}, {js_json(color)}, {js_json(escape(label))})",
                overlay=True, show=cat == category, legend=legend,
            ))
    else:
        notes.append("Geen voorzieningen in dit gebied.")

    # --- title, legend, attribution, layer control
    title = (
        f'<div class="afw-title" id="afw-title"><h1>{escape(area.name)}: ruimtelijke afweging</h1>'
        "<p>Kies rechtsboven een kaartlaag. Klik op een buurt voor de barcode en de kerncijfers.</p>"
        + ("<p class=\"afw-note\">Synthetisch demogebied: geen echte gegevens.</p>" if area.synthetic else "")
        + "".join(f'<p class="afw-note">{escape(t)}</p>' for t in notes)
        + f'<p class="afw-source">{escape(source_text(area, _MAP_PIECES))}</p>'
        + "</div>"
    )
    fmap.add_child(_Script(
        f"afw.control({{map}}, 'topleft', {js_json(title)});\n"
        f"{{map}}.attributionControl.setPrefix('<a href=\"https://leafletjs.com\">Leaflet</a>');\n"
        f"afw.legendControl({{map}});"
    ))
    folium.LayerControl(position="topright", collapsed=True).add_to(fmap)
    return fmap


def stable_ids(root: Element) -> None:
    """Give ``root`` and every element below it an id from its place in the tree.

    branca draws a random ``uuid4`` for every element (``map_<hex>``, the variable and
    element names in the page); numbering them in tree order instead makes the same map
    give the same bytes. The ids keep branca's form (32 hex digits) and stay unique.
    """
    seen: set[int] = set()
    counter = 0

    def walk(el: Element) -> None:
        nonlocal counter
        if id(el) in seen:
            return
        seen.add(id(el))
        el._id = hashlib.sha256(f"afweging-{counter}".encode("ascii")).hexdigest()[:32]
        counter += 1
        for child in list(el._children.values()):
            walk(child)

    walk(root)


def write_map(area: Area, path: str | Path, **kwargs: Any) -> Path:
    """Write the interactive map (see :func:`explore` for the options) to ``path``.

    Returns
    -------
    Path
        The written HTML file; it holds everything it needs (no network required).
    """
    path = Path(path)
    fmap = explore(area, **kwargs)
    # branca puts the title into <title> as it is: escape the area's name
    figure = Figure(title=escape(f"{area.name}: kaart (afweging)"))
    figure.add_child(fmap)
    stable_ids(figure)
    text = figure.render()
    text = text.replace("<html>", '<html lang="nl">', 1)
    path.write_text(text, encoding="utf-8")
    return path
