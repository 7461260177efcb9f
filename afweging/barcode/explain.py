"""Traceability ("keuzes navolgbaar"): per buurt, wijk or city, every stripe with its value,
norm, source, score and contribution to the balance score."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from afweging.barcode.norms import AGGREGATES, fmt_number, value_text

if TYPE_CHECKING:
    from afweging.barcode.scoring import BarcodeScores, UnitRow
from afweging._html import escape

#: Columns of :func:`explain`, in order (Dutch, shown to planners).
EXPLAIN_COLUMNS: tuple[str, ...] = (
    "Thema",
    "Indicator",
    "Waarde",
    "Eenheid",
    "Norm",
    "Score 0 bij",
    "Score",
    "Beoordeling",
    "Gewicht in thema",
    "Bijdrage aan thema",
    "Bijdrage aan balansscore",
    "Methode",
    "Dekking (%)",
    "Gewogen naar",
    "Status norm",
    "Schaal norm",
    "Bron",
    "Kolom",
    "Toelichting",
)


def contributions(scores: BarcodeScores, code: str) -> pd.DataFrame:
    """Per norm: its contribution to the theme score and to the balance score.

    ``bijdrage_thema = w_j * s_j / sum(w)`` over the theme's norms with a score, and
    ``bijdrage_totaal = bijdrage_thema * t_k / sum(t)`` over the themes with a score, so the
    contributions of all stripes add up to the balance score exactly.
    """
    lv, key = scores.find(code)
    return _contributions(scores, lv.row(key))


def _contributions(scores: BarcodeScores, row: UnitRow) -> pd.DataFrame:
    s = row.scores
    t_present = [t for t, v in row.themes.items() if not math.isnan(v)]
    t_total = sum(scores.norms.themes[t].weight for t in t_present)
    rows: dict[str, tuple[float, float]] = {}
    area_norms = scores.norms.area_norms()
    for t in row.themes:
        ids = [n.id for n in area_norms if n.theme == t and n.id in s]
        w_total = sum(scores.norms[i].weight for i in ids if not math.isnan(s[i]))
        for i in ids:
            if math.isnan(s[i]) or w_total == 0:
                rows[i] = (np.nan, np.nan)
                continue
            c_theme = scores.norms[i].weight * s[i] / w_total
            share = scores.norms.themes[t].weight / t_total if t_total > 0 else np.nan
            rows[i] = (c_theme, c_theme * share)
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["bijdrage_thema", "bijdrage_totaal"]
    )


def explain(scores: BarcodeScores, code: str) -> pd.DataFrame:
    """Explain the barcode of one buurt, wijk or the city, stripe by stripe.

    Parameters
    ----------
    scores : BarcodeScores
    code : str
        A buurtcode (``"BU03440711"``), a wijkcode, the gemeentecode or ``"stad"``.

    Returns
    -------
    DataFrame
        Index = norm id; Dutch columns :data:`EXPLAIN_COLUMNS`: the indicator value and
        unit, the norm and the value that scores 0, the score (0-1) and its status
        (*Beoordeling*), the weight and the contribution to the theme and to the balance
        score (these add up to the balance score), the method (gemeten / benadering /
        geen gegevens), the coverage (% of residents, dwellings... of the buurten with a
        value; wijk and city only), the status and scale of the norm, its source, the
        indicator column and a Dutch explanation. ``df.attrs`` holds ``naam``, ``code``,
        ``niveau``, ``balansscore``, ``compleet`` and ``themas`` (theme scores).

    Examples
    --------
    >>> from afweging.barcode import score  # doctest: +SKIP
    >>> explain(score(area, layers), "BU03440711")  # doctest: +SKIP
    """
    lv, key = scores.find(code)
    row = lv.row(key)
    contrib = _contributions(scores, row).to_dict("index")
    info = scores.method_info()
    rows = []
    for n in scores.norms.area_norms():
        if n.id not in row.scores:
            continue
        value, sc = row.values[n.id], row.scores[n.id]
        m = info[n.id]
        method = str(m["methode"])
        if row.proxy[n.id] and m["method"] != "proxy":
            method = "benadering (reistijd grotendeels hemelsbreed geschat)"
        notes = [n.note] if n.note else []
        if math.isnan(value):
            reason = str(m.get("reason", "") or "")
            if not reason and row.level != "buurt":
                reason = "geen van de buurten heeft een waarde"
            if not reason:
                reason = "geen waarde voor deze buurt"
            notes.insert(0, f"Geen gegevens: {reason}.")
        elif m["method"] == "proxy" and m.get("description"):
            notes.append(f"Benadering: {m['description']}")
        rows.append(
            {
                "norm": n.id,
                "Thema": scores.norms.themes[n.theme].label,
                "Indicator": n.label,
                "Waarde": value,
                "Eenheid": n.unit,
                "Norm": n.norm_text(),
                "Score 0 bij": f"{fmt_number(n.floor)} {n.unit}",
                "Score": sc,
                "Beoordeling": row.statuses[n.id],
                "Gewicht in thema": n.weight,
                "Bijdrage aan thema": contrib[n.id]["bijdrage_thema"],
                "Bijdrage aan balansscore": contrib[n.id]["bijdrage_totaal"],
                "Methode": method,
                "Dekking (%)": row.coverage[n.id] if row.level != "buurt" else np.nan,
                "Gewogen naar": AGGREGATES.get(n.aggregate or "", "—"),
                "Status norm": n.status_nl,
                "Schaal norm": n.scale,
                "Bron": n.source.label(),
                "Kolom": n.column,
                "Toelichting": " ".join(notes),
            }
        )
    df = pd.DataFrame(rows).set_index("norm")[list(EXPLAIN_COLUMNS)]
    df.attrs.update(
        {
            "naam": row.name,
            "code": key,
            "niveau": row.level,
            "balansscore": None if math.isnan(row.overall) else row.overall,
            "compleet": row.complete,
            "themas": {
                scores.norms.themes[t].label: (None if math.isnan(v) else v)
                for t, v in row.themes.items()
            },
        }
    )
    return df


def explain_html(scores: BarcodeScores, code: str, *, heading: bool = True) -> str:
    """:func:`explain` as a readable Dutch HTML table (for barcode.html and the report)."""
    df = explain(scores, code)
    a = df.attrs
    level_nl = {"buurt": "Buurt", "wijk": "Wijk", "stad": "Gemeente"}[a["niveau"]]
    parts = []
    if heading:
        total = fmt_number(a["balansscore"], 2) if a["balansscore"] is not None else "—"
        parts.append(
            f"<p class='uitleg-kop'><strong>{level_nl} {escape(a['naam'])}</strong> "
            f"({escape(a['code'])}): balansscore {total}"
            + (
                ""
                if a["compleet"]
                else " <em>(onvolledig: niet alle indicatoren hebben een waarde)</em>"
            )
            + "</p>"
        )
    head = [
        "Thema", "Indicator", "Waarde", "Norm", "Score", "Beoordeling", "Bijdrage",
        "Methode", "Bron", "Toelichting",
    ]  # fmt: skip
    if a["niveau"] != "buurt":
        head.insert(7, "Dekking")
    html_rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for norm_id, r in zip(df.index, df.to_dict("records"), strict=True):
        cls = {
            "voldoet": "st-ok",
            "bijna": "st-bijna",
            "voldoet niet": "st-niet",
        }.get(r["Beoordeling"], "st-geen")
        value = (
            escape(value_text(r["Waarde"], str(r["Eenheid"])))
        )
        cells = [
            escape(r["Thema"]),
            escape(r["Indicator"]),
            value,
            escape(r["Norm"])
            + f"<br><small>({escape(r['Status norm'])}, schaal {escape(r['Schaal norm'])})</small>",
            fmt_number(r["Score"], 2),
            f"<span class='{cls}'>{escape(r['Beoordeling'])}</span>",
            fmt_number(r["Bijdrage aan balansscore"], 3),
            escape(r["Methode"]),
            _source_html(scores, str(norm_id)),
            escape(r["Toelichting"]),
        ]
        if a["niveau"] != "buurt":
            cov = r["Dekking (%)"]
            cells.insert(
                7,
                (
                    f"{fmt_number(cov, 0)} % van de {escape(r['Gewogen naar'])}"
                    if pd.notna(cov)
                    else "—"
                ),
            )
        html_rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    parts.append("<table class='uitleg'>" + "".join(html_rows) + "</table>")
    return "".join(parts)


def _source_html(scores: BarcodeScores, norm_id: str) -> str:
    src = scores.norms[norm_id].source
    text = escape(f"{src.document} ({src.year})")
    if src.page:
        text += f", <em>{escape(src.page)}</em>"
    if src.url:
        text += f" <a href='{escape(src.url)}'>bron</a>"
    return text
