"""PrecedenceGraph helpers and the pit result types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import DataError
from mine2magnet.mining.types import PhasePlan, PitResult, PitShells, PrecedenceGraph


def test_from_arcs_sorts_and_merges_duplicates():
    g = PrecedenceGraph.from_arcs(4, [3, 3, 1, 3, 2], [1, 0, 0, 1, 1])
    assert g.indptr.tolist() == [0, 0, 1, 2, 4]
    assert g.indices.tolist() == [0, 1, 0, 1]
    assert g.n_arcs == 4
    assert g.predecessors(3).tolist() == [0, 1]
    s, p = g.arcs()
    assert list(zip(s.tolist(), p.tolist(), strict=True)) == [(1, 0), (2, 1), (3, 0), (3, 1)]


@pytest.mark.parametrize(
    ("succ", "pred", "match"),
    [([0, 1], [1], "successors"), ([0], [5], "block ids"), ([2], [2], "requires itself")],
)
def test_from_arcs_rejects_bad_arcs(succ, pred, match):
    with pytest.raises(DataError, match=match):
        PrecedenceGraph.from_arcs(3, succ, pred)


def test_violations_count_broken_arcs():
    g = PrecedenceGraph.from_arcs(3, [2, 2, 1], [0, 1, 0])
    assert g.violations(np.array([True, True, True])) == 0
    assert g.violations(np.array([False, True, True])) == 2  # 2→0 and 1→0 broken
    assert g.violations(np.array([False, False, False])) == 0


def test_pit_result_counts_blocks():
    r = PitResult(np.array([True, False, True]), 3.5, 35, 10.0, True, "mineflow", 0.1)
    assert r.n_blocks == 2


def test_pit_shells_masks_are_cumulative():
    s = PitShells(
        revenue_factors=np.array([0.5, 1.0, 1.5]),
        pit_id=np.array([1, 2, 0, 3, 2], dtype=np.int32),
        objective=np.zeros(3),
        pit_by_pit=pd.DataFrame({"pit": [1, 2, 3]}),
    )
    assert s.n_shells == 3
    assert s.mask(1).tolist() == [True, False, False, False, False]
    assert s.mask(2).tolist() == [True, True, False, False, True]
    assert s.mask(3).tolist() == [True, True, False, True, True]
    with pytest.raises(IndexError):
        s.mask(4)
    t = s.tables()
    assert list(t) == ["pit_by_pit"]
    t["pit_by_pit"].loc[0, "pit"] = 99  # a copy: the result stays as it was
    assert s.pit_by_pit.loc[0, "pit"] == 1


def test_phase_plan_tables():
    plan = PhasePlan(np.array([1, 2], np.int32), pd.DataFrame({"phase": [1, 2]}),
                     pd.DataFrame({"phase": [1, 2], "k": [0, 0]}), 40.0)  # fmt: skip
    assert set(plan.tables()) == {"phases", "phase_widths"}


@pytest.mark.parametrize(
    "name",
    [f"mine2magnet.mining.{m}" for m in
     ("closure", "nested", "params", "phases", "slopes", "types", "value")],
)  # fmt: skip
def test_docstring_examples_run(name):
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0
