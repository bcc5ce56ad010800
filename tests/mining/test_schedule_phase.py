"""Phase-bench MIP: hand optima, brute force over bench sequences, cut-off and stockpile."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pandas as pd
import pytest

from mine2magnet.mining import schedule_phase
from mine2magnet.mining.schedule_phase import (
    PhaseScheduleParams,
    increment_table,
    schedule_phases,
)


def table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["phase", "bench", "tonnes", "value_ore", "value_waste"])


def test_one_phase_hand_optimum() -> None:
    # three 100 t benches, 100 t mined per period: top waste, then two ore benches
    blocks = table([(0, 0, 100, -40, -10), (0, 1, 100, 50, -10), (0, 2, 100, 30, -10)])
    p = PhaseScheduleParams(3, mining_capacity=100, processing_capacity=1000, discount_rate=0.1)
    s = schedule_phases(blocks, p)
    assert s.npv == pytest.approx(-10 + 50 / 1.1 + 30 / 1.21, rel=1e-9)
    assert s.block_period.tolist() == [0, 1, 2]
    np.testing.assert_allclose(s.periods["processed_tonnes"], [0, 100, 100], atol=1e-9)
    np.testing.assert_allclose(s.periods["waste_tonnes"], [100, 0, 0], atol=1e-9)
    assert s.status == "Optimal"


def test_benches_in_order_even_when_the_lower_one_pays_more() -> None:
    # bench 1 is worth far more, but bench 0 must be complete before bench 1 starts
    blocks = table([(0, 0, 100, -5, -5), (0, 1, 100, 1000, -5)])
    p = PhaseScheduleParams(2, mining_capacity=150, processing_capacity=1000, discount_rate=0.5)
    s = schedule_phases(blocks, p)
    inc = s.increments.set_index(["bench", "period"])["fraction"]
    assert inc[(0, 0)] == pytest.approx(1.0)
    assert inc[(1, 0)] == pytest.approx(0.5)  # started in the period bench 0 completed
    assert s.npv == pytest.approx(-5 + 0.5 * 1000 + 0.5 * 1000 / 1.5)


def _brute_force(blocks: pd.DataFrame, lag: int, T: int, rate: float) -> float:
    """Best value over sequences of whole increments, one per period (capacity = one
    increment), ore processed (ample plant)."""
    inc = blocks.groupby(["phase", "bench"]).agg(
        value_ore=("value_ore", "sum"), value_waste=("value_waste", "sum")
    )
    keys = list(inc.index)
    value = {k: max(inc.loc[k, "value_ore"], inc.loc[k, "value_waste"]) for k in keys}
    phases = sorted({p for p, _ in keys})
    last = {p: max(b for q, b in keys if q == p) for p in phases}

    def preds(k):
        p, b = k
        out = [(p, b - 1)] if b > 0 else []
        if p > 0:
            out.append((p - 1, min(b + lag, last[p - 1])))
        return out

    best = 0.0
    for order in itertools.permutations(keys):
        done: set = set()
        total = 0.0
        for t, k in enumerate(order[:T]):
            if any(q not in done for q in preds(k)):
                break
            done.add(k)
            total += value[k] / (1 + rate) ** t
            best = max(best, total)
    return best


@pytest.mark.parametrize("lag", [0, 1, 2])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_phases_against_brute_force(lag: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(2):
        for b in range(3):
            v = rng.uniform(-30, 60)
            rows.append((p, b, 100.0, v, min(v, -1.0) if v < 0 else -1.0))
    blocks = table(rows)
    T = 5
    p = PhaseScheduleParams(
        T, mining_capacity=100, processing_capacity=1000, discount_rate=0.15, lag=lag
    )
    s = schedule_phases(blocks, p)
    assert s.npv == pytest.approx(_brute_force(blocks, lag, T, 0.15), rel=1e-7, abs=1e-7)


def test_phase_lag_is_respected() -> None:
    # phase 1 is rich and shallow; it may start only when phase 0 has finished bench `lag`
    blocks = table(
        [(0, b, 100, -10, -10) for b in range(3)] + [(1, b, 100, 500, -10) for b in range(3)]
    )
    for lag in (0, 1, 2):
        p = PhaseScheduleParams(
            6, mining_capacity=100, processing_capacity=1000, discount_rate=0.2, lag=lag
        )
        s = schedule_phases(blocks, p)
        period = s.increments.groupby(["phase", "bench"])["period"].min()
        assert period[(1, 0)] > period[(0, lag)]
        done0 = s.increments[s.increments.phase == 0].groupby("bench")["period"].max()
        assert period[(1, 0)] >= done0[lag]


def test_variable_cut_off_sends_low_grade_to_waste_when_the_plant_is_full() -> None:
    # one increment: 50 t at margin 10 $/t and 50 t at margin 2 $/t; waste costs 1 $/t
    blocks = pd.DataFrame(
        {
            "phase": 0,
            "bench": 0,
            "tonnes": [25.0, 25.0, 25.0, 25.0],
            "value_waste": [-25.0] * 4,
            "value_ore": [-25 + 250, -25 + 250, -25 + 50, -25 + 50],
            "TREO_pct": [4.0, 4.0, 1.0, 1.0],
        }
    )
    p = PhaseScheduleParams(
        1, mining_capacity=100, processing_capacity=50, discount_rate=0.0, n_bins=2
    )
    s = schedule_phases(blocks, p, grade_columns=["TREO_pct"])
    assert s.npv == pytest.approx(-100 + 500)
    row = s.periods.iloc[0]
    assert row["processed_tonnes"] == pytest.approx(50)
    assert row["TREO_pct"] == pytest.approx(4.0)
    assert row["TREO_pct_oxide_tonnes"] == pytest.approx(2.0)
    # with one profitable bin the plant takes a mix (fixed cut-off): worse
    one = schedule_phases(blocks, PhaseScheduleParams(1, 100, 50, 0.0, n_bins=1))
    assert one.npv < s.npv - 1


def test_stockpile_defers_low_grade() -> None:
    blocks = pd.DataFrame(
        {
            "phase": 0,
            "bench": 0,
            "tonnes": [50.0, 50.0],
            "value_waste": [-50.0, -50.0],
            "value_ore": [-50 + 500, -50 + 100],  # margins 10 and 2 $/t
        }
    )
    base = dict(
        n_periods=2,
        mining_capacity=[100, 0],
        processing_capacity=50,
        discount_rate=0.1,
        n_bins=2,
    )
    without = schedule_phases(blocks, PhaseScheduleParams(**base))
    assert without.npv == pytest.approx(-100 + 500)
    p = PhaseScheduleParams(**base, stockpile_capacity=1000, rehandle_cost=0.5)
    s = schedule_phases(blocks, p)
    assert s.npv == pytest.approx(-100 + 500 + 50 * (2 - 0.5) / 1.1)
    np.testing.assert_allclose(s.periods["stockpile_in_tonnes"], [50, 0], atol=1e-9)
    np.testing.assert_allclose(s.periods["stockpile_out_tonnes"], [0, 50], atol=1e-9)
    np.testing.assert_allclose(s.periods["stockpile_tonnes"], [50, 0], atol=1e-9)
    small = schedule_phases(blocks, PhaseScheduleParams(**base, stockpile_capacity=20))
    assert small.npv == pytest.approx(-100 + 500 + 20 * 2 / 1.1)


def synthetic(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for phase in range(3):
        for bench in range(phase, phase + 5):
            for _ in range(6):
                t = rng.uniform(80, 120)
                g = rng.lognormal(0.0, 0.6)
                rows.append((phase, bench, t, t * (12 * g - 14), -2.0 * t, g))
    return pd.DataFrame(
        rows, columns=["phase", "bench", "tonnes", "value_ore", "value_waste", "TREO_pct"]
    )


def test_block_outputs_are_consistent() -> None:
    blocks = synthetic()
    p = PhaseScheduleParams(
        6, mining_capacity=2500, processing_capacity=1200, discount_rate=0.1, n_bins=3, lag=1
    )
    s = schedule_phases(blocks, p, grade_columns=["TREO_pct"])
    frac = s.block_fraction
    assert frac.shape == (len(blocks), 6)
    assert (frac.sum(axis=1) <= 1 + 1e-9).all()
    # blocks of one increment share its profile
    for _, grp in blocks.groupby(["phase", "bench"]):
        assert np.ptp(frac[grp.index.to_numpy()], axis=0).max() < 1e-12
    np.testing.assert_allclose(blocks["tonnes"].to_numpy() @ frac, s.periods["mined_tonnes"])
    assert (s.periods["mined_tonnes"] <= 2500 + 1e-6).all()
    assert (s.periods["processed_tonnes"] <= 1200 + 1e-6).all()
    assert s.npv == pytest.approx(s.periods["discounted_cash_flow"].sum())
    mined = s.block_period >= 0
    assert (frac[mined].sum(axis=1) > 0).all() and (frac[~mined].sum(axis=1) < 1e-9).all()


def test_npv_falls_as_the_discount_rate_rises() -> None:
    blocks = synthetic(1)
    npvs = [
        schedule_phases(
            blocks,
            PhaseScheduleParams(
                5, mining_capacity=3000, processing_capacity=1500, discount_rate=r, n_bins=2
            ),
        ).npv
        for r in (0.0, 0.08, 0.2)
    ]
    assert npvs[0] > npvs[1] > npvs[2] > 0


def test_increment_table_and_errors() -> None:
    blocks = synthetic()
    inc = increment_table(blocks, n_bins=2, grade_columns=["TREO_pct"])
    assert inc["tonnes"].sum() == pytest.approx(blocks["tonnes"].sum())
    assert set(inc["bin"]) <= {0, 1, 2}
    metal = (inc["TREO_pct"] * inc["tonnes"]).sum()
    assert metal == pytest.approx((blocks["TREO_pct"] * blocks["tonnes"]).sum())
    with pytest.raises(ValueError, match="lacks columns"):
        schedule_phases(blocks.drop(columns="value_ore"), PhaseScheduleParams(2, 1, 1, 0.1))
    with pytest.raises(ValueError, match="non-negative"):
        schedule_phases(blocks, PhaseScheduleParams(2, -1, 1, 0.1))


def test_docstring_examples() -> None:
    assert doctest.testmod(schedule_phase, optionflags=doctest.ELLIPSIS).failed == 0
