"""Economics: prices, fiscal regimes, the DCF engine, metrics, risk and mine to magnet.

The usual path::

    params = economics_params(project)            # [economics] of project.toml
    plan = plan_for_project(params, product_slate=fs.products, ore_tpa=fs.feed.ore_tpa)
    v = value_project(plan, params)               # Valuation: table + metrics
    s = sensitivity(v.model)                      # tornado / spider
    mc = run_monte_carlo(v.model, params.montecarlo, seed=project.project.seed)
    m = magnet_equivalents(oxide_tpa_from_plan(plan), params.magnet)

or the whole stage at once (plan, valuation, sensitivity, break-even, Monte Carlo, magnet,
partner scenarios; ``result.tables()`` are the store tables ``economics__*``)::

    params, scenarios = economics_and_scenarios(project)
    result = run_economics(flowsheet, None, params, scenarios=scenarios,
                           seed=project.project.seed)

Conventions (money basis, timing, tax, royalties) are in ``docs/economics.md``.
"""

from mine2magnet.economics.cashflow import CashFlowModel, build_model, evaluate
from mine2magnet.economics.fiscal import (
    COST_CLASSES,
    FiscalRegime,
    RoyaltyRule,
    available_fiscal_regimes,
    load_fiscal_regime,
)
from mine2magnet.economics.magnet import (
    MagnetEquivalents,
    magnet_equivalents,
    oxide_tpa_from_plan,
)
from mine2magnet.economics.metrics import (
    discounted_payback,
    irr_flag,
    irr_roots,
    mirr,
    npv,
    payback,
)
from mine2magnet.economics.montecarlo import MonteCarloResult, run_monte_carlo
from mine2magnet.economics.params import EconomicsParams, economics_params
from mine2magnet.economics.plan import (
    ProductionPlan,
    plan_for_project,
    plan_from_params,
    plan_from_product_slate,
)
from mine2magnet.economics.prices import PriceDeck, available_price_decks, load_price_deck
from mine2magnet.economics.scenarios import (
    ScenarioParams,
    ScenarioResults,
    economics_and_scenarios,
    route_intermediates,
    run_scenarios,
    scenario_params,
)
from mine2magnet.economics.sensitivity import Sensitivity, break_even_prices, sensitivity
from mine2magnet.economics.stage import (
    EconomicsResult,
    ProcessingBasis,
    economics_plan,
    plan_from_schedule,
    processing_basis,
    run_economics,
    slate_from_tables,
)
from mine2magnet.economics.timing import Timing, fisher_nominal, fisher_real
from mine2magnet.economics.valuation import (
    Metrics,
    Valuation,
    npv_profile,
    value_model,
    value_project,
)

__all__ = [
    "COST_CLASSES",
    "CashFlowModel",
    "EconomicsParams",
    "EconomicsResult",
    "FiscalRegime",
    "MagnetEquivalents",
    "Metrics",
    "MonteCarloResult",
    "PriceDeck",
    "ProcessingBasis",
    "ProductionPlan",
    "RoyaltyRule",
    "ScenarioParams",
    "ScenarioResults",
    "Sensitivity",
    "Timing",
    "Valuation",
    "available_fiscal_regimes",
    "available_price_decks",
    "break_even_prices",
    "build_model",
    "discounted_payback",
    "economics_and_scenarios",
    "economics_params",
    "economics_plan",
    "evaluate",
    "fisher_nominal",
    "fisher_real",
    "irr_flag",
    "irr_roots",
    "load_fiscal_regime",
    "load_price_deck",
    "magnet_equivalents",
    "mirr",
    "npv",
    "npv_profile",
    "oxide_tpa_from_plan",
    "payback",
    "plan_for_project",
    "plan_from_params",
    "plan_from_product_slate",
    "plan_from_schedule",
    "processing_basis",
    "route_intermediates",
    "run_economics",
    "run_monte_carlo",
    "run_scenarios",
    "scenario_params",
    "sensitivity",
    "slate_from_tables",
    "value_model",
    "value_project",
]
