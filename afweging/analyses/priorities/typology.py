"""Buurt typology: cluster buurten on their profile so a planner can compare like with like.

Method
------
1. The profile of a buurt is a set of indicators (``[typology] features`` in
   ``priorities.toml``: age structure, households, housing type, corporation share,
   WOZ value, density, green, heat), as raw values.
2. Buurten with fewer than ``min_residents`` inhabitants (business parks, tiny buurten
   whose percentages are noise or suppressed by CBS) are not typed.
3. Missing values are imputed with the median of the typed buurten (counted and
   reported); every feature is standardised (scikit-learn ``StandardScaler``).
4. ``KMeans`` (``n_init=10``, ``random_state=afweging.settings.seed``) for every number
   of clusters ``k`` in ``[k_min, k_max]``, and at most one cluster per three typed
   buurten (so a type offers buurten to compare with); the ``k`` with the highest
   silhouette score is kept (ties: the smaller ``k``). Deterministic for a given seed.
   With fewer than ``3 × k_min`` typed buurten there is no typology.
5. Each cluster is named in Dutch from its centroid: the features whose centroid lies at
   least ``name_min_z`` standard deviations from the mean, strongest first, at most
   ``name_terms`` of them, each with its ``high`` or ``low`` word ("jong, veel
   meergezinswoningen, veel corporatiebezit"); a cluster close to the mean on every
   feature is "gemiddeld". Names are made unique by adding terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from afweging._format import nl_int


@dataclass
class Typology:
    """Result of :func:`buurt_typology`.

    Attributes
    ----------
    types : DataFrame
        Indexed by buurtcode: ``type`` (Int64, 1..k, NA for untyped buurten) and
        ``type_name`` (Dutch).
    profiles : DataFrame
        Per type: number of buurten, the name, and the mean raw value of every feature.
    centroids_z : DataFrame
        Per type: the centroid in standard deviations (what the names are built from).
    silhouette : Series
        Silhouette score per ``k`` tried.
    k : int
        The number of clusters kept (0 when too few buurten to cluster).
    imputed : Series
        Per feature, how many typed buurten had a missing value (median imputed).
    """

    types: pd.DataFrame
    profiles: pd.DataFrame
    centroids_z: pd.DataFrame
    silhouette: pd.Series
    k: int
    imputed: pd.Series


def _name(z: pd.Series, high: dict[str, str], low: dict[str, str], n_terms: int,
          min_z: float) -> list[str]:
    order = z.abs().sort_values(ascending=False, kind="stable")
    return [high[f] if z[f] > 0 else low[f] for f in order.index if abs(z[f]) >= min_z][:n_terms]


def cluster_names(centroids_z: pd.DataFrame, high: dict[str, str], low: dict[str, str], *,
                  n_terms: int = 3, min_z: float = 0.5) -> list[str]:
    """Unique Dutch names for cluster centroids given in standard deviations.

    Examples
    --------
    >>> c = pd.DataFrame({"kind": [1.2, -0.8], "corp": [0.9, 0.1]})
    >>> cluster_names(c, {"kind": "jong", "corp": "veel corporatiebezit"},
    ...               {"kind": "weinig kinderen", "corp": "weinig corporatiebezit"})
    ['jong, veel corporatiebezit', 'weinig kinderen']
    """
    names = []
    for _, row in centroids_z.iterrows():
        terms = _name(row, high, low, n_terms, min_z)
        names.append(terms)
    out = [", ".join(t) if t else "gemiddeld" for t in names]
    # make duplicates unique: allow more (and weaker) terms, then number them
    for extra in range(1, centroids_z.shape[1] + 1):
        dup = pd.Series(out).duplicated(keep=False).to_numpy()
        if not dup.any():
            break
        for j in np.flatnonzero(dup):
            terms = _name(centroids_z.iloc[int(j)], high, low, n_terms + extra, 0.0)
            out[int(j)] = ", ".join(terms) if terms else "gemiddeld"
    seen: dict[str, int] = {}
    for i, name in enumerate(out):
        if out.count(name) > 1:
            seen[name] = seen.get(name, 0) + 1
            out[i] = f"{name} ({seen[name]})"
    return out


def buurt_typology(
    profile: pd.DataFrame,
    residents: pd.Series,
    *,
    high: dict[str, str],
    low: dict[str, str],
    k_min: int = 3,
    k_max: int = 8,
    min_residents: float = 200.0,
    name_terms: int = 3,
    name_min_z: float = 0.5,
    proxies: frozenset[str] | set[str] = frozenset(),
    seed: int = 0,
) -> Typology:
    """Cluster buurten on their profile (see the module docstring).

    Parameters
    ----------
    profile : DataFrame
        Indexed by buurtcode, one column per feature (raw values, NaN = unknown).
    residents : Series
        Inhabitants per buurt (CBS ``a_inw``).
    high, low : dict
        Dutch words per feature for a high / low centroid.
    k_min, k_max : int
        Range of cluster numbers tried (the silhouette score picks one).
    min_residents : float
        Buurten below this are not typed.
    name_terms, name_min_z
        How names are built.
    proxies : set of str
        Features estimated by a proxy; their words in the names get "(proxy)".
    seed : int
        ``random_state`` of KMeans.

    Returns
    -------
    Typology
    """
    index = profile.index
    res = pd.to_numeric(residents, errors="coerce").reindex(index)
    typed = (res >= min_residents).to_numpy() & (res > 0).to_numpy()
    feats = [c for c in profile.columns if profile.loc[typed, c].notna().any()]
    x = profile.loc[typed, feats].astype(float)
    imputed = x.isna().sum()
    x = x.fillna(x.median())
    n = len(x)
    types = pd.DataFrame(
        {
            "type": pd.array([pd.NA] * len(index), dtype="Int64"),
            "type_name": pd.Series(
                f"niet getypeerd (minder dan {nl_int(min_residents)} inwoners)", index=index, dtype=object
            ),
        },
        index=index,
    )
    empty = pd.DataFrame()
    too_few = "niet getypeerd (te weinig buurten voor een typering)"
    if n < 3 * k_min or len(feats) == 0:
        types.loc[x.index, "type_name"] = too_few
        return Typology(types, empty, empty, pd.Series(dtype=float), 0, imputed)
    z = StandardScaler().fit_transform(x.to_numpy())
    scores: dict[int, float] = {}
    labels_by_k: dict[int, np.ndarray] = {}
    # at most one type per three typed buurten, so every type offers buurten to compare
    for k in range(k_min, min(k_max, n // 3) + 1):
        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(z)
        if len(set(km.labels_)) < 2:
            continue
        scores[k] = float(silhouette_score(z, km.labels_))
        labels_by_k[k] = km.labels_
    if not scores:
        types.loc[x.index, "type_name"] = too_few
        return Typology(types, empty, empty, pd.Series(dtype=float), 0, imputed)
    best = max(scores, key=lambda k: (round(scores[k], 12), -k))
    raw_labels = labels_by_k[best]
    # number the types by size (largest first), ties by the first buurtcode: stable output
    frame = pd.DataFrame({"label": raw_labels}, index=x.index)
    size = frame["label"].value_counts()
    first = frame.reset_index().groupby("label")[frame.index.name or "index"].min()
    order = sorted(size.index, key=lambda lab: (-size[lab], str(first[lab])))
    remap = {lab: i + 1 for i, lab in enumerate(order)}
    type_id = frame["label"].map(remap)
    zf = pd.DataFrame(z, index=x.index, columns=feats)
    centroids_z = zf.groupby(type_id).mean().sort_index()
    tag = {f: " (proxy)" if f in proxies else "" for f in feats}
    names = cluster_names(
        centroids_z,
        {f: high[f] + tag[f] for f in feats},
        {f: low[f] + tag[f] for f in feats},
        n_terms=name_terms,
        min_z=name_min_z,
    )
    name_of = dict(zip(centroids_z.index, names, strict=True))
    types.loc[x.index, "type"] = type_id.astype("Int64")
    types.loc[x.index, "type_name"] = type_id.map(name_of)
    profiles = x.groupby(type_id).mean()
    profiles.insert(0, "type_name", [name_of[t] for t in profiles.index])
    profiles.insert(1, "n_buurten", type_id.value_counts().reindex(profiles.index))
    profiles.index.name = "type"
    centroids_z.index.name = "type"
    return Typology(types, profiles, centroids_z, pd.Series(scores, name="silhouette"), best, imputed)
