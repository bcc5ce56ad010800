"""Figures of the uncertainty chapter: grade-tonnage bands, value distributions, probability
maps, period confidence, classification support and the validation of the realisations.

Inputs are the uncertainty stage's store tables as stored (``uncertainty__<name>``, see
the stage contract: ``gradetonnage``, ``gradetonnage_percentiles``, ``realisations``,
``outcomes``, ``probability_blocks``, ``period_confidence``, ``validation_histogram``,
``validation_variogram``) and, for the maps, the ``estimation__grid`` row; no function
modifies them. Every function returns a report :class:`~mine2magnet.report.document.Figure`
whose SVG keeps text as text; dense block layers are rasterised so the SVG stays small.

P10, P50 and P90 are the 10th, 50th and 90th percentiles over the realisations (P10 is the
low case). Probabilities use *cividis* (colour-blind safe), grades *viridis*, classes the
report's class colours. Grid convention (docs/conventions.md): ``i`` runs along azimuth
``rotation_deg + 90``, ``j`` along ``rotation_deg``; without a grid the blocks are drawn
as axis-aligned cells around their centroids.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    CLASS_COLOURS,
    CLASS_ORDER,
    GRADE_CMAP,
    equal_aspect,
    figure_id,
    finish,
    house_style,
    new_figure,
    north_arrow,
    require_columns,
    scale_bar,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "PROBABILITY_CMAP",
    "etype_plan",
    "gradetonnage_band",
    "histogram_reproduction",
    "outcome_distributions",
    "period_confidence_chart",
    "probability_plan",
    "probability_section",
    "support_class_plan",
    "variogram_reproduction",
]

#: Colour map of probabilities (perceptually uniform, colour-blind safe).
PROBABILITY_CMAP = "cividis"

# Okabe–Ito (colour-blind safe)
_BLUE, _ORANGE, _GREEN, _RED = "#0072B2", "#E69F00", "#009E73", "#D55E00"
_SKY, _GREY = "#56B4E9", "#7F7F7F"
_BAND = "#9ECAE1"
_RASTER = 400  # cells above which a block layer is rasterised
_MAX_DOMAINS = 6  # validation panels drawn (the table lists every domain)
_MIN_PAIRS = 30  # variogram lags with fewer pairs are drawn hollow (the stage skips them)
_DIRECTIONS = ("major", "semi-major", "minor")
_GRID_NOTE = "estimation__grid"


def _grid_or_none(grid: Any) -> Any:
    if grid is None:
        return None
    from mine2magnet.report.figures._geometry import as_grid

    return as_grid(grid)


def _scale(values: np.ndarray, unit: str) -> tuple[float, str]:
    """Divisor and label for a tonnage [t] or money [US$] axis."""
    big = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    if unit == "t":
        if big >= 1e6:
            return 1e6, "Mt"
        if big >= 1e3:
            return 1e3, "kt"
        return 1.0, "t"
    if big >= 1e9:
        return 1e9, "US$ B"
    if big >= 1e6:
        return 1e6, "US$ M"
    return 1.0, "US$"


# --------------------------------------------------------------- block geometry helpers


def _per_block(blocks: pd.DataFrame) -> pd.DataFrame:
    """One row per block ``(i, j, k)`` of ``probability_blocks`` (tonnage-weighted means).

    A block split between domains has one row per domain; grades and probabilities are
    averaged with the tonnes as weights, classes taken from the row with the most tonnes.
    """
    require_columns(blocks, ("i", "j", "k", "tonnes"), "uncertainty__probability_blocks")
    if blocks.empty:
        raise DataError("uncertainty__probability_blocks is empty: no simulated block")
    b = blocks.copy()
    w = pd.to_numeric(b["tonnes"], errors="coerce").fillna(0.0).clip(lower=0.0)
    b["_w"] = np.where(w > 0, w, 1e-12)
    keys = ["i", "j", "k"]
    num = [
        c
        for c in (
            "easting",
            "northing",
            "elevation",
            "TREO_pct_estimate",
            "TREO_pct_mean",
            "TREO_pct_P10",
            "TREO_pct_P90",
            "prob_above_cutoff",
        )
        if c in b.columns
    ]
    for c in num:
        v = pd.to_numeric(b[c], errors="coerce")
        b[c] = v * b["_w"]
        b[f"_w_{c}"] = b["_w"].where(v.notna(), 0.0)
    g = b.groupby(keys, sort=True)
    out = pd.DataFrame(index=g.size().index)
    for c in num:  # weights of the rows where the value is known
        out[c] = g[c].sum(min_count=1) / g[f"_w_{c}"].sum().replace(0.0, np.nan)
    out["tonnes"] = g["tonnes"].sum()
    cats = [c for c in ("resource_class", "support_class", "domain") if c in b.columns]
    if cats:
        top = b.sort_values("_w", ascending=False).drop_duplicates(keys).set_index(keys)
        for c in cats:
            out[c] = top[c].reindex(out.index).fillna("").astype(str)
    return out.reset_index()


def _cell_size(values: np.ndarray) -> float:
    u = np.unique(np.round(np.asarray(values, float), 6))
    d = np.diff(u)
    d = d[d > 1e-6]
    return float(d.min()) if len(d) else 1.0


def _plan_cells(pb: pd.DataFrame, grid: Any) -> tuple[np.ndarray, float, float, float]:
    """Plan polygons ``(n, 4, 2)`` of the rows' columns [m] and block sizes dx, dy, dz."""
    g = _grid_or_none(grid)
    if g is not None:
        dx, dy, dz = (float(v) for v in g.block_size)
        ax_ = g.axes()
        i = pb["i"].to_numpy(np.int64)
        j = pb["j"].to_numpy(np.int64)
        du = np.array([0.0, 1.0, 1.0, 0.0])
        dv = np.array([0.0, 0.0, 1.0, 1.0])
        u = (i[:, None] + du) * dx
        v = (j[:, None] + dv) * dy
        e = g.origin[0] + u * ax_[0, 0] + v * ax_[1, 0]
        n = g.origin[1] + u * ax_[0, 1] + v * ax_[1, 1]
        return np.stack([e, n], axis=-1), dx, dy, dz
    require_columns(pb, ("easting", "northing", "elevation"), "uncertainty__probability_blocks")
    dx = _cell_size(pb["easting"].to_numpy(float))
    dy = _cell_size(pb["northing"].to_numpy(float))
    dz = _cell_size(pb["elevation"].to_numpy(float))
    e = pb["easting"].to_numpy(float)
    n = pb["northing"].to_numpy(float)
    sx = np.array([-0.5, 0.5, 0.5, -0.5]) * dx
    sy = np.array([-0.5, -0.5, 0.5, 0.5]) * dy
    return np.stack([e[:, None] + sx, n[:, None] + sy], axis=-1), dx, dy, dz


def _plan_axes(axes: Any, verts: np.ndarray, pad: float) -> None:
    """Labels, 1:1 limits, scale bar and north arrow of plan panels sharing x and y.

    Call after everything that changes the layout (colour bars, legends): the limits are
    fitted to the first panel's box and shared by the others.
    """
    axes = list(np.ravel(axes))
    first = axes[0]
    for n, ax in enumerate(axes):
        ax.set_xlabel("easting [m]")
        ax.set_ylabel("northing [m]" if n == 0 else "")
        ax.grid(True, color="0.6", lw=0.3, alpha=0.4)
    equal_aspect(
        first,
        float(verts[..., 0].min()) - pad,
        float(verts[..., 0].max()) + pad,
        float(verts[..., 1].min()) - pad,
        float(verts[..., 1].max()) + pad,
    )
    scale_bar(first)
    north_arrow(first)


def _cells(ax: Axes, verts: np.ndarray, colours: Any, gid: str) -> None:
    from matplotlib.collections import PolyCollection

    pc = PolyCollection(
        verts, facecolors=colours, edgecolors="face", linewidths=0.3, antialiased=False
    )
    pc.set_gid(gid)
    pc.set_rasterized(len(verts) > _RASTER)
    ax.add_collection(pc)


def _richest(pb: pd.DataFrame, key: str) -> int:
    """The ``key`` index (``i`` or ``k``) holding the most expected tonnes above cut-off."""
    p = pb["prob_above_cutoff"] if "prob_above_cutoff" in pb else pd.Series(1.0, index=pb.index)
    w = (pb["tonnes"] * p.fillna(0.0)).groupby(pb[key]).sum()
    if w.max() > 0:
        return int(w.idxmax())
    return int(pb[key].value_counts().idxmax())


def _bench(pb: pd.DataFrame, at_k: int | None) -> tuple[pd.DataFrame, int]:
    k = _richest(pb, "k") if at_k is None else int(at_k)
    sl = pb[pb["k"] == k]
    if sl.empty:
        raise DataError(f"uncertainty__probability_blocks has no block on bench k = {k}")
    return sl, k


def _elev(sl: pd.DataFrame) -> str:
    if "elevation" in sl and sl["elevation"].notna().any():
        return f"{float(sl['elevation'].median()):g} m"
    return "?"


def _short(name: object, width: int = 22) -> str:
    """A data name for a figure label, cut to ``width`` characters (tables show it whole)."""
    text = str(name)
    return text if len(text) <= width else text[: width - 1] + "…"


def _cutoff_text(cutoff_pct: float | None) -> str:
    return f"{cutoff_pct:g} % TREO" if cutoff_pct is not None else "cut-off"


# --------------------------------------------------------------------- grade-tonnage


def gradetonnage_band(
    percentiles: pd.DataFrame,
    curves: pd.DataFrame | None = None,
    *,
    synthetic: bool = False,
) -> Figure:
    """Tonnes, grade and contained TREO above cut-off: P10–P90 band, P50, kriged estimate.

    Parameters
    ----------
    percentiles : pandas.DataFrame
        ``uncertainty__gradetonnage_percentiles``: ``cutoff_pct`` [% TREO], ``statistic``
        (``P10``, ``P50``, ``P90``, ``mean``, ``estimate``), ``tonnes`` [t], ``TREO_pct``
        [%], ``TREO_t`` [t].
    curves : pandas.DataFrame, optional
        ``uncertainty__gradetonnage``: one curve per ``realisation``, drawn as thin lines.
    synthetic : bool
        Mark the figure as SYNTHETIC data.

    Returns
    -------
    Figure
    """
    table = "uncertainty__gradetonnage_percentiles"
    require_columns(percentiles, ("cutoff_pct", "statistic", "tonnes", "TREO_pct"), table)
    stats = set(percentiles["statistic"].astype(str))
    if not {"P10", "P50", "P90"} <= stats:
        raise DataError(f"{table}: needs the statistics P10, P50 and P90; has {sorted(stats)}")
    panels = [("tonnes", "t", "tonnes above cut-off"), ("TREO_pct", "%", "TREO grade above")]
    if "TREO_t" in percentiles:
        panels.append(("TREO_t", "t", "contained TREO"))

    def stat(name: str, col: str) -> tuple[np.ndarray, np.ndarray]:
        d = percentiles[percentiles["statistic"].astype(str) == name].sort_values("cutoff_pct")
        return d["cutoff_pct"].to_numpy(float), d[col].to_numpy(float)

    n_real = 0
    if curves is not None and {"realisation", "cutoff_pct"} <= set(curves.columns):
        n_real = int(curves["realisation"].nunique())
    title = "Grade-tonnage curves over the realisations"
    with house_style():
        fig = new_figure(2.9, title=title)
        axes = fig.subplots(1, len(panels))
        for ax, (col, unit, label) in zip(axes, panels, strict=True):
            x10, y10 = stat("P10", col)
            x90, y90 = stat("P90", col)
            x50, y50 = stat("P50", col)
            values = np.concatenate([y10, y90, y50])
            div, ulabel = (1.0, "%") if unit == "%" else _scale(values, "t")
            if n_real and col in curves:
                for _, d in curves.groupby("realisation", sort=True):
                    d = d.sort_values("cutoff_pct")
                    ax.plot(
                        d["cutoff_pct"],
                        d[col].to_numpy(float) / div,
                        color=_GREY,
                        lw=0.35,
                        alpha=0.45,
                        zorder=1,
                        label="_realisation",
                    )
                ax.plot([], [], color=_GREY, lw=0.6, alpha=0.6, label="realisations")
            ax.fill_between(
                x10,
                y10 / div,
                np.interp(x10, x90, y90) / div,
                color=_BAND,
                alpha=0.7,
                lw=0,
                label="P10–P90",
                zorder=2,
            )
            ax.plot(x50, y50 / div, color=_BLUE, lw=1.4, label="P50", zorder=3)
            if "estimate" in stats:
                xe, ye = stat("estimate", col)
                ax.plot(xe, ye / div, color=_ORANGE, lw=1.2, ls="--", label="kriged", zorder=4)
            if "mean" in stats:
                xm, ym = stat("mean", col)
                ax.plot(xm, ym / div, color="black", lw=0.6, ls=":", label="mean", zorder=3)
            ax.set_xlabel("cut-off [% TREO]")
            ax.set_ylabel(f"{label} [{ulabel}]")
            ax.set_ylim(bottom=0)
            ax.grid(True, color="0.6", lw=0.3, alpha=0.5)
        h, lab = axes[0].get_legend_handles_labels()
        fig.legend(h, lab, loc="outside lower center", ncol=len(h))
        caption = (
            "Tonnes, TREO grade and contained TREO above cut-off of the simulated domains "
            "(whole model, no RPEEE constraint). Band: P10 to P90 of the realisations at each "
            "cut-off; blue: P50; dashed orange: the kriged estimate of the same blocks; "
            "dotted: the mean of the realisations."
        )
        if n_real:
            caption += f" Grey: the {n_real} realisations."
        caption += (
            " Percentiles are taken at each cut-off and for each quantity separately, so "
            "a percentile curve is not one realisation."
        )
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "gradetonnage"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


# ------------------------------------------------------------ value across realisations

_VALUE_ITEMS = (
    ("pit_value_usd", "ultimate pit value", "Ultimate pit value"),
    ("npv_usd", "NPV", "NPV of the base plan"),
)


def _base_case(outcomes: pd.DataFrame | None, item: str) -> float | None:
    if outcomes is None or not {"item", "estimate"} <= set(outcomes.columns):
        return None
    row = outcomes[outcomes["item"].astype(str).str.lower() == item.lower()]
    if row.empty:
        return None
    v = pd.to_numeric(row["estimate"], errors="coerce").iloc[0]
    return float(v) if np.isfinite(v) else None


def outcome_distributions(
    realisations: pd.DataFrame,
    outcomes: pd.DataFrame | None = None,
    *,
    synthetic: bool = False,
) -> Figure:
    """Histogram and ECDF of the ultimate pit value and the NPV across realisations.

    Parameters
    ----------
    realisations : pandas.DataFrame
        ``uncertainty__realisations``: ``pit_value_usd``, ``npv_usd`` [US$] (NaN when the
        stage did not value the pit or the plan).
    outcomes : pandas.DataFrame, optional
        ``uncertainty__outcomes``: the base case (``estimate``) of the items
        ``ultimate pit value`` and ``NPV`` [US$], marked on every panel.
    synthetic : bool

    Returns
    -------
    Figure
    """
    from matplotlib.ticker import MaxNLocator

    table = "uncertainty__realisations"
    present = [
        it
        for it in _VALUE_ITEMS
        if it[0] in realisations.columns
        and np.isfinite(pd.to_numeric(realisations[it[0]], errors="coerce")).any()
    ]
    if not present:
        raise DataError(
            f"{table}: no finite pit_value_usd or npv_usd (set [uncertainty] pit = true "
            "and npv = true to value the realisations)"
        )
    title = "Value across the realisations"
    with house_style():
        fig = new_figure(4.4, title=title)
        axes = np.asarray(fig.subplots(2, len(present), squeeze=False, sharex="col"))
        for col, (name, item, label) in enumerate(present):
            v = pd.to_numeric(realisations[name], errors="coerce").to_numpy(float)
            v = v[np.isfinite(v)]
            base = _base_case(outcomes, item)
            div, unit = _scale(np.append(v, base if base is not None else np.nan), "US$")
            x = v / div
            p10, p50, p90 = np.percentile(x, [10.0, 50.0, 90.0])
            bins = max(5, min(30, math.ceil(math.sqrt(len(x))) + 3))
            top, bot = axes[0, col], axes[1, col]
            top.hist(x, bins=bins, color=_SKY, edgecolor="white", lw=0.4, label="realisations")
            xs = np.sort(x)
            ecdf = np.arange(1, len(xs) + 1) / len(xs)
            bot.step(xs, ecdf, where="post", color=_BLUE, lw=1.1, label="ECDF")
            bot.scatter(xs, ecdf, s=4, color=_BLUE, zorder=3)
            for ax in (top, bot):
                for q, ls, lab in ((p10, ":", "P10"), (p50, "-", "P50"), (p90, "--", "P90")):
                    ax.axvline(q, color="black", lw=0.7, ls=ls, label=lab)
                if base is not None:
                    ax.axvline(base / div, color=_RED, lw=1.3, label="base case (kriged)")
                ax.grid(True, color="0.6", lw=0.3, alpha=0.5)
            top.set_title(label, loc="left")
            top.set_ylabel("realisations")
            top.yaxis.set_major_locator(MaxNLocator(integer=True))
            bot.set_ylabel("fraction of realisations ≤ value")
            bot.set_ylim(0, 1.02)
            bot.set_xlabel(f"{label} [{unit}]")
        h, lab = axes[0, 0].get_legend_handles_labels()
        h2, lab2 = axes[1, 0].get_legend_handles_labels()
        h += [hh for hh, ll in zip(h2, lab2, strict=True) if ll == "ECDF"]
        lab += ["ECDF"] if "ECDF" in lab2 else []
        fig.legend(h, lab, loc="outside lower center", ncol=min(len(h), 6))
        n = int(np.isfinite(pd.to_numeric(realisations[present[0][0]], errors="coerce")).sum())
        caption = (
            f"Distribution over {n} realisations of "
            + " and ".join(it[1] for it in present)
            + ": histogram (top) and empirical cumulative distribution (bottom), with the "
            "P10, P50 and P90 (black) and the base case valued on the kriged model (red). "
            "Each realisation gets its own ultimate pit; the NPV is that of the base "
            "plan's schedule applied to the realisation. Money in the model's money basis."
        )
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "value-distributions"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


# ------------------------------------------------------------------- probability maps


def probability_plan(
    blocks: pd.DataFrame,
    grid: Any = None,
    *,
    at_k: int | None = None,
    cutoff_pct: float | None = None,
    synthetic: bool = False,
) -> Figure:
    """Plan of the probability above cut-off: one bench and the highest of each column.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``uncertainty__probability_blocks``: ``i``, ``j``, ``k``, ``tonnes`` [t],
        ``prob_above_cutoff`` [-]; ``easting``, ``northing``, ``elevation`` [m] when no
        grid is given.
    grid : DataFrame, Series, mapping or BlockGrid, optional
        The ``estimation__grid`` row (block sizes and rotation).
    at_k : int, optional
        Bench index ``k`` of the left panel; default the bench with the most expected
        tonnes above cut-off.
    cutoff_pct : float, optional
        The probability cut-off [% TREO], for the caption.
    synthetic : bool

    Returns
    -------
    Figure
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    require_columns(blocks, ("prob_above_cutoff",), "uncertainty__probability_blocks")
    pb = _per_block(blocks)
    how = {"prob": ("prob_above_cutoff", "max")}
    how.update({c: (c, "mean") for c in ("easting", "northing", "elevation") if c in pb})
    col = pb.groupby(["i", "j"], sort=True).agg(**how).reset_index()
    sl, k = _bench(pb, at_k)
    verts_col, dx, dy, _ = _plan_cells(col, grid)
    verts_sl, _, _, _ = _plan_cells(sl, grid)
    cmap = colormaps[PROBABILITY_CMAP]
    norm = Normalize(0.0, 1.0)
    title = f"Probability above {_cutoff_text(cutoff_pct)} in plan"
    with house_style():
        fig = new_figure(3.6, title=title)
        axes = fig.subplots(1, 2, sharex=True, sharey=True)
        _cells(
            axes[0],
            verts_sl,
            cmap(norm(sl["prob_above_cutoff"].fillna(0.0).to_numpy())),
            "probability-bench",
        )
        axes[0].set_title(f"bench k = {k} ({_elev(sl)})", loc="left")
        _cells(axes[1], verts_col, cmap(norm(col["prob"].fillna(0.0).to_numpy())), "prob-columns")
        axes[1].set_title("highest block probability in the column", loc="left")
        cb = fig.colorbar(
            ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), shrink=0.85, pad=0.02
        )
        cb.set_label("probability above cut-off [-]")
        _plan_axes(axes, verts_col, max(dx, dy))
        sure = int((col["prob"] >= 0.9).sum())
        caption = (
            f"Probability that a block's TREO grade is at or above {_cutoff_text(cutoff_pct)} "
            f"(the fraction of realisations), in plan (blocks {dx:g} × {dy:g} m). Left: the "
            f"{len(sl):,} simulated blocks of bench k = {k} (elevation {_elev(sl)}, the bench "
            "with the most expected tonnes above cut-off). Right: each of the "
            f"{len(col):,} block columns coloured by the highest probability of its blocks; "
            f"{sure:,} columns hold a block above cut-off with probability 0.9 or more. "
            "Easting and northing in metres."
        )
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "probability-plan"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def probability_section(
    blocks: pd.DataFrame,
    grid: Any = None,
    *,
    at_i: int | None = None,
    cutoff_pct: float | None = None,
    synthetic: bool = False,
) -> Figure:
    """Vertical section across the grid's ``i`` axis coloured by probability above cut-off.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``uncertainty__probability_blocks``: ``i``, ``j``, ``k``, ``tonnes`` [t],
        ``elevation`` [m], ``prob_above_cutoff`` [-].
    grid : DataFrame, Series, mapping or BlockGrid, optional
        The ``estimation__grid`` row; without it ``j`` is taken along northing.
    at_i : int, optional
        Grid column ``i`` of the section; default the one with the most expected tonnes
        above cut-off.
    cutoff_pct : float, optional
        The probability cut-off [% TREO], for the title.
    synthetic : bool

    Returns
    -------
    Figure
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    require_columns(blocks, ("prob_above_cutoff", "elevation"), "uncertainty__probability_blocks")
    pb = _per_block(blocks)
    at = _richest(pb, "i") if at_i is None else int(at_i)
    sec = pb[pb["i"] == at]
    if sec.empty:
        raise DataError(f"uncertainty__probability_blocks has no block at i = {at}")
    g = _grid_or_none(grid)
    if g is not None:
        _, dy, dz = (float(v) for v in g.block_size)
        a0 = sec["j"].to_numpy(np.int64) * dy
        along = f"distance along j (azimuth {g.rotation_deg % 360:g}°) from the grid origin [m]"
    else:
        require_columns(sec, ("northing",), "uncertainty__probability_blocks")
        dy = _cell_size(pb["northing"].to_numpy(float))
        dz = _cell_size(pb["elevation"].to_numpy(float))
        a0 = sec["northing"].to_numpy(float) - dy / 2
        along = "northing [m]"
    zc = sec["elevation"].to_numpy(float)
    verts = np.stack(
        [
            np.column_stack([a0, zc - dz / 2]),
            np.column_stack([a0 + dy, zc - dz / 2]),
            np.column_stack([a0 + dy, zc + dz / 2]),
            np.column_stack([a0, zc + dz / 2]),
        ],
        axis=1,
    )
    cmap = colormaps[PROBABILITY_CMAP]
    norm = Normalize(0.0, 1.0)
    title = f"Probability above {_cutoff_text(cutoff_pct)} on the section at i = {at}"
    with house_style():
        fig = new_figure(3.4, title=title)
        ax = fig.add_subplot()
        _cells(ax, verts, cmap(norm(sec["prob_above_cutoff"].fillna(0.0).to_numpy())), "prob-sec")
        cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.85, pad=0.02)
        cb.set_label("probability above cut-off [-]")
        ax.set_xlabel(along)
        ax.set_ylabel("elevation [m]")
        equal_aspect(
            ax,
            float(a0.min()) - dy,
            float(a0.max()) + 2 * dy,
            float(zc.min()) - 1.5 * dz,
            float(zc.max()) + 1.5 * dz,
        )
        ax.grid(True, color="0.6", lw=0.3, alpha=0.4)
        caption = (
            f"Vertical section across the grid's i axis at column i = {at}, no vertical "
            f"exaggeration: {len(sec):,} simulated blocks coloured by the fraction of "
            f"realisations in which the block's TREO grade is at or above "
            f"{_cutoff_text(cutoff_pct)}. Blocks outside the simulated domains are not drawn."
        )
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "probability-section", f"i{at}"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def etype_plan(
    blocks: pd.DataFrame,
    grid: Any = None,
    *,
    at_k: int | None = None,
    synthetic: bool = False,
) -> Figure:
    """One bench in plan: kriged estimate, E-type mean and the P10–P90 width of TREO.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``uncertainty__probability_blocks``: ``i``, ``j``, ``k``, ``tonnes`` [t],
        ``TREO_pct_estimate``, ``TREO_pct_mean``, ``TREO_pct_P10``, ``TREO_pct_P90`` [%].
    grid : DataFrame, Series, mapping or BlockGrid, optional
        The ``estimation__grid`` row.
    at_k : int, optional
        Bench index ``k``; default the bench with the most expected tonnes above cut-off.
    synthetic : bool

    Returns
    -------
    Figure
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    table = "uncertainty__probability_blocks"
    require_columns(blocks, ("TREO_pct_estimate", "TREO_pct_mean"), table)
    pb = _per_block(blocks)
    sl, k = _bench(pb, at_k)
    verts, dx, dy, _ = _plan_cells(sl, grid)
    est = sl["TREO_pct_estimate"].to_numpy(float)
    mean = sl["TREO_pct_mean"].to_numpy(float)
    both = np.concatenate([est[np.isfinite(est)], mean[np.isfinite(mean)]])
    if not len(both):
        raise DataError(f"{table}: no finite TREO grade on bench k = {k}")
    lo, hi = np.percentile(both, [1.0, 99.0])
    hi = hi if hi > lo else lo + 1.0
    gnorm = Normalize(float(lo), float(hi))
    gcmap = colormaps[GRADE_CMAP]
    panels = [("kriged estimate", est), ("E-type mean of the realisations", mean)]
    width = None
    if {"TREO_pct_P10", "TREO_pct_P90"} <= set(sl.columns):
        width = sl["TREO_pct_P90"].to_numpy(float) - sl["TREO_pct_P10"].to_numpy(float)
    title = f"TREO on bench k = {k} ({_elev(sl)}): estimate, E-type mean, spread"
    with house_style():
        fig = new_figure(3.3, title=title)
        axes = fig.subplots(1, 3 if width is not None else 2, sharex=True, sharey=True)
        nan_rgba = (0.92, 0.92, 0.92, 1.0)
        for ax, (label, v) in zip(axes, panels, strict=False):
            c = gcmap(gnorm(np.nan_to_num(v, nan=lo)))
            c[~np.isfinite(v)] = nan_rgba
            _cells(ax, verts, c, "etype-cells")
            ax.set_title(label, loc="left")
        cb = fig.colorbar(
            ScalarMappable(norm=gnorm, cmap=gcmap),
            ax=list(axes[:2]),
            shrink=0.8,
            pad=0.02,
            location="bottom",
        )
        cb.set_label("TREO [%]")
        if width is not None:
            wmax = float(np.nanpercentile(width, 99.0)) if np.isfinite(width).any() else 1.0
            wnorm = Normalize(0.0, max(wmax, 1e-9))
            wcmap = colormaps["magma_r"]
            c = wcmap(wnorm(np.nan_to_num(width, nan=0.0)))
            c[~np.isfinite(width)] = nan_rgba
            _cells(axes[2], verts, c, "spread-cells")
            axes[2].set_title("P90 − P10", loc="left")
            cb2 = fig.colorbar(
                ScalarMappable(norm=wnorm, cmap=wcmap),
                ax=axes[2],
                shrink=0.8,
                pad=0.02,
                location="bottom",
            )
            cb2.set_label("TREO P90 − P10 [%]")
        _plan_axes(axes, verts, max(dx, dy))
        diff = mean - est
        ok = np.isfinite(diff)
        caption = (
            f"The {len(sl):,} simulated blocks of bench k = {k} (elevation {_elev(sl)}, the "
            "bench with the most expected tonnes above cut-off), in plan: the kriged TREO "
            "estimate, the E-type mean (average of the realisations, block support) on the "
            "same colour scale"
        )
        if width is not None:
            caption += ", and the width of the 80 % interval (P90 − P10) of each block's grade"
        caption += "."
        if ok.any():
            caption += (
                f" Mean E-type − estimate {float(np.mean(diff[ok])):+.3f} % TREO; a large "
                "local difference points to a trend or a search the simulation does not "
                "share with the estimate."
            )
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "etype-plan", f"k{k}"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def support_class_plan(
    blocks: pd.DataFrame,
    grid: Any = None,
    *,
    at_k: int | None = None,
    synthetic: bool = False,
) -> Figure:
    """One bench in plan: the geometric resource class next to the support class.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``uncertainty__probability_blocks``: ``i``, ``j``, ``k``, ``tonnes`` [t],
        ``resource_class`` (geometric, ``""`` if unclassified), ``support_class``.
    grid : DataFrame, Series, mapping or BlockGrid, optional
        The ``estimation__grid`` row.
    at_k : int, optional
        Bench index ``k``; default the bench with the most expected tonnes above cut-off.
    synthetic : bool

    Returns
    -------
    Figure
    """
    from matplotlib.patches import Patch

    table = "uncertainty__probability_blocks"
    require_columns(blocks, ("resource_class", "support_class"), table)
    pb = _per_block(blocks)
    sl, k = _bench(pb, at_k)
    verts, dx, dy, _ = _plan_cells(sl, grid)

    def colours(values: pd.Series) -> list[str]:
        return [
            CLASS_COLOURS.get(str(v) or "Unclassified", CLASS_COLOURS["Unclassified"])
            for v in values
        ]

    title = f"Geometric class and support class on bench k = {k} ({_elev(sl)})"
    with house_style():
        fig = new_figure(3.3, title=title)
        axes = fig.subplots(1, 2, sharex=True, sharey=True)
        for ax, col, label in zip(
            axes,
            ("resource_class", "support_class"),
            ("geometric class (the Mineral Resource)", "support class (realisations)"),
            strict=True,
        ):
            _cells(ax, verts, colours(sl[col]), f"{col}-cells")
            ax.set_title(label, loc="left")
        present = set(sl["resource_class"].replace("", "Unclassified")) | set(sl["support_class"])
        handles = [Patch(color=CLASS_COLOURS[c], label=c) for c in CLASS_ORDER if c in present]
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        _plan_axes(axes, verts, max(dx, dy))
        agree = (sl["resource_class"].astype(str) == sl["support_class"].astype(str)).mean()
        caption = (
            f"The {len(sl):,} simulated blocks of bench k = {k} (elevation {_elev(sl)}): left, "
            "the JORC class of the Mineral Resource from the geometric criteria (drill "
            "spacing, samples, slope of regression); right, the class the realisations "
            "support (Measured: the block's quarterly production panel has a 90 % interval "
            "of metal within the tolerance; Indicated: its annual panel has). The support "
            f"class is reported alongside the geometric class, not instead of it. The two "
            f"agree on {100 * agree:.0f} % of the blocks of this bench."
        )
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "support-plan", f"k{k}"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


# ------------------------------------------------------------------ period confidence


def _period_labels(periods: pd.DataFrame) -> list[str]:
    if {"year_from", "year_to"} <= set(periods.columns):
        out = []
        for a, b in zip(periods["year_from"], periods["year_to"], strict=True):
            a, b = int(a), int(b)
            out.append(f"{a + 1}" if b - a <= 1 else f"{a + 1}–{b}")
        return out
    return [str(int(p) + 1) for p in periods["period"]]


def period_confidence_chart(
    periods: pd.DataFrame, *, tolerance_pct: float = 15.0, synthetic: bool = False
) -> Figure:
    """Metal per schedule period: 90 % interval, P50 ± tolerance and the estimate.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``uncertainty__period_confidence``: ``period``, ``year_from``, ``year_to``,
        ``metal_t_estimate``, ``metal_t_P05``, ``metal_t_P50``, ``metal_t_P95`` [t TREO],
        ``half_width_pct`` [%], ``within_tolerance`` [bool].
    tolerance_pct : float
        Tolerance on the 90 % interval half-width [%].
    synthetic : bool

    Returns
    -------
    Figure
    """
    table = "uncertainty__period_confidence"
    cols = ("period", "metal_t_P05", "metal_t_P50", "metal_t_P95")
    require_columns(periods, cols, table)
    if periods.empty:
        raise DataError(f"{table} is empty: no schedule period")
    d = periods.sort_values("period").reset_index(drop=True)
    p05, p50, p95 = (d[c].to_numpy(float) for c in cols[1:])
    est = d["metal_t_estimate"].to_numpy(float) if "metal_t_estimate" in d else None
    if "half_width_pct" in d:
        hw = d["half_width_pct"].to_numpy(float)
    else:
        hw = 100.0 * np.maximum(p50 - p05, p95 - p50) / np.where(p50 > 0, p50, np.nan)
    if "within_tolerance" in d:
        inside = d["within_tolerance"].fillna(False).astype(bool).to_numpy()
    else:
        inside = hw <= tolerance_pct
    fed = np.isfinite(p50) & (p50 > 0)  # periods without plant feed are neither in nor out
    inside = inside | ~fed
    div, unit = _scale(np.concatenate([p05, p95]), "t")
    tol = tolerance_pct / 100.0
    x = np.arange(len(d))
    labels = _period_labels(d)
    title = "Metal per schedule period: 90 % interval against the tolerance"
    with house_style():
        fig = new_figure(4.3, title=title)
        top, bot = fig.subplots(2, 1, sharex=True, height_ratios=(2.0, 1.0))
        top.bar(
            x,
            2 * tol * p50 / div,
            bottom=(1 - tol) * p50 / div,
            width=0.7,
            color=_BAND,
            alpha=0.6,
            label=f"P50 ± {tolerance_pct:g} %",
        )
        for ok, colour, lab in ((True, "black", "P05–P95"), (False, _RED, "P05–P95 outside")):
            m = (inside == ok) & fed
            if m.any():
                top.errorbar(
                    x[m],
                    p50[m] / div,
                    yerr=[(p50[m] - p05[m]) / div, (p95[m] - p50[m]) / div],
                    fmt="o",
                    ms=3,
                    color=colour,
                    ecolor=colour,
                    elinewidth=1.0,
                    capsize=2.5,
                    label=lab,
                    zorder=3,
                )
        if est is not None and np.isfinite(est).any():
            top.scatter(
                x, est / div, marker="D", s=12, color=_ORANGE, label="kriged estimate", zorder=4
            )
        top.set_ylabel(f"TREO in plant feed [{unit}]")
        top.set_ylim(bottom=0)
        top.grid(True, axis="y", color="0.6", lw=0.3, alpha=0.5)
        top.legend(loc="upper right", ncol=2)
        bot.bar(x, np.where(fed, hw, 0.0), width=0.7, color=np.where(inside, _SKY, _RED))
        bot.axhline(tolerance_pct, color="black", lw=0.8, ls="--")
        top_hw = float(np.nanmax(np.where(fed, hw, np.nan))) if fed.any() else 0.0
        bot.set_ylim(0, 1.25 * max(tolerance_pct, top_hw if math.isfinite(top_hw) else 0.0))
        bot.text(
            x[-1] + 0.45,
            tolerance_pct,
            f"tolerance {tolerance_pct:g} %",
            ha="right",
            va="bottom",
            fontsize=6.5,
        )
        for n in np.flatnonzero(~fed):
            bot.text(x[n], 0.5, "no feed", ha="center", va="bottom", rotation=90, fontsize=6)
        bot.set_ylabel("half-width [% of P50]")
        bot.grid(True, axis="y", color="0.6", lw=0.3, alpha=0.5)
        step = max(1, math.ceil(len(x) / 16))
        bot.set_xticks(x[::step])
        bot.set_xticklabels(labels[::step])
        bot.set_xlabel("year")
        out = [labels[n] for n in np.flatnonzero(~inside)]
        idle = [labels[n] for n in np.flatnonzero(~fed)]
        caption = (
            f"Contained TREO in the plant feed of each of the {len(d)} schedule periods over "
            "the realisations [" + unit + "]: P50 (dot) and the 90 % interval P05–P95 "
            f"(whiskers) against the band P50 ± {tolerance_pct:g} % (blue); orange diamonds: "
            "the kriged estimate. Bottom: the half-width of the 90 % interval as a "
            "percentage of the P50; red periods are outside the tolerance."
        )
        caption += (
            f" Outside tolerance: year(s) {', '.join(out)}."
            if out
            else " Every period with plant feed is within."
        )
        if idle:
            caption += f" No plant feed in year(s) {', '.join(idle)}."
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "period-confidence"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


# -------------------------------------------------------------------------- validation


def _domain_grid(n: int, ncols: int) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def histogram_reproduction(vh: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Quantiles of the declustered data against the realisations' P10, P50 and P90.

    Parameters
    ----------
    vh : pandas.DataFrame
        ``uncertainty__validation_histogram``: ``domain``, ``quantile`` [-], ``data``,
        ``sim_P10``, ``sim_P50``, ``sim_P90`` [% TREO]; optional ``passed`` [bool],
        ``tolerance_sd``, ``error_sd`` [data SD].
    synthetic : bool

    Returns
    -------
    Figure
    """
    table = "uncertainty__validation_histogram"
    require_columns(vh, ("domain", "quantile", "data", "sim_P10", "sim_P50", "sim_P90"), table)
    if vh.empty:
        raise DataError(f"{table} is empty")
    domains = list(dict.fromkeys(vh["domain"].astype(str)))
    shown = domains[:_MAX_DOMAINS]
    nrows, ncols = _domain_grid(len(shown), 3)
    title = "Histogram reproduction: data quantiles against the realisations"
    with house_style():
        fig = new_figure(0.4 + 2.2 * nrows, title=title)
        axes = np.asarray(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        for ax, dom in zip(axes, shown, strict=False):
            d = vh[vh["domain"].astype(str) == dom].sort_values("quantile")
            q = d["quantile"].to_numpy(float)
            ax.fill_between(
                q,
                d["sim_P10"].to_numpy(float),
                d["sim_P90"].to_numpy(float),
                color=_BAND,
                alpha=0.8,
                lw=0,
                label="realisations P10–P90",
            )
            ax.plot(q, d["sim_P50"].to_numpy(float), color=_BLUE, lw=1.2, label="realisations P50")
            ax.plot(
                q,
                d["data"].to_numpy(float),
                color="black",
                marker="o",
                ms=2.5,
                lw=0.8,
                label="declustered data",
            )
            if "passed" in d:
                bad = ~d["passed"].fillna(False).astype(bool).to_numpy()
                if bad.any():
                    ax.scatter(
                        q[bad],
                        d["data"].to_numpy(float)[bad],
                        marker="x",
                        s=28,
                        color=_RED,
                        zorder=5,
                        label="outside tolerance",
                    )
            ax.set_title(f"domain {_short(dom, 40)}", loc="left")
            ax.set_xlabel("quantile [-]")
            ax.set_ylabel("TREO [%]")
            ax.grid(True, color="0.6", lw=0.3, alpha=0.5)
        for ax in axes[len(shown) :]:
            ax.set_visible(False)
        handles: dict[str, Any] = {}
        for ax in axes[: len(shown)]:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(lab, h)
        fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=4)
        tol = ""
        tsd = pd.to_numeric(vh.get("tolerance_sd", pd.Series(dtype=float)), errors="coerce")
        if tsd.notna().any():
            tol = (
                f" A quantile passes when the P50 is within {float(tsd.max()):g} data "
                "standard deviations of the data quantile; red crosses fail."
            )
        caption = (
            "Quantiles 0.05 to 0.95 of the declustered composites (black) against the same "
            "quantiles of each realisation, summarised by their P10–P90 band and P50 (blue), "
            "per domain." + tol
        )
        if len(domains) > len(shown):
            caption += f" First {len(shown)} of {len(domains)} domains; the table lists all."
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "validation-histogram"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def variogram_reproduction(vv: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Normal-score variogram model against the realisations' variograms, per direction.

    Parameters
    ----------
    vv : pandas.DataFrame
        ``uncertainty__validation_variogram``: ``domain``, ``direction`` (``major``,
        ``semi-major``, ``minor``), ``lag_m`` [m], ``model``, ``sim_P10``, ``sim_P50``,
        ``sim_P90`` [-, normal-score γ].
    synthetic : bool

    Returns
    -------
    Figure
    """
    table = "uncertainty__validation_variogram"
    require_columns(
        vv, ("domain", "direction", "lag_m", "model", "sim_P10", "sim_P50", "sim_P90"), table
    )
    if vv.empty:
        raise DataError(f"{table} is empty")
    domains = list(dict.fromkeys(vv["domain"].astype(str)))[:_MAX_DOMAINS]
    found = list(dict.fromkeys(vv["direction"].astype(str)))
    directions = [d for d in _DIRECTIONS if d in found] + [d for d in found if d not in _DIRECTIONS]
    title = "Variogram reproduction: normal-score model against the realisations"
    with house_style():
        fig = new_figure(0.5 + 1.75 * len(domains), title=title)
        axes = np.asarray(fig.subplots(len(domains), len(directions), squeeze=False, sharey=True))
        for r, dom in enumerate(domains):
            for c, direc in enumerate(directions):
                ax = axes[r, c]
                d = vv[(vv["domain"].astype(str) == dom) & (vv["direction"].astype(str) == direc)]
                d = d.sort_values("lag_m")
                if d.empty:
                    ax.set_visible(False)
                    continue
                lag = d["lag_m"].to_numpy(float)
                ax.fill_between(
                    lag,
                    d["sim_P10"].to_numpy(float),
                    d["sim_P90"].to_numpy(float),
                    color=_BAND,
                    alpha=0.8,
                    lw=0,
                    label="realisations P10–P90",
                )
                p50 = d["sim_P50"].to_numpy(float)
                ax.plot(lag, p50, color=_BLUE, lw=1.0, label="realisations P50")
                few = (
                    d["pairs"].fillna(0).to_numpy(float) < _MIN_PAIRS
                    if "pairs" in d
                    else np.zeros(len(d), bool)
                )
                ax.scatter(lag[~few], p50[~few], s=6, color=_BLUE, zorder=3)
                if few.any():
                    ax.scatter(
                        lag[few],
                        p50[few],
                        s=10,
                        facecolors="white",
                        edgecolors=_BLUE,
                        linewidths=0.8,
                        zorder=3,
                        label=f"fewer than {_MIN_PAIRS} pairs",
                    )
                ax.plot(lag, d["model"].to_numpy(float), color="black", lw=1.2, label="model")
                ax.axhline(1.0, color=_GREY, lw=0.6, ls=":")
                ax.set_xlim(left=0)
                if r == 0:
                    ax.set_title(direc, loc="left")
                if r == len(domains) - 1:
                    ax.set_xlabel("lag [m]")
                if c == 0:
                    ax.set_ylabel(f"{_short(dom)}\nγ (normal score) [-]")
                ax.grid(True, color="0.6", lw=0.3, alpha=0.5)
        shown = vv[vv["domain"].astype(str).isin(domains)]
        values = shown[["model", "sim_P50", "sim_P90"]].to_numpy(float)
        top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
        axes[0, 0].set_ylim(0.0, 1.08 * max(top, 1.0))  # shared by every panel
        handles: dict[str, Any] = {}
        for ax in axes.ravel():
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(lab, h)
        fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=4)
        n_all = int(vv["domain"].astype(str).nunique())
        caption = (
            "Normal-score variogram model used by the simulation (black) against the "
            "experimental normal-score variograms of the realisations in the major, "
            "semi-major and minor directions: P10–P90 band and P50 (blue). Dotted: the unit "
            "sill. Rows: domains; columns: directions. Realisations that reproduce the model "
            "keep its spatial continuity."
        )
        if "pairs" in vv:
            caption += (
                f" Hollow points: lags with fewer than {_MIN_PAIRS} pairs, too few to judge "
                "(the stage leaves them out of its check)."
            )
        if n_all > len(domains):
            caption += f" First {len(domains)} of {n_all} domains."
        return finish(
            fig,
            fig_id=figure_id("uncertainty", "validation-variogram"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )
