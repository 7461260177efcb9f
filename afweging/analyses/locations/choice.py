"""City-wide location choice: where do N new sites serve the most people who need them most?

:func:`choose_locations` puts the pieces together: demand per home
(:mod:`~afweging.analyses.locations.demand`), candidate sites
(:mod:`~afweging.analyses.locations.candidates`), which site serves which home
(:mod:`~afweging.analyses.locations.coverage`), the exact and the greedy solution
(:mod:`~afweging.analyses.locations.solve`), and the explanation of every chosen site.
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from afweging import settings
from afweging._errors import ConfigError, LocationError
from afweging._format import nl_int, nl_names, nl_number, nl_pct
from afweging.analyses.locations.candidates import (
    ORIGINS,
    default_spacing_m,
    generated_caveats,
    public_space_sites,
    read_candidate_sites,
)
from afweging.analyses.locations.coverage import Coverage, Reduced, coverage_matrix, reduce_problem
from afweging.analyses.locations.demand import Demand, location_demand
from afweging.analyses.locations.solve import (
    OPTIMAL,
    Constraints,
    Solution,
    check_feasible,
    marginal_order,
    solve_exact,
    solve_greedy,
)
from afweging.analyses.priorities.config import QUESTIONS
from afweging.analyses.priorities.inputs import PriorityInputs
from afweging.data import tags
from afweging.geo.area import Area
from afweging.settings_schema import check_settings

#: Columns of :attr:`LocationChoice.sites` and :attr:`LocationChoice.greedy_sites`.
SITE_COLUMNS = (
    "rank", "site_id", "origin", "name", "buurtcode", "buurtnaam", "wijkcode", "wijknaam",
    "fixed", "people_new", "weight_new", "weight_cumulative", "network_pct", "reason",
)


@dataclass
class LocationChoice:
    """The answer of :func:`choose_locations`.

    Attributes
    ----------
    question : str
        ``speelplek``, ``ontmoetingsplek`` or ``voorzieningen``.
    label : str
        Dutch name of what is placed ("speelplek", "voorzieningencluster").
    n : int
        The number asked for (at most).
    sites : GeoDataFrame
        The chosen sites in order of marginal gain: ``rank``, ``site_id``, ``origin``,
        ``name``, ``buurtcode``, ``buurtnaam``, ``wijkcode``, ``wijknaam``, ``fixed``,
        ``people_new`` (target group newly within the norm), ``people_new_<col>`` per
        report group, ``weight_new`` (need-weighted gain), ``weight_cumulative``,
        ``network_pct`` (share of that gain whose time came from the network),
        ``reason`` (Dutch); Point geometry, EPSG:28992.
    greedy_sites : GeoDataFrame
        The same for the greedy solution.
    candidates : GeoDataFrame
        Every candidate site (index ``site_id``): ``origin``, ``name``, ``buurtcode``,
        ``wijkcode``, ``fixed``, ``status`` (``gekozen``, ``in het probleem``,
        ``gedomineerd`` or ``bedient niemand nieuw``).
    exact, greedy : Solution
        Solutions over the reduced problem (positions of its kept sites).
    demand : Demand
    coverage : Coverage
    reduced : Reduced
    comparison : dict
        ``objective`` (the solution used), ``objective_greedy``, ``gap_greedy_pct`` (how
        much the greedy solution falls short of it), ``status`` (``optimaal`` or
        ``tijdslimiet``), ``bound`` and ``gap_pct`` (to HiGHS's upper bound),
        ``seconds_exact``, ``seconds_greedy``, ``people_new`` and ``people_new_greedy``.
    before : dict
        ``people`` and ``weight`` of the demand (beyond the norm now), ``people_known``.
    constraints : dict
        ``min_per_wijk``, ``max_per_buurt``, ``fixed`` (site ids), ``time_limit_s``,
        ``spacing_m`` (None for a user file), ``candidates`` (file or "openbare ruimte").
    caveats : list of str
    timings_s : dict
    """

    question: str
    label: str
    n: int
    sites: gpd.GeoDataFrame
    greedy_sites: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    exact: Solution
    greedy: Solution
    demand: Demand = field(repr=False)
    coverage: Coverage = field(repr=False)
    reduced: Reduced = field(repr=False)
    comparison: dict[str, Any] = field(default_factory=dict)
    before: dict[str, float] = field(default_factory=dict)
    constraints: dict[str, Any] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    area_name: str = ""

    @property
    def objective(self) -> float:
        """Need-weighted demand newly covered by the chosen sites."""
        return float(self.comparison["objective"])

    @property
    def summary(self) -> list[str]:
        """Dutch summary lines (the CLI prints them)."""
        q = self.demand.question
        c = self.comparison
        lines = [
            f"Locatiekeuze {self.label}: {len(self.sites)} van maximaal {self.n} locaties; samen "
            f"brengen ze {nl_int(c['people_new'])} {q.group_label} binnen {q.norm_text()} "
            f"(nu {nl_int(self.before['people'])} buiten de norm; behoeftegewogen "
            f"{nl_number(self.objective, 1)}).",
        ]
        if c["status"] == OPTIMAL:
            lines.append(f"Exact optimaal (HiGHS, {nl_number(c['seconds_exact'], 1)} s); de gretige "
                         f"keuze haalt {nl_number(c['objective_greedy'], 1)}, "
                         f"{nl_pct(c['gap_greedy_pct'], 1)} minder.")
        else:
            lines.append(f"Tijdslimiet bereikt: beste gevonden oplossing ({c['source']}), hoogstens "
                         f"{nl_pct(c['gap_pct'], 1)} onder het optimum.")
        for _, r in self.sites.head(5).iterrows():
            lines.append(f"  {int(r['rank'])}. {r['site_id']} in {r['buurtnaam']}: "
                         f"+{nl_int(r['people_new'])} {q.group_label}")
        if len(self.sites) > 5:
            lines.append(f"  ... en nog {len(self.sites) - 5} (zie locaties.csv).")
        return lines

    def __repr__(self) -> str:
        return (f"<LocationChoice {self.area_name!r} {self.question}: {len(self.sites)} sites, "
                f"objective {self.objective:.1f} ({self.comparison.get('status')}), greedy "
                f"{self.comparison.get('objective_greedy', float('nan')):.1f}>")


# ------------------------------------------------------------------------------ helpers
def _whole(name: str, value: Any, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"choose_locations: {name}={value!r}; give a whole number >= {low}.")
    return int(value)


def site_label(question: str, q: Any, categories: Sequence[str]) -> str:
    """Dutch name of one new site: ``"speelplek"``, ``"voorzieningencluster"``."""
    if q.categories is None:
        return "voorzieningencluster"
    return tags.labels().get(categories[0] if categories else question, question).lower()


def _fixed_positions(sites: gpd.GeoDataFrame, fixed: Sequence[str]) -> list[int]:
    ids = [str(s) for s in sites.index]
    pos = {s: i for i, s in enumerate(ids)}
    unknown = [f for f in fixed if str(f) not in pos]
    if unknown:
        hints = []
        for f in unknown[:5]:
            close = difflib.get_close_matches(str(f), ids, n=1)
            hints.append(f"{f!r}" + (f" (bedoelt u {close[0]!r}?)" if close else ""))
        raise LocationError(
            f"Onbekende vaste locatie(s): {', '.join(hints)}. Vaste locaties zijn id's van de "
            f"kandidaten (kolom 'id' van het kandidatenbestand, of K0001 ... van de gegenereerde "
            f"kandidaten; zie de laag 'kandidaten' van locaties.gpkg)."
        )
    out = [pos[str(f)] for f in fixed]
    out += [int(i) for i in np.flatnonzero(sites["fixed"].to_numpy(dtype=bool)) if i not in out]
    return sorted(set(out))


def _how(net_pct: float) -> str:
    if net_pct >= 99.5:
        return "via het netwerk"
    if net_pct <= 0.5:
        return "hemelsbreed × omrijfactor"
    return f"voor {nl_pct(net_pct)} via het netwerk, verder hemelsbreed × omrijfactor"


@dataclass
class _Context:
    """What the per-site rows need (computed once per choice)."""

    demand: Demand
    coverage: Coverage
    sites: gpd.GeoDataFrame
    buurtnaam: pd.Series
    wijknaam: dict[str, str]
    label: str


def _site_rows(ctx: _Context, order: list[tuple[int, float]]) -> gpd.GeoDataFrame:
    """Per chosen site (in order): who it newly serves, and why it is there."""
    d = ctx.demand
    q = d.question
    homes = d.homes.iloc[ctx.coverage.homes]
    people = homes["people"].to_numpy()
    weight = homes["weight"].to_numpy()
    missing = homes["missing"].to_numpy()
    codes = homes["buurtcode"].to_numpy().astype(str)
    need = homes["need_index"].to_numpy()
    serves = ctx.coverage.serves.tocsc()
    network = ctx.coverage.network.tocsc()
    covered = np.zeros(len(homes), dtype=bool)
    rows = []
    total_w = 0.0
    for rank, (j, _) in enumerate(order, start=1):
        col = serves.indices[serves.indptr[j] : serves.indptr[j + 1]]
        new = col[~covered[col]]
        covered[new] = True
        net = network.indices[network.indptr[j] : network.indptr[j + 1]]
        w_new = float(weight[new].sum())
        w_net = float(weight[np.intersect1d(new, net, assume_unique=True)].sum())
        total_w += w_new
        site = ctx.sites.iloc[j]
        by_buurt = pd.Series(weight[new]).groupby(codes[new]).sum().sort_values(ascending=False)
        top = []
        for code in by_buurt.index[:2]:
            ni = need[new][codes[new] == code][0]
            idx = f" (behoefte-index {nl_int(100 * ni)})" if np.isfinite(ni) else ""
            top.append(f"{ctx.buurtnaam.get(code, code)}{idx}")
        row: dict[str, Any] = {
            "rank": rank,
            "site_id": str(ctx.sites.index[j]),
            "origin": site["origin"],
            "name": site["name"],
            "buurtcode": site["buurtcode"],
            "buurtnaam": ctx.buurtnaam.get(site["buurtcode"], site["buurtcode"]),
            "wijkcode": site["wijkcode"],
            "wijknaam": ctx.wijknaam.get(str(site["wijkcode"]), str(site["wijkcode"])),
            "fixed": bool(site["fixed"]),
            "people_new": float(people[new].sum()),
            "weight_new": w_new,
            "weight_cumulative": total_w,
            "network_pct": 100.0 * w_net / w_new if w_new > 0 else math.nan,
        }
        for col_name in q.report_groups:
            row[f"people_new_{col_name}"] = float(homes[f"people_{col_name}"].to_numpy()[new].sum())
        where = ORIGINS[str(site["origin"])] + (f": {site['name']}" if site["name"] else "")
        before = ("" if rank == 1 else ", bovenop de locatie hiervoor" if rank == 2
                  else f", bovenop de {rank - 1} locaties hiervoor")
        if q.categories is None:
            served = (f"brengt {nl_int(row['people_new'])} {q.group_label} alle dagelijkse "
                      f"voorzieningen binnen {q.norm_text()}{before} (nu missen zij er samen "
                      f"{nl_int(float((people[new] * missing[new]).sum()))})")
        else:
            served = (f"brengt {nl_int(row['people_new'])} {q.group_label} binnen {q.norm_text()} "
                      f"van een {ctx.label}{before}")
        extra = [f"{nl_int(row[f'people_new_{c}'])} {lab}" for c, lab in q.report_groups.items()
                 if round(row[f"people_new_{c}"]) > 0]
        if extra:
            served += f", onder wie {' en '.join(extra)}"
        reason = (f"{'Vaste locatie' if row['fixed'] else 'Locatie'} {where}. Een nieuwe {ctx.label} "
                  f"hier {served}")
        if top:
            reason += f"; zij wonen vooral in {' en '.join(top)}"
        reason += (f". Behoeftegewogen winst {nl_number(w_new, 1)}. Afstand "
                   f"{_how(row['network_pct']) if w_new > 0 else 'niet van toepassing'}.")
        if w_new <= 0:
            reason = (f"Vaste locatie {where}. Zij brengt niemand nieuw binnen {q.norm_text()}: "
                      f"de locaties hiervoor bedienen dezelfde mensen al.")
        row["reason"] = reason
        row["geometry"] = site.geometry
        rows.append(row)
    cols = [c for c in SITE_COLUMNS if c not in ("reason",)]
    extra_cols = [f"people_new_{c}" for c in q.report_groups]
    order_cols = [*cols[:10], *extra_cols, *cols[10:], "reason"]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in order_cols}, geometry=[], crs=settings.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.crs)[[*order_cols, "geometry"]]


def _trim(A: sp.csr_matrix, w: np.ndarray, chosen: Sequence[int], c: Constraints) -> list[int]:
    """Drop chosen sites that add nothing, unless fixed or needed for a wijk minimum."""
    keep = list(chosen)
    for j, gain in reversed(marginal_order(A, w, chosen)):
        if gain > 0 or j in c.fixed:
            continue
        if c.min_per_wijk and c.wijk is not None:
            same = sum(1 for k in keep if c.wijk[k] == c.wijk[j])
            if same <= c.min_per_wijk:
                continue
        keep.remove(j)
    return sorted(keep)


# ------------------------------------------------------------------------------ main
def choose_locations(
    area: Area,
    *,
    question: str = "speelplek",
    n: int = 10,
    candidates: str | Path | None = None,
    layers: Any = None,
    reach: Any = None,
    priorities: Any = None,
    config: str | Path | Mapping[str, Any] | None = None,
    min_per_wijk: int = 0,
    max_per_buurt: int | None = None,
    fixed: Sequence[str] = (),
    time_limit_s: float | None = None,
    spacing_m: float | None = None,
) -> LocationChoice:
    """Where do ``n`` new sites serve the most people who need them most? Solved exactly.

    A need-weighted maximal covering problem over candidate sites (see
    :mod:`afweging.analyses.locations`): choose at most ``n`` candidates so that the
    target group newly within the norm, each home weighted by the need of its buurt
    (*ongelijk investeren voor gelijke kansen*, the priorities' settings), is largest.
    Homes already within the norm of an existing facility count as covered.

    Parameters
    ----------
    area : Area
    question : {"speelplek", "ontmoetingsplek", "voorzieningen"}
        Sets the category, the norm, the mode and the target group (``priorities.toml``).
        A site for ``voorzieningen`` is a cluster of all everyday facilities.
    n : int
        At most this many new sites.
    candidates : path, optional
        A GeoPackage/GeoJSON of available plots (points or polygons; optional ``id``,
        ``naam``, ``vast``). Default: generated from public space, else a grid over the
        buurten (:mod:`~afweging.analyses.locations.candidates`).
    layers, reach, priorities : optional
        Results of :func:`afweging.compute_layers`, :func:`afweging.reachability` and
        :func:`afweging.prioritise` on ``area`` (computed when not given; the need index
        and the buurt status come from ``priorities``).
    config : path or mapping, optional
        Priorities settings, when ``priorities`` is not given.
    min_per_wijk : int
        At least this many sites in every wijk that has candidates.
    max_per_buurt : int, optional
        At most this many sites per buurt.
    fixed : list of str
        Candidate ids that must be chosen (also the ``vast`` sites of the file).
    time_limit_s : float, optional
        Time limit of the exact solver (default
        :data:`afweging.settings.location_time_limit_s`).
    spacing_m : float, optional
        Grid spacing of generated candidates (default a quarter of the norm, 25-200 m).

    Returns
    -------
    LocationChoice

    Raises
    ------
    ConfigError
        Unknown question.
    LocationError
        Unusable candidate file, unknown fixed site, constraints no choice can meet.
    """
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    check_settings()
    if question not in QUESTIONS:
        raise ConfigError(f"Onbekende vraag {question!r}; kies uit {list(QUESTIONS)}.")
    n = _whole("n", n, low=1)
    min_per_wijk = _whole("min_per_wijk", min_per_wijk, low=0)
    if max_per_buurt is not None:
        max_per_buurt = _whole("max_per_buurt", max_per_buurt, low=1)
    limit = settings.location_time_limit_s if time_limit_s is None else float(time_limit_s)
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(f"choose_locations: time_limit_s={time_limit_s!r}; give a positive number of seconds.")

    t = time.perf_counter()
    if priorities is None:
        from afweging.analyses.priorities.config import load_priority_config
        from afweging.analyses.priorities.ranking import prioritise

        cfg = load_priority_config(config)
        if layers is None:
            from afweging.layers import compute_layers

            layers = compute_layers(area)
        if reach is None:
            from afweging.analyses.reach.reachability import reachability

            modes = sorted({q.mode for q in cfg.questions.values()})
            reach = reachability(area, modes=modes)
        priorities = prioritise(area, layers, reach, config=config)
    elif reach is None:
        raise ValueError("choose_locations: pass the reachability result the priorities were "
                         "computed from (reach=...), or neither.")
    timings["invoer"] = time.perf_counter() - t

    t = time.perf_counter()
    mode = priorities.config.questions[question].mode
    graph = None
    if area.has(f"network:{mode}"):
        from afweging.analyses.reach.graph import array_graph

        graph = array_graph(area.networks[mode], mode, what=f"Area.networks[{mode!r}]")
    inp = PriorityInputs(area, layers, reach)
    demand = location_demand(inp, priorities, question, graph=graph)
    q = demand.question
    speed = settings.speed_m_per_min(q.mode)
    timings["vraag per woning"] = time.perf_counter() - t

    t = time.perf_counter()
    if candidates is not None:
        sites = read_candidate_sites(candidates, area)
        spacing = None
    else:
        spacing = default_spacing_m(demand.minutes * speed) if spacing_m is None else float(spacing_m)
        sites = public_space_sites(area, question=question, spacing_m=spacing)
    fixed_pos = _fixed_positions(sites, fixed)
    timings["kandidaten"] = time.perf_counter() - t

    t = time.perf_counter()
    cov = coverage_matrix(demand, sites, graph, **inp.reach_settings(q.mode))
    timings["dekking"] = time.perf_counter() - t

    wijk = sites["wijkcode"].astype(str).to_numpy()
    buurt = sites["buurtcode"].astype(str).to_numpy()
    full_c = Constraints(n=n, wijk=wijk, min_per_wijk=min_per_wijk, buurt=buurt,
                         max_per_buurt=max_per_buurt, fixed=tuple(fixed_pos))
    check_feasible(full_c, len(sites))
    w_home = demand.weight()[cov.homes]
    protected = np.zeros(len(sites), dtype=bool)
    protected[fixed_pos] = True
    if max_per_buurt is not None:  # buurten lie inside wijken
        group = np.char.add(np.char.add(wijk.astype(str), "/"), buurt.astype(str))
    else:
        group = wijk if min_per_wijk else None
    red = reduce_problem(cov, w_home, drop_dominated=True, group=group, protected=protected,
                         min_per_group=min_per_wijk)
    timings["reductie"] = red.stats["seconds"]
    c = full_c.take(red.sites)
    greedy = solve_greedy(red.A, red.weight, c)
    exact = solve_exact(red.A, red.weight, c, time_limit_s=limit, greedy=greedy)
    timings["gretig"] = greedy.seconds
    timings["exact"] = exact.seconds

    chosen = _trim(red.A, red.weight, exact.sites, c)
    chosen_g = _trim(red.A, red.weight, greedy.sites, c)
    bnaam = area.buurten["buurtnaam"].astype(str)
    wnaam = ({str(k): str(v) for k, v in area.wijken["wijknaam"].items()}
             if area.wijken is not None else {})
    label = site_label(question, q, demand.categories)
    ctx = _Context(demand, cov, sites, bnaam, wnaam, label)
    order = marginal_order(cov.serves, w_home, [int(red.sites[j]) for j in chosen])
    order_g = marginal_order(cov.serves, w_home, [int(red.sites[j]) for j in chosen_g])
    rows = _site_rows(ctx, order)
    rows_g = _site_rows(ctx, order_g)

    status = np.full(len(sites), "in het probleem", dtype=object)
    in_any = np.asarray(cov.serves.sum(axis=0)).ravel() > 0
    status[~in_any] = "bedient niemand nieuw"
    dropped = np.setdiff1d(np.arange(len(sites)), red.sites)
    status[dropped[in_any[dropped]]] = "gedomineerd"
    status[[j for j, _ in order]] = "gekozen"
    cand = sites.copy()
    cand["status"] = status

    homes = demand.homes
    beyond = (homes["weight"] > 0).to_numpy()
    before = {
        "people": float(homes["people"].to_numpy()[beyond].sum()),
        "weight": float(homes["weight"].sum()),
        "people_known": float(homes["people"].to_numpy()[~homes["excluded"].to_numpy()].sum()),
        "people_coverable": float(homes["people"].to_numpy()[cov.homes][red.row_of_home >= 0].sum()),
    }
    obj = float(rows["weight_new"].sum()) if len(rows) else 0.0
    obj_g = float(rows_g["weight_new"].sum()) if len(rows_g) else 0.0
    comparison = {
        "objective": obj,
        "objective_greedy": obj_g,
        "gap_greedy_pct": 100.0 * (obj - obj_g) / obj if obj > 0 else 0.0,
        "status": exact.status,
        "source": exact.source,
        "bound": exact.bound,
        "gap_pct": 100.0 * exact.gap,
        "seconds_exact": exact.seconds,
        "seconds_greedy": greedy.seconds,
        "people_new": float(rows["people_new"].sum()) if len(rows) else 0.0,
        "people_new_greedy": float(rows_g["people_new"].sum()) if len(rows_g) else 0.0,
        "sites": len(sites),
        "sites_kept": len(red.sites),
        "homes": len(cov.homes),
        "rows": int(red.A.shape[0]),
    }
    caveats = list(demand.caveats)
    inw = pd.to_numeric(area.buurten.get("a_inw", pd.Series(dtype=float)), errors="coerce")
    homeless = inw[(inw > 0) & ~inw.index.isin(pd.Index(homes["buurtcode"].astype(str).unique()))]
    if len(homeless):
        names = [str(bnaam.get(code, code)) for code in homeless.index]
        caveats.append(f"{len(homeless)} buurt(en) met samen {nl_int(float(homeless.sum()))} inwoners "
                       f"hebben geen woningen in de bron en tellen niet mee in de locatiekeuze: "
                       f"{nl_names(names, 8)}.")
    if candidates is None:
        caveats += generated_caveats(area, sites)
    if graph is None:
        caveats.append(f"Geen {'loop' if q.mode == 'walk' else 'fiets'}netwerk: alle afstanden "
                       f"hemelsbreed × omrijfactor (de regels van de bereikbaarheid).")
    if min_per_wijk and c.wijk is not None and area.wijken is not None:
        without = sorted(set(area.wijken.index.astype(str)) - set(wijk))
        if without:
            caveats.append(f"Minimum per wijk geldt alleen voor wijken met kandidaten; zonder "
                           f"kandidaten: {', '.join(wnaam.get(x, x) for x in without)}.")
    if len(chosen) < n and exact.status == OPTIMAL:
        caveats.append(f"Er zijn {len(chosen)} locaties gekozen, niet {n}: meer locaties brengen "
                       f"niemand meer binnen de norm.")
    if area.synthetic:
        caveats.append("Synthetisch demogebied: alle cijfers zijn verzonnen, niet echt.")
    timings["totaal"] = time.perf_counter() - t_all
    return LocationChoice(
        question=question,
        label=label,
        n=n,
        sites=rows,
        greedy_sites=rows_g,
        candidates=cand,
        exact=exact,
        greedy=greedy,
        demand=demand,
        coverage=cov,
        reduced=red,
        comparison=comparison,
        before=before,
        constraints={
            "min_per_wijk": min_per_wijk,
            "max_per_buurt": max_per_buurt,
            "fixed": [str(sites.index[i]) for i in fixed_pos],
            "time_limit_s": limit,
            "spacing_m": spacing,
            "candidates": str(candidates) if candidates is not None else "openbare ruimte",
        },
        caveats=caveats,
        timings_s=timings,
        area_name=area.name,
    )
