"""Ultimate pit = brute force over every closed set = the LP of the closure (HiGHS).

The closure polytope ``{0 ≤ x ≤ 1, x_s ≤ x_p for every arc}`` is integral (its constraint
matrix is totally unimodular), so the LP optimum equals the best closed set: an oracle
independent of max-flow. Small graphs are also enumerated exhaustively.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.mining.closure import ultimate_pit
from mine2magnet.mining.types import PrecedenceGraph

highspy = pytest.importorskip("highspy")

ENGINES = ("mineflow", "ortools")


def random_dag(rng: np.random.Generator, n: int, density: float) -> PrecedenceGraph:
    m = int(density * n)
    a = rng.integers(0, n, size=(m, 2))
    a = a[a[:, 0] != a[:, 1]]
    return PrecedenceGraph.from_arcs(n, np.maximum(a[:, 0], a[:, 1]), np.minimum(a[:, 0], a[:, 1]))


def closed(mask: tuple[bool, ...], arcs: list[tuple[int, int]]) -> bool:
    """Plain-Python check: every mined block's predecessors are mined."""
    return all(mask[p] for s, p in arcs if mask[s])


def brute_force(values: np.ndarray, g: PrecedenceGraph) -> float:
    s, p = g.arcs()
    arcs = list(zip(s.tolist(), p.tolist(), strict=True))
    best = 0.0
    for mask in product((False, True), repeat=g.n_blocks):
        if closed(mask, arcs):
            best = max(best, float(values[list(mask)].sum()) if any(mask) else 0.0)
    return best


def lp_closure(values: np.ndarray, g: PrecedenceGraph) -> float:
    n = g.n_blocks
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -np.asarray(values, dtype=float))
    s, p = g.arcs()
    if s.size:
        m = s.size
        starts = np.arange(0, 2 * m, 2, dtype=np.int32)
        idx = np.column_stack([s, p]).ravel().astype(np.int32)
        val = np.tile([1.0, -1.0], m)
        h.addRows(m, np.full(m, -highspy.kHighsInf), np.zeros(m), 2 * m, starts, idx, val)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return -float(h.getInfo().objective_function_value)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 11), density=st.floats(0.0, 3.0))
def test_tiny_pits_equal_brute_force_and_lp(seed, n, density):
    rng = np.random.default_rng(seed)
    g = random_dag(rng, n, density)
    values = np.round(rng.normal(-1.0, 5.0, n), 2)
    want = brute_force(values, g)
    assert lp_closure(values, g) == pytest.approx(want, abs=1e-7)
    s, p = g.arcs()
    arcs = list(zip(s.tolist(), p.tolist(), strict=True))
    for engine in ENGINES:
        r = ultimate_pit(values, g, engine=engine)
        assert r.exact
        assert r.value == pytest.approx(want, abs=1e-9)
        assert closed(tuple(r.mask.tolist()), arcs)
        assert g.violations(r.mask) == 0
        assert float(values[r.mask].sum()) == pytest.approx(r.value, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_larger_pits_equal_the_lp(seed):
    rng = np.random.default_rng(100 + seed)
    n = 400
    g = random_dag(rng, n, 4.0)
    values = np.round(rng.normal(-2.0, 10.0, n), 3)
    want = lp_closure(values, g)
    got = [ultimate_pit(values, g, engine=e) for e in ENGINES]
    assert got[0].value_scaled == got[1].value_scaled  # the engines agree to the unit
    for r in got:
        assert r.value == pytest.approx(want, abs=1e-6)
        assert g.violations(r.mask) == 0
