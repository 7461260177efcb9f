"""'let op' lines grouped by cause (afweging/_caveats.py), on the 23 caveats a run on
Utrecht gives (copied from ``afweging run --area ../shared/data/utrecht/area.toml``), and
counts that always match the names listed."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from afweging._caveats import group_caveats
from afweging._format import nl_names

REPO = Path(__file__).resolve().parents[1]

UTRECHT = [
    "utrecht_osm_features_points.gpkg: geen voorzieningen gevonden voor categorie(ën) Apotheek; die gelden als 'geen gegevens', niet als 0 m afstand.",
    'utrecht_osm_features_points.gpkg: 11 buurt(en) met inwoners hebben geen woningen in de bron (51015 inwoners tellen daardoor niet mee in de bereikbaarheid): BU03441011, BU03441012, BU03441013, BU03441014, BU03441021, BU03441022, BU03441023, BU03441024, BU03441031, BU03441032',
    "groen: 'Utrecht' heeft geen groenvlakken (geen groenvlakken in het manifest (alleen parken als punten, indien aanwezig)); het aandeel woningen bij groen is een proxy uit parkpunten (300 m + 39.9 m) en de m²-indicatoren zijn 'geen gegevens'.",
    "hitte: 'Utrecht' heeft geen hittekaart (PET) (geen raster in het manifest); alleen de proxy-index heat_proxy_index is beschikbaar (geen gemeten hitte).",
    "geluid: 'Utrecht' heeft geen geluidskaart (Lden) (geen raster in het manifest); de geluidsindicatoren zijn 'geen gegevens'.",
    "voorzieningen: Geen enkele voorziening van categorie Apotheek in het hele gebied; waarschijnlijk ontbreekt die in de bron. Die categorie is 'geen gegevens' (leeg), niet 0.",
    "voorzieningen: 11 buurt(en) met inwoners (CBS) maar zonder één woningpunt in het bronbestand van woningen en voorzieningen liggen buiten de dekking van dat bestand; hun voorzieningen zijn 'geen gegevens' (leeg), niet 0: Haarrijn, Haarzuilens en omgeving, Vleuten, Máximapark, Vleuterweide-West, Vleuterweide-Noord/Oost/Centrum, Vleuterweide-Zuid, Veldhuizen, De Meern-Noord, De Meern-Zuid, Bedrijvengebied Oudenrijn.",
    "Categorie 'Apotheek' (apotheek) heeft geen voorzieningen in Utrecht: de reistijden zijn leeg (geen gegevens) en de categorie telt niet mee in de 10-minutenvolledigheid.",
    '59.851 van 64.669 woningen (88 % van de inwoners) liggen verder dan 250 m van de dichtstbijzijnde straat van het loopnetwerk: voor hen is de reistijd lopen hemelsbrede afstand × omrijfactor 1,52 (een benadering).',
    'Bij 19.716 van de 57.816 combinaties van woning en categorie aan het loopnetwerk (4.108 woningen) ligt de dichtstbijzijnde voorziening verder dan 250 m van een straat van het netwerk: voor die combinaties is de reistijd lopen hemelsbrede afstand × omrijfactor 1,52 (een benadering), korter dan de route naar een voorziening aan het netwerk. Per categorie het aantal woningen en hoeveel voorzieningen verder dan 250 m van een straat liggen: supermarkt 3.055 woningen, 76 van 82 voorzieningen; huisarts 3.043 woningen, 46 van 48 voorzieningen; kinderopvang 2.619 woningen, 45 van 51 voorzieningen; basisschool 1.870 woningen, 167 van 189 voorzieningen; ontmoetingsplek 1.821 woningen, 55 van 61 voorzieningen; zorg 1.523 woningen, 93 van 110 voorzieningen; cultuur 1.329 woningen, 44 van 46 voorzieningen; dagelijkse boodschappen 1.219 woningen, 176 van 197 voorzieningen; speelplek 1.188 woningen, 539 van 624 voorzieningen; sport 942 woningen, 714 van 868 voorzieningen; openbaar vervoer 690 woningen, 1.280 van 1.476 voorzieningen; park / groen 417 woningen, 105 van 124 voorzieningen. Controleer of die voorzieningen op de goede plek liggen, of gebruik een stratennetwerk dat het hele gebied met een rand eromheen dekt.',
    '63.443 van 64.669 woningen (93 % van de inwoners) liggen verder dan 250 m van de dichtstbijzijnde straat van het fietsnetwerk: voor hen is de reistijd fietsen hemelsbrede afstand × omrijfactor 1,52 (een benadering).',
    'Vanaf 1 woning leidt over het fietsnetwerk geen route naar een speelplek of ontmoetingsplek of huisarts (of andere) (eenrichtingsverkeer of een los deel van het netwerk): voor die voorzieningen is hun reistijd fietsen hemelsbrede afstand × omrijfactor 1,52 (een benadering).',
    'Bij 2.353 van de 14.712 combinaties van woning en categorie aan het fietsnetwerk (808 woningen) ligt de dichtstbijzijnde voorziening verder dan 250 m van een straat van het netwerk: voor die combinaties is de reistijd fietsen hemelsbrede afstand × omrijfactor 1,52 (een benadering), korter dan de route naar een voorziening aan het netwerk. Per categorie het aantal woningen en hoeveel voorzieningen verder dan 250 m van een straat liggen: kinderopvang 778 woningen, 49 van 51 voorzieningen; cultuur 545 woningen, 45 van 46 voorzieningen; basisschool 228 woningen, 177 van 189 voorzieningen; openbaar vervoer 200 woningen, 1.367 van 1.476 voorzieningen; sport 155 woningen, 783 van 868 voorzieningen; speelplek 151 woningen, 565 van 624 voorzieningen; park / groen 114 woningen, 116 van 124 voorzieningen; zorg 94 woningen, 99 van 110 voorzieningen; huisarts 69 woningen, 46 van 48 voorzieningen; dagelijkse boodschappen 10 woningen, 181 van 197 voorzieningen; ontmoetingsplek 7 woningen, 57 van 61 voorzieningen; supermarkt 2 woningen, 76 van 82 voorzieningen. Controleer of die voorzieningen op de goede plek liggen, of gebruik een stratennetwerk dat het hele gebied met een rand eromheen dekt.',
    'prioritise: Meergezinswoningen (cbs:p_mgezw) is onbekend voor 2 buurt(en) met inwoners (Bedrijventerrein De Wetering, Bedrijvengebied Papendorp); daar is de mediaan van de buurten gebruikt (niet 0), en de reden zegt dat.',
    'prioritise: Corporatiebezit (cbs:p_wcorpw) is onbekend voor 2 buurt(en) met inwoners (Bedrijventerrein De Wetering, Bedrijvengebied Papendorp); daar is de mediaan van de buurten gebruikt (niet 0), en de reden zegt dat.',
    'prioritise: Openbaar groen (layer:green_pct_homes_within_300m_of_05ha) is onbekend voor 11 buurt(en) met inwoners (Haarrijn, Haarzuilens en omgeving, Vleuten, Máximapark, Vleuterweide-West, Vleuterweide-Noord/Oost/Centrum, Vleuterweide-Zuid, Veldhuizen); daar is de mediaan van de buurten gebruikt (niet 0), en de reden zegt dat.',
    'prioritise: Eenpersoonshuishoudens (cbs:a_1p_hh/a_hh) is onbekend voor 1 buurt(en) met inwoners (Bedrijventerrein De Wetering); daar is de mediaan van de buurten gebruikt (niet 0), en de reden zegt dat.',
    'prioritise: Gemiddelde WOZ-waarde (cbs:g_wozbag) is onbekend voor 3 buurt(en) met inwoners (Galgenwaard en omgeving, Bedrijventerrein De Wetering, Bedrijvengebied Papendorp); daar is de mediaan van de buurten gebruikt (niet 0), alleen in de buurttypering.',
    'prioritise: Bevolkingsdichtheid (cbs:bev_dich) is onbekend voor 1 buurt(en) met inwoners (Bedrijventerrein De Wetering); daar is de mediaan van de buurten gebruikt (niet 0), alleen in de buurttypering.',
    "prioritise: Speelplekken: 11 buurt(en) liggen buiten de dekking van de voorzieningenbron (de woningen zijn daar rasterpunten of de voorzieningenlaag zegt 'geen gegevens'); ze krijgen geen rang en geen vlag: Haarrijn, Haarzuilens en omgeving, Vleuten, Máximapark, Vleuterweide-West, Vleuterweide-Noord/Oost/Centrum, Vleuterweide-Zuid, Veldhuizen, De Meern-Noord, De Meern-Zuid, Bedrijvengebied Oudenrijn.",
    "prioritise: Ontmoetingsplekken: 11 buurt(en) liggen buiten de dekking van de voorzieningenbron (de woningen zijn daar rasterpunten of de voorzieningenlaag zegt 'geen gegevens'); ze krijgen geen rang en geen vlag: Haarrijn, Haarzuilens en omgeving, Vleuten, Máximapark, Vleuterweide-West, Vleuterweide-Noord/Oost/Centrum, Vleuterweide-Zuid, Veldhuizen, De Meern-Noord, De Meern-Zuid, Bedrijvengebied Oudenrijn.",
    "prioritise: Voorzieningen: geen enkele voorziening van Apotheek in het gebied; dat is 'geen gegevens', niet 'overal ontbrekend': die categorie telt niet mee.",
    "prioritise: Voorzieningen: 11 buurt(en) liggen buiten de dekking van de voorzieningenbron (de woningen zijn daar rasterpunten of de voorzieningenlaag zegt 'geen gegevens'); ze krijgen geen rang en geen vlag: Haarrijn, Haarzuilens en omgeving, Vleuten, Máximapark, Vleuterweide-West, Vleuterweide-Noord/Oost/Centrum, Vleuterweide-Zuid, Veldhuizen, De Meern-Noord, De Meern-Zuid, Bedrijvengebied Oudenrijn.",
]


def test_utrecht_caveats_give_one_line_per_cause() -> None:
    groups = group_caveats(UTRECHT)
    # the two caveats on network homes estimated to a facility off the network (one per
    # mode) are a cause of their own, after the homes beyond the snap distance
    assert [len(g.details) for g in groups] == [4, 5, 1, 1, 1, 3, 2, 6]
    assert sum(len(g.details) for g in groups) == len(UTRECHT) == 23
    lines = [g.line for g in groups]
    assert lines[0].startswith("geen enkele voorziening van de categorie Apotheek in de bron")
    assert lines[1].startswith("11 buurt(en) met inwoners hebben geen woningen in de bron")
    assert lines[2:5] == UTRECHT[2:5]  # green, heat, noise: each a cause of its own
    assert lines[5].endswith("lopen 88 %, fietsen 93 % van de inwoners (3 meldingen)")
    assert lines[6] == (
        "reistijden van woningen aan het netwerk naar een voorziening verder dan 250 m van een straat zijn "
        "hemelsbrede afstand × omrijfactor: lopen 19.716 combinaties van woning en categorie (4.108 woningen), "
        "fietsen 2.353 (808 woningen); controleer de ligging van die voorzieningen of de dekking van het "
        "stratennetwerk (2 meldingen)"
    )
    assert lines[7].endswith("Meergezinswoningen (2), Corporatiebezit (2), Openbaar groen (11), "
                             "Eenpersoonshuishoudens (1), Gemiddelde WOZ-waarde (3), Bevolkingsdichtheid (1)")
    assert all("\n" not in line for line in lines)


def test_stand_in_grid_points_are_not_buurten_without_data() -> None:
    msg = ("homes: 3 buurt(en) met inwoners hebben geen woningen in de bron; hun 120 inwoners zijn "
           "benaderd met 40 rasterpunten (elke 100 m) in de buurt: a, b, c")
    assert [g.line for g in group_caveats([msg])] == [msg]


def test_names_and_their_count_agree() -> None:
    assert nl_names([f"b{i}" for i in range(11)]) == "b0, b1, b2, b3, b4, b5, b6, b7, b8, b9 en 1 meer"
    assert nl_names(["a", "b"], 2) == "a, b"
    assert nl_names([], 3) == ""
    # no message cuts a list of names without saying how many are left out
    cut = re.compile(r"', '\.join\([^)]*\[:\d+\]\)")
    found = [f"{p.relative_to(REPO)}: {line.strip()}" for p in (REPO / "afweging").rglob("*.py")
             for line in p.read_text(encoding="utf-8").splitlines() if cut.search(line)]
    assert found == []


def test_cli_prints_grouped_lines_and_where_the_details_are(monkeypatch, tmp_path) -> None:
    import warnings

    import afweging.cli as cli

    def job(out):
        for m in UTRECHT:
            warnings.warn(m, UserWarning, stacklevel=1)
        return SimpleNamespace(summary=["klaar"], files=[tmp_path / "o" / "rapport.html"])

    @cli.main.command("proef")
    def proef() -> None:
        cli._execute(job, tmp_path / "o", kind="proef")

    try:
        res = CliRunner().invoke(cli.main, ["proef"])
    finally:
        cli.main.commands.pop("proef")
    assert res.exit_code == 0, res.output
    lines = [line for line in res.output.splitlines() if "let op:" in line]
    assert len(lines) == 8
    assert "(alle 23 meldingen staan in rapport.html, onder 'Kanttekeningen bij de gegevens')" in res.output


def test_off_network_group_counts_agree_in_number_with_their_unit() -> None:
    # one mode with 1 pair, the other with several: the unit is said in the singular after
    # the first count, so a later plural count needs its own ('fietsen 5' read as '5 combinatie')
    def msg(mode: str, pairs: str, homes: str) -> str:
        total = "1 combinatie" if pairs == "1" and mode == "loop" else "de 900 combinaties"
        return (f"Bij {pairs} van {total} van woning en categorie aan het {mode}netwerk ({homes} "
                f"{'woning' if homes == '1' else 'woningen'}) ligt de dichtstbijzijnde voorziening verder "
                f"dan 250 m van een straat van het netwerk: ...")

    [group] = group_caveats([msg("loop", "1", "1"), msg("fiets", "5", "3")])
    assert ("omrijfactor: lopen 1 combinatie van woning en categorie (1 woning), fietsen 5 combinaties "
            "(3 woningen); controleer") in group.line
    [group] = group_caveats([msg("fiets", "5", "3"), msg("loop", "1", "1")])
    assert ("omrijfactor: fietsen 5 combinaties van woning en categorie (3 woningen), lopen 1 combinatie "
            "(1 woning); controleer") in group.line
    [group] = group_caveats([msg("fiets", "5", "3"), msg("loop", "7", "1")])  # as before: no repeat
    assert "(3 woningen), lopen 7 (1 woning); controleer" in group.line
