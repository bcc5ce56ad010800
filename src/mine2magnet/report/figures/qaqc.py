"""QA/QC charts: CRM control chart, blank chart, duplicate scatter and ranked HARD plot.

All read the QA/QC tables of the drillholes stage as stored. Sample ids from the input
files are drawn as plain text (no mathtext; XML-escaped in the SVG).

HARD (half absolute relative difference) of a pair ``(o, d)`` is ``|o − d| / (o + d)``
× 100 %; a pair passes at limit ``L`` % when ``d / o`` lies between ``(1 − L/100) /
(1 + L/100)`` and its inverse, the two lines drawn on the duplicate scatter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    LABEL_SLOTS,
    axes_bounds_points,
    data_to_points,
    figure_id,
    finish,
    grade_label,
    greedy_labels,
    house_style,
    log_ticks,
    new_figure,
    require_columns,
    rows_for,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["blank_chart", "crm_control_chart", "duplicate_scatter", "hard_plot"]

_PASS = "#4D4D4D"
_WARN = "#E69F00"
_FAIL = "#B2182B"
_MEAN = "#2166AC"
_LABEL_PT = 5.5
_MAX_LABELS = 25  # failures labelled at most (the failure table lists them all)


def _qc_name(qc_type: str) -> str:
    return str(qc_type).replace("_", " ")


def _label_points(ax: Axes, x: np.ndarray, y: np.ndarray, texts: list[str]) -> int:
    """Label points inside the axes where labels overlap neither each other nor the
    labelled markers; returns the count."""
    if len(texts) == 0:
        return 0
    px, py = data_to_points(ax, x, y)
    w = np.array([0.6 * _LABEL_PT * len(t) + 1.0 for t in texts])
    h = np.full(len(texts), 1.2 * _LABEL_PT)
    slots = greedy_labels(
        px,
        py,
        w,
        h,
        slots=("right", "left", "above", "below"),
        gap_pt=3.5,
        obstacles=(px, py, 2.5),
        bounds=axes_bounds_points(ax),
    )
    n = 0
    for t, xx, yy, slot in zip(texts, x, y, slots, strict=True):
        if slot is None or n >= _MAX_LABELS:
            continue
        ux, uy, ha, va = LABEL_SLOTS[slot]
        ax.annotate(
            t,
            (xx, yy),
            xytext=(3.5 * ux, 3.5 * uy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=_LABEL_PT,
            color=_FAIL,
            zorder=9,
        )
        n += 1
    return n


def crm_control_chart(
    crm_results: pd.DataFrame, standard_id: str, column: str, *, synthetic: bool = False
) -> Figure:
    """Control chart of one certified reference material (CRM) and grade column.

    Parameters
    ----------
    crm_results : pandas.DataFrame
        Table ``drillholes__qaqc_crm_results``: ``sample_id``, ``standard_id``,
        ``column``, ``row`` (input line, gives the insertion order), ``value``,
        ``expected``, ``sd`` [%], ``status`` (``pass``, ``warning``, ``failure``).
    standard_id : str
        The CRM.
    column : str
        Grade column, e.g. ``CeO2_pct``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Assays in insertion order with the certified value, ±2 SD and ±3 SD lines, the
        observed mean (dashed, labelled with the bias %), warnings and failures marked and
        failures labelled with their sample ids.
    """
    table = "drillholes__qaqc_crm_results"
    require_columns(crm_results, ["sample_id", "row", "value", "expected", "sd", "status"], table)
    r = rows_for(crm_results, table, standard_id=standard_id, column=column)
    r = r.sort_values("row", kind="stable").reset_index(drop=True)
    v = r["value"].to_numpy(float)
    ok = np.isfinite(v)
    expected = float(np.nanmedian(r["expected"].to_numpy(float)))
    sd = float(np.nanmedian(r["sd"].to_numpy(float)))
    seq = np.arange(1, len(r) + 1)
    status = r["status"].astype(str).str.lower().to_numpy()
    mean = float(np.nanmean(v)) if ok.any() else float("nan")
    bias = 100.0 * (mean - expected) / expected if expected else float("nan")
    label = grade_label(column)
    title = f"CRM control chart: {standard_id}, {label}"
    n_fail = int((status == "failure").sum())
    n_warn = int((status == "warning").sum())
    with house_style():
        fig = new_figure(3.5, title=title)
        ax = fig.add_subplot()
        for k, colour, ls, lw in (
            (3, _FAIL, "-.", 0.9),
            (2, _WARN, "--", 0.9),
        ):
            for sign in (1, -1):
                ax.axhline(expected + sign * k * sd, color=colour, ls=ls, lw=lw, zorder=1)
        ax.axhline(expected, color="black", lw=1.0, zorder=1)
        ax.axhline(mean, color=_MEAN, lw=1.0, ls=(0, (5, 2)), zorder=2)
        ax.plot(seq[ok], v[ok], "-", color="0.75", lw=0.5, zorder=2)
        groups = (
            ("pass", _PASS, "o", 2.2, "pass"),
            ("warning", _WARN, "^", 3.5, "warning (Westgard rule)"),
            ("failure", _FAIL, "D", 3.8, "failure"),
        )
        for st, colour, marker, ms, name in groups:
            m = (status == st) & ok
            if m.any() or st == "pass":
                ax.plot(
                    seq[m],
                    v[m],
                    marker,
                    ms=ms,
                    color=colour,
                    ls="none",
                    zorder=4,
                    label=f"{name} ({int(m.sum())})",
                )
        other = ~np.isin(status, ["pass", "warning", "failure"]) & ok
        if other.any():
            ax.plot(
                seq[other],
                v[other],
                "s",
                ms=2.5,
                color="0.6",
                ls="none",
                zorder=3,
                label=f"other status ({int(other.sum())})",
            )
        lo = min(expected - 3.6 * sd, float(np.nanmin(v)) if ok.any() else expected)
        hi = max(expected + 3.6 * sd, float(np.nanmax(v)) if ok.any() else expected)
        pad = 0.05 * (hi - lo)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlim(0, len(r) + 1)
        trans = ax.get_yaxis_transform()
        for yv, text, colour in (
            (expected + 3 * sd, "+3 SD", _FAIL),
            (expected + 2 * sd, "+2 SD", _WARN),
            (expected, f"certified {expected:.4g}", "black"),
            (expected - 2 * sd, "−2 SD", _WARN),
            (expected - 3 * sd, "−3 SD", _FAIL),
        ):
            ax.text(
                1.005, yv, text, transform=trans, va="center", ha="left", fontsize=6, color=colour
            )
        ax.text(
            0.01,
            mean,
            f"mean {mean:.4g} (bias {bias:+.2f} %)",
            transform=trans,
            va="bottom",
            ha="left",
            fontsize=6.5,
            color=_MEAN,
            zorder=6,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
        )
        ax.set_xlabel("CRM insertion sequence (input order)")
        ax.set_ylabel(f"{label} assayed")
        ax.grid(True, axis="x", lw=0.3, alpha=0.5)
        f = (status == "failure") & ok
        n_lab = _label_points(ax, seq[f], v[f], r.loc[f, "sample_id"].astype(str).tolist())
        fig.legend(loc="outside lower center", ncol=4)
        more = f" ({n_lab} labelled)" if n_lab < n_fail else ""
        caption = (
            f"Control chart of CRM {standard_id} for {label}: {len(r)} insertions in input "
            f"order. Certified value {expected:.4g} % (solid), ±2 SD (dashed) and ±3 SD "
            f"(dash-dot) with SD = {sd:.3g} %; observed mean {mean:.4g} % (blue dashed), "
            f"bias {bias:+.2f} %. {n_warn} warnings and {n_fail} failures{more}; failures "
            f"labelled with sample ids."
        )
        fid = figure_id("crm", standard_id, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)


def blank_chart(blank_results: pd.DataFrame, column: str, *, synthetic: bool = False) -> Figure:
    """Blank chart: blank assays as multiples of the detection limit, in insertion order.

    Parameters
    ----------
    blank_results : pandas.DataFrame
        Table ``drillholes__qaqc_blank_results``: ``sample_id``, ``column``, ``row``,
        ``value`` [%], ``detection_limit`` [%], ``dl_multiple`` [-], ``limit_multiple``
        [-], ``status``, optionally ``preceding_sample_id``, ``preceding_value`` [%].
    column : str
        Grade column, e.g. ``CeO2_pct``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Values in detection-limit multiples (log axis) with the acceptance limit; failures
        labelled with the sample id and the grade of the preceding sample.
    """
    table = "drillholes__qaqc_blank_results"
    require_columns(
        blank_results, ["sample_id", "row", "dl_multiple", "limit_multiple", "status"], table
    )
    b = rows_for(blank_results, table, column=column).sort_values("row", kind="stable")
    b = b.reset_index(drop=True)
    dl = b["dl_multiple"].to_numpy(float)
    ok = np.isfinite(dl) & (dl > 0)
    if not ok.any():
        raise DataError(
            f"{table}: no blank of {column} has a detection-limit multiple; declare the "
            f"detection limit of {column} in the project file"
        )
    seq = np.arange(1, len(b) + 1)
    limit = float(np.nanmedian(b["limit_multiple"].to_numpy(float)))
    status = b["status"].astype(str).str.lower().to_numpy()
    fail = (status == "failure") & ok
    label = grade_label(column)
    title = f"Blank chart: {label}"
    dlim = (
        float(np.nanmedian(b["detection_limit"].to_numpy(float)))
        if "detection_limit" in b.columns
        else float("nan")
    )
    with house_style():
        fig = new_figure(3.3, title=title)
        ax = fig.add_subplot()
        ax.plot(
            seq[ok & ~fail],
            dl[ok & ~fail],
            "o",
            ms=2.2,
            color=_PASS,
            ls="none",
            label=f"blank ({int((ok & ~fail).sum())})",
        )
        ax.plot(
            seq[fail],
            dl[fail],
            "D",
            ms=3.8,
            color=_FAIL,
            ls="none",
            label=f"failure ({int(fail.sum())})",
        )
        ax.axhline(limit, color=_FAIL, ls="--", lw=1.0, label=f"limit {limit:g} × DL")
        ax.axhline(1.0, color="0.4", ls=":", lw=0.8, label="detection limit (1 × DL)")
        ax.set_yscale("log")
        ax.set_xlim(0, len(b) + 1)
        ymax = max(float(dl[ok].max()), limit) * 3.0
        ymin = min(float(dl[ok].min()), 1.0) / 2.0
        ax.set_ylim(ymin, ymax)
        log_ticks(ax, "y", ymin, ymax)
        ax.set_xlabel("blank insertion sequence (input order)")
        ax.set_ylabel("blank assay [multiples of detection limit]")
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
        texts = []
        for _, row in b.loc[fail].iterrows():
            t = str(row["sample_id"])
            if "preceding_value" in b.columns and pd.notna(row.get("preceding_value")):
                prev = row.get("preceding_sample_id")
                after = f" after {prev}" if pd.notna(prev) else " after"
                t += f" ({after.strip()}: {float(row['preceding_value']):.3g} %)"
            texts.append(t)
        _label_points(ax, seq[fail], dl[fail], texts)
        fig.legend(loc="outside lower center", ncol=4)
        n_missing = int((~ok).sum())
        caption = (
            f"Blank samples for {label}: {int(ok.sum())} assays in input order as "
            f"multiples of the detection limit"
            + (f" (DL = {dlim:.3g} %)" if np.isfinite(dlim) else "")
            + f", log axis; dashed: acceptance limit {limit:g} × DL. {int(fail.sum())} "
            f"failures, labelled with the sample id and the grade of the preceding sample "
            f"(carry-over check)"
            + (f"; {n_missing} blanks without a detection limit not shown" if n_missing else "")
            + "."
        )
        fid = figure_id("blank", column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)


def _pairs(pairs: pd.DataFrame, qc_type: str, column: str) -> pd.DataFrame:
    table = "drillholes__qaqc_duplicate_pairs"
    require_columns(pairs, ["original", "duplicate", "hard_pct", "hard_limit_pct", "status"], table)
    return rows_for(pairs, table, qc_type=qc_type, column=column)


def duplicate_scatter(
    pairs: pd.DataFrame, qc_type: str, column: str, *, synthetic: bool = False
) -> Figure:
    """Duplicate against original on log–log axes with the 1:1 and ±HARD-limit lines.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Table ``drillholes__qaqc_duplicate_pairs``: ``qc_type``, ``column``,
        ``sample_id``, ``original``, ``duplicate`` [%], ``hard_pct``, ``hard_limit_pct``
        [%], ``status``.
    qc_type : str
        Duplicate type, e.g. ``field_duplicate``.
    column : str
        Grade column, e.g. ``TREO_pct``.
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
    """
    p = _pairs(pairs, qc_type, column)
    o = p["original"].to_numpy(float)
    d = p["duplicate"].to_numpy(float)
    ok = np.isfinite(o) & np.isfinite(d) & (o > 0) & (d > 0)
    if not ok.any():
        raise DataError(f"{qc_type} pairs of {column}: no pair with both values > 0")
    limit = float(np.nanmedian(p["hard_limit_pct"].to_numpy(float)))
    frac = limit / 100.0
    ratio = (1 + frac) / (1 - frac) if frac < 1 else np.inf
    fail = ok & (p["status"].astype(str).str.lower().to_numpy() == "failure")
    label = grade_label(column)
    name = _qc_name(qc_type)
    title = f"Duplicate scatter: {name}s, {label}"
    lo = float(min(o[ok].min(), d[ok].min())) / 1.5
    hi = float(max(o[ok].max(), d[ok].max())) * 1.5
    with house_style():
        fig = new_figure(4.4, width_in=4.9, title=title)
        ax = fig.add_subplot()
        ax.scatter(
            o[ok & ~fail],
            d[ok & ~fail],
            s=6,
            color="#2166AC",
            alpha=0.6,
            edgecolors="none",
            label=f"pair ({int((ok & ~fail).sum())})",
            rasterized=int((ok & ~fail).sum()) > 400,  # a light SVG and a fast PDF
        )
        ax.scatter(
            o[fail],
            d[fail],
            s=16,
            marker="D",
            color=_FAIL,
            label=f"failure, HARD > {limit:g} % ({int(fail.sum())})",
        )
        xs = np.array([lo, hi])
        ax.plot(xs, xs, "-", color="black", lw=0.9, label="1:1")
        if np.isfinite(ratio):
            ax.plot(xs, xs * ratio, "--", color=_FAIL, lw=0.9, label=f"HARD = {limit:g} %")
            ax.plot(xs, xs / ratio, "--", color=_FAIL, lw=0.9)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        log_ticks(ax, "x", lo, hi)
        log_ticks(ax, "y", lo, hi)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(f"original {label}")
        ax.set_ylabel(f"{name} {label}")
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
        sid = p["sample_id"].astype(str).to_numpy() if "sample_id" in p.columns else None
        if sid is not None:
            _label_points(ax, o[fail], d[fail], sid[fail].tolist())
        ax.legend(loc="upper left", fontsize=6.5)
        n_drop = int((~ok).sum())
        caption = (
            f"{name.capitalize()}s of {label}: {int(ok.sum())} pairs, duplicate against "
            f"original [%] on logarithmic axes, with the 1:1 line and the lines where the "
            f"half absolute relative difference (HARD) equals the {limit:g} % acceptance "
            f"limit; {int(fail.sum())} failures labelled with the duplicate sample id"
            + (f"; {n_drop} pairs with a value ≤ 0 or missing not shown" if n_drop else "")
            + "."
        )
        fid = figure_id("duplicates", qc_type, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)


def hard_plot(
    pairs: pd.DataFrame,
    qc_type: str,
    column: str,
    *,
    required_pct: float = 90.0,
    synthetic: bool = False,
) -> Figure:
    """Ranked HARD plot: share of pairs against their HARD, with the acceptance criterion.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Table ``drillholes__qaqc_duplicate_pairs`` (see :func:`duplicate_scatter`).
    qc_type : str
        Duplicate type, e.g. ``field_duplicate``.
    column : str
        Grade column, e.g. ``TREO_pct``.
    required_pct : float
        Share of pairs that must lie within the HARD limit [%] (the
        ``required_pct`` of ``drillholes__qaqc_duplicate_summary``; 90 by default).
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        HARD [%] of the pairs sorted ascending against their rank percentile [%], the
        HARD limit (horizontal) and the required percentage (vertical); the criterion is
        met when the curve passes below their crossing.
    """
    p = _pairs(pairs, qc_type, column)
    hard = np.sort(p["hard_pct"].to_numpy(float)[np.isfinite(p["hard_pct"].to_numpy(float))])
    if len(hard) == 0:
        raise DataError(f"{qc_type} pairs of {column}: no HARD values")
    limit = float(np.nanmedian(p["hard_limit_pct"].to_numpy(float)))
    n = len(hard)
    rank = 100.0 * np.arange(1, n + 1) / n
    within = 100.0 * float((hard <= limit).sum()) / n
    at_req = float(np.quantile(hard, min(max(required_pct, 0.0), 100.0) / 100.0))
    passes = within >= required_pct
    label = grade_label(column)
    name = _qc_name(qc_type)
    title = f"Ranked HARD plot: {name}s, {label}"
    with house_style():
        fig = new_figure(3.4)
        ax = fig.add_subplot()
        ax.plot(rank, hard, "-", color="#2166AC", lw=1.4, label=f"pairs (n = {n:,})")
        ax.axhline(limit, color=_FAIL, ls="--", lw=1.0, label=f"HARD limit {limit:g} %")
        ax.axvline(
            required_pct, color="0.3", ls=":", lw=1.0, label=f"required {required_pct:g} % of pairs"
        )
        ax.plot(
            [required_pct],
            [at_req],
            "o",
            ms=5,
            mfc="white",
            mec="#1B7837" if passes else _FAIL,
            mew=1.5,
            zorder=5,
        )
        verdict = "meets" if passes else "fails"
        ax.annotate(
            f"{within:.1f} % of pairs within {limit:g} % HARD: {verdict} the criterion\n"
            f"HARD at the {required_pct:g}th percentile: {at_req:.2f} %",
            (required_pct, at_req),
            xytext=(-8, 30),
            textcoords="offset points",
            ha="right",
            fontsize=6.5,
            color="#1B7837" if passes else _FAIL,
            arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.6},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.7", "lw": 0.5},
        )
        top = max(float(hard.max()), limit) * 1.1
        ax.set_ylim(0, top)
        ax.set_xlim(0, 100)
        ax.set_xlabel("rank of pair [percentile, %]")
        ax.set_ylabel("HARD [%]")
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.legend(loc="upper left", fontsize=6.5)
        caption = (
            f"Ranked half absolute relative difference (HARD = |o − d| / (o + d) × 100 %) "
            f"of {n:,} {name} pairs of {label}, sorted ascending against their rank "
            f"percentile [%]. {within:.1f} % of pairs lie within the {limit:g} % limit "
            f"(required: {required_pct:g} %), so the set {verdict} the criterion; the HARD "
            f"at the {required_pct:g}th percentile is {at_req:.2f} %."
        )
        fid = figure_id("hard", qc_type, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)
