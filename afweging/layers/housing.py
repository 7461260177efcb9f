"""Social-housing layer: corporation-owned and rented share of dwellings per buurt (CBS).

CBS ``p_wcorpw`` is the share of dwellings *owned by housing corporations*; CBS states
explicitly that it is not the number of social rented dwellings ("Het betreft niet het
aantal sociale huurwoningen"). It is used here as a labelled proxy for social rent and
held against the city target of 35 % social rent by 2040 (Woonvisie 2019).
"""

from __future__ import annotations

import pandas as pd

from afweging import settings
from afweging.geo.area import Area
from afweging.layers._base import LayerResult
from afweging.layers._common import method_row, weighted_mean
from afweging.layers._context import LayerContext

LAYER = "housing"

#: Indicator columns of this layer.
COLUMNS = (
    "housing_corporation_pct",
    "housing_rented_pct",
    "housing_social_gap_pct_points",
    "housing_dwellings",
)

#: Columns averaged with dwelling weights in :func:`housing_by_wijk` / :func:`housing_city`.
_PCT_COLUMNS = ("housing_corporation_pct", "housing_rented_pct", "housing_social_gap_pct_points")


def housing_layer(area: Area | LayerContext) -> LayerResult:
    """Social-housing indicators per buurt from the CBS statistics.

    Columns: ``housing_corporation_pct`` (CBS ``p_wcorpw``, % of dwellings owned by
    housing corporations; a proxy for social rent), ``housing_rented_pct`` (CBS
    ``p_huurw``), ``housing_social_gap_pct_points`` (target
    :data:`afweging.settings.housing_social_rent_target_pct` minus the corporation
    share; positive = short of the target) and ``housing_dwellings`` (CBS ``a_woning``).
    NaN where CBS has no value (CBS suppresses small buurten).

    Parameters
    ----------
    area : Area or LayerContext
        With CBS columns ``p_wcorpw``, ``p_huurw``, ``a_woning`` on ``area.buurten``.

    Returns
    -------
    LayerResult

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame({"buurtnaam": ["A"], "wijkcode": ["W1"], "p_wcorpw": [20.0],
    ...     "p_huurw": [50.0], "a_woning": [100.0]}, geometry=[box(0, 0, 100, 100)],
    ...     index=pd.Index(["BU1"], name="buurtcode"), crs="EPSG:28992")
    >>> float(housing_layer(Area("t", b)).values.loc["BU1", "housing_social_gap_pct_points"])
    15.0
    """
    ctx = LayerContext.of(area)
    corp = ctx.cbs_or_nan("p_wcorpw", layer=LAYER)
    rented = ctx.cbs_or_nan("p_huurw", layer=LAYER)
    dwellings = ctx.cbs_or_nan("a_woning", layer=LAYER)
    target = settings.housing_social_rent_target_pct
    values = {
        "housing_corporation_pct": corp,
        "housing_rented_pct": rented,
        "housing_social_gap_pct_points": target - corp,
        "housing_dwellings": dwellings,
    }
    stats = ctx.statistics_source
    n_corp = int(corp.notna().sum())
    n = len(corp)
    suppressed = f" CBS geeft voor {n - n_corp} van de {n} buurten geen waarde (geheim of te klein)." if n_corp < n else ""
    rows = [
        method_row(
            "housing_corporation_pct", layer=LAYER, unit="%", method="proxy", source=stats,
            description=(
                "Aandeel woningen in bezit van een woningcorporatie (CBS p_wcorpw), als "
                "benadering (proxy) van het aandeel sociale huur. CBS: 'Het betreft niet het "
                "aantal sociale huurwoningen'." + suppressed
            ),
        ),
        method_row(
            "housing_rented_pct", layer=LAYER, unit="%", method="statistics", source=stats,
            description="Aandeel huurwoningen (CBS p_huurw), corporatie en particulier samen.",
        ),
        method_row(
            "housing_social_gap_pct_points", layer=LAYER, unit="procentpunt", method="proxy",
            source=f"{stats}; Woonvisie Utrecht 'Utrecht beter in balans' (2019)",
            description=(
                f"Doel {target:g} % sociale huur in 2040 min het corporatiebezit (p_wcorpw): "
                f"positief = tekort ten opzichte van het stedelijke doel, negatief = meer dan "
                f"het doel. Het doel geldt voor de stad als geheel, niet per buurt."
            ),
        ),
        method_row(
            "housing_dwellings", layer=LAYER, unit="woningen", method="statistics", source=stats,
            description="Aantal woningen (CBS a_woning); gewicht voor wijk- en stadsgemiddelden.",
        ),
    ]
    caveats = [
        "Sociale huur is benaderd met het corporatiebezit (CBS p_wcorpw); dat is niet "
        "hetzelfde als het aantal sociale huurwoningen."
    ]
    return ctx.result(values, rows, caveats)


def housing_by_wijk(area: Area, layer: LayerResult | None = None) -> pd.DataFrame:
    """Housing indicators per wijk, dwelling-weighted over the wijk's buurten.

    Percentages are means weighted by CBS ``a_woning`` over the buurten where CBS has a
    value (a buurt without a value does not count as 0); ``housing_dwellings`` is the sum.
    ``housing_dwellings_with_value_pct`` says which share of the dwellings the mean
    covers.

    Parameters
    ----------
    area : Area
        Buurten with ``wijkcode``; wijk names are taken from ``area.wijken`` if present.
    layer : LayerResult, optional
        A result of :func:`housing_layer` (or of ``compute_layers``); computed when absent.

    Returns
    -------
    DataFrame
        Indexed by ``wijkcode``: ``wijknaam`` (when known), the four housing columns and
        ``housing_dwellings_with_value_pct``.
    """
    values = _housing_values(area, layer)
    wijk = area.buurten["wijkcode"]
    out = weighted_mean(values[list(_PCT_COLUMNS)], values["housing_dwellings"], by=wijk)
    out["housing_dwellings"] = values["housing_dwellings"].groupby(wijk).sum(min_count=1)
    known = values["housing_dwellings"].where(values["housing_corporation_pct"].notna())
    out["housing_dwellings_with_value_pct"] = (
        100.0 * known.groupby(wijk).sum(min_count=1) / out["housing_dwellings"]
    )
    out.index.name = "wijkcode"
    if area.wijken is not None and "wijknaam" in area.wijken.columns:
        out.insert(0, "wijknaam", area.wijken["wijknaam"].reindex(out.index))
    return out


def housing_city(area: Area, layer: LayerResult | None = None) -> pd.Series:
    """City-wide housing values: dwelling-weighted means over all buurten, total dwellings.

    Returns
    -------
    Series
        The four housing columns plus ``housing_dwellings_with_value_pct``.
    """
    values = _housing_values(area, layer)
    out = weighted_mean(values[list(_PCT_COLUMNS)], values["housing_dwellings"])
    total = float(values["housing_dwellings"].sum(min_count=1))
    known = float(values["housing_dwellings"].where(values["housing_corporation_pct"].notna()).sum())
    out["housing_dwellings"] = total
    out["housing_dwellings_with_value_pct"] = 100.0 * known / total if total > 0 else float("nan")
    out.name = area.name
    return out


def _housing_values(area: Area, layer: LayerResult | None) -> pd.DataFrame:
    if layer is None:
        layer = housing_layer(area)
    absent = [c for c in COLUMNS if c not in layer.values.columns]
    if absent:
        from afweging._errors import MissingColumnError

        raise MissingColumnError(
            f"The layer result lacks housing column(s) {absent}; pass the result of "
            f"housing_layer(area) or compute_layers(area)."
        )
    return layer.values[list(COLUMNS)]
