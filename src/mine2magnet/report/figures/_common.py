"""Shared plumbing of the report figures: house style, ids, captions, map furniture.

Private to :mod:`mine2magnet.report.figures`. Every figure is built with the
object-oriented matplotlib API (no pyplot state, headless) inside :func:`house_style`,
then turned into a :class:`~mine2magnet.report.document.Figure` by :func:`finish`, which
adds the title, the optional SYNTHETIC mark and the SVG.

Text that comes from data (hole ids, sample ids, domain names) is drawn with mathtext
switched off, so a ``$`` in an id is shown as typed; matplotlib XML-escapes text in the SVG.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure, svg_from_matplotlib

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

__all__ = [
    "CLASS_COLOURS",
    "CLASS_ORDER",
    "GRADE_CMAP",
    "LABEL_SLOTS",
    "NOT_ESTIMATED_COLOUR",
    "PAGE_WIDTH_IN",
    "SYNTHETIC_NOTE",
    "axes_bounds_points",
    "data_to_points",
    "equal_aspect",
    "figure_id",
    "finish",
    "grade_label",
    "greedy_labels",
    "house_style",
    "log_ticks",
    "new_figure",
    "nice_length",
    "north_arrow",
    "plotly_text",
    "require_columns",
    "rows_for",
    "scale_bar",
]

#: Usable text width of an A4 page with 20 mm margins [in] (170 mm).
PAGE_WIDTH_IN = 6.6

#: Perceptually uniform colour map for grades.
GRADE_CMAP = "viridis"

#: JORC classes in decreasing confidence, the order of every legend.
CLASS_ORDER = ("Measured", "Indicated", "Inferred", "Unclassified")

#: Class colours (ColorBrewer RdBu tones and greys). Every pair differs by ΔE*ab > 20
#: under simulated deuteranopia, protanopia and tritanopia (Machado et al. 2009), and the
#: lightness rises from Measured (dark red) to Unclassified (grey).
CLASS_COLOURS: dict[str, str] = {
    "Measured": "#B2182B",
    "Indicated": "#EF8A62",
    "Inferred": "#67A9CF",
    "Unclassified": "#BDBDBD",
}

#: Blocks with no estimated grade (waste host, cover) in sections and plans.
NOT_ESTIMATED_COLOUR = "#EBEBEB"

SYNTHETIC_NOTE = "SYNTHETIC data"

_STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8.0,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "legend.title_fontsize": 7.0,
    "legend.frameon": True,
    "legend.framealpha": 0.9,
    "figure.titlesize": 9.5,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "axes.formatter.useoffset": False,
    "axes.formatter.limits": (-5, 7),
    "text.parse_math": False,
    "svg.fonttype": "none",
    "figure.dpi": 150,
}


@contextmanager
def house_style() -> Iterator[None]:
    """Matplotlib settings of every report figure (fonts for A4, no mathtext, Agg-safe)."""
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        yield


def new_figure(
    height_in: float, width_in: float = PAGE_WIDTH_IN, *, title: str | None = None
) -> MplFigure:
    """A constrained-layout figure not registered with pyplot [in].

    Give ``title`` when the layout must be final before :func:`finish` (maps measured for
    label placement or 1:1 scale).
    """
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(width_in, height_in), layout="constrained")
    if title is not None:
        _suptitle(fig, title)
    return fig


def _suptitle(fig: MplFigure, title: str) -> None:
    fig.suptitle(title, fontweight="bold", x=0.01, ha="left")


def finish(
    fig: MplFigure,
    *,
    fig_id: str,
    title: str,
    caption: str,
    synthetic: bool,
    plotly: dict[str, Any] | None = None,
) -> Figure:
    """Add the title and SYNTHETIC mark, serialise to SVG and wrap as a report Figure."""
    if fig.get_suptitle() != title:
        _suptitle(fig, title)
    if synthetic:
        fig.text(
            0.998,
            0.998,
            SYNTHETIC_NOTE,
            ha="right",
            va="top",
            fontsize=6.5,
            color="#B2182B",
            fontweight="bold",
            alpha=0.85,
        )
        caption = f"{caption.rstrip()} {SYNTHETIC_NOTE}: not a real deposit."
    svg = svg_from_matplotlib(fig)
    return Figure(id=fig_id, title=title, svg=svg, caption=caption.strip(), plotly=plotly)


_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def figure_id(prefix: str, *parts: object) -> str:
    """Stable HTML-anchor id ``prefix-part-part`` (lower case, ``[a-z0-9-]``).

    A part with characters outside letters, digits and ``_ . -`` is slugged and
    the id gets a short hash of the raw parts, so different inputs never share an id.
    """
    raw = [str(p) for p in parts]
    slug = "-".join([prefix, *raw]).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    if any(_SAFE.search(p) for p in raw):
        digest = hashlib.sha1("\x1f".join(raw).encode("utf-8")).hexdigest()[:8]
        slug = f"{slug}-{digest}"
    return slug


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """Raise :class:`DataError` naming the table and the missing columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{table}: missing column(s) {', '.join(missing)}; pass the store table "
            f"{table} unchanged"
        )


def rows_for(frame: pd.DataFrame, table: str, **equal: object) -> pd.DataFrame:
    """Rows where every ``column == value``; :class:`DataError` listing choices if none."""
    require_columns(frame, equal.keys(), table)
    mask = np.ones(len(frame), dtype=bool)
    for col, val in equal.items():
        mask &= (frame[col] == val).to_numpy()
    out = frame.loc[mask]
    if out.empty:
        keys = list(equal)
        choices = frame[keys].drop_duplicates().head(12).to_dict("records")
        raise DataError(
            f"{table}: no rows with {equal}; available {keys}: {choices or 'none (empty)'}"
        )
    return out


def nice_length(span: float, fraction: float = 0.2) -> float:
    """A round length (1, 2 or 5 × 10ⁿ) close to ``fraction`` of ``span`` [same unit]."""
    target = max(abs(span) * fraction, 1e-9)
    base = 10.0 ** math.floor(math.log10(target))
    for m in (5.0, 2.0, 1.0):
        if m * base <= target:
            return m * base
    return base  # pragma: no cover - 1 × base always fits


def scale_bar(ax: Axes, *, loc: str = "lower left") -> None:
    """A black-and-white scale bar in data metres, drawn inside the axes corner."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length(x1 - x0)
    h = 0.012 * (y1 - y0)
    left = loc.endswith("left")
    bx = x0 + 0.04 * (x1 - x0) if left else x1 - 0.04 * (x1 - x0) - length
    by = y0 + 0.05 * (y1 - y0)
    half = length / 2.0
    for n, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (bx + n * half, by),
                half,
                h,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.6,
                zorder=20,
            )
        )
    label = f"{length:g} m"
    ax.text(bx + half, by + 1.8 * h, label, ha="center", va="bottom", fontsize=7, zorder=20)
    ax.text(bx, by - 0.6 * h, "0", ha="center", va="top", fontsize=6, zorder=20)


def north_arrow(ax: Axes, *, x: float = 0.95, y: float = 0.86) -> None:
    """A grid-north arrow in axes fraction coordinates (axes must have equal aspect)."""
    ax.annotate(
        "",
        xy=(x, y + 0.08),
        xytext=(x, y),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.0},
        zorder=20,
    )
    ax.text(
        x,
        y + 0.09,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=8,
        fontweight="bold",
        zorder=20,
    )


#: Label placements: name → (unit offset of the box centre in label half-sizes, gap
#: direction); used by :func:`greedy_labels` and for matplotlib alignment.
LABEL_SLOTS: dict[str, tuple[float, float, str, str]] = {
    "right": (1.0, 0.0, "left", "center"),
    "left": (-1.0, 0.0, "right", "center"),
    "above": (0.0, 1.0, "center", "bottom"),
    "below": (0.0, -1.0, "center", "top"),
}


def greedy_labels(
    x_pt: Sequence[float],
    y_pt: Sequence[float],
    width_pt: Sequence[float],
    height_pt: Sequence[float],
    *,
    slots: Sequence[str] = ("right",),
    gap_pt: float = 3.0,
    pad_pt: float = 1.0,
    obstacles: tuple[np.ndarray, np.ndarray, float] | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> list[str | None]:
    """Place labels greedily, in the given priority order, without overlaps.

    Each label of size ``width × height`` [pt] sits ``gap_pt`` from its anchor ``(x, y)``
    [pt] in the first of ``slots`` (``right``, ``left``, ``above``, ``below``) where its
    box overlaps neither a placed label nor an obstacle (points ``(x, y)`` with half-size
    [pt], e.g. the collar markers) and, with ``bounds`` ``(x0, y0, x1, y1)`` [pt], lies
    inside them. Returns the slot of each label, or None if none fits.
    """
    x = np.asarray(x_pt, dtype=float)
    y = np.asarray(y_pt, dtype=float)
    hw = np.asarray(width_pt, dtype=float) / 2.0
    hh = np.asarray(height_pt, dtype=float) / 2.0
    ox = oy = np.zeros(0)
    oh = 0.0
    if obstacles is not None:
        ox, oy, oh = np.asarray(obstacles[0], float), np.asarray(obstacles[1], float), obstacles[2]
    cx: list[float] = []
    cy: list[float] = []
    bw: list[float] = []
    bh: list[float] = []
    out: list[str | None] = [None] * len(x)
    for n in range(len(x)):
        if not (np.isfinite(x[n]) and np.isfinite(y[n])):
            continue
        for slot in slots:
            ux, uy, _, _ = LABEL_SLOTS[slot]
            px = x[n] + ux * (hw[n] + gap_pt)
            py = y[n] + uy * (hh[n] + gap_pt)
            if bounds is not None and not (
                bounds[0] <= px - hw[n]
                and px + hw[n] <= bounds[2]
                and bounds[1] <= py - hh[n]
                and py + hh[n] <= bounds[3]
            ):
                continue
            if cx:
                hit = (np.abs(np.asarray(cx) - px) < np.asarray(bw) + hw[n] + pad_pt) & (
                    np.abs(np.asarray(cy) - py) < np.asarray(bh) + hh[n] + pad_pt
                )
                if hit.any():
                    continue
            if len(ox) and ((np.abs(ox - px) < oh + hw[n]) & (np.abs(oy - py) < oh + hh[n])).any():
                continue
            out[n] = slot
            cx.append(px)
            cy.append(py)
            bw.append(hw[n])
            bh.append(hh[n])
            break
    return out


def plotly_text(value: object) -> str:
    """Data text for plotly hover labels, HTML-entity escaped.

    plotly.js renders a small HTML subset in hover text and decodes entities, so the
    escaped string shows exactly as typed (``<b>`` stays literal) and the figure dict holds
    no ``<`` that could close an embedding ``<script>`` element.
    """
    return html.escape(str(value), quote=True)


def grade_label(column: str) -> str:
    """Axis label of a grade column: ``TREO_pct`` → ``TREO [%]``."""
    if column.endswith("_pct"):
        return f"{column[:-4]} [%]"
    if column.endswith("_ppm"):
        return f"{column[:-4]} [ppm]"
    return column


def data_to_points(ax: Axes, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates → figure points after laying the figure out [pt]."""
    fig = ax.figure
    fig.draw_without_rendering()
    xy = ax.transData.transform(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    scale = 72.0 / fig.dpi
    return xy[:, 0] * scale, xy[:, 1] * scale


def axes_bounds_points(ax: Axes) -> tuple[float, float, float, float]:
    """The axes box ``(x0, y0, x1, y1)`` in figure points, after layout [pt]."""
    fig = ax.figure
    fig.draw_without_rendering()
    bb = ax.get_window_extent()
    scale = 72.0 / fig.dpi
    return bb.x0 * scale, bb.y0 * scale, bb.x1 * scale, bb.y1 * scale


def log_ticks(ax: Axes, which: str, lo: float, hi: float) -> None:
    """Plain-number ticks at 1-2-5 × 10ⁿ on a log axis (no mathtext) [axis units]."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    lo = max(lo, 1e-12)
    ticks = [
        m * 10.0**e
        for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
        for m in (1.0, 2.0, 5.0)
        if lo <= m * 10.0**e <= hi
    ]
    if len(ticks) > 9:
        ticks = [t for t in ticks if round(t / 10.0 ** math.floor(math.log10(t))) == 1]
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def equal_aspect(ax: Axes, x0: float, x1: float, y0: float, y1: float) -> None:
    """Show at least ``[x0, x1] × [y0, y1]`` at 1:1 scale in the axes' laid-out box [m].

    The layout engine sizes the box; the shorter data range is widened about its centre
    so one metre is as long across as up (no vertical exaggeration). Works with
    constrained layout, unlike a fixed aspect that shrinks the box.
    """
    fig = ax.figure
    for _ in range(2):
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        fig.draw_without_rendering()
        box = ax.get_window_extent()
        want = box.height / box.width
        have = (y1 - y0) / (x1 - x0)
        if have < want:
            half = 0.5 * (x1 - x0) * want
            yc = 0.5 * (y0 + y1)
            y0, y1 = yc - half, yc + half
        else:
            half = 0.5 * (y1 - y0) / want
            xc = 0.5 * (x0 + x1)
            x0, x1 = xc - half, xc + half
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
