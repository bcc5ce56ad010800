"""Ordinary and simple point kriging equal gstools' ``krige.Ordinary``/``krige.Simple``.

Mapping of the parameterisations (gstools 1.7):

* ``len_scale``: our range for the spherical model, range/3 for the exponential
  (``exp(-r/ℓ)``) and range·√(π/12) for the Gaussian (``exp(-π/4 · r²/ℓ²)``);
  ``var`` is the structure's sill, ``nugget`` the nugget;
* anisotropy: ``anis = (a_semi/a_major, a_minor/a_major)``; gstools rotates its main axes
  by ``Rx(γ) Ry(β) Rz(α)`` (its ``matrix_rotate``, columns = axes), so the GSLIB matrix
  ``R(azimuth, dip, rake)`` (rows = axes) equals that matrix transposed;
  :func:`gstools_angles` decomposes it;
* gstools has no moving neighbourhood: the comparison uses every sample (a search that
  holds all of them); ``exact=True`` matches our point kriging (full ``C(0)`` on a sample).
"""

import numpy as np
import pytest

from mine2magnet.geostats import SearchParameters, Structure, VariogramModel, krige
from mine2magnet.geostats.rotation import rotation_matrix

gs = pytest.importorskip("gstools")

RTOL = 1e-6
LEN_SCALE = {"spherical": 1.0, "exponential": 1.0 / 3.0, "gaussian": np.sqrt(np.pi / 12.0)}
GS_MODEL = {"spherical": "Spherical", "exponential": "Exponential", "gaussian": "Gaussian"}


def gstools_angles(azimuth: float, dip: float, rake: float) -> tuple[float, float, float]:
    """GSLIB angles → gstools ``angles`` (α about z, β, γ) [rad]."""
    M = rotation_matrix(azimuth, dip, rake).T  # = Rx(γ) Ry(β) Rz(α)
    beta = np.arcsin(M[0, 2])
    alpha = np.arctan2(-M[0, 1], M[0, 0])
    gamma = np.arctan2(-M[1, 2], M[2, 2])
    return float(alpha), float(beta), float(gamma)


def gstools_model(model: VariogramModel):
    (s,) = model.structures
    cls = getattr(gs, GS_MODEL[s.kind])
    return cls(
        dim=3,
        var=s.sill,
        len_scale=s.ranges[0] * LEN_SCALE[s.kind],
        nugget=model.nugget,
        anis=[s.ranges[1] / s.ranges[0], s.ranges[2] / s.ranges[0]],
        angles=gstools_angles(*s.angles),
    )


CASES = [
    VariogramModel(0.1, (Structure("spherical", 0.9, (150.0, 80.0, 30.0), (30.0, -20.0, 10.0)),)),
    VariogramModel(
        0.0, (Structure("exponential", 1.5, (200.0, 120.0, 40.0), (300.0, 35.0, -5.0)),)
    ),
    VariogramModel(0.3, (Structure("gaussian", 1.0, (160.0, 100.0, 50.0), (75.0, -35.0, 20.0)),)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_gstools_model_is_the_same_function(case):
    model = CASES[case]
    gm = gstools_model(model)
    rng = np.random.default_rng(case)
    h = rng.normal(scale=80.0, size=(200, 3))
    np.testing.assert_allclose(gm.vario_spatial(h.T), model.gamma(h), rtol=1e-12, atol=1e-14)
    axes = gs.tools.geometric.rotated_main_axes(3, gm.angles)
    np.testing.assert_allclose(axes, rotation_matrix(*model.structures[0].angles), atol=1e-12)


def _problem(seed, n=250, m=150):
    rng = np.random.default_rng(seed)
    X = rng.uniform([0, 0, 0], [400, 300, 100], size=(n, 3))
    z = rng.normal(1.5, 0.5, size=n) + np.sin(X[:, 0] / 60.0)
    T = rng.uniform([0, 0, 0], [400, 300, 100], size=(m, 3))
    T[:4] = X[:4]
    return X, z, T


@pytest.mark.parametrize("case", range(len(CASES)))
def test_ordinary_kriging_equals_gstools(case):
    model = CASES[case]
    X, z, T = _problem(case)
    krig = gs.krige.Ordinary(gstools_model(model), cond_pos=X.T, cond_val=z, exact=True)
    g_est, g_var = krig(T.T, mesh_type="unstructured", return_var=True)
    ours = krige(X, z, T, model, SearchParameters(1e6, max_samples=len(z)))
    np.testing.assert_allclose(ours.estimate, g_est, rtol=RTOL)
    np.testing.assert_allclose(ours.variance, g_var, rtol=RTOL, atol=1e-9)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_simple_kriging_equals_gstools(case):
    model = CASES[case]
    X, z, T = _problem(10 + case)
    krig = gs.krige.Simple(gstools_model(model), cond_pos=X.T, cond_val=z, mean=1.4, exact=True)
    g_est, g_var = krig(T.T, mesh_type="unstructured", return_var=True)
    ours = krige(
        X, z, T, model, SearchParameters(1e6, max_samples=len(z)), method="simple", mean=1.4
    )
    np.testing.assert_allclose(ours.estimate, g_est, rtol=RTOL)
    np.testing.assert_allclose(ours.variance, g_var, rtol=RTOL, atol=1e-9)
