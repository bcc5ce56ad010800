"""Phases, the minimum-width check, and the pit-optimisation driver end to end."""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.blockmodel.grid import BlockGrid, BlockModel, Topography
from mine2magnet.errors import ConfigError
from mine2magnet.mining.closure import ultimate_pit
from mine2magnet.mining.nested import PitInputs, nested_pits
from mine2magnet.mining.params import SlopeParams
from mine2magnet.mining.phases import min_width_check, optimise_pit, select_phases
from mine2magnet.mining.slopes import block_precedence
from mine2magnet.mining.types import PrecedenceGraph
from mine2magnet.mining.value import BlockEconomics, block_values


def test_min_width_by_hand():
    g = BlockGrid((0, 0, 0), (10, 10, 10), (8, 6, 2))
    ph = np.zeros((2, 6, 8), np.int32)
    ph[0, :, :4] = 1  # bench 0: a 4 × 6 block of phase 1 …
    ph[0, :, 4] = 2  # … and a one-block-wide strip of phase 2
    ph[1, 1:4, 1:4] = 1  # bench 1: a 3 × 3 square
    ph[1, 0, 0] = 2
    w = min_width_check(ph.ravel(), g, 30.0)
    r = {(int(a), int(b)): row for a, b, row in zip(w.phase, w.k, w.itertuples(), strict=True)}
    assert r[(1, 0)].min_width_blocks == 3 and r[(1, 0)].narrow_blocks == 0  # capped at 30 m
    assert r[(1, 1)].min_width_m == 30.0 and r[(1, 1)].blocks == 9
    assert r[(2, 0)].min_width_blocks == 1 and r[(2, 0)].narrow_blocks == 6
    per = w.attrs["per_phase"].set_index("phase")
    assert per.loc[1, "min_width_blocks"] == 3 and per.loc[2, "narrow_blocks"] == 7
    # an L-shaped region: the corner arm one block wide is narrow
    ph = np.zeros((1, 6, 8), np.int32)
    ph[0, 0:3, 0:3] = 1
    ph[0, 0, 3:8] = 1
    w = min_width_check(ph.ravel(), BlockGrid((0, 0, 0), (10, 10, 10), (8, 6, 1)), 30.0)
    assert w.iloc[0].narrow_blocks == 5 and w.iloc[0].min_width_blocks == 1
    with pytest.raises(ConfigError):
        min_width_check(ph.ravel(), g, 0.0)


def _shells(tonnes_per_shell):
    n = len(tonnes_per_shell)
    g = PrecedenceGraph(n, np.zeros(n + 1, np.int64), np.zeros(0, np.int64))
    # block b pays from factor (b + 1) / n on: shell s holds blocks 0 … s − 1
    inp = PitInputs(
        revenue_usd=np.full(n, 10.0), ore_cost_usd=10.0 * (np.arange(n) + 1) / n - 1e-3,
        waste_cost_usd=np.zeros(n), tonnes=np.asarray(tonnes_per_shell, float),
        ore_tonnes=np.asarray(tonnes_per_shell, float), bench=np.zeros(n, np.int64),
    )  # fmt: skip
    f = (np.arange(n) + 1) / n
    return nested_pits(inp, g, f), inp


def test_select_phases_by_count_and_by_tonnes():
    shells, inp = _shells([10, 10, 10, 10, 10, 10, 10, 10])
    assert shells.pit_id.tolist() == [1, 2, 3, 4, 5, 6, 7, 8]
    phase, closing = select_phases(shells, inp.tonnes, count=4)
    assert closing == [2, 4, 6, 8]
    assert phase.tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    phase, closing = select_phases(shells, inp.tonnes, target_tonnes=30.0)
    assert closing == [3, 6, 8]
    phase, closing = select_phases(shells, inp.tonnes, count=3, final_revenue_factor=0.5)
    assert closing[-1] == 4 and phase[4:].tolist() == [0, 0, 0, 0]
    phase, closing = select_phases(shells, inp.tonnes, count=20)
    assert closing == [1, 2, 3, 4, 5, 6, 7, 8]  # never more phases than shells
    with pytest.raises(ConfigError):
        select_phases(shells, inp.tonnes, count=None)


# ---------------------------------------------------------------------- end to end


def ore_body_model(rotation: float = 0.0) -> BlockModel:
    """14 × 10 × 8 blocks of 10 m; an ore lens in the middle, host rock around it."""
    nx, ny, nz = 14, 10, 8
    rows = []
    for k, j, i in product(range(nz), range(ny), range(nx)):
        d = ((i - 6.5) / 4) ** 2 + ((j - 4.5) / 3) ** 2 + ((k - 4) / 2.5) ** 2
        ore = d < 1.0
        rows.append({
            "i": i, "j": j, "k": k, "domain": "ORE" if ore else "HOST",
            "volume_fraction": 1.0, "density_t_m3": 2.8 if ore else 2.5,
            "tonnes": 2800.0 if ore else 2500.0,
            "Nd2O3_pct": 0.3 + 0.5 * (1 - d) if ore else np.nan,
            "CeO2_pct": 1.0 if ore else np.nan,
        })  # fmt: skip
    return BlockModel((1000.0, 2000.0, 300.0), (10.0, 10.0, 10.0), (nx, ny, nz), rotation,
                      pd.DataFrame(rows), ("Nd2O3_pct", "CeO2_pct"))  # fmt: skip


PARAMS = {
    "prices_usd_kg": {"Nd2O3": 60.0, "CeO2": 1.5},
    "processing_cost_usd_t": 25.0,
    "revenue_factors": {"start": 0.4, "stop": 1.6, "step": 0.2},
    "processing_rate_tpa": 100_000.0,
    "phases": {"count": 3, "min_width_m": 30.0},
    "slopes": {"max_benches": 4},
}


@pytest.fixture(scope="module")
def result():
    return optimise_pit(ore_body_model(), PARAMS)


def test_optimise_pit_is_consistent(result):
    r = result
    g = r.precedence.graph
    v = r.values.values(1.0, rows=r.precedence.rows)
    assert r.pit.value == pytest.approx(v[r.pit.mask].sum(), rel=1e-9)
    assert r.pit.value > 0 and r.pit.n_blocks > 0
    assert g.violations(r.pit.mask) == 0
    succ, pred = g.arcs()
    m = r.pit.mask
    assert all(m[p] for s, p in zip(succ.tolist(), pred.tolist(), strict=True) if m[s])
    # the shell at revenue factor 1 is worth the ultimate pit
    f = r.shells.revenue_factors
    s1 = int(np.flatnonzero(np.isclose(f, 1.0))[0]) + 1
    assert r.shells.objective[s1 - 1] == pytest.approx(r.pit.value, rel=1e-9)
    # higher prices: the RPEEE shell is worth at least the pit at those prices
    assert r.rpeee.value >= r.pit.value
    # phases split the final pit (the shell at factor 1) and nothing else
    final = r.shells.mask(s1)
    assert np.array_equal(r.phases.phase > 0, final)
    ph = r.phases.phases
    assert ph["tonnes"].sum() == pytest.approx(r.values.table["tonnes"].to_numpy()[
        r.precedence.rows][final].sum())  # fmt: skip
    assert ph["phase"].tolist() == list(range(1, len(ph) + 1))
    assert {"min_width_m", "narrow_blocks", "width_ok"} <= set(ph.columns)


def test_optimise_pit_tables(result):
    t = result.tables()
    assert set(t) == {"pit_summary", "pit_blocks", "pit_by_pit", "phases", "phase_widths",
                      "slope_zones", "slope_errors", "block_value_summary"}  # fmt: skip
    b = t["pit_blocks"]
    assert b["in_final_pit"].sum() == result.pit.n_blocks - int(
        result.values.table["air"].to_numpy()[result.precedence.rows][result.pit.mask].sum()
    )
    inside = b[b["in_block_model"]]
    assert inside["i"].between(0, 13).all() and inside["j"].between(0, 9).all()
    assert (~b["in_block_model"]).any()  # the pit walls reach into the padding
    pp = t["pit_by_pit"]
    assert {"npv_best_usd", "npv_worst_usd", "Nd2O3_t", "TREO_t"} - set(pp.columns) == {"TREO_t"}
    assert (pp["tonnes"].diff().dropna() >= 0).all()


def test_engines_agree_on_the_driver():
    p = dict(PARAMS, engine="ortools")
    a = optimise_pit(ore_body_model(), PARAMS)
    b = optimise_pit(ore_body_model(), p)
    assert a.pit.value_scaled == b.pit.value_scaled
    assert a.shells.objective == pytest.approx(b.shells.objective, rel=1e-12)


def test_rotated_model_with_topography():
    pts = np.array([[x, y, 378.0 + 0.05 * (x - 1000)] for x in (800, 1400) for y in (1800, 2400)])
    r = optimise_pit(ore_body_model(rotation=-30.0), PARAMS, topography=Topography(pts))
    assert r.values.grid.rotation_deg == -30.0
    assert r.values.raised >= 1  # the ground is above the block model's top (380 m)
    assert r.pit.value > 0 and r.precedence.graph.violations(r.pit.mask) == 0


@settings(max_examples=8, deadline=None)
@given(up=st.floats(1.0, 3.0), seed=st.integers(0, 1000))
def test_raising_all_prices_never_shrinks_the_block_model_pit(up, seed):
    bm = ore_body_model()
    rng = np.random.default_rng(seed)
    t = bm.table.copy()
    t["Nd2O3_pct"] = t["Nd2O3_pct"] * rng.uniform(0.5, 1.5, len(t))  # NaN stays NaN
    bm = BlockModel(bm.origin, bm.block_size, bm.counts, 0.0, t, bm.grade_columns)
    econ = BlockEconomics({"Nd2O3": 60.0, "CeO2": 1.5}, {"Nd2O3": 0.8, "CeO2": 0.5},
                          processing_cost_usd_t=25.0)  # fmt: skip
    bv = block_values(bm, econ, pad_cells=6)
    sp = block_precedence(bv, SlopeParams(max_benches=4))
    lo = ultimate_pit(bv.values(1.0, rows=sp.rows), sp.graph, engine="ortools")
    up_bv = block_values(bm, econ.with_price_factor(up), pad_cells=6)
    hi = ultimate_pit(up_bv.values(1.0, rows=sp.rows), sp.graph, engine="ortools")
    assert hi.value >= lo.value
    assert np.all(hi.mask >= lo.mask)  # the smallest optimal pits are nested
