"""Figures of the economics chapter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures.economics import (
    cashflow_profile,
    cashflow_waterfall,
    magnet_chart,
    npv_histogram,
    npv_rate_curve,
    scenario_chart,
    spider_chart,
    tornado_chart,
)

YEARS = np.arange(2027, 2037)


def cashflow() -> pd.DataFrame:
    n = YEARS.size
    prod = np.r_[np.zeros(2), np.ones(n - 3), 0.0]
    rev = 100e6 * prod
    opex = 40e6 * prod
    roy = 0.04 * rev
    capex = np.r_[150e6, 200e6, np.full(n - 3, 5e6), 0.0]
    tax = 0.25 * np.maximum(rev - opex - roy - 35e6, 0)
    wc = np.r_[0, 0, 8e6, np.zeros(n - 4), -8e6]
    closure = np.r_[np.zeros(n - 1), 20e6]
    salvage = np.r_[np.zeros(n - 1), 5e6]
    cf = rev - roy - opex - capex - wc - closure + salvage - tax
    return pd.DataFrame(
        {
            "year": YEARS,
            "revenue_usd": rev,
            "opex_usd": opex,
            "royalty_usd": roy,
            "capex_usd": capex,
            "tax_usd": tax,
            "working_capital_change_usd": wc,
            "closure_usd": closure,
            "salvage_usd": salvage,
            "cash_flow": cf,
        }
    )


def metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["discount rate", "IRR root 1", "IRR root 2", "IRR root 1"],
            "value": [8.0, -40.0, 12.3, 15.1],
            "unit": ["%"] * 4,
            "series": ["project", "after_tax", "after_tax", "pre_tax"],
            "kind": ["discount_rate", "irr_root", "irr_root", "irr_root"],
            "rate_pct": np.nan,
            "text": ["real", "", "", ""],
        }
    )


def curve() -> pd.DataFrame:
    r = np.linspace(0, 30, 61)
    return pd.DataFrame(
        {
            "rate_pct": r,
            "npv_after_tax_usd": 1e8 * (12.3 - r),
            "npv_pre_tax_usd": 1e8 * (15.1 - r),
            "npv_equity_usd": 1e8 * (12.3 - r),
        }
    )


def tornado() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variable": ["price", "capex", "discount_rate"],
            "npv_low_usd": [-50e6, 120e6, 130e6],
            "npv_high_usd": [250e6, 80e6, 70e6],
            "swing_usd": [300e6, 40e6, 60e6],
        }
    )


def spider() -> pd.DataFrame:
    rows = [
        (v, s, 100e6 + k * s * 1e6)
        for v, k in (("price", 5), ("opex", -2))
        for s in (-20.0, -10.0, 0.0, 10.0, 20.0)
    ]
    return pd.DataFrame(rows, columns=["variable", "change_pct", "npv_usd"])


def draws() -> pd.DataFrame:
    x = np.random.default_rng(0).normal(50e6, 80e6, 2000)
    return pd.DataFrame({"draw": np.arange(x.size), "npv_usd": x, "npv_pre_tax_usd": x + 1e7})


def summary(x: np.ndarray) -> pd.DataFrame:
    stats = {
        "mean": x.mean(),
        "P10": np.percentile(x, 10),
        "P50": np.percentile(x, 50),
        "P90": np.percentile(x, 90),
        "P(NPV<0)": np.mean(x < 0),
    }
    return pd.DataFrame(
        {
            "statistic": list(stats),
            "after_tax_usd": list(stats.values()),
            "pre_tax_usd": list(stats.values()),
        }
    )


def scenarios(evil: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": ["base case", "(a) concentrate", f"(d) alloy {evil}".strip()],
            "npv_usd": [-100e6, 5e6, -300e6],
            "value_in_country_npv_usd": [470e6, 320e6, 490e6],
            "foreign_partner_npv_usd": [-100e6, -10e6, -130e6],
            "local_opex_usd_per_year": [50e6, 24e6, 66e6],
        }
    )


def magnet() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quantity": [
                "NdPr oxide",
                "NdFeB magnet",
                "EV traction motors",
                "direct-drive wind",
                "share of world NdPr oxide (estimate)",
            ],
            "value": [1125.0, 2931.0, 1.67e6, 4449.0, 0.0117],
            "low": [np.nan, 2840.0, 1.54e6, 3416.0, 0.0117],
            "high": [np.nan, 3133.0, 1.83e6, 6376.0, 0.0189],
            "unit": ["t/y", "t/y", "motors/y", "MW/y", "-"],
            "source": ["input"] + ["x"] * 4,
        }
    )


CASES = [
    (
        cashflow_profile,
        (cashflow,),
        "economics-cashflow-profile",
        "Annual cash flows",
        ["revenue", "after-tax cash flow", "cumulative (right)", "US$ M per year"],
    ),
    (
        cashflow_waterfall,
        (cashflow,),
        "economics-waterfall",
        "Life-of-mine cash-flow waterfall",
        ["revenue", "royalties", "operating cost", "capital", "income tax", "net cash flow"],
    ),
    (
        npv_rate_curve,
        (curve, metrics),
        "economics-npv-rate",
        "NPV against discount rate",
        ["after tax", "pre-tax", "IRR 12.3 %", "IRR 15.1 %", "discount rate [%]"],
    ),
    (
        tornado_chart,
        (tornado,),
        "economics-tornado",
        "Sensitivity of NPV (tornado)",
        ["price", "capital cost", "discount rate"],
    ),
    (
        spider_chart,
        (spider,),
        "economics-spider",
        "Sensitivity of NPV (spider)",
        ["price", "operating cost", "change of the variable [%]"],
    ),
    (
        npv_histogram,
        (draws,),
        "economics-npv-histogram",
        "Monte Carlo distribution of NPV",
        ["after-tax NPV [US$ M]", "share of draws [%]"],
    ),
    (
        scenario_chart,
        (scenarios,),
        "economics-scenarios",
        "Partner scenarios: who captures the value",
        [
            "base case",
            "(a) concentrate",
            "project NPV",
            "value captured in country",
            "foreign partner NPV",
            "opex in country [US$ M/y]",
        ],
    ),
    (
        magnet_chart,
        (magnet,),
        "economics-magnet",
        "Mine to magnet: what a year's NdPr oxide makes",
        [],
    ),
]


@pytest.mark.parametrize(("fn", "makers", "fig_id", "title", "labels"), CASES)
def test_each_figure(svgtools, fn, makers, fig_id, title, labels):
    args = [m() for m in makers]
    before = [svgtools.fingerprint(a) for a in args]
    fig = fn(*args, synthetic=True)
    assert [svgtools.fingerprint(a) for a in args] == before
    assert isinstance(fig, Figure) and fig.id == fig_id and fig.title == title
    texts = svgtools.texts(fig.svg)
    assert title in texts and "SYNTHETIC data" in texts
    for label in labels:
        assert label in texts, label
    assert "SYNTHETIC" in fig.caption
    assert "US$" in fig.caption or fig_id == "economics-magnet"
    assert len(fig.svg) < 150_000  # small SVGs: text as text, no raster
    plain = fn(*args)
    assert "SYNTHETIC data" not in svgtools.texts(plain.svg)


@pytest.mark.parametrize(("fn", "makers", "fig_id", "title", "labels"), CASES)
def test_missing_columns_are_named(fn, makers, fig_id, title, labels):
    bad = makers[0]().iloc[:, :1]
    with pytest.raises(DataError, match=r"missing column|none of the quantities"):
        fn(bad, *[m() for m in makers[1:]])


def test_waterfall_steps_add_up(svgtools):
    cf = cashflow()
    texts = svgtools.texts(cashflow_waterfall(cf).svg)
    assert f"{cf['cash_flow'].sum() / 1e6:,.0f}" in texts
    assert f"{cf['revenue_usd'].sum() / 1e6:,.0f}" in texts


def test_histogram_from_draws_and_from_bins(svgtools):
    d = draws()
    s = summary(d["npv_usd"].to_numpy())
    p50 = f" P50 {s.set_index('statistic').loc['P50', 'after_tax_usd'] / 1e6:,.0f}"
    fig = npv_histogram(d, s)
    assert p50 in svgtools.texts(fig.svg)
    assert "P(NPV < 0)" in fig.caption and "2,000" in fig.caption
    counts, edges = np.histogram(d["npv_usd"], bins=40)
    bins = pd.DataFrame({"bin_low_usd": edges[:-1], "bin_high_usd": edges[1:], "count": counts})
    fig2 = npv_histogram(bins, s)
    assert p50 in svgtools.texts(fig2.svg)
    with pytest.raises(DataError, match="no rows"):
        npv_histogram(d.iloc[:0])


def test_irr_outside_the_curve_is_not_drawn(svgtools):
    texts = svgtools.texts(npv_rate_curve(curve(), metrics()).svg)
    assert "IRR -40.0 %" not in texts  # the range starts at 0 %


def test_data_text_is_escaped(svgtools):
    fig = scenario_chart(scenarios(svgtools.EVIL))
    assert f"(d) alloy {svgtools.EVIL}" in svgtools.texts(fig.svg)
    assert "<script>" not in fig.svg


def test_magnet_panel_values(svgtools):
    texts = svgtools.texts(magnet_chart(magnet()).svg)
    assert "NdFeB magnet\n2,931 t/y" in texts or any("2,931 t/y" in t for t in texts)
    assert any("1.17 %" in t for t in texts)
    with pytest.raises(DataError, match="none of the quantities"):
        magnet_chart(magnet().iloc[:1])
