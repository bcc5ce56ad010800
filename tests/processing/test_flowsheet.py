"""Flowsheet mass balance: exact conservation, hand calculations, the Beylikova-like case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mine2magnet.errors import ConfigError
from mine2magnet.processing.flowsheet import (
    feed_from_params,
    run_flowsheet,
    sx_placeholder,
    unit_balance,
)
from mine2magnet.processing.params import SxProduct, processing_params
from mine2magnet.processing.types import COMPONENTS, REE_16, Feed, form_factors

OX = pd.Series(form_factors("oxide"), index=list(COMPONENTS))

BEYLIKOVA = {
    "feed": {"ore_tpa": 570_000, "TREO_pct": 1.8, "distribution": "bayan_obo",
             "ThO2_pct": 0.2, "U3O8_pct": 0.002, "CaF2_pct": 40.0, "BaSO4_pct": 29.0,
             "Fe2O3_pct": 8.0},
    "targets": {"source": "Eti Maden, press 2022–2025", "treo_tpa": 10_000,
                "fluorite_tpa": 70_000, "barite_tpa": 72_000, "thorium_tpa": 250},
}  # fmt: skip


def _run(section):
    p = processing_params(section)
    return run_flowsheet(feed_from_params(p), p)


def _treo(fs, stream):
    return float(fs.summary.set_index("stream").loc[stream, "TREO_tpa"])


def _assert_conserved(fs, rel=1e-9):
    v = fs.streams["tonnes_per_year"].to_numpy()
    assert np.all(np.isfinite(v)) and np.all(v >= 0)
    bal = unit_balance(fs)
    assert len(bal) == len(fs.units) * len(COMPONENTS)
    worst = bal.loc[bal["relative_imbalance"].idxmax()]
    assert worst["relative_imbalance"] <= rel, worst.to_dict()
    # the plant as a whole: sources (ore, Ca-bearing reagents) = terminal streams
    s = fs.summary.set_index("stream")
    long = fs.streams.pivot(index="stream", columns="element", values="tonnes_per_year")
    sources = s.index[s["from_unit"].isin(["mine", "reagents"])]
    sinks = s.index[~s["to_unit"].isin(fs.units["unit"])]
    a, b = long.loc[sources].sum(), long.loc[sinks].sum()
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=rel, atol=1e-12 * a.max())


# ---------------------------------------------------------------- property: conservation

pct = st.floats(0.0, 100.0, allow_nan=False)
_ELEMENTS = [c for c in COMPONENTS if c != "Pm"]


@st.composite
def feeds_and_params(draw):
    ree = draw(st.sampled_from(["mountain_pass", "bayan_obo", "explicit"]))
    feed: dict = {"ore_tpa": draw(st.floats(1e3, 1e7))}
    if ree == "explicit":
        for ox in ("La2O3", "CeO2", "Pr6O11", "Nd2O3", "Sm2O3", "Dy2O3", "Y2O3"):
            feed[f"{ox}_pct"] = draw(st.floats(0.0, 3.0))
    else:
        feed.update(TREO_pct=draw(st.floats(0.05, 15.0)), distribution=ree)
    for key, hi in (("ThO2", 2.0), ("U3O8", 0.3), ("CaF2", 45.0), ("BaSO4", 35.0),
                    ("Fe2O3", 15.0), ("CaO", 8.0), ("F", 1.0)):  # fmt: skip
        feed[f"{key}_pct"] = draw(st.floats(0.0, hi))
    grade_keys = [k for k in feed if k.endswith("_pct")]
    total = sum(feed[k] for k in grade_keys)
    if total > 95.0:  # a physical feed: grades sum to at most 100 %
        for k in grade_keys:
            feed[k] *= 95.0 / total

    def circuit(grade_lo, grade_hi, **extra):
        c = {"recovery_pct": draw(st.floats(1.0, 99.0)), **extra}
        if draw(st.booleans()):
            c.update(model="selectivity", selectivity_index=draw(st.floats(1.0, 50.0)))
        else:
            c["concentrate_grade_pct"] = draw(st.floats(grade_lo, grade_hi))
        return c

    ree_c = circuit(5.0, 70.0)
    if draw(st.booleans()):
        ree_c["radionuclide_recovery_pct"] = draw(pct)
    if draw(st.booleans()):
        ree_c["element_recovery_pct"] = {"Fe": draw(pct), "Ba": draw(pct)}
    flu = circuit(60.0, 99.0, enabled=draw(st.booleans()))
    bar = circuit(60.0, 99.0, enabled=draw(st.booleans()))
    vol_f = draw(pct)
    cracking = {
        "route": draw(st.sampled_from(["acid_bake_high_t", "acid_bake_low_t", "caustic",
                                       "roast_leach"])),
        "volatilisation_pct": {"F": vol_f},
        "dissolution_pct": {"F": draw(st.floats(0.0, 100.0 - vol_f)), "REE": draw(pct),
                            "Th": draw(pct), "other": draw(pct)},
    }  # fmt: skip
    rand = lambda: {el: draw(pct) for el in draw(st.sets(st.sampled_from(_ELEMENTS)))}  # noqa: E731
    sep: dict = {"enabled": draw(st.booleans())}
    if sep["enabled"]:
        order = draw(st.permutations(list(REE_16)))
        cuts = sorted(draw(st.sets(st.integers(1, len(order) - 1), max_size=4)))
        groups = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
        n_keep = draw(st.integers(1, len(groups)))
        sep["products"] = [
            {"name": f"P{i}", "elements": list(g), "recovery_pct": draw(pct),
             "purity_pct": draw(st.floats(50.0, 100.0))}
            for i, g in enumerate(groups[:n_keep])
        ]  # fmt: skip
    section = {
        "feed": feed,
        "comminution": {"desliming_mass_pct": draw(st.floats(0.0, 30.0))},
        "beneficiation": {"rare_earth": ree_c, "fluorite": flu, "barite": bar},
        "cracking": cracking,
        "impurity_removal": {
            "neutralant": draw(st.sampled_from(["MgO", "limestone", "lime", "ammonia", "NaOH"])),
            "precipitation_pct": rand(),
            "thorium_is_product": draw(st.booleans()),
        },
        "cerium_removal": {"enabled": draw(st.booleans()), "precipitation_pct": rand()},
        "separation": sep,
        "precipitation": {
            "precipitant": draw(
                st.sampled_from(["oxalic_acid", "sodium_carbonate", "ammonium_bicarbonate"])
            ),
            "precipitation_pct": rand(),
        },
    }
    return section


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feeds_and_params())
def test_every_unit_conserves_every_element(section):
    p = processing_params(section)
    try:
        fs = run_flowsheet(feed_from_params(p), p)
    except ConfigError as exc:  # a grade outside the feasible range for this feed
        assert "concentrate_grade_pct" in str(exc) and "feasible" in str(exc)
        assume(False)
    _assert_conserved(fs)
    purity = fs.products.products["purity"].dropna()
    assert ((purity >= 0) & (purity <= 1 + 1e-12)).all()
    assert fs.checks.set_index("check").loc["mass_balance_closure", "status"] == "ok"


# ---------------------------------------------------------------- hand calculations


def test_grade_model_hand_calculation():
    """Recovery R and grade G: REE in concentrate = R × feed REE, mass pull = R·TREO/G."""
    fs = _run(
        {
            "feed": {
                "ore_tpa": 100_000,
                "TREO_pct": 5.0,
                "distribution": "mountain_pass",
                "CaF2_pct": 30,
                "BaSO4_pct": 20,
            },
            "beneficiation": {"rare_earth": {"recovery_pct": 60, "concentrate_grade_pct": 40}},
        }
    )
    s = fs.summary.set_index("stream")
    assert s.loc["ree_concentrate", "TREO_tpa"] == pytest.approx(0.6 * 5000)
    assert s.loc["ree_concentrate", "TREO_pct"] == pytest.approx(40.0)
    assert s.loc["ree_concentrate", "tonnes_per_year"] == pytest.approx(0.6 * 5000 / 0.40)
    assert fs.kpi("ree_mass_pull_pct") == pytest.approx(100 * 7500 / 100_000)
    # Th follows the REE by default
    assert s.loc["ree_concentrate", "Th_tpa"] == pytest.approx(0.6 * s.loc["rom_ore", "Th_tpa"])


def test_selectivity_model_reproduces_gaudin_index():
    fs = _run(
        {
            "feed": {"ore_tpa": 1e5, "TREO_pct": 3.0, "distribution": "bayan_obo", "CaF2_pct": 30},
            "beneficiation": {
                "rare_earth": {
                    "model": "selectivity",
                    "selectivity_index": 6.0,
                    "recovery_pct": 70,
                },
                "fluorite": {"enabled": False},
                "barite": {"enabled": False},
            },
        }
    )
    long = fs.streams.pivot(index="stream", columns="element", values="tonnes_per_year")
    rv = long.loc["ree_concentrate", "Nd"] / long.loc["rom_ore", "Nd"]
    rg = long.loc["ree_concentrate", "other"] / long.loc["rom_ore", "other"]
    assert rv == pytest.approx(0.70)
    si = math.sqrt(rv * (1 - rg) / (rg * (1 - rv)))
    assert si == pytest.approx(6.0)
    # Ca and F (gangue here) are entrained at the same recovery as 'other'
    assert long.loc["ree_concentrate", "Ca"] / long.loc["rom_ore", "Ca"] == pytest.approx(rg)


def test_fluorite_key_pairs_ca_and_f_so_calcite_is_gangue():
    fs = _run(
        {
            "feed": {
                "ore_tpa": 1e5,
                "TREO_pct": 2,
                "distribution": "bayan_obo",
                "CaF2_pct": 40,
                "CaO_pct": 5,
            },
            "beneficiation": {"fluorite": {"recovery_pct": 80, "concentrate_grade_pct": 95}},
        }
    )
    slate = fs.products.products.set_index("product")
    assert slate.loc["fluorite concentrate", "purity"] == pytest.approx(0.95)
    caf2_in_tails = 40_000 * (1 - fs.kpi("ree_gangue_recovery_pct") / 100)
    assert slate.loc["fluorite concentrate", "payable_tpa"] == pytest.approx(0.8 * caf2_in_tails)


def test_overall_recovery_without_sx_is_the_product_of_unit_recoveries():
    """Mixed product: 0.5 (flotation) × 0.95 (acid bake) × 0.97 (Th-removal loss) × 0.995."""
    fs = _run({**BEYLIKOVA, "separation": {"enabled": False}})
    feed_treo = 570_000 * 0.018
    expected = feed_treo * 0.50 * 0.95 * 0.97 * 0.995
    assert _treo(fs, "product_mixed") == pytest.approx(expected, rel=1e-12)
    assert fs.kpi("overall_treo_recovery_pct") == pytest.approx(100 * expected / feed_treo)
    slate = fs.products.products.set_index("product")
    assert slate.loc["mixed REO", "kind"] == "mixed_oxide"
    assert 0.9 < slate.loc["mixed REO", "purity"] <= 1.0


def test_cracking_routes_decide_thorium_deportment():
    high = _run({**BEYLIKOVA, "cracking": {"route": "acid_bake_high_t"}})
    low = _run({**BEYLIKOVA, "cracking": {"route": "acid_bake_low_t"}})
    th = lambda fs, s: float(fs.summary.set_index("stream").loc[s, "Th_tpa"])  # noqa: E731
    conc_th = th(high, "ree_concentrate")
    assert th(high, "leach_residue") == pytest.approx(0.95 * conc_th)
    assert th(low, "thorium_residue") == pytest.approx(0.90 * 0.99 * conc_th)
    # chloride media (caustic): no gypsum, Ca stays in solution by default
    caustic = _run({**BEYLIKOVA, "cracking": {"route": "caustic"},
                    "impurity_removal": {"neutralant": "lime"}})  # fmt: skip
    cake = caustic.stream("thorium_residue")
    assert cake.element_tpa["Ca"] == 0.0 and cake.form == "hydroxide_residue_chloride"


def test_limestone_enters_as_a_reagent_stream_and_dilutes_the_cake():
    mgo = _run({**BEYLIKOVA, "cracking": {"route": "acid_bake_low_t"}})
    lime = _run({**BEYLIKOVA, "cracking": {"route": "acid_bake_low_t"},
                 "impurity_removal": {"neutralant": "limestone"}})  # fmt: skip
    assert "neutralant" not in set(mgo.summary["stream"])
    neut = lime.stream("neutralant")
    assert neut.kind == "reagent" and neut.element_tpa["Ca"] > 0
    bq = lambda fs: float(fs.summary.set_index("stream").loc["thorium_residue", "Th232_Bq_g"])  # noqa: E731
    assert bq(lime) < bq(mgo)
    _assert_conserved(lime)


def test_cerium_removal_makes_a_cerium_product_and_unloads_sx():
    fs = _run({**BEYLIKOVA, "cerium_removal": {"enabled": True}})
    slate = fs.products.products.set_index("product")
    ce = slate.loc["CeO2 (Ce(IV) product)"]
    assert ce["kind"] == "cerium_product" and 0.9 < ce["purity"] < 1.0
    base = _run(BEYLIKOVA).summary.set_index("stream")
    assert _treo(fs, "sx_ceo2") < 0.1 * base.loc["sx_ceo2", "TREO_tpa"]


def test_sx_placeholder_hand_calculation():
    feed = pd.Series({"La": 30.0, "Ce": 50.0, "Pr": 5.0, "Nd": 15.0, "Fe": 1.0})
    out = sx_placeholder(feed, [SxProduct(name="NdPr", elements=["Pr", "Nd"], purity_pct=99.0)])
    np.testing.assert_allclose(out.sum(axis=1), feed.reindex(list(COMPONENTS)).fillna(0))
    assert out.loc["Nd", "NdPr"] == pytest.approx(0.98 * 15.0 + 0.0, rel=1e-12)
    payable = (out.loc[["Pr", "Nd"], "NdPr"] * OX[["Pr", "Nd"]]).sum()
    total = (out["NdPr"] * OX).sum()
    assert payable / total == pytest.approx(0.99)
    assert out.loc["Fe", "NdPr"] == 0.0 and out.loc["Fe", "raffinate"] == 1.0
    # contamination comes pro rata from the unrecovered La and Ce (oxide basis)
    assert out.loc["La", "NdPr"] / out.loc["Ce", "NdPr"] == pytest.approx(30 / 50)


def test_sx_contamination_is_capped_by_the_pool():
    feed = pd.Series({"La": 50.0, "Nd": 50.0})
    out = sx_placeholder(
        feed,
        [SxProduct(name="La", elements=["La"], recovery_pct=100, purity_pct=60),
         SxProduct(name="Nd", elements=["Nd"], recovery_pct=100, purity_pct=60)],
    )  # fmt: skip
    assert out.loc["La", "La"] == 50.0 and out.loc["Nd", "Nd"] == 50.0  # nothing left over
    assert out["raffinate"].sum() == 0.0


# ---------------------------------------------------------------- the Beylikova-like case


def test_beylikova_like_products_and_gaps():
    fs = _run(BEYLIKOVA)
    _assert_conserved(fs)
    feed_treo = 570_000 * 0.018
    assert fs.kpi("feed_TREO_tpa") == pytest.approx(feed_treo)
    overall = fs.kpi("overall_treo_recovery_pct")
    assert 40 < overall < 50  # 50 % flotation × 95 % bake × 97 % × SX/precipitation
    slate = fs.products.products.set_index("product")
    for name in ("La2O3", "CeO2", "NdPr oxide"):
        assert slate.loc[name, "purity"] == pytest.approx(0.995)
        assert not slate.loc[name, "radioactive"]
    ndpr = slate.loc["NdPr oxide", "tpa"]
    # NdPr is 24.7 % of Bayan Obo-pattern TREO: 10,260 t/y × 0.247 × ~0.45
    assert 0.8 * feed_treo * 0.247 * 0.45 < ndpr < 1.2 * feed_treo * 0.247 * 0.45
    # by-products: saleable grades, below 1 Bq/g
    assert slate.loc["fluorite concentrate", "purity"] == pytest.approx(0.97)
    assert slate.loc["barite concentrate", "purity"] == pytest.approx(0.92)
    assert not slate.loc["fluorite concentrate", "radioactive"]
    assert not slate.loc["barite concentrate", "radioactive"]
    # the gap: 10,000 t/y announced is ~97 % of the contained REO
    checks = fs.checks.set_index("check")
    gap = checks.loc["announced_treo_output"]
    assert gap["status"] == "warning"
    assert "97.5 %" in gap["message"] and "30–70 %" in gap["message"]
    assert any("announced 10,000 t/y REO" in w for w in fs.warnings)
    assert checks.loc["ree_beneficiation_recovery", "status"] == "ok"
    # thorium: ore at 0.2 % ThO2 = 7.1 Bq/g; tailings and residues need a NORM route
    s = fs.summary.set_index("stream")
    assert s.loc["rom_ore", "Th232_Bq_g"] == pytest.approx(7.136, abs=1e-3)
    assert s.loc["tailings", "radioactive"] and s.loc["leach_residue", "radioactive"]
    assert checks.loc["radioactive_waste", "status"] == "warning"
    assert fs.kpi("radioactive_waste_tpa") > s.loc["tailings", "tonnes_per_year"]
    assert checks.loc["announced_thorium_output", "status"] == "warning"


def test_flowsheet_tables_and_accessors():
    fs = _run(BEYLIKOVA)
    assert list(fs.streams.columns) == ["stream", "unit", "element", "tonnes_per_year"]
    assert set(fs.streams["element"]) == set(COMPONENTS)
    assert {"stream", "from_unit", "to_unit", "kind", "phase", "tonnes_per_year", "TREO_pct",
            "ThO2_pct", "Th232_Bq_g", "radioactive"} <= set(fs.summary.columns)  # fmt: skip
    assert {"product", "purity", "tpa"} <= set(fs.products.products.columns)
    assert fs.products.tpa("NdPr oxide") > 0
    ore = fs.stream("rom_ore")
    assert ore.tonnes_per_year == pytest.approx(570_000)
    assert ore.element_tpa.index.tolist() == list(COMPONENTS)
    assert len(fs.input_hash) == 16
    assert (fs.reagents["tonnes_per_year"] > 0).all()
    with pytest.raises(KeyError):
        fs.stream("nope")


def test_deterministic_and_inputs_untouched():
    p = processing_params(BEYLIKOVA)
    feed = feed_from_params(p)
    before = (p.model_dump(), dict(feed.grades_pct), feed.ore_tpa)
    a, b = run_flowsheet(feed, p), run_flowsheet(feed, p)
    assert (p.model_dump(), dict(feed.grades_pct), feed.ore_tpa) == before
    assert a.input_hash == b.input_hash
    pd.testing.assert_frame_equal(a.streams, b.streams)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_infeasible_grade_names_the_key():
    with pytest.raises(ConfigError, match=r"processing\.beneficiation\.rare_earth\."
                                          r"concentrate_grade_pct.*feasible"):  # fmt: skip
        _run({**BEYLIKOVA, "beneficiation": {"rare_earth": {"concentrate_grade_pct": 95}}})


def test_missing_feed_names_the_key():
    with pytest.raises(ConfigError, match=r"processing\.feed"):
        feed_from_params(processing_params(None))


def test_feed_validation():
    with pytest.raises(ValueError, match="unknown feed grade"):
        Feed(1.0, {"Nd_pct": 1.0})
    with pytest.raises(ValueError, match="> 100"):
        Feed(1.0, {"BaSO4_pct": 60.0, "CaF2_pct": 45.0})
    f = Feed(100.0, {"CaF2_pct": 40.0, "Nd2O3_pct": 1.0})
    el = f.element_tpa()
    assert el["Ca"] + el["F"] == pytest.approx(40.0)  # fluorite is exactly Ca + F
    assert float(el @ form_factors("mineral")) == pytest.approx(100.0)


def test_sankey_plot_smoke(tmp_path):
    pytest.importorskip("matplotlib")
    from mine2magnet.processing.plot import plot_sankey

    fs = _run({**BEYLIKOVA, "cerium_removal": {"enabled": True}})
    for q in ("TREO", "Th", "mass"):
        fig = plot_sankey(fs, q)
        fig.savefig(tmp_path / f"{q}.png", dpi=50)
        assert (tmp_path / f"{q}.png").stat().st_size > 1000
    with pytest.raises(ValueError):
        plot_sankey(fs, "Unobtainium")


# ---------------------------------------------------------------- the designed SX refinery


@pytest.fixture(scope="module")
def refined():
    return _run({**BEYLIKOVA, "refinery": {}})


def test_refinery_products_are_separated_oxides_at_purity(refined):
    fs = refined
    _assert_conserved(fs)
    slate = fs.products.products.set_index("product")
    names = ["La2O3", "CeO2", "Pr6O11", "Nd2O3", "SEG+HRE concentrate"]
    assert set(names) <= set(slate.index) and "NdPr oxide" not in slate.index
    for name in names:
        row = slate.loc[name]
        assert row["purity"] >= row["purity_target"] == pytest.approx(0.995)
        assert row["kind"] == ("mixed_oxide" if name.startswith("SEG") else "separated_oxide")
        assert not row["radioactive"]
    assert slate.loc["Nd2O3", "species"] == "Nd2O3" and np.isnan(
        slate.loc["fluorite concentrate", "purity_target"]
    )
    # the flowsheet's SX products are the refinery's, less the precipitation loss (0.5 %)
    ref = fs.refinery.products.set_index("product")
    for name in names:
        assert slate.loc[name, "TREO_tpa"] == pytest.approx(0.995 * ref.loc[name, "tpa"], rel=1e-9)
        assert slate.loc[name, "purity"] == pytest.approx(ref.loc[name, "purity"], rel=1e-12)
    sx = fs.units.set_index("unit").loc["sx_separation"]
    assert "refinery design" in sx["label"] and "4 cascades" in sx["model"]


def test_refinery_costs_reagents_and_kpis_reach_the_slate(refined):
    fs = refined
    r = fs.refinery
    slate = fs.products
    assert slate.refinery_capex_usd == pytest.approx(r.capex_usd) and r.capex_usd > 0
    assert slate.refinery_opex_usd_per_year == pytest.approx(r.opex_usd_per_year)
    assert r.opex_usd_per_year > 0
    assert slate.refinery_costs is r.costs
    assert fs.kpi("sx_total_stages") == r.total_stages == r.cascades["n_total"].sum()
    assert fs.kpi("refinery_capex_usd") == pytest.approx(r.capex_usd)
    sx = fs.reagents.loc[fs.reagents["unit"] == "sx_separation"]
    assert {"NaOH", "HCl"} <= set(sx["reagent"])
    rr = r.reagents
    naoh = rr.loc[rr["reagent"] == "NaOH", "per_year"].sum()
    assert sx.loc[sx["reagent"] == "NaOH", "tonnes_per_year"].sum() == pytest.approx(naoh)
    checks = fs.checks.set_index("check")
    assert checks.loc["sx_refinery", "status"] == "info" and "sx_placeholder" not in checks.index
    assert (checks.loc[checks.index.str.startswith("purity:"), "status"] == "ok").all()
    # the refinery's feed is the rare earths of the purified liquor
    liquor = fs.stream("purified_liquor").element_tpa
    assert r.feed_oxide_tpa.sum() == pytest.approx(
        float((liquor[list(REE_16)] * OX[list(REE_16)]).sum()), rel=1e-12
    )


def test_refinery_respects_cerium_removal(refined):
    fs = _run({**BEYLIKOVA, "refinery": {}, "cerium_removal": {"enabled": True}})
    _assert_conserved(fs)
    slate = fs.products.products.set_index("product")
    assert slate.loc["CeO2 (Ce(IV) product)", "kind"] == "cerium_product"
    # the SX train only sees the 5 % of Ce left after Ce(IV) removal
    ce_sx = fs.refinery.feed_oxide_tpa["CeO2"]
    assert ce_sx < 0.1 * refined.refinery.feed_oxide_tpa["CeO2"]
    assert slate.loc["CeO2", "tpa"] < 0.1 * refined.products.tpa("CeO2")
    assert slate.loc["CeO2", "purity"] >= 0.995
    # less to separate: a smaller La|Ce cascade
    c = fs.refinery.cascades.set_index("cascade")["organic_m3_h"]
    c0 = refined.refinery.cascades.set_index("cascade")["organic_m3_h"]
    assert c["Ce|Pr"] < c0["Ce|Pr"]


def test_refinery_purity_grades_reach_the_products():
    fs = _run({**BEYLIKOVA, "refinery": {"splits": [
        {"cut": "Nd|Sm", "extract_product": "SEG"},
        {"cut": "Pr|Nd", "source": "Nd|Sm.raffinate", "raffinate_product": "La-Pr",
         "extract_product": "Nd2O3", "extract_purity_pct": 99.99},
    ]}})  # fmt: skip
    _assert_conserved(fs)
    slate = fs.products.products.set_index("product")
    assert slate.loc["Nd2O3", "purity"] >= 0.9999
    assert slate.loc["Nd2O3", "purity_target"] == pytest.approx(0.9999)
    assert slate.loc["La-Pr", "kind"] == "mixed_oxide"
