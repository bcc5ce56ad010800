"""Normal-score transform: exact at the data, tails, monotone back transform."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.errors import ConfigError
from mine2magnet.geostats.normal_score import NormalScoreTransform
from mine2magnet.geostats.variogram import normal_scores

RNG = np.random.default_rng(7)
DATA = RNG.lognormal(0.5, 0.8, 300)
W = RNG.uniform(0.2, 3.0, 300)


def test_round_trip_exact_at_data_and_matches_variogram_normal_scores():
    nst = NormalScoreTransform().fit(DATA, W)
    y = nst.transform(DATA)
    np.testing.assert_allclose(y, normal_scores(DATA, W), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(nst.inverse_transform(y), DATA)


def test_weighted_scores_have_zero_mean_and_ties_share_a_score():
    z = np.array([1.0, 2.0, 2.0, 3.0, 5.0])
    nst = NormalScoreTransform().fit(z)
    y = nst.transform(z)
    assert y[1] == y[2]
    assert abs(NormalScoreTransform().fit([1.0, 2.0, 3.0, 5.0]).scores_.mean()) < 1e-12
    assert nst.mean_ == pytest.approx(z.mean())


def test_lower_tail_reaches_zmin_and_power_tail_differs():
    lin = NormalScoreTransform(zmin=0.0).fit(DATA)
    pw = NormalScoreTransform(lower_tail="power", lower_omega=2.5, zmin=0.0).fit(DATA)
    deep = np.array([-9.0, -6.0, -4.0])
    assert lin.inverse_transform(deep)[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(pw.inverse_transform(deep) <= lin.inverse_transform(deep))
    assert np.all(lin.inverse_transform(deep) >= 0.0)


def test_hyperbolic_upper_tail_formula_and_linear_tail_bounded():
    nst = NormalScoreTransform(upper_tail="hyperbolic", upper_omega=1.5).fit(DATA)
    y = np.array([4.0, 5.0])
    p = 0.5 * (1 + np.vectorize(__import__("math").erf)(y / np.sqrt(2)))
    zk, pk = nst.values_[-1], nst.cdf_[-1]
    np.testing.assert_allclose(nst.inverse_transform(y), zk * ((1 - pk) / (1 - p)) ** (1 / 1.5),
                               rtol=1e-6)  # fmt: skip
    lin = NormalScoreTransform(upper_tail="linear", zmax=20.0).fit(DATA)
    assert lin.inverse_transform([30.0])[0] == pytest.approx(20.0)
    # forward transform inverts the tails
    for t in (nst, lin):
        yy = np.array([-5.0, -3.5, 3.5, 4.5])
        np.testing.assert_allclose(t.transform(t.inverse_transform(yy)), yy, atol=1e-6)


def test_bad_settings_raise():
    with pytest.raises(ConfigError):
        NormalScoreTransform(zmin=10.0).fit(DATA)
    with pytest.raises(ConfigError):
        NormalScoreTransform(upper_tail="hyperbolic", upper_omega=0.5).fit(DATA)
    with pytest.raises(ConfigError):
        NormalScoreTransform().transform([1.0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.01, 100.0), min_size=2, max_size=40),
    st.lists(st.floats(-8.0, 8.0), min_size=2, max_size=40),
    st.sampled_from(["hyperbolic", "linear", "power"]),
)
def test_back_transform_is_monotone(values, scores, upper):
    nst = NormalScoreTransform(upper_tail=upper, lower_tail="power", lower_omega=0.7).fit(values)
    y = np.sort(np.asarray(scores))
    z = nst.inverse_transform(y)
    assert np.all(np.diff(z) >= 0)
    assert np.all(z >= nst.zmin_)


def test_upper_tail_option_changes_only_scores_beyond_the_largest_datum():
    """Why the tail option cannot move the 95 % quantile: it acts above p_K only.

    Below the score of the largest datum all tail options give the same values, and a
    standard-normal field exceeds that score with probability 1 − p_K (here 1/600).
    """
    w = np.ones(DATA.size)
    fits = [NormalScoreTransform(**kw).fit(DATA, w) for kw in (
        {}, {"upper_tail": "power", "upper_omega": 2.5},
        {"upper_tail": "hyperbolic", "upper_omega": 1.5})]  # fmt: skip
    s_k, p_k = fits[0].scores_[-1], fits[0].cdf_[-1]
    assert p_k == pytest.approx(1 - 0.5 / DATA.size)
    y = np.random.default_rng(0).normal(size=200_000)
    body = y[y <= s_k]
    ref = fits[0].inverse_transform(body)
    for nst in fits[1:]:
        np.testing.assert_array_equal(nst.inverse_transform(body), ref)
        q = [0.9, 0.95, 0.99]
        got, want = nst.inverse_transform(y), fits[0].inverse_transform(y)
        np.testing.assert_allclose(np.quantile(got, q), np.quantile(want, q))
    assert np.mean(y > s_k) == pytest.approx(1 - p_k, rel=0.15)
