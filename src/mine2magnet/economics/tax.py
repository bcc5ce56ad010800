"""Tax depreciation and corporate income tax with loss carry-forward, expiry and a minimum tax.

Both work on nominal money: depreciation on the nominal cost of each capital vintage, and
the tax loop on nominal taxable income (so inflation erodes the value of deductions, as it
does in practice).

:func:`income_tax` is vectorised over draws (rows) and loops over fiscal years; losses are
kept in vintages by age so that each one is used oldest-first and expires exactly
``expiry_years`` after the year it arose — never earlier. The loop is compiled with numba
(``economics/_kernels.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mine2magnet.economics._kernels import income_tax_kernel
from mine2magnet.economics.fiscal import DepreciationClass

__all__ = ["TaxResult", "depreciation_schedule", "income_tax"]


def depreciation_schedule(
    spend: np.ndarray,
    cls: DepreciationClass,
    *,
    periods_per_year: int = 1,
    in_service: int = 0,
    writeoff: int | None = None,
    production: np.ndarray | None = None,
) -> np.ndarray:
    """Tax depreciation of a capital spending profile.

    Parameters
    ----------
    spend : numpy.ndarray
        Capital spent per period (nominal) [US$], shape (T,).
    cls : DepreciationClass
        Method and tax life.
    periods_per_year : int
        Periods per year [-] (lives are in years).
    in_service : int
        First period an asset can be depreciated (first production period): spending
        before it is depreciated from it [-].
    writeoff : int, optional
        Period in which the remaining tax value is written off (last production period);
        spending after it is deducted when spent [-].
    production : numpy.ndarray, optional
        Production (e.g. ore tonnes) per period for ``units_of_production`` [t].

    Returns
    -------
    numpy.ndarray
        Depreciation per period [US$], shape (T,); sums to ``spend.sum()``.

    Examples
    --------
    >>> from mine2magnet.economics.fiscal import DepreciationClass
    >>> sl = DepreciationClass("straight_line", 2)
    >>> depreciation_schedule(np.array([100.0, 0, 0, 0, 0]), sl, in_service=1).tolist()
    [0.0, 50.0, 50.0, 0.0, 0.0]
    """
    spend = np.asarray(spend, dtype=float)
    T = spend.size
    out = np.zeros(T)
    last = T - 1 if writeoff is None else int(writeoff)
    for v in np.flatnonzero(spend):
        amount = spend[v]
        s = max(int(v), int(in_service))
        if s > last or s >= T:  # spent after the write-off: deducted when spent
            out[min(s, T - 1)] += amount
            continue
        dep = _vintage(amount, s, last, cls, periods_per_year, production, T)
        out += dep
    return out


def _vintage(
    amount: float,
    s: int,
    last: int,
    cls: DepreciationClass,
    ppy: int,
    production: np.ndarray | None,
    T: int,
) -> np.ndarray:
    dep = np.zeros(T)
    if cls.method == "immediate":
        dep[s] = amount
        return dep
    if cls.method == "units_of_production":
        prod = np.zeros(T) if production is None else np.asarray(production, dtype=float)
        window = prod[s : last + 1]
        total = window.sum()
        if total <= 0:
            dep[s] = amount
        else:
            dep[s : last + 1] = amount * window / total
        return dep
    life = max(round(cls.years * ppy), 1)
    if cls.method == "straight_line":
        end = min(s + life, last + 1)
        dep[s:end] = amount / life
    else:  # declining balance with switch to straight line
        rate = cls.rate_multiple / life
        book = amount
        for k in range(life):
            t = s + k
            if t > last:
                break
            d = max(book * rate, book / (life - k))
            d = min(d, book)
            dep[t] = d
            book -= d
    remaining = amount - dep.sum()
    if remaining > 1e-9 * max(abs(amount), 1.0):
        dep[last] += remaining  # terminal write-off of the remaining tax value
    return dep


@dataclass(frozen=True)
class TaxResult:
    """Income tax by fiscal year, one row per draw.

    Attributes
    ----------
    tax : numpy.ndarray
        Tax payable [US$], shape (n, F).
    taxable : numpy.ndarray
        Taxable income after loss offsets [US$].
    loss_used : numpy.ndarray
        Carried losses offset in the year [US$].
    loss_expired : numpy.ndarray
        Losses that expired at the end of the year, unused [US$].
    loss_pool : numpy.ndarray
        Losses carried into the next year [US$].
    minimum_binding : numpy.ndarray
        True where the minimum tax exceeded the regular tax [-].
    """

    tax: np.ndarray
    taxable: np.ndarray
    loss_used: np.ndarray
    loss_expired: np.ndarray
    loss_pool: np.ndarray
    minimum_binding: np.ndarray


def income_tax(
    income: np.ndarray,
    *,
    rate: float,
    minimum_rate: float = 0.0,
    minimum_exempt_years: int = 0,
    expiry_years: int | None = None,
    offset_limit: float = 1.0,
    opening_losses: float = 0.0,
) -> TaxResult:
    """Corporate income tax with loss carry-forward, expiry, offset limit and a minimum tax.

    Each year: losses carried in are offset oldest-first against at most
    ``offset_limit × income``; tax is ``max(rate × (income − offset), minimum_rate ×
    income)`` for positive income (the minimum-tax base is income *before* loss offsets,
    as in Türkiye's CTL art. 32/C), 0 otherwise; a negative income becomes a new loss
    vintage; vintages reaching ``expiry_years`` unused expire. No carry-back.

    Parameters
    ----------
    income : numpy.ndarray
        Taxable income before loss offsets per fiscal year [US$], shape (F,) or (n, F).
    rate : float
        Income-tax rate [-].
    minimum_rate : float
        Minimum-tax rate on income before loss offsets [-].
    minimum_exempt_years : int
        Leading fiscal years exempt from the minimum tax [y].
    expiry_years : int or None
        Carry-forward period; None = no expiry [y].
    offset_limit : float
        Share of the year's income that losses may offset [-] (US: 0.8).
    opening_losses : float
        Losses available at the start (treated as arising the year before) [US$].

    Returns
    -------
    TaxResult
        Arrays of shape (n, F) (n = 1 for a 1-D input).

    Examples
    --------
    >>> r = income_tax(np.array([-100.0, 60.0, 60.0]), rate=0.25)
    >>> r.tax.tolist(), r.loss_used.tolist()
    ([[0.0, 0.0, 5.0]], [[0.0, 60.0, 40.0]])
    """
    inc = np.ascontiguousarray(np.atleast_2d(np.asarray(income, dtype=float)))
    if expiry_years is not None and expiry_years < 1:
        raise ValueError(f"expiry_years must be >= 1 or None, got {expiry_years}")
    tax, taxable, used, expired, pool, binding = income_tax_kernel(
        inc,
        float(rate),
        float(minimum_rate),
        int(minimum_exempt_years),
        0 if expiry_years is None else int(expiry_years),
        float(offset_limit),
        float(opening_losses),
    )
    return TaxResult(
        tax=tax,
        taxable=taxable,
        loss_used=used,
        loss_expired=expired,
        loss_pool=pool,
        minimum_binding=binding,
    )
