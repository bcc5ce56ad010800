"""Investment metrics: NPV, every real IRR, MIRR, payback and discounted payback.

Conventions
-----------
* Rates are annual effective rates as fractions (0.10 = 10 %).
* :func:`npv` discounts each flow from its own time ``t`` [y]: ``Σ c_i (1 + r)^-t_i``.
  With the default times ``1, 2, …, n`` it equals a spreadsheet's ``NPV(r, c1..cn)``
  (first flow discounted one period). **numpy-financial's** ``npf.npv(r, c)`` uses times
  ``0, 1, …`` (first flow undiscounted): ``npf.npv(r, c) == npv(r, c, times=arange(n))``
  and ``== (1 + r) · npv(r, c)``.
* IRR: the flows sit on a uniform grid of step ``dt`` years, so
  ``NPV(r) = (1+r)^-t0 · Σ c_i y^i`` with ``y = (1+r)^-dt``: the IRRs are the real
  positive roots ``y`` of that polynomial (a uniform shift of all times, e.g. mid-period
  discounting, changes no root). :func:`irr_roots` returns **every** real root above
  −100 %, found two independent ways (companion-matrix eigenvalues and a sign-change scan
  with Brent's method on a numerically stable form) and polished. numpy-financial's
  ``irr`` returns only the root nearest zero: for ``[-100, 225, -123.5]`` it returns −5 %
  where the roots are −5 % and +30 %.
* MIRR (numpy-financial's definition): ``(FV of positive flows at the reinvestment rate /
  PV of negative flows at the finance rate)^(1/(n−1)) − 1`` per period, annualised.
* Payback: time from a start point until the cumulative (or discounted cumulative) cash
  flow first turns non-negative after being negative, interpolated linearly inside the
  period (flows spread evenly through it).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.optimize import brentq

__all__ = [
    "IrrFlag",
    "discounted_payback",
    "irr_flag",
    "irr_roots",
    "mirr",
    "npv",
    "payback",
]

IrrFlag = Literal["none", "unique", "multiple"]


def npv(
    rate: float | np.ndarray, cash_flows: np.ndarray, times: np.ndarray | None = None
) -> np.ndarray | float:
    """Net present value ``Σ c_i (1 + r)^-t_i``.

    Parameters
    ----------
    rate : float or array of shape (R,)
        Annual discount rate(s) [-].
    cash_flows : array of shape (..., T)
        Cash flows [US$]; leading axes are draws.
    times : array of shape (T,), optional
        Time of each flow from the valuation date [y]; default ``1, 2, …, T``
        (spreadsheet ``NPV``; see the module docstring for numpy-financial).

    Returns
    -------
    float or numpy.ndarray
        Shape ``cash_flows.shape[:-1] + rate.shape`` [US$].

    Examples
    --------
    >>> round(float(npv(0.10, np.array([-100.0, 60.0, 60.0]), np.arange(3))), 4)
    4.1322
    """
    c = np.asarray(cash_flows, dtype=float)
    t = np.arange(1, c.shape[-1] + 1, dtype=float) if times is None else np.asarray(times, float)
    r = np.asarray(rate, dtype=float)
    df = (1.0 + r[..., None]) ** (-t)  # r.shape + (T,)
    out = np.tensordot(c, df, axes=([-1], [-1])) if r.ndim else c @ df
    return float(out) if np.ndim(out) == 0 else out


def _trim(c: np.ndarray) -> np.ndarray:
    nz = np.flatnonzero(c)
    if nz.size == 0:
        return c[:0]
    return c[nz[0] : nz[-1] + 1]


def _poly_sign_value(c: np.ndarray, y: float) -> float:
    """``Σ c_i y^i`` divided by a positive scale (stable for any y > 0)."""
    if y <= 1.0:
        return float(np.polyval(c[::-1], y))
    z = 1.0 / y  # Σ c_i y^i = y^n Σ c_i z^(n-i)
    return float(np.polyval(c, z))


def irr_roots(cash_flows: np.ndarray, *, dt: float = 1.0, tol: float = 1e-9) -> np.ndarray:
    """Every real internal rate of return above −100 %.

    Parameters
    ----------
    cash_flows : array of shape (T,)
        Flows on a uniform grid of ``dt`` years [US$].
    dt : float
        Period length [y]; roots are returned as annual effective rates.
    tol : float
        Relative residual accepted for a root [-].

    Returns
    -------
    numpy.ndarray
        Sorted annual IRRs [-]; empty when there is none.

    Examples
    --------
    >>> np.round(irr_roots(np.array([-100.0, 225.0, -123.5])), 10).tolist()
    [-0.05, 0.3]
    >>> irr_roots(np.array([100.0, 50.0])).size
    0
    """
    c = _trim(np.asarray(cash_flows, dtype=float))
    if c.size < 2:
        return np.zeros(0)
    signs = np.sign(c[c != 0])
    if np.all(signs == signs[0]):
        return np.zeros(0)  # Descartes: no sign change, no positive root
    scale = np.abs(c).max()
    c = c / scale
    cand: list[float] = []
    # 1. eigenvalues of the companion matrix; coefficients below 1e-14 of the largest are
    #    noise for it (they only add roots far outside the scanned range and can overflow
    #    it, e.g. a subnormal last flow); the scan in step 2 still uses every flow
    cc = np.where(np.abs(c) < 1e-14, 0.0, c)
    for y in np.roots(np.trim_zeros(cc)[::-1]) if np.count_nonzero(cc) > 1 else ():
        if y.real > 0 and abs(y.imag) <= 1e-6 * max(1.0, abs(y)):
            cand.append(float(y.real))
    # 2. sign-change scan in y on a log grid (1e-4 ... 1e4 <=> r from ~+1e4 % to -99.99 %)
    grid = np.concatenate([np.geomspace(1e-4, 1.0, 800), np.geomspace(1.0, 1e4, 800)[1:]])
    vals = np.array([_poly_sign_value(c, y) for y in grid])
    for i in np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0):
        a, b = grid[i], grid[i + 1]
        cand.append(brentq(lambda y: _poly_sign_value(c, y), a, b, xtol=1e-15, rtol=1e-15))
    for i in np.flatnonzero(vals == 0.0):
        cand.append(float(grid[i]))
    powers = np.arange(c.size)
    roots: list[float] = []
    for y in sorted(_polish(c, y) for y in cand):
        if y <= 0:
            continue
        size = float(np.abs(c) @ (y**powers if y <= 1 else (1.0 / y) ** powers[::-1]))
        if abs(_poly_sign_value(c, y)) > tol * max(size, 1e-300):
            continue
        if roots and abs(y - roots[-1]) <= 1e-5 * max(1.0, y):  # one (multiple) root
            continue
        roots.append(y)
    r = np.power(np.asarray(roots), -1.0 / dt) - 1.0
    return np.sort(r)


def _polish(c: np.ndarray, y: float) -> float:
    """A few Newton steps on ``Σ c_i y^i``; the original if Newton wanders off."""
    p = np.polynomial.Polynomial(c)
    dp = p.deriv()
    x = y
    for _ in range(20):
        d = dp(x)
        if d == 0 or not np.isfinite(d):
            break
        step = p(x) / d
        if not np.isfinite(step):
            break
        x_new = x - step
        if x_new <= 0 or abs(x_new - y) > 0.01 * max(y, 1e-12):
            return y
        if abs(x_new - x) <= 1e-15 * max(1.0, abs(x)):
            x = x_new
            break
        x = x_new
    return x


def irr_flag(roots: np.ndarray) -> IrrFlag:
    """``"none"``, ``"unique"`` or ``"multiple"`` for a set of IRR roots."""
    n = np.size(roots)
    return "none" if n == 0 else "unique" if n == 1 else "multiple"


def mirr(
    cash_flows: np.ndarray, finance_rate: float, reinvest_rate: float, *, dt: float = 1.0
) -> float:
    """Modified IRR (numpy-financial's definition), annualised [-].

    Parameters
    ----------
    cash_flows : array of shape (T,)
        Flows on a uniform grid [US$].
    finance_rate, reinvest_rate : float
        Annual rates for negative and positive flows [-].
    dt : float
        Period length [y].

    Returns
    -------
    float
        NaN when there are no positive or no negative flows.

    Examples
    --------
    >>> round(mirr(np.array([-100.0, 60.0, 60.0]), 0.10, 0.10), 6)
    0.122497
    """
    c = np.asarray(cash_flows, dtype=float)
    n = c.size
    pos, neg = c > 0, c < 0
    if not pos.any() or not neg.any() or n < 2:
        return float("nan")
    fr = (1.0 + finance_rate) ** dt - 1.0
    rr = (1.0 + reinvest_rate) ** dt - 1.0
    k = np.arange(n)
    fv_pos = float(np.sum(c[pos] * (1.0 + rr) ** (n - 1 - k[pos])))
    pv_neg = float(-np.sum(c[neg] * (1.0 + fr) ** (-k[neg])))
    per_period = (fv_pos / pv_neg) ** (1.0 / (n - 1)) - 1.0
    return (1.0 + per_period) ** (1.0 / dt) - 1.0


def payback(cash_flows: np.ndarray, *, dt: float = 1.0, start: int = 0) -> float:
    """Payback time from the start of period ``start`` [y].

    The cumulative cash flow (from period 0) is tracked to the first period in which it
    turns from negative to non-negative; the crossing is interpolated linearly within that
    period.

    Parameters
    ----------
    cash_flows : array of shape (T,)
        Flows per period [US$].
    dt : float
        Period length [y].
    start : int
        Period from whose start payback is measured (first production period) [-].

    Returns
    -------
    float
        NaN when the cumulative flow never turns non-negative after being negative;
        0 when it is never negative.

    Examples
    --------
    >>> payback(np.array([-100.0, 40.0, 40.0, 40.0]), start=1)
    2.5
    """
    c = np.asarray(cash_flows, dtype=float)
    cum = np.cumsum(c)
    if not (cum < 0).any():
        return 0.0
    first_neg = int(np.flatnonzero(cum < 0)[0])
    for k in range(first_neg + 1, c.size):
        if cum[k] >= 0 > cum[k - 1]:
            frac = -cum[k - 1] / c[k] if c[k] != 0 else 1.0
            return float((k - start + frac) * dt)
    return float("nan")


def discounted_payback(
    cash_flows: np.ndarray, discount_factors: np.ndarray, *, dt: float = 1.0, start: int = 0
) -> float:
    """Payback of the discounted cash flows (see :func:`payback`) [y].

    Parameters
    ----------
    cash_flows : array of shape (T,)
        Flows per period [US$].
    discount_factors : array of shape (T,)
        Discount factor of each period's flow [-].
    dt : float
    start : int
    """
    return payback(np.asarray(cash_flows) * np.asarray(discount_factors), dt=dt, start=start)
