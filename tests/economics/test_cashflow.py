"""The engine line by line on a small synthetic project, against hand arithmetic."""

import numpy as np
import pandas as pd
import pytest

from mine2magnet.economics import (
    ProductionPlan,
    build_model,
    economics_params,
    evaluate,
    npv,
    value_project,
)
from mine2magnet.economics.fiscal import DepreciationClass, FiscalRegime
from mine2magnet.errors import ConfigError

NO_TAX = FiscalRegime(
    name="none",
    label="no tax",
    date="",
    corporate_tax_pct=0.0,
    depreciation={
        "plant": DepreciationClass("straight_line", 10),
        "mobile": DepreciationClass("straight_line", 5),
    },
)


@pytest.fixture
def v(plan, params):
    return value_project(plan, params)


def test_revenue_opex_and_royalty_by_hand(v):
    row = v.table.loc[4]  # third production year: nameplate
    ndpr = 1800 * 1000 * (0.746 * 110 + 0.249 * 110)
    lace = 7000 * 1000 * (0.24 * 0.90 + 0.41 * 1.7) * 0.75
    fluor = 60e3 * 1000 * 0.30
    assert row["revenue_usd"] == pytest.approx(ndpr + lace + fluor)
    assert row["byproduct_revenue_usd"] == pytest.approx(fluor)
    assert row["opex_mining_usd"] == pytest.approx(2.5 * (570e3 + 2.0e6))
    assert row["opex_processing_usd"] == pytest.approx(45 * 570e3)
    assert row["opex_refining_usd"] == pytest.approx(9000 * 1800)
    assert row["opex_g_and_a_usd"] == pytest.approx(12e6)
    assert row["opex_transport_usd"] == pytest.approx(80 * (1800 + 7000))
    pit_head = (
        row["revenue_usd"]
        - row[["opex_processing_usd", "opex_refining_usd", "opex_transport_usd"]].sum()
    )
    assert row["royalty_state_right_usd"] == pytest.approx(0.0375 * pit_head)
    assert row["ebitda_usd"] == pytest.approx(
        row["revenue_usd"] - row["opex_usd"] - row["royalty_usd"]
    )


def test_capital_closure_salvage_and_working_capital(v):
    t = v.table
    assert t["capex_initial_usd"].tolist()[:3] == pytest.approx([180e6, 300e6, 0])
    assert v.initial_capex_usd == pytest.approx(480e6)
    prod = t["production"].to_numpy()
    assert t.loc[prod, "capex_sustaining_usd"].tolist() == pytest.approx([8e6] * 12)
    last = int(np.flatnonzero(prod)[-1])
    assert t["closure_usd"].tolist()[last + 1 : last + 3] == pytest.approx([20e6, 20e6])
    assert t["closure_usd"].sum() == pytest.approx(40e6)
    assert t.loc[last + 1, "salvage_usd"] == pytest.approx(0.02 * 480e6)
    # working capital: 30 d receivables + 30 d inventory − 30 d payables, built and released
    row = t.loc[4]
    assert row["working_capital_usd"] == pytest.approx(30 / 365 * row["revenue_usd"])
    assert t["working_capital_change_usd"].sum() == pytest.approx(0.0, abs=1e-6)
    assert t.loc[last + 1, "working_capital_change_usd"] == pytest.approx(
        -t.loc[last, "working_capital_usd"]
    )


def test_cash_flow_identities(v):
    t = v.table
    pre = (
        t["ebitda_usd"]
        - t["capex_usd"]
        - t["working_capital_change_usd"]
        - t["closure_usd"]
        + t["salvage_usd"]
    )
    assert np.allclose(t["pre_tax_cash_flow"], pre)
    assert np.allclose(t["cash_flow"], t["pre_tax_cash_flow"] - t["tax_usd"])
    taxable = (
        t["revenue_usd"]
        - t["opex_usd"]
        - t["royalty_usd"]
        - t["depreciation_usd"]
        - t["closure_usd"]
        + t["salvage_usd"]
    )
    # taxable income after loss offsets = income before losses − losses used (when positive)
    pos = taxable > 0
    assert np.allclose(t.loc[pos, "taxable_income_usd"], (taxable - t["loss_used_usd"])[pos])
    assert np.allclose(
        t["tax_usd"], np.maximum(0.25 * t["taxable_income_usd"], 0.10 * taxable.clip(lower=0))
    )
    assert t["depreciation_usd"].sum() == pytest.approx(t["capex_usd"].sum())
    assert np.allclose(t["cumulative_cash_flow"], t["cash_flow"].cumsum())
    assert v.npv == pytest.approx(float((t["cash_flow"] * t["discount_factor"]).sum()))
    assert v.npv == pytest.approx(npv(0.08, t["cash_flow"].to_numpy()))  # end-of-year default
    assert v.table["equity_cash_flow"].equals(v.table["cash_flow"])  # no debt


def test_government_take_and_local_spend(v):
    t = v.table
    assert np.allclose(
        t["government_take_usd"], t["royalty_usd"] + t["tax_usd"] + t["withholding_usd"]
    )
    row = t.loc[4]
    local = (
        0.9 * row["opex_mining_usd"]
        + 0.6 * row["opex_processing_usd"]
        + 0.8 * row["opex_g_and_a_usd"]
    )
    assert row["local_opex_usd"] == pytest.approx(local)


def test_mid_year_is_half_a_year_less_discounting(plan, base, with_):
    end = value_project(plan, economics_params(base))
    mid = value_project(plan, economics_params(with_(base, timing={"convention": "mid"})))
    start = value_project(plan, economics_params(with_(base, timing={"convention": "start"})))
    assert mid.npv == pytest.approx(end.npv * 1.08**0.5, rel=1e-12)
    assert start.npv == pytest.approx(end.npv * 1.08, rel=1e-12)
    assert mid.after_tax.irr_roots == pytest.approx(end.after_tax.irr_roots, abs=1e-10)


def test_real_and_nominal_bases_agree_without_tax(plan, base, with_):
    real = economics_params(with_(base, inflation_pct=3.0, basis="real"))
    nom = economics_params(with_(base, inflation_pct=3.0, basis="nominal"))
    vr = value_project(plan, real, regime=NO_TAX)
    vn = value_project(plan, nom, regime=NO_TAX)
    assert vn.discount_rate == pytest.approx(1.08 * 1.03 - 1)
    assert vr.npv == pytest.approx(vn.npv, rel=1e-10)
    assert vr.pre_tax.irr_roots[-1] == pytest.approx(
        (1 + vn.pre_tax.irr_roots[-1]) / 1.03 - 1, rel=1e-9
    )
    # nominal flows are the real ones inflated to their cash time
    infl = 1.03 ** vn.table["t_years"]
    assert np.allclose(vn.table["revenue_usd"], vr.table["revenue_usd"] * infl)


def test_inflation_erodes_tax_depreciation_and_working_capital(plan, base, with_):
    no_wc = {"receivable_days": 0, "inventory_days": 0, "payable_days": 0}
    v0 = value_project(plan, economics_params(with_(base, working_capital=no_wc)))
    v3 = value_project(
        plan, economics_params(with_(base, working_capital=no_wc, inflation_pct=3.0))
    )
    assert v3.pre_tax.npv == pytest.approx(v0.pre_tax.npv, rel=1e-9)  # real pre-tax unchanged
    assert v3.npv < v0.npv  # depreciation on historical (nominal) cost is worth less
    # a working-capital balance held in nominal money must grow with inflation
    w0 = value_project(plan, economics_params(base))
    w3 = value_project(plan, economics_params(with_(base, inflation_pct=3.0)))
    assert w3.pre_tax.npv < w0.pre_tax.npv


def test_quarterly_model_matches_annual_totals(base, make_plan, with_):
    annual = value_project(make_plan(), economics_params(base))
    q = economics_params(with_(base, timing={"periods_per_year": 4}))
    qv = value_project(
        make_plan(ppy=1).__class__.from_arrays(
            np.repeat(make_plan().ore_t(), 4) / 4,
            {
                n: np.repeat(t, 4) / 4
                for n, t in zip(
                    make_plan().product_names, make_plan().product_tonnes(), strict=True
                )
            },
            waste_t=np.repeat(make_plan().waste_t(), 4) / 4,
            periods_per_year=4,
        ),
        q,
    )
    for col in ("revenue_usd", "opex_usd", "royalty_usd", "capex_usd", "closure_usd"):
        assert qv.table[col].sum() == pytest.approx(annual.table[col].sum(), rel=1e-9), col
    # tax is assessed per fiscal year and paid in its last quarter
    taxed = qv.table.loc[qv.table["tax_usd"] > 0, "period"] % 4
    assert set(taxed) == {3}
    assert qv.npv == pytest.approx(annual.npv, rel=0.05)


def test_turkish_losses_expire_and_minimum_tax_binds():
    # seven pre-production years of 2 M/y owner's costs: the first two years' losses pass
    # their 5-year limit before any income arrives; the rest shelter income, but the 10 %
    # minimum tax on income before loss offsets still applies (exempt first 3 fiscal years)
    pre = 7
    opex = np.r_[np.full(pre, 2e6), np.zeros(6)]
    plan = ProductionPlan.from_arrays(
        np.r_[np.zeros(pre), np.full(6, 1e5)],
        {"conc": np.r_[np.zeros(pre), np.full(6, 100.0)]},
        opex_usd={"g_and_a": opex},
    )
    p = economics_params(
        {
            "products": {"conc": {"pricing": "fixed", "price_usd_kg": 50.0}},
            "working_capital": {"receivable_days": 0, "inventory_days": 0, "payable_days": 0},
            "closure": {"cost_usd": 0.0},
        }
    )
    t = value_project(plan, p).table
    assert t["loss_expired_usd"].tolist()[:pre] == pytest.approx([0, 0, 0, 0, 0, 2e6, 2e6])
    first = t.loc[pre]
    income = first["revenue_usd"] - first["royalty_usd"]
    assert first["loss_used_usd"] == pytest.approx(min(5 * 2e6, income))
    assert bool(first["minimum_tax_binding"])
    assert first["tax_usd"] == pytest.approx(0.10 * income)


def test_cost_share_royalty_and_depletion_us(plan, base, with_):
    v = value_project(plan, economics_params(with_(base, fiscal={"regime": "us_wyoming"})))
    row = v.table.loc[4]
    share = (
        row["opex_mining_usd"]
        / row[["opex_mining_usd", "opex_processing_usd", "opex_refining_usd"]].sum()
    )
    assert row["royalty_wyoming_severance_usd"] == pytest.approx(0.02 * row["revenue_usd"] * share)
    assert row["royalty_county_ad_valorem_usd"] == pytest.approx(
        0.0615 * row["revenue_usd"] * share
    )
    assert (v.table["depletion_usd"] > 0).any()
    d = v.table["depletion_usd"]
    assert (d <= 0.14 * v.table["revenue_usd"] + 1e-6).all()


def test_debt_equity_and_interest_shield(plan, base, with_):
    p = economics_params(
        with_(
            base,
            debt={
                "amount_usd": 200e6,
                "draw_pct": [40, 60],
                "interest_pct": 9,
                "grace_years": 1,
                "tenor_years": 6,
                "repayment": "annuity",
                "fee_pct": 2,
            },
        )
    )
    v = value_project(plan, p)
    t = v.table
    assert t["debt_draws_usd"].sum() == pytest.approx(200e6)
    assert (t["tax_levered_usd"] <= t["tax_usd"] + 1e-6).all()
    eq = (
        t["cash_flow"]
        + t["tax_usd"]
        - t["tax_levered_usd"]
        + t["debt_draws_usd"]
        - t["debt_service_usd"]
    )
    assert np.allclose(t["equity_cash_flow"], eq)
    principal = t["debt_service_usd"].sum() - t["interest_usd"].sum()
    assert principal == pytest.approx(200e6)
    assert v.npv == pytest.approx(
        value_project(plan, economics_params(base)).npv
    )  # project unchanged


def test_owners_free_carry_and_withholding(plan, base, with_):
    owners = [
        {"name": "state", "share_pct": 10, "carried": "free"},
        {"name": "operator", "share_pct": 50},
        {"name": "partner", "share_pct": 40, "foreign": True},
    ]
    v = value_project(plan, economics_params(with_(base, owners=owners)))
    f = evaluate(v.model)
    eq = f["equity_cash_flow"][0]
    total = f["owner_0"][0] + f["owner_1"][0] + f["owner_2"][0]
    assert np.allclose(total, eq)
    neg = eq < 0
    assert np.all(f["owner_0"][0][neg] == 0)  # carried: no contributions
    assert np.allclose(f["owner_2"][0][neg] / f["owner_1"][0][neg], 40 / 50)
    assert f["owner_1_withholding"].sum() == 0 and f["owner_0_withholding"].sum() == 0
    w = f["owner_2_withholding"][0]
    assert (w <= 0.15 * np.maximum(f["owner_2"][0], 0) + 1e-6).all() and w.sum() > 0
    o = v.owners.set_index("owner")
    assert o.loc["state", "npv_usd"] > 0.10 * v.equity.npv  # the carry is worth something


def test_repayable_carry_recovers_the_carried_amount(plan, base, with_):
    owners = [
        {"name": "state", "share_pct": 20, "carried": "repayable"},
        {"name": "operator", "share_pct": 80},
    ]
    free = [
        {"name": "state", "share_pct": 20, "carried": "free"},
        {"name": "operator", "share_pct": 80},
    ]
    vr = value_project(plan, economics_params(with_(base, owners=owners)))
    vf = value_project(plan, economics_params(with_(base, owners=free)))
    assert vr.owners.loc[0, "npv_usd"] < vf.owners.loc[0, "npv_usd"]
    assert vr.owners["npv_usd"].sum() == pytest.approx(vf.owners["npv_usd"].sum(), rel=1e-9)


def test_unpriced_species_are_noted(plan, base, with_):
    p = economics_params(
        with_(
            base,
            products={
                **base["products"],
                "NdPr oxide": {"composition_pct": {"Nd2O3": 70.0, "Ho2O3": 1.0}},
            },
        )
    )
    v = value_project(plan, p)
    assert any("Ho2O3" in n for n in v.notes)
    q = economics_params(
        with_(
            base, products={**base["products"], "gold": {"pricing": "fixed", "price_usd_kg": 1.0}}
        )
    )
    assert any("economics.products.gold" in n for n in value_project(plan, q).notes)


@pytest.mark.parametrize(
    ("patch", "match"),
    [
        ({"products": {}}, "economics.products.NdPr oxide"),
        (
            {
                "capex": [
                    {"name": "x", "category": "initial", "amounts_usd": [1.0], "tax_class": "ships"}
                ]
            },
            r"economics.capex\[0\].tax_class",
        ),
        (
            {"capex": [{"name": "x", "category": "initial", "amounts_usd": [1.0], "year": 99}]},
            r"economics.capex\[0\].amounts_usd",
        ),
        ({"timing": {"periods_per_year": 4}}, "periods_per_year"),
        (
            {"opex": {"refining": {"usd_per_t_product": 1.0, "products": ["gold"]}}},
            "economics.opex.refining",
        ),
    ],
)
def test_config_errors_name_the_key(plan, patch, match, base, with_):
    with pytest.raises(ConfigError, match=match):
        value_project(plan, economics_params(with_(base, **patch)))


def test_inputs_not_mutated_and_results_reproducible(plan, params, base, with_):
    before = [plan.periods.copy(), plan.products.copy(), plan.composition.copy()]
    a = value_project(plan, params)
    b = value_project(plan, params)
    for x, y in zip(before, (plan.periods, plan.products, plan.composition), strict=True):
        pd.testing.assert_frame_equal(x, y)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.input_hash == b.input_hash
    c = value_project(plan, economics_params(with_(base, discount_rate_pct=9)))
    assert c.input_hash != a.input_hash


def test_vectorised_scenarios_equal_single_runs(plan, params):
    m = build_model(plan, params)
    many = evaluate(
        m,
        capex=np.array([0.9, 1.0, 1.3]),
        opex=np.array([1.1, 1.0, 0.8]),
        volume=np.array([1.0, 1.0, 0.95]),
        fx=np.array([1.0, 1.2, 0.9]),
    )
    for i, (kc, ko, g, fx) in enumerate(
        [(0.9, 1.1, 1.0, 1.0), (1.0, 1.0, 1.0, 1.2), (1.3, 0.8, 0.95, 0.9)]
    ):
        one = evaluate(m, capex=kc, opex=ko, volume=g, fx=fx)
        for key in ("cash_flow", "tax", "royalty", "equity_cash_flow"):
            assert np.allclose(many[key][i], one[key][0]), key


def test_tolling_pays_the_basket_less_a_charge_per_kg_reo():
    plan = ProductionPlan.from_arrays([0, 1e5], {"conc": [0, 100.0]})
    p = economics_params(
        {
            "products": {
                "conc": {
                    "pricing": "tolling",
                    "composition_pct": {"Nd2O3": 30.0, "CeO2": 30.0, "BaSO4": 10.0},
                    "payability_pct": 90,
                    "toll_usd_kg": 8.0,
                }
            },
            "working_capital": {"receivable_days": 0, "inventory_days": 0, "payable_days": 0},
        }
    )
    v = value_project(plan, p)
    basket = 0.9 * (0.30 * 110 + 0.30 * 1.7) * 100e3  # BaSO4 unpriced in the deck: zero
    toll = 8.0 * 0.60 * 100e3  # per kg of REO (BaSO4 is not REO)
    assert v.table.loc[1, "revenue_usd"] == pytest.approx(basket - toll)
    assert any("BaSO4" in n for n in v.notes)
    r = v.revenue_by_product.set_index("period").loc[1]
    assert r["price_usd_kg"] == pytest.approx((basket - toll) / 100e3)
