"""Refinery sizing, reagents and factored costs: hand calculations and the cited basis."""

from __future__ import annotations

import math

import pytest

from mine2magnet.chemistry import molar_mass
from mine2magnet.processing.refinery_costs import (
    CascadeFlows,
    ProductFlow,
    cascade_sizing,
    cost_data,
    cost_table,
    equipment_table,
    organic_composition,
    reagent_table,
    unit_price,
)
from mine2magnet.processing.refinery_params import RefineryParams
from mine2magnet.processing.sx.design import oxide_mass_per_mol

P = RefineryParams()  # 1 M feed, 0.18 M organic, 4 M scrub, 5 M strip, 3 min, 3 m3/(h·m2)
CASCADE = CascadeFlows(
    name="X",
    feed_phase="aqueous",
    stages={"extraction": 10, "scrub": 5, "strip": 3},
    feed_mol_h=1000.0,
    organic_mol_h=1800.0,
    scrub_mol_h=400.0,
    loaded_mol_h=900.0,
)


def test_every_cost_entry_has_its_source_and_date():
    data = cost_data()
    assert data["meta"]["currency"] == "USD" and "Class 4" in data["meta"]["accuracy_class"]
    for table in ("prices", "equipment", "factors", "norms"):
        assert data[table], table
        for key, entry in data[table].items():
            assert entry.get("source"), f"{table}.{key} has no source"
            assert str(entry.get("date", "")), f"{table}.{key} has no date"
    for key, entry in data["prices"].items():
        assert entry["value"] >= 0 and entry["unit"] and entry["basis"], key
    for key, entry in data["equipment"].items():
        assert 0 < entry["exponent"] < 1 and entry["hand_factor"] >= 1, key
    assert data["factors"]["lang"]["value"] == pytest.approx(4.74)  # Lang 1948, fluids


def test_sizing_hand_calculation():
    s, sections = cascade_sizing(CASCADE, P)
    assert s["feed_m3_h"] == pytest.approx(1.0)  # 1000 mol/h at 1 mol/L
    assert s["organic_m3_h"] == pytest.approx(10.0)  # 1800 mol/h at 0.18 mol/L
    assert s["scrub_m3_h"] == pytest.approx(0.3)  # 3 × 400 / 4 M
    assert s["strip_m3_h"] == pytest.approx(0.54)  # 3 × 900 / 5 M
    assert s["oa_extraction"] == pytest.approx(10.0 / 1.3)
    assert s["oa_scrub"] == pytest.approx(10.0 / 0.3)
    assert s["oa_strip"] == pytest.approx(10.0 / 0.54)
    by = {x["section"]: x for x in sections}
    assert by["extraction"]["mixer_m3"] == pytest.approx(11.3 * 3 / 60)
    assert by["scrub"]["settler_m2"] == pytest.approx(10.3 / 3.0)
    assert by["strip"]["settler_m3"] == pytest.approx(10.54 / 3.0 * 1.0)
    assert s["mixer_m3"] == pytest.approx((10 * 11.3 + 5 * 10.3 + 3 * 10.54) * 0.05)
    # the organic (10 m3/h in every section) holds its flow share of each stage:
    # n × 10 × (τ + depth / rate) per section, × the tank allowance
    assert s["organic_inventory_m3"] == pytest.approx(1.25 * 18 * 10 * (0.05 + 1 / 3))


def test_organic_feed_rides_with_the_organic():
    c = CascadeFlows("Y", "organic", {"extraction": 4, "scrub": 4}, 360.0, 1800.0, 400.0, 0.0)
    s, sections = cascade_sizing(c, P)
    assert s["feed_m3_h"] == pytest.approx(2.0)  # at the organic's loading, 0.18 mol/L
    assert s["oa_extraction"] == pytest.approx(10.0 / 0.3)
    assert s["oa_scrub"] == pytest.approx(12.0 / 0.3)
    assert [x["section"] for x in sections] == ["extraction", "scrub"]


def test_reagents_per_tonne_match_domain_stoichiometry():
    """DOMAIN §3, per t Nd2O3 (5.944 kmol RE): NaOH 0.713, HCl strip 0.650, H2C2O4 0.803 t."""
    p = RefineryParams(feed_to_chloride=False)
    t = 1000.0
    re = t * 1e6 / oxide_mass_per_mol("Nd") / p.operating_hours_per_year
    c = CascadeFlows("Pr|Nd", "aqueous", {"extraction": 1}, re, re, 0.0, re)
    r = reagent_table([c], [ProductFlow("Nd2O3", t, re)], re, 0.0, p, precipitant_excess=1.0)
    per_t = r.groupby("use")["per_t_product"].sum()
    assert per_t["saponification"] == pytest.approx(0.713, abs=5e-4)
    assert per_t["strip acid"] == pytest.approx(0.650, abs=5e-4)
    assert per_t["precipitation"] == pytest.approx(0.803, abs=5e-4)
    assert per_t["calcination fuel"] == cost_data()["norms"]["calcination_fuel_gj_t"]["value"]
    assert "feed to chloride" not in set(r["use"])
    nh3 = reagent_table(
        [c], [ProductFlow("Nd2O3", t, re)], re, 0.0, RefineryParams(base="NH3")
    ).set_index("use")
    assert nh3.loc["saponification", "per_t_product"] == pytest.approx(0.304, abs=5e-4)
    assert nh3.loc["feed to chloride", "per_year"] == pytest.approx(0.650 * t, rel=1e-3)


def test_cost_capacity_rule_and_factors():
    eq = equipment_table([], [("a", "tank", 100.0), ("b", "tank", 200.0)], [], P)
    assert eq["purchased_usd"].iloc[1] / eq["purchased_usd"].iloc[0] == pytest.approx(2**0.6)
    ref = cost_data()["equipment"]["storage_tank"]
    assert eq["purchased_usd"].iloc[0] == pytest.approx(ref["reference_cost_usd"])
    pec = float(eq["purchased_usd"].sum())
    reagents = reagent_table([CASCADE], [ProductFlow("P", 100.0, 80.0)], 1000.0, 5.0, P)
    lang = cost_table(eq, reagents, 10.0, 1.0, 18, P).set_index("item")
    fci = (
        lang.loc["purchased equipment", "value_usd"]
        + lang.loc["installation, piping, instruments, buildings, indirects", "value_usd"]
    )
    assert fci == pytest.approx(4.74 * pec)
    assert lang.loc["maintenance", "value_usd"] == pytest.approx(0.04 * fci)
    hand_p = RefineryParams(factor_method="hand")
    eq_h = equipment_table([], [("a", "tank", 100.0)], [ProductFlow("P", 500.0, 1.0)], hand_p)
    f = {k: v["hand_factor"] for k, v in cost_data()["equipment"].items()}
    assert list(eq_h["installation_factor"]) == [
        f["storage_tank"],
        f["precipitation"],
        f["calciner"],
    ]
    hand = cost_table(eq_h, reagents, 10.0, 1.0, 18, hand_p)
    capex = hand.loc[hand["category"] == "capex"]
    fill = capex.loc[capex["item"].str.startswith("organic first fill"), "value_usd"].sum()
    indirect = cost_data()["factors"]["hand_indirect"]["value"]
    assert capex["value_usd"].sum() - fill == pytest.approx(indirect * eq_h["installed_usd"].sum())
    assert (hand["basis"].str.len() > 0).all() and (hand["source"].str.len() > 0).all()


def test_organic_first_fill_and_make_up():
    comp = organic_composition(P)
    ext_t = 1.5 * molar_mass("C16H35O3P") / 1e3  # 1.5 mol/L of P507 [t/m3]
    assert comp["extractant_t_m3"] == pytest.approx(ext_t)
    assert comp["diluent_t_m3"] == pytest.approx((1 - ext_t / 0.95) * 0.80)
    c = cost_table(
        equipment_table([], [("a", "tank", 1.0)], [], P),
        reagent_table([CASCADE], [], 1000.0, 0.0, P),
        100.0,
        2.0,
        10,
        P,
    ).set_index("item")
    price = unit_price("P507", P)["value"]
    assert c.loc["organic first fill: extractant (P507)", "value_usd"] == pytest.approx(
        100.0 * ext_t * price
    )
    assert c.loc["organic make-up: extractant (P507)", "quantity"] == pytest.approx(2.0 * ext_t)
    assert c.loc["organic make-up: extractant (P507)", "category"] == "opex"


def test_unit_price_override():
    p = RefineryParams(unit_prices={"HCl": 123.0})
    hcl = unit_price("HCl", p)
    assert hcl["value"] == 123.0 and hcl["source"] == "project file"
    assert unit_price("HCl", P)["value"] == cost_data()["prices"]["HCl"]["value"]
    r = reagent_table([CASCADE], [], 1000.0, 0.0, p)
    hcl_t = r.loc[r["reagent"] == "HCl", "per_year"].sum()
    c = cost_table(equipment_table([], [], [], p), r, 0.0, 0.0, 0, p).set_index("item")
    assert c.loc["HCl", "value_usd"] == pytest.approx(123.0 * hcl_t)
    assert math.isclose(c.loc["HCl", "quantity"], hcl_t)
