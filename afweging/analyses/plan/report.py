"""Outputs of the plan check: ``plan_check.json`` (stable) and ``plan_check.html`` (Dutch).

The JSON is meant for comparing variants by machine: keys sorted, floats rounded to
:data:`JSON_DECIMALS` decimals, NaN as ``null``, infinite minutes as ``"inf"``, no
timestamps, no timings and no absolute paths, so identical input gives byte-identical
output. The HTML is self-contained (inline SVG barcodes and map, inline CSS, no
scripts or web fonts), so it opens offline and can be mailed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from afweging import _names, settings
from afweging._errors import PlanError
from afweging._format import nl_area, nl_int, nl_number
from afweging._html import escape
from afweging._outputs import OutputFolder, output_folder
from afweging.analyses.plan.apply import DERIVED_COLUMNS, DWELLING_PCT_COLUMNS, HOUSEHOLD_COLUMNS
from afweging.analyses.plan.format import FUNCTIONS, PROPERTIES, SPREADS
from afweging.analyses.plan.norms import KENGETAL_UPPER_M2, NIET_VAN_TOEPASSING, is_short

if TYPE_CHECKING:
    from afweging.analyses.plan.check import PlanCheck

#: Decimals of every float in plan_check.json.
JSON_DECIMALS = 3

#: Version of the JSON layout.
JSON_FORMAT = "afweging-plancheck/1"

#: CBS columns shown before/after per buurt in the report (besides those updated).
STAT_COLUMNS: tuple[str, ...] = (
    "a_inw", "a_00_14", "a_65_oo", "a_woning", "a_hh", "g_hhgro", "p_wcorpw", "p_huurw",
    "p_koopw", "p_mgezw", "bev_dich",
)  # fmt: skip

STAT_LABELS: dict[str, str] = {
    "a_inw": "inwoners", "a_00_14": "inwoners 0-14 jaar", "a_65_oo": "inwoners 65+",
    "a_woning": "woningen", "a_hh": "huishoudens", "g_hhgro": "huishoudgrootte",
    "p_wcorpw": "% corporatiebezit (sociale huur, benadering)", "p_huurw": "% huurwoningen",
    "p_koopw": "% koopwoningen", "p_mgezw": "% meergezinswoningen", "bev_dich": "inwoners per km² land",
}  # fmt: skip

_STATUS_COLOR = {
    "voldoet": "#1a9850",
    "bijna": "#fdae61",
    "voldoet niet": "#d73027",
    "geen gegevens": "#9e9e9e",
    NIET_VAN_TOEPASSING: "#bdbdbd",
}
_FUNCTION_COLOR = {"wonen": "#f4a261", "groen": "#52b788", "spelen": "#ffd166", "voorziening": "#9d4edd"}
_MODE_NL = {"walk": "lopen", "bike": "fietsen"}


# ============================================================================ JSON
def clean(value: Any) -> Any:
    """JSON-safe, stable value: floats rounded, NaN -> None, inf -> "inf", numpy -> python.

    Examples
    --------
    >>> clean({"b": float("nan"), "a": [1.23456, float("inf"), np.int64(3)]})
    {'b': None, 'a': [1.235, 'inf', 3]}
    """
    t = type(value)  # the common exact types first (the same answers as below)
    if t is str:
        return value
    if t is float:
        if value != value:
            return None
        if value in (math.inf, -math.inf):
            return "inf" if value > 0 else "-inf"
        r = round(value, JSON_DECIMALS)
        return 0.0 if r == 0 else r
    if t is dict:
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        r = round(x, JSON_DECIMALS)
        return 0.0 if r == 0 else r
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _defaults(check: PlanCheck) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop, feats in sorted(check.plan.defaults.items()):
        resolved = check.applied.defaults_used.get(prop)
        out[prop] = {"standaard": PROPERTIES[prop].default_nl, "features": sorted(feats)}
        if resolved:
            out[prop]["gebruikt"] = resolved
    return out


def barcode_table(check: PlanCheck) -> pd.DataFrame:
    """Per unit (plan buurten, their wijken, the city) and norm: before and after.

    Columns: ``code``, ``niveau``, ``naam``, ``norm``, ``thema``, ``waarde_voor``,
    ``waarde_na``, ``score_voor``, ``score_na``, ``status_voor``, ``status_na``.
    """
    rows = []
    sb, sa = check.baseline.scores, check.scores
    for code in check.units:
        lv_b, key = sb.find(code)
        lv_a, _ = sa.find(code)
        rb, ra = lv_b.row(key), lv_a.row(key)
        for nid in sb.norm_ids():
            rows.append({
                "code": key, "niveau": lv_b.level, "naam": rb.name, "norm": nid,
                "thema": sb.norms[nid].theme,
                "waarde_voor": rb.values.get(nid, math.nan), "waarde_na": ra.values.get(nid, math.nan),
                "score_voor": rb.scores.get(nid, math.nan), "score_na": ra.scores.get(nid, math.nan),
                "status_voor": rb.statuses.get(nid, ""), "status_na": ra.statuses.get(nid, ""),
            })
    return pd.DataFrame(rows)


def _barcode_dict(check: PlanCheck) -> dict[str, Any]:
    out: dict[str, Any] = {}
    sb, sa = check.baseline.scores, check.scores
    ids = sb.norm_ids()
    for code in check.units:  # the rows of barcode_table, unit by unit
        lv_b, key = sb.find(code)
        lv_a, _ = sa.find(code)
        rb, ra = lv_b.row(key), lv_a.row(key)
        out[key] = {
            "niveau": lv_b.level,
            "naam": rb.name,
            "balansscore": {"voor": rb.overall, "na": ra.overall},
            "themas": {t: {"voor": rb.themes.get(t, math.nan), "na": ra.themes.get(t, math.nan)}
                       for t in rb.themes},
            "normen": {nid: {"waarde_voor": rb.values.get(nid, math.nan), "waarde_na": ra.values.get(nid, math.nan),
                             "status_voor": rb.statuses.get(nid, ""), "status_na": ra.statuses.get(nid, "")}
                       for nid in ids},
        }
    return out


def _stat_changes(check: PlanCheck) -> dict[str, Any]:
    before, after = check.applied.before.buurten, check.applied.after.buurten
    out: dict[str, Any] = {}
    cols = [c for c in dict.fromkeys([*STAT_COLUMNS, *DERIVED_COLUMNS, *HOUSEHOLD_COLUMNS,
                                      *DWELLING_PCT_COLUMNS]) if c in before.columns]
    for code in check.applied.changed_buurten:
        out[code] = {"naam": str(before.at[code, "buurtnaam"]),
                     "kolommen": {c: {"voor": before.at[code, c], "na": after.at[code, c]} for c in cols}}
    return out


def variant_dict(check: PlanCheck) -> dict[str, Any]:
    """The JSON part of one variant (not yet cleaned)."""
    q = check.quantities
    plan = check.plan
    feats = []
    for i, row in plan.features.iterrows():
        d = {k: row[k] for k in PROPERTIES if k in row.index}
        d.update({"index": int(i), "soort": row["soort"], "oppervlak_vlak_m2": row["area_m2"]})
        feats.append(d)
    changes = check.indicator_changes
    return {
        "naam": check.name,
        "bestand": Path(plan.source).name,
        "features": feats,
        "programma": {
            "woningen_nieuw": q.dwellings_new, "woningen_sloop": q.dwellings_demolished,
            "woningen_netto": q.dwellings_net, "sociale_huur": q.social_rent, "middenhuur": q.mid_rent,
            "betaalbare_koop": q.affordable_purchase, "vrije_huur": q.free_rent,
            "vrije_koop": q.free_purchase, "groen_m2": q.green_m2, "speelruimte_m2": q.play_m2,
            "speelruimte_in_groen_m2": q.play_in_green_m2, "voorzieningen_m2": q.facility_land_m2,
            "woongebied_m2": q.residential_area_m2, "planoppervlak_m2": q.plan_area_m2,
        },
        "indicatoren": dict(sorted(check.indicators.items())),
        "oordelen": [v.to_dict() for v in check.verdicts],
        "tekorten": check.shortfalls,
        "nieuwe_bewoners": check.new_residents,
        "standaardwaarden": _defaults(check),
        "genegeerde_eigenschappen": {k: sorted(v) for k, v in sorted(check.plan.ignored.items())},
        "hersteld": list(check.plan.repaired),
        "toelichting": list(check.applied.notes),
        "buurten_plan": check.plan_buurten,
        "buurten_veranderd": check.changed_buurten,
        "statistiek": _stat_changes(check),
        "barcode": _barcode_dict(check),
        "indicatoren_veranderd": [
            {"buurtcode": r["buurtcode"], "indicator": r["indicator"], "laag": r["layer"],
             "voor": r["before"], "na": r["after"]}
            for r in changes.to_dict("records")
        ],
        "nieuwe_voorzieningen": [
            {"categorie": r["category"], "naam": r["name"], "buurtcode": r["buurtcode"],
             "x": r["geometry"].x, "y": r["geometry"].y}
            for r in check.applied.new_facilities.to_dict("records")
        ],
        "kanttekeningen": list(check.caveats),
    }


def _comparison(checks: Sequence[PlanCheck]) -> dict[str, Any]:
    """Key numbers of every variant side by side."""
    out: dict[str, Any] = {}
    for c in checks:
        city = c.scores.find(c.scores.city_code)
        before_city = c.baseline.scores.find(c.baseline.scores.city_code)
        out[c.name] = {
            "woningen_nieuw": c.quantities.dwellings_new,
            "inwoners_nieuw": c.new_residents["inwoners"],
            "aantal_tekorten": len(c.shortfalls),
            "oordelen": {(v.norm_id or v.label): {"waarde": v.value, "status": v.status, "tekort": v.shortfall,
                                                  "eenheid_tekort": v.amount_unit} for v in c.verdicts},
            "balansscore_stad": {"voor": before_city[0].row(before_city[1]).overall,
                                 "na": city[0].row(city[1]).overall},
        }
    return out


def checks_json(checks: Sequence[PlanCheck], *, compact: bool = False) -> str:
    """``plan_check.json`` for one or more variants (stable for identical input).

    ``compact=True`` gives the same JSON content without indentation or the final newline
    (``json.loads`` of both is equal): the studio's live answers, encoded by the json
    module's C encoder instead of its Python one (indentation forces the latter).
    """
    doc = clean(_checks_document(checks))
    if compact:
        return json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _checks_document(checks: Sequence[PlanCheck]) -> dict[str, Any]:
    base = checks[0].baseline
    area = base.area
    from afweging import __version__

    doc = {
        "formaat": JSON_FORMAT,
        "afweging_versie": __version__,
        "gebied": {"naam": area.name, "gemeentecode": area.gemeentecode, "synthetisch": area.synthetic,
                   "buurten": len(area.buurten), "cbs_jaar": area.statistics_year},
        "normen_plan": {n.id: {"kolom": n.column, "waarde": n.value, "eenheid": n.unit, "thema": n.theme,
                               "bron": n.source.label(), "status": n.status_nl}
                        for n in base.norms.for_scale("plan")},
        "kengetal_bovengrens_m2_per_woning": KENGETAL_UPPER_M2,
        "minuten": base.minutes,
        "instellingen": {"loopsnelheid_kmh": settings.walk_speed_kmh, "fietssnelheid_kmh": settings.bike_speed_kmh,
                         "omrijfactor": settings.detour_factor, "max_minuten": settings.max_minutes},
        "varianten": [variant_dict(c) for c in checks],
        "vergelijking": _comparison(checks),
    }
    return doc


# ============================================================================ HTML

def _fmt(x: Any, decimals: int = 0, unit: str = "") -> str:
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return escape(x)
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return "&gt; max."
    text = nl_number(v, decimals)
    return f"{text} {unit}".strip()


def _status_badge(status: str) -> str:
    color = _STATUS_COLOR.get(status, "#9e9e9e")
    return f'<span class="badge" style="background:{color}">{escape(status)}</span>'


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.6em;margin:.4em 0}h2{margin-top:1.6em;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{margin-top:1.2em}table{border-collapse:collapse;margin:.5em 0;font-size:.92em;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word}
table{max-width:100%}details{font-size:.85em;color:#555;overflow-wrap:anywhere}
th{background:#f0f0f0}td.n{text-align:right;white-space:nowrap}
.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:.85em;white-space:nowrap}
.warn{background:#fff4e5;border-left:4px solid #f4a261;padding:8px 12px;margin:8px 0}
.short{background:#fdecea;border-left:4px solid #d73027;padding:8px 12px;margin:8px 0}
.ok{background:#e8f5e9;border-left:4px solid #1a9850;padding:8px 12px;margin:8px 0}
.pair{display:flex;flex-wrap:wrap;gap:12px}.pair>div{flex:1 1 520px;overflow-x:auto}
.small{font-size:.85em;color:#555}svg{max-width:100%;height:auto}
nav a{margin-right:12px}
"""


def checks_html(checks: Sequence[PlanCheck]) -> str:
    """``plan_check.html``: variants side by side, then every variant in detail (Dutch)."""
    base = checks[0].baseline
    area = base.area
    title = ("Plantoets: " + " vs ".join(c.name for c in checks)) if len(checks) > 1 else f"Plantoets: {checks[0].name}"
    parts = [f"<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'><title>{escape(title)}</title>",
             f"<style>{_CSS}</style></head><body><main>", f"<h1>{escape(title)}</h1>",
             f"<p>Gebied: <b>{escape(area.name)}</b>, {len(area.buurten)} buurten"
             + (f", CBS-cijfers {area.statistics_year}" if area.statistics_year else "") + ".</p>"]
    if area.synthetic:
        parts.append("<div class='warn'><b>Let op:</b> dit is het synthetische demogebied; alle cijfers "
                     "zijn verzonnen.</div>")
    if len(checks) > 1:
        parts.append("<nav>" + "".join(f"<a href='#v{i}'>{escape(c.name)}</a>" for i, c in enumerate(checks)) + "</nav>")
        parts.append(_comparison_html(checks))
    for i, c in enumerate(checks):
        parts.append(f"<section id='v{i}'>")
        parts.append(variant_html(c, heading=len(checks) > 1))
        parts.append("</section>")
    parts.append(_method_html(checks[0]))
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def _comparison_html(checks: Sequence[PlanCheck]) -> str:
    rows = ["<h2>Varianten naast elkaar</h2><table><tr><th></th>"
            + "".join(f"<th>{escape(c.name)}</th>" for c in checks) + "</tr>"]

    def line(label: str, cells: list[str]) -> None:
        rows.append(f"<tr><th>{escape(label)}</th>" + "".join(f"<td class='n'>{x}</td>" for x in cells) + "</tr>")

    line("Nieuwe woningen", [nl_int(c.quantities.dwellings_new) for c in checks])
    line("Nieuwe bewoners", [nl_int(c.new_residents["inwoners"]) for c in checks])
    labels = list(dict.fromkeys(v.label for c in checks for v in c.verdicts))
    for lab in labels:
        cells = []
        for c in checks:
            v = next((x for x in c.verdicts if x.label == lab), None)
            if v is None:
                cells.append("—")
                continue
            extra = (f"<br><span class='small'>nog {nl_int(v.shortfall)} {escape(v.amount_unit)}</span>"
                     if is_short(v) else "")
            cells.append(f"{_fmt(v.value, 1)} {_status_badge(v.status)}{extra}")
        line(lab, cells)
    cells = []
    for c in checks:
        lv, key = c.scores.find(c.scores.city_code)
        lb, _ = c.baseline.scores.find(c.scores.city_code)
        cells.append(f"{_fmt(lb.row(key).overall, 3)} → {_fmt(lv.row(key).overall, 3)}")
    line("Balansscore stad (voor → na)", cells)
    line("Aantal tekorten", [str(len(c.shortfalls)) for c in checks])
    rows.append("</table>")
    return "".join(rows)


def variant_html(check: PlanCheck, *, heading: bool = True) -> str:
    """The detailed Dutch sections of one variant."""
    q = check.quantities
    area = check.applied.before
    parts = []
    if heading:
        parts.append(f"<h2>Variant {escape(check.name)}</h2>")
    names = [str(area.buurten.at[c, "buurtnaam"]) for c in check.plan_buurten]
    parts.append(f"<p>Bestand <code>{escape(Path(check.plan.source).name)}</code>: "
                 f"{len(check.plan.polygons)} vlak(ken), {len(check.plan.points)} punt(en), "
                 f"in buurt(en) {escape(', '.join(names))}.</p>")
    # ---- shortfalls first: that is the question
    short = check.shortfalls
    parts.append("<h3>Wat moet erbij?</h3>")
    if short:
        parts.append("<div class='short'><ul>" + "".join(f"<li>{escape(s)}</li>" for s in short) + "</ul></div>")
    else:
        parts.append("<div class='ok'>Het plan haalt alle plannormen en de 10-minutenstad voor de nieuwe "
                     "bewoners.</div>")
    # ---- verdicts
    rows = ["<h3>Oordeel per thema</h3><table><tr><th>Thema</th><th>Norm</th><th>Plan</th><th>Normwaarde</th>"
            "<th>Oordeel</th><th>Toevoegen</th><th>Toelichting</th></tr>"]
    themes = check.baseline.norms.themes
    for v in check.verdicts:
        add = f"{nl_int(v.shortfall)} {escape(v.amount_unit)}" if is_short(v) else "—"
        rows.append(
            f"<tr><td>{escape(themes[v.theme].label if v.theme in themes else v.theme)}</td><td>{escape(v.label)}</td>"
            f"<td class='n'>{_fmt(v.value, 1)}</td><td>{_fmt(v.norm_value)} {escape(v.unit)}</td>"
            f"<td>{_status_badge(v.status)}</td><td class='n'>{add}</td>"
            f"<td>{escape(v.text)}<details><summary>bron</summary>{escape(v.source)}</details></td></tr>")
    rows.append("</table>")
    parts.append("".join(rows))
    # ---- programme
    parts.append("<h3>Programma</h3><table>")
    prog = [
        ("Nieuwe woningen", nl_int(q.dwellings_new)), ("Gesloopte woningen", nl_int(q.dwellings_demolished)),
        ("Netto nieuwe woningen", nl_int(q.dwellings_net)), ("Sociale huur", nl_int(q.social_rent)),
        ("Middenhuur", nl_int(q.mid_rent)), ("Betaalbare koop", nl_int(q.affordable_purchase)),
        ("Vrije-sectorhuur", nl_int(q.free_rent)), ("Vrije-sectorkoop", nl_int(q.free_purchase)),
        ("Nieuw openbaar groen", f"{nl_area(q.green_m2)} m²"), ("Speelruimte", f"{nl_area(q.play_m2)} m²"),
        ("Grond voor voorzieningen", f"{nl_area(q.facility_land_m2)} m²"),
        ("Woongebied (vlakken met woningen)", f"{nl_area(q.residential_area_m2)} m²"),
        ("Nieuwe bewoners (woningen × huishoudgrootte)", nl_int(check.new_residents["inwoners"])),
    ]
    parts.append("".join(f"<tr><th>{escape(a)}</th><td class='n'>{b}</td></tr>" for a, b in prog) + "</table>")
    # ---- 10-minute city
    parts.append(_reach_html(check))
    # ---- map
    parts.append("<h3>Kaart van het plan</h3>")
    parts.append(plan_map_svg(check))
    # ---- barcodes
    parts.append(_barcodes_html(check))
    # ---- statistics per buurt
    parts.append(_stats_html(check))
    parts.append(_changes_html(check))
    # ---- defaults and notes
    parts.append(_defaults_html(check))
    if check.caveats:
        parts.append("<h3>Kanttekeningen bij de gegevens</h3><ul class='small'>"
                     + "".join(f"<li>{escape(c)}</li>" for c in check.caveats) + "</ul>")
    # no computing times here: identical input gives byte-identical pages (the CLI prints them)
    return "\n".join(parts)


def _reach_html(check: PlanCheck) -> str:
    nr = check.new_residents
    m = nr["minuten"]
    out = [f"<h3>{nl_number(m)}-minutenstad voor de nieuwe bewoners</h3>"]
    if not nr["per_modus"]:
        out.append(f"<p>Geen gegevens: {escape(nr.get('reden', 'onbekend'))}.</p>")
        return "".join(out)
    modes = list(nr["per_modus"])
    out.append("<table><tr><th>Voorziening</th>" + "".join(
        f"<th>% binnen {nl_number(m)} min {_MODE_NL[md]}</th><th>mediaan {_MODE_NL[md]} (min)</th>" for md in modes)
        + "</tr>")
    for c in nr["categorieen"]:
        cells = []
        for md in modes:
            info = nr["per_modus"][md]["per_categorie"][c]
            cells.append(f"<td class='n'>{_fmt(info['pct_binnen'])} %</td><td class='n'>{_fmt(info['mediaan_min'], 1)}</td>")
        label = nr["per_modus"][modes[0]]["per_categorie"][c]["label"]
        out.append(f"<tr><td>{escape(label)}</td>{''.join(cells)}</tr>")
    out.append("<tr><th>Alle dagelijkse voorzieningen</th>" + "".join(
        f"<th class='n'>{_fmt(nr['per_modus'][md]['pct_alles_binnen'])} %</th><th></th>" for md in modes) + "</tr>")
    out.append("<tr><td class='small'>reistijd via het netwerk</td>" + "".join(
        f"<td class='n small'>{_fmt(nr['per_modus'][md]['pct_netwerk'])} % van de nieuwe bewoners</td><td></td>"
        for md in modes) + "</tr></table>")
    absent = [c for c in check.baseline.categories if c not in nr["categorieen"]]
    if absent:
        out.append(f"<p class='small'>Zonder gegevens in dit gebied (telt niet mee): {escape(', '.join(absent))}.</p>")
    return "".join(out)


def _barcodes_html(check: PlanCheck) -> str:
    from afweging.barcode import render_svg

    out = ["<h3>Barcode voor en na het plan</h3>",
           "<p class='small'>Links de huidige situatie, rechts met het plan. Elke streep is een norm "
           "(groen = voldoet, oranje = bijna, rood = voldoet niet, grijs = geen gegevens).</p>"]
    sb, sa = check.baseline.scores, check.scores
    table = barcode_table(check)
    for code in check.units:
        lv, key = sb.find(code)
        name = lv.row(key).name
        level_nl = {"buurt": "Buurt", "wijk": "Wijk", "stad": "Gemeente"}[lv.level]
        label = name if name.lower().startswith(level_nl.lower()) else f"{level_nl} {name}"
        out.append(f"<h4>{escape(label)} ({escape(key)})</h4><div class='pair'>")
        out.append(f"<div>{render_svg(sb, key, title=f'{label}: nu')}</div>")
        out.append(f"<div>{render_svg(sa, key, title=f'{label}: met het plan')}</div></div>")
        sub = table[(table["code"] == key)]
        moved = sub[(sub["status_voor"] != sub["status_na"])
                    | ~np.isclose(sub["waarde_voor"].astype(float), sub["waarde_na"].astype(float), equal_nan=True)]
        if len(moved):
            rows = ["<table><tr><th>Norm</th><th>Waarde nu</th><th>Met plan</th><th>Oordeel nu</th><th>Met plan</th></tr>"]
            for r in moved.to_dict("records"):
                n = sb.norms[r["norm"]]
                rows.append(f"<tr><td>{escape(n.label)}</td><td class='n'>{_fmt(r['waarde_voor'], 1)}</td>"
                            f"<td class='n'>{_fmt(r['waarde_na'], 1)}</td><td>{_status_badge(r['status_voor'])}</td>"
                            f"<td>{_status_badge(r['status_na'])}</td></tr>")
            rows.append("</table>")
            out.append("".join(rows))
        else:
            out.append("<p class='small'>Geen norm van deze barcode verandert door het plan.</p>")
    return "".join(out)


def _stats_html(check: PlanCheck) -> str:
    codes = check.applied.changed_buurten
    if not codes:
        return "<h3>Cijfers per buurt</h3><p>Het plan verandert geen woningen of bewoners.</p>"
    before, after = check.applied.before.buurten, check.applied.after.buurten
    out = ["<h3>Cijfers per buurt (CBS, bijgewerkt met het plan)</h3><table><tr><th></th>"]
    for c in codes:
        out.append(f"<th colspan='2'>{escape(before.at[c, 'buurtnaam'])}</th>")
    out.append("</tr><tr><th></th>" + "<th>nu</th><th>met plan</th>" * len(codes) + "</tr>")
    for col in STAT_COLUMNS:
        if col not in before.columns:
            continue
        dec = 1 if col in ("g_hhgro",) or col.startswith("p_") else 0
        dec = 2 if col == "g_hhgro" else dec
        cells = "".join(f"<td class='n'>{_fmt(before.at[c, col], dec)}</td><td class='n'>{_fmt(after.at[c, col], dec)}</td>"
                        for c in codes)
        out.append(f"<tr><th>{escape(STAT_LABELS.get(col, col))}</th>{cells}</tr>")
    out.append("</table><p class='small'>Nieuwe sociale huurwoningen tellen als corporatiebezit (CBS p_wcorpw); "
               "dat is een benadering van sociale huur. Niet bijgewerkt: WOZ, inkomen, energie, "
               "omgevingsadressendichtheid en de overige CBS-kolommen.</p>")
    return "".join(out)


def _changes_html(check: PlanCheck, limit: int = 60) -> str:
    ch = check.indicator_changes
    out = ["<h3>Indicatoren die veranderen</h3>"]
    if not len(ch):
        out.append("<p>Geen indicator van de lagen of de bereikbaarheid verandert.</p>")
        return "".join(out)
    names = check.applied.before.buurten["buurtnaam"]
    per_buurt = ch.groupby("buurtcode").size()
    out.append(f"<p>{len(ch)} waarden in {len(per_buurt)} buurt(en) veranderen"
               + (f"; de eerste {limit} staan hieronder (alle in plan_check.json)" if len(ch) > limit else "")
               + ".</p><table><tr><th>Buurt</th><th>Laag</th><th>Indicator</th><th>Nu</th><th>Met plan</th></tr>")
    for r in ch.head(limit).to_dict("records"):
        out.append(f"<tr><td>{escape(names.get(r['buurtcode'], r['buurtcode']))}</td><td>{escape(r['layer'])}</td>"
                   f"<td><code>{escape(r['indicator'])}</code></td><td class='n'>{_fmt(r['before'], 2)}</td>"
                   f"<td class='n'>{_fmt(r['after'], 2)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _defaults_html(check: PlanCheck) -> str:
    out = ["<h3>Standaardwaarden en aannames</h3>"]
    d = _defaults(check)
    if d:
        out.append("<table><tr><th>Eigenschap</th><th>Standaard</th><th>Gebruikt</th><th>Bij</th></tr>")
        for prop, info in d.items():
            out.append(f"<tr><td><code>{escape(prop)}</code></td><td>{escape(info['standaard'])}</td>"
                       f"<td>{escape(info.get('gebruikt', info['standaard']))}</td>"
                       f"<td>{escape(', '.join(info['features']))}</td></tr>")
        out.append("</table>")
    if check.plan.ignored:
        out.append("<div class='warn'>Onbekende eigenschappen, genegeerd: " + escape("; ".join(
            f"{k} ({', '.join(v)})" for k, v in sorted(check.plan.ignored.items()))) + "</div>")
    if check.plan.repaired:
        out.append("<div class='warn'>Hersteld (make_valid): " + escape("; ".join(check.plan.repaired)) + "</div>")
    if check.applied.notes:
        out.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in check.applied.notes) + "</ul>")
    return "".join(out)


def _method_html(check: PlanCheck) -> str:
    from afweging.analyses.plan.format import HOME_SPACING_M

    funcs = "; ".join(f"<i>{k}</i>: {escape(v)}" for k, v in FUNCTIONS.items())
    spreads = "; ".join(f"<i>{k}</i>: {escape(v)}" for k, v in SPREADS.items())
    return (
        "<h2>Hoe is gerekend?</h2><ul class='small'>"
        f"<li>Functies van een vlak: {funcs}.</li>"
        f"<li>Nieuwe woningen worden punten ({spreads}; om de {nl_number(HOME_SPACING_M)} m, ruimer als er "
        "minder woningen dan punten zijn). Bewoners = woningen × huishoudgrootte (één huishouden per woning).</li>"
        "<li>Nieuwe bewoners hebben de leeftijdsopbouw van de buurt (naar rato); nieuwe huishoudens de "
        "samenstelling van de buurt. Gesloopte woningen nemen het gemiddelde aantal bewoners per woning van de "
        "buurt mee.</li>"
        "<li>Nieuwe sociale huurwoningen tellen als corporatiebezit (CBS p_wcorpw), middenhuur en vrije huur "
        "als overige verhuurders, betaalbare en vrije koop als koopwoning; alle nieuwe woningen als bewoond "
        "en gebouwd na 2000.</li>"
        f"<li>Groen per nieuwe woning en het kengetal (180-{nl_number(KENGETAL_UPPER_M2)} m² per woning voor "
        "voorzieningen, sport, spelen en groen naast de bouwgrond) gelden per netto nieuwe woning (nieuw min "
        "sloop). Speelruimte geldt als % van het woongebied (de vlakken met nieuwe woningen). Betaalbaar = "
        "sociale huur + middenhuur + betaalbare koop, als % van de nieuwe woningen.</li>"
        "<li>Nieuw groen van minstens 0,5 ha telt ook als park (voorziening); speelruimte als speelplek.</li>"
        "<li>Lagen en barcode zijn na het plan opnieuw berekend; de bereikbaarheid alleen voor de buurten "
        "waar iets kan veranderen (nieuwe of gesloopte woningen, of woningen die een nieuwe voorziening "
        "sneller kan bereiken dan hun huidige).</li></ul>"
    )


# ============================================================================ map
def plan_map_svg(check: PlanCheck, *, width_px: int = 760) -> str:
    """A static map of the plan (inline SVG): buurten, homes, plan polygons, new homes by
    their 10-minute reach on foot, new and existing everyday facilities, 10-minute walk area."""
    from afweging.data import tags

    area = check.applied.after
    plan = check.plan
    minx, miny, maxx, maxy = plan.features.total_bounds
    margin = max(400.0, 0.25 * max(maxx - minx, maxy - miny))
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    scale = width_px / (maxx - minx)
    height_px = round((maxy - miny) * scale)

    def xy(x: float, y: float) -> tuple[float, float]:
        return (round((x - minx) * scale, 1), round((maxy - y) * scale, 1))

    def path(geom: Any) -> str:
        d = []
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                pts = [xy(x, y) for x, y in ring.coords]
                d.append("M" + " L".join(f"{a},{b}" for a, b in pts) + " Z")
        return " ".join(d)

    bbox = shapely.box(minx, miny, maxx, maxy)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px + 60}" '
           f'viewBox="0 0 {width_px} {height_px + 60}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width_px}" height="{height_px}" fill="#f7f7f2"/>']
    b = area.buurten
    idx = b.sindex.query(bbox, predicate="intersects")
    sub = b.iloc[idx]
    for code, row in sub.iterrows():
        geom = row.geometry.intersection(bbox)
        fill = "#fff" if code in check.plan_buurten else "#f2f2ee"
        out.append(f'<path d="{path(geom)}" fill="{fill}" stroke="#888" stroke-width="1"><title>{escape(row["buurtnaam"])} ({escape(code)})</title></path>')
    # 10-minute walk area around the plan
    out.append(_walk_area(check, path, bbox))
    if area.green is not None and len(area.green):
        gidx = area.green.sindex.query(bbox, predicate="intersects")
        for g in area.green.geometry.iloc[gidx]:
            out.append(f'<path d="{path(g.intersection(bbox))}" fill="#b7e4c7" stroke="none" opacity="0.8"/>')
    homes = check.applied.before.homes
    if homes is not None and len(homes):
        hidx = homes.sindex.query(bbox, predicate="intersects")
        step = max(1, len(hidx) // 3000)
        for g in homes.geometry.iloc[np.sort(hidx)[::step]]:
            cx, cy = xy(g.x, g.y)
            out.append(f'<circle cx="{cx}" cy="{cy}" r="1.1" fill="#999"/>')
    for _, row in plan.polygons.iterrows():
        color = _FUNCTION_COLOR.get(row["functie"], "#ccc")
        out.append(f'<path d="{path(row.geometry)}" fill="{color}" fill-opacity="0.45" stroke="{color}" '
                   f'stroke-width="2"><title>{escape(row["naam"])} ({escape(row["functie"])})</title></path>')
    # new homes coloured by everyday categories within N minutes on foot
    nr = check.new_residents
    cats = nr.get("categorieen", [])
    reach = check.reach
    nh = check.applied.new_homes
    colors = {"alle": "#1a9850", "1-2 missen": "#fdae61", "3+ missen": "#d73027", "onbekend": "#555"}
    if len(nh):
        keys = np.full(len(nh), "onbekend", dtype=object)
        if reach is not None and cats:
            rh = reach.homes.reindex(nh.index)
            t = rh[[_names.reach_home_col("walk", c) for c in cats]].to_numpy(dtype=float)
            miss = (np.nan_to_num(t, nan=np.inf) > nr["minuten"]).sum(axis=1)
            known = rh[_names.reach_method_col("walk")].notna().to_numpy()
            keys = np.where(~known, "onbekend", np.where(miss == 0, "alle", np.where(miss <= 2, "1-2 missen", "3+ missen")))
        for key, g in zip(keys, nh.geometry, strict=True):
            cx, cy = xy(g.x, g.y)
            out.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colors[key]}" stroke="#fff" stroke-width="0.6"/>')
    # facilities
    fac = check.applied.before.facilities
    every = set(tags.everyday_categories())
    labels = tags.labels()
    if fac is not None and len(fac):
        fidx = fac.sindex.query(bbox, predicate="intersects")
        f = fac.iloc[fidx]
        f = f[f["category"].isin(every)]
        for cat, g in zip(f["category"], f.geometry, strict=True):
            cx, cy = xy(g.x, g.y)
            out.append(f'<rect x="{cx - 2.5}" y="{cy - 2.5}" width="5" height="5" fill="#3a86ff" opacity="0.7">'
                       f'<title>{escape(labels.get(cat, cat))}</title></rect>')
    placed: list[tuple[float, float]] = []
    for r in check.applied.new_facilities.to_dict("records"):
        cx, cy = xy(r["geometry"].x, r["geometry"].y)
        out.append(f'<polygon points="{cx},{cy - 7} {cx + 6},{cy + 5} {cx - 6},{cy + 5}" fill="#7b2cbf" stroke="#fff">'
                   f'<title>{escape(r["name"])}</title></polygon>')
        ty = cy + 4
        while any(abs(ty - py) < 12 and abs(cx - px) < 90 for px, py in placed):
            ty += 12  # keep labels of nearby facilities apart
        placed.append((cx, ty))
        out.append(f'<text x="{cx + 8}" y="{ty}" fill="#3c096c" stroke="#fff" stroke-width="3" '
                   f'paint-order="stroke">{escape(labels.get(r["category"], r["category"]))}</text>')
    # scale bar and legend
    bar_m = 500.0 if (maxx - minx) > 2000 else 200.0
    bar_px = bar_m * scale
    y0 = height_px + 16
    out.append(f'<line x1="10" y1="{y0}" x2="{10 + bar_px:.1f}" y2="{y0}" stroke="#222" stroke-width="3"/>'
               f'<text x="10" y="{y0 + 14}">{nl_int(bar_m)} m</text>')
    x = 30 + bar_px
    legend = [("circle", colors["alle"], "nieuwe woning: alle dagelijkse voorzieningen ≤ 10 min lopen"),
              ("circle", colors["1-2 missen"], "1-2 missen"), ("circle", colors["3+ missen"], "3 of meer missen"),
              ("rect", "#3a86ff", "bestaande voorziening"), ("tri", "#7b2cbf", "nieuwe voorziening")]
    yy = y0 - 4
    for kind, color, text in legend:
        if kind == "circle":
            out.append(f'<circle cx="{x}" cy="{yy}" r="4" fill="{color}"/>')
        elif kind == "rect":
            out.append(f'<rect x="{x - 3}" y="{yy - 3}" width="6" height="6" fill="{color}"/>')
        else:
            out.append(f'<polygon points="{x},{yy - 5} {x + 5},{yy + 4} {x - 5},{yy + 4}" fill="{color}"/>')
        out.append(f'<text x="{x + 8}" y="{yy + 4}">{escape(text)}</text>')
        x += 16 + 6.2 * len(text)
        if x > width_px - 120:
            x, yy = 30 + bar_px, yy + 18
    src = "; ".join(sorted({p.label() for k, p in area.provenance.items() if k in ("buurten", "homes", "facilities")}))
    out.append(f'<text x="10" y="{height_px + 54}" fill="#666" font-size="9">Bron: {escape(src)}; plan: '
               f'{escape(Path(plan.source).name)}. RD New (EPSG:28992).</text>')
    out.append("</svg>")
    return "\n".join(out)


def _walk_area(check: PlanCheck, path: Any, bbox: Any) -> str:
    """The area within N minutes' walk of the plan's centre (network isochrone if possible)."""
    area = check.applied.after
    centre = shapely.union_all(check.plan.polygons.geometry.to_numpy()).centroid
    minutes = check.baseline.minutes
    if area.has("network:walk"):
        try:
            from afweging.analyses.reach.reachability import isochrone

            iso = isochrone(area, centre, minutes=minutes, mode="walk")
            geom = iso.geometry.iloc[0]
            if not geom.is_empty:
                return (f'<path d="{path(geom.intersection(bbox))}" fill="#90e0ef" fill-opacity="0.35" stroke="#0096c7" '
                        f'stroke-dasharray="4 3"><title>binnen {nl_number(minutes)} min lopen vanaf het midden '
                        f'van het plan (netwerk)</title></path>')
        except Exception:  # outside the network: fall through to the straight-line estimate
            pass
    r = minutes * settings.speed_m_per_min("walk") / settings.detour_factor
    circle = centre.buffer(r, quad_segs=32)
    return (f'<path d="{path(circle.intersection(bbox))}" fill="#90e0ef" fill-opacity="0.25" stroke="#0096c7" '
            f'stroke-dasharray="4 3"><title>ongeveer {nl_number(minutes)} min lopen (hemelsbreed {nl_int(r)} m '
            f'= {nl_number(minutes)} min × {nl_number(settings.walk_speed_kmh, 1)} km/u / omrijfactor '
            f'{nl_number(settings.detour_factor, 1)})</title></path>')


def write_plan_checks(checks: Sequence[PlanCheck], out_dir: str | Path | OutputFolder) -> list[Path]:
    """Write ``plan_check.html`` and ``plan_check.json`` (variants side by side).

    They go through the output writer (:mod:`afweging._outputs`): both files are swapped
    into ``out_dir`` at once, replacing those of the earlier plan check there, so a failure
    never leaves half-written output and other files in the folder are left alone.
    """
    if not checks:
        raise PlanError("No plan checks to write.")
    if any(c.baseline.area is not checks[0].baseline.area for c in checks):
        raise PlanError(
            "Variants are compared against one area: check them with check_plans(area, plans) "
            "or with one prepare_baseline(area)."
        )
    with output_folder(out_dir, kind="plan") as out:
        out.path("plan_check.json").write_text(checks_json(checks), encoding="utf-8")
        out.path("plan_check.html").write_text(checks_html(checks), encoding="utf-8")
        return out.commit()
