"""Age bands and the target-year population per buurt (the forecast, distributed).

Age bands
---------
CBS counts the inhabitants of a buurt in five bands (``a_00_14``, ``a_15_24``,
``a_25_44``, ``a_45_64``, ``a_65_oo``). A forecast may use those bands or the bands of
youth and elderly policy (0-11, 12-17, 18-64, 65-74, 75+), or coarser unions of either
(65+, 0-17, ...). Both are expressed in the *fine bands* below, the smallest intervals
that every band is a union of. A CBS band is split into fine bands by **uniform
single years of age** (0-14 -> 0-11 is 12/15 of it and 12-14 is 3/15; 15-24 -> 15-17 is
3/10 and 18-24 7/10). CBS has no 75+ per buurt: 65+ is split into 65-74 and 75+ only
with a share of 75-plussers among the 65-plussers that the scenario gives, with its
source (``aandeel_75_plus``), and that share is assumed to be the same in every buurt.
Without it 65+ stays one fine band and a forecast cannot use 65-74 or 75+.

The distribution (``distribute``)
---------------------------------
Per buurt the population *after the plans* (the plan check's own rules: new residents
= dwellings x household size, with the buurt's age distribution; demolished dwellings
take residents with them) is split into the plans' new residents ``N`` and the residents
of the existing homes ``E``, both by fine band (``N`` by the plan check's rule: the
buurt's bands divided by its ``a_inw``).

For every forecast area ``A`` (the city, a wijk or a buurt) and every forecast band
``g`` (a union of fine bands)::

    G[A, g] = F[A, g] - P[A, g]                 growth beyond the situation after the plans
    delta[b, f] = G[A, g] * E[b, f] / E[A, g]   for every buurt b of A and fine band f of g

where ``P`` is the population after the plans (CBS counts). The plans' residents stay
where the plans put them and the forecast's remainder is spread over the existing homes
of the area by their present structure; the bands of a buurt in the target year are
``P + delta`` and sum over the area to the forecast exactly. With ``inwoners`` given,
the ages not covered by the other bands form one more band, the rest: its growth is
``inwoners - a_inw`` minus the growth of the given bands, spread over the buurten by
their residents not in a given band (``a_inw`` minus those bands), so the inhabitants
sum to ``inwoners`` exactly too. (CBS rounds every count to 5: the bands of a buurt add
up to its ``a_inw`` only within a few persons, and stay so.) When the bands cover every
age, the inhabitants follow the bands.

``G < 0`` in total with plans in the area means the plans add more people than the
forecast allows: the existing homes must then lose residents; that is reported, never
hidden by shrinking the plans. ``G`` above :data:`OCCUPANCY_NOTE_PCT` % of the existing
homes' residents is reported too (the plans house only part of the growth; more people
per dwelling). A forecast below the plans' own residents of a band
(``F < N``) is an error, as is growth in a band that nobody in the area belongs to.
Buurten outside every forecast area keep the population after the plans.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from afweging._errors import ForecastError
from afweging._format import nl_int, nl_names, nl_number

#: CBS age columns of the kwb statistics and their ages (inclusive; None = open).
CBS_BANDS: dict[str, tuple[int, int | None]] = {
    "a_00_14": (0, 14),
    "a_15_24": (15, 24),
    "a_25_44": (25, 44),
    "a_45_64": (45, 64),
    "a_65_oo": (65, None),
}

#: Bands of youth and elderly policy (the issue's forecast bands).
POLICY_BANDS: tuple[str, ...] = ("0-11", "12-17", "18-64", "65-74", "75+")

#: Lower ages at which a fine band starts (75 only with a share of 75-plussers).
_STARTS = (0, 12, 15, 18, 25, 45, 65)
_STARTS_75 = (*_STARTS, 75)

#: Column of the total in a forecast and in the population tables.
TOTAL = "inwoners"

#: Column of the dwellings in :func:`present_by_area`.
DWELLINGS = "woningen"

#: The group of the ages that no band of a forecast covers (with ``inwoners`` given), and
#: its Dutch label in the tables.
REST, REST_LABEL = "rest", "overige leeftijden"


@dataclass(frozen=True, order=True)
class Band:
    """An age band: ``lo`` to ``hi`` years inclusive (``hi`` None = open-ended)."""

    lo: int
    hi: int | None

    @property
    def label(self) -> str:
        """Dutch label: ``0-11``, ``75+``."""
        return f"{self.lo}+" if self.hi is None else f"{self.lo}-{self.hi}"

    @property
    def slug(self) -> str:
        """For column names: ``0_11``, ``75_plus``."""
        return f"{self.lo}_plus" if self.hi is None else f"{self.lo}_{self.hi}"

    def covers(self, other: Band) -> bool:
        """Whether ``other`` lies inside this band."""
        hi_ok = self.hi is None or (other.hi is not None and other.hi <= self.hi)
        return self.lo <= other.lo and hi_ok

    @property
    def years(self) -> int | None:
        return None if self.hi is None else self.hi - self.lo + 1


_LABEL = re.compile(r"^\s*(\d{1,3})\s*(?:[-–]\s*(\d{1,3})|(\+))\s*(?:jaar)?\s*$")


def parse_band(label: str) -> Band:
    """A band from its label: ``"0-11"``, ``"0–11"``, ``"75+"`` or a CBS column ``"a_65_oo"``.

    Examples
    --------
    >>> parse_band("12-17"), parse_band("a_65_oo").label
    (Band(lo=12, hi=17), '65+')
    """
    if label in CBS_BANDS:
        return Band(*CBS_BANDS[label])
    m = _LABEL.match(str(label))
    if not m:
        raise ForecastError(
            f"{label!r} is geen leeftijdsklasse; schrijf 0-11, 12-17, 18-64, 65-74, 75+ of een "
            f"CBS-klasse (0-14, 15-24, 25-44, 45-64, 65+ of a_00_14 ... a_65_oo)."
        )
    lo = int(m.group(1))
    hi = None if m.group(3) else int(m.group(2))
    if hi is not None and hi < lo:
        raise ForecastError(f"leeftijdsklasse {label!r}: de bovengrens is lager dan de ondergrens.")
    return Band(lo, hi)


@dataclass(frozen=True)
class AgeModel:
    """The fine bands, and how each CBS band is split into them.

    Parameters
    ----------
    share_75_plus : float or None
        Share (0-1) of the 75-plussers among the 65-plussers, the same in every buurt;
        None keeps 65+ as one fine band.
    """

    share_75_plus: float | None = None

    @property
    def fine(self) -> tuple[Band, ...]:
        """The fine bands, youngest first."""
        starts = _STARTS_75 if self.share_75_plus is not None else _STARTS
        ends: list[int | None] = [s - 1 for s in starts[1:]]
        ends.append(None)
        return tuple(Band(lo, hi) for lo, hi in zip(starts, ends, strict=True))

    @property
    def split(self) -> dict[str, list[tuple[Band, float]]]:
        """Per CBS column, its fine bands with the fraction of the column each gets."""
        out: dict[str, list[tuple[Band, float]]] = {}
        for col, (lo, hi) in CBS_BANDS.items():
            band = Band(lo, hi)
            parts = [f for f in self.fine if band.covers(f)]
            if hi is None:  # 65+: 65-74 and 75+ by the given share
                if len(parts) == 1:
                    out[col] = [(parts[0], 1.0)]
                else:
                    s = float(self.share_75_plus)  # type: ignore[arg-type]
                    out[col] = [(parts[0], 1.0 - s), (parts[1], s)]
                continue
            n = band.years
            out[col] = [(f, (f.years or 0) / n) for f in parts]  # type: ignore[operator]
        return out

    def fine_of(self, band: Band) -> list[Band]:
        """The fine bands that make up ``band``; a ForecastError when it does not align."""
        parts = [f for f in self.fine if band.covers(f)]
        covered = sum((f.years or 0) for f in parts)
        whole = (band.hi is None and parts and parts[-1].hi is None) or (
            band.hi is not None and covered == band.years
        )
        if parts and parts[0].lo == band.lo and whole:
            return parts
        edges = ", ".join(str(f.lo) for f in self.fine)
        if band.lo >= 65 and self.share_75_plus is None:
            raise ForecastError(
                f"leeftijdsklasse {band.label}: CBS telt per buurt alleen 65-plussers (a_65_oo). "
                f"Voeg 65-74 en 75+ samen tot 65+, of geef in het scenario [prognose] "
                f"aandeel_75_plus (het aandeel 75-plussers onder de 65-plussers van nu, met "
                f"bron_aandeel_75_plus)."
            )
        raise ForecastError(
            f"leeftijdsklasse {band.label} past niet op de grenzen van de CBS-klassen en "
            f"jeugdklassen (een klasse begint bij {edges} jaar en eindigt een jaar voor de "
            f"volgende). Gebruik bijv. 0-11, 12-17, 18-64, 65-74, 75+ of 0-14, 15-24, "
            f"25-44, 45-64, 65+."
        )

    def table(self, buurten: pd.DataFrame) -> pd.DataFrame:
        """Per buurt the fine-band counts from the CBS columns (NaN where CBS has none).

        Columns are the fine band labels; the rows do not add up to ``a_inw`` exactly
        (CBS rounding), see :func:`structure`.
        """
        cols: dict[str, pd.Series] = {}
        for col, parts in self.split.items():
            x = (pd.to_numeric(buurten[col], errors="coerce").astype(float)
                 if col in buurten.columns else pd.Series(np.nan, index=buurten.index))
            for f, frac in parts:
                cols[f.label] = x * frac
        return pd.DataFrame(cols, index=buurten.index)[[f.label for f in self.fine]]


def fine_counts(buurten: pd.DataFrame, model: AgeModel) -> tuple[pd.DataFrame, list[str]]:
    """Per buurt the fine-band counts (:meth:`AgeModel.table`), with gaps filled.

    Where CBS has an inhabitant count (``a_inw`` > 0) but no age bands (or only zeros),
    the age structure of all buurten together is applied to ``a_inw``, and the buurt is
    named in the returned list.
    """
    fine = model.table(buurten)
    inw = pd.to_numeric(buurten["a_inw"], errors="coerce").astype(float)
    total = fine.sum(axis=1, min_count=len(fine.columns))
    ok = total.notna() & (total > 0)
    gap = (~ok & (inw > 0)).to_numpy()
    if gap.any():
        city = fine[ok].sum() / float(total[ok].sum()) if ok.any() else pd.Series(np.nan, index=fine.columns)
        fine.loc[gap] = np.outer(inw[gap].to_numpy(), city.to_numpy())
    return fine, list(buurten.index[gap])


def new_residents_by_band(buurten: pd.DataFrame, new_residents: pd.Series, model: AgeModel) -> pd.DataFrame:
    """Per buurt the plans' new residents by fine band: the plan check's rule, new residents
    have the buurt's age distribution (band / ``a_inw`` of the buurt after the plans)."""
    fine, _ = fine_counts(buurten, model)
    inw = pd.to_numeric(buurten["a_inw"], errors="coerce").astype(float)
    n = new_residents.reindex(buurten.index).fillna(0.0).astype(float)
    return fine.div(inw.where(inw > 0), axis=0).mul(n, axis=0).fillna(0.0)


@dataclass
class Distribution:
    """The target-year population of the buurten: the forecast applied.

    Attributes
    ----------
    deltas : DataFrame
        Per buurt whose population the forecast changes (index ``buurtcode``): the change
        of ``a_inw`` and of the CBS age columns, to be added to the statistics after the
        plans.
    fine_then : DataFrame
        Per buurt (all buurten) the fine-band counts in the target year.
    total_factor : Series
        Per buurt the factor of the residents of the existing homes (1 where nothing
        changes).
    areas : DataFrame
        One row per (forecast area, band): ``gebied``, ``naam``, ``klasse``, ``nu`` (CBS,
        before the plans), ``plannen`` (new residents of the plans), ``bestaand``
        (residents of the existing homes after demolition), ``prognose``,
        ``groei_bestaand`` (G) and ``factor_bestaand`` (1 + G / bestaand).
    messages : list of str
        Dutch: every note of the distribution (the warnings below, and where a buurt's
        age structure was not known).
    warnings : list of str
        Dutch, for the report and the CLI: where the plans add more people than the
        forecast allows, and where the existing homes must take more than
        :data:`OCCUPANCY_NOTE_PCT` % more residents because the scenario's plans house
        only part of the forecast's growth.
    """

    deltas: pd.DataFrame
    fine_then: pd.DataFrame
    total_factor: pd.Series
    areas: pd.DataFrame
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def distribute(
    buurten: pd.DataFrame,
    new_residents: pd.Series,
    forecast: pd.DataFrame,
    area_of: pd.Series,
    *,
    model: AgeModel,
    present: pd.DataFrame,
    names: Mapping[str, str] | None = None,
    source: str = "prognose",
    new_dwellings: pd.Series | None = None,
) -> Distribution:
    """Distribute a forecast over the buurten (see the module doc for the method).

    Parameters
    ----------
    buurten : DataFrame
        The buurten after the plans (CBS ``a_inw`` and the age columns).
    new_residents : Series
        Per buurtcode the new residents the plans brought (missing = 0).
    forecast : DataFrame
        Index = forecast area code; column ``inwoners`` (optional) and one column per
        band label (``"0-11"``, ``"65+"``...), numbers for the target year.
    area_of : Series
        Per buurtcode the forecast area it belongs to (NaN: outside every area).
    model : AgeModel
    present : DataFrame
        Per forecast area (index) the inhabitants before the plans: ``inwoners`` and the
        fine bands (for the table and the messages; see :func:`present_by_area`).
    names : mapping, optional
        Area code -> Dutch name, for messages.
    source : str
        The forecast file, for error messages.
    new_dwellings : Series, optional
        Per buurtcode the dwellings the plans built (missing = 0); for the inhabitants per
        existing dwelling in :attr:`Distribution.warnings`.

    Raises
    ------
    ForecastError
        Bands that do not fit, a forecast below the plans' own residents, a band the
        area has nobody of to grow, buurten without an inhabitant count.
    """
    names = dict(names or {})
    fine_labels = [f.label for f in model.fine]
    band_cols = [c for c in forecast.columns if c != TOTAL]
    groups: dict[str, list[str]] = {}
    for c in band_cols:
        groups[c] = [f.label for f in model.fine_of(parse_band(c))]
    used = [f for g in groups.values() for f in g]
    double = sorted({f for f in used if used.count(f) > 1}, key=fine_labels.index)
    if double:
        raise ForecastError(
            f"{source}: de leeftijdsklassen {', '.join(band_cols)} overlappen (samen tellen ze "
            f"{', '.join(double)} dubbel). Geef klassen die elkaar niet overlappen."
        )
    rest = [f for f in fine_labels if f not in used]
    has_total = TOTAL in forecast.columns
    if rest and not has_total:
        raise ForecastError(
            f"{source}: de klassen {', '.join(band_cols) or '(geen)'} dekken niet alle leeftijden "
            f"(ontbreekt: {', '.join(rest)}) en er is geen kolom '{TOTAL}'. Voeg de kolom "
            f"'{TOTAL}' (alle leeftijden) of de ontbrekende klassen toe."
        )
    if has_total and not rest:
        summed = forecast[band_cols].sum(axis=1)
        off = (summed - forecast[TOTAL]).abs() > 0.5 * len(band_cols)
        if off.any():
            code = str(forecast.index[off.to_numpy()][0])
            raise ForecastError(
                f"{source}: gebied {code}: '{TOTAL}' ({nl_int(forecast.at[code, TOTAL])}) is niet de "
                f"som van de leeftijdsklassen ({nl_int(summed[code])}). Maak ze gelijk of laat "
                f"'{TOTAL}' weg."
            )
    if rest and has_total:
        # the ages no band covers are one more band, the rest; last, since its growth is the
        # total's growth minus that of the given bands
        groups[REST] = rest

    inw = pd.to_numeric(buurten["a_inw"], errors="coerce").astype(float)
    areas = area_of.reindex(buurten.index)
    covered = areas.notna()
    unknown = buurten.index[(covered & inw.isna()).to_numpy()]
    if len(unknown):
        listed = nl_names([f"{c} ({buurten.at[c, 'buurtnaam']})" for c in unknown], 8)
        raise ForecastError(
            f"{source}: CBS geeft geen inwonertal (a_inw) voor {len(unknown)} buurt(en) in een "
            f"prognosegebied: {listed}. Zonder inwonertal kan de prognose niet over de buurten "
            f"verdeeld worden; vul a_inw aan of geef de prognose per buurt voor de andere buurten."
        )
    fine_p, filled = fine_counts(buurten, model)
    messages: list[str] = []
    filled = [c for c in filled if covered.get(c, False)]
    if filled:
        messages.append(
            f"Voor {len(filled)} buurt(en) geeft CBS geen leeftijdsopbouw "
            f"({nl_names([buurten.at[c, 'buurtnaam'] for c in filled], 8)}); daar is de "
            f"opbouw van alle buurten samen gebruikt."
        )
    fine_p = fine_p.fillna(0.0)
    dwellings_after = _strict_sum_by(buurten, "a_woning", inw)
    built = (new_dwellings.reindex(buurten.index).fillna(0.0).astype(float) if new_dwellings is not None
             else pd.Series(0.0, index=buurten.index))
    warned: list[str] = []
    n_b = new_residents.reindex(buurten.index).fillna(0.0).astype(float)
    N = new_residents_by_band(buurten, n_b, model)
    E = fine_p - N
    e_tot = inw.fillna(0.0) - n_b
    delta = pd.DataFrame(0.0, index=buurten.index, columns=fine_labels)
    rows: list[dict[str, object]] = []
    problems: list[str] = []
    for code in forecast.index:
        members = buurten.index[(areas == code).to_numpy()]
        name = names.get(str(code), str(code))
        growth_total = float(forecast.at[code, TOTAL]) - float(inw[members].sum()) if has_total else 0.0
        given = 0.0
        for g, parts in groups.items():
            n_g, e_g = group_sum(N, members, parts), group_sum(E, members, parts)
            label = REST_LABEL if g == REST else g
            if g == REST:  # total minus the given bands, with the rest bands' structure
                f_g = float(forecast.at[code, TOTAL]) - sum(float(forecast.at[code, b]) for b in band_cols)
                g_g = growth_total - given
                weight = (e_tot[members] - E.loc[members, used].sum(axis=1)).clip(lower=0.0)
                comp = E.loc[members, parts].clip(lower=0.0)
                comp_sum = comp.sum(axis=1)
                fallback = comp.sum() / float(comp_sum.sum()) if comp_sum.sum() > 0 else pd.Series(
                    1.0 / len(parts), index=parts)
                comp = comp.div(comp_sum.where(comp_sum > 0), axis=0)
                comp[comp_sum <= 0] = fallback.to_numpy()
                e_parts = comp.mul(weight, axis=0)
                e_g = float(weight.sum())
            else:
                f_g = float(forecast.at[code, g])
                g_g = f_g - group_sum(fine_p, members, parts)
                given += g_g
                e_parts = E.loc[members, parts]
            if f_g < n_g - 0.5:
                problems.append(
                    f"gebied {code} ({name}), klasse {label}: de prognose ({nl_int(f_g)}) is kleiner "
                    f"dan het aantal dat de plannen alleen al toevoegen ({nl_int(n_g)}). Controleer de "
                    f"prognose en de opleverjaren van de plannen."
                )
                continue
            if abs(g_g) <= TOLERANCE_PERSONS:
                g_g = 0.0
            if g_g != 0.0 and e_g <= 0.0:
                problems.append(
                    f"gebied {code} ({name}), klasse {label}: de prognose geeft {nl_int(f_g)}, maar nu "
                    f"woont daar niemand van die klasse en de plannen voegen er {nl_int(n_g)} toe: er "
                    f"is niets om de groei over te verdelen. Neem het plan op dat die inwoners "
                    f"huisvest, of geef de prognose voor een groter gebied."
                )
                continue
            if g_g != 0.0:
                delta.loc[members, parts] = e_parts.to_numpy() * (g_g / float(e_parts.to_numpy().sum()))
            if code not in present.index:
                now_g = float("nan")
            elif g == REST:  # as its growth: the inhabitants minus the given bands
                now_g = float(present.at[code, TOTAL]) - float(present.loc[code, used].sum())
            else:
                now_g = float(present.loc[code, parts].sum())
            rows.append(_area_row(code, name, label, now_g, n_g, e_g, f_g, g_g))
        if not rest:  # the bands cover every age: the inhabitants follow them
            growth_total = given
        n_total, e_total = float(n_b[members].sum()), float(e_tot[members].sum())
        now = float(present.at[code, TOTAL]) if code in present.index else float("nan")
        then = n_total + e_total + growth_total
        rows.append(_area_row(code, name, "totaal", now, n_total, e_total, then, growth_total))
        if n_total > 0 and growth_total < 0:
            warned.append(
                f"{name}: de plannen voegen {nl_int(n_total)} inwoners toe, terwijl de prognose "
                f"{nl_int(then)} inwoners geeft ({_signed(then - now)} ten opzichte van de "
                f"{nl_int(now)} van nu). De bewoners van de bestaande woningen moeten daardoor met "
                f"{nl_int(-growth_total)} afnemen ({nl_number(100 * -growth_total / e_total, 1)} %). "
                f"De plannen zijn niet verkleind: controleer de prognose of de plannen."
            )
        elif e_total > 0 and 100.0 * growth_total / e_total > OCCUPANCY_NOTE_PCT:
            warned.append(_occupancy_note(
                name, now, then, n_total, e_total, growth_total,
                float(present.at[code, DWELLINGS]) if DWELLINGS in present.columns and code in present.index
                else float("nan"),
                dwellings_after(members) - float(built[members].sum())))
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ForecastError(f"{source}: de prognose past niet op de buurten ({len(problems)} "
                            f"{'probleem' if len(problems) == 1 else 'problemen'}):\n{listing}")

    moved = buurten.index[(delta != 0.0).any(axis=1).to_numpy()]
    fine_then = model.table(buurten)
    fine_then.loc[moved] = (fine_p + delta).loc[moved].to_numpy()
    change = delta.loc[moved].sum(axis=1)
    deltas = pd.DataFrame({"a_inw": change}, index=moved)
    for col, pieces in model.split.items():
        if col in buurten.columns:
            # the CBS column becomes the sum of its fine bands in the target year: its own
            # count plus the growth, or, where CBS gave no ages and the structure of all
            # buurten was used, that estimate plus the growth (so the column sums to the
            # forecast too)
            now_col = pd.to_numeric(buurten.loc[moved, col], errors="coerce").astype(float).fillna(0.0)
            deltas[col] = fine_then.loc[moved, [f.label for f, _ in pieces]].sum(axis=1) - now_col
    deltas.index.name = "buurtcode"
    factor = pd.Series(1.0, index=buurten.index)
    factor[moved] = 1.0 + change / e_tot[moved]
    area_table = pd.DataFrame(rows, columns=list(AREA_COLUMNS))
    return Distribution(deltas=deltas, fine_then=fine_then, total_factor=factor, areas=area_table,
                        messages=warned + messages, warnings=warned)


#: A forecast that makes the residents of an area's existing homes grow by more than this
#: (%) is named in the report and the CLI. More people per dwelling is rarely what a
#: forecast means; usually the scenario lacks the plans that house the growth. (The
#: distribution does what the method says all the same: the sum is the forecast.)
OCCUPANCY_NOTE_PCT: float = 5.0


def _occupancy_note(name: str, now: float, then: float, n_total: float, e_total: float, growth: float,
                    dwellings_now: float, existing_dwellings: float) -> str:
    """Dutch: the forecast's growth goes mostly into the existing homes.

    Inhabitants per dwelling: all of the area's now; the existing homes' (after the plans'
    demolition) in the target year, without the plans' new homes and residents.
    """
    plans = (f"de plannen in het scenario brengen {nl_int(n_total)} nieuwe bewoners" if n_total >= 0.5
             else "het scenario heeft hier geen plannen met woningen")
    per_dwelling = ""
    if (np.isfinite(dwellings_now) and np.isfinite(existing_dwellings) and dwellings_now > 0
            and existing_dwellings > 0):
        per_dwelling = (f": gemiddeld {nl_number(now / dwellings_now, 2)} → "
                        f"{nl_number((e_total + growth) / existing_dwellings, 2)} inwoners per bestaande woning")
    return (
        f"{name}: de prognose geeft {nl_int(then)} inwoners ({_signed(then - now)} ten opzichte van de "
        f"{nl_int(now)} van nu); {plans}. De bestaande woningen krijgen er {nl_int(growth)} bewoners bij "
        f"({nl_number(100.0 * growth / e_total, 1)} % meer{per_dwelling}). Hoort die groei in nieuwe "
        f"woningen, neem dan de rest van het woningbouwprogramma als plannen op."
    )


def _strict_sum_by(buurten: pd.DataFrame, col: str, inw: pd.Series) -> Callable[[pd.Index], float]:
    """A function summing ``col`` over a set of buurten: NaN when the column is missing or
    unknown for a buurt with inhabitants (a partial sum would be wrong, not small)."""
    values = (pd.to_numeric(buurten[col], errors="coerce").astype(float) if col in buurten.columns
              else pd.Series(np.nan, index=buurten.index))

    def total(members: pd.Index) -> float:
        v = values[members]
        if (v.isna() & (inw[members].fillna(0.0) > 0)).any():
            return float("nan")
        return float(v.sum())

    return total


#: Columns of :attr:`Distribution.areas`.
AREA_COLUMNS = ("gebied", "naam", "klasse", "nu", "plannen", "bestaand", "prognose",
                "groei_bestaand", "factor_bestaand")

#: A growth smaller than this (persons) is none: a forecast equal to today, summed in
#: another order, reproduces today exactly.
TOLERANCE_PERSONS = 1e-6


def _area_row(code: object, name: str, band: str, now: float, n: float, e: float, f: float,
              g: float) -> dict[str, object]:
    return {"gebied": str(code), "naam": name, "klasse": band, "nu": now, "plannen": n, "bestaand": e,
            "prognose": f, "groei_bestaand": g, "factor_bestaand": 1.0 + g / e if e > 0 else float("nan")}


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "−") + nl_int(abs(x))


def group_sum(frame: pd.DataFrame, members: pd.Index, parts: Sequence[str]) -> float:
    """Sum of the fine-band columns ``parts`` over the buurten ``members``."""
    return float(frame.loc[members, list(parts)].to_numpy().sum())


def present_by_area(buurten: pd.DataFrame, area_of: pd.Series, model: AgeModel) -> pd.DataFrame:
    """Inhabitants per forecast area now: ``inwoners`` (CBS ``a_inw`` summed), the fine
    bands (the CBS bands summed and split as :class:`AgeModel` does) and ``woningen``
    (CBS ``a_woning`` summed; NaN where a buurt with inhabitants has no count)."""
    inw = pd.to_numeric(buurten["a_inw"], errors="coerce").astype(float)
    fine, _ = fine_counts(buurten, model)
    key = area_of.reindex(buurten.index).to_numpy()
    out = fine.groupby(key).sum(min_count=1)
    out.insert(0, TOTAL, inw.groupby(key).sum(min_count=1))
    dwellings = _strict_sum_by(buurten, "a_woning", inw)
    out[DWELLINGS] = [dwellings(buurten.index[key == code]) for code in out.index]
    return out


def band_counts(fine: pd.DataFrame, bands: Sequence[Band], model: AgeModel) -> pd.DataFrame:
    """Counts of (coarser) bands from a fine-band table; NaN for a band the model cannot
    make (65-74 or 75+ without a share of 75-plussers)."""
    out = {}
    for b in bands:
        try:
            parts = [f.label for f in model.fine_of(b)]
        except ForecastError:
            out[b.label] = pd.Series(np.nan, index=fine.index)
            continue
        out[b.label] = fine[parts].sum(axis=1, min_count=len(parts))
    return pd.DataFrame(out, index=fine.index)
