from datetime import date

import numpy as np
import pytest

from mine2magnet.economics.timing import (
    Timing,
    escalation_index,
    fisher_nominal,
    fisher_real,
)


@pytest.mark.parametrize(("convention", "first"), [("end", 1.0), ("mid", 0.5), ("start", 0.0)])
def test_cash_times_by_convention(convention, first):
    t = Timing(5, 2030, convention=convention)
    assert t.cash_times()[0] == first
    assert np.allclose(np.diff(t.cash_times()), 1.0)


def test_quarterly_axis():
    t = Timing(8, 2030, periods_per_year=4, convention="end")
    assert t.dt == 0.25
    assert t.cash_times().tolist() == pytest.approx([0.25 * (i + 1) for i in range(8)])
    assert t.calendar_year().tolist() == [2030] * 4 + [2031] * 4
    assert t.n_fiscal_years == 2


def test_valuation_date_offsets_times():
    t = Timing.from_dates(3, 2030, date(2029, 7, 2), convention="start")
    assert t.cash_times()[0] == pytest.approx(0.5, abs=0.01)
    later = Timing.from_dates(3, 2030, date(2031, 1, 1))
    assert later.cash_times()[0] == pytest.approx(0.0, abs=0.01)  # end of 2030


def test_discount_factors_shape_and_value():
    t = Timing(3, 2030)
    df = t.discount_factors(np.array([0.0, 0.1]))
    assert df.shape == (2, 3)
    assert df[1].tolist() == pytest.approx([1 / 1.1, 1 / 1.21, 1 / 1.331])


def test_fisher_round_trip():
    assert fisher_nominal(0.08, 0.025) == pytest.approx(1.08 * 1.025 - 1)
    assert fisher_real(fisher_nominal(0.08, 0.025), 0.025) == pytest.approx(0.08)


def test_escalation_index_matches_cash_times():
    t = Timing(4, 2030, convention="mid")
    assert escalation_index(t, 0.02).tolist() == pytest.approx(1.02 ** t.cash_times())


@pytest.mark.parametrize(
    "bad",
    [
        dict(n_periods=0),
        dict(n_periods=3, periods_per_year=3),
        dict(n_periods=3, convention="middle"),
    ],
)
def test_rejects_bad_axes(bad):
    with pytest.raises(ValueError):
        Timing(**bad)
