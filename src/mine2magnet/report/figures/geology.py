"""Geology figures: collar plan, cross-sections and bench plans through the block model.

Sections follow the grid convention of docs/conventions.md: the block grid may be rotated
clockwise by ``rotation_deg`` about the vertical through its origin corner (the ``j``
axis points to azimuth ``rotation_deg``, ``i`` to ``rotation_deg + 90``). A section is a
vertical slab ``at_m ± width_m / 2`` across one of four axes:

* ``"easting"`` – a north–south section at easting ``at_m`` [m] (northing to the right,
  looking west);
* ``"northing"`` – an east–west section at northing ``at_m`` [m] (looking north);
* ``"i"`` / ``"j"`` – across the grid axis, ``at_m`` being the distance from the grid
  origin along that axis [m] (the other grid axis to the right).

Every block whose footprint overlaps the slab (:func:`blocks_in_slab`) is drawn as the
projection of its part inside the slab onto the section plane, the block nearest the plane
on top (blocks wholly hidden behind a nearer one are left out of the SVG). For sections
across the grid axes, or on an unrotated grid, the picture is exact; on an oblique section
the projection of rotated blocks makes the picture accurate to a fraction of a block.

Drill traces are taken from the assay (or composite) table: desurveyed interval ends
(``easting_from`` … ``elevation_to``) when present, else mid-points. The parts inside the
slab are projected on the section, coloured by grade with a thin black edge.

Class colours (:data:`CLASS_COLOURS`): Measured ``#B2182B`` (dark red), Indicated
``#EF8A62`` (salmon), Inferred ``#67A9CF`` (light blue), Unclassified ``#BDBDBD`` (grey);
blocks with no estimated grade ``#EBEBEB``. Grades use the perceptually uniform *viridis*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    CLASS_COLOURS,
    CLASS_ORDER,
    GRADE_CMAP,
    LABEL_SLOTS,
    NOT_ESTIMATED_COLOUR,
    PAGE_WIDTH_IN,
    data_to_points,
    equal_aspect,
    figure_id,
    finish,
    grade_label,
    greedy_labels,
    house_style,
    new_figure,
    north_arrow,
    require_columns,
    scale_bar,
)
from mine2magnet.report.figures._geometry import (
    SectionFrame,
    as_grid,
    block_sa_corners,
    blocks_in_slab_mask,
    clip_a_range,
    clip_segments_to_slab,
    clip_segments_to_z,
    parent_blocks,
    section_frame,
    simplify_polyline,
    trace_polylines,
    trace_segments,
    visible_order,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize

    from mine2magnet.blockmodel.grid import BlockGrid

__all__ = [
    "CLASS_COLOURS",
    "blocks_in_slab",
    "collar_plan",
    "plan_view",
    "section_view",
]

_CLASS = "resource_class"
_LABEL_PT = 5.5  # hole-id font size [pt]


# ----------------------------------------------------------------------------- helpers


def _grade_column(blocks: pd.DataFrame, colour_by: str) -> tuple[str, str | None]:
    """(grade column used for values and traces, class column or None)."""
    if colour_by == _CLASS:
        require_columns(blocks, [_CLASS], "estimation__blocks")
        grade = "TREO_pct" if "TREO_pct" in blocks.columns else None
        if grade is None:
            pct = [c for c in blocks.columns if c.endswith("_pct")]
            if not pct:
                raise DataError("estimation__blocks: no grade column (*_pct) to mark estimates")
            grade = pct[0]
        return grade, _CLASS
    if colour_by not in blocks.columns:
        raise DataError(
            f"estimation__blocks: cannot colour by {colour_by!r}; use 'resource_class' or a "
            f"grade column such as TREO_pct"
        )
    return colour_by, None


def _normalise_classes(values: pd.Series | np.ndarray, estimated: np.ndarray) -> np.ndarray:
    """Class names in the documented spelling; ``not estimated`` where there is no grade."""
    lookup = {c.lower(): c for c in CLASS_ORDER}
    raw = np.asarray(values, dtype=object)
    out = np.empty(len(raw), dtype=object)
    unknown: set[str] = set()
    for n, v in enumerate(raw):
        if not estimated[n]:
            out[n] = "not estimated"
        elif v is None or (isinstance(v, float) and np.isnan(v)):
            out[n] = "Unclassified"
        else:
            name = lookup.get(str(v).strip().lower())
            if name is None:
                unknown.add(str(v))
                name = "Unclassified"
            out[n] = name
    if unknown:
        raise DataError(
            f"resource_class: unknown class(es) {sorted(unknown)}; use {', '.join(CLASS_ORDER)}"
        )
    return out


def _grade_norm(blocks: pd.DataFrame, column: str) -> Normalize:
    """0 to the 98th percentile of the block grades: the same scale on every view [%]."""
    from matplotlib.colors import Normalize

    v = blocks[column].to_numpy(float)
    v = v[np.isfinite(v)]
    top = float(np.percentile(v, 98)) if v.size else 1.0
    return Normalize(vmin=0.0, vmax=top if top > 0 else 1.0)


def _face_colours(
    pb: pd.DataFrame, colour_by: str, norm: Normalize
) -> tuple[np.ndarray, np.ndarray]:
    """RGBA per parent block and the category (class or '') per block."""
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba

    estimated = pb["estimated_tonnes"].to_numpy() > 0
    estimated |= np.isfinite(pb["value"].to_numpy())
    grey = np.array(to_rgba(NOT_ESTIMATED_COLOUR))
    if colour_by == _CLASS:
        cats = _normalise_classes(pb[_CLASS], estimated)
        palette = {**CLASS_COLOURS, "not estimated": NOT_ESTIMATED_COLOUR}
        rgba = np.array([to_rgba(palette[c]) for c in cats]).reshape(-1, 4)
        return rgba, cats
    cmap = colormaps[GRADE_CMAP]
    v = pb["value"].to_numpy(float)
    rgba = cmap(norm(np.where(np.isfinite(v), v, 0.0)))
    rgba[~np.isfinite(v)] = grey
    cats = np.where(np.isfinite(v), "", "not estimated").astype(object)
    return np.asarray(rgba), cats


_LEVELS = 16  # colour levels of drill-trace pieces (neighbours of equal level are joined)
_RASTER_BLOCKS = 300  # above this many block polygons the block layer is rasterised
_RASTER_TRACES = 300  # above this many drill-trace pieces the trace layers are rasterised


def _draw_traces(
    ax: Axes,
    hole: np.ndarray,
    xy0: np.ndarray,
    xy1: np.ndarray,
    values: np.ndarray,
    norm: Normalize,
    tol: float,
    metres_per_pt: float,
) -> None:
    """Drill-trace pieces: thin black edge, grade colour inside (grey where no grade).

    Segments ``xy0 → xy1`` (sorted by hole and depth) are joined into polylines of equal
    colour (16 levels of the grade scale) so the SVG stays small. The line is about 3 m
    wide at the map scale ``metres_per_pt`` [m/pt], between 1.3 and 3 pt.
    """
    from matplotlib import colormaps
    from matplotlib.collections import LineCollection

    if len(hole) == 0:
        return
    scaled = np.asarray(norm(np.where(np.isfinite(values), values, 0.0)), dtype=float)
    level = np.clip(np.floor(scaled * _LEVELS), 0, _LEVELS - 1).astype(np.int64)
    level = np.where(np.isfinite(values), level, -1)
    runs, pieces, lev = trace_polylines(hole, xy0, xy1, level, tol)
    cmap = colormaps[GRADE_CMAP]
    colours = np.where(
        (lev >= 0)[:, None], cmap((lev + 0.5) / _LEVELS), np.array([0.85, 0.85, 0.85, 1.0])
    )
    width = float(np.clip(3.0 / metres_per_pt, 1.3, 3.0))
    raster = len(pieces) > _RASTER_TRACES  # keeps the PDF fast; labels stay text
    edge = LineCollection(runs, colors="black", linewidths=width + 1.1, capstyle="butt", zorder=5)
    fill = LineCollection(pieces, colors=colours, linewidths=width, capstyle="projecting", zorder=6)
    for layer in (edge, fill):
        layer.set_rasterized(raster)
        ax.add_collection(layer)


def _place_labels(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    texts: list[str],
    *,
    vertical: bool,
    obstacle_pt: float = 0.0,
) -> int:
    """Annotate ``texts`` at ``(x, y)`` where they fit without overlap; returns the count."""
    if len(texts) == 0:
        return 0
    px, py = data_to_points(ax, x, y)
    length = np.array([0.62 * _LABEL_PT * max(len(t), 1) + 1.0 for t in texts])
    thick = np.full(len(texts), 1.2 * _LABEL_PT)
    if vertical:
        slots = greedy_labels(px, py, thick, length, slots=("above",), gap_pt=2.0)
    else:
        obstacles = (px, py, obstacle_pt) if obstacle_pt > 0 else None
        slots = greedy_labels(
            px, py, length, thick, slots=("right", "left", "above", "below"), obstacles=obstacles
        )
    n = 0
    gap = 2.0 if vertical else 3.0
    for t, xx, yy, slot in zip(texts, x, y, slots, strict=True):
        if slot is None:
            continue
        ux, uy, ha, va = LABEL_SLOTS[slot]
        ax.annotate(
            t,
            (xx, yy),
            xytext=(ux * gap, uy * gap),
            textcoords="offset points",
            rotation=90 if vertical else 0,
            ha=ha,
            va=va,
            fontsize=_LABEL_PT,
            zorder=8,
            annotation_clip=True,
        )
        n += 1
    return n


_AXES_WIDTH_IN = PAGE_WIDTH_IN - 1.55  # width left for a map after labels and colour bar


def _colourbar(fig: Any, ax: Axes, mappable: Any, label: str) -> None:
    """A colour bar exactly as tall as the (equal-aspect) map axes."""
    cax = ax.inset_axes((1.015, 0.0, 0.022, 1.0))
    fig.colorbar(mappable, cax=cax, extend="max", label=label)


def _legend_patches(categories: list[str]) -> list[Any]:
    from matplotlib.patches import Patch

    palette = {**CLASS_COLOURS, "not estimated": NOT_ESTIMATED_COLOUR}
    return [
        Patch(facecolor=palette[c], edgecolor="0.4", linewidth=0.4, label=c)
        for c in (*CLASS_ORDER, "not estimated")
        if c in categories
    ]


def _trace_legend_handle() -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color="#21918C", lw=2.4, label="drill trace (interval grade)")


def _fmt_m(v: float) -> str:
    return f"{v:,.0f}" if abs(v - round(v)) < 0.05 else f"{v:,.1f}"


# ----------------------------------------------------------------------------- API


def blocks_in_slab(
    blocks: pd.DataFrame, grid: Any, *, axis: str, at_m: float, width_m: float
) -> np.ndarray:
    """Rows of ``blocks`` whose block footprint meets the slab ``at_m ± width_m / 2``.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Table ``estimation__blocks`` (needs ``i``, ``j``) [-].
    grid : DataFrame, Series, mapping or BlockGrid
        The ``estimation__grid`` row (origin_*, block_size_*, count_*, rotation_deg).
    axis : str
        ``"easting"``, ``"northing"`` (world coordinate ``at_m`` [m]) or ``"i"``, ``"j"``
        (distance from the grid origin along that axis [m]).
    at_m : float
        Slab centre [m].
    width_m : float
        Slab width [m] ≥ 0. A block counts when it overlaps the slab by more than 1 µm;
        with width 0 the blocks cut by the plane (half-open: a plane on a face picks the
        block above it in the axis direction).

    Returns
    -------
    numpy.ndarray of bool
        One flag per row of ``blocks``.
    """
    if not np.isfinite(width_m) or width_m < 0:
        raise DataError(f"section width_m must be ≥ 0 m, got {width_m!r}")
    require_columns(blocks, ["i", "j"], "estimation__blocks")
    g = as_grid(grid)
    frame = section_frame(g, axis)
    corners = block_sa_corners(g, frame, blocks["i"].to_numpy(), blocks["j"].to_numpy())
    return blocks_in_slab_mask(corners, at_m - width_m / 2.0, at_m + width_m / 2.0)


def _default_at(pb: pd.DataFrame, g: BlockGrid, frame: SectionFrame) -> float:
    """Slab centre through the most estimated tonnes [m] (a block centre for i/j)."""
    est = pb[pb["estimated_tonnes"] > 0]
    if est.empty:
        est = pb
    if frame.axis in ("i", "j"):
        col = frame.axis
        size = g.block_size[0 if col == "i" else 1]
        best = est.groupby(col)["estimated_tonnes"].sum().idxmax()
        return (int(best) + 0.5) * size
    corners = block_sa_corners(g, frame, est["i"].to_numpy(), est["j"].to_numpy())
    centre = corners[..., 0].mean(axis=1)
    step = min(g.block_size[0], g.block_size[1])
    bins = np.floor(centre / step)
    t = pd.Series(est["estimated_tonnes"].to_numpy()).groupby(bins).sum()
    at = (float(t.idxmax()) + 0.5) * step
    return float(5.0 * round(at / 5.0))


def _section_names(frame: SectionFrame, at_m: float) -> tuple[str, str]:
    """(title fragment, horizontal axis label)."""
    az = frame.tangent_azimuth_deg
    if frame.axis == "easting":
        return f"{_fmt_m(at_m)} mE", "northing [m]"
    if frame.axis == "northing":
        return f"{_fmt_m(at_m)} mN", "easting [m]"
    other = "j" if frame.axis == "i" else "i"
    return (
        f"grid {frame.axis} = {_fmt_m(at_m)} m",
        f"distance along grid {other} axis (towards {az:.0f}°) from the grid origin [m]",
    )


def section_view(
    blocks: pd.DataFrame,
    grid: Any,
    assays: pd.DataFrame | None,
    *,
    axis: str,
    at_m: float | None = None,
    colour_by: str = "TREO_pct",
    width_m: float | None = None,
    synthetic: bool = False,
) -> Figure:
    """Vertical cross-section through the block model with the drill traces of a slab.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Table ``estimation__blocks`` (one row per block and domain): ``i``, ``j``, ``k``,
        ``tonnes`` [t], grade columns [%] and, for ``colour_by="resource_class"``,
        ``resource_class`` (Measured, Indicated, Inferred, Unclassified).
    grid : DataFrame, Series, mapping or BlockGrid
        The ``estimation__grid`` row: origin_easting/northing/elevation [m],
        block_size_i/j/k_m [m], count_i/j/k [-], rotation_deg [deg].
    assays : pandas.DataFrame or None
        ``drillholes__assays`` (desurveyed interval ends) or ``drillholes__composites``
        (mid-points): ``hole_id``, ``from_m``, ``to_m`` [m], coordinates [m], grades [%].
    axis : str
        ``"easting"``, ``"northing"``, ``"i"`` or ``"j"`` (see the module docstring).
    at_m : float, optional
        Slab centre [m]; default through the most estimated tonnes.
    colour_by : str
        A grade column (continuous *viridis* colour bar) or ``"resource_class"``.
    width_m : float, optional
        Slab width [m]; blocks overlapping it are drawn and drill traces inside it are
        projected. Default five blocks (about half a typical drill spacing either side).
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PolyCollection

    grade_col, class_col = _grade_column(blocks, colour_by)
    g = as_grid(grid)
    frame = section_frame(g, axis)
    pb = parent_blocks(blocks, g, grade_col, class_col)
    if pb.empty:
        raise DataError("estimation__blocks is empty: nothing to draw in a section")
    size_n = (
        g.block_size[0]
        if axis == "i"
        else g.block_size[1]
        if axis == "j"
        else max(g.block_size[0], g.block_size[1])
    )
    at = float(at_m) if at_m is not None else _default_at(pb, g, frame)
    width = float(width_m) if width_m is not None else 5.0 * size_n
    if not np.isfinite(width) or width < 0:
        raise DataError(f"section width_m must be ≥ 0 m, got {width_m!r}")
    s0, s1 = at - width / 2.0, at + width / 2.0

    corners = block_sa_corners(g, frame, pb["i"].to_numpy(), pb["j"].to_numpy())
    inside = blocks_in_slab_mask(corners, s0, s1)
    if not inside.any():
        raise DataError(
            f"section {axis} = {at:g} m (width {width:g} m) misses the block model; "
            f"choose at_m inside the grid"
        )
    sel = pb.loc[inside].reset_index(drop=True)
    c_sel = corners[inside]
    a0, a1 = clip_a_range(c_sel, s0, s1)
    dist = np.abs(c_sel[..., 0].mean(axis=1) - at)
    kk = sel["k"].to_numpy()
    zb = g.origin[2] + kk * g.block_size[2]
    zt = zb + g.block_size[2]
    norm = _grade_norm(blocks, grade_col)
    rgba, cats = _face_colours(sel, colour_by, norm)
    estimated = cats != "not estimated"

    segs = pd.DataFrame()
    if assays is not None and len(assays):
        segs = clip_segments_to_slab(trace_segments(assays, grade_col), frame, s0, s1)

    # view: estimated blocks and traces, the topography above them
    ext_a = [a0[estimated], a1[estimated]]
    ext_z = [zb[estimated], zt[estimated]]
    if len(segs):
        ext_a += [segs["a0"].to_numpy(), segs["a1"].to_numpy()]
        ext_z += [segs["z0"].to_numpy(), segs["z1"].to_numpy()]
    all_a = np.concatenate(ext_a) if sum(len(e) for e in ext_a) else np.r_[a0, a1]
    all_z = np.concatenate(ext_z) if sum(len(e) for e in ext_z) else np.r_[zb, zt]
    amin, amax = float(np.nanmin(all_a)), float(np.nanmax(all_a))
    pad = 0.04 * (amax - amin) + g.block_size[0]
    amin, amax = amin - pad, amax + pad
    in_view = (a1 > amin) & (a0 < amax)
    zmax = max(float(np.nanmax(all_z)), float(zt[in_view].max()) if in_view.any() else -np.inf)
    zmin = float(np.nanmin(all_z)) - 2 * g.block_size[2]
    zmax_view = zmax + 0.10 * (amax - amin) * 0.35 + 2 * g.block_size[2]

    keep = visible_order(a0, a1, kk, dist)
    keep = keep[(a1[keep] > amin) & (a0[keep] < amax) & (zt[keep] > zmin)]
    verts = np.stack(
        [
            np.column_stack([a0[keep], zb[keep]]),
            np.column_stack([a1[keep], zb[keep]]),
            np.column_stack([a1[keep], zt[keep]]),
            np.column_stack([a0[keep], zt[keep]]),
        ],
        axis=1,
    )

    span_a = amax - amin
    span_z = zmax_view - zmin
    height = float(np.clip(_AXES_WIDTH_IN * span_z / span_a + 1.55, 2.6, 8.5))
    what = "resource class" if colour_by == _CLASS else grade_label(grade_col)
    place, xlabel = _section_names(frame, at)
    title = f"Cross-section {place}: {what}"

    with house_style():
        fig = new_figure(height, title=title)
        ax = fig.add_subplot()
        pc = PolyCollection(
            verts, facecolors=rgba[keep], edgecolors=rgba[keep], linewidths=0.15, zorder=1
        )
        pc.set_gid("blocks")
        pc.set_rasterized(len(verts) > _RASTER_BLOCKS)
        ax.add_collection(pc)
        if len(segs):
            _draw_traces(
                ax,
                segs["hole_id"].to_numpy(),
                segs[["a0", "z0"]].to_numpy(),
                segs[["a1", "z1"]].to_numpy(),
                segs["value"].to_numpy(float),
                norm,
                tol=span_a / 3000.0,
                metres_per_pt=span_a / (_AXES_WIDTH_IN * 72.0),
            )
        look = f"looking {frame.looking_deg:.0f}°"
        ax.set_title(
            f"slab {_fmt_m(s0)}–{_fmt_m(s1)} m ({width:g} m wide), {look}, "
            f"no vertical exaggeration",
            fontsize=7,
            color="0.3",
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("elevation [m]")
        ax.grid(True, color="0.6", lw=0.3, alpha=0.5, zorder=0)
        ax.set_axisbelow(True)

        sm = ScalarMappable(norm=norm, cmap=colormaps[GRADE_CMAP])
        cb_label = (
            f"block {grade_label(grade_col)}"
            if colour_by != _CLASS
            else f"drill-trace {grade_label(grade_col)}"
        )
        _colourbar(fig, ax, sm, cb_label)

        handles = _legend_patches(sorted(set(cats[keep].tolist())))
        if len(segs):
            handles.append(_trace_legend_handle())
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        equal_aspect(ax, amin, amax, zmin, zmax_view)

        n_holes = 0
        if len(segs):
            tops = segs.sort_values(["hole_id", "from_m"]).groupby("hole_id", sort=True).first()
            tops = tops.sort_values("a0")
            n_holes = len(tops)
            _place_labels(
                ax,
                tops["a0"].to_numpy(),
                tops["z0"].to_numpy(),
                [str(h) for h in tops.index],
                vertical=True,
            )
        n_blocks = int(inside.sum())
        caption = (
            f"Vertical section {place}, {look}, through the block model "
            f"({g.block_size[0]:g} × {g.block_size[1]:g} × {g.block_size[2]:g} m blocks, grid "
            f"rotation {g.rotation_deg:g}°). {n_blocks:,} blocks overlap the {width:g} m slab "
            f"({_fmt_m(s0)} to {_fmt_m(s1)} m); each is drawn as the part inside the slab "
            f"projected on the section, the block nearest the plane on top. "
            + (
                f"Blocks coloured by {grade_label(grade_col)} (tonnage-weighted over the "
                f"estimated domains; colour scale 0 to the 98th percentile, "
                f"{norm.vmax:.2f} %); "
                if colour_by != _CLASS
                else "Blocks coloured by JORC resource class (Measured, Indicated, Inferred, "
                "Unclassified); "
            )
            + f"light grey: no estimated grade. Drill traces within ±{width / 2:g} m of the "
            f"section ({n_holes} holes) coloured by interval {grade_label(grade_col)}, "
            f"labelled with hole ids where space allows. Elevations and distances in metres, "
            f"no vertical exaggeration."
        )
        fid = figure_id("section", axis, f"{at:.0f}m", colour_by)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)


def _default_bench(pb: pd.DataFrame, g: BlockGrid, segs: pd.DataFrame) -> int:
    """Bench index with the most drill metres among benches holding estimated blocks."""
    est = pb[pb["estimated_tonnes"] > 0]
    if est.empty:
        est = pb
    tonnes = est.groupby("k")["estimated_tonnes"].sum()
    if len(segs):
        zmid = 0.5 * (segs["z0"].to_numpy() + segs["z1"].to_numpy())
        kmid = np.floor((zmid - g.origin[2]) / g.block_size[2]).astype(np.int64)
        length = np.hypot(
            np.hypot(segs["x1"] - segs["x0"], segs["y1"] - segs["y0"]), segs["z1"] - segs["z0"]
        ).to_numpy()
        graded = np.isfinite(segs["value"].to_numpy())
        metres = pd.Series(np.where(graded, length, 0.0)).groupby(kmid).sum()
        score = pd.DataFrame({"t": tonnes}).join(metres.rename("m"), how="left").fillna(0.0)
        if score["m"].max() > 0:
            return int(score.sort_values(["m", "t"], ascending=False).index[0])
    return int(tonnes.idxmax())


def plan_view(
    blocks: pd.DataFrame,
    grid: Any,
    assays: pd.DataFrame | None,
    *,
    elevation_m: float | None = None,
    colour_by: str = "TREO_pct",
    synthetic: bool = False,
) -> Figure:
    """Plan slice of the block model at one bench, with drill traces through the bench.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Table ``estimation__blocks`` (see :func:`section_view`).
    grid : DataFrame, Series, mapping or BlockGrid
        The ``estimation__grid`` row.
    assays : pandas.DataFrame or None
        ``drillholes__assays`` or ``drillholes__composites`` (see :func:`section_view`).
    elevation_m : float, optional
        An elevation inside the bench [m]; default the bench with the most assayed drill
        metres among benches with estimated blocks (a central, well-informed bench).
    colour_by : str
        A grade column or ``"resource_class"``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import LineCollection, PolyCollection

    grade_col, class_col = _grade_column(blocks, colour_by)
    g = as_grid(grid)
    pb = parent_blocks(blocks, g, grade_col, class_col)
    if pb.empty:
        raise DataError("estimation__blocks is empty: nothing to draw in a plan")
    segs = trace_segments(assays, grade_col) if assays is not None and len(assays) else None
    if elevation_m is None:
        k = _default_bench(pb, g, segs if segs is not None else pd.DataFrame())
    else:
        k = int(np.floor((float(elevation_m) - g.origin[2]) / g.block_size[2]))
    if not 0 <= k < g.counts[2]:
        raise DataError(
            f"plan elevation {elevation_m} m is outside the block model "
            f"({g.origin[2]:g} to {g.origin[2] + g.counts[2] * g.block_size[2]:g} m)"
        )
    z_lo = g.origin[2] + k * g.block_size[2]
    z_hi = z_lo + g.block_size[2]
    bench = pb[pb["k"] == k].reset_index(drop=True)
    if bench.empty:
        raise DataError(f"bench {z_lo:g}–{z_hi:g} m holds no blocks; choose another elevation")
    norm = _grade_norm(blocks, grade_col)
    rgba, cats = _face_colours(bench, colour_by, norm)
    estimated = cats != "not estimated"

    si, sj = g.block_size[0], g.block_size[1]
    ii = bench["i"].to_numpy(float)
    jj = bench["j"].to_numpy(float)
    di = np.array([0.0, 1.0, 1.0, 0.0])
    dj = np.array([0.0, 0.0, 1.0, 1.0])
    ax3 = g.axes()
    li = (ii[:, None] + di) * si
    lj = (jj[:, None] + dj) * sj
    ve = g.origin[0] + li * ax3[0, 0] + lj * ax3[1, 0]
    vn = g.origin[1] + li * ax3[0, 1] + lj * ax3[1, 1]
    verts = np.stack([ve, vn], axis=-1)

    # grid outline
    L = np.array(
        [
            [0, 0],
            [g.counts[0] * si, 0],
            [g.counts[0] * si, g.counts[1] * sj],
            [0, g.counts[1] * sj],
            [0, 0],
        ],
        dtype=float,
    )
    outline = np.column_stack(
        [
            g.origin[0] + L[:, 0] * ax3[0, 0] + L[:, 1] * ax3[1, 0],
            g.origin[1] + L[:, 0] * ax3[0, 1] + L[:, 1] * ax3[1, 1],
        ]
    )

    in_bench = clip_segments_to_z(segs, z_lo, z_hi) if segs is not None else pd.DataFrame()
    # view: estimated blocks of the bench and the traces through it, else the grid
    pts = [verts[estimated].reshape(-1, 2)]
    if len(in_bench):
        pts.append(in_bench[["x0", "y0"]].to_numpy())
    pts_all = np.concatenate(pts) if sum(len(p) for p in pts) else outline
    xmin, ymin = pts_all.min(axis=0)
    xmax, ymax = pts_all.max(axis=0)
    pad = 0.05 * max(xmax - xmin, ymax - ymin) + max(si, sj)
    xmin, xmax, ymin, ymax = xmin - pad, xmax + pad, ymin - pad, ymax + pad
    vis = (
        (verts[..., 0].max(axis=1) > xmin)
        & (verts[..., 0].min(axis=1) < xmax)
        & (verts[..., 1].max(axis=1) > ymin)
        & (verts[..., 1].min(axis=1) < ymax)
    )
    height = float(np.clip(_AXES_WIDTH_IN * (ymax - ymin) / (xmax - xmin) + 1.3, 3.0, 8.5))
    what = "resource class" if colour_by == _CLASS else grade_label(grade_col)
    title = f"Plan view, bench {z_lo:g}–{z_hi:g} m RL: {what}"

    with house_style():
        fig = new_figure(height, title=title)
        ax = fig.add_subplot()
        pc = PolyCollection(
            verts[vis], facecolors=rgba[vis], edgecolors=rgba[vis], linewidths=0.15, zorder=1
        )
        pc.set_gid("blocks")
        pc.set_rasterized(int(vis.sum()) > _RASTER_BLOCKS)
        ax.add_collection(pc)
        ax.plot(outline[:, 0], outline[:, 1], "--", color="0.35", lw=0.6, zorder=2)
        n_holes = 0
        tol = max(xmax - xmin, ymax - ymin) / 3000.0
        if segs is not None and len(segs):
            runs, _, _ = trace_polylines(
                segs["hole_id"].to_numpy(),
                segs[["x0", "y0"]].to_numpy(),
                segs[["x1", "y1"]].to_numpy(),
                np.zeros(len(segs), dtype=np.int64),
                tol,
            )
            ax.add_collection(LineCollection(runs, colors="0.45", linewidths=0.4, zorder=3))
            if len(in_bench):
                _draw_traces(
                    ax,
                    in_bench["hole_id"].to_numpy(),
                    in_bench[["x0", "y0"]].to_numpy(),
                    in_bench[["x1", "y1"]].to_numpy(),
                    in_bench["value"].to_numpy(float),
                    norm,
                    tol,
                    metres_per_pt=(xmax - xmin) / (_AXES_WIDTH_IN * 72.0),
                )
                pierce = in_bench.groupby("hole_id", sort=True)[["x0", "y0", "value"]].first()
                n_holes = len(pierce)
                ax.scatter(
                    pierce["x0"],
                    pierce["y0"],
                    s=9,
                    c=pierce["value"],
                    cmap=GRADE_CMAP,
                    norm=norm,
                    edgecolors="black",
                    linewidths=0.6,
                    zorder=7,
                )
        ax.set_xlabel("easting [m]")
        ax.set_ylabel("northing [m]")
        ax.grid(True, color="0.6", lw=0.3, alpha=0.5)
        ax.set_axisbelow(True)
        sm = ScalarMappable(norm=norm, cmap=colormaps[GRADE_CMAP])
        cb_label = (
            f"block {grade_label(grade_col)}"
            if colour_by != _CLASS
            else f"drill-trace {grade_label(grade_col)}"
        )
        _colourbar(fig, ax, sm, cb_label)
        handles = _legend_patches(sorted(set(cats[vis].tolist())))
        if n_holes:
            handles.append(_trace_legend_handle())
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], ls="--", color="0.35", lw=0.6, label="block-model extent"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
        equal_aspect(ax, xmin, xmax, ymin, ymax)
        north_arrow(ax)
        scale_bar(ax)
        if n_holes:
            _place_labels(
                ax,
                pierce["x0"].to_numpy(),
                pierce["y0"].to_numpy(),
                [str(h) for h in pierce.index],
                vertical=False,
                obstacle_pt=2.5,
            )
        caption = (
            f"Plan of the block model bench {z_lo:g} to {z_hi:g} m elevation "
            f"({si:g} × {sj:g} × {g.block_size[2]:g} m blocks, grid rotated "
            f"{g.rotation_deg:g}° about the vertical through the origin). "
            + (
                f"Blocks coloured by {grade_label(grade_col)} (tonnage-weighted over the "
                f"estimated domains; scale 0 to {norm.vmax:.2f} %, the 98th percentile); "
                if colour_by != _CLASS
                else "Blocks coloured by JORC resource class; "
            )
            + f"light grey: no estimated grade. Thin grey lines: drill traces projected to "
            f"plan; coloured: the {n_holes} holes' assayed intervals inside the bench, dots "
            f"where they enter it. Coordinates in metres (grid north up)."
        )
        fid = figure_id("plan", f"{z_lo:.0f}m", colour_by)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)


def collar_plan(
    collars: pd.DataFrame, assays: pd.DataFrame | None = None, *, synthetic: bool = False
) -> Figure:
    """Plan map of drill collars with their traces projected and a subset of hole ids.

    Parameters
    ----------
    collars : pandas.DataFrame
        Table ``drillholes__collars``: ``hole_id``, ``easting``, ``northing`` [m],
        optionally ``elevation`` [m] and ``eoh_m`` [m].
    assays : pandas.DataFrame, optional
        ``drillholes__assays`` or ``drillholes__composites`` for the traces (collar to the
        deepest interval end); without it only collars are drawn.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Hole ids are drawn where they do not overlap (in hole-id order); every collar is
        marked.
    """
    from matplotlib.collections import LineCollection

    require_columns(collars, ["hole_id", "easting", "northing"], "drillholes__collars")
    c = collars.dropna(subset=["easting", "northing"]).copy()
    if c.empty:
        raise DataError("drillholes__collars: no collar with coordinates to plot")
    c["hole_id"] = c["hole_id"].astype(str)
    c = c.sort_values("hole_id", kind="stable").reset_index(drop=True)
    lines: list[np.ndarray] = []
    if assays is not None and len(assays):
        seg = trace_segments(assays, None)
        pos = dict(zip(c["hole_id"], zip(c["easting"], c["northing"], strict=True), strict=True))
        for hid, s in seg.groupby("hole_id", sort=True):
            xy = np.vstack([s[["x0", "y0"]].to_numpy()[:1], s[["x1", "y1"]].to_numpy()])
            if hid in pos:
                xy = np.vstack([np.asarray(pos[hid], float)[None, :], xy])
            lines.append(simplify_polyline(xy, 0.5))
    e = c["easting"].to_numpy(float)
    n = c["northing"].to_numpy(float)
    allxy = np.vstack([np.column_stack([e, n]), *lines]) if lines else np.column_stack([e, n])
    xmin, ymin = allxy.min(axis=0)
    xmax, ymax = allxy.max(axis=0)
    span = max(xmax - xmin, ymax - ymin, 10.0)
    pad = 0.06 * span
    xmin, xmax, ymin, ymax = xmin - pad, xmax + pad, ymin - pad, ymax + pad
    height = float(np.clip(PAGE_WIDTH_IN * 0.92 * (ymax - ymin) / (xmax - xmin) + 0.9, 3.0, 9.0))
    title = "Drill-hole collar plan"

    with house_style():
        fig = new_figure(height, title=title)
        ax = fig.add_subplot()
        if lines:
            ax.add_collection(
                LineCollection(
                    lines,
                    colors="#2166AC",
                    linewidths=0.7,
                    zorder=2,
                    label="drill trace (plan projection)",
                )
            )
        ax.scatter(
            e,
            n,
            s=10,
            facecolors="white",
            edgecolors="black",
            linewidths=0.7,
            zorder=3,
            label="collar",
        )
        ax.set_xlabel("easting [m]")
        ax.set_ylabel("northing [m]")
        ax.grid(True, color="0.6", lw=0.3, alpha=0.5)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right", fontsize=6.5)
        equal_aspect(ax, xmin, xmax, ymin, ymax)
        north_arrow(ax)
        scale_bar(ax)
        n_labels = _place_labels(ax, e, n, c["hole_id"].tolist(), vertical=False, obstacle_pt=2.5)
        metres = (
            f", {float(c['eoh_m'].sum()):,.0f} m drilled"
            if "eoh_m" in c.columns and c["eoh_m"].notna().any()
            else ""
        )
        caption = (
            f"Plan of {len(c)} drill-hole collars{metres}"
            + (
                ", with drill traces projected to plan from the desurveyed intervals"
                if lines
                else ""
            )
            + f"; {n_labels} hole ids shown where they do not overlap. Easting and "
            f"northing in metres (grid north up)."
        )
        return finish(fig, fig_id="collar-plan", title=title, caption=caption, synthetic=synthetic)
