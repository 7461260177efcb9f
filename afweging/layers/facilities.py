"""Voorzieningen layer: facilities per category per buurt (count, per 1,000 inhabitants, per km²).

Every category of the tag table (:func:`afweging.data.tags.load_tag_table`) gets its three
columns, plus the categories that a buurt lacks altogether. Three kinds of "nothing":

* a zero count in a buurt covered by the facility data is a real zero;
* a category without a single feature in the whole area (Utrecht: ``apotheek``, the OSM
  selection holds no pharmacies) is a gap in the source, not a fact about the buurten:
  NaN with method ``no data`` (pass ``absent_categories="zero"`` for a small area where
  zero is plausible);
* a buurt outside the coverage of the facility source is NaN: when homes and facilities
  come from the same file, a buurt where CBS counts inhabitants but the file has no home
  point is outside that file's coverage (Utrecht: wijk Vleuten-De Meern); see
  :meth:`afweging.layers._context.LayerContext.coverage_gaps`.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from afweging._errors import ConfigError
from afweging._names import facility_col
from afweging.data.tags import Category, load_tag_table
from afweging.geo.area import Area
from afweging.layers._base import LayerResult
from afweging.layers._common import method_row, safe_ratio
from afweging.layers._context import LayerContext

LAYER = "facilities"

#: Columns that follow the per-category columns.
SUMMARY_COLUMNS = ("fac_n_missing_categories", "fac_missing_categories")


def facilities_layer(
    area: Area | LayerContext,
    *,
    table: dict[str, Category] | None = None,
    absent_categories: Literal["no data", "zero"] = "no data",
    detect_coverage_gaps: bool = True,
) -> LayerResult:
    """Facilities per category per buurt.

    Columns per category ``cat`` (names from :func:`afweging._names.facility_col`):
    ``fac_{cat}_count``, ``fac_{cat}_per_1000_inh`` (NaN where CBS ``a_inw`` is 0 or
    unknown) and ``fac_{cat}_per_km2`` (per km² land: CBS ``a_lan_ha``, the polygon area
    where CBS has none). Then ``fac_n_missing_categories`` and ``fac_missing_categories``
    (Dutch labels, comma-separated, ``""`` when none is missing) over the categories that
    have data.

    Parameters
    ----------
    area : Area or LayerContext
        ``area.facilities`` (points with ``category`` and ``buurtcode``); without it all
        columns are NaN with method ``no data``.
    table : dict, optional
        The category table (default: :func:`afweging.data.tags.load_tag_table`).
        Categories found in the facilities but not in the table are added.
    absent_categories : {"no data", "zero"}
        How to treat a category with no feature anywhere in the area (see module doc).
    detect_coverage_gaps : bool
        Set the buurten outside the source's coverage to NaN (see module doc).

    Returns
    -------
    LayerResult
    """
    if absent_categories not in ("no data", "zero"):
        raise ConfigError(
            f"absent_categories={absent_categories!r}; use 'no data' or 'zero'."
        )
    ctx = LayerContext.of(area)
    table = table or load_tag_table()
    index = ctx.index
    cats = list(table)
    labels = {cid: c.label for cid, c in table.items()}
    fac = ctx.area.facilities
    if fac is not None:
        for extra in sorted(set(fac["category"].dropna().astype(str).unique()) - set(cats)):
            cats.append(extra)
            labels[extra] = extra

    inhabitants = ctx.cbs("a_inw")
    if inhabitants is None:
        inhabitants = ctx.nan()
    land_km2 = ctx.land_m2 / 1e6
    land_text = ctx.land_text
    src = ctx.source("facilities", default="voorzieningenbestand")

    values: dict[str, pd.Series] = {}
    rows: list[dict[str, str]] = []
    caveats: list[str] = []
    nan = ctx.nan()

    if fac is None or len(fac) == 0:
        reason = ctx.missing("facilities")
        for cat in cats:
            for stat, unit in (("count", "aantal"), ("per_1000_inh", "per 1.000 inwoners"), ("per_km2", "per km²")):
                col = facility_col(cat, stat)
                values[col] = nan
                rows.append(method_row(
                    col, layer=LAYER, unit=unit, method="no data", source="geen",
                    description=f"Geen voorzieningen in dit gebied: {reason}.",
                ))
        values["fac_n_missing_categories"] = nan
        values["fac_missing_categories"] = pd.Series(np.nan, index=index, dtype=object)
        for col in SUMMARY_COLUMNS:
            rows.append(method_row(
                col, layer=LAYER, unit="aantal" if col.startswith("fac_n") else "tekst",
                method="no data", source="geen",
                description=f"Geen voorzieningen in dit gebied: {reason}.",
            ))
        caveats.append(f"Voorzieningen: geen gegevens ({reason}).")
        return ctx.result(values, rows, caveats)

    in_buurt = fac[fac["buurtcode"].isin(index)]
    counts = (
        in_buurt.groupby(["buurtcode", "category"]).size().unstack(fill_value=0)
        .reindex(index=index, columns=cats, fill_value=0).astype(float)
    )
    present = set(fac["category"].dropna().astype(str).unique())
    absent = [c for c in cats if c not in present]
    no_data_cats = absent if absent_categories == "no data" else []
    if absent:
        names = ", ".join(labels[c] for c in absent)
        if absent_categories == "no data":
            msg = (f"Geen enkele voorziening van categorie {names} in het hele gebied; "
                   f"waarschijnlijk ontbreekt die in de bron. Die categorie is 'geen gegevens' "
                   f"(leeg), niet 0.")
        else:
            msg = f"Geen enkele voorziening van categorie {names} in het hele gebied; geteld als 0."
        caveats.append("Voorzieningen: " + msg)
        warnings.warn(f"voorzieningen: {msg}", stacklevel=2)

    gaps = ctx.coverage_gaps("facilities") if detect_coverage_gaps else pd.Index([])
    if len(gaps):
        gap_names = ", ".join(ctx.names.loc[gaps].astype(str).tolist())
        msg = (f"{len(gaps)} buurt(en) met inwoners (CBS) maar zonder één woningpunt in het "
               f"bronbestand van woningen en voorzieningen liggen buiten de dekking van dat "
               f"bestand; hun voorzieningen zijn 'geen gegevens' (leeg), niet 0: {gap_names}.")
        caveats.append("Voorzieningen: " + msg)
        warnings.warn(f"voorzieningen: {msg}", stacklevel=2)
    counts.loc[gaps, :] = np.nan
    counts[no_data_cats] = np.nan

    gap_text = (f" Geen gegevens voor {len(gaps)} buurt(en) buiten de dekking van de bron." if len(gaps) else "")
    # every category at once: counts / inhabitants and / land, as safe_ratio divides them
    per_1000_all = per_km2_all = None
    if inhabitants.index.equals(counts.index) and land_km2.index.equals(counts.index):
        matrix = counts[cats].to_numpy(dtype=float)
        inh, land = inhabitants.to_numpy(dtype=float), land_km2.to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_1000_all = 1000.0 * (matrix / np.where(inh > 0, inh, np.nan)[:, None])
            per_km2_all = matrix / np.where(land > 0, land, np.nan)[:, None]
    for k, cat in enumerate(cats):
        c = counts[cat]
        if per_1000_all is not None and per_km2_all is not None:
            per_1000 = pd.Series(per_1000_all[:, k], index=counts.index)
            per_km2 = pd.Series(per_km2_all[:, k], index=counts.index)
        else:
            per_1000 = 1000.0 * safe_ratio(c, inhabitants)
            per_km2 = safe_ratio(c, land_km2)
        label = labels[cat]
        if cat in no_data_cats:
            method, desc = "no data", (
                f"Geen enkele voorziening '{label}' in het hele gebied; de bron ({src}) bevat "
                f"deze categorie waarschijnlijk niet, dus geen gegevens."
            )
        else:
            method, desc = "measured", f"Punten van categorie '{label}' in de buurt ({src})."
        desc_1000 = (desc + " Per 1.000 inwoners (CBS a_inw); geen gegevens waar de buurt geen inwoners heeft."
                     if method == "measured" else desc)
        desc_km2 = desc + f" Per km² {land_text}." if method == "measured" else desc
        for stat, unit, series, d in (
            ("count", "aantal", c, desc),
            ("per_1000_inh", "per 1.000 inwoners", per_1000, desc_1000),
            ("per_km2", "per km²", per_km2, desc_km2),
        ):
            col = facility_col(cat, stat)
            values[col] = series
            rows.append(method_row(col, layer=LAYER, unit=unit, method=method, source=src,  # type: ignore[arg-type]
                                   description=d + (gap_text if method == "measured" else "")))

    counted = [c for c in cats if c not in no_data_cats]
    zero = counts[counted].eq(0.0)
    n_missing = zero.sum(axis=1).astype(float)
    counted_labels = [labels[c] for c in counted]
    missing_text = pd.Series([", ".join(n for n, z in zip(counted_labels, row, strict=True) if z)
                              for row in zero.to_numpy(dtype=bool)], index=zero.index, dtype=object)
    n_missing[gaps] = np.nan
    missing_text[gaps] = np.nan
    values["fac_n_missing_categories"] = n_missing
    values["fac_missing_categories"] = missing_text
    skipped = (f" Niet meegeteld (geen gegevens in het hele gebied): "
               f"{', '.join(labels[c] for c in no_data_cats)}." if no_data_cats else "")
    rows.append(method_row(
        "fac_n_missing_categories", layer=LAYER, unit="aantal", method="measured", source=src,
        description=f"Aantal categorieën zonder één voorziening in de buurt, van de {len(counted)} "
                    f"categorieën met gegevens.{skipped}{gap_text}",
    ))
    rows.append(method_row(
        "fac_missing_categories", layer=LAYER, unit="tekst", method="measured", source=src,
        description="Categorieën zonder één voorziening in de buurt (Nederlandse namen)."
                    f"{skipped}{gap_text}",
    ))
    caveats.append(
        "Voorzieningen zijn geteld als punten per categorie: een voorziening die als "
        "meerdere objecten in de bron staat (bijv. sportvelden, halteperrons) telt meermaals."
    )
    return ctx.result(values, rows, caveats)
