"""Estimate validation figures: swath plot and cross-validation scatter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    figure_id,
    finish,
    grade_label,
    house_style,
    new_figure,
    require_columns,
    rows_for,
)

__all__ = ["crossval_scatter", "swath_plot"]

_LINES = (
    ("composites_mean_pct", "composites (naive)", "#777777", "o", ":"),
    ("declustered_mean_pct", "composites (declustered)", "#000000", "s", "-"),
    ("kriged_mean_pct", "kriged blocks", "#B2182B", "", "-"),
    ("inverse_distance_mean_pct", "inverse distance", "#2166AC", "", "--"),
    ("nearest_neighbour_mean_pct", "nearest neighbour", "#1B9E77", "", "-."),
)
_KIND_NAMES = {"leave_one_out": "leave one out", "leave_hole_out": "leave hole out"}
_SCATTER_RASTER = 800  # above this many points a scatter layer is rasterised


def swath_plot(
    swaths: pd.DataFrame, domain: str, column: str, axis: str, *, synthetic: bool = False
) -> Figure:
    """Swath plot along one axis: composite and block means per slice, tonnes and samples.

    Parameters
    ----------
    swaths : pandas.DataFrame
        Table ``estimation__swaths``: ``domain``, ``column``, ``axis``,
        ``slice_centre_m`` [m], ``composites_mean_pct``, ``declustered_mean_pct``,
        ``kriged_mean_pct``, ``inverse_distance_mean_pct``,
        ``nearest_neighbour_mean_pct`` [%], ``tonnes`` [t], ``n_composites`` [-].
    domain : str
        Domain code.
    column : str
        Grade column, e.g. ``TREO_pct``.
    axis : str
        ``easting``, ``northing`` or ``elevation``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Grade lines on the left axis; block tonnes [Mt] and composites per slice as bars on
        two right-hand axes.
    """
    table = "estimation__swaths"
    require_columns(swaths, ["slice_centre_m", "tonnes", "n_composites"], table)
    s = rows_for(swaths, table, domain=domain, column=column, axis=axis)
    s = s.sort_values("slice_centre_m")
    x = s["slice_centre_m"].to_numpy(float)
    if {"slice_from_m", "slice_to_m"} <= set(s.columns):
        width = float(np.median(s["slice_to_m"] - s["slice_from_m"]))
    else:
        width = float(np.median(np.diff(x))) if len(x) > 1 else 1.0
    label = grade_label(column)
    title = f"Swath plot of {label} along {axis}, domain {domain}"
    with house_style():
        fig = new_figure(3.6)
        ax = fig.add_subplot()
        ax_t = ax.twinx()
        ax_n = ax.twinx()
        ax_n.spines["right"].set_position(("axes", 1.11))
        ax_t.bar(
            x - width * 0.2,
            s["tonnes"].to_numpy(float) / 1e6,
            width=width * 0.4,
            color="#D9D9D9",
            edgecolor="none",
            label="block tonnes [Mt]",
        )
        ax_n.bar(
            x + width * 0.2,
            s["n_composites"].to_numpy(float),
            width=width * 0.4,
            color="#C6DBEF",
            edgecolor="none",
            label="composites [count]",
        )
        ax_t.set_ylabel("block tonnes per slice [Mt]", color="0.45")
        ax_n.set_ylabel("composites per slice", color="#4A7EBB")
        ax_t.tick_params(axis="y", colors="0.45")
        ax_n.tick_params(axis="y", colors="#4A7EBB")
        # bars in the lower third, grade lines above them
        ax_t.set_ylim(0, max(float(s["tonnes"].max()) / 1e6, 1e-9) * 3.0)
        ax_n.set_ylim(0, max(float(s["n_composites"].max()), 1.0) * 3.0)
        ax.set_zorder(max(ax_t.get_zorder(), ax_n.get_zorder()) + 1)
        ax.patch.set_visible(False)
        drawn = []
        for col, name, colour, marker, ls in _LINES:
            if col in s.columns and s[col].notna().any():
                ax.plot(
                    x,
                    s[col].to_numpy(float),
                    ls=ls,
                    marker=marker or None,
                    ms=3,
                    color=colour,
                    lw=1.2,
                    label=name,
                )
                drawn.append(name)
        if not drawn:
            raise DataError(f"{table}: no mean grades to plot for {domain} {column} {axis}")
        vals = np.concatenate([s[c].to_numpy(float) for c, *_ in _LINES if c in s.columns])
        vals = vals[np.isfinite(vals)]
        lo, hi = float(vals.min()), float(vals.max())
        ax.set_ylim(max(0.0, lo - 0.9 * (hi - lo) - 1e-9), hi + 0.15 * (hi - lo) + 1e-9)
        ax.set_xlabel(f"{axis} slice centre [m] (slices {width:g} m wide)")
        ax.set_ylabel(f"mean {label}")
        ax.grid(True, lw=0.3, alpha=0.5)
        h = [a.get_legend_handles_labels() for a in (ax, ax_t, ax_n)]
        fig.legend(
            [x for a in h for x in a[0]],
            [x for a in h for x in a[1]],
            loc="outside lower center",
            ncol=4,
        )
        caption = (
            f"Swath plot of {label} in domain {domain} along {axis} ({len(s)} slices of "
            f"{width:g} m): mean grade per slice of the composites (naive and declustered) "
            f"and of the block estimates (kriged, inverse distance, nearest neighbour), "
            f"left axis [%]; block tonnes per slice [Mt] and number of composites per slice "
            f"as bars, right axes. Kriged means should follow the declustered composites "
            f"where data are dense and be smoother."
        )
        fid = figure_id("swath", domain, column, axis)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares ``y = a + b x`` and the correlation: (slope, intercept, r)."""
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    sxy = float(((x - xm) * (y - ym)).sum())
    syy = float(((y - ym) ** 2).sum())
    b = sxy / sxx if sxx > 0 else float("nan")
    r = sxy / np.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")
    return b, ym - b * xm, r


def crossval_scatter(
    crossval_samples: pd.DataFrame,
    domain: str,
    *,
    column: str = "TREO_pct",
    synthetic: bool = False,
) -> Figure:
    """Cross-validation: true grade against its estimate, one panel per validation kind.

    Parameters
    ----------
    crossval_samples : pandas.DataFrame
        Table ``estimation__crossval_samples``: ``domain``, ``kind`` (optional:
        ``leave_one_out``, ``leave_hole_out``), ``<column>`` (true) and
        ``<name>_estimate_pct`` (estimate) [%].
    domain : str
        Domain code.
    column : str
        Grade column; its estimate is ``<name>_estimate_pct``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Scatter of true (y) against estimate (x) with the 1:1 line and the regression of
        true on estimate; slope and correlation in the legend.
    """
    table = "estimation__crossval_samples"
    est_col = f"{column[:-4] if column.endswith('_pct') else column}_estimate_pct"
    require_columns(crossval_samples, [column, est_col], table)
    cs = rows_for(crossval_samples, table, domain=domain)
    kinds = (
        [k for k in ("leave_one_out", "leave_hole_out") if k in set(cs["kind"])]
        + sorted(set(cs["kind"].astype(str)) - {"leave_one_out", "leave_hole_out"})
        if "kind" in cs.columns
        else [None]
    )
    label = grade_label(column)
    title = f"Cross-validation of {label}, domain {domain}"
    data = []
    for k in kinds:
        g = cs if k is None else cs[cs["kind"] == k]
        x = g[est_col].to_numpy(float)
        y = g[column].to_numpy(float)
        ok = np.isfinite(x) & np.isfinite(y)
        data.append((k, x[ok], y[ok]))
    if all(len(x) == 0 for _, x, _ in data):
        raise DataError(f"{table}: no finite {column} / {est_col} pairs in domain {domain}")
    hi = max(float(max(x.max(), y.max())) for _, x, y in data if len(x)) * 1.05
    with house_style():
        fig = new_figure(3.5)
        axs = np.atleast_1d(
            fig.subplots(1, len(kinds), sharex=True, sharey=True, squeeze=False)
        ).ravel()
        texts = []
        for ax, (k, x, y) in zip(axs, data, strict=True):
            sc = ax.scatter(
                x,
                y,
                s=3,
                color="#2166AC",
                alpha=0.35,
                edgecolors="none",
                label=f"samples (n = {len(x):,})",
            )
            sc.set_rasterized(len(x) > _SCATTER_RASTER)
            ax.plot([0, hi], [0, hi], "-", color="0.2", lw=0.9, label="1:1")
            if len(x) > 2:
                b, a, r = _fit(x, y)
                ax.plot(
                    [0, hi],
                    [a, a + b * hi],
                    "--",
                    color="#B2182B",
                    lw=1.2,
                    label=f"regression: slope {b:.2f}, r = {r:.2f}",
                )
                texts.append(
                    f"{_KIND_NAMES.get(str(k), k) if k else 'all'}: slope {b:.2f}, "
                    f"correlation {r:.2f}, n = {len(x):,}"
                )
            ax.set_xlim(0, hi)
            ax.set_ylim(0, hi)
            ax.set_aspect("equal", adjustable="box")
            ax.set_xlabel(f"estimate {label}")
            ax.set_title(_KIND_NAMES.get(str(k), str(k)) if k else "")
            ax.grid(True, lw=0.3, alpha=0.5)
            ax.legend(loc="upper left", fontsize=6.5)
        axs[0].set_ylabel(f"true {label} (composite)")
        caption = (
            f"Cross-validation of {label} in domain {domain}: each composite's grade [%] "
            f"against its estimate from the remaining data [%], with the 1:1 line and the "
            f"least-squares regression of true on estimate (slope 1 = no conditional bias). "
            + "; ".join(texts)
            + "."
        )
        fid = figure_id("crossval", domain, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)
