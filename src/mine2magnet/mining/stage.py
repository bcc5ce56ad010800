"""Life-of-mine schedule of the phase pit and the Ore Reserve it supports.

:func:`schedule_and_reserve` is pure: the pit-stage tables, the resource-stage tables and
``[mining]`` in, a :class:`ScheduleReserve` out, whose :meth:`~ScheduleReserve.tables`
go to the store (recommended stage name :data:`STAGE`).

Schedule input (one row per block of the phase pit, ``mining__pit_blocks.phase > 0``)
------------------------------------------------------------------------------------
* ``phase``: the pit's phase (pushback) less one; ``bench``:
  ``(k_top − k) // benches_per_increment``, 0 at the highest bench of the phase pit.
* ``tonnes``: in-situ rock of the block (mining capacity counts it).
* ``value_waste = −C_m`` (mining cost), ``value_ore = R_MI − C_p − C_m``: ``R_MI`` the net
  revenue of the block's Measured and Indicated metal only (Inferred and Unclassified are
  waste), ``C_p`` the processing cost of its feed ``T · MR · (1 + D)``. Blocks without
  Measured or Indicated metal are never processed.
* Processing capacity: the plant rate is plant feed, so the schedule's capacity in rock
  is ``rate · years / (MR · (1 + D))``; with ramp-up shares for the first periods.
* The Reserve quantities of :meth:`ReserveBlocks.quantities` ride along as grade
  columns (``100 · q / tonnes``), so the schedule's feed totals give Proved and Probable
  tonnes and metal exactly, whatever its cut-off and stockpile choices.

Periods last ``period_years``; the MIP discounts period ``t`` by ``(1 + r)^(−L·t)``. The
reported cash flow of a period is spread evenly over its years and discounted at the end
of each year, so the NPV does not depend on the period length through the convention.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.chemistry import NDPR_OXIDES
from mine2magnet.errors import DataError
from mine2magnet.mining.params import MiningParams
from mine2magnet.mining.reserve import (
    OreReserve,
    ReserveBlocks,
    reserve_blocks,
    reserve_from_blocks,
    table1_section4,
)
from mine2magnet.mining.schedule_params import (
    ReserveParams,
    ScheduleParams,
    reserve_params,
    schedule_params,
)
from mine2magnet.mining.schedule_phase import PhaseScheduleParams, schedule_phases
from mine2magnet.mining.schedule_types import Schedule
from mine2magnet.mining.value import BlockEconomics

__all__ = [
    "STAGE",
    "ScheduleReserve",
    "period_discount_factors",
    "schedule_and_reserve",
    "schedule_input",
]

#: Store prefix recommended for the tables of :meth:`ScheduleReserve.tables`.
STAGE = "reserve"


@dataclass(frozen=True)
class ScheduleReserve:
    """The schedule of the phase pit and the Ore Reserve.

    Attributes
    ----------
    schedule : Schedule
        The phase-bench MIP result (0-based phases as scheduled).
    reserve : OreReserve
    periods : pandas.DataFrame
        Per period: ``period`` (0-based), ``year_from``, ``year_to`` [y],
        ``mined_tonnes``, ``waste_tonnes``, ``stockpile_in_tonnes``,
        ``stockpile_out_tonnes``, ``stockpile_tonnes`` [t rock], ``feed_tonnes``,
        ``feed_proved_tonnes``, ``feed_probable_tonnes`` [t feed], head grades
        ``<S>_pct`` [%], contained ``<S>_t`` [t], ``NdPr_product_t`` (after processing
        recovery) [t], ``mined_phase_<p>_tonnes`` [t rock], ``feed_phase_<p>_tonnes``
        [t feed], ``cash_flow_usd``, ``discount_factor`` [-],
        ``discounted_cash_flow_usd``, ``cumulative_discounted_cash_flow_usd`` [US$].
    increments : pandas.DataFrame
        ``phase`` (1-based, as the pit), ``bench``, ``elevation_m`` (mean block centroid),
        ``period``, ``year_from``, ``fraction`` [-], ``tonnes`` [t rock].
    blocks : pandas.DataFrame
        Per block of the phase pit: ``i``, ``j``, ``k``, ``in_block_model``, ``phase``,
        ``bench``, ``period`` (most of it mined; −1 never), ``mined_fraction`` [-].
    table1 : pandas.DataFrame
        JORC Table 1 Section 4 rows (``criterion``, ``commentary``, ``source``).
    summary : dict
        ``npv_usd``, ``objective_usd`` (the MIP's, start-of-period discounting),
        ``discount_rate_pct``, ``periods``, ``period_years``, ``life_years``,
        ``mining_rate_tpa``, ``processing_rate_tpa``, ``grade_bins``, ``status``,
        ``mip_gap_pct``, ``increments``.
    seconds : dict
        Wall time per step [s].
    """

    schedule: Schedule = field(repr=False)
    reserve: OreReserve
    periods: pd.DataFrame = field(repr=False)
    increments: pd.DataFrame = field(repr=False)
    blocks: pd.DataFrame = field(repr=False)
    table1: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables for the store: ``schedule_periods``, ``schedule_increments``,
        ``schedule_blocks``, ``reserve_statement``, ``reserve_statement_unrounded``,
        ``reserve_meta``, ``reserve_reconciliation``, ``table1``."""
        return {
            "schedule_periods": self.periods.copy(),
            "schedule_increments": self.increments.copy(),
            "schedule_blocks": self.blocks.copy(),
            **self.reserve.tables(),
            "table1": self.table1.copy(),
        }


def _get(tables: Mapping[str, pd.DataFrame], name: str, stage: str) -> pd.DataFrame | None:
    for key in (name, f"{stage}__{name}"):
        t = tables.get(key)
        if isinstance(t, pd.DataFrame):
            return t
    return None


def schedule_input(
    blocks: ReserveBlocks, benches_per_increment: int = 1
) -> tuple[pd.DataFrame, list[str]]:
    """The block table of :func:`schedule_phases` for the phase pit, with reserve quantities.

    Parameters
    ----------
    blocks : ReserveBlocks
    benches_per_increment : int
        Benches merged into one increment [-].

    Returns
    -------
    table : pandas.DataFrame
        Rows :meth:`ReserveBlocks.scheduled_rows`: ``phase`` (0-based rank of the pit's
        phases), ``bench``, ``tonnes`` [t], ``value_ore``, ``value_waste`` [US$] and the
        grade columns [% of tonnes].
    grade_columns : list of str
        The quantity columns ``q_*`` (reserve quantities, then rock per phase).
    """
    rows = blocks.scheduled_rows()
    t = blocks.table.iloc[rows]
    if t.empty:
        raise DataError("the pit has no phase (mining__pit_blocks.phase > 0): nothing to schedule")
    phases = np.sort(t["phase"].unique())
    k = t["k"].to_numpy(np.int64)
    T = t["tonnes"].to_numpy(float)
    out = pd.DataFrame(
        {
            "phase": np.searchsorted(phases, t["phase"].to_numpy()),
            "bench": (k.max() - k) // int(benches_per_increment),
            "tonnes": T,
            "value_ore": t["value_ore_usd"].to_numpy(),
            "value_waste": t["value_waste_usd"].to_numpy(),
        }
    )
    q = blocks.quantities().iloc[rows]
    cols: dict[str, np.ndarray] = {}
    for c in q.columns:
        cols[c] = np.divide(100.0 * q[c].to_numpy(), T, out=np.zeros(len(T)), where=T > 0)
    ph = t["phase"].to_numpy()
    for p in phases:
        cols[f"q_phase_{int(p)}_rock_t"] = np.where((ph == p) & (T > 0), 100.0, 0.0)
    grades = pd.DataFrame(cols)
    return pd.concat([out, grades], axis=1), list(grades.columns)


def period_discount_factors(n_periods: int, period_years: int, rate: float) -> np.ndarray:
    """Discount factor of each period's cash spread evenly over its years [-].

    ``f_t = mean over its years y of (1 + rate)^−(y + 1)`` (end of year, year 0 first).

    Examples
    --------
    >>> period_discount_factors(2, 1, 0.1).round(4).tolist()
    [0.9091, 0.8264]
    """
    y = np.arange(n_periods * period_years, dtype=float).reshape(n_periods, period_years)
    return ((1.0 + rate) ** -(y + 1.0)).mean(axis=1)


def _recoveries(params: MiningParams) -> dict[str, float]:
    return {
        k.removesuffix("_pct"): v for k, v in BlockEconomics.from_params(params).recovery.items()
    }


def _periods_table(
    s: Schedule,
    blocks: ReserveBlocks,
    sp: ScheduleParams,
    params: MiningParams,
    rate: float,
    phases: np.ndarray,
) -> pd.DataFrame:
    P = s.periods
    L = sp.period_years
    n = len(P)
    out = pd.DataFrame(
        {
            "period": P["period"].to_numpy(np.int64),
            "year_from": P["period"].to_numpy(np.int64) * L,
            "year_to": (P["period"].to_numpy(np.int64) + 1) * L,
        }
    )
    for c in (
        "mined_tonnes",
        "waste_tonnes",
        "stockpile_in_tonnes",
        "stockpile_out_tonnes",
        "stockpile_tonnes",
    ):
        out[c] = P[c].to_numpy(float)
    fp = P["q_feed_proved_t_oxide_tonnes"].to_numpy(float)
    fb = P["q_feed_probable_t_oxide_tonnes"].to_numpy(float)
    feed = fp + fb
    out["feed_tonnes"] = feed
    out["feed_proved_tonnes"] = fp
    out["feed_probable_tonnes"] = fb
    metal = {}
    for s_ in blocks.names:
        metal[s_] = P[f"q_proved_{s_}_t_oxide_tonnes"].to_numpy(float) + P[
            f"q_probable_{s_}_t_oxide_tonnes"
        ].to_numpy(float)
        out[f"{s_}_pct"] = np.divide(100.0 * metal[s_], feed, out=np.zeros(n), where=feed > 0)
    for s_ in blocks.names:
        out[f"{s_}_t"] = metal[s_]
    rec = _recoveries(params)
    if all(o in metal and o in rec for o in NDPR_OXIDES):
        out["NdPr_product_t"] = sum(metal[o] * rec[o] for o in NDPR_OXIDES)
    elif "NdPr" in metal:
        out["NdPr_product_t"] = metal["NdPr"] * params.default_recovery_pct / 100.0
    inc = s.increments
    for p_rank, p in enumerate(phases):
        mined = inc.loc[inc["phase"] == p_rank].groupby("period")["tonnes"].sum()
        out[f"mined_phase_{int(p)}_tonnes"] = mined.reindex(out["period"]).fillna(0.0).to_numpy()
    factor = blocks.mining_recovery * (1.0 + blocks.dilution)
    for p in phases:
        rock = P[f"q_phase_{int(p)}_rock_t_oxide_tonnes"].to_numpy(float)
        out[f"feed_phase_{int(p)}_tonnes"] = rock * factor
    d = period_discount_factors(n, L, rate)
    cash = P["cash_flow"].to_numpy(float) + 0.0  # no negative zeros
    out["cash_flow_usd"] = cash
    out["discount_factor"] = d
    out["discounted_cash_flow_usd"] = cash * d
    out["cumulative_discounted_cash_flow_usd"] = np.cumsum(cash * d)
    return out


def schedule_and_reserve(
    pit_tables: Mapping[str, pd.DataFrame],
    resource_tables: Mapping[str, pd.DataFrame],
    params: MiningParams,
    *,
    estimation_blocks: pd.DataFrame | None = None,
) -> ScheduleReserve:
    """Schedule the phase pit (phase-bench MIP) and state the Ore Reserve it supports.

    Parameters
    ----------
    pit_tables : Mapping
        Pit-stage tables by name, with or without the ``mining__`` prefix:
        ``pit_blocks`` (required), ``pit_summary`` and ``phases`` (Table 1).
    resource_tables : Mapping
        Resource-stage tables: ``blocks`` (``resources__blocks``, required).
    params : MiningParams
        ``[mining]`` with its ``schedule`` and ``reserve`` sub-sections.
    estimation_blocks : pandas.DataFrame, optional
        ``estimation__blocks``: every species grade of the resource rows (recommended).

    Returns
    -------
    ScheduleReserve

    Raises
    ------
    ConfigError
        Invalid ``[mining.schedule]`` or ``[mining.reserve]``.
    DataError
        Missing tables or columns, or a pit without phases.
    """
    secs: dict[str, float] = {}
    t0 = time.perf_counter()
    sp = schedule_params(params)
    rp: ReserveParams = reserve_params(params)
    pit_blocks = _get(pit_tables, "pit_blocks", "mining")
    res_blocks = _get(resource_tables, "blocks", "resources")
    if pit_blocks is None or res_blocks is None:
        raise DataError("schedule and reserve need mining__pit_blocks and resources__blocks")
    blocks = reserve_blocks(pit_blocks, res_blocks, params, grades=estimation_blocks)
    sched, gcols = schedule_input(blocks, sp.benches_per_increment)
    secs["inputs"] = time.perf_counter() - t0

    rate = sp.discount_rate(params)
    m_rate, p_rate = sp.rates(params)
    L = sp.period_years
    factor = blocks.mining_recovery * (1.0 + blocks.dilution)
    pays = (sched["value_ore"] > sched["value_waste"]).to_numpy()
    feed_avail = float(sched["tonnes"].to_numpy()[pays].sum() * factor)
    rock = float(sched["tonnes"].sum())
    T = sp.n_periods(feed_avail, rock, params)
    ramp = np.ones(T)
    k = min(T, len(sp.processing_ramp_up_pct))
    ramp[:k] = np.asarray(sp.processing_ramp_up_pct[:k], float) / 100.0
    proc_cap = p_rate * L * ramp / factor
    mine_cap = m_rate * L if m_rate is not None else rock * (1.0 + 1e-9) + 1.0
    pp = PhaseScheduleParams(
        n_periods=T,
        mining_capacity=mine_cap,
        processing_capacity=proc_cap.tolist(),
        discount_rate=(1.0 + rate) ** L - 1.0,
        lag=sp.lag,
        n_bins=sp.grade_bins,
        stockpile_capacity=sp.stockpile_capacity_t,
        rehandle_cost=sp.rehandle_cost_usd_t,
        time_limit=sp.time_limit_s,
        mip_gap=sp.mip_gap_pct / 100.0,
    )
    t0 = time.perf_counter()
    try:
        s = schedule_phases(sched, pp, grade_columns=gcols)
    except RuntimeError as exc:
        raise DataError(f"schedule: {exc}; raise mining.schedule.time_limit_s") from None
    secs["schedule"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    phases = np.unique(blocks.table["phase"].to_numpy()[blocks.scheduled_rows()])
    periods = _periods_table(s, blocks, sp, params, rate, phases)
    basis = s if rp.basis == "scheduled" else None
    reserve = reserve_from_blocks(blocks, basis, params, reserve=rp)
    rows = blocks.scheduled_rows()
    tb = blocks.table.iloc[rows]
    sblocks = pd.DataFrame(
        {
            "i": tb["i"].to_numpy(),
            "j": tb["j"].to_numpy(),
            "k": tb["k"].to_numpy(),
            "in_block_model": tb["in_block_model"].to_numpy(),
            "phase": tb["phase"].to_numpy(),
            "bench": sched["bench"].to_numpy(),
            "period": s.block_period,
            "mined_fraction": np.clip(s.block_fraction.sum(axis=1), 0.0, 1.0),
        }
    )
    elev = (
        pd.DataFrame(
            {
                "phase": sched["phase"].to_numpy(),
                "bench": sched["bench"].to_numpy(),
                "elevation": tb["elevation"].to_numpy(),
            }
        )
        .groupby(["phase", "bench"])["elevation"]
        .mean()
    )
    inc = s.increments.copy()
    inc["elevation_m"] = elev.reindex(pd.MultiIndex.from_frame(inc[["phase", "bench"]])).to_numpy()
    inc["phase"] = phases[inc["phase"].to_numpy(np.int64)] if len(inc) else inc["phase"]
    inc["year_from"] = inc["period"] * L
    inc = inc[["phase", "bench", "elevation_m", "period", "year_from", "fraction", "tonnes"]]
    fed = periods["feed_tonnes"].to_numpy() > 1e-6
    life = float(periods["year_to"].to_numpy()[fed].max()) if fed.any() else 0.0
    summary: dict[str, Any] = {
        "npv_usd": float(periods["discounted_cash_flow_usd"].sum()),
        "objective_usd": float(s.npv),
        "discount_rate_pct": 100.0 * rate,
        "periods": T,
        "period_years": L,
        "life_years": life,
        "mining_rate_tpa": m_rate,
        "processing_rate_tpa": p_rate,
        "grade_bins": sp.grade_bins,
        "increments": int(sched.groupby(["phase", "bench"]).ngroups),
        "status": s.status,
        "mip_gap_pct": round(100.0 * s.mip_gap, 4),
        "solve_seconds": round(secs["schedule"], 2),
    }
    extra = pd.DataFrame(
        [
            ("schedule_periods", f"{T} × {L} y", ""),
            ("schedule_life", f"{life:g}", "y"),
            ("schedule_npv", f"{summary['npv_usd'] / 1e6:,.1f}", "M US$"),
            ("schedule_discount_rate_pct", f"{100 * rate:g}", "%/y"),
            (
                "schedule_npv_convention",
                "operating cash before capital, closure and tax; "
                "period cash spread evenly over its years, discounted at the end of each year",
                "",
            ),
            ("schedule_mining_rate", "unlimited" if m_rate is None else f"{m_rate:,.0f}", "t/y"),
            ("schedule_processing_rate", f"{p_rate:,.0f}", "t/y feed"),
            (
                "schedule_increments",
                f"{summary['increments']} (phase, bench group) of "
                f"{sp.benches_per_increment} bench(es); {sp.grade_bins} grade bin(s); lag "
                f"{sp.lag}",
                "",
            ),
            ("schedule_stockpile", f"{sp.stockpile_capacity_t:,.0f}", "t"),
            ("schedule_solver", f"HiGHS {s.status}, MIP gap {100 * s.mip_gap:.3g} %", ""),
        ],
        columns=["key", "value", "unit"],
    )
    if s.status.lower() != "optimal" or s.mip_gap > 2 * pp.mip_gap:
        warn = (
            f"the schedule is not proven within its gap ({s.status}, gap {100 * s.mip_gap:.3g} "
            "%): raise mining.schedule.time_limit_s, or aggregate (period_years, "
            "benches_per_increment) before publishing"
        )
        extra.loc[len(extra)] = ("schedule_warning", warn, "")
    reserve = replace(reserve, meta=pd.concat([reserve.meta, extra], ignore_index=True))
    table1 = table1_section4(
        reserve,
        params,
        pit_tables={
            n: t
            for n in ("pit_summary", "phases")
            if (t := _get(pit_tables, n, "mining")) is not None
        },
        schedule=summary,
        stage=STAGE,
    )
    secs["reserve"] = time.perf_counter() - t0
    return ScheduleReserve(
        s, reserve, periods, inc.reset_index(drop=True), sblocks, table1, summary, secs
    )
