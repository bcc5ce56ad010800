"""The economics stage: products or schedule in, every table out, reproducible by seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.economics import economics_params, plan_for_project, value_project
from mine2magnet.economics import stage as stage_mod
from mine2magnet.economics.scenarios import scenario_params
from mine2magnet.economics.stage import (
    TABLE_NAMES,
    plan_from_schedule,
    processing_basis,
    run_economics,
    slate_from_tables,
)
from mine2magnet.errors import ConfigError, DataError

#: A small [economics] section on the processing product slate (SYNTHETIC numbers).
SECTION = {
    "discount_rate_pct": 8,
    "timing": {"start_year": 2027},
    "production": {
        "products_from": "processing",
        "preproduction_years": 2,
        "production_years": 10,
        "ramp_up_pct": [60],
        "waste_tpa": 1.5e6,
    },
    "products": {
        "SEG+HRE concentrate": {"payability_pct": 75},
        "fluorite concentrate": {
            "pricing": "fixed",
            "price_usd_kg": 0.3,
            "grade_linked": False,
            "by_product": True,
        },
        "barite concentrate": {
            "pricing": "fixed",
            "price_usd_kg": 0.12,
            "grade_linked": False,
            "by_product": True,
        },
    },
    "opex": {
        "mining": {"usd_per_t_mined": 2.5, "local_share_pct": 90},
        "processing": {"usd_per_t_ore": 45.0, "local_share_pct": 60},
        "refining": {"usd_per_t_product": 6000.0, "local_share_pct": 50},
        "g_and_a": {"fixed_usd_per_year": 1.5e7, "local_share_pct": 80},
    },
    "capex": [
        {"name": "plant", "category": "initial", "amounts_usd": [2e8, 3e8], "contingency_pct": 15},
        {"name": "sustaining", "category": "sustaining", "usd_per_year": 8e6},
    ],
    "closure": {"cost_usd": 3e7, "years": 2},
    "owners": [
        {"name": "state operator", "share_pct": 51},
        {"name": "foreign partner", "share_pct": 49, "foreign": True},
    ],
    "montecarlo": {"draws": 400, "chunk_size": 200},
}


@pytest.fixture(scope="module")
def flowsheet():
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
    return run_flowsheet(feed_from_params(pp), pp)


@pytest.fixture(scope="module")
def econ():
    return economics_params(SECTION)


@pytest.fixture(scope="module")
def stored(flowsheet):
    """The processing stage's tables as pipeline.run_processing_stage stores them."""
    from mine2magnet.processing import unit_balance

    return {
        "processing__streams": flowsheet.streams,
        "processing__stream_summary": flowsheet.summary,
        "processing__units": flowsheet.units,
        "processing__reagents": flowsheet.reagents,
        "processing__checks": flowsheet.checks,
        "processing__kpis": flowsheet.kpis,
        "processing__products": flowsheet.products.products,
        "processing__unit_balance": unit_balance(flowsheet),
    }


@pytest.fixture(scope="module")
def result(flowsheet, econ):
    sc = scenario_params(
        [{"name": "(c)", "route": "separated_oxides"}, {"name": "(b)", "route": "mixed_chemical"}]
    )
    return run_economics(flowsheet, None, econ, scenarios=sc, seed=11)


def test_every_table_and_the_base_case(result, flowsheet, econ):
    tabs = result.tables()
    assert tuple(tabs) == TABLE_NAMES
    plan = plan_for_project(econ, product_slate=flowsheet.products, ore_tpa=570_000)
    v = value_project(plan, econ)
    m = tabs["metrics"].set_index(["kind", "series"])
    assert m.loc[("npv", "after_tax"), "value"] == v.npv
    assert m.loc[("npv", "pre_tax"), "value"] == v.pre_tax.npv
    roots = tabs["metrics"].query("kind == 'irr_root' and series == 'after_tax'")["value"]
    assert np.allclose(roots.to_numpy(), 100 * np.array(v.irr_roots))
    assert m.loc[("irr_flag", "after_tax"), "text"] == v.irr_flag
    pd.testing.assert_series_equal(tabs["cashflow"]["cash_flow"], v.table["cash_flow"])
    # the NPV curve passes through the NPV at the discount rate and at each table rate
    curve = tabs["npv_vs_rate"]
    for rate, npv in v.after_tax.npv_by_rate.items():
        hit = curve.loc[np.isclose(curve["rate_pct"], rate), "npv_after_tax_usd"]
        if len(hit):
            assert hit.iloc[0] == pytest.approx(npv, rel=1e-12)
    s = tabs["montecarlo_summary"].set_index("statistic")["after_tax_usd"]
    assert s["P10"] <= s["P50"] <= s["P90"] and s["draws"] == 400
    assert s["P50"] == pytest.approx(np.percentile(tabs["montecarlo_npv"]["npv_usd"], 50))
    sc = tabs["scenarios"].set_index("scenario")
    assert sc.loc["(c)", "npv_usd"] == sc.loc["base case", "npv_usd"] == v.npv
    assert set(tabs["scenario_cashflows"]["scenario"]) == {"base case", "(c)", "(b)"}
    assert tabs["magnet"].set_index("quantity").loc["NdPr oxide", "value"] > 0
    assert "price" in set(tabs["tornado"]["variable"])
    assert tabs["owners"]["irr_roots"].map(lambda x: isinstance(x, str)).all()  # storable
    assert tabs["prices"]["source"].str.len().gt(0).all()


def test_reproducible_by_seed(flowsheet, econ, result):
    again = run_economics(flowsheet, None, econ, seed=11).tables()
    first = result.tables()
    for name in ("cashflow", "metrics", "montecarlo_npv", "montecarlo_summary", "tornado"):
        pd.testing.assert_frame_equal(first[name], again[name])
    other = run_economics(flowsheet, None, econ, seed=12).tables()
    assert not np.array_equal(
        other["montecarlo_npv"]["npv_usd"], first["montecarlo_npv"]["npv_usd"]
    )
    pd.testing.assert_frame_equal(other["cashflow"], first["cashflow"])  # deterministic part


def test_montecarlo_seed_in_the_section_wins(flowsheet):
    a = run_economics(
        flowsheet,
        None,
        economics_params({**SECTION, "montecarlo": {"draws": 100, "seed": 5}}),
        seed=1,
    )
    b = run_economics(
        flowsheet,
        None,
        economics_params({**SECTION, "montecarlo": {"draws": 100, "seed": 5}}),
        seed=2,
    )
    assert np.array_equal(a.montecarlo.npv, b.montecarlo.npv)


def test_many_draws_are_stored_as_a_histogram(flowsheet, econ, monkeypatch):
    monkeypatch.setattr(stage_mod, "MAX_STORED_DRAWS", 100)
    r = run_economics(flowsheet, None, econ, seed=3, draws=300)
    h = r.tables()["montecarlo_npv"]
    assert list(h.columns) == ["bin_low_usd", "bin_high_usd", "count"]
    assert h["count"].sum() == 300


def test_stage_runs_from_the_stored_processing_tables(stored, flowsheet, econ):
    slate = slate_from_tables(stored)
    for name in flowsheet.products.products["product"]:
        a = flowsheet.products.composition.loc[lambda d, n=name: d["product"] == n]
        b = slate.composition.loc[lambda d, n=name: d["product"] == n]
        assert list(a["element"]) == list(b["element"])
        assert np.allclose(a["species_tpa"].to_numpy(), b["species_tpa"].to_numpy(), rtol=1e-12)
    from_tables = run_economics(stored, None, econ, seed=11)
    from_flowsheet = run_economics(flowsheet, None, econ, seed=11)
    assert from_tables.valuation.npv == pytest.approx(from_flowsheet.valuation.npv, rel=1e-12)
    b = processing_basis(stored)
    assert b.ore_tpa == 570_000 and b.feed_treo_tpa == pytest.approx(570_000 * 0.018)
    assert set(b.intermediates["route"]) == {"separated_oxides", "concentrate", "mixed_chemical"}


def test_missing_processing_tables_are_named(stored):
    with pytest.raises(DataError, match="processing__streams"):
        slate_from_tables({k: v for k, v in stored.items() if k != "processing__streams"})


def test_a_bare_slate_needs_its_ore_throughput(flowsheet, econ):
    with pytest.raises(ConfigError, match="ore_tpa"):
        run_economics(flowsheet.products, None, econ, seed=1, draws=100)
    r = run_economics(flowsheet.products, 570_000, econ, seed=1, draws=100)
    assert r.valuation.npv == pytest.approx(
        run_economics(flowsheet, None, econ, seed=1, draws=100).valuation.npv, rel=1e-12
    )


def test_products_from_params_needs_no_processing():
    p = economics_params(
        {
            "production": {
                "preproduction_years": 1,
                "production_years": 6,
                "ore_tpa": 2e5,
                "products_tpa": {"conc": 400.0},
            },
            "products": {"conc": {"composition_pct": {"Nd2O3": 40.0}}},
            "capex": [{"name": "plant", "category": "initial", "amounts_usd": [3e7]}],
        }
    )
    r = run_economics(None, None, p, seed=1, draws=100)
    assert r.plan.source == "project file"
    with pytest.raises(ConfigError, match=r"economics\.production"):
        run_economics(None, None, economics_params({}), seed=1, draws=100)


# -------------------------------------------------------------------------- schedule
def schedule(n: int = 6, ore: float = 570_000.0, treo_pct: float = 1.8) -> pd.DataFrame:
    """A hand-made table shaped like mining.Schedule.periods."""
    processed = np.full(n, ore)
    processed[0] = 0.5 * ore
    grade = np.full(n, treo_pct)
    grade[1] = 2 * treo_pct
    waste = np.full(n, 2.0e6)
    return pd.DataFrame(
        {
            "period": np.arange(n),
            "mined_tonnes": processed + waste,
            "processed_tonnes": processed,
            "waste_tonnes": waste,
            "stockpile_in_tonnes": 0.0,
            "stockpile_out_tonnes": 0.0,
            "stockpile_tonnes": 0.0,
            "TREO_pct": grade,
            "TREO_pct_oxide_tonnes": grade / 100 * processed,
            "cash_flow": 0.0,
            "discounted_cash_flow": 0.0,
        }
    )


def test_schedule_replaces_the_steady_state_plan(flowsheet, econ):
    sp = schedule()
    before = sp.copy()
    r = run_economics(flowsheet, None, econ, schedule_periods=sp, seed=1, draws=100)
    pd.testing.assert_frame_equal(sp, before)  # input untouched
    plan = r.plan
    assert plan.n_periods == 2 + 6 and plan.first_production == 2
    assert np.allclose(plan.ore_t()[2:], sp["processed_tonnes"])
    assert np.allclose(plan.waste_t()[2:], sp["waste_tonnes"])
    slate = flowsheet.products.products.set_index("product")["tpa"]
    tonnes = dict(zip(plan.product_names, plan.product_tonnes(), strict=True))
    # a period at the design feed makes the design slate
    assert tonnes["NdPr oxide"][4] == pytest.approx(slate["NdPr oxide"], rel=1e-12)
    # twice the grade: twice the rare-earth products, the same by-products
    assert tonnes["NdPr oxide"][3] == pytest.approx(2 * slate["NdPr oxide"], rel=1e-12)
    assert tonnes["fluorite concentrate"][3] == pytest.approx(slate["fluorite concentrate"])
    # half the ore at the design grade: half of everything
    assert tonnes["La2O3"][2] == pytest.approx(0.5 * slate["La2O3"], rel=1e-12)
    assert tonnes["barite concentrate"][2] == pytest.approx(0.5 * slate["barite concentrate"])
    assert "mine schedule" in r.notes[0]
    assert r.valuation.table["production"].sum() == 6


def test_mining_stage_schedule_table_with_two_year_periods(flowsheet, econ):
    """The mining stage's schedule_periods: feed_tonnes, TREO_t, periods of L years."""
    sp = pd.DataFrame(
        {
            "period": [0, 1],
            "year_from": [0, 2],
            "year_to": [2, 4],
            "mined_tonnes": [5e6, 5e6],
            "waste_tonnes": [3.86e6, 3.86e6],
            "feed_tonnes": [1.14e6, 1.14e6],
            "TREO_pct": [1.8, 3.6],
            "TREO_t": [1.14e6 * 0.018, 1.14e6 * 0.036],
        }
    )
    plan = plan_from_schedule(processing_basis(flowsheet), sp, econ)
    assert plan.n_periods == 2 + 4
    assert np.allclose(plan.ore_t()[2:], 570_000.0)
    assert np.allclose(plan.waste_t()[2:], 2.5e6 - 570_000.0)
    nd = dict(zip(plan.product_names, plan.product_tonnes(), strict=True))["NdPr oxide"]
    design = flowsheet.products.tpa("NdPr oxide")
    assert np.allclose(nd[2:], [design, design, 2 * design, 2 * design], rtol=1e-12)
    with pytest.raises(DataError, match="same whole number"):
        plan_from_schedule(processing_basis(flowsheet), sp.assign(year_to=[2, 5]), econ)


def test_schedule_without_grades_scales_by_ore(flowsheet, econ):
    sp = schedule().drop(columns=["TREO_pct", "TREO_pct_oxide_tonnes"])
    plan = plan_from_schedule(processing_basis(flowsheet), sp, econ)
    assert "no feed grade" in plan.source
    tonnes = dict(zip(plan.product_names, plan.product_tonnes(), strict=True))
    assert tonnes["NdPr oxide"][3] == pytest.approx(flowsheet.products.tpa("NdPr oxide"), rel=1e-12)


def test_schedule_errors(flowsheet, econ):
    b = processing_basis(flowsheet)
    with pytest.raises(DataError, match="processed_tonnes"):
        plan_from_schedule(b, schedule().drop(columns=["processed_tonnes"]), econ)
    with pytest.raises(DataError, match="feed_tonnes"):
        plan_from_schedule(b, schedule().drop(columns=["processed_tonnes"]), econ)
    with pytest.raises(DataError, match="0, 1"):
        plan_from_schedule(b, schedule().assign(period=lambda d: d["period"] + 1), econ)


@settings(max_examples=30, deadline=None)
@given(
    ore=st.lists(st.floats(0, 2e6), min_size=1, max_size=8),
    grade=st.floats(0.1, 10.0),
)
def test_schedule_products_follow_the_reo_fed(ore, grade):
    """Linear flowsheet: rare-earth products ∝ REO fed, by-products ∝ ore."""
    from mine2magnet.processing.types import ProductSlate

    slate = ProductSlate(
        products=pd.DataFrame(
            {
                "product": ["Nd2O3", "fluorite"],
                "kind": ["separated_oxide", "by-product"],
                "species": ["Nd2O3", "CaF2"],
                "purity": [0.995, 0.97],
                "tpa": [500.0, 9e4],
            }
        ),
        composition=pd.DataFrame(columns=["product", "element", "tonnes_per_year", "species_tpa"]),
    )
    basis = stage_mod.ProcessingBasis(slate, 570_000.0, 570_000.0 * 0.018)
    ore = np.asarray(ore)
    if ore.sum() == 0:
        ore[0] = 1.0
    sp = pd.DataFrame({"period": np.arange(ore.size), "processed_tonnes": ore, "TREO_pct": grade})
    plan = plan_from_schedule(basis, sp, economics_params(SECTION))
    t = dict(zip(plan.product_names, plan.product_tonnes(), strict=True))
    reo_ratio = (ore * grade / 100) / (570_000.0 * 0.018)
    assert np.allclose(t["Nd2O3"][2:], 500.0 * reo_ratio, rtol=1e-12, atol=1e-9)
    assert np.allclose(t["fluorite"][2:], 9e4 * ore / 570_000.0, rtol=1e-12, atol=1e-9)
    assert np.allclose(plan.waste_t(), 0.0)
