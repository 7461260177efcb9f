"""``batch.html``: per gemeente its status, timings, data caveats and failures (Dutch).

Every text that comes from data (names, reasons, caveats, sources) goes through
:func:`afweging._html.escape`.

The page is the same for the same batch, byte for byte, except for the measured times:
they stand in elements of class ``t`` (:data:`TIMING_CLASS`) and nowhere else, and the
status of a gemeente that an earlier run finished reads "klaar (eerder berekend)".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from afweging._format import nl_int, nl_number
from afweging._html import escape
from afweging.batch.task import DONE, FAILED

#: Class of the elements that hold measured times (they differ between runs).
TIMING_CLASS = "t"

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
td.n{text-align:right}tr.fout{background:#fde8e8}tr.klaar{background:#f3faf3}
.let{color:#8a5a00}details{margin:.3em 0}
"""


def _seconds(st: dict[str, Any]) -> str:
    s = st.get("seconds")
    return nl_number(float(s), 1) if s is not None else "—"


def batch_html(
    *,
    name: str,
    order: Sequence[str],
    statuses: dict[str, dict[str, Any] | None],
    skipped: Sequence[str],
    ranking_text: str,
    buffer_text: str,
    totals: dict[str, Any],
    synthetic: bool,
) -> str:
    """The batch report as one HTML page (no scripts, no external resources)."""
    rows = []
    failures = []
    caveats = []
    for code in order:
        st = statuses.get(code) or {}
        status = st.get("status", "niet gestart")
        label = {DONE: "klaar", FAILED: "mislukt"}.get(status, status)
        if code in skipped and status == DONE:
            label = "klaar (eerder berekend)"
        score = ""
        for rec in st.get("barcode_gemeente", []):
            if rec.get("score_totaal") is not None:
                score = nl_number(100.0 * float(rec["score_totaal"]), 0)
        timings = "; ".join(f"{k} {nl_number(float(v), 1)} s" for k, v in st.get("timings_s", {}).items())
        rows.append(
            f"<tr class='{escape(status)}'><td>{escape(code)}</td><td>{escape(st.get('gemeentenaam', ''))}</td>"
            f"<td>{escape(label)}</td><td class='n'>{escape(nl_int(st.get('woningen', 0)))}</td>"
            f"<td class='n'>{escape(nl_int(st.get('buurten', 0)))}</td>"
            f"<td class='n'>{escape(nl_int(st.get('voorzieningen_over_de_grens', 0)))}</td>"
            f"<td class='n'>{escape(score)}</td><td class='n {TIMING_CLASS}'>{escape(_seconds(st))}</td>"
            f"<td class='{TIMING_CLASS}'>{escape(timings)}</td><td>{escape(st.get('source', ''))}</td>"
            f"<td class='n'>{len(st.get('caveats', []))}</td></tr>"
        )
        if status == FAILED:
            failures.append(f"<li><b>{escape(code)} {escape(st.get('gemeentenaam', ''))}</b>: "
                            f"{escape(st.get('reason', ''))}</li>")
        if st.get("caveats"):
            items = "".join(f"<li>{escape(c)}</li>" for c in st["caveats"])
            caveats.append(f"<details><summary>{escape(code)} {escape(st.get('gemeentenaam', ''))}: "
                           f"{len(st['caveats'])} kanttekening(en)</summary><ul class='let'>{items}</ul>"
                           f"</details>")
    head = ("<tr><th>code</th><th>gemeente</th><th>status</th><th>woningen</th><th>buurten</th>"
            "<th>voorzieningen over de grens</th><th>balansscore</th><th>tijd (s)</th>"
            "<th>tijd per stap</th><th>bron</th><th>kanttekeningen</th></tr>")
    summary = (
        f"<p>{escape(nl_int(totals['klaar']))} van {escape(nl_int(len(order)))} gemeenten klaar"
        f" ({escape(nl_int(totals['overgeslagen']))} eerder berekend en overgeslagen), "
        f"{escape(nl_int(totals['fout']))} mislukt. {escape(nl_int(totals['woningen']))} woningen, "
        f"{escape(nl_int(totals['buurten']))} buurten. Rekentijd van de batch "
        f"<span class='{TIMING_CLASS}'>{escape(nl_number(totals['seconds'], 1))}</span> s.</p>"
    )
    parts = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        f"<title>Batch {escape(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Batch over gemeenten: {escape(name)}</h1>",
        "<p><b>Synthetische gegevens: alle cijfers zijn verzonnen.</b></p>" if synthetic else "",
        summary,
        f"<h2>Werkwijze</h2><p>{escape(buffer_text)}</p><p>{escape(ranking_text)}</p>",
        f"<h2>Per gemeente</h2><table>{head}{''.join(rows)}</table>",
    ]
    if failures:
        parts.append(f"<h2>Mislukt</h2><ul>{''.join(failures)}</ul>"
                     "<p>De andere gemeenten zijn gewoon doorgerekend; herstel de gegevens en start de "
                     "batch opnieuw: alleen de mislukte en ontbrekende gemeenten worden dan berekend.</p>")
    if caveats:
        parts.append(f"<h2>Kanttekeningen bij de gegevens</h2>{''.join(caveats)}")
    parts.append("</body></html>\n")
    return "".join(parts)
