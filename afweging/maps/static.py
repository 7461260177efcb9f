"""Static maps for a council memo (PNG/PDF, matplotlib): one per theme, one per priority
question, and one per indicator on request.

Every map has a title, a legend with units, a scale bar, a north arrow and a source line
built from the area's provenance. Text is Dutch; numbers use Dutch formatting. Figures
are made with :class:`matplotlib.figure.Figure` directly (not pyplot), so no display or
GUI backend is involved and nothing is left open.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MplPath

from afweging._errors import AfwegingError, MissingColumnError
from afweging._format import nl_int, nl_number
from afweging.geo.area import Area
from afweging.maps import _adapt
from afweging.maps._classify import NODATA_COLOR, Classes, classify, score_bins
from afweging.maps._labels import describe
from afweging.maps._source import source_text

#: Output formats that may be asked for.
FORMATS = ("png", "pdf")

#: Figure size (inches) and resolution of the PNGs: 1.500 × 1.200 pixels.
FIGSIZE_IN = (10.0, 8.0)
DPI = 150

#: Pieces of an Area whose provenance is credited on every static map.
_BASE_PIECES = ("buurten", "wijken", "statistics")

_NICE_LENGTHS_M = (50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000)


class StaticMapError(AfwegingError, ValueError):
    """A static map cannot be made as asked (unknown format, nothing to draw)."""


# ----------------------------------------------------------------------------- furniture
def nice_scale_length(width_m: float, fraction: float = 0.22) -> float:
    """A round scale-bar length close to ``fraction`` of the map width.

    Examples
    --------
    >>> nice_scale_length(15_000)
    2500.0
    >>> nice_scale_length(1_800)
    250.0
    """
    if not (width_m > 0 and math.isfinite(width_m)):
        raise StaticMapError(f"Map width must be a positive number of metres, got {width_m!r}.")
    target = width_m * fraction
    below = [v for v in _NICE_LENGTHS_M if v <= target]
    return float(below[-1] if below else _NICE_LENGTHS_M[0])


def _distance_label(metres: float) -> str:
    if metres >= 1_000:
        km = metres / 1_000
        return f"{nl_number(km, 0 if float(km).is_integer() else 1)} km"
    return f"{nl_int(metres)} m"


def add_scale_bar(
    ax: Axes,
    *,
    length_m: float | None = None,
    location: tuple[float, float] = (0.04, 0.04),
    height_frac: float = 0.012,
    fontsize: float = 8.5,
) -> float:
    """Draw a two-segment scale bar (black/white) on a map in metres (EPSG:28992).

    Call it after the axis limits are final and the aspect is equal (``adjustable="box"``).

    Parameters
    ----------
    ax : Axes
        A map whose data units are metres.
    length_m : float, optional
        Length of the bar; default a round number near 22 % of the map width.
    location : (float, float)
        Lower-left corner of the bar in axes fractions.
    height_frac : float
        Bar height as a fraction of the map height.
    fontsize : float

    Returns
    -------
    float
        The length drawn, in metres.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = float(length_m if length_m is not None else nice_scale_length(x1 - x0))
    bx = x0 + location[0] * (x1 - x0)
    by = y0 + location[1] * (y1 - y0)
    h = height_frac * (y1 - y0)
    half = length / 2
    for i, colour in enumerate(("#000000", "#ffffff")):
        ax.add_patch(Rectangle((bx + i * half, by), half, h, facecolor=colour, edgecolor="#000000",
                               linewidth=0.8, zorder=20))
    for x, text in ((bx, "0"), (bx + half, ""), (bx + length, _distance_label(length))):
        if text:
            ax.text(x, by + 1.6 * h, text, ha="center", va="bottom", fontsize=fontsize, zorder=20)
    return length


def add_north_arrow(
    ax: Axes, *, xy: tuple[float, float] = (0.95, 0.93), size: float = 0.07, fontsize: float = 11
) -> None:
    """Draw a north arrow (RD New grid north; within half a degree of true north in NL).

    Parameters
    ----------
    ax : Axes
    xy : (float, float)
        Tip of the arrow in axes fractions.
    size : float
        Arrow length in axes fractions.
    fontsize : float
    """
    x, y = xy
    ax.annotate(
        "N",
        xy=(x, y),
        xytext=(x, y - size),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=fontsize,
        fontweight="bold",
        arrowprops={"facecolor": "#000000", "edgecolor": "#000000", "width": 3, "headwidth": 10,
                    "headlength": 10, "shrink": 0.0},
        zorder=20,
    )


def source_line(area: Area, pieces: Sequence[str] = ()) -> str:
    """The Dutch source line of a map: boundaries and statistics plus the ``pieces`` used."""
    wanted = list(dict.fromkeys([*_BASE_PIECES, *pieces]))
    return source_text(area, wanted)


# ----------------------------------------------------------------------------- drawing
def _legend(ax: Axes, classes: Classes, title: str, *, extra: Sequence[tuple[str, str, str]] = ()) -> None:
    handles = [Patch(facecolor=c, edgecolor="#777777", linewidth=0.5, label=lab)
               for c, lab in classes.legend_items()]
    for face, edge, lab in extra:
        handles.append(Patch(facecolor=face, edgecolor=edge, linewidth=2.0, label=lab))
    ax.legend(
        handles=handles,
        title="\n".join(textwrap.wrap(title, 34)),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=8.5,
        title_fontsize=9,
        alignment="left",
    )


def map_figure(
    area: Area,
    values: pd.Series,
    *,
    title: str,
    legend_title: str,
    subtitle: str | None = None,
    cmap: str = "viridis",
    bins: list[float] | None = None,
    labels: list[str] | None = None,
    k: int = 5,
    highlight: dict[str, str] | None = None,
    highlight_label: str | None = None,
    side_text: str | None = None,
    pieces: Sequence[str] = (),
) -> Figure:
    """A finished choropleth map of a per-buurt value, ready to save.

    Parameters
    ----------
    area : Area
        Buurten (and wijken for the boundaries) in EPSG:28992.
    values : Series
        Indexed by buurtcode; NaN is drawn as "geen gegevens".
    title, legend_title : str
        Dutch; the legend title carries the unit.
    subtitle : str, optional
        A line below the title (what the classes mean, caveats).
    cmap : str
        Matplotlib colour map (class 0 lightest).
    bins, labels : optional
        Fixed classes (see :func:`afweging.maps._classify.classify`); default Fisher-Jenks.
    k : int
        Number of classes without ``bins``.
    highlight : dict buurtcode -> label, optional
        Buurten to outline in red with a label (e.g. a priority rank).
    highlight_label : str, optional
        Legend entry of the outlines.
    side_text : str, optional
        Text under the legend (e.g. the ranked list of a priority question).
    pieces : list of str
        Extra provenance keys for the source line (``"facilities"``, ``"homes"``...).

    Returns
    -------
    matplotlib.figure.Figure
    """
    buurten = area.buurten
    codes = buurten.index.astype(str)
    v = pd.Series(values).copy()
    v.index = v.index.astype(str)
    v = v.reindex(codes)
    if v.dtype == object:
        v = pd.to_numeric(v, errors="coerce")
    classes = classify(v.to_numpy(), cmap=cmap, bins=bins, labels=labels, k=k)
    colors = classes.color_of()

    fig = Figure(figsize=FIGSIZE_IN, dpi=DPI)
    ax = fig.add_axes((0.03, 0.08, 0.64, 0.78))
    geoms = buurten.geometry.to_numpy()
    nodata = np.array([i < 0 for i in classes.index])
    ax.add_collection(PathCollection(
        _paths(geoms[~nodata]), facecolors=[c for c, m in zip(colors, nodata, strict=True) if not m],
        edgecolors="#ffffff", linewidths=0.35,
    ))
    if nodata.any():
        ax.add_collection(PathCollection(
            _paths(geoms[nodata]), facecolors=NODATA_COLOR, edgecolors="#ffffff", linewidths=0.35,
            hatch="///",
        ))
    outline = (area.wijken.geometry.to_numpy() if area.wijken is not None and len(area.wijken)
               else np.array([shapely.union_all(geoms)]))
    ax.add_collection(PathCollection(_paths(outline), facecolors="none", edgecolors="#333333",
                                     linewidths=0.9))
    extra: list[tuple[str, str, str]] = []
    if highlight:
        sel = [c for c in highlight if c in set(codes)]
        pos = [list(codes).index(c) for c in sel]
        hl = buurten.iloc[pos]
        ax.add_collection(PathCollection(_paths(hl.geometry.to_numpy()), facecolors="none",
                                         edgecolors="#b71c1c", linewidths=2.0))
        reps = hl.geometry.representative_point()
        for code, pt in zip(sel, reps, strict=True):
            ax.annotate(
                highlight[code], (pt.x, pt.y), ha="center", va="center", fontsize=8,
                fontweight="bold", color="#ffffff",
                bbox={"boxstyle": "circle,pad=0.25", "facecolor": "#b71c1c", "edgecolor": "#ffffff",
                      "linewidth": 0.8},
                zorder=15,
            )
        if highlight_label:
            extra.append(("none", "#b71c1c", highlight_label))
    minx, miny, maxx, maxy = buurten.total_bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    add_scale_bar(ax)
    add_north_arrow(ax)
    _legend(ax, classes, legend_title, extra=extra)
    # texts with names from data are drawn as they are: a "$" in a buurt name is not mathtext
    # (matplotlib would fail on "Wijk $x^$" and set "$5 en $6" in italics)
    if side_text:
        fig.text(0.70, 0.42, side_text, ha="left", va="top", fontsize=7.6, linespacing=1.35,
                 wrap=False, parse_math=False)
    fig.text(0.03, 0.955, title, ha="left", va="top", fontsize=15, fontweight="bold", parse_math=False)
    if subtitle:
        fig.text(0.03, 0.912, "\n".join(textwrap.wrap(subtitle, 120)), ha="left", va="top",
                 fontsize=9, color="#333333", parse_math=False)
    src = "\n".join(textwrap.wrap(source_line(area, pieces), 150))
    fig.text(0.03, 0.02, src, ha="left", va="bottom", fontsize=7, color="#444444", parse_math=False)
    return fig


def _paths(geoms: np.ndarray) -> list[MplPath]:
    """One compound matplotlib path per (Multi)Polygon, holes included."""
    out = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        verts: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
                c[0] = MplPath.MOVETO
                c[-1] = MplPath.CLOSEPOLY
                verts.append(xy)
                codes.append(c)
        out.append(MplPath(np.concatenate(verts), np.concatenate(codes)))
    return out


def save_figure(fig: Figure, path: Path, formats: Sequence[str]) -> list[Path]:
    """Save a figure once per format (``path`` without suffix)."""
    written = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        fig.savefig(target, dpi=DPI, facecolor="white", metadata=_metadata(fmt))
        written.append(target)
    return written


def _metadata(fmt: str) -> dict[str, Any]:
    # No creation dates: the same inputs give byte-identical files.
    if fmt == "png":
        return {"Software": "afweging (matplotlib)"}
    return {"Creator": "afweging (matplotlib)", "CreationDate": None}


def _check_formats(formats: Sequence[str]) -> list[str]:
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise StaticMapError(f"formats must be a non-empty subset of {FORMATS}; got {list(formats)}.")
    return list(formats)


# ----------------------------------------------------------------------------- the maps
def _theme_pieces(theme: str) -> tuple[str, ...]:
    return {
        "voorzieningen": ("facilities",),
        "bereikbaarheid": ("facilities", "homes", "network:walk", "network:bike"),
        "spelen": ("facilities", "homes", "network:walk"),
        "groen": ("green", "facilities", "homes"),
        "hitte": ("raster:heat",),
        "geluid": ("raster:noise",),
    }.get(theme, ())


def theme_maps(
    area: Area,
    scores: Any,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("png",),
) -> list[Path]:
    """One map per barcode theme with data, plus the balance score.

    Themes without any value in the area (e.g. heat without a heat map) get no map; the
    report says so.

    Parameters
    ----------
    area : Area
    scores : BarcodeScores
    out_dir : path-like
        Files ``thema_<id>.png`` and ``balansscore.png`` are written here.
    formats : list of {"png", "pdf"}

    Returns
    -------
    list of Path
    """
    formats = _check_formats(formats)
    ts = _adapt.theme_scores(scores, area)
    if ts is None:
        raise StaticMapError("theme_maps needs scores (from afweging.score).")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bins, labels = score_bins()
    written: list[Path] = []
    city = scores.stad
    items = [("balansscore", "Balansscore", ts.overall), *((t, lab, ts.themes[t]) for t, lab in ts.labels.items())]
    for theme_id, label, values in items:
        if not values.notna().any():
            continue
        if theme_id == "balansscore":
            city_value = float(city.overall.iloc[0])
            title = f"{area.name}: balansscore per buurt (Utrechtse barcode)"
            theme_pieces: tuple[str, ...] = ("facilities", "homes")
        else:
            city_value = float(city.themes[theme_id].iloc[0]) if theme_id in city.themes else float("nan")
            title = f"{area.name}: thema {label.lower()} per buurt (Utrechtse barcode)"
            theme_pieces = _theme_pieces(theme_id)
        n_missing = int(values.isna().sum())
        subtitle = (
            f"Score 0–1: 1 = alle normen van het thema gehaald, 0 = ver eronder. "
            f"Stad als geheel: {nl_number(city_value, 2)}."
            + (f" {n_missing} buurten zonder gegevens (gearceerd)." if n_missing else "")
            + _proxy_note(scores, theme_id)
        )
        fig = map_figure(
            area, values, title=title, legend_title=f"{label} (score 0–1)", subtitle=subtitle,
            cmap="RdYlGn", bins=bins, labels=labels, pieces=theme_pieces,
        )
        name = "balansscore" if theme_id == "balansscore" else f"thema_{theme_id}"
        written += save_figure(fig, out / name, formats)
    return written


def _proxy_note(scores: Any, theme_id: str) -> str:
    """' Let op: ...' when norms of the theme rest on a proxy."""
    try:
        norms = scores.norms
        ids = [n for n in scores.buurt.scores.columns
               if theme_id == "balansscore" or norms[n].theme == theme_id]
        methods = scores.methods
        proxied = [norms[n].label for n in ids if n in methods.index and methods.loc[n, "method"] == "proxy"]
        fallback = bool(scores.buurt.proxy[ids].to_numpy().any()) if ids else False
    except (AttributeError, KeyError):
        return ""
    if proxied or fallback:
        return " Let op: (deels) een benadering (proxy), zie het rapport."
    return ""


def priority_maps(
    area: Area,
    priorities: Any,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("png",),
    top: int = 10,
) -> list[Path]:
    """One map per priority question: the priority score per buurt, the flagged buurten
    outlined and numbered by rank, and the top of the ranking with the people affected.

    Parameters
    ----------
    area : Area
    priorities : PriorityResult
    out_dir : path-like
        Files ``prioriteit_<question>.png`` are written here.
    formats : list of {"png", "pdf"}
    top : int
        Number of ranked buurten listed next to the map.

    Returns
    -------
    list of Path
    """
    formats = _check_formats(formats)
    flags = _adapt.priority_flags(priorities)
    if flags is None:
        raise StaticMapError("priority_maps needs priorities (from afweging.prioritise).")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for qid, qlabel in flags.questions.items():
        table = flags.tables.get(qid)
        sub = flags.flags[flags.flags["question"] == qid]
        if table is not None and "score" in table.columns:
            values = table["score"].astype(float)
        else:
            values = pd.Series(sub["score"].to_numpy(dtype=float), index=sub["buurtcode"])
        if not values.notna().any() and sub.empty:
            continue
        highlight = {str(c): str(int(r)) for c, r in zip(sub["buurtcode"], sub["rank"], strict=True)}
        names = area.buurten["buurtnaam"].astype(str)
        names.index = names.index.astype(str)
        lines = [f"Voorrang ({len(sub)} buurten):"]
        for _, r in sub.head(top).iterrows():
            group = flags.groups.get(qid, "personen")  # as in prioriteiten.csv: kinderen, ouderen...
            people = f" – {nl_int(r['people'])} {group}" if pd.notna(r.get("people")) else ""
            lines.append(f"{int(r['rank'])}. {textwrap.shorten(names.get(r['buurtcode'], r['buurtcode']), 30, placeholder=' …')}{people}")
        if len(sub) > top:
            lines.append(f"... en {len(sub) - top} meer")
        fig = map_figure(
            area,
            values,
            title=f"{area.name}: prioriteit {qlabel.lower()}",
            legend_title="Prioriteitsscore (tekort × behoefte)",
            subtitle=(
                "Hoe hoger, hoe meer mensen buiten de norm wonen, gewogen naar de behoefte in de "
                "buurt (ongelijk investeren voor gelijke kansen). Rood omlijnd en genummerd: "
                "buurten met voorrang, op volgorde. Redenen per buurt: rapport en kaart."
            ),
            cmap="OrRd",
            highlight=highlight,
            highlight_label="voorrang (nummer = rang)",
            side_text="\n".join(lines),
            pieces=("facilities", "homes", "network:walk"),
        )
        written += save_figure(fig, out / f"prioriteit_{qid}", formats)
    return written


def indicator_map(
    area: Area,
    result: Any,
    column: str,
    path: str | Path,
    *,
    formats: Sequence[str] = ("png",),
) -> list[Path]:
    """A map of one indicator column of a LayerResult or ReachabilityResult.

    Parameters
    ----------
    area : Area
    result : LayerResult or ReachabilityResult
    column : str
        A column of ``result.values`` (layers) or ``result.buurten`` (reachability).
    path : path-like
        Output path; its suffix is replaced per format.
    formats : list of {"png", "pdf"}
    """
    formats = _check_formats(formats)
    frame = getattr(result, "values", None)
    if not isinstance(frame, pd.DataFrame):
        frame = getattr(result, "buurten", None)
    if not isinstance(frame, pd.DataFrame) or column not in frame.columns:
        have = list(frame.columns)[:8] if isinstance(frame, pd.DataFrame) else []
        raise MissingColumnError(f"Column {column!r} is not in the result (it has e.g. {have}).")
    methods = getattr(result, "methods", None)
    info = describe(column, methods)
    subtitle = f"Methode: {info.method}." if info.method else None
    fig = map_figure(area, frame[column], title=f"{area.name}: {info.label.lower()}",
                     legend_title=info.title, subtitle=subtitle, cmap=info.cmap)
    return save_figure(fig, Path(path), formats)


def write_static_maps(
    area: Area,
    out_dir: str | Path,
    *,
    scores: Any = None,
    priorities: Any = None,
    formats: Sequence[str] = ("png",),
) -> list[Path]:
    """All static maps of a run: per theme, the balance score and per priority question.

    Returns the files written (none for the inputs that are None).
    """
    written: list[Path] = []
    if scores is not None:
        written += theme_maps(area, scores, out_dir, formats=formats)
    if priorities is not None:
        written += priority_maps(area, priorities, out_dir, formats=formats)
    return written

