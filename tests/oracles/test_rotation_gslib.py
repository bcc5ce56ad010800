"""The rotation convention checked against GSLIB's published definition.

Deutsch & Journel (1998), GSLIB 2nd ed., §II.3 (Fig. II.4) and subroutine ``setrot``:
``ang1`` is the azimuth of the major axis clockwise from north, ``ang2`` the dip of the
major axis "measured in negative degrees down from horizontal", ``ang3`` the rotation of
the two minor axes about the major one. The book composes three coordinate-system
rotations with ``α = 90° - ang1`` (about z), ``β = -ang2`` (about the rotated y) and
``θ = ang3`` (about the rotated x). The tests below rebuild that product independently
and check hand-made vectors.
"""

import numpy as np
import pytest

from mine2magnet.geostats.rotation import (
    anisotropic_distance,
    anisotropy_matrix,
    axis_vectors,
    rotation_matrix,
)

S = np.sqrt(0.5)


def _gslib_book_matrix(ang1: float, ang2: float, ang3: float) -> np.ndarray:
    """Product of the three passive rotations of GSLIB §II.3 (written for this test)."""
    a = np.deg2rad(90.0 - ang1)
    b = np.deg2rad(-ang2)
    t = np.deg2rad(ang3)
    r1 = np.array([[np.cos(a), np.sin(a), 0], [-np.sin(a), np.cos(a), 0], [0, 0, 1]])
    r2 = np.array([[np.cos(b), 0, -np.sin(b)], [0, 1, 0], [np.sin(b), 0, np.cos(b)]])
    r3 = np.array([[1, 0, 0], [0, np.cos(t), np.sin(t)], [0, -np.sin(t), np.cos(t)]])
    return r3 @ r2 @ r1


@pytest.mark.parametrize(
    "angles",
    [(0, 0, 0), (90, 0, 0), (30, -10, 5), (135, -45, 30), (300, 20, -60), (359.9, -89, 10)],
)
def test_matches_gslib_book_product(angles):
    np.testing.assert_allclose(rotation_matrix(*angles), _gslib_book_matrix(*angles), atol=1e-14)


def test_random_angles_match_gslib_book_product():
    rng = np.random.default_rng(7)
    for ang in rng.uniform([-360, -90, -180], [360, 90, 180], size=(200, 3)):
        np.testing.assert_allclose(rotation_matrix(*ang), _gslib_book_matrix(*ang), atol=1e-13)


def _same_line(u, v):
    """Axes are lines: equal up to sign."""
    u, v = np.asarray(u, float), np.asarray(v, float)
    return np.allclose(u, v, atol=1e-12) or np.allclose(u, -v, atol=1e-12)


@pytest.mark.parametrize(
    ("azimuth", "major"),
    [
        (0.0, [0, 1, 0]),  # north
        (90.0, [1, 0, 0]),  # east
        (180.0, [0, -1, 0]),
        (270.0, [-1, 0, 0]),  # west
        (45.0, [S, S, 0]),  # north-east
        (-45.0, [-S, S, 0]),  # north-west
    ],
)
def test_azimuth_clockwise_from_north(azimuth, major):
    m, _, n = axis_vectors(azimuth, 0.0, 0.0)
    np.testing.assert_allclose(m, major, atol=1e-12)
    np.testing.assert_allclose(n, [0, 0, 1], atol=1e-12)  # minor vertical when flat


def test_semi_major_is_horizontal_left_of_major_without_rake():
    _, s, _ = axis_vectors(0.0, 0.0, 0.0)
    np.testing.assert_allclose(s, [-1, 0, 0], atol=1e-12)  # major north → semi west
    _, s, _ = axis_vectors(90.0, 0.0, 0.0)
    np.testing.assert_allclose(s, [0, 1, 0], atol=1e-12)  # major east → semi north


def test_negative_dip_points_down():
    m, _, n = axis_vectors(0.0, -30.0, 0.0)
    np.testing.assert_allclose(m, [0, np.cos(np.pi / 6), -0.5], atol=1e-12)
    np.testing.assert_allclose(n, [0, 0.5, np.cos(np.pi / 6)], atol=1e-12)
    m, _, _ = axis_vectors(90.0, -90.0, 0.0)
    np.testing.assert_allclose(m, [0, 0, -1], atol=1e-12)
    m, _, _ = axis_vectors(90.0, 30.0, 0.0)  # positive dip rises
    assert m[2] > 0 and m[0] > 0


def test_rake_turns_semi_major_upward_about_major():
    _, s, n = axis_vectors(90.0, 0.0, 30.0)  # major east
    np.testing.assert_allclose(s, [0, np.cos(np.pi / 6), 0.5], atol=1e-12)
    np.testing.assert_allclose(n, [0, -0.5, np.cos(np.pi / 6)], atol=1e-12)
    _, s, n = axis_vectors(0.0, 0.0, 90.0)  # rake 90: semi vertical, minor horizontal E-W
    assert _same_line(s, [0, 0, 1])
    assert _same_line(n, [1, 0, 0])


def test_rake_does_not_move_major_axis():
    for rake in (-70.0, 0.0, 15.0, 90.0):
        m, _, _ = axis_vectors(60.0, -25.0, rake)
        np.testing.assert_allclose(m, axis_vectors(60.0, -25.0, 0.0)[0], atol=1e-12)


def test_right_handed_orthonormal():
    rng = np.random.default_rng(3)
    for ang in rng.uniform(-180, 180, size=(50, 3)):
        R = rotation_matrix(*ang)
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-13)
        assert np.linalg.det(R) == pytest.approx(1.0)


def test_range_ellipsoid_has_unit_distance_on_each_axis():
    ranges = (120.0, 60.0, 15.0)
    angles = (35.0, -20.0, 10.0)
    m, s, n = axis_vectors(*angles)
    for vec, r in zip((m, s, n), ranges, strict=True):
        assert anisotropic_distance(vec * r, ranges, *angles) == pytest.approx(1.0)
        assert anisotropic_distance(-vec * r, ranges, *angles) == pytest.approx(1.0)
    # half way along major and semi-major: sqrt(0.5)
    h = 0.5 * ranges[0] * m + 0.5 * ranges[1] * s
    assert anisotropic_distance(h, ranges, *angles) == pytest.approx(np.sqrt(0.5))


def test_anisotropy_matrix_is_gslib_setrot_scaled_by_major_range():
    # GSLIB setrot scales rows 2 and 3 by 1/anis1 and 1/anis2 (anis = ratio to the major
    # range), so its distance is in units of the major range: A_gslib = a_major · A.
    ranges = (100.0, 40.0, 10.0)
    A = anisotropy_matrix(ranges, 20.0, -15.0, 5.0)
    gslib = _gslib_book_matrix(20.0, -15.0, 5.0) * np.array([[1.0], [2.5], [10.0]])
    np.testing.assert_allclose(A * ranges[0], gslib, atol=1e-13)
