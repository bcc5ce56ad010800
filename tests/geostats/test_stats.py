"""Statistics, histograms, log-probability data, top-cut analysis and capping."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.geostats.stats import (
    apply_top_cuts,
    histogram,
    log_probability,
    summary_statistics,
    top_cut_analysis,
    weighted_quantile,
)


def test_summary_naive_and_declustered():
    z = np.array([1.0, 1.0, 4.0, np.nan])
    s = summary_statistics(z, weights=[1.0, 1.0, 2.0, np.nan])
    assert s["n"] == 3 and s["n_missing"] == 1
    assert s["mean"] == pytest.approx(2.0)
    assert s["declustered_mean"] == pytest.approx((1 + 1 + 8) / 4)
    assert s["cv"] == pytest.approx(np.std([1, 1, 4]) / 2.0)


def test_histogram_counts_and_weights():
    h = histogram([1.0, 2.0, 3.0, 4.0], weights=[1, 1, 1, 3], bins=2)
    assert h["count"].tolist() == [2, 2]
    assert h["frequency"].tolist() == pytest.approx([2 / 6, 4 / 6])
    assert h["cumulative"].iloc[-1] == pytest.approx(1.0)
    hl = histogram([0.0, 1.0, 10.0, 100.0], bins=2, log=True)
    assert hl["count"].sum() == 3  # zero left out of log bins
    assert hl["bin_upper"].iloc[0] == pytest.approx(10.0)


def test_log_probability_positions():
    lp = log_probability([5.0, 1.0, 3.0, 2.0])
    assert lp["value"].tolist() == [1.0, 2.0, 3.0, 5.0]
    assert lp["cumulative_pct"].tolist() == pytest.approx([12.5, 37.5, 62.5, 87.5])
    assert lp["normal_quantile"].iloc[1] == pytest.approx(-lp["normal_quantile"].iloc[2])


def test_top_cut_metal_removed_by_hand():
    z = np.array([1.0, 2.0, 3.0, 10.0])
    t = top_cut_analysis(z, thresholds=[5.0, 2.5])
    # cap 5: removes 5 of 16 units of metal; cap 2.5: removes 0.5 + 7.5
    assert t["metal_removed_pct"].tolist() == pytest.approx([31.25, 50.0])
    assert t["n_capped"].tolist() == [1, 2]
    assert t["mean_capped"].tolist() == pytest.approx([11 / 4, 8 / 4])
    assert t["percentile"].tolist() == pytest.approx([75.0, 50.0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 100.0), min_size=3, max_size=40))
def test_top_cut_removal_falls_with_threshold(values):
    t = top_cut_analysis(values, percentiles=[50, 75, 90, 99])
    assert np.all(np.diff(t["metal_removed_pct"]) <= 1e-9)
    assert np.all(t["mean_capped"] <= t["mean_uncapped"] + 1e-12)


def test_weighted_quantile_matches_numpy_midpoints():
    z = np.arange(1.0, 11.0)
    assert weighted_quantile(z, [0.05, 0.5, 0.95]).tolist() == pytest.approx([1.0, 5.5, 10.0])


def test_capping_treo_scales_oxides_and_keeps_the_sum():
    t = pd.DataFrame(
        {
            "La2O3_pct": [1.0, 3.0, np.nan],
            "CeO2_pct": [2.0, 6.0, 1.0],
            "TREO_pct": [3.0, 9.0, np.nan],
            "ThO2_pct": [0.1, 0.9, 0.2],
        }
    )
    before = t.copy()
    c, rep = apply_top_cuts(
        t, {"TREO_pct": 6.0, "ThO2_pct": 0.5}, sum_column="TREO_pct",
        part_columns=["La2O3_pct", "CeO2_pct"],
    )  # fmt: skip
    pd.testing.assert_frame_equal(t, before)  # input untouched
    assert c["TREO_pct"].tolist()[:2] == [3.0, 6.0]
    assert c[["La2O3_pct", "CeO2_pct"]].iloc[1].tolist() == pytest.approx([2.0, 4.0])
    s = c["La2O3_pct"] + c["CeO2_pct"]
    assert np.allclose(s[:2], c["TREO_pct"][:2])
    assert c["ThO2_pct"].tolist() == [0.1, 0.5, 0.2]
    r = rep.set_index("column")
    assert r.loc["TREO_pct", "n_capped"] == 1
    assert r.loc["TREO_pct", "metal_removed_pct"] == pytest.approx(100 * 3.0 / 12.0)
