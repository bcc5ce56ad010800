"""Swath tables and global comparison."""

import numpy as np
import pytest

from mine2magnet.blockmodel import global_comparison, swath_table


def test_swath_by_hand():
    xs = np.array([[1.0, 0, 0], [3.0, 0, 0], [12.0, 0, 0], [14.0, 0, 0]])
    bs = np.array([[5.0, 0, 0], [15.0, 0, 0], [16.0, 0, 0]])
    s = swath_table(xs, [1.0, 3.0, 5.0, np.nan], bs, [10.0, 10.0, 30.0],
                    {"kriged": [2.0, 4.0, 8.0]}, axis=0, width=10.0,
                    sample_weights=[1.0, 3.0, 1.0, 1.0])  # fmt: skip
    assert s["n_composites"].tolist() == [2, 1]
    assert s["declustered_mean_pct"].tolist() == pytest.approx([2.5, 5.0])
    assert s["kriged_mean_pct"].tolist() == pytest.approx([2.0, 7.0])
    assert s["tonnes"].tolist() == [10.0, 40.0]


def test_swaths_on_the_estimate(outcome):
    sw = outcome.swaths
    assert set(sw["domain"]) == {"ORE"}
    z = sw[sw["axis"] == "easting"]
    assert (np.diff(z["slice_from_m"]) == 40.0).all()  # default: 4 blocks wide
    assert z["tonnes"].sum() == 2.4e6
    ok = z[z["n_composites"] > 20]
    rel = np.abs(ok["kriged_mean_pct"] / ok["declustered_mean_pct"] - 1)
    assert rel.max() < 0.15


def test_global_comparison_by_hand():
    g = global_comparison([1.0, 3.0], [1.0, 3.0], {"kriged": [1.0, 3.0], "nn": [2.0, np.nan]},
                          sample_weights=[3.0, 1.0])  # fmt: skip
    assert g["declustered_mean_pct"] == pytest.approx(1.5)
    assert g["kriged_mean_pct"] == pytest.approx(2.5)
    assert g["nn_mean_pct"] == pytest.approx(2.0)
    assert g["kriged_vs_declustered_pct"] == pytest.approx(100 * (2.5 / 1.5 - 1))
