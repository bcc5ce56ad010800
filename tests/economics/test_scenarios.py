"""Partner scenarios: routes, deals, value captured in the country."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mine2magnet.chemistry import oxide_factor
from mine2magnet.economics import economics_params, load_price_deck, value_project
from mine2magnet.economics.scenarios import (
    ROUTES,
    economics_and_scenarios,
    route_assumptions,
    route_defaults,
    route_intermediates,
    run_scenarios,
    scenario_case,
    scenario_params,
)
from mine2magnet.errors import ConfigError


#: The [economics] block of the demo project with its partner scenarios (docs/economics.md,
#: "Partner scenarios"); keep it valid.
def _demo_economics() -> dict:
    """The ``[economics]`` section the shipped demo project uses (scenarios (a)-(d))."""
    demo = Path(__file__).resolve().parents[2] / "examples" / "demo" / "project.toml"
    return tomllib.loads(demo.read_text(encoding="utf-8"))["economics"]


def one(route: str, **kw) -> list:
    return list(scenario_params([{"name": f"x-{route}", "route": route, **kw}]))


def run(plan, params, *scenarios, intermediates=None):
    return run_scenarios(
        plan, params, scenario_params(list(scenarios)), intermediates=intermediates
    )


# ------------------------------------------------------------------------ base case
def test_route_c_with_the_base_inputs_reproduces_the_base_npv_exactly(plan, params):
    r = run(plan, params, {"name": "c", "route": "separated_oxides"})
    t = r.table.set_index("scenario")
    assert t.loc["c", "npv_usd"] == t.loc["base case", "npv_usd"]
    assert t.loc["c", "value_in_country_npv_usd"] == t.loc["base case", "value_in_country_npv_usd"]
    base, c = r.valuations
    assert np.array_equal(base.table["cash_flow"], c.table["cash_flow"])
    assert t.loc["c", "npv_vs_base_usd"] == 0.0


def test_value_in_country_by_hand(plan, base):
    """Government take + local opex + domestic owners, each rebuilt from its own columns."""
    base["owners"] = [
        {"name": "state operator", "share_pct": 51},
        {"name": "foreign partner", "share_pct": 49, "foreign": True},
    ]
    p = economics_params(base)
    r = run(plan, p, {"name": "b", "route": "mixed_chemical"})
    v = r.valuations[1]
    row = r.table.set_index("scenario").loc["b"]
    tab = v.table
    df = tab["discount_factor"].to_numpy()
    gov = ((tab["royalty_usd"] + tab["tax_levered_usd"] + tab["withholding_usd"]) * df).sum()
    shares = {
        c: v.model.opex_local_share[i]
        for i, c in enumerate(("mining", "processing", "refining", "g_and_a", "transport"))
    }
    local = sum((tab[f"opex_{c}_usd"] * s * df).sum() for c, s in shares.items())
    owners = v.owners.set_index("owner")
    dom = owners.loc["state operator", "npv_usd"]
    assert shares["mining"] == 0.9 and shares["refining"] == 0.0
    assert row["government_take_npv_usd"] == pytest.approx(gov, rel=1e-12)
    assert row["local_opex_npv_usd"] == pytest.approx(local, rel=1e-12)
    assert row["domestic_owners_npv_usd"] == pytest.approx(dom, rel=1e-12)
    assert row["value_in_country_npv_usd"] == pytest.approx(gov + local + dom, rel=1e-12)
    assert row["foreign_partner_npv_usd"] == pytest.approx(
        owners.loc["foreign partner", "npv_usd"], rel=1e-12
    )
    # withholding on the foreign partner's dividends is part of the government take
    assert tab["withholding_usd"].sum() > 0


def test_offtake_discount_is_value_transferred_to_the_offtaker(plan, base):
    base["owners"] = [
        {"name": "state operator", "share_pct": 60},
        {"name": "foreign partner", "share_pct": 40, "foreign": True},
    ]
    p = economics_params(base)
    deal = {"partner": "foreign partner", "share_pct": 50, "discount_pct": 10}
    r = run(
        plan,
        p,
        {"name": "plain", "route": "separated_oxides"},
        {"name": "offtake", "route": "separated_oxides", "offtake": deal},
    )
    plain, off = r.valuations[1], r.valuations[2]
    cf = r.cashflows.set_index(["scenario", "period"])
    transfer = cf.loc["offtake", "offtake_transfer_usd"].to_numpy()
    lost = plain.table["revenue_usd"].to_numpy() - off.table["revenue_usd"].to_numpy()
    assert np.allclose(transfer, lost, rtol=1e-12, atol=1e-3)
    # by-products (fluorite) are not under the offtake: 5 % of the rare-earth revenue
    ree = plain.revenue_by_product.loc[lambda d: d["product"] != "fluorite"]
    assert transfer.sum() == pytest.approx(0.05 * ree["revenue_usd"].sum(), rel=1e-12)
    row = r.table.set_index("scenario").loc["offtake"]
    df = off.table["discount_factor"].to_numpy()
    assert row["offtake_transfer_npv_usd"] == pytest.approx(transfer @ df, rel=1e-12)
    fp = off.owners.set_index("owner").loc["foreign partner", "npv_usd"]
    assert row["foreign_partner_npv_usd"] == pytest.approx(fp + transfer @ df, rel=1e-12)
    # a domestic offtaker keeps the transfer in the country
    r2 = run(
        plan,
        p,
        {
            "name": "dom",
            "route": "separated_oxides",
            "offtake": {**deal, "partner": "state operator"},
        },
    )
    row2 = r2.table.set_index("scenario").loc["dom"]
    parts = (
        "government_take_npv_usd",
        "local_opex_npv_usd",
        "domestic_owners_npv_usd",
        "offtake_transfer_npv_usd",
    )
    assert row2["value_in_country_npv_usd"] == pytest.approx(sum(row2[k] for k in parts))
    assert row2["foreign_partner_npv_usd"] == pytest.approx(row2["foreign_owners_npv_usd"])


# --------------------------------------------------------------------------- routes
def test_mixed_chemical_revenue_by_hand(plan, params):
    """Without flowsheet streams the carbonate holds the plan's oxides at 75 % payability."""
    r = run(plan, params, {"name": "b", "route": "mixed_chemical"})
    v = r.valuations[1]
    deck = load_price_deck("ex_china_spot_2026q1")
    basket = 1800.0 * (0.746 * deck.price("Nd2O3") + 0.249 * deck.price("Pr6O11")) + 7000.0 * (
        0.24 * deck.price("La2O3") + 0.41 * deck.price("CeO2")
    )
    full_year = 1000.0 * (0.75 * basket + 60e3 * 0.30)
    assert v.table["revenue_usd"].iloc[5] == pytest.approx(full_year, rel=1e-12)
    names = set(v.revenue_by_product["product"])
    assert names == {"mixed REE carbonate", "fluorite"}
    carb = v.revenue_by_product.loc[v.revenue_by_product["product"] == "mixed REE carbonate"]
    assert carb["tonnes"].iloc[5] == pytest.approx(1800 * 0.995 + 7000 * 0.65)
    assert v.table["opex_refining_usd"].sum() == 0.0  # no separation at home
    assert any("no flowsheet streams" in n for n in r.notes)


def test_tolling_prices_the_route_product_by_a_toll(plan, params):
    r = run(
        plan,
        params,
        {"name": "b", "route": "mixed_chemical"},
        {"name": "toll", "route": "mixed_chemical", "toll_usd_kg": 7.0},
    )
    pay, toll = r.valuations[1], r.valuations[2]
    reo_t = 1800 * 0.995 + 7000 * 0.65
    deck = load_price_deck("ex_china_spot_2026q1")
    basket = 1000 * (
        1800.0 * (0.746 * deck.price("Nd2O3") + 0.249 * deck.price("Pr6O11"))
        + 7000.0 * (0.24 * deck.price("La2O3") + 0.41 * deck.price("CeO2"))
    )
    got = toll.table["revenue_usd"].iloc[5] - 1000 * 60e3 * 0.30
    assert got == pytest.approx(basket - 7.0 * 1000 * reo_t, rel=1e-12)
    assert pay.table["revenue_usd"].iloc[5] != toll.table["revenue_usd"].iloc[5]


def test_concentrate_from_the_flowsheet_stream(plan, params):
    inter = pd.DataFrame(
        {
            "route": ["separated_oxides"] * 4 + ["concentrate"] * 4,
            "stream": ["products"] * 4 + ["ree_concentrate"] * 4,
            "product_tpa": [6343.1] * 4 + [20_000.0] * 4,
            "species": ["Nd2O3", "Pr6O11", "La2O3", "CeO2"] * 2,
            "species_tpa": [1342.8, 448.2, 1680.0, 2870.0, 1500.0, 500.0, 1900.0, 3100.0],
        }
    )
    design = inter.loc[inter["route"] == "separated_oxides", "species_tpa"].sum()
    case = scenario_case(plan, params, one("concentrate")[0], intermediates=inter)
    conc = case.plan.products.loc[case.plan.products["product"] == "REE mineral concentrate"]
    t = plan.product_tonnes(["NdPr oxide", "La-Ce carbonate"])
    reo = 0.995 * t[0] + 0.65 * t[1]  # payable oxides (composition_pct of the terms)
    assert np.allclose(conc["tonnes"].to_numpy(), 20_000.0 * reo / design)
    assert case.plan.composition_of("REE mineral concentrate")["Nd2O3"] == pytest.approx(0.075)
    assert case.params.products["REE mineral concentrate"].payability_pct == 45.0
    assert "fluorite" in case.plan.product_names  # by-products stay


def test_metals_magnet_by_hand(plan, params):
    s = one("metals_magnet")[0]
    case = scenario_case(plan, params, s)
    v = case.value()
    ox_nd, ox_pr = 1800.0 * 0.746, 1800.0 * 0.249
    metal = (ox_nd / oxide_factor("Nd2O3") + ox_pr / oxide_factor("Pr6O11")) * 0.98
    alloy = metal / 0.31
    row = v.revenue_by_product.loc[v.revenue_by_product["product"] == "NdFeB alloy"].iloc[5]
    assert row["tonnes"] == pytest.approx(alloy, rel=1e-12)
    deck = load_price_deck("ex_china_spot_2026q1")
    f_nd = ox_nd / oxide_factor("Nd2O3") / (metal / 0.98)
    p_metal = 1.05 * (
        f_nd * oxide_factor("Nd2O3") * deck.price("Nd2O3")
        + (1 - f_nd) * oxide_factor("Pr6O11") * deck.price("Pr6O11")
    )
    assert row["price_usd_kg"] == pytest.approx(0.31 * p_metal * 1.05, rel=1e-12)
    # conversion costs and the oxide's own refining cost in the refining class
    refining = 1000 * (10.0 * metal + 4.0 * alloy) + 9000.0 * 1800.0
    assert v.table["opex_refining_usd"].iloc[5] == pytest.approx(refining, rel=1e-12)
    # plant capital at peak capacity, the year before first production
    capex = (
        v.table["capex_initial_usd"].sum()
        - value_project(plan, params).table["capex_initial_usd"].sum()
    )
    assert capex == pytest.approx(metal * 30_000 + alloy * 5_000, rel=1e-12)
    assert v.table.loc[v.table["period"] == 1, "capex_initial_usd"].iloc[0] > 250e6 * 1.2
    # transport follows the alloy; NdPr oxide is gone
    assert case.params.opex.transport.products == ["La-Ce carbonate", "NdFeB alloy"]
    assert "NdPr oxide" not in case.plan.product_names


def test_metal_price_follows_an_oxide_price_path(plan, base):
    base["prices"] = {"schedule_usd_kg": {"Nd2O3": [100.0, 120.0], "Pr6O11": [100.0]}}
    p = economics_params(base)
    case = scenario_case(plan, p, one("metals_magnet", terms={"alloy_share_pct": 0})[0])
    path = case.params.prices.schedule_usd_kg["NdPr metal"]
    f_nd = (0.746 / oxide_factor("Nd2O3")) / (
        0.746 / oxide_factor("Nd2O3") + 0.249 / oxide_factor("Pr6O11")
    )
    expect = [
        1.05 * (f_nd * oxide_factor("Nd2O3") * nd + (1 - f_nd) * oxide_factor("Pr6O11") * 100)
        for nd in (100.0, 120.0)
    ]
    assert path == pytest.approx(expect)
    v = case.value()
    metal = v.revenue_by_product.loc[v.revenue_by_product["product"] == "NdPr metal"]
    assert metal["price_usd_kg"].iloc[5] == pytest.approx(expect[1])


SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    shares=st.tuples(*[st.floats(0, 100)] * 4),
    conversion=st.floats(0, 40),
    processing_a=st.floats(0, 45),
)
def test_more_local_refining_never_lowers_local_opex(plan, base, shares, conversion, processing_a):
    """a (concentrate) ≤ b (cracking) ≤ c (separation) ≤ d (metal, alloy) at home, whatever
    the local shares (freight abroad: transport has no local share)."""
    for cls, s in zip(("mining", "processing", "refining", "g_and_a"), shares, strict=True):
        base["opex"][cls]["local_share_pct"] = s
    base["opex"]["transport"]["local_share_pct"] = 0.0
    p = economics_params(base)
    r = run(
        plan,
        p,
        {
            "name": "a",
            "route": "concentrate",
            "overrides": {"opex": {"processing": {"usd_per_t_ore": processing_a}}},
        },
        {"name": "b", "route": "mixed_chemical"},
        {"name": "c", "route": "separated_oxides"},
        {"name": "d", "route": "metals_magnet", "terms": {"metal_conversion_usd_kg": conversion}},
    )
    local = r.table.set_index("scenario")["local_opex_usd_per_year"]
    tol = 1e-9 * local.abs().max()
    assert local["a"] <= local["b"] + tol
    assert local["b"] <= local["c"] + tol
    assert local["c"] <= local["d"] + tol


# ---------------------------------------------------------------------------- deals
def test_owners_and_carried_interest(plan, params):
    owners = [
        {"name": "state operator", "share_pct": 30, "carried": "free"},
        {"name": "foreign partner", "share_pct": 70, "foreign": True},
    ]
    r = run(plan, params, {"name": "carry", "route": "separated_oxides", "owners": owners})
    v = r.valuations[1]
    assert list(v.owners["owner"]) == ["state operator", "foreign partner"]
    assert v.model.owners[0].carried == "free"
    assert r.table["npv_usd"].iloc[1] == r.table["npv_usd"].iloc[0]  # same project
    row = r.table.iloc[1]
    assert row["domestic_owners_npv_usd"] + row["foreign_owners_npv_usd"] == pytest.approx(
        v.owners["npv_usd"].sum()
    )


def test_overrides_are_deep_merged(plan, params):
    r = run(
        plan,
        params,
        {"name": "c", "route": "separated_oxides"},
        {
            "name": "cut",
            "route": "separated_oxides",
            "overrides": {"fiscal": {"royalties": {"state_right": {"reduction_pct": 75}}}},
        },
    )
    base_v, cut = r.valuations[1], r.valuations[2]
    assert cut.table["royalty_usd"].sum() == pytest.approx(0.25 * base_v.table["royalty_usd"].sum())
    assert cut.npv > base_v.npv
    assert base_v.model.regime.royalties[0].reduction_pct == 0.0  # base unchanged


def test_capex_and_opex_in_or_out(plan, params):
    r = run(
        plan,
        params,
        {
            "name": "out",
            "route": "separated_oxides",
            "capex_exclude": ["mine, plant and refinery"],
            "opex_exclude": ["g_and_a"],
            "capex_add": [{"name": "small plant", "category": "initial", "amounts_usd": [1e8]}],
        },
    )
    v = r.valuations[1]
    assert v.initial_capex_usd == 1e8
    assert v.table["opex_g_and_a_usd"].sum() == 0.0


# ----------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ([{"name": "x", "route": "smelter"}], r"economics\.scenarios\[0\]\.route"),
        ([{"route": "concentrate"}], r"economics\.scenarios\[0\]\.name"),
        (
            [{"name": "x", "route": "concentrate"}, {"name": "x", "route": "mixed_chemical"}],
            r"economics\.scenarios'",
        ),
        ([{"name": "base case", "route": "concentrate"}], r"economics\.scenarios'"),
        (
            [{"name": "x", "route": "separated_oxides", "payability_pct": 80}],
            r"economics\.scenarios\[0\]",
        ),
        (
            [{"name": "x", "route": "concentrate", "overrides": {"production": {}}}],
            r"economics\.scenarios\[0\]",
        ),
        (
            [{"name": "x", "route": "concentrate", "offtake": {"discount_pct": 100}}],
            r"economics\.scenarios\[0\]\.offtake\.discount_pct",
        ),
        ({"name": "x", "route": "concentrate"}, r"economics\.scenarios'"),
    ],
)
def test_scenario_errors_name_the_key(raw, key):
    with pytest.raises(ConfigError, match=key):
        scenario_params(raw)


def test_case_errors_name_the_key(plan, params):
    with pytest.raises(ConfigError, match=r"economics\.scenarios\[0\]\.capex_exclude"):
        run(plan, params, {"name": "x", "route": "concentrate", "capex_exclude": ["smelter"]})
    with pytest.raises(ConfigError, match=r"economics\.scenarios\[0\]\.offtake\.products"):
        run(
            plan,
            params,
            {"name": "x", "route": "concentrate", "offtake": {"products": ["NdPr oxide"]}},
        )
    with pytest.raises(ConfigError, match=r"economics\.scenarios\[0\]"):
        run(
            plan,
            params,
            {"name": "x", "route": "separated_oxides", "overrides": {"discount_rate_pct": -3}},
        )


def test_metals_route_needs_ndpr(make_plan, base):
    base["products"].pop("NdPr oxide")
    p = economics_params({**base, "opex": {}})
    plan = make_plan()
    plan = type(plan)(
        plan.periods,
        plan.products.loc[plan.products["product"] != "NdPr oxide"],
        plan.composition,
    )
    with pytest.raises(ConfigError, match="metals_magnet"):
        scenario_case(plan, p, one("metals_magnet")[0])


def test_inputs_not_modified(plan, params):
    before = (plan.periods.copy(), plan.products.copy(), params.model_dump())
    run(plan, params, *[{"name": r, "route": r} for r in ROUTES])
    pd.testing.assert_frame_equal(plan.periods, before[0])
    pd.testing.assert_frame_equal(plan.products, before[1])
    assert params.model_dump() == before[2]


# -------------------------------------------------------------- defaults and sources
@pytest.mark.parametrize("route", ROUTES)
def test_every_route_default_has_a_source(route):
    for name, d in route_defaults(route).items():
        assert str(d.get("source", "")).strip(), name
        src = str(d["source"])
        assert (
            "ASSUMPTION" in src
            or "route definition" in src
            or any(cite in src for cite in ("Bear Lodge", "DOMAIN.md", "magnet.toml"))
        ), name


def test_assumption_table(plan, params):
    s = one("mixed_chemical", payability_pct=70.0)[0]
    a = route_assumptions(s, key="economics.scenarios[0]").set_index("item")
    assert a.loc["payability_pct", "value"] == "70"
    assert a.loc["payability_pct", "source"] == "project file (economics.scenarios[0])"
    assert a.loc["opex_exclude", "value"] == "refining"
    assert (a["source"].str.len() > 0).all()


def test_route_intermediates_from_a_flowsheet():
    from mine2magnet.processing import feed_from_params, processing_params, run_flowsheet

    pp = processing_params(
        {
            "feed": {
                "ore_tpa": 570_000,
                "TREO_pct": 1.8,
                "distribution": "bayan_obo",
                "CaF2_pct": 40.0,
            }
        }
    )
    fs = run_flowsheet(feed_from_params(pp), pp)
    inter = route_intermediates(fs.products, fs.streams, fs.summary)
    by = inter.groupby("route")["species_tpa"].sum()
    conc = fs.summary.set_index("stream").loc["ree_concentrate"]
    liquor = fs.summary.set_index("stream").loc["purified_liquor"]
    assert by["concentrate"] == pytest.approx(conc["TREO_tpa"], rel=1e-9)
    assert inter.loc[inter["route"] == "concentrate", "product_tpa"].iloc[0] == pytest.approx(
        conc["tonnes_per_year"]
    )
    # losses not incurred: more REO in each intermediate than in the separated products
    assert by["concentrate"] > by["mixed_chemical"] > by["separated_oxides"]
    assert by["mixed_chemical"] < liquor["TREO_tpa"]  # precipitation recovery applied


# --------------------------------------------------------------------- demo project
def test_demo_block_validates_and_runs():
    params, scenarios = economics_and_scenarios(_demo_economics())
    assert [s.route for s in scenarios] == list(ROUTES)
    from mine2magnet.economics.stage import run_economics
    from mine2magnet.processing import feed_from_params, processing_params, run_flowsheet

    pp = processing_params(
        {
            "feed": {
                "ore_tpa": 570_000,
                "TREO_pct": 1.8,
                "distribution": "bayan_obo",
                "ThO2_pct": 0.2,
                "CaF2_pct": 22.0,
                "BaSO4_pct": 15.0,
            }
        }
    )
    fs = run_flowsheet(feed_from_params(pp), pp)
    r = run_economics(fs, None, params, scenarios=scenarios, seed=1, draws=200)
    t = r.scenarios.table.set_index("scenario")
    assert t.loc["(c) separated oxides at home", "npv_usd"] == t.loc["base case", "npv_usd"]
    assert (
        t.loc["(a) concentrate to a foreign refiner", "initial_capex_usd"]
        < t.loc["base case", "initial_capex_usd"]
    )
    d = "(d) NdPr metal and NdFeB alloy at home"
    assert t.loc[d, "offtake_transfer_npv_usd"] > 0
    assert t.loc[d, "local_opex_usd_per_year"] > t.loc["base case", "local_opex_usd_per_year"]


def test_routes_on_a_plan_from_the_section(base):
    """products_from = "params": route products get terms the schema accepts."""
    base["production"] = {
        "preproduction_years": 1,
        "production_years": 5,
        "ore_tpa": 570_000,
        "products_tpa": {"NdPr oxide": 1800.0, "La-Ce carbonate": 7000.0, "fluorite": 6e4},
    }
    p = economics_params(base)
    from mine2magnet.economics import plan_for_project

    r = run(plan_for_project(p), p, *[{"name": x, "route": x} for x in ROUTES])
    assert len(r.table) == 5 and r.table["npv_usd"].notna().all()
