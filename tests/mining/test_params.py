"""The ``[mining]`` schema: defaults, validation messages, revenue factors."""

from __future__ import annotations

import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.mining.params import (
    DEFAULT_PRICES_USD_KG,
    MiningParams,
    RevenueFactorRange,
    mining_params,
)


def test_empty_section_gives_working_defaults():
    p = mining_params({})
    assert isinstance(p, MiningParams)
    assert p.engine == "mineflow"
    assert p.prices_usd_kg == DEFAULT_PRICES_USD_KG
    assert p.prices_usd_kg["Nd2O3"] == 110.0 and p.prices_usd_kg["Tb4O7"] == 1150.0
    assert p.royalty_pct == 3.75
    assert p.slopes.default_angle_deg == 45.0 and p.slopes.max_benches == 8
    assert p.pad_cells == "auto"
    f = p.factors()
    assert f[0] == 0.3 and f[-1] == 2.0 and len(f) == 35
    assert mining_params(None) == p


def test_revenue_factor_range_includes_both_ends_without_drift():
    r = RevenueFactorRange(start=0.5, stop=1.5, step=0.1)
    assert r.values() == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5]


def test_revenue_factor_list_is_sorted_and_unique():
    p = mining_params({"revenue_factors": [1.2, 0.4, 1.2, 0.8]})
    assert p.factors() == [0.4, 0.8, 1.2]


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"engine": "pseudoflow"}, "mining.engine"),
        ({"slopes": {"default_angle_deg": 95}}, "mining.slopes.default_angle_deg"),
        ({"slopes": {"sectors": [{"azimuth_from_deg": 0, "azimuth_to_deg": 90}]}},
         "mining.slopes.sectors[0].angle_deg"),
        ({"prices_usd_kg": {"Qq": 3.0}}, "mining.prices_usd_kg"),
        ({"royalty_pct": 120}, "mining.royalty_pct"),
        ({"revenue_factors": {"start": 2.0, "stop": 1.0}}, "mining.revenue_factors"),
        ({"phases": {"count": None}}, "mining.phases"),
        ({"unknown_key": 1}, "mining.unknown_key"),
    ],
)  # fmt: skip
def test_errors_name_the_dotted_key(section, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        mining_params(section, source="project.toml")


def test_recovery_of_unpriced_species_is_an_error():
    with pytest.raises(ConfigError, match="unpriced species"):
        mining_params({"prices_usd_kg": {"Nd2O3": 100.0}, "recovery_pct": {"CeO2": 50.0}})


def test_elevation_band_must_be_ordered():
    sec = {"azimuth_from_deg": 0, "azimuth_to_deg": 90, "angle_deg": 40,
           "elevation_from_m": 500.0, "elevation_to_m": 400.0}  # fmt: skip
    with pytest.raises(ConfigError, match="elevation_from_m must be below"):
        mining_params({"slopes": {"sectors": [sec]}})


def test_schedule_and_reserve_subsections_are_left_to_their_modules():
    p = mining_params({"schedule": {"periods": 20}, "reserve": {"classes": ["Measured"]}})
    assert p.schedule == {"periods": 20}
    assert p.reserve["classes"] == ["Measured"]
