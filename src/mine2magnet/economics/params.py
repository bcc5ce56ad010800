"""Schema of the ``[economics]`` section of ``project.toml``.

:func:`economics_params` validates the raw ``Project.economics`` mapping into
:class:`EconomicsParams`; every error is a :class:`~mine2magnet.errors.ConfigError` naming
the dotted key (``economics.capex[0].contingency_pct``, ``economics.owners`` …).

Money is US$ real (money of the valuation date) unless a key says otherwise; percentages
end in ``_pct``; tonnes are metric. A complete example block is in ``docs/economics.md``
and ``tests/economics/test_params.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mine2magnet.config import validate_section

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = [
    "CapexItem",
    "ClosureParams",
    "DebtParams",
    "DepreciationOverride",
    "EconomicsParams",
    "FactorDistribution",
    "FiscalParams",
    "MagnetParams",
    "MonteCarloParams",
    "OpexClassParams",
    "OpexParams",
    "OwnerParams",
    "PricesParams",
    "ProductTerms",
    "ProductionParams",
    "RoyaltyOverride",
    "SensitivityParams",
    "TimingParams",
    "WorkingCapitalParams",
    "economics_params",
]

Pct = Annotated[float, Field(ge=0, le=100)]
NonNeg = Annotated[float, Field(ge=0)]
CostClass = Literal["mining", "processing", "refining", "g_and_a", "transport"]
EscalationKey = Literal[
    "revenue", "mining", "processing", "refining", "g_and_a", "transport", "capex", "closure"
]
SensitivityVariable = Literal["price", "grade", "recovery", "capex", "opex", "fx", "discount_rate"]


class _Strict(BaseModel):
    """Base: unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TimingParams(_Strict):
    """Time axis: first year, valuation date, period length, discounting convention."""

    start_year: Annotated[int, Field(ge=1900, le=2300)] = Field(
        default=2027, description="Calendar year in which period 0 starts (1 January)."
    )
    valuation_date: date | None = Field(
        default=None, description="Valuation date; default 1 January of start_year."
    )
    periods_per_year: Literal[1, 4] = Field(default=1, description="1 = annual, 4 = quarterly.")
    convention: Literal["end", "mid", "start"] = Field(
        default="end",
        description="Cash-flow instant within a period: end (spreadsheet NPV), mid, start.",
    )


class ProductionParams(_Strict):
    """The production plan: the simple plan of this section, or the processing stage's
    product slate at steady state (``products_from = "processing"``), until the mine
    schedule provides one."""

    products_from: Literal["params", "processing"] = Field(
        default="params",
        description="params: ore_tpa and products_tpa below; processing: the flowsheet's "
        "product slate and feed (ore_tpa and products_tpa then unused).",
    )
    preproduction_years: Annotated[int, Field(ge=0, le=20)] = Field(
        default=2, description="Construction years before first production [y]."
    )
    production_years: Annotated[int, Field(ge=1, le=200)] = Field(
        description="Operating years [y]."
    )
    ore_tpa: NonNeg | list[NonNeg] | None = Field(
        default=None,
        description="Ore processed at nameplate [t/y]; or one value per production year.",
    )
    waste_tpa: NonNeg | list[NonNeg] = Field(default=0.0, description="Waste mined [t/y].")
    ramp_up_pct: list[Pct] = Field(
        default_factory=list, description="Share of nameplate in the first production years [%]."
    )
    products_tpa: dict[str, NonNeg | list[NonNeg]] = Field(
        default_factory=dict,
        description="Product tonnes at nameplate by product name [t/y]; or per production year.",
    )

    @model_validator(mode="after")
    def _complete(self) -> ProductionParams:
        if self.products_from == "params" and (self.ore_tpa is None or not self.products_tpa):
            raise ValueError(
                "give ore_tpa and products_tpa, or products_from = 'processing' to use the "
                "flowsheet's product slate"
            )
        return self


class ProductTerms(_Strict):
    """Commercial terms of one product (``[economics.products.<name>]``)."""

    pricing: Literal["basket", "fixed", "tolling"] = Field(
        default="basket",
        description="basket: Σ payable oxide × deck price; fixed: price_usd_kg; tolling: "
        "basket value less a toll per kg REO.",
    )
    composition_pct: dict[str, Pct] = Field(
        default_factory=dict,
        description="Payable species in the product [% of product mass], e.g. "
        "{Nd2O3 = 74.6, Pr6O11 = 24.9}; default: the plan's composition.",
    )
    payability_pct: Pct = Field(
        default=100.0,
        description="Share of the contained value paid [%] (mixed concentrate ~75 % of the "
        "separated-oxide basket, Bear Lodge 2014 PFS; DOMAIN.md §5).",
    )
    price_usd_kg: NonNeg | None = Field(
        default=None, description="Fixed price [US$/kg product] (pricing = fixed)."
    )
    toll_usd_kg: NonNeg = Field(
        default=0.0,
        description="Tolling charge [US$/kg REO contained] (pricing = tolling; ~5.5-10, "
        "DOMAIN.md §5).",
    )
    grade_linked: bool = Field(
        default=True,
        description="Tonnes scale with grade × recovery in sensitivities and Monte Carlo.",
    )
    by_product: bool = Field(default=False, description="Reported as a by-product credit.")
    source: str = Field(default="", description="Where the terms come from.")

    @model_validator(mode="after")
    def _fixed_has_price(self) -> ProductTerms:
        if self.pricing == "fixed" and self.price_usd_kg is None:
            raise ValueError("pricing = 'fixed' needs price_usd_kg")
        if sum(self.composition_pct.values()) > 100.0 + 1e-6:
            raise ValueError("composition_pct sums above 100 %")
        return self


class OpexClassParams(_Strict):
    """Operating-cost drivers of one class (real US$)."""

    fixed_usd_per_year: NonNeg = Field(
        default=0.0, description="Fixed cost per production year [US$/y]."
    )
    usd_per_t_ore: NonNeg = Field(default=0.0, description="Per tonne of ore processed [US$/t].")
    usd_per_t_mined: NonNeg = Field(
        default=0.0, description="Per tonne of material mined (ore + waste) [US$/t]."
    )
    usd_per_t_product: NonNeg = Field(
        default=0.0, description="Per tonne of product [US$/t] (products below)."
    )
    products: list[str] | None = Field(
        default=None,
        description="Products the per-tonne-product rate applies to; default: every "
        "grade-linked product.",
    )
    local_share_pct: Pct = Field(
        default=0.0, description="Share paid in local currency (FX sensitivity, jobs proxy) [%]."
    )
    source: str = ""


class OpexParams(_Strict):
    """Operating costs by class."""

    mining: OpexClassParams = OpexClassParams()
    processing: OpexClassParams = OpexClassParams()
    refining: OpexClassParams = OpexClassParams()
    g_and_a: OpexClassParams = OpexClassParams()
    transport: OpexClassParams = OpexClassParams()


class CapexItem(_Strict):
    """One capital item: a spending profile or a yearly sustaining amount (real US$)."""

    name: str
    category: Literal["initial", "expansion", "sustaining"]
    amounts_usd: list[NonNeg] = Field(
        default_factory=list,
        description="Spending per year from `year` (spread evenly over quarters) [US$].",
    )
    year: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Model year (0 = start_year) of the first amount [-]."
    )
    usd_per_year: NonNeg = Field(
        default=0.0, description="Every production year from/to the years below [US$/y]."
    )
    from_production_year: Annotated[int, Field(ge=1)] = 1
    to_production_year: Annotated[int, Field(ge=1)] | None = None
    contingency_pct: Annotated[float, Field(ge=0, le=200)] = Field(
        default=0.0, description="Added to the amounts [%]."
    )
    tax_class: str = Field(default="plant", description="Depreciation class of the regime.")
    local_share_pct: Pct = 0.0
    source: str = ""

    @model_validator(mode="after")
    def _one_profile(self) -> CapexItem:
        if bool(self.amounts_usd) == (self.usd_per_year > 0):
            raise ValueError("give either amounts_usd or usd_per_year (one of them, not both)")
        return self


class WorkingCapitalParams(_Strict):
    """Working capital as days of revenue and costs, plus a fixed amount."""

    receivable_days: NonNeg = Field(default=30.0, description="Days of revenue [d].")
    inventory_days: NonNeg = Field(default=30.0, description="Days of operating cost [d].")
    payable_days: NonNeg = Field(default=30.0, description="Days of operating cost [d].")
    fixed_usd: NonNeg = Field(
        default=0.0,
        description="Fixed working capital held while producing [US$] (built in the first "
        "production period, released after the last).",
    )


class ClosureParams(_Strict):
    """Closure and rehabilitation after the last production period; salvage."""

    cost_usd: NonNeg = Field(default=0.0, description="Total closure cost [US$].")
    years: Annotated[int, Field(ge=0, le=50)] = Field(
        default=3, description="Years after the last production year it is spread over [y]."
    )
    salvage_usd: NonNeg = Field(default=0.0, description="Salvage value at closure [US$].")
    salvage_pct_of_initial: Pct = Field(
        default=0.0, description="Salvage as a share of initial capex [%]."
    )


class RoyaltyOverride(_Strict):
    """Fields of one royalty rule to override or add."""

    base: Literal["gross", "netback", "cost_share", "profit"] | None = None
    rate_pct: NonNeg | None = None
    rate_option: str | None = Field(
        default=None, description="One of the rule's rate_options_pct (e.g. 'radioactive')."
    )
    multiplier: NonNeg | None = None
    reduction_pct: Pct | None = None
    deductions: list[CostClass] | None = None
    share_classes: list[CostClass] | None = None
    share_denominator: list[CostClass] | None = None
    deductible: bool | None = None
    legal_basis: str | None = None
    source: str | None = None


class DepreciationOverride(_Strict):
    """Fields of one depreciation class to override or add."""

    method: (
        Literal["straight_line", "declining_balance", "units_of_production", "immediate"] | None
    ) = None
    years: Annotated[float, Field(gt=0)] | None = None
    rate_multiple: Annotated[float, Field(gt=0)] | None = None


class FiscalParams(_Strict):
    """The fiscal regime and project-specific overrides."""

    regime: str = Field(default="turkiye", description="A regime of fiscal_regimes.toml.")
    corporate_tax_pct: Pct | None = None
    minimum_tax_pct: Pct | None = None
    minimum_tax_exempt_years: Annotated[int, Field(ge=0)] | None = None
    loss_carry_forward_years: Annotated[int, Field(ge=1)] | Literal["indefinite"] | None = None
    loss_offset_limit_pct: Pct | None = None
    dividend_withholding_pct: Pct | None = None
    depletion_pct: Pct | None = None
    depletion_cap_pct: Pct | None = None
    royalties: dict[str, RoyaltyOverride] = Field(default_factory=dict)
    depreciation: dict[str, DepreciationOverride] = Field(default_factory=dict)

    def overrides(self) -> dict[str, Any]:
        """Non-empty fields as the mapping :meth:`FiscalRegime.with_overrides` takes."""
        out: dict[str, Any] = {
            k: v
            for k, v in self.model_dump(exclude={"regime", "royalties", "depreciation"}).items()
            if v is not None
        }
        out["royalties"] = {
            k: {f: x for f, x in v.model_dump().items() if x is not None}
            for k, v in self.royalties.items()
        }
        out["depreciation"] = {
            k: {f: x for f, x in v.model_dump().items() if x is not None}
            for k, v in self.depreciation.items()
        }
        return out


class PricesParams(_Strict):
    """Price deck and project overrides."""

    deck: str = Field(default="ex_china_spot_2026q1", description="A deck of price_decks.toml.")
    overrides_usd_kg: dict[str, NonNeg] = Field(
        default_factory=dict, description="Oxide (or added species) prices [US$/kg]."
    )
    override_source: str = Field(default="project file", description="Cited for every override.")
    schedule_usd_kg: dict[str, list[NonNeg]] = Field(
        default_factory=dict,
        description="Price path per model year from year 0; the last value is held [US$/kg].",
    )


class OwnerParams(_Strict):
    """One shareholder of the project company."""

    name: str
    share_pct: Annotated[float, Field(gt=0, le=100)]
    carried: Literal["none", "free", "repayable"] = Field(
        default="none",
        description="free: pays none of the negative equity flows; repayable: the others "
        "fund its share and recover it (with interest) from its distributions.",
    )
    carry_interest_pct: NonNeg = Field(
        default=0.0, description="Interest on a repayable carry [%/y]."
    )
    foreign: bool = Field(
        default=False, description="Dividend withholding applies to its dividends."
    )


class DebtParams(_Strict):
    """An optional senior debt tranche (nominal US$)."""

    amount_usd: Annotated[float, Field(gt=0)]
    draw_pct: list[Pct] = Field(
        default_factory=lambda: [100.0],
        description="Share drawn per year from draw_year [%]; sums to 100.",
    )
    draw_year: Annotated[int, Field(ge=0)] = 0
    interest_pct: NonNeg = Field(default=8.0, description="Nominal interest rate [%/y].")
    grace_years: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Interest-only years after the last draw [y]."
    )
    tenor_years: Annotated[int, Field(ge=1)] = Field(default=7, description="Repayment years [y].")
    repayment: Literal["straight", "annuity"] = "straight"
    fee_pct: Pct = Field(default=0.0, description="Up-front fee on the amount [%].")

    @model_validator(mode="after")
    def _draws(self) -> DebtParams:
        if abs(sum(self.draw_pct) - 100.0) > 1e-6:
            raise ValueError(f"draw_pct must sum to 100, got {sum(self.draw_pct):g}")
        return self


class FactorDistribution(_Strict):
    """Distribution of a multiplicative factor (1 = base case) [-]."""

    dist: Literal["fixed", "triangular", "uniform", "normal", "lognormal"] = "fixed"
    low: NonNeg = 1.0
    mode: NonNeg = 1.0
    high: NonNeg = 1.0
    mean: NonNeg = 1.0
    sd: NonNeg = 0.0

    @model_validator(mode="after")
    def _order(self) -> FactorDistribution:
        if self.dist in ("triangular", "uniform") and not (self.low <= self.mode <= self.high):
            raise ValueError("need low <= mode <= high")
        if self.dist in ("triangular", "uniform") and self.low == self.high:
            raise ValueError("low and high must differ (use dist = 'fixed')")
        if self.dist == "lognormal" and self.mean <= 0:
            raise ValueError("lognormal needs mean > 0")
        return self


class MonteCarloParams(_Strict):
    """Monte Carlo risk model (docs/economics.md, 'Monte Carlo')."""

    draws: Annotated[int, Field(ge=1, le=20_000_000)] = 10_000
    seed: int | None = Field(default=None, description="Default: the project seed.")
    chunk_size: Annotated[int, Field(ge=100)] = 20_000
    reversion_per_year: NonNeg = Field(
        default=0.5, description="Ornstein-Uhlenbeck mean-reversion speed of log prices [1/y]."
    )
    volatility_pct: dict[str, NonNeg] = Field(
        default_factory=lambda: {"default": 30.0},
        description="Volatility of log prices per price driver, 'default' for the rest [%/√y].",
    )
    correlation_pct: Annotated[float, Field(ge=-100, le=100)] = Field(
        default=60.0, description="Correlation between any two price drivers [%]."
    )
    pair_correlation_pct: dict[str, Annotated[float, Field(ge=-100, le=100)]] = Field(
        default_factory=dict, description="Pairs 'A|B' overriding the default correlation [%]."
    )
    mean_preserving: bool = Field(
        default=True, description="Scale price paths so their mean is the deck price."
    )
    capex: FactorDistribution = FactorDistribution()
    opex: FactorDistribution = FactorDistribution()
    grade: FactorDistribution = FactorDistribution()
    recovery: FactorDistribution = FactorDistribution()
    fx: FactorDistribution = FactorDistribution()


class SensitivityParams(_Strict):
    """One-at-a-time sensitivities (tornado and spider)."""

    range_pct: Annotated[float, Field(gt=0, lt=100)] = 20.0
    steps_pct: list[Annotated[float, Field(gt=-100, lt=1000)]] = Field(
        default_factory=lambda: [-20.0, -10.0, 0.0, 10.0, 20.0]
    )
    variables: list[SensitivityVariable] = Field(
        default_factory=lambda: [
            "price",
            "grade",
            "recovery",
            "capex",
            "opex",
            "fx",
            "discount_rate",
        ]
    )


class MagnetParams(_Strict):
    """Mine-to-magnet factors overriding ``economics/data/magnet.toml``."""

    re_content_pct: Annotated[float, Field(gt=0, le=100)] | None = None
    pr_share_max_pct: Pct | None = Field(
        default=None, description="Largest share of the magnet's Nd+Pr that may be Pr [%]."
    )
    heavy_share_pct: Pct | None = None
    yield_pct: Annotated[float, Field(gt=0, le=100)] = Field(
        default=100.0, description="Oxide-to-magnet yield (metal reduction, scrap) [%]."
    )


class EconomicsParams(_Strict):
    """The whole ``[economics]`` section."""

    basis: Literal["real", "nominal"] = Field(
        default="real", description="Money basis of the outputs."
    )
    discount_rate_pct: Annotated[float, Field(ge=0, le=100)] = 8.0
    discount_rate_basis: Literal["real", "nominal"] = Field(
        default="real", description="Basis the discount rate is stated in (Fisher-converted)."
    )
    npv_rates_pct: list[Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: [0.0, 5.0, 8.0, 10.0, 12.0],
        description="NPV table rates, in the discount rate's basis [%].",
    )
    inflation_pct: Annotated[float, Field(ge=-5, le=100)] = Field(
        default=0.0, description="General (US$ CPI) inflation [%/y]; 0 = constant money."
    )
    escalation_pct: dict[EscalationKey, Annotated[float, Field(ge=-20, le=100)]] = Field(
        default_factory=dict,
        description="Nominal escalation per class [%/y]; default inflation_pct.",
    )
    timing: TimingParams = TimingParams()
    prices: PricesParams = PricesParams()
    production: ProductionParams | None = None
    products: dict[str, ProductTerms] = Field(default_factory=dict)
    opex: OpexParams = OpexParams()
    capex: list[CapexItem] = Field(default_factory=list)
    working_capital: WorkingCapitalParams = WorkingCapitalParams()
    closure: ClosureParams = ClosureParams()
    fiscal: FiscalParams = FiscalParams()
    owners: list[OwnerParams] = Field(default_factory=list)
    debt: DebtParams | None = None
    sensitivity: SensitivityParams = SensitivityParams()
    montecarlo: MonteCarloParams = MonteCarloParams()
    magnet: MagnetParams = MagnetParams()

    @field_validator("owners")
    @classmethod
    def _shares(cls, v: list[OwnerParams]) -> list[OwnerParams]:
        if v and abs(sum(o.share_pct for o in v) - 100.0) > 1e-6:
            raise ValueError(f"owner shares must sum to 100, got {sum(o.share_pct for o in v):g}")
        if v and all(o.carried != "none" for o in v):
            raise ValueError("at least one owner must be non-carried (someone funds the project)")
        names = [o.name for o in v]
        if len(set(names)) != len(names):
            raise ValueError("owner names must be unique")
        return v

    @model_validator(mode="after")
    def _product_names(self) -> EconomicsParams:
        if self.production is not None and self.production.products_from == "params":
            unknown = set(self.products) - set(self.production.products_tpa)
            if unknown:
                raise ValueError(
                    f"products {sorted(unknown)} have terms but no tonnes in "
                    "production.products_tpa"
                )
        return self

    def escalation(self, key: str) -> float:
        """Nominal escalation rate of one class [-]."""
        return self.escalation_pct.get(key, self.inflation_pct) / 100.0  # type: ignore[call-overload]


def economics_params(
    section: Mapping[str, Any] | Project | None, *, source: str | Path | None = None
) -> EconomicsParams:
    """Validate the ``[economics]`` section.

    Parameters
    ----------
    section : Mapping or Project or None
        The raw section (``Project.economics``), a loaded Project, or None for defaults.
    source : str or Path, optional
        File named in error messages.

    Returns
    -------
    EconomicsParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``economics.owners``.

    Examples
    --------
    >>> p = economics_params({"discount_rate_pct": 10, "fiscal": {"regime": "turkiye"}})
    >>> p.discount_rate_pct, p.timing.convention
    (10.0, 'end')
    """
    return validate_section(EconomicsParams, section, "economics", source=source)
