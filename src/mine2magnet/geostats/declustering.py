"""Cell declustering with a search for the cell size (GSLIB ``declus`` behaviour).

For a cell size ``c`` (x) with anisotropy ratios for y and z, the sample space is cut
into cells from an origin shifted ``n_offsets`` times by ``c / n_offsets``; each sample
gets the weight ``1 / (samples in its cell)``, weights are averaged over the origin
offsets and scaled to a mean of 1. The declustered mean ``Σ w z / Σ w`` is computed for
every candidate size; the chosen size gives the minimum (data clustered in high values,
the usual case) or the maximum declustered mean. A cell size of zero stands for equal
weights (the naive mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import ConfigError, DataError

__all__ = ["DeclusteringResult", "cell_declustering", "cell_weights"]


@dataclass(frozen=True)
class DeclusteringResult:
    """Weights at the chosen cell size and the cell-size scan.

    Attributes
    ----------
    weights : numpy.ndarray
        Declustering weight per sample, mean 1 (NaN where the value is NaN) [-].
    cell_size_m : float
        Chosen cell size along x; 0 means equal weights [m].
    declustered_mean : float
        Weighted mean at the chosen size [grade].
    naive_mean : float
        Unweighted mean [grade].
    scan : pandas.DataFrame
        ``cell_size_m`` and ``declustered_mean`` for every size tried.
    """

    weights: NDArray[np.float64]
    cell_size_m: float
    declustered_mean: float
    naive_mean: float
    scan: pd.DataFrame


def cell_weights(
    coords: ArrayLike,
    cell_size: float,
    *,
    anisotropy: tuple[float, float] = (1.0, 1.0),
    n_offsets: int = 8,
) -> NDArray[np.float64]:
    """Cell-declustering weights for one cell size.

    Parameters
    ----------
    coords : array_like
        Sample coordinates ``(n, 3)`` or ``(n, 2)`` [m].
    cell_size : float
        Cell size along x; 0 gives equal weights [m].
    anisotropy : tuple of float
        Cell size ratios y/x and z/x [-].
    n_offsets : int
        Number of origin offsets averaged [-].

    Returns
    -------
    numpy.ndarray
        Weights with mean 1 [-].

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0.1, 0.1], [0.2, 0.2], [0.3, 0.1], [5.5, 5.5]])
    >>> cell_weights(xy, 2.0, n_offsets=1).round(3).tolist()
    [0.667, 0.667, 0.667, 2.0]
    """
    X = np.asarray(coords, dtype=float)
    if X.ndim != 2 or X.shape[1] not in (2, 3):
        raise DataError(f"coordinates must be an (n, 2) or (n, 3) array, got {X.shape}")
    n = X.shape[0]
    if n == 0:
        return np.zeros(0)
    if cell_size == 0.0:
        return np.ones(n)
    if not (math.isfinite(cell_size) and cell_size > 0) or n_offsets < 1:
        raise ConfigError("cell_size must be ≥ 0 [m] and n_offsets ≥ 1")
    size = cell_size * np.r_[1.0, np.asarray(anisotropy, dtype=float)][: X.shape[1]]
    if np.any(size <= 0):
        raise ConfigError(f"cell anisotropy {anisotropy} must be positive")
    lo = X.min(axis=0)
    w = np.zeros(n)
    for k in range(n_offsets):
        origin = lo - size * (k / n_offsets)
        ijk = np.floor((X - origin) / size).astype(np.int64)
        _, inv, counts = np.unique(ijk, axis=0, return_inverse=True, return_counts=True)
        w += 1.0 / counts[inv.ravel()]
    return w / w.mean()


def cell_declustering(
    coords: ArrayLike,
    values: ArrayLike,
    *,
    cell_sizes: ArrayLike | None = None,
    n_sizes: int = 25,
    anisotropy: tuple[float, float] = (1.0, 1.0),
    n_offsets: int = 8,
    objective: Literal["minimum", "maximum"] = "minimum",
) -> DeclusteringResult:
    """Scan cell sizes and keep the one with the minimum (or maximum) declustered mean.

    Parameters
    ----------
    coords : array_like
        Sample coordinates ``(n, 3)`` or ``(n, 2)`` [m].
    values : array_like
        Sample values; NaN samples get NaN weight and do not count [grade].
    cell_sizes : array_like, optional
        Cell sizes along x to try; default ``n_sizes`` sizes from 0 to half the largest
        extent [m].
    n_sizes : int
        Number of default sizes [-].
    anisotropy : tuple of float
        Cell size ratios y/x and z/x [-].
    n_offsets : int
        Origin offsets averaged per size [-].
    objective : str
        ``"minimum"`` (preferential sampling of high values) or ``"maximum"``.

    Returns
    -------
    DeclusteringResult
        Weights at the chosen size and the scan table.
    """
    X = np.asarray(coords, dtype=float)
    z = np.asarray(values, dtype=float)
    if X.ndim != 2 or z.shape != (X.shape[0],):
        raise DataError("coordinates (n, 2|3) and values (n,) do not match")
    if objective not in ("minimum", "maximum"):
        raise ConfigError(f"objective {objective!r} is not 'minimum' or 'maximum'")
    ok = np.isfinite(z) & np.all(np.isfinite(X), axis=1)
    Xo, zo = X[ok], z[ok]
    if zo.size == 0:
        raise DataError("no finite values to decluster")
    if cell_sizes is None:
        ext = float(np.max(Xo.max(axis=0) - Xo.min(axis=0))) if zo.size > 1 else 1.0
        sizes = np.linspace(0.0, 0.5 * ext, n_sizes)
    else:
        sizes = np.asarray(cell_sizes, dtype=float).reshape(-1)
    means = []
    for s in sizes:
        w = cell_weights(Xo, float(s), anisotropy=anisotropy, n_offsets=n_offsets)
        means.append(float(np.sum(w * zo) / np.sum(w)))
    means_a = np.asarray(means)
    best = int(np.argmin(means_a) if objective == "minimum" else np.argmax(means_a))
    weights = np.full(z.shape, np.nan)
    weights[ok] = cell_weights(Xo, float(sizes[best]), anisotropy=anisotropy, n_offsets=n_offsets)
    return DeclusteringResult(
        weights=weights,
        cell_size_m=float(sizes[best]),
        declustered_mean=float(means_a[best]),
        naive_mean=float(zo.mean()),
        scan=pd.DataFrame({"cell_size_m": sizes, "declustered_mean": means_a}),
    )
