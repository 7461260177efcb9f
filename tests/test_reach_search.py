"""The shared super-source search (graph.SuperSourceSearch) against a fresh computation."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from afweging.analyses.reach.graph import SuperSourceSearch


def _reference(m: sp.csr_matrix, nodes: np.ndarray, offsets: np.ndarray, limit: float) -> np.ndarray:
    """min over sources of offset + distance: a fresh matrix with an extra row whose edges
    weigh each source node's smallest offset, searched from that row."""
    n = m.shape[0]
    coo = m.tocoo()
    best = np.full(n, np.inf)
    np.minimum.at(best, nodes, offsets)
    src = np.flatnonzero(best <= limit)
    aug = sp.csr_matrix(
        (np.concatenate([coo.data, best[src]]),
         (np.concatenate([coo.row, np.full(len(src), n)]), np.concatenate([coo.col, src]))),
        shape=(n + 1, n + 1),
    )
    return dijkstra(aug, directed=True, indices=n, limit=limit)[:n]


def test_one_searcher_for_many_source_sets_equals_fresh_searches():
    rng = np.random.default_rng(3)
    n = 400
    rows = rng.integers(0, n, 2400)
    cols = rng.integers(0, n, 2400)
    keep = rows != cols
    m = sp.csr_matrix((rng.uniform(1, 100, keep.sum()), (rows[keep], cols[keep])), shape=(n, n))
    m.sum_duplicates()
    search = SuperSourceSearch(m)
    for k in (3, 50, 2000, 1, 7):  # 2000 sources: more than the first room (1024)
        nodes = rng.integers(0, n, k)
        offsets = rng.uniform(0, 300, k)  # some beyond the limit
        got = search.distances(nodes, offsets, limit_m=250.0)
        np.testing.assert_array_equal(got, _reference(m, nodes, offsets, 250.0))
    # the matrix is left as it was: no super-source edges, the original entries
    aug = search._matrix(1)
    assert aug.indptr[n + 1] == aug.indptr[n] == m.nnz
    np.testing.assert_array_equal(aug.indices[: m.nnz], m.indices)
    assert np.isinf(search.distances(np.array([5]), np.array([300.0]), limit_m=250.0)).all()
