"""Anisotropic neighbourhood search: exact against brute force, both strategies."""

import numpy as np
import pytest

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.rotation import axis_vectors
from mine2magnet.geostats.search import NeighbourSearch, SearchParameters


def _data(n=800, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform([0, 0, 0], [500, 400, 100], size=(n, 3))
    holes = rng.integers(0, n // 8, size=n)
    T = rng.uniform([-50, -50, -10], [550, 450, 110], size=(400, 3))
    return X, holes, T


def _brute(X, T, params, holes=None):
    A = params.matrix()
    d = np.linalg.norm((X[None, :, :] - T[:, None, :]) @ A.T, axis=-1)
    rows = []
    for t in range(len(T)):
        inside = np.flatnonzero(d[t] <= 1.0 + 1e-9)
        order = inside[np.lexsort((inside, d[t, inside]))]
        sel, per_hole, per_oct = [], {}, {}
        for j in order:
            full = per_hole.get(holes[j], 0) >= (params.max_per_hole or np.inf)
            if full:
                continue
            if params.max_per_octant is not None:
                v = A @ (X[j] - T[t])
                o = 4 * (v[0] < 0) + 2 * (v[1] < 0) + (v[2] < 0)
                if per_oct.get(o, 0) >= params.max_per_octant:
                    continue
                per_oct[o] = per_oct.get(o, 0) + 1
            if params.max_per_hole is not None:
                per_hole[holes[j]] = per_hole.get(holes[j], 0) + 1
            sel.append(j)
            if len(sel) == params.max_samples:
                break
        rows.append(sel)
    return rows


@pytest.mark.parametrize("strategy", ["grid", "kdtree"])
@pytest.mark.parametrize(
    "limits",
    [{}, {"max_per_hole": 2}, {"max_per_octant": 2}, {"max_per_hole": 3, "max_per_octant": 3}],
)
def test_matches_brute_force(strategy, limits):
    X, holes, T = _data()
    params = SearchParameters((120.0, 80.0, 30.0), (35.0, -15.0, 10.0), 1, 12, **limits)
    nb = NeighbourSearch(X, params, holes, strategy=strategy).query(T)
    expected = _brute(X, T, params, holes)
    for t, sel in enumerate(expected):
        assert nb.count[t] == len(sel)
        assert nb.index[t, : nb.count[t]].tolist() == sel
        assert np.all(nb.index[t, nb.count[t] :] == -1)
        assert np.all(np.isnan(nb.distance[t, nb.count[t] :]))
    A = params.matrix()
    t, k = 5, max(int(nb.count[5]) - 1, 0)
    if nb.count[5]:
        j = nb.index[t, k]
        assert nb.distance[t, k] == pytest.approx(np.linalg.norm(A @ (X[j] - T[t])))


def test_strategies_and_chunks_agree_exactly():
    X, holes, T = _data(3000, seed=3)
    params = SearchParameters((90.0, 60.0, 25.0), (120.0, 10.0, -20.0), 1, 16, max_per_hole=4)
    grid = NeighbourSearch(X, params, holes, strategy="grid")
    tree = NeighbourSearch(X, params, holes, strategy="kdtree")
    a = grid.query(T)
    b = tree.query(T)
    np.testing.assert_array_equal(a.index, b.index)
    parts = [grid.query(T[i : i + 37]) for i in range(0, len(T), 37)]
    np.testing.assert_array_equal(np.concatenate([p.index for p in parts]), a.index)
    np.testing.assert_array_equal(np.concatenate([p.distance for p in parts]), a.distance)


def test_ellipsoid_boundary_is_inside():
    major, semi, minor = axis_vectors(60.0, -30.0, 15.0)
    radii = (100.0, 50.0, 20.0)
    X = np.array(
        [major * 100.0, semi * 50.0 * 0.999, minor * 20.0, major * 100.5, semi * 50.5, minor * 20.2]
    )
    for strategy in ("grid", "kdtree"):
        s = NeighbourSearch(
            X, SearchParameters(radii, (60.0, -30.0, 15.0), 1, 10), strategy=strategy
        )
        nb = s.query(np.zeros((1, 3)))
        assert sorted(nb.index[0, : nb.count[0]].tolist()) == [0, 1, 2]


def test_ties_broken_by_lower_index():
    X = np.array([[10.0, 0, 0], [-10.0, 0, 0], [0, 10.0, 0], [0, -10.0, 0]])
    for strategy in ("grid", "kdtree"):
        nb = NeighbourSearch(X, SearchParameters(50.0, max_samples=2), strategy=strategy).query(
            [[0.0, 0.0, 0.0]]
        )
        assert nb.index[0].tolist() == [0, 1]


def test_empty_and_far_targets():
    X, _, _ = _data(50)
    s = NeighbourSearch(X, SearchParameters(10.0, max_samples=4))
    nb = s.query(np.array([[1e6, 1e6, 1e6]]))
    assert nb.count.tolist() == [0] and nb.index.tolist() == [[-1] * 4]
    assert s.query(np.zeros((0, 3))).index.shape == (0, 4)
    empty = NeighbourSearch(np.zeros((0, 3)), SearchParameters(10.0))
    assert empty.query(np.zeros((2, 3))).count.tolist() == [0, 0]


def test_scaled_pass_and_validation():
    p = SearchParameters((10.0, 5.0, 2.0), min_samples=2, max_samples=8)
    q = p.scaled(2.0, min_samples=1)
    assert q.ranges == (20.0, 10.0, 4.0) and q.min_samples == 1 and q.max_samples == 8
    with pytest.raises(ConfigError, match="exceeds"):
        SearchParameters(10.0, min_samples=5, max_samples=4)
    with pytest.raises(ConfigError, match="radii"):
        SearchParameters((10.0, -1.0, 1.0))
    with pytest.raises(ConfigError, match="max_per_hole"):
        SearchParameters(10.0, max_per_hole=0)
    with pytest.raises(ConfigError, match="hole_id"):
        NeighbourSearch(np.zeros((2, 3)), SearchParameters(10.0, max_per_hole=1))
    with pytest.raises(DataError, match="finite"):
        NeighbourSearch(np.full((2, 3), np.nan), SearchParameters(10.0))
    with pytest.raises(ConfigError, match="strategy"):
        NeighbourSearch(np.zeros((2, 3)), SearchParameters(10.0), strategy="octree")


def test_dense_data_chooses_kdtree():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, size=(5000, 3))
    assert NeighbourSearch(X, SearchParameters(50.0)).strategy == "kdtree"
    assert NeighbourSearch(X, SearchParameters(1.0)).strategy == "grid"


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    given = None

if given is not None:

    @settings(max_examples=40, deadline=None)
    @given(
        st.integers(0, 2**31 - 1),
        st.integers(1, 200),
        st.integers(1, 20),
        st.sampled_from([None, 1, 2]),
        st.sampled_from([None, 1, 3]),
        st.floats(5.0, 300.0),
    )
    def test_property_grid_search_is_exact(seed, n, k, per_hole, per_oct, radius):
        rng = np.random.default_rng(seed)
        X = rng.uniform(0, 200, size=(n, 3)) * [1, 1, 0.5]
        holes = rng.integers(0, max(n // 4, 1), size=n)
        T = rng.uniform(-20, 220, size=(30, 3))
        params = SearchParameters(
            (radius, radius * 0.6, radius * 0.3), (rng.uniform(0, 360), -20.0, 10.0), 1, k,
            per_hole, per_oct,
        )  # fmt: skip
        nb = NeighbourSearch(X, params, holes, strategy="grid").query(T)
        for t, sel in enumerate(_brute(X, T, params, holes)):
            assert nb.index[t, : nb.count[t]].tolist() == sel
