"""Nested pits by revenue factor and the pit-by-pit table (best and worst case).

Revenue factors
---------------
A block's value at revenue factor ``f`` is ``v(f) = max(f·R − C_ore, −C_waste)``: the net
revenue ``R`` scaled, the destination chosen again (plant or dump), costs unchanged
(Whittle's revenue factors). ``v`` never decreases with ``f``, so for ``f₁ < f₂`` and
optimal pits ``P₁``, ``P₂`` the union ``P₁ ∪ P₂`` is optimal at ``f₂`` and the intersection
optimal at ``f₁`` (the value of ``P₁ \\ P₂`` is ≥ 0 at ``f₁``, hence at ``f₂``). Two ways to
use this, both exact:

* ``method="bisection"`` (default): solve the largest factor on the whole graph, the
  smallest inside that pit, then every middle factor only on the *ring* between the two
  pits already solved around it (arcs into the inner pit are met, none leave the outer
  one). Nesting holds by construction and each solve is small.
* ``method="independent"``: solve every factor on the whole graph, then enforce nesting by
  the union rule ``P'_k = P_k ∪ P'_{k−1}`` (each union is still optimal at its factor).

Both give the same value at every factor (the test suite checks it).

Pit by pit (discounted)
-----------------------
Every shell is valued at revenue factor 1 as the final pit in two sequences, as in
Whittle's pit-by-pit graph:

* **best case**: the nested shells mined one after the other (shell 1, then the ring to
  shell 2, …), each ring bench by bench from the top;
* **worst case**: the final shell mined bench by bench, each whole bench before the next.

Within a bench of a ring blocks are mixed (tonnes, ore and cash pro rata). Periods (years)
are filled in sequence until the rock ``mining_rate_tpa`` or the ore
``processing_rate_tpa`` is reached, whichever binds first; the cash of period ``p``
(1-based) is discounted by ``(1 + r)^−p`` (end of period). ``life`` is in years, the last
one counted by the fraction of the binding capacity it uses.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.closure import ENGINES, Engine, max_closure, subgraph
from mine2magnet.mining.types import PitShells, PrecedenceGraph

__all__ = ["PitInputs", "discounted_sequence", "nested_pits"]


@dataclass(frozen=True)
class PitInputs:
    """Per graph block: the value terms and what the pit-by-pit table sums.

    Attributes
    ----------
    revenue_usd : numpy.ndarray
        Net revenue ``R`` if processed, ≥ 0 [US$].
    ore_cost_usd : numpy.ndarray
        Cost if processed (mining + processing) [US$].
    waste_cost_usd : numpy.ndarray
        Cost if dumped (mining) [US$].
    tonnes : numpy.ndarray
        Rock tonnes [t].
    ore_tonnes : numpy.ndarray
        Tonnes to the plant if processed [t].
    bench : numpy.ndarray
        Bench index, higher is mined first (grid ``k``) [-].
    metal : Mapping[str, numpy.ndarray]
        Contained tonnes to the plant if processed, by name (``TREO_t``, …) [t].
    """

    revenue_usd: NDArray[np.float64]
    ore_cost_usd: NDArray[np.float64]
    waste_cost_usd: NDArray[np.float64]
    tonnes: NDArray[np.float64]
    ore_tonnes: NDArray[np.float64]
    bench: NDArray[np.int64]
    metal: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = np.asarray(self.revenue_usd).size
        for name in ("ore_cost_usd", "waste_cost_usd", "tonnes", "ore_tonnes", "bench"):
            if np.asarray(getattr(self, name)).size != n:
                raise DataError(f"PitInputs.{name} must have {n} entries like revenue_usd")
        if np.any(np.asarray(self.revenue_usd) < 0):
            raise DataError("PitInputs.revenue_usd must be ≥ 0")

    @property
    def n_blocks(self) -> int:
        """Number of blocks [-]."""
        return int(np.asarray(self.revenue_usd).size)

    def values(self, revenue_factor: float = 1.0) -> NDArray[np.float64]:
        """``v(f) = max(f·R − C_ore, −C_waste)`` [US$]."""
        return np.maximum(revenue_factor * self.revenue_usd - self.ore_cost_usd,
                          -self.waste_cost_usd)  # fmt: skip

    def is_ore(self, revenue_factor: float = 1.0) -> NDArray[np.bool_]:
        """Blocks sent to the plant at that factor [-]."""
        return revenue_factor * self.revenue_usd - self.ore_cost_usd > -self.waste_cost_usd

    @classmethod
    def from_values(
        cls,
        values: ArrayLike,
        *,
        tonnes: ArrayLike | None = None,
        bench: ArrayLike | None = None,
    ) -> PitInputs:
        """Inputs from plain block values (e.g. MineLib ``.upit``): positive values are
        revenue (scaled by the factor), negative values cost.

        Parameters
        ----------
        values : array_like
            Block values [US$].
        tonnes : array_like, optional
            Rock tonnes (default 1 per block) [t].
        bench : array_like, optional
            Bench index, higher first (default 0) [-].

        Examples
        --------
        >>> PitInputs.from_values([5.0, -2.0]).values(0.5).tolist()
        [2.5, -2.0]
        """
        v = np.asarray(values, dtype=float).ravel()
        t = np.ones(v.size) if tonnes is None else np.asarray(tonnes, dtype=float).ravel()
        b = np.zeros(v.size, np.int64) if bench is None else np.asarray(bench, np.int64).ravel()
        cost = np.maximum(-v, 0.0)  # a negative block costs the same wherever it goes
        return cls(
            revenue_usd=np.maximum(v, 0.0), ore_cost_usd=cost, waste_cost_usd=cost, tonnes=t,
            ore_tonnes=np.where(v > 0, t, 0.0), bench=b,
        )  # fmt: skip


def _ints(inputs: PitInputs, factors: NDArray[np.float64]) -> tuple[float, bool]:
    """One scale for every factor: exact when some power of ten makes every value at every
    factor an integer, else the largest power of ten (≤ 10^6) within the int64 bound."""
    vals = [inputs.values(float(f)) for f in factors]
    hi = float(max(np.abs(v).sum() for v in vals))
    scale = 1.0
    for d in range(0, 7):
        s = 10.0**d
        if hi * s >= 2**62:
            break
        scale = s
        if all(np.all(np.abs(v * s - np.rint(v * s)) <= 1e-6) for v in vals):
            return s, True
    if hi >= 2**62:
        raise DataError("block values too large for the int64 max-flow engines")
    return scale, False


def _scaled(inputs: PitInputs, f: float, scale: float, rows: NDArray | None = None) -> NDArray:
    R = inputs.revenue_usd if rows is None else inputs.revenue_usd[rows]
    Co = inputs.ore_cost_usd if rows is None else inputs.ore_cost_usd[rows]
    Cw = inputs.waste_cost_usd if rows is None else inputs.waste_cost_usd[rows]
    # round each branch, then take the max: monotone in f, so nesting survives rounding
    return np.maximum(np.rint((f * R - Co) * scale), np.rint(-Cw * scale)).astype(np.int64)


def _solve_on(
    graph: PrecedenceGraph, ring: NDArray[np.bool_], ints_full: NDArray[np.int64], engine: Engine
) -> NDArray[np.int64]:
    """Blocks of ``ring`` in the best closure of ``ring`` alone (original ids)."""
    if not ring.any():
        return np.zeros(0, np.int64)
    if ring.all():
        mask, _ = max_closure(ints_full, graph, engine=engine)
        return np.flatnonzero(mask)
    sub, ids = subgraph(graph, ring)
    mask, _ = max_closure(ints_full[ids], sub, engine=engine)
    return ids[mask]


def nested_pits(
    inputs: PitInputs,
    precedence: PrecedenceGraph,
    revenue_factors: Sequence[float],
    *,
    engine: Engine = "mineflow",
    method: Literal["bisection", "independent"] = "bisection",
    discount_rate: float = 0.0,
    processing_rate_tpa: float | None = None,
    mining_rate_tpa: float | None = None,
) -> PitShells:
    """Nested pits for increasing revenue factors, and the pit-by-pit table.

    Parameters
    ----------
    inputs : PitInputs
        Value terms and tonnages per block of ``precedence``.
    precedence : PrecedenceGraph
    revenue_factors : sequence of float
        Factors (> 0), any order; sorted and de-duplicated [-].
    engine : {"mineflow", "ortools"}
    method : {"bisection", "independent"}
        See the module docstring; both are exact.
    discount_rate : float
        Per year, e.g. 0.08, for the best and worst cases [-].
    processing_rate_tpa : float, optional
        Ore processed per year [t/y].
    mining_rate_tpa : float, optional
        Rock mined per year [t/y]. Without either rate the discounted columns are NaN.

    Returns
    -------
    PitShells

    Examples
    --------
    >>> g = PrecedenceGraph.from_arcs(3, [2, 2], [0, 1])
    >>> s = nested_pits(PitInputs.from_values([-1.0, -1.0, 3.0]), g, [0.5, 1.0])
    >>> s.pit_id.tolist(), s.objective.tolist()
    ([2, 2, 2], [0.0, 1.0])
    """
    f = np.array(sorted({round(float(v), 12) for v in revenue_factors}), dtype=float)
    if f.size == 0 or f[0] <= 0:
        raise ConfigError("revenue factors must be a non-empty list of numbers > 0")
    if engine not in ENGINES:
        raise ConfigError(f"engine {engine!r} is unknown; use one of {', '.join(ENGINES)}")
    if method not in ("bisection", "independent"):
        raise ConfigError(f"method {method!r} is unknown; use 'bisection' or 'independent'")
    n = precedence.n_blocks
    if inputs.n_blocks != n:
        raise DataError(f"{inputs.n_blocks} blocks of inputs for a graph of {n} blocks")
    scale, _ = _ints(inputs, f)
    K = f.size
    pit_id = np.zeros(n, dtype=np.int32)  # 1-based shell, 0 = outside all
    t0 = time.perf_counter()
    if method == "independent":
        prev = np.zeros(n, dtype=bool)
        for s in range(K):
            mask, _ = max_closure(_scaled(inputs, f[s], scale), precedence, engine=engine)
            mask |= prev
            pit_id[mask & ~prev] = s + 1
            prev = mask
    else:
        top = _solve_on(precedence, np.ones(n, bool), _scaled(inputs, f[-1], scale), engine)
        pit_id[top] = K
        stack: list[tuple[int, int]] = []
        if K > 1:
            ring = pit_id == K
            low = _solve_on(precedence, ring, _scaled(inputs, f[0], scale), engine)
            pit_id[low] = 1
            stack.append((0, K - 1))
        while stack:
            lo, hi = stack.pop()  # shells lo < s < hi (0-based) lie between pits lo and hi
            if hi - lo <= 1:
                continue
            mid = (lo + hi) // 2
            ring = pit_id == hi + 1  # in pit hi, not in pit lo
            if ring.any():
                sel = _solve_on(precedence, ring, _scaled(inputs, f[mid], scale), engine)
                pit_id[sel] = mid + 1
            stack.append((lo, mid))
            stack.append((mid, hi))
    seconds = time.perf_counter() - t0
    objective = np.array([
        float(_scaled(inputs, f[s], scale)[(pit_id >= 1) & (pit_id <= s + 1)].sum()) / scale
        for s in range(K)
    ])  # fmt: skip
    table = _pit_by_pit(inputs, pit_id, f, objective, discount_rate, processing_rate_tpa,
                        mining_rate_tpa)  # fmt: skip
    return PitShells(f, pit_id, objective, table, engine, seconds)


# --------------------------------------------------------------------- pit by pit


def discounted_sequence(
    tonnes: ArrayLike,
    ore_tonnes: ArrayLike,
    cash_usd: ArrayLike,
    *,
    discount_rate: float,
    processing_rate_tpa: float | None,
    mining_rate_tpa: float | None,
) -> tuple[float, float]:
    """NPV and life of a mining sequence filled period by period.

    Items (blocks or bench slices) are mined in the given order, mixed pro rata inside
    an item; each year takes the longest prefix within both capacities; the cash of year
    ``p`` is discounted by ``(1 + r)^−p``.

    Parameters
    ----------
    tonnes, ore_tonnes, cash_usd : array_like
        Per item: rock [t], ore [t], undiscounted cash [US$].
    discount_rate : float
        Per year [-].
    processing_rate_tpa, mining_rate_tpa : float or None
        Capacities [t/y]; None is unlimited (at least one is needed).

    Returns
    -------
    npv : float
        [US$]
    life : float
        [years]

    Examples
    --------
    >>> npv, life = discounted_sequence([100.0, 100.0], [0.0, 50.0], [-10.0, 120.0],
    ...                                 discount_rate=0.1, processing_rate_tpa=None,
    ...                                 mining_rate_tpa=100.0)
    >>> round(npv, 4), life
    (90.0826, 2.0)
    """
    T = np.concatenate([[0.0], np.cumsum(np.asarray(tonnes, float))])
    Q = np.concatenate([[0.0], np.cumsum(np.asarray(ore_tonnes, float))])
    V = np.concatenate([[0.0], np.cumsum(np.asarray(cash_usd, float))])
    if processing_rate_tpa is None and mining_rate_tpa is None:
        raise ConfigError("a discounted sequence needs a processing or a mining rate")
    m = T.size - 1
    if m == 0 or (T[-1] <= 0 and Q[-1] <= 0):
        return float(V[-1]), 0.0
    x = np.arange(m + 1, dtype=float)  # position along the sequence, items are [q, q+1)

    def pos_at(C: NDArray, level: float) -> float:
        """Largest position where the cumulative C is ≤ level (linear inside items)."""
        if level >= C[-1]:
            return float(m)
        q = int(np.searchsorted(C, level, side="right")) - 1  # C[q] ≤ level < C[q+1]
        span = C[q + 1] - C[q]
        return float(q + (level - C[q]) / span) if span > 0 else float(q)

    def at(C: NDArray, p: float) -> float:
        return float(np.interp(p, x, C))

    npv = 0.0
    p = 0.0
    year = 0
    life = 0.0
    while p < m - 1e-12:
        year += 1
        ends = []
        if mining_rate_tpa is not None:
            ends.append(pos_at(T, at(T, p) + mining_rate_tpa))
        if processing_rate_tpa is not None:
            ends.append(pos_at(Q, at(Q, p) + processing_rate_tpa))
        e = min(ends)
        if e <= p + 1e-12:  # an item with no rock or ore: take it with the year
            e = min(float(m), np.floor(p) + 1.0)
        cash = at(V, e) - at(V, p)
        npv += cash / (1.0 + discount_rate) ** year
        if e >= m - 1e-12:
            used = []
            if mining_rate_tpa is not None:
                used.append((T[-1] - at(T, p)) / mining_rate_tpa)
            if processing_rate_tpa is not None:
                used.append((Q[-1] - at(Q, p)) / processing_rate_tpa)
            life = year - 1 + min(1.0, max(used))
        p = e
        if year > 100_000:  # pragma: no cover - guards a zero capacity
            raise ConfigError("the sequence needs more than 100,000 years; check the rates")
    return float(npv), float(life)


def _pit_by_pit(
    inputs: PitInputs,
    pit_id: NDArray[np.int32],
    f: NDArray[np.float64],
    objective: NDArray[np.float64],
    rate: float,
    prate: float | None,
    mrate: float | None,
) -> pd.DataFrame:
    K = f.size
    ore = inputs.is_ore(1.0)
    v1 = inputs.values(1.0)
    T = inputs.tonnes
    Q = np.where(ore, inputs.ore_tonnes, 0.0)
    inside = pit_id > 0
    # aggregate per (shell, bench): the bench-by-bench sequences only need these sums
    keys = pd.DataFrame({"pit": pit_id[inside], "bench": inputs.bench[inside],
                         "T": T[inside], "O": Q[inside], "V": v1[inside]})  # fmt: skip
    for name, arr in inputs.metal.items():
        keys[name] = np.where(ore, arr, 0.0)[inside]
    agg = keys.groupby(["pit", "bench"], sort=True).sum().reset_index()
    rows = []
    discounted = prate is not None or mrate is not None
    for s in range(1, K + 1):
        a = agg[agg["pit"] <= s]
        tot = a[["T", "O", "V", *inputs.metal]].sum()
        row = {
            "pit": s, "revenue_factor": float(f[s - 1]),
            "blocks": int(np.count_nonzero(inside & (pit_id <= s))),
            "tonnes": float(tot["T"]), "ore_tonnes": float(tot["O"]),
            "waste_tonnes": float(tot["T"] - tot["O"]),
            "strip_ratio": float((tot["T"] - tot["O"]) / tot["O"]) if tot["O"] > 0 else np.nan,
        }  # fmt: skip
        for name in inputs.metal:
            row[name] = float(tot[name])
        row["value_usd"] = float(tot["V"])
        row["value_at_factor_usd"] = float(objective[s - 1])
        if discounted:
            best = a.sort_values(["pit", "bench"], ascending=[True, False], kind="stable")
            worst = a.groupby("bench", sort=True)[["T", "O", "V"]].sum().iloc[::-1]
            kw = {"discount_rate": rate, "processing_rate_tpa": prate, "mining_rate_tpa": mrate}
            row["npv_best_usd"], row["life_best_years"] = discounted_sequence(
                best["T"], best["O"], best["V"], **kw)  # fmt: skip
            row["npv_worst_usd"], row["life_worst_years"] = discounted_sequence(
                worst["T"], worst["O"], worst["V"], **kw)  # fmt: skip
        else:
            row.update(npv_best_usd=np.nan, life_best_years=np.nan,
                       npv_worst_usd=np.nan, life_worst_years=np.nan)  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)
