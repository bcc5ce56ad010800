"""Grade-tonnage of a hand-built model."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.blockmodel import grade_tonnage

HAND = pd.DataFrame(
    {
        "domain": ["A", "A", "A", "B", "B"],
        "tonnes": [1000.0, 2000.0, 500.0, 4000.0, 100.0],
        "volume_m3": [400.0, 800.0, 200.0, 1600.0, 40.0],
        "TREO_pct": [0.5, 2.0, 4.0, 1.0, np.nan],
        "Nd2O3_pct": [0.1, 0.4, np.nan, 0.2, 0.3],
    }
)


def test_hand_built_table():
    gt = grade_tonnage(HAND, cutoffs=[0.0, 1.0, 3.0], report_columns=["TREO_pct", "Nd2O3_pct"])
    tot = gt[gt["domain"] == "ALL"].set_index("cutoff_pct")
    # cut-off 0: rows with a TREO value (the NaN row is not classified)
    assert tot.loc[0.0, "tonnes"] == 7500.0
    assert tot.loc[0.0, "TREO_t"] == pytest.approx((1000 * 0.5 + 2000 * 2 + 500 * 4 + 4000) / 100)
    assert tot.loc[0.0, "TREO_pct"] == pytest.approx(10500 / 7500)
    # Nd2O3 averaged over the tonnes that have it
    assert tot.loc[0.0, "Nd2O3_pct"] == pytest.approx((100 + 800 + 800) / 7000)
    assert tot.loc[1.0, "tonnes"] == 6500.0
    assert tot.loc[3.0, "tonnes"] == 500.0 and tot.loc[3.0, "TREO_pct"] == 4.0
    assert np.isnan(tot.loc[3.0, "Nd2O3_pct"]) and tot.loc[3.0, "Nd2O3_t"] == 0.0
    a = gt[gt["domain"] == "A"].set_index("cutoff_pct")
    assert a.loc[1.0, "tonnes"] == 2500.0 and a.loc[1.0, "volume_m3"] == 1000.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(1.0, 1e4), st.floats(0.0, 10.0)), min_size=1, max_size=30))
def test_tonnes_fall_and_grade_rises_with_cutoff(rows):
    t = pd.DataFrame(rows, columns=["tonnes", "TREO_pct"]).assign(domain="X")
    gt = grade_tonnage(t, cutoffs=[0, 1, 2, 4, 8], by_domain=False)
    assert np.all(np.diff(gt["tonnes"]) <= 0)
    g = gt["TREO_pct"].dropna().to_numpy()
    assert np.all(np.diff(g) >= -1e-9)
    assert gt["TREO_t"].iloc[0] == pytest.approx((t["tonnes"] * t["TREO_pct"]).sum() / 100)
