import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.economics.fiscal import DepreciationClass
from mine2magnet.economics.tax import depreciation_schedule, income_tax


def reference_tax(income, rate, min_rate=0.0, exempt=0, expiry=None, limit=1.0):
    """Plain-Python loss vintages, written independently of the kernel."""
    vintages = []  # [year arisen, amount left]
    tax, expired_total, used_total = [], 0.0, 0.0
    for y, x in enumerate(income):
        pos = max(x, 0.0)
        room = pos * limit
        used = 0.0
        for v in sorted(vintages):
            take = min(v[1], room - used)
            v[1] -= take
            used += take
        vintages = [v for v in vintages if v[1] > 0]
        regular = rate * (pos - used)
        minimum = min_rate * pos if y >= exempt else 0.0
        tax.append(max(regular, minimum))
        used_total += used
        if x < 0:
            vintages.append([y, -x])
        if expiry is not None:
            gone = [v for v in vintages if y - v[0] >= expiry]
            expired_total += sum(v[1] for v in gone)
            vintages = [v for v in vintages if y - v[0] < expiry]
    return np.array(tax), used_total, expired_total, sum(v[1] for v in vintages)


def test_loss_offsets_oldest_first_and_expires_after_five_years():
    inc = np.array([-100.0, -50.0, 0, 0, 0, 0, 30.0, 200.0])
    r = income_tax(inc, rate=0.25, expiry_years=5)
    # year 0 loss usable in years 1..5 only: expires unused at the end of year 5
    assert r.loss_expired[0].tolist() == [0, 0, 0, 0, 0, 100.0, 20.0, 0]
    # year 1 loss (50) usable until year 6: 30 used in year 6, 20 expires at its end
    assert r.loss_used[0, 6] == 30.0 and r.loss_expired[0, 6] == 20.0
    assert r.tax[0].tolist() == pytest.approx([0, 0, 0, 0, 0, 0, 0, 50.0])


def test_turkish_minimum_tax_on_income_before_losses():
    inc = np.array([-1000.0, 0.0, 0.0, 400.0])
    r = income_tax(inc, rate=0.25, minimum_rate=0.10, minimum_exempt_years=0, expiry_years=5)
    # regular tax 0 (losses absorb the income) but the minimum is 10 % of 400
    assert r.tax[0, 3] == pytest.approx(40.0)
    assert r.minimum_binding[0, 3] and r.loss_used[0, 3] == 400.0
    exempt = income_tax(inc, rate=0.25, minimum_rate=0.10, minimum_exempt_years=4, expiry_years=5)
    assert exempt.tax[0, 3] == 0.0


def test_offset_limit_and_no_expiry():
    inc = np.array([-100.0, 100.0, 100.0])
    r = income_tax(inc, rate=0.21, offset_limit=0.8)
    assert r.loss_used[0].tolist() == pytest.approx([0, 80.0, 20.0])
    assert r.tax[0].tolist() == pytest.approx([0, 0.21 * 20, 0.21 * 80])
    assert r.loss_expired.sum() == 0


def test_vectorised_rows_are_independent():
    inc = np.array([[-100.0, 50.0, 80.0], [10.0, 10.0, 10.0]])
    r = income_tax(inc, rate=0.3, expiry_years=2)
    for i in range(2):
        single = income_tax(inc[i], rate=0.3, expiry_years=2)
        assert np.array_equal(r.tax[i], single.tax[0])


incomes = st.lists(
    st.floats(-1e3, 1e3, allow_nan=False).map(lambda x: round(x, 3)), min_size=1, max_size=25
)


@settings(max_examples=150, deadline=None)
@given(
    inc=incomes,
    expiry=st.one_of(st.none(), st.integers(1, 7)),
    limit=st.sampled_from([1.0, 0.8, 0.5]),
    min_rate=st.sampled_from([0.0, 0.1]),
)
def test_matches_reference_and_losses_are_conserved(inc, expiry, limit, min_rate):
    x = np.array(inc)
    r = income_tax(x, rate=0.25, minimum_rate=min_rate, expiry_years=expiry, offset_limit=limit)
    tax, used, expired, left = reference_tax(inc, 0.25, min_rate, 0, expiry, limit)
    assert r.tax[0] == pytest.approx(tax, abs=1e-9)
    assert r.loss_pool[0, -1] == pytest.approx(left, abs=1e-6)
    generated = np.maximum(-x, 0).sum()
    # every loss is used, expired or still carried: nothing vanishes
    assert r.loss_used.sum() + r.loss_expired.sum() + r.loss_pool[0, -1] == pytest.approx(
        generated, abs=1e-6
    )
    assert r.loss_used.sum() == pytest.approx(used, abs=1e-6)
    assert r.loss_expired.sum() == pytest.approx(expired, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(inc=incomes, expiry=st.integers(1, 6))
def test_a_loss_is_never_lost_before_expiry(inc, expiry):
    """A loss expires only after `expiry` years in every one of which the offset was full."""
    x = np.array(inc)
    r = income_tax(x, rate=0.25, expiry_years=expiry)
    for y in np.flatnonzero(r.loss_expired[0] > 1e-9):
        arisen = y - expiry  # the vintage expiring at the end of year y
        assert arisen >= 0 and x[arisen] < 0
        window = range(arisen + 1, y + 1)
        # in each year of its window all positive income was absorbed by losses
        for k in window:
            assert r.taxable[0, k] == pytest.approx(0.0, abs=1e-9)
    assert not np.any(r.loss_expired[0, :expiry] > 0)  # nothing can expire that early


def test_depreciation_methods_sum_to_cost():
    spend = np.zeros(20)
    spend[[0, 1, 6]] = [100.0, 50.0, 30.0]
    prod = np.r_[0, 0, np.full(15, 10.0), 0, 0, 0]
    for cls in (
        DepreciationClass("straight_line", 5),
        DepreciationClass("declining_balance", 7, 2.0),
        DepreciationClass("units_of_production", 0),
        DepreciationClass("immediate", 0),
    ):
        d = depreciation_schedule(spend, cls, in_service=2, writeoff=16, production=prod)
        assert d.sum() == pytest.approx(spend.sum())
        assert d[:2].sum() == 0  # nothing before the asset is in service
        assert d[17:].sum() == 0  # everything written off by the last production period
        assert np.all(d >= 0)


def test_declining_balance_switches_to_straight_line():
    d = depreciation_schedule(
        np.r_[700.0, np.zeros(9)], DepreciationClass("declining_balance", 7, 2.0)
    )
    # 200 %/7 = 28.57 % of the balance, then straight line over the remaining life
    assert d[0] == pytest.approx(200.0)
    assert d[:7].sum() == pytest.approx(700.0)
    assert np.all(np.diff(d[:7]) <= 1e-9)


def test_quarterly_lives_and_late_spend_expensed():
    d = depreciation_schedule(
        np.r_[40.0, np.zeros(11)], DepreciationClass("straight_line", 1), periods_per_year=4
    )
    assert d[:4].tolist() == pytest.approx([10.0] * 4)
    late = depreciation_schedule(
        np.r_[np.zeros(5), 10.0, 0.0], DepreciationClass("straight_line", 10), writeoff=3
    )
    assert late[5] == 10.0
