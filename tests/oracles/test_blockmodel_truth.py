"""Estimates against truth: the demo block model against ``SYNTHETIC_truth.csv``, and
grade-tonnage against Matheron's analytic lognormal curves.

The demo's truth is the point-support vein on a 20 × 20 × 8 m lattice (VEIN_HG, VEIN_LG
and BRECCIA below the cover). The estimate codes HG (= VEIN_HG) and LG (= VEIN_LG +
BRECCIA) by nearest composite and krige 10 m blocks. Tolerances: total vein tonnes,
TREO grade and contained TREO within 3 %; per domain tonnes within 5 % and TREO within
3 % (the HG/LG contact is a grade threshold, so domain volumes move more than the total).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mine2magnet.blockmodel import blockmodel_params, grade_tonnage, load_topography, run_estimation
from mine2magnet.config import load_project
from mine2magnet.geostats.params import geostats_params

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


@pytest.fixture(scope="module")
def demo_outcome():
    from mine2magnet.drillholes.composite import composite_drillholes
    from mine2magnet.drillholes.database import load_drillholes

    p = load_project(DEMO)
    comps = composite_drillholes(load_drillholes(p), p.composite, p.desurvey.method)
    out = run_estimation(
        comps, p.domains, geostats_params(p), blockmodel_params(p), seed=p.project.seed,
        topography=load_topography(p),
    )  # fmt: skip
    return out, pd.read_csv(DEMO / "SYNTHETIC_truth.csv").set_index("lithology")


@pytest.mark.slow
def test_demo_estimate_matches_truth(demo_outcome):
    out, truth = demo_outcome
    gt = out.grade_tonnage
    tot = gt[(gt["domain"] == "ALL") & (gt["cutoff_pct"] == 0.0)].iloc[0]
    vein = truth.loc["VEIN"]
    print(
        f"\nestimate {tot['tonnes'] / 1e6:.2f} Mt @ {tot['TREO_pct']:.3f} % TREO, "
        f"{tot['ThO2_pct']:.4f} % ThO2; truth {vein['tonnes'] / 1e6:.2f} Mt @ "
        f"{vein['TREO_pct']:.3f} % TREO, {vein['ThO2_pct']:.4f} % ThO2"
    )
    assert tot["tonnes"] == pytest.approx(vein["tonnes"], rel=0.03)
    assert tot["TREO_pct"] == pytest.approx(vein["TREO_pct"], rel=0.03)
    assert tot["TREO_t"] == pytest.approx(vein["tonnes"] * vein["TREO_pct"] / 100, rel=0.03)
    assert tot["ThO2_pct"] == pytest.approx(vein["ThO2_pct"], rel=0.03)
    ndpr = tot["Pr6O11_pct"] + tot["Nd2O3_pct"]
    assert ndpr == pytest.approx(vein["NdPr_oxide_pct"], rel=0.03)
    by = gt[gt["cutoff_pct"] == 0.0].set_index("domain")
    hg = truth.loc["VEIN_HG"]
    lg_t = truth.loc["VEIN_LG", "tonnes"] + truth.loc["BRECCIA", "tonnes"]
    lg_g = (truth.loc["VEIN_LG", "tonnes"] * truth.loc["VEIN_LG", "TREO_pct"]
            + truth.loc["BRECCIA", "tonnes"] * truth.loc["BRECCIA", "TREO_pct"]) / lg_t  # fmt: skip
    assert by.loc["HG", "tonnes"] == pytest.approx(hg["tonnes"], rel=0.05)
    assert by.loc["HG", "TREO_pct"] == pytest.approx(hg["TREO_pct"], rel=0.03)
    assert by.loc["LG", "tonnes"] == pytest.approx(lg_t, rel=0.05)
    assert by.loc["LG", "TREO_pct"] == pytest.approx(lg_g, rel=0.03)


@pytest.mark.slow
def test_demo_treo_consistency_and_crossval(demo_outcome):
    out, _ = demo_outcome
    chk = out.checks.set_index(["domain", "check"])["value"]
    for d in ("HG", "LG"):
        assert chk[(d, "treo_sum_max_abs_diff_blocks")] < 1e-12
        assert chk[(d, "rows_not_estimated")] == 0
    cv = out.crossval.set_index(["domain", "kind"])
    assert (cv["slope"].between(0.9, 1.1)).all()
    assert (cv["mean_error_pct"].abs() / cv["mean_true_pct"] < 0.03).all()


def _lognormal_gt(mu, sigma, c):
    """Tonnage share and mean grade above cut-off c of a lognormal (Matheron)."""
    z = (np.log(c) - mu) / sigma
    share = stats.norm.sf(z)
    mean = np.exp(mu + sigma**2 / 2) * stats.norm.sf(z - sigma) / share
    return share, mean


def test_grade_tonnage_of_a_hand_built_lognormal_model():
    n, mu, sigma = 200_000, 0.3, 0.7
    p = (np.arange(n) + 0.5) / n
    grades = np.exp(mu + sigma * stats.norm.ppf(p))  # one block per quantile
    t = pd.DataFrame({"domain": "X", "tonnes": 10.0, "TREO_pct": grades})
    cut = [0.5, 1.0, 2.0, 4.0]
    gt = grade_tonnage(t, cutoffs=cut, by_domain=False).set_index("cutoff_pct")
    for c in cut:
        share, mean = _lognormal_gt(mu, sigma, c)
        assert gt.loc[c, "tonnes"] == pytest.approx(10.0 * n * share, rel=1e-4)
        assert gt.loc[c, "TREO_pct"] == pytest.approx(mean, rel=1e-3)
        assert gt.loc[c, "TREO_t"] == pytest.approx(10.0 * n * share * mean / 100, rel=1e-3)


def test_grade_tonnage_of_a_hand_built_uniform_model():
    g = (np.arange(1000) + 0.5) * 0.01  # 0.005 … 9.995 %, one tonne each
    gt = grade_tonnage(pd.DataFrame({"domain": "X", "tonnes": 1.0, "TREO_pct": g}),
                       cutoffs=[2.5], by_domain=False).iloc[0]  # fmt: skip
    assert gt["tonnes"] == 750.0
    assert gt["TREO_pct"] == pytest.approx(6.25)
    assert gt["TREO_t"] == pytest.approx(750 * 6.25 / 100)
