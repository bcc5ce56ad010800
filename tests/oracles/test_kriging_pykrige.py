"""Ordinary point kriging equals PyKrige's OrdinaryKriging3D on shared problems.

Mapping of the parameterisations (PyKrige 1.7):

* variogram ``{"psill", "range", "nugget"}`` (beware: PyKrige's *list* form is
  ``[full sill, range, nugget]``): PyKrige's spherical and exponential ``range``
  are our (GSLIB) range — PyKrige's exponential is ``1 - exp(-h/(range/3))``, the
  practical range; its Gaussian uses ``exp(-h²/(4·range/7)²)``, so
  ``range_pykrige = 7/(4√3) · a`` for our Gaussian range ``a``;
* anisotropy: PyKrige transforms coordinates by ``S · Rz(-θz) Ry(-θy) Rx(-θx)`` (CCW
  angles about fixed x, y, z, then a stretch ``S = diag(1, sy, sz)``) and uses the major
  range; our matrix is ``diag(1, a_major/a_semi, a_major/a_minor) · R(azimuth, dip,
  rake)``. :func:`pykrige_angles` decomposes ``R`` into those three angles;
* moving window: ``n_closest_points`` picks the nearest samples in PyKrige's transformed
  space, i.e. by our anisotropic distance; we use a search ellipsoid proportional to the
  ranges and large enough to always hold that many samples;
* ``exact_values=True`` (the default) matches our point kriging, which gives a sample
  at the target the full ``C(0)``; its ``sigmasq`` is our kriging variance;
* PyKrige's constructor computes leave-one-out fit statistics with a cost that grows
  like ``n⁴``; they do not enter the estimates, so the tests replace them by a stub.
"""

import numpy as np
import pytest

from mine2magnet.geostats import SearchParameters, Structure, VariogramModel, krige
from mine2magnet.geostats.rotation import rotation_matrix

pykrige_ok3d = pytest.importorskip("pykrige.ok3d")

RTOL = 1e-6


@pytest.fixture(autouse=True)
def _skip_pykrige_statistics(monkeypatch):
    def stub(X, y, *args, **kwargs):
        n = len(y)
        return np.zeros(n), np.ones(n), np.zeros(n)

    monkeypatch.setattr(pykrige_ok3d, "_find_statistics", stub)


def pykrige_angles(azimuth: float, dip: float, rake: float) -> tuple[float, float, float]:
    """GSLIB angles → PyKrige ``(anisotropy_angle_x, _y, _z)`` [deg]."""
    M = rotation_matrix(azimuth, dip, rake)  # = Rz(γ) Ry(β) Rx(α) with γ = -θz, …
    beta = np.arcsin(-M[2, 0])
    alpha = np.arctan2(M[2, 1], M[2, 2])
    gamma = np.arctan2(M[1, 0], M[0, 0])
    return tuple(float(-np.degrees(a)) for a in (alpha, beta, gamma))


def _problem(seed, n=400, m=150):
    rng = np.random.default_rng(seed)
    X = rng.uniform([0, 0, 0], [400, 300, 100], size=(n, 3))
    z = rng.normal(2.0, 0.7, size=n) + X[:, 0] / 200.0
    T = rng.uniform([20, 20, 10], [380, 280, 90], size=(m, 3))
    T[:5] = X[:5]  # a few targets on samples: exact interpolation in both
    return X, z, T


CASES = [
    ("spherical", 0.1, 0.9, (150.0, 80.0, 30.0), (30.0, -20.0, 10.0), 1.0),
    ("spherical", 0.0, 2.5, (200.0, 200.0, 200.0), (0.0, 0.0, 0.0), 1.0),
    ("exponential", 0.3, 1.2, (180.0, 90.0, 45.0), (120.0, 15.0, -25.0), 1.0),
    ("gaussian", 0.2, 1.0, (160.0, 100.0, 50.0), (75.0, -35.0, 0.0), 7.0 / (4.0 * np.sqrt(3.0))),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("n_closest", [12, 30])
def test_ordinary_kriging_equals_pykrige_moving_window(case, n_closest):
    kind, nugget, psill, ranges, angles, rfac = CASES[case]
    X, z, T = _problem(10 * case + n_closest)
    model = VariogramModel(nugget, (Structure(kind, psill, ranges, angles),))
    ax, ay, az = pykrige_angles(*angles)
    ok = pykrige_ok3d.OrdinaryKriging3D(
        X[:, 0], X[:, 1], X[:, 2], z,
        variogram_model=kind,
        variogram_parameters={"psill": psill, "range": ranges[0] * rfac, "nugget": nugget},
        anisotropy_scaling_y=ranges[0] / ranges[1],
        anisotropy_scaling_z=ranges[0] / ranges[2],
        anisotropy_angle_x=ax, anisotropy_angle_y=ay, anisotropy_angle_z=az,
        exact_values=True,
    )  # fmt: skip
    pk_est, pk_var = ok.execute(
        "points", T[:, 0], T[:, 1], T[:, 2], n_closest_points=n_closest, backend="loop"
    )
    search = SearchParameters(tuple(r * 20 for r in ranges), angles, 1, n_closest)
    ours = krige(X, z, T, model, search)
    assert np.all(ours.status == 0) and np.all(ours.n_samples == n_closest)
    np.testing.assert_allclose(ours.estimate, np.asarray(pk_est), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(ours.variance, np.asarray(pk_var), rtol=RTOL, atol=1e-9)


def test_global_ordinary_kriging_equals_pykrige_vectorized():
    X, z, T = _problem(11, n=250, m=120)
    kind, nugget, psill, ranges, angles, _ = CASES[0]
    model = VariogramModel(nugget, (Structure(kind, psill, ranges, angles),))
    ax, ay, az = pykrige_angles(*angles)
    ok = pykrige_ok3d.OrdinaryKriging3D(
        X[:, 0], X[:, 1], X[:, 2], z,
        variogram_model=kind,
        variogram_parameters={"psill": psill, "range": ranges[0], "nugget": nugget},
        anisotropy_scaling_y=ranges[0] / ranges[1],
        anisotropy_scaling_z=ranges[0] / ranges[2],
        anisotropy_angle_x=ax, anisotropy_angle_y=ay, anisotropy_angle_z=az,
        exact_values=True,
    )  # fmt: skip
    pk_est, pk_var = ok.execute("points", T[:, 0], T[:, 1], T[:, 2], backend="vectorized")
    ours = krige(X, z, T, model, SearchParameters(1e6, max_samples=len(z)))
    np.testing.assert_allclose(ours.estimate, np.asarray(pk_est), rtol=RTOL)
    np.testing.assert_allclose(ours.variance, np.asarray(pk_var), rtol=RTOL, atol=1e-9)


def test_angle_mapping_reproduces_pykrige_distances():
    from pykrige.core import _adjust_for_anisotropy

    rng = np.random.default_rng(0)
    pts = rng.normal(size=(20, 3)) * 50
    ranges, angles = (150.0, 60.0, 20.0), (210.0, -40.0, 25.0)
    adj = _adjust_for_anisotropy(
        pts.copy(), np.zeros(3), [ranges[0] / ranges[1], ranges[0] / ranges[2]],
        list(pykrige_angles(*angles)),
    )  # fmt: skip
    ours = pts @ (rotation_matrix(*angles).T * (ranges[0] / np.asarray(ranges)))
    np.testing.assert_allclose(adj, ours, atol=1e-9)
