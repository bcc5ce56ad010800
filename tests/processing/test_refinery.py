"""SX refinery train: one split equals the designer, conservation, purity, scaling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mine2magnet.chemistry import ATOMIC_WEIGHT, CANONICAL_SPECIES, element_of, oxide_factor
from mine2magnet.errors import ConfigError
from mine2magnet.processing.refinery import (
    design_refinery,
    kremser_strip_stages,
    refinery_sx_products,
)
from mine2magnet.processing.refinery_params import RefineryParams
from mine2magnet.processing.sx import (
    PlantBasis,
    countercurrent,
    design_cascade,
    load_separation_factors,
    simulate,
)
from mine2magnet.processing.sx.design import oxide_mass_per_mol

#: SX feed of the demo flowsheet (Bayan Obo pattern after flotation, bake, Th removal) [t/y]
DEMO_FEED = {
    "La2O3": 1092.0,
    "CeO2": 2373.0,
    "Pr6O11": 294.0,
    "Nd2O3": 878.0,
    "Sm2O3": 38.0,
    "Eu2O3": 9.5,
    "Gd2O3": 33.0,
    "Tb4O7": 4.7,
    "Dy2O3": 4.7,
}
TWO_SPLITS = [
    {"cut": "Ce|Pr", "raffinate_product": "LaCe"},
    {
        "cut": "Pr|Nd",
        "source": "Ce|Pr.extract",
        "raffinate_product": "Pr6O11",
        "extract_product": "Nd2O3",
    },
]
SLOW = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def demo():
    return design_refinery(DEMO_FEED)


def _element_tpa(feed: dict[str, float]) -> pd.Series:
    return pd.Series({element_of(k): v / oxide_factor(k) for k, v in feed.items() if v > 0})


# ------------------------------------------------------------------ one split = designer


def test_a_train_of_one_split_is_one_design_cascade_call():
    p = RefineryParams(
        splits=[
            {
                "cut": "Pr|Nd",
                "extract_product": "Nd2O3",
                "raffinate_product": "Pr6O11",
                "extract_purity_pct": 99.9,
            }
        ],
        loss_pct_per_cascade=0.0,
    )
    feed = {"Pr6O11": 250.0, "Nd2O3": 750.0}
    r = design_refinery(feed, p)
    row = r.cascades.iloc[0]
    hours = p.operating_hours_per_year
    mol_h = np.array(
        [250.0 * 1e6 / oxide_mass_per_mol("Pr"), 750.0 * 1e6 / oxide_mass_per_mol("Nd")]
    )
    mol_h /= hours
    # the cascade targets are the products' impurity allowances (design margin 0.8): the
    # extract may hold (1 - 0.999)/0.999 × Nd2O3 fed × 0.8 of Pr2O3-equivalent as Pr
    m_pr, m_nd = oxide_mass_per_mol("Pr"), oxide_mass_per_mol("Nd")
    x_a = 0.001 / 0.999 * mol_h[1] * m_nd * 0.8 / m_pr
    x_b = 0.005 / 0.995 * mol_h[0] * m_pr * 0.8 / m_nd
    assert row["extract_purity_target"] == pytest.approx(mol_h[1] / (mol_h[1] + x_a), rel=1e-12)
    assert row["raffinate_purity_target"] == pytest.approx(mol_h[0] / (mol_h[0] + x_b), rel=1e-12)
    beta = load_separation_factors("P507_HCl").relative(["Pr", "Nd"])
    d = design_cascade(
        ["Pr", "Nd"],
        beta,
        mol_h,
        ["Nd"],
        extract_purity=row["extract_purity_target"],
        raffinate_purity=row["raffinate_purity_target"],
        plant=PlantBasis(),
        tradeoff_factors=None,
        max_stages=p.max_stages,
    )
    assert (row["n_extraction"], row["n_scrub"], row["feed_stage"]) == (
        d.n_extraction,
        d.n_scrub,
        d.feed_stage,
    )
    assert row["n_strip"] == kremser_strip_stages(p.strip_extraction_factor, p.strip_residual)
    assert row["organic_RE_kmol_h"] == pytest.approx(d.organic_mol_h / 1e3, rel=1e-12)
    assert row["scrub_RE_kmol_h"] == pytest.approx(d.scrub_mol_h / 1e3, rel=1e-12)
    vol = d.flows.set_index("stream")["volume_L_h"] / 1e3
    assert row["organic_m3_h"] == pytest.approx(vol["saponified organic"], rel=1e-12)
    assert row["scrub_m3_h"] == pytest.approx(vol["scrub acid"], rel=1e-12)
    assert row["oa_extraction"] == pytest.approx(d.oa_extraction, rel=1e-12)
    assert row["extract_purity"] == pytest.approx(d.cascade.extract_purity, rel=1e-12)
    nd = r.products.set_index("product").loc["Nd2O3"]
    ext_t = d.cascade.extract_mol_h * np.array([m_pr, m_nd]) * hours / 1e6
    assert nd["tpa"] == pytest.approx(ext_t.sum(), rel=1e-9)
    assert nd["purity"] == pytest.approx(ext_t[1] / ext_t.sum(), rel=1e-12)
    assert nd["purity"] >= 0.999 and bool(nd["meets_target"])


# ------------------------------------------------------------------ conservation


@st.composite
def feeds(draw):
    out = {}
    for ox, hi in (
        ("La2O3", 3e3),
        ("CeO2", 5e3),
        ("Pr6O11", 600.0),
        ("Nd2O3", 2e3),
        ("Sm2O3", 100.0),
        ("Gd2O3", 60.0),
        ("Dy2O3", 10.0),
        ("Y2O3", 10.0),
    ):
        if draw(st.booleans()) or ox in ("CeO2", "Nd2O3"):
            out[ox] = draw(st.floats(1.0, hi))
    return out


@SLOW
@given(
    feeds(),
    st.sampled_from(["default", "two", "one"]),
    st.sampled_from([99.5, 99.9]),
    st.floats(0.0, 2.0),
)
def test_products_plus_losses_equal_the_feed_for_every_element(feed, train, grade, loss):
    splits = {"two": TWO_SPLITS, "one": [{"cut": "Ce|Pr"}]}.get(train)
    kw = {"splits": splits} if splits else {}
    r = design_refinery(
        feed, RefineryParams(default_purity_pct=grade, loss_pct_per_cascade=loss, **kw)
    )
    el = _element_tpa(feed)
    dist = r.distribution
    assert (dist["tonnes_per_year"] >= 0).all() and (dist["fraction"] >= 0).all()
    out = dist.groupby("element")["tonnes_per_year"].sum()
    np.testing.assert_allclose(out[el.index].to_numpy(), el.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(dist.groupby("element")["fraction"].sum(), 1.0, rtol=1e-9)
    # each product's oxide tonnage is its share of the feed, element by element
    prods = r.products.set_index("product")
    for name, g in dist.loc[dist["destination"] != "losses"].groupby("destination"):
        ox = sum(
            t * oxide_factor(CANONICAL_SPECIES[e])
            for e, t in zip(g["element"], g["tonnes_per_year"], strict=True)
        )
        assert ox == pytest.approx(prods.loc[name, "tpa"], rel=1e-9, abs=1e-12)
    # cascades: feed = extract + raffinate + losses (oxide)
    c = r.cascades
    np.testing.assert_allclose(
        c["extract_REO_tpa"] + c["raffinate_REO_tpa"] + c["loss_REO_tpa"],
        c["feed_REO_tpa"],
        rtol=1e-9,
    )
    # every element passes the first cascade and at most all of them, each losing `loss` %
    lost = dist.loc[dist["destination"] == "losses"].set_index("element")["fraction"]
    n = len(r.cascades)
    assert (lost >= loss / 100 - 1e-15).all()
    assert (lost <= 1 - (1 - loss / 100) ** n + 1e-12).all()
    assert r.products["meets_target"].all()


# ------------------------------------------------------------------ purity and stages


@SLOW
@given(
    st.floats(0.1, 0.6),
    st.floats(0.02, 0.3),
    st.sampled_from(["LaCe", "Pr6O11", "Nd2O3"]),
    st.sampled_from([(99.5, 99.9), (99.9, 99.99), (99.99, 99.999), (99.5, 99.999)]),
)
def test_raising_a_purity_target_never_lowers_the_stage_count(ce, pr, product, grades):
    nd = 1.0 - ce - pr
    feed = {"La2O3": 500.0, "CeO2": 2000.0 * ce, "Pr6O11": 2000.0 * pr, "Nd2O3": 2000.0 * nd}
    totals = []
    for grade in grades:
        splits = [dict(s) for s in TWO_SPLITS]
        for s in splits:
            for side in ("extract", "raffinate"):
                if s.get(f"{side}_product") == product:
                    s[f"{side}_purity_pct"] = grade
        r = design_refinery(feed, RefineryParams(splits=splits))
        assert r.products.set_index("product").loc[product, "purity"] >= grade / 100.0
        totals.append(r.total_stages)
    assert totals[1] >= totals[0]


def test_higher_grades_need_more_stages_in_the_full_train(demo):
    totals = [demo.total_stages]
    for grade in (99.9, 99.99):
        r = design_refinery(DEMO_FEED, RefineryParams(default_purity_pct=grade))
        assert (r.products["purity"] >= grade / 100.0).all()
        totals.append(r.total_stages)
    assert totals == sorted(totals) and totals[-1] > totals[0]


# ------------------------------------------------------------------ scaling


@pytest.fixture(scope="module")
def two_split():
    feed = {"La2O3": 800.0, "CeO2": 1500.0, "Pr6O11": 200.0, "Nd2O3": 600.0}
    return feed, design_refinery(feed, RefineryParams(splits=TWO_SPLITS))


@SLOW
@given(st.floats(0.01, 100.0))
def test_volumes_and_reagents_scale_linearly_with_throughput(two_split, k):
    feed, base = two_split
    r = design_refinery({o: k * t for o, t in feed.items()}, RefineryParams(splits=TWO_SPLITS))
    stages = ["n_extraction", "n_scrub", "n_strip", "feed_stage"]
    pd.testing.assert_frame_equal(r.cascades[stages], base.cascades[stages])
    linear = [c for c in base.cascades if c.endswith(("_m3_h", "_m3", "_m2", "_tpa", "_kmol_h"))]
    np.testing.assert_allclose(r.cascades[linear], k * base.cascades[linear], rtol=1e-9)
    same = ["oa_extraction", "oa_scrub", "oa_strip", "extract_purity", "reflux_ratio"]
    np.testing.assert_allclose(r.cascades[same], base.cascades[same], rtol=1e-9)
    np.testing.assert_allclose(r.reagents["per_year"], k * base.reagents["per_year"], rtol=1e-9)
    np.testing.assert_allclose(
        r.reagents["per_t_product"], base.reagents["per_t_product"], rtol=1e-9
    )
    np.testing.assert_allclose(r.products["tpa"], k * base.products["tpa"], rtol=1e-9)
    np.testing.assert_allclose(r.products["purity"], base.products["purity"], rtol=1e-12)


# ------------------------------------------------------------------ the full train


def test_full_train_products_tables_and_costs(demo):
    prods = demo.products
    assert list(prods["product"]) == ["La2O3", "CeO2", "Pr6O11", "Nd2O3", "SEG+HRE concentrate"]
    assert (prods["purity"] >= prods["purity_target"]).all() and prods["meets_target"].all()
    assert (prods["recovery"] > 0.95).all() and (prods["recovery"] <= 1.0).all()
    seg = prods.set_index("product").loc["SEG+HRE concentrate"]
    assert seg["elements"] == "Sm,Eu,Gd,Tb,Dy" and seg["species"] == "REO(Sm…Dy)"
    c = demo.cascades
    assert list(c["cascade"]) == ["Nd|Sm", "Ce|Pr", "La|Ce", "Pr|Nd"]
    assert list(c["key_pair"]) == ["Nd/Sm", "Ce/Pr", "La/Ce", "Pr/Nd"]
    assert demo.total_stages == int(c[["n_extraction", "n_scrub", "n_strip"]].to_numpy().sum())
    # the hardest split (Pr/Nd, beta 1.5) needs the most stages, the easiest (Sm/Nd) fewest
    assert c.set_index("cascade")["n_total"].idxmax() == "Pr|Nd"
    assert c.set_index("cascade")["n_total"].idxmin() == "Nd|Sm"
    assert (c["reflux_ratio"] > 1.0).all()  # above the key pair's minimum reflux
    assert all(
        np.isfinite(c[col]).all() and (c[col] > 0).all()
        for col in ("organic_m3_h", "mixer_m3", "settler_m2", "organic_inventory_m3")
    )
    eq = demo.equipment
    ms = eq.loc[eq["item"].str.startswith("mixer-settler")]
    assert int(ms["count"].sum()) == demo.total_stages
    assert ms["settler_m2"].mul(ms["count"]).sum() == pytest.approx(c["settler_m2"].sum())
    costs = demo.costs
    assert set(costs["category"]) == {"capex", "opex"} and costs["basis"].str.len().min() > 0
    assert demo.capex_usd == pytest.approx(costs.loc[costs.category == "capex", "value_usd"].sum())
    assert demo.opex_usd_per_year > 0 and demo.capex_usd > eq["purchased_usd"].sum()
    r = demo.reagents
    np.testing.assert_allclose(r["per_t_product"] * prods["tpa"].sum(), r["per_year"])
    assert {
        "saponification",
        "scrub acid",
        "strip acid",
        "precipitation",
        "calcination fuel",
        "feed to chloride",
        "SX mixers",
    } <= set(r["use"])
    assert demo.feed_oxide_tpa.sum() == pytest.approx(sum(DEMO_FEED.values()))
    assert len(demo.designs) == 4 and all(d is not None for d in demo.designs)


def test_flowsheet_products_carry_the_design(demo):
    sx = refinery_sx_products(demo)
    assert [p.name for p in sx] == list(demo.products["product"])
    dist = demo.distribution
    for p in sx:
        share = dist.loc[dist["destination"] == p.name].set_index("element")["fraction"]
        assert p.distribution_pct == pytest.approx((100 * share).to_dict(), rel=1e-12)
        assert p.purity_pct == pytest.approx(99.5)


def test_a_side_with_nothing_to_separate_is_bypassed():
    feed = {k: v for k, v in DEMO_FEED.items() if k in ("La2O3", "CeO2", "Pr6O11", "Nd2O3")}
    r = design_refinery(feed)
    c = r.cascades.set_index("cascade")
    assert bool(c.loc["Nd|Sm", "bypassed"]) and c.loc["Nd|Sm", "n_total"] == 0
    assert not c.loc[["Ce|Pr", "La|Ce", "Pr|Nd"], "bypassed"].any()
    seg = r.products.set_index("product").loc["SEG+HRE concentrate"]
    assert seg["tpa"] == 0.0 and seg["elements"] == ""
    assert "SEG+HRE concentrate" not in [p.name for p in refinery_sx_products(r)]
    assert r.designs[0] is None and r.products["meets_target"].all()


def test_extractant_and_user_beta_change_the_design(demo):
    d2 = design_refinery(DEMO_FEED, RefineryParams(extractant="D2EHPA"))
    beta = dict(zip(d2.cascades["cascade"], d2.cascades["beta_key"], strict=True))
    assert beta["Pr|Nd"] == pytest.approx(1.58) and beta["La|Ce"] == pytest.approx(3.24)
    easy = {e: b for e, b in zip(["La", "Ce", "Pr", "Nd"], (1.0, 5.0, 8.75, 17.5), strict=True)}
    r = design_refinery(
        {k: DEMO_FEED[k] for k in ("La2O3", "CeO2", "Pr6O11", "Nd2O3")},
        RefineryParams(beta=easy, splits=TWO_SPLITS),
    )
    assert r.cascades.set_index("cascade").loc["Pr|Nd", "beta_key"] == pytest.approx(2.0)
    # beta 2 instead of 1.5 for Pr/Nd: fewer stages for the same purities
    assert (
        r.cascades.set_index("cascade").loc["Pr|Nd", "n_total"]
        < (demo.cascades.set_index("cascade").loc["Pr|Nd", "n_total"])
    )
    assert "your extractabilities" in r.system and "P507_HCl" in demo.system


def test_organic_feed_between_cascades():
    splits = [dict(s) for s in TWO_SPLITS]
    splits[1]["feed_phase"] = "organic"
    feed = {"La2O3": 800.0, "CeO2": 1500.0, "Pr6O11": 200.0, "Nd2O3": 600.0}
    r = design_refinery(feed, RefineryParams(splits=splits))
    row = r.cascades.set_index("cascade").loc["Pr|Nd"]
    assert row["feed_phase"] == "organic" and row["feed_stage"] == row["n_extraction"] + 1
    assert r.products["meets_target"].all()
    assert 0.1 < row["oa_extraction"] < 100  # a sane reflux, not an unbounded one


def test_errors_name_the_problem():
    with pytest.raises(ConfigError, match="'ThO2' is not a rare-earth oxide"):
        design_refinery({"ThO2": 1.0, "La2O3": 1.0})
    with pytest.raises(ConfigError, match="'Nd' is not a rare-earth oxide"):
        design_refinery({"Nd": 1.0})
    with pytest.raises(ConfigError, match="no rare-earth oxides"):
        design_refinery({"La2O3": 0.0})
    with pytest.raises(ConfigError, match=r"finite tonnage"):
        design_refinery({"La2O3": -1.0})
    with pytest.raises(ConfigError, match=r"processing\.refinery\.beta.*\['Sm'\]"):
        design_refinery(
            {"Nd2O3": 1.0, "Sm2O3": 1.0, "Pr6O11": 1.0},
            RefineryParams(beta={"Pr": 1.0, "Nd": 1.5}, splits=[{"cut": "Pr|Nd"}]),
        )
    with pytest.raises(ConfigError, match=r"splits\[0\].*max_stages"):
        design_refinery(
            {"Pr6O11": 250.0, "Nd2O3": 750.0},
            RefineryParams(splits=[{"cut": "Pr|Nd", "extract_purity_pct": 99.999}], max_stages=5),
        )


def test_inputs_untouched_and_deterministic():
    feed = {"Pr6O11": 250.0, "Nd2O3": 750.0}
    p = RefineryParams(splits=[{"cut": "Pr|Nd"}])
    before = (dict(feed), p.model_dump())
    a, b = design_refinery(feed, p), design_refinery(pd.Series(feed), p)
    assert (dict(feed), p.model_dump()) == before
    for name in ("cascades", "products", "reagents", "equipment", "costs", "distribution"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


# ------------------------------------------------------------------ strip section


@pytest.mark.parametrize(("e", "residual"), [(0.1, 1e-3), (0.5, 1e-2), (0.02, 1e-6)])
def test_strip_stages_are_the_kremser_minimum_and_match_the_simulator(e, residual):
    n = kremser_strip_stages(e, residual)
    s = 1.0 / e
    left = lambda k: (s - 1.0) / (s ** (k + 1) - 1.0)  # noqa: E731
    assert left(n) <= residual and (n == 1 or left(n - 1) > residual)
    # the simulator: loaded organic into stage 1, fresh strip acid into stage n
    cas = countercurrent(
        ["Nd"],
        [e],
        [1.0],
        n_extraction=n,
        model="linear",
        ratio=1.0,
        feed_phase="organic",
        feed_stage=1,
    )
    res = simulate(cas)
    assert res.organic_out_mol_h[0] == pytest.approx(left(n), rel=1e-9)
    assert ATOMIC_WEIGHT["Nd"] > 0
