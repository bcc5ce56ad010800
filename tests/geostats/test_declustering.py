"""Cell declustering."""

import numpy as np
import pytest

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats import cell_declustering, cell_weights


def test_weights_by_hand_and_mean_one():
    xy = np.array([[0.1, 0.1], [0.2, 0.2], [0.3, 0.1], [5.5, 5.5]])
    w = cell_weights(xy, 2.0, n_offsets=1)
    np.testing.assert_allclose(w, [2 / 3, 2 / 3, 2 / 3, 2.0])
    assert cell_weights(xy, 0.0).tolist() == [1.0] * 4
    w8 = cell_weights(np.c_[xy, np.zeros(4)], 2.0, anisotropy=(1.0, 5.0))
    assert w8.mean() == pytest.approx(1.0)


def test_clustered_high_values_are_down_weighted():
    rng = np.random.default_rng(0)
    regular = np.stack(np.meshgrid(np.arange(5, 100, 10.0), np.arange(5, 100, 10.0)), -1)
    regular = regular.reshape(-1, 2)
    cluster = rng.uniform(40, 50, size=(100, 2))
    xy = np.vstack([regular, cluster])
    z = np.r_[np.ones(len(regular)), np.full(100, 5.0)]
    res = cell_declustering(xy, z, cell_sizes=np.arange(0.0, 51.0, 5.0))
    assert res.naive_mean == pytest.approx(3.0)
    assert res.declustered_mean < 1.3
    assert res.cell_size_m >= 10.0
    assert res.weights[-100:].mean() < res.weights[:100].mean()
    assert list(res.scan.columns) == ["cell_size_m", "declustered_mean"]
    hi = cell_declustering(xy, z, cell_sizes=[0.0, 10.0], objective="maximum")
    assert hi.cell_size_m == 0.0


def test_nan_values_and_errors():
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    res = cell_declustering(xy, [1.0, np.nan, 3.0], cell_sizes=[0.0, 1.5])
    assert np.isnan(res.weights[1]) and np.nanmean(res.weights) == pytest.approx(1.0)
    with pytest.raises(DataError):
        cell_declustering(xy, [np.nan] * 3)
    with pytest.raises(ConfigError):
        cell_declustering(xy, [1.0, 2.0, 3.0], objective="median")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        cell_weights(xy, -1.0)
