"""Printable summaries of the economics tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mine2magnet.economics.scenarios import scenario_params
from mine2magnet.economics.stage import EconomicsResult, run_economics
from mine2magnet.economics.summary import (
    cashflow_summary,
    economics_summary,
    format_frame,
    headline_metrics,
    magnet_panel,
    montecarlo_percentiles,
    scenario_summary,
)


@pytest.fixture
def tables(plan, params, monkeypatch) -> dict[str, pd.DataFrame]:
    """The stage's tables for the shared test plan (products_from = params is not needed:
    the plan is passed through the stage's plan builder)."""
    from mine2magnet.economics import stage

    monkeypatch.setattr(stage, "economics_plan", lambda *a, **k: plan)
    sc = scenario_params([{"name": "b", "route": "mixed_chemical"}])
    r = run_economics(None, None, params, scenarios=sc, seed=3, draws=300)
    assert isinstance(r, EconomicsResult)
    return r.tables()


def test_headline_metrics(tables):
    h = headline_metrics(tables).set_index("item")
    m = tables["metrics"].set_index(["kind", "series"])
    assert h.loc["NPV at 8 % (after tax)", "value"] == m.loc[("npv", "after_tax"), "value"] / 1e6
    assert h.loc["NPV at 10 % (after tax)", "unit"] == "US$ M"
    flag = m.loc[("irr_flag", "after_tax"), "text"]
    detail = h.loc["IRR (after tax)", "detail"]
    assert detail.startswith(flag)
    roots = tables["metrics"].query("kind == 'irr_root' and series == 'after_tax'")["value"]
    for r in roots:
        assert f"{r:.1f} %" in detail
    if flag != "unique":
        assert math.isnan(h.loc["IRR (after tax)", "value"])
    assert h.loc["discount rate", "detail"] == "real terms"


def test_cashflow_summary_adds_up(tables):
    c = cashflow_summary(tables)
    body = c.iloc[:-1]
    parts = body[["revenue", "royalties", "opex", "capex", "other", "tax"]].sum(axis=1)
    assert np.allclose(parts, body["cash_flow"], atol=1e-6)
    assert c.iloc[-1]["year"] == "total"
    assert c.iloc[-1]["cash_flow"] == pytest.approx(tables["cashflow"]["cash_flow"].sum() / 1e6)
    assert body["cumulative"].iloc[-1] == pytest.approx(c.iloc[-1]["cash_flow"])
    assert (body["capex"] <= 0).all() and (body["revenue"] >= 0).all()


def test_quarterly_cash_flows_are_summed_per_year():
    cf = pd.DataFrame(
        {
            "year": [2027] * 4 + [2028] * 4,
            **{
                c: np.ones(8) * 1e6
                for c in (
                    "revenue_usd",
                    "royalty_usd",
                    "opex_usd",
                    "capex_usd",
                    "tax_usd",
                    "salvage_usd",
                )
            },
            "working_capital_change_usd": 0.0,
            "closure_usd": 0.0,
            "cash_flow": np.arange(8) * 1e6,
        }
    )
    c = cashflow_summary({"economics__cashflow": cf})
    assert list(c["year"]) == [2027, 2028, "total"]
    assert list(c["cash_flow"]) == [6.0, 22.0, 28.0]


def test_montecarlo_and_magnet_units(tables):
    mc = montecarlo_percentiles(tables).set_index("statistic")
    raw = tables["montecarlo_summary"].set_index("statistic")
    assert mc.loc["P(NPV<0)", "unit"] == "%"
    assert mc.loc["P(NPV<0)", "after_tax"] == pytest.approx(
        100 * raw.loc["P(NPV<0)", "after_tax_usd"]
    )
    assert mc.loc["P90", "after_tax"] == pytest.approx(raw.loc["P90", "after_tax_usd"] / 1e6)
    assert mc.loc["draws", "after_tax"] == 300
    mag = magnet_panel(tables).set_index("quantity")
    share = "share of world NdPr oxide (estimate)"
    assert mag.loc[share, "unit"] == "%"
    raw_mag = tables["magnet"].set_index("quantity")
    assert mag.loc[share, "value"] == pytest.approx(100 * raw_mag.loc[share, "value"])
    assert mag.loc["NdFeB magnet", "value"] == raw_mag.loc["NdFeB magnet", "value"]


def test_scenario_summary(tables):
    s = scenario_summary(tables)
    raw = tables["scenarios"]
    assert list(s["scenario"]) == ["base case", "b"]
    assert s["npv"].tolist() == pytest.approx((raw["npv_usd"] / 1e6).tolist())
    assert s["value_in_country"].tolist() == pytest.approx(
        (raw["value_in_country_npv_usd"] / 1e6).tolist()
    )


def test_store_prefix_and_missing_tables(tables):
    prefixed = {f"economics__{k}": v for k, v in tables.items()}
    assert set(economics_summary(prefixed)) == {"metrics", "cashflow", "montecarlo", "magnet"}
    pd.testing.assert_frame_equal(headline_metrics(prefixed), headline_metrics(tables))
    with pytest.raises(KeyError, match="economics__scenarios"):
        scenario_summary({})


def test_format_frame():
    f = pd.DataFrame({"year": [2027, "total"], "x": [-0.0, 1234567.8], "y": [np.nan, 0.012345]})
    out = format_frame(f)
    assert out["year"].tolist() == ["2027", "total"]
    assert out["x"].tolist() == ["0.0", "1,234,568"]
    assert out["y"].tolist() == ["—", "0.0123"]
