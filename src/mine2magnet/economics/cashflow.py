"""The cash-flow engine: a prepared model and one vectorised evaluation kernel.

:func:`build_model` turns a :class:`~mine2magnet.economics.plan.ProductionPlan` and the
``[economics]`` parameters into a :class:`CashFlowModel`: every deterministic input laid out
as nominal arrays on the model's time axis (revenue per price driver at base prices,
operating costs by class split into a volume-independent and a volume-linked part, capital
by category with its tax depreciation, closure, salvage, working-capital rules, royalties,
the fiscal regime, debt and owners).

:func:`evaluate` computes every cash-flow line for ``n`` scenarios at once — the
deterministic case is ``n = 1``; sensitivities, break-even searches and Monte Carlo draws
use the same kernel, so they can never disagree with the base case. A scenario is a set of
multipliers (1 = base case):

* ``price_rel`` (n, K, T): price of each driver relative to the deck;
* ``product_mult`` (n, P): price multiplier per product (break-even searches);
* ``volume`` (n,): grade × recovery factor on grade-linked product tonnes (and the
  per-tonne-of-product costs);
* ``capex``, ``opex`` (n,): cost factors;
* ``fx`` (n,): US$ value of the local currency relative to the base (1.2 = local costs
  20 % dearer in US$), applied to each cost's local share.

Order of the lines per period (nominal, then converted to the output basis)::

    revenue − opex − royalties                    = operating margin (EBITDA)
    − capex − Δ working capital − closure + salvage = pre-tax cash flow
    − income tax (unlevered)                       = after-tax cash flow  (``cash_flow``)
    + debt draws − interest − principal − fees
      − income tax difference from interest        = equity cash flow

Taxable income = revenue − opex − deductible royalties − tax depreciation − closure +
salvage − percentage depletion (− interest and fees when levered), aggregated by fiscal
year and taxed by :func:`~mine2magnet.economics.tax.income_tax`; tax is paid in the last
period of its fiscal year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mine2magnet.chemistry import REO
from mine2magnet.config import params_hash
from mine2magnet.economics.financing import DebtSchedule, debt_schedule, split_to_owners
from mine2magnet.economics.fiscal import COST_CLASSES, FiscalRegime, load_fiscal_regime
from mine2magnet.economics.params import EconomicsParams, OwnerParams, ProductTerms
from mine2magnet.economics.plan import ProductionPlan
from mine2magnet.economics.prices import PriceDeck, load_price_deck
from mine2magnet.economics.tax import depreciation_schedule, income_tax
from mine2magnet.economics.timing import Timing, escalation_index, fisher_nominal, fisher_real
from mine2magnet.errors import ConfigError

__all__ = ["CAPEX_CATEGORIES", "CashFlowModel", "build_model", "evaluate"]

#: Capital categories, in this order in the model arrays.
CAPEX_CATEGORIES: tuple[str, ...] = ("initial", "expansion", "sustaining")


@dataclass(frozen=True)
class CashFlowModel:
    """Deterministic inputs of the engine on the model time axis (nominal US$).

    Attributes
    ----------
    timing : Timing
        The full axis: the plan plus closure periods.
    basis : {"real", "nominal"}
        Basis of :func:`evaluate`'s outputs.
    deflator : numpy.ndarray
        Nominal → output basis divisor per period [-] (CPI index for real, ones otherwise).
    discount_rate : float
        Discount rate in the output basis [-].
    npv_rates : numpy.ndarray
        NPV table rates in the output basis [-].
    drivers : tuple of str
        Price drivers: oxide species, and ``product:<name>`` for fixed-price products.
    base_price_usd_kg : numpy.ndarray
        Deck price path per driver, real [US$/kg], (K, T).
    revenue_linked, revenue_fixed : numpy.ndarray
        Revenue at base prices per driver from grade-linked / other products [US$], (K, T).
    products : tuple of str
    product_driver_revenue : numpy.ndarray
        Revenue at base prices per product and driver (tolls excluded) [US$], (P, K, T).
    product_toll : numpy.ndarray
        Tolling charges per product (negative) [US$], (P, T).
    product_linked, product_byproduct : numpy.ndarray
        Flags per product, (P,).
    product_tonnes : numpy.ndarray
        Product tonnes per period at base volume [t], (P, T).
    opex_fixed, opex_volume : numpy.ndarray
        Operating cost per class, volume-independent / grade-linked part [US$], (C, T).
    opex_local_share : numpy.ndarray
        Local-currency share per class [-], (C,).
    capex, capex_local : numpy.ndarray
        Capital per category and its local-currency part [US$], (3, T).
    depreciation, depreciation_local : numpy.ndarray
        Tax depreciation of all capital and of its local part [US$], (T,).
    closure, salvage_fixed, salvage_scaled : numpy.ndarray
        [US$], (T,); ``salvage_scaled`` follows the capex factor.
    wc_days : tuple of float
        Receivable, inventory and payable days [d].
    wc_fixed : numpy.ndarray
        Fixed working capital held per period [US$], (T,).
    production : numpy.ndarray
        True in production periods, (T,).
    first_production, last_production : int
    ore_t : numpy.ndarray
        Ore processed per period [t], (T,).
    regime : FiscalRegime
    debt : DebtSchedule or None
    owners : tuple of OwnerParams
    notes : tuple of str
        Assumptions and warnings for the report (unpriced species, …).
    input_hash : str
        Hash of the plan and parameters.
    """

    timing: Timing
    basis: str
    deflator: np.ndarray
    discount_rate: float
    npv_rates: np.ndarray
    drivers: tuple[str, ...]
    base_price_usd_kg: np.ndarray
    revenue_linked: np.ndarray
    revenue_fixed: np.ndarray
    products: tuple[str, ...]
    product_driver_revenue: np.ndarray
    product_toll: np.ndarray
    product_linked: np.ndarray
    product_byproduct: np.ndarray
    product_tonnes: np.ndarray
    opex_fixed: np.ndarray
    opex_volume: np.ndarray
    opex_local_share: np.ndarray
    capex: np.ndarray
    capex_local: np.ndarray
    depreciation: np.ndarray
    depreciation_local: np.ndarray
    closure: np.ndarray
    salvage_fixed: np.ndarray
    salvage_scaled: np.ndarray
    wc_days: tuple[float, float, float]
    wc_fixed: np.ndarray
    production: np.ndarray
    first_production: int
    last_production: int
    ore_t: np.ndarray
    regime: FiscalRegime
    debt: DebtSchedule | None
    owners: tuple[OwnerParams, ...]
    notes: tuple[str, ...] = ()
    input_hash: str = ""
    initial_capex_real: float = 0.0
    plan_source: str = ""
    deck_name: str = ""

    @property
    def product_revenue(self) -> np.ndarray:
        """Revenue at base prices per product (tolls excluded) [US$], (P, T)."""
        return self.product_driver_revenue.sum(axis=1)

    @property
    def n_periods(self) -> int:
        """Periods on the model axis [-]."""
        return self.timing.n_periods

    def discount_factors(self, rate: float | np.ndarray | None = None) -> np.ndarray:
        """Discount factors at ``rate`` (default the model's rate) [-]."""
        return self.timing.discount_factors(self.discount_rate if rate is None else rate)


def _pad(a: np.ndarray, T: int) -> np.ndarray:
    out = np.zeros(T)
    out[: a.size] = a
    return out


def _terms(name: str, params: EconomicsParams) -> ProductTerms:
    return params.products.get(name, ProductTerms())


def build_model(
    plan: ProductionPlan,
    params: EconomicsParams,
    *,
    deck: PriceDeck | None = None,
    regime: FiscalRegime | None = None,
) -> CashFlowModel:
    """Lay out a plan and the ``[economics]`` parameters on the model's time axis.

    Parameters
    ----------
    plan : ProductionPlan
        Physical plan per period.
    params : EconomicsParams
        Validated ``[economics]`` section.
    deck : PriceDeck, optional
        Default: ``params.prices.deck`` with its overrides.
    regime : FiscalRegime, optional
        Default: ``params.fiscal.regime`` with its overrides.

    Returns
    -------
    CashFlowModel

    Raises
    ------
    ConfigError
        Naming the key when a product has no price, a capex item names an unknown
        depreciation class, or the plan's period length differs from ``economics.timing``.
    """
    ppy = params.timing.periods_per_year
    if plan.periods_per_year != ppy:
        raise ConfigError(
            f"key 'economics.timing.periods_per_year': {ppy} but the production plan has "
            f"{plan.periods_per_year} periods per year; make them equal"
        )
    notes: list[str] = []
    first, last = plan.first_production, plan.last_production
    closure_periods = params.closure.years * ppy
    T = max(plan.n_periods, last + 1 + max(closure_periods, 1))
    timing = Timing.from_dates(
        T,
        params.timing.start_year,
        params.timing.valuation_date,
        periods_per_year=ppy,
        convention=params.timing.convention,
    )
    idx = {
        k: escalation_index(timing, params.escalation(k))
        for k in ("revenue", *COST_CLASSES, "capex", "closure")
    }
    cpi = escalation_index(timing, params.inflation_pct / 100.0)
    deflator = cpi if params.basis == "real" else np.ones(T)
    infl = params.inflation_pct / 100.0
    r_in = params.discount_rate_pct / 100.0
    rates_in = np.asarray(params.npv_rates_pct, dtype=float) / 100.0
    if params.basis == params.discount_rate_basis:
        disc, rates = r_in, rates_in
    elif params.basis == "nominal":
        disc, rates = fisher_nominal(r_in, infl), (1 + rates_in) * (1 + infl) - 1
    else:
        disc, rates = fisher_real(r_in, infl), (1 + rates_in) / (1 + infl) - 1

    ore = _pad(plan.ore_t(), T)
    mined = _pad(plan.mined_t(), T)
    prod_mask = _pad(plan.production_mask().astype(float), T) > 0
    names = plan.product_names
    tonnes = np.zeros((len(names), T))
    if names:
        tonnes[:, : plan.n_periods] = plan.product_tonnes(names)

    # -- prices and revenue -----------------------------------------------------------
    if deck is None:
        deck = load_price_deck(params.prices.deck)
        if params.prices.overrides_usd_kg:
            deck = deck.with_overrides(
                params.prices.overrides_usd_kg, source=params.prices.override_source
            )
    drivers: list[str] = []
    paths: list[np.ndarray] = []

    def driver(key: str, price: float, schedule: list[float] | None) -> int:
        if key in drivers:
            return drivers.index(key)
        if schedule:
            yearly = np.asarray(schedule, dtype=float)
            years = timing.fiscal_year_index()
            path = yearly[np.minimum(years, yearly.size - 1)]
        else:
            path = np.full(T, price)
        drivers.append(key)
        paths.append(path)
        return len(drivers) - 1

    for name in sorted(set(params.products) - set(names)):
        notes.append(f"economics.products.{name}: no such product in the plan; terms unused")
    weights: list[dict[int, float]] = []  # per product: driver -> payable kg per t product
    toll_per_t = np.zeros(len(names))
    linked = np.zeros(len(names), dtype=bool)
    byprod = np.zeros(len(names), dtype=bool)
    for p, name in enumerate(names):
        terms = _terms(name, params)
        linked[p] = terms.grade_linked
        byprod[p] = terms.by_product
        pay = terms.payability_pct / 100.0
        if terms.pricing == "fixed":
            k = driver(f"product:{name}", float(terms.price_usd_kg or 0.0), None)
            weights.append({k: 1000.0 * pay})
            continue
        comp = (
            {sp: v / 100.0 for sp, v in terms.composition_pct.items()}
            if terms.composition_pct
            else plan.composition_of(name)
        )
        if not comp:
            raise ConfigError(
                f"key 'economics.products.{name}': product {name!r} has no price: give "
                "pricing = 'fixed' with price_usd_kg, or composition_pct for a basket"
            )
        w: dict[int, float] = {}
        for sp, frac in comp.items():
            if sp not in deck.oxides and sp not in params.prices.schedule_usd_kg:
                notes.append(f"{sp} in {name!r} has no price in deck {deck.name!r}: valued at zero")
            k = driver(sp, deck.price(sp), params.prices.schedule_usd_kg.get(sp))
            w[k] = w.get(k, 0.0) + 1000.0 * pay * frac
        weights.append(w)
        if terms.pricing == "tolling":
            reo = sum(f for sp, f in comp.items() if sp in REO)
            toll_per_t[p] = 1000.0 * terms.toll_usd_kg * reo
    K = len(drivers)
    base = np.array(paths) if K else np.zeros((0, T))
    W = np.zeros((len(names), K))
    for p, w in enumerate(weights):
        for k, v in w.items():
            W[p, k] = v
    # revenue at base prices per product and per driver, nominal
    drv_rev = tonnes[:, None, :] * W[:, :, None] * base[None, :, :] * idx["revenue"]
    rev_linked = drv_rev[linked].sum(axis=0) if linked.any() else np.zeros((K, T))
    rev_fixed = drv_rev[~linked].sum(axis=0) if (~linked).any() else np.zeros((K, T))
    prod_toll = -tonnes * toll_per_t[:, None] * idx["revenue"]

    # -- operating costs ---------------------------------------------------------------
    C = len(COST_CLASSES)
    op_fixed = np.zeros((C, T))
    op_vol = np.zeros((C, T))
    op_local = np.zeros(C)
    for c, cls in enumerate(COST_CLASSES):
        o = getattr(params.opex, cls)
        a = (
            o.fixed_usd_per_year / ppy * prod_mask
            + o.usd_per_t_ore * ore
            + o.usd_per_t_mined * mined
            + _pad(plan.explicit_opex(cls), T)
        )
        targets = (
            o.products
            if o.products is not None
            else [n for n, f in zip(names, linked, strict=True) if f]
        )
        unknown = set(targets) - set(names)
        if unknown:
            raise ConfigError(
                f"key 'economics.opex.{cls}.products': unknown product(s) {sorted(unknown)}; "
                f"the plan has {list(names)}"
            )
        b = np.zeros(T)
        for n_ in targets:
            p = names.index(n_)
            if linked[p]:
                b += o.usd_per_t_product * tonnes[p]
            else:
                a = a + o.usd_per_t_product * tonnes[p]
        op_fixed[c] = a * idx[cls]
        op_vol[c] = b * idx[cls]
        op_local[c] = o.local_share_pct / 100.0

    # -- capital, depreciation, closure, salvage ----------------------------------------
    if regime is None:
        regime = load_fiscal_regime(params.fiscal.regime).with_overrides(params.fiscal.overrides())
    capex = np.zeros((3, T))
    capex_local = np.zeros((3, T))
    dep = np.zeros(T)
    dep_local = np.zeros(T)
    initial_real = 0.0
    for i, item in enumerate(params.capex):
        key = f"economics.capex[{i}]"
        real = np.zeros(T)
        if item.amounts_usd:
            for k, amt in enumerate(item.amounts_usd):
                p0 = (item.year + k) * ppy
                if p0 >= T:
                    raise ConfigError(
                        f"key '{key}.amounts_usd': year {item.year + k} is beyond the model's "
                        f"{T // ppy} years; shorten the list or change 'year'"
                    )
                real[p0 : p0 + ppy] += amt / ppy
        else:
            n_prod_years = (last - first) // ppy + 1
            to = item.to_production_year or n_prod_years
            for y in range(item.from_production_year, min(to, n_prod_years) + 1):
                p0 = first + (y - 1) * ppy
                real[p0 : p0 + ppy] += item.usd_per_year / ppy
        real *= 1.0 + item.contingency_pct / 100.0
        if item.category == "initial":
            initial_real += float(real.sum())
        nominal = real * idx["capex"]
        cat = CAPEX_CATEGORIES.index(item.category)
        capex[cat] += nominal
        capex_local[cat] += nominal * item.local_share_pct / 100.0
        if item.tax_class not in regime.depreciation:
            raise ConfigError(
                f"key '{key}.tax_class': {item.tax_class!r} is not a depreciation class of "
                f"regime {regime.name!r}; use one of {sorted(regime.depreciation)} or add it "
                "under economics.fiscal.depreciation"
            )
        d = depreciation_schedule(
            nominal,
            regime.depreciation[item.tax_class],
            periods_per_year=ppy,
            in_service=first,
            writeoff=last,
            production=ore,
        )
        dep += d
        dep_local += d * item.local_share_pct / 100.0
    closure = np.zeros(T)
    if params.closure.cost_usd > 0:
        n_c = max(closure_periods, 1)
        closure[last + 1 : last + 1 + n_c] = params.closure.cost_usd / n_c
        closure *= idx["closure"]
    salvage_fixed = np.zeros(T)
    salvage_scaled = np.zeros(T)
    salvage_fixed[last + 1] = params.closure.salvage_usd * idx["capex"][last + 1]
    salvage_scaled[last + 1] = (
        params.closure.salvage_pct_of_initial / 100.0 * initial_real * idx["capex"][last + 1]
    )

    wc = params.working_capital
    wc_fixed = wc.fixed_usd * cpi * prod_mask
    debt = debt_schedule(params.debt, timing) if params.debt is not None else None
    h = params_hash(
        {
            "params": params.model_dump(mode="json"),
            "plan": [
                plan.periods.to_dict(orient="list"),
                plan.products.to_dict(orient="list"),
                plan.composition.to_dict(orient="list"),
            ],
            "deck": {k: v.usd_kg for k, v in deck.oxides.items()},
            "regime": repr(regime),
        }
    )
    return CashFlowModel(
        timing=timing,
        basis=params.basis,
        deflator=deflator,
        discount_rate=float(disc),
        npv_rates=np.asarray(rates, dtype=float),
        drivers=tuple(drivers),
        base_price_usd_kg=base,
        revenue_linked=rev_linked,
        revenue_fixed=rev_fixed,
        products=tuple(names),
        product_driver_revenue=drv_rev,
        product_toll=prod_toll,
        product_linked=linked,
        product_byproduct=byprod,
        product_tonnes=tonnes,
        opex_fixed=op_fixed,
        opex_volume=op_vol,
        opex_local_share=op_local,
        capex=capex,
        capex_local=capex_local,
        depreciation=dep,
        depreciation_local=dep_local,
        closure=closure,
        salvage_fixed=salvage_fixed,
        salvage_scaled=salvage_scaled,
        wc_days=(wc.receivable_days, wc.inventory_days, wc.payable_days),
        wc_fixed=wc_fixed,
        production=prod_mask,
        first_production=first,
        last_production=last,
        ore_t=ore,
        regime=regime,
        debt=debt,
        owners=tuple(params.owners),
        notes=tuple(dict.fromkeys(notes)),
        input_hash=h,
        initial_capex_real=initial_real,
        plan_source=plan.source,
        deck_name=deck.name,
    )


def _col(x: np.ndarray | float | None, n: int) -> np.ndarray:
    """A per-draw factor as a column (n, 1)."""
    if x is None:
        return np.ones((n, 1))
    a = np.asarray(x, dtype=float).reshape(-1, 1)
    return np.broadcast_to(a, (n, 1)) if a.shape[0] == 1 else a


def _n_draws(*xs: Any) -> int:
    n = 1
    for x in xs:
        if x is None:
            continue
        a = np.asarray(x)
        m = a.shape[0] if a.ndim else 1
        if m != 1:
            if n not in (1, m):
                raise ValueError(f"inconsistent numbers of draws: {n} and {m}")
            n = m
    return n


def evaluate(
    model: CashFlowModel,
    *,
    price_rel: np.ndarray | None = None,
    product_mult: np.ndarray | None = None,
    volume: np.ndarray | float | None = None,
    capex: np.ndarray | float | None = None,
    opex: np.ndarray | float | None = None,
    fx: np.ndarray | float | None = None,
    detail: bool = True,
) -> dict[str, np.ndarray]:
    """Every cash-flow line for ``n`` scenarios (see the module docstring).

    Parameters
    ----------
    model : CashFlowModel
    price_rel : array of shape (n, K, T), optional
        Price of each driver relative to the base path [-].
    product_mult : array of shape (n, P), optional
        Price multiplier per product [-] (not combinable with ``price_rel``).
    volume, capex, opex, fx : float or array of shape (n,), optional
        Scenario factors [-].
    detail : bool
        Every line (True), or only ``cash_flow`` and ``pre_tax_cash_flow`` (False: the
        Monte Carlo path).

    Returns
    -------
    dict of str to numpy.ndarray
        Lines of shape (n, T) in the model's output basis [US$]: ``revenue``,
        ``byproduct_revenue``, ``opex`` and ``opex_<class>``, ``local_opex``,
        ``royalty`` and ``royalty_<name>``, ``ebitda``, ``capex`` and
        ``capex_<category>``, ``working_capital``, ``working_capital_change``,
        ``closure``, ``salvage``, ``pre_tax_cash_flow``, ``depreciation``, ``depletion``,
        ``taxable_income``, ``loss_used``, ``loss_expired``, ``loss_pool``, ``tax``,
        ``minimum_tax_binding`` (bool), ``cash_flow``, ``interest``, ``debt_draws``,
        ``debt_service``, ``tax_levered``, ``equity_cash_flow``, ``withholding``,
        ``government_take``, and per owner ``owner_<i>`` (distributions before
        withholding) and ``owner_<i>_withholding``.
    """
    if price_rel is not None and product_mult is not None:
        raise ValueError("give price_rel or product_mult, not both")
    n = _n_draws(price_rel, product_mult, volume, capex, opex, fx)
    T = model.n_periods
    g = _col(volume, n)
    kc = _col(capex, n)
    ko = _col(opex, n)
    fxc = _col(fx, n)

    # revenue
    if product_mult is not None:
        m = np.broadcast_to(
            np.asarray(product_mult, dtype=float).reshape(-1, len(model.products)),
            (n, len(model.products)),
        )
        lin = model.product_linked.astype(float)
        rev_lin = m @ (model.product_revenue * lin[:, None])
        rev_unl = m @ (model.product_revenue * (1 - lin)[:, None])
        revenue = g * rev_lin + rev_unl
    elif price_rel is not None:
        pr = np.asarray(price_rel, dtype=float)
        revenue = g * np.einsum("kt,nkt->nt", model.revenue_linked, pr) + np.einsum(
            "kt,nkt->nt", model.revenue_fixed, pr
        )
    else:
        revenue = g * model.revenue_linked.sum(axis=0) + model.revenue_fixed.sum(axis=0)
        revenue = np.broadcast_to(revenue, (n, T)).copy()
    lin = model.product_linked
    toll = model.product_toll
    revenue = revenue + g * toll[lin].sum(axis=0) + toll[~lin].sum(axis=0)

    # operating costs: sums over class subsets, (n, T) each (never (n, C, T))
    cls_index = {c: i for i, c in enumerate(COST_CLASSES)}
    fx1 = fxc - 1.0

    def opex_of(classes: tuple[str, ...] | list[str]) -> np.ndarray:
        ix = [cls_index[c] for c in classes]
        A, B = model.opex_fixed[ix], model.opex_volume[ix]
        lam = model.opex_local_share[ix][:, None]
        return ko * ((A.sum(0) + g * B.sum(0)) + fx1 * ((lam * A).sum(0) + g * (lam * B).sum(0)))

    opex_tot = opex_of(COST_CLASSES)

    # royalties, in the regime's order
    out: dict[str, np.ndarray] = {}
    royalty = np.zeros((n, T))
    royalty_deductible = np.zeros((n, T))
    for rule in model.regime.royalties:
        if rule.base == "gross":
            base = revenue
        elif rule.base == "netback":
            base = np.maximum(revenue - opex_of(rule.deductions), 0.0)
        elif rule.base == "cost_share":
            num = opex_of(rule.share_classes)
            den = opex_of(rule.share_denominator)
            base = revenue * np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        else:  # profit
            base = np.maximum(revenue - opex_tot - royalty, 0.0)
        r = rule.effective_rate * base
        out[f"royalty_{rule.name}"] = r
        royalty = royalty + r
        if rule.deductible:
            royalty_deductible = royalty_deductible + r
    ebitda = revenue - opex_tot - royalty

    # capital
    cap = kc * (model.capex.sum(0) + fx1 * model.capex_local.sum(0))
    dep = kc * (model.depreciation + fx1 * model.depreciation_local)
    salvage = model.salvage_fixed + kc * model.salvage_scaled
    closure = model.closure

    # working capital
    rec, inv, pay = model.wc_days
    ppy = model.timing.periods_per_year
    wc = (rec * revenue + (inv - pay) * opex_tot) * (
        ppy / 365.0
    ) * model.production + model.wc_fixed
    wc_change = np.diff(wc, axis=1, prepend=0.0)

    pre_tax = ebitda - cap - wc_change - closure + salvage

    # income tax (unlevered)
    reg = model.regime
    before_depl = revenue - opex_tot - royalty_deductible - dep - closure + salvage
    if reg.depletion_pct > 0:
        depletion = np.minimum(
            reg.depletion_pct / 100.0 * revenue,
            reg.depletion_cap_pct / 100.0 * np.maximum(before_depl, 0.0),
        )
        taxable_pre = before_depl - depletion
    else:
        depletion = np.zeros((n, T))
        taxable_pre = before_depl
    tx = _tax(model, taxable_pre)
    cash_flow = pre_tax - tx["tax"]

    d = model.deflator
    if not detail:
        return {"cash_flow": cash_flow / d, "pre_tax_cash_flow": pre_tax / d}
    out.update(
        revenue=revenue / d,
        opex=opex_tot / d,
        royalty=royalty / d,
        ebitda=ebitda / d,
        capex=cap / d,
        working_capital=wc / d,
        working_capital_change=wc_change / d,
        closure=np.broadcast_to(closure, (n, T)) / d,
        salvage=salvage / d,
        pre_tax_cash_flow=pre_tax / d,
        depreciation=dep / d,
        depletion=depletion / d,
        taxable_income=tx["taxable"] / d,
        loss_used=tx["loss_used"] / d,
        loss_expired=tx["loss_expired"] / d,
        loss_pool=tx["loss_pool"] / d,
        tax=tx["tax"] / d,
        minimum_tax_binding=tx["minimum_binding"],
        cash_flow=cash_flow / d,
    )
    for rule in model.regime.royalties:
        out[f"royalty_{rule.name}"] = out[f"royalty_{rule.name}"] / d
    for cls in COST_CLASSES:
        out[f"opex_{cls}"] = opex_of((cls,)) / d
    for i, cat in enumerate(CAPEX_CATEGORIES):
        out[f"capex_{cat}"] = kc * (model.capex[i] + fx1 * model.capex_local[i]) / d
    out["byproduct_revenue"] = (
        _product_revenue(model, price_rel, product_mult, g, model.product_byproduct) / d
    )
    ix = np.arange(len(COST_CLASSES))
    A = model.opex_fixed[ix] * model.opex_local_share[:, None]
    B = model.opex_volume[ix] * model.opex_local_share[:, None]
    out["local_opex"] = ko * (1.0 + fx1) * (A.sum(0) + g * B.sum(0)) / d

    # debt and equity
    if model.debt is not None:
        db = model.debt
        interest = db.interest + db.fees
        tl = _tax(model, taxable_pre - interest)
        tax_lev = tl["tax"]
        equity = pre_tax - tax_lev + db.draws - db.interest - db.principal - db.fees
        draws, service = db.draws, db.interest + db.principal + db.fees
    else:
        interest = np.zeros(T)
        tax_lev = tx["tax"]
        equity = cash_flow
        draws, service = np.zeros(T), np.zeros(T)
    net_income = revenue - opex_tot - royalty - dep - closure + salvage - interest - tax_lev
    owners = split_to_owners(
        equity,
        net_income,
        model.owners,
        withholding_rate=model.regime.dividend_withholding_pct / 100.0,
        dt=model.timing.dt,
    )
    wht = owners.withholding.sum(axis=1)
    out.update(
        interest=np.broadcast_to(interest, (n, T)) / d,
        debt_draws=np.broadcast_to(draws, (n, T)) / d,
        debt_service=np.broadcast_to(service, (n, T)) / d,
        tax_levered=tax_lev / d,
        equity_cash_flow=equity / d,
        withholding=wht / d,
        government_take=(royalty + tax_lev + wht) / d,
    )
    for i in range(len(owners.names)):
        out[f"owner_{i}"] = owners.gross[:, i, :] / d
        out[f"owner_{i}_withholding"] = owners.withholding[:, i, :] / d
    return out


def _product_revenue(
    model: CashFlowModel,
    price_rel: np.ndarray | None,
    product_mult: np.ndarray | None,
    g: np.ndarray,
    mask: np.ndarray,
) -> np.ndarray:
    """Revenue (tolls included) of the products in ``mask``, shape (n, T) [US$ nominal]."""
    n = g.shape[0]
    T = model.n_periods
    out = np.zeros((n, T))
    for p in np.flatnonzero(mask):
        if price_rel is not None:
            r = np.einsum("kt,nkt->nt", model.product_driver_revenue[p], price_rel)
        elif product_mult is not None:
            r = (
                np.asarray(product_mult, dtype=float).reshape(-1, len(model.products))[:, p : p + 1]
                * model.product_revenue[p]
            )
        else:
            r = np.broadcast_to(model.product_revenue[p], (n, T))
        r = r + model.product_toll[p]
        out += g * r if model.product_linked[p] else r
    return out


def _tax(model: CashFlowModel, taxable: np.ndarray) -> dict[str, np.ndarray]:
    """Per-period view of the fiscal-year income tax (paid in each year's last period)."""
    reg = model.regime
    fy = model.timing.fiscal_year_index()
    starts = np.flatnonzero(np.r_[True, fy[1:] != fy[:-1]])
    ends = np.r_[starts[1:] - 1, fy.size - 1]
    annual = starts.size == fy.size
    yearly = taxable if annual else np.add.reduceat(taxable, starts, axis=1)
    res = income_tax(
        yearly,
        rate=reg.corporate_tax_pct / 100.0,
        minimum_rate=reg.minimum_tax_pct / 100.0,
        minimum_exempt_years=reg.minimum_tax_exempt_years,
        expiry_years=reg.loss_carry_forward_years,
        offset_limit=reg.loss_offset_limit_pct / 100.0,
    )
    n, T = taxable.shape
    if annual:
        return {
            "tax": res.tax,
            "taxable": res.taxable,
            "loss_used": res.loss_used,
            "loss_expired": res.loss_expired,
            "loss_pool": res.loss_pool,
            "minimum_binding": res.minimum_binding,
        }
    out: dict[str, np.ndarray] = {}
    for key, arr in (
        ("tax", res.tax),
        ("taxable", res.taxable),
        ("loss_used", res.loss_used),
        ("loss_expired", res.loss_expired),
        ("loss_pool", res.loss_pool),
    ):
        full = np.zeros((n, T))
        full[:, ends] = arr
        out[key] = full
    mb = np.zeros((n, T), dtype=bool)
    mb[:, ends] = res.minimum_binding
    out["minimum_binding"] = mb
    return out
