"""Ultimate pit: the maximum-weight closure of the precedence graph, by max flow.

Picard (1976): the closure of maximum value of a graph is the source side of a minimum
cut of the network *source → block* (capacity = positive value), *block → sink*
(capacity = −negative value) and *block → predecessor* (infinite capacity). Two
independent engines solve it behind :func:`ultimate_pit`:

* ``"mineflow"`` (default): MineFlow's pseudoflow (Deutsch, Dağdelen & Johnson 2022)
  through ``pymineflow.ExplicitPit`` (MIT), fed the CSR arrays of the
  :class:`~mine2magnet.mining.types.PrecedenceGraph` without a copy;
* ``"ortools"``: OR-Tools ``SimpleMaxFlow`` (push-relabel, Apache-2.0) on the network
  above; the pit is the source side of the minimum cut (the smallest optimal pit). It runs
  in a child worker process kept for the session, because OR-Tools 9.15 and highspy 1.15
  (used by the schedule) bundle clashing HiGHS libraries and cannot both be imported in
  one process; the arrays are sent to it (~1–2 s to start it the first time).

Integer scaling
---------------
Both engines work on int64 capacities. :func:`integer_values` scales the block values by
the smallest power of ten ``10^d`` (``d ≤ 6``) that makes every one an integer (to 1e-6)
and rounds: the scaling is then *exact* and the pit is optimal for the given values (certified for
``d = 0``, or while every scaled value is below 2^33 so that the product's own rounding
cannot fake an integer). When
no such ``d`` exists (arbitrary floats) the largest ``d ≤ 6`` is used; the pit is optimal
for the rounded values and its true value is within ``n_blocks / (2·10^d)`` of the optimum.
The sum of ``|values| × 10^d`` must stay below 2^62 so no capacity or flow can overflow;
``d`` is lowered until it does. Both engines solve the same integer problem, so their pit
values agree to the unit; their masks may differ only by sets of blocks of total value
zero (ties).
"""

from __future__ import annotations

import atexit
import pickle
import subprocess
import sys
import time
from typing import Literal

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.types import PitResult, PrecedenceGraph

__all__ = [
    "ENGINES",
    "Engine",
    "integer_values",
    "max_closure",
    "subgraph",
    "ultimate_pit",
]

Engine = Literal["mineflow", "ortools"]
ENGINES: tuple[str, ...] = ("mineflow", "ortools")
_INT_LIMIT = 2**62
_MAX_DECIMALS = 6


def integer_values(values: ArrayLike, *, max_decimals: int = _MAX_DECIMALS) -> tuple[
    NDArray[np.int64], float, bool
]:  # fmt: skip
    """Scale values to int64 for the max-flow engines.

    Parameters
    ----------
    values : array_like
        Block values (any money unit) [US$].
    max_decimals : int
        Largest power of ten tried [-].

    Returns
    -------
    ints : numpy.ndarray
        ``round(values × scale)`` [-].
    scale : float
        ``10^d`` [-].
    exact : bool
        Whether every ``values × scale`` was an integer to 1e-6.

    Raises
    ------
    DataError
        For NaN or infinite values, or values too large for int64 even unscaled.

    Examples
    --------
    >>> ints, scale, exact = integer_values([-55080.0108, 3.5])
    >>> ints.tolist(), scale, exact
    ([-550800108, 35000], 10000.0, True)
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(v)):
        raise DataError("block values must be finite numbers; NaN or inf found")
    total = float(np.abs(v).sum())
    chosen = None
    for d in range(0, max_decimals + 1):
        s = 10.0**d
        if total * s >= _INT_LIMIT:
            break
        x = v * s
        chosen = d
        # beyond 2^33 a product's own rounding (|x|·2^-53) could fake an integer
        certain = d == 0 or float(np.abs(x).max(initial=0.0)) < 2.0**33
        if certain and np.all(np.abs(x - np.rint(x)) <= 1e-6):
            return np.rint(x).astype(np.int64), s, True
    if chosen is None:
        raise DataError(
            f"block values sum to {total:.3g} in absolute value, beyond the int64 range "
            "of the max-flow engines; express them in larger units"
        )
    s = 10.0**chosen
    return np.rint(v * s).astype(np.int64), s, False


@numba.njit(cache=True, nogil=True)
def _induced(indptr, indices, keep, new_id, out_ptr, out_ind):  # pragma: no cover
    """CSR of the graph induced on ``keep`` (arcs leaving it dropped); returns arc count."""
    n = indptr.size - 1
    p = 0
    b2 = 0
    for b in range(n):
        if not keep[b]:
            continue
        for a in range(indptr[b], indptr[b + 1]):
            t = indices[a]
            if keep[t]:
                out_ind[p] = new_id[t]
                p += 1
        b2 += 1
        out_ptr[b2] = p
    return p


def subgraph(graph: PrecedenceGraph, keep: ArrayLike) -> tuple[PrecedenceGraph, NDArray[np.int64]]:
    """The graph induced on a set of blocks; arcs to blocks outside it are dropped.

    Parameters
    ----------
    graph : PrecedenceGraph
    keep : array_like
        Boolean per block.

    Returns
    -------
    sub : PrecedenceGraph
        On the kept blocks, numbered in their original order.
    ids : numpy.ndarray
        Original id of every block of ``sub``.

    Examples
    --------
    >>> g = PrecedenceGraph.from_arcs(3, [1, 2, 2], [0, 0, 1])
    >>> sub, ids = subgraph(g, [False, True, True])
    >>> ids.tolist(), sub.indices.tolist()
    ([1, 2], [0])
    """
    k = np.asarray(keep, dtype=np.bool_).ravel()
    if k.size != graph.n_blocks:
        raise DataError(f"keep has {k.size} entries for {graph.n_blocks} blocks")
    ids = np.flatnonzero(k).astype(np.int64)
    new_id = np.full(graph.n_blocks, -1, dtype=np.int64)
    new_id[ids] = np.arange(ids.size, dtype=np.int64)
    ptr = np.zeros(ids.size + 1, dtype=np.int64)
    upper = int(np.diff(graph.indptr)[k].sum()) if ids.size else 0
    ind = np.empty(upper, dtype=np.int64)
    m = _induced(graph.indptr, graph.indices, k, new_id, ptr, ind)
    return PrecedenceGraph(int(ids.size), ptr, ind[:m].copy() if m < upper else ind), ids


def _check(values: NDArray[np.int64], graph: PrecedenceGraph) -> None:
    if values.size != graph.n_blocks:
        raise DataError(f"{values.size} values for a graph of {graph.n_blocks} blocks")
    if graph.indptr.size != graph.n_blocks + 1 or graph.indptr[-1] != graph.indices.size:
        raise DataError("precedence graph: indptr must have n_blocks + 1 entries ending at n_arcs")
    if graph.indices.size and (graph.indices.min() < 0 or graph.indices.max() >= graph.n_blocks):
        raise DataError("precedence graph: predecessor ids out of range")


def _solve_mineflow(ints: NDArray[np.int64], graph: PrecedenceGraph) -> tuple[NDArray, int]:
    from pymineflow import ExplicitPit

    ptr = np.ascontiguousarray(graph.indptr, dtype=np.int64)
    ind = np.ascontiguousarray(graph.indices, dtype=np.int64)
    mask, value, _, _ = ExplicitPit.from_csr(ptr, ind, ints).solve()
    return np.asarray(mask, dtype=np.bool_), int(value)


def _ortools_network(ints: NDArray[np.int64], indptr: NDArray, indices: NDArray) -> tuple[
    NDArray[np.bool_], int
]:  # fmt: skip
    """Max closure with OR-Tools ``SimpleMaxFlow`` (runs in the OR-Tools worker process)."""
    from ortools.graph.python import max_flow

    n = ints.size
    src, snk = n, n + 1
    pos = np.flatnonzero(ints > 0)
    neg = np.flatnonzero(ints < 0)
    total_pos = int(ints[pos].sum())
    if total_pos == 0:
        return np.zeros(n, dtype=np.bool_), 0
    inf = total_pos + 1
    succ = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    # a zero-capacity source → sink arc makes both terminals exist in every network
    tails = np.concatenate([[src], np.full(pos.size, src, np.int64), neg, succ])
    heads = np.concatenate([[snk], pos, np.full(neg.size, snk, np.int64), indices])
    caps = np.concatenate([[0], ints[pos], -ints[neg], np.full(succ.size, inf, np.int64)])
    del succ
    mf = max_flow.SimpleMaxFlow()
    mf.add_arcs_with_capacity(tails, heads, caps)
    del tails, heads, caps
    status = mf.solve(src, snk)
    if status != mf.OPTIMAL:  # pragma: no cover - capacities are bounded by construction
        raise DataError(f"OR-Tools max flow failed with status {status}")
    side = np.asarray(mf.get_source_side_min_cut(), dtype=np.int64)
    mask = np.zeros(n + 2, dtype=np.bool_)
    mask[side] = True
    return mask[:n], total_pos - int(mf.optimal_flow())


class _OrToolsWorker:
    """A child Python process that imports OR-Tools and solves closures sent to it.

    OR-Tools 9.15 and highspy 1.15 each load a HiGHS library under the same SONAME but of
    different versions; in one process whichever comes second fails to import. The
    schedule uses highspy, so OR-Tools never enters the main process: requests and
    results travel as pickles over the child's stdin/stdout. The child is started with
    ``python -c`` (no re-import of the caller's ``__main__``), once per session.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from mine2magnet.mining.closure import _serve; _serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
            atexit.register(self.close)
        return self.proc

    def solve(self, ints: NDArray[np.int64], graph: PrecedenceGraph) -> tuple[NDArray, int]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            pickle.dump((ints, graph.indptr, graph.indices), proc.stdin, protocol=5)
            proc.stdin.flush()
            ok, out = pickle.load(proc.stdout)
        except (BrokenPipeError, EOFError) as exc:  # pragma: no cover - child died
            self.close()
            raise DataError(f"the OR-Tools worker process stopped: {exc}") from None
        if not ok:
            raise DataError(f"OR-Tools engine failed: {out}")
        return out

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.proc.kill()
        self.proc = None


def _serve() -> None:  # pragma: no cover - runs in the worker process
    """Worker loop: read (ints, indptr, indices) pickles, answer (ok, result) pickles."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            ints, indptr, indices = pickle.load(inp)
        except EOFError:
            return
        try:
            res: tuple[bool, object] = (True, _ortools_network(ints, indptr, indices))
        except Exception as exc:
            res = (False, f"{type(exc).__name__}: {exc}")
        pickle.dump(res, out, protocol=5)
        out.flush()


_WORKER = _OrToolsWorker()


def _solve_ortools(ints: NDArray[np.int64], graph: PrecedenceGraph) -> tuple[NDArray, int]:
    return _WORKER.solve(ints, graph)


def max_closure(
    ints: ArrayLike, graph: PrecedenceGraph, *, engine: Engine = "mineflow"
) -> tuple[NDArray[np.bool_], int]:
    """Maximum closure of integer values: ``(mask, value)``; the low-level solve.

    Parameters
    ----------
    ints : array_like
        int64 value per block [-].
    graph : PrecedenceGraph
    engine : {"mineflow", "ortools"}

    Returns
    -------
    mask : numpy.ndarray
        Boolean per block.
    value : int
        Sum of ``ints`` over the mask [-].
    """
    v = np.ascontiguousarray(np.asarray(ints, dtype=np.int64).ravel())
    _check(v, graph)
    if engine not in ENGINES:
        raise ConfigError(f"engine {engine!r} is unknown; use one of {', '.join(ENGINES)}")
    if v.size == 0:
        return np.zeros(0, dtype=np.bool_), 0
    if engine == "mineflow":
        return _solve_mineflow(v, graph)
    return _solve_ortools(v, graph)


def ultimate_pit(
    values: ArrayLike, precedence: PrecedenceGraph, *, engine: Engine = "mineflow"
) -> PitResult:
    """Ultimate pit: the closed set of blocks of maximum total value.

    Parameters
    ----------
    values : array_like
        Value of every block, mined and sent to its best destination [US$].
    precedence : PrecedenceGraph
        Block ``b`` requires its predecessors.
    engine : {"mineflow", "ortools"}
        Max-flow engine (see the module docstring).

    Returns
    -------
    PitResult

    Raises
    ------
    DataError
        For values that do not match the graph, NaN values, or a malformed graph.
    ConfigError
        For an unknown engine.

    Examples
    --------
    >>> g = PrecedenceGraph.from_arcs(3, [2, 2], [0, 1])   # block 2 under blocks 0 and 1
    >>> r = ultimate_pit([-1.0, -2.5, 4.0], g)
    >>> r.mask.tolist(), r.value, ultimate_pit([-1.0, -2.5, 4.0], g, engine="ortools").value
    ([True, True, True], 0.5, 0.5)
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine {engine!r} is unknown; use one of {', '.join(ENGINES)}")
    ints, scale, exact = integer_values(values)
    t0 = time.perf_counter()
    mask, val = max_closure(ints, precedence, engine=engine)
    seconds = time.perf_counter() - t0
    return PitResult(mask, val / scale, int(val), scale, exact, engine, seconds)
