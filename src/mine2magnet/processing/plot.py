"""Sankey-style diagram of a flowsheet (matplotlib, Agg canvas, imported lazily).

Nodes are the unit operations, the sources (mine, reagents) and one terminal node per
product, residue, tailings, effluent or emission stream. Band widths are proportional to
the chosen quantity — TREO (default: where the rare earths go), thorium (its deportment),
the mass of each stream, or any tracked element. Radioactive solid streams (a parent
nuclide above the clearance level) are outlined in red.

Units are laid out in columns by their depth in the flowsheet; terminal streams leave one
column to the right of the unit that makes them. Matplotlib is imported inside the
function, so importing :mod:`mine2magnet.processing` needs no plotting stack, and the figure
uses its own Agg canvas (no pyplot, no global backend change).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mine2magnet.processing.types import COMPONENTS, Flowsheet

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_sankey"]

_COLOURS = {
    "feed": "#4d4d4d",
    "reagent": "#8e6bb3",
    "intermediate": "#7f9fbf",
    "product": "#2e8b57",
    "by-product": "#9aaa3c",
    "tailings": "#a67c52",
    "residue": "#d98c3a",
    "effluent": "#4f9bd9",
    "emission": "#b3b3b3",
}
_UNITS = {"mass": "t/y", "TREO": "t/y REO"}


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _values(fs: Flowsheet, quantity: str) -> np.ndarray:
    s = fs.summary
    if quantity == "mass":
        return s["tonnes_per_year"].to_numpy(dtype=float)
    if quantity == "TREO":
        return s["TREO_tpa"].to_numpy(dtype=float)
    if quantity in COMPONENTS:
        long = fs.streams.loc[fs.streams["element"] == quantity].set_index("stream")
        return long["tonnes_per_year"].reindex(s["stream"]).to_numpy(dtype=float)
    raise ValueError(f"quantity must be 'TREO', 'mass' or one of {COMPONENTS}, got {quantity!r}")


def plot_sankey(
    flowsheet: Flowsheet,
    quantity: str = "TREO",
    *,
    ax: Axes | None = None,
    min_band: float = 0.002,
    title: str | None = None,
) -> Figure:
    """Draw a Sankey-style diagram of ``flowsheet``.

    Parameters
    ----------
    flowsheet : Flowsheet
        Result of :func:`~mine2magnet.processing.flowsheet.run_flowsheet`.
    quantity : str, optional
        ``"TREO"`` (rare-earth oxide [t/y], default), ``"mass"`` (stream mass [t/y]) or a
        component name such as ``"Th"`` (element [t/y]).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; by default a new figure (13 × 7 in) on an Agg canvas.
    min_band : float, optional
        Smallest drawn width of a non-zero band, as a fraction of the diagram height [-],
        so that small products stay visible next to the tailings.
    title : str, optional
        Figure title; default names the quantity.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig("flowsheet.png")``.

    Examples
    --------
    >>> from mine2magnet.processing import params, flowsheet as fl
    >>> p = params.processing_params({"feed": {"ore_tpa": 1e5, "TREO_pct": 2,
    ...                                        "distribution": "mountain_pass"}})
    >>> fig = plot_sankey(fl.run_flowsheet(fl.feed_from_params(p), p), "Th")
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    s = flowsheet.summary.reset_index(drop=True)
    vals = np.nan_to_num(_values(flowsheet, quantity), nan=0.0)
    unit_label = dict(zip(flowsheet.units["unit"], flowsheet.units["label"], strict=True))

    # nodes and edges
    nodes: dict[str, dict[str, Any]] = {}

    def node(key: str, label: str) -> dict[str, Any]:
        if key not in nodes:
            nodes[key] = {"label": label, "in": [], "out": [], "depth": 0}
        return nodes[key]

    hot = s["radioactive"].fillna(False).astype(bool).to_numpy()
    edges = []
    for i, r in s.iterrows():
        src = node(r["from_unit"], unit_label.get(r["from_unit"], r["from_unit"]))
        terminal = r["to_unit"] not in unit_label
        dst_key = f"sink:{r['stream']}" if terminal else r["to_unit"]
        dst = node(dst_key, r["label"] if terminal else unit_label[r["to_unit"]])
        dst["terminal"] = terminal
        e = {"src": r["from_unit"], "dst": dst_key, "v": vals[i], "kind": r["kind"],
             "hot": bool(hot[i])}  # fmt: skip
        edges.append(e)
        src["out"].append(e)
        dst["in"].append(e)
    # depth: units are recorded in flow order, so one pass suffices
    for _ in range(2):
        for e in edges:
            nodes[e["dst"]]["depth"] = max(nodes[e["dst"]]["depth"], nodes[e["src"]]["depth"] + 1)

    # geometry: widths in axis units (diagram height 1)
    columns: dict[int, list[str]] = {}
    for key, n in nodes.items():
        columns.setdefault(n["depth"], []).append(key)
    gap = 0.025
    col_total = {
        d: sum(max(sum(e["v"] for e in nodes[k]["in"]), sum(e["v"] for e in nodes[k]["out"]))
               for k in keys)
        for d, keys in columns.items()
    }  # fmt: skip
    biggest = max(
        (col_total[d] / max(1e-12, 1 - gap * (len(columns[d]) - 1)) for d in columns),
        default=1.0,
    )
    k = 1.0 / biggest if biggest > 0 else 1.0
    for e in edges:
        e["w"] = max(e["v"] * k, min_band) if e["v"] > 0 else 0.0
    for n in nodes.values():
        n["h"] = max(sum(e["w"] for e in n["in"]), sum(e["w"] for e in n["out"]), min_band)
    node_w, dx = 0.12, 1.0
    # place columns left to right; a node sits level with the band that feeds it when
    # there is room (fewer crossings, straighter bands), else below its neighbour
    for d in sorted(columns):
        for key in columns[d]:
            n = nodes[key]
            n["x"] = d * dx
            n["want"] = max((e["y_src"] for e in n["in"] if "y_src" in e), default=1.0)
        y = 1.0
        for key in sorted(columns[d], key=lambda q: -nodes[q]["want"]):
            n = nodes[key]
            n["y"] = min(y, n["want"])
            y = n["y"] - n["h"] - gap
            off = n["y"]
            for e in n["out"]:
                e["y_src"] = off
                off -= e["w"]

    if ax is None:
        fig = Figure(figsize=(13, 7), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    # bands
    for n in nodes.values():
        n["y_out"], n["y_in"] = n["y"], n["y"]
    for e in edges:
        a, b = nodes[e["src"]], nodes[e["dst"]]
        y0, y1 = a["y_out"], b["y_in"]
        a["y_out"] -= e["w"]
        b["y_in"] -= e["w"]
        if e["w"] <= 0:
            continue
        x0, x1 = a["x"] + node_w, b["x"]
        xm = (x0 + x1) / 2
        w = e["w"]
        verts = [(x0, y0), (xm, y0), (xm, y1), (x1, y1), (x1, y1 - w), (xm, y1 - w),
                 (xm, y0 - w), (x0, y0 - w), (x0, y0)]  # fmt: skip
        codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
                 Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]  # fmt: skip
        ax.add_patch(
            PathPatch(
                Path(verts, codes),
                facecolor=_COLOURS.get(e["kind"], "#999999"),
                alpha=0.55,
                edgecolor="#c0392b" if e["hot"] else "none",
                linewidth=1.2 if e["hot"] else 0,
            )
        )
    unit = _UNITS.get(quantity, f"t/y {quantity}")
    for n in nodes.values():
        total = max(sum(e["v"] for e in n["in"]), sum(e["v"] for e in n["out"]))
        if n.get("terminal") and total <= 0:
            continue  # nothing of this quantity leaves here
        ax.add_patch(Rectangle((n["x"], n["y"] - n["h"]), node_w, n["h"], color="#333333"))
        ax.text(
            n["x"] + (node_w + 0.03 if n.get("terminal") else node_w / 2),
            n["y"] + (-n["h"] / 2 if n.get("terminal") else 0.012),
            f"{n['label']}\n{_fmt(total)} {unit}" if n.get("terminal") else n["label"],
            ha="left" if n.get("terminal") else "center",
            va="center" if n.get("terminal") else "bottom",
            fontsize=7,
            bbox=None
            if n.get("terminal")
            else {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=3,
        )
    kinds = list(dict.fromkeys(e["kind"] for e in edges if e["w"] > 0))
    handles = [Rectangle((0, 0), 1, 1, color=_COLOURS.get(q, "#999999"), alpha=0.55) for q in kinds]
    handles.append(Rectangle((0, 0), 1, 1, fc="none", ec="#c0392b", lw=1.2))
    ax.legend(handles, [*kinds, "> clearance level"], loc="lower right", fontsize=7,
              frameon=False)  # fmt: skip
    depth_max = max(n["depth"] for n in nodes.values())
    ax.set_xlim(-0.1, depth_max * dx + 1.0)
    ymin = min(n["y"] - n["h"] for n in nodes.values())
    ax.set_ylim(min(ymin, 0.0) - 0.03, 1.06)
    ax.set_axis_off()
    ax.set_title(
        title or f"Flowsheet — {quantity} ({unit}); red outline: above the clearance level",
        fontsize=10,
    )
    return fig
