"""Histogram, variogram and ergodic-fluctuation checks of realisations."""

import numpy as np
import pytest

from mine2magnet.errors import DataError
from mine2magnet.geostats import SearchParameters, Structure, VariogramModel
from mine2magnet.geostats.normal_score import NormalScoreTransform
from mine2magnet.geostats.simulation import sgs
from mine2magnet.geostats.simulation_validation import (
    ergodic_fluctuations,
    histogram_reproduction,
    variogram_reproduction,
    weighted_quantiles,
)


def test_weighted_quantiles_match_numpy_for_equal_weights():
    z = np.random.default_rng(0).normal(size=1001)
    q = [0.1, 0.5, 0.9]
    np.testing.assert_allclose(weighted_quantiles(z, q), np.quantile(z, q), atol=0.02)
    # weight on the high value raises the median; mid-step cdf: p = (cum - w/2) / total
    assert weighted_quantiles([1.0, 2.0, 3.0], [0.5])[0] == 2.0
    assert weighted_quantiles([1.0, 2.0, 3.0], [0.5], [1.0, 1.0, 6.0])[0] == pytest.approx(
        2.0 + (0.5 - 1.5 / 8) / (5.0 / 8 - 1.5 / 8)
    )


def test_histogram_reproduction_of_a_conditional_simulation():
    """Lognormal data, 4 realisations on 40 × 40: quantiles within 0.35 data SD."""
    rng = np.random.default_rng(5)
    x = np.arange(40.0)
    g = np.stack(np.meshgrid(x, x, [0.0], indexing="ij"), -1).reshape(-1, 3)
    d = np.column_stack([rng.uniform(0, 39, 80), rng.uniform(0, 39, 80), np.zeros(80)])
    zd = rng.lognormal(0.0, 0.6, 80)
    nst = NormalScoreTransform().fit(zd)
    vm = VariogramModel(0.1, (Structure("spherical", 0.9, 10.0),))
    R = np.array([
        nst.inverse_transform(sgs(g, d, nst.transform(zd), vm, search=SearchParameters(20.0),
                                  seed=s))
        for s in range(4)
    ])  # fmt: skip
    h = histogram_reproduction(R, zd)
    qs = h[h["quantile"].notna()]
    assert qs["realisation"].nunique() == 4 and len(qs) == 4 * 7
    assert qs.groupby("quantile")["relative_difference"].mean().abs().max() < 0.35
    fl = ergodic_fluctuations(R)
    assert list(fl["realisation"][-4:]) == ["mean", "std", "min", "max"]
    assert fl.loc[fl["realisation"] == "std", "mean"].iloc[0] > 0


def test_variogram_reproduction_uses_model_axes_and_is_zero_for_the_model_itself():
    vm = VariogramModel(0.0, (Structure("spherical", 1.0, (20.0, 10.0, 5.0), (90.0, 0, 0)),))
    x = np.arange(30.0)
    g = np.stack(np.meshgrid(x, x, [0.0], indexing="ij"), -1).reshape(-1, 3)
    vals = g[:, 0] * 0.1  # a trend along east (the major axis at azimuth 90)
    v = variogram_reproduction(g, vals, vm, lags_m=[2.0, 2.0, 2.0], n_lags=3, angle_tol_deg=1.0)
    major = v[v["direction"] == "major"]
    semi = v[v["direction"] == "semi_major"]
    assert (major["gamma_simulated"] > 0).all() and np.allclose(semi["gamma_simulated"], 0)
    assert set(v.columns) >= {"lag_m", "gamma_model", "difference", "n_pairs"}
    with pytest.raises(DataError):
        variogram_reproduction(g[:5], vals, vm, lags_m=[1, 1, 1])
