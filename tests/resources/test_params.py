"""The [resources] schema: defaults, nesting of classes, errors naming the key."""

from datetime import date
from pathlib import Path

import pytest

from mine2magnet.config import load_project
from mine2magnet.errors import ConfigError
from mine2magnet.resources.params import (
    CLASSES,
    ResourceParams,
    default_cutoffs,
    resource_params,
)


def test_empty_section_gives_working_defaults():
    p = resource_params({})
    assert isinstance(p, ResourceParams)
    assert p.reporting_cutoff.basis == "TREO_pct" and p.cutoff_value() == 0.5
    assert p.classification.nearest_holes == 3
    spacing = [p.classification.criteria(c).max_spacing_m for c in CLASSES]
    assert spacing == sorted(spacing)  # measured tightest
    assert p.rpeee.constraint == "depth"
    assert p.effective_date is None
    assert resource_params(None) == p


def test_defaults_cite_domain_prices():
    r = resource_params({}).rpeee
    assert r.prices_usd_kg["Nd2O3"] == 110.0 and r.prices_usd_kg["Tb4O7"] == 1150.0
    assert "DOMAIN.md §5" in r.price_source and "2026" in r.price_source


def test_statement_cutoffs_start_with_reporting_cutoff():
    p = resource_params({"reporting_cutoff": {"value": 1.0}, "statement_cutoffs": [3, 0.5, 1]})
    assert p.cutoffs() == [1.0, 0.5, 3.0]


def test_nsr_cutoff_defaults_to_breakeven():
    p = resource_params(
        {
            "reporting_cutoff": {"basis": "NSR_usd_t", "value": None},
            "rpeee": {"costs": {"processing_usd_t": 30, "ga_usd_t": 7}},
        }
    )
    assert p.cutoff_value() == 37.0
    assert p.gt_cutoffs() == default_cutoffs("NSR_usd_t")
    assert p.cutoffs()[0] == 37.0 and 100.0 in p.cutoffs()


def test_treo_cutoff_needs_a_value():
    with pytest.raises(ConfigError, match=r"resources\.reporting_cutoff"):
        resource_params({"reporting_cutoff": {"basis": "TREO_pct", "value": None}})


def test_effective_date_parses():
    p = resource_params({"effective_date": "2026-01-01"})
    assert p.effective_date == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"classification": {"measured": {"min_holes": -1}}},
         "resources.classification.measured.min_holes"),
        ({"classification": {"measured": {"colour": 1}}},
         "resources.classification.measured.colour"),
        ({"classification": {"smoothing": {"method": "median"}}},
         "resources.classification.smoothing.method"),
        ({"rpeee": {"constraint": "cave"}}, "resources.rpeee.constraint"),
        ({"rpeee": {"recovery_pct": 120}}, "resources.rpeee.recovery_pct"),
        ({"reporting_cutoff": {"basis": "TREO_ppm"}}, "resources.reporting_cutoff.basis"),
    ],
)  # fmt: skip
def test_errors_name_the_dotted_key(section, key):
    with pytest.raises(ConfigError, match=f"key '{key}'"):
        resource_params(section, source="project.toml")


def test_more_confident_class_cannot_be_looser():
    with pytest.raises(ConfigError, match=r"measured\.max_spacing_m .* indicated\.max_spacing_m"):
        resource_params({"classification": {"measured": {"max_spacing_m": 80}}})
    with pytest.raises(ConfigError, match=r"indicated\.min_holes"):
        resource_params({"classification": {"indicated": {"min_holes": 0}}})
    # switching a criterion off in a higher class while a lower one uses it is looser too
    with pytest.raises(ConfigError, match=r"measured\.max_pass"):
        resource_params({"classification": {"measured": {"max_pass": None}}})


def test_unknown_oxide_price_is_an_error():
    with pytest.raises(ConfigError, match="Nd2O4"):
        resource_params({"rpeee": {"prices_usd_kg": {"Nd2O4": 1.0}}})


def test_even_smoothing_window_is_an_error():
    with pytest.raises(ConfigError, match=r"resources\.classification\.smoothing"):
        resource_params({"classification": {"smoothing": {"window": [3, 2, 3]}}})


def test_search_major_axis_is_one():
    with pytest.raises(ConfigError, match="anisotropy"):
        resource_params({"classification": {"search": {"anisotropy": [0.5, 0.5, 0.5]}}})


def test_reads_a_project():
    demo = Path(__file__).resolve().parents[2] / "examples" / "demo"
    proj = load_project(demo, check_files=False).model_copy(
        update={
            "resources": {
                "effective_date": "2025-06-30",
                "classification": {"measured": {"max_spacing_m": 20.0}},
            }
        }
    )
    p = resource_params(proj)
    assert p.effective_date == date(2025, 6, 30)
    assert p.classification.measured.max_spacing_m == 20.0
    assert p.classification.measured.min_holes == 4  # merged into the class defaults
    assert p.classification.measured.min_slope == 0.8
    bad = proj.model_copy(update={"resources": {"rpeee": {"max_depth_m": -1}}})
    with pytest.raises(ConfigError, match=r"project\.toml: key 'resources\.rpeee\.max_depth_m'"):
        resource_params(bad)


def test_criterion_switched_off_in_toml_terms():
    off = {
        "min_holes": 0,
        "min_samples": 0,
        "min_slope": float("-inf"),
        "min_ke": float("-inf"),
        "max_spacing_m": float("inf"),
        "max_pass": 3,
    }
    p = resource_params({"classification": {c: off for c in CLASSES}})
    assert p.classification.measured.max_spacing_m == float("inf")
