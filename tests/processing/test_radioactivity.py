"""Activity concentrations and the clearance test (hand calculations)."""

from __future__ import annotations

import numpy as np
import pytest

from mine2magnet.processing import radioactivity as ra
from mine2magnet.processing.flowsheet import feed_from_params, run_flowsheet
from mine2magnet.processing.params import processing_params


def test_ore_at_0p2_pct_tho2():
    """0.2 % ThO2 = 0.17576 % Th → 0.0017576 × 4060 = 7.136 Bq/g Th-232."""
    th = 0.002 * 232.0377 / (232.0377 + 2 * 15.999)
    t = ra.activity_table([th], [0.0], [1.0], secular_equilibrium=False)
    assert t.loc[0, "Th232_Bq_g"] == pytest.approx(7.136, abs=1e-3)
    assert t.loc[0, "total_Bq_g"] == pytest.approx(t.loc[0, "Th232_Bq_g"])
    assert bool(t.loc[0, "exceeds_clearance"])


def test_secular_equilibrium_multiplies_by_chain_members():
    t = ra.activity_table([1e-4], [1e-5], [1.0], secular_equilibrium=True)
    expected = 10 * 1e-4 * 4060 + 14 * 1e-5 * 12400
    assert t.loc[0, "total_Bq_g"] == pytest.approx(expected, rel=1e-12)
    # 100 ppm Th → 0.406 Bq/g, 10 ppm U → 0.124 Bq/g: both below 1 Bq/g
    assert not bool(t.loc[0, "exceeds_clearance"])
    # activity of one year's flow: 1e-4 t Th = 100 g → 4.06e5 Bq × 10 members = 4.06e-3 GBq;
    # 1e-5 t U = 10 g → 1.24e5 Bq × 14 = 1.736e-3 GBq
    assert t.loc[0, "activity_GBq"] == pytest.approx(4.06e-3 + 1.736e-3, rel=1e-12)


def test_u235_adds_to_total_only():
    a = ra.activity_table([0.0], [1e-3], [1.0], secular_equilibrium=False, include_u235=True)
    b = ra.activity_table([0.0], [1e-3], [1.0], secular_equilibrium=False)
    assert a.loc[0, "U238_Bq_g"] == b.loc[0, "U238_Bq_g"]
    ratio = a.loc[0, "total_Bq_g"] / b.loc[0, "total_Bq_g"] - 1
    assert ratio == pytest.approx(ra.u235_activity_ratio(), rel=1e-12)


def test_clearance_is_per_nuclide_not_sum():
    """0.9 Bq/g Th-232 and 0.9 Bq/g U-238: each below 1 Bq/g → not above clearance."""
    t = ra.activity_table([0.9 / 4060], [0.9 / 12400], [1.0])
    assert not bool(t.loc[0, "exceeds_clearance"])
    assert t.loc[0, "total_Bq_g"] > 1.0


def test_zero_mass_gives_nan_and_false():
    t = ra.activity_table([0.0], [0.0], [0.0])
    assert np.isnan(t.loc[0, "Th232_Bq_g"])
    assert not bool(t.loc[0, "exceeds_clearance"])


def test_custom_clearance_level():
    t = ra.activity_table([1e-3], [0.0], [1.0], clearance_bq_g=10.0)  # 4.06 Bq/g
    assert not bool(t.loc[0, "exceeds_clearance"])


def test_specific_activity_rejects_nonsense():
    with pytest.raises(ValueError):
        ra.specific_activity(0.0, 232.0)


def test_flowsheet_stream_activity_matches_hand_calculation():
    p = processing_params(
        {
            "feed": {
                "ore_tpa": 1e5,
                "TREO_pct": 3,
                "distribution": "mountain_pass",
                "ThO2_pct": 0.1,
                "U3O8_pct": 0.01,
                "CaF2_pct": 20,
            }
        }
    )
    fs = run_flowsheet(feed_from_params(p), p)
    s = fs.summary.set_index("stream")
    for stream in ("rom_ore", "ree_concentrate", "leach_residue", "thorium_residue", "tailings"):
        r = s.loc[stream]
        assert r["Th232_Bq_g"] == pytest.approx(r["Th_tpa"] / r["tonnes_per_year"] * 4060)
        assert r["U238_Bq_g"] == pytest.approx(r["U_tpa"] / r["tonnes_per_year"] * 12400)
        assert bool(r["radioactive"]) == bool(max(r["Th232_Bq_g"], r["U238_Bq_g"]) > 1.0)
    # solutions and gases carry no Bq/g and no flag
    liquor = s.loc["leach_liquor"]
    assert np.isnan(liquor["Th232_Bq_g"]) and liquor["radioactive"] is not True
    assert fs.summary.loc[fs.summary["phase"] != "solid", "radioactive"].isna().all()
