"""Grade-tonnage curves by domain or by JORC resource class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    CLASS_COLOURS,
    CLASS_ORDER,
    figure_id,
    finish,
    grade_label,
    house_style,
    new_figure,
    require_columns,
)

__all__ = ["grade_tonnage_curve"]

_TOTALS = ("ALL", "All", "Total", "TOTAL", "total")
# Okabe–Ito colours for domains (colour-blind safe), in order of appearance
_DOMAIN_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")


def _groups(frame: pd.DataFrame, by: str) -> list[str]:
    names = [str(v) for v in pd.unique(frame[by].astype(str))]
    if by == "resource_class":
        lookup = {c.lower(): c for c in CLASS_ORDER}
        ordered = [n for c in CLASS_ORDER for n in names if lookup.get(n.lower()) == c]
        rest = [n for n in names if n not in ordered and n not in _TOTALS]
    else:
        ordered = []
        rest = [n for n in names if n not in _TOTALS]
    return ordered + rest + [n for n in names if n in _TOTALS]


def grade_tonnage_curve(
    grade_tonnage: pd.DataFrame,
    *,
    by: str = "domain",
    column: str = "TREO_pct",
    cutoff_pct: float | None = None,
    synthetic: bool = False,
) -> Figure:
    """Tonnes above cut-off and mean grade above cut-off, per domain or class.

    Parameters
    ----------
    grade_tonnage : pandas.DataFrame
        ``estimation__grade_tonnage`` (``domain``) or the resources stage's table
        (``resource_class``): ``cutoff_pct`` [%], ``tonnes`` [t] and ``<column>`` [%] (mean
        grade above the cut-off). A group named ``ALL``/``Total`` is drawn in black.
    by : str
        ``"domain"`` or ``"resource_class"``.
    column : str
        Grade column of the cut-off and the mean grade.
    cutoff_pct : float, optional
        Reporting cut-off marked with a vertical line [%].
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Solid lines: tonnes [Mt] (left axis); dashed lines: grade above cut-off [%]
        (right axis); one colour per group (class colours for classes).
    """
    from matplotlib.lines import Line2D

    if by not in ("domain", "resource_class"):
        raise DataError(f"grade_tonnage_curve: by must be 'domain' or 'resource_class', not {by!r}")
    table = "grade-tonnage table"
    require_columns(grade_tonnage, [by, "cutoff_pct", "tonnes", column], table)
    gt = grade_tonnage.dropna(subset=["cutoff_pct"])
    if gt.empty:
        raise DataError(f"{table}: no rows")
    groups = _groups(gt, by)
    label = grade_label(column)
    what = "domain" if by == "domain" else "resource class"
    title = f"Grade-tonnage curves of {label} by {what}"
    colours: dict[str, str] = {}
    n_dom = 0
    for g in groups:
        if g in _TOTALS:
            colours[g] = "#000000"
        elif by == "resource_class" and g.lower() in {c.lower() for c in CLASS_ORDER}:
            colours[g] = CLASS_COLOURS[next(c for c in CLASS_ORDER if c.lower() == g.lower())]
        else:
            colours[g] = _DOMAIN_COLOURS[n_dom % len(_DOMAIN_COLOURS)]
            n_dom += 1
    with house_style():
        fig = new_figure(3.6)
        ax = fig.add_subplot()
        ax2 = ax.twinx()
        handles = []
        for g in groups:
            d = gt[gt[by].astype(str) == g].sort_values("cutoff_pct")
            c = colours[g]
            lw = 1.8 if g in _TOTALS else 1.3
            ax.plot(d["cutoff_pct"], d["tonnes"] / 1e6, "-o", ms=2.5, color=c, lw=lw)
            ax2.plot(d["cutoff_pct"], d[column], "--s", ms=2.5, color=c, lw=lw * 0.85)
            handles.append(Line2D([], [], color=c, lw=lw * 2.5, label=g))
        handles += [
            Line2D([], [], color="0.3", ls="-", marker="o", ms=2.5, label="tonnes (left)"),
            Line2D([], [], color="0.3", ls="--", marker="s", ms=2.5, label="grade (right)"),
        ]
        if cutoff_pct is not None:
            ax.axvline(cutoff_pct, color="0.4", lw=0.8, ls=":")
            ax.annotate(
                f"cut-off {cutoff_pct:g} %",
                (cutoff_pct, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -10),
                textcoords="offset points",
                fontsize=6.5,
                color="0.3",
            )
        ax.set_xlabel(f"cut-off {label}")
        ax.set_ylabel("tonnes above cut-off [Mt]")
        ax2.set_ylabel(f"mean {label} above cut-off")
        ax.set_ylim(bottom=0)
        ax2.set_ylim(bottom=0)
        ax.set_xlim(left=float(np.nanmin(gt["cutoff_pct"])))
        ax.grid(True, lw=0.3, alpha=0.5)
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6))
        caption = (
            f"Grade-tonnage curves by {what} ({', '.join(groups)}): tonnes above cut-off "
            f"[Mt] (solid, left axis) and mean {label} above cut-off (dashed, right axis) "
            f"against the {label} cut-off"
            + (
                f"; dotted line: reporting cut-off {cutoff_pct:g} %"
                if cutoff_pct is not None
                else ""
            )
            + ". Tonnes are metric tonnes of the block model; not a statement of Mineral "
            "Resources unless constrained as stated in the resource statement."
        )
        fid = figure_id("grade-tonnage", by, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)
