"""Mining figures: pit by pit, slope pattern error, pit shells on a section and a plan, and
the schedule (tonnes by phase, head grade and NdPr production, discounted cash flow).

Inputs are the store tables as stored (``mining__pit_by_pit``, ``mining__slope_errors``,
``mining__pit_blocks``, ``estimation__grid`` and the reserve stage's ``schedule_periods``);
no function modifies them. Every function returns a report
:class:`~mine2magnet.report.document.Figure` whose SVG keeps text as text; dense block
patches are rasterised so the SVG stays small. Phases use the Okabe–Ito colours
(colour-blind safe); pit shells the perceptually uniform *viridis*.

Grid convention (docs/conventions.md): ``i`` runs along azimuth ``rotation_deg + 90``,
``j`` along ``rotation_deg``; pit blocks outside the block model (padding) have indices
outside its counts and are drawn like any other.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    equal_aspect,
    figure_id,
    finish,
    house_style,
    new_figure,
    north_arrow,
    require_columns,
    scale_bar,
)
from mine2magnet.report.figures._geometry import as_grid

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "PHASE_COLOURS",
    "pit_by_pit_chart",
    "pit_shells_plan",
    "pit_shells_section",
    "schedule_cash_chart",
    "schedule_grade_chart",
    "schedule_tonnes_chart",
    "slope_error_chart",
]

#: Okabe–Ito colours of phases 1, 2, … (cycled).
PHASE_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
_RASTER = 400  # patches above which a collection is rasterised
_OUTSIDE = "#D9D9D9"  # blocks of the RPEEE shell outside every nested pit


def _phase_colour(p: int) -> str:
    return PHASE_COLOURS[(int(p) - 1) % len(PHASE_COLOURS)]


def _mt(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float) / 1e6


# ------------------------------------------------------------------------- pit by pit


def pit_by_pit_chart(
    pit_by_pit: pd.DataFrame, *, final_pit: int | None = None, synthetic: bool = False
) -> Figure:
    """Ore and waste tonnes of every nested pit with its best and worst discounted value.

    Parameters
    ----------
    pit_by_pit : pandas.DataFrame
        ``mining__pit_by_pit``: ``pit``, ``revenue_factor`` [-], ``ore_tonnes``,
        ``waste_tonnes`` [t], ``npv_best_usd``, ``npv_worst_usd`` [US$].
    final_pit : int, optional
        Shell marked as the final (phase) pit.
    synthetic : bool
        Mark the figure as SYNTHETIC data.

    Returns
    -------
    Figure
    """
    require_columns(
        pit_by_pit,
        ("pit", "revenue_factor", "ore_tonnes", "waste_tonnes", "npv_best_usd", "npv_worst_usd"),
        "mining__pit_by_pit",
    )
    if pit_by_pit.empty:
        raise DataError("mining__pit_by_pit is empty: no nested pit to draw")
    df = pit_by_pit.sort_values("pit")
    x = np.arange(len(df))
    title = "Pit by pit: tonnes and discounted value of the nested pits"
    with house_style():
        fig = new_figure(3.4)
        ax = fig.add_subplot()
        ore, waste = _mt(df["ore_tonnes"]), _mt(df["waste_tonnes"])
        ax.bar(x, ore, color="#B2182B", label="ore", width=0.8)
        ax.bar(x, waste, bottom=ore, color="#BDBDBD", label="waste", width=0.8)
        ax.set_ylabel("rock [Mt]")
        ax.set_xlabel("nested pit (revenue factor)")
        step = max(1, math.ceil(len(df) / 12))
        ax.set_xticks(x[::step])
        ax.set_xticklabels(
            [
                f"{int(p)}\n({f:g})"
                for p, f in zip(
                    df["pit"].iloc[::step], df["revenue_factor"].iloc[::step], strict=True
                )
            ]
        )
        ax2 = ax.twinx()
        ax2.plot(
            x,
            _mt(df["npv_best_usd"]),
            color="#0072B2",
            marker="o",
            ms=2.5,
            label="best case (pit by pit)",
        )
        ax2.plot(
            x,
            _mt(df["npv_worst_usd"]),
            color="#E69F00",
            marker="s",
            ms=2.5,
            label="worst case (bench by bench)",
        )
        ax2.set_ylabel("discounted value [M US$]")
        if final_pit is not None and int(final_pit) in set(df["pit"].astype(int)):
            xf = int(np.flatnonzero(df["pit"].to_numpy() == int(final_pit))[0])
            ax.axvline(xf, color="black", lw=0.8, ls="--", zorder=5)
            ax.text(xf, ax.get_ylim()[1] * 0.98, " final pit", ha="left", va="top", fontsize=6.5)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        fig.legend(h1 + h2, l1 + l2, loc="outside lower center", ncol=4)
        ax.grid(True, axis="y", color="0.6", lw=0.3, alpha=0.5)
        caption = (
            f"{len(df)} nested pits by revenue factor (price × factor). Bars: ore and waste "
            "tonnes of each pit [Mt]; lines: discounted value of each pit mined as the final "
            "pit [M US$], best case (the nested pits mined one after the other) and worst "
            "case (the pit mined bench by bench), at the plant and mining rates of [mining]."
        )
        if final_pit is not None:
            caption += f" Dashed: the final pit of the phases (pit {int(final_pit)})."
        return finish(
            fig,
            fig_id=figure_id("mining", "pit-by-pit"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def slope_error_chart(slope_errors: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Designed and enforced overall slope angle by azimuth, per slope zone.

    Parameters
    ----------
    slope_errors : pandas.DataFrame
        ``mining__slope_errors``: ``zone``, ``azimuth_deg``, ``target_deg``,
        ``pattern_deg``, ``error_deg`` [deg].
    synthetic : bool

    Returns
    -------
    Figure
    """
    require_columns(
        slope_errors, ("zone", "azimuth_deg", "target_deg", "pattern_deg"), "mining__slope_errors"
    )
    if slope_errors.empty:
        raise DataError("mining__slope_errors is empty")
    zones = sorted(slope_errors["zone"].unique())
    title = "Slope angles: designed and enforced by the precedence pattern"
    with house_style():
        fig = new_figure(2.8)
        ax = fig.add_subplot()
        for n, z in enumerate(zones):
            d = slope_errors[slope_errors["zone"] == z].sort_values("azimuth_deg")
            c = PHASE_COLOURS[n % len(PHASE_COLOURS)]
            ax.plot(
                d["azimuth_deg"],
                d["target_deg"],
                color=c,
                lw=1.0,
                ls="--",
                label=f"zone {z}: designed",
            )
            ax.plot(d["azimuth_deg"], d["pattern_deg"], color=c, lw=1.0, label=f"zone {z}: pattern")
        ax.set_xlim(0, 360)
        ax.set_xticks(range(0, 361, 45))
        ax.set_xlabel("azimuth from a block towards the wall [°]")
        ax.set_ylabel("overall slope angle [°]")
        ax.grid(True, color="0.6", lw=0.3, alpha=0.5)
        fig.legend(loc="outside lower center", ncol=min(4, 2 * len(zones)))
        err = (slope_errors["pattern_deg"] - slope_errors["target_deg"]).abs().max()
        caption = (
            f"Overall slope angle of each of {len(zones)} slope zone(s) by azimuth: designed "
            "(dashed, the sectors of [mining.slopes]) and enforced on a long wall by the "
            f"minimal precedence pattern (solid). Largest difference {err:.1f}°; steeper than "
            "designed is optimistic."
        )
        return finish(
            fig,
            fig_id=figure_id("mining", "slope-errors"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


# ------------------------------------------------------------------------- pit shells


def _sizes(grid: Any) -> tuple[Any, float, float, float]:
    g = as_grid(grid)
    dx, dy, dz = (float(v) for v in g.block_size)
    return g, dx, dy, dz


def _outline(mask2d: np.ndarray, u0: float, v0: float, du: float, dv: float) -> np.ndarray:
    """Edges between cells in and out of ``mask2d`` (rows v, columns u) as segments [m]."""
    m = np.pad(mask2d, 1)
    segs = []
    vv, uu = np.nonzero(m[1:-1, 1:-1])
    for dv_, du_, edge in ((0, -1, "left"), (0, 1, "right"), (-1, 0, "bottom"), (1, 0, "top")):
        out = ~m[vv + 1 + dv_, uu + 1 + du_]
        for v, u in zip(vv[out], uu[out], strict=True):
            x0, y0 = u0 + u * du, v0 + v * dv
            if edge == "left":
                segs.append(((x0, y0), (x0, y0 + dv)))
            elif edge == "right":
                segs.append(((x0 + du, y0), (x0 + du, y0 + dv)))
            elif edge == "bottom":
                segs.append(((x0, y0), (x0 + du, y0)))
            else:
                segs.append(((x0, y0 + dv), (x0 + du, y0 + dv)))
    return np.asarray(segs, dtype=float).reshape(-1, 2, 2)


def _shell_norm(pit_id: np.ndarray) -> tuple[Any, Any, int]:
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm

    n = max(int(pit_id.max()), 1)
    cmap = colormaps["viridis_r"].resampled(n)
    return cmap, BoundaryNorm(np.arange(0.5, n + 1.5), cmap.N), n


def _shell_colourbar(fig: Any, ax: Axes, cmap: Any, norm: Any, n: int, rf: pd.Series) -> None:
    from matplotlib.cm import ScalarMappable

    cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.85, pad=0.02)
    ticks = np.unique(np.linspace(1, n, min(n, 6)).round().astype(int))
    cb.set_ticks(ticks)
    cb.set_ticklabels([f"{t} ({rf.get(t, float('nan')):g})" for t in ticks])
    cb.set_label("smallest nested pit holding the block (revenue factor)")


def pit_shells_section(
    pit_blocks: pd.DataFrame,
    grid: Any,
    *,
    at_i: int | None = None,
    synthetic: bool = False,
) -> Figure:
    """Vertical section across the grid's ``i`` axis: nested pit shells and the final pit.

    Parameters
    ----------
    pit_blocks : pandas.DataFrame
        ``mining__pit_blocks``: ``i``, ``j``, ``k``, ``elevation`` [m], ``pit_id``,
        ``revenue_factor``, ``phase``; optional ``ground_m`` [m], ``in_rpeee_shell``.
    grid : DataFrame, Series, mapping or BlockGrid
        The ``estimation__grid`` row (block sizes and rotation).
    at_i : int, optional
        Grid column ``i`` of the section; default the one with the most phase-pit tonnes.
    synthetic : bool

    Returns
    -------
    Figure
    """
    from matplotlib.collections import LineCollection, PolyCollection

    require_columns(
        pit_blocks,
        ("i", "j", "k", "elevation", "pit_id", "revenue_factor", "phase"),
        "mining__pit_blocks",
    )
    if pit_blocks.empty:
        raise DataError("mining__pit_blocks is empty: no pit to draw")
    g, dx, dy, dz = _sizes(grid)
    pb = pit_blocks
    if at_i is None:
        w = pb["tonnes"] if "tonnes" in pb else pd.Series(1.0, index=pb.index)
        by_i = w.where(pb["phase"] > 0, 0.0).groupby(pb["i"]).sum()
        at_i = int(by_i.idxmax()) if by_i.max() > 0 else int(pb["i"].median())
    sec = pb[pb["i"] == int(at_i)]
    if sec.empty:
        raise DataError(f"no pit block at i = {at_i}; choose a column inside the pit")
    j = sec["j"].to_numpy(np.int64)
    zc = sec["elevation"].to_numpy(float)
    a0 = j * dy
    pid = sec["pit_id"].to_numpy(np.int64)
    cmap, norm, n = _shell_norm(pb["pit_id"].to_numpy(np.int64))
    colours = np.where(
        pid[:, None] > 0, cmap(norm(np.maximum(pid, 1))), np.array([*_hex_rgba(_OUTSIDE)])[None, :]
    )
    verts = np.stack(
        [
            np.column_stack([a0, zc - dz / 2]),
            np.column_stack([a0 + dy, zc - dz / 2]),
            np.column_stack([a0 + dy, zc + dz / 2]),
            np.column_stack([a0, zc + dz / 2]),
        ],
        axis=1,
    )
    # outline of the final (phase) pit on the section grid
    jmin, jmax = int(j.min()), int(j.max())
    zmin = float(zc.min() - dz / 2)
    kk = np.rint((zc - dz / 2 - zmin) / dz).astype(np.int64)
    grid2 = np.zeros((int(kk.max()) + 1, jmax - jmin + 1), bool)
    ph = sec["phase"].to_numpy() > 0
    grid2[kk[ph], j[ph] - jmin] = True
    segs = _outline(grid2, jmin * dy, zmin, dy, dz)
    rf = pb.groupby("pit_id")["revenue_factor"].first()
    title = f"Nested pit shells on the section at i = {int(at_i)}"
    with house_style():
        fig = new_figure(3.6, title=title)
        ax = fig.add_subplot()
        pc = PolyCollection(
            verts, facecolors=colours, edgecolors="face", linewidths=0.3, antialiased=False
        )
        pc.set_gid("shell-blocks")
        pc.set_rasterized(len(verts) > _RASTER)
        ax.add_collection(pc)
        if len(segs):
            lc = LineCollection(segs, colors="black", linewidths=1.1, label="final pit (phases)")
            lc.set_gid("final-pit")
            ax.add_collection(lc)
        if "ground_m" in sec:
            gr = sec.groupby("j")["ground_m"].max().sort_index()
            ax.step(
                gr.index.to_numpy() * dy + dy / 2,
                gr.to_numpy(),
                where="mid",
                color="#8C510A",
                lw=0.9,
                label="ground",
            )
        _shell_colourbar(fig, ax, cmap, norm, n, rf)
        ax.set_xlabel(
            f"distance along j (azimuth {g.rotation_deg % 360:g}°) from the grid origin [m]"
        )
        ax.set_ylabel("elevation [m]")
        top = float(sec["ground_m"].max()) if "ground_m" in sec else float(zc.max() + dz / 2)
        equal_aspect(ax, float(a0.min()) - dy, float(a0.max()) + 2 * dy, zmin - dz, top + dz)
        ax.legend(loc="lower right")
        ax.grid(True, color="0.6", lw=0.3, alpha=0.4)
        caption = (
            f"Vertical section across the grid's i axis at column i = {int(at_i)} (block "
            f"{dx:g} × {dy:g} × {dz:g} m, grid rotation {g.rotation_deg:g}°), no vertical "
            "exaggeration. Each block is coloured by the smallest nested pit that mines it "
            "(its revenue factor in brackets); light grey: inside the RPEEE shell only. "
            "Black: outline of the final pit of the phases; brown: ground surface."
        )
        return finish(
            fig,
            fig_id=figure_id("mining", "shells-section", f"i{int(at_i)}"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def _hex_rgba(colour: str) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(colour)


def pit_shells_plan(pit_blocks: pd.DataFrame, grid: Any, *, synthetic: bool = False) -> Figure:
    """Plan of the nested pit shells (first shell reaching each column) and the final pit.

    Parameters
    ----------
    pit_blocks : pandas.DataFrame
        ``mining__pit_blocks``: ``i``, ``j``, ``pit_id``, ``revenue_factor``, ``phase``.
    grid : DataFrame, Series, mapping or BlockGrid
        The ``estimation__grid`` row.
    synthetic : bool

    Returns
    -------
    Figure
    """
    from matplotlib.collections import LineCollection, PolyCollection

    require_columns(
        pit_blocks, ("i", "j", "pit_id", "revenue_factor", "phase"), "mining__pit_blocks"
    )
    g, dx, dy, _ = _sizes(grid)
    pb = pit_blocks[pit_blocks["pit_id"] > 0]
    if pb.empty:
        raise DataError("mining__pit_blocks has no block inside a nested pit")
    col = pb.groupby(["i", "j"]).agg(pit=("pit_id", "min"), phase=("phase", "max")).reset_index()
    i = col["i"].to_numpy(np.int64)
    j = col["j"].to_numpy(np.int64)
    ax_ = g.axes()

    def world(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e = g.origin[0] + u * ax_[0, 0] + v * ax_[1, 0]
        nn = g.origin[1] + u * ax_[0, 1] + v * ax_[1, 1]
        return e, nn

    du = np.array([0.0, 1.0, 1.0, 0.0])
    dv = np.array([0.0, 0.0, 1.0, 1.0])
    e, nn = world((i[:, None] + du) * dx, (j[:, None] + dv) * dy)
    verts = np.stack([e, nn], axis=-1)
    cmap, norm, n = _shell_norm(pit_blocks["pit_id"].to_numpy(np.int64))
    colours = cmap(norm(col["pit"].to_numpy()))
    i0, j0 = int(i.min()), int(j.min())
    mask = np.zeros((int(j.max()) - j0 + 1, int(i.max()) - i0 + 1), bool)
    fp = col["phase"].to_numpy() > 0
    mask[j[fp] - j0, i[fp] - i0] = True
    segs_local = _outline(mask, i0 * dx, j0 * dy, dx, dy)
    se, sn = world(segs_local[..., 0], segs_local[..., 1])
    segs = np.stack([se, sn], axis=-1)
    rf = pit_blocks.groupby("pit_id")["revenue_factor"].first()
    title = "Nested pit shells in plan"
    with house_style():
        fig = new_figure(4.2, title=title)
        ax = fig.add_subplot()
        pc = PolyCollection(
            verts, facecolors=colours, edgecolors="face", linewidths=0.3, antialiased=False
        )
        pc.set_gid("shell-columns")
        pc.set_rasterized(len(verts) > _RASTER)
        ax.add_collection(pc)
        if len(segs):
            lc = LineCollection(segs, colors="black", linewidths=1.1, label="final pit (phases)")
            lc.set_gid("final-pit")
            ax.add_collection(lc)
        _shell_colourbar(fig, ax, cmap, norm, n, rf)
        ax.set_xlabel("easting [m]")
        ax.set_ylabel("northing [m]")
        pad = 2 * max(dx, dy)
        equal_aspect(
            ax,
            float(verts[..., 0].min()) - pad,
            float(verts[..., 0].max()) + pad,
            float(verts[..., 1].min()) - pad,
            float(verts[..., 1].max()) + pad,
        )
        ax.legend(loc="upper left")
        scale_bar(ax)
        north_arrow(ax)
        ax.grid(True, color="0.6", lw=0.3, alpha=0.4)
        caption = (
            f"Plan of the {len(col):,} block columns inside the nested pits (blocks {dx:g} × "
            f"{dy:g} m, grid rotation {g.rotation_deg:g}°), each coloured by the smallest "
            "nested pit that reaches it (revenue factor in brackets). Black: outline of the "
            "final pit of the phases. Easting and northing in metres."
        )
        return finish(
            fig,
            fig_id=figure_id("mining", "shells-plan"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


# ------------------------------------------------------------------------- schedule


def _period_labels(periods: pd.DataFrame) -> list[str]:
    if {"year_from", "year_to"} <= set(periods.columns):
        out = []
        for a, b in zip(periods["year_from"], periods["year_to"], strict=True):
            a, b = int(a), int(b)
            out.append(f"{a + 1}" if b - a == 1 else f"{a + 1}–{b}")
        return out
    return [str(int(p) + 1) for p in periods["period"]]


def _phase_columns(periods: pd.DataFrame, prefix: str) -> list[tuple[int, str]]:
    out = []
    for c in periods.columns:
        if c.startswith(prefix) and c.endswith("_tonnes"):
            mid = c[len(prefix) : -len("_tonnes")]
            if mid.isdigit():
                out.append((int(mid), c))
    return sorted(out)


def schedule_tonnes_chart(periods: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Rock mined and plant feed per period, stacked by phase.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``schedule_periods``: ``period``, ``year_from``, ``year_to``,
        ``mined_phase_<p>_tonnes`` [t rock], ``feed_phase_<p>_tonnes`` [t feed].
    synthetic : bool

    Returns
    -------
    Figure
    """
    mined = _phase_columns(periods, "mined_phase_")
    feed = _phase_columns(periods, "feed_phase_")
    if not mined or not feed:
        raise DataError(
            "schedule_periods lacks the mined_phase_<p>_tonnes and feed_phase_<p>_tonnes columns"
        )
    x = np.arange(len(periods))
    labels = _period_labels(periods)
    title = "Schedule: rock mined and plant feed per period, by phase"
    with house_style():
        fig = new_figure(4.4)
        axes = fig.subplots(2, 1, sharex=True)
        for ax, cols, what in (
            (axes[0], mined, "rock mined [Mt]"),
            (axes[1], feed, "plant feed [Mt]"),
        ):
            bottom = np.zeros(len(periods))
            for p, c in cols:
                v = _mt(periods[c])
                ax.bar(x, v, bottom=bottom, color=_phase_colour(p), width=0.8, label=f"phase {p}")
                bottom += v
            ax.set_ylabel(what)
            ax.grid(True, axis="y", color="0.6", lw=0.3, alpha=0.5)
        step = max(1, math.ceil(len(x) / 16))
        axes[1].set_xticks(x[::step])
        axes[1].set_xticklabels(labels[::step])
        axes[1].set_xlabel("year")
        h, lab = axes[0].get_legend_handles_labels()
        fig.legend(h, lab, loc="outside lower center", ncol=min(len(h), 8))
        caption = (
            f"Life-of-mine schedule of the phase pit over {len(periods)} periods: rock mined "
            "(ore and waste) and plant feed (after mining recovery and dilution) per period, "
            "stacked by the phase the material comes from [Mt]."
        )
        return finish(
            fig,
            fig_id=figure_id("mining", "schedule-tonnes"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def schedule_grade_chart(periods: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Head grade of the plant feed and NdPr oxide produced per period.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``schedule_periods``: ``TREO_pct``, ``NdPr_pct`` [%], ``NdPr_product_t`` [t],
        ``feed_tonnes`` [t].
    synthetic : bool

    Returns
    -------
    Figure
    """
    require_columns(periods, ("TREO_pct", "feed_tonnes"), "schedule_periods")
    x = np.arange(len(periods))
    fed = periods["feed_tonnes"].to_numpy(float) > 0
    title = "Schedule: head grade and NdPr oxide production"
    with house_style():
        fig = new_figure(4.0)
        axes = fig.subplots(2, 1, sharex=True)
        for c, colour, lab in (
            ("TREO_pct", "#0072B2", "TREO"),
            ("NdPr_pct", "#D55E00", "NdPr oxide"),
        ):
            if c in periods:
                y = np.where(fed, periods[c].to_numpy(float), np.nan)
                axes[0].plot(x, y, marker="o", ms=2.5, color=colour, label=lab)
        axes[0].set_ylabel("head grade [%]")
        axes[0].set_ylim(bottom=0)
        axes[0].legend(loc="upper right")
        axes[0].grid(True, color="0.6", lw=0.3, alpha=0.5)
        prod = "NdPr_product_t" if "NdPr_product_t" in periods else "NdPr_t"
        if prod in periods:
            axes[1].bar(x, periods[prod].to_numpy(float), color="#009E73", width=0.8)
        axes[1].set_ylabel(
            "NdPr oxide [t]" if prod == "NdPr_product_t" else "NdPr oxide in feed [t]"
        )
        axes[1].grid(True, axis="y", color="0.6", lw=0.3, alpha=0.5)
        step = max(1, math.ceil(len(x) / 16))
        axes[1].set_xticks(x[::step])
        axes[1].set_xticklabels(_period_labels(periods)[::step])
        axes[1].set_xlabel("year")
        what = (
            "produced after processing recovery"
            if prod == "NdPr_product_t"
            else "contained in the feed"
        )
        caption = (
            "Top: tonnage-weighted TREO and NdPr oxide (Nd2O3 + Pr6O11) grades of the plant "
            "feed per period (Measured and Indicated metal only; dilution at zero grade). "
            f"Bottom: NdPr oxide {what} per period [t]."
        )
        return finish(
            fig,
            fig_id=figure_id("mining", "schedule-grade"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def schedule_cash_chart(periods: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Discounted cash flow per period and its running total.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``schedule_periods``: ``discounted_cash_flow_usd``,
        ``cumulative_discounted_cash_flow_usd`` [US$].
    synthetic : bool

    Returns
    -------
    Figure
    """
    require_columns(
        periods,
        ("discounted_cash_flow_usd", "cumulative_discounted_cash_flow_usd"),
        "schedule_periods",
    )
    x = np.arange(len(periods))
    dcf = _mt(periods["discounted_cash_flow_usd"])
    cum = _mt(periods["cumulative_discounted_cash_flow_usd"])
    title = "Schedule: discounted operating cash flow"
    with house_style():
        fig = new_figure(3.0)
        ax = fig.add_subplot()
        ax.bar(
            x,
            dcf,
            color=np.where(dcf >= 0, "#56B4E9", "#D55E00"),
            width=0.8,
            label="discounted cash flow of the period",
        )
        ax.plot(x, cum, color="black", marker="o", ms=2.5, label="cumulative")
        ax.axhline(0, color="0.3", lw=0.6)
        ax.set_ylabel("M US$ (discounted)")
        step = max(1, math.ceil(len(x) / 16))
        ax.set_xticks(x[::step])
        ax.set_xticklabels(_period_labels(periods)[::step])
        ax.set_xlabel("year")
        ax.grid(True, axis="y", color="0.6", lw=0.3, alpha=0.5)
        ax.legend(loc="upper left")
        caption = (
            "Operating cash flow of the schedule (revenue of Measured and Indicated metal "
            "less mining, processing, selling costs and royalty), discounted at the end of "
            f"each year, per period (bars) and cumulative (line; NPV {cum[-1]:,.0f} M US$). "
            "Before capital costs, closure and tax."
        )
        return finish(
            fig,
            fig_id=figure_id("mining", "schedule-cash"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )
