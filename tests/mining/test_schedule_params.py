"""Schemas of [mining.schedule] and [mining.reserve]: defaults, fallbacks, errors by key."""

from __future__ import annotations

import doctest
from datetime import date

import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.mining import schedule_params as module
from mine2magnet.mining.params import mining_params
from mine2magnet.mining.schedule_params import reserve_params, schedule_params


def test_doctests() -> None:
    assert doctest.testmod(module).failed == 0


def test_defaults_work_without_sections() -> None:
    s = schedule_params(mining_params({}))
    assert s.periods == "auto" and s.period_years == 1 and s.grade_bins == 3
    r = reserve_params(mining_params({}))
    assert r.basis == "scheduled" and r.effective_date is None
    assert (r.rounding.reserve.tonnes, r.rounding.inferred.tonnes) == (3, 2)


def test_rates_and_discount_fall_back_to_mining() -> None:
    m = mining_params({"mining_rate_tpa": 5e6, "processing_rate_tpa": 4e5, "discount_rate_pct": 10})
    s = schedule_params(m)
    assert s.rates(m) == (5e6, 4e5)
    assert s.discount_rate(m) == pytest.approx(0.10)
    m2 = mining_params({"schedule": {"processing_rate_tpa": 1e5, "discount_rate_pct": 5}})
    s2 = schedule_params(m2)
    assert s2.rates(m2) == (None, 1e5)  # [mining] has no mining rate: unlimited
    assert s2.discount_rate(m2) == pytest.approx(0.05)


def test_auto_periods_cover_the_binding_capacity() -> None:
    m = mining_params({"mining_rate_tpa": 1e6, "processing_rate_tpa": 1e5})
    s = schedule_params({"period_years": 2, "max_periods": 30})
    # plant binds: 1.0e6 t feed / 1e5 t/y = 10 y = 5 periods, plus one
    assert s.n_periods(1.0e6, 1.0e6, m) == 6
    # mining binds: 30e6 t / 1e6 t/y = 30 y = 15 periods, plus one
    assert s.n_periods(1.0e5, 30e6, m) == 16
    assert s.n_periods(1e9, 1e9, m) == 30  # capped
    assert schedule_params({"periods": 7}).n_periods(1e9, 1e9, m) == 7


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"period_years": 0}, "mining.schedule.period_years"),
        ({"periods": "many"}, "mining.schedule.periods"),
        ({"grade_bins": 11}, "mining.schedule.grade_bins"),
        ({"processing_ramp_up_pct": [120]}, "mining.schedule.processing_ramp_up_pct"),
        ({"stockpile": 1}, "mining.schedule.stockpile"),
    ],
)
def test_schedule_errors_name_the_key(section, key) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        schedule_params(mining_params({"schedule": section}))


def test_reserve_errors_name_the_key_and_dates_parse() -> None:
    with pytest.raises(ConfigError, match=r"mining\.reserve\.basis"):
        reserve_params({"basis": "whole_pit"})
    with pytest.raises(ConfigError, match=r"mining\.reserve\.rounding"):
        reserve_params({"rounding": {"reserve": {"tonnes": 0}}})
    r = reserve_params({"effective_date": "2026-01-01", "basis": "final_pit"})
    assert r.effective_date == date(2026, 1, 1) and r.basis == "final_pit"
