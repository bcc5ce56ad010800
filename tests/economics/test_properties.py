"""Property tests of the engine (hypothesis)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mine2magnet.economics import (
    ProductionPlan,
    build_model,
    economics_params,
    evaluate,
    irr_roots,
    npv,
    run_monte_carlo,
    value_project,
)

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    invest=st.lists(st.floats(1, 1e3), min_size=1, max_size=4),
    returns=st.lists(st.floats(0, 1e3), min_size=1, max_size=30),
    r1=st.floats(0, 0.5),
    dr=st.floats(1e-4, 0.5),
)
def test_npv_falls_as_the_rate_rises_for_conventional_flows(invest, returns, r1, dr):
    """Outflows then inflows, valued when the last outflow is made (start of production):
    compounding the outflows and discounting the inflows both cost more at a higher rate."""
    c = np.r_[-np.array(invest), np.array(returns)]
    t = np.arange(c.size) - (len(invest) - 1)
    assert npv(r1 + dr, c, t) <= npv(r1, c, t) + 1e-9 * np.abs(c).sum()
    # hence one sign change and, when the inflows exceed the outflows, exactly one IRR
    if sum(returns) > sum(invest) * (1 + 1e-9):
        assert irr_roots(c).size == 1


@SETTINGS
@given(
    price=st.floats(1, 200),
    capex=st.floats(1e6, 5e8),
    opex_t=st.floats(0, 500),
    regime=st.sampled_from(["turkiye", "us_wyoming", "australia_wa"]),
    inflation=st.sampled_from([0.0, 2.5]),
)
def test_doubling_all_prices_never_lowers_npv(price, capex, opex_t, regime, inflation):
    shape = np.r_[0, 0, np.full(10, 1.0)]
    plan = ProductionPlan.from_arrays(
        1e5 * shape,
        {"conc": 100.0 * shape, "byp": 5e3 * shape},
        {"conc": {"Nd2O3": 0.6, "Pr6O11": 0.2}},
    )
    base = {
        "inflation_pct": inflation,
        "fiscal": {"regime": regime},
        "products": {"byp": {"pricing": "fixed", "price_usd_kg": 0.2, "grade_linked": False}},
        "prices": {"overrides_usd_kg": {"Nd2O3": price, "Pr6O11": price}},
        "opex": {"processing": {"usd_per_t_ore": opex_t}},
        "capex": [{"name": "p", "category": "initial", "amounts_usd": [capex / 2, capex / 2]}],
        "closure": {"cost_usd": 0.1 * capex},
    }
    m = build_model(plan, economics_params(base))
    f1 = evaluate(m, product_mult=np.ones((1, 2)))
    f2 = evaluate(m, product_mult=np.full((1, 2), 2.0))
    df = m.discount_factors()
    for key in ("cash_flow", "pre_tax_cash_flow", "equity_cash_flow"):
        assert f2[key][0] @ df >= f1[key][0] @ df - 1e-6 * capex, key


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), chunk=st.sampled_from([100, 250, 1000]))
def test_monte_carlo_is_reproducible_by_seed(plan, params, seed, chunk):
    m = build_model(plan, params)
    a = run_monte_carlo(m, params.montecarlo, draws=300, seed=seed, chunk_size=chunk)
    b = run_monte_carlo(m, params.montecarlo, draws=300, seed=seed, chunk_size=chunk)
    assert np.array_equal(a.npv, b.npv)
    assert np.array_equal(a.factors.to_numpy(), b.factors.to_numpy())


@settings(max_examples=20, deadline=None)
@given(
    losses=st.lists(st.floats(0, 5e6), min_size=1, max_size=8),
    price=st.floats(5, 80),
)
def test_engine_never_loses_a_tax_loss_before_expiry(losses, price):
    """Pre-production losses expire only after five years, never earlier."""
    pre = len(losses)
    shape = np.r_[np.zeros(pre), np.full(8, 1.0)]
    plan = ProductionPlan.from_arrays(
        1e5 * shape, {"conc": 50.0 * shape}, opex_usd={"g_and_a": np.r_[losses, np.zeros(8)]}
    )
    p = economics_params(
        {
            "products": {"conc": {"pricing": "fixed", "price_usd_kg": price}},
            "working_capital": {"receivable_days": 0, "inventory_days": 0, "payable_days": 0},
            "closure": {"cost_usd": 0.0},
            "fiscal": {"royalties": {"state_right": {"rate_pct": 0.0}}},
        }
    )
    t = value_project(plan, p).table
    exp = t["loss_expired_usd"].to_numpy()
    ti = t["taxable_income_usd"].to_numpy()
    for y in np.flatnonzero(exp > 1e-6):
        arisen = y - 5
        assert arisen >= 0 and losses[arisen] > 0
        assert np.allclose(ti[arisen + 1 : y + 1], 0.0)  # nothing was left to offset
    generated = np.sum(losses)
    assert t["loss_used_usd"].sum() + exp.sum() + t["loss_pool_usd"].iloc[-1] == pytest.approx(
        generated, abs=1e-3
    )
