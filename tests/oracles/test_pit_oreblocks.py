"""Ultimate pits of ``oreblocks`` synthetic instances match their stamped exact optimum.

``oreblocks.make_twin`` (MIT) generates a seeded deposit, its block values and slope
precedence, and solves the closure with its own exact max-flow: the stamped optimum. Our
pit, on the same values and arcs, must reach it to the rounding bound of the integer
scaling (``n / (2 · scale)``, here < 0.01 US$) with both engines, and be closed (checked
with ``PrecedenceGraph.violations`` and in plain Python).
"""

from __future__ import annotations

import numpy as np
import pytest

from mine2magnet.mining.closure import ultimate_pit
from mine2magnet.mining.types import PrecedenceGraph

ob = pytest.importorskip("oreblocks")

CASES = [(a, s) for a in ("porphyry", "vein", "layered", "core_halo") for s in (1, 7)]


@pytest.mark.parametrize(("archetype", "seed"), CASES)
def test_stamped_optimum_is_reproduced(archetype, seed):
    tw = ob.make_twin(archetype, (16, 12, 9), seed=seed)
    n = tw.values.size
    g = PrecedenceGraph(
        n, np.asarray(tw.precedence.pstart, np.int64), np.asarray(tw.precedence.plist, np.int64)
    )
    stamped = float(tw.upit.pit_value)
    # the stamp is the value of its own pit
    assert float(tw.values[tw.upit.in_pit].sum()) == pytest.approx(stamped, rel=1e-12)
    succ, pred = g.arcs()
    arcs = list(zip(succ.tolist(), pred.tolist(), strict=True))
    values = []
    for engine in ("mineflow", "ortools"):
        r = ultimate_pit(tw.values, g, engine=engine)
        bound = n * 0.5 / r.scale + 1e-9 * abs(stamped)
        assert abs(r.value - stamped) <= bound
        assert abs(float(tw.values[r.mask].sum()) - stamped) <= bound
        assert g.violations(r.mask) == 0
        m = r.mask.tolist()
        assert all(m[p] for s, p in arcs if m[s])
        values.append(r.value_scaled)
    assert values[0] == values[1]
