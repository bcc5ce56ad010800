"""The report chapter on mining: pit optimisation, slopes, shells, phases, schedule, Ore Reserve.

:func:`mining_chapter` builds a :class:`~mine2magnet.report.document.Section` from the store
tables of the pit stage (``mining__pit_summary``, ``mining__pit_blocks``,
``mining__pit_by_pit``, ``mining__phases``, ``mining__slope_zones``,
``mining__slope_errors``, ``mining__block_value_summary``), the schedule and reserve
stage (``schedule_periods``, ``reserve_statement``, ``reserve_meta``,
``reserve_reconciliation``; looked up with the prefixes ``mining__``, ``reserve__`` and
``schedule__``) and ``estimation__grid``. A missing table gives a note, and a figure
that cannot be drawn a warning: the chapter never fails the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from mine2magnet.report.document import Block, Figure, Section, Table, Text
from mine2magnet.resources.params import SigFigs
from mine2magnet.resources.statement import format_sig

__all__ = ["CHAPTER_ID", "mining_chapter"]

#: Anchor of the chapter.
CHAPTER_ID = "mining"

_PREFIXES = ("mining", "reserve", "schedule")
_RESERVE_ROWS = ("Proved", "Probable", "Total")


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    """``<prefix>__<name>`` for the known prefixes (first found), or None."""
    for p in _PREFIXES:
        t = tables.get(f"{p}__{name}")
        if isinstance(t, pd.DataFrame):
            return t
    return None


def _missing(names: str, what: str) -> Text:
    return Text(
        (
            f"{what} is not available: the project store has no table {names}. Run the "
            "mining stages (m2m run) and write the report again.",
        ),
        "note",
    )


def _num(x: Any, sig: int = 3) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "" if x is None else str(x)
    if not math.isfinite(v):
        return "—"
    return format_sig(v, sig)


def _value_text(value: Any) -> str:
    """A pit-summary value as text: large numbers with separators, others at 4 s.f."""
    text = str(value)
    try:
        v = float(text)
    except ValueError:
        return text
    if not math.isfinite(v):
        return "—"
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    return format_sig(v, 4)


def _figure(fn: Callable[..., Figure], *args: Any, **kwargs: Any) -> Block:
    """A figure, or a warning naming the reason it could not be drawn."""
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # a figure must never stop the report being written
        name = getattr(fn, "__name__", "figure")
        return Text((f"Figure {name} could not be drawn: {type(err).__name__}: {err}",), "warning")


def _frame(
    df: pd.DataFrame, columns: Mapping[str, tuple[str, Callable[[Any], str]]]
) -> pd.DataFrame:
    """Chosen columns as text: ``column → (label, formatter)``; absent columns skipped."""
    out = {}
    for c, (label, f) in columns.items():
        if c in df.columns:
            out[label] = [f(v) for v in df[c]]
    return pd.DataFrame(out)


def _mt(x: Any) -> str:
    return _num(float(x) / 1e6, 3)


def _musd(x: Any) -> str:
    return _num(float(x) / 1e6, 3)


def _plain(x: Any) -> str:
    return str(x)


def _pct(x: Any) -> str:
    return _num(x, 3)


# ---------------------------------------------------------------------------- sections


def _pit_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.report.figures.mining import pit_by_pit_chart

    blocks: list[Block] = []
    summ = _get(tables, "pit_summary")
    if summ is None:
        blocks.append(_missing("mining__pit_summary", "The pit optimisation summary"))
    else:
        shown = pd.DataFrame(
            {
                "Item": summ["item"].astype(str),
                "Value": [_value_text(v) for v in summ["value"]],
                "Unit": summ["unit"].astype(str).replace({"-": ""}),
            }
        )
        blocks.append(
            Table(
                "tab-mining-pit-summary",
                "Pit optimisation: key figures",
                shown,
                caption="Ultimate pit at revenue factor 1 (maximum-weight closure) and the "
                "RPEEE shell at uplifted prices.",
            )
        )
    bvs = _get(tables, "block_value_summary")
    if bvs is not None:
        blocks.append(
            Table(
                "tab-mining-block-values",
                "Block values by destination (revenue factor 1)",
                _frame(
                    bvs,
                    {
                        "destination": ("Destination", _plain),
                        "cells": ("Cells", lambda v: f"{int(v):,}"),
                        "tonnes": ("Rock (Mt)", _mt),
                        "ore_tonnes": ("Feed if processed (Mt)", _mt),
                        "value_usd": ("Value (M US$)", _musd),
                    },
                ),
            )
        )
    pbp = _get(tables, "pit_by_pit")
    phases = _get(tables, "phases")
    if pbp is None:
        blocks.append(_missing("mining__pit_by_pit", "The pit-by-pit analysis"))
    else:
        final = int(phases["pit"].max()) if phases is not None and len(phases) else None
        blocks.append(_figure(pit_by_pit_chart, pbp, final_pit=final, synthetic=synthetic))
        blocks.append(
            Table(
                "tab-mining-pit-by-pit",
                "Pit by pit",
                _frame(
                    pbp,
                    {
                        "pit": ("Pit", lambda v: str(int(v))),
                        "revenue_factor": ("Revenue factor", lambda v: f"{float(v):g}"),
                        "tonnes": ("Rock (Mt)", _mt),
                        "ore_tonnes": ("Ore (Mt)", _mt),
                        "strip_ratio": ("Strip ratio", _pct),
                        "value_usd": ("Undiscounted value (M US$)", _musd),
                        "npv_best_usd": ("Best case (M US$)", _musd),
                        "npv_worst_usd": ("Worst case (M US$)", _musd),
                    },
                ),
                caption="Values at revenue factor 1; best and worst discounted cases at the "
                "plant and mining rates of [mining].",
            )
        )
    return Section("mining-pit", "Pit optimisation", tuple(blocks))


def _slopes_section(
    tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any], synthetic: bool
) -> Section:
    from mine2magnet.report.figures.mining import slope_error_chart

    blocks: list[Block] = []
    slopes = (dump.get("mining") or {}).get("slopes") or {}
    sectors = slopes.get("sectors") or []
    rows = [("default", "all", "all", f"{slopes.get('default_angle_deg', 45.0):g}")]
    for s in sectors:
        rows.append(
            (
                f"{s.get('azimuth_from_deg', 0):g}–{s.get('azimuth_to_deg', 360):g}",
                ", ".join(s.get("domains") or []) or "all",
                (
                    f"{s.get('elevation_from_m')}–{s.get('elevation_to_m')}"
                    if s.get("elevation_from_m") is not None or s.get("elevation_to_m") is not None
                    else "all"
                ),
                f"{s.get('angle_deg', float('nan')):g}",
            )
        )
    table = pd.DataFrame(
        rows,
        columns=["Azimuth range (°)", "Domains", "Elevation band (m)", "Overall angle (°)"],
    )
    blocks.append(
        Table(
            "tab-mining-slope-sectors",
            "Slope sectors ([mining.slopes])",
            table,
            caption="Azimuth from a block towards the wall it constrains, clockwise from "
            "north; the first matching sector applies, else the default.",
        )
    )
    zones = _get(tables, "slope_zones")
    if zones is not None:
        blocks.append(
            Table(
                "tab-mining-slope-zones",
                "Slope zones and the angular error of their precedence patterns",
                _frame(
                    zones,
                    {
                        "zone": ("Zone", _plain),
                        "sectors": ("Sectors", _plain),
                        "blocks": ("Blocks", lambda v: f"{int(v):,}"),
                        "n_benches": ("Benches", _plain),
                        "n_offsets": ("Pattern offsets", _plain),
                        "max_steeper_deg": ("Steeper by at most (°)", lambda v: f"{v:.2f}"),
                        "max_flatter_deg": ("Flatter by at most (°)", lambda v: f"{v:.2f}"),
                        "mean_abs_error_deg": ("Mean error (°)", lambda v: f"{v:.2f}"),
                    },
                ),
            )
        )
    errors = _get(tables, "slope_errors")
    if errors is None:
        blocks.append(_missing("mining__slope_errors", "The slope pattern error"))
    else:
        blocks.append(_figure(slope_error_chart, errors, synthetic=synthetic))
    return Section("mining-slopes", "Slopes", tuple(blocks))


def _shells_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.report.figures.mining import pit_shells_plan, pit_shells_section

    pb = _get(tables, "pit_blocks")
    grid = tables.get("estimation__grid")
    if pb is None or not isinstance(grid, pd.DataFrame):
        names = "mining__pit_blocks" if pb is None else "estimation__grid"
        return Section("mining-shells", "Pit shells", (_missing(names, "The pit shells"),))
    blocks: list[Block] = [
        _figure(pit_shells_section, pb, grid, synthetic=synthetic),
        _figure(pit_shells_plan, pb, grid, synthetic=synthetic),
    ]
    return Section("mining-shells", "Pit shells on a section and in plan", tuple(blocks))


def _phases_section(tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any]) -> Section:
    phases = _get(tables, "phases")
    if phases is None:
        return Section("mining-phases", "Phases", (_missing("mining__phases", "The phases"),))
    ph = (dump.get("mining") or {}).get("phases") or {}
    width = ph.get("min_width_m", 50.0)
    shown = _frame(
        phases,
        {
            "phase": ("Phase", _plain),
            "pit": ("Closing pit", _plain),
            "revenue_factor": ("Revenue factor", lambda v: f"{float(v):g}"),
            "tonnes": ("Rock (Mt)", _mt),
            "ore_tonnes": ("Ore (Mt)", _mt),
            "waste_tonnes": ("Waste (Mt)", _mt),
            "strip_ratio": ("Strip ratio", _pct),
            "value_usd": ("Value (M US$)", _musd),
            "min_width_m": ("Narrowest width (m)", lambda v: f"{float(v):g}"),
            "narrow_blocks": ("Blocks below the minimum", lambda v: f"{int(v):,}"),
            "width_ok": ("Width check", lambda v: "passes" if bool(v) else "fails"),
        },
    )
    bad = int((~phases["width_ok"].astype(bool)).sum()) if "width_ok" in phases else 0
    text = (
        f"Phases (pushbacks) are rings between nested pits up to the final pit. Minimum "
        f"mining width {float(width):g} m: {bad} of {len(phases)} phases have benches where a "
        "block does not sit in a square of that side made of its own phase. The check "
        "reports; a designer smooths the phases before a schedule is published."
    )
    return Section(
        "mining-phases",
        "Phases and minimum width",
        (
            Text((text,)),
            Table("tab-mining-phases", "Phases", shown, caption="Values at revenue factor 1."),
        ),
    )


def _meta(meta: pd.DataFrame | None) -> dict[str, str]:
    if meta is None or not {"key", "value"} <= set(meta.columns):
        return {}
    units = meta["unit"].fillna("").astype(str) if "unit" in meta else [""] * len(meta)
    out = {}
    for k, v, u in zip(meta["key"], meta["value"], units, strict=True):
        out[str(k)] = f"{v} {u}".strip() if u and u != "-" else str(v)
    return out


def _schedule_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    from mine2magnet.report.figures.mining import (
        schedule_cash_chart,
        schedule_grade_chart,
        schedule_tonnes_chart,
    )

    periods = _get(tables, "schedule_periods")
    if periods is None:
        return Section(
            "mining-schedule",
            "Life-of-mine schedule",
            (_missing("reserve__schedule_periods", "The life-of-mine schedule"),),
        )
    meta = _meta(_get(tables, "reserve_meta"))
    lead = [
        "Life-of-mine schedule of the phase pit: a mixed-integer programme over (phase, "
        "bench) increments that maximises the discounted cash flow, with benches in order, "
        "phases in order with a lag, mining and processing capacities, and a cut-off that "
        "may vary by period (grade bins, Lane). Only Measured and Indicated metal earns "
        "revenue; Inferred material is waste."
    ]
    for label, key in (
        ("Periods", "schedule_periods"),
        ("Life", "schedule_life"),
        ("NPV", "schedule_npv"),
        ("Discount rate", "schedule_discount_rate_pct"),
        ("NPV basis", "schedule_npv_convention"),
        ("Mining rate", "schedule_mining_rate"),
        ("Plant feed rate", "schedule_processing_rate"),
        ("Increments", "schedule_increments"),
        ("Stockpile capacity", "schedule_stockpile"),
        ("Solver", "schedule_solver"),
    ):
        if key in meta:
            lead.append(f"{label}: {meta[key]}.")
    year = (
        periods.apply(
            lambda r: (
                f"{int(r['year_from']) + 1}"
                if int(r["year_to"]) - int(r["year_from"]) == 1
                else f"{int(r['year_from']) + 1}–{int(r['year_to'])}"
            ),
            axis=1,
        )
        if {"year_from", "year_to"} <= set(periods.columns) and len(periods)
        else None
    )
    shown = _frame(
        periods,
        {
            "period": ("Period", lambda v: str(int(v))),
            "mined_tonnes": ("Rock mined (Mt)", _mt),
            "feed_tonnes": ("Plant feed (Mt)", _mt),
            "feed_proved_tonnes": ("of which Proved (Mt)", _mt),
            "TREO_pct": ("TREO (%)", _pct),
            "NdPr_pct": ("NdPr oxide (%)", _pct),
            "NdPr_product_t": ("NdPr oxide produced (t)", _pct),
            "stockpile_tonnes": ("Stockpile (Mt)", _mt),
            "cash_flow_usd": ("Cash flow (M US$)", _musd),
            "discounted_cash_flow_usd": ("Discounted (M US$)", _musd),
        },
    )
    if year is not None:
        shown = shown.drop(columns="Period")
        shown.insert(0, "Years", year.to_numpy())
    blocks: list[Block] = [
        Text(tuple(lead)),
        _figure(schedule_tonnes_chart, periods, synthetic=synthetic),
        _figure(schedule_grade_chart, periods, synthetic=synthetic),
        _figure(schedule_cash_chart, periods, synthetic=synthetic),
        Table(
            "tab-mining-schedule",
            "Schedule by period",
            shown,
            caption="Rock in situ tonnes; plant feed after mining recovery and dilution; "
            "grades of the feed; operating cash flow before capital, closure and tax.",
        ),
    ]
    return Section("mining-schedule", "Life-of-mine schedule", tuple(blocks))


def _rounding(dump: Mapping[str, Any]) -> tuple[SigFigs, SigFigs]:
    try:
        from mine2magnet.mining.schedule_params import reserve_params

        r = reserve_params((dump.get("mining") or {}).get("reserve") or {}).rounding
        return r.reserve, r.inferred
    except Exception:  # an invalid section must not stop the report
        return SigFigs(tonnes=3, grades=3, contained=3), SigFigs(tonnes=2, grades=2, contained=2)


def _statement_frame(st: pd.DataFrame, dump: Mapping[str, Any]) -> pd.DataFrame:
    rsv, inf = _rounding(dump)
    cols = {
        "tonnes": ("Tonnes (Mt)", "tonnes", 1e-6),
        "TREO_pct": ("TREO (%)", "grades", 1.0),
        "NdPr_pct": ("NdPr oxide (%)", "grades", 1.0),
        "NdPr_TREO_pct": ("NdPr/TREO (%)", "grades", 1.0),
        "Dy2O3_pct": ("Dy2O3 (%)", "grades", 1.0),
        "Tb4O7_pct": ("Tb4O7 (%)", "grades", 1.0),
        "ThO2_pct": ("ThO2 (%)", "grades", 1.0),
        "TREO_t": ("TREO (kt)", "contained", 1e-3),
        "NdPr_t": ("NdPr oxide (kt)", "contained", 1e-3),
    }
    rows = []
    for _, r in st.iterrows():
        cls = str(r["class"])
        rule = rsv if cls in _RESERVE_ROWS else inf
        row = {"Class": cls}
        for c, (label, kind, scale) in cols.items():
            if c in st.columns:
                v = float(r[c])
                row[label] = format_sig(v * scale, getattr(rule, kind)) if math.isfinite(v) else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def _reserve_section(tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any]) -> Section:
    st = _get(tables, "reserve_statement")
    if st is None:
        return Section(
            "mining-reserve",
            "Ore Reserve",
            (_missing("reserve__reserve_statement", "The Ore Reserve statement"),),
        )
    meta_df = _get(tables, "reserve_meta")
    meta = _meta(meta_df)
    rsv, inf = _rounding(dump)
    lead = [
        "Ore Reserve statement reported in accordance with the JORC Code (2012 Edition): "
        "Proved from Measured and Probable from Indicated Mineral Resources only, after "
        "modifying factors; Inferred material inside the pit is waste and is shown "
        "separately, not as part of the Reserve."
    ]
    for label, key in (
        ("Effective date", "effective_date"),
        ("Reference point", "reference_point"),
        ("Basis", "basis"),
        ("Pit", "pit"),
        ("Cut-off", "cutoff_rule"),
        ("Break-even grade", "cutoff_treo_equivalent"),
        ("Mining dilution", "dilution_pct"),
        ("Mining recovery", "mining_recovery_pct"),
        ("Mining method", "mining_method"),
    ):
        if key in meta:
            lead.append(f"{label}: {meta[key]}.")
    rounding = (
        f"Rounded to significant figures from unrounded values: Proved, Probable and Total "
        f"{rsv.tonnes} (tonnes), {rsv.grades} (grades), {rsv.contained} (contained); the "
        f"Inferred row {inf.tonnes}, {inf.grades}, {inf.contained}. Totals are rounded from "
        "unrounded figures, so rounded rows may not add up. Reserve rows are plant feed; "
        "the Inferred row is in situ."
    )
    blocks: list[Block] = [
        Text(tuple(lead)),
        Table(
            "tab-mining-reserve",
            "Ore Reserve statement",
            _statement_frame(st, dump),
            caption=rounding,
        ),
    ]
    rec = _get(tables, "reserve_reconciliation")
    if rec is None:
        blocks.append(_missing("reserve__reserve_reconciliation", "The reconciliation"))
    else:
        blocks.append(
            Table(
                "tab-mining-reserve-reconciliation",
                "From Mineral Resource (Measured + Indicated) to Ore Reserve",
                _frame(
                    rec,
                    {
                        "item": ("Step", _plain),
                        "tonnes": ("Tonnes (Mt)", _mt),
                        "TREO_t": ("TREO (kt)", lambda v: _num(float(v) / 1e3)),
                        "NdPr_t": ("NdPr oxide (kt)", lambda v: _num(float(v) / 1e3)),
                    },
                ),
                caption="Signed steps from the in-situ Measured + Indicated Resource to the "
                "plant feed of the Reserve, at 3 significant figures; unrounded, the steps "
                "add up to the last row.",
            )
        )
    if meta_df is not None and {"key", "value"} <= set(meta_df.columns):
        shown = pd.DataFrame(
            {
                "Item": meta_df["key"].astype(str).str.replace("_", " "),
                "Value": meta_df["value"].astype(str),
                "Unit": (
                    meta_df["unit"].fillna("").astype(str)
                    if "unit" in meta_df
                    else [""] * len(meta_df)
                ),
            }
        )
        blocks.append(Table("tab-mining-reserve-meta", "Ore Reserve: basis and parameters", shown))
    blocks.append(
        Text(
            (
                "JORC Table 1 Section 4 (Estimation and Reporting of Ore Reserves) is in the "
                "JORC Table 1 chapter; criteria the software cannot know are left to the "
                "Competent Person.",
            ),
            "note",
        )
    )
    return Section("mining-reserve", "Ore Reserve", tuple(blocks))


def mining_chapter(
    tables: Mapping[str, pd.DataFrame], project_dump: Mapping[str, Any], *, synthetic: bool
) -> Section:
    """The mining chapter of the report.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        Store tables by full name (``mining__pit_summary``, ``reserve__reserve_statement``,
        ``estimation__grid`` …); any may be missing. Not modified.
    project_dump : Mapping
        ``Project.model_dump(mode="json")`` (slope sectors, phase width, rounding).
    synthetic : bool
        Mark figures and the chapter as SYNTHETIC data.

    Returns
    -------
    Section
        Anchor :data:`CHAPTER_ID`, with sections on the pit, slopes, shells, phases,
        schedule and Ore Reserve.

    Examples
    --------
    >>> s = mining_chapter({}, {}, synthetic=False)
    >>> s.id, [c.id for c in s.children][:2]
    ('mining', ['mining-pit', 'mining-slopes'])
    """
    intro = [
        "From the block model to a pit, a life-of-mine schedule and a JORC Ore Reserve: "
        "block values, slope precedence, the ultimate pit and nested pits, phases, the "
        "schedule, and the Ore Reserve with its reconciliation to the Mineral Resource."
    ]
    blocks: list[Block] = [Text(tuple(intro))]
    if synthetic:
        blocks.append(
            Text(
                (
                    "SYNTHETIC data: the deposit, the costs and the Ore Reserve are invented "
                    "for the demonstration; they describe no real project.",
                ),
                "synthetic",
            )
        )
    children = (
        _pit_section(tables, synthetic),
        _slopes_section(tables, project_dump, synthetic),
        _shells_section(tables, synthetic),
        _phases_section(tables, project_dump),
        _schedule_section(tables, synthetic),
        _reserve_section(tables, project_dump),
    )
    return Section(CHAPTER_ID, "Mining: pit, schedule and Ore Reserve", tuple(blocks), children)
