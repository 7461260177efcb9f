"""The declared schema of the area manifest (``area.toml``): every section and key.

One model per section; :class:`Manifest` is the whole file. :func:`check_manifest` validates
a parsed manifest and raises one :class:`~afweging._errors.ManifestError` with every
problem in Dutch (file, section, key, rule, fix). The loader
(:mod:`afweging.data.manifest`) reads the validated document.

Adding a key: one line in the section's model (type, range, Dutch explanation, example),
then use it in the loader. Adding an ``online`` source: its name in the section's
``ONLINE``. ``docs/invoer.md`` lists every key (a test keeps it complete).
"""

from __future__ import annotations

import typing
from typing import Any, ClassVar, Literal

from pydantic import field_validator, model_validator
from pyproj import CRS
from pyproj.exceptions import CRSError

from afweging import settings
from afweging._errors import ManifestError
from afweging._schema import Table, declare, rule, unwrap, validate

_YEAR = {"ge": 1990, "le": 2100}
_PATH = declare(None, uitleg="het bestand, relatief aan de map van het manifest", voorbeeld='path = "buurten.gpkg"')
_LAYER = declare(None, uitleg="de laag in een bestand met meer lagen (GeoPackage)", voorbeeld='layer = "buurten"')
_BUFFER = declare(None, ge=0, le=10_000, uitleg="marge in meters rond de buurten bij downloaden", voorbeeld="buffer_m = 500")
_URL = declare(
    None, pattern=r"^https?://",
    uitleg="het basisadres van de dienst bij online (een spiegel, proxy of testserver); standaard het echte adres "
           "(docs/invoer.md noemt het per bron)",
    voorbeeld='url = "https://api.pdok.nl/cbs/wijken-en-buurten-2023/ogc/v1"')

#: The real service each ``online`` source downloads from when a section gives no ``url``
#: (``{year}`` is the section's year). Shown in docs/invoer.md.
DEFAULT_URLS: dict[str, str] = {
    "pdok": "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1",
    "cbs": "https://opendata.cbs.nl",
    "osm": "https://overpass-api.de/api",
    "bag": "https://api.pdok.nl/kadaster/bag/ogc/v2",
    "bgt": "https://api.pdok.nl/lv/bgt/ogc/v1",
}

#: The WCS and coverage of ``[rasters.NAME] online = "wcs"`` without `url` and `coverage`
#: (RIVM, GeoServer WCS 2.0.1; see afweging/data/rasters.py).
DEFAULT_WCS: dict[str, tuple[str, str]] = {
    "noise": ("https://data.rivm.nl/geo/alo/wcs", "alo__rivm_20220601_Geluid_lden_allebronnen_2020"),
    "uhi": ("https://data.rivm.nl/geo/ank/wcs", "ank__Stedelijk_hitte_eiland_effect_01062022_v2"),
}


class Section(Table):
    """Keys every data section has: where its data comes from and how to cite it."""

    #: ``online`` sources of this section (empty: files only).
    ONLINE: ClassVar[tuple[str, ...]] = ()

    path: str | None = _PATH
    online: str | None = declare(None, uitleg="downloaden in plaats van een bestand lezen", voorbeeld='online = "pdok"')
    crs: str | None = declare(None, uitleg="het coördinatenstelsel van een bestand zonder CRS", voorbeeld='crs = "EPSG:28992"')
    source: str | None = declare(None, uitleg="de bron, zoals die in de rapporten staat", voorbeeld='source = "CBS"')
    licence: str | None = declare(None, uitleg="de licentie van de gegevens", voorbeeld='licence = "CC BY 4.0"')
    note: str | None = declare(None, uitleg="een toelichting bij de bron", voorbeeld='note = "stand 1 januari"')
    url: str | None = _URL
    downloaded_from: str | None = declare(
        None, uitleg="waar `afweging fetch` het bestand ophaalde (het adres van de dienst)",
        voorbeeld='downloaded_from = "https://api.pdok.nl/kadaster/bag/ogc/v2"')
    downloaded_on: str | None = declare(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$", uitleg="de datum waarop `afweging fetch` het bestand ophaalde",
        voorbeeld='downloaded_on = "2026-12-02"')

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_crs(value)
        return value

    @model_validator(mode="after")
    def _path_or_online(self) -> Section:
        allowed = self.ONLINE
        if self.online is not None and self.online not in allowed:
            if allowed:
                raise rule("online", f'online = "{self.online}" wordt niet ondersteund; gebruik '
                                     + " of ".join(f'online = "{a}"' for a in allowed))
            raise rule("online", "dit onderdeel leest alleen bestanden; geef een `path`")
        if self.path is not None and self.online is not None:
            raise rule("online", "geef `path` of `online`, niet allebei")
        if self.path is None and self.online is None:
            alt = f' of online = "{allowed[0]}" (downloaden)' if allowed else ""
            raise rule("path", f"ontbreekt: geef path = \"bestand\"{alt}")
        if self.url is not None and self.online is None:
            raise rule("url", "hoort alleen bij online (het adres van de dienst); laat `url` weg bij een `path`")
        return self


class Buurten(Section):
    """``[buurten]``: the buurt polygons (required)."""

    ONLINE = ("pdok",)
    layer: str | None = _LAYER
    id: str | None = declare(None, uitleg="kolom met de buurtcode (standaard buurtcode)", voorbeeld='id = "buurtcode"')
    name: str | None = declare(None, uitleg="kolom met de buurtnaam (standaard buurtnaam)", voorbeeld='name = "buurtnaam"')
    wijk: str | None = declare(None, uitleg="kolom met de wijkcode (standaard wijkcode)", voorbeeld='wijk = "wijkcode"')
    year: int | None = declare(None, **_YEAR, uitleg="jaar van de wijk- en buurtkaart bij online = \"pdok\"", voorbeeld="year = 2023")


class Wijken(Section):
    """``[wijken]``: the wijk polygons (optional; else dissolved buurten)."""

    ONLINE = ("pdok",)
    layer: str | None = _LAYER
    id: str | None = declare(None, uitleg="kolom met de wijkcode (standaard wijkcode)", voorbeeld='id = "wijkcode"')
    name: str | None = declare(None, uitleg="kolom met de wijknaam", voorbeeld='name = "wijknaam"')
    year: int | None = declare(None, **_YEAR, uitleg="jaar van de wijk- en buurtkaart bij online = \"pdok\"", voorbeeld="year = 2023")


class Statistics(Section):
    """``[statistics]``: the CBS kerncijfers wijken en buurten, joined on the buurtcode."""

    ONLINE = ("cbs",)
    id: str | None = declare(None, uitleg="kolom met de CBS-code (standaard gwb_code_10)", voorbeeld='id = "gwb_code_10"')
    year: int | None = declare(None, **_YEAR, uitleg="het jaar van de CBS-cijfers", voorbeeld="year = 2023")
    sheet: str | int | None = declare(None, uitleg="het werkblad van een Excel-bestand (naam of nummer)", voorbeeld='sheet = "Blad1"')
    table: str | None = declare(None, pattern=r"^\d{5}[A-Z]{3}$", uitleg="de CBS-tabel bij online = \"cbs\"", voorbeeld='table = "85618NED"')


class Facilities(Section):
    """``[facilities]``: facility points (or polygons, counted at a point inside)."""

    ONLINE = ("osm",)
    layer: str | None = _LAYER
    format: Literal["osm-tags", "categories"] | None = declare(None, uitleg="hoe de soort voorziening in het bestand staat", voorbeeld='format = "osm-tags"')
    key: str | None = declare(None, uitleg="kolom met de OSM-sleutel (standaard osm_key)", voorbeeld='key = "osm_key"')
    value: str | None = declare(None, uitleg="kolom met de OSM-waarde (standaard osm_value)", voorbeeld='value = "osm_value"')
    tags: str | None = declare(None, uitleg="eigen tagtabel (TOML), relatief aan het manifest", voorbeeld='tags = "mijn_tags.toml"')
    category: str | None = declare(None, uitleg="kolom met de categorie bij format = \"categories\"", voorbeeld='category = "categorie"')
    name_column: str | None = declare(None, uitleg="kolom met de naam van de voorziening (standaard name)", voorbeeld='name_column = "naam"')
    buffer_m: float | None = _BUFFER


class Homes(Section):
    """``[homes]``: home points; residents are spread from CBS a_inw or read from a column."""

    ONLINE = ("osm", "bag")
    layer: str | None = _LAYER
    format: Literal["osm-tags", "points"] | None = declare(None, uitleg="osm-tags (gebouwen met OSM-tags) of points (elk punt een woning)", voorbeeld='format = "points"')
    key: str | None = declare(None, uitleg="kolom met de OSM-sleutel (standaard osm_key)", voorbeeld='key = "osm_key"')
    value: str | None = declare(None, uitleg="kolom met de OSM-waarde (standaard osm_value)", voorbeeld='value = "osm_value"')
    include: dict[str, list[str]] | None = declare(
        None, uitleg="de OSM-tags van woongebouwen", voorbeeld='include = { building = ["house", "apartments"] }')
    missing_homes: Literal["warn", "grid"] | None = declare(
        None, uitleg="wat te doen met buurten met inwoners maar zonder woningpunten", voorbeeld='missing_homes = "grid"')
    grid_spacing_m: float | None = declare(
        None, ge=10, le=1000, uitleg="de afstand tussen vervangende woningpunten bij missing_homes = \"grid\"",
        voorbeeld="grid_spacing_m = 100")
    residents: str | None = declare(None, uitleg="kolom met het aantal bewoners per punt", voorbeeld='residents = "bewoners"')
    buffer_m: float | None = _BUFFER

    @field_validator("include")
    @classmethod
    def _tags_given(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is not None and (not value or not all(value.values())):
            raise ValueError('geef per sleutel minstens één waarde, bijv. include = { building = ["house"] }')
        return value


class Green(Section):
    """``[green]``: public green polygons (a file, or online = "bgt": the BGT classes of
    ``afweging/data/bgt_green.toml``)."""

    ONLINE = ("bgt",)
    layer: str | None = _LAYER
    kind: str | None = declare(None, uitleg="kolom met de soort groen", voorbeeld='kind = "type"')
    buffer_m: float | None = _BUFFER
    join_gap_m: float | None = declare(
        None, ge=0, le=50,
        uitleg="groenvlakken die minder dan zoveel meter uit elkaar liggen (gescheiden door een pad) vormen "
               "één groengebied voor de regel '≥ 0,5 ha binnen 300 m'; de paden tellen niet als groen. "
               "Standaard 5 bij online = \"bgt\", anders 0",
        voorbeeld="join_gap_m = 5")


class Network(Section):
    """``[networks.walk]`` / ``[networks.bike]``: a street network."""

    ONLINE = ("osm",)
    format: Literal["graphml", "osm", "pbf", "gpkg"] | None = declare(None, uitleg="het bestandsformaat van het netwerk", voorbeeld='format = "graphml"')
    layer: str | None = declare(
        None,
        uitleg="de lijnenlaag met de straten in een GeoPackage (standaard 'edges'): de randen van osmnx (kolommen "
               "u en v) of losse straatlijnen, zoals de wegen van Geofabrik. Losse lijnen worden verbonden op elk "
               "hoekpunt dat ze delen, ook midden in een lijn, en niet waar ze elkaar alleen kruisen zonder gedeeld "
               "punt (een brug of tunnel). Een MultiLineString (zoals Geofabrik en QGIS ze schrijven) telt als "
               "zijn delen, elk een lijn met de kenmerken (oneway) van het object; een rand van osmnx met "
               "meer dan één deel wordt geweigerd",
        voorbeeld='layer = "edges"')
    retain_all: bool | None = declare(
        None,
        uitleg="true: alle losse delen van het netwerk houden, niet alleen het grootste samenhangende deel (osmnx "
               "retain_all): paden in een park die in OSM niet op de straten aansluiten, een eiland. Een woning "
               "of voorziening bij zo'n deel komt dan op dat deel, niet over water op het hoofdnet; zonder route "
               "naar een voorziening telt de schatting hemelsbreed × omrijfactor, en dat wordt gemeld. Werkt bij "
               "format = \"osm\" en \"pbf\" en bij online = \"osm\"; een GraphML- of GeoPackage-netwerk is een "
               "opgeslagen graaf en wordt altijd gelezen zoals het is (`afweging fetch` schrijft de sleutel erbij "
               "als beschrijving van de download). Standaard false",
        voorbeeld="retain_all = true")
    buffer_m: float | None = _BUFFER


class Networks(Table):
    """``[networks]``: one street network per travel mode."""

    walk: Network | None = None
    bike: Network | None = None


class RasterSection(Section):
    """``[rasters.heat]`` / ``[rasters.noise]``: a GeoTIFF or a WCS coverage."""

    ONLINE = ("wcs",)
    unit: str | None = declare(None, uitleg="de eenheid van de rasterwaarden", voorbeeld='unit = "dB"')
    band: int | None = declare(None, ge=1, uitleg="de band van het raster (1 = de eerste)", voorbeeld="band = 1")
    url: str | None = declare(None, pattern=r"^https?://", uitleg="het adres van de WCS-dienst (bij online = \"wcs\" verplicht)", voorbeeld='url = "https://data.rivm.nl/geo/alo/wcs"')
    coverage: str | None = declare(None, uitleg="de coverage-id van de WCS-dienst", voorbeeld='coverage = "rivm_..."')
    resolution_m: float | None = declare(None, gt=0, le=1000, uitleg="de celgrootte in meters bij downloaden", voorbeeld="resolution_m = 10")
    version: str | None = declare(None, uitleg="de WCS-versie", voorbeeld='version = "2.0.1"')
    buffer_m: float | None = _BUFFER

    @model_validator(mode="after")
    def _wcs_keys(self) -> RasterSection:
        if self.online == "wcs" and (self.url is None) != (self.coverage is None):
            given, other = ("url", "coverage") if self.url is not None else ("coverage", "url")
            raise rule(other, f'ontbreekt: met een eigen `{given}` hoort ook `{other}` (zonder beide: de '
                              f'RIVM-kaart van docs/invoer.md)')
        return self


class Rasters(Table):
    """``[rasters]``: heat as PET (a Klimaateffectatlas file), RIVM's urban heat island
    (WCS or file) and noise (Lden, dB). PET and the heat island are different quantities."""

    heat: RasterSection | None = declare(
        None, uitleg="gevoelstemperatuur (PET, °C) op een hete middag: het bestand van de Klimaateffectatlas "
                     "(geen WCS)")
    uhi: RasterSection | None = declare(
        None, uitleg="stedelijk hitte-eiland-effect (RIVM): hoeveel warmer de lucht is dan op het platteland "
                     "(°C, geen PET); WCS of bestand")
    noise: RasterSection | None = declare(None, uitleg="geluid Lden (dB), alle bronnen (RIVM)")

    @model_validator(mode="after")
    def _pet_is_a_file(self) -> Rasters:
        if self.heat is not None and self.heat.online is not None:
            raise rule("heat", "de gevoelstemperatuur (PET) van de Klimaateffectatlas is niet als WCS beschikbaar: "
                               "download de hittekaart en geef path = \"pet_hittekaart.tif\". RIVM's stedelijk "
                               "hitte-eiland-effect (luchttemperatuur, geen PET) hoort in [rasters.uhi]")
        return self


class Lines(Section):
    """``[lines.NAME]``: any line layer (e.g. roads), kept as is."""

    layer: str | None = _LAYER


class Manifest(Table):
    """The whole area manifest."""

    name: str = declare(..., min_length=1, uitleg="de naam van het gebied", voorbeeld='name = "Utrecht"')
    gemeentecode: str | None = declare(None, pattern=r"^GM\d{4}$", uitleg="de CBS-code van de gemeente", voorbeeld='gemeentecode = "GM0344"')
    crs: str | None = declare(None, uitleg=f"het coördinatenstelsel van de toolkit, {settings.crs} (of weglaten)", voorbeeld=f'crs = "{settings.crs}"')
    synthetic: bool = declare(False, uitleg="true als de gegevens verzonnen zijn (demo)", voorbeeld="synthetic = false")
    description: str | None = declare(None, uitleg="een beschrijving van het gebied", voorbeeld='description = "..."')
    buurten: Buurten = declare(..., uitleg="een sectie [buurten] met path, layer en id", voorbeeld='[buurten] path = "buurten.gpkg"')
    wijken: Wijken | None = declare(None, uitleg="wijkgrenzen; zonder: samengevoegde buurten")
    statistics: Statistics | None = declare(None, uitleg="CBS kerncijfers wijken en buurten")
    facilities: Facilities | None = declare(None, uitleg="voorzieningen (punten)")
    homes: Homes | None = declare(None, uitleg="woningen (punten); zonder: geen bereikbaarheid per woning")
    green: Green | None = declare(None, uitleg="openbaar groen (vlakken)")
    networks: Networks | None = declare(None, uitleg="straatnetwerken: [networks.walk] en [networks.bike]")
    rasters: Rasters | None = declare(
        None, uitleg="rasters: [rasters.heat] (PET, °C), [rasters.uhi] (hitte-eiland, °C lucht) en "
                     "[rasters.noise] (Lden, dB)")
    lines: dict[str, Lines] | None = declare(None, uitleg="andere lijnlagen: [lines.NAAM]")

    @field_validator("crs")
    @classmethod
    def _toolkit_crs(cls, value: str | None) -> str | None:
        if value is not None and _parse_crs(value) != CRS.from_user_input(settings.crs):
            raise ValueError(
                f"de toolkit rekent in {settings.crs}; bestanden in een ander stelsel worden "
                f"vanzelf omgezet. Laat `crs` weg of zet crs = \"{settings.crs}\""
            )
        return value


def _parse_crs(value: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except CRSError:
        raise ValueError(f'"{value}" is geen bekend coördinatenstelsel; gebruik een EPSG-code, bijv. "EPSG:28992"') from None


def check_manifest(doc: Any, *, file: str) -> Manifest:
    """Validate a parsed manifest against :class:`Manifest`; raise ManifestError (Dutch)."""
    return validate(Manifest, doc, file=file, error=ManifestError, what=f"Het gebiedsmanifest {file}")


def sections() -> dict[str, type[Table]]:
    """Every table of the manifest by its TOML name (``""`` = the top, ``lines.NAAM``), for
    docs and tests."""
    return dict(_tables(Manifest, ""))


def _tables(model: type[Table], prefix: str) -> list[tuple[str, type[Table]]]:
    out: list[tuple[str, type[Table]]] = [(prefix, model)]
    for name, field in model.model_fields.items():
        for tp in unwrap(field.annotation):
            if typing.get_origin(tp) is dict:
                tp, name = unwrap(typing.get_args(tp)[1])[0], f"{name}.NAAM"
            if isinstance(tp, type) and issubclass(tp, Table):
                out += _tables(tp, f"{prefix}.{name}".lstrip("."))
    return out
