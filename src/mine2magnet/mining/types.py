"""Types shared by the mining stage: the precedence graph and pit results.

Block ids are 0-based row positions in the block table handed to the mining functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PrecedenceGraph"]


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
