"""Unit tests of economics.metrics beyond the oracles (tests/oracles/test_economics_*)."""

import numpy as np

from mine2magnet.economics.metrics import irr_roots


def test_irr_roots_with_a_subnormal_last_flow():
    """Regression (found by hypothesis): a 2e-309 final flow overflowed the companion matrix."""
    roots = irr_roots(np.array([-1.0, 2.0, 2.225073858507203e-309]))
    np.testing.assert_allclose(roots, [1.0], rtol=1e-9)


def test_irr_roots_ignore_noise_but_keep_small_real_flows():
    """A final flow of 1e-3 of the largest is kept (it moves the root); zeros change nothing."""
    base = irr_roots(np.array([-100.0, 60.0, 60.0]))
    same = irr_roots(np.array([-100.0, 60.0, 60.0, 0.0]))
    moved = irr_roots(np.array([-100.0, 60.0, 60.0, 0.1]))
    np.testing.assert_allclose(same, base)
    assert moved.size == 1 and moved[0] > base[0]
