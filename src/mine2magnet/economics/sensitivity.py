"""One-at-a-time sensitivities (tornado and spider) and break-even prices.

Every case is a scenario of the same vectorised engine
(:func:`~mine2magnet.economics.cashflow.evaluate`), all cases in one call, so a
sensitivity can never disagree with the base case.

Variables (each changed by ``step`` %, the others at base):

``price``
    every product's price (oxide baskets and fixed prices; tolling charges unchanged);
``grade``, ``recovery``
    tonnes of grade-linked products and their per-tonne-of-product costs (at a fixed ore
    throughput both act the same way: metal produced ∝ grade × recovery);
``capex``
    all capital (with its tax depreciation and a percentage salvage);
``opex``
    all operating costs;
``fx``
    the US$ value of the local currency (+20 % = local-currency costs 20 % dearer);
``discount_rate``
    the discount rate (× (1 + step)), flows unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from mine2magnet.economics.cashflow import CashFlowModel, evaluate

__all__ = ["Sensitivity", "break_even_prices", "sensitivity"]

VARIABLES: tuple[str, ...] = ("price", "grade", "recovery", "capex", "opex", "fx", "discount_rate")


@dataclass(frozen=True)
class Sensitivity:
    """Spider and tornado data.

    Attributes
    ----------
    spider : pandas.DataFrame
        ``variable``, ``change_pct``, ``npv_usd``: one row per variable and step.
    tornado : pandas.DataFrame
        ``variable``, ``npv_low_usd`` (at −range), ``npv_high_usd`` (at +range),
        ``swing_usd`` (|high − low|), sorted by swing, largest first.
    base_npv : float
        [US$].
    series : str
        ``cash_flow`` (after tax), ``pre_tax_cash_flow`` or ``equity_cash_flow``.
    range_pct : float
        The tornado's ± range [%].
    """

    spider: pd.DataFrame
    tornado: pd.DataFrame
    base_npv: float
    series: str
    range_pct: float


def sensitivity(
    model: CashFlowModel,
    *,
    variables: Sequence[str] = VARIABLES,
    steps_pct: Sequence[float] = (-20.0, -10.0, 0.0, 10.0, 20.0),
    range_pct: float = 20.0,
    series: str = "cash_flow",
) -> Sensitivity:
    """NPV sensitivities at the model's discount rate.

    Parameters
    ----------
    model : CashFlowModel
    variables : sequence of str
        Any of ``price``, ``grade``, ``recovery``, ``capex``, ``opex``, ``fx``,
        ``discount_rate``.
    steps_pct : sequence of float
        Spider steps [%].
    range_pct : float
        Tornado range ± [%].
    series : str
        Cash-flow line to discount.

    Returns
    -------
    Sensitivity
    """
    bad = set(variables) - set(VARIABLES)
    if bad:
        raise ValueError(f"unknown sensitivity variable(s) {sorted(bad)}; use {list(VARIABLES)}")
    steps = sorted(set(map(float, steps_pct)) | {-range_pct, range_pct, 0.0})
    cases = [(v, s) for v in variables for s in steps]
    n, P = len(cases), len(model.products)
    mult = np.ones((n, P))
    fac = {k: np.ones(n) for k in ("volume", "capex", "opex", "fx")}
    for i, (v, s) in enumerate(cases):
        f = 1.0 + s / 100.0
        if v == "price":
            mult[i] = f
        elif v in ("grade", "recovery"):
            fac["volume"][i] = f
        elif v in ("capex", "opex", "fx"):
            fac[v][i] = f
    flows = evaluate(model, product_mult=mult, detail=series == "equity_cash_flow", **fac)[series]
    times = model.timing.cash_times()
    base_rate = model.discount_rate
    rates = np.array(
        [base_rate * (1 + s / 100.0) if v == "discount_rate" else base_rate for v, s in cases]
    )
    npvs = (flows * (1.0 + rates[:, None]) ** (-times)).sum(axis=1)
    spider = pd.DataFrame(
        {"variable": [v for v, _ in cases], "change_pct": [s for _, s in cases], "npv_usd": npvs}
    )
    keep = spider["change_pct"].isin(list(map(float, steps_pct)))
    base = float(spider.loc[spider["change_pct"] == 0.0, "npv_usd"].iloc[0])
    rows = []
    for v in variables:
        sub = spider.loc[spider["variable"] == v].set_index("change_pct")["npv_usd"]
        lo, hi = float(sub[-range_pct]), float(sub[range_pct])
        rows.append(
            {"variable": v, "npv_low_usd": lo, "npv_high_usd": hi, "swing_usd": abs(hi - lo)}
        )
    tornado = pd.DataFrame(rows).sort_values("swing_usd", ascending=False, kind="stable")
    return Sensitivity(
        spider=spider.loc[keep].reset_index(drop=True),
        tornado=tornado.reset_index(drop=True),
        base_npv=base,
        series=series,
        range_pct=float(range_pct),
    )


def _npv_at(model: CashFlowModel, mult: np.ndarray, series: str, rate: float) -> float:
    f = evaluate(model, product_mult=mult[None, :], detail=series == "equity_cash_flow")[series][0]
    return float(f @ model.timing.discount_factors(rate))


def break_even_prices(
    model: CashFlowModel,
    *,
    series: str = "cash_flow",
    rate: float | None = None,
    products: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Price of each product (others at base) at which NPV is zero.

    The search scales one product's price path by a factor ``m`` (Brent's method on
    ``NPV(m) = 0``; NPV rises with ``m``). A last row ``all products`` scales every price
    together.

    Parameters
    ----------
    model : CashFlowModel
    series : str
        Cash-flow line (``cash_flow`` after tax, ``pre_tax_cash_flow``).
    rate : float, optional
        Discount rate [-]; default the model's.
    products : sequence of str, optional
        Default: every product with revenue.

    Returns
    -------
    pandas.DataFrame
        ``product``, ``base_price_usd_kg`` (life-of-mine realised average),
        ``break_even_price_usd_kg``, ``multiplier`` (break-even / base; 0 when NPV stays
        positive at zero price, NaN when no price up to 1000 × base breaks even).
    """
    r = model.discount_rate if rate is None else rate
    P = len(model.products)
    names = (
        list(products)
        if products is not None
        else [p for i, p in enumerate(model.products) if model.product_revenue[i].sum() > 0]
    )
    rows = []
    targets: list[tuple[str, np.ndarray]] = []
    for name in names:
        sel = np.zeros(P, dtype=bool)
        sel[model.products.index(name)] = True
        targets.append((name, sel))
    targets.append(("all products", np.ones(P, dtype=bool)))
    for name, sel in targets:

        def f(m: float, sel: np.ndarray = sel) -> float:
            return _npv_at(model, np.where(sel, m, 1.0), series, r)

        if f(0.0) >= 0:
            m = 0.0
        else:
            hi = 1.0
            while f(hi) < 0 and hi < 1000.0:
                hi *= 2.0
            m = brentq(f, 0.0, hi, xtol=1e-10) if f(hi) >= 0 else float("nan")
        ton = model.product_tonnes[sel].sum()
        rev = (model.product_revenue[sel] / model.deflator).sum()
        # a US$/kg across different products means nothing: only the multiplier for "all"
        base = rev / (ton * 1000.0) if ton > 0 and sel.sum() == 1 else float("nan")
        rows.append(
            {
                "product": name,
                "base_price_usd_kg": base,
                "break_even_price_usd_kg": base * m,
                "multiplier": m,
            }
        )
    return pd.DataFrame(rows)
