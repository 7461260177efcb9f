"""The barcode as a picture: SVG per buurt/wijk/city, and a self-contained barcode.html.

One stripe per norm, grouped by theme, coloured by status (voldoet = green, bijna = amber,
voldoet niet = red, geen gegevens = grey hatched); a dashed outline marks a stripe that
rests on a proxy. Every stripe has a ``<title>`` tooltip with value, norm, score and source.
No external JS, CSS or fonts: the files work offline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from afweging.barcode.norms import (
    BIJNA,
    GEEN_GEGEVENS,
    VOLDOET,
    VOLDOET_NIET,
    fmt_number,
    value_text,
)

if TYPE_CHECKING:
    from afweging.barcode.scoring import BarcodeScores, LevelScores, UnitRow
from afweging._html import escape

if TYPE_CHECKING:  # pragma: no cover
    from afweging.barcode.sensitivity import SensitivityResult

#: Colours per status (colour-blind-safe enough together with the legend and hatching).
COLOURS: dict[str, str] = {
    VOLDOET: "#2e7d32",
    BIJNA: "#f2a900",
    VOLDOET_NIET: "#c62828",
    GEEN_GEGEVENS: "#e6e6e6",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

_STRIPE_W = 26
_STRIPE_GAP = 5
_THEME_GAP = 18
_STRIPE_H = 112
_LABEL_ANGLE = 45  # degrees; labels end under their stripe and run down to the left
_CHAR_W = 5.6  # approximate width of a character at 10.5 px


def _safe_id(code: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in code)


def _tooltip(scores: BarcodeScores, row: UnitRow, norm_id: str) -> str:
    n = scores.norms[norm_id]
    value, sc = row.values[norm_id], row.scores[norm_id]
    lines = [
        f"{n.label} ({scores.norms.themes[n.theme].label})",
        f"Waarde: {value_text(value, n.unit)}",
        f"Norm: {n.norm_text()} ({n.status_nl}, schaal {n.scale})",
        f"Score: {fmt_number(sc, 2)} – {row.statuses[norm_id]}",
    ]
    m = scores.method_info()[norm_id]
    if row.proxy[norm_id]:
        lines.append("Methode: benadering (proxy)")
    elif math.isnan(value) and m.get("reason"):
        lines.append(f"Reden: {m['reason']}")
    if row.level != "buurt" and not math.isnan(row.coverage[norm_id]):
        lines.append(f"Dekking: {fmt_number(row.coverage[norm_id], 0)} %")
    lines.append(f"Bron: {n.source.document} ({n.source.year})")
    return "\n".join(lines)


def render_svg(
    scores: BarcodeScores,
    code: str,
    *,
    title: str | None = None,
    changed: Mapping[str, str] | None = None,
    compared_with: str = "",
) -> str:
    """The barcode of one buurt, wijk or the city as an SVG string.

    Parameters
    ----------
    scores : BarcodeScores
    code : str
        Buurtcode, wijkcode, gemeentecode or ``"stad"``.
    title : str, optional
        Heading inside the picture (default: level, name and balance score, in Dutch).
    changed : mapping, optional
        Norm id -> the status the stripe had in another barcode (e.g. today's): those
        stripes get a badge, an arrow up when the status is better here and down when it
        is worse, and a tooltip line with the other status.
    compared_with : str
        Name of the other barcode in the tooltip and legend (e.g. ``"2023"``).

    Returns
    -------
    str
        A standalone ``<svg>`` element (inline in HTML, or saved as .svg).
    """
    lv, key = scores.find(code)
    row = lv.row(key)
    sid = _safe_id(f"{lv.level}_{key}")
    norms = [n for n in scores.norms.area_norms() if n.id in row.scores]
    themes = [t for t in scores.norms.themes if any(n.theme == t for n in norms)]

    # ---- layout: x position of every stripe, width of every theme group
    longest = max((len(n.label) for n in norms), default=10)
    label_len = longest * _CHAR_W
    rad = math.radians(_LABEL_ANGLE)
    label_h = label_len * math.sin(rad) + 14
    left = 16.0 + max(0.0, label_len * math.cos(rad) - _STRIPE_W)
    groups = []
    x = left
    for t in themes:
        ids = [n.id for n in norms if n.theme == t]
        label = scores.norms.themes[t].label
        stripes_w = len(ids) * _STRIPE_W + (len(ids) - 1) * _STRIPE_GAP
        group_w = max(stripes_w, len(label) * 6.6 + 6)
        start = x + (group_w - stripes_w) / 2
        xs = [start + i * (_STRIPE_W + _STRIPE_GAP) for i in range(len(ids))]
        groups.append((t, label, x, group_w, ids, xs))
        x += group_w + _THEME_GAP
    width = math.ceil(max(x - _THEME_GAP + 16, 560))
    top = 54  # title + subtitle
    theme_y = top + 14
    stripe_y = theme_y + 22
    labels_y = stripe_y + _STRIPE_H + 16
    legend_y = labels_y + label_h + 8
    height = math.ceil(legend_y + 26 + (20 if changed else 0))

    level_nl = {"buurt": "Buurt", "wijk": "Wijk", "stad": "Gemeente"}[row.level]
    name = row.name
    total = row.overall
    complete = row.complete
    if title is None:
        title = name if name.lower().startswith(level_nl.lower()) else f"{level_nl} {name}"
    sub = (
        f"Balansscore {fmt_number(total, 2, trim=False)}"
        if not math.isnan(total)
        else "Balansscore: geen gegevens"
    )
    sub += " (0 = ver onder de normen, 1 = alle normen gehaald)"
    if not complete:
        sub += " · onvolledig: niet alle indicatoren hebben een waarde"
    status_list = list(row.statuses.values())
    counts = ", ".join(
        f"{status_list.count(s)} {s}" for s in (VOLDOET, BIJNA, VOLDOET_NIET, GEEN_GEGEVENS)
    )

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(f"Barcode {level_nl.lower()} {name}: {sub}. {counts}.")}" '
        f'font-family="{escape(FONT)}">',
        f"<title>{escape(f'Barcode {level_nl.lower()} {name} ({key}) – {sub}')}</title>",
        "<defs>"
        f'<pattern id="hatch_{sid}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{COLOURS[GEEN_GEGEVENS]}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/>'
        "</pattern></defs>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="16" y="24" font-size="17" font-weight="600" fill="#1a1a1a">'
        f"{escape(title)} <tspan font-size="
        f'"12" font-weight="400" fill="#555">({escape(key)})</tspan></text>',
        f'<text x="16" y="43" font-size="12" fill="#333">{escape(sub)}</text>',
    ]
    for t, label, gx, gw, ids, xs in groups:
        ts = row.themes.get(t, float("nan"))
        t_complete = row.theme_complete.get(t, False)
        cx = gx + gw / 2
        out.append(
            f'<text x="{cx:.1f}" y="{theme_y}" font-size="11.5" font-weight="600" '
            f'text-anchor="middle" fill="#1a1a1a">{escape(label)}</text>'
        )
        t_text = fmt_number(ts, 2, trim=False) if not math.isnan(ts) else "–"
        if not math.isnan(ts) and not t_complete:
            t_text += "*"
        out.append(
            f'<text x="{cx:.1f}" y="{theme_y + 14}" font-size="10.5" text-anchor="middle" '
            f'fill="#444">{escape(t_text)}</text>'
        )
        for nid, sx in zip(ids, xs, strict=True):
            status = row.statuses[nid]
            fill = f"url(#hatch_{sid})" if status == GEEN_GEGEVENS else COLOURS[status]
            proxy = row.proxy[nid]
            stroke = (
                'stroke="#111" stroke-width="2" stroke-dasharray="5 3"'
                if proxy
                else 'stroke="#ffffff" stroke-width="0"'
            )
            tip_text = _tooltip(scores, row, nid)
            if changed and nid in changed:
                tip_text += f"\n{compared_with or 'Eerder'}: {changed[nid]} (streep veranderd van kleur)"
            tip = escape(tip_text)
            proxy_attr = ' data-proxy="1"' if proxy else ""
            out.append(
                f'<g class="streep" data-norm="{escape(nid)}" data-status="{escape(status)}"'
                f"{proxy_attr}>"
                f"<title>{tip}</title>"
                f'<rect x="{sx:.1f}" y="{stripe_y}" width="{_STRIPE_W}" height="{_STRIPE_H}" '
                f'fill="{fill}" {stroke}/>'
            )
            if changed and nid in changed:
                out.append(_change_badge(sx, stripe_y, status, changed[nid]))
            sc = row.scores[nid]
            if not math.isnan(sc):
                out.append(
                    f'<text x="{sx + _STRIPE_W / 2:.1f}" y="{stripe_y + _STRIPE_H - 6}" '
                    f'font-size="9" text-anchor="middle" fill="'
                    f'{"#1a1a1a" if status == BIJNA else "#ffffff"}">{fmt_number(sc, 2)}</text>'
                )
            out.append("</g>")
            lx, ly = sx + _STRIPE_W / 2 + 3, labels_y - 10
            out.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="10.5" fill="#222" '
                f'text-anchor="end" transform="rotate(-{_LABEL_ANGLE} {lx:.1f} {ly:.1f})">'
                f"{escape(scores.norms[nid].label)}</text>"
            )
    # ---- legend
    lx = 16.0
    items = [
        (VOLDOET, COLOURS[VOLDOET], ""),
        (BIJNA, COLOURS[BIJNA], ""),
        (VOLDOET_NIET, COLOURS[VOLDOET_NIET], ""),
        (GEEN_GEGEVENS, f"url(#hatch_{sid})", ""),
        (
            "benadering (proxy)",
            "#ffffff",
            'stroke="#111" stroke-width="1.6" stroke-dasharray="4 2"',
        ),
    ]
    for text, fill, stroke in items:
        out.append(
            f'<rect x="{lx:.1f}" y="{legend_y}" width="14" height="14" fill="{fill}" {stroke}/>'
            f'<text x="{lx + 19:.1f}" y="{legend_y + 11}" font-size="11" fill="#222">'
            f"{escape(text)}</text>"
        )
        lx += 19 + len(text) * 6.2 + 16
    out.append(
        f'<text x="{lx:.1f}" y="{legend_y + 11}" font-size="10.5" fill="#555">'
        "* thema over een deel van de normen</text>"
    )
    if changed:
        since = f" ten opzichte van {compared_with}" if compared_with else ""
        out.append(
            f'<text x="16" y="{legend_y + 31}" font-size="11" fill="#222">'
            f"{escape(f'Streep van kleur veranderd{since}: ▲ beter, ▼ slechter, ◆ van of naar geen gegevens')}"
            "</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _change_badge(x: float, y: float, status: str, other: str) -> str:
    """A round badge at the top of a stripe whose status differs from ``other``: an arrow
    up when ``status`` is better, down when worse (sideways to or from "geen gegevens")."""
    rank = {VOLDOET: 0, BIJNA: 1, VOLDOET_NIET: 2}
    if status in rank and other in rank:
        better = rank[status] < rank[other]
        arrow, kind = ("▲", "beter") if better else ("▼", "slechter")
    else:
        arrow, kind = ("◆", "anders")
    cx, cy = x + _STRIPE_W / 2, y + 11
    return (
        f'<g class="veranderd" data-verandering="{kind}" data-eerder="{escape(other)}">'
        f'<circle cx="{cx:.1f}" cy="{cy}" r="8.5" fill="#ffffff" stroke="#111" stroke-width="1.6"/>'
        f'<text x="{cx:.1f}" y="{cy + 3.6:.1f}" font-size="10" text-anchor="middle" fill="#111">'
        f"{arrow}</text></g>"
    )


class BarcodePicture:
    """A barcode SVG that shows itself in a notebook (``_repr_html_`` / ``_repr_svg_``)."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def _repr_html_(self) -> str:
        return self.svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> Path:
        """Write the SVG to a file."""
        p = Path(path)
        p.write_text(self.svg, encoding="utf-8")
        return p


def picture(scores: BarcodeScores, code: str) -> BarcodePicture:
    """The barcode of one unit as an object that renders in a notebook."""
    return BarcodePicture(render_svg(scores, code))


_CSS = """
body{font-family:%(font)s;margin:0;background:#f6f6f4;color:#1a1a1a;line-height:1.45}
header{background:#24313f;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px 0;font-size:24px}
header p{margin:0;color:#d8dee6;max-width:1100px}
main{padding:8px 28px 40px 28px;max-width:1500px}
section{margin-top:26px}
h2{font-size:20px;border-bottom:2px solid #24313f;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px 0}
.kaart{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;margin:10px 0;overflow-x:auto}
.grid{display:flex;flex-wrap:wrap;gap:12px}
.grid .kaart{flex:0 0 auto}
details{margin:6px 0}
summary{cursor:pointer;font-weight:600}
table{border-collapse:collapse;font-size:13px;background:#fff}
th,td{border:1px solid #d5d5d5;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#eef1f4}
table.uitleg td:nth-child(10){max-width:420px}
.st-ok{color:#1b5e20;font-weight:600}.st-bijna{color:#8a6100;font-weight:600}
.st-niet{color:#b71c1c;font-weight:600}.st-geen{color:#666}
.lees{max-width:1100px}
.num{text-align:right}
"""


def write_barcode_html(
    scores: BarcodeScores,
    path: str | Path,
    *,
    sensitivity: SensitivityResult | None = None,
) -> Path:
    """Write ``barcode.html``: the barcode of the city, every wijk and every buurt.

    The file is self-contained (inline CSS and SVG, no scripts, no external fonts) and opens
    offline in any browser. It holds, in Dutch: how to read the barcode, the city barcode
    with its explanation, a wijk overview and each wijk's barcode, every buurt's barcode
    (grouped per wijk, with its explanation), and the list of norms with their sources.

    Parameters
    ----------
    scores : BarcodeScores
    path : str or Path
        File to write (its folder must exist).
    sensitivity : SensitivityResult, optional
        Result of :func:`afweging.barcode.sensitivity`; adds a section with the rank range
        of every buurt under perturbed weights.

    Returns
    -------
    Path
    """
    from afweging.barcode.explain import explain_html

    path = Path(path)
    area = escape(scores.area_name)
    out = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Barcode {area}</title><style>{_CSS % {'font': FONT}}</style></head><body>",
        f"<header><h1>Barcode {area}</h1><p>Is de groei in balans? Elke streep is een "
        "indicator, gemeten per buurt en getoetst aan een norm met bron: groen = voldoet, "
        "oranje = bijna (minstens 80 % van de weg naar de norm), rood = voldoet niet, grijs "
        "gearceerd = geen gegevens. Een gestippelde rand betekent dat de waarde op een "
        "benadering (proxy) rust. Beweeg over een streep voor waarde, norm en bron.</p>"
        "</header><main>",
    ]
    # ---- city
    out.append("<section id='stad'><h2>Gemeente</h2>")
    out.append(f"<div class='kaart'>{render_svg(scores, scores.city_code)}</div>")
    out.append(
        "<details open><summary>Toelichting per indicator</summary>"
        f"{explain_html(scores, scores.city_code)}</details></section>"
    )
    # ---- wijken
    if scores.wijk is not None:
        wl = scores.wijk
        out.append("<section id='wijken'><h2>Wijken</h2>")
        out.append(
            "<p class='lees'>Wijkwaarden zijn gewogen gemiddelden van de buurtwaarden van de "
            "indicator (naar inwoners, woningen, huishoudens of oppervlakte, per norm), daarna "
            "getoetst; niet het gemiddelde van buurtscores.</p>"
        )
        out.append(_summary_table(scores, wl))
        out.append("<div class='grid'>")
        for code in wl.codes:
            out.append(
                f"<div class='kaart' id='{escape(code)}'>{render_svg(scores, code)}"
                f"<details><summary>Toelichting {escape(wl.names.get(code, code))}</summary>"
                f"{explain_html(scores, code, heading=False)}</details></div>"
            )
        out.append("</div></section>")
    # ---- buurten, per wijk
    out.append("<section id='buurten'><h2>Buurten</h2>")
    bl = scores.buurt
    batches = buurt_batches(scores)
    for _, wname, codes in batches:
        out.append(
            f"<details{' open' if len(batches) == 1 else ''}><summary>Wijk {escape(wname)}: "
            f"{len(codes)} buurten</summary>"
        )
        out.append(_summary_table(scores, bl, codes))
        out.append("<div class='grid'>")
        for code in codes:
            out.append(
                f"<div class='kaart' id='{escape(code)}'>{render_svg(scores, code)}"
                f"<details><summary>Toelichting {escape(bl.names.get(code, code))}</summary>"
                f"{explain_html(scores, code, heading=False)}</details></div>"
            )
        out.append("</div></details>")
    out.append("</section>")
    # ---- sensitivity
    if sensitivity is not None:
        out.append(_sensitivity_section(sensitivity))
    # ---- norms and sources
    out.append("<section id='normen'><h2>Normen en bronnen</h2>")
    out.append(
        "<p class='lees'>Score = lineair tussen de waarde die 0 scoort en de norm (1), "
        "afgekapt op 1 zodra de norm gehaald is. Themascore = gewogen gemiddelde van de "
        "normen met een waarde; balansscore = gewogen gemiddelde van de thema's met een "
        "waarde. Ontbrekende gegevens tellen nooit als nul: het thema heet dan onvolledig. "
        "Normen en gewichten zijn aan te passen met een eigen TOML (<code>afweging run "
        "--norms mijn_normen.toml</code>).</p>"
    )
    out.append(_norms_table(scores))
    if scores.caveats:
        out.append("<h3>Kanttekeningen bij de gegevens</h3><ul>")
        out += [f"<li>{escape(c)}</li>" for c in dict.fromkeys(scores.caveats)]
        out.append("</ul>")
    out.append("</section></main></body></html>")
    path.write_text("".join(out), encoding="utf-8")
    return path


def buurt_batches(scores: BarcodeScores) -> list[tuple[str, str, list[str]]]:
    """The buurten grouped per wijk, in the wijken's order: (wijkcode, wijknaam, buurtcodes);
    buurten without a wijk last, under ``("", "zonder wijk", ...)``."""
    bl = scores.buurt
    parent = bl.parent if bl.parent is not None else pd.Series(None, index=bl.values.index)
    wijk_codes = list(pd.unique(parent.dropna().astype(str)))
    if scores.wijk is not None:
        wijk_codes = [c for c in scores.wijk.codes if c in set(wijk_codes)]
    names = scores.wijk.names if scores.wijk is not None else pd.Series(dtype=object)
    batches = [(c, str(names.get(c, c)), [b for b in bl.codes if parent.get(b) == c]) for c in wijk_codes]
    orphans = [b for b in bl.codes if pd.isna(parent.get(b))]
    if orphans:
        batches.append(("", "zonder wijk", orphans))
    return batches


def _summary_table(scores: BarcodeScores, lv: LevelScores, codes: list[str] | None = None) -> str:
    codes = codes if codes is not None else lv.codes
    themes = [t for t in scores.norms.themes if t in lv.themes.columns]
    head = (
        "<tr><th>Naam</th><th>Code</th>"
        + "".join(f"<th>{escape(scores.norms.themes[t].label)}</th>" for t in themes)
        + "<th>Balansscore</th><th>Compleet</th></tr>"
    )
    rows = [head]
    for c in codes:
        cells = [
            f"<a href='#{escape(c)}'>{escape(lv.names.get(c, c))}</a>",
            escape(c),
        ]
        cells += [
            f"<span class='num'>{fmt_number(lv.themes.at[c, t], 2, trim=False)}</span>"
            for t in themes
        ]
        cells.append(f"<strong>{fmt_number(lv.overall.loc[c], 2, trim=False)}</strong>")
        cells.append("ja" if bool(lv.complete.loc[c]) else "nee")
        rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _norms_table(scores: BarcodeScores) -> str:
    from afweging.barcode.explain import _source_html

    rows = [
        "<tr><th>Thema</th><th>Indicator</th><th>Norm</th><th>Score 0 bij</th>"
        "<th>Status</th><th>Schaal</th><th>Gewicht</th><th>Methode hier</th><th>Bron</th>"
        "<th>Toelichting</th></tr>"
    ]
    for n in scores.norms.ordered():
        method = (
            str(scores.methods.at[n.id, "methode"]) if n.id in scores.methods.index else "plantoets"
        )
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{c}</td>"
                for c in (
                    escape(scores.norms.themes[n.theme].label),
                    escape(n.label) + f"<br><small><code>{escape(n.column)}</code></small>",
                    escape(n.norm_text()),
                    escape(f"{fmt_number(n.floor)} {n.unit}"),
                    escape(n.status_nl),
                    escape(n.scale),
                    fmt_number(n.weight),
                    escape(method),
                    _source_html(scores, n.id),
                    escape(n.note),
                )
            )
            + "</tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _sensitivity_section(result: SensitivityResult) -> str:
    t = result.table.sort_values(["rang", "naam"])
    units = "wijken" if result.level == "wijk" else "buurten"
    n_flag = int(t["gevoelig"].sum())
    rows = [
        "<tr><th>Rang</th><th>Naam</th><th>Code</th><th>Balansscore</th>"
        "<th>Rang min–max</th><th>Rang p5–p95</th><th>Gevoelig</th></tr>"
    ]
    for code, r in zip(t.index, t.to_dict("records"), strict=True):
        rows.append(
            "<tr>"
            f"<td>{int(r['rang'])}</td><td><a href='#{escape(code)}'>{escape(r['naam'])}</a></td>"
            f"<td>{escape(code)}</td><td>{fmt_number(r['balansscore'], 2, trim=False)}</td>"
            f"<td>{int(r['rang_min'])}–{int(r['rang_max'])}</td>"
            f"<td>{fmt_number(r['rang_p5'], 0)}–{fmt_number(r['rang_p95'], 0)}</td>"
            f"<td>{'ja' if r['gevoelig'] else 'nee'}</td></tr>"
        )
    return (
        "<section id='gevoeligheid'><h2>Gevoeligheid van de rangorde</h2>"
        f"<p class='lees'>Hoe vast staat de volgorde van de {units} als de gewichten anders "
        f"gekozen worden? In {result.draws} trekkingen is elk gewicht (van de normen binnen "
        f"een thema en van de thema's) willekeurig met ten hoogste "
        f"{fmt_number(result.perturbation * 100, 0)} % verhoogd of verlaagd (startgetal "
        f"{result.seed}). Rang 1 = hoogste balansscore. Een eenheid heet gevoelig als de "
        f"middelste 90 % van haar rangen meer dan {fmt_number(result.threshold * 100, 0)} % "
        f"van het aantal {units} beslaat: haar plaats hangt dan af van de gekozen gewichten. "
        f"{n_flag} van de {len(t)} {units} zijn gevoelig.</p>"
        "<details><summary>Tabel per buurt</summary><table>"
        + "".join(rows)
        + "</table></details></section>"
    )
