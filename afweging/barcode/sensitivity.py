"""How stable is the ranking of buurten when the weights vary?

Every draw multiplies each norm weight (within its theme) and each theme weight by an
independent factor drawn uniformly from ``[1 - perturbation, 1 + perturbation]``, recomputes
the balance score of every unit from the **same** norm scores, and ranks the units
(1 = highest balance score; ties share the lowest rank). Over all draws each unit gets the
range of its rank.

Rule for *gevoelig* (place depends on the weights): the 5-95 % range of a unit's rank is
wider than ``threshold`` times the number of ranked units (default 10 %: for Utrecht's 111
buurten, more than 11 places). With ``perturbation=0`` every draw equals the base ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from afweging import settings
from afweging.barcode.scoring import BarcodeScores


@dataclass
class SensitivityResult:
    """Rank ranges per unit under perturbed weights.

    Attributes
    ----------
    table : DataFrame
        Index = code; ``naam``, ``balansscore``, ``rang`` (with the weights of the norms),
        ``rang_min``, ``rang_max``, ``rang_p5``, ``rang_p95``, ``spreiding_p5_p95`` (places)
        and ``gevoelig`` (bool, see the module rule). Units without a balance score are
        left out.
    ranks : ndarray, shape (draws, units)
        The rank of every unit in every draw (columns in the order of ``table``).
    perturbation, draws, seed, threshold, level
        The settings used.
    """

    table: pd.DataFrame
    ranks: np.ndarray
    perturbation: float
    draws: int
    seed: int
    threshold: float
    level: str = "buurt"

    def _repr_html_(self) -> str:
        n = int(self.table["gevoelig"].sum())
        return (
            f"<p>Gevoeligheid voor de gewichten: {self.draws} trekkingen, gewichten ±"
            f"{self.perturbation:.0%}; {n} van de {len(self.table)} gevoelig "
            f"(spreiding p5–p95 &gt; {self.threshold:.0%} van het aantal).</p>"
            + self.table.sort_values("rang").to_html(float_format=lambda x: f"{x:.2f}")
        )


def _overall_batch(
    s0: np.ndarray,
    present: np.ndarray,
    member: np.ndarray,
    nw: np.ndarray,
    tw: np.ndarray,
) -> np.ndarray:
    """Balance scores for a batch of weight draws.

    s0 (units, norms) scores with NaN -> 0; present (units, norms) 1/0; member (norms,
    themes) 1/0; nw (draws, norms); tw (draws, themes). Returns (draws, units).
    """
    w = nw[:, :, None] * member[None, :, :]  # (d, m, k)
    num = np.einsum("im,dmk->dik", s0, w)
    den = np.einsum("im,dmk->dik", present, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        theme = num / den  # NaN where the theme has no scored norm
    t_present = np.isfinite(theme)
    theme0 = np.where(t_present, theme, 0.0)
    onum = np.einsum("dik,dk->di", theme0, tw)
    oden = np.einsum("dik,dk->di", t_present.astype(float), tw)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(oden > 0, onum / oden, np.nan)


def sensitivity(
    scores: BarcodeScores,
    *,
    perturbation: float = 0.25,
    draws: int = 500,
    seed: int | None = None,
    level: str = "buurt",
    threshold: float = 0.10,
) -> SensitivityResult:
    """Rank stability of buurten (or wijken) under random weight perturbations.

    Parameters
    ----------
    scores : BarcodeScores
    perturbation : float
        Relative half-width of the uniform factor on every weight (0.25 = ±25 %); in [0, 1).
    draws : int
        Number of random weight sets.
    seed : int, optional
        Random seed (default :data:`afweging.settings.seed`), so results repeat.
    level : {"buurt", "wijk"}
    threshold : float
        Share of the number of ranked units; a p5-p95 rank spread above it flags a unit
        as *gevoelig*.

    Returns
    -------
    SensitivityResult
    """
    if not 0.0 <= perturbation < 1.0:
        raise ValueError(f"perturbation must be in [0, 1) (0.25 = ±25 %); got {perturbation!r}.")
    if int(draws) < 1:
        raise ValueError(f"draws must be a positive integer; got {draws!r}.")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1); got {threshold!r}.")
    lv = {"buurt": scores.buurt, "wijk": scores.wijk}.get(level)
    if lv is None:
        raise ValueError(f"level must be 'buurt' or 'wijk' (present in the scores); got {level!r}.")
    seed = settings.seed if seed is None else int(seed)
    norms = scores.norms
    area_norms = [n for n in norms.area_norms() if n.id in lv.scores.columns]
    theme_ids = list(norms.themes)
    s = lv.scores[[n.id for n in area_norms]].to_numpy(dtype=float)
    present = np.isfinite(s).astype(float)
    s0 = np.where(present > 0, s, 0.0)
    member = np.zeros((len(area_norms), len(theme_ids)))
    for j, n in enumerate(area_norms):
        member[j, theme_ids.index(n.theme)] = 1.0
    base_nw = np.array([n.weight for n in area_norms], dtype=float)
    base_tw = np.array([norms.themes[t].weight for t in theme_ids], dtype=float)

    base = _overall_batch(s0, present, member, base_nw[None], base_tw[None])[0]
    ranked = np.isfinite(base)
    codes = lv.scores.index[ranked]
    n_units = int(ranked.sum())

    def ranks_of(overall: np.ndarray) -> np.ndarray:
        from scipy.stats import rankdata  # imported here: scipy.stats takes ~1 s to import

        return rankdata(-overall[:, ranked], method="min", axis=1)

    rng = np.random.default_rng(seed)
    all_ranks = np.empty((int(draws), n_units))
    batch = 100
    for start in range(0, int(draws), batch):
        d = min(batch, int(draws) - start)
        f_n = rng.uniform(1 - perturbation, 1 + perturbation, size=(d, len(base_nw)))
        f_t = rng.uniform(1 - perturbation, 1 + perturbation, size=(d, len(base_tw)))
        overall = _overall_batch(s0, present, member, base_nw * f_n, base_tw * f_t)
        all_ranks[start : start + d] = ranks_of(overall)
    base_rank = ranks_of(base[None])[0]
    p5, p95 = np.percentile(all_ranks, [5, 95], axis=0)
    spread = p95 - p5
    table = pd.DataFrame(
        {
            "naam": lv.names.reindex(codes).to_numpy(),
            "balansscore": base[ranked],
            "rang": base_rank,
            "rang_min": all_ranks.min(axis=0),
            "rang_max": all_ranks.max(axis=0),
            "rang_p5": p5,
            "rang_p95": p95,
            "spreiding_p5_p95": spread,
            "gevoelig": spread > threshold * n_units,
        },
        index=codes,
    )
    return SensitivityResult(
        table=table,
        ranks=all_ranks,
        perturbation=float(perturbation),
        draws=int(draws),
        seed=seed,
        threshold=float(threshold),
        level=level,
    )
