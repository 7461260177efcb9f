"""Heat layer: perceived temperature (PET) per buurt and cool places near homes, and
RIVM's urban heat island as a separate quantity.

Two different heat maps, never mixed:

* **PET** (``area.rasters["heat"]``): the *gevoelstemperatuur* of the Klimaateffectatlas
  hittekaart, a downloaded file. The norms (35 degC, cool place within 300 m) are PET norms
  and read only this raster.
* **UHI** (``area.rasters["uhi"]``): RIVM's *stedelijk hitte-eiland effect*, how much
  warmer the air is than in the countryside (degC, summer average; by WCS). It is not PET
  and has no norm here: ``heat_uhi_mean_degc`` (over the buurt) and
  ``heat_uhi_homes_mean_degc`` (resident-weighted at the homes) only describe it.

**With a PET raster** (``area.rasters["heat"]``, degC, hot-day afternoon as in the
Klimaateffectatlas hittekaart): mean PET over the buurt, % of the buurt area and % of the
residents (weighted per home) above 35 degC and 38 degC, and % of residents with a cool
place within 300 m. A cool place is a 4-connected patch of cells with PET <= 35 degC of
at least 200 m² (``scipy.ndimage.label``); distance is straight-line between cell centres.
Nodata cells are left out; where the raster covers only part of a buurt, its shares are
over the covered part, and a warning names those buurten.

**Without a raster**: the raster columns are NaN with method ``no data``.
``heat_proxy_index`` (always computed) is a relative 0-100 index, higher = hotter, from
what the Area has (see :func:`heat_proxy_index`). It is a proxy, never measured heat.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import ndimage
from scipy.spatial import cKDTree

from afweging import settings
from afweging.geo.area import Area
from afweging.geo.raster import Raster
from afweging.layers._base import LayerResult
from afweging.layers._common import (
    add_note,
    method_row,
    resident_coverage,
    resident_share_pct,
    safe_ratio,
)
from afweging.layers._context import LayerContext
from afweging.layers._raster import cell_index, check_north_up, check_unit, partial_text, zonal

LAYER = "heat"

#: Indicator columns measured from a PET raster.
RASTER_COLUMNS = (
    "heat_pet_mean_degc",
    "heat_pct_area_over_35degc",
    "heat_pct_area_over_38degc",
    "heat_pct_homes_over_35degc",
    "heat_pct_homes_over_38degc",
    "heat_pct_homes_cool_place_within_300m",
)

#: Indicator columns measured from RIVM's urban heat island raster (air temperature, not PET).
UHI_COLUMNS = ("heat_uhi_mean_degc", "heat_uhi_homes_mean_degc")

#: All indicator columns of this layer.
COLUMNS = (*RASTER_COLUMNS, *UHI_COLUMNS, "heat_proxy_index")

_DEGC = ("degc", "°c", "c", "celsius", "gradencelsius")


def heat_layer(area: Area | LayerContext, *, green_m2: pd.Series | None = None) -> LayerResult:
    """Heat indicators per buurt (see the module doc).

    Columns: ``heat_pet_mean_degc``, ``heat_pct_area_over_35degc``,
    ``heat_pct_area_over_38degc``, ``heat_pct_homes_over_35degc``,
    ``heat_pct_homes_over_38degc``, ``heat_pct_homes_cool_place_within_300m`` (from the
    PET raster, else NaN with method ``no data``) and ``heat_proxy_index`` (method
    ``proxy``). Thresholds: :data:`afweging.settings.heat_pet_hot_degc` (35),
    ``heat_pet_very_hot_degc`` (38), ``heat_cool_place_min_m2`` (200),
    ``heat_cool_place_max_distance_m`` (300). "Above" means strictly above; a cool place
    has PET at or below 35 degC.

    Parameters
    ----------
    area : Area or LayerContext
    green_m2 : Series, optional
        Public green m² per buurt, to use instead of the green of the area (polygons,
        measured once per run in the context) in the proxy.

    Returns
    -------
    LayerResult
    """
    ctx = LayerContext.of(area)
    proxy, proxy_row, proxy_formula = heat_proxy_index(ctx, green_m2=green_m2)
    values: dict[str, pd.Series] = {}
    rows: list[dict[str, str]] = []
    caveats: list[str] = []
    if ctx.area.has("raster:heat"):
        values, rows, caveats = _from_raster(ctx)
        caveats.append("Hitte: de proxy-index staat er alleen ter vergelijking; gebruik de "
                       "gemeten gevoelstemperatuur.")
    else:
        reason = ctx.missing("raster:heat")
        units = ("°C", "% oppervlak", "% oppervlak", "% inwoners", "% inwoners", "% inwoners")
        for col, unit in zip(RASTER_COLUMNS, units, strict=True):
            values[col] = ctx.nan()
            rows.append(method_row(
                col, layer=LAYER, unit=unit, method="no data", source="geen",
                description=f"Geen hittekaart (gevoelstemperatuur, PET) voor dit gebied: {reason}. "
                            f"Zie heat_proxy_index voor een benadering.",
            ))
        caveats.append(
            "Hitte is NIET gemeten: er is geen hittekaart. heat_proxy_index is een relatieve "
            f"proxy-index (0-100, hoger = heter) binnen dit gebied: {proxy_formula}"
        )
        uhi = (" Wel is er het stedelijk hitte-eiland-effect van RIVM (heat_uhi_*): dat is de "
               "luchttemperatuur, geen PET, en de PET-normen gelden er niet voor."
               if ctx.area.has("raster:uhi") else "")
        caveats[-1] += uhi
        warnings.warn(
            f"hitte: {ctx.area.name!r} heeft geen hittekaart (PET) ({reason}); alleen de proxy-index "
            f"heat_proxy_index is beschikbaar (geen gemeten hitte).{uhi}",
            stacklevel=2,
        )
    uhi_values, uhi_rows = _uhi(ctx)
    values.update(uhi_values)
    rows += uhi_rows
    values["heat_proxy_index"] = proxy
    rows.append(proxy_row)
    return ctx.result(values, rows, caveats)


def _uhi(ctx: LayerContext) -> tuple[dict[str, pd.Series], list[dict[str, str]]]:
    """RIVM's urban heat island per buurt: the mean over the buurt and at the homes."""
    area = ctx.area
    what = ("het stedelijk hitte-eiland-effect (RIVM): hoeveel warmer de lucht is dan op het omliggende "
            "platteland (°C, zomergemiddelde). Dit is geen gevoelstemperatuur (PET) en heeft hier geen norm")
    if not area.has("raster:uhi"):
        reason = ctx.missing("raster:uhi")
        return ({c: ctx.nan() for c in UHI_COLUMNS},
                [method_row(c, layer=LAYER, unit="°C", method="no data", source="geen",
                            description=f"Geen kaart van {what} ({reason}).") for c in UHI_COLUMNS])
    raster = area.rasters["uhi"]
    check_unit(raster, piece="uhi", accepted=_DEGC, expected="luchttemperatuurverschil in degC")
    check_north_up(raster, piece="uhi")
    src = ctx.source("raster:uhi", default=raster.source)
    cell_m = f"{abs(raster.transform.a):g} × {abs(raster.transform.e):g} m"
    values = {"heat_uhi_mean_degc": zonal(area, raster, ()).mean}
    rows = [method_row("heat_uhi_mean_degc", layer=LAYER, unit="°C", method="measured", source=src,
                       description=f"Gemiddelde over de cellen ({cell_m}) met het middelpunt in de buurt van "
                                   f"{what}.")]
    homes = ctx.homes
    if homes is None:
        values["heat_uhi_homes_mean_degc"] = ctx.nan()
        rows.append(method_row("heat_uhi_homes_mean_degc", layer=LAYER, unit="°C", method="no data",
                               source="geen", description=f"Geen woningen ({ctx.missing('homes')})."))
        return values, rows
    at = raster.sample(homes.geometry.x.to_numpy(), homes.geometry.y.to_numpy())
    w = pd.to_numeric(homes["residents"], errors="coerce").to_numpy(dtype=float)
    known = ~np.isnan(at) & ~np.isnan(w)
    frame = pd.DataFrame({"b": homes["buurtcode"].to_numpy()[known], "vw": at[known] * w[known], "w": w[known]})
    sums = frame.groupby("b")[["vw", "w"]].sum().reindex(ctx.index)
    values["heat_uhi_homes_mean_degc"] = sums["vw"] / sums["w"].where(sums["w"] > 0)
    rows.append(method_row(
        "heat_uhi_homes_mean_degc", layer=LAYER, unit="°C", method="measured",
        source=f"{src}; {ctx.source('homes', default='woningen')}",
        description=f"Gemiddelde, gewogen naar bewoners, op de cel van elke woning van {what}; woningen op "
                    f"cellen zonder gegevens tellen niet mee."))
    return values, rows


# ---------------------------------------------------------------------------- proxy
#: Columns of :func:`heat_proxy_terms`: the unscaled terms of the proxy, and whether a
#: higher value means hotter (True) or cooler (False).
PROXY_TERMS: dict[str, bool] = {
    "heat_proxy_density": True,
    "heat_proxy_water_share": False,
    "heat_proxy_green_share": False,
}


def heat_proxy_index(
    area: Area | LayerContext, *, green_m2: pd.Series | None = None
) -> tuple[pd.Series, dict[str, str], str]:
    """Relative heat proxy per buurt, 0-100, higher = hotter; never measured heat.

    ``index = 100 * mean(d, 1 - w[, 1 - g])`` where each term is min-max scaled over the
    buurten of the area (a term that is equal everywhere counts 0.5):

    * ``d``: building intensity, CBS ``ste_oad`` (addresses per km² within 1 km; it counts
      business addresses too). Only when ``ste_oad`` is absent: ``bev_dich``
      (inhabitants per km² land), which calls business parks cool, hence second choice.
    * ``w``: water share, CBS ``a_wat_ha / a_opp_ha``.
    * ``g``: share of the land that is public green, only when the Area has green polygons.

    Equal weights. A buurt missing any used term is NaN. The index ranks buurten within
    one area; it is not comparable between areas and not a temperature. The terms are
    local to each buurt, only the scaling looks at all buurten: :func:`heat_proxy_terms`
    and :func:`heat_proxy_from_terms` split the two (the batch over many gemeenten
    scales the terms of all its buurten at once).

    Returns
    -------
    (index, method_row, formula) : Series, dict, str
        The formula is Dutch text for reports.
    """
    ctx = LayerContext.of(area)
    terms, parts, density_col = heat_proxy_terms(ctx, green_m2=green_m2)
    col = "heat_proxy_index"
    if density_col is None:
        value = ctx.nan()
        row = method_row(col, layer=LAYER, unit="index 0-100", method="no data", source="geen",
                         description="Geen proxy mogelijk: CBS ste_oad en bev_dich ontbreken.")
        return value, row, "geen proxy mogelijk (geen dichtheid)"
    value = heat_proxy_from_terms(terms)
    formula = (
        f"index = 100 × gemiddelde van [{'; '.join(parts)}], elk geschaald met (x - min) / (max - min) "
        f"over de buurten van dit gebied. 0 = koelst, 100 = heetst volgens de proxy; relatief "
        f"binnen dit gebied, geen gevoelstemperatuur."
    )
    if density_col == "ste_oad":
        formula += (" bev_dich is niet gebruikt: bedrijventerreinen hebben weinig inwoners maar veel "
                    "verharding.")
    stats = ctx.statistics_source
    polygons = ctx.green_polygons
    src = stats + ("; " + ctx.source("green", default="groenvlakken") if polygons is not None else "")
    row = method_row(col, layer=LAYER, unit="index 0-100", method="proxy", source=src,
                     description="PROXY, geen gemeten hitte. " + formula)
    return value, row, formula


def heat_proxy_terms(
    area: Area | LayerContext, *, green_m2: pd.Series | None = None
) -> tuple[pd.DataFrame, list[str], str | None]:
    """The unscaled terms of :func:`heat_proxy_index` per buurt.

    Returns
    -------
    (terms, parts, density_column)
        ``terms`` has the columns of :data:`PROXY_TERMS` that the area supports (none
        without a density column); ``parts`` are their Dutch descriptions and
        ``density_column`` is ``"ste_oad"``, ``"bev_dich"`` or None.
    """
    ctx = LayerContext.of(area)
    index = ctx.index
    terms: dict[str, pd.Series] = {}
    parts: list[str] = []
    density = ctx.cbs("ste_oad")
    density_col: str | None = "ste_oad"
    if density is None:
        density, density_col = ctx.cbs("bev_dich"), "bev_dich"
    if density is None:
        return pd.DataFrame(index=index), [], None
    terms["heat_proxy_density"] = density
    parts.append(
        "d = dichtheid (CBS ste_oad, adressen per km² binnen 1 km)" if density_col == "ste_oad"
        else "d = dichtheid (CBS bev_dich, inwoners per km² land; ste_oad ontbreekt)"
    )
    water_ha, total_ha = ctx.cbs("a_wat_ha"), ctx.cbs("a_opp_ha")
    if water_ha is not None and total_ha is not None:
        terms["heat_proxy_water_share"] = safe_ratio(water_ha, total_ha)
        parts.append("1 - w, w = wateraandeel (CBS a_wat_ha / a_opp_ha)")
    if ctx.green_polygons is not None:
        if green_m2 is None or green_m2.isna().all():
            assert ctx.green_m2 is not None
            green_m2 = ctx.green_m2[0]
        terms["heat_proxy_green_share"] = safe_ratio(green_m2.reindex(index), ctx.land_m2)
        parts.append("1 - g, g = aandeel openbaar groen van het land (groenvlakken)")
    return pd.DataFrame(terms, index=index), parts, density_col


def heat_proxy_from_terms(terms: pd.DataFrame) -> pd.Series:
    """The proxy index from its terms (:func:`heat_proxy_terms`), scaled over all rows.

    Each term is min-max scaled over the rows of ``terms`` (inverted where a higher
    value means cooler) and the index is 100 × their mean; a row missing a term is NaN.

    Examples
    --------
    >>> t = pd.DataFrame({"heat_proxy_density": [0.0, 5.0, 10.0],
    ...                   "heat_proxy_water_share": [0.5, 0.0, 0.0]})
    >>> heat_proxy_from_terms(t).round(1).tolist()
    [0.0, 75.0, 100.0]
    """
    scaled = [_minmax(terms[c]) if PROXY_TERMS[c] else 1.0 - _minmax(terms[c])
              for c in PROXY_TERMS if c in terms.columns]
    return 100.0 * pd.concat(scaled, axis=1).mean(axis=1, skipna=False)


def _minmax(s: pd.Series) -> pd.Series:
    lo, hi = s.min(), s.max()
    if not np.isfinite(lo) or not np.isfinite(hi):
        return s * np.nan
    if hi == lo:
        return s * 0.0 + 0.5
    return (s - lo) / (hi - lo)


# ---------------------------------------------------------------------------- raster
def _from_raster(ctx: LayerContext) -> tuple[dict[str, pd.Series], list[dict[str, str]], list[str]]:
    area = ctx.area
    raster = area.rasters["heat"]
    check_unit(raster, piece="heat", accepted=_DEGC, expected="gevoelstemperatuur (PET) in degC")
    check_north_up(raster, piece="heat")
    hot, very_hot = settings.heat_pet_hot_degc, settings.heat_pet_very_hot_degc
    index = ctx.index
    names = ctx.names
    zones = zonal(area, raster, (hot, very_hot))
    coverage = zones.coverage
    values: dict[str, pd.Series] = {
        "heat_pet_mean_degc": zones.mean,
        "heat_pct_area_over_35degc": zones.pct_over(hot),
        "heat_pct_area_over_38degc": zones.pct_over(very_hot),
    }
    caveats: list[str] = []
    partial = coverage < 1.0
    if partial.any():
        msg = (f"de hittekaart dekt {int(partial.sum())} buurt(en) niet of maar deels: "
               f"{partial_text(coverage, names)}; aandelen en gemiddelden gelden voor het gedekte "
               f"deel (zonder gegevens: leeg).")
        caveats.append("Hitte: " + msg)
        warnings.warn(
            f"hitte: de hittekaart dekt {int(partial.sum())} buurt(en) maar deels of niet "
            f"({partial_text(coverage, names)}); aandelen gelden voor het gedekte deel.",
            stacklevel=3,
        )

    src = ctx.source("raster:heat", default=raster.source)
    homes = ctx.homes
    cell_m = f"{abs(raster.transform.a):g} × {abs(raster.transform.e):g} m"
    rows = [
        method_row("heat_pet_mean_degc", layer=LAYER, unit="°C", method="measured", source=src,
                   description=f"Gemiddelde gevoelstemperatuur (PET) over de cellen ({cell_m}) met "
                               f"het middelpunt in de buurt; cellen zonder gegevens tellen niet mee."),
        method_row("heat_pct_area_over_35degc", layer=LAYER, unit="% oppervlak", method="measured",
                   source=src, description=f"Aandeel van het (gedekte) buurtoppervlak met PET boven "
                                           f"{hot:g} °C (sterke hittestress)."),
        method_row("heat_pct_area_over_38degc", layer=LAYER, unit="% oppervlak", method="measured",
                   source=src, description=f"Aandeel van het (gedekte) buurtoppervlak met PET boven "
                                           f"{very_hot:g} °C (drempel gekozen in het project, niet uit "
                                           f"een norm)."),
    ]
    home_cols = ("heat_pct_homes_over_35degc", "heat_pct_homes_over_38degc",
                 "heat_pct_homes_cool_place_within_300m")
    if homes is None:
        reason = ctx.missing("homes")
        for col in home_cols:
            values[col] = ctx.nan()
            rows.append(method_row(col, layer=LAYER, unit="% inwoners", method="no data",
                                   source="geen", description=f"Geen woningen ({reason})."))
        return values, rows, caveats

    x = homes.geometry.x.to_numpy()
    y = homes.geometry.y.to_numpy()
    pet = raster.sample(x, y)
    known = ~np.isnan(pet)
    values["heat_pct_homes_over_35degc"] = resident_share_pct(np.where(known, pet > hot, np.nan), homes, index)
    values["heat_pct_homes_over_38degc"] = resident_share_pct(np.where(known, pet > very_hot, np.nan), homes, index)
    near_cool = _cool_place_within(raster, x, y)
    values["heat_pct_homes_cool_place_within_300m"] = resident_share_pct(near_cool, homes, index)
    home_cov = resident_coverage(known, homes, index)
    if (home_cov < 1.0).any():
        n = int((home_cov < 1.0).sum())
        warnings.warn(
            f"hitte: in {n} buurt(en) liggen woningen buiten de hittekaart of op cellen zonder "
            f"gegevens; aandelen woningen gelden voor de woningen met een waarde.",
            stacklevel=3,
        )
        caveats.append(f"Hitte: in {n} buurt(en) liggen woningen buiten de hittekaart of op cellen "
                       f"zonder gegevens; het aandeel geldt voor de woningen met een waarde.")
    homes_src = f"{src}; {ctx.source('homes', default='woningen')}"
    min_m2, dist = settings.heat_cool_place_min_m2, settings.heat_cool_place_max_distance_m
    rows += [
        method_row("heat_pct_homes_over_35degc", layer=LAYER, unit="% inwoners", method="measured",
                   source=homes_src, description=f"Aandeel inwoners (gewogen per woning) waarvan de "
                                                 f"woning op een cel met PET boven {hot:g} °C ligt; "
                                                 f"woningen op cellen zonder gegevens tellen niet mee."),
        method_row("heat_pct_homes_over_38degc", layer=LAYER, unit="% inwoners", method="measured",
                   source=homes_src, description=f"Als boven, met PET boven {very_hot:g} °C (drempel "
                                                 f"gekozen in het project, niet uit een norm)."),
        method_row("heat_pct_homes_cool_place_within_300m", layer=LAYER, unit="% inwoners",
                   method="measured", source=homes_src,
                   description=f"Aandeel inwoners met een koele plek binnen {dist:g} m hemelsbreed "
                               f"(tussen celmiddens): een aaneengesloten vlak (4-buren) van minstens "
                               f"{min_m2:g} m² met PET ten hoogste {hot:g} °C (Klimaateffectatlas; "
                               f"richtlijn hittebestendige stad). Koele plekken buiten de kaart tellen "
                               f"niet mee, dus aan de rand van de kaart een onderschatting."),
    ]
    add_note(rows, home_cols, ctx.standin_note)
    return values, rows, caveats


def _cool_place_within(raster: Raster, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1.0 where a point lies within the cool-place distance of a cool place, NaN off the raster.

    Distance between the centre of the point's cell and the nearest cool-place cell
    centre. Only the edge cells of the cool places (a cool cell with a 4-neighbour that
    is not cool) go into the KD-tree: for a point outside a cool place the nearest cool
    cell is always an edge cell, and a point on a cool cell is at distance 0.
    """
    data = raster.data
    mask = ~np.isnan(data) & (data <= settings.heat_pet_hot_degc)
    labels, n = ndimage.label(mask)  # default structure: 4-connectivity
    row, col, inside = cell_index(raster, x, y)
    out = np.full(len(x), np.nan)
    out[inside] = 0.0
    if n == 0:
        return out
    sizes_m2 = np.bincount(labels.ravel()) * raster.cell_area_m2
    sizes_m2[0] = 0.0
    cool = (sizes_m2 >= settings.heat_cool_place_min_m2)[labels]
    if not cool.any():
        return out
    edge = cool & ~ndimage.binary_erosion(cool, border_value=1)
    er, ec = np.nonzero(edge)
    hr, hc = row[inside], col[inside]
    t = raster.transform  # north-up (checked): x from the column, y from the row
    ex, ey = t.c + (ec + 0.5) * t.a, t.f + (er + 0.5) * t.e
    hx, hy = t.c + (hc + 0.5) * t.a, t.f + (hr + 0.5) * t.e
    limit = settings.heat_cool_place_max_distance_m
    tree = cKDTree(np.column_stack([ex, ey]), balanced_tree=False, compact_nodes=False)
    dist, _ = tree.query(
        np.column_stack([hx, hy]), distance_upper_bound=limit * (1 + 1e-12)
    )
    near = (dist <= limit) | cool[hr, hc]
    out[inside] = near.astype(float)
    return out
