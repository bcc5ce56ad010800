"""The deterministic valuation: the annual cash-flow table and its metrics.

:func:`value_project` runs the engine once (``n = 1``) and returns a :class:`Valuation`:
the cash-flow table in the chosen money basis, revenue per product, the equity and owner
flows, and NPV at several rates, every IRR root (with a flag when there is none or
several), MIRR, payback and discounted payback — for the after-tax project flow (the
headline), the pre-tax flow and the equity flow.

Table columns (one row per period, money in US$ of the model's basis)
-------------------------------------------------------------------
``period``, ``year``, ``t_years`` (cash time from the valuation date [y]), ``production``,
``ore_t``, ``revenue_usd``, ``byproduct_revenue_usd``, ``opex_<class>_usd``, ``opex_usd``,
``royalty_<name>_usd``, ``royalty_usd``, ``ebitda_usd``, ``capex_<category>_usd``,
``capex_usd``, ``working_capital_usd`` (balance), ``working_capital_change_usd``,
``closure_usd``, ``salvage_usd``, ``pre_tax_cash_flow``, ``depreciation_usd``,
``depletion_usd``, ``taxable_income_usd``, ``loss_used_usd``, ``loss_expired_usd``,
``loss_pool_usd``, ``tax_usd``, ``minimum_tax_binding``, ``cash_flow`` (after-tax,
unlevered: the ``Valuation`` contract's ``cash_flow``), ``discount_factor``,
``discounted_cash_flow``, ``cumulative_cash_flow``, ``interest_usd``,
``debt_draws_usd``, ``debt_service_usd``, ``tax_levered_usd``, ``equity_cash_flow``,
``withholding_usd``, ``local_opex_usd``, ``government_take_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mine2magnet.economics.cashflow import CAPEX_CATEGORIES, CashFlowModel, build_model, evaluate
from mine2magnet.economics.fiscal import COST_CLASSES
from mine2magnet.economics.metrics import (
    IrrFlag,
    discounted_payback,
    irr_flag,
    irr_roots,
    mirr,
    npv,
    payback,
)

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.economics.fiscal import FiscalRegime
    from mine2magnet.economics.params import EconomicsParams
    from mine2magnet.economics.plan import ProductionPlan
    from mine2magnet.economics.prices import PriceDeck

__all__ = ["Metrics", "Valuation", "npv_profile", "value_model", "value_project"]


@dataclass(frozen=True)
class Metrics:
    """Metrics of one cash-flow series.

    Attributes
    ----------
    npv : float
        NPV at the model's discount rate [US$].
    npv_by_rate : pandas.Series
        NPV at each table rate (index: rate [%]) [US$].
    irr_roots : tuple of float
        Every real IRR above −100 % [-].
    irr_flag : {"none", "unique", "multiple"}
    mirr : float
        Modified IRR, finance and reinvestment at the discount rate [-].
    payback_years : float
        From the start of production [y]; NaN if never.
    discounted_payback_years : float
        [y]; NaN if never.
    """

    npv: float
    npv_by_rate: pd.Series
    irr_roots: tuple[float, ...]
    irr_flag: IrrFlag
    mirr: float
    payback_years: float
    discounted_payback_years: float

    @property
    def irr(self) -> float:
        """The IRR when it is unique, else NaN (see ``irr_roots`` and ``irr_flag``) [-]."""
        return self.irr_roots[0] if self.irr_flag == "unique" else float("nan")


def _metrics(model: CashFlowModel, cf: np.ndarray) -> Metrics:
    t = model.timing
    rate = model.discount_rate
    roots = irr_roots(cf, dt=t.dt)
    by_rate = pd.Series(
        np.atleast_1d(npv(model.npv_rates, cf, t.cash_times())),
        index=pd.Index(np.round(model.npv_rates * 100, 10), name="rate_pct"),
        name="npv_usd",
    )
    return Metrics(
        npv=float(npv(rate, cf, t.cash_times())),
        npv_by_rate=by_rate,
        irr_roots=tuple(float(r) for r in roots),
        irr_flag=irr_flag(roots),
        mirr=mirr(cf, rate, rate, dt=t.dt),
        payback_years=payback(cf, dt=t.dt, start=model.first_production),
        discounted_payback_years=discounted_payback(
            cf, t.discount_factors(rate), dt=t.dt, start=model.first_production
        ),
    )


@dataclass(frozen=True)
class Valuation:
    """Annual cash flows and metrics of one project case.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per period (columns in the module docstring).
    revenue_by_product : pandas.DataFrame
        Long: ``period``, ``product``, ``tonnes``, ``price_usd_kg`` (realised, after
        payability and tolls, per kg of product), ``revenue_usd``.
    owners : pandas.DataFrame
        One row per owner: ``owner``, ``share_pct``, ``carried``, ``foreign``,
        ``npv_usd`` (after withholding), ``withholding_npv_usd``, ``irr_roots``.
    after_tax, pre_tax, equity : Metrics
        Metrics of the after-tax project, pre-tax project and equity flows.
    basis : str
        ``"real"`` or ``"nominal"``.
    discount_rate : float
        In that basis [-].
    initial_capex_usd : float
        Initial capital incl. contingency, real [US$].
    notes : tuple of str
    input_hash : str
    model : CashFlowModel
        The engine's inputs (for sensitivities and Monte Carlo).
    """

    table: pd.DataFrame
    revenue_by_product: pd.DataFrame
    owners: pd.DataFrame
    after_tax: Metrics
    pre_tax: Metrics
    equity: Metrics
    basis: str
    discount_rate: float
    initial_capex_usd: float
    notes: tuple[str, ...]
    input_hash: str
    model: CashFlowModel

    # the data contract's names
    @property
    def npv(self) -> float:
        """After-tax NPV at the discount rate [US$]."""
        return self.after_tax.npv

    @property
    def irr_roots(self) -> tuple[float, ...]:
        """Every real after-tax IRR [-]."""
        return self.after_tax.irr_roots

    @property
    def irr_flag(self) -> IrrFlag:
        """``"none"``, ``"unique"`` or ``"multiple"`` (after tax)."""
        return self.after_tax.irr_flag

    @property
    def payback_years(self) -> float:
        """After-tax payback from the start of production [y]."""
        return self.after_tax.payback_years

    def summary(self) -> pd.DataFrame:
        """Key figures, one row each: ``item``, ``value``, ``unit``."""
        rows = []
        for label, m in (
            ("after tax", self.after_tax),
            ("pre-tax", self.pre_tax),
            ("equity", self.equity),
        ):
            rows += [
                (f"NPV {self.discount_rate:.1%} {label}", m.npv / 1e6, "US$ M"),
                (f"IRR {label}", ", ".join(f"{r:.1%}" for r in m.irr_roots) or "none", m.irr_flag),
                (f"MIRR {label}", m.mirr, "-"),
                (f"payback {label}", m.payback_years, "y from first production"),
                (f"discounted payback {label}", m.discounted_payback_years, "y"),
            ]
        rows.append(("initial capex", self.initial_capex_usd / 1e6, "US$ M real"))
        return pd.DataFrame(rows, columns=["item", "value", "unit"])


def value_model(model: CashFlowModel) -> Valuation:
    """Run the engine once on a prepared model and assemble the :class:`Valuation`."""
    f = {k: v[0] for k, v in evaluate(model).items()}
    t = model.timing
    T = t.n_periods
    df = model.discount_factors()
    tab = pd.DataFrame(
        {
            "period": np.arange(T),
            "year": t.calendar_year(),
            "t_years": t.cash_times(),
            "production": model.production,
            "ore_t": model.ore_t,
            "revenue_usd": f["revenue"],
            "byproduct_revenue_usd": f["byproduct_revenue"],
        }
    )
    for cls in COST_CLASSES:
        tab[f"opex_{cls}_usd"] = f[f"opex_{cls}"]
    tab["opex_usd"] = f["opex"]
    for rule in model.regime.royalties:
        tab[f"royalty_{rule.name}_usd"] = f[f"royalty_{rule.name}"]
    tab["royalty_usd"] = f["royalty"]
    tab["ebitda_usd"] = f["ebitda"]
    for cat in CAPEX_CATEGORIES:
        tab[f"capex_{cat}_usd"] = f[f"capex_{cat}"]
    for key in ("capex", "working_capital", "working_capital_change", "closure", "salvage"):
        tab[f"{key}_usd"] = f[key]
    tab["pre_tax_cash_flow"] = f["pre_tax_cash_flow"]
    for key in (
        "depreciation",
        "depletion",
        "taxable_income",
        "loss_used",
        "loss_expired",
        "loss_pool",
        "tax",
    ):
        tab[f"{key}_usd"] = f[key]
    tab["minimum_tax_binding"] = f["minimum_tax_binding"]
    tab["cash_flow"] = f["cash_flow"]
    tab["discount_factor"] = df
    tab["discounted_cash_flow"] = f["cash_flow"] * df
    tab["cumulative_cash_flow"] = np.cumsum(f["cash_flow"])
    for key in ("interest", "debt_draws", "debt_service", "tax_levered"):
        tab[f"{key}_usd"] = f[key]
    tab["equity_cash_flow"] = f["equity_cash_flow"]
    for key in ("withholding", "local_opex", "government_take"):
        tab[f"{key}_usd"] = f[key]

    rows = []
    for p, name in enumerate(model.products):
        ton = model.product_tonnes[p]
        rev = (model.product_revenue[p] + model.product_toll[p]) / model.deflator
        with np.errstate(invalid="ignore", divide="ignore"):
            price = np.where(ton > 0, rev / (ton * 1000.0), np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "period": np.arange(T),
                    "product": name,
                    "tonnes": ton,
                    "price_usd_kg": price,
                    "revenue_usd": rev,
                }
            )
        )
    by_prod = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["period", "product", "tonnes", "price_usd_kg", "revenue_usd"])
    )

    owner_rows = []
    owners = model.owners or ()
    names = [o.name for o in owners] or ["project"]
    times = t.cash_times()
    for i, name in enumerate(names):
        gross = f[f"owner_{i}"]
        w = f[f"owner_{i}_withholding"]
        o = owners[i] if owners else None
        owner_rows.append(
            {
                "owner": name,
                "share_pct": o.share_pct if o else 100.0,
                "carried": o.carried if o else "none",
                "foreign": o.foreign if o else False,
                "npv_usd": float(npv(model.discount_rate, gross - w, times)),
                "withholding_npv_usd": float(npv(model.discount_rate, w, times)),
                "irr_roots": tuple(float(r) for r in irr_roots(gross - w, dt=t.dt)),
            }
        )
    return Valuation(
        table=tab,
        revenue_by_product=by_prod,
        owners=pd.DataFrame(owner_rows),
        after_tax=_metrics(model, f["cash_flow"]),
        pre_tax=_metrics(model, f["pre_tax_cash_flow"]),
        equity=_metrics(model, f["equity_cash_flow"]),
        basis=model.basis,
        discount_rate=model.discount_rate,
        initial_capex_usd=model.initial_capex_real,
        notes=model.notes,
        input_hash=model.input_hash,
        model=model,
    )


def value_project(
    plan: ProductionPlan,
    params: EconomicsParams,
    *,
    deck: PriceDeck | None = None,
    regime: FiscalRegime | None = None,
) -> Valuation:
    """Value a production plan: cash-flow table and metrics.

    Parameters
    ----------
    plan : ProductionPlan
    params : EconomicsParams
    deck : PriceDeck, optional
        Default: the deck named in ``params`` with its overrides.
    regime : FiscalRegime, optional
        Default: the regime named in ``params`` with its overrides.

    Returns
    -------
    Valuation

    Examples
    --------
    >>> from mine2magnet.economics import ProductionPlan, economics_params
    >>> plan = ProductionPlan.from_arrays([0, 1e5, 1e5], {"conc": [0, 100.0, 100.0]})
    >>> params = economics_params({
    ...     "discount_rate_pct": 10, "fiscal": {"regime": "turkiye"},
    ...     "products": {"conc": {"pricing": "fixed", "price_usd_kg": 10.0}},
    ...     "capex": [{"name": "plant", "category": "initial", "amounts_usd": [1.5e6]}],
    ...     "working_capital": {"receivable_days": 0, "inventory_days": 0, "payable_days": 0}})
    >>> v = value_project(plan, params)
    >>> round(v.pre_tax.npv / 1e3, 1), v.irr_flag
    (155.0, 'unique')
    """
    return value_model(build_model(plan, params, deck=deck, regime=regime))


def npv_profile(
    valuation: Valuation, rates: np.ndarray, *, series: str = "cash_flow"
) -> pd.DataFrame:
    """NPV against discount rate for one table series (the NPV-vs-rate chart).

    Parameters
    ----------
    valuation : Valuation
    rates : array
        Discount rates [-].
    series : str
        A table column: ``cash_flow``, ``pre_tax_cash_flow`` or ``equity_cash_flow``.

    Returns
    -------
    pandas.DataFrame
        ``rate``, ``npv_usd``.
    """
    r = np.asarray(rates, dtype=float)
    cf = valuation.table[series].to_numpy()
    v = npv(r, cf, valuation.table["t_years"].to_numpy())
    return pd.DataFrame({"rate": r, "npv_usd": np.atleast_1d(v)})
