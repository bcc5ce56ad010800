"""Per-domain statistics: summaries, histograms, log-probability data, top-cut analysis.

Weights: "naive" statistics weight every composite equally (composites have one length,
bar residuals); "declustered" ones use cell-declustering weights
(:func:`~mine2magnet.geostats.cell_declustering`), computed once per domain from the
primary column and applied to every column.

Top-cut (capping) analysis: for a threshold ``t`` the metal removed is
``100 · Σ wᵢ max(zᵢ − t, 0) / Σ wᵢ zᵢ`` [% of the domain's metal], the capped mean
``Σ wᵢ min(zᵢ, t) / Σ wᵢ`` and the number of samples above ``t``. Thresholds are
percentiles of the (declustered) distribution.

Capping a sum column (``TREO_pct``) with :func:`apply_top_cuts` scales all its parts
(the rare-earth oxides) of a capped sample by the same factor ``t / TREO``, so TREO stays
the sum of the oxides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from mine2magnet.errors import DataError

__all__ = [
    "apply_top_cuts",
    "histogram",
    "log_probability",
    "summary_statistics",
    "top_cut_analysis",
    "weighted_quantile",
]


def _clean(values: ArrayLike, weights: ArrayLike | None) -> tuple[NDArray, NDArray]:
    z = np.asarray(values, dtype=float).ravel()
    w = np.ones(z.shape) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != z.shape:
        raise DataError(f"weights {w.shape} do not match values {z.shape}")
    ok = np.isfinite(z) & np.isfinite(w) & (w > 0)
    return z[ok], w[ok]


def weighted_quantile(
    values: ArrayLike, q: ArrayLike, weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Quantiles of a weighted distribution (mid-point plotting positions, interpolated).

    Parameters
    ----------
    values : array_like
        Data; NaN ignored [grade].
    q : array_like
        Probabilities in [0, 1] [-].
    weights : array_like, optional
        Non-negative weights [-].

    Returns
    -------
    numpy.ndarray
        The quantiles (NaN when there is no data) [grade].

    Examples
    --------
    >>> weighted_quantile([1.0, 2.0, 3.0, 4.0], [0.5]).tolist()
    [2.5]
    """
    z, w = _clean(values, weights)
    qa = np.asarray(q, dtype=float)
    if z.size == 0:
        return np.full(qa.shape, np.nan)
    o = np.argsort(z, kind="stable")
    z, w = z[o], w[o]
    p = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qa, p, z)


def summary_statistics(values: ArrayLike, weights: ArrayLike | None = None) -> dict[str, float]:
    """Count, mean, spread and quantiles, naive and (with ``weights``) declustered.

    Parameters
    ----------
    values : array_like
        Data; NaN are counted as missing [grade].
    weights : array_like, optional
        Declustering weights [-].

    Returns
    -------
    dict of str to float
        ``n``, ``n_missing``, ``mean``, ``sd``, ``cv``, ``min``, ``p25``, ``median``,
        ``p75``, ``p95``, ``max`` and ``declustered_mean``, ``declustered_sd``,
        ``declustered_cv`` (equal to the naive ones without weights).

    Examples
    --------
    >>> s = summary_statistics([1.0, 2.0, 3.0, np.nan])
    >>> s["n"], s["n_missing"], s["mean"], s["median"]
    (3.0, 1.0, 2.0, 2.0)
    """
    raw = np.asarray(values, dtype=float).ravel()
    z = raw[np.isfinite(raw)]
    out: dict[str, float] = {"n": float(z.size), "n_missing": float(raw.size - z.size)}
    if z.size == 0:
        for k in ("mean", "sd", "cv", "min", "p25", "median", "p75", "p95", "max"):
            out[k] = math.nan
        out.update(declustered_mean=math.nan, declustered_sd=math.nan, declustered_cv=math.nan)
        return out
    mean = float(z.mean())
    sd = float(z.std())
    out.update(
        mean=mean,
        sd=sd,
        cv=sd / mean if mean != 0 else math.nan,
        min=float(z.min()),
        p25=float(np.quantile(z, 0.25)),
        median=float(np.quantile(z, 0.5)),
        p75=float(np.quantile(z, 0.75)),
        p95=float(np.quantile(z, 0.95)),
        max=float(z.max()),
    )
    zw, ww = _clean(raw, weights)
    dm = float(np.average(zw, weights=ww))
    dsd = float(np.sqrt(np.average((zw - dm) ** 2, weights=ww)))
    out.update(
        declustered_mean=dm,
        declustered_sd=dsd,
        declustered_cv=dsd / dm if dm != 0 else math.nan,
    )
    return out


def histogram(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    bins: int = 30,
    log: bool = False,
) -> pd.DataFrame:
    """Weighted histogram on linear or logarithmic bins.

    Parameters
    ----------
    values : array_like
        Data; NaN (and, with ``log``, values ≤ 0) ignored [grade].
    weights : array_like, optional
        Declustering weights [-].
    bins : int
        Number of bins [-].
    log : bool
        Logarithmically spaced bins.

    Returns
    -------
    pandas.DataFrame
        ``bin_lower``, ``bin_upper`` [grade], ``count`` [-], ``frequency`` (weighted share)
        and ``cumulative`` [-].

    Examples
    --------
    >>> histogram([1.0, 2.0, 2.5, 4.0], bins=3)["count"].tolist()
    [1, 2, 1]
    """
    z, w = _clean(values, weights)
    if log:
        keep = z > 0
        z, w = z[keep], w[keep]
    if z.size == 0:
        return pd.DataFrame(
            {"bin_lower": [], "bin_upper": [], "count": [], "frequency": [], "cumulative": []}
        )
    lo, hi = float(z.min()), float(z.max())
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0) * 1e-6
    edges = np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)
    cnt, _ = np.histogram(z, bins=edges)
    wt, _ = np.histogram(z, bins=edges, weights=w)
    freq = wt / wt.sum()
    return pd.DataFrame(
        {
            "bin_lower": edges[:-1],
            "bin_upper": edges[1:],
            "count": cnt.astype(np.int64),
            "frequency": freq,
            "cumulative": np.cumsum(freq),
        }
    )


def log_probability(values: ArrayLike, weights: ArrayLike | None = None) -> pd.DataFrame:
    """Data for a (log-)probability plot: sorted values and cumulative probabilities.

    Parameters
    ----------
    values : array_like
        Data; NaN ignored [grade].
    weights : array_like, optional
        Declustering weights [-].

    Returns
    -------
    pandas.DataFrame
        ``value`` (ascending) [grade], ``cumulative_pct`` (mid-point plotting position,
        weighted) [%] and ``normal_quantile`` (Φ⁻¹ of it: the probability-paper axis) [-].

    Examples
    --------
    >>> log_probability([3.0, 1.0])["cumulative_pct"].tolist()
    [25.0, 75.0]
    """
    z, w = _clean(values, weights)
    o = np.argsort(z, kind="stable")
    z, w = z[o], w[o]
    p = (np.cumsum(w) - 0.5 * w) / w.sum() if z.size else np.zeros(0)
    return pd.DataFrame(
        {"value": z, "cumulative_pct": 100.0 * p, "normal_quantile": special.ndtri(p)}
    )


def top_cut_analysis(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    percentiles: Sequence[float] = (90.0, 95.0, 97.5, 99.0, 99.5, 99.9),
    thresholds: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Metal removed, capped mean and CV for candidate top cuts.

    Parameters
    ----------
    values : array_like
        Data; NaN ignored [grade].
    weights : array_like, optional
        Declustering weights [-].
    percentiles : sequence of float
        Percentiles of the weighted distribution used as thresholds [%].
    thresholds : sequence of float, optional
        Explicit thresholds instead (``percentile`` is then the share of the weight
        below each) [grade].

    Returns
    -------
    pandas.DataFrame
        ``percentile`` [%], ``threshold`` [grade], ``n_capped`` [-], ``capped_share_pct``
        (weight share above) [%], ``mean_uncapped``, ``mean_capped`` [grade],
        ``cv_capped`` [-], ``metal_removed_pct`` [%].

    Examples
    --------
    >>> t = top_cut_analysis([1.0, 1.0, 1.0, 7.0], thresholds=[4.0])
    >>> t["metal_removed_pct"].tolist(), t["mean_capped"].tolist()
    ([30.0], [1.75])
    """
    z, w = _clean(values, weights)
    if thresholds is None:
        pct = np.asarray(percentiles, dtype=float)
        thr = weighted_quantile(z, pct / 100.0, w)
    else:
        thr = np.asarray(thresholds, dtype=float)
        pct = np.array([100.0 * w[z <= t].sum() / w.sum() if z.size else math.nan for t in thr])
    rows = []
    total = float(np.sum(w * z))
    mean = float(np.average(z, weights=w)) if z.size else math.nan
    for p, t in zip(pct, thr, strict=True):
        capped = np.minimum(z, t)
        mc = float(np.average(capped, weights=w)) if z.size else math.nan
        sd = float(np.sqrt(np.average((capped - mc) ** 2, weights=w))) if z.size else math.nan
        above = z > t
        rows.append(
            {
                "percentile": float(p),
                "threshold": float(t),
                "n_capped": int(above.sum()),
                "capped_share_pct": 100.0 * float(w[above].sum() / w.sum()) if z.size else 0.0,
                "mean_uncapped": mean,
                "mean_capped": mc,
                "cv_capped": sd / mc if mc else math.nan,
                "metal_removed_pct": (
                    100.0 * float(np.sum(w * (z - capped))) / total if total else math.nan
                ),
            }
        )
    return pd.DataFrame(rows)


def apply_top_cuts(
    table: pd.DataFrame,
    top_cuts: Mapping[str, float],
    *,
    sum_column: str | None = None,
    part_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cap grade columns; a capped sum column scales its parts proportionally.

    Parameters
    ----------
    table : pandas.DataFrame
        Composites (not modified).
    top_cuts : mapping of str to float
        Column → cap [grade].
    sum_column : str, optional
        Column that is the sum of ``part_columns`` (``TREO_pct``).
    part_columns : sequence of str
        Its parts (the rare-earth oxide columns present).

    Returns
    -------
    capped : pandas.DataFrame
        A copy with capped values.
    report : pandas.DataFrame
        Per cap: ``column``, ``top_cut`` [grade], ``n_capped`` [-], ``mean_before``,
        ``mean_after`` [grade], ``metal_removed_pct`` [%] (equal weights).

    Examples
    --------
    >>> t = pd.DataFrame({"TREO_pct": [2.0, 8.0], "La2O3_pct": [1.0, 3.0],
    ...                   "CeO2_pct": [1.0, 5.0]})
    >>> c, _ = apply_top_cuts(t, {"TREO_pct": 4.0}, sum_column="TREO_pct",
    ...                       part_columns=["La2O3_pct", "CeO2_pct"])
    >>> c.iloc[1].tolist()
    [4.0, 1.5, 2.5]
    """
    out = table.copy()
    rows = []
    for col, cap in top_cuts.items():
        if col not in out.columns:
            raise DataError(f"top cut on {col!r}: no such grade column")
        z = out[col].to_numpy(dtype=float)
        above = np.isfinite(z) & (z > cap)
        before = float(np.nanmean(z)) if np.isfinite(z).any() else math.nan
        tot = float(np.nansum(z))
        removed = float(np.sum(z[above] - cap))
        if col == sum_column and part_columns:
            factor = np.where(above, cap / np.where(above, z, 1.0), 1.0)
            for p in part_columns:
                out[p] = out[p].to_numpy(dtype=float) * factor
        znew = np.where(above, cap, z)
        out[col] = znew
        rows.append(
            {
                "column": col,
                "top_cut": float(cap),
                "n_capped": int(above.sum()),
                "mean_before": before,
                "mean_after": float(np.nanmean(znew)) if np.isfinite(znew).any() else math.nan,
                "metal_removed_pct": 100.0 * removed / tot if tot else math.nan,
            }
        )
    report = pd.DataFrame(
        rows,
        columns=["column", "top_cut", "n_capped", "mean_before", "mean_after",
                 "metal_removed_pct"],
    )  # fmt: skip
    return out, report
