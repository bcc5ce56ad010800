import numpy as np
import pandas as pd
import pytest

from mine2magnet.economics import (
    ProductionPlan,
    economics_params,
    plan_from_params,
    plan_from_product_slate,
)
from mine2magnet.economics.plan import ramp_profile
from mine2magnet.processing.types import ProductSlate


def test_from_arrays_round_trip():
    p = ProductionPlan.from_arrays(
        [0, 10, 20],
        {"a": [0, 1, 2], "b": [0, 0, 3]},
        {"a": {"Nd2O3": 0.5}},
        waste_t=[0, 5, 5],
        opex_usd={"mining": [0, 7, 7]},
    )
    assert p.product_tonnes().tolist() == [[0, 1, 2], [0, 0, 3]]
    assert p.mined_t().tolist() == [0, 15, 25]
    assert p.explicit_opex("mining").tolist() == [0, 7, 7]
    assert p.explicit_opex("refining").tolist() == [0, 0, 0]
    assert (p.first_production, p.last_production) == (1, 2)
    assert p.species_tonnes()["Nd2O3"].tolist() == [0, 0.5, 1.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(ore_t=[0, -1], products={}), "finite and >= 0"),
        (dict(ore_t=[0, 0], products={}), "no production"),
        (dict(ore_t=[1, 1], products={"a": [1, 2, 3]}), "3 values for 2 periods"),
        (
            dict(ore_t=[1], products={"a": [1]}, composition={"a": {"X": 0.7, "Y": 0.6}}),
            "sum above 1",
        ),
        (dict(ore_t=[1], products={}, opex_usd={"milling": [1]}), "unknown opex"),
    ],
)
def test_from_arrays_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ProductionPlan.from_arrays(**kwargs)


def test_ramp_profile():
    assert ramp_profile(3, [50, 80, 100, 100]).tolist() == [0.5, 0.8, 1.0]
    assert ramp_profile(2, [50], periods_per_year=2).tolist() == [0.5, 0.5, 1.0, 1.0]


def test_plan_from_params_annual_and_quarterly():
    section = {
        "production": {
            "preproduction_years": 2,
            "production_years": 5,
            "ore_tpa": 570_000,
            "waste_tpa": [1e6, 1e6, 2e6, 2e6, 2e6],
            "ramp_up_pct": [50],
            "products_tpa": {"NdPr oxide": 1000.0},
        },
        "products": {"NdPr oxide": {"composition_pct": {"Nd2O3": 75, "Pr6O11": 25}}},
    }
    p = plan_from_params(economics_params(section))
    assert p.ore_t().tolist() == [0, 0, 285e3, 570e3, 570e3, 570e3, 570e3]
    assert p.waste_t()[2:].tolist() == [0.5e6, 1e6, 2e6, 2e6, 2e6]
    assert p.composition_of("NdPr oxide") == {"Nd2O3": 0.75, "Pr6O11": 0.25}
    q = plan_from_params(economics_params({**section, "timing": {"periods_per_year": 4}}))
    assert q.n_periods == 28 and q.periods_per_year == 4
    assert q.ore_t().sum() == pytest.approx(p.ore_t().sum())
    assert q.first_production == 8


def test_plan_from_params_needs_the_section():
    with pytest.raises(ValueError, match=r"economics\.production"):
        plan_from_params(economics_params({}))


def _slate():
    products = pd.DataFrame(
        {
            "product": ["NdPr oxide", "CeO2", "fluorite concentrate"],
            "kind": ["mixed_oxide", "separated_oxide", "by-product"],
            "species": ["Pr6O11+Nd2O3", "CeO2", "CaF2"],
            "purity": [0.995, 0.99, 0.97],
            "tpa": [1000.0, 2000.0, 70000.0],
        }
    )
    composition = pd.DataFrame(
        {
            "product": ["NdPr oxide", "NdPr oxide", "NdPr oxide", "CeO2"],
            "element": ["Pr", "Nd", "Ca", "Ce"],
            "tonnes_per_year": [200.0, 640.0, 1.0, 1600.0],
            "species_tpa": [241.6, 746.5, 1.4, 1965.0],
        }
    )
    return ProductSlate(products, composition)


def test_plan_from_product_slate():
    p = plan_from_product_slate(
        _slate(), ore_tpa=570e3, preproduction_years=2, production_years=10, ramp_up_pct=[60]
    )
    assert p.product_names == ("NdPr oxide", "CeO2", "fluorite concentrate")
    assert p.composition_of("NdPr oxide") == pytest.approx({"Pr6O11": 0.2416, "Nd2O3": 0.7465})
    assert p.composition_of("CeO2") == {"CeO2": 0.99}
    assert p.composition_of("fluorite concentrate") == {"CaF2": 0.97}
    t = p.product_tonnes()
    assert t[0, :3].tolist() == [0, 0, 600.0] and t[0, 5] == 1000.0
    assert p.ore_t()[2] == pytest.approx(342e3)


def test_plan_from_a_real_flowsheet_values_without_error():
    from mine2magnet.economics import value_project
    from mine2magnet.processing import feed_from_params, processing_params, run_flowsheet

    pp = processing_params(
        {
            "feed": {
                "ore_tpa": 570_000,
                "TREO_pct": 1.8,
                "distribution": "bayan_obo",
                "ThO2_pct": 0.2,
                "CaF2_pct": 40.0,
                "BaSO4_pct": 29.0,
            }
        }
    )
    fs = run_flowsheet(feed_from_params(pp), pp)
    plan = plan_from_product_slate(
        fs.products, ore_tpa=fs.feed.ore_tpa, preproduction_years=2, production_years=15
    )
    params = economics_params(
        {
            "capex": [{"name": "plant", "category": "initial", "amounts_usd": [3e8, 3e8]}],
            "opex": {"processing": {"usd_per_t_ore": 60}},
            "products": {
                name: {
                    "pricing": "fixed",
                    "price_usd_kg": 0.25,
                    "grade_linked": False,
                    "by_product": True,
                }
                for name in plan.product_names
                if "concentrate" in name and "SEG" not in name
            },
        }
    )
    v = value_project(plan, params)
    assert np.isfinite(v.npv)
    rev = v.revenue_by_product.groupby("product")["revenue_usd"].sum()
    assert rev["NdPr oxide"] > 0
