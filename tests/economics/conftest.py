"""Shared builders for the economics tests: a small synthetic Beylikova-like project."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mine2magnet.economics import ProductionPlan, economics_params

#: A small 3 + 12-year project: SYNTHETIC numbers, chosen to exercise every line.
BASE = {
    "discount_rate_pct": 8,
    "npv_rates_pct": [0, 5, 8, 10],
    "timing": {"start_year": 2027},
    "products": {
        "NdPr oxide": {"pricing": "basket", "composition_pct": {"Nd2O3": 74.6, "Pr6O11": 24.9}},
        "La-Ce carbonate": {
            "pricing": "basket",
            "composition_pct": {"La2O3": 24.0, "CeO2": 41.0},
            "payability_pct": 75,
        },
        "fluorite": {
            "pricing": "fixed",
            "price_usd_kg": 0.30,
            "grade_linked": False,
            "by_product": True,
        },
    },
    "opex": {
        "mining": {"usd_per_t_mined": 2.5, "local_share_pct": 90},
        "processing": {"usd_per_t_ore": 45.0, "local_share_pct": 60},
        "refining": {"usd_per_t_product": 9000.0, "products": ["NdPr oxide"]},
        "g_and_a": {"fixed_usd_per_year": 12e6, "local_share_pct": 80},
        "transport": {"usd_per_t_product": 80.0, "products": ["NdPr oxide", "La-Ce carbonate"]},
    },
    "capex": [
        {
            "name": "mine, plant and refinery",
            "category": "initial",
            "amounts_usd": [150e6, 250e6],
            "contingency_pct": 20,
            "local_share_pct": 40,
        },
        {
            "name": "sustaining",
            "category": "sustaining",
            "usd_per_year": 8e6,
            "tax_class": "mobile",
        },
    ],
    "closure": {"cost_usd": 40e6, "years": 2, "salvage_pct_of_initial": 2},
    "montecarlo": {"seed": 7, "draws": 2000, "chunk_size": 500},
}


def make_plan(years: int = 12, pre: int = 2, ppy: int = 1) -> ProductionPlan:
    """Nameplate 570 kt/y ore (DOMAIN §1) with a two-year ramp-up."""
    ramp = np.ones(years)
    ramp[:2] = [0.6, 0.9]
    shape = np.r_[np.zeros(pre), ramp]
    return ProductionPlan.from_arrays(
        570e3 * shape,
        {
            "NdPr oxide": 1800.0 * shape,
            "La-Ce carbonate": 7000.0 * shape,
            "fluorite": 60e3 * shape,
        },
        waste_t=2.0e6 * shape,
        source="test",
    )


def with_(base: dict, **changes) -> dict:
    """A copy of a params mapping with top-level keys replaced."""
    out = copy.deepcopy(base)
    out.update(changes)
    return out


@pytest.fixture
def plan() -> ProductionPlan:
    return make_plan()


@pytest.fixture
def params():
    return economics_params(BASE)


@pytest.fixture
def base() -> dict:
    """The raw [economics] mapping of the test project (a fresh copy)."""
    return copy.deepcopy(BASE)


@pytest.fixture(name="make_plan")
def _make_plan_fixture():
    return make_plan


@pytest.fixture(name="with_")
def _with_fixture():
    return with_
