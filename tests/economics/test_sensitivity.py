import numpy as np
import pytest

from mine2magnet.economics import (
    break_even_prices,
    build_model,
    evaluate,
    sensitivity,
    value_project,
)


@pytest.fixture
def model(plan, params):
    return build_model(plan, params)


def test_base_case_equals_valuation(model, plan, params):
    s = sensitivity(model)
    assert s.base_npv == pytest.approx(value_project(plan, params).npv, rel=1e-12)
    zero = s.spider.loc[s.spider["change_pct"] == 0, "npv_usd"]
    assert np.allclose(zero, s.base_npv)


def test_spider_directions_and_tornado_order(model):
    s = sensitivity(model)
    sp = s.spider.pivot(index="change_pct", columns="variable", values="npv_usd")
    assert sp["price"].is_monotonic_increasing
    assert sp["grade"].is_monotonic_increasing
    assert sp["capex"].is_monotonic_decreasing
    assert sp["opex"].is_monotonic_decreasing
    assert sp["discount_rate"].is_monotonic_decreasing
    assert sp["fx"].is_monotonic_decreasing  # dearer local currency, dearer local costs
    assert np.allclose(sp["grade"], sp["recovery"])  # same lever at fixed throughput
    assert s.tornado["swing_usd"].is_monotonic_decreasing
    assert s.tornado.iloc[0]["variable"] == "price"
    assert set(s.tornado["variable"]) == {
        "price",
        "grade",
        "recovery",
        "capex",
        "opex",
        "fx",
        "discount_rate",
    }


def test_capex_case_is_a_rerun_with_scaled_capital(model):
    s = sensitivity(model, variables=["capex"], steps_pct=[-20, 0, 20])
    f = evaluate(model, capex=1.2)["cash_flow"][0]
    hi = s.spider.set_index("change_pct").loc[20.0, "npv_usd"]
    assert hi == pytest.approx(float(f @ model.discount_factors()))


def test_unknown_variable():
    with pytest.raises(ValueError, match="unknown sensitivity"):
        sensitivity(None, variables=["weather"])  # type: ignore[arg-type]


def test_break_even_prices_zero_the_npv(model):
    be = break_even_prices(model).set_index("product")
    assert set(be.index) == {"NdPr oxide", "La-Ce carbonate", "fluorite", "all products"}
    m = be.loc["NdPr oxide", "multiplier"]
    assert 0 < m < 1  # the project is profitable at deck prices
    mult = np.ones(len(model.products))
    mult[model.products.index("NdPr oxide")] = m
    f = evaluate(model, product_mult=mult[None, :])["cash_flow"][0]
    assert float(f @ model.discount_factors()) == pytest.approx(0.0, abs=1.0)
    base_price = be.loc["NdPr oxide", "base_price_usd_kg"]
    assert base_price == pytest.approx(0.995 * 110, rel=1e-9)  # payable Nd2O3 + Pr6O11 at 110
    assert be.loc["NdPr oxide", "break_even_price_usd_kg"] == pytest.approx(base_price * m)
    # cutting every price cuts more revenue than cutting NdPr alone: less room to fall
    assert m < be.loc["all products", "multiplier"] < 1
    assert np.isnan(be.loc["all products", "base_price_usd_kg"])


def test_pre_tax_break_even_below_after_tax(model):
    at = break_even_prices(model, products=["NdPr oxide"]).iloc[0]["multiplier"]
    pt = break_even_prices(model, products=["NdPr oxide"], series="pre_tax_cash_flow").iloc[0][
        "multiplier"
    ]
    assert pt < at
