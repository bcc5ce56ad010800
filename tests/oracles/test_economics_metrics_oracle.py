"""NPV, IRR and MIRR against hand-worked textbook cases and numpy-financial.

Hand-worked cases (closed form, written out below):

* ``[-100, 60, 60]`` at 10 %: NPV (flows at t = 0, 1, 2) = −100 + 60/1.1 + 60/1.1² =
  4.1322; the IRR solves 60y² + 60y − 100 = 0 for y = 1/(1+r):
  y = (−60 + √(60² + 4·60·100)) / 120 → r = 13.066 %.
* ``[-100, 225, -123.5]``: −123.5y² + 225y − 100 = 0 → y = (225 ± 35)/247 → r = −5 % and
  +30 % (DOMAIN.md §5): both must be returned, flagged "multiple".
* ``[100, -300, 250]``: 250y² − 300y + 100 has a negative discriminant → no real IRR,
  flagged "none".
* Brigham & Ehrhardt's "Project S" (Financial Management, ch. 11): −1000, 500, 400, 300,
  100 at a 10 % cost of capital: NPV 78.82, IRR 14.49 %, MIRR 12.11 %.

Convention difference with numpy-financial (documented in economics/metrics.py):
``npf.npv(r, c)`` does not discount the first flow, i.e. it equals our
``npv(r, c, times=arange(n))`` and ``(1 + r) × npv(r, c)`` with our default end-of-period
times. ``npf.irr`` returns only the root nearest zero (−5 % for the two-root case).
"""

import math

import numpy as np
import pytest

from mine2magnet.economics.metrics import irr_flag, irr_roots, mirr, npv, payback

npf = pytest.importorskip("numpy_financial")


def test_hand_worked_npv_irr():
    c = np.array([-100.0, 60.0, 60.0])
    assert npv(0.10, c, np.arange(3)) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.1**2, abs=1e-12)
    assert npv(0.10, c, np.arange(3)) == pytest.approx(4.1322314, abs=1e-6)
    y = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / 120
    roots = irr_roots(c)
    assert roots.tolist() == pytest.approx([1 / y - 1], abs=1e-12)
    assert roots[0] == pytest.approx(0.130662, abs=1e-6)


def test_two_sign_changes_returns_both_roots():
    c = np.array([-100.0, 225.0, -123.5])
    disc = math.sqrt(225**2 - 4 * 123.5 * 100)
    expected = sorted(1 / y - 1 for y in ((225 + disc) / 247, (225 - disc) / 247))
    roots = irr_roots(c)
    assert roots.tolist() == pytest.approx(expected, abs=1e-12)
    assert roots.tolist() == pytest.approx([-0.05, 0.30], abs=1e-12)
    assert irr_flag(roots) == "multiple"
    # numpy-financial returns a single root, the one nearest zero
    assert npf.irr(c) == pytest.approx(-0.05, abs=1e-9)


def test_no_real_root():
    c = np.array([100.0, -300.0, 250.0])
    assert 300**2 - 4 * 250 * 100 < 0
    roots = irr_roots(c)
    assert roots.size == 0 and irr_flag(roots) == "none"
    assert math.isnan(npf.irr(c))


def test_brigham_project_s():
    c = np.array([-1000.0, 500.0, 400.0, 300.0, 100.0])
    assert npv(0.10, c, np.arange(5)) == pytest.approx(78.82, abs=0.005)
    assert irr_roots(c).tolist() == pytest.approx([0.1449], abs=5e-5)
    assert mirr(c, 0.10, 0.10) == pytest.approx(0.1211, abs=5e-5)


@pytest.mark.parametrize("seed", range(12))
def test_npv_and_mirr_match_numpy_financial(seed):
    rng = np.random.default_rng(seed)
    c = rng.normal(0, 100, size=int(rng.integers(3, 40)))
    c[0] = -abs(c[0]) - 50
    for r in (0.0, 0.05, 0.1, 0.37):
        # numpy-financial: first flow at t = 0 (undiscounted)
        assert npv(r, c, np.arange(c.size)) == pytest.approx(npf.npv(r, c), rel=1e-12, abs=1e-9)
        # our default: end-of-period times 1..n (spreadsheet NPV) = npf.npv / (1 + r)
        assert npv(r, c) * (1 + r) == pytest.approx(npf.npv(r, c), rel=1e-12, abs=1e-9)
    assert mirr(c, 0.08, 0.12) == pytest.approx(npf.mirr(c, 0.08, 0.12), rel=1e-10)


@pytest.mark.parametrize("seed", range(30))
def test_every_root_zeroes_npv_and_contains_numpy_financial_root(seed):
    rng = np.random.default_rng(100 + seed)
    c = rng.normal(0, 1, size=int(rng.integers(2, 60)))
    roots = irr_roots(c)
    for r in roots:
        scale = np.abs(c) @ (1 + r) ** -np.arange(c.size)
        assert abs(npv(r, c, np.arange(c.size))) <= 1e-8 * scale
    ref = npf.irr(c)
    if not math.isnan(ref):
        assert np.min(np.abs(roots - ref)) < 1e-7


def test_conventional_project_has_one_root_equal_to_numpy_financial():
    c = np.r_[-500.0, -300.0, np.full(20, 120.0)]
    roots = irr_roots(c)
    assert irr_flag(roots) == "unique"
    assert roots[0] == pytest.approx(npf.irr(c), abs=1e-10)


def test_irr_independent_of_uniform_time_shift_and_annualised_for_quarters():
    c = np.r_[-100.0, np.full(12, 10.0)]
    r = irr_roots(c)[0]
    # mid-period discounting shifts all times by half a period: NPV(r) stays 0
    assert npv(r, c, np.arange(c.size) + 0.5) == pytest.approx(0.0, abs=1e-9)
    # quarterly: the per-quarter root, annualised
    rq = irr_roots(c, dt=0.25)[0]
    assert rq == pytest.approx((1 + r) ** 4 - 1, rel=1e-12)


def test_payback_hand_worked():
    # cumulative at period ends: -100, -60, -20, +20 -> crosses half-way through period 3,
    # i.e. 3.5 periods after the start of period 0, 2.5 after the start of period 1
    c = np.array([-100.0, 40.0, 40.0, 40.0])
    assert payback(c) == pytest.approx(3.5)
    assert payback(c, start=1) == pytest.approx(2.5)
    assert payback(c, dt=0.25, start=1) == pytest.approx(0.625)
    assert math.isnan(payback(np.array([-100.0, 10.0, 10.0])))
