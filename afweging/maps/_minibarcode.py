"""A compact barcode (one row per theme) for map popups and report tables.

The full barcode picture (:func:`afweging.barcode.render.render_svg`) is about 900 px wide;
in a 360 px popup its labels cannot be read. This compact form keeps the barcode's visual
language (one stripe per norm, coloured by status, dashed outline = proxy, grey = geen
gegevens) and puts each theme on its own row with its score.
"""

from __future__ import annotations

import math
from typing import Any

from afweging._format import nl_number
from afweging._html import escape
from afweging.barcode.norms import value_text

_ROW_H = 15
_LABEL_W = 104
_STRIPE_W = 13
_STRIPE_GAP = 3
_WIDTH = 340



def mini_barcode_svg(scores: Any, code: str, *, width: int = _WIDTH) -> str:
    """The compact barcode of a buurt, wijk or the city as an SVG string.

    Parameters
    ----------
    scores : BarcodeScores
    code : str
        Buurtcode, wijkcode, gemeentecode or ``"stad"``.
    width : int
        Width in pixels (the SVG scales with its container).

    Returns
    -------
    str
        An ``<svg>`` element with a ``<title>`` per stripe (norm, value, norm value,
        status) and a one-line legend.
    """
    from afweging.barcode.norms import BIJNA, GEEN_GEGEVENS, VOLDOET, VOLDOET_NIET
    from afweging.barcode.render import COLOURS

    level, key = scores.find(code)
    norms = scores.norms
    ids = list(level.scores.columns)
    themes = sorted(norms.themes.values(), key=lambda t: t.order)
    rows = [(t, [n for n in ids if norms[n].theme == t.id]) for t in themes]
    rows = [(t, ns) for t, ns in rows if ns]
    height = _ROW_H * len(rows) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="afw-minibarcode" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Barcode {escape(scores.name_of(code))}" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif">'
    ]
    for r, (theme, nids) in enumerate(rows):
        y = r * _ROW_H
        out.append(
            f'<text x="0" y="{y + 11}" font-size="10.5" fill="#222">{escape(theme.label)}</text>'
        )
        for j, nid in enumerate(nids):
            n = norms[nid]
            status = str(level.statuses.at[key, nid])
            value = float(level.values.at[key, nid])
            proxy = bool(level.proxy.at[key, nid])
            fill = COLOURS.get(status, COLOURS[GEEN_GEGEVENS])
            x = _LABEL_W + j * (_STRIPE_W + _STRIPE_GAP)
            stroke = (
                ' stroke="#222" stroke-width="1.2" stroke-dasharray="2,1.5"' if proxy
                else (' stroke="#9e9e9e" stroke-width="0.8"' if status == GEEN_GEGEVENS else "")
            )
            tip = (
                f"{n.label}: {value_text(value, n.unit)} (norm {n.norm_text()}) – {status}"
                + (" – benadering (proxy)" if proxy else "")
            )
            out.append(
                f'<rect x="{x}" y="{y + 1.5}" width="{_STRIPE_W}" height="{_ROW_H - 3}" '
                f'fill="{fill}"{stroke}><title>{escape(tip)}</title></rect>'
            )
        ts = float(level.themes.at[key, theme.id]) if theme.id in level.themes.columns else math.nan
        out.append(
            f'<text x="{width - 2}" y="{y + 11}" font-size="10.5" text-anchor="end" fill="#222">'
            f'{"–" if math.isnan(ts) else nl_number(ts, 2)}</text>'
        )
    y = _ROW_H * len(rows) + 6
    x = 0
    for label, colour, dashed in (
        (VOLDOET, COLOURS[VOLDOET], False),
        (BIJNA, COLOURS[BIJNA], False),
        (VOLDOET_NIET, COLOURS[VOLDOET_NIET], False),
        (GEEN_GEGEVENS, COLOURS[GEEN_GEGEVENS], False),
        ("benadering", "#ffffff", True),
    ):
        stroke = ' stroke="#222" stroke-dasharray="2,1.5"' if dashed else ' stroke="#9e9e9e" stroke-width="0.5"'
        out.append(f'<rect x="{x}" y="{y}" width="9" height="9" fill="{colour}"{stroke}/>')
        out.append(f'<text x="{x + 12}" y="{y + 8.5}" font-size="9" fill="#444">{label}</text>')
        x += 12 + int(len(label) * 5.0) + 10
    out.append("</svg>")
    return "".join(out)
