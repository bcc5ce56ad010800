"""The [economics] schema: the demo block validates; errors name the dotted key."""

import tomllib

import pytest

from mine2magnet.config import Project
from mine2magnet.economics import economics_params, plan_for_project, value_project
from mine2magnet.errors import ConfigError

#: The block handed to the demo project (examples/demo/project.toml); keep it valid.
EXAMPLE = """
[economics]
basis = "real"                        # outputs in real US$ of the valuation date
discount_rate_pct = 8.0               # real; Fisher-converted if basis = "nominal"
npv_rates_pct = [0, 5, 8, 10, 12]
inflation_pct = 2.0                   # US$ CPI: tax depreciation is not indexed

[economics.timing]
start_year = 2027
periods_per_year = 1
convention = "mid"

[economics.prices]
deck = "ex_china_spot_2026q1"         # or china_domestic_2026q1, trough_2024

[economics.production]                # until the mine schedule provides the plan
products_from = "processing"          # the flowsheet's product slate at steady state
preproduction_years = 3
production_years = 25
waste_tpa = 2_000_000                 # SYNTHETIC
ramp_up_pct = [50, 80]

# separated oxides (La2O3, CeO2, Pr6O11, Nd2O3) need no terms: their payable oxide and
# purity come from the product slate and their price from the deck
[economics.products."SEG+HRE concentrate"]
payability_pct = 75                   # mixed product ~75 % of the basket (Bear Lodge PFS)
[economics.products."fluorite concentrate"]
pricing = "fixed"
price_usd_kg = 0.30                   # ASSUMPTION: acid-grade fluorspar order of magnitude
grade_linked = false
by_product = true
[economics.products."barite concentrate"]
pricing = "fixed"
price_usd_kg = 0.12                   # ASSUMPTION
grade_linked = false
by_product = true

[economics.opex.mining]
usd_per_t_mined = 2.5                 # ASSUMPTION
local_share_pct = 90
[economics.opex.processing]
usd_per_t_ore = 45.0                  # ASSUMPTION
local_share_pct = 60
[economics.opex.refining]
usd_per_t_product = 6_000             # ASSUMPTION: every rare-earth product
[economics.opex.g_and_a]
fixed_usd_per_year = 15_000_000
local_share_pct = 80
[economics.opex.transport]
usd_per_t_product = 60.0              # rare-earth products; by-products sold ex-works

[[economics.capex]]
name = "mine, concentrator, cracking and SX refinery"
category = "initial"
amounts_usd = [150e6, 300e6, 250e6]
contingency_pct = 20
tax_class = "plant"
local_share_pct = 40
[[economics.capex]]
name = "sustaining"
category = "sustaining"
usd_per_year = 12e6
tax_class = "mobile"

[economics.working_capital]
receivable_days = 45
inventory_days = 60
payable_days = 30

[economics.closure]
cost_usd = 60e6
years = 3
salvage_pct_of_initial = 2

[economics.fiscal]
regime = "turkiye"
[economics.fiscal.royalties.state_right]
rate_option = "group_iv_other"        # or "radioactive" (8 % x 1.25): a legal question

[[economics.owners]]
name = "state operator"
share_pct = 51
[[economics.owners]]
name = "foreign partner"
share_pct = 49
foreign = true

[economics.sensitivity]
range_pct = 20

[economics.montecarlo]
draws = 10_000
reversion_per_year = 0.5
correlation_pct = 60
pair_correlation_pct = { "Nd2O3|Pr6O11" = 95 }
capex = { dist = "triangular", low = 0.95, mode = 1.05, high = 1.40 }
opex = { dist = "triangular", low = 0.90, mode = 1.0, high = 1.25 }
grade = { dist = "normal", mean = 1.0, sd = 0.05 }
recovery = { dist = "triangular", low = 0.85, mode = 1.0, high = 1.05 }

[economics.montecarlo.volatility_pct]    # of log prices [%/sqrt(y)]; ASSUMPTION
default = 30
Dy2O3 = 40
Tb4O7 = 40
"product:fluorite concentrate" = 15
"product:barite concentrate" = 15

[economics.magnet]
yield_pct = 95
"""


def _section():
    return tomllib.loads(EXAMPLE)["economics"]


def _flowsheet():
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
    return run_flowsheet(feed_from_params(pp), pp)


def test_example_block_validates_and_values():
    p = economics_params(_section())
    assert p.fiscal.regime == "turkiye" and len(p.owners) == 2
    fs = _flowsheet()
    plan = plan_for_project(p, product_slate=fs.products, ore_tpa=fs.feed.ore_tpa)
    v = value_project(plan, p)
    assert v.basis == "real" and v.table["period"].size == 3 + 25 + 3
    assert set(v.owners["owner"]) == {"state operator", "foreign partner"}
    assert v.table["byproduct_revenue_usd"].sum() > 0
    assert not any("terms unused" in n for n in v.notes)  # every term matched a product
    with pytest.raises(ValueError, match="product slate"):
        plan_for_project(p)


def test_simple_plan_from_the_section():
    s = _section()
    s["production"] = {
        "preproduction_years": 2,
        "production_years": 10,
        "ore_tpa": 570_000,
        "products_tpa": {"NdPr oxide": 1900.0, "fluorite concentrate": 70_000.0},
    }
    s["products"] = {
        "NdPr oxide": {"composition_pct": {"Nd2O3": 74.6, "Pr6O11": 24.9}},
        "fluorite concentrate": s["products"]["fluorite concentrate"],
    }
    p = economics_params(s)
    v = value_project(plan_for_project(p), p)
    assert v.table["revenue_usd"].iloc[4] == pytest.approx(
        1900e3 * 0.995 * 110 + 70e6 * 0.30, rel=1e-12
    )
    s["production"].pop("ore_tpa")
    with pytest.raises(ConfigError, match=r"economics\.production"):
        economics_params(s)


def test_defaults():
    p = economics_params(None)
    assert p.basis == "real" and p.discount_rate_pct == 8.0 and p.timing.convention == "end"
    assert p.prices.deck == "ex_china_spot_2026q1" and p.fiscal.regime == "turkiye"


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"discount_rate": 8}, "economics.discount_rate"),
        (
            {"owners": [{"name": "a", "share_pct": 60}, {"name": "b", "share_pct": 30}]},
            "economics.owners",
        ),
        ({"owners": [{"name": "a", "share_pct": 100, "carried": "free"}]}, "economics.owners"),
        ({"capex": [{"name": "x", "category": "initial"}]}, "economics.capex[0]"),
        (
            {
                "capex": [
                    {"name": "x", "category": "initial", "amounts_usd": [1.0], "usd_per_year": 1.0}
                ]
            },
            "economics.capex[0]",
        ),
        ({"products": {"x": {"pricing": "fixed"}}}, "economics.products.x"),
        ({"timing": {"convention": "middle"}}, "economics.timing.convention"),
        ({"debt": {"amount_usd": 1e8, "draw_pct": [50, 40]}}, "economics.debt"),
        (
            {"montecarlo": {"capex": {"dist": "triangular", "low": 1.2, "mode": 1.0, "high": 1.4}}},
            "economics.montecarlo.capex",
        ),
        ({"opex": {"milling": {}}}, "economics.opex.milling"),
    ],
)
def test_errors_name_the_key(patch, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        economics_params({**_section(), **patch})


def test_products_without_tonnes_are_an_error():
    s = _section()
    s["production"] = {"production_years": 5, "ore_tpa": 1e5, "products_tpa": {"a": 1.0}}
    s["products"] = {"ghost": {"pricing": "fixed", "price_usd_kg": 1.0}}
    with pytest.raises(ConfigError, match="ghost"):
        economics_params(s)


def test_from_a_loaded_project_names_the_file(tmp_path):
    proj = Project.model_validate(
        {
            "project": {"name": "t"},
            "data": {"collars": {"file": "c.csv"}, "assays": {"file": "a.csv"}},
            "economics": {"basis": "imaginary"},
            "source_file": tmp_path / "project.toml",
        }
    )
    with pytest.raises(ConfigError, match=r"project.toml: key 'economics.basis'"):
        economics_params(proj)


def test_every_section_key_is_documented():
    from pathlib import Path

    from mine2magnet.economics.params import EconomicsParams

    docs = (Path(__file__).resolve().parents[2] / "docs" / "economics.md").read_text("utf-8")
    assert EXAMPLE.strip() in docs  # the demo block is shown verbatim
    missing = [k for k in EconomicsParams.model_fields if k not in docs]
    assert not missing, f"[economics] keys not in docs/economics.md: {missing}"
