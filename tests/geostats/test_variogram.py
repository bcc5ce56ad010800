"""Variogram models, experimental variograms, transforms and the fitter."""

import math

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.rotation import axis_vectors
from mine2magnet.geostats.variogram import (
    ExperimentalVariogram,
    Structure,
    VariogramFitter,
    VariogramModel,
    covariance,
    downhole_variogram,
    experimental_variogram,
    normal_scores,
    transform_values,
    unit_variogram,
    variogram,
    variogram_map,
)


def _model():
    return VariogramModel(
        0.2,
        (
            Structure("spherical", 0.5, (40.0, 20.0, 5.0), (30.0, -10.0, 0.0)),
            Structure("exponential", 0.3, (150.0, 100.0, 30.0), (30.0, -10.0, 0.0)),
        ),
    )


# ------------------------------------------------------------------- models


@pytest.mark.parametrize(
    ("kind", "r", "expected"),
    [
        ("spherical", 0.0, 0.0),
        ("spherical", 0.5, 0.6875),
        ("spherical", 1.0, 1.0),
        ("spherical", 3.0, 1.0),
        ("exponential", 1.0, 1 - math.exp(-3)),  # GSLIB practical range: 95 %
        ("exponential", 0.25, 1 - math.exp(-0.75)),
        ("gaussian", 1.0, 1 - math.exp(-3)),
        ("gaussian", 0.5, 1 - math.exp(-0.75)),
    ],
)
def test_unit_variograms(kind, r, expected):
    assert float(unit_variogram(kind, r)) == pytest.approx(expected, rel=1e-14, abs=1e-15)


def test_gamma_plus_covariance_is_sill_and_nugget_only_away_from_zero():
    m = _model()
    rng = np.random.default_rng(0)
    h = rng.normal(scale=50, size=(100, 3))
    np.testing.assert_allclose(m.gamma(h) + m.covariance(h), m.sill)
    assert float(variogram(m, [0.0, 0.0, 0.0])) == 0.0
    assert float(covariance(m, [0.0, 0.0, 0.0])) == pytest.approx(1.0)
    assert float(variogram(m, [1e-6, 0.0, 0.0])) == pytest.approx(0.2, abs=1e-6)


def test_anisotropic_ranges_along_axes():
    m = VariogramModel(0.0, (Structure("spherical", 1.0, (40.0, 20.0, 5.0), (30.0, -10.0, 7.0)),))
    major, semi, minor = axis_vectors(30.0, -10.0, 7.0)
    for vec, r in ((major, 40.0), (semi, 20.0), (minor, 5.0)):
        assert float(m.gamma(vec * r)) == pytest.approx(1.0)
        assert float(m.gamma(vec * r / 2)) == pytest.approx(0.6875)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "cubic", "sill": 1.0, "ranges": 10.0}, "kind"),
        ({"kind": "spherical", "sill": -1.0, "ranges": 10.0}, "sill"),
        ({"kind": "spherical", "sill": 1.0, "ranges": (10.0, 0.0, 1.0)}, "ranges"),
        ({"kind": "spherical", "sill": 1.0, "ranges": (10.0, 5.0)}, "three"),
        ({"kind": "spherical", "sill": 1.0, "ranges": 10.0, "angles": (np.nan, 0, 0)}, "angles"),
    ],
)
def test_structure_validation(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        Structure(**kwargs)


def test_model_validation():
    s = Structure("spherical", 1.0, 10.0)
    with pytest.raises(ConfigError, match="at most 3"):
        VariogramModel(0.0, (s, s, s, s))
    with pytest.raises(ConfigError, match="nugget"):
        VariogramModel(-0.1, (s,))
    with pytest.raises(ConfigError, match="total sill"):
        VariogramModel(0.0, ())
    assert VariogramModel(1.0, ()).sill == 1.0  # pure nugget is allowed


def test_dict_round_trip_and_missing_key():
    m = _model()
    assert VariogramModel.from_dict(m.to_dict()) == m
    with pytest.raises(ConfigError, match="'sill'"):
        VariogramModel.from_dict({"nugget": 0.1, "structures": [{"kind": "spherical"}]})


# -------------------------------------------------------------- experimental


def _brute_gamma(X, z, lag, n_lags, tol, accept=None):
    i, j = np.triu_indices(len(z), 1)
    h = X[j] - X[i]
    d = np.linalg.norm(h, axis=1)
    keep = np.ones(d.shape, bool) if accept is None else accept(h)
    out = []
    for k in range(n_lags + 1):
        sel = keep & (np.abs(d - k * lag) <= tol)
        out.append(
            (
                np.sum((z[j][sel] - z[i][sel]) ** 2) / (2 * sel.sum()) if sel.any() else np.nan,
                sel.sum(),
            )
        )
    return np.array([o[0] for o in out]), np.array([o[1] for o in out])


def test_regular_line_exact_values():
    x = np.column_stack([np.arange(10.0), np.zeros(10), np.zeros(10)])
    ev = experimental_variogram(x, np.arange(10.0), lag=1.0, n_lags=3)
    np.testing.assert_allclose(ev.gamma[1:], [0.5, 2.0, 4.5])
    np.testing.assert_array_equal(ev.n_pairs, [0, 9, 8, 7])
    np.testing.assert_allclose(ev.lag_m[1:], [1, 2, 3])
    assert np.isnan(ev.gamma[0]) and ev.kind == "omnidirectional" and ev.direction is None


def test_omnidirectional_matches_brute_force():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 100, size=(300, 3))
    z = rng.normal(size=300)
    ev = experimental_variogram(X, z, lag=10.0, n_lags=6, lag_tol=7.0)
    g, n = _brute_gamma(X, z, 10.0, 6, 7.0)
    np.testing.assert_array_equal(ev.n_pairs, n)
    np.testing.assert_allclose(ev.gamma, g, rtol=1e-12)


def test_directional_matches_brute_force_definition():
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 100, size=(250, 3)) * [1, 1, 0.3]
    z = rng.normal(size=250)
    az, dip, atol, dtol, bh, bv = 30.0, -20.0, 22.5, 15.0, 12.0, 6.0
    u = axis_vectors(az, dip, 0.0)[0]
    uh = np.array([np.sin(np.radians(az)), np.cos(np.radians(az))])

    def accept(h):
        h = np.where((h @ u)[:, None] < 0, -h, h)
        hxy = np.linalg.norm(h[:, :2], axis=1)
        along = h[:, :2] @ uh
        ok_az = (hxy <= 1e-12) | (np.abs(along) >= hxy * np.cos(np.radians(atol)))
        ok_bh = (hxy <= 1e-12) | (np.abs(h[:, 0] * uh[1] - h[:, 1] * uh[0]) <= bh)
        hl = np.linalg.norm(h, axis=1)
        ok_dip = np.abs(h @ u) >= hl * np.cos(np.radians(dtol))
        ok_bv = np.abs(np.cos(np.radians(dip)) * h[:, 2] - np.sin(np.radians(dip)) * along) <= bv
        return ok_az & ok_bh & ok_dip & ok_bv

    ev = experimental_variogram(
        X,
        z,
        lag=8.0,
        n_lags=8,
        azimuth=az,
        dip=dip,
        azimuth_tol=atol,
        dip_tol=dtol,
        bandwidth_h=bh,
        bandwidth_v=bv,
    )
    g, n = _brute_gamma(X, z, 8.0, 8, 4.0, accept)
    np.testing.assert_array_equal(ev.n_pairs, n)
    np.testing.assert_allclose(ev.gamma, g, rtol=1e-12)
    np.testing.assert_allclose(ev.direction, u)


def test_direction_selects_pairs():
    # points along an east-west line: seen by azimuth 90 (and 270), not by azimuth 0
    x = np.column_stack([np.arange(20.0), np.zeros(20), np.zeros(20)])
    z = np.sin(np.arange(20.0))
    east = experimental_variogram(x, z, lag=1.0, n_lags=5, azimuth=90.0)
    west = experimental_variogram(x, z, lag=1.0, n_lags=5, azimuth=270.0)
    north = experimental_variogram(x, z, lag=1.0, n_lags=5, azimuth=0.0)
    assert east.n_pairs[1:].tolist() == [19, 18, 17, 16, 15]
    np.testing.assert_array_equal(east.n_pairs, west.n_pairs)
    assert north.n_pairs.sum() == 0
    # bandwidth: a point 3 m off the line at 50 m is excluded with bandwidth 2
    x2 = np.array([[0.0, 0, 0], [50.0, 3.0, 0]])
    inside = experimental_variogram(x2, [0.0, 1.0], lag=50.0, n_lags=1, azimuth=90.0)
    outside = experimental_variogram(
        x2, [0.0, 1.0], lag=50.0, n_lags=1, azimuth=90.0, bandwidth_h=2.0
    )
    assert inside.n_pairs[1] == 1 and outside.n_pairs[1] == 0


def test_vertical_direction_and_2d_coordinates():
    X = np.column_stack([np.zeros(10), np.zeros(10), -np.arange(10.0)])
    ev = experimental_variogram(X, np.arange(10.0), lag=1.0, n_lags=2, azimuth=0.0, dip=-90.0)
    assert ev.n_pairs[1:].tolist() == [9, 8]
    ev2 = experimental_variogram(
        np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]), [0, 1, 2], lag=1, n_lags=2
    )
    assert ev2.n_pairs[1:].tolist() == [2, 1]


def test_nan_values_are_left_out_and_transforms():
    X = np.column_stack([np.arange(6.0), np.zeros(6), np.zeros(6)])
    z = np.array([1.0, 2.0, np.nan, 4.0, 8.0, 16.0])
    ev = experimental_variogram(X, z, lag=1.0, n_lags=2, transform="log")
    assert ev.n_data == 5 and ev.transform == "log"
    assert ev.gamma[1] == pytest.approx(np.log(2) ** 2 / 2)
    with pytest.raises(DataError, match="positive"):
        transform_values([1.0, 0.0], "log")
    with pytest.raises(ConfigError, match="transform"):
        transform_values([1.0], "sqrt")


def test_normal_scores():
    rng = np.random.default_rng(5)
    z = rng.lognormal(size=2001)
    ns = normal_scores(z)
    assert abs(ns.mean()) < 1e-12
    assert ns.std() == pytest.approx(1.0, abs=0.01)
    assert np.all(np.diff(ns[np.argsort(z)]) > 0)  # monotone
    tied = normal_scores([1.0, 1.0, 2.0, np.nan])
    assert tied[0] == tied[1] and np.isnan(tied[3])
    w = normal_scores([1.0, 2.0], weights=[3.0, 1.0])
    assert w[0] < 0 < w[1]


def test_downhole_pairs_only_within_holes():
    holes = np.array(["A"] * 5 + ["B"] * 5)
    depth = np.r_[np.arange(5.0), np.arange(5.0)]
    z = np.r_[np.arange(5.0), 10 + 2 * np.arange(5.0)]
    ev = downhole_variogram(holes, depth, z, lag=1.0, n_lags=2)
    assert ev.kind == "downhole" and ev.n_pairs[1:].tolist() == [8, 6]
    assert ev.gamma[1] == pytest.approx((4 * 1 + 4 * 4) / 16)
    # shuffled input gives the same answer
    p = np.random.default_rng(0).permutation(10)
    ev2 = downhole_variogram(pd.Series(holes[p]), depth[p], z[p], lag=1.0, n_lags=2)
    np.testing.assert_allclose(ev2.gamma, ev.gamma)


def test_variogram_map_symmetric_and_matches_pairs():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 50, size=(120, 2))
    z = rng.normal(size=120)
    vm = variogram_map(X, z, lag_x=5.0, lag_y=5.0, n_x=4, n_y=3)
    assert vm.gamma.shape == (7, 9)
    np.testing.assert_array_equal(vm.n_pairs, vm.n_pairs[::-1, ::-1])
    np.testing.assert_allclose(vm.gamma, vm.gamma[::-1, ::-1], equal_nan=True)
    i, j = np.triu_indices(120, 1)
    dx, dy = X[j, 0] - X[i, 0], X[j, 1] - X[i, 1]
    sel = (np.floor(dx / 5 + 0.5) == 1) & (np.floor(dy / 5 + 0.5) == -2)
    assert (
        vm.n_pairs[3 - 2, 4 + 1]
        == sel.sum() + ((np.floor(-dx / 5 + 0.5) == 1) & (np.floor(-dy / 5 + 0.5) == -2)).sum()
    )


def test_lag_parameter_errors():
    with pytest.raises(ConfigError, match="lag"):
        experimental_variogram(np.zeros((3, 3)), [1, 2, 3], lag=0.0, n_lags=3)
    with pytest.raises(ConfigError, match="n_lags"):
        experimental_variogram(np.zeros((3, 3)), [1, 2, 3], lag=1.0, n_lags=0)


# ------------------------------------------------------------------ fitting


def _synthetic_ev(model, az, dip, lags):
    u = axis_vectors(az, dip, 0.0)[0]
    g = model.gamma(lags[:, None] * u)
    n = np.full(lags.size, 500)
    return ExperimentalVariogram(lags, lags, g, n, lags * 0, lags * 0, "directional", az, dip)


def test_fit_recovers_noise_free_anisotropic_model():
    true = VariogramModel(0.1, (Structure("spherical", 0.9, (80.0, 40.0, 10.0), (30, 0, 0)),))
    lags = np.arange(1, 21) * 6.0
    evs = [
        _synthetic_ev(true, 30, 0, lags),
        _synthetic_ev(true, 120, 0, lags),
        _synthetic_ev(true, 30, -90, lags / 6),
    ]
    start = VariogramModel(0.3, (Structure("spherical", 0.5, (50.0, 50.0, 50.0), (30, 0, 0)),))
    fit = VariogramFitter(start).fit(evs)
    assert fit.success_
    p = fit.parameters_
    assert p["nugget"] == pytest.approx(0.1, abs=1e-6)
    assert p["sill_1"] == pytest.approx(0.9, rel=1e-6)
    assert p["range_major_1"] == pytest.approx(80.0, rel=1e-6)
    assert p["range_semi_1"] == pytest.approx(40.0, rel=1e-6)
    assert p["range_minor_1"] == pytest.approx(10.0, rel=1e-5)
    assert p["azimuth_1"] == 30.0  # angles fixed by default


def test_fixed_parameters_stay_and_isotropic_tie():
    true = VariogramModel(0.0, (Structure("exponential", 2.0, 60.0),))
    lags = np.arange(1, 16) * 5.0
    ev = ExperimentalVariogram(
        lags,
        lags,
        true.gamma(np.c_[lags, 0 * lags, 0 * lags]),
        np.full(15, 50),
        lags * 0,
        lags * 0,
        "omnidirectional",
    )
    start = VariogramModel(0.5, (Structure("exponential", 1.0, (20.0, 5.0, 5.0)),))
    fit = VariogramFitter(start, fixed=("nugget",), weights="npairs").fit(ev)
    assert fit.parameters_["nugget"] == 0.5
    s = fit.model_.structures[0]
    assert s.ranges[0] == s.ranges[1] == s.ranges[2]  # isotropic: tied
    free = VariogramFitter(start, weights="equal").fit(ev)
    assert free.parameters_["range_major_1"] == pytest.approx(60.0, rel=1e-6)
    assert free.parameters_["nugget"] == pytest.approx(0.0, abs=1e-5)


def test_fitter_errors():
    start = VariogramModel(0.5, (Structure("spherical", 1.0, 20.0),))
    lags = np.arange(1, 4) * 5.0
    ev = ExperimentalVariogram(
        lags, lags, lags / 10, np.full(3, 5), lags * 0, lags * 0, "omnidirectional"
    )
    with pytest.raises(ConfigError, match="not among"):
        VariogramFitter(start, fixed=("range_3",)).fit(ev)
    with pytest.raises(ConfigError, match="weights"):
        VariogramFitter(start, weights="cressie").fit(ev)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="usable"):
        VariogramFitter(start, fixed=()).fit(ev)
