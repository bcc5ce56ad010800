"""Fiscal regimes: corporate tax terms, depreciation classes and royalty rules.

Regimes ship in ``economics/data/fiscal_regimes.toml`` with the legal basis and source of
every number: ``turkiye``, ``us_wyoming`` (US federal + Wyoming, simplified) and
``australia_wa``. A project picks one (``economics.fiscal.regime``) and may override any
field, e.g. the Türkiye state-right rate (``economics.fiscal.royalties.state_right``).

Royalty bases (applied per period, in the order the regime lists them):

``gross``
    ``rate × revenue``.
``netback``
    ``rate × max(revenue − Σ costs of the deduction classes, 0)`` — the pit-head value of
    Türkiye's state right (revenue less the processing, refining and transport done after
    the pit head), or a net smelter return with ``deductions = ["transport"]``.
``cost_share``
    ``rate × revenue × (Σ costs of share_classes / Σ costs of share_denominator)`` — the
    mouth-of-mine value used for Wyoming severance tax in the Bear Lodge PFS.
``profit``
    ``rate × max(revenue − operating costs − earlier royalties, 0)``.

The effective rate is ``rate_pct × multiplier × (1 − reduction_pct/100) / 100``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from mine2magnet.errors import ConfigError

__all__ = [
    "COST_CLASSES",
    "DepreciationClass",
    "FiscalRegime",
    "RoyaltyRule",
    "available_fiscal_regimes",
    "load_fiscal_regime",
]

#: Operating-cost classes, in this order everywhere.
COST_CLASSES: tuple[str, ...] = ("mining", "processing", "refining", "g_and_a", "transport")

RoyaltyBase = Literal["gross", "netback", "cost_share", "profit"]
DepreciationMethod = Literal[
    "straight_line", "declining_balance", "units_of_production", "immediate"
]

_FILE = "fiscal_regimes.toml"


@dataclass(frozen=True)
class RoyaltyRule:
    """One royalty or production tax.

    Attributes
    ----------
    name : str
    base : {"gross", "netback", "cost_share", "profit"}
    rate_pct : float
        Statutory rate [%].
    multiplier : float
        Factor on the rate (Türkiye: 1.25 by Presidential Decision 5553) [-].
    reduction_pct : float
        Reduction of the royalty (e.g. domestic metallisation) [%].
    deductions : tuple of str
        Cost classes deducted for a ``netback`` base.
    share_classes, share_denominator : tuple of str
        Numerator and denominator cost classes of a ``cost_share`` base.
    deductible : bool
        Deductible for corporate income tax.
    legal_basis, source : str
    secondary : bool
    rate_options_pct : Mapping[str, float]
        Named alternative statutory rates (e.g. ``radioactive``) [%].
    """

    name: str
    base: RoyaltyBase
    rate_pct: float
    multiplier: float = 1.0
    reduction_pct: float = 0.0
    deductions: tuple[str, ...] = ()
    share_classes: tuple[str, ...] = ()
    share_denominator: tuple[str, ...] = COST_CLASSES
    deductible: bool = True
    legal_basis: str = ""
    source: str = ""
    secondary: bool = False
    rate_options_pct: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.base not in ("gross", "netback", "cost_share", "profit"):
            raise ConfigError(f"royalty {self.name!r}: unknown base {self.base!r}")
        for key in ("rate_pct", "multiplier", "reduction_pct"):
            v = getattr(self, key)
            if not (v >= 0) or (key == "reduction_pct" and v > 100):
                raise ConfigError(f"royalty {self.name!r}: {key} out of range ({v!r})")
        for key in ("deductions", "share_classes", "share_denominator"):
            bad = set(getattr(self, key)) - set(COST_CLASSES)
            if bad:
                raise ConfigError(
                    f"royalty {self.name!r}: unknown cost class(es) {sorted(bad)} in {key}; "
                    f"use {list(COST_CLASSES)}"
                )
        object.__setattr__(self, "rate_options_pct", MappingProxyType(dict(self.rate_options_pct)))

    @property
    def effective_rate(self) -> float:
        """Rate applied to the base [-] (0.0375 for 3 % × 1.25)."""
        return self.rate_pct * self.multiplier * (1.0 - self.reduction_pct / 100.0) / 100.0


@dataclass(frozen=True)
class DepreciationClass:
    """A tax depreciation class.

    Attributes
    ----------
    method : {"straight_line", "declining_balance", "units_of_production", "immediate"}
    years : float
        Tax life [y] (unused for units-of-production and immediate expensing).
    rate_multiple : float
        Declining-balance multiple (2.0 = double declining) [-]; switches to straight
        line when that is larger.
    """

    method: DepreciationMethod
    years: float = 10.0
    rate_multiple: float = 2.0

    def __post_init__(self) -> None:
        if self.method not in (
            "straight_line",
            "declining_balance",
            "units_of_production",
            "immediate",
        ):
            raise ConfigError(f"unknown depreciation method {self.method!r}")
        if self.method in ("straight_line", "declining_balance") and not self.years > 0:
            raise ConfigError(f"depreciation years must be > 0 for {self.method}, got {self.years}")


@dataclass(frozen=True)
class FiscalRegime:
    """Corporate tax terms, depreciation classes and royalties of one jurisdiction.

    Attributes
    ----------
    name, label, date : str
    corporate_tax_pct : float
        Statutory income-tax rate [%].
    minimum_tax_pct : float
        Minimum tax as a share of taxable income *before* loss offsets [%] (Türkiye 10 %).
    minimum_tax_exempt_years : int
        First fiscal years of the model exempt from the minimum tax [y].
    loss_carry_forward_years : int or None
        Years a tax loss may be carried forward; None = no expiry [y].
    loss_offset_limit_pct : float
        Share of a year's taxable income that carried losses may offset [%] (US: 80).
    dividend_withholding_pct : float
        Withholding on dividends to foreign shareholders [%].
    depletion_pct, depletion_cap_pct : float
        Percentage depletion on revenue, capped at a share of taxable income [%].
    depreciation : Mapping[str, DepreciationClass]
    royalties : tuple of RoyaltyRule
    sources : Mapping[str, str]
        Legal basis and source per item.
    """

    name: str
    label: str
    date: str
    corporate_tax_pct: float
    minimum_tax_pct: float = 0.0
    minimum_tax_exempt_years: int = 0
    loss_carry_forward_years: int | None = None
    loss_offset_limit_pct: float = 100.0
    dividend_withholding_pct: float = 0.0
    depletion_pct: float = 0.0
    depletion_cap_pct: float = 0.0
    depreciation: Mapping[str, DepreciationClass] = field(default_factory=dict)
    royalties: tuple[RoyaltyRule, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in (
            "corporate_tax_pct",
            "minimum_tax_pct",
            "loss_offset_limit_pct",
            "dividend_withholding_pct",
            "depletion_pct",
            "depletion_cap_pct",
        ):
            v = getattr(self, key)
            if not (0 <= v <= 100):
                raise ConfigError(
                    f"fiscal regime {self.name!r}: {key} must be in [0, 100], got {v!r}"
                )
        if self.loss_carry_forward_years is not None and self.loss_carry_forward_years < 1:
            raise ConfigError(
                f"fiscal regime {self.name!r}: loss_carry_forward_years must be >= 1 or "
                "'indefinite'"
            )
        object.__setattr__(self, "depreciation", MappingProxyType(dict(self.depreciation)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "royalties", tuple(self.royalties))

    def royalty(self, name: str) -> RoyaltyRule:
        """One royalty rule by name (KeyError if absent)."""
        for r in self.royalties:
            if r.name == name:
                return r
        raise KeyError(f"regime {self.name!r} has no royalty {name!r}")

    def with_overrides(self, overrides: Mapping[str, Any]) -> FiscalRegime:
        """A copy with top-level fields and royalties replaced.

        ``overrides`` may hold any top-level field and ``royalties``: a mapping of royalty
        name → fields to change (an unknown name adds a royalty; ``rate_option`` picks one
        of ``rate_options_pct``), and ``depreciation``: class name → fields.
        """
        ov = dict(overrides)
        roy_ov = ov.pop("royalties", None) or {}
        dep_ov = ov.pop("depreciation", None) or {}
        if "loss_carry_forward_years" in ov:
            ov["loss_carry_forward_years"] = _expiry(ov["loss_carry_forward_years"], self.name)
        rules = {r.name: r for r in self.royalties}
        for name, fields in roy_ov.items():
            f = dict(fields)
            option = f.pop("rate_option", None)
            if name in rules:
                rule = replace(rules[name], **_tuples(f))
            else:
                rule = RoyaltyRule(name=name, **_tuples(f))
            if option is not None:
                if option not in rule.rate_options_pct:
                    raise ConfigError(
                        f"royalty {name!r}: rate_option {option!r} not in "
                        f"{sorted(rule.rate_options_pct)}"
                    )
                rule = replace(rule, rate_pct=float(rule.rate_options_pct[option]))
            rules[name] = rule
        dep = dict(self.depreciation)
        for name, fields in dep_ov.items():
            dep[name] = replace(dep[name], **fields) if name in dep else DepreciationClass(**fields)
        return replace(self, royalties=tuple(rules.values()), depreciation=dep, **ov)


def _tuples(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def _expiry(value: Any, name: str) -> int | None:
    if value is None or (isinstance(value, str) and value.lower() in ("indefinite", "none")):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"fiscal regime {name!r}: loss_carry_forward_years must be an integer or "
            f"'indefinite', got {value!r}"
        ) from None


@cache
def _raw() -> dict[str, dict]:
    text = resources.files("mine2magnet.economics").joinpath("data", _FILE).read_text("utf-8")
    return tomllib.loads(text)


def available_fiscal_regimes() -> list[str]:
    """Names of the shipped regimes."""
    return sorted(_raw())


def load_fiscal_regime(name: str) -> FiscalRegime:
    """Load a shipped fiscal regime.

    Raises
    ------
    ConfigError
        When the regime is unknown (the message lists the available ones).

    Examples
    --------
    >>> tr = load_fiscal_regime("turkiye")
    >>> tr.corporate_tax_pct, round(tr.royalty("state_right").effective_rate, 4)
    (25.0, 0.0375)
    """
    raw = _raw()
    if name not in raw:
        raise ConfigError(
            f"unknown fiscal regime {name!r}; use one of {available_fiscal_regimes()}"
        )
    d = dict(raw[name])
    royalties = tuple(
        RoyaltyRule(name=rn, **_tuples(rv)) for rn, rv in d.pop("royalties", {}).items()
    )
    depreciation = {k: DepreciationClass(**v) for k, v in d.pop("depreciation", {}).items()}
    sources = d.pop("sources", {})
    d["loss_carry_forward_years"] = _expiry(d.get("loss_carry_forward_years"), name)
    return FiscalRegime(
        name=name, royalties=royalties, depreciation=depreciation, sources=sources, **d
    )
