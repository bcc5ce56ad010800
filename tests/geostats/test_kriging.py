"""Kriging, inverse distance and nearest neighbour: direct solves, invariants, executors."""

import numpy as np
import pytest

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats import (
    NeighbourSearch,
    SearchParameters,
    Structure,
    VariogramModel,
    block_covariance,
    covariance,
    discretisation_offsets,
    inverse_distance,
    krige,
    nearest_neighbour,
    neighbourhood_analysis,
)

MODEL = VariogramModel(
    0.15,
    (
        Structure("spherical", 0.6, (120.0, 70.0, 25.0), (30.0, -10.0, 5.0)),
        Structure("exponential", 0.25, (300.0, 200.0, 60.0), (40.0, 0.0, 0.0)),
    ),
)
SEARCH = SearchParameters((150.0, 100.0, 40.0), (30.0, -10.0, 5.0), 3, 16)


def _data(n=600, m=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform([0, 0, 0], [600, 500, 120], size=(n, 3))
    z = rng.lognormal(0.0, 0.6, size=n)
    T = rng.uniform([0, 0, 0], [600, 500, 120], size=(m, 3))
    return X, z, T


def _reference(X, z, target, idx, offsets, method="ordinary", mean=0.0, model=MODEL):
    """Build the kriging system with numpy and solve it with numpy.linalg.solve."""
    Xs = X[idx]
    n = len(idx)
    C = covariance(model, Xs[:, None, :] - Xs[None, :, :])
    pts = target + offsets
    lags = Xs[:, None, :] - pts[None, :, :]
    cov = covariance(model, lags)
    if len(offsets) > 1:
        cov = cov - np.where(np.linalg.norm(lags, axis=-1) <= 1e-9, model.nugget, 0.0)
    c = cov.mean(axis=1)
    cbb = block_covariance(model, offsets)
    if method == "ordinary":
        M = np.ones((n + 1, n + 1))
        M[:n, :n] = C
        M[n, n] = 0.0
        sol = np.linalg.solve(M, np.r_[c, 1.0])
        lam, mu = sol[:n], sol[n]
        est = lam @ z[idx]
        kv = cbb - lam @ c - mu
    else:
        lam = np.linalg.solve(C, c)
        mu = 0.0
        est = mean + lam @ (z[idx] - mean)
        kv = cbb - lam @ c
    slope = (lam @ c) / (lam @ C @ lam)
    return est, kv, slope, mu, lam.sum(), (cbb - kv) / cbb


@pytest.mark.parametrize("method", ["ordinary", "simple"])
@pytest.mark.parametrize("disc", [(1, 1, 1), (2, 2, 2), (3, 2, 1)])
def test_equals_direct_solve_of_each_system(method, disc):
    X, z, T = _data()
    bs = (10.0, 12.0, 5.0)
    res = krige(X, z, T, MODEL, SEARCH, method=method, mean=1.1, block_size=bs, discretisation=disc)
    nb = NeighbourSearch(X, SEARCH).query(T)
    off = discretisation_offsets(bs, disc)
    checked = 0
    for t in range(len(T)):
        if nb.count[t] < SEARCH.min_samples:
            assert res.status[t] == 1 and np.isnan(res.estimate[t]) and res.pass_number[t] == 0
            continue
        idx = nb.index[t, : nb.count[t]]
        est, kv, slope, mu, sw, ke = _reference(X, z, T[t], idx, off, method, 1.1)
        assert res.estimate[t] == pytest.approx(est, rel=1e-10, abs=1e-12)
        assert res.variance[t] == pytest.approx(kv, rel=1e-9, abs=1e-12)
        assert res.slope[t] == pytest.approx(slope, rel=1e-8)
        assert res.efficiency[t] == pytest.approx(ke, rel=1e-8, abs=1e-10)
        assert res.sum_weights[t] == pytest.approx(sw, rel=1e-10)
        if method == "ordinary":
            assert res.lagrange[t] == pytest.approx(mu, rel=1e-8, abs=1e-12)
        else:
            assert np.isnan(res.lagrange[t]) and res.slope[t] == 1.0
        d = np.linalg.norm(X[idx] - T[t], axis=1).mean()
        assert res.mean_distance_m[t] == pytest.approx(d, rel=1e-12)
        assert res.n_samples[t] == nb.count[t] and res.pass_number[t] == 1
        checked += 1
    assert checked > 200
    assert res.method == f"{method}_kriging"


def test_point_kriging_is_exact_at_samples_and_block_is_mean_of_points():
    X, z, _ = _data(80, seed=2)
    everything = SearchParameters(1e5, max_samples=80)
    at = krige(X, z, X[:10], MODEL, everything)
    np.testing.assert_allclose(at.estimate, z[:10], rtol=1e-9)
    np.testing.assert_allclose(at.variance, 0.0, atol=1e-9)
    # with every sample in the neighbourhood, the block estimate is the mean of the
    # point estimates at its discretisation points (kriging is linear)
    centre = np.array([[300.0, 250.0, 60.0]])
    off = discretisation_offsets((20.0, 20.0, 10.0), (2, 2, 2))
    blk = krige(X, z, centre, MODEL, everything, block_size=(20, 20, 10), discretisation=(2, 2, 2))
    pts = krige(X, z, centre + off, MODEL, everything)
    assert blk.estimate[0] == pytest.approx(pts.estimate.mean(), rel=1e-10)
    assert blk.variance[0] < pts.variance.mean()  # blocks are less uncertain than points


def test_multivariate_weights_keep_sums_consistent():
    X, z, T = _data(seed=4)
    rng = np.random.default_rng(1)
    parts = np.column_stack([z * f for f in (0.5, 0.3, 0.2)]) + rng.uniform(0, 0.1, (len(z), 3))
    total = parts.sum(axis=1)
    multi = krige(X, parts, T, MODEL, SEARCH, block_size=(10, 10, 5), discretisation=(2, 2, 2))
    single = krige(X, total, T, MODEL, SEARCH, block_size=(10, 10, 5), discretisation=(2, 2, 2))
    assert multi.estimate.shape == (len(T), 3)
    ok = multi.status == 0
    np.testing.assert_allclose(multi.estimate[ok].sum(axis=1), single.estimate[ok], rtol=1e-12)
    np.testing.assert_array_equal(multi.variance, single.variance)
    df = multi.to_frame(["La2O3_pct", "CeO2_pct", "Nd2O3_pct"])
    assert {"La2O3_pct", "kv", "slope", "ke", "n_samples", "pass", "avg_distance_m"} <= set(df)


def test_passes_grow_the_ellipsoid():
    X, z, T = _data(seed=5)
    p1 = SearchParameters((90.0, 60.0, 25.0), (30.0, -10.0, 5.0), 8, 16)
    p2 = p1.scaled(1.5, min_samples=4)
    p3 = p1.scaled(3.0, min_samples=1)
    res = krige(X, z, T, MODEL, [p1, p2, p3])
    assert set(np.unique(res.pass_number)) == {1, 2, 3}
    only1 = krige(X, z, T, MODEL, p1)
    first = res.pass_number == 1
    np.testing.assert_array_equal(res.estimate[first], only1.estimate[first])
    assert np.all(np.isnan(only1.estimate[~first])) and np.all(only1.status[~first] == 1)
    two = krige(X, z, T, MODEL, [p1, p2])
    np.testing.assert_array_equal(
        two.estimate[res.pass_number < 3], res.estimate[res.pass_number < 3]
    )


def test_executors_and_chunk_sizes_give_identical_bits():
    X, z, T = _data(seed=6)
    kw = dict(block_size=(10, 10, 5), discretisation=(2, 2, 2))
    a = krige(X, z, T, MODEL, SEARCH, chunk_size=1000, **kw)
    b = krige(X, z, T, MODEL, SEARCH, chunk_size=7, executor="threads", workers=2, **kw)
    c = krige(X, z, T, MODEL, SEARCH, chunk_size=64, **kw)
    for other in (b, c):
        for field in ("estimate", "variance", "slope", "efficiency", "lagrange", "sum_weights"):
            np.testing.assert_array_equal(getattr(a, field), getattr(other, field))


def test_reused_factorisation_equals_fresh_one():
    # consecutive identical neighbourhoods reuse the Cholesky factor; a chunk of one
    # target never does, so both must agree bit for bit
    X, z, _ = _data(seed=7)
    T = np.repeat(np.array([[300.0, 250.0, 60.0], [305.0, 250.0, 60.0]]), 5, axis=0)
    a = krige(X, z, T, MODEL, SEARCH, chunk_size=100)
    b = krige(X, z, T, MODEL, SEARCH, chunk_size=1)
    np.testing.assert_array_equal(a.estimate, b.estimate)
    np.testing.assert_array_equal(a.variance, b.variance)


@pytest.mark.slow
def test_dask_local_cluster_equals_serial():
    distributed = pytest.importorskip("dask.distributed")
    X, z, T = _data(seed=8)
    kw = dict(block_size=(10, 10, 5), discretisation=(2, 2, 2), chunk_size=60)
    serial = krige(X, z, T, MODEL, SEARCH, **kw)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dist = krige(X, z, T, MODEL, SEARCH, executor=client, **kw)
    for field in ("estimate", "variance", "slope", "efficiency", "n_samples", "pass_number"):
        np.testing.assert_array_equal(getattr(serial, field), getattr(dist, field))


def test_inputs_are_not_modified():
    X, z, T = _data(seed=9)
    copies = [X.copy(), z.copy(), T.copy()]
    krige(X, z, T, MODEL, SEARCH, block_size=(5, 5, 5), discretisation=(2, 2, 1))
    inverse_distance(X, z, T, SEARCH)
    for arr, before in zip((X, z, T), copies, strict=True):
        np.testing.assert_array_equal(arr, before)


def test_singular_system_and_missing_values():
    X = np.array([[0.0, 0, 0], [0.0, 0, 0], [10.0, 0, 0], [0, 10.0, 0]])
    no_nugget = VariogramModel(0.0, (Structure("spherical", 1.0, 50.0),))
    res = krige(X, [1.0, 2.0, 3.0, 4.0], [[5.0, 5.0, 0.0]], no_nugget, SearchParameters(100.0))
    assert res.status.tolist() == [2] and np.isnan(res.estimate[0]) and res.pass_number[0] == 0
    # with a nugget, duplicates do not share it and the system is solvable
    ok = krige(X, [1.0, 2.0, 3.0, 4.0], [[5.0, 5.0, 0.0]], MODEL, SearchParameters(100.0))
    assert ok.status.tolist() == [0]
    nan = krige(X, [1.0, np.nan, 3.0, 4.0], [[5.0, 5.0, 0.0]], no_nugget, SearchParameters(100.0))
    assert nan.n_missing_values == 1 and nan.n_samples.tolist() == [3] and nan.status[0] == 0
    with pytest.raises(DataError, match="NaN"):
        krige(X, np.full((4, 2), np.nan), [[0.0, 0, 0]], MODEL, SearchParameters(100.0))


def test_input_errors():
    X, z, T = _data(20, 5)
    with pytest.raises(ConfigError, match="mean"):
        krige(X, z, T, MODEL, SEARCH, method="simple")
    with pytest.raises(ConfigError, match="method"):
        krige(X, z, T, MODEL, SEARCH, method="universal")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="block_size"):
        krige(X, z, T, MODEL, SEARCH, discretisation=(2, 2, 2))
    with pytest.raises(ConfigError, match="passes"):
        krige(X, z, T, MODEL, [SEARCH] * 4)
    with pytest.raises(DataError, match="values"):
        krige(X, z[:5], T, MODEL, SEARCH)
    with pytest.raises(DataError, match="targets"):
        krige(X, z, T[:, :2], MODEL, SEARCH)


def test_inverse_distance_and_nearest_neighbour():
    X, z, T = _data(seed=10)
    params = SearchParameters((150.0, 100.0, 40.0), (30.0, -10.0, 5.0), 1, 12)
    nb = NeighbourSearch(X, params).query(T)
    idw = inverse_distance(X, z, T, params, power=2.0)
    flat = inverse_distance(X, z, T, params, power=0.0)
    nn = nearest_neighbour(X, z, T, params)
    for t in range(len(T)):
        n = nb.count[t]
        if n == 0:
            assert np.isnan(idw.estimate[t]) and nn.pass_number[t] == 0
            continue
        idx, d = nb.index[t, :n], nb.distance[t, :n]
        w = d**-2.0
        assert idw.estimate[t] == pytest.approx(w @ z[idx] / w.sum(), rel=1e-12)
        assert flat.estimate[t] == pytest.approx(z[idx].mean(), rel=1e-12)
        assert nn.estimate[t] == z[idx[0]] and nn.n_samples[t] == 1
    assert np.all(np.isnan(idw.variance)) and idw.method == "inverse_distance"
    at = inverse_distance(X, z, X[:5], params)
    np.testing.assert_array_equal(at.estimate, z[:5])
    with pytest.raises(ConfigError, match="power"):
        inverse_distance(X, z, T, params, power=-1.0)


def test_neighbourhood_analysis_table():
    X, z, _ = _data(seed=11)
    tests = np.array([[300.0, 250.0, 60.0], [100.0, 400.0, 30.0]])
    search = SearchParameters((200.0, 150.0, 60.0), (30.0, -10.0, 5.0), 1, 24)
    kna = neighbourhood_analysis(
        X, z, tests, MODEL, search, block_sizes=[(5, 5, 5), (20, 20, 10)],
        max_samples=[4, 12, 24], discretisation=(2, 2, 2),
    )  # fmt: skip
    assert len(kna) == 2 * 3 * 2
    one = krige(X, z, tests, MODEL, search, block_size=(20, 20, 10), discretisation=(2, 2, 2))
    sel = kna[(kna.block_x_m == 20) & (kna.max_samples == 24)]
    np.testing.assert_array_equal(sel.slope.to_numpy(), one.slope)
    # more samples → higher kriging efficiency for the same block
    ke = kna[kna.block_x_m == 20].pivot(index="target", columns="max_samples", values="ke")
    assert np.all(ke[24] >= ke[4] - 1e-12)
