"""Data caveats grouped by cause, for the CLI's ``let op:`` lines.

One cause is often reported by several steps: a category without any facility by the
loader, the facilities layer, the reachability and the priorities; buurten outside the
coverage of the homes file by the loader, the layers and each priority question. The
planner gets one line per cause (with the number of messages behind it); every message
itself stays in the report (``rapport.html`` / ``plan_check.html``, "Kanttekeningen bij
de gegevens").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from afweging._format import nl_names


@dataclass
class CaveatGroup:
    """One cause: the line the planner reads and the messages behind it."""

    line: str
    details: list[str] = field(default_factory=list)


_MISSING_CATEGORY = (
    re.compile(r"geen voorzieningen gevonden voor categorie\(ën\) (?P<cat>[^;]+);"),
    re.compile(r"Geen enkele voorziening van categorie (?P<cat>.+?) in het hele gebied"),
    re.compile(r"Categorie '(?P<cat>[^']+)' \([^)]*\) heeft geen voorzieningen"),
    re.compile(r"geen enkele voorziening van (?P<cat>.+?) in het gebied"),
)
_NO_HOMES = re.compile(
    r"(?P<n>\d+) buurt\(en\) (?:met inwoners )?(?:\(CBS\) )?(?:hebben geen woningen|maar zonder één "
    r"woningpunt|liggen buiten de dekking)"
)
_MEDIAN = re.compile(r"(?P<label>[^:]+) \((?:cbs|layer):[^)]*\) is onbekend voor (?P<n>\d+) buurt\(en\)")
_FALLBACK = re.compile(
    r"\((?P<pct>\d+(?:,\d+)?) % van de inwoners\) liggen verder dan .* van het (?P<mode>loop|fiets)netwerk"
)
_NO_ROUTE = re.compile(r"over het (?:loop|fiets)netwerk geen route")
_OFF_NETWORK = re.compile(
    r"Bij (?P<pairs>[\d.]+) van (?:de [\d.]+ combinaties|1 combinatie) van woning en categorie aan het "
    r"(?P<mode>loop|fiets)netwerk "
    r"\((?P<homes>[\d.]+) woning(?:en)?\) ligt de dichtstbijzijnde voorziening verder dan (?P<m>\d+(?:,\d+)?) m van een straat"
)


def _cause(message: str) -> tuple[str, dict[str, str]] | None:
    for pattern in _MISSING_CATEGORY:
        m = pattern.search(message)
        if m:
            return "categorie", {"cat": m.group("cat").strip()}
    m = _MEDIAN.search(message)
    if m:
        label = m.group("label").split(": ", 1)[-1].strip()
        return "mediaan", {"label": label, "n": m.group("n")}
    m = _NO_HOMES.search(message)
    if m and "benaderd met" not in message:  # stand-in grid points are another cause
        return "dekking", {"n": m.group("n")}
    m = _OFF_NETWORK.search(message)
    if m:
        return f"buiten netwerk:{m.group('m')}", {k: m.group(k) for k in ("mode", "pairs", "homes")}
    m = _FALLBACK.search(message)
    if m:
        return "hemelsbreed", {"mode": m.group("mode"), "pct": m.group("pct")}
    if _NO_ROUTE.search(message):
        return "hemelsbreed", {}
    return None


def group_caveats(messages: Iterable[str]) -> list[CaveatGroup]:
    """The caveats grouped by cause, in the order their causes first appear.

    Messages of no known cause are a group of their own (their text is the line).

    Examples
    --------
    >>> groups = group_caveats([
    ...     "x.gpkg: geen voorzieningen gevonden voor categorie(ën) Apotheek; die gelden als ...",
    ...     "voorzieningen: Geen enkele voorziening van categorie Apotheek in het hele gebied; ...",
    ...     "geluid: 'Stad' heeft geen geluidskaart",
    ... ])
    >>> [g.line for g in groups]  # doctest: +NORMALIZE_WHITESPACE
    ["geen enkele voorziening van de categorie Apotheek in de bron: die telt als 'geen gegevens'
      (niet als 0) en niet mee in de 10-minutenstad (2 meldingen)", "geluid: 'Stad' heeft geen geluidskaart"]
    """
    order: list[str] = []
    members: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for message in dict.fromkeys(str(m) for m in messages):
        found = _cause(message)
        key = found[0] if found else f"tekst:{message}"
        if key not in members:
            order.append(key)
            members[key] = []
        members[key].append((message, found[1] if found else {}))
    return [_group(key, members[key]) for key in order]


def _count(n: int) -> str:
    return f"{n} melding" if n == 1 else f"{n} meldingen"


def _group(key: str, items: list[tuple[str, dict[str, str]]]) -> CaveatGroup:
    details = [m for m, _ in items]
    if key.startswith("tekst:"):
        return CaveatGroup(details[0], details)
    if key == "categorie":
        cats = list(dict.fromkeys(i["cat"] for _, i in items))
        what = f"de categorie {cats[0]}" if len(cats) == 1 else f"de categorieën {nl_names(cats)}"
        line = (f"geen enkele voorziening van {what} in de bron: die telt als 'geen gegevens' "
                f"(niet als 0) en niet mee in de 10-minutenstad ({_count(len(items))})")
    elif key == "dekking":
        n = max(int(i["n"]) for _, i in items)
        line = (f"{n} buurt(en) met inwoners hebben geen woningen in de bron (buiten de dekking van "
                f"het bestand): hun bereikbaarheid, voorzieningen en prioriteit zijn 'geen gegevens' "
                f"({_count(len(items))})")
    elif key == "mediaan":
        per = list(dict.fromkeys(f"{i['label']} ({i['n']})" for _, i in items))
        line = (f"onbekende CBS- of laagwaarden zijn door de mediaan van de buurten vervangen (niet 0), "
                f"met het aantal buurten: {nl_names(per, 6)}")
    elif key.startswith("buiten netwerk:"):
        modes = {"loop": "lopen", "fiets": "fietsen"}
        one = items[0][1]["pairs"] == "1"
        parts = []
        for k, (_, i) in enumerate(items):
            single = i["pairs"] == "1"
            if k == 0:
                unit = f" {'combinatie' if single else 'combinaties'} van woning en categorie"
            else:  # only where it differs in number from the first ('1 combinatie ..., fietsen 5 combinaties')
                unit = "" if single == one else f" {'combinatie' if single else 'combinaties'}"
            parts.append(f"{modes[i['mode']]} {i['pairs']}{unit} "
                         f"({i['homes']} {'woning' if i['homes'] == '1' else 'woningen'})")
        line = (f"reistijden van woningen aan het netwerk naar een voorziening verder dan "
                f"{key.split(':', 1)[1]} m van een straat zijn hemelsbrede afstand × omrijfactor: "
                f"{', '.join(parts)}; controleer de ligging van die voorzieningen of de dekking van het "
                f"stratennetwerk ({_count(len(items))})")
    else:  # hemelsbreed
        modes = {"loop": "lopen", "fiets": "fietsen"}
        parts = [f"{modes[i['mode']]} {i['pct']} %" for _, i in items if "mode" in i]
        line = ("reistijden zijn deels geschat als hemelsbrede afstand × omrijfactor (geen straat of "
                "route dichtbij)" + (f": {', '.join(parts)} van de inwoners" if parts else "")
                + f" ({_count(len(items))})")
    return CaveatGroup(line, details)
