"""CBS Kerncijfers wijken en buurten (kwb): local files and the CBS open-data API.

CBS publishes one row per gemeente, wijk and buurt, with the code in ``gwb_code_10``
(``GM0344``, ``WK034401``, ``BU03440111``) and ``"."`` for unknown or secret values.
:func:`read_kwb` reads the downloadable kwb files (CSV/XLSX); :func:`kwb_from_cbs`
fetches the same numbers from CBS open data (OData v3) and returns the same layout, with
the OData column names translated to the kwb codes by :data:`ODATA_TO_KWB`.

How CBS open data really answers (and what :func:`kwb_from_cbs` does about it):

* The ``ODataApi`` endpoint does not page: a query that would return more than 10,000
  values (cells) is refused with an error. We ask only the columns we use (``$select``,
  their exact names from the table's ``DataProperties``) for one gemeente (``$filter``),
  which stays under the limit for most gemeenten; when the estimate is over it, or CBS
  refuses anyway, we use the ``ODataFeed`` endpoint, which pages through
  ``odata.nextLink``.
* Keys and texts are space-padded to a fixed width (``"BU03440111"`` is fine, but
  ``"GM0344    "``, ``"Utrecht                                 "``, ``"Buurt     "``):
  everything is stripped.
* Column names carry a numeric suffix that changes between tables and even between
  revisions of one table (``OppervlakteLand_113`` vs ``_121``): columns are matched on
  their base name.
* The boundary-change column is ``IndelingswijzigingGemeenteWijkBuurt`` in recent tables
  (``IndelingswijzigingWijkenEnBuurten`` in older ones); both become ``ind_wbi``.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from afweging._errors import (
    DownloadError,
    InputFileNotFoundError,
    ManifestError,
    MissingColumnError,
)

log = logging.getLogger(__name__)

#: Text columns of the kwb layout; every other column is numeric.
KWB_TEXT_COLUMNS = ("gwb_code_10", "gwb_code_8", "regio", "gm_naam", "recs", "gwb_code", "ind_wbi")


def _to_float(col: pd.Series) -> pd.Series:
    """A kwb text column as float64: "." and blanks are NaN, Dutch decimal commas allowed."""
    s = col.astype(str).str.strip().str.replace(" ", "", regex=False)
    s = s.mask(s.isin([".", "", "nan", "None", "NaN"]))
    # Dutch decimal comma (only when there is no dot in the column)
    if s.str.contains(",", regex=False).any() and not s.str.contains(".", regex=False).any():
        s = s.str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").astype("float64")


def read_kwb(path: str | Path, *, id_column: str = "gwb_code_10", sheet: str | int | None = None) -> pd.DataFrame:
    """Read a kwb table (CSV or XLSX) indexed by its code column, numbers as floats.

    CBS's ``"."`` (unknown / secret) and empty cells become ``NaN`` -- never 0.

    Parameters
    ----------
    path : path-like
        ``.csv`` (comma or semicolon separated) or ``.xlsx``/``.xls``.
    id_column : str
        Column holding the region codes.
    sheet : str or int, optional
        Sheet of an Excel file (default: the first).

    Raises
    ------
    InputFileNotFoundError, MissingColumnError, ManifestError
        Missing file, missing id column, unknown format, duplicate codes.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"Het CBS-bestand {path} bestaat niet. Controleer `path` in [statistics] (relatief aan het manifest)."
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        try:
            df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=str)
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
            raise ManifestError(
                f"Het CBS-bestand {path} kan niet als Excel-werkblad {sheet if sheet is not None else 1!r} "
                f"gelezen worden ({exc}). Controleer `sheet` in [statistics], of sla het op als CSV."
            ) from exc
    elif suffix in (".csv", ".txt"):
        try:
            with path.open(encoding="utf-8-sig") as fh:
                head = fh.readline()
            sep = ";" if head.count(";") > head.count(",") else ","
            names = [c.strip().strip('"') for c in head.rstrip("\r\n").split(sep)]
            text = {c: str for c in names if c in KWB_TEXT_COLUMNS or c == id_column}
            # numbers parse directly; "." and blanks are NaN; columns pandas cannot read as
            # numbers (decimal commas, thousands spaces) are cleaned by _to_float below
            df = pd.read_csv(
                path, sep=sep, dtype=text, keep_default_na=False, na_values=[".", ""],
                encoding="utf-8-sig",
            )
        except UnicodeDecodeError as exc:
            raw = path.read_bytes()
            line = raw[: exc.start].count(b"\n") + 1 if exc.object == raw else "?"
            raise ManifestError(
                f"Het CBS-bestand {path} is niet als UTF-8 opgeslagen (regel {line}: byte "
                f"{exc.object[exc.start]:#04x}, waarschijnlijk Windows-1252/ANSI). Sla het op als UTF-8 "
                f"(Excel: Opslaan als > 'CSV UTF-8 (door komma's gescheiden)')."
            ) from exc
        except pd.errors.ParserError as exc:
            raise ManifestError(
                f"Het CBS-bestand {path} is geen leesbare CSV ({exc}). Controleer het scheidingsteken "
                f"(komma of puntkomma) en de aanhalingstekens."
            ) from exc
    else:
        raise ManifestError(
            f"Het CBS-bestand {path} heeft een onbekend formaat ({suffix!r}); gebruik CSV of XLSX in "
            f"de indeling van de CBS kerncijfers wijken en buurten."
        )
    df.columns = [str(c).strip() for c in df.columns]
    if id_column not in df.columns:
        raise MissingColumnError(
            f"Het CBS-bestand {path} heeft geen codekolom {id_column!r}; de eerste kolommen zijn "
            f"{list(df.columns)[:8]}. Zet `id = \"<kolom met codes als BU03440111>\"` in [statistics]."
        )
    df[id_column] = df[id_column].astype(str).str.strip()
    df = df[df[id_column] != ""]
    out: dict[str, pd.Series] = {}
    for col in df.columns:
        s = df[col]
        if col in KWB_TEXT_COLUMNS or col == id_column:
            out[col] = s.astype(str).str.strip().where(s.notna(), np.nan)  # an empty cell stays unknown
        elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            out[col] = s.astype("float64")
        else:
            out[col] = _to_float(s)
    df = pd.DataFrame(out, index=df.index)
    if df[id_column].duplicated().any():
        dup = df.loc[df[id_column].duplicated(), id_column].tolist()[:5]
        raise ManifestError(
            f"Het CBS-bestand {path}: codes komen meer dan eens voor in {id_column!r}: {dup}. Laat elke "
            f"buurt één keer voorkomen."
        )
    return df.set_index(id_column)


# --------------------------------------------------------------------- CBS OData

#: CBS open-data API (OData v3) root: no paging, at most :data:`ODATA_API_MAX_CELLS` values.
ODATA_URL = "https://opendata.cbs.nl/ODataApi/odata"

#: CBS open-data bulk feed (OData v3) root: pages through ``odata.nextLink``.
ODATA_FEED_URL = "https://opendata.cbs.nl/ODataFeed/odata"

#: Most values (rows x columns) the ODataApi endpoint answers in one query.
ODATA_API_MAX_CELLS = 10_000

#: Kerncijfers wijken en buurten table per year (CBS StatLine identifiers).
KWB_TABLES: dict[int, str] = {
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}

#: OData column (without CBS's numeric suffix, which changes every year:
#: ``AantalInwoners_5``, ``OppervlakteLand_113``...) -> kwb code. The codes and
#: meanings are those of the CBS toelichting (``cbs_kwb2023_toelichting_variabelen.pdf``).
ODATA_TO_KWB: dict[str, str] = {
    # region
    "Gemeentenaam": "gm_naam",
    "SoortRegio": "recs",
    "Codering": "gwb_code",
    "IndelingswijzigingWijkenEnBuurten": "ind_wbi",
    "IndelingswijzigingGemeenteWijkBuurt": "ind_wbi",  # the name in recent tables (2023-2025)
    # population (counts)
    "AantalInwoners": "a_inw",
    "Mannen": "a_man",
    "Vrouwen": "a_vrouw",
    "k_0Tot15Jaar": "a_00_14",
    "k_15Tot25Jaar": "a_15_24",
    "k_25Tot45Jaar": "a_25_44",
    "k_45Tot65Jaar": "a_45_64",
    "k_65JaarOfOuder": "a_65_oo",
    "Ongehuwd": "a_ongeh",
    "Gehuwd": "a_gehuwd",
    "Gescheiden": "a_gesch",
    "Verweduwd": "a_verwed",
    # households
    "HuishoudensTotaal": "a_hh",
    "Eenpersoonshuishoudens": "a_1p_hh",
    "HuishoudensZonderKinderen": "a_hh_z_k",
    "HuishoudensMetKinderen": "a_hh_m_k",
    "GemiddeldeHuishoudensgrootte": "g_hhgro",
    "Bevolkingsdichtheid": "bev_dich",  # inhabitants per km² land
    # dwellings
    "Woningvoorraad": "a_woning",
    "GemiddeldeWOZWaardeVanWoningen": "g_wozbag",  # x 1000 euro
    "PercentageEengezinswoning": "p_1gezw",
    "PercentageMeergezinswoning": "p_mgezw",
    "PercentageBewoond": "p_bewndw",
    "PercentageOnbewoond": "p_leegsw",
    "Koopwoningen": "p_koopw",
    "HuurwoningenTotaal": "p_huurw",
    "InBezitWoningcorporatie": "p_wcorpw",  # % owned by a corporation (not social rent)
    "InBezitOverigeVerhuurders": "p_ov_hw",
    "EigendomOnbekend": "p_e_o_w",
    "BouwjaarVoor2000": "p_bjj2k",
    "BouwjaarVanaf2000": "p_bjo2k",
    # area and urbanity
    "OppervlakteTotaal": "a_opp_ha",
    "OppervlakteLand": "a_lan_ha",
    "OppervlakteWater": "a_wat_ha",
    "MateVanStedelijkheid": "ste_mvs",
    "Omgevingsadressendichtheid": "ste_oad",  # addresses per km² within 1 km
}

#: kwb columns the toolkit reads; :func:`kwb_from_cbs` warns when the table lacks one.
KWB_USED = (
    "a_inw", "a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo", "a_hh", "a_1p_hh",
    "a_hh_m_k", "g_hhgro", "a_woning", "g_wozbag", "p_1gezw", "p_mgezw", "p_koopw",
    "p_huurw", "p_wcorpw", "bev_dich", "ste_oad", "a_opp_ha", "a_lan_ha", "a_wat_ha",
)

_SUFFIX = re.compile(r"_\d+$")


def _gemeente_digits(gemeentecode: str) -> str:
    code = str(gemeentecode).strip().upper()
    m = re.fullmatch(r"(?:GM)?(\d{4})", code)
    if not m:
        raise ManifestError(
            f"gemeentecode {gemeentecode!r} is geen CBS-gemeentecode; schrijf die als 'GM0344' (Utrecht)."
        )
    return m.group(1)


class ODataRefusal(DownloadError):
    """CBS answered an OData error document (``odata.error``) instead of rows."""


def _odata_pages(url: str, params: dict[str, str] | None, *, what: str) -> list[dict[str, Any]]:
    """All rows of an OData query, following ``odata.nextLink`` / ``@odata.nextLink``."""
    from afweging.data import _cache

    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    next_params = params
    seen: set[str] = set()

    def check(doc: Any) -> None:
        if isinstance(doc, dict) and ("odata.error" in doc or "error" in doc):
            from afweging.data._cache import server_detail

            raise ODataRefusal(
                f"{what}: {next_url} weigerde de vraag: "
                f"{server_detail(json.dumps(doc).encode())!r}. Dit antwoord is niet in de cache bewaard."
            )
        if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
            raise DownloadError(
                f"{what}: {next_url} gaf JSON zonder 'value'-lijst (sleutels: "
                f"{list(doc)[:5] if isinstance(doc, dict) else type(doc).__name__}); is dit een OData-tabel? "
                f"Dit antwoord is niet in de cache bewaard."
            )

    from afweging.data import _progress

    with _progress.bar(f"{what} {url.rsplit('/', 1)[-1]}", unit="rijen") as bar:
        while next_url:
            doc = _cache.request(next_url, params=next_params, expect="json", what=what, check=check)
            rows.extend(doc["value"])
            bar.update(len(doc["value"]))
            link = doc.get("odata.nextLink") or doc.get("@odata.nextLink")
            if link and link in seen:
                raise DownloadError(f"{what}: de server stuurde twee keer dezelfde nextLink ({link}); gestopt.")
            if link:
                seen.add(link)
            next_url, next_params = (link, None) if link else (None, None)
    return rows


def kwb_from_cbs(
    gemeentecode: str,
    *,
    year: int | None = 2023,
    table: str | None = None,
    base_url: str = ODATA_URL,
    feed_url: str = ODATA_FEED_URL,
) -> pd.DataFrame:
    """CBS Kerncijfers wijken en buurten of one gemeente from CBS open data.

    Downloads (through the cache, :mod:`afweging.data._cache`) the region names of the
    gemeente (``WijkenEnBuurten`` dimension) and the table's ``DataProperties``, then the
    gemeente, wijk and buurt rows of ``TypedDataSet`` with only the columns of
    :data:`ODATA_TO_KWB` from the ``ODataApi`` endpoint. When that query would exceed
    :data:`ODATA_API_MAX_CELLS` values, or CBS refuses it, all columns come from the
    ``ODataFeed`` endpoint instead, following ``odata.nextLink`` (see the module doc).

    Parameters
    ----------
    gemeentecode : str
        E.g. ``"GM0344"`` (Utrecht).
    year : int, optional
        Statistics year; the table is looked up in :data:`KWB_TABLES`.
    table : str, optional
        CBS table identifier (e.g. ``"85618NED"``), overrides ``year``.
    base_url : str
        ODataApi root (default :data:`ODATA_URL`).
    feed_url : str
        ODataFeed root (default :data:`ODATA_FEED_URL`).

    Returns
    -------
    DataFrame
        The :func:`read_kwb` layout: index ``gwb_code_10`` (``GM0344``, ``WK034401``,
        ``BU03440111``), text columns ``regio``, ``gm_naam``, ``recs``, ``gwb_code``,
        ``ind_wbi`` and kwb codes (:data:`ODATA_TO_KWB`) as float64, NaN where CBS has no
        value. OData columns without a kwb code are kept under their OData name (without
        suffix).

    Raises
    ------
    DownloadError
        When CBS does not answer usable data (nothing is cached then).
    NoMatchError
        When the table has no rows for the gemeente.
    """
    from afweging._errors import HttpStatusError, NoMatchError

    digits = _gemeente_digits(gemeentecode)
    if table is None:
        if year not in KWB_TABLES:
            raise ManifestError(
                f"Geen CBS-tabel kerncijfers wijken en buurten bekend voor jaar {year!r}; bekend zijn "
                f"{sorted(KWB_TABLES)}. Geef de StatLine-tabel zelf, bijv. table = \"85618NED\"."
            )
        table = KWB_TABLES[int(year)]
    what = f"CBS Kerncijfers wijken en buurten ({table})"
    api = f"{base_url.rstrip('/')}/{table}"
    flt = " or ".join(f"startswith(WijkenEnBuurten,'{p}{digits}')" for p in ("GM", "WK", "BU"))
    dim = _odata_pages(
        f"{api}/WijkenEnBuurten",
        {"$filter": flt.replace("WijkenEnBuurten,", "Key,"), "$select": "Key,Title", "$format": "json"},
        what=what,
    )
    names = {str(r.get("Key", "")).strip(): str(r.get("Title", "")).strip() for r in dim}
    props = _odata_pages(f"{api}/DataProperties", {"$format": "json"}, what=what)
    select = ["WijkenEnBuurten", *(
        str(p["Key"]) for p in props
        if p.get("Type") == "Topic" and p.get("Key") and _SUFFIX.sub("", str(p["Key"])) in ODATA_TO_KWB
    )]
    rows: list[dict[str, Any]] | None = None
    cells = max(len(names), 1) * len(select)
    if cells <= ODATA_API_MAX_CELLS:
        try:
            rows = _odata_pages(
                f"{api}/TypedDataSet", {"$filter": flt, "$select": ",".join(select), "$format": "json"}, what=what,
            )
        except (HttpStatusError, ODataRefusal) as exc:
            log.info("%s: ODataApi refused the query (%s); using ODataFeed", what, exc)
    else:
        log.info("%s: %d regions x %d columns > %d values; using ODataFeed", what, len(names), len(select),
                 ODATA_API_MAX_CELLS)
    if rows is None:
        rows = _odata_pages(f"{feed_url.rstrip('/')}/{table}/TypedDataSet", {"$filter": flt, "$format": "json"},
                            what=what)
    if not rows:
        raise NoMatchError(
            f"{what}: geen regels voor gemeente GM{digits}. Controleer de gemeentecode en dat de "
            f"gemeente in de indeling van dat jaar bestond (gemeenten fuseren; zie CBS)."
        )
    return _odata_to_kwb(rows, names, what=what, gemeente=f"GM{digits}")


def _odata_to_kwb(
    rows: list[dict[str, Any]], names: dict[str, str], *, what: str, gemeente: str
) -> pd.DataFrame:
    """Translate OData TypedDataSet rows to the kwb layout of :func:`read_kwb`."""
    raw = pd.DataFrame(rows)
    if "WijkenEnBuurten" not in raw.columns:
        raise DownloadError(f"{what}: de regels hebben geen kolom 'WijkenEnBuurten'; de kolommen zijn {list(raw.columns)[:8]}.")
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    keep = codes.str.fullmatch(rf"(GM|WK|BU){gemeente[2:]}\d*")
    raw, codes = raw[keep.to_numpy()], codes[keep]
    regio = pd.Series([names.get(c, c) for c in codes], index=codes.index, dtype=object).astype(str)  # as read_kwb
    out: dict[str, pd.Series] = {"gwb_code_8": codes.str[2:], "regio": regio}
    for col in raw.columns:
        if col in ("ID", "WijkenEnBuurten"):
            continue
        base = _SUFFIX.sub("", col)
        kwb = ODATA_TO_KWB.get(base, base)
        if kwb in out:
            continue
        s = raw[col]
        if kwb in KWB_TEXT_COLUMNS:
            out[kwb] = s.astype(str).str.strip().where(s.notna(), np.nan)
        elif pd.api.types.is_numeric_dtype(s.dtype) or s.isna().all():
            out[kwb] = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            as_num = pd.to_numeric(s.astype(str).str.strip().replace({".": "", "None": ""}).replace("", np.nan), errors="coerce")
            # keep text columns (e.g. MeestVoorkomendePostcode) as text
            out[kwb] = as_num.astype("float64") if as_num.notna().sum() >= s.notna().sum() else s.astype(str).str.strip()
    df = pd.DataFrame(out)
    df.index = pd.Index(codes.to_numpy(), name="gwb_code_10")
    if df.index.duplicated().any():
        raise DownloadError(f"{what}: codes komen meer dan eens voor: {df.index[df.index.duplicated()].tolist()[:5]}.")
    absent = [c for c in KWB_USED if c not in df.columns]
    if absent:
        warnings.warn(
            f"{what}: de tabel mist kolommen die de toolkit gebruikt: {', '.join(absent)} "
            f"(die blijven leeg; analyses die ze nodig hebben melden 'geen gegevens').",
            stacklevel=3,
        )
        for c in absent:
            df[c] = np.nan
    return df


# ----------------------------------------------------------------------------- gemeenten

#: CBS "Gebieden in Nederland" tables (gemeenten with their provincie and other regions),
#: per year of the gemeente division (1 January).
GEBIEDEN_TABLES: dict[int, str] = {2017: "83553NED", 2018: "83859NED", 2026: "86247NED"}


def _topic_key(props: list[dict[str, Any]], group_title: str, title: str, *, what: str) -> str:
    """Key of the topic ``title`` (e.g. "Code") in the topic group ``group_title``.

    "Gebieden in Nederland" names its columns ``Code_1``, ``Naam_2`` ... ``Code_28``:
    the same title in many groups and numbers that change every year, so the column is
    found through its group in ``DataProperties``.
    """
    groups = {p.get("ID") for p in props
              if p.get("Type") == "TopicGroup" and str(p.get("Title", "")).strip().lower() == group_title.lower()}
    for p in props:
        if p.get("Type") == "Topic" and p.get("ParentID") in groups and str(p.get("Title", "")).strip() == title:
            return str(p["Key"])
    raise DownloadError(
        f"{what}: de tabel heeft geen onderwerp '{title}' in de groep '{group_title}' "
        f"(DataProperties); is dit een tabel 'Gebieden in Nederland'?"
    )


def gemeenten_from_cbs(
    *, year: int = 2026, table: str | None = None, base_url: str = ODATA_URL
) -> pd.DataFrame:
    """Every gemeente of the Netherlands with its provincie, from CBS open data.

    Reads the table "Gebieden in Nederland" of ``year`` (:data:`GEBIEDEN_TABLES`):
    its ``DataProperties`` to find the columns (see :func:`_topic_key`), then
    ``TypedDataSet`` with only those columns (one row per gemeente, about 342 x 5 values:
    well under the ODataApi limit). CBS pads codes and names with spaces; they are
    stripped.

    Returns
    -------
    DataFrame
        ``gemeentecode`` (``GM0344``), ``gemeentenaam``, ``provinciecode`` (``PV26``),
        ``provincienaam``, sorted by gemeentecode.
    """
    if table is None:
        if year not in GEBIEDEN_TABLES:
            raise ManifestError(
                f"Geen CBS-tabel 'Gebieden in Nederland' bekend voor {year}; bekend: "
                f"{sorted(GEBIEDEN_TABLES)}. Geef de tabel zelf, bijv. table='86247NED'."
            )
        table = GEBIEDEN_TABLES[year]
    what = f"CBS Gebieden in Nederland ({table})"
    api = f"{base_url.rstrip('/')}/{table}"
    props = _odata_pages(f"{api}/DataProperties", {"$format": "json"}, what=what)
    cols = {
        "gemeentecode": _topic_key(props, "Codes en namen van gemeenten", "Code", what=what),
        "gemeentenaam": _topic_key(props, "Codes en namen van gemeenten", "Naam", what=what),
        "provinciecode": _topic_key(props, "Provincies", "Code", what=what),
        "provincienaam": _topic_key(props, "Provincies", "Naam", what=what),
    }
    rows = _odata_pages(f"{api}/TypedDataSet",
                        {"$select": ",".join(["RegioS", *cols.values()]), "$format": "json"}, what=what)
    raw = pd.DataFrame(rows)
    absent = [k for k in cols.values() if k not in raw.columns]
    if absent or raw.empty:
        raise DownloadError(f"{what}: TypedDataSet gaf geen kolommen {absent or list(cols.values())}.")
    out = pd.DataFrame({name: raw[key].astype(str).str.strip() for name, key in cols.items()})
    out = out[out["gemeentecode"].str.match(r"^GM\d{4}$")]
    return out.sort_values("gemeentecode").reset_index(drop=True)
