"""The outputs of ``afweging scenario``, through the one output writer.

* ``buurten_<year>.gpkg``: per buurt every indicator of today and the target year side
  by side, the population by age band, the Groei-in-balans indicators, the worsening
  rank and reason (:attr:`ScenarioResult.buurten`);
* ``barcode_<year>.html``: the barcodes of today and the target year per buurt, wijk and
  the city next to each other, the stripes that change colour marked
  (:func:`afweging.barcode.compare.comparison_html`);
* ``prioriteiten_<year>.csv``: the priorities of the target year with today's rank;
* ``rapport.html``: the report of the target year (:func:`afweging.maps.report_html`)
  opening with the section "Groei in balans" (:func:`growth_section`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from afweging._csv import write_csv
from afweging._format import nl_int, nl_number
from afweging._html import escape
from afweging._outputs import OutputFolder, fixed_gpkg_date, output_folder
from afweging.scenarios.forecast import LEVEL_PHRASES
from afweging.scenarios.growth import MEETING_MAX_M, PLAY_MAX_M
from afweging.scenarios.target import describe_changes

if TYPE_CHECKING:  # pragma: no cover
    from afweging.scenarios.compute import ScenarioResult

#: How many buurten the report names where the balance worsens most.
REPORT_TOP: int = 10


def output_names(year: int) -> dict[str, str]:
    """The file names of a scenario's outputs for ``year``."""
    return {"buurten": f"buurten_{year}.gpkg", "barcode": f"barcode_{year}.html",
            "prioriteiten": f"prioriteiten_{year}.csv", "rapport": "rapport.html"}


def write_scenario(result: ScenarioResult, out_dir: str | Path | OutputFolder) -> list[Path]:
    """Write the outputs of a scenario into ``out_dir`` (see the module doc).

    Through :mod:`afweging._outputs`: the folder is checked and locked, the files are
    written into a staging folder and swapped in at once; a user's own files are never
    touched. Returns the files written.
    """
    from afweging.barcode.compare import comparison_html
    from afweging.maps.report import report_html

    names = output_names(result.year)
    then = result.then
    with output_folder(out_dir, kind="scenario") as out:
        with fixed_gpkg_date():
            result.buurten.to_file(out.path(names["buurten"]), layer="buurten", driver="GPKG")
        intro = (f"Scenario {result.scenario.name}." if not result.scenario.synthetic
                 else f"Scenario {result.scenario.name} (synthetisch demogebied: verzonnen cijfers).")
        out.path(names["barcode"]).write_text(
            comparison_html(result.now.scores, then.scores, labels=result.labels,
                            title=f"Barcode {then.area.name}: {result.labels[0]} en {result.labels[1]}",
                            intro=intro),
            encoding="utf-8",
        )
        if result.priorities is not None:
            write_csv(result.priorities, out.path(names["prioriteiten"]))
        html = report_html(
            then.area, layers=then.layers, reach=then.reach, scores=then.scores, priorities=then.priorities,
            map_href=None, with_maps=False,
            title=f"{then.area.name} {result.year}: groei in balans",
            lead=(f"scenario {result.scenario.name}: de stad in {result.year} naast {result.labels[0]}, met "
                  f"de bevolkingsprognose en het woningbouwprogramma; daarna de barcode, de prioriteiten en "
                  f"de methode van {result.year}."),
            extra_sections=[("groei", "Groei in balans", growth_section(result))],
        )
        out.path(names["rapport"]).write_text(html, encoding="utf-8")
        return out.commit()


# ============================================================================ the section
def _table(header: list[str], rows: list[list[str]], num: tuple[int, ...] = ()) -> str:
    from afweging.maps.report import _table as table

    return table(header, rows, num=num)


def _arrow(a: float, b: float, decimals: int = 0) -> str:
    return f"{nl_number(a, decimals)} → {nl_number(b, decimals)}"


def growth_section(result: ScenarioResult) -> str:
    """The report section "Groei in balans" (HTML; every data text escaped)."""
    sc = result.scenario
    lab0, lab1 = result.labels
    g = result.growth
    elderly = result.now.elderly_label
    out: list[str] = []
    inw0, inw1 = g[f"inwoners_{lab0}"].sum(), g[f"inwoners_{lab1}"].sum()
    old0, old1 = g[f"ouderen_{lab0}"].sum(), g[f"ouderen_{lab1}"].sum()
    s0 = float(result.now.scores.stad.overall.iloc[0])
    s1 = float(result.then.scores.stad.overall.iloc[0])
    ch = result.barcode_changes
    out.append('<div class="kpi">' + "".join(
        f"<div><b>{escape(v)}</b><span>{escape(t)}</span></div>" for v, t in (
            (_arrow(inw0, inw1), f"inwoners {lab0} → {lab1}"),
            (_arrow(old0, old1), f"{elderly} {lab0} → {lab1}"),
            (_arrow(s0, s1, 2), "balansscore stad (0–1)"),
            (nl_int(int((ch['richting'] == 'slechter').sum())), "strepen die slechter worden"),
        )) + "</div>")
    out.append(
        "<p>De strepen van de barcode zijn meestal aandelen (het % woningen binnen 10 minuten van een "
        "supermarkt) of maten per woning of huishouden. Groeit een buurt gelijkmatig, dan blijven die gelijk, "
        "terwijl er meer kinderen op dezelfde speelplekken aangewezen zijn en meer ouderen ver van een "
        "ontmoetingsplek wonen. Daarom telt deze sectie ook mensen: per wijk en per buurt, nu en in "
        f"{escape(lab1)}.</p>")
    if sc.synthetic:
        out.append('<p class="note">Dit scenario hoort bij het synthetische demogebied: prognose, plannen '
                   "en voorzieningen zijn verzonnen.</p>")
    # ---- forecast
    out.append("<h3>Prognose en woningbouwprogramma</h3>")
    if sc.forecast is None:
        out.append(f"<p>Geen bevolkingsprognose: {escape(lab1)} = de bevolking van {escape(lab0)} plus de "
                   "nieuwe bewoners van de plannen.</p>")
    else:
        cite = f" Bron: {escape(sc.forecast.citation)}." if sc.forecast.citation else ""
        out.append(f"<p>Prognose {escape(LEVEL_PHRASES.get(result.target.level or '', ''))} uit "
                   f"<code>{escape(Path(sc.forecast.source).name)}</code>.{cite}</p>")
        out.append(_forecast_table(result))
    lines = describe_changes(result.target)
    if lines:
        out.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>")
    for note in result.target.warnings:
        out.append(f'<p class="note">{escape(note)}</p>')
    # ---- wijken
    wijk = _wijk_table(result)
    if wijk:
        out.append("<h3>Per wijk</h3>" + wijk)
    # ---- worst buurten
    worst = result.worst(REPORT_TOP)
    out.append(f"<h3>Waar de balans het meest verslechtert</h3><p>Gerangschikt naar het aantal mensen dat er "
               f"in {escape(lab1)} bij komt buiten de normen: kinderen verder dan {PLAY_MAX_M:g} m van een "
               f"speelplek, {escape(elderly)} verder dan {MEETING_MAX_M:g} m van een ontmoetingsplek en "
               "inwoners zonder alle dagelijkse voorzieningen binnen 10 minuten lopen (één persoon kan bij meer "
               "dan één tellen); daarna naar de strepen van de barcode die slechter worden.</p>")
    if result.target.level == "stad":
        total = (result.forecast_check[result.forecast_check["klasse"] == "totaal"]
                 if len(result.forecast_check) else pd.DataFrame())
        factor = (f" (de bewoners van de bestaande woningen × {nl_number(total['factor_bestaand'].iloc[0], 2)})"
                  if len(total) == 1 and not _nan(total["factor_bestaand"].iloc[0]) else "")
        out.append(f"<p class='small'>De prognose is voor de hele stad: elke buurt groeit met haar huidige "
                   f"opbouw{escape(factor)}. De rangorde volgt daardoor vooral hoe groot de tekorten nu al "
                   "zijn; een prognose per wijk of per buurt laat zien waar de groei echt terechtkomt.</p>")
    if not len(worst):
        out.append("<p>In geen enkele buurt verslechtert de balans.</p>")
    else:
        names = result.now.area.buurten["buurtnaam"].astype(str)
        wijk_of = result.now.area.buurten["wijkcode"].astype(str)
        wijknaam = ({str(k): str(v) for k, v in result.now.area.wijken["wijknaam"].items()}
                    if result.now.area.wijken is not None else {})
        rows = []
        for code, r in worst.iterrows():
            rows.append([
                nl_int(r["rang"]),
                f"{escape(names[code])}<br><span class='small'>{escape(code)} · "
                f"{escape(wijknaam.get(wijk_of[code], wijk_of[code]))}</span>",
                escape(_arrow(r[f'inwoners_{lab0}'], r[f'inwoners_{lab1}'])),
                escape(("+" if r["extra_buiten_norm"] >= 0 else "−") + nl_int(abs(r["extra_buiten_norm"]))),
                escape(r["reden"]),
            ])
        out.append(_table(["Rang", "Buurt", "Inwoners", "Extra buiten de norm", "Waarom"], rows, num=(0, 2, 3)))
    # ---- city totals of the growth indicators
    out.append(f"<h3>Spelen en ontmoeten in de hele stad</h3>{_city_table(result)}")
    # ---- method
    out.append(
        "<h3>Methode</h3><p class='small'>De bevolking per buurt in het doeljaar is de prognose, verdeeld "
        "binnen elk prognosegebied naar de huidige opbouw volgens CBS; de bewoners van de plannen "
        "(woningen × huishoudgrootte, de regels van de plantoets) wonen waar de plannen ze neerzetten, en "
        "de rest van de prognose wordt over de bestaande woningen verdeeld, per leeftijdsklasse. De som per "
        "gebied is de prognose. CBS-klassen worden per levensjaar gelijk verdeeld (0–14 → 0–11 is 12/15). "
        + ("65+ wordt gesplitst in 65–74 en 75+ met het opgegeven aandeel 75-plussers (in elke buurt "
           "hetzelfde). "
           if sc.share_75_plus is not None else "")
        + "Huishoudens en woningen blijven die na de plannen (meer of minder bewoners per woning). Lagen, "
        f"bereikbaarheid (met de nieuwe woningen en voorzieningen), barcode en prioriteiten zijn voor "
        f"{escape(lab1)} opnieuw berekend. Afstanden langs de looproute ({PLAY_MAX_M:g} m speelplek: Utrechtse "
        f"norm; {MEETING_MAX_M:g} m ontmoetingsplek: keuze van afweging, ongeveer 5 minuten lopen). Alle "
        f"strepen naast elkaar: <a href=\"barcode_{result.year}.html\">barcode_{result.year}.html</a>; "
        f"prioriteiten: prioriteiten_{result.year}.csv; alle cijfers per buurt: buurten_{result.year}.gpkg.</p>"
    )
    if sc.share_75_plus is not None:
        out.append(f"<p class='small'>Aandeel 75-plussers onder de 65-plussers: "
                   f"{escape(nl_number(100 * sc.share_75_plus, 1))} % (bron: "
                   f"{escape(sc.share_75_plus_source or 'niet opgegeven')}).</p>")
    # ---- every other note (how the plans were applied, estimated age structures): the
    # warnings are shown above, at the forecast
    other = [n for n in result.notes if n not in result.target.warnings]
    if other:
        out.append("<h3>Kanttekeningen</h3><ul class='small'>"
                   + "".join(f"<li>{escape(n)}</li>" for n in other) + "</ul>")
    return "".join(out)


def _forecast_table(result: ScenarioResult) -> str:
    check = result.forecast_check
    rows = []
    for r in check.to_dict("records"):
        rows.append([
            escape(f"{r['naam']} ({r['gebied']})"), escape(r["klasse"]),
            "–" if _nan(r["nu"]) else nl_int(r["nu"]), nl_int(r["plannen"]), nl_int(r["bestaand"]),
            nl_int(r["prognose"]), ("+" if r["groei_bestaand"] >= 0 else "−") + nl_int(abs(r["groei_bestaand"])),
            nl_number(r["factor_bestaand"], 3), nl_int(r["som_buurten"]),
        ])
    head = ["Gebied", "Klasse", f"Nu ({result.labels[0]})", "Plannen", "Bestaand",
            f"Prognose {result.labels[1]}", "Groei bestaand", "Factor", "Som buurten"]
    return _table(head, rows, num=(2, 3, 4, 5, 6, 7, 8)) + (
        "<p class='small'>Plannen: de nieuwe bewoners van de plannen. Bestaand: de bewoners van de "
        "bestaande woningen (na sloop). Groei bestaand: wat de prognose daarna nog over de bestaande "
        "woningen verdeelt; factor: bestaand × factor in het doeljaar. Som buurten: de som over de buurten "
        "van het gebied in het doeljaar (gelijk aan de prognose).</p>")


def _wijk_table(result: ScenarioResult) -> str:
    now, then = result.now, result.then
    if now.scores.wijk is None or now.area.wijken is None:
        return ""
    lab0, lab1 = result.labels
    g = result.growth
    wijk_of = now.area.buurten["wijkcode"]
    per = g.groupby(wijk_of.reindex(g.index).to_numpy()).sum(min_count=1)
    ch = result.barcode_changes
    rows = []
    for code in now.scores.wijk.codes:
        sub = ch[(ch["niveau"] == "wijk") & (ch["code"] == code)]["richting"]
        p = per.loc[code] if code in per.index else pd.Series(dtype=float)
        members = (wijk_of.reindex(g.index) == code).to_numpy()
        m0, m1 = _play_and_meet(g, lab0, members), _play_and_meet(g, lab1, members)
        rows.append([
            escape(now.scores.wijk.names.get(code, code)),
            escape(_arrow(p.get(f"inwoners_{lab0}", math.nan), p.get(f"inwoners_{lab1}", math.nan))),
            escape(_arrow(p.get(f"ouderen_{lab0}", math.nan), p.get(f"ouderen_{lab1}", math.nan))),
            escape(_arrow(m0["per_speelplek"], m1["per_speelplek"])),
            escape(_arrow(m0["ontmoeting_pct"], m1["ontmoeting_pct"])),
            escape(_arrow(float(now.scores.wijk.overall.get(code, math.nan)),
                          float(then.scores.wijk.overall.get(code, math.nan)), 2)),
            nl_int(int((sub == "slechter").sum())), nl_int(int((sub == "beter").sum())),
        ])
    return _table(["Wijk", "Inwoners", now.elderly_label, "Kinderen per speelplek",
                   f"Ontmoeting ≤ {MEETING_MAX_M:g} m (%)", "Balansscore", "Slechter", "Beter"],
                  rows, num=(1, 2, 3, 4, 5, 6, 7)) + (
        f"<p class='small'>Ontmoeting ≤ {MEETING_MAX_M:g} m: het percentage {escape(now.elderly_label)} met "
        f"een ontmoetingsplek binnen {MEETING_MAX_M:g} m lopen (onbekend als dat voor minder dan de helft "
        "van hen bekend is). Slechter, beter: strepen van de wijkbarcode die van kleur verschieten.</p>")


def _play_and_meet(g: pd.DataFrame, lab: str, members: Any = None) -> dict[str, float]:
    """Children per playground and the older residents near a meeting place, summed over
    ``members`` (a boolean mask of the rows of ``g``; all rows by default) for moment ``lab``.

    The share of older residents with a meeting place counts only buurten where it is
    known; NaN when those hold less than half of the older residents (a wijk mostly
    outside the facility source's coverage).
    """
    sub = g if members is None else g[members]
    kids = float(sub[f"kinderen_{lab}"].sum())
    play = float(sub[f"speelplekken_{lab}"].sum(min_count=1))
    known = sub[f"ouderen_met_ontmoetingsplek_pct_{lab}"].notna()
    old = float(sub.loc[known, f"ouderen_{lab}"].sum())
    near = old - float(sub.loc[known, f"ouderen_zonder_ontmoetingsplek_{lab}"].sum())
    enough = old > 0 and old >= 0.5 * float(sub[f"ouderen_{lab}"].sum())
    return {"kinderen": kids, "speelplekken": play, "per_speelplek": kids / play if play > 0 else math.nan,
            "ouderen": old, "ontmoeting": near, "ontmoeting_pct": 100.0 * near / old if enough else math.nan}


def _city_table(result: ScenarioResult) -> str:
    lab0, lab1 = result.labels
    g = result.growth
    elderly = result.now.elderly_label
    m0, m1 = _play_and_meet(g, lab0), _play_and_meet(g, lab1)
    rows: list[list[Any]] = [
        ["kinderen 0–14 jaar", _arrow(m0["kinderen"], m1["kinderen"])],
        ["speelplekken", _arrow(m0["speelplekken"], m1["speelplekken"])],
        ["kinderen per speelplek", _arrow(m0["per_speelplek"], m1["per_speelplek"])],
        [f"kinderen verder dan {PLAY_MAX_M:g} m van een speelplek",
         _arrow(g[f"kinderen_zonder_speelplek_{lab0}"].sum(), g[f"kinderen_zonder_speelplek_{lab1}"].sum())],
        [f"{elderly} met een ontmoetingsplek binnen {MEETING_MAX_M:g} m",
         f"{_arrow(m0['ontmoeting'], m1['ontmoeting'])} ({_arrow(m0['ontmoeting_pct'], m1['ontmoeting_pct'])} %)"],
        ["inwoners zonder alle dagelijkse voorzieningen binnen 10 min lopen",
         _arrow(g[f"inwoners_zonder_voorzieningen_{lab0}"].sum(), g[f"inwoners_zonder_voorzieningen_{lab1}"].sum())],
    ]
    return _table(["Indicator", f"{lab0} → {lab1}"], [[escape(a), escape(b)] for a, b in rows], num=(1,))


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
