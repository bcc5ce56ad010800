"""Types shared by the mining stage: the precedence graph and pit results.

Block ids are 0-based row positions in the block table handed to the mining functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import DataError

__all__ = ["PhasePlan", "PitResult", "PitShells", "PrecedenceGraph"]


@dataclass(frozen=True)
class PrecedenceGraph:
    """Predecessor lists in CSR form: block ``b`` may be mined only after every block in
    ``indices[indptr[b]:indptr[b + 1]]`` (the blocks above it inside the slope cone).

    This is MineLib's ``.prec`` convention. ``indptr`` is int64 of length ``n_blocks + 1``;
    ``indices`` is int64 of length ``n_arcs``; no self-arcs, no duplicates per block.
    """

    n_blocks: int
    indptr: np.ndarray
    indices: np.ndarray

    @property
    def n_arcs(self) -> int:
        """Number of precedence arcs [-]."""
        return int(self.indices.size)

    def predecessors(self, b: int) -> np.ndarray:
        """Blocks that must be mined before block ``b`` [-]."""
        return self.indices[self.indptr[b] : self.indptr[b + 1]]

    def arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(successor, predecessor)`` arrays, one entry per arc."""
        succ = np.repeat(np.arange(self.n_blocks, dtype=np.int64), np.diff(self.indptr))
        return succ, self.indices

    def violations(self, mined: np.ndarray) -> int:
        """Arcs broken by a boolean pit mask (a mined block whose predecessor is not) [-]."""
        succ, pred = self.arcs()
        m = np.asarray(mined, dtype=bool)
        return int(np.count_nonzero(m[succ] & ~m[pred]))

    @classmethod
    def from_arcs(
        cls, n_blocks: int, successor: ArrayLike, predecessor: ArrayLike
    ) -> PrecedenceGraph:
        """Graph from arc lists (``successor[a]`` requires ``predecessor[a]``).

        Duplicate arcs are merged and predecessors sorted per block.

        Raises
        ------
        DataError
            For ids outside ``0..n_blocks-1``, arrays of different length or self-arcs.

        Examples
        --------
        >>> g = PrecedenceGraph.from_arcs(3, [2, 2, 1, 2], [0, 1, 0, 0])
        >>> g.indptr.tolist(), g.indices.tolist()
        ([0, 0, 1, 3], [0, 0, 1])
        """
        s = np.asarray(successor, dtype=np.int64).ravel()
        p = np.asarray(predecessor, dtype=np.int64).ravel()
        if s.size != p.size:
            raise DataError(f"{s.size} successors but {p.size} predecessors")
        if s.size and (min(s.min(), p.min()) < 0 or max(s.max(), p.max()) >= n_blocks):
            raise DataError(f"arc ends must be block ids in 0..{n_blocks - 1}")
        if np.any(s == p):
            raise DataError(f"block {int(s[s == p][0])} requires itself; drop self-arcs")
        key = np.sort(s * np.int64(n_blocks) + p)
        key = key[np.r_[True, key[1:] != key[:-1]]] if key.size else key
        s, p = key // n_blocks, key % n_blocks
        indptr = np.zeros(n_blocks + 1, dtype=np.int64)
        np.cumsum(np.bincount(s, minlength=n_blocks), out=indptr[1:])
        return cls(int(n_blocks), indptr, p.astype(np.int64))


@dataclass(frozen=True)
class PitResult:
    """An ultimate pit: the maximum-value closed set of blocks.

    Attributes
    ----------
    mask : numpy.ndarray
        Boolean per block: in the pit.
    value : float
        Pit value in the units of the block values (US$ for block models) [US$].
    value_scaled : int
        The integer objective the max-flow engine maximised [-].
    scale : float
        Integer values are ``round(values × scale)``; ``value = value_scaled / scale``.
    exact : bool
        True when every ``values × scale`` was an integer (then the pit is optimal for the
        given values exactly, not only for the rounded ones).
    engine : str
        ``"mineflow"`` or ``"ortools"``.
    seconds : float
        Max-flow time, graph building included [s].
    """

    mask: NDArray[np.bool_] = field(repr=False)
    value: float
    value_scaled: int
    scale: float
    exact: bool
    engine: str
    seconds: float

    @property
    def n_blocks(self) -> int:
        """Blocks in the pit [-]."""
        return int(np.count_nonzero(self.mask))


@dataclass(frozen=True)
class PitShells:
    """Nested pits by revenue factor.

    Attributes
    ----------
    revenue_factors : numpy.ndarray
        Increasing revenue factors [-].
    pit_id : numpy.ndarray
        Per block (int32): 1-based index of the smallest revenue-factor shell that holds
        it, 0 outside every shell. Shell ``s`` is ``1 ≤ pit_id ≤ s``.
    objective : numpy.ndarray
        Value of every shell at its own revenue factor [US$].
    pit_by_pit : pandas.DataFrame
        One row per shell: ``pit``, ``revenue_factor``, ``blocks``, ``tonnes``,
        ``ore_tonnes``, ``waste_tonnes``, ``strip_ratio``, contained tonnes of the priced
        species in ore (``<species>_t``) and ``TREO_t`` when graded, ``value_usd``
        (undiscounted at revenue factor 1), ``value_at_factor_usd``,
        ``npv_best_usd``/``life_best_years`` (pit by pit) and
        ``npv_worst_usd``/``life_worst_years`` (bench by bench).
    engine : str
        Max-flow engine used.
    seconds : float
        Time spent in the max-flow solves [s].
    """

    revenue_factors: NDArray[np.float64]
    pit_id: NDArray[np.int32] = field(repr=False)
    objective: NDArray[np.float64] = field(repr=False)
    pit_by_pit: pd.DataFrame = field(repr=False)
    engine: str = "mineflow"
    seconds: float = 0.0

    @property
    def n_shells(self) -> int:
        """Number of revenue factors (shells, possibly equal) [-]."""
        return int(self.revenue_factors.size)

    def mask(self, shell: int) -> NDArray[np.bool_]:
        """Blocks of shell ``shell`` (1-based) [-]."""
        if not 1 <= shell <= self.n_shells:
            raise IndexError(f"shell {shell} not in 1..{self.n_shells}")
        return (self.pit_id >= 1) & (self.pit_id <= shell)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables for the store (``mining__<name>``)."""
        return {"pit_by_pit": self.pit_by_pit.copy()}


@dataclass(frozen=True)
class PhasePlan:
    """Pushbacks chosen among the nested pits, with their minimum-width check.

    Attributes
    ----------
    phase : numpy.ndarray
        Per block (int32): 1-based phase, 0 outside the final pit.
    phases : pandas.DataFrame
        One row per phase: ``phase``, ``pit`` (shell closing it), ``revenue_factor``,
        ``blocks``, ``tonnes``, ``ore_tonnes``, ``waste_tonnes``, ``strip_ratio``,
        ``value_usd``, ``min_width_blocks``, ``min_width_m``, ``narrow_blocks`` (blocks
        on benches narrower than the minimum width), ``width_ok``.
    widths : pandas.DataFrame
        Per phase and bench: ``phase``, ``k``, ``elevation`` [m], ``blocks``,
        ``min_width_blocks``, ``min_width_m``, ``narrow_blocks``.
    min_width_m : float
        The minimum mining width checked [m].
    """

    phase: NDArray[np.int32] = field(repr=False)
    phases: pd.DataFrame = field(repr=False)
    widths: pd.DataFrame = field(repr=False)
    min_width_m: float = 0.0

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables for the store (``mining__<name>``)."""
        return {"phases": self.phases.copy(), "phase_widths": self.widths.copy()}
