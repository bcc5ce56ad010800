"""Validation of an estimate: swath tables and the global mean comparison.

Swaths cut space into slices of a given width along easting, northing or elevation
(slice edges at multiples of the width). Per slice the composites give a naive and a
declustered mean, the block model a tonnage-weighted mean of each estimate (kriged,
inverse distance, nearest neighbour). A good estimate follows the declustered data and
the nearest-neighbour estimate, smoother but without bias, in every slice with enough
data.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mine2magnet.errors import DataError

__all__ = ["AXIS_NAMES", "global_comparison", "swath_table"]

AXIS_NAMES: tuple[str, ...] = ("easting", "northing", "elevation")


def _wmean(x: np.ndarray, w: np.ndarray, key: np.ndarray, nbins: int) -> np.ndarray:
    ok = np.isfinite(x) & np.isfinite(w)
    num = np.bincount(key[ok], weights=(x * w)[ok], minlength=nbins)
    den = np.bincount(key[ok], weights=w[ok], minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def swath_table(
    sample_coords: ArrayLike,
    sample_values: ArrayLike,
    block_coords: ArrayLike,
    block_tonnes: ArrayLike,
    block_estimates: Mapping[str, ArrayLike],
    *,
    axis: int,
    width: float,
    sample_weights: ArrayLike | None = None,
) -> pd.DataFrame:
    """Slice means of composites and block estimates along one axis.

    Parameters
    ----------
    sample_coords : array_like
        Composite mid-points ``(n, 3)`` [m].
    sample_values : array_like
        Composite grades; NaN ignored [%].
    block_coords : array_like
        Block (row) centroids ``(m, 3)`` [m].
    block_tonnes : array_like
        Tonnes per row [t].
    block_estimates : mapping of str to array_like
        Estimate name (``kriged``, ``inverse_distance``, ``nearest_neighbour``) → values
        per row [%].
    axis : int
        0 easting, 1 northing, 2 elevation.
    width : float
        Slice width [m].
    sample_weights : array_like, optional
        Declustering weights [-].

    Returns
    -------
    pandas.DataFrame
        ``axis``, ``slice_from_m``, ``slice_to_m``, ``slice_centre_m``,
        ``n_composites``, ``composites_mean_pct``, ``declustered_mean_pct``,
        ``n_rows``, ``tonnes`` and ``<estimate>_mean_pct`` per estimate; only slices with
        composites or tonnes.

    Examples
    --------
    >>> xs = [[1.0, 0, 0], [3.0, 0, 0], [12.0, 0, 0]]
    >>> bs = [[5.0, 0, 0], [15.0, 0, 0]]
    >>> s = swath_table(xs, [1.0, 3.0, 5.0], bs, [10.0, 10.0], {"kriged": [2.0, 4.0]},
    ...                 axis=0, width=10.0)
    >>> s[["slice_from_m", "composites_mean_pct", "kriged_mean_pct"]].values.tolist()
    [[0.0, 2.0, 2.0], [10.0, 5.0, 4.0]]
    """
    if axis not in (0, 1, 2):
        raise DataError(f"swath axis {axis!r} is not 0, 1 or 2")
    if not width > 0:
        raise DataError(f"swath width {width!r} must be > 0 [m]")
    X = np.asarray(sample_coords, dtype=float).reshape(-1, 3)
    z = np.asarray(sample_values, dtype=float).ravel()
    B = np.asarray(block_coords, dtype=float).reshape(-1, 3)
    t = np.asarray(block_tonnes, dtype=float).ravel()
    w = np.ones(z.shape) if sample_weights is None else np.asarray(sample_weights, float).ravel()
    ok = np.isfinite(z) & np.isfinite(X[:, axis])
    X, z, w = X[ok], z[ok], w[ok]
    allc = np.concatenate([X[:, axis], B[:, axis]])
    if allc.size == 0:
        return pd.DataFrame()
    lo = np.floor(allc.min() / width) * width
    nb = int(np.floor((allc.max() - lo) / width)) + 1
    ks = np.clip(np.floor((X[:, axis] - lo) / width).astype(np.int64), 0, nb - 1)
    kb = np.clip(np.floor((B[:, axis] - lo) / width).astype(np.int64), 0, nb - 1)
    edges = lo + np.arange(nb) * width
    out = {
        "axis": AXIS_NAMES[axis],
        "slice_from_m": edges,
        "slice_to_m": edges + width,
        "slice_centre_m": edges + 0.5 * width,
        "n_composites": np.bincount(ks, minlength=nb),
        "composites_mean_pct": _wmean(z, np.ones(z.shape), ks, nb),
        "declustered_mean_pct": _wmean(z, w, ks, nb),
        "n_rows": np.bincount(kb, minlength=nb),
        "tonnes": np.bincount(kb, weights=t, minlength=nb),
    }
    for name, est in block_estimates.items():
        e = np.asarray(est, dtype=float).ravel()
        out[f"{name}_mean_pct"] = _wmean(e, np.where(np.isfinite(e), t, np.nan), kb, nb)
    df = pd.DataFrame(out)
    return df[(df["n_composites"] > 0) | (df["tonnes"] > 0)].reset_index(drop=True)


def global_comparison(
    sample_values: ArrayLike,
    block_tonnes: ArrayLike,
    block_estimates: Mapping[str, ArrayLike],
    *,
    sample_weights: ArrayLike | None = None,
) -> dict[str, float]:
    """Global means of composites (naive, declustered) and of each block estimate.

    Parameters
    ----------
    sample_values : array_like
        Composite grades; NaN ignored [%].
    block_tonnes : array_like
        Tonnes per row [t].
    block_estimates : mapping of str to array_like
        Estimate name → values per row [%].
    sample_weights : array_like, optional
        Declustering weights [-].

    Returns
    -------
    dict of str to float
        ``n_composites``, ``composites_mean_pct``, ``declustered_mean_pct``,
        ``tonnes_estimated`` and per estimate ``<name>_mean_pct`` and
        ``<name>_vs_declustered_pct`` (relative difference) [%].

    Examples
    --------
    >>> g = global_comparison([1.0, 3.0], [1.0, 1.0], {"kriged": [2.0, 2.2]})
    >>> g["declustered_mean_pct"], g["kriged_mean_pct"], round(g["kriged_vs_declustered_pct"], 6)
    (2.0, 2.1, 5.0)
    """
    z = np.asarray(sample_values, dtype=float).ravel()
    w = np.ones(z.shape) if sample_weights is None else np.asarray(sample_weights, float).ravel()
    ok = np.isfinite(z) & np.isfinite(w)
    t = np.asarray(block_tonnes, dtype=float).ravel()
    dm = float(np.average(z[ok], weights=w[ok])) if ok.any() else np.nan
    out: dict[str, float] = {
        "n_composites": float(ok.sum()),
        "composites_mean_pct": float(z[ok].mean()) if ok.any() else np.nan,
        "declustered_mean_pct": dm,
    }
    first = True
    for name, est in block_estimates.items():
        e = np.asarray(est, dtype=float).ravel()
        sel = np.isfinite(e) & np.isfinite(t)
        if first:
            out["tonnes_estimated"] = float(t[sel].sum())
            first = False
        m = float(np.average(e[sel], weights=t[sel])) if t[sel].sum() > 0 else np.nan
        out[f"{name}_mean_pct"] = m
        out[f"{name}_vs_declustered_pct"] = 100.0 * (m / dm - 1.0) if dm else np.nan
    return out
