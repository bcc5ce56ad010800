import numpy as np
import pytest

from mine2magnet.chemistry import oxide_factor
from mine2magnet.economics import magnet_equivalents, oxide_tpa_from_plan
from mine2magnet.economics.magnet import magnet_factors, nd_fraction_nd2fe14b
from mine2magnet.economics.params import MagnetParams


def test_stoichiometry_matches_domain():
    assert nd_fraction_nd2fe14b() == pytest.approx(0.2668, abs=5e-5)
    f = magnet_factors()
    assert 1 / oxide_factor("Nd2O3") == pytest.approx(f["nd_metal_in_oxide"]["value"], abs=1e-4)
    assert 1 / oxide_factor("Pr6O11") == pytest.approx(f["pr_metal_in_oxide"]["value"], abs=1e-4)


def test_every_factor_is_cited():
    for name, f in magnet_factors().items():
        assert f["source"] and "value" in f, name
        if "low" in f:
            assert f["low"] <= f["value"] <= f["high"], name


def test_hand_worked_panel():
    m = magnet_equivalents({"Nd2O3": 1500.0, "Pr6O11": 500.0, "La2O3": 2000.0})
    nd, pr = 1500 / oxide_factor("Nd2O3"), 500 / oxide_factor("Pr6O11")
    magnets = (nd + pr) / 0.31
    assert m.value("NdFeB magnet") == pytest.approx(magnets)
    assert m.value("EV traction motors") == pytest.approx(magnets * 1000 / 1.75)
    assert m.value("direct-drive wind") == pytest.approx((nd + pr) * 1000 / 215)
    assert m.value("share of world REO mine production") == pytest.approx(4000 / 390_000)
    assert m.value("share of world NdPr oxide (estimate)") == pytest.approx(
        2000 / (390_000 * 0.247)
    )
    row = m.table.set_index("quantity").loc["EV traction motors"]
    assert row["low"] < row["value"] < row["high"]


def test_excess_praseodymium_is_not_usable():
    m = magnet_equivalents({"Nd2O3": 100.0, "Pr6O11": 100.0})
    nd = 100 / oxide_factor("Nd2O3")
    assert m.value("NdFeB magnet") == pytest.approx((nd + nd / 3) / 0.31)
    assert m.value("Pr not usable (above the Pr share)") > 0


def test_heavy_rare_earths_can_limit_a_high_temperature_grade():
    p = MagnetParams(heavy_share_pct=8.0, re_content_pct=31.0)
    rich = magnet_equivalents({"Nd2O3": 1000.0, "Dy2O3": 1000.0}, p)
    poor = magnet_equivalents({"Nd2O3": 1000.0, "Dy2O3": 1.0}, p)
    dy = 1.0 / oxide_factor("Dy2O3")
    assert poor.value("NdFeB magnet") == pytest.approx(dy / (0.31 * 0.08))
    assert rich.value("NdFeB magnet") == pytest.approx(1000 / oxide_factor("Nd2O3") / (0.31 * 0.92))


def test_from_a_plan(plan):
    # the test plan has no compositions: give one through the product table
    from mine2magnet.economics import ProductionPlan

    p = ProductionPlan.from_arrays(
        np.r_[0, 1.0, 1.0], {"NdPr": [0, 100.0, 300.0]}, {"NdPr": {"Nd2O3": 0.75, "Pr6O11": 0.25}}
    )
    ox = oxide_tpa_from_plan(p)
    assert ox == pytest.approx({"Nd2O3": 150.0, "Pr6O11": 50.0})
    assert magnet_equivalents(ox).value("NdPr oxide") == pytest.approx(200.0)
