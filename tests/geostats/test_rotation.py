"""Unit tests of the rotation helpers (conventions are pinned in tests/oracles)."""

import numpy as np
import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.geostats.rotation import anisotropic_distance, anisotropy_matrix


def test_isotropic_single_range():
    A = anisotropy_matrix(50.0)
    np.testing.assert_allclose(A @ A.T, np.eye(3) / 2500.0, atol=1e-18)


@pytest.mark.parametrize("ranges", [(0.0, 1.0, 1.0), (-5, 5, 5), (1.0, 2.0), (np.nan, 1, 1)])
def test_bad_ranges_raise_config_error(ranges):
    with pytest.raises(ConfigError, match="ranges"):
        anisotropy_matrix(ranges)


def test_distance_shape_and_input_untouched():
    lags = np.arange(24.0).reshape(2, 4, 3)
    before = lags.copy()
    d = anisotropic_distance(lags, (10.0, 5.0, 2.0), 30.0, -10.0, 0.0)
    assert d.shape == (2, 4)
    np.testing.assert_array_equal(lags, before)


def test_distance_needs_three_components():
    with pytest.raises(ValueError, match="length 3"):
        anisotropic_distance(np.zeros((4, 2)), 10.0)


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    given = None

if given is not None:
    from mine2magnet.geostats.rotation import rotation_matrix

    angle = st.floats(-720.0, 720.0, allow_nan=False)

    @settings(max_examples=200, deadline=None)
    @given(angle, st.floats(-90.0, 90.0), angle)
    def test_property_rotation_is_proper_and_periodic(az, dip, rake):
        R = rotation_matrix(az, dip, rake)
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(R) > 0
        np.testing.assert_allclose(rotation_matrix(az + 360.0, dip, rake), R, atol=1e-9)
        # the major axis has the requested dip (negative down) and azimuth
        assert R[0, 2] == pytest.approx(np.sin(np.radians(dip)), abs=1e-12)
        if abs(dip) < 89.0:
            bearing = np.degrees(np.arctan2(R[0, 0], R[0, 1])) % 360.0
            assert min(abs(bearing - az % 360.0), 360.0 - abs(bearing - az % 360.0)) < 1e-6
