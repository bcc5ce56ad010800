"""Debt tranche, ownership shares, carried interests and dividend withholding.

Debt
----
One senior tranche in nominal US$: drawn per year from ``draw_year`` (evenly over the
periods of a year), interest paid each period on the opening balance (not capitalised),
an interest-only grace after the last draw, then straight-line or annuity repayment over
the tenor; an up-front fee on the first draw. Interest and fees are tax-deductible.

Owners
------
The equity cash flow (after-tax project flow plus debt draws, less debt service) is split
among the owners by share, with carried interests:

* ``free`` — the carried owner pays none of the negative equity flows (the others fund
  them pro rata) and receives its share of positive flows;
* ``repayable`` — the others fund its share of negative flows as a loan that accrues
  ``carry_interest_pct`` and is repaid from the carried owner's later distributions.

Withholding: positive distributions are dividends up to the distributable profit (the
cumulative net income not yet distributed, with tax depreciation as book depreciation);
the rest is a return of capital. Foreign owners suffer the regime's dividend withholding on
their dividends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mine2magnet.economics.params import DebtParams, OwnerParams
from mine2magnet.economics.timing import Timing

__all__ = ["DebtSchedule", "OwnerFlows", "debt_schedule", "split_to_owners"]


@dataclass(frozen=True)
class DebtSchedule:
    """Debt flows per period, nominal [US$], each of shape (T,).

    Attributes
    ----------
    draws, interest, principal, fees, balance : numpy.ndarray
        ``balance`` is the closing balance.
    """

    draws: np.ndarray
    interest: np.ndarray
    principal: np.ndarray
    fees: np.ndarray
    balance: np.ndarray


def debt_schedule(params: DebtParams, timing: Timing) -> DebtSchedule:
    """Build the tranche's schedule on a model time axis.

    Parameters
    ----------
    params : DebtParams
    timing : Timing

    Returns
    -------
    DebtSchedule

    Examples
    --------
    >>> from mine2magnet.economics.params import DebtParams
    >>> s = debt_schedule(DebtParams(amount_usd=100.0, interest_pct=10, tenor_years=2),
    ...                   Timing(4))
    >>> s.draws.tolist(), s.principal.tolist(), s.interest.round(9).tolist()
    ([100.0, 0.0, 0.0, 0.0], [0.0, 50.0, 50.0, 0.0], [0.0, 10.0, 5.0, 0.0])
    """
    T, ppy = timing.n_periods, timing.periods_per_year
    draws = np.zeros(T)
    for k, pct in enumerate(params.draw_pct):
        p0 = (params.draw_year + k) * ppy
        for q in range(ppy):
            if p0 + q < T:
                draws[p0 + q] += params.amount_usd * pct / 100.0 / ppy
    fees = np.zeros(T)
    first = int(np.flatnonzero(draws)[0]) if draws.any() else 0
    fees[first] = params.amount_usd * params.fee_pct / 100.0
    i = (1.0 + params.interest_pct / 100.0) ** timing.dt - 1.0
    repay_start = (params.draw_year + len(params.draw_pct) + params.grace_years) * ppy
    n_rep = params.tenor_years * ppy
    interest = np.zeros(T)
    principal = np.zeros(T)
    balance = np.zeros(T)
    b = 0.0
    annuity = None
    for t in range(T):
        interest[t] = b * i  # on the opening balance; a draw earns interest from next period
        b += draws[t]
        k = t - repay_start
        if 0 <= k < n_rep and b > 0:
            if params.repayment == "straight":
                pay = min(b, params.amount_usd / n_rep)
            else:
                if annuity is None:
                    opening = b - draws[t]
                    annuity = (
                        opening * i / (1.0 - (1.0 + i) ** -n_rep) if i > 0 else opening / n_rep
                    )
                pay = min(b, annuity - interest[t])
            principal[t] = pay
            b -= pay
        elif k >= n_rep and b > 0:  # anything left (rounding, late draws) at maturity
            principal[t] = b
            b = 0.0
        balance[t] = b
    return DebtSchedule(draws, interest, principal, fees, balance)


@dataclass(frozen=True)
class OwnerFlows:
    """Cash flows per owner.

    Attributes
    ----------
    names : tuple of str
    gross : numpy.ndarray
        Distributions (+) and contributions (−) before withholding [US$], (n, O, T).
    withholding : numpy.ndarray
        Dividend withholding suffered [US$], (n, O, T).
    dividends : numpy.ndarray
        Part of the distributions that is a dividend [US$], (n, O, T).
    """

    names: tuple[str, ...]
    gross: np.ndarray
    withholding: np.ndarray
    dividends: np.ndarray

    @property
    def net(self) -> np.ndarray:
        """Flows after withholding [US$], (n, O, T)."""
        return self.gross - self.withholding


def split_to_owners(
    equity: np.ndarray,
    net_income: np.ndarray,
    owners: Sequence[OwnerParams],
    *,
    withholding_rate: float,
    dt: float = 1.0,
) -> OwnerFlows:
    """Split equity cash flows among owners (module docstring).

    Parameters
    ----------
    equity : array of shape (n, T)
        Equity cash flow [US$].
    net_income : array of shape (n, T)
        Net income (book profit after tax) [US$].
    owners : sequence of OwnerParams
        Shares summing to 100 %; empty = one domestic owner.
    withholding_rate : float
        Dividend withholding on foreign owners [-].
    dt : float
        Period length [y] (carry interest).

    Returns
    -------
    OwnerFlows
    """
    equity = np.atleast_2d(equity)
    net_income = np.atleast_2d(net_income)
    n, T = equity.shape
    if not owners:
        owners = [OwnerParams(name="project", share_pct=100.0)]
    n_owners = len(owners)
    s = np.array([o.share_pct for o in owners]) / 100.0
    carried = np.array([o.carried != "none" for o in owners])
    repay = np.array([o.carried == "repayable" for o in owners])
    foreign = np.array([o.foreign for o in owners], dtype=float)
    carry_i = np.array([(1.0 + o.carry_interest_pct / 100.0) ** dt - 1.0 for o in owners])
    pay_w = np.where(carried, 0.0, s)
    pay_w = pay_w / pay_w.sum()
    gross = np.zeros((n, n_owners, T))
    wht = np.zeros((n, n_owners, T))
    div = np.zeros((n, n_owners, T))
    balance = np.zeros((n, n_owners))  # repayable carry owed by each carried owner
    pool = np.zeros(n)  # distributable profit
    for t in range(T):
        cf = equity[:, t]
        neg = cf < 0
        alloc = np.where(
            neg[:, None], cf[:, None] * (pay_w if carried.any() else s), cf[:, None] * s
        )
        if repay.any():
            owed_new = np.where(neg[:, None], -cf[:, None] * s * repay, 0.0)
            balance += owed_new
            take = np.where(neg[:, None], 0.0, np.minimum(np.maximum(alloc, 0.0), balance)) * repay
            balance -= take
            alloc = alloc - take + take.sum(axis=1, keepdims=True) * pay_w
            balance *= 1.0 + carry_i
        pool += net_income[:, t]
        dist = np.maximum(cf, 0.0)
        dividend = np.minimum(dist, np.maximum(pool, 0.0))
        pool -= dividend
        frac = np.divide(dividend, dist, out=np.zeros(n), where=dist > 0)
        gross[:, :, t] = alloc
        div[:, :, t] = np.maximum(alloc, 0.0) * frac[:, None]
        wht[:, :, t] = div[:, :, t] * foreign * withholding_rate
    return OwnerFlows(tuple(o.name for o in owners), gross, wht, div)
