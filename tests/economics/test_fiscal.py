import pytest

from mine2magnet.economics.fiscal import (
    COST_CLASSES,
    RoyaltyRule,
    available_fiscal_regimes,
    load_fiscal_regime,
)
from mine2magnet.errors import ConfigError


def test_regimes_ship():
    assert available_fiscal_regimes() == ["australia_wa", "turkiye", "us_wyoming"]


@pytest.mark.parametrize("name", ["australia_wa", "turkiye", "us_wyoming"])
def test_every_regime_cites_its_sources(name):
    r = load_fiscal_regime(name)
    for key in ("corporate_tax", "minimum_tax", "losses", "dividend_withholding", "depreciation"):
        assert r.sources[key], key
    for rule in r.royalties:
        assert rule.legal_basis and rule.source
    assert {"plant", "mobile", "buildings"} <= set(r.depreciation)


def test_turkiye_terms():
    tr = load_fiscal_regime("turkiye")
    assert tr.corporate_tax_pct == 25.0
    assert tr.minimum_tax_pct == 10.0
    assert tr.loss_carry_forward_years == 5
    assert tr.dividend_withholding_pct == 15.0
    assert tr.depletion_pct == 0.0
    sr = tr.royalty("state_right")
    assert sr.base == "netback" and set(sr.deductions) == {"processing", "refining", "transport"}
    assert sr.effective_rate == pytest.approx(0.0375)
    assert "3213" in sr.legal_basis and "5553" in sr.legal_basis


def test_state_right_rate_is_a_parameter():
    tr = load_fiscal_regime("turkiye")
    rad = tr.with_overrides({"royalties": {"state_right": {"rate_option": "radioactive"}}})
    assert rad.royalty("state_right").effective_rate == pytest.approx(0.10)
    half = tr.with_overrides({"royalties": {"state_right": {"reduction_pct": 75}}})
    assert half.royalty("state_right").effective_rate == pytest.approx(0.0375 * 0.25)
    assert tr.royalty("state_right").effective_rate == pytest.approx(0.0375)  # unchanged
    with pytest.raises(ConfigError, match="rate_option"):
        tr.with_overrides({"royalties": {"state_right": {"rate_option": "gold"}}})


def test_us_losses_indefinite_with_80_percent_limit():
    us = load_fiscal_regime("us_wyoming")
    assert us.loss_carry_forward_years is None and us.loss_offset_limit_pct == 80.0
    assert us.depletion_pct == 14.0 and us.depletion_cap_pct == 50.0
    assert {r.name for r in us.royalties} == {"wyoming_severance", "county_ad_valorem"}


def test_overrides_and_added_royalty():
    tr = load_fiscal_regime("turkiye").with_overrides(
        {
            "corporate_tax_pct": 20.0,
            "loss_carry_forward_years": "indefinite",
            "royalties": {"treasury_share": {"base": "gross", "rate_pct": 4.0}},
            "depreciation": {"plant": {"years": 8}},
        }
    )
    assert tr.corporate_tax_pct == 20.0 and tr.loss_carry_forward_years is None
    assert tr.royalty("treasury_share").effective_rate == pytest.approx(0.04)
    assert tr.depreciation["plant"].years == 8


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(base="bogus", rate_pct=1.0),
        dict(base="netback", rate_pct=1.0, deductions=("milling",)),
        dict(base="gross", rate_pct=-1.0),
        dict(base="gross", rate_pct=1.0, reduction_pct=120.0),
    ],
)
def test_bad_royalty_rules(kwargs):
    with pytest.raises(ConfigError):
        RoyaltyRule(name="x", **kwargs)


def test_cost_classes_order():
    assert COST_CLASSES == ("mining", "processing", "refining", "g_and_a", "transport")
