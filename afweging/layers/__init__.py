"""The five spatial layers per buurt: green, heat, noise, housing, facilities.

Each layer is one function ``X_layer(area) -> LayerResult``; :func:`compute_layers` joins
them and :func:`summarise_layers` writes the Dutch city-level lines for the CLI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from afweging import settings
from afweging._format import nl_number
from afweging.data.tags import load_tag_table
from afweging.geo.area import Area
from afweging.layers._base import LayerResult
from afweging.layers._common import weighted_mean
from afweging.layers._context import LayerContext
from afweging.layers.facilities import facilities_layer
from afweging.layers.green import green_layer, point_allowance_m
from afweging.layers.heat import heat_layer
from afweging.layers.housing import housing_by_wijk, housing_city, housing_layer
from afweging.layers.noise import energetic_mean_db, noise_layer
from afweging.settings_schema import check_settings

__all__ = [
    "LayerContext",
    "LayerResult",
    "compute_layers",
    "energetic_mean_db",
    "facilities_layer",
    "green_layer",
    "heat_layer",
    "housing_by_wijk",
    "housing_city",
    "housing_layer",
    "noise_layer",
    "summarise_layers",
    "weighted_mean",
]


def compute_layers(area: Area) -> LayerResult:
    """All five layers for every buurt of the area, joined on buurtcode.

    Data caveats (a proxy was used, a source is missing, a raster covers part of the
    area) are issued as warnings and kept, in Dutch, in ``result.caveats``.

    Parameters
    ----------
    area : Area

    Returns
    -------
    LayerResult
        ``values`` with the columns of green, heat, noise, housing and facilities
        (see ``docs/architecture.md``), ``methods`` with one row per column.
    """
    check_settings()
    ctx = LayerContext(area)
    return LayerResult.join([
        green_layer(ctx),
        heat_layer(ctx),
        noise_layer(ctx),
        housing_layer(ctx),
        facilities_layer(ctx),
    ])


def summarise_layers(area: Area, layers: LayerResult) -> list[str]:
    """Five Dutch lines, one per layer, with city-level values and the method used.

    Shares of homes are weighted by inhabitants (CBS ``a_inw``), housing shares by
    dwellings (``a_woning``); m² per dwelling is total green over total dwellings.

    Parameters
    ----------
    area : Area
    layers : LayerResult
        The result of :func:`compute_layers` for this area.

    Returns
    -------
    list of str
        Lines starting with "Groen:", "Hitte:", "Geluid:", "Sociale huur:" and
        "Voorzieningen:".
    """
    return [
        _green_line(area, layers),
        _heat_line(area, layers),
        _noise_line(area, layers),
        _housing_line(area, layers),
        _facilities_line(area, layers),
    ]


# ---------------------------------------------------------------------------- lines
def _method(layers: LayerResult, col: str) -> str:
    if col not in layers.methods.index:
        return "no data"
    return str(layers.methods.loc[col, "method"])


def _inhabitants(area: Area) -> pd.Series:
    s = LayerContext(area).cbs("a_inw")
    return s if s is not None else pd.Series(np.nan, index=area.buurten.index)


def _pct(x: float) -> str:
    return f"{nl_number(x, 0)} %"


def _green_line(area: Area, layers: LayerResult) -> str:
    v = layers.values
    inw = _inhabitants(area)
    near_col = "green_pct_homes_within_300m_of_05ha"
    near = weighted_mean(v[near_col], inw) if near_col in v else float("nan")
    dist = settings.green_max_distance_m
    min_ha = settings.green_min_area_m2 / 10_000
    if _method(layers, "green_public_m2") == "measured":
        ctx = LayerContext(area)
        dwellings, households = ctx.cbs("a_woning"), ctx.cbs("a_hh")
        m2 = v["green_public_m2"]
        per_dw = m2.sum() / dwellings.sum() if dwellings is not None and dwellings.sum() > 0 else float("nan")
        per_hh = m2.sum() / households.sum() if households is not None and households.sum() > 0 else float("nan")
        verst = v["green_versteend"]
        return (
            f"Groen: {nl_number(per_dw)} m² openbaar groen per woning (richtlijn "
            f"{nl_number(settings.green_norm_m2_per_dwelling)}), {nl_number(per_hh)} m² per huishouden; "
            f"{_pct(near)} van de inwoners woont binnen {nl_number(dist)} m van een groengebied van "
            f"≥ {nl_number(min_ha, 1)} ha; {int(verst.sum())} van {int(verst.notna().sum())} buurten "
            f"versteend (gemeten uit groenvlakken)."
        )
    near_method = _method(layers, near_col)
    if near_method == "proxy":
        near_text = (f"proxy: {_pct(near)} van de inwoners (in buurten met gegevens) woont binnen "
                     f"{nl_number(dist)} + {nl_number(point_allowance_m(), 1)} m van een parkpunt")
    else:
        near_text = "ook geen afstand tot groen (geen gegevens)"
    return (f"Groen: geen groenvlakken, dus geen m² groen per woning en geen oordeel versteend "
            f"(geen gegevens); {near_text}.")


def _heat_line(area: Area, layers: LayerResult) -> str:
    v = layers.values
    inw = _inhabitants(area)
    if _method(layers, "heat_pet_mean_degc") == "measured":
        hot = weighted_mean(v["heat_pct_homes_over_35degc"], inw)
        cool = weighted_mean(v["heat_pct_homes_cool_place_within_300m"], inw)
        pet = weighted_mean(v["heat_pet_mean_degc"], area.buurten.geometry.area)
        return (
            f"Hitte (gemeten, hittekaart): gemiddelde gevoelstemperatuur {nl_number(pet, 1)} °C; "
            f"{_pct(hot)} van de inwoners woont op een plek boven "
            f"{nl_number(settings.heat_pet_hot_degc)} °C; {_pct(cool)} heeft een koele plek binnen "
            f"{nl_number(settings.heat_cool_place_max_distance_m)} m."
        )
    if _method(layers, "heat_proxy_index") != "proxy":
        return "Hitte: geen gegevens (geen hittekaart en geen dichtheid voor een proxy)."
    proxy = v["heat_proxy_index"]
    mean = weighted_mean(proxy, inw)
    top = proxy.dropna().sort_values(ascending=False).head(3)
    names = area.buurten["buurtnaam"]
    top_text = ", ".join(f"{names.get(c, c)} ({nl_number(x)})" for c, x in top.items())
    desc = str(layers.methods.loc["heat_proxy_index", "description"])
    parts = "dichtheid, water en groen" if "1 - g" in desc else "dichtheid en water"
    return (
        f"Hitte: proxy-index uit {parts} (CBS), geen gemeten hitte (geen hittekaart); "
        f"inwoner-gewogen gemiddelde {nl_number(mean)} op 0-100 (relatief binnen het gebied); "
        f"heetst volgens de proxy: {top_text}."
    )


def _noise_line(area: Area, layers: LayerResult) -> str:
    v = layers.values
    if _method(layers, "noise_pct_homes_over_53db") != "measured":
        reason = area.missing.get("raster:noise", "niet opgegeven")
        return f"Geluid: geen gegevens (geen geluidskaart: {reason})."
    inw = _inhabitants(area)
    over53 = weighted_mean(v["noise_pct_homes_over_53db"], inw)
    over55 = weighted_mean(v["noise_pct_homes_over_55db"], inw)
    return (
        f"Geluid (gemeten, geluidskaart Lden): {_pct(over53)} van de inwoners woont op "
        f"{nl_number(settings.noise_who_road_lden_db)} dB of meer (WHO-advies wegverkeer), "
        f"{_pct(over55)} op {nl_number(settings.noise_eu_reporting_lden_db)} dB of meer "
        f"(EU-rapportagedrempel)."
    )


def _housing_line(area: Area, layers: LayerResult) -> str:
    city = housing_city(area, layers)
    target = settings.housing_social_rent_target_pct
    gap = city["housing_social_gap_pct_points"]
    gap_text = (f"tekort {nl_number(gap, 1)} procentpunt" if gap > 0
                else f"{nl_number(-gap, 1)} procentpunt boven het doel")
    below = int((layers.values["housing_corporation_pct"] < target).sum())
    known = int(layers.values["housing_corporation_pct"].notna().sum())
    return (
        f"Sociale huur (proxy: corporatiebezit, CBS p_wcorpw; niet hetzelfde als sociale huur): "
        f"{nl_number(city['housing_corporation_pct'], 1)} % van de woningen (woning-gewogen), "
        f"huur totaal {nl_number(city['housing_rented_pct'], 1)} %; doel {nl_number(target)} % "
        f"sociale huur: {gap_text}; {below} van {known} buurten met gegevens onder het doel."
    )


def _facilities_line(area: Area, layers: LayerResult) -> str:
    v = layers.values
    if _method(layers, "fac_n_missing_categories") != "measured":
        reason = area.missing.get("facilities", "niet opgegeven")
        return f"Voorzieningen: geen gegevens ({reason})."
    table = load_tag_table()
    everyday = [c for c, cat in table.items() if cat.everyday
                and _method(layers, f"fac_{c}_count") == "measured"]
    counts = v[[f"fac_{c}_count" for c in everyday]]
    known = counts.notna().all(axis=1)
    zero = counts[known] == 0
    lacking = int(zero.any(axis=1).sum())
    n_rows = int(np.nansum(v.loc[known, [c for c in v.columns if c.endswith("_count")]].to_numpy()))
    text = (f"Voorzieningen (punten per categorie geteld): {nl_number(n_rows)} in "
            f"{int(known.sum())} buurten met gegevens; {lacking} daarvan missen ten minste één "
            f"alledaagse voorziening in de buurt zelf")
    if lacking:
        worst = zero.sum().sort_values(ascending=False)
        cat = worst.index[0].removeprefix("fac_").removesuffix("_count")
        text += f" (het vaakst: {table[cat].label}, in {int(worst.iloc[0])} buurten)"
    no_data = [table[c].label for c in table if _method(layers, f"fac_{c}_count") == "no data"]
    if no_data:
        text += f"; geen gegevens voor: {', '.join(no_data)}"
    gaps = int((~known).sum())
    if gaps:
        text += f"; {gaps} buurt(en) buiten de dekking van de bron"
    return text + "."
