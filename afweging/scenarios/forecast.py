"""Reading a population forecast (CSV) and matching it to the buurten of an Area.

Format (``docs/scenario_format.md``)::

    gebied,inwoners,65+
    GM0344,470000,61000

* ``gebied`` (required): the code of the area the row is for: the gemeentecode (or
  ``stad``) for a city-wide forecast, wijkcodes for one per wijk, buurtcodes for one
  per buurt. All rows are of one level.
* ``inwoners``: all ages. Optional when the age bands cover every age.
* age bands: ``0-11``, ``12-17``, ``18-64``, ``65-74``, ``75+``, the CBS bands ``0-14``,
  ``15-24``, ``25-44``, ``45-64``, ``65+`` (or ``a_00_14`` ... ``a_65_oo``), or unions
  of them that do not overlap (``0-17``, ``18-64``, ``65+``).
* ``jaar`` (optional): with it, only the rows of the scenario's target year are used.
* ``naam``, ``bron`` (optional): text, ignored.

Fields are separated by ``,`` or ``;`` (Dutch spreadsheets). Numbers are counts of
persons: ``470000``, ``470000.0``; in a ``;``-separated file also ``470.000`` and
``1,5``.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from afweging._errors import ForecastError
from afweging._format import nl_int
from afweging.geo.area import Area
from afweging.scenarios.population import TOTAL, parse_band

#: Columns of a forecast besides the age bands.
CODE, YEAR = "gebied", "jaar"
TEXT_COLUMNS = ("naam", "bron")

#: The columns of a forecast, with their meaning in Dutch (``docs/invoer.md``).
FORECAST_COLUMNS: dict[str, str] = {
    CODE: "verplicht: de gemeentecode (of `stad`) voor de hele stad, wijkcodes of buurtcodes",
    TOTAL: "inwoners, alle leeftijden; mag weg als de leeftijdsklassen alle leeftijden dekken",
    "0-11, 12-17, 18-64, 65-74, 75+": "leeftijdsklassen van jeugd- en ouderenbeleid (65-74 en 75+ alleen met "
    "`aandeel_75_plus` in het scenario)",
    "0-14, 15-24, 25-44, 45-64, 65+": "de CBS-klassen (ook als a_00_14 ... a_65_oo), of samenvoegingen die niet "
    "overlappen (0-17, 65+)",
    YEAR: "optioneel: alleen de regels van het doeljaar tellen",
    "naam, bron": "optioneel, tekst; wordt niet gebruikt",
}

#: Names of the levels, in Dutch.
LEVELS = ("stad", "wijk", "buurt")

#: How a report names a forecast of each level ("prognose voor de hele stad").
LEVEL_PHRASES: dict[str, str] = {"stad": "voor de hele stad", "wijk": "per wijk", "buurt": "per buurt"}

_INT = re.compile(r"^\d+$")
_NL_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_NL_DECIMAL = re.compile(r"^\d+,\d+$")


@dataclass
class Forecast:
    """A population forecast for the target year.

    Attributes
    ----------
    table : DataFrame
        Index = area code (``gebied``); column ``inwoners`` (if given) and one column
        per age band, labelled like ``0-11`` / ``65+`` (CBS column names are converted).
    source : str
        The file (or a description).
    citation : str
        Where the numbers come from (the scenario's ``bron``).
    """

    table: pd.DataFrame
    source: str
    citation: str = ""

    @property
    def bands(self) -> list[str]:
        """The age-band columns."""
        return [c for c in self.table.columns if c != TOTAL]


def read_forecast(path: str | Path, *, year: int, citation: str = "") -> Forecast:
    """Read a forecast CSV (see the module doc); rows of other years are left out.

    Raises
    ------
    ForecastError
        A missing or unreadable file, unknown or duplicate columns, a bad number, no row
        for ``year`` or a code that appears twice; all problems of the file at once.
    """
    path = Path(path)
    if not path.is_file():
        raise ForecastError(f"Prognosebestand {path} bestaat niet. Controleer [prognose] bestand "
                            f"in het scenario (een pad ten opzichte van het scenariobestand).")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ForecastError(
            f"{path}: regel {line} is geen UTF-8; het bestand is waarschijnlijk opgeslagen als "
            f"Windows-1252/ANSI. Sla het op als UTF-8 (CSV UTF-8 in Excel)."
        ) from exc
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ForecastError(f"{path}: het prognosebestand is leeg. Eerste regel: gebied,inwoners,65+ ...")
    sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    return forecast_from_frame(frame, year=year, source=str(path), citation=citation, sep=sep)


def forecast_from_frame(frame: pd.DataFrame, *, year: int, source: str = "prognose", citation: str = "",
                        sep: str = ",") -> Forecast:
    """A forecast from a table in the CSV's layout (text or numbers); see :func:`read_forecast`."""
    problems: list[str] = []
    columns = list(frame.columns)
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise ForecastError(f"{source}: kolom(men) {', '.join(dup)} komen dubbel voor. Geef elke kolom één keer.")
    if CODE not in columns:
        hint = difflib.get_close_matches(CODE, [c.lower() for c in columns], n=1)
        raise ForecastError(
            f"{source}: kolom '{CODE}' ontbreekt (de code van het gebied: gemeentecode, wijkcodes of "
            f"buurtcodes){'; bedoelt u ' + repr(hint[0]) + '?' if hint else ''}. Kolommen nu: "
            f"{', '.join(columns)}."
        )
    known = {CODE, YEAR, TOTAL, *TEXT_COLUMNS}
    labels: dict[str, str] = {}
    for c in columns:
        if c in known:
            continue
        try:
            labels[c] = parse_band(c).label
        except ForecastError:
            hint = difflib.get_close_matches(c.lower(), sorted(known), n=1)
            problems.append(
                f"kolom {c!r} is geen bekende kolom"
                + (f"; bedoelt u '{hint[0]}'?" if hint else "")
                + f" Bekend: {CODE}, {TOTAL}, {YEAR}, naam, bron en leeftijdsklassen zoals 0-11, "
                f"12-17, 18-64, 65-74, 75+ of 0-14, 15-24, 25-44, 45-64, 65+."
            )
    same = {lab: [c for c in labels if labels[c] == lab] for lab in set(labels.values())}
    for lab, cols in sorted(same.items()):
        if len(cols) > 1:
            problems.append(f"de kolommen {', '.join(cols)} zijn dezelfde leeftijdsklasse ({lab}); geef er één.")
    if TOTAL not in columns and not labels:
        problems.append(f"geen kolom '{TOTAL}' en geen leeftijdsklassen: er valt niets te verdelen.")
    if problems:
        _raise(source, problems)

    rows = frame.copy()
    rows[CODE] = rows[CODE].astype(str).str.strip()
    if YEAR in columns:
        years = [_number(v, sep) for v in rows[YEAR]]
        bad = [i for i, y in enumerate(years) if y is None or y != int(y)]
        for i in bad:
            problems.append(f"regel {i + 2}, kolom {YEAR}: {rows[YEAR].iloc[i]!r} is geen jaartal.")
        if problems:
            _raise(source, problems)
        year_of = [int(y) for y in years if y is not None]  # all of them: checked above
        keep = np.array([y == year for y in year_of], dtype=np.bool_)
        if not keep.any():
            present = sorted(set(year_of))
            raise ForecastError(
                f"{source}: geen regels voor het doeljaar {year} (kolom {YEAR} heeft "
                f"{', '.join(str(y) for y in present) or 'geen jaren'}). Kies een doeljaar dat in de "
                f"prognose staat, of voeg de regels van {year} toe."
            )
        line_no = np.flatnonzero(keep) + 2
        rows = rows[keep]
    else:
        line_no = np.arange(len(rows)) + 2
    empty = [int(n) for n, c in zip(line_no, rows[CODE], strict=True) if not c]
    for line in empty:
        problems.append(f"regel {line}: kolom {CODE} is leeg; geef de code van het gebied.")
    codes = rows[CODE].tolist()
    for c in sorted({c for c in codes if c and codes.count(c) > 1}):
        problems.append(f"gebied {c} staat meer dan eens in de prognose"
                        + (f" voor {year}" if YEAR in columns else "") + "; geef één regel per gebied.")
    values: dict[str, list[float]] = {}
    for col in [c for c in columns if c == TOTAL or c in labels]:
        out = []
        for n, v in zip(line_no, rows[col], strict=True):
            x = _number(v, sep)
            if x is None:
                problems.append(
                    f"regel {n}, kolom {col}: {str(v)!r} is geen aantal personen"
                    + (" (leeg: vul een getal in of laat de kolom weg)" if str(v).strip() == "" else "")
                    + ". Schrijf een getal zonder eenheid, bijv. 470000."
                )
                x = float("nan")
            elif x < 0:
                problems.append(f"regel {n}, kolom {col}: {nl_int(x)} is negatief; een aantal personen is ≥ 0.")
            out.append(x)
        values[TOTAL if col == TOTAL else labels[col]] = out
    if problems:
        _raise(source, problems)
    table = pd.DataFrame(values, index=pd.Index(codes, name=CODE)).astype(float)
    ordered = [c for c in (TOTAL,) if c in table.columns] + sorted(
        (c for c in table.columns if c != TOTAL), key=lambda lab: parse_band(lab))
    return Forecast(table=table[ordered], source=source, citation=citation)


def _number(value: object, sep: str) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if np.isfinite(value) else None
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if sep == ";" and _NL_THOUSANDS.match(text):
        return float(text.replace(".", ""))
    if sep == ";" and _NL_DECIMAL.match(text):
        return float(text.replace(",", "."))
    if _INT.match(text):
        return float(text)
    try:
        x = float(text)
    except ValueError:
        return None
    return x if np.isfinite(x) else None


def _raise(source: str, problems: list[str]) -> None:
    if len(problems) == 1:
        raise ForecastError(f"{source}: {problems[0]}")
    listing = "\n".join(f"  - {p}" for p in problems)
    raise ForecastError(f"{source}: de prognose klopt niet ({len(problems)} problemen):\n{listing}")


def match_areas(forecast: Forecast, area: Area) -> tuple[str, pd.Series, dict[str, str]]:
    """The level of the forecast and, per buurt, the forecast area it belongs to.

    Returns
    -------
    level : {"stad", "wijk", "buurt"}
    area_of : Series
        Per buurtcode the forecast area's code (NaN where the forecast has none).
    names : dict
        Forecast area code -> Dutch name.

    Raises
    ------
    ForecastError
        Codes that are no buurt, wijk or the city of the Area (with suggestions), or a
        mix of levels.
    """
    buurten = area.buurten
    codes = [str(c) for c in forecast.table.index]
    city = {s.lower() for s in ("stad", "gemeente", area.name, area.gemeentecode or "") if s}
    wijk_codes = set(buurten["wijkcode"].dropna().astype(str))
    wijk_names: dict[str, str] = {}
    if area.wijken is not None:
        wijk_codes |= set(area.wijken.index.astype(str))
        wijk_names = {str(k): str(v) for k, v in area.wijken["wijknaam"].items()}
    buurt_names = {str(k): str(v) for k, v in buurten["buurtnaam"].items()}
    level_of: dict[str, str] = {}
    problems: list[str] = []
    for c in codes:
        if c.lower() in city:
            level_of[c] = "stad"
        elif c in wijk_codes:
            level_of[c] = "wijk"
        elif c in buurt_names:
            level_of[c] = "buurt"
        else:
            problems.append(_unknown_code(c, area, wijk_names, buurt_names))
    if problems:
        _raise(forecast.source, problems)
    levels = sorted(set(level_of.values()), key=LEVELS.index)
    if len(levels) > 1:
        example = {lv: next(c for c in codes if level_of[c] == lv) for lv in levels}
        raise ForecastError(
            f"{forecast.source}: de prognose mengt niveaus ({', '.join(f'{lv}: {example[lv]}' for lv in levels)}). "
            f"Geef de prognose voor de hele stad, per wijk of per buurt, niet door elkaar."
        )
    level = levels[0]
    if level == "stad" and len(codes) > 1:
        raise ForecastError(f"{forecast.source}: de prognose heeft {len(codes)} regels voor de hele stad; geef er één.")
    if level == "stad":
        area_of = pd.Series(codes[0], index=buurten.index, dtype=object)
        names = {codes[0]: area.name}
    elif level == "wijk":
        wk = buurten["wijkcode"].astype(object)
        area_of = wk.where(wk.astype(str).isin(codes))
        names = {c: wijk_names.get(c, c) for c in codes}
    else:
        area_of = pd.Series(buurten.index.to_numpy(), index=buurten.index, dtype=object)
        area_of = area_of.where(area_of.isin(codes))
        names = {c: buurt_names[c] for c in codes}
    return level, area_of, names


def _unknown_code(code: str, area: Area, wijk_names: dict[str, str], buurt_names: dict[str, str]) -> str:
    pool = {**{k: f"{k} ({v})" for k, v in wijk_names.items()},
            **{k: f"{k} ({v})" for k, v in buurt_names.items()}}
    by_name = {v.lower(): k for k, v in {**wijk_names, **buurt_names}.items()}
    hint = difflib.get_close_matches(code, list(pool), n=2)
    hint += [by_name[n] for n in difflib.get_close_matches(code.lower(), list(by_name), n=2)]
    hint = list(dict.fromkeys(hint))
    city = area.gemeentecode or "stad"
    return (
        f"gebied {code!r} is geen buurt, wijk of de gemeente van {area.name!r}"
        + (f"; bedoelt u {' of '.join(pool[h] for h in hint[:2])}?" if hint else "")
        + f" Gebruik {city} (hele stad), wijkcodes of buurtcodes; controleer ook --area."
    )
