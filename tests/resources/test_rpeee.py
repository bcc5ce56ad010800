"""RPEEE: NSR, depth below topography, column strip ratio, pit shell, the mask."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.blockmodel.grid import Topography
from mine2magnet.errors import ConfigError, DataError
from mine2magnet.resources.params import RPEEEParams
from mine2magnet.resources.rpeee import (
    column_strip_ratio,
    depth_below_topography,
    nsr_per_tonne,
    pit_membership,
    rpeee_table,
)


def _flat(z):
    return Topography(np.array([[-1e3, -1e3, z], [1e3, -1e3, z], [-1e3, 1e3, z], [1e3, 1e3, z]]))


def test_nsr_hand_calculation():
    p = RPEEEParams(
        prices_usd_kg={"Nd2O3": 110.0, "La2O3": 0.9},
        price_factor=1.2,
        recovery_pct=50.0,
        recoveries_pct={"La2O3": 80.0},
        payability_pct=75.0,
    )
    g = pd.DataFrame({"Nd2O3_pct": [1.0, np.nan, 0.0], "La2O3_pct": [2.0, 1.0, np.nan],
                      "CeO2_pct": [5.0, 5.0, 5.0]})  # fmt: skip
    # 1 % Nd2O3 = 10 kg/t × 110 × 1.2 × 0.5 × 0.75 = 495; 2 % La2O3 = 20 × 0.9 × 1.2 × 0.8 × 0.75
    expected = [495.0 + 20 * 0.9 * 1.2 * 0.8 * 0.75, 10 * 0.9 * 1.2 * 0.8 * 0.75, 0.0]
    np.testing.assert_allclose(nsr_per_tonne(g, p), expected)
    assert np.isnan(nsr_per_tonne(pd.DataFrame({"Nd2O3_pct": [np.nan]}), p)[0])


def test_nsr_is_linear_in_price_factor():
    g = pd.DataFrame({"Nd2O3_pct": [0.3, 1.0], "Dy2O3_pct": [0.01, 0.02]})
    a = nsr_per_tonne(g, RPEEEParams(price_factor=1.0))
    b = nsr_per_tonne(g, RPEEEParams(price_factor=1.5))
    np.testing.assert_allclose(b, 1.5 * a)


def test_depth_below_flat_topography():
    b = pd.DataFrame({"easting": [0.0, 10.0], "northing": [0.0, 5.0], "elevation": [95.0, 40.0]})
    np.testing.assert_allclose(depth_below_topography(b, _flat(100.0)), [5.0, 60.0])
    assert np.isnan(depth_below_topography(b, None)).all()


def _column(tonnes, ore):
    n = len(tonnes)
    b = pd.DataFrame({"i": 0, "j": 0, "k": np.arange(n)[::-1], "tonnes": tonnes})
    return b, np.asarray(ore, dtype=float)


def test_strip_ratio_hand_column():
    # from the top: waste 30, ore 10 (SR 30/10), waste 10 (40/10), ore 10 (40/20),
    # waste 50 (90/20)
    b, ore = _column([30.0, 10.0, 10.0, 10.0, 50.0], [0, 10, 0, 10, 0])
    sr, inside = column_strip_ratio(b, ore, 2.0)
    np.testing.assert_allclose(sr, [np.nan, 3.0, 4.0, 2.0, 4.5])
    assert inside.tolist() == [True, True, True, True, False]
    _, inside3 = column_strip_ratio(b, ore, 3.5)  # deepest level with SR ≤ 3.5 is still k=1
    _, inside5 = column_strip_ratio(b, ore, 5.0)
    assert inside5.all()
    assert inside3.tolist() == [True, True, True, True, False]
    _, inside1 = column_strip_ratio(b, ore, 1.0)
    assert not inside1.any()
    # 20 t of overburden above the model adds 20 t of waste to every level
    sr_ob, _ = column_strip_ratio(b, ore, 2.0, overburden_t=np.full(5, 20.0))
    np.testing.assert_allclose(sr_ob, [np.nan, 5.0, 6.0, 3.0, 5.5])


def test_strip_ratio_sums_domain_rows_of_a_block():
    # one block split in two rows (ore and waste) at the top level
    b = pd.DataFrame({"i": [0, 0, 0], "j": [0, 0, 0], "k": [1, 1, 0],
                      "tonnes": [6.0, 4.0, 10.0]})  # fmt: skip
    sr, inside = column_strip_ratio(b, np.array([6.0, 0.0, 0.0]), 1.0)
    np.testing.assert_allclose(sr, [4 / 6, 4 / 6, 14 / 6])
    assert inside.tolist() == [True, True, False]


@settings(max_examples=50, deadline=None)
@given(tonnes=st.lists(st.floats(1, 100), min_size=2, max_size=12),
       ore_flags=st.lists(st.booleans(), min_size=12, max_size=12),
       a=st.floats(0.1, 10), b=st.floats(0.1, 10))  # fmt: skip
def test_looser_strip_ratio_never_shrinks_the_constraint(tonnes, ore_flags, a, b):
    lo, hi = sorted((a, b))
    blk, _ = _column(tonnes, np.zeros(len(tonnes)))
    ore = np.where(ore_flags[: len(tonnes)], blk["tonnes"], 0.0)
    _, in_lo = column_strip_ratio(blk, ore, lo)
    _, in_hi = column_strip_ratio(blk, ore, hi)
    assert (in_hi >= in_lo).all()
    # inside is a top slice of the column
    order = np.argsort(-blk["k"].to_numpy())
    s = in_hi[order]
    assert (np.diff(s.astype(int)) <= 0).all()


def test_pit_membership():
    b = pd.DataFrame({"i": [0, 1, 2, 2], "j": [0, 0, 0, 0], "k": [0, 0, 0, 0]})
    pit = pd.DataFrame({"i": [0, 2], "j": [0, 0], "k": [0, 0], "in_pit": [True, True]})
    assert pit_membership(b, pit).tolist() == [True, False, True, True]
    with pytest.raises(DataError, match="in_pit"):
        pit_membership(b, pit.drop(columns="in_pit"))


def _blocks():
    # 2 columns × 3 levels of 10 m blocks, 1000 t each; top at 30 m
    k, i = np.meshgrid(np.arange(3), np.arange(2), indexing="ij")
    return pd.DataFrame({"i": i.ravel(), "j": 0, "k": k.ravel(),
                         "easting": i.ravel() * 10.0 + 5, "northing": 5.0,
                         "elevation": k.ravel() * 10.0 + 5, "tonnes": 1000.0})  # fmt: skip


def test_rpeee_table_depth_constraint_and_cutoff():
    b = _blocks()
    value = np.array([0.4, 1.0, 2.0, np.nan, 0.6, 0.5])
    code = np.array([1, 2, 3, 0, 4, 1])
    t = rpeee_table(b, code, value, 0.5, RPEEEParams(constraint="depth", max_depth_m=20.0),
                    topography=_flat(35.0))  # fmt: skip
    np.testing.assert_allclose(t["depth_m"], [30, 30, 20, 20, 10, 10])
    assert t["in_constraint"].tolist() == [False, False, True, True, True, True]
    assert t["above_cutoff"].tolist() == [False, True, True, False, True, True]
    assert t["rpeee"].tolist() == (t["in_constraint"] & t["above_cutoff"]).tolist()


def test_rpeee_table_strip_ratio_counts_overburden():
    b = _blocks()
    value = np.full(6, 1.0)
    code = np.array([1, 1, 4, 4, 4, 4])  # only the bottom level is resource
    p = RPEEEParams(constraint="strip_ratio", max_strip_ratio=2.0, overburden_density_t_m3=2.0)
    t0 = rpeee_table(b, code, value, 0.5, p)
    assert t0["in_constraint"].all()  # SR 2 in both columns
    # 5 m of ground above the model top (30 m): 5 × 100 m² × 2 t/m³ = 1000 t more waste
    t1 = rpeee_table(b, code, value, 0.5, p, topography=_flat(35.0), model_top_m=30.0,
                     column_area_m2=100.0)  # fmt: skip
    np.testing.assert_allclose(t1["strip_ratio"].to_numpy()[:2], [3.0, 3.0])
    assert not t1["in_constraint"].any()


def test_rpeee_table_pit_and_none():
    b = _blocks()
    value, code = np.full(6, 1.0), np.ones(6, dtype=int)
    pit = pd.DataFrame({"i": [0], "j": [0], "k": [2], "in_pit": [True]})
    t = rpeee_table(b, code, value, 0.5, RPEEEParams(constraint="pit"), pit_mask=pit)
    assert t["in_constraint"].sum() == 1
    assert rpeee_table(b, code, value, 0.5, RPEEEParams(constraint="none"))["rpeee"].all()


@pytest.mark.parametrize(("constraint", "missing"), [("depth", "topography"), ("pit", "pit")])
def test_rpeee_table_missing_input_names_the_key(constraint, missing):
    with pytest.raises(ConfigError, match=f"resources.rpeee.constraint.*{missing}"):
        rpeee_table(_blocks(), np.ones(6), np.ones(6), 0.5, RPEEEParams(constraint=constraint))
