"""Checks of simulated realisations: histogram, variogram and ergodic fluctuations.

* :func:`histogram_reproduction` — quantiles of each realisation against the quantiles of
  the declustered data (weighted quantiles, mid-step convention of the normal-score
  table).
* :func:`variogram_reproduction` — experimental variogram of a realisation along the
  model's major, semi-major and minor axes (GSLIB ``gamv`` pairing of
  :func:`~mine2magnet.geostats.variogram.experimental_variogram`, on a seeded subsample
  of the nodes to bound the pair count) against the model.
* :func:`ergodic_fluctuations` — mean and variance of every realisation and their spread
  across realisations; on a finite domain they fluctuate around the model values
  (ergodic fluctuations; Deutsch & Journel 1998, §V.1.5), more so the larger the range
  relative to the domain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import DataError
from mine2magnet.geostats.rotation import rotation_matrix
from mine2magnet.geostats.variogram import VariogramModel, experimental_variogram

__all__ = [
    "ergodic_fluctuations",
    "histogram_reproduction",
    "variogram_reproduction",
    "weighted_quantiles",
]

DEFAULT_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def weighted_quantiles(
    values: ArrayLike, quantiles: Sequence[float], weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Quantiles of a weighted sample (mid-step cumulative probabilities, interpolated).

    Parameters
    ----------
    values : array_like
        Values; NaN are left out [grade].
    quantiles : sequence of float
        Probabilities in [0, 1] [-].
    weights : array_like, optional
        Declustering weights [-].

    Returns
    -------
    numpy.ndarray
        One value per probability [grade].
    """
    z = np.asarray(values, dtype=float).reshape(-1)
    w = np.ones(z.size) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    ok = np.isfinite(z) & np.isfinite(w)
    z, w = z[ok], w[ok]
    if z.size == 0 or w.sum() <= 0:
        raise DataError("quantiles need at least one value with a positive weight")
    o = np.argsort(z, kind="stable")
    z, w = z[o], w[o]
    p = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.asarray(quantiles, dtype=float), p, z)


def histogram_reproduction(
    realisations: ArrayLike,
    data_values: ArrayLike,
    data_weights: ArrayLike | None = None,
    *,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
) -> pd.DataFrame:
    """Quantiles of each realisation against the declustered data.

    Parameters
    ----------
    realisations : array_like
        ``(n_realisations, m)`` simulated values (or ``(m,)`` for one) [grade].
    data_values : array_like
        Conditioning data [grade].
    data_weights : array_like, optional
        Declustering weights of the data [-].
    quantiles : sequence of float
        Probabilities compared [-].

    Returns
    -------
    pandas.DataFrame
        ``realisation``, ``quantile``, ``data``, ``simulated``, ``difference``
        (simulated − data) and ``relative_difference`` (difference / data standard
        deviation) per realisation and quantile; plus rows with ``quantile`` NaN holding
        the ``mean`` in ``data``/``simulated``.
    """
    R = np.atleast_2d(np.asarray(realisations, dtype=float))
    q = np.asarray(quantiles, dtype=float)
    zq = weighted_quantiles(data_values, q, data_weights)
    z = np.asarray(data_values, dtype=float).reshape(-1)
    w = np.ones(z.size) if data_weights is None else np.asarray(data_weights, dtype=float)
    ok = np.isfinite(z) & np.isfinite(w)
    mean = float(np.sum(w[ok] * z[ok]) / np.sum(w[ok]))
    sd = float(np.sqrt(np.sum(w[ok] * (z[ok] - mean) ** 2) / np.sum(w[ok])))
    rows = []
    for r in range(R.shape[0]):
        sq = weighted_quantiles(R[r], q)
        for k in range(q.size):
            rows.append((r, q[k], zq[k], sq[k]))
        rows.append((r, np.nan, mean, float(np.nanmean(R[r]))))
    out = pd.DataFrame(rows, columns=["realisation", "quantile", "data", "simulated"])
    out["difference"] = out["simulated"] - out["data"]
    out["relative_difference"] = out["difference"] / sd if sd > 0 else np.nan
    return out


def variogram_reproduction(
    coords: ArrayLike,
    realisations: ArrayLike,
    model: VariogramModel,
    *,
    lags_m: Sequence[float],
    n_lags: int = 10,
    max_points: int = 4000,
    seed: int = 0,
    angle_tol_deg: float = 22.5,
) -> pd.DataFrame:
    """Experimental variograms of realisations along the model's axes against the model.

    Directions are the major, semi-major and minor axes of the model's first structure
    (GSLIB angles). Each realisation is subsampled to ``max_points`` nodes (seeded) to
    bound the pair count; pass a regular sub-grid as ``coords`` for axis-aligned pairs.

    Parameters
    ----------
    coords : array_like
        Node coordinates ``(m, 3)`` [m].
    realisations : array_like
        ``(n_realisations, m)`` or ``(m,)`` simulated values [grade].
    model : VariogramModel
        Model the realisations should reproduce (in the same units) [grade²].
    lags_m : sequence of float
        Lag spacing along the major, semi-major and minor axes [m].
    n_lags : int
        Lag classes per direction [-].
    max_points : int
        Nodes used per realisation [-].
    seed : int
        Seed of the subsample.
    angle_tol_deg : float
        Azimuth and dip tolerance [deg].

    Returns
    -------
    pandas.DataFrame
        ``realisation``, ``direction``, ``lag_m``, ``n_pairs``, ``gamma_simulated``,
        ``gamma_model``, ``difference`` (as a fraction of the model sill).
    """
    X = np.asarray(coords, dtype=float).reshape(-1, 3)
    R = np.atleast_2d(np.asarray(realisations, dtype=float))
    if R.shape[1] != X.shape[0]:
        raise DataError(f"realisations have {R.shape[1]} nodes for {X.shape[0]} coordinates")
    rng = np.random.default_rng(seed)
    pick = (
        np.sort(rng.choice(X.shape[0], max_points, replace=False))
        if X.shape[0] > max_points
        else np.arange(X.shape[0])
    )
    ang = model.structures[0].angles if model.structures else (0.0, 0.0, 0.0)
    Rm = rotation_matrix(*ang)
    dirs = {}
    for name, v in zip(("major", "semi_major", "minor"), Rm, strict=True):
        v = v if v[2] <= 0 else -v  # GSLIB direction: dip ≤ 0
        az = float(np.degrees(np.arctan2(v[0], v[1]))) % 360.0
        dip = float(np.degrees(np.arcsin(np.clip(v[2], -1, 1))))
        dirs[name] = (az, dip, v)
    rows = []
    for r in range(R.shape[0]):
        for (name, (az, dip, v)), lag in zip(dirs.items(), lags_m, strict=True):
            ev = experimental_variogram(
                X[pick], R[r, pick], lag=float(lag), n_lags=n_lags, azimuth=az, dip=dip,
                azimuth_tol=angle_tol_deg, dip_tol=angle_tol_deg,
            )  # fmt: skip
            h = ev.lag_m
            gm = np.where(np.isfinite(h), model.gamma(np.nan_to_num(h)[:, None] * v), np.nan)
            for k in range(1, h.size):
                rows.append((r, name, h[k], int(ev.n_pairs[k]), ev.gamma[k], gm[k]))
    out = pd.DataFrame(
        rows,
        columns=["realisation", "direction", "lag_m", "n_pairs", "gamma_simulated",
                 "gamma_model"],
    )  # fmt: skip
    out["difference"] = (out["gamma_simulated"] - out["gamma_model"]) / model.sill
    return out


def ergodic_fluctuations(realisations: ArrayLike) -> pd.DataFrame:
    """Mean and variance of every realisation and their spread across realisations.

    Parameters
    ----------
    realisations : array_like
        ``(n_realisations, m)`` simulated values [grade].

    Returns
    -------
    pandas.DataFrame
        One row per realisation (``realisation``, ``mean``, ``variance``) then rows
        ``realisation`` = ``"mean"``, ``"std"``, ``"min"``, ``"max"`` over realisations.
    """
    R = np.atleast_2d(np.asarray(realisations, dtype=float))
    per = pd.DataFrame(
        {
            "realisation": [str(i) for i in range(R.shape[0])],
            "mean": np.nanmean(R, axis=1),
            "variance": np.nanvar(R, axis=1),
        }
    )
    agg = per[["mean", "variance"]].agg(["mean", "std", "min", "max"])
    agg.insert(0, "realisation", agg.index.astype(str))
    return pd.concat([per, agg.reset_index(drop=True)], ignore_index=True)
