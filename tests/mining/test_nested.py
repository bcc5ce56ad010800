"""Nested pits: nesting, optimality at every factor, both methods, and the pit-by-pit table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.closure import ultimate_pit
from mine2magnet.mining.nested import PitInputs, discounted_sequence, nested_pits
from mine2magnet.mining.types import PrecedenceGraph


def random_instance(seed: int, n: int):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(0, 3 * n))
    a = rng.integers(0, n, size=(m, 2))
    a = a[a[:, 0] != a[:, 1]]
    g = PrecedenceGraph.from_arcs(n, np.maximum(a[:, 0], a[:, 1]), np.minimum(a[:, 0], a[:, 1]))
    tonnes = rng.uniform(1.0, 10.0, n)
    mine = 2.0 * tonnes
    rich = rng.random(n) < 0.4
    revenue = np.where(rich, rng.uniform(0.0, 80.0, n) * tonnes, 0.0)
    inp = PitInputs(
        revenue_usd=revenue, ore_cost_usd=mine + 5.0 * tonnes, waste_cost_usd=mine,
        tonnes=tonnes, ore_tonnes=tonnes * 1.05, bench=-np.arange(n) // 5,
        metal={"TREO_t": np.where(rich, 0.01 * tonnes, 0.0)},
    )  # fmt: skip
    return g, inp


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 100_000),
    n=st.integers(1, 40),
    factors=st.lists(st.floats(0.05, 3.0), min_size=1, max_size=8),
    engine=st.sampled_from(["mineflow", "ortools"]),
)
def test_nested_pits_are_nested_closed_and_optimal(seed, n, factors, engine):
    g, inp = random_instance(seed, n)
    shells = nested_pits(inp, g, factors, engine=engine)
    f = shells.revenue_factors
    assert np.all(np.diff(f) > 0)
    prev = np.zeros(n, bool)
    for s in range(1, shells.n_shells + 1):
        m = shells.mask(s)
        assert np.all(m >= prev)  # nested
        assert g.violations(m) == 0  # closed
        best = ultimate_pit(inp.values(f[s - 1]), g, engine=engine).value
        assert inp.values(f[s - 1])[m].sum() == pytest.approx(best, abs=1e-4)
        assert shells.objective[s - 1] == pytest.approx(best, abs=1e-4)
        prev = m


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 40))
def test_bisection_equals_independent_solves(seed, n):
    g, inp = random_instance(seed, n)
    factors = [0.3, 0.5, 0.8, 1.0, 1.3, 1.7, 2.0]
    a = nested_pits(inp, g, factors, method="bisection")
    b = nested_pits(inp, g, factors, method="independent", engine="ortools")
    assert a.objective == pytest.approx(b.objective, abs=1e-6)
    for s in (a, b):
        assert all(np.all(s.mask(k + 1) >= s.mask(k)) for k in range(1, s.n_shells))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 40), up=st.floats(1.0, 3.0))
def test_raising_all_prices_never_shrinks_the_pit(seed, n, up):
    g, inp = random_instance(seed, n)
    lo, hi = inp.values(1.0), inp.values(up)
    # OR-Tools returns the smallest optimal pit; smallest optimal pits grow with the prices
    p_lo = ultimate_pit(lo, g, engine="ortools").mask
    p_hi = ultimate_pit(hi, g, engine="ortools").mask
    assert np.all(p_hi >= p_lo)
    # whatever the tie-break, adding the low-price pit to a high-price pit costs nothing
    q_lo = ultimate_pit(lo, g, engine="mineflow").mask
    q_hi = ultimate_pit(hi, g, engine="mineflow")
    assert hi[q_lo | q_hi.mask].sum() == pytest.approx(q_hi.value, abs=n * 1e-6)  # rounding


def test_pit_by_pit_by_hand():
    g = PrecedenceGraph.from_arcs(2, [1], [0])  # block 1 under block 0
    inp = PitInputs(
        revenue_usd=np.array([0.0, 100.0]), ore_cost_usd=np.array([10.0, 20.0]),
        waste_cost_usd=np.array([10.0, 10.0]), tonnes=np.array([10.0, 10.0]),
        ore_tonnes=np.array([0.0, 10.0]), bench=np.array([1, 0]),
        metal={"TREO_t": np.array([0.0, 0.5])},
    )  # fmt: skip
    s = nested_pits(inp, g, [1.0, 0.2], discount_rate=0.1, mining_rate_tpa=10.0)
    assert s.revenue_factors.tolist() == [0.2, 1.0]
    assert s.pit_id.tolist() == [2, 2]
    t = s.pit_by_pit
    assert t["blocks"].tolist() == [0, 2]
    r = t.iloc[1]
    assert (r.tonnes, r.ore_tonnes, r.waste_tonnes, r.strip_ratio) == (20.0, 10.0, 10.0, 1.0)
    assert r.TREO_t == 0.5 and r.value_usd == 70.0 and r.value_at_factor_usd == 70.0
    npv = -10 / 1.1 + 80 / 1.1**2
    assert r.npv_best_usd == pytest.approx(npv) and r.npv_worst_usd == pytest.approx(npv)
    assert r.life_best_years == pytest.approx(2.0)
    assert np.isnan(t.iloc[0].strip_ratio) and t.iloc[0].npv_best_usd == 0.0
    assert s.objective.tolist() == [0.0, 70.0]
    no_rates = nested_pits(inp, g, [1.0])
    assert np.isnan(no_rates.pit_by_pit["npv_best_usd"]).all()


def test_best_case_beats_worst_case_when_a_rich_shell_sits_aside():
    # two columns: a rich shallow one (shell 1) and a poorer one (shell 2)
    g = PrecedenceGraph.from_arcs(4, [1, 3], [0, 2])
    inp = PitInputs(
        revenue_usd=np.array([0.0, 200.0, 0.0, 40.0]),
        ore_cost_usd=np.array([10.0, 10.0, 10.0, 10.0]),
        waste_cost_usd=np.array([10.0, 10.0, 10.0, 10.0]),
        tonnes=np.full(4, 10.0), ore_tonnes=np.array([0, 10.0, 0, 10.0]),
        bench=np.array([1, 0, 1, 0]),
    )  # fmt: skip
    s = nested_pits(inp, g, [0.2, 1.0], discount_rate=0.1, mining_rate_tpa=10.0)
    r = s.pit_by_pit.iloc[-1]
    assert r.value_usd == pytest.approx(200.0)
    # best: waste, rich ore, waste, poor ore; worst: the top bench (both wastes), then
    # the bottom bench, its two ores mixed pro rata (110 a year)
    best = -10 / 1.1 + 190 / 1.1**2 - 10 / 1.1**3 + 30 / 1.1**4
    worst = -10 / 1.1 - 10 / 1.1**2 + 110 / 1.1**3 + 110 / 1.1**4
    assert r.npv_best_usd == pytest.approx(best)
    assert r.npv_worst_usd == pytest.approx(worst)
    assert r.npv_best_usd > r.npv_worst_usd


def test_discounted_sequence_capacities():
    # processing-limited: 20 t of ore at 10 t/y → two years, pro rata inside an item
    npv, life = discounted_sequence([20.0], [20.0], [200.0], discount_rate=0.0,
                                    processing_rate_tpa=10.0, mining_rate_tpa=None)  # fmt: skip
    assert (npv, life) == (200.0, 2.0)
    npv, life = discounted_sequence([30.0], [20.0], [200.0], discount_rate=0.1,
                                    processing_rate_tpa=10.0, mining_rate_tpa=20.0)  # fmt: skip
    assert life == pytest.approx(2.0)
    assert npv == pytest.approx(100 / 1.1 + 100 / 1.1**2)
    npv, life = discounted_sequence([15.0], [5.0], [10.0], discount_rate=0.1,
                                    processing_rate_tpa=10.0, mining_rate_tpa=10.0)  # fmt: skip
    assert life == pytest.approx(1.5)
    with pytest.raises(ConfigError):
        discounted_sequence([1.0], [1.0], [1.0], discount_rate=0.1, processing_rate_tpa=None,
                            mining_rate_tpa=None)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    cash=st.lists(st.floats(-100, 100), min_size=1, max_size=12),
    r1=st.floats(0.0, 0.3),
    dr=st.floats(0.001, 0.3),
)
def test_npv_falls_as_the_discount_rate_rises_for_positive_cash(cash, r1, dr):
    c = np.abs(np.asarray(cash)) + 1.0
    t = np.full(c.size, 7.0)
    a, _ = discounted_sequence(t, t, c, discount_rate=r1, processing_rate_tpa=10.0,
                               mining_rate_tpa=None)  # fmt: skip
    b, _ = discounted_sequence(t, t, c, discount_rate=r1 + dr, processing_rate_tpa=10.0,
                               mining_rate_tpa=None)  # fmt: skip
    assert b < a


def test_bad_arguments():
    g, inp = random_instance(1, 5)
    with pytest.raises(ConfigError, match="revenue factors"):
        nested_pits(inp, g, [])
    with pytest.raises(ConfigError, match="engine"):
        nested_pits(inp, g, [1.0], engine="x")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="method"):
        nested_pits(inp, g, [1.0], method="x")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="blocks"):
        nested_pits(PitInputs.from_values([1.0]), g, [1.0])
    with pytest.raises(DataError, match="revenue_usd"):
        PitInputs.from_values([1.0]).__class__(
            np.array([-1.0]), np.zeros(1), np.zeros(1), np.ones(1), np.ones(1), np.zeros(1)
        )


def test_from_values_splits_revenue_and_cost():
    inp = PitInputs.from_values([5.0, -2.0], tonnes=[2.0, 3.0], bench=[1, 0])
    assert inp.values(0.5).tolist() == [2.5, -2.0]
    assert inp.is_ore(1.0).tolist() == [True, False]
    assert inp.ore_tonnes.tolist() == [2.0, 0.0]
