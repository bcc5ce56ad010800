"""Property tests of the SX cascade and designer (hypothesis)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mine2magnet.processing.sx import countercurrent, design_cascade, simulate

SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cascades(draw):
    c = draw(st.integers(2, 6))
    steps = draw(st.lists(st.floats(1.05, 6.0), min_size=c - 1, max_size=c - 1))
    beta = np.cumprod([1.0, *steps])
    feed = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=c, max_size=c)))
    n = draw(st.integers(1, 25))
    m = draw(st.integers(0, 25))
    total = feed.sum()
    w = draw(st.floats(0.05, 3.0)) * total if m else 0.0
    s = w + draw(st.floats(0.05, 0.95)) * total
    eff = draw(st.sampled_from([1.0, 0.9, 0.6]))
    strip = draw(st.integers(0, 2))
    return countercurrent(
        [f"E{i}" for i in range(c)],
        beta,
        feed,
        n_extraction=n,
        n_scrub=m,
        n_strip=strip,
        organic_mol_h=s,
        scrub_mol_h=w,
        efficiency=eff,
    )


@settings(max_examples=60, deadline=None)
@given(cascades())
def test_every_stage_conserves_every_element(cas):
    r = simulate(cas)
    x, y = r.aqueous_mol_h, r.organic_mol_h
    n, c = x.shape
    for k in range(n):
        y_in = y[k - 1] if k else np.zeros(c)
        x_in = x[k + 1] if k < n - 1 and cas.aqueous_link[k] else np.zeros(c)
        inflow = y_in + x_in + cas.feed_aqueous_mol_h[k] + cas.feed_organic_mol_h[k]
        np.testing.assert_allclose(x[k] + y[k], inflow, rtol=1e-10, atol=0)
    outlets = r.raffinate_mol_h + r.strip_liquor_mol_h + r.organic_out_mol_h
    np.testing.assert_allclose(outlets, r.feed_mol_h, rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(cascades(), st.lists(st.floats(-6.0, 6.0), min_size=80, max_size=80))
def test_converges_from_any_feasible_start(cas, logs):
    theta0 = np.exp(np.array(logs[: cas.n_stages]))
    a = simulate(cas, theta0=theta0)
    b = simulate(cas)
    np.testing.assert_allclose(a.aqueous_mol_h, b.aqueous_mol_h, rtol=1e-7, atol=1e-12)


def _stages(f_a, beta, p_a, p_b):
    d = design_cascade(
        ["Pr", "Nd"],
        [1.0, beta],
        [1 - f_a, f_a],
        ["Nd"],
        extract_purity=p_a,
        raffinate_purity=p_b,
        tradeoff_factors=None,
    )
    return d.n_total


@pytest.mark.slow
@SLOW
@given(
    st.floats(0.15, 0.85),
    st.floats(1.3, 3.0),
    st.floats(0.98, 0.999),
    st.floats(1e-4, 9e-4),
)
def test_higher_purity_never_fewer_stages(f_a, beta, p_a, dp):
    assert _stages(f_a, beta, p_a + dp, 0.99) >= _stages(f_a, beta, p_a, 0.99)


@pytest.mark.slow
@SLOW
@given(st.floats(0.15, 0.85), st.floats(1.3, 2.5), st.floats(0.05, 1.0), st.floats(0.98, 0.999))
def test_larger_beta_never_more_stages(f_a, beta, dbeta, p_a):
    assert _stages(f_a, beta + dbeta, p_a, 0.99) <= _stages(f_a, beta, p_a, 0.99)
