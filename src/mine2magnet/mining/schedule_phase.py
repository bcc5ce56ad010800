"""Aggregated phase-bench schedule: a MIP over (phase, bench) increments (HiGHS).

Model
-----
An *increment* is the material of one phase (pushback) on one bench. The decision is the
fraction ``x[i, t]`` of increment ``i`` mined in period ``t`` (mined at most once). Mining
order, with binary ``s[i, t]`` = "increment ``i`` may be mined by the end of ``t``":

- ``sum_{τ<=t} x[i, τ] <= s[i, t]`` and ``s[i, t] <= s[i, t+1]``;
- ``s[i, t] <= sum_{τ<=t} x[j, τ]`` for each predecessor ``j``, so ``i`` starts only once
  ``j`` is complete (it may start in the period ``j`` completes):

  * the bench above in the same phase (benches in order within a phase);
  * phase ``p - 1`` on bench ``b + lag`` (the previous pushback stays ``lag`` benches
    ahead; clamped to its deepest bench), which also keeps phases in order.

Destinations: the blocks of each increment are split into grade bins (bin 0: blocks
that lose money when processed, ``value_ore <= value_waste``; bins 1…: quantiles of the
processing margin per tonne). Each bin is mined in proportion to its increment and its
material goes to the plant, to waste, or (optionally) to a stockpile reclaimed later at a
rehandling cost. Choosing per period which bins are processed is a variable cut-off grade
in the sense of Lane: when the plant is the bottleneck, lower bins go to waste or to the
stockpile. Capacities per period: tonnes mined, tonnes processed, stockpile inventory.
Objective: ``sum_t cash_t / (1 + rate) ** t`` (period 0 undiscounted).

Blocks in an increment share its period profile: the model knows tonnes and grade bins
of the increment, not where each block sits on the bench, so it mines every block of the
increment in the same proportions (``block_fraction``); a block's period is the one in
which most of its increment is mined. Sequencing inside a bench is a short-term
planning decision this strategic model leaves open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from mine2magnet.mining.schedule_types import Schedule

__all__ = ["PhaseScheduleParams", "increment_table", "schedule_phases"]

_INF = highspy.kHighsInf
_REQUIRED = ("phase", "bench", "tonnes", "value_ore", "value_waste")


@dataclass(frozen=True)
class PhaseScheduleParams:
    """Parameters of :func:`schedule_phases`.

    Attributes
    ----------
    n_periods : int
        Number of periods [-].
    mining_capacity : float or sequence of float
        Tonnes mined per period (one value or one per period) [t].
    processing_capacity : float or sequence of float
        Tonnes fed to the plant per period [t].
    discount_rate : float
        Per period; period 0 is undiscounted [-].
    lag : int
        Benches by which phase ``p - 1`` stays ahead of phase ``p`` [-].
    n_bins : int
        Grade bins of profitable material per increment (Lane-style cut-off when > 1) [-].
    stockpile_capacity : float
        Largest stockpile inventory; 0 disables the stockpile [t].
    rehandle_cost : float
        Cost of reclaiming one tonne from the stockpile [currency/t].
    time_limit : float
        HiGHS time limit [s].
    mip_gap : float
        Relative MIP gap [-].
    """

    n_periods: int
    mining_capacity: float | Sequence[float]
    processing_capacity: float | Sequence[float]
    discount_rate: float
    lag: int = 1
    n_bins: int = 1
    stockpile_capacity: float = 0.0
    rehandle_cost: float = 0.0
    time_limit: float = 60.0
    mip_gap: float = 1e-6

    def capacities(self) -> tuple[np.ndarray, np.ndarray]:
        """Mining and processing capacity per period as arrays [t]."""
        T = self.n_periods
        out = []
        for name in ("mining_capacity", "processing_capacity"):
            v = np.broadcast_to(np.asarray(getattr(self, name), dtype=np.float64), (T,)).copy()
            if (v < 0).any():
                raise ValueError(f"{name} must be non-negative")
            out.append(v)
        return out[0], out[1]


def _check_blocks(blocks: pd.DataFrame, grade_columns: Sequence[str]) -> None:
    missing = [c for c in (*_REQUIRED, *grade_columns) if c not in blocks.columns]
    if missing:
        raise ValueError(f"block table lacks columns {missing}")
    if (blocks["tonnes"] < 0).any():
        raise ValueError("tonnes must be non-negative")
    if blocks[list(_REQUIRED)].isna().any().any():
        raise ValueError(f"missing values in {list(_REQUIRED)}")


def _bins(blocks: pd.DataFrame, n_bins: int) -> np.ndarray:
    """Bin 0: non-positive processing margin; bins 1…n_bins: margin-per-tonne quantiles."""
    t = blocks["tonnes"].to_numpy(np.float64)
    margin = blocks["value_ore"].to_numpy(np.float64) - blocks["value_waste"].to_numpy(np.float64)
    per_t = np.divide(margin, t, out=np.zeros_like(margin), where=t > 0)
    out = np.zeros(len(blocks), dtype=np.int64)
    pos = margin > 0
    if pos.any():
        if n_bins > 1:
            edges = np.quantile(per_t[pos], np.linspace(0, 1, n_bins + 1)[1:-1])
            out[pos] = 1 + np.searchsorted(edges, per_t[pos], side="right")
        else:
            out[pos] = 1
    return out


def increment_table(
    blocks: pd.DataFrame, n_bins: int = 1, grade_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Aggregate blocks into (phase, bench, bin) rows.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``phase``, ``bench`` (0 = top) [-], ``tonnes`` [t], ``value_ore`` and
        ``value_waste`` (cash if mined and processed / sent to waste) [currency], and any
        ``grade_columns`` [%].
    n_bins : int
        Profitable grade bins [-].
    grade_columns : sequence of str
        Grades to carry as tonne-weighted averages [%].

    Returns
    -------
    pandas.DataFrame
        ``phase``, ``bench``, ``bin``, ``tonnes``, ``value_waste``, ``margin``
        (``value_ore - value_waste``) and the grades, sorted by phase, bench, bin.
    """
    _check_blocks(blocks, grade_columns)
    df = pd.DataFrame(
        {
            "phase": blocks["phase"].to_numpy(np.int64),
            "bench": blocks["bench"].to_numpy(np.int64),
            "bin": _bins(blocks, n_bins),
            "tonnes": blocks["tonnes"].to_numpy(np.float64),
            "value_waste": blocks["value_waste"].to_numpy(np.float64),
            "margin": (blocks["value_ore"] - blocks["value_waste"]).to_numpy(np.float64),
        }
    )
    for g in grade_columns:
        df[f"_{g}"] = blocks[g].to_numpy(np.float64) * df["tonnes"]
    agg = df.groupby(["phase", "bench", "bin"], sort=True).sum().reset_index()
    for g in grade_columns:
        agg[g] = np.divide(
            agg.pop(f"_{g}"), agg["tonnes"], out=np.zeros(len(agg)), where=agg["tonnes"] > 0
        )
    return agg


class _Builder:
    """Variables and rows of a linear model, assembled once into CSR."""

    def __init__(self) -> None:
        self.n = 0
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, val)
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []

    def add_vars(
        self, shape: tuple[int, ...], hi: float = 1.0, integer: bool = False
    ) -> np.ndarray:
        k = int(np.prod(shape))
        idx = np.arange(self.n, self.n + k).reshape(shape)
        self.n += k
        self.lo.append(np.zeros(k))
        self.hi.append(np.full(k, hi))
        self.integer.append(np.full(k, integer))
        return idx

    def add_row(self, cols, vals, lo: float = -_INF, hi: float = _INF) -> None:
        r = len(self.row_lo)
        cols = np.atleast_1d(np.asarray(cols, dtype=np.int64))
        vals = np.broadcast_to(np.asarray(vals, dtype=np.float64), cols.shape)
        self.rows.append((np.full(cols.size, r), cols, vals))
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def solve(
        self, cost: np.ndarray, time_limit: float, gap: float
    ) -> tuple[np.ndarray, str, float]:
        """Maximise ``cost @ x``; returns (x, status, mip gap)."""
        r = np.concatenate([a for a, _, _ in self.rows])
        c = np.concatenate([b for _, b, _ in self.rows])
        v = np.concatenate([x for _, _, x in self.rows])
        A = sp.csr_matrix((v, (r, c)), shape=(len(self.row_lo), self.n))
        A.sum_duplicates()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("time_limit", float(time_limit))
        h.setOptionValue("mip_rel_gap", float(gap))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, A.shape[0]
        lp.col_cost_ = -np.asarray(cost, dtype=np.float64)
        lp.col_lower_ = np.concatenate(self.lo)
        lp.col_upper_ = np.concatenate(self.hi)
        lp.row_lower_ = np.asarray(self.row_lo, dtype=np.float64)
        lp.row_upper_ = np.asarray(self.row_hi, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data
        integ = np.concatenate(self.integer)
        if integ.any():
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
                for f in integ
            ]
        h.passModel(lp)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        if info.primal_solution_status < 2:
            raise RuntimeError(f"phase schedule: HiGHS found no feasible solution ({status})")
        x = np.asarray(h.getSolution().col_value)
        gap_out = float(info.mip_gap) if integ.any() else 0.0
        return x, status, gap_out if np.isfinite(gap_out) else 0.0


def _predecessors(inc: pd.DataFrame, lag: int) -> list[list[int]]:
    """Predecessor increments of each (phase, bench) row of ``inc``."""
    key = {(p, b): i for i, (p, b) in enumerate(zip(inc["phase"], inc["bench"], strict=True))}
    phases = sorted(set(inc["phase"]))
    benches = {p: sorted(b for (q, b) in key if q == p) for p in phases}
    preds: list[list[int]] = []
    for p, b in zip(inc["phase"], inc["bench"], strict=True):
        out = []
        above = [c for c in benches[p] if c < b]
        if above:
            out.append(key[(p, above[-1])])
        k = phases.index(p)
        if k > 0:
            prev = phases[k - 1]
            target = min(b + lag, benches[prev][-1])
            # the shallowest existing bench of the previous phase at or below the target
            cands = [c for c in benches[prev] if c >= target]
            out.append(key[(prev, cands[0] if cands else benches[prev][-1])])
        preds.append(out)
    return preds


def schedule_phases(
    blocks: pd.DataFrame,
    params: PhaseScheduleParams,
    grade_columns: Sequence[str] = (),
) -> Schedule:
    """Schedule (phase, bench) increments to maximise NPV with a MIP (HiGHS).

    Parameters
    ----------
    blocks : pandas.DataFrame
        One row per block: ``phase`` (0 = first pushback), ``bench`` (0 = top) [-],
        ``tonnes`` [t], ``value_ore`` and ``value_waste`` [currency] (cash if mined and
        processed / mined and wasted, mining cost included), and ``grade_columns`` [%].
    params : PhaseScheduleParams
        Periods, capacities, discount rate, lag, bins, stockpile.
    grade_columns : sequence of str
        Grades reported for the plant feed; oxide tonnes are ``grade / 100 * tonnes``.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> import pandas as pd
    >>> blocks = pd.DataFrame({"phase": [0, 0], "bench": [0, 1], "tonnes": [100.0, 100.0],
    ...                        "value_ore": [-50.0, 500.0], "value_waste": [-10.0, -10.0]})
    >>> p = PhaseScheduleParams(n_periods=2, mining_capacity=100, processing_capacity=100,
    ...                         discount_rate=0.1)
    >>> s = schedule_phases(blocks, p)
    >>> s.block_period.tolist(), round(s.npv, 2)
    ([0, 1], 444.55)
    """
    T = int(params.n_periods)
    if T < 1:
        raise ValueError("n_periods must be at least 1")
    M, P = params.capacities()
    d = (1.0 + params.discount_rate) ** -np.arange(T, dtype=np.float64)
    inc_bins = increment_table(blocks, params.n_bins, grade_columns)
    inc = inc_bins.groupby(["phase", "bench"], sort=True)["tonnes"].sum().reset_index()
    inc["value_waste"] = (
        inc_bins.groupby(["phase", "bench"], sort=True)["value_waste"].sum().to_numpy()
    )
    n_inc = len(inc)
    inc_of_bin = (
        inc.reset_index()
        .set_index(["phase", "bench"])
        .loc[list(zip(inc_bins["phase"], inc_bins["bench"], strict=True)), "index"]
        .to_numpy()
    )
    n_b = len(inc_bins)
    Tb = inc_bins["tonnes"].to_numpy()
    G = inc_bins["margin"].to_numpy()
    stock = params.stockpile_capacity > 0

    mb = _Builder()
    x = mb.add_vars((n_inc, T))
    s = mb.add_vars((n_inc, T), integer=True)
    o = mb.add_vars((n_b, T))
    if stock:
        sin = mb.add_vars((n_b, T))
        sout = mb.add_vars((n_b, T))
    for i in range(n_inc):
        mb.add_row(x[i], 1.0, hi=1.0)
        for t in range(T):
            mb.add_row(np.append(x[i, : t + 1], s[i, t]), np.append(np.ones(t + 1), -1.0), hi=0)
            if t + 1 < T:
                mb.add_row([s[i, t], s[i, t + 1]], [1.0, -1.0], hi=0)
    for i, preds in enumerate(_predecessors(inc, params.lag)):
        for j in preds:
            for t in range(T):
                mb.add_row(np.append(s[i, t], x[j, : t + 1]), np.append(1.0, -np.ones(t + 1)), hi=0)
    for k in range(n_b):
        i = inc_of_bin[k]
        for t in range(T):
            cols, vals = [o[k, t], x[i, t]], [1.0, -1.0]
            if stock:
                cols.append(sin[k, t])
                vals.append(1.0)
                # inventory of this bin never negative
                mb.add_row(
                    np.concatenate([sout[k, : t + 1], sin[k, : t + 1]]),
                    np.concatenate([np.ones(t + 1), -np.ones(t + 1)]),
                    hi=0,
                )
            mb.add_row(cols, vals, hi=0)
    Ti = inc["tonnes"].to_numpy()
    for t in range(T):
        mb.add_row(x[:, t], Ti, hi=M[t])
        cols, vals = [o[:, t]], [Tb]
        if stock:
            cols.append(sout[:, t])
            vals.append(Tb)
            inv_cols = np.concatenate([sin[:, : t + 1].ravel(), sout[:, : t + 1].ravel()])
            inv_vals = np.concatenate([np.repeat(Tb, t + 1), -np.repeat(Tb, t + 1)])
            mb.add_row(inv_cols, inv_vals, hi=params.stockpile_capacity)
        mb.add_row(np.concatenate(cols), np.concatenate(vals), hi=P[t])

    cost = np.zeros(mb.n)
    cost[x] = inc["value_waste"].to_numpy()[:, None] * d[None, :]
    cost[o] = G[:, None] * d[None, :]
    if stock:
        cost[sout] = (G - params.rehandle_cost * Tb)[:, None] * d[None, :]
    sol, status, gap = mb.solve(cost, params.time_limit, params.mip_gap)
    xv = np.clip(sol[x], 0.0, 1.0)
    ov = np.clip(sol[o], 0.0, 1.0)
    inv = np.clip(sol[sin], 0, 1) if stock else np.zeros_like(ov)
    outv = np.clip(sol[sout], 0, 1) if stock else np.zeros_like(ov)

    # period table
    mined = Ti @ xv
    direct = Tb @ ov
    reclaimed = Tb @ outv
    processed = direct + reclaimed
    to_stock = Tb @ inv
    cash = inc["value_waste"].to_numpy() @ xv + G @ ov + (G - params.rehandle_cost * Tb) @ outv
    table = {
        "period": np.arange(T),
        "mined_tonnes": mined,
        "processed_tonnes": processed,
        "waste_tonnes": mined - direct - to_stock,
        "stockpile_in_tonnes": to_stock,
        "stockpile_out_tonnes": reclaimed,
        "stockpile_tonnes": np.cumsum(to_stock - reclaimed),
    }
    feed = Tb[:, None] * (ov + outv)  # tonnes of each bin fed per period
    for g in grade_columns:
        gv = inc_bins[g].to_numpy()
        oxide = gv @ feed / 100.0
        table[g] = np.divide(100.0 * oxide, processed, out=np.zeros(T), where=processed > 0)
        table[f"{g}_oxide_tonnes"] = oxide
    table["cash_flow"] = cash
    table["discounted_cash_flow"] = cash * d
    periods = pd.DataFrame(table)

    rows = [
        (int(inc["phase"][i]), int(inc["bench"][i]), t, float(xv[i, t]), float(Ti[i] * xv[i, t]))
        for i in range(n_inc)
        for t in range(T)
        if xv[i, t] > 1e-9
    ]
    increments = pd.DataFrame(rows, columns=["phase", "bench", "period", "fraction", "tonnes"])

    lookup = pd.Series(np.arange(n_inc), index=pd.MultiIndex.from_frame(inc[["phase", "bench"]]))
    block_inc = lookup.loc[
        list(zip(blocks["phase"].astype(np.int64), blocks["bench"].astype(np.int64), strict=True))
    ].to_numpy()
    frac = xv[block_inc]
    block_period = np.where(frac.sum(axis=1) > 1e-9, frac.argmax(axis=1), -1).astype(np.int64)
    return Schedule(
        periods=periods,
        increments=increments,
        block_period=block_period,
        block_fraction=frac,
        npv=float(periods["discounted_cash_flow"].sum()),
        status=status,
        mip_gap=gap,
    )
