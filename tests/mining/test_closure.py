"""Ultimate pit: integer scaling, both engines, edge cases, sub-graphs."""

from __future__ import annotations

import numpy as np
import pytest

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.closure import integer_values, max_closure, subgraph, ultimate_pit
from mine2magnet.mining.types import PrecedenceGraph

ENGINES = ("mineflow", "ortools")


def test_integer_values_exact_scaling():
    ints, scale, exact = integer_values([1.0, -2.0, 3.0])
    assert ints.tolist() == [1, -2, 3] and scale == 1.0 and exact
    ints, scale, exact = integer_values([0.25, -1.5])
    assert ints.tolist() == [25, -150] and scale == 100.0 and exact


def test_integer_values_inexact_uses_the_largest_safe_power():
    ints, scale, exact = integer_values([1.0 / 3.0, -2.0 / 3.0])
    assert scale == 1e6 and not exact
    assert ints.tolist() == [333333, -666667]
    # huge values: fewer decimals so that the sum of |values| stays below 2^62
    ints, scale, exact = integer_values([1e15 / 3.0, -1.0])
    assert scale == 1e4 and not exact and np.abs(ints).sum() < 2**62


def test_integer_values_rejects_nan_and_overflow():
    with pytest.raises(DataError, match="finite"):
        integer_values([1.0, np.nan])
    with pytest.raises(DataError, match="int64"):
        integer_values([1e19, -1e19])


@pytest.mark.parametrize("engine", ENGINES)
def test_small_pit_by_hand(engine):
    # a 2-D section: row 0 (top) blocks 0..4, row 1 blocks 5..7 under 1..3, block 8 under 6
    succ = [5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8]
    pred = [0, 1, 2, 1, 2, 3, 2, 3, 4, 5, 6, 7]
    g = PrecedenceGraph.from_arcs(9, succ, pred)
    v = np.array([-1, -1, -1, -1, -1, -2, 1, -2, 10.0])
    r = ultimate_pit(v, g, engine=engine)
    assert r.value == pytest.approx(10 + 1 - 2 - 2 - 5)
    assert r.mask.tolist() == [True] * 9
    assert g.violations(r.mask) == 0
    v[8] = 5.0
    r = ultimate_pit(v, g, engine=engine)
    assert r.value == pytest.approx(0.0) and not r.mask[8]  # 5 does not pay for 5 + 5
    assert r.engine == engine and r.seconds >= 0 and r.exact and r.scale == 1.0


@pytest.mark.parametrize("engine", ENGINES)
def test_degenerate_graphs(engine):
    empty = PrecedenceGraph(0, np.zeros(1, np.int64), np.zeros(0, np.int64))
    assert ultimate_pit([], empty, engine=engine).value == 0.0
    free = PrecedenceGraph(3, np.zeros(4, np.int64), np.zeros(0, np.int64))
    r = ultimate_pit([2.0, -1.0, 0.5], free, engine=engine)
    assert r.value == 2.5 and r.mask[[0, 2]].all() and not r.mask[1]
    assert ultimate_pit([-1.0, -1.0, -3.0], free, engine=engine).n_blocks == 0
    r = ultimate_pit([1.0, 1.0, 3.0], free, engine=engine)
    assert r.n_blocks == 3 and r.value == 5.0


def test_engines_agree_to_the_unit_on_random_graphs():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(5, 200))
        m = int(rng.integers(0, 4 * n))
        a = rng.integers(0, n, size=(m, 2))
        a = a[a[:, 0] != a[:, 1]]
        lo, hi = np.minimum(a[:, 0], a[:, 1]), np.maximum(a[:, 0], a[:, 1])
        g = PrecedenceGraph.from_arcs(n, hi, lo)  # acyclic: blocks require lower ids
        v = np.round(rng.normal(-1, 4, n), 3)
        r1 = ultimate_pit(v, g, engine="mineflow")
        r2 = ultimate_pit(v, g, engine="ortools")
        assert r1.value_scaled == r2.value_scaled
        assert g.violations(r1.mask) == 0 and g.violations(r2.mask) == 0
        assert v[r1.mask].sum() == pytest.approx(r1.value)


def test_bad_inputs():
    g = PrecedenceGraph.from_arcs(2, [1], [0])
    with pytest.raises(DataError, match="2 blocks"):
        ultimate_pit([1.0], g)
    with pytest.raises(ConfigError, match="engine"):
        ultimate_pit([1.0, 2.0], g, engine="pseudoflow")  # type: ignore[arg-type]
    bad = PrecedenceGraph(2, np.array([0, 1, 1]), np.array([5]))
    with pytest.raises(DataError, match="out of range"):
        max_closure([1, 2], bad)


def test_subgraph_drops_arcs_leaving_the_set():
    g = PrecedenceGraph.from_arcs(5, [2, 2, 3, 4, 4], [0, 1, 2, 3, 0])
    sub, ids = subgraph(g, np.array([False, True, True, True, False]))
    assert ids.tolist() == [1, 2, 3]
    s, p = sub.arcs()
    assert list(zip(ids[s].tolist(), ids[p].tolist(), strict=True)) == [(2, 1), (3, 2)]
    with pytest.raises(DataError):
        subgraph(g, [True])


def test_inputs_are_not_modified():
    g = PrecedenceGraph.from_arcs(3, [2, 2], [0, 1])
    v = np.array([-1.0, -2.5, 4.0])
    ptr, ind = g.indptr.copy(), g.indices.copy()
    for e in ENGINES:
        ultimate_pit(v, g, engine=e)
    assert v.tolist() == [-1.0, -2.5, 4.0]
    assert np.array_equal(ptr, g.indptr) and np.array_equal(ind, g.indices)
