"""Block economics: the value formula by hand, the optimisation grid (fill, air, padding)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.blockmodel.grid import BlockGrid, BlockModel, Topography
from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.params import mining_params
from mine2magnet.mining.value import AIR, BlockEconomics, auto_pad_cells, block_values

ECON = BlockEconomics(
    prices_usd_kg={"Nd2O3": 100.0, "CeO2": 2.0, "Dy2O3": 300.0},
    recovery={"Nd2O3": 0.8, "CeO2": 0.5, "Dy2O3": 0.5},
    payable=0.9, selling_cost_usd_kg=1.0, royalty=0.05, mining_cost_usd_t=2.0,
    mining_cost_increment_usd_t=0.5, processing_cost_usd_t=20.0, dilution=0.1,
    mining_recovery=0.95,
)  # fmt: skip


def model(rotation: float = 0.0) -> BlockModel:
    """3 × 1 × 3 grid, 10 m blocks from z = 100; rows only in column i = 1."""
    rows = [
        {"i": 1, "j": 0, "k": 0, "domain": "ORE", "volume_fraction": 1.0, "density_t_m3": 3.0,
         "tonnes": 3000.0, "Nd2O3_pct": 2.0, "CeO2_pct": 4.0},
        {"i": 1, "j": 0, "k": 1, "domain": "HOST", "volume_fraction": 1.0,
         "density_t_m3": 2.5, "tonnes": 2500.0, "Nd2O3_pct": np.nan, "CeO2_pct": np.nan},
        {"i": 1, "j": 0, "k": 2, "domain": "ORE", "volume_fraction": 0.5, "density_t_m3": 3.0,
         "tonnes": 1500.0, "Nd2O3_pct": 1.0, "CeO2_pct": 0.0},
        {"i": 1, "j": 0, "k": 2, "domain": "HOST", "volume_fraction": 0.25,
         "density_t_m3": 2.5, "tonnes": 625.0, "Nd2O3_pct": np.nan, "CeO2_pct": np.nan},
    ]  # fmt: skip
    return BlockModel((0.0, 0.0, 100.0), (10.0, 10.0, 10.0), (3, 1, 3), rotation,
                      pd.DataFrame(rows), ("Nd2O3_pct", "CeO2_pct"))  # fmt: skip


def cell(bv, i, j, k):
    t = bv.table
    r = t[(t.i == i) & (t.j == j) & (t.k == k)]
    assert len(r) == 1
    return r.iloc[0]


def test_value_formula_by_hand():
    bv = block_values(model(), ECON)
    assert bv.species == ("Nd2O3_pct", "CeO2_pct") and bv.unpriced == ("Dy2O3_pct",)
    assert bv.reference_elevation_m == 130.0
    c = cell(bv, 1, 0, 0)
    net_nd = 0.8 * 0.9 * 99.0 * 0.95
    net_ce = 0.5 * 0.9 * 1.0 * 0.95
    R = 1000 * 0.95 * (60.0 * net_nd + 120.0 * net_ce)
    assert c.revenue_usd == pytest.approx(R)
    assert c.mining_cost_usd == pytest.approx(3000 * (2.0 + 0.5 * 2))  # two benches down
    assert c.processing_cost_usd == pytest.approx(3000 * 0.95 * 1.1 * 20.0)
    assert c.value_usd == pytest.approx(R - 3000 * 0.95 * 1.1 * 20.0 - 9000.0)
    assert c.destination == "process" and c.ore_tonnes == pytest.approx(3135.0)
    assert c.Nd2O3_t == pytest.approx(57.0) and c.CeO2_t == pytest.approx(114.0)
    h = cell(bv, 1, 0, 1)
    assert h.destination == "waste" and h.value_usd == pytest.approx(-2500 * 2.5)
    # the mixed top cell: host dilutes the ore; its missing quarter is air (column rule)
    m = cell(bv, 1, 0, 2)
    assert m.tonnes == pytest.approx(2125.0) and m.fill_fraction == 0.0
    assert m.domain == "ORE"
    R2 = 1000 * 0.95 * 15.0 * net_nd
    assert m.value_usd == pytest.approx(R2 - 2125 * 1.045 * 20.0 - 2125 * 2.0)
    assert bv.values(1.0, rows=[m.name]).tolist() == pytest.approx([m.value_usd])
    # revenue factor: value never falls as the factor rises; destinations re-chosen
    v0, v1, v2 = bv.values(0.0), bv.values(1.0), bv.values(2.0)
    assert np.all(v0 <= v1) and np.all(v1 <= v2)
    assert v0[c.name] == pytest.approx(-9000.0)


def test_cells_without_rows_are_host_waste_below_the_column_top():
    bv = block_values(model(), ECON)
    for k in range(3):  # the empty columns take the ground of the nearest column
        e = cell(bv, 0, 0, k)
        assert e.domain == "HOST" and e.fill_fraction == 1.0
        assert e.tonnes == pytest.approx(2500.0) and e.destination == "waste"
    assert not bv.table["air"].any()


def test_topography_sets_ground_air_and_raises_the_grid():
    flat = Topography(np.array([[-50, -50, 125.0], [50, -50, 125], [-50, 50, 125], [50, 50, 125]]))
    bv = block_values(model(), ECON, topography=flat)
    assert bv.raised == 0
    assert cell(bv, 0, 0, 2).fill_fraction == pytest.approx(0.5)
    assert cell(bv, 1, 0, 2).tonnes == pytest.approx(2125.0)  # straddling: rows as given
    high = Topography(np.array([[-50, -50, 145.0], [50, -50, 145], [-50, 50, 145],
                                [50, 50, 145]]))  # fmt: skip
    bv = block_values(model(), ECON, topography=high)
    assert bv.raised == 2 and bv.grid.counts == (3, 1, 5)
    assert cell(bv, 0, 0, 3).fill_fraction == 1.0
    assert cell(bv, 0, 0, 4).fill_fraction == pytest.approx(0.5)
    # the data top cell is now wholly underground: its uncoded quarter is host rock
    assert cell(bv, 1, 0, 2).tonnes == pytest.approx(2125.0 + 0.25 * 2500.0)
    assert bv.reference_elevation_m == 150.0
    low = Topography(np.array([[-50, -50, 105.0], [50, -50, 105], [-50, 50, 105],
                               [50, 50, 105]]))  # fmt: skip
    bv = block_values(model(), ECON, topography=low)
    air = cell(bv, 0, 0, 2)
    assert air.air and air.domain == AIR and air.tonnes == 0 and air.value_usd == 0
    assert air.destination == "air"


def test_rotated_grid_ground_follows_the_topography_at_column_centres():
    pts = np.array([[x, y, 100.0 + 0.1 * x] for x in (-100, 100) for y in (-100, 100)])
    topo = Topography(pts)
    bv = block_values(model(rotation=30.0), ECON, topography=topo, pad_cells=1)
    t = bv.table
    assert np.allclose(t["ground_m"], 100.0 + 0.1 * t["easting"])
    g = bv.grid
    assert g.rotation_deg == 30.0 and g.counts == (5, 3, 3)


def test_padding_keeps_values_and_shifts_indices():
    a = block_values(model(), ECON)
    b = block_values(model(), ECON, pad_cells=2)
    assert b.pad == 2 and b.grid.counts == (7, 5, 3)
    assert b.grid.origin == pytest.approx((-20.0, -20.0, 100.0))
    ca, cb = cell(a, 1, 0, 0), cell(b, 3, 2, 0)
    assert cb.value_usd == pytest.approx(ca.value_usd)
    assert (cb.easting, cb.northing) == pytest.approx((ca.easting, ca.northing))
    assert cell(b, 0, 0, 0).tonnes == pytest.approx(2500.0)


def test_include_rows_turns_excluded_grades_into_waste():
    keep = np.array([False, True, True, True])
    bv = block_values(model(), ECON, include_rows=keep)
    c = cell(bv, 1, 0, 0)
    assert c.revenue_usd == 0 and c.destination == "waste" and c.tonnes == 3000.0


def test_fill_parameters_and_summary():
    bv = block_values(model(), ECON, fill_domain="WASTE", fill_density_t_m3=2.0)
    e = cell(bv, 2, 0, 0)
    assert e.domain == "WASTE" and e.tonnes == pytest.approx(2000.0)
    s = bv.summary()
    assert set(s["destination"]) <= {"process", "waste", "air"}
    assert s["tonnes"].sum() == pytest.approx(bv.table["tonnes"].sum())


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), pad=st.integers(0, 2))
def test_tonnes_are_conserved(seed, pad):
    rng = np.random.default_rng(seed)
    nx, ny, nz = 4, 3, 4
    rows = []
    for k in range(nz):
        for j in range(ny):
            for i in range(nx):
                if rng.random() < 0.3:
                    continue
                vf = float(rng.choice([1.0, 0.5]))
                rows.append({"i": i, "j": j, "k": k, "domain": "A", "volume_fraction": vf,
                             "density_t_m3": 2.7, "tonnes": 2700.0 * vf,
                             "Nd2O3_pct": float(rng.random())})  # fmt: skip
    if not rows:
        return
    table = pd.DataFrame(rows)
    bm = BlockModel((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (nx, ny, nz), 0.0, table, ())
    before = table.copy()
    bv = block_values(bm, ECON, pad_cells=pad, fill_domain="H", fill_density_t_m3=2.0)
    pd.testing.assert_frame_equal(table, before)  # the input is not modified
    t = bv.table
    fill_t = (t["fill_fraction"] * 1000.0 * 2.0).sum()
    assert t["tonnes"].sum() == pytest.approx(table["tonnes"].sum() + fill_t)
    assert t["Nd2O3_t"].sum() == pytest.approx((table.tonnes * table.Nd2O3_pct).sum() / 100 * 0.95)
    assert np.all(t["fill_fraction"].between(0, 1))


def test_economics_validation_and_params():
    with pytest.raises(ConfigError, match="no recovery"):
        BlockEconomics({"Nd2O3": 1.0}, {})
    with pytest.raises(ConfigError, match="royalty"):
        BlockEconomics({"Nd2O3": 1.0}, {"Nd2O3": 1.0}, royalty=2.0)
    with pytest.raises(ConfigError, match="factor"):
        ECON.with_price_factor(0.0)
    e = BlockEconomics.from_params(mining_params({"recovery_pct": {"CeO2": 30.0}}))
    assert e.recovery["CeO2_pct"] == pytest.approx(0.30)
    assert e.recovery["Nd2O3_pct"] == pytest.approx(0.45)
    assert e.royalty == pytest.approx(0.0375) and e.mining_recovery == pytest.approx(0.95)
    up = e.with_price_factor(1.3)
    assert up.prices_usd_kg["Nd2O3_pct"] == pytest.approx(143.0)
    assert e.prices_usd_kg["Nd2O3_pct"] == 110.0


def test_bad_block_models():
    bad = model()
    t = bad.table.drop(columns=["volume_fraction"])
    with pytest.raises(DataError, match="volume_fraction"):
        block_values(BlockModel(bad.origin, bad.block_size, bad.counts, 0.0, t), ECON)
    t = bad.table.copy()
    t.loc[0, "i"] = 7
    with pytest.raises(DataError, match="outside"):
        block_values(BlockModel(bad.origin, bad.block_size, bad.counts, 0.0, t), ECON)
    with pytest.raises(ConfigError, match="pad_cells"):
        block_values(model(), ECON, pad_cells=-1)


def test_auto_pad():
    g = BlockGrid((0, 0, 0), (10, 10, 15), (5, 5, 4))
    assert auto_pad_cells(g, 45.0) == 6
    assert auto_pad_cells(g, 45.0, raised=2) == 9
    with pytest.raises(ConfigError):
        auto_pad_cells(g, 0.0)
