"""Interactive 3-D view of the block model and drill holes (plotly), with a static SVG.

The plotly figure dict goes into the HTML report (plotly.js bundled offline); the SVG (a
matplotlib 3-D perspective) goes into the PDF. Blocks are markers at the block centroids
(one per block: the (block, domain) rows are combined, tonnage-weighted); drill holes are
lines coloured by interval grade. Axes are in metres with the true aspect ratio.

Text from data (hole ids, domain names) is HTML-entity escaped before it enters the
plotly dict and is shown through a fixed ``hovertemplate`` (``%{text}``), so plotly.js
displays it literally and the dict holds no ``<`` that could break an embedding page.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    CLASS_COLOURS,
    CLASS_ORDER,
    GRADE_CMAP,
    SYNTHETIC_NOTE,
    figure_id,
    finish,
    grade_label,
    house_style,
    new_figure,
    plotly_text,
    require_columns,
)
from mine2magnet.report.figures._geometry import simplify_polyline, trace_segments

__all__ = ["blocks_and_drillholes_3d", "subsample_blocks"]

_CLASS = "resource_class"
_STATIC_BLOCKS = 5000  # blocks drawn in the static SVG view


def subsample_blocks(values: np.ndarray, keys: np.ndarray, max_blocks: int) -> np.ndarray:
    """Deterministic subset of at most ``max_blocks`` blocks that keeps the high grades.

    The highest-grade half of the budget is always kept (ties broken by ``keys``); the
    rest of the budget is spread evenly over the remaining blocks in ``keys`` order (a
    regular stride through the grid), so low grades stay visible as context. No random
    numbers: the same input always gives the same subset.

    Parameters
    ----------
    values : numpy.ndarray
        Grade of each block [%] (NaN sorts last).
    keys : numpy.ndarray
        A unique sortable key per block, e.g. the flat index ``i + nx·(j + ny·k)`` [-].
    max_blocks : int
        Budget [-].

    Returns
    -------
    numpy.ndarray
        Sorted indices into ``values``.
    """
    n = len(values)
    if max_blocks <= 0:
        return np.zeros(0, dtype=np.int64)
    if n <= max_blocks:
        return np.arange(n, dtype=np.int64)
    v = np.where(np.isfinite(values), values, -np.inf)
    by_grade = np.lexsort((keys, -v))
    n_top = max_blocks // 2
    top = by_grade[:n_top]
    rest = np.sort(by_grade[n_top:])
    rest = rest[np.argsort(keys[rest], kind="stable")]
    n_rest = max_blocks - n_top
    pick = np.floor(np.arange(n_rest) * (len(rest) / n_rest)).astype(np.int64)
    return np.sort(np.r_[top, rest[pick]])


def _parent(blocks: pd.DataFrame, grade: str, with_class: bool) -> pd.DataFrame:
    """One row per block: centroid [m], tonnage-weighted grade [%], dominant domain/class."""
    cols = ["i", "j", "k", "easting", "northing", "elevation", grade]
    require_columns(blocks, cols, "estimation__blocks")
    b = blocks
    w = b["tonnes"].to_numpy(float) if "tonnes" in b.columns else np.ones(len(b))
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    v = b[grade].to_numpy(float)
    est = np.isfinite(v)
    i = b["i"].to_numpy(np.int64)
    j = b["j"].to_numpy(np.int64)
    k = b["k"].to_numpy(np.int64)
    nx, ny = int(i.max()) + 1, int(j.max()) + 1
    key = i + nx * (j + ny * k)
    uniq, inv = np.unique(key, return_inverse=True)
    n = len(uniq)
    we = np.where(est, w, 0.0)
    wsum = np.bincount(inv, weights=we, minlength=n)
    metal = np.bincount(inv, weights=np.where(est, v * w, 0.0), minlength=n)
    cnt = np.bincount(inv, weights=est.astype(float), minlength=n)
    vs = np.bincount(inv, weights=np.where(est, v, 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(wsum > 0, metal / wsum, np.where(cnt > 0, vs / cnt, np.nan))
    # label rows: the estimated row with the most tonnes
    order = np.lexsort((w, est, inv))
    last = np.r_[np.nonzero(np.diff(inv[order]))[0], len(order) - 1]
    best = order[last]
    out = pd.DataFrame(
        {
            "key": uniq,
            "easting": b["easting"].to_numpy(float)[best],
            "northing": b["northing"].to_numpy(float)[best],
            "elevation": b["elevation"].to_numpy(float)[best],
            "value": value,
            "domain": (b["domain"].astype(str).to_numpy()[best] if "domain" in b.columns else ""),
        }
    )
    if with_class:
        require_columns(b, [_CLASS], "estimation__blocks")
        lookup = {c.lower(): c for c in CLASS_ORDER}
        raw = b[_CLASS].to_numpy(object)[best]
        out[_CLASS] = [
            lookup.get(str(c).strip().lower(), "Unclassified") if pd.notna(c) else "Unclassified"
            for c in raw
        ]
    return out[np.isfinite(out["value"])].reset_index(drop=True)


def _hole_lines(
    assays: pd.DataFrame | None, grade: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Vertices (m, 3), grade per vertex, depth per vertex, hole-id text; NaN breaks holes."""
    if assays is None or len(assays) == 0:
        return np.zeros((0, 3)), np.zeros(0), np.zeros(0), []
    seg = trace_segments(assays, grade if grade in assays.columns else None)
    pts: list[np.ndarray] = []
    val: list[np.ndarray] = []
    dep: list[np.ndarray] = []
    txt: list[str] = []
    hole = seg["hole_id"].to_numpy()
    p0 = seg[["x0", "y0", "z0"]].to_numpy(float)
    p1 = seg[["x1", "y1", "z1"]].to_numpy(float)
    v = seg["value"].to_numpy(float)
    frm = seg["from_m"].to_numpy(float)
    to = seg["to_m"].to_numpy(float)
    brk = np.ones(len(seg), dtype=bool)
    brk[1:] = (hole[1:] != hole[:-1]) | (np.abs(p0[1:] - p1[:-1]).max(axis=1) > 1e-3)
    starts = np.nonzero(brk)[0]
    for s0, s1 in zip(starts, np.r_[starts[1:], len(seg)], strict=True):
        pts += [p0[s0 : s0 + 1], p1[s0:s1], np.full((1, 3), np.nan)]
        val += [v[s0 : s0 + 1], v[s0:s1], [np.nan]]
        dep += [frm[s0 : s0 + 1], to[s0:s1], [np.nan]]
        label = plotly_text(hole[s0])
        txt += [label] * (s1 - s0 + 1) + [""]
    return np.vstack(pts), np.concatenate(val), np.concatenate(dep), txt


def blocks_and_drillholes_3d(
    blocks: pd.DataFrame,
    assays: pd.DataFrame | None,
    *,
    colour_by: str = "TREO_pct",
    max_blocks: int = 20000,
    synthetic: bool = False,
) -> Figure:
    """3-D view of estimated blocks and drill holes: plotly dict plus static SVG.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Table ``estimation__blocks``: ``i``, ``j``, ``k``, centroid ``easting``,
        ``northing``, ``elevation`` [m], ``tonnes`` [t], grades [%], optionally ``domain``
        and ``resource_class``.
    assays : pandas.DataFrame or None
        ``drillholes__assays`` (desurveyed interval ends) or ``drillholes__composites``.
    colour_by : str
        A grade column (continuous *Viridis*) or ``"resource_class"`` (class colours).
    max_blocks : int
        Most blocks drawn [-]; a deterministic subset keeps the highest grades
        (:func:`subsample_blocks`). Only blocks with an estimated grade are drawn.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        ``plotly`` holds ``plotly.graph_objects.Figure(...).to_dict()``; ``svg`` a static
        3-D perspective for the PDF.
    """
    import plotly.graph_objects as go

    with_class = colour_by == _CLASS
    grade = "TREO_pct" if with_class else colour_by
    if grade not in blocks.columns:
        raise DataError(
            f"estimation__blocks: cannot colour by {colour_by!r}; use 'resource_class' or a "
            f"grade column such as TREO_pct"
        )
    pb = _parent(blocks, grade, with_class)
    if pb.empty:
        raise DataError(f"estimation__blocks: no block with an estimated {grade}")
    idx = subsample_blocks(pb["value"].to_numpy(), pb["key"].to_numpy(), max_blocks)
    sub = pb.iloc[idx].reset_index(drop=True)
    vmax = float(np.percentile(pb["value"], 98)) or 1.0
    label = grade_label(grade)
    xyz = sub[["easting", "northing", "elevation"]].to_numpy(np.float32)
    vals = sub["value"].to_numpy(np.float32)
    dom = [plotly_text(d) for d in sub["domain"]]
    pts, pv, pd_, ptxt = _hole_lines(assays, grade)

    data: list[go.Scatter3d] = []
    block_hover = (
        "E %{x:.0f} m, N %{y:.0f} m, RL %{z:.0f} m<br>"
        f"{plotly_text(label)} " + "%{customdata:.2f}<br>domain %{text}<extra>block</extra>"
    )
    if with_class:
        cls = sub[_CLASS].to_numpy(object)
        for c in CLASS_ORDER:
            m = cls == c
            if not m.any():
                continue
            data.append(
                go.Scatter3d(
                    x=xyz[m, 0],
                    y=xyz[m, 1],
                    z=xyz[m, 2],
                    mode="markers",
                    name=c,
                    marker={"size": 2.5, "color": CLASS_COLOURS[c], "symbol": "square"},
                    customdata=vals[m],
                    text=[dom[n] for n in np.nonzero(m)[0]],
                    hovertemplate=block_hover,
                )
            )
    else:
        data.append(
            go.Scatter3d(
                x=xyz[:, 0],
                y=xyz[:, 1],
                z=xyz[:, 2],
                mode="markers",
                name=f"blocks ({len(sub):,} of {len(pb):,})",
                marker={
                    "size": 2.5,
                    "color": vals,
                    "colorscale": "Viridis",
                    "cmin": 0.0,
                    "cmax": vmax,
                    "symbol": "square",
                    "colorbar": {"title": {"text": f"block {plotly_text(label)}"}, "len": 0.6},
                },
                customdata=vals,
                text=dom,
                hovertemplate=block_hover,
            )
        )
    if len(pts):
        fin = np.isfinite(pv)
        data.append(
            go.Scatter3d(
                x=pts[:, 0].astype(np.float32),
                y=pts[:, 1].astype(np.float32),
                z=pts[:, 2].astype(np.float32),
                mode="lines",
                name="drill holes",
                line={
                    "width": 4,
                    "color": np.where(fin, pv, 0.0).astype(np.float32),
                    "colorscale": "Viridis",
                    "cmin": 0.0,
                    "cmax": vmax,
                },
                text=ptxt,
                customdata=np.column_stack([pd_, pv]).astype(np.float32),
                hovertemplate=(
                    "hole %{text}<br>depth %{customdata[0]:.1f} m<br>"
                    f"{plotly_text(label)} " + "%{customdata[1]:.2f}<extra></extra>"
                ),
            )
        )
    what = "resource class" if with_class else label
    title = f"3-D view of the block model ({what}) and drill holes"
    layout = {
        "title": {"text": plotly_text(title)},
        "template": "plotly_white",
        "height": 680,
        "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
        "legend": {"x": 0.01, "y": 0.98},
        "scene": {
            "aspectmode": "data",
            "xaxis": {"title": {"text": "easting [m]"}},
            "yaxis": {"title": {"text": "northing [m]"}},
            "zaxis": {"title": {"text": "elevation [m]"}},
        },
    }
    if synthetic:
        layout["annotations"] = [
            {
                "text": SYNTHETIC_NOTE,
                "xref": "paper",
                "yref": "paper",
                "x": 1.0,
                "y": 1.0,
                "xanchor": "right",
                "yanchor": "top",
                "showarrow": False,
                "font": {"color": "#B2182B", "size": 12},
            }
        ]
    fig_dict = go.Figure(data=data, layout=layout).to_dict()

    caption = (
        f"Three-dimensional view of the estimated blocks ({len(sub):,} of {len(pb):,} shown: "
        f"the highest-grade half of the budget plus an even spread of the rest) coloured by "
        + ("JORC resource class" if with_class else f"{label} (0 to {vmax:.2f} %)")
        + f", and {len({t for t in ptxt if t})} drill holes coloured by interval "
        f"{label}. Coordinates in metres, true aspect ratio; the interactive view rotates "
        f"and shows hole ids and grades on hover."
    )
    svg_fig = _static(sub, pts, vmax, label, with_class)
    fid = figure_id("view3d", colour_by)
    with house_style():
        return finish(
            svg_fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic, plotly=fig_dict
        )


def _static(
    sub: pd.DataFrame, pts: np.ndarray, vmax: float, label: str, with_class: bool
) -> object:
    """Matplotlib 3-D perspective of (a subset of) the blocks and the hole traces."""
    from matplotlib.colors import Normalize
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    idx = subsample_blocks(sub["value"].to_numpy(), np.arange(len(sub)), _STATIC_BLOCKS)
    s = sub.iloc[idx]
    with house_style():
        fig = new_figure(4.8)
        ax = fig.add_subplot(projection="3d")
        if with_class:
            colours = [CLASS_COLOURS[c] for c in s[_CLASS]]
            sc = ax.scatter(
                s["easting"],
                s["northing"],
                s["elevation"],
                c=colours,
                s=2,
                marker="s",
                depthshade=False,
                linewidths=0,
            )
        else:
            sc = ax.scatter(
                s["easting"],
                s["northing"],
                s["elevation"],
                c=s["value"],
                cmap=GRADE_CMAP,
                norm=Normalize(0.0, vmax),
                s=2,
                marker="s",
                depthshade=False,
                linewidths=0,
            )
        with warnings.catch_warnings():
            # mplot3d warns that its collections ignore rasterisation, yet the SVG backend
            # does rasterise them (checked: one <image> element, 7× smaller file)
            warnings.filterwarnings("ignore", "Rasterization of", UserWarning)
            sc.set_rasterized(True)
        if len(pts):
            lines = []
            brk = np.nonzero(~np.isfinite(pts[:, 0]))[0]
            start = 0
            for b in brk:
                piece = pts[start:b]
                if len(piece) >= 2:
                    lines.append(simplify_polyline(piece, 0.5))
                start = b + 1
            ax.add_collection3d(Line3DCollection(lines, colors="0.15", linewidths=0.45))
        allp = np.vstack(
            [
                s[["easting", "northing", "elevation"]].to_numpy(float),
                pts[np.isfinite(pts[:, 0])] if len(pts) else np.zeros((0, 3)),
            ]
        )
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_zlim(lo[2], hi[2])
        ax.set_box_aspect(tuple(np.maximum(hi - lo, 1e-6)))
        ax.view_init(elev=28, azim=-65)
        ax.set_xlabel("easting [m]", labelpad=8)
        ax.set_ylabel("northing [m]", labelpad=8)
        ax.set_zlabel("elevation [m]", labelpad=4)
        ax.tick_params(labelsize=6)
        if with_class:
            from matplotlib.patches import Patch

            present = [c for c in CLASS_ORDER if c in set(s[_CLASS])]
            ax.legend(
                handles=[Patch(color=CLASS_COLOURS[c], label=c) for c in present],
                loc="upper left",
                fontsize=6.5,
            )
        else:
            fig.colorbar(sc, ax=ax, shrink=0.55, pad=0.08, extend="max", label=f"block {label}")
    return fig
