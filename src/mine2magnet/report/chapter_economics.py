"""The economics chapter of the report, and JORC Table 1 Section 4 economic criteria.

:func:`economics_chapter` builds the chapter from the economics stage's store tables
(``economics__<name>``, :data:`mine2magnet.economics.stage.TABLE_NAMES`; the bare names
are accepted too): the annual cash-flow table, the cash-flow profile and life-of-mine
waterfall, NPV against discount rate with every IRR, tornado and spider, the Monte Carlo
NPV distribution with P10/P50/P90, the partner-scenario comparison and the mine-to-magnet
panel, then the assumptions with their sources. A missing table leaves a note saying
which table and which command writes it; a figure that cannot be drawn leaves a warning.
Neither stops the report.

:func:`table1_section4_economics` fills the Section 4 criteria "Costs", "Revenue
factors", "Market assessment" and "Economic" from the same tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.report.document import Block, Figure, Section, Table, Text

__all__ = ["CHAPTER_FIGURES", "economics_chapter", "table1_section4_economics"]

#: Figure functions of :mod:`mine2magnet.report.figures.economics` the chapter calls.
CHAPTER_FIGURES: tuple[str, ...] = (
    "cashflow_profile",
    "cashflow_waterfall",
    "npv_rate_curve",
    "tornado_chart",
    "spider_chart",
    "npv_histogram",
    "scenario_chart",
    "magnet_chart",
)

_M = 1e6
_HOW = "run `m2m economics` (or the pipeline) to write it"


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    for key in (f"economics__{name}", name):
        t = tables.get(key)
        if isinstance(t, pd.DataFrame):
            return t
    return None


def _missing(*names: str) -> Text:
    listed = ", ".join(f"economics__{n}" for n in names)
    return Text((f"Not available: the project store has no {listed}; {_HOW}.",), "note")


def _figure(name: str, *args: Any, **kwargs: Any) -> Block:
    """Call ``report.figures.economics.<name>``; a warning instead when it fails."""
    try:
        from mine2magnet.report.figures import economics as figs

        fn: Callable[..., Figure] = getattr(figs, name)
        return fn(*args, **kwargs)
    except Exception as err:  # a figure must never stop the report being written
        return Text(
            (f"Figure could not be drawn by {name}: {type(err).__name__}: {err}",), "warning"
        )


def _summary(
    fn: Callable[..., pd.DataFrame], tables: Mapping[str, pd.DataFrame]
) -> pd.DataFrame | None:
    try:
        return fn(tables)
    except (KeyError, ValueError):
        return None


def _cashflow_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.economics.summary import cashflow_summary

    cf = _get(tables, "cashflow")
    if cf is None:
        return Section("economics-cashflow", "Cash flows", (_missing("cashflow"),))
    frame = _summary(cashflow_summary, {"cashflow": cf})
    blocks: list[Block] = []
    if frame is not None:
        shown = frame.rename(
            columns={
                "revenue": "revenue",
                "royalties": "royalties",
                "opex": "operating cost",
                "capex": "capital",
                "other": "WC, closure, salvage",
                "tax": "income tax",
                "cash_flow": "cash flow",
                "cumulative": "cumulative",
            }
        )
        money = [c for c in shown.columns if c != "year"]
        blocks.append(
            Table(
                "economics-cashflow-table",
                "Annual cash flow (US$ M)",
                shown,
                caption="After-tax, unlevered project cash flow per year in US$ M of the "
                "model's money basis; costs negative. The full table with every line "
                "(depreciation, losses, debt, owners) is economics__cashflow.",
                formats=dict.fromkeys(money, ",.1f"),
            )
        )
    blocks.append(_figure("cashflow_profile", cf, synthetic=synthetic))
    blocks.append(_figure("cashflow_waterfall", cf, synthetic=synthetic))
    return Section("economics-cashflow", "Cash flows", tuple(blocks))


def _returns_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.economics.summary import headline_metrics

    blocks: list[Block] = []
    metrics = _get(tables, "metrics")
    if metrics is None:
        blocks.append(_missing("metrics"))
    else:
        hm = _summary(headline_metrics, {"metrics": metrics})
        if hm is not None:
            blocks.append(
                Table(
                    "economics-metrics",
                    "Value and returns",
                    hm,
                    caption="NPV at the valuation date, every internal rate of return (the "
                    "IRR is shown only when it is unique), modified IRR with finance and "
                    "reinvestment at the discount rate, and payback from first production.",
                    formats={"value": ",.2f"},
                )
            )
    curve = _get(tables, "npv_vs_rate")
    if curve is None:
        blocks.append(_missing("npv_vs_rate"))
    else:
        blocks.append(_figure("npv_rate_curve", curve, metrics, synthetic=synthetic))
    owners = _get(tables, "owners")
    if owners is not None and len(owners):
        o = owners[
            [
                c
                for c in (
                    "owner",
                    "share_pct",
                    "carried",
                    "foreign",
                    "npv_usd",
                    "withholding_npv_usd",
                )
                if c in owners
            ]
        ].copy()
        for c in ("npv_usd", "withholding_npv_usd"):
            if c in o:
                o[c] = o[c] / _M
        o = o.rename(
            columns={
                "npv_usd": "NPV (US$ M)",
                "withholding_npv_usd": "withholding NPV (US$ M)",
                "share_pct": "share (%)",
            }
        )
        blocks.append(
            Table(
                "economics-owners",
                "Owners",
                o,
                caption="Each owner's NPV of its equity flows after dividend withholding.",
                formats={
                    "NPV (US$ M)": ",.1f",
                    "withholding NPV (US$ M)": ",.1f",
                    "share (%)": ".1f",
                },
            )
        )
    return Section("economics-returns", "Value and returns", tuple(blocks))


def _sensitivity_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    blocks: list[Block] = []
    tornado = _get(tables, "tornado")
    spider = _get(tables, "spider")
    metrics = _get(tables, "metrics")
    base = None
    if metrics is not None and {"kind", "series"} <= set(metrics.columns):
        hit = metrics.loc[(metrics["kind"] == "npv") & (metrics["series"] == "after_tax"), "value"]
        base = float(hit.iloc[0]) if len(hit) else None
    rng = None
    if tornado is not None and spider is not None and len(spider):
        rng = float(spider["change_pct"].abs().max())
    if tornado is None:
        blocks.append(_missing("tornado"))
    else:
        blocks.append(
            _figure("tornado_chart", tornado, base_npv=base, range_pct=rng, synthetic=synthetic)
        )
    if spider is None:
        blocks.append(_missing("spider"))
    else:
        blocks.append(_figure("spider_chart", spider, synthetic=synthetic))
    be = _get(tables, "break_even")
    if be is None:
        blocks.append(_missing("break_even"))
    else:
        blocks.append(
            Table(
                "economics-break-even",
                "Break-even prices",
                be.rename(
                    columns={
                        "base_price_usd_kg": "base price (US$/kg)",
                        "break_even_price_usd_kg": "break-even price (US$/kg)",
                        "multiplier": "break-even / base",
                    }
                ),
                caption="Price of one product (the others at base), or of all together, at "
                "which the after-tax NPV is zero; base price = life-of-mine realised price.",
                formats={
                    "base price (US$/kg)": ",.2f",
                    "break-even price (US$/kg)": ",.2f",
                    "break-even / base": ".3f",
                },
            )
        )
    return Section("economics-sensitivity", "Sensitivity", tuple(blocks))


def _risk_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.economics.summary import montecarlo_percentiles

    blocks: list[Block] = []
    draws = _get(tables, "montecarlo_npv")
    summary = _get(tables, "montecarlo_summary")
    if draws is None:
        blocks.append(_missing("montecarlo_npv"))
    else:
        blocks.append(_figure("npv_histogram", draws, summary, synthetic=synthetic))
    if summary is None:
        blocks.append(_missing("montecarlo_summary"))
    else:
        mp = _summary(montecarlo_percentiles, {"montecarlo_summary": summary})
        if mp is not None:
            blocks.append(
                Table(
                    "economics-montecarlo",
                    "Monte Carlo NPV",
                    mp.rename(columns={"after_tax": "after tax", "pre_tax": "pre-tax"}),
                    caption="Percentiles of NPV over the draws at the unchanged discount rate "
                    "(P10: 90 % of draws lie above it), mean, standard deviation and the "
                    "probability of a negative NPV.",
                    formats={"after tax": ",.1f", "pre-tax": ",.1f"},
                )
            )
    return Section("economics-risk", "Risk: Monte Carlo", tuple(blocks))


def _scenario_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.economics.summary import scenario_summary

    sc = _get(tables, "scenarios")
    if sc is None:
        return Section("economics-scenarios", "Partner scenarios", (_missing("scenarios"),))
    blocks: list[Block] = []
    if len(sc) <= 1:
        blocks.append(
            Text(
                (
                    "No partner scenarios are declared ([[economics.scenarios]] in the project "
                    "file); the table shows the base case only.",
                ),
                "note",
            )
        )
    frame = _summary(scenario_summary, {"scenarios": sc})
    if frame is not None:
        shown = frame.rename(
            columns={
                "npv": "NPV (US$ M)",
                "irr": "IRR (%)",
                "irr_flag": "IRR roots",
                "initial_capex": "initial capex (US$ M)",
                "local_opex_per_year": "opex in country (US$ M/y)",
                "government_take": "government take (US$ M)",
                "value_in_country": "value in country (US$ M)",
                "foreign_partner": "foreign partner (US$ M)",
            }
        )
        fmts = {c: ",.1f" for c in shown.columns if "US$" in c or c == "IRR (%)"}
        blocks.append(
            Table(
                "economics-scenario-table",
                "Partner scenarios",
                shown,
                caption="NPVs at the discount rate. Value in country = NPV of government take "
                "(royalties, income tax, withholding) + NPV of operating spend in the "
                "country + domestic owners' NPV; foreign partner = foreign owners' NPV after "
                "withholding plus any offtake discount. IRR is blank unless unique.",
                formats=fmts,
            )
        )
    blocks.append(_figure("scenario_chart", sc, synthetic=synthetic))
    assumptions = _get(tables, "scenario_assumptions")
    if assumptions is not None and len(assumptions):
        keep = assumptions.loc[~assumptions["value"].isin(["none", "as base case"])]
        blocks.append(
            Table(
                "economics-scenario-assumptions",
                "Scenario assumptions and sources",
                keep.reset_index(drop=True),
                caption="Route assumptions with their sources; ASSUMPTION marks values chosen "
                "for the model rather than read from a cited document.",
            )
        )
    return Section("economics-scenarios", "Partner scenarios", tuple(blocks))


def _magnet_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.economics.summary import magnet_panel

    m = _get(tables, "magnet")
    if m is None:
        return Section("economics-magnet", "Mine to magnet", (_missing("magnet"),))
    blocks: list[Block] = [_figure("magnet_chart", m, synthetic=synthetic)]
    panel = _summary(magnet_panel, {"magnet": m})
    if panel is not None:
        blocks.append(
            Table(
                "economics-magnet-table",
                "Mine to magnet",
                panel,
                caption="Average production year; low and high from the published ranges of "
                "each factor; shares of world supply in %.",
                formats={"value": ",.2f", "low": ",.2f", "high": ",.2f"},
            )
        )
    return Section("economics-magnet", "Mine to magnet", tuple(blocks))


def _assumption_section(tables: Mapping[str, pd.DataFrame]) -> Section:
    blocks: list[Block] = []
    a = _get(tables, "assumptions")
    blocks.append(
        _missing("assumptions")
        if a is None
        else Table(
            "economics-assumptions",
            "Economic assumptions",
            a,
            caption="Basis, timing, price deck and fiscal terms, with their sources.",
        )
    )
    p = _get(tables, "prices")
    if p is not None:
        blocks.append(
            Table(
                "economics-prices",
                "Prices and product terms",
                p,
                caption="Price of every price driver (US$/kg) with its source and date, "
                "and the commercial terms of each product.",
                formats={"usd_kg": ",.2f"},
            )
        )
    notes = _get(tables, "notes")
    if notes is not None and len(notes):
        blocks.append(Text(tuple(str(n) for n in notes["note"]), "note"))
    return Section("economics-assumptions", "Assumptions and sources", tuple(blocks))


def economics_chapter(
    tables: Mapping[str, pd.DataFrame], project_dump: Mapping[str, Any], *, synthetic: bool
) -> Section:
    """The economics chapter.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        Store tables (``economics__cashflow`` …, bare names accepted); any may be missing.
        Not modified.
    project_dump : Mapping
        The project file, ``Project.model_dump(mode="json")``.
    synthetic : bool
        Mark figures and the chapter as SYNTHETIC data.

    Returns
    -------
    Section
        Id ``economics`` with children ``economics-cashflow``, ``economics-returns``,
        ``economics-sensitivity``, ``economics-risk``, ``economics-scenarios``,
        ``economics-magnet``, ``economics-assumptions``.

    Examples
    --------
    >>> s = economics_chapter({}, {}, synthetic=False)
    >>> s.id, [c.id for c in s.children][:2]
    ('economics', ['economics-cashflow', 'economics-returns'])
    """
    intro: list[Block] = []
    if synthetic:
        intro.append(
            Text(
                (
                    "SYNTHETIC data: a demonstration deposit; the economics illustrate the "
                    "method, not a real project.",
                ),
                "synthetic",
            )
        )
    econ = project_dump.get("economics") if isinstance(project_dump, Mapping) else None
    if not econ and _get(tables, "cashflow") is None:
        intro.append(
            Text(
                (
                    "The project file has no [economics] section and the store has no "
                    "economics tables: this chapter is empty.",
                ),
                "note",
            )
        )
    rows = table1_section4_economics(tables)
    econ_row = rows.loc[rows["criterion"] == "Economic", "commentary"]
    if len(econ_row) and _get(tables, "metrics") is not None:
        intro.append(Text((str(econ_row.iloc[0]),)))
    children = (
        _cashflow_section(tables, synthetic),
        _returns_section(tables, synthetic),
        _sensitivity_section(tables, synthetic),
        _risk_section(tables, synthetic),
        _scenario_section(tables, synthetic),
        _magnet_section(tables, synthetic),
        _assumption_section(tables),
    )
    return Section("economics", "Economic evaluation", tuple(intro), children)


# ------------------------------------------------------------------- JORC Table 1
def _m(x: float) -> str:
    return f"US$ {x / _M:,.1f} M" if math.isfinite(x) else "—"


def _metric(metrics: pd.DataFrame | None, kind: str, series: str = "project") -> pd.Series | None:
    if metrics is None:
        return None
    hit = metrics.loc[(metrics["kind"] == kind) & (metrics["series"] == series)]
    return hit.iloc[0] if len(hit) else None


def _assumption(a: pd.DataFrame | None, item: str) -> str | None:
    if a is None:
        return None
    hit = a.loc[a["item"] == item]
    if not len(hit):
        return None
    r = hit.iloc[0]
    return f"{r['value']} {r['unit']}".strip()


_CLASS_LABEL = {
    "mining": "mining",
    "processing": "processing",
    "refining": "refining",
    "g_and_a": "G&A",
    "transport": "transport",
}


def _costs(tables: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    cf = _get(tables, "cashflow")
    a = _get(tables, "assumptions")
    if cf is None:
        return "To be completed: the economics stage has not run.", ""
    prod = cf["production"].astype(bool).to_numpy()
    years = max(prod.sum(), 1)
    ore = float(cf.loc[prod, "ore_t"].sum())
    parts = []
    cap = cf.filter(like="capex_").sum()
    parts.append(
        "Capital: initial "
        + _m(float(cap.get("capex_initial_usd", np.nan)))
        + ", expansion "
        + _m(float(cap.get("capex_expansion_usd", 0.0)))
        + ", sustaining "
        + _m(float(cap.get("capex_sustaining_usd", 0.0)))
        + " over the life of mine (contingency included)."
    )
    classes = [c for c in cf.columns if c.startswith("opex_") and c != "opex_usd"]
    per_year = ", ".join(
        f"{_CLASS_LABEL.get(c.removeprefix('opex_').removesuffix('_usd'), c)} "
        f"{cf.loc[prod, c].sum() / years / _M:,.1f}"
        for c in classes
        if cf[c].sum() > 0
    )
    unit = f"; {cf['opex_usd'].sum() / ore:,.1f} US$/t ore processed" if ore > 0 else ""
    parts.append(f"Operating cost per production year (US$ M): {per_year}{unit}.")
    royalties = [
        f"{r['item'].removeprefix('royalty: ')} {r['value']} {r['unit']}"
        for _, r in (a if a is not None else pd.DataFrame(columns=["item"])).iterrows()
        if str(r["item"]).startswith("royalty: ")
    ]
    if royalties:
        parts.append("Royalties: " + "; ".join(royalties) + ".")
    closure = float(cf["closure_usd"].sum())
    if closure > 0:
        parts.append(f"Closure and rehabilitation {_m(closure)} after the last production year.")
    basis = _assumption(a, "money basis")
    if basis:
        parts.append(
            f"Money basis: {basis} US$; transport and treatment costs in the classes above."
        )
    return " ".join(
        parts
    ), "economics__cashflow; economics__assumptions; economics.capex; economics.opex"


def _revenue(tables: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    p = _get(tables, "prices")
    rev = _get(tables, "revenue_by_product")
    a = _get(tables, "assumptions")
    if p is None or rev is None:
        return "To be completed: the economics stage has not run.", ""
    parts = []
    deck = _assumption(a, "price deck")
    if deck:
        parts.append(f"Price deck {deck} (real US$/kg).")
    priced = p.loc[p["usd_kg"].fillna(0) > 0]
    parts.append(
        "Prices: "
        + "; ".join(
            f"{r['driver']} {r['usd_kg']:,.2f} US$/kg ({r['source']})" for _, r in priced.iterrows()
        )
        + "."
    )
    terms = p.loc[p["driver"].astype(str).str.startswith("terms:")]
    if len(terms):
        parts.append(
            "Product terms: "
            + "; ".join(
                f"{str(r['driver']).removeprefix('terms:')}: {r['source']}"
                for _, r in terms.iterrows()
            )
            + "."
        )
    by = rev.groupby("product")["revenue_usd"].sum().sort_values(ascending=False)
    total = float(by.sum())
    if total > 0:
        parts.append(
            "Share of life-of-mine revenue: "
            + ", ".join(f"{k} {100 * v / total:.1f} %" for k, v in by.items() if v > 0)
            + "."
        )
    return " ".join(parts), "economics__prices; economics__revenue_by_product; economics.prices"


def _market(tables: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    mag = _get(tables, "magnet")
    be = _get(tables, "break_even")
    if mag is None:
        return "To be completed by the Competent Person: no market study.", ""
    rows = mag.set_index("quantity")
    parts = ["No market study has been made (to be completed by the Competent Person)."]

    def val(q: str) -> float | None:
        return float(rows.loc[q, "value"]) if q in rows.index else None

    ndpr = val("NdPr oxide")
    share = val("share of world NdPr oxide (estimate)")
    magnets = val("NdFeB magnet")
    if ndpr is not None:
        parts.append(f"The plan yields {ndpr:,.0f} t/y of NdPr oxide on average")
        if share is not None:
            parts[-1] += f", about {100 * share:.2f} % of an estimated world NdPr oxide supply"
        if magnets is not None:
            parts[-1] += f", enough for {magnets:,.0f} t/y of NdFeB magnets"
        parts[-1] += "."
    if be is not None and len(be):
        allp = be.loc[be["product"] == "all products", "multiplier"]
        if len(allp) and math.isfinite(float(allp.iloc[0])):
            parts.append(
                f"All prices would have to change by a factor {float(allp.iloc[0]):.2f} for "
                "the after-tax NPV to be zero."
            )
    return " ".join(parts), "economics__magnet; economics__break_even; economics/data/magnet.toml"


def _economic(tables: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    m = _get(tables, "metrics")
    if m is None:
        return "To be completed: the economics stage has not run.", ""
    parts = []
    r = _metric(m, "discount_rate")
    npv = _metric(m, "npv", "after_tax")
    pre = _metric(m, "npv", "pre_tax")
    if r is not None and npv is not None:
        parts.append(
            f"After-tax NPV at {r['value']:g} % ({r['text']}) {_m(float(npv['value']))}"
            + (f", pre-tax {_m(float(pre['value']))}" if pre is not None else "")
            + "."
        )
    flag = _metric(m, "irr_flag", "after_tax")
    roots = m.loc[(m["kind"] == "irr_root") & (m["series"] == "after_tax"), "value"]
    if flag is not None:
        if flag["text"] == "unique":
            parts.append(f"After-tax IRR {float(roots.iloc[0]):.1f} %.")
        elif flag["text"] == "multiple":
            parts.append(
                "The after-tax cash flow has several IRRs ("
                + ", ".join(f"{x:.1f} %" for x in roots)
                + "): the IRR is not a reliable measure; use the NPV."
            )
        else:
            parts.append("The after-tax cash flow has no IRR.")
    pb = _metric(m, "payback", "after_tax")
    if pb is not None and math.isfinite(float(pb["value"])):
        parts.append(f"Payback {float(pb['value']):.1f} years from first production.")
    tor = _get(tables, "tornado")
    if tor is not None and len(tor):
        top = tor.iloc[0]
        parts.append(
            f"NPV is most sensitive to {top['variable']} ({_m(float(top['npv_low_usd']))} to "
            f"{_m(float(top['npv_high_usd']))})."
        )
    mc = _get(tables, "montecarlo_summary")
    if mc is not None:
        s = dict(zip(mc["statistic"], mc["after_tax_usd"], strict=True))
        if {"P10", "P50", "P90"} <= set(s):
            parts.append(
                f"Monte Carlo after-tax NPV P10/P50/P90: {_m(s['P10'])} / {_m(s['P50'])} / "
                f"{_m(s['P90'])}"
                + (f"; P(NPV < 0) {100 * s['P(NPV<0)']:.1f} %" if "P(NPV<0)" in s else "")
                + "."
            )
    return " ".join(parts), (
        "economics__metrics; economics__tornado; economics__montecarlo_summary; "
        "economics.discount_rate_pct"
    )


def table1_section4_economics(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """JORC Table 1 Section 4 rows filled from the economics tables.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        Store tables (``economics__*`` or bare names); any may be missing.

    Returns
    -------
    pandas.DataFrame
        ``criterion`` ("Costs", "Revenue factors", "Market assessment", "Economic"),
        ``commentary`` (plain text), ``source`` (tables and project keys).

    Examples
    --------
    >>> table1_section4_economics({})["criterion"].tolist()
    ['Costs', 'Revenue factors', 'Market assessment', 'Economic']
    """
    rows = []
    for criterion, fn in (
        ("Costs", _costs),
        ("Revenue factors", _revenue),
        ("Market assessment", _market),
        ("Economic", _economic),
    ):
        try:
            text, source = fn(tables)
        except (KeyError, ValueError, TypeError) as err:
            text, source = f"Could not be filled from the economics tables ({err}).", ""
        rows.append({"criterion": criterion, "commentary": text, "source": source})
    return pd.DataFrame(rows, columns=["criterion", "commentary", "source"])
