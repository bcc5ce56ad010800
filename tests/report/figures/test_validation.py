"""Swath plot and cross-validation scatter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.report.figures import crossval_scatter, swath_plot


@pytest.fixture
def swaths() -> pd.DataFrame:
    x = np.arange(4600.0, 5000.0, 40.0)
    g = 1.0 + 0.5 * np.sin(x / 60.0)
    return pd.DataFrame(
        {"domain": "LG", "column": "TREO_pct", "axis": "easting", "slice_from_m": x - 20,
         "slice_to_m": x + 20, "slice_centre_m": x, "n_composites": np.arange(len(x)) * 10,
         "composites_mean_pct": g * 1.05, "declustered_mean_pct": g, "n_rows": 5,
         "tonnes": 1e6 + 1e5 * np.arange(len(x)), "kriged_mean_pct": g * 0.98,
         "inverse_distance_mean_pct": g * 1.01, "nearest_neighbour_mean_pct": g * 1.02}
    )  # fmt: skip


def test_swath_plot(swaths, svgtools):
    before = svgtools.fingerprint(swaths)
    fig = swath_plot(swaths, "LG", "TREO_pct", "easting")
    assert svgtools.fingerprint(swaths) == before
    texts = svgtools.texts(fig.svg)
    assert fig.title == "Swath plot of TREO [%] along easting, domain LG"
    assert fig.title in texts
    for label in ("mean TREO [%]", "block tonnes per slice [Mt]", "composites per slice",
                  "kriged blocks", "composites (declustered)", "nearest neighbour"):  # fmt: skip
        assert label in texts
    assert "easting slice centre [m] (slices 40 m wide)" in texts
    assert fig.id == "swath-lg-treo-pct-easting"


def test_crossval_slope_and_correlation():
    est = np.linspace(0.5, 4.0, 50)
    cs = pd.DataFrame(
        {"domain": "HG", "kind": ["leave_one_out"] * 50 + ["leave_hole_out"] * 50,
         "TREO_pct": np.r_[2.0 * est, est + 0.1], "TREO_estimate_pct": np.r_[est, est]}
    )  # fmt: skip
    fig = crossval_scatter(cs, "HG")
    assert "leave one out: slope 2.00, correlation 1.00, n = 50" in fig.caption
    assert "leave hole out: slope 1.00, correlation 1.00, n = 50" in fig.caption
    assert fig.id == "crossval-hg-treo-pct"


def test_crossval_legend_text(svgtools):
    rng = np.random.default_rng(1)
    est = rng.uniform(0.5, 4.0, 200)
    true = est + rng.normal(0, 0.3, 200)
    b, _ = np.polyfit(est, true, 1)
    r = np.corrcoef(est, true)[0, 1]
    cs = pd.DataFrame({"domain": "LG", "TREO_pct": true, "TREO_estimate_pct": est})
    fig = crossval_scatter(cs, "LG", synthetic=True)
    texts = svgtools.texts(fig.svg)
    assert f"regression: slope {b:.2f}, r = {r:.2f}" in texts
    assert "1:1" in texts and "estimate TREO [%]" in texts and fig.title in texts


def test_demo_store_validation(demo_table, svgtools):
    sw = demo_table("estimation__swaths")
    cs = demo_table("estimation__crossval_samples")
    cv = demo_table("estimation__crossval")
    fig = crossval_scatter(cs, "LG")
    loo = cv[(cv["domain"] == "LG") & (cv["kind"] == "leave_one_out")].iloc[0]
    assert f"correlation {loo['correlation']:.2f}" in fig.caption  # agrees with the stage
    assert len(fig.svg) < 500_000  # dense scatter layers are rasterised
    for axis in ("easting", "northing", "elevation"):
        f = swath_plot(sw, "HG", "TREO_pct", axis)
        assert f.title in svgtools.texts(f.svg)
