"""Demostad's layout: outline, canal, ring road, buurt profiles, green and facility plans."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, Polygon, box

#: Provenance source of every piece of the demo area.
SOURCE = "Synthetisch demogebied (afweging), geen echte gegevens"
#: Name of the demo area.
NAME = "Demostad"
#: Made-up gemeentecode (CBS has no GM9999).
GEMEENTECODE = "GM9999"

#: Lower-left corner of the town in RD New metres; the generator works in local metres
#: from this corner (town size 2800 x 1800 m, centre near RD 150 000 / 450 000).
ORIGIN_X_M = 148_600.0
ORIGIN_Y_M = 449_100.0

_TOWN_WIDTH_M = 2800.0
_TOWN_HEIGHT_M = 1800.0
_RASTER_CELL_M = 25.0
_RASTER_MARGIN_M = 100.0
_CANAL_HALF_WIDTH_M = 12.0
_CANAL_STREET_CUT_M = 22.0  # streets stop this far from the canal centre (quays at 30 m)
_QUAY_OFFSET_M = 30.0
_RING_STREET_CUT_M = 35.0  # streets stop this far from the ring road (service roads at 40 m)
_SERVICE_ROAD_OFFSET_M = 40.0
_STUB_MAX_M = 12.0  # dangling pieces shorter than this (clipping artefacts) are removed
_HOME_MIN_STREET_DISTANCE_M = 6.0
_HOME_MIN_SPACING_M = 4.0
_OAD_RADIUS_M = 1000.0

_LICENCE = "MIT (gegenereerd door afweging)"


# --------------------------------------------------------------------------- layout
def canal_x_m(y_m: np.ndarray | float) -> np.ndarray | float:
    """Local x (m from :data:`ORIGIN_X_M`) of the canal centreline at local y.

    Examples
    --------
    >>> round(float(canal_x_m(600.0)), 6)
    1100.0
    """
    return 1100.0 + 45.0 * np.sin(2.0 * np.pi * np.asarray(y_m) / 1200.0)


def ring_road_x_m(y_m: np.ndarray | float) -> np.ndarray | float:
    """Local x (m from :data:`ORIGIN_X_M`) of the ring road centreline at local y."""
    return 2100.0 + 25.0 * np.sin(np.pi * np.asarray(y_m) / _TOWN_HEIGHT_M)


def _curve(fx, y0: float, y1: float, offset: float = 0.0, step: float = 20.0) -> LineString:
    ys = np.arange(y0, y1 + step / 2, step)
    return LineString(np.column_stack([np.asarray(fx(ys)) + offset, ys]))


_OUTLINE = Polygon(
    [(0, 120), (120, 0), (2700, 0), (2800, 100), (2800, 1700), (2680, 1800), (150, 1800), (0, 1650)]
)


@dataclass(frozen=True)
class _Profile:
    """How a kind of buurt is built and who lives there."""

    paved: float  # share of paved/built surface, drives the heat raster
    p_slab: float  # share of streets lined with apartment slabs
    house_spacing_m: float
    house_offset_m: float
    slab_units_per_floor: int
    slab_floors: int
    slab_offset_m: float
    slab_gap_m: float
    hh_house: tuple[float, float, float, float]  # single, couple, family, single parent
    hh_apartment: tuple[float, float, float, float]
    adult_ages: tuple[float, float, float, float]  # 15-24, 25-44, 45-64, 65+
    children: tuple[float, float, float, float]  # 1, 2, 3, 4 children
    tenure_house: tuple[float, float, float]  # owner, corporation, private rent
    tenure_apartment: tuple[float, float, float]
    woz_house_keur: float
    woz_apartment_keur: float


_PROFILES: dict[str, _Profile] = {
    "centrum": _Profile(0.85, 0.35, 7.0, 10.0, 4, 3, 12.0, 25.0,
                        (0.38, 0.34, 0.21, 0.07), (0.62, 0.27, 0.07, 0.04),
                        (0.24, 0.42, 0.20, 0.14), (0.55, 0.35, 0.08, 0.02),
                        (0.70, 0.10, 0.20), (0.35, 0.25, 0.40), 540.0, 330.0),
    "haven": _Profile(0.75, 0.60, 7.0, 10.0, 5, 4, 16.0, 40.0,
                      (0.30, 0.40, 0.25, 0.05), (0.55, 0.33, 0.08, 0.04),
                      (0.18, 0.46, 0.22, 0.14), (0.55, 0.35, 0.08, 0.02),
                      (0.65, 0.15, 0.20), (0.45, 0.20, 0.35), 480.0, 340.0),
    "flats": _Profile(0.45, 0.90, 7.0, 10.0, 8, 4, 24.0, 60.0,
                      (0.25, 0.25, 0.35, 0.15), (0.40, 0.15, 0.29, 0.16),
                      (0.12, 0.38, 0.28, 0.22), (0.30, 0.35, 0.22, 0.13),
                      (0.35, 0.55, 0.10), (0.10, 0.78, 0.12), 255.0, 185.0),
    "gemengd": _Profile(0.50, 0.45, 7.0, 10.0, 6, 3, 20.0, 40.0,
                        (0.25, 0.30, 0.35, 0.10), (0.45, 0.20, 0.23, 0.12),
                        (0.12, 0.38, 0.28, 0.22), (0.35, 0.38, 0.19, 0.08),
                        (0.55, 0.35, 0.10), (0.15, 0.70, 0.15), 300.0, 205.0),
    "jaren30": _Profile(0.55, 0.10, 7.5, 10.0, 4, 3, 14.0, 30.0,
                        (0.25, 0.35, 0.32, 0.08), (0.50, 0.30, 0.12, 0.08),
                        (0.10, 0.38, 0.32, 0.20), (0.40, 0.42, 0.15, 0.03),
                        (0.72, 0.18, 0.10), (0.30, 0.45, 0.25), 410.0, 265.0),
    "villa": _Profile(0.25, 0.0, 35.0, 22.0, 4, 3, 14.0, 14.0,
                      (0.12, 0.55, 0.30, 0.03), (0.40, 0.50, 0.07, 0.03),
                      (0.02, 0.18, 0.45, 0.35), (0.40, 0.45, 0.13, 0.02),
                      (0.95, 0.0, 0.05), (0.80, 0.0, 0.20), 950.0, 520.0),
    "nieuwbouw": _Profile(0.55, 0.08, 7.5, 10.0, 6, 4, 16.0, 30.0,
                          (0.10, 0.30, 0.52, 0.08), (0.45, 0.35, 0.15, 0.05),
                          (0.08, 0.62, 0.22, 0.08), (0.35, 0.45, 0.17, 0.03),
                          (0.80, 0.10, 0.10), (0.30, 0.50, 0.20), 450.0, 290.0),
    "bedrijven": _Profile(0.90, 0.0, 0.0, 0.0, 0, 0, 0.0, 0.0,
                          (1, 0, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0), (1, 0, 0, 0),
                          (1, 0, 0), (1, 0, 0), 0.0, 0.0),
}


@dataclass(frozen=True)
class _BuurtSpec:
    code: str
    name: str
    wijk: str
    profile: str
    seed_xy: tuple[float, float]  # a local point inside the buurt's cell
    grid_m: tuple[float, float]  # street spacing across x, across y
    angle_deg: float
    theme: tuple[str, ...]  # street names
    curvy: bool = False


_WIJKEN: dict[str, str] = {
    "WK999901": "Centrum",
    "WK999902": "Westwijk",
    "WK999903": "Rozendaal",
    "WK999904": "Oost",
    "WK999905": "Vaartsche Velden",
}

_BUURTEN: tuple[_BuurtSpec, ...] = (
    _BuurtSpec("BU99990101", "Binnenstad", "WK999901", "centrum", (1400, 900), (95, 110), 6.0,
               ("Kerkstraat", "Molenstraat", "Brouwersstraat", "Lange Winkelstraat", "Torenstraat",
                "Bakkerstraat", "Visstraat", "Lombardstraat", "Korenmarkt", "Hoogstraat",
                "Zadelstraat", "Achterom", "Nieuwstraat", "Waterstraat")),
    _BuurtSpec("BU99990102", "Havenkwartier", "WK999901", "haven", (1400, 300), (120, 130), -4.0,
               ("Havenstraat", "Schippersstraat", "Ankerstraat", "Zeilmakersstraat", "Loswal",
                "Pakhuisstraat", "Touwslagerij", "Werfstraat")),
    _BuurtSpec("BU99990103", "Kloosterbuurt", "WK999901", "centrum", (1400, 1500), (100, 115), 3.0,
               ("Kloosterstraat", "Abdijstraat", "Monnikensteeg", "Pastoorstraat", "Klokstraat",
                "Kapittelstraat", "Begijnenstraat", "Kruisgang")),
    _BuurtSpec("BU99990201", "Zonnehof", "WK999902", "flats", (270, 900), (180, 150), 0.0,
               ("Dageraadstraat", "Morgenster", "Avondroodstraat", "Noorderlicht", "Middaglaan",
                "Zonnewende", "Zonnehoflaan", "Schemerstraat")),
    _BuurtSpec("BU99990202", "Canadaplein", "WK999902", "gemengd", (820, 900), (150, 140), 3.0,
               ("Canadalaan", "Ottawastraat", "Torontostraat", "Montrealstraat", "Vancouverlaan",
                "Winnipegstraat", "Quebecstraat", "Bevrijdingsstraat")),
    _BuurtSpec("BU99990203", "Merelhof", "WK999902", "jaren30", (260, 1500), (120, 150), -8.0,
               ("Merelstraat", "Spreeuwstraat", "Vinkenlaan", "Roodborststraat", "Mezenstraat",
                "Zwaluwstraat", "Koekoekstraat", "Kievitstraat")),
    _BuurtSpec("BU99990204", "Lijsterbuurt", "WK999902", "jaren30", (820, 1500), (125, 150), 10.0,
               ("Lijsterstraat", "Wielewaalstraat", "Reigerlaan", "Uilenstraat", "Putterstraat",
                "Sijsjesstraat", "Lijsterbeslaan", "Nachtegaalstraat")),
    _BuurtSpec("BU99990301", "Villapark Rozendaal", "WK999903", "villa", (250, 330), (170, 190), 0.0,
               ("Rozendaalselaan", "Beukenlaan", "Eikenlaan", "Lindenlaan", "Kastanjelaan",
                "Boslaan", "Vijverlaan"), curvy=True),
    _BuurtSpec("BU99990302", "Julianapark", "WK999903", "villa", (800, 560), (190, 190), 0.0,
               ("Julianalaan", "Parkzicht", "Vijverweg", "Parkrand"), curvy=True),
    _BuurtSpec("BU99990401", "Molenbuurt", "WK999904", "jaren30", (1900, 300), (120, 140), 4.0,
               ("Korenmolen", "Wipmolenstraat", "Standerdmolen", "Molenwiek", "Maalderij",
                "Zaagmolenstraat")),
    _BuurtSpec("BU99990402", "Schildersbuurt", "WK999904", "jaren30", (1900, 800), (115, 150), -3.0,
               ("Rembrandtstraat", "Vermeerstraat", "Frans Halsstraat", "Jan Steenstraat",
                "Ruysdaelstraat", "Mesdagstraat", "Breitnerstraat", "Mondriaanstraat")),
    _BuurtSpec("BU99990403", "Bloemenbuurt", "WK999904", "jaren30", (1900, 1400), (120, 150), 12.0,
               ("Tulpstraat", "Narcisstraat", "Irisstraat", "Krokusstraat", "Lelieweg",
                "Hyacintstraat", "Anemoonstraat", "Dahliastraat")),
    _BuurtSpec("BU99990501", "De Weide", "WK999905", "nieuwbouw", (2450, 1700), (95, 120), 25.0,
               ("Boterbloemweide", "Klaverweide", "Madeliefweide", "Paardenbloemweide",
                "Pinksterbloemweide", "Dotterbloemweide", "Fluitenkruidweide", "Zuringweide")),
    _BuurtSpec("BU99990502", "Veldzicht", "WK999905", "nieuwbouw", (2450, 900), (95, 120), -20.0,
               ("Korenveld", "Tarweveld", "Haverveld", "Gersteveld", "Koolzaadveld", "Vlasveld",
                "Rogveld", "Spelderveld")),
    _BuurtSpec("BU99990503", "Bedrijventerrein De Vaart", "WK999905", "bedrijven", (2450, 350),
               (220, 200), 0.0,
               ("Ambachtsweg", "Nijverheidsweg", "Handelsweg", "Fabrieksweg", "Energieweg",
                "Transportweg")),
)

#: Public green: name, kind, centre x, centre y, width, height (local metres).
_GREEN: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("Rozendaalse Bos", "park", 250, 330, 200, 130),
    ("Zonnehofpark", "park", 300, 1060, 160, 100),
    ("Plantsoen Dageraad", "plantsoen", 110, 720, 50, 40),
    ("Plantsoen Noorderlicht", "plantsoen", 440, 780, 45, 40),
    ("Canadaplein", "plantsoen", 820, 1010, 80, 60),
    ("Merelplantsoen", "plantsoen", 260, 1500, 70, 50),
    ("Vogelpark", "park", 820, 1500, 120, 100),
    ("Kloostertuin", "park", 1400, 1520, 70, 55),
    ("Havenplantsoen", "plantsoen", 1450, 300, 30, 20),
    ("Molenplantsoen", "plantsoen", 1900, 300, 50, 40),
    ("Schildersplantsoen", "plantsoen", 1880, 1050, 60, 45),
    ("Bloemenhof", "park", 1880, 1400, 90, 70),
    ("Weidepark", "park", 2450, 1420, 140, 90),
    ("Plantsoen Klaverweide", "plantsoen", 2300, 1700, 40, 30),
    ("Plantsoen Zuringweide", "plantsoen", 2650, 1680, 40, 30),
    ("Sportpark Veldzicht", "sportpark", 2560, 1120, 260, 160),
    ("Plantsoen Korenveld", "plantsoen", 2300, 1200, 50, 40),
)
_JULIANAPARK = ("Julianapark", "park", box(640, 150, 960, 450))
_POND_CENTRE = (850.0, 330.0)
_POND_RADII_M = (60.0, 35.0)

#: Facility features: local x, y, name, OSM key, OSM value. Positions are moved onto land
#: inside the buurt they are meant for. Parks (leisure=park) are added from the green.
_FEATURES: tuple[tuple[float, float, str, str, str], ...] = (
    # Binnenstad: many facilities, but no playground (deliberate gap)
    (1400, 960, "Bibliotheek Demostad", "amenity", "library"),
    (1330, 1000, "Huisartsenpraktijk De Gracht", "amenity", "doctors"),
    (1550, 760, "Huisartsen Binnenstad", "healthcare", "general_practitioner"),
    (1420, 860, "Apotheek De Vaart", "amenity", "pharmacy"),
    (1300, 850, "Supermarkt Markt", "shop", "supermarket"),
    (1600, 1050, "Supermarkt Oostsingel", "shop", "supermarket"),
    (1370, 930, "Bakkerij Van Dijk", "shop", "bakery"),
    (1460, 1010, "Slagerij De Os", "shop", "butcher"),
    (1500, 900, "Schouwburg Demostad", "amenity", "theatre"),
    (1350, 1100, "Filmhuis De Vaart", "amenity", "cinema"),
    (1250, 720, "Kinderdagverblijf Het Grachtje", "amenity", "childcare"),
    (1480, 1120, "Tandartsenpraktijk Binnenstad", "amenity", "dentist"),
    (1560, 980, "Café De Gracht", "amenity", "cafe"),  # matches no category
    # Havenkwartier
    (1300, 200, "Vaartmuseum", "tourism", "museum"),
    (1500, 450, "Groenteboer De Haven", "shop", "greengrocer"),
    (1450, 110, "Speeltuin De Haven", "leisure", "playground"),
    (1600, 200, "Kinderopvang De Kade", "amenity", "kindergarten"),
    # Kloosterbuurt
    (1450, 1710, "Speelplek Kloostertuin", "leisure", "playground"),
    (1300, 1400, "Buurthuis De Klooster", "amenity", "community_centre"),
    (1560, 1440, "Zorgcentrum Kloosterhof", "amenity", "nursing_home"),
    (1250, 1600, "Sint-Jozefschool", "amenity", "school"),
    (1600, 1650, "Huisartsenpraktijk Kloosterbuurt", "amenity", "doctors"),
    # Zonnehof (flats): playgrounds and a school, but no meeting place (deliberate gap)
    (150, 850, "Speelplek Dageraad", "leisure", "playground"),
    (400, 960, "Speelplek Morgenster", "leisure", "playground"),
    (250, 1150, "Trapveldje Zonnehof", "leisure", "playground"),
    (200, 1000, "Basisschool De Zonnewijzer", "amenity", "school"),
    (380, 700, "Peuterspeelzaal Zonnestraal", "amenity", "kindergarten"),
    (450, 1100, "Buurtwinkel Zonnehof", "shop", "convenience"),
    # Canadaplein: health centre and shops, no meeting place (deliberate gap)
    (700, 850, "Gezondheidscentrum Canadaplein", "amenity", "doctors"),
    (730, 820, "Apotheek Canadaplein", "amenity", "pharmacy"),
    (900, 820, "Supermarkt Canadaplein", "shop", "supermarket"),
    (650, 1100, "Basisschool De Esdoorn", "amenity", "school"),
    (950, 1110, "Speelplek Canadaplein", "leisure", "playground"),
    (600, 700, "Speeltuin Ottawa", "leisure", "playground"),
    # Merelhof
    (300, 1650, "Speelplek Merelhof", "leisure", "playground"),
    (150, 1400, "Sportschool Merel", "leisure", "fitness_centre"),
    (420, 1350, "Bakkerij Merel", "shop", "bakery"),
    # Lijsterbuurt
    (700, 1650, "Wijkcentrum De Lijster", "amenity", "community_centre"),
    (950, 1350, "Basisschool De Lijster", "amenity", "school"),
    (650, 1400, "Fysiotherapie De Lijster", "healthcare", "physiotherapist"),
    (1000, 1700, "Speelplek Vogelpark", "leisure", "playground"),
    # Villapark Rozendaal: a tennis club, no playground and no shops (gaps)
    (120, 500, "Tennisclub Rozendaal", "leisure", "pitch"),
    # Julianapark
    (700, 250, "Speeltuin Julianapark", "leisure", "playground"),
    (600, 560, "Zwembad De Plons", "leisure", "swimming_pool"),
    # Molenbuurt
    (1900, 460, "Supermarkt Molenbuurt", "shop", "supermarket"),
    (1850, 150, "Vaartcollege", "amenity", "school"),
    (1800, 300, "Buurtkamer De Molen", "amenity", "social_centre"),
    (2000, 200, "Speelplek Molenwiek", "leisure", "playground"),
    # Schildersbuurt
    (1800, 800, "Huisartsenpraktijk Oost", "amenity", "doctors"),
    (1950, 1100, "Basisschool Het Palet", "amenity", "school"),
    (1800, 1110, "Speelplek Rembrandtplein", "leisure", "playground"),
    (1990, 700, "Bakkerij Vermeer", "shop", "bakery"),
    (1790, 660, "Atelier De Schilder", "amenity", "arts_centre"),
    # Bloemenbuurt
    (1900, 1650, "Kinderopvang Tulp", "amenity", "childcare"),
    (1800, 1300, "Speelplek Bloemenhof", "leisure", "playground"),
    (1950, 1500, "Tandarts Bloemenbuurt", "amenity", "dentist"),
    # De Weide (new-build): children's facilities, no huisarts/apotheek in the wijk (gap)
    (2300, 1460, "Speelplek Boterbloem", "leisure", "playground"),
    (2650, 1500, "Speelplek Klaverweide", "leisure", "playground"),
    (2500, 1730, "Speelplek Zuringweide", "leisure", "playground"),
    (2350, 1650, "Basisschool De Weide", "amenity", "school"),
    (2700, 1400, "Kindcentrum Klaverweide", "amenity", "school"),
    (2600, 1650, "Kinderopvang Klavertje", "amenity", "kindergarten"),
    (2720, 1430, "BSO Klaverweide", "amenity", "childcare"),
    (2550, 1340, "Ontmoetingstuin De Weide", "leisure", "common"),
    # Veldzicht (new-build) with the sportpark
    (2300, 850, "Supermarkt Veldzicht", "shop", "supermarket"),
    (2250, 1100, "MFA Veldzicht", "amenity", "community_centre"),
    (2700, 850, "Basisschool Het Korenveld", "amenity", "school"),
    (2350, 950, "Kinderopvang Korenveld", "amenity", "kindergarten"),
    (2400, 1250, "Speelplek Tarweveld", "leisure", "playground"),
    (2700, 1250, "Speelplek Haverveld", "leisure", "playground"),
    (2480, 1080, "Sportpark Veldzicht veld 1", "leisure", "pitch"),
    (2560, 1080, "Sportpark Veldzicht veld 2", "leisure", "pitch"),
    (2640, 1080, "Sportpark Veldzicht veld 3", "leisure", "pitch"),
    (2560, 1165, "Sportpark Veldzicht veld 4", "leisure", "pitch"),
    # Bedrijventerrein: sport and firms, nobody lives here
    (2400, 300, "Sporthal De Vaart", "leisure", "sports_centre"),
    (2550, 500, "Sportschool Fit", "leisure", "fitness_centre"),
    (2650, 200, "Transportbedrijf Van Vliet", "office", "company"),  # matches no category
)

#: Bus stops: the street they are on and local x (for E-W streets) or y (N-S streets).
_BUS_STOPS: tuple[tuple[str, float], ...] = (
    ("Vaartweg", 150), ("Vaartweg", 700), ("Vaartweg", 1350), ("Vaartweg", 1900),
    ("Vaartweg", 2400), ("Vaartweg", 2750), ("Westsingel", 300), ("Westsingel", 1500),
    ("Oostsingel", 300), ("Oostsingel", 1500), ("Weideweg", 2500), ("Industrieweg", 2500),
)


