"""Experimental variograms and the fitter against known truth.

1. A Gaussian random field is simulated (Cholesky of the covariance matrix, fixed seed)
   from a known anisotropic model; directional experimental variograms pooled over a
   few realisations are fitted and must give back the model's parameters.
2. The experimental variograms equal gstools' ``vario_estimate`` on the same pairs
   (omnidirectional, and directional in 2-D where gstools' angle tolerance and
   bandwidth mean the same as GSLIB's azimuth tolerance and horizontal bandwidth).
"""

import numpy as np
import pytest

from mine2magnet.geostats import (
    ExperimentalVariogram,
    Structure,
    VariogramFitter,
    VariogramModel,
    experimental_variogram,
)

TRUE = VariogramModel(0.2, (Structure("spherical", 0.8, (90.0, 45.0, 45.0), (60.0, 0.0, 0.0)),))


def _simulate(n=1500, n_real=8, seed=20240601):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 400, n), rng.uniform(0, 400, n), np.zeros(n)])
    C = TRUE.covariance(X[:, None, :] - X[None, :, :])
    L = np.linalg.cholesky(C + 1e-10 * np.eye(n))
    return X, L @ rng.standard_normal((n, n_real))


def _pooled(X, Z, azimuth):
    evs = [
        experimental_variogram(
            X, Z[:, r], lag=10.0, n_lags=14, azimuth=azimuth, azimuth_tol=22.5, bandwidth_h=25.0
        )
        for r in range(Z.shape[1])
    ]
    g = np.mean([ev.gamma for ev in evs], axis=0)
    e = evs[0]
    return ExperimentalVariogram(
        e.lag_centre_m, e.lag_m, g, e.n_pairs, e.head_mean, e.tail_mean, e.kind,
        e.azimuth, e.dip, e.transform, e.n_data, e.variance,
    )  # fmt: skip


@pytest.mark.slow
def test_fit_recovers_simulated_model():
    X, Z = _simulate()
    evs = [_pooled(X, Z, 60.0), _pooled(X, Z, 150.0)]
    start = VariogramModel(0.5, (Structure("spherical", 0.5, (50.0, 50.0, 50.0), (60, 0, 0)),))
    fit = VariogramFitter(start, fixed=("range_minor_1", "azimuth_1", "dip_1", "rake_1")).fit(evs)
    p = fit.parameters_
    assert fit.success_
    assert p["nugget"] == pytest.approx(0.2, abs=0.08)
    assert p["nugget"] + p["sill_1"] == pytest.approx(1.0, rel=0.15)
    assert p["range_major_1"] == pytest.approx(90.0, rel=0.2)
    assert p["range_semi_1"] == pytest.approx(45.0, rel=0.2)
    assert p["range_major_1"] / p["range_semi_1"] == pytest.approx(2.0, rel=0.25)


@pytest.mark.slow
def test_fit_with_free_azimuth_finds_the_direction():
    X, Z = _simulate(seed=7)
    evs = [_pooled(X, Z, a) for a in (0.0, 45.0, 90.0, 135.0)]
    start = VariogramModel(0.3, (Structure("spherical", 0.7, (70.0, 60.0, 60.0), (30, 0, 0)),))
    fit = VariogramFitter(start, fixed=("range_minor_1", "dip_1", "rake_1")).fit(evs)
    az = fit.parameters_["azimuth_1"] % 180.0
    assert az == pytest.approx(60.0, abs=12.0)


def _data(seed=3, n=400):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 200, n), rng.uniform(0, 150, n), np.zeros(n)])
    z = rng.normal(size=n) + X[:, 0] / 50.0
    return X, z


def test_omnidirectional_equals_gstools():
    gs = pytest.importorskip("gstools")
    X, z = _data()
    ev = experimental_variogram(X, z, lag=10.0, n_lags=10)
    edges = (np.arange(11) + 0.5) * 10.0
    _, g, counts = gs.vario_estimate(X[:, :2].T, z, edges, return_counts=True)
    np.testing.assert_array_equal(ev.n_pairs[1:], counts)
    np.testing.assert_allclose(ev.gamma[1:], g, rtol=1e-12)


@pytest.mark.parametrize(("azimuth", "tol", "band"), [(0.0, 22.5, 8.0), (60.0, 15.0, 1e9)])
def test_directional_2d_equals_gstools(azimuth, tol, band):
    gs = pytest.importorskip("gstools")
    X, z = _data(5)
    ev = experimental_variogram(
        X, z, lag=10.0, n_lags=8, azimuth=azimuth, azimuth_tol=tol, bandwidth_h=band
    )
    edges = (np.arange(9) + 0.5) * 10.0
    _, g, counts = gs.vario_estimate(
        X[:, :2].T, z, edges, angles=np.radians(90.0 - azimuth), angles_tol=np.radians(tol),
        bandwidth=band, return_counts=True,
    )  # fmt: skip
    np.testing.assert_array_equal(ev.n_pairs[1:], np.asarray(counts).ravel())
    np.testing.assert_allclose(ev.gamma[1:], np.asarray(g).ravel(), rtol=1e-12)
