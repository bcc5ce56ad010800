"""Sequential Gaussian simulation: conditioning, seeds, variogram reproduction, TREO sums."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats import SearchParameters, Structure, VariogramModel
from mine2magnet.geostats.simulation import (
    CompositionalTransform,
    SimulationParams,
    multiple_grid_path,
    ns_variogram_from_table,
    sgs,
    sgs_values,
    simulate_blocks,
)
from mine2magnet.geostats.simulation_validation import variogram_reproduction

SPH = VariogramModel(0.0, (Structure("spherical", 1.0, 12.0),))
NONE = np.zeros((0, 3))


def _grid2d(n):
    x = np.arange(float(n))
    return np.stack(np.meshgrid(x, x, [0.0], indexing="ij"), -1).reshape(-1, 3)


def test_nodes_at_data_take_the_data_values_and_stay_finite():
    g = _grid2d(30)
    rng = np.random.default_rng(1)
    at = rng.choice(len(g), 40, replace=False)
    z = rng.standard_normal(40)
    y, stats = sgs_values(g, g[at], z, SPH, search=SearchParameters(20.0), seed=4)
    np.testing.assert_array_equal(y[at], z)
    assert stats.n_at_data == 40 and stats.n_singular == 0 and np.all(np.isfinite(y))


def test_same_seed_same_realisation_other_seed_differs():
    g = _grid2d(25)
    d = np.array([[3.0, 4.0, 0.0], [20.0, 18.5, 0.0]])
    kw = dict(search=SearchParameters(20.0), max_data=8, max_previous=12)
    a = sgs(g, d, [1.0, -1.0], SPH, seed=11, **kw)
    b = sgs(g, d, [1.0, -1.0], SPH, seed=11, **kw)
    c = sgs(g, d, [1.0, -1.0], SPH, seed=12, **kw)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.1


def test_conditional_mean_follows_simple_kriging_near_a_datum():
    x = np.column_stack([np.arange(0.0, 21.0), np.zeros(21), np.zeros(21)])
    vm = VariogramModel(0.0, (Structure("exponential", 1.0, 30.0),))
    R = np.array([
        sgs(x, [[0.0, 0, 0]], [1.5], vm, search=SearchParameters(40.0), seed=s,
            max_data=1, max_previous=8)
        for s in range(300)
    ])  # fmt: skip
    h = np.array([2.0, 5.0, 10.0])
    rho = np.exp(-3 * h / 30.0)
    np.testing.assert_allclose(R[:, h.astype(int)].mean(0), 1.5 * rho, atol=0.15)
    np.testing.assert_allclose(R[:, h.astype(int)].var(0), 1 - rho**2, atol=0.15)


@pytest.mark.parametrize("multiple_grids", [True, False])
def test_unconditional_2d_reproduces_the_variogram(multiple_grids):
    """Average over 6 realisations of 50 × 50: |γ_sim − γ_model| ≤ 0.12 (sill 1) up to the range."""
    g = _grid2d(50)
    R = np.array([
        sgs(g, NONE, [], SPH, search=SearchParameters(24.0), seed=s,
            multiple_grids=multiple_grids)
        for s in range(6)
    ])  # fmt: skip
    assert abs(R.mean()) < 0.2 and abs(R.var(axis=1).mean() - 1.0) < 0.2
    v = variogram_reproduction(g, R, SPH, lags_m=[2.0, 2.0, 2.0], n_lags=6, max_points=2500)
    v = v[v.direction != "minor"].groupby(["direction", "lag_m"], as_index=False).mean()
    v = v.groupby(v["lag_m"].round()).mean(numeric_only=True)
    assert np.all(np.abs(v["difference"]) < 0.12), v


def test_unconditional_1d_exponential_with_nugget():
    """1-D, nugget 0.2 + exponential: mean γ over 20 realisations within 0.1 of the model."""
    x = np.column_stack([np.arange(400.0), np.zeros(400), np.zeros(400)])
    vm = VariogramModel(0.2, (Structure("exponential", 0.8, 30.0),))
    R = np.array([sgs(x, NONE, [], vm, search=SearchParameters(60.0), seed=s) for s in range(20)])
    for lag in (1, 5, 10, 20):
        gam = 0.5 * np.mean((R[:, lag:] - R[:, :-lag]) ** 2)
        model = 0.2 + 0.8 * (1 - np.exp(-3 * lag / 30.0))
        assert abs(gam - model) < 0.1, (lag, gam, model)


def test_multiple_grid_path_is_a_permutation_with_coarse_nodes_first():
    g = _grid2d(32)
    p = multiple_grid_path(g, np.random.default_rng(0))
    assert np.array_equal(np.sort(p), np.arange(len(g)))
    first = g[p[:16]]  # one node per 8 × 8 cell of the 32 × 32 grid
    cells = {tuple(c) for c in np.floor(first[:, :2] / 8.0).astype(int)}
    assert len(cells) == 16


def test_bad_inputs_raise():
    g = _grid2d(4)
    with pytest.raises(DataError):
        sgs(g, [[0.0, 0, 0]], [1.0, 2.0], SPH, search=SearchParameters(5.0), seed=1)
    with pytest.raises(ConfigError):
        sgs(g, NONE, [], SPH, search=SearchParameters(5.0), seed=1, max_data=0, max_previous=0)


# ------------------------------------------------------------- several grades and blocks


def _composites(n=150, seed=3):
    rng = np.random.default_rng(seed)
    treo = rng.lognormal(1.0, 0.5, n)
    nd = treo * rng.uniform(0.12, 0.2, n)
    pr = nd * rng.uniform(0.25, 0.3, n)
    return pd.DataFrame({
        "easting": rng.uniform(0, 100, n), "northing": rng.uniform(0, 100, n),
        "elevation": rng.uniform(0, 20, n), "domain": "OX",
        "TREO_pct": treo, "Nd2O3_pct": nd, "Pr6O11_pct": pr,
    })  # fmt: skip


def _block_model(nx=10, ny=10, nz=2, size=(10.0, 10.0, 10.0)):
    i, j, k = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    i, j, k = i.ravel(), j.ravel(), k.ravel()
    table = pd.DataFrame({
        "i": i, "j": j, "k": k, "easting": (i + 0.5) * size[0],
        "northing": (j + 0.5) * size[1], "elevation": (k + 0.5) * size[2], "domain": "OX",
    })  # fmt: skip
    return SimpleNamespace(table=table, block_size=size, rotation_deg=0.0)


def test_compositional_round_trip_at_data():
    c = _composites()
    ct = CompositionalTransform().fit(c)
    back = ct.inverse_transform(ct.transform(c))
    for col in ("TREO_pct", "Nd2O3_pct", "Pr6O11_pct"):
        np.testing.assert_allclose(back[col], c[col], rtol=1e-9)
    rest = c["TREO_pct"] - c["Nd2O3_pct"] - c["Pr6O11_pct"]
    np.testing.assert_allclose(back["other_REO_pct"], rest, rtol=1e-9)


def test_simulate_blocks_treo_is_the_sum_of_the_oxides():
    bm, c = _block_model(), _composites()
    vm = VariogramModel(0.1, (Structure("spherical", 0.9, (60.0, 60.0, 20.0)),))
    p = SimulationParams(vm, SearchParameters((60.0, 60.0, 20.0)), max_data=12, max_previous=12)
    cols = ["TREO_pct", "Nd2O3_pct", "Pr6O11_pct"]
    out = simulate_blocks(bm, c, "OX", cols, p, realisation=2, seed=5)
    assert len(out) == len(bm.table) and (out["realisation"] == 2).all()
    total = out["Nd2O3_pct"] + out["Pr6O11_pct"] + out["other_REO_pct"]
    np.testing.assert_allclose(out["TREO_pct"], total, rtol=0, atol=1e-9)
    assert (out[cols] > 0).all().all()
    again = simulate_blocks(bm, c, "OX", cols, p, realisation=2, seed=5)
    pd.testing.assert_frame_equal(out, again)
    uni = simulate_blocks(bm, c, "OX", "TREO_pct", p, realisation=0, seed=5)
    assert uni["TREO_pct"].between(0, c["TREO_pct"].max() * 3).all()
    # blocks average points: less variable than the composites
    assert uni["TREO_pct"].var() < c["TREO_pct"].var()


def test_simulate_points_are_the_points_the_blocks_average():
    from mine2magnet.geostats.simulation import block_average, simulate_points

    bm, c = _block_model(nx=6, ny=5), _composites()
    vm = VariogramModel(0.1, (Structure("spherical", 0.9, (60.0, 60.0, 20.0)),))
    p = SimulationParams(vm, SearchParameters((60.0, 60.0, 20.0)), max_data=12,
                         max_previous=12, discretisation=(2, 2, 2))  # fmt: skip
    cols = ["TREO_pct", "Nd2O3_pct", "Pr6O11_pct"]
    pts = simulate_points(bm, c, "OX", cols, p, realisation=1, seed=9)
    assert len(pts) == 8 * len(bm.table)
    assert (np.bincount(pts["block_row"]) == 8).all()
    # every point lies inside its block (half a block size from the centroid)
    cen = bm.table[["easting", "northing", "elevation"]].to_numpy()[pts["block_row"]]
    off = np.abs(pts[["easting", "northing", "elevation"]].to_numpy() - cen)
    assert (off == 2.5).all()
    blocks = simulate_blocks(bm, c, "OX", cols, p, realisation=1, seed=9)
    pd.testing.assert_frame_equal(block_average(bm, "OX", pts, realisation=1), blocks)
    first = pts[pts["block_row"] == 0][cols].mean()
    np.testing.assert_allclose(blocks.loc[0, cols].to_numpy(float), first.to_numpy(), rtol=1e-12)
    assert pts["TREO_pct"].var() > blocks["TREO_pct"].var()  # points vary more than blocks


def test_ns_variogram_from_table_rescales_to_unit_sill():
    t = pd.DataFrame({
        "domain": ["OX"] * 3, "column": ["*"] * 3, "structure": [0, 1, 2],
        "kind": ["nugget", "spherical", "exponential"], "sill_pct2": [0.5, 1.0, 0.5],
        "range_major_m": [np.nan, 50.0, 150.0], "range_semi_m": [np.nan, 40.0, 100.0],
        "range_minor_m": [np.nan, 10.0, 30.0], "azimuth_deg": [np.nan, 30.0, 30.0],
        "dip_deg": [np.nan, 0.0, 0.0], "rake_deg": [np.nan, 0.0, 0.0],
    })  # fmt: skip
    m = ns_variogram_from_table(t, "OX", "TREO_pct")
    assert m.sill == pytest.approx(1.0) and m.nugget == pytest.approx(0.25)
    assert m.structures[1].ranges == (150.0, 100.0, 30.0)
    with pytest.raises(ConfigError):
        ns_variogram_from_table(t, "FR", "TREO_pct")


def test_data_outside_the_target_box_are_found():
    g = _grid2d(10)
    d = np.array([[12.0, 1.0, 3.0], [13.0, 2.0, 3.0], [14.0, 3.0, 3.0], [12.5, 4.0, 3.0]])
    y, st = sgs_values(g, d, [2.0, 2.0, 2.0, 2.0], SPH, search=SearchParameters(30.0), seed=2,
                       max_data=4, max_previous=0)  # fmt: skip
    assert st.mean_neighbours == 4.0
    assert y[(g[:, 0] == 9) & (g[:, 1] == 2)][0] != 0.0


def test_sgs_grades_back_transforms_and_honours_data():
    from mine2magnet.geostats.simulation import sgs_grades

    g = _grid2d(20)
    rng = np.random.default_rng(8)
    at = rng.choice(len(g), 30, replace=False)
    z = rng.lognormal(0.0, 0.7, 30)
    v = sgs_grades(g, g[at], z, SPH, search=SearchParameters(15.0), seed=3)
    np.testing.assert_allclose(v[at], z, rtol=1e-12)
    assert v.min() >= 0.0 and np.isfinite(v).all()


# ------------------------------------------------- lattice kernel: search and solve

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mine2magnet.geostats.simulation import (  # noqa: E402
    _block_data,
    _data_blocks,
    _grid_nodes,
    _grid_template,
    _lattice,
    _lattice_path,
    _sk_solve,
    _struct_coords,
)


def _box(nx, ny, nz, s=(1.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0)):
    i, j, k = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    ijk = np.column_stack([i.ravel(), j.ravel(), k.ravel()])
    return np.asarray(origin) + ijk * np.asarray(s), ijk


def test_lattice_detection_accepts_grids_with_gaps_and_rejects_the_rest():
    g, ijk = _box(6, 5, 3, s=(5.0, 5.0, 2.0), origin=(500000.5, 7e6, 100.0))
    lat = _lattice(g)
    assert lat is not None and lat.dims.tolist() == [6, 5, 3]
    np.testing.assert_allclose(lat.spacing, [5.0, 5.0, 2.0])
    np.testing.assert_array_equal(lat.index, ijk[:, 0] + 6 * (ijk[:, 1] + 5 * ijk[:, 2]))
    keep = np.random.default_rng(0).random(len(g)) < 0.5  # a domain: a subset of the lattice
    keep[[0, -1]] = True
    sub = _lattice(g[keep])
    assert sub is not None and np.allclose(sub.spacing, [5.0, 5.0, 2.0])
    assert _lattice(np.array([[0.0, 0, 0], [2.0, 0, 0], [3.0, 0, 0]])).spacing[0] == 1.0
    assert _lattice(g + np.random.default_rng(1).normal(0, 0.1, g.shape)) is None  # scattered
    assert _lattice(np.vstack([g, g[:1]])) is None  # a node twice
    c, s = np.cos(0.3), np.sin(0.3)
    assert _lattice(g @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])) is None  # rotated


@settings(max_examples=40, deadline=None)
@given(
    dims=st.tuples(st.integers(1, 7), st.integers(1, 7), st.integers(1, 5)),
    ranges=st.tuples(st.floats(2.0, 9.0), st.floats(1.0, 6.0), st.floats(0.5, 4.0)),
    angles=st.tuples(st.floats(0, 180), st.floats(-60, 60), st.floats(-60, 60)),
    fill=st.floats(0.05, 0.9),
    K=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_grid_offset_search_finds_the_brute_force_nearest(dims, ranges, angles, fill, K, seed):
    """The template scan returns the K nearest simulated nodes within the ellipsoid."""
    sp = np.array([1.0, 1.5, 0.7])
    g, ijk = _box(*dims, s=sp)
    lat = _lattice(g)
    A = SearchParameters(ranges, angles).matrix()
    tijk, td2 = _grid_template(A, lat.spacing, lat.dims)
    assert np.all(np.diff(td2) >= 0)
    tlin = tijk[:, 0] + lat.dims[0] * (tijk[:, 1] + lat.dims[1] * tijk[:, 2].astype(np.int64))
    rng = np.random.default_rng(seed)
    t = int(rng.integers(len(g)))
    done = rng.random(len(g)) < fill
    done[t] = False
    lat2t = np.where(done, np.arange(len(g)), -1).astype(np.int32)[np.argsort(lat.index)]
    nt, nq = np.empty(K, np.int64), np.empty(K, np.int64)
    i, j, k = (int(v) for v in ijk[t])
    mn = _grid_nodes(i, j, k, int(lat.index[t]), lat.dims, tijk, tlin.astype(np.int64),
                     0, len(tlin), (lat2t >= 0).astype(np.uint8), lat2t, K, nt, nq)  # fmt: skip
    d2 = (((g[done] - g[t]) @ A.T) ** 2).sum(axis=1)
    ref = np.sort(d2[d2 <= 1.0 + 1e-9])[:K]
    got = (((g[nt[:mn]] - g[t]) @ A.T) ** 2).sum(axis=1)
    assert mn == ref.size
    np.testing.assert_allclose(np.sort(got), ref, rtol=0, atol=1e-9)
    assert np.all(done[nt[:mn]]) and np.all(np.diff(td2[nq[:mn]]) >= 0)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(0, 60),
    K=st.integers(1, 10),
    ranges=st.tuples(st.floats(3.0, 15.0), st.floats(2.0, 10.0), st.floats(1.0, 5.0)),
    azimuth=st.floats(0, 180),
    seed=st.integers(0, 2**16),
)
def test_super_block_data_search_matches_brute_force(n, K, ranges, azimuth, seed):
    """Same K nearest data (ties by index) as a brute-force search, at every node."""
    g, ijk = _box(9, 7, 3, s=(2.0, 2.0, 1.0))
    lat = _lattice(g)
    rng = np.random.default_rng(seed)
    X = rng.uniform([-4, -4, -2], [20, 16, 4], (n, 3))
    X[: n // 4] = np.round(X[: n // 4])  # some ties and data on nodes
    A = SearchParameters(ranges, (azimuth, 10.0, 0.0)).matrix()
    SD = np.ascontiguousarray(X @ A.T) if n else np.zeros((0, 3))
    bdims, bsz, SC, cstart, cand, cdist = _data_blocks(lat, A, SD, K)
    key, idx = np.empty(K), np.empty(K, np.int64)
    for t in range(len(g)):
        i, j, k = ijk[t]
        b = (k // bsz[2] * bdims[1] + j // bsz[1]) * bdims[0] + i // bsz[0]
        p = g[t] @ A.T
        md = _block_data(p[0], p[1], p[2], b, SC, cstart, cand, cdist, SD, K, key, idx)
        d2 = ((SD - p) ** 2).sum(axis=1)
        ok = np.flatnonzero(d2 <= 1.0 + 2e-9)
        ref = ok[np.lexsort((ok, d2[ok]))][:K]
        np.testing.assert_array_equal(idx[:md], ref)


def test_simple_kriging_weights_match_a_dense_numpy_solve():
    vm = VariogramModel(0.2, (Structure("spherical", 0.5, (30.0, 20.0, 8.0), (40.0, -10.0, 5.0)),
                              Structure("exponential", 0.3, 60.0)))  # fmt: skip
    rng = np.random.default_rng(3)
    P = rng.uniform(0, 25, (13, 3))  # 12 neighbours, then the target
    zv = rng.standard_normal(12)
    CP = _struct_coords(vm, P)
    nst = len(vm.structures)
    Px, Py, Pz = (np.ascontiguousarray(CP[:, a::3].T) for a in range(3))
    assert Px.shape == (nst, 13)
    C, inv, w = np.zeros((13, 13)), np.empty(13), np.empty(12)
    kinds = np.array([s.code for s in vm.structures])
    sills = np.array([s.sill for s in vm.structures])
    est, var = _sk_solve(C, inv, w, zv.copy(), Px, Py, Pz, 12, kinds, sills, vm.sill, 1e-12)
    K = vm.covariance(P[:12, None, :] - P[None, :12, :])
    k = vm.covariance(P[:12] - P[12])
    lam = np.linalg.solve(K, k)
    assert est == pytest.approx(lam @ zv, abs=1e-12)
    assert var == pytest.approx(vm.sill - lam @ k, abs=1e-12)


def test_lattice_path_visits_coarse_sub_grids_first():
    g, ijk = _box(20, 12, 5)
    lat = _lattice(g)
    p = _lattice_path(lat, np.random.default_rng(2), 3)
    assert np.array_equal(np.sort(p), np.arange(len(g)))
    v = np.bitwise_or.reduce(ijk[p], axis=1)
    level = np.select([v % 8 == 0, v % 4 == 0, v % 2 == 0], [3, 2, 1], 0)
    assert np.all(np.diff(level) <= 0) and level[0] == 3
    np.testing.assert_array_equal(
        multiple_grid_path(g, np.random.default_rng(4), spacing=[1.0, 1.0, 1.0]),
        multiple_grid_path(g, np.random.default_rng(4)),
    )


def test_lattice_and_cell_search_give_statistically_the_same_simulation():
    """Same data, model and seeds: the lattice kernel and the general cell kernel agree."""
    g = _grid2d(40)
    rng = np.random.default_rng(5)
    at = rng.choice(len(g), 30, replace=False)
    d = g[at] + [0.4, 0.3, 0.0]  # off-node data
    z = rng.standard_normal(30)
    vm = VariogramModel(0.1, (Structure("spherical", 0.9, (16.0, 8.0, 8.0), (30.0, 0, 0)),))
    kw = dict(search=SearchParameters((16.0, 8.0, 8.0), (30.0, 0, 0)), max_data=8,
              max_previous=12)  # fmt: skip
    a = np.array([sgs_values(g, d, z, vm, seed=s, regular_grid=True, **kw)[0] for s in range(8)])
    b = np.array([sgs_values(g, d, z, vm, seed=s, regular_grid=False, **kw)[0] for s in range(8)])
    near = np.argsort(((g[:, None, :2] - d[None, :, :2]) ** 2).sum(-1).min(1))[:30]
    assert np.corrcoef(a[:, near].mean(0), b[:, near].mean(0))[0, 1] > 0.85  # conditioning
    assert np.corrcoef(a.mean(0), b.mean(0))[0, 1] > 0.6
    assert abs(a.mean() - b.mean()) < 0.15 and abs(a.var() - b.var()) < 0.15
    _, sa = sgs_values(g, d, z, vm, seed=1, regular_grid=True, **kw)
    _, sb = sgs_values(g, d, z, vm, seed=1, regular_grid=False, **kw)
    assert sa.mean_neighbours == pytest.approx(sb.mean_neighbours, rel=0.02)
    with pytest.raises(ConfigError):
        sgs(g + rng.normal(0, 0.1, g.shape), d, z, vm, seed=1, regular_grid=True, **kw)


def test_lattice_kernel_honours_data_on_nodes_of_a_3d_grid():
    g, _ = _box(12, 10, 6, s=(5.0, 5.0, 2.0), origin=(1000.0, 2000.0, 50.0))
    rng = np.random.default_rng(6)
    at = rng.choice(len(g), 25, replace=False)
    z = rng.standard_normal(25)
    vm = VariogramModel(0.0, (Structure("spherical", 1.0, (40.0, 25.0, 8.0), (30.0, -10.0, 5.0)),))
    kw = dict(search=SearchParameters((40.0, 25.0, 8.0), (30.0, -10.0, 5.0)), seed=9)
    y, st_ = sgs_values(g, g[at], z, vm, **kw)
    np.testing.assert_array_equal(y[at], z)
    assert st_.n_at_data == 25 and st_.n_singular == 0 and np.isfinite(y).all()
    np.testing.assert_array_equal(y, sgs_values(g, g[at], z, vm, **kw)[0])


# ------------------------------------------------ fresh compile == cached compile
_BITS_SCRIPT = """
import hashlib, numpy as np
from mine2magnet.geostats import SearchParameters, Structure, VariogramModel
from mine2magnet.geostats.simulation import sgs
g = np.stack(np.meshgrid(np.arange(30) * 5.0, np.arange(30) * 5.0, np.arange(6) * 5.0,
                         indexing="ij"), -1).reshape(-1, 3)
rng = np.random.default_rng(0)
X = rng.uniform(0, 150, (200, 3)); X[:, 2] *= 0.2
z = rng.standard_normal(200)
vm = VariogramModel(0.1, (Structure("spherical", 0.9, (60.0, 40.0, 15.0), (30.0, 0.0, 0.0)),))
s = SearchParameters((60.0, 40.0, 15.0), (30.0, 0.0, 0.0))
grid = sgs(g, X, z, vm, search=s, seed=3)                       # the regular-grid kernel
scattered = sgs(g[::7] + rng.uniform(0, 1, (len(g[::7]), 3)), X, z, vm, search=s, seed=3)
print(hashlib.sha256(grid.tobytes() + scattered.tobytes()).hexdigest())
"""


@pytest.mark.slow
def test_freshly_compiled_and_cached_kernels_give_the_same_bits(tmp_path):
    """A driver that compiles the kernels and workers that load numba's cache must agree.

    Regression: with fastmath on the kernels that call the covariance and Cholesky
    kernels, the first (compiling) process drew other bits than later (cache-loading) ones.
    """
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}

    def bits() -> str:
        done = subprocess.run([sys.executable, "-c", _BITS_SCRIPT], env=env, check=True,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        return done.stdout.strip()

    fresh = bits()
    assert any((tmp_path / "numba-cache").rglob("*.nbi")), "the first run wrote no cache"
    assert bits() == fresh
