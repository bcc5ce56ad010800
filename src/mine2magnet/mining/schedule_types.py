"""Result types of the scheduling functions (block-level CPIT and phase-bench schedule).

Periods are 0-based everywhere, as in MineLib: period 0 is the first period and is not
discounted; a block that is never mined has period ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CpitCheck", "CpitLp", "CpitSchedule", "Schedule"]


@dataclass(frozen=True)
class CpitLp:
    """LP relaxation of a CPIT instance in the "by" formulation.

    ``y[t, k]`` is the fraction of block ``blocks[k]`` mined by the end of period ``t``.

    Attributes
    ----------
    blocks : numpy.ndarray
        int64 ids of the blocks the LP was solved over (the ultimate pit when restricted).
    y : numpy.ndarray
        float64 ``(n_periods, blocks.size)``, non-decreasing in ``t`` [-].
    value : float
        Objective of ``y`` (a feasible LP point) [currency].
    bound : float
        Upper bound on the LP optimum and hence on every schedule: the Lagrangian dual
        value for the Bienstock–Zuckerberg method, the LP optimum for the plain LP
        [currency].
    method : str
        ``"bz"`` or ``"highs"``.
    iterations : int
        Bienstock–Zuckerberg iterations (1 for the plain LP) [-].
    n_parts : int
        Size of the final partition of the (block, period) variables [-].
    history : pandas.DataFrame
        Per iteration: ``iteration``, ``lower`` (master LP value), ``upper`` (Lagrangian
        bound), ``n_parts``, ``seconds`` (cumulative).
    seconds : float
        Wall time [s].
    """

    blocks: np.ndarray
    y: np.ndarray
    value: float
    bound: float
    method: str
    iterations: int
    n_parts: int
    history: pd.DataFrame
    seconds: float

    def expected_period(self) -> np.ndarray:
        """LP expected mining period ``T - sum_t y[t]`` per block of ``blocks`` [period].

        Equals ``sum_t t * x[t] + T * (1 - y[T-1])`` with ``x`` the "at" variables, so a
        block the LP never mines gets ``T``. It never decreases along a precedence arc.
        """
        return self.y.shape[0] - self.y.sum(axis=0)


@dataclass(frozen=True)
class CpitCheck:
    """Independent feasibility check and value of a CPIT schedule.

    Attributes
    ----------
    feasible : bool
        No precedence or resource violation.
    precedence_violations : int
        Arcs ``(b, p)`` with ``b`` mined and ``p`` unmined or mined later [-].
    resource_violations : int
        (resource, period) pairs outside their limits beyond the tolerance [-].
    max_excess : float
        Largest violation of a resource limit, 0 when none [resource unit].
    objective : float
        Discounted value ``sum_b p_b / (1 + rate) ** period_b`` over mined blocks [currency].
    usage : numpy.ndarray
        ``(n_resources, n_periods)`` resource use [resource unit].
    value : numpy.ndarray
        ``(n_periods,)`` undiscounted block value mined per period [currency].
    """

    feasible: bool
    precedence_violations: int
    resource_violations: int
    max_excess: float
    objective: float
    usage: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class CpitSchedule:
    """A block schedule for a CPIT instance.

    Attributes
    ----------
    name : str
        Instance name.
    period : numpy.ndarray
        int64 ``(n_blocks,)`` 0-based period each block is mined in, ``-1`` if never.
    objective : float
        Discounted value, recomputed by :func:`check_cpit` [currency].
    lp : CpitLp
        The LP relaxation the schedule was rounded from; ``lp.bound`` bounds every
        schedule.
    periods : pandas.DataFrame
        One row per period: ``period``, ``blocks``, ``resource_<r>`` use,
        ``value`` (undiscounted) and ``discounted_value`` [currency].
    stages : pandas.DataFrame
        ``stage``, ``objective`` and cumulative ``seconds`` after each step (TopoSort
        candidates, pruning, local search).
    seconds : float
        Total wall time [s].
    """

    name: str
    period: np.ndarray
    objective: float
    lp: CpitLp
    periods: pd.DataFrame
    stages: pd.DataFrame
    seconds: float

    @property
    def gap(self) -> float:
        """Relative distance to the LP bound, ``1 - objective / bound`` [-]."""
        return 1.0 - self.objective / self.lp.bound if self.lp.bound else 0.0


@dataclass(frozen=True)
class Schedule:
    """A life-of-mine schedule from the phase-bench model.

    Attributes
    ----------
    periods : pandas.DataFrame
        One row per period: ``period``, ``mined_tonnes``, ``processed_tonnes``,
        ``waste_tonnes``, ``stockpile_in_tonnes``, ``stockpile_out_tonnes``,
        ``stockpile_tonnes`` (closing), grade columns of the feed (``<grade>`` as
        tonne-weighted averages), ``<grade>_oxide_tonnes`` produced (before plant
        recovery), ``cash_flow`` and ``discounted_cash_flow`` [t, %, currency].
    increments : pandas.DataFrame
        One row per (phase, bench) increment and period with a non-zero fraction:
        ``phase``, ``bench``, ``period``, ``fraction`` [-], ``tonnes`` [t].
    block_period : numpy.ndarray
        int64 ``(n_blocks,)``: period in which the larger part of the block's increment
        is mined (blocks of one increment share its period profile), ``-1`` if not mined.
    block_fraction : numpy.ndarray
        float64 ``(n_blocks, n_periods)`` fraction of each block mined per period [-].
    npv : float
        Sum of ``discounted_cash_flow`` [currency].
    status : str
        Solver status (``"optimal"`` or the HiGHS status text).
    mip_gap : float
        Relative MIP gap reported by HiGHS [-].
    """

    periods: pd.DataFrame
    increments: pd.DataFrame
    block_period: np.ndarray
    block_fraction: np.ndarray
    npv: float
    status: str
    mip_gap: float
