"""Statement: significant-figure rounding oracle, sums by class, grade-tonnage, metadata."""

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.resources.params import RoundingParams, SigFigs, resource_params
from mine2magnet.resources.statement import (
    grade_tonnage_by_class,
    ordered_grade_columns,
    resource_statement,
    round_sig,
    round_statement,
    statement_metadata,
    summarise,
)

# (value, significant figures, expected) worked by hand, half away from zero
ROUNDING_ORACLE = [
    (89_012_345.0, 2, 89_000_000.0),
    (89_512_345.0, 2, 90_000_000.0),
    (82_149_999.0, 3, 82_100_000.0),
    (1.795, 3, 1.80),  # 1.795 is 1.79499999… in binary; the decimal value rounds up
    (2.45, 2, 2.5),
    (0.125, 2, 0.13),
    (0.3449, 2, 0.34),
    (0.00104999, 2, 0.0010),
    (999.5, 3, 1000.0),
    (-0.0655, 2, -0.066),
    (7.0, 3, 7.0),
    (0.0, 2, 0.0),
    (1.0e-7, 1, 1.0e-7),
    (123_456.0, 6, 123_456.0),
]


@pytest.mark.parametrize(("x", "sig", "expected"), ROUNDING_ORACLE)
def test_round_sig_oracle(x, sig, expected):
    assert round_sig(x, sig) == expected


def test_round_sig_passes_non_finite_and_rejects_zero_figures():
    assert math.isnan(round_sig(float("nan"), 2))
    assert round_sig(float("inf"), 2) == float("inf")
    with pytest.raises(ValueError, match="sig"):
        round_sig(1.0, 0)


@settings(max_examples=300, deadline=None)
@given(x=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) > 1e-12), sig=st.integers(1, 6))  # fmt: skip
def test_round_sig_properties(x, sig):
    r = round_sig(x, sig)
    if x == 0:
        assert r == 0
        return
    d = Decimal(repr(r)).normalize()
    assert len(d.as_tuple().digits) <= sig  # no more significant digits than asked
    step = 10.0 ** (math.floor(math.log10(abs(x))) - sig + 1)
    assert abs(r - x) <= 0.5 * step * (1 + 1e-9) + 1e-300  # nearest
    assert round_sig(r, sig) == r  # idempotent


def test_ordered_grade_columns():
    cols = ["CaF2_pct", "Nd2O3_pct", "TREO_pct", "ThO2_pct", "La2O3_pct", "Y2O3_pct"]
    assert ordered_grade_columns(cols) == ["TREO_pct", "La2O3_pct", "Nd2O3_pct", "Y2O3_pct",
                                           "CaF2_pct", "ThO2_pct"]  # fmt: skip


def test_summarise_hand_example():
    f = pd.DataFrame({"tonnes": [100.0, 300.0, 600.0],
                      "TREO_pct": [4.0, 2.0, 1.0], "Nd2O3_pct": [0.6, 0.3, 0.1],
                      "Pr6O11_pct": [0.2, 0.1, 0.05], "ThO2_pct": [0.5, np.nan, 0.2],
                      "nsr_usd_t": [300.0, 150.0, 60.0]})  # fmt: skip
    s = summarise(f, ["TREO_pct", "Nd2O3_pct", "Pr6O11_pct", "ThO2_pct"])
    assert s["tonnes"] == 1000.0
    assert s["TREO_pct"] == pytest.approx((400 + 600 + 600) / 1000)
    assert s["TREO_t"] == pytest.approx(16.0)
    assert s["NdPr_pct"] == pytest.approx((80 + 120 + 90) / 1000)
    assert s["NdPr_t"] == pytest.approx(2.9)
    assert s["NdPr_TREO_pct"] == pytest.approx(100 * 2.9 / 16)
    # ThO2 is missing in one block: grade over the blocks that have it, contained over them
    assert s["ThO2_pct"] == pytest.approx((50 + 120) / 700)
    assert s["ThO2_t"] == pytest.approx(1.7)
    assert s["nsr_usd_t"] == pytest.approx((30000 + 45000 + 36000) / 1000)
    empty = summarise(f, ["TREO_pct"], np.zeros(3, dtype=bool))
    assert empty["tonnes"] == 0 and math.isnan(empty["TREO_pct"]) and empty["TREO_t"] == 0


GRADES = ["TREO_pct", "La2O3_pct", "Nd2O3_pct", "Pr6O11_pct", "ThO2_pct", "CaF2_pct",
          "BaSO4_pct"]  # fmt: skip


def _frame(n, seed):
    rng = np.random.default_rng(seed)
    treo = rng.lognormal(0.3, 0.7, n)
    return pd.DataFrame({
        "tonnes": rng.uniform(100, 3000, n), "TREO_pct": treo, "La2O3_pct": 0.3 * treo,
        "Nd2O3_pct": 0.15 * treo, "Pr6O11_pct": 0.05 * treo,
        "ThO2_pct": np.where(rng.random(n) < 0.1, np.nan, 0.1 * treo),
        "CaF2_pct": rng.uniform(5, 40, n), "BaSO4_pct": rng.uniform(5, 20, n),
        "nsr_usd_t": 80 * treo, "code": rng.integers(1, 5, n)})  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 200),
    seed=st.integers(0, 10_000),
    cutoffs=st.lists(st.floats(0, 3), min_size=1, max_size=4, unique=True),
)
def test_statement_sums_before_rounding(n, seed, cutoffs):
    f = _frame(n, seed)
    inside = np.random.default_rng(seed + 1).random(n) < 0.8
    value = f["TREO_pct"].to_numpy()
    t = resource_statement(f, value, inside, cutoffs, "TREO_pct", GRADES)
    assert len(t) == 5 * len(cutoffs)
    assert t["reporting"].sum() == 5 and (t.loc[t["reporting"], "cutoff"] == cutoffs[0]).all()
    for _, g in t.groupby("cutoff"):
        r = g.set_index("class")
        for col in ["tonnes", "TREO_t", "NdPr_t", "ThO2_t", "CaF2_t"]:
            m, i, inf = r.loc["Measured", col], r.loc["Indicated", col], r.loc["Inferred", col]
            assert r.loc["Measured + Indicated", col] == pytest.approx(m + i, abs=1e-9)
            assert r.loc["Total", col] == pytest.approx(m + i + inf, abs=1e-9)
        mi = r.loc["Measured + Indicated"]
        if mi["tonnes"] > 0:
            assert mi["TREO_pct"] == pytest.approx(100 * mi["TREO_t"] / mi["tonnes"])
    # oracle: Total tonnes at each cut-off straight from the blocks
    for c in cutoffs:
        sel = inside & (value >= c) & (f["code"].to_numpy() <= 3)
        row = t[(t["cutoff"] == c) & (t["class"] == "Total")].iloc[0]
        assert row["tonnes"] == pytest.approx(f["tonnes"][sel].sum())


def test_grade_tonnage_is_monotone_and_includes_unclassified():
    f = _frame(300, 3)
    gt = grade_tonnage_by_class(f, f["TREO_pct"].to_numpy(), np.ones(300, bool),
                                [2.0, 0.0, 1.0, 0.5], "TREO_pct", GRADES)  # fmt: skip
    assert list(gt.columns[:3]) == ["class", "cutoff", "cutoff_basis"]
    assert list(dict.fromkeys(gt["class"])) == ["Measured", "Indicated",
                                                "Measured + Indicated", "Inferred", "Total",
                                                "Unclassified"]  # fmt: skip
    for _, g in gt.groupby("class"):
        assert g["cutoff"].is_monotonic_increasing
        assert (np.diff(g["tonnes"]) <= 0).all()
        assert (np.diff(g["TREO_pct"].fillna(np.inf)) >= -1e-12).all()
    zero = gt[gt["cutoff"] == 0].set_index("class")["tonnes"]
    assert zero["Total"] + zero["Unclassified"] == pytest.approx(f["tonnes"].sum())


def test_round_statement_uses_class_figures():
    t = pd.DataFrame(
        {
            "cutoff": [0.5, 0.5],
            "class": ["Indicated", "Inferred"],
            "tonnes": [72_049_123.0, 7_049_123.0],
            "TREO_pct": [1.6049, 1.8551],
            "nsr_usd_t": [139.44, 160.5],
            "TREO_t": [1_156_000.4, 130_770.0],
        }
    )
    r = round_statement(t, RoundingParams(measured_indicated=SigFigs(tonnes=3, grades=3,
                                          contained=3), inferred=SigFigs(tonnes=2, grades=2,
                                          contained=1)))  # fmt: skip
    assert r["tonnes"].tolist() == [72_000_000.0, 7_000_000.0]
    assert r["TREO_pct"].tolist() == [1.60, 1.9]
    assert r["nsr_usd_t"].tolist() == [139.0, 160.0]
    assert r["TREO_t"].tolist() == [1_160_000.0, 100_000.0]
    assert r["cutoff"].tolist() == [0.5, 0.5]  # not a figure of the statement
    assert t["tonnes"].iloc[0] == 72_049_123.0  # input untouched


def test_statement_metadata_states_what_jorc_asks():
    p = resource_params({"effective_date": "2026-01-01", "rpeee": {"price_factor": 1.3}})
    m = statement_metadata(p, density={"HG": 3.15, "LG": 2.95}, flagged_holes=["H1"],
                           estimated_tonnes=1e6, unclassified_tonnes=5e4,
                           grade_column="TREO_pct", has_topography=True)  # fmt: skip
    kv = dict(zip(m["key"], m["value"], strict=True))
    assert list(m.columns) == ["key", "value", "unit"]
    assert kv["effective_date"] == "2026-01-01"
    assert kv["reporting_cutoff"] == "0.5" and kv["cutoff_basis"] == "TREO_pct"
    assert "HG 3.15" in kv["density_basis"] and "LG 2.95" in kv["density_basis"]
    assert kv["rpeee_constraint"] == "depth" and kv["max_depth_m"].startswith("300")
    assert kv["price_factor"] == "1.3" and kv["price_Nd2O3"] == "110"
    assert "unrounded" in kv["totals"] and kv["qaqc_flagged_holes"] == "H1"
    assert all(isinstance(v, str) for v in m["value"])
    undated = statement_metadata(resource_params({}), density={}, flagged_holes=[],
                                 estimated_tonnes=0, unclassified_tonnes=0,
                                 grade_column="TREO_pct", has_topography=False)  # fmt: skip
    kv2 = dict(zip(undated["key"], undated["value"], strict=True))
    assert "Competent Person" in kv2["effective_date"] and kv2["qaqc_flagged_holes"] == "none"
