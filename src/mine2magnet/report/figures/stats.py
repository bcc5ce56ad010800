"""Statistics figures: grade histogram and log-probability plot of composites per domain.

Both read the tables of the estimation stage as stored (``estimation__histograms``,
``estimation__log_probability``); nothing is recomputed except the display thinning of
very long probability plots (stated in the caption).
"""

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
    log_ticks,
    new_figure,
    require_columns,
    rows_for,
)

__all__ = ["histogram", "log_probability"]

_BAR = "#4393C3"
_MAX_POINTS = 1500  # probability-plot points drawn; tails always kept
_PROB_TICKS_PCT = (0.1, 1, 5, 10, 20, 30, 50, 70, 80, 90, 95, 99, 99.9)


def histogram(
    histograms: pd.DataFrame, domain: str, column: str, *, synthetic: bool = False
) -> Figure:
    """Histogram of composite grades in one domain with the cumulative curve.

    Parameters
    ----------
    histograms : pandas.DataFrame
        Table ``estimation__histograms``: ``domain``, ``column``, ``bin_lower_pct``,
        ``bin_upper_pct`` [%], ``count`` [-], ``frequency`` [fraction], ``cumulative``
        [fraction].
    domain : str
        Domain code.
    column : str
        Grade column, e.g. ``TREO_pct``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
    """
    table = "estimation__histograms"
    require_columns(
        histograms,
        ["bin_lower_pct", "bin_upper_pct", "count", "frequency", "cumulative"],
        table,
    )
    h = rows_for(histograms, table, domain=domain, column=column).sort_values("bin_lower_pct")
    lo = h["bin_lower_pct"].to_numpy(float)
    hi = h["bin_upper_pct"].to_numpy(float)
    freq = 100.0 * h["frequency"].to_numpy(float)
    cum = 100.0 * h["cumulative"].to_numpy(float)
    n = int(h["count"].sum())
    label = grade_label(column)
    title = f"Histogram of {label} composites, domain {domain}"
    with house_style():
        fig = new_figure(3.3)
        ax = fig.add_subplot()
        ax.bar(
            lo,
            freq,
            width=hi - lo,
            align="edge",
            color=_BAR,
            edgecolor="white",
            linewidth=0.4,
            label="frequency",
        )
        ax.set_xlabel(f"{label} (composites)")
        ax.set_ylabel("frequency [% of composites]")
        ax.set_xlim(lo.min(), hi.max())
        ax.set_ylim(bottom=0)
        ax2 = ax.twinx()
        ax2.plot(hi, cum, "-", color="#B2182B", lw=1.3, label="cumulative")
        ax2.set_ylim(0, 101)
        ax2.set_ylabel("cumulative frequency [%]", color="#B2182B")
        ax2.tick_params(axis="y", colors="#B2182B")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="center right", title=f"n = {n:,}")
        ax.grid(True, axis="y", lw=0.3, alpha=0.5)
        caption = (
            f"Histogram of {label} in the {n:,} composites of domain {domain} "
            f"({len(h)} bins of {np.median(hi - lo):.3g} % width; bars: share of composites "
            f"per bin [%], line: cumulative share [%], right axis). Grades in weight % oxide, "
            f"before top-cutting."
        )
        fid = figure_id("histogram", domain, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)


def _thin(n: int, max_points: int) -> np.ndarray:
    """Indices to draw: all of the lowest and highest 2 %, evenly spaced between."""
    if n <= max_points:
        return np.arange(n)
    tail = max(int(0.02 * n), 1)
    body = np.arange(tail, n - tail)
    step = int(np.ceil(len(body) / max(max_points - 2 * tail, 1)))
    return np.unique(np.r_[np.arange(tail), body[::step], np.arange(n - tail, n)])


def log_probability(
    log_probability: pd.DataFrame, domain: str, column: str, *, synthetic: bool = False
) -> Figure:
    """Log-probability plot of composite grades in one domain.

    Parameters
    ----------
    log_probability : pandas.DataFrame
        Table ``estimation__log_probability``: ``domain``, ``column``, ``value_pct`` [%],
        ``cumulative_pct`` [%], ``normal_quantile`` [-].
    domain : str
        Domain code.
    column : str
        Grade column, e.g. ``TREO_pct``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Grade on a log axis against cumulative probability on a normal-probability axis
        labelled in %: a lognormal population plots as a straight line, inflections show
        mixed populations, the top points show outliers.
    """
    from matplotlib.ticker import FixedLocator, NullLocator

    table = "estimation__log_probability"
    require_columns(log_probability, ["value_pct", "cumulative_pct", "normal_quantile"], table)
    lp = rows_for(log_probability, table, domain=domain, column=column)
    lp = lp.sort_values("normal_quantile", kind="stable")
    v = lp["value_pct"].to_numpy(float)
    q = lp["normal_quantile"].to_numpy(float)
    ok = np.isfinite(v) & np.isfinite(q) & (v > 0)
    n_dropped = int((~ok).sum())
    v, q = v[ok], q[ok]
    if len(v) == 0:
        raise DataError(f"{table}: no positive {column} values in domain {domain}")
    idx = _thin(len(v), _MAX_POINTS)
    label = grade_label(column)
    title = f"Log-probability plot of {label} composites, domain {domain}"
    from scipy.stats import norm

    with house_style():
        fig = new_figure(3.6)
        ax = fig.add_subplot()
        (points,) = ax.plot(v[idx], q[idx], "o", ms=2.2, mfc="#2166AC", mec="none", alpha=0.85)
        points.set_rasterized(idx.size > 400)  # a light SVG and a fast PDF
        ax.set_xscale("log")
        ax.set_xlim(float(v.min()) / 1.3, float(v.max()) * 1.3)
        log_ticks(ax, "x", float(v.min()) / 1.3, float(v.max()) * 1.3)
        ticks = [t for t in _PROB_TICKS_PCT if q.min() - 0.3 <= norm.ppf(t / 100) <= q.max() + 0.3]
        ax.yaxis.set_major_locator(FixedLocator([norm.ppf(t / 100) for t in ticks]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_yticklabels([f"{t:g}" for t in ticks])
        ax.set_ylim(q.min() - 0.15, q.max() + 0.15)
        ax.set_xlabel(f"{label} (log scale)")
        ax.set_ylabel("cumulative probability [%]")
        ax.grid(True, which="major", lw=0.3, alpha=0.6)
        ax.grid(True, which="minor", axis="x", lw=0.2, alpha=0.3)
        p50 = float(np.interp(0.0, q, v))
        ax.axhline(0.0, color="0.5", lw=0.6, ls=":")
        ax.annotate(
            f"median ≈ {p50:.3g} %",
            (p50, 0.0),
            xytext=(6, -10),
            textcoords="offset points",
            fontsize=6.5,
            color="0.3",
        )
        shown = (
            f"; {len(idx):,} points drawn (all of the lowest and highest 2 %, evenly spaced "
            f"between)"
            if len(idx) < len(v)
            else ""
        )
        dropped = f"; {n_dropped} values ≤ 0 left out of the log axis" if n_dropped else ""
        caption = (
            f"Log-probability plot of {label} in the {len(v):,} composites of domain "
            f"{domain}: grade [%] on a logarithmic axis against cumulative probability [%] "
            f"on a normal-probability scale{shown}{dropped}. A straight line indicates a "
            f"lognormal population; breaks in slope indicate mixed populations or candidate "
            f"top-cuts."
        )
        fid = figure_id("log-probability", domain, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)
