"""Figures of the economics chapter: cash flows, NPV curve, risk, scenarios, mine to magnet.

Every function takes the economics stage's tables as stored (``economics__<name>``, see
:mod:`mine2magnet.economics.stage`) and returns a
:class:`~mine2magnet.report.document.Figure`; money is drawn in US$ M of the model's money
basis. A table without the columns a figure needs raises
:class:`~mine2magnet.errors.DataError` naming them; inputs are never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    figure_id,
    finish,
    house_style,
    new_figure,
    require_columns,
)

__all__ = [
    "cashflow_profile",
    "cashflow_waterfall",
    "magnet_chart",
    "npv_histogram",
    "npv_rate_curve",
    "scenario_chart",
    "spider_chart",
    "tornado_chart",
]

# Okabe–Ito (colour-blind safe)
_BLUE, _ORANGE, _GREEN, _RED = "#0072B2", "#E69F00", "#009E73", "#D55E00"
_SKY, _PURPLE, _YELLOW, _GREY = "#56B4E9", "#CC79A7", "#F0E442", "#7F7F7F"
_M = 1e6


def _money_axis(ax, label: str = "US$ M") -> None:  # type: ignore[no-untyped-def]
    ax.set_ylabel(label)
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.grid(axis="y", linewidth=0.3, alpha=0.6)


def _align_zero(ax, ax2) -> None:  # type: ignore[no-untyped-def]
    """Put zero at the same height on both y axes."""
    lims = []
    for a in (ax, ax2):
        lo, hi = a.get_ylim()
        lims.append((min(lo, 0.0), max(hi, 0.0)))
    # fraction of the axis height below zero: the larger of the two
    f = max(-lo / (hi - lo) if hi > lo else 0.5 for lo, hi in lims)
    f = min(max(f, 0.05), 0.95)
    for a, (lo, hi) in zip((ax, ax2), lims, strict=True):
        span = max(hi / (1.0 - f), -lo / f)
        a.set_ylim(-f * span, (1.0 - f) * span)


def cashflow_profile(cashflow: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Annual revenue, costs and after-tax cash flow, with the cumulative cash flow.

    Parameters
    ----------
    cashflow : pandas.DataFrame
        ``economics__cashflow``: ``year``, ``revenue_usd``, ``opex_usd``,
        ``royalty_usd``, ``capex_usd``, ``tax_usd``, ``cash_flow`` [US$].
    synthetic : bool
        Mark the figure as SYNTHETIC data.

    Returns
    -------
    Figure
        Bars above zero: revenue; below: operating cost, royalties, income tax, capital
        [US$ M/y]; line: after-tax cash flow; dashed: cumulative (right axis).
    """
    cols = ["year", "revenue_usd", "opex_usd", "royalty_usd", "capex_usd", "tax_usd", "cash_flow"]
    table = "economics__cashflow"
    require_columns(cashflow, cols, table)
    if cashflow.empty:
        raise DataError(f"{table}: no rows")
    y = cashflow.groupby("year", sort=True)[cols[1:]].sum()
    years = y.index.to_numpy()
    title = "Annual cash flows"
    with house_style():
        fig = new_figure(3.2)
        ax = fig.add_subplot()
        ax.bar(years, y["revenue_usd"] / _M, color=_BLUE, label="revenue", width=0.8)
        bottom = np.zeros(len(years))
        for col, lab, colour in (
            ("opex_usd", "operating cost", _ORANGE),
            ("royalty_usd", "royalties", _PURPLE),
            ("tax_usd", "income tax", _RED),
            ("capex_usd", "capital", _GREY),
        ):
            h = -y[col].to_numpy() / _M
            ax.bar(years, h, bottom=bottom, color=colour, label=lab, width=0.8)
            bottom = bottom + h
        ax.plot(
            years,
            y["cash_flow"] / _M,
            color="black",
            marker="o",
            markersize=2.5,
            label="after-tax cash flow",
        )
        _money_axis(ax, "US$ M per year")
        ax.set_xlabel("year")
        ax2 = ax.twinx()
        ax2.plot(
            years,
            np.cumsum(y["cash_flow"]) / _M,
            color=_GREEN,
            linestyle="--",
            label="cumulative (right)",
        )
        ax2.set_ylabel("cumulative US$ M")
        _align_zero(ax, ax2)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="lower right", ncol=3)
        caption = (
            "Revenue (up) and operating cost, royalties, income tax and capital (down) per "
            "year, after-tax cash flow (black) and its running total (dashed), US$ M in the "
            "model's money basis."
        )
        return finish(
            fig,
            fig_id="economics-cashflow-profile",
            title=title,
            caption=caption,
            synthetic=synthetic,
        )


def cashflow_waterfall(cashflow: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Life-of-mine waterfall: revenue → royalties → opex → capex → other → tax → net.

    Parameters
    ----------
    cashflow : pandas.DataFrame
        ``economics__cashflow``: ``revenue_usd``, ``royalty_usd``, ``opex_usd``,
        ``capex_usd``, ``working_capital_change_usd``, ``closure_usd``, ``salvage_usd``,
        ``tax_usd``, ``cash_flow`` [US$].
    synthetic : bool

    Returns
    -------
    Figure
        Undiscounted life-of-mine totals [US$ M]; the steps add up to the net cash flow.
    """
    cols = [
        "revenue_usd",
        "royalty_usd",
        "opex_usd",
        "capex_usd",
        "working_capital_change_usd",
        "closure_usd",
        "salvage_usd",
        "tax_usd",
        "cash_flow",
    ]
    table = "economics__cashflow"
    require_columns(cashflow, cols, table)
    s = cashflow[cols].sum()
    other = -s["working_capital_change_usd"] - s["closure_usd"] + s["salvage_usd"]
    steps = [
        ("revenue", s["revenue_usd"]),
        ("royalties", -s["royalty_usd"]),
        ("operating cost", -s["opex_usd"]),
        ("capital", -s["capex_usd"]),
        ("working capital, closure, salvage", other),
        ("income tax", -s["tax_usd"]),
    ]
    net = float(s["cash_flow"])
    title = "Life-of-mine cash-flow waterfall"
    with house_style():
        fig = new_figure(3.0)
        ax = fig.add_subplot()
        level = 0.0
        labels = []
        for i, (lab, v) in enumerate(steps):
            v = float(v) / _M
            colour = _BLUE if i == 0 else (_GREEN if v >= 0 else _RED)
            ax.bar(i, v, bottom=level, color=colour, width=0.65)
            ax.text(
                i,
                level + v + (0.01 if v >= 0 else -0.01) * abs(s["revenue_usd"]) / _M,
                f"{v:,.0f}",
                ha="center",
                va="bottom" if v >= 0 else "top",
                fontsize=6.5,
            )
            if i < len(steps) - 1:
                ax.plot([i + 0.33, i + 0.67], [level + v] * 2, color="black", linewidth=0.5)
            level += v
            labels.append(lab)
        ax.bar(len(steps), net / _M, color="black", width=0.65)
        ax.text(
            len(steps),
            net / _M,
            f"{net / _M:,.0f}",
            ha="center",
            va="bottom" if net >= 0 else "top",
            fontsize=6.5,
        )
        labels.append("net cash flow")
        ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
        _money_axis(ax, "US$ M, life of mine (undiscounted)")
        caption = (
            "Life-of-mine totals, undiscounted, US$ M: revenue less royalties, operating "
            "cost, capital, working capital and closure net of salvage, and income tax gives "
            "the after-tax net cash flow."
        )
        return finish(
            fig, fig_id="economics-waterfall", title=title, caption=caption, synthetic=synthetic
        )


def npv_rate_curve(
    npv_vs_rate: pd.DataFrame,
    metrics: pd.DataFrame | None = None,
    *,
    synthetic: bool = False,
) -> Figure:
    """NPV against discount rate, after tax and pre-tax, with every IRR root marked.

    Parameters
    ----------
    npv_vs_rate : pandas.DataFrame
        ``economics__npv_vs_rate``: ``rate_pct``, ``npv_after_tax_usd``,
        ``npv_pre_tax_usd``.
    metrics : pandas.DataFrame, optional
        ``economics__metrics`` (IRR roots and the discount rate to mark).
    synthetic : bool

    Returns
    -------
    Figure
    """
    table = "economics__npv_vs_rate"
    require_columns(npv_vs_rate, ["rate_pct", "npv_after_tax_usd", "npv_pre_tax_usd"], table)
    if npv_vs_rate.empty:
        raise DataError(f"{table}: no rows")
    r = npv_vs_rate["rate_pct"].to_numpy(dtype=float)
    title = "NPV against discount rate"
    with house_style():
        fig = new_figure(3.0)
        ax = fig.add_subplot()
        for col, lab, colour in (
            ("npv_after_tax_usd", "after tax", _BLUE),
            ("npv_pre_tax_usd", "pre-tax", _ORANGE),
        ):
            ax.plot(r, npv_vs_rate[col] / _M, color=colour, label=lab)
        if metrics is not None and {"kind", "series", "value"} <= set(metrics.columns):
            for k, (series, colour) in enumerate((("after_tax", _BLUE), ("pre_tax", _ORANGE))):
                roots = metrics.loc[
                    (metrics["kind"] == "irr_root") & (metrics["series"] == series), "value"
                ].to_numpy(dtype=float)
                shown = roots[(roots >= r.min()) & (roots <= r.max())]
                if shown.size:
                    ax.plot(
                        shown,
                        np.zeros(shown.size),
                        linestyle="none",
                        marker="o",
                        color=colour,
                        markersize=4,
                    )
                    for x in shown:
                        ax.annotate(
                            f"IRR {x:.1f} %",
                            (x, 0.0),
                            xytext=(4, 6 + 11 * k),
                            textcoords="offset points",
                            fontsize=6.5,
                            color=colour,
                        )
            d = metrics.loc[metrics["kind"] == "discount_rate", "value"]
            if len(d):
                ax.axvline(float(d.iloc[0]), color=_GREY, linestyle=":", linewidth=0.8)
                ax.text(
                    float(d.iloc[0]),
                    0.97,
                    f" discount rate {d.iloc[0]:g} %",
                    transform=ax.get_xaxis_transform(),
                    va="top",
                    fontsize=6.5,
                    color=_GREY,
                )
        _money_axis(ax, "NPV [US$ M]")
        ax.set_xlabel("discount rate [%]")
        ax.legend(loc="upper right")
        caption = (
            "Net present value at the valuation date against the discount rate, after tax "
            "and pre-tax, US$ M; dots mark every internal rate of return in the range (a "
            "cash flow with several sign changes may have several)."
        )
        return finish(
            fig, fig_id="economics-npv-rate", title=title, caption=caption, synthetic=synthetic
        )


_LABELS = {
    "price": "price",
    "grade": "grade",
    "recovery": "recovery",
    "capex": "capital cost",
    "opex": "operating cost",
    "fx": "local currency (FX)",
    "discount_rate": "discount rate",
}


def tornado_chart(
    tornado: pd.DataFrame,
    *,
    base_npv: float | None = None,
    range_pct: float | None = None,
    synthetic: bool = False,
) -> Figure:
    """Tornado: NPV at −range and +range of each variable, largest swing on top.

    Parameters
    ----------
    tornado : pandas.DataFrame
        ``economics__tornado``: ``variable``, ``npv_low_usd``, ``npv_high_usd`` [US$].
    base_npv : float, optional
        Base-case NPV [US$] (the bars' origin); default the mean of low and high of the
        first row.
    range_pct : float, optional
        The ± range [%] for the caption.
    synthetic : bool

    Returns
    -------
    Figure
    """
    table = "economics__tornado"
    require_columns(tornado, ["variable", "npv_low_usd", "npv_high_usd"], table)
    if tornado.empty:
        raise DataError(f"{table}: no rows")
    t = tornado.assign(swing=(tornado["npv_high_usd"] - tornado["npv_low_usd"]).abs())
    t = t.sort_values("swing", kind="stable")
    base = (
        float(base_npv)
        if base_npv is not None
        else float((tornado["npv_low_usd"].iloc[0] + tornado["npv_high_usd"].iloc[0]) / 2)
    )
    rng = f"±{range_pct:g} %" if range_pct is not None else "± range"
    title = "Sensitivity of NPV (tornado)"
    with house_style():
        fig = new_figure(0.6 + 0.32 * len(t))
        ax = fig.add_subplot()
        ypos = np.arange(len(t))
        lo = t["npv_low_usd"].to_numpy(dtype=float) / _M
        hi = t["npv_high_usd"].to_numpy(dtype=float) / _M
        b = base / _M
        step = f" {range_pct:g} %" if range_pct is not None else ""
        ax.barh(ypos, lo - b, left=b, color=_RED, label=f"variable −{step}".replace("− ", "−"))
        ax.barh(ypos, hi - b, left=b, color=_BLUE, label=f"variable +{step}".replace("+ ", "+"))
        ax.axvline(b, color="black", linewidth=0.8)
        ax.set_yticks(ypos, [_LABELS.get(str(v), str(v)) for v in t["variable"]])
        ax.set_xlabel("NPV [US$ M]")
        ax.grid(axis="x", linewidth=0.3, alpha=0.6)
        ax.legend(loc="lower right")
        caption = (
            f"NPV with each variable changed by {rng}, the others at base (red: lower value "
            f"of the variable, blue: higher); base case {b:,.0f} US$ M."
        )
        return finish(
            fig, fig_id="economics-tornado", title=title, caption=caption, synthetic=synthetic
        )


def spider_chart(spider: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Spider: NPV against the change of each variable.

    Parameters
    ----------
    spider : pandas.DataFrame
        ``economics__spider``: ``variable``, ``change_pct``, ``npv_usd``.
    synthetic : bool

    Returns
    -------
    Figure
    """
    table = "economics__spider"
    require_columns(spider, ["variable", "change_pct", "npv_usd"], table)
    if spider.empty:
        raise DataError(f"{table}: no rows")
    colours = (_BLUE, _ORANGE, _GREEN, _RED, _PURPLE, _SKY, _GREY, _YELLOW)
    title = "Sensitivity of NPV (spider)"
    with house_style():
        fig = new_figure(3.0)
        ax = fig.add_subplot()
        for i, (var, g) in enumerate(spider.groupby("variable", sort=False)):
            g = g.sort_values("change_pct")
            ax.plot(
                g["change_pct"],
                g["npv_usd"] / _M,
                marker="o",
                markersize=2.5,
                color=colours[i % len(colours)],
                label=_LABELS.get(str(var), str(var)),
            )
        _money_axis(ax, "NPV [US$ M]")
        ax.axvline(0.0, color="black", linewidth=0.4)
        ax.set_xlabel("change of the variable [%]")
        ax.legend(loc="best", ncol=2)
        caption = "NPV against the change of one variable at a time, the others at base, US$ M."
        return finish(
            fig, fig_id="economics-spider", title=title, caption=caption, synthetic=synthetic
        )


def _percentiles(summary: pd.DataFrame | None) -> dict[str, float]:
    if summary is None or not {"statistic", "after_tax_usd"} <= set(summary.columns):
        return {}
    s = dict(zip(summary["statistic"].astype(str), summary["after_tax_usd"], strict=True))
    return {k: float(s[k]) for k in ("P10", "P50", "P90", "mean", "P(NPV<0)") if k in s}


def npv_histogram(
    montecarlo_npv: pd.DataFrame,
    montecarlo_summary: pd.DataFrame | None = None,
    *,
    synthetic: bool = False,
) -> Figure:
    """Distribution of the Monte Carlo after-tax NPV with P10, P50 and P90.

    Parameters
    ----------
    montecarlo_npv : pandas.DataFrame
        ``economics__montecarlo_npv``: the draws (``npv_usd``) or a histogram
        (``bin_low_usd``, ``bin_high_usd``, ``count``).
    montecarlo_summary : pandas.DataFrame, optional
        ``economics__montecarlo_summary`` (the percentiles drawn; computed from the
        draws when absent).
    synthetic : bool

    Returns
    -------
    Figure
    """
    table = "economics__montecarlo_npv"
    if "npv_usd" in montecarlo_npv.columns:
        x = montecarlo_npv["npv_usd"].to_numpy(dtype=float)
        if x.size == 0:
            raise DataError(f"{table}: no rows")
        counts, edges = np.histogram(x / _M, bins=50)
        pct = _percentiles(montecarlo_summary) or {
            "P10": float(np.percentile(x, 10)),
            "P50": float(np.percentile(x, 50)),
            "P90": float(np.percentile(x, 90)),
            "P(NPV<0)": float(np.mean(x < 0)),
        }
        n = x.size
    else:
        require_columns(montecarlo_npv, ["bin_low_usd", "bin_high_usd", "count"], table)
        if montecarlo_npv.empty:
            raise DataError(f"{table}: no rows")
        counts = montecarlo_npv["count"].to_numpy(dtype=float)
        edges = (
            np.r_[
                montecarlo_npv["bin_low_usd"].to_numpy(dtype=float),
                montecarlo_npv["bin_high_usd"].to_numpy(dtype=float)[-1],
            ]
            / _M
        )
        pct = _percentiles(montecarlo_summary)
        n = int(counts.sum())
    title = "Monte Carlo distribution of NPV"
    with house_style():
        fig = new_figure(3.0)
        ax = fig.add_subplot()
        ax.stairs(counts / n * 100.0, edges, fill=True, color=_SKY, alpha=0.8)
        for key, style in (("P10", ":"), ("P50", "-"), ("P90", ":")):
            if key in pct:
                v = pct[key] / _M
                ax.axvline(v, color="black", linestyle=style, linewidth=0.9)
                ax.text(
                    v,
                    0.97,
                    f" {key} {v:,.0f}",
                    transform=ax.get_xaxis_transform(),
                    va="top",
                    fontsize=6.5,
                )
        ax.axvline(0.0, color=_RED, linewidth=0.8)
        ax.set_xlabel("after-tax NPV [US$ M]")
        ax.set_ylabel("share of draws [%]")
        neg = f"; P(NPV < 0) = {100 * pct['P(NPV<0)']:.1f} %" if "P(NPV<0)" in pct else ""
        caption = (
            f"After-tax NPV of {n:,} Monte Carlo draws at the unchanged discount rate "
            f"(correlated mean-reverting prices, cost and volume factors), US$ M; P10, P50 "
            f"and P90 marked{neg}."
        )
        return finish(
            fig, fig_id="economics-npv-histogram", title=title, caption=caption, synthetic=synthetic
        )


def scenario_chart(scenarios: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Partner scenarios: project NPV, value captured in the country, foreign partner NPV.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        ``economics__scenarios``: ``scenario``, ``npv_usd``, ``value_in_country_npv_usd``,
        ``foreign_partner_npv_usd``, ``local_opex_usd_per_year`` [US$].
    synthetic : bool

    Returns
    -------
    Figure
        Left: grouped bars of the three NPVs [US$ M]; right: operating spend in the
        country per year (jobs proxy) [US$ M/y].
    """
    cols = [
        "scenario",
        "npv_usd",
        "value_in_country_npv_usd",
        "foreign_partner_npv_usd",
        "local_opex_usd_per_year",
    ]
    table = "economics__scenarios"
    require_columns(scenarios, cols, table)
    if scenarios.empty:
        raise DataError(f"{table}: no rows")
    names = [str(s) for s in scenarios["scenario"]]
    y = np.arange(len(names))
    title = "Partner scenarios: who captures the value"
    with house_style():
        fig = new_figure(1.3 + 0.45 * len(names))
        ax, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1.3])
        h = 0.26
        for k, (col, lab, colour) in enumerate(
            (
                ("npv_usd", "project NPV", _BLUE),
                ("value_in_country_npv_usd", "value captured in country", _GREEN),
                ("foreign_partner_npv_usd", "foreign partner NPV", _ORANGE),
            )
        ):
            ax.barh(y + (k - 1) * h, scenarios[col] / _M, height=h, color=colour, label=lab)
        ax.axvline(0.0, color="black", linewidth=0.6)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel("NPV at the discount rate [US$ M]")
        ax.grid(axis="x", linewidth=0.3, alpha=0.6)
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3)
        ax2.barh(y, scenarios["local_opex_usd_per_year"] / _M, color=_GREY, height=0.6)
        ax2.set_xlabel("opex in country [US$ M/y]")
        ax2.grid(axis="x", linewidth=0.3, alpha=0.6)
        caption = (
            "Each scenario's project NPV, the value captured in the country (government "
            "take + operating spend in the country + domestic owners' NPV) and the foreign "
            "partner's NPV (after withholding, with any offtake discount), US$ M at the "
            "discount rate; right: average operating spend in the country per production "
            "year (a jobs proxy)."
        )
        return finish(
            fig, fig_id="economics-scenarios", title=title, caption=caption, synthetic=synthetic
        )


def _tick(x: float, _pos: int) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.4g}"


_PANEL = (
    ("NdFeB magnet", "NdFeB magnet", "t/y"),
    ("EV traction motors", "EV traction motors", "motors/y"),
    ("direct-drive wind", "direct-drive wind", "MW/y"),
    ("share of world NdPr oxide (estimate)", "share of world NdPr", "%"),
)


def magnet_chart(magnet: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Mine-to-magnet panel: magnet tonnes, EV motors, wind MW and world NdPr share.

    Parameters
    ----------
    magnet : pandas.DataFrame
        ``economics__magnet``: ``quantity``, ``value``, ``low``, ``high``, ``unit``.
    synthetic : bool

    Returns
    -------
    Figure
        One small panel per quantity: the central value as a bar with its published
        range as an error bar.
    """
    from matplotlib.ticker import FuncFormatter

    table = "economics__magnet"
    require_columns(magnet, ["quantity", "value", "low", "high"], table)
    rows = magnet.set_index("quantity")
    present = [p for p in _PANEL if p[0] in rows.index]
    if not present:
        raise DataError(f"{table}: none of the quantities {[p[0] for p in _PANEL]}")
    title = "Mine to magnet: what a year's NdPr oxide makes"
    with house_style():
        fig = new_figure(1.9)
        axes = np.atleast_1d(fig.subplots(1, len(present)))
        for ax, (q, label, unit) in zip(axes, present, strict=True):
            r = rows.loc[q]
            scale = 100.0 if unit == "%" else 1.0
            v = float(r["value"]) * scale
            lo, hi = float(r["low"]) * scale, float(r["high"]) * scale
            ax.bar([0], [v], color=_BLUE, width=0.6)
            if np.isfinite(lo) and np.isfinite(hi):
                ax.errorbar(
                    [0],
                    [v],
                    yerr=[[max(v - lo, 0.0)], [max(hi - v, 0.0)]],
                    color="black",
                    capsize=3,
                    linewidth=0.8,
                )
            fmt = f"{v:.2f}" if unit == "%" else f"{v:,.0f}"
            ax.set_title(f"{label}\n{fmt} {unit}", fontsize=7.5)
            ax.yaxis.set_major_formatter(FuncFormatter(_tick))
            ax.set_xticks([])
            ax.set_xlim(-0.8, 0.8)
            ax.set_ylim(0, max(v, hi if np.isfinite(hi) else v) * 1.15 or 1.0)
        caption = (
            "Average year of production: NdFeB magnet tonnes supportable by the NdPr oxide "
            "(29–32 wt % rare earth), equivalent EV traction motors (1.6–1.9 kg magnet each) "
            "and MW of direct-drive wind (150–280 kg NdPr metal per MW), and the share of an "
            "estimated world NdPr oxide supply; bars are central values, whiskers the "
            "published ranges (economics/data/magnet.toml)."
        )
        return finish(
            fig,
            fig_id=figure_id("economics", "magnet"),
            title=title,
            caption=caption,
            synthetic=synthetic,
        )
