"""Compiled inner loops (numba) of the tax engine and the price-path generator.

Both are sequential in time and independent across draws: numba runs them over draws in a
plain loop without temporaries, which is what makes 100,000 draws take seconds. They are
private; the public wrappers are :func:`mine2magnet.economics.tax.income_tax` and
:func:`mine2magnet.economics.montecarlo.ou_price_paths`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True, nogil=True)
def income_tax_kernel(
    income: np.ndarray,
    rate: float,
    minimum_rate: float,
    minimum_exempt_years: int,
    expiry_years: int,
    offset_limit: float,
    opening_losses: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Loss vintages per draw; ``expiry_years = 0`` means no expiry (one pool)."""
    n, F = income.shape
    nb = 1 if expiry_years == 0 else expiry_years
    tax = np.zeros((n, F))
    taxable = np.zeros((n, F))
    used = np.zeros((n, F))
    expired = np.zeros((n, F))
    pool = np.zeros((n, F))
    binding = np.zeros((n, F), dtype=np.bool_)
    b = np.zeros(nb)  # b[j]: losses that arose j + 1 years ago
    for i in range(n):
        b[:] = 0.0
        b[0] = opening_losses
        for y in range(F):
            x = income[i, y]
            pos = x if x > 0.0 else 0.0
            avail = 0.0
            for j in range(nb):
                avail += b[j]
            use = min(avail, pos * offset_limit)
            rem = use
            for j in range(nb - 1, -1, -1):  # oldest first
                take = min(b[j], rem)
                b[j] -= take
                rem -= take
            tx = pos - use
            regular = rate * tx
            minimum = minimum_rate * pos if y >= minimum_exempt_years else 0.0
            tax[i, y] = max(regular, minimum)
            binding[i, y] = minimum > regular
            newloss = -x if x < 0.0 else 0.0
            if expiry_years == 0:
                b[0] += newloss
            else:
                expired[i, y] = b[nb - 1]
                for j in range(nb - 1, 0, -1):
                    b[j] = b[j - 1]
                b[0] = newloss
            s = 0.0
            for j in range(nb):
                s += b[j]
            taxable[i, y] = tx
            used[i, y] = use
            pool[i, y] = s
    return tax, taxable, used, expired, pool, binding


@njit(cache=True, nogil=True)
def ou_kernel(
    eps: np.ndarray,
    chol: np.ndarray,
    decay: np.ndarray,
    scale: np.ndarray,
    shift: np.ndarray,
) -> np.ndarray:
    """Relative prices ``exp(x_t − shift_t)`` of correlated OU log paths, (n, K, T).

    ``eps`` (T, n, K) are independent standard normals; ``chol`` the Cholesky factor of
    the correlation; ``decay`` (T,) ``e^{−κΔ}``; ``scale`` (T, K) the step standard
    deviations; ``shift`` (T, K) half the variance (or 0).
    """
    T, n, K = eps.shape
    out = np.empty((n, K, T))
    x = np.zeros(K)
    z = np.zeros(K)
    for i in range(n):
        x[:] = 0.0
        for t in range(T):
            for k in range(K):
                acc = 0.0
                for j in range(k + 1):
                    acc += chol[k, j] * eps[t, i, j]
                z[k] = acc
            for k in range(K):
                x[k] = x[k] * decay[t] + scale[t, k] * z[k]
                out[i, k, t] = np.exp(x[k] - shift[t, k])
    return out
