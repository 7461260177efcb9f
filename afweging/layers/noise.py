"""Noise layer: Lden at homes per buurt from a noise raster, or "no data".

**With an Lden raster** (``area.rasters["noise"]``, dB): the Lden at every home is the
value of the raster cell that holds it. Per buurt:

* ``noise_lden_mean_at_homes_db``: the **energetic** (logarithmic) mean,
  ``10 * log10(sum(w * 10^(L/10)) / sum(w))`` with ``w`` the residents per home. Decibels
  are logarithmic: two homes at 50 and 70 dB share the sound energy of 67 dB, not 60 dB;
  the arithmetic mean of dB values (common in reports) understates the loud homes.
* ``noise_pct_homes_over_53db`` / ``noise_pct_homes_over_55db``: resident-weighted % of
  homes with Lden >= 53 dB (WHO 2018 road-traffic guideline: keep below 53 dB) and
  >= 55 dB (EU Environmental Noise Directive reporting threshold, counted from 55 dB).

Homes on nodata cells or outside the raster are left out (with a warning).

**Without a raster** the three columns are NaN with method ``no data``. No road-traffic
proxy is made: a noise level from a street network needs traffic volumes per road that
the Area does not hold, so any number would be invented.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from afweging import settings
from afweging.geo.area import Area
from afweging.layers._base import LayerResult
from afweging.layers._common import (
    add_note,
    method_row,
    resident_coverage,
    resident_share_pct,
    safe_ratio,
)
from afweging.layers._context import LayerContext
from afweging.layers._raster import check_unit

LAYER = "noise"

#: Indicator columns of this layer.
COLUMNS = ("noise_lden_mean_at_homes_db", "noise_pct_homes_over_53db", "noise_pct_homes_over_55db")

_DB = ("db", "db(a)", "dba", "dblden", "lden", "decibel")


def energetic_mean_db(levels_db: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Energetic (logarithmic) mean of sound levels, optionally weighted; NaNs left out.

    Examples
    --------
    >>> round(energetic_mean_db(np.array([50.0, 70.0])), 2)
    67.03
    >>> energetic_mean_db(np.array([60.0, 60.0]))
    60.0
    """
    levels = np.asarray(levels_db, dtype=float)
    w = np.ones_like(levels) if weights is None else np.asarray(weights, dtype=float)
    ok = ~np.isnan(levels) & ~np.isnan(w)
    if not ok.any() or w[ok].sum() <= 0:
        return float("nan")
    return float(10.0 * np.log10(np.sum(w[ok] * 10.0 ** (levels[ok] / 10.0)) / np.sum(w[ok])))


def noise_layer(area: Area | LayerContext) -> LayerResult:
    """Noise (Lden) at homes per buurt (see the module doc).

    Thresholds: :data:`afweging.settings.noise_who_road_lden_db` (53) and
    ``noise_eu_reporting_lden_db`` (55); "over" means at or above.

    Parameters
    ----------
    area : Area or LayerContext

    Returns
    -------
    LayerResult
    """
    ctx = LayerContext.of(area)
    area = ctx.area
    index = ctx.index
    units = ("dB Lden", "% inwoners", "% inwoners")
    nan = ctx.nan()
    if not area.has("raster:noise"):
        reason = ctx.missing("raster:noise")
        drive = (" Een autonetwerk wordt niet gebruikt: een geluidsniveau uit een stratennet "
                 "vraagt verkeersintensiteiten per weg, die ontbreken; elk getal zou verzonnen zijn.")
        rows = [method_row(c, layer=LAYER, unit=u, method="no data", source="geen",
                           description=f"Geen geluidskaart (Lden) voor dit gebied: {reason}.{drive}")
                for c, u in zip(COLUMNS, units, strict=True)]
        warnings.warn(f"geluid: {area.name!r} heeft geen geluidskaart (Lden) ({reason}); de "
                      f"geluidsindicatoren zijn 'geen gegevens'.", stacklevel=2)
        return ctx.result(dict.fromkeys(COLUMNS, nan), rows,
                          [f"Geluid: geen gegevens (geen geluidskaart: {reason})."])

    raster = area.rasters["noise"]
    check_unit(raster, piece="noise", accepted=_DB, expected="Lden in dB")
    homes = ctx.homes
    src = ctx.source("raster:noise", default=raster.source)
    if homes is None:
        reason = ctx.missing("homes")
        rows = [method_row(c, layer=LAYER, unit=u, method="no data", source="geen",
                           description=f"Geen woningen in dit gebied ({reason}); het geluid wordt "
                                       f"op de woningen gemeten.")
                for c, u in zip(COLUMNS, units, strict=True)]
        return ctx.result(dict.fromkeys(COLUMNS, nan), rows, [f"Geluid: geen woningen ({reason})."])

    lden = raster.sample(homes.geometry.x.to_numpy(), homes.geometry.y.to_numpy())
    known = ~np.isnan(lden)
    w = homes["residents"].to_numpy(dtype=float)
    ok = known & ~np.isnan(w)
    codes = homes["buurtcode"].to_numpy()
    energy = pd.Series(np.where(ok, w * 10.0 ** (np.where(known, lden, 0.0) / 10.0), 0.0)).groupby(codes).sum()
    weight = pd.Series(np.where(ok, w, 0.0)).groupby(codes).sum()
    mean_db = 10.0 * np.log10(safe_ratio(energy, weight))
    who, eu = settings.noise_who_road_lden_db, settings.noise_eu_reporting_lden_db
    values = {
        "noise_lden_mean_at_homes_db": mean_db.reindex(index),
        "noise_pct_homes_over_53db": resident_share_pct(np.where(known, lden >= who, np.nan), homes, index),
        "noise_pct_homes_over_55db": resident_share_pct(np.where(known, lden >= eu, np.nan), homes, index),
    }
    caveats: list[str] = []
    cov = resident_coverage(known, homes, index)
    if (cov < 1.0).any():
        n = int((cov < 1.0).sum())
        warnings.warn(f"geluid: in {n} buurt(en) liggen woningen buiten de geluidskaart of op cellen "
                      f"zonder gegevens; de waarden gelden voor de woningen met een waarde.", stacklevel=2)
        caveats.append(f"Geluid: in {n} buurt(en) liggen woningen buiten de geluidskaart of op cellen "
                       f"zonder gegevens; de waarden gelden voor de woningen met een waarde.")
    homes_src = f"{src}; {ctx.source('homes', default='woningen')}"
    rows = [
        method_row("noise_lden_mean_at_homes_db", layer=LAYER, unit="dB Lden", method="measured",
                   source=homes_src,
                   description="Energetisch gemiddelde Lden op de woningen: 10·log10(gewogen "
                               "gemiddelde van 10^(L/10)), gewogen naar bewoners per woning. Hoger "
                               "dan het rekenkundig gemiddelde van dB-waarden: luide woningen tellen "
                               "naar hun geluidsenergie."),
        method_row("noise_pct_homes_over_53db", layer=LAYER, unit="% inwoners", method="measured",
                   source=f"{homes_src}; WHO 2018 (wegverkeer 53 dB Lden)",
                   description=f"Aandeel inwoners (gewogen per woning) met Lden van {who:g} dB of "
                               f"meer op de woning (WHO-advies wegverkeer: onder {who:g} dB). De "
                               f"kaart geeft alle bronnen samen als het zo is aangeleverd."),
        method_row("noise_pct_homes_over_55db", layer=LAYER, unit="% inwoners", method="measured",
                   source=f"{homes_src}; EU-richtlijn omgevingslawaai (rapportagedrempel 55 dB Lden)",
                   description=f"Aandeel inwoners (gewogen per woning) met Lden van {eu:g} dB of meer "
                               f"op de woning (EU-rapportagedrempel)."),
    ]
    add_note(rows, COLUMNS, ctx.standin_note)
    return ctx.result(values, rows, caveats)
