"""Figures of the estimation stage (matplotlib, imported lazily; no pyplot, no display).

Every function takes tables of :class:`~mine2magnet.blockmodel.EstimationOutcome` (or the
block model) and returns a :class:`matplotlib.figure.Figure` built with the
object-oriented API, so it renders headless (``fig.savefig("x.png")`` uses Agg) and never
touches global pyplot state. Used by the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from mine2magnet.blockmodel.grid import BlockModel

__all__ = ["plot_grade_tonnage", "plot_section", "plot_swath", "plot_variogram"]

_DIRECTION_COLOURS = {
    "major": "tab:blue",
    "semi_major": "tab:orange",
    "minor": "tab:green",
    "downhole": "tab:grey",
}


def _figure(width: float = 7.0, height: float = 4.5) -> Figure:
    from matplotlib.figure import Figure  # lazy: plotting is optional

    return Figure(figsize=(width, height), layout="constrained")


def plot_variogram(
    experimental: pd.DataFrame,
    curves: pd.DataFrame | None = None,
    *,
    title: str = "",
) -> Figure:
    """Experimental variograms (points, sized by pairs) with the model (lines).

    Parameters
    ----------
    experimental : pandas.DataFrame
        Rows of ``EstimationOutcome.variogram_experimental`` for one domain and column:
        ``direction``, ``lag_m`` [m], ``gamma_pct2`` [%²], ``n_pairs``.
    curves : pandas.DataFrame, optional
        Matching rows of ``variogram_model_curves`` (``direction``, ``lag_m``,
        ``gamma_pct2``).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _figure()
    ax = fig.add_subplot()
    for name, g in experimental.groupby("direction", sort=False):
        g = g[(g["n_pairs"] > 0) & np.isfinite(g["gamma_pct2"])]
        col = _DIRECTION_COLOURS.get(str(name))
        size = 10 + 40 * np.sqrt(g["n_pairs"] / max(float(g["n_pairs"].max()), 1.0))
        ax.scatter(g["lag_m"], g["gamma_pct2"], s=size, color=col, label=f"{name}", alpha=0.8)
    if curves is not None:
        for name, g in curves.groupby("direction", sort=False):
            col = _DIRECTION_COLOURS.get(str(name))
            ax.plot(g["lag_m"], g["gamma_pct2"], color=col, lw=1.5)
    ax.set_xlabel("lag [m]")
    ax.set_ylabel("γ [%²]")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(title="direction", fontsize="small")
    ax.set_title(title)
    return fig


def plot_swath(swaths: pd.DataFrame, *, title: str = "") -> Figure:
    """Swath plot: composite (naive, declustered) and block means per slice, per axis.

    Parameters
    ----------
    swaths : pandas.DataFrame
        Rows of ``EstimationOutcome.swaths`` for one domain and column (all three axes).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    axes_present = [a for a in ("easting", "northing", "elevation") if a in set(swaths["axis"])]
    if not axes_present:
        raise DataError("no swath rows to plot")
    fig = _figure(7.0, 2.6 * len(axes_present))
    axs = fig.subplots(len(axes_present), 1, squeeze=False)[:, 0]
    for ax, name in zip(axs, axes_present, strict=True):
        g = swaths[swaths["axis"] == name]
        x = g["slice_centre_m"]
        ax2 = ax.twinx()
        ax2.bar(x, g["n_composites"], width=0.8 * float(g["slice_to_m"].iloc[0]
                                                       - g["slice_from_m"].iloc[0]),
                color="0.85", zorder=0)  # fmt: skip
        ax2.set_ylabel("composites", color="0.5")
        ax.set_zorder(ax2.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.plot(x, g["composites_mean_pct"], "o", ms=3, color="0.4", label="composites")
        ax.plot(x, g["declustered_mean_pct"], "-", color="k", label="declustered")
        for col, lab, c in (
            ("kriged_mean_pct", "kriged", "tab:red"),
            ("inverse_distance_mean_pct", "ID", "tab:blue"),
            ("nearest_neighbour_mean_pct", "NN", "tab:green"),
        ):
            if col in g:
                ax.plot(x, g[col], "-", color=c, label=lab, lw=1.2)
        ax.set_xlabel(f"{name} [m]")
        ax.set_ylabel("mean grade [%]")
    axs[0].legend(fontsize="small", ncol=5)
    axs[0].set_title(title)
    return fig


def plot_grade_tonnage(
    grade_tonnage: pd.DataFrame,
    *,
    column: str = "TREO_pct",
    domain: str = "ALL",
    title: str = "",
) -> Figure:
    """Grade-tonnage curve: tonnes and mean grade above cut-off.

    Parameters
    ----------
    grade_tonnage : pandas.DataFrame
        ``EstimationOutcome.grade_tonnage``.
    column : str
        Grade column (the cut-off column).
    domain : str
        Domain rows to plot (``ALL`` = total).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    g = grade_tonnage[grade_tonnage["domain"] == domain]
    if g.empty:
        raise DataError(f"no grade-tonnage rows for domain {domain!r}")
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(g["cutoff_pct"], g["tonnes"] / 1e6, "-o", color="tab:blue", ms=3)
    ax.set_xlabel(f"cut-off {column} [%]")
    ax.set_ylabel("tonnes above cut-off [Mt]", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(g["cutoff_pct"], g[column], "-s", color="tab:red", ms=3)
    ax2.set_ylabel(f"mean {column} above cut-off [%]", color="tab:red")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    return fig


def plot_section(
    bm: BlockModel,
    column: str | None = None,
    *,
    plane: str = "plan",
    index: int | None = None,
    title: str = "",
) -> Figure:
    """Plan (constant k) or section (constant j or i) of block grades in the grid frame.

    Parameters
    ----------
    bm : BlockModel
        The block model.
    column : str, optional
        Grade column; default the primary column.
    plane : str
        ``"plan"`` (k fixed), ``"section_j"`` (j fixed: along i) or ``"section_i"``.
    index : int, optional
        The fixed index; default the one with the most estimated tonnes.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    col = column or bm.primary_column
    pb = bm.parent_blocks()
    fixed, a, b = {"plan": ("k", "i", "j"), "section_j": ("j", "i", "k"),
                   "section_i": ("i", "j", "k")}.get(plane, (None, None, None))  # fmt: skip
    if fixed is None:
        raise DataError(f"plane {plane!r} is not 'plan', 'section_j' or 'section_i'")
    ok = pb[np.isfinite(pb[col])]
    if index is None:
        if ok.empty:
            raise DataError(f"no estimated {col} to plot")
        index = int(ok.groupby(fixed)["tonnes"].sum().idxmax())
    s = pb[pb[fixed] == index]
    n = dict(zip("ijk", bm.counts, strict=True))
    size = dict(zip("ijk", bm.block_size, strict=True))
    img = np.full((n[b], n[a]), np.nan)
    img[s[b].to_numpy(), s[a].to_numpy()] = s[col].to_numpy(dtype=float)
    fig = _figure()
    ax = fig.add_subplot()
    im = ax.imshow(
        img, origin="lower", interpolation="nearest", cmap="viridis",
        extent=(0, n[a] * size[a], 0, n[b] * size[b]),
    )  # fmt: skip
    fig.colorbar(im, ax=ax, label=f"{col} [%]")
    ax.set_xlabel(f"{a} axis from origin [m]")
    ax.set_ylabel(f"{b} axis from origin [m]")
    ax.set_title(title or f"{plane} {fixed} = {index}")
    ax.set_aspect("equal")
    return fig
