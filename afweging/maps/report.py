"""The report (``rapport.html``): one Dutch HTML file that can be mailed.

Sections: summary of the city, the barcode of the city and of every wijk, the priorities
with their reasons, the location choice (when made: the chosen sites with their reasons
and the comparison greedy vs optimal), maps (embedded PNGs) and a link to the interactive map, the method
and caveats per layer (measured / statistics / proxy / no data), the coverage of the
street network, and the sources. Everything is inside the file: CSS inline, pictures as
SVG or ``data:`` URIs, no scripts, no external resources.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import afweging
from afweging import _names, settings
from afweging._format import nl_int, nl_number, nl_pct
from afweging._html import escape
from afweging.geo.area import LABELS, Area
from afweging.maps import _adapt
from afweging.maps._assets import data_uri
from afweging.maps._labels import METHOD_LABELS, MODE_LABELS, describe
from afweging.maps._source import source_text

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1a1a1a; max-width: 1080px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 34px 0 8px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.lead { color: #444; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13.5px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f2; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
.kpi { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.kpi div { background: #f4f4f2; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
.kpi b { display: block; font-size: 21px; }
.kpi span { font-size: 12.5px; color: #444; }
.note { background: #fff7e0; border-left: 4px solid #e0a800; padding: 6px 10px; margin: 8px 0; }
.caveats li { margin-bottom: 4px; }
.method-measured { color: #1b5e20; } .method-statistics { color: #0d47a1; }
.method-proxy { color: #8a4b00; font-weight: 600; } .method-no-data { color: #777; }
figure { margin: 12px 0 20px; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 12.5px; color: #555; }
.barcode svg { max-width: 100%; height: auto; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
.small { font-size: 12.5px; color: #555; }
nav a { margin-right: 12px; }
@media print { details { display: block; } nav { display: none; } }
"""



def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, num: Sequence[int] = ()) -> str:
    """An HTML table; cells are already-escaped HTML; ``num`` = right-aligned columns."""
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if i in num else f"<th>{escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _method_span(method: str) -> str:
    cls = "method-" + method.replace(" ", "-")
    return f'<span class="{cls}">{escape(METHOD_LABELS.get(method, method))}</span>'


def _score(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else nl_number(float(x), 2)


def _city_share(reach: Any, area: Area, column: str) -> float:
    """Resident-weighted city value of a per-buurt reachability percentage."""
    if reach is None or column not in reach.buurten.columns:
        return float("nan")
    w = reach.homes.groupby("buurtcode")["residents"].sum()
    v = reach.buurten[column].astype(float)
    w = w.reindex(v.index).fillna(0.0)
    ok = v.notna() & (w > 0)
    return float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")


# ----------------------------------------------------------------------------- sections
def _summary(area: Area, layers: Any, reach: Any, scores: Any, flags: _adapt.PriorityFlags | None) -> str:
    inw = area.stat("a_inw").sum() if "a_inw" in area.buurten else float("nan")
    kpis = [
        (nl_int(inw), (f"inwoners (scenario {area.meta['scenario_year']})" if area.meta.get("scenario_year")
                       else f"inwoners (CBS {area.statistics_year or ''})".replace(" )", ")"))),
        (nl_int(len(area.buurten)), "buurten"
         + (f" in {len(area.wijken)} wijken" if area.wijken is not None else "")),
    ]
    if area.homes is not None:
        kpis.append((nl_int(len(area.homes)), "woningen (herkomstpunten)"))
    if area.facilities is not None:
        kpis.append((nl_int(len(area.facilities)), f"voorzieningen in {len(area.categories)} soorten"))
    if scores is not None:
        kpis.append((_score(float(scores.stad.overall.iloc[0])), "balansscore stad (0–1)"))
    minutes = float(getattr(reach, "minutes", settings.minutes)) if reach is not None else settings.minutes
    lines: list[str] = []
    if reach is not None:
        for mode in getattr(reach, "modes", ("walk",)):
            share = _city_share(reach, area, _names.reach_complete_share_col(mode, minutes))
            if not math.isnan(share):
                kpis.append((nl_pct(share), f"inwoners met alle dagelijkse voorzieningen binnen "
                                            f"{nl_number(minutes, 0)} min {MODE_LABELS.get(mode, mode)}"))
    if scores is not None:
        stad = scores.stad
        code = stad.values.index[0]
        ts = _adapt.theme_scores(scores, area)
        assert ts is not None
        best = [(lab, float(stad.themes.at[code, t])) for t, lab in ts.labels.items()
                if t in stad.themes.columns and not math.isnan(float(stad.themes.at[code, t]))]
        best.sort(key=lambda x: x[1])
        if best:
            lines.append(
                "Zwakste thema's voor de stad: "
                + ", ".join(f"{lab.lower()} ({_score(v)})" for lab, v in best[:2])
                + f"; sterkste: {best[-1][0].lower()} ({_score(best[-1][1])})."
            )
        empty = [lab for t, lab in ts.labels.items() if not ts.themes[t].notna().any()]
        if empty:
            lines.append(f"Geen gegevens voor: {', '.join(e.lower() for e in empty)} (zie Methode).")
    if flags is not None:
        for qid, label in flags.questions.items():
            sub = flags.flags[flags.flags["question"] == qid]
            if len(sub):
                names = ", ".join(escape(n) for n in _names_of(area, sub["buurtcode"].head(3)))
                lines.append(f"{escape(label)}: voorrang voor {len(sub)} buurten, bovenaan {names}.")
    out = ['<div class="kpi">']
    out += [f"<div><b>{escape(v)}</b><span>{escape(t)}</span></div>" for v, t in kpis]
    out.append("</div>")
    if lines:
        out.append("<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>")
    if area.synthetic:
        out.append('<p class="note">Dit is het synthetische demogebied: de cijfers zijn verzonnen '
                   "en dienen alleen om de werkwijze te laten zien.</p>")
    return "".join(out)


def _names_of(area: Area, codes: Sequence[str] | pd.Series) -> list[str]:
    names = area.buurten["buurtnaam"].astype(str)
    names.index = names.index.astype(str)
    return [str(names.get(str(c), c)) for c in codes]


def _barcodes(scores: Any, area: Area) -> str:
    if scores is None:
        return '<p class="note">De barcode is niet berekend (geen scores).</p>'
    out = [f'<div class="barcode">{_adapt.barcode_svg(scores, scores.city_code)}</div>']
    if scores.wijk is not None:
        summary = scores.summary("wijk")
        header = list(summary.columns)
        rows = []
        for _, r in summary.iterrows():
            rows.append([escape(r["Naam"]), *[_score(r[c]) if c not in ("Naam", "Compleet") else escape(r[c])
                                            for c in header[1:]]])
        out.append("<h3>Wijken: scores per thema (0–1)</h3>")
        out.append(_table(header, rows, num=tuple(range(1, len(header) - 1))))
        out.append("<h3>Barcode per wijk</h3>")
        for code in scores.wijk.codes:
            out.append(f"<details><summary>{escape(scores.name_of(code))}</summary>"
                       f'<div class="barcode">{_adapt.barcode_svg(scores, code)}</div></details>')
    out.append('<p class="small">Een streep per norm: groen = voldoet, oranje = bijna, rood = voldoet '
               "niet, grijs = geen gegevens; een gestippelde rand = benadering (proxy). De waarden, "
               'normen en bronnen per streep staan in <a href="barcode.html">barcode.html</a> '
               "(in dezelfde map als dit rapport).</p>")
    return "".join(out)


def _priorities(area: Area, priorities: Any, flags: _adapt.PriorityFlags | None) -> str:
    if flags is None:
        return '<p class="note">De prioriteiten zijn niet berekend.</p>'
    out = ['<p>Prioriteit = tekort (mensen die buiten de norm wonen) × behoefte in de buurt: '
           "<i>ongelijk investeren voor gelijke kansen</i> (Sociale Visie Utrecht 2040). "
           "De reden per buurt noemt de cijfers waarop de rangorde rust.</p>"]
    config = getattr(priorities, "config", None)
    wijk_of = area.buurten["wijkcode"].astype(str)
    wijk_of.index = wijk_of.index.astype(str)
    wijknaam: dict[str, str] = {}
    if area.wijken is not None:
        wijknaam = {str(k): str(v) for k, v in area.wijken["wijknaam"].items()}
    for qid, label in flags.questions.items():
        sub = flags.flags[flags.flags["question"] == qid]
        out.append(f"<h3>{escape(label)}</h3>")
        q = getattr(config, "questions", {}).get(qid) if config is not None else None
        if q is not None:
            out.append(f'<p class="small">Norm: {escape(q.norm_text())}. Bron: {escape(q.norm_source)}. '
                       f"Doelgroep: {escape(q.group_label)}.</p>")
        if sub.empty:
            out.append("<p>Geen buurten met voorrang.</p>")
            continue
        rows = []
        for _, r in sub.iterrows():
            code = str(r["buurtcode"])
            rows.append([
                nl_int(r["rank"]),
                f"{escape(_names_of(area, [code])[0])}<br><span class='small'>{escape(code)} · "
                f"{escape(wijknaam.get(wijk_of.get(code, ''), wijk_of.get(code, '')))}</span>",
                nl_int(r["people"]) if pd.notna(r["people"]) else "–",
                escape(r["reason"]),
            ])
        out.append(_table(["Rang", "Buurt", "Mensen buiten de norm", "Reden"], rows, num=(0, 2)))
    return "".join(out)


def _locations(loc: _adapt.LocationSites) -> str:
    c = loc.comparison
    k = loc.constraints
    grp = escape(loc.group_label)
    cand = loc.candidates
    origins = ", ".join(f"{nl_int(v)} {escape(o)}" for o, v in cand["origin"].value_counts().items())
    rules = [f"hoogstens {nl_int(loc.n)} locaties"]
    if k.get("min_per_wijk"):
        rules.append(f"minstens {nl_int(k['min_per_wijk'])} per wijk")
    if k.get("max_per_buurt") is not None:
        rules.append(f"hoogstens {nl_int(k['max_per_buurt'])} per buurt")
    if k.get("fixed"):
        rules.append(f"vast: {escape(', '.join(k['fixed']))}")
    out = [
        f"<p>Waar helpen {nl_int(loc.n)} nieuwe locaties ({escape(loc.label)}) het meest? Gekozen is "
        f"de combinatie die de meeste {grp} nieuw binnen {escape(loc.norm_text)} brengt, elke woning "
        "gewogen met de behoefte-index van haar buurt (<i>ongelijk investeren voor gelijke kansen</i>, "
        "dezelfde instellingen als de prioriteiten). Wie nu al binnen de norm woont, telt als bediend. "
        "De keuze is exact opgelost als geheeltallig programma (HiGHS) en vergeleken met de gretige "
        "keuze (steeds de locatie die er op dat moment het meest bij brengt).</p>",
        f'<p class="small">Kandidaten: {escape(k.get("candidates", ""))} ({origins}). Voorwaarden: '
        f"{'; '.join(rules)}.</p>",
        '<div class="kpi">',
        f"<div><b>{nl_int(c['people_new'])}</b><span>{grp} nieuw binnen de norm</span></div>",
        f"<div><b>{nl_int(loc.before.get('people', float('nan')))}</b><span>{grp} nu buiten de "
        "norm</span></div>",
        f"<div><b>{nl_number(c['objective'], 1)}</b><span>behoeftegewogen winst</span></div>",
        "</div>",
    ]
    rows = []
    for _, r in loc.chosen.iterrows():
        rows.append([
            nl_int(r["rank"]),
            f"{escape(r['site_id'])}{' (vast)' if bool(r['fixed']) else ''}<br>"
            f"<span class='small'>{escape(r['origin'])}</span>",
            f"{escape(r['buurtnaam'])}<br><span class='small'>{escape(r['wijknaam'])}</span>",
            nl_int(r["people_new"]),
            *[nl_int(r[f"people_new_{col}"]) for col in loc.report_groups],
            nl_number(r["weight_new"], 1),
            escape(r["reason"]),
        ])
    extra = [f"{lab.capitalize()} nieuw" for lab in loc.report_groups.values()]
    if rows:
        out.append(_table(["Nr.", "Locatie", "Buurt", f"{loc.group_label.capitalize()} nieuw", *extra,
                           "Gewogen winst", "Reden"], rows, num=tuple(range(3, 5 + len(extra)))))
    else:
        out.append("<p>Geen locatie brengt iemand nieuw binnen de norm.</p>")
    exact = "exact optimaal" if c["status"] == "optimaal" else (
        f"tijdslimiet ({nl_number(k.get('time_limit_s', float('nan')), 0)} s): beste gevonden, "
        f"hoogstens {nl_pct(c['gap_pct'], 1)} onder het optimum")
    out.append("<h3>Gretig tegenover optimaal</h3>")
    out.append(_table(
        ["Oplossing", "Locaties", f"{loc.group_label.capitalize()} nieuw", "Behoeftegewogen"],
        [[f"Exact (HiGHS): {escape(exact)}", nl_int(len(loc.chosen)), nl_int(c["people_new"]),
          nl_number(c["objective"], 1)],
         ["Gretig", nl_int(len(loc.greedy)), nl_int(c["people_new_greedy"]),
          nl_number(c["objective_greedy"], 1)]],
        num=(1, 2, 3),
    ))  # no computing times: identical input gives a byte-identical report (the CLI prints them)
    same = set(loc.chosen["site_id"]) == set(loc.greedy["site_id"])
    out.append(f"<p>De gretige keuze haalt {nl_pct(100.0 - c['gap_greedy_pct'], 1)} van de "
               f"behoeftegewogen winst van de gekozen oplossing"
               + (" en kiest dezelfde locaties." if same else
                  f" ({nl_pct(c['gap_greedy_pct'], 1)} minder).") + "</p>")
    out.append(f'<p class="small">Omvang van het probleem: {nl_int(c["homes"])} woningen buiten de norm die '
               f"een kandidaat kan bedienen of niet, samengevoegd tot {nl_int(c['rows'])} groepen met "
               f"dezelfde kandidaten (exact); {nl_int(c['sites'])} kandidaten, waarvan "
               f"{nl_int(c['sites_kept'])} na het weglaten van kandidaten die niemand nieuw bedienen "
               "of die een andere kandidaat in alles overtreft (alleen waar dat bewijsbaar veilig is). "
               "De lagen locaties, gretig en kandidaten staan in locaties.gpkg.</p>")
    if loc.caveats:
        out.append('<ul class="caveats">' + "".join(f"<li>{escape(x)}</li>" for x in loc.caveats) + "</ul>")
    return "".join(out)


def _maps(images: Sequence[Path], map_href: str | None, notes: Sequence[str] = ()) -> str:
    out = [f'<p class="note">{escape(n)}</p>' for n in notes]
    if map_href:
        out.append(f'<p><a href="{escape(map_href)}"><b>Open de interactieve kaart</b></a> '
                   "(kaart.html, in dezelfde map als dit rapport; werkt ook zonder internet): "
                   "alle indicatoren per buurt, de barcode per buurt, voorzieningen, prioriteiten "
                   "en reistijden per woning.</p>")
    for path in images:
        p = Path(path)
        if p.suffix.lower() != ".png" or not p.exists():
            continue
        caption = p.stem.replace("_", " ")
        out.append(f'<figure><img alt="{escape(caption)}" src="{data_uri(p.read_bytes(), "image/png")}">'
                   f"<figcaption>{escape(p.name)}</figcaption></figure>")
    return "".join(out) or "<p>Geen kaarten.</p>"


def _off_network_pairs(r: pd.Series) -> str:
    """The (home, category) pairs of the network homes whose time is the straight-line
    estimate to a facility off the network, "19.716 van 57.816 (34,1 %)"."""
    pairs, of = r.get("pairs_off_network_closer", np.nan), r.get("pairs_network", np.nan)
    if not (np.isfinite(pairs) and np.isfinite(of)) or of <= 0:
        return "–"
    return f"{nl_int(pairs)} van {nl_int(of)} ({nl_pct(100.0 * pairs / of, 1)})"


def _methods(area: Area, layers: Any, reach: Any, scores: Any, priorities: Any) -> str:
    out = []
    if layers is not None:
        m = layers.methods
        for layer, group in m.groupby("layer", sort=False):
            rows = []
            for col, r in group.iterrows():
                info = describe(str(col), m)
                rows.append([
                    f"{escape(info.label)}<br><span class='small'>{escape(col)}</span>",
                    escape(r["unit"]), _method_span(str(r["method"])), escape(r["source"]),
                    escape(r["description"]),
                ])
            out.append(f"<details><summary>Laag {escape(layer)} ({len(group)} indicatoren: "
                       + ", ".join(f"{n} {METHOD_LABELS.get(k, k)}" for k, n in
                                   group["method"].value_counts().items())
                       + ")</summary>")
            out.append(_table(["Indicator", "Eenheid", "Methode", "Bron", "Toelichting"], rows))
            out.append("</details>")
    else:
        out.append('<p class="note">De lagen zijn niet berekend.</p>')
    if reach is not None:
        out.append("<h3>Bereikbaarheid: dekking van het stratennetwerk</h3>")
        rep = reach.report
        rows = []
        for mode, r in rep.iterrows():
            rows.append([
                escape(MODE_LABELS.get(str(mode), mode)),
                nl_int(r.get("network_nodes", np.nan)),
                nl_int(r.get("homes", np.nan)),
                nl_pct(r.get("residents_network_pct", np.nan), 1),
                nl_pct(r.get("residents_fallback_pct", np.nan), 1),
                nl_pct(r.get("residents_no_route_pct", np.nan), 1),
                _off_network_pairs(r),
                f"{nl_int(r.get('facilities_on_network', np.nan))} van {nl_int(r.get('facilities', np.nan))}",
                f"{nl_number(r.get('speed_kmh', np.nan), 1)} km/u; omrijfactor "
                f"{nl_number(r.get('detour_factor', np.nan), 2)}",
            ])
        out.append(_table(
            ["Vervoerwijze", "Knopen", "Woningen", "Inwoners via netwerk", "Hemelsbreed geschat",
             "Zonder route naar een categorie", "Combinaties geschat naar een voorziening buiten het netwerk",
             "Voorzieningen op netwerk", "Aannamen"],
            rows, num=(1, 2, 3, 4, 5),
        ))
        out.append(
            '<p class="small">Waar geen straat binnen '
            f"{nl_int(settings.max_snap_distance_m)} m ligt, is de reistijd de hemelsbrede afstand × "
            "de omrijfactor gedeeld door de snelheid: een benadering, in kaart en barcode gemarkeerd. "
            "Ook voor een woning aan het netwerk is de reistijd naar een voorziening die verder dan "
            f"{nl_int(settings.max_snap_distance_m)} m van een straat ligt die benadering, als die korter is "
            "dan de route naar een voorziening aan het netwerk (geteld per combinatie van woning en "
            "categorie).</p>"
        )
    # the loader's caveats first, then those of every step: every 'let op' of the CLI is here
    caveats: list[str] = list(dict.fromkeys(str(c) for c in area.meta.get("caveats", [])))
    for source in (layers, reach, scores, priorities):
        for attr in ("caveats", "warnings"):
            for c in getattr(source, attr, None) or []:
                if str(c) not in caveats:
                    caveats.append(str(c))
    if caveats:
        out.append("<h3>Kanttekeningen bij de gegevens</h3>")
        out.append('<ul class="caveats">' + "".join(f"<li>{escape(c)}</li>" for c in caveats) + "</ul>")
    absent = [(LABELS.get(k, k), v) for k, v in area.missing.items()]
    if absent:
        out.append("<h3>Ontbrekende gegevens</h3>")
        out.append("<ul>" + "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in absent) + "</ul>")
    return "".join(out)


def _sources(area: Area) -> str:
    rows = []
    for key, prov in area.provenance.items():
        rows.append([
            escape(LABELS.get(key, key)), escape(prov.source), escape(prov.licence or "niet opgegeven"),
            escape(Path(prov.path).name if prov.path else "–"), escape(prov.note or ""),
        ])
    table = _table(["Onderdeel", "Bron", "Licentie", "Bestand", "Opmerking"], rows) if rows else ""
    return table + f'<p class="small">{escape(source_text(area))}</p>'


# ----------------------------------------------------------------------------- the report
def report_html(
    area: Area,
    *,
    layers: Any = None,
    reach: Any = None,
    scores: Any = None,
    priorities: Any = None,
    locations: Any = None,
    images: Sequence[str | Path] = (),
    map_href: str | None = "kaart.html",
    title: str | None = None,
    lead: str | None = None,
    extra_sections: Sequence[tuple[str, str, str]] = (),
    with_maps: bool = True,
) -> str:
    """The report as one self-contained HTML string (see :func:`write_report`)."""
    flags = _adapt.priority_flags(priorities)
    map_notes = []
    themes = _adapt.theme_scores(scores, area)
    if themes is not None:
        empty = [lab.lower() for t, lab in themes.labels.items() if not themes.themes[t].notna().any()]
        if empty:
            map_notes.append(f"Geen themakaart voor {', '.join(empty)}: geen gegevens in dit gebied "
                             "(zie Methode en kanttekeningen).")
    sections = [
        ("samenvatting", "Samenvatting", _summary(area, layers, reach, scores, flags)),
        *extra_sections,
        ("barcode", "De Utrechtse barcode", _barcodes(scores, area)),
        ("prioriteiten", "Prioriteiten", _priorities(area, priorities, flags)),
    ]
    loc = _adapt.location_sites(locations)
    if loc is not None:
        sections.append(("locatiekeuze", f"Locatiekeuze: {loc.label}", _locations(loc)))
    sections += [
        *([("kaarten", "Kaarten", _maps([Path(p) for p in images], map_href, map_notes))] if with_maps else []),
        ("methode", "Methode en kanttekeningen", _methods(area, layers, reach, scores, priorities)),
        ("bronnen", "Bronnen", _sources(area)),
    ]
    nav = "<nav>" + "".join(f'<a href="#{sid}">{escape(t)}</a>' for sid, t, _ in sections) + "</nav>"
    body = "".join(f'<section id="{sid}"><h2>{escape(t)}</h2>{content}</section>' for sid, t, content in sections)
    title = title or f"{area.name}: ruimtelijke afweging"
    lead = lead or ("lagen per buurt, de Utrechtse barcode, de 10-minutenstad en prioriteiten voor "
                    "speelplekken, ontmoetingsplekken en voorzieningen.")
    return (
        '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – rapport</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="lead">Rapport van afweging {escape(afweging.__version__)}: {escape(lead)}</p>'
        f"{nav}{body}</body></html>\n"
    )


def write_report(
    area: Area,
    path: str | Path,
    *,
    layers: Any = None,
    reach: Any = None,
    scores: Any = None,
    priorities: Any = None,
    locations: Any = None,
    images: Sequence[str | Path] = (),
    map_href: str | None = "kaart.html",
    title: str | None = None,
    lead: str | None = None,
    extra_sections: Sequence[tuple[str, str, str]] = (),
    with_maps: bool = True,
) -> Path:
    """Write ``rapport.html``: the Dutch report of an area, one self-contained file.

    Parameters
    ----------
    area : Area
    path : path-like
        The HTML file to write.
    layers, reach, scores, priorities : optional
        Results of :func:`afweging.compute_layers`, :func:`afweging.reachability`,
        :func:`afweging.score` and :func:`afweging.prioritise`; a section without its
        input says so instead of being left out silently.
    locations : LocationChoice, optional
        From :func:`afweging.choose_locations`: adds the section *Locatiekeuze*.
    images : list of path-like
        PNG maps to embed (as ``data:`` URIs), e.g. from
        :func:`afweging.maps.static.write_static_maps`.
    map_href : str or None
        Relative link to the interactive map.
    title, lead : str, optional
        The heading and the line under it (plain text; default: the area's report).
    extra_sections : list of (id, title, html)
        Sections placed after the summary; ``html`` is ready HTML (escape data text with
        :func:`afweging._html.escape`).
    with_maps : bool
        False leaves out the maps section (an output without maps).

    Returns
    -------
    Path
    """
    path = Path(path)
    text = report_html(area, layers=layers, reach=reach, scores=scores, priorities=priorities,
                       locations=locations, images=images, map_href=map_href, title=title, lead=lead,
                       extra_sections=extra_sections, with_maps=with_maps)
    path.write_text(text, encoding="utf-8")
    return path
