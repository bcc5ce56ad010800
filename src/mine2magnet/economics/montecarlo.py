"""Monte Carlo risk analysis: correlated mean-reverting prices, cost and volume factors.

Model
-----
*Prices.* For each price driver ``k`` (an oxide, or a fixed-price product), the log of the
price relative to the deck path, ``x_k(t)``, follows an Ornstein–Uhlenbeck process
starting at 0 on the valuation date::

    dx = −κ x dt + σ_k dW_k,      corr(dW_j, dW_k) = ρ_jk

sampled exactly at each period's cash time ``t_j`` (``Δ = t_j − t_{j−1}``)::

    x_j = x_{j−1} e^{−κΔ} + σ_k √((1 − e^{−2κΔ}) / (2κ)) · (L ε_j)_k,   ε_j ~ N(0, I)

with ``L`` the Cholesky factor of the correlation matrix (``σ √Δ`` when κ = 0: a random
walk). The relative price is ``exp(x − ½ Var x)`` when ``mean_preserving`` (the mean of each
period's price is the deck price, the median below it) or ``exp(x)`` (median = deck).

*Factors.* Capex, opex, grade, recovery and FX factors are drawn independently per draw
(fixed, triangular, uniform, normal truncated at 0, or lognormal with the given mean and
sd); grade × recovery scales grade-linked product tonnes.

*NPV.* Every draw runs through the same vectorised engine as the base case and is
discounted at the **unchanged** model discount rate (risk lives in the distribution, not
in the rate). P10/P50/P90 are the 10th, 50th and 90th percentiles of NPV (P10: 90 % of
draws are above it).

Reproducibility: draws are generated in chunks; chunk ``i`` uses
``SeedSequence(seed).spawn(n_chunks)[i]``, so a seed and a chunk size fix every draw
whatever the executor (serial, threads or Dask via :func:`mine2magnet.parallel.map_chunks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.economics._kernels import ou_kernel
from mine2magnet.economics.cashflow import CashFlowModel, evaluate
from mine2magnet.economics.params import FactorDistribution, MonteCarloParams
from mine2magnet.errors import ConfigError
from mine2magnet.parallel import map_chunks

__all__ = [
    "MonteCarloResult",
    "correlation_matrix",
    "ou_price_paths",
    "run_monte_carlo",
    "sample_factor",
]


@dataclass(frozen=True)
class MonteCarloResult:
    """NPV distribution of a Monte Carlo run.

    Attributes
    ----------
    npv : numpy.ndarray
        After-tax NPV per draw at the unchanged discount rate [US$], (n,).
    npv_pre_tax : numpy.ndarray
        Pre-tax NPV per draw [US$], (n,).
    factors : pandas.DataFrame
        Per draw: ``capex``, ``opex``, ``grade``, ``recovery``, ``fx`` factors and
        ``price_<driver>`` (mean relative price over the production periods) [-].
    discount_rate : float
        [-].
    seed : int
    chunk_size : int
    """

    npv: np.ndarray
    npv_pre_tax: np.ndarray
    factors: pd.DataFrame
    discount_rate: float
    seed: int
    chunk_size: int

    @property
    def draws(self) -> int:
        """Number of draws [-]."""
        return int(self.npv.size)

    def percentile(self, q: float, *, pre_tax: bool = False) -> float:
        """The ``q``-th percentile of NPV [US$]."""
        return float(np.percentile(self.npv_pre_tax if pre_tax else self.npv, q))

    @property
    def p10(self) -> float:
        """10th percentile of after-tax NPV [US$]."""
        return self.percentile(10)

    @property
    def p50(self) -> float:
        """Median after-tax NPV [US$]."""
        return self.percentile(50)

    @property
    def p90(self) -> float:
        """90th percentile of after-tax NPV [US$]."""
        return self.percentile(90)

    @property
    def probability_negative(self) -> float:
        """Share of draws with a negative after-tax NPV [-]."""
        return float(np.mean(self.npv < 0))

    def summary(self) -> pd.DataFrame:
        """``statistic``, ``after_tax_usd``, ``pre_tax_usd``."""
        rows = []
        for name, fn in (
            ("mean", np.mean),
            ("std", np.std),
            ("P10", lambda a: np.percentile(a, 10)),
            ("P50", lambda a: np.percentile(a, 50)),
            ("P90", lambda a: np.percentile(a, 90)),
            ("P(NPV<0)", lambda a: np.mean(a < 0)),
        ):
            rows.append(
                {
                    "statistic": name,
                    "after_tax_usd": float(fn(self.npv)),
                    "pre_tax_usd": float(fn(self.npv_pre_tax)),
                }
            )
        return pd.DataFrame(rows)

    def histogram(self, bins: int = 50) -> pd.DataFrame:
        """``bin_low_usd``, ``bin_high_usd``, ``count`` of after-tax NPV."""
        counts, edges = np.histogram(self.npv, bins=bins)
        return pd.DataFrame({"bin_low_usd": edges[:-1], "bin_high_usd": edges[1:], "count": counts})


def sample_factor(rng: np.random.Generator, dist: FactorDistribution, n: int) -> np.ndarray:
    """Draw ``n`` values of a multiplicative factor [-].

    Examples
    --------
    >>> from mine2magnet.economics.params import FactorDistribution
    >>> x = sample_factor(np.random.default_rng(0),
    ...                   FactorDistribution(dist="triangular", low=0.9, mode=1.0, high=1.3), 5)
    >>> bool(((x >= 0.9) & (x <= 1.3)).all())
    True
    """
    if dist.dist == "fixed":
        return np.full(n, dist.mode)
    if dist.dist == "triangular":
        return rng.triangular(dist.low, dist.mode, dist.high, n)
    if dist.dist == "uniform":
        return rng.uniform(dist.low, dist.high, n)
    if dist.dist == "normal":
        return np.maximum(rng.normal(dist.mean, dist.sd, n), 0.0)
    # lognormal with the given mean and sd of the factor itself
    s2 = np.log1p((dist.sd / dist.mean) ** 2)
    return rng.lognormal(np.log(dist.mean) - s2 / 2.0, np.sqrt(s2), n)


def correlation_matrix(
    drivers: tuple[str, ...], default_pct: float, pairs_pct: Mapping[str, float]
) -> np.ndarray:
    """Correlation matrix of the price drivers [-].

    Parameters
    ----------
    drivers : tuple of str
    default_pct : float
        Correlation of any pair not listed [%].
    pairs_pct : Mapping[str, float]
        ``"A|B"`` → correlation [%].

    Raises
    ------
    ConfigError
        For a pair naming an unknown driver, or a matrix that is not positive definite.
    """
    K = len(drivers)
    R = np.full((K, K), default_pct / 100.0)
    np.fill_diagonal(R, 1.0)
    for key, v in pairs_pct.items():
        parts = key.split("|")
        if len(parts) != 2 or not all(p in drivers for p in parts):
            raise ConfigError(
                f"key 'economics.montecarlo.pair_correlation_pct.{key}': write 'A|B' with "
                f"A, B among the price drivers {list(drivers)}"
            )
        i, j = drivers.index(parts[0]), drivers.index(parts[1])
        if i != j:
            R[i, j] = R[j, i] = v / 100.0
    try:
        np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        raise ConfigError(
            "key 'economics.montecarlo.pair_correlation_pct': the correlation matrix is not "
            "positive definite; lower the correlations or make them consistent"
        ) from None
    return R


def ou_price_paths(
    rng: np.random.Generator,
    n: int,
    times: np.ndarray,
    sigma: np.ndarray,
    corr: np.ndarray,
    *,
    kappa: float,
    mean_preserving: bool = True,
) -> np.ndarray:
    """Correlated Ornstein–Uhlenbeck log-price paths as relative prices [-].

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Draws [-].
    times : array of shape (T,)
        Sampling times from the valuation date [y] (negative times count as 0).
    sigma : array of shape (K,)
        Volatility per driver [1/√y].
    corr : array of shape (K, K)
        Correlation matrix [-].
    kappa : float
        Mean-reversion speed [1/y].
    mean_preserving : bool
        Subtract half the variance so the mean relative price is 1.

    Returns
    -------
    numpy.ndarray
        Relative prices, shape (n, K, T).
    """
    K, T = sigma.size, times.size
    if K == 0:
        return np.ones((n, 0, T))
    chol = np.linalg.cholesky(corr)
    t = np.maximum(np.asarray(times, dtype=float), 0.0)
    dts = np.diff(t, prepend=0.0)
    if kappa > 0:
        decay = np.exp(-kappa * dts)
        step_var = (1.0 - np.exp(-2.0 * kappa * dts)) / (2.0 * kappa)
    else:
        decay, step_var = np.ones(T), dts.copy()
    scale = np.sqrt(step_var)[:, None] * sigma[None, :]  # (T, K)
    var = np.zeros((T, K))
    v = np.zeros(K)
    for j in range(T):
        v = v * decay[j] ** 2 + scale[j] ** 2
        var[j] = v
    shift = 0.5 * var if mean_preserving else np.zeros((T, K))
    eps = rng.standard_normal((T, n, K))
    return ou_kernel(eps, chol, decay, scale, shift)


def _chunk(
    args: tuple[CashFlowModel, MonteCarloParams, int, np.random.SeedSequence],
) -> dict[str, np.ndarray]:
    model, mc, n, ss = args
    rng = np.random.default_rng(ss)
    vols = np.array(
        [
            mc.volatility_pct.get(d, mc.volatility_pct.get("default", 0.0)) / 100.0
            for d in model.drivers
        ]
    )
    corr = correlation_matrix(model.drivers, mc.correlation_pct, mc.pair_correlation_pct)
    prices = ou_price_paths(
        rng,
        n,
        model.timing.cash_times(),
        vols,
        corr,
        kappa=mc.reversion_per_year,
        mean_preserving=mc.mean_preserving,
    )
    f = {
        k: sample_factor(rng, getattr(mc, k), n)
        for k in ("capex", "opex", "grade", "recovery", "fx")
    }
    flows = evaluate(
        model,
        price_rel=prices,
        volume=f["grade"] * f["recovery"],
        capex=f["capex"],
        opex=f["opex"],
        fx=f["fx"],
        detail=False,
    )
    df = model.discount_factors()
    out = {"npv": flows["cash_flow"] @ df, "npv_pre_tax": flows["pre_tax_cash_flow"] @ df, **f}
    prod = model.production
    for k, d in enumerate(model.drivers):
        out[f"price_{d}"] = prices[:, k, prod].mean(axis=1) if prod.any() else np.ones(n)
    return out


def run_monte_carlo(
    model: CashFlowModel,
    params: MonteCarloParams,
    *,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    executor: str | Any = "serial",
) -> MonteCarloResult:
    """Draw NPVs under price, cost and volume uncertainty.

    Parameters
    ----------
    model : CashFlowModel
    params : MonteCarloParams
        ``[economics.montecarlo]``.
    draws, seed, chunk_size : int, optional
        Override ``params`` (a seed is required: here or in ``params``).
    executor : str or dask Client
        ``"serial"``, ``"threads"`` or a Dask client/address (:mod:`mine2magnet.parallel`).

    Returns
    -------
    MonteCarloResult
    """
    n = params.draws if draws is None else int(draws)
    s = params.seed if seed is None else seed
    if s is None:
        raise ConfigError("key 'economics.montecarlo.seed': give a seed (or the project's)")
    size = params.chunk_size if chunk_size is None else int(chunk_size)
    sizes = [min(size, n - i) for i in range(0, n, size)]
    seqs = np.random.SeedSequence(s).spawn(len(sizes))
    parts = map_chunks(
        _chunk, [(model, params, m, q) for m, q in zip(sizes, seqs, strict=True)], executor=executor
    )
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    factors = pd.DataFrame({k: v for k, v in cat.items() if k not in ("npv", "npv_pre_tax")})
    return MonteCarloResult(
        npv=cat["npv"],
        npv_pre_tax=cat["npv_pre_tax"],
        factors=factors,
        discount_rate=model.discount_rate,
        seed=int(s),
        chunk_size=size,
    )
