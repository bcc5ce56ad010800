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
