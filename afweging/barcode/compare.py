"""Two barcodes of one area side by side (now and a target year): which stripes change colour.

:func:`status_changes` lists every (unit, norm) whose status differs between two
:class:`~afweging.barcode.scoring.BarcodeScores` of the same area; :func:`comparison_html`
draws both barcodes of the city, every wijk and every buurt next to each other with the
renderer of :mod:`afweging.barcode.render`, the changed stripes marked (a badge with an
arrow: better or worse). The page is self-contained (inline CSS and SVG, no scripts).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from afweging._html import escape
from afweging.barcode.norms import BIJNA, VOLDOET, VOLDOET_NIET, fmt_number, value_text
from afweging.barcode.render import _CSS, FONT, _norms_table, buurt_batches, render_svg

if TYPE_CHECKING:  # pragma: no cover
    from afweging.barcode.scoring import BarcodeScores, LevelScores

#: Rank of a status from good to bad; "geen gegevens" has none.
_RANK = {VOLDOET: 0, BIJNA: 1, VOLDOET_NIET: 2}

#: Columns of :func:`status_changes`.
CHANGE_COLUMNS = ("niveau", "code", "naam", "norm", "indicator", "thema", "status_voor", "status_na",
                  "waarde_voor", "waarde_na", "richting")



def _value(x: float) -> str:
    """A value in the table of changes: never NaN or infinity."""
    return value_text(x, "")

def direction(before: str, after: str) -> str:
    """``"beter"``, ``"slechter"`` or ``"anders"`` (to or from "geen gegevens")."""
    if before in _RANK and after in _RANK:
        return "beter" if _RANK[after] < _RANK[before] else "slechter"
    return "anders"


def status_changes(before: BarcodeScores, after: BarcodeScores) -> pd.DataFrame:
    """Every stripe whose status differs between ``before`` and ``after``.

    Both must score the same area with the same norms. One row per (unit, norm), units in
    the order city, wijken, buurten: ``niveau`` (stad/wijk/buurt), ``code``, ``naam``,
    ``norm`` (id), ``indicator`` (Dutch label), ``thema``, ``status_voor``,
    ``status_na``, ``waarde_voor``, ``waarde_na`` and ``richting`` (beter / slechter /
    anders).
    """
    rows = []
    for lv_b, lv_a in _levels(before, after):
        st_b = lv_b.statuses
        st_a = lv_a.statuses.reindex(index=st_b.index, columns=st_b.columns)
        diff = st_b.ne(st_a)
        for code in st_b.index[diff.any(axis=1).to_numpy()]:
            for nid in st_b.columns[diff.loc[code].to_numpy()]:
                n = before.norms[nid]
                b, a = str(st_b.at[code, nid]), str(st_a.at[code, nid])
                rows.append({
                    "niveau": lv_b.level, "code": str(code), "naam": str(lv_b.names.get(code, code)),
                    "norm": nid, "indicator": n.label, "thema": before.norms.themes[n.theme].label,
                    "status_voor": b, "status_na": a,
                    "waarde_voor": float(lv_b.values.at[code, nid]),
                    "waarde_na": float(lv_a.values.reindex(st_b.index).at[code, nid]),
                    "richting": direction(b, a),
                })
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def _levels(before: BarcodeScores, after: BarcodeScores) -> list[tuple[LevelScores, LevelScores]]:
    pairs = [(before.stad, after.stad)]
    if before.wijk is not None and after.wijk is not None:
        pairs.append((before.wijk, after.wijk))
    pairs.append((before.buurt, after.buurt))
    return pairs


def _changed(changes: pd.DataFrame, code: str) -> dict[str, str]:
    sub = changes[changes["code"] == code]
    return dict(zip(sub["norm"], sub["status_voor"], strict=True))


def _pair(before: BarcodeScores, after: BarcodeScores, code: str, changes: pd.DataFrame,
          labels: tuple[str, str]) -> str:
    name = after.name_of(code)
    return (
        f"<div class='paar' id='{escape(code)}'>"
        f"<div class='kaart'><div class='jaar'>{escape(labels[0])}</div>"
        f"{render_svg(before, code, title=f'{name} – {labels[0]}')}</div>"
        f"<div class='kaart'><div class='jaar'>{escape(labels[1])}</div>"
        f"{render_svg(after, code, title=f'{name} – {labels[1]}', changed=_changed(changes, code), compared_with=labels[0])}"
        "</div></div>"
    )


def _overview(before: LevelScores, after: LevelScores, changes: pd.DataFrame, labels: tuple[str, str],
              codes: list[str] | None = None) -> str:
    codes = codes if codes is not None else before.codes
    head = (f"<tr><th>Naam</th><th>Code</th><th>Balansscore {escape(labels[0])}</th>"
            f"<th>Balansscore {escape(labels[1])}</th><th>Verschil</th><th>Strepen slechter</th>"
            f"<th>Strepen beter</th><th>Anders</th></tr>")
    rows = [head]
    for c in codes:
        b, a = float(before.overall.get(c, math.nan)), float(after.overall.get(c, math.nan))
        sub = changes[changes["code"] == c]["richting"]
        rows.append(
            f"<tr><td><a href='#{escape(c)}'>{escape(before.names.get(c, c))}</a></td><td>{escape(c)}</td>"
            f"<td class='num'>{fmt_number(b, 2, trim=False)}</td><td class='num'>{fmt_number(a, 2, trim=False)}</td>"
            f"<td class='num'>{_signed(a - b)}</td><td class='num'>{int((sub == 'slechter').sum())}</td>"
            f"<td class='num'>{int((sub == 'beter').sum())}</td><td class='num'>{int((sub == 'anders').sum())}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _signed(x: float) -> str:
    if math.isnan(x):
        return "—"
    if round(x, 2) == 0:
        return "0,00"
    return ("+" if x > 0 else "−") + fmt_number(abs(x), 2, trim=False)


def _change_table(changes: pd.DataFrame, labels: tuple[str, str]) -> str:
    if not len(changes):
        return "<p class='lees'>Geen enkele streep verandert van kleur.</p>"
    head = (f"<tr><th>Niveau</th><th>Naam</th><th>Thema</th><th>Indicator</th>"
            f"<th>{escape(labels[0])}</th><th>{escape(labels[1])}</th><th>Richting</th></tr>")
    rows = [head]
    for r in changes.to_dict("records"):
        rows.append(
            "<tr>" + "".join(f"<td>{c}</td>" for c in (
                escape(r["niveau"]), f"<a href='#{escape(r['code'])}'>{escape(r['naam'])}</a>",
                escape(r["thema"]), escape(r["indicator"]),
                escape(f"{r['status_voor']} ({_value(r['waarde_voor'])})"),
                escape(f"{r['status_na']} ({_value(r['waarde_na'])})"),
                escape(r["richting"]),
            )) + "</tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


_EXTRA_CSS = """
.paar{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:10px 0}
.paar .kaart{margin:0;min-width:0}
.paar svg{width:100%;height:auto}
.jaar{font-weight:700;font-size:15px;margin:2px 4px}
@media (max-width:900px){.paar{grid-template-columns:1fr}}
"""


def comparison_html(
    before: BarcodeScores,
    after: BarcodeScores,
    *,
    labels: tuple[str, str] = ("nu", "later"),
    title: str | None = None,
    intro: str = "",
) -> str:
    """The page with both barcodes of every unit side by side (see the module doc).

    Parameters
    ----------
    before, after : BarcodeScores
        The same area and norms, e.g. today and the target year of a scenario.
    labels : (str, str)
        Names of the two moments (``("2023", "2040")``).
    title : str, optional
        Page title (default: ``Barcode <area>: <labels>``).
    intro : str
        Extra Dutch text under the heading (plain text; escaped here).
    """
    changes = status_changes(before, after)
    area = after.area_name
    title = title or f"Barcode {area}: {labels[0]} en {labels[1]}"
    n_worse = int((changes["richting"] == "slechter").sum())
    n_better = int((changes["richting"] == "beter").sum())
    out = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(title)}</title><style>{_CSS % {'font': FONT}}{_EXTRA_CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1><p>Links de barcode van {escape(labels[0])}, rechts die van "
        f"{escape(labels[1])}. Elke streep is een indicator getoetst aan een norm met bron: groen = "
        "voldoet, oranje = bijna, rood = voldoet niet, grijs gearceerd = geen gegevens. Een rondje "
        f"op een streep van {escape(labels[1])} betekent dat die streep van kleur verandert: ▲ beter, "
        "▼ slechter, ◆ van of naar geen gegevens. Beweeg over een streep voor waarde, norm en "
        f"bron. {escape(intro)}</p></header><main>",
        "<section id='overzicht'><h2>Overzicht</h2>",
        f"<p class='lees'>{n_worse} strepen worden slechter en {n_better} beter, over de gemeente, "
        "de wijken en de buurten samen.</p>",
    ]
    out.append(_overview(before.stad, after.stad, changes, labels))
    out.append("</section><section id='stad'><h2>Gemeente</h2>")
    out.append(_pair(before, after, before.city_code, changes, labels))
    out.append("</section>")
    if before.wijk is not None and after.wijk is not None:
        out.append("<section id='wijken'><h2>Wijken</h2>")
        out.append(_overview(before.wijk, after.wijk, changes, labels))
        for code in before.wijk.codes:
            out.append(_pair(before, after, code, changes, labels))
        out.append("</section>")
    out.append("<section id='buurten'><h2>Buurten</h2>")
    bl = before.buurt
    batches = buurt_batches(before)
    buurt_changes = changes[changes["niveau"] == "buurt"]
    for _, wname, codes in batches:
        n = int(buurt_changes["code"].isin(codes).sum())
        out.append(f"<details{' open' if n or len(batches) == 1 else ''}><summary>Wijk {escape(wname)}: "
                   f"{len(codes)} buurten, {n} strepen veranderd</summary>")
        out.append(_overview(bl, after.buurt, changes, labels, codes))
        for code in codes:
            out.append(_pair(before, after, code, changes, labels))
        out.append("</details>")
    out.append("</section><section id='veranderingen'><h2>Strepen die van kleur veranderen</h2>")
    out.append(_change_table(changes, labels))
    out.append("</section><section id='normen'><h2>Normen en bronnen</h2>")
    out.append(_norms_table(after))
    caveats = list(dict.fromkeys([*before.caveats, *after.caveats]))
    if caveats:
        out.append("<h3>Kanttekeningen bij de gegevens</h3><ul>")
        out += [f"<li>{escape(c)}</li>" for c in caveats]
        out.append("</ul>")
    out.append("</section></main></body></html>\n")
    return "".join(out)
