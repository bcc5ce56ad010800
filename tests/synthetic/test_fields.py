"""Spectral random fields: zero mean, unit variance and the intended covariance."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mine2magnet.synthetic.fields import CovarianceKind, draw_field


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        ("gaussian", lambda h: np.exp(-3.0 * h**2)),
        ("exponential", lambda h: np.exp(-3.0 * h)),
    ],
)
def test_covariance_matches_model(
    kind: CovarianceKind, model: Callable[[np.ndarray], np.ndarray]
) -> None:
    ranges = (100.0, 50.0, 10.0)
    rng = np.random.default_rng(7)
    pts = rng.uniform(-5000.0, 5000.0, (1500, 3))
    cov = {}
    for rep in range(3):  # average a few realisations (ensemble, not one field)
        f = draw_field(np.random.default_rng(rep), ranges, kind, 256)
        z0 = f(pts)
        assert abs(z0.mean()) < 0.15 and abs(z0.var() - 1.0) < 0.15
        for axis, r in enumerate(ranges):
            for frac in (0.3,):
                step = np.zeros(3)
                step[axis] = frac * r
                c = float(np.mean(z0 * f(pts + step)))
                cov.setdefault((axis, frac), []).append(c)
    for (_axis, frac), cs in cov.items():
        assert abs(np.mean(cs) - model(frac)) < 0.1


def test_field_is_deterministic_and_anisotropic() -> None:
    f = draw_field(np.random.default_rng(3), (200.0, 20.0), "gaussian", 128)
    g = draw_field(np.random.default_rng(3), (200.0, 20.0), "gaussian", 128)
    pts = np.random.default_rng(4).uniform(-1e4, 1e4, (3000, 2))
    assert np.array_equal(f(pts), g(pts))
    along = np.corrcoef(f(pts), f(pts + np.array([40.0, 0.0])))[0, 1]
    across = np.corrcoef(f(pts), f(pts + np.array([0.0, 40.0])))[0, 1]
    assert along > 0.8 > 0.2 > across
